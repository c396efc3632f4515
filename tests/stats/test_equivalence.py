"""equivalence and minimal_detectable_effect against closed forms in base R (tests/reference/
equivalence: equivalence.R writes equivalence_reference.csv from cases.csv)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from glute_study.errors import InputError
from glute_study.stats import (
    Result,
    count_model,
    equivalence,
    minimal_detectable_effect,
    partial_correlation,
    rate_ratio,
    trial_effect,
)

REF = Path(__file__).resolve().parents[1] / "reference" / "equivalence"
TOL = 1e-10
CHECKED = ["statistic_lower", "p_lower", "statistic_upper", "p_upper", "p_null", "ci_low",
           "ci_high"]


@pytest.fixture(scope="module")
def ref() -> pd.DataFrame:
    return pd.read_csv(REF / "equivalence_reference.csv").set_index("case")


def _result(case: pd.Series) -> tuple[Result, str]:
    """A result row laid out as the analysis that makes such rows lays it out."""
    theta, se, df = case["theta"], case["se"], case["df"]
    z = 1.959963984540054
    if case["scale"] == "ratio":
        row = {"term": "sitting_h_day", "estimate": np.exp(theta),
               "ci_low": np.exp(theta - z * se), "ci_high": np.exp(theta + z * se),
               "p_value": 0.5, "coef": theta, "se": se}
        if np.isfinite(df):  # a pooled result: log-scale coef/se with Barnard-Rubin df
            row["df"] = df
            return Result(pd.DataFrame([row]), "", name="pooled", kind="pool"), "sitting_h_day"
        row["scale"] = "IRR"
        return Result(pd.DataFrame([row]), "", name="count_model", kind="count_model"), \
            "sitting_h_day"
    if np.isfinite(df):  # trial_effect's difference row: se and residual df
        row = {"term": "training - control", "estimate": theta, "ci_low": theta - 2 * se,
               "ci_high": theta + 2 * se, "p_value": 0.5, "kind": "difference", "se": se,
               "df": df, "n": df + 3}
        return Result(pd.DataFrame([row]), "", name="trial_effect", kind="trial_effect",
                      diagnostics={"reference": "control"}), "training - control"
    row = {"term": "glute_nm_kg", "estimate": theta, "ci_low": theta - z * se,
           "ci_high": theta + z * se, "p_value": 0.5, "effect": "fixed", "se": se}
    return Result(pd.DataFrame([row]), "", name="mixed_model", kind="mixed_model"), \
        "glute_nm_kg"


CASES = ["ratio_inconclusive", "ratio_equivalent", "ratio_trivial", "ratio_beyond_t",
         "diff_trivial_t", "diff_inconclusive_z", "diff_asymmetric_t", "diff_level95_t",
         "ratio_different_z"]


@pytest.mark.parametrize("name", CASES)
def test_tost_matches_closed_form(ref, name):
    case = ref.loc[name]
    res, term = _result(case)
    out = equivalence(res, term=term, bounds=(case["lower"], case["upper"]),
                      level=case["level"])
    row = out.table.iloc[0]
    for col in CHECKED:
        assert_allclose(row[col], case[col], rtol=TOL, atol=1e-300, err_msg=col)
    assert_allclose(row["p_value"], case["p_tost"], rtol=TOL)
    assert out.level == case["level"]
    mde = minimal_detectable_effect(res, term=term)
    assert_allclose(mde.table.loc[0, ["mde_lower", "mde_upper"]].to_numpy(float),
                    case[["mde_lower", "mde_upper"]].to_numpy(float), rtol=TOL)


EXPECTED = {
    "ratio_inconclusive": ("inconclusive", "neither different nor equivalent"),
    "ratio_equivalent": ("equivalent", "equivalent, not different"),
    "ratio_trivial": ("equivalent", "equivalent and different (trivial effect)"),
    "ratio_beyond_t": ("not equivalent", "different, not equivalent"),
    "diff_trivial_t": ("equivalent", "equivalent and different (trivial effect)"),
    "diff_inconclusive_z": ("inconclusive", "neither different nor equivalent"),
    "diff_asymmetric_t": ("equivalent", "equivalent and different (trivial effect)"),
    "diff_level95_t": ("equivalent", "equivalent and different (trivial effect)"),
    "ratio_different_z": ("not equivalent", "different, not equivalent"),
}


@pytest.mark.parametrize("name", CASES)
def test_four_way_classification(ref, name):
    case = ref.loc[name]
    res, term = _result(case)
    out = equivalence(res, term=term, bounds=(case["lower"], case["upper"]),
                      level=case["level"])
    assert tuple(out.table.loc[0, ["conclusion", "case"]]) == EXPECTED[name]
    # the TOST decision and the interval-inclusion rule are the same thing
    inside = case["lower"] < out.table.loc[0, "ci_low"] < out.table.loc[0, "ci_high"] < \
        case["upper"]
    assert inside == (out.table.loc[0, "conclusion"] == "equivalent")
    assert "nan" not in out.text.lower()


def test_interval_wholly_beyond_a_bound_is_said(ref):
    case = ref.loc["ratio_beyond_t"]
    res, term = _result(case)
    out = equivalence(res, term=term, bounds=(case["lower"], case["upper"]))
    assert out.diagnostics["beyond_bound"] == "upper"
    assert "whole interval lies beyond the upper bound" in out.text
    assert "t(35.4)" in out.text
    assert out.diagnostics["reference_distribution"] == "t with 35.4 df"


def test_correlation_on_fisher_z_with_se_from_its_interval(ref):
    case = ref.loc["correlation"]
    # the partial_correlation layout: r, its Fisher-z 95 % interval, n, df = n - 2 - k
    r, n, k = -0.09, 383, 2
    se = 1 / np.sqrt(n - 3 - k)
    z = 1.959963984540054
    table = pd.DataFrame({"term": ["sitting_h_day ~ glute_nm_kg"], "estimate": [r],
                          "ci_low": [np.tanh(np.arctanh(r) - z * se)],
                          "ci_high": [np.tanh(np.arctanh(r) + z * se)], "p_value": [0.08],
                          "n": [n], "df": [n - 2 - k], "method": ["pearson"],
                          "covariates": ["age, sex"]})
    res = Result(table, "", name="partial_correlation")
    out = equivalence(res, term="sitting_h_day ~ glute_nm_kg", bounds=(-0.2, 0.2))
    row = out.table.iloc[0]
    for col in CHECKED:
        assert_allclose(row[col], case[col], rtol=TOL, err_msg=col)
    assert np.isnan(row["df"])  # Fisher z: a z test, not t with the correlation's df
    assert "Fisher-z" in out.diagnostics["se_source"]
    assert "not symmetric" not in out.diagnostics["se_source"]
    assert out.text.startswith("For the correlation between device-measured sitting and glute "
                               "strength adjusted for age and sex, r was -.09 "
                               "(90 % CI -.17 to -.01)")


def test_exact_rate_ratio_se_from_its_interval(ref):
    case = ref.loc["rate_ratio_exact"]
    data = pd.DataFrame({"arm": ["control", "training"], "cramps": [45, 30],
                         "exposure_h": [2600.0, 2400.0]})
    rr = rate_ratio(data, events="cramps", exposure="exposure_h", by="arm", method="exact")
    assert_allclose(rr.table.loc[0, ["ci_low", "ci_high"]].to_numpy(float),
                    [case["exact_ci_low"], case["exact_ci_high"]], rtol=1e-6)
    out = equivalence(rr, term="training vs control", bounds=(0.8, 1.25))
    row = out.table.iloc[0]
    # rate_ratio's exact interval agrees with R to about 1e-8, so the SE derived from it does
    for col in CHECKED:
        assert_allclose(row[col], case[col], rtol=1e-6, err_msg=col)
    assert_allclose(row["se"], case["se"], rtol=1e-7)
    note = out.diagnostics["se_source"]
    assert "derived from the result's 95 % interval on the log scale" in note
    assert "not symmetric" in note
    assert out.text.startswith("For training compared with control, the IRR was 0.72")


def test_fitted_count_model_uses_its_coef_and_se():
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"sitting_h_day": rng.normal(9, 1.5, 300),
                       "exposure_h": rng.uniform(80, 160, 300)})
    mu = df.exposure_h / 1000 * np.exp(1.5 + 0.02 * (df.sitting_h_day - 9))
    df["hamstring_cramps"] = rng.negative_binomial(1.2, 1.2 / (1.2 + mu))
    fit = count_model(df, "hamstring_cramps ~ sitting_h_day")
    out = equivalence(fit, term="sitting_h_day", bounds=(1 / 1.1, 1.1))
    coef, se = fit.table.set_index("term").loc["sitting_h_day", ["coef", "se"]]
    from scipy import stats
    assert_allclose(out.table.loc[0, "p_lower"],
                    stats.norm.sf((coef - np.log(1 / 1.1)) / se), rtol=1e-12)
    assert_allclose(out.table.loc[0, "p_upper"],
                    stats.norm.cdf((coef - np.log(1.1)) / se), rtol=1e-12)
    # the null test on the same scale is the model's own Wald p-value
    assert_allclose(out.table.loc[0, "p_null"],
                    fit.table.set_index("term").loc["sitting_h_day", "p_value"], rtol=1e-12)
    assert out.text.startswith("For each additional hour of daily sitting, the IRR was")
    assert "coef, se" in out.diagnostics["se_source"]
    assert out.kind == "equivalence" and out.name == "equivalence (count_model (negbin))"


def test_trial_effect_difference_uses_t_with_its_df():
    rng = np.random.default_rng(5)
    n = 60
    arm = np.repeat(["control", "training"], n // 2)
    pre = rng.normal(2.5, 0.4, n)
    post = pre + 0.05 * (arm == "training") + rng.normal(0, 0.2, n)
    data = pd.DataFrame({"arm": arm, "pre": pre, "post": post})
    res = trial_effect(data, outcome="post", baseline="pre", group="arm")
    out = equivalence(res, term="training - control", bounds=(-0.3, 0.3))
    row = res.table.set_index("term").loc["training - control"]
    assert out.table.loc[0, "df"] == row["df"]
    from scipy import stats
    q = stats.t.ppf(0.95, row["df"])
    assert_allclose(out.table.loc[0, ["ci_low", "ci_high"]].to_numpy(float),
                    [row["estimate"] - q * row["se"], row["estimate"] + q * row["se"]],
                    rtol=1e-12)
    assert out.text.startswith("For the training arm compared with control, the difference")
    g = equivalence(res, term="hedges_g[training]", bounds=(-0.5, 0.5))
    g_row = res.table.set_index("term").loc["hedges_g[training]"]
    # Hedges' g carries the ANCOVA's df (its interval inverts that non-central t), so the
    # one-sided tests use t with the same df.
    assert g.table.loc[0, "df"] == g_row["df"] == row["df"] and "Hedges' g" in g.text
    with pytest.raises(InputError, match="adjusted mean"):
        equivalence(res, term="mean[control]", bounds=(-0.3, 0.3))


def test_partial_correlation_result_end_to_end():
    rng = np.random.default_rng(11)
    x = rng.normal(size=200)
    data = pd.DataFrame({"x": x, "y": 0.05 * x + rng.normal(size=200), "age": rng.normal(size=200)})
    res = partial_correlation(data, x="x", y="y", covariates=["age"])
    out = equivalence(res, term="x ~ y", bounds=(-0.3, 0.3))
    n = res.table.loc[0, "n"]
    assert_allclose(out.table.loc[0, "se"], 1 / np.sqrt(n - 3 - 1), rtol=1e-12)


# ----------------------------------------------------------------------------- refusals
@pytest.fixture
def ratio_result() -> Result:
    table = pd.DataFrame({"term": ["Intercept", "sitting_h_day"], "estimate": [0.01, 1.05],
                          "ci_low": [0.005, 0.95], "ci_high": [0.02, 1.16],
                          "p_value": [1e-9, 0.3], "coef": [np.log(0.01), np.log(1.05)],
                          "se": [0.3, 0.05], "scale": ["IRR", "IRR"]})
    return Result(table, "", name="count_model", kind="count_model")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"term": "sitting", "bounds": (0.9, 1.1)},
     "has no term 'sitting'; its terms are: 'Intercept', 'sitting_h_day'"),
    ({"term": "sitting_h_day", "bounds": (1.1, 1.2)}, "must bracket the null value 1"),
    ({"term": "sitting_h_day", "bounds": (0.9, 0.95)}, "must bracket the null value 1"),
    ({"term": "sitting_h_day", "bounds": (1.1, 0.9)}, "must bracket"),
    ({"term": "sitting_h_day", "bounds": (0, 1.1)}, "must both be positive"),
    ({"term": "sitting_h_day", "bounds": (-0.1, 0.1)}, "must both be positive"),
    ({"term": "sitting_h_day", "bounds": 1.1}, "must be two finite numbers"),
    ({"term": "sitting_h_day", "bounds": np.array([0.9, 1.1, 1.2])}, "must be two finite"),
    ({"term": "sitting_h_day", "bounds": (0.9, np.inf)}, "must be two finite numbers"),
    ({"term": "sitting_h_day", "bounds": ("a", 1.1)}, "must be two finite numbers"),
    ({"term": "sitting_h_day", "bounds": (0.9, 1.1), "level": 90}, "Write 0.95"),
    ({"term": "Intercept", "bounds": (0.9, 1.1)}, "not a contrast"),
])
def test_refusals(ratio_result, kwargs, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        equivalence(ratio_result, **kwargs)


def test_refuses_result_without_intervals():
    table = pd.DataFrame({"term": ["power"], "estimate": [0.5], "ci_low": [np.nan],
                          "ci_high": [np.nan], "p_value": [np.nan]})
    res = Result(table, "", name="power_ancova", level=None)
    with pytest.raises(InputError, match="has no confidence intervals"):
        equivalence(res, term="power", bounds=(-0.1, 0.1))
    with pytest.raises(InputError, match="must be a glute_study Result"):
        equivalence(table, term="power", bounds=(-0.1, 0.1))


def test_refuses_unknown_kind_and_rates():
    table = pd.DataFrame({"term": ["male"], "estimate": [5.7], "ci_low": [4.9],
                          "ci_high": [6.7], "p_value": [np.nan]})
    with pytest.raises(InputError, match="does not know the scale.*It handles: count_model"):
        equivalence(Result(table, "", name="incidence"), term="male", bounds=(-1, 1))


def test_row_without_se_or_interval():
    table = pd.DataFrame({"term": ["male vs female"], "estimate": [1.2], "ci_low": [np.nan],
                          "ci_high": [1.5], "p_value": [0.2]})
    with pytest.raises(InputError, match="neither a standard error nor a finite interval"):
        equivalence(Result(table, "", name="rate_ratio"), term="male vs female",
                    bounds=(0.8, 1.25))


def test_ambiguous_term_needs_where():
    table = pd.DataFrame({"term": ["indirect", "indirect"], "estimate": [1.08, 0.43],
                          "ci_low": [1.02, 0.11], "ci_high": [1.18, 1.05],
                          "p_value": [0.008, 0.004], "scale": ["rate_ratio", "per_1000_h"],
                          "se": [0.045, 0.226], "label": ["natural indirect effect"] * 2})
    med = Result(table, "", name="mediation")
    with pytest.raises(InputError, match="matches 2 rows.*where=\\{'scale': 'rate_ratio'\\}"):
        equivalence(med, term="indirect", bounds=(0.9, 1.1))
    out = equivalence(med, term="indirect", bounds=(0.9, 1.1), where={"scale": "rate_ratio"})
    assert out.table.loc[0, "scale"] == "ratio"
    assert out.text.startswith("For the natural indirect effect, the RR was 1.08")
    per = equivalence(med, term="indirect", bounds=(-1, 1), where={"scale": "per_1000_h"})
    assert per.table.loc[0, "scale"] == "difference"
    assert_allclose(per.table.loc[0, "se"], 0.226)
    with pytest.raises(InputError, match="`where` names column 'kind'"):
        equivalence(med, term="indirect", bounds=(0.9, 1.1), where={"kind": "x"})


def test_mde_checks_and_sentence(ratio_result):
    mde = minimal_detectable_effect(ratio_result, term="sitting_h_day", power=0.9, alpha=0.01)
    from scipy import stats
    m = (stats.norm.ppf(0.995) + stats.norm.ppf(0.9)) * 0.05
    assert_allclose(mde.table.loc[0, ["mde_lower", "mde_upper"]].to_numpy(float),
                    [np.exp(-m), np.exp(m)], rtol=1e-12)
    assert mde.level is None
    assert "90 % power (two-sided alpha = .01)" in mde.text
    with pytest.raises(InputError, match="`power` must be between 0 and 1"):
        minimal_detectable_effect(ratio_result, term="sitting_h_day", power=80)


# ------------------------------------------------- every analysis: a test or a clear refusal
@pytest.fixture(scope="module")
def every_result():
    from test_level import ANALYSES, _run  # the reference-data call of every analysis

    return {name: _run(name, 0.95) for name in sorted(ANALYSES)}


#: Rows that must be tested (kind, term, scale), so a refusal there is a regression.
MUST_TEST = {("count_model", "sitting_h_day", "ratio"), ("cox_model", "sitting_h_day", "ratio"),
             ("logistic_model", "sitting_h_day", "ratio"), ("gee_counts", "sitting_h_day", "ratio"),
             ("dose_response", "sitting_h_day", "ratio"),
             ("trial_rate_effect", "arm[T.glute_training]", "ratio"),
             ("rate_ratio", "glute_training vs control", "ratio"),
             ("mediation", "indirect", "ratio"), ("mediation", "a", "difference"),
             ("trial_effect", "glute_training - control", "difference"),
             ("trial_effect", "hedges_g[glute_training]", "difference"),
             ("mixed_model", "session", "difference"), ("bland_altman", "bias", "difference"),
             ("partial_correlation", "sitting_h_day ~ glute_nm_kg", "correlation"),
             ("sitting_strength", "sitting_h_day ~ glute_nm_kg", "correlation")}


def test_every_row_of_every_analysis_is_tested_or_refused_clearly(every_result):
    tested = set()
    for name, res in every_result.items():
        for _, row in res.table.iterrows():
            cols = [c for c in ("scale", "component", "kind", "effect") if c in res.table]
            where = {cols[0]: row[cols[0]]} if (res.table["term"] == row["term"]).sum() > 1 \
                else None
            for bounds in ((0.8, 1.25), (-0.5, 0.5)):
                try:
                    out = equivalence(res, term=row["term"], bounds=bounds, where=where)
                    mde = minimal_detectable_effect(res, term=row["term"], where=where)
                except InputError:
                    continue
                r = out.table.iloc[0]
                assert r["conclusion"] in ("equivalent", "not equivalent", "inconclusive")
                assert 0 <= r["p_value"] <= 1 and r["ci_low"] < r["ci_high"]
                assert "nan" not in out.text.lower() and "nan" not in mde.text.lower()
                assert mde.table.loc[0, "mde_lower"] < mde.table.loc[0, "mde_upper"]
                tested.add((name, row["term"], r["scale"]))
    assert tested >= MUST_TEST, MUST_TEST - tested


def test_bounds_as_an_array(ratio_result):
    a = equivalence(ratio_result, term="sitting_h_day", bounds=np.array([0.9, 1.1]))
    b = equivalence(ratio_result, term="sitting_h_day", bounds=[0.9, 1.1])
    assert a.table.loc[0, "p_value"] == b.table.loc[0, "p_value"]


def test_count_mixed_model_fixed_effect_and_its_spreads():
    # count_mixed_model's layout: IRR rows, then SDs and theta with coef = log(value)
    z = 1.959963984540054
    rows = [("sitting_h_day", 0.08, 0.03, "count", "IRR"),
            ("sd_team", np.log(0.3), 0.2, "random", "SD (log rate)"),
            ("theta", np.log(1.5), 0.1, "dispersion", "theta (NB2 size)")]
    table = pd.DataFrame([{"term": t, "estimate": np.exp(c), "ci_low": np.exp(c - z * s),
                           "ci_high": np.exp(c + z * s), "p_value": np.nan, "component": comp,
                           "scale": sc, "coef": c, "se": s} for t, c, s, comp, sc in rows])
    res = Result(table, "", name="count_mixed_model (negbin, laplace)",
                 kind="count_mixed_model")
    out = equivalence(res, term="sitting_h_day", bounds=(0.9, 1.1))
    assert out.table.loc[0, "scale"] == "ratio" and "the IRR was 1.08" in out.text
    for term in ("sd_team", "theta"):
        with pytest.raises(InputError, match="variance component or dispersion"):
            equivalence(res, term=term, bounds=(0.9, 1.1))
