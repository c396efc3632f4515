"""Shared helpers to open the text files that devices and e-data systems write.

The text importers of :mod:`glute_study.io` read their input through :func:`read_text` (the raw
accelerometry reader, which streams, decodes only the head of a file this way), which

* refuses empty files and binary files that are not text,
* opens regular files only (a link to one is followed; a device such as ``/dev/zero`` is not),
* decodes by the package's one decoder (:func:`glute_study._read.decode`): a byte-order mark
  (UTF-8, UTF-16) wins, otherwise each line is UTF-8 where it is valid UTF-8 and Windows-1252
  (the encoding Windows exports use) where it is not, records the encoding, and warns when a
  file mixes the two,
* keeps the file's lines so that an error can name the line it is about.

:func:`sniff_delimiter` and :func:`sniff_decimal` guess the field separator and the decimal mark
from a few data lines, and :func:`parse_numbers` turns text fields into floats with either
decimal mark, naming the first line that is not a number. Every problem is raised as a
:class:`FileFormatError`, whose message starts with the file name and the line number.

The module sits below both :mod:`glute_study.io` and the study-table reader
(:mod:`glute_study._read`, which opens table files by :func:`read_regular`, decodes them by
:func:`decode` and finds UTC offsets by :data:`UTC_OFFSET`), so that neither reaches into the
other.
"""

from __future__ import annotations

import codecs
import errno
import os
import re
import stat
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from .errors import GluteStudyError, GluteStudyWarning, StudyReadError

__all__ = [
    "COMMA_NUMBER",
    "DOT_NUMBER",
    "UTC_OFFSET",
    "FileFormatError",
    "TextFile",
    "decode_bytes",
    "decode_text",
    "open_export",
    "parse_numbers",
    "read_text",
    "sniff_decimal",
    "sniff_delimiter",
]

