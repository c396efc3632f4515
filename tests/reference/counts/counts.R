# Reference values for tests/stats/test_counts.py.
# Run from this folder: Rscript counts.R  (reads counts_data.csv, writes counts_reference.json)
# R 4.2.2, MASS 7.3-58.2, pscl 1.5.5, sandwich 3.0-2, numDeriv, jsonlite.
suppressPackageStartupMessages({library(MASS); library(pscl); library(sandwich); library(jsonlite)})
d <- read.csv("counts_data.csv")
d$sex <- factor(d$sex, levels = c("female", "male"))
f <- cramps ~ sitting_h_day + glute_nm_kg + sex
tight <- glm.control(epsilon = 1e-14, maxit = 200)

named <- function(x) as.list(x)
out <- list()

# Poisson GLM with the log-exposure offset
m_p <- glm(update(f, . ~ . + offset(log(exposure_h))), family = poisson, data = d, control = tight)
out$poisson <- list(coef = named(coef(m_p)), se = named(sqrt(diag(vcov(m_p)))),
                    se_hc0 = named(sqrt(diag(sandwich(m_p)))), loglik = as.numeric(logLik(m_p)),
                    aic = AIC(m_p), bic = BIC(m_p))

# Negative binomial, theta by ML (MASS::glm.nb)
m_nb <- glm.nb(update(f, . ~ . + offset(log(exposure_h))), data = d, control = tight)
out$negbin <- list(coef = named(coef(m_nb)), se = named(sqrt(diag(vcov(m_nb)))),
                   se_hc0 = named(sqrt(diag(sandwich(m_nb)))), theta = m_nb$theta,
                   theta_se = m_nb$SE.theta,
                   # MASS::theta.ml evaluates the information one Newton step before it stops
                   # (tolerance eps^0.25); the same formula at the converged theta:
                   theta_se_at_mle = with(list(th = m_nb$theta, y = d$cramps, mu = fitted(m_nb)),
                     sqrt(1 / sum(-trigamma(th + y) + trigamma(th) - 1 / th + 2 / (mu + th) -
                                  (y + th) / (mu + th)^2))),
                   loglik = as.numeric(logLik(m_nb)),
                   aic = AIC(m_nb), bic = BIC(m_nb))

# Over-dispersion: LR Poisson vs NB (boundary-corrected p) and Cameron-Trivedi (NB2, by hand as
# AER::dispersiontest(trafo = 2))
lr <- 2 * (as.numeric(logLik(m_nb)) - as.numeric(logLik(m_p)))
mu <- fitted(m_p); y <- d$cramps
aux <- ((y - mu)^2 - y) / mu
ct <- lm(aux ~ 0 + mu)
ct_z <- summary(ct)$coefficients[1, 3]
out$overdispersion <- list(lr_stat = lr, lr_p_value = 0.5 * pchisq(lr, 1, lower.tail = FALSE),
                           ct_alpha = unname(coef(ct)[1]), ct_z = ct_z,
                           ct_p_value = pnorm(ct_z, lower.tail = FALSE))

ctl <- zeroinfl.control(reltol = 1e-15, maxit = 50000)
zf <- cramps ~ sitting_h_day + glute_nm_kg + sex + offset(log(exposure_h)) | sex
m_zip <- zeroinfl(zf, data = d, dist = "poisson", control = ctl)
m_zinb <- zeroinfl(zf, data = d, dist = "negbin", control = ctl)
# Standard errors: pscl takes them from optim's finite-difference Hessian (good to ~1e-5); the
# precise reference is numDeriv's Richardson-extrapolated Hessian of the log-likelihood written
# out here with R's own dpois/dnbinom, at pscl's estimates, on (count, zero, log(theta)).
source("two_part_loglik.R")  # ll_two_part(par, y, X, Z, off, dist, hurdle)
zi_out <- function(m, zero_rhs, dist, hurdle) {
  X <- model.matrix(~ sitting_h_day + glute_nm_kg + sex, d)
  Z <- model.matrix(zero_rhs, d)
  par <- c(coef(m, "count"), coef(m, "zero"))
  if (dist == "negbin") par <- c(par, log(m$theta))
  H <- numDeriv::hessian(ll_two_part, par, y = d$cramps, X = X, Z = Z, off = log(d$exposure_h),
                         dist = dist, hurdle = hurdle)
  se <- sqrt(diag(solve(-H)))
  p <- ncol(X); q <- ncol(Z)
  list(coef_count = named(coef(m, "count")), coef_zero = named(coef(m, "zero")),
       se_count = named(setNames(se[1:p], colnames(X))),
       se_zero = named(setNames(se[p + 1:q], colnames(Z))),
       se_count_pscl = named(sqrt(diag(vcov(m, "count")))),
       se_zero_pscl = named(sqrt(diag(vcov(m, "zero")))),
       theta = if (is.null(m$theta)) NULL else unname(m$theta),
       loglik = as.numeric(logLik(m)),
       loglik_by_hand = ll_two_part(par, d$cramps, X, Z, log(d$exposure_h), dist, hurdle),
       converged = m$converged)
}
out$zip <- zi_out(m_zip, ~ sex, "poisson", FALSE)
# HC0 sandwich of the ZIP (pscl's bread is its optim Hessian, so agreement is ~1e-5 at best)
out$zip$se_hc0 <- as.list(sqrt(diag(sandwich(m_zip))))
out$zinb <- zi_out(m_zinb, ~ sex, "negbin", FALSE)

