"""Tests of glute_study.stats.planning: the calibration recovers the simulator's own inputs
from a simulated study (the known truth is the reference), each row says where it comes from,
the effects to detect come from the plan, and a study without teams, trial or post-test falls
back to stated defaults."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from glute_study import simulate_study
from glute_study.errors import InputError
from glute_study.plan import analysis_plan
from glute_study.simulate import Effects
from glute_study.stats.planning import SOURCES, planning_inputs

TRUTH = {"dispersion_theta": 1.5, "sitting_sd_h": 1.2, "glute_sd_nm_kg": 0.4,
         "hamstring_rate_per_1000h": 4.0, "prior_cramps_share": 0.45, "dropout_share": 0.05,
         "exposure_h_mean": 180.0, "glute_change_sd_nm_kg": 0.2, "rr_prior_cramps": 2.0}


@pytest.fixture(scope="module")
def known():
    study = simulate_study(n=3000, seed=11, trial=True, **TRUTH)
    return planning_inputs(study.analysis_table(), seed=3)


def test_calibration_recovers_the_simulators_inputs(known):
    # A study simulated with known inputs: planning_inputs must give them back, within the
    # sampling error of 3000 athletes (theta and the rate are the least precise).
    fx = known.diagnostics["effects"]
    tol = {"dispersion_theta": 0.2, "sitting_sd_h": 0.05, "glute_sd_nm_kg": 0.08,
           "hamstring_rate_per_1000h": 0.15, "prior_cramps_share": 0.1, "dropout_share": 0.3,
           "exposure_h_mean": 0.03, "glute_change_sd_nm_kg": 0.15, "rr_prior_cramps": 0.15}
    for name, value in TRUTH.items():
        assert fx[name] == pytest.approx(value, rel=tol[name]), name


def test_every_row_says_where_it_comes_from_and_effects_come_from_the_plan(known):
    table = known.table
    assert list(table.columns[:5]) == ["term", "estimate", "ci_low", "ci_high", "p_value"]
    # the source, then (in parentheses) why an input could not be estimated
    assert table.source.str.startswith(tuple(SOURCES.values())).all()
    observed = table[table.source.str.startswith(SOURCES["observed"])]
    assert len(observed) == 10  # a trial with a post-test, no teams: all but the team SD
    assert (observed.ci_low <= observed.estimate).all() and \
        (observed.estimate <= observed.ci_high).all()
    plan_rows = table[table.source.str.startswith(SOURCES["plan"])]
    assert plan_rows.estimate.round(6).tolist() == [-0.1, round(1 / 1.1, 6), 1.1,
                                                    round(1 / 1.1, 6)]
    fx = known.diagnostics["effects"]
    # the trial's rate ratio over the whole follow-up (its effect builds up until the post-test)
    assert Effects(**fx).truth()["irr_training"] == pytest.approx(1 / 1.1)
    # the total effect of sitting is the plan's 1.1 per h/day: direct times indirect
    t = Effects(**{k: v for k, v in fx.items()}).truth()
    assert t["irr_sitting_per_h"] == pytest.approx(1.1)
    assert t["irr_glute_per_nm_kg"] == pytest.approx(1 / 1.1)
    team = table[table.term.str.startswith("Between-team")].iloc[0]
    assert team.source == f"{SOURCES['default']} (not estimable: the study records no teams)"
    assert "nan" not in known.text.lower() and "_" not in known.text
    assert "circular" in known.diagnostics["methods"]


def test_both_tables_fit_a_portrait_page_and_no_column_is_always_empty(known):
    # The manuscript's rule (report.manuscript.Table.wide): wider than the portrait text block
    # at 9 pt, text wrapped at 30 characters, goes on a landscape page.
    from glute_study.report.manuscript import Table
    from glute_study.report.tables import apa_table

    inputs, simulator = apa_table(known), apa_table(known.frame("simulator"))
    assert list(inputs.columns) == ["Term", "Estimate", "95 % CI", "p", "Source"]
    assert list(simulator.columns) == ["Term", "Simulator", "Simulator value"]
    for apa in (inputs, simulator):
        table = Table("8.1", "", tuple(apa.columns), tuple(map(tuple, apa.to_numpy())))
        assert not table.wide, list(apa.columns)
        # every column holds something, but p: a Result always has p_value, and no input is
        # a test
        empty = [c for c in apa.columns if not apa[c].str.strip().any()]
        assert empty == (["p"] if apa is inputs else [])
    # units go with the words, as the codebook's labels write them; each input that sets the
    # simulator is in the second table under the same words
    assert "SD of glute strength (Nm/kg)" in set(known.table.term)
    assert set(known.frame("simulator").term) <= set(known.table.term)
    assert np.isfinite(known.frame("simulator").simulator_value).all()


def test_bounds_declared_in_the_plan_are_the_effects_to_detect():
    data = simulate_study(n=300, seed=2).analysis_table()
    plan = analysis_plan({"bounds": {"trial": [0.8, 1.25], "sitting_glute": [-0.2, 0.2]}})
    res = planning_inputs(data, plan=plan, seed=1)
    fx = Effects(**res.diagnostics["effects"])
    assert fx.truth()["irr_training"] == pytest.approx(0.8)
    assert res.diagnostics["targets"]["sitting_glute"] == -0.2


def test_an_observational_study_without_post_test_or_teams_falls_back_to_defaults():
    data = simulate_study(n=300, seed=5, trial=False).analysis_table()
    res = planning_inputs(data, seed=1)
    rows = res.table.set_index("term")
    assert not any("control" in t for t in rows.index)  # no arms: the rate of all athletes
    pre_post = rows.loc["Pre-post correlation of glute strength"]
    assert pre_post.source.startswith(f"{SOURCES['default']} (not estimable")
    assert "glute_change_sd_nm_kg" not in res.diagnostics["effects"]
    theta = rows.loc["Negative-binomial dispersion (theta), covariate-adjusted"]
    assert theta.source == SOURCES["observed"]


def test_teams_give_an_observed_between_team_sd():
    data = simulate_study(n=600, seed=5, n_teams=20, team_sd=0.5).analysis_table()
    res = planning_inputs(data, seed=1)
    row = res.table[res.table.term.str.startswith("Between-team")].iloc[0]
    assert row.source == SOURCES["observed"]
    assert row.ci_low < 0.5 < row.ci_high
    assert res.diagnostics["team_sd"] == pytest.approx(row.estimate)


def test_a_planned_covariate_absent_or_not_simulated_is_left_out_by_name():
    # The count model is fitted alike to the data and the simulated cohorts, so it holds only
    # covariates that both have; the others are named in the methods, not dropped silently.
    data = simulate_study(n=300, seed=2).analysis_table().drop(columns="prior_hamstring_injury")
    plan = analysis_plan({"adjust": {"glute_cramps": ["sex", "sitting_h_day",
                                                      "prior_hamstring_injury", "body_mass_kg"]}})
    res = planning_inputs(data, plan=plan, seed=1)
    assert res.diagnostics["left_out"] == {"absent": ["prior_hamstring_injury"],
                                           "not_simulated": ["body_mass_kg"]}
    methods = res.diagnostics["methods"]
    assert ("hamstring cramps on glute strength, sex, device-measured sitting, age, previous "
            "cramping, trial arm (the plan's previous hamstring injury was left out, not in "
            "this study's data; the plan's body mass was left out, not drawn by the "
            "simulator)") in methods
    default = planning_inputs(data, seed=1)
    assert default.diagnostics["left_out"] == {"absent": [], "not_simulated": []}
    assert "left out" not in default.diagnostics["methods"]


def test_bad_input():
    data = simulate_study(n=60, seed=1).analysis_table()
    with pytest.raises(InputError, match="analysis table"):
        planning_inputs(data.to_dict())
    with pytest.raises(InputError, match="`sesoi`"):
        planning_inputs(data, sesoi=0.9)
    with pytest.raises(InputError, match="AnalysisPlan"):
        planning_inputs(data, plan={"primary": ["trial"]})
    empty = data.assign(exposure_h=np.nan)
    with pytest.raises(InputError, match="exposure hours"):
        planning_inputs(empty)


def test_a_default_simulated_study_records_no_cohort_fields_and_a_set_one_does():
    # The cohort fields are new; a default study's truth (and so the demo) is as before.
    plain = simulate_study(n=20, seed=1).truth["effects"]
    assert not {"prior_cramps_share", "dropout_share", "exposure_h_mean",
                "glute_change_sd_nm_kg"} & set(plain)
    shifted = simulate_study(n=20, seed=1, exposure_h_mean=200.0).truth["effects"]
    assert shifted["exposure_h_mean"] == 200.0 and "dropout_share" not in shifted
    assert math.isclose(Effects().exposure_h_mean, 140.4)
    with pytest.raises(InputError, match="dropout_share"):
        simulate_study(n=20, seed=1, dropout_share=1.5)


def test_exposure_scale_moves_the_mean_exposure():
    # sessions stretch by the ratio (within the 30-180 min a session may last)
    base = simulate_study(n=400, seed=4).analysis_table()["exposure_h"]
    more = simulate_study(n=400, seed=4, exposure_h_mean=1.25 * 140.4).analysis_table()[
        "exposure_h"]
    assert more.mean() / base.mean() == pytest.approx(1.25, rel=0.02)
    assert pd.isna(more).sum() == pd.isna(base).sum()
