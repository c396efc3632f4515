# Cluster-robust references for count_model(cluster=) (issue 13 item 3), read by
# tests/stats/test_counts_cluster.py. Run from this folder: Rscript counts_cluster.R
# (reads cluster_data.csv, writes counts_cluster_reference.json).
# R 4.2.2, MASS 7.3-58.2, clubSandwich 0.5.8, sandwich 3.0-2, pscl 1.5.5, jsonlite.
suppressPackageStartupMessages({library(MASS); library(clubSandwich); library(sandwich)
  library(pscl); library(jsonlite)})
d <- read.csv("cluster_data.csv")
tight <- glm.control(epsilon = 1e-14, maxit = 200)
f <- y ~ x + arm + offset(log(exposure_h))
cr2 <- function(m, level = 0.95) {
  V <- vcovCR(m, cluster = d$team, type = "CR2")
  ct <- coef_test(m, vcov = V, test = "Satterthwaite")
  ci <- conf_int(m, vcov = V, test = "Satterthwaite", level = level)
  list(terms = names(coef(m)), coef = unname(coef(m)), se = unname(ct$SE),
       df = unname(ct$df_Satt), p = unname(ct$p_Satt), ci_low = unname(ci$CI_L),
       ci_high = unname(ci$CI_U), cov = unname(as.matrix(V)), n_clusters = nlevels(factor(d$team)))
}
m_p <- glm(f, family = poisson, data = d, control = tight)
m_nb <- glm.nb(f, data = d, control = tight)
out <- list(poisson = cr2(m_p), negbin = c(cr2(m_nb), theta = m_nb$theta),
            negbin_90 = cr2(m_nb, level = 0.90))
# CR0/CR1 pieces for a two-part model (clubSandwich has no zeroinfl method): sandwich::vcovCL
# on the ZIP, whose bread is pscl's optim Hessian (step 1e-5, reltol 1e-15)
zf <- y ~ x + arm + offset(log(exposure_h)) | 1
m0 <- zeroinfl(zf, data = d, dist = "poisson", control = zeroinfl.control(reltol = 1e-15))
m_zip <- zeroinfl(zf, data = d, dist = "poisson", control = zeroinfl.control(
  reltol = 1e-15, ndeps = rep(1e-5, 4),
  start = list(count = coef(m0, "count"), zero = coef(m0, "zero"))))
out$zip <- list(coef = unname(coef(m_zip)),
                se_cr0 = unname(sqrt(diag(vcovCL(m_zip, cluster = ~ team, type = "HC0",
                                                 cadjust = FALSE)))),
                se_cr1 = unname(sqrt(diag(vcovCL(m_zip, cluster = ~ team, type = "HC1",
                                                 cadjust = TRUE)))))
writeLines(toJSON(out, digits = NA, auto_unbox = TRUE, pretty = TRUE),
           "counts_cluster_reference.json")
print(coef_test(m_nb, vcov = "CR2", cluster = d$team, test = "Satterthwaite"))
