# Reference values for tests/stats/test_logistic.py (run: Rscript logistic.R).
# R 4.2.2, brglm2 0.9 (Firth = mean bias reduction "AS_mean" for logistic regression).
# Separation: brglm2 0.9 no longer ships detect_separation or check_infinite_estimates (moved to
# the detectseparation package, not installable here), so the reference is the idea behind
# check_infinite_estimates (Lesaffre & Albert 1989) written out below: the ratio of the standard
# errors after 25 IRLS iterations to those after one explodes for infinite estimates and stays
# near 1 otherwise; plus the published finding that NV separates HG (Heinze & Schemper 2002).
se_ratio <- function(formula, data) {
  se_at <- function(k) sqrt(diag(vcov(suppressWarnings(
    glm(formula, family = binomial, data = data, control = glm.control(maxit = k))))))
  as.list(se_at(25) / se_at(1))
}
# Data: logistic_data.csv (make_logistic_data.py) and brglm2's endometrial data (Heinze &
# Schemper 2002), written to endometrial.csv here, where NV quasi-completely separates HG.
suppressPackageStartupMessages({library(brglm2); library(jsonlite)})
d <- read.csv("logistic_data.csv")
d$sex <- factor(d$sex, levels = c("female", "male"))
f <- any_cramp ~ sitting_h_day + glute_nm_kg + prior_cramps + sex
out <- list()
fit_out <- function(m) list(coef = as.list(coef(m)), se = as.list(sqrt(diag(vcov(m)))),
                            p = as.list(summary(m)$coefficients[, 4]))
m_ml <- glm(f, family = binomial, data = d, control = glm.control(epsilon = 1e-14, maxit = 100))
out$ml <- c(fit_out(m_ml), list(loglik = as.numeric(logLik(m_ml)), aic = AIC(m_ml),
                                ci_low = as.list(confint.default(m_ml)[, 1]),
                                ci_high = as.list(confint.default(m_ml)[, 2])))
m_fi <- glm(f, family = binomial, data = d, method = "brglmFit", type = "AS_mean",
            epsilon = 1e-12, maxit = 200)
out$firth <- fit_out(m_fi)

data("endometrial", package = "brglm2")
write.csv(endometrial, "endometrial.csv", row.names = FALSE)
fe <- HG ~ NV + PI + EH
out$endometrial_separation <- list(se_ratio = se_ratio(fe, endometrial))
m_ef <- glm(fe, family = binomial, data = endometrial, method = "brglmFit", type = "AS_mean",
            epsilon = 1e-12, maxit = 200)
out$endometrial_firth <- fit_out(m_ef)
out$endometrial_no_sep <- list(se_ratio = se_ratio(HG ~ PI + EH, endometrial))

# Profile intervals. ML: confint() on a glm (MASS's profiling, R 4.2) and LR-test p-values from
# drop1(test = "Chisq"). Firth: the profile penalised likelihood written out here (logistf's
# method; logistf itself is not installable): for each coefficient, the penalised
# log-likelihood maximised over the others (optim BFGS with the analytic modified score),
# and the limits where it falls chi2(1, .95) / 2 below its maximum (uniroot).
pml <- confint(m_ml)
lr_p <- drop1(m_ml, test = "Chisq")[["Pr(>Chi)"]][-1]
out$ml_profile <- list(low = as.list(pml[, 1]), high = as.list(pml[, 2]),
                       lr_p = as.list(setNames(lr_p, c("sitting_h_day", "glute_nm_kg",
                                                       "prior_cramps", "sexmale"))))
firth_profile <- function(formula, data, fit) {
  X <- model.matrix(formula, data); y <- model.response(model.frame(formula, data))
  pl <- function(b) {
    eta <- drop(X %*% b); p <- plogis(eta); w <- p * (1 - p)
    sum(y * eta - log1p(exp(eta))) + 0.5 * determinant(crossprod(X * sqrt(w)))$modulus
  }
  score <- function(b) {
    eta <- drop(X %*% b); p <- plogis(eta); w <- p * (1 - p)
    inv <- solve(crossprod(X * sqrt(w)))
    h <- rowSums((X %*% inv) * X) * w
    drop(crossprod(X, y - p + h * (0.5 - p)))
  }
  bhat <- coef(fit); top <- pl(bhat); target <- top - qchisq(0.95, 1) / 2
  prof <- function(j, v) {
    f <- function(bf) { b <- bhat; b[-j] <- bf; b[j] <- v; -pl(b) }
    g <- function(bf) { b <- bhat; b[-j] <- bf; b[j] <- v; -score(b)[-j] }
    -optim(bhat[-j], f, g, method = "BFGS", control = list(reltol = 1e-15, maxit = 5000))$value
  }
  se <- sqrt(diag(vcov(fit)))
  lims <- sapply(seq_along(bhat), function(j) {
    sapply(c(-1, 1), function(s) {
      step <- se[j]; far <- bhat[j] + s * step
      while (prof(j, far) > target) { step <- 2 * step; far <- bhat[j] + s * step }
      uniroot(function(v) prof(j, v) - target, sort(c(bhat[j], far)), tol = 1e-12)$root
    })
  })
  p <- sapply(seq_along(bhat), function(j)
    pchisq(max(0, 2 * (top - prof(j, 0))), 1, lower.tail = FALSE))
  nm <- names(bhat)
  list(low = as.list(setNames(lims[1, ], nm)), high = as.list(setNames(lims[2, ], nm)),
       p = as.list(setNames(p, nm)))
}
out$endometrial_firth_profile <- firth_profile(fe, endometrial, m_ef)
out$firth_profile <- firth_profile(f, d, m_fi)

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "logistic_reference.json")
cat(toJSON(out[c("endometrial_firth_profile", "ml_profile")], digits = 8, auto_unbox = TRUE,
           pretty = TRUE))
