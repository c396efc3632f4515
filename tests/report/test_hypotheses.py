"""The primary hypotheses: recorded by notebooks, adjusted together, each with its equivalence."""

import json

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from glute_study import report
from glute_study.errors import InputError
from glute_study.plan import analysis_plan
from glute_study.report.hypotheses import hypotheses_section
from glute_study.report.writers import NotebookReport
from glute_study.stats._result import Result


def _ratio_fit(term, est, se, p, *, df=None):
    coef = np.log(est)
    table = pd.DataFrame({"term": [term], "estimate": [est],
                          "ci_low": [np.exp(coef - 1.96 * se)],
                          "ci_high": [np.exp(coef + 1.96 * se)], "p_value": [p],
                          "coef": [coef], "se": [se], "df": [np.nan if df is None else df]})
    return Result(table, "", name="count_model", kind="count_model", level=0.95)


def _record(tmp_path, stem, items):
    """Run one fake notebook that records hypotheses into a report folder; load it back."""
    (tmp_path / f"{stem}.ipynb").write_text(json.dumps({"cells": [], "metadata": {}}))
    report.start(tmp_path, notebook=stem)
    for fit, key, term in items:
        report.record_hypothesis(fit, analysis_plan()[key], term=term, sesoi=1.1, alpha=0.05)
    return NotebookReport.load(tmp_path, stem)


def test_family_is_adjusted_by_holm_and_each_result_gets_its_equivalence(tmp_path):
    fits = [(_ratio_fit("glute_nm_kg", 0.78, 0.19, 0.18), "glute_cramps", "glute_nm_kg"),
            (_ratio_fit("sitting_h_day", 1.01, 0.02, 0.61), "sitting_cramps", "sitting_h_day"),
            (_ratio_fit("sitting_h_day", 1.30, 0.05, 1e-6), "indirect", "sitting_h_day")]
    rep = _record(tmp_path, "04_cramp_incidence", fits)
    assert len(rep.hypotheses) == 3
    sec = hypotheses_section([rep], analysis_plan(), tmp_path, alpha=0.05, sesoi=1.1)
    table = pd.read_csv(tmp_path / "tables" / "primary_hypotheses.csv")
    assert list(table["term"].str[:2]) == ["H1", "H2", "H3", "H4", "H5", "H6"]
    tested = table.dropna(subset=["p_value"])
    want = multipletests(tested["p_value"], method="holm")[1]
    np.testing.assert_allclose(tested["p_adjusted"], want, rtol=1e-12)
    assert list(tested["decision"]) == ["not rejected", "not rejected", "rejected"]
    # 1.01 per h/day with a 90 % CI inside 1/1.1 to 1.1: an effect of interest is ruled out
    assert table.loc[2, "equivalence"] == "equivalent"
    assert table.loc[1, "equivalence"] == "inconclusive"
    assert table.loc[0, "equivalence"].startswith("not tested: notebook 03")
    text = sec.entries[0]["text"]
    assert "Of the 5 primary hypotheses of the plan, 3 were tested in this report and 2 were not" \
        in text
    assert "rejected, in the direction of the claim" in text
    assert "an effect as large as the smallest effect of interest is ruled out" in text
    for word in ("nan", "NaN", "sitting_h_day", "glute_nm_kg", "_"):
        assert word not in text, word
    assert sec.entries[0]["methods"].startswith("The analysis followed the package's default plan")


def test_a_result_against_the_claim_says_so(tmp_path):
    fit = _ratio_fit("arm[T.glute_training]", 1.6, 0.1, 1e-5)
    rep = _record(tmp_path, "06_trial", [(fit, "trial", "arm[T.glute_training]")])
    text = hypotheses_section([rep], analysis_plan(), None).entries[0]["text"]
    assert "rejected, against the claim" in text


