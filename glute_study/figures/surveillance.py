"""Surveillance figures of the IOC consensus (Bahr et al. 2020): incidence by session type,
weekly prevalence of cramping over the season, and the severity of the cramps recorded."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from .._escape import figure_text
from ..errors import InputError
from ..labels import label, level_label
from ..stats._result import Result, level_pct
from ._checks import level_of, require_result
from ._theme import PALETTE, get_ax, group_colours, literal_text

__all__ = ["cramp_duration_plot", "prevalence_plot", "session_rates_plot", "severity_plot"]


def session_rates_plot(results, *, session_type: str = "session_type", ax=None):
    """Incidence per 1000 h in matches and in training, with intervals, for one or more outcomes.

    Parameters
    ----------
    results : Result or list of Result
        From :func:`~glute_study.stats.surveillance.session_incidence` (or
        :func:`~glute_study.stats.incidence.incidence` by session type), one per outcome
        (cramps of any muscle, hamstring cramps). Each outcome is a group on the x axis, named
        by its codebook label; its session types are side by side in their colours and the
        overall rate (all sessions) in grey.
    session_type : str
        The column the session types come from (for their words).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from glute_study.stats.surveillance import session_incidence
    >>> s = pd.DataFrame({"participant_id": list("aabbccdd") * 2,
    ...                   "session_type": ["match", "training"] * 8,
    ...                   "exposure_h": [1.5, 2.0] * 8,
    ...                   "cramps": [1, 0, 0, 1, 0, 0, 2, 1, 0, 0, 1, 0, 0, 1, 0, 0]})
    >>> ax = session_rates_plot(session_incidence(s, events="cramps"))
    >>> [t.get_text() for t in ax.get_xticklabels()], ax.get_ylabel()
    (['Cramps'], 'Incidence per 1000 h (95 % CI)')
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['Match', 'Training', 'All sessions']
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    check = {"plot": "session_rates_plot",
             "producer": ("glute_study.stats.surveillance.session_incidence",
                          "glute_study.stats.incidence.incidence"),
             "or_table": ("term", "estimate", "ci_low", "ci_high")}
    if isinstance(results, (list, tuple)) and results and all(
            isinstance(r, (Result, pd.DataFrame)) for r in results):
        results = list(results)
    else:
        require_result(results, **check)  # one result, or a refusal naming what came
        results = [results]
    tables, names = [], []
    for res in results:
        require_result(res, **check)
        table = res.table if isinstance(res, Result) else res
        events = res.diagnostics.get("events") if isinstance(res, Result) else None
        tables.append(table)
        names.append(label(events, unit=False) if isinstance(events, str) else "Incidence")
    types = list(dict.fromkeys(str(t) for tab in tables for t in tab["term"]
                               if str(t) != "overall"))
    has_overall = any((tab["term"] == "overall").any() for tab in tables)
    slots = types + (["overall"] if has_overall else [])
    colours = dict(zip(types, group_colours(len(types))))
    colours["overall"] = PALETTE[7]
    ax = get_ax(ax)
    width = 0.8 / len(slots)
    per = tables[0]["per"].iloc[0] if "per" in tables[0].columns else 1000
    for slot_i, slot in enumerate(slots):
        xs, est, lo, hi = [], [], [], []
        for g, table in enumerate(tables):
            row = table[table["term"].astype(str) == slot]
            if row.empty:
                continue
            xs.append(g - 0.4 + width * (slot_i + 0.5))
            est.append(float(row["estimate"].iloc[0]))
            lo.append(float(row["ci_low"].iloc[0]))
            hi.append(float(row["ci_high"].iloc[0]))
        if not xs:
            continue
        est_a = np.asarray(est)
        err = np.vstack([est_a - np.asarray(lo), np.asarray(hi) - est_a])
        words = "All sessions" if slot == "overall" else level_label(session_type, slot)
        ax.errorbar(xs, est_a, yerr=err, fmt="D" if slot == "overall" else "o",
                    color=colours[slot], capsize=3, markersize=4, linestyle="none",
                    label=figure_text(words))
    ax.set_xticks(np.arange(len(tables)), [figure_text(n) for n in names])
    ax.set_xlim(-0.6, len(tables) - 0.4)
    ax.set_ylim(bottom=0)
    ax.set_ylabel(figure_text(f"Incidence per {per:g} h "
                              f"({level_pct(level_of(results[0]))} % CI)"))
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, 1.0),
              ncol=len(slots), handletextpad=0.3, columnspacing=1.0)
    top = max(float(t["ci_high"].max()) for t in tables)
    ax.set_ylim(0, top * 1.18)
    literal_text(ax)
    return ax


