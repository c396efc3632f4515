"""Power curve: Monte Carlo power against the number of athletes, with its Monte Carlo interval."""

from __future__ import annotations

import textwrap

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

from .._escape import figure_text
from ..errors import InputError
from ..stats._result import level_pct
from ._checks import require_result
from ._theme import DOUBLE_COLUMN_MM, PALETTE, get_ax, group_colours, literal_text, set_theme

__all__ = ["power_panels", "power_plot"]

#: Characters per line of a legend entry and of a title (long test names wrap).
_WRAP = 38


def power_plot(result, *, ax=None, target: float = 0.8):
    """Draw the power curve of each test in a :func:`~glute_study.stats.power` result.

    One seaborn line per test (:func:`seaborn.lineplot`, ``hue="test"``) through the simulated
    sample sizes, with their Monte Carlo (Wilson) intervals at the result's level as error bars;
    the dashed line is the target power and the dotted line the interpolated sample size
    reaching it. The title is the analysis plan's hypothesis that the analysis tests.

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
    >>> [t.get_text().replace(chr(10), " ") for t in ax.get_legend().get_texts()]
    ... # doctest: +NORMALIZE_WHITESPACE
    ['Glute training vs control: hamstring-cramp rate ratio',
     'Glute training vs control: glute strength at post-test (ANCOVA)']
    >>> ax.get_title().replace(chr(10), " ")
    'Glute training lowers the hamstring-cramp rate'
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    require_result(result, plot="power_plot",
                   producer="glute_study.stats.simulation_power.power")
    table = result.table.assign(test=[textwrap.fill(figure_text(t), _WRAP, break_on_hyphens=False)
                                      for t in result.table["term"]],
                                power=result.table["estimate"])
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
    if result.diagnostics.get("title"):  # the plan's hypothesis the analysis tests
        ax.set_title(textwrap.fill(figure_text(result.diagnostics["title"]), _WRAP + 10,
                                   break_on_hyphens=False))
    literal_text(ax)
    return ax


def power_panels(results, *, ncols: int = 2, target: float = 0.8):
    """Draw several power results side by side, one panel each (:func:`power_plot`).

    Parameters
    ----------
    results : sequence of Result
        What :func:`glute_study.stats.simulation_power.power` returned, one per panel.
    ncols : int
        Panels per row.
    target : float
        Power to mark in every panel.

    Returns
    -------
    matplotlib.figure.Figure
        Two journal columns wide; each panel titled by the plan's hypothesis it tests.

    Examples
    --------
    >>> from glute_study.stats.simulation_power import power
    >>> res = [power(a, n=(60, 120), reps=100, seed=1, executor="serial")
    ...        for a in ("cohort_glute", "trial")]
    >>> fig = power_panels(res)
    >>> [ax.get_title().replace("\\n", " ") for ax in fig.axes]  # doctest: +NORMALIZE_WHITESPACE
    ['Weaker glutes go with more hamstring cramps', 'Glute training lowers the hamstring-cramp
     rate']
    >>> plt.close(fig)
    """
    results = list(results)
    if not results:
        raise InputError("power_panels needs at least one power result.")
    ncols = max(1, min(int(ncols), len(results)))
    nrows = -(-len(results) // ncols)
    set_theme()
    width_in = DOUBLE_COLUMN_MM / 25.4
    fig, axes = plt.subplots(nrows, ncols, figsize=(width_in, width_in * 0.42 * nrows),
                             layout="constrained", squeeze=False)
    for ax, result in zip(axes.flat, results):
        power_plot(result, ax=ax, target=target)
    for ax in list(axes.flat)[len(results):]:
        fig.delaxes(ax)
    return fig
