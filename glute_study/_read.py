"""Read one table file (CSV, Excel or Parquet) into raw cells with their line numbers.

Nothing here knows the codebook: this module only turns bytes into a header and rows of cells,
remembering where each row stood in its file, so that every later message can name the line.

What is read, and what is refused with a :class:`FileProblem` that says what to do:

* ``.csv``, ``.tsv``, ``.txt`` (text), ``.xlsx`` / ``.xlsm`` (a workbook; macros are never run),
  ``.parquet``; each may be compressed (``cramps.csv.gz``, ``.bz2``, ``.xz``) or be the one table
  file inside a ``.zip`` (an archive with several files, or none, is refused, naming them).
  Nothing is unpacked beyond :data:`MAX_RATIO` (100) times its compressed size (tables up to
  :data:`RATIO_FLOOR`, 64 MiB, always are) nor beyond :data:`MAX_UNPACKED` (4 GiB): a zip's,
  a workbook's and a Parquet file's declared sizes are checked before anything is unpacked, and
  every stream is cut off at the limit, so that a decompression bomb is refused, not read.
* Only regular files are opened (a link to one is followed). A broken link, a link loop, a
  folder, a device, a pipe or a socket is refused before anything is read, so that a table linked
  to ``/dev/zero`` cannot read without end.
* Text that is not UTF-8 is decoded line by line: UTF-8 where a line is valid UTF-8, Windows-1252
  otherwise, with a warning naming the lines read as Windows-1252.
* A workbook cell holding a formula without a saved value, and merged cells, would read as empty:
  they are refused, naming the sheet and the cells. Old ``.xls``, ``.ods``, and a text file named
  ``.xlsx`` get a message saying how to save them.
* Time-zone-aware datetimes (Parquet) are read as the local clock time of their zone, as every
  datetime of the codebook is, with a warning naming the column and the zone.
"""

from __future__ import annotations

import bz2
import codecs
import csv
import datetime as dt
import difflib
import gzip
import io
import lzma
import os
import re
import warnings
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ._text import (  # the read helpers below both this reader and glute_study.io
    UTC_OFFSET,
    FileProblem,
    decode,
    read_regular,
)
from ._text import line_ranges as line_ranges  # validate and the tests import it from here

# Python's csv refuses a field over 128 KiB ("field larger than field limit"), a traceback in
# every reader that uses it: a long note typed into one cell is still a cell, and the file is in
# memory already, so the limit guards nothing. Raised once, for every reader of the package.
csv.field_size_limit(max(csv.field_size_limit(), 2**31 - 1))

TABLE_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".parquet")
"""Suffixes of the table files a study folder may hold (each may also be compressed)."""
COMPRESSED = (".gz", ".bz2", ".xz")
"""Compression suffixes read transparently: ``cramps.csv.gz``."""
ARCHIVE = ".zip"
"""An archive holding one table file: ``cramps.zip`` or ``cramps.csv.zip``."""

#: Formats people save tables in that are not read, and how to save them instead.
OTHER_FORMATS = {
    ".xls": "an old Excel 97-2003 workbook: open it in Excel and save it as .xlsx (Excel "
            "Workbook) or as CSV UTF-8",
    ".xlsb": "an Excel binary workbook: open it in Excel and save it as .xlsx or CSV UTF-8",
    ".ods": "an OpenDocument spreadsheet: in LibreOffice, File > Save As, and choose Excel "
            "2007-365 (.xlsx) or Text CSV (UTF-8)",
    ".numbers": "an Apple Numbers document: File > Export To > CSV (UTF-8) or Excel",
    ".sav": "an SPSS data file: save it as CSV (File > Export > CSV Data) or .xlsx",
    ".dta": "a Stata data file: export it as CSV (export delimited) or .xlsx",
    ".rds": "an R data file: write it as CSV (write.csv) or Parquet (arrow::write_parquet)",
    ".json": "a JSON file: save the table as CSV, .xlsx or .parquet",
    ".docx": "a Word document: copy the table into a spreadsheet and save it as .xlsx or CSV",
}

