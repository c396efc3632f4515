"""count_model, compare_count_models and predict_rates against R (MASS, pscl, sandwich).

The reference values come from tests/reference/counts/counts.R run on counts_data.csv (written by
make_counts_data.py there); the tests read the stored JSON and never need R.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glute_study.errors import FitWarning, GluteStudyWarning, InputError
from glute_study.stats.counts import FAMILIES, compare_count_models, count_model, predict_rates

REF = Path(__file__).resolve().parents[1] / "reference" / "counts"
FORMULA = "cramps ~ sitting_h_day + glute_nm_kg + sex"
RTOL = 1e-5  # relative tolerance for coefficients, SEs and theta against R (issue 3)


def _r_name(name: str) -> str:
    return {"(Intercept)": "Intercept", "sexmale": "sex[T.male]"}.get(name, name)


@pytest.fixture(scope="module")
def ref() -> dict:
    return json.loads((REF / "counts_reference.json").read_text())


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(REF / "counts_data.csv")


def _check(table, coef_ref, se_ref, component="count"):
    part = table[table["component"] == component].set_index("term")
    for name, value in coef_ref.items():
        term = _r_name(name)
        # Coefficients (log scale) and SEs, 1e-5 relative
        assert part.loc[term, "coef"] == pytest.approx(value, rel=RTOL), term
        assert part.loc[term, "se"] == pytest.approx(se_ref[name], rel=RTOL), term
        assert part.loc[term, "estimate"] == pytest.approx(np.exp(value), rel=RTOL), term


def test_data_generator_is_reproducible(data):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_counts", REF / "make_counts_data.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    pd.testing.assert_frame_equal(mod.make(), data, check_exact=False, rtol=1e-12)


def test_poisson_matches_r_glm(data, ref):
    res = count_model(data, FORMULA, family="poisson")
    r = ref["poisson"]
    _check(res.table, r["coef"], r["se"])
    assert res.diagnostics["log_lik"] == pytest.approx(r["loglik"], rel=1e-9)
    assert res.diagnostics["aic"] == pytest.approx(r["aic"], rel=1e-9)
    assert res.diagnostics["bic"] == pytest.approx(r["bic"], rel=1e-9)


def test_poisson_robust_matches_sandwich(data, ref):
    res = count_model(data, FORMULA, family="poisson", robust=True)
    _check(res.table, ref["poisson"]["coef"], ref["poisson"]["se_hc0"])


def test_negbin_matches_mass_glm_nb(data, ref):
    res = count_model(data, FORMULA, family="negbin")
    r = ref["negbin"]
    _check(res.table, r["coef"], r["se"])
    assert res.diagnostics["theta"] == pytest.approx(r["theta"], rel=RTOL)
    assert res.diagnostics["theta_se"] == pytest.approx(r["theta_se_at_mle"], rel=RTOL)
    # MASS's own SE.theta is evaluated one Newton step early (see counts.R): 1e-3 relative
    assert res.diagnostics["theta_se"] == pytest.approx(r["theta_se"], rel=1e-3)
    assert res.diagnostics["log_lik"] == pytest.approx(r["loglik"], rel=1e-9)
    assert res.diagnostics["aic"] == pytest.approx(r["aic"], rel=1e-9)  # theta counted in df
    assert res.diagnostics["bic"] == pytest.approx(r["bic"], rel=1e-9)


def test_negbin_robust_matches_sandwich(data, ref):
    res = count_model(data, FORMULA, family="negbin", robust=True)
    _check(res.table, ref["negbin"]["coef"], ref["negbin"]["se_hc0"])


def test_overdispersion_tests_match_r(data, ref):
    od = count_model(data, FORMULA, family="poisson").diagnostics["overdispersion"]
    r = ref["overdispersion"]
    # LR statistic and boundary-corrected p; Cameron-Trivedi alpha, z, one-sided p: 1e-5 rel
    for key in ("lr_stat", "lr_p_value", "ct_alpha", "ct_z", "ct_p_value"):
        assert od[key] == pytest.approx(r[key], rel=RTOL), key


@pytest.mark.parametrize("family", ["zip", "zinb"])
def test_zero_inflated_match_pscl(data, ref, family):
    res = count_model(data, FORMULA, family=family, zero_formula="sex")
    r = ref[family]
    # coefficients against pscl::zeroinfl; SEs against numDeriv's Hessian at pscl's estimates
    _check(res.table, r["coef_count"], r["se_count"])
    _check(res.table, r["coef_zero"], r["se_zero"], component="zero")
    assert res.diagnostics["log_lik"] == pytest.approx(r["loglik"], rel=1e-9)
    # pscl's own optim Hessian is a cruder finite difference: agreement to 1e-4 relative
    part = res.table[res.table.component == "count"].set_index("term")
    for name, se in r["se_count_pscl"].items():
        assert part.loc[_r_name(name), "se"] == pytest.approx(se, rel=1e-4)
    if family == "zinb":
        assert res.diagnostics["theta"] == pytest.approx(r["theta"], rel=RTOL)
    assert set(res.table.scale) == {"IRR", "OR (structural zero)"}


def test_hurdle_matches_pscl_and_glm(data, ref):
    res = count_model(data, FORMULA, family="hurdle_negbin")
    r = ref["hurdle_negbin"]
    _check(res.table, r["coef_count"], r["se_count"])
    _check(res.table, r["coef_zero"], r["se_zero"], component="zero")
    # the binary hurdle is a logistic GLM with the offset: exact reference from R glm
    g = ref["hurdle_zero_glm"]
    _check(res.table, g["coef"], g["se"], component="zero")
    assert res.diagnostics["theta"] == pytest.approx(r["theta"], rel=RTOL)
    assert res.diagnostics["log_lik"] == pytest.approx(r["loglik"], rel=1e-9)


def test_compare_count_models_matches_pscl_vuong(data, ref):
    res = compare_count_models(data, FORMULA, zero_formula="sex")
    t = res.table.set_index("term")
    assert list(t.index) == list(FAMILIES)
    for fam in ("poisson", "negbin", "zip", "zinb"):
        assert t.loc[fam, "log_lik"] == pytest.approx(ref["loglik"][fam], rel=1e-9)
    # the hurdle row uses the same zero formula as the zero-inflated ones here, so compare only
    # the Vuong tests whose models R fitted identically
    for fam, key in (("zip", "zip_vs_poisson"), ("zinb", "zinb_vs_negbin")):
        z, p = ref["vuong"][key]["z"], ref["vuong"][key]["p"]
        assert t.loc[fam, "estimate"] == pytest.approx(z[0], rel=RTOL)
        assert t.loc[fam, "p_value"] == pytest.approx(p[0], rel=RTOL)
        assert t.loc[fam, "vuong_aic_z"] == pytest.approx(z[1], rel=RTOL)
        assert t.loc[fam, "vuong_bic_z"] == pytest.approx(z[2], rel=RTOL)
        assert t.loc[fam, "vuong_bic_p"] == pytest.approx(p[2], rel=RTOL)
    assert t.loc["negbin", "estimate"] == pytest.approx(ref["overdispersion"]["lr_stat"], rel=RTOL)
    assert t.loc["negbin", "aic"] == pytest.approx(ref["negbin"]["aic"], rel=1e-9)
    assert t["delta_aic"].min() == 0


def test_vuong_hurdle_matches_pscl(data, ref):
    res = compare_count_models(data, FORMULA)  # zero part = all terms, as in counts.R's hurdle
    t = res.table.set_index("term")
    assert t.loc["hurdle_negbin", "log_lik"] == pytest.approx(ref["loglik"]["hurdle_negbin"],
                                                              rel=1e-9)
    z, p = ref["vuong"]["hurdle_vs_negbin"]["z"], ref["vuong"]["hurdle_vs_negbin"]["p"]
    assert t.loc["hurdle_negbin", "estimate"] == pytest.approx(z[0], rel=RTOL)
    assert t.loc["hurdle_negbin", "p_value"] == pytest.approx(p[0], rel=RTOL)
    assert t.loc["hurdle_negbin", "vuong_aic_z"] == pytest.approx(z[1], rel=RTOL)


def test_predict_rates_matches_r_predict(data, ref):
    res = count_model(data, FORMULA, family="negbin")
    pred = predict_rates(res, {"sitting_h_day": [7, 11], "glute_nm_kg": [2.5, 2.5],
                               "sex": ["female", "female"]})
    r = ref["predict_negbin"]
    # rates per 1000 h and their log-scale delta-method CIs, 1e-5 relative
    np.testing.assert_allclose(pred.table["estimate"], r["rate"], rtol=RTOL)
    np.testing.assert_allclose(pred.table["ci_low"], r["low"], rtol=RTOL)
    np.testing.assert_allclose(pred.table["ci_high"], r["high"], rtol=RTOL)
    assert pred.table["term"][0] == "sitting_h_day=7, glute_nm_kg=2.5, sex=female"


@pytest.mark.parametrize(("family", "key", "zero"), [("zinb", "predict_zinb", "sex"),
                                                      ("hurdle_negbin", "predict_hurdle", None)])
def test_predict_two_part_means_match_pscl(data, ref, family, key, zero):
    res = count_model(data, FORMULA, family=family, zero_formula=zero)
    new = {"sitting_h_day": [7, 11], "glute_nm_kg": [2.5, 2.5], "sex": ["female", "female"]}
    pred = predict_rates(res, new)
    # overall mean (both parts) for 1000 h of exposure, as pscl predict(type = "response")
    np.testing.assert_allclose(pred.table["estimate"], ref[key]["rate"], rtol=RTOL)
    assert (pred.table["ci_low"] < pred.table["estimate"]).all()
    assert (pred.table["estimate"] < pred.table["ci_high"]).all()


def test_predict_fills_unnamed_predictors_with_means(data):
    res = count_model(data, FORMULA, family="negbin")
    pred = predict_rates(res, {"sitting_h_day": [9.0]}, per=100)
    assert pred.diagnostics["held_at"]["glute_nm_kg"] == pytest.approx(data.glute_nm_kg.mean())
    assert pred.diagnostics["held_at"]["sex"] == data.sex.mode()[0]
    full = predict_rates(res, {"sitting_h_day": [9.0], "glute_nm_kg": [data.glute_nm_kg.mean()],
                               "sex": [data.sex.mode()[0]]}, per=100)
    assert pred.table["estimate"][0] == pytest.approx(full.table["estimate"][0], rel=1e-12)
    assert "held at" in pred.text


def test_offset_is_used(data):
    # doubling every exposure halves the rate: every IRR stays, the intercept moves by log(2)
    a = count_model(data, FORMULA, family="negbin").table.set_index("term")
    b = count_model(data.assign(exposure_h=data.exposure_h * 2), FORMULA,
                    family="negbin").table.set_index("term")
    assert b.loc["Intercept", "coef"] == pytest.approx(a.loc["Intercept", "coef"] - np.log(2),
                                                       rel=1e-7)
    assert b.loc["sitting_h_day", "coef"] == pytest.approx(a.loc["sitting_h_day", "coef"],
                                                           rel=1e-7)


def test_table_shape_and_text(data):
    res = count_model(data, FORMULA, family="negbin")
    assert list(res.table.columns[:5]) == ["term", "estimate", "ci_low", "ci_high", "p_value"]
    assert list(res.table.term) == ["Intercept", "sex[T.male]", "sitting_h_day", "glute_nm_kg"]
    row = res.table.set_index("term").loc["sitting_h_day"]
    assert row.ci_low < row.estimate < row.ci_high
    assert "Each additional hour of daily sitting was associated with a 13 % higher " \
        "cramp rate (IRR 1.13, 95 % CI 1.03 to 1.24, p = .013)." in res.text
    assert "Male sex (vs female) was associated with" in res.text


def test_non_positive_exposure_raises(data):
    bad = data.assign(exposure_h=data.exposure_h.where(data.index != 3, 0.0))
    with pytest.raises(InputError, match="must be positive; found 1 rows"):
        count_model(bad, FORMULA)


def test_non_count_outcome_raises(data):
    with pytest.raises(InputError, match="must be a count"):
        count_model(data.assign(cramps=data.cramps + 0.5), FORMULA)
    with pytest.raises(InputError, match="must be a count"):
        count_model(data.assign(cramps=-data.cramps), FORMULA)


def test_unknown_family_raises(data):
    with pytest.raises(InputError, match="`family` must be one of"):
        count_model(data, FORMULA, family="gamma")


def test_missing_rows_dropped_with_warning(data):
    gappy = data.copy()
    gappy.loc[[1, 5, 9], "glute_nm_kg"] = np.nan
    with pytest.warns(GluteStudyWarning, match="dropped 3 of 400 rows .*glute_nm_kg: 3"):
        res = count_model(gappy, FORMULA)
    assert res.diagnostics["n_dropped"] == 3
    assert res.diagnostics["n"] == 397


def test_few_events_per_parameter_warns(data):
    small = data.iloc[:20]
    with pytest.warns(FitWarning, match="events per estimated parameter"):
        count_model(small, FORMULA, family="poisson")


def test_dispersion_at_boundary_warns():
    rng = np.random.default_rng(11)
    df = pd.DataFrame({"x": rng.normal(size=500), "exposure_h": rng.uniform(50, 150, 500)})
    df["y"] = rng.poisson(df.exposure_h / 100 * np.exp(0.5 + 0.2 * df.x))  # no over-dispersion
    with pytest.warns(FitWarning, match="dispersion is at its boundary"):
        res = count_model(df, "y ~ x", family="negbin")
    assert res.diagnostics["overdispersion"]["lr_p_value"] == pytest.approx(0.5)


def test_zero_part_off_to_infinity_warns(data):
    # a zero part whose male coefficient runs off to -infinity (no structural zeros in males)
    d = data.copy()
    d.loc[(d.sex == "male") & (d.cramps == 0), "cramps"] = 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.warns(FitWarning) as record:
            count_model(d, FORMULA, family="zinb", zero_formula="sex")
    messages = " ".join(str(w.message) for w in record)
    # the maximum is approached only at the boundary: the fit stops there and says so
    assert "running off to infinity" in messages


def test_zip_robust_matches_sandwich(data, ref):
    res = count_model(data, FORMULA, family="zip", zero_formula="sex", robust=True)
    t = res.table
    for key, se in ref["zip"]["se_hc0"].items():
        comp, name = key.split("_", 1)
        row = t[(t.component == comp) & (t.term == _r_name(name))].iloc[0]
        # pscl's sandwich uses its optim finite-difference Hessian as bread: 1e-4 relative
        assert row.se == pytest.approx(se, rel=1e-4), key


def test_end_to_end_on_simulated_study():
    from glute_study import simulate_study

    table = simulate_study(n=150, seed=4).analysis_table()
    n_missing = int(table[["sitting_h_day", "exposure_h", "hamstring_cramps"]].isna()
                    .any(axis=1).sum())
    assert n_missing > 0  # the simulator leaves some athletes without device sitting
    with pytest.warns(GluteStudyWarning, match=f"dropped {n_missing} of 150 rows"):
        res = count_model(table, "hamstring_cramps ~ sitting_h_day + glute_nm_kg + C(sex)")
    assert res.diagnostics["n"] == 150 - n_missing
    assert "hamstring-cramp rate" in res.text


# --------------------------------------------------------------------------- _design
def test_design_offset_terms_and_new_matrix():
    from glute_study.stats._design import build_design, new_matrix

    df = pd.DataFrame({"y": [0, 1, 2, 3], "g": ["a", "b", "a", "c"], "x": [1.0, 2, 3, 4],
                       "t": [10.0, 20, 30, 40]})
    d = build_design(df, "y ~ x + C(g)", exposure="t", zero_formula="~ x")
    assert d.terms == ["Intercept", "C(g)[T.b]", "C(g)[T.c]", "x"]
    assert d.zero_terms == ["Intercept", "x"]
    np.testing.assert_allclose(d.offset, np.log(df.t))
    np.testing.assert_array_equal(new_matrix(d, pd.DataFrame({"x": [5.0], "g": ["c"]})),
                                  [[1, 0, 1, 5]])
    np.testing.assert_array_equal(new_matrix(d, pd.DataFrame({"x": [5.0]}), part="zero"),
                                  [[1, 5]])
    with pytest.raises(InputError, match="cannot build the model's terms"):
        new_matrix(d, pd.DataFrame({"x": [5.0]}))


def test_design_missing_and_errors():
    from glute_study.stats._design import build_design

    df = pd.DataFrame({"y": [0, 1, np.nan, 3, 1], "x": [1.0, np.nan, 3, 4, 2],
                       "t": [10.0, 20, 30, np.nan, 5]})
    with pytest.warns(GluteStudyWarning, match=r"dropped 3 of 5 rows .*\(y: 1, x: 1, t: 1\)"):
        d = build_design(df, "y ~ np.log(x)", exposure="t")
    assert d.n == 2 and d.n_dropped == 3 and list(d.rows) == [0, 4]
    with pytest.raises(InputError, match="has no column 'z'"):
        build_design(df.dropna(), "z ~ x")
    with pytest.raises(InputError, match="cannot evaluate formula"):
        build_design(df.dropna(), "y ~ nothere")
    with pytest.raises(InputError, match="must be a string like"):
        build_design(df, "y x")
    with pytest.raises(InputError, match="must be positive"):
        build_design(df.dropna().assign(t=-1.0), "y ~ x", exposure="t")
