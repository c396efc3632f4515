"""Benchmark the device importers.

1. 100 synthetic week-long activPAL Events files imported through ``run_tasks`` (local
   processes) into the daily sitting table; target <= 10 s on a 2-core machine. Peer: a serial
   loop that only parses each file with ``pandas.read_csv`` (no summary at all).
2. Raw thigh accelerometry: a 7-day 100 Hz recording (60 M samples) written as a real export
   would be, by pyarrow with its default settings (snappy, dictionary encoding tried first,
   row groups capped at 1 Mi rows), through ``thigh_posture`` in chunks, in fresh processes (so
   peak memory is its own), ``--accel-repeats`` times; target >= 20 M samples per CPU second.
   Its samples carry full float64 noise (the worst case for decoding); the same week is then
   timed at a real sensor's resolution (1/256 g). Peer: a plain pandas implementation (read
   the whole file, ``groupby`` on the floored second, ``arccos``) beside ours, in turn, each
   in a fresh process, on a 10 M-sample file, since it holds everything in memory.
3. The same 10 M samples as a CSV export (ISO date-times, 4 decimals in g), ours beside the
   plain pandas peer (``read_csv`` with the time column parsed, then the same ``groupby``),
   each in a fresh process. Text parsing, not the posture rule, sets this speed.

Every timing is printed twice: wall-clock seconds, and CPU seconds (this process, its threads and
its finished child processes). On a shared machine the wall clock depends on everyone else's
load; CPU seconds do not, and "per core" throughput is samples per CPU second.

Run:  .venv/bin/python benchmarks/import_speed.py [--files 100] [--days 7] [--accel-hours 168]
      [--accel-repeats 3] [--skip-activpal]
Writes its synthetic files under a temporary folder and removes them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from glute_study.io import import_device_folder, thigh_posture
from glute_study.parallel import spawn_seeds

HEADER = (
    '"Time","DataCount (samples)","Interval (s)","ActivityCode (0=sedentary 1=standing '
    '2=stepping 3.1=primary lying, 3.2=secondary lying 4=non-wear)","CumulativeStepCount",'
    '"Activity Score (MET.h)","Sum(Abs(DiffX)","Sum(Abs(DiffY)","Sum(Abs(DiffZ)"'
)


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


class Timer:
    """Wall-clock and CPU seconds of a block."""

    def __enter__(self):
        self.wall0, self.cpu0 = time.perf_counter(), _cpu()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall0
        self.cpu = _cpu() - self.cpu0


def write_activpal_week(path: Path, seed: int, days: int) -> int:
    """A plausible week: sitting bouts, standing and bursts of stepping; about 5,000 events/day."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    rng = np.random.default_rng(seed)
    n = 5000 * days
    code = rng.choice([0.0, 1.0, 2.0], size=n, p=[0.15, 0.25, 0.60])
    dur = np.where(code == 0, rng.exponential(700, n), np.where(code == 1,
                   rng.exponential(40, n), rng.uniform(0.5, 3, n)))
    dur = np.round(np.maximum(dur, 0.1), 1)
    dur = np.maximum(np.round(dur * (days * 86400 / dur.sum()), 1), 0.1)
    start = 45292.0 * 86400 + np.r_[0, np.cumsum(dur)[:-1]]
    table = pa.table({
        "t": np.round(start / 86400, 10), "dc": np.round((start - start[0]) * 10).astype(np.int64),
        "dur": dur, "code": code.astype(np.int64), "steps": np.cumsum(code == 2),
        "met": np.round(dur / 3600 * 1.3, 8), "x": rng.integers(0, 5000, n),
        "y": rng.integers(0, 5000, n), "z": rng.integers(0, 5000, n),
    })
    with path.open("wb") as fh:
        fh.write((HEADER + "\n").encode())
        pacsv.write_csv(table, fh, pacsv.WriteOptions(include_header=False))
    return n


def _peer_read(path: str) -> int:
    return len(pd.read_csv(path))


