"""What the report puts before its reader: the study's name, the parameters that applied, and
every warning a notebook raised."""

from __future__ import annotations

import nbformat
import pytest

from glute_study.report import runner
from glute_study.report.data import DEMO, DEMO_DIR, open_study
from glute_study.simulate import simulate_study

_WARN = """\
import warnings
from glute_study import report
from glute_study.errors import FitWarning
report.start(out_dir, notebook=name)
warnings.warn("the model did not converge", FitWarning)
report.record("A sentence.", name="summary")
"""


def _notebook(path):
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("seed = 1\nout_dir = ''\nstudy_dir = ''")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# 01 Warns"), params,
                nbformat.v4.new_code_cell(f"name = {path.stem!r}\n" + _WARN)]
    nbformat.write(nb, path)


@pytest.fixture
def study_report(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "code_hash", lambda: "pinned-code")
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _notebook(notebooks / "01_warns.ipynb")
    study = tmp_path / "my_study"
    simulate_study(30, seed=4).save(study)
    out = tmp_path / "rep"
    runner.run_report(out, parameters={"study_dir": str(study), "seed": 9},
                      notebooks_dir=notebooks, progress=False)
    return out


def test_warnings_reach_results_and_index(study_report):
    results = (study_report / "results.md").read_text()
    assert "Warnings raised while this notebook ran" in results
    assert "- Model-fit warning: The model did not converge" in results
    index = (study_report / "index.html").read_text()
    assert '<div class="warnings">' in index
    assert "Model-fit warning: The model did not converge" in index
    # (the notebook's code, shown in the index, may name the class; the warning lines do not)
    assert "- FitWarning" not in results and "<li>FitWarning" not in index


def test_title_and_parameters_are_about_the_users_study(study_report):
    index = (study_report / "index.html").read_text()
    assert ("<title>glute_study report: Simulated cohort of 30 athletes (the world where the "
            "coaching claim is true, seed 4)</title>") in index
    assert "Study folder &#x27;my_study&#x27;" in index or "Study folder 'my_study'" in index
    assert "scenario" not in index.split("<main>")[0]  # no simulation settings for a study
    assert str(study_report.parent) not in index.split("<main>")[0]  # no local paths


def test_without_a_folder_the_notebooks_open_the_shipped_demo():
    if not (DEMO_DIR / "study.json").is_file():
        pytest.skip("datasets/demo is not beside the package (an installed wheel)")
    study = open_study("")
    assert study.source.resolve() == DEMO_DIR.resolve()
    assert study.metadata["name"].startswith(
        f"Simulated cohort of {DEMO['n']} athletes in 20 teams")
    assert f"seed {DEMO['seed']}" in study.metadata["name"]
    other = open_study("", seed=DEMO["seed"] + 1, n=40)
    assert other.source is None and len(other.analysis_table()) == 40
