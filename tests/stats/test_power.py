"""Tests of glute_study.stats.simulation_power: each simulated test against statsmodels fits of
the same cohorts, the null scenario's type I error, the Monte Carlo interval against statsmodels,
and the sentence."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from glute_study.errors import InputError
from glute_study.parallel import spawn_seeds
from glute_study.plan import analysis_plan
from glute_study.simulate import Effects, draw_cohorts
from glute_study.stats import simulation_power as P
from glute_study.stats.simulation_power import _crossing, _wilson, power


def _sm_nb_z(d, b, columns):
    ok = np.isfinite(d["hamstring_cramps"][b]) & np.isfinite(d["exposure_h"][b])
    for c in columns:
        ok &= np.isfinite(d[c][b])
    X = sm.add_constant(np.column_stack([d[c][b][ok] for c in columns]), has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reason: statsmodels NB warns on tight tolerances
        model = sm.NegativeBinomial(d["hamstring_cramps"][b][ok], X,
                                    offset=np.log(d["exposure_h"][b][ok]))
        # Newton from statsmodels' default start can diverge; BFGS first, then polish.
        rough = model.fit(method="bfgs", maxiter=2000, disp=0)
        fit = model.fit(start_params=rough.params, method="newton", maxiter=200, tol=1e-12,
                        disp=0)
    # statsmodels' SE comes from the joint (beta, alpha) Hessian; glm.nb's (ours) from the beta
    # block at the fitted theta. Refit the GLM at that theta to compare like with like.
    glm = sm.GLM(d["hamstring_cramps"][b][ok], X, offset=np.log(d["exposure_h"][b][ok]),
                 family=sm.families.NegativeBinomial(alpha=fit.params[-1])).fit(
        start_params=fit.params[:-1], tol=1e-13)
    return glm.params[1] / glm.bse[1]


def _arrays(key, plan=None):
    """The simulated arrays of a plan hypothesis' covariates, in the plan's order (sex is the
    0/1 ``male``), written out here rather than taken from the module under test."""
    h = (plan or analysis_plan(None))[key]
    return [{"sex": "male"}.get(c, c) for c in h.covariates]


def _sm_ols_t(d, b, outcome, columns):
    ok = np.isfinite(d[outcome][b])
    for c in columns:
        ok &= np.isfinite(d[c][b])
    X = sm.add_constant(np.column_stack([d[c][b][ok] for c in columns]), has_constant="add")
    fit = sm.OLS(d[outcome][b][ok], X).fit()
    return fit.tvalues[1], fit.df_resid


@pytest.mark.parametrize("analysis", ["cohort_sitting", "cohort_glute", "indirect", "trial"])
def test_each_simulated_test_equals_statsmodels_on_the_same_cohorts(analysis):
    # Rebuild the first chunk's cohorts from the same spawned seed and decide each test with
    # statsmodels (NB GLM at the ML theta; OLS t test); the z statistics agree to 1e-6 relative.
    n, reps, alpha = 150, 100, 0.05
    seed = spawn_seeds(7, 1)[0]
    ours = P._task((analysis, n, seed, reps, alpha, "hypothesis", {}))
    d = draw_cohorts(n, reps=reps, seed=seed, trial=analysis == "trial")
    cov = _arrays("indirect")
    zcrit = stats.norm.ppf(1 - alpha / 2)
    for b in range(0, reps, 11):
        if analysis == "cohort_sitting":
            decisions = [abs(_sm_nb_z(d, b, ["sitting_h_day", *_arrays("sitting_cramps")]))
                         > zcrit]
        elif analysis == "cohort_glute":
            decisions = [abs(_sm_nb_z(d, b, ["glute_nm_kg", *_arrays("glute_cramps")])) > zcrit]
        elif analysis == "indirect":
            zb = _sm_nb_z(d, b, ["glute_nm_kg", "sitting_h_day", *cov])
            da = {k: np.where(np.isfinite(d["hamstring_cramps"]) & np.isfinite(d["exposure_h"]),
                              v, np.nan) for k, v in d.items()}
            ta, df = _sm_ols_t(da, b, "glute_nm_kg", ["sitting_h_day", *cov])
            decisions = [abs(zb) > zcrit and abs(ta) > stats.t.ppf(1 - alpha / 2, df)]
        else:
            z = _sm_nb_z(d, b, ["arm", *_arrays("trial")])
            t, df = _sm_ols_t(d, b, "glute_nm_kg_post", ["arm", "glute_nm_kg"])
            decisions = [abs(z) > zcrit, abs(t) > stats.t.ppf(1 - alpha / 2, df)]
        for k, decided in enumerate(decisions):
            assert bool(ours[b, 3 * k]) == decided, (b, k)


def test_nb_wald_statistic_matches_statsmodels_exactly():
    d = draw_cohorts(200, reps=5, seed=3)
    cols = ["glute_nm_kg", *_arrays("glute_cramps")]
    X, ok = P._design(d, cols)
    ok &= np.isfinite(d["hamstring_cramps"]) & np.isfinite(d["exposure_h"])
    from glute_study.stats._kernels import fit_batch

    fit = fit_batch(X, np.where(ok, d["hamstring_cramps"], 0), family="negbin",
                    weights=ok.astype(float), offset=np.log(np.where(ok, d["exposure_h"], 1)))
    for b in range(5):
        z = fit.coef[b, 1] / fit.se[b, 1]
        # statsmodels' optimiser stops at about 1e-6 relative accuracy of alpha
        assert z == pytest.approx(_sm_nb_z(d, b, cols), rel=1e-5)


def test_default_plan_covariates_are_the_diagrams_sets_plus_precision():
    # what the simulated analyses of the default plan adjust for, spelled out: a change of the
    # plan or the diagram shows here
    assert _arrays("sitting_cramps") == ["age", "male", "prior_cramps"]
    assert _arrays("glute_cramps") == ["male", "sitting_h_day", "age", "prior_cramps"]
    assert _arrays("indirect") == ["age", "male", "prior_cramps"]
    assert _arrays("trial") == ["prior_cramps"]


#: A plan whose adjustment sets differ from the default ones for every link.
_OTHER_PLAN = {"adjust": {"sitting_cramps": ["age"],
                          "glute_cramps": ["sex", "sitting_h_day", "prior_hamstring_injury"],
                          "indirect": ["sex"]},
               "precision": {"sitting_cramps": ["prior_hamstring_injury"],
                             "glute_cramps": [], "indirect": ["prior_cramps", "age"],
                             "trial": ["prior_cramps", "age", "sex"]}}


@pytest.mark.parametrize("plan", [None, _OTHER_PLAN], ids=["default plan", "other plan"])
@pytest.mark.parametrize(("analysis", "design"), [
    ("cohort_sitting", "individual"), ("cohort_glute", "individual"),
    ("indirect", "individual"), ("trial", "individual"), ("trial", "cluster_trial")])
def test_simulated_analyses_adjust_for_the_plans_set(analysis, design, plan, monkeypatch):
    # Every design matrix the simulation builds is recorded: each must be the tested term and
    # the plan's covariates of the hypothesis, in the plan's order, and nothing else.
    built = []
    design_matrix = P._design

    def spy(d, columns):
        built.append(tuple(columns))
        return design_matrix(d, columns)

    monkeypatch.setattr(P, "_design", spy)
    given = None if plan is None else analysis_plan(plan)
    res = power(analysis, n=(80,), reps=100, seed=4, executor="serial", design=design,
                team_size=20, plan=given)
    key = P.HYPOTHESES[analysis]
    cov = _arrays(key, given)
    expected = {
        "cohort_sitting": [("sitting_h_day", *cov)],
        "cohort_glute": [("glute_nm_kg", *cov)],
        "indirect": [("sitting_h_day", *cov), ("glute_nm_kg", "sitting_h_day", *cov)],
        "trial": ([("arm", *cov)] if design == "cluster_trial"
                  else [("arm", *cov), ("arm", "glute_nm_kg")]),
    }[analysis]
    assert built == expected
    assert res.diagnostics["covariates"] == (given or analysis_plan(None))[key].covariates
    assert res.diagnostics["not_simulated"] == ()
    assert "As the analysis plan declares" in res.text
    if plan is not None:  # the sets really differ from the default plan's
        assert cov != _arrays(key)


def test_a_plan_covariate_the_simulator_does_not_draw_is_named_not_dropped(monkeypatch):
    plan = analysis_plan({"adjust": {"sitting_cramps": ["age", "sex", "body_mass_kg"]},
                          "precision": {"sitting_cramps": ["prior_cramps", "sport"]}})
    res = power("cohort_sitting", n=(80,), reps=100, seed=4, executor="serial", plan=plan)
    assert res.diagnostics["covariates"] == ("age", "sex", "prior_cramps")
    assert res.diagnostics["not_simulated"] == ("body_mass_kg", "sport")
    assert ("As the analysis plan declares, the simulated analysis was adjusted for age, sex "
            "and previous cramping. The plan also adjusts for body mass and sport, which the "
            "simulator does not draw: they were left out of the simulated analyses.") in res.text
    same = power("cohort_sitting", n=(80,), reps=100, seed=4, executor="serial")
    pd.testing.assert_frame_equal(res.table, same.table)  # the default plan's model, same seed
    with pytest.raises(InputError, match="`plan` must be an AnalysisPlan"):
        power("cohort_sitting", n=(80,), reps=100, plan={"adjust": {}})


def test_null_scenario_rejects_at_about_alpha():
    # Under "null" the glute rate ratio is 1: rejections ~ Binomial(reps, 0.05). Seeded, so this
    # is deterministic; the bound is 3 Monte Carlo SEs.
    res = power("cohort_glute", n=(300,), reps=400, scenario="null", seed=11,
                executor="serial")
    p = res.table.estimate.iloc[0]
    assert abs(p - 0.05) < 3 * np.sqrt(0.05 * 0.95 / 400)
    assert "Under the null scenario" in res.text


def test_power_grows_with_n_and_text_states_the_size():
    res = power("cohort_glute", n=(100, 200, 400), reps=200, seed=2, executor="serial",
                rr_glute_deficit_per_sd=1.3)
    pw = res.table.estimate.to_numpy()
    assert pw[0] < pw[1] < pw[2]
    n80 = res.diagnostics["n_for_80"][P._tests("cohort_glute")[0][0]]
    assert n80 is not None and 200 < n80 <= 400  # 80.0 % at 400 with the plan's covariates
    assert f"About {int(np.ceil(n80 / 10) * 10)} athletes give 80 % power to detect a " \
        "hamstring-cramp rate ratio of 0.59 per +1 Nm/kg of glute strength (interpolated" \
        in res.text  # two decimals, and no bracket that repeats the test's name
    # the power is the estimate, the test the term: no second copy of either to print
    assert list(res.table.columns[:8]) == ["term", "estimate", "ci_low", "ci_high", "p_value",
                                           "n", "mc_se", "true_effect"]
    assert not {"power", "test"} & set(res.table.columns)
    np.testing.assert_allclose(res.table.mc_se, np.sqrt(pw * (1 - pw) / 200))


def test_same_seed_same_table_on_any_executor():
    kw = dict(n=(100, 150), reps=300, seed=5)
    a = power("trial", executor="serial", **kw)
    b = power("trial", executor="threads", **kw)
    np.testing.assert_array_equal(a.table.estimate, b.table.estimate)
    np.testing.assert_array_equal(a.table.mean_estimate, b.table.mean_estimate)


def test_wilson_interval_matches_statsmodels():
    for count, total in ((0, 100), (37, 100), (800, 1000)):
        lo, hi = _wilson(np.array(count / total), total)
        ref = proportion_confint(count, total, alpha=0.05, method="wilson")
        assert (float(lo), float(hi)) == pytest.approx(ref, rel=1e-10, abs=1e-12)


def test_crossing_interpolates():
    ns = np.array([100, 200, 400])
    assert _crossing(ns, np.array([0.5, 0.7, 0.9]), 0.8) == pytest.approx(300)
    assert _crossing(ns, np.array([0.85, 0.9, 0.95]), 0.8) == 100
    assert _crossing(ns, np.array([0.1, 0.2, 0.3]), 0.8) is None


def test_bad_input():
    with pytest.raises(InputError, match="`analysis` must be one of"):
        power("mediation", reps=100)
    with pytest.raises(InputError, match="`n` must be a whole number from 20 to 100,000; got 10"):
        power("trial", n=(10,), reps=100)
    with pytest.raises(InputError, match="`reps` must be a whole number from 100 to 100,000"):
        power("trial", reps=5)
    with pytest.raises(InputError, match="unknown effect"):
        power("trial", reps=100, rr_nonsense=2.0)
    with pytest.raises(InputError, match="`alpha`"):
        power("trial", reps=100, alpha=0.7)


@pytest.mark.parametrize(("kw", "message"), [
    ({"reps": 1_000_000_000}, "`reps` must be a whole number from 100 to 100,000; got 1000000000"),
    ({"n": (100, 10**9)}, "`n` must be a whole number from 20 to 100,000; got 1000000000"),
    ({"n": (100.5,)}, "`n` must be a whole number from 20 to 100,000; got 100.5"),
    ({"reps": 200.0}, "`reps` must be a whole number"),
    ({"seed": -1}, "`seed` must be a whole number from 0 to 4,294,967,295; got -1"),
    ({"seed": 2**40}, "`seed` must be a whole number from 0"),
])
def test_counts_out_of_range_are_refused_before_any_work(kw, message, monkeypatch):
    monkeypatch.setattr(P, "run_tasks", _no_work)
    with pytest.raises(InputError) as info:
        power("trial", **{"reps": 100, **kw})
    assert message in str(info.value)


def _no_work(*args, **kwargs):
    raise AssertionError("the work started before the arguments were checked")


def test_a_run_without_seed_records_the_seed_it_drew_and_repeats_from_it():
    first = power("trial", n=(60,), reps=100, executor="serial")
    seed = first.diagnostics["seed"]
    assert isinstance(seed, int) and 0 <= seed < 2**32
    assert f"Simulated with seed {seed}." in first.text
    again = power("trial", n=(60,), reps=100, seed=seed, executor="serial")
    pd.testing.assert_frame_equal(again.table, first.table)
    assert again.text == first.text


# --- planning from a study's observed inputs --------------------------------------------------

_IDENTIFIER = re.compile(r"\b[a-z]+_[a-z_]+\b")


@pytest.fixture(scope="module")
def demo_inputs():
    from glute_study import report
    from glute_study.stats.planning import planning_inputs

    study = report.open_study("")
    return planning_inputs(study.analysis_table(), seed=2026)


@pytest.mark.parametrize("analysis", ["cohort_sitting", "cohort_glute", "indirect", "trial"])
def test_power_speaks_in_codebook_words_and_plan_titles(analysis):
    from glute_study.plan import DEFAULT_HYPOTHESES

    res = power(analysis, n=(60,), reps=100, seed=3, executor="serial")
    words = " ".join([res.text, *res.table["term"], res.diagnostics["title"]])
    assert not _IDENTIFIER.findall(words), _IDENTIFIER.findall(words)
    assert res.diagnostics["title"] == DEFAULT_HYPOTHESES[P.HYPOTHESES[analysis]].link
    if analysis == "cohort_sitting":
        assert res.table["term"].iloc[0] == ("Total effect of device-measured sitting on the "
                                             "hamstring-cramp rate")


def test_power_with_observed_inputs_uses_them_and_says_so(demo_inputs):
    res = power("trial", n=(100,), reps=100, seed=3, executor="serial", inputs=demo_inputs)
    fx = res.diagnostics["effects"]
    for name, value in demo_inputs.diagnostics["effects"].items():
        assert getattr(fx, name) == pytest.approx(value)
    assert res.diagnostics["inputs"] == "observed"
    assert "observed in this study" in res.text and "smallest effect of interest" in res.text
    assert "assumptions of the simulator" not in res.text
    with pytest.raises(InputError, match="scenario"):
        power("trial", n=(100,), reps=100, scenario="null", inputs=demo_inputs)
    with pytest.raises(InputError, match="planning_inputs"):
        power("trial", n=(100,), reps=100, inputs=res)
    # the plan of the inputs is the default; another plan would mix two plans' assumptions
    assert res.diagnostics["title"] == demo_inputs.diagnostics["plan"]["trial"].link
    with pytest.raises(InputError, match="not the plan `inputs` were estimated for"):
        power("trial", n=(100,), reps=100, inputs=demo_inputs,
              plan=analysis_plan({"primary": ["trial"]}))
    again = power("trial", n=(100,), reps=100, seed=3, executor="serial", inputs=demo_inputs,
                  plan=demo_inputs.diagnostics["plan"])
    pd.testing.assert_frame_equal(again.table, res.table)


def test_simulated_trial_power_at_observed_inputs_agrees_with_the_closed_forms(demo_inputs):
    # Zhu & Lakkis (2014) for the rate ratio and the noncentral-t ANCOVA (Borm et al. 2007),
    # both checked against R in tests/reference/power_analytic, at the demo's observed inputs:
    # control mean count = control rate x mean exposure, k = 1 / theta of the count model,
    # SD of glute strength and its pre-post correlation. The simulated analysis adjusts for
    # previous cramping and exposure varies between athletes, so the rate test may differ by a
    # little more than Monte Carlo error; 4 Monte Carlo SEs (about 0.04) bound both.
    from glute_study.stats.analytic_power import power_ancova, power_two_rates

    t = demo_inputs.table.set_index("term")
    rate = t.loc["Hamstring-cramp rate, control athletes (per 1000 h)", "estimate"]
    expo = t.loc["Mean exposure per athlete (h)", "estimate"]
    theta = t.loc["Negative-binomial dispersion (theta), covariate-adjusted", "estimate"]
    sd = t.loc["SD of glute strength (Nm/kg)", "estimate"]
    rho = t.loc["Pre-post correlation of glute strength, control athletes", "estimate"]
    # the rate test with the same gain for every trained athlete (the closed form knows no
    # spread of rates from the gains: rr_training ** (gain / training_gain_nm_kg)); the ANCOVA
    # at a small gain
    rate_row = power("trial", n=(800,), reps=1000, seed=5, executor="serial",
                     inputs=demo_inputs, rr_training=0.7,
                     glute_change_sd_nm_kg=0.0).table.iloc[0]
    ancova_row = power("trial", n=(800,), reps=1000, seed=5, executor="serial",
                       inputs=demo_inputs, training_gain_nm_kg=0.04).table.iloc[1]
    # rr_training 0.7 once the gain is complete; over the follow-up the rate ratio is nearer 1
    season = Effects(**{**demo_inputs.diagnostics["effects"], "rr_training": 0.7,
                        "glute_change_sd_nm_kg": 0.0}).truth()["irr_training"]
    closed_rate = power_two_rates(mean0=rate / 1000 * expo, rate_ratio=season,
                                  n_per_group=rate_row.n_analysed / 2,
                                  dispersion=1 / theta).table.estimate.iloc[0]
    closed_ancova = power_ancova(delta=0.04, sd=sd, rho=rho, n_per_group=400).table.estimate.iloc[0]
    # on the noncentrality scale (z of the power plus the critical z): the closed form knows
    # neither the spread of exposure nor the covariate adjustment nor the gain building up
    # until the post-test (the rate is not constant within an athlete), so within 12 %
    from scipy.stats import norm

    ncp = [norm.ppf(p) + norm.ppf(0.975) for p in (rate_row.estimate, closed_rate)]
    assert abs(ncp[0] / ncp[1] - 1) < 0.12
    assert abs(ancova_row.estimate - closed_ancova) < 4 * ancova_row.mc_se