class FileProblem(Exception):
    """A whole file cannot be read; carries the line (if any) and what was expected."""

    def __init__(self, message: str, *, line: int | None = None, expected: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.expected = expected



_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Decoded:
    """Text decoded from bytes by :func:`decode`, and how.

    ``encoding`` is "utf-8", "utf-8-sig" (a UTF-8 mark), "utf-16" (a UTF-16 mark), "utf-16-le"
    or "utf-16-be" (UTF-16 without a mark), or "cp1252" when any line was not UTF-8;
    ``legacy_lines`` are the 1-based lines read as Windows-1252 (Latin-1 for the five bytes
    Windows-1252 leaves undefined), and ``mixed`` says that other lines hold UTF-8 accents.
    """

    text: str
    encoding: str
    legacy_lines: tuple[int, ...] = ()
    mixed: bool = False

    def note(self) -> str:
        """What a reader should warn of ("" when every line was UTF-8 or UTF-16)."""
        if not self.legacy_lines:
            return ""
        odd = self.legacy_lines
        which = (f"line {odd[0]}" if len(odd) == 1 else f"{len(odd)} lines ({line_ranges(odd)})")
        others = "; the other lines are UTF-8: the file mixes two encodings" if self.mixed else ""
        return (f"not UTF-8: {which} read as Windows-1252/Latin-1{others}; check accented text "
                "there, or save the file as UTF-8")


def decode(data: bytes) -> Decoded:
    """Decode the bytes of a text file, line by line where it is not UTF-8 as a whole.

    A byte-order mark wins (UTF-8 or UTF-16); text with a NUL byte in every other position is
    UTF-16 without a mark (as some Windows tools write it); otherwise each line is UTF-8 where
    it is valid UTF-8, else Windows-1252, so that one line pasted from a Latin-1 file does not
    turn every 'Zürich' of the others into 'ZÃ¼rich'. This is the one decoder of the package:
    study tables and device exports are read through it.

    Raises
    ------
    FileProblem
        The bytes are binary (a NUL byte outside UTF-16), or UTF-16 that cannot be decoded (an
        odd number of bytes, a broken surrogate): the message names the line.

    Examples
    --------
    >>> decode(b"\\xef\\xbb\\xbfTime,x\\n")
    Decoded(text='Time,x\\n', encoding='utf-8-sig', legacy_lines=(), mixed=False)
    >>> d = decode("city\\nZürich\\n".encode() + "Zürich\\n".encode("latin-1"))
    >>> d.text, d.encoding, d.legacy_lines, d.mixed
    ('city\\nZürich\\nZürich\\n', 'cp1252', (3,), True)
    >>> decode("Time;x\\n".encode("utf-16-le")).encoding
    'utf-16-le'
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            if encoding == "utf-16":
                return Decoded(_utf16(data, encoding), encoding)
            text, legacy, mixed = _utf8_by_lines(data[len(bom):])
            return Decoded(text, "cp1252" if legacy else encoding, legacy, mixed)
    nul = data.find(b"\x00", 0, 4096)
    if nul >= 0:
        guess = _utf16_without_bom(data[:4096])
        if guess is not None:
            return Decoded(_utf16(data, guess), guess)
        raise FileProblem(f"this is a binary file, not text (a NUL byte at byte {nul + 1})",
                          line=data.count(b"\n", 0, nul) + 1,
                          expected="a text file saved as UTF-8")
    text, legacy, mixed = _utf8_by_lines(data)
    return Decoded(text, "cp1252" if legacy else "utf-8", legacy, mixed)


def _utf16(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        good = data[:err.start - err.start % 2].decode(encoding, errors="replace")
        what = ("it ends in the middle of a character (an odd number of bytes: cut short?)"
                if err.reason == "truncated data" else
                f"bytes {err.start + 1}-{err.end} are not UTF-16 ({err.reason})")
        raise FileProblem(f"the file is marked as UTF-16 text but {what}",
                          line=good.count("\n") + 1,
                          expected="a whole UTF-16 file, or the text saved as UTF-8") from None


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


def _utf8_by_lines(data: bytes) -> tuple[str, tuple[int, ...], bool]:
    """UTF-8 text, the lines read as Windows-1252 instead and whether others hold UTF-8 accents."""
    try:
        return data.decode("utf-8"), (), False
    except UnicodeDecodeError as err:
        first_bad = err.start
    cut = data.rfind(b"\n", 0, first_bad) + 1
    head = data[:cut].decode("utf-8")
    parts, odd = [head.removesuffix("\n")] if cut else [], []
    utf8_accents = not head.isascii()
    first_line = head.count("\n") + 1
    for number, chunk in enumerate(data[cut:].split(b"\n"), start=first_line):
        try:
            text = chunk.decode("utf-8")
            utf8_accents = utf8_accents or not text.isascii()
        except UnicodeDecodeError:
            odd.append(number)
            try:
                text = chunk.decode("cp1252")
            except UnicodeDecodeError:
                text = chunk.decode("latin-1")
        parts.append(text)
    return "\n".join(parts), tuple(odd), utf8_accents



def line_ranges(lines, *, most: int = 30) -> str:
    """Line numbers as short ranges; past ``most`` ranges, how many more there are.

    Examples
    --------
    >>> line_ranges([2, 3, 4, 7, 9, 10])
    '2-4, 7, 9-10'
    >>> line_ranges(range(2, 200, 2), most=3)
    '2, 4, 6 and 96 more'
    """

    line = np.unique(np.asarray(list(lines) if not hasattr(lines, "__len__") else lines,
                                dtype=np.int64))
    if not len(line):
        return ""
    start = np.flatnonzero(np.diff(line, prepend=line[0] - 2) != 1)
    stop = np.append(start[1:], len(line)) - 1
    shown = [f"{line[a]}-{line[b]}" if b > a else f"{line[a]}"
             for a, b in zip(start[:most], stop[:most])]
    more = f" and {len(start) - most} more" if len(start) > most else ""
    return ", ".join(shown) + more



# ---------------------------------------------------------------------------------------------
# Opening: regular files only


def read_regular(path: Path) -> bytes:
    """The bytes of ``path``, refusing anything but a regular file (a link to one is followed).

    Raises
    ------
    FileProblem
        As :func:`open_regular`.
    """
    with open_regular(path) as handle:
        return handle.read()


def open_regular(path: Path):
    """``path`` opened for reading in binary, refusing anything but a regular file.

    A link to a regular file is followed. The file is opened without blocking and checked on
    the open descriptor, so that a pipe, a device or a socket (``/dev/zero``) is never read and
    a pipe without a writer never blocks, even if it replaced the file meanwhile.

    Raises
    ------
    FileProblem
        A broken link, a link loop, a folder, a device, pipe or socket, or no permission.

    Examples
    --------
    >>> open_regular(Path("/dev/null"))
    Traceback (most recent call last):
    ...
    glute_study._text.FileProblem: this is a device, not a file; nothing was read
    """
    path = Path(path)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    try:
        mode = os.stat(path).st_mode  # a socket cannot even be opened: say what it is
        if not stat.S_ISREG(mode):
            raise FileProblem(f"this is {_kind(mode)}, not a file; nothing was read",
                              expected="a regular file (a link to one is followed)")
        fd = os.open(path, flags)
    except FileNotFoundError:
        if path.is_symlink():
            raise FileProblem(f"the link points to {os.readlink(path)}, which does not exist",
                              expected="a link to a table file, or the file itself") from None
        raise FileProblem("the file disappeared while the folder was read",
                          expected="a table file") from None
    except OSError as err:
        if err.errno == errno.ELOOP:
            raise FileProblem("the link loops (it points, in the end, back to itself)",
                              expected="a link to a table file, or the file itself") from None
        raise FileProblem(f"the file cannot be opened ({err.strerror})",
                          expected="a file you may read (check its permissions)") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise FileProblem(f"this is {_kind(mode)}, not a file; nothing was read",
                          expected="a regular file (a link to one is followed)")
    if hasattr(os, "set_blocking"):
        os.set_blocking(fd, True)
    return os.fdopen(fd, "rb")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


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
    mixed : bool
        Whether some lines were read as Windows-1252 while others hold UTF-8 accents (a file
        mixing two encodings; :func:`read_text` warns of it).
    """

    path: Path
    encoding: str
    lines: list[str] = field(repr=False)
    mixed: bool = False

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
    """Decode ``raw`` and return ``(text, encoding)``, by the package's one decoder.

    A byte-order mark wins; text with a NUL byte in every other position is UTF-16 without a
    mark (as some Windows tools write it); otherwise each line is read as UTF-8 where it is
    valid UTF-8 and as Windows-1252 where it is not (the encoding is then "cp1252"), so that a
    line pasted from a Latin-1 file leaves the UTF-8 lines as they are. See
    :func:`decode_text` for the lines read as Windows-1252.

    Raises
    ------
    FileFormatError
        Binary bytes (a NUL byte outside UTF-16), or UTF-16 that cannot be decoded; the
        message names the file and the line.

    Examples
    --------
    >>> decode_bytes(b"\\xef\\xbb\\xbfTime,x\\n")
    ('Time,x\\n', 'utf-8-sig')
    >>> decode_bytes("Größe;1,5\\n".encode("latin-1"))
    ('Größe;1,5\\n', 'cp1252')
    >>> decode_bytes("Time;x\\n".encode("utf-16-le"))
    ('Time;x\\n', 'utf-16-le')
    >>> decode_bytes(b"\\xef\\xbb\\xbfa\\n\\xff", "x.csv")
    ('a\\nÿ', 'cp1252')
    """
    decoded = decode_text(raw, path)
    return decoded.text, decoded.encoding


def decode_text(raw: bytes, path: str | Path = "") -> Decoded:
    """Decode ``raw`` as :func:`decode_bytes` does, and say which lines were not UTF-8.

    Raises
    ------
    FileFormatError
        As :func:`decode_bytes`.

    Examples
    --------
    >>> d = decode_text("city\\nZürich\\n".encode() + "Zürich\\n".encode("latin-1"))
    >>> d.text, d.legacy_lines, d.mixed
    ('city\\nZürich\\nZürich\\n', (3,), True)
    >>> try:
    ...     decode_text(b"\\xff\\xfea\\x00\\n\\x00b", "x.csv")
    ... except FileFormatError as err:
    ...     print(err)
    x.csv, line 2: the file is marked as UTF-16 text but it ends in the middle of a character (an
    odd number of bytes: cut short?); expected a whole UTF-16 file, or the text saved as UTF-8.
    """
    try:
        return decode(raw)
    except FileProblem as err:
        hint = ("; expected a text export. An ActiGraph .agd file (epoch counts) is read by "
                "read_actigraph (import actigraph); a raw Axivity .cwa, ActiGraph .gt3x or "
                "GENEActiv .bin file by read_accel (import accel)." if "binary" in str(err)
                else f"; expected {err.expected}.")
        raise FileFormatError(path, f"{err}{hint}", line=err.line) from None


def open_export(path: str | Path) -> BinaryIO:
    """``path`` opened for reading in binary, if it is a regular file (a link to one is followed).

    A device, pipe or folder is refused before anything is read (``/dev/zero`` would read for
    ever, a pipe without a writer would wait for ever).

    Raises
    ------
    StudyReadError
        No such file, a broken or looping link, not a regular file, or no permission.

    Examples
    --------
    >>> open_export("/dev/zero")
    Traceback (most recent call last):
    ...
    glute_study.errors.StudyReadError: /dev/zero: this is a device, not a file; nothing was read; \
expected a regular file (a link to one is followed).
    """
    if not os.path.lexists(path):
        raise StudyReadError(f"{path}: no such file. Check the path and the file name.")
    try:
        return open_regular(Path(path))
    except FileProblem as err:
        raise StudyReadError(f"{path}: {err}; expected {err.expected}.") from None


#: Line ends: not str.splitlines, which also breaks at form feeds, U+0085 and U+2028 that a cell
#: may hold (a row would be split in two and every later line number shifted).
_LINE_END = re.compile(r"\r\n|\r|\n")


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
    with open_export(path) as handle:
        raw = handle.read()
    decoded = decode_text(raw, path)
    if decoded.mixed:
        warnings.warn(f"{path.name}: {decoded.note()}.", GluteStudyWarning, stacklevel=2)
    lines = _LINE_END.split(decoded.text)
    while lines and not lines[-1].strip():
        lines.pop()
    if not lines:
        raise FileFormatError(path, "the file is empty; expected a device or data export.")
    return TextFile(path=path, encoding=decoded.encoding, lines=lines, mixed=decoded.mixed)


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


#: A number written with a decimal comma (``1,5``) and one with a decimal point (``1.5``, ``.5e3``);
#: the decimal sniffers here and in the activPAL reader tell the two apart by them.
COMMA_NUMBER = re.compile(r"^-?\d+,\d+$")
DOT_NUMBER = re.compile(r"^-?\d*\.\d+(?:[eE][-+]?\d+)?$")


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
    comma = any(COMMA_NUMBER.match(f.strip()) for f in fields)
    dot = any(DOT_NUMBER.match(f.strip()) for f in fields)
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
    finite: bool = False,
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
    finite : bool
        Refuse ``inf``, ``-Infinity`` and numbers beyond a float (``1e999``) as not a number
        (for measurements; a reader that names such a value itself leaves this off).

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
    if series.dtype.kind in "biuf" and not (
            finite and np.isinf(series.to_numpy(dtype=float)).any()):
        return series.to_numpy(dtype=float)
    strings = series.astype("string").str.strip()
    if decimal != ".":
        strings = strings.str.replace(decimal, ".", regex=False)
    numbers = pd.to_numeric(strings, errors="coerce")
    bad = numbers.isna() & strings.notna() & (strings != "")
    if finite:
        bad |= np.isinf(numbers.to_numpy(dtype=float, na_value=np.nan))
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        hint = ""
        if decimal == "." and COMMA_NUMBER.match(str(series.iloc[i]).strip()):
            hint = (" It looks like a decimal comma in a comma-separated file; export with a "
                    "decimal point, or with ';' as the separator.")
        raise text.error(
            f"column {column!r} holds {series.iloc[i]!r}, not a number.{hint}",
            line=first_line + i,
        )
    return numbers.to_numpy(dtype=float)