# Files the package itself writes into a study folder (one list, used by the importer too).
METADATA_FILE = "study.json"
"""Name, notes and (for simulated studies) the true effects of a study."""
IMPORT_LOG = "import_log.csv"
"""Every imported file, its participant and its warnings."""
DEVICE_DAYS = "device_days.csv"
"""The part-days of each imported device file."""
QC_REPORT = "qc_report"
"""Stem of the QC report, written as ``.csv``, ``.md`` and ``.html``."""
QC_FILES = tuple(f"{QC_REPORT}{s}" for s in (".csv", ".md", ".html"))
PACKAGE_FILES = frozenset((METADATA_FILE, IMPORT_LOG, DEVICE_DAYS, *QC_FILES))
"""Files of a study folder that are the package's own, not study tables."""


@dataclass(frozen=True)
class Note:
    """A warning about how a file was read: what was done (``rule``) and what to check."""

    rule: str
    expected: str
    line: int | None = None
    column: str = ""


@dataclass
class RawTable:
    """Cells of one table file as read, before any type is checked.

    ``columns`` holds one sequence of cells per header position, all as long as ``lines``: an
    Arrow text array for a text file (compact, and parsed by vectorised string functions), or a
    list of typed cells for a workbook or Parquet file. ``lines`` gives each row's line in its
    file. Rows whose number of fields differs from the header's are not in ``columns``:
    ``ragged`` lists them as ``(line, number of fields)``.
    """

    path: Path
    header: list[str]
    columns: list
    lines: np.ndarray
    decimal_comma: bool = False
    notes: list[Note] = field(default_factory=list)
    ragged: list[tuple[int, int]] = field(default_factory=list)


def arrow_text(cells: list[str]):
    """Text cells as the Arrow column every text path parses (64-bit offsets)."""
    import pyarrow as pa

    return pa.chunked_array([pa.array(cells, type=pa.large_string())])


def _from_rows(path: Path, header: list, rows: list[list[object]], lines: list[int], *,
               text: bool, **extra) -> RawTable:
    """A :class:`RawTable` from rows of cells; rows of another width go to ``ragged``."""
    width = len(header)
    ragged = [(line, len(row)) for row, line in zip(rows, lines) if len(row) != width]
    if ragged:
        kept = [(row, line) for row, line in zip(rows, lines) if len(row) == width]
        rows, lines = [r for r, _ in kept], [ln for _, ln in kept]
    columns = [list(col) for col in zip(*rows)] if rows else [[] for _ in header]
    if text:
        columns = [arrow_text(col) for col in columns]
    return RawTable(path, header, columns, np.asarray(lines, dtype=np.int64), ragged=ragged,
                    **extra)


# ---------------------------------------------------------------------------------------------
# File names


def split_name(name: str) -> tuple[str, str, str]:
    """Split a file name into its lower-case stem, format suffix and compression suffix.

    Examples
    --------
    >>> split_name("Cramps.CSV.gz")
    ('cramps', '.csv', '.gz')
    >>> split_name("participants.xlsx")
    ('participants', '.xlsx', '')
    >>> split_name("cramps.zip")
    ('cramps', '', '.zip')
    """
    lower = name.lower()
    packing = ""
    for suffix in (*COMPRESSED, ARCHIVE):
        if lower.endswith(suffix) and len(lower) > len(suffix):
            packing, lower = suffix, lower[: -len(suffix)]
            break
    stem, suffix = os.path.splitext(lower)
    return stem, suffix, packing


def is_readable_name(suffix: str, packing: str) -> bool:
    """Whether a file with this format and compression suffix is read as a table."""
    if packing == ARCHIVE:
        return suffix in ("", *TABLE_SUFFIXES)
    return suffix in TABLE_SUFFIXES


