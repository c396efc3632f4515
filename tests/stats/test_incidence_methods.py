"""incidence and rate_ratio with over-dispersion-aware methods, against R (tests/reference/rates).

rates.R fits MASS::glm.nb, glm(quasipoisson) and glm(poisson) + clubSandwich CR2/Satterthwaite
on a clustered cohort (24 teams, arm by team, theta 0.8, team SD 0.4).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from glute_study.errors import GluteStudyWarning, InputError
from glute_study.stats.incidence import incidence, rate_ratio

REF = Path(__file__).resolve().parents[1] / "reference" / "rates"
BY = {"arm": "control", "sitting_tertile": "low"}
LEVELS = {"arm": ["control", "glute_training"], "sitting_tertile": ["low", "middle", "high"]}


@pytest.fixture(scope="module")
def ref() -> dict:
    return json.loads((REF / "rates_reference.json").read_text())


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    d = pd.read_csv(REF / "rates_data.csv")
    d["sitting_tertile"] = pd.Categorical(d["sitting_tertile"], ["low", "middle", "high"])
    return d


def _num(values) -> np.ndarray:
    """R's JSON writes Inf (the df of a z interval) as the string "Inf"."""
    return np.array([float(v) for v in values])


CASES = [(by, method, clus) for by in ("arm", "sitting_tertile", "all")
         for method in ("negbin", "quasipoisson") for clus in ("none", "team")]


@pytest.mark.parametrize(("by", "method", "clus"), CASES)
def test_rates_match_r(data, ref, by, method, clus):
    r = ref[f"{by}/{method}/{clus}"]
    opts = {"method": method, "cluster": None if clus == "none" else "team"}
    if by != "all":
        opts["by"] = by
    for level, key in ((0.95, "rates"), (0.90, "rates90")):
        res = incidence(data, events="cramps", exposure="exposure_h", level=level, **opts)
        t = res.table
        rows = t[t.term != "overall"] if by != "all" else t[t.term == "overall"]
        np.testing.assert_allclose(rows.estimate, r[key]["estimate"], rtol=1e-6)
        np.testing.assert_allclose(rows.ci_low, r[key]["low"], rtol=1e-6)
        np.testing.assert_allclose(rows.ci_high, r[key]["high"], rtol=1e-6)
        np.testing.assert_allclose(rows.df, _num(r[key]["df"]), rtol=1e-6)
    assert res.diagnostics["pearson_phi"] == pytest.approx(r["pearson"][0], rel=1e-9)
    if method == "negbin":
        assert res.diagnostics["theta"] == pytest.approx(r["theta"][0], rel=1e-5)


@pytest.mark.parametrize(("by", "method", "clus"), [c for c in CASES if c[0] != "all"])
def test_ratios_match_r(data, ref, by, method, clus):
    r = ref[f"{by}/{method}/{clus}"]["ratios"]
    res = rate_ratio(data, events="cramps", exposure="exposure_h", by=by, reference=BY[by],
                     method=method, cluster=None if clus == "none" else "team")
    t = res.table
    assert list(t.term) == [f"{v} vs {BY[by]}" for v in LEVELS[by][1:]]
    np.testing.assert_allclose(t.coef, r["coef"], rtol=1e-6)
    np.testing.assert_allclose(t.se, r["se"], rtol=1e-5)
    np.testing.assert_allclose(t.estimate, r["estimate"], rtol=1e-6)
    np.testing.assert_allclose(t.ci_low, r["low"], rtol=1e-5)
    np.testing.assert_allclose(t.ci_high, r["high"], rtol=1e-5)
    np.testing.assert_allclose(t.p_value, r["p"], rtol=1e-5)
    np.testing.assert_allclose(t.df, _num(r["df"]), rtol=1e-6)
    assert (t.method == method).all()


def test_default_is_negbin_and_says_so(data):
    res = rate_ratio(data, events="cramps", exposure="exposure_h", by="arm")
    assert (res.table.method == "negbin").all()
    assert "negative-binomial model" in res.text
    assert "over-dispersed" in res.text and "Pearson dispersion" in res.text
    inc = incidence(data, events="cramps", exposure="exposure_h", by="arm")
    assert (inc.table.method == "negbin").all()
    assert inc.diagnostics["theta"] < 2


def test_exact_is_named_and_flagged_when_overdispersed(data):
    res = rate_ratio(data, events="cramps", exposure="exposure_h", by="arm", method="exact")
    assert "exact conditional test" in res.text
    assert "too narrow" in res.text
    assert np.isnan(res.table.se).all()  # no SE on the log scale for an exact interval
    default = rate_ratio(data, events="cramps", exposure="exposure_h", by="arm")
    width = np.log(res.table.ci_high / res.table.ci_low)
    assert (np.log(default.table.ci_high / default.table.ci_low) > width).all()


