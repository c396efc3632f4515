# Reference values for glute_study.stats._kernels.fit_batch (tests/stats/test_kernels.py).
# Fits with MASS::glm.nb, glm and lm, unweighted and with frequency weights `w` (one bootstrap
# replicate: how often each row was drawn). Run from the repository root:
#   Rscript tests/reference/kernels/kernels_reference.R
# Writes tests/reference/kernels/reference.json
suppressPackageStartupMessages(library(MASS))
d <- read.csv("tests/reference/kernels/data.csv")
ctl <- glm.control(epsilon = 1e-14, maxit = 200)
rhs <- "x1 + x2 + x3"
summ <- function(fit, theta = NULL) {
  out <- list(coef = unname(coef(fit)), se = unname(sqrt(diag(vcov(fit)))),
              loglik = as.numeric(logLik(fit)))
  if (!is.null(theta)) out$theta <- theta
  out
}
f_nb <- as.formula(paste("count ~", rhs, "+ offset(log(hours))"))
nb <- glm.nb(f_nb, data = d, control = ctl)
nbw <- glm.nb(f_nb, data = d, weights = w, control = ctl)
po <- glm(f_nb, family = poisson, data = d, control = ctl)
pow <- glm(f_nb, family = poisson, data = d, weights = w, control = ctl)
lo <- glm(as.formula(paste("binary ~", rhs)), family = binomial, data = d, control = ctl)
low <- glm(as.formula(paste("binary ~", rhs)), family = binomial, data = d, weights = w,
           control = ctl)
ga <- lm(as.formula(paste("cont ~", rhs)), data = d)
# lm with frequency weights: the residual df must be sum(w) - p, as for the expanded data
dx <- d[rep(seq_len(nrow(d)), d$w), ]
gaw <- lm(as.formula(paste("cont ~", rhs)), data = dx)
out <- list(negbin = summ(nb, nb$theta), negbin_w = summ(nbw, nbw$theta),
            poisson = summ(po), poisson_w = summ(pow), logistic = summ(lo),
            logistic_w = summ(low), gaussian = c(summ(ga), scale = summary(ga)$sigma^2),
            gaussian_w = c(summ(gaw), scale = summary(gaw)$sigma^2))
json <- function(v) {
  if (is.list(v)) {
    inner <- paste(sprintf('"%s": %s', names(v), sapply(v, json)), collapse = ", ")
    return(paste0("{", inner, "}"))
  }
  if (length(v) > 1) return(paste0("[", paste(sprintf("%.15g", v), collapse = ", "), "]"))
  sprintf("%.15g", v)
}
writeLines(json(out), "tests/reference/kernels/reference.json")
str(out)