def is_tableish(suffix: str, packing: str) -> bool:
    """Whether a file looks like a table someone meant to be read (not notes or a README)."""
    return bool(packing) or (suffix in TABLE_SUFFIXES and suffix != ".txt") or (
        suffix in OTHER_FORMATS)


BACKUP_SUFFIXES = (".bak", ".old", ".orig", ".tmp", ".swp", ".part", ".crdownload")
"""Suffixes of copies that programs and people leave beside a file (``cramps.bak``)."""


def is_ignored(name: str) -> bool:
    """Whether a folder entry is no one's table: hidden, an office lock file, an editor's backup
    (``cramps.csv~``) or the package's own.

    Examples
    --------
    >>> [is_ignored(n) for n in ("~$participants.xlsx", ".~lock.cramps.csv#", "qc_report.md",
    ...                          "cramps.csv~", "cramps.csv")]
    [True, True, True, True, False]
    """
    return name.startswith((".", "~$")) or name.endswith("~") or name.lower() in PACKAGE_FILES


def close_name(stem: str, names) -> str | None:
    """The table name that ``stem`` looks like a slip of, or ``None``.

    Case, spaces, separators, a singular and a version or date tail are forgiven.

    Examples
    --------
    >>> names = ["participants", "sitting", "cramps"]
    >>> [close_name(s, names) for s in ("participant", "Participants_v2", "participants ",
    ...                                 "cramp_log", "notes")]
    ['participants', 'participants', 'participants', 'cramps', None]
    """
    plain = re.sub(r"[^a-z]", "", stem.lower())
    if not plain:
        return None
    for name in names:
        if plain.startswith(name) or plain.startswith(name.rstrip("s")):
            return name
    match = difflib.get_close_matches(plain, list(names), n=1, cutoff=0.8)
    return match[0] if match else None


# ---------------------------------------------------------------------------------------------
# Opening: regular files only


# ---------------------------------------------------------------------------------------------
# Reading


def read_raw(path: Path, table: str) -> RawTable:
    """Read ``path`` by its suffix; ``table`` names the sheet to look for in a workbook."""
    data = read_regular(path)
    _, suffix, packing = split_name(path.name)
    notes: list[Note] = []
    if packing in COMPRESSED:
        data = _decompress(data, packing)
    elif packing == ARCHIVE:
        member, data = _unzip(data)
        inner, suffix, _ = split_name(Path(member).name)
        if inner != table and close_name(inner, [table]) is None:
            notes.append(Note(f"archive: {path.name} holds {member}; read as the {table} table",
                              f"a file named after the {table} table inside {path.name}"))
    problem = _misnamed(data, member if packing == ARCHIVE else path.name, suffix)
    if problem:
        raise problem
    if suffix in (".xlsx", ".xlsm"):
        raw = _read_excel(path, data, table)
    elif suffix == ".parquet":
        raw = _read_parquet(path, data)
    else:
        raw = _read_text(path, data)
    raw.notes[:0] = notes
    return raw


MAX_RATIO = 100
"""A compressed table may unpack to at most this many times its compressed size..."""
RATIO_FLOOR = 64 * 2**20
"""...unless it unpacks to no more than this (64 MiB): small tables may compress very well."""
MAX_UNPACKED = 4 * 2**30
"""And never to more than this (4 GiB), whatever its ratio: a "zip bomb" is refused, not read."""


def _unpacked_limit(packed: int) -> int:
    """How many bytes a table compressed into ``packed`` bytes may unpack to."""
    return min(max(MAX_RATIO * packed, RATIO_FLOOR), MAX_UNPACKED)


def _too_large(unpacked: str, packed: int) -> FileProblem:
    return FileProblem(
        f"the compressed file unpacks to {unpacked} from {_size(packed)}; a table is read only "
        f"up to {MAX_RATIO} times its compressed size (or {_size(RATIO_FLOOR)}) and never "
        f"beyond {_size(MAX_UNPACKED)}, so this was not unpacked (a damaged file or a "
        "decompression bomb?)",
        expected="the table itself, uncompressed or compressed as exported (CSV compresses "
        "about 5-20 times)")