def test_group_is_an_alias_of_by(data):
    a = rate_ratio(data, events="cramps", exposure="exposure_h", by="arm").table
    b = rate_ratio(data, events="cramps", exposure="exposure_h", group="arm").table
    pd.testing.assert_frame_equal(a, b)
    with pytest.raises(InputError, match="once"):
        rate_ratio(data, events="cramps", exposure="exposure_h", by="arm", group="team")


def test_crude_rate_column_and_events(data):
    t = incidence(data, events="cramps", exposure="exposure_h", by="arm").table
    for _, row in t.iterrows():
        assert row.crude_rate == pytest.approx(row.events / row.exposure_h * 1000)
    qp = incidence(data, events="cramps", exposure="exposure_h", by="arm",
                   method="quasipoisson").table
    np.testing.assert_allclose(qp.estimate, qp.crude_rate, rtol=1e-9)
    assert t.n.sum() == 2 * len(data)  # groups, then overall


def test_bootstrap_is_seeded_and_sane(data):
    a = rate_ratio(data, events="cramps", exposure="exposure_h", by="arm", method="bootstrap",
                   seed=3, n_boot=1000)
    b = rate_ratio(data, events="cramps", exposure="exposure_h", by="arm", method="bootstrap",
                   seed=3, n_boot=1000)
    pd.testing.assert_frame_equal(a.table, b.table)
    row = a.table.iloc[0]
    crude = (row.events / row.exposure_h) / (row.reference_events / row.reference_exposure_h)
    assert row.estimate == pytest.approx(crude)
    assert row.ci_low < row.estimate < row.ci_high
    assert a.diagnostics["seed"] == 3 and "seed 3" in a.text
    # p agrees with the interval: below .05 exactly when 1 lies outside the 95 % interval
    assert (row.p_value < 0.05) == (not row.ci_low <= 1 <= row.ci_high)
    clus = rate_ratio(data, events="cramps", exposure="exposure_h", by="arm",
                      method="bootstrap", cluster="team", seed=3, n_boot=1000)
    assert "teams" in clus.text and "within groups" in clus.text  # arm is by team: stratified
    assert clus.table.ci_high[0] / clus.table.ci_low[0] > row.ci_high / row.ci_low


def test_bootstrap_matches_a_naive_loop():
    rng = np.random.default_rng(4)
    d = pd.DataFrame({"k": rng.poisson(2, 30).astype(float), "t": rng.uniform(50, 150, 30),
                      "g": np.repeat(["a", "b"], 15)})
    res = incidence(d, events="k", exposure="t", by="g", method="bootstrap", seed=9, n_boot=200)
    # the same stream: group a's 200 x 15 draws, then group b's
    draw = np.random.default_rng(9)
    reps = {}
    for name in ("a", "b"):
        sub = d[d.g == name].reset_index(drop=True)
        idx = draw.integers(0, 15, size=(200, 15))
        reps[name] = np.array([sub.k[i].sum() / sub.t[i].sum() for i in idx]) * 1000
    from glute_study.stats._bootstrap import bca_limits

    for name in ("a", "b"):
        sub = d[d.g == name]
        est = sub.k.sum() / sub.t.sum() * 1000
        jack = np.array([(sub.k.sum() - sub.k.iloc[i]) / (sub.t.sum() - sub.t.iloc[i])
                         for i in range(15)]) * 1000
        lo, hi, _, _ = bca_limits(reps[name][:, None], np.array([est]), jack[:, None], 0.95)
        row = res.table.set_index("term").loc[name]
        assert row.ci_low == pytest.approx(lo[0], rel=1e-10)
        assert row.ci_high == pytest.approx(hi[0], rel=1e-10)


