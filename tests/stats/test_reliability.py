"""Reliability and agreement against R (tests/reference/reliability/reference.R).

The R script runs psych::ICC(lmer = FALSE), t.test, aov(... + Error()) and lm on the seeded CSVs
written by make_data.py and stores what they printed in reference.json. Tolerance: 1e-5 relative
(closed-form statistics; the only differences are floating-point and quantile algorithms).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from glute_study.errors import GluteStudyWarning, InputError
from glute_study.stats import Result
from glute_study.stats.reliability import bland_altman, participant_values, reliability

REF = Path(__file__).resolve().parents[1] / "reference" / "reliability"
R = json.loads((REF / "reference.json").read_text())
RTOL = 1e-5


@pytest.fixture(params=[("three", "icc_three_sessions.csv"), ("two", "icc_two_sessions.csv")])
def case(request):
    key, file = request.param
    return R[key], pd.read_csv(REF / file)


def test_icc_forms_match_psych(case):
    # R: psych::ICC(wide, lmer = FALSE)$results
    ref, data = case
    res = reliability(data, subject="participant_id", session="session", value="value")
    assert isinstance(res, Result)
    icc = res.table.iloc[:6]
    assert list(icc.term) == ref["type"]
    assert_allclose(icc.estimate, ref["icc"], rtol=RTOL)
    assert_allclose(icc.statistic, ref["f"], rtol=RTOL)
    assert_allclose(icc.df1, ref["df1"], rtol=RTOL)
    assert_allclose(icc.df2, ref["df2"], rtol=RTOL)
    assert_allclose(icc.p_value, ref["p"], rtol=RTOL, atol=1e-300)
    assert_allclose(icc.ci_low, ref["lower"], rtol=RTOL)
    assert_allclose(icc.ci_high, ref["upper"], rtol=RTOL)
    assert list(icc.mcgraw_wong) == ["ICC(1)", "ICC(A,1)", "ICC(C,1)", "ICC(k)", "ICC(A,k)",
                                     "ICC(C,k)"]


def test_mean_squares_sem_mdc_cv_swc(case):
    # R: psych::ICC(...)$stats["MS", ], sqrt(MSE), qnorm(.975)*sqrt(2)*SEM, Hopkins CV on logs
    ref, data = case
    res = reliability(data)
    d = res.diagnostics
    for key in ("msr", "msc", "mse", "msw"):
        assert d[key] == pytest.approx(ref[key], rel=RTOL), key
    t = res.table.set_index("term")
    assert t.loc["SEM", "estimate"] == pytest.approx(ref["sem"], rel=RTOL)
    assert t.loc["MDC95", "estimate"] == pytest.approx(ref["mdc95"], rel=RTOL)
    assert t.loc["CV_pct", "estimate"] == pytest.approx(ref["cv_pct"], rel=RTOL)
    assert t.loc["SWC", "estimate"] == pytest.approx(ref["swc"], rel=RTOL)
    assert_allclose(d["session_means"], ref["session_means"], rtol=RTOL)


def test_bias_two_sessions_is_paired_t():
    # R: t.test(x[, 2], x[, 1], paired = TRUE)
    ref = R["two"]["bias"]
    res = reliability(pd.read_csv(REF / "icc_two_sessions.csv"))
    row = res.table.iloc[-1]
    assert row.term == "bias: session 2 - session 1"
    assert row.estimate == pytest.approx(ref["estimate"], rel=RTOL)
    assert row.ci_low == pytest.approx(ref["lower"], rel=RTOL)
    assert row.ci_high == pytest.approx(ref["upper"], rel=RTOL)
    assert row.p_value == pytest.approx(ref["p"], rel=RTOL)
    assert row.statistic == pytest.approx(ref["t"], rel=RTOL)
    assert "mean change between sessions" in res.text


def test_bias_three_sessions_is_rm_anova():
    # R: summary(aov(value ~ session + Error(participant_id / session)))
    ref = R["three"]["bias"]
    res = reliability(pd.read_csv(REF / "icc_three_sessions.csv"))
    row = res.table.iloc[-1]
    assert row.statistic == pytest.approx(ref["f"], rel=RTOL)
    assert (row.df1, row.df2) == (ref["df1"], ref["df2"])
    assert row.p_value == pytest.approx(ref["p"], rel=RTOL)
    assert row.estimate == pytest.approx(ref["range"], rel=RTOL)
    assert "F(2, 58)" in res.text


def test_text_reports_chosen_form():
    res = reliability(pd.read_csv(REF / "icc_three_sessions.csv"), form="ICC2")
    est = R["three"]["icc"][1]
    assert res.text.startswith(f"Test-retest reliability was ICC(A,1) = {est:.2f}")


def test_incomplete_subjects_dropped_with_warning():
    data = pd.read_csv(REF / "icc_three_sessions.csv")
    data.loc[0, "value"] = np.nan
    with pytest.warns(GluteStudyWarning, match="1 of 30 subjects"):
        res = reliability(data)
    assert res.diagnostics["n"] == 29
    assert res.diagnostics["n_dropped"] == 1


def test_duplicate_rows_raise_with_fix():
    data = pd.read_csv(REF / "icc_two_sessions.csv")
    data = pd.concat([data, data.iloc[[0]]])
    with pytest.raises(InputError, match="participant_values"):
        reliability(data)


def test_bad_arguments():
    data = pd.read_csv(REF / "icc_two_sessions.csv")
    with pytest.raises(InputError, match="`form` must be one of"):
        reliability(data, form="ICC4")
    with pytest.raises(InputError, match="no column 'score'"):
        reliability(data, value="score")
    with pytest.raises(InputError, match="at least 2 sessions"):
        reliability(data[data.session == 1])


def test_cv_needs_positive_values():
    data = pd.read_csv(REF / "icc_two_sessions.csv")
    data["value"] = data["value"] - 30
    res = reliability(data)
    assert np.isnan(res.table.set_index("term").loc["CV_pct", "estimate"])
    assert "CV" not in res.text


@pytest.mark.parametrize("ci_method", ["exact", "approximate"])
def test_bland_altman_matches_r(ci_method):
    # R: mean/sd of d = isokinetic - hhd, LoA = bias -/+ qnorm(.975) sd; exact CIs from
    # qt(p, n-1, ncp = qnorm(.975) sqrt(n)) (Carkeet 2015); approximate from Bland-Altman 1999;
    # proportional bias from lm(d ~ m).
    ref = R["bland_altman"]
    data = pd.read_csv(REF / "bland_altman.csv")
    res = bland_altman(data, x="hhd_nm", y="isokinetic_nm", ci_method=ci_method)
    t = res.table.set_index("term")
    assert t.loc["bias", "estimate"] == pytest.approx(ref["bias"], rel=RTOL)
    assert t.loc["bias", "ci_low"] == pytest.approx(ref["bias_lower"], rel=RTOL)
    assert t.loc["bias", "ci_high"] == pytest.approx(ref["bias_upper"], rel=RTOL)
    assert t.loc["bias", "p_value"] == pytest.approx(ref["bias_p"], rel=RTOL)
    assert t.loc["loa_lower", "estimate"] == pytest.approx(ref["loa_lower"], rel=RTOL)
    assert t.loc["loa_upper", "estimate"] == pytest.approx(ref["loa_upper"], rel=RTOL)
    key = "exact" if ci_method == "exact" else "approx"
    assert_allclose(t.loc["loa_lower", ["ci_low", "ci_high"]].astype(float),
                    ref[f"{key}_lower_ci"], rtol=RTOL)
    assert_allclose(t.loc["loa_upper", ["ci_low", "ci_high"]].astype(float),
                    ref[f"{key}_upper_ci"], rtol=RTOL)
    assert t.loc["proportional_bias", "estimate"] == pytest.approx(ref["slope"], rel=RTOL)
    assert t.loc["proportional_bias", "se"] == pytest.approx(ref["slope_se"], rel=RTOL)
    assert t.loc["proportional_bias", "p_value"] == pytest.approx(ref["slope_p"], rel=RTOL)
    assert_allclose(t.loc["proportional_bias", ["ci_low", "ci_high"]].astype(float),
                    ref["slope_ci"], rtol=RTOL)
    assert res.diagnostics["sd_diff"] == pytest.approx(ref["sd"], rel=RTOL)
    assert len(res.frame("pairs")) == ref["n"]
    assert "isokinetic_nm minus hhd_nm" in res.text


def test_bland_altman_long_form_equals_wide():
    data = pd.read_csv(REF / "bland_altman.csv")
    long = data.melt(id_vars="participant_id", var_name="method", value_name="torque")
    wide_res = bland_altman(data, x="hhd_nm", y="isokinetic_nm")
    long_res = bland_altman(long, subject="participant_id", method="method", value="torque")
    pd.testing.assert_frame_equal(wide_res.table, long_res.table)


def test_bland_altman_unit_goes_to_table_and_text():
    data = pd.read_csv(REF / "bland_altman.csv")
    plain = bland_altman(data, x="hhd_nm", y="isokinetic_nm")
    res = bland_altman(data, x="hhd_nm", y="isokinetic_nm", unit="Nm")
    assert res.table["unit"].tolist() == ["Nm", "Nm", "Nm", ""]
    assert set(plain.table["unit"]) == {""}
    assert res.text.count(" Nm") == 3 and " Nm" not in plain.text
    pd.testing.assert_frame_equal(res.table.drop(columns="unit"), plain.table.drop(columns="unit"))


def test_bland_altman_errors_and_missing_pairs():
    data = pd.read_csv(REF / "bland_altman.csv")
    with pytest.raises(InputError, match="give both"):
        bland_altman(data, x="hhd_nm")
    with pytest.raises(InputError, match="needs `x` and `y`"):
        bland_altman(data)
    long = data.melt(id_vars="participant_id", var_name="method", value_name="torque")
    long.loc[0, "method"] = "third"
    with pytest.raises(InputError, match="exactly 2 levels"):
        bland_altman(long, subject="participant_id", method="method", value="torque")
    data.loc[3, "hhd_nm"] = np.nan
    with pytest.warns(GluteStudyWarning, match="dropped 1 of"):
        res = bland_altman(data, x="hhd_nm", y="isokinetic_nm")
    assert res.diagnostics["n"] == 39


def test_participant_values_rules():
    trials = pd.DataFrame({
        "participant_id": ["a"] * 4 + ["b"] * 4,
        "side": ["left", "left", "right", "right"] * 2,
        "trial": [2, 1, 1, 2] * 2,
        "value": [10.0, 12.0, 11.0, 9.0, 5.0, np.nan, 7.0, 8.0],
    })
    best = participant_values(trials, by=["participant_id", "side"], rule="best")
    assert best.value.tolist() == [12.0, 11.0, 5.0, 8.0]
    assert best.n_trials.tolist() == [2, 2, 1, 2]
    mean = participant_values(trials, by=["participant_id", "side"], rule="mean")
    assert mean.value.tolist() == [11.0, 10.0, 5.0, 7.5]
    first = participant_values(trials, by=["participant_id", "side"], rule="first")
    assert first.value.tolist() == [12.0, 11.0, 5.0, 7.0]  # trial 1 of each, NaN skipped
    assert first.attrs["rule"] == "first valid trial"
    with pytest.raises(InputError, match="`rule` must be one of"):
        participant_values(trials, by="participant_id", rule="top")


def test_runs_on_the_demo_study():
    from glute_study.study import load_study

    demo = Path(__file__).resolve().parents[2] / "datasets" / "demo"
    if not demo.is_dir():
        pytest.skip(f"demo study not found at {demo}")
    strength = load_study(demo).strength
    hhd = strength[strength.test == "hhd_hip_extension"]
    per_side = participant_values(hhd, by=["participant_id", "session", "side"], rule="best")
    per_session = participant_values(per_side, by=["participant_id", "session"], rule="mean")
    baseline = per_session[per_session.session.isin([1, 2])]
    res = reliability(baseline)
    assert res.diagnostics["k"] == 2
    assert 0 < res.table.estimate[2] <= 1
    ba = bland_altman(baseline, subject="participant_id", method="session", value="value")
    assert "session 2 minus session 1" in ba.text


def test_degenerate_data_raise_instead_of_dividing_by_zero():
    copied = pd.DataFrame({"participant_id": np.repeat([1, 2, 3, 4], 2), "session": [1, 2] * 4,
                           "value": np.repeat([1.0, 2.0, 3.0, 4.0], 2)})
    with pytest.raises(InputError, match="copied into another"):
        reliability(copied)
    with pytest.raises(InputError, match="does not vary between subjects"):
        reliability(copied.assign(value=5.0))
    with pytest.raises(InputError, match="SD of the differences is 0"):
        bland_altman(copied, subject="participant_id", method="session", value="value")


def test_icc_intervals_at_another_level():
    # R: psych::ICC(wide, lmer = FALSE, alpha = 0.10)
    ref = R["three_level90"]
    res = reliability(pd.read_csv(REF / "icc_three_sessions.csv"), level=0.90)
    assert_allclose(res.table.ci_low[:6], ref["lower"], rtol=RTOL)
    assert_allclose(res.table.ci_high[:6], ref["upper"], rtol=RTOL)
    assert "90 % CI" in res.text


def test_reliability_command_on_the_demo_study(tmp_path, capsys):
    import argparse

    from glute_study.commands import reliability as command

    demo = Path(__file__).resolve().parents[2] / "datasets" / "demo"
    if not demo.is_dir():
        pytest.skip(f"demo study not found at {demo}")
    parser = argparse.ArgumentParser()
    command.add_parser(parser.add_subparsers())
    out = tmp_path / "icc.csv"
    args = parser.parse_args(["reliability", str(demo), "--sessions", "1", "2",
                              "--out", str(out)])
    assert args.func(args) == 0
    printed = capsys.readouterr().out
    # the analysed variable (Nm/kg, as glute_nm_kg), not the force at the pad in N
    assert "best (largest) trial per side, mean of sides (Nm/kg)" in printed
    assert "k = 2 sessions" in printed
    assert "SEM 0." in printed and " Nm/kg, MDC95 " in printed
    table = pd.read_csv(out)
    assert table.set_index("term").loc["SEM", "unit"] == "Nm/kg"
    assert list(table.term[:6]) == ["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"]
    args = parser.parse_args(["reliability", str(demo), "--test", "grip"])
    with pytest.raises(InputError, match="no 'grip' trials; tests present"):
        args.func(args)


@pytest.mark.slow
def test_interval_coverage_by_simulation():
    # Calibration, not a reference check: under the two-way model the ICC(C,1) interval is
    # exact and the non-central-t limits-of-agreement interval is exact, so in 2000 seeded
    # data sets each should cover its true value in 95 % of them (binomial 99.9 % band about
    # +/- 1.6 points). Data: 20 subjects x 3 sessions, subject SD 1, error SD 0.5, session
    # shifts 0, 0.2, 0.4.
    rng = np.random.default_rng(2026)
    n, k, reps = 20, 3, 2000
    true_icc3 = 1.0 / (1.0 + 0.25)
    sd_d = np.sqrt(2 * 0.25)
    true_upper_loa = 0.2 + 1.959963984540054 * sd_d
    hit_icc, hit_loa = 0, 0
    for _ in range(reps):
        x = (rng.normal(0, 1, (n, 1)) + np.array([0.0, 0.2, 0.4])
             + rng.normal(0, 0.5, (n, k)))
        long = pd.DataFrame({"participant_id": np.repeat(np.arange(n), k),
                             "session": np.tile(np.arange(k), n), "value": x.ravel()})
        row = reliability(long).table.iloc[2]
        hit_icc += row.ci_low <= true_icc3 <= row.ci_high
        ba = bland_altman(pd.DataFrame({"a": x[:, 0], "b": x[:, 1]}), x="a", y="b")
        up = ba.table.iloc[2]
        hit_loa += up.ci_low <= true_upper_loa <= up.ci_high
    assert 0.934 <= hit_icc / reps <= 0.966
    assert 0.934 <= hit_loa / reps <= 0.966
