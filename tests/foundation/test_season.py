"""The season simulator (issue 14 item 5): weekly sitting within an athlete, device weeks
across the season, and an acute within-athlete effect of the recent week on hamstring cramps."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glute_study import InputError, simulate_study


def test_season_truth_device_weeks_and_unchanged_tables():
    plain = simulate_study(n=80, seed=3)
    season = simulate_study(n=80, seed=3, season=True)
    truth = season.truth
    assert truth["hr_recent_sitting_per_h"] == 1.15
    assert truth["season"]["monitored_weeks"] == [1, 5, 9, 13, 17, 21]
    assert "rr_recent_sitting_per_h" in truth["effects"]
    assert "rr_recent_sitting_per_h" not in plain.truth["effects"]
    for name in ("participants", "strength", "activation", "exposure"):
        pd.testing.assert_frame_equal(season.tables[name], plain.tables[name])
    device = season.sitting[season.sitting["instrument"].eq("activpal")]
    start = device["participant_id"].map(season.participants.set_index("participant_id")
                                         ["follow_up_start"])
    day = (device["date"] - start).dt.days
    week = np.floor_divide(day, 7)
    assert set(week) == {-2, 0, 4, 8, 12, 16, 20}
    cramps = season.cramps.merge(season.exposure, on=["participant_id", "session_id"])
    assert len(cramps) == len(season.cramps)
    assert (cramps["datetime"].dt.normalize() == cramps["date"]).all()
    assert simulate_study(n=20, seed=1, season=True, scenario="null").truth[
        "hr_recent_sitting_per_h"] == 1.0


def test_weekly_sitting_varies_within_athletes():
    study = simulate_study(n=600, seed=2, season=1, trial=False)
    d = study.sitting[study.sitting["instrument"].eq("activpal")
                      & study.sitting["valid_day"].fillna(False)]
    start = d["participant_id"].map(study.participants.set_index("participant_id")
                                    ["follow_up_start"])
    d = d.assign(week=(d["date"] - start).dt.days // 7)
    means = d[d["week"] >= 0].groupby(["participant_id", "week"])["sitting_h"].mean().unstack()
    dev = means.sub(means.mean(axis=1), axis=0).to_numpy()
    # SD of a week's mean: sqrt(0.8^2 + day noise / 7 valid days) about 1.1; lag-1 correlation
    # 0.5 x 0.64 / 1.2 about 0.27, diluted by the day noise and the device's wear truncation
    assert 0.9 < np.nanstd(dev) < 1.3
    a, b = dev[:, :-1].ravel(), dev[:, 1:].ravel()
    ok = np.isfinite(a) & np.isfinite(b)
    assert 0.1 < np.corrcoef(a[ok], b[ok])[0, 1] < 0.35


@pytest.mark.parametrize("season", [0.5, 25, "weekly"])
def test_bad_season_is_a_clear_error(season):
    with pytest.raises(InputError, match="`season` must be"):
        simulate_study(n=20, seed=1, season=season)


@pytest.mark.slow
@pytest.mark.parametrize(("scenario", "truth"), [("hypothesis", 1.15), ("null", 1.0)])
def test_recurrent_cox_recovers_the_within_athlete_effect(scenario, truth):
    """Andersen-Gill on the counting process, window sitting adjusted for the athlete's mean
    (seed 7, n 3000, every week monitored: 1.156 [1.115, 1.198]; null 0.990 [0.952, 1.030])."""
    from glute_study.stats import recurrent_events

    study = simulate_study(n=3000, seed=7, trial=False, season=1, scenario=scenario)
    cp = study.counting_process().dropna(subset=["sitting_h_day_window", "sitting_h_day"])
    fit = recurrent_events(cp, "sitting_h_day_window + sitting_h_day + prior_cramps + age + "
                           "C(sex)", start="start", stop="stop", event="event")
    row = fit.table.set_index("term").loc["sitting_h_day_window"]
    assert row["ci_low"] < truth < row["ci_high"]
