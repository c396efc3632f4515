# Reference values for glute_study.stats.reliability (psych::ICC, the McGraw & Wong formulas of
# irr::icc, lme4 REML variance components, t.test, aov, lm).
# Run from the repository root:  Rscript tests/reference/reliability/reference.R
# Writes tests/reference/reliability/reference.json; the tests read that file, never R.
suppressPackageStartupMessages({library(psych); library(jsonlite)})
here <- "tests/reference/reliability"
out <- list(r_version = R.version.string, psych = as.character(packageVersion("psych")),
            lme4 = as.character(packageVersion("lme4")))

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

# ICC(A,1) and ICC(C,1) with their intervals, a second time and independently of psych: the
# McGraw & Wong (1996) Table 7 formulas as irr::icc(model = "twoway", type = "agreement" or
# "consistency", unit = "single") codes them (irr is not packaged for this machine's R, so its
# formulas are typed out here), plus ICC(A,1) from REML variance components (lme4), which equals
# the ANOVA estimator on balanced data when no component is truncated at zero.
suppressPackageStartupMessages(library(lme4))
mcgraw_wong <- function(x, conf.level = 0.95) {
  x <- as.matrix(x); ns <- nrow(x); raters <- ncol(x); alpha <- 1 - conf.level
  SStotal <- var(as.numeric(x)) * (ns * raters - 1)
  MSr <- var(apply(x, 1, mean)) * raters
  MSc <- var(apply(x, 2, mean)) * ns
  MSe <- (SStotal - MSr * (ns - 1) - MSc * (raters - 1)) / ((ns - 1) * (raters - 1))
  # agreement
  a1 <- (MSr - MSe) / (MSr + (raters - 1) * MSe + raters / ns * (MSc - MSe))
  FJ <- MSc / MSe
  vn <- (raters - 1) * (ns - 1) * ((raters * a1 * FJ + ns * (1 + (raters - 1) * a1) -
                                      raters * a1))^2
  vd <- (ns - 1) * raters^2 * a1^2 * FJ^2 + (ns * (1 + (raters - 1) * a1) - raters * a1)^2
  v <- vn / vd
  FL <- qf(1 - alpha / 2, ns - 1, v)
  FU <- qf(1 - alpha / 2, v, ns - 1)
  a1_lower <- (ns * (MSr - FL * MSe)) /
    (FL * (raters * MSc + (raters * ns - raters - ns) * MSe) + ns * MSr)
  a1_upper <- (ns * (FU * MSr - MSe)) /
    (raters * MSc + (raters * ns - raters - ns) * MSe + ns * FU * MSr)
  # consistency
  c1 <- (MSr - MSe) / (MSr + (raters - 1) * MSe)
  Fv <- MSr / MSe; df1 <- ns - 1; df2 <- (ns - 1) * (raters - 1)
  FLc <- Fv / qf(1 - alpha / 2, df1, df2); FUc <- Fv * qf(1 - alpha / 2, df2, df1)
  list(a1 = a1, a1_lower = a1_lower, a1_upper = a1_upper, a1_df = v,
       c1 = c1, c1_lower = (FLc - 1) / (FLc + (raters - 1)),
       c1_upper = (FUc - 1) / (FUc + (raters - 1)),
       f = Fv, df1 = df1, df2 = df2, p = pf(Fv, df1, df2, lower.tail = FALSE),
       msr = MSr, msc = MSc, mse = MSe)
}
reml_agreement <- function(long) {
  long$participant_id <- factor(long$participant_id); long$session <- factor(long$session)
  fit <- lmer(value ~ 1 + (1 | participant_id) + (1 | session), data = long, REML = TRUE)
  vc <- as.data.frame(VarCorr(fit))
  s2 <- setNames(vc$vcov, vc$grp)
  list(icc_a1 = unname(s2["participant_id"] / sum(s2)), session_var = unname(s2["session"]),
       singular = isSingular(fit))
}
agreement <- list()
for (name in c("icc_three_sessions", "icc_two_sessions", "icc_shift", "shrout_fleiss_1979")) {
  long <- read.csv(file.path(here, paste0(name, ".csv")))
  wide <- reshape(long, idvar = "participant_id", timevar = "session", direction = "wide")[, -1]
  blk <- mcgraw_wong(wide)
  blk$level90 <- mcgraw_wong(wide, conf.level = 0.90)[c("a1_lower", "a1_upper")]
  ps <- ICC(wide, lmer = FALSE)$results
  ps <- ps[match(c("ICC2", "ICC3"), ps$type), ]
  blk$psych <- list(ICC = ps$ICC, lower = ps[["lower bound"]], upper = ps[["upper bound"]])
  blk$reml <- reml_agreement(long)
  agreement[[name]] <- blk
  cat(name, ": ICC(A,1) =", blk$a1, "[", blk$a1_lower, ",", blk$a1_upper, "]; ICC(C,1) =",
      blk$c1, "[", blk$c1_lower, ",", blk$c1_upper, "]; REML ICC(A,1) =", blk$reml$icc_a1, "\n")
}
out$agreement <- agreement
# The six Shrout & Fleiss forms on their own Table 2 data (psych's own example data set).
sf <- read.csv(file.path(here, "shrout_fleiss_1979.csv"))
sfw <- reshape(sf, idvar = "participant_id", timevar = "session", direction = "wide")[, -1]
out$shrout_fleiss <- list(type = ICC(sfw, lmer = FALSE)$results$type,
                          icc = ICC(sfw, lmer = FALSE)$results$ICC)
print(ICC(sfw, lmer = FALSE))

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
