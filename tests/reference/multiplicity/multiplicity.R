# Reference values for tests/stats/test_multiplicity.py (run here: Rscript multiplicity.R).
# stats::p.adjust for holm, hochberg, BH and bonferroni; the fixed sequence (hierarchical
# gatekeeping, every hypothesis at the full alpha in the declared order until the first
# non-rejection) is cummax(p) in the declared order. p.adjust leaves NA out of the family
# (n = number of non-NA p-values), as adjust_p does. Output: multiplicity_reference.json.
suppressPackageStartupMessages(library(jsonlite))
families <- list(
  primary = c(0.004, 0.046, 0.009, 0.60, 0.031),
  ties = c(0.01, 0.01, 0.02, 0.04, 0.04, 0.20),
  extremes = c(1e-15, 0.5, 1, 0.0125, 0.049999, 0.7),
  with_na = c(0.02, NA, 0.001, 0.3, NA, 0.045),
  single = c(0.03),
  many = round(c(0.0001, 0.0008, 0.0021, 0.0045, 0.009, 0.012, 0.019, 0.024, 0.031, 0.038,
                 0.041, 0.049, 0.062, 0.11, 0.23, 0.37, 0.52, 0.68, 0.81, 0.97), 6)
)
out <- lapply(families, function(p) {
  ok <- !is.na(p)
  fixed <- rep(NA_real_, length(p)); fixed[ok] <- cummax(p[ok])
  list(p = p, holm = p.adjust(p, "holm"), hochberg = p.adjust(p, "hochberg"),
       bh = p.adjust(p, "BH"), bonferroni = p.adjust(p, "bonferroni"), fixed_sequence = fixed)
})
writeLines(toJSON(out, digits = NA, na = "null", auto_unbox = FALSE, pretty = TRUE),
           "multiplicity_reference.json")
str(out$primary)
