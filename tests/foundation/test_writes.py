"""Files are written whole or not at all, and never over (or instead of) a stranger's files.

Faults are injected where the operating system would raise them (tests run as root, where a
chmod'ed folder does not stop writes): ``_files._create`` for a read-only folder, ``os.fsync`` for
a full disk, ``os.replace`` for a failing move.
"""

from __future__ import annotations

import errno
import importlib
import os
import re
from pathlib import Path

import pandas as pd
import pytest

from glute_study import _files, load_study, simulate_study
from glute_study.cli import main
from glute_study.errors import InputError, OverwriteError, WriteError
from glute_study.study_folder import merge_tables

PACKAGE = Path(__file__).resolve().parents[2] / "glute_study"
TEMPLATE = PACKAGE / "io" / "templates" / "strength_template.csv"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _no_temporaries(folder: Path) -> None:
    left = [p for p in folder.rglob("*") if p.name.endswith(".tmp")]
    assert left == []


def _read_only(monkeypatch) -> None:
    def refuse(path):
        raise PermissionError(errno.EACCES, "Permission denied", str(path))
    monkeypatch.setattr(_files, "_create", refuse)


def _full_disk(monkeypatch, *, after: int = 0) -> None:
    """The disk fills up after ``after`` files were written."""
    real, calls = os.fsync, []

    def fsync(fd):
        calls.append(fd)
        if len(calls) > after:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(fd)
    monkeypatch.setattr(_files.os, "fsync", fsync)


# -- the package writes only through glute_study._files -----------------------------------

_DIRECT = [
    (r"\.write_(text|bytes)\(", "Path.write_text/write_bytes"),
    (r"\.to_(csv|parquet|excel|json)\((?!\s*\)|\s*\w+\s*=)", "DataFrame.to_csv(path)"),
    (r"\bsavefig\((?!buffer\b)", "savefig(path)"),
    (r"nbformat\.write\((?!nb, tmp\))", "nbformat.write(path)"),
    (r"\bopen\([^)]*['\"][wax]b?\+?['\"]", "open(path, 'w')"),
    (r"(?<!study)\.save\((?!raw\))", ".save(path) (python-docx, openpyxl)"),
    (r"\.mkdir\(|os\.makedirs\(", "mkdir (use _files.make_folder)"),
    (r"os\.(replace|rename)\(|shutil\.(copy|move)", "os.replace/shutil"),
]


def _code_lines(path: Path):
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith((">>>", "...", "#")):
            continue  # doctest examples write into temporary folders of their own
        yield number, line


def test_the_package_writes_files_only_through_files_module():
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "_files.py":
            continue
        for number, line in _code_lines(path):
            for pattern, what in _DIRECT:
                if re.search(pattern, line):
                    found.append(f"{path.relative_to(PACKAGE)}:{number}: {what}: {line.strip()}")
    assert found == [], "write through glute_study._files:\n" + "\n".join(found)


def test_the_check_finds_a_direct_write(tmp_path):
    bad = ["    frame.to_csv(folder / 'x.csv', index=False)", "    path.write_text(body)",
           "    fig.savefig(path, format='svg')", "    with open(p, 'w') as f:"]
    for line in bad:
        assert any(re.search(p, line) for p, _ in _DIRECT), line
    assert not any(re.search(p, "    text = frame.to_csv(index=False)") for p, _ in _DIRECT)


# -- one file, a group of files ------------------------------------------------------------

@pytest.mark.parametrize("fault", ["read_only", "full_disk", "move"])
def test_a_failed_write_leaves_the_target_as_it_was(tmp_path, monkeypatch, fault):
    target = tmp_path / "strength.csv"
    target.write_text("old\n")
    if fault == "read_only":
        _read_only(monkeypatch)
    elif fault == "full_disk":
        _full_disk(monkeypatch)
    else:
        monkeypatch.setattr(_files.os, "replace",
                            lambda *a: (_ for _ in ()).throw(OSError(errno.EXDEV, "cross-device")))
    with pytest.raises(WriteError, match=r"cannot write .*strength\.csv"):
        _files.write_text(target, "new\n")
    assert target.read_text() == "old\n"
    _no_temporaries(tmp_path)


