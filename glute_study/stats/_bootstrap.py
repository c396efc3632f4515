r"""Bootstrap intervals and p-values: percentile and BCa, one home for every resampling analysis.

Each function takes a replicate matrix ``boot`` (one row per bootstrap replicate, one column per
quantity); replicates that are not finite (a fit that failed, a ratio with a zero denominator)
are left out, as R ``boot.ci`` does. BCa (Efron 1987) corrects the percentile interval for the
bias of the replicates, :math:`z_0 = \Phi^{-1}(\#\{\theta^* < \hat\theta\} / B)` (ties counted
half), and their skewness, the acceleration
:math:`a = \sum d_i^3 / (6 (\sum d_i^2)^{3/2})` from the jackknife deviations
:math:`d_i = \bar\theta_{(\cdot)} - \theta_{(i)}`; the limits are the quantiles
:math:`\Phi(z_0 + (z_0 + z_\alpha) / (1 - a (z_0 + z_\alpha)))` of the replicates, linearly
interpolated as ``scipy.stats.bootstrap(method="BCa")`` (tests compare the two).

References
----------
Efron, B. (1987). Better bootstrap confidence intervals. *JASA*, 82, 171-185.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["bca_limits", "bca_p", "boot_p", "percentile_limits"]


def percentile_limits(boot: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile limits per column (finite replicates only).

    Examples
    --------
    >>> boot = np.arange(1.0, 101.0)[:, None]
    >>> percentile_limits(boot, 0.9)
    (array([5.95]), array([95.05]))
    """
    lo, hi = np.full(boot.shape[1], np.nan), np.full(boot.shape[1], np.nan)
    for q in range(boot.shape[1]):
        col = boot[:, q][np.isfinite(boot[:, q])]
        if col.size:
            lo[q], hi[q] = np.quantile(col, [(1 - level) / 2, (1 + level) / 2])
    return lo, hi


def bca_limits(boot: np.ndarray, est: np.ndarray, jack: np.ndarray, level: float):
    """BCa limits per column: bias correction from the bootstrap, acceleration from a jackknife.

    Returns the limits and, per column, the bias correction ``z0`` and acceleration ``a``.
    Columns with fewer than 10 finite replicates get NaN limits.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> x = rng.exponential(size=40)
    >>> boot = x[rng.integers(0, 40, (4000, 40))].mean(axis=1)[:, None]
    >>> jack = np.array([np.delete(x, i).mean() for i in range(40)])[:, None]
    >>> lo, hi, z0, a = bca_limits(boot, np.array([x.mean()]), jack, 0.95)
    >>> bool(lo[0] < x.mean() < hi[0]), bool(a[0] > 0)
    (True, True)
    """
    k = est.shape[0]
    lo, hi, z0s, accs = (np.full(k, np.nan) for _ in range(4))
    z = stats.norm.ppf([(1 - level) / 2, (1 + level) / 2])
    for q in range(k):
        col = boot[:, q]
        col = col[np.isfinite(col)]
        if col.size < 10 or not np.isfinite(est[q]):
            continue
        prop = (np.sum(col < est[q]) + 0.5 * np.sum(col == est[q])) / col.size
        prop = min(max(prop, 1.0 / (col.size + 1)), col.size / (col.size + 1))
        z0 = stats.norm.ppf(prop)
        jq = jack[:, q][np.isfinite(jack[:, q])]
        d = jq.mean() - jq
        denom = 6.0 * np.sum(d * d) ** 1.5
        acc = np.sum(d**3) / denom if denom > 0 else 0.0
        adj = stats.norm.cdf(z0 + (z0 + z) / (1 - acc * (z0 + z)))
        lo[q], hi[q] = np.quantile(col, adj)
        z0s[q], accs[q] = z0, acc
    return lo, hi, z0s, accs


def bca_p(boot: np.ndarray, null: float, z0: float, acc: float) -> float:
    """Two-sided p-value that agrees with the BCa interval: the level at which a BCa limit
    reaches ``null`` (the BCa percentile mapping inverted at the null's bootstrap percentile)."""
    col = boot[np.isfinite(boot)]
    if col.size == 0 or not np.isfinite(z0):
        return float("nan")
    share = (np.sum(col < null) + 0.5 * np.sum(col == null)) / col.size
    share = min(max(share, 0.5 / col.size), 1 - 0.5 / col.size)
    w = stats.norm.ppf(share) - z0
    z_alpha = w / (1 + acc * w) - z0
    return float(min(1.0, 2 * stats.norm.cdf(-abs(z_alpha))))


def boot_p(boot: np.ndarray, null: float) -> float:
    """Two-sided percentile p-value of ``null``: twice the smaller tail share, (count + 1)/(B + 1).

    Examples
    --------
    >>> boot_p(np.linspace(0.5, 1.5, 99), 0.0)
    0.02
    """
    col = boot[np.isfinite(boot)]
    if col.size == 0:
        return float("nan")
    below = (np.sum(col <= null) + 1) / (col.size + 1)
    above = (np.sum(col >= null) + 1) / (col.size + 1)
    return float(min(1.0, 2 * min(below, above)))
