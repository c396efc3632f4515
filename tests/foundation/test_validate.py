"""One test per validation rule, each on a minimal broken copy of a valid study."""

from __future__ import annotations

import pandas as pd
import pytest

from glute_study import StudyReadError, ValidationError, load_study

from .conftest import read_rows, set_cell, write_rows


def problems_of(folder) -> pd.DataFrame:
    """The problems table, whether the study loads (warnings only) or not."""
    try:
        return load_study(folder).problems
    except ValidationError as err:
        return err.problems


def find(problems: pd.DataFrame, *, severity: str, file: str, rule: str, line=None,
         column=None) -> pd.Series:
    hits = problems[(problems["severity"] == severity) & (problems["file"] == file)
                    & problems["rule"].str.contains(rule, regex=False)]
    if line is not None:
        hits = hits[hits["line"] == line]
    if column is not None:
        hits = hits[hits["column"] == column]
    assert len(hits) >= 1, f"no {severity} '{rule}' in {file}:\n{problems.to_string()}"
    return hits.iloc[0]


def test_valid_study_has_no_problems(study_dir):
    assert load_study(study_dir).problems.empty


def test_missing_required_column(study_dir):
    rows = read_rows(study_dir, "participants")
    k = rows[0].index("follow_up_end")
    write_rows(study_dir, "participants", [r[:k] + r[k + 1:] for r in rows])
    hit = find(problems_of(study_dir), severity="error", file="participants.csv",
               rule="required column missing", column="follow_up_end")
    assert hit["line"] == 1


def test_wrong_type_names_line_column_value_and_expectation(study_dir):
    set_cell(study_dir, "participants", 4, "age", "twenty")
    with pytest.raises(ValidationError) as err:
        load_study(study_dir)
    hit = find(err.value.problems, severity="error", file="participants.csv", rule="not number",
               line=4, column="age")
    assert hit["value"] == "twenty"
    assert "a number from 10 to 100 (years)" in hit["expected"]
    assert "participants.csv, line 4, column age: found 'twenty'" in str(err.value)


def test_value_not_allowed(study_dir):
    set_cell(study_dir, "participants", 2, "sex", "unknown")
    hit = find(problems_of(study_dir), severity="error", file="participants.csv",
               rule="not category", line=2, column="sex")
    assert "female, male" in hit["expected"]


def test_category_is_case_insensitive(study_dir):
    set_cell(study_dir, "participants", 2, "sex", "Female")
    study = load_study(study_dir)
    assert study.participants["sex"].iloc[0] == "female"


def test_sitting_over_24_hours_is_an_error(study_dir):
    set_cell(study_dir, "sitting", 3, "sitting_h", "25")
    find(problems_of(study_dir), severity="error", file="sitting.csv", rule="out of range",
         line=3, column="sitting_h")


def test_missing_value_where_required(study_dir):
    set_cell(study_dir, "exposure", 5, "duration_min", "")
    find(problems_of(study_dir), severity="error", file="exposure.csv", rule="missing value",
         line=5, column="duration_min")


def test_dates_must_parse_as_iso(study_dir):
    set_cell(study_dir, "participants", 3, "follow_up_start", "03/04/2025")
    hit = find(problems_of(study_dir), severity="error", file="participants.csv",
               rule="not date", line=3, column="follow_up_start")
    assert "YYYY-MM-DD" in hit["expected"]


def test_impossible_date(study_dir):
    set_cell(study_dir, "participants", 3, "follow_up_start", "2025-02-30")
    find(problems_of(study_dir), severity="error", file="participants.csv", rule="not date",
         line=3)


def test_duplicate_key_names_the_first_line(study_dir):
    rows = read_rows(study_dir, "participants")
    write_rows(study_dir, "participants", rows + [rows[1]])
    hit = find(problems_of(study_dir), severity="error", file="participants.csv",
               rule="duplicate key", line=len(rows) + 1)
    assert "line 2" in hit["expected"]


def test_unknown_participant_in_another_table(study_dir):
    set_cell(study_dir, "strength", 2, "participant_id", "P999")
    hit = find(problems_of(study_dir), severity="error", file="strength.csv",
               rule="unknown participant", line=2, column="participant_id")
    assert hit["value"] == "P999"


def test_unknown_participant_differing_only_in_case_is_named(study_dir):
    pid = read_rows(study_dir, "strength")[1][read_rows(study_dir, "strength")[0].index(
        "participant_id")]
    set_cell(study_dir, "strength", 2, "participant_id", pid.lower())
    hit = find(problems_of(study_dir), severity="error", file="strength.csv",
               rule="unknown participant", line=2, column="participant_id")
    assert f"did you mean {pid!r}? ids are case-sensitive" in hit["expected"]


def test_participant_ids_alike_but_for_case(study_dir):
    rows = read_rows(study_dir, "participants")
    k = rows[0].index("participant_id")
    twin = list(rows[1])
    twin[k] = f" {rows[1][k].lower()}"
    write_rows(study_dir, "participants", rows + [twin])
    hit = find(problems_of(study_dir), severity="warning", file="participants.csv",
               rule="ids alike but for case", line=len(rows) + 1)
    assert repr(rows[1][k]) in hit["expected"]


def test_follow_up_end_before_start(study_dir):
    set_cell(study_dir, "participants", 2, "follow_up_end", "2020-01-01")
    find(problems_of(study_dir), severity="error", file="participants.csv",
         rule="follow-up ends early", line=2)