def _size(n: int) -> str:
    """Bytes in the unit people read: '3.0 GiB', '64 MiB', '512 bytes'."""
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}".replace(".0 ", " ")
    return f"{n} bytes"


def _read_bounded(stream, packed: int) -> bytes:
    """Read ``stream`` (unpacking) to its end, refusing to unpack beyond the limit."""
    limit = _unpacked_limit(packed)
    out = io.BytesIO()
    while chunk := stream.read(1 << 20):
        out.write(chunk)
        if out.tell() > limit:
            raise _too_large(f"more than {_size(limit)}", packed)
    return out.getvalue()


def _decompress(data: bytes, packing: str) -> bytes:
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}[packing]
    try:
        with opener(io.BytesIO(data), "rb") as stream:
            return _read_bounded(stream, len(data))
    except (OSError, EOFError, ValueError, zlib.error, lzma.LZMAError) as err:
        raise FileProblem(f"the {packing} file cannot be decompressed ({err})",
                          expected=f"a file compressed with {packing[1:]} (or the table "
                          "uncompressed, named .csv, .xlsx or .parquet)") from None


def _check_declared(archive: zipfile.ZipFile, members=None) -> None:
    """Refuse a zip whose members declare more unpacked bytes than the limit allows."""
    members = archive.infolist() if members is None else members
    declared = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if declared > _unpacked_limit(packed):
        raise _too_large(_size(declared), packed)


def _unzip(data: bytes) -> tuple[str, bytes]:
    """The name and bytes of the one table file inside a zip archive."""
    expected = "a .zip holding exactly one table file (.csv, .xlsx or .parquet)"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()
                       and not m.filename.startswith("__MACOSX/")
                       and not is_ignored(Path(m.filename).name)]
            if not members:
                raise FileProblem("the zip archive holds no file", expected=expected)
            if len(members) > 1:
                names = ", ".join(m.filename for m in members)
                raise FileProblem(f"the zip archive holds {len(members)} files ({names}); which "
                                  "is the table?", expected=expected + ": unpack it into the "
                                  "study folder, one file per table")
            member = members[0]
            _, suffix, _ = split_name(Path(member.filename).name)
            if suffix not in TABLE_SUFFIXES:
                raise FileProblem(f"the zip archive holds {member.filename}, not a table file",
                                  expected=expected)
            _check_declared(archive, [member])
            with archive.open(member) as stream:  # the declared size may lie: bounded anyway
                return member.filename, _read_bounded(stream, member.compress_size)
    except FileProblem:
        raise
    except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError,
            ValueError, zlib.error) as err:
        raise FileProblem(f"the zip archive cannot be read ({err})",
                          expected=expected + ", not password-protected") from None


def _decode(data: bytes) -> tuple[str, list[Note]]:
    """Text of a table file by :func:`decode`, with a note naming the lines not UTF-8."""
    decoded = decode(data)
    note = decoded.note()
    if not note:
        return decoded.text, []
    return decoded.text, [Note(f"encoding: {note}", "UTF-8 text", line=decoded.legacy_lines[0])]


def _sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ","


def _read_text(path: Path, data: bytes) -> RawTable:
    fast = _read_text_fast(path, data)
    return fast if fast is not None else _read_text_careful(path, data)


