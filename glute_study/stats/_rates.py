r"""The engines behind :func:`~glute_study.stats.incidence` and :func:`~.stats.rate_ratio`.

Each engine takes one row per athlete (or per session) - an event count :math:`k_i`, exposure
hours :math:`T_i` and a group code - and returns, per group, the rate per hour with its interval
and, per group against a reference, the rate ratio with its interval and p-value.

Methods
-------
``negbin``
    NB2 regression with :math:`\log T_i` as offset (R ``MASS::glm.nb``), one coefficient per
    group (cell means) for the rates and reference coding for the ratios, which are the same
    fit. Wald intervals and z tests on the log scale (``confint.default``, ``summary``). The
    counts of one athlete may be over-dispersed in any degree; the size :math:`\theta` is
    estimated.
``quasipoisson``
    The Poisson estimates (the crude rates :math:`\sum k / \sum T` and their ratios) with the
    variance scaled by the Pearson dispersion :math:`\hat\phi = X^2 / (n - G)` and t on
    :math:`n - G` df (R ``glm(family = quasipoisson)``).
``bootstrap``
    The crude rates and ratios, BCa intervals from resampling athletes within groups (or teams,
    ``cluster=``: within groups when each team lies in one group, whole otherwise), the
    acceleration from the jackknife over the same units, and the p-value at which a BCa limit
    reaches a ratio of 1 (:mod:`glute_study.stats._bootstrap`).
``exact``
    Garwood intervals for rates (R ``poisson.test(k, T)``) and the conditional binomial for
    ratios (Clopper-Pearson interval, two-sided binomial test; ``poisson.test(c(k1, k0),
    c(T1, T0))``): exact when events are independent, too narrow when they are not.
``score``, ``wald``
    Ratios only, on the same conditional binomial: the Wilson interval with the score test, and
    the normal interval of the log ratio.

With ``cluster`` codes (teams), ``negbin`` and ``quasipoisson`` replace the model covariance by
the bias-reduced CR2 sandwich on the working GLM (the Poisson working model for quasipoisson),
with t intervals and tests on Satterthwaite degrees of freedom
(:mod:`glute_study.stats._cluster`; R ``clubSandwich::vcovCR`` + ``coef_test``), which holds with
10-20 teams per group where the plain sandwich is too narrow.

A group without events has rate 0; its upper limit is the rate at which no event would be seen
with probability :math:`(1 - \text{level})/2`: :math:`-\log(\alpha/2) / \sum T` under Poisson (the
Garwood limit), the root of :math:`\theta \sum_i \log(1 + \lambda T_i / \theta) = -\log(\alpha/2)`
under the fitted NB, and the Garwood limit times :math:`\hat\phi` under quasipoisson. A ratio
with such a group (or against one) has no Wald or bootstrap interval; it gets the exact
conditional interval, named as such (``ratio_method``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import statsmodels.api as sm
from scipy import optimize, stats

from ..errors import InputError
from ._bootstrap import bca_limits, bca_p
from ._cluster import cr2_vcov
from ._negbin import THETA_BOUNDARY, fit_negbin, glm_fit

__all__ = ["RATE_METHODS", "RATIO_METHODS", "RateFit", "fit_rates", "pearson_dispersion"]

#: Methods for rates; ratios add the conditional-binomial ``score`` and ``wald``.
RATE_METHODS = ("negbin", "quasipoisson", "bootstrap", "exact")
RATIO_METHODS = (*RATE_METHODS, "score", "wald")
_BOOT_BLOCK = 4_000_000  # replicate x unit cells drawn at a time (bounded memory)


@dataclass(eq=False)
class RateFit:
    """Rates per hour by group and ratios against the reference (NaN at the reference).

    ``rate_df`` and ``ratio_df`` are the degrees of freedom of t intervals (inf for z).
    ``ratio_method`` names the method each ratio actually used (``"exact"`` where a group has no
    events). ``info`` holds the dispersion (``pearson_phi``, ``theta``), clusters and seed.
    """

    method: str
    rate: np.ndarray
    rate_low: np.ndarray
    rate_high: np.ndarray
    rate_df: np.ndarray
    ratio: np.ndarray
    ratio_low: np.ndarray
    ratio_high: np.ndarray
    ratio_p: np.ndarray
    ratio_df: np.ndarray
    ratio_coef: np.ndarray
    ratio_se: np.ndarray
    ratio_method: list = field(default_factory=list)
    info: dict = field(default_factory=dict)


def pearson_dispersion(k: np.ndarray, t: np.ndarray, g: np.ndarray, n_groups: int) -> float:
    r"""Pearson :math:`X^2/(n - G)` of the Poisson model with one rate per group.

    Rows without exposure are left out (as the models leave them out); rows of a group without
    events have residual 0 and count in :math:`n`, as in R's ``glm``.

    Examples
    --------
    >>> k = np.array([0, 4, 1, 7.0]); t = np.array([100.0, 100, 100, 100])
    >>> round(pearson_dispersion(k, t, np.zeros(4, int), 1), 4)
    3.3333
    """
    use = t > 0
    k, t, g = k[use], t[use], g[use]
    big_k = np.bincount(g, weights=k, minlength=n_groups)
    big_t = np.bincount(g, weights=t, minlength=n_groups)
    mu = np.divide(big_k, big_t, out=np.zeros(n_groups), where=big_t > 0)[g] * t
    df = k.size - n_groups
    if df <= 0:
        return float("nan")
    pos = mu > 0
    return float(np.sum((k[pos] - mu[pos]) ** 2 / mu[pos]) / df)


def _garwood(k: float, t: float, level: float) -> tuple[float, float]:
    a = 1 - level
    low = 0.0 if k == 0 else stats.chi2.ppf(a / 2, 2 * k) / 2
    return low / t, stats.chi2.ppf(1 - a / 2, 2 * k + 2) / 2 / t


def _to_irr(p, t1, t0):
    with np.errstate(divide="ignore"):
        return np.inf if p >= 1 else p / (1 - p) * t0 / t1


def conditional_ratio(k1, t1, k0, t0, method, level):
    """IRR of (k1, t1) against (k0, t0) on the conditional binomial: (irr, low, high, p).

    Examples
    --------
    >>> [round(float(v), 4) for v in conditional_ratio(10, 1000, 20, 1000, "exact", 0.95)]
    [0.5, 0.209, 1.1192, 0.0987]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        irr = float(np.float64(k1 / t1) / np.float64(k0 / t0))
    z = stats.norm.ppf(1 - (1 - level) / 2)
    if method == "wald":
        if k1 == 0 or k0 == 0:
            raise InputError(
                "the Wald interval needs at least one event in each group; found "
                f"{k1:.0f} and {k0:.0f}. Use method='exact'.")
        se = np.sqrt(1 / k1 + 1 / k0)
        lo, hi = np.exp(np.log(irr) - z * se), np.exp(np.log(irr) + z * se)
        return irr, lo, hi, 2 * stats.norm.sf(abs(np.log(irr)) / se)
    big_k = k1 + k0
    pi0 = t1 / (t1 + t0)
    if big_k == 0:
        return np.nan, 0.0, np.inf, 1.0
    a = 1 - level
    if method == "score":
        phat = k1 / big_k
        centre = (phat + z**2 / (2 * big_k)) / (1 + z**2 / big_k)
        half = z / (1 + z**2 / big_k) * np.sqrt(phat * (1 - phat) / big_k + z**2 / (4 * big_k**2))
        plo, phi = max(0.0, centre - half), min(1.0, centre + half)
        p = 2 * stats.norm.sf(abs((k1 - big_k * pi0) / np.sqrt(big_k * pi0 * (1 - pi0))))
    else:  # exact
        plo = 0.0 if k1 == 0 else stats.beta.ppf(a / 2, k1, big_k - k1 + 1)
        phi = 1.0 if k1 == big_k else stats.beta.ppf(1 - a / 2, k1 + 1, big_k - k1)
        p = stats.binomtest(int(k1), int(big_k), pi0).pvalue
    return irr, _to_irr(plo, t1, t0), _to_irr(phi, t1, t0), min(1.0, float(p))


