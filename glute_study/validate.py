"""Check study tables against the codebook and collect every problem in one tidy table.

All problems are found in one pass. Each row of the problems table names the file, the line in
that file, the column, the value found and what was expected; ``severity`` separates errors (the
study cannot be analysed as it is) from warnings (suspicious but allowed).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._read import (
    BACKUP_SUFFIXES,
    COMPRESSED,
    OTHER_FORMATS,
    TABLE_SUFFIXES,
    FileProblem,
    RawTable,
    arrow_text,
    clock_text,
    close_name,
    is_ignored,
    is_readable_name,
    is_tableish,
    line_ranges,
    read_raw,
    split_name,
)
from .codebook import (
    BMI_PLAUSIBLE,
    CODEBOOK,
    EXCEL_ERRORS,
    MISSING_CODES,
    MISSING_NUMBERS,
    POUND_KG,
    Column,
    Table,
)
from .errors import GluteStudyError, StudyReadError
from .measures import follow_up_window, outside_follow_up

__all__ = [
    "PROBLEM_COLUMNS", "ValidationError", "check_tables", "conform", "read_study_folder",
]

PROBLEM_COLUMNS = ["severity", "table", "file", "line", "column", "value", "expected", "rule"]
MISSING = frozenset(MISSING_CODES)
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

    def each(self, where, *, lines: np.ndarray, severity: str, table: str, file: str,
             column: str, expected: str, rule: str):
        """The first :data:`_EACH` positions of ``where`` (a mask or positions), to report one
        by one; the others are said in one row after them, so that a whole column of one
        mistake in a large table is not millions of rows."""
        where = np.asarray(where)
        idx = np.flatnonzero(where) if where.dtype == bool else where
        yield from idx[:_EACH]
        if len(idx) > _EACH:
            rest = idx[_EACH:]
            self.add(severity, table, file, int(lines[rest[0]]), column, "", expected,
                     f"{rule}: {len(rest)} more rows like the {_EACH} above (lines "
                     f"{line_ranges(np.asarray(lines)[rest], most=10)})")

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
    if len(text) <= _LONGEST:  # what a person typed is shown whole; a pasted essay is cut
        return text
    return f"{text[:_LONGEST]}... ({len(text)} characters)"


_LONGEST = 200
_EACH = 100
"""Cells with one problem in one column listed one by one; past this, the rest in one row."""


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
    backups: dict[str, str] = {}
    named: set[str] = set()  # stray files named in a missing table's message
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
            if suffix in BACKUP_SUFFIXES and not packing:
                backups.setdefault(stem, path.name)  # a copy: a problem only without the table
            elif not is_readable_name(suffix, packing):
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
    for name, copy in backups.items():
        if name not in found and name not in unread:
            problems.add("error" if CODEBOOK[name].required else "warning", name, copy, None,
                         "", "", f"the table as {name}.csv (or .xlsx, .parquet): rename the copy "
                         "if it is the table", "a backup copy, not read")
            unread.add(name)
    for name, table in CODEBOOK.items():
        if table.required and name not in found and name not in unread:
            alike = [p.name for p, guess in strays if guess == name]
            hint = (f"; found {', '.join(map(repr, alike))}: did you mean it? Rename it to "
                    f"{_renamed(alike[0], name)}" if alike else "")
            if name in folders:
                hint += (f"; found {folders.pop(name)!r} in a folder: move it into the study "
                         "folder")
            others = [p.name for p, guess in strays if guess is None]
            if not alike and others:  # one message names what is there instead
                named.update(others)
                hint += (f"; the folder holds {', '.join(map(repr, others))}, named after no "
                         f"table: if one of them is the {name} table, rename it to {name}.csv "
                         "(or .xlsx, .parquet)")
            problems.add("error", name, f"{name}.csv", None, "", "",
                         f"a file {name}.csv (or .xlsx, .parquet) in {folder}{hint}",
                         "required table missing")
            unread.add(name)
    for path, guess in strays:
        if path.name in named or (
                guess is not None and CODEBOOK[guess].required and guess not in found):
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


_HEADER_EACH = 10
"""Header problems reported one by one; the others are said in one row (10,000 columns of
a pasted matrix are not 10,000 warnings)."""


def _header_problems(problems: _Problems, table: Table, file: str, names: list[str], *,
                     severity: str, expected: str, rule: str) -> None:
    for name in names[:_HEADER_EACH]:
        problems.add(severity, table.name, file, 1, name, name, expected, rule)
    rest = names[_HEADER_EACH:]
    if rest:
        shown = ", ".join(map(repr, rest[:20])) + (f" and {len(rest) - 20} more"
                                                   if len(rest) > 20 else "")
        problems.add(severity, table.name, file, 1, "", "", expected,
                     f"{rule}: {len(rest)} more columns like the {_HEADER_EACH} above ({shown})")


def _holds_values(cells) -> bool:
    """Whether a column of raw cells (Arrow text or a list) holds any non-blank cell."""
    if isinstance(cells, list):
        return any(c is not None and str(c).strip() for c in cells)
    import pyarrow.compute as pc

    return bool(pc.any(pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(cells)), 0)).as_py())


def _pandas_dtype(col: Column) -> str:
    return {"string": "object", "category": "object", "integer": "Int64", "number": "float64",
            "boolean": "boolean", "date": "datetime64[ns]", "datetime": "datetime64[ns]"}[col.dtype]


# ---------------------------------------------------------------------------------------------
# Cell conversion


def _convert(raw: RawTable, table: Table, problems: _Problems) -> tuple[pd.DataFrame, np.ndarray]:
    file = raw.path.name
    header = [_column_name(h) for h in raw.header]
    index: dict[str, int] = {}
    doubled, unknown, unnamed = [], [], []
    for pos, name in enumerate(header):
        if name in index:
            doubled.append(name)
        elif name in table.names:
            index[name] = pos
        elif name:
            unknown.append(name)
        elif _holds_values(raw.columns[pos]):
            unnamed.append(pos)
    _header_problems(problems, table, file, doubled, severity="error",
                     expected="each column name once", rule="duplicate column")
    _header_problems(problems, table, file, unknown, severity="warning",
                     expected="a codebook column: " + ", ".join(table.names),
                     rule="unknown column; ignored")
    if unnamed:
        from openpyxl.utils import get_column_letter

        where = ", ".join(get_column_letter(p + 1) for p in unnamed[:_HEADER_EACH])
        more = f" and {len(unnamed) - _HEADER_EACH} more" if len(unnamed) > _HEADER_EACH else ""
        problems.add("warning", table.name, file, 1, "", "",
                     "a name in the header for every column that holds values",
                     f"column without a name; ignored: {len(unnamed)} column(s) without a "
                     f"header name hold values (column {where}{more}, counting from A)")
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
            if col.dtype == "datetime":
                cells = _without_offsets(cells, lines, col, table, file, problems)
            data[col.name] = _convert_column(cells, lines, col, table, file, raw.decimal_comma,
                                             problems)
            del cells
            if len(lines) > 100_000:
                _release_arrow_memory()  # give the column's text back before the next one
        elif col.name == "trial":
            data[col.name] = pd.array(np.ones(len(lines), dtype=np.int64), dtype="Int64")
        else:
            data[col.name] = pd.Series([None] * len(lines), dtype=_pandas_dtype(col)).array
    frame = pd.DataFrame(data, copy=False)  # no consolidating copy of a large table
    _check_units(frame, lines, table, file, problems)
    return frame, lines


def _release_arrow_memory() -> None:
    """Hand the memory Arrow has freed back to the system (its allocator keeps it otherwise)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


