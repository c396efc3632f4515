"""`report` and `summary` check the study once, before any work, and print what `validate` does."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from glute_study.cli import main
from glute_study.report import runner
from glute_study.simulate import simulate_study
from glute_study.validate import ValidationError

NOTEBOOKS = Path(__file__).parent / "notebooks"


@pytest.fixture(scope="module")
def studies(tmp_path_factory):
    """A study with two errors and one with a warning only."""
    root = tmp_path_factory.mktemp("studies")
    bad, warned = root / "bad", root / "warned"
    for folder in (bad, warned):
        simulate_study(n=20, seed=2).save(folder)
    people = pd.read_csv(bad / "participants.csv", dtype=str, keep_default_na=False)
    people.loc[1, "age"] = "abc"
    people.loc[4, "body_mass_kg"] = "-3"
    people.to_csv(bad / "participants.csv", index=False)
    people = pd.read_csv(warned / "participants.csv", dtype=str, keep_default_na=False)
    people["notes"] = "typed by hand"  # not a codebook column: a warning
    people.to_csv(warned / "participants.csv", index=False)
    return bad, warned


def _validate_output(study: Path, capsys) -> str:
    assert main(["validate", str(study)]) == 1
    return capsys.readouterr().out


def test_report_on_an_invalid_study_prints_the_problems_once_and_runs_nothing(
        studies, tmp_path, capsys, monkeypatch):
    bad, _ = studies
    expected = _validate_output(bad, capsys)
    assert "NOT valid: 2 error(s)" in expected

    def no_notebooks(*args, **kwargs):
        raise AssertionError("a notebook started before the study was checked")

    monkeypatch.setattr(runner, "_run_jobs", no_notebooks)
    out = tmp_path / "rep"
    code = main(["report", str(bad), "--out", str(out), "--notebooks", str(NOTEBOOKS),
                 "--no-progress"])
    captured = capsys.readouterr()
    assert code == 1
    assert captured.err == expected  # what `glute-study validate` prints, once
    assert captured.out == ""
    assert not out.exists()


def test_report_with_a_matrix_checks_the_study_before_the_first_report(studies, tmp_path,
                                                                       capsys, monkeypatch):
    bad, _ = studies
    expected = _validate_output(bad, capsys)
    monkeypatch.setattr(runner, "_run_jobs", lambda *a, **k: pytest.fail("a notebook ran"))
    code = main(["report", str(bad), "--out", str(tmp_path / "rep"), "--notebooks",
                 str(NOTEBOOKS), "--no-progress", "--matrix", "seed=1,2"])
    assert code == 1 and capsys.readouterr().err == expected
    assert not (tmp_path / "rep").exists()


def test_run_report_raises_the_validation_error_before_any_notebook(studies, tmp_path,
                                                                   monkeypatch):
    bad, _ = studies
    monkeypatch.setattr(runner, "_run_jobs", lambda *a, **k: pytest.fail("a notebook ran"))
    with pytest.raises(ValidationError) as info:
        runner.run_report(tmp_path / "rep", parameters={"study_dir": str(bad)},
                          notebooks_dir=NOTEBOOKS, progress=False)
    assert (info.value.problems["severity"] == "error").sum() == 2


def test_report_on_a_study_with_warnings_only_runs(studies, tmp_path, monkeypatch):
    _, warned = studies
    monkeypatch.setattr(runner, "code_hash", lambda: "pinned-code")
    summary = runner.run_report(tmp_path / "rep", parameters={"study_dir": str(warned)},
                                only=["01"], notebooks_dir=NOTEBOOKS, progress=False)
    assert summary.executed == ["01_tables"]


def test_summary_on_an_invalid_study_prints_what_validate_prints(studies, tmp_path, capsys):
    bad, _ = studies
    expected = _validate_output(bad, capsys)
    assert main(["summary", str(bad), "--out", str(tmp_path / "sum")]) == 1
    captured = capsys.readouterr()
    assert captured.err == expected and captured.out == ""
    assert not (tmp_path / "sum").exists()


def test_summary_checks_min_valid_days_first(studies, tmp_path, capsys):
    _, warned = studies
    assert main(["summary", str(warned), "--out", str(tmp_path / "sum"),
                 "--min-valid-days", "400"]) == 1
    err = capsys.readouterr().err
    assert err == ("glute-study: error: `min_valid_days` must be a whole number from 1 to 28; "
                   "got 400.\n")
    assert not (tmp_path / "sum").exists()


def test_a_matrix_of_studies_checks_every_study_before_the_first_report(studies, tmp_path,
                                                                        capsys, monkeypatch):
    bad, warned = studies
    expected = _validate_output(bad, capsys)
    monkeypatch.setattr(runner, "_run_jobs", lambda *a, **k: pytest.fail("a notebook ran"))
    code = main(["report", "--out", str(tmp_path / "rep"), "--notebooks", str(NOTEBOOKS),
                 "--no-progress", "--matrix", f"study_dir={warned},{bad}"])
    assert code == 1 and capsys.readouterr().err == expected
    assert not (tmp_path / "rep").exists()
