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
from .incidence import incidence

__all__ = ["cramp_severity", "session_incidence", "weekly_prevalence"]


def session_incidence(data: pd.DataFrame, *, events: str, exposure: str = "exposure_h",
                      session_type: str = "session_type", participant: str = "participant_id",
                      cluster: str | None = None, per: float = 1000,
                      level: float = 0.95) -> Result:
    """Incidence per ``per`` hours by session type (match, training), and overall, per athlete.

    Each session type's rate comes from the negative-binomial model of
    :func:`~glute_study.stats.incidence.incidence` fitted to one count per athlete and session
    type (an athlete contributes a match and a training count, so the standard errors are
    cluster-robust by ``cluster``, or by athlete). The ``overall`` row is the same model fitted
    to one count per athlete (all sessions together), which is the overall rate of the
    incidence analysis of the cohort: the negative-binomial rate is not the crude ratio of
    events to hours but weights athletes by their exposure and the over-dispersion, so a model
    of the athlete-by-session-type counts would give a slightly different overall rate for the
    same events and hours. ``n`` counts athletes in every row.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per session (or per athlete and session type) with the athlete, the session
        type, exposure hours and the event count.
    events, exposure, session_type, participant : str
        Columns of the event count, exposure hours, session type and athlete.
    cluster : str, optional
        Column of teams: standard errors cluster-robust (CR2) by team. Without it the session
        type rates are cluster-robust by athlete and the overall rate uses robust (HC2) errors,
        as :func:`~glute_study.stats.incidence.incidence` does for one row per athlete.
    per : float
        Rate per this many hours.
    level : float
        Confidence level.

    Returns
    -------
    Result
        The table of :func:`~glute_study.stats.incidence.incidence`: one row per session type,
        then ``overall``; ``n`` is athletes with exposure in that session type (all athletes
        for ``overall``) and ``crude_rate`` the events per ``per`` h. ``diagnostics`` add
        ``events`` and ``overall_of_session_model``, the overall rate the athlete-by-session-type
        model would have given.

    Examples
    --------
    >>> s = pd.DataFrame({"participant_id": list("aabbccdd") * 2,
    ...                   "session_type": ["match", "training"] * 8,
    ...                   "exposure_h": [1.5, 2.0] * 8,
    ...                   "cramps": [1, 0, 0, 1, 0, 0, 2, 1, 0, 0, 1, 0, 0, 1, 0, 0]})
    >>> res = session_incidence(s, events="cramps")
    >>> res.table[["term", "events", "exposure_h", "n"]]
           term  events  exposure_h  n
    0     match     4.0        12.0  4
    1  training     3.0        16.0  4
    2   overall     7.0        28.0  4
    """
    level = check_level(level)
    keys = [participant] + ([cluster] if cluster not in (None, participant) else [])
    require_columns(data, [*keys, session_type, exposure, events])
    df = data[[*keys, session_type, exposure, events]]
    by_type = df.groupby([*keys, session_type], as_index=False, sort=True,
                         dropna=False)[[exposure, events]].sum(min_count=1)
    totals = df.groupby(keys, as_index=False, sort=True,
                        dropna=False)[[exposure, events]].sum(min_count=1)
    by_type = by_type[by_type[exposure].fillna(0) > 0]
    totals = totals[totals[exposure].fillna(0) > 0]
    if totals.empty:
        raise InputError(f"no rows with positive {exposure!r}: no athlete was at risk.")
    team = cluster if cluster not in (None, participant) else None
    rates = incidence(by_type, events=events, exposure=exposure, by=session_type,
                      cluster=team or participant, per=per, level=level)
    whole = incidence(totals, events=events, exposure=exposure, cluster=team, per=per,
                      level=level)
    groups = rates.table[rates.table["term"] != "overall"]
    table = pd.concat([groups, whole.table], ignore_index=True)
    lines = rates.text.splitlines()
    overall_line = whole.text.splitlines()[0]
    crude = float(table["crude_rate"].iloc[-1])
    if overall_line.endswith(")."):
        overall_line = (overall_line[:-2] + f", {int(table['n'].iloc[-1])} athletes; crude rate "
                        f"{format_number(crude)} per {per:g} h).")
    lines = [*lines[:len(groups)], overall_line, lines[-1]
             + " The overall rate is from the same model of each athlete's total count over all "
               "sessions, the overall rate of the cohort's incidence analysis; the "
               "negative-binomial rate weights athletes by their exposure and the "
               "over-dispersion, so it differs a little from the crude rate."]
    of_sessions = float(rates.table["estimate"].iloc[-1])
    diag = {**rates.diagnostics, "events": events,
            "overall_of_session_model": of_sessions,
            **{f"overall_{k}": v for k, v in whole.diagnostics.items()
               if k in ("pearson_phi", "theta", "n_rows")}}
    return Result(table, "\n".join(lines), diagnostics=diag, name="session_incidence",
                  kind="incidence", level=level)


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

    rows = [{"variable": "cramps", "level": "n", **{g: str(len(p)) for g, p in groups}}]
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