def _without_offsets(cells, lines, col: Column, table: Table, file: str, problems: _Problems):
    """Datetimes typed with a UTC offset are read as the clock time written, with one warning.

    The codebook's datetimes are local clock time; '10:00+01:00' is ten o'clock there.
    """
    cells, had, offsets = clock_text(cells)
    if offsets:
        where = np.flatnonzero(had)
        problems.add("warning", table.name, file, int(lines[where[0]]), col.name, "",
                     f"{col.name} as local clock time without a UTC offset",
                     f"time zone: times with a UTC offset ({', '.join(offsets)}); read as the "
                     "local clock time written, the offset dropped" + _rows(lines, where))
    return cells


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and value.strip().lower() in MISSING


@dataclass
class _Cells:
    """One column's cells as read: typed values, what is missing or bad, and what to report.

    ``shown`` is each cell as the person typed it (trimmed), for messages; ``why`` gives a bad
    cell a better (expected, rule) than the column's; ``notes`` are warnings, each about several
    rows at once: (rows, value, expected, rule).
    """

    values: object
    missing: np.ndarray
    bad: np.ndarray
    shown: pd.Series
    why: dict[int, tuple[str, str]] = field(default_factory=dict)
    notes: list[tuple[list[int], str, str, str]] = field(default_factory=list)


def _convert_column(cells, lines, col: Column, table: Table, file: str, decimal_comma: bool,
                    problems: _Problems):
    """Typed values of one column; bad, missing and out-of-range cells go to ``problems``."""
    if isinstance(cells, list) and all(isinstance(c, str) for c in cells):
        cells = arrow_text(cells)
    if not isinstance(cells, list):  # Arrow text: a CSV column, or a column of text cells
        got = _parse_text_column(_text_series(cells), col, decimal_comma)
    else:  # typed cells from a workbook or Parquet file
        got = _parse_typed_column(cells, col, decimal_comma)
    numbers = None
    if col.dtype in ("number", "integer"):
        numbers = np.asarray(pd.array(got.values, dtype="Float64").to_numpy(float,
                                                                            na_value=np.nan))
        _missing_numbers(got, numbers, col)
    coded = got.missing & (got.shown != "").to_numpy(bool) if got.missing.any() else got.missing
    where = dict(lines=lines, table=table.name, file=file, column=col.name)
    for i in problems.each(got.missing & (not col.nullable), **where, severity="error",
                           expected=col.expected() + " (it may not be missing)",
                           rule="missing value"):
        code = f"; {got.shown[i]!r} is a missing-value code" if coded[i] else ""
        problems.add("error", table.name, file, lines[i], col.name, got.shown[i],
                     col.expected() + f" (it may not be missing{code})", "missing value")
    if col.nullable and coded.any():
        for spelling, rows in _by_spelling(got.shown, np.flatnonzero(coded)):
            got.notes.append((rows, spelling, f"{col.expected()}, or an empty cell",
                              "missing-value code, read as missing"))
    for i in problems.each(got.bad, **where, severity="error", expected=col.expected(),
                           rule=f"not {col.dtype}"):
        expected, rule = got.why.get(i, (col.expected(), f"not {col.dtype}"))
        problems.add("error", table.name, file, lines[i], col.name, got.shown[i], expected, rule)
    for rows, value, expected, rule in got.notes:
        problems.add("warning", table.name, file, lines[rows[0]], col.name, value, expected,
                     rule + _rows(np.asarray(lines), np.asarray(rows)))
    if numbers is not None:
        _check_ranges(numbers, got.shown, lines, col, table, file, problems)
    return got.values


def _by_spelling(shown: list, rows) -> list[tuple[str, list[int]]]:
    """Rows grouped by how the cell was spelled, in order of first appearance."""
    groups: dict[str, list[int]] = {}
    for i in rows:
        groups.setdefault(str(shown[i]), []).append(int(i))
    return list(groups.items())


def _is_in(text, values):
    """Arrow mask: which cells of Arrow text are one of ``values`` (no Python strings)."""
    import pyarrow.compute as pc

    return pc.is_in(text, value_set=arrow_text(sorted(values)).combine_chunks())


def _in(text: pd.Series, values) -> np.ndarray:
    """Which cells of an Arrow text Series are one of ``values``, as a NumPy mask."""
    return _is_in(text.array._pa_array, values).to_numpy(zero_copy_only=False).astype(bool)


