# Reference values for glute_study.stats.pool and multiple_imputation (R mice).
# Run from the repository root:  Rscript tests/reference/imputation/mice_reference.R
# 1. mice::pool on models fitted by R to glute_study's completed data sets (imputed_long.csv):
#    pooled.csv holds mice's pooled table (estimate = qbar, ubar, b, t, dfcom, df, riv, lambda,
#    fmi) with summary()'s std.error, p.value and 95 % limits, one row per model and term.
# 2. mice's own imputation (pmm, logreg, polyreg; m = 20, seed 14) of cohort.csv, for a loose
#    check of the imputed distributions (RNGs differ): mice_imputed.csv (mean and sd of the
#    imputed glute_nm_kg per imputation, level shares) and mice_nb.csv (the pooled NB model).
suppressPackageStartupMessages({library(mice); library(MASS); library(survival)})
here <- "tests/reference/imputation"
long <- read.csv(file.path(here, "imputed_long.csv"), stringsAsFactors = TRUE)
long$sex <- factor(long$sex, levels = c("female", "male"))
long$level <- factor(long$level, levels = c("amateur", "elite", "recreational"))
long$arm <- factor(long$arm, levels = c("control", "glute_training"))
sets <- split(long, long$imputation)
tight <- glm.control(epsilon = 1e-13, maxit = 100)  # converged well below the 1e-6 compared
# glm's vcov uses the IRLS weights of the step before the last; restarting from the converged
# estimate puts them at the estimate (a 1e-7 difference otherwise)
glm2 <- function(...) { f <- glm(...); update(f, start = coef(f)) }

fits <- list(
  negbin = lapply(sets, function(d) glm.nb(hamstring_cramps ~ sitting_h_day + glute_nm_kg + age +
                                             sex + level + offset(log(exposure_h)), data = d,
                                           control = tight)),
  poisson = lapply(sets, function(d) glm2(hamstring_cramps ~ sitting_h_day + glute_nm_kg + age +
                                           sex + level + offset(log(exposure_h)),
                                         family = poisson, data = d, control = tight)),
  lm = lapply(sets, function(d) lm(glute_nm_kg_post ~ arm + glute_nm_kg + age, data = d)),
  cox = lapply(sets, function(d) coxph(Surv(days, event) ~ glute_nm_kg + sex + age, data = d,
                                       ties = "efron",
                                       control = coxph.control(eps = 1e-12, iter.max = 100))),
  logistic = lapply(sets, function(d) glm2(event ~ glute_nm_kg + sitting_h_day + sex,
                                          family = binomial, data = d, control = tight))
)
out <- NULL
for (name in names(fits)) {
  pooled <- pool(as.mira(fits[[name]]))
  s <- summary(pooled, conf.int = TRUE)
  p <- pooled$pooled
  out <- rbind(out, data.frame(model = name, term = as.character(p$term), qbar = p$estimate,
                               ubar = p$ubar, b = p$b, t = p$t, dfcom = p$dfcom, df = p$df,
                               riv = p$riv, lambda = p$lambda, fmi = p$fmi,
                               std_error = s$std.error, p_value = s$p.value,
                               conf_low = s[["2.5 %"]], conf_high = s[["97.5 %"]]))
}
write.csv(out, file.path(here, "pooled.csv"), row.names = FALSE)

# mice's own imputation of the incomplete cohort
raw <- read.csv(file.path(here, "cohort.csv"), stringsAsFactors = TRUE, na.strings = c("", "NA"))
raw$participant_id <- NULL
raw$level <- factor(raw$level, levels = c("amateur", "elite", "recreational"))
raw$log_exposure <- log(raw$exposure_h)
pred <- make.predictorMatrix(raw)
pred[, "exposure_h"] <- 0  # the exposure predicts as its logarithm
imp <- mice(raw, m = 20, maxit = 10, seed = 14, printFlag = FALSE, predictorMatrix = pred)
miss <- is.na(raw$glute_nm_kg)
stat <- do.call(rbind, lapply(1:20, function(i) {
  d <- complete(imp, i)
  data.frame(imputation = i, glute_mean = mean(d$glute_nm_kg[miss]),
             glute_sd = sd(d$glute_nm_kg[miss]),
             elite_share = mean(d$level[is.na(raw$level)] == "elite"),
             male_share = mean(d$sex[is.na(raw$sex)] == "male"))
}))
write.csv(stat, file.path(here, "mice_imputed.csv"), row.names = FALSE)
nb <- with(imp, glm.nb(hamstring_cramps ~ sitting_h_day + glute_nm_kg + age + sex + level +
                         offset(log(exposure_h))))
p <- summary(pool(nb), conf.int = TRUE)
write.csv(data.frame(term = as.character(p$term), estimate = p$estimate, std_error = p$std.error,
                     df = p$df), file.path(here, "mice_nb.csv"), row.names = FALSE)
cat(format(Sys.time()), "mice", as.character(packageVersion("mice")), "\n")
