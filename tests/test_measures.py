"""Each derived measure has one home (glute_study.measures or Study), called from every user."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glute_study import measures, simulate_study

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))


@pytest.fixture(scope="module")
def study():
    return simulate_study(n=120, seed=7)


def test_strength_rule_has_one_home():
    import importlib

    reliability = importlib.import_module("glute_study.stats.reliability")
    assert reliability.participant_values is measures.participant_values
    import glute_study.io as io

    assert not hasattr(io, "strength_summary")  # io reads files; measures derive values


def test_reliability_values_are_the_analysed_variable(study):
    # The baseline session of strength_sessions is glute_nm_kg of the analysis table: the
    # reliability notebook and command analyse the Nm/kg variable, not the force in N.
    table = study.analysis_table().set_index("participant_id")
    values = measures.strength_sessions(study.strength, study.participants)
    assert values.attrs["unit"] == "Nm/kg"
    assert set(values["unit"]) == {"Nm/kg"}
    first = values.sort_values("session").groupby("participant_id").first()["value"]
    common = first.index.intersection(table.index[table["glute_nm_kg"].notna()])
    assert len(common) > 50
    np.testing.assert_allclose(first[common], table.loc[common, "glute_nm_kg"], rtol=1e-12)
    # force at the pad is hundreds of N; Nm/kg is a few units
    assert values["value"].median() < 10


def test_strength_sessions_of_the_bridge_are_repetitions(study):
    values = measures.strength_sessions(study.strength, study.participants,
                                        test="single_leg_bridge")
    if values.empty:
        pytest.skip("the simulated study has no bridge trials")
    assert values.attrs["unit"] == "reps"


def test_reliability_table_and_text_carry_the_unit(study):
    from glute_study.stats.reliability import reliability

    values = measures.strength_sessions(study.strength, study.participants)
    two = values[values["session"].isin([1, 2])].dropna(subset=["value"])
    complete = two.groupby("participant_id")["session"].transform("size") == 2
    res = reliability(two[complete], value="value", unit=values.attrs["unit"])
    units = res.table.set_index("term")["unit"]
    assert units["SEM"] == units["MDC95"] == units["SWC"] == "Nm/kg"
    assert units["ICC3"] == "" and units["CV_pct"] == "%"
    assert re.search(r"SEM [\d.]+ Nm/kg, MDC95 [\d.]+ Nm/kg", res.text)
    assert re.search(r"mean change between sessions was -?[\d.]+ Nm/kg", res.text)
    plain = reliability(two[complete], value="value")
    assert set(plain.table["unit"]) == {"", "%"} and "Nm/kg" not in plain.text


# Patterns that mean a notebook derives a measure itself instead of calling its home.
_OWN_COPIES = {
    "strength per participant": r"participant_values\(|groupby\([^)]*side",
    "exposure hours": r"duration_min",
    "follow-up window": r"follow_up_(start|end)",
    "sitting tertiles": r"qcut\(",
    "trial-arm set-up": r"\[\"arm\"\]\.fillna",
    "time to first cramp": r"first_cramp_times\(",
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_call_the_measures_instead_of_computing_them(path):
    source = path.read_text(encoding="utf-8")
    found = [what for what, pattern in _OWN_COPIES.items() if re.search(pattern, source)]
    assert not found, f"{path.name} computes {found} itself; call glute_study.measures or Study"


def _spy(monkeypatch, name):
    calls = []
    real = getattr(measures, name)

    def spy(*args, **kwargs):
        calls.append(name)
        return real(*args, **kwargs)

    monkeypatch.setattr(measures, name, spy)
    return calls


@pytest.mark.parametrize("name", ["follow_up_window", "exposure_hours"])
def test_follow_up_and_exposure_hours_come_from_one_function(monkeypatch, name):
    from glute_study.stats.survival import first_cramp_times

    study = simulate_study(n=30, seed=2)  # fresh: the analysis table is cached per study
    calls = _spy(monkeypatch, name)
    study.analysis_table()
    assert calls, f"analysis_table does not call measures.{name}"
    calls.clear()
    study.session_table()
    assert calls, f"session_table does not call measures.{name}"
    calls.clear()
    first_cramp_times(study.participants, study.exposure, study.cramps, scale="exposure")
    assert calls, f"first_cramp_times does not call measures.{name}"


def test_follow_up_window_is_the_rule_of_every_count():
    # A cramp at 23:59 of the last day is inside; one at 00:00 of the next day is not, for the
    # analysis table's counts and for the time to first cramp alike.
    people = pd.DataFrame({"participant_id": ["a", "b"],
                           "follow_up_start": pd.to_datetime(["2025-01-01", "2025-01-01"]),
                           "follow_up_end": pd.to_datetime(["2025-01-10", "2025-01-10"])})
    window = measures.follow_up_window(people)
    assert window["days"].tolist() == [10.0, 10.0]
    cramps = pd.DataFrame({"participant_id": ["a", "b"],
                           "datetime": pd.to_datetime(["2025-01-10 23:59", "2025-01-11 00:00"]),
                           "session_id": [None, None], "muscle": "hamstring"})
    assert measures.inside_follow_up(cramps, "datetime", window).tolist() == [True, False]
    exposure = pd.DataFrame({"participant_id": ["a", "b"], "session_id": ["s1", "s2"],
                             "date": pd.to_datetime(["2025-01-10", "2025-01-11"]),
                             "duration_min": [90.0, 60.0]})
    out, excluded = measures.exposure_measures(people, exposure, np.array([2, 3]), cramps,
                                               np.array([2, 3]))
    assert out.loc["a", ["exposure_h", "hamstring_cramps"]].tolist() == [1.5, 1.0]
    assert "b" not in out.index
    assert set(excluded["reason"]) == {"session outside follow-up", "cramp outside follow-up"}
    times = measures.first_cramp_times(people, exposure, cramps).set_index("participant_id")
    assert times.loc["a", "event"] == 1.0 and times.loc["b", "event"] == 0.0
    assert times.loc["b", "time"] == 10.0


def test_session_table_takes_min_valid_days():
    study = simulate_study(n=40, seed=4)
    default = study.session_table()
    strict = study.session_table(min_valid_days=99)
    assert default["sitting_h_day"].notna().any()
    assert strict["sitting_h_day"].isna().all()  # nobody has 99 valid device days
    assert strict["exposure_h"].tolist() == default["exposure_h"].tolist()
    pd.testing.assert_frame_equal(study.session_table(min_valid_days=4), default)


def test_cramp_times_on_the_study_are_first_cramp_times(study):
    from glute_study.stats.survival import first_cramp_times

    assert first_cramp_times is measures.first_cramp_times
    pd.testing.assert_frame_equal(
        study.cramp_times(muscle=None, scale="exposure"),
        first_cramp_times(study.participants, study.exposure, study.cramps, muscle=None,
                          scale="exposure"))


def test_groups_of_the_analysis_table(study):
    table = study.analysis_table()
    tertiles = measures.sitting_tertiles(table)
    assert list(tertiles.cat.categories) == list(measures.TERTILE_LABELS)
    assert tertiles.isna().tolist() == table["sitting_h_day"].isna().tolist()
    counts = tertiles.value_counts()
    assert counts.max() - counts.min() <= 1  # thirds of the sample
    trial = measures.randomised(table)
    assert trial.tolist() == table["arm"].notna().tolist()


def test_validator_warns_about_exactly_the_rows_the_analysis_leaves_out():
    # One follow-up rule: the rows called "outside follow-up" when the study is checked are the
    # rows the analysis table excludes as outside follow-up.
    base = simulate_study(n=40, seed=6)
    tables = {name: frame.copy() for name, frame in base.tables.items()}
    exposure, cramps = tables["exposure"], tables["cramps"]
    first_day = tables["participants"].set_index("participant_id")["follow_up_start"]
    moved = exposure.index[:4]
    exposure.loc[moved, "date"] = (exposure.loc[moved, "participant_id"].map(first_day)
                                   - pd.Timedelta(days=1)).to_numpy()
    late = cramps.index[:2]
    last_day = tables["participants"].set_index("participant_id")["follow_up_end"]
    cramps.loc[late, "datetime"] = (cramps.loc[late, "participant_id"].map(last_day)
                                    + pd.Timedelta(days=1)).to_numpy()
    cramps.loc[late, "session_id"] = None
    study = type(base).from_tables(tables, metadata=base.metadata)
    warned = study.problems[study.problems["rule"].str.startswith("outside follow-up")]
    assert set(warned["table"]) == {"exposure", "cramps"}
    left_out = study.exclusions[study.exclusions["reason"].str.endswith("outside follow-up")]
    assert sorted(left_out["table"].value_counts().items()) == [("cramps", 2), ("exposure", 4)]


# ---------------------------------------------------------------- EMG


def _emg_rows():
    return pd.DataFrame({
        "participant_id": ["A"] * 6 + ["B"] * 2 + ["C"] * 2 + ["D"] * 2 + ["E"],
        "date": pd.Timestamp("2025-01-01"),
        "session": [2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1],
        "task": ["prone_hip_extension"] * 10 + ["hip_thrust"] * 2 + ["prone_hip_extension"],
        "muscle": ["gluteus_maximus", "biceps_femoris", "semitendinosus"] * 2
        + ["gluteus_maximus", "biceps_femoris"] * 3 + ["gluteus_maximus"],
        "trial": [1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1],
        "onset_ms": [999.0, 1.0, 1.0, 300.0, 200.0, 240.0, 250.0, 300.0, 280.0, None, 200.0,
                     100.0, 260.0],
        "amplitude_pct_mvic": [1.0, 1.0, 1.0, 40.0, 30.0, 50.0, 45.0, 35.0, 20.0, 60.0, 1.0,
                               1.0, 50.0]})


def _people(ids=("A", "B", "C", "D", "E", "F"), start="2025-01-08"):
    return pd.DataFrame({"participant_id": list(ids),
                         "follow_up_start": pd.Timestamp(start),
                         "follow_up_end": pd.Timestamp("2025-06-30")})


def test_activation_measures_use_the_first_session_and_both_amplitudes():
    m = measures.activation_measures(_emg_rows(), _people())
    # A: session 1 only (session 2 is later): 300 - mean(200, 240); amplitudes 40 and 40
    assert m.loc["A", "glute_onset_delay_ms"] == pytest.approx(80)
    assert m.loc["A", "glute_pct_mvic"] == 40 and m.loc["A", "hamstring_pct_mvic"] == 40
    assert m.loc["A", "hamstring_glute_ratio"] == pytest.approx(1.0)
    # B: glute and hamstring onsets in different trials: no delay, amplitudes still measured
    assert np.isnan(m.loc["B", "glute_onset_delay_ms"])
    assert m.loc["B", "hamstring_glute_ratio"] == pytest.approx(35 / 45)
    assert "D" not in m.index  # hip thrust only


def test_emg_coverage_gives_one_reason_per_participant():
    reasons = measures.emg_coverage(_emg_rows(), _people())
    assert reasons.to_dict() == {
        "A": "with_onset_delay", "B": "no_common_trial", "C": "no_hamstring_onset",
        "D": "other_task", "E": "no_hamstring_onset", "F": "no_emg"}
    assert set(reasons) <= set(measures.EMG_REASONS)
    # the participants with an onset delay are exactly those of the measures
    m = measures.activation_measures(_emg_rows(), _people())
    assert set(reasons[reasons == "with_onset_delay"].index) == set(
        m["glute_onset_delay_ms"].dropna().index)
    empty = measures.emg_coverage(_emg_rows().iloc[:0], _people(["A"]))
    assert empty.tolist() == ["no_emg"]


def _timed_emg():
    """Two athletes with the same EMG: "early" tested a week before follow-up began, "late"
    only five weeks after it (once the randomised training had begun); "both" has a baseline
    session and a later one, "same_day" was tested on the first day of follow-up."""
    one = _emg_rows()[lambda d: d["participant_id"].eq("A") & d["session"].eq(1)]
    parts = []
    for pid, sessions in (("early", [("2025-01-01", 1)]), ("late", [("2025-02-12", 1)]),
                          ("both", [("2025-01-01", 1), ("2025-04-02", 2)]),
                          ("same_day", [("2025-01-08", 1)])):
        for date, session in sessions:
            shift = 0.0 if session == 1 else 500.0  # the later session would differ
            parts.append(one.assign(participant_id=pid, session=session,
                                    date=pd.Timestamp(date),
                                    onset_ms=one["onset_ms"] + np.where(
                                        one["muscle"].eq("gluteus_maximus"), shift, 0.0)))
    return pd.concat(parts, ignore_index=True)


def test_emg_sessions_say_whether_the_first_emg_session_is_baseline():
    people = _people(["early", "late", "both", "same_day"])
    sessions = measures.emg_sessions(_timed_emg(), people)
    assert sessions["baseline"].to_dict() == {"both": True, "early": True, "late": False,
                                              "same_day": True}
    assert sessions["days_before_follow_up"].to_dict() == {"both": 7.0, "early": 7.0,
                                                           "late": -35.0, "same_day": 0.0}
    assert sessions["session"].tolist() == [1, 1, 1, 1]
    # a session whose only dates are after the start is not baseline, even if numbered 1
    renumbered = _timed_emg().assign(session=lambda d: d["session"].map({1: 2, 2: 1}))
    again = measures.emg_sessions(renumbered, people)
    assert again.loc["both", "session"] == 2 and again.loc["both", "baseline"]


def test_emg_recorded_only_after_follow_up_began_gives_no_measure_and_its_own_reason():
    people = _people(["early", "late", "both", "same_day", "none"])
    m = measures.activation_measures(_timed_emg(), people)
    # the later session is never used in place of a missing baseline one
    assert "late" not in m.index
    assert m.loc["early", "glute_onset_delay_ms"] == pytest.approx(80)
    assert m.loc["both", "glute_onset_delay_ms"] == pytest.approx(80)  # not 580: session 1
    assert m.loc["same_day", "glute_onset_delay_ms"] == pytest.approx(80)
    reasons = measures.emg_coverage(_timed_emg(), people)
    assert reasons.to_dict() == {"early": "with_onset_delay", "late": "after_follow_up_start",
                                 "both": "with_onset_delay", "same_day": "with_onset_delay",
                                 "none": "no_emg"}
    assert measures.EMG_REASONS["after_follow_up_start"] == (
        "EMG recorded only after follow-up began")


def test_the_analysis_table_leaves_late_emg_out_and_says_why():
    base = simulate_study(n=40, seed=3)
    tables = {name: t.copy() for name, t in base.tables.items()}
    act, people = tables["activation"], tables["participants"]
    start = people.set_index("participant_id")["follow_up_start"]
    with_emg = list(pd.unique(act["participant_id"]))
    late, early = with_emg[0], with_emg[1]
    is_late = act["participant_id"].eq(late)
    act.loc[is_late, "date"] = start[late] + pd.Timedelta(days=21)
    study = type(base).from_tables(tables, metadata=base.metadata)
    table = study.analysis_table().set_index("participant_id")
    assert table.loc[late, ["glute_onset_delay_ms", "glute_pct_mvic"]].isna().all()
    assert table.loc[early, "glute_onset_delay_ms"] == pytest.approx(
        base.analysis_table().set_index("participant_id").loc[early, "glute_onset_delay_ms"])
    left = study.exclusions[study.exclusions["table"].eq("activation")]
    assert set(left["participant_id"]) == {late} and len(left) == int(is_late.sum())
    assert left["reason"].str.startswith("EMG recorded only after follow-up began").all()
    reasons = measures.emg_coverage(study.activation, study.participants)
    assert reasons[late] == "after_follow_up_start" and reasons[early] == "with_onset_delay"


def test_emg_coverage_matches_the_analysis_table_of_a_simulated_study():
    study = simulate_study(n=60, seed=5)
    table = study.analysis_table()
    reasons = measures.emg_coverage(study.activation, study.participants)
    assert list(reasons.index) == list(table["participant_id"])
    has = table.set_index("participant_id")["glute_onset_delay_ms"].notna()
    assert (reasons.reindex(has.index).eq("with_onset_delay") == has).all()
    # the simulator records EMG before follow-up: every session is baseline
    sessions = measures.emg_sessions(study.activation, study.participants)
    assert sessions["baseline"].all() and (sessions["days_before_follow_up"] >= 0).all()


def test_onset_order_describes_the_sign_of_the_delay():
    data = pd.DataFrame({"glute_onset_delay_ms": [120.0, -30.0, 0.0, np.nan]})
    assert measures.onset_order(data).tolist()[:3] == ["hamstrings_first", "glute_first",
                                                       "glute_first"]
    assert pd.isna(measures.onset_order(data).iloc[3])
