"""The daily sitting summary shared by every device: one row per participant-day.

Each device reader turns its recording into *posture intervals* (a start time, a duration in
seconds and one of the states in :data:`STATES`); :func:`daily_sitting` then computes, for every
calendar day the recording touches,

* ``sitting_h``: hours in the ``sitting`` state;
* ``prolonged_sitting_h`` / ``prolonged_sitting_60_h``: hours inside sitting bouts lasting at
  least 30 / 60 minutes (a bout is judged on its whole length, then its time is split by day);
* ``sitting_bouts``: bouts that start on that day;
* ``breaks``: sit-to-upright transitions on that day (a bout followed directly by ``upright``);
  a bout ending in lying, bed, non-wear or a gap in the recording is not a break;
* ``breaks_per_sitting_h``: breaks / sitting hours (NaN on a day without sitting);
* ``wear_h``: waking wear hours (every state except ``in_bed`` and ``nonwear``; ``lying`` is
  lying awake and ``other`` is any other waking posture, e.g. seated transport when a rule
  keeps it out of sitting);
* ``valid_day``: ``wear_h >= valid_day`` hours (the threshold is a stated argument).

Intervals are split at midnight (device local clock), so an evening bout that runs past midnight
adds its time to both days. Consecutive intervals less than ``tolerance_s`` apart count as
contiguous (device clocks are rounded); larger gaps are unrecorded time, and a gap of more than
a week inside one recording is warned about. Overlapping intervals are an error, and so are
time-zone-aware starts (days are cut at the device clock's midnight). The rules used are
returned in ``.attrs["rule"]`` (a sentence) and ``.attrs["rules"]`` (a dict).

:func:`import_device_folder` reads many device files in parallel (through
:func:`glute_study.parallel.run_tasks`) into one stacked daily table plus a per-file table of
days, valid days, warnings and errors, and refuses two recordings of one participant that
overlap in time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._checks import require_columns
from .._text import UTC_OFFSET
from ..errors import GluteStudyWarning, InputError, StudyReadError

__all__ = ["DAILY_COLUMNS", "STATES", "DeviceImport", "daily_sitting", "import_device_folder"]

#: Posture states of an interval, in the order of their integer codes.
STATES = ("sitting", "upright", "lying", "other", "in_bed", "nonwear")

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
)

_DAY = 86400.0
_LONG_GAP_S = 7 * _DAY  # a gap this long inside one recording is warned about
_SIT, _UP = 0, 1


def daily_sitting(
    intervals: pd.DataFrame,
    *,
    participant_id: object = None,
    instrument: str,
    valid_day: float = 10.0,
    tolerance_s: float = 1.0,
    rule: str = "",
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
    stamps = _local_times(intervals["start"], column="start", where=where)
    dur = _numbers(intervals["duration_s"], column="duration_s", where=where)
    if stamps.isna().any() or np.isnan(dur).any() or (dur < 0).any():
        raise InputError(
            "posture intervals need a start and a non-negative duration_s on every row."
        )
    start = stamps.to_numpy("datetime64[ns]").astype(np.int64) / 1e9
    code = pd.Categorical(intervals["state"], categories=STATES).codes.astype(np.int8)
    return _summarise(
        start, dur, code, participant_id=participant_id, instrument=instrument,
        valid_day=valid_day, tolerance_s=tolerance_s, rule=rule,
        source=str(intervals.attrs.get("path") or ""),
    )




def _check_hours(valid_day: object) -> None:
    ok = isinstance(valid_day, (int, float, np.integer, np.floating)) and not isinstance(
        valid_day, bool) and 0 <= float(valid_day) <= 24
    if not ok:
        raise InputError(
            f"`valid_day` must be a number of hours from 0 to 24; got {valid_day!r}. It is the "
            "least waking wear time of a valid day (10 h; 20 h for 24-h protocols)."
        )


def _local_times(values: pd.Series, *, column: str, where: str) -> pd.Series:
    """``values`` as datetime64 on the device's local clock, or an :class:`InputError`.

    Time-zone-aware times are refused: converting them silently to UTC would cut days at UTC
    midnight, and a clock that goes back for daylight saving would overlap itself.
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
            return _local_times(parsed, column=column, where=where)
        values = parsed
    return values


