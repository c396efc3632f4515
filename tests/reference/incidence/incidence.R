# Reference values for tests/stats/test_incidence.py (run: Rscript incidence.R).
# Reads incidence_data.csv (make_incidence_data.py), writes incidence_reference.json.
# Exact rates and rate ratios: stats::poisson.test; score: stats::prop.test on the conditional
# binomial (Wilson interval, no continuity correction); Wald: closed form on the log scale.
suppressPackageStartupMessages(library(jsonlite))
d <- read.csv("incidence_data.csv")
out <- list()

# single rates per 1000 h, exact (Garwood) interval
rate_row <- function(k, t) {
  pt <- poisson.test(k, t)
  list(events = k, exposure = t, rate = 1000 * k / t, low = 1000 * pt$conf.int[1],
       high = 1000 * pt$conf.int[2])
}
out$by_arm <- lapply(split(d, d$arm), function(s) rate_row(sum(s$cramps), sum(s$exposure_h)))
out$overall <- rate_row(sum(d$cramps), sum(d$exposure_h))
out$zero_events <- rate_row(0, 250)
out$level90 <- with(poisson.test(sum(d$cramps), sum(d$exposure_h), conf.level = 0.90),
                    list(low = 1000 * conf.int[1], high = 1000 * conf.int[2]))

ratio <- function(g, ref, col) {
  k1 <- sum(d$cramps[d[[col]] == g]); t1 <- sum(d$exposure_h[d[[col]] == g])
  k0 <- sum(d$cramps[d[[col]] == ref]); t0 <- sum(d$exposure_h[d[[col]] == ref])
  ex <- poisson.test(c(k1, k0), c(t1, t0))
  pi0 <- t1 / (t1 + t0)
  sc <- prop.test(k1, k1 + k0, p = pi0, correct = FALSE)
  to_irr <- function(p) p / (1 - p) * t0 / t1
  se <- sqrt(1 / k1 + 1 / k0); irr <- (k1 / t1) / (k0 / t0)
  list(irr = unname(ex$estimate),
       exact = list(low = ex$conf.int[1], high = ex$conf.int[2], p = ex$p.value),
       score = list(low = to_irr(sc$conf.int[1]), high = to_irr(sc$conf.int[2]), p = sc$p.value),
       wald = list(low = exp(log(irr) - qnorm(0.975) * se), high = exp(log(irr) + qnorm(0.975) * se),
                   p = 2 * pnorm(-abs(log(irr) / se))))
}
out$arm <- ratio("glute_training", "control", "arm")
out$tertile_high <- ratio("high", "low", "sitting_tertile")
out$tertile_middle <- ratio("middle", "low", "sitting_tertile")

writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE), "incidence_reference.json")
cat(toJSON(out[c("overall", "arm")], digits = 8, auto_unbox = TRUE, pretty = TRUE))
