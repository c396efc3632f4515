"""ActiGraph ``.gt3x`` files: samples in chunks, and the metadata of ``info.txt``.

Written from ActiGraph's published description of the format (github.com/actigraph/
GT3X-File-Format, MIT licence). A ``.gt3x`` file is a zip archive holding:

* ``info.txt``: ``key: value`` lines: ``Serial Number``, ``Sample Rate`` (Hz), ``Start Date``,
  ``Stop Date`` and ``Last Sample Time`` as .NET ticks (100 ns since 0001-01-01, on the device's
  local clock), ``TimeZone`` (the UTC offset, e.g. ``-04:00:00``), ``Acceleration Scale``
  (LSB per g) and, on some devices, ``Limb`` and ``Side`` (the wear site entered at set-up);
* ``log.bin`` (devices since the wGT3X+ and GT3X+ firmware 3): records of ``0x1E``, a type
  byte, a 4-byte timestamp (whole seconds of the device clock, written as Unix time), a 2-byte
  payload size, the payload and a checksum (the 1's complement of the XOR of header and
  payload). ACTIVITY records (type 0) hold one second of samples as 12-bit two's complement
  numbers in Y, X, Z order, most significant nibble first; ACTIVITY2 records (type 26) hold them
  as little-endian int16 in X, Y, Z order. Activity records with a 1-byte payload mark a USB
  connection and are skipped, as are the other record types and zero bytes between records;
* or, from GT3X+ devices with firmware 2.5 or older (serial ``NEO``/``MRA``), ``activity.bin``:
  the samples packed as above without records, from ``Start Date`` on at the sample rate.

An axis in g is the raw number divided by the acceleration scale (``info.txt``; else 341 LSB/g
for NEO and CLE serials, 256 for MOS and the others), rounded to 3 decimals as ActiLife does.
Sample ``i`` of a record is at the record's second plus ``i`` / rate. While the device sleeps
(idle sleep mode, marked by EVENT records) it writes no records; the seconds missing between two
records are filled with the last sample before them, as ActiLife does in its RAW CSV export. After
a USB connection (an activity record with a 1-byte payload) nothing is filled until the next
activity record: the device was not recording, and ActiLife's zeros (0, 0, 0 g) there are not
samples. A recording that ends asleep is filled up to its ``Last Sample Time`` (or ``Stop
Date``). A record whose checksum is wrong is left out (its second is filled likewise), with a
warning. The wGT3X-BT firmware 1.6.0 axis swap is undone as ActiGraph prescribes (x = y,
y = -x). Checked sample for sample and time for time against ActiLife's RAW CSV exports of a
GT9X Link (log.bin, idle sleep, a USB connection) and a GT3X+ (activity.bin) recording.

Times stay on the device clock (the wearer's local time, as ActiLife shows them); the file's UTC
offset is given in the metadata, not applied.
"""

from __future__ import annotations

import re
import struct
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .._text import FileFormatError
from ..errors import GluteStudyWarning
from .accel import Chunk

__all__ = ["gt3x_metadata", "iter_gt3x"]

_TICKS_1970 = 621_355_968_000_000_000  # .NET ticks at 1970-01-01 00:00
_READ = 8 << 20  # bytes of log.bin parsed at a time
_CHUNK_SECONDS = 20_000  # seconds of samples per chunk (2 M samples at 100 Hz)
_ACTIVITY, _ACTIVITY2, _EVENT = 0x00, 0x1A, 0x03


def _archive(path: Path) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise FileFormatError(path, f"cannot be opened as an ActiGraph .gt3x (zip) file ({exc})."
                              ) from None
    return zf


def _info(path: Path, zf: zipfile.ZipFile) -> dict[str, str]:
    try:
        text = zf.read("info.txt").decode("utf-8-sig", "replace")
    except KeyError:
        raise FileFormatError(path, "the .gt3x archive holds no info.txt.") from None
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            out[key.strip()] = value.strip()
    return out


def _ticks_ns(value: str | None) -> int | None:
    """.NET ticks (100 ns since 0001-01-01) as ns since 1970 on the same clock; 0 is none."""
    if not value or not value.strip().lstrip("-").isdigit() or int(value) <= 0:
        return None
    return (int(value) - _TICKS_1970) * 100


def _scale(info: dict[str, str], serial: str) -> float:
    try:
        given = float(info.get("Acceleration Scale", ""))
        if given > 0:
            return given
    except ValueError:
        pass
    return 341.0 if serial.upper().startswith(("NEO", "CLE")) else 256.0


def _offset(text: str | None) -> str | None:
    found = re.fullmatch(r"\s*([+-]?)(\d{1,2}):(\d{2})(:\d{2})?\s*", text or "")
    if not found:
        return None
    return f"{found[1] or '+'}{int(found[2]):02d}:{found[3]}"


def gt3x_metadata(path: str | Path) -> dict:
    """What ``info.txt`` of a ``.gt3x`` file says about the recording.

    Returns
    -------
    dict
        ``format`` ("gt3x"), ``layout`` ("log.bin", or "activity.bin" for the older NEO files),
        ``device``, ``serial``, ``firmware``, ``sample_rate_hz``, ``scale`` (LSB per g),
        ``start`` and ``end`` (``Start Date`` and ``Last Sample Time`` or ``Stop Date``, device
        clock, ISO text), ``utc_offset`` (``TimeZone``, e.g. "-04:00"; not applied),
        ``wear_site`` (``Side`` and ``Limb`` in words, e.g. "right wrist", or None).

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> from glute_study.io._device_writers import write_gt3x
    >>> p = write_gt3x(pathlib.Path(tempfile.mkdtemp()) / "P1.gt3x", np.zeros((90, 3)),
    ...                extra={"Limb": "Thigh", "Side": "Left"})
    >>> m = gt3x_metadata(p)
    >>> m["serial"], m["sample_rate_hz"], m["scale"], m["utc_offset"], m["wear_site"]
    ('MOS2E12345678', 30.0, 256.0, '+01:00', 'left thigh')
    >>> m["start"]
    '2024-03-04T08:00:00'
    """
    path = Path(path)
    with _archive(path) as zf:
        info = _info(path, zf)
        names = {n.lower() for n in zf.namelist()}
    serial = info.get("Serial Number", "")
    try:
        rate = float(info.get("Sample Rate", ""))
    except ValueError:
        rate = float("nan")
    if not rate > 0:
        raise FileFormatError(path, f"info.txt gives no usable Sample Rate (found "
                              f"{info.get('Sample Rate')!r}).")
    site = " ".join(info.get(k, "") for k in ("Side", "Limb")).strip().lower()

    def iso(ns: int | None) -> str | None:
        return None if ns is None else str(np.datetime64(ns, "ns").astype("datetime64[s]")
                                           if ns % 1_000_000_000 == 0 else
                                           np.datetime64(ns, "ns"))

    end = _ticks_ns(info.get("Last Sample Time")) or _ticks_ns(info.get("Stop Date"))
    return {
        "format": "gt3x",
        "layout": "log.bin" if "log.bin" in names else "activity.bin",
        "device": info.get("Device Type") or None,
        "serial": serial or None,
        "firmware": info.get("Firmware") or None,
        "sample_rate_hz": rate,
        "scale": _scale(info, serial),
        "start": iso(_ticks_ns(info.get("Start Date"))),
        "end": iso(end),
        "utc_offset": _offset(info.get("TimeZone")),
        "wear_site": site or None,
    }


def _unpack12(packed: np.ndarray, n: int) -> np.ndarray:
    """The first ``n`` 12-bit two's complement values of rows of packed bytes, as int16.

    ``packed`` is (k, m) uint8 with m >= ceil(1.5 n); the result is (k, n).
    """
    k = packed.shape[0]
    pairs = -(-n // 2)
    need = pairs * 3
    if packed.shape[1] < need:
        packed = np.concatenate([packed, np.zeros((k, need - packed.shape[1]), np.uint8)],
                                axis=1)
    b = packed[:, :need].reshape(k, pairs, 3).astype(np.int16)
    out = np.empty((k, pairs, 2), dtype=np.int16)
    out[:, :, 0] = b[:, :, 0] << 4 | b[:, :, 1] >> 4
    out[:, :, 1] = (b[:, :, 1] & 15) << 8 | b[:, :, 2]
    out = out.reshape(k, 2 * pairs)[:, :n]
    out[out >= 2048] -= 4096
    return out


def _round3(g: np.ndarray) -> np.ndarray:
    """Round to 3 decimals, halves away from zero (.NET's MidpointRounding.AwayFromZero, which
    ActiLife uses; NumPy would round halves to even: 336/256 = 1.3125 g is 1.313 g)."""
    q = g * 1000.0
    return np.trunc(q + np.copysign(0.5, q)) / 1000.0


class _Samples:
    """Turn seconds of samples (one row of ``rate`` x 3 raw values per recorded second) into
    chunks, filling the seconds missing between records with the last sample before them."""

    def __init__(self, rate: int, scale: float, swap: bool) -> None:
        self.rate = rate
        self.scale = scale
        self.swap = swap
        self.row = 0
        self.usb = np.zeros(0, dtype=np.int64)  # seconds of USB connections not yet passed
        self.last: tuple[int, np.ndarray] | None = None  # last second written, its last sample
        self.step = np.round(np.arange(rate) * (1e9 / rate)).astype(np.int64)

    def add(self, sec: np.ndarray, raw: np.ndarray) -> Iterator[Chunk]:
        """``sec`` (k,) whole seconds, ``raw`` (k, rate, 3) int16 X, Y, Z; sorted by second."""
        if sec.size == 0:
            return
        keep = np.r_[True, sec[1:] > sec[:-1]]  # a second written twice keeps its first record
        if self.last is not None:
            keep &= sec > self.last[0]
        sec, raw = sec[keep], raw[keep]
        if sec.size == 0:
            return
        prev = np.r_[self.last[0] if self.last is not None else sec[0] - 1, sec[:-1]]
        gap = sec - prev - 1  # missing seconds before each record
        cuts = np.r_[0, np.flatnonzero(gap[1:] > 0) + 1, sec.size]
        for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
            if gap[a] > 0:  # fill the missing seconds, in pieces, with the sample before
                before = raw[a - 1, -1] if a > 0 else self.last[1]  # type: ignore[index]
                first = int(prev[a]) + 1
                # ... up to a USB connection, after which the device recorded nothing
                plugged = self.usb[(self.usb >= first) & (self.usb < sec[a])]
                stop = int(plugged.min()) if plugged.size else int(sec[a])
                for s0 in range(first, stop, _CHUNK_SECONDS):
                    n = min(_CHUNK_SECONDS, stop - s0)
                    yield self._chunk(np.arange(s0, s0 + n),
                                      np.broadcast_to(before, (n, self.rate, 3)))
            for s in range(a, b, _CHUNK_SECONDS):
                e = min(s + _CHUNK_SECONDS, b)
                yield self._chunk(sec[s:e], raw[s:e])
        self.last = (int(sec[-1]), raw[-1, -1].copy())
        self.usb = self.usb[self.usb > self.last[0]]

    def _chunk(self, sec: np.ndarray, raw: np.ndarray) -> Chunk:
        t = (sec.astype(np.int64)[:, None] * 1_000_000_000 + self.step[None, :]).ravel()
        flat = raw.reshape(-1, 3)
        axes = [_round3(flat[:, j] / self.scale) for j in range(3)]
        if self.swap:  # wGT3X-BT firmware 1.6.0 rotated the axes: x = y, y = -x
            axes = [axes[1], -axes[0], axes[2]]
        chunk = Chunk(t, *axes, first_line=None, first_row=self.row)
        self.row += t.size
        return chunk


def _records(path: Path, stream) -> Iterator[tuple[np.ndarray, ...]]:
    """Activity records of ``log.bin``, a batch at a time: their seconds, payload sizes, byte
    offsets into the batch's buffer and types, the buffer, and the seconds of USB connections
    and of the starts of idle sleep."""
    rest = b""
    while True:
        block = stream.read(_READ)
        data = rest + block
        if not data:
            return
        at, n = 0, len(data)
        secs, sizes, offs, kinds, usb, sleep = [], [], [], [], [], []
        unpack = struct.unpack_from
        while at < n:
            if data[at] != 0x1E:
                nxt = data.find(b"\x1e", at)
                if nxt < 0:
                    at = n
                    break
                at = nxt
            if at + 8 > n:
                break
            kind, sec, size = unpack("<BIH", data, at + 1)
            if at + 9 + size > n:
                break
            if kind in (_ACTIVITY, _ACTIVITY2):
                if size > 1:
                    secs.append(sec)
                    sizes.append(size)
                    offs.append(at)
                    kinds.append(kind)
                else:  # a USB connection: no samples until the next activity record
                    usb.append(sec)
            elif kind == _EVENT and size == 1 and data[at + 8] == 0x08:  # idle sleep begins
                sleep.append(sec)
            at += 9 + size
        rest = data[at:] if block else b""
        buf = np.frombuffer(data, dtype=np.uint8)
        yield (np.array(secs, dtype=np.int64), np.array(sizes, dtype=np.int64),
               np.array(offs, dtype=np.int64), np.array(kinds, dtype=np.int64), buf,
               np.array(usb, dtype=np.int64), np.array(sleep, dtype=np.int64))
        if not block:
            return


def _checksum_ok(buf: np.ndarray, offs: np.ndarray, size: int) -> np.ndarray:
    rows = buf[offs[:, None] + np.arange(9 + size)[None, :]]
    return np.bitwise_xor.reduce(rows[:, :-1], axis=1) ^ 0xFF == rows[:, -1]


def iter_gt3x(path: str | Path) -> Iterator[Chunk]:
    """Yield the samples of a ``.gt3x`` file as :class:`~glute_study.io.accel.Chunk` s.

    Times in int64 ns on the device clock, x, y, z in g rounded to 3 decimals as ActiLife
    writes them; idle-sleep gaps filled with the last sample (see the module docstring).

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> from glute_study.io._device_writers import write_gt3x
    >>> xyz = np.tile([0.0, 0.0, 1.0], (30 * 5, 1))
    >>> p = write_gt3x(pathlib.Path(tempfile.mkdtemp()) / "P1.gt3x", xyz, skip_seconds=(2, 3))
    >>> chunks = list(iter_gt3x(p))
    >>> sum(c.t.size for c in chunks), float(chunks[-1].z[-1])
    (150, 1.0)
    """
    path = Path(path)
    meta = gt3x_metadata(path)
    rate = int(round(meta["sample_rate_hz"]))
    if abs(rate - meta["sample_rate_hz"]) > 1e-9:
        raise FileFormatError(path, f"a sample rate of {meta['sample_rate_hz']:g} Hz is not a "
                              "whole number; this reader expects ActiGraph's 30 to 100 Hz.")
    swap = bool(meta["serial"] and meta["serial"].upper().startswith("MOS")
                and meta["firmware"] == "1.6.0")
    out = _Samples(rate, meta["scale"], swap)
    with _archive(path) as zf:
        if meta["layout"] == "activity.bin":
            yield from _iter_activity_bin(path, zf, meta, out)
            return
        bad, asleep = 0, -1
        info = _info(path, zf)
        with zf.open(next(n for n in zf.namelist() if n.lower() == "log.bin")) as stream:
            for secs, sizes, offs, kinds, buf, usb, sleep in _records(path, stream):
                out.usb = np.r_[out.usb, usb]
                if sleep.size:
                    asleep = int(sleep.max())
                if secs.size == 0:
                    continue
                raw = np.empty((secs.size, rate, 3), dtype=np.int16)
                good = np.zeros(secs.size, dtype=bool)
                for kind, size in {(int(k), int(s)) for k, s in zip(kinds, sizes)}:
                    sel = np.flatnonzero((kinds == kind) & (sizes == size))
                    ok = _checksum_ok(buf, offs[sel], size)
                    bad += int((~ok).sum())
                    sel = sel[ok]
                    n = size // 6 if kind == _ACTIVITY2 else size * 8 // 36
                    if n != rate:  # a record of another length than the rate: not one second
                        bad += sel.size
                        continue
                    payload = buf[(offs[sel] + 8)[:, None] + np.arange(size)[None, :]]
                    if kind == _ACTIVITY2:
                        vals = payload.view("<i2").reshape(sel.size, rate, 3)
                    else:  # 12-bit, Y X Z
                        vals = _unpack12(payload, rate * 3).reshape(sel.size, rate, 3)
                        vals = vals[:, :, [1, 0, 2]]
                    raw[sel] = vals
                    good[sel] = True
                yield from out.add(secs[good], raw[good])
        end = _ticks_ns(info.get("Last Sample Time")) or _ticks_ns(info.get("Stop Date"))
        if out.last is not None and asleep > out.last[0] and not out.usb.size and end:
            # asleep at the end: the seconds up to the last sample time, as ActiLife fills them
            n = end // 1_000_000_000 - out.last[0] - 1
            for s0 in range(out.last[0] + 1, out.last[0] + 1 + max(n, 0), _CHUNK_SECONDS):
                k = min(_CHUNK_SECONDS, out.last[0] + 1 + n - s0)
                yield out._chunk(np.arange(s0, s0 + k),
                                 np.broadcast_to(out.last[1], (k, rate, 3)))
    if out.row == 0:
        raise FileFormatError(path, "the .gt3x file holds no activity records (no samples).")
    if bad:
        warnings.warn(f"{path}: {bad} activity record(s) with a wrong checksum or length were "
                      "left out; their seconds were filled with the sample before them.",
                      GluteStudyWarning, stacklevel=2)


def _iter_activity_bin(path: Path, zf: zipfile.ZipFile, meta: dict, out: _Samples
                       ) -> Iterator[Chunk]:
    """The older NEO layout: 12-bit Y X Z samples from the start date on, without records."""
    start = _ticks_ns(_info(path, zf).get("Start Date"))
    if start is None:
        raise FileFormatError(path, "info.txt gives no Start Date for activity.bin.")
    rate = out.rate
    per = rate * 9 // 2 if rate % 2 == 0 else None  # bytes per second when it is whole
    if per is None:
        raise FileFormatError(path, "activity.bin at an odd sample rate is not supported.")
    sec0 = start // 1_000_000_000  # ActiGraph starts on a whole second (whole minute, even)
    done = 0
    with zf.open("activity.bin") as stream:
        while True:
            block = stream.read(per * _CHUNK_SECONDS)
            if not block:
                break
            whole = len(block) // 9 * 9
            vals = _unpack12(np.frombuffer(block[:whole], np.uint8).reshape(1, -1),
                             whole * 8 // 12)[0].reshape(-1, 3)[:, [1, 0, 2]]
            n_sec = -(-vals.shape[0] // rate)
            padded = np.empty((n_sec * rate, 3), dtype=np.int16)
            padded[: vals.shape[0]] = vals
            chunk = out._chunk(sec0 + done + np.arange(n_sec), padded.reshape(n_sec, rate, 3))
            keep = vals.shape[0]
            chunk.t, chunk.x, chunk.y, chunk.z = (chunk.t[:keep], chunk.x[:keep],
                                                  chunk.y[:keep], chunk.z[:keep])
            done += n_sec
            yield chunk


# the names the content dispatch of glute_study.io.accel calls
metadata = gt3x_metadata
iter_samples = iter_gt3x
