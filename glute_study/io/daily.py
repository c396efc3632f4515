"""The daily sitting summary shared by every device: one row per participant-day.

Each device reader turns its recording into *posture intervals* (a start time, a duration in
seconds and one of the states in :data:`STATES`); :func:`daily_sitting` then computes, for every
calendar day the recording touches,

* ``sitting_h``: hours in the ``sitting`` state;
* ``prolonged_sitting_h`` / ``prolonged_sitting_60_h``: hours inside sitting bouts lasting at
  least 30 / 60 minutes (a bout is judged on its whole length, then its time is split by day);
* ``sitting_bouts``: bouts that start on that day;
* ``breaks``: sit-to-upright transitions on that day (a bout followed directly by an upright
  state: ``upright``, ``standing``, ``stepping`` or ``cycling``); a bout ending in lying, bed,
  non-wear, other or a gap in the recording is not a break;
* ``breaks_per_sitting_h``: breaks / sitting hours (NaN on a day without sitting);
* ``wear_h``: waking wear hours (every state except ``in_bed`` and ``nonwear``; ``lying`` is
  lying awake and ``other`` is any other waking posture, e.g. seated transport when a rule
  keeps it out of sitting);
* ``valid_day``: ``wear_h >= valid_day`` hours (the threshold is a stated argument);
* ``upright_h``: all upright time (``upright``, ``standing``, ``stepping`` and ``cycling``);
  ``standing_h``, ``stepping_h`` (walking, running, stairs) and ``cycling_h`` where the device
  tells them apart (``split_upright=True``), NaN where it does not; ``steps`` where the device
  counts them (the per-interval ``steps`` given), else NaN.

Intervals are split at midnight (device local clock), so an evening bout that runs past midnight
adds its time to both days. Consecutive intervals less than ``tolerance_s`` apart count as
contiguous (device clocks are rounded); larger gaps are unrecorded time, and a gap of more than
a week inside one recording is warned about. Overlapping intervals are an error, and so are
time-zone-aware starts (days are cut at the device clock's midnight). The rules used are
returned in ``.attrs["rule"]`` (a sentence) and ``.attrs["rules"]`` (a dict).

This is the bottom layer of the device readers: :mod:`~glute_study.io.activpal`,
:mod:`~glute_study.io.actigraph_days` and :mod:`~glute_study.io.accel_epochs` build on it (and on
:func:`local_times` and :func:`column_numbers`, the checked conversions of a time or number
column they share); it imports none of them. Reading a folder of device files is
:mod:`glute_study.io.device_folder`, the layer above them.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .._checks import require_columns
from .._text import UTC_OFFSET
from ..errors import GluteStudyWarning, InputError

__all__ = [
    "DAILY_COLUMNS",
    "STATES",
    "column_numbers",
    "daily_sitting",
    "local_times",
    "summarise_intervals",
]

#: Posture states of an interval, in the order of their integer codes.
STATES = ("sitting", "upright", "lying", "other", "in_bed", "nonwear", "standing", "stepping",
          "cycling")

#: Columns of the daily table; the first nine are the codebook ``sitting`` table.
DAILY_COLUMNS = (
    "participant_id",
    "date",
    "instrument",
    "sitting_h",
    "prolonged_sitting_h",
    "sitting_bouts",
    "breaks",
    "wear_h",
    "valid_day",
    "prolonged_sitting_60_h",
    "breaks_per_sitting_h",
    "sitting_pct_wear",
    "upright_h",
    "lying_h",
    "other_h",
    "in_bed_h",
    "nonwear_h",
    "recorded_h",
    "standing_h",
    "stepping_h",
    "cycling_h",
    "steps",
)

_DAY = 86400.0
_LONG_GAP_S = 7 * _DAY  # a gap this long inside one recording is warned about
_SIT = 0
_UPRIGHT = tuple(STATES.index(s) for s in ("upright", "standing", "stepping", "cycling"))


def daily_sitting(
    intervals: pd.DataFrame,
    *,
    participant_id: object = None,
    instrument: str,
    valid_day: float = 10.0,
    tolerance_s: float = 1.0,
    rule: str = "",
    split_upright: bool = False,
) -> pd.DataFrame:
    """Summarise posture intervals into one row per participant-day.

    Parameters
    ----------
    intervals : DataFrame
        Columns ``start`` (datetime64, device local clock), ``duration_s`` (float seconds) and
        ``state`` (one of :data:`STATES`). Any order; they must not overlap.
    participant_id : object, optional
        Written to the ``participant_id`` column.
    instrument : str
        Written to the ``instrument`` column (``"activpal"``, ``"actigraph"``, ...).
    valid_day : float
        Minimum waking wear hours for a valid day (10 is the common waking-wear rule).
    tolerance_s : float
        Intervals closer than this are contiguous (for bouts and breaks); overlaps larger than
        this are an error.
    rule : str
        The device-specific part of the rule sentence (how states were assigned).
    split_upright : bool
        Whether the device tells standing, stepping and cycling apart (then ``standing_h``,
        ``stepping_h`` and ``cycling_h`` are reported; else they are NaN). An optional ``steps``
        column of the intervals (steps in each interval) gives the daily ``steps``.

    Returns
    -------
    DataFrame
        The columns in :data:`DAILY_COLUMNS`, one row per calendar day from the first to the last
        day the recording touches; ``date`` is midnight of the day. ``.attrs`` holds ``rule``,
        ``rules`` and the recording's ``start`` and ``end``.

    Examples
    --------
    >>> iv = pd.DataFrame({
    ...     "start": pd.to_datetime(["2024-01-01 23:00", "2024-01-02 00:30",
    ...                              "2024-01-02 00:40"]),
    ...     "duration_s": [5400.0, 600.0, 3600.0],
    ...     "state": ["sitting", "upright", "sitting"]})
    >>> d = daily_sitting(iv, participant_id="P1", instrument="activpal", valid_day=1)
    >>> d[["date", "sitting_h", "sitting_bouts", "breaks", "wear_h"]].round(2)
            date  sitting_h  sitting_bouts  breaks  wear_h
    0 2024-01-01        1.0              1       0    1.00
    1 2024-01-02        1.5              1       1    1.67
    >>> d["prolonged_sitting_h"].tolist(), d["valid_day"].tolist()
    ([1.0, 1.5], [True, True])
    """
    require_columns(intervals, ["start", "duration_s", "state"], where="the posture intervals")
    unknown = set(pd.unique(intervals["state"])) - set(STATES)
    if unknown:
        raise InputError(
            f"posture states must be among {', '.join(STATES)}; found "
            f"{', '.join(sorted(map(str, unknown)))}."
        )
    where = "the posture intervals"
    stamps = local_times(intervals["start"], column="start", where=where)
    dur = column_numbers(intervals["duration_s"], column="duration_s", where=where)
    if stamps.isna().any() or np.isnan(dur).any() or (dur < 0).any():
        raise InputError(
            "posture intervals need a start and a non-negative duration_s on every row."
        )
    start = stamps.to_numpy("datetime64[ns]").astype(np.int64) / 1e9
    code = pd.Categorical(intervals["state"], categories=STATES).codes.astype(np.int8)
    steps = None
    if "steps" in intervals:
        steps = column_numbers(intervals["steps"], column="steps", where=where)
    return summarise_intervals(
        start, dur, code, participant_id=participant_id, instrument=instrument,
        valid_day=valid_day, tolerance_s=tolerance_s, rule=rule,
        source=str(intervals.attrs.get("path") or ""), split_upright=split_upright,
        steps=steps,
    )




def _check_hours(valid_day: object) -> None:
    ok = isinstance(valid_day, (int, float, np.integer, np.floating)) and not isinstance(
        valid_day, bool) and 0 <= float(valid_day) <= 24
    if not ok:
        raise InputError(
            f"`valid_day` must be a number of hours from 0 to 24; got {valid_day!r}. It is the "
            "least waking wear time of a valid day (10 h; 20 h for 24-h protocols)."
        )


def local_times(values: pd.Series, *, column: str, where: str) -> pd.Series:
    """``values`` as datetime64 on the device's local clock, or an :class:`InputError`.

    Time-zone-aware times are refused: converting them silently to UTC would cut days at UTC
    midnight, and a clock that goes back for daylight saving would overlap itself.

    Examples
    --------
    >>> local_times(pd.Series(["2024-01-01 08:00"]), column="start", where="the events")
    0   2024-01-01 08:00:00
    dtype: datetime64[ns]
    >>> local_times(pd.Series(["2024-01-01 08:00+01:00"]), column="start", where="the events")
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: the events: column 'start' holds '2024-01-01 08:00+01:00' \
(row 0), a time with a time zone or UTC offset; days are cut at midnight of the device's local \
clock, which has none. Pass wall-clock times without an offset.
    """
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        raise InputError(
            f"{where}: column {column!r} carries a time zone ({values.dt.tz}); days are cut at "
            "midnight of the device's local clock, which has none. Pass the wall-clock times "
            f"(`{column}.dt.tz_localize(None)`), or convert first with `.dt.tz_convert(...)`."
        )
    if values.dtype.kind != "M":
        import warnings

        zoned = values.map(lambda v: getattr(v, "tzinfo", None) is not None
                           or (isinstance(v, str) and bool(re.match(UTC_OFFSET, v.strip()))))
        if zoned.any():
            i = int(np.flatnonzero(zoned.to_numpy())[0])
            raise InputError(
                f"{where}: column {column!r} holds {values.iloc[i]!r} (row {i}), a time with a "
                "time zone or UTC offset; days are cut at midnight of the device's local clock, "
                "which has none. Pass wall-clock times without an offset."
            )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas warns about formats it could not infer
            parsed = pd.to_datetime(values, errors="coerce", format="ISO8601")
        bad = parsed.isna() & values.notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"{where}: column {column!r} holds {values.iloc[i]!r} (row {i}), not a date-time; "
                "pass datetime64 values or ISO text (2024-01-01 08:00:00)."
            )
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            return local_times(parsed, column=column, where=where)
        values = parsed
    return values


def column_numbers(values: pd.Series, *, column: str, where: str) -> np.ndarray:
    """``values`` as float64, or an :class:`InputError` naming the first that is not a number.

    Examples
    --------
    >>> column_numbers(pd.Series(["1.5", None]), column="axis1", where="the epochs")
    array([1.5, nan])
    >>> column_numbers(pd.Series(["1.5", "x"]), column="axis1", where="the epochs")
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: the epochs: column 'axis1' holds 'x' (row 1), not a number.
    """
    if values.dtype.kind in "biuf":
        return values.to_numpy(dtype=float)
    parsed = pd.to_numeric(values, errors="coerce")
    bad = parsed.isna() & values.notna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{where}: column {column!r} holds {values.iloc[i]!r} (row {i}), not a "
                         "number.")
    return parsed.to_numpy(dtype=float)


def summarise_intervals(
    start: np.ndarray,
    dur: np.ndarray,
    code: np.ndarray,
    *,
    participant_id: object,
    instrument: str,
    valid_day: float,
    tolerance_s: float,
    rule: str,
    source: str = "",
    split_upright: bool = False,
    steps: np.ndarray | None = None,
    bed_exit_break: bool = False,
) -> pd.DataFrame:
    """:func:`daily_sitting` on arrays: start (s since 1970), duration (s), state index.

    ``source`` names the recording (a file path) in warnings; ``steps`` (per interval, counted
    on the day the interval starts) gives the daily ``steps``; ``split_upright`` says whether
    ``standing_h``, ``stepping_h`` and ``cycling_h`` are measured (else NaN); with
    ``bed_exit_break`` a period in bed followed directly by upright time also counts as a break.
    """
    _check_hours(valid_day)
    order = np.argsort(start, kind="stable")
    start, dur, code = start[order], dur[order], code[order]
    if steps is not None:
        steps = np.asarray(steps, dtype=float)[order]
    rules = {
        "valid_day_min_wear_h": float(valid_day),
        "prolonged_min": (30, 60),
        "tolerance_s": float(tolerance_s),
        "split_at_midnight": True,
        "wear": "all states except in_bed and nonwear",
        "break": "a sitting bout followed directly by upright (standing, stepping, cycling)",
        "upright_split": bool(split_upright),
        "bed_exit_is_break": bool(bed_exit_break),
    }
    text = (
        f"{rule + ' ' if rule else ''}Days split at midnight (device clock); prolonged sitting = "
        "bouts >= 30 min (and >= 60 min), judged on the whole bout; a break = a sitting bout "
        "followed directly by upright time (standing, stepping or cycling)"
        f"{' (getting up from bed counts too)' if bed_exit_break else ''}; waking wear = all "
        f"recorded time except in bed and non-wear; valid day = waking wear >= {valid_day:g} h."
    )
    if len(start) == 0:
        out = pd.DataFrame({c: pd.Series(dtype=float) for c in DAILY_COLUMNS})
        out.attrs.update(rule=text, rules=rules, start=pd.NaT, end=pd.NaT)
        return out
    end = start + dur

    gap = start[1:] - end[:-1]
    if (gap < -tolerance_s).any():
        i = int(np.flatnonzero(gap < -tolerance_s)[0])
        raise InputError(
            f"posture intervals overlap: one starting {_fmt(start[i + 1])} begins before the one "
            f"starting {_fmt(start[i])} ends ({_fmt(end[i])}). Overlapping or duplicated "
            "recordings must be separated or removed before the daily summary."
        )
    joined = gap <= tolerance_s
    if gap.size and gap.max() > _LONG_GAP_S:
        import warnings

        i = int(np.argmax(gap))
        name = Path(source).name if source else "the recording"
        warnings.warn(
            f"{name}: no data for {gap[i] / _DAY:.1f} days ({_fmt(end[i])} to "
            f"{_fmt(start[i + 1])}); those days are listed as empty, invalid days. A device "
            "clock reset, or two recordings in one file?",
            GluteStudyWarning,
            stacklevel=3,
        )

    # Runs of one state (bouts), broken by a change of state or a gap in the recording.
    new_run = np.r_[True, (code[1:] != code[:-1]) | ~joined]
    run_id = np.cumsum(new_run) - 1
    run_len = np.bincount(run_id, weights=dur)
    run_code = code[new_run]
    first = np.flatnonzero(new_run)
    last = np.r_[first[1:] - 1, len(code) - 1]
    run_start, run_end = start[first], end[last]
    next_joined = np.r_[joined[first[1:] - 1], False]
    next_code = np.r_[run_code[1:], -1]
    is_bout = run_code == _SIT
    froms = (_SIT, STATES.index("in_bed")) if bed_exit_break else (_SIT,)
    is_break = np.isin(run_code, froms) & next_joined & np.isin(next_code, _UPRIGHT)

    # Split every interval at midnight.
    day_a = np.floor(start / _DAY).astype(np.int64)
    day_b = np.maximum(np.ceil(end / _DAY).astype(np.int64) - 1, day_a)
    d0 = int(day_a.min())
    n_days = int(day_b.max()) - d0 + 1
    reps = day_b - day_a + 1
    idx = np.repeat(np.arange(len(start)), reps)
    offset = np.arange(len(idx)) - np.repeat(np.cumsum(reps) - reps, reps)
    pday = day_a[idx] + offset
    piece = np.minimum(end[idx], (pday + 1) * _DAY) - np.maximum(start[idx], pday * _DAY)
    piece = np.maximum(piece, 0.0)
    pday = pday - d0
    pcode = code[idx]
    plen = run_len[run_id[idx]]

    def hours(mask: np.ndarray) -> np.ndarray:
        return np.bincount(pday[mask], weights=piece[mask], minlength=n_days) / 3600.0

    sit = pcode == _SIT
    by_state = {s: hours(pcode == k) for k, s in enumerate(STATES)}
    recorded = sum(by_state.values())
    bouts = np.bincount(np.floor(run_start[is_bout] / _DAY).astype(np.int64) - d0, minlength=n_days)
    brk_day = np.floor(run_end[is_break] / _DAY).astype(np.int64) - d0
    breaks = np.bincount(brk_day[brk_day < n_days], minlength=n_days)
    wear = recorded - by_state["in_bed"] - by_state["nonwear"]
    with np.errstate(divide="ignore", invalid="ignore"):
        per_h = np.where(by_state["sitting"] > 0, breaks / by_state["sitting"], np.nan)
        pct = np.where(wear > 0, 100.0 * by_state["sitting"] / wear, np.nan)
    dates = pd.to_datetime((np.arange(n_days) + d0) * 86400, unit="s")
    out = pd.DataFrame(
        {
            "participant_id": [participant_id] * n_days,
            "date": dates,
            "instrument": instrument,
            "sitting_h": by_state["sitting"],
            "prolonged_sitting_h": hours(sit & (plen >= 1800)),
            "sitting_bouts": bouts.astype(np.int64),
            "breaks": breaks.astype(np.int64),
            "wear_h": wear,
            "valid_day": wear >= valid_day,
            "prolonged_sitting_60_h": hours(sit & (plen >= 3600)),
            "breaks_per_sitting_h": per_h,
            "sitting_pct_wear": pct,
            "upright_h": sum(by_state[s] for s in ("upright", "standing", "stepping",
                                                    "cycling")),
            "lying_h": by_state["lying"],
            "other_h": by_state["other"],
            "in_bed_h": by_state["in_bed"],
            "nonwear_h": by_state["nonwear"],
            "recorded_h": recorded,
            "standing_h": by_state["standing"] if split_upright else np.nan,
            "stepping_h": by_state["stepping"] if split_upright else np.nan,
            "cycling_h": by_state["cycling"] if split_upright else np.nan,
            "steps": (np.bincount(day_a - d0, weights=np.nan_to_num(steps), minlength=n_days)
                      if steps is not None else np.nan),
        }
    )
    out.attrs.update(rule=text, rules=rules, start=_stamp(start.min()), end=_stamp(end.max()))
    return out


def _stamp(seconds: float) -> pd.Timestamp:
    return pd.Timestamp(round(seconds * 1e9))


def _fmt(seconds: float) -> str:
    return str(pd.Timestamp(round(seconds * 1e9)))
