# Reference values for tests/stats/test_count_mixed.py.
# Run from this folder: Rscript count_mixed.R  (reads the CSVs that make_count_mixed_data.py
# writes, writes count_mixed_reference.json).
# glmmTMB (Laplace, nlminb on the Laplace log-likelihood; vcov = inverse of its Hessian over
# fixed effects, log SDs and log theta, as sdreport), lme4::glmer (Poisson, nAGQ = 1 and 10).
suppressPackageStartupMessages({library(glmmTMB); library(lme4); library(jsonlite)})

tight <- glmmTMBControl(optCtrl = list(iter.max = 1e4, eval.max = 1e4, rel.tol = 1e-12))
rhs <- "sitting_h_day + glute_nm_kg + sex"

tmb <- function(file, re, family, extra = "") {
  d <- read.csv(file)
  d$sex <- factor(d$sex, levels = c("female", "male"))
  f <- as.formula(paste("cramps ~", rhs, extra, "+ offset(log(exposure_h)) +", re))
  m <- glmmTMB(f, data = d, family = family, control = tight)
  full <- vcov(m, full = TRUE)
  vc <- VarCorr(m)$cond
  sds <- sapply(vc, function(v) attr(v, "stddev"))
  names(sds) <- names(vc)
  out <- list(formula = deparse(f), fixef = as.list(fixef(m)$cond),
              se = as.list(sqrt(diag(vcov(m)$cond))), sd = as.list(sds),
              loglik = as.numeric(logLik(m)), se_full = as.list(sqrt(diag(full))),
              names_full = colnames(full),
              max_grad = max(abs(m$sdr$gradient.fixed)), pdHess = m$sdr$pdHess)
  # standard errors of log SD and log theta, by name in the full covariance (glmmTMB orders it
  # fixed effects, dispersion "d~(Intercept)", then "theta_1|<group>.1")
  se_full <- sqrt(diag(full))
  out$se_log_sd <- as.list(setNames(se_full[paste0("theta_1|", names(sds), ".1")], names(sds)))
  if (family$family == "nbinom2") {
    out$theta <- sigma(m)
    out$se_log_theta <- unname(se_full["d~(Intercept)"])
  }
  out
}

glmer_fit <- function(file, nagq) {
  d <- read.csv(file)
  d$sex <- factor(d$sex, levels = c("female", "male"))
  f <- as.formula(paste("cramps ~", rhs, "+ offset(log(exposure_h)) + (1 | team)"))
  m <- glmer(f, data = d, family = poisson, nAGQ = nagq,
             control = glmerControl(optimizer = "bobyqa", tolPwrss = 1e-12,
                                    optCtrl = list(maxfun = 1e5, rhoend = 1e-12)))
  list(nAGQ = nagq, fixef = as.list(fixef(m)), se = as.list(sqrt(diag(as.matrix(vcov(m))))),
       sd = as.list(c(team = attr(VarCorr(m)$team, "stddev")[[1]])),
       loglik = as.numeric(logLik(m)))
}

out <- list(R = R.version.string, glmmTMB = as.character(packageVersion("glmmTMB")),
            TMB = as.character(packageVersion("TMB")), lme4 = as.character(packageVersion("lme4")))
one <- "(1 | team)"
out$single_nb <- tmb("single_nb.csv", one, nbinom2())
out$single_nb_pois <- tmb("single_nb.csv", one, poisson())
out$single_pois <- tmb("single_pois.csv", one, poisson())
out$single_pois_nb <- tmb("single_pois.csv", one, nbinom2())
out$single_boundary <- tmb("single_boundary.csv", one, nbinom2())
out$single_small <- tmb("single_small.csv", one, nbinom2())
two <- "(1 | team) + (1 | participant_id)"
out$nested_nb <- tmb("nested_nb.csv", two, nbinom2(), "+ period")
out$nested_pois <- tmb("nested_pois.csv", two, poisson(), "+ period")
cr <- "(1 | participant_id) + (1 | week)"
out$crossed_nb <- tmb("crossed_nb.csv", cr, nbinom2())
out$crossed_pois <- tmb("crossed_pois.csv", cr, poisson())
out$glmer_pois_agq1 <- glmer_fit("single_pois.csv", 1)
out$glmer_pois_agq10 <- glmer_fit("single_pois.csv", 10)
out$glmer_small_agq1 <- glmer_fit("single_small.csv", 1)
out$glmer_small_agq10 <- glmer_fit("single_small.csv", 10)

# Published data sets, written by pub_data() below from the R packages (glmmTMB's Owls, Roulin &
# Bersier 2007; lme4's grouseticks, Elston et al. 2001; MASS's epil, Thall & Vail 1990)
pub_data <- function() {
  data(Owls, package = "glmmTMB"); data(grouseticks, package = "lme4")
  write.csv(Owls, "published_owls.csv", row.names = FALSE)
  write.csv(grouseticks, "published_grouseticks.csv", row.names = FALSE)
  write.csv(MASS::epil, "published_epil.csv", row.names = FALSE)
}
if (!file.exists("published_owls.csv")) pub_data()
pub <- function(file, f, family, factors = character()) {
  d <- read.csv(file)
  for (v in factors) d[[v]] <- factor(d[[v]])
  m <- glmmTMB(f, data = d, family = family, control = tight)
  full <- vcov(m, full = TRUE)
  se_full <- sqrt(diag(full))
  vc <- VarCorr(m)$cond
  sds <- sapply(vc, function(v) attr(v, "stddev"))
  names(sds) <- names(vc)
  out <- list(formula = deparse(f), fixef = as.list(fixef(m)$cond),
              se = as.list(sqrt(diag(vcov(m)$cond))), sd = as.list(sds),
              se_log_sd = as.list(setNames(se_full[paste0("theta_1|", names(sds), ".1")],
                                           names(sds))),
              loglik = as.numeric(logLik(m)), max_grad = max(abs(m$sdr$gradient.fixed)))
  if (family$family == "nbinom2") {
    out$theta <- sigma(m)
    out$se_log_theta <- unname(se_full["d~(Intercept)"])
  }
  out
}
owls <- SiblingNegotiation ~ FoodTreatment * SexParent + offset(log(BroodSize)) + (1 | Nest)
out$owls_nb <- pub("published_owls.csv", owls, nbinom2())
out$owls_pois <- pub("published_owls.csv", owls, poisson())
out$grouse_pois <- pub("published_grouseticks.csv",
                       TICKS ~ YEAR + cHEIGHT + (1 | BROOD) + (1 | INDEX) + (1 | LOCATION),
                       poisson(), c("YEAR", "BROOD", "INDEX", "LOCATION"))
epil_f <- y ~ lbase * trt + lage + V4 + (1 | subject)
out$epil_pois <- pub("published_epil.csv", epil_f, poisson())
out$epil_nb <- pub("published_epil.csv", epil_f, nbinom2())
e <- read.csv("published_epil.csv")
for (k in c(1, 10)) {
  m <- glmer(epil_f, data = e, family = poisson, nAGQ = k,
             control = glmerControl(optimizer = "bobyqa", tolPwrss = 1e-12,
                                    optCtrl = list(maxfun = 1e5, rhoend = 1e-12)))
  out[[paste0("glmer_epil_agq", k)]] <- list(
    fixef = as.list(fixef(m)), se = as.list(sqrt(diag(as.matrix(vcov(m))))),
    sd = as.list(c(subject = attr(VarCorr(m)$subject, "stddev")[[1]])),
    loglik = as.numeric(logLik(m)))
}
writeLines(toJSON(out, auto_unbox = TRUE, digits = NA, pretty = TRUE),
           "count_mixed_reference.json")
