"""checklists.md: each item points at a place the report holds, or says NOT REPORTED."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from glute_study import simulate_study
from glute_study.report import runner
from glute_study.report.checklists import (
    CHECKLISTS,
    NOT_REPORTED,
    Look,
    evaluate,
    study_design,
    write_checklists,
)
from glute_study.report.writers import NotebookReport

NOTEBOOKS = Path(__file__).parent / "notebooks"


def _rows(text: str) -> dict[str, list[tuple[str, str]]]:
    """Section name -> (item number, where reported) of checklists.md."""
    out: dict[str, list[tuple[str, str]]] = {}
    section = ""
    for line in text.splitlines():
        if line.startswith("## "):
            section = line[3:]
            out[section] = []
        elif line.startswith("| ") and section and not line.startswith(("| Item", "| ---")):
            cells = [c.strip() for c in line.strip("|").split(" | ")]
            out[section].append((cells[0], cells[2]))
    return out


def _check_place(rep: Path, place: str) -> None:
    methods = (rep / "methods.md").read_text()
    results = (rep / "results.md").read_text()
    if place.startswith("methods.md, Statistical analysis: "):
        assert f"### {place.split(': ', 1)[1]}\n" in methods, place
    elif place.startswith("methods.md, "):
        assert f"## {place.split(', ', 1)[1]}\n" in methods, place
    elif place.startswith("results.md, "):
        title, label = re.fullmatch(r"results\.md, (.*?)(?: \(with ((?:Table|Figure) [\d.]+)"
                                    r"\))?", place).groups()
        assert f"## {title}\n" in results, place
        assert not label or f"*{label}.*" in results, place
    elif place.startswith(("Table ", "Figure ")):
        label, file = re.fullmatch(r"((?:Table|Figure) [\d.]+) \((.+)\)", place).groups()
        assert (rep / file).is_file(), place
        assert f"*{label}.*" in results and file in results, place
    elif not place.startswith("and "):
        assert (rep / place).is_file(), place


def test_every_place_named_exists(two_reports):
    a, _, _ = two_reports
    sections = _rows((a / "checklists.md").read_text())
    # a simulated cohort has a trial, three strength sessions and mediation data
    assert list(sections) == ["STROBE-SIIS", "CONSORT 2010", "GRRAS", "AGReMA"]
    answered = 0
    for rows in sections.values():
        numbers = [n for n, _ in rows]
        assert len(numbers) == len(set(numbers))
        for _, where in rows:
            if NOT_REPORTED in where:
                assert where.startswith("**") and where.endswith("**")  # flagged
                continue
            answered += 1
            for place in where.split("; "):
                if not place.endswith(": for the authors to write"):  # the part left to them
                    _check_place(a, place)
    assert answered >= 4  # the test notebooks record little; the demo test checks more
    strobe = dict(sections["STROBE-SIIS"])
    # the interval item points at the table with ci_low/ci_high, the methods at its notebook
    assert strobe["16a"].startswith("Table 1.1 (tables/01_mean_x.csv)")
    assert strobe["8"].startswith("**NOT REPORTED")
    assert strobe["19"] == "**NOT REPORTED: for the authors to write (discussion)**"


def test_a_report_without_the_tables_notebook_says_not_reported(tmp_path):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner, "code_hash", lambda: "pinned-code")
        runner.run_report(tmp_path / "rep", parameters={"seed": 3}, notebooks_dir=NOTEBOOKS,
                          only=["02"], progress=False)
    strobe = dict(_rows((tmp_path / "rep" / "checklists.md").read_text())["STROBE-SIIS"])
    assert strobe["16a"] == f"**{NOT_REPORTED} in this report**"
    assert strobe["12c"] == f"**{NOT_REPORTED} in this report**"
    assert "Table 1.1" not in (tmp_path / "rep" / "checklists.md").read_text()


def test_consort_only_with_a_trial(tmp_path):
    observational = simulate_study(n=40, seed=1, trial=False)
    design = study_design(observational)
    assert design["trial"] is False
    rep = NotebookReport("04_x", "04 Cramps", entries=[
        {"name": "r", "kind": "text", "text": "6 cramps per 1000 h.", "caption": "",
         "methods": "Adjusted for age.", "files": []}])
    found = evaluate([rep], tmp_path, design=design)
    assert "CONSORT 2010" not in [c.name for c, _ in found]
    text = write_checklists(found, tmp_path / "checklists.md", design=design).read_text()
    assert "## CONSORT" not in text
    assert "CONSORT 2010 does not apply: it applies when the study has a randomised trial" in text
    trial = evaluate([rep], tmp_path, design={**design, "trial": True})
    assert "CONSORT 2010" in [c.name for c, _ in trial]


def test_grras_needs_two_sessions(tmp_path):
    names = [c.name for c, _ in evaluate([], tmp_path, design={"strength_sessions": 1})]
    assert "GRRAS" not in names
    names = [c.name for c, _ in evaluate([], tmp_path, design={"strength_sessions": 2})]
    assert "GRRAS" in names


def test_typed_text_in_places_is_escaped(tmp_path):
    title = "04 <script>|a|*b* \x07"
    rep = NotebookReport("04_x", title, entries=[
        {"name": "r", "kind": "text", "text": "6 cramps per 1000 h.", "caption": "",
         "methods": "", "files": []}])
    found = evaluate([rep], tmp_path, design={})
    text = write_checklists(found, tmp_path / "checklists.md", design={}).read_text()
    assert "<script>" not in text and "\x07" not in text
    assert "results.md, 04 &lt;script>&#124;a&#124;\\*b\\*" in text


def test_checklists_are_data():
    for checklist in CHECKLISTS:
        assert checklist.items and checklist.reference
        for item in checklist.items:
            assert item.look or item.author, (checklist.name, item.number)
            assert len(item.text) < 200  # short paraphrases, not the guideline's text
    with pytest.raises(ValueError, match="Look.where must be one of"):
        Look("abstract")


@pytest.mark.slow
def test_demo_report_checklists_and_manuscript(tmp_path):
    """The full demo report: every place exists, and the manuscript holds every numbered table
    and figure of results.md, in its order."""
    import docx

    rep = tmp_path / "demo"
    runner.run_report(rep, parameters={"study_dir": str(runner.NOTEBOOKS_DIR.parent / "datasets"
                                                        / "demo")}, progress=False)
    sections = _rows((rep / "checklists.md").read_text())
    assert list(sections) == ["STROBE-SIIS", "CONSORT 2010", "GRRAS", "AGReMA"]
    for rows in sections.values():
        for _, where in rows:
            if NOT_REPORTED not in where:
                for place in where.split("; "):
                    _check_place(rep, place)
    strobe = dict(sections["STROBE-SIIS"])
    assert "Table 1.3 (tables/01_table1.csv)" in strobe["14a"]
    grras = dict(sections["GRRAS"])
    assert "Table 2.1 (tables/02_icc_left.csv)" in grras["13"]
    labels = re.findall(r"^\*((?:Table|Figure) \d+\.\d+)\.\*", (rep / "results.md").read_text(),
                        re.MULTILINE)
    texts = [p.text for p in docx.Document(rep / "manuscript.docx").paragraphs]
    assert [t for t in texts if re.fullmatch(r"(Table|Figure) \d+\.\d+", t)] == labels


def test_an_item_is_answered_within_one_sentence(tmp_path):
    """GRRAS 9 (independent measurements) is not answered by 'independent events' in one
    sentence and 'device-measured' in the next; it is by a sentence that says so."""
    def grras_9(methods: str) -> str:
        rep = NotebookReport("04_x", "04 Cramps", entries=[
            {"name": "r", "kind": "text", "text": "", "caption": "", "methods": methods,
             "files": []}])
        found = dict((c.name, rows) for c, rows in
                     evaluate([rep], tmp_path, design={"strength_sessions": 2}))
        return dict((item.number, place) for item, place in found["GRRAS"])["9"]

    assert grras_9("The dispersion was 2.8 (1 for independent events). "
                   "Device-measured sitting was averaged.") == []
    assert grras_9("The two sessions were measured independently by two raters.") != []


def test_time_to_cramp_answers_consort_13b_and_strobe_14c(tmp_path):
    """Notebook 07's sentence that counts the athletes left out, by arm and with the reason,
    answers CONSORT 13b; its numbers-at-risk table on the exposure scale answers STROBE-SIIS
    14c (follow-up and exposure time)."""
    import pandas as pd

    from glute_study.stats.survival import kaplan_meier, numbers_at_risk

    data = pd.read_csv(Path(__file__).parents[1] / "reference" / "survival"
                       / "exposure_km_cox_data.csv")
    km = kaplan_meier(data, time="time", event="event", group="arm", left_out="left_out",
                      scale="exposure")
    risk = numbers_at_risk(km)
    (tmp_path / "tables").mkdir()
    risk.to_csv(tmp_path / "tables" / "07_numbers_at_risk.csv", index=False)
    rep = NotebookReport("07_time_to_cramp", "07 Time to first hamstring cramp", entries=[
        {"name": "kaplan_meier", "kind": "result", "text": km.text, "caption": "",
         "methods": "", "files": []},
        {"name": "numbers_at_risk", "kind": "table", "text": "",
         "caption": "Numbers at risk by trial arm at cumulative exposure times",
         "methods": "", "files": ["tables/07_numbers_at_risk.csv"]}])
    found = dict((c.name, dict((i.number, p) for i, p in rows)) for c, rows in
                 evaluate([rep], tmp_path, design={"trial": True}))
    assert found["CONSORT 2010"]["13b"] == [
        "results.md, 07 Time to first hamstring cramp (with Table 7.1)"]
    assert found["STROBE-SIIS"]["14c"] == ["Table 7.2 (tables/07_numbers_at_risk.csv)"]
    # a sentence without the per-arm counts does not answer 13b
    rep.entries[0]["text"] = "9 athletes were left out."
    again = dict((c.name, dict((i.number, p) for i, p in rows)) for c, rows in
                 evaluate([rep], tmp_path, design={"trial": True}))
    assert again["CONSORT 2010"]["13b"] == []


def test_dates_and_setting_are_found_where_they_are_stated(tmp_path):
    """STROBE-SIIS 5 asks for dates: the trial's "Follow-up ran from ..." sentence answers it,
    not Table 1 alone; CONSORT 4b (setting) is not answered by a data paragraph that names
    only the study folder."""
    rep = NotebookReport("06_trial", "06 Trial", entries=[
        {"name": "r", "kind": "text", "text": "", "caption": "", "files": [],
         "methods": "Follow-up ran from 6 January 2025 to 10 August 2025."}])
    found = dict((c.name, dict((i.number, p) for i, p in rows)) for c, rows in evaluate(
        [rep], tmp_path, design={"trial": True},
        data="Data were read from the study folder 'my_study' (7 files)."))
    assert found["STROBE-SIIS"]["5"] == ["methods.md, Statistical analysis: 06 Trial"]
    assert found["CONSORT 2010"]["4b"] == []


def test_study_size_is_not_answered_by_planning_the_next_study(tmp_path):
    """CONSORT 7a and STROBE 10 ask how this study's size was arrived at; notebook 08's power
    curves plan the next study from this one's data and do not answer it."""
    (tmp_path / "tables").mkdir()
    (tmp_path / "tables" / "08_power_trial.csv").write_text("term,estimate,n,power\n")
    rep = NotebookReport("08_study_planning", "08 Study planning", entries=[
        {"name": "power_trial", "kind": "table", "text": "", "files":
         ["tables/08_power_trial.csv"], "caption": "Simulated power: glute training lowers "
         "the hamstring-cramp rate", "methods": "Power was estimated for each primary "
         "hypothesis by simulating 100 studies per sample size."}])
    found = dict((c.name, dict((i.number, p) for i, p in rows)) for c, rows in evaluate(
        [rep], tmp_path, design={"trial": True}))
    assert found["CONSORT 2010"]["7a"] == []
    assert found["STROBE-SIIS"]["10"] == []
    stated = NotebookReport("02_reliability", "02 Reliability", entries=[
        {"name": "c", "kind": "text", "text": "", "caption": "", "files": [], "methods":
         "The sample size of 400 was chosen to detect a rate ratio of 0.7 with 80 % power."}])
    found = dict((c.name, dict((i.number, p) for i, p in rows)) for c, rows in evaluate(
        [stated], tmp_path, design={"trial": True}))
    assert found["CONSORT 2010"]["7a"] == ["methods.md, Statistical analysis: 02 Reliability"]


def test_an_item_answered_in_part_names_the_part_left_to_the_authors(two_reports):
    a, _, _ = two_reports
    agrema = dict(_rows((a / "checklists.md").read_text())["AGReMA"])
    assert agrema["25"] == ("provenance.json; funding and conflicts of interest: for the authors "
                            "to write")