def _read_text_fast(path: Path, data: bytes) -> RawTable | None:
    """Read a plain UTF-8 CSV with Arrow's parser; ``None`` when the file needs the careful path.

    The careful path (Python's csv module over the decoded text) handles everything; this one
    takes the common case at C speed and in about the file's size of memory: UTF-8 (with or
    without a byte-order mark), one physical line per row (no line break inside a value, no bare
    carriage returns), every row with the header's number of fields. Anything else returns
    ``None``, so that the careful path reads it and reports what it finds, as it always did.
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv

    pos = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    if b"\x00" in data[:4096] or data.count(b"\r") != data.count(b"\r\n"):
        return None
    line, head, sep_line, delimiter = 1, None, False, ","
    while pos < len(data):  # the header: the first line with text (after a sep= line)
        end = data.find(b"\n", pos)
        end = len(data) if end < 0 else end
        text = data[pos:end].rstrip(b"\r")
        pos = end + 1
        if not text.strip():
            if text:
                return None  # a line of spaces: the careful path decides what it is
            line += 1
            continue
        try:
            head = text.decode("utf-8")
        except UnicodeDecodeError:
            return None
        if head.startswith("sep=") and not sep_line:
            sep_line, delimiter = True, head[4:].strip() or ","
            line += 1
            continue
        break
    if head is None or head.count('"') % 2 or len(delimiter) != 1:
        return None
    if not sep_line:
        delimiter = _sniff_delimiter(head)
    header = next(csv.reader([head], delimiter=delimiter))
    if not any(h.strip() for h in header):
        return None
    pos = min(pos, len(data))
    if (data.find(b"\n\n", pos) >= 0 or data.find(b"\n\r\n", pos) >= 0
            or data[pos:pos + 1] in (b"\n", b"\r")):
        lines = _filled_lines(data, pos) + 1
    else:  # no blank line: row k stands on the k-th line after the header
        rows = data.count(b"\n", pos) + (len(data) > pos and data[-1:] != b"\n")
        lines = np.arange(line + 1, line + 1 + rows, dtype=np.int64)
    ragged: list[int] = []
    names = [f"c{i}" for i in range(len(header))]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(memoryview(data)[pos:]),
            read_options=pacsv.ReadOptions(column_names=names, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True,
                invalid_row_handler=lambda row: ragged.append(row.number) or "skip"),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if ragged or table.num_rows != len(lines) or any(
            pc.any(pc.match_substring(c, "\n")).as_py() for c in table.columns):
        return None  # a value holding a line break: rows and lines part ways
    blank = _blank_rows(table)
    if blank.any():
        table, lines = table.filter(pa.array(~blank)), lines[~blank]
    return RawTable(path, header, list(table.columns), lines, decimal_comma=delimiter != ",")


def _filled_lines(data: bytes, start: int, chunk: int = 1 << 26) -> np.ndarray:
    """Indices (from 0) of the lines at or after byte ``start`` that hold any text."""
    view = np.frombuffer(data, np.uint8)
    breaks = [np.flatnonzero(view[i:i + chunk] == 10) + i for i in range(start, len(view), chunk)]
    newlines = np.concatenate([np.array([start - 1]), *breaks]).astype(np.int64)
    begin = newlines + 1
    end = np.append(newlines[1:], len(data))
    end = end - ((end > begin) & (view[np.maximum(end - 1, 0)] == 13))
    return np.flatnonzero(end > begin).astype(np.int64) + data.count(b"\n", 0, start)


def _blank_rows(table) -> np.ndarray:
    """Rows whose every cell is empty or white space (skipped, as blank lines are)."""
    import pyarrow.compute as pc

    blank = np.ones(table.num_rows, dtype=bool)
    for column in table.columns:
        empty = pc.or_(pc.equal(pc.utf8_length(column), 0), pc.utf8_is_space(column))
        blank &= empty.to_numpy(zero_copy_only=False)
        if not blank.any():
            break
    return blank


def _read_text_careful(path: Path, data: bytes) -> RawTable:
    """Read any text table with Python's csv module, line by line (the reference reader)."""
    text, notes = _decode(data)
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
    return _from_rows(path, header, rows, lines, text=True, decimal_comma=delimiter != ",",
                      notes=notes)


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: The first bytes of formats people give a wrong suffix: (magic, real suffix, what it is).
_MAGIC = (
    (b"PK\x03\x04", ".xlsx", "an Excel workbook (or a zip archive)"),
    (b"PAR1", ".parquet", "a Parquet file"),
    (_OLE2, ".xls", "an old-format Excel workbook (.xls) or a password-protected one"),
    (b"\x1f\x8b", ".gz", "a gzip-compressed file"),
    (b"\xfd7zXZ\x00", ".xz", "an xz-compressed file"),
    (b"%PDF-", ".pdf", "a PDF document"),
)


