"""Associations: checked against R (tests/reference/associations/associations.R; the linear
model against clubSandwich in linear_model.R, the Wilson interval against prop.test).

Tolerance: 1e-5 relative (rtol=1e-5) for correlations, p-values, intervals, coefficients,
standard errors, theta, log-likelihoods and predicted rates; 1e-10 absolute for the spline basis.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from glute_study.errors import FitWarning, GluteStudyWarning, InputError
from glute_study.stats.associations import (
    dose_response,
    linear_model,
    natural_spline_basis,
    partial_correlation,
    proportion,
    sitting_strength,
)

REF = Path(__file__).resolve().parents[1] / "reference" / "associations"
RTOL = 1e-5


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(REF / "data.csv")


def _covs(text) -> list[str]:
    return [] if pd.isna(text) or not text else str(text).split("+")


def _drops(data, cols):
    """The one warning an analysis gives when ``data`` misses values in ``cols`` (R drops them)."""
    k = int(data[list(cols)].isna().any(axis=1).sum())
    if not k:
        return contextlib.nullcontext()
    return pytest.warns(GluteStudyWarning, match=f": dropped {k} of {len(data)} rows")


# ---------------------------------------------------------------- partial correlation


@pytest.mark.parametrize("row", range(6))
def test_partial_correlation_matches_r(data, row):
    ref = pd.read_csv(REF / "partial_correlation.csv").iloc[row]
    with _drops(data, [ref["x"], ref["y"], *_covs(ref["covariates"])]):
        res = partial_correlation(data, x=ref["x"], y=ref["y"],
                                  covariates=_covs(ref["covariates"]), method=ref["method"])
    t = res.table.iloc[0]
    assert t["n"] == ref["n"] and t["df"] == ref["df"]
    assert t["estimate"] == pytest.approx(ref["r"], rel=RTOL)
    assert t["statistic"] == pytest.approx(ref["t"], rel=RTOL)
    assert t["p_value"] == pytest.approx(ref["p"], rel=RTOL)
    assert t["ci_low"] == pytest.approx(ref["lower"], rel=RTOL)
    assert t["ci_high"] == pytest.approx(ref["upper"], rel=RTOL)


def test_partial_correlation_without_covariates_is_cor_test(data):
    # R: cor.test(d$sitting_h_day, d$glute_nm_kg) printed in associations.Rout
    with _drops(data, ["sitting_h_day", "glute_nm_kg"]):
        res = partial_correlation(data, x="sitting_h_day", y="glute_nm_kg")
    ref = pd.read_csv(REF / "partial_correlation.csv").iloc[4]
    assert res.table["estimate"].iloc[0] == pytest.approx(ref["r"], rel=RTOL)
    assert res.text.startswith("The Pearson correlation between device-measured sitting and "
                               "glute strength")


def test_partial_correlation_agrees_with_pingouin(data):
    pg = pytest.importorskip("pingouin")
    d = data.dropna(subset=["sitting_h_day", "glute_nm_kg", "age"])
    theirs = pg.partial_corr(d, x="sitting_h_day", y="glute_nm_kg", covar=["age"],
                             method="spearman")
    mine = partial_correlation(d, x="sitting_h_day", y="glute_nm_kg", covariates=["age"],
                               method="spearman").table.iloc[0]
    assert mine["estimate"] == pytest.approx(theirs["r"].iloc[0], rel=RTOL)
    assert mine["p_value"] == pytest.approx(theirs["p_val"].iloc[0], rel=RTOL)


def test_partial_correlation_errors(data):
    with pytest.raises(InputError, match="`method` must be one of"):
        partial_correlation(data, x="sitting_h_day", y="glute_nm_kg", method="kendall")
    with pytest.raises(InputError, match="must be different columns"):
        partial_correlation(data, x="age", y="glute_nm_kg", covariates=["age"])
    with pytest.raises(InputError, match="needs more than"):
        partial_correlation(data.iloc[:4], x="sitting_h_day", y="glute_nm_kg",
                            covariates=["age"])
    with pytest.raises(InputError, match="has no column 'nope'"):
        partial_correlation(data, x="nope", y="glute_nm_kg")


def test_sitting_strength_rows_per_instrument(data):
    with pytest.warns(GluteStudyWarning, match="partial_correlation: dropped") as record:
        res = sitting_strength(data, covariates=["age", "sex"])
    assert len(record) == 2  # once per instrument: each drops its own incomplete rows
    ref = pd.read_csv(REF / "partial_correlation.csv")
    assert list(res.table["instrument"]) == ["device", "self_report"]
    assert_allclose(res.table["estimate"], ref["r"].iloc[[0, 2]], rtol=RTOL)
    assert list(res.table["n"]) == list(ref["n"].iloc[[0, 2]])
    assert res.text.startswith("Device sitting: The partial Pearson correlation")
    assert "Self-report sitting:" in res.text


def test_sitting_strength_without_self_report(data):
    with _drops(data, ["sitting_h_day", "glute_nm_kg", "age", "sex"]):
        res = sitting_strength(data.drop(columns="self_report_sitting_h_day"))
    assert np.isnan(res.table["estimate"].iloc[1])
    assert res.table["n"].iloc[1] == 0
    assert "self-report sitting: not available" in res.text


# ---------------------------------------------------------------- spline basis


def test_ns_basis_matches_r():
    knots = pd.read_csv(REF / "ns_knots.csv")["knots"].to_numpy()
    ref = pd.read_csv(REF / "ns_basis.csv")  # splines::ns(x, df = 3)
    mine = natural_spline_basis(ref["x"], knots=knots[1:-1], boundary_knots=(knots[0], knots[-1]))
    assert_allclose(mine, ref[["b1", "b2", "b3"]].to_numpy(), atol=1e-10)


def test_ns_basis_is_linear_beyond_the_boundary():
    x = np.array([-2.0, -1.0, 0.0, 6.0, 7.0, 8.0])
    b = natural_spline_basis(x, knots=[2.0, 3.0], boundary_knots=(0.0, 5.0))
    assert_allclose(b[1] - b[0], b[2] - b[1], atol=1e-12)
    assert_allclose(b[5] - b[4], b[4] - b[3], atol=1e-12)


# ---------------------------------------------------------------- dose-response


@pytest.mark.parametrize("adjust, covariates", [("none", []), ("age_sex", ["age", "sex"])])
def test_dose_response_matches_glm_nb(data, adjust, covariates):
    with _drops(data, ["sitting_h_day", "hamstring_cramps", "exposure_h", *covariates]):
        res = dose_response(data, covariates=covariates)
    ref = pd.read_csv(REF / f"dose_{adjust}.csv").iloc[0]
    tab = res.table.set_index("term")
    lin = tab.loc["sitting_h_day"]
    assert np.log(lin["estimate"]) == pytest.approx(ref["linear_coef"], rel=RTOL)
    se = res.model.linear.bse.iloc[1]
    assert se == pytest.approx(ref["linear_se"], rel=RTOL)
    assert lin["p_value"] == pytest.approx(ref["linear_p"], rel=RTOL)
    assert lin["ci_low"] == pytest.approx(np.exp(ref["linear_coef"] - 1.959963984540054 * se),
                                          rel=RTOL)
    d = res.diagnostics
    assert d["theta_linear"] == pytest.approx(ref["linear_theta"], rel=RTOL)
    assert d["theta_spline"] == pytest.approx(ref["spline_theta"], rel=RTOL)
    assert d["loglik_linear"] == pytest.approx(ref["linear_loglik"], rel=RTOL)
    assert d["loglik_spline"] == pytest.approx(ref["spline_loglik"], rel=RTOL)
    assert d["loglik_reduced"] == pytest.approx(ref["null_loglik"], rel=RTOL)
    nl = tab.loc["non_linearity"]
    assert nl["statistic"] == pytest.approx(ref["lr_nonlinear"], rel=RTOL)
    assert nl["p_value"] == pytest.approx(ref["p_nonlinear"], rel=RTOL)
    assert nl["df"] == 2
    overall = tab.loc["ns(sitting_h_day, df=3)"]
    assert overall["statistic"] == pytest.approx(ref["lr_overall"], rel=RTOL)
    assert overall["p_value"] == pytest.approx(ref["p_overall"], rel=RTOL)

    coef = pd.read_csv(REF / f"dose_{adjust}_spline_coef.csv")  # summary(glm.nb(... ns ...))
    r_names = {"(Intercept)": "Intercept", "age": "age", "sexmale": "sex[T.male]"}
    for i in range(3):
        r_names[f"ns(sitting_h_day, df = 3){i + 1}"] = f"ns(sitting_h_day, df=3)[{i + 1}]"
    spline = res.model.spline
    mine = pd.Series(spline.params, index=spline.model.exog_names)
    mine_se = pd.Series(spline.bse, index=spline.model.exog_names)
    for row in coef.itertuples(index=False):
        name = r_names[row[0]]
        assert mine[name] == pytest.approx(row[1], rel=RTOL)
        assert mine_se[name] == pytest.approx(row[2], rel=RTOL)

    curve = pd.read_csv(REF / f"dose_{adjust}_curve.csv")  # rate per 1000 h, Wald log CI
    assert_allclose(res.frame("curve")["x"], curve["x"], rtol=1e-12)
    assert_allclose(res.frame("curve")["rate"], curve["rate"], rtol=RTOL)
    assert_allclose(res.frame("curve")["ci_low"], curve["lower"], rtol=RTOL)
    assert_allclose(res.frame("curve")["ci_high"], curve["upper"], rtol=RTOL)


def test_dose_response_text(data):
    res = dose_response(data, covariates=["age", "sex"])
    # R: exp(0.105891) = 1.1117; LR 8.689 on 2 df, p = 0.0130
    assert "11 % higher hamstring-cramp rate (IRR 1.11" in res.text
    assert "likelihood-ratio chi2(2) = 8.69, p = .013" in res.text
    assert res.diagnostics["n"] == 300 and res.diagnostics["n_dropped"] == 0


def test_dose_response_rejects_non_positive_exposure(data):
    bad = data.copy()
    bad.loc[0, "exposure_h"] = 0.0
    with pytest.raises(InputError, match="non-positive exposure"):
        dose_response(bad)


def test_dose_response_rejects_bad_df_and_counts(data):
    with pytest.raises(InputError, match="`df` must be an integer >= 2"):
        dose_response(data, df=1)
    with pytest.raises(InputError, match="non-negative whole counts"):
        dose_response(data.assign(hamstring_cramps=data["hamstring_cramps"] + 0.5))


def test_dose_response_warns_without_overdispersion():
    rng = np.random.default_rng(11)
    n = 400
    x = rng.normal(9, 1.5, n)
    hours = rng.uniform(50, 150, n)
    y = rng.poisson(0.01 * hours)  # Poisson: theta runs to its upper bound
    d = pd.DataFrame({"sitting_h_day": x, "hamstring_cramps": y, "exposure_h": hours})
    with pytest.warns(FitWarning, match="dispersion at the boundary"):
        dose_response(d)


def test_associations_on_simulated_study():
    from glute_study import simulate_study

    table = simulate_study(n=200, seed=5).analysis_table()
    with pytest.warns(GluteStudyWarning, match="partial_correlation: dropped"):
        res = sitting_strength(table, covariates=["age", "sex"])
    assert list(res.table["instrument"]) == ["device", "self_report"]
    assert (res.table["n"] > 150).all()
    with _drops(table, ["sitting_h_day", "hamstring_cramps", "exposure_h", "sex",
                        "prior_cramps"]):
        dose = dose_response(table, covariates=["sex", "prior_cramps"])
    assert dose.diagnostics["n"] + dose.diagnostics["n_dropped"] == 200
    assert dose.frame("curve")["rate"].gt(0).all()


def test_sitting_strength_refuses_missing_covariate(data):
    with pytest.raises(InputError, match="has no column 'height_cm'"):
        sitting_strength(data, covariates=["age", "height_cm"])


def test_partial_correlation_invariances(data):
    data = data.dropna(subset=["sitting_h_day", "glute_nm_kg", "age"])
    base = partial_correlation(data, x="sitting_h_day", y="glute_nm_kg", covariates=["age"],
                               method="spearman").table["estimate"].iloc[0]
    # Spearman is unchanged by a monotone transform of x; Pearson by a linear one
    moved = data.assign(sitting_h_day=np.exp(data["sitting_h_day"]))
    assert partial_correlation(moved, x="sitting_h_day", y="glute_nm_kg", covariates=["age"],
                               method="spearman").table["estimate"].iloc[0] == pytest.approx(
        base, rel=1e-12)
    p1 = partial_correlation(data, x="sitting_h_day", y="glute_nm_kg", covariates=["age"])
    scaled = data.assign(sitting_h_day=3 * data["sitting_h_day"] - 4)
    p2 = partial_correlation(scaled, x="sitting_h_day", y="glute_nm_kg", covariates=["age"])
    assert p2.table["estimate"].iloc[0] == pytest.approx(p1.table["estimate"].iloc[0], rel=1e-10)


def test_dose_response_warns_on_few_events(data):
    small = data.iloc[:40]
    # 40 participants also show no overdispersion, so the boundary warning may come too
    with pytest.warns(FitWarning) as record:
        dose_response(small, covariates=["age", "sex"])
    assert any("per coefficient, under 10" in str(w.message) for w in record)


# ---------------------------------------------------------------- linear model (robust SE)

_LM = "glute_onset_delay_ms ~ sitting_h_day + age + C(sex)"


@pytest.fixture(scope="module")
def lm_data() -> pd.DataFrame:
    return pd.read_csv(REF / "linear_model_data.csv")


@pytest.mark.parametrize("cluster, ref_file", [("team", "linear_model_cr2.csv"),
                                               (None, "linear_model_hc2.csv")])
def test_linear_model_matches_clubsandwich(lm_data, cluster, ref_file):
    # R: coef_test(lm(...), vcov = vcovCR(fit, cluster, type = "CR2"), test = "Satterthwaite")
    # and conf_int(...); without a cluster every row is one (CR2 = sandwich's HC2)
    names = {"(Intercept)": "Intercept", "sexmale": "C(sex)[T.male]"}
    ref = pd.read_csv(REF / ref_file).replace({"term": names}).set_index("term")
    with pytest.warns(GluteStudyWarning, match="dropped 2 of 150 rows"):
        res = linear_model(lm_data, _LM, cluster=cluster)
    t = res.table
    assert sorted(t["term"]) == sorted(ref.index)
    ref = ref.loc[t["term"]]
    for col in ("estimate", "se", "df", "p_value", "ci_low", "ci_high"):
        assert_allclose(t[col], ref[col], rtol=RTOL, err_msg=col)
    assert res.diagnostics["n"] == 148 and res.diagnostics["n_dropped"] == 2
    assert res.diagnostics["vcov_type"] == ("CR2" if cluster else "HC2")
    assert "nan" not in res.text and "sitting" in res.text and "ms" in res.text


def test_linear_model_level_and_errors(lm_data):
    complete = lm_data.dropna()
    wide = linear_model(complete, "glute_onset_delay_ms ~ sitting_h_day", level=0.99)
    narrow = linear_model(complete, "glute_onset_delay_ms ~ sitting_h_day", level=0.9)
    assert (wide.table["ci_high"] - wide.table["ci_low"] >
            narrow.table["ci_high"] - narrow.table["ci_low"]).all()
    assert "99 % CI" in wide.text and wide.level == 0.99
    with pytest.raises(InputError, match="at least 2 clusters"):
        linear_model(complete.assign(team="T01"), "glute_onset_delay_ms ~ age", cluster="team")
    with pytest.raises(InputError, match="collinear"):
        linear_model(complete.assign(a2=complete["age"] * 2),
                     "glute_onset_delay_ms ~ age + a2")
    with pytest.raises(InputError, match="more than"):
        linear_model(complete.head(3), "glute_onset_delay_ms ~ age + sitting_h_day")
    with pytest.raises(InputError, match="cluster"):
        linear_model(complete, "glute_onset_delay_ms ~ age", cluster=3)


# ---------------------------------------------------------------- proportion (Wilson)


def test_proportion_matches_prop_test():
    # R: prop.test(k, n, correct = FALSE)$conf.int (tests/reference/surveillance/wilson.R):
    # 10 of 50 -> 0.112437500157761 to 0.330371059322254
    df = pd.DataFrame({"onset_order": ["hamstrings_first"] * 10 + ["glute_first"] * 40 + [None],
                       "arm": ["control", "glute_training"] * 25 + ["control"]})
    res = proportion(df, column="onset_order", value="hamstrings_first", by="arm")
    overall = res.table.iloc[0]
    assert overall["term"] == "overall" and overall["cases"] == 10 and overall["n"] == 50
    assert_allclose([overall["ci_low"], overall["ci_high"]],
                    [0.112437500157761, 0.330371059322254], atol=1e-9)
    assert res.table["term"].tolist() == ["overall", "control", "glute_training"]
    assert res.table["n"].tolist() == [50, 25, 25]
    assert "Hamstrings first" in res.text and "Glute training" in res.text.replace(
        "glute training", "Glute training") and "nan" not in res.text


def test_proportion_errors():
    with pytest.raises(InputError, match="no participant has a value"):
        proportion(pd.DataFrame({"x": [None, None]}), column="x", value="a")
    with pytest.raises(InputError, match="no column 'y'"):
        proportion(pd.DataFrame({"x": ["a"]}), column="y", value="a")