def test_untested_hypothesis_keeps_its_reason_and_the_family_shrinks(tmp_path):
    (tmp_path / "06_trial.ipynb").write_text(json.dumps({"cells": [], "metadata": {}}))
    report.start(tmp_path, notebook="06_trial")
    report.record_untested(analysis_plan()["trial"], reason="the study has no trial arms")
    rep = NotebookReport.load(tmp_path, "06_trial")
    sec = hypotheses_section([rep], analysis_plan(), None)
    assert "H5 (glute training lowers the hamstring-cramp rate) was not tested: the study has " \
        "no trial arms." in sec.entries[0]["text"]


def test_fixed_sequence_stops_at_the_first_hypothesis_not_rejected(tmp_path):
    plan = analysis_plan({"primary": ["sitting_cramps", "indirect", "glute_cramps"],
                          "multiplicity": "fixed_sequence"})
    fits = [(_ratio_fit("x", 1.5, 0.1, 0.001), "sitting_cramps", "x"),
            (_ratio_fit("x", 1.1, 0.1, 0.30), "indirect", "x"),
            (_ratio_fit("x", 0.5, 0.1, 0.0001), "glute_cramps", "x")]
    rep = _record(tmp_path, "04_cramp_incidence", fits)
    hypotheses_section([rep], plan, tmp_path)
    table = pd.read_csv(tmp_path / "tables" / "primary_hypotheses.csv")
    assert list(table["decision"].fillna("")[:3]) == ["rejected", "not rejected", "not rejected"]
    np.testing.assert_allclose(table["p_adjusted"][:3], [0.001, 0.30, 0.30])
    assert table["decision"].isna()[3:].all()  # outside the family: not adjusted


def test_a_hypothesis_is_tested_once_per_notebook(tmp_path):
    fit = _ratio_fit("sitting_h_day", 1.0, 0.1, 0.9)
    with pytest.raises(InputError, match="already recorded hypothesis 'sitting_cramps'"):
        _record(tmp_path, "04_cramp_incidence", [(fit, "sitting_cramps", "sitting_h_day")] * 2)


def test_record_hypothesis_needs_a_plan_hypothesis():
    report.start("", notebook="04_cramp_incidence")
    fit = _ratio_fit("sitting_h_day", 1.0, 0.1, 0.9)
    with pytest.raises(InputError, match="one of the analysis plan's hypotheses"):
        report.record_hypothesis(fit, "sitting_cramps", term="sitting_h_day")


def test_simulated_study_sets_each_estimate_beside_its_true_value(tmp_path):
    fits = [(_ratio_fit("glute_nm_kg", 0.78, 0.19, 0.18), "glute_cramps", "glute_nm_kg"),
            (_ratio_fit("sitting_h_day", 1.50, 0.05, 1e-6), "sitting_cramps", "sitting_h_day")]
    rep = _record(tmp_path, "04_cramp_incidence", fits)
    truth = {"scenario": "null", "irr_glute_per_nm_kg": 1.0, "irr_sitting_per_h": 1.0,
             "irr_training": 1.0, "glute_per_sitting_h": -0.08}
    sec = hypotheses_section([rep], analysis_plan(), tmp_path, truth=truth)
    table = pd.read_csv(tmp_path / "tables" / "primary_hypotheses.csv")
    assert list(table["true_value"][:5].fillna(-9)) == [-9, 1.0, 1.0, -9, 1.0]
    text = sec.entries[0]["text"]
    assert "These data are simulated (scenario 'null')" in text
    assert "holds the true value for 1 of the 2 hypotheses that have one; it misses it for H3 " \
        "(true 1.00)" in text
    assert text.startswith("Evidence before this study: every link of the claim is a hypothesis")


def test_real_data_have_no_true_value_column(tmp_path):
    rep = _record(tmp_path, "04_cramp_incidence",
                  [(_ratio_fit("glute_nm_kg", 0.78, 0.19, 0.18), "glute_cramps", "glute_nm_kg")])
    sec = hypotheses_section([rep], analysis_plan(), tmp_path, truth=None)
    assert "true_value" not in pd.read_csv(tmp_path / "tables" / "primary_hypotheses.csv")
    assert "simulated" not in sec.entries[0]["text"]
