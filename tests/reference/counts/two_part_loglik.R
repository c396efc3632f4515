# The zero-inflated / hurdle log-likelihood written out with R's own dpois/dnbinom, on
# (count, zero, log(theta)); sourced by counts.R and counts_exact.R.
ll_two_part <- function(par, y, X, Z, off, dist, hurdle) {
  p <- ncol(X); q <- ncol(Z)
  mu <- exp(drop(X %*% par[1:p]) + off)
  g <- drop(Z %*% par[p + 1:q])
  th <- if (dist == "negbin") exp(par[p + q + 1]) else NA
  dens <- function(yy, m) if (dist == "negbin") dnbinom(yy, size = th, mu = m, log = TRUE)
                         else dpois(yy, m, log = TRUE)
  if (hurdle) {  # logit P(y > 0) with the offset
    lp <- plogis(g + off, log.p = TRUE); l1mp <- plogis(-(g + off), log.p = TRUE)
    ll <- ifelse(y == 0, l1mp, lp + dens(y, mu) - log1p(-exp(dens(0, mu))))
  } else {
    pz <- plogis(g)
    ll <- ifelse(y == 0, log(pz + (1 - pz) * exp(dens(0, mu))), log(1 - pz) + dens(y, mu))
  }
  sum(ll)
}