def _floats(text: pd.Series) -> np.ndarray:
    """Arrow text that is known to hold plain numbers (or missing cells) as float64 (NaN)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    return np.array(pc.cast(text.array._pa_array, pa.float64()).to_numpy(zero_copy_only=False))


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


# Text normalisation: every text cell is trimmed and read in Unicode NFC, so that a composed
# and a decomposed accent (what macOS file names and some keyboards give) are one value; the
# difference cannot be seen and carries no meaning, so it is made without a warning. Zero-width
# characters (pasted from web pages) go too.
_INVISIBLE = "[\u200b\u200c\u200d\u2060\ufeff]"
_SPACING = re.compile(r"[\s_\-]+")


def _clean(text: pd.Series) -> pd.Series:
    import pyarrow as pa
    import pyarrow.compute as pc

    if pc.all(pc.string_is_ascii(pa.array(text.array))).as_py() is False:
        text = text.str.replace(_INVISIBLE, "", regex=True).str.normalize("NFC")
    return text.str.strip()


def _spelling_key(text: str) -> str:
    """What is left of a spelling without case and spacing: 'Semi professional' and
    'semi_professional' give one key.

    >>> _spelling_key(" Semi-Professional ") == _spelling_key("semi_professional")
    True
    """
    return _SPACING.sub("", unicodedata.normalize("NFC", text).casefold())


_EXCEL_ERROR = frozenset(EXCEL_ERRORS)
_LIBRE_ERROR = re.compile(r"err:\d{3}")
_CODE_NUMBERS = frozenset(float(n) for n in MISSING_NUMBERS)


def _excel_error(text: str) -> bool:
    low = text.lower()
    return low in _EXCEL_ERROR or bool(_LIBRE_ERROR.fullmatch(low))


def _code_number(text: str) -> bool:
    """Whether ``text`` is one of the numbers used as missing-value codes ('999', '-99.0')."""
    return bool(_NUMBER.match(text)) and float(text) in _CODE_NUMBERS


def _parse_text_column(cells: pd.Series, col: Column, decimal_comma: bool) -> _Cells:
    """Vectorised parsing of text cells (a Series of Arrow text, positions as index); the slow
    paths only touch the cells that need them."""
    quick = _parse_plain_column(cells, col, decimal_comma)
    if quick is not None:
        return quick
    text = _clean(cells)
    lower = text.str.lower()
    missing = _in(lower, MISSING)
    present = ~missing
    shown = text
    bad = np.zeros(len(text), dtype=bool)
    kind = col.dtype
    if kind == "string":
        values = np.where(present, text.to_numpy(), np.nan).astype(object)
        odd = present & (lower.str.startswith("#") | lower.str.startswith("err:")).to_numpy(bool)
        if col.fold:  # free text, not an identifier: '999' is a code, never a sport
            odd |= present & text.str.fullmatch(r"[+-]?9{2,}(\.0*)?").to_numpy(bool)
        got = _Cells(values, missing, bad, shown)
        for i in np.flatnonzero(odd):
            if _excel_error(shown[i]):
                bad[i] = True
            elif _code_number(shown[i]):
                missing[i] = True
            else:
                continue
            values[i] = np.nan
        if col.fold:
            got.notes += _fold_spellings(values, col)
        _explain_bad(got, col)
        return got
    if kind == "category":
        values = np.where(present, text.to_numpy(), np.nan).astype(object)
        other = present & ~text.isin(col.allowed or ()).to_numpy(bool)
        got = _Cells(values, missing, bad, shown)
        if other.any():
            canon = {_spelling_key(a): a for a in col.allowed or ()}
            for spelling, rows in _by_spelling(shown, np.flatnonzero(other)):
                target = canon.get(_spelling_key(spelling))
                values[rows] = np.nan if target is None else target
                if target is None:
                    bad[rows] = True
                else:
                    got.notes.append((rows, spelling, f"one of {', '.join(col.allowed or ())}",
                                      f"read as {target!r}: differs only in case or spacing"))
        _explain_bad(got, col)
        return got
    if kind == "boolean":
        truth = lower.map(lambda v: True if v in _TRUE else (False if v in _FALSE else None))
        bad = present & truth.isna().to_numpy()
        got = _Cells(None, missing, bad, shown)
        _explain_bad(got, col)
        got.values = pd.array(truth.where(present & ~got.bad & ~got.missing, None).tolist(),
                              dtype="boolean")
        return got
    if kind in ("number", "integer"):
        number, bad, why, notes = _parse_numbers(text, present, col, decimal_comma)
        if kind == "integer":
            with np.errstate(invalid="ignore"):
                bad |= present & ~bad & ((number % 1 != 0) | (np.abs(number) > 2**53))
        number = np.where(bad | missing, np.nan, number)
        got = _Cells(number, missing, bad, shown, why, notes)
        _explain_bad(got, col)
        if kind == "integer":
            got.values = pd.array(np.where(np.isnan(number), None, number).tolist(),
                                  dtype="Int64")
        return got
    pattern = _DATE if kind == "date" else _DATETIME
    ok = text.str.fullmatch(pattern.pattern).fillna(False).to_numpy(bool)
    if kind == "date":
        stamp = pd.to_datetime(text.str[:10].where(ok), format="%Y-%m-%d", errors="coerce")
    else:
        iso = text.str.replace("T", " ", regex=False).where(ok)
        stamp = pd.to_datetime(iso, format="ISO8601", errors="coerce").dt.floor("s")
    bad = present & stamp.isna().to_numpy()
    got = _Cells(stamp.astype("datetime64[ns]").array, missing, bad, shown)
    _explain_bad(got, col)
    return got


def _parse_plain_column(cells: pd.Series, col: Column, decimal_comma: bool) -> _Cells | None:
    """The common case at Arrow speed: a column whose every cell is plainly valid, or ``None``.

    Plainly valid means ASCII, and either empty (missing) or: for numbers, a finite number that
    Arrow reads (no separator, no code; whole and at most 2**53 for integers); for dates,
    ``YYYY-MM-DD`` naming a real day from 1678 to 2261; for text that is not folded, neither a
    missing-value code nor an error value; for categories, spelled as the codebook does.
    Whatever this returns, the careful path returns too (a test holds them to it); any other
    column takes the careful path.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    array = cells.array._pa_array
    if not len(array) or not pc.all(pc.string_is_ascii(array)).as_py():
        return None
    text = pc.utf8_trim_whitespace(array).combine_chunks()
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int64)[text.offset:
                                                                text.offset + len(text) + 1]
    missing = np.diff(offsets) == 0
    shown = _text_series(text)
    kind = col.dtype

    def cells_of(values) -> _Cells:
        return _Cells(values, missing, np.zeros(len(missing), dtype=bool), shown)

    if kind in ("number", "integer") and not decimal_comma:
        try:
            number = np.array(pc.cast(pc.if_else(pa.array(missing), None, text), pa.float64())
                              .to_numpy(zero_copy_only=False), dtype=float)
        except pa.ArrowInvalid:
            return None
        if not np.isfinite(number[~missing]).all():
            return None  # 'inf', 'nan': the careful path says what they are
        if kind == "number":
            return cells_of(number)
        whole = number[~missing]
        if (whole % 1 != 0).any() or (np.abs(whole) > 2**53).any():
            return None
        return cells_of(pd.array(number, dtype="Int64"))
    if kind == "date":
        days = _iso_days(text, offsets, missing)
        return None if days is None else cells_of(pd.array(days))
    if kind == "boolean":
        lower = pc.utf8_lower(text)
        truthy = _is_in(lower, _TRUE)
        falsy = _is_in(lower, _FALSE)
        if not pc.all(pc.or_(pa.array(missing), pc.or_(truthy, falsy))).as_py():
            return None
        truth = truthy.to_numpy(zero_copy_only=False).astype(bool)
        return cells_of(pd.arrays.BooleanArray(truth, missing.copy()))
    if kind == "category":
        if not pc.all(pc.or_(pa.array(missing), _is_in(text, col.allowed or ()))).as_py():
            return None
        return cells_of(_shared_objects(text, missing))
    if kind == "string" and not col.fold:
        lower = pc.utf8_lower(text)
        odd = pc.or_(_is_in(lower, MISSING),
                     pc.or_(pc.starts_with(lower, "#"), pc.starts_with(lower, "err:")))
        if pc.any(pc.and_(odd, pa.array(~missing))).as_py():
            return None
        return cells_of(_shared_objects(text, missing))
    return None


