r"""Count regression of cramp events with the log-exposure offset always applied.

Cramp counts are over-dispersed and have many zeros, so Poisson regression is rarely enough. This
module fits five families on one formula, reports incidence rate ratios (IRR) for the count part
and odds ratios (OR) for the zero part, tests over-dispersion, compares the families, and predicts
rates per 1000 h at values the user names. The offset ``log(exposure)`` is built once by
:func:`glute_study.stats._design.build_design` and used in fitting and prediction.

Families
--------
``poisson``
    Poisson GLM, log link (R ``glm(family = poisson)``).
``negbin``
    Negative binomial (NB2, variance :math:`\mu + \mu^2/\theta`) with :math:`\theta` estimated by
    maximum likelihood, alternating with IRLS exactly as R ``MASS::glm.nb`` does (the one NB
    fitter, :func:`glute_study.stats._negbin.fit_negbin`); standard errors of the coefficients
    are those of the GLM at the estimated :math:`\theta` (as in R).
``zip``, ``zinb``
    Zero-inflated Poisson / negative binomial (R ``pscl::zeroinfl``). The zero part is a logit
    model of being a *structural zero* (never cramps); it has no offset.
``hurdle_negbin``
    Logit hurdle for *any* event (with the log-exposure offset, since the chance of at least one
    cramp grows with exposure) and a zero-truncated negative binomial for the positive counts
    (R ``pscl::hurdle(dist = "negbin", zero.dist = "binomial")``).

Two-part fits
-------------
The zero-inflated models and the hurdle's truncated count part are fitted by Newton-Raphson on
(count, zero, :math:`\log\theta`) with the exact score and Hessian (written out in
:func:`_zi_derivs` and :func:`_truncated_derivs`), damped where the Hessian is not negative
definite and with step halving; the hurdle's logit part is a logistic GLM. Standard errors are
the inverse observed information from those exact second derivatives (within 1e-6 of R at
pscl's maximum, ``tests/reference/counts/counts_exact.R``); the hurdle's count and zero parts
are inverted separately, so their covariance is exactly zero. The per-row scores give the
sandwich (``robust=True``), which keeps the empirical cross-products of the two parts.

Starting values are tried as pscl takes them (a Poisson count part, a logit of the zeros,
:math:`\theta = 1`), then from the negative-binomial fit, then from it with few structural
zeros; the converged fit with the highest likelihood is kept. When :math:`\theta` runs off
towards infinity it is held at its cap (as :func:`~glute_study.stats._negbin.theta_ml` does)
and the fit is that of the Poisson-type model. A fit that does not converge from any start
keeps its best finite estimates, says so (``diagnostics["converged"]`` False with the reason
in ``diagnostics["convergence"]``, a :class:`~glute_study.errors.FitWarning`, and ``.text``),
and :func:`compare_count_models` leaves it out of the ranking.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import special, stats

from .._checks import check_level, check_one_of, require_columns
from ..errors import FitWarning, InputError
from ..labels import outcome_phrase, term_phrase
from ._cluster import cluster_codes, cr2_vcov
from ._design import Design, build_design, drop_incomplete, new_matrix
from ._negbin import THETA_BOUNDARY, THETA_MAX, fit_negbin, glm_cov, glm_fit
from ._negbin import nb_loglik_obs as _ll_nb
from ._result import Result, format_ci, format_number, format_p, percent_change

__all__ = ["CountFit", "FAMILIES", "compare_count_models", "count_model", "predict_rates"]

#: Families :func:`count_model` fits.
FAMILIES = ("poisson", "negbin", "zip", "zinb", "hurdle_negbin")

_MIN_EVENTS_PER_PARAMETER = 10

#: How sentences name the families.
_FAMILY_NAMES = {"poisson": "Poisson", "negbin": "negative-binomial",
                 "zip": "zero-inflated Poisson", "zinb": "zero-inflated negative-binomial",
                 "hurdle_negbin": "negative-binomial hurdle"}


@dataclass(eq=False)
class CountFit:
    """A fitted count model: what :func:`predict_rates` and :func:`compare_count_models` need.

    Attributes
    ----------
    family : str
        One of :data:`FAMILIES`.
    design : Design
        Outcome, matrices and offset the model was fitted to.
    params : ndarray
        Count coefficients, then zero-part coefficients, then ``log(theta)`` for NB families.
    cov : ndarray
        Covariance of ``params`` (robust when requested).
    theta : float or None
        NB dispersion (variance :math:`\\mu + \\mu^2/\\theta`).
    loglik_obs : ndarray
        Per-observation log-likelihood at the estimates (for Vuong tests).
    converged : bool
    results : object
        The underlying statsmodels results for ``poisson`` and ``negbin``; for the two-part
        families a dict describing the Newton fit (``start``, ``iterations``, ``message``,
        ``starts_tried``; the hurdle's logit part under ``zero``).
    data : pandas.DataFrame
        The rows and columns used, for filling unnamed predictors in predictions.
    message : str
        ``"converged"``, or why the fit did not converge.
    df : ndarray or None
        Degrees of freedom of each parameter's t reference (CR2 Satterthwaite); None for Wald z.
    vcov_type : str
        ``"model"``, ``"HC0"`` or ``"CR2"``.
    """

    family: str
    design: Design
    params: np.ndarray
    cov: np.ndarray
    theta: float | None
    loglik_obs: np.ndarray
    converged: bool
    results: Any = field(repr=False, default=None)
    data: pd.DataFrame | None = field(repr=False, default=None)
    message: str = "converged"
    df: np.ndarray | None = None
    vcov_type: str = "model"
    cluster: dict | None = None

    @property
    def n_params(self) -> int:
        """Number of estimated parameters (theta included)."""
        return len(self.params)

    @property
    def loglik(self) -> float:
        """Log-likelihood at the estimates."""
        return float(self.loglik_obs.sum())


# --------------------------------------------------------------------------- log-likelihoods
def _ll_pois(y, mu):
    return y * np.log(mu) - mu - special.gammaln(y + 1)


def _log_f0(mu, theta):
    """log P(Y = 0) for Poisson (theta None) or NB."""
    if theta is None:
        return -mu
    return theta * (np.log(theta) - np.log(theta + mu))


def _loglik_obs(fit: CountFit) -> np.ndarray:
    """Per-row log-likelihood at the estimates (the two-part families from their exact form)."""
    if fit.family in ("zip", "zinb", "hurdle_negbin"):
        with np.errstate(all="ignore"):
            return _two_part_derivs(fit.family, fit.design, fit.params)[0]
    eta, _, theta = _split(fit)
    mu = np.exp(eta)
    return _ll_pois(fit.design.y, mu) if theta is None else _ll_nb(fit.design.y, mu, theta)


def _fit_poisson(d, robust):
    res = glm_fit(d.y, d.X, d.offset, sm.families.Poisson())
    mu = res.mu
    cov = glm_cov(d.X, d.y, mu, None, robust)
    return np.asarray(res.params), cov, None, bool(res.converged), res


def _fit_negbin(d, robust):
    """NB2 by :func:`glute_study.stats._negbin.fit_negbin`; ``log(theta)`` appended last."""
    nb = fit_negbin(d.y, d.X, d.offset, robust=robust)
    p = len(nb.params)
    cov = np.zeros((p + 1, p + 1))
    cov[:p, :p] = nb.cov
    cov[p, p] = nb.var_log_theta
    return np.append(nb.params, np.log(nb.theta)), cov, nb.theta, nb.converged, nb.results


# --------------------------------------------------------------------------- exact derivatives
# Two-part models are fitted and their covariance taken from analytic derivatives: per-row
# scores (for the sandwich and the cluster-robust covariance) and the observed information
# from exact second derivatives, on (count coefficients, zero coefficients, log(theta)).
_LOG_THETA_MAX = float(np.log(THETA_MAX))


def _count_derivs(y, eta, log_theta):
    r"""Log density of the count distribution per row, with its exact derivatives.

    Returns ``(l, l_e, l_ee, l_t, l_et, l_tt)``: derivatives in :math:`\eta = \log\mu` and
    :math:`t = \log\theta`; the ``t`` terms are None for Poisson (``log_theta`` None).
    """
    mu = np.exp(eta)
    if log_theta is None:
        return _ll_pois(y, mu), y - mu, -mu, None, None, None
    th = float(np.exp(log_theta))
    tm = th + mu
    ratio = np.log1p(mu / th)
    lg1, dg1, tg1 = _gamma_ratios(y, th)
    l_e = th * (y - mu) / tm
    l_ee = -th * mu * (y + th) / tm**2
    # d/dtheta and d2/dtheta2 written without the cancelling terms of their textbook forms
    d_th = dg1 - ratio + (mu - y) / tm
    d_thth = tg1 + mu / (th * tm) + (y - mu) / tm**2
    l_t = th * d_th
    ll = lg1 - special.gammaln(y + 1) + y * eta - (th + y) * ratio
    return ll, l_e, l_ee, l_t, th * (y - mu) * mu / tm**2, th**2 * d_thth + l_t


def _gamma_ratios(y, theta):
    r""":math:`\log\Gamma(y+\theta) - \log\Gamma(\theta)` and its first two derivatives in
    :math:`\theta`, summed exactly as :math:`\sum_{j<y} \log(1 + j/\theta)` (the
    :math:`y\log\theta` part cancels in the log-likelihood), :math:`\sum 1/(\theta+j)` and
    :math:`-\sum 1/(\theta+j)^2`: the differences of gamma functions lose every digit when
    theta is large (no over-dispersion), these do not.
    """
    y = np.asarray(y, dtype=float)
    top = int(np.max(y)) if y.size else 0
    if top > 100_000:  # tables too long: the special functions
        return (special.gammaln(y + theta) - special.gammaln(theta) - y * np.log(theta),
                special.digamma(y + theta) - special.digamma(theta),
                special.polygamma(1, y + theta) - special.polygamma(1, theta))
    j = np.arange(top, dtype=float)
    idx = y.astype(int)
    lg = np.concatenate([[0.0], np.cumsum(np.log1p(j / theta))])
    dg = np.concatenate([[0.0], np.cumsum(1 / (theta + j))])
    tg = np.concatenate([[0.0], np.cumsum(-1 / (theta + j) ** 2)])
    return lg[idx], dg[idx], tg[idx]


def _zi_derivs(y, eta, zeta, log_theta):
    r"""Zero-inflated log-likelihood per row and derivatives in (eta, zeta, t).

    With :math:`\pi = \operatorname{expit}(\zeta)` the probability of a structural zero,
    :math:`\ell = \log(e^{\zeta} + f_0) - \log(1 + e^{\zeta})` for a zero and
    :math:`\ell = -\log(1 + e^{\zeta}) + \log f(y)` otherwise; ``w`` below is the posterior
    probability that a zero is structural.
    """
    c = _count_derivs(y, eta, log_theta)
    z0 = _count_derivs(0.0, eta, log_theta)
    zero = y == 0
    log_1mpi = -np.logaddexp(0, zeta)
    pi = np.exp(-np.logaddexp(0, -zeta))
    a = np.logaddexp(zeta, z0[0])
    w = np.where(zero, np.exp(zeta - a), 0.0)
    v = w * (1 - w)
    out = {
        "l": np.where(zero, a + log_1mpi, log_1mpi + c[0]),
        "e": np.where(zero, (1 - w) * z0[1], c[1]),
        "z": w - pi,
        "ee": np.where(zero, v * z0[1] ** 2 + (1 - w) * z0[2], c[2]),
        "ez": -v * z0[1],
        "zz": v - np.exp(log_1mpi - np.logaddexp(0, -zeta)),
    }
    if log_theta is not None:
        out.update(
            t=np.where(zero, (1 - w) * z0[3], c[3]),
            et=np.where(zero, v * z0[1] * z0[3] + (1 - w) * z0[4], c[4]),
            zt=-v * z0[3],
            tt=np.where(zero, v * z0[3] ** 2 + (1 - w) * z0[5], c[5]),
        )
    return out


def _truncated_derivs(y, eta, log_theta):
    r"""Zero-truncated count log-likelihood per (positive) row, derivatives in (eta, t).

    :math:`\ell = \log f(y) - \log(1 - f_0)`; with :math:`r = f_0/(1-f_0)` the derivatives of
    :math:`-\log(1-f_0)` are :math:`r\,L_a` and :math:`r\,L_{ab} + r(1+r)\,L_a L_b` in those of
    :math:`L = \log f_0`.
    """
    c = _count_derivs(y, eta, log_theta)
    z0 = _count_derivs(0.0, eta, log_theta)
    one_m_f0 = -np.expm1(z0[0])
    r = np.exp(z0[0]) / one_m_f0
    s = r * (1 + r)
    out = {"l": c[0] - np.log(one_m_f0), "e": c[1] + r * z0[1],
           "ee": c[2] + r * z0[2] + s * z0[1] ** 2}
    if log_theta is not None:
        out.update(t=c[3] + r * z0[3], et=c[4] + r * z0[4] + s * z0[1] * z0[3],
                   tt=c[5] + r * z0[5] + s * z0[3] ** 2)
    return out


def _assemble(der, blocks):
    """Per-row scores and the summed Hessian from derivatives in the linear predictors.

    ``blocks`` maps a linear predictor's key ("e", "z", "t") to its design matrix (a column of
    ones for ``t``); ``der`` holds first derivatives under the key and second ones under the
    pair of keys. Pairs that are absent are exactly zero.
    """
    keys = list(blocks)
    scores = np.hstack([blocks[k] * der[k][:, None] for k in keys])
    sizes = [blocks[k].shape[1] for k in keys]
    cuts = np.concatenate([[0], np.cumsum(sizes)])
    hess = np.zeros((cuts[-1], cuts[-1]))
    for i, a in enumerate(keys):
        for j, b in enumerate(keys[i:], start=i):
            h = der.get(a + b, der.get(b + a))
            if h is None:
                continue
            block = blocks[a].T @ (blocks[b] * h[:, None])
            hess[cuts[i]:cuts[i + 1], cuts[j]:cuts[j + 1]] = block
            hess[cuts[j]:cuts[j + 1], cuts[i]:cuts[i + 1]] = block.T
    return scores, hess


def _two_part_derivs(family, d, params):
    """(loglik per row, scores per row, Hessian) of a two-part family at ``params``.

    ``params`` is (count, zero, log(theta)) as :class:`CountFit` stores them. For the hurdle
    the Hessian is block-diagonal by construction: no term links the count part to the zero part.
    """
    p, q = d.X.shape[1], d.Z.shape[1]
    lt = params[-1] if family in ("zinb", "hurdle_negbin") else None
    eta = d.X @ params[:p] + d.offset
    n = d.n
    ones = np.ones((n, 1))
    if family in ("zip", "zinb"):
        der = _zi_derivs(d.y, eta, d.Z @ params[p:p + q], lt)
        blocks = {"e": d.X, "z": d.Z} | ({"t": ones} if lt is not None else {})
        scores, hess = _assemble(der, blocks)
        return der["l"], scores, hess
    # hurdle: a logit of any event (with the offset) and a truncated count for the positives
    pos = d.y > 0
    zeta = d.Z @ params[p:p + q] + d.offset
    prob = np.exp(-np.logaddexp(0, -zeta))
    zder = {"l": np.where(pos, -np.logaddexp(0, -zeta), -np.logaddexp(0, zeta)),
            "z": pos - prob, "zz": -np.exp(-np.logaddexp(0, -zeta) - np.logaddexp(0, zeta))}
    cder = _truncated_derivs(d.y[pos], eta[pos], lt)
    full = {k: np.zeros(n) for k in cder}
    for k, v in cder.items():
        full[k][pos] = v
    s_count, h_count = _assemble(full, {"e": d.X, "t": ones})
    s_zero, h_zero = _assemble(zder, {"z": d.Z})
    scores = np.hstack([s_count[:, :p], s_zero, s_count[:, p:]])
    hess = np.zeros((p + q + 1, p + q + 1))
    cnt = np.r_[0:p, p + q]
    hess[np.ix_(cnt, cnt)] = h_count
    hess[p:p + q, p:p + q] = h_zero
    return full["l"] + zder["l"], scores, hess


@dataclass
class _Optimum:
    params: np.ndarray
    loglik: float
    converged: bool
    message: str
    free: np.ndarray
    iterations: int = 0
    start: str = ""


def _maximise(fun, start, *, cap=None, free=None, maxiter=500, tol=1e-18) -> _Optimum:
    """Damped Newton-Raphson with exact derivatives; ``fun(par) -> (loglik, grad, hessian)``.

    Where the Hessian is not negative definite the step is Levenberg-Marquardt damped; every
    step is halved until the log-likelihood does not fall. ``cap`` is the index of log(theta):
    it is held at log(THETA_MAX) once it gets there and still rises (the data show no
    over-dispersion), as :func:`~glute_study.stats._negbin.theta_ml` does; ``free`` (a mask)
    holds the others at their start. Converged means the Newton decrement fell below ``tol``
    at a negative-definite Hessian.
    """
    par = np.asarray(start, dtype=float).copy()
    free = np.ones(len(par), bool) if free is None else free.copy()
    with np.errstate(all="ignore"):
        ll, g, h = fun(par)
    if not np.isfinite(ll) or not np.all(np.isfinite(g)):
        return _Optimum(par, -np.inf, False, "the log-likelihood is not finite at the start",
                        free)
    for it in range(1, maxiter + 1):
        gf, hf = g[free], -h[np.ix_(free, free)]
        definite = True
        try:
            chol = np.linalg.cholesky(hf)
        except np.linalg.LinAlgError:
            definite = False
            lam = 1e-6 * max(1.0, float(np.max(np.abs(np.diag(hf)))))
            while True:
                try:
                    chol = np.linalg.cholesky(hf + lam * np.eye(len(gf)))
                    break
                except np.linalg.LinAlgError:
                    lam *= 10
                    if not np.isfinite(lam) or lam > 1e20:
                        return _Optimum(par, ll, False, "the information matrix is not finite",
                                        free, it)
        step = np.linalg.solve(chol.T, np.linalg.solve(chol, gf))
        decrement = float(gf @ step)
        t = 1.0
        while True:
            new = par.copy()
            new[free] += t * step
            if cap is not None:
                new[cap] = min(new[cap], _LOG_THETA_MAX)
            with np.errstate(all="ignore"):
                ll_new, g_new, h_new = fun(new)
            if np.isfinite(ll_new) and np.all(np.isfinite(g_new)) and np.all(
                    np.isfinite(h_new)) and ll_new >= ll - 1e-12 * (1 + abs(ll)):
                break
            t /= 2
            if t < 1e-12:
                if definite and decrement < 1e-10:  # at the optimum to rounding
                    return _Optimum(par, ll, True, "converged", free, it)
                return _Optimum(par, ll, False, "no step increased the log-likelihood", free,
                                it)
        par, ll, g, h = new, ll_new, g_new, h_new
        if cap is not None and free[cap] and par[cap] >= _LOG_THETA_MAX and g[cap] > 0:
            free[cap] = False  # theta at its cap: no over-dispersion left to estimate
            continue
        if definite and decrement < tol:
            try:
                np.linalg.cholesky(-h[np.ix_(free, free)])
            except np.linalg.LinAlgError:
                return _Optimum(par, ll, False, "the information matrix is singular at the "
                                "estimates", free, it)
            return _Optimum(par, ll, True, "converged", free, it)
    return _Optimum(par, ll, False, f"no convergence in {maxiter} Newton steps", free, maxiter)


def _maximise_nb(fun, start, cap):
    """:func:`_maximise`, and where theta runs off towards infinity (no over-dispersion, the
    likelihood flattening out towards that of the Poisson model), theta held at its cap."""
    opt = _maximise(fun, start, cap=cap)
    if not opt.converged and opt.params[cap] > np.log(THETA_BOUNDARY):
        at_cap = opt.params.copy()
        at_cap[cap] = _LOG_THETA_MAX
        free = np.ones(len(at_cap), bool)
        free[cap] = False
        opt = _maximise(fun, at_cap, cap=cap, free=free)
    return opt


def _best(optima):
    """The converged optimum with the highest log-likelihood, else the best finite one."""
    finite = [o for o in optima if np.isfinite(o.loglik) and np.all(np.isfinite(o.params))]
    if not finite:
        return optima[0]
    return max(finite, key=lambda o: (o.converged, o.loglik))


def _ml_cov(hess, scores, free, robust, blocks=None):
    """Inverse observed information (or its HC0 sandwich) on the free parameters.

    A parameter held at a bound (log(theta) at its cap) gets zero variance and covariance, as
    a known constant. ``blocks``: index sets inverted separately (the hurdle's two parts), so
    that their cross-covariance is exactly zero.
    """
    k = len(free)
    bread = np.zeros((k, k))
    idx = np.flatnonzero(free)
    for b in ([idx] if blocks is None else [np.intersect1d(b, idx) for b in blocks]):
        with np.errstate(all="ignore"):
            try:
                bread[np.ix_(b, b)] = np.linalg.inv(-hess[np.ix_(b, b)])
            except np.linalg.LinAlgError:
                bread[np.ix_(b, b)] = np.nan
    if not robust:
        return bread
    s = scores * free
    return bread @ (s.T @ s) @ bread


def _zi_starts(d, negbin):
    """Starting values as R pscl::zeroinfl takes them (Poisson count, logit of zeros, theta 1),
    then from the NB fit, then from the NB fit with hardly any structural zeros."""
    pois = glm_fit(d.y, d.X, d.offset, sm.families.Poisson())
    zero = glm_fit((d.y == 0).astype(float), d.Z, None, sm.families.Binomial())
    g0 = np.asarray(zero.params)
    starts = [("poisson+logit", np.concatenate([pois.params, g0] + ([[0.0]] if negbin else [])))]
    nb = fit_negbin(d.y, d.X, d.offset)
    lt = min(np.log(nb.theta), _LOG_THETA_MAX)
    few = np.zeros(d.Z.shape[1])
    few[0] = -3.0 if np.allclose(d.Z[:, 0], 1) else 0.0
    for name, g in (("negbin+logit", g0), ("negbin, few structural zeros", few)):
        starts.append((name, np.concatenate([nb.params, g] + ([[lt]] if negbin else []))))
    return starts


def _fit_zero_inflated(d, robust, negbin):
    family = "zinb" if negbin else "zip"

    def fun(par):
        ll, scores, hess = _two_part_derivs(family, d, par)
        return ll.sum(), scores.sum(axis=0), hess

    optima = []
    for name, start in _zi_starts(d, negbin):
        opt = (_maximise_nb(fun, start, len(start) - 1) if negbin
               else _maximise(fun, start))
        opt.start = name
        optima.append(opt)
    best = _best(optima)
    params = best.params.copy()
    theta = float(np.exp(params[-1])) if negbin else None
    with np.errstate(all="ignore"):
        _, scores, hess = _two_part_derivs(family, d, params)
    cov = _ml_cov(hess, scores, best.free, robust)
    info = {"start": best.start, "iterations": best.iterations, "message": best.message,
            "starts_tried": {o.start: (o.converged, o.loglik) for o in optima},
            "free": best.free}
    return params, cov, theta, best.converged, info


def _fit_hurdle(d, robust):
    pos = d.y > 0
    p, q = d.X.shape[1], d.Z.shape[1]
    if pos.sum() <= p + 1:
        raise InputError(
            f"the hurdle model needs more positive counts than count-part parameters; found "
            f"{int(pos.sum())} participants with events for {p + 1} parameters."
        )
    zero = glm_fit(pos.astype(float), d.Z, d.offset, sm.families.Binomial())
    yp, Xp, op = d.y[pos], d.X[pos], d.offset[pos]

    def fun(par):
        der = _truncated_derivs(yp, Xp @ par[:p] + op, par[p])
        scores, hess = _assemble(der, {"e": Xp, "t": np.ones((len(yp), 1))})
        return der["l"].sum(), scores.sum(axis=0), hess

    nb = fit_negbin(yp, Xp, op)
    pois = glm_fit(yp, Xp, op, sm.families.Poisson())
    optima = []
    for name, start in (("negbin", np.append(nb.params, min(np.log(nb.theta), _LOG_THETA_MAX))),
                        ("poisson, theta 1", np.append(pois.params, 0.0))):
        opt = _maximise_nb(fun, start, p)
        opt.start = name
        optima.append(opt)
    best = _best(optima)
    params = np.concatenate([best.params[:p], np.asarray(zero.params), best.params[p:]])
    free = np.concatenate([best.free[:p], np.ones(q, bool), best.free[p:]])
    with np.errstate(all="ignore"):
        _, scores, hess = _two_part_derivs("hurdle_negbin", d, params)
    cov = _ml_cov(hess, scores, free, robust,
                  blocks=[np.r_[0:p, p + q], np.arange(p, p + q)])
    conv = best.converged and bool(zero.converged)
    message = best.message if not best.converged else (
        "converged" if zero.converged else "the logit hurdle did not converge")
    info = {"zero": zero, "start": best.start, "iterations": best.iterations,
            "message": message,
            "starts_tried": {o.start: (o.converged, o.loglik) for o in optima}, "free": free}
    return params, cov, float(np.exp(params[-1])), conv, info


def _split(fit: CountFit, params=None):
    """(eta_count, eta_zero, theta) at ``params`` on the fitted rows."""
    params = fit.params if params is None else params
    d = fit.design
    p = d.X.shape[1]
    eta = d.X @ params[:p] + d.offset
    zeta = None
    if d.Z is not None:
        q = d.Z.shape[1]
        zeta = d.Z @ params[p:p + q]
        if fit.family == "hurdle_negbin":
            zeta = zeta + d.offset
    theta = float(np.exp(params[-1])) if fit.family in ("negbin", "zinb", "hurdle_negbin") else None
    return eta, zeta, theta


def _check_counts(d: Design) -> None:
    y = d.y
    bad = (y < 0) | (y != np.round(y)) | ~np.isfinite(y)
    if bad.any():
        raise InputError(
            f"the outcome {d.outcome!r} must be a count (whole numbers >= 0); found "
            f"{int(bad.sum())} other values (e.g. {y[bad][0]!r})."
        )
    if y.sum() == 0:
        raise InputError(f"the outcome {d.outcome!r} has no events at all; nothing to model.")


def _fit(data, formula, exposure, family, robust, zero_formula, what="count_model",
         cluster=None) -> CountFit:
    check_one_of("family", family, FAMILIES)
    two_part = family in ("zip", "zinb", "hurdle_negbin")
    if two_part and zero_formula is None:
        zero_formula = formula.split("~", 1)[1]
    if cluster is not None:
        if robust:
            raise InputError("give either `robust=True` (HC0) or `cluster=` (CR2), not both.")
        if not isinstance(cluster, str):
            raise InputError(f"`cluster` must name a column (e.g. 'team'); got {cluster!r}.")
        require_columns(data, [cluster], where="data")
        data = drop_incomplete(data, [cluster], what=what, stacklevel=4,
                               why="rows without a cluster id cannot be assigned to a "
                                   "cluster; fill them in to keep them").frame
    d = build_design(data, formula, exposure=exposure, what=what,
                     zero_formula=zero_formula if two_part else None, stacklevel=4)
    _check_counts(d)
    if np.linalg.matrix_rank(d.X) < d.X.shape[1]:
        raise InputError(
            f"the terms of {formula!r} are collinear (design rank {np.linalg.matrix_rank(d.X)} "
            f"< {d.X.shape[1]} columns); drop a redundant term."
        )
    if family == "poisson":
        params, cov, theta, conv, res = _fit_poisson(d, robust)
    elif family == "negbin":
        params, cov, theta, conv, res = _fit_negbin(d, robust)
    elif family in ("zip", "zinb"):
        params, cov, theta, conv, res = _fit_zero_inflated(d, robust, family == "zinb")
    else:
        params, cov, theta, conv, res = _fit_hurdle(d, robust)
    used = [c for c in data.columns if c in _columns_of(data, formula, zero_formula, exposure)]
    if isinstance(res, dict):
        message = res["message"]
    else:
        message = "converged" if conv else "the IRLS iterations did not converge"
    fit = CountFit(family, d, params, cov, theta, np.zeros(d.n), conv, res,
                   data.loc[d.rows, used], message, vcov_type="HC0" if robust else "model")
    fit.loglik_obs = _loglik_obs(fit)
    if cluster is not None:
        _cluster_cov(fit, data.loc[d.rows, cluster].to_numpy(), cluster)
    return fit


def _cluster_cov(fit: CountFit, ids, name: str) -> None:
    """Replace the covariance of ``fit`` by CR2 with Satterthwaite df (module notes)."""
    codes, K = cluster_codes(ids, name=name)
    d = fit.design
    p = d.X.shape[1]
    sizes = np.bincount(codes)
    fit.cluster = {"cluster": name, "n_clusters": K, "cluster_size_min": int(sizes.min()),
                   "cluster_size_max": int(sizes.max()),
                   "single_row_clusters": int(np.sum(sizes == 1))}
    if fit.family in ("poisson", "negbin"):
        eta, _, theta = _split(fit)
        mu = np.exp(eta)
        var = mu if theta is None else mu + mu**2 / theta
        v = cr2_vcov(d.X * mu[:, None], 1 / var, d.y - mu, codes)
        cov = np.zeros_like(fit.cov)
        cov[:p, :p] = v.cov
        df = np.full(len(fit.params), np.inf)
        df[:p] = v.df
        if fit.family == "negbin":  # theta as known in the GLM (clubSandwich on glm.nb)
            cov[p, p] = fit.cov[p, p]
    else:
        cov, df = _cluster_two_part(fit, codes)
    fit.cov, fit.df, fit.vcov_type = cov, df, "CR2"


def _cluster_two_part(fit: CountFit, codes):
    r"""CR2 of a two-part model through its linearised working model (module notes).

    Each row contributes one working row per linear predictor it informs (count
    :math:`\eta`, zero :math:`\zeta`, :math:`\log\theta`; the hurdle's count part only for
    positive counts): design rows :math:`d` (the predictor's derivative in the parameters), the
    row's information block :math:`W_i` (minus the Hessian in the predictors, eigenvalues
    floored at 1e-10 of the largest so that it is positive definite), whitened by its
    Cholesky factor :math:`W_i = C_i C_i^\top`: :math:`\tilde d = C_i^\top d` and
    :math:`\tilde r = C_i^{-1} g_i` (:math:`g_i` the scores in the predictors), so that
    :math:`\sum \tilde d^\top \tilde r` is the score and :math:`\sum \tilde d^\top \tilde
    d` the (floored) information. CR2 is then the Bell-McCaffrey adjustment
    :math:`(I - \tilde H_{jj})^{-1/2}` of the whitened residuals with the hat matrix
    :math:`\tilde H = \tilde D M \tilde D^\top`, and the bread the inverse observed
    information. Satterthwaite df as for the GLMs.
    """
    d, family = fit.design, fit.family
    p, q = d.X.shape[1], d.Z.shape[1]
    free = fit.results["free"]
    k = len(fit.params)
    lt = fit.params[-1] if family != "zip" else None
    eta = d.X @ fit.params[:p] + d.offset
    if family in ("zip", "zinb"):
        der = _zi_derivs(d.y, eta, d.Z @ fit.params[p:p + q], lt)
        active = np.ones((d.n, 3), bool)
    else:
        pos = d.y > 0
        zeta = d.Z @ fit.params[p:p + q] + d.offset
        cder = _truncated_derivs(d.y, eta, lt)  # used on the positive rows only
        prob = np.exp(-np.logaddexp(0, -zeta))
        der = {key: np.where(pos, val, 0.0) for key, val in cder.items()}
        der.update(z=pos - prob, zz=-prob * (1 - prob))
        active = np.column_stack([pos, np.ones(d.n, bool), pos])
    keys = ["e", "z", "t"]
    if lt is None or not free[-1]:
        keys = ["e", "z"]
    cols = {"e": np.arange(p), "z": np.arange(p, p + q), "t": np.array([k - 1])}
    mats = {"e": d.X, "z": d.Z, "t": np.ones((d.n, 1))}
    design, resid, codes_w = [], [], []
    for i in range(d.n):
        use = [m for m, key in enumerate(keys) if active[i, m]]
        ks = [keys[m] for m in use]
        g = np.array([der[key][i] for key in ks])
        W = -np.array([[der.get(a + b, der.get(b + a, np.zeros(d.n)))[i] for b in ks]
                       for a in ks])
        val, vec = np.linalg.eigh(W)
        val = np.maximum(val, 1e-10 * max(val.max(), 1e-300))
        C = vec * np.sqrt(val)  # W = C C'
        rows = np.zeros((len(ks), k))
        for m, key in enumerate(ks):
            rows[m, cols[key]] = mats[key][i]
        design.append(C.T @ rows)
        resid.append(np.linalg.solve(C, g))
        codes_w.extend([codes[i]] * len(ks))
    design = np.vstack(design)
    _, scores, hess = _two_part_derivs(family, d, fit.params)
    model_cov = _ml_cov(hess, scores, free, False,
                        blocks=None if family != "hurdle_negbin"
                        else [np.r_[0:p, p + q], np.arange(p, p + q)])
    idx = np.flatnonzero(free)
    v = cr2_vcov(design[:, idx], np.ones(len(design)), np.concatenate(resid),
                 np.asarray(codes_w), bread=model_cov[np.ix_(idx, idx)])
    cov = np.zeros((k, k))
    cov[np.ix_(idx, idx)] = v.cov
    df = np.full(k, np.inf)
    df[idx] = v.df
    return cov, df


def _columns_of(data, formula, zero_formula, exposure):
    from ._design import _used_columns

    fs = [formula] + ([zero_formula] if zero_formula else [])
    return set(_used_columns(data, fs)) | ({exposure} if exposure else set())


# --------------------------------------------------------------------------- text
_FACTOR = re.compile(r"^(?:C\()?([A-Za-z_][A-Za-z0-9_]*)(?:,[^)]*)?\)?\[T\.(.+)\]$")


def _term_phrase(term: str, reference: str | None = None) -> str:
    """The subject of a sentence about ``term``, in the study's words (see
    :func:`glute_study.labels.term_phrase`)."""
    return term_phrase(term, reference=reference)


def _outcome_phrase(outcome: str) -> str:
    return outcome_phrase(outcome)


def _sentence(row, outcome, level, reference=None) -> str:
    phrase = _term_phrase(row["term"], reference)
    outcome = outcome_phrase(outcome)
    if row["component"] == "count":
        what = f"{outcome} rate" if row["family"] in ("poisson", "negbin") else (
            f"{outcome} rate among those at risk" if row["family"] != "hurdle_negbin"
            else f"{outcome} count among those with any event")
        label = "IRR"
    else:
        what = ("odds of being a structural zero" if row["family"] in ("zip", "zinb")
                else "odds of any event")
        label = "OR"
    ci = format_ci(row["ci_low"], row["ci_high"], level=level)
    return (f"{phrase} was associated with {percent_change(row['estimate'], what)} ({label} "
            f"{format_number(row['estimate'])}, {ci}, {format_p(row['p_value'])}).")


# --------------------------------------------------------------------------- diagnostics
def _overdispersion(d: Design, nb=None) -> dict[str, float]:
    """Cameron-Trivedi (NB2) auxiliary regression and the boundary-corrected LR test.

    ``nb`` is the output of :func:`_fit_negbin` on the same design, when already at hand.
    """
    pois = glm_fit(d.y, d.X, d.offset, sm.families.Poisson())
    mu = pois.mu
    aux = ((d.y - mu) ** 2 - d.y) / mu
    ols = sm.OLS(aux, mu).fit()
    alpha_ct = float(ols.params[0])
    t_ct = float(ols.tvalues[0])
    ll_p = float(np.sum(_ll_pois(d.y, mu)))
    nb = _fit_negbin(d, False) if nb is None else nb
    mu_nb = np.exp(d.X @ nb[0][:-1] + d.offset)
    ll_nb = float(np.sum(_ll_nb(d.y, mu_nb, nb[2])))
    lr = max(0.0, 2 * (ll_nb - ll_p)) if nb[2] < THETA_BOUNDARY else 0.0
    return {
        "ct_alpha": alpha_ct,
        "ct_z": t_ct,
        "ct_p_value": float(stats.norm.sf(t_ct)),
        "lr_stat": lr,
        "lr_p_value": float(0.5 * stats.chi2.sf(lr, 1)),
        "poisson_pearson_dispersion": float(np.sum((d.y - mu) ** 2 / mu) / (d.n - d.X.shape[1])),
    }


def _singular(fit: CountFit) -> bool:
    """The covariance matrix of the coefficients is not positive definite (no SEs)."""
    k = fit.design.X.shape[1] + (0 if fit.design.Z is None else fit.design.Z.shape[1])
    var = np.diag(fit.cov)[:k]
    return bool(not np.all(np.isfinite(var)) or np.any(var <= 0))


def _runaway_zero_part(fit: CountFit) -> bool:
    """A zero-part (logit) coefficient is beyond +-15: running off to infinity."""
    if fit.design.Z is None:
        return False
    p, q = fit.design.X.shape[1], fit.design.Z.shape[1]
    return bool(np.any(np.abs(fit.params[p:p + q]) > 15))


def _degenerate(fit: CountFit) -> str:
    """Why a converged fit still cannot be read, in words ("" when it can)."""
    if _runaway_zero_part(fit):
        return ("one of its zero-part coefficients ran off to infinity (no excess zeros in some "
                "group, or separation)")
    if _singular(fit):
        return "its covariance matrix is not positive definite (no standard errors)"
    return ""


def _warn_fit(fit: CountFit, events_per_param: float) -> None:
    model = f"{_FAMILY_WORDS.get(fit.family, fit.family)} model (family='{fit.family}')"
    if not fit.converged:
        warnings.warn(
            f"the {model} did not converge ({fit.message}); its estimates cannot "
            "be trusted. Simplify the model (fewer terms) or try another family.",
            FitWarning, stacklevel=3)
    if fit.theta is not None and fit.theta > THETA_BOUNDARY:
        warnings.warn(
            f"the negative-binomial dispersion is at its boundary (theta = {fit.theta:.3g}, "
            "i.e. no over-dispersion): the model has reduced to Poisson; use "
            "family='poisson' (or 'zip') instead.",
            FitWarning, stacklevel=3)
    if _singular(fit):
        warnings.warn(
            f"the covariance matrix of the {model} is not positive definite; standard "
            "errors and intervals are not available.", FitWarning, stacklevel=3)
    if _runaway_zero_part(fit):
        warnings.warn(
            f"a zero-part coefficient of the {model} is running off to infinity "
            "(no excess zeros in some group, or separation); its odds ratio is meaningless. "
            "Simplify `zero_formula` or use family='negbin'.",
            FitWarning, stacklevel=3)
    if events_per_param < _MIN_EVENTS_PER_PARAMETER:
        warnings.warn(
            f"only {events_per_param:.1f} events per estimated parameter (< "
            f"{_MIN_EVENTS_PER_PARAMETER}); estimates may be biased and intervals too narrow. "
            "Use fewer terms or more data.",
            FitWarning, stacklevel=3)


def _table(fit: CountFit, level: float) -> pd.DataFrame:
    d = fit.design
    p = d.X.shape[1]
    q = 0 if d.Z is None else d.Z.shape[1]
    df = np.full(len(fit.params), np.inf) if fit.df is None else fit.df
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.diag(fit.cov))
    coef = fit.params
    rows = []
    for i in range(p + q):
        comp = "count" if i < p else "zero"
        term = d.terms[i] if i < p else d.zero_terms[i - p]
        zval = coef[i] / se[i]
        # Wald z, or t with the CR2 Satterthwaite df (clubSandwich's coef_test / conf_int)
        ref = stats.norm if not np.isfinite(df[i]) else stats.t(df[i])
        z = ref.ppf(1 - (1 - level) / 2)
        if comp == "count":
            scale = "IRR"
        elif fit.family == "hurdle_negbin":
            scale = "OR (any event)"
        else:
            scale = "OR (structural zero)"
        with np.errstate(over="ignore"):  # a zero-part coefficient off to infinity: inf
            low, high = np.exp(coef[i] - z * se[i]), np.exp(coef[i] + z * se[i])
        rows.append({
            "term": term, "estimate": np.exp(coef[i]), "ci_low": low,
            "ci_high": high, "p_value": 2 * ref.sf(abs(zval)),
            "component": comp, "scale": scale, "coef": coef[i], "se": se[i], "z": zval,
            "df": df[i], "family": fit.family,
        })
    return pd.DataFrame(rows)


def count_model(
    data: pd.DataFrame,
    formula: str,
    *,
    exposure: str = "exposure_h",
    family: str = "negbin",
    robust: bool = False,
    zero_formula: str | None = None,
    cluster: str | None = None,
    level: float = 0.95,
) -> Result:
    """Fit a count regression of events with a log-exposure offset; report IRRs.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per participant (the analysis table) or per session.
    formula : str
        ``"hamstring_cramps ~ sitting_h_day + glute_nm_kg + age + C(sex)"`` (patsy syntax). Do
        not put the exposure in the formula: it enters as the offset.
    exposure : str
        Column with exposure hours; ``log(exposure)`` is the offset (must be positive).
    family : {"poisson", "negbin", "zip", "zinb", "hurdle_negbin"}
        See the module notes. ``"negbin"`` (the default) suits over-dispersed cramp counts.
    robust : bool
        Sandwich (HC0, as R ``sandwich::sandwich``) standard errors; for ``negbin`` with theta
        held at its estimate, as R does for ``glm.nb``. For ``zinb`` and ``hurdle_negbin`` the
        sandwich covers every parameter, log(theta) included (pscl's ``estfun`` leaves theta
        out, so R's sandwich differs there).
    zero_formula : str, optional
        Right-hand side of the zero part for two-part families; defaults to the count part's.
    cluster : str, optional
        Column of cluster ids (``"team"``): cluster-robust standard errors with the
        bias-reduced CR2 correction, and t intervals and p values on Satterthwaite degrees of
        freedom (column ``df``), as R ``clubSandwich::vcovCR(type = "CR2")`` with
        ``coef_test(test = "Satterthwaite")`` and ``conf_int``. For ``poisson`` and ``negbin``
        this is clubSandwich's GLM form exactly (for ``negbin`` theta is held at its estimate,
        as clubSandwich treats ``glm.nb``; log(theta) keeps its model-based variance). For the
        two-part families, which clubSandwich does not cover, CR2 is built on the linearised
        working model (:func:`_cluster_two_part`): bread the inverse observed information,
        the per-cluster scores, and the Bell-McCaffrey adjustment from its hat matrix; its CR0
        piece equals ``sandwich::vcovCL(type = "HC0")``. Rows without a cluster id are
        dropped with a warning; clusters of one row are allowed (their ``df`` is small); fewer
        than 2 clusters is an error. Not together with ``robust``.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    Result
        ``.table``: one row per coefficient, ``term`` as the formula names it, ``estimate`` =
        IRR (count part) or OR (zero part), Wald CIs; extra columns ``component`` ("count" /
        "zero"), ``scale``, ``coef`` (log scale), ``se``, ``z``, ``df`` (inf for Wald z, the
        Satterthwaite df with ``cluster``). With ``cluster`` the diagnostics add
        ``cluster``, ``n_clusters``, ``cluster_size_min``/``max``, ``single_row_clusters`` and
        ``vcov_type`` ("model", "HC0" or "CR2").
        ``.diagnostics``: n, dropped rows, events, events per parameter, log-likelihood, AIC,
        BIC, theta and its SE, over-dispersion tests (Cameron-Trivedi and the likelihood-ratio
        Poisson vs NB test with the boundary-corrected p, half the chi-square(1) tail),
        ``converged`` and ``convergence`` ("converged" or why not; then ``.text`` says the
        model did not converge instead of reporting its estimates). ``.model``: a
        :class:`CountFit` for :func:`predict_rates`.

    Raises
    ------
    InputError
        Non-positive exposure, an outcome that is not a count, collinear terms.

    Warns
    -----
    FitWarning
        No convergence, NB dispersion at its boundary (no over-dispersion), fewer than 10
        events per parameter.
    GluteStudyWarning
        Rows dropped for missing values.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"sitting_h_day": rng.normal(9, 1.5, 300),
    ...                    "exposure_h": rng.uniform(80, 160, 300)})
    >>> mu = df.exposure_h / 1000 * np.exp(1.5 + 0.1 * (df.sitting_h_day - 9))
    >>> df["cramps"] = rng.negative_binomial(1.2, 1.2 / (1.2 + mu))
    >>> res = count_model(df, "cramps ~ sitting_h_day")
    >>> res.table[["term", "estimate", "ci_low", "ci_high"]].round(2)
                term  estimate  ci_low  ci_high
    0      Intercept      0.00    0.00     0.00
    1  sitting_h_day      1.14    0.99     1.32
    >>> print(res.text)
    Each additional hour of daily sitting was associated with a 14 % higher cramp rate
    (IRR 1.14, 95 % CI 0.99 to 1.32, p = .070).
    """
    level = check_level(level)
    if exposure is None:
        raise InputError("`exposure` must name the exposure-hours column; rates need it.")
    fit = _fit(data, formula, exposure, family, robust, zero_formula, cluster=cluster)
    d = fit.design
    events = float(d.y.sum())
    epp = events / fit.n_params
    _warn_fit(fit, epp)
    table = _table(fit, level)
    k = fit.n_params
    diagnostics = {
        "family": family, "n": d.n, "n_dropped": d.n_dropped, "dropped_by": d.dropped_by,
        "events": events, "zeros": int((d.y == 0).sum()), "n_params": k,
        "events_per_parameter": epp, "log_lik": fit.loglik, "aic": -2 * fit.loglik + 2 * k,
        "bic": -2 * fit.loglik + np.log(d.n) * k, "converged": fit.converged,
        "theta": fit.theta,
        "theta_se": _theta_se(fit),
        "robust": robust, "vcov_type": fit.vcov_type, "exposure": exposure, "level": level,
        "cluster": cluster,
        **({} if fit.cluster is None else {k: v for k, v in fit.cluster.items()
                                           if k != "cluster"}),
        "overdispersion": _overdispersion(
            d, (fit.params, None, fit.theta) if family == "negbin" else None),
    }
    diagnostics["convergence"] = fit.message
    if fit.converged:
        sentences = [_sentence(r, d.outcome, level, d.reference_level(r["term"]))
                     for r in table.to_dict("records") if r["term"] != "Intercept"]
    else:  # estimates of a fit that did not converge are not findings
        sentences = [f"The {_FAMILY_NAMES[family]} model did not converge ({fit.message}); "
                     "its estimates are not reported as findings."]
    if fit.cluster is not None:
        k_cl = fit.cluster["n_clusters"]
        sentences.append(f"Standard errors are cluster-robust over {k_cl} "
                         f"{'teams' if cluster == 'team' else 'clusters'} (bias-reduced CR2), "
                         "with t intervals and p values on Satterthwaite degrees of freedom.")
    table = table.drop(columns="family")
    return Result(table, "\n".join(sentences), diagnostics=diagnostics, model=fit,
                  name=f"count_model ({family})", kind="count_model", level=level)


def _theta_se(fit: CountFit) -> float | None:
    """SE of theta by the delta method; NaN when theta sits at its boundary (held fixed)."""
    if fit.theta is None:
        return None
    var = fit.cov[-1, -1]
    if not (fit.theta < THETA_BOUNDARY and np.isfinite(var) and var > 0):
        return float("nan")
    return float(fit.theta * np.sqrt(var))


# --------------------------------------------------------------------------- comparison
def _vuong(ll1, ll2, k1, k2):
    """Vuong non-nested test as R pscl::vuong: raw, AIC- and BIC-corrected z and p."""
    m = ll1 - ll2
    n = len(m)
    sd = np.std(m, ddof=1)
    out = {}
    for name, corr in (("raw", 0.0), ("aic", k1 - k2), ("bic", (k1 - k2) * np.log(n) / 2)):
        v = (m.sum() - corr) / (sd * np.sqrt(n))
        out[name] = (float(v), float(stats.norm.sf(v) if v > 0 else stats.norm.cdf(v)))
    return out


def compare_count_models(
    data: pd.DataFrame,
    formula: str,
    *,
    exposure: str = "exposure_h",
    zero_formula: str | None = None,
    planned: str = "negbin",
) -> Result:
    """Fit every count family on one formula and compare them (AIC, BIC, LR and Vuong tests).

    Parameters
    ----------
    data : pandas.DataFrame
    formula : str
        As for :func:`count_model`.
    exposure : str
        Exposure-hours column (log offset).
    zero_formula : str, optional
        Zero part of the two-part families (default: the count part's terms).
    planned : str
        The family the analysis plan names; the text says whether the comparison supports it.

    Returns
    -------
    Result
        One row per family. ``estimate`` and ``p_value`` are the statistic and p of the test in
        ``comparison``: for ``negbin`` the likelihood-ratio chi-square against Poisson with the
        boundary-corrected p (half the chi-square(1) tail); for ``zip`` (vs ``poisson``),
        ``zinb`` and ``hurdle_negbin`` (vs ``negbin``) the raw Vuong z with its one-sided p in
        the direction it points (as R ``pscl::vuong``); ``favours`` names the better model. CIs
        are empty. Extra columns: ``df``, ``log_lik``, ``aic``, ``bic``, ``delta_aic``,
        ``vuong_aic_z``, ``vuong_aic_p``, ``vuong_bic_z``, ``vuong_bic_p``, ``converged``,
        ``ranked`` and ``note``. A family whose fit did not converge is left out of the
        ranking: its likelihood, AIC, BIC and tests are empty, ``ranked`` is False and
        ``note`` (and the text) says why; a test against a base model that did not converge
        is not made.

    Notes
    -----
    The Vuong test for zero inflation is common but disputed: the zero-inflated model nests the
    plain one at the boundary, so the test's premise of non-nested models fails (Wilson 2015).
    Read it alongside AIC and the substantive question.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> df = pd.DataFrame({"x": rng.normal(size=400), "exposure_h": rng.uniform(50, 150, 400)})
    >>> mu = df.exposure_h / 100 * np.exp(0.3 * df.x)
    >>> df["y"] = rng.negative_binomial(2.0, 2.0 / (2.0 + mu)) * (rng.random(400) > 0.3)
    >>> res = compare_count_models(df, "y ~ x", zero_formula="1")
    >>> res.table[["term", "df", "aic", "comparison"]].round(1)
                term  df     aic        comparison
    0        poisson   2  1019.5
    1         negbin   3   919.5     LR vs poisson
    2            zip   3   925.2  Vuong vs poisson
    3           zinb   4   918.2   Vuong vs negbin
    4  hurdle_negbin   4   923.8   Vuong vs negbin
    >>> res.table.loc[res.table.aic.idxmin(), "term"]
    'zinb'
    >>> print(res.text)
    The counts were over-dispersed (likelihood-ratio test of the negative-binomial against the
    Poisson model, chi-square 102.0, p < .001). The zero-inflated negative-binomial model had
    the lowest AIC, 1.3 below the planned negative-binomial model (differences under 2 are
    not meaningful); the planned model is reported as primary, and the zero-inflated
    negative-binomial model's fit is in the comparison.
    """
    fits: dict[str, CountFit] = {}
    for fam in FAMILIES:
        with warnings.catch_warnings():
            if fam != "poisson":  # every fit drops the same rows: the Poisson fit said so once
                warnings.filterwarnings("ignore", message="compare_count_models: dropped")
            fits[fam] = _fit(data, formula, exposure, fam, False, zero_formula,
                             "compare_count_models")
        _warn_fit(fits[fam], float(fits[fam].design.y.sum()) / fits[fam].n_params)
    rows = []
    for fam, fit in fits.items():
        n = fit.design.n
        k = fit.n_params
        ok = fit.converged and np.isfinite(fit.loglik)
        row = {"term": fam, "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan,
               "p_value": np.nan, "comparison": "", "favours": "", "df": k,
               "log_lik": fit.loglik if ok else np.nan,
               "aic": -2 * fit.loglik + 2 * k if ok else np.nan,
               "bic": -2 * fit.loglik + np.log(n) * k if ok else np.nan,
               "converged": fit.converged, "ranked": ok,
               "note": "" if ok else f"left out: did not converge ({fit.message})",
               "vuong_aic_z": np.nan, "vuong_aic_p": np.nan, "vuong_bic_z": np.nan,
               "vuong_bic_p": np.nan}
        base = {"negbin": "poisson", "zip": "poisson"}.get(fam, "negbin")
        base_ok = fam != "poisson" and fits[base].converged and np.isfinite(fits[base].loglik)
        if ok and fam != "poisson" and not base_ok:
            row["note"] = f"not tested: the {base} model did not converge"
        elif not ok or fam == "poisson":
            pass
        elif fam == "negbin":
            lr = max(0.0, 2 * (fit.loglik - fits["poisson"].loglik))
            if fit.theta is not None and fit.theta >= THETA_BOUNDARY:
                lr = 0.0
            p_lr = 0.5 * stats.chi2.sf(lr, 1)
            row.update(estimate=lr, p_value=p_lr, comparison="LR vs poisson",
                       favours="negbin" if p_lr < 0.05 else "poisson")
        else:
            v = _vuong(fit.loglik_obs, fits[base].loglik_obs, k, fits[base].n_params)
            row.update(estimate=v["raw"][0], p_value=v["raw"][1], comparison=f"Vuong vs {base}",
                       favours=fam if v["raw"][0] > 0 else base,
                       vuong_aic_z=v["aic"][0], vuong_aic_p=v["aic"][1],
                       vuong_bic_z=v["bic"][0], vuong_bic_p=v["bic"][1])
        rows.append(row)
    table = pd.DataFrame(rows)
    table["delta_aic"] = table["aic"] - table["aic"].min()
    text = _choice_text(table, fits, planned)
    d = fits["poisson"].design
    diagnostics = {"n": d.n, "n_dropped": d.n_dropped, "dropped_by": d.dropped_by}
    return Result(table, text, diagnostics=diagnostics, model=fits, name="compare_count_models",
                  level=None)


_FAMILY_WORDS = {"poisson": "Poisson", "negbin": "negative-binomial",
                 "zip": "zero-inflated Poisson", "zinb": "zero-inflated negative-binomial",
                 "hurdle_negbin": "hurdle negative-binomial"}


def _choice_text(table: pd.DataFrame, fits: dict, planned: str) -> str:
    """What the comparison found, in words: dispersion, the best family, the planned one."""
    check_one_of("planned", planned, FAMILIES)
    words = _FAMILY_WORDS
    rows = table.set_index("term")
    out = []
    nb = rows.loc["negbin"]
    if np.isfinite(nb["estimate"]):
        said = ("were over-dispersed" if nb["p_value"] < 0.05
                else "showed no significant over-dispersion")
        out.append(f"The counts {said} (likelihood-ratio test of the negative-binomial against "
                   f"the Poisson model, chi-square {nb['estimate']:.1f}, "
                   f"{format_p(nb['p_value'])}).")
    ranked = rows[rows["ranked"].astype(bool)]
    if len(ranked):
        best = str(ranked["aic"].idxmin())
        if best == planned:
            out.append(f"The planned {words[planned]} model had the lowest AIC.")
        elif planned in ranked.index:
            gap = float(ranked.loc[planned, "aic"] - ranked.loc[best, "aic"])
            small = " (differences under 2 are not meaningful)" if gap < 2 else ""
            why = _degenerate(fits[best])
            if why:
                out.append(f"The {words[best]} model had the lowest AIC, {gap:.1f} below the "
                           f"planned {words[planned]} model{small}, but {why}, so its estimates "
                           f"cannot be read; the planned model is reported as primary.")
            else:
                out.append(f"The {words[best]} model had the lowest AIC, {gap:.1f} below the "
                           f"planned {words[planned]} model{small}; the planned model is "
                           f"reported as primary, and the {words[best]} model's fit is in the "
                           "comparison.")
        else:
            why = _degenerate(fits[best])
            out.append(f"The {words[best]} model had the lowest AIC"
                       + (f", but {why}, so its estimates cannot be read." if why else "."))
    left_out = rows[~rows["ranked"].astype(bool)]
    if len(left_out):
        out.append("Left out of the comparison: " + "; ".join(
            f"the {words[t]} model (did not converge: {fits[t].message})"
            for t in left_out.index) + ".")
    return " ".join(out)


# --------------------------------------------------------------------------- prediction
def _log_rate(fit: CountFit, params, x, z, log_per):
    p = len(x)
    eta = x @ params[:p] + log_per
    mu = np.exp(eta)
    if fit.family in ("poisson", "negbin"):
        return eta
    q = len(z)
    zeta = z @ params[p:p + q]
    if fit.family in ("zip", "zinb"):
        return eta - np.logaddexp(0, zeta)  # log((1 - pi) mu)
    theta = np.exp(params[-1])
    log_p = -np.logaddexp(0, -(zeta + log_per))
    return log_p + eta - np.log(-np.expm1(_log_f0(mu, theta)))


def predict_rates(result: Result, newdata, *, per: float = 1000, level: float = 0.95) -> Result:
    """Predicted event rates per ``per`` hours, with CIs, at predictor values the user names.

    Parameters
    ----------
    result : Result
        From :func:`count_model`.
    newdata : pandas.DataFrame or dict
        One row per prediction. Predictors left out are held at their mean in the fitted data
        (the most common level for categorical ones); the text says so.
    per : float
        Hours of exposure the rate refers to.
    level : float
        Confidence level; the interval is computed on the log scale (delta method).

    Returns
    -------
    Result
        ``estimate`` = expected events per ``per`` h (for zero-inflated and hurdle models the
        overall mean, both parts combined); ``p_value`` is empty; the predictor values follow.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"sitting_h_day": rng.normal(9, 1.5, 300),
    ...                    "exposure_h": rng.uniform(80, 160, 300)})
    >>> mu = df.exposure_h / 1000 * np.exp(1.5 + 0.1 * (df.sitting_h_day - 9))
    >>> df["cramps"] = rng.negative_binomial(1.2, 1.2 / (1.2 + mu))
    >>> fit = count_model(df, "cramps ~ sitting_h_day")
    >>> pred = predict_rates(fit, {"sitting_h_day": [7, 11]})
    >>> pred.table[["term", "estimate", "ci_low", "ci_high"]].round(2)
                   term  estimate  ci_low  ci_high
    0   sitting_h_day=7      3.33    2.34     4.73
    1  sitting_h_day=11      5.68    4.00     8.07
    """
    fit = result
    while isinstance(fit, Result):  # also a Result wrapping count_model's (e.g. trial_rate_effect)
        fit = fit.model
    if not isinstance(fit, CountFit):
        raise InputError("`result` must come from count_model(); got "
                         f"{type(result).__name__}.")
    level = check_level(level)
    if not per > 0:
        raise InputError(f"`per` must be a positive number of hours; got {per!r}.")
    new = pd.DataFrame(newdata).reset_index(drop=True)
    if len(new) == 0:
        raise InputError("`newdata` has no rows to predict at.")
    filled = {}
    ref = fit.data.drop(columns=[fit.design.exposure, fit.design.outcome], errors="ignore")
    for col in ref.columns:
        if col not in new.columns:
            s = ref[col]
            if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
                filled[col] = float(s.mean())
            else:
                filled[col] = s.mode().iloc[0]
            new[col] = filled[col]
    X = new_matrix(fit.design, new)
    Z = new_matrix(fit.design, new, part="zero") if fit.design.Z is not None else None
    zq = stats.norm.ppf(1 - (1 - level) / 2)
    log_per = np.log(per)
    named = [c for c in pd.DataFrame(newdata).columns]
    rows = []
    for i in range(len(new)):
        x = X[i]
        z = None if Z is None else Z[i]
        g = _log_rate(fit, fit.params, x, z, log_per)
        if fit.family in ("poisson", "negbin"):
            jac = np.zeros(len(fit.params))
            jac[: len(x)] = x
        else:
            jac = np.empty(len(fit.params))
            for j in range(len(fit.params)):
                h = 1e-6 * max(1.0, abs(fit.params[j]))
                up, dn = fit.params.copy(), fit.params.copy()
                up[j] += h
                dn[j] -= h
                jac[j] = (_log_rate(fit, up, x, z, log_per)
                          - _log_rate(fit, dn, x, z, log_per)) / (2 * h)
        se = float(np.sqrt(jac @ fit.cov @ jac))
        label = ", ".join(f"{c}={new.loc[i, c]}" for c in named)
        row = {"term": label, "estimate": np.exp(g), "ci_low": np.exp(g - zq * se),
               "ci_high": np.exp(g + zq * se), "p_value": np.nan, "se_log": se, "per": per}
        row.update({c: new.loc[i, c] for c in named})
        rows.append(row)
    table = pd.DataFrame(rows)
    held = ("" if not filled else " Other predictors held at "
            + ", ".join(f"{k} = {format_number(v) if isinstance(v, float) else v}"
                        for k, v in filled.items()) + ".")
    lines = [f"At {r['term']}, the predicted rate was {format_number(r['estimate'])} per "
             f"{per:g} h ({format_ci(r['ci_low'], r['ci_high'], level=level)})." for r in rows]
    return Result(table, "\n".join(lines) + held, diagnostics={"held_at": filled, "per": per},
                  name="predict_rates", level=level)
