"""Shared helpers to open the text files that devices and e-data systems write.

Every importer in :mod:`glute_study.io` reads its input through :func:`read_text`, which

* refuses empty files and binary files that are not text,
* detects a byte-order mark (UTF-8, UTF-16) and otherwise tries UTF-8, then Windows-1252 /
  latin-1 (the encodings Windows exports use), and records which one it used,
* keeps the file's lines so that an error can name the line it is about.

:func:`sniff_delimiter` and :func:`sniff_decimal` guess the field separator and the decimal mark
from a few data lines, and :func:`parse_numbers` turns text fields into floats with either
decimal mark, naming the first line that is not a number. Every problem is raised as a
:class:`FileFormatError`, whose message starts with the file name and the line number.

The module sits below both :mod:`glute_study.io` and the study-table reader
(:mod:`glute_study._read`, which decodes table files by :func:`decode_bytes` and finds UTC offsets
by :data:`UTC_OFFSET`), so that neither reaches into the other.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import GluteStudyError, StudyReadError

__all__ = [
    "FileFormatError",
    "TextFile",
    "decode_bytes",
    "parse_numbers",
    "read_text",
    "sniff_decimal",
    "sniff_delimiter",
]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


class FileFormatError(GluteStudyError, ValueError):
    """A file is not in the format its reader expects.

    The message names the file and, where one line is at fault, the line number (1-based, as a
    text editor counts them), then says what was found and what was expected.

    Parameters
    ----------
    path : str or Path
        The file being read.
    message : str
        What is wrong and how to fix it.
    line : int, optional
        The 1-based line number at fault.

    Examples
    --------
    >>> err = FileFormatError("week1.csv", "expected 9 fields, found 4 (truncated file?)", line=12)
    >>> print(err)
    week1.csv, line 12: expected 9 fields, found 4 (truncated file?)
    >>> err.line
    12
    """

    def __init__(self, path: str | Path, message: str, *, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        where = Path(self.path).name if self.path else "<input>"
        if line is not None:
            where = f"{where}, line {line}"
        super().__init__(f"{where}: {message}")

    def __reduce__(self):
        # rebuild from the original parts, so the error survives a trip between processes
        return (_rebuild_error, (type(self), self.path, self.message, self.line))


def _rebuild_error(cls, path, message, line):
    return cls(path, message, line=line)


@dataclass(frozen=True)
class TextFile:
    """A decoded text file: its path, encoding and lines (without line endings).

    Attributes
    ----------
    path : Path
        Where the text came from.
    encoding : str
        The encoding used to decode it ("utf-8", "utf-8-sig", "utf-16", "utf-16-le",
        "utf-16-be" or "cp1252").
    lines : list of str
        The lines, without line endings; ``lines[i]`` is line ``i + 1`` of the file.
    """

    path: Path
    encoding: str
    lines: list[str] = field(repr=False)

    def error(self, message: str, *, line: int | None = None) -> FileFormatError:
        """Return (not raise) a :class:`FileFormatError` about this file."""
        return FileFormatError(self.path, message, line=line)

    def text_from(self, line: int) -> str:
        """Return the file's text from 1-based ``line`` to the end, joined with newlines."""
        return "\n".join(self.lines[line - 1 :])


#: A UTC offset (or Z) after a clock time; ``re.sub(UTC_OFFSET, r"\1", text)`` keeps the clock
#: time: "2024-03-31T01:59:59+01:00" -> "2024-03-31T01:59:59". A date alone is left as it is.
UTC_OFFSET = r"^(.*\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?)\s*(?:Z|[+-]\d{2}(?::?\d{2})?)$"


def decode_bytes(raw: bytes, path: str | Path = "") -> tuple[str, str]:
    """Decode ``raw`` and return ``(text, encoding)``.

    A byte-order mark wins; text with a NUL byte in every other position is UTF-16 without a
    mark (as some Windows tools write it); otherwise UTF-8 is tried and, when that fails,
    Windows-1252 (a superset of latin-1 for printable characters). Other bytes with NULs are
    binary and raise :class:`FileFormatError`.

    Examples
    --------
    >>> decode_bytes(b"\\xef\\xbb\\xbfTime,x\\n")
    ('Time,x\\n', 'utf-8-sig')
    >>> decode_bytes("Größe;1,5\\n".encode("latin-1"))
    ('Größe;1,5\\n', 'cp1252')
    >>> decode_bytes("Time;x\\n".encode("utf-16-le"))
    ('Time;x\\n', 'utf-16-le')
    """
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return raw.decode(encoding), encoding
    head = raw[:4096]
    if b"\x00" in head:
        guess = _utf16_without_bom(head)
        if guess is not None:
            try:
                return raw.decode(guess), guess
            except UnicodeDecodeError:
                pass
        raise FileFormatError(
            path,
            "this is a binary file, not a text export (a NUL byte was found). If it is an "
            "ActiGraph .agd or .gt3x file, read it with read_actigraph.",
        )
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when NULs fill one byte position of (nearly) every pair."""
    even, odd = head[0::2], head[1::2]
    if len(odd) < 4:
        return None
    nul_even, nul_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if nul_odd > 0.9 and nul_even < 0.1:
        return "utf-16-le"
    if nul_even > 0.9 and nul_odd < 0.1:
        return "utf-16-be"
    return None


def read_text(path: str | Path) -> TextFile:
    """Read a text export, detecting its encoding, and refuse an empty file.

    Parameters
    ----------
    path : str or Path
        The file to read.

    Returns
    -------
    TextFile
        The path, the encoding used and the lines. Trailing blank lines are dropped.

    Raises
    ------
    StudyReadError
        The file does not exist or cannot be opened.
    FileFormatError
        The file is empty (or only blank lines) or binary.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_bytes("\\ufeffTime;Wert\\r\\n1;2,5\\r\\n".encode("utf-8"))
    >>> t = read_text(p)
    >>> t.encoding, t.lines
    ('utf-8-sig', ['Time;Wert', '1;2,5'])
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise StudyReadError(f"{path}: no such file. Check the path and the file name.") from None
    except IsADirectoryError:
        raise StudyReadError(f"{path}: is a folder, not a file.") from None
    except OSError as exc:
        raise StudyReadError(f"{path}: cannot be read ({exc.strerror}).") from None
    text, encoding = decode_bytes(raw, path)
    lines = text.splitlines()
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise FileFormatError(path, "the file is empty; expected a device or data export.")
    return TextFile(path=path, encoding=encoding, lines=lines)


