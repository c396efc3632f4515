"""Mediation with an exposure-by-mediator interaction, the proportion-mediated gate and the
exposure-outcome E-values (AGReMA), against R and closed forms."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glute_study.errors import InputError
from glute_study.stats.mediation import _evalue, assumptions_text, mediation

REF = Path(__file__).resolve().parents[1] / "reference" / "mediation"
COVS = ["age", "male", "prior_cramps"]
CASES = {
    "negbin": ("cramps", "glute_nm_kg", "negbin", "exposure_h", "rate_ratio", "per_1000_h"),
    "poisson": ("cramps", "glute_nm_kg", "poisson", "exposure_h", "rate_ratio", "per_1000_h"),
    "gaussian": ("cramps", "glute_nm_kg", "gaussian", None, None, "difference"),
    "logistic": ("any_cramp", "glute_nm_kg", "logistic", None, "risk_ratio", "risk_difference"),
    "negbin_binary_m": ("cramps", "weak", "negbin", "exposure_h", "rate_ratio", "per_1000_h"),
}


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return pd.read_csv(REF / "cohort.csv")


def _pick(res, term: str, scale: str) -> float:
    row = res.table[(res.table.term == term) & (res.table.scale == scale)]
    assert len(row) == 1, (term, scale)
    return float(row.estimate.iloc[0])


@pytest.mark.parametrize("case", list(CASES))
def test_interaction_point_estimates_match_r(cohort, case):
    # R: the fits with sitting_h_day * mediator and the g-formula per athlete (integrate()),
    # tests/reference/mediation/mediation_interaction.R; 1e-6 relative.
    r = json.loads((REF / "reference_interaction.json").read_text())[case]
    y, m, family, exposure, ratio, diff = CASES[case]
    res = mediation(cohort, x="sitting_h_day", m=m, y=y, covariates=COVS, exposure=exposure,
                    family=family, contrast=(8, 10), interaction=True, n_boot=100,
                    ci="percentile", seed=1, executor="serial")
    got = {"a": _pick(res, "a", "coefficient"), "b": _pick(res, "b", "coefficient"),
           "c_prime": _pick(res, "direct", "coefficient"),
           "interaction": _pick(res, "interaction", "coefficient"),
           "nde_diff": _pick(res, "direct", diff), "nie_diff": _pick(res, "indirect", diff),
           "te_diff": _pick(res, "total", diff), "pm": res.diagnostics["proportion_mediated"]}
    if ratio:
        got |= {"nde_ratio": _pick(res, "direct", ratio),
                "nie_ratio": _pick(res, "indirect", ratio), "te_ratio": _pick(res, "total", ratio)}
    for key, value in got.items():
        assert value == pytest.approx(r[key], rel=1e-6), key
    if family == "negbin":
        assert res.diagnostics["theta"] == pytest.approx(r["theta"], rel=1e-6)
    assert "interaction" in res.text and "pure natural direct effect" in res.text


def test_without_interaction_the_interaction_row_is_absent_and_results_unchanged(cohort):
    kw = dict(x="sitting_h_day", m="glute_nm_kg", y="cramps", covariates=COVS,
              exposure="exposure_h", contrast=(8, 10), n_boot=100, ci="percentile", seed=1,
              executor="serial")
    plain = mediation(cohort, **kw)
    assert "interaction" not in set(plain.table.term)
    with pytest.raises(InputError, match="`interaction` must be True or False"):
        mediation(cohort, interaction="yes", **kw)


def test_interaction_with_a_linear_outcome_has_no_imai_keele_yamamoto_grid(cohort):
    res = mediation(cohort, x="sitting_h_day", m="glute_nm_kg", y="cramps", covariates=COVS,
                    family="gaussian", contrast=(8, 10), interaction=True, n_boot=100,
                    ci="percentile", seed=1, executor="serial")
    assert res.frame("sensitivity").empty  # the theorem assumes no interaction


def _opposed(n=400, seed=3):
    """Sitting raises cramps directly but lowers them through a stronger mediator."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x": rng.normal(9, 1.5, n), "hours": rng.uniform(80, 200, n)})
    df["m"] = 2.5 + 0.3 * (df.x - 9) + rng.normal(0, 0.3, n)
    rate = df.hours / 1000 * np.exp(np.log(6) + 0.4 * (df.x - 9) - 0.9 * (df.m - 2.5))
    df["y"] = rng.negative_binomial(2.0, 2.0 / (2.0 + rate))
    return df


def test_proportion_mediated_is_not_reported_when_effects_point_opposite_ways():
    res = mediation(_opposed(), x="x", m="m", y="y", exposure="hours", n_boot=200,
                    ci="percentile", seed=2, executor="serial")
    t = res.table.set_index(["term", "scale"])
    assert np.sign(t.loc[("direct", "per_1000_h"), "estimate"]) != np.sign(
        t.loc[("indirect", "per_1000_h"), "estimate"])
    pm = t.loc[("proportion_mediated", "proportion")]
    assert np.isnan(pm["estimate"]) and np.isnan(pm["ci_low"])
    assert pm["note"].startswith("not reported: the direct and indirect effects have opposite")
    assert "The proportion mediated is not reported: the direct and indirect" in res.text
    assert "nan" not in res.text.lower().replace("natural", "")
    assert np.isfinite(res.diagnostics["proportion_mediated"])


def test_e_values_for_exposure_outcome_confounding_follow_ding_vanderweele(cohort):
    res = mediation(cohort, x="sitting_h_day", m="glute_nm_kg", y="cramps", covariates=COVS,
                    exposure="exposure_h", contrast=(8, 10), n_boot=200, ci="percentile",
                    seed=1, executor="serial")
    ev = res.frame("e_values").set_index("term")
    assert list(ev.index) == ["total", "direct", "indirect"]
    for term in ev.index:
        rr = ev.at[term, "estimate"]
        rr = max(rr, 1 / rr)
        assert ev.at[term, "e_value"] == pytest.approx(rr + np.sqrt(rr * (rr - 1)), rel=1e-12)
        row = res.table[(res.table.term == term) & (res.table.scale == "rate_ratio")].iloc[0]
        limit = row.ci_low if row.estimate >= 1 else row.ci_high
        want = 1.0 if row.ci_low <= 1 <= row.ci_high else _evalue(limit)
        assert ev.at[term, "e_value_ci"] == pytest.approx(want, rel=1e-12)
    assert "Exposure-outcome confounding (E-values)" in res.text
    # closed form: E-value of RR 2 is 2 + sqrt(2) (VanderWeele & Ding 2017)
    assert _evalue(2.0) == pytest.approx(2 + np.sqrt(2))


def test_assumptions_name_every_identification_condition():
    text = assumptions_text(x="sitting_h_day", m="glute_nm_kg", y="hamstring_cramps",
                            covariates=["age", "sex"], interaction=True)
    for words in ("no unmeasured confounding of device-measured sitting and hamstring cramps",
                  "of glute strength and hamstring cramps", "is itself affected by",
                  "comes before", "with an exposure-by-mediator interaction"):
        assert words in text
    assert "_" not in text
