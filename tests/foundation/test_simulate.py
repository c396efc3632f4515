"""The simulator: same seed same bytes, a reproducible demo, and it recovers what it was told."""

from __future__ import annotations

import filecmp
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
import statsmodels.formula.api as smf

from glute_study import Effects, InputError, draw_cohorts, simulate_study

ROOT = Path(__file__).resolve().parents[2]


def test_same_seed_same_bytes(tmp_path):
    a = simulate_study(n=40, seed=11).save(tmp_path / "a")
    b = simulate_study(n=40, seed=11).save(tmp_path / "b")
    names = sorted(p.name for p in a.iterdir())
    match, mismatch, errors = filecmp.cmpfiles(a, b, names, shallow=False)
    assert mismatch == [] and errors == [] and len(match) == 7


def test_different_seeds_differ():
    a = simulate_study(n=40, seed=1).analysis_table()
    b = simulate_study(n=40, seed=2).analysis_table()
    assert not a.equals(b)


def test_demo_dataset_is_reproduced_byte_for_byte(tmp_path):
    """`make demo` runs exactly this command; the committed demo must be its output."""
    out = tmp_path / "demo"
    subprocess.run([sys.executable, "-m", "glute_study.cli", "simulate", "--n", "400",
                    "--seed", "2026", "--scenario", "hypothesis", "--n-teams", "20",
                    "--team-sd", "0.3", "--season", "4", "--out", str(out)],
                   check=True, capture_output=True)
    demo = ROOT / "datasets" / "demo"
    names = sorted(p.name for p in demo.iterdir())
    assert names == sorted(p.name for p in out.iterdir())
    _, mismatch, errors = filecmp.cmpfiles(demo, out, names, shallow=False)
    assert mismatch == [] and errors == []


def test_null_scenario_removes_every_arrow_of_the_claim():
    truth = simulate_study(n=10, seed=1, scenario="null").truth
    assert truth["irr_glute_per_nm_kg"] == 1.0
    assert truth["irr_sitting_per_h"] == 1.0
    assert truth["irr_training"] == 1.0
    assert truth["glute_per_sitting_h"] == 0.0
    assert truth["effects"]["rr_prior_cramps"] == Effects().rr_prior_cramps


def test_truth_closed_forms():
    fx = Effects()
    truth = fx.truth()
    log_g = -np.log(fx.rr_glute_deficit_per_sd) / fx.glute_sd_nm_kg
    assert truth["irr_glute_per_nm_kg"] == pytest.approx(np.exp(log_g), rel=1e-12)
    assert truth["irr_sitting_per_h"] == pytest.approx(
        np.exp(fx.sitting_on_glute_nm_kg_per_h * log_g), rel=1e-12)


def test_unknown_effect_and_bad_values_are_clear_errors():
    with pytest.raises(InputError, match="unknown effect"):
        simulate_study(n=10, seed=1, rr_glutes=1.3)
    with pytest.raises(InputError, match="positive"):
        simulate_study(n=10, seed=1, rr_training=0)
    with pytest.raises(InputError, match="scenario"):
        simulate_study(n=10, seed=1, scenario="maybe")
    with pytest.raises(InputError, match="`n` must be a whole number from 2 to 100,000; got 1"):
        simulate_study(n=1, seed=1)
    with pytest.raises(InputError, match="from 2 to 100,000; got 1000000000"):
        simulate_study(n=10**9, seed=1)
    with pytest.raises(InputError, match="`reps` must be a whole number from 1 to 100,000"):
        draw_cohorts(50, reps=10**9, seed=1)


def _fit_nb(table):
    table = table.dropna(subset=["sitting_h_day", "glute_nm_kg", "exposure_h"])
    model = smf.negativebinomial(
        "hamstring_cramps ~ glute_nm_kg + sitting_h_day + age + sex + prior_cramps"
        " + prior_hamstring_injury + arm", data=table, offset=np.log(table["exposure_h"]))
    with warnings.catch_warnings():
        # statsmodels' optimiser notes on its start values are not the point of this test
        warnings.simplefilter("ignore")
        fit = model.fit(disp=0, maxiter=200)
    return np.exp(fit.conf_int().loc["glute_nm_kg"]), np.exp(fit.conf_int().loc[
        "arm[T.glute_training]"])


def test_negative_binomial_recovers_the_generating_rate_ratios():
    study = simulate_study(n=1500, seed=123)
    ci_glute, ci_arm = _fit_nb(study.analysis_table())
    assert ci_glute.iloc[0] < study.truth["irr_glute_per_nm_kg"] < ci_glute.iloc[1]
    assert ci_glute.iloc[1] < 1  # and it is detectably below 1
    assert ci_arm.iloc[0] < study.truth["irr_training"] < ci_arm.iloc[1]


def test_null_scenario_shows_no_effect():
    study = simulate_study(n=4000, seed=321, scenario="null")
    ci_glute, ci_arm = _fit_nb(study.analysis_table())
    assert ci_glute.iloc[0] < 1 < ci_glute.iloc[1]
    assert ci_arm.iloc[0] < 1 < ci_arm.iloc[1]


def test_draw_cohorts_matches_the_study_model_in_distribution():
    cohorts = draw_cohorts(400, reps=20, seed=5, trial=True)
    study = simulate_study(n=8000, seed=5).analysis_table()
    for column in ("sitting_h_day", "glute_nm_kg", "exposure_h", "hamstring_cramps"):
        batch = np.nanmean(cohorts[column])
        single = study[column].mean()
        assert batch == pytest.approx(single, rel=0.05), column
    assert np.nanmean(cohorts["arm"]) == 0.5
