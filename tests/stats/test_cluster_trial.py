"""Trials randomised by team: trial_rate_effect(cluster=...) and power(design="cluster_trial").

The mixed model itself is checked against glmmTMB in test_count_mixed.py; here the layer on top:
the rows it takes, the between-within t reference (closed form), and its errors.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy import special, stats

from glute_study.errors import InputError
from glute_study.simulate import simulate_study
from glute_study.stats import count_mixed_model, power, trial_rate_effect
from glute_study.stats.cluster_trial import between_within_df


@pytest.fixture(scope="module")
def trial():
    study = simulate_study(300, seed=11, trial="cluster", n_teams=12, team_sd=0.5)
    data = study.analysis_table()
    return data[data["exposure_h"] > 0].dropna(subset=["hamstring_cramps"])


def test_between_within_df_counts_cluster_level_terms():
    team = np.repeat(np.arange(8), 4)
    X = np.column_stack([np.ones(32), team % 2, team // 4, np.tile([0.0, 1, 2, 3], 8)])
    # intercept, arm and a team-level covariate are between (8 - 3); the last varies within
    assert between_within_df(X, team).tolist() == [5.0, 5.0, 5.0, 32 - 8 - 1]


def test_glmm_is_the_mixed_model_with_a_t_reference(trial):
    res = trial_rate_effect(trial, events="hamstring_cramps", exposure="exposure_h",
                            covariates=["prior_cramps"], cluster="team")
    mixed = count_mixed_model(trial, "hamstring_cramps ~ C(arm, Treatment('control')) "
                              "+ prior_cramps", groups="team")
    row = res.table.set_index("term").loc["arm[T.glute_training]"]
    ref = mixed.table.iloc[1]
    assert row.coef == pytest.approx(ref.coef, rel=1e-10)
    assert row.se == pytest.approx(ref.se, rel=1e-10)
    assert row.df == 10  # 12 teams minus the intercept and the arm
    q = stats.t.ppf(0.975, 10)
    assert row.ci_low == pytest.approx(np.exp(row.coef - q * row.se), rel=1e-12)
    assert row.ci_high == pytest.approx(np.exp(row.coef + q * row.se), rel=1e-12)
    assert row.p_value == pytest.approx(2 * stats.t.sf(abs(row.coef / row.se), 10), rel=1e-12)
    within = res.table.set_index("term").loc["prior_cramps"]
    assert within.df == len(trial) - 12 - 1
    assert {"sd_team", "theta"} <= set(res.table["term"])
    assert res.diagnostics["n_clusters"] == 12 and res.diagnostics["df_method"] == "between-within"
    assert "random team intercept" in res.text and "t(10)" in res.text and "12 teams" in res.text


def test_gee_uses_the_bias_reduced_sandwich(trial):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # its small-cluster advice is taken, so not repeated
        res = trial_rate_effect(trial, events="hamstring_cramps", exposure="exposure_h",
                                cluster="team", method="gee", level=0.9)
    row = res.table.set_index("term").loc["arm[T.glute_training]"]
    q = stats.t.ppf(0.95, 10)
    assert row.ci_high / row.ci_low == pytest.approx(np.exp(2 * q * row.se), rel=1e-10)
    assert res.level == 0.9 and "GEE" in res.text


def test_cluster_options_are_checked(trial):
    with pytest.raises(InputError, match="give cluster="):
        trial_rate_effect(trial, events="hamstring_cramps", exposure="exposure_h",
                          method="glmm")
    with pytest.raises(InputError, match="method"):
        trial_rate_effect(trial, events="hamstring_cramps", exposure="exposure_h",
                          cluster="team", method="lme")
    few = trial[trial["team"].isin(["T01", "T02", "T03"])]
    with pytest.raises(InputError, match="at least 4"):
        trial_rate_effect(few, events="hamstring_cramps", exposure="exposure_h", cluster="team")


def test_cluster_trial_power_is_seeded_and_counts_teams():
    a = power("trial", design="cluster_trial", n=(160, 240), team_size=20, reps=100, seed=4,
              executor="serial")
    b = power("trial", design="cluster_trial", n=(160, 240), team_size=20, reps=100, seed=4,
              executor="threads")
    assert a.table.equals(b.table)
    assert a.table["n_teams"].tolist() == [8, 12]
    assert a.diagnostics["icc"] == pytest.approx(0.3**2 / (0.3**2 + special.polygamma(1, 0.8)))
    assert "Teams of 20 athletes" in a.text


def test_cluster_trial_power_rejects_impossible_designs():
    with pytest.raises(InputError, match="even number of at least 4"):
        power("trial", design="cluster_trial", n=(100,), team_size=20, reps=100, seed=1)
    with pytest.raises(InputError, match="plans the trial"):
        power("cohort_sitting", design="cluster_trial", n=(400,), reps=100, seed=1)
    with pytest.raises(InputError, match="design"):
        power("trial", design="stepped_wedge", n=(400,), reps=100, seed=1)
