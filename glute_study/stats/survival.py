"""Time to first cramp: event times, Kaplan-Meier curves with the log-rank test, Cox models.

The public functions follow one another (:func:`first_cramp_times` is a derived measure:
it lives in :mod:`glute_study.measures`, is re-exported here and is
:meth:`glute_study.Study.cramp_times` on a study)::

    times = first_cramp_times(participants, exposure, cramps, scale="exposure")
    data = times.merge(analysis_table, on="participant_id")
    km = kaplan_meier(data, time="time", event="event", group="arm", left_out="left_out",
                      scale="exposure")
    numbers_at_risk(km)              # the risk table under the curves, as a tidy table
    cox_model(data, "C(arm) + prior_cramps", time="time", event="event", left_out="left_out")

Athletes who are not at risk (on the exposure scale, those without any exposure in follow-up:
the rule of :func:`first_cramp_times`) are left out of both and counted, by group, in the
sentence (:func:`left_out_text`).

Every number is checked against R ``survival`` (``survfit``, ``survdiff``, ``coxph``,
``cox.zph``); the R script and its stored output live in ``tests/reference/survival/``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from .._checks import check_level, check_one_of, require_columns
from ..errors import FitWarning, InputError
from ..labels import group_phrase, level_label, mid_sentence, term_label
from ..measures import LEFT_OUT_REASONS, first_cramp_times
from ._cox import RiskSets, fit_cox
from ._design import _used_columns, drop_incomplete, formula_frames, group_levels, term_columns
from ._result import Result, format_ci, format_number, format_p, level_pct, z_of

__all__ = ["TIME_SCALES", "CoxFit", "KaplanMeierFit", "cox_model", "first_cramp_times",
           "kaplan_meier", "left_out_text", "numbers_at_risk", "risk_times"]

#: The time scales a Kaplan-Meier result may name (``scale=``): the column a table of times
#: on that scale is called by (its label is what a reader sees: "Cumulative exposure (h)") and
#: the unit of the times.
TIME_SCALES = {"exposure": ("cumulative_exposure_h", "h"),
               "calendar": ("follow_up_days", "days")}

_Z95 = stats.norm.ppf(0.975)
#: Tolerance R's ``survmean`` uses to decide that a curve sits exactly on 0.5.
_R_TOL = np.sqrt(np.finfo(float).eps)


# ---------------------------------------------------------------------------------------------
# Kaplan-Meier and log-rank
# ---------------------------------------------------------------------------------------------


@dataclass
class KaplanMeierFit:
    """The fitted Kaplan-Meier curves behind a :func:`kaplan_meier` result.

    Attributes
    ----------
    curve : DataFrame
        One row per group and distinct time: ``group, time, n_risk, n_event, n_censor, surv,
        std_err`` (standard error of the survival, as R ``summary.survfit``), ``ci_low``,
        ``ci_high``.
    medians : DataFrame
        ``group, n, events, median, ci_low, ci_high``.
    logrank : dict or None
        ``chisq, df, p_value`` of the log-rank test (None with fewer than two groups).
    time, event, group : str or None
        The column names used.
    """

    curve: pd.DataFrame
    medians: pd.DataFrame
    logrank: dict | None
    time: str
    event: str
    group: str | None = None


def _km_one(t: np.ndarray, e: np.ndarray, level_z: float = _Z95) -> pd.DataFrame:
    """Kaplan-Meier table at every distinct time, Greenwood variance, log CIs (R's default)."""
    times, inv = np.unique(t, return_inverse=True)
    n_event = np.bincount(inv, weights=e, minlength=len(times))
    n_total = np.bincount(inv, minlength=len(times)).astype(float)
    n_risk = n_total[::-1].cumsum()[::-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        surv = np.cumprod(1.0 - n_event / n_risk)
        green = np.cumsum(np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0))
        se_log = np.sqrt(green)
        low = surv * np.exp(-level_z * se_log)
        high = np.minimum(surv * np.exp(level_z * se_log), 1.0)
        std_err = surv * se_log
    dead = surv <= 0
    low[dead] = np.nan
    high[dead] = np.nan
    return pd.DataFrame(
        {
            "time": times,
            "n_risk": n_risk,
            "n_event": n_event,
            "n_censor": n_total - n_event,
            "surv": surv,
            "std_err": np.where(dead, np.nan, std_err),
            "ci_low": low,
            "ci_high": high,
        }
    )


def _minmin(y: np.ndarray, x: np.ndarray, tol: float = _R_TOL) -> float:
    """First time a curve is at or below 0.5, by R ``survival:::survmean``'s rule.

    When the curve sits exactly on 0.5 (within ``tol``) and drops later, the midpoint between
    that time and the time it drops is returned, as in ``print(survfit(...))``.
    """
    y = np.asarray(y, dtype=float)
    keep = ~np.isnan(y) & (y < 0.5 + tol)
    if not keep.any():
        return np.nan
    x, y = np.asarray(x, float)[keep], y[keep]
    if abs(y[0] - 0.5) < tol and (y < y[0]).any():
        return (x[0] + x[np.flatnonzero(y < y[0])[0]]) / 2
    return float(x[0])


def _median_row(curve: pd.DataFrame) -> tuple[float, float, float]:
    """Median survival time and its CI (where the CI curves reach 0.5), as R ``survfit``."""
    x = curve["time"].to_numpy()
    return (_minmin(curve["surv"].to_numpy(), x), _minmin(curve["ci_low"].to_numpy(), x),
            _minmin(curve["ci_high"].to_numpy(), x))


def _median_ci(low: float, high: float, level: float, unit: str = "") -> str:
    """The median's interval in words; a limit the curve never reaches is "not reached".

    Examples
    --------
    >>> _median_ci(10.0, float("nan"), 0.95, " h")
    '95 % CI 10.0 h to not reached'
    """
    if np.isfinite(low) and np.isfinite(high):
        return f"{format_ci(low, high, 1, level)}{unit}"
    def one(x):
        return f"{format_number(x, 1)}{unit}" if np.isfinite(x) else "not reached"
    return f"{level_pct(level)} % CI {one(low)} to {one(high)}"


def _logrank(t: np.ndarray, e: np.ndarray, g: np.ndarray) -> dict:
    """The k-group log-rank test (R ``survdiff`` with rho = 0)."""
    levels, gi = np.unique(g, return_inverse=True)
    k = len(levels)
    ev_times = np.unique(t[e == 1])
    obs = np.zeros(k)
    exp_ = np.zeros(k)
    var = np.zeros((k, k))
    for s in ev_times:
        at_risk = t >= s
        died = (t == s) & (e == 1)
        n_g = np.bincount(gi[at_risk], minlength=k).astype(float)
        d_g = np.bincount(gi[died], minlength=k).astype(float)
        n, d = n_g.sum(), d_g.sum()
        obs += d_g
        exp_ += d * n_g / n
        if n > 1:
            frac = n_g / n
            var += d * (n - d) / (n - 1) * (np.diag(frac) - np.outer(frac, frac))
    # as R survdiff: groups with no expected events drop out; the first group is the reference
    keep = np.flatnonzero(exp_ > 0)
    df = max(len(keep) - 1, 0)
    if df < 1:
        chisq = p_value = np.nan
    else:
        diff = (obs - exp_)[keep][1:]
        chisq = float(diff @ np.linalg.solve(var[np.ix_(keep, keep)][1:, 1:], diff))
        p_value = float(stats.chi2.sf(chisq, df))
    return {
        "chisq": chisq,
        "df": df,
        "p_value": p_value,
        "observed": dict(zip(levels, obs)),
        "expected": dict(zip(levels, exp_)),
    }


def _complete(data: pd.DataFrame, cols: Sequence[str], *, time: str, event: str, what: str):
    """Complete cases of ``cols``, with checked ``time`` (>= 0) and ``event`` (0/1)."""
    require_columns(data, list(cols), where="data")
    dropped = drop_incomplete(data[list(cols)], list(cols), what=what, stacklevel=4)
    used = dropped.frame
    t = pd.to_numeric(used[time], errors="coerce").to_numpy(float)
    e = pd.to_numeric(used[event], errors="coerce").to_numpy(float)
    if np.isnan(t).any() or (t < 0).any():
        raise InputError(f"column {time!r} must hold non-negative numbers of days or hours.")
    if not np.isin(e, [0.0, 1.0]).all():
        found = sorted(set(np.unique(e)) - {0.0, 1.0})[:5]
        raise InputError(f"column {event!r} must be 0 (censored) or 1 (event); found {found}.")
    if len(used) == 0:
        raise InputError("no complete rows are left for the survival analysis.")
    return used, t, e, dropped


def _reasons(data: pd.DataFrame, left_out: str) -> pd.Series:
    """The ``left_out`` column as stripped text, ``""`` for an athlete at risk."""
    require_columns(data, [left_out], where="data")
    col = data[left_out]
    return col.where(col.notna(), "").astype(str).str.strip()


def _split_left_out(data: pd.DataFrame, left_out: str | None):
    """The rows at risk, and the left-out counts by reason (``{}`` without ``left_out``)."""
    if left_out is None:
        return data, {}
    reasons = _reasons(data, left_out)
    out = reasons[reasons.ne("")]
    return data[reasons.eq("").to_numpy()], {str(k): int(v) for k, v in
                                            out.value_counts(sort=False).items()}


def left_out_text(data: pd.DataFrame, *, left_out: str = "left_out",
                  group: str | None = None) -> str:
    """The sentence that counts the athletes left out of a time-to-cramp analysis, by group.

    Parameters
    ----------
    data : DataFrame
        One row per athlete, with the column ``left_out`` (the reason an athlete is not at risk,
        ``""`` or missing when at risk; :func:`first_cramp_times` gives it).
    left_out : str
        The column of reasons. Reasons of :data:`glute_study.measures.LEFT_OUT_REASONS` read in
        words; any other reason is quoted.
    group : str, optional
        Count by this column too (``"arm"``): every level of it is named, with 0 where none.

    Returns
    -------
    str
        ``""`` when nobody is left out.

    Examples
    --------
    >>> data = pd.DataFrame({"arm": ["control", "control", "glute_training", "glute_training"],
    ...                      "left_out": ["", "no exposure in follow-up", "", ""]})
    >>> print(left_out_text(data, group="arm"))  # doctest: +NORMALIZE_WHITESPACE
    1 athlete without any training or match exposure in follow-up was left out (1 in the
    control arm, 0 in the glute training arm).
    >>> left_out_text(data.assign(left_out=""))
    ''
    """
    reasons = _reasons(data, left_out)
    if group is not None:
        require_columns(data, [group], where="data")
    keys = [k for k in LEFT_OUT_REASONS if reasons.eq(k).any()]
    keys += [k for k in pd.unique(reasons[reasons.ne("")]) if k not in keys]
    if not keys:
        return ""
    levels = [] if group is None else [str(v) for v in group_levels(data[group].dropna())]
    clauses = []
    for key in keys:
        mine = reasons.eq(key).to_numpy()
        n = int(mine.sum())
        words = LEFT_OUT_REASONS.get(key, f"marked {key!r}")
        clause = f"{n} athlete{'s' if n != 1 else ''} {words}"
        if levels:
            by = data.loc[mine, group].astype(str).value_counts()
            clause += " (" + ", ".join(
                f"{int(by.get(lev, 0))} in {group_phrase(group, lev)}"
                for lev in levels) + ")"
        clauses.append(clause)
    total = int(reasons.ne("").sum())
    verb = "was" if total == 1 else "were"
    if len(clauses) == 1:
        head, _, counts = clauses[0].partition(" (")
        return f"{head} {verb} left out" + (f" ({counts}" if counts else "") + "."
    return ", ".join(clauses[:-1]) + f" and {clauses[-1]} {verb} left out."


def kaplan_meier(
    data: pd.DataFrame, *, time: str, event: str, group: str | None = None, level: float = 0.95,
    left_out: str | None = None, scale: str | None = None,
) -> Result:
    """Kaplan-Meier survival curves, median times with CIs, and the log-rank test.

    Parameters
    ----------
    data : DataFrame
        One row per participant.
    time : str
        Column of follow-up times (days or exposure hours).
    event : str
        Column of event indicators: 1 = event (first cramp), 0 = censored.
    group : str, optional
        Column defining the groups to compare (e.g. ``"arm"``).
    level : float
        Confidence level of the pointwise bands and of the medians' intervals.
    left_out : str, optional
        Column of the reason each athlete is not at risk (``"left_out"`` of
        :func:`first_cramp_times`): rows with a reason are left out without a warning, counted by
        reason in ``diagnostics["left_out"]`` and named, by group, in the sentence
        (:func:`left_out_text`, also ``diagnostics["left_out_text"]``).
    scale : {"exposure", "calendar"}, optional
        The time scale of ``time`` (cumulative exposure hours, or days of follow-up): the
        sentence gives times in its unit, and :func:`numbers_at_risk` and the plot's axis name
        it in words (:data:`TIME_SCALES`).

    Returns
    -------
    Result
        ``.table``: one row per group with the median time (``estimate``) and its CI,
        plus ``n`` and ``events``; with a group, a last row ``log_rank`` whose ``statistic``
        is the chi-square (``estimate`` NaN) and ``p_value`` its p. ``.frames["curve"]`` is
        the full survival table (``group, time, n_risk, n_event, n_censor, surv, std_err,
        ci_low, ci_high``); ``.model`` is a :class:`KaplanMeierFit`.

    Notes
    -----
    The survival estimate is the product-limit estimator; its variance is Greenwood's, and
    the pointwise intervals are on the log scale, ``S exp(+-z se(log S))`` (z = 1.96 at 95 %)
    with the upper limit capped at 1 -- R ``survfit``'s default ``conf.type = "log"``. The median
    is the first time the curve reaches 0.5 (when it sits exactly on 0.5, the midpoint between that
    time and the time it drops below) and its CI the times the lower and upper CI limits
    reach 0.5: the rules of R ``print(survfit(...))`` and ``summary(fit)$table`` (R's
    ``quantile()`` treats a curve that ends flat on 0.5 differently).
    The log-rank test is R ``survdiff`` with ``rho = 0``. Rows with a missing time, event or
    group are left out with one warning; their count is ``diagnostics["n_dropped"]``.

    Examples
    --------
    >>> data = pd.DataFrame({"time": [2, 3, 3, 5, 8, 9, 12, 15],
    ...                      "event": [1, 1, 0, 1, 1, 0, 1, 0],
    ...                      "arm": ["a", "b"] * 4})
    >>> res = kaplan_meier(data, time="time", event="event", group="arm")
    >>> res.table[["term", "estimate", "n", "events", "p_value"]]
           term  estimate  n  events   p_value
    0         a       8.0  4       3       NaN
    1         b       5.0  4       2       NaN
    2  log_rank       NaN  8       5  0.545707
    """
    level = check_level(level)
    if scale is not None:
        check_one_of("scale", scale, list(TIME_SCALES))
    unit = f" {TIME_SCALES[scale][1]}" if scale is not None else ""
    why_out = left_out_text(data, left_out=left_out, group=group) if left_out else ""
    data, n_left = _split_left_out(data, left_out)
    cols = [time, event] + ([group] if group is not None else [])
    used, t, e, dropped = _complete(data, cols, time=time, event=event, what="kaplan_meier")
    if group is None:
        labels = np.array(["all"] * len(used), dtype=object)
        levels = ["all"]
    else:
        labels = used[group].astype(str).to_numpy()
        levels = [str(v) for v in group_levels(used[group])]

    curves, rows = [], []
    for lev in levels:
        m = labels == lev
        c = _km_one(t[m], e[m], z_of(level))
        c.insert(0, "group", lev)
        curves.append(c)
        med, low, high = _median_row(c)
        rows.append(
            {"term": lev, "estimate": med, "ci_low": low, "ci_high": high, "p_value": np.nan,
             "n": int(m.sum()), "events": int(e[m].sum()), "statistic": np.nan, "df": np.nan}
        )
    curve = pd.concat(curves, ignore_index=True)
    medians = pd.DataFrame(rows)[["term", "n", "events", "estimate", "ci_low", "ci_high"]]
    medians = medians.rename(columns={"term": "group", "estimate": "median"})
    lr = None
    if len(levels) > 1:
        lr = _logrank(t, e, labels)
        rows.append(
            {"term": "log_rank", "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan,
             "p_value": lr["p_value"], "n": len(used), "events": int(e.sum()),
             "statistic": lr["chisq"], "df": lr["df"]}
        )
    table = pd.DataFrame(rows)
    table["n"] = table["n"].astype(int)
    table["events"] = table["events"].astype(int)

    parts = []
    for r in rows[: len(levels)]:
        who = "" if group is None else f" in {mid_sentence(level_label(group, r['term']))}"
        if np.isfinite(r["estimate"]):
            ci = _median_ci(r["ci_low"], r["ci_high"], level, unit)
            parts.append(
                f"median time to event{who} {format_number(r['estimate'], 1)}{unit} "
                f"({ci}; {r['events']} events in {r['n']})"
            )
        else:
            parts.append(f"median time to event{who} not reached ({r['events']} events in "
                         f"{r['n']})")
    text = "Kaplan-Meier " + "; ".join(parts) + "."
    if lr is not None:
        if lr["df"] >= 1:
            text += (f" Log-rank test: chi2({lr['df']}) = {format_number(lr['chisq'])}, "
                     f"{format_p(lr['p_value'])}.")
        else:
            text += " Log-rank test not possible: fewer than two groups have events at risk."
    if why_out:
        text += " " + why_out
    diagnostics = {"n": len(used), "events": int(e.sum()), **dropped.diagnostics,
                   "conf_type": "log", "variance": "greenwood", "left_out": n_left,
                   "left_out_text": why_out, "time_scale": scale,
                   "time_unit": TIME_SCALES[scale][1] if scale is not None else None}
    if lr is not None:
        diagnostics["observed"] = lr["observed"]
        diagnostics["expected"] = lr["expected"]
    fit = KaplanMeierFit(curve=curve, medians=medians, logrank=None if lr is None else
                         {k: lr[k] for k in ("chisq", "df", "p_value")}, time=time, event=event,
                         group=group)
    return Result(table, text, diagnostics=diagnostics, model=fit, name="kaplan_meier",
                  level=level, frames={"curve": curve})


def risk_times(end: float, *, most: int = 7) -> np.ndarray:
    """Round times from 0 to ``end`` at which to give the numbers at risk (and the axis ticks).

    A step of 1, 2, 2.5 or 5 times a power of ten, the smallest giving at most ``most`` times.

    Examples
    --------
    >>> risk_times(255.0)
    array([  0.,  50., 100., 150., 200., 250.])
    >>> risk_times(168.0)
    array([  0.,  50., 100., 150.])
    >>> risk_times(0.0)
    array([0.])
    """
    if not np.isfinite(end) or end <= 0:
        return np.array([0.0])
    if isinstance(most, bool) or not isinstance(most, int) or most < 2:
        raise InputError(f"`most` must be a whole number of at least 2; got {most!r}.")
    raw = end / (most - 1)
    mag = 10.0 ** np.floor(np.log10(raw))
    step = next(f * mag for f in (1.0, 2.0, 2.5, 5.0, 10.0) if f * mag >= raw * (1 - 1e-12))
    return np.arange(0.0, end * (1 + 1e-12) + step / 2, step)[: int(np.floor(end / step)) + 1]


def numbers_at_risk(result: Result, times: Sequence[float] | None = None) -> pd.DataFrame:
    """The numbers at risk, events so far and survival of each group at given times.

    The table under a Kaplan-Meier plot (R ``survminer``'s risk table), read from a
    :func:`kaplan_meier` result: what R's ``summary(survfit(...), times = times, extend =
    TRUE)`` gives.

    Parameters
    ----------
    result : Result
        What :func:`kaplan_meier` returned.
    times : sequence of float, optional
        Times (on the result's time scale) to report at; by default :func:`risk_times` up to the
        last follow-up time, the times the plot's axis is ticked at.

    Returns
    -------
    DataFrame
        One row per group and time: ``group``, the time (the column is named by the result's
        scale, :data:`TIME_SCALES`: ``cumulative_exposure_h`` or ``follow_up_days``, else
        ``time``), ``n_risk`` (athletes still followed at that time: time >= t), ``events``
        (events at or before t), ``censored`` (censored at or before t), ``surv`` (the
        Kaplan-Meier estimate at t) and its pointwise interval ``ci_low``, ``ci_high`` at the
        result's level. Past a group's last time, ``n_risk`` is 0 and the estimate stays at
        its last value.

    Examples
    --------
    >>> data = pd.DataFrame({"time": [2, 3, 3, 5, 8, 9, 12, 15],
    ...                      "event": [1, 1, 0, 1, 1, 0, 1, 0], "arm": ["a", "b"] * 4})
    >>> km = kaplan_meier(data, time="time", event="event", group="arm")
    >>> numbers_at_risk(km, [0, 5, 10])[["group", "time", "n_risk", "events", "surv"]]
      group  time  n_risk  events   surv
    0     a   0.0       4       0  1.000
    1     a   5.0       2       1  0.750
    2     a  10.0       1       2  0.375
    3     b   0.0       4       0  1.000
    4     b   5.0       3       2  0.500
    5     b  10.0       1       2  0.500
    """
    if not isinstance(result, Result) or result.kind != "kaplan_meier":
        got = f"Result {result.kind!r}" if isinstance(result, Result) else type(result).__name__
        raise InputError(f"numbers_at_risk needs the result of kaplan_meier; got {got}.")
    curve = result.frame("curve")
    if times is None:
        times = risk_times(float(curve["time"].max()))
    try:
        at = np.asarray(list(times), dtype=float).ravel()
    except (TypeError, ValueError):
        raise InputError(f"`times` must be numbers >= 0; got {times!r}.") from None
    if at.size == 0 or not np.isfinite(at).all() or (at < 0).any():
        raise InputError(f"`times` must be one or more finite numbers >= 0; got {list(at)}.")
    at = np.unique(at)
    scale = result.diagnostics.get("time_scale")
    column = TIME_SCALES[scale][0] if scale in TIME_SCALES else "time"
    rows = []
    for group, g in curve.groupby("group", sort=False):
        tj = g["time"].to_numpy(float)
        n_risk = g["n_risk"].to_numpy(float)
        after = np.searchsorted(tj, at, side="left")  # first time >= t
        upto = np.searchsorted(tj, at, side="right") - 1  # last time <= t
        ev = np.r_[0.0, np.cumsum(g["n_event"].to_numpy(float))]
        ce = np.r_[0.0, np.cumsum(g["n_censor"].to_numpy(float))]
        surv, low, high = (np.r_[1.0, g[c].to_numpy(float)] for c in ("surv", "ci_low", "ci_high"))
        rows.append(pd.DataFrame({
            "group": group, column: at,
            "n_risk": np.where(after < len(tj), n_risk[np.minimum(after, len(tj) - 1)], 0.0
                               ).astype(int),
            "events": ev[upto + 1].astype(int), "censored": ce[upto + 1].astype(int),
            "surv": surv[upto + 1], "ci_low": low[upto + 1], "ci_high": high[upto + 1]}))
    return pd.concat(rows, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Cox proportional hazards
# ---------------------------------------------------------------------------------------------


@dataclass
class CoxFit:
    """The fitted Cox model behind a :func:`cox_model` result.

    Attributes
    ----------
    results : CoxCore
        The fit of :func:`glute_study.stats._cox.fit_cox` (coefficients on the log-hazard
        scale, their covariance, the log partial likelihood).
    ph_test : DataFrame
        Schoenfeld-residual score tests: ``term, chisq, df, p_value`` per formula term and a
        ``GLOBAL`` row.
    design_terms : dict
        Formula term -> the coefficient names it spans.
    design : object
        Knows each factor coefficient's reference level (``design.reference_level(term)``),
        so that a table of the fit reads "High vs low sitting tertile".
    """

    results: object
    ph_test: pd.DataFrame
    design_terms: dict = field(default_factory=dict)
    design: object = None


@dataclass(frozen=True)
class _References:
    """The reference level of each treatment-coded coefficient of a Cox design."""

    levels: dict

    def reference_level(self, term: str) -> str | None:
        return self.levels.get(term)


def _rhs(formula_or_covariates: str | Sequence[str]) -> str:
    if isinstance(formula_or_covariates, str):
        rhs = formula_or_covariates.split("~", 1)[-1].strip()
    else:
        cols = list(formula_or_covariates)
        if not cols:
            raise InputError("cox_model needs at least one covariate; got none.")
        rhs = " + ".join(cols)
    if not rhs:
        raise InputError("the Cox formula has no covariates after '~'.")
    return rhs


def _cox_design(frame: pd.DataFrame, rhs: str) -> tuple[pd.DataFrame, dict[str, list[int]]]:
    """The Cox design frame of ``rhs`` (no intercept) and the columns of each formula term.

    Built with an intercept, then dropped, so that every factor is treatment coded as in R;
    rows where a term is missing are left out (see :func:`formula_frames`).
    """
    _, full = formula_frames(
        frame, rhs, outcome=False,
        error=lambda err: f"the Cox formula {rhs!r} cannot be built from the data: {err}")
    design = full.drop(columns="Intercept", errors="ignore")
    terms = {}
    for term_name, sl in term_columns(full).items():
        if term_name == "Intercept":
            continue
        terms[term_name] = [i - 1 for i in range(sl.start, sl.stop)]
    return design, terms


def _default_reference(frame: pd.DataFrame, term: str) -> str | None:
    """The reference level patsy gives a factor term without ``Treatment``: the first level in
    sorted order (the label of ``group[T.b]`` needs it: "b vs a")."""
    if "[T." not in term or "Treatment" in term:
        return None
    column = term.split("[T.", 1)[0].removeprefix("C(").split(",")[0].rstrip(")").strip()
    if column not in frame.columns:
        return None
    values = frame[column].dropna()
    if isinstance(values.dtype, pd.CategoricalDtype):
        return str(values.cat.categories[0]) if len(values.cat.categories) else None
    levels = sorted(pd.unique(values), key=lambda v: (str(type(v)), v))
    return str(levels[0]) if levels else None


def _check_rank(x: np.ndarray, rhs: str) -> None:
    """Refuse a Cox design with collinear or constant columns (the fit would be singular)."""
    if x.shape[0] == 0 or np.linalg.matrix_rank(x - x.mean(axis=0)) < x.shape[1]:
        raise InputError(
            f"the Cox design for {rhs!r} has collinear or constant columns; drop or merge them."
        )


def _score_info_at(t, e, x, eta, g, efron):
    """Score of ``x * g(t)`` and the information of ``[x, x * g(t)]`` at fixed ``eta``.

    The computation of R ``survival``'s C routine ``zph1``: with the log hazard fixed at the
    Cox fit, the time-varying terms ``x g(t)`` are added with coefficient 0. Ties follow
    Efron (or Breslow) exactly as in the fit.
    """
    n, p = x.shape
    w = np.exp(eta - eta.max())
    order = np.argsort(-t, kind="stable")
    ts, xs, ws = t[order], x[order], w[order]
    s0 = np.cumsum(ws)
    s1 = np.cumsum(ws[:, None] * xs, axis=0)
    s2 = np.cumsum(ws[:, None, None] * xs[:, :, None] * xs[:, None, :], axis=0)
    u2 = np.zeros(p)
    i11 = np.zeros((p, p))
    i12 = np.zeros((p, p))
    i22 = np.zeros((p, p))
    for s in np.unique(t[e == 1]):
        last = np.searchsorted(-ts, -s, side="right") - 1  # last index with ts >= s
        died = (t == s) & (e == 1)
        d = int(died.sum())
        wd, xd = w[died], x[died]
        d0, d1 = wd.sum(), wd @ xd
        d2 = (wd[:, None] * xd).T @ xd
        score = xd.sum(axis=0)
        info = np.zeros((p, p))
        for r in range(d):
            f = r / d if efron else 0.0
            a0 = s0[last] - f * d0
            a1 = s1[last] - f * d1
            a2 = s2[last] - f * d2
            mean = a1 / a0
            score = score - mean
            info = info + a2 / a0 - np.outer(mean, mean)
        gk = g[np.flatnonzero(died)[0]]
        u2 += gk * score
        i11 += info
        i12 += gk * info
        i22 += gk * gk * info
    imat = np.block([[i11, i12], [i12.T, i22]])
    return u2, imat


def _km_transform(t: np.ndarray, e: np.ndarray) -> np.ndarray:
    """1 - S(t-) of the pooled Kaplan-Meier curve: cox.zph's ``transform = "km"``."""
    c = _km_one(t, e)
    idx = np.searchsorted(c["time"].to_numpy(), t, side="left")  # number of times < t
    return 1.0 - np.r_[1.0, c["surv"].to_numpy()][idx]


def _zph(t, e, x, eta, terms: dict[str, list[int]], efron: bool) -> pd.DataFrame:
    """Schoenfeld-residual score tests of proportional hazards, as R ``cox.zph``."""
    p = x.shape[1]
    if np.unique(t[e == 1]).size < 2:  # no spread of event times to test a trend over
        rows = [(name, np.nan, len(cols)) for name, cols in terms.items()]
        out = pd.DataFrame(rows + [("GLOBAL", np.nan, p)], columns=["term", "chisq", "df"])
        out["p_value"] = np.nan
        return out
    tt = _km_transform(t, e)
    g = tt - tt[e == 1].mean()
    u2, imat = _score_info_at(t, e, x, eta, g, efron)

    def score_test(kk, u):
        try:
            return float(np.linalg.solve(imat[np.ix_(kk, kk)], u) @ u)
        except np.linalg.LinAlgError:  # a covariate without variation among the events
            return np.nan

    rows = []
    for name, cols in terms.items():
        kk = list(range(p)) + [p + j for j in cols]
        rows.append((name, score_test(kk, np.r_[np.zeros(p), u2[cols]]), len(cols)))
    rows.append(("GLOBAL", score_test(list(range(2 * p)), np.r_[np.zeros(p), u2]), p))
    out = pd.DataFrame(rows, columns=["term", "chisq", "df"])
    out["p_value"] = stats.chi2.sf(out["chisq"], out["df"])
    return out


def cox_model(
    data: pd.DataFrame,
    formula_or_covariates: str | Sequence[str],
    *,
    time: str,
    event: str,
    ties: str = "efron",
    level: float = 0.95,
    left_out: str | None = None,
) -> Result:
    """Cox proportional-hazards model with hazard ratios and a Schoenfeld-residual PH check.

    Parameters
    ----------
    data : DataFrame
        One row per participant.
    formula_or_covariates : str or sequence of str
        The right-hand side of a patsy formula (``"sitting_h_day + C(arm)"``, a leading
        ``~`` is allowed) or a list of column names. Text columns become treatment-coded
        factors.
    time, event : str
        Columns of follow-up time and event indicator (1 = event, 0 = censored).
    ties : {"efron", "breslow"}
        Handling of tied event times (R ``coxph``'s default is Efron).
    level : float
        Confidence level of the hazard ratios' Wald intervals.
    left_out : str, optional
        Column of the reason each athlete is not at risk (``"left_out"`` of
        :func:`first_cramp_times`): those rows are left out without a warning and counted in
        the sentence and in ``diagnostics["left_out"]``, as in :func:`kaplan_meier`.

    Returns
    -------
    Result
        ``.table``: one row per coefficient (``term`` as the formula names it) with the
        hazard ratio, its Wald CI and p, and ``coef``, ``se``, ``z``. ``.diagnostics``
        holds ``ph_test`` (the proportional-hazards tests), ``events``, ``events_per_parameter``,
        ``log_likelihood``. ``.model`` is a :class:`CoxFit`.

    Warns
    -----
    FitWarning
        With fewer than 10 events per coefficient; when a coefficient runs off to infinity
        (R ``coxph``'s "Loglik converged before variable" check); when the fit did not converge;
        and when the global proportional-hazards test has p < .05.

    Notes
    -----
    The partial likelihood is the one :func:`~glute_study.stats.recurrent_events` uses
    (:mod:`glute_study.stats._cox`), maximised by Newton-Raphson. The proportional-hazards check
    is the score test of R ``survival`` (>= 3.0) ``cox.zph`` with its defaults ``transform =
    "km"``, ``terms = TRUE``: each term ``x`` is joined by ``x g(t)``, where ``g`` is one minus
    the left-continuous pooled Kaplan-Meier curve, centred on its mean over events, and the
    score for the new coefficients at 0 (with the Cox coefficients at their estimates) is
    referred to chi-square with one degree of freedom per column of the term; the ``GLOBAL`` row
    tests all of them together.

    Examples
    --------
    >>> rng = np.random.default_rng(7)
    >>> x = rng.normal(size=80)
    >>> data = pd.DataFrame({"time": np.round(rng.exponential(10 / np.exp(0.5 * x)), 1),
    ...                      "event": (rng.uniform(size=80) < 0.8).astype(int), "x": x})
    >>> res = cox_model(data, ["x"], time="time", event="event")
    >>> res.table[["term", "estimate", "ci_low", "ci_high"]].round(3)
      term  estimate  ci_low  ci_high
    0    x     1.668    1.24    2.244
    >>> res.diagnostics["ph_test"]["term"].tolist()
    ['x', 'GLOBAL']
    """
    check_one_of("ties", ties, ["efron", "breslow"])
    level = check_level(level)
    rhs = _rhs(formula_or_covariates)
    why_out = left_out_text(data, left_out=left_out) if left_out else ""
    data, n_left = _split_left_out(data, left_out)
    require_columns(data, [time, event], where="data")
    cols = list(dict.fromkeys([time, event, *_used_columns(data, [rhs])]))
    complete = drop_incomplete(data, cols, what="cox_model", stacklevel=3)
    design, terms = _cox_design(complete.frame, rhs)
    used, t, e, _ = _complete(data.loc[design.index], [time, event], time=time, event=event,
                              what="cox_model")
    design = design.loc[used.index]
    x = design.to_numpy(float)
    p = x.shape[1]
    _check_rank(x, rhs)
    n_events = int(e.sum())
    if n_events == 0:
        raise InputError("there are no events; a Cox model needs at least one.")

    rs = RiskSets(None, t, e, efron=ties == "efron")
    res = fit_cox(rs, x)
    beta = res.coef
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.diag(res.cov))
    converged = bool(res.converged and np.all(np.isfinite(se)))
    infinite = res.infinite
    with np.errstate(invalid="ignore", over="ignore"):
        z = beta / se
        pval = 2 * stats.norm.sf(np.abs(z))
        zq = z_of(level)
        lows, highs = np.exp(beta - zq * se), np.exp(beta + zq * se)
    names = list(design.columns)
    table = pd.DataFrame(
        {
            "term": names,
            "estimate": np.exp(beta),
            "ci_low": lows,
            "ci_high": highs,
            "p_value": pval,
            "coef": beta,
            "se": se,
            "z": z,
        }
    )
    eta = x @ beta
    ph = _zph(t, e, x - x.mean(axis=0), eta - eta.mean(), terms, efron=ties == "efron")

    epp = n_events / p
    if epp < 10:
        warnings.warn(
            f"the Cox model has {n_events} events for {p} coefficients ({epp:.1f} per "
            "coefficient, under 10): hazard ratios may be biased and CIs too narrow; use fewer "
            "covariates.", FitWarning, stacklevel=2)
    if infinite.any():
        which = ", ".join(np.asarray(names)[infinite])
        warnings.warn(f"the Cox log-likelihood converged before {which}: the hazard ratio may "
                      "be infinite or zero (monotone likelihood, e.g. a group without events); "
                      "do not report it.", FitWarning, stacklevel=2)
    elif not converged:
        warnings.warn(f"the Cox model did not converge (after {res.iterations} Newton steps).",
                      FitWarning, stacklevel=2)
    glob = ph.iloc[-1]
    if np.unique(t[e == 1]).size < 2:
        warnings.warn(
            f"every event in {time!r} is at the same time ({t[e == 1][0]:g}): the Cox model "
            "has no order of events to compare, and proportional hazards cannot be tested. "
            "Give the time to the event (e.g. time to first cramp), not the length of "
            "follow-up.", FitWarning, stacklevel=2)
    elif not np.isfinite(glob["p_value"]):
        warnings.warn("the Schoenfeld-residual test of proportional hazards is not estimable "
                      "(a covariate does not vary among the events).", FitWarning, stacklevel=2)
    elif glob["p_value"] < 0.05:
        warnings.warn(
            f"proportional hazards look violated (Schoenfeld global test chi2({int(glob['df'])})"
            f" = {glob['chisq']:.2f}, p = {glob['p_value']:.3g}); hazard ratios are averages "
            "over time.", FitWarning, stacklevel=2)

    references = {n: r for n in names
                  if (r := _default_reference(complete.frame, n)) is not None}
    sentences = [
        f"{term_label(r.term, reference=references.get(r.term))}: "
        f"HR {format_number(r.estimate)}, "
        f"{format_ci(r.ci_low, r.ci_high, level=level)}, {format_p(r.p_value)}."
        for r in table.itertuples()
    ]
    ph_text = (f" Schoenfeld-residual test of proportional hazards: global "
               f"chi2({int(glob['df'])}) = {format_number(glob['chisq'])}, "
               f"{format_p(glob['p_value'])}." if np.isfinite(glob["p_value"]) else
               " The Schoenfeld-residual test of proportional hazards was not estimable.")
    text = (f"Cox proportional-hazards model ({len(design)} participants, {n_events} events, "
            f"{ties.capitalize()} ties): " + " ".join(sentences) + ph_text
            + (f" {why_out}" if why_out else ""))
    diagnostics = {
        "n": len(design),
        "n_dropped": len(data) - len(design),
        "dropped_by": complete.dropped_by,
        "events": n_events,
        "events_per_parameter": epp,
        "log_likelihood": float(res.loglik),
        "converged": converged,
        "infinite_terms": [n for n, f in zip(names, infinite) if f],
        "ties": ties,
        "ph_test": ph,
        "left_out": n_left,
        "left_out_text": why_out,
    }
    fit = CoxFit(results=res, ph_test=ph,
                 design_terms={k: [names[i] for i in v] for k, v in terms.items()},
                 design=_References(references))
    return Result(table, text, diagnostics=diagnostics, model=fit, name="cox_model",
                  level=level)
