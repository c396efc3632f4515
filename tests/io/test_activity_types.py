"""Acti4-type activity types: epoch by epoch against acti-motus, and a schedule known by design.

The reference classes in tests/reference/posture/*.csv were made by acti-motus 2.4.0 (LEGACY
configuration = Acti4's thresholds) from the same synthetic recordings, by
tests/reference/posture/make_reference.py; these tests need neither acti-motus nor that script.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glute_study.errors import InputError
from glute_study.io import accel as accel_module
from glute_study.io import accel_daily, thigh_posture
from glute_study.io.synthetic_thigh import synthetic_thigh

REFERENCE = Path(__file__).parents[1] / "reference" / "posture"


def _schedules() -> dict:
    spec = importlib.util.spec_from_file_location("make_reference",
                                                  REFERENCE / "make_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SCHEDULES


SCHEDULES = _schedules()


def recording(name: str):
    return synthetic_thigh(SCHEDULES[name], hz=30, seed=1)  # as make_reference.py made them


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_classes_match_acti_motus_second_by_second(name):
    raw, _ = recording(name)
    ours = thigh_posture(raw)
    ref = pd.read_csv(REFERENCE / f"{name}.csv", parse_dates=["start"])
    both = ref.merge(ours[["start", "activity"]].rename(columns={"activity": "ours"}),
                     on="start", how="inner")
    assert len(both) == len(ref) == len(ours)
    same = both["acti_motus"] == both["ours"].astype(str)
    assert same.mean() >= 0.998, pd.crosstab(both["acti_motus"], both["ours"])
    # every class acti-motus found, we find in (almost) all of its seconds: differences are
    # single seconds at changes of activity (2-s windows, and no 5-Hz filter here)
    for cls, group in both.groupby("acti_motus"):
        agree = (group["ours"].astype(str) == cls).mean()
        assert agree >= 0.99, (cls, agree)


def test_a_day_with_80_min_cycling_keeps_cycling_out_of_sitting():
    raw, truth = recording("day")
    day = accel_daily(raw, valid_day=1).iloc[0]
    secs = truth["activity"].value_counts()
    assert day["cycling_h"] * 3600 == pytest.approx(secs["cycle"], abs=3)  # 4800 s
    assert day["stepping_h"] * 3600 == pytest.approx(secs["walk"] + secs["run"]
                                                     + secs["stairs"], abs=5)
    assert day["standing_h"] * 3600 == pytest.approx(secs["stand"], abs=8)
    # Acti4 calls a whole sit bout lying once the thigh rolls onto its side in it: the 300 s
    # sat on the bed before lying down are lying (acti-motus does the same, see the reference)
    sit_ref = secs["sit"] - 300
    assert day["sitting_h"] * 3600 == pytest.approx(sit_ref, abs=3)
    assert day["lying_h"] * 3600 == pytest.approx(secs["lie"] + 300, abs=5)
    # two sit bouts, two breaks (sit -> stand, sit -> walk); cycle -> stand is no break
    assert day["breaks"] == 2 and day["sitting_bouts"] == 2
    np.testing.assert_allclose(day["upright_h"], day["standing_h"] + day["stepping_h"]
                               + day["cycling_h"], atol=10 / 3600)  # + a few "move" seconds
    assert np.isnan(day["steps"])
    # the inclination-only rule counts cycling as sitting: the complaint of issue 16
    old = accel_daily(raw, valid_day=1, method="inclination").iloc[0]
    assert old["sitting_h"] - day["sitting_h"] > 80 / 60
    assert np.isnan(old["lying_h"]) and np.isnan(old["cycling_h"])


def test_rule_and_calibration_are_written_down():
    raw, _ = recording("day")
    daily = accel_daily(raw, valid_day=1)
    rule = daily.attrs["rule"]
    for part in ("Acti4-type", "Skotte et al. 2014", "reference angle -4.1 deg (calibrated from",
                 "SD x > 0.72 g", "cycle = thigh forward > 25 deg", "sit 5", "cycle 15",
                 "sitting excludes cycling and lying"):
        assert part in rule, part
    cal = daily.attrs["calibration"]
    assert cal["orientation"] == ["as worn"]
    assert cal["reference_deg"] == pytest.approx((8 - 6) * 0.725 - 5.569, abs=0.3)


def test_without_walking_the_default_reference_angle_is_used_and_said():
    raw, _ = synthetic_thigh([("stand", 120), ("sit", 300), ("stand", 60)], hz=25)
    ep = thigh_posture(raw, nonwear_min=None)
    assert ep.attrs["calibration"]["reference_deg"] == -16.0
    assert "default (no walking found)" in ep.attrs["rule"]
    assert ep.attrs["calibration"]["stairs_threshold"].startswith("none")
    given = thigh_posture(raw, nonwear_min=None, reference_angle_deg=-10)
    assert "reference angle -10.0 deg (given)" in given.attrs["rule"]


@pytest.mark.parametrize("flip", ["upside down", "inside out"])
def test_a_sensor_worn_upside_down_or_inside_out_gives_the_same_classes(flip):
    raw, _ = recording("day")
    turned = raw.copy()
    negate = ["x", "y"] if flip == "upside down" else ["y", "z"]
    turned[negate] = -turned[negate]
    a, b = thigh_posture(raw), thigh_posture(turned)
    assert b.attrs["calibration"]["orientation"][0].startswith(flip)
    assert (a["activity"] == b["activity"]).mean() >= 0.999


def test_long_axis_other_than_x():
    raw, _ = recording("nonwear")
    # long axis on y, side on z, forward on x (the cyclic order the option documents)
    moved = raw.rename(columns={"x": "y", "y": "z", "z": "x"})[["time", "x", "y", "z"]]
    a, b = thigh_posture(raw), thigh_posture(moved, long_axis="y")
    pd.testing.assert_series_equal(a["activity"], b["activity"])


def test_chunks_do_not_change_the_classes(tmp_path, monkeypatch):
    raw, _ = recording("nonwear")
    path = tmp_path / "thigh.parquet"
    raw.to_parquet(path, index=False)
    whole = thigh_posture(raw)
    monkeypatch.setattr(accel_module, "_CHUNK_ROWS", 997)
    pd.testing.assert_frame_equal(thigh_posture(path), whole, check_exact=False, rtol=1e-12)


def test_options_that_do_not_fit_the_method_are_refused():
    raw, _ = synthetic_thigh([("stand", 10)], hz=10)
    with pytest.raises(InputError, match="method"):
        thigh_posture(raw, method="acti5")
    with pytest.raises(InputError, match="1-s steps"):
        thigh_posture(raw, epoch_s=2)
    with pytest.raises(InputError, match="min_bout_s belongs to method='inclination'"):
        thigh_posture(raw, min_bout_s=10)
    with pytest.raises(InputError, match="reference_angle_deg belongs to method='acti4'"):
        thigh_posture(raw, method="inclination", reference_angle_deg=-16)
    with pytest.raises(InputError, match="`reference_angle_deg` must be an angle"):
        thigh_posture(raw, reference_angle_deg="flat")
    with pytest.raises(InputError, match="whole seconds"):
        synthetic_thigh([("stand", 1.5)])
    with pytest.raises(InputError, match="synthetic activity must be one of"):
        synthetic_thigh([("swim", 10)])
