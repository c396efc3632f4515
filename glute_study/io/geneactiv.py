"""GENEActiv ``.bin`` files: samples in chunks, and the metadata of the text header.

A GENEActiv ``.bin`` file is text: a header of ``key:value`` lines in sections (``Device
Identity``, ``Configuration Info`` with the rate and ``Time Zone``, ``Subject Info`` with
``Device Location Code``, ``Calibration Data`` with each axis's gain and offset), then pages
that each start ``Recorded Data``, give the page's time, temperature, battery and rate, and end
in one line of 300 samples written as hex, 12 digits per sample: x, y and z as 12-bit two's
complement numbers, then 10 bits of light, the button and a spare bit. An axis in g is
``(raw * 100 - offset) / gain`` (the manufacturer's formula, as GGIRread and GENEAread apply
it); sample ``i`` of a page is at the page time plus ``i`` / rate, on the device's clock.

The pages are decoded here with NumPy, a few thousand at a time, so that memory stays bounded
for a week of recording; the tests check every sample and time against the ``actfast`` package.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .._text import FileFormatError, open_export
from .accel import Chunk

__all__ = ["geneactiv_metadata", "iter_geneactiv"]

_PAGE = b"Recorded Data"
_READ = 8 << 20  # bytes read at a time: about 2,000 pages, 600,000 samples


def _header(path: Path) -> tuple[dict[str, str], int]:
    """The header's ``key: value`` pairs, and the byte offset of the first page."""
    with open_export(path) as fh:
        head = fh.read(1 << 16)
    at = head.find(_PAGE)
    if not head.lstrip(b"\xef\xbb\xbf").startswith(b"Device Identity"):
        raise FileFormatError(path, "not a GENEActiv .bin file (it starts with 'Device "
                              "Identity').")
    text = head[: at if at >= 0 else len(head)].decode("latin-1")
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields.setdefault(key.strip(), value.replace("\x00", "").strip())
    return fields, at


def _number(fields: dict[str, str], key: str, path: Path) -> float:
    found = re.search(r"-?\d+(\.\d+)?", fields.get(key, ""))
    if not found:
        raise FileFormatError(path, f"the GENEActiv header gives no {key!r} (found "
                              f"{fields.get(key)!r}).")
    return float(found.group(0))


def geneactiv_metadata(path: str | Path) -> dict:
    """What the header of a GENEActiv ``.bin`` file says about the recording.

    Returns
    -------
    dict
        ``format`` ("geneactiv"), ``device``, ``serial``, ``sample_rate_hz``, ``wear_site``
        (the ``Device Location Code``, or None when blank), ``start`` (the configured start),
        ``utc_offset`` (the header's ``Time Zone``, e.g. "+01:00"; times stay on the device
        clock), ``pages`` and the calibration (``gain`` and ``offset`` per axis, ``volts``,
        ``lux``).

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> from glute_study.io._device_writers import write_geneactiv
    >>> p = write_geneactiv(pathlib.Path(tempfile.mkdtemp()) / "P1.bin", np.zeros((300, 3)))
    >>> m = geneactiv_metadata(p)
    >>> m["serial"], m["sample_rate_hz"], m["wear_site"], m["utc_offset"]
    ('054321', 50.0, 'right thigh', '+01:00')
    """
    path = Path(path)
    f, _ = _header(path)
    zone = re.search(r"([+-])\s*(\d{1,2}):?(\d{2})", f.get("Time Zone", ""))
    return {
        "format": "geneactiv",
        "device": f.get("Device Type") or None,
        "serial": f.get("Device Unique Serial Code") or None,
        "sample_rate_hz": _number(f, "Measurement Frequency", path),
        "wear_site": (f.get("Device Location Code") or "").replace("_", " ").lower() or None,
        "start": f.get("Start Time") or None,
        "end": None,
        "utc_offset": f"{zone[1]}{int(zone[2]):02d}:{zone[3]}" if zone else None,
        "pages": int(_number(f, "Number of Pages", path)) if "Number of Pages" in f else None,
        "gain": {a: _number(f, f"{a} gain", path) for a in "xyz"},
        "offset": {a: _number(f, f"{a} offset", path) for a in "xyz"},
        "volts": _number(f, "Volts", path),
        "lux": _number(f, "Lux", path),
    }


def _page_field(pages: list[bytes], key: bytes) -> list[bytes]:
    out = []
    for page in pages:
        i = page.find(key)
        out.append(page[i + len(key) : page.find(b"\n", i)].strip() if i >= 0 else b"")
    return out


