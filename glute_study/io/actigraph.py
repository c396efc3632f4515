"""ActiGraph exports: reading the ActiLife epoch CSV and the AGD (SQLite) file into epochs.

Epoch CSV: ten header lines (``------------ Data File Created By ActiGraph ... date format
M/d/yyyy ...``, ``Start Time``, ``Start Date``, ``Epoch Period (hh:mm:ss)``, ``... Mode = 61``,
often padded with trailing commas), then, optionally, a column-name row, then one row per
epoch. Without column names, the columns follow the mode number, read as bits: axis1 always,
then axis2 (bit 4), axis3 (bit 8), steps (bit 1), heart rate (bit 2), lux (bit 16) and the four
inclinometer columns (bit 32); so mode 13 is axis1-3 + steps and mode 61 adds lux and the
inclinometer. The column count is checked against the mode.

AGD: an SQLite file with ``settings(settingName, settingValue)`` and ``data(dataTimestamp, axis1,
...)``; timestamps are .NET ticks (100 ns since 0001-01-01, device local clock). Devices with a
wear sensor (wGT3X-BT, GT9X) add a ``capsense`` table of ``timeStamp`` and ``state`` (1 = worn,
0 = not worn); each epoch takes the state of the last record at or before its start, as column
``wear_sensor`` (a ``Capsense`` or ``Wear Sensor`` column of a CSV export is read the same way).

Timestamps are the device's local clock without a time zone, as ActiLife writes them.

Non-wear (Choi, Troiano) is :mod:`glute_study.io.actigraph_nonwear`; the daily sitting table
from the epochs is :mod:`glute_study.io.actigraph_days`.
"""

from __future__ import annotations

import io
import re
import sqlite3
import warnings
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from .._text import (
    UTC_OFFSET,
    FileFormatError,
    TextFile,
    open_export,
    read_text,
    sniff_decimal,
    sniff_delimiter,
)
from ..errors import GluteStudyWarning, StudyReadError

__all__ = ["INCLINE_COLUMNS", "actilife_raw_start", "epochs_closer_than", "is_actilife_header",
           "mode_columns", "read_actigraph"]

_TICKS_AT_UNIX_EPOCH = 621_355_968_000_000_000
#: The four inclinometer columns of a mode-61 file (seconds of the epoch in each state).
INCLINE_COLUMNS = ("incline_off", "incline_standing", "incline_sitting", "incline_lying")
_NAME_MAP = {
    "axis1": "axis1",
    "axis2": "axis2",
    "axis3": "axis3",
    "steps": "steps",
    "hr": "hr",
    "heartrate": "hr",
    "lux": "lux",
    "inclineoff": "incline_off",
    "inclinometeroff": "incline_off",
    "inclinestanding": "incline_standing",
    "inclinometerstanding": "incline_standing",
    "inclinesitting": "incline_sitting",
    "inclinometersitting": "incline_sitting",
    "inclinelying": "incline_lying",
    "inclinometerlying": "incline_lying",
    "vectormagnitude": "vector_magnitude",
    "capsense": "wear_sensor",
    "wearsensor": "wear_sensor",
    "date": "date",
    "time": "time",
    "datatimestamp": "timestamp",
    "timestamp": "timestamp",
}


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


#: The columns each bit of an ActiGraph mode number adds after axis1, in file order.
_MODE_BITS = ((4, ("axis2",)), (8, ("axis3",)), (1, ("steps",)), (2, ("hr",)), (16, ("lux",)),
              (32, INCLINE_COLUMNS))


def _mode_of(columns: Iterable[str]) -> int:
    """The mode number whose columns are all among ``columns``: the inverse of mode_columns."""
    have = set(columns)
    return sum(bit for bit, names in _MODE_BITS if set(names) <= have)


def mode_columns(mode: int) -> list[str]:
    """Return the epoch columns an ActiGraph mode number implies, in file order.

    Examples
    --------
    >>> mode_columns(13)
    ['axis1', 'axis2', 'axis3', 'steps']
    >>> mode_columns(61)[-5:]
    ['lux', 'incline_off', 'incline_standing', 'incline_sitting', 'incline_lying']
    """
    cols = ["axis1"]
    for bit, names in _MODE_BITS:
        if mode & bit:
            cols.extend(names)
    return cols


