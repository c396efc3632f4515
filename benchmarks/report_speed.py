"""How fast is `glute-study report` on the demo cohort?

Prints three timings on this machine and the ratio against the peer:

* cold: ``glute-study report --out <tmp> --force`` (notebooks two at a time, nothing cached;
  each in a new process forked from one that imported the scientific stack once);
* warm: the same command again (everything cached);
* peer: ``jupyter nbconvert --to notebook --execute`` of the same notebooks, one after another
  (the usual way to run a notebook collection headless), with the same parameters injected.

Targets: cold <= 0.15 of the peer (issue 15), warm <= 5 s (issue 5). Also prints each
notebook's execution time from the runner's cache keys. Usage::

    .venv/bin/python benchmarks/report_speed.py [--only 01,04]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ)


def _snapshot(tmp: Path) -> Path:
    """Copy the package and notebooks, so that edits to the tree during the run (which change
    the code hash and so, rightly, the cache) do not disturb the measurement."""
    src = tmp / "src"
    shutil.copytree(ROOT / "glute_study", src / "glute_study",
                    ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "notebooks", src / "notebooks")
    ENV["PYTHONPATH"] = os.pathsep.join(filter(None, [str(src), os.environ.get("PYTHONPATH")]))
    return src


def _report(out: Path, only: str, force: bool) -> float:
    """Time one `glute-study report` run in a fresh interpreter (as the command line would)."""
    code = ("import sys, json; from glute_study.report import run_report; "
            "a = json.loads(sys.argv[1]); print(run_report(a['out'], only=a['only'], "
            "force=a['force'], progress=False))")
    arg = json.dumps({"out": str(out), "only": [s for s in only.split(",") if s] or None,
                      "force": force})
    start = time.perf_counter()
    src = ENV["PYTHONPATH"].split(os.pathsep)[0]
    subprocess.run([sys.executable, "-c", code, arg], check=True, env=ENV, cwd=src)
    return time.perf_counter() - start


def _nbconvert(notebooks: list[Path], out: Path) -> float:
    """Serial peer run: inject the same parameters, then `jupyter nbconvert --execute` each."""
    import nbformat

    from glute_study.report.params import check_parameters
    from glute_study.report.runner import _injected_source, _parameters_cell

    values = check_parameters({})
    values["out_dir"] = str(out / "recorded")
    prepared = []
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        index, names = _parameters_cell(nb, path)
        nb.cells.insert(index + 1, nbformat.v4.new_code_cell(_injected_source(names, values)))
        target = out / path.name
        nbformat.write(nb, target)
        prepared.append(target)
    jupyter = Path(sys.executable).with_name("jupyter")
    start = time.perf_counter()
    for target in prepared:
        subprocess.run([str(jupyter), "nbconvert", "--to", "notebook", "--execute", "--inplace",
                        "--ExecutePreprocessor.kernel_name=python3",
                        "--ExecutePreprocessor.timeout=900", str(target)],
                       check=True, env=ENV, cwd=target.parent, capture_output=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="", help="notebook numbers, e.g. 01,04")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="gs-bench-") as tmp:
        tmp = Path(tmp)
        src = _snapshot(tmp)
        sys.path.insert(0, str(src))
        from glute_study.report.runner import find_notebooks

        notebooks = find_notebooks(only=[s for s in args.only.split(",") if s] or None)
        cold = _report(tmp / "report", args.only, True)
        warm = _report(tmp / "report", args.only, False)
        keys = sorted((tmp / "report" / "_cache" / "keys").glob("[0-9][0-9]_*.json"))  # notebooks
        per = {k.stem: json.loads(k.read_text()) for k in keys}
        (tmp / "peer").mkdir()
        peer = _nbconvert(notebooks, tmp / "peer")
    print(f"notebooks: {len(notebooks)} ({', '.join(p.stem for p in notebooks)})")
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}")
    for stem, info in per.items():
        print(f"  {stem:<24} execute {info.get('seconds_execute', float('nan')):6.1f} s"
              f"   html {info.get('seconds_html', float('nan')):5.1f} s")
    print(f"cold report (2 workers, with HTML, figures, tables): {cold:7.1f} s")
    print(f"warm report (all cached):                           {warm:7.1f} s  (target <= 5)")
    print(f"peer: serial `jupyter nbconvert --execute`:         {peer:7.1f} s")
    print(f"ratio cold / peer: {cold / peer:.2f}   (target <= 0.15; below 1 = the report is "
          "faster)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
