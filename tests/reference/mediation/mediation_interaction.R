# Reference values for glute_study.stats.mediation(..., interaction=True)
# (tests/stats/test_mediation_interaction.py). Independent implementation: MASS::glm.nb / glm / lm
# fits with the sitting_h_day:mediator product in the outcome model, then the g-formula written
# out per athlete: for a continuous mediator the outcome's mean is integrated over the mediator's
# normal distribution with integrate(), for a 0/1 mediator summed over its two values; the
# mediator's coefficient at x is b + b_xm * x, read from predict() at m = 0 and m = 1.
# Run from the repository root:  Rscript tests/reference/mediation/mediation_interaction.R
# Writes tests/reference/mediation/reference_interaction.json
suppressPackageStartupMessages(library(MASS))
d <- read.csv("tests/reference/mediation/cohort.csv")
x0 <- 8; x1 <- 10
ctl <- glm.control(epsilon = 1e-14, maxit = 200)
covs <- "age + male + prior_cramps"

gformula <- function(yfit, mfit, x, xs, family, binary_m, exposure, mname) {
  dx <- d; dx$sitting_h_day <- xs
  per <- numeric(nrow(d))
  lp <- function(r) if (inherits(yfit, "glm")) predict(yfit, newdata = r, type = "link") else
    predict(yfit, newdata = r)
  inv <- switch(family, gaussian = identity, logistic = plogis, exp)
  for (i in seq_len(nrow(d))) {
    row <- d[i, ]; row$sitting_h_day <- x
    r0 <- row; r0[[mname]] <- 0; r1 <- row; r1[[mname]] <- 1
    eta0 <- lp(r0); slope <- lp(r1) - eta0  # b + b_xm * x, offset included in eta0
    if (binary_m) {
      p1 <- predict(mfit, newdata = dx[i, ], type = "response")
      per[i] <- (1 - p1) * inv(eta0) + p1 * inv(eta0 + slope)
    } else {
      mu_m <- predict(mfit, newdata = dx[i, ]); s <- summary(mfit)$sigma
      f <- function(mm) inv(eta0 + slope * mm) * dnorm(mm, mu_m, s)
      per[i] <- integrate(f, mu_m - 12 * s, mu_m + 12 * s, rel.tol = 1e-12)$value
    }
  }
  if (exposure) 1000 * sum(per) / sum(d$exposure_h) else mean(per)
}

effects <- function(yfit, mfit, family, binary_m = FALSE, exposure = TRUE, mname = "glute_nm_kg") {
  m00 <- gformula(yfit, mfit, x0, x0, family, binary_m, exposure, mname)
  m10 <- gformula(yfit, mfit, x1, x0, family, binary_m, exposure, mname)
  m11 <- gformula(yfit, mfit, x1, x1, family, binary_m, exposure, mname)
  cf <- coef(yfit)
  list(a = unname(coef(mfit)["sitting_h_day"]), b = unname(cf[mname]),
       c_prime = unname(cf["sitting_h_day"]),
       interaction = unname(cf[paste0("sitting_h_day:", mname)]),
       nde_ratio = m10 / m00, nie_ratio = m11 / m10, te_ratio = m11 / m00,
       nde_diff = m10 - m00, nie_diff = m11 - m10, te_diff = m11 - m00,
       pm = (m11 - m10) / (m11 - m00))
}

out <- list()
mlin <- lm(as.formula(paste("glute_nm_kg ~ sitting_h_day +", covs)), data = d)
fy <- as.formula(paste("cramps ~ sitting_h_day * glute_nm_kg +", covs,
                       "+ offset(log(exposure_h))"))
nb <- glm.nb(fy, data = d, control = ctl)
out$negbin <- c(effects(nb, mlin, "negbin"), theta = nb$theta)
po <- glm(fy, family = poisson, data = d, control = ctl)
out$poisson <- effects(po, mlin, "poisson")
g <- lm(as.formula(paste("cramps ~ sitting_h_day * glute_nm_kg +", covs)), data = d)
out$gaussian <- effects(g, mlin, "gaussian", exposure = FALSE)
lo <- glm(as.formula(paste("any_cramp ~ sitting_h_day * glute_nm_kg +", covs)),
          family = binomial, data = d, control = ctl)
out$logistic <- effects(lo, mlin, "logistic", exposure = FALSE)
mbin <- glm(as.formula(paste("weak ~ sitting_h_day +", covs)), family = binomial, data = d,
            control = ctl)
nbb <- glm.nb(as.formula(paste("cramps ~ sitting_h_day * weak +", covs,
                               "+ offset(log(exposure_h))")), data = d, control = ctl)
out$negbin_binary_m <- c(effects(nbb, mbin, "negbin", binary_m = TRUE, mname = "weak"),
                         theta = nbb$theta)

json <- function(v) {
  if (is.list(v)) {
    inner <- paste(sprintf('"%s": %s', names(v), sapply(v, json)), collapse = ", ")
    return(paste0("{", inner, "}"))
  }
  sprintf("%.15g", v)
}
writeLines(json(out), "tests/reference/mediation/reference_interaction.json")
print(str(out))
