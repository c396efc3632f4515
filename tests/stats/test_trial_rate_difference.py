"""The trial's absolute effect: adjusted rate difference per 1000 h against R.

R (tests/reference/trial/rate_difference.R): MASS::glm.nb with the model-based vcov, the same
with clubSandwich::vcovCR(type = "CR2") by team and Satterthwaite df, and glmmTMB nbinom2 with a
random team intercept (marginal over teams, full sdreport covariance of the fixed effects and
log SD). In each, R_a = mean(1000 exp(X_a b)) with every athlete set to arm a, delta-method SE
sqrt(g' V g). Tolerance 1e-6 relative for the GLM cases (both sides converge to 1e-12); 1e-5
for the mixed model (Laplace fits of two optimisers, as tests/stats/test_count_mixed.py).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from glute_study.labels import term_label
from glute_study.report.tables import apa_table
from glute_study.stats.trial import trial_rate_effect

REF = Path(__file__).resolve().parents[1] / "reference" / "trial"
R = json.loads((REF / "rate_difference.json").read_text())
ROWS = ["adjusted_rate[control]", "adjusted_rate[glute_training]",
        "rate_difference[glute_training]"]


def _fit(file, **options):
    """trial_rate_effect adjusted for previous cramping on one of the reference CSVs."""
    data = pd.read_csv(REF / file)
    return trial_rate_effect(data, events="cramps", exposure="exposure_h",
                             covariates=["prior_cramps"], **options)


def _absolute(res):
    return res.table.set_index("term").loc[ROWS]


def _check(t, ref, rtol):
    assert_allclose(t.estimate.iloc[:2], ref["rate"], rtol=rtol)
    assert_allclose(t.se.iloc[:2], ref["rate_se"], rtol=rtol)
    assert_allclose(t.ci_low.iloc[:2], ref["rate_lower"], rtol=rtol)
    assert_allclose(t.ci_high.iloc[:2], ref["rate_upper"], rtol=rtol)
    d = t.iloc[2]
    assert d.estimate == pytest.approx(ref["diff"], rel=rtol)
    assert d.se == pytest.approx(ref["diff_se"], rel=rtol)
    assert d.ci_low == pytest.approx(ref["diff_lower"], rel=rtol)
    assert d.ci_high == pytest.approx(ref["diff_upper"], rel=rtol)


def test_individual_trial_matches_glm_nb_model_based():
    res = _fit("rates.csv")
    t = _absolute(res)
    _check(t, R["individual"], 1e-6)
    assert t.p_value.iloc[2] == pytest.approx(R["individual"]["diff_p"], rel=1e-6)
    assert t.p_value.iloc[:2].isna().all()
    assert (t.scale == "per 1000 h").all()


def test_level_changes_only_the_quantile():
    res = _fit("rates.csv", level=0.90)
    _check(_absolute(res), R["individual_90"], 1e-6)
    assert "90 % CI" in res.text


def test_within_team_randomisation_matches_clubsandwich_cr2():
    res = _fit("rates_teams.csv", cluster="team", method="cr2")
    t = _absolute(res)
    _check(t, R["cr2"], 1e-6)
    assert t["df"].iloc[2] == pytest.approx(R["cr2"]["df"], rel=1e-6)
    assert t.p_value.iloc[2] == pytest.approx(R["cr2"]["diff_p"], rel=1e-6)


def test_cluster_trial_glmm_is_marginal_over_teams():
    res = _fit("rates_cluster.csv", cluster="team", method="glmm")
    t = _absolute(res)
    _check(t, R["glmm"], 1e-5)
    assert t["df"].iloc[2] == R["glmm"]["df"]
    # marginal rates are the conditional ones (team effect 0) times exp(sigma^2 / 2)
    ratio = t.estimate.iloc[0] / R["glmm_conditional_rate"][0]
    assert ratio == pytest.approx(np.exp(R["glmm"]["sd_team"] ** 2 / 2), rel=1e-5)
    assert "marginal over teams" in res.text


def test_gee_rows_use_the_bias_reduced_covariance():
    res = _fit("rates_cluster.csv", cluster="team", method="gee")
    t = _absolute(res)
    d = t.iloc[2]
    assert d.estimate == pytest.approx(t.estimate.iloc[1] - t.estimate.iloc[0])
    assert d.ci_low < d.estimate < d.ci_high
    assert np.isfinite(d.p_value)


def test_without_covariates_the_rates_are_the_model_rates():
    data = pd.read_csv(REF / "rates.csv")
    res = trial_rate_effect(data, events="cramps", exposure="exposure_h")
    t = res.table.set_index("term")
    base = t.loc["Intercept", "estimate"] * 1000
    assert t.loc["adjusted_rate[control]", "estimate"] == pytest.approx(base, rel=1e-10)
    assert t.loc["adjusted_rate[glute_training]", "estimate"] == pytest.approx(
        base * t.loc["arm[T.glute_training]", "estimate"], rel=1e-10)
    assert "standardised" not in res.text


def test_sentence_states_the_absolute_effect_in_words():
    res = _fit("rates.csv")
    d = R["individual"]
    word = "fewer" if d["diff"] < 0 else "more"
    assert f"{abs(d['diff']):.1f} {word} cramps per 1000 h" in res.text
    assert f"95 % CI {d['diff_lower']:.1f} to {d['diff_upper']:.1f}" in res.text
    assert "nan" not in res.text.lower() and "NA" not in re.findall(r"\bNA\b", res.text)


def test_three_arms_give_a_difference_per_arm():
    rng = np.random.default_rng(4)
    n = 240
    df = pd.DataFrame({"arm": np.resize(["control", "glute_training", "stretching"], n),
                       "exposure_h": rng.uniform(50, 150, n)})
    df["cramps"] = rng.poisson(rng.gamma(1.5, df.exposure_h / 100 / 1.5))
    res = trial_rate_effect(df, events="cramps", exposure="exposure_h")
    terms = set(res.table.term)
    assert {"rate_difference[glute_training]", "rate_difference[stretching]",
            "adjusted_rate[stretching]"} <= terms
    assert res.text.count("per 1000 h (rate difference") == 2


def test_rows_read_as_words_in_the_apa_table():
    assert term_label("rate_difference[glute_training]") == (
        "Rate difference per 1000 h: glute training vs control")
    assert term_label("adjusted_rate[control]") == "Adjusted rate per 1000 h: control"
    data = pd.read_csv(REF / "rates.csv")
    res = trial_rate_effect(data, events="cramps", exposure="exposure_h")
    shown = apa_table(res)
    assert "Rate difference per 1000 h: glute training vs control" in set(shown["Term"])
    assert not shown.isin(["nan", "NA"]).any().any()
