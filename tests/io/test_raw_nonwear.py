"""Non-wear rules on raw accelerometry: GGIR 2013, Acti4/ActiPASS short removals, temperature."""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import pytest

from glute_study.commands import import_
from glute_study.errors import InputError
from glute_study.io import accel_daily, thigh_posture
from glute_study.io.device_folder import import_device_folder
from glute_study.io.raw_nonwear import check_rules
from glute_study.io.synthetic_thigh import synthetic_thigh


def _nonwear_s(ep: pd.DataFrame) -> np.ndarray:
    """Seconds since the first epoch of the epochs marked non-wear."""
    t = (ep["start"] - ep["start"].iloc[0]).dt.total_seconds().to_numpy()
    return t[ep["state"].to_numpy() == "nonwear"]


def _shower_day():
    # a shower-length removal: the sensor taken off (walking to the bathroom), left flat on a
    # table for 15 min, put on again; quiet sitting on either side
    schedule = [("sit", 600), ("walk", 120), ("handle", 20), ("nonwear", 900), ("handle", 20),
                ("walk", 120), ("sit", 900), ("stand", 60)]
    return synthetic_thigh(schedule, hz=25, seed=3)


def test_a_shower_length_removal_on_a_table_is_nonwear_not_sitting():
    raw, truth = _shower_day()
    old = thigh_posture(raw)  # the 90-min still rule alone misses it: the table reads as sitting
    assert (old["state"] == "nonwear").sum() == 0
    table = (truth["activity"] == "nonwear").to_numpy()
    assert (old["state"].to_numpy()[table] == "sitting").mean() > 0.95
    ep = thigh_posture(raw, nonwear=("still", "actipass"))
    off = ep["state"].to_numpy() == "nonwear"
    # the 2-s windows blur the edges by a second or two
    assert abs(int(off.sum()) - 900) <= 3
    assert off[table].mean() > 0.99
    assert (ep["state"].to_numpy()[truth["activity"].to_numpy() == "sit"] == "sitting").mean() \
        > 0.95
    assert "Acti4/ActiPASS/acti-motus" in ep.attrs["rule"]
    assert ep.attrs["nonwear"] == ["still", "actipass"]


def test_a_still_period_not_flat_or_without_handling_is_not_a_short_removal():
    # the sensor still for 20 min but tilted 30 deg (resting on a bag): not flat, so worn
    raw, _ = synthetic_thigh([("handle", 120), ("nonwear", 1200), ("walk", 60)], hz=25, seed=1)
    tilt = np.radians(30)
    still = slice(120 * 25, 1320 * 25)
    x, z = raw["x"].to_numpy().copy(), raw["z"].to_numpy().copy()
    x[still], z[still] = np.sin(tilt) + x[still], np.cos(tilt) + (z[still] - 1)
    tilted = raw.assign(x=x, z=z)
    assert (thigh_posture(tilted, nonwear="actipass")["state"] == "nonwear").sum() == 0
    # flat again, but with no movement before it (the recording starts still): not accepted
    raw2, _ = synthetic_thigh([("nonwear", 1200), ("walk", 60)], hz=25, seed=1)
    assert (thigh_posture(raw2, nonwear="actipass")["state"] == "nonwear").sum() == 0


def test_ggir_2013_flags_blocks_whose_centred_hour_is_still():
    # 1 h walking, 90 min still (flat), 1 h walking: GGIR judges each 15-min block on the 60-min
    # window centred on it, so only blocks 90-105 and 105-120 min have a wholly still window
    raw, _ = synthetic_thigh([("walk", 3600), ("nonwear", 5400), ("walk", 3600)], hz=10, seed=2)
    ep = thigh_posture(raw, method="inclination", nonwear="ggir")
    t = _nonwear_s(ep)
    assert t.min() == 90 * 60 and t.max() == 120 * 60 - 1 and t.size == 30 * 60
    assert "GGIR 2013" in ep.attrs["rule"] and "range < 50 mg" in ep.attrs["rule"]