def _nb_zero_upper(t: np.ndarray, theta: float, level: float) -> float:
    """Rate at which P(no events in all of ``t``) = (1 - level)/2 under NB(theta)."""
    target = -np.log((1 - level) / 2)
    total = float(t.sum())
    if not np.isfinite(theta) or theta > THETA_BOUNDARY:
        return target / total

    def excess(lam):
        return theta * np.sum(np.log1p(lam * t / theta)) - target

    hi = target / total
    while excess(hi) < 0:
        hi *= 4
    return float(optimize.brentq(excess, 0.0, hi, xtol=1e-14, rtol=1e-13))


def _empty(n_groups: int, method: str) -> RateFit:
    def nan():
        return np.full(n_groups, np.nan)
    return RateFit(method, nan(), nan(), nan(), np.full(n_groups, np.inf), nan(), nan(), nan(),
                   nan(), np.full(n_groups, np.inf), nan(), nan(), [None] * n_groups, {})


def _check_clusters(codes: np.ndarray, g: np.ndarray, n_groups: int, name: str,
                    labels: list[str]) -> None:
    for j in range(n_groups):
        n = np.unique(codes[g == j]).size
        if n < 2:
            raise InputError(
                f"group {labels[j]!r} holds athletes of {n} {name} only; intervals that "
                f"account for {name} need at least 2 per group (better 10 or more). Leave "
                "`cluster` out, or merge groups.")


