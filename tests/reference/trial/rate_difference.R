# Reference values for the trial's absolute effect: covariate-adjusted rate difference per
# 1000 h by marginal standardisation, delta-method SE (tests/stats/test_trial_rate_difference.py).
# Run from the repository root:  Rscript tests/reference/trial/rate_difference.R
# Reads rates.csv (make_data.py) and rates_teams.csv / rates_cluster.csv
# (make_rate_difference_data.py); writes rate_difference.json.
#
# For each arm a: every athlete set to arm a at their own covariates, R_a = mean(1000 exp(X_a b))
# (checked against predict(type = "response") at 1000 h of exposure), gradient
# colMeans(1000 exp(X_a b) X_a); SE of R_a and of R_a - R_control = sqrt(g' V g) with the
# covariance V the rate ratio uses:
#   individual: MASS::glm.nb, model-based vcov (what trial_rate_effect uses without teams)
#   cr2:        glm.nb with clubSandwich::vcovCR(type = "CR2") by team; t on the arm's
#               Satterthwaite df (coef_test)
#   glmm:       glmmTMB nbinom2 with (1 | team), marginal over teams:
#               R_a = mean(1000 exp(X_a b + sigma^2 / 2)); the full covariance of
#               (b, log sigma) from sdreport; t on between-within df (teams - 2)
# Rates: interval on the log scale (R * exp(+-q SE / R)); difference: Wald interval and p.
suppressPackageStartupMessages({library(MASS); library(clubSandwich); library(glmmTMB)
  library(jsonlite)})
here <- "tests/reference/trial"
out <- list(r_version = R.version.string, MASS = as.character(packageVersion("MASS")),
            clubSandwich = as.character(packageVersion("clubSandwich")),
            glmmTMB = as.character(packageVersion("glmmTMB")))
ctl <- glm.control(epsilon = 1e-12, maxit = 100)
arms <- c("control", "glute_training")

read <- function(file) {
  d <- read.csv(file.path(here, file))
  d$arm <- factor(d$arm, levels = arms)
  d
}

standardise <- function(d, b, V, q_ref, q_diff, sigma2 = 0, sd_index = NA) {
  rates <- c(); se <- c(); grads <- list()
  for (a in arms) {
    nd <- d; nd$arm <- factor(a, levels = arms)
    X <- model.matrix(~ arm + prior_cramps, data = nd)
    r <- as.vector(1000 * exp(X %*% b + sigma2 / 2))
    g <- colMeans(r * X)
    if (!is.na(sd_index)) g <- c(g, sigma2 * mean(r))
    grads[[a]] <- g
    rates[a] <- mean(r)
    se[a] <- sqrt(drop(t(g) %*% V %*% g))
  }
  gd <- grads[[2]] - grads[[1]]
  diff <- rates[[2]] - rates[[1]]
  se_d <- sqrt(drop(t(gd) %*% V %*% gd))
  list(rate = unname(rates), rate_se = unname(se),
       rate_lower = unname(rates * exp(-q_ref * se / rates)),
       rate_upper = unname(rates * exp(q_ref * se / rates)),
       diff = diff, diff_se = se_d, diff_lower = diff - q_diff * se_d,
       diff_upper = diff + q_diff * se_d)
}

# --- individual randomisation, model-based covariance (rates.csv)
d1 <- read("rates.csv")
nb1 <- glm.nb(cramps ~ arm + prior_cramps + offset(log(exposure_h)), data = d1, control = ctl)
z <- qnorm(0.975)
out$individual <- standardise(d1, coef(nb1), vcov(nb1), z, z)
out$individual$diff_p <- 2 * pnorm(-abs(out$individual$diff / out$individual$diff_se))
pr <- sapply(arms, function(a) {
  nd <- d1; nd$arm <- factor(a, levels = arms); nd$exposure_h <- 1000
  mean(predict(nb1, newdata = nd, type = "response"))
})
stopifnot(max(abs(pr - out$individual$rate)) < 1e-9)
# 90 % interval: the same SE, a different quantile
z90 <- qnorm(0.95)
out$individual_90 <- standardise(d1, coef(nb1), vcov(nb1), z90, z90)
print(out$individual)

# --- athletes randomised within teams: CR2 by team (rates_teams.csv)
d2 <- read("rates_teams.csv")
nb2 <- glm.nb(cramps ~ arm + prior_cramps + offset(log(exposure_h)), data = d2, control = ctl)
V2 <- vcovCR(nb2, cluster = d2$team, type = "CR2")
ct <- coef_test(nb2, vcov = V2, test = "Satterthwaite")
df2 <- ct$df_Satt[2]
out$cr2 <- standardise(d2, coef(nb2), as.matrix(V2), qt(0.975, min(df2)), qt(0.975, df2))
out$cr2$df <- df2
out$cr2$diff_p <- 2 * pt(-abs(out$cr2$diff / out$cr2$diff_se), df2)
out$cr2$coef <- unname(coef(nb2))
print(out$cr2)

# --- whole teams randomised: glmmTMB, marginal over the team effect (rates_cluster.csv)
d3 <- read("rates_cluster.csv")
m3 <- glmmTMB(cramps ~ arm + prior_cramps + offset(log(exposure_h)) + (1 | team), data = d3,
              family = nbinom2)
stopifnot(m3$sdr$pdHess, max(abs(m3$sdr$gradient.fixed)) < 1e-4)
full <- vcov(m3, full = TRUE)
keep <- c(names(fixef(m3)$cond), "theta_1|team.1")
V3 <- full[keep, keep]
sigma <- attr(VarCorr(m3)$cond$team, "stddev")[[1]]
df3 <- length(unique(d3$team)) - 2
out$glmm <- standardise(d3, fixef(m3)$cond, V3, qt(0.975, df3), qt(0.975, df3),
                        sigma2 = sigma^2, sd_index = 4)
out$glmm$df <- df3
out$glmm$sd_team <- sigma
out$glmm$coef <- unname(fixef(m3)$cond)
# conditional on a team effect of 0 (the median team), for the record
out$glmm_conditional_rate <- standardise(d3, fixef(m3)$cond, vcov(m3)$cond, 0, 0)$rate
print(out$glmm)

writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           file.path(here, "rate_difference.json"))
