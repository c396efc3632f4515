"""REDCap exports: real samples (REDCapR test projects), the example project, mapping, bad input."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from glute_study.errors import GluteStudyError, GluteStudyWarning, InputError
from glute_study.io.redcap import read_redcap
from glute_study.io.redcap_mapping import redcap_to_study

DATA = Path(__file__).parent / "data"
TEMPLATES = Path(__file__).parents[2] / "glute_study" / "io" / "templates"
EXPORT = DATA / "redcap_glute_data.csv"
DICTIONARY = TEMPLATES / "redcap_dictionary.csv"
MAPPING = TEMPLATES / "redcap_mapping.yaml"


def _sample(samples: Path, name: str) -> tuple[Path, Path]:
    folder = samples / "redcap" / name
    if not folder.is_dir():
        pytest.skip(f"REDCap sample not found at {folder}")
    return folder / "data.csv", folder / "dictionary.csv"


# ----------------------------------------------------------------------------- real samples


def test_checkbox_sample_booleans_labels_and_status(samples):
    export = read_redcap(*_sample(samples, "checkboxes-1"))
    rec = export.records.set_index("record_id")
    assert export.id_column == "record_id"
    assert str(rec["check_one___1"].dtype) == "boolean"
    assert rec.loc["1", "check_one___1"] == True  # noqa: E712
    assert rec["check_two___a"].tolist()[:3] == [True, False, False]
    assert rec["form_2_complete"].tolist() == ["complete", "incomplete", "complete", "incomplete"]
    # record 4: form_2 incomplete and nothing ticked or written -> "not started": missing, not 0
    assert rec.loc["4", ["check_one___1", "check_two___e"]].isna().all()
    # record 2 ticked boxes of check_two, so its unticked boxes are real "no" answers
    assert rec.loc["2", "check_one___1"] == False  # noqa: E712 (a pandas boolean scalar)
    ticked = export.checked
    assert ticked.groupby("record_id")["label"].apply(list).to_dict() == {
        "1": ["one", "A", "C"], "2": ["B", "D"], "3": ["one", "two", "three", "four"]}


def test_keep_all_keeps_raw_zeros(samples):
    export = read_redcap(*_sample(samples, "checkboxes-1"), keep="all")
    rec = export.records.set_index("record_id")
    assert rec.loc["4", "check_one___1"] == False  # noqa: E712


def test_keep_complete_masks_incomplete_forms(samples):
    export = read_redcap(*_sample(samples, "checkboxes-1"), keep="complete")
    rec = export.records.set_index("record_id")
    assert rec.loc["2", ["check_two___b", "desired_result"]].isna().all()
    assert rec.loc["1", "check_two___a"] == True  # noqa: E712


def test_repeating_instrument_sample(samples):
    export = read_redcap(*_sample(samples, "repeating-instruments"))
    rec = export.records
    assert rec["record_id"].tolist() == ["1", "2"]
    assert rec["sex"].tolist() == ["Female", "Male"]
    assert rec["ethnicity"].tolist() == ["NOT Hispanic or Latino", "Hispanic or Latino"]
    assert rec["race"].tolist() == ["White", "Unknown / Not Reported"]
    assert rec["dob"].tolist() == [pd.Timestamp("2010-10-14"), pd.Timestamp("2010-02-02")]
    assert "bp_systolic" not in rec.columns
    bp = export.repeating["bp"]
    assert bp["record_id"].tolist() == ["1", "1", "1", "2"]
    assert bp["redcap_repeat_instance"].tolist() == [1, 2, 3, 1]
    assert bp["bp_systolic"].tolist() == [110, 111, 112, 114]
    assert str(bp["bp_systolic"].dtype) == "Int64"
    assert bp["date_bp"].iloc[-1] == pd.Timestamp("2004-04-04")
    assert export.form("bp").equals(bp)


# ----------------------------------------------------------------------------- example project


def test_example_project_maps_onto_study_tables():
    tables = redcap_to_study(read_redcap(EXPORT, DICTIONARY), MAPPING)
    assert set(tables) == {"participants", "sitting", "exposure", "cramps"}
    people = tables["participants"].set_index("participant_id")
    assert people.loc["101", ["sex", "level", "dominant_side", "arm"]].tolist() == [
        "male", "semi_professional", "right", "glute_training"]
    assert people.loc["101", "birth_year"] == 1998
    assert pd.isna(people.loc["103", "height_cm"]) and pd.isna(people.loc["103", "prior_cramps"])
    cramps = tables["cramps"]
    assert cramps["muscle"].tolist() == ["hamstring", "calf"]
    assert cramps["duration_s"].tolist() == [90.0, 30.0]  # minutes x 60
    assert cramps["stopped_play"].tolist() == [True, False]
    assert cramps["datetime"].iloc[0] == pd.Timestamp("2026-03-07 16:40")
    exposure = tables["exposure"]
    assert exposure["session_type"].tolist() == ["training", "match", "training", "training"]
    assert exposure["session_id"].tolist() == ["1", "2", "1", "2"]
    sitting = tables["sitting"]
    assert sitting["instrument"].unique().tolist() == ["self_report"]
    assert sitting["sitting_h"].tolist() == [7.5, 9.0]


def test_where_filter_and_prefix():
    mapping = {"participant_id": {"prefix": "GS-"}, "tables": {"exposure": {
        "form": "training_log", "where": {"tl_type": "Match"},
        "columns": {"session_id": {"field": "redcap_repeat_instance", "as": "str"},
                    "date": "tl_date", "session_type": "tl_type", "duration_min": "tl_minutes"}}}}
    out = redcap_to_study(read_redcap(EXPORT, DICTIONARY), mapping)["exposure"]
    assert out["participant_id"].tolist() == ["GS-101"]
    assert out["duration_min"].tolist() == [95]


def test_keep_complete_drops_incomplete_repeat_rows():
    export = read_redcap(EXPORT, DICTIONARY, keep="complete")
    assert len(export.repeating["cramp_diary"]) == 1  # the incomplete diary entry of 102 goes
    assert len(export.repeating["training_log"]) == 3  # the unverified session goes
    assert len(read_redcap(EXPORT, DICTIONARY, keep="unverified").repeating["training_log"]) == 4


def test_semicolon_decimal_comma_bom_and_latin1_read_the_same(tmp_path):
    text = EXPORT.read_text(encoding="utf-8").replace("Football", "Fußball")
    rows = [line.split(",") for line in text.splitlines()]
    semi = "\n".join(";".join(cell.replace(".", ",") if cell.replace(".", "").isdigit()
                              else cell for cell in row) for row in rows) + "\n"
    assert "181,5" in semi and "78,2" in semi
    (tmp_path / "latin1.csv").write_bytes(semi.encode("latin-1"))
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    plain = read_redcap(tmp_path / "bom.csv", DICTIONARY)
    latin = read_redcap(tmp_path / "latin1.csv", DICTIONARY)
    assert plain.records["dem_sport"].iloc[0] == "Fußball"
    pd.testing.assert_frame_equal(plain.records, latin.records)
    for name in plain.repeating:
        pd.testing.assert_frame_equal(plain.repeating[name], latin.repeating[name])
    assert any("Latin-1" in n for n in latin.notes)
    assert any("decimal comma" in n for n in latin.notes)


def test_renamed_record_id_column_is_found(tmp_path):
    text = EXPORT.read_text().replace("record_id,", "participant_code,", 1)
    (tmp_path / "d.csv").write_text(text)
    export = read_redcap(tmp_path / "d.csv", DICTIONARY)
    assert export.id_column == "participant_code"
    assert export.records["participant_code"].tolist() == ["101", "102", "103"]


# ----------------------------------------------------------------------------- bad input


def _lines() -> list[str]:
    return EXPORT.read_text().splitlines()


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda ls: [], "empty"),
        (lambda ls: ls[:6] + [ls[6][:30]],
         r"line 7: \d+ fields where the header has 35.*truncated"),
        (lambda ls: ls + [ls[3]], "line 13: record record_id=101.*appears again.*line 4"),
        (lambda ls: [ls[0], ls[1].replace(",2,1998-04-02", ",7,1998-04-02")] + ls[2:],
         r"line 2: column 'dem_sex': value '7' is not one of the codes 1 \(Female\), 2 \(Male\)"),
        (lambda ls: [ls[0], ls[1].replace("181.5", "tall")] + ls[2:],
         "line 2: column 'dem_height_cm': value 'tall' is not a number"),
        (lambda ls: [ls[0], ls[1].replace("1998-04-02", "02/04/1998")] + ls[2:],
         "line 2: column 'dem_dob'.*YYYY-MM-DD"),
    ],
)
def test_bad_exports_name_file_line_column_value(tmp_path, edit, match):
    path = tmp_path / "GluteStudy_DATA_2026-11-20_1015.csv"
    lines = edit(_lines())
    path.write_text("\n".join(lines) + ("\n" if lines else ""))
    with pytest.raises(GluteStudyError, match=match) as info:
        read_redcap(path, DICTIONARY)
    assert str(info.value).startswith("GluteStudy_DATA_2026-11-20_1015.csv")


def test_wrong_file_and_swapped_arguments(samples):
    activpal = samples / "activpal" / "Test_Events.csv"
    with pytest.raises(GluteStudyError, match="not fields of the dictionary"):
        read_redcap(activpal, DICTIONARY)
    with pytest.raises(GluteStudyError, match="data dictionary, not a data export"):
        read_redcap(DICTIONARY, DICTIONARY)
    with pytest.raises(GluteStudyError, match="does not look like a REDCap data dictionary"):
        read_redcap(EXPORT, EXPORT)


def test_unknown_column_warns_and_is_kept(tmp_path):
    lines = _lines()
    lines = [lines[0] + ",site_note"] + [ln + "," for ln in lines[1:]]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    with pytest.warns(GluteStudyWarning, match="site_note"):
        export = read_redcap(tmp_path / "d.csv", DICTIONARY)
    assert "site_note" in export.records.columns


def test_mapping_mistakes_are_explained(tmp_path):
    export = read_redcap(EXPORT, DICTIONARY)
    with pytest.raises(InputError, match="tables.injuries is not a study table"):
        redcap_to_study(export, {"tables": {"injuries": {"form": "cramp_diary", "columns": {}}}})
    with pytest.raises(InputError, match="field 'cr_when' is not in this form"):
        redcap_to_study(export, {"tables": {"cramps": {"form": "cramp_diary",
                                                       "columns": {"datetime": "cr_when"}}}})
    with pytest.raises(InputError, match="form 'diary' is not a form"):
        redcap_to_study(export, {"tables": {"cramps": {"form": "diary", "columns": {}}}})
    with pytest.raises(InputError, match="duration_s: the values of 'cr_muscle' do not convert"):
        redcap_to_study(export, {"tables": {"cramps": {"form": "cramp_diary", "columns": {
            "duration_s": {"field": "cr_muscle", "scale": 60}}}}})
    with pytest.raises(InputError, match="birth_year: the values of 'dem_sport' do not convert"):
        redcap_to_study(export, {"tables": {"participants": {"form": "demographics", "columns": {
            "birth_year": {"field": "dem_sport", "as": "year"}}}}})
    bad = tmp_path / "m.yaml"
    bad.write_text("tables:\n  cramps: [unclosed\n")
    with pytest.raises(InputError, match="m.yaml, line .*not valid YAML"):
        redcap_to_study(export, bad)


def test_longitudinal_events_and_repeating_events(tmp_path):
    # A longitudinal project: demographics at baseline; the sitting questionnaire at baseline and
    # follow-up (a repeating *event* in the follow-up arm: instrument empty, instance set).
    header = ("record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,"
              "dem_sex,demographics_complete,sq_date,sq_weekday_sitting_h,sq_domains___1,"
              "sq_domains___2,sq_domains___3,sq_domains___4,sitting_questionnaire_complete")
    rows = [
        "1,baseline_arm_1,,,1,2,2026-03-02,8,0,1,0,0,2",
        "1,followup_arm_1,,1,,,2026-04-02,7,0,0,0,0,2",
        "1,followup_arm_1,,2,,,2026-05-02,6.5,0,0,0,0,1",
        "2,baseline_arm_1,,,2,2,2026-03-03,9,1,0,0,0,2",
    ]
    (tmp_path / "d.csv").write_text("\n".join([header, *rows]) + "\n")
    export = read_redcap(tmp_path / "d.csv", DICTIONARY)
    rec = export.records
    assert rec["redcap_event_name"].tolist() == ["baseline_arm_1", "followup_arm_1",
                                                 "followup_arm_1", "baseline_arm_1"]
    assert rec["redcap_repeat_instance"].isna().tolist() == [True, False, False, True]
    assert rec["redcap_repeat_instance"].dropna().tolist() == [1, 2]
    sq = export.form("sitting_questionnaire")
    assert sq["sq_weekday_sitting_h"].tolist() == [8.0, 7.0, 6.5, 9.0]
    assert export.form("demographics")["dem_sex"].tolist() == ["Female", "Male"]
    # a duplicated event row is refused, naming both lines
    (tmp_path / "dup.csv").write_text("\n".join([header, *rows, rows[1]]) + "\n")
    with pytest.raises(GluteStudyError, match="line 6: .*redcap_event_name=followup_arm_1.*line 3"):
        read_redcap(tmp_path / "dup.csv", DICTIONARY)


# ----------------------------------------------------------------------------- adversarial


def _write(tmp_path: Path, lines: list[str], name: str = "d.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _set(line: str, header: str, column: str, value: str) -> str:
    cells = line.split(",")
    cells[header.split(",").index(column)] = value
    return ",".join(cells)


def test_rows_of_an_unknown_repeating_instrument_are_refused_not_dropped(tmp_path):
    lines = _lines()
    lines[3] = lines[3].replace(",training_log,", ",training_lg,")
    with pytest.raises(GluteStudyError, match=r"d.csv, line 4: column 'redcap_repeat_instrument'"
                       r": 'training_lg' is not a form of the data dictionary"):
        read_redcap(_write(tmp_path, lines), DICTIONARY)


def test_repeating_row_without_instance_is_refused(tmp_path):
    lines = _lines()
    lines[3] = _set(lines[3], lines[0], "redcap_repeat_instance", "")
    with pytest.raises(GluteStudyError, match="line 4: column 'redcap_repeat_instance' is empty"):
        read_redcap(_write(tmp_path, lines), DICTIONARY)


def test_repeating_instrument_inside_events(tmp_path):
    header = ("record_id,redcap_event_name,redcap_repeat_instrument,redcap_repeat_instance,"
              "dem_sex,demographics_complete,tl_date,tl_type,tl_minutes,training_log_complete")
    rows = ["1,baseline_arm_1,,,1,2,,,,",
            "1,baseline_arm_1,training_log,1,,,2026-03-03,1,90,2",
            "1,season_arm_1,training_log,1,,,2026-04-03,2,95,2",
            "1,season_arm_1,training_log,2,,,2026-04-05,1,60,1"]
    export = read_redcap(_write(tmp_path, [header, *rows]), DICTIONARY)
    log = export.repeating["training_log"]
    assert log["redcap_event_name"].tolist() == ["baseline_arm_1", "season_arm_1",
                                                 "season_arm_1"]
    assert log["redcap_repeat_instance"].tolist() == [1, 1, 2]
    assert log["tl_minutes"].tolist() == [90, 95, 60]
    assert export.records["record_id"].tolist() == ["1"]


@pytest.mark.parametrize("column", ["sq_domains___neg1", "sq_domains___9"])
def test_checkbox_column_without_a_choice_is_refused(tmp_path, column):
    lines = _lines()
    lines[0] = lines[0].replace("sq_domains___1", column)
    with pytest.raises(GluteStudyError, match=rf"line 1: column '{column}'.*checkbox field "
                       r"'sq_domains' has no choice coded"):
        read_redcap(_write(tmp_path, lines), DICTIONARY)


def test_negative_text_and_decimal_checkbox_codes(tmp_path):
    dictionary = DICTIONARY.read_text().replace(
        '"1, Work or study | 2, Transport', '"-1, Work or study | A, Transport').replace(
        "3, Screens at home", "3.5, Screens at home")
    lines = _lines()
    lines[0] = (lines[0].replace("sq_domains___1", "sq_domains____1")
                .replace("sq_domains___2", "sq_domains___a")
                .replace("sq_domains___3", "sq_domains___3_5"))
    export = read_redcap(_write(tmp_path, lines), _write(tmp_path, [dictionary], "dict.csv"))
    ticked = export.checked
    assert ticked[ticked["record_id"] == "101"]["code"].tolist() == ["-1", "3.5"]
    assert ticked[ticked["record_id"] == "101"]["label"].tolist() == ["Work or study",
                                                                      "Screens at home"]


def test_labels_export_is_recognised(tmp_path):
    lines = _lines()
    lines[1] = _set(lines[1], lines[0], "dem_sex", "Male")
    with pytest.raises(GluteStudyError, match=r"line 2: column 'dem_sex': value 'Male' is not "
                       r"one of the codes.*it is a label.*'labels' export.*raw data"):
        read_redcap(_write(tmp_path, lines), DICTIONARY)


def test_non_iso_dates_say_how_to_re_export(tmp_path):
    lines = _lines()
    lines[1] = _set(lines[1], lines[0], "dem_dob", "02-04-1998")
    with pytest.raises(GluteStudyError, match=r"line 2: column 'dem_dob'.*'02-04-1998'.*"
                       r"YYYY-MM-DD.*ambiguous"):
        read_redcap(_write(tmp_path, lines), DICTIONARY)


@pytest.mark.parametrize(
    ("mapping", "match"),
    [
        ({"participant_id": "GS-", "tables": {}}, r"participant_id: expected \{prefix: "),
        ({"tables": {"cramps": {"form": "cramp_diary", "columns": ["cr_datetime"]}}},
         r"tables.cramps.columns: expected a mapping"),
        ({"tables": {"cramps": {"form": "cramp_diary", "where": "Hamstring",
                                "columns": {"datetime": "cr_datetime"}}}},
         r"tables.cramps.where: expected a mapping"),
        ({"tables": {"cramps": {"form": "cramp_diary", "where": {"cr_muscle": "hamstring"},
                                "columns": {"datetime": "cr_datetime"}}}},
         r"where: 'hamstring' is not a label of field 'cr_muscle' \(labels: Hamstring, Calf"),
        ({"tables": {"cramps": {"form": "cramp_diary", "columns": {
            "datetime": "cr_datetime",
            "muscle": {"field": "cr_muscle", "map": {"Hamstrng": "hamstring"}}}}}},
         r"columns.muscle.map: 'Hamstrng' is not a label of field 'cr_muscle'"),
        ({"tables": {"cramps": ["cramp_diary"]}}, r"tables.cramps needs 'form' and 'columns'"),
    ],
)
def test_more_mapping_mistakes_are_one_line_errors(mapping, match):
    export = read_redcap(EXPORT, DICTIONARY)
    if "participant_id" in mapping:
        mapping["tables"] = {"cramps": {"form": "cramp_diary",
                                        "columns": {"datetime": "cr_datetime"}}}
    with pytest.raises(InputError, match=match):
        redcap_to_study(export, mapping)


def test_thousands_or_decimal_comma_is_not_guessed(tmp_path):
    lines = _lines()
    lines[1] = _set(lines[1], lines[0], "dem_mass_kg", '"1,078"')
    with pytest.raises(GluteStudyError, match=r"line 2: column 'dem_mass_kg': value '1,078' is "
                       r"not.*1.078 or 1078"):
        read_redcap(_write(tmp_path, lines), DICTIONARY)
    # beside a decimal comma with another number of decimals, the comma is a decimal mark
    lines[2] = _set(lines[2], lines[0], "dem_mass_kg", '"61,4"')
    export = read_redcap(_write(tmp_path, lines), DICTIONARY)
    assert export.records["dem_mass_kg"].tolist()[:2] == [1.078, 61.4]
    # a comma-decimal validation type says so
    dictionary = DICTIONARY.read_text().replace(
        '"Body mass (kg)",,,number,', '"Body mass (kg)",,,number_3dp_comma_decimal,')
    lines = _lines()
    lines[1] = _set(lines[1], lines[0], "dem_mass_kg", '"78,250"')
    export = read_redcap(_write(tmp_path, lines), _write(tmp_path, [dictionary], "dict.csv"))
    assert export.records["dem_mass_kg"].iloc[0] == pytest.approx(78.25, abs=1e-12)


def test_as_int_refuses_a_value_that_is_not_whole():
    # as: int rounded 1.5 minutes to 2 (and 0.5 to 0) without a word
    mapping = {"tables": {"cramps": {"form": "cramp_diary", "columns": {
        "datetime": "cr_datetime", "severity": {"field": "cr_duration_min", "as": "int"}}}}}
    with pytest.raises(InputError, match=r"columns.severity: the values of 'cr_duration_min' do "
                                         r"not convert \(1.5 is not a whole number\)"):
        redcap_to_study(read_redcap(EXPORT, DICTIONARY), mapping)


def test_a_mapping_saved_as_windows_1252_is_read(tmp_path):
    # a comment with 'männlich' in a Windows-1252 mapping was a UnicodeDecodeError traceback
    path = tmp_path / "m.yaml"
    path.write_bytes("tables:\n  cramps:   # Krämpfe\n    form: cramp_diary\n    columns:\n"
                     "      datetime: cr_datetime\n".encode("cp1252"))
    tables = redcap_to_study(read_redcap(EXPORT, DICTIONARY), path)
    assert len(tables["cramps"]) == 2