def read_actigraph(path: str | Path) -> pd.DataFrame:
    """Read an ActiGraph epoch CSV or AGD file into one row per epoch.

    Parameters
    ----------
    path : str or Path
        An ActiLife epoch ``.csv`` (10-line header, with or without a column-name row), an
        ``.agd`` file (recognised by its SQLite signature, whatever its extension), or a table of
        epochs whose first line names ``timestamp`` and ``axis1`` (this function's own output
        written to CSV, or a tidy export such as R's ``read_agd``: ISO times, a UTC offset is
        dropped to keep the clock time; the epoch length is the most common spacing and the
        mode follows the columns).

    Returns
    -------
    DataFrame
        ``timestamp`` (datetime64, device local clock), ``axis1``, ``axis2``, ``axis3``,
        ``steps``, and ``lux``, ``incline_off``, ``incline_standing``, ``incline_sitting``,
        ``incline_lying`` (seconds per epoch) where the mode records them, and
        ``wear_sensor`` (1 worn, 0 not worn, NaN before the first record) where the device's
        wear sensor (capsense) was recorded. ``.attrs`` holds
        ``path``, ``format`` ("csv", "agd" or "table"), ``epoch_s``, ``mode``, ``serial``,
        ``start`` and ``settings`` (the header lines or the AGD settings table, as text). Other
        columns of a named CSV export are kept (text columns as text); NULL counts in an AGD
        are NaN.

    Raises
    ------
    FileFormatError
        Not an ActiGraph file, a header that cannot be read, a column count that disagrees with
        the mode or the column-name row, a declared date format that the written dates
        contradict beyond repair, a non-numeric or negative count; for an AGD also a missing,
        implausible (not .NET ticks) or repeated timestamp, epochs closer than ``epochlength``,
        or no epochs. The message names the file and the line (CSV) or epoch (AGD).

    Warns
    -----
    GluteStudyWarning
        When the declared date format contradicts the dates written but the other day/month
        order reads them consistently (that order is then used, and recorded in ``.attrs``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> header = [
    ...     "------------ Data File Created By ActiGraph GT3X ActiLife v6 Firmware v1 "
    ...     "date format d/M/yyyy Filter Normal -----------",
    ...     "Serial Number: MOS0000", "Start Time 23:59:00", "Start Date 31/12/2023",
    ...     "Epoch Period (hh:mm:ss) 00:00:30", "Download Time 10:00:00",
    ...     "Download Date 2/1/2024", "Current Memory Address: 0",
    ...     "Current Battery Voltage: 4.1     Mode = 13", "-" * 50]
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "P01.csv"
    >>> _ = p.write_text("\\n".join(header + ["5,0,1,0", "120,40,9,3", "0,0,0,0"]) + "\\n")
    >>> ep = read_actigraph(p)
    >>> ep
                timestamp  axis1  axis2  axis3  steps
    0 2023-12-31 23:59:00      5      0      1      0
    1 2023-12-31 23:59:30    120     40      9      3
    2 2024-01-01 00:00:00      0      0      0      0
    >>> ep.attrs["epoch_s"], ep.attrs["mode"], ep.attrs["date_format"]
    (30.0, 13, 'd/M/yyyy')
    """
    path = Path(path)
    with open_export(path) as fh:
        try:
            magic = fh.read(16)
        except OSError as exc:
            raise StudyReadError(f"{path}: cannot be read ({exc.strerror}).") from None
    if magic.startswith(b"SQLite format 3"):
        return _read_agd(path)
    if magic.startswith(b"PK\x03\x04"):
        raise FileFormatError(
            path,
            "is a zip archive (a raw .gt3x recording?); export an epoch CSV or an AGD file from "
            "ActiLife, or read raw acceleration with read_accel.",
        )
    if magic.startswith(b"\x1f\x8b"):
        raise FileFormatError(path, "is a gzip archive, not a CSV; extract the epoch CSV (or "
                                    "AGD) from it first.")
    if path.suffix.lower() == ".agd":
        raise FileFormatError(
            path,
            f"is not an AGD file: an AGD is an SQLite database, but this file starts with "
            f"{magic[:16]!r}. It is damaged, or another file renamed to .agd; export it again "
            "from ActiLife.",
        )
    return _read_epoch_csv(read_text(path))