def _iso_days(text, offsets: np.ndarray, missing: np.ndarray) -> np.ndarray | None:
    """``YYYY-MM-DD`` text (or empty cells) as datetime64[ns] days, or ``None`` if any cell is
    not a real day from 1678 to 2261 in exactly that form. Works on the text's bytes, a block
    of rows at a time."""
    filled = np.flatnonzero(~missing)
    if not (np.diff(offsets)[filled] == 10).all():
        return None
    data = np.frombuffer(text.buffers()[2], dtype=np.uint8)
    out = np.full(len(missing), np.datetime64("NaT"), dtype="datetime64[ns]")
    block = 1 << 18
    for first in range(0, len(filled), block):
        rows = filled[first:first + block]
        chars = data[offsets[rows][:, None] + np.arange(10)]
        digit = chars.astype(np.int16) - 48
        if not ((chars[:, 4] == 45) & (chars[:, 7] == 45)).all() or (
                (digit[:, [0, 1, 2, 3, 5, 6, 8, 9]] < 0)
                | (digit[:, [0, 1, 2, 3, 5, 6, 8, 9]] > 9)).any():
            return None
        year = (digit[:, 0] * 1000 + digit[:, 1] * 100 + digit[:, 2] * 10 + digit[:, 3])
        month = digit[:, 5] * 10 + digit[:, 6]
        day = digit[:, 8] * 10 + digit[:, 9]
        if ((year < 1678) | (year > 2261) | (month < 1) | (month > 12) | (day < 1)).any():
            return None
        start = ((year.astype(np.int64) - 1970) * 12 + month - 1).astype("datetime64[M]")
        first_day = start.astype("datetime64[D]")
        if (day > ((start + 1).astype("datetime64[D]") - first_day).astype(int)).any():
            return None
        out[rows] = first_day + (day - 1)
    return out


def _shared_objects(text, missing: np.ndarray) -> np.ndarray:
    """Arrow text as an object array in which equal cells share one Python string (NaN where
    ``missing``)."""
    import pyarrow.compute as pc

    coded = pc.dictionary_encode(text)
    words = coded.dictionary.to_numpy(zero_copy_only=False)
    values = words[coded.indices.to_numpy(zero_copy_only=False)]
    if missing.any():
        values[missing] = np.nan
    return values


def _parse_typed_column(cells: list, col: Column, decimal_comma: bool) -> _Cells:
    """Cells of a workbook or Parquet file: text cells as text, the others one at a time."""
    n = len(cells)
    is_text = np.array([isinstance(c, str) for c in cells], dtype=bool)
    at = np.flatnonzero(is_text)
    part = _parse_text_column(_text_series(arrow_text([cells[i] for i in at])), col,
                              decimal_comma) if len(at) else None
    values: list = [None] * n
    missing = np.zeros(n, dtype=bool)
    bad = np.zeros(n, dtype=bool)
    shown = pd.Series(np.full(n, "", dtype=object))
    got = _Cells(None, missing, bad, shown)
    for i in np.flatnonzero(~is_text):
        cell = cells[i]
        if _is_missing(cell):
            missing[i] = True
            continue
        shown[i] = _text(cell)
        if col.dtype not in ("number", "integer") and (col.dtype != "string" or col.fold) and (
                _code_number(shown[i])):
            missing[i] = True  # 999 typed as a number into a sport, a date or a category
            continue
        value = _parse(cell, col, decimal_comma)
        if isinstance(value, _Bad):
            bad[i] = True
            if value.why:
                got.why[i] = value.why
        else:
            values[i] = value
    if part is not None:
        part_values = list(pd.Series(part.values, dtype=object))
        for j, i in enumerate(at):
            missing[i], bad[i], shown[i] = part.missing[j], part.bad[j], part.shown[j]
            if not (part.missing[j] or part.bad[j]):
                values[i] = part_values[j]
        got.why.update({int(at[j]): w for j, w in part.why.items()})
        got.notes += [([int(at[j]) for j in rows], v, e, r) for rows, v, e, r in part.notes]
    got.values = _typed(values, col)
    return got


def _explain_bad(got: _Cells, col: Column) -> None:
    """Say why each bad cell is bad, and read missing-value codes that failed to parse as missing.

    Runs over the bad cells only, which are few, so it may take its time.
    """
    for i in np.flatnonzero(got.bad):
        text = str(got.shown[i])
        if _excel_error(text):
            got.why[i] = (f"a value, not Excel's error {text}: the formula that made this cell "
                          "failed, so its value is lost; fix the formula or clear the cell",
                          "Excel error value")
        elif col.dtype not in ("number", "integer", "string") and _code_number(text):
            got.bad[i], got.missing[i] = False, True
        elif col.dtype in ("date", "datetime"):
            got.why[i] = _date_problem(text, col)


def _fold_spellings(values: np.ndarray, col: Column) -> list[tuple[list[int], str, str, str]]:
    """Fold the spellings of a free-text category that differ only in case or spacing.

    Each group is read as the spelling the analyses know (``col.known``), else the most common
    one (ties: the first seen). Changes ``values`` in place and returns one note per group.
    """
    present = np.flatnonzero(pd.notna(values))
    if not len(present):
        return []
    codes, uniq = pd.factorize(values[present])
    counts = np.bincount(codes, minlength=len(uniq))
    known = {_spelling_key(k): k for k in col.known}
    groups: dict[str, list[int]] = {}
    for j, spelling in enumerate(uniq):
        groups.setdefault(_spelling_key(spelling), []).append(j)
    target = np.asarray(uniq, dtype=object).copy()
    notes = []
    for key, members in groups.items():
        goal = known.get(key)
        if goal is None:
            if len(members) == 1:
                continue
            goal = uniq[max(members, key=lambda j: (counts[j], -j))]
        elif members == [j for j in members if uniq[j] == goal]:
            continue
        moved = [j for j in members if uniq[j] != goal]
        for j in moved:
            target[j] = goal
        rows = [int(present[k]) for k in np.flatnonzero(np.isin(codes, moved))]
        listing = ", ".join(f"{uniq[j]!r} ({counts[j]}x)" for j in members)
        notes.append((rows, listing, "one spelling per value",
                      f"spellings alike but for case or spacing: {listing} all read as {goal!r}"))
    if notes:
        values[present] = target[codes]
    return notes


