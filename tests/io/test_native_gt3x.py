"""ActiGraph .gt3x: our reader against ActiLife's RAW CSV exports and synthetic files.

The published recordings (and ActiLife's exports of them) are read from the repositories that
publish them, fetched beside this one (``$GLUTE_STUDY_MIRRORS``, default ``/work/.mirror``); the
tests that need them skip when they are absent:

* THLfi/read.gt3x (EUPL): ``inst/extdata/TAS1H30182785_2019-09-17.gt3x``, a GT9X Link at
  100 Hz with idle sleep and a USB connection, and its ActiLife 6.13.3 RAW CSV;
* actigraph/pygt3x (GPL-3.0; data only, no code taken): ``tests/resources/neo.gt3x``, a GT3X+
  with firmware 2.5.0 (the older activity.bin layout) and its ActiLife 6.13.4 RAW CSV, and
  ``ISM_Enabled.gt3x`` / ``ISM_Disabled.gt3x``, two devices worn together for 5 minutes.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glute_study._text import FileFormatError
from glute_study.errors import GluteStudyWarning
from glute_study.io import gt3x
from glute_study.io._device_writers import write_gt3x
from glute_study.io.accel import accel_metadata, file_kind, read_accel
from glute_study.io.accel_epochs import accel_daily

MIRRORS = Path(os.environ.get("GLUTE_STUDY_MIRRORS", "/work/.mirror"))


def _published(tmp_path: Path, repo: str, path: str) -> Path:
    git_dir = MIRRORS / repo.replace("/", "+") / "repo"
    if not git_dir.exists():
        pytest.skip(f"{repo} is not fetched at {git_dir}")
    out = tmp_path / Path(path).name
    with open(out, "wb") as fh:
        done = subprocess.run(["git", "-C", str(git_dir), "show", f"HEAD:{path}"], stdout=fh,
                              stderr=subprocess.DEVNULL, check=False)
    if done.returncode:
        pytest.skip(f"{path} not in {repo}")
    return out


def _actilife_csv(path: Path) -> tuple[pd.Timestamp, float, np.ndarray]:
    """Start, rate and samples of an ActiLife RAW CSV (10 header lines, then X, Y, Z)."""
    import gzip

    with (gzip.open if path.suffix == ".gz" else open)(path, "rt") as fh:
        head, *lines = [next(fh) for _ in range(4)]
    rate = float(head.split(" at ")[1].split(" Hz")[0])
    start = pd.Timestamp(f"{lines[2].split()[-1]} {lines[1].split()[-1]}")
    return start, rate, pd.read_csv(path, skiprows=10).to_numpy()


def test_gt9x_log_bin_agrees_with_actilife_sample_for_sample(tmp_path):
    f = _published(tmp_path, "THLfi/read.gt3x", "inst/extdata/TAS1H30182785_2019-09-17.gt3x")
    csv = _published(tmp_path, "THLfi/read.gt3x",
                     "inst/extdata/TAS1H30182785_2019-09-17.csv.gz")
    start, rate, want = _actilife_csv(csv)
    ours = read_accel(f)
    at = ((ours["time"] - start) / pd.Timedelta(seconds=1 / rate)).round().astype(int)
    assert ours["time"].iloc[0] == start  # the device clock, as ActiLife shows it
    np.testing.assert_array_equal(ours[["x", "y", "z"]].to_numpy(), want[at.to_numpy()])
    # idle sleep is filled as ActiLife fills it; after the USB connection ActiLife writes zeros
    # where we write nothing
    left = np.setdiff1d(np.arange(len(want)), at.to_numpy())
    assert len(left) == 252 * 100 and not want[left].any()
    m = ours.attrs
    assert (m["serial"], m["scale"], m["utc_offset"], m["start"]) == (
        "TAS1H30182785", 256.0, "-04:00", "2019-09-17T18:40:00")


def test_old_neo_activity_bin_agrees_with_actilife(tmp_path):
    f = _published(tmp_path, "actigraph/pygt3x", "tests/resources/neo.gt3x")
    csv = _published(tmp_path, "actigraph/pygt3x", "tests/resources/neo.csv")
    start, rate, want = _actilife_csv(csv)
    ours = read_accel(f)
    assert ours.attrs["layout"] == "activity.bin" and ours.attrs["scale"] == 341.0
    np.testing.assert_array_equal(ours[["x", "y", "z"]].to_numpy(), want)
    want_t = start + pd.to_timedelta(np.arange(len(want)) / rate, "s")
    lag = np.abs((ours["time"] - want_t).dt.total_seconds())
    assert lag.max() < 1e-6


def test_idle_sleep_is_filled_to_the_length_of_a_device_without_it(tmp_path):
    on = read_accel(_published(tmp_path, "actigraph/pygt3x", "tests/resources/ISM_Enabled.gt3x"))
    off = read_accel(_published(tmp_path, "actigraph/pygt3x",
                                "tests/resources/ISM_Disabled.gt3x"))
    assert len(on) == len(off) == 300 * 30
    assert (on["time"].to_numpy() == off["time"].to_numpy()).all()
    assert on.attrs["wear_site"] == "right wrist" and off.attrs["wear_site"] == "wrist"


def test_activity_packet_example_of_the_format_description():
    # GT3X-File-Format LogRecords/Activity.md: bytes -> Y, X, Z raw values
    raw = bytes.fromhex("006008EBD007009EBF007008EBF0")
    got = gt3x._unpack12(np.frombuffer(raw, np.uint8)[None, :], 9)[0].reshape(3, 3)
    np.testing.assert_array_equal(got, [[6, 8, -323], [7, 9, -321], [7, 8, -321]])
    assert gt3x._round3(np.array([-323 / 341, 0.0175953, 1.3125, -1.3125])).tolist() == [
        -0.947, 0.018, 1.313, -1.313]


@pytest.mark.parametrize("packed", [False, True])
def test_synthetic_files_round_trip_with_gaps_filled(tmp_path, packed):
    rng = np.random.default_rng(7)
    xyz = np.round(rng.normal(0, 0.7, (30 * 20, 3)) * 341) / 341
    p = write_gt3x(tmp_path / "P1.gt3x", xyz, packed=packed, serial="CLE2B12345678", scale=341,
                   skip_seconds=(5, 6, 7), start=dt.datetime(2024, 3, 31, 1, 59, 50))
    d = read_accel(p)
    assert len(d) == len(xyz)
    got, want = d[["x", "y", "z"]].to_numpy(), gt3x._round3(xyz)
    kept = np.r_[0:150, 240:600]
    np.testing.assert_array_equal(got[kept], want[kept])
    assert (got[150:240] == want[149]).all()  # idle sleep: the last sample before it
    step = np.diff(d["time"].to_numpy().astype(np.int64))
    assert step.min() >= 33_333_333 and step.max() <= 33_333_334
    assert d["time"].iloc[0] == pd.Timestamp("2024-03-31 01:59:50")  # device clock, not shifted


def test_bad_checksum_record_is_left_out_with_a_warning(tmp_path):
    xyz = np.tile([0.0, 0.0, 1.0], (30 * 4, 1))
    p = write_gt3x(tmp_path / "P1.gt3x", xyz)
    import zipfile

    with zipfile.ZipFile(p) as zf:
        info, log = zf.read("info.txt"), bytearray(zf.read("log.bin"))
    second = log.index(bytes([0x1E, 0x1A]), 10)  # the first activity record
    log[second + 20] ^= 0xFF
    with zipfile.ZipFile(p, "w") as zf:
        zf.writestr("info.txt", info)
        zf.writestr("log.bin", bytes(log))
    with pytest.warns(GluteStudyWarning, match="P1.gt3x: 1 activity record"):
        d = read_accel(p)
    assert len(d) == 90  # the first second is gone; nothing comes before it to fill with


def test_content_dispatch_and_errors(tmp_path):
    p = write_gt3x(tmp_path / "noext", np.zeros((60, 3)))
    assert file_kind(p) == "gt3x"
    assert accel_metadata(p)["format"] == "gt3x"
    import zipfile

    z = tmp_path / "other.gt3x"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("readme.txt", "hello")
    with pytest.raises(FileFormatError, match="other.gt3x: a zip archive but not an ActiGraph"):
        read_accel(z)
    empty = tmp_path / "empty.gt3x"
    with zipfile.ZipFile(empty, "w") as zf:
        zf.writestr("info.txt", "Serial Number: MOS1\r\nSample Rate: 30\r\n")
        zf.writestr("log.bin", b"")
    with pytest.raises(FileFormatError, match="empty.gt3x.*no activity records"):
        read_accel(empty)


def test_accel_daily_reads_a_gt3x(tmp_path):
    n = 30 * 3600
    t = np.arange(n) / 30
    sit = t < 2400
    xyz = np.c_[np.where(sit, 0.0, 1.0), np.full(n, 0.02), np.where(sit, 1.0, 0.0)]
    p = write_gt3x(tmp_path / "P1.gt3x", xyz, extra={"Limb": "Thigh"})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = accel_daily(p, valid_day=0.5, nonwear_min=None)
    assert d["sitting_h"].iloc[0] == pytest.approx(2 / 3, abs=1e-3)
