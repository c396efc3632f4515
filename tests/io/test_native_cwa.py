"""Axivity .cwa through read_accel / accel_daily / the folder import, and the content dispatch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glute_study._text import FileFormatError
from glute_study.io._device_writers import write_cwa
from glute_study.io.accel import accel_metadata, file_kind, iter_accel, read_accel
from glute_study.io.accel_epochs import accel_daily
from glute_study.io.cwa import iter_cwa
from glute_study.io.device_folder import import_device_folder

DATA = Path(__file__).parent / "data" / "native"


def _posture_week(n: int, rate: int = 100) -> np.ndarray:
    t = np.arange(n) / rate
    sit = (t // 600) % 2 == 0  # 10 min sitting, 10 min upright
    rng = np.random.default_rng(3)
    x = np.where(sit, 0.05, 0.98) + rng.normal(0, 0.03, n)
    z = np.where(sit, 0.99, 0.10) + rng.normal(0, 0.03, n)
    return np.c_[x, rng.normal(0, 0.03, n), z]


def test_synthetic_cwa_round_trips_samples_and_times(tmp_path):
    xyz = _posture_week(120 * 40)
    xyz[5, :] = [3.1, -2.5, 7.9]  # large values use the packed exponent
    p = write_cwa(tmp_path / "P1.cwa", xyz, start=dt.datetime(2024, 5, 6, 23, 59, 30))
    d = read_accel(p)
    assert len(d) == len(xyz)
    # packed samples keep 1/256 g below 2 g, coarser steps above (shared exponent)
    assert np.abs(d[["x", "y", "z"]].to_numpy()[6:] - np.round(xyz[6:] * 256) / 256).max() == 0
    # 3.1 g is 794/256 g, kept as (794 >> 2) << 2; 7.9 g as (2022 >> 2) << 2
    np.testing.assert_allclose(d.loc[5, ["x", "y", "z"]].to_numpy(float), [3.09375, -2.5, 7.890625])
    want = pd.Timestamp("2024-05-06 23:59:30") + pd.to_timedelta(np.arange(len(xyz)) * 10, "ms")
    lag = np.abs(d["time"].to_numpy().astype(np.int64) - want.to_numpy().astype(np.int64))
    assert lag.max() <= 1_000  # 1 us: the reader keeps microseconds
    assert d["temperature"].round(1).eq(30.0).all()
    assert d.attrs["wear_site"] == "right thigh" and d.attrs["sample_rate_hz"] == 100.0


def test_published_ax3_and_ax6_files_agree_with_an_independent_reader():
    actfast = pytest.importorskip("actfast")
    for name in ("ax3_testfile.cwa", "ax6_testfile.cwa"):
        ours = read_accel(DATA / name)
        other = actfast.read(str(DATA / name))["timeseries"]["high_frequency"]
        np.testing.assert_array_equal(ours[["x", "y", "z"]].to_numpy(), other["acceleration"])
        lag = np.abs(ours["time"].to_numpy().astype(np.int64) - other["datetime"])
        assert lag.max() < 30e6  # the two interpolate block times differently: < 3 samples


def test_cwa_metadata_names_serial_rate_and_wear_site():
    m = accel_metadata(DATA / "ax3_testfile.cwa")
    assert (m["format"], m["serial"], m["sample_rate_hz"], m["wear_site"]) == (
        "cwa", "39434", 100.0, "right wrist")
    assert accel_metadata(DATA / "ax6_testfile.cwa")["device"] == "AX6"


def test_cwa_is_read_by_content_whatever_its_name(tmp_path):
    p = write_cwa(tmp_path / "recording.dat", _posture_week(1200))
    assert file_kind(p) == "cwa"
    chunks = list(iter_accel(p))
    assert sum(len(c) for c in chunks) == 1200 and "temperature" in chunks[0]


def test_cwa_chunks_are_bounded_and_cover_every_sample(tmp_path):
    p = write_cwa(tmp_path / "P1.cwa", _posture_week(120 * 50))
    sizes = [c.t.size for c in iter_cwa(p, chunk_blocks=7)]
    assert max(sizes) == 7 * 120 and sum(sizes) == 120 * 50


def test_damaged_and_unknown_files_name_the_file(tmp_path):
    empty = tmp_path / "empty.cwa"
    empty.write_bytes(bytes(DATA.joinpath("ax3_testfile.cwa").read_bytes()[:1024]))
    with pytest.raises(FileFormatError, match="empty.cwa.*no data blocks"):
        read_accel(empty)
    junk = tmp_path / "junk.cwa"
    junk.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(FileFormatError, match=r"junk.cwa.*no format this reader knows.*\.cwa"):
        read_accel(junk)
    agd = tmp_path / "P1.agd"
    agd.write_bytes(b"SQLite format 3\x00" + bytes(100))
    with pytest.raises(FileFormatError, match="read_actigraph"):
        read_accel(agd)


def test_accel_daily_and_folder_import_read_cwa_files(tmp_path):
    n = 100 * 3600 * 2
    for pid in ("P01", "P02"):
        write_cwa(tmp_path / f"{pid}_thigh.cwa", _posture_week(n))
    daily = accel_daily(tmp_path / "P01_thigh.cwa", valid_day=1, nonwear_min=None)
    assert daily["sitting_h"].sum() == pytest.approx(1.0, abs=0.01)
    out = import_device_folder(tmp_path, reader="accel", executor="serial",
                               options={"valid_day": 1, "nonwear_min": None})
    assert list(out.files["participant_id"]) == ["P01", "P02"]
    assert out.files["error"].isna().all()
    assert out.daily["sitting_h"].round(2).tolist() == [1.0, 1.0]
