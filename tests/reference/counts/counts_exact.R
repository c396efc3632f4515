# Exact references for the zero-inflated and hurdle models (issue 13 item 6), read by
# tests/stats/test_counts_exact.py. Run from this folder: Rscript counts_exact.R
# (reads counts_data.csv and zinb_intercept_data.csv, writes counts_exact_reference.json).
# R 4.2.2, pscl 1.5.5, sandwich 3.0-2, numDeriv 2016.8-1.1, jsonlite.
#
# Three views of each model, all on (count, zero, log(theta)):
#   pscl      pscl::zeroinfl / pscl::hurdle with reltol = 1e-15, refitted from its own estimates
#             with optim's Hessian step ndeps = 1e-5 (the default 1e-3 leaves SEs good to ~1e-5);
#   polished  pscl's estimates taken to the exact maximum by Newton steps on the log-likelihood
#             written out here with R's own dnbinom/dpois, gradient and Hessian by numDeriv
#             (Richardson extrapolation), and the SEs from that Hessian.
suppressPackageStartupMessages({library(pscl); library(sandwich); library(jsonlite)})

source("two_part_loglik.R")  # ll_two_part(par, y, X, Z, off, dist, hurdle)

reference <- function(d, count_rhs, zero_rhs, dist, hurdle) {
  y <- d$y; off <- log(d$exposure_h)
  X <- model.matrix(count_rhs, d); Z <- model.matrix(zero_rhs, d)
  f <- as.formula(paste("y ~", paste(attr(terms(count_rhs), "term.labels"), collapse = " + "),
                        "+ offset(log(exposure_h)) |",
                        paste(c(if (ncol(Z) == 1) "1" else attr(terms(zero_rhs), "term.labels"),
                                if (hurdle) "offset(log(exposure_h))"), collapse = " + ")))
  k <- ncol(X) + ncol(Z) + (dist == "negbin")
  if (hurdle) {
    m <- hurdle(f, data = d, dist = dist, zero.dist = "binomial",
                control = hurdle.control(reltol = 1e-15, maxit = 50000))
  } else {
    m0 <- zeroinfl(f, data = d, dist = dist, control = zeroinfl.control(reltol = 1e-15,
                                                                        maxit = 50000))
    start <- list(count = coef(m0, "count"), zero = coef(m0, "zero"))
    if (dist == "negbin") start$theta <- m0$theta
    m <- zeroinfl(f, data = d, dist = dist, control = zeroinfl.control(
      reltol = 1e-15, maxit = 50000, ndeps = rep(1e-5, k), start = start))
  }
  par <- c(coef(m, "count"), coef(m, "zero"))
  if (dist == "negbin") par <- c(par, log(m$theta))
  pscl_par <- par
  fn <- function(b) ll_two_part(b, y, X, Z, off, dist, hurdle)
  for (i in 1:4) par <- par - solve(numDeriv::hessian(fn, par), numDeriv::grad(fn, par))
  H <- numDeriv::hessian(fn, par)
  se <- sqrt(diag(solve(-H)))
  se_pscl <- sqrt(diag(vcov(m)))
  if (dist == "negbin") se_pscl <- c(se_pscl, m$SE.logtheta)
  out <- list(count = colnames(X), zero = colnames(Z), coef_pscl = unname(pscl_par),
              se_pscl = unname(se_pscl), coef = unname(par), se = unname(se),
              max_abs_gradient = max(abs(numDeriv::grad(fn, par))),
              loglik_pscl = as.numeric(logLik(m)), loglik = fn(par), converged = m$converged)
  if (!hurdle && dist == "poisson") out$se_hc0 <- unname(sqrt(diag(sandwich(m))))
  out
}

d1 <- read.csv("counts_data.csv"); d1$sex <- factor(d1$sex, levels = c("female", "male"))
d1$y <- d1$cramps
cnt <- ~ sitting_h_day + glute_nm_kg + sex
d2 <- read.csv("zinb_intercept_data.csv")
out <- list(
  zip_sex = reference(d1, cnt, ~ sex, "poisson", FALSE),
  zinb_sex = reference(d1, cnt, ~ sex, "negbin", FALSE),
  zinb_intercept = reference(d1, cnt, ~ 1, "negbin", FALSE),
  hurdle_all = reference(d1, cnt, cnt, "negbin", TRUE),
  hurdle_sex = reference(d1, cnt, ~ sex, "negbin", TRUE),
  # strong zero inflation: count_model(family="zinb", zero_formula="1") gave all-NaN before
  strong_zinb = reference(d2, ~ x, ~ 1, "negbin", FALSE),
  strong_zip = reference(d2, ~ x, ~ 1, "poisson", FALSE)
)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "counts_exact_reference.json")
for (nm in names(out)) cat(sprintf("%-15s |pscl - polished| coef %.1e se %.1e  max|grad| %.1e\n",
  nm, max(abs(out[[nm]]$coef_pscl - out[[nm]]$coef)), max(abs(out[[nm]]$se_pscl - out[[nm]]$se)),
  out[[nm]]$max_abs_gradient))
