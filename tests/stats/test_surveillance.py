"""Weekly prevalence (Wilson intervals against R prop.test) and the severity summary."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from glute_study.errors import InputError
from glute_study.stats._proportions import wilson_interval
from glute_study.stats.surveillance import cramp_severity, weekly_prevalence

REF = Path(__file__).resolve().parents[1] / "reference" / "surveillance"


def test_wilson_interval_matches_r_prop_test():
    # R: prop.test(k, n, correct = FALSE)$conf.int (tests/reference/surveillance/wilson.R)
    ref = pd.read_csv(REF / "wilson.csv")
    low, high = wilson_interval(ref["cases"] / ref["n"], ref["n"])
    assert_allclose(low, ref["ci_low"], atol=1e-9)
    assert_allclose(high, ref["ci_high"], atol=1e-9)


def test_weekly_prevalence_counts_athletes_once_per_week():
    rng = np.random.default_rng(3)
    rows = pd.DataFrame({"participant_id": np.repeat([f"p{i}" for i in range(50)], 6),
                         "week": np.tile([1, 1, 2, 2, 3, 3], 50),
                         "exposure_h": 1.5, "cramps": rng.poisson(0.2, 300)})
    res = weekly_prevalence(rows, week="week")
    per = rows.groupby(["week", "participant_id"])["cramps"].sum() > 0
    assert res.table["cases"].tolist() == per.groupby(level=0).sum().tolist()
    assert res.table["athletes"].tolist() == [50, 50, 50]
    assert "nan" not in res.text and "Wilson" in res.text


def test_weeks_without_exposure_are_not_at_risk_and_no_exposure_is_an_error():
    rows = pd.DataFrame({"participant_id": ["a", "b"], "week": [1, 1], "exposure_h": [1.0, 0.0],
                         "cramps": [1, 0]})
    assert weekly_prevalence(rows, week="week").table["athletes"].tolist() == [1]
    with pytest.raises(InputError, match="at risk"):
        weekly_prevalence(rows.assign(exposure_h=0.0), week="week")


def test_severity_summary_says_not_recorded():
    c = pd.DataFrame({"session_type": ["match", "training"], "severity": [None, 4],
                      "duration_s": [10.0, 20.0], "stopped_play": [True, False]})
    table = cramp_severity(c, by="session_type")
    assert table.loc[1, "match"] == "not recorded"
    assert table.columns.tolist() == ["variable", "level", "overall", "match", "training"]


def _sessions(seed: int = 5, n: int = 40) -> pd.DataFrame:
    """Sessions of ``n`` athletes in four teams, each with match and training sessions."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        frailty = rng.gamma(1.5, 1 / 1.5)
        for s in range(12):
            kind = "match" if s % 4 == 0 else "training"
            hours = 1.5 if kind == "match" else 2.0
            rate = (0.012 if kind == "match" else 0.008) * frailty
            rows.append({"participant_id": f"p{i:02d}", "team": f"t{i % 4}",
                         "session_type": kind, "exposure_h": hours,
                         "cramps": rng.poisson(rate * hours * 10)})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("cluster", [None, "team"])
def test_session_incidence_overall_row_counts_athletes_and_is_the_per_athlete_rate(cluster):
    from glute_study.stats.incidence import incidence
    from glute_study.stats.surveillance import session_incidence

    s = _sessions()
    res = session_incidence(s, events="cramps", cluster=cluster)
    table = res.table.set_index("term")
    assert table.loc["overall", "n"] == 40  # athletes, not athlete x session-type rows (80)
    assert table.loc["match", "n"] == table.loc["training", "n"] == 40
    # the overall rate is the incidence of one count per athlete (notebook 04's quantity)
    keys = ["participant_id"] + ([cluster] if cluster else [])
    totals = s.groupby(keys, as_index=False)[["exposure_h", "cramps"]].sum()
    per_athlete = incidence(totals, events="cramps", exposure="exposure_h",
                            cluster=cluster).table.iloc[-1]
    for col in ("estimate", "ci_low", "ci_high", "events", "exposure_h"):
        assert table.loc["overall", col] == pytest.approx(per_athlete[col], rel=1e-10)
    assert table.loc["overall", "crude_rate"] == pytest.approx(
        s["cramps"].sum() / s["exposure_h"].sum() * 1000)
    # the session-type rows are the athlete x session-type model's
    by_type = s.groupby([*keys, "session_type"], as_index=False)[["exposure_h", "cramps"]].sum()
    rows = incidence(by_type, events="cramps", exposure="exposure_h", by="session_type",
                     cluster=cluster or "participant_id").table.set_index("term")
    assert table.loc["match", "estimate"] == pytest.approx(rows.loc["match", "estimate"])
    assert res.diagnostics["overall_of_session_model"] == pytest.approx(
        rows.loc["overall", "estimate"])
    assert "40 athletes" in res.text and "nan" not in res.text


def test_session_incidence_overall_equals_the_cohort_incidence_of_notebook_04():
    from glute_study import measures, report
    from glute_study.stats.incidence import incidence
    from glute_study.stats.surveillance import session_incidence

    study = report.open_study("")
    data = study.analysis_table()
    data = data[data["exposure_h"].notna()].copy()  # notebook 04 drops them with a warning
    data["sitting_tertile"] = measures.sitting_tertiles(data)
    from glute_study.errors import GluteStudyWarning

    with pytest.warns(GluteStudyWarning, match="sitting_tertile"):  # as notebook 04 warns
        nb04 = incidence(data, events="hamstring_cramps", exposure="exposure_h",
                         by="sitting_tertile", cluster="team").table.iloc[-1]
    nb10 = session_incidence(study.session_table(), events="hamstring_cramps",
                             cluster="team").table.iloc[-1]
    assert nb10["term"] == "overall"
    assert nb10["n"] == nb04["n"]
    assert nb10["events"] == nb04["events"]
    assert nb10["estimate"] == pytest.approx(nb04["estimate"], rel=1e-8)


def test_session_incidence_refuses_a_table_without_exposure():
    from glute_study.stats.surveillance import session_incidence

    s = _sessions().assign(exposure_h=0.0, cramps=0)
    with pytest.raises(InputError, match="at risk"):
        session_incidence(s, events="cramps")
    with pytest.raises(InputError):
        session_incidence(_sessions().drop(columns="session_type"), events="cramps")
