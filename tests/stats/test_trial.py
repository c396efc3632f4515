"""Trial analyses against R (tests/reference/trial/reference.R).

R: lm + emmeans for the ANCOVA, MASS::glm.nb (epsilon 1e-12) for the rate ratio and
aov(value ~ arm * time + Error(participant_id / time)) for the mixed ANOVA, on the seeded CSVs of
make_data.py. Tolerance: 1e-5 relative for every estimate, SE, CI and p (closed forms, or ML fits
converged to 1e-12 on both sides).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from glute_study.errors import FitWarning, GluteStudyWarning, InputError
from glute_study.stats.trial import pre_post_anova, trial_effect, trial_rate_effect

REF = Path(__file__).resolve().parents[1] / "reference" / "trial"
R = json.loads((REF / "reference.json").read_text())
#: Hedges' g with its non-central t interval (tests/reference/trial/hedges_nct.R).
NCT = json.loads((REF / "hedges_nct.json").read_text())
RTOL = 1e-5


@pytest.fixture
def ancova():
    return pd.read_csv(REF / "ancova.csv")


@pytest.mark.parametrize(("key", "covariates"), [("ancova", ()), ("ancova_cov", ("age", "sex"))])
def test_ancova_matches_lm_and_emmeans(ancova, key, covariates):
    # R: emmeans(lm(glute_nm_kg_post ~ arm + glute_nm_kg [+ age + sex]), ~ arm) and
    #    contrast(em, list(diff = c(-1, 1))); Hedges' g by the formula in reference.R.
    ref = R[key]
    res = trial_effect(ancova, outcome="glute_nm_kg_post", baseline="glute_nm_kg", group="arm",
                       covariates=covariates)
    t = res.table.set_index("term")
    means = t.loc[["mean[control]", "mean[glute_training]"]]
    assert_allclose(means.estimate, ref["emmean"], rtol=RTOL)
    assert_allclose(means.se, ref["emmean_se"], rtol=RTOL)
    assert_allclose(means.ci_low, ref["emmean_lower"], rtol=RTOL)
    assert_allclose(means.ci_high, ref["emmean_upper"], rtol=RTOL)
    d = t.loc["glute_training - control"]
    assert d.estimate == pytest.approx(ref["diff"], rel=RTOL)
    assert d.se == pytest.approx(ref["diff_se"], rel=RTOL)
    assert d.ci_low == pytest.approx(ref["diff_lower"], rel=RTOL)
    assert d.ci_high == pytest.approx(ref["diff_upper"], rel=RTOL)
    assert d.p_value == pytest.approx(ref["diff_p"], rel=RTOL)
    assert d.df == ref["df"]
    g = t.loc["hedges_g[glute_training]"]
    assert g.estimate == pytest.approx(ref["g"], rel=RTOL)
    # R (hedges_nct.R): J se / s_p x uniroot(pt(t, df, ncp) - 0.975 / 0.025)
    assert g.estimate == pytest.approx(NCT[key]["g"], rel=RTOL)
    assert g.ci_low == pytest.approx(NCT[key]["g_lower"], rel=1e-7)
    assert g.ci_high == pytest.approx(NCT[key]["g_upper"], rel=1e-7)
    assert g.p_value == pytest.approx(NCT[key]["p"], rel=RTOL)
    # The OLS coefficients themselves; patsy puts factor terms first, R keeps formula order
    # (Intercept, arm, baseline, age, sexmale).
    order = [0, 1, 4, 2, 3] if covariates else [0, 1, 2]
    assert_allclose(res.model.params.to_numpy(), np.asarray(ref["coef"])[order], rtol=RTOL)
    assert_allclose(res.model.bse.to_numpy(), np.asarray(ref["coef_se"])[order], rtol=RTOL)
    assert "Hedges' g" in res.text
    assert res.diagnostics["n"] == 80


def test_ancova_reference_arm_flips_sign(ancova):
    a = trial_effect(ancova, outcome="glute_nm_kg_post", baseline="glute_nm_kg", group="arm")
    b = trial_effect(ancova, outcome="glute_nm_kg_post", baseline="glute_nm_kg", group="arm",
                     reference="glute_training")
    assert b.table.term[2] == "control - glute_training"
    assert b.table.estimate[2] == pytest.approx(-a.table.estimate[2], rel=1e-12)
    with pytest.raises(InputError, match="not in 'arm'"):
        trial_effect(ancova, outcome="glute_nm_kg_post", baseline="glute_nm_kg", group="arm",
                     reference="placebo")


def test_ancova_missing_rows_warn(ancova):
    ancova.loc[[0, 5], "glute_nm_kg_post"] = np.nan
    with pytest.warns(GluteStudyWarning, match="2 of 80 rows"):
        res = trial_effect(ancova, outcome="glute_nm_kg_post", baseline="glute_nm_kg")
    assert res.diagnostics["n_dropped"] == 2


def test_ancova_warns_on_unequal_slopes():
    rng = np.random.default_rng(5)
    pre = rng.normal(0, 1, 200)
    arm = np.repeat(["a", "b"], 100)
    post = np.where(arm == "a", pre, -pre) + rng.normal(0, 0.1, 200)
    df = pd.DataFrame({"arm": arm, "pre": pre, "post": post})
    with pytest.warns(GluteStudyWarning, match="baseline slope differs"):
        trial_effect(df, outcome="post", baseline="pre")


def test_negbin_rate_ratio_matches_glm_nb():
    # R: glm.nb(cramps ~ arm + prior_cramps + offset(log(exposure_h))); confint.default
    ref = R["negbin"]
    rates = pd.read_csv(REF / "rates.csv")
    res = trial_rate_effect(rates, events="cramps", exposure="exposure_h", group="arm",
                            covariates=["prior_cramps"])
    t = res.table.iloc[:3]  # the coefficients; the absolute effect's rows follow
    assert list(t.term) == ["Intercept", "arm[T.glute_training]", "prior_cramps"]
    assert_allclose(t.coef, ref["coef"], rtol=RTOL)
    assert_allclose(t.se, ref["se"], rtol=RTOL)
    assert_allclose(t.p_value, ref["p"], rtol=RTOL)
    assert_allclose(t.estimate, ref["irr"], rtol=RTOL)
    assert_allclose(t.ci_low, ref["irr_lower"], rtol=RTOL)
    assert_allclose(t.ci_high, ref["irr_upper"], rtol=RTOL)
    assert res.diagnostics["theta"] == pytest.approx(ref["theta"], rel=RTOL)
    assert res.diagnostics["theta_se"] == pytest.approx(ref["se_theta"], rel=RTOL)
    assert res.diagnostics["log_lik"] == pytest.approx(ref["loglik"], rel=RTOL)
    assert "IRR" in res.text and "adjusted for previous cramping" in res.text


def test_negbin_unadjusted():
    ref = R["negbin_unadjusted"]
    rates = pd.read_csv(REF / "rates.csv")
    res = trial_rate_effect(rates, events="cramps", exposure="exposure_h")
    t = res.table.iloc[:2]
    assert_allclose(t.coef, ref["coef"], rtol=RTOL)
    assert_allclose(t.se, ref["se"], rtol=RTOL)
    assert_allclose(t.p_value, ref["p"], rtol=RTOL)
    assert res.diagnostics["theta"] == pytest.approx(ref["theta"], rel=RTOL)
    by = res.diagnostics["by_arm"]
    assert by.loc["control", "cramps"] == 99


def test_rate_effect_rejects_bad_exposure_and_counts():
    rates = pd.read_csv(REF / "rates.csv")
    bad = rates.copy()
    bad.loc[3, "exposure_h"] = 0.0
    with pytest.raises(InputError, match="1 rows are zero or negative"):
        trial_rate_effect(bad, events="cramps", exposure="exposure_h")
    bad = rates.copy()
    bad["cramps"] = bad["cramps"] + 0.5
    with pytest.raises(InputError, match="whole counts"):
        trial_rate_effect(bad, events="cramps", exposure="exposure_h")


def test_rate_effect_warns_with_few_events():
    rates = pd.read_csv(REF / "rates.csv").iloc[:12]
    assert rates.cramps.sum() < 30
    # This small subset also shows no over-dispersion: the boundary warning comes too.
    with pytest.warns(FitWarning, match="events per estimated parameter"), \
            pytest.warns(FitWarning, match="dispersion is at its boundary"):
        res = trial_rate_effect(rates, events="cramps", exposure="exposure_h",
                                covariates=["prior_cramps"])
    assert res.diagnostics["events_per_parameter"] < 10


def test_mixed_anova_matches_aov_error():
    # R: summary(aov(value ~ arm * time + Error(participant_id / time))); np2 CI by uniroot on
    # pf(F, df1, df2, ncp) (Steiger 2004).
    ref = R["mixed_anova"]
    long = pd.read_csv(REF / "prepost.csv")
    res = pre_post_anova(long, subject="participant_id", time="time", group="arm", value="value")
    t = res.table.set_index("term")
    for term, key in (("arm", "arm"), ("time", "time"), ("arm:time", "interaction")):
        r = ref[key]
        assert t.loc[term, "f"] == pytest.approx(r["f"], rel=RTOL), term
        assert t.loc[term, "df1"] == r["df1"]
        assert t.loc[term, "df2"] == r["df2"]
        assert t.loc[term, "p_value"] == pytest.approx(r["p"], rel=RTOL), term
        assert t.loc[term, "estimate"] == pytest.approx(r["np2"], rel=RTOL), term
        # A lower bound of 0 (F below its 2.5 % point) is compared absolutely.
        assert_allclose([t.loc[term, "ci_low"], t.loc[term, "ci_high"]], r["np2_ci"],
                        rtol=RTOL, atol=1e-10)
    assert "interaction was F(1, 78)" in res.text


def test_mixed_anova_drops_incomplete_subjects():
    long = pd.read_csv(REF / "prepost.csv")
    long = long.drop(index=long.index[(long.participant_id == "T001") & (long.time == "post")])
    with pytest.warns(GluteStudyWarning, match="pre_post_anova: dropped 1 of 80 participants"):
        res = pre_post_anova(long)
    assert res.diagnostics["n"] == 79
    with pytest.raises(InputError, match="more than once"):
        pre_post_anova(pd.concat([long, long.iloc[[0]]]))


def test_runs_on_the_demo_study():
    from glute_study.study import load_study

    demo = Path(__file__).resolve().parents[2] / "datasets" / "demo"
    if not demo.is_dir():
        pytest.skip(f"demo study not found at {demo}")
    at = load_study(demo).analysis_table()
    res = trial_effect(at, outcome="glute_nm_kg_post", baseline="glute_nm_kg", group="arm",
                       covariates=["sex", "age"])
    assert list(res.table.kind) == ["adjusted_mean", "adjusted_mean", "difference", "hedges_g"]
    with pytest.warns(GluteStudyWarning, match="missing value"):
        rate = trial_rate_effect(at, events="hamstring_cramps", exposure="exposure_h",
                                 covariates=["prior_cramps"])
    assert rate.table.term[1] == "arm[T.glute_training]"
    long = at.melt(id_vars=["participant_id", "arm"],
                   value_vars=["glute_nm_kg", "glute_nm_kg_post"], var_name="time")
    assert len(pre_post_anova(long).table) == 3


def test_mixed_anova_three_times_greenhouse_geisser():
    # R: summary(car::Anova(lm(cbind(pre, mid, post) ~ arm), idata, idesign = ~time, type = 2),
    #    multivariate = FALSE): univariate F, p, GG epsilon and corrected p, Mauchly's W.
    ref = R["mixed_anova3"]
    long = pd.read_csv(REF / "prepost3.csv")
    res = pre_post_anova(long, subject="participant_id", time="time", group="arm", value="value")
    t = res.table.set_index("term")
    terms = ["arm", "time", "arm:time"]
    assert_allclose(t.loc[terms, "f"], ref["f"], rtol=RTOL)
    assert_allclose(t.loc[terms, "p_value"], ref["p"], rtol=RTOL)
    assert_allclose(t.loc[terms[1:], "eps"], ref["gg_eps"], rtol=RTOL)
    assert_allclose(t.loc[terms[1:], "p_gg"], ref["p_gg"], rtol=RTOL)
    assert res.diagnostics["sphericity_w"] == pytest.approx(ref["mauchly_w"], rel=RTOL)
    assert res.diagnostics["sphericity_p"] == pytest.approx(ref["mauchly_p"], rel=RTOL)
    assert "Greenhouse-Geisser epsilon" in res.text


def test_hedges_g_interval_agrees_with_the_ancova_test(ancova):
    # The interval inverts the ANCOVA's own t: it excludes 0 exactly when p < 1 - level.
    ref = NCT["ancova_90"]
    res = trial_effect(ancova, outcome="glute_nm_kg_post", baseline="glute_nm_kg", level=0.90)
    g = res.table.set_index("term").loc["hedges_g[glute_training]"]
    assert g.ci_low == pytest.approx(ref["g_lower"], rel=1e-7)
    assert g.ci_high == pytest.approx(ref["g_upper"], rel=1e-7)
    assert (g.ci_low > 0) == (g.p_value < 0.10)


@pytest.mark.parametrize("method", ["cr2", "gee"])
def test_cluster_robust_rate_effect_reports_its_t_statistic(method):
    # APA: a t test is reported as t(df) = value, p = ...; "t(18.8), p = .43" lacks the value
    rates = pd.read_csv(REF / "rates.csv")
    rates["team"] = np.arange(len(rates)) % 12
    res = trial_rate_effect(rates, events="cramps", exposure="exposure_h", cluster="team",
                            method=method)
    r = res.table.set_index("term").loc["arm[T.glute_training]"]
    assert np.isfinite(r.df)
    df = f"{r.df:.0f}" if float(r.df).is_integer() else f"{r.df:.1f}"
    assert f"t({df}) = {r.coef / r.se:.2f}, p" in res.text
