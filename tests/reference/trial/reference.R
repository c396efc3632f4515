# Reference values for glute_study.stats.trial (lm + emmeans, MASS::glm.nb, aov with Error()).
# Run from the repository root:  Rscript tests/reference/trial/reference.R
suppressPackageStartupMessages({library(emmeans); library(MASS); library(jsonlite)})
here <- "tests/reference/trial"
out <- list(r_version = R.version.string, emmeans = as.character(packageVersion("emmeans")),
            MASS = as.character(packageVersion("MASS")))

# --- ANCOVA: adjusted means (emmeans: numeric covariates at their mean, equal weights over
# the levels of factor covariates) and their difference.
anc <- read.csv(file.path(here, "ancova.csv"))
anc$arm <- factor(anc$arm, levels = c("control", "glute_training"))
anc$sex <- factor(anc$sex)
ancova <- function(formula) {
  fit <- lm(formula, data = anc)
  em <- emmeans(fit, ~ arm)
  s <- summary(em)
  ct <- summary(contrast(em, list(diff = c(-1, 1))), infer = c(TRUE, TRUE))
  # Hedges' g: adjusted difference / pooled within-arm SD of the outcome, times the exact
  # small-sample correction J; normal-approximation CI (Hedges & Olkin 1985).
  n1 <- sum(anc$arm == "control"); n2 <- sum(anc$arm == "glute_training")
  sp <- sqrt(((n1 - 1) * var(anc$glute_nm_kg_post[anc$arm == "control"]) +
              (n2 - 1) * var(anc$glute_nm_kg_post[anc$arm == "glute_training"])) / (n1 + n2 - 2))
  df <- n1 + n2 - 2
  J <- exp(lgamma(df / 2) - log(sqrt(df / 2)) - lgamma((df - 1) / 2))
  g <- J * ct$estimate / sp
  se_g <- sqrt((n1 + n2) / (n1 * n2) + g^2 / (2 * (n1 + n2)))
  list(emmean = s$emmean, emmean_se = s$SE, emmean_lower = s$lower.CL,
       emmean_upper = s$upper.CL, diff = ct$estimate, diff_se = ct$SE, diff_lower = ct$lower.CL,
       diff_upper = ct$upper.CL, diff_p = ct$p.value, df = ct$df, g = g,
       g_lower = g - qnorm(0.975) * se_g, g_upper = g + qnorm(0.975) * se_g,
       coef = unname(coef(fit)), coef_se = unname(summary(fit)$coefficients[, 2]))
}
out$ancova <- ancova(glute_nm_kg_post ~ arm + glute_nm_kg)
out$ancova_cov <- ancova(glute_nm_kg_post ~ arm + glute_nm_kg + age + sex)
print(out$ancova_cov[1:11])

# --- Negative binomial rate ratio with a log-exposure offset; Wald intervals.
rates <- read.csv(file.path(here, "rates.csv"))
rates$arm <- factor(rates$arm, levels = c("control", "glute_training"))
nb <- glm.nb(cramps ~ arm + prior_cramps + offset(log(exposure_h)), data = rates,
             control = glm.control(epsilon = 1e-12, maxit = 100))
cf <- summary(nb)$coefficients
ci <- confint.default(nb)
out$negbin <- list(coef = unname(cf[, 1]), se = unname(cf[, 2]), p = unname(cf[, 4]),
                   irr = unname(exp(cf[, 1])), irr_lower = unname(exp(ci[, 1])),
                   irr_upper = unname(exp(ci[, 2])), theta = nb$theta, se_theta = nb$SE.theta,
                   loglik = as.numeric(logLik(nb)), terms = rownames(cf))
print(summary(nb))
nb0 <- glm.nb(cramps ~ arm + offset(log(exposure_h)), data = rates,
              control = glm.control(epsilon = 1e-12, maxit = 100))
cf0 <- summary(nb0)$coefficients
out$negbin_unadjusted <- list(coef = unname(cf0[, 1]), se = unname(cf0[, 2]),
                              p = unname(cf0[, 4]), theta = nb0$theta)

# --- Pre/post mixed ANOVA: aov with Error(subject/time); partial eta squared and its 95 % CI
# by inverting the non-central F (Steiger 2004).
pp <- read.csv(file.path(here, "prepost.csv"))
pp$participant_id <- factor(pp$participant_id)
pp$time <- factor(pp$time, levels = c("pre", "post"))
pp$arm <- factor(pp$arm)
a <- summary(aov(value ~ arm * time + Error(participant_id / time), data = pp))
b <- a[["Error: participant_id"]][[1]]
w <- a[["Error: participant_id:time"]][[1]]
np2_ci <- function(f, df1, df2) {
  lam <- function(p) {
    g <- function(l) pf(f, df1, df2, ncp = l) - p
    if (g(0) < 0) return(0)
    uniroot(g, c(0, 1000), tol = 1e-12)$root
  }
  lo <- lam(0.975); hi <- lam(0.025)
  c(lo / (lo + df1 + df2 + 1), hi / (hi + df1 + df2 + 1))
}
eff <- function(tab, i) {
  ss <- tab[["Sum Sq"]]; dfs <- tab[["Df"]]; res <- nrow(tab)
  f <- tab[["F value"]][i]
  list(f = f, df1 = dfs[i], df2 = dfs[res], p = tab[["Pr(>F)"]][i],
       np2 = ss[i] / (ss[i] + ss[res]), np2_ci = np2_ci(f, dfs[i], dfs[res]))
}
out$mixed_anova <- list(arm = eff(b, 1), time = eff(w, 1), interaction = eff(w, 2))
print(a)

# Three time points: univariate tests with Greenhouse-Geisser correction (car::Anova on the
# multivariate linear model; summary(..., multivariate = FALSE)).
suppressPackageStartupMessages(library(car))
p3 <- read.csv(file.path(here, "prepost3.csv"))
w3 <- reshape(p3, idvar = c("participant_id", "arm"), timevar = "time", direction = "wide")
w3$arm <- factor(w3$arm)
mlm <- lm(cbind(value.pre, value.mid, value.post) ~ arm, data = w3)
idata <- data.frame(time = factor(c("pre", "mid", "post"), levels = c("pre", "mid", "post")))
av <- summary(Anova(mlm, idata = idata, idesign = ~time, type = 2), multivariate = FALSE)
uni <- unclass(av$univariate.tests)
gg <- unclass(av$pval.adjustments)
sph <- unclass(av$sphericity.tests)
print(av)
out$mixed_anova3 <- list(
  f = unname(uni[c("arm", "time", "arm:time"), "F value"]),
  p = unname(uni[c("arm", "time", "arm:time"), "Pr(>F)"]),
  gg_eps = unname(gg[c("time", "arm:time"), "GG eps"]),
  p_gg = unname(gg[c("time", "arm:time"), "Pr(>F[GG])"]),
  mauchly_w = unname(sph["time", "Test statistic"]), mauchly_p = unname(sph["time", "p-value"]))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(here, "reference.json"))