def bench_activpal(folder: Path, n_files: int, days: int) -> None:
    seeds = spawn_seeds(2024, n_files)
    with Timer() as t:
        events = sum(write_activpal_week(folder / f"P{k:03d}_week.csv", s, days)
                     for k, s in enumerate(seeds))
    size = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
    print(f"activPAL: wrote {n_files} files, {days} days each, {events:,} events, "
          f"{size:.0f} MB in {t.wall:.1f} s")
    print("                                                        wall s    CPU s")
    with Timer() as peer:
        for f in sorted(folder.iterdir()):
            _peer_read(str(f))
    print(f"  peer: serial loop of pandas.read_csv (parse only)  {peer.wall:7.2f}  {peer.cpu:7.2f}")
    with Timer() as ser:
        serial = import_device_folder(folder, executor="serial")
    print(f"  ours, executor='serial' (read + daily summary)     {ser.wall:7.2f}  {ser.cpu:7.2f}"
          f"   ({ser.cpu / peer.cpu:.2f} x peer CPU)")
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    with Timer() as par:
        out = import_device_folder(folder)  # local processes
    print(f"  ours, executor=None ({workers} local processes)          {par.wall:7.2f}      n/a"
          f"   (wall {par.wall / peer.wall:.2f} x peer; target <= 10 s: "
          f"{'met' if par.wall <= 10 else 'NOT met'} at this load)")
    # The default pool forks its workers from a fork server, so their CPU time is not ours to
    # count; a fork pool made here has them as our children (counted once they exit).
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    ctx = multiprocessing.get_context("fork")
    # the pool shuts down (workers exit and are counted) before the timer stops
    with Timer() as fork, ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        forked = import_device_folder(folder, executor=pool)
    print(f"  ours, a fork pool of {workers} processes via run_tasks       {fork.wall:7.2f}  "
          f"{fork.cpu:7.2f}   (CPU / {workers} cores = {fork.cpu / workers:.1f} s: the wall time "
          "on an idle machine)")
    assert out.daily.equals(serial.daily), "parallel and serial imports differ"
    assert forked.daily.equals(serial.daily), "parallel and serial imports differ"
    print(f"  -> {len(out.daily)} participant-days, {int(out.daily['valid_day'].sum())} valid")


def write_accel(path: Path, hours: float, hz: int = 100, seed: int = 7,
                compression: str = "snappy", resolution_g: float | None = None) -> int:
    """A week-like recording: 30-min postures plus white noise of 0.03 g on every axis.

    Without ``resolution_g`` the samples keep every bit of float64 noise, which neither
    dictionary encoding nor snappy can shrink: the worst case for decoding. A real sensor
    writes quantised values (an Axivity AX3 at +-8 g: steps of 1/256 g), which pyarrow's
    writer dictionary-encodes.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    n_total = int(hours * 3600 * hz)
    block = 3_600_000  # 10 h at 100 Hz per row group
    t_start = np.datetime64("2024-01-01T00:00:00", "ns").astype(np.int64)
    schema = pa.schema([("time", pa.timestamp("ns")), ("x", pa.float64()),
                        ("y", pa.float64()), ("z", pa.float64())])
    with pq.ParquetWriter(path, schema, compression=compression) as writer:
        for a in range(0, n_total, block):
            n = min(block, n_total - a)
            i = np.arange(a, a + n)
            theta = np.where((i // (hz * 1800)) % 3 == 0, 0.2, 1.4)  # 30-min postures
            x = np.cos(theta) + rng.normal(0, 0.03, n)
            z = np.sin(theta) + rng.normal(0, 0.03, n)
            y = rng.normal(0, 0.03, n)
            if resolution_g:
                x, y, z = (np.round(v / resolution_g) * resolution_g for v in (x, y, z))
            t = (t_start + i * (1_000_000_000 // hz)).astype("datetime64[ns]")
            writer.write_table(pa.table({"time": t, "x": x, "y": y, "z": z}, schema=schema))
    return n_total


def pandas_posture(path: Path) -> pd.Series:
    """The plain pandas way: load everything, group by second, then the inclination formula."""
    if path.suffix == ".csv":
        raw = pd.read_csv(path, parse_dates=["time"], date_format="ISO8601")
    else:
        raw = pd.read_parquet(path)
    g = raw.groupby(raw["time"].dt.floor("s"))[["x", "y", "z"]].mean()
    incl = np.degrees(np.arccos(np.abs(g["x"]) / np.sqrt((g**2).sum(axis=1))))
    return incl > 45


def _peak_rss_mb() -> float:
    """This process's own peak resident memory (VmHWM).

    Not ``getrusage().ru_maxrss``: on Linux that survives ``exec``, so a child started by a
    big parent reports the parent's peak.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def posture_only(path: str, which: str) -> None:
    """Child-process mode: time ours (the full default rule) or the peer; print JSON.

    The file readers are imported before the clock starts, for ours and the peer alike: the
    import (about 0.2 s) is paid once per process, not per sample.
    """
    import pyarrow.csv
    import pyarrow.parquet  # noqa: F401

    with Timer() as t:
        if which == "ours":
            sitting = thigh_posture(path)["state"].eq("sitting").to_numpy()
        elif which == "ours-peer-rule":  # the peer's rule: no minimum bout, no non-wear
            ep = thigh_posture(path, nonwear_min=None, min_bout_s=1)
            sitting = ep["state"].eq("sitting").to_numpy()
        else:
            sitting = pandas_posture(Path(path)).to_numpy()
    rss = _peak_rss_mb()
    np.save(path + f".{which}.npy", sitting)
    print(json.dumps({"wall": t.wall, "cpu": t.cpu, "rss_mb": rss, "epochs": len(sitting)}))


