"""A failing notebook stops the report, names the notebook and the cell, keeps the notebook."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from glute_study.errors import InputError
from glute_study.report import ReportError, run_report

NOTEBOOKS = Path(__file__).parent / "notebooks"



def _notebook(path, cells, *, params="seed = 1\nout_dir = ''"):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    first = nbformat.v4.new_code_cell(params)
    first.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# A notebook"), first]
    nb.cells += [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, path)


def test_failing_cell_is_named_and_partial_notebook_kept(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _notebook(notebooks / "01_breaks.ipynb",
              ["x = seed + 1\nprint('reached', x)", "raise ValueError(f'bad value {x}')",
               "print('never')"])
    out = tmp_path / "rep"
    with pytest.raises(ReportError) as info:
        run_report(out, parameters={"seed": 1}, notebooks_dir=notebooks, progress=False)
    message = str(info.value)
    # cell 1 markdown, 2 parameters, 3 injected parameters, 4 first code, 5 the failing one
    assert "01_breaks.ipynb failed in cell 5" in message
    assert "ValueError: bad value 2" in message
    assert str(out / "01_breaks.ipynb") in message
    kept = json.loads((out / "01_breaks.ipynb").read_text())
    outputs = [o for c in kept["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert any("".join(o.get("text", "")) == "reached 2\n" for o in outputs)
    assert any(o["output_type"] == "error" and o["ename"] == "ValueError" for o in outputs)
    assert not any("never" in str(o) for o in outputs)
    assert not (out / "_cache" / "keys" / "01_breaks.json").exists()  # not cached
    assert not (out / "index.html").exists()


def test_failure_runs_again_next_time(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    _notebook(notebooks / "01_flaky.ipynb",
              ["import pathlib\nassert pathlib.Path('ok').exists(), 'no ok file'"])
    out = tmp_path / "rep"
    with pytest.raises(ReportError, match="AssertionError: no ok file"):
        run_report(out, notebooks_dir=notebooks, progress=False)
    (notebooks / "ok").write_text("")  # the kernel runs in the notebook's folder
    summary = run_report(out, notebooks_dir=notebooks, progress=False)
    assert summary.executed == ["01_flaky"]


def test_unknown_name_in_a_parameters_cell_is_caught_before_running(tmp_path):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, notebooks)
    _notebook(notebooks / "03_typo.ipynb", ["print(1)"], params="sede = 1")
    with pytest.raises(InputError, match=r"03_typo.ipynb: the parameters cell sets \['sede'\]"):
        run_report(tmp_path / "rep", notebooks_dir=notebooks, progress=False)
    assert not (tmp_path / "rep").exists()


def test_missing_parameters_cell_is_an_error(tmp_path):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1")]),
                   notebooks / "01_plain.ipynb")
    with pytest.raises(InputError, match="has no cell tagged 'parameters'"):
        run_report(tmp_path / "rep", notebooks_dir=notebooks, progress=False)