def test_cramp_outside_follow_up_is_a_warning_and_an_exclusion(study_dir):
    rows = read_rows(study_dir, "cramps")
    pid = rows[1][0]
    set_cell(study_dir, "cramps", 2, "datetime", "2030-01-01 10:00:00")
    set_cell(study_dir, "cramps", 2, "session_id", "")
    study = load_study(study_dir)
    find(study.problems, severity="warning", file="cramps.csv", rule="outside follow-up",
         line=2)
    excl = study.exclusions
    row = excl[(excl["table"] == "cramps") & (excl["line"] == 2)]
    assert row["participant_id"].tolist() == [pid]
    assert row["reason"].str.contains("outside follow-up").all()


def test_exposure_outside_follow_up_is_a_warning(study_dir):
    set_cell(study_dir, "exposure", 2, "date", "2030-01-01")
    study = load_study(study_dir)
    find(study.problems, severity="warning", file="exposure.csv", rule="outside follow-up",
         line=2)
    assert ((study.exclusions["table"] == "exposure") & (study.exclusions["line"] == 2)).any()


def test_cramp_session_must_exist(study_dir):
    set_cell(study_dir, "cramps", 2, "session_id", "w99-sun")
    find(problems_of(study_dir), severity="error", file="cramps.csv", rule="unknown session",
         line=2, column="session_id")


def test_body_mass_in_pounds_is_flagged(study_dir):
    set_cell(study_dir, "participants", 2, "body_mass_kg", "176")
    hit = find(load_study(study_dir).problems, severity="warning", file="participants.csv",
               rule="pounds", line=2, column="body_mass_kg")
    assert hit["value"] == "176"


def test_height_in_metres_is_an_error_with_a_hint(study_dir):
    set_cell(study_dir, "participants", 2, "height_cm", "1.78")
    find(problems_of(study_dir), severity="error", file="participants.csv", rule="metres",
         line=2, column="height_cm")


def test_force_in_kgf_is_flagged(study_dir):
    set_cell(study_dir, "strength", 2, "value", "25.3")
    assert read_rows(study_dir, "strength")[1][3] == "hhd_hip_extension"
    find(load_study(study_dir).problems, severity="warning", file="strength.csv",
         rule="kgf", line=2, column="value")


def test_unit_must_fit_the_test(study_dir):
    set_cell(study_dir, "strength", 2, "unit", "reps")
    find(problems_of(study_dir), severity="error", file="strength.csv",
         rule="unit does not fit the test", line=2, column="unit")


def test_force_without_lever_arm_is_flagged_and_excluded(study_dir):
    set_cell(study_dir, "strength", 2, "lever_arm_m", "")
    study = load_study(study_dir)
    find(study.problems, severity="warning", file="strength.csv", rule="lever arm missing",
         line=2)
    excl = study.exclusions
    assert ((excl["table"] == "strength") & (excl["line"] == 2)).any()


def test_prolonged_sitting_cannot_exceed_sitting(study_dir):
    rows = read_rows(study_dir, "sitting")
    line = next(i + 1 for i, r in enumerate(rows) if r[2] == "activpal")
    set_cell(study_dir, "sitting", line, "prolonged_sitting_h", "23.9")
    find(problems_of(study_dir), severity="error", file="sitting.csv",
         rule="prolonged exceeds total", line=line)


def test_zero_exposure_is_an_error(study_dir):
    set_cell(study_dir, "exposure", 3, "duration_min", "0")
    find(problems_of(study_dir), severity="error", file="exposure.csv",
         rule="non-positive exposure", line=3)


def test_wrong_number_of_fields(study_dir):
    path = study_dir / "exposure.csv"
    lines = path.read_text().splitlines()
    lines[3] += ",extra"
    path.write_text("\n".join(lines) + "\n")
    find(problems_of(study_dir), severity="error", file="exposure.csv",
         rule="wrong number of fields", line=4)


def test_unknown_column_and_unknown_file_are_warnings(study_dir):
    rows = read_rows(study_dir, "participants")
    write_rows(study_dir, "participants", [r + ["x"] for r in rows])
    (study_dir / "notes.csv").write_text("a,b\n1,2\n")
    problems = load_study(study_dir).problems
    find(problems, severity="warning", file="participants.csv", rule="unknown column")
    find(problems, severity="warning", file="notes.csv", rule="not a study table")


def test_required_table_missing(study_dir):
    (study_dir / "participants.csv").unlink()
    find(problems_of(study_dir), severity="error", file="participants.csv",
         rule="required table missing")


def test_every_problem_is_collected_in_one_pass(study_dir):
    set_cell(study_dir, "participants", 2, "sex", "x")
    set_cell(study_dir, "exposure", 2, "duration_min", "-5")
    set_cell(study_dir, "cramps", 2, "severity", "11")
    with pytest.raises(ValidationError) as err:
        load_study(study_dir)
    files = set(err.value.problems.query("severity == 'error'")["file"])
    assert files == {"participants.csv", "exposure.csv", "cramps.csv"}


def test_missing_folder_and_file_instead_of_folder(tmp_path):
    with pytest.raises(StudyReadError, match="study folder not found"):
        load_study(tmp_path / "nope")
    (tmp_path / "participants.csv").write_text("x")
    with pytest.raises(StudyReadError, match="is a file, not a study folder"):
        load_study(tmp_path / "participants.csv")