def _fresh(path: Path, which: str) -> dict:
    load = os.getloadavg()[0]
    run = subprocess.run([sys.executable, __file__, "--posture-only", str(path), which],
                         capture_output=True, text=True, check=True)
    r = json.loads(run.stdout.strip().splitlines()[-1])
    r["load"] = load
    return r


def _line(label: str, n: int, r: dict) -> str:
    return (f"  {label:<26s} {r['wall']:6.2f} {r['cpu']:6.2f}  {n / r['wall'] / 1e6:6.1f} "
            f"{n / r['cpu'] / 1e6:6.1f}  {r['rss_mb']:6.0f}   {r['load']:.1f}")


HEAD = ("                              wall s  CPU s  M/s wall  M/CPU-s  peak MB  load avg")


def _describe(path: Path) -> str:
    import pyarrow.parquet as pq

    md = pq.ParquetFile(path).metadata
    col = md.row_group(0).column(1)
    return (f"{md.num_rows:,} rows in {md.num_row_groups} row groups of <= "
            f"{max(md.row_group(i).num_rows for i in range(md.num_row_groups)):,} (pyarrow's "
            f"default cap), {col.compression.lower()}, encodings {'/'.join(col.encodings)}, "
            f"{path.stat().st_size / 1e6:.0f} MB")


def _side_by_side(path: Path, n: int, pairs: int = 3) -> None:
    """Ours and the peer on one file, in turn, each run in a fresh process, the peer's rule.

    The ratios are taken pair by pair (ours, then the peer, straight after), and their median
    printed, so that a change in the machine's speed between pairs does not enter them.
    """
    cpu, mem = [], []
    for k in range(pairs):
        ours = _fresh(path, "ours-peer-rule")
        peer = _fresh(path, "peer")
        print(_line(f"ours, pair {k + 1}", n, ours))
        print(_line(f"plain pandas, pair {k + 1}", n, peer))
        cpu.append(peer["cpu"] / ours["cpu"])
        mem.append(peer["rss_mb"] / ours["rss_mb"])
    a = np.load(str(path) + ".ours-peer-rule.npy")
    b = np.load(str(path) + ".peer.npy")
    print(f"  -> median of {pairs} pairs: ours uses {np.median(cpu):.1f} x less CPU (pairs "
          f"{', '.join(f'{c:.1f}' for c in cpu)}) and {np.median(mem):.1f} x less memory; "
          f"epochs agreeing {(a == b).mean():.4%} of {a.size:,}")


