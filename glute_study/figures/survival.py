"""Kaplan-Meier curves of time to first cramp, drawn from a :func:`kaplan_meier` result, with
the numbers at risk beneath the axes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from .._escape import figure_text
from ..labels import label as variable_label
from ..labels import level_label
from ..stats.survival import TIME_SCALES, numbers_at_risk, risk_times
from ._checks import require_result
from ._theme import SINGLE_COLUMN_MM, get_ax, group_colours, literal_text, set_theme

__all__ = ["km_plot"]

#: The label of the Axes that holds the numbers at risk (``ax.figure.axes``).
RISK_TABLE = "risk table"
_ROW_IN = 0.15  # height of one group's row of the risk table, inches
_HEAD_IN = 0.22  # the table's title ("Number at risk") and its gap to the x label


def km_plot(result, *, ci: bool = True, risk_table: bool = True, times=None, ax=None):
    """Draw Kaplan-Meier step curves, one per group, with censoring marks, CI bands and the
    numbers at risk beneath.

    Parameters
    ----------
    result : Result
        What :func:`glute_study.stats.survival.kaplan_meier` returned.
    ci : bool
        Shade the pointwise confidence band at the result's level (log scale, as in the
        result).
    risk_table : bool
        Give the number of athletes at risk in each group at the x ticks in a table under the
        axes (R survminer's ``risk.table``), a row per group named in words and in its colour.
    times : sequence of float, optional
        The x ticks and times of the risk table; by default
        :func:`~glute_study.stats.survival.risk_times` (round times up to the last follow-up).
    ax : matplotlib Axes, optional
        Where to draw; a new one-column figure (taller by the risk table) when None. On a given
        Axes the risk table is an inset Axes below it: leave room under it.

    Returns
    -------
    matplotlib.axes.Axes
        The curves' Axes. Each group's curve is a line labelled ``"<group> (n = N)"``; censored
        times are ``|`` markers on the curve (their line is labelled ``"_censored <group>"``).
        The numbers at risk are the texts of a second Axes labelled ``"risk table"`` (one of
        ``ax.figure.axes``), the numbers of
        :func:`~glute_study.stats.survival.numbers_at_risk` at the ticks. The x axis is named by
        the result's time scale ("Cumulative exposure (h)" for ``scale="exposure"``).

    Examples
    --------
    >>> import pandas as pd
    >>> from glute_study.stats.survival import kaplan_meier
    >>> data = pd.DataFrame({"time": [2, 3, 3, 5, 8, 9, 12, 15],
    ...                      "event": [1, 1, 0, 1, 1, 0, 1, 0], "arm": ["a", "b"] * 4})
    >>> km = kaplan_meier(data, time="time", event="event", group="arm")
    >>> ax = km_plot(km, times=[0, 5, 10, 15])
    >>> [line.get_label() for line in ax.get_lines() if not line.get_label().startswith("_")]
    ['a (n = 4)', 'b (n = 4)']
    >>> table = next(a for a in ax.figure.axes if a.get_label() == "risk table")
    >>> [t.get_text() for t in table.texts]
    ['4', '2', '1', '0', '4', '3', '1', '1']
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    require_result(result, plot="km_plot",
                   frames={"curve": ["group", "time", "surv", "ci_low", "ci_high", "n_censor"]},
                   producer="glute_study.stats.survival.kaplan_meier")
    fit = result.model
    curve = result.frame("curve")
    groups = list(dict.fromkeys(curve["group"]))
    end = float(curve["time"].max())
    ticks = risk_times(end) if times is None else np.unique(np.asarray(times, dtype=float))
    table_ax = None
    if ax is None and risk_table:
        ax, table_ax = _figure_with_table(len(groups))
    else:
        ax = get_ax(ax)
    colours = group_colours(len(groups))
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
    right = max(end, float(ticks.max()) if ticks.size else end)
    ax.set_xlim(0, right * 1.02 if right > 0 else 1.0)
    ax.set_xticks(ticks)
    ax.set_xlabel(figure_text(_time_label(result)))
    ax.set_ylabel("Proportion without a cramp")
    if fit.group is not None:
        ax.legend(title=figure_text(variable_label(fit.group, unit=False)), frameon=False)
    literal_text(ax)
    if risk_table:
        if table_ax is None:
            table_ax = _inset_table(ax, len(groups))
        _draw_table(table_ax, ax, result, ticks, groups, colours)
    return ax


def _figure_with_table(n_groups: int):
    """A one-column figure: the curves' Axes, and a row per group for the numbers at risk."""
    set_theme()
    width = SINGLE_COLUMN_MM / 25.4
    main, table = width * 0.75, _HEAD_IN + _ROW_IN * n_groups
    fig, (ax, table_ax) = plt.subplots(
        2, 1, figsize=(width, main + table), height_ratios=[main, table], layout="constrained")
    return ax, table_ax


def _inset_table(ax, n_groups: int):
    """The risk table as an inset under a given Axes (it is the caller's figure)."""
    fig_h = ax.figure.get_figheight() * ax.get_position().height
    height = (_ROW_IN * n_groups) / fig_h
    return ax.inset_axes([0.0, -0.3 - height, 1.0, height])


def _draw_table(table_ax, ax, result, ticks, groups, colours) -> None:
    """Numbers at risk at ``ticks``, one row per group, aligned with the curves' x axis."""
    risk = numbers_at_risk(result, ticks)
    time_col = risk.columns[1]
    table_ax.set_label(RISK_TABLE)
    table_ax.sharex(ax)
    table_ax.set_ylim(len(groups) - 0.5, -0.5)
    for i, group in enumerate(groups):
        mine = risk[risk["group"] == group]
        for t, n in zip(mine[time_col], mine["n_risk"]):
            table_ax.text(t, i, str(int(n)), ha="center", va="center", fontsize=7,
                          clip_on=False)
    fit = result.model
    names = [figure_text(level_label(fit.group, g)) if fit.group is not None else "All"
             for g in groups]
    table_ax.set_yticks(range(len(groups)), names)
    for tick, colour in zip(table_ax.get_yticklabels(), colours):
        tick.set_color(colour)
    # the first column is centred on x = 0: keep the row names clear of its half width
    digits = max(len(str(int(n))) for n in risk["n_risk"])
    table_ax.tick_params(axis="both", length=0, labelbottom=False, labelsize=7)
    table_ax.tick_params(axis="y", pad=3 + 0.3 * 7 * digits)
    for spine in table_ax.spines.values():
        spine.set_visible(False)
    table_ax.set_title("Number at risk", loc="left", fontsize=7, pad=2)
    table_ax.patch.set_visible(False)
    literal_text(table_ax)


def _time_label(result) -> str:
    """The time axis: the result's time scale in words ("Cumulative exposure (h)"), else the
    time column's label, with the unit where the result says."""
    scale = result.diagnostics.get("time_scale")
    if scale in TIME_SCALES:
        return variable_label(TIME_SCALES[scale][0])
    fit = result.model
    unit = result.diagnostics.get("time_unit") or result.diagnostics.get("unit")
    text = variable_label(fit.time)
    return f"{text} ({unit})" if isinstance(unit, str) and unit and "(" not in text else text