def test_a_group_is_written_all_or_none(tmp_path, monkeypatch):
    for name in ("a.csv", "b.csv", "c.csv"):
        (tmp_path / name).write_text(f"old {name}\n")
    before = _snapshot(tmp_path)
    _full_disk(monkeypatch, after=2)  # the third file does not fit
    with pytest.raises(WriteError, match=r"c\.csv: the disk is full.*No file of this group"):
        _files.write_files({tmp_path / n: b"new\n" for n in ("a.csv", "b.csv", "c.csv")})
    assert _snapshot(tmp_path) == before
    _no_temporaries(tmp_path)


def test_temporary_names_are_hidden_and_not_tables(tmp_path):
    study = simulate_study(n=8, seed=2).save(tmp_path / "s")
    (study / ".strength.csv.0123abcd.tmp").write_text("participant_id\nGARBAGE\n")
    loaded = load_study(study)
    assert loaded.problems.empty or not loaded.problems["file"].str.contains("tmp").any()


def _no_analysis(monkeypatch) -> None:
    """Fail the test if a long analysis starts (the output must be checked before)."""
    for module, name in [("glute_study.stats.simulation_power", "power"),
                         ("glute_study.stats.mediation", "mediation"),
                         ("glute_study.report.runner", "_run_jobs")]:
        monkeypatch.setattr(importlib.import_module(module), name,
                            lambda *a, _n=name, **k: pytest.fail(f"{_n} ran"))


def _strength_of_a_stranger(tmp_path: Path) -> Path:
    """The strength template for a participant the study does not have."""
    path = tmp_path / "stranger.csv"
    path.write_text(TEMPLATE.read_text().replace("P001", "ZZ99"))
    return path


# -- nothing is written into a stranger's folder or over a stranger's files ------------------

