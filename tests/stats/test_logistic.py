"""logistic_model against R glm and brglm2 (tests/reference/logistic), separation detection."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glute_study.errors import FitWarning, InputError
from glute_study.stats.logistic import detect_separation, logistic_model

REF = Path(__file__).resolve().parents[1] / "reference" / "logistic"
FORMULA = "any_cramp ~ sitting_h_day + glute_nm_kg + prior_cramps + sex"
RTOL = 1e-5  # coefficients and SEs against R, relative (issue 3)


@pytest.fixture(scope="module")
def ref() -> dict:
    return json.loads((REF / "logistic_reference.json").read_text())


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(REF / "logistic_data.csv")


@pytest.fixture(scope="module")
def endometrial() -> pd.DataFrame:
    return pd.read_csv(REF / "endometrial.csv")


def _name(r: str) -> str:
    return {"(Intercept)": "Intercept", "sexmale": "sex[T.male]"}.get(r, r)


def _check(table, r):
    t = table.set_index("term")
    for name, coef in r["coef"].items():
        assert t.loc[_name(name), "coef"] == pytest.approx(coef, rel=RTOL), name
        assert t.loc[_name(name), "se"] == pytest.approx(r["se"][name], rel=RTOL), name
        assert t.loc[_name(name), "p_value"] == pytest.approx(r["p"][name], rel=RTOL), name
        assert t.loc[_name(name), "estimate"] == pytest.approx(np.exp(coef), rel=RTOL), name


def test_maximum_likelihood_matches_glm(data, ref):
    res = logistic_model(data, FORMULA)
    _check(res.table, ref["ml"])
    t = res.table.set_index("term")
    for name, low in ref["ml"]["ci_low"].items():  # R confint.default: Wald on the log scale
        assert t.loc[_name(name), "ci_low"] == pytest.approx(np.exp(low), rel=RTOL)
        assert t.loc[_name(name), "ci_high"] == pytest.approx(
            np.exp(ref["ml"]["ci_high"][name]), rel=RTOL)
    assert res.diagnostics["log_lik"] == pytest.approx(ref["ml"]["loglik"], rel=1e-9)
    assert res.diagnostics["aic"] == pytest.approx(ref["ml"]["aic"], rel=1e-9)
    assert not res.diagnostics["separation"]["separated"]


def test_firth_matches_brglm2(data, ref):
    _check(logistic_model(data, FORMULA, firth=True).table, ref["firth"])


def test_firth_on_separated_endometrial_matches_brglm2(endometrial, ref):
    with pytest.warns(FitWarning, match="7.5 of the rarer outcome"):  # 30 events, 4 terms
        res = logistic_model(endometrial, "HG ~ NV + PI + EH", firth=True)
    _check(res.table, ref["endometrial_firth"])
    # published Firth estimates (Heinze & Schemper 2002, Table 2): NV 2.93, PI -0.03, EH -2.60
    t = res.table.set_index("term")
    assert t.loc["NV", "coef"] == pytest.approx(2.93, abs=0.005)
    assert t.loc["EH", "coef"] == pytest.approx(-2.60, abs=0.005)
    assert res.diagnostics["separation"]["terms"] == ["NV"]
    assert "Firth penalised likelihood" in res.text


def test_separation_detected_and_named(endometrial, ref):
    # R: the SE of NV grows 2000-fold over IRLS iterations (infinite estimate); others stay ~1
    ratios = ref["endometrial_separation"]["se_ratio"]
    infinite_in_r = sorted(k for k, v in ratios.items() if v > 100)
    sep = detect_separation(*_xy(endometrial, "HG ~ NV + PI + EH"))
    assert sep["separated"] and sep["kind"] == "quasi-complete"
    assert sep["terms"] == infinite_in_r == ["NV"]
    assert sep["direction"]["NV"] == 1  # +Inf, as R reports for NV
    with pytest.raises(InputError, match="quasi-completely separated by NV.*firth=True"):
        logistic_model(endometrial, "HG ~ NV + PI + EH")


def test_no_separation_without_nv(endometrial, ref):
    assert all(v < 10 for v in ref["endometrial_no_sep"]["se_ratio"].values())
    sep = detect_separation(*_xy(endometrial, "HG ~ PI + EH"))
    assert not sep["separated"] and sep["kind"] is None


def _xy(df, formula):
    from glute_study.stats._design import build_design

    d = build_design(df, formula)
    return d.X, d.y, d.terms


def test_complete_separation():
    x = np.arange(10.0)
    X = np.column_stack([np.ones(10), x])
    sep = detect_separation(X, (x > 4.5).astype(float), ["Intercept", "x"])
    assert sep["kind"] == "complete"
    assert sep["direction"]["x"] == 1
    sep = detect_separation(X, (x < 4.5).astype(float), ["Intercept", "x"])
    assert sep["direction"]["x"] == -1


def test_boolean_outcome_via_formula(data):
    counts = data.assign(cramps=data.any_cramp * 3)
    a = logistic_model(counts, "I(cramps > 0) ~ sitting_h_day + prior_cramps")
    b = logistic_model(data, "any_cramp ~ sitting_h_day + prior_cramps")
    np.testing.assert_allclose(a.table.coef, b.table.coef, rtol=1e-12)


def test_non_binary_outcome_raises(data):
    with pytest.raises(InputError, match="must be binary"):
        logistic_model(data.assign(any_cramp=data.any_cramp * 2), FORMULA)


def test_few_events_warn(data):
    with pytest.warns(FitWarning, match="rarer outcome per estimated parameter"):
        logistic_model(data.iloc[:60], FORMULA)


def test_text(data):
    res = logistic_model(data, "any_cramp ~ prior_cramps")
    row = res.table.iloc[1]
    assert res.text.startswith("A history of cramps was associated with ")
    assert f"(OR {row.estimate:.2f}, 95 % CI {row.ci_low:.2f} to {row.ci_high:.2f}" in res.text


def test_firth_profile_intervals_match_r(endometrial, ref):
    with pytest.warns(FitWarning, match="rarer outcome"):
        res = logistic_model(endometrial, "HG ~ NV + PI + EH", firth=True, ci="profile")
    r = ref["endometrial_firth_profile"]
    t = res.table.set_index("term")
    for name in r["low"]:
        # profile penalised-likelihood limits (log scale) and PLR p-values, 1e-5 relative
        assert np.log(t.loc[_name(name), "ci_low"]) == pytest.approx(r["low"][name], rel=RTOL)
        assert np.log(t.loc[_name(name), "ci_high"]) == pytest.approx(r["high"][name], rel=RTOL)
        assert t.loc[_name(name), "p_value"] == pytest.approx(r["p"][name], rel=RTOL)
    # logistf's published interval for NV (Heinze & Schemper 2002): 0.61 to 7.85
    assert np.log(t.loc["NV", "ci_low"]) == pytest.approx(0.61, abs=0.005)
    assert np.log(t.loc["NV", "ci_high"]) == pytest.approx(7.85, abs=0.005)


def test_firth_profile_on_cohort_matches_r(data, ref):
    res = logistic_model(data, FORMULA, firth=True, ci="profile")
    r = ref["firth_profile"]
    t = res.table.set_index("term")
    for name in r["low"]:
        assert np.log(t.loc[_name(name), "ci_low"]) == pytest.approx(r["low"][name], rel=RTOL)
        assert np.log(t.loc[_name(name), "ci_high"]) == pytest.approx(r["high"][name], rel=RTOL)
        assert t.loc[_name(name), "p_value"] == pytest.approx(r["p"][name], rel=RTOL)


def test_ml_profile_intervals_match_r_confint(data, ref):
    res = logistic_model(data, FORMULA, ci="profile")
    r = ref["ml_profile"]
    t = res.table.set_index("term")
    for name in r["low"]:
        # R's confint() interpolates its profile with a spline: agreement to 1e-4 relative
        assert np.log(t.loc[_name(name), "ci_low"]) == pytest.approx(r["low"][name], rel=1e-4)
        assert np.log(t.loc[_name(name), "ci_high"]) == pytest.approx(r["high"][name], rel=1e-4)
    for name, p in r["lr_p"].items():  # likelihood-ratio tests, R drop1(test = "Chisq")
        assert t.loc[_name(name), "p_value"] == pytest.approx(p, rel=RTOL)
    assert res.diagnostics["ci"] == "profile"


def test_unknown_ci_raises(data):
    with pytest.raises(InputError, match="`ci` must be one of"):
        logistic_model(data, FORMULA, ci="bootstrap")
