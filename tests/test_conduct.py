"""study.json "conduct": how the study was run, checked and put into methods and checklists."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from glute_study.cli import main
from glute_study.conduct import FIELDS, study_conduct
from glute_study.errors import InputError
from glute_study.report import checklists, runner
from glute_study.report.writers import NotebookReport
from glute_study.simulate import simulate_study

NOTEBOOKS = Path(__file__).parent / "report" / "notebooks"


def test_stated_fields_read_in_checklist_order_with_arm_labels():
    c = study_conduct({"conduct": {"trial": {
        "blinding": "  Testers were blinded to arm  ",
        "interventions": {"glute_training": "Three sessions a week.", "control": "Usual."},
        "sequence": "Computer-generated random numbers."}}})
    assert c.trial["interventions"] == "Glute training: Three sessions a week; Control: Usual"
    text = c.methods_text("trial")
    assert text.index("Interventions:") < text.index("Allocation sequence:") \
        < text.index("Blinding: Testers were blinded to arm.")
    assert c.source == dict.fromkeys(["blinding", "interventions", "sequence"], "study.json")
    assert [m.split(" ")[0] for m in c.missing("trial")] == [
        "allocation", "concealment", "implementation", "similarity", "interim", "harms"]
    assert c.harms_text() == "" and c.methods_text("reliability") == ""


@pytest.mark.parametrize("raw, words", [
    ({"conduct": ["blinded"]}, 'study.json "conduct" must be an object'),
    ({"conduct": {"trail": {}}}, "no part 'trail' (did you mean 'trial'?)"),
    ({"conduct": {"trial": "blinded"}}, '"conduct" > "trial" must be an object'),
    ({"conduct": {"trial": {"concealed": "yes"}}}, "(did you mean 'concealment'?)"),
    ({"conduct": {"trial": {"blinding": ""}}}, '"blinding" must be a non-empty text'),
    ({"conduct": {"trial": {"blinding": 1}}}, "got 1"),
    ({"conduct": {"trial": {"interventions": {}}}}, "describe each arm"),
    ({"conduct": {"trial": {"interventions": {"control": None}}}}, "> 'control' must be"),
    ({"conduct": {"reliability": {"sequence": "x"}}}, "the fields are: raters, sample_size"),
])
def test_faults_name_the_place_and_what_was_expected(raw, words):
    with pytest.raises(InputError) as err:
        study_conduct(raw)
    assert words in str(err.value)


def test_simulated_study_describes_the_simulator_and_the_study_overrides_it():
    sim = simulate_study(n=40, seed=3)
    c = study_conduct(sim)
    assert set(c.trial) == set(FIELDS["trial"]) and set(c.reliability) == set(FIELDS["reliability"])
    assert "seed 3" in c.trial["sequence"] and c.trial["concealment"].startswith("Not applicable")
    assert "n = 40" in c.reliability["sample_size"]
    sim.metadata["conduct"] = {"trial": {"blinding": "Open label."}}
    c = study_conduct(sim)
    assert c.trial["blinding"] == "Open label." and c.source["blinding"] == "study.json"
    assert c.source["sequence"] == "simulator"
    cohort = simulate_study(n=40, seed=3, trial=False)
    assert study_conduct(cohort).trial == {}
    cluster = study_conduct({"truth": {"trial": True, "design": "cluster", "seed": 1}})
    assert "cluster randomisation" in cluster.trial["allocation"]
    assert study_conduct(None).trial == {} and study_conduct({}).missing("trial")


def test_follow_up_period_from_the_participants():
    people = pd.DataFrame({"participant_id": ["a", "b", "c"],
                           "follow_up_start": pd.to_datetime(["2025-03-03", "2025-02-24", None]),
                           "follow_up_end": pd.to_datetime(["2025-08-31", "2025-09-07", None])})
    text = study_conduct({}).methods_text("trial", participants=people)
    assert text.startswith("Follow-up ran from 24 February 2025 to 7 September 2025")
    empty = people.iloc[2:]
    assert study_conduct({}).methods_text("trial", participants=empty) == ""
    with pytest.raises(InputError, match="must be one of"):
        study_conduct({}).methods_text("trials")


def test_every_checklist_item_names_a_known_conduct_field():
    named = [(c.key, i) for c in checklists.CHECKLISTS for i in c.items if i.conduct]
    assert len(named) == 13
    for _, item in named:
        part, key = item.conduct.split(".")
        assert key in FIELDS[part], item


def _consort(methods: str, results: str = "") -> dict[str, list[str]]:
    rep = NotebookReport("06_trial", "06 The glute-training trial", entries=[
        {"name": "conduct", "kind": "text", "text": results, "caption": "",
         "methods": methods, "files": []}])
    found = checklists.evaluate([rep], Path("."), design={"trial": True})
    consort = next(items for c, items in found if c.key == "consort")
    return {i.number: places for i, places in consort}


def test_conduct_answers_the_consort_items_and_the_hint_names_the_field():
    c = study_conduct(simulate_study(n=30, seed=1))
    places = _consort(c.methods_text("trial"), c.harms_text())
    for number in ("5", "7b", "8a", "8b", "9", "10", "11a", "11b", "19"):
        assert len(places[number]) == 1 and places[number][0].startswith(
            "results.md" if number == "19" else "methods.md"), number
    nothing = _consort("")
    item = next(i for i in checklists.CONSORT.items if i.number == "9")
    assert nothing["9"] == []
    assert checklists._answer(item, []) == ('NOT REPORTED in this report; state it in '
                                            'study.json "conduct" > "trial" > "concealment"')


def test_report_refuses_a_faulty_conduct_before_running_anything(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "study"
    simulate_study(n=20, seed=2).save(folder)
    meta = json.loads((folder / "study.json").read_text(encoding="utf-8"))
    meta["conduct"] = {"trial": {"blinded": "yes"}}
    (folder / "study.json").write_text(json.dumps(meta), encoding="utf-8")

    def no_notebooks(*args, **kwargs):
        raise AssertionError("a notebook started before the conduct was checked")

    monkeypatch.setattr(runner, "_run_jobs", no_notebooks)
    out = tmp_path / "rep"
    code = main(["report", str(folder), "--out", str(out), "--notebooks", str(NOTEBOOKS),
                 "--no-progress"])
    err = capsys.readouterr().err
    assert code != 0 and "no field 'blinded' (did you mean 'blinding'?)" in err
    assert "Traceback" not in err and not out.exists()
