"""record(): what a notebook hands to the report, and the errors that guide its author."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from glute_study.errors import InputError
from glute_study.report import record, start
from glute_study.report import recording as record_module
from glute_study.stats import Result


def _result():
    table = pd.DataFrame({"term": ["x"], "estimate": [1.5], "ci_low": [1.1],
                          "ci_high": [2.0], "p_value": [0.01]})
    return Result(table, "x went up.", name="demo")


def test_records_every_kind_with_its_files(tmp_path):
    rec = start(tmp_path, notebook="04_cramp_incidence")
    record(_result(), name="irr", caption="Rate ratios", methods="NB model.")
    record(pd.DataFrame({"a": [1]}), name="plain")
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    record(ax, name="curve", caption="A curve", width="double")
    plt.close(fig)
    record("Cramps were rare.", name="summary")
    stored = json.loads(rec.records_path.read_text())
    assert stored["notebook"] == "04_cramp_incidence"
    kinds = [(e["name"], e["kind"]) for e in stored["entries"]]
    assert kinds == [("irr", "result"), ("plain", "table"), ("curve", "figure"),
                     ("summary", "text")]
    irr = stored["entries"][0]
    assert irr["files"] == ["tables/04_irr.csv", "tables/04_irr.tex", "tables/04_irr.docx"]
    assert irr["text"] == "x went up." and irr["methods"] == "NB model."
    assert "[1.10, 2.00]" in irr["html"]
    assert stored["entries"][2]["files"] == [f"figures/04_curve.{x}"
                                             for x in ("svg", "pdf", "png", "tiff")]
    for entry in stored["entries"]:
        for name in entry["files"]:
            assert (tmp_path / name).is_file()


def test_starting_again_forgets_earlier_records(tmp_path):
    start(tmp_path, notebook="01_x")
    record("one", name="first")
    rec = start(tmp_path, notebook="01_x")
    assert json.loads(rec.records_path.read_text())["entries"] == []


def test_interactive_use_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rec = start("", notebook="04_cramp_incidence")
    record(_result(), name="irr")
    assert rec.records_path is None
    assert list(tmp_path.iterdir()) == []


def test_mistakes_are_explained(tmp_path, monkeypatch):
    monkeypatch.setattr(record_module, "_CURRENT", [])
    with pytest.raises(InputError, match=r"record\(\) was called before start\(\)"):
        record("text", name="a")
    start(tmp_path, notebook="02_y")
    with pytest.raises(InputError, match="lower-case letters, digits and underscores"):
        record("text", name="Bad Name")
    record("text", name="a")
    with pytest.raises(InputError, match="already recorded something named 'a'"):
        record("again", name="a")
    with pytest.raises(InputError, match="takes a Result, a DataFrame, .* got int"):
        record(3, name="b")
