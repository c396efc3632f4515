"""The report's fork server opens the study once; a notebook takes it only when it is the same."""

from __future__ import annotations

import json
import shutil

from glute_study.report import data


def _arguments(study_dir, n=400, seed=2026, scenario="hypothesis") -> str:
    return json.dumps({"study_dir": str(study_dir), "n": n, "seed": seed, "scenario": scenario})


def test_a_notebook_takes_the_preloaded_study_once(tmp_path):
    folder = shutil.copytree(data.DEMO_DIR, tmp_path / "study")
    assert data.preload_study(_arguments(folder))
    preloaded = data._PRELOADED[("folder", str(folder.resolve()))][1]
    first = data.open_study(str(folder))
    assert first is preloaded
    second = data.open_study(str(folder))  # a second call opens the folder again
    assert second is not first
    assert second.analysis_table().equals(first.analysis_table())


def test_a_changed_file_is_read_again(tmp_path):
    folder = shutil.copytree(data.DEMO_DIR, tmp_path / "study")
    assert data.preload_study(_arguments(folder))
    cramps = folder / "cramps.csv"
    lines = cramps.read_text().splitlines(keepends=True)
    cramps.write_text("".join(lines[:-1]))  # one cramp fewer since the server read it
    study = data.open_study(str(folder))
    assert len(study.cramps) == len(lines) - 2
    assert not data._PRELOADED


def test_another_study_is_not_handed_over(tmp_path):
    folder = shutil.copytree(data.DEMO_DIR, tmp_path / "study")
    assert data.preload_study(_arguments(folder))
    other = data.open_study("", n=30, seed=1, scenario="null")
    assert len(other.participants) == 30
    data._PRELOADED.clear()


def test_a_study_that_cannot_be_opened_is_left_to_the_notebook(tmp_path):
    (tmp_path / "participants.csv").write_text("participant_id,age\nP1,not a number\n")
    assert not data.preload_study(_arguments(tmp_path))
    assert not data.preload_study("not json")
    assert not data._PRELOADED


def test_the_server_keeps_the_pdf_font_subsets_for_its_workers():
    import os
    import subprocess
    import sys

    code = ("import glute_study.report._preload, glute_study.figures.save as s; "
            "print(sorted(k[0].rsplit('/', 1)[-1] for k in s._SUBSETS))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, data.PRELOAD_ENV: "{}"})
    assert out.stdout.strip() == "['DejaVuSans-Bold.ttf', 'DejaVuSans.ttf']"
