"""Check study tables against the codebook and collect every problem in one tidy table.

All problems are found in one pass. Each row of the problems table names the file, the line in
that file, the column, the value found and what was expected; ``severity`` separates errors (the
study cannot be analysed as it is) from warnings (suspicious but allowed).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._read import (
    COMPRESSED,
    OTHER_FORMATS,
    TABLE_SUFFIXES,
    FileProblem,
    RawTable,
    close_name,
    is_ignored,
    is_readable_name,
    is_tableish,
    line_ranges,
    read_raw,
    split_name,
)
from .codebook import CODEBOOK, Column, Table
from .errors import GluteStudyError, StudyReadError

__all__ = [
    "PROBLEM_COLUMNS", "ValidationError", "check_tables", "conform", "read_study_folder",
]

PROBLEM_COLUMNS = ["severity", "table", "file", "line", "column", "value", "expected", "rule"]
MISSING = {"", "na", "n/a", "nan", "null", "none", "."}
_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_COMMA_NUMBER = re.compile(r"^[+-]?\d+,\d+$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00(?:\.0+)?)?)?$")
_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$")


class ValidationError(GluteStudyError, ValueError):
    """A study has errors. ``problems`` holds all of them (and the warnings) as a tidy table."""

    def __init__(self, problems: pd.DataFrame) -> None:
        self.problems = problems
        errors = problems[problems["severity"] == "error"]
        super().__init__(
            f"the study has {len(errors)} error(s); first: {_describe(errors.iloc[0])}"
            if len(errors) else "the study has errors"
        )

    def __str__(self) -> str:
        errors = self.problems[self.problems["severity"] == "error"]
        head = [_describe(row) for _, row in errors.head(10).iterrows()]
        more = f"\n  ... and {len(errors) - 10} more (see .problems)" if len(errors) > 10 else ""
        return f"the study has {len(errors)} error(s):\n  " + "\n  ".join(head) + more


def _describe(row: pd.Series) -> str:
    """One problem in one line: where, what is wrong, what was found and what was expected.

    Examples
    --------
    >>> print(_describe(pd.Series({"file": "cramps.csv", "line": pd.NA, "column": "",
    ...     "value": "", "rule": "file: the file is empty", "expected": "a header row"})))
    cramps.csv: file: the file is empty; expected a header row
    """
    where = str(row["file"])
    if pd.notna(row["line"]):
        where += f", line {int(row['line'])}"
    if row["column"]:
        where += f", column {row['column']}"
    if row["value"] != "":
        return f"{where}: found {row['value']!r}; expected {row['expected']} ({row['rule']})"
    return f"{where}: {row['rule']}; expected {row['expected']}"


@dataclass
class _Problems:
    rows: list[dict] = field(default_factory=list)

    def add(self, severity: str, table: str, file: str, line: int | None, column: str,
            value: object, expected: str, rule: str) -> None:
        self.rows.append({
            "severity": severity, "table": table, "file": file,
            "line": line, "column": column, "value": _show(value),
            "expected": expected, "rule": rule,
        })

    def frame(self) -> pd.DataFrame:
        out = pd.DataFrame(self.rows, columns=PROBLEM_COLUMNS)
        out["line"] = out["line"].astype("Int64")
        return out


def _show(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.isoformat(sep=" ")
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."


# ---------------------------------------------------------------------------------------------
# Reading a folder


def read_study_folder(folder: Path) -> tuple[dict[str, pd.DataFrame], dict[str, np.ndarray],
                                             pd.DataFrame, dict[str, Path]]:
    """Read and check every table file of a study folder.

    Returns the typed tables, the file line of each row, the problems table and the file of each
    table. Errors are in the problems table; this function never raises for bad data.
    """
    problems = _Problems()
    files, unread = _find_files(folder, problems)
    raws: dict[str, RawTable] = {}
    for name, path in files.items():
        try:
            raws[name] = read_raw(path, name)
        except FileProblem as err:
            problems.add("error", name, path.name, err.line, "", "", err.expected or str(err),
                         f"file: {err}")
            unread.add(name)
            continue
        for note in raws[name].notes:
            problems.add("warning", name, path.name, note.line, note.column, "", note.expected,
                         note.rule)
    tables, lines = {}, {}
    for name, table in CODEBOOK.items():
        if name in raws:
            tables[name], lines[name] = _convert(raws[name], table, problems)
            if raws[name].ragged or any(
                    k not in _header_names(raws[name]) for k in table.key):
                unread.add(name)  # rows left out, or no key columns: rows cannot be matched
        else:
            tables[name], lines[name] = empty_table(table), np.array([], dtype=np.int64)
    _check(tables, lines, {n: p.name for n, p in files.items()}, problems, unread=unread)
    return tables, lines, problems.frame(), files


def _find_files(folder: Path, problems: _Problems) -> tuple[dict[str, Path], set[str]]:
    """The file of each table, and the tables whose file cannot be read (problems added)."""
    found: dict[str, Path] = {}
    unread: set[str] = set()
    strays: list[tuple[Path, str | None]] = []
    folders: dict[str, str] = {}  # a table's file found in a folder named after it
    try:
        entries = sorted(folder.iterdir())
    except OSError as err:
        raise StudyReadError(f"{folder}: the study folder cannot be listed ({err.strerror}); "
                             "check its permissions") from None
    for path in entries:
        if is_ignored(path.name):
            continue
        stem, suffix, packing = split_name(path.name)
        try:
            is_dir = path.is_dir()
        except OSError:
            is_dir = False
        if stem in CODEBOOK and is_dir:
            if suffix or packing:
                problems.add("error", stem, path.name, None, "", "",
                             f"a file {stem}.csv (or .xlsx, .parquet), not a folder: move the "
                             "table file out of the folder and remove it",
                             "file: this is a folder named like a table file")
                unread.add(stem)
            else:
                inside = _table_files_in(path, stem)
                if inside:
                    folders[stem] = f"{path.name}/{inside[0]}"
            continue
        if is_dir:
            continue
        if stem in CODEBOOK:
            if not is_readable_name(suffix, packing):
                hint = OTHER_FORMATS.get(suffix, f"a '{suffix}' file")
                if suffix.strip() in TABLE_SUFFIXES:
                    hint = (f"a name ending in spaces: rename it to {stem}{suffix.strip()}"
                            f"{packing}")
                elif packing in COMPRESSED and not suffix:
                    hint = "a compressed file without the table's format in its name"
                elif not suffix:
                    hint = f"a file without a suffix: name it {stem}.csv if it is a CSV"
                problems.add("error", stem, path.name, None, "", "",
                             f"a .csv, .xlsx or .parquet file (also compressed: {stem}.csv.gz, "
                             f"or one file in {stem}.zip); this is {hint}",
                             f"unknown file type '{suffix}{packing}'")
                unread.add(stem)
            elif stem in found:
                problems.add("error", stem, path.name, None, "", "",
                             f"one file per table (also found {found[stem].name}): remove or "
                             "rename one", "two files for one table")
            else:
                found[stem] = path
        else:
            guess = close_name(stem, CODEBOOK)
            if guess or is_tableish(suffix, packing):
                strays.append((path, guess))
    unread -= set(found)  # a file of another type beside the table's file is its own error
    for name, table in CODEBOOK.items():
        if table.required and name not in found and name not in unread:
            alike = [p.name for p, guess in strays if guess == name]
            hint = (f"; found {', '.join(map(repr, alike))}: did you mean it? Rename it to "
                    f"{_renamed(alike[0], name)}" if alike else "")
            if name in folders:
                hint += (f"; found {folders.pop(name)!r} in a folder: move it into the study "
                         "folder")
            problems.add("error", name, f"{name}.csv", None, "", "",
                         f"a file {name}.csv (or .xlsx, .parquet) in {folder}{hint}",
                         "required table missing")
            unread.add(name)
    for path, guess in strays:
        if guess is not None and CODEBOOK[guess].required and guess not in found:
            continue  # named in the missing table's message
        if guess in found and not is_tableish(*split_name(path.name)[1:]):
            continue  # a backup or note beside the table (cramps.csv.bak)
        hint = f"; did you mean {guess}? Rename it to {_renamed(path.name, guess)}" if guess else ""
        problems.add("warning", "", path.name, None, "", "",
                     "a file named after a table: " + ", ".join(CODEBOOK) + hint,
                     "not a study table; ignored")
    for name, inside in folders.items():
        if name not in found and name not in unread:
            problems.add("warning", name, inside, None, "", "",
                         f"the {name} table as a file in the study folder itself: move it there "
                         "(files in subfolders are not read)", "file in a subfolder; not read")
    return found, unread


def _table_files_in(folder: Path, table: str) -> list[str]:
    """Names of files in ``folder`` that are named like ``table``'s file."""
    try:
        return sorted(p.name for p in folder.iterdir() if split_name(p.name)[0] == table
                      and is_readable_name(*split_name(p.name)[1:]))
    except OSError:
        return []


