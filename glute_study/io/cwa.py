"""Axivity AX3/AX6 ``.cwa`` files: samples in chunks, and the metadata of the header.

A ``.cwa`` file is a 1024-byte header (starting ``MD``: device id, session id, sample rate,
range and a free-text annotation such as ``_p=right+thigh&_sc=7``, where ``_p`` is the body
location the researcher entered) followed by 512-byte data blocks (starting ``AX``) of 80 or 120
samples with a packed timestamp of the device's local clock, light, temperature and battery.
The samples are decoded by the ``cwa-reader-rs`` package (MIT licence), a block range at a time,
so that a week at 100 Hz is read in bounded memory; the per-block temperature is read here
straight from the blocks (byte 20, ``raw * 75 / 256 - 50`` deg C, as Open Movement's
``cwa-convert`` does) and given to every sample of its block.

Times stay on the device clock (the wearer's local time, as set when the device was configured);
the file stores no UTC offset.
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from .._text import FileFormatError
from .accel import Chunk

__all__ = ["cwa_metadata", "iter_cwa", "wear_site_of_annotation"]

_HEADER = 1024
_BLOCK = 512
_CHUNK_BLOCKS = 16_384  # about 2 M samples at 120 per block: the reader's best pace, measured


def _reader():
    try:
        import cwa_reader_rs
    except ImportError:  # pragma: no cover - a dependency of the package
        raise FileFormatError(
            "", "reading .cwa files needs the cwa-reader-rs package: pip install cwa-reader-rs."
        ) from None
    return cwa_reader_rs


def wear_site_of_annotation(annotation: str) -> str | None:
    """The body location (``_p``) of a CWA metadata annotation, in words; None if not given.

    Examples
    --------
    >>> wear_site_of_annotation("_p=right+thigh&_sc=7")
    'right thigh'
    >>> wear_site_of_annotation("_sc=7") is None
    True
    """
    fields = urllib.parse.parse_qs(annotation.strip(), keep_blank_values=False)
    site = fields.get("_p")
    return " ".join(site[0].split()).lower() or None if site else None


def cwa_metadata(path: str | Path) -> dict:
    """What the header of a ``.cwa`` file says about the recording.

    Returns
    -------
    dict
        ``format`` ("cwa"), ``device`` (AX3/AX6), ``serial`` (the device id), ``session_id``,
        ``sample_rate_hz``, ``range_g``, ``annotation`` (the free text), ``wear_site`` (its
        ``_p`` field in words, or None), ``start`` and ``end`` (first and last sample, device
        clock) and ``utc_offset`` (None: the file does not store one).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from glute_study.io._device_writers import write_cwa
    >>> p = write_cwa(pathlib.Path(tempfile.mkdtemp()) / "P1.cwa", np.tile([1.0, 0, 0], (600, 1)))
    >>> m = cwa_metadata(p)
    >>> m["serial"], m["sample_rate_hz"], m["wear_site"], m["start"]
    ('12345', 100.0, 'right thigh', '2024-03-04T08:00:00')
    """
    path = Path(path)
    try:
        raw = _reader().read_metadata(str(path))
    except (RuntimeError, ValueError) as exc:
        raise FileFormatError(path, f"cannot be read as an Axivity .cwa file ({exc}).") from None
    annotation = str(raw.get("annotation") or "")
    upper = raw.get("upper_device_id")
    serial = int(raw["device_id"])
    if upper not in (None, 0, 0xFFFF):
        serial |= int(upper) << 16
    return {
        "format": "cwa",
        "device": raw.get("hardware_type"),
        "serial": str(serial),
        "session_id": raw.get("session_id"),
        "sample_rate_hz": float(raw["sample_rate_hz"]),
        "range_g": raw.get("accel_range"),
        "annotation": annotation,
        "wear_site": wear_site_of_annotation(annotation),
        "start": raw.get("start_from_data_raw"),
        "end": raw.get("end_from_data_raw"),
        "utc_offset": None,
    }


def _block_fields(path: Path, first: int, last: int) -> tuple[np.ndarray, np.ndarray]:
    """Temperature (deg C) and sample count of data blocks ``first`` to ``last - 1``."""
    dtype = np.dtype([("head", "S2"), ("pad", "V18"), ("temp", "<u2"), ("pad2", "V6"),
                      ("count", "<u2"), ("rest", "V482")])
    with open(path, "rb") as fh:
        fh.seek(_HEADER + first * _BLOCK)
        blocks = np.fromfile(fh, dtype=dtype, count=last - first)
    ok = blocks["head"] == b"AX"
    temp = (blocks["temp"] & 0x3FF) * (75.0 / 256) - 50.0
    return temp[ok], blocks["count"][ok].astype(np.int64)


def iter_cwa(path: str | Path, *, chunk_blocks: int = _CHUNK_BLOCKS) -> Iterator[Chunk]:
    """Yield the samples of a ``.cwa`` file as :class:`~glute_study.io.accel.Chunk` s.

    Each chunk holds ``chunk_blocks`` data blocks (about 2 M samples): times in int64 ns on the
    device clock, x, y, z in g, and the temperature of each sample's block.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from glute_study.io._device_writers import write_cwa
    >>> p = write_cwa(pathlib.Path(tempfile.mkdtemp()) / "P1.cwa", np.tile([1.0, 0, 0], (600, 1)))
    >>> [(c.t.size, float(c.x[0]), round(float(c.temperature[0]))) for c in iter_cwa(p)]
    [(600, 1.0, 30)]
    """
    path = Path(path)
    cwa = _reader()
    size = path.stat().st_size
    n_blocks = max((size - _HEADER) // _BLOCK, 0)
    if n_blocks == 0:
        raise FileFormatError(path, "the .cwa file has a header but no data blocks (an empty "
                              "recording?).")
    row = 0
    for first in range(0, n_blocks, chunk_blocks):
        last = min(first + chunk_blocks, n_blocks)
        try:
            frame = cwa.read_cwa_file(
                str(path), cut=cwa.blocks(first, last), include_magnetometer=False,
                include_temperature=False, include_light=False, include_battery=False)
        except (RuntimeError, ValueError) as exc:
            raise FileFormatError(path, f"data blocks {first} to {last - 1} cannot be read as "
                                  f"Axivity .cwa data ({exc}).") from None
        n = len(frame)
        if n == 0:
            continue
        t = frame.index.to_numpy().astype("datetime64[ns]").view(np.int64)
        xyz = [frame[f"acc_{a}"].to_numpy() for a in "xyz"]
        temp, counts = _block_fields(path, first, last)
        if counts.sum() == n:
            temperature = np.repeat(temp, counts)
        else:  # blocks the reader left out (damaged): spread the block values over the samples
            temperature = np.interp(np.linspace(0, 1, n), np.linspace(0, 1, max(temp.size, 1)),
                                    temp if temp.size else np.array([np.nan]))
        yield Chunk(t, *xyz, first_line=None, first_row=row, temperature=temperature)
        row += n


# the names the content dispatch of glute_study.io.accel calls
metadata = cwa_metadata
iter_samples = iter_cwa
