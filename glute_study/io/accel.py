"""Raw thigh-worn accelerometry (time, x, y, z in g): the streaming readers.

:func:`read_accel` reads a whole CSV or Parquet file of samples, :func:`iter_accel` yields it in
chunks of bounded size, and :func:`sample_chunks` gives the samples of a file or of a DataFrame as
:class:`Chunk` s of int64 ns times and float64 axes. Reducing them to epochs and posture (and the
daily table) is :mod:`glute_study.io.accel_epochs`, so that a week at 100 Hz (60 M samples) runs
in bounded memory: each chunk is reduced to per-epoch sums at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._text import (
    UTC_OFFSET,
    FileFormatError,
    decode_bytes,
    open_export,
    sniff_decimal,
    sniff_delimiter,
)
from ..errors import InputError, StudyReadError
from .actigraph import actilife_raw_start, is_actilife_header

__all__ = ["NATIVE_FORMATS", "Chunk", "accel_metadata", "file_kind", "iter_accel", "read_accel",
           "sample_chunks"]


_CHUNK_ROWS = 2_000_000


@dataclass
class Chunk:
    """Raw samples of one chunk: int64 ns times and float64 axes, plus where they came from.

    What the streaming readers yield (:func:`sample_chunks`) and the epoch sums of
    :mod:`glute_study.io.accel_epochs` add up, one chunk at a time.
    """

    t: np.ndarray
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    first_line: int | None = None  # 1-based file line of the first row (text files)
    first_row: int = 0  # 0-based row of the first sample in the whole input
    temperature: np.ndarray | None = None  # deg C per sample, where the device records it

    def frame(self) -> pd.DataFrame:
        cols = {"time_ns": self.t, "x": self.x, "y": self.y, "z": self.z}
        if self.temperature is not None:
            cols["temperature"] = self.temperature
        return pd.DataFrame(cols)


#: Column names read as time, x, y, z, compared without case, spaces or punctuation
#: (``acc_x``, ``Accelerometer X``, ``x (g)`` and ``X`` are all x).
_ALIASES = {
    "time": ("time", "timestamp", "datetime", "time_s", "unix_time", "unixtime"),
    "x": ("x", "acc_x", "accel_x", "acceleration_x", "accelerometer_x", "ax", "x_g", "x_axis"),
    "y": ("y", "acc_y", "accel_y", "acceleration_y", "accelerometer_y", "ay", "y_g", "y_axis"),
    "z": ("z", "acc_z", "accel_z", "acceleration_z", "accelerometer_z", "az", "z_g", "z_axis"),
}


def _squash(name: object) -> str:
    return "".join(ch for ch in str(name).lower() if ch.isalnum())


def _find_columns(names: Iterable[str], path: str | Path, *,
                  need_time: bool = True) -> dict[str, str | None]:
    """The columns holding time, x, y and z, by name or alias (:data:`_ALIASES`).

    Examples
    --------
    >>> _find_columns(["Timestamp", "Accelerometer X", "Accelerometer Y", "Accelerometer Z"], "")
    {'time': 'Timestamp', 'x': 'Accelerometer X', 'y': 'Accelerometer Y', 'z': 'Accelerometer Z'}
    """
    names = [str(n) for n in names]
    squashed: dict[str, str] = {}
    for n in names:
        squashed.setdefault(_squash(n.strip()), n)
    found = {}
    for want, options in _ALIASES.items():
        hit = next((squashed[_squash(o)] for o in options if _squash(o) in squashed), None)
        if hit is None and want == "time" and not need_time:
            found[want] = None
            continue
        if hit is None:
            raise FileFormatError(
                path,
                f"no {want!r} column; expected columns time, x, y, z (acceleration in g), "
                f"also read under the names {', '.join(options[1:])}; found: "
                f"{', '.join(names) or 'no columns'}. Rename the column, or export the file "
                "with a time column and the three axes.",
                line=1 if str(path).lower().endswith((".csv", ".txt", ".gz")) else None,
            )
        found[want] = hit
    return found


def _time_ns(values: pd.Series | np.ndarray) -> np.ndarray:
    """Times as int64 nanoseconds on the local clock: numbers are seconds since 1970 (to the
    microsecond).

    A time written with a UTC offset keeps its clock time and drops the offset, as does a
    time-zone-aware column: days are cut at the wearer's local midnight, also across a change
    to or from summer time (the clock then jumps; going back an hour is refused as time going
    backwards).
    """
    s = pd.Series(values, copy=False)
    if isinstance(s.dtype, pd.DatetimeTZDtype):
        s = s.dt.tz_localize(None)
    if s.dtype.kind == "M":
        return s.to_numpy("datetime64[ns]").astype(np.int64)
    if s.dtype.kind in "iuf":
        # whole microseconds: a float64 of unix seconds (about 1.7e9) holds no finer digits,
        # so 1709546400.010 is 10 ms, not 9.999872 ms
        return np.round(s.to_numpy(dtype=float) * 1e6).astype(np.int64) * 1000
    text = s.astype("string").str.strip().str.replace(UTC_OFFSET, r"\1", regex=True)
    parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    if parsed.isna().any():
        raise ValueError(int(np.flatnonzero(parsed.isna().to_numpy())[0]))
    if parsed.dt.tz is not None:
        parsed = parsed.dt.tz_localize(None)
    return parsed.to_numpy("datetime64[ns]").astype(np.int64)


def iter_accel(path: str | Path, *, chunk_rows: int = _CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """Yield a raw accelerometry file in chunks of ``time_ns`` (int64), ``x``, ``y``, ``z``.

    Parameters
    ----------
    path : str or Path
        A Parquet file (``.parquet``/``.pq``) or a delimited text file (``.csv``, ``.txt``,
        optionally ``.gz``) with columns time, x, y, z. ``time`` holds datetimes (device local
        clock) or numbers (seconds since 1970-01-01); x, y, z are in g.
    chunk_rows : int
        Rows per chunk.

    Yields
    ------
    DataFrame
        ``time_ns``, ``x``, ``y``, ``z``, with ``.attrs["first_line"]`` (the 1-based file line of
        the chunk's first row, for text files).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "thigh.csv"
    >>> _ = p.write_text("time,x,y,z\\n0,1,0,0\\n0.01,0.99,0.01,0\\n0.02,1,0,0.02\\n")
    >>> [len(c) for c in iter_accel(p, chunk_rows=2)]
    [2, 1]
    """
    for chunk in _iter_file(path, chunk_rows):
        frame = chunk.frame()
        frame.attrs.update(first_line=chunk.first_line, first_row=chunk.first_row)
        yield frame


def _iter_file(path: str | Path, chunk_rows: int = _CHUNK_ROWS) -> Iterator[Chunk]:
    path = Path(path)
    if not path.is_file():
        raise StudyReadError(f"{path}: no such file. Check the path and the file name.")
    kind = file_kind(path)
    if kind in NATIVE_FORMATS:
        yield from _native_module(kind).iter_samples(path)
    elif kind == "parquet":
        yield from _iter_parquet(path, chunk_rows)
    else:
        yield from _iter_csv(path, chunk_rows)


#: The native device formats read by content, whatever the file is called, and their modules.
NATIVE_FORMATS = {"cwa": "cwa", "gt3x": "gt3x", "geneactiv": "geneactiv"}
_KNOWN = ("Axivity .cwa, ActiGraph .gt3x, GENEActiv .bin, Parquet, or a CSV/text export of "
          "time, x, y, z")


def _native_module(kind: str):
    import importlib

    return importlib.import_module(f"{__package__}.{NATIVE_FORMATS[kind]}")


def file_kind(path: str | Path) -> str:
    """What a raw accelerometry file holds, told from its first bytes, not its name.

    One of ``"cwa"`` (starts ``MD`` and a 1020-byte header length), ``"gt3x"`` (a zip holding
    ``info.txt`` and ``log.bin`` or ``activity.bin``), ``"geneactiv"`` (text starting ``Device
    Identity``), ``"parquet"`` (``PAR1``) or ``"text"`` (anything else that is not binary: a
    CSV, maybe gzipped).

    Raises
    ------
    FileFormatError
        For an ActiGraph ``.agd`` (epoch counts: the ActiGraph reader's file), a zip that is no
        ``.gt3x``, and any other binary file (naming the formats this reader knows).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "week.dat"
    >>> _ = p.write_bytes(b"MD\\xfc\\x03" + bytes(1020))
    >>> file_kind(p)
    'cwa'
    >>> _ = p.write_bytes(bytes(range(256)))
    >>> file_kind(p)
    Traceback (most recent call last):
    ...
    glute_study._text.FileFormatError: ...week.dat: a binary file of no format this reader knows ...
    """
    path = Path(path)
    with open_export(path) as fh:
        head = fh.read(512)
    if head[:2] == b"MD" and head[2:4] == b"\xfc\x03":
        return "cwa"
    if head[:4] == b"PAR1":
        return "parquet"
    if head[:4] == b"PK\x03\x04":
        import zipfile

        try:
            with zipfile.ZipFile(path) as zf:
                names = {n.lower() for n in zf.namelist()}
        except zipfile.BadZipFile:
            names = set()
        if "info.txt" in names and names & {"log.bin", "activity.bin"}:
            return "gt3x"
        raise FileFormatError(path, "a zip archive but not an ActiGraph .gt3x (that holds "
                              f"info.txt and log.bin); this reader reads {_KNOWN}.")
    if head.lstrip(b"\xef\xbb\xbf").startswith(b"Device Identity"):
        return "geneactiv"
    if head.startswith(b"SQLite format 3\x00"):
        raise FileFormatError(path, "an SQLite database such as an ActiGraph .agd file of epoch "
                              "counts, not raw samples: import it as ActiGraph data "
                              "(glute-study import actigraph, or read_actigraph).")
    if head[:2] == b"\x1f\x8b" or b"\x00" not in head:
        return "text"
    try:  # UTF-16 text holds NUL bytes too
        decode_bytes(head[: len(head) // 2 * 2], path)
        return "text"
    except FileFormatError:
        pass
    raise FileFormatError(path, f"a binary file of no format this reader knows (it reads "
                          f"{_KNOWN}).")


def accel_metadata(path: str | Path) -> dict:
    """What a raw accelerometry file says about its recording (native files: their header).

    Returns
    -------
    dict
        Always ``format``; for native files also ``serial``, ``sample_rate_hz``,
        ``wear_site`` (the body location recorded in the file, or None), ``start``, ``end``,
        ``utc_offset`` and the format's own fields (see :func:`~glute_study.io.cwa.cwa_metadata`,
        :func:`~glute_study.io.gt3x.gt3x_metadata`,
        :func:`~glute_study.io.geneactiv.geneactiv_metadata`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "thigh.csv"
    >>> _ = p.write_text("time,x,y,z\\n0,1,0,0\\n")
    >>> accel_metadata(p)
    {'format': 'text', 'wear_site': None}
    """
    path = Path(path)
    if not path.is_file():
        raise StudyReadError(f"{path}: no such file. Check the path and the file name.")
    kind = file_kind(path)
    if kind in NATIVE_FORMATS:
        return _native_module(kind).metadata(path)
    return {"format": kind, "wear_site": None}


def _iter_parquet(path: Path, chunk_rows: int) -> Iterator[Chunk]:
    import pyarrow.parquet as pq

    try:
        # pre-buffering would hold the whole file; a 1 MB read buffer is reused instead of
        # reading each column chunk into fresh memory (about 5 % less CPU, measured)
        pf = pq.ParquetFile(path, pre_buffer=False, buffer_size=1 << 20)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise FileFormatError(path, f"cannot be read as Parquet ({exc}).") from None
    cols = _find_columns(pf.schema_arrow.names, path)
    names = list(cols.values())
    row = 0
    # A row group no longer than a chunk is read whole: one decode straight into one Arrow
    # buffer per column, which NumPy then views without a copy. Longer row groups are read in
    # batches of chunk_rows, so memory stays bounded whatever the writer chose. Decoding runs
    # on this thread: pyarrow's column threads cost more CPU than they save on 4 columns.
    for i in range(pf.metadata.num_row_groups):
        if pf.metadata.row_group(i).num_rows <= chunk_rows:
            batches = pf.read_row_group(i, columns=names, use_threads=False).to_batches()
        else:
            batches = pf.iter_batches(
                batch_size=chunk_rows, row_groups=[i], columns=names, use_threads=False
            )
        for batch in batches:
            if batch.num_rows:
                yield _parquet_chunk(batch, cols, path, row)
                row += batch.num_rows


def _parquet_chunk(batch: object, cols: dict[str, str], path: Path, row: int) -> Chunk:
    import pyarrow as pa

    tcol = batch.column(cols["time"])  # type: ignore[attr-defined]
    try:
        if (pa.types.is_timestamp(tcol.type) and tcol.type.unit == "ns" and tcol.type.tz is None
                and not tcol.null_count):
            tns = tcol.to_numpy().view(np.int64)  # a zone's column stores UTC: not this path
        else:
            tns = _time_ns(tcol.to_pandas())
    except ValueError as exc:
        raise FileFormatError(path, f"row {row + exc.args[0] + 1}: unreadable time.") from None
    xyz = [
        batch.column(cols[a])  # type: ignore[attr-defined]
        .to_numpy(zero_copy_only=False)
        .astype(np.float64, copy=False)
        for a in "xyz"
    ]
    return Chunk(tns, *xyz, first_line=None, first_row=row)


@dataclass
class _CsvLayout:
    """What the first lines of a delimited file say about how to read it."""

    sep: str
    decimal: str
    encoding: str
    header: list[str]
    cols: dict[str, str]
    numeric_time: bool
    skip: int = 1  # lines before the first sample: 1 (the column names) or 0 (headerless)
    clock: tuple[int, float] | None = None  # (first sample in ns, rate in Hz): no time column


def _csv_layout(path: Path) -> _CsvLayout:
    with open_export(path) as fh:
        if path.suffix.lower() == ".gz":
            import gzip

            with gzip.open(fh, "rb") as unpacked:
                head = unpacked.read(65536)
        else:
            head = fh.read(65536)
    if not head.strip():
        raise FileFormatError(path, "the file is empty; expected columns time, x, y, z.")
    text, encoding = decode_bytes(head, path)
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if len(lines) > 2 and not text.endswith("\n"):
        lines = lines[:-1]
    if is_actilife_header(lines[0]):
        return _actilife_layout(path, text, encoding)
    try:
        sep = sniff_delimiter(lines[:2])
    except ValueError:
        raise FileFormatError(
            path, "cannot tell the field delimiter (tried , ; and tab).", line=1
        ) from None
    decimal = "."
    if sep != ",":
        try:
            decimal = sniff_decimal([f for ln in lines[1:] for f in ln.split(sep)])
        except ValueError as exc:
            raise FileFormatError(path, f"{exc}.", line=2) from None
    header = [h.strip().strip('"') for h in lines[0].split(sep)]
    skip = 1
    if _is_sample_row(header, decimal):  # headerless time,x,y,z (OmGui's CSV export)
        header = ["time", "x", "y", "z", *(f"column_{i + 5}" for i in range(len(header) - 4))]
        skip = 0
    cols = _find_columns(header, path)
    numeric_time = False
    if len(lines) > skip:
        fields = lines[skip].split(sep)
        first = fields[header.index(cols["time"])] if len(fields) == len(header) else ""
        numeric_time = _number(first, decimal)
    return _CsvLayout(sep, decimal, encoding, header, cols, numeric_time, skip)


def _actilife_layout(path: Path, text: str, encoding: str) -> _CsvLayout:
    """An ActiLife RAW CSV: the 10-line header, a column-name row (``Accelerometer X, ...``,
    maybe ``Timestamp`` first), then one sample per row. The samples are timed from the header's
    start and rate (the Timestamp column, when there, is written in the header's date format,
    which the header already settles)."""
    lines = text.splitlines()
    start, rate, _ = actilife_raw_start(path, lines[:10])
    probe = lines[10] if len(lines) > 10 else ""
    if not probe.strip():
        raise FileFormatError(path, "the ActiLife header is complete but there are no samples.",
                              line=10)
    sep = ";" if probe.count(";") > probe.count(",") else ","
    decimal = "."
    if sep == ";":
        try:
            decimal = sniff_decimal([f for ln in lines[11:60] for f in ln.split(sep)])
        except ValueError as exc:
            raise FileFormatError(path, f"{exc}.", line=12) from None
    fields = [f.strip().strip('"') for f in probe.split(sep)]
    named = any(ch.isalpha() for ch in probe)
    if named:
        header, skip = fields, 11
    else:  # no column names: x, y, z in ActiLife's order
        header = ["x", "y", "z", *(f"column_{i + 4}" for i in range(len(fields) - 3))]
        skip = 10
    cols = _find_columns(header, path, need_time=False)
    cols["time"] = None
    return _CsvLayout(sep, decimal, encoding, header, cols, True, skip,
                      clock=(start.value, rate))


def _number(field: str, decimal: str) -> bool:
    try:
        float(field.strip().strip('"').replace(decimal, "."))
    except ValueError:
        return False
    return True


def _is_sample_row(fields: list[str], decimal: str) -> bool:
    """Whether a first line is already a sample: a time (unix seconds or ``YYYY-MM-DD hh:mm:ss``)
    and at least three numbers, as OmGui writes its CSV export without a header."""
    if len(fields) < 4 or not all(_number(f, decimal) for f in fields[1:4]):
        return False
    first = fields[0].strip()
    return _number(first, decimal) or bool(
        re.fullmatch(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d(:\d\d(\.\d*)?)?", first))


class _NotForArrow(Exception):
    """The fast reader met something it does not handle; the pandas reader takes over."""


def _iter_csv(path: Path, chunk_rows: int) -> Iterator[Chunk]:
    """Delimited text in chunks: pyarrow's streaming reader, pandas where it cannot go on.

    pyarrow parses about 5 times faster than pandas (``benchmarks/import_speed.py``), but its
    errors name neither the line nor the field the way a user needs. So any row it refuses or
    reads as missing (a short line, a stray word, an empty field, a time with a zone offset,
    a legacy encoding) hands the file to the pandas reader, which goes on from the first row not
    yet passed on and reports the problem with its line, or reads what pyarrow could not.
    """
    layout = _csv_layout(path)
    done = 0
    if layout.encoding in ("utf-8", "utf-8-sig"):  # a BOM sits in the header, which is skipped
        try:
            for chunk in _iter_csv_arrow(path, layout, chunk_rows):
                yield chunk
                done += chunk.t.size
            return
        except _NotForArrow:
            pass
    yield from _iter_csv_pandas(path, layout, chunk_rows, skip=done)


def _iter_csv_arrow(path: Path, layout: _CsvLayout, chunk_rows: int) -> Iterator[Chunk]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    cols = layout.cols
    names = [cols[c] for c in ("time", "x", "y", "z") if cols[c] is not None]
    if len(set(layout.header)) != len(layout.header):
        raise _NotForArrow
    types = {cols[a]: pa.float64() for a in "xyz"}
    if cols["time"] is not None:
        types[cols["time"]] = pa.float64() if layout.numeric_time else pa.timestamp("ns")
    # 1 MB blocks, read on this thread (the files of a folder are already read in parallel
    # processes). The reader keeps a few dozen blocks in flight, so larger blocks cost memory
    # (about 300 MB at 32 MB blocks, measured) and saved no CPU that we could measure.
    block = 1 << 20
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                use_threads=False, block_size=block, column_names=layout.header,
                skip_rows=layout.skip,
            ),
            parse_options=pacsv.ParseOptions(delimiter=layout.sep),
            convert_options=pacsv.ConvertOptions(
                include_columns=names, column_types=types, decimal_point=layout.decimal
            ),
        )
    except (pa.ArrowException, ValueError):
        raise _NotForArrow from None
    row = 0
    pending: list[list[np.ndarray]] = []
    held = 0
    with reader:
        while True:
            try:
                batch = reader.read_next_batch()
            except StopIteration:
                break
            except (pa.ArrowException, ValueError):
                raise _NotForArrow from None
            if any(batch.column(i).null_count for i in range(len(names))):
                raise _NotForArrow
            axes = [batch.column(cols[a]).to_numpy() for a in "xyz"]
            if cols["time"] is None:
                t = _clock_ns(layout.clock, row + held, batch.num_rows)
            else:
                t = _time_ns(batch.column(cols["time"]).to_numpy())
            pending.append([t, *axes])
            held += batch.num_rows
            while held >= chunk_rows:
                chunk, pending = _take(pending, chunk_rows)
                held -= chunk_rows
                yield Chunk(*chunk, first_line=row + 1 + layout.skip, first_row=row)
                row += chunk_rows
    if held:
        chunk, _ = _take(pending, held)
        yield Chunk(*chunk, first_line=row + 1 + layout.skip, first_row=row)


def _take(
    pending: list[list[np.ndarray]], n: int
) -> tuple[list[np.ndarray], list[list[np.ndarray]]]:
    """The first ``n`` rows of the pending column pieces, and what is left of them."""
    out: list[list[np.ndarray]] = []
    got = 0
    while got < n:
        piece = pending[0]
        k = min(n - got, piece[0].size)
        out.append([a[:k] for a in piece])
        if k == piece[0].size:
            pending = pending[1:]
        else:
            pending = [[a[k:] for a in piece], *pending[1:]]
        got += k
    cols = [a[0] if len(out) == 1 else np.concatenate(a) for a in zip(*out)]
    return cols, pending


def _iter_csv_pandas(path: Path, layout: _CsvLayout, chunk_rows: int, *, skip: int = 0
                     ) -> Iterator[Chunk]:
    """The pandas reader; the first ``skip`` rows (already passed on) are read and dropped."""
    cols = layout.cols
    reader = pd.read_csv(
        path,
        sep=layout.sep,
        decimal=layout.decimal,
        usecols=[c for c in cols.values() if c is not None],
        **({} if layout.skip == 1 else {"header": None, "names": layout.header,
                                        "skiprows": layout.skip}),
        chunksize=chunk_rows,
        encoding="utf-8-sig" if layout.encoding.startswith("utf-8") else layout.encoding,
        engine="c",
    )
    line = 1 + layout.skip
    with reader:
        try:
            for chunk in reader:
                if skip >= len(chunk):
                    skip -= len(chunk)
                    line += len(chunk)
                    continue
                if skip:
                    chunk, line, skip = chunk.iloc[skip:], line + skip, 0
                yield _csv_chunk(chunk, cols, path, line, head=layout.skip,
                                 clock=layout.clock)
                line += len(chunk)
        except pd.errors.ParserError as exc:
            raise FileFormatError(
                path, f"cannot be read as a table ({str(exc).strip()[:120]})."
            ) from None


def _clock_ns(clock: tuple[int, float] | None, row: int, n: int) -> np.ndarray:
    """Times of ``n`` samples from 0-based ``row`` on, from (first sample in ns, rate in Hz)."""
    start, rate = clock if clock is not None else (0, 1.0)
    return start + np.round((row + np.arange(n)) * (1e9 / rate)).astype(np.int64)


def _csv_chunk(chunk: pd.DataFrame, cols: dict[str, str | None], path: Path, line: int, *,
               head: int = 1, clock: tuple[int, float] | None = None) -> Chunk:
    try:
        if cols["time"] is None:
            tns = _clock_ns(clock, line - 1 - head, len(chunk))
        else:
            tns = _time_ns(chunk[cols["time"]])
    except ValueError as exc:
        i = exc.args[0] if exc.args and isinstance(exc.args[0], int) else 0
        bad = chunk[cols["time"]].iloc[i]
        raise FileFormatError(
            path, f"time {bad!r} is not a date-time or a number.", line=line + i
        ) from None
    out = {}
    for axis in "xyz":
        column = chunk[cols[axis]]
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
        if np.isnan(values).any():
            i = int(np.flatnonzero(np.isnan(values))[0])
            raw = column.iloc[i]
            what = f"no {axis} value" if pd.isna(raw) else f"{axis} is {raw!r}, not a number"
            where = "truncated file?" if i == len(values) - 1 else "bad field"
            raise FileFormatError(path, f"{what} ({where}).", line=line + i)
        out[axis] = values
    return Chunk(tns, out["x"], out["y"], out["z"], first_line=line, first_row=line - 1 - head)


def read_accel(path: str | Path) -> pd.DataFrame:
    """Read a whole raw accelerometry file into ``time`` (datetime64), ``x``, ``y``, ``z``.

    The file's kind is told from its content (:func:`file_kind`): a CSV or Parquet table, or a
    native Axivity ``.cwa``, ActiGraph ``.gt3x`` or GENEActiv ``.bin`` file, which add a
    ``temperature`` column (deg C) where the device records one. ``.attrs`` holds the file's
    metadata (:func:`accel_metadata`). For long recordings prefer :func:`accel_daily` /
    :func:`thigh_posture` with the path, which read in chunks.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "thigh.csv"
    >>> _ = p.write_text("time;x;y;z\\n2024-01-01 10:00:00;0,98;0,1;0\\n"
    ...                  "2024-01-01 10:00:00.01;0,97;0,1;0\\n")
    >>> read_accel(p)
                         time     x    y    z
    0 2024-01-01 10:00:00.000  0.98  0.1  0.0
    1 2024-01-01 10:00:00.010  0.97  0.1  0.0
    """
    chunks = list(_iter_file(path))
    if not chunks:
        raise FileFormatError(path, "the file holds no samples.")
    cols = {
        "time": np.concatenate([c.t for c in chunks]).astype("datetime64[ns]"),
        "x": np.concatenate([c.x for c in chunks]).astype(np.float64, copy=False),
        "y": np.concatenate([c.y for c in chunks]).astype(np.float64, copy=False),
        "z": np.concatenate([c.z for c in chunks]).astype(np.float64, copy=False),
    }
    if all(c.temperature is not None for c in chunks):
        cols["temperature"] = np.concatenate([c.temperature for c in chunks])
    out = pd.DataFrame(cols)
    out.attrs.update(accel_metadata(path))
    return out


def sample_chunks(samples: object) -> tuple[Iterable[Chunk], str]:
    """The samples of a file (read in chunks) or of a DataFrame (cut into chunks), and the path.

    Examples
    --------
    >>> t = pd.date_range("2024-01-01", periods=3, freq="s")
    >>> chunks, path = sample_chunks(pd.DataFrame({"time": t, "x": 1.0, "y": 0.0, "z": 0.0}))
    >>> [len(c.t) for c in chunks], path
    ([3], '')
    """
    if isinstance(samples, (str, Path)):
        return _iter_file(samples), str(samples)
    if isinstance(samples, pd.DataFrame):
        cols = _find_columns(samples.columns, "")
        try:
            tns = _time_ns(samples[cols["time"]])
        except ValueError as exc:
            raise InputError(f"row {exc.args[0]}: the time is not a date-time or number.") \
                from None
        axes = [samples[cols[a]].to_numpy(dtype=np.float64) for a in "xyz"]
        temp = (samples["temperature"].to_numpy(dtype=np.float64)
                if "temperature" in samples.columns else None)
        return _slices(tns, axes, temp), ""
    raise InputError(
        f"samples must be a DataFrame (time, x, y, z) or a file path; got {type(samples).__name__}."
    )


def _slices(t: np.ndarray, axes: list[np.ndarray], temp: np.ndarray | None = None
            ) -> Iterator[Chunk]:
    for a in range(0, t.size, _CHUNK_ROWS):
        b = a + _CHUNK_ROWS
        yield Chunk(t[a:b], axes[0][a:b], axes[1][a:b], axes[2][a:b], first_row=a,
                    temperature=None if temp is None else temp[a:b])
