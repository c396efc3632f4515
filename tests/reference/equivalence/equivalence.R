# Reference values for tests/stats/test_equivalence.py (run here: Rscript equivalence.R).
# Closed forms of the two one-sided tests (Schuirmann 1987; Lakens 2017) in base R, because
# TOSTER is not packaged for Debian: on the tested scale g (log for ratios, identity for
# differences, atanh for correlations), t_L = (theta - g(lower)) / se, p_L = 1 - F(t_L);
# t_U = (theta - g(upper)) / se, p_U = F(t_U); F = pt(., df) where df is given, else pnorm.
# The level interval is theta +/- F^-1(1 - alpha) se with alpha = (1 - level) / 2; p_null is
# the two-sided test of g(null); the minimal detectable effect is
# g^-1(g(null) +/- (F^-1(0.975) + F^-1(0.8)) se) (Bloom 1995).
# Inputs: cases.csv (typed by hand); a correlation from a partial_correlation layout (r, n, k:
# se = 1 / sqrt(n - 3 - k)); an exact rate ratio whose SE comes from its poisson.test interval.
# Output: equivalence_reference.csv.
tost <- function(case, scale, theta, se, df, lower, upper, level) {
  g <- switch(scale, ratio = log, difference = identity, correlation = atanh)
  ginv <- switch(scale, ratio = exp, difference = identity, correlation = tanh)
  null <- if (scale == "ratio") 1 else 0
  cdf <- if (is.na(df)) function(x) pnorm(x) else function(x) pt(x, df)
  qf <- if (is.na(df)) function(p) qnorm(p) else function(p) qt(p, df)
  alpha <- (1 - level) / 2
  t_low <- (theta - g(lower)) / se
  t_up <- (theta - g(upper)) / se
  p_low <- if (is.na(df)) pnorm(t_low, lower.tail = FALSE) else pt(t_low, df, lower.tail = FALSE)
  p_up <- cdf(t_up)
  z0 <- abs(theta - g(null)) / se
  p_null <- 2 * (if (is.na(df)) pnorm(z0, lower.tail = FALSE) else pt(z0, df, lower.tail = FALSE))
  q <- qf(1 - alpha)
  m <- (qf(0.975) + qf(0.8)) * se
  data.frame(case = case, scale = scale, theta = theta, se = se, df = df, lower = lower,
             upper = upper, level = level, statistic_lower = t_low, p_lower = p_low,
             statistic_upper = t_up, p_upper = p_up, p_tost = max(p_low, p_up),
             p_null = p_null, ci_low = ginv(theta - q * se), ci_high = ginv(theta + q * se),
             mde_lower = ginv(g(null) - m), mde_upper = ginv(g(null) + m))
}
cases <- read.csv("cases.csv")
rows <- lapply(seq_len(nrow(cases)), function(i) do.call(tost, as.list(cases[i, ])))

# partial correlation r = -0.09 from n = 383 with k = 2 covariates (Fisher z, z test)
r <- -0.09; n <- 383; k <- 2
rows[[length(rows) + 1]] <- tost("correlation", "correlation", atanh(r), 1 / sqrt(n - 3 - k),
                                 NA, -0.2, 0.2, 0.9)

# exact rate ratio: 30 events in 2400 h against 45 in 2600 h (poisson.test, 95 % interval);
# its SE is recovered from the interval on the log scale, as equivalence() does
ex <- poisson.test(c(30, 45), c(2400, 2600))
se_exact <- (log(ex$conf.int[2]) - log(ex$conf.int[1])) / (2 * qnorm(0.975))
rows[[length(rows) + 1]] <- tost("rate_ratio_exact", "ratio", log(unname(ex$estimate)),
                                 se_exact, NA, 0.8, 1.25, 0.9)
out <- do.call(rbind, rows)
out$exact_ci_low <- NA; out$exact_ci_high <- NA
out$exact_ci_low[out$case == "rate_ratio_exact"] <- ex$conf.int[1]
out$exact_ci_high[out$case == "rate_ratio_exact"] <- ex$conf.int[2]
num <- vapply(out, is.numeric, logical(1))
out17 <- out
out17[num] <- lapply(out[num], function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x)))
write.csv(out17, "equivalence_reference.csv", row.names = FALSE, quote = FALSE)
print(out[, c("case", "p_lower", "p_upper", "p_tost", "p_null", "ci_low", "ci_high")])
