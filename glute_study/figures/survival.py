"""Kaplan-Meier curves of time to first cramp, drawn from a :func:`kaplan_meier` result."""

from __future__ import annotations

import numpy as np

from .._escape import figure_text
from ..labels import label as variable_label
from ..labels import level_label
from ._checks import require_result
from ._theme import get_ax, group_colours, literal_text

__all__ = ["km_plot"]


def km_plot(result, *, ci: bool = True, ax=None):
    """Draw Kaplan-Meier step curves, one per group, with censoring marks and CI bands.

    Parameters
    ----------
    result : Result
        What :func:`glute_study.stats.survival.kaplan_meier` returned.
    ci : bool
        Shade the pointwise confidence band at the result's level (log scale, as in the
        result).
    ax : matplotlib Axes, optional
        Where to draw; a new one-column figure when None.

    Returns
    -------
    matplotlib.axes.Axes
        Each group's curve is a line labelled ``"<group> (n = N)"``; censored times are ``|``
        markers on the curve (their line is labelled ``"_censored <group>"``).

    Examples
    --------
    >>> import pandas as pd
    >>> from glute_study.stats.survival import kaplan_meier
    >>> data = pd.DataFrame({"time": [2, 3, 3, 5, 8, 9, 12, 15],
    ...                      "event": [1, 1, 0, 1, 1, 0, 1, 0], "arm": ["a", "b"] * 4})
    >>> ax = km_plot(kaplan_meier(data, time="time", event="event", group="arm"))
    >>> [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    ['a (n = 4)', 'b (n = 4)']
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    require_result(result, plot="km_plot",
                   frames={"curve": ["group", "time", "surv", "ci_low", "ci_high", "n_censor"]},
                   producer="glute_study.stats.survival.kaplan_meier")
    fit = result.model
    curve = result.frame("curve")
    ax = get_ax(ax)
    colours = group_colours(curve["group"].nunique())
    ns = result.table.set_index("term")["n"]
    for i, (group, g) in enumerate(curve.groupby("group", sort=False)):
        colour = colours[i]
        t = np.r_[0.0, g["time"].to_numpy()]
        s = np.r_[1.0, g["surv"].to_numpy()]
        n = int(ns[group])
        label = (figure_text(f"{level_label(fit.group, group)} (n = {n})")
                 if fit.group is not None else f"n = {n}")
        ax.step(t, s, where="post", color=colour, label=label)
        if ci:
            low = np.r_[1.0, g["ci_low"].to_numpy()]
            high = np.r_[1.0, g["ci_high"].to_numpy()]
            ax.fill_between(t, low, high, step="post", color=colour, alpha=0.2, linewidth=0)
        cens = g[g["n_censor"] > 0]
        ax.plot(cens["time"], cens["surv"], linestyle="none", marker="|", markersize=5,
                color=colour, label=f"_censored {group}")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(left=0)
    ax.set_xlabel(figure_text(_time_label(result)))
    ax.set_ylabel("Proportion without a cramp")
    if fit.group is not None:
        ax.legend(title=figure_text(variable_label(fit.group, unit=False)), frameon=False)
    literal_text(ax)
    return ax


def _time_label(result) -> str:
    """The time axis: the time column's label, with the scale's unit where the result says."""
    fit = result.model
    unit = result.diagnostics.get("time_unit") or result.diagnostics.get("unit")
    text = variable_label(fit.time)
    return f"{text} ({unit})" if isinstance(unit, str) and unit and "(" not in text else text