def prevalence_plot(prevalence_result, *, ax=None):
    """Weekly prevalence of cramping over the season: the share of athletes at risk that week
    with at least one cramp, with its interval as a band.

    Parameters
    ----------
    prevalence_result : Result
        From :func:`~glute_study.stats.surveillance.weekly_prevalence`.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The y axis in percent of the athletes at risk, the x axis in weeks of follow-up.

    Examples
    --------
    >>> from glute_study.stats.surveillance import weekly_prevalence
    >>> df = pd.DataFrame({"participant_id": ["a", "a", "b", "c", "a", "b"],
    ...                    "week": [1, 1, 1, 1, 2, 2], "exposure_h": [1.5, 2, 2, 1, 2, 2],
    ...                    "cramps": [1, 0, 0, 0, 0, 1]})
    >>> ax = prevalence_plot(weekly_prevalence(df, week="week"))
    >>> ax.get_xlabel(), ax.get_ylabel().splitlines()
    ('Week of follow-up', ['Athletes with a cramp', '(% of those at risk, 95 % CI)'])
    >>> [round(float(y), 1) for y in ax.lines[0].get_ydata()]
    [33.3, 50.0]
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    require_result(prevalence_result, plot="prevalence_plot",
                   producer="glute_study.stats.surveillance.weekly_prevalence")
    table = prevalence_result.table.sort_values("week")
    week = table["week"].to_numpy(float)
    est = 100 * table["estimate"].to_numpy(float)
    low = 100 * table["ci_low"].to_numpy(float)
    high = 100 * table["ci_high"].to_numpy(float)
    ax = get_ax(ax, aspect=0.6)
    ax.fill_between(week, low, high, color=PALETTE[0], alpha=0.18, linewidth=0,
                    step=None)
    ax.plot(week, est, "o-", color=PALETTE[0], markersize=3, linewidth=1.0)
    ax.set_xlabel(figure_text(label("week", unit=False)))
    ax.set_ylabel(figure_text("Athletes with a cramp\n(% of those at risk, "
                              f"{level_pct(level_of(prevalence_result))} % CI)"))
    ax.set_xlim(week.min() - 0.5, week.max() + 0.5)
    span = int(week.max() - week.min()) + 1
    step = next(s for s in (1, 2, 4, 5, 10, 13, 26, 52, 104) if span / s <= 13)
    first = int(week.min())
    ax.xaxis.set_major_locator(FixedLocator(
        [first] + [w for w in range(step, int(week.max()) + 1, step) if w - first > step / 2]))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_ylim(0, max(float(np.nanmax(high)) * 1.1, 1.0))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    literal_text(ax)
    return ax


def _cramp_groups(cramps: pd.DataFrame, by: str | None, column: str, plot: str):
    if not isinstance(cramps, pd.DataFrame):
        raise InputError(f"{plot} needs the cramps table (one row per cramp) as a DataFrame; "
                         f"got {type(cramps).__name__}.")
    if column not in cramps.columns:
        raise InputError(f"{plot}: the cramps table has no column {column!r} "
                         f"({label(column)}), so it is not recorded.")
    if by is not None and by not in cramps.columns:
        raise InputError(f"{plot}: the cramps table has no column {by!r} to group by.")
    if by is None:
        return [("All cramps", cramps)]
    return [(level_label(by, g), part) for g, part in cramps.groupby(by, sort=True)]


def _cramps_n(n: int) -> str:
    return f"{n} cramp" if n == 1 else f"{n} cramps"


def _legend_label(name: str, part: pd.DataFrame, values: pd.Series) -> str:
    text = f"{name} ({_cramps_n(len(values))}"
    if "stopped_play" in part.columns:
        stop = part["stopped_play"].dropna().astype(bool)
        if len(stop):
            text += f"; {100 * stop.mean():.0f} % stopped play"
    return text + ")"


def severity_plot(cramps: pd.DataFrame, *, by: str | None = "session_type",
                  column: str = "severity", ax=None):
    """Distribution of the self-rated severity of cramps (0-10): the share of cramps at each
    score, side by side by session type.

    Parameters
    ----------
    cramps : pandas.DataFrame
        One row per cramp with the severity score (missing scores are left out) and, for
        ``by``, the session type; with ``stopped_play`` the legend gives the share that stopped
        play.
    by : str or None
        Column of groups; None draws all cramps together.
    column : str
        Column of the severity score.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> c = pd.DataFrame({"severity": [2, 5, 5, 7], "stopped_play": [True, False, True, False],
    ...                   "session_type": ["match", "match", "training", "training"]})
    >>> ax = severity_plot(c)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('Cramp severity (0-10)', 'Cramps (% of the group)')
    >>> [t.get_text() for t in ax.get_legend().get_texts()]
    ['Match (2 cramps; 50 % stopped play)', 'Training (2 cramps; 50 % stopped play)']
    >>> [round(p.get_height()) for p in ax.patches if p.get_height() > 0]
    [50, 50, 50, 50]
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    groups = _cramp_groups(cramps, by, column, "severity_plot")
    ax = get_ax(ax, aspect=0.6)
    scores = np.arange(0, 11)
    colours = group_colours(len(groups))
    width = 0.8 / len(groups)
    for i, (name, part) in enumerate(groups):
        values = part[column].dropna().astype(float)
        share = (100 * values.round().value_counts(normalize=True)
                 .reindex(scores, fill_value=0.0)) if len(values) else pd.Series(0.0, scores)
        ax.bar(scores - 0.4 + width * (i + 0.5), share.to_numpy(float), width=width,
               color=colours[i], label=figure_text(_legend_label(name, part, values)))
    ax.set_xticks(scores)
    ax.set_xlim(-0.6, 10.6)
    ax.set_xlabel(figure_text(label(column)))
    ax.set_ylabel("Cramps (% of the group)")
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.legend(frameon=False, loc="upper right")
    top = max((p.get_height() for p in ax.patches), default=1.0)
    ax.set_ylim(0, top * 1.3)
    literal_text(ax)
    return ax


