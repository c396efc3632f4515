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

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "logistic_reference.json")
cat(toJSON(out[c("endometrial_separation", "endometrial_firth")], digits = 8, auto_unbox = TRUE,
           pretty = TRUE))