def sniff_delimiter(lines: Sequence[str], candidates: str = ",;\t") -> str:
    """Return the candidate delimiter that splits ``lines`` into the most, equal, fields.

    A delimiter counts only if it appears the same number of times (at least once) on every
    line given; among those, the one giving the most fields wins. Quoted text is ignored.

    Raises
    ------
    ValueError
        No candidate splits the lines consistently (callers turn this into a FileFormatError).

    Examples
    --------
    >>> sniff_delimiter(["a;b;c", "1,5;2;3"])
    ';'
    >>> sniff_delimiter(['"Time","x"', "1.0,2"])
    ','
    """
    unquoted = [re.sub(r'"[^"]*"', "", line) for line in lines if line.strip()]
    best, best_n = None, 0
    for cand in candidates:
        counts = {line.count(cand) for line in unquoted}
        if len(counts) == 1 and (n := counts.pop()) > best_n:
            best, best_n = cand, n
    if best is None:
        raise ValueError(f"no delimiter among {candidates!r} splits the lines consistently")
    return best


_COMMA_NUMBER = re.compile(r"^-?\d+,\d+$")
_DOT_NUMBER = re.compile(r"^-?\d*\.\d+(?:[eE][-+]?\d+)?$")


def sniff_decimal(fields: Sequence[str]) -> str:
    """Return ``","`` when text number fields use a decimal comma, else ``"."``.

    Only meaningful when the field delimiter is not a comma. A file that mixes both marks is
    ambiguous and raises ``ValueError``.

    Examples
    --------
    >>> sniff_decimal(["1,5", "12", "0,25"])
    ','
    >>> sniff_decimal(["1.5", "12"])
    '.'
    """
    comma = any(_COMMA_NUMBER.match(f.strip()) for f in fields)
    dot = any(_DOT_NUMBER.match(f.strip()) for f in fields)
    if comma and dot:
        raise ValueError("numbers are written with both a decimal comma and a decimal point")
    return "," if comma else "."


def parse_numbers(
    values: Sequence[object] | pd.Series,
    *,
    text: TextFile,
    column: str,
    first_line: int,
    decimal: str = ".",
) -> np.ndarray:
    """Convert one column of text fields to floats, naming the first line that is not a number.

    Parameters
    ----------
    values : sequence or Series
        The fields, one per data row (strings or numbers; empty fields become NaN).
    text : TextFile
        The file they came from (for the error message).
    column : str
        The column name (for the error message).
    first_line : int
        The 1-based file line of ``values[0]``; rows are assumed to be on consecutive lines.
    decimal : {".", ","}
        The decimal mark.

    Returns
    -------
    numpy.ndarray of float64

    Examples
    --------
    >>> t = TextFile(path=Path("d.csv"), encoding="utf-8", lines=["x", "1,5", "2"])
    >>> parse_numbers(["1,5", "2"], text=t, column="x", first_line=2, decimal=",")
    array([1.5, 2. ])
    >>> parse_numbers(["1,5", "two"], text=t, column="x", first_line=2, decimal=",")
    Traceback (most recent call last):
    ...
    glute_study._text.FileFormatError: d.csv, line 3: column 'x' holds 'two', not a number.
    """
    series = pd.Series(values, copy=False)
    if series.dtype.kind in "biuf":
        return series.to_numpy(dtype=float)
    strings = series.astype("string").str.strip()
    if decimal != ".":
        strings = strings.str.replace(decimal, ".", regex=False)
    numbers = pd.to_numeric(strings, errors="coerce")
    bad = numbers.isna() & strings.notna() & (strings != "")
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        hint = ""
        if decimal == "." and _COMMA_NUMBER.match(str(series.iloc[i]).strip()):
            hint = (" It looks like a decimal comma in a comma-separated file; export with a "
                    "decimal point, or with ';' as the separator.")
        raise text.error(
            f"column {column!r} holds {series.iloc[i]!r}, not a number.{hint}",
            line=first_line + i,
        )
    return numbers.to_numpy(dtype=float)
