# Reference values for the linear_model tests in tests/stats/test_associations.py.
# Run from this folder: Rscript linear_model.R  (reads linear_model_data.csv from
# make_linear_model_data.py, writes linear_model_cr2.csv and linear_model_hc2.csv)
library(clubSandwich)
library(sandwich)
options(digits = 15)
d <- read.csv("linear_model_data.csv")
d <- d[complete.cases(d), ]
d$sex <- factor(d$sex)
fit <- lm(glute_onset_delay_ms ~ sitting_h_day + age + sex, data = d)

out <- function(vc, file) {
  ct <- coef_test(fit, vcov = vc, test = "Satterthwaite")
  ci <- conf_int(fit, vcov = vc, level = 0.95, test = "Satterthwaite")
  res <- data.frame(term = names(coef(fit)), estimate = unname(coef(fit)), se = ct$SE,
                    df = ct$df_Satt, p_value = ct$p_Satt, ci_low = ci$CI_L, ci_high = ci$CI_U)
  write.csv(res, file, row.names = FALSE)
  print(res)
}
# CR2 by team, Satterthwaite df (clubSandwich)
out(vcovCR(fit, cluster = d$team, type = "CR2"), "linear_model_cr2.csv")
# every row its own cluster: CR2 = HC2 (checked against sandwich), Satterthwaite df
hc2 <- vcovCR(fit, cluster = seq_len(nrow(d)), type = "CR2")
stopifnot(isTRUE(all.equal(as.matrix(hc2), vcovHC(fit, type = "HC2"),
                           check.attributes = FALSE)))
out(hc2, "linear_model_hc2.csv")
