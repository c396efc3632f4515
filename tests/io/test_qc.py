"""The per-participant import QC report and its Markdown/HTML rendering."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glute_study.errors import InputError
from glute_study.io.qc import QC_COLUMNS, qc_report, render_qc


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    sitting = pd.DataFrame({
        "participant_id": ["A"] * 5 + ["B"] * 2 + ["A"],
        "date": list(pd.date_range("2026-03-02", periods=5)) + list(
            pd.date_range("2026-03-02", periods=2)) + [pd.Timestamp("2026-03-02")],
        "instrument": ["activpal"] * 7 + ["self_report"],
        "sitting_h": [9.0, 8.0, 10.0, 7.0, 2.0, 11.0, 12.0, 6.0],
        "wear_h": [15.0, 14.0, 16.0, 13.0, 4.0, 15.0, 5.0, np.nan],
        "valid_day": [True, True, True, True, False, True, False, pd.NA],
    })
    strength = pd.DataFrame({"participant_id": ["A", "A", "C"]})
    cramps = pd.DataFrame({"participant_id": ["B"]})
    return {"sitting": sitting, "strength": strength, "cramps": cramps}


def test_counts_and_means_by_hand(tables):
    files = pd.DataFrame({"participant_id": ["A", "A", "B"], "source": ["activpal", "strength",
                                                                        "activpal"],
                          "file": ["A.csv", "dyn.csv", "B.csv"], "warning": ["", "", ""]})
    qc = qc_report(tables, files=files).set_index("participant_id")
    assert list(qc.reset_index().columns) == list(QC_COLUMNS)
    assert qc.index.tolist() == ["A", "B", "C"]
    assert qc.loc["A", ["files", "device_days", "valid_days", "self_report_days",
                        "strength_trials"]].tolist() == [2, 5, 4, 1, 2]
    assert qc.loc["A", "sources"] == "activpal, strength"
    # mean wear and sitting over A's 4 valid days: (15+14+16+13)/4, (9+8+10+7)/4
    assert qc.loc["A", "wear_h_valid_day"] == pytest.approx(14.5, rel=1e-12)
    assert qc.loc["A", "sitting_h_valid_day"] == pytest.approx(8.5, rel=1e-12)
    assert qc.loc["A", "status"] == "ok"
    assert qc.loc["B", "status"] == "check"  # 1 valid day < 4
    assert "1 valid device day(s)" in qc.loc["B", "messages"]
    assert qc.loc["B", "cramps"] == 1
    assert qc.loc["C", "status"] == "ok" and qc.loc["C", "device_days"] == 0  # no device: no rule


def test_file_warnings_flag_the_participant(tables):
    files = pd.DataFrame({"participant_id": ["A"], "source": ["activpal"], "file": ["A.csv"],
                          "warning": ["not UTF-8; read as Windows-1252"]})
    qc = qc_report(tables, files=files, min_valid_days=1).set_index("participant_id")
    assert qc.loc["A", "status"] == "check"
    assert qc.loc["A", "messages"] == "A.csv: not UTF-8; read as Windows-1252"
    assert qc.loc["B", "status"] == "ok"


def test_render_markdown_and_html(tables):
    qc = qc_report(tables)
    md = render_qc(qc, title="Week 1")
    assert md.startswith("# Week 1\n")
    assert "| A | 0 |  | 5 | 4 | 14.5 | 8.5 |" in md
    page = render_qc(qc, format="html")
    assert page.count('<tr class="check">') == 1
    with pytest.raises(InputError, match="`format` must be one of"):
        render_qc(qc, format="pdf")


def test_a_file_without_participant_is_reported_not_a_key_error():
    files = pd.DataFrame({"participant_id": ["P1", None], "source": "activpal",
                          "file": ["a.csv", "b.csv"], "warning": ["", "not imported: empty"]})
    qc = qc_report({}, files=files).set_index("participant_id")
    assert qc.loc["P1", "status"] == "ok"
    assert qc.loc["(no participant)", "messages"] == "b.csv: not imported: empty"


def test_multi_line_warnings_keep_one_markdown_row_each():
    files = pd.DataFrame({"participant_id": ["P1"], "source": "activpal", "file": ["a.csv"],
                          "warning": ["line one\nline two | pipe"]})
    page = render_qc(qc_report({}, files=files))
    rows = [line for line in page.splitlines() if line.startswith("| P1")]
    assert len(rows) == 1 and rows[0].endswith("a.csv: line one line two &#124; pipe |")


def test_valid_days_are_those_of_the_device_the_analysis_uses():
    # 2 valid activPAL days and 3 valid ActiGraph days were added up to 5 valid days, 'ok';
    # the analysis uses one device (activPAL, the first with a valid day) and so leaves this
    # athlete's sitting missing below 4 valid days
    days = pd.date_range("2026-03-02", periods=3)
    sitting = pd.DataFrame({
        "participant_id": "A", "date": [*days[:2], *days],
        "instrument": ["activpal"] * 2 + ["actigraph"] * 3,
        "sitting_h": [9.0, 8.0, 7.0, 6.0, 5.0], "wear_h": [15.0, 14.0, 13.0, 12.0, 11.0],
        "valid_day": True})
    qc = qc_report({"sitting": sitting}).set_index("participant_id")
    assert qc.loc["A", ["device_days", "valid_days"]].tolist() == [2, 2]
    assert qc.loc["A", "wear_h_valid_day"] == pytest.approx(14.5, rel=1e-12)
    assert qc.loc["A", "status"] == "check"
    assert ("2 valid device day(s), fewer than 4 (activpal; actigraph days are not used)"
            in qc.loc["A", "messages"])
