# Reference values for tests/stats/test_rates.py (run: Rscript rates.R).
# Reads rates_data.csv (make_rates_data.py), writes rates_reference.json.
# R 4.2.2, MASS 7.3-58.2, clubSandwich 0.5.8, jsonlite.
# negbin: MASS::glm.nb with log(exposure) offset, Wald (confint.default) intervals and z tests;
# quasipoisson: glm(family = quasipoisson), t on the residual df (as summary.glm);
# cluster = "team": clubSandwich::vcovCR(type = "CR2") + coef_test(test = "Satterthwaite"),
# t intervals on the Satterthwaite df, on glm.nb (negbin) and glm(poisson) (quasipoisson).
# Rates are per 1000 h from cell-means models (~ 0 + group); ratios from ~ group with the
# reference level first. Fits run to a tight tolerance (epsilon 1e-13). Athletes with 0 h are left out of the models (they carry no information).
suppressPackageStartupMessages({library(MASS); library(clubSandwich); library(jsonlite)})
d0 <- read.csv("rates_data.csv")
d <- d0[d0$exposure_h > 0, ]
d$arm <- factor(d$arm, levels = c("control", "glute_training"))
d$sitting_tertile <- factor(d$sitting_tertile, levels = c("low", "middle", "high"))
d$all <- factor("all")

tab <- function(m, level, scale, cluster = NULL) {
  est <- coef(m)
  if (is.null(cluster)) {
    se <- sqrt(diag(vcov(m)))
    if (family(m)$family == "quasipoisson") {
      df <- rep(df.residual(m), length(est)); q <- qt((1 + level) / 2, df)
      p <- 2 * pt(-abs(est / se), df)
    } else {
      df <- rep(Inf, length(est)); q <- qnorm((1 + level) / 2); p <- 2 * pnorm(-abs(est / se))
    }
  } else {
    V <- vcovCR(m, cluster = cluster, type = "CR2")
    ct <- coef_test(m, vcov = V, test = "Satterthwaite")
    se <- ct$SE; df <- ct$df_Satt; p <- ct$p_Satt; q <- qt((1 + level) / 2, df)
  }
  list(term = names(est), coef = unname(est), se = unname(se), df = unname(df),
       estimate = unname(exp(est)) * scale, low = unname(exp(est - q * se)) * scale,
       high = unname(exp(est + q * se)) * scale, p = unname(p))
}

fit <- function(f, method) {
  tight <- glm.control(epsilon = 1e-13, maxit = 200)  # R stops at 1e-8 by default
  if (method == "negbin") glm.nb(f, data = d, control = tight) else
    glm(f, data = d, family = if (method == "quasipoisson") quasipoisson else poisson,
        control = tight)
}

out <- list()
for (by in c("arm", "sitting_tertile", "all")) {
  for (method in c("negbin", "quasipoisson")) {
    cell <- if (by == "all") cramps ~ 1 + offset(log(exposure_h)) else
      as.formula(paste("cramps ~ 0 +", by, "+ offset(log(exposure_h))"))
    ratio <- as.formula(paste("cramps ~", by, "+ offset(log(exposure_h))"))
    for (clus in c("none", "team")) {
      cl <- if (clus == "team") d$team else NULL
      meth <- if (clus == "team" && method == "quasipoisson") "poisson" else method
      mc <- fit(cell, meth)
      key <- paste(by, method, clus, sep = "/")
      res <- list(rates = tab(mc, 0.95, 1000, cl), rates90 = tab(mc, 0.90, 1000, cl))
      if (method == "negbin") res$theta <- mc$theta
      pois <- glm(cell, data = d, family = poisson)
      res$pearson <- sum(residuals(pois, type = "pearson")^2) / df.residual(pois)
      if (by != "all") {
        mr <- fit(ratio, meth)
        r <- tab(mr, 0.95, 1, cl)
        res$ratios <- lapply(r, function(v) v[-1])
      }
      out[[key]] <- res
    }
  }
}
writeLines(toJSON(out, digits = NA, auto_unbox = FALSE, pretty = TRUE), "rates_reference.json")
str(out[["arm/negbin/team"]])
