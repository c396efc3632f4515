"""Notebooks 01 and 03 count the athletes whose strength was tested only after follow-up began.

The study of tests/test_strength_baseline.py in miniature: one athlete's baseline strength
sessions are moved to after the first day of follow-up (the post-test kept), another athlete
keeps the simulator's sessions before it. Notebook 01's flow table, flow diagram and
exclusions table, and notebook 03's description of glute strength, must say so in words.
"""

from __future__ import annotations

import pandas as pd
import pytest

from glute_study import simulate_study
from glute_study.report import runner

REASON = "strength tested only after follow-up began"


@pytest.fixture(scope="module")
def late_report(tmp_path_factory):
    base = simulate_study(n=60, seed=5)
    tables = {name: t.copy() for name, t in base.tables.items()}
    rows, people = tables["strength"], tables["participants"]
    start = people.set_index("participant_id")["follow_up_start"]
    late = people["participant_id"].iloc[0]
    early = rows.loc[rows["session"].le(2) & rows["participant_id"].ne(late)]
    assert (early["date"] <= early["participant_id"].map(start)).all()
    at = rows["participant_id"].eq(late) & rows["session"].le(2)
    rows.loc[at, "date"] = start[late] + pd.Timedelta(days=10)
    study = type(base).from_tables(tables, metadata=base.metadata)
    folder = study.save(tmp_path_factory.mktemp("study") / "late_strength")
    out = tmp_path_factory.mktemp("rep") / "rep"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner, "code_hash", lambda: "pinned-code")
        runner.run_report(out, parameters={"study_dir": str(folder)}, only=["01", "03"],
                          progress=False)
    return study, late, out


def test_flow_and_exclusions_tables_count_the_late_athlete(late_report):
    study, late, out = late_report
    assert pd.isna(study.analysis_table().set_index("participant_id").loc[late, "glute_nm_kg"])
    flow = pd.read_csv(out / "tables" / "01_flow.csv").set_index("stage")
    step = flow.loc["with baseline glute strength"]
    assert step["excluded"] == 1 and step["reason"] == f"{REASON} (1)"
    excluded = pd.read_csv(out / "tables" / "01_exclusions.csv")
    mine = excluded[excluded["reason"].str.startswith(REASON)]
    assert set(mine["table"]) == {"strength"} and len(mine) == 2  # glute and bridge rows
    assert "nan" not in (out / "results.md").read_text()


def test_notebook_03_says_who_has_baseline_strength(late_report):
    _, _, out = late_report
    note = (out / "tables" / "03_describe.tex").read_text()
    assert ("59 of 60 athletes have it; 1 does not: strength tested only after follow-up "
            "began (1).") in " ".join(note.split())