def fit_rates(k, t, g, n_groups, *, reference, method, level, cluster=None, cluster_name="",
              labels=None, seed=0, n_boot=2000) -> RateFit:
    """Rates by group and ratios against group ``reference`` by ``method`` (module notes).

    Parameters
    ----------
    k, t : ndarray
        Event counts and exposure hours per row (checked by the caller).
    g : ndarray of int
        Group code 0..n_groups-1 per row.
    n_groups, reference : int
        Number of groups and the reference group's code.
    method : str
        One of :data:`RATIO_METHODS`.
    level : float
    cluster : ndarray of int, optional
        Cluster code per row (0..K-1).
    cluster_name : str
        What the clusters are called in messages.
    labels : list of str, optional
        Group names for messages.
    seed, n_boot : int
        Bootstrap seed (checked) and replicates.

    Returns
    -------
    RateFit

    Examples
    --------
    >>> k = np.array([0, 3, 1, 0, 2, 6.0]); t = np.full(6, 200.0)
    >>> fit = fit_rates(k, t, np.array([0, 0, 0, 1, 1, 1]), 2, reference=0,
    ...                 method="quasipoisson", level=0.95)
    >>> np.round(fit.rate * 1000, 3), np.round(fit.ratio, 3)
    (array([ 6.667, 13.333]), array([nan,  2.]))
    """
    k = np.asarray(k, dtype=float)
    t = np.asarray(t, dtype=float)
    g = np.asarray(g, dtype=int)
    labels = labels or [str(j) for j in range(n_groups)]
    big_k = np.bincount(g, weights=k, minlength=n_groups)
    big_t = np.bincount(g, weights=t, minlength=n_groups)
    out = _empty(n_groups, method)
    out.info["pearson_phi"] = pearson_dispersion(k, t, g, n_groups)
    if cluster is not None:
        _check_clusters(cluster, g, n_groups, cluster_name, labels)
    if method in ("exact", "score", "wald"):
        _exact_rates(out, big_k, big_t, level)
    elif method == "bootstrap":
        _bootstrap(out, k, t, g, n_groups, cluster, level, seed, n_boot, labels)
        _bootstrap_ratios(out, reference, level)
    else:
        _model(out, k, t, g, n_groups, reference, method, cluster, level)
    _ratios(out, big_k, big_t, reference, method, level)
    return out


def _exact_rates(out, big_k, big_t, level):
    for j, (kk, tt) in enumerate(zip(big_k, big_t)):
        out.rate[j] = kk / tt
        out.rate_low[j], out.rate_high[j] = _garwood(kk, tt, level)


def _ratios(out, big_k, big_t, reference, method, level):
    """Fill the ratios the engine left open (exact methods, and groups without events)."""
    base = method if method in ("exact", "score", "wald") else "exact"
    for j in range(big_k.size):
        if j == reference:
            continue
        if np.isnan(out.ratio[j]) or method in ("exact", "score", "wald"):
            irr, lo, hi, p = conditional_ratio(big_k[j], big_t[j], big_k[reference],
                                               big_t[reference], base, level)
            out.ratio[j], out.ratio_low[j], out.ratio_high[j], out.ratio_p[j] = irr, lo, hi, p
            out.ratio_df[j] = np.inf
            out.ratio_method[j] = base
        else:
            out.ratio_method[j] = method


