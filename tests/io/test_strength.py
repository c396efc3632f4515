"""Strength files: template, VALD-style export, codebook rows, and summaries checked against R."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glute_study.errors import GluteStudyError, InputError
from glute_study.io.strength import TEMPLATE_COLUMNS, read_strength, strength_rows
from glute_study.measures import strength_summary

HERE = Path(__file__).parent
VALD = HERE / "data" / "strength_vald.csv"
TEMPLATE = HERE.parents[1] / "glute_study" / "io" / "templates" / "strength_template.csv"
REFERENCE = HERE.parent / "reference" / "strength" / "strength_summary.csv"
PEOPLE = pd.DataFrame({"participant_id": ["P001", "P002"], "body_mass_kg": [80.0, 72.5]})


def test_template_columns_match_the_shipped_template():
    header = TEMPLATE.read_text().splitlines()[0].split(",")
    assert all(c in header for c in TEMPLATE_COLUMNS)


def test_vald_export_becomes_one_row_per_side_and_trial():
    trials = read_strength(VALD, lever_arm_m=0.45)
    assert trials.attrs["format"] == "vald"
    assert len(trials) == 12
    p1 = trials[(trials["participant_id"] == "P001") & (trials["date"] == "2026-03-02")]
    # trials numbered by Time UTC, whatever the row order of the file
    left = p1[p1["side"] == "left"].sort_values("trial")
    assert left["force_n"].tolist() == [402.0, 415.0, 409.0]
    assert set(trials["test"]) == {"hhd_hip_extension"}


@pytest.mark.parametrize("rule", ["best", "mean"])
def test_summary_matches_r_reference(rule):
    # Reference: tests/reference/strength/strength_summary.R (base R aggregate/reshape).
    ref = pd.read_csv(REFERENCE)
    ref = ref[ref["rule"] == rule].reset_index(drop=True)
    rows = strength_rows(read_strength(VALD, lever_arm_m=0.45))
    got = strength_summary(rows, PEOPLE, rule=rule)
    assert got["participant_id"].tolist() == ref["participant_id"].tolist()
    assert got["date"].dt.strftime("%Y-%m-%d").tolist() == ref["date"].tolist()
    for col in ("left", "right", "nm_kg", "asymmetry_pct"):
        # R printed 15 significant digits; floating-point agreement to 1e-12 relative
        np.testing.assert_allclose(got[col], ref[col], rtol=1e-12, err_msg=col)


def test_rows_number_sessions_by_date_and_keep_units():
    rows = strength_rows(read_strength(VALD, lever_arm_m=0.45))
    assert rows.loc[rows["participant_id"] == "P001", "session"].unique().tolist() == [1, 2]
    assert set(rows["unit"]) == {"N"}
    template = strength_rows(read_strength(TEMPLATE))
    assert template["unit"].value_counts().to_dict() == {"N": 4, "Nm": 2, "reps": 2}
    assert template.loc[template["unit"] != "N", "lever_arm_m"].isna().all()


def test_summary_of_template_units_and_weaker_side():
    summary = strength_summary(strength_rows(read_strength(TEMPLATE)),
                               pd.DataFrame({"participant_id": ["P001"], "body_mass_kg": [80.0]}))
    s = summary.set_index("test")
    # hhd: best left 415 N x 0.46 m = 190.9 Nm, best right 431 x 0.46 = 198.26 Nm
    assert s.loc["hhd_hip_extension", "left"] == pytest.approx(190.9, rel=1e-12)
    assert s.loc["hhd_hip_extension", "right"] == pytest.approx(198.26, rel=1e-12)
    assert s.loc["isokinetic_hip_extension", "nm_kg"] == pytest.approx(192.25 / 80, rel=1e-12)
    assert np.isnan(s.loc["single_leg_bridge", "nm_kg"])  # repetitions are not torque
    assert s.loc["single_leg_bridge", "asymmetry_pct"] == pytest.approx(300 / 34, rel=1e-12)
    assert s["weaker_side"].tolist() == ["left", "left", "left"]


def test_force_without_lever_arm_is_refused():
    with pytest.raises(InputError, match="lever_arm_m"):
        strength_rows(read_strength(VALD))


def test_semicolon_decimal_comma(tmp_path):
    text = TEMPLATE.read_text().replace(",", ";").replace("0.46", "0,46").replace("188.5", "188,5")
    (tmp_path / "t.csv").write_text(text, encoding="latin-1")
    a, b = read_strength(TEMPLATE), read_strength(tmp_path / "t.csv")
    pd.testing.assert_frame_equal(a, b)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("", "empty"),
        ("participant_id,date,test,side,trial,force_n,lever_arm_m\n"
         "P1,2026-03-02,hhd_hip_extension,left,1,400,0.45\n"
         "P1,2026-03-02,hhd_hip_extension,left\n", "line 3.*truncated"),
        ("participant_id,date,test,side,trial,force_n,lever_arm_m\n"
         "P1,2026-03-02,hhd_hip_extension,middle,1,400,0.45\n", "line 2.*'middle'.*left or right"),
        ("participant_id,date,test,side,trial,force_n,lever_arm_m\n"
         "P1,2026-03-02,hhd_hip_extension,left,1,400 N,0.45\n", "line 2.*'400 N', not a number"),
        ("participant_id,date,test,side,trial,force_n,lever_arm_m\n"
         "P1,2026-03-02,hhd_hip_extension,left,1,400,0.45\n"
         "P1,2026-03-02,hhd_hip_extension,left,1,410,0.45\n", "line 3.*appears twice"),
        ("participant_id,date,test,side,trial,force_n,lever_arm_m\n"
         "P1,02/03/2026,hhd_hip_extension,left,1,400,0.45\n", "line 2.*ambiguous"),
        ("participant_id,date,test,side,trial,force_n,lever_arm_m\n"
         "P1,2026-02-30,hhd_hip_extension,left,1,400,0.45\n", "line 2.*not a calendar date"),
        ("Name,Date UTC,Time UTC,Test,L Max Force (N),R Max Force (N),Max Imbalance (%)\n"
         "P1,2026-03-02,09:00,Hip Extension,400,440,30\n", "line 2.*shifted"),
        ('"Time","DataCount (samples)","Interval (s)"\n43428.4,0,12.5\n',
         "not a strength file"),
    ],
)
def test_bad_files_name_file_and_line(tmp_path, content, match):
    path = tmp_path / "dyn.csv"
    path.write_text(content)
    with pytest.raises(GluteStudyError, match=match) as info:
        read_strength(path)
    assert str(info.value).startswith("dyn.csv")


def test_unknown_test_name_asks_for_test(tmp_path):
    path = tmp_path / "nordic.csv"
    path.write_text(VALD.read_text().replace("Hip Extension", "Nordic Curl"))
    with pytest.raises(InputError, match="'Nordic Curl'.*pass test="):
        read_strength(path)
    assert set(read_strength(path, test="hhd_hip_extension")["test"]) == {"hhd_hip_extension"}


def test_test_override_is_checked():
    with pytest.raises(InputError, match="`test` must be one of"):
        read_strength(VALD, test="nordic")


def test_other_vendor_columns_are_renamed(tmp_path):
    text = VALD.read_text().replace("Name,", "Athlete,").replace("L Max Force (N)", "Left (N)")
    (tmp_path / "other.csv").write_text(text)
    renamed = read_strength(tmp_path / "other.csv", lever_arm_m=0.45,
                            columns={"Athlete": "Name", "Left (N)": "L Max Force (N)"})
    pd.testing.assert_frame_equal(renamed.reset_index(drop=True),
                                  read_strength(VALD, lever_arm_m=0.45), check_like=True)
    with pytest.raises(InputError, match="'Links'"):
        read_strength(tmp_path / "other.csv", columns={"Links": "L Max Force (N)"})


# ----------------------------------------------------------------------------- adversarial

_HEAD = "participant_id,date,test,side,trial,force_n,lever_arm_m\n"
_VALD_HEAD = ("Name,ExternalId,Date UTC,Time UTC,Device,Test,Position,L Max Force (N),"
              "R Max Force (N),Max Imbalance (%),L Avg Force (N),Notes\n")


def test_vald_extra_columns_are_ignored(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(_VALD_HEAD + 'P01,x1,2026-03-02,09:01:10,ForceFrame,Hip Extension,Prone,'
                    '400,440,9.1,390,"ok, fine"\n')
    trials = read_strength(path, lever_arm_m=0.45)
    assert trials["force_n"].tolist() == [400.0, 440.0]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (_HEAD + "P1,2026-03-02,hhd_hip_extension,left,1,0,0.45\n",
         r"line 2: column 'force_n' holds 0.*above 0"),
        (_HEAD + "P1,2026-03-02,hhd_hip_extension,left,1,-400,0.45\n",
         r"line 2: column 'force_n' holds -400.*above 0"),
        (_VALD_HEAD + "P1,,2026-03-02,09:01,FF,Hip Extension,,-400,440,,,\n",
         r"line 2: column 'L Max Force \(N\)' holds -400.*above 0"),
        (_HEAD + "P1,2026-03-02,hhd_hip_extension,left,1,400,45\n",
         r"line 2: column 'lever_arm_m' holds 45.*centimetres"),
        (_HEAD + ",2026-03-02,hhd_hip_extension,left,1,400,0.45\n",
         r"line 2: column 'participant_id' is empty"),
        (_VALD_HEAD + ",,2026-03-02,09:01,FF,Hip Extension,,400,440,,,\n",
         r"line 2: column 'Name' is empty"),
        (_HEAD + "P1,2026-03-02,hhd_hip_extension,left,1.5,400,0.45\n",
         r"line 2: column 'trial' holds 1.5.*whole number"),
        (_HEAD + "P1,2026-03-02,hhd_hip_extension,left,1,400,0.45\n"
         "P1,2026-03-02,hhd_hip_extension,left,,410,0.45\n",
         r"line 3: column 'trial' is empty"),
        ("participant_id,date,test,side,force_n,lever_arm_m\n"
         "P1,2026-03-02,hhd_hip_extension,left,400,0.45\n"
         "P1,2026-03-02,hhd_hip_extension,left,400,0.45\n",
         r"line 3: the row repeats line 2.*trial column"),
        (_VALD_HEAD + "P1,,2026-03-02,09:01:10,FF,Hip Extension,,400,440,9.1,,\n"
         "P1,,2026-03-02,09:01:10,FF,Hip Extension,,400,440,9.1,,\n",
         r"line 3: .*P1.*2026-03-02 09:01:10.*line 2"),
        (_VALD_HEAD + "P1,,2026-03-02,09:01:10,FF,Hip Extension,,,,,,\n",
         r"line 2: no force on either side"),
        (_HEAD, r"no trials"),
    ],
)
def test_impossible_or_duplicated_trials_are_refused(tmp_path, content, match):
    path = tmp_path / "dyn.csv"
    path.write_text(content)
    with pytest.raises(GluteStudyError, match=match) as info:
        read_strength(path, lever_arm_m=0.45)
    assert str(info.value).startswith("dyn.csv")


def test_lever_arm_argument_in_centimetres_is_refused():
    with pytest.raises(InputError, match=r"lever_arm_m=45.*centimetres"):
        read_strength(VALD, lever_arm_m=45)


def test_vald_side_not_tested_gives_no_row(tmp_path):
    path = tmp_path / "v.csv"
    path.write_text(_VALD_HEAD + "P1,,2026-03-02,09:01:10,FF,Hip Extension,,400,,,,\n")
    trials = read_strength(path, lever_arm_m=0.45)
    assert trials["side"].tolist() == ["left"]
    rows = strength_rows(trials)
    assert rows["unit"].tolist() == ["N"]


@pytest.mark.parametrize(("label", "side"), [("Left", "left"), ("L", "left"), ("left", "left"),
                                             ("Links", "left"), ("Rechts", "right"),
                                             ("RT", "right"), (" r ", "right")])
def test_side_labels(tmp_path, label, side):
    path = tmp_path / "t.csv"
    path.write_text(_HEAD + f"P1,2026-03-02,hhd_hip_extension,{label},1,400,0.45\n")
    assert read_strength(path)["side"].tolist() == [side]


def test_rows_without_any_result_are_refused():
    trials = pd.DataFrame({"participant_id": ["P1"], "date": [pd.Timestamp("2026-03-02")],
                           "test": "hhd_hip_extension", "side": "left", "trial": 1,
                           "force_n": [np.nan], "torque_nm": [np.nan], "reps": [np.nan]})
    with pytest.raises(InputError, match="no result"):
        strength_rows(trials)


_ROWS = pd.DataFrame({"participant_id": ["P1", "P1", "P2", "P2"],
                      "date": pd.Timestamp("2026-03-02"), "session": 1,
                      "test": "hhd_hip_extension", "side": ["left", "right"] * 2, "trial": 1,
                      "value": [400.0] * 4, "unit": "N", "lever_arm_m": 0.5})


@pytest.mark.parametrize(
    ("people", "match"),
    [
        (pd.DataFrame({"participant_id": ["P1", "P2"], "body_mass_kg": ["80", "heavy"]}),
         r"body_mass_kg of participant P2 is 'heavy', not a number"),
        (pd.DataFrame({"participant_id": ["P1", "P1", "P2"], "body_mass_kg": [80, 81, 70]}),
         r"participant P1 appears 2 times"),
        (pd.DataFrame({"participant_id": ["P1", "P2"], "body_mass_kg": [80, 0]}),
         r"body_mass_kg of participant P2 is 0"),
    ],
)
def test_bad_body_mass_is_refused(people, match):
    with pytest.raises(InputError, match=match):
        strength_summary(_ROWS, people)


def test_missing_body_mass_leaves_nm_kg_missing():
    out = strength_summary(_ROWS, pd.DataFrame({"participant_id": ["P1", "P2"],
                                                "body_mass_kg": ["80", ""]}))
    assert out["nm_kg"].iloc[0] == pytest.approx(2.5, abs=1e-12)
    assert np.isnan(out["nm_kg"].iloc[1])


def test_mixed_units_in_one_test_are_refused():
    mixed = pd.concat([_ROWS, _ROWS.assign(unit="reps", value=30.0, trial=2)])
    with pytest.raises(InputError, match=r"P1.*both N and reps"):
        strength_summary(mixed)


def test_force_and_torque_trials_of_one_test_combine_as_torque():
    both = pd.concat([_ROWS, _ROWS.assign(unit="Nm", value=210.0, trial=2, lever_arm_m=np.nan)])
    out = strength_summary(both)
    assert out["left"].tolist() == [210.0, 210.0]  # best of 400 N x 0.5 m and 210 Nm


def test_decimal_comma_in_a_comma_separated_file_gives_a_hint_that_works(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text(_HEAD + 'P1,2026-03-02,hhd_hip_extension,left,1,"400,5",0.45\n')
    with pytest.raises(GluteStudyError, match=r"line 2: column 'force_n' holds '400,5', not a "
                       r"number. It looks like a decimal comma.*';' as the separator") as info:
        read_strength(path)
    assert "decimal=" not in str(info.value)  # no reader has such an option


def test_vald_force_without_lever_arm_names_the_file(tmp_path):
    from glute_study.importing import import_to_study

    with pytest.raises(InputError, match=r"strength_vald.csv: force in N without a lever arm.*"
                       r"--lever-arm-m"):
        import_to_study("strength", [str(VALD)], out=tmp_path / "s")
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("session", ["1.5", "0", "-2", "first"])
def test_a_session_that_is_not_a_whole_number_from_1_is_refused_at_its_line(tmp_path, session):
    # 1.5 was imported as session 1 (astype(int) cut it), 0 and -2 as they were
    path = tmp_path / "s.csv"
    path.write_text("participant_id,date,session,test,side,trial,force_n,lever_arm_m\n"
                    "P001,2026-03-02,1,hhd_hip_extension,left,1,402,0.46\n"
                    f"P001,2026-03-02,{session},hhd_hip_extension,right,1,400,0.46\n")
    with pytest.raises(GluteStudyError, match="s.csv, line 3: column 'session' holds"):
        read_strength(path)


def test_an_empty_session_is_left_to_be_numbered_by_date(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("participant_id,date,session,test,side,trial,force_n,lever_arm_m\n"
                    "P001,2026-03-02,,hhd_hip_extension,left,1,402,0.46\n")
    assert read_strength(path)["session"].isna().all()
