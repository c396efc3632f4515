"""Hand-typed values: the slips people make in Excel and CSV are read right with a warning, or
refused naming the cell, never read wrong in silence (issue 11, items 1, 2 and 8)."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd
import pytest

from glute_study import ValidationError, load_study
from glute_study._read import line_ranges
from glute_study.codebook import CODEBOOK, MISSING_CODES

from .conftest import read_rows, set_cell, write_rows
from .test_validate import find, problems_of


def column_of(folder, table: str, column: str) -> list[str]:
    rows = read_rows(folder, table)
    k = rows[0].index(column)
    return [r[k] for r in rows[1:]]


def set_column(folder, table: str, column: str, values) -> None:
    rows = read_rows(folder, table)
    k = rows[0].index(column)
    for row, value in zip(rows[1:], values):
        row[k] = value
    write_rows(folder, table, rows)


def lines_of(folder, table: str, column: str, value: str) -> list[int]:
    return [i + 2 for i, v in enumerate(column_of(folder, table, column)) if v == value]


# ---------------------------------------------------------------------------------------------
# One rule for categories


def test_arm_typed_control_among_control_gives_two_arms_and_a_warning(study_dir):
    line = lines_of(study_dir, "participants", "arm", "control")[1]
    set_cell(study_dir, "participants", line, "arm", "Control")
    study = load_study(study_dir)
    assert sorted(study.participants["arm"].unique()) == ["control", "glute_training"]
    assert sorted(study.analysis_table()["arm"].unique()) == ["control", "glute_training"]
    hit = find(study.problems, severity="warning", file="participants.csv", column="arm",
               rule="alike but for case or spacing", line=line)
    assert "'Control'" in hit["value"] and "read as 'control'" in hit["rule"]


def test_free_text_folds_to_the_most_common_spelling_with_one_warning(study_dir):
    lines = lines_of(study_dir, "participants", "sport", "football")
    assert len(lines) >= 3
    set_cell(study_dir, "participants", lines[0], "sport", "Football")
    set_cell(study_dir, "participants", lines[1], "sport", " FOOT BALL ")
    study = load_study(study_dir)
    assert (study.participants["sport"] == "football").sum() == len(lines)
    warnings = study.problems[study.problems["column"] == "sport"]
    assert len(warnings) == 1
    assert "'Football' (1x)" in warnings["value"].iloc[0]
    assert warnings["line"].iloc[0] == lines[0]
    assert f"(2 rows: lines {line_ranges(lines[:2])})" in warnings["rule"].iloc[0]


def test_fold_tie_is_the_first_spelling_seen(study_dir):
    rows = read_rows(study_dir, "participants")
    set_column(study_dir, "participants", "sport", ["Rowing", "rowing"] * len(rows))
    study = load_study(study_dir)
    assert set(study.participants["sport"]) == {"Rowing"}


def test_free_text_known_spelling_wins_over_the_common_one(study_dir):
    muscles = column_of(study_dir, "activation", "muscle")
    set_column(study_dir, "activation", "muscle",
               [m.replace("_", " ").title() for m in muscles])
    study = load_study(study_dir)
    assert set(study.activation["muscle"]) == set(muscles)
    assert study.analysis_table()["glute_onset_delay_ms"].notna().any()
    find(study.problems, severity="warning", file="activation.csv", column="muscle",
         rule="read as 'gluteus_maximus'")


@pytest.mark.parametrize(("table", "column", "typed", "read"), [
    ("participants", "sex", " Male ", "male"),
    ("participants", "sex", "FEMALE", "female"),
    ("participants", "level", "Semi professional", "semi_professional"),
    ("participants", "level", "semi-Professional", "semi_professional"),
    ("participants", "dominant_side", "Right", "right"),
    ("sitting", "instrument", "activPAL", "activpal"),
    ("sitting", "instrument", "Self Report", "self_report"),
    ("strength", "unit", "n", "N"),
    ("exposure", "session_type", "Training ", "training"),
    ("cramps", "muscle", "Hamstring", "hamstring"),
])
def test_category_equal_but_for_case_or_spacing_is_read_with_a_warning(study_dir, table, column,
                                                                       typed, read):
    rows = read_rows(study_dir, table)
    k = rows[0].index(column)
    line = next(i + 1 for i, r in enumerate(rows) if i and r[k] == read)
    set_cell(study_dir, table, line, column, typed)
    study = load_study(study_dir)
    assert study.tables[table][column].iloc[line - 2] == read
    hit = find(study.problems, severity="warning", file=f"{table}.csv", column=column,
               rule=f"read as {read!r}", line=line)
    assert hit["value"] == typed.strip()


def test_one_warning_per_spelling_not_per_cell(study_dir):
    rows = read_rows(study_dir, "sitting")
    k = rows[0].index("instrument")
    set_column(study_dir, "sitting", "instrument",
               ["activPAL" if v == "activpal" else v for v in (r[k] for r in rows[1:])])
    study = load_study(study_dir)
    warnings = study.problems[study.problems["column"] == "instrument"]
    n = sum(r[k] == "activpal" for r in rows[1:])
    assert len(warnings) == 1 and f"({n} rows: lines" in warnings["rule"].iloc[0]


def test_identifiers_are_not_folded(study_dir):
    pid = column_of(study_dir, "strength", "participant_id")[0]
    set_cell(study_dir, "strength", 2, "participant_id", pid.lower())
    find(problems_of(study_dir), severity="error", file="strength.csv",
         rule="unknown participant", line=2, column="participant_id")


# ---------------------------------------------------------------------------------------------
# Missing-value codes


@pytest.mark.parametrize("code", ["#N/A", "N/A", "NA", "N.A.", "n/a", "-", "--", ".", "?",
                                  "999", "-999", "missing", "NULL"])
@pytest.mark.parametrize("column", ["arm", "sport"])
def test_missing_code_in_free_text_is_missing_never_a_category(study_dir, code, column):
    set_cell(study_dir, "participants", 2, column, code)
    study = load_study(study_dir)
    assert pd.isna(study.participants[column].iloc[0])
    assert code not in set(study.analysis_table()[column].dropna())
    hit = find(study.problems, severity="warning", file="participants.csv", column=column,
               rule="missing-value code", line=2)
    assert hit["value"] == code


def test_na_arm_does_not_become_the_reference_arm(study_dir):
    set_cell(study_dir, "participants", 2, "arm", "#N/A")
    arms = load_study(study_dir).analysis_table()["arm"]
    assert sorted(arms.dropna().unique()) == ["control", "glute_training"]


def test_missing_code_where_a_value_is_required_names_the_code(study_dir):
    set_cell(study_dir, "activation", 3, "task", "#N/A")
    set_cell(study_dir, "exposure", 4, "duration_min", "-")
    problems = problems_of(study_dir)
    hit = find(problems, severity="error", file="activation.csv", rule="missing value", line=3,
               column="task")
    assert "'#N/A' is a missing-value code" in hit["expected"]
    find(problems, severity="error", file="exposure.csv", rule="missing value", line=4,
         column="duration_min")


def test_each_missing_spelling_is_reported_once_per_column(study_dir):
    for line in (2, 4, 6):
        set_cell(study_dir, "participants", line, "body_mass_kg", "NA")
    set_cell(study_dir, "participants", 3, "body_mass_kg", "")
    warnings = load_study(study_dir).problems.query("column == 'body_mass_kg'")
    assert len(warnings) == 1
    assert warnings["line"].iloc[0] == 2 and "3 rows: lines 2, 4, 6" in warnings["rule"].iloc[0]


@pytest.mark.parametrize("error", ["#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!",
                                   "Err:502"])
def test_excel_error_values_are_errors_even_in_free_text(study_dir, error):
    set_cell(study_dir, "participants", 2, "age", error)
    set_cell(study_dir, "participants", 3, "sport", error)
    problems = problems_of(study_dir)
    for line, column in ((2, "age"), (3, "sport")):
        hit = find(problems, severity="error", file="participants.csv",
                   rule="Excel error value", line=line, column=column)
        assert "formula" in hit["expected"]


def test_numeric_code_outside_the_plausible_range_is_missing(study_dir):
    set_cell(study_dir, "participants", 2, "birth_year", "9999")
    set_cell(study_dir, "participants", 3, "body_mass_kg", "999")
    study = load_study(study_dir)
    assert pd.isna(study.participants["birth_year"].iloc[0])
    assert pd.isna(study.participants["body_mass_kg"].iloc[1])
    find(study.problems, severity="warning", file="participants.csv", rule="missing-value code",
         line=2, column="birth_year")
    find(study.problems, severity="warning", file="participants.csv", rule="missing-value code",
         line=3, column="body_mass_kg")


def test_numeric_code_that_could_be_real_is_kept_with_a_warning(study_dir):
    set_cell(study_dir, "strength", 2, "value", "999")
    study = load_study(study_dir)
    assert study.strength["value"].iloc[0] == 999
    find(study.problems, severity="warning", file="strength.csv",
         rule="may be a missing-value code", line=2, column="value")


def test_numeric_code_in_a_required_column_is_a_missing_value_error(study_dir):
    set_cell(study_dir, "exposure", 2, "duration_min", "-999")
    hit = find(problems_of(study_dir), severity="error", file="exposure.csv",
               rule="missing value", line=2, column="duration_min")
    assert "'-999' is a missing-value code" in hit["expected"]


def test_codebook_page_lists_the_missing_codes():
    from glute_study.codebook import codebook_markdown

    page = codebook_markdown()
    for code in ("#n/a", "n.a.", "999", "#DIV/0!"):
        assert f"`{code}`" in page
    assert "" in MISSING_CODES


# ---------------------------------------------------------------------------------------------
# Units that look wrong inside the range


def test_body_mass_in_pounds_gives_a_warning_naming_the_row(study_dir):
    set_cell(study_dir, "participants", 3, "height_cm", "175")
    set_cell(study_dir, "participants", 3, "body_mass_kg", "132")
    hit = find(load_study(study_dir).problems, severity="warning", file="participants.csv",
               rule="pounds", line=3, column="body_mass_kg")
    assert "132 with height 175 cm is BMI 43.1; as pounds it is 59.9 kg, BMI 19.6" in (
        hit["expected"])


def test_a_whole_column_in_pounds_is_said_once(study_dir):
    masses = column_of(study_dir, "participants", "body_mass_kg")
    set_column(study_dir, "participants", "body_mass_kg",
               [f"{float(m) * 2.20462 * 0.8:.1f}" for m in masses])  # lighter: inside 150
    find(load_study(study_dir).problems, severity="warning", file="participants.csv",
         rule="body masses look like pounds", column="body_mass_kg")


@pytest.mark.parametrize(("typed", "reading"), [("1.78", "as m it is 178 cm"),
                                                ("70", "as in it is 177.8 cm")])
def test_height_in_metres_or_inches_says_the_reading(study_dir, typed, reading):
    set_cell(study_dir, "participants", 2, "height_cm", typed)
    hit = find(problems_of(study_dir), severity="error", file="participants.csv",
               rule="out of range", line=2, column="height_cm")
    assert reading in hit["rule"]


def test_durations_in_hours_are_flagged_per_participant(study_dir):
    rows = read_rows(study_dir, "exposure")
    pid = rows[1][0]
    mine = [i for i, r in enumerate(rows) if i and r[0] == pid]
    for i in mine:
        rows[i][4] = f"{float(rows[i][4]) / 60:.2f}"
    write_rows(study_dir, "exposure", rows)
    hit = find(load_study(study_dir).problems, severity="warning", file="exposure.csv",
               rule="values look like h", column="duration_min", line=mine[0] + 1)
    assert pid in hit["expected"]


def test_durations_in_hours_for_everyone_are_one_warning(study_dir):
    values = column_of(study_dir, "exposure", "duration_min")
    set_column(study_dir, "exposure", "duration_min", [f"{float(v) / 60:.2f}" for v in values])
    problems = load_study(study_dir).problems.query("column == 'duration_min'")
    assert len(problems) == 1 and "the column's values" in problems["expected"].iloc[0]


@pytest.mark.parametrize(("table", "column", "factor", "rule"), [
    ("activation", "onset_ms", 1 / 1000, "values look like s"),
    ("activation", "amplitude_pct_mvic", 1 / 100, "values look like fraction of MVIC"),
    ("cramps", "duration_s", 1 / 60, "values look like min"),
])
def test_other_units_inside_the_range_are_flagged(study_dir, table, column, factor, rule):
    values = column_of(study_dir, table, column)
    set_column(study_dir, table, column,
               ["" if v == "" else f"{float(v) * factor:.4g}" for v in values])
    find(load_study(study_dir).problems, severity="warning", file=f"{table}.csv", rule=rule,
         column=column)


@pytest.mark.parametrize(("table", "column", "typed", "reading"), [
    ("sitting", "sitting_h", "630", "as min it is 10.5 h"),
    ("strength", "lever_arm_m", "41.2", "as cm it is 0.412 m"),
    ("participants", "age", "264", "as months it is 22 years"),
])
def test_single_values_in_another_unit_say_the_reading(study_dir, table, column, typed, reading):
    set_cell(study_dir, table, 2, column, typed)
    hit = find(problems_of(study_dir), severity="error", file=f"{table}.csv",
               rule="out of range", line=2, column=column)
    assert reading in hit["rule"]


def test_typographic_minus_is_named(study_dir):
    set_cell(study_dir, "activation", 2, "onset_ms", "\u221212")
    hit = find(problems_of(study_dir), severity="error", file="activation.csv",
               rule="not number", line=2, column="onset_ms")
    assert "write -12" in hit["expected"]


def test_number_with_its_unit_is_refused_with_the_reading(study_dir):
    set_cell(study_dir, "participants", 2, "body_mass_kg", "150 lb")
    hit = find(problems_of(study_dir), severity="error", file="participants.csv",
               rule="not number", line=2, column="body_mass_kg")
    assert "68.04 kg" in hit["expected"]


# ---------------------------------------------------------------------------------------------
# Thousands separators


def to_decimal_comma(folder, table: str) -> None:
    """Rewrite ``<table>.csv`` as a semicolon file with decimal commas, as German Excel does."""
    rows = read_rows(folder, table)
    rows = [[re.sub(r"^(-?\d+)\.(\d+)$", r"\1,\2", v) for v in r] for r in rows]
    (folder / f"{table}.csv").write_text("\n".join(";".join(r) for r in rows) + "\n",
                                         encoding="utf-8")


@pytest.mark.parametrize(("typed", "read"), [("1,078", 1078), ("1,078.5", 1078.5),
                                             ("1 078", 1078), ("1.078,5", 1078.5)])
def test_thousands_separator_in_a_comma_file_is_read_and_named(study_dir, typed, read):
    set_cell(study_dir, "strength", 2, "value", typed)
    study = load_study(study_dir)
    assert study.strength["value"].iloc[0] == read
    hit = find(study.problems, severity="warning", file="strength.csv",
               rule="separates thousands", line=2, column="value")
    assert hit["value"] == typed
    assert not study.problems["rule"].str.contains("kgf").any()


def test_decimal_comma_file_with_an_ambiguous_value_is_refused_naming_both(study_dir):
    rows = read_rows(study_dir, "strength")
    k = rows[0].index("value")
    for r in rows[1:]:  # a column where every value has three decimals settles nothing
        r[k] = "1.078" if r is rows[1] else f"{float(r[k]):.3f}"
    write_rows(study_dir, "strength", rows)
    to_decimal_comma(study_dir, "strength")
    assert "1,078" in (study_dir / "strength.csv").read_text()
    hit = find(problems_of(study_dir), severity="error", file="strength.csv",
               rule="thousands separator or decimal", line=2, column="value")
    assert "1.078" in hit["expected"] and "1078" in hit["expected"]
    assert "kilogram" not in hit["expected"]


def test_decimal_comma_column_settles_a_three_decimal_value_as_decimal(study_dir):
    to_decimal_comma(study_dir, "strength")
    set_cell_semicolon(study_dir, "strength", 2, "lever_arm_m", "1,078")
    study = load_study(study_dir)
    assert study.strength["lever_arm_m"].iloc[0] == pytest.approx(1.078)
    assert not study.problems["rule"].str.contains("thousands").any()


def set_cell_semicolon(folder, table: str, line: int, column: str, value: str) -> None:
    path = folder / f"{table}.csv"
    rows = [r.split(";") for r in path.read_text(encoding="utf-8").splitlines()]
    rows[line - 1][rows[0].index(column)] = value
    path.write_text("\n".join(";".join(r) for r in rows) + "\n", encoding="utf-8")


def test_decimal_comma_file_reads_grouped_thousands(study_dir):
    to_decimal_comma(study_dir, "strength")
    set_cell_semicolon(study_dir, "strength", 2, "value", "1.078,5")
    study = load_study(study_dir)
    assert study.strength["value"].iloc[0] == 1078.5
    find(study.problems, severity="warning", file="strength.csv", rule="separates thousands",
         line=2, column="value")


# ---------------------------------------------------------------------------------------------
# Unicode and dates


def test_nfd_id_matches_nfc_id(study_dir):
    nfc, nfd = unicodedata.normalize("NFC", "Zoë01"), unicodedata.normalize("NFD", "Zoë01")
    assert nfc != nfd
    pid = column_of(study_dir, "participants", "participant_id")[0]
    for table in CODEBOOK:
        if (study_dir / f"{table}.csv").exists():
            values = column_of(study_dir, table, "participant_id")
            spelled = nfd if table == "strength" else nfc
            set_column(study_dir, table, "participant_id",
                       [spelled if v == pid else v for v in values])
    study = load_study(study_dir)
    assert study.problems.empty
    assert (study.strength["participant_id"] == nfc).any()


def test_nfd_category_spelling_is_one_value(study_dir):
    lines = lines_of(study_dir, "participants", "sport", "football")
    for n, line in enumerate(lines):
        set_cell(study_dir, "participants", line, "sport",
                 unicodedata.normalize("NFD" if n % 2 else "NFC", "Fußball-Verein Zürich"))
    study = load_study(study_dir)
    assert study.problems.empty
    assert (study.participants["sport"] == unicodedata.normalize(
        "NFC", "Fußball-Verein Zürich")).sum() == len(lines)


@pytest.mark.parametrize(("table", "column", "typed"), [
    ("participants", "follow_up_start", "1066-03-01"),
    ("participants", "follow_up_end", "2300-01-01"),
    ("exposure", "date", "1600-05-05"),
    ("cramps", "datetime", "1066-10-14 09:00:00"),
    ("cramps", "datetime", "2262-04-12 10:00"),
])
def test_dates_outside_pandas_range_say_so(study_dir, table, column, typed):
    set_cell(study_dir, table, 2, column, typed)
    hit = find(problems_of(study_dir), severity="error", file=f"{table}.csv",
               rule="date out of range", line=2, column=column)
    assert f"year {typed[:4]} is outside the dates pandas can hold" in hit["expected"]
    assert "a typo?" in hit["expected"]


@pytest.mark.parametrize(("table", "column", "typed", "suggestion"), [
    ("participants", "follow_up_start", "2024-13-05", "write 2024-05-13"),
    ("participants", "follow_up_start", "05/03/2024", "2024-03-05 (5 March) or 2024-05-03"),
    ("participants", "follow_up_start", "13/05/2024", "write 2024-05-13"),
    ("participants", "follow_up_start", "5.3.2024", "write 2024-03-05"),
    ("participants", "follow_up_start", "2024/03/05", "write 2024-03-05"),
    ("participants", "follow_up_start", "5 March 2024", "write 2024-03-05"),
    ("participants", "follow_up_start", "45356", "2024-03-05 (it looks like an Excel date"),
    ("cramps", "datetime", "2024-13-05 10:00", "write 2024-05-13 10:00"),
    ("cramps", "datetime", "05/03/2024 10:00", "2024-03-05 (5 March) 10:00 or"),
    ("participants", "follow_up_start", "2025-3-5", "write 2025-03-05 (two digits"),
    ("participants", "follow_up_start", "05/03/24", "2024-03-05 (5 March) or 2024-05-03"),
    ("cramps", "datetime", "2025-03-05", "a time of day too"),
])
def test_swapped_and_non_iso_dates_suggest_the_reading(study_dir, table, column, typed,
                                                        suggestion):
    set_cell(study_dir, table, 2, column, typed)
    with pytest.raises(ValidationError) as err:
        load_study(study_dir)
    hit = find(err.value.problems, severity="error", file=f"{table}.csv", rule="", line=2,
               column=column)
    assert suggestion in hit["expected"]
    assert hit["value"] == typed


@pytest.mark.parametrize("suffix", [".parquet", ".xlsx"])
def test_workbook_and_parquet_cells_follow_the_same_rules(study_dir, suffix):
    rows = read_rows(study_dir, "participants")
    frame = pd.DataFrame(rows[1:], columns=rows[0])
    frame["birth_year"] = frame["birth_year"].astype(float)
    frame.loc[0, "birth_year"] = 9999.0
    frame["follow_up_start"] = pd.to_datetime(frame["follow_up_start"])
    frame["sex"] = frame["sex"].astype(object)
    frame.loc[1, "sex"] = " Male "
    frame.loc[2, "arm"] = "#N/A"
    frame["sport"] = frame["sport"].astype(object)
    frame.loc[3, "sport"] = 999 if suffix == ".xlsx" else "999"  # a number cell in a text column
    (study_dir / "participants.csv").unlink()
    if suffix == ".xlsx":
        frame.to_excel(study_dir / "participants.xlsx", index=False)
    else:
        frame.to_parquet(study_dir / "participants.parquet")
    study = load_study(study_dir)
    assert pd.isna(study.participants["birth_year"].iloc[0])
    assert study.participants["sex"].iloc[1] == "male"
    assert pd.isna(study.participants["arm"].iloc[2])
    assert pd.isna(study.participants["sport"].iloc[3])
    for line, column in ((2, "birth_year"), (3, "sex"), (4, "arm"), (5, "sport")):
        find(study.problems, severity="warning", file=f"participants{suffix}", rule="",
             line=line, column=column)
