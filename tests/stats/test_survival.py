"""Time to first cramp: checked against R survival 3.5-3 (tests/reference/survival/survival.R).

Tolerance: 1e-5 relative (rtol=1e-5) for every estimate, standard error, interval and test
statistic, as the issue asks; counts are compared exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from glute_study.errors import FitWarning, GluteStudyWarning, InputError
from glute_study.stats.survival import cox_model, first_cramp_times, kaplan_meier

REF = Path(__file__).resolve().parents[1] / "reference" / "survival"
RTOL = 1e-5


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(REF / "data.csv")


# ---------------------------------------------------------------- Kaplan-Meier and log-rank


def test_km_curve_matches_survfit(data):
    res = kaplan_meier(data, time="time", event="event", group="group")
    ref = pd.read_csv(REF / "km_curve.csv")  # summary(survfit(...), censored = TRUE)
    mine = res.frame("curve")
    assert list(mine["group"]) == list(ref["group"])
    assert_allclose(mine["time"], ref["time"], rtol=RTOL)
    assert_allclose(mine["n_risk"], ref["n_risk"], rtol=0)
    assert_allclose(mine["n_event"], ref["n_event"], rtol=0)
    assert_allclose(mine["n_censor"], ref["n_censor"], rtol=0)
    assert_allclose(mine["surv"], ref["surv"], rtol=RTOL)
    assert_allclose(mine["std_err"], ref["std_err"], rtol=RTOL)
    assert_allclose(mine["ci_low"], ref["lower"], rtol=RTOL)
    assert_allclose(mine["ci_high"], ref["upper"], rtol=RTOL)


def test_km_ungrouped_curve_matches_survfit(data):
    res = kaplan_meier(data, time="time", event="event")
    ref = pd.read_csv(REF / "km_curve_all.csv")  # survfit(Surv(time, event) ~ 1)
    curve = res.frame("curve")
    assert_allclose(curve["surv"], ref["surv"], rtol=RTOL)
    assert_allclose(curve["ci_low"], ref["lower"], rtol=RTOL)
    assert_allclose(curve["ci_high"], ref["upper"], rtol=RTOL)
    assert list(res.table["term"]) == ["all"]
    assert "Log-rank" not in res.text


def test_km_medians_and_logrank_match_r(data):
    res = kaplan_meier(data, time="time", event="event", group="group")
    med = pd.read_csv(REF / "km_median.csv")  # summary(km)$table
    tab = res.table.set_index("term")
    for row in med.itertuples():
        assert tab.loc[row.group, "n"] == row.n
        assert tab.loc[row.group, "events"] == row.events
        assert tab.loc[row.group, "estimate"] == pytest.approx(row.median, rel=RTOL)
        assert tab.loc[row.group, "ci_low"] == pytest.approx(row.lcl, rel=RTOL)
        assert tab.loc[row.group, "ci_high"] == pytest.approx(row.ucl, rel=RTOL)
    lr = pd.read_csv(REF / "logrank.csv").iloc[0]  # survdiff(Surv(time, event) ~ group)
    assert tab.loc["log_rank", "statistic"] == pytest.approx(lr["chisq"], rel=RTOL)
    assert tab.loc["log_rank", "df"] == lr["df"]
    assert tab.loc["log_rank", "p_value"] == pytest.approx(lr["p"], rel=RTOL)
    assert "Log-rank test: chi2(1) = 10.61, p = .001." in res.text


def test_logrank_three_groups_matches_survdiff(data):
    d = data.assign(g3=np.where(data["group"] == "control", "control." + data["sex"],
                                "glute_training.female"))
    res = kaplan_meier(d, time="time", event="event", group="g3")
    lr = pd.read_csv(REF / "logrank3.csv").iloc[0]
    row = res.table.set_index("term").loc["log_rank"]
    assert row["statistic"] == pytest.approx(lr["chisq"], rel=RTOL)
    assert row["df"] == 2
    assert row["p_value"] == pytest.approx(lr["p"], rel=RTOL)


def test_km_groups_keep_category_order_and_leave_missing_out():
    df = pd.DataFrame({"time": [5.0, 8, 3, 9, 4, 7, 6], "event": [1, 0, 1, 1, 0, 1, 1],
                       "tertile": pd.Categorical(["high", "low", "middle", "low", "high",
                                                  "middle", None], ["low", "middle", "high"])})
    with pytest.warns(GluteStudyWarning, match="dropped 1 of 7"):
        res = kaplan_meier(df, time="time", event="event", group="tertile")
    assert res.table["term"].tolist() == ["low", "middle", "high", "log_rank"]
    assert "nan" not in res.frame("curve")["group"].tolist()


def test_km_median_on_flat_half_follows_print_survfit():
    # R: print(survfit(Surv(time, event) ~ arm, d)) gives medians 8 (a) and 5 (b),
    # LCL 2 and 3, UCL NA; survdiff chisq 0.3650636
    d = pd.DataFrame({"time": [2, 3, 3, 5, 8, 9, 12, 15], "event": [1, 1, 0, 1, 1, 0, 1, 0],
                      "arm": ["a", "b"] * 4})
    tab = kaplan_meier(d, time="time", event="event", group="arm").table.set_index("term")
    assert tab.loc["a", "estimate"] == 8 and tab.loc["b", "estimate"] == 5
    assert tab.loc["a", "ci_low"] == 2 and tab.loc["b", "ci_low"] == 3
    assert np.isnan(tab.loc["a", "ci_high"]) and np.isnan(tab.loc["b", "ci_high"])
    assert tab.loc["log_rank", "statistic"] == pytest.approx(0.3650636, rel=1e-6)


def test_km_drops_missing_rows_and_counts_them(data):
    d = data.copy()
    d.loc[:4, "time"] = np.nan
    with pytest.warns(GluteStudyWarning, match=r"kaplan_meier: dropped 5 of .* \(time: 5\)"):
        res = kaplan_meier(d, time="time", event="event", group="group")
    assert res.diagnostics["n_dropped"] == 5
    assert res.table["n"].iloc[-1] == len(data) - 5


def test_km_rejects_bad_event_codes(data):
    with pytest.raises(InputError, match="must be 0 .censored. or 1"):
        kaplan_meier(data.assign(event=data["event"] * 2), time="time", event="event")


# ---------------------------------------------------------------- Cox model and cox.zph


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_matches_coxph(data, ties):
    res = cox_model(data, "sitting_h_day + group + sex", time="time", event="event", ties=ties)
    ref = pd.read_csv(REF / f"cox_{ties}.csv")  # summary(coxph(..., ties = ties))
    tab = res.table
    assert list(tab["term"]) == ["group[T.glute_training]", "sex[T.male]", "sitting_h_day"]
    # patsy puts factors first; line the rows up with R's names
    order = {"group[T.glute_training]": "groupglute_training", "sex[T.male]": "sexmale",
             "sitting_h_day": "sitting_h_day"}
    ref = ref.set_index("term").loc[[order[t] for t in tab["term"]]]
    assert_allclose(tab["coef"], ref["coef"], rtol=RTOL)
    assert_allclose(tab["estimate"], ref["hr"], rtol=RTOL)
    assert_allclose(tab["se"], ref["se"], rtol=RTOL)
    assert_allclose(tab["z"], ref["z"], rtol=RTOL)
    assert_allclose(tab["p_value"], ref["p"], rtol=RTOL)
    assert_allclose(tab["ci_low"], ref["lower"], rtol=RTOL)
    assert_allclose(tab["ci_high"], ref["upper"], rtol=RTOL)
    loglik = pd.read_csv(REF / f"cox_{ties}_loglik.csv")["loglik"].iloc[0]
    assert res.diagnostics["log_likelihood"] == pytest.approx(loglik, rel=RTOL)


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_ph_test_matches_cox_zph(data, ties):
    res = cox_model(data, ["sitting_h_day", "group", "sex"], time="time", event="event",
                    ties=ties)
    ref = pd.read_csv(REF / f"zph_{ties}.csv").set_index("term")  # cox.zph(fit)
    ph = res.diagnostics["ph_test"].set_index("term")
    names = {"sitting_h_day": "sitting_h_day", "group": "group", "sex": "sex",
             "GLOBAL": "GLOBAL"}
    for mine, theirs in names.items():
        assert ph.loc[mine, "chisq"] == pytest.approx(ref.loc[theirs, "chisq"], rel=RTOL)
        assert ph.loc[mine, "df"] == ref.loc[theirs, "df"]
        assert ph.loc[mine, "p_value"] == pytest.approx(ref.loc[theirs, "p"], rel=RTOL)


def test_cox_text_and_diagnostics(data):
    res = cox_model(data, "~ sitting_h_day + group + sex", time="time", event="event")
    assert res.diagnostics["events"] == 106
    assert res.diagnostics["events_per_parameter"] == pytest.approx(106 / 3)
    # R (cox_efron.csv): exp(coef) 1.2192, 95 % CI 1.0754 to 1.3823, p = 0.00197
    assert ("Device-measured sitting (per h/day): HR 1.22, 95 % CI 1.08 to 1.38, p = .002."
            in res.text)
    assert "global chi2(3) = 4.98, p = .174" in res.text


def test_cox_warns_on_few_events(data):
    small = data.iloc[:25]
    with pytest.warns(FitWarning, match="under 10"):
        cox_model(small, ["sitting_h_day", "group", "sex"], time="time", event="event")


def test_cox_warns_when_ph_fails():
    # hazard ratio of the group flips over time: strong PH violation
    rng = np.random.default_rng(3)
    n = 400
    g = np.repeat([0, 1], n // 2)
    early = rng.exponential(np.where(g == 1, 2.0, 20.0))
    late = 5 + rng.exponential(np.where(g == 1, 40.0, 2.0))
    t = np.where(early < 5, early, late)
    d = pd.DataFrame({"time": t, "event": 1, "g": g})
    with pytest.warns(FitWarning, match="proportional hazards look violated"):
        res = cox_model(d, ["g"], time="time", event="event")
    assert res.diagnostics["ph_test"]["p_value"].iloc[-1] < 0.001


def test_cox_rejects_constant_column(data):
    with pytest.raises(InputError, match="collinear or constant"):
        cox_model(data.assign(k=1.0), ["sitting_h_day", "k"], time="time", event="event")


def test_cox_rejects_bad_ties(data):
    with pytest.raises(InputError, match="`ties` must be one of"):
        cox_model(data, ["sitting_h_day"], time="time", event="event", ties="exact")


# ---------------------------------------------------------------- first_cramp_times


@pytest.fixture
def tables():
    participants = pd.DataFrame({
        "participant_id": ["p1", "p2", "p3", "p4"],
        "follow_up_start": pd.to_datetime(["2025-03-01"] * 3 + [None]),
        "follow_up_end": pd.to_datetime(["2025-03-31"] * 3 + [None]),
    })
    exposure = pd.DataFrame({
        "participant_id": ["p1", "p1", "p1", "p2", "p2", "p3"],
        "session_id": ["a", "b", "c", "d", "e", "f"],
        "date": pd.to_datetime(["2025-03-02", "2025-03-05", "2025-03-09", "2025-03-03",
                                "2025-03-10", "2025-04-02"]),
        "duration_min": [60, 90, 120, 75, 45, 60],
    })
    cramps = pd.DataFrame({
        "participant_id": ["p1", "p1", "p2", "p2", "p3"],
        "datetime": pd.to_datetime(["2025-03-05 17:30", "2025-03-09 10:00",
                                    "2025-03-10 19:00", "2025-03-03 18:00",
                                    "2025-04-02 10:00"]),
        "session_id": ["b", "c", None, "d", "f"],
        "muscle": ["hamstring", "hamstring", "hamstring", "calf", "hamstring"],
    })
    return participants, exposure, cramps


def test_calendar_times(tables):
    out = first_cramp_times(*tables, scale="calendar").set_index("participant_id")
    # p1: first hamstring cramp 4 days 17.5 h after 00:00 on 1 March
    assert out.loc["p1", "time"] == pytest.approx(4 + 17.5 / 24)
    assert out.loc["p1", "event"] == 1
    # p2: hamstring cramp on 10 March at 19:00; the calf cramp on 3 March does not count
    assert out.loc["p2", "time"] == pytest.approx(9 + 19 / 24)
    # p3: the cramp falls after follow-up: censored at 31 days
    assert out.loc["p3", "time"] == 31 and out.loc["p3", "event"] == 0
    assert np.isnan(out.loc["p4", "time"]) and np.isnan(out.loc["p4", "event"])


def test_calendar_any_muscle(tables):
    out = first_cramp_times(*tables, muscle=None).set_index("participant_id")
    assert out.loc["p2", "time"] == pytest.approx(2 + 18 / 24)


def test_exposure_times_whole_session(tables):
    out = first_cramp_times(*tables, scale="exposure").set_index("participant_id")
    # p1: 1 h (session a) + the whole of session b (1.5 h): no start time known
    assert out.loc["p1", "time"] == pytest.approx(2.5)
    # p2: cramp without a session id on 10 March: end of all sessions to that day, 1.25 + 0.75
    assert out.loc["p2", "time"] == pytest.approx(2.0)
    # p3: the only session is after follow-up: never on the exposure clock, so not at risk;
    # left out (time and event missing) with the reason
    assert np.isnan(out.loc["p3", "time"]) and np.isnan(out.loc["p3", "event"])
    assert out.loc["p3", "left_out"] == "no exposure in follow-up"
    assert out.loc["p4", "left_out"] == "no follow-up dates"
    assert (out.loc[["p1", "p2"], "left_out"] == "").all()


def test_exposure_times_with_session_start(tables):
    participants, exposure, cramps = tables
    exposure = exposure.assign(start_time=pd.to_datetime(exposure["date"]) + pd.Timedelta(
        hours=17))
    out = first_cramp_times(participants, exposure, cramps, scale="exposure")
    out = out.set_index("participant_id")
    # p1: 1 h + 0.5 h of session b (started 17:00, cramp 17:30)
    assert out.loc["p1", "time"] == pytest.approx(1.5)
    # p2 censoring is unchanged by start times: no session id on its cramp
    assert out.loc["p2", "time"] == pytest.approx(2.0)


def test_exposure_censoring_is_total_hours(tables):
    participants, exposure, cramps = tables
    out = first_cramp_times(participants, exposure, cramps.iloc[:0], scale="exposure")
    assert out.set_index("participant_id").loc["p1", "time"] == pytest.approx(4.5)


def test_first_cramp_times_rejects_reversed_follow_up(tables):
    participants, exposure, cramps = tables
    participants = participants.assign(follow_up_end=pd.to_datetime(["2025-02-01"] * 4))
    with pytest.raises(InputError, match="follow_up_end is before follow_up_start"):
        first_cramp_times(participants, exposure, cramps)


# ---------------------------------------------------------------- on a simulated study


@pytest.fixture(scope="module")
def study():
    from glute_study import simulate_study

    return simulate_study(n=150, seed=21)


def test_first_cramp_times_on_simulated_study(study):
    p, x, c = study.participants, study.exposure, study.cramps
    cal = first_cramp_times(p, x, c, scale="calendar").set_index("participant_id")
    expo = first_cramp_times(p, x, c, scale="exposure").set_index("participant_id")
    assert len(cal) == len(p) and cal.index.is_unique
    # independent count: participants with a hamstring cramp inside their follow-up window
    fu = p.set_index("participant_id")
    ham = c[c["muscle"] == "hamstring"].join(fu, on="participant_id")
    inside = ham[(ham["datetime"] >= ham["follow_up_start"])
                 & (ham["datetime"] < ham["follow_up_end"] + pd.Timedelta(days=1))]
    assert set(cal.index[cal["event"] == 1]) == set(inside["participant_id"])
    at_risk = expo["left_out"].eq("")
    assert (expo.loc[at_risk, "event"] == cal.loc[at_risk, "event"]).all()
    days = (fu["follow_up_end"] - fu["follow_up_start"]).dt.days + 1
    assert (cal["time"] <= days.loc[cal.index] + 1e-9).all()
    assert (cal.loc[cal["event"] == 0, "time"] == days.loc[cal["event"] == 0]).all()
    # exposure scale: censored at the total hours, events no later than the total hours
    xx = x.join(fu, on="participant_id")
    xx = xx[(xx["date"] >= xx["follow_up_start"]) & (xx["date"] <= xx["follow_up_end"])]
    total = (xx.groupby("participant_id")["duration_min"].sum() / 60).reindex(expo.index,
                                                                               fill_value=0.0)
    # athletes without exposure in follow-up are not at risk: left out, not censored at 0 h
    assert set(expo.index[~at_risk]) == set(total.index[total == 0])
    assert expo.loc[~at_risk, ["time", "event"]].isna().all().all()
    cens = at_risk & (expo["event"] == 0)
    assert_allclose(expo.loc[cens, "time"], total[cens], rtol=1e-12)
    assert (expo.loc[at_risk & ~cens, "time"] <= total[at_risk & ~cens] + 1e-9).all()


def test_km_and_cox_run_on_simulated_study(study):
    times = first_cramp_times(study.participants, study.exposure, study.cramps,
                              scale="exposure")
    data = times.merge(study.analysis_table(), on="participant_id")
    km = kaplan_meier(data, time="time", event="event", group="arm", left_out="left_out",
                      scale="exposure")
    assert list(km.table["term"]) == ["control", "glute_training", "log_rank"]
    n_out = int(data["left_out"].ne("").sum())
    assert km.table["n"].iloc[:2].sum() == len(data) - n_out
    assert km.diagnostics["left_out"] == ({"no exposure in follow-up": n_out} if n_out else {})
    at_risk = data[data["left_out"].eq("")]
    n_missing = int(at_risk["sitting_h_day"].isna().sum())  # days without device wear
    # the training effect builds up until the post-test: its hazard ratio changes over time
    with pytest.warns(GluteStudyWarning, match=f"cox_model: dropped {n_missing} of"), \
            pytest.warns(FitWarning, match="proportional hazards look violated"):
        cox = cox_model(data, "sitting_h_day + prior_cramps + C(arm)", time="time",
                        event="event", left_out="left_out")
    assert cox.diagnostics["n_dropped"] == n_missing
    assert list(cox.table["term"]) == ["C(arm)[T.glute_training]", "sitting_h_day",
                                       "prior_cramps"]
    assert np.isfinite(cox.table["estimate"]).all()
    assert list(cox.diagnostics["ph_test"]["term"]) == ["C(arm)", "sitting_h_day",
                                                        "prior_cramps", "GLOBAL"]


def test_first_cramp_times_rejects_repeated_participants(tables):
    participants, exposure, cramps = tables
    with pytest.raises(InputError, match="repeated participant_id"):
        first_cramp_times(pd.concat([participants, participants.iloc[:1]]), exposure, cramps)


def test_ph_test_three_level_factor_matches_cox_zph(data):
    d = data.assign(g3=np.where(data["group"] == "control", "control." + data["sex"],
                                "glute_training.female"))
    res = cox_model(d, "sitting_h_day + g3", time="time", event="event")
    coef = pd.read_csv(REF / "cox_three_level.csv")  # coxph(... ~ sitting_h_day + g3)
    mine = res.table.set_index("term")
    assert mine.loc["g3[T.control.male]", "coef"] == pytest.approx(
        coef.set_index("term").loc["g3control.male", "coef"], rel=RTOL)
    ref = pd.read_csv(REF / "zph_three_level.csv").set_index("term")  # cox.zph(fit3)
    ph = res.diagnostics["ph_test"].set_index("term")
    for term in ("sitting_h_day", "g3", "GLOBAL"):
        assert ph.loc[term, "chisq"] == pytest.approx(ref.loc[term, "chisq"], rel=RTOL)
        assert ph.loc[term, "df"] == ref.loc[term, "df"]
        assert ph.loc[term, "p_value"] == pytest.approx(ref.loc[term, "p"], rel=RTOL)


# ---------------------------------------------------------------- properties

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.integers(0, 30), st.booleans(), st.sampled_from("ab")),
                min_size=2, max_size=40))
def test_km_properties(rows):
    d = pd.DataFrame(rows, columns=["time", "event", "g"]).astype({"event": int})
    res = kaplan_meier(d, time="time", event="event",
                       group="g" if d["g"].nunique() > 1 else None)
    curve = res.frame("curve")
    for _, c in curve.groupby("group"):
        s = c["surv"].to_numpy()
        assert (np.diff(s) <= 1e-12).all() and (s >= 0).all() and (s <= 1).all()
        ok = c["ci_low"].notna()
        assert (c.loc[ok, "ci_low"] <= c.loc[ok, "surv"] + 1e-12).all()
        assert (c.loc[ok, "surv"] <= c.loc[ok, "ci_high"] + 1e-12).all()
    # row order does not matter
    again = kaplan_meier(d.iloc[::-1], time="time", event="event",
                         group="g" if d["g"].nunique() > 1 else None)
    pd.testing.assert_frame_equal(res.table, again.table)
    if "log_rank" in set(res.table["term"]):
        stat = res.table.set_index("term").loc["log_rank", "statistic"]
        assert np.isnan(stat) or stat >= -1e-12


def test_logrank_without_events_is_not_computed():
    # R: survdiff(Surv(time, event) ~ g) with no events gives chisq 0 on 0 df: no test
    d = pd.DataFrame({"time": [1, 2, 3, 4], "event": [0, 0, 0, 0], "g": ["a", "a", "b", "b"]})
    res = kaplan_meier(d, time="time", event="event", group="g")
    row = res.table.set_index("term").loc["log_rank"]
    assert np.isnan(row["statistic"]) and np.isnan(row["p_value"]) and row["df"] == 0
    assert "Log-rank test not possible" in res.text
    assert "not reached" in res.text


def test_cox_warns_on_monotone_likelihood():
    # no events in group 1: R coxph warns "Loglik converged before variable 1; coefficient
    # may be infinite"
    rng = np.random.default_rng(1)
    g = np.repeat([0, 1], 50)
    d = pd.DataFrame({"time": rng.exponential(10, 100), "event": np.where(g == 1, 0, 1),
                      "g": g, "x": rng.normal(size=100)})
    with pytest.warns(FitWarning, match="converged before g: the hazard ratio may be infinite"):
        res = cox_model(d, ["g", "x"], time="time", event="event")
    assert res.diagnostics["infinite_terms"] == ["g"]


def test_cox_with_every_event_at_one_time_warns_instead_of_crashing():
    # follow-up length given as the time: every event ties at 168 days, and cox.zph has no
    # trend to test (R's cox.zph fails too); the model is still fitted and the reader told why
    rng = np.random.default_rng(3)
    df = pd.DataFrame({"days": 168.0, "event": rng.integers(0, 2, 120).astype(float),
                       "x": rng.normal(size=120)})
    with pytest.warns(FitWarning, match="every event in 'days' is at the same time"):
        res = cox_model(df, "x", time="days", event="event")
    assert res.diagnostics["ph_test"]["p_value"].isna().all()
    assert "not estimable" in res.text and "nan" not in res.text.lower()


def test_cox_table_names_the_reference_level_of_a_factor(data):
    """A three-level factor's rows read "middle vs low" in the report's table, as in the
    sentence, not "vs reference"."""
    from glute_study.report.tables import apa_table

    d = data.assign(tertile=pd.Categorical(
        pd.qcut(data["sitting_h_day"], 3, labels=["low", "middle", "high"]),
        categories=["low", "middle", "high"]))
    cox = cox_model(d, "C(tertile) + C(sex)", time="time", event="event")
    terms = apa_table(cox)["Term"].tolist()
    assert terms[:2] == ["Tertile: middle vs low", "Tertile: high vs low"]
    assert "Tertile: middle vs low: HR" in cox.text
    assert cox.model.design.reference_level("C(tertile)[T.high]") == "low"
