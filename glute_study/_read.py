"""Read one table file (CSV, Excel or Parquet) into raw cells with their line numbers.

Nothing here knows the codebook: this module only turns bytes into a header and rows of cells,
remembering where each row stood in its file, so that every later message can name the line.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".parquet")


class FileProblem(Exception):
    """A whole file cannot be read; carries the line (if any) and what was expected."""

    def __init__(self, message: str, *, line: int | None = None, expected: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.expected = expected


@dataclass
class RawTable:
    """Cells of one table file as read, before any type is checked."""

    path: Path
    header: list[str]
    rows: list[list[object]]
    lines: list[int]
    decimal_comma: bool = False
    notes: list[str] = field(default_factory=list)


def read_raw(path: Path, table: str) -> RawTable:
    """Read ``path`` by its suffix; ``table`` names the sheet to look for in a workbook."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        return _read_excel(path, table)
    if suffix == ".parquet":
        return _read_parquet(path)
    return _read_text(path)


def _decode(data: bytes) -> tuple[str, list[str]]:
    """Text of a table file, by the same rules as every importer (:func:`decode_bytes`)."""
    from .io._text import FileFormatError, decode_bytes  # here: glute_study.io imports study

    try:
        text, encoding = decode_bytes(data)
    except FileFormatError:
        raise FileProblem("the file holds binary data, not text",
                          expected="a CSV text file (or save it as .xlsx or .parquet)") from None
    notes: list[str] = []
    if encoding in ("cp1252", "latin-1"):
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as err:
            line = data[: err.start].count(b"\n") + 1
            notes.append(f"not UTF-8 (first odd byte on line {line}); read as Windows-1252/"
                         "Latin-1: check accented text, or save the file as UTF-8")
    return text, notes


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _read_text(path: Path) -> RawTable:
    text, notes = _decode(path.read_bytes())
    if text.startswith("sep="):  # Excel's delimiter hint line
        first, _, text = text.partition("\n")
        delimiter = first[4:].strip() or ","
        offset = 1
    else:
        first_line = next((ln for ln in text.splitlines() if ln.strip()), "")
        delimiter = _sniff_delimiter(first_line)
        offset = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[list[object]] = []
    lines: list[int] = []
    start = 1
    try:
        for record in reader:
            line = start + offset
            start = reader.line_num + 1
            if not any(cell.strip() for cell in record):
                continue
            if header is None:
                header = record
                continue
            rows.append(list(record))
            lines.append(line)
    except csv.Error as err:
        raise FileProblem(f"the CSV cannot be parsed ({err})", line=start + offset,
                          expected="well-formed CSV (check unbalanced quotes)") from None
    if header is None:
        raise FileProblem("the file is empty", expected="a header row with the column names")
    return RawTable(path, header, rows, lines, decimal_comma=delimiter != ",", notes=notes)


def _read_excel(path: Path, table: str) -> RawTable:
    try:
        sheets = pd.read_excel(path, sheet_name=None, header=None, dtype=object)
    except Exception as err:  # openpyxl raises many types for a corrupt workbook
        raise FileProblem(f"the workbook cannot be opened ({type(err).__name__}: {err})",
                          expected="an .xlsx workbook saved by Excel or LibreOffice") from None
    names = {str(name).strip().lower(): name for name in sheets}
    if table in names:
        frame = sheets[names[table]]
    elif len(sheets) == 1:
        frame = next(iter(sheets.values()))
    else:
        raise FileProblem(f"the workbook has no sheet named '{table}' (sheets: "
                          f"{', '.join(map(str, sheets))})",
                          expected=f"a sheet named '{table}', or a workbook with one sheet")
    values = frame.astype(object).where(frame.notna(), None).values.tolist()
    lines = list(range(1, len(values) + 1))
    keep = [(ln, row) for ln, row in zip(lines, values)
            if any(v is not None and str(v).strip() for v in row)]
    if not keep:
        raise FileProblem("the sheet is empty", expected="a header row with the column names")
    header = ["" if v is None else str(v) for v in keep[0][1]]
    body = keep[1:]
    return RawTable(path, header, [r for _, r in body], [ln for ln, _ in body],
                    decimal_comma=True)


def _read_parquet(path: Path) -> RawTable:
    try:
        frame = pd.read_parquet(path)
    except Exception as err:  # pyarrow raises several types for a corrupt file
        raise FileProblem(f"the Parquet file cannot be read ({type(err).__name__}: {err})",
                          expected="a Parquet file") from None
    values = frame.astype(object).where(frame.notna(), None).values.tolist()
    # Parquet has no lines: number the rows as a CSV would (header on line 1).
    return RawTable(path, [str(c) for c in frame.columns], values,
                    list(range(2, len(values) + 2)))