#: Round durations (s) a reader knows, for a log duration axis.
_DURATION_TICKS = (1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200, 21600, 86400)


def cramp_duration_plot(cramps: pd.DataFrame, *, by: str | None = "session_type",
                        column: str = "duration_s", ax=None):
    """How long cramps lasted, by session type: each cramp as a dot over a box of the median
    and interquartile range, on a log axis of seconds.

    Parameters
    ----------
    cramps : pandas.DataFrame
        One row per cramp with the duration (missing and non-positive durations are left out)
        and, for ``by``, the session type.
    by : str or None
        Column of groups; None draws all cramps together.
    column : str
        Column of the duration, in seconds.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> c = pd.DataFrame({"duration_s": [30.0, 60, 90, 120, 45],
    ...                   "session_type": ["match", "match", "training", "training", "match"]})
    >>> ax = cramp_duration_plot(c)
    >>> ax.get_ylabel(), [t.get_text() for t in ax.get_xticklabels()]
    ('Cramp duration (s)', ['Match (3 cramps)', 'Training (2 cramps)'])
    >>> [t.get_text() for t in ax.get_yticklabels()]
    ['30', '60', '120']
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    groups = _cramp_groups(cramps, by, column, "cramp_duration_plot")
    ax = get_ax(ax, aspect=0.6)
    colours = group_colours(len(groups))
    rng = np.random.default_rng(20200301)  # fixed jitter: the same figure every run
    data, names = [], []
    for i, (name, part) in enumerate(groups):
        values = part[column].dropna().astype(float)
        values = values[values > 0]
        data.append(values.to_numpy())
        names.append(f"{name} ({_cramps_n(len(values))})")
        jitter = rng.uniform(-0.18, 0.18, size=len(values))
        ax.plot(i + jitter, values, "o", color=colours[i], alpha=0.35, markersize=2.5,
                markeredgewidth=0, linestyle="none")
    if not any(len(d) for d in data):
        raise InputError("cramp_duration_plot: no cramp has a recorded duration.")
    ax.boxplot([d if len(d) else [np.nan] for d in data], positions=np.arange(len(groups)),
               widths=0.5, whis=(5, 95), showfliers=False, patch_artist=False,
               medianprops={"color": PALETTE[7], "linewidth": 1.2},
               boxprops={"color": PALETTE[7], "linewidth": 0.8},
               whiskerprops={"color": PALETTE[7], "linewidth": 0.8},
               capprops={"color": PALETTE[7], "linewidth": 0.8})
    ax.set_yscale("log")
    every = np.concatenate([d for d in data if len(d)])
    lo, hi = float(every.min()) / 1.3, float(every.max()) * 1.3
    ax.set_ylim(lo, hi)
    ticks = [t for t in _DURATION_TICKS if lo <= t <= hi]
    if len(ticks) > 7:  # keep labels apart on the log axis
        step = int(np.ceil(len(ticks) / 7))
        ticks = ticks[::step]
    ax.yaxis.set_major_locator(FixedLocator(ticks))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_xticks(np.arange(len(groups)), [figure_text(n) for n in names])
    ax.set_xlim(-0.6, len(groups) - 0.4)
    ax.set_ylabel(figure_text(label(column)))
    literal_text(ax)
    return ax
