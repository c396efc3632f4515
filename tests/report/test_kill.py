"""Killing or interrupting ``report`` ends the processes its notebooks run in.

A report of two slow notebooks runs in a child process; once both notebooks are working (each
keeps rewriting a file in the report folder), the report is killed (SIGKILL), terminated
(SIGTERM) or interrupted (SIGINT, as Ctrl-C). Every process it started (fork server, the
notebooks' workers, what they started) must be gone soon after, and nothing may be written into
the report folder afterwards.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

psutil = pytest.importorskip("psutil", reason="psutil (a dask.distributed dependency) is needed")

ROOT = Path(__file__).resolve().parents[2]
# Generous bounds for a loaded machine: they stop a broken test, they are not what it checks.
START_WAIT_S = 600
END_WAIT_S = 120

_TICK = """\
import os, pathlib, time
folder = pathlib.Path(out_dir)
(folder / f"started_{name}").write_text(str(os.getpid()))
for i in range(12000):  # ten minutes at most, even if it outlives the test
    (folder / f"tick_{name}").write_text(str(i))
    time.sleep(0.05)
"""


def _slow_notebook(path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    params = nbformat.v4.new_code_cell("seed = 1\nout_dir = ''")
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, nbformat.v4.new_code_cell(f"name = {path.stem!r}\n" + _TICK)]
    nbformat.write(nb, path)


def _wait_for(condition, what: str, limit: float) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)


def _snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, p.stat().st_size)
            for p in folder.rglob("*") if p.is_file()}


def _ctrl_c_as_at_a_terminal() -> None:
    """SIGINT acts as Ctrl-C at a terminal. A job started in the background by a shell without
    job control (as CI may start the tests) inherits SIGINT ignored, and Python then never
    raises KeyboardInterrupt: the test is of the report, not of how it was started."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("how", ["kill", "term", "int"])
def test_ending_the_report_ends_the_processes_of_its_notebooks(tmp_path, how):
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    for stem in ("01_slow", "02_slow"):
        _slow_notebook(notebooks / f"{stem}.ipynb")
    out = tmp_path / "rep"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT),
                                                                     os.environ.get("PYTHONPATH")]))}
    report = subprocess.Popen(
        [sys.executable, "-m", "glute_study.cli", "report", "--out", str(out), "--notebooks",
         str(notebooks), "--no-progress"], env=env, cwd=tmp_path,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=_ctrl_c_as_at_a_terminal)
    started = []
    try:
        _wait_for(lambda: report.poll() is not None or all(
            (out / f"tick_{s}").exists() for s in ("01_slow", "02_slow")),
            "both notebooks to start", START_WAIT_S)
        assert report.poll() is None, report.communicate()
        started = psutil.Process(report.pid).children(recursive=True)
        running = {int((out / f"started_{s}").read_text()) for s in ("01_slow", "02_slow")}
        assert len(running) == 2 and running <= {p.pid for p in started}, started
        report.send_signal({"kill": signal.SIGKILL, "term": signal.SIGTERM,
                            "int": signal.SIGINT}[how])
        _, stderr = report.communicate(timeout=END_WAIT_S)
        gone, alive = psutil.wait_procs(started, timeout=END_WAIT_S)
        assert not alive, [(p.pid, _cmdline(p)) for p in alive]
        if how == "int":
            assert report.returncode == 130 and "interrupted" in stderr
            assert "Traceback" not in stderr, stderr
        before = _snapshot(out)
        time.sleep(1.0)  # a survivor would rewrite its tick file 20 times a second
        assert _snapshot(out) == before
    finally:
        for process in [*started, report]:  # what a failed check left behind
            with contextlib.suppress(psutil.Error, ProcessLookupError):
                process.kill()
        report.communicate()  # waits, and closes the pipes (a failed check must not leak them)


def _cmdline(process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []
