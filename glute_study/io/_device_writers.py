"""Writers of small synthetic native device files (Axivity .cwa, ActiGraph .gt3x): test data.

Written from the published file descriptions, independently of the readers they test:

* ``.cwa``: Open Movement's ``cwa.h`` layout (a 1024-byte "MD" header, then 512-byte "AX" data
  blocks of 120 packed samples (10 bits per axis at 1/256 g and a
  shared exponent), a packed local timestamp with a 15-bit
  fraction, and a checksum making the block's 16-bit words sum to zero);
* ``.gt3x``: ActiGraph's GT3X-File-Format (a zip of ``info.txt`` and ``log.bin``; one ACTIVITY2
  record of little-endian int16 samples, or one ACTIVITY record of 12-bit packed samples in YXZ
  order, per second; .NET ticks for the dates).

The tests, the docstring examples and ``benchmarks/accel_native_speed.py`` (a week-long
recording) make their files with these.
"""

from __future__ import annotations

import datetime as dt
import struct
import zipfile
from pathlib import Path

import numpy as np

from .._files import write_bytes, writing

CWA_PER_BLOCK = 120
_TICKS_1970 = 621_355_968_000_000_000  # .NET ticks (100 ns since 0001-01-01) at 1970-01-01


def _packed_time(t: dt.datetime) -> int:
    return ((t.year - 2000) << 26 | t.month << 22 | t.day << 17 | t.hour << 12 | t.minute << 6
            | t.second)


