r"""The one negative-binomial fitter of single models, as R ``MASS::glm.nb``.

NB2 regression with a log link: :math:`\operatorname{Var}(Y) = \mu + \mu^2/\theta`, with the
size :math:`\theta` estimated by maximum likelihood. As ``glm.nb`` does, IRLS for the
coefficients at a fixed :math:`\theta` alternates with the ML estimate of :math:`\theta` at
fixed means (``theta.ml``) until both settle; the coefficients' covariance is that of the GLM at
the estimated :math:`\theta` (``vcov(glm.nb)``), and :math:`\log\theta` gets its own variance
from the observed information of :math:`\theta`.

:math:`\theta` is kept within ``[1e-8, 1e8]`` (the bounds of the batched fitter,
:func:`glute_study.stats._kernels.fit_batch`, too). R's ``theta.ml`` has no bounds: without
over-dispersion it iterates towards infinity until its iteration limit and warns, leaving
:math:`\theta` somewhere above about 1e5 where the fit equals the Poisson fit to rounding; here
such a model stops at ``1e8`` at once. A :math:`\theta` above :data:`THETA_BOUNDARY` (1e5) is
reported as "no over-dispersion".

:func:`glute_study.stats.counts.count_model` (``family="negbin"``, and the start of the hurdle's
truncated count part) and :func:`glute_study.stats.associations.dose_response` fit through
:func:`fit_negbin`; the bootstraps and simulations, which fit thousands of models at once, use
the batched kernel, which reaches the same maximum (tests compare the two).

References
----------
Venables, W. N. & Ripley, B. D. (2002). *Modern Applied Statistics with S* (4th ed.), sect. 7.4.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, special

__all__ = ["NBFit", "THETA_BOUNDARY", "THETA_MAX", "THETA_MIN", "fit_negbin", "theta_ml"]

THETA_MIN = 1e-8
#: theta above this is "no over-dispersion": NB collapses to Poisson.
THETA_MAX = 1e8
#: theta above this is reported as at its boundary (no over-dispersion to estimate).
THETA_BOUNDARY = 1e5


def nb_loglik_obs(y, mu, theta):
    """Per-observation NB2 log-likelihood."""
    return (special.gammaln(y + theta) - special.gammaln(theta) - special.gammaln(y + 1)
            + theta * (np.log(theta) - np.log(theta + mu)) + y * (np.log(mu) - np.log(theta + mu)))


def _theta_score(theta, y, mu):
    return np.sum(special.digamma(theta + y) - special.digamma(theta) + np.log(theta) + 1
                  - np.log(theta + mu) - (y + theta) / (mu + theta))


def theta_info(theta, y, mu):
    """Observed information for theta (MASS::theta.ml's ``i``)."""
    return np.sum(-special.polygamma(1, theta + y) + special.polygamma(1, theta) - 1 / theta
                  + 2 / (mu + theta) - (y + theta) / (mu + theta) ** 2)


def _theta_newton(t, y, mu, lo, hi, steps=50):
    """Newton steps on log(theta); returns (log theta, converged)."""
    for _ in range(steps):
        th = np.exp(t)
        score = _theta_score(th, y, mu)
        h = th * score - th**2 * theta_info(th, y, mu)
        if not np.isfinite(h) or h >= 0:
            return t, False
        t_new = min(max(t - th * score / h, lo), hi)
        if abs(t_new - t) < 1e-13:
            return t_new, True
        t = t_new
    return t, False


def theta_ml(y, mu, start=None) -> float:
    """Maximum-likelihood theta given the means, as MASS::theta.ml; within [1e-8, 1e8].

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = rng.negative_binomial(2.0, 2.0 / (2.0 + 3.0), 4000)
    >>> round(theta_ml(y, np.full(4000, y.mean())), 1)
    2.0
    >>> theta_ml(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0]))  # no over-dispersion
    100000000.0
    """
    lo, hi = np.log(THETA_MIN), np.log(THETA_MAX)
    # The score in alpha = 1/theta at alpha = 0 is sum((y - mu)^2 - y) / 2 (the exact score in
    # theta cancels catastrophically there): not positive means no over-dispersion to estimate.
    if np.sum((y - mu) ** 2 - y) <= 0:
        return THETA_MAX
    if start is not None and start < THETA_BOUNDARY:  # warm start while alternating
        t, ok = _theta_newton(float(np.log(start)), y, mu, lo, hi)
        if ok and lo < t < hi:
            return float(np.exp(t))

    def nll(t):
        return -np.sum(nb_loglik_obs(y, mu, np.exp(t)))

    opt = optimize.minimize_scalar(nll, bounds=(lo, hi), method="bounded",
                                   options={"xatol": 1e-10})
    t, _ = _theta_newton(float(opt.x), y, mu, lo, hi)  # polish
    return float(np.exp(t))


def glm_fit(y, X, offset, family, start=None):
    """A statsmodels GLM fitted tightly; convergence is checked and reported by the caller."""
    model = sm.GLM(y, X, family=family, offset=offset)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return model.fit(start_params=start, tol=1e-11, rtol=1e-12, tol_criterion="params",
                         maxiter=200)


def glm_cov(X, y, mu, theta, robust):
    """Expected-information covariance of a log-link Poisson/NB GLM, or its HC0 sandwich."""
    var = mu if theta is None else mu + mu**2 / theta
    w = mu**2 / var
    bread = np.linalg.inv(X.T @ (X * w[:, None]))
    if not robust:
        return bread
    score = X * ((y - mu) * mu / var)[:, None]
    return bread @ (score.T @ score) @ bread


@dataclass(eq=False)
class NBFit:
    """A fitted negative-binomial GLM.

    Attributes
    ----------
    params : ndarray
        Coefficients (log scale).
    cov : ndarray
        Their covariance at the estimated ``theta`` (HC0 sandwich when ``robust``).
    theta : float
        The NB size; above :data:`THETA_BOUNDARY` the data show no over-dispersion.
    var_log_theta : float
        Variance of ``log(theta)`` from its observed information (NaN at the boundary).
    loglik : float
    converged : bool
    results : statsmodels GLM results at the final ``theta``
    """

    params: np.ndarray
    cov: np.ndarray
    theta: float
    var_log_theta: float
    loglik: float
    converged: bool
    results: Any = field(repr=False, default=None)

    @property
    def at_boundary(self) -> bool:
        """True when ``theta`` ran off towards infinity (no over-dispersion)."""
        return bool(self.theta > THETA_BOUNDARY)


def fit_negbin(y, X, offset, *, robust: bool = False, names=None) -> NBFit:
    """Fit an NB2 GLM with log link and ML theta, as ``MASS::glm.nb``.

    Parameters
    ----------
    y : ndarray, shape (n,)
        Counts.
    X : ndarray, shape (n, p)
        Design matrix.
    offset : ndarray, shape (n,)
        Log exposure (zeros for none).
    robust : bool
        HC0 sandwich covariance of the coefficients (theta held at its estimate, as R's
        ``sandwich`` on ``glm.nb``).
    names : list of str, optional
        Column names of ``X``, carried by the statsmodels results.

    Returns
    -------
    NBFit

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=500)
    >>> mu = np.exp(0.5 + 0.3 * x)
    >>> y = rng.negative_binomial(1.5, 1.5 / (1.5 + mu)).astype(float)
    >>> fit = fit_negbin(y, np.column_stack([np.ones(500), x]), np.zeros(500))
    >>> np.round(fit.params, 3), round(fit.theta, 2), fit.converged
    (array([0.504, 0.368]), 1.54, True)
    """
    if names is not None:
        X = pd.DataFrame(X, columns=list(names))
    Xa = np.asarray(X, dtype=float)
    pois = glm_fit(y, X, offset, sm.families.Poisson())
    beta = np.asarray(pois.params)
    theta = theta_ml(y, pois.mu)
    converged = False
    res = pois
    for _ in range(100):  # alternate IRLS for beta and ML for theta, as MASS::glm.nb
        res = glm_fit(y, X, offset, sm.families.NegativeBinomial(alpha=1 / theta), beta)
        theta_new = theta_ml(y, res.mu, start=theta)
        beta_new = np.asarray(res.params)
        at_cap = min(theta, theta_new) >= THETA_MAX * (1 - 1e-6)
        done = ((abs(np.log(theta_new) - np.log(theta)) < 1e-10 or at_cap)
                and np.max(np.abs(beta_new - beta)) < 1e-10)
        theta, beta = theta_new, beta_new
        if done:
            converged = bool(res.converged)
            break
    res = glm_fit(y, X, offset, sm.families.NegativeBinomial(alpha=1 / theta), beta)
    mu = np.asarray(res.mu)
    var_log_theta = np.nan  # undefined at the boundary (theta at its cap)
    if theta < THETA_BOUNDARY:
        var_log_theta = float(1 / (theta**2 * theta_info(theta, y, mu)))
    return NBFit(params=np.asarray(res.params), cov=glm_cov(Xa, y, mu, theta, robust),
                 theta=float(theta), var_log_theta=var_log_theta,
                 loglik=float(np.sum(nb_loglik_obs(y, mu, theta))), converged=converged,
                 results=res)
