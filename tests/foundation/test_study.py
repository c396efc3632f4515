"""The analysis table's rules, checked by hand on tiny studies; saving; exclusions; flow."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glute_study import Study, ValidationError, load_study, simulate_study


def tiny_tables() -> dict[str, pd.DataFrame]:
    d = pd.Timestamp
    participants = pd.DataFrame({
        "participant_id": ["A", "B", "C"], "sex": ["male", "female", "male"],
        "age": [30.0, np.nan, 22.0], "birth_year": [None, 2000, None],
        "height_cm": [180.0, 165.0, 175.0], "body_mass_kg": [80.0, 60.0, np.nan],
        "sport": ["rugby", "football", "football"], "level": ["amateur"] * 3,
        "dominant_side": ["right"] * 3, "prior_cramps": [True, False, None],
        "prior_hamstring_injury": [False, False, True],
        "follow_up_start": [d("2025-03-01")] * 3, "follow_up_end": [d("2025-03-31")] * 3,
        "arm": [None, None, None],
    })
    days = pd.date_range("2025-02-20", periods=5)
    sitting = pd.DataFrame({
        "participant_id": ["A"] * 5 + ["B"] * 3 + ["A", "B"],
        "date": list(days) + list(days[:3]) + [days[0], days[0]],
        "instrument": ["activpal"] * 8 + ["self_report"] * 2,
        "sitting_h": [8, 9, 10, 11, 2, 7, 7, 7, 6, 5.5],
        "prolonged_sitting_h": [4, 4, 5, 5, 1, 3, 3, 3, None, None],
        "sitting_bouts": [10] * 8 + [None, None], "breaks": [24, 27, 30, 33, 6, 21, 21, 21,
                                                             None, None],
        "wear_h": [15, 15, 15, 15, 5, 15, 15, 15, None, None],
        "valid_day": [True, True, True, True, False, True, True, True, None, None],
    })
    strength = pd.DataFrame({
        "participant_id": ["A"] * 6 + ["A"] * 2 + ["B"] * 2,
        "date": [d("2025-02-25")] * 6 + [d("2025-03-31")] * 2 + [d("2025-02-25")] * 2,
        "session": [1] * 6 + [2] * 2 + [1] * 2,
        "test": ["hhd_hip_extension"] * 8 + ["single_leg_bridge"] * 2,
        "side": ["left"] * 3 + ["right"] * 3 + ["left", "right", "left", "right"],
        "trial": [1, 2, 3, 1, 2, 3, 1, 1, 1, 1],
        "value": [500, 520, 510, 480, 470, 490, 200, 210, 25, 31],
        "unit": ["N"] * 6 + ["Nm"] * 2 + ["reps"] * 2,
        "lever_arm_m": [0.4] * 6 + [None] * 4,
    })
    activation = pd.DataFrame({
        "participant_id": ["A"] * 6, "date": [d("2025-02-25")] * 6, "session": [1] * 6,
        "task": ["prone_hip_extension"] * 6,
        "muscle": ["gluteus_maximus", "biceps_femoris", "semitendinosus"] * 2,
        "trial": [1, 1, 1, 2, 2, 2], "onset_ms": [300, 200, 220, 320, 240, 260],
        "amplitude_pct_mvic": [40, 50, 45, 44, 50, 45],
    })
    exposure = pd.DataFrame({
        "participant_id": ["A", "A", "A", "B"],
        "session_id": ["s1", "s2", "s3", "s1"],
        "date": [d("2025-03-02"), d("2025-03-04"), d("2025-04-10"), d("2025-03-02")],
        "session_type": ["training", "match", "training", "training"],
        "duration_min": [90.0, 60.0, 30.0, 120.0],
    })
    cramps = pd.DataFrame({
        "participant_id": ["A", "A", "C"],
        "datetime": [d("2025-03-04 15:30"), d("2025-03-02 18:10"), d("2025-03-05 10:00")],
        "session_id": ["s2", "s1", None], "muscle": ["hamstring", "calf", "hamstring"],
        "side": ["left", "right", "left"], "severity": [5, 3, 2],
        "duration_s": [60.0, 30.0, 20.0], "stopped_play": [True, False, False],
    })
    return {"participants": participants, "sitting": sitting, "strength": strength,
            "activation": activation, "exposure": exposure, "cramps": cramps}


@pytest.fixture
def tiny() -> Study:
    return Study.from_tables(tiny_tables())


def row(table: pd.DataFrame, pid: str) -> pd.Series:
    return table.set_index("participant_id").loc[pid]


def test_analysis_table_rules_by_hand(tiny):
    t = tiny.analysis_table(min_valid_days=3)
    a, b, c = row(t, "A"), row(t, "B"), row(t, "C")
    # sitting: mean of the 4 valid days (the 5-h-wear day is invalid); 3 days for B
    assert a["sitting_h_day"] == pytest.approx((8 + 9 + 10 + 11) / 4)
    assert a["sitting_days"] == 4 and b["sitting_days"] == 3
    assert a["prolonged_sitting_h_day"] == pytest.approx(4.5)
    assert a["breaks_per_sitting_h"] == pytest.approx((24 + 27 + 30 + 33) / 38)
    assert a["self_report_sitting_h_day"] == 6 and b["self_report_sitting_h_day"] == 5.5
    # glute: best trial per side (520 N, 490 N) x 0.4 m, mean of sides, / 80 kg
    assert a["glute_nm_kg"] == pytest.approx((520 * 0.4 + 490 * 0.4) / 2 / 80)
    assert a["glute_nm_kg_post"] == pytest.approx((200 + 210) / 2 / 80)
    assert np.isnan(b["glute_nm_kg"]) and b["bridge_reps"] == 28
    # onset: glute minus mean hamstring per trial, mean over trials
    assert a["glute_onset_delay_ms"] == pytest.approx(((300 - 210) + (320 - 250)) / 2)
    assert a["glute_pct_mvic"] == pytest.approx(42)
    # exposure inside follow-up only (s3 is after follow_up_end)
    assert a["exposure_h"] == pytest.approx(2.5) and a["sessions"] == 2
    assert a["cramps"] == 2 and a["hamstring_cramps"] == 1
    # C has no exposure: exposure and cramp counts stay missing, never zero
    assert np.isnan(c["exposure_h"]) and np.isnan(c["cramps"])
    # age from birth year; booleans as 0/1 with missing kept
    assert b["age"] == 2025 - 2000
    assert a["prior_cramps"] == 1 and np.isnan(c["prior_cramps"])


def test_min_valid_days_leaves_sitting_missing_and_says_why(tiny):
    t = tiny.analysis_table()  # default 4 days: B has 3
    assert np.isnan(row(t, "B")["sitting_h_day"])
    excl = tiny.exclusions
    b_rows = excl[(excl["participant_id"] == "B") & (excl["table"] == "sitting")]
    assert len(b_rows) == 3 and b_rows["reason"].str.contains("fewer than 4").all()


def test_every_row_is_used_or_listed(tiny):
    excl = tiny.exclusions_for(min_valid_days=3)
    by_table = excl.groupby("table").size()
    assert by_table["sitting"] == 1  # the short-wear day
    assert by_table["exposure"] == 1  # the session after follow-up
    assert by_table["cramps"] == 1  # C's cramp, who has no exposure
    # C has no exposure; C has no body mass either, but no hip-extension test to normalise
    assert excl.loc[excl["table"] == "participants", "reason"].str[:11].tolist() == [
        "no exposure"]
    assert excl.loc[excl["table"] == "exposure", "line"].tolist() == [4]


def test_flow_counts(tiny):
    flow = tiny.flow(min_valid_days=3).set_index("stage")
    assert flow.loc["enrolled", "n"] == 3
    assert flow.loc["with exposure in follow-up", "n"] == 2
    assert flow.loc["with device sitting", "n"] == 2
    assert flow.loc["with baseline glute strength", "n"] == 1
    assert flow.loc["analysed (all three)", "n"] == 1
    assert flow.loc["analysed (all three)", "excluded"] == 2


def test_session_table(tiny):
    s = tiny.session_table()
    assert s[["participant_id", "session_id"]].values.tolist() == [["A", "s1"], ["A", "s2"],
                                                                   ["B", "s1"]]
    assert s["cramps"].tolist() == [1, 1, 0]
    assert s["hamstring_cramps"].tolist() == [0, 1, 0]
    assert s["exposure_h"].tolist() == [1.5, 1.0, 2.0]
    assert "sitting_h_day" in s


def test_from_tables_rejects_broken_tables():
    tables = tiny_tables()
    tables["exposure"].loc[0, "participant_id"] = "Z"
    with pytest.raises(ValidationError, match="unknown|participant"):
        Study.from_tables(tables)


def test_save_and_load_round_trip(tiny, tmp_path):
    folder = tiny.save(tmp_path / "tiny")
    again = load_study(folder)
    assert again == tiny
    assert again.analysis_table().equals(tiny.analysis_table())


def test_simulated_study_round_trip(tmp_path):
    study = simulate_study(n=25, seed=9, scenario="null", trial=False)
    assert load_study(study.save(tmp_path / "s")) == study


def test_demo_loads_and_is_valid():
    study = load_study("datasets/demo")
    assert study.problems.query("severity == 'error'").empty
    table = study.analysis_table()
    assert len(table) == 400
    assert table["participant_id"].is_unique
