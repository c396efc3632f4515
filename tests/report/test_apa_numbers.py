"""How numbers and words print for readers (a reviewer's audit): correlations and ICCs without
a leading zero, counts with thousands separators, Table 1 levels as words and decimals by the
variable's spread, warnings without class names, the planning sentences and tables, the
report header and a simulated study's title in words. Each test failed before its fix."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from glute_study import simulate_study
from glute_study.report.tables import apa_table, table_one
from glute_study.report.writers import NotebookReport, warning_lines
from glute_study.stats._result import format_ci, format_count, format_number
from glute_study.stats.associations import partial_correlation
from glute_study.stats.recurrent import recurrent_events
from glute_study.stats.reliability import reliability

# -- 1. statistics bounded by 1 print without a leading zero (APA) ---------------------------

def test_bounded_statistics_have_no_leading_zero():
    assert format_number(-0.2312, bounded=True) == "-.23"
    assert format_number(0.851, bounded=True) == ".85"
    assert format_number(1.0, bounded=True) == "1.00"  # a 1 keeps its digit
    assert format_ci(-0.32, -0.13, bounded=True) == "95 % CI -.32 to -.13"
    assert format_number(0.23) == "0.23"  # other numbers keep theirs


def test_icc_and_correlation_sentences_drop_the_leading_zero():
    rng = np.random.default_rng(4)
    true = rng.normal(2.5, 0.5, 60)
    long = pd.DataFrame({"participant_id": np.repeat(np.arange(60), 2),
                         "session": np.tile([1, 2], 60),
                         "glute_nm_kg": np.repeat(true, 2) + rng.normal(0, 0.2, 120)})
    icc = reliability(long, subject="participant_id", session="session", value="glute_nm_kg")
    assert "ICC(A,1) = ." in icc.text and "ICC(C,1) = ." in icc.text
    assert "= 0." not in icc.text.split(";")[0]
    data = pd.DataFrame({"sitting_h_day": rng.normal(9, 1.5, 200)})
    data["glute_nm_kg"] = 3 - 0.1 * data["sitting_h_day"] + rng.normal(0, 0.4, 200)
    r = partial_correlation(data, x="sitting_h_day", y="glute_nm_kg")
    assert "r(198) = -." in r.text and "95 % CI -." in r.text
    assert "-0." not in r.text
    shown = apa_table(r).iloc[0]  # the printed table too
    assert shown["Estimate"].startswith("-.") and shown["95 % CI"].startswith("[-.")
    icc_table = apa_table(icc).set_index("Term")
    assert all(v.startswith(".") for v in icc_table["Estimate"].iloc[:6])


# -- 2. counts with thousands separators in prose and printed tables, not in CSV -----------

def test_counts_have_thousands_separators_in_prose_and_tables():
    assert format_count(16043) == "16,043" and format_count(999) == "999"
    t = pd.DataFrame({"term": ["x"], "estimate": [1.0], "ci_low": [0.5], "ci_high": [2.0],
                      "p_value": [0.5], "n": [16043], "events": [1200.0], "seed": [2026]})
    row = apa_table(t).iloc[0]
    assert row["n"] == "16,043" and row["Events"] == "1,200"
    assert row["Seed"] == "2026"  # not a count: a code keeps its digits together


def test_recurrent_sentence_counts_intervals_with_a_comma():
    rng = np.random.default_rng(1)
    ids = np.repeat(np.arange(300), 4)
    start = np.tile([0, 5, 10, 15], 300)
    data = pd.DataFrame({"participant_id": ids, "start": start, "stop": start + 5,
                         "event": rng.random(1200) < 0.2,
                         "sitting_h_day": rng.normal(9, 1.5, 1200)})
    data["event"] = data["event"].astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = recurrent_events(data, "sitting_h_day", start="start", stop="stop", event="event")
    assert "300 athletes, 1,200 intervals" in res.text


# -- 3. Table 1: levels as words, decimals by the variable's spread ------------------------

def test_table_one_levels_read_as_words_and_small_sds_keep_two_figures():
    df = pd.DataFrame({"arm": ["control", "glute_training"] * 3,
                       "level": ["amateur", "semi_professional", "professional"] * 2,
                       "sport": ["athletics", "football", "rugby"] * 2,
                       "glute_nm_kg": [2.0, 2.5, 3.3, 2.8, 2.2, 2.9],
                       "age": [20.0, 24.0, 31.0, 22.0, 27.0, 25.0],
                       "prior_cramps": [True, False, True, False, False, True]})
    shown = apa_table(table_one(df, by="arm"))
    levels = set(shown["Level"])
    assert {"Semi-professional", "Amateur", "Athletics", "Football", "Yes"} <= levels
    glute = shown[shown["Variable"].str.startswith("Glute strength")].iloc[0]
    assert glute["Overall"] == "2.62 (0.48)"  # Nm/kg at two decimals, SD below 1
    age = shown[shown["Variable"].str.startswith("Age")].iloc[0]
    assert age["Overall"] == "24.8 (3.9)"  # one decimal as before


# -- 4. warnings in words ------------------------------------------------------------------

def test_warnings_show_no_class_names():
    rep = NotebookReport("04_x", "04", warnings=[
        {"category": "GluteStudyWarning", "message": "partial_correlation: dropped 1 row",
         "cell": 1},
        {"category": "FitWarning", "message": "no convergence", "cell": 2},
        {"category": "RuntimeWarning", "message": "overflow", "cell": 3}])
    assert warning_lines(rep) == ["Warning: Partial correlation: dropped 1 row",
                                  "Model-fit warning: No convergence", "Warning: Overflow"]


# -- 5. planning power: words, decimals and columns ----------------------------------------

def test_power_at_100_percent_says_its_se_in_words_and_ratios_have_two_decimals():
    from glute_study.stats.simulation_power import power

    res = power("trial", n=(200,), reps=100, seed=1, executor="serial")
    assert "0.000" not in res.text
    assert res.table.estimate.iloc[1] == 1  # the ANCOVA rejected in every simulated study
    assert "Monte Carlo SE 0, since all 100 simulated studies agreed" in res.text
    assert "rate ratio of 0.85 for glute training" in res.text  # not 0.850 (nor 1.100)
    assert not {"power", "test"} & set(res.table.columns)
    rr = res.table.iloc[0]  # the rate ratio's mean estimate is a ratio, as its true effect
    assert 0.5 < rr.mean_estimate < 1.5 and rr.true_effect == pytest.approx(0.848, abs=1e-3)
    glute = power("cohort_glute", n=(100,), reps=100, seed=1, executor="serial")
    assert "(hamstring-cramp rate ratio per Nm/kg" not in glute.text  # no repeated bracket
    headers = apa_table(res, every_column=True).columns  # (printed only when it varies)
    assert "Share of simulated analyses that converged" in headers


# -- 6. planning's rate is the incidence analysis's; theta's difference is explained ---------

def test_planning_rate_interval_is_the_incidence_one_and_theta_is_explained():
    from glute_study.stats.incidence import incidence
    from glute_study.stats.planning import planning_inputs

    data = simulate_study(n=300, seed=5, n_teams=10).analysis_table()
    res = planning_inputs(data, seed=1)
    exposed = data[(data.exposure_h > 0) & data.hamstring_cramps.notna()]
    inc = incidence(exposed, events="hamstring_cramps", exposure="exposure_h", cluster="team")
    got = res.table.iloc[0]
    want = inc.table.iloc[0]
    np.testing.assert_allclose([got.estimate, got.ci_low, got.ci_high],
                               [want.estimate, want.ci_low, want.ci_high], rtol=1e-9)
    assert "pre-post correlation of glute strength, control athletes ." in res.text
    assert "share with previous cramping ." in res.text
    methods = res.diagnostics["methods"]
    assert "cluster-robust standard errors by team" in methods
    assert f"model without covariates (theta {inc.diagnostics['overall_theta']:.2f})" in methods


# -- 7, 8. the report header and a simulated study's title in words ---------------------------

def test_parameters_sentence_and_study_title_are_words():
    from glute_study.report.runner import _parameters_sentence

    text = _parameters_sentence({"study_dir": "/x/demo", "seed": 2026, "n": 400,
                                 "scenario": "hypothesis", "alpha": 0.05, "n_boot": 5000,
                                 "n_sims": 100})
    assert "n_boot" not in text and "alpha =" not in text
    assert "significance level 5 %; 5,000 bootstrap replicates" in text
    name = simulate_study(n=40, seed=2, n_teams=4).metadata["name"]
    assert name == ("Simulated cohort of 40 athletes in 4 teams (the world where the coaching "
                    "claim is true, seed 2)")