def test_study_save_refuses_a_folder_holding_files(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(OverwriteError, match=r"already holds notes\.txt.*--overwrite"):
        simulate_study(n=8, seed=1).save(folder)
    assert _snapshot(folder) == {"notes.txt": b"mine"}
    simulate_study(n=8, seed=1).save(folder, overwrite=True)
    assert (folder / "notes.txt").read_text() == "mine"
    assert len(load_study(folder).participants) == 8


def test_simulate_onto_an_existing_study_is_refused(tmp_path, capsys):
    out = tmp_path / "s"
    assert main(["simulate", "--seed", "1", "--n", "10", "--out", str(out)]) == 0
    before = _snapshot(out)
    assert main(["simulate", "--seed", "2", "--n", "12", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "already holds" in err and "--overwrite" in err and "Traceback" not in err
    assert _snapshot(out) == before
    assert main(["simulate", "--seed", "2", "--n", "12", "--out", str(out), "--overwrite"]) == 0
    assert len(load_study(out).participants) == 12


@pytest.mark.parametrize("command, names", [
    (["summary", "{study}", "--out", "{out}"], ["summary.md"]),
    (["codebook", "--out", "{out}/codebook.md"], ["codebook.md"]),
    (["reliability", "{study}", "--out", "{out}/rel.csv"], ["rel.csv"]),
    (["power", "cohort_sitting", "--n", "40", "--reps", "100", "--seed", "1", "--out", "{out}"],
     ["power.txt"]),
    (["mediation", "{study}", "--n-boot", "100", "--seed", "1", "--out", "{out}"],
     ["mediation.csv"]),
])
def test_out_commands_refuse_files_they_did_not_write(tmp_path, capsys, monkeypatch, command,
                                                      names):
    # a study with no missing values whose 100 mediation replicates all converge (no warning)
    study = simulate_study(n=60, seed=31).save(tmp_path / "study")
    out = tmp_path / "out"
    out.mkdir()
    for name in names:
        (out / name).write_text("the user's own\n")
    (out / "unrelated.csv").write_text("x\n")
    before = _snapshot(out)
    # refused before the work: the analysis never runs
    _no_analysis(monkeypatch)
    argv = [a.format(study=study, out=out) for a in command]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert "not written by glute_study" in err and "--overwrite" in err and names[0] in err
    assert _snapshot(out) == before
    monkeypatch.undo()
    assert main([*argv, "--overwrite"]) == 0
    assert (out / names[0]).read_bytes() != before[names[0]]
    assert (out / "unrelated.csv").read_text() == "x\n"
    assert main(argv) == 0  # its own files it may replace


# -- read-only folders and full disks: one line naming the path, before the work -------------

_COMMANDS = {
    "simulate": ["simulate", "--seed", "1", "--n", "10", "--out", "{out}"],
    "summary": ["summary", "{study}", "--out", "{out}"],
    "import": ["import", "strength", str(TEMPLATE), "--out", "{out}"],
    "report": ["report", "--out", "{out}", "--no-progress"],
    "power": ["power", "cohort_sitting", "--n", "40", "--reps", "100", "--out", "{out}"],
    "mediation": ["mediation", "{study}", "--n-boot", "100", "--out", "{out}"],
    "reliability": ["reliability", "{study}", "--out", "{out}/rel.csv"],
    "codebook": ["codebook", "--out", "{out}/codebook.md"],
}


@pytest.mark.parametrize("fault", ["read_only", "full_disk"])
@pytest.mark.parametrize("name", sorted(_COMMANDS))
def test_unwritable_output_is_one_line_naming_the_path(tmp_path, capsys, monkeypatch, name,
                                                       fault):
    study = simulate_study(n=60, seed=3).save(tmp_path / "study")
    out = tmp_path / "out"
    _no_analysis(monkeypatch)
    (_read_only if fault == "read_only" else _full_disk)(monkeypatch)
    argv = [a.format(study=study, out=out) for a in _COMMANDS[name]]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err
    assert f"cannot write into {out}" in err
    assert ("read-only" if fault == "read_only" else "disk is full") in err
    assert not out.exists() or not any(out.iterdir())


# -- an import writes all its tables or none -----------------------------------------------

def test_an_import_that_cannot_finish_writing_changes_nothing(tmp_path, capsys, monkeypatch):
    folder = tmp_path / "s"
    simulate_study(n=8, seed=4).save(folder)
    strength = _strength_of_a_stranger(tmp_path)
    assert main(["import", "strength", str(strength), "--out", str(folder)]) == 1  # unknown id
    capsys.readouterr()
    before = _snapshot(folder)
    real = _files._sync
    count = []

    def sync(path):  # the disk fills up at the third file of the import
        count.append(path)
        if len(count) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(path)
    monkeypatch.setattr(_files, "_sync", sync)
    assert main(["import", "strength", str(strength), "--out", str(folder)]) == 1
    err = capsys.readouterr().err
    assert "the disk is full" in err and "No file of this group was changed" in err
    assert _snapshot(folder) == before
    _no_temporaries(folder)


def test_an_invalid_study_after_an_import_says_what_was_written(tmp_path, capsys):
    folder = tmp_path / "s"
    simulate_study(n=8, seed=4).save(folder)
    assert main(["import", "strength", str(_strength_of_a_stranger(tmp_path)), "--out",
                 str(folder)]) == 1
    err = capsys.readouterr().err
    assert re.search(r"the import wrote .*strength\.csv.*into .*fix them in place", err)


def test_values_not_of_their_type_are_refused_before_anything_is_written(tmp_path):
    rows = pd.DataFrame({"participant_id": ["P1", "P2"], "session_id": ["s1", "s2"],
                         "date": ["2026-03-02", "2026-03-09"], "session_type": "match",
                         "duration_min": [60, "an hour"]})
    with pytest.raises(InputError, match=r"P2, column 'duration_min' would hold 'an hour'; "
                       r"expected a number.*Nothing was written"):
        merge_tables(tmp_path, {"exposure": rows})
    assert list(tmp_path.iterdir()) == []


def test_a_figure_is_saved_in_every_format_or_none(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    from glute_study.figures.save import save_figure
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    _full_disk(monkeypatch, after=3)  # svg, pdf and png fit; tiff does not
    with pytest.raises(WriteError, match=r"line\.tiff: the disk is full"):
        save_figure(fig, tmp_path / "figures" / "line")
    plt.close(fig)
    assert list((tmp_path / "figures").iterdir()) == []