# --------------------------------------------------------------------------------------- AGD
def _read_agd(path: Path) -> pd.DataFrame:
    uri = f"{path.resolve().as_uri()}?mode=ro&immutable=1"
    try:
        con = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise FileFormatError(path, f"cannot be opened as an AGD (SQLite) file ({exc}).") from None
    try:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"settings", "data"} <= tables:
            raise FileFormatError(
                path,
                "is an SQLite file without the 'settings' and 'data' tables of an ActiGraph AGD "
                f"(it has: {', '.join(sorted(tables)) or 'no tables'}).",
            )
        settings = dict(con.execute("SELECT settingName, settingValue FROM settings").fetchall())
        columns = [r[1] for r in con.execute("PRAGMA table_info(data)")]
        if "datatimestamp" not in {c.lower() for c in columns}:
            raise FileFormatError(
                path,
                "the AGD 'data' table has no 'dataTimestamp' column (it has: "
                f"{', '.join(columns) or 'no columns'}); is this an ActiGraph AGD?",
            )
        data = pd.read_sql_query("SELECT * FROM data", con)  # storage order, to number epochs
        capsense = _capsense_table(con, tables, path)
    except (sqlite3.DatabaseError, pd.errors.DatabaseError) as exc:
        raise FileFormatError(path, f"the AGD database is damaged or truncated ({exc}).") from None
    finally:
        con.close()
    settings = {str(k): "" if v is None else str(v) for k, v in settings.items()}
    decimal = settings.get("decimal", ".") or "."

    def number(name: str) -> float:
        raw = settings.get(name, "")
        try:
            return float(raw.replace(decimal, ".")) if raw else float("nan")
        except ValueError:
            raise FileFormatError(
                path, f"AGD setting {name!r} is {raw!r}, not a number (decimal mark {decimal!r})."
            ) from None

    epoch_s = number("epochlength")
    if not epoch_s > 0:
        raise FileFormatError(path, "the AGD settings have no positive 'epochlength'.")
    if data.empty:
        raise FileFormatError(path, "the AGD has no epochs (an empty recording?).")
    rename = {c: _NAME_MAP.get(_norm(c), c) for c in data.columns}
    data = data.rename(columns=rename)
    stamps = _agd_timestamps(path, data.pop("timestamp"))
    order = np.argsort(stamps, kind="stable")  # storage order is usually time order already
    close = epochs_closer_than(stamps[order], epoch_s)
    if close is not None:
        raise FileFormatError(
            path,
            f"{close}, but the AGD settings say epochlength = {epoch_s:g} s. The data table "
            "was changed by another tool, or the settings belong to another file.",
        )
    out = pd.DataFrame({"timestamp": stamps[order]})
    for col in data.columns:
        values = _agd_numbers(path, data[col], col, stamps)
        out[col] = _as_counts(values[order])
    if capsense is not None and "wear_sensor" not in out:
        out["wear_sensor"] = _wear_sensor_per_epoch(out["timestamp"].to_numpy(), *capsense)
    mode = int(number("modenumber")) if settings.get("modenumber") else None
    start_ticks = settings.get("startdatetime")
    out.attrs.update(
        path=str(path),
        format="agd",
        epoch_s=float(epoch_s),
        mode=mode,
        serial=settings.get("deviceserial"),
        start=str(_ticks(int(start_ticks))) if start_ticks else None,
        decimal=decimal,
        settings=settings,
    )
    return out


# .NET ticks of 1980-01-01 and 2100-01-01: the dates a recording can have
_FIRST_TICKS = _TICKS_AT_UNIX_EPOCH + 315_532_800 * 10_000_000
_LAST_TICKS = _TICKS_AT_UNIX_EPOCH + 4_102_444_800 * 10_000_000
_COUNT_COLUMNS = frozenset(_NAME_MAP.values()) - {"date", "time", "timestamp"}


def _capsense_table(con: sqlite3.Connection, tables: set[str], path: Path
                    ) -> tuple[np.ndarray, np.ndarray] | None:
    """The AGD's ``capsense`` table (the wear sensor of wGT3X-BT and GT9X devices): record
    times and states (1 = worn, 0 = not worn), sorted by time; None when the file has none."""
    name = next((t for t in tables if _norm(t) == "capsense"), None)
    if name is None:
        return None
    table = pd.read_sql_query(f'SELECT * FROM "{name}"', con)
    cols = {_norm(c): c for c in table.columns}
    t_col = cols.get("timestamp") or cols.get("datatimestamp")
    s_col = cols.get("state") or cols.get("wear")
    if t_col is None or s_col is None:
        raise FileFormatError(
            path, f"the AGD '{name}' (wear sensor) table has no timeStamp and state columns (it "
            f"has: {', '.join(table.columns) or 'no columns'}).")
    if table.empty:
        return None
    ticks = pd.to_numeric(table[t_col], errors="coerce").to_numpy(dtype=float)
    state = pd.to_numeric(table[s_col], errors="coerce").to_numpy(dtype=float)
    dated = (ticks >= _FIRST_TICKS) & (ticks < _LAST_TICKS)
    bad = np.flatnonzero(~dated | ~np.isin(state, (0, 1)))
    if bad.size:
        i = int(bad[0])
        raise FileFormatError(
            path, f"the AGD '{name}' (wear sensor) table, row {i + 1}: timeStamp "
            f"{table[t_col].iloc[i]}, state {table[s_col].iloc[i]}; expected .NET ticks "
            "between 1980 and 2100 and a state of 1 (worn) or 0 (not worn).")
    as_int = table[t_col].to_numpy(dtype=np.int64)
    stamps = ((as_int - _TICKS_AT_UNIX_EPOCH) * 100).astype("datetime64[ns]")
    order = np.argsort(stamps, kind="stable")
    return stamps[order], state[order]


