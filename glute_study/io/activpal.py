"""activPAL event exports: the classic Events CSV and the extended EventsEx CSV.

Classic Events CSV (PALanalysis / PALbatch)::

    "Time","DataCount (samples)","Interval (s)","ActivityCode (0=sedentary ...)",
    "CumulativeStepCount","Activity Score (MET.h)",...

EventsEx (PALbatch): a first line ``sep=;``, then optionally metadata lines, then a semicolon
header (``Time;Time(approx);Data Count;Event Type;Duration (s);Waking Day;Cumulative Step
Count;...``); rows end in ``;`` and may use a decimal comma.

``Time`` is days since 1899-12-30 on the device's local clock (no time zone); it is rounded to
the second. ISO date-times (``2024-01-01 12:00:00``, as a spreadsheet may save them) are read
too; other date-times are refused, since their day/month order is unknown, and so are times
outside 1980-2100 (seconds or a time of day in the Time column). Activity codes are decimals: 0
sedentary, 1 standing, 2 stepping, 2.1 cycling, 3 / 3.1 / 3.2 lying (3.1 primary = in bed, 3.2
secondary), 4 non-wear, 5 seated transport. ``CumulativeStepCount`` in the classic export counts
strides (steps = 2 x strides); it is kept as written, in ``cumulative_step_count``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._text import (
    COMMA_NUMBER,
    DOT_NUMBER,
    UTC_OFFSET,
    FileFormatError,
    TextFile,
    open_export,
    parse_numbers,
    read_text,
    sniff_decimal,
)
from ..errors import InputError
from .daily import STATES, column_numbers, local_times, summarise_intervals
from .diary import bed_periods_of, mark_in_bed

__all__ = ["ACTIVPAL_CODES", "read_activpal", "sitting_summary"]

#: activPAL activity codes and their meaning.
ACTIVPAL_CODES = {
    0.0: "sedentary",
    1.0: "standing",
    2.0: "stepping",
    2.1: "cycling",
    3.0: "lying",
    3.1: "primary lying (in bed)",
    3.2: "secondary lying",
    4.0: "non-wear",
    5.0: "seated transport",
}

_EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "s")
# Plausible recording dates, as Excel days: 1980-01-01 and 2100-01-01 (activPAL dates from 2004).
_FIRST_DAY, _LAST_DAY = 29221.0, 73051.0
_MAX_EVENT_S = 366 * 86400.0  # no single event outlasts a year
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")

# normalised header name -> (output column, how to match: "eq" or "prefix")
_COLUMNS = {
    "time": ("time", "eq"),
    "datacount": ("data_count", "prefix"),
    "interval": ("duration_s", "prefix"),
    "duration": ("duration_s", "prefix"),
    "activitycode": ("activity_code", "prefix"),
    "eventtype": ("activity_code", "prefix"),
    "cumulativestepcount": ("cumulative_step_count", "prefix"),
    "activityscore": ("met_h", "prefix"),
    "wakingday": ("waking_day", "prefix"),
}
_REQUIRED = ("time", "duration_s", "activity_code")


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def _split(line: str, sep: str) -> list[str]:
    # csv handles quoted names that contain the delimiter (the classic ActivityCode header does).
    fields = next(csv.reader([line], delimiter=sep), [])
    return [f.strip().strip('"').strip() for f in fields]


def _first_mixed_line(lines: list[str], sep: str) -> int:
    """Index of the first line whose decimal mark contradicts itself or the lines above."""
    seen_comma = seen_dot = False
    for k, line in enumerate(lines):
        fields = [f.strip() for f in line.split(sep)]
        comma = any(COMMA_NUMBER.match(f) for f in fields)
        dot = any(DOT_NUMBER.match(f) for f in fields)
        if (comma and (dot or seen_dot)) or (dot and seen_comma):
            return k
        seen_comma, seen_dot = seen_comma or comma, seen_dot or dot
    return 0


def _width(fields: list[str]) -> int:
    return len(fields) - 1 if fields and fields[-1] == "" else len(fields)


def _match_columns(fields: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for i, name in enumerate(fields):
        key = _norm(name)
        for pattern, (out, how) in _COLUMNS.items():
            hit = key == pattern if how == "eq" else key.startswith(pattern)
            if hit and out not in found:
                found[out] = i
                break
    return found


def _locate_header(text: TextFile, start: int, sep: str) -> tuple[int, dict[str, int]] | None:
    for i in range(start, min(len(text.lines), start + 60)):
        cols = _match_columns(_split(text.lines[i], sep))
        if "time" in cols and "activity_code" in cols:
            return i, cols
    return None


def _find_header(text: TextFile, start: int, seps: str) -> tuple[int, dict[str, int], str]:
    """The header line (0-based), its columns and the delimiter that splits it into them."""
    found = [(hit[0], k, hit[1], sep) for k, sep in enumerate(seps)
             if (hit := _locate_header(text, start, sep)) is not None]
    if found:
        header_i, _, cols, sep = min(found, key=lambda f: f[:2])
        return header_i, cols, sep
    first = text.lines[0]
    if "ActiGraph" in first:
        raise text.error(
            "this is an ActiGraph epoch file, not an activPAL events export; read it with "
            "read_actigraph.",
            line=1,
        )
    raise text.error(
        "no activPAL events header found: expected a 'Time' column and an 'ActivityCode ...' "
        "(classic Events CSV) or 'Event Type' (EventsEx) column within the first 60 lines. "
        "Export the Events (or EventsEx) CSV from PALanalysis/PALbatch.",
        line=start + 1,
    )


def read_activpal(path: str | Path) -> pd.DataFrame:
    """Read an activPAL Events or EventsEx CSV into one row per event.

    Parameters
    ----------
    path : str or Path
        The export. UTF-8 (with or without BOM), UTF-16 with BOM and Windows-1252/latin-1 are
        accepted; fields may be separated by commas, semicolons or tabs, and a semicolon or tab
        file may use a decimal comma.

    Returns
    -------
    DataFrame
        ``start`` and ``end`` (datetime64, device local clock; start rounded to the second),
        ``duration_s`` (float), ``activity_code`` (float, see :data:`ACTIVPAL_CODES`), and, where
        the file has them, ``data_count``, ``cumulative_step_count`` (as written: strides in the
        classic export), ``met_h`` and ``waking_day``. ``.attrs`` holds ``path``, ``format``
        ("events" or "eventsex"), ``encoding``, ``decimal``, ``time_format`` ("excel days" or
        "date-time") and any ``metadata`` lines.

    Raises
    ------
    FileFormatError
        Empty, truncated or non-activPAL files, a missing duration column, non-numeric fields,
        implausible times or durations, repeated, overlapping or backward events; the message
        names the file and the line.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "P01_EventsEx.csv"
    >>> _ = p.write_text(
    ...     "sep=;\\n"
    ...     "Time;Time(approx);Data Count;Event Type;Duration (s);Waking Day;"
    ...     "Cumulative Step Count;\\n"
    ...     "45292,5;2024-01-01 12:00:00;0;0;1800,5;1;0;\\n"
    ...     "45292,520833333;2024-01-01 12:30:00;18005;2;60;1;30;\\n")
    >>> ev = read_activpal(p)
    >>> ev[["start", "duration_s", "activity_code", "cumulative_step_count"]]
                    start  duration_s  activity_code  cumulative_step_count
    0 2024-01-01 12:00:00      1800.5            0.0                    0.0
    1 2024-01-01 12:30:00        60.0            2.0                   30.0
    >>> ev.attrs["format"], ev.attrs["decimal"]
    ('eventsex', ',')
    """
    _refuse_archive(path, "the events export")
    text = read_text(path)
    first = text.lines[0].strip().strip('"')
    metadata: list[str] = []
    if first.lower().startswith("sep="):
        fmt = "eventsex"
        header_i, cols, sep = _find_header(text, 1, first[4:5] or ";")
        metadata = [ln for ln in text.lines[1:header_i] if ln.strip(sep + " ")]
    else:
        # comma (classic), semicolon (European Excel) or tab (saved again as tab-delimited text)
        header_i, cols, sep = _find_header(text, 0, ",;\t")
        fmt = "events"
        metadata = [ln for ln in text.lines[:header_i] if ln.strip(sep + " ")]
    header = _split(text.lines[header_i], sep)
    if "duration_s" not in cols:
        raise text.error(
            "the header has no event duration column ('Interval (s)' or 'Duration (s)'); "
            "export the Events (or EventsEx) CSV with its standard columns.",
            line=header_i + 1,
        )
    data_first = header_i + 2  # 1-based file line of the first event
    if len(text.lines) < data_first:
        raise text.error(
            "the file has a header but no events (empty recording?).", line=header_i + 1
        )
    decimal = "."
    if sep != ",":
        probe = text.lines[header_i + 1 : header_i + 51]
        try:
            decimal = sniff_decimal([f for ln in probe for f in ln.split(sep)])
        except ValueError as exc:
            k = _first_mixed_line(probe, sep)
            raise text.error(
                f"{exc}; this line differs from the lines above. Export with one decimal mark.",
                line=data_first + k,
            ) from None
    n_last, n_head = _width(_split(text.lines[-1], sep)), _width(header)
    if n_last < n_head:
        raise text.error(
            f"the last line has {n_last} fields where the header has {n_head}: the file is "
            "truncated. Export it again.",
            line=len(text.lines),
        )
    want = sorted(cols.values())
    raw = _read_table(text, data_first, sep, decimal, want)
    out: dict[str, np.ndarray] = {}
    n = len(raw)
    seconds, time_format = _time_seconds(
        raw[cols["time"]], text=text, label=header[cols["time"]], first_line=data_first,
        decimal=decimal,
    )
    for name, pos in cols.items():
        if name == "time":
            continue
        column = raw[pos] if pos in raw.columns else pd.Series([np.nan] * n)
        label = header[pos] if pos < len(header) else name
        out[name] = parse_numbers(
            column, text=text, column=label, first_line=data_first, decimal=decimal
        )
    for name in out:
        _refuse_missing(out[name], header[cols[name]], text=text, first_line=data_first)
    duration = out.pop("duration_s")
    bad = np.flatnonzero(~(np.abs(duration) <= _MAX_EVENT_S))
    if bad.size:
        i = int(bad[0])
        raise text.error(
            f"event duration {duration[i]:g} s in column {header[cols['duration_s']]!r} is "
            f"not a duration: expected seconds, at most {_MAX_EVENT_S / 86400:g} days.",
            line=data_first + i,
        )
    if (duration < 0).any():
        i = int(np.flatnonzero(duration < 0)[0])
        raise text.error(f"negative event duration {duration[i]:g} s.", line=data_first + i)
    back = np.flatnonzero(np.diff(seconds) < 0)
    if back.size:
        i = int(back[0]) + 1
        raise text.error(
            "event times go backwards here: two recordings appended to one file (or a clock "
            "set back, e.g. for daylight saving)? Split them into separate files.",
            line=data_first + i,
        )
    early = np.flatnonzero(seconds[1:] < seconds[:-1] + duration[:-1] - 1.5)
    if early.size:
        i = int(early[0]) + 1
        row = data_first + i  # 1-based line of event i
        if text.lines[row - 1].strip() == text.lines[row - 2].strip():
            raise text.error(
                f"this line repeats line {row - 1} (the same event twice): lines were copied "
                "or two exports overlap. Remove the repeat or export again.",
                line=row,
            )
        raise text.error(
            f"this event starts {seconds[i - 1] + duration[i - 1] - seconds[i]:.1f} s before the "
            "previous one ends (its Time + Interval): "
            + (_coarse_hint(seconds, time_format) or "overlapping events, or two recordings in "
               "one file? Export again or split the file."),
            line=data_first + i,
        )
    start = (_EXCEL_EPOCH + seconds.astype("timedelta64[s]")).astype("datetime64[ns]")
    end = start + np.round(duration * 1e9).astype("timedelta64[ns]")
    events = pd.DataFrame({"start": start, "end": end, "duration_s": duration})
    events["activity_code"] = np.round(out.pop("activity_code"), 3)
    for name in ("data_count", "cumulative_step_count", "met_h", "waking_day"):
        if name in out:
            events[name] = out[name]
    events.attrs.update(
        path=str(text.path),
        format=fmt,
        encoding=text.encoding,
        decimal=decimal,
        metadata=metadata,
        step_count_unit="strides" if fmt == "events" else "as exported",
        time_format=time_format,
    )
    return events


def _coarse_hint(seconds: np.ndarray, time_format: str) -> str:
    """Why events seem to overlap when Time was saved with too little precision, or ""."""
    if time_format == "date-time":
        if (seconds % 60 == 0).all():
            return ("Time is written to the minute, but events last seconds. Export Time as days "
                    "since 1899-12-30 (or date-times with seconds).")
        return ""
    days = seconds / 86400.0
    for k in range(1, 5):  # 10**-4 days = 8.64 s: coarser than the 1.5 s the events allow
        # start times are rounded to whole seconds: allow half a second off the grid
        if np.allclose(days * 10**k, np.round(days * 10**k), rtol=0, atol=0.51 / 86400 * 10**k):
            return (f"Time is written to {k} decimals (steps of {86400 / 10**k:g} s), too coarse "
                    "for events that last seconds; a spreadsheet rounded it? Export it again with "
                    "full precision.")
    return ""


def _refuse_missing(values: np.ndarray, label: str, *, text: TextFile, first_line: int) -> None:
    """Refuse the first missing number of a column, naming its line (a last line is cut off)."""
    missing = np.isnan(values)
    if missing.any():
        i = int(np.flatnonzero(missing)[0])
        raise text.error(
            f"no value in column {label!r} "
            f"({'truncated file?' if i == len(values) - 1 else 'empty field'}); every event "
            "needs a number there.",
            line=first_line + i,
        )


def _time_seconds(
    column: pd.Series, *, text: TextFile, label: str, first_line: int, decimal: str
) -> tuple[np.ndarray, str]:
    """Event start times as whole seconds since 1899-12-30, and how the file wrote them.

    ``Time`` holds Excel serial days (the activPAL export); ISO date-times (yyyy-mm-dd hh:mm:ss,
    as written when a file was opened and saved again in a spreadsheet) are read too. Other
    date-times are refused: their day and month order cannot be told apart.
    """
    if column.dtype.kind in "biuf":  # the usual export: Excel days, already numbers
        days = _days(column, text=text, label=label, first_line=first_line, decimal=decimal)
        return np.round(days * 86400.0).astype(np.int64), "excel days"
    strings = column.astype("string").str.strip()
    zoned = strings.str.match(UTC_OFFSET).fillna(False).to_numpy(dtype=bool)
    if isinstance(column.dtype, pd.DatetimeTZDtype) or zoned.any():
        i = int(np.flatnonzero(zoned)[0]) if zoned.any() else 0
        shown = text.lines[first_line - 1 + i].split(",")[0].split(";")[0].split("\t")[0]
        raise text.error(
            f"column {label!r} holds a time with a UTC offset ({shown.strip().strip(chr(34))!r}); "
            "activPAL times are the device's clock, without a time zone. Export Time as days "
            "since 1899-12-30, or as date-times without an offset.",
            line=first_line + i,
        )
    if column.dtype.kind == "M":  # the fast parser recognised ISO date-times itself
        stamps = column.to_numpy("datetime64[ns]")
        fmt = "date-time"
    else:
        iso = strings.str.match(_ISO.pattern).fillna(False).to_numpy(dtype=bool)
        if iso.any():
            if not iso.all():
                i = int(np.flatnonzero(~iso)[0])
                raise text.error(
                    f"column {label!r} holds {column.iloc[i]!r} where the rows above hold "
                    "date-times; write every Time the same way.",
                    line=first_line + i,
                )
            stamps = pd.to_datetime(strings, format="ISO8601").to_numpy("datetime64[ns]")
            fmt = "date-time"
        else:
            days = _days(column, text=text, label=label, first_line=first_line, decimal=decimal)
            return np.round(days * 86400.0).astype(np.int64), "excel days"
    if np.isnat(stamps).any():
        i = int(np.flatnonzero(np.isnat(stamps))[0])
        raise text.error(f"no value in column {label!r}; every event needs a time.",
                         line=first_line + i)
    ns = (stamps - _EXCEL_EPOCH.astype("datetime64[ns]")).astype(np.int64)
    days = ns / 86400e9
    _check_days(days, column, text=text, label=label, first_line=first_line)
    return np.round(ns / 1e9).astype(np.int64), fmt


def _days(
    column: pd.Series, *, text: TextFile, label: str, first_line: int, decimal: str
) -> np.ndarray:
    try:
        days = parse_numbers(column, text=text, column=label, first_line=first_line,
                             decimal=decimal)
    except FileFormatError as exc:
        if exc.line is not None and _norm(str(column.iloc[exc.line - first_line])) == "time":
            raise text.error(
                "the header line again: two exports joined into one file? Split them into "
                "separate files.",
                line=exc.line,
            ) from None
        if exc.line is None or not re.search(r"\d[-/.]\d", str(column.iloc[exc.line - first_line])):
            raise
        raise text.error(
            f"column {label!r} holds {column.iloc[exc.line - first_line]!r}, a date written in "
            "a local format whose day and month order is not known. Expected days since "
            "1899-12-30 (as the activPAL export writes, e.g. 45292.5) or an ISO date-time "
            "(2024-01-01 12:00:00).",
            line=exc.line,
        ) from None
    _refuse_missing(days, label, text=text, first_line=first_line)
    _check_days(days, column, text=text, label=label, first_line=first_line)
    return days


def _check_days(
    days: np.ndarray, column: pd.Series, *, text: TextFile, label: str, first_line: int
) -> None:
    bad = np.flatnonzero(~((days >= _FIRST_DAY) & (days < _LAST_DAY)))
    if bad.size:
        i = int(bad[0])
        value = column.iloc[i]
        shown = (np.format_float_positional(float(value), trim="-")
                 if isinstance(value, (int, float, np.number)) else str(value).strip())
        raise text.error(
            f"{label} {shown} is not a recording date: read as days since 1899-12-30 it falls "
            "outside 1980-2100. The Time column must hold days since 1899-12-30 (Excel serial "
            "dates, e.g. 45292.5 = 2024-01-01 12:00), not seconds or a time of day.",
            line=first_line + i,
        )


def _refuse_archive(path: str | Path, what: str) -> None:
    """Say so when a zip or gzip archive is given where a text export is expected."""
    with open_export(path) as fh:
        magic = fh.read(4)
    kind = "zip" if magic.startswith(b"PK\x03\x04") else "gzip" if magic[:2] == b"\x1f\x8b" else ""
    if kind:
        raise FileFormatError(path, f"is a {kind} archive, not a CSV; extract {what} from it "
                                    "first.")


def _read_table(text: TextFile, first: int, sep: str, decimal: str, want: list[int]):
    """Parse the event rows: pyarrow's fast parser, or pandas' C parser to locate a problem."""
    body = text.text_from(first)
    if decimal == ".":  # pyarrow reads a decimal comma as missing: leave those to the C parser
        try:
            table = pd.read_csv(
                io.BytesIO(body.encode("utf-8")), sep=sep, header=None, usecols=want,
                engine="pyarrow",
            )
            if len(table) == len(text.lines) - first + 1:  # no blank line was skipped
                table.columns = want  # pyarrow numbers the kept columns 0, 1, ...: use file's
                return table
        except Exception:  # any pyarrow failure: let the C parser name the line
            pass
    try:
        return pd.read_csv(
            io.StringIO(body), sep=sep, header=None, usecols=want, decimal=decimal,
            index_col=False, skip_blank_lines=False, engine="c",
        )
    except (pd.errors.ParserError, ValueError) as exc:
        line = _parser_line(str(exc))
        raise text.error(
            f"cannot be read as a {sep!r}-delimited table ({_short(exc)}).",
            line=None if line is None else first + line - 1,
        ) from None


def _parser_line(message: str) -> int | None:
    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else None


def _short(exc: Exception) -> str:
    return str(exc).strip().splitlines()[-1][:160]


def sitting_summary(
    events: pd.DataFrame,
    *,
    participant_id: object = None,
    valid_day: float = 10.0,
    sitting_codes: Sequence[float] = (0.0, 5.0),
    in_bed_codes: Sequence[float] = (3.1,),
    nonwear_codes: Sequence[float] = (4.0,),
    waking: str | pd.DataFrame = "codes",
    bed_exit_break: bool = False,
) -> pd.DataFrame:
    """Daily sitting, standing, stepping and steps from activPAL events: one row per day.

    Each event gets a posture state from its activity code, by these changeable rules:
    ``sitting_codes`` are sitting (default sedentary 0 and seated transport 5);
    ``in_bed_codes`` are time in bed (default primary lying 3.1), outside waking wear;
    ``nonwear_codes`` are non-wear (default 4); standing 1 is standing, stepping 2 is stepping
    and cycling 2.1 is cycling (all three upright, none of them sitting); lying 3 and 3.2 are
    lying awake; any other listed code (e.g. 5 when it is not sitting) is "other" waking time.
    Steps are the rise of ``cumulative_step_count`` over each event, doubled: activPAL counts
    stepping events of the instrumented leg, which "must be doubled to calculate stepping
    totals" (PAL Technologies, Events csv and Events extended csv help pages, kb.palt.com).
    The daily table is then made by :func:`glute_study.io.daily.daily_sitting` (events split
    at midnight, prolonged bouts >= 30 and >= 60 min, breaks = sitting followed directly by
    standing, stepping or cycling).

    The waking day (``waking``) is cut as PAL's software cuts it:

    * ``"codes"``: time in bed is the ``in_bed_codes`` events (primary lying, as PAL's
      classification algorithm marks the main time in bed);
    * ``"waking_day"``: the EventsEx ``Waking Day`` column (0 = event in the identified
      primary time in bed, 1 = waking day) marks time in bed, besides the in-bed codes;
    * a DataFrame of periods in bed (``start``, ``end``; e.g. from
      :func:`glute_study.io.diary.read_bed_periods`, a sleep diary, the same kind of periods
      PAL's software applies): events are cut at the period edges and the time inside is in
      bed. If it has a ``participant_id`` column, only the rows of ``participant_id`` apply.

    Transitions out of bed: PAL's waking-day summaries count the events of the waking day
    only, so getting up (the step from the in-bed period to the first upright event of the
    day) is not a sit-to-upright transition of the waking day; this is the default. With
    ``bed_exit_break=True`` it counts as a break (the 24-h view, in which primary lying is
    sedentary time).

    Parameters
    ----------
    events : DataFrame
        From :func:`read_activpal` (columns ``start``, ``duration_s``, ``activity_code``;
        ``cumulative_step_count`` for steps, ``waking_day`` for ``waking="waking_day"``).
    participant_id : object, optional
        Written to ``participant_id``.
    valid_day : float
        Minimum waking wear hours for a valid day (10; use 20 for a 24-h wear protocol without
        sleep classification).
    sitting_codes, in_bed_codes, nonwear_codes : sequence of float
        The code rules above.
    waking : {"codes", "waking_day"} or DataFrame
        Where time in bed comes from (above).
    bed_exit_break : bool
        Whether getting up from bed counts as a break.

    Returns
    -------
    DataFrame
        The daily table (see :data:`glute_study.io.daily.DAILY_COLUMNS`), with ``standing_h``,
        ``stepping_h``, ``cycling_h`` and ``steps`` (when the events have a step count), and
        the rules in ``.attrs["rule"]``.

    Examples
    --------
    >>> ev = pd.DataFrame({
    ...     "start": pd.to_datetime(["2024-01-01 08:00", "2024-01-01 10:00",
    ...                              "2024-01-01 10:05", "2024-01-01 10:10"]),
    ...     "duration_s": [7200.0, 300.0, 300.0, 1200.0],
    ...     "activity_code": [0.0, 1.0, 2.0, 0.0],
    ...     "cumulative_step_count": [0.0, 0.0, 250.0, 250.0]})
    >>> day = sitting_summary(ev, participant_id="P01", valid_day=2)
    >>> day[["sitting_h", "standing_h", "stepping_h", "steps", "breaks"]].round(3)
       sitting_h  standing_h  stepping_h  steps  breaks
    0      2.333       0.083       0.083  500.0       1
    """
    from .._checks import require_columns

    where = "activPAL events"
    require_columns(events, ["start", "duration_s", "activity_code"], where=where)
    codes = np.round(column_numbers(events["activity_code"], column="activity_code",
                                    where=where), 3)
    _check_code_rules(sitting_codes=sitting_codes, in_bed_codes=in_bed_codes,
                      nonwear_codes=nonwear_codes)
    if not isinstance(waking, pd.DataFrame) and waking not in ("codes", "waking_day"):
        raise InputError(f"`waking` must be 'codes', 'waking_day' or a table of periods in bed "
                         f"(start, end); got {waking!r}.")
    rules: list[tuple[str, Sequence[float]]] = [
        ("sitting", sitting_codes),
        ("in_bed", in_bed_codes),
        ("nonwear", nonwear_codes),
        ("standing", (1.0,)),
        ("stepping", (2.0,)),
        ("cycling", (2.1,)),
        ("lying", (3.0, 3.1, 3.2)),
        ("other", tuple(ACTIVPAL_CODES)),
    ]
    state = np.full(len(codes), -1, dtype=np.int8)
    for name, listed in rules:
        hit = np.isin(codes, np.round(np.asarray(listed, dtype=float), 3)) & (state < 0)
        state[hit] = STATES.index(name)
    if (state < 0).any():
        bad = sorted(set(codes[state < 0].tolist()))
        raise InputError(
            f"activPAL activity codes {bad} are not known (known: {_codes(ACTIVPAL_CODES)}); "
            "add them to sitting_codes, in_bed_codes or nonwear_codes, or fix the file."
        )
    start = local_times(events["start"], column="start", where=where)
    dur = column_numbers(events["duration_s"], column="duration_s", where=where)
    if start.isna().any() or np.isnan(dur).any() or (dur < 0).any():
        raise InputError("activPAL events need a start and a non-negative duration_s on every row.")
    steps = _event_steps(events, codes, where=where)
    seconds = start.to_numpy("datetime64[ns]").astype(np.int64) / 1e9
    waking_rule = "in bed = codes " + _codes(in_bed_codes)
    if isinstance(waking, pd.DataFrame):
        periods = bed_periods_of(waking, participant_id)
        seconds, dur, state, steps = mark_in_bed(seconds, dur, state, periods, steps=steps)
        waking_rule += f" and the {len(periods)} diary period(s) in bed"
    elif waking == "waking_day":
        if "waking_day" not in events:
            raise InputError("waking='waking_day' needs the EventsEx 'Waking Day' column "
                             "(column waking_day); this export has none. Use waking='codes' "
                             "or give a diary of periods in bed.")
        flag = column_numbers(events["waking_day"], column="waking_day", where=where)
        bed = (flag == 0) & (state != STATES.index("nonwear"))
        state = np.where(bed, STATES.index("in_bed"), state).astype(np.int8)
        waking_rule += " and events with Waking Day = 0"
    rule = (
        f"activPAL: sitting = codes {_codes(sitting_codes)}; {waking_rule}; non-wear = codes "
        f"{_codes(nonwear_codes)}; standing = 1, stepping = 2, cycling = 2.1 (upright, not "
        "sitting); lying 3/3.2 = lying awake; steps = 2 x the rise of the cumulative step "
        "count (stepping events are single-leg); getting up from bed "
        f"{'is' if bed_exit_break else 'is not'} a break."
    )
    path = events.attrs.get("path")
    daily = summarise_intervals(
        seconds, dur, state,
        participant_id=participant_id, instrument="activpal", valid_day=valid_day,
        tolerance_s=1.5, rule=rule, source=str(path or ""), split_upright=True, steps=steps,
        bed_exit_break=bed_exit_break,
    )
    daily.attrs["rules"].update(
        sitting_codes=list(sitting_codes), in_bed_codes=list(in_bed_codes),
        nonwear_codes=list(nonwear_codes),
        waking=waking if isinstance(waking, str) else "diary",
        steps="2 x rise of cumulative step count",
    )
    if path:
        daily.attrs["path"] = path
    return daily


def _event_steps(events: pd.DataFrame, codes: np.ndarray, *, where: str) -> np.ndarray | None:
    """Steps in each event: twice the rise of the cumulative count (None without the column)."""
    if "cumulative_step_count" not in events or len(events) == 0:
        return None
    cum = column_numbers(events["cumulative_step_count"], column="cumulative_step_count",
                         where=where)
    if np.isnan(cum).any():
        i = int(np.flatnonzero(np.isnan(cum))[0])
        raise InputError(f"{where}: column 'cumulative_step_count' is empty on row {i}.")
    # the count includes the event's own stride: a first stepping event rose from cum - 1
    base = cum[0] - (1.0 if codes[0] == 2.0 and cum[0] >= 1 else 0.0)
    rise = np.diff(np.r_[base, cum])
    if (rise < 0).any():
        i = int(np.flatnonzero(rise < 0)[0])
        raise InputError(
            f"{where}: the cumulative step count falls on row {i} ({cum[i - 1]:g} to "
            f"{cum[i]:g}): two recordings joined, or the column is not cumulative?"
        )
    return 2.0 * rise


def _check_code_rules(**rules: Sequence[float]) -> None:
    seen: dict[float, str] = {}
    for name, listed in rules.items():
        ok = not isinstance(listed, (str, bytes)) and np.ndim(listed) == 1
        values = np.asarray(listed, dtype=object) if ok else np.array([])
        ok = ok and all(isinstance(v, (int, float, np.integer, np.floating))
                        and not isinstance(v, bool) for v in values)
        if not ok:
            raise InputError(f"`{name}` must be activity codes (numbers); got {listed!r}, e.g. "
                             "sitting_codes=(0, 5).")
        for code in np.round(values.astype(float), 3):
            if code in seen and seen[code] != name:
                raise InputError(
                    f"activity code {code:g} is in both {seen[code]} and {name}; give each code "
                    "one rule."
                )
            seen[code] = name


def _codes(codes: Sequence[float]) -> str:
    return ", ".join(f"{c:g}" for c in codes) or "none"

