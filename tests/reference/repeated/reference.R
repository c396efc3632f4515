# Reference values for glute_study.stats.repeated (geepack::geeglm, MASS::glm.nb, lme4::lmer).
# Run from the repository root:  Rscript tests/reference/repeated/reference.R
suppressPackageStartupMessages({library(geepack); library(MASS); library(lme4); library(jsonlite)})
here <- "tests/reference/repeated"
out <- list(r_version = R.version.string, geepack = as.character(packageVersion("geepack")),
            lme4 = as.character(packageVersion("lme4")))

ses <- read.csv(file.path(here, "sessions.csv"))
ses <- ses[order(ses$participant_id, ses$session_no), ]
ses$participant_id <- factor(ses$participant_id)
f <- cramps ~ sitting_h_day + prior_cramps + session_type + offset(log(exposure_h))
gee_block <- function(fit) {
  s <- summary(fit)
  cf <- s$coefficients
  list(terms = rownames(cf), coef = unname(cf[, "Estimate"]), se = unname(cf[, "Std.err"]),
       p = unname(cf[, "Pr(>|W|)"]), alpha = unname(s$corr$Estimate),
       scale = unname(s$dispersion$Estimate))
}
# geepack defaults: scale estimated (scale.fix = FALSE), robust "san.se" errors.
out$poisson_exchangeable <- gee_block(geeglm(f, family = poisson, data = ses,
  id = participant_id, corstr = "exchangeable", control = geese.control(epsilon = 1e-10)))
out$poisson_ar1 <- gee_block(geeglm(f, family = poisson, data = ses, id = participant_id,
  waves = session_no, corstr = "ar1", control = geese.control(epsilon = 1e-10)))
