"""Tests of glute_study.stats.mediation against R, a naive loop, scipy's BCa and closed forms."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from glute_study.errors import GluteStudyWarning, InputError
from glute_study.parallel import spawn_seeds
from glute_study.stats._bootstrap import bca_limits
from glute_study.stats.mediation import CHUNK, _evalue, _resample_indices, mediation

REF = Path(__file__).resolve().parents[1] / "reference" / "mediation"
COVS = ["age", "male", "prior_cramps"]


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return pd.read_csv(REF / "cohort.csv")


@pytest.fixture(scope="module")
def ref() -> dict:
    return json.loads((REF / "reference.json").read_text())


def _pick(res, term: str, scale: str) -> float:
    row = res.table[(res.table.term == term) & (res.table.scale == scale)]
    assert len(row) == 1, (term, scale)
    return float(row.estimate.iloc[0])


CASES = {
    # name: (y, m, family, exposure, ratio scale, difference scale)
    "negbin": ("cramps", "glute_nm_kg", "negbin", "exposure_h", "rate_ratio", "per_1000_h"),
    "poisson": ("cramps", "glute_nm_kg", "poisson", "exposure_h", "rate_ratio", "per_1000_h"),
    "gaussian": ("cramps", "glute_nm_kg", "gaussian", None, None, "difference"),
    "logistic": ("any_cramp", "glute_nm_kg", "logistic", None, "risk_ratio", "risk_difference"),
    "negbin_binary_m": ("cramps", "weak", "negbin", "exposure_h", "rate_ratio", "per_1000_h"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_point_estimates_match_r(cohort, ref, case):
    # R: MASS::glm.nb / glm / lm plus the g-formula written out per athlete (integrate() over
    # the mediator), see tests/reference/mediation/mediation_reference.R. Tolerance 1e-6 relative.
    y, m, family, exposure, ratio, diff = CASES[case]
    r = ref[case]
    res = mediation(cohort, x="sitting_h_day", m=m, y=y, covariates=COVS, exposure=exposure,
                    family=family, contrast=(8, 10), n_boot=100, ci="percentile", seed=1,
                    executor="serial")
    got = {"a": _pick(res, "a", "coefficient"), "b": _pick(res, "b", "coefficient"),
           "c_prime": _pick(res, "direct", "coefficient"),
           "nde_diff": _pick(res, "direct", diff), "nie_diff": _pick(res, "indirect", diff),
           "te_diff": _pick(res, "total", diff),
           "pm": res.diagnostics["proportion_mediated"]}
    if ratio:
        got |= {"nde_ratio": _pick(res, "direct", ratio),
                "nie_ratio": _pick(res, "indirect", ratio), "te_ratio": _pick(res, "total", ratio)}
    for key, value in got.items():
        assert value == pytest.approx(r[key], rel=1e-6), key
    if family == "negbin":
        assert res.diagnostics["theta"] == pytest.approx(r["theta"], rel=1e-6)
    if case == "negbin":
        assert res.model["outcome"].loglik[0] == pytest.approx(r["loglik"], rel=1e-9)


def test_imai_keele_yamamoto_grid_matches_r(cohort, ref):
    # R: Theorem 2 of Imai, Keele & Yamamoto (2010) by hand from lm residuals; 1e-6 relative.
    res = mediation(cohort, x="sitting_h_day", m="glute_nm_kg", y="cramps", covariates=COVS,
                    family="gaussian", contrast=(8, 10), n_boot=100, ci="percentile", seed=1,
                    executor="serial")
    sens = res.frame("sensitivity").set_index("value")
    for rho, expected in zip(ref["gaussian"]["ikt_rho"], ref["gaussian"]["ikt_indirect"]):
        assert sens.loc[rho, "indirect"] == pytest.approx(expected, rel=1e-6)
    assert "Imai-Keele-Yamamoto" in res.text


def _naive_replicate(d: pd.DataFrame, x0: float, x1: float) -> dict:
    """One replicate the slow, obvious way: statsmodels fits and the g-formula per athlete."""
    Xm = sm.add_constant(d[["sitting_h_day", *COVS]])
    lm = sm.OLS(d.glute_nm_kg, Xm).fit()
    Xy = sm.add_constant(d[["sitting_h_day", "glute_nm_kg", *COVS]])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reason: statsmodels' NB warns on tight tolerances
        nb = sm.NegativeBinomial(d.cramps, Xy, offset=np.log(d.exposure_h)).fit(
            method="newton", maxiter=200, tol=1e-14, disp=0)
    b = nb.params

    def mean_y(x, xs):
        mm = lm.params["const"] + lm.params["sitting_h_day"] * xs + d[COVS] @ lm.params[COVS]
        eta = (b["const"] + b["sitting_h_day"] * x + b["glute_nm_kg"] * mm + d[COVS] @ b[COVS]
               + 0.5 * b["glute_nm_kg"] ** 2 * lm.scale)
        return 1000 * np.sum(d.exposure_h * np.exp(eta)) / d.exposure_h.sum()

    m00, m10, m11 = mean_y(x0, x0), mean_y(x1, x0), mean_y(x1, x1)
    return {"b": b["glute_nm_kg"], "nie_ratio": m11 / m10, "nie_diff": m11 - m10,
            "te_diff": m11 - m00, "theta": 1 / b["alpha"]}


def test_batched_bootstrap_equals_naive_loop(cohort):
    # Same resample indices (regenerated from the same spawned chunk seeds); 1e-6 relative.
    res = mediation(cohort, x="sitting_h_day", m="glute_nm_kg", y="cramps", covariates=COVS,
                    exposure="exposure_h", contrast=(8, 10), n_boot=100, ci="percentile",
                    seed=42, executor="serial")
    boot = res.diagnostics["bootstrap"]
    idx = _resample_indices(spawn_seeds(42, 1)[0], 100, len(cohort))
    cols = {"b": 1, "nie_ratio": 4, "nie_diff": 7, "te_diff": 8}
    for r in range(0, 100, 9):  # every ninth replicate keeps the loop short
        naive = _naive_replicate(cohort.iloc[idx[r]].reset_index(drop=True), 8, 10)
        for key, col in cols.items():
            assert boot[r, col] == pytest.approx(naive[key], rel=1e-6), (r, key)


def test_bca_matches_scipy():
    # scipy.stats.bootstrap(method="BCa") draws rng.integers(0, n, (B, n)), the same indices as
    # _resample_indices; our BCa on the mean must give scipy's interval (1e-10 relative).
    data = np.random.default_rng(5).gamma(2.0, 1.5, 60)
    idx = _resample_indices(11, 2000, 60)
    boot = data[idx].mean(axis=1)[:, None]
    jack = np.array([np.delete(data, i).mean() for i in range(60)])[:, None]
    lo, hi, _, _ = bca_limits(boot, np.array([data.mean()]), jack, 0.95)
    ref = stats.bootstrap((data,), np.mean, n_resamples=2000, method="BCa",
                          rng=np.random.default_rng(11), vectorized=True)
    assert lo[0] == pytest.approx(ref.confidence_interval.low, rel=1e-10)
    assert hi[0] == pytest.approx(ref.confidence_interval.high, rel=1e-10)


def test_bca_p_value_agrees_with_the_bca_interval(cohort):
    # p < .05 exactly when the 95 % BCa interval leaves out the null (up to the resolution of
    # the bootstrap quantiles), checked on every row of a real result.
    res = mediation(cohort, x="sitting_h_day", m="glute_nm_kg", y="cramps", covariates=COVS,
                    exposure="exposure_h", n_boot=2000, seed=8, executor="serial")
    for _, r in res.table.dropna(subset=["p_value"]).iterrows():
        null = 1.0 if r.scale.endswith("ratio") else 0.0
        excludes = not (r.ci_low <= null <= r.ci_high)
        if abs(r.p_value - 0.05) > 0.005:
            assert excludes == (r.p_value < 0.05), r.to_dict()


def test_evalue_closed_form():
    # VanderWeele & Ding (2017, Ann Intern Med), worked example: RR 3.9 -> E-value 7.26.
    assert _evalue(3.9) == pytest.approx(7.26, abs=0.005)
    assert _evalue(1 / 3.9) == pytest.approx(_evalue(3.9))
    assert _evalue(1.0) == 1.0


def test_same_seed_same_result_across_executors(cohort):
    kw = dict(x="sitting_h_day", m="glute_nm_kg", y="cramps", covariates=COVS,
              exposure="exposure_h", n_boot=2 * CHUNK + 10, seed=3)
    a = mediation(cohort, executor="serial", **kw)
    b = mediation(cohort, executor="threads", **kw)
    np.testing.assert_array_equal(a.diagnostics["bootstrap"], b.diagnostics["bootstrap"])
    pd.testing.assert_frame_equal(a.table, b.table)
    c = mediation(cohort, executor="serial", **(kw | {"seed": 4}))
    assert not np.array_equal(a.diagnostics["bootstrap"], c.diagnostics["bootstrap"])


def test_bca_and_percentile_intervals_cover_the_estimate(cohort):
    res = mediation(cohort, x="sitting_h_day", m="glute_nm_kg", y="cramps", covariates=COVS,
                    exposure="exposure_h", n_boot=1000, seed=9)
    t = res.table
    assert (t.ci_low <= t.estimate).all() and (t.estimate <= t.ci_high).all()
    assert set(t.term) == {"a", "b", "direct", "indirect", "total", "proportion_mediated"}
    assert set(t.scale) == {"coefficient", "rate_ratio", "per_1000_h", "proportion"}
    # rate ratios of the natural effects multiply to the total
    rr = t[t.scale == "rate_ratio"].set_index("term").estimate
    assert rr["direct"] * rr["indirect"] == pytest.approx(rr["total"], rel=1e-12)
    # the default contrast is the interquartile range, and the text says so
    q1, q3 = np.quantile(cohort.sitting_h_day, [0.25, 0.75])
    assert res.diagnostics["contrast"]["x0"] == pytest.approx(q1)
    assert res.diagnostics["contrast"]["x1"] == pytest.approx(q3)
    assert "interquartile range" in res.text
    assert "BCa" in res.text and "E-value" in res.text
    assert "measured over the same period" in res.text
    assert res.frame("sensitivity").attrs["e_value"] > 1


def test_caveat_dropped_when_x_measured_before_m(cohort):
    d = cohort.copy()
    d.attrs["measured_at"] = {"sitting_h_day": "2025-01-01", "glute_nm_kg": "2025-06-01"}
    res = mediation(d, x="sitting_h_day", m="glute_nm_kg", y="cramps", exposure="exposure_h",
                    n_boot=100, ci="percentile", seed=1, executor="serial")
    assert "measured over the same period" not in res.text


def test_cluster_bootstrap_resamples_whole_teams(cohort):
    kw = dict(x="sitting_h_day", m="glute_nm_kg", y="cramps", covariates=COVS,
              exposure="exposure_h", n_boot=200, seed=5, executor="serial", ci="percentile")
    rows = mediation(cohort, **kw)
    teams = mediation(cohort, cluster="team", **kw)
    pd.testing.assert_series_equal(rows.table.estimate, teams.table.estimate)
    assert not np.allclose(rows.table.ci_low, teams.table.ci_low)
    assert teams.diagnostics["n_clusters"] == 40
    assert "resampling 40 teams" in teams.text
    few = cohort.assign(team=cohort.team % 5)
    with pytest.raises(InputError, match="at least 10 clusters; 'team' has 5"):
        mediation(few, cluster="team", **kw)


BASE = dict(x="sitting_h_day", m="glute_nm_kg", y="cramps", exposure="exposure_h", n_boot=100,
            ci="percentile", seed=1, executor="serial")


def test_constant_mediator(cohort):
    with pytest.raises(InputError, match="mediator 'glute_nm_kg' is constant"):
        mediation(cohort.assign(glute_nm_kg=2.5), **BASE)


def test_missing_mediator(cohort):
    with pytest.raises(InputError, match="mediator 'glute_nm_kg' has no values"):
        mediation(cohort.assign(glute_nm_kg=np.nan), **BASE)


def test_partly_missing_mediator_drops_rows_with_a_warning(cohort):
    d = cohort.copy()
    d.loc[:9, "glute_nm_kg"] = np.nan
    with pytest.warns(GluteStudyWarning, match="dropped 10 of 400 rows"):
        res = mediation(d, **BASE)
    assert res.diagnostics["n"] == 390


def test_non_count_outcome(cohort):
    with pytest.raises(InputError, match="non-negative whole counts for family 'negbin'"):
        mediation(cohort.assign(cramps=cohort.cramps + 0.5), **BASE)


def test_zero_exposure(cohort):
    d = cohort.copy()
    d.loc[3, "exposure_h"] = 0.0
    with pytest.raises(InputError, match="exposure 'exposure_h' must be positive; found 1 rows"):
        mediation(d, **BASE)


def test_contrast_outside_observed_range(cohort):
    with pytest.warns(GluteStudyWarning, match="outside the observed range"):
        mediation(cohort, **(BASE | {"contrast": (8, 20)}))
    with pytest.raises(InputError, match="two different values"):
        mediation(cohort, **(BASE | {"contrast": (8, 8)}))


def test_other_bad_arguments(cohort):
    with pytest.raises(InputError, match="`family` must be one of"):
        mediation(cohort, **(BASE | {"family": "gamma"}))
    with pytest.raises(InputError, match="`n_boot` must be a whole number from 100 to 100,000"):
        mediation(cohort, **(BASE | {"n_boot": 10}))
    with pytest.raises(InputError, match="has no column 'nope'"):
        mediation(cohort, **(BASE | {"m": "nope"}))
    with pytest.raises(InputError, match="offset for count outcomes"):
        mediation(cohort, **(BASE | {"family": "gaussian"}))


@pytest.mark.parametrize(("kw", "message"), [
    ({"n_boot": 1_000_000_000},
     "`n_boot` must be a whole number from 100 to 100,000; got 1000000000."),
    ({"n_boot": 500.0}, "`n_boot` must be a whole number from 100 to 100,000; got 500.0."),
    ({"seed": -3}, "`seed` must be a whole number from 0 to 4,294,967,295; got -3."),
    ({"executor": "tcp://127.0.0.1:notaport"}, "the port must be a number from 1 to 65535"),
])
def test_bad_counts_seeds_and_schedulers_are_refused_before_any_fit(cohort, kw, message,
                                                                     monkeypatch):
    import importlib

    from glute_study.errors import GluteStudyError

    module = importlib.import_module("glute_study.stats.mediation")

    def no_fit(*args, **kwargs):
        raise AssertionError("a model was fitted before the arguments were checked")

    monkeypatch.setattr(module, "fit_batch", no_fit)
    with pytest.raises(GluteStudyError) as info:
        mediation(cohort, **(BASE | kw))
    assert message in str(info.value)


def test_a_run_without_seed_records_its_seed_and_repeats_from_it(cohort):
    kw = BASE | {"seed": None}
    first = mediation(cohort, **kw)
    seed = first.diagnostics["seed"]
    assert isinstance(seed, int) and 0 <= seed < 2**32
    assert f"(seed {seed})" in first.text
    again = mediation(cohort, **(kw | {"seed": seed}))
    pd.testing.assert_frame_equal(again.table, first.table)
    assert again.text == first.text


def test_a_group_coded_0_1_reads_as_a_contrast_in_the_path_labels(cohort):
    # the trial's mediation: "a: glute training -> glute strength (per unit of glute training)"
    # read as if the arm were a dose; a 0/1 group with labelled levels is a contrast
    data = cohort.assign(glute_training=(np.arange(len(cohort)) % 2).astype(float))
    res = mediation(data, x="glute_training", m="glute_nm_kg", y="cramps", covariates=COVS,
                    exposure="exposure_h", contrast=(0, 1), n_boot=100, ci="percentile",
                    seed=1, executor="serial")
    paths = res.table.set_index("term")["label"]
    assert "per unit" not in " ".join(paths.dropna())
    assert paths["a"] == "a: glute training -> glute strength (glute training vs control)"