class _Bad:
    """A cell that cannot be read, with (expected, rule) when there is more to say."""

    def __init__(self, why: tuple[str, str] | None = None) -> None:
        self.why = why


_BAD = _Bad()


def _parse(value: object, col: Column, decimal_comma: bool):
    kind = col.dtype
    if kind in ("string", "category"):
        text = unicodedata.normalize("NFC", _text(value))
        if kind == "string":
            return text
        canon = {_spelling_key(a): a for a in col.allowed or ()}
        return canon.get(_spelling_key(text), _BAD)
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
        return _date(value, col)
    return _datetime(value, col)


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


# ---------------------------------------------------------------------------------------------
# Numbers as people type them
#
# A thousands separator is read only when nothing else could be meant. '1,078.5', '1.078,5',
# '12,345,678', '1 078' and "1'078" are read as thousands, with a warning. A single separator
# followed by exactly three digits ('1,078', '1.078', leading group 1-999) could be either: the
# column's other values settle it (a comma, or a dot, followed by other than three digits is a
# decimal mark, so the other sign separates thousands), else the column's hard range (when only
# one reading fits it), else the cell is refused with both readings. The file's own convention
# (a decimal comma in a semicolon file, a decimal point in a comma file) is read without a word.

_AMBIGUOUS = re.compile(r"[+-]?[1-9]\d{0,2}[.,]\d{3}")
_GROUPED = re.compile(r"(?P<sign>[+-]?)(?P<lead>[1-9]\d{0,2})(?P<sep>[,.' \u00a0\u202f\u2009])"
                      r"(?P<rest>\d{3}(?:(?P=sep)\d{3})*)(?P<dec>[.,]\d+)?")
_WITH_UNIT = re.compile(r"(?P<number>[+-]?\d+(?:[.,]\d+)?)\s*(?P<unit>[^\d\s.,+-][^\d]*)")


def _parse_numbers(text: pd.Series, present: np.ndarray, col: Column, decimal_comma: bool):
    """(numbers, bad mask, why, notes) of a numeric text column."""
    work = text
    if decimal_comma:
        work = text.where(~text.str.fullmatch(_COMMA_NUMBER.pattern),
                          text.str.replace(",", ".", regex=False))
    ok = work.str.fullmatch(_NUMBER.pattern).fillna(False).to_numpy(bool)
    number = _floats(work.where(ok))
    bad = present & (~ok | ~np.isfinite(number))
    why: dict[int, tuple[str, str]] = {}
    notes: list = []
    slow = bad.copy()
    if decimal_comma:
        slow |= present & text.str.fullmatch(_AMBIGUOUS.pattern).to_numpy(bool)
    if not slow.any():
        return number, bad, why, notes
    marks = _decimal_marks(text[present & ~slow])
    for i in np.flatnonzero(slow):
        cell = text.iloc[i]
        read = _human_number(cell, col, decimal_comma=decimal_comma, marks=marks)
        if isinstance(read, _Bad):
            bad[i], number[i] = True, np.nan
            if read.why:
                why[i] = read.why
            continue
        value, note = read
        bad[i], number[i] = not math.isfinite(value), value
        if note:
            notes.append(([int(i)], cell, f"{col.expected()}, without a thousands separator",
                          note))
    return number, bad, why, notes


def _decimal_marks(text: pd.Series) -> set[str]:
    """Which of ',' and '.' the column's plainly readable values use as a decimal mark."""
    marks = set()
    for mark in (",", "."):
        has = text.str.fullmatch(r"[+-]?\d*" + re.escape(mark) + r"\d+")
        ambiguous = text.str.fullmatch(r"[+-]?[1-9]\d{0,2}" + re.escape(mark) + r"\d{3}")
        if (has & ~ambiguous).any():
            marks.add(mark)
    return marks


def _human_number(cell: str, col: Column, *, decimal_comma: bool, marks: set[str]):
    """A cell that is not a plain number: (value, warning or None), or _Bad with the reason."""
    found = _GROUPED.fullmatch(cell)
    if found and (found["dec"] is None or found["dec"][0] != found["sep"]):
        sep, digits = found["sep"], found["lead"] + found["rest"].replace(found["sep"], "")
        sign = -1.0 if found["sign"] == "-" else 1.0
        thousands = sign * float(digits + (("." + found["dec"][1:]) if found["dec"] else ""))
        if found["dec"] or len(found["rest"]) > 3 or sep not in ",.":
            name = {" ": "a space", "'": "an apostrophe"}.get(sep, f"'{sep}'")
            return thousands, f"read as {thousands:g}: {name} separates thousands"
        decimal = sign * float(f"{found['lead']}.{found['rest']}")
        other = "." if sep == "," else ","
        default = decimal if (sep == ",") == decimal_comma else thousands
        if sep in marks and other not in marks:
            choice = decimal
        elif other in marks and sep not in marks:
            choice = thousands
        else:
            fits = [v for v in (decimal, thousands) if _fits(v, col)]
            if len(fits) != 1:
                return _Bad((f"{col.expected()}; {cell!r} could be {decimal:g} ('{sep}' as a "
                             f"decimal mark) or {thousands:g} ('{sep}' as a thousands "
                             f"separator): write {thousands:g} without the separator, or "
                             f"{decimal:g} with {'a decimal comma' if decimal_comma else 'a dot'}"
                             " and four decimals", f"thousands separator or decimal {sep!r}?"))
            choice = fits[0]
        if choice == thousands:
            return choice, f"read as {choice:g}: '{sep}' separates thousands in this column"
        if choice == default:
            return choice, None
        return choice, f"read as {choice:g}: '{sep}' is a decimal mark in this column"
    with_unit = _WITH_UNIT.fullmatch(cell)
    if with_unit:
        unit = with_unit["unit"].strip()
        value = float(with_unit["number"].replace(",", "."))
        for misread in col.misreads:
            if unit.lower() == misread.unit.lower():
                return _Bad((f"{col.expected()}; {cell} is {value * misread.factor:.4g} "
                             f"{col.unit}: write that number alone", f"not {col.dtype}"))
        if col.unit and unit.lower() == col.unit.lower():
            return _Bad((f"{col.expected()}; write the number alone: the unit, {col.unit}, is "
                         "the column's", f"not {col.dtype}"))
    plain = cell.replace("\u2212", "-").replace("\u2013", "-")
    if plain != cell and _NUMBER.match(plain):
        return _Bad((f"{col.expected()}; write {plain}: '{cell[0]}' is a typographic dash, "
                     "not the minus sign '-'", f"not {col.dtype}"))
    if re.fullmatch(r"[+-]?\d+,\d+", cell) and not decimal_comma:
        return _Bad((f"{col.expected()} with a decimal point: {cell!r} has a decimal comma in "
                     f"a comma-separated file (write {cell.replace(',', '.')})",
                     f"not {col.dtype}"))
    return _BAD


