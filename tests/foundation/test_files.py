"""File-level mistakes users make: encodings, delimiters, workbooks, odd file types."""

from __future__ import annotations

import pandas as pd
import pytest

from glute_study import ValidationError, load_study

from .test_validate import find, problems_of


def _expected(study_dir):
    return load_study(study_dir)


def test_utf8_bom_is_read(study_dir):
    path = study_dir / "participants.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_study(study_dir).problems.empty


def test_semicolons_and_decimal_commas(study_dir):
    before = load_study(study_dir).participants
    path = study_dir / "participants.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["body_mass_kg"] = frame["body_mass_kg"].str.replace(".", ",", regex=False)
    path.write_text(frame.to_csv(index=False, sep=";"), encoding="utf-8")
    after = load_study(study_dir).participants
    pd.testing.assert_series_equal(before["body_mass_kg"], after["body_mass_kg"])


def test_latin1_is_read_with_a_warning(study_dir):
    path = study_dir / "participants.csv"
    text = path.read_text(encoding="utf-8").replace("football", "fútbol")
    path.write_bytes(text.encode("latin-1"))
    study = load_study(study_dir)
    hit = find(study.problems, severity="warning", file="participants.csv", rule="not UTF-8")
    assert "line" in hit["rule"]
    assert "fútbol" in set(study.participants["sport"])


def test_binary_file_is_an_error(study_dir):
    (study_dir / "cramps.csv").write_bytes(b"\x00\x01\x02PK\x03\x04" * 10)
    find(problems_of(study_dir), severity="error", file="cramps.csv", rule="binary")


def test_empty_file_is_an_error(study_dir):
    (study_dir / "cramps.csv").write_text("")
    find(problems_of(study_dir), severity="error", file="cramps.csv", rule="empty")


def test_unknown_file_type_for_a_table(study_dir):
    (study_dir / "cramps.csv").rename(study_dir / "cramps.sav")
    find(problems_of(study_dir), severity="error", file="cramps.sav", rule="unknown file type")


def test_two_files_for_one_table(study_dir):
    frame = pd.read_csv(study_dir / "cramps.csv")
    frame.to_parquet(study_dir / "cramps.parquet")
    find(problems_of(study_dir), severity="error", file="cramps.parquet", rule="two files")


def test_excel_workbook_with_the_right_sheet(study_dir):
    expected = load_study(study_dir)
    path = study_dir / "participants.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    with pd.ExcelWriter(study_dir / "participants.xlsx") as writer:
        pd.DataFrame({"note": ["cover"]}).to_excel(writer, sheet_name="readme", index=False)
        frame.to_excel(writer, sheet_name="participants", index=False)
    path.unlink()
    assert load_study(study_dir).participants.equals(expected.participants)


def test_excel_workbook_without_the_sheet(study_dir):
    frame = pd.read_csv(study_dir / "participants.csv", dtype=str)
    with pd.ExcelWriter(study_dir / "participants.xlsx") as writer:
        frame.to_excel(writer, sheet_name="Sheet1", index=False)
        frame.to_excel(writer, sheet_name="Sheet2", index=False)
    (study_dir / "participants.csv").unlink()
    hit = find(problems_of(study_dir), severity="error", file="participants.xlsx",
               rule="no sheet named 'participants'")
    assert "Sheet1, Sheet2" in hit["rule"]


def test_parquet_table(study_dir):
    expected = load_study(study_dir)
    frame = pd.read_csv(study_dir / "exposure.csv", parse_dates=["date"])
    frame.to_parquet(study_dir / "exposure.parquet")
    (study_dir / "exposure.csv").unlink()
    assert load_study(study_dir).exposure.equals(expected.exposure)


def test_parquet_with_a_bad_value_names_the_row(study_dir):
    frame = pd.read_csv(study_dir / "exposure.csv")
    frame.loc[2, "duration_min"] = -1.0
    frame.to_parquet(study_dir / "exposure.parquet")
    (study_dir / "exposure.csv").unlink()
    with pytest.raises(ValidationError):
        load_study(study_dir)
    find(problems_of(study_dir), severity="error", file="exposure.parquet", rule="out of range",
         line=4)