def iter_geneactiv(path: str | Path) -> Iterator[Chunk]:
    """Yield the samples of a GENEActiv ``.bin`` file as :class:`~glute_study.io.accel.Chunk` s.

    Times in int64 ns on the device clock, x, y, z in g (calibrated with the header's gains and
    offsets) and each page's temperature (deg C) for its samples. A last page cut short keeps
    its whole samples.

    Examples
    --------
    >>> import tempfile, pathlib, numpy as np
    >>> from glute_study.io._device_writers import write_geneactiv
    >>> p = write_geneactiv(pathlib.Path(tempfile.mkdtemp()) / "P1.bin",
    ...                     np.tile([1.0, 0.0, 0.0], (600, 1)))
    >>> [(c.t.size, float(c.x[0]), float(c.temperature[0])) for c in iter_geneactiv(p)]
    [(600, 1.0, 31.5)]
    """
    path = Path(path)
    meta = geneactiv_metadata(path)
    gain = np.array([meta["gain"][a] for a in "xyz"])
    offset = np.array([meta["offset"][a] for a in "xyz"])
    _, first = _header(path)
    if first < 0:
        raise FileFormatError(path, "the GENEActiv file has a header but no 'Recorded Data' "
                              "pages (an empty recording?).")
    row = 0
    with open_export(path) as fh:
        fh.seek(first)
        rest = b""
        while True:
            block = fh.read(_READ)
            data = rest + block
            if not data:
                break
            more = len(block) == _READ  # a short read is the end of the file
            if more:  # hold back the last (maybe unfinished) page for the next read
                cut = data.rfind(_PAGE)
                if cut <= 0:
                    rest = data
                    continue
                data, rest = data[:cut], data[cut:]
            else:
                rest = b""
            chunk = _decode_pages(data, path, gain, offset, row)
            if chunk is not None:
                yield chunk
                row += chunk.t.size
            if not more:
                break


def _decode_pages(data: bytes, path: Path, gain: np.ndarray, offset: np.ndarray, row: int
                  ) -> Chunk | None:
    pages = [p for p in data.split(_PAGE) if p.strip()]
    if not pages:
        return None
    hexes = []
    for page in pages:
        lines = page.rstrip().splitlines()
        hexes.append(lines[-1].strip() if lines else b"")
    counts = np.array([len(h) // 12 for h in hexes], dtype=np.int64)
    times = [t.decode("ascii", "replace") for t in _page_field(pages, b"Page Time:")]
    try:
        # "2013-05-30 10:12:54:500": the milliseconds follow a colon
        start = np.array([t[:10] + "T" + t[11:19] + "." + t[20:] for t in times],
                         dtype="datetime64[ms]").astype("datetime64[ns]").view(np.int64)
        rate = np.array([float(v) for v in _page_field(pages, b"Measurement Frequency:")])
        temp = np.array([float(v or "nan") for v in _page_field(pages, b"Temperature:")])
    except ValueError:
        bad = next((t for t in times if not re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d:\d+",
                                                         t)), times[0])
        raise FileFormatError(path, f"a page (data row {row + 1} on) has an unreadable page "
                              f"time or rate ({bad!r}); the file may be damaged.") from None
    try:
        raw = bytes.fromhex(b"".join(h[: 12 * c] for h, c in zip(hexes, counts)).decode("ascii"))
    except (ValueError, UnicodeDecodeError):
        raise FileFormatError(path, f"a page (data row {row + 1} on) holds a character that is "
                              "not hex in its samples; the file may be damaged.") from None
    b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 6).astype(np.int16)
    # 12 bits each: x = b0 b1[hi], y = b1[lo] b2, z = b3 b4[hi]
    words = (b[:, 0] << 4 | b[:, 1] >> 4, (b[:, 1] & 15) << 8 | b[:, 2],
             b[:, 3] << 4 | b[:, 4] >> 4)
    axes = []
    for j, v in enumerate(words):
        v = np.where(v >= 2048, v - 4096, v)
        axes.append((v * 100.0 - offset[j]) / gain[j])
    within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    step = np.repeat(1e9 / rate, counts)
    t = np.repeat(start, counts) + np.round(within * step).astype(np.int64)
    return Chunk(t, *axes, first_line=None, first_row=row,
                 temperature=np.repeat(temp, counts))


# the names the content dispatch of glute_study.io.accel calls
metadata = geneactiv_metadata
iter_samples = iter_geneactiv