def write_cwa(
    path: str | Path,
    xyz_g,
    *,
    start: dt.datetime = dt.datetime(2024, 3, 4, 8, 0, 0),
    rate_hz: int = 100,
    annotation: str = "_p=right+thigh&_sc=7",
    device_id: int = 12345,
    temperature_c: float = 30.0,
) -> Path:
    """Write samples (an (n, 3) array in g, or a callable giving block arrays) as an AX3 .cwa.

    ``xyz_g`` may be a function ``f(first_sample, n) -> (n, 3) array`` so that a week of samples
    is written block group by block group without holding it in memory; then pass ``n=`` via a
    tuple ``(f, n)``.
    """
    path = Path(path)
    if isinstance(xyz_g, tuple):
        make, total = xyz_g
    else:
        arr = np.asarray(xyz_g, dtype=float)
        total = arr.shape[0]

        def make(a: int, n: int) -> np.ndarray:
            return arr[a : a + n]

    code = {100: 10, 50: 9, 200: 11, 25: 8, 400: 12, 800: 13}[rate_hz] | 0x40  # +-8 g
    header = bytearray(1024)
    struct.pack_into("<2sHBHIH", header, 0, b"MD", 1020, 0x17, device_id, 7, 0)
    struct.pack_into("<II", header, 13, _packed_time(start), 0xFFFFFFFF)  # start, end: always
    struct.pack_into("<B", header, 35, 0xFF)
    struct.pack_into("<BI", header, 36, code, _packed_time(start))
    struct.pack_into("<B", header, 41, 44)
    note = annotation.encode("ascii")
    header[64 : 64 + 448] = note + b" " * (448 - len(note))
    header[512:] = b"\xff" * 512
    t0 = start.replace(tzinfo=dt.UTC).timestamp()
    temp_raw = int(round((temperature_c + 50) * 256 / 75)) & 0x3FF  # T = raw * 75 / 256 - 50
    group = 4096  # blocks made at once
    n_blocks = -(-total // CWA_PER_BLOCK)
    with writing(path) as fh:  # whole or not at all
        fh.write(header)
        for g0 in range(0, n_blocks, group):
            g1 = min(g0 + group, n_blocks)
            a = g0 * CWA_PER_BLOCK
            n = min(g1 * CWA_PER_BLOCK, total) - a
            samples = np.zeros(((g1 - g0) * CWA_PER_BLOCK, 3))
            samples[:n] = make(a, n)
            raw = pack_cwa(samples).reshape(g1 - g0, CWA_PER_BLOCK)
            blocks = np.zeros((g1 - g0, 256), dtype="<u2")
            view = blocks.view(np.uint8)
            for k in range(g1 - g0):
                b = g0 + k
                tb = t0 + b * CWA_PER_BLOCK / rate_hz
                sec = int(np.floor(tb))
                frac = int(np.ceil(round((tb - sec) * 32768, 6))) & 0x7FFF
                stamp = dt.datetime.fromtimestamp(sec, dt.UTC)
                count = min(CWA_PER_BLOCK, total - b * CWA_PER_BLOCK)
                # the time (sec + frac) is that of sample 0; the offset stored is the
                # backwards-compatible one, less the samples the fraction accounts for
                offset = -(((frac << 1) * rate_hz) >> 16)
                struct.pack_into("<2sHHIIIHHBBBBhH", view[k], 0, b"AX", 508, 0x8000 | frac, 7, b,
                                 _packed_time(stamp), 10, temp_raw, 0, 200, code, 0x30, offset,
                                 count)
            view[:, 30:510] = raw.view(np.uint8)
            blocks[:, 255] = 0
            blocks[:, 255] = (-blocks[:, :255].sum(axis=1, dtype=np.uint64)) & 0xFFFF
            fh.write(blocks.tobytes())
    return path


def pack_cwa(xyz_g: np.ndarray) -> np.ndarray:
    """Samples in g as AX3 packed words: 10-bit x, y, z (1/256 g) and a shared 2-bit exponent."""
    raw = np.clip(np.round(np.asarray(xyz_g) * 256), -512 * 8, 511 * 8).astype(np.int64)
    exp = np.zeros(raw.shape[0], dtype=np.int64)
    for e in (1, 2, 3):
        too_big = np.abs(raw >> exp[:, None]).max(axis=1) > 511
        exp[too_big] = e
    v = (raw >> exp[:, None]) & 0x3FF
    return (v[:, 0] | v[:, 1] << 10 | v[:, 2] << 20 | exp << 30).astype("<u4")


def _info_txt(serial: str, rate: int, start: dt.datetime, seconds: int, tz: str,
              extra: dict[str, str]) -> str:
    ticks = _TICKS_1970 + int(start.replace(tzinfo=dt.UTC).timestamp()) * 10_000_000
    lines = {"Serial Number": serial, "Device Type": "wGT3XBT", "Firmware": "1.9.2",
             "Battery Voltage": "4.10", "Sample Rate": str(rate), "Start Date": str(ticks),
             "Stop Date": "0", "Last Sample Time": str(ticks + seconds * 10_000_000),
             "TimeZone": tz, "Download Date": str(ticks + seconds * 10_000_000),
             "Board Revision": "4", "Unexpected Resets": "0", **extra}
    return "\r\n".join(f"{k}: {v}" for k, v in lines.items()) + "\r\n"


def _record(kind: int, stamp: int, payload: bytes) -> bytes:
    head = struct.pack("<BBIH", 0x1E, kind, stamp, len(payload))
    check = 0
    for byte in head + payload:
        check ^= byte
    return head + payload + bytes([~check & 0xFF])


def pack12(values: np.ndarray) -> bytes:
    """12-bit two's complement values, most significant nibble first (ACTIVITY records)."""
    v = (np.asarray(values, dtype=np.int64) & 0xFFF).ravel()
    if v.size % 2:
        v = np.r_[v, 0]
    pairs = v.reshape(-1, 2)
    out = np.empty((pairs.shape[0], 3), dtype=np.uint8)
    out[:, 0] = pairs[:, 0] >> 4
    out[:, 1] = ((pairs[:, 0] & 0xF) << 4) | (pairs[:, 1] >> 8)
    out[:, 2] = pairs[:, 1] & 0xFF
    raw = out.tobytes()
    return raw[: -(-np.asarray(values).size * 12 // 8)]


def write_gt3x(
    path: str | Path,
    xyz_g,
    *,
    start: dt.datetime = dt.datetime(2024, 3, 4, 8, 0, 0),
    rate_hz: int = 30,
    serial: str = "MOS2E12345678",
    tz: str = "01:00:00",
    scale: float = 256.0,
    packed: bool = False,
    extra: dict[str, str] | None = None,
    skip_seconds: tuple[int, ...] = (),
) -> Path:
    """Write an (n, 3) array in g (n a multiple of ``rate_hz``) as a .gt3x.

    One ACTIVITY2 record (``packed=False``) or ACTIVITY record (``packed=True``) per second;
    seconds in ``skip_seconds`` are left out (idle sleep mode), with the EVENT records that
    mark it.
    """
    arr = np.asarray(xyz_g, dtype=float)
    seconds = arr.shape[0] // rate_hz
    stamp0 = int(start.replace(tzinfo=dt.UTC).timestamp())
    raw = np.round(arr * scale).astype(np.int64)
    log = bytearray(_record(6, stamp0, b'{"MetadataType":"Subject"}'))
    sleeping = False
    for s in range(seconds):
        if s in skip_seconds:
            if not sleeping:
                log += _record(3, stamp0 + s, b"\x08")
                sleeping = True
            continue
        if sleeping:
            log += _record(3, stamp0 + s, b"\x09")
            sleeping = False
        block = raw[s * rate_hz : (s + 1) * rate_hz]
        if packed:
            log += _record(0, stamp0 + s, pack12(block[:, [1, 0, 2]]))
        else:
            log += _record(0x1A, stamp0 + s, block.astype("<i2").tobytes())
    info = _info_txt(serial, rate_hz, start, seconds, tz,
                     {"Acceleration Scale": f"{scale:.1f}", **(extra or {})})
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("info.txt", info)
        zf.writestr("log.bin", bytes(log))
    return Path(path)


def write_geneactiv(
    path: str | Path,
    xyz_g,
    *,
    start: dt.datetime = dt.datetime(2024, 3, 4, 8, 0, 0),
    rate_hz: float = 50.0,
    location: str = "right thigh",
    gain: tuple[int, int, int] = (25600, 25600, 25600),
    offset: tuple[int, int, int] = (0, 0, 0),
) -> Path:
    """Write an (n, 3) array in g (n a multiple of 300) as a GENEActiv .bin file."""
    arr = np.asarray(xyz_g, dtype=float)
    raw = np.round((arr * np.array(gain) + np.array(offset)) / 100).astype(np.int64) & 0xFFF
    pages = arr.shape[0] // 300
    head = ["Device Identity", "Device Unique Serial Code:054321", "Device Type:GENEActiv",
            "Device Model:1.1", "", "Configuration Info", f"Measurement Frequency:{rate_hz:g} Hz",
            f"Start Time:{start:%Y-%m-%d %H:%M:%S}:000", "Time Zone:GMT +01:00", "",
            "Subject Info", f"Device Location Code:{location}", "", "Calibration Data",
            *[f"{a} gain:{g}" for a, g in zip("xyz", gain)],
            *[f"{a} offset:{o}" for a, o in zip("xyz", offset)], "Volts:300", "Lux:800", "",
            "Memory Status", f"Number of Pages:{pages}", ""]
    out = ["\r\n".join(head)]
    for p in range(pages):
        t = start + dt.timedelta(seconds=p * 300 / rate_hz)
        words = raw[p * 300 : (p + 1) * 300]
        hexes = "".join(f"{x:03X}{y:03X}{z:03X}000" for x, y, z in words)
        out.append("\r\n".join([
            "Recorded Data", "Device Unique Serial Code:054321", f"Sequence Number:{p}",
            f"Page Time:{t:%Y-%m-%d %H:%M:%S}:{t.microsecond // 1000:03d}", "Unassigned:",
            "Temperature:31.5", "Battery voltage:4.1", "Device Status:Recording",
            f"Measurement Frequency:{rate_hz:g}", hexes, ""]))
    return write_bytes(path, "\r\n".join(out).encode("ascii"))
