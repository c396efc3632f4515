"""Reliability and agreement against R (tests/reference/reliability/reference.R).

The R script runs psych::ICC(lmer = FALSE), the McGraw & Wong (1996) ICC(A,1)/ICC(C,1) formulas
as irr::icc codes them, lme4 REML variance components, t.test, aov(... + Error()) and lm on the
seeded CSVs written by make_data.py (plus Shrout & Fleiss's 1979 Table 2 data and a set with a
systematic session shift) and stores what they printed in reference.json. Tolerance: 1e-6
relative (closed-form statistics; the only differences are floating-point and quantile
algorithms), 1e-5 for the REML fit.
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
from glute_study.stats.reliability import (
    against_change,
    bland_altman,
    participant_values,
    reliability,
    retest_sessions,
)

REF = Path(__file__).resolve().parents[1] / "reference" / "reliability"
R = json.loads((REF / "reference.json").read_text())
RTOL = 1e-6


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
    shown = f"{est:.2f}".removeprefix("0")  # APA: an ICC has no leading zero
    assert res.text.startswith(f"Test-retest reliability was ICC(A,1) = {shown}")


def test_text_names_the_measure_when_told():
    # notebook 02 reports three ICC sentences (mean of sides, left, right) that read alike
    data = pd.read_csv(REF / "icc_three_sessions.csv")
    res = reliability(data, form="ICC2", what="HHD hip extension, left side")
    assert res.text.startswith("Test-retest reliability of HHD hip extension, left side was "
                               "ICC(A,1) = ")
    with pytest.raises(InputError, match="`what` must be a non-empty text"):
        reliability(data, what=" ")


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


# --- ICC(A,1), the test-retest form (GRRAS; Koo & Li 2016) -------------------------------------

AGREEMENT_CASES = ["icc_three_sessions", "icc_two_sessions", "icc_shift", "shrout_fleiss_1979"]
RTOL_MW = 1e-6


@pytest.mark.parametrize("name", AGREEMENT_CASES)
def test_icc_a1_and_c1_match_the_mcgraw_wong_formulas(name):
    # R: the irr::icc(model = "twoway", type = "agreement"/"consistency", unit = "single")
    # formulas (McGraw & Wong 1996, Table 7) typed out in reference.R, and psych::ICC
    ref = R["agreement"][name]
    data = pd.read_csv(REF / f"{name}.csv")
    t = reliability(data).table.set_index("term")
    assert t.loc["ICC2", ["estimate", "ci_low", "ci_high"]].astype(float).tolist() == \
        pytest.approx([ref["a1"], ref["a1_lower"], ref["a1_upper"]], rel=RTOL_MW)
    assert t.loc["ICC3", ["estimate", "ci_low", "ci_high"]].astype(float).tolist() == \
        pytest.approx([ref["c1"], ref["c1_lower"], ref["c1_upper"]], rel=RTOL_MW)
    assert t.loc["ICC2", "statistic"] == pytest.approx(ref["f"], rel=RTOL_MW)
    assert t.loc["ICC2", "p_value"] == pytest.approx(ref["p"], rel=RTOL_MW, abs=1e-300)
    psych = ref["psych"]  # rows ICC2, ICC3 of psych::ICC(lmer = FALSE)$results
    assert_allclose(t.loc[["ICC2", "ICC3"], "estimate"], psych["ICC"], rtol=RTOL_MW)
    assert_allclose(t.loc[["ICC2", "ICC3"], "ci_low"], psych["lower"], rtol=RTOL_MW)
    assert_allclose(t.loc[["ICC2", "ICC3"], "ci_high"], psych["upper"], rtol=RTOL_MW)
    ninety = reliability(data, level=0.90).table.set_index("term").loc["ICC2"]
    assert [ninety.ci_low, ninety.ci_high] == pytest.approx(
        [ref["level90"]["a1_lower"], ref["level90"]["a1_upper"]], rel=RTOL_MW)


@pytest.mark.parametrize("name", AGREEMENT_CASES)
def test_icc_a1_equals_the_reml_variance_share(name):
    # R: lme4::lmer(value ~ 1 + (1 | participant_id) + (1 | session), REML = TRUE):
    # s2_subject / (s2_subject + s2_session + s2_error). On balanced data it equals the ANOVA
    # estimator unless REML truncates the session variance at 0 (MS_C < MS_E), as in the
    # two-session set (a singular fit); tolerance 1e-5 for the optimiser's convergence.
    ref = R["agreement"][name]
    res = reliability(pd.read_csv(REF / f"{name}.csv"))
    a1 = res.table.set_index("term").loc["ICC2", "estimate"]
    if ref["reml"]["singular"]:
        assert res.diagnostics["msc"] < res.diagnostics["mse"]
        assert a1 < ref["reml"]["icc_a1"]
    else:
        assert a1 == pytest.approx(ref["reml"]["icc_a1"], rel=1e-5)


def test_a_systematic_shift_lowers_absolute_agreement_only():
    # icc_shift.csv: session 2 is 0.3 Nm/kg higher for everyone (a learning effect)
    data = pd.read_csv(REF / "icc_shift.csv")
    res = reliability(data, unit="Nm/kg")
    t = res.table.set_index("term")
    assert t.loc["ICC2", "estimate"] == pytest.approx(R["agreement"]["icc_shift"]["a1"],
                                                      rel=RTOL_MW)
    assert t.loc["ICC3", "estimate"] - t.loc["ICC2", "estimate"] > 0.3
    assert res.text.startswith("Test-retest reliability was ICC(A,1) = .43 (95 % CI -.09 to "
                               ".78, n = 24, k = 2 sessions; consistency ICC(C,1) = .79, "
                               "95 % CI .57 to .90)")
    assert t.loc["bias: session 2 - session 1", "p_value"] < 0.001


def test_shrout_fleiss_table_2_as_published():
    # Shrout PE, Fleiss JL (1979) Psychol Bull 86:420-428, Table 2 data (6 targets x 4 judges)
    # and the estimates they print (Table 4): ICC(1,1) .17, ICC(2,1) .29, ICC(3,1) .71,
    # ICC(1,4) .44, ICC(2,4) .62, ICC(3,4) .91. psych::ICC gives the unrounded values.
    res = reliability(pd.read_csv(REF / "shrout_fleiss_1979.csv"))
    est = res.table.set_index("term").loc[["ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k"],
                                          "estimate"]
    assert est.round(2).tolist() == [0.17, 0.29, 0.71, 0.44, 0.62, 0.91]
    assert_allclose(est, R["shrout_fleiss"]["icc"], rtol=RTOL_MW)


def test_absolute_agreement_is_the_default_form():
    data = pd.read_csv(REF / "icc_three_sessions.csv")
    res = reliability(data)
    assert res.diagnostics["form"] == "ICC2"
    a1, c1 = R["three"]["icc"][1], R["three"]["icc"][2]
    shown = f"{a1:.2f}".removeprefix("0")  # APA: an ICC has no leading zero
    assert res.text.startswith(f"Test-retest reliability was ICC(A,1) = {shown} ")
    assert f"consistency ICC(C,1) = {c1:.2f}".replace("= 0.", "= .") in res.text
    assert "consistency" not in reliability(data, form="ICC3").text
    assert "sqrt(MS_error)" in res.diagnostics["sem_definition"]


# --- which sessions count as test-retest ---------------------------------------------------------

def _trial_values(*, baseline_sessions=2):
    """Four participants, two per arm: baseline session(s) before follow-up, a post-test after."""
    people = pd.DataFrame({"participant_id": ["C1", "C2", "T1", "T2"],
                           "follow_up_start": pd.to_datetime(["2025-02-01"] * 4),
                           "arm": ["control", "control", "glute_training", "glute_training"]})
    days = ["2025-01-24", "2025-01-28"][:baseline_sessions] + ["2025-07-20"]
    rows = [{"participant_id": p, "session": s + 1, "date": pd.Timestamp(d),
             "value": 2.0 + 0.1 * i + 0.01 * s}
            for i, p in enumerate(people.participant_id) for s, d in enumerate(days)]
    values = pd.DataFrame(rows)
    values.attrs.update(unit="Nm/kg", rule="best (largest) trial per side, mean of sides")
    return values, people


def test_retest_uses_the_sessions_before_follow_up_and_says_why():
    values, people = _trial_values()
    retest = retest_sessions(values, people)
    assert retest.attrs["sessions"] == [1, 2]
    assert retest.attrs["design"] == "before follow-up"
    assert retest.attrs["interval_days"] == {"median": 4.0, "min": 4.0, "max": 4.0}
    assert retest.attrs["unit"] == "Nm/kg"
    assert set(retest["session"]) == {1, 2} and len(retest) == 8
    reason = retest.attrs["reason"]
    assert "sessions 1 and 2, both before follow-up began (median 4 days apart)" in reason
    assert "session 3 was left out" in reason and "glute training arm" in reason


def test_retest_refuses_a_trained_arm_post_test():
    values, people = _trial_values()
    with pytest.raises(InputError) as info:
        retest_sessions(values, people, sessions=[1, 3])
    msg = str(info.value)
    assert msg.startswith("sessions 1 and 3 cannot count as test-retest: session 3 is the "
                          "post-test of 2 participants in the glute training arm")
    assert "training effect" in msg and "here sessions 1 and 2, before follow-up" in msg
    # the control arm's own pre/post pair is allowed when asked for
    control = values[values.participant_id.str.startswith("C")]
    kept = retest_sessions(control, people, sessions=[1, 3])
    assert kept.attrs["design"] == "as given" and kept.attrs["sessions"] == [1, 3]


def test_retest_falls_back_to_the_control_arm():
    values, people = _trial_values(baseline_sessions=1)
    retest = retest_sessions(values, people)
    assert retest.attrs["design"] == "control arm"
    assert set(retest.participant_id) == {"C1", "C2"} and retest.attrs["sessions"] == [1, 2]
    assert retest.attrs["interval_days"]["median"] == 177.0
    assert "control arm only (n = 2)" in retest.attrs["reason"]
    assert "glute training arm was left out" in retest.attrs["reason"]


def test_retest_without_a_trial_and_errors():
    values, people = _trial_values(baseline_sessions=1)
    observational = people.drop(columns="arm")
    retest = retest_sessions(values, observational)
    assert retest.attrs["design"] == "no intervention" and retest.attrs["sessions"] == [1, 2]
    assert "true change over that time counts as error" in retest.attrs["reason"]
    with pytest.raises(InputError, match="session 7 not in the data; sessions present: 1, 2"):
        retest_sessions(values, people, sessions=[1, 7])
    trained_only = people.assign(arm="glute_training")
    with pytest.raises(InputError, match="no sessions count as test-retest"):
        retest_sessions(values, trained_only)
    with pytest.raises(InputError, match="no column 'follow_up_start'"):
        retest_sessions(values, people.drop(columns="follow_up_start"))


def test_retest_sessions_feed_reliability_on_the_demo_study():
    from glute_study import measures
    from glute_study.study import load_study

    demo = Path(__file__).resolve().parents[2] / "datasets" / "demo"
    if not demo.is_dir():
        pytest.skip(f"demo study not found at {demo}")
    study = load_study(demo)
    values = measures.strength_sessions(study.strength, study.participants)
    retest = retest_sessions(values, study.participants)
    assert retest.attrs["sessions"] == [1, 2]  # the post-test (session 3) is left out
    res = reliability(retest, unit=retest.attrs["unit"])
    assert res.diagnostics["n"] == retest.participant_id.nunique()
    assert "SEM" in res.text and "Nm/kg" in res.text


# --- MDC95 against the trial's effect ------------------------------------------------------------

def test_against_change_both_ways():
    res = reliability(pd.read_csv(REF / "icc_three_sessions.csv"), unit="Nm/kg")
    mdc = R["three"]["mdc95"]  # 0.447: qnorm(.975) * sqrt(2) * sqrt(MS_E)
    big = against_change(res, change=0.6, ci=(0.5, 0.7), what="the trial's difference")
    assert big.startswith(f"The MDC95 ({mdc:.2f} Nm/kg) is smaller than the trial's difference "
                          "(0.60 Nm/kg, 95 % CI 0.50 to 0.70): a change of that size in one "
                          "athlete exceeds measurement error")
    small = against_change(res, change=-0.25, what="the trial's difference")
    assert "is larger than the trial's difference (-0.25 Nm/kg)" in small
    assert "the group difference can be real" in small
    assert "exceeds the smallest worthwhile change (0.08 Nm/kg)" in small
    tiny = against_change(res, change=0.05)
    assert "below the smallest worthwhile change" in tiny
    with pytest.raises(InputError, match="needs the Result of reliability"):
        against_change(bland_altman(pd.read_csv(REF / "bland_altman.csv"), x="hhd_nm",
                                    y="isokinetic_nm"), change=0.2)
    with pytest.raises(InputError, match="finite number"):
        against_change(res, change=float("nan"))


def test_against_change_without_a_trial_uses_the_swc():
    # R reference values: mdc95 0.447 and swc 0.0828 of icc_three_sessions (reference.json)
    res = reliability(pd.read_csv(REF / "icc_three_sessions.csv"), unit="Nm/kg")
    ratio = R["three"]["mdc95"] / R["three"]["swc"]
    assert against_change(res) == (
        f"The MDC95 (0.45 Nm/kg) is {ratio:.1f} times the smallest worthwhile change (0.08 Nm/kg)"
        ": a worthwhile change in one athlete cannot be told from measurement error; group "
        "means can still show it.")