def _misnamed(data: bytes, name: str, suffix: str) -> FileProblem | None:
    """A problem when the bytes are another format than the file's suffix says, else ``None``.

    Examples
    --------
    >>> print(_misnamed(b"PAR1...PAR1", "cramps.csv", ".csv"))
    this is a Parquet file, named .csv
    """
    stem = split_name(name)[0]
    for magic, real, what in _MAGIC:
        if not data.startswith(magic) or (real == ".parquet" and not data.endswith(magic)):
            continue
        if real == suffix or (real == ".xlsx" and suffix == ".xlsm"):
            return None
        fix = {".xls": f"open it in Excel, remove any password and save it as {stem}.xlsx or "
                       "CSV UTF-8",
               ".pdf": "export the table from the program that made it as CSV or .xlsx",
               ".xlsx": f"rename it to {stem}.xlsx ({stem}.zip if it is an archive)"}.get(
            real, f"rename it to {stem}{suffix}{real}" if real in COMPRESSED else
            f"rename it to {stem}{real}")
        return FileProblem(f"this is {what}, named {suffix}",
                           expected=f"a file named after what it is: {fix}")
    if suffix in (".xlsx", ".xlsm", ".parquet") and data.strip() and b"\x00" not in data[:4096]:
        return FileProblem(f"this is a text file (a CSV?) with a {suffix} name, not "
                           + ("an Excel workbook" if suffix != ".parquet" else "a Parquet file"),
                           expected=f"a file named after what it is: rename it to {stem}.csv"
                           + (" (or open it in Excel and save it as .xlsx)"
                              if suffix != ".parquet" else ""))
    return None


def _read_excel(path: Path, data: bytes, table: str) -> RawTable:
    if not data.strip():
        raise FileProblem("the file is empty", expected="an .xlsx workbook")
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_declared(archive)  # a workbook is a zip: its sheets may be bombs too
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns of styles and extensions it skips
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True,
                                          keep_links=False)
        names = {str(name).strip().lower(): name for name in book.sheetnames}
        if table in names:
            sheet_name = names[table]
        elif len(book.sheetnames) == 1:
            sheet_name = book.sheetnames[0]
        else:
            raise FileProblem(f"the workbook has no sheet named '{table}' (sheets: "
                              f"{', '.join(map(str, book.sheetnames))})",
                              expected=f"a sheet named '{table}', or a workbook with one sheet")
        sheet = book[sheet_name]
        sheet.reset_dimensions()  # some writers store wrong dimensions
        values = [[_cell(c) for c in row] for row in sheet.iter_rows()]
        book.close()
        if _may_hide_values(data):
            _refuse_hidden_values(data, sheet_name, values)
    except FileProblem:
        raise
    except Exception as err:  # openpyxl raises many types for a corrupt workbook
        raise FileProblem(f"the workbook cannot be opened ({type(err).__name__}: {err})",
                          expected="an .xlsx workbook saved by Excel or LibreOffice") from None
    width = max((len(r) for r in values), default=0)
    values = [list(r) + [None] * (width - len(r)) for r in values]
    keep = [(ln, row) for ln, row in enumerate(values, start=1)
            if any(v is not None and str(v).strip() for v in row)]
    if not keep:
        raise FileProblem(f"the sheet '{sheet_name}' is empty",
                          expected="a header row with the column names")
    header = ["" if v is None else str(v) for v in keep[0][1]]
    body = keep[1:]
    notes = []
    if path.suffix.lower() == ".xlsm":
        notes.append(Note("macros: the workbook's macros were not run; the values as saved "
                          "were read", "an .xlsx workbook (macros are never run)"))
    return _from_rows(path, header, [list(r) for _, r in body], [ln for ln, _ in body],
                      text=False, decimal_comma=True, notes=notes)


