"""A notebook runs again only when its source, the parameters, the data or the code change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from glute_study.report import runner

NOTEBOOKS = Path(__file__).parent / "notebooks"



@pytest.fixture
def report_copy(two_reports, tmp_path, monkeypatch):
    """A copy of a built report and of its notebooks, with the code hash pinned as it was built."""
    a, _, _ = two_reports
    out = tmp_path / "rep"
    shutil.copytree(a, out)
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, notebooks)
    monkeypatch.setattr(runner, "code_hash", lambda: "pinned-code")
    return out, notebooks


def test_unchanged_inputs_run_nothing(report_copy):
    """Also: a copied (moved) report folder keeps its cache."""
    out, notebooks = report_copy
    before = (out / "tables" / "01_mean_x.csv").stat().st_mtime_ns
    summary = runner.run_report(out, parameters={"seed": 3}, notebooks_dir=notebooks,
                                progress=False)
    assert summary.executed == []
    assert summary.cached == ["01_tables", "02_figure"]
    assert (out / "tables" / "01_mean_x.csv").stat().st_mtime_ns == before


def test_force_runs_everything(report_copy):
    out, notebooks = report_copy
    summary = runner.run_report(out, parameters={"seed": 3}, notebooks_dir=notebooks,
                                force=True, progress=False)
    assert summary.executed == ["01_tables", "02_figure"]


def test_parameter_change_runs_again(report_copy):
    out, notebooks = report_copy
    summary = runner.run_report(out, parameters={"seed": 4}, notebooks_dir=notebooks,
                                progress=False)
    assert summary.executed == ["01_tables", "02_figure"]
    assert "seed 4" in (out / "methods.md").read_text()


def test_code_change_runs_again(report_copy, monkeypatch):
    out, notebooks = report_copy
    monkeypatch.setattr(runner, "code_hash", lambda: "changed-code")
    summary = runner.run_report(out, parameters={"seed": 3}, notebooks_dir=notebooks,
                                only=["02"], progress=False)
    assert summary.executed == ["02_figure"]


def test_notebook_change_runs_only_that_notebook(report_copy):
    out, notebooks = report_copy
    path = notebooks / "02_figure.ipynb"
    path.write_text(path.read_text().replace("A seeded random walk", "A random walk"))
    summary = runner.run_report(out, parameters={"seed": 3}, notebooks_dir=notebooks,
                                progress=False)
    assert summary.executed == ["02_figure"]
    assert summary.cached == ["01_tables"]
    assert "A random walk" in (out / "results.md").read_text()


def test_data_change_runs_again(report_copy, tmp_path):
    out, notebooks = report_copy
    from glute_study.simulate import simulate_study

    study = tmp_path / "study"  # a valid study: an invalid one stops the report before it runs
    simulate_study(n=20, seed=1).save(study)
    first = runner.run_report(out, parameters={"seed": 3, "study_dir": str(study)},
                              notebooks_dir=notebooks, only=["01"], progress=False)
    assert first.executed == ["01_tables"]
    import pandas as pd

    people = pd.read_csv(study / "participants.csv", dtype=str, keep_default_na=False)
    people.loc[0, "age"] = str(float(people.loc[0, "age"]) + 1)  # a new, valid value
    people.to_csv(study / "participants.csv", index=False)
    second = runner.run_report(out, parameters={"seed": 3, "study_dir": str(study)},
                               notebooks_dir=notebooks, only=["01"], progress=False)
    assert second.executed == ["01_tables"]
    third = runner.run_report(out, parameters={"seed": 3, "study_dir": str(study)},
                              notebooks_dir=notebooks, only=["01"], progress=False)
    assert third.executed == []


def test_deleted_output_runs_again(report_copy):
    out, notebooks = report_copy
    (out / "figures" / "02_walk.svg").unlink()
    summary = runner.run_report(out, parameters={"seed": 3}, notebooks_dir=notebooks,
                                progress=False)
    assert summary.executed == ["02_figure"]
    assert (out / "figures" / "02_walk.svg").is_file()


def test_only_runs_the_selection_but_the_report_keeps_current_notebooks(report_copy):
    out, notebooks = report_copy
    summary = runner.run_report(out, parameters={"seed": 3}, notebooks_dir=notebooks,
                                only=["02"], force=True, progress=False)
    assert summary.executed == ["02_figure"]
    results = (out / "results.md").read_text()
    assert "## 01 Tables test notebook" in results and "## 02 Figure test notebook" in results
    # With other parameters, notebook 01 is out of date and drops out of the report.
    runner.run_report(out, parameters={"seed": 5}, notebooks_dir=notebooks, only=["02"],
                      progress=False)
    results = (out / "results.md").read_text()
    assert "## 01 Tables" not in results and "## 02 Figure test notebook" in results


def test_the_notebook_that_took_longest_last_time_starts_first(tmp_path, monkeypatch):
    out = tmp_path / "rep"
    keys = out / runner.KEYS_DIR
    keys.mkdir(parents=True)
    stems = [p.stem for p in runner.find_notebooks(NOTEBOOKS)]
    for seconds, stem in enumerate(stems):  # the last notebook was the slowest
        (keys / f"{stem}.json").write_text(f'{{"key": "old", "seconds_execute": {seconds}}}')
    order = []

    def record_order(jobs, **kwargs):
        order.extend(job.path.stem for job in jobs)
        raise runner.ReportError("stopped here")

    monkeypatch.setattr(runner, "_run_jobs", record_order)
    with pytest.raises(runner.ReportError):  # (the key files written here are not the report's)
        runner.run_report(out, notebooks_dir=NOTEBOOKS, progress=False, overwrite=True)
    assert order == stems[::-1]
