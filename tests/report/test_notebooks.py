"""The study notebooks are stored stripped, take typed parameters and match their .py pairs."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import jupytext
import pytest

from glute_study.report.params import PARAMETERS
from glute_study.report.runner import NOTEBOOKS_DIR, find_notebooks

STUDY_NOTEBOOKS = find_notebooks()


def test_all_twelve_study_notebooks_exist():
    assert [p.stem[:2] for p in STUDY_NOTEBOOKS] == [f"{i:02d}" for i in range(12)]


@pytest.mark.parametrize("path", STUDY_NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None, path.name
    assert nb["metadata"]["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", STUDY_NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_cell_uses_report_parameters_with_their_types(path):
    nb = json.loads(path.read_text())
    tagged = [c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", [])]
    assert len(tagged) == 1, path.name
    tree = ast.parse("".join(tagged[0]["source"]))
    names = set()
    for node in tree.body:
        assert isinstance(node, ast.Assign), "the parameters cell only assigns"
        name = node.targets[0].id
        names.add(name)
        assert name in PARAMETERS, name
        assert isinstance(ast.literal_eval(node.value), PARAMETERS[name].type), name
        assert ast.literal_eval(node.value) == PARAMETERS[name].default, name
    assert {"study_dir", "out_dir", "seed"} <= names


@pytest.mark.parametrize("path", STUDY_NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_matches_its_jupytext_pair(path):
    pair = path.with_suffix(".py")
    assert pair.is_file(), f"{pair.name} is missing: run `jupytext --sync {path.name}`"
    ours = [(c["cell_type"], "".join(c["source"])) for c in json.loads(path.read_text())["cells"]]
    text = jupytext.read(pair)
    theirs = [(c["cell_type"], c["source"]) for c in text["cells"]]
    assert ours == theirs, f"run `jupytext --sync {path.name}`"


def test_notebooks_record_under_their_own_name():
    for path in STUDY_NOTEBOOKS:
        source = path.read_text()
        if "report.start(" in source:
            assert f'notebook=\\"{path.stem}\\"' in source, path.name


def test_notebooks_folder_is_the_projects():
    assert Path(__file__).resolve().parents[2] / "notebooks" == NOTEBOOKS_DIR
