"""Intervals for proportions, shared by the power simulations and the surveillance tables."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["wilson_interval"]


def wilson_interval(p, n, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    r"""Wilson score interval of a proportion ``p`` of ``n`` trials.

    :math:`\frac{\hat p + z^2/2n \pm z\sqrt{\hat p(1-\hat p)/n + z^2/4n^2}}{1 + z^2/n}`, the
    interval of R ``prop.test(k, n, correct = FALSE)``.

    Examples
    --------
    >>> lo, hi = wilson_interval(np.array([0.2]), 50)
    >>> round(float(lo[0]), 4), round(float(hi[0]), 4)
    (0.1124, 0.3304)
    """
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    z = stats.norm.ppf((1 + level) / 2)
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half
