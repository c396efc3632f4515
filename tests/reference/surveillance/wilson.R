# Wilson score intervals (prop.test without continuity correction) for weekly prevalence.
cases <- c(0, 1, 10, 19, 31, 50)
n <- c(20, 3, 50, 391, 391, 50)
out <- t(sapply(seq_along(cases), function(i) {
  ci <- prop.test(cases[i], n[i], correct = FALSE, conf.level = 0.95)$conf.int
  c(cases[i], n[i], ci[1], ci[2])
}))
colnames(out) <- c("cases", "n", "ci_low", "ci_high")
write.csv(out, "wilson.csv", row.names = FALSE)