def _wear_sensor_per_epoch(epochs: np.ndarray, stamps: np.ndarray, state: np.ndarray
                           ) -> np.ndarray:
    """Each epoch's wear-sensor state: that of the last record at or before the epoch's start
    (NaN before the first record)."""
    pos = np.searchsorted(stamps, epochs, side="right") - 1
    return np.where(pos >= 0, state[np.maximum(pos, 0)], np.nan)


def _agd_timestamps(path: Path, ticks: pd.Series) -> np.ndarray:
    """.NET ticks (storage order) to datetime64[ns], refusing gaps, non-ticks and duplicates."""
    missing = ticks.isna()
    if missing.any():
        raise FileFormatError(
            path,
            f"{int(missing.sum())} epoch(s) have no dataTimestamp (the first is epoch "
            f"{int(np.flatnonzero(missing.to_numpy())[0]) + 1}); the AGD is damaged.",
        )
    values = pd.to_numeric(ticks, errors="coerce")
    whole = values.notna() & (values == np.floor(values))
    bad = np.flatnonzero(~(whole & (values >= _FIRST_TICKS) & (values < _LAST_TICKS)).to_numpy())
    if bad.size:
        i = int(bad[0])
        raise FileFormatError(
            path,
            f"epoch {i + 1}: dataTimestamp {ticks.iloc[i]} is not a date between 1980 and 2100 "
            "in .NET ticks (100 ns since 0001-01-01), as ActiLife writes them.",
        )
    as_int = ticks.to_numpy(dtype=np.int64) if ticks.dtype.kind in "iu" else (
        np.array([int(v) for v in ticks], dtype=np.int64))
    stamps = ((as_int - _TICKS_AT_UNIX_EPOCH) * 100).astype("datetime64[ns]")
    ordered = np.sort(stamps)
    same = np.flatnonzero(ordered[1:] == ordered[:-1])
    if same.size:
        raise FileFormatError(
            path,
            f"epoch {pd.Timestamp(ordered[same[0]])} is in the file twice ({same.size} repeated "
            "timestamp(s)): the device clock was set back (e.g. for daylight saving) or two "
            "downloads were merged. Re-export the AGD from the raw .gt3x file.",
        )
    return stamps


def epochs_closer_than(stamps: np.ndarray, epoch_s: float) -> str | None:
    """'epochs A and B are X s apart' for the first sorted pair closer than ``epoch_s``, or None.

    Examples
    --------
    >>> t = np.array(["2024-01-01T08:00:00", "2024-01-01T08:00:05"], dtype="datetime64[s]")
    >>> epochs_closer_than(t, 10.0)
    'epochs 2024-01-01 08:00:00 and 2024-01-01 08:00:05 are 5 s apart'
    >>> epochs_closer_than(t, 5.0) is None
    True
    """
    ns = stamps.astype("datetime64[ns]").astype(np.int64)
    gaps = np.diff(ns) / 1e9
    bad = np.flatnonzero(gaps < epoch_s - 1e-6)
    if not bad.size:
        return None
    i = int(bad[0])
    return (f"epochs {pd.Timestamp(stamps[i])} and {pd.Timestamp(stamps[i + 1])} are "
            f"{gaps[i]:g} s apart")


def _agd_numbers(path: Path, column: pd.Series, name: str, stamps: np.ndarray) -> np.ndarray:
    values = pd.to_numeric(column, errors="coerce")
    bad = np.flatnonzero((values.isna() & column.notna()).to_numpy())
    if bad.size:
        i = int(bad[0])
        raise FileFormatError(
            path,
            f"epoch {i + 1} ({pd.Timestamp(stamps[i])}): {name} is {column.iloc[i]!r}, not a "
            "number.",
        )
    values = values.to_numpy(dtype=float)
    if name in _COUNT_COLUMNS:
        neg = np.flatnonzero(values < 0)
        if neg.size:
            i = int(neg[0])
            raise FileFormatError(
                path,
                f"epoch {i + 1} ({pd.Timestamp(stamps[i])}): {name} is {values[i]:g}; counts "
                "cannot be negative. The AGD is damaged or was edited.",
            )
    return values


def _ticks(t: int) -> pd.Timestamp:
    return pd.Timestamp((t - _TICKS_AT_UNIX_EPOCH) * 100)


def _as_counts(values: np.ndarray) -> np.ndarray:
    if np.isfinite(values).all() and (values == np.round(values)).all():
        return values.astype(np.int64)
    return values


# -------------------------------------------------------------------------------- epoch CSV
_DOTNET = {"yyyy": "%Y", "yy": "%y", "MM": "%m", "M": "%m", "dd": "%d", "d": "%d"}


def _strptime_format(dotnet: str) -> str:
    return re.sub(r"yyyy|yy|MM|M|dd|d", lambda m: _DOTNET[m.group(0)], dotnet)


def _swap_day_month(dotnet: str) -> str:
    return re.sub(r"M+|d+", lambda m: ("d" if m.group(0)[0] == "M" else "M") * len(m.group(0)),
                  dotnet)