def _model(out, k, t, g, n_groups, reference, method, cluster, level):
    """negbin / quasipoisson, with the model or the CR2 covariance."""
    big_k = np.bincount(g, weights=k, minlength=n_groups)
    big_t = np.bincount(g, weights=t, minlength=n_groups)
    pos = np.flatnonzero(big_k > 0)
    use = (t > 0) & np.isin(g, pos)
    y, off = k[use], np.log(t[use])
    col = np.searchsorted(pos, g[use])
    X = np.zeros((y.size, pos.size))
    X[np.arange(y.size), col] = 1.0
    theta = np.inf
    if pos.size == 0:
        pass
    elif method == "negbin":
        fit = fit_negbin(y, X, off)
        beta, cov, theta = fit.params, fit.cov, fit.theta
        out.info["converged"] = fit.converged
        if fit.at_boundary:
            theta = np.inf
    else:  # quasipoisson: Poisson estimates, Pearson-scaled covariance
        res = glm_fit(y, X, off, sm.families.Poisson())
        beta = np.asarray(res.params)
        cov = np.diag(out.info["pearson_phi"] / big_k[pos])
    out.info["theta"] = theta
    n_fit = int((t > 0).sum())
    if pos.size:
        mu = np.exp(X @ beta + off)
        var = mu if (method == "quasipoisson" or not np.isfinite(theta)) else mu + mu**2 / theta
        if cluster is None:
            df_rate = np.full(pos.size, np.inf if method == "negbin" else n_fit - n_groups)
        else:
            codes = np.unique(cluster[use], return_inverse=True)[1]
            v = cr2_vcov(X * mu[:, None], 1 / var, y - mu, codes)
            cov, df_rate = v.cov, v.df
            out.info["n_clusters"] = int(np.unique(cluster).size)
        se = np.sqrt(np.diag(cov))
        q = _quantile(level, df_rate)
        out.rate[pos] = np.exp(beta)
        out.rate_low[pos] = np.exp(beta - q * se)
        out.rate_high[pos] = np.exp(beta + q * se)
        out.rate_df[pos] = df_rate
    phi = out.info["pearson_phi"]
    for j in np.flatnonzero(big_k == 0):
        out.rate[j], out.rate_low[j] = 0.0, 0.0
        tj = t[(g == j) & (t > 0)]
        if method == "negbin":
            out.rate_high[j] = _nb_zero_upper(tj, theta, level)
        else:  # the Garwood limit on the effective exposure T / phi
            scale = phi if np.isfinite(phi) and phi > 1 else 1.0
            out.rate_high[j] = _garwood(0, big_t[j], level)[1] * scale
    if reference not in pos or pos.size < 2:
        return
    # ratios: reference coding of the same fit
    r = int(np.searchsorted(pos, reference))
    others = [i for i in range(pos.size) if i != r]
    Z = np.column_stack([np.ones(y.size), X[:, others]])
    coef = beta[others] - beta[r]
    if cluster is None:
        C = np.zeros((len(others), pos.size))
        C[np.arange(len(others)), others] = 1.0
        C[:, r] = -1.0
        vr = C @ cov @ C.T
        df_ratio = np.full(len(others), np.inf if method == "negbin" else n_fit - n_groups)
    else:
        v = cr2_vcov(Z * mu[:, None], 1 / var, y - mu, codes)
        vr, df_ratio = v.cov[1:, 1:], v.df[1:]
    se_r = np.sqrt(np.diag(vr))
    q = _quantile(level, df_ratio)
    tstat = coef / se_r
    p = 2 * np.where(np.isinf(df_ratio), stats.norm.sf(np.abs(tstat)),
                     stats.t.sf(np.abs(tstat), np.where(np.isinf(df_ratio), 1.0, df_ratio)))
    for i, o in enumerate(others):
        j = pos[o]
        out.ratio[j] = np.exp(coef[i])
        out.ratio_low[j] = np.exp(coef[i] - q[i] * se_r[i])
        out.ratio_high[j] = np.exp(coef[i] + q[i] * se_r[i])
        out.ratio_p[j] = p[i]
        out.ratio_df[j] = df_ratio[i]
        out.ratio_coef[j] = coef[i]
        out.ratio_se[j] = se_r[i]


def _quantile(level: float, df: np.ndarray) -> np.ndarray:
    df = np.asarray(df, dtype=float)
    z = stats.norm.ppf((1 + level) / 2)
    safe = np.where(np.isfinite(df), df, 1.0)
    return np.where(np.isfinite(df), stats.t.ppf((1 + level) / 2, safe), z)