def _fits(value: float, col: Column) -> bool:
    if col.dtype == "integer" and not float(value).is_integer():
        return False
    low = -math.inf if col.minimum is None else col.minimum
    high = math.inf if col.maximum is None else col.maximum
    return low <= value <= high


def _missing_numbers(got: _Cells, numbers: np.ndarray, col: Column) -> None:
    """Numbers used as missing-value codes: missing when implausible, else kept with a warning."""
    code = np.isin(numbers, list(_CODE_NUMBERS)) & ~got.missing & ~got.bad
    if not code.any():
        return
    low, high = col.plausible
    gone = code & ((numbers < low) | (numbers > high))
    if gone.any():
        numbers[gone] = np.nan
        got.missing |= gone
        got.values = (numbers.copy() if col.dtype == "number" else
                      pd.array(np.where(np.isnan(numbers), None, numbers).tolist(), dtype="Int64"))
    for spelling, rows in _by_spelling(got.shown, np.flatnonzero(code & ~gone)):
        got.notes.append((rows, spelling, f"{col.expected()}, or an empty cell if missing",
                          f"kept {spelling}, but it may be a missing-value code"))


# ---------------------------------------------------------------------------------------------
# Dates as people type them

_FIRST_DAY, _LAST_DAY = (1677, 9, 22), (2262, 4, 11)  # what pandas' datetime64[ns] can hold
_MONTH_NAMES = ("%d %B %Y", "%d %b %Y", "%B %d %Y", "%b %d %Y", "%B %d, %Y", "%b %d, %Y",
                "%d-%b-%Y", "%d. %B %Y", "%d %b. %Y")


def _date_problem(text: str, col: Column) -> tuple[str, str]:
    """(expected, rule) for a date cell that could not be read, with its likely reading."""
    base, rule = col.expected(), f"not {col.dtype}"
    day, _, clock = text.replace("T", " ", 1).partition(" ")
    clock = f" {clock}" if clock and col.dtype == "datetime" else ""
    iso = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", day)
    if iso:
        y, m, d = map(int, iso.groups())
        if (y, m, d) < _FIRST_DAY or (y, m, d) > _LAST_DAY:
            return (f"{base}; year {y} is outside the dates pandas can hold (1677-09-22 to "
                    "2262-04-11): a typo?", "date out of range")
        if m > 12 and 1 <= d <= 12:
            return (f"{base}; there is no month {m}: if day and month are swapped, write "
                    f"{y:04d}-{d:02d}-{m:02d}{clock}", "day and month swapped?")
        try:
            dt.date(y, m, d)
        except ValueError as err:
            return f"{base}; {day} is not a day of the calendar ({err})", rule
        padded = f"{y:04d}-{m:02d}-{d:02d}"
        if padded != day:
            return f"{base}; write {padded}{clock} (two digits for month and day)", rule
        if col.dtype == "date":
            return f"{base}; a day without a time of day", rule
        if not clock:
            return f"{base}; a time of day too, e.g. {day} 14:30", rule
        return f"{base}; the time {clock.strip()!r} is not HH:MM or HH:MM:SS", rule
    readings = _date_readings(day) or ([] if clock else _date_readings(text))
    if readings:
        return (f"{base}; {text!r} is not in ISO form: write "
                + " or ".join(f"{r}{clock}" for r in readings), rule)
    return base, rule


def _date_readings(text: str) -> list[str]:
    """The ISO days a non-ISO date could mean, each with its day and month in words."""
    found: list[tuple[int, int, int]] = []
    dmy = re.fullmatch(r"(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})", text)
    ymd = re.fullmatch(r"(\d{4})([./])(\d{1,2})\2(\d{1,2})", text) or re.fullmatch(
        r"(\d{4})()(\d{2})(\d{2})", text)
    if dmy:
        a, sep, b, y = dmy.groups()
        y = y if len(y) == 4 else f"20{y}"  # a two-digit year: the suggestion writes it in full
        found = [(int(y), int(b), int(a))]  # day first, as dots always mean
        if sep != ".":
            found.append((int(y), int(a), int(b)))  # or month first, as in the US
    elif ymd:
        found = [(int(ymd[1]), int(ymd[3]), int(ymd[4]))]
    elif re.fullmatch(r"\d{5}(\.\d+)?", text) and 20000 <= float(text) <= 80000:
        day = dt.date(1899, 12, 30) + dt.timedelta(days=int(float(text)))
        return [f"{day.isoformat()} (it looks like an Excel date serial: format the cell as a "
                "date)"]
    else:
        for form in _MONTH_NAMES:
            try:
                stamp = dt.datetime.strptime(text, form)
            except ValueError:
                continue
            found = [(stamp.year, stamp.month, stamp.day)]
            break
    days = []
    for y, m, d in dict.fromkeys(found):
        try:
            days.append(dt.date(y, m, d))
        except ValueError:
            continue
    if len(days) == 1:
        return [days[0].isoformat()]
    return [f"{day.isoformat()} ({day.day} {day:%B})" for day in days]


def _date(value: object, col: Column):
    if isinstance(value, dt.datetime | pd.Timestamp | dt.date):
        try:
            ts = pd.Timestamp(value)
        except (ValueError, OverflowError):  # OutOfBoundsDatetime is a ValueError
            return _Bad((f"{col.expected()}; year {value.year} is outside the dates pandas "
                         "can hold (1677-09-22 to 2262-04-11): a typo?", "date out of range"))
        if isinstance(value, dt.datetime | pd.Timestamp) and ts != ts.normalize():
            return _Bad((f"{col.expected()}; a day without a time of day", f"not {col.dtype}"))
        return ts
    text = unicodedata.normalize("NFC", str(value).strip())
    match = _DATE.match(text)
    if not match:
        return _Bad(_date_problem(text, col))
    try:
        return pd.Timestamp(dt.date(*map(int, match.groups())))
    except (ValueError, OverflowError):
        return _Bad(_date_problem(text, col))