def _header_value(text: TextFile, i: int, label: str) -> str:
    line = re.split(r"[,;]", text.lines[i].replace('"', ""))[0].strip()
    if not line.lower().startswith(label.lower()):
        raise text.error(
            f"expected the ActiLife header line {label!r} here; found {line[:60]!r}. Export the "
            "epoch CSV from ActiLife with its 10-line header.",
            line=i + 1,
        )
    return line[len(label) :].strip(" :")


# Clock formats ActiLife writes, by the computer's culture: 24-hour, 12-hour, with milliseconds.
_CLOCKS = ("%H:%M:%S", "%I:%M:%S %p", "%H:%M:%S.%f", "%H:%M", "%I:%M %p")


def _clock_format(value: str) -> str | None:
    for fmt in _CLOCKS:
        try:
            datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
        return fmt
    return None


def _parse_clock(value: str):
    fmt = _clock_format(value)
    if fmt is None:
        raise ValueError(value)
    return datetime.strptime(value.strip(), fmt).time()


def _parse_date(value: str, dotnet: str) -> datetime | None:
    try:
        return datetime.strptime(value, _strptime_format(dotnet))
    except ValueError:
        return None


def is_actilife_header(line: str) -> bool:
    """Whether ``line`` is the first line of an ActiLife export header.

    Every ActiLife product line writes ``------------ Data File Created By ActiGraph ...``, or a
    variant of it (``Data Table File Created By Actigraph Link``, other device names), so the
    test is "created by ActiGraph" or "ActiLife", in any case.

    Examples
    --------
    >>> is_actilife_header("------------ Data Table File Created By Actigraph Link ActiLife v6")
    True
    >>> is_actilife_header("timestamp,axis1")
    False
    """
    low = line.lower()
    return bool(re.search(r"created\s+by\s+actigraph", low)) or "actilife" in low


def actilife_raw_start(path: str | Path, lines: list[str]) -> tuple[pd.Timestamp, float, str]:
    """Start, sample rate (Hz) and date format from the 10-line header of an ActiLife RAW CSV.

    The first line states the rate (``... date format M/d/yyyy at 30 Hz ...``); Start Date and
    Start Time give the first sample's clock time (device local clock), checked against the
    declared date format as for epoch CSVs.

    Examples
    --------
    >>> head = ["------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.3 date format "
    ...         "d/M/yyyy at 30 Hz  Filter Normal -----------", "Serial Number: CLE0000",
    ...         "Start Time 10:00:00", "Start Date 15/1/2024", "Epoch Period (hh:mm:ss) 00:00:00",
    ...         "Download Time 10:00:00", "Download Date 16/1/2024", "Current Memory Address: 0",
    ...         "Current Battery Voltage: 4.1     Mode = 12", "-" * 50]
    >>> actilife_raw_start("raw.csv", head)
    (Timestamp('2024-01-15 10:00:00'), 30.0, 'd/M/yyyy')
    """
    text = TextFile(Path(path), "utf-8", list(lines))
    if len(lines) < 10:
        raise text.error(f"the ActiLife header has {len(lines)} lines; expected 10 (truncated "
                         "file?).", line=len(lines))
    m = re.search(r"date format\s+(\S+)", lines[0])
    declared = m.group(1) if m else "M/d/yyyy"
    rate = re.search(r"\bat\s+(\d+(?:\.\d+)?)\s*Hz", lines[0], re.IGNORECASE)
    if rate is None or float(rate.group(1)) <= 0:
        raise text.error(
            f"the ActiLife header states no sample rate ('at 30 Hz'); found {lines[0][:90]!r}. "
            "A RAW CSV needs it to time the samples: export it again from ActiLife, or add a "
            "time column in ISO form.",
            line=1,
        )
    start_time = _header_value(text, 2, "Start Time")
    fmt, day = _check_date_format(text, declared, _header_value(text, 3, "Start Date"),
                                  _header_value(text, 6, "Download Date"))
    try:
        clock = _parse_clock(start_time)
    except ValueError:
        raise text.error(f"cannot read the start time {start_time!r} (expected hh:mm:ss).",
                         line=3) from None
    return pd.Timestamp(datetime.combine(day.date(), clock)), float(rate.group(1)), fmt


