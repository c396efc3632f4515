# Reference values for tests/stats/test_survival.py (R survival 3.x).
# Run from this folder: Rscript survival.R  (reads data.csv from make_survival_data.py, writes the *.csv outputs)
library(survival)
d <- read.csv("data.csv")
d$group <- factor(d$group)
d$sex <- factor(d$sex)
options(digits = 15)

# Kaplan-Meier by group, default conf.type = "log" (Greenwood variance of log S)
km <- survfit(Surv(time, event) ~ group, data = d)
s <- summary(km, censored = TRUE)
curve <- data.frame(group = sub("group=", "", as.character(s$strata)), time = s$time,
                    n_risk = s$n.risk, n_event = s$n.event, n_censor = s$n.censor,
                    surv = s$surv, std_err = s$std.err, lower = s$lower, upper = s$upper)
write.csv(curve, "km_curve.csv", row.names = FALSE)
tab <- summary(km)$table
med <- data.frame(group = sub("group=", "", rownames(tab)), n = tab[, "records"],
                  events = tab[, "events"], median = tab[, "median"],
                  lcl = tab[, "0.95LCL"], ucl = tab[, "0.95UCL"])
write.csv(med, "km_median.csv", row.names = FALSE)
# one-sample curve (no groups) for the ungrouped path
km1 <- survfit(Surv(time, event) ~ 1, data = d)
s1 <- summary(km1, censored = TRUE)
write.csv(data.frame(time = s1$time, surv = s1$surv, std_err = s1$std.err, lower = s1$lower,
                     upper = s1$upper), "km_curve_all.csv", row.names = FALSE)
print(km1)

# log-rank test
sd <- survdiff(Surv(time, event) ~ group, data = d)
lr <- data.frame(chisq = sd$chisq, df = length(sd$n) - 1,
                 p = pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE))
write.csv(lr, "logrank.csv", row.names = FALSE)
print(sd)
# three-group log-rank (groups x sex) to exercise the k > 2 variance matrix
d$g3 <- interaction(d$group, d$sex)
d$g3[d$g3 == "glute_training.male"] <- "glute_training.female"
d$g3 <- droplevels(d$g3)
sd3 <- survdiff(Surv(time, event) ~ g3, data = d)
write.csv(data.frame(chisq = sd3$chisq, df = length(sd3$n) - 1,
                     p = pchisq(sd3$chisq, length(sd3$n) - 1, lower.tail = FALSE)),
          "logrank3.csv", row.names = FALSE)

# Cox models and Schoenfeld proportional-hazards tests
for (ties in c("efron", "breslow")) {
  fit <- coxph(Surv(time, event) ~ sitting_h_day + group + sex, data = d, ties = ties)
  sm <- summary(fit)
  co <- data.frame(term = rownames(sm$coefficients), coef = sm$coefficients[, "coef"],
                   hr = sm$coefficients[, "exp(coef)"], se = sm$coefficients[, "se(coef)"],
                   z = sm$coefficients[, "z"], p = sm$coefficients[, "Pr(>|z|)"],
                   lower = sm$conf.int[, "lower .95"], upper = sm$conf.int[, "upper .95"])
  write.csv(co, paste0("cox_", ties, ".csv"), row.names = FALSE)
  z <- cox.zph(fit)  # transform = "km", terms = TRUE, score test (survival >= 3)
  zt <- data.frame(term = rownames(z$table), chisq = z$table[, "chisq"],
                   df = z$table[, "df"], p = z$table[, "p"])
  write.csv(zt, paste0("zph_", ties, ".csv"), row.names = FALSE)
  print(fit); print(z)
  write.csv(data.frame(loglik = fit$loglik[2]), paste0("cox_", ties, "_loglik.csv"),
            row.names = FALSE)
}

# a three-level factor: cox.zph's per-term test has 2 df
fit3 <- coxph(Surv(time, event) ~ sitting_h_day + g3, data = d)
z3 <- cox.zph(fit3)
write.csv(data.frame(term = rownames(z3$table), chisq = z3$table[, "chisq"],
                     df = z3$table[, "df"], p = z3$table[, "p"]), "zph_three_level.csv",
          row.names = FALSE)
sm3 <- summary(fit3)$coefficients
write.csv(data.frame(term = rownames(sm3), coef = sm3[, "coef"], se = sm3[, "se(coef)"]),
          "cox_three_level.csv", row.names = FALSE)
print(z3)
cat("R", R.version.string, "survival", as.character(packageVersion("survival")), "\n")
