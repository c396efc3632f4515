# Reference values for tests/stats/test_survival_exposure.py (R survival 3.x, jsonlite).
# The demo trial's time to first hamstring cramp in cumulative exposure hours, by arm
# (exposure_km_cox_data.csv, written by make_exposure_data.py). Run from this folder:
#   R CMD BATCH --no-save --no-timing exposure_km_cox.R
# which writes exposure_km_cox.Rout (the printed fits) and exposure_km_cox.json (the values).
library(survival)
library(jsonlite)
options(digits = 15)

d <- read.csv("exposure_km_cox_data.csv", stringsAsFactors = FALSE)
# athletes without any exposure in follow-up are at risk at no exposure time: left out
cat("left out:\n"); print(table(d$left_out[d$left_out != ""], d$arm[d$left_out != ""]))
d <- d[d$left_out == "", ]
d$arm <- factor(d$arm, levels = c("control", "glute_training"))
cat("athletes analysed:", nrow(d), " events:", sum(d$event), "\n")
cat("tied event times:", sum(duplicated(d$time[d$event == 1])), "\n")

# Kaplan-Meier by arm; the package's intervals are survfit's default conf.type = "log"
km <- survfit(Surv(time, event) ~ arm, data = d, conf.type = "log")
print(km)
times <- c(0, 50, 100, 150, 200, 250)
s <- summary(km, times = times, extend = TRUE)
at_risk <- data.frame(group = sub("arm=", "", as.character(s$strata)), time = s$time,
                      n_risk = s$n.risk, n_event = s$n.event, n_censor = s$n.censor,
                      surv = s$surv, std_err = s$std.err, lower = s$lower, upper = s$upper)
print(at_risk)
full <- summary(km, censored = TRUE)
curve <- data.frame(group = sub("arm=", "", as.character(full$strata)), time = full$time,
                    n_risk = full$n.risk, n_event = full$n.event, surv = full$surv,
                    lower = full$lower, upper = full$upper)
tab <- summary(km)$table
medians <- data.frame(group = sub("arm=", "", rownames(tab)), n = tab[, "records"],
                      events = tab[, "events"], median = tab[, "median"],
                      lower = tab[, "0.95LCL"], upper = tab[, "0.95UCL"])
print(medians)

# log-rank test
sd <- survdiff(Surv(time, event) ~ arm, data = d)
print(sd)
logrank <- list(chisq = sd$chisq, df = length(sd$n) - 1,
                p = pchisq(sd$chisq, length(sd$n) - 1, lower.tail = FALSE),
                observed = sd$obs, expected = sd$exp)

# Cox model with the plan's trial covariates (previous cramping), Efron ties, and cox.zph
fit <- coxph(Surv(time, event) ~ arm + prior_cramps, data = d, ties = "efron")
sm <- summary(fit)
print(sm)
cox <- data.frame(term = rownames(sm$coefficients), coef = sm$coefficients[, "coef"],
                  hr = sm$coefficients[, "exp(coef)"], se = sm$coefficients[, "se(coef)"],
                  z = sm$coefficients[, "z"], p = sm$coefficients[, "Pr(>|z|)"],
                  lower = sm$conf.int[, "lower .95"], upper = sm$conf.int[, "upper .95"])
z <- cox.zph(fit)  # transform = "km", terms = TRUE, score test (survival >= 3)
print(z)
zph <- data.frame(term = rownames(z$table), chisq = z$table[, "chisq"], df = z$table[, "df"],
                  p = z$table[, "p"])

out <- list(r_version = R.version.string,
            survival_version = as.character(packageVersion("survival")),
            conf_type = km$conf.type, n = nrow(d), events = sum(d$event), times = times,
            at_risk = at_risk, curve = curve, medians = medians, logrank = logrank,
            cox = cox, cox_loglik = fit$loglik[2], zph = zph)
write_json(out, "exposure_km_cox.json", digits = NA, dataframe = "columns", auto_unbox = TRUE,
           pretty = TRUE, na = "null")
