"""The shared pieces of the fitting core: one level check, one way of dropping incomplete rows."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from glute_study.errors import FitWarning, GluteStudyWarning, InputError
from glute_study.stats import counts, logistic
from glute_study.stats.incidence import incidence, rate_ratio
from glute_study.stats.reliability import reliability


def _cohort(n: int = 120, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "participant_id": [f"P{i:03d}" for i in range(n)],
        "sitting_h_day": rng.normal(9, 1.5, n),
        "age": rng.normal(25, 4, n),
        "exposure_h": rng.uniform(60, 200, n),
        "sex": rng.choice(["female", "male"], n),
    })
    mu = df.exposure_h / 1000 * np.exp(2.0 + 0.1 * (df.sitting_h_day - 9))
    df["cramps"] = rng.negative_binomial(1.5, 1.5 / (1.5 + mu))
    df["any_cramp"] = (df["cramps"] > 0).astype(int)
    return df


def _sessions(n: int = 20, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    true = rng.normal(2.5, 0.4, n)
    rows = [{"participant_id": f"P{i:02d}", "session": s, "value": true[i] + rng.normal(0, 0.1)}
            for i in range(n) for s in (1, 2)]
    return pd.DataFrame(rows)


def _count_model(level):
    return counts.count_model(_cohort(), "cramps ~ sitting_h_day", level=level)


def _predict_rates(level):
    fit = counts.count_model(_cohort(), "cramps ~ sitting_h_day")
    return counts.predict_rates(fit, {"sitting_h_day": [8.0]}, level=level)


LEVELLED = {
    "count_model": _count_model,
    "predict_rates": _predict_rates,
    "incidence": lambda level: incidence(
        _cohort(), events="cramps", exposure="exposure_h", level=level),
    "rate_ratio": lambda level: rate_ratio(
        _cohort(), events="cramps", exposure="exposure_h", group="sex", level=level),
    "logistic_model": lambda level: logistic.logistic_model(
        _cohort(), "any_cramp ~ sitting_h_day", level=level),
    "reliability": lambda level: reliability(_sessions(), level=level),
}


@pytest.mark.parametrize("name", sorted(LEVELLED))
@pytest.mark.parametrize("bad", [95, 1.0, float("nan")])
def test_every_analysis_checks_its_level_with_the_one_message(name, bad):
    with pytest.raises(InputError, match=rf"`level` must be between 0 and 1; got {bad!r}"):
        LEVELLED[name](bad)


@pytest.mark.parametrize("name", sorted(LEVELLED))
def test_every_analysis_takes_a_level_of_0_9(name):
    assert LEVELLED[name](0.9).table.shape[0] >= 1


# ------------------------------------------------------------------ dropping incomplete rows
def _study_rows(n: int = 160, seed: int = 5) -> pd.DataFrame:
    """One row per participant with every column the participant-level analyses use."""
    rng = np.random.default_rng(seed)
    df = _cohort(n, seed)
    df["glute_nm_kg"] = 2.5 - 0.1 * (df.sitting_h_day - 9) + rng.normal(0, 0.4, n)
    df["arm"] = np.where(np.arange(n) % 2 == 0, "control", "glute_training")
    df["glute_nm_kg_post"] = df.glute_nm_kg + 0.3 * (df.arm == "glute_training") \
        + rng.normal(0, 0.2, n)
    df["time"] = rng.exponential(100, n).round(1) + 1
    df["event"] = (rng.random(n) < 0.6).astype(int)
    return df


def _session_rows(n: int = 40, k: int = 4, seed: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    ids = np.repeat([f"P{i:02d}" for i in range(n)], k)
    sitting = np.repeat(rng.normal(9, 1.5, n), k) + rng.normal(0, 0.5, n * k)
    hours = rng.uniform(1, 3, n * k)
    mu = hours * np.exp(-1 + 0.1 * (sitting - 9))
    return pd.DataFrame({"participant_id": ids, "session_no": np.tile(np.arange(k), n),
                         "sitting_h_day": sitting, "exposure_h": hours,
                         "cramps": rng.poisson(mu),
                         "glute_nm_kg": 2.5 - 0.05 * sitting + rng.normal(0, 0.2, n * k)})


def _long_pre_post(n: int = 30, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    pre = rng.normal(2.5, 0.4, n)
    arm = np.where(np.arange(n) % 2 == 0, "control", "glute_training")
    post = pre + 0.3 * (arm == "glute_training") + rng.normal(0, 0.2, n)
    return pd.DataFrame({"participant_id": np.tile(np.arange(n), 2), "arm": np.tile(arm, 2),
                         "time": np.repeat(["pre", "post"], n),
                         "value": np.concatenate([pre, post])})


def _blank(df: pd.DataFrame, column: str, rows) -> pd.DataFrame:
    df = df.copy()
    df.loc[df.index[list(rows)], column] = np.nan
    return df


def _mediation(df):
    from glute_study.stats.mediation import mediation

    return mediation(df, x="sitting_h_day", m="glute_nm_kg", y="cramps", covariates=["age"],
                     exposure="exposure_h", n_boot=100, ci="percentile", seed=1,
                     executor="serial")


def _gee(df):
    from glute_study.stats.repeated import gee_counts

    return gee_counts(df, "cramps ~ sitting_h_day")


def _mixed(df):
    from glute_study.stats.repeated import mixed_model

    return mixed_model(df, "glute_nm_kg ~ sitting_h_day")


def _km(df):
    from glute_study.stats.survival import kaplan_meier

    return kaplan_meier(df, time="time", event="event", group="arm")


def _cox(df):
    from glute_study.stats.survival import cox_model

    return cox_model(df, "sitting_h_day + age", time="time", event="event")


def _trial_effect(df):
    from glute_study.stats.trial import trial_effect

    return trial_effect(df, outcome="glute_nm_kg_post", baseline="glute_nm_kg")


def _trial_rate(df):
    from glute_study.stats.trial import trial_rate_effect

    return trial_rate_effect(df, events="cramps", exposure="exposure_h")


def _pre_post(df):
    from glute_study.stats.trial import pre_post_anova

    return pre_post_anova(df)


def _partial(df):
    from glute_study.stats.associations import partial_correlation

    return partial_correlation(df, x="sitting_h_day", y="glute_nm_kg", covariates=["age"])


def _dose(df):
    from glute_study.stats.associations import dose_response

    return dose_response(df, x="sitting_h_day", events="cramps", exposure="exposure_h")


def _bland_altman(df):
    from glute_study.stats.reliability import bland_altman

    return bland_altman(df, x="glute_nm_kg", y="glute_nm_kg_post")


#: analysis -> (make data, column to blank, how it is called, what a dropped unit is); the
#: missing count is per column blanked, or per session for the analyses of wide data
WIDE = {"reliability": {"1": 1, "2": 2}, "pre_post_anova": {"pre": 3}}
DROPPING = {
    "count_model": (_study_rows, "age", lambda d: counts.count_model(
        d, "cramps ~ sitting_h_day + age"), "rows"),
    "compare_count_models": (_study_rows, "age", lambda d: counts.compare_count_models(
        d, "cramps ~ sitting_h_day + age", zero_formula="1"), "rows"),
    "logistic_model": (_study_rows, "age", lambda d: logistic.logistic_model(
        d, "any_cramp ~ sitting_h_day + age"), "rows"),
    "incidence": (_study_rows, "exposure_h", lambda d: incidence(
        d, events="cramps", exposure="exposure_h"), "rows"),
    "rate_ratio": (_study_rows, "cramps", lambda d: rate_ratio(
        d, events="cramps", exposure="exposure_h", group="arm"), "rows"),
    "mediation": (_study_rows, "glute_nm_kg", _mediation, "rows"),
    "kaplan_meier": (_study_rows, "time", _km, "rows"),
    "cox_model": (_study_rows, "age", _cox, "rows"),
    "trial_effect": (_study_rows, "glute_nm_kg_post", _trial_effect, "rows"),
    "trial_rate_effect": (_study_rows, "cramps", _trial_rate, "rows"),
    "partial_correlation": (_study_rows, "glute_nm_kg", _partial, "rows"),
    "dose_response": (_study_rows, "sitting_h_day", _dose, "rows"),
    "bland_altman": (_study_rows, "glute_nm_kg_post", _bland_altman, "pairs"),
    "gee_counts": (_session_rows, "sitting_h_day", _gee, "rows"),
    "mixed_model": (_session_rows, "glute_nm_kg", _mixed, "rows"),
    "reliability": (_sessions, "value", lambda d: reliability(d), "subjects"),
    "pre_post_anova": (_long_pre_post, "value", _pre_post, "participants"),
}

_OLD_KEYS = ("n_excluded", "dropped", "dropped_subjects", "dropped_pairs")


@pytest.mark.parametrize("name", sorted(DROPPING))
def test_every_analysis_drops_incomplete_rows_with_one_warning_and_one_key(name, recwarn):
    make, column, run, unit = DROPPING[name]
    data = _blank(make(), column, [1, 4, 7])  # three units lose a value
    by = WIDE.get(name, {column: 3})
    detail = ", ".join(f"{c}: {v}" for c, v in by.items())
    with pytest.warns(GluteStudyWarning, match=rf"^{name}: dropped 3 of \d+ {unit} with a "
                      rf"missing value \({detail}\)") as record:
        res = run(data)
    drops = [w for w in record if ": dropped " in str(w.message)]
    assert len(drops) == 1, [str(w.message) for w in drops]
    assert res.diagnostics["n_dropped"] == 3
    assert res.diagnostics["dropped_by"] == by
    assert not set(_OLD_KEYS) & set(res.diagnostics)


@pytest.mark.parametrize("name", sorted(DROPPING))
def test_complete_data_drops_nothing_and_says_so(name):
    make, _, run, _ = DROPPING[name]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # fit warnings of small data are not the point here
        warnings.filterwarnings("error", message=".*: dropped ", category=GluteStudyWarning)
        res = run(make())
    assert res.diagnostics["n_dropped"] == 0
    assert res.diagnostics["dropped_by"] == {}


# ------------------------------------------------------------------ one negative-binomial fitter
def _poisson_like(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(9, 1.5, 300)
    hours = rng.uniform(60, 200, 300)
    return pd.DataFrame({"sitting_h_day": x, "exposure_h": hours,
                         "hamstring_cramps": rng.poisson(hours / 1000 * np.exp(1.5 + 0.1 * x))})


def test_count_model_and_dose_response_fit_the_same_negative_binomial():
    from glute_study.stats._negbin import THETA_MAX
    from glute_study.stats.associations import dose_response

    ref = pd.read_csv("tests/reference/associations/data.csv").dropna(
        subset=["sitting_h_day", "hamstring_cramps", "exposure_h"])
    count = counts.count_model(ref, "hamstring_cramps ~ sitting_h_day")
    dose = dose_response(ref)
    lin = dose.model.linear
    np.testing.assert_allclose(count.table["coef"], lin.params, rtol=1e-9)
    np.testing.assert_allclose(count.table["se"], lin.bse, rtol=1e-9)
    assert count.diagnostics["theta"] == pytest.approx(dose.diagnostics["theta_linear"],
                                                       rel=1e-9)
    # without over-dispersion both stop theta at the same bound (dose_response stopped at 1e6)
    flat = _poisson_like()
    with pytest.warns(FitWarning, match="boundary"):
        count = counts.count_model(flat, "hamstring_cramps ~ sitting_h_day")
    with pytest.warns(FitWarning, match="boundary"):
        dose = dose_response(flat)
    assert count.diagnostics["theta"] == dose.diagnostics["theta_linear"] == THETA_MAX


def test_single_fitter_and_batched_kernel_reach_the_same_maximum():
    from glute_study.stats._kernels import fit_batch
    from glute_study.stats._negbin import fit_negbin

    df = _cohort(400, seed=11)
    X = np.column_stack([np.ones(len(df)), df["sitting_h_day"], df["age"]])
    y, off = df["cramps"].to_numpy(float), np.log(df["exposure_h"].to_numpy())
    one = fit_negbin(y, X, off)
    batch = fit_batch(X, y, family="negbin", offset=off)
    np.testing.assert_allclose(one.params, batch.coef[0], rtol=1e-6)
    assert one.theta == pytest.approx(batch.theta[0], rel=1e-6)
    np.testing.assert_allclose(one.cov, batch.cov[0], rtol=1e-5)