def _numbers(values: pd.Series, *, column: str, where: str) -> np.ndarray:
    """``values`` as float64, or an :class:`InputError` naming the first that is not a number."""
    if values.dtype.kind in "biuf":
        return values.to_numpy(dtype=float)
    parsed = pd.to_numeric(values, errors="coerce")
    bad = parsed.isna() & values.notna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{where}: column {column!r} holds {values.iloc[i]!r} (row {i}), not a "
                         "number.")
    return parsed.to_numpy(dtype=float)


def _summarise(
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
) -> pd.DataFrame:
    """:func:`daily_sitting` on arrays: start (s since 1970), duration (s), state index.

    ``source`` names the recording (a file path) in warnings.
    """
    _check_hours(valid_day)
    order = np.argsort(start, kind="stable")
    start, dur, code = start[order], dur[order], code[order]
    rules = {
        "valid_day_min_wear_h": float(valid_day),
        "prolonged_min": (30, 60),
        "tolerance_s": float(tolerance_s),
        "split_at_midnight": True,
        "wear": "all states except in_bed and nonwear",
        "break": "a sitting bout followed directly by upright",
    }
    text = (
        f"{rule + ' ' if rule else ''}Days split at midnight (device clock); prolonged sitting = "
        "bouts >= 30 min (and >= 60 min), judged on the whole bout; a break = a sitting bout "
        "followed directly by upright time; waking wear = all recorded time except in bed and "
        "non-wear; valid "
        f"day = waking wear >= {valid_day:g} h."
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
    is_break = is_bout & next_joined & (next_code == _UP)

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
            "upright_h": by_state["upright"],
            "lying_h": by_state["lying"],
            "other_h": by_state["other"],
            "in_bed_h": by_state["in_bed"],
            "nonwear_h": by_state["nonwear"],
            "recorded_h": recorded,
        }
    )
    out.attrs.update(rule=text, rules=rules, start=_stamp(start.min()), end=_stamp(end.max()))
    return out


def _stamp(seconds: float) -> pd.Timestamp:
    return pd.Timestamp(round(seconds * 1e9))


def _fmt(seconds: float) -> str:
    return str(pd.Timestamp(round(seconds * 1e9)))


# ------------------------------------------------------------------------------ many files
_READERS = {
    "activpal": (".csv",),
    "actigraph": (".csv", ".agd"),
    "accel": (".csv", ".parquet", ".pq", ".gz"),
}


@dataclass
class DeviceImport:
    """The result of :func:`import_device_folder`.

    Attributes
    ----------
    daily : DataFrame
        The daily tables of every file read, stacked, with a ``file`` column.
    files : DataFrame
        One row per file: ``file``, ``participant_id``, ``reader``, ``start``, ``end``,
        ``days``, ``valid_days``, ``mean_wear_h``, ``warnings`` (text, or None) and ``error``
        (None when the file was read).
    """

    daily: pd.DataFrame
    files: pd.DataFrame


def _import_one(task: tuple[str, str, object, dict]) -> dict:
    path, reader, pid, options = task
    import warnings

    from ..errors import GluteStudyError

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if reader == "activpal":
                from .activpal import read_activpal, sitting_summary

                daily = sitting_summary(read_activpal(path), participant_id=pid, **options)
            elif reader == "actigraph":
                from .actigraph import actigraph_daily, read_actigraph

                daily = actigraph_daily(read_actigraph(path), participant_id=pid, **options)
            else:
                from .accel import accel_daily

                daily = accel_daily(path, participant_id=pid, **options)
        except GluteStudyError as exc:
            daily, error = None, exc
        except Exception as exc:  # a bug or unforeseen input: still name the file, one line
            from .._text import FileFormatError

            daily = None
            error = FileFormatError(
                path,
                f"could not be read: an unexpected {type(exc).__name__} ({exc}). Please report "
                "this with the file; the other files are not affected.",
            )
        else:
            error = None
    notes = [(w.category, str(w.message)) for w in caught]
    out = {"file": path, "participant_id": pid, "daily": daily, "warnings": notes,
           "error": None if error is None else str(error), "exc": error}
    if daily is not None:
        out.update(start=daily.attrs["start"], end=daily.attrs["end"])
    return out