def _datetime(value: object, col: Column):
    if isinstance(value, dt.datetime | pd.Timestamp | dt.date):
        try:
            return pd.Timestamp(value).floor("s")
        except (ValueError, OverflowError):
            return _Bad((f"{col.expected()}; year {value.year} is outside the dates pandas "
                         "can hold (1677-09-22 to 2262-04-11): a typo?", "date out of range"))
    text = str(value).strip()
    match = _DATETIME.match(text)
    if not match:
        return _Bad(_date_problem(text, col))
    y, mo, d, h, mi, s = match.groups()
    try:
        return pd.Timestamp(dt.datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0)))
    except (ValueError, OverflowError):
        return _Bad(_date_problem(text, col))


# ---------------------------------------------------------------------------------------------
# Ranges, and units that look wrong inside them


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
    where = dict(lines=lines, table=table.name, file=file, column=col.name)
    for i in problems.each(hard, **where, severity="error", expected=col.expected(),
                           rule="out of range"):
        problems.add("error", table.name, file, lines[i], col.name, cells[i], col.expected(),
                     "out of range" + (f" ({col.hint})" if col.hint else "")
                     + _readings(numbers[i], col))
    if not soft.any():
        return
    low = "" if col.warn_below is None else f"{col.warn_below:g}"
    high = "" if col.warn_above is None else f"{col.warn_above:g}"
    span = f"{low} to {high}" if low and high else (f"at least {low}" if low else
                                                     f"at most {high}")
    for i in problems.each(soft & ~hard, **where, severity="warning",
                           expected=f"a plausible value, {span}", rule="implausible value"):
        problems.add("warning", table.name, file, lines[i], col.name, cells[i],
                     f"a plausible value, {span}" + (f" {col.unit}" if col.unit else ""),
                     "implausible value" + (f": {col.hint}" if col.hint else "")
                     + _readings(numbers[i], col))


def _readings(value: float, col: Column) -> str:
    """'; as lb it is 79.8 kg' for each misread unit that makes ``value`` plausible."""
    low, high = col.plausible
    value = float(value)  # a Python float: a huge typed value reads as inf, without a warning
    out = [f"as {m.unit} it is {value * m.factor:.4g} {col.unit}" for m in col.misreads
           if low <= value * m.factor <= high]
    return "; " + "; ".join(out) if out else ""


def _check_units(frame: pd.DataFrame, lines: np.ndarray, table: Table, file: str,
                 problems: _Problems) -> None:
    """Values inside their range that look like another unit, judged over several values."""
    if table.name == "participants":
        _check_bmi(frame, lines, file, problems)
    if "participant_id" not in frame:
        return
    for col in (c for c in table.columns if any(m.below or m.above for m in c.misreads)):
        _check_misread_pattern(frame, lines, col, table, file, problems)


_BMI_TYPICAL_ABOVE = 30.0  # a median BMI above this is no team of athletes


def _check_bmi(frame: pd.DataFrame, lines: np.ndarray, file: str, problems: _Problems) -> None:
    """Body mass against height: a BMI no athlete has points at pounds (or a wrong height)."""
    mass_col = CODEBOOK["participants"].column("body_mass_kg")
    mass, height = frame["body_mass_kg"].to_numpy(float), frame["height_cm"].to_numpy(float)
    low, high = BMI_PLAUSIBLE
    (mlow, mhigh), (hlow, hhigh) = mass_col.plausible, CODEBOOK["participants"].column(
        "height_cm").plausible
    with np.errstate(invalid="ignore"):
        bmi = mass / (height / 100) ** 2
        odd = ((bmi < low) | (bmi > high)) & (mass >= mlow) & (mass <= mhigh) & (
            height >= hlow) & (height <= hhigh)
    both = np.flatnonzero(np.isfinite(bmi))
    typical = float(np.median(bmi[both])) if len(both) >= _MIN_VALUES else math.nan
    if typical > _BMI_TYPICAL_ABOVE and low <= typical * POUND_KG <= high:
        problems.add("warning", "participants", file, int(lines[both[0]]), "body_mass_kg",
                     f"median BMI {typical:.1f}",
                     f"body masses that fit the heights: the median BMI is {typical:.1f}, as "
                     f"pounds {typical * POUND_KG:.1f}",
                     "body masses look like pounds" + _rows(lines, both))
    for i in np.flatnonzero(odd):
        text = f"{mass[i]:g} with height {height[i]:g} cm is BMI {bmi[i]:.1f}"
        pounds = mass[i] * POUND_KG
        lb_bmi = pounds / (height[i] / 100) ** 2
        rule = "BMI implausible: check body mass and height"
        if low <= lb_bmi <= high:
            text += f"; as pounds it is {pounds:.1f} kg, BMI {lb_bmi:.1f}"
            rule = "BMI implausible: body mass in pounds?"
        problems.add("warning", "participants", file, lines[i], "body_mass_kg", mass[i],
                     f"a body mass that fits the height, BMI {low:g} to {high:g} ({text})", rule)


_MIN_VALUES = 3  # values it takes to call a unit wrong from their median


def _check_misread_pattern(frame: pd.DataFrame, lines: np.ndarray, col: Column, table: Table,
                           file: str, problems: _Problems) -> None:
    """Warn when the values of the column, or of one participant, look like another unit.

    Single values are judged by the ranges; here the median size of the whole column (at least
    three values) is compared with each misread's ``below``/``above``, and when the column as
    a whole looks right, the median of each participant with at least three values. One warning
    names the column, or each participant, with its rows and the reading in that unit.
    """
    size = np.abs(frame[col.name].to_numpy(float))
    known = np.isfinite(size)
    if known.sum() < _MIN_VALUES:
        return
    codes, people = pd.factorize(frame["participant_id"])
    mine = known & (codes >= 0)
    median = pd.Series(size[mine]).groupby(codes[mine]).median()
    count = np.bincount(codes[mine], minlength=len(people))
    median = median[count[median.index] >= _MIN_VALUES]
    whole = float(np.median(size[known]))
    low, high = col.plausible
    for m in (m for m in col.misreads if m.below is not None or m.above is not None):
        def odd(mid, m=m):
            wrong = (mid < m.below) if m.below is not None else np.zeros_like(mid, dtype=bool)
            if m.above is not None:
                wrong = wrong | (mid > m.above)
            return wrong & (mid * m.factor >= low) & (mid * m.factor <= high)

        if odd(np.array([whole]))[0]:
            _warn_misread(problems, table, file, lines, col, m, np.flatnonzero(known), whole,
                          "the column's values")
            return  # the whole column is said; its participants need not be
        for code in median.index[odd(median.to_numpy())]:
            _warn_misread(problems, table, file, lines, col, m,
                          np.flatnonzero(mine & (codes == code)), float(median[code]),
                          f"{people[code]}'s values")


