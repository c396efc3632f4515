"""Recurrent-event Cox models: checked against R survival 3.5-3 coxph.

The R calls are in tests/reference/recurrent/recurrent.R (output recurrent.Rout):
``coxph(Surv(start, stop, event) ~ ... + cluster(cl))`` for Andersen-Gill,
``+ strata(enum) + cluster(cl)`` for PWP (total time; gap time on ``Surv(gstart, gstop, event)``)
and ``+ frailty(cl, distribution = "gamma")`` for the shared frailty, each with Efron and
Breslow ties, on survival's ``bladder2``, on ``sim.csv`` (make_recurrent_data.py: weekly,
time-varying sitting, whole days so events tie) and on ``sim_late.csv`` (the same with half the
athletes entering on day 14 and a gap in everyone's follow-up over days 35-42).

Tolerances (absolute): coefficients 1e-6, robust and naive SEs 1e-5, log-likelihoods 1e-6;
frailty coefficients, their SEs and theta 1e-4 (R stops its inner Newton loop at a relative
log-likelihood change of 1e-9, which leaves its coefficients a few 1e-6 from the maximum).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from glute_study.errors import FitWarning, GluteStudyWarning, InputError
from glute_study.stats import cox_model, recurrent_events
from glute_study.stats.recurrent import _brent, _gammacon

REF = Path(__file__).resolve().parents[1] / "reference" / "recurrent"
CASES = {"bladder2": ("id", "rx + number + size"),
         "sim": ("participant_id", "sitting_h_day + arm"),
         "sim_late": ("participant_id", "sitting_h_day + arm")}


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return {name: pd.read_csv(REF / f"{name}.csv") for name in CASES}


def _fit(frames, name, **kw):
    id_, rhs = CASES[name]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return recurrent_events(frames[name], rhs, start="start", stop="stop", event="event",
                                id=id_, **kw)


# ---------------------------------------------------------------- against R coxph


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("model", ["andersen_gill", "pwp_total", "pwp_gap"])
@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_matches_coxph(frames, name, model, ties):
    res = _fit(frames, name, model=model, ties=ties)
    ref = pd.read_csv(REF / "recurrent_coxph.csv")
    ref = ref[(ref.dataset == name) & (ref.model == model) & (ref.ties == ties)]
    t = res.table
    assert list(t["term"]) == list(ref["term"])
    assert_allclose(t["coef"], ref["coef"], rtol=0, atol=1e-6)
    assert_allclose(t["se"], ref["robust_se"], rtol=0, atol=1e-5)          # sqrt(diag(f$var))
    assert_allclose(t["se_naive"], ref["se"], rtol=0, atol=1e-5)     # sqrt(diag(f$naive.var))
    assert_allclose(t["estimate"], np.exp(ref["coef"]), rtol=1e-6)
    assert res.diagnostics["log_likelihood"] == pytest.approx(ref["loglik"].iloc[0], abs=1e-6)
    assert res.diagnostics["log_likelihood_null"] == pytest.approx(ref["loglik0"].iloc[0],
                                                                   abs=1e-6)
    assert res.diagnostics["converged"]


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_gamma_frailty_matches_coxph(frames, name, ties):
    res = _fit(frames, name, ties=ties, frailty="gamma")
    ref = pd.read_csv(REF / "frailty_coxph.csv")
    ref = ref[(ref.dataset == name) & (ref.ties == ties)]
    hist = pd.read_csv(REF / "frailty_history.csv")
    hist = hist[(hist.dataset == name) & (hist.ties == ties)]
    assert_allclose(res.table["coef"], ref["coef"], rtol=0, atol=1e-4)
    assert_allclose(res.table["se"], ref["se"], rtol=0, atol=1e-4)   # R's se(coef)
    assert res.diagnostics["theta"] == pytest.approx(ref["theta"].iloc[0], abs=1e-4)
    mine = res.diagnostics["theta_history"]
    # the same trial values of theta, and the same marginal (I-)likelihoods, step by step
    assert len(mine) == len(hist)
    assert_allclose(mine["theta"], hist["theta"], rtol=0, atol=1e-4)
    assert_allclose(mine["marginal_loglik"], hist["c_loglik"], rtol=0, atol=1e-4)
    assert_allclose(mine["penalised_loglik"], hist["loglik"], rtol=0, atol=1e-4)
    assert "frailty" in res.text and "model-based" in res.text


def test_gammacon_matches_r():
    # survival:::frailty.gammacon(c(0, 1, 3, 2, 1), 1/0.7) = -1.65271414464055 (3.5-3)
    assert _gammacon(np.array([0, 1, 3, 2, 1]), 1 / 0.7) == pytest.approx(-1.65271414464055,
                                                                          abs=1e-12)


def test_brent_follows_r():
    # survival:::frailty.brent(sqrt(c(0, 1, 2)), c(-10, -5, -6), lower = 0)
    # = 0.976858924576365 (the vertex of the parabola through the three points)
    x, y = np.sqrt([0.0, 1.0, 2.0]), np.array([-10.0, -5.0, -6.0])
    assert _brent(x, y) == pytest.approx(0.976858924576365, abs=1e-12)
    # survival:::frailty.brent(c(0, 1, 2), c(-3, -2, -1), lower = 0) = 5 (the best is the
    # largest: step out)
    assert _brent(np.array([0.0, 1.0, 2.0]), np.array([-3.0, -2.0, -1.0])) == pytest.approx(5.0)


# ---------------------------------------------------------------- derived columns


def test_event_number_is_derived_as_bladder2s_enum(frames):
    res = _fit(frames, "bladder2", model="pwp_total")
    ref = frames["bladder2"]
    assert res.diagnostics["events_per_stratum"] == {
        int(k): int(v) for k, v in ref.groupby("enum")["event"].sum().items() if v > 0}
    assert res.diagnostics["n_athletes"] == ref["id"].nunique() == 85
    assert res.diagnostics["n_intervals"] == 178
    assert res.diagnostics["n_events"] == 112
    assert res.diagnostics["n_strata"] == 4


def test_row_order_does_not_matter(frames):
    shuffled = frames["sim"].sample(frac=1.0, random_state=3)
    a = _fit(frames, "sim", model="pwp_gap")
    b = _fit({"sim": shuffled}, "sim", model="pwp_gap")
    assert_allclose(a.table["coef"], b.table["coef"], rtol=0, atol=1e-12)
    assert_allclose(a.table["se"], b.table["se"], rtol=0, atol=1e-12)


def test_gap_time_restarts_at_each_event():
    # one athlete with events at 4 and 10: gap intervals (0, 4], (0, 6], (0, 3]; split
    # intervals between events keep counting from the last event
    d = pd.DataFrame({"participant_id": ["a"] * 4 + ["b"] * 2,
                      "start": [0, 4, 7, 10, 0, 5], "stop": [4, 7, 10, 13, 5, 9],
                      "event": [1, 0, 1, 0, 1, 0], "x": [1.0, 0.0, 2.0, 1.0, 0.5, 0.2]})
    from glute_study.stats.recurrent import _check_intervals

    out = _check_intervals(d, start="start", stop="stop", event="event", id="participant_id")
    assert out["_enum"].tolist() == [1, 2, 2, 3, 1, 2]
    assert out["_gstart"].tolist() == [0, 0, 3, 0, 0, 0]
    assert out["_gstop"].tolist() == [4, 3, 6, 3, 5, 4]


def test_one_interval_per_athlete_is_the_cox_model():
    rng = np.random.default_rng(11)
    n = 120
    d = pd.DataFrame({"participant_id": [f"p{i}" for i in range(n)],
                      "start": 0.0, "stop": np.round(rng.exponential(20, n), 0) + 1,
                      "event": (rng.uniform(size=n) < 0.7).astype(int),
                      "sitting_h_day": rng.normal(9, 1.5, n)})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)
        ours = recurrent_events(d, "sitting_h_day", start="start", stop="stop", event="event")
        cox = cox_model(d, ["sitting_h_day"], time="stop", event="event")
    assert ours.table["coef"].iloc[0] == pytest.approx(cox.table["coef"].iloc[0], abs=1e-8)
    assert ours.table["se_naive"].iloc[0] == pytest.approx(cox.table["se"].iloc[0], abs=1e-8)


def test_breslow_equals_efron_without_ties(frames):
    d = frames["sim"].copy()
    rng = np.random.default_rng(5)
    d["stop"] = d["stop"] + rng.uniform(-0.4, 0.0, len(d)) * d["event"]   # break the ties
    a = recurrent_events(d, "sitting_h_day + arm", start="start", stop="stop", event="event")
    b = recurrent_events(d, "sitting_h_day + arm", start="start", stop="stop", event="event",
                         ties="breslow")
    assert_allclose(a.table["coef"], b.table["coef"], rtol=0, atol=1e-12)


# ---------------------------------------------------------------- result


def test_result_shape_text_and_level(frames):
    res = _fit(frames, "sim", level=0.9)
    assert list(res.table.columns[:5]) == ["term", "estimate", "ci_low", "ci_high", "p_value"]
    assert {"coef", "se", "se_naive", "z"} <= set(res.table.columns)
    assert res.level == 0.9
    assert "90 % CI" in res.text and "nan" not in res.text
    assert "Each additional hour of daily sitting" in res.text
    assert "sitting_h_day" not in res.text
    assert "Andersen-Gill" in res.text and "150 athletes" in res.text
    z = 1.6448536269514722
    t = res.table
    assert_allclose(t["ci_low"], np.exp(t["coef"] - z * t["se"]), rtol=1e-12)
    assert "baseline hazard" in res.diagnostics["assumes"]


def test_missing_values_are_dropped_with_a_warning(frames):
    d = frames["sim"].copy()
    d.loc[[3, 10], "sitting_h_day"] = np.nan
    with pytest.warns(GluteStudyWarning, match="recurrent_events: dropped 2 of"):
        res = recurrent_events(d, "sitting_h_day + arm", start="start", stop="stop",
                               event="event")
    assert res.diagnostics["n_dropped"] == 2
    assert res.diagnostics["n_intervals"] == len(d) - 2


# ---------------------------------------------------------------- bad input


def _small():
    return pd.DataFrame({"participant_id": ["a", "a", "b", "b", "c"],
                         "start": [0, 5, 0, 4, 0], "stop": [5, 9, 4, 8, 6],
                         "event": [1, 0, 1, 0, 0], "x": [1.0, 2.0, 0.5, 0.1, 1.5]})


@pytest.mark.parametrize(("change", "match"), [
    (lambda d: d.assign(stop=[5, 5, 4, 8, 6]), r"end after it starts.*rows 1"),
    (lambda d: d.assign(start=[-1, 5, 0, 4, 0]), r"0 or more.*rows 0"),
    (lambda d: d.assign(start=[0, 3, 0, 4, 0]), r"overlap: rows 0 and 1 \(participant_id a\)"),
    (lambda d: d.assign(event=[1, 2, 1, 0, 0]), r"must be 0 \(no event\) or 1.*\[2\.0\]"),
    (lambda d: d.assign(event=0), "no events"),
    (lambda d: d.assign(stop=["5", "x", "4", "8", "6"]), r"must hold numbers; rows 1"),
])
def test_bad_intervals_are_refused(change, match):
    with pytest.raises(InputError, match=match):
        recurrent_events(change(_small()), "x", start="start", stop="stop", event="event")


def test_bad_options_are_refused():
    d = _small()
    with pytest.raises(InputError, match="`model` must be one of"):
        recurrent_events(d, "x", start="start", stop="stop", event="event", model="pwp")
    with pytest.raises(InputError, match="`ties` must be one of"):
        recurrent_events(d, "x", start="start", stop="stop", event="event", ties="exact")
    with pytest.raises(InputError, match="`frailty` must be one of"):
        recurrent_events(d, "x", start="start", stop="stop", event="event", frailty="normal")
    with pytest.raises(InputError, match="no column 'athlete'"):
        recurrent_events(d, "x", start="start", stop="stop", event="event", id="athlete")
    with pytest.raises(InputError, match="collinear or constant"):
        recurrent_events(d.assign(k=1.0), "x + k", start="start", stop="stop", event="event")


def test_few_events_warn():
    with pytest.warns(FitWarning, match="events for 1 coefficients"):
        recurrent_events(_small(), "x", start="start", stop="stop", event="event")


def test_a_group_without_events_is_flagged_infinite(frames):
    d = frames["sim"].copy()
    d["g"] = np.where(d["participant_id"] < "A020", "none", "some")
    d.loc[d["g"] == "none", "event"] = 0
    with pytest.warns(FitWarning, match="converged before C\\(g\\)"):
        res = recurrent_events(d, "sitting_h_day + C(g)", start="start", stop="stop",
                               event="event")
    assert res.diagnostics["infinite_terms"] == ["C(g)[T.some]"]


def test_text_factor_and_delayed_entry_match_the_same_fit_on_codes(frames):
    # an athlete entering late (start > 0) and a text factor coded as in R
    d = frames["sim"].copy()
    d = d[~((d["participant_id"] == "A001") & (d["start"] < 14))]
    a = recurrent_events(d.assign(arm=d["arm"].map({0: "control", 1: "glute"})),
                         "sitting_h_day + C(arm)", start="start", stop="stop", event="event",
                         model="pwp_total")
    b = recurrent_events(d, "sitting_h_day + arm", start="start", stop="stop", event="event",
                         model="pwp_total")
    assert a.table["term"].tolist() == ["C(arm)[T.glute]", "sitting_h_day"]
    assert_allclose(a.table["coef"].to_numpy()[::-1], b.table["coef"], rtol=0, atol=1e-12)
    assert_allclose(a.table["se"].to_numpy()[::-1], b.table["se"], rtol=0, atol=1e-12)