def import_device_folder(
    paths: str | Path | Sequence[str | Path],
    *,
    reader: str = "activpal",
    executor: object = None,
    id_pattern: str | Callable[[Path], object] = r"^[^_\s.-]+",
    options: dict | None = None,
    errors: str = "raise",
) -> DeviceImport:
    """Import many device files in parallel into one daily sitting table.

    Parameters
    ----------
    paths : path or sequence of paths
        Files, or folders whose files with the reader's extensions are taken (sorted by name).
    reader : {"activpal", "actigraph", "accel"}
        Which device the files come from (``.csv`` for activPAL; ``.csv``/``.agd`` for ActiGraph;
        ``.csv``/``.parquet`` for raw thigh accelerometry).
    executor : None, str, Client or Executor
        Where to run, as in :func:`glute_study.parallel.run_tasks` (local processes by default,
        ``"serial"``, or a Dask scheduler address).
    id_pattern : str or callable
        A regular expression whose first match in the file name (or group 1, if it has one) is
        the participant id, or a function of the path. The default takes the name up to the
        first ``_``, space, ``.`` or ``-``.
    options : dict, optional
        Keyword options for the daily summary (:func:`~glute_study.io.activpal.sitting_summary`,
        :func:`~glute_study.io.actigraph.actigraph_daily` or
        :func:`~glute_study.io.accel.accel_daily`), e.g. ``{"valid_day": 20}``; an option the
        summary does not take is refused before any file is read.
    errors : {"raise", "record"}
        On a bad file or overlapping recordings: raise the first error, or record it in
        ``files["error"]`` and carry on without that file's days.

    Returns
    -------
    DeviceImport
        ``.daily`` (stacked daily tables with a ``file`` column) and ``.files`` (one row per file:
        ``file``, ``participant_id``, ``reader``, ``start``, ``end``, ``days``, ``valid_days``,
        ``mean_wear_h``, ``warnings``, ``rule`` (the sentence stating how its days were made)
        and ``error``).

    Raises
    ------
    FileFormatError
        With ``errors="raise"``: the first unreadable file (an unexpected exception in a reader
        is turned into one naming the file), or two recordings of one
        participant that overlap in time (both files named).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> head = '"Time","DataCount (samples)","Interval (s)","ActivityCode (0=sedentary)"\\n'
    >>> for pid, t0 in [("P01", 45292.0), ("P02", 45293.0)]:
    ...     rows = [f"{t0 + i / 24:.10f},0,3600,{i % 2}" for i in range(24)]
    ...     _ = (folder / f"{pid}_events.csv").write_text(head + "\\n".join(rows) + "\\n")
    >>> out = import_device_folder(folder, executor="serial")
    >>> out.files[["participant_id", "days", "valid_days", "error"]]
      participant_id  days  valid_days error
    0            P01     1           1  None
    1            P02     1           1  None
    >>> out.daily[["participant_id", "sitting_h", "breaks"]]
      participant_id  sitting_h  breaks
    0            P01       12.0      12
    1            P02       12.0      12
    """
    import re
    import warnings

    from .._checks import check_one_of
    from ..parallel import run_tasks

    check_one_of("reader", reader, list(_READERS))
    check_one_of("errors", errors, ["raise", "record"])
    files = _expand(paths, _READERS[reader])
    if not files:
        raise InputError(
            f"no {reader} files ({', '.join(_READERS[reader])}) found in {paths!s}."
        )

    def pid_of(p: Path) -> object:
        if callable(id_pattern):
            return id_pattern(p)
        m = re.search(id_pattern, p.name)
        if not m:
            raise InputError(f"`id_pattern` {id_pattern!r} does not match file name {p.name!r}.")
        return m.group(1) if m.groups() else m.group(0)

    _check_options(reader, options or {})
    tasks = [(str(p), reader, pid_of(p), dict(options or {})) for p in files]
    results = run_tasks(_import_one, tasks, executor=executor, desc=f"import {reader}")
    for r in results:  # warnings raised in worker processes reach the caller too
        for category, message in r["warnings"]:
            if issubclass(category, GluteStudyWarning):
                warnings.warn(message, category, stacklevel=2)
    if errors == "raise":
        first = next((r for r in results if r["error"]), None)
        if first is not None:
            raise first["exc"]
    _flag_overlaps(results, errors)
    rows, tables = [], []
    for r in results:
        d = r["daily"]
        ok = d is not None and r["error"] is None
        rows.append(
            {
                "file": r["file"],
                "participant_id": r["participant_id"],
                "reader": reader,
                "start": r.get("start") if ok else pd.NaT,
                "end": r.get("end") if ok else pd.NaT,
                "days": len(d) if ok else 0,
                "valid_days": int(d["valid_day"].sum()) if ok else 0,
                "mean_wear_h": float(d["wear_h"].mean()) if ok and len(d) else float("nan"),
                "warnings": "; ".join(m for _, m in r["warnings"]) or None,
                "rule": d.attrs.get("rule") if ok else None,
                "error": r["error"],
            }
        )
        if ok:
            tables.append(d.assign(file=r["file"]))
    daily = (
        pd.concat(tables, ignore_index=True)
        if tables
        else pd.DataFrame(columns=[*DAILY_COLUMNS, "file"])
    )
    if tables:
        daily.attrs.update(rule=tables[0].attrs.get("rule", ""), rules=tables[0].attrs.get("rules"))
    return DeviceImport(daily=daily, files=pd.DataFrame(rows))


