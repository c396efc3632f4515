"""Raw thigh-worn accelerometry (time, x, y, z in g): posture from thigh inclination, in chunks.

A sensor on the front of the thigh sees gravity along the thigh's long axis when the person
stands (the long axis is near vertical) and across it when they sit or lie (the thigh is near
horizontal). Per epoch (1 s by default) the mean acceleration vector gives the inclination of the
long axis from vertical; above ``sitting_angle_deg`` (45 degrees) the epoch is sitting/lying,
otherwise upright. A change of posture is accepted only when the new posture lasts at least
``min_bout_s`` (10 s); shorter changes keep the previous posture. Non-wear is a run of at least
``nonwear_min`` (90) minutes in which every minute has a standard deviation below
:data:`NONWEAR_SD_G` (13 mg) on at least two of the three axes.

Files are read in chunks (Parquet row batches or CSV chunks), and each chunk is reduced to
per-epoch sums at once, so a week at 100 Hz (60 M samples) runs in bounded memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .._checks import check_one_of
from .._text import UTC_OFFSET, FileFormatError, decode_bytes, sniff_decimal, sniff_delimiter
from ..errors import InputError, StudyReadError
from .daily import daily_sitting

__all__ = ["NONWEAR_SD_G", "accel_daily", "iter_accel", "read_accel", "thigh_posture"]

#: Standard deviation (g) under which an axis counts as still, for non-wear.
NONWEAR_SD_G = 0.013

_CHUNK_ROWS = 2_000_000
_BLOCK = 1 << 16  # samples per cache-sized block of the epoch sums
_TIME_NAMES = ("time", "timestamp", "datetime", "time_s")


@dataclass
class _Chunk:
    """Raw samples of one chunk: int64 ns times and float64 axes, plus where they came from."""

    t: np.ndarray
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    first_line: int | None = None  # 1-based file line of the first row (text files)
    first_row: int = 0  # 0-based row of the first sample in the whole input

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame({"time_ns": self.t, "x": self.x, "y": self.y, "z": self.z})


def _find_columns(names: Iterable[str], path: str | Path) -> dict[str, str]:
    lower = {str(n).strip().lower(): str(n) for n in names}
    found = {}
    for want, options in (("time", _TIME_NAMES), ("x", ("x",)), ("y", ("y",)), ("z", ("z",))):
        hit = next((lower[o] for o in options if o in lower), None)
        if hit is None:
            raise FileFormatError(
                path,
                f"no {want!r} column; expected columns time, x, y, z (acceleration in g); "
                f"found: {', '.join(map(str, names))}.",
                line=1 if str(path).lower().endswith((".csv", ".txt", ".gz")) else None,
            )
        found[want] = hit
    return found


def _time_ns(values: pd.Series | np.ndarray) -> np.ndarray:
    """Times as int64 nanoseconds on the local clock: numbers are seconds since 1970.

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
        return np.round(s.to_numpy(dtype=float) * 1e9).astype(np.int64)
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


def _iter_file(path: str | Path, chunk_rows: int = _CHUNK_ROWS) -> Iterator[_Chunk]:
    path = Path(path)
    if not path.is_file():
        raise StudyReadError(f"{path}: no such file. Check the path and the file name.")
    if path.suffix.lower() in (".parquet", ".pq"):
        yield from _iter_parquet(path, chunk_rows)
    else:
        yield from _iter_csv(path, chunk_rows)


def _iter_parquet(path: Path, chunk_rows: int) -> Iterator[_Chunk]:
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


def _parquet_chunk(batch: object, cols: dict[str, str], path: Path, row: int) -> _Chunk:
    import pyarrow as pa

    tcol = batch.column(cols["time"])  # type: ignore[attr-defined]
    try:
        if pa.types.is_timestamp(tcol.type) and tcol.type.unit == "ns" and not tcol.null_count:
            tns = tcol.to_numpy().view(np.int64)
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
    return _Chunk(tns, *xyz, first_line=None, first_row=row)


@dataclass
class _CsvLayout:
    """What the first lines of a delimited file say about how to read it."""

    sep: str
    decimal: str
    encoding: str
    header: list[str]
    cols: dict[str, str]
    numeric_time: bool


def _csv_layout(path: Path) -> _CsvLayout:
    if path.suffix.lower() == ".gz":
        import gzip

        with gzip.open(path, "rb") as fh:
            head = fh.read(65536)
    else:
        with path.open("rb") as fh:
            head = fh.read(65536)
    if not head.strip():
        raise FileFormatError(path, "the file is empty; expected columns time, x, y, z.")
    text, encoding = decode_bytes(head, path)
    lines = [ln for ln in text.splitlines()[:20] if ln.strip()]
    if len(lines) > 2 and not text.endswith("\n"):
        lines = lines[:-1]
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
    cols = _find_columns(header, path)
    numeric_time = False
    if len(lines) > 1:
        fields = lines[1].split(sep)
        first = fields[header.index(cols["time"])] if len(fields) == len(header) else ""
        try:
            float(first.strip().strip('"').replace(decimal, "."))
            numeric_time = True
        except ValueError:
            pass
    return _CsvLayout(sep, decimal, encoding, header, cols, numeric_time)


class _NotForArrow(Exception):
    """The fast reader met something it does not handle; the pandas reader takes over."""


def _iter_csv(path: Path, chunk_rows: int) -> Iterator[_Chunk]:
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


def _iter_csv_arrow(path: Path, layout: _CsvLayout, chunk_rows: int) -> Iterator[_Chunk]:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    cols = layout.cols
    names = [cols["time"], cols["x"], cols["y"], cols["z"]]
    if len(set(layout.header)) != len(layout.header):
        raise _NotForArrow
    types = {n: pa.float64() for n in names[1:]}
    types[names[0]] = pa.float64() if layout.numeric_time else pa.timestamp("ns")
    # 1 MB blocks, read on this thread (the files of a folder are already read in parallel
    # processes). The reader keeps a few dozen blocks in flight, so larger blocks cost memory
    # (about 300 MB at 32 MB blocks, measured) and saved no CPU that we could measure.
    block = 1 << 20
    try:
        reader = pacsv.open_csv(
            path,
            read_options=pacsv.ReadOptions(
                use_threads=False, block_size=block, column_names=layout.header, skip_rows=1
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
            if any(batch.column(i).null_count for i in range(4)):
                raise _NotForArrow
            t = _time_ns(batch.column(0).to_numpy())
            pending.append([t, *(batch.column(i).to_numpy() for i in (1, 2, 3))])
            held += batch.num_rows
            while held >= chunk_rows:
                chunk, pending = _take(pending, chunk_rows)
                held -= chunk_rows
                yield _Chunk(*chunk, first_line=row + 2, first_row=row)
                row += chunk_rows
    if held:
        chunk, _ = _take(pending, held)
        yield _Chunk(*chunk, first_line=row + 2, first_row=row)


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
                     ) -> Iterator[_Chunk]:
    """The pandas reader; the first ``skip`` rows (already passed on) are read and dropped."""
    cols = layout.cols
    reader = pd.read_csv(
        path,
        sep=layout.sep,
        decimal=layout.decimal,
        usecols=list(cols.values()),
        chunksize=chunk_rows,
        encoding="utf-8-sig" if layout.encoding.startswith("utf-8") else layout.encoding,
        engine="c",
    )
    line = 2
    with reader:
        try:
            for chunk in reader:
                if skip >= len(chunk):
                    skip -= len(chunk)
                    line += len(chunk)
                    continue
                if skip:
                    chunk, line, skip = chunk.iloc[skip:], line + skip, 0
                yield _csv_chunk(chunk, cols, path, line)
                line += len(chunk)
        except pd.errors.ParserError as exc:
            raise FileFormatError(
                path, f"cannot be read as a table ({str(exc).strip()[:120]})."
            ) from None


def _csv_chunk(chunk: pd.DataFrame, cols: dict[str, str], path: Path, line: int) -> _Chunk:
    try:
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
    return _Chunk(tns, out["x"], out["y"], out["z"], first_line=line, first_row=line - 2)


def read_accel(path: str | Path) -> pd.DataFrame:
    """Read a whole raw accelerometry file into ``time`` (datetime64), ``x``, ``y``, ``z``.

    For long recordings prefer :func:`accel_daily` / :func:`thigh_posture` with the path, which
    read in chunks.

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
    return pd.DataFrame(
        {
            "time": np.concatenate([c.t for c in chunks]).astype("datetime64[ns]"),
            "x": np.concatenate([c.x for c in chunks]),
            "y": np.concatenate([c.y for c in chunks]),
            "z": np.concatenate([c.z for c in chunks]),
        }
    )


def _chunks_of(samples: object) -> tuple[Iterable[_Chunk], str]:
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
        return _slices(tns, axes), ""
    raise InputError(
        f"samples must be a DataFrame (time, x, y, z) or a file path; got {type(samples).__name__}."
    )


def _slices(t: np.ndarray, axes: list[np.ndarray]) -> Iterator[_Chunk]:
    for a in range(0, t.size, _CHUNK_ROWS):
        b = a + _CHUNK_ROWS
        yield _Chunk(t[a:b], axes[0][a:b], axes[1][a:b], axes[2][a:b], first_row=a)


def _first_at_or_after(t: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``np.searchsorted(t, edges)`` for sorted ``t``, fast when sampling is regular.

    Each position is first guessed from the mean sampling interval and kept where the two
    neighbouring samples confirm it; only unconfirmed edges are bisected.
    """
    n = t.size
    if n < 2 or edges.size == 0:
        return np.searchsorted(t, edges, side="left")
    step = (int(t[-1]) - int(t[0])) / (n - 1)
    if step <= 0:
        return np.searchsorted(t, edges, side="left")
    guess = np.ceil((edges - t[0]) / step).astype(np.int64)
    np.clip(guess, 0, n, out=guess)
    at = np.minimum(guess, n - 1)
    ok = ((guess == n) | (t[at] >= edges)) & ((guess == 0) | (t[np.maximum(guess - 1, 0)] < edges))
    if not ok.all():
        bad = ~ok
        guess[bad] = np.searchsorted(t, edges[bad], side="left")
    return guess


class _EpochSums:
    """Per-epoch sums of x, y, z, their squares and the sample count, built chunk by chunk.

    Scratch buffers are reused across chunks so that each chunk costs a few passes over memory
    and no large allocations. The last epoch of a chunk is held back (its samples copied, at
    most one epoch) until the next chunk shows where it ends, so every epoch is summed from all
    its samples in one go: the sums do not depend on where the chunks were cut.

    Each chunk's finished epochs are reduced at once, while their sums are in the CPU cache,
    to what the posture rule needs: inclination, largest axis SD and sample count per epoch,
    and the sums per clock minute for non-wear (the rows of a minute that may go on in the
    next chunk are held back likewise, so every minute is added up from all its epochs in one
    go). A week of 1-s epochs thus never sits in memory as a table of sums.
    """

    def __init__(self, epoch_ns: int, path: str, *, long_axis: int = 0) -> None:
        self.epoch_ns = epoch_ns
        self.path = path
        self.long_axis = long_axis
        self.per_min = max(60_000_000_000 // epoch_ns, 1)  # epochs per clock minute
        self.last_t: int | None = None
        self.checked_units = False
        self.parts: list[tuple[np.ndarray, ...]] = []  # idx, inclination, sd, n per epoch
        self.minutes: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # id, sums, epochs
        self._fbuf = np.empty(0, dtype=np.float64)
        self._open: tuple[int, list[np.ndarray]] | None = None  # held-back epoch: id, samples
        self._open_minute: tuple[np.ndarray, np.ndarray] | None = None  # its epochs: idx, sums

    def add(self, chunk: _Chunk) -> None:
        t = chunk.t
        n = t.size
        if n == 0:
            return
        axes = [np.ascontiguousarray(a, dtype=np.float64) for a in (chunk.x, chunk.y, chunk.z)]
        if not self.checked_units:
            # gravity alone is 1 g; even running keeps the median |a| of 10 s well under 3 g
            level = float(np.median(np.sqrt(sum(a[:1000] ** 2 for a in axes))))
            if abs(level - 9.81) < 2:
                raise self._error(
                    chunk, 0, "accelerations look like m/s^2 (|a| near 9.8); expected g: divide "
                    "by 9.81"
                )
            if level > 3:
                raise self._error(
                    chunk, 0, f"accelerations are not in g (median |a| of the first samples is "
                    f"{level:.4g}; a still sensor reads 1 g): convert raw counts or milli-g to g"
                )
            self.checked_units = True
        if self.last_t is not None and t[0] < self.last_t:
            raise self._backwards(chunk, 0)
        if t[-1] < t[0]:  # unsorted for sure: say where, before cutting epochs
            i = int(np.flatnonzero(t[1:] < t[:-1])[0]) + 1
            raise self._backwards(chunk, i)
        # Times are sorted (checked below, block by block), so each epoch's first sample is
        # found by bisection: no pass over the samples is needed to cut them into epochs.
        first, last = int(t[0]) // self.epoch_ns, int(t[-1]) // self.epoch_ns
        ids = np.arange(first, last + 1, dtype=np.int64)
        cuts = _first_at_or_after(t, ids[1:] * self.epoch_ns)
        starts = np.r_[0, cuts]
        filled = np.diff(np.r_[starts, n]) > 0  # epochs inside a gap hold no sample
        bounds, eidx = starts[filled], ids[filled]
        if bounds.size > 1 and not (bounds[1:] > bounds[:-1]).all():
            bounds = np.r_[0, n]  # unsorted times: one block, where the check below finds them
        ends = np.r_[bounds[1:], n]
        # Whole epochs in blocks of about _BLOCK samples, so that the squares and sums of a
        # block are computed while it is in the CPU cache (one read of each axis from memory
        # instead of four); the epoch sums are the same additions in the same order.
        eb = np.unique(np.r_[0, np.searchsorted(bounds, np.arange(_BLOCK, n, _BLOCK)),
                             bounds.size])
        longest = int((ends[eb[1:] - 1] - bounds[eb[:-1]]).max())
        if self._fbuf.size < longest:
            self._fbuf = np.empty(longest, dtype=np.float64)
        sums = np.empty((bounds.size, 7))
        for e0, e1 in zip(eb[:-1].tolist(), eb[1:].tolist()):
            s0, s1 = int(bounds[e0]), int(ends[e1 - 1])
            tb = t[s0 : min(s1 + 1, n)]
            if (tb[1:] < tb[:-1]).any():
                i = s0 + int(np.flatnonzero(tb[1:] < tb[:-1])[0]) + 1
                raise self._backwards(chunk, i)
            at = bounds[e0:e1] - s0
            sq = self._fbuf[: s1 - s0]
            for j, a in enumerate(axes):
                seg = a[s0:s1]
                sums[e0:e1, j] = np.add.reduceat(seg, at)
                np.multiply(seg, seg, out=sq)
                sums[e0:e1, 3 + j] = np.add.reduceat(sq, at)
        self.last_t = int(t[-1])
        sums[:, 6] = np.diff(np.r_[bounds, n])
        if np.isnan(sums[:, :3]).any():
            bad = np.isnan(axes[0]) | np.isnan(axes[1]) | np.isnan(axes[2])
            raise self._error(chunk, int(np.flatnonzero(bad)[0]), "missing acceleration value")
        if self._open is not None:
            open_id, held = self._open
            if eidx[0] == open_id:  # the held-back epoch goes on in this chunk
                head = [np.concatenate([h, a[: int(ends[0])]]) for h, a in zip(held, axes)]
                if eidx.size == 1:  # ... and past its end
                    self._open = (open_id, head)
                    return
                sums[0] = _one_epoch(head)
            else:
                self._finish(np.array([open_id]), _one_epoch(held)[None, :])
        self._open = (int(eidx[-1]), [a[int(bounds[-1]) :].copy() for a in axes])
        self._finish(eidx[:-1], sums[:-1])

    def _finish(self, eidx: np.ndarray, sums: np.ndarray, *, last: bool = False) -> None:
        """Reduce finished epochs to their statistics and add them to the minute sums.

        The rows of the last minute are held back for the next call, unless ``last``.
        """
        if eidx.size == 0:
            return
        incl, sd = _epoch_stats(sums, self.long_axis)
        self.parts.append((eidx, incl, sd, sums[:, 6].astype(np.int64)))
        minute = eidx // self.per_min
        if self._open_minute is not None:
            held_idx, held_sums = self._open_minute
            minute = np.r_[held_idx // self.per_min, minute]
            sums = np.concatenate([held_sums, sums])
            eidx = np.r_[held_idx, eidx]
        starts = np.flatnonzero(np.r_[True, minute[1:] != minute[:-1]])
        done, end = (starts, minute.size) if last else (starts[:-1], int(starts[-1]))
        if done.size:
            self.minutes.append((minute[done], np.add.reduceat(sums[:end], done, axis=0),
                                 np.diff(np.r_[done, end])))
        self._open_minute = None if last else (eidx[end:], sums[end:].copy())

    def _backwards(self, chunk: _Chunk, i: int) -> Exception:
        return self._error(
            chunk, i, "time goes backwards (overlapping or appended recordings?); split the file"
        )

    def _error(self, chunk: _Chunk, i: int, what: str) -> Exception:
        first = chunk.first_line
        if self.path:
            line = None if first is None else first + i
            extra = "" if first is not None else f" (data row {chunk.first_row + i + 1})"
            return FileFormatError(self.path, f"{what}{extra}.", line=line)
        return InputError(f"row {chunk.first_row + i}: {what}.")

    def result(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per epoch: idx, inclination, sd, n; per minute: minute id, the 7 sums, epochs."""
        if self._open is None:
            raise InputError("the accelerometry holds no samples.")
        open_id, held = self._open
        self._finish(np.array([open_id]), _one_epoch(held)[None, :], last=True)
        self._open = None
        epochs = [np.concatenate(col) for col in zip(*self.parts)]
        minutes = [np.concatenate(col) for col in zip(*self.minutes)]
        return epochs, minutes


def _one_epoch(axes: list[np.ndarray]) -> np.ndarray:
    """The 7 sums of one epoch's samples, added exactly as in :meth:`_EpochSums.add`."""
    at = np.zeros(1, dtype=np.intp)
    out = np.empty(7)
    for j, a in enumerate(axes):
        out[j] = np.add.reduceat(a, at)[0]
        out[3 + j] = np.add.reduceat(a * a, at)[0]
    out[6] = axes[0].size
    return out


def thigh_posture(
    samples: pd.DataFrame | str | Path,
    *,
    epoch_s: float = 1.0,
    long_axis: str = "x",
    sitting_angle_deg: float = 45.0,
    min_bout_s: float = 10.0,
    nonwear_min: float | None = 90.0,
) -> pd.DataFrame:
    """Classify thigh posture per epoch from raw acceleration (see the module docstring).

    Parameters
    ----------
    samples : DataFrame or path
        Columns time, x, y, z (g), or a CSV/Parquet file read in chunks.
    epoch_s : float
        Epoch length in seconds (it must divide 60).
    long_axis : {"x", "y", "z"}
        The sensor axis along the thigh.
    sitting_angle_deg : float
        Inclination of the long axis from vertical above which the epoch is sitting/lying.
    min_bout_s : float
        Shortest accepted posture change; shorter ones keep the previous posture.
    nonwear_min : float or None
        Minimum still minutes for non-wear; None marks every epoch as worn.

    Returns
    -------
    DataFrame
        One row per recorded epoch: ``start``, ``duration_s``, ``inclination_deg``, ``n``
        (samples), ``state`` ("sitting" = sitting or lying, "upright" or "nonwear");
        ``.attrs["rule"]`` states the rule.

    Examples
    --------
    >>> t = np.arange(0, 60, 0.02)                          # 60 s at 50 Hz
    >>> sitting = (t >= 20) & (t < 50)                       # thigh horizontal for 30 s
    >>> x = np.where(sitting, 0.05, 0.98)
    >>> z = np.where(sitting, 0.99, 0.10)
    >>> raw = pd.DataFrame({"time": t, "x": x, "y": 0.0, "z": z})
    >>> ep = thigh_posture(raw, nonwear_min=None)
    >>> ep.groupby("state")["duration_s"].sum()
    state
    sitting    30.0
    upright    30.0
    Name: duration_s, dtype: float64
    """
    check_one_of("long_axis", long_axis, ["x", "y", "z"])
    if not (0 < epoch_s <= 60 and (60 / epoch_s).is_integer()):
        raise InputError(f"`epoch_s` must divide 60 seconds (1, 2, 5, 10, ...); got {epoch_s}.")
    chunks, path = _chunks_of(samples)
    acc = _EpochSums(int(round(epoch_s * 1e9)), path, long_axis="xyz".index(long_axis))
    try:
        for chunk in chunks:
            acc.add(chunk)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()  # release the file at once, also when a chunk is refused
    (idx, incl, sd, n), minutes = acc.result()
    raw_sit = incl > sitting_angle_deg
    min_epochs = int(np.ceil(min_bout_s / epoch_s))
    sit = _hysteresis(raw_sit, idx, min_epochs)
    state = np.array(["upright", "sitting"], dtype=object)[sit.view(np.int8)]
    rule = (
        f"thigh accelerometer: {epoch_s:g}-s epochs; sitting/lying when the {long_axis} axis is "
        f"more than {sitting_angle_deg:g} deg from vertical; posture changes shorter than "
        f"{min_bout_s:g} s ignored"
    )
    if nonwear_min is not None:
        off = _still_nonwear(*minutes, nonwear_min)
        state[off] = "nonwear"
        rule += (
            f"; non-wear = >= {nonwear_min:g} min with every minute's SD < "
            f"{NONWEAR_SD_G * 1000:g} mg on >= 2 axes"
        )
    out = pd.DataFrame(
        {
            "start": (idx * acc.epoch_ns).astype("datetime64[ns]"),
            "duration_s": np.full(idx.size, float(epoch_s)),
            "inclination_deg": incl,
            "sd_g": sd,
            "n": n,
            "state": state,
        },
        copy=False,  # fresh arrays of ours: consolidating them cost a copy of each
    )
    out.attrs["rule"] = rule + "."
    return out


def _epoch_stats(sums: np.ndarray, long_axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Inclination (deg) of the long axis from vertical, and the largest axis SD (g), per epoch.

    Computed in blocks of epochs, so that the temporaries stay in the CPU cache (a chunk of
    slowly sampled data holds many epochs); whole-array temporaries cost more in fresh memory
    pages than the arithmetic.
    """
    k = sums.shape[0]
    incl, sd = np.empty(k), np.empty(k)
    for a in range(0, k, _BLOCK // 4):
        s = sums[a : a + _BLOCK // 4]
        n = s[:, 6:7]
        mean = s[:, 0:3] / n
        var = np.maximum(s[:, 3:6] / n - mean**2, 0.0)
        # sqrt is monotone: the root of the largest variance is the largest SD, exactly
        np.sqrt(var.max(axis=1), out=sd[a : a + len(s)])
        norm = np.sqrt(np.add.reduce(mean * mean, axis=1))
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.clip(np.abs(mean[:, long_axis]) / norm, 0.0, 1.0)
        np.degrees(np.arccos(ratio), out=incl[a : a + len(s)])
    return incl, sd


def _hysteresis(raw: np.ndarray, idx: np.ndarray, min_epochs: int) -> np.ndarray:
    """Accept a change of posture only if it lasts ``min_epochs``; gaps restart the sequence."""
    if raw.size == 0 or min_epochs <= 1:
        return raw
    new = np.r_[True, (raw[1:] != raw[:-1]) | (np.diff(idx) != 1)]
    gap_start = np.r_[True, np.diff(idx) != 1]
    starts = np.flatnonzero(new)
    lengths = np.diff(np.r_[starts, raw.size])
    values = raw[starts]
    fresh = gap_start[starts]
    kept = values.copy()
    cur = values[0]
    for k in range(starts.size):
        if fresh[k] or (values[k] != cur and lengths[k] >= min_epochs):
            cur = values[k]
        kept[k] = cur
    return np.repeat(kept, lengths)


def _still_nonwear(
    mins: np.ndarray, msum: np.ndarray, epochs: np.ndarray, minutes: float
) -> np.ndarray:
    """Epochs in runs of at least ``minutes`` still clock minutes, from the minute sums."""
    n = msum[:, 6:7]
    sd = np.sqrt(np.maximum(msum[:, 3:6] / n - (msum[:, 0:3] / n) ** 2, 0.0))
    still = (sd < NONWEAR_SD_G).sum(axis=1) >= 2
    new = np.r_[True, (still[1:] != still[:-1]) | (np.diff(mins) != 1)]
    rs = np.flatnonzero(new)
    rl = np.diff(np.r_[rs, still.size])
    off_min = np.zeros(still.size, dtype=bool)
    for s, length in zip(rs, rl):
        if still[s] and length >= minutes:
            off_min[s : s + length] = True
    return np.repeat(off_min, epochs)


def accel_daily(
    samples: pd.DataFrame | str | Path,
    *,
    participant_id: object = None,
    valid_day: float = 10.0,
    instrument: str = "thigh_accelerometer",
    **posture: object,
) -> pd.DataFrame:
    """Daily sitting from raw thigh accelerometry: the same daily table as activPAL.

    Posture comes from :func:`thigh_posture` (``**posture`` passes its options); sitting
    includes lying (inclination cannot tell them apart), and there is no sleep detection, so
    waking wear is all wear time.

    Parameters
    ----------
    samples : DataFrame or path
        time, x, y, z in g, or a CSV/Parquet file (read in chunks).
    participant_id : object, optional
        Written to ``participant_id``.
    valid_day : float
        Minimum wear hours for a valid day.
    instrument : str
        Written to ``instrument`` (e.g. "axivity").
    **posture
        ``epoch_s``, ``long_axis``, ``sitting_angle_deg``, ``min_bout_s``, ``nonwear_min``.

    Returns
    -------
    DataFrame
        The daily table (:data:`glute_study.io.daily.DAILY_COLUMNS`), rules in ``.attrs``.

    Examples
    --------
    >>> t = np.arange(0, 3600, 0.1)                   # one hour at 10 Hz
    >>> sit = t < 2400                                 # 40 min sitting, then 20 min upright
    >>> raw = pd.DataFrame({"time": t, "x": np.where(sit, 0.0, 1.0), "y": 0.02,
    ...                     "z": np.where(sit, 1.0, 0.0)})
    >>> d = accel_daily(raw, participant_id="T1", valid_day=0.5, nonwear_min=None)
    >>> d[["sitting_h", "prolonged_sitting_h", "sitting_bouts", "breaks", "wear_h"]].round(3)
       sitting_h  prolonged_sitting_h  sitting_bouts  breaks  wear_h
    0      0.667                0.667              1       1     1.0
    """
    unknown = set(posture) - {"epoch_s", "long_axis", "sitting_angle_deg", "min_bout_s",
                              "nonwear_min"}
    if unknown:
        raise InputError(f"accel_daily got unknown options: {', '.join(sorted(unknown))}.")
    epochs = thigh_posture(samples, **posture)  # type: ignore[arg-type]
    # collapse runs of one state into intervals before the daily summary
    st = epochs["state"].to_numpy()
    start_ns = epochs["start"].to_numpy().astype(np.int64)
    dur = epochs["duration_s"].to_numpy()
    end_ns = start_ns + np.round(dur * 1e9).astype(np.int64)
    new = np.r_[True, (st[1:] != st[:-1]) | (start_ns[1:] != end_ns[:-1])]
    first = np.flatnonzero(new)
    intervals = pd.DataFrame(
        {
            "start": start_ns[first].astype("datetime64[ns]"),
            "duration_s": np.add.reduceat(dur, first) if first.size else dur[:0],
            "state": st[first],
        }
    )
    daily = daily_sitting(
        intervals, participant_id=participant_id, instrument=instrument, valid_day=valid_day,
        rule=epochs.attrs["rule"] + " No sleep detection (waking wear = wear).",
    )
    return daily

