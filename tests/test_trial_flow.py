"""CONSORT flow by arm (measures.trial_flow, Study.trial_flow) and the baseline-only Table 1."""

from __future__ import annotations

import pandas as pd
import pytest

from glute_study import simulate_study
from glute_study.codebook import (
    ANALYSIS_COLUMNS,
    BASELINE_COLUMNS,
    FOLLOW_UP_COLUMNS,
    SITTING_BASELINE_COLUMNS,
)
from glute_study.errors import InputError
from glute_study.measures import FLOW_COLUMNS, randomised, trial_flow


def _table(arms, exposure, prior=None, age=None):
    n = len(arms)
    return pd.DataFrame({"participant_id": [f"P{i}" for i in range(n)], "arm": arms,
                         "exposure_h": exposure,
                         "prior_cramps": prior if prior is not None else [0.0] * n,
                         "age": age if age is not None else [25.0] * n})


def _row(flow, stage, arm):
    hit = flow[flow.stage.eq(stage) & flow.arm.eq(arm)]
    assert len(hit) == 1, (stage, arm)
    return hit.iloc[0]


def test_study_without_arms_has_enrolled_and_randomised_only():
    flow = trial_flow(_table([None, "", None], [10.0, 5.0, None]),
                      covariates=["prior_cramps"])
    assert list(flow.columns) == FLOW_COLUMNS
    assert flow.stage.tolist() == ["enrolled", "randomised"]
    assert flow.n.tolist() == [3, 0]
    assert flow.excluded.tolist() == [0, 3]
    assert flow.reason.iloc[1] == "not randomised (no trial arm)"


def test_arm_with_everybody_excluded_is_kept_with_zero_analysed():
    data = _table(["control"] * 3 + ["glute_training"] * 2, [4.0, 5.0, 6.0, None, None])
    flow = trial_flow(data, covariates=["prior_cramps"])
    gt = _row(flow, "allocated", "glute_training")
    assert gt.n == 2
    exp = _row(flow, "with exposure in follow-up", "glute_training")
    assert (exp.n, exp.excluded, exp.reason) == (0, 2, "no exposure recorded in follow-up")
    itt = _row(flow, "analysed (intention to treat)", "glute_training")
    assert (itt.n, itt.excluded) == (0, 2)
    assert _row(flow, "analysed (intention to treat)", "control").n == 3
    assert _row(flow, "analysed (intention to treat)", "control").reason == ""


def test_missing_covariates_are_counted_per_covariate_with_reasons():
    data = _table(["control"] * 4, [1.0, 2.0, 3.0, 0.0],
                  prior=[None, None, 1.0, 0.0], age=[None, 20.0, 21.0, 22.0])
    flow = trial_flow(data, covariates=["prior_cramps", "age"])
    exp = _row(flow, "with exposure in follow-up", "control")
    assert (exp.n, exp.excluded) == (3, 1)  # zero hours is no exposure
    cov = _row(flow, "with the planned covariates", "control")
    assert (cov.n, cov.excluded) == (1, 2)  # one athlete misses both
    assert cov.reason == "previous cramping missing (2); age missing (1)"
    itt = _row(flow, "analysed (intention to treat)", "control")
    assert (itt.n, itt.excluded, itt.reason) == (1, 3, "any of the above")


def test_without_covariates_there_is_no_covariate_stage():
    flow = trial_flow(_table(["control", "glute_training"], [1.0, 2.0]))
    assert "with the planned covariates" not in set(flow.stage)
    assert flow.loc[flow.stage.eq("analysed (intention to treat)"), "n"].tolist() == [1, 1]


def test_unknown_covariate_is_an_input_error():
    with pytest.raises(InputError, match="sitting_typo"):
        trial_flow(_table(["control"], [1.0]), covariates=["sitting_typo"])


def test_study_flow_by_arm_adds_up_to_the_analysis_table():
    study = simulate_study(n=120, seed=3)
    table = study.analysis_table()
    flow = study.trial_flow(covariates=["prior_cramps", "age"])
    trial = table[randomised(table)]
    assert _row(flow, "randomised", "").n == len(trial)
    allocated = flow[flow.stage.eq("allocated")].set_index("arm")["n"]
    assert allocated.to_dict() == trial["arm"].value_counts().to_dict()
    analysed = flow[flow.stage.eq("analysed (intention to treat)")].set_index("arm")["n"]
    ok = trial.dropna(subset=["exposure_h", "prior_cramps", "age"])
    ok = ok[ok.exposure_h > 0]
    assert analysed.to_dict() == ok["arm"].value_counts().reindex(analysed.index).to_dict()


def test_table_one_columns_are_baseline_only():
    assert not set(BASELINE_COLUMNS) & set(FOLLOW_UP_COLUMNS)
    assert set(BASELINE_COLUMNS) | set(FOLLOW_UP_COLUMNS) <= set(ANALYSIS_COLUMNS)
    assert {"exposure_h", "cramps", "hamstring_cramps", "glute_nm_kg_post"} <= set(
        FOLLOW_UP_COLUMNS)


def test_baseline_columns_leave_out_sitting_monitored_during_follow_up():
    once = simulate_study(n=20, seed=1).baseline_columns()
    assert once == list(BASELINE_COLUMNS)  # the week of monitoring before follow-up
    season = simulate_study(n=20, seed=1, season=4).baseline_columns()
    assert not set(season) & set(SITTING_BASELINE_COLUMNS)
    assert {"age", "prior_cramps", "glute_nm_kg"} <= set(season)
    assert not set(season) & set(FOLLOW_UP_COLUMNS)