def _read_epoch_csv(text: TextFile) -> pd.DataFrame:
    first = text.lines[0]
    if not is_actilife_header(first):
        names = {_norm(f) for f in re.split(r"[,;\t]", first)}
        if {"timestamp", "axis1"} <= names:
            return _read_epoch_table(text)
        if {"time", "x", "y", "z"} <= names:
            hint = ("it looks like raw accelerometry (time, x, y, z); read it with read_accel "
                    "(glute-study import accel).")
        elif first.lstrip('"').lower().startswith(("time", "sep=")):
            hint = "it looks like an activPAL events export; read it with read_activpal."
        else:
            hint = (f"its first line is {first[:60]!r}, but an ActiLife export starts with "
                    "'------------ Data File Created By ActiGraph ...' (or another ActiLife "
                    "product line), and a table of epochs names timestamp and axis1 in its "
                    "first line. Export the epochs from ActiLife, or add those column names.")
        raise text.error(f"not an ActiGraph epoch CSV: {hint}", line=1)
    if len(text.lines) < 10:
        raise text.error(
            f"the ActiLife header has {len(text.lines)} lines; expected 10 (truncated file?).",
            line=len(text.lines),
        )
    m = re.search(r"date format\s+(\S+)", first)
    declared = m.group(1) if m else "M/d/yyyy"
    serial = _header_value(text, 1, "Serial Number")
    start_time = _header_value(text, 2, "Start Time")
    start_date = _header_value(text, 3, "Start Date")
    epoch_txt = _header_value(text, 4, "Epoch Period (hh:mm:ss)")
    download_date = _header_value(text, 6, "Download Date")
    m = re.search(r"Mode\s*=\s*(\d+)", text.lines[8])
    if not m:
        raise text.error("no 'Mode = <number>' on the ActiLife header line.", line=9)
    mode = int(m.group(1))
    try:
        h, mi, s = (int(x) for x in epoch_txt.split(":"))
        epoch_s = float(h * 3600 + mi * 60 + s)
        clock = _parse_clock(start_time)
    except ValueError:
        raise text.error(
            f"cannot read the epoch period {epoch_txt!r} or start time {start_time!r} "
            "(expected hh:mm:ss).",
            line=5,
        ) from None
    if epoch_s <= 0:
        raise text.error("the epoch period is zero: this is an ActiLife RAW CSV of acceleration "
                         "samples, not epoch counts. Read it with read_accel (glute-study import "
                         "accel), or export epochs (an AGD or epoch CSV) from ActiLife.", line=5)

    try:
        fmt, start_day = _check_date_format(text, declared, start_date, download_date)
        header_problem = None
    except FileFormatError as exc:  # the rows' ISO timestamps may still settle the dates
        fmt, start_day, header_problem = declared, None, exc

    body = 10
    probe = text.lines[body] if body < len(text.lines) else ""
    sep = ";" if probe.count(";") > probe.count(",") else ","
    names_row = body < len(text.lines) and re.search(r"[A-Za-z]", probe.split(sep)[0])
    if names_row:
        raw_names = [f.strip().strip('"') for f in probe.split(sep)]
        names = [_NAME_MAP.get(_norm(n), _norm(n)) if n else "" for n in raw_names]
        body += 1
    else:
        names = mode_columns(mode)
    first_data = body + 1
    if len(text.lines) < first_data:
        raise text.error("the header is complete but there are no epochs.", line=body)
    decimal = "."
    if sep == ";":
        fields = [f for ln in text.lines[body : body + 50] for f in ln.split(sep)]
        try:
            decimal = sniff_decimal(fields)
        except ValueError as exc:
            raise text.error(f"{exc}; export with one decimal mark.", line=first_data) from None
    raw = _text_rows(text, first_data, sep=sep, header=None, index_col=False)
    width = _row_width(raw)
    if names_row and width != len(_trim(names)):
        raise text.error(
            f"the column-name row names {len(_trim(names))} columns, but the epochs have "
            f"{width}. Was the file edited? Export it again from ActiLife.",
            line=body,
        )
    if not names_row and width != len(names):
        raise text.error(
            f"{width} columns per epoch, but Mode = {mode} implies {len(names)} "
            f"({', '.join(names)}). Was the file edited, or exported with other columns?",
            line=first_data,
        )
    raw = raw.iloc[:, : len(names)]
    raw.columns = range(raw.shape[1])
    out: dict[str, object] = {}
    n = len(raw)
    for j, name in enumerate(names):
        if not name or name in ("date", "time", "timestamp"):
            continue
        text_col = col = raw[j].str.strip()
        if decimal != ".":
            col = col.str.replace(decimal, ".", regex=False)
        if name not in _COUNT_COLUMNS and pd.to_numeric(col, errors="coerce").isna().any():
            out[name] = text_col.to_numpy(dtype=object)  # a text column we do not use: as is
            continue
        empty = col == ""
        if empty.any():
            i = int(np.flatnonzero(empty.to_numpy())[0])
            what = "truncated file?" if i == n - 1 else "empty field"
            raise text.error(f"no value for {name} ({what}).", line=first_data + i)
        values = pd.to_numeric(col, errors="coerce")
        if values.isna().any():
            i = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise text.error(f"{name} is {col.iloc[i]!r}, not a number.", line=first_data + i)
        if name in _COUNT_COLUMNS and (values < 0).any():
            i = int(np.flatnonzero((values < 0).to_numpy())[0])
            raise text.error(
                f"{name} is {col.iloc[i]}; counts cannot be negative. Was the file edited?",
                line=first_data + i,
            )
        out[name] = _as_counts(values.to_numpy(dtype=float))
    iso = _iso_stamps(raw[names.index("timestamp")]) if "timestamp" in names else None
    if iso is None and header_problem is not None:
        raise header_problem
    date_source = "header"
    if iso is not None:
        stamps, start, date_source = iso, iso[0], "timestamp column"
        _check_contiguous(text, stamps, epoch_s, first_data)
        header_start = (None if start_day is None
                        else pd.Timestamp(datetime.combine(start_day.date(), clock)))
        if header_start != start:
            said = (f"its Start Date {start_date!r} cannot be read with its date format "
                    f"{declared}" if header_start is None
                    else f"its Start Date and Time give {header_start}")
            warnings.warn(
                f"{text.path.name}: the header disagrees with the Timestamp column ({said}); "
                f"the ISO timestamps of the rows settle the dates (first epoch {start}).",
                GluteStudyWarning,
                stacklevel=3,
            )
    else:
        start = pd.Timestamp(datetime.combine(start_day.date(), clock))
        stamps = start + pd.to_timedelta(np.arange(n) * epoch_s, unit="s")
    if iso is None and "date" in names and "time" in names:
        dates, clocks = raw[names.index("date")].str.strip(), raw[names.index("time")].str.strip()
        clock_fmt = _clock_format(str(clocks.iloc[0])) or "%H:%M:%S"
        offsets = pd.to_timedelta(np.arange(n) * epoch_s, unit="s")

        def first_wrong(date_fmt: str, expected: pd.DatetimeIndex) -> int:
            written = pd.to_datetime(dates + " " + clocks,
                                     format=_strptime_format(date_fmt) + " " + clock_fmt,
                                     errors="coerce")
            wrong = (written != expected).to_numpy()
            return int(np.flatnonzero(wrong)[0]) if wrong.any() else -1

        i = first_wrong(fmt, stamps)
        other = _swap_day_month(fmt)
        alt_day = _parse_date(start_date, other)
        alt_download = _parse_date(download_date, other) if download_date else None
        if i >= 0 and alt_day is not None and (alt_download is None or alt_download >= alt_day):
            alt_start = pd.Timestamp(datetime.combine(alt_day.date(), clock))
            if first_wrong(other, alt_start + offsets) < 0:
                warnings.warn(
                    f"{text.path.name}: the header declares date format {declared}"
                    f"{'' if fmt == declared else f' (read as {fmt})'}, but the dates in the "
                    f"Date column only fit {other}; using {other}.",
                    GluteStudyWarning,
                    stacklevel=3,
                )
                fmt, start, stamps, i = other, alt_start, alt_start + offsets, -1
        if i >= 0:
            raise text.error(
                f"the date/time written ({dates.iloc[i]} {clocks.iloc[i]}) is not start + "
                f"epochs ({stamps[i]}) with date format {fmt}; the epochs are not contiguous "
                "or the date format is wrong.",
                line=first_data + i,
            )
    frame = pd.DataFrame({"timestamp": stamps.to_numpy(), **out})
    frame.attrs.update(
        path=str(text.path),
        format="csv",
        epoch_s=epoch_s,
        mode=mode,
        serial=serial,
        start=str(start),
        date_format=fmt,
        date_source=date_source,
        delimiter=sep,
        decimal=decimal,
        declared_date_format=declared,
        encoding=text.encoding,
        settings=text.lines[:10],
    )
    return frame