# Negative-binomial hurdle with a logit zero hurdle; log-exposure offset in both parts
hf <- cramps ~ sitting_h_day + glute_nm_kg + sex + offset(log(exposure_h)) |
  sitting_h_day + glute_nm_kg + sex + offset(log(exposure_h))
m_h <- hurdle(hf, data = d, dist = "negbin", zero.dist = "binomial", control = hurdle.control(reltol = 1e-15, maxit = 50000))
out$hurdle_negbin <- zi_out(m_h, ~ sitting_h_day + glute_nm_kg + sex, "negbin", TRUE)
# The binary part is a plain logistic GLM: exact reference for its coefficients and SEs
m_hz <- glm(I(cramps > 0) ~ sitting_h_day + glute_nm_kg + sex + offset(log(exposure_h)),
            family = binomial, data = d, control = tight)
out$hurdle_zero_glm <- list(coef = named(coef(m_hz)), se = named(sqrt(diag(vcov(m_hz)))))

# Vuong tests: the arithmetic of pscl::vuong (which prints and returns NULL), on predprob()
vuong_values <- function(m1, m2) {
  p1 <- predprob(m1); p2 <- predprob(m2)
  y <- m1$y
  idx <- cbind(seq_along(y), match(y, colnames(p1)))
  m <- log(p1[idx]) - log(p2[idx])
  k1 <- length(coef(m1)); k2 <- length(coef(m2)); n <- length(m)
  corr <- c(0, (k1 - k2) / n, (k1 - k2) / (2 * n) * log(n))
  v <- sapply(corr, function(cc) sum(m - cc) / (sd(m - cc) * sqrt(n)))
  p <- ifelse(v > 0, 1 - pnorm(v), pnorm(v))
  list(z = unname(v), p = unname(p))
}
invisible(capture.output(vuong(m_zip, m_p)))  # runs pscl's own version too (printed, discarded)
out$vuong <- list(zip_vs_poisson = vuong_values(m_zip, m_p),
                  zinb_vs_negbin = vuong_values(m_zinb, m_nb),
                  hurdle_vs_negbin = vuong_values(m_h, m_nb))
out$loglik <- list(poisson = as.numeric(logLik(m_p)), negbin = as.numeric(logLik(m_nb)),
                   zip = as.numeric(logLik(m_zip)), zinb = as.numeric(logLik(m_zinb)),
                   hurdle_negbin = as.numeric(logLik(m_h)))

# Predicted rates per 1000 h (NB) at named values, 95 % CI on the log scale
nd <- data.frame(sitting_h_day = c(7, 11), glute_nm_kg = c(2.5, 2.5),
                 sex = factor(c("female", "female"), levels = c("female", "male")),
                 exposure_h = 1000)
pr <- predict(m_nb, newdata = nd, type = "link", se.fit = TRUE)
z <- qnorm(0.975)
out$predict_negbin <- list(rate = exp(unname(pr$fit)), low = exp(unname(pr$fit - z * pr$se.fit)),
                           high = exp(unname(pr$fit + z * pr$se.fit)))
# ZINB overall mean per 1000 h (point value; pscl predict type = "response")
out$predict_zinb <- list(rate = unname(predict(m_zinb, newdata = nd, type = "response")))
out$predict_hurdle <- list(rate = unname(predict(m_h, newdata = nd, type = "response")))

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "counts_reference.json")
cat(toJSON(out[c("negbin", "overdispersion", "vuong")], digits = 8, auto_unbox = TRUE, pretty = TRUE))
