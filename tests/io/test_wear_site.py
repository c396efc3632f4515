"""The wear-site check: annotations and the orientation heuristic, down to the QC report."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from glute_study.importing import import_to_study
from glute_study.io._device_writers import write_cwa
from glute_study.io.accel_epochs import accel_daily
from glute_study.io.wear_site import WearSiteWarning, wear_site_check


def _epochs(incl: np.ndarray) -> pd.DataFrame:
    start = pd.date_range("2024-03-04 08:00", periods=incl.size, freq="s")
    return pd.DataFrame({"start": start, "inclination_deg": incl, "state": "upright"})


def _thigh_day(hours: float = 10, seed: int = 1) -> np.ndarray:
    """Alternating sitting (85 deg) and standing/walking (5-25 deg), an hour of cycling."""
    rng = np.random.default_rng(seed)
    n = int(hours * 3600)
    t = np.arange(n)
    sit = (t // 2700) % 2 == 0
    incl = np.where(sit, 85 + rng.normal(0, 3, n), 12 + rng.normal(0, 6, n))
    cycling = (t >= 3 * 3600) & (t < 4 * 3600)
    incl[cycling] = 45 + 25 * np.sin(2 * np.pi * t[cycling] / 1.2)  # 50 rpm
    return np.clip(incl, 0, 90)


def _wrist_day(hours: float = 10, seed: int = 2) -> np.ndarray:
    """A forearm angle wandering over 0-90 degrees (an Ornstein-Uhlenbeck process)."""
    rng = np.random.default_rng(seed)
    n = int(hours * 3600)
    x = np.empty(n)
    x[0] = 45
    noise = rng.normal(0, 4, n)
    for i in range(1, n):
        x[i] = x[i - 1] + 0.01 * (45 - x[i - 1]) + noise[i]
    return np.clip(x, 0, 90)


def test_thigh_pattern_passes_and_wrist_pattern_is_flagged():
    thigh = wear_site_check(_epochs(_thigh_day()))
    assert thigh["thigh"] and thigh["mid_share"] < 0.12
    wrist = wear_site_check(_epochs(_wrist_day()))
    assert not wrist["thigh"] and wrist["mid_share"] > 0.3
    assert "orientation does not look thigh-worn" in wrist["message"]


def test_short_recordings_are_judged_by_their_annotation_only():
    short = wear_site_check(_epochs(_wrist_day(hours=0.5)))
    assert short["mid_share"] is None and short["thigh"]
    assert not wear_site_check(_epochs(_thigh_day(0.5)), wear_site="left ankle")["thigh"]
    assert wear_site_check(_epochs(_thigh_day(0.5)), wear_site="right upper leg")["thigh"]


def test_nonwear_minutes_are_left_out():
    e = _epochs(np.r_[_thigh_day(2), np.full(3 * 3600, 45.0)])
    e.loc[2 * 3600 :, "state"] = "nonwear"
    assert wear_site_check(e)["thigh"]


def _cwa(path, annotation: str, hours: float = 2):
    n = int(hours * 3600 * 100)
    t = np.arange(n) / 100
    sit = (t // 1800) % 2 == 0
    xyz = np.c_[np.where(sit, 0.05, 0.99), np.full(n, 0.02), np.where(sit, 0.99, 0.1)]
    xyz += np.random.default_rng(0).normal(0, 0.02, xyz.shape)
    return write_cwa(path, xyz, annotation=annotation)


def test_accel_daily_warns_about_a_wrist_annotation(tmp_path):
    p = _cwa(tmp_path / "P1.cwa", "_p=right+wrist&_sc=3", hours=1.2)
    with pytest.warns(WearSiteWarning, match="P1.cwa: the file says .* right wrist"):
        d = accel_daily(p, valid_day=1, nonwear_min=None)
    assert d.attrs["wear_site"]["wear_site"] == "right wrist"
    q = _cwa(tmp_path / "P2.cwa", "_p=left+thigh", hours=1.2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert accel_daily(q, valid_day=1, nonwear_min=None).attrs["wear_site"]["thigh"]


def test_import_log_and_qc_report_show_the_wear_site_warning(tmp_path):
    src = tmp_path / "raw"
    src.mkdir()
    _cwa(src / "P01_week.cwa", "_p=right+thigh", hours=1)
    _cwa(src / "P02_week.cwa", "_p=left+wrist", hours=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", WearSiteWarning)
        result = import_to_study("accel", [src], out=tmp_path / "study", executor="serial",
                                 valid_day=0.5)
    qc = result["qc"].set_index("participant_id")
    # one message each for too few valid days (an hour of recording); P02's wrist on top
    assert (qc.loc["P01", "warnings"], qc.loc["P02", "warnings"]) == (1, 2)
    assert "wrist" not in qc.loc["P01", "messages"]
    assert "left wrist" in qc.loc["P02", "messages"]
    log = pd.read_csv(tmp_path / "study" / "import_log.csv")
    assert log.set_index("participant_id").loc["P02", "warning"].count("wrist") == 1
