r"""Count mixed models: Poisson and negative-binomial GLMMs with random intercepts for teams and
athletes, fitted by the Laplace approximation as R ``glmmTMB`` does.

:func:`count_mixed_model` is the analysis (a formula and a data frame in, a :class:`Result`
out). Its table follows :func:`~glute_study.stats.count_model`: one row per fixed effect with the
incidence rate ratio as ``estimate`` and ``coef``/``se`` on the log scale, then one row per
random-effect SD (``sd_team``: ``estimate`` the SD of the random intercept on the log-rate
scale, ``coef``/``se`` its log) and, for the negative binomial, a ``theta`` row (the NB2 size,
``Var = mu + mu^2 / theta``; ``coef``/``se`` its log). The ``component`` column says which is
which (``"count"``, ``"random"``, ``"dispersion"``).

Model and fitting
-----------------
:math:`\log\mu_i = x_i'\beta + \log(\text{exposure}_i) + \sum_k b_{k, g_k(i)}` with
:math:`b_{k,\cdot} \sim N(0, \sigma_k^2)` for each grouping :math:`k` (``groups``). The
marginal likelihood is approximated by Laplace's method around the conditional modes of the
random effects, and maximised over :math:`(\beta, \log\sigma, \log\theta)` together, as
``glmmTMB`` (nlminb on the Laplace likelihood; ``lme4::glmer(nAGQ = 1)`` is the same
approximation for Poisson). The gradient is exact (implicit-function theorem); the covariance
is the inverse of minus the Hessian of the Laplace log-likelihood over all those parameters (as
``glmmTMB``'s ``sdreport``), by central differences of the exact gradient. With one grouping,
``method="aghq"`` replaces Laplace by adaptive Gauss-Hermite quadrature with ``n_quad`` nodes
per level (``lme4::glmer(nAGQ = n_quad)``). See :mod:`._count_mixed_kernels` for the algebra.

Groupings
---------
``groups="team"`` is one random intercept. Several, ``groups=("team", "participant_id")``, are
fitted as given: crossed and nested groupings are the same model as long as each id names one
unit. Nested ids that repeat across parents (athlete "1" in every team) must be combined:
write ``groups="team/participant_id"`` (as lme4's ``(1 | team/participant_id)``), which makes
the groupings ``team`` and ``participant_id`` within ``team``; the table calls the second
``sd_participant_id``. ``diagnostics["nested"]`` says which grouping lies within which, and
athlete ids given with ``("team", "participant_id")`` that meet several teams are warned about.
Ids may be numbers, text, booleans or categorical; a level with a single row is fine (it is
shrunk towards zero). ``exposure=None`` fits counts without an offset.

Boundaries
----------
A random-effect SD that goes to zero (no variation between teams beyond chance) is reported as
0 with no interval (a *singular* fit) and a :class:`~glute_study.errors.FitWarning`; the fixed
effects then equal those of the model without that grouping. ``theta`` is capped at ``1e8``;
above ``1e5`` there is no over-dispersion (the model has reduced to Poisson), as
:func:`~glute_study.stats.count_model` reports it.

Array entry points (for bootstrap, power and trial analyses)
-------------------------------------------------------------
:func:`fit_count_mixed_arrays` fits one model from arrays (``y``, ``X`` with its intercept
column, ``offset`` = log exposure, integer group codes) without any DataFrame work, and returns
a :class:`MixedFit` (``coef``, ``cov`` of every parameter, ``sd``, ``theta``, ``converged``...).
:func:`fit_count_mixed_batch` fits ``B`` single-grouping models at once (one simulated trial or
bootstrap replicate per row of ``y``), vectorised over replicates: every Newton step of every
replicate is a handful of array operations over all of them. ``power(design="cluster_trial")``
and ``trial_rate_effect(method="glmm")`` call these.

References
----------
Brooks, M. E. et al. (2017). glmmTMB balances speed and flexibility among packages for
zero-inflated generalized linear mixed modeling. *The R Journal*, 9(2), 378-400.
Bates, D., Maechler, M., Bolker, B. & Walker, S. (2015). Fitting linear mixed-effects models
using lme4. *Journal of Statistical Software*, 67(1).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._checks import check_level, check_one_of, require_columns
from ..errors import FitWarning, InputError
from ..labels import outcome_phrase
from ._count_mixed_kernels import (
    LOG_SD_MAX,
    LOG_SD_MIN,
    LOG_THETA_MAX,
    LOG_THETA_MIN,
    ManyGroupings,
    OneGrouping,
    obs_inner,
    optimise,
)
from ._design import _used_columns, build_design, drop_incomplete
from ._kernels import fit_batch, single_threaded_blas
from ._negbin import THETA_BOUNDARY
from ._result import Result, format_ci, format_number, z_of
from .counts import _MIN_EVENTS_PER_PARAMETER, _sentence

__all__ = ["BatchMixedFit", "MixedFit", "count_mixed_model", "fit_count_mixed_arrays",
           "fit_count_mixed_batch"]

FAMILIES = ("negbin", "poisson")
METHODS = ("laplace", "aghq")
#: Gradient (largest absolute component) above which a fit is reported as not converged
#: (glmmTMB warns above 1e-3 too).
GRAD_TOL = 1e-3
#: An SD below this is zero: a singular fit.
SD_ZERO = 1e-4
_FEW_LEVELS = 5
#: An SE of a log SD above this: the SD is not identified by the data.
_SE_UNIDENTIFIED = 20.0

_GROUP_PHRASES = {"team": "teams", "participant_id": "athletes", "week": "weeks",
                  "season": "seasons", "club": "clubs", "squad": "squads"}


# --------------------------------------------------------------------------- results of arrays
@dataclass(eq=False)
class MixedFit:
    """A fitted count mixed model (from :func:`fit_count_mixed_arrays`).

    Attributes
    ----------
    coef : ndarray (p,)
        Fixed effects, log scale.
    cov : ndarray (d, d)
        Covariance of ``params`` (inverse of minus the Hessian of the log-likelihood); rows and
        columns of a parameter on its boundary are NaN.
    params : ndarray (d,)
        ``(coef, log sd..., log theta)`` (no ``log theta`` for Poisson).
    sd : ndarray (K,)
        Random-intercept SDs (0 when on the boundary).
    theta : float or None
        NB2 size.
    loglik : float
        The maximised Laplace (or AGHQ) log-likelihood, comparable with R's ``logLik``.
    converged : bool
        Optimiser converged, gradient below :data:`GRAD_TOL` and Hessian positive definite
        (over the parameters not on a boundary).
    max_grad : float
    hessian_pd : bool
    sd_at_boundary : ndarray of bool (K,)
    theta_at_boundary : bool
    random_effects : list of ndarray
        Conditional modes of the random intercepts (log scale) of each grouping.
    n_iter : int
    family, method : str
    n_quad : int
    """

    coef: np.ndarray
    cov: np.ndarray
    params: np.ndarray
    sd: np.ndarray
    theta: float | None
    loglik: float
    converged: bool
    max_grad: float
    hessian_pd: bool
    sd_at_boundary: np.ndarray
    theta_at_boundary: bool
    random_effects: list = field(repr=False, default_factory=list)
    n_iter: int = 0
    family: str = "negbin"
    method: str = "laplace"
    n_quad: int = 1

    @property
    def se(self) -> np.ndarray:
        """Standard errors of ``params`` (NaN on a boundary)."""
        with np.errstate(invalid="ignore"):
            return np.sqrt(np.diag(self.cov))


@dataclass(eq=False)
class BatchMixedFit:
    """``B`` single-grouping count mixed models (from :func:`fit_count_mixed_batch`).

    Attributes
    ----------
    coef : ndarray (B, p)
    cov : ndarray (B, d, d)
        As :attr:`MixedFit.cov`, per replicate.
    sd, theta, loglik, max_grad : ndarray (B,)
        (``theta`` NaN for Poisson.)
    converged, hessian_pd, sd_at_boundary, theta_at_boundary : ndarray of bool (B,)
    n_iter : int
        Newton steps of the slowest replicate.
    """

    coef: np.ndarray
    cov: np.ndarray
    sd: np.ndarray
    theta: np.ndarray
    loglik: np.ndarray
    converged: np.ndarray
    max_grad: np.ndarray
    hessian_pd: np.ndarray
    sd_at_boundary: np.ndarray
    theta_at_boundary: np.ndarray
    n_iter: int

    @property
    def se(self) -> np.ndarray:
        """Standard errors of the fixed effects, (B, p)."""
        p = self.coef.shape[1]
        with np.errstate(invalid="ignore"):
            return np.sqrt(np.diagonal(self.cov, axis1=1, axis2=2)[:, :p])


# --------------------------------------------------------------------------- array fitting
def _sd_start(y, eta, theta, codes_list):
    """Log-SD starts from the score test at sd = 0 (the GLM fit): sigma^2 ~ c / info."""
    out = []
    for codes in codes_list:
        s, w = obs_inner(y, eta, theta)
        B = y.shape[0]
        G = int(codes.max()) + 1
        flat = (codes + G * np.arange(B)[:, None]).ravel()
        S = np.bincount(flat, s.ravel(), B * G).reshape(B, G)
        W = np.bincount(flat, w.ravel(), B * G).reshape(B, G)
        c = np.sum(S * S - W, axis=1)
        info = np.sum(W * W, axis=1)
        with np.errstate(divide="ignore", invalid="ignore"):
            s2 = np.where(c > 0, c / np.maximum(info, 1e-300), 0.0)
        out.append(np.log(np.clip(np.sqrt(s2), 0.05, 3.0)))
    return np.column_stack(out)


def _bounds(p, K, negbin):
    lower = np.r_[np.full(p, -np.inf), np.full(K, LOG_SD_MIN), [LOG_THETA_MIN] if negbin else []]
    upper = np.r_[np.full(p, np.inf), np.full(K, LOG_SD_MAX), [LOG_THETA_MAX] if negbin else []]
    return lower, upper


def _start(y, X, offset, codes_list, negbin, start):
    """Starting (beta, log sd, log theta) per replicate: the GLM, and the score-test SD."""
    p = X.shape[-1]
    K = len(codes_list)
    glm = fit_batch(X, y, family="negbin" if negbin else "poisson", offset=offset, cov=False)
    beta = glm.coef
    ok = np.all(np.isfinite(beta), axis=1)
    if not ok.all():  # a GLM that failed: start from the log of the mean rate
        rate = np.log(np.maximum(y.sum(1), 0.5) / np.exp(offset).sum(1))
        beta = np.where(ok[:, None], beta, 0.0)
        beta[~ok, 0] = rate[~ok]
    theta = np.minimum(np.where(np.isfinite(glm.theta), glm.theta, 1.0), 1e6) if negbin else None
    eta = (beta @ X.T if X.ndim == 2 else np.einsum("bnp,bp->bn", X, beta)) + offset
    ls = _sd_start(y, eta, None if theta is None else theta[:, None], codes_list)
    phi = np.column_stack([beta, ls] + ([np.log(theta)] if negbin else []))
    if start is not None:
        st = np.asarray(start, dtype=float)
        if st.shape[-1] != phi.shape[1]:
            raise InputError(f"`start` must hold {phi.shape[1]} values (fixed effects, log SD"
                             f"{'s' if K > 1 else ''}{', log theta' if negbin else ''}); got "
                             f"{st.shape[-1]}.")
        phi = np.broadcast_to(st, phi.shape).copy()
    return phi, p, K


def _covariance(H, phi, at_lower, at_upper, p, K, negbin):
    d = phi.size
    free = np.ones(d, dtype=bool)
    free[p:p + K] = ~at_lower[p:p + K]
    if negbin:
        free[-1] = ~at_upper[-1]
    cov = np.full((d, d), np.nan)
    A = -H[np.ix_(free, free)]
    pd_ok = False
    if np.all(np.isfinite(A)):
        ev = np.linalg.eigvalsh(A)
        pd_ok = bool(ev.min() > 1e-10 * max(1.0, ev.max()))
        if pd_ok:
            cov[np.ix_(free, free)] = np.linalg.inv(A)
    return cov, pd_ok, free


def _prepare_codes(group_codes, n):
    if isinstance(group_codes, np.ndarray) and group_codes.ndim == 2 and group_codes.shape[0] == n:
        codes = [group_codes[:, k] for k in range(group_codes.shape[1])]
    elif isinstance(group_codes, (list, tuple)):
        codes = list(group_codes)
    else:
        codes = [group_codes]
    out = []
    for c in codes:
        c = np.asarray(c)
        if c.shape != (n,) or not np.issubdtype(c.dtype, np.integer) or c.min() < 0:
            raise InputError(f"group codes must be integer arrays of length {n} with values "
                             f"0, 1, ...; got shape {c.shape}, dtype {c.dtype}.")
        _, c = np.unique(c, return_inverse=True)
        out.append(c.astype(np.int64))
    return out


def fit_count_mixed_arrays(
    y,
    X,
    offset,
    group_codes,
    family: str = "negbin",
    *,
    start=None,
    method: str = "laplace",
    n_quad: int | None = None,
) -> MixedFit:
    """Fit one Poisson or NB2 random-intercept model from arrays (no DataFrame work).

    Parameters
    ----------
    y : array (n,)
        Counts.
    X : array (n, p)
        Fixed-effects design, intercept column included.
    offset : array (n,)
        ``log(exposure)``.
    group_codes : int array (n,), (n, K) or list of K int arrays
        Level of each row in each grouping (any integers; relabelled 0, 1, ...).
    family : {"negbin", "poisson"}
    start : array (d,), optional
        ``(beta, log sd..., log theta)`` to start from (e.g. the fit to the full data).
    method : {"laplace", "aghq"}
        ``"aghq"`` needs a single grouping.
    n_quad : int, optional
        Quadrature nodes per level for ``"aghq"`` (default 10; 1 is Laplace).

    Returns
    -------
    MixedFit

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> team = np.repeat(np.arange(30), 20)
    >>> x = rng.normal(size=600)
    >>> mu = 0.5 * np.exp(0.3 * x + rng.normal(0, 0.5, 30)[team])
    >>> y = rng.negative_binomial(2.0, 2.0 / (2.0 + mu))
    >>> fit = fit_count_mixed_arrays(y, np.column_stack([np.ones(600), x]), np.zeros(600), team)
    >>> np.round(fit.coef, 3), np.round(fit.sd, 3), round(fit.theta, 2), fit.converged
    (array([-0.621,  0.273]), array([0.649]), 1.99, True)
    """
    check_one_of("family", family, FAMILIES)
    check_one_of("method", method, METHODS)
    negbin = family == "negbin"
    y = np.asarray(y, dtype=float).reshape(-1)
    n = y.size
    X = np.asarray(X, dtype=float)
    offset = np.asarray(offset, dtype=float).reshape(-1)
    if X.ndim != 2 or X.shape[0] != n or offset.shape != (n,):
        raise InputError(f"`X` must be (n, p) and `offset` (n,) with n = {n}; got {X.shape} and "
                         f"{offset.shape}.")
    codes = _prepare_codes(group_codes, n)
    n_quad = _check_quad(method, n_quad, len(codes))
    levels = [int(c.max()) + 1 for c in codes]
    K = len(codes)
    phi0, p, K = _start(y[None], X, offset[None], [c[None] for c in codes], negbin, start)
    if K == 1:
        prob = OneGrouping(y[None], X, offset[None], codes[0], levels[0], negbin, n_quad)
    else:
        prob = ManyGroupings(y, X, offset, codes, levels, negbin)
    f = _solve(prob, phi0, p, K, negbin)
    sd = f["sd"][0]
    u = f["u"][0]
    res = [sd[0] * u[: levels[0]]] if K == 1 else _split_modes(prob, u, sd)
    return MixedFit(
        coef=f["phi"][0, :p].copy(), cov=f["cov"][0], params=f["phi"][0], sd=sd,
        theta=float(f["theta"][0]) if negbin else None, loglik=float(f["ll"][0]),
        converged=bool(f["converged"][0]), max_grad=float(f["max_grad"][0]),
        hessian_pd=bool(f["pd"][0]), sd_at_boundary=f["sd_b"][0],
        theta_at_boundary=bool(f["theta_b"][0]), random_effects=res, n_iter=f["n_iter"],
        family=family, method=method, n_quad=n_quad)


def _solve(prob, phi0, p, K, negbin) -> dict[str, Any]:
    """Optimise every model of ``prob``; covariance, convergence and boundaries per model."""
    lower, upper = _bounds(p, K, negbin)
    with single_threaded_blas():  # small matrices: BLAS threads only spin and compete
        phi, ll, g, H, u, conv, at_lo, at_hi, n_iter = optimise(prob, phi0, lower, upper)
    B, d = phi.shape
    cov = np.full((B, d, d), np.nan)
    pd_ok = np.zeros(B, dtype=bool)
    max_grad = np.zeros(B)
    for r in range(B):  # small (d x d) linear algebra per model
        cov[r], pd_ok[r], free = _covariance(H[r], phi[r], at_lo[r], at_hi[r], p, K, negbin)
        if free.any():
            max_grad[r] = np.max(np.abs(g[r][free]))
    sd = np.exp(phi[:, p:p + K])
    sd_b = at_lo[:, p:p + K] | (sd < SD_ZERO)
    theta = np.exp(phi[:, -1]) if negbin else np.full(B, np.nan)
    return {"phi": phi, "ll": ll, "u": u, "cov": cov, "pd": pd_ok, "max_grad": max_grad,
            "converged": conv & (max_grad < GRAD_TOL) & pd_ok, "sd": np.where(sd_b, 0.0, sd),
            "sd_b": sd_b, "theta": theta,
            "theta_b": (theta > THETA_BOUNDARY) if negbin else np.zeros(B, dtype=bool),
            "n_iter": int(n_iter)}


def _split_modes(prob: ManyGroupings, u, sd):
    out = []
    for k in range(prob.K):
        if k == prob.kD:
            out.append(sd[k] * u[: prob.qD])
        else:
            lo, hi = prob.roff[k]
            out.append(sd[k] * u[prob.qD + lo: prob.qD + hi])
    return out


def _check_quad(method, n_quad, K):
    if method == "laplace":
        if n_quad not in (None, 1):
            raise InputError(f"`n_quad` is for method='aghq'; the Laplace approximation uses one "
                             f"node (got n_quad={n_quad!r}).")
        return 1
    if K != 1:
        raise InputError(f"method='aghq' needs a single grouping (got {K}); use "
                         "method='laplace' for several.")
    n_quad = 10 if n_quad is None else n_quad
    if not isinstance(n_quad, (int, np.integer)) or isinstance(n_quad, bool) or \
            not 1 <= n_quad <= 50:
        raise InputError(f"`n_quad` must be a whole number from 1 to 50; got {n_quad!r}.")
    return int(n_quad)


def fit_count_mixed_batch(
    y,
    X,
    offset,
    group_codes,
    family: str = "negbin",
    *,
    start=None,
    method: str = "laplace",
    n_quad: int | None = None,
) -> BatchMixedFit:
    """Fit ``B`` single-grouping count mixed models at once, vectorised over replicates.

    Parameters
    ----------
    y : array (B, n)
        Counts, one replicate (simulated trial, bootstrap sample) per row.
    X : array (n, p) shared or (B, n, p)
    offset : array (n,) shared or (B, n)
    group_codes : int array (n,) shared or (B, n)
        Levels 0..G-1 (a level with no rows in a replicate is harmless).
    family : {"negbin", "poisson"}
    start : array (d,) or (B, d), optional
    method, n_quad
        As :func:`fit_count_mixed_arrays`.

    Returns
    -------
    BatchMixedFit

    Examples
    --------
    >>> rng = np.random.default_rng(4)
    >>> team = np.repeat(np.arange(20), 15)
    >>> arm = (team % 2).astype(float)
    >>> mu = 0.8 * np.exp(-0.3 * arm + rng.normal(0, 0.4, (50, 20))[:, team])
    >>> y = rng.poisson(mu)
    >>> X = np.column_stack([np.ones(300), arm])
    >>> fits = fit_count_mixed_batch(y, X, np.zeros(300), team, "poisson")
    >>> fits.coef.shape, bool(fits.converged.all())
    ((50, 2), True)
    """
    check_one_of("family", family, FAMILIES)
    check_one_of("method", method, METHODS)
    negbin = family == "negbin"
    y = np.asarray(y, dtype=float)
    if y.ndim != 2:
        raise InputError(f"`y` must be (B, n); got shape {y.shape}.")
    B, n = y.shape
    X = np.asarray(X, dtype=float)
    offset = np.broadcast_to(np.asarray(offset, dtype=float), (B, n)).copy()
    codes = np.asarray(group_codes)
    if not np.issubdtype(codes.dtype, np.integer) or codes.min() < 0:
        raise InputError("`group_codes` must be non-negative integers (levels 0, 1, ...).")
    codes = np.broadcast_to(codes.astype(np.int64), (B, n))
    G = int(codes.max()) + 1
    n_quad = _check_quad(method, n_quad, 1)
    phi0, p, K = _start(y, X, offset, [codes], negbin, start)
    prob = OneGrouping(y, X, offset, codes, G, negbin, n_quad)
    f = _solve(prob, phi0, p, 1, negbin)
    return BatchMixedFit(
        coef=f["phi"][:, :p].copy(), cov=f["cov"], sd=f["sd"][:, 0], theta=f["theta"],
        loglik=f["ll"], converged=f["converged"], max_grad=f["max_grad"], hessian_pd=f["pd"],
        sd_at_boundary=f["sd_b"][:, 0], theta_at_boundary=f["theta_b"], n_iter=f["n_iter"])


# --------------------------------------------------------------------------- data frames
def _groupings(groups) -> list[tuple[str, list[str]]]:
    """``groups`` -> [(name, columns that define it)]; ``"a/b"`` -> a, and b within a."""
    if isinstance(groups, str):
        items = [groups]
    elif isinstance(groups, (list, tuple)) and groups and all(isinstance(g, str) for g in groups):
        items = list(groups)
    else:
        raise InputError("`groups` must name a column ('team'), several "
                         "(('team', 'participant_id')) or a nesting ('team/participant_id'); got "
                         f"{groups!r}.")
    out: list[tuple[str, list[str]]] = []
    for item in items:
        parts = [s.strip() for s in item.split("/")]
        if any(not s for s in parts):
            raise InputError(f"`groups` entry {item!r} has an empty name.")
        for j in range(len(parts)):
            out.append((parts[j], parts[: j + 1]))
    names = [n for n, _ in out]
    dup = sorted({n for n in names if names.count(n) > 1})
    if dup:
        raise InputError(f"`groups` names {', '.join(map(repr, dup))} twice; give each grouping "
                         "once.")
    return out


def _codes_of(frame: pd.DataFrame, cols: list[str]) -> tuple[np.ndarray, int]:
    if len(cols) == 1:
        codes, uniques = pd.factorize(frame[cols[0]], sort=False)
        return codes.astype(np.int64), len(uniques)
    key = pd.MultiIndex.from_frame(frame[cols].astype(str))
    codes, uniques = pd.factorize(key)
    return codes.astype(np.int64), len(uniques)


def _nesting(names, codes) -> dict[str, bool]:
    """Whether each grouping lies within each other one ("participant_id in team": True).

    Athletes in the codebook have one id each; ids that meet several teams are taken as given
    (crossed), which is wrong when the ids restart within every team: warned.
    """
    out = {}
    for i, a in enumerate(names):
        for j, b in enumerate(names):
            if i == j:
                continue
            pairs = np.unique(np.column_stack([codes[i], codes[j]]), axis=0)
            out[f"{a} in {b}"] = bool(np.unique(pairs[:, 0]).size == pairs.shape[0])
    if "participant_id" in names and "team" in names and not out["participant_id in team"]:
        warnings.warn(
            "some participant ids occur in more than one team; they are taken as one athlete "
            "each (crossed with team). If the ids restart within each team, write "
            "groups='team/participant_id'.", FitWarning, stacklevel=4)
    return out


def _check_counts(y, outcome):
    bad = (y < 0) | (y != np.round(y)) | ~np.isfinite(y)
    if bad.any():
        raise InputError(f"the outcome {outcome!r} must be a count (whole numbers >= 0); found "
                         f"{int(bad.sum())} other values (e.g. {y[bad][0]!r}).")
    if y.sum() == 0:
        raise InputError(f"the outcome {outcome!r} has no events at all; nothing to model.")


def _table(fit: MixedFit, terms, names, level) -> pd.DataFrame:
    with np.errstate(over="ignore", invalid="ignore"):  # a huge SE gives an infinite bound
        return _table_rows(fit, terms, names, level)


def _table_rows(fit: MixedFit, terms, names, level) -> pd.DataFrame:
    z = z_of(level)
    se = fit.se
    rows = []
    p = len(terms)
    for i, term in enumerate(terms):
        c, s = fit.params[i], se[i]
        zval = c / s
        rows.append({"term": term, "estimate": np.exp(c), "ci_low": np.exp(c - z * s),
                     "ci_high": np.exp(c + z * s), "p_value": 2 * stats.norm.sf(abs(zval)),
                     "component": "count", "scale": "IRR", "coef": c, "se": s, "z": zval})
    for k, name in enumerate(names):
        j = p + k
        at0 = bool(fit.sd_at_boundary[k])
        c = np.nan if at0 else fit.params[j]  # log(0): left empty
        s = np.nan if at0 else se[j]
        rows.append({"term": f"sd_{name}", "estimate": fit.sd[k],
                     "ci_low": np.nan if at0 else np.exp(c - z * s),
                     "ci_high": np.nan if at0 else np.exp(c + z * s), "p_value": np.nan,
                     "component": "random", "scale": "SD (log rate)", "coef": c, "se": s,
                     "z": np.nan})
    if fit.theta is not None:
        c = fit.params[-1]
        s = np.nan if fit.theta_at_boundary else se[-1]
        rows.append({"term": "theta", "estimate": fit.theta, "ci_low": np.exp(c - z * s),
                     "ci_high": np.exp(c + z * s), "p_value": np.nan, "component": "dispersion",
                     "scale": "theta (NB2 size)", "coef": c, "se": s, "z": np.nan})
    return pd.DataFrame(rows)


def _warn(fit: MixedFit, names, n_levels, events_per_param):
    if not fit.converged:
        why = []
        if fit.max_grad >= GRAD_TOL:
            why.append(f"largest gradient {fit.max_grad:.2g}")
        if not fit.hessian_pd:
            why.append("Hessian not positive definite: a grouping may be redundant, or an SD "
                       "not identified")
        warnings.warn(
            f"the count mixed model did not converge ({'; '.join(why) or 'iteration limit'}); its "
            "estimates cannot be trusted. Simplify the model (fewer terms or groupings).",
            FitWarning, stacklevel=3)
    for k, name in enumerate(names):
        if fit.sd_at_boundary[k]:
            warnings.warn(
                f"the random-intercept SD of {name!r} is on its boundary (0): a singular fit; "
                f"the data show no variation between levels of {name!r} beyond chance, and the "
                "fixed effects equal those of the model without that grouping.",
                FitWarning, stacklevel=3)
        elif fit.se[len(fit.coef) + k] > _SE_UNIDENTIFIED:
            warnings.warn(
                f"the random-intercept SD of {name!r} is hardly identified by the data (SE of its "
                f"log {fit.se[len(fit.coef) + k]:.3g}); another grouping may explain the same "
                "variation (the same partition twice, or one level per row with the "
                "negative binomial's own dispersion). Drop a grouping.",
                FitWarning, stacklevel=3)
        if n_levels[k] < _FEW_LEVELS:
            warnings.warn(
                f"{name!r} has only {n_levels[k]} levels; a random-effect SD from fewer than "
                f"{_FEW_LEVELS} levels is poorly estimated.", FitWarning, stacklevel=3)
    if fit.theta_at_boundary:
        warnings.warn(
            f"the negative-binomial dispersion is at its boundary (theta = {fit.theta:.3g}, i.e. "
            "no over-dispersion): the model has reduced to Poisson; use family='poisson' "
            "instead.", FitWarning, stacklevel=3)
    if events_per_param < _MIN_EVENTS_PER_PARAMETER:
        warnings.warn(
            f"only {events_per_param:.1f} events per estimated parameter (< "
            f"{_MIN_EVENTS_PER_PARAMETER}); estimates may be biased and intervals too narrow. "
            "Use fewer terms or more data.", FitWarning, stacklevel=3)


def _sd_sentence(row, name, outcome, level):
    what = _GROUP_PHRASES.get(name, f"levels of {name}")
    outcome = outcome_phrase(outcome)
    if row["estimate"] == 0:
        return (f"The {outcome} rate did not vary between {what} beyond chance (random-intercept "
                "SD estimated at 0, a singular fit).")
    ratio = np.exp(row["estimate"])
    return (f"The {outcome} rate varied between {what} (random-intercept SD "
            f"{format_number(row['estimate'])} on the log scale, "
            f"{format_ci(row['ci_low'], row['ci_high'], level=level)}; one SD multiplies the "
            f"rate by {format_number(ratio)}).")


def count_mixed_model(
    data: pd.DataFrame,
    formula: str,
    *,
    exposure: str | None = "exposure_h",
    groups: str | tuple[str, ...] = "team",
    family: str = "negbin",
    method: str = "laplace",
    n_quad: int | None = None,
    level: float = 0.95,
) -> Result:
    """Fit a Poisson or negative-binomial mixed model with random intercepts; report IRRs.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per athlete, or per session or period (several rows per athlete).
    formula : str
        Fixed effects, ``"cramps ~ sitting_h_day + C(arm)"`` (patsy syntax); no exposure (it is
        the offset) and no random-effect terms (they come from ``groups``).
    exposure : str or None
        Column of exposure hours; ``log(exposure)`` is the offset. ``None`` fits counts
        without an offset (equal exposure, e.g. fixed-length periods).
    groups : str or tuple of str
        Grouping columns with a random intercept each: ``"team"``, ``("team",
        "participant_id")`` (nested with unique ids, or crossed) or ``"team/participant_id"``
        (nested, ids combined within team). See the module notes.
    family : {"negbin", "poisson"}
        NB2 (``glmmTMB`` ``nbinom2``) or Poisson.
    method : {"laplace", "aghq"}
        The Laplace approximation (as glmmTMB), or adaptive Gauss-Hermite quadrature for a
        single grouping (as ``lme4::glmer(nAGQ = n_quad)``).
    n_quad : int, optional
        Quadrature nodes for ``"aghq"`` (default 10).
    level : float
        Confidence level of the Wald intervals.

    Returns
    -------
    Result
        ``.table``: one row per fixed effect (``estimate`` = IRR, ``coef``/``se``/``z`` on the
        log scale, Wald CI and p), then ``sd_<grouping>`` rows (SD of the random intercept on
        the log-rate scale, CI from the log-SD's Wald interval; ``coef``/``se`` are log SD and
        its SE) and a ``theta`` row for the negative binomial; ``component`` is ``"count"``,
        ``"random"`` or ``"dispersion"``. ``.diagnostics``: n, dropped rows, events, levels
        per grouping, SDs, theta, log-likelihood, AIC, BIC, convergence (largest gradient,
        Hessian), boundary flags, the full covariance. ``.model``: the :class:`MixedFit`.

    Raises
    ------
    InputError
        Missing columns, a non-count outcome, non-positive exposure, a grouping with fewer than
        two levels, collinear terms.

    Warns
    -----
    FitWarning
        No convergence, an SD on its boundary (singular fit), theta at its boundary, fewer
        than five levels in a grouping, fewer than 10 events per parameter.
    GluteStudyWarning
        Rows dropped for missing values.

    Examples
    --------
    >>> rng = np.random.default_rng(7)
    >>> team = np.repeat([f"T{i:02d}" for i in range(30)], 12)
    >>> df = pd.DataFrame({"team": team, "sitting_h_day": rng.normal(9, 1.5, 360),
    ...                    "exposure_h": rng.uniform(80, 160, 360)})
    >>> b = dict(zip(np.unique(team), rng.normal(0, 0.5, 30)))
    >>> mu = df.exposure_h / 1000 * np.exp(1.5 + 0.1 * (df.sitting_h_day - 9) + df.team.map(b))
    >>> df["cramps"] = rng.negative_binomial(1.5, 1.5 / (1.5 + mu))
    >>> res = count_mixed_model(df, "cramps ~ sitting_h_day")
    >>> res.table[["term", "estimate", "ci_low", "ci_high"]].round(2)
                term  estimate  ci_low  ci_high
    0      Intercept      0.00    0.00     0.01
    1  sitting_h_day      1.09    0.97     1.22
    2        sd_team      0.60    0.40     0.89
    3          theta      4.79    1.17    19.60
    >>> print(res.text)
    Each additional hour of daily sitting was associated with a 9 % higher cramp rate
    (IRR 1.09, 95 % CI 0.97 to 1.22, p = .151).
    The cramp rate varied between teams (random-intercept SD 0.60 on the log scale, 95 % CI 0.40
    to 0.89; one SD multiplies the rate by 1.82).
    """
    level = check_level(level)
    check_one_of("family", family, FAMILIES)
    check_one_of("method", method, METHODS)
    if not isinstance(formula, str) or "~" not in formula:
        raise InputError(
            f"`formula` must be a string like 'cramps ~ sitting_h_day + age'; got {formula!r}.")
    if "|" in formula:
        raise InputError(f"`formula` {formula!r} has a random-effect term; give the grouping "
                         "columns as groups=('team', ...) instead.")
    grp = _groupings(groups)
    n_quad = _check_quad(method, n_quad, len(grp))
    group_cols = list(dict.fromkeys(c for _, cols in grp for c in cols))
    expo = [] if exposure is None else [exposure]
    require_columns(data, group_cols + expo, where="data")
    used = _used_columns(data, [formula]) + expo + group_cols
    complete = drop_incomplete(data, used, what="count_mixed_model", stacklevel=3)
    frame = complete.frame
    if len(frame) == 0:
        raise InputError(f"no complete rows left in data for {formula!r}.")
    d = build_design(frame, formula, exposure=exposure, what="count_mixed_model")
    frame = frame.loc[d.rows]
    _check_counts(d.y, d.outcome)
    if np.linalg.matrix_rank(d.X) < d.X.shape[1]:
        raise InputError(
            f"the terms of {formula!r} are collinear (design rank {np.linalg.matrix_rank(d.X)} "
            f"< {d.X.shape[1]} columns); drop a redundant term.")
    codes, n_levels = [], []
    for name, cols in grp:
        c, q = _codes_of(frame, cols)
        if q < 2:
            raise InputError(f"grouping {name!r} has {q} level in the complete rows; a random "
                             "intercept needs at least two (drop it from `groups`).")
        codes.append(c)
        n_levels.append(q)
    names = [n for n, _ in grp]
    nesting = _nesting(names, codes)
    fit = fit_count_mixed_arrays(d.y, d.X, d.offset, codes, family, method=method,
                                 n_quad=n_quad)
    k = fit.params.size
    events = float(d.y.sum())
    _warn(fit, names, n_levels, events / k)
    table = _table(fit, d.terms, names, level)
    sizes = {name: {"levels": q, "min_rows": int(np.bincount(c).min()),
                    "max_rows": int(np.bincount(c).max())}
             for name, q, c in zip(names, n_levels, codes)}
    diagnostics = {
        "family": family, "method": method, "n_quad": fit.n_quad, "n": d.n,
        "n_dropped": complete.n_dropped, "dropped_by": complete.dropped_by, "events": events,
        "groups": names, "levels": sizes, "nested": nesting, "n_params": k,
        "sd": dict(zip(names, map(float, fit.sd))),
        "sd_at_boundary": dict(zip(names, map(bool, fit.sd_at_boundary))),
        "singular": bool(fit.sd_at_boundary.any()),
        "theta": fit.theta,
        "theta_se": None if fit.theta is None else float(fit.theta * fit.se[-1]),
        "theta_at_boundary": fit.theta_at_boundary,
        "log_lik": fit.loglik, "aic": -2 * fit.loglik + 2 * k,
        "bic": -2 * fit.loglik + np.log(d.n) * k, "converged": fit.converged,
        "max_grad": fit.max_grad, "hessian_pd": fit.hessian_pd, "n_iter": fit.n_iter,
        "cov": fit.cov, "exposure": exposure, "level": level,
    }
    records = table.to_dict("records")
    sentences = [_sentence({**r, "family": family}, d.outcome, level, d.reference_level(r["term"]))
                 for r in records if r["component"] == "count" and r["term"] != "Intercept"]
    sentences += [_sd_sentence(r, name, d.outcome, level)
                  for r, name in zip([r for r in records if r["component"] == "random"], names)]
    return Result(table, "\n".join(sentences), diagnostics=diagnostics, model=fit,
                  name=f"count_mixed_model ({family}, {method})", kind="count_mixed_model",
                  level=level)
