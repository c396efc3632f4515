# Reference values for glute_study.stats.reliability (psych::ICC, t.test, aov, lm).
# Run from the repository root:  Rscript tests/reference/reliability/reference.R
# Writes tests/reference/reliability/reference.json; the tests read that file, never R.
suppressPackageStartupMessages({library(psych); library(jsonlite)})
here <- "tests/reference/reliability"
out <- list(r_version = R.version.string, psych = as.character(packageVersion("psych")))

icc_block <- function(file) {
  long <- read.csv(file.path(here, file))
  wide <- reshape(long, idvar = "participant_id", timevar = "session", direction = "wide")
  x <- wide[, -1]
  # lmer = FALSE: the Shrout & Fleiss (1979) ANOVA mean squares, as glute_study uses.
  r <- ICC(x, lmer = FALSE)
  res <- r$results
  ms <- r$stats["MS", ]
  mse <- ms[["Residual"]]
  lx <- log(x)
  mse_log <- ICC(lx, lmer = FALSE)$stats["MS", "Residual"]
  k <- ncol(x)
  sem <- sqrt(mse)                                  # Weir (2005): SEM = sqrt(MS error)
  blk <- list(
    type = res$type, icc = res$ICC, f = res$F, df1 = res$df1, df2 = res$df2, p = res$p,
    lower = res[["lower bound"]], upper = res[["upper bound"]],
    msr = ms[["subjects"]], msc = ms[["Judges"]], mse = mse, msw = r$MSW,
    sem = sem, mdc95 = qnorm(0.975) * sqrt(2) * sem,
    cv_pct = 100 * (exp(sqrt(mse_log)) - 1),          # Hopkins (2000) typical error as CV
    swc = 0.2 * sqrt(mean(apply(x, 2, var))),          # 0.2 x between-subject SD
    session_means = unname(colMeans(x)))
  long$participant_id <- factor(long$participant_id)
  long$session <- factor(long$session)
  if (k == 2) {
    tt <- t.test(x[, 2], x[, 1], paired = TRUE)
    blk$bias <- list(estimate = unname(tt$estimate), lower = tt$conf.int[1],
                     upper = tt$conf.int[2], p = tt$p.value, t = unname(tt$statistic),
                     df = unname(tt$parameter))
  } else {
    a <- summary(aov(value ~ session + Error(participant_id / session), data = long))
    w <- a[["Error: participant_id:session"]][[1]]
    blk$bias <- list(f = w[["F value"]][1], df1 = w[["Df"]][1], df2 = w[["Df"]][2],
                     p = w[["Pr(>F)"]][1], range = max(colMeans(x)) - min(colMeans(x)))
  }
  print(r)
  blk
}
out$three <- icc_block("icc_three_sessions.csv")
out$two <- icc_block("icc_two_sessions.csv")
# A 90 % level: psych's alpha is the two-sided error rate.
l3 <- read.csv(file.path(here, "icc_three_sessions.csv"))
w3 <- reshape(l3, idvar = "participant_id", timevar = "session", direction = "wide")[, -1]
r90 <- ICC(w3, lmer = FALSE, alpha = 0.10)$results
out$three_level90 <- list(lower = r90[["lower bound"]], upper = r90[["upper bound"]])

# Bland-Altman: difference = isokinetic - hhd.
ba <- read.csv(file.path(here, "bland_altman.csv"))
d <- ba$isokinetic_nm - ba$hhd_nm
m <- (ba$isokinetic_nm + ba$hhd_nm) / 2
n <- length(d); s <- sd(d); bias <- mean(d); z <- qnorm(0.975); tq <- qt(0.975, n - 1)
loa <- c(bias - z * s, bias + z * s)
se_loa <- s * sqrt(1 / n + z^2 / (2 * (n - 1)))           # Bland & Altman (1999)
ncp <- z * sqrt(n)                                        # Carkeet (2015), exact
t_lo <- qt(0.025, n - 1, ncp); t_hi <- qt(0.975, n - 1, ncp)
fit <- lm(d ~ m)
cf <- summary(fit)$coefficients
out$bland_altman <- list(
  n = n, bias = bias, sd = s,
  bias_lower = bias - tq * s / sqrt(n), bias_upper = bias + tq * s / sqrt(n),
  bias_p = t.test(d)$p.value,
  loa_lower = loa[1], loa_upper = loa[2],
  approx_lower_ci = c(loa[1] - tq * se_loa, loa[1] + tq * se_loa),
  approx_upper_ci = c(loa[2] - tq * se_loa, loa[2] + tq * se_loa),
  exact_lower_ci = c(bias - s * t_hi / sqrt(n), bias - s * t_lo / sqrt(n)),
  exact_upper_ci = c(bias + s * t_lo / sqrt(n), bias + s * t_hi / sqrt(n)),
  slope = cf["m", "Estimate"], slope_se = cf["m", "Std. Error"], slope_p = cf["m", "Pr(>|t|)"],
  slope_ci = unname(confint(fit)["m", ]),
  intercept = cf["(Intercept)", "Estimate"])
print(out$bland_altman)
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(here, "reference.json"))