def test_zero_event_group_upper_limits():
    d = pd.DataFrame({"k": [0, 0, 0, 0, 9, 0, 1, 7.0], "t": [100.0, 50, 80, 90, 120, 60, 70, 100],
                      "g": ["none"] * 3 + ["some"] * 5})
    a = 0.05
    exact = incidence(d, events="k", exposure="t", by="g", method="exact").table
    assert exact.ci_high[0] == pytest.approx(-np.log(a / 2) / 230 * 1000, rel=1e-9)
    res = incidence(d, events="k", exposure="t", by="g")
    nb = res.table
    assert nb.estimate[0] == 0 and nb.ci_low[0] == 0
    theta = res.diagnostics["theta"]
    assert np.isfinite(theta)
    lam = nb.ci_high[0] / 1000  # P(no event in any of the three) = alpha / 2 under NB(theta)
    p0 = np.prod((1 + lam * np.array([100.0, 50, 80]) / theta) ** -theta)
    assert p0 == pytest.approx(a / 2, rel=1e-8)
    assert nb.ci_high[0] > exact.ci_high[0]  # over-dispersion widens the bound
    rr = rate_ratio(d, events="k", exposure="t", by="g", reference="some")
    assert rr.table.method[0] == "exact" and rr.table.estimate[0] == 0
    assert "exact conditional interval" in rr.text and "nan" not in rr.text.lower()


def test_clusters_need_two_per_group(data):
    one = data[data.team.isin(["T00", "T01"])].copy()
    one["arm"] = np.where(one.team == "T00", "control", "glute_training")
    with pytest.raises(InputError, match="at least 2 per group"):
        rate_ratio(one, events="cramps", exposure="exposure_h", by="arm", cluster="team")
    with pytest.raises(InputError, match="cannot account for the clusters"):
        rate_ratio(data, events="cramps", exposure="exposure_h", by="arm", cluster="team",
                   method="exact")


def test_repeated_rows_per_athlete_warn(data):
    doubled = pd.concat([data, data], ignore_index=True)
    with pytest.warns(GluteStudyWarning, match="several rows for some participants"):
        incidence(doubled, events="cramps", exposure="exposure_h")
    res = incidence(doubled, events="cramps", exposure="exposure_h", cluster="participant_id",
                    method="quasipoisson")
    assert np.isfinite(res.table.ci_low).all()


def test_text_has_no_nan_or_column_codes(data):
    for method in ("negbin", "quasipoisson", "bootstrap", "exact"):
        res = rate_ratio(data, events="cramps", exposure="exposure_h", by="arm", method=method,
                         seed=1, n_boot=500)
        inc = incidence(data, events="cramps", exposure="exposure_h", by="arm", method=method,
                        seed=1, n_boot=500)
        for text in (res.text, inc.text):
            assert "nan" not in text.lower().split() and "NA" not in text.split()
            assert "glute_training" not in text and "arm =" not in text


def test_t_quantile_used_for_satterthwaite_df(data):
    res = rate_ratio(data, events="cramps", exposure="exposure_h", by="arm", cluster="team")
    row = res.table.iloc[0]
    q = stats.t.ppf(0.975, row.df)
    assert np.log(row.ci_high) - row.coef == pytest.approx(q * row.se, rel=1e-9)


def test_default_is_negbin_with_hc2_per_athlete(data):
    """The default equals the NB estimates with each athlete as its own CR2 cluster (HC2)."""
    rows = data.assign(row=np.arange(len(data)))
    default = rate_ratio(data, events="cramps", exposure="exposure_h", by="arm")
    by_row = rate_ratio(rows, events="cramps", exposure="exposure_h", by="arm", method="negbin",
                        cluster="row")
    model = rate_ratio(data, events="cramps", exposure="exposure_h", by="arm", method="negbin")
    cols = ["estimate", "ci_low", "ci_high", "p_value", "se", "df"]
    np.testing.assert_allclose(default.table[cols].to_numpy(float),
                               by_row.table[cols].to_numpy(float), rtol=1e-12)
    assert default.table.se_type[0] == "HC2" and model.table.se_type[0] == "model"
    assert default.table.estimate[0] == pytest.approx(model.table.estimate[0], rel=1e-12)
    assert "robust (HC2)" in default.text and "HC2" not in model.text
    inc = incidence(data, events="cramps", exposure="exposure_h", by="arm")
    assert (inc.table.se_type == "HC2").all() and inc.diagnostics["se_type"] == "HC2"


def test_cr2_singleton_fast_path_equals_the_general_loop():
    from glute_study.stats import _cluster

    rng = np.random.default_rng(2)
    X = np.column_stack([np.ones(50), rng.normal(size=50), rng.integers(0, 2, 50)])
    w, r = rng.uniform(0.5, 2, 50), rng.normal(size=50)
    codes = rng.permutation(50)
    fast = _cluster.cr2_vcov(X, w, r, codes)
    blocks = [np.array([[w[codes == j][0]]]) for j in range(50)]  # dense blocks: the loop
    slow = _cluster.cr2_vcov(X, blocks, r, codes)
    np.testing.assert_allclose(fast.cov, slow.cov, rtol=1e-10)
    np.testing.assert_allclose(fast.df, slow.df, rtol=1e-10)
