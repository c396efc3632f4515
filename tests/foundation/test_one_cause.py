"""One root cause is one message: its consequences are summarised, not listed row by row."""

from __future__ import annotations

import pandas as pd

from glute_study import load_study
from glute_study.cli import main

from .conftest import read_rows, set_cell, write_rows
from .test_validate import find, problems_of


def _errors(problems: pd.DataFrame) -> pd.DataFrame:
    return problems[problems["severity"] == "error"]


def test_missing_participants_is_one_error_and_one_summary(study_dir):
    (study_dir / "participants.csv").unlink()
    problems = problems_of(study_dir)
    assert len(_errors(problems)) == 1 and len(problems) == 2, problems.to_string()
    summary = find(problems, severity="warning", file="participants.csv", rule="not checked")
    n = sum(len(pd.read_csv(p)) for p in study_dir.glob("*.csv"))
    assert f"{n} rows" in summary["rule"] and "cramps" in summary["rule"]
    assert not problems["rule"].str.contains("unknown participant").any()


def test_unreadable_participants_is_one_error_and_one_summary(study_dir):
    (study_dir / "participants.csv").write_bytes(b"\x00\x01\x02" * 50)
    problems = problems_of(study_dir)
    assert len(_errors(problems)) == 1 and len(problems) == 2, problems.to_string()
    find(problems, severity="error", file="participants.csv", rule="binary")


def test_participants_without_its_id_column_is_not_a_flood(study_dir):
    rows = read_rows(study_dir, "participants")
    rows[0][rows[0].index("participant_id")] = "athlete"
    write_rows(study_dir, "participants", rows)
    problems = problems_of(study_dir)
    find(problems, severity="error", file="participants.csv", rule="required column missing")
    assert len(problems) <= 4, problems.to_string()


def test_participants_with_no_rows_is_one_error(study_dir):
    write_rows(study_dir, "participants", read_rows(study_dir, "participants")[:1])
    problems = problems_of(study_dir)
    assert len(_errors(problems)) == 1, problems.to_string()
    find(problems, severity="error", file="participants.csv", rule="lists no participant_id")


def test_misnamed_participants_says_did_you_mean_the_file(study_dir):
    for name in ("participant.csv", "Participants_v2.csv", "participants .csv"):
        for path in study_dir.glob("*articipant*"):
            path.rename(study_dir / name)
        problems = problems_of(study_dir)
        hit = find(problems, severity="error", file="participants.csv",
                   rule="required table missing")
        assert f"'{name}': did you mean it? Rename it to participants.csv" in hit["expected"]
        assert len(problems) == 2, problems.to_string()  # not also a stray-file warning


def test_misnamed_optional_table_says_did_you_mean(study_dir):
    (study_dir / "cramps.csv").rename(study_dir / "Cramp.csv")
    hit = find(problems_of(study_dir), severity="warning", file="Cramp.csv", rule="not a study")
    assert "did you mean cramps? Rename it to cramps.csv" in hit["expected"]


def test_an_unknown_participant_is_one_error_per_table_with_its_lines(study_dir):
    rows = read_rows(study_dir, "exposure")
    pid = rows[1][0]
    hits = [i for i, r in enumerate(rows) if r[0] == pid]
    for i in hits:
        rows[i][0] = "GS99"
    write_rows(study_dir, "exposure", rows)
    problems = problems_of(study_dir)
    unknown = problems[problems["rule"].str.contains("unknown participant")]
    assert len(unknown) == 1, unknown.to_string()
    assert unknown.iloc[0]["line"] == hits[0] + 1 and unknown.iloc[0]["value"] == "GS99"
    assert f"{len(hits)} rows: lines {hits[0] + 1}-{hits[-1] + 1}" in unknown.iloc[0]["rule"]


def test_follow_up_ending_before_it_starts_is_one_error(study_dir):
    rows = read_rows(study_dir, "participants")
    head = rows[0]
    start, end = head.index("follow_up_start"), head.index("follow_up_end")
    rows[1][end] = "2000-01-01"
    write_rows(study_dir, "participants", rows)
    problems = problems_of(study_dir)
    assert len(problems) == 1, problems.to_string()
    find(problems, severity="error", file="participants.csv", rule="follow-up ends early",
         line=2)
    assert rows[1][start]


def test_a_follow_up_end_too_early_is_one_warning_per_table(study_dir):
    rows = read_rows(study_dir, "participants")
    head = rows[0]
    pid = rows[1][head.index("participant_id")]
    rows[1][head.index("follow_up_end")] = rows[1][head.index("follow_up_start")]
    write_rows(study_dir, "participants", rows)
    problems = load_study(study_dir).problems
    outside = problems[problems["rule"].str.contains("outside follow-up")]
    assert len(outside) and outside.groupby("table").size().max() == 1, outside.to_string()
    assert all(pid in e for e in outside["expected"])