def _warn_misread(problems: _Problems, table: Table, file: str, lines: np.ndarray, col: Column,
                  m, rows: np.ndarray, mid: float, who: str) -> None:
    problems.add(
        "warning", table.name, file, int(lines[rows[0]]), col.name, f"median {mid:g}",
        f"{col.expected()}; {who} (median {mid:g} {col.unit}) look like {m.unit}: as {m.unit} "
        f"the median is {mid * m.factor:.4g} {col.unit}",
        f"values look like {m.unit}" + _rows(lines, rows))


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
    full = {name: tables[name] if name in tables else empty_table(t)
            for name, t in CODEBOOK.items()}
    files = {n: (files or {}).get(n, f"{n}.csv") for n in CODEBOOK}
    lines = {n: (lines or {}).get(n, np.arange(2, len(full[n]) + 2)) for n in CODEBOOK}
    for name, table in CODEBOOK.items():
        frame = full[name]
        for col in (c for c in table.columns if not c.nullable):
            expected = col.expected() + " (it may not be missing)"
            for i in problems.each(frame[col.name].isna().to_numpy(), lines=lines[name],
                                   severity="error", table=name, file=files[name],
                                   column=col.name, expected=expected, rule="missing value"):
                problems.add("error", name, files[name], int(lines[name][i]), col.name, "",
                             expected, "missing value")
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

    def each(mask, severity, name, column, expected, rule):
        return problems.each(mask, lines=lines[name], severity=severity, table=name,
                             file=files.get(name, f"{name}.csv"), column=column,
                             expected=expected, rule=rule)

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
    team = parts["team"] if "team" in parts else pd.Series([], dtype=object)
    if team.notna().any():
        expected = ("a team for every participant once any has one (analyses by team leave "
                    "the others out)")
        for i in each(team.isna().to_numpy(), "warning", "participants", "team", expected,
                      "team missing"):
            add("warning", "participants", i, "team", "", expected, "team missing")

    sit = tables["sitting"]
    over = (sit["prolonged_sitting_h"] > sit["sitting_h"] + 1e-9).to_numpy()
    for i in each(over, "error", "sitting", "prolonged_sitting_h", "at most sitting_h",
                  "prolonged exceeds total"):
        add("error", "sitting", i, "prolonged_sitting_h", sit["prolonged_sitting_h"].iloc[i],
            f"at most sitting_h ({sit['sitting_h'].iloc[i]:g} h)", "prolonged exceeds total")
    over = (sit["sitting_h"] > sit["wear_h"] + 1e-9).to_numpy()
    for i in each(over, "warning", "sitting", "sitting_h", "at most wear_h",
                  "sitting exceeds wear time"):
        add("warning", "sitting", i, "sitting_h", sit["sitting_h"].iloc[i],
            f"at most wear_h ({sit['wear_h'].iloc[i]:g} h)", "sitting exceeds wear time")

    _check_strength(tables["strength"], lambda severity, *rest: add(severity, "strength", *rest),
                    lambda mask, severity, *rest: each(mask, severity, "strength", *rest))

    expo = tables["exposure"]
    positive = ("a positive duration (min): a session without exposure time should not be "
                "listed")
    for i in each((expo["duration_min"] <= 0).to_numpy(), "error", "exposure", "duration_min",
                  positive, "non-positive exposure"):
        add("error", "exposure", i, "duration_min", expo["duration_min"].iloc[i], positive,
            "non-positive exposure")
    # a window that ends before it starts, or a participant listed twice, has its own error:
    # the rows of that participant are not also called outside follow-up
    doubtful = early | parts["participant_id"].duplicated(keep=False).to_numpy()
    window = parts[~doubtful].set_index("participant_id")[["follow_up_start", "follow_up_end"]]
    follow_up = follow_up_window(parts[~doubtful])
    for name, col in (("exposure", "date"), ("cramps", "datetime")):
        frame = tables[name]
        joined = window.reindex(frame["participant_id"])
        outside = outside_follow_up(frame, col, follow_up)
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
    for i in each(elsewhere, "warning", "cramps", "datetime", "a time on the session's day",
                  "cramp not on its session's day"):
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


def _check_strength(frame: pd.DataFrame, add, each) -> None:
    test, unit = frame["test"], frame["unit"]
    value = frame["value"].to_numpy(dtype=float, na_value=np.nan)
    tests, test_names = pd.factorize(test)
    units, unit_names = pd.factorize(unit)
    fitting = np.array([[u in _TEST_UNITS[t] for u in unit_names] for t in test_names],
                       dtype=bool).reshape(len(test_names), len(unit_names))
    known = (tests >= 0) & (units >= 0)
    fits = np.ones(len(frame), dtype=bool)
    fits[known] = fitting[tests[known], units[known]]
    force = known & fits & (unit == "N").to_numpy()
    no_arm = force & frame["lever_arm_m"].isna().to_numpy()
    with np.errstate(invalid="ignore"):
        kgf = force & (test == "hhd_hip_extension").to_numpy() & (value < 60)
        part_reps = known & (unit == "reps").to_numpy() & (value % 1 != 0)
    for i in each(~fits, "error", "unit", "the unit of the test", "unit does not fit the test"):
        add("error", i, "unit", unit.iloc[i],
            f"{' or '.join(_TEST_UNITS[test.iloc[i]])} for {test.iloc[i]}",
            "unit does not fit the test")
    arm = "the lever arm in m, to turn force into torque (trial left out of glute_nm_kg)"
    for i in each(no_arm, "warning", "lever_arm_m", arm, "lever arm missing"):
        add("warning", i, "lever_arm_m", "", arm, "lever arm missing")
    kg = ("a hip-extension force of 60 N or more: under that looks like kilogram-force "
          "(multiply by 9.81)")
    for i in each(kgf, "warning", "value", kg, "force looks like kgf"):
        add("warning", i, "value", value[i], kg, "force looks like kgf")
    for i in each(part_reps, "error", "value", "a whole number of repetitions",
                  "not whole reps"):
        add("error", i, "value", value[i], "a whole number of repetitions", "not whole reps")


def folder_problem(path: Path) -> str | None:
    """Why ``path`` cannot be a study folder, or ``None`` when it can."""
    if not path.exists():
        return f"study folder not found: {path}"
    if not path.is_dir():
        return (f"{path} is a file, not a study folder: put participants.csv and the other "
                "tables in one folder and pass the folder")
    return None
