"""Killed writers leave every file as it was or complete: never a part, never a stray table.

``import``, :meth:`Study.save` and the report's table writers run in a subprocess that is
killed with SIGKILL (seeded): at steps of its writing (the writer stops after each temporary
file is written and after each move, and is killed there), and at random seeded times.
After each kill every file of the folder must equal the file before or the file of an
uninterrupted run, and anything else left must be a hidden ``.tmp`` file.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glute_study import load_study, simulate_study

ROOT = Path(__file__).resolve().parents[2]

#: Run ``ACTION`` with every temporary-file sync and every move announced on stdout; after each
#: announcement, wait for a line on stdin (so the test can kill the writer right there).
_HARNESS = textwrap.dedent("""
    import os, sys
    from glute_study import _files
    real_sync, real_replace = _files._sync, os.replace

    def pause(what):
        print(what, flush=True)
        if STEPPED:
            sys.stdin.readline()

    def sync(path):
        real_sync(path)
        pause("written " + path.name)

    def replace(a, b):
        real_replace(a, b)
        pause("moved " + os.path.basename(b))

    _files._sync = sync
    os.replace = replace
    STEPPED = sys.argv[1] == "stepped"
    ACTION
""")


def _start(action: str, *, stepped: bool) -> subprocess.Popen:
    code = _HARNESS.replace("ACTION", textwrap.dedent(action))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", code, "stepped" if stepped else "free"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, cwd=ROOT)


def _run_killed_at_step(action: str, step: int) -> tuple[int, int, bytes]:
    """Run ``action``, killing it right after its ``step``-th write or move; returns the steps
    seen (fewer than ``step`` when it finished first), the exit code and what it printed on
    stderr."""
    proc = _start(action, stepped=True)
    seen = 0
    for _ in iter(proc.stdout.readline, b""):
        seen += 1
        if seen == step:
            proc.send_signal(signal.SIGKILL)
            break
        proc.stdin.write(b"\n")
        proc.stdin.flush()
    _, err = proc.communicate()
    return seen, proc.returncode, err


def _run_killed_after(action: str, seconds: float) -> None:
    proc = _start(action, stepped=False)
    time.sleep(seconds)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()


def _files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _comparable(name: str, data: bytes) -> bytes:
    if name == "import_log.csv":  # it records when each file was imported
        return b"\n".join(b",".join(line.split(b",")[:-1]) for line in data.splitlines())
    return data


def _check(folder: Path, before: dict[str, bytes], after: dict[str, bytes]) -> None:
    for name, data in _files_of(folder).items():
        base = name.rsplit("/", 1)[-1]
        if base.startswith(".") and base.endswith(".tmp"):
            continue  # the temporary file of the write that was killed: hidden, never read
        got = _comparable(name, data)
        olds = {_comparable(name, before[name])} if name in before else set()
        news = {_comparable(name, after[name])} if name in after else set()
        assert got in olds | news, f"{name} is neither as it was nor complete"


def _kill_everywhere(tmp_path: Path, base: Path, action: str, *, seed: int) -> int:
    """Kill ``action`` (which writes into the folder ``{folder}``) at five seeded steps of its
    writing and at two seeded times; returns the number of kills."""
    before = _files_of(base)
    full = tmp_path / "full"
    shutil.copytree(base, full)
    started = time.perf_counter()
    steps, code, err = _run_killed_at_step(action.replace("{folder}", str(full)), 10 ** 6)
    duration = time.perf_counter() - started
    assert code == 0, err.decode(errors="replace")  # the uninterrupted run succeeds
    after = _files_of(full)
    assert after != before and steps > 1
    kills = 0
    rng = np.random.default_rng(seed)
    chosen = sorted(rng.choice(np.arange(1, steps + 1), size=min(5, steps), replace=False))
    points = [("step", int(s)) for s in chosen]
    points += [("time", t) for t in rng.uniform(0.3, 1.0, size=2) * duration]
    for i, (how, when) in enumerate(points):
        folder = tmp_path / f"kill{i}"
        shutil.copytree(base, folder)
        if how == "step":
            _run_killed_at_step(action.replace("{folder}", str(folder)), when)
        else:
            _run_killed_after(action.replace("{folder}", str(folder)), when)
        _check(folder, before, after)
        kills += 1
    return kills


def test_killed_import_leaves_each_table_as_it_was_or_complete(tmp_path):
    base = tmp_path / "study"
    study = simulate_study(n=40, seed=8)
    study.save(base)
    # re-import the study's own strength trials (as a tidy file), changed: a real merge
    trials = study.strength.copy()
    trials["date"] = trials["date"].dt.strftime("%Y-%m-%d")
    force = trials["unit"].eq("N")
    trials["force_n"] = trials["value"].where(force).round(1) + 1.0  # each trial a little more
    trials["torque_nm"] = trials["value"].where(trials["unit"].eq("Nm"))
    trials["reps"] = trials["value"].where(trials["unit"].eq("reps"))
    trials = trials.drop(columns=["value", "unit"])
    source = tmp_path / "strength_export.csv"
    trials.to_csv(source, index=False)
    assert load_study(base).problems.query("severity == 'error'").empty
    action = f"""
        from glute_study.cli import main
        main(["import", "strength", {str(source)!r}, "--out", "{{folder}}"])
    """
    kills = _kill_everywhere(tmp_path, base, action, seed=11)
    assert kills == 7


def test_killed_study_save_leaves_each_table_as_it_was_or_complete(tmp_path):
    base = tmp_path / "study"
    simulate_study(n=30, seed=1).save(base)
    action = """
        from glute_study import simulate_study
        simulate_study(n=50, seed=2).save("{folder}", overwrite=True)
    """
    assert _kill_everywhere(tmp_path, base, action, seed=12) == 7


def test_killed_report_writers_leave_each_file_as_it_was_or_complete(tmp_path):
    base = tmp_path / "rep"
    base.mkdir()
    table = pd.DataFrame({"term": ["a", "b"], "estimate": [1.5, 2.5]})
    from glute_study.report.tables import save_table
    save_table(table, base / "tables" / "01_rates")
    action = """
        import pandas as pd
        from pathlib import Path
        from glute_study.report.tables import save_table
        from glute_study.report.writers import write_methods
        t = pd.DataFrame({"term": ["a", "b", "c"], "estimate": [0.5, 1.5, 9.5]})
        save_table(t, Path("{folder}") / "tables" / "01_rates", caption="Rates")
        write_methods([], Path("{folder}") / "methods.md", data="Simulated.", software="Py.")
    """
    assert _kill_everywhere(tmp_path, base, action, seed=13) == 7


@pytest.mark.parametrize("name", ["participants.csv", "strength.csv"])
def test_the_study_loader_ignores_a_killed_writers_temporary_file(tmp_path, name):
    base = simulate_study(n=10, seed=3).save(tmp_path / "s")
    half = (base / name).read_bytes()[:200]
    (base / f".{name}.1a2b3c4d.tmp").write_bytes(half)
    assert load_study(base) == load_study(simulate_study(n=10, seed=3).save(tmp_path / "t"))
