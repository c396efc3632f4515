# Hedges' g of the ANCOVA contrast with a non-central t interval (Steiger & Fouladi 1997):
# g = J diff / s_p; CI = J se / s_p x the ncp limits solving pt(t, df, ncp) = 0.975 / 0.025.
# Run from the repository root:  Rscript tests/reference/trial/hedges_nct.R
suppressPackageStartupMessages({library(jsonlite)})
here <- "tests/reference/trial"
anc <- read.csv(file.path(here, "ancova.csv"))
anc$arm <- factor(anc$arm, levels = c("control", "glute_training"))
anc$sex <- factor(anc$sex)
one <- function(formula, level = 0.95) {
  fit <- lm(formula, data = anc)
  est <- coef(fit)[["armglute_training"]]
  se <- sqrt(vcov(fit)["armglute_training", "armglute_training"])
  df <- fit$df.residual
  tobs <- est / se
  n1 <- sum(anc$arm == "control"); n2 <- sum(anc$arm == "glute_training")
  y <- anc$glute_nm_kg_post
  sp <- sqrt(((n1 - 1) * var(y[anc$arm == "control"]) +
              (n2 - 1) * var(y[anc$arm == "glute_training"])) / (n1 + n2 - 2))
  dfj <- n1 + n2 - 2
  J <- exp(lgamma(dfj / 2) - log(sqrt(dfj / 2)) - lgamma((dfj - 1) / 2))
  lim <- function(p) uniroot(function(ncp) pt(tobs, df, ncp) - p, c(tobs - 20, tobs + 20),
                             tol = 1e-13)$root
  list(g = J * est / sp, g_lower = J * se / sp * lim((1 + level) / 2),
       g_upper = J * se / sp * lim((1 - level) / 2), p = 2 * pt(-abs(tobs), df))
}
out <- list(r_version = R.version.string, ancova = one(glute_nm_kg_post ~ arm + glute_nm_kg),
            ancova_cov = one(glute_nm_kg_post ~ arm + glute_nm_kg + age + sex),
            ancova_90 = one(glute_nm_kg_post ~ arm + glute_nm_kg, level = 0.90))
print(str(out))
write_json(out, file.path(here, "hedges_nct.json"), digits = NA, auto_unbox = TRUE, pretty = TRUE)
