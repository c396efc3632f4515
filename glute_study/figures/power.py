"""Power curve: Monte Carlo power against the number of athletes, with its Monte Carlo interval."""

from __future__ import annotations

import numpy as np
import seaborn as sns

from .._escape import figure_text
from ..stats._result import level_pct
from ._checks import require_result
from ._theme import PALETTE, get_ax, group_colours, literal_text

__all__ = ["power_plot"]


def power_plot(result, *, ax=None, target: float = 0.8):
    """Draw the power curve of each test in a :func:`~glute_study.stats.power` result.

    One seaborn line per test (:func:`seaborn.lineplot`, ``hue="test"``) through the simulated
    sample sizes, with their Monte Carlo (Wilson) intervals at the result's level as error bars;
    the dashed line is the target power and the dotted line the interpolated sample size
    reaching it.

    Parameters
    ----------
    result : Result
        What :func:`glute_study.stats.simulation_power.power` returned.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new single-column figure by default.
    target : float
        Power to mark (0.8 by default).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from glute_study.stats.simulation_power import power
    >>> res = power("trial", n=(60, 120), reps=100, seed=1, executor="serial")
    >>> ax = power_plot(res)
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['arm rate ratio', 'arm ANCOVA on glute_nm_kg_post']
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    require_result(result, plot="power_plot",
                   producer="glute_study.stats.simulation_power.power")
    table = result.table.assign(test=[figure_text(t) for t in result.table["test"]])
    tests = list(dict.fromkeys(table["test"]))
    colours = dict(zip(tests, group_colours(len(tests))))
    ax = get_ax(ax)
    sns.lineplot(data=table, x="n", y="power", hue="test", hue_order=tests, palette=colours,
                 marker="o", markersize=3, markeredgewidth=0, errorbar=None, sort=True, ax=ax)
    for test, sub in table.groupby("test", sort=False):
        colour = colours[test]
        n, p = sub["n"].to_numpy(dtype=float), sub["power"].to_numpy(dtype=float)
        err = np.vstack([p - sub["ci_low"].to_numpy(), sub["ci_high"].to_numpy() - p])
        ax.errorbar(n, p, yerr=np.clip(err, 0, None), color=colour, fmt="none", capsize=2,
                    label=f"_{level_pct(result.level)} % interval {test}")
        above = np.flatnonzero(p >= target)
        if above.size and above[0] > 0:
            j = above[0]
            n_star = n[j - 1] + (target - p[j - 1]) * (n[j] - n[j - 1]) / (p[j] - p[j - 1])
            ax.axvline(n_star, color=colour, linestyle=":", linewidth=0.8)
    ax.axhline(target, color=PALETTE[7], linestyle="--", linewidth=0.8)
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel("Athletes (n)")
    ax.set_ylabel(f"Power ({level_pct(result.level)} % Monte Carlo interval)")
    ax.legend(frameon=False)
    literal_text(ax)
    return ax