def _iso_stamps(column: pd.Series) -> pd.DatetimeIndex | None:
    """The column as ISO date-times (a UTC offset dropped, keeping the clock), or None when any
    row is not one (then the header's dates are used)."""
    cells = column.str.strip().str.replace(UTC_OFFSET, r"\1", regex=True)
    if not cells.str.match(r"\d{4}-\d\d-\d\d[ T]\d").all():
        return None
    stamps = pd.to_datetime(cells, format="ISO8601", errors="coerce")
    return None if stamps.isna().any() else pd.DatetimeIndex(stamps)


def _check_contiguous(text: TextFile, stamps: pd.DatetimeIndex, epoch_s: float,
                      first_line: int) -> None:
    """Refuse timestamps that are not one epoch apart, naming the first line that is not."""
    steps = np.diff(stamps.asi8) / 1e9
    wrong = steps != epoch_s
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0]) + 1
        raise text.error(
            f"the Timestamp {stamps[i]} is {steps[i - 1]:g} s after the one before, but the "
            f"header's Epoch Period is {epoch_s:g} s; the epochs are not contiguous (a gap or "
            "an edited file). Export the recording again from ActiLife.",
            line=first_line + i,
        )


def _read_epoch_table(text: TextFile) -> pd.DataFrame:
    """A table of epochs with a column-name row: ``timestamp``, ``axis1``, ... (our own output,
    or a tidy export such as R's read_agd). The mode comes from the columns; the epoch length
    from the most common spacing of the timestamps."""
    try:
        sep = sniff_delimiter(text.lines[:2])
    except ValueError:
        sep = ","
    raw = _text_rows(text, 1, sep=sep)
    raw.columns = [_NAME_MAP.get(_norm(c), c.strip()) for c in raw.columns]
    if raw.empty:
        raise text.error("holds a column-name row but no epochs.", line=1)
    stamps = pd.to_datetime(raw["timestamp"].str.strip().str.replace(UTC_OFFSET, r"\1", regex=True),
                            format="ISO8601", errors="coerce")
    if stamps.isna().any():
        i = int(np.flatnonzero(stamps.isna().to_numpy())[0])
        raise text.error(f"column 'timestamp': {raw['timestamp'].iloc[i]!r} is not an ISO date-"
                         "time (yyyy-mm-dd hh:mm:ss).", line=i + 2)
    out = pd.DataFrame({"timestamp": stamps.to_numpy("datetime64[ns]")})
    first = [c for c in mode_columns(63) if c in raw.columns]  # mode order, then the others
    for col in [*first, *(c for c in raw.columns if c not in first and c != "timestamp")]:
        values = pd.to_numeric(raw[col].str.strip(), errors="coerce")
        bad = (values.isna() & raw[col].str.strip().ne("")).to_numpy()
        if col in _COUNT_COLUMNS:
            wrong = bad | (values < 0).to_numpy()
            if wrong.any():
                i = int(np.flatnonzero(wrong)[0])
                raise text.error(f"column {col!r}: {raw[col].iloc[i]!r} is not a count (a "
                                 "whole number >= 0).", line=i + 2)
            out[col] = _as_counts(values.to_numpy(dtype=float))
        else:  # other columns are kept, as numbers where they all are
            out[col] = values if not bad.any() else raw[col]
    gaps = np.diff(out["timestamp"].to_numpy().astype(np.int64)) / 1e9
    if (gaps <= 0).any():
        i = int(np.flatnonzero(gaps <= 0)[0])
        raise text.error(f"epoch {out['timestamp'].iloc[i + 1]} does not come after the one "
                         "before; epochs must be in time order, each once.", line=i + 3)
    epoch_s = float(pd.Series(gaps).mode().iloc[0]) if gaps.size else float("nan")
    close = epochs_closer_than(out["timestamp"].to_numpy(), epoch_s) if gaps.size else None
    if close is not None:
        raise text.error(f"{close}, closer than the {epoch_s:g}-s epoch length.")
    out.attrs.update(path=str(text.path), format="table", epoch_s=epoch_s,
                     mode=_mode_of(out.columns), serial=None, start=out["timestamp"].iloc[0],
                     settings="")
    return out


