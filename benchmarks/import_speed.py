"""Benchmark the device importers.

1. 100 synthetic week-long activPAL Events files imported through ``run_tasks`` (local
   processes) into the daily sitting table; target <= 10 s on a 2-core machine. Peer: a serial
   loop that only parses each file with ``pandas.read_csv`` (no summary at all).
2. Raw thigh accelerometry: a 7-day 100 Hz recording (60 M samples, Parquet) through
   ``thigh_posture`` in chunks; target >= 20 M samples/s per core. Peer: a plain pandas
   implementation (read the whole file, ``groupby`` on the floored second, ``arccos``) on a
   10 M-sample file, since it holds everything in memory.

Run:  .venv/bin/python benchmarks/import_speed.py [--files 100] [--days 7] [--accel-hours 168]
Prints timings and ratios; writes its synthetic files under a temporary folder and removes them.
"""

from __future__ import annotations

import argparse
import os
import shutil
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


def write_activpal_week(path: Path, seed: int, days: int) -> int:
    """A plausible week: sitting bouts, standing and bursts of stepping; about 5,000 events/day."""
    rng = np.random.default_rng(seed)
    n = 5000 * days
    code = rng.choice([0.0, 1.0, 2.0], size=n, p=[0.15, 0.25, 0.60])
    dur = np.where(code == 0, rng.exponential(700, n), np.where(code == 1,
                   rng.exponential(40, n), rng.uniform(0.5, 3, n)))
    dur = np.round(np.maximum(dur, 0.1), 1)
    scale = days * 86400 / dur.sum()
    dur = np.round(dur * scale, 1)
    start = 45292.0 * 86400 + np.r_[0, np.cumsum(dur)[:-1]]
    strides = np.cumsum(code == 2)
    frame = pd.DataFrame({
        "t": np.round(start / 86400, 10), "dc": np.round((start - start[0]) * 10).astype(np.int64),
        "dur": dur, "code": code, "steps": strides, "met": np.round(dur / 3600 * 1.3, 8),
        "x": rng.integers(0, 5000, n), "y": rng.integers(0, 5000, n), "z": rng.integers(0, 5000, n),
    })
    with path.open("w") as fh:
        fh.write(HEADER + "\n")
        frame.to_csv(fh, header=False, index=False)
    return n


def _peer_read(path: str) -> int:
    return len(pd.read_csv(path))


def bench_activpal(folder: Path, n_files: int, days: int) -> None:
    seeds = spawn_seeds(2024, n_files)
    t0 = time.perf_counter()
    events = sum(write_activpal_week(folder / f"P{k:03d}_week.csv", s, days)
                 for k, s in enumerate(seeds))
    size = sum(f.stat().st_size for f in folder.iterdir()) / 1e6
    print(f"activPAL: wrote {n_files} files, {days} days each, {events:,} events, "
          f"{size:.0f} MB in {time.perf_counter() - t0:.1f} s")

    t0 = time.perf_counter()
    for f in sorted(folder.iterdir()):
        _peer_read(str(f))
    peer = time.perf_counter() - t0
    print(f"  peer: serial loop of pandas.read_csv (parse only)      {peer:6.2f} s")

    t0 = time.perf_counter()
    serial = import_device_folder(folder, executor="serial")
    t_serial = time.perf_counter() - t0
    print(f"  import_device_folder(executor='serial') (read+summary) {t_serial:6.2f} s  "
          f"({t_serial / peer:.2f} x peer)")

    t0 = time.perf_counter()
    out = import_device_folder(folder)  # local processes
    t_par = time.perf_counter() - t0
    workers = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"  import_device_folder(executor=None), {workers} processes    {t_par:6.2f} s  "
          f"({t_par / peer:.2f} x peer; target <= 10 s: {'met' if t_par <= 10 else 'NOT met'})")
    assert out.daily.equals(serial.daily), "parallel and serial imports differ"
    print(f"  -> {len(out.daily)} participant-days, {int(out.daily['valid_day'].sum())} valid")


def write_accel(path: Path, hours: float, hz: int = 100, seed: int = 7) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    n_total = int(hours * 3600 * hz)
    block = 3_600_000  # 10 h at 100 Hz per row group
    t_start = np.datetime64("2024-01-01T00:00:00", "ns").astype(np.int64)
    schema = pa.schema([("time", pa.timestamp("ns")), ("x", pa.float64()),
                        ("y", pa.float64()), ("z", pa.float64())])
    with pq.ParquetWriter(path, schema) as writer:
        for a in range(0, n_total, block):
            n = min(block, n_total - a)
            i = np.arange(a, a + n)
            theta = np.where((i // (hz * 1800)) % 3 == 0, 0.2, 1.4)  # 30-min postures
            x = np.cos(theta) + rng.normal(0, 0.03, n)
            z = np.sin(theta) + rng.normal(0, 0.03, n)
            y = rng.normal(0, 0.03, n)
            t = (t_start + i * (1_000_000_000 // hz)).astype("datetime64[ns]")
            writer.write_table(pa.table({"time": t, "x": x, "y": y, "z": z}, schema=schema))
    return n_total


def pandas_posture(path: Path) -> pd.Series:
    """The plain pandas way: load everything, group by second, then the inclination formula."""
    raw = pd.read_parquet(path)
    g = raw.groupby(raw["time"].dt.floor("s"))[["x", "y", "z"]].mean()
    incl = np.degrees(np.arccos(np.abs(g["x"]) / np.sqrt((g**2).sum(axis=1))))
    return incl > 45


def bench_accel(folder: Path, hours: float) -> None:
    big = folder / "week.parquet"
    t0 = time.perf_counter()
    n = write_accel(big, hours)
    print(f"\nraw accel: wrote {n:,} samples ({hours:g} h at 100 Hz, "
          f"{big.stat().st_size / 1e6:.0f} MB Parquet) in {time.perf_counter() - t0:.1f} s")
    import resource

    t0 = time.perf_counter()
    ep = thigh_posture(big)
    dt = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  thigh_posture(file), one process: {dt:6.2f} s = {n / dt / 1e6:5.1f} M samples/s "
          f"(target >= 20; peak RSS so far {rss:.0f} MB, {len(ep):,} epochs)")

    small = folder / "small.parquet"
    m = write_accel(small, 10_000_000 / 360_000)
    t0 = time.perf_counter()
    ours = thigh_posture(small, nonwear_min=None, min_bout_s=1)
    t_ours = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref = pandas_posture(small)
    t_peer = time.perf_counter() - t0
    agree = (ours["state"].eq("sitting").to_numpy() == ref.to_numpy()).mean()
    print(f"  {m / 1e6:.0f} M samples: ours {t_ours:5.2f} s ({m / t_ours / 1e6:5.1f} M/s), "
          f"plain pandas {t_peer:5.2f} s ({m / t_peer / 1e6:5.1f} M/s): "
          f"{t_peer / t_ours:.1f} x faster; epochs agreeing {agree:.4%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--days", type=int, default=7)
    parser.add_argument("--accel-hours", type=float, default=168.0)
    args = parser.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    root = Path(tempfile.mkdtemp(prefix="glute_bench_"))
    try:
        (root / "activpal").mkdir()
        bench_activpal(root / "activpal", args.files, args.days)
        bench_accel(root, args.accel_hours)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
