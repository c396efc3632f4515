"""Surveillance figures of the IOC consensus (Bahr et al. 2020, STROBE-SIIS 15.1 and 15.2).

Incidence by session type uses :func:`glute_study.stats.incidence.incidence` (no second rate
engine lives here). This module adds what the consensus asks for besides rates: the weekly
prevalence of cramping (the share of athletes at risk in a week who had at least one cramp in it)
and a descriptive summary of cramp severity.

Each athlete counts once per week, so the athlete-level clustering that widens rate intervals
does not arise within a week; the weekly share is a binomial proportion of athletes and its
interval is the Wilson score interval (R ``prop.test(k, n, correct = FALSE)``), which keeps its
coverage for small shares where the Wald interval fails. Athletes of one team are not fully
independent; with the small team correlation of cramp counts (about 0.03) the Wilson interval is
a close approximation, slightly narrow.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._checks import check_level, require_columns
from ..errors import InputError
from ._proportions import wilson_interval
from ._result import Result, format_number

__all__ = ["cramp_severity", "weekly_prevalence"]


def weekly_prevalence(data: pd.DataFrame, *, week: str, events: str = "cramps",
                      exposure: str = "exposure_h", participant: str = "participant_id",
                      level: float = 0.95) -> Result:
    """Share of athletes with exposure in a week who had at least one cramp that week.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per session (or athlete-week) with the athlete, the week, the exposure hours
        and the cramp count.
    week : str
        Column with the week (1 = first week of follow-up).
    events, exposure, participant : str
        Columns of cramp counts, exposure hours and the athlete.
    level : float
        Confidence level of the Wilson intervals.

    Returns
    -------
    Result
        One row per week: ``term`` ("Week 1"...), ``estimate`` the prevalence (a proportion),
        Wilson ``ci_low``/``ci_high``, empty ``p_value``, then ``week``, ``athletes`` (at risk)
        and ``cases`` (with at least one cramp).

    Examples
    --------
    >>> df = pd.DataFrame({"participant_id": ["a", "a", "b", "c", "a", "b"],
    ...                    "week": [1, 1, 1, 1, 2, 2], "exposure_h": [1.5, 2, 2, 1, 2, 2],
    ...                    "cramps": [1, 0, 0, 0, 0, 1]})
    >>> res = weekly_prevalence(df, week="week")
    >>> res.table[["term", "estimate", "ci_low", "ci_high", "athletes", "cases"]].round(3)
         term  estimate  ci_low  ci_high  athletes  cases
    0  Week 1     0.333   0.061    0.792         3      1
    1  Week 2     0.500   0.095    0.905         2      1
    """
    level = check_level(level)
    require_columns(data, [participant, week, events, exposure])
    df = data[[participant, week, events, exposure]].dropna()
    df = df[df[exposure].astype(float) > 0]
    if df.empty:
        raise InputError(f"no rows with positive {exposure!r}: no athlete was at risk in any "
                         "week.")
    per = df.groupby([week, participant], sort=True)[events].sum()
    by_week = (per > 0).groupby(level=0).agg(["size", "sum"])
    n = by_week["size"].to_numpy(dtype=float)
    k = by_week["sum"].to_numpy(dtype=float)
    low, high = wilson_interval(k / n, n, level)
    weeks = by_week.index.to_numpy()
    table = pd.DataFrame({
        "term": [f"Week {int(w)}" for w in weeks], "estimate": k / n, "ci_low": low,
        "ci_high": high, "p_value": np.nan, "week": weeks.astype(int),
        "athletes": n.astype(int), "cases": k.astype(int)})
    pct = 100 * table["estimate"]
    lo, hi = int(pct.to_numpy().argmin()), int(pct.to_numpy().argmax())
    pct_level = f"{100 * level:g} %"
    text = (f"Over {len(table)} weeks of follow-up, the weekly prevalence of cramping (athletes "
            f"with at least one cramp among those with exposure that week) ranged from "
            f"{format_number(pct.iloc[lo], 1)} % in week {table['week'].iloc[lo]} to "
            f"{format_number(pct.iloc[hi], 1)} % in week {table['week'].iloc[hi]} "
            f"(mean over weeks {format_number(pct.mean(), 1)} %; a median of "
            f"{int(np.median(n))} athletes at risk per week). Intervals are {pct_level} Wilson "
            "score intervals; each athlete counts once per week.")
    return Result(table, text, diagnostics={"n_weeks": len(table), "level": level},
                  name="weekly_prevalence", level=level)


def cramp_severity(cramps: pd.DataFrame, *, by: str | None = None) -> pd.DataFrame:
    """Severity of cramps as recorded: median (IQR) of self-rated severity and duration, and
    how many stopped play, overall and by group.

    Parameters
    ----------
    cramps : pandas.DataFrame
        One row per cramp with any of ``severity``, ``duration_s`` and ``stopped_play``.
    by : str, optional
        Column with groups (``"session_type"``).

    Returns
    -------
    pandas.DataFrame
        ``variable, level, overall`` then one column per group: ``n`` (cramps), each number as
        median (IQR) with the recorded count, ``stopped_play`` as n (%). Columns the table does
        not hold are left out (time lost in days is not a codebook column, so it never appears).

    Examples
    --------
    >>> c = pd.DataFrame({"severity": [2, 5, 7, 4], "duration_s": [30.0, 60, 90, 120],
    ...                   "stopped_play": [True, False, True, False]})
    >>> cramp_severity(c)["overall"].tolist()
    ['4', '4.5 (3.5 to 5.5); n = 4', '75.0 (52.5 to 97.5); n = 4', '2 (50.0 %)']
    """
    groups = [("overall", cramps)]
    if by is not None:
        require_columns(cramps, [by])
        groups += [(str(g), part) for g, part in cramps.groupby(by, sort=True)]

    def med(x: pd.Series, digits: int) -> str:
        x = x.dropna().astype(float)
        if x.empty:
            return "not recorded"
        q1, q2, q3 = np.percentile(x, [25, 50, 75])
        return (f"{format_number(q2, digits)} ({format_number(q1, digits)} to "
                f"{format_number(q3, digits)}); n = {len(x)}")

    rows = [{"variable": "n", "level": "", **{g: str(len(p)) for g, p in groups}}]
    for col, digits in (("severity", 1), ("duration_s", 1)):
        if col in cramps:
            rows.append({"variable": col, "level": "median (IQR)",
                         **{g: med(p[col], digits) for g, p in groups}})
    if "stopped_play" in cramps:
        cells = {}
        for g, p in groups:
            x = p["stopped_play"].dropna().astype(bool)
            cells[g] = (f"{int(x.sum())} ({format_number(100 * x.mean(), 1)} %)" if len(x)
                        else "not recorded")
        rows.append({"variable": "stopped_play", "level": "yes", **cells})
    return pd.DataFrame(rows)