def _cell(cell) -> object:
    """A workbook cell's value as pandas would give it (whole numbers as int)."""
    value = getattr(cell, "value", None)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _may_hide_values(data: bytes) -> bool:
    """Whether any worksheet has merged cells or formulas (cheap: looks at the sheets' XML)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                xml = archive.read(name)
                if b"<mergeCell " in xml or b"<f>" in xml or b"<f " in xml or b"<x:f" in xml:
                    return True
    return False


def _refuse_hidden_values(data: bytes, sheet_name: str, values: list[list[object]]) -> None:
    """Refuse a sheet whose merged cells or formulas without saved values would read as empty."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sheet = openpyxl.load_workbook(io.BytesIO(data), data_only=False,
                                       keep_links=False)[sheet_name]
    found = []
    merged = [str(r) for r in sheet.merged_cells.ranges]
    if merged:
        found.append(f"merged cells ({', '.join(merged[:10])}"
                     + (f" and {len(merged) - 10} more" if len(merged) > 10 else "")
                     + "): only the first cell of each holds the value, the others read as "
                     "empty. Unmerge them (Home > Merge & Center) and fill the value into "
                     "every cell")
    empty = []
    for row in sheet.iter_rows():
        for cell in row:
            if cell.data_type == "f" or str(cell.value or "").startswith("="):
                r, c = cell.row - 1, cell.column - 1
                saved = values[r][c] if r < len(values) and c < len(values[r]) else None
                if saved is None:
                    empty.append((cell.row, f"{get_column_letter(cell.column)}{cell.row}",
                                  str(getattr(cell.value, "text", cell.value))))
    if empty:
        cells = ", ".join(ref for _, ref, _ in empty[:10]) + (
            f" and {len(empty) - 10} more" if len(empty) > 10 else "")
        found.append(f"{len(empty)} formula cell(s) without a saved value ({cells}; e.g. "
                     f"{empty[0][2]}): the program that wrote the workbook did not calculate "
                     "them. Open the workbook in Excel or LibreOffice and save it, or copy the "
                     "cells and paste them as values")
    if found:
        lines = [int(m.min_row) for m in sheet.merged_cells.ranges] + [r for r, _, _ in empty]
        raise FileProblem(f"sheet '{sheet_name}': " + "; ".join(found), line=min(lines),
                          expected="a value typed or pasted into every cell (no merged cells, "
                          "no formulas without a saved value)")


def _read_parquet(path: Path, data: bytes) -> RawTable:
    try:
        _check_parquet_size(data)
        frame = pd.read_parquet(io.BytesIO(data))
    except FileProblem:
        raise
    except Exception as err:  # pyarrow raises several types for a corrupt file
        raise FileProblem(f"the Parquet file cannot be read ({type(err).__name__}: {err})",
                          expected="a Parquet file") from None
    if all(name is not None for name in frame.index.names):
        frame = frame.reset_index()  # saved with set_index("participant_id"): a column again
    notes = []
    for name in frame.columns:
        column, zones = _local_clock(frame[name])
        if zones:
            frame[name] = column
            notes.append(Note(
                f"time zone: {name} holds times with a time zone ({', '.join(zones)}); read as "
                "the local clock time of that zone", "clock times without a zone (the "
                "codebook's datetimes are local clock time)", column=str(name)))
        frame[name] = _beyond_pandas_as_text(frame[name])
    values = frame.astype(object).where(frame.notna(), None).values.tolist()
    # Parquet has no lines: number the rows as a CSV would (header on line 1).
    return _from_rows(path, [str(c) for c in frame.columns], values,
                      list(range(2, len(values) + 2)), text=False, notes=notes)


