"""The confidence level: one check, and every analysis carries the level it used."""

from __future__ import annotations

import inspect
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glute_study import stats as gs
from glute_study._checks import check_level
from glute_study.errors import InputError


@pytest.mark.parametrize("level", [0.5, 0.9, 0.95, 0.999, np.float32(0.9)])
def test_check_level_returns_a_float(level):
    assert check_level(level) == pytest.approx(float(level))
    assert isinstance(check_level(level), float)


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1, 95, float("nan"), True, "0.95", None])
def test_check_level_refuses_what_is_not_a_level(level):
    with pytest.raises(InputError, match="`level` must be between 0 and 1; got"):
        check_level(level)


def test_check_level_says_how_to_write_a_percentage():
    with pytest.raises(InputError, match=r"Write 0\.95"):
        check_level(95)


# --------------------------------------------------------------- every analysis carries its level
REF = Path(__file__).resolve().parents[1] / "reference"


def _csv(path: str) -> pd.DataFrame:
    return pd.read_csv(REF / path)


#: Each analysis with intervals, called on reference data at a given level.
ANALYSES = {
    "partial_correlation": lambda lv: gs.partial_correlation(
        _csv("associations/data.csv"), x="sitting_h_day", y="glute_nm_kg", level=lv),
    "sitting_strength": lambda lv: gs.sitting_strength(_csv("associations/data.csv"), level=lv),
    "dose_response": lambda lv: gs.dose_response(_csv("associations/data.csv"), level=lv),
    "count_model": lambda lv: gs.count_model(
        _csv("counts/counts_data.csv"), "cramps ~ sitting_h_day", level=lv),
    "incidence": lambda lv: gs.incidence(
        _csv("incidence/incidence_data.csv"), events="cramps", exposure="exposure_h", group="arm",
        level=lv),
    "rate_ratio": lambda lv: gs.rate_ratio(
        _csv("incidence/incidence_data.csv"), events="cramps", exposure="exposure_h",
        group="arm", level=lv),
    "logistic_model": lambda lv: gs.logistic_model(
        _csv("logistic/logistic_data.csv"), "any_cramp ~ sitting_h_day", level=lv),
    "mediation": lambda lv: gs.mediation(
        _csv("mediation/cohort.csv"), x="sitting_h_day", m="glute_nm_kg", y="cramps",
        exposure="exposure_h", n_boot=100, ci="percentile", seed=1, executor="serial",
        level=lv),
    "reliability": lambda lv: gs.reliability(
        _csv("reliability/icc_three_sessions.csv"), level=lv),
    "bland_altman": lambda lv: gs.bland_altman(
        _csv("reliability/bland_altman.csv"), x="hhd_nm", y="isokinetic_nm", level=lv),
    "gee_counts": lambda lv: gs.gee_counts(
        _csv("repeated/sessions.csv"), "cramps ~ sitting_h_day", order="session_no", level=lv),
    "mixed_model": lambda lv: gs.mixed_model(
        _csv("repeated/strength_sessions.csv"), "glute_nm_kg ~ session", level=lv),
    "kaplan_meier": lambda lv: gs.kaplan_meier(
        _csv("survival/data.csv"), time="time", event="event", group="group", level=lv),
    "cox_model": lambda lv: gs.cox_model(
        _csv("survival/data.csv"), "sitting_h_day", time="time", event="event", level=lv),
    "trial_effect": lambda lv: gs.trial_effect(
        _csv("trial/ancova.csv"), outcome="glute_nm_kg_post", baseline="glute_nm_kg", level=lv),
    "trial_rate_effect": lambda lv: gs.trial_rate_effect(
        _csv("trial/rates.csv"), events="cramps", exposure="exposure_h", level=lv),
    "pre_post_anova": lambda lv: gs.pre_post_anova(_csv("trial/prepost.csv"), level=lv),
    "power": lambda lv: gs.power("trial", n=(60,), reps=100, seed=1, executor="serial",
                                 level=lv),
}


def _run(name, level):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small reference sets: fit warnings are not the point
        return ANALYSES[name](level)


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_level_is_keyword_only_with_default_095(name):
    param = inspect.signature(getattr(gs, name)).parameters["level"]
    assert param.kind is inspect.Parameter.KEYWORD_ONLY
    assert param.default == 0.95


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_result_carries_its_level_and_narrower_intervals(name):
    wide, narrow = _run(name, 0.95), _run(name, 0.9)
    assert wide.level == 0.95 and narrow.level == 0.9
    assert wide.kind == name
    both = wide.table[["estimate", "ci_low", "ci_high"]].join(
        narrow.table[["ci_low", "ci_high"]], rsuffix="_90")
    rows = both.dropna()
    rows = rows[rows.ci_high > rows.ci_low]
    assert len(rows), "no interval to compare"
    assert (rows.ci_low_90 >= rows.ci_low - 1e-12).all()
    assert (rows.ci_high_90 <= rows.ci_high + 1e-12).all()
    assert ((rows.ci_low_90 > rows.ci_low) | (rows.ci_high_90 < rows.ci_high)).any()
    if "95 % CI" in wide.text:
        assert "90 % CI" in narrow.text and "95 % CI" not in narrow.text


@pytest.mark.parametrize("name", sorted(ANALYSES))
@pytest.mark.parametrize("level", [95, 0.0, 1.0])
def test_every_analysis_refuses_a_bad_level(name, level):
    with pytest.raises(InputError, match="`level` must be between 0 and 1"):
        ANALYSES[name](level)
