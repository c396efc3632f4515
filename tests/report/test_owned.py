"""A report replaces or removes only the files it wrote (listed in ``.glute_study_files``).

A report sent into a folder holding the user's own files (``methods.md``, a notebook copy, a
table of the same name as one the report records) stops and names them, unless ``overwrite``;
files that are merely in the folder are never removed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from glute_study._files import OWNED_FILE, owned_files
from glute_study.errors import OverwriteError
from glute_study.report import runner
from glute_study.report.runner import ReportError

NOTEBOOKS = Path(__file__).parent / "notebooks"

_USERS = {"01_tables.ipynb": "{}", "01_tables.html": "<p>mine</p>", "index.html": "<p>mine</p>",
          "methods.md": "# my methods\n", "tables/01_raw_measurements.csv": "a,b\n1,2\n",
          "figures/02_sketch.svg": "<svg/>", "notes.md": "my notes\n"}


def _users_files(folder: Path, names=_USERS) -> dict[str, str]:
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(_USERS[name])
    return {name: _USERS[name] for name in names}


def _unchanged(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        assert (folder / name).read_text() == text, name


def test_a_folder_of_the_users_files_is_refused_before_anything_runs(tmp_path, monkeypatch):
    out = tmp_path / "rep"
    files = _users_files(out)
    monkeypatch.setattr(runner, "_run_jobs", lambda *a, **k: pytest.fail("notebooks ran"))
    with pytest.raises(OverwriteError) as err:
        runner.run_report(out, notebooks_dir=NOTEBOOKS, progress=False)
    for name in ("methods.md", "index.html", "01_tables.ipynb", "01_tables.html"):
        assert name in str(err.value)
    assert "--overwrite" in str(err.value)
    _unchanged(out, files)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == \
        sorted(files)


def test_the_report_never_removes_files_it_did_not_write(two_reports, tmp_path, monkeypatch):
    a, _, _ = two_reports
    out = tmp_path / "rep"
    shutil.copytree(a, out)
    monkeypatch.setattr(runner, "code_hash", lambda: "pinned-code")
    # beside the report's own: the user's files with the notebooks' prefixes
    files = _users_files(out, ["tables/01_raw_measurements.csv", "figures/02_sketch.svg",
                               "notes.md"])
    runner.run_report(out, parameters={"seed": 3}, notebooks_dir=NOTEBOOKS, progress=False,
                      force=True)
    _unchanged(out, files)
    owned = owned_files(out)
    assert "tables/01_mean_x.csv" in owned and "methods.md" in owned
    assert not owned & set(files)


def test_a_recorded_table_in_the_way_stops_the_notebook_naming_it(tmp_path, monkeypatch):
    monkeypatch.setattr(runner, "code_hash", lambda: "pinned-code")
    out = tmp_path / "rep"
    (out / "tables").mkdir(parents=True)
    (out / "tables" / "01_mean_x.csv").write_text("mine\n")
    (out / "tables" / "01_raw_measurements.csv").write_text("mine too\n")
    with pytest.raises(ReportError, match=r"01_mean_x\.csv was not written by glute_study.*"
                                          r"--overwrite"):
        runner.run_report(out, parameters={"seed": 3}, notebooks_dir=NOTEBOOKS, only=["01"],
                          progress=False)
    assert (out / "tables" / "01_mean_x.csv").read_text() == "mine\n"
    runner.run_report(out, parameters={"seed": 3}, notebooks_dir=NOTEBOOKS, only=["01"],
                      progress=False, overwrite=True)
    assert (out / "tables" / "01_mean_x.csv").read_text().startswith("term,")
    assert (out / "tables" / "01_raw_measurements.csv").read_text() == "mine too\n"
    assert "tables/01_mean_x.csv" in owned_files(out)
    assert (out / OWNED_FILE).read_text().splitlines()[1:] == sorted(owned_files(out))
