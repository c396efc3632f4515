# Reference values for tests/stats/test_analytic_power.py.
# Run from this folder: Rscript power_analytic.R  (writes the *.csv outputs)
library(pwr)
options(digits = 15)
tight <- function(f, lower, upper) uniroot(f, c(lower, upper), tol = 1e-12)$root

# Correlation: pwr::pwr.r.test (two-sided); n solved with a tight uniroot on pwr's own power
cors <- expand.grid(r = c(0.1, 0.2, -0.3, 0.5), n = c(20, 60, 150), alpha = c(0.05, 0.01))
cors$power <- mapply(function(r, n, a) pwr.r.test(r = r, n = n, sig.level = a)$power,
                     cors$r, cors$n, cors$alpha)
write.csv(cors, "correlation_power.csv", row.names = FALSE)
cn <- data.frame(r = c(0.1, 0.2, 0.3, -0.4), power = c(0.8, 0.8, 0.9, 0.9), alpha = 0.05)
cn$n <- mapply(function(r, p, a) tight(function(n) pwr.r.test(r = r, n = n, sig.level = a)$power - p,
                                      4, 1e5), cn$r, cn$power, cn$alpha)
cn$n_pwr_default <- mapply(function(r, p, a) pwr.r.test(r = r, power = p, sig.level = a)$n,
                           cn$r, cn$power, cn$alpha)
write.csv(cn, "correlation_n.csv", row.names = FALSE)

# ANCOVA: noncentral t on 2n - 3 df, error SD sd * sqrt(1 - rho^2) (closed form in base R)
anc_power <- function(n, delta, sd, rho, a) {
  df <- 2 * n - 3
  ncp <- delta / (sd * sqrt(1 - rho^2) * sqrt(2 / n))
  tc <- qt(1 - a / 2, df)
  pt(tc, df, ncp, lower.tail = FALSE) + pt(-tc, df, ncp)
}
anc <- expand.grid(delta = c(0.25, -0.4), sd = 0.5, rho = c(0, 0.5, 0.7), n = c(15, 40),
                   alpha = c(0.05))
anc$power <- with(anc, anc_power(n, delta, sd, rho, alpha))
write.csv(anc, "ancova_power.csv", row.names = FALSE)
ancn <- expand.grid(delta = 0.25, sd = 0.5, rho = c(0, 0.5, 0.7), power = c(0.8, 0.9))
ancn$n <- mapply(function(d, s, r, p) tight(function(n) anc_power(n, d, s, r, 0.05) - p, 2, 1e5),
                 ancn$delta, ancn$sd, ancn$rho, ancn$power)
write.csv(ancn, "ancova_n.csv", row.names = FALSE)
# cross-check of the rho = 0 t-test kernel: pwr.t.test uses 2n - 2 df, ours 2n - 3, so the
# df = 2n - 2 version of the same closed form must equal pwr.t.test exactly
chk <- data.frame(n = c(15, 40), d = 0.5)
chk$pwr <- mapply(function(n, d) pwr.t.test(n = n, d = d)$power, chk$n, chk$d)
chk$closed <- mapply(function(n, d) {
  df <- 2 * n - 2; ncp <- d * sqrt(n / 2); tc <- qt(0.975, df)
  pt(tc, df, ncp, lower.tail = FALSE) + pt(-tc, df, ncp)
}, chk$n, chk$d)
print(chk)

# Two negative-binomial rates: Zhu & Lakkis (2014), method 3 (closed form in base R)
zl <- function(mu0, rr, k, kap) {
  mu1 <- mu0 * rr
  v1 <- 1 / mu0 + 1 / (kap * mu1) + (1 + kap) * k / kap
  v0 <- (1 + kap)^2 / (kap * (mu0 + kap * mu1)) + (1 + kap) * k / kap
  c(v0 = v0, v1 = v1)
}
rates <- expand.grid(mean0 = c(1.3, 0.5), rate_ratio = c(0.8, 0.6, 1.5), dispersion = c(0, 0.8),
                     allocation = c(1, 2), alpha = 0.05)
rates$power_n <- 120
rates$power <- NA; rates$n_for_80 <- NA
for (i in seq_len(nrow(rates))) {
  v <- with(rates[i, ], zl(mean0, rate_ratio, dispersion, allocation))
  za <- qnorm(1 - rates$alpha[i] / 2)
  rates$power[i] <- pnorm((sqrt(rates$power_n[i]) * abs(log(rates$rate_ratio[i])) -
                           za * sqrt(v["v0"])) / sqrt(v["v1"]))
  rates$n_for_80[i] <- (za * sqrt(v["v0"]) + qnorm(0.8) * sqrt(v["v1"]))^2 /
    log(rates$rate_ratio[i])^2
}
write.csv(rates, "two_rates.csv", row.names = FALSE)
print(rates)
cat("R", R.version.string, "pwr", as.character(packageVersion("pwr")), "\n")