def _check_parquet_size(data: bytes) -> None:
    """Refuse a Parquet file whose columns declare more unpacked bytes than the limit allows."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(io.BytesIO(data)).metadata
    declared = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    # a dictionary-encoded column is small even unpacked: count each cell as the two bytes
    # (a character and a separator) it would take at least in a CSV
    declared = max(declared, 2 * meta.num_rows * meta.num_columns)
    if declared > _unpacked_limit(len(data)):
        raise _too_large(f"{meta.num_rows:,} rows of {meta.num_columns} column(s) ("
                         f"{_size(declared)} or more)", len(data))


_EARLIEST, _LATEST = dt.date(1677, 9, 22), dt.date(2262, 4, 11)  # what pandas' ns can hold


def _beyond_pandas_as_text(column: pd.Series) -> pd.Series:
    """A column with dates pandas cannot hold (before 1677, after 2262) as ISO text cells.

    The text goes through the same checks as a CSV's, which name each such cell.
    """
    if str(column.dtype).startswith("datetime64[ns") or (
            column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) not in (
                "date", "datetime", "mixed")) or not (
            column.dtype == object or pd.api.types.is_datetime64_any_dtype(column.dtype)):
        return column

    def day(v):
        return v.date() if isinstance(v, dt.datetime) else v

    dates = [day(v) for v in column if isinstance(v, dt.date)]
    if all(_EARLIEST < d < _LATEST for d in dates):
        return column
    return column.map(lambda v: (v.isoformat(sep=" ") if isinstance(v, dt.datetime) else
                                 v.isoformat() if isinstance(v, dt.date) else
                                 "" if pd.isna(v) else str(v)))


def clock_text(cells) -> tuple[object, np.ndarray, list[str]]:
    """Text datetimes with a UTC offset ('10:00+01:00', '10:00Z') as the clock time written.

    ``cells`` is Arrow text or a list of cells; returns the cells without their offsets, a mask
    of the cells that had one, and the offsets found (in order of first appearance).

    Examples
    --------
    >>> cells, had, offsets = clock_text(["2024-03-01 10:00+01:00", "2024-03-01 11:00", 3])
    >>> cells, had.tolist(), offsets
    (['2024-03-01 10:00', '2024-03-01 11:00', 3], [True, False, False], ['+01:00'])
    """
    if isinstance(cells, list):
        pattern = re.compile(UTC_OFFSET)
        found = [isinstance(c, str) and pattern.match(c.strip()) for c in cells]
        had = np.array([bool(m) for m in found], dtype=bool)
        if not had.any():
            return cells, had, []
        offsets = list(dict.fromkeys(c.strip()[len(m.group(1)):].strip()
                                     for c, m in zip(cells, found) if m))
        return [m.group(1) if m else c for c, m in zip(cells, found)], had, offsets
    import pyarrow as pa
    import pyarrow.compute as pc

    stripped = pc.utf8_trim_whitespace(cells)
    had = pc.match_substring_regex(stripped, UTC_OFFSET).to_numpy(zero_copy_only=False)
    if not had.any():
        return cells, had, []
    clock = pc.replace_substring_regex(stripped, UTC_OFFSET, r"\1")
    text = stripped.to_pylist()
    times = clock.to_pylist()
    offsets = list(dict.fromkeys(t[len(c):].strip() for t, c, h in zip(text, times, had) if h))
    return pc.if_else(pa.chunked_array([pa.array(had)]), clock, cells), had, offsets


def _local_clock(column: pd.Series) -> tuple[pd.Series, list[str]]:
    """Time-zone-aware times as the local clock time of their zone, and the zones found."""
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        return column.dt.tz_localize(None), [str(column.dtype.tz)]
    if column.dtype != object or pd.api.types.infer_dtype(column, skipna=True) not in (
            "datetime", "mixed"):
        return column, []
    zones: list[str] = []

    def naive(value):
        if isinstance(value, dt.datetime) and value.tzinfo is not None:
            zone = str(value.tzinfo)
            if zone not in zones:
                zones.append(zone)
            return value.replace(tzinfo=None)
        return value

    out = column.map(naive)
    return out, zones