def _renamed(name: str, table: str) -> str:
    """The file name ``name`` should have to be read as ``table``."""
    _, suffix, packing = split_name(name)
    suffix = suffix.strip()
    return f"{table}{suffix if is_readable_name(suffix, packing) else '.csv'}{packing}"


def _header_names(raw: RawTable) -> set[str]:
    return {_column_name(h) for h in raw.header}


def _column_name(header: object) -> str:
    return str(header).replace("\ufeff", "").strip().lower().replace(" ", "_")


def empty_table(table: Table) -> pd.DataFrame:
    """An empty frame with the table's columns and dtypes."""
    return pd.DataFrame({c.name: pd.Series([], dtype=_pandas_dtype(c)) for c in table.columns})


def conform(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Return ``frame`` with the table's columns, in codebook order, in the codebook dtypes.

    Columns the frame lacks are added as missing (``trial`` as 1); extra columns are dropped.
    """
    out = {}
    for col in table.columns:
        if col.name in frame:
            values = frame[col.name]
        elif col.name == "trial":
            values = pd.Series(1, index=frame.index)
        else:
            values = pd.Series(None, index=frame.index, dtype=object)
        dtype = _pandas_dtype(col)
        if dtype == "object":
            values = values.astype(object).where(values.notna(), np.nan)
        elif dtype == "datetime64[ns]":
            values = pd.to_datetime(values).astype(dtype)
        else:
            values = values.astype(dtype)
        out[col.name] = values.to_numpy() if dtype == "object" else values.array
    return pd.DataFrame(out).reset_index(drop=True)


def _pandas_dtype(col: Column) -> str:
    return {"string": "object", "category": "object", "integer": "Int64", "number": "float64",
            "boolean": "boolean", "date": "datetime64[ns]", "datetime": "datetime64[ns]"}[col.dtype]


# ---------------------------------------------------------------------------------------------
# Cell conversion


def _convert(raw: RawTable, table: Table, problems: _Problems) -> tuple[pd.DataFrame, np.ndarray]:
    file = raw.path.name
    header = [_column_name(h) for h in raw.header]
    index: dict[str, int] = {}
    for pos, name in enumerate(header):
        if name in index:
            problems.add("error", table.name, file, 1, name, name, "each column name once",
                         "duplicate column")
        elif name in table.names:
            index[name] = pos
        elif name:
            problems.add("warning", table.name, file, 1, name, name,
                         "a codebook column: " + ", ".join(table.names),
                         "unknown column; ignored")
    for col in table.columns:
        if col.required and col.name not in index:
            problems.add("error", table.name, file, 1, col.name, "",
                         f"a column '{col.name}' ({col.expected()})", "required column missing")
    width = len(header)
    uneven: dict[int, list[int]] = {}  # rows of another width are one error per width
    for line, fields in raw.ragged:
        uneven.setdefault(fields, []).append(line)
    for n, where in uneven.items():
        problems.add("error", table.name, file, where[0], "", f"{n} fields",
                     f"{width} fields, as in the header (check the delimiter and quotes; these "
                     "rows are not checked further)", "wrong number of fields" + _rows(
                         np.asarray(where), np.arange(len(where))))
    lines = raw.lines
    data = {}
    for col in table.columns:
        if col.name in index:
            cells = raw.columns[index[col.name]]
            raw.columns[index[col.name]] = None  # converted once; let the text go
            data[col.name] = _convert_column(cells, lines, col, table, file, raw.decimal_comma,
                                             problems)
        elif col.name == "trial":
            data[col.name] = pd.array(np.ones(len(lines), dtype=np.int64), dtype="Int64")
        else:
            data[col.name] = pd.Series([None] * len(lines), dtype=_pandas_dtype(col)).array
    frame = pd.DataFrame(data)
    return frame, lines


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in MISSING


def _convert_column(cells, lines, col: Column, table: Table, file: str, decimal_comma: bool,
                    problems: _Problems):
    """Typed values of one column; bad, missing and out-of-range cells go to ``problems``."""
    if isinstance(cells, list) and all(isinstance(c, str) for c in cells):
        import pyarrow as pa

        cells = pa.chunked_array([pa.array(cells, type=pa.large_string())])
    if not isinstance(cells, list):  # Arrow text: a CSV column, or a column of text cells
        values, missing, bad = _parse_text_column(_text_series(cells), col, decimal_comma)
    else:  # typed cells from a workbook or Parquet file: one at a time
        missing = np.array([_is_missing(c) for c in cells], dtype=bool)
        parsed = [None if m else _parse(c, col, decimal_comma) for c, m in zip(cells, missing)]
        bad = np.array([v is _BAD for v in parsed], dtype=bool)
        values = [None if v is _BAD else v for v in parsed]
        values = _typed(values, col)
    for i in np.flatnonzero(missing & (not col.nullable)):
        problems.add("error", table.name, file, lines[i], col.name, "",
                     col.expected() + " (it may not be missing)", "missing value")
    for i in np.flatnonzero(bad):
        problems.add("error", table.name, file, lines[i], col.name, cells[i], col.expected(),
                     f"not {col.dtype}")
    if col.dtype in ("number", "integer"):
        numbers = np.asarray(pd.array(values, dtype="Float64").to_numpy(float, na_value=np.nan))
        _check_ranges(numbers, cells, lines, col, table, file, problems)
    return values


def _text_series(cells) -> pd.Series:
    """Arrow text as a pandas Series whose string methods run in Arrow (no Python strings)."""
    return pd.Series(pd.arrays.ArrowStringArray(cells), copy=False)


def _typed(values: list, col: Column):
    dtype = _pandas_dtype(col)
    if dtype == "datetime64[ns]":
        return pd.to_datetime(pd.Series(values, dtype=object)).astype(dtype).array
    if dtype == "object":
        return np.array([np.nan if v is None else v for v in values], dtype=object)
    if dtype == "float64":
        return np.array([np.nan if v is None else v for v in values], dtype=float)
    return pd.array(values, dtype=dtype)


def _parse_text_column(cells: list[str], col: Column, decimal_comma: bool):
    """Vectorised parsing of text cells: (values, missing mask, bad mask)."""
    text = cells.str.strip()
    lower = text.str.lower()
    missing = lower.isin(MISSING).to_numpy()
    present = ~missing
    kind = col.dtype
    if kind == "string":
        return np.where(present, text.to_numpy(), np.nan).astype(object), missing, np.zeros_like(
            missing)
    if kind == "category":
        canon = {a.lower(): a for a in col.allowed or ()}
        mapped = lower.map(canon)
        bad = present & mapped.isna().to_numpy()
        return np.where(present & ~bad, mapped.to_numpy(), np.nan).astype(object), missing, bad
    if kind == "boolean":
        truth = lower.map(lambda v: True if v in _TRUE else (False if v in _FALSE else None))
        bad = present & truth.isna().to_numpy()
        return pd.array(truth.where(present & ~bad, None).tolist(), dtype="boolean"), missing, bad
    if kind in ("number", "integer"):
        if decimal_comma:
            text = text.where(~text.str.fullmatch(_COMMA_NUMBER.pattern), text.str.replace(
                ",", ".", regex=False))
        ok = text.str.fullmatch(_NUMBER.pattern).fillna(False).to_numpy(bool)
        number = pd.to_numeric(text.where(ok), errors="coerce").to_numpy(float)
        bad = present & (~ok | ~np.isfinite(number))
        if kind == "integer":
            with np.errstate(invalid="ignore"):
                bad |= present & ~bad & ((number % 1 != 0) | (np.abs(number) > 2**53))
        number = np.where(bad | missing, np.nan, number)
        if kind == "integer":
            return pd.array(np.where(np.isnan(number), None, number).tolist(),
                            dtype="Int64"), missing, bad
        return number, missing, bad
    pattern = _DATE if kind == "date" else _DATETIME
    ok = text.str.fullmatch(pattern.pattern).fillna(False).to_numpy(bool)
    if kind == "date":
        stamp = pd.to_datetime(text.str[:10].where(ok), format="%Y-%m-%d", errors="coerce")
    else:
        iso = text.str.replace("T", " ", regex=False).where(ok)
        stamp = pd.to_datetime(iso, format="ISO8601", errors="coerce").dt.floor("s")
    bad = present & stamp.isna().to_numpy()
    return stamp.astype("datetime64[ns]").array, missing, bad


class _Bad:
    pass


_BAD = _Bad()


def _parse(value: object, col: Column, decimal_comma: bool):
    kind = col.dtype
    if kind in ("string", "category"):
        text = _text(value)
        if kind == "string":
            return text
        for allowed in col.allowed or ():
            if text.lower() == allowed.lower():
                return allowed
        return _BAD
    if kind in ("number", "integer"):
        number = _number(value, decimal_comma)
        if number is None:
            return _BAD
        if kind == "integer":
            if not float(number).is_integer() or abs(number) > 2**53:
                return _BAD
            return int(number)
        return float(number)
    if kind == "boolean":
        if isinstance(value, bool | np.bool_):
            return bool(value)
        text = _text(value).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        return _BAD
    if kind == "date":
        return _date(value)
    return _datetime(value)


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number(value: object, decimal_comma: bool) -> float | None:
    if isinstance(value, bool | np.bool_):
        return None
    if isinstance(value, int | float | np.integer | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    text = str(value).strip()
    if decimal_comma and _COMMA_NUMBER.match(text):
        text = text.replace(",", ".")
    if not _NUMBER.match(text):
        return None
    number = float(text)
    return number if math.isfinite(number) else None


def _date(value: object):
    if isinstance(value, dt.datetime | pd.Timestamp):
        ts = pd.Timestamp(value)
        return ts if ts == ts.normalize() else _BAD
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    match = _DATE.match(str(value).strip())
    if not match:
        return _BAD
    try:
        return pd.Timestamp(dt.date(*map(int, match.groups())))
    except (ValueError, OverflowError):
        return _BAD


def _datetime(value: object):
    if isinstance(value, dt.datetime | pd.Timestamp):
        return pd.Timestamp(value).floor("s")
    text = str(value).strip()
    match = _DATETIME.match(text)
    if not match:
        return _BAD
    y, mo, d, h, mi, s = match.groups()
    try:
        return pd.Timestamp(dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0)))
    except (ValueError, OverflowError):
        return _BAD


def _check_ranges(numbers: np.ndarray, cells, lines, col: Column, table: Table, file: str,
                  problems: _Problems) -> None:
    with np.errstate(invalid="ignore"):
        hard = np.zeros(len(numbers), dtype=bool)
        soft = np.zeros(len(numbers), dtype=bool)
        if col.minimum is not None:
            hard |= numbers < col.minimum
        if col.maximum is not None:
            hard |= numbers > col.maximum
        if col.warn_below is not None:
            soft |= numbers < col.warn_below
        if col.warn_above is not None:
            soft |= numbers > col.warn_above
    for i in np.flatnonzero(hard):
        problems.add("error", table.name, file, lines[i], col.name, cells[i], col.expected(),
                     "out of range" + (f" ({col.hint})" if col.hint else ""))
    if not soft.any():
        return
    low = "" if col.warn_below is None else f"{col.warn_below:g}"
    high = "" if col.warn_above is None else f"{col.warn_above:g}"
    span = f"{low} to {high}" if low and high else (f"at least {low}" if low else
                                                     f"at most {high}")
    for i in np.flatnonzero(soft & ~hard):
        problems.add("warning", table.name, file, lines[i], col.name, cells[i],
                     f"a plausible value, {span}" + (f" {col.unit}" if col.unit else ""),
                     "implausible value" + (f": {col.hint}" if col.hint else ""))


# ---------------------------------------------------------------------------------------------
# Rules across rows and tables


def check_tables(tables: dict[str, pd.DataFrame], *, files: dict[str, str] | None = None,
                 lines: dict[str, np.ndarray] | None = None) -> pd.DataFrame:
    """Check typed study tables (as a :class:`~glute_study.Study` holds them) and return problems.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Typed tables keyed by codebook name.
    files, lines : dict, optional
        File names and per-row line numbers to name in the problems; by default ``<table>.csv``
        and the line each row would have in a CSV written by :meth:`Study.save`.

    Returns
    -------
    pandas.DataFrame
        The problems table (columns :data:`PROBLEM_COLUMNS`); empty when nothing is wrong.
    """
    problems = _Problems()
    full = {name: tables.get(name, empty_table(t)) for name, t in CODEBOOK.items()}
    files = {n: (files or {}).get(n, f"{n}.csv") for n in CODEBOOK}
    lines = {n: (lines or {}).get(n, np.arange(2, len(full[n]) + 2)) for n in CODEBOOK}
    for name, table in CODEBOOK.items():
        frame = full[name]
        for col in (c for c in table.columns if not c.nullable):
            for i in np.flatnonzero(frame[col.name].isna().to_numpy()):
                problems.add("error", name, files[name], int(lines[name][i]), col.name, "",
                             col.expected() + " (it may not be missing)", "missing value")
    _check(full, lines, files, problems)
    return problems.frame()


def _check(tables, lines, files, problems: _Problems, *, unread=frozenset()) -> None:
    """Row and cross-table rules; ``files`` maps table names to file names.

    ``unread`` names the tables whose file is missing or could not be read: rows that would be
    checked against them are counted in one problem instead of each being called unknown.
    """
    def add(severity, name, idx, column, value, expected, rule):
        file = files.get(name, f"{name}.csv")
        problems.add(severity, name, file, int(lines[name][idx]), column, value, expected, rule)

    for name, table in CODEBOOK.items():
        _check_keys(tables[name], table, lines[name], lambda *a, n=name: add(a[0], n, *a[1:]))

    parts = tables["participants"]
    known = set(parts["participant_id"].dropna())
    folded: dict[str, list[str]] = {}
    for pid in sorted(map(str, known)):
        folded.setdefault(pid.strip().casefold(), []).append(pid)
    for i, pid in enumerate(parts["participant_id"]):
        alike = folded.get(str(pid).strip().casefold(), []) if pd.notna(pid) else []
        if len(alike) > 1 and str(pid) != alike[0]:
            add("warning", "participants", i, "participant_id", pid,
                f"one id per person; {alike[0]!r} differs only in case or spaces",
                "ids alike but for case")
    usable = "participants" not in unread and parts["participant_id"].notna().any()
    unknown_rows: dict[str, np.ndarray] = {}
    unchecked: dict[str, int] = {}
    for name in CODEBOOK:
        if name == "participants":
            continue
        ids = tables[name]["participant_id"]
        present = ids.notna().to_numpy()
        if not usable:
            if present.any():
                unchecked[name] = int(present.sum())
            continue
        unknown_rows[name] = present & ~ids.isin(known).to_numpy()
        for pid, idx in _groups(ids, unknown_rows[name]):
            alike = folded.get(str(pid).strip().casefold())
            hint = f" (did you mean {alike[0]!r}? ids are case-sensitive)" if alike else ""
            add("error", name, idx[0], "participant_id", pid,
                f"a participant_id listed in participants{hint}",
                "unknown participant" + _rows(lines[name], idx))
    if unchecked:
        counts = ", ".join(f"{n} of {name}" for name, n in unchecked.items())
        why = ("the participants table is missing or could not be read in full (see its error)"
               if "participants" in unread else "the participants table lists no participant_id")
        problems.add("warning" if "participants" in unread else "error", "participants",
                     files.get("participants", "participants.csv"), None, "participant_id", "",
                     "a participants table listing every participant_id of the other tables",
                     f"not checked: {sum(unchecked.values())} rows ({counts}) name participants, "
                     f"but {why}; they are checked once it is fixed")

    start, end = parts["follow_up_start"], parts["follow_up_end"]
    early = (end < start).to_numpy()
    for i in np.flatnonzero(early):
        add("error", "participants", i, "follow_up_end", end.iloc[i],
            f"a date on or after follow_up_start ({start.iloc[i].date()})", "follow-up ends early")
    if "age" in parts and "birth_year" in parts:
        for i in np.flatnonzero((parts["age"].isna() & parts["birth_year"].isna()).to_numpy()):
            add("warning", "participants", i, "age", "", "age, or birth_year to derive it",
                "age unknown")

    sit = tables["sitting"]
    over = (sit["prolonged_sitting_h"] > sit["sitting_h"] + 1e-9).to_numpy()
    for i in np.flatnonzero(over):
        add("error", "sitting", i, "prolonged_sitting_h", sit["prolonged_sitting_h"].iloc[i],
            f"at most sitting_h ({sit['sitting_h'].iloc[i]:g} h)", "prolonged exceeds total")
    over = (sit["sitting_h"] > sit["wear_h"] + 1e-9).to_numpy()
    for i in np.flatnonzero(over):
        add("warning", "sitting", i, "sitting_h", sit["sitting_h"].iloc[i],
            f"at most wear_h ({sit['wear_h'].iloc[i]:g} h)", "sitting exceeds wear time")

    _check_strength(tables["strength"], lambda *a: add(a[0], "strength", *a[1:]))

    expo = tables["exposure"]
    for i in np.flatnonzero((expo["duration_min"] <= 0).to_numpy()):
        add("error", "exposure", i, "duration_min", expo["duration_min"].iloc[i],
            "a positive duration (min): a session without exposure time should not be listed",
            "non-positive exposure")
    # a window that ends before it starts, or a participant listed twice, has its own error:
    # the rows of that participant are not also called outside follow-up
    doubtful = early | parts["participant_id"].duplicated(keep=False).to_numpy()
    window = parts[~doubtful].set_index("participant_id")[["follow_up_start", "follow_up_end"]]
    for name, col in (("exposure", "date"), ("cramps", "datetime")):
        frame = tables[name]
        joined = window.reindex(frame["participant_id"])
        day = frame[col].dt.normalize().to_numpy()
        outside = (day < joined["follow_up_start"].to_numpy()) | (
            day > joined["follow_up_end"].to_numpy())
        for pid, idx in _groups(frame["participant_id"], outside):
            s, e = joined["follow_up_start"].iloc[idx[0]], joined["follow_up_end"].iloc[idx[0]]
            add("warning", name, idx[0], col, frame[col].iloc[idx[0]],
                f"a date inside follow-up of {pid}, {s.date()} to {e.date()} (left out of "
                "analyses); check the date, or follow_up_start and follow_up_end in "
                "participants", "outside follow-up" + _rows(lines[name], idx))

    cramps = tables["cramps"]
    has_session = cramps["session_id"].notna().to_numpy()
    has_session &= ~unknown_rows.get("cramps", np.zeros(len(cramps), dtype=bool))
    if not has_session.any():
        return
    if "exposure" in unread or expo.empty:
        why = ("the exposure table could not be read in full (see its error)"
               if "exposure" in unread else "the study has no exposure rows")
        problems.add("warning" if "exposure" in unread else "error", "cramps",
                     files.get("cramps", "cramps.csv"), None, "session_id", "",
                     "an exposure table with the sessions that cramps name (or no session_id)",
                     f"not checked: {int(has_session.sum())} cramps name a session, but {why}")
        return
    sessions = expo.drop_duplicates(["participant_id", "session_id"]).set_index(
        ["participant_id", "session_id"])["date"]
    keys = pd.MultiIndex.from_arrays([cramps["participant_id"], cramps["session_id"]])
    session_day = sessions.reindex(keys).to_numpy()
    missing = has_session & pd.isna(session_day)
    pairs = pd.Series(list(zip(cramps["participant_id"], cramps["session_id"])), dtype=object)
    for (pid, session), idx in _groups(pairs, missing):
        add("error", "cramps", idx[0], "session_id", session,
            f"a session_id of {pid} in exposure",
            "unknown session" + _rows(lines["cramps"], idx))
    stamp = cramps["datetime"]
    day = pd.to_datetime(pd.Series(np.where(missing, None, session_day), dtype=object))
    elsewhere = has_session & ~missing & stamp.notna().to_numpy() & (
        stamp.dt.normalize().to_numpy() != day.to_numpy())
    for i in np.flatnonzero(elsewhere):
        add("warning", "cramps", i, "datetime", stamp.iloc[i],
            f"a time on the session's day ({day.iloc[i].date()})",
            "cramp not on its session's day")


def _groups(values: pd.Series, mask: np.ndarray) -> list[tuple[object, np.ndarray]]:
    """Positions where ``mask`` holds, grouped by value, in order of first appearance."""
    where = np.flatnonzero(mask)
    if not len(where):
        return []
    chosen = values.iloc[where].reset_index(drop=True)
    codes, uniques = pd.factorize(chosen, sort=False)
    return [(uniques[k], where[codes == k]) for k in range(len(uniques))]


def _rows(lines: np.ndarray, idx: np.ndarray) -> str:
    """' (3 rows: lines 4-6)' after a rule that several rows share; '' for one row."""
    if len(idx) < 2:
        return ""
    return f" ({len(idx)} rows: lines {line_ranges(lines[idx])})"


def _check_keys(frame: pd.DataFrame, table: Table, lines: np.ndarray, add) -> None:
    """Rows whose key repeats an earlier row's; rows missing a key value have their own error."""
    if frame.empty:
        return
    key = frame[list(table.key)]
    complete = key.notna().all(axis=1).to_numpy()
    dup = complete & key.duplicated(keep="first").to_numpy()
    if not dup.any():
        return
    first = {}
    for i, row in enumerate(key.itertuples(index=False)):
        first.setdefault(tuple(row), i)
    where = np.flatnonzero(dup)
    expected = f"a unique ({', '.join(table.key)})"
    if len(where) > _MANY:  # most likely rows pasted twice: one message, every line named
        i = where[0]
        add("error", i, table.key[-1], ", ".join(_show(v) for v in key.iloc[i]),
            f"{expected}; line {int(lines[i])} repeats the key of line "
            f"{int(lines[first[tuple(key.iloc[i])]])} (rows pasted twice?)",
            "duplicate key" + _rows(lines, where))
        return
    for i in where:
        row = tuple(key.iloc[i])
        add("error", i, table.key[-1], ", ".join(_show(v) for v in row),
            f"{expected}; the same key is on line {int(lines[first[row]])}", "duplicate key")


_MANY = 10
"""More rows than this with one rule and one cause are one problem naming every line."""


_TEST_UNITS = {"hhd_hip_extension": ("N", "Nm"), "isokinetic_hip_extension": ("Nm", "N"),
               "single_leg_bridge": ("reps",)}


def _check_strength(frame: pd.DataFrame, add) -> None:
    test, unit = frame["test"], frame["unit"]
    value = frame["value"].to_numpy(dtype=float, na_value=np.nan)
    known = (test.notna() & unit.notna()).to_numpy()
    fits = np.array([u in _TEST_UNITS[t] if k else True
                     for t, u, k in zip(test, unit, known)], dtype=bool)
    force = known & fits & (unit == "N").to_numpy()
    no_arm = force & frame["lever_arm_m"].isna().to_numpy()
    with np.errstate(invalid="ignore"):
        kgf = force & (test == "hhd_hip_extension").to_numpy() & (value < 60)
        part_reps = known & (unit == "reps").to_numpy() & (value % 1 != 0)
    for i in np.flatnonzero(~fits | no_arm | kgf | part_reps):
        if not fits[i]:
            add("error", i, "unit", unit.iloc[i],
                f"{' or '.join(_TEST_UNITS[test.iloc[i]])} for {test.iloc[i]}",
                "unit does not fit the test")
        elif no_arm[i]:
            add("warning", i, "lever_arm_m", "",
                "the lever arm in m, to turn force into torque (trial left out of glute_nm_kg)",
                "lever arm missing")
        if kgf[i]:
            add("warning", i, "value", value[i],
                "a hip-extension force of 60 N or more: under that looks like kilogram-force "
                "(multiply by 9.81)", "force looks like kgf")
        if part_reps[i]:
            add("error", i, "value", value[i], "a whole number of repetitions", "not whole reps")


def folder_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a study folder, or ``None`` when it can."""
    if not path.exists():
        return f"study folder not found: {path}"
    if not path.is_dir():
        return (f"{path} is a file, not a study folder: put participants.csv and the other "
                "tables in one folder and pass the folder")
    return None