def test_a_participant_listed_twice_is_not_also_outside_follow_up(study_dir):
    rows = read_rows(study_dir, "participants")
    head = rows[0]
    twin = list(rows[1])
    twin[head.index("follow_up_end")] = twin[head.index("follow_up_start")]
    write_rows(study_dir, "participants", [*rows, twin])
    problems = problems_of(study_dir)
    find(problems, severity="error", file="participants.csv", rule="duplicate key")
    assert not problems["rule"].str.contains("outside follow-up").any(), problems.to_string()


def test_unreadable_exposure_does_not_make_every_session_unknown(study_dir):
    cramps = pd.read_csv(study_dir / "cramps.csv")
    assert cramps["session_id"].notna().any()
    (study_dir / "exposure.csv").write_text("")
    problems = problems_of(study_dir)
    assert not problems["rule"].str.contains("unknown session").any(), problems.to_string()
    assert len(_errors(problems)) == 1
    find(problems, severity="warning", file="cramps.csv", rule="not checked")


def test_no_exposure_table_with_sessions_named_is_one_error(study_dir):
    (study_dir / "exposure.csv").unlink()
    problems = problems_of(study_dir)
    assert len(_errors(problems)) == 1, problems.to_string()
    find(problems, severity="error", file="cramps.csv", rule="no exposure rows")


def test_a_cramp_of_an_unknown_participant_is_not_also_an_unknown_session(study_dir):
    set_cell(study_dir, "cramps", 2, "participant_id", "GS99")
    problems = problems_of(study_dir)
    assert len(_errors(problems)) == 1, problems.to_string()


def test_json_output_keeps_every_field(study_dir, capsys):
    import json

    (study_dir / "participants.csv").unlink()
    assert main(["validate", str(study_dir), "--format", "json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert {tuple(sorted(p)) for p in report["problems"]} == {
        ("column", "expected", "file", "line", "rule", "severity", "table", "value")}


def test_rows_pasted_twice_are_one_duplicate_key_error(study_dir):
    rows = read_rows(study_dir, "exposure")
    write_rows(study_dir, "exposure", rows + rows[1:])
    problems = problems_of(study_dir)
    dup = problems[problems["rule"].str.contains("duplicate key")]
    assert len(dup) == 1, dup.to_string()
    n = len(rows) - 1
    assert f"{n} rows: lines {n + 2}-{2 * n + 1}" in dup.iloc[0]["rule"]


def test_a_few_duplicate_keys_are_each_named(study_dir):
    rows = read_rows(study_dir, "exposure")
    write_rows(study_dir, "exposure", [*rows, rows[1], rows[2]])
    dup = problems_of(study_dir).query("rule == 'duplicate key'")
    assert list(dup["line"]) == [len(rows) + 1, len(rows) + 2]


def test_rows_of_another_width_are_one_error_per_width_without_a_cell_flood(study_dir):
    path = study_dir / "exposure.csv"
    head, *body = path.read_text(encoding="utf-8").splitlines()
    body = [line.replace(",", ";") for line in body]  # the rows use another delimiter
    path.write_text("\n".join([head, *body]) + "\n", encoding="utf-8")
    problems = problems_of(study_dir)
    assert len(_errors(problems)) == 1 and len(problems) == 2, problems.to_string()
    find(problems, severity="warning", file="cramps.csv", rule="not checked")
    hit = find(problems, severity="error", file="exposure.csv", rule="wrong number of fields",
               line=2)
    assert f"{len(body)} rows: lines 2-{len(body) + 1}" in hit["rule"]


def test_one_unknown_session_of_several_cramps_is_one_error_naming_the_participant(study_dir):
    rows = read_rows(study_dir, "cramps")
    head = rows[0]
    pid, sid = head.index("participant_id"), head.index("session_id")
    first = rows[1][pid]
    mine = [i for i, r in enumerate(rows) if i and r[pid] == first and r[sid]]
    assert len(mine) >= 2
    for i in mine:
        rows[i][sid] = "S999"
    write_rows(study_dir, "cramps", rows)
    problems = problems_of(study_dir)
    unknown = problems[problems["rule"].str.contains("unknown session")]
    assert len(unknown) == 1, unknown.to_string()
    assert unknown.iloc[0]["line"] == mine[0] + 1 and first in unknown.iloc[0]["expected"]
    assert f"{len(mine)} rows: lines" in unknown.iloc[0]["rule"]


def test_missing_participants_names_the_files_that_are_there_once(study_dir):
    (study_dir / "participants.csv").rename(study_dir / "athletes.xlsx")
    problems = problems_of(study_dir)
    hit = find(problems, severity="error", file="participants.csv", rule="required table missing")
    assert "'athletes.xlsx'" in hit["expected"] and "rename it to participants.csv" in hit[
        "expected"]
    assert not (problems["file"] == "athletes.xlsx").any(), problems.to_string()