def _ggir_reference(xyz: np.ndarray, sf: int) -> np.ndarray:
    """GGIR's ``detect_nonwear_clipping()`` (nonwear_approach "2013", R/detect_nonwear_clipping.R
    of wadpac/GGIR) transcribed line by line on the samples, R's 1-based indices kept: the
    non-wear flag of each 15-min block (``NWav > 1`` after the lone-1 rule)."""
    window2, window = 900 * sf, 3600 * sf
    nmin = xyz.shape[0] // window2
    crit = (window / window2) / 2 + 1
    nwav = np.zeros(nmin)
    for h in range(1, nmin + 1):
        if h <= crit:
            hoc1, hoc2 = 1, window
        elif h >= nmin - crit:
            hoc1, hoc2 = (nmin - crit) * window2, nmin * window2
        else:
            hoc1 = ((h - 1) * window2 + window2 * 0.5) - window * 0.5
            hoc2 = ((h - 1) * window2 + window2 * 0.5) + window * 0.5
        rows = xyz[int(hoc1) : int(hoc2)]  # R's (1 + hoc1):hoc2, 0-based
        for jj in range(3):
            v = rows[:, jj]
            if abs(v.max() - v.min()) < 0.05 and np.std(v, ddof=1) < 0.013:
                nwav[h - 1] += 1
    for one in np.flatnonzero(nwav == 1):
        if 0 < one < nmin - 1 and nwav[one - 1] > 1 and nwav[one + 1] > 1:
            nwav[one] = 2
    return nwav > 1


def test_ggir_rule_agrees_with_ggir_s_own_loop_block_by_block():
    # still stretches of several lengths, a bump on one axis (2 axes still: non-wear), a bump
    # on all three (worn), walking between; 5 Hz keeps the sample-level loop quick
    plan = [("walk", 1500), ("nonwear", 4000), ("walk", 700), ("nonwear", 2900),
            ("sit", 1300), ("nonwear", 6200), ("walk", 900), ("nonwear", 4500)]
    raw, _ = synthetic_thigh(plan, hz=5, seed=8)
    xyz = raw[["x", "y", "z"]].to_numpy().copy()
    xyz[5 * 12000, 0] += 0.08                 # inside the 6200-s stretch, x only
    xyz[5 * 18000, :] += 0.08                 # inside the last stretch, every axis
    ep = thigh_posture(raw.assign(x=xyz[:, 0], y=xyz[:, 1], z=xyz[:, 2]),
                       method="inclination", nonwear="ggir")
    blocks = _ggir_reference(xyz, 5)
    got = ep["state"].to_numpy() == "nonwear"
    want = np.repeat(blocks, 900)
    assert 0 < blocks.sum() < blocks.size
    np.testing.assert_array_equal(got[: want.size], want)
    # the last, partial block takes the score of the block before it
    assert (got[want.size :] == blocks[-1]).all()


def test_ggir_range_criterion_keeps_a_still_but_bumped_sensor_worn():
    # still except a 0.1 g blip every 5 min: every minute's SD is under 13 mg (the still rule
    # calls it non-wear) but each window's range is 100 mg, over GGIR's 50 mg
    raw, _ = synthetic_thigh([("nonwear", 3 * 3600)], hz=10, seed=4)
    bumped = raw.copy()
    for axis in "xyz":
        bumped.loc[::3000, axis] += 0.1
    still = thigh_posture(bumped, method="inclination", nonwear="still")
    assert (still["state"] == "nonwear").all()
    ggir = thigh_posture(bumped, method="inclination", nonwear="ggir")
    assert (ggir["state"] == "nonwear").sum() == 0


def _cooling(minutes_off: int = 40):
    raw, truth = synthetic_thigh([("sit", 1800), ("handle", 60), ("nonwear", minutes_off * 60),
                                  ("handle", 60), ("sit", 1200)], hz=10, seed=5)
    t = (raw["time"] - raw["time"].iloc[0]).dt.total_seconds().to_numpy()
    off0, off1 = 1860.0, 1860.0 + minutes_off * 60
    # skin 32 deg C; off the body the sensor cools toward a 21 deg C room (time constant 8 min)
    cool = 21 + 11 * np.exp(-np.clip(t - off0, 0, None) / 480)
    temp = np.where((t >= off0) & (t < off1), cool, 32.0)
    return raw.assign(temperature=temp), (off0, off1)


def test_temperature_falling_toward_ambient_marks_the_removal():
    raw, (off0, off1) = _cooling()
    assert (thigh_posture(raw)["state"] == "nonwear").sum() == 0  # 40 min: too short to be still
    ep = thigh_posture(raw, nonwear="temperature")
    t = _nonwear_s(ep)
    # still and below 26 deg C: from 6.3 min after removal (11 exp(-t / 8 min) = 5 deg C) on;
    # the handling after it warms the sensor again (rising: worn)
    assert t.min() == pytest.approx(off0 + 420, abs=60) and t.max() < off1 + 60
    assert t.size >= off1 - off0 - 480
    sat = ep["state"].to_numpy()[: 1800]
    assert (sat == "sitting").mean() > 0.95  # warm sitting is worn
    assert "Zhou et al. 2015" in ep.attrs["rule"] and "not applied" not in ep.attrs["rule"]