def _runs(path: Path, label: str, n: int, repeats: int) -> dict:
    """``repeats`` runs of ours (the default rule) in fresh processes; the median by CPU."""
    runs = [_fresh(path, "ours") for _ in range(repeats)]
    for k, r in enumerate(runs):
        print(_line(f"{label}, run {k + 1}", n, r))
    return sorted(runs, key=lambda r: r["cpu"])[len(runs) // 2]


def bench_accel(folder: Path, hours: float, repeats: int) -> None:
    big = folder / "week.parquet"
    with Timer() as t:
        n = write_accel(big, hours)
    print(f"\nraw accel: wrote {n:,} samples ({hours:g} h at 100 Hz) in {t.wall:.1f} s with "
          "pyarrow's default writer settings\n  (nullable timestamp[ns] + 3 float64 columns): "
          f"{_describe(big)}")
    print(f"  thigh_posture(file), default rule, each run a fresh process (target >= 20 M "
          f"samples per CPU second):\n{HEAD}")
    med = _runs(big, "week", n, repeats)
    print(f"  -> median run: {n / med['cpu'] / 1e6:.1f} M samples per CPU second, "
          f"{n / med['wall'] / 1e6:.1f} M/s wall (single process; wall includes waiting for "
          f"the other load); {med['epochs']:,} epochs, peak RSS {med['rss_mb']:.0f} MB for a "
          f"{n * 32 / 1e6:.0f} MB signal")
    big.unlink()

    real = folder / "week_ax3.parquet"
    write_accel(real, hours, resolution_g=1 / 256)
    print(f"\n  the same week at a real sensor's resolution (1/256 g, Axivity AX3 at +-8 g): "
          f"{_describe(real)}\n{HEAD}")
    med = _runs(real, "week 1/256 g", n, repeats)
    print(f"  -> median run: {n / med['cpu'] / 1e6:.1f} M samples per CPU second")
    real.unlink()

    small = folder / "small.parquet"
    m = write_accel(small, 10_000_000 / 360_000)
    print(f"\n  peer side by side, fresh processes, {m / 1e6:.0f} M samples ({_describe(small)}),"
          f" the peer's rule (1-s epochs, > 45 deg, no minimum bout, no non-wear):\n{HEAD}")
    _side_by_side(small, m)
    mm = m / 1e6
    plain = folder / "small_uncompressed.parquet"
    write_accel(plain, 10_000_000 / 360_000, compression="none")
    thigh_posture(plain, nonwear_min=None, min_bout_s=1)  # warm the file cache
    with Timer() as unc:
        thigh_posture(plain, nonwear_min=None, min_bout_s=1)
    print(f"  breakdown: the same file uncompressed: {unc.wall:6.2f} s wall "
          f"{unc.cpu:6.2f} s CPU = {mm / unc.cpu:5.1f} M samples per CPU s")
    # processing alone: the chunks already decoded in memory, so file decoding is left out
    from glute_study.io.accel import _iter_file
    from glute_study.io.accel_epochs import _EpochSums

    chunks = list(_iter_file(small))
    with Timer() as core:
        acc = _EpochSums(1_000_000_000, str(small))
        for c in chunks:
            acc.add(c)
        acc.result()
    print(f"  breakdown: epoch reduction alone (decoded chunks in memory): "
          f"{m / core.wall / 1e6:5.1f} M/s wall, {m / core.cpu / 1e6:5.1f} M per CPU s")

    csv = folder / "small.csv"
    frame = pd.read_parquet(small).round({"x": 4, "y": 4, "z": 4})
    frame.to_csv(csv, index=False, date_format="%Y-%m-%d %H:%M:%S.%f")
    del frame
    print(f"\n  CSV export of the same samples ({csv.stat().st_size / 1e6:.0f} MB, ISO date-times),"
          f" fresh processes, the peer's rule:\n{HEAD}")
    _side_by_side(csv, m)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--accel-hours", type=float, default=168.0)
    parser.add_argument("--accel-repeats", type=int, default=3)
    parser.add_argument("--skip-activpal", action="store_true")
    parser.add_argument("--posture-only", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.posture_only:
        posture_only(*args.posture_only)
        return
    import glute_study

    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; measuring "
          f"{Path(glute_study.__file__).parent}")
    root = Path(tempfile.mkdtemp(prefix="glute_bench_"))
    try:
        if not args.skip_activpal:
            (root / "activpal").mkdir()
            bench_activpal(root / "activpal", args.files, args.days)
        bench_accel(root, args.accel_hours, args.accel_repeats)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
