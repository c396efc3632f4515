"""Notebook 11 uses baseline EMG only, and counts in words the athletes whose EMG came later.

A small study built from a simulated one: one athlete's only EMG session is moved to three
weeks after the first day of follow-up (after randomisation), another keeps the simulator's
session a week before it. The notebook must leave the late athlete out of the by-arm table and
of the cramp model, and say so, with the reason in words, in the coverage table and sentence.
"""

from __future__ import annotations

import pandas as pd
import pytest

from glute_study import measures, simulate_study
from glute_study.report import runner


@pytest.fixture(scope="module")
def late_emg(tmp_path_factory):
    base = simulate_study(n=80, seed=11)
    tables = {name: t.copy() for name, t in base.tables.items()}
    act = tables["activation"]
    start = tables["participants"].set_index("participant_id")["follow_up_start"]
    late, early = list(pd.unique(act["participant_id"]))[:2]
    act.loc[act["participant_id"].eq(late), "date"] = start[late] + pd.Timedelta(days=21)
    study = type(base).from_tables(tables, metadata=base.metadata)
    folder = study.save(tmp_path_factory.mktemp("study") / "late_emg")
    out = tmp_path_factory.mktemp("rep") / "rep"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner, "code_hash", lambda: "pinned-code")
        runner.run_report(out, parameters={"study_dir": str(folder)}, only=["11"],
                          progress=False)
    return study, late, early, out


def test_the_late_athlete_has_the_reason_and_no_measure(late_emg):
    study, late, early, _ = late_emg
    reasons = measures.emg_coverage(study.activation, study.participants)
    assert reasons[late] == "after_follow_up_start"
    assert reasons[early] == "with_onset_delay"
    table = study.analysis_table().set_index("participant_id")
    assert pd.isna(table.loc[late, "glute_onset_delay_ms"])


def test_coverage_table_and_sentence_count_emg_after_follow_up_began(late_emg):
    study, _, _, out = late_emg
    coverage = pd.read_csv(out / "tables" / "11_emg_coverage.csv").set_index("reason")
    assert coverage.loc["EMG recorded only after follow-up began", "athletes"] == 1
    assert coverage["athletes"].sum() == len(study.participants)
    methods = (out / "methods.md").read_text()
    assert "EMG recorded only after follow-up began, 1" in methods
    assert ("EMG was recorded only after follow-up (and the randomised training) began for "
            "1 athlete (21 days after it)") in methods
    # the others are told when their (baseline) session was
    sessions = measures.emg_sessions(study.activation, study.participants)
    before = sessions.loc[sessions["baseline"], "days_before_follow_up"]
    assert (f"on or before the first day of follow-up for every athlete analysed, "
            f"{before.min():.0f} days" in methods) or "a median of" in methods
    assert "first EMG session" not in (out / "results.md").read_text() + methods


def test_by_arm_table_and_cramp_model_use_baseline_emg_only(late_emg):
    study, late, _, out = late_emg
    table = study.analysis_table()
    with_delay = table["glute_onset_delay_ms"].notna()
    by_arm = pd.read_csv(out / "tables" / "11_by_arm.csv").set_index("variable")
    assert int(by_arm.loc["n", "overall"]) == int((with_delay & table["arm"].notna()).sum())
    methods = (out / "methods.md").read_text()
    at_risk = int((with_delay & (table["exposure_h"] > 0)).sum())
    assert f"among the {at_risk} athletes with EMG and exposure" in methods
    assert late not in set(table.loc[with_delay, "participant_id"])