def test_temperature_rule_without_a_temperature_says_it_was_not_applied():
    raw, _ = synthetic_thigh([("sit", 600)], hz=10)
    ep = thigh_posture(raw, nonwear=["still", "temperature"])
    assert "not applied: the file records no temperature" in ep.attrs["rule"]
    assert (ep["state"] == "nonwear").sum() == 0


def test_temperature_of_a_cwa_file_reaches_the_rule(tmp_path):
    from glute_study.io._device_writers import write_cwa

    still = np.tile([0.0, 0.0, 1.0], (100 * 1200, 1)) + np.random.default_rng(0).normal(
        0, 0.002, (100 * 1200, 3))
    p = write_cwa(tmp_path / "P1_thigh.cwa", still, temperature_c=22.0)
    ep = thigh_posture(p, nonwear="temperature")
    assert (ep["state"] == "nonwear").all()  # 22 deg C and still: off the body
    assert "not applied" not in ep.attrs["rule"]


def test_rules_are_named_in_the_daily_table_and_the_import_log(tmp_path):
    raw, _ = _shower_day()
    d = accel_daily(raw, valid_day=0.1, nonwear="still,actipass,ggir")
    assert d.attrs["rules"]["nonwear"] == ["still", "actipass", "ggir"]
    for name in (">= 90 min", "Acti4/ActiPASS", "GGIR 2013"):
        assert name in d.attrs["rule"]
    assert d["nonwear_h"].sum() == pytest.approx(0.25, abs=0.002)
    raw.to_csv(tmp_path / "P1_thigh.csv", index=False)
    out = import_device_folder(tmp_path, reader="accel", executor="serial",
                               options={"valid_day": 0.1, "nonwear": ("ggir", "actipass")})
    assert "GGIR 2013" in out.files.loc[0, "rule"] and "ActiPASS" in out.files.loc[0, "rule"]


def test_cli_option_names_the_rules_in_the_qc_report(tmp_path):
    raw, _ = _shower_day()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    raw.to_csv(inbox / "P1_thigh.csv", index=False)
    parser = argparse.ArgumentParser(prog="glute-study")
    import_.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["import", "accel", str(inbox), "--out", str(tmp_path / "s"),
                              "--scheduler", "serial", "--valid-day", "0.1",
                              "--option", "nonwear=still,actipass"])
    assert args.func(args) == 0
    report = (tmp_path / "s" / "qc_report.md").read_text()
    assert "Acti4/ActiPASS/acti-motus" in report and ">= 90 min" in report
    log = pd.read_csv(tmp_path / "s" / "import_log.csv")
    assert log["rule"].str.contains("Acti4/ActiPASS/acti-motus").all()


def test_bad_rules_are_refused_with_the_rules_that_exist():
    raw, _ = synthetic_thigh([("sit", 60)], hz=10)
    with pytest.raises(InputError, match="rule 'gir' is not known; the rules are still, ggir"):
        thigh_posture(raw, nonwear="gir")
    with pytest.raises(InputError, match="'actipass' works on 1-s epochs"):
        thigh_posture(raw, method="inclination", epoch_s=2, nonwear="actipass")
    assert check_rules("none") == () and check_rules(("ggir", "ggir")) == ("ggir",)
    assert (thigh_posture(raw, nonwear=None)["state"] != "nonwear").all()


def test_a_warm_geneactiv_file_is_worn_by_temperature(tmp_path):
    from glute_study.io._device_writers import write_geneactiv

    n = 50 * 1500  # 25 min at 50 Hz, still and flat, the page temperature 31.5 deg C
    still = np.tile([0.0, 0.0, 1.0], (n, 1))
    p = write_geneactiv(tmp_path / "P1_thigh.bin", still)
    warm = thigh_posture(p, nonwear="temperature")
    assert (warm["state"] == "nonwear").sum() == 0 and "not applied" not in warm.attrs["rule"]
    assert (thigh_posture(p, nonwear_min=20)["state"] == "nonwear").sum() > 0
