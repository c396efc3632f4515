"""Multiple imputation (MICE) and Rubin's rules, against R mice.

References under tests/reference/imputation/: make_data.py writes cohort.csv (300 simulated
athletes, glute strength missing more often after cramps) and imputed_long.csv (our m = 5
completed data sets); mice_reference.R fits the same models in R to the same completed data sets
and pools them with ``mice::pool(as.mira(fits))`` (pooled.csv), and imputes cohort.csv with mice
itself (mice_imputed.csv, mice_nb.csv) for a loose check of the imputed distributions.
"""

from __future__ import annotations

import importlib.util
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats as scipy_stats

from glute_study.errors import FitWarning, InputError
from glute_study.stats import (
    Imputations,
    Result,
    count_model,
    cox_model,
    logistic_model,
    mediation,
    multiple_imputation,
    pool,
    trial_effect,
)
from glute_study.stats.imputation import codebook_limits
from glute_study.stats.pooling import rubin

REF = Path(__file__).parents[1] / "reference" / "imputation"
FORMULA = "hamstring_cramps ~ sitting_h_day + glute_nm_kg + age + sex + level"


def _cohort() -> pd.DataFrame:
    spec = importlib.util.spec_from_file_location("imputation_make_data", REF / "make_data.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.cohort()


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    return _cohort()


@pytest.fixture(scope="module")
def completed() -> list[pd.DataFrame]:
    long = pd.read_csv(REF / "imputed_long.csv")
    return [d.drop(columns="imputation").reset_index(drop=True)
            for _, d in long.groupby("imputation")]


def _r_term(term: str) -> str:
    term = term.replace("(Intercept)", "Intercept")
    term = re.sub(r"^(sex|level)(\w+)$", r"\1[T.\2]", term)
    return term.replace("armglute_training", "glute_training - control")


def _cox(d):
    with warnings.catch_warnings():  # the Schoenfeld test flags these simulated data
        warnings.simplefilter("ignore", FitWarning)
        return cox_model(d, "glute_nm_kg + sex + age", time="days", event="event")


def _logistic(d):
    with warnings.catch_warnings():  # 23 non-events: fewer than 10 per parameter
        warnings.simplefilter("ignore", FitWarning)
        return logistic_model(d, "event ~ glute_nm_kg + sitting_h_day + sex")


ANALYSES = {
    # R: glm.nb(hamstring_cramps ~ sitting_h_day + glute_nm_kg + age + sex + level
    #           + offset(log(exposure_h)))
    "negbin": lambda d: count_model(d, FORMULA),
    # R: glm(..., family = poisson) with the same offset
    "poisson": lambda d: count_model(d, FORMULA, family="poisson"),
    # R: lm(glute_nm_kg_post ~ arm + glute_nm_kg + age); the arm coefficient is the difference
    "lm": lambda d: trial_effect(d, outcome="glute_nm_kg_post", baseline="glute_nm_kg",
                                 covariates=["age"]),
    # R: coxph(Surv(days, event) ~ glute_nm_kg + sex + age, ties = "efron"); dfcom = events - 3
    "cox": _cox,
    # R: glm(event ~ glute_nm_kg + sitting_h_day + sex, family = binomial)
    "logistic": _logistic,
}


# ------------------------------------------------------------------------------------------------
# pool() against mice::pool
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("model", list(ANALYSES))
def test_pool_matches_mice(model, completed):
    res = pool([ANALYSES[model](d) for d in completed])
    ref = pd.read_csv(REF / "pooled.csv")
    ref = ref[ref.model == model].assign(term=lambda r: r.term.map(_r_term)).set_index("term")
    tab = res.table.set_index("term")
    ref = ref[ref.index.isin(tab.index)]
    assert len(ref) >= (1 if model == "lm" else 3)
    ours = tab.loc[ref.index]
    for col, rcol in [("coef", "qbar"), ("ubar", "ubar"), ("b", "b"), ("t", "t"),
                      ("dfcom", "dfcom"), ("df", "df"), ("riv", "riv"), ("lambda", "lambda"),
                      ("fmi", "fmi"), ("se", "std_error"), ("p_value", "p_value")]:
        np.testing.assert_allclose(ours[col], ref[rcol], rtol=1e-6, atol=1e-6, err_msg=col)
    ratio = model in ("negbin", "poisson", "cox", "logistic")
    low = np.log(ours.ci_low) if ratio else ours.ci_low
    high = np.log(ours.ci_high) if ratio else ours.ci_high
    np.testing.assert_allclose(low, ref.conf_low, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(high, ref.conf_high, rtol=1e-6, atol=1e-6)
    if ratio:
        np.testing.assert_allclose(ours.estimate, np.exp(ours.coef), rtol=1e-12)
    assert res.table.m.eq(5).all() and "Pooled over m = 5" in res.text
    # the sentence speaks in labels, never in column names or formula terms
    assert not re.search(r"\w_\w|C\(|\[T\.|count_model|\bnan\b", res.text), res.text


def test_rubin_closed_form():
    # Barnard & Rubin (1999) written out: b = var(q), t = ubar + (1 + 1/m) b, ...
    q = np.array([[0.9], [1.1], [1.1]])
    u = np.full((3, 1), 0.04)
    out = rubin(q, u, dfcom=10)
    b = np.var([0.9, 1.1, 1.1], ddof=1)
    t = 0.04 + (1 + 1 / 3) * b
    lam = (1 + 1 / 3) * b / t
    dfold, dfobs = 2 / lam**2, 11 / 13 * 10 * (1 - lam)
    df = dfold * dfobs / (dfold + dfobs)
    assert out["t"][0] == pytest.approx(t, rel=1e-12)
    assert out["df"][0] == pytest.approx(df, rel=1e-12)
    assert out["fmi"][0] == pytest.approx(((1 + 1 / 3) * b / 0.04 + 2 / (df + 3))
                                          / ((1 + 1 / 3) * b / 0.04 + 1), rel=1e-12)
    assert rubin(q, u, dfcom=np.inf)["df"][0] == pytest.approx(dfold, rel=1e-12)


def test_pool_refuses_what_it_cannot_pool(completed):
    a = count_model(completed[0], FORMULA)
    b = count_model(completed[1], "hamstring_cramps ~ glute_nm_kg")
    with pytest.raises(InputError, match="at least 2"):
        pool([a])
    with pytest.raises(InputError, match="other terms"):
        pool([a, b])
    with pytest.raises(InputError, match="Result objects"):
        pool([a, a.table])
    with pytest.raises(InputError, match="one analysis"):
        pool([a, ANALYSES["logistic"](completed[0])])
    no_se = Result(a.table.drop(columns=["se", "coef"]), "", {"n": 10}, name="x")
    with pytest.raises(InputError, match="no `se`"):
        pool([no_se, no_se])
    with pytest.raises(InputError, match="dfcom"):
        pool([a, a], dfcom=-1)


def test_pool_of_identical_results_is_the_complete_data_result(completed):
    a = count_model(completed[0], FORMULA)
    res = pool([a, a, a])
    np.testing.assert_allclose(res.table.estimate, a.table.estimate, rtol=1e-12)
    np.testing.assert_allclose(res.table.se, a.table.se, rtol=1e-12)
    np.testing.assert_allclose(res.table.b, 0, atol=1e-20)
    np.testing.assert_allclose(res.table.riv, 0, atol=1e-15)


# ------------------------------------------------------------------------------------------------
# the imputations
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def imputed(cohort) -> Imputations:
    return multiple_imputation(cohort, m=20, seed=14, outcome="hamstring_cramps")


def test_imputed_distributions_close_to_mice(cohort, imputed):
    """Loose: RNGs differ; mice (seed 14, m = 20) on the same incomplete data."""
    r = pd.read_csv(REF / "mice_imputed.csv")
    miss = cohort.glute_nm_kg.isna()
    means = np.array([d.glute_nm_kg[miss].mean() for d in imputed.datasets])
    sds = np.array([d.glute_nm_kg[miss].std() for d in imputed.datasets])
    # averages over 20 imputations: Monte Carlo SE about 0.01
    assert means.mean() == pytest.approx(r.glute_mean.mean(), abs=0.04)
    assert sds.mean() == pytest.approx(r.glute_sd.mean(), abs=0.04)
    assert means.std() == pytest.approx(r.glute_mean.std(), abs=0.03)
    # the imputed are weaker than the observed, as the MAR mechanism (cramps) makes them
    assert means.mean() < cohort.glute_nm_kg.mean() - 0.05
    male = np.mean([(d.sex[cohort.sex.isna()] == "male").mean() for d in imputed.datasets])
    elite = np.mean([(d.level[cohort.level.isna()] == "elite").mean() for d in imputed.datasets])
    assert male == pytest.approx(r.male_share.mean(), abs=0.1)
    assert elite == pytest.approx(r.elite_share.mean(), abs=0.1)
    res = imputed.fit(count_model, FORMULA).table.set_index("term")
    mice = pd.read_csv(REF / "mice_nb.csv").assign(term=lambda x: x.term.map(_r_term))
    mice = mice.set_index("term").loc[res.index]
    assert np.all(np.abs(res.coef - mice.estimate) < 0.25 * mice.std_error)
    np.testing.assert_allclose(res.se, mice.std_error, rtol=0.15)


def test_same_seed_same_bytes_and_original_untouched(cohort):
    before = cohort.copy(deep=True)
    a = multiple_imputation(cohort, m=3, seed=5, max_iter=3)
    b = multiple_imputation(cohort, m=3, seed=5, max_iter=3)
    c = multiple_imputation(cohort, m=3, seed=6, max_iter=3)
    pd.testing.assert_frame_equal(cohort, before)
    for x, y in zip(a.datasets, b.datasets):
        pd.testing.assert_frame_equal(x, y)
        assert x.to_csv().encode() == y.to_csv().encode()
    assert not a.datasets[0].equals(c.datasets[0])
    assert a.seed == 5 and len(a.datasets) == 3
    assert a.datasets[0] is not a.datasets[1]
    a.datasets[0].loc[0, "age"] = -1.0
    assert a.datasets[1].loc[0, "age"] != -1.0 and cohort.loc[0, "age"] != -1.0


def test_completed_sets_keep_dtypes_index_and_observed_values(cohort, imputed):
    obs = cohort.notna()
    for d in imputed.datasets:
        assert d.isna().sum().sum() == 0
        assert list(d.columns) == list(cohort.columns)
        assert d.dtypes.equals(cohort.dtypes)
        assert d.index.equals(cohort.index)
        pd.testing.assert_frame_equal(d[obs.all(axis=1)], cohort[obs.all(axis=1)])
        # PMM takes donors' values: every imputed strength was observed
        assert d.glute_nm_kg.isin(cohort.glute_nm_kg.dropna()).all()
        assert set(d.level) <= set(cohort.level.dropna())
    tab = imputed.missing.set_index("column")
    assert tab.loc["glute_nm_kg", "n_missing"] == cohort.glute_nm_kg.isna().sum()
    assert tab.loc["glute_nm_kg", "method"] == "pmm"
    assert tab.loc["sex", "method"] == "logreg" and tab.loc["level", "method"] == "polyreg"
    assert tab.loc["age", "method"] == "complete"
    assert not tab.loc["participant_id", "predictor"]
    trace = imputed.chain_means
    assert set(trace.columns) == {"iteration", "column", "imputation", "mean"}
    assert trace.iteration.max() == 10 and trace.imputation.max() == 20
    assert "glute_nm_kg" in repr(imputed)


def _mixed_frame(n: int = 240, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    df = pd.DataFrame({
        "x": x,
        "reps": pd.array(np.round(10 + 3 * x + rng.normal(0, 2, n)).astype(int), dtype="Int64"),
        "count": rng.poisson(np.exp(0.5 + 0.3 * x)).astype(float),
        "flag": pd.array(rng.random(n) < 1 / (1 + np.exp(-x)), dtype="boolean"),
        "plain_bool": (rng.random(n) < 0.5).astype(object),
        "dummy": (rng.random(n) < 0.3).astype(float),
        "sport": pd.Categorical(rng.choice(["football", "rugby", "hockey", "judo"], n,
                                           p=[0.55, 0.3, 0.14, 0.01]),
                                categories=["football", "rugby", "hockey", "judo", "polo"]),
        "team": rng.choice(["a", "b", "c"], n).astype(object),
    })
    for col, share in [("reps", 0.2), ("count", 0.1), ("flag", 0.15), ("plain_bool", 0.1),
                       ("dummy", 0.1), ("sport", 0.2), ("team", 0.1)]:
        df.loc[rng.random(n) < share, col] = None
    return df


def test_types_rare_levels_booleans_and_integers():
    df = _mixed_frame()
    imp = multiple_imputation(df, m=4, seed=1, max_iter=5)
    for d in imp.datasets:
        assert d.isna().sum().sum() == 0
        assert d.dtypes.equals(df.dtypes)
        assert d.sport.cat.categories.tolist() == df.sport.cat.categories.tolist()
        assert set(d.sport) <= {"football", "rugby", "hockey", "judo"}
        assert d.reps.dtype.name == "Int64" and d.flag.dtype.name == "boolean"
        assert set(d.plain_bool.map(type)) == {bool}
        assert set(d["dummy"]) <= {0.0, 1.0}
        assert (d["count"] == np.round(d["count"])).all() and (d["count"] >= 0).all()
        assert set(d.team) <= {"a", "b", "c"}
    tab = imp.missing.set_index("column")
    assert tab.loc["sport", "method"] == "polyreg" and tab.loc["flag", "method"] == "logreg"
    assert tab.loc["dummy", "method"] == "logreg" and tab.loc["count", "method"] == "pmm"


def test_norm_method_stays_inside_codebook_limits():
    rng = np.random.default_rng(2)
    n = 200
    df = pd.DataFrame({"age": np.clip(rng.normal(18, 6, n), 10.5, 40),
                       "sitting_h_day": np.clip(rng.normal(20, 4, n), 0, 24)})
    df["sessions"] = np.round(rng.uniform(0, 3, n))
    df.loc[rng.random(n) < 0.4, ["age"]] = np.nan
    df.loc[rng.random(n) < 0.4, ["sitting_h_day", "sessions"]] = np.nan
    imp = multiple_imputation(df, m=5, seed=3, method="norm", exposure=None)
    for d in imp.datasets:
        assert d.age.between(10, 100).all() and d.sitting_h_day.between(0, 24).all()
        assert (d.sessions == np.round(d.sessions)).all() and (d.sessions >= 0).all()
    assert codebook_limits("age")[:2] == (10.0, 100.0)
    assert codebook_limits("hamstring_cramps") == (0.0, np.inf, True)
    by_column = multiple_imputation(df, m=2, seed=3, method={"age": "norm", "*": "pmm"})
    assert by_column.missing.set_index("column").loc["sitting_h_day", "method"] == "pmm"


def test_no_missing_values_gives_identical_copies_with_a_note():
    df = pd.DataFrame({"a": np.arange(10.0), "b": list("xyxyxyxyxy")})
    imp = multiple_imputation(df, m=3, seed=1)
    assert all(d.equals(df) for d in imp.datasets)
    assert "no missing values" in imp.notes[0]
    assert imp.chain_means.empty and "nothing to impute" in repr(imp)


def test_bad_input_is_a_clear_error(cohort):
    with pytest.raises(InputError, match="no observed values"):
        multiple_imputation(cohort.assign(empty=np.nan), m=2, seed=1)
    with pytest.raises(InputError, match="no observed values"):
        multiple_imputation(cohort.assign(empty=np.nan), m=2, seed=1, columns=["empty"])
    with pytest.raises(InputError, match="method"):
        multiple_imputation(cohort, m=2, method="mean")
    with pytest.raises(InputError, match="nope"):
        multiple_imputation(cohort, m=2, columns=["nope"])
    with pytest.raises(InputError, match="nope"):
        multiple_imputation(cohort, m=2, outcome="nope")
    with pytest.raises(InputError, match="nope"):
        multiple_imputation(cohort, m=2, exposure="nope")
    with pytest.raises(InputError, match="`m`"):
        multiple_imputation(cohort, m=0)
    with pytest.raises(InputError, match="DataFrame"):
        multiple_imputation(cohort.to_numpy(), m=2)
    with pytest.raises(InputError, match="identifier"):
        ids = cohort.assign(participant_id=cohort.participant_id.mask(cohort.index < 3))
        multiple_imputation(ids, m=2, columns=["participant_id"])
    with pytest.raises(InputError, match="numbers"):
        multiple_imputation(cohort, m=2, method={"glute_nm_kg": "logreg"})
    imp = multiple_imputation(cohort, m=2, seed=1, max_iter=2)
    with pytest.raises(InputError, match="Result"):
        imp.fit(lambda d: 1.0)
    with pytest.raises(InputError, match="analysis"):
        imp.fit("count_model")


def test_columns_limit_what_is_imputed_but_outcome_always_is(cohort):
    df = cohort.copy()
    df.loc[:9, "hamstring_cramps"] = np.nan
    imp = multiple_imputation(df, m=2, seed=1, max_iter=2, columns=["glute_nm_kg"],
                              outcome="hamstring_cramps")
    tab = imp.missing.set_index("column")
    assert tab.loc["hamstring_cramps", "method"] == "pmm"
    assert tab.loc["sex", "method"] == "not imputed" and not tab.loc["sex", "predictor"]
    assert imp.datasets[0].sex.isna().sum() == cohort.sex.isna().sum()
    assert any("'sex'" in n for n in imp.notes)


def test_outcome_in_the_model_removes_the_complete_case_bias():
    """Missingness in x depends on y: imputing with y recovers the slope (truth 0.5)."""
    rng = np.random.default_rng(11)
    n = 2000
    x = rng.normal(size=n)
    y = 0.5 * x + rng.normal(0, 1, n)
    df = pd.DataFrame({"x": x, "y": y})
    df.loc[rng.random(n) < 1 / (1 + np.exp(-(2 * y - 1))), "x"] = np.nan
    imp = multiple_imputation(df, m=10, seed=2, max_iter=5)
    slopes = [np.polyfit(d.y, d.x, 1)[0] for d in imp.datasets]  # x on y: unbiased under MAR
    beta = [np.cov(d.x, d.y)[0, 1] / d.x.var() for d in imp.datasets]
    cc = df.dropna()
    assert np.mean(beta) == pytest.approx(0.5, abs=0.05)
    assert abs(np.cov(cc.x, cc.y)[0, 1] / cc.x.var() - 0.5) > 0.1  # complete cases are biased
    assert np.all(np.isfinite(slopes))


# ------------------------------------------------------------------------------------------------
# mediation with multiple imputation (MI Boot)
# ------------------------------------------------------------------------------------------------
def test_mediation_keeps_the_column_of_each_row_in_its_bootstrap(cohort):
    d = cohort.dropna()
    res = mediation(d, x="sitting_h_day", m="glute_nm_kg", y="hamstring_cramps",
                    covariates=["age"], exposure="exposure_h", n_boot=200, ci="percentile",
                    seed=1, executor="serial")
    index = res.diagnostics["bootstrap_index"]
    boot = res.diagnostics["bootstrap"][res.diagnostics["bootstrap_ok"]]
    assert len(index) == len(res.table)
    lo = np.quantile(boot[:, index], 0.025, axis=0)
    shown = res.table.ci_low.notna().to_numpy()  # a blanked proportion mediated has none
    np.testing.assert_allclose(res.table.ci_low[shown], lo[shown], rtol=1e-10)


def test_mediation_pools_by_mi_boot(cohort):
    imp = multiple_imputation(cohort, m=4, seed=3, max_iter=4)
    kw = dict(x="sitting_h_day", m="glute_nm_kg", y="hamstring_cramps", covariates=["age"],
              exposure="exposure_h", n_boot=200, ci="percentile", executor="serial")
    res = imp.fit(mediation, seed=9, **kw)
    again = imp.fit(mediation, seed=9, **kw)
    pd.testing.assert_frame_equal(res.table, again.table)
    seeds = res.diagnostics["analysis_seeds"]
    singles = [mediation(d, seed=s, **kw) for d, s in zip(imp.datasets, seeds)]
    tab = res.table
    assert list(tab.term) == list(singles[0].table.term)
    ratio = tab.scale == "rate_ratio"
    est = np.stack([s.diagnostics["estimates"] for s in singles])
    est[:, ratio] = np.log(est[:, ratio])
    np.testing.assert_allclose(tab.coef, est.mean(axis=0), rtol=1e-10)
    np.testing.assert_allclose(tab.estimate[ratio], np.exp(est.mean(axis=0)[ratio]), rtol=1e-10)
    prop = tab.term == "proportion_mediated"
    shown = tab[~prop]
    assert (shown.ci_low < shown.estimate).all() and (shown.estimate < shown.ci_high).all()
    assert (shown.ci_low_pooled < shown.ci_high_pooled).all()
    assert tab.p_value[prop].isna().all()
    # a total effect whose interval holds 0 leaves no share to report: blanked, said why
    assert tab.estimate[prop].isna().all()
    assert tab.note[prop].iloc[0].startswith("not reported: the total effect's interval")
    assert "MI Boot" in res.text and res.diagnostics["n_boot"] == [200] * 4


def test_text_ordered_categories_dates_and_a_repeated_index():
    rng = np.random.default_rng(0)
    n = 60
    df = pd.DataFrame({
        "a": rng.normal(size=n),
        "s": pd.array(rng.choice(["x", "y", "z"], n), dtype="string"),
        "o": pd.Categorical(rng.choice(["lo", "mid", "hi"], n), categories=["lo", "mid", "hi"],
                            ordered=True),
        "d": pd.date_range("2024-01-01", periods=n),
        "b": rng.random(n) < 0.5,
        "i": rng.integers(0, 5, n),
    }, index=[0, 0, *range(n - 2)])
    df.iloc[5:9, 0] = np.nan
    df.iloc[3:8, 1] = pd.NA
    df.iloc[10:14, 2] = np.nan
    df.iloc[2, 3] = pd.NaT
    imp = multiple_imputation(df, m=3, seed=1)
    for d in imp.datasets:
        assert d.dtypes.equals(df.dtypes) and d.index.equals(df.index)
        assert d.drop(columns="d").isna().sum().sum() == 0 and d.d.isna().sum() == 1
        assert d.o.cat.ordered and set(d.s) <= {"x", "y", "z"}
    assert any("'d'" in n and "not imputed" in n for n in imp.notes)
    tab = imp.missing.set_index("column")
    assert tab.loc["s", "method"] == "polyreg" and tab.loc["d", "method"] == "not used"


def test_one_imputation_cannot_be_pooled(cohort):
    imp = multiple_imputation(cohort, m=1, seed=1, max_iter=2)
    assert len(imp.datasets) == 1
    with pytest.raises(InputError, match="m >= 2"):
        imp.fit(count_model, FORMULA)


def test_correlations_pool_on_fishers_z(completed):
    from glute_study.stats import partial_correlation

    res = [partial_correlation(d, x="sitting_h_day", y="glute_nm_kg", covariates=["age"])
           for d in completed]
    pooled = pool(res).table.iloc[0]
    # closed form (van Buuren 2018, 5.3): z = atanh(r), u = 1 / (n - 3 - 1), large-sample df
    z = np.arctanh([r.table.estimate.iloc[0] for r in res])
    u = 1 / (len(completed[0]) - 4)
    t = u + (1 + 1 / 5) * z.var(ddof=1)
    assert pooled.estimate == pytest.approx(np.tanh(z.mean()), rel=1e-12)
    assert pooled.se == pytest.approx(np.sqrt(t), rel=1e-12)
    lam = (1 + 1 / 5) * z.var(ddof=1) / t
    crit = scipy_stats.t.ppf(0.975, 4 / lam**2)
    assert pooled.ci_low == pytest.approx(np.tanh(z.mean() - crit * np.sqrt(t)), rel=1e-10)
