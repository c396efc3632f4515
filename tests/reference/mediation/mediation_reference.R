# Reference values for glute_study.stats.mediation point estimates (tests/stats/test_mediation.py).
# Independent implementation: MASS::glm.nb / glm / lm fits, then the g-formula written out per
# athlete (integrating over the mediator distribution with integrate() where no closed form is
# used). Run from the repository root:  Rscript tests/reference/mediation/mediation_reference.R
# Writes tests/reference/mediation/reference.json
suppressPackageStartupMessages(library(MASS))
d <- read.csv("tests/reference/mediation/cohort.csv")
x0 <- 8; x1 <- 10
ctl <- glm.control(epsilon = 1e-14, maxit = 200)
covs <- "age + male + prior_cramps"

# E[Y(x, M(xs))] averaged over athletes: expected events / exposure (x 1000) for counts,
# mean outcome otherwise. mfit: mediator model, yfit: outcome model.
gformula <- function(yfit, mfit, x, xs, family, binary_m, exposure) {
  dx <- d; dx$sitting_h_day <- xs
  bm <- coef(yfit)["glute_nm_kg"]
  per <- numeric(nrow(d))
  for (i in seq_len(nrow(d))) {
    row <- d[i, ]; row$sitting_h_day <- x
    if (binary_m) {
      p1 <- predict(mfit, newdata = dx[i, ], type = "response")
      vals <- c(0, 1); probs <- c(1 - p1, p1)
      ev <- sapply(vals, function(v) {
        r <- row; r$weak <- v
        predict(yfit, newdata = r, type = "response")
      })
      per[i] <- sum(ev * probs)
    } else {
      mu_m <- predict(mfit, newdata = dx[i, ])
      s <- summary(mfit)$sigma
      row$glute_nm_kg <- 0
      eta0 <- if (inherits(yfit, "glm")) predict(yfit, newdata = row, type = "link") else
        predict(yfit, newdata = row)  # linear predictor with the offset, at m = 0
      inv <- switch(family, gaussian = identity, logistic = plogis, exp)
      f <- function(mm) inv(eta0 + bm * mm) * dnorm(mm, mu_m, s)
      per[i] <- integrate(f, mu_m - 12 * s, mu_m + 12 * s, rel.tol = 1e-12)$value
    }
  }
  if (exposure) 1000 * sum(per) / sum(d$exposure_h) else mean(per)
}

effects <- function(yfit, mfit, family, binary_m = FALSE, exposure = TRUE, mname = "glute_nm_kg") {
  m00 <- gformula(yfit, mfit, x0, x0, family, binary_m, exposure)
  m10 <- gformula(yfit, mfit, x1, x0, family, binary_m, exposure)
  m11 <- gformula(yfit, mfit, x1, x1, family, binary_m, exposure)
  list(a = unname(coef(mfit)["sitting_h_day"]), b = unname(coef(yfit)[mname]),
       c_prime = unname(coef(yfit)["sitting_h_day"]),
       nde_ratio = m10 / m00, nie_ratio = m11 / m10, te_ratio = m11 / m00,
       nde_diff = m10 - m00, nie_diff = m11 - m10, te_diff = m11 - m00,
       pm = (m11 - m10) / (m11 - m00))
}

out <- list()
mlin <- lm(as.formula(paste("glute_nm_kg ~ sitting_h_day +", covs)), data = d)
fy <- as.formula(paste("cramps ~ sitting_h_day + glute_nm_kg +", covs, "+ offset(log(exposure_h))"))
nb <- glm.nb(fy, data = d, control = ctl)
out$negbin <- c(effects(nb, mlin, "negbin"), theta = nb$theta, loglik = as.numeric(logLik(nb)))
po <- glm(fy, family = poisson, data = d, control = ctl)
out$poisson <- effects(po, mlin, "poisson")

g <- lm(as.formula(paste("cramps ~ sitting_h_day + glute_nm_kg +", covs)), data = d)
out$gaussian <- effects(g, mlin, "gaussian", exposure = FALSE)
# Imai, Keele & Yamamoto (2010) Theorem 2 by hand: ACME(rho) per unit of x, times (x1 - x0)
red <- lm(as.formula(paste("cramps ~ sitting_h_day +", covs)), data = d)
e1 <- resid(red); e2 <- resid(mlin)
s1 <- sqrt(mean(e1^2)); s2 <- sqrt(mean(e2^2)); rt <- mean(e1 * e2) / (s1 * s2)
rho <- c(-0.5, 0, 0.2, 0.5)
out$gaussian$ikt_rho <- rho
out$gaussian$ikt_indirect <- (x1 - x0) * coef(mlin)[["sitting_h_day"]] * s1 / s2 *
  (rt - rho * sqrt((1 - rt^2) / (1 - rho^2)))

lo <- glm(as.formula(paste("any_cramp ~ sitting_h_day + glute_nm_kg +", covs)),
          family = binomial, data = d, control = ctl)
out$logistic <- effects(lo, mlin, "logistic", exposure = FALSE)

mbin <- glm(as.formula(paste("weak ~ sitting_h_day +", covs)), family = binomial, data = d,
            control = ctl)
nbb <- glm.nb(as.formula(paste("cramps ~ sitting_h_day + weak +", covs,
                               "+ offset(log(exposure_h))")), data = d, control = ctl)
out$negbin_binary_m <- c(effects(nbb, mbin, "negbin", binary_m = TRUE, mname = "weak"),
                         theta = nbb$theta)

json <- function(v) {
  if (is.list(v)) {
    inner <- paste(sprintf('"%s": %s', names(v), sapply(v, json)), collapse = ", ")
    return(paste0("{", inner, "}"))
  }
  if (length(v) > 1) return(paste0("[", paste(sprintf("%.15g", v), collapse = ", "), "]"))
  sprintf("%.15g", v)
}
writeLines(json(out), "tests/reference/mediation/reference.json")
print(str(out))
