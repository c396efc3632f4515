"""The demo trial's time to first hamstring cramp on the exposure-hours scale, checked against
R survival 3.5-3 (tests/reference/survival/exposure_km_cox.R and its stored output).

The data are the shipped demo's randomised athletes (make_exposure_data.py): cumulative exposure
hours to the first cramp, with the athletes who had no exposure in follow-up marked
``left_out``. R drops those rows before ``survfit``; the package is given them and must leave
them out itself. Tolerance 1e-6 relative for every estimate, interval and test statistic; counts
are compared exactly. R is not needed: the values are read from exposure_km_cox.json.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from glute_study.errors import InputError
from glute_study.stats.survival import (
    cox_model,
    kaplan_meier,
    left_out_text,
    numbers_at_risk,
    risk_times,
)

REF = Path(__file__).resolve().parents[1] / "reference" / "survival"
RTOL = 1e-6


def _nan(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


@pytest.fixture(scope="module")
def ref() -> dict:
    return json.loads((REF / "exposure_km_cox.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(REF / "exposure_km_cox_data.csv", keep_default_na=False,
                       na_values=[""]).assign(
        left_out=lambda d: d["left_out"].fillna(""))


@pytest.fixture(scope="module")
def km(data):
    return kaplan_meier(data, time="time", event="event", group="arm", left_out="left_out",
                        scale="exposure")


def test_left_out_athletes_are_counted_not_analysed(data, km, ref):
    assert km.diagnostics["n"] == ref["n"] and km.diagnostics["events"] == ref["events"]
    assert km.diagnostics["left_out"] == {"no exposure in follow-up": 9}
    assert km.diagnostics["n_dropped"] == 0  # left out by rule, not dropped as missing
    sentence = ("9 athletes without any training or match exposure in follow-up were left out "
                "(4 in the control arm, 5 in the glute training arm).")
    assert km.text.endswith(sentence)
    assert left_out_text(data, group="arm") == sentence
    assert km.diagnostics["conf_type"] == ref["conf_type"] == "log"


def test_km_curve_matches_survfit(km, ref):
    curve = km.frame("curve")
    r = ref["curve"]  # summary(km, censored = TRUE)
    assert list(curve["group"]) == r["group"]
    assert_allclose(curve["time"], r["time"], rtol=RTOL)
    assert_allclose(curve["n_risk"], r["n_risk"], rtol=0)
    assert_allclose(curve["n_event"], r["n_event"], rtol=0)
    assert_allclose(curve["surv"], r["surv"], rtol=RTOL)
    assert_allclose(curve["ci_low"], _nan(r["lower"]), rtol=RTOL)
    assert_allclose(curve["ci_high"], _nan(r["upper"]), rtol=RTOL)


def test_numbers_at_risk_match_summary_at_times(km, ref):
    r = ref["at_risk"]  # summary(km, times = ..., extend = TRUE)
    risk = numbers_at_risk(km, ref["times"])
    assert list(risk.columns) == ["group", "cumulative_exposure_h", "n_risk", "events",
                                  "censored", "surv", "ci_low", "ci_high"]
    assert list(risk["group"]) == r["group"]
    assert_allclose(risk["cumulative_exposure_h"], r["time"], rtol=0)
    assert_allclose(risk["n_risk"], r["n_risk"], rtol=0)
    # R counts events and censorings in each interval between the times; the table so far
    r_events = pd.Series(r["n_event"]).groupby(pd.Series(r["group"])).cumsum()
    r_censor = pd.Series(r["n_censor"]).groupby(pd.Series(r["group"])).cumsum()
    assert_allclose(risk["events"], r_events, rtol=0)
    assert_allclose(risk["censored"], r_censor, rtol=0)
    assert_allclose(risk["surv"], r["surv"], rtol=RTOL)
    assert_allclose(risk["ci_low"], r["lower"], rtol=RTOL)
    assert_allclose(risk["ci_high"], r["upper"], rtol=RTOL)


def test_default_times_are_the_round_ticks(km, ref):
    assert_allclose(risk_times(float(km.frame("curve")["time"].max())), ref["times"])
    assert_allclose(numbers_at_risk(km)["cumulative_exposure_h"].unique(), ref["times"])


def test_medians_and_logrank_match_r(km, ref):
    tab = km.table.set_index("term")
    med = ref["medians"]
    for i, group in enumerate(med["group"]):
        assert tab.loc[group, "n"] == med["n"][i]
        assert tab.loc[group, "events"] == med["events"][i]
        assert_allclose(tab.loc[group, ["estimate", "ci_low", "ci_high"]].astype(float),
                        _nan([med["median"][i], med["lower"][i], med["upper"][i]]), rtol=RTOL)
    assert_allclose(tab.loc["log_rank", "statistic"], ref["logrank"]["chisq"], rtol=RTOL)
    assert_allclose(tab.loc["log_rank", "p_value"], ref["logrank"]["p"], rtol=RTOL)
    assert_allclose(list(km.diagnostics["expected"].values()), ref["logrank"]["expected"],
                    rtol=RTOL)
    assert "185.8 h (95 % CI 149.9 h to not reached" in km.text
    assert "NA" not in km.text and "nan" not in km.text


def test_cox_with_the_plans_trial_covariates_matches_coxph(data, ref):
    cox = cox_model(data, "C(arm) + prior_cramps", time="time", event="event",
                    left_out="left_out")
    r = ref["cox"]
    assert list(cox.table["term"]) == ["C(arm)[T.glute_training]", "prior_cramps"]
    assert_allclose(cox.table["coef"], r["coef"], rtol=RTOL)
    assert_allclose(cox.table["estimate"], r["hr"], rtol=RTOL)
    assert_allclose(cox.table["se"], r["se"], rtol=RTOL)
    assert_allclose(cox.table["z"], r["z"], rtol=RTOL)
    assert_allclose(cox.table["p_value"], r["p"], rtol=RTOL)
    assert_allclose(cox.table["ci_low"], r["lower"], rtol=RTOL)
    assert_allclose(cox.table["ci_high"], r["upper"], rtol=RTOL)
    assert_allclose(cox.diagnostics["log_likelihood"], ref["cox_loglik"], rtol=RTOL)
    ph = cox.diagnostics["ph_test"]
    assert list(ph["term"]) == ["C(arm)", "prior_cramps", "GLOBAL"]
    assert_allclose(ph["chisq"], ref["zph"]["chisq"], rtol=RTOL)
    assert_allclose(ph["p_value"], ref["zph"]["p"], rtol=RTOL)
    assert cox.diagnostics["n"] == ref["n"] and cox.diagnostics["left_out"] == {
        "no exposure in follow-up": 9}
    assert cox.text.startswith("Cox proportional-hazards model (391 participants, 152 events")
    assert "Glute training vs control: HR 0.91" in cox.text
    assert cox.text.endswith("9 athletes without any training or match exposure in follow-up "
                             "were left out.")


def test_left_out_rows_without_the_rule_are_dropped_with_a_warning(data):
    from glute_study.errors import GluteStudyWarning

    with pytest.warns(GluteStudyWarning, match="kaplan_meier: dropped 9 of 400"):
        km = kaplan_meier(data, time="time", event="event", group="arm")
    assert km.diagnostics["left_out"] == {} and km.diagnostics["n"] == 391


def test_left_out_text_names_each_reason_and_every_group():
    data = pd.DataFrame({"arm": ["control", "control", "glute_training", "glute_training"],
                         "left_out": ["no follow-up dates", "no exposure in follow-up",
                                      "no exposure in follow-up", None]})
    # in the order of measures.LEFT_OUT_REASONS: no window first, then no exposure in it
    assert left_out_text(data, group="arm") == (
        "1 athlete without follow-up dates (1 in the control arm, 0 in the glute training arm) "
        "and 2 athletes "
        "without any training or match exposure in follow-up (1 in the control arm, 1 in the "
        "glute training arm) were left out.")
    assert left_out_text(data) == ("1 athlete without follow-up dates and 2 athletes without "
                                   "any training or match exposure in follow-up were left out.")
    assert left_out_text(data.assign(left_out=["", "", "withdrew", ""])) == (
        "1 athlete marked 'withdrew' was left out.")


def test_numbers_at_risk_refuses_bad_input(km):
    with pytest.raises(InputError, match="numbers_at_risk needs the result of kaplan_meier"):
        numbers_at_risk(km.table)
    with pytest.raises(InputError, match="`times` must be one or more finite numbers >= 0"):
        numbers_at_risk(km, [-1, 10])
    with pytest.raises(InputError, match="`times` must be numbers"):
        numbers_at_risk(km, ["soon"])


def test_kaplan_meier_refuses_an_unknown_scale(data):
    with pytest.raises(InputError, match="`scale` must be one of"):
        kaplan_meier(data, time="time", event="event", left_out="left_out", scale="weeks")
