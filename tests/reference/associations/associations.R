# Reference values for tests/stats/test_associations.py.
# Run from this folder: Rscript associations.R  (reads data.csv from make_associations_data.py, writes the *.csv outputs)
library(MASS)
library(splines)
options(digits = 15)
d <- read.csv("data.csv")
d$sex <- factor(d$sex)

# Partial correlation by its definition: correlate the residuals of x and y on the covariates
# (complete cases), t = r sqrt((n - 2 - k) / (1 - r^2)), CI from Fisher's z with
# se = 1 / sqrt(n - 3 - k); k = number of covariate columns (dummies counted).
pcor <- function(x, y, covs, method) {
  cc <- d[complete.cases(d[, c(x, y, covs)]), c(x, y, covs)]
  if (method == "spearman") {
    for (v in c(x, y, covs)) if (is.numeric(cc[[v]])) cc[[v]] <- rank(cc[[v]])
  }
  n <- nrow(cc)
  if (length(covs)) {
    f <- as.formula(paste("~", paste(covs, collapse = "+")))
    X <- model.matrix(f, cc)
    rx <- resid(lm(cc[[x]] ~ X - 1)); ry <- resid(lm(cc[[y]] ~ X - 1))
    k <- ncol(X) - 1
  } else {
    rx <- cc[[x]]; ry <- cc[[y]]; k <- 0
  }
  r <- cor(rx, ry)
  df <- n - 2 - k
  tt <- r * sqrt(df / (1 - r^2))
  p <- 2 * pt(-abs(tt), df)
  z <- atanh(r); se <- 1 / sqrt(n - 3 - k)
  data.frame(x = x, y = y, covariates = paste(covs, collapse = "+"), method = method, n = n,
             r = r, t = tt, df = df, p = p, lower = tanh(z - qnorm(0.975) * se),
             upper = tanh(z + qnorm(0.975) * se))
}
pc <- rbind(
  pcor("sitting_h_day", "glute_nm_kg", c("age", "sex"), "pearson"),
  pcor("sitting_h_day", "glute_nm_kg", c("age", "sex"), "spearman"),
  pcor("self_report_sitting_h_day", "glute_nm_kg", c("age", "sex"), "pearson"),
  pcor("self_report_sitting_h_day", "glute_nm_kg", c("age", "sex"), "spearman"),
  pcor("sitting_h_day", "glute_nm_kg", character(0), "pearson"),
  pcor("sitting_h_day", "glute_nm_kg", c("age"), "spearman")
)
write.csv(pc, "partial_correlation.csv", row.names = FALSE)
# cross-check of the zero-covariate case with cor.test
print(cor.test(d$sitting_h_day, d$glute_nm_kg))
print(pc)

# Dose-response: negative binomial, natural cubic spline ns(df = 3) (knots at the 1/3 and 2/3
# quantiles, boundary knots at the range), log exposure offset
dd <- d[complete.cases(d[, c("sitting_h_day", "hamstring_cramps", "exposure_h", "age", "sex")]), ]
basis <- ns(dd$sitting_h_day, df = 3)
write.csv(data.frame(knots = c(attr(basis, "Boundary.knots")[1], attr(basis, "knots"),
                               attr(basis, "Boundary.knots")[2])), "ns_knots.csv",
          row.names = FALSE)
write.csv(data.frame(x = dd$sitting_h_day, b1 = basis[, 1], b2 = basis[, 2], b3 = basis[, 3]),
          "ns_basis.csv", row.names = FALSE)
for (adj in c("none", "age_sex")) {
  cov <- if (adj == "none") "" else " + age + sex"
  fs <- glm.nb(as.formula(paste0("hamstring_cramps ~ ns(sitting_h_day, df = 3)", cov,
                                 " + offset(log(exposure_h))")), data = dd,
               control = glm.control(epsilon = 1e-12, maxit = 100))
  fl <- glm.nb(as.formula(paste0("hamstring_cramps ~ sitting_h_day", cov,
                                 " + offset(log(exposure_h))")), data = dd,
               control = glm.control(epsilon = 1e-12, maxit = 100))
  f0 <- if (adj == "none") {
    glm.nb(hamstring_cramps ~ 1 + offset(log(exposure_h)), data = dd,
           control = glm.control(epsilon = 1e-12, maxit = 100))
  } else {
    glm.nb(hamstring_cramps ~ age + sex + offset(log(exposure_h)), data = dd,
           control = glm.control(epsilon = 1e-12, maxit = 100))
  }
  sl <- summary(fl)$coefficients
  out <- data.frame(
    adjust = adj,
    linear_coef = sl["sitting_h_day", 1], linear_se = sl["sitting_h_day", 2],
    linear_p = sl["sitting_h_day", 4], linear_theta = fl$theta,
    linear_loglik = as.numeric(logLik(fl)),
    spline_theta = fs$theta, spline_loglik = as.numeric(logLik(fs)),
    null_loglik = as.numeric(logLik(f0)),
    lr_nonlinear = 2 * (as.numeric(logLik(fs)) - as.numeric(logLik(fl))),
    p_nonlinear = pchisq(2 * (as.numeric(logLik(fs)) - as.numeric(logLik(fl))), 2,
                         lower.tail = FALSE),
    lr_overall = 2 * (as.numeric(logLik(fs)) - as.numeric(logLik(f0))),
    p_overall = pchisq(2 * (as.numeric(logLik(fs)) - as.numeric(logLik(f0))), 3,
                       lower.tail = FALSE))
  write.csv(out, paste0("dose_", adj, ".csv"), row.names = FALSE)
  write.csv(data.frame(term = rownames(summary(fs)$coefficients), summary(fs)$coefficients),
            paste0("dose_", adj, "_spline_coef.csv"), row.names = FALSE)
  # predicted rate per 1000 h on a 50-point grid over the range, covariate columns of the
  # model matrix at their means; Wald CI on the log scale
  grid <- seq(min(dd$sitting_h_day), max(dd$sitting_h_day), length.out = 50)
  B <- predict(basis, grid)
  X <- cbind(1, B)
  if (adj != "none") {
    mm <- model.matrix(fs)
    X <- cbind(X, matrix(colMeans(mm[, c("age", "sexmale")]), nrow = 50, ncol = 2,
                         byrow = TRUE))
  }
  eta <- drop(X %*% coef(fs)) + log(1000)
  se <- sqrt(rowSums((X %*% vcov(fs)) * X))
  write.csv(data.frame(x = grid, rate = exp(eta), lower = exp(eta - qnorm(0.975) * se),
                       upper = exp(eta + qnorm(0.975) * se), se_log = se),
            paste0("dose_", adj, "_curve.csv"), row.names = FALSE)
  print(summary(fs)); print(out)
}
cat("R", R.version.string, "MASS", as.character(packageVersion("MASS")), "\n")
