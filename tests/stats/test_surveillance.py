"""Weekly prevalence (Wilson intervals against R prop.test) and the severity summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from glute_study.errors import InputError
from glute_study.stats._proportions import wilson_interval
from glute_study.stats.surveillance import cramp_severity, weekly_prevalence

REF = Path(__file__).resolve().parents[1] / "reference" / "surveillance"


def test_wilson_interval_matches_r_prop_test():
    # R: prop.test(k, n, correct = FALSE)$conf.int (tests/reference/surveillance/wilson.R)
    ref = pd.read_csv(REF / "wilson.csv")
    low, high = wilson_interval(ref["cases"] / ref["n"], ref["n"])
    assert_allclose(low, ref["ci_low"], atol=1e-9)
    assert_allclose(high, ref["ci_high"], atol=1e-9)


def test_weekly_prevalence_counts_athletes_once_per_week():
    rng = np.random.default_rng(3)
    rows = pd.DataFrame({"participant_id": np.repeat([f"p{i}" for i in range(50)], 6),
                         "week": np.tile([1, 1, 2, 2, 3, 3], 50),
                         "exposure_h": 1.5, "cramps": rng.poisson(0.2, 300)})
    res = weekly_prevalence(rows, week="week")
    per = rows.groupby(["week", "participant_id"])["cramps"].sum() > 0
    assert res.table["cases"].tolist() == per.groupby(level=0).sum().tolist()
    assert res.table["athletes"].tolist() == [50, 50, 50]
    assert "nan" not in res.text and "Wilson" in res.text


def test_weeks_without_exposure_are_not_at_risk_and_no_exposure_is_an_error():
    rows = pd.DataFrame({"participant_id": ["a", "b"], "week": [1, 1], "exposure_h": [1.0, 0.0],
                         "cramps": [1, 0]})
    assert weekly_prevalence(rows, week="week").table["athletes"].tolist() == [1]
    with pytest.raises(InputError, match="at risk"):
        weekly_prevalence(rows.assign(exposure_h=0.0), week="week")


def test_severity_summary_says_not_recorded():
    c = pd.DataFrame({"session_type": ["match", "training"], "severity": [None, 4],
                      "duration_s": [10.0, 20.0], "stopped_play": [True, False]})
    table = cramp_severity(c, by="session_type")
    assert table.loc[1, "match"] == "not recorded"
    assert table.columns.tolist() == ["variable", "level", "overall", "match", "training"]
