"""The command line: exit codes, readable problems, JSON for machines, no tracebacks."""

from __future__ import annotations

import json

from glute_study.cli import main

from .conftest import set_cell


def test_validate_valid_study(study_dir, capsys):
    assert main(["validate", str(study_dir)]) == 0
    assert "valid: 0 error(s)" in capsys.readouterr().out


def test_validate_broken_study_prints_file_line_column(study_dir, capsys):
    set_cell(study_dir, "participants", 3, "age", "old")
    assert main(["validate", str(study_dir)]) == 1
    out = capsys.readouterr().out
    assert "participants.csv" in out and "old" in out and "NOT valid: 1 error(s)" in out


def test_validate_json(study_dir, capsys):
    set_cell(study_dir, "participants", 3, "age", "old")
    assert main(["validate", str(study_dir), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["valid"] is False
    problem = report["problems"][0]
    assert problem["line"] == 3 and problem["column"] == "age" and problem["value"] == "old"


def test_missing_folder_is_one_line_not_a_traceback(tmp_path, capsys):
    assert main(["validate", str(tmp_path / "nope")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("glute-study: error: study folder not found")
    assert "Traceback" not in err and err.count("\n") == 1


def test_simulate_then_validate(tmp_path, capsys):
    out = tmp_path / "sim"
    assert main(["simulate", "--n", "15", "--seed", "4", "--scenario", "null",
                 "--effect", "rr_prior_cramps=2", "--out", str(out)]) == 0
    assert main(["validate", str(out)]) == 0
    meta = json.loads((out / "study.json").read_text())
    assert meta["truth"]["scenario"] == "null"
    assert meta["truth"]["effects"]["rr_prior_cramps"] == 2.0


def test_simulate_bad_effect_is_a_clear_error(tmp_path, capsys):
    assert main(["simulate", "--seed", "1", "--effect", "rr_glutes=2", "--out",
                 str(tmp_path / "x")]) == 1
    assert "unknown effect" in capsys.readouterr().err


def test_codebook_page(tmp_path, capsys):
    assert main(["codebook"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("# glute_study codebook")
    for table in ("participants", "sitting", "strength", "activation", "exposure", "cramps"):
        assert f"## {table}" in page


def test_summary(study_dir, tmp_path):
    out = tmp_path / "summary"
    assert main(["summary", str(study_dir), "--out", str(out)]) == 0
    # beside them, the list of the files glute_study wrote there (the ones it may replace)
    assert {p.name for p in out.iterdir()} - {".glute_study_files"} == {
        "analysis_table.csv", "exclusions.csv",
                                               "flow.csv", "problems.csv", "summary.md"}


def test_committed_codebook_page_is_current():
    """docs/codebook.md is generated (`make codebook`); it must match the codebook in code."""
    from pathlib import Path

    from glute_study.codebook import codebook_markdown

    page = Path(__file__).resolve().parents[2] / "docs" / "codebook.md"
    assert page.read_text(encoding="utf-8") == codebook_markdown()


def test_simulate_missing_values_from_the_command_line(tmp_path, capsys):
    from glute_study import load_study, simulate_study

    out = tmp_path / "mnar"
    assert main(["simulate", "--n", "60", "--seed", "5", "--missing", "mnar", "--missing-share",
                 "0.2", "--missing-in", "glute_nm_kg", "--out", str(out)]) == 0
    made = load_study(out).analysis_table()
    same = simulate_study(n=60, seed=5, missing="mnar", missing_share=0.2,
                          missing_in=("glute_nm_kg",)).analysis_table()
    assert made["glute_nm_kg"].isna().sum() == same["glute_nm_kg"].isna().sum() > 0
    plain = load_study(_simulated(tmp_path / "plain")).analysis_table()
    assert made["glute_nm_kg"].isna().sum() > plain["glute_nm_kg"].isna().sum()
    assert main(["simulate", "--seed", "1", "--missing-in", "glute_nm_kg", "--out",
                 str(tmp_path / "x")]) == 1
    assert "need --missing" in capsys.readouterr().err


def _simulated(folder):
    assert main(["simulate", "--n", "60", "--seed", "5", "--out", str(folder)]) == 0
    return folder