def _units(k, t, g, n_groups, cluster):
    """Resampling units: per unit its counts and hours in each group, and its stratum or -1."""
    if cluster is None:
        ids = np.arange(k.size)
    else:
        ids = cluster
    n_units = int(ids.max()) + 1
    ku = np.zeros((n_units, n_groups))
    tu = np.zeros((n_units, n_groups))
    np.add.at(ku, (ids, g), k)
    np.add.at(tu, (ids, g), t)
    present = np.zeros((n_units, n_groups), dtype=bool)
    present[ids, g] = True
    nested = bool((present.sum(axis=1) == 1).all())
    stratum = present.argmax(axis=1) if nested else np.full(n_units, -1)
    return ku, tu, stratum


def _bootstrap(out, k, t, g, n_groups, cluster, level, seed, n_boot, labels):
    ku, tu, stratum = _units(k, t, g, n_groups, cluster)
    rng = np.random.default_rng(seed)
    kb = np.zeros((n_boot, n_groups))
    tb = np.zeros((n_boot, n_groups))
    strata = [np.flatnonzero(stratum == s) for s in range(n_groups)] if stratum[0] >= 0 else [
        np.arange(ku.shape[0])]
    for units in strata:
        if units.size < 2:
            raise InputError(
                f"the bootstrap needs at least 2 athletes (or clusters) per group to resample; "
                f"group {labels[int(stratum[units[0]])] if units.size else '?'!r} has "
                f"{units.size}.")
        step = max(1, _BOOT_BLOCK // units.size)
        for b0 in range(0, n_boot, step):
            b1 = min(n_boot, b0 + step)
            idx = units[rng.integers(0, units.size, size=(b1 - b0, units.size))]
            kb[b0:b1] += ku[idx].sum(axis=1)
            tb[b0:b1] += tu[idx].sum(axis=1)
    tot_k, tot_t = ku.sum(axis=0), tu.sum(axis=0)
    jk, jt = tot_k - ku, tot_t - tu  # leave one unit out
    with np.errstate(divide="ignore", invalid="ignore"):
        est = tot_k / tot_t
        boot_rate = kb / tb
        jack_rate = _centred(jk / jt, stratum)
    lo, hi, _, _ = bca_limits(boot_rate, est, jack_rate, level)
    out.rate[:], out.rate_low[:], out.rate_high[:] = est, lo, hi
    zero = tot_k == 0
    out.rate_low[zero] = 0.0  # every replicate is 0: the BCa has nothing to spread
    out.rate_high[zero] = [_garwood(0, tt, level)[1] for tt in tot_t[zero]]
    out.info.update(seed=seed, n_boot=n_boot, resampled=(
        "athletes" if cluster is None else "clusters"), stratified=bool(stratum[0] >= 0))
    out.info["_boot"] = (kb, tb, jk, jt, tot_k, tot_t, stratum)


def _centred(jack: np.ndarray, stratum: np.ndarray) -> np.ndarray:
    """Jackknife values centred within strata (a stratified bootstrap's influence values).

    :func:`bca_limits` takes deviations from the mean of the values it is given; centring each
    stratum on 0 first makes them the deviations within strata, so that units of another group
    (whose removal leaves a group's rate unchanged) add nothing to the acceleration.
    """
    if stratum[0] < 0:
        return jack
    out = np.array(jack, dtype=float)
    for s in np.unique(stratum):
        rows = stratum == s
        block = out[rows]
        finite = np.isfinite(block)
        mean = np.where(finite, block, 0.0).sum(axis=0) / np.maximum(finite.sum(axis=0), 1)
        out[rows] = block - mean
    return out


def _bootstrap_ratios(out: RateFit, reference: int, level: float) -> None:
    """BCa ratios of a bootstrap :class:`RateFit` against ``reference`` (in place)."""
    kb, tb, jk, jt, tot_k, tot_t, stratum = out.info.pop("_boot")
    if tot_k[reference] == 0:
        return
    with np.errstate(divide="ignore", invalid="ignore"):
        lb = np.log(kb / tb)
        lj = np.log(jk / jt)
        le = np.log(tot_k / tot_t)
    for j in range(tot_k.size):
        if j == reference or tot_k[j] == 0:
            continue
        boot = (lb[:, j] - lb[:, reference])[:, None]
        jack = _centred((lj[:, j] - lj[:, reference])[:, None], stratum)
        e = np.array([le[j] - le[reference]])
        lo, hi, z0, a = bca_limits(boot, e, jack, level)
        out.ratio[j] = np.exp(e[0])
        out.ratio_low[j], out.ratio_high[j] = np.exp(lo[0]), np.exp(hi[0])
        out.ratio_p[j] = bca_p(boot[:, 0], 0.0, z0[0], a[0])
        out.ratio_coef[j] = e[0]