# Negative binomial GEE. geepack's C++ core knows only the gaussian, binomial, poisson and gamma
# variance functions (geeglm(family = negative.binomial(theta)) stops with "variance invalid"),
# so the reference is a short independent R implementation of the GEE of Liang & Zeger (1986)
# with geepack's own moment estimators (scale = mean squared Pearson residual; alpha = least
# squares fit of the products r_ij r_ik / scale to the working correlation over all pairs) and
# the robust sandwich. It is first checked against geeglm for the Poisson fits above.
gee_ref <- function(formula, data, id, wave, variance, corstr, tol = 1e-12) {
  mf <- model.frame(formula, data); X <- model.matrix(formula, data); y <- model.response(mf)
  off <- model.offset(mf); cl <- split(seq_len(nrow(X)), id)
  beta <- coef(glm(formula, family = poisson, data = data)); alpha <- 0
  corr <- function(idx, a) {
    d <- abs(outer(wave[idx], wave[idx], "-"))
    if (corstr == "exchangeable") { R <- matrix(a, length(idx), length(idx)); diag(R) <- 1; R }
    else a^d
  }
  for (it in 1:200) {
    mu <- as.vector(exp(X %*% beta + off)); r <- (y - mu) / sqrt(variance(mu))
    phi <- mean(r^2)
    z <- unlist(lapply(cl, function(i) { if (length(i) < 2) return(NULL)
      m <- outer(r[i], r[i]) / phi; m[upper.tri(m)] }))
    d <- unlist(lapply(cl, function(i) { if (length(i) < 2) return(NULL)
      m <- abs(outer(wave[i], wave[i], "-")); m[upper.tri(m)] }))
    alpha <- if (corstr == "exchangeable") mean(z) else
      optimize(function(a) sum((z - a^d)^2), c(-0.999, 0.999), tol = 1e-14)$minimum
    H <- 0; G <- 0
    for (i in cl) {
      D <- X[i, , drop = FALSE] * mu[i]; A <- diag(sqrt(variance(mu[i])), length(i))
      Vinv <- solve(A %*% corr(i, alpha) %*% A)
      H <- H + t(D) %*% Vinv %*% D; G <- G + t(D) %*% Vinv %*% (y[i] - mu[i])
    }
    step <- solve(H, G); beta <- beta + as.vector(step)
    if (max(abs(step)) < tol) break
  }
  mu <- as.vector(exp(X %*% beta + off)); H <- 0; M <- 0
  for (i in cl) {
    D <- X[i, , drop = FALSE] * mu[i]; A <- diag(sqrt(variance(mu[i])), length(i))
    Vinv <- solve(A %*% corr(i, alpha) %*% A)
    H <- H + t(D) %*% Vinv %*% D; u <- t(D) %*% Vinv %*% (y[i] - mu[i]); M <- M + u %*% t(u)
  }
  Hi <- solve(H); se <- sqrt(diag(Hi %*% M %*% Hi))
  # Mancl & DeRouen (2001) bias-reduced sandwich: residuals inflated by (I - H_ii)^-1 with
  # the cluster leverage H_ii = D_i (sum D' V^-1 D)^-1 D_i' V_i^-1.
  Mb <- 0
  for (i in cl) {
    D <- X[i, , drop = FALSE] * mu[i]; A <- diag(sqrt(variance(mu[i])), length(i))
    Vinv <- solve(A %*% corr(i, alpha) %*% A)
    Hii <- D %*% Hi %*% t(D) %*% Vinv
    ri <- solve(diag(length(i)) - Hii, y[i] - mu[i])
    u <- t(D) %*% Vinv %*% ri; Mb <- Mb + u %*% t(u)
  }
  se_md <- sqrt(diag(Hi %*% Mb %*% Hi))
  list(terms = colnames(X), coef = unname(beta), se = unname(se), se_md = unname(se_md),
       p = unname(2 * pnorm(-abs(beta / se))), alpha = alpha, scale = phi)
}
pois_var <- function(mu) mu
for (cs in c("exchangeable", "ar1")) {
  chk <- gee_ref(f, ses, ses$participant_id, ses$session_no, pois_var, cs)
  gp <- out[[paste0("poisson_", cs)]]
  err <- max(abs(c(chk$coef / gp$coef, chk$se / gp$se, chk$alpha / gp$alpha,
                   chk$scale / gp$scale) - 1))
  cat("independent GEE vs geeglm, poisson", cs, "max relative difference:", err, "\n")
  stopifnot(err < 1e-6)
  out[[paste0("check_poisson_", cs)]] <- err
  out[[paste0("poisson_", cs)]]$se_md <- chk$se_md
}
nb <- glm.nb(f, data = ses, control = glm.control(epsilon = 1e-12, maxit = 100))
out$negbin_theta <- nb$theta
nb_var <- function(mu) mu + mu^2 / nb$theta
out$negbin_exchangeable <- gee_ref(f, ses, ses$participant_id, ses$session_no, nb_var,
                                   "exchangeable")
out$negbin_ar1 <- gee_ref(f, ses, ses$participant_id, ses$session_no, nb_var, "ar1")
str(out)

# Linear mixed models, REML, tight optimiser tolerances.
st <- read.csv(file.path(here, "strength_sessions.csv"))
ctrl <- lmerControl(optimizer = "bobyqa", optCtrl = list(rhobeg = 1e-2, rhoend = 1e-10))
lmm_block <- function(fit) {
  cf <- summary(fit)$coefficients
  vc <- as.data.frame(VarCorr(fit))
  list(terms = rownames(cf), coef = unname(cf[, 1]), se = unname(cf[, 2]),
       vc_names = paste(vc$grp, vc$var1, vc$var2, sep = ":"), vcov = vc$vcov,
       reml = as.numeric(logLik(fit)), sigma2 = sigma(fit)^2)
}
m1 <- lmer(glute_nm_kg ~ sitting_h_day + session + (1 | participant_id), data = st,
           REML = TRUE, control = ctrl)
m2 <- lmer(glute_nm_kg ~ sitting_h_day + session + (1 + session | participant_id), data = st,
           REML = TRUE, control = ctrl)
out$lmm_intercept <- lmm_block(m1)
out$lmm_slope <- lmm_block(m2)
print(summary(m2))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           file.path(here, "reference.json"))