def _check_options(reader: str, options: dict) -> None:
    """Refuse options the reader's daily summary does not take, before any file is read."""
    import inspect

    if reader == "activpal":
        from .activpal import sitting_summary as summary
    elif reader == "actigraph":
        from .actigraph import actigraph_daily as summary
    else:
        from .accel import accel_daily as summary
    params = list(inspect.signature(summary).parameters.values())[1:]
    if any(p.kind == p.VAR_KEYWORD for p in params):
        return  # it passes options on (accel_daily to thigh_posture) and checks them itself
    known = [p.name for p in params if p.name != "participant_id"
             and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]
    for name in options:
        if name not in known:
            why = ""
            if name == "participant_id":
                why = " (it comes from the file name: set id_pattern)"
            raise InputError(
                f"option {name!r} is not an option of {summary.__name__}{why} (its options: "
                f"{', '.join(known)})."
            )


def _expand(paths: object, suffixes: tuple[str, ...]) -> list[Path]:
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)  # type: ignore[arg-type]
    out: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            out.extend(
                sorted(f for f in p.iterdir() if f.is_file() and f.name.lower().endswith(suffixes))
            )
        elif p.is_file():
            out.append(p)
        else:
            raise StudyReadError(f"{p}: no such file or folder.")
    seen: set[Path] = set()
    unique = []
    for p in out:  # a file named twice (a folder and a file in it) is read once
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


#: Recordings of one participant may touch within this many seconds (activPAL start times are
#: whole seconds while durations are tenths, so back-to-back files can meet up to ~1 s apart).
_OVERLAP_TOLERANCE_S = 1.5


def _flag_overlaps(results: list[dict], errors: str) -> None:
    from .._text import FileFormatError

    slack = pd.Timedelta(seconds=_OVERLAP_TOLERANCE_S)
    by_pid: dict[object, list[dict]] = {}
    for r in results:
        if r["error"] is None:
            by_pid.setdefault(r["participant_id"], []).append(r)
    for pid, recs in by_pid.items():
        recs.sort(key=lambda r: r["start"])
        latest = recs[0]  # the accepted recording that ends last so far
        for b in recs[1:]:
            if b["start"] < latest["end"] - slack:
                a = latest
                msg = (
                    f"participant {pid}: this recording ({b['start']} to {b['end']}) overlaps "
                    f"{Path(a['file']).name} ({a['start']} to {a['end']}); a duplicated or "
                    "overlapping recording. Remove one, or give them different participant ids."
                )
                if errors == "raise":
                    raise FileFormatError(b["file"], msg)
                b["error"] = msg
            elif b["end"] > latest["end"]:
                latest = b
