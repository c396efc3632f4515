"""Benchmark loading a study: ``load_study`` beside a plain pandas read of the same files.

1. The demo cohort (``datasets/demo``, six CSV tables, about 52,000 rows): ``load_study`` reads,
   types and checks every cell against the codebook and every cross-table rule. Peer: a plain
   ``pandas.read_csv`` of each table file, with pandas' own type guessing and no checks at all.
   The two run in turn in this process, ``--pairs`` times after a warm-up; the figure is the median
   of the pair ratios (ours / peer). Target: at most 5x.
2. One large table: an ``exposure.csv`` of about ``--big-mb`` MB (1024 by default) beside a small
   participants table, loaded in a fresh process so that its peak resident memory is its own, and
   the same file read by the pandas peer in another fresh process. Printed: seconds and peak
   memory as a multiple of the file's size. Target: a few times the file's size (it was about 19x).

Run:  .venv/bin/python benchmarks/load_speed.py [--pairs 7] [--big-mb 1024] [--skip-big]
The large files go to a temporary folder, removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from glute_study import load_study

DEMO = Path(__file__).resolve().parents[1] / "datasets" / "demo"


def _peer(folder: Path) -> dict[str, pd.DataFrame]:
    return {p.stem: pd.read_csv(p) for p in sorted(folder.glob("*.csv"))}


def _clock(fn, *args) -> float:
    start = time.perf_counter()
    fn(*args)
    return time.perf_counter() - start


def demo(pairs: int) -> None:
    load_study(DEMO), _peer(DEMO)  # warm-up: imports, caches
    ours, peer = [], []
    for _ in range(pairs):
        ours.append(_clock(load_study, DEMO))
        peer.append(_clock(_peer, DEMO))
    ratios = [a / b for a, b in zip(ours, peer)]
    rows = sum(len(f) for f in _peer(DEMO).values())
    print(f"demo study ({rows:,} rows in 6 tables), {pairs} pairs in turn:")
    print(f"  load_study          median {statistics.median(ours) * 1000:7.1f} ms "
          f"(min {min(ours) * 1000:.1f}, max {max(ours) * 1000:.1f})")
    print(f"  pandas.read_csv     median {statistics.median(peer) * 1000:7.1f} ms "
          f"(min {min(peer) * 1000:.1f}, max {max(peer) * 1000:.1f})")
    print(f"  ratio ours / peer   median {statistics.median(ratios):.2f}x "
          f"(pairs {min(ratios):.2f}-{max(ratios):.2f}; target <= 5x)")


def write_big(folder: Path, megabytes: int, seed: int = 1) -> Path:
    """A participants table of 2,000 athletes and an exposure table of about ``megabytes`` MB."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    n_people = 2000
    ids = np.array([f"P{i:05d}" for i in range(n_people)])
    pd.DataFrame({
        "participant_id": ids, "sex": rng.choice(["female", "male"], n_people),
        "age": rng.integers(18, 35, n_people), "body_mass_kg": rng.normal(75, 8, n_people).round(1),
        "prior_cramps": rng.choice(["true", "false"], n_people),
        "follow_up_start": "2024-01-01", "follow_up_end": "2030-12-31",
    }).to_csv(folder / "participants.csv", index=False)
    row_bytes = 43  # about: P00012,S0001234,2027-05-17,training,87.5\n
    n = megabytes * 1024 * 1024 // row_bytes
    per = -(-n // n_people)
    path = folder / "exposure.csv"
    days = np.datetime64("2024-01-01") + rng.integers(0, 2500, n).astype("timedelta64[D]")
    table = pa.table({
        "participant_id": pa.array(np.repeat(ids, per)[:n]),
        "session_id": pa.array(np.char.add("S", np.char.zfill(
            (np.arange(n) % per).astype(str), 7))),
        "date": pa.array(np.datetime_as_string(days, unit="D")),
        "session_type": pa.array(rng.choice(["training", "match"], n)),
        "duration_min": pa.array(rng.normal(80, 15, n).clip(5, 240).round(1)),
    })
    pacsv.write_csv(table, path, pacsv.WriteOptions(quoting_style="none"))
    return path


_CHILD = """
import json, sys, time
from pathlib import Path
which, folder = sys.argv[1], Path(sys.argv[2])
start = time.perf_counter()
if which == "ours":
    from glute_study import load_study
    rows = len(load_study(folder).exposure)
else:
    import pandas as pd
    rows = len(pd.read_csv(folder / "exposure.csv"))
seconds = time.perf_counter() - start
# VmHWM is this process's own peak: ru_maxrss would carry over the parent's (kept across fork
# and exec), which held the whole generated table.
status = Path("/proc/self/status").read_text()
peak = int(next(ln.split()[1] for ln in status.splitlines() if ln.startswith("VmHWM"))) * 1024
print(json.dumps({"rows": rows, "seconds": seconds, "peak": peak}))
"""


def big(megabytes: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="gs-load-"))
    try:
        path = write_big(folder, megabytes)
        size = path.stat().st_size
        print(f"one large table: exposure.csv of {size / 2**20:,.0f} MB, in fresh processes:")
        for which in ("ours", "peer"):
            out = subprocess.run([sys.executable, "-c", _CHILD, which, str(folder)],
                                 capture_output=True, text=True, env=os.environ)
            if out.returncode:
                print(f"  {which}: failed ({out.stderr.strip().splitlines()[-1]})")
                continue
            got = json.loads(out.stdout)
            label = "load_study" if which == "ours" else "pandas.read_csv"
            print(f"  {label:<18}  {got['rows']:,} rows  {got['seconds']:6.1f} s  peak "
                  f"{got['peak'] / 2**20:,.0f} MB = {got['peak'] / size:.1f}x the file")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=7)
    parser.add_argument("--big-mb", type=int, default=1024)
    parser.add_argument("--skip-big", action="store_true")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f}")
    demo(args.pairs)
    if not args.skip_big:
        big(args.big_mb)


if __name__ == "__main__":
    main()
