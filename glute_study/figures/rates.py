"""Forest plots of rate (or odds) ratios and incidence rates by group, with their intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib import transforms

from .._escape import figure_text
from ..errors import InputError
from ..labels import label, term_label
from ..stats._result import Result, format_number, level_pct
from ._checks import level_of, require_result
from ._theme import PALETTE, get_ax, group_colours, literal_text, set_ratio_axis

__all__ = ["forest_plot", "rates_plot"]


#: What a plain table needs for :func:`forest_plot` and :func:`rates_plot` to draw it.
_INTERVAL_COLUMNS = ("term", "estimate", "ci_low", "ci_high")


def _table_of(result_or_table, *, plot: str, producer: str | tuple[str, ...]) -> pd.DataFrame:
    require_result(result_or_table, plot=plot, producer=producer, or_table=_INTERVAL_COLUMNS)
    if isinstance(result_or_table, pd.DataFrame):
        return result_or_table
    return result_or_table.table


def _references(result) -> dict[str, str]:
    """Reference levels of a result's factor terms, where its fitted design knows them."""
    design = getattr(getattr(result, "model", None), "design", None)
    find = getattr(design, "reference_level", None)
    if find is None:
        return {}
    refs = {str(t): find(str(t)) for t in result.table["term"]}
    return {t: r for t, r in refs.items() if r is not None}


def _ratio_label(table: pd.DataFrame, kind: str, level: float) -> str:
    scales = set(table["scale"]) if "scale" in table.columns else set()
    if scales and all(s.startswith("OR") for s in scales):
        what = "Odds ratio"
    elif scales and all(s == "IRR" for s in scales):
        what = "Rate ratio"
    elif scales:
        what = "Ratio"
    else:
        what = "Odds ratio" if kind == "logistic_model" else "Rate ratio"
    return f"{what} ({level_pct(level)} % CI)"


def forest_plot(result_or_table, *, ax=None, annotate: bool = True):
    """Forest plot of ratios with their intervals on a log axis, with a reference line at 1.

    Parameters
    ----------
    result_or_table : Result or pandas.DataFrame
        From :func:`~glute_study.stats.counts.count_model`,
        :func:`~glute_study.stats.incidence.rate_ratio`,
        :func:`~glute_study.stats.logistic.logistic_model`, or any table with ``term,
        estimate, ci_low, ci_high``. ``Intercept`` rows are left out; two-part models get one
        row per part, labelled "(zero part)" for the zero part. Rows are labelled in words
        (:func:`glute_study.labels.term_label`: ``C(sex)[T.male]`` is "Male vs female"). The
        axis label gives the result's confidence level (a table's ``attrs["level"]``, else
        95 %); its ticks are round ratios that do not overlap.
    ax : matplotlib Axes, optional
    annotate : bool
        Write "estimate (low to high)" at the right of each row.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> table = pd.DataFrame({"term": ["Intercept", "sitting_h_day", "glute_nm_kg"],
    ...                       "estimate": [0.01, 1.09, 0.7], "ci_low": [0.005, 1.02, 0.55],
    ...                       "ci_high": [0.02, 1.17, 0.9], "p_value": [0.0, 0.01, 0.004]})
    >>> ax = forest_plot(table)
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['Device-measured sitting (per h/day)', 'Glute strength (per Nm/kg)']
    >>> ax.get_xscale(), [t.get_text() for t in ax.get_xticklabels()]
    ('log', ['0.5', '0.8', '1', '1.25'])
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    kind = result_or_table.kind if isinstance(result_or_table, Result) else ""
    table = _table_of(result_or_table, plot="forest_plot",
                      producer=("glute_study.stats.counts.count_model",
                                "glute_study.stats.incidence.rate_ratio",
                                "glute_study.stats.logistic.logistic_model"))
    table = table[table["term"] != "Intercept"].reset_index(drop=True)
    if len(table) == 0:
        raise InputError("forest_plot has no rows to draw (only an intercept?).")
    references = _references(result_or_table)
    labels = [term_label(str(t), reference=references.get(str(t))) for t in table["term"]]
    if "component" in table.columns and table["component"].nunique() > 1:
        labels = [t if c == "count" else f"{t} ({c} part)"
                  for t, c in zip(labels, table["component"])]
    est = table["estimate"].to_numpy(float)
    low = table["ci_low"].to_numpy(float)
    high = table["ci_high"].to_numpy(float)
    if np.any(est <= 0) or np.any(low <= 0):
        raise InputError("forest_plot draws ratios on a log axis; every estimate and lower "
                         "limit must be positive.")
    ax = get_ax(ax, aspect=max(0.35, 0.12 * len(table) + 0.2))
    y = np.arange(len(table))[::-1]
    ax.hlines(y, low, high, color=PALETTE[0], linewidth=1.2)
    ax.plot(est, y, "s", color=PALETTE[0], markersize=4, linestyle="none")
    ax.axvline(1.0, color=PALETTE[7], linewidth=0.8, linestyle="--", zorder=0)
    ax.set_xscale("log")
    ax.set_yticks(y, [figure_text(t) for t in labels])
    ax.set_ylim(-0.7, len(table) - 0.3)
    ax.set_xlabel(_ratio_label(table, kind, level_of(result_or_table)))
    finite = np.concatenate([low, high])
    finite = finite[np.isfinite(finite)]
    lo, hi = min(finite.min(), 1.0), max(finite.max(), 1.0)
    ax.set_xlim(lo / 1.15, hi * 1.15)
    set_ratio_axis(ax, lo / 1.15, hi * 1.15)
    if annotate:
        trans = transforms.blended_transform_factory(ax.transAxes, ax.transData)
        for yi, e, a, b in zip(y, est, low, high):
            ax.text(1.02, yi, f"{format_number(e)} ({format_number(a)} to {format_number(b)})",
                    transform=trans,
                    va="center", ha="left", fontsize=7)
    literal_text(ax)
    return ax


def rates_plot(incidence_result, *, ax=None):
    """Incidence per 1000 h by group, with exact intervals, and the overall rate as a band.

    Parameters
    ----------
    incidence_result : Result or pandas.DataFrame
        From :func:`~glute_study.stats.incidence.incidence` (with ``group=``); the ``overall`` row
        is drawn as a dashed line with a shaded interval behind the groups. The axis label gives
        the result's confidence level.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from glute_study.stats.incidence import incidence
    >>> df = pd.DataFrame({"cramps": [0, 2, 1, 3], "exposure_h": [100.0, 120, 80, 150],
    ...                    "arm": ["a", "a", "b", "b"]})
    >>> ax = rates_plot(incidence(df, events="cramps", exposure="exposure_h", group="arm"))
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['a', 'b']
    >>> ax.get_ylabel()
    'Incidence per 1000 h (95 % CI)'

    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    table = _table_of(incidence_result, plot="rates_plot",
                      producer="glute_study.stats.incidence.incidence")
    per = table["per"].iloc[0] if "per" in table.columns else 1000
    groups = table[table["term"] != "overall"].reset_index(drop=True)
    overall = table[table["term"] == "overall"]
    if len(groups) == 0:
        groups, overall = overall.reset_index(drop=True), overall.iloc[0:0]
    ax = get_ax(ax)
    colours = group_colours(len(groups))
    x = np.arange(len(groups))
    est = groups["estimate"].to_numpy(float)
    err = np.vstack([est - groups["ci_low"].to_numpy(float),
                     groups["ci_high"].to_numpy(float) - est])
    if len(overall):
        o = overall.iloc[0]
        ax.axhspan(o["ci_low"], o["ci_high"], color=PALETTE[7], alpha=0.08, linewidth=0)
        ax.axhline(o["estimate"], color=PALETTE[7], linewidth=0.8, linestyle="--",
                   label=f"Overall ({level_pct(level_of(incidence_result))} % CI band)")
    for i in range(len(groups)):
        ax.errorbar(x[i], est[i], yerr=err[:, [i]], fmt="o",
                    color=colours[i], capsize=3, markersize=4)
    ax.set_xticks(x, [figure_text(term_label(str(t))) for t in groups["term"]])
    ax.set_xlim(-0.6, len(groups) - 0.4)
    tops = [*groups["ci_high"].to_numpy(float), *overall["ci_high"].to_numpy(float)]
    tops = [t for t in tops if np.isfinite(t)]
    if len(overall) and tops:  # room above the intervals for the legend, so it covers none
        ax.set_ylim(0, max(tops) * 1.2)
    else:
        ax.set_ylim(bottom=0)
    events = (incidence_result.diagnostics.get("events")
              if isinstance(incidence_result, Result) else None)
    what = label(events, unit=False) if isinstance(events, str) else "Incidence"
    ax.set_ylabel(figure_text(f"{what} per {per:g} h "
                              f"({level_pct(level_of(incidence_result))} % CI)"))
    if len(overall):
        ax.legend(frameon=False, loc="upper right")
    literal_text(ax)
    return ax
