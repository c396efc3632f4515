"""Baseline strength comes from a session on or before follow_up_start, never a later one.

A small trial built from a simulated one: athlete "late" has the two baseline strength
sessions moved to 10 and 14 days after the first day of follow-up (after randomisation) and
keeps the post-test; athlete "once" was tested once only, 5 days after follow-up began; the
others keep the simulator's sessions a week and three days before it. ``glute_nm_kg`` (the
mediator and the trial's prognostic covariate) must be missing for both late athletes, with
the reason in words in the exclusions and counted in the flow; the post-test keeps working.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glute_study import measures, simulate_study

REASON = "strength tested only after follow-up began"


@pytest.fixture(scope="module")
def late_strength():
    base = simulate_study(n=40, seed=3)
    tables = {name: t.copy() for name, t in base.tables.items()}
    rows, people = tables["strength"], tables["participants"]
    start = people.set_index("participant_id")["follow_up_start"]
    late, once, early = people["participant_id"].iloc[:3]
    for pid, session, days in ((late, 1, 10), (late, 2, 14), (once, 1, 5)):
        at = rows["participant_id"].eq(pid) & rows["session"].eq(session)
        rows.loc[at, "date"] = start[pid] + pd.Timedelta(days=days)
    tables["strength"] = rows[~(rows["participant_id"].eq(once) & rows["session"].ne(1))]
    study = type(base).from_tables(tables, metadata=base.metadata)
    return base, study, late, once, early


def test_an_athlete_tested_only_after_follow_up_began_has_no_baseline_strength(late_strength):
    base, study, late, once, early = late_strength
    table = study.analysis_table().set_index("participant_id")
    before = base.analysis_table().set_index("participant_id")
    # the old rule took the first (post-randomisation) session; now nothing is taken
    assert np.isnan(table.loc[late, "glute_nm_kg"]) and np.isnan(table.loc[once, "glute_nm_kg"])
    assert np.isnan(table.loc[late, "bridge_reps"]) and np.isnan(table.loc[once, "bridge_reps"])
    # the athlete tested before follow-up, and everyone else, is as before
    others = table.index.difference([late, once])
    assert early in others
    pd.testing.assert_series_equal(table.loc[others, "glute_nm_kg"],
                                   before.loc[others, "glute_nm_kg"])
    # the post-test keeps working: late's session 3, none for an athlete tested once
    assert table.loc[late, "glute_nm_kg_post"] == pytest.approx(
        before.loc[late, "glute_nm_kg_post"])
    assert np.isnan(table.loc[once, "glute_nm_kg_post"])
    posts = measures.post_test_dates(study.strength, study.participants)
    old = measures.post_test_dates(base.strength, base.participants)
    assert posts[late] == old[late] and once not in posts.index
    assert posts.drop(late).equals(old.drop([late, once]))


def test_the_timing_rule_is_the_one_of_emg(late_strength):
    _, study, late, once, early = late_strength
    hhd = study.strength[study.strength["test"].eq("hhd_hip_extension")]
    timing = measures.baseline_sessions(hhd, study.participants)
    assert not timing.loc[late, "baseline"] and not timing.loc[once, "baseline"]
    assert timing.loc[early, "baseline"] and timing.loc[early, "days_before_follow_up"] == 7
    assert timing.loc[late, "days_before_follow_up"] == -10
    assert int(timing["baseline"].sum()) == len(timing) - 2


def test_the_exclusions_say_why_in_words(late_strength):
    _, study, late, once, _ = late_strength
    left = study.exclusions
    left = left[left["reason"].str.startswith(REASON)]
    assert set(left["participant_id"]) == {late, once}
    assert set(left["table"]) == {"strength"}
    assert set(left["reason"]) == {f"{REASON}: no baseline glute strength",
                                   f"{REASON}: no baseline single-leg bridge"}
    # the rows listed are the late sessions' rows, not the post-test the analysis uses
    rows = study.strength.reset_index(drop=True)
    listed = rows.iloc[[int(np.flatnonzero(study.lines["strength"] == line)[0])
                        for line in left["line"]]]
    assert set(zip(listed["participant_id"], listed["session"])) == {
        (late, 1), (late, 2), (once, 1)}
    per_test = rows[rows["participant_id"].isin([late, once]) & rows["session"].ne(3)]
    assert len(left) == len(per_test)


def test_the_flow_counts_the_reason(late_strength):
    base, study, _, _, _ = late_strength
    flow = study.flow().set_index("stage")
    row = flow.loc["with baseline glute strength"]
    assert row["n"] == 38 and row["excluded"] == 2
    assert row["reason"] == f"{REASON} (2)"
    # without late tests the step reads as before
    assert base.flow().set_index("stage").loc["with baseline glute strength", "reason"] == (
        "no usable hip-extension test or body mass")


def test_the_flow_counts_each_reason_when_both_apply(late_strength):
    _, study, late, once, early = late_strength
    tables = {name: t.copy() for name, t in study.tables.items()}
    people = tables["participants"]
    people.loc[people["participant_id"].eq(early), "body_mass_kg"] = np.nan
    both = type(study).from_tables(tables, metadata=study.metadata)
    row = both.flow().set_index("stage").loc["with baseline glute strength"]
    assert row["excluded"] == 3
    assert row["reason"] == f"no usable hip-extension test or body mass (1); {REASON} (2)"


def test_the_post_test_is_a_repeat_test():
    people = pd.DataFrame({"participant_id": ["pre_post", "late_twice", "late_once", "renumbered"],
                           "follow_up_start": pd.Timestamp("2025-01-06")})
    rows = pd.DataFrame({
        "participant_id": ["pre_post"] * 2 + ["late_twice"] * 2 + ["late_once"]
        + ["renumbered"] * 2,
        "session": pd.array([1, 2, 1, 2, 1, 1, 2], dtype="Int64"),
        "date": pd.to_datetime(["2024-12-30", "2025-03-31", "2025-01-13", "2025-03-31",
                                "2025-01-13", "2025-03-31", "2024-12-30"])})
    baseline, post = measures._sessions(rows, measures._follow_up_starts(people))
    assert baseline.to_dict() == {"pre_post": 1, "renumbered": 2}
    # a late first test is neither baseline nor post-test; a later repeat is the post-test
    assert post.to_dict() == {"late_twice": 2, "pre_post": 2, "renumbered": 1}