def _text_rows(text: TextFile, first: int, **options: object) -> pd.DataFrame:
    """The file from 1-based line ``first`` as a table of text cells; a row the parser refuses
    (more fields than the others) is an error naming its line."""
    try:
        return pd.read_csv(io.StringIO(text.text_from(first)), dtype=str, keep_default_na=False,
                           engine="c", **options)
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise text.error(f"epoch rows cannot be read ({str(exc).strip()[:120]}).",
                         line=first + int(m.group(1)) - 1 if m else None) from None


def _trim(names: list[str]) -> list[str]:
    # a padded names row ends in empty names
    out = list(names)
    while out and not out[-1]:
        out.pop()
    return out


def _row_width(raw: pd.DataFrame) -> int:
    # Trailing padding commas give empty columns at the right; ignore them.
    width = raw.shape[1]
    while width > 0 and (raw[raw.columns[width - 1]].str.strip() == "").all():
        width -= 1
    return width


def _check_date_format(
    text: TextFile, declared: str, start: str, download: str
) -> tuple[str, datetime]:
    """Check the declared date format against the dates written; return (format, start date)."""

    def consistent(fmt: str) -> datetime | None:
        s, d = _parse_date(start, fmt), _parse_date(download, fmt)
        if s is None or (download and d is None):
            return None
        if d is not None and d < s:
            return None
        return s

    got = consistent(declared)
    if got is not None:
        return declared, got
    other = _swap_day_month(declared)
    alt = consistent(other)
    if alt is None:
        raise text.error(
            f"the header declares date format {declared}, but Start Date {start!r} and "
            f"Download Date {download!r} cannot be read with it (or download precedes start), "
            f"nor with {other}. Fix the header's dates or the 'date format'.",
            line=4,
        )
    warnings.warn(
        f"{text.path.name}: the header declares date format {declared}, but the dates written "
        f"(Start Date {start}, Download Date {download}) only make sense as {other}; "
        f"using {other}.",
        GluteStudyWarning,
        stacklevel=3,
    )
    return other, alt
