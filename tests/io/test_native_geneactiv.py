"""GENEActiv .bin through read_accel: our streaming decoder against actfast and a writer."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from glute_study._text import FileFormatError
from glute_study.io import geneactiv
from glute_study.io._device_writers import write_geneactiv
from glute_study.io.accel import accel_metadata, file_kind, read_accel

DATA = Path(__file__).parent / "data" / "native"


def test_published_file_agrees_with_actfast_sample_for_sample():
    actfast = pytest.importorskip("actfast")
    f = DATA / "GENEActiv_testfile.bin"
    ours = read_accel(f)
    other = actfast.read(str(f))["timeseries"]["high_frequency"]
    assert len(ours) == len(other["datetime"]) == 5031  # 16 pages and a cut-short one
    np.testing.assert_allclose(ours[["x", "y", "z"]].to_numpy(), other["acceleration"],
                               atol=1e-6)  # float32 there
    lag = np.abs(ours["time"].to_numpy().astype(np.int64) - other["datetime"])
    assert lag.max() < 1_000  # ns
    m = ours.attrs
    assert (m["serial"], m["sample_rate_hz"], m["utc_offset"], m["wear_site"]) == (
        "012967", 85.7, "+01:00", None)
    assert ours["temperature"].iloc[0] == 21.5


def test_written_file_round_trips_in_chunks(tmp_path, monkeypatch):
    rng = np.random.default_rng(5)
    xyz = np.round(rng.normal(0, 0.6, (300 * 40, 3)) * 256) / 256
    p = write_geneactiv(tmp_path / "P1_left.bin", xyz, rate_hz=50, location="left_wrist",
                        gain=(25600, 25700, 25500), offset=(100, -200, 0))
    monkeypatch.setattr(geneactiv, "_READ", 20_000)  # a few pages a read
    chunks = list(geneactiv.iter_geneactiv(p))
    assert len(chunks) > 5
    got = np.vstack([np.c_[c.x, c.y, c.z] for c in chunks])
    assert np.abs(got - xyz).max() < 0.004  # one raw step of 100/gain g
    t = np.concatenate([c.t for c in chunks])
    np.testing.assert_array_equal(np.diff(t), 20_000_000)
    assert accel_metadata(p)["wear_site"] == "left wrist"
    assert file_kind(p) == "geneactiv"


def test_damaged_page_names_the_file(tmp_path):
    p = write_geneactiv(tmp_path / "bad.bin", np.zeros((600, 3)))
    text = p.read_bytes().replace(b"Page Time:2024-03-04 08:00:06:000", b"Page Time:garbage")
    p.write_bytes(text)
    with pytest.raises(FileFormatError, match="bad.bin.*page time"):
        read_accel(p)
