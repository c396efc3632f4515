"""Counting-process data (issue 14 item 3): invariants on simulated studies and hand
computations on a tiny hand-made study."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glute_study import InputError, simulate_study
from glute_study.measures import WINDOW_COLUMNS, counting_process


@pytest.fixture(scope="module")
def study():
    return simulate_study(n=120, seed=4, n_teams=6)


@pytest.mark.parametrize("scale", ["exposure_h", "days"])
def test_intervals_are_contiguous_and_count_every_cramp(study, scale):
    cp = study.counting_process(time_scale=scale, muscle=None)
    table = study.analysis_table().set_index("participant_id")
    assert list(cp.columns[:5]) == ["participant_id", "start", "stop", "event", "enum"]
    assert (cp["stop"] > cp["start"]).all()
    for pid, rows in cp.groupby("participant_id", sort=False):
        start, stop = rows["start"].to_numpy(), rows["stop"].to_numpy()
        assert start[0] == 0 and np.array_equal(start[1:], stop[:-1]), pid
        end = table.loc[pid, "exposure_h" if scale == "exposure_h" else "follow_up_days"]
        assert stop[-1] == pytest.approx(end, abs=1e-9)
        events = rows["event"].to_numpy()
        assert events.sum() == table.loc[pid, "cramps"]
        assert np.array_equal(rows["enum"].to_numpy(), 1 + np.concatenate([[0],
                                                                         np.cumsum(events)[:-1]]))
    exposed = table["exposure_h"].notna()
    assert cp["participant_id"].nunique() == exposed.sum()
    assert sorted(cp.attrs["left_out"]["no exposure in follow-up"]) == sorted(
        table.index[~exposed])
    assert cp.attrs["n_events"] == table["cramps"].sum()
    assert {"team", "glute_nm_kg", "arm", "age", "prior_cramps", *WINDOW_COLUMNS} <= set(cp)
    hamstring = study.counting_process(time_scale=scale)
    assert hamstring["event"].sum() == table["hamstring_cramps"].sum()


def test_exposure_scale_risk_set_is_exposure_time(study):
    cp = study.counting_process()
    total = study.analysis_table().set_index("participant_id")["exposure_h"]
    length = (cp["stop"] - cp["start"]).groupby(cp["participant_id"]).sum()
    np.testing.assert_allclose(length, total.reindex(length.index), rtol=1e-12)
    # each covariate changes between consecutive intervals unless an event split them
    same = cp.groupby("participant_id")[list(WINDOW_COLUMNS)].shift().eq(
        cp[list(WINDOW_COLUMNS)]).all(axis=1)
    prior_event = cp.groupby("participant_id")["event"].shift().eq(1)
    assert not (same & ~prior_event).any()


def _tiny():
    start = pd.Timestamp("2025-03-10")  # follow-up 10 to 16 March
    people = pd.DataFrame({"participant_id": ["a", "b", "c"],
                           "follow_up_start": [start] * 3,
                           "follow_up_end": [start + pd.Timedelta(days=6)] * 3})
    d = [start + pd.Timedelta(days=k) for k in range(-3, 7)]  # d[3] is the first day
    exposure = pd.DataFrame({
        "participant_id": ["a", "a", "a", "a", "a", "b", "c"],
        "session_id": ["pre", "s1", "s2", "m1", "s3", "b1", "c-out"],
        "date": [d[1], d[3], d[5], d[5], d[8], d[4], d[0]],
        "session_type": ["training", "training", "training", "match", "training", "training",
                         "training"],
        "duration_min": [60.0, 90.0, 60.0, 90.0, 30.0, 45.0, 60.0],
    })
    cramps = pd.DataFrame({
        "participant_id": ["a", "a", "a", "b", "a"],
        "session_id": ["s2", "m1", "m1", "b1", "s3"],
        "datetime": [d[5] + pd.Timedelta(hours=18, minutes=30), d[5] + pd.Timedelta(hours=15),
                     d[5] + pd.Timedelta(hours=15, minutes=40), d[4] + pd.Timedelta(hours=18),
                     d[8] + pd.Timedelta(hours=18)],
        "muscle": ["hamstring", "hamstring", "hamstring", "calf", "hamstring"],
    })
    sitting = pd.DataFrame({
        "participant_id": "a", "instrument": ["activpal"] * 5 + ["actigraph"],
        "date": [d[1], d[2], d[4], d[6], d[7], d[4]],
        "sitting_h": [8.0, 10.0, 12.0, 9.0, 7.0, 3.0],
        "valid_day": [True, True, True, False, True, True],
    })
    return people, exposure, cramps, sitting, d


def test_hand_made_study_exposure_scale():
    people, exposure, cramps, sitting, _ = _tiny()
    cp = counting_process(people, exposure, cramps, sitting, window_days=3)
    a = cp[cp["participant_id"] == "a"].reset_index(drop=True)
    # the clock (sessions of a day by session_id): s1 (0, 1.5] on day 0; m1 (1.5, 3] and
    # s2 (3, 4] on day 2; s3 (4, 4.5] on day 5. Cramps: m1 twice at 3 (tied: spaced one
    # second), s2 at 4, s3 at 4.5.
    second = 1 / 3600
    np.testing.assert_allclose(a["start"], [0, 1.5, 3 - second, 3, 4])
    np.testing.assert_allclose(a["stop"], [1.5, 3 - second, 3, 4, 4.5])
    assert a["event"].tolist() == [0, 1, 1, 1, 1]
    assert a["enum"].tolist() == [1, 1, 2, 3, 4]
    # day 0 window: days -3..-1 -> activpal 8 (d1) and 10 (d2), the pre-season session 1 h;
    # day 2 window: days -1..1 -> 10 (d2) and 12 (d4; the actigraph day is not the preferred
    # device), s1 1.5 h; day 5 window: days 2..4 -> d6 invalid, d7 7 h; s2 + m1 = 1 + 1.5 h
    np.testing.assert_allclose(a["sitting_h_day_window"], [9, 11, 11, 11, 7])
    assert a["sitting_days_window"].tolist() == [2, 2, 2, 2, 1]
    np.testing.assert_allclose(a["exposure_h_window"], [1, 1.5, 1.5, 1.5, 2.5])
    np.testing.assert_allclose(a["training_h_window"], [1, 1.5, 1.5, 1.5, 1])
    np.testing.assert_allclose(a["match_h_window"], [0, 0, 0, 0, 1.5])
    assert cp.attrs["ties_spaced"] == 1
    b = cp[cp["participant_id"] == "b"]
    assert b[["start", "stop", "event"]].values.tolist() == [[0.0, 0.75, 0]]  # calf not counted
    assert b["sitting_h_day_window"].isna().all() and (b["sitting_days_window"] == 0).all()
    assert cp.attrs["left_out"] == {"no follow-up dates": [], "no exposure in follow-up": ["c"]}
    assert cp.attrs["n_events"] == 4


def test_hand_made_study_days_scale():
    people, exposure, cramps, sitting, _ = _tiny()
    cp = counting_process(people, exposure, cramps, sitting, time_scale="days", window_days=3,
                          muscle=None)
    a = cp[cp["participant_id"] == "a"]
    events = a.loc[a["event"] == 1, "stop"].to_numpy()
    np.testing.assert_allclose(events, [2 + 15 / 24, 2 + 15 / 24 + 40 / 1440, 2 + 18.5 / 24,
                                        5 + 18 / 24])
    assert a["stop"].iloc[-1] == 7 and a["start"].iloc[0] == 0
    # every day boundary is a covariate change here: each day's 3-day window gains or loses
    # a session or a device day (day 4: 12 h/day and 2.5 h of sessions, day 5: 7 h/day, 2.5 h)
    np.testing.assert_allclose(a.loc[a["event"] == 0, "stop"], [1, 2, 3, 4, 5, 6, 7])
    day6 = a[a["start"] == 6].iloc[0]
    # day 6 window: days 3..5: d6 invalid, d7 7 h; sessions s3 0.5 h
    assert day6["sitting_h_day_window"] == 7 and day6["exposure_h_window"] == 0.5
    b = cp[cp["participant_id"] == "b"]
    assert b["event"].sum() == 1 and b.loc[b["event"] == 1, "stop"].item() == pytest.approx(1.75)
    assert cp.attrs["ties_spaced"] == 0


def test_a_cramp_at_time_zero_and_at_a_boundary_stays_in_a_positive_interval():
    people, exposure, cramps, sitting, d = _tiny()
    # b's first session is on day 1: a cramp on day 0 without a session is at 0 exposure hours;
    # a's cramp without a session on day 0 is at the end of s1, tied with s1's own cramp
    odd = pd.DataFrame({"participant_id": ["a", "a", "b"], "session_id": [None, "s1", None],
                        "datetime": [d[3], d[3] + pd.Timedelta(hours=19), d[3]],
                        "muscle": "hamstring"})
    cp = counting_process(people, exposure, odd, sitting, window_days=3)
    assert (cp["stop"] > cp["start"]).all() and cp["event"].sum() == 3
    a, b = (cp[cp["participant_id"] == p] for p in ("a", "b"))
    np.testing.assert_allclose(a["stop"].iloc[:2], [1.5 - 1 / 3600, 1.5])
    assert b["stop"].iloc[0] == pytest.approx(1 / 3600) and b["event"].iloc[0] == 1
    assert cp.attrs["ties_spaced"] == 2


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"time_scale": "hours"}, "`time_scale` must be one of 'exposure_h', 'days'"),
    ({"window_days": 0}, "`window_days` must be a whole number of days from 1 to 366"),
    ({"window_days": 7.0}, "`window_days` must be a whole number"),
])
def test_bad_arguments_are_clear_errors(study, kwargs, message):
    with pytest.raises(InputError, match=message):
        study.counting_process(**kwargs)
