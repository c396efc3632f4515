"""Benchmark native device files: a week of Axivity .cwa at 100 Hz to the daily sitting table.

Issue 16 item 8: a 7-day 100 Hz ``.cwa`` (60.48 M samples, 258 MB) to the daily table at
>= 15 M samples per CPU second, decoding included, with peak memory under 500 MB. The file is
synthetic (``glute_study/io/_device_writers.write_cwa``: 120 packed samples per block, the
layout of a real AX3 at 100 Hz), with 30-min postures and 0.03 g of noise on every axis.

Three runs side by side, each in a fresh process (so that its peak memory is its own), in turn:

1. **reader alone** (the limit): every chunk of ``iter_accel``'s reader (``cwa-reader-rs``
   decoding a block range at a time, plus the block temperatures), nothing done with them;
2. **ours**: ``accel_daily(path)``: the reader, epochs, posture with the 10-s bout rule,
   non-wear, the wear-site check and the daily table;
3. **plain pandas**: the same decoder reading the whole file into one DataFrame
   (``cwa_reader_rs.read_cwa_file``), then ``groupby`` on the floored second, the inclination
   formula, > 45 degrees, and hours of sitting per day (no bout rule, no non-wear).

Then a folder of ``--files`` one-day files imported with ``executor="serial"`` and with local
processes (``glute_study.parallel``), checked to give identical tables.

Every timing is printed as wall-clock and CPU seconds (the child process's own); on a shared
machine the wall clock depends on the others' load, CPU seconds do not.

Run:  .venv/bin/python benchmarks/accel_native_speed.py [--days 7] [--files 4] [--repeats 1]
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

RATE = 100


def make_samples(first: int, n: int) -> np.ndarray:
    """Samples ``first`` to ``first + n`` of a recording: 30-min postures, 0.03 g noise."""
    i = np.arange(first, first + n)
    rng = np.random.default_rng(first)
    theta = np.where((i // (RATE * 1800)) % 3 == 0, 0.2, 1.4)  # upright 1 in 3 half-hours
    return np.c_[np.cos(theta), np.zeros(n), np.sin(theta)] + rng.normal(0, 0.03, (n, 3))


def write_week(path: Path, days: float) -> int:
    from glute_study.io._device_writers import write_cwa

    n = int(days * 86400 * RATE)
    write_cwa(path, (make_samples, n), rate_hz=RATE)
    return n


def _peak_rss_mb() -> float:
    """This process's own peak resident memory (VmHWM; ru_maxrss survives exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime


def pandas_daily(path: str):
    """The plain pandas way: the whole file in one DataFrame, then group by second and day."""
    import cwa_reader_rs

    raw = cwa_reader_rs.read_cwa_file(path, include_temperature=False, include_light=False,
                                      include_battery=False)
    g = raw.groupby(raw.index.floor("s"))[["acc_x", "acc_y", "acc_z"]].mean()
    incl = np.degrees(np.arccos(np.abs(g["acc_x"]) / np.sqrt((g**2).sum(axis=1))))
    sitting = (incl > 45).astype(float)
    return sitting.groupby(sitting.index.floor("D")).sum() / 3600


def child(path: str, which: str) -> None:
    """Child-process mode: run one of the three, print JSON (samples, seconds, peak MB)."""
    import warnings

    import cwa_reader_rs  # noqa: F401  (imported before the clock, for every run alike)

    from glute_study.io.accel import _iter_file
    from glute_study.io.accel_epochs import accel_daily

    wall0, cpu0 = time.perf_counter(), _cpu()
    if which == "reader":
        n = sum(c.t.size for c in _iter_file(path))
        sitting = None
    elif which == "ours":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            daily = accel_daily(path, valid_day=1)
        n, sitting = None, daily["sitting_h"].round(3).tolist()
    else:
        daily = pandas_daily(path)
        n, sitting = None, daily.round(3).tolist()
    out = {"wall": time.perf_counter() - wall0, "cpu": _cpu() - cpu0, "rss_mb": _peak_rss_mb(),
           "n": n, "sitting_h": sitting}
    print(json.dumps(out))


def _fresh(path: Path, which: str) -> dict:
    load = os.getloadavg()[0]
    run = subprocess.run([sys.executable, __file__, "--child", str(path), which],
                         capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
    r = json.loads(run.stdout.strip().splitlines()[-1])
    r["load"] = load
    return r


def _line(label: str, n: int, r: dict) -> str:
    return (f"  {label:<42s} {r['wall']:6.2f} {r['cpu']:6.2f}  {n / r['wall'] / 1e6:6.1f} "
            f"{n / r['cpu'] / 1e6:6.1f}  {r['rss_mb']:6.0f}   {r['load']:.1f}")


HEAD = (" " * 45 + "wall s  CPU s  M/s wall  M/CPU-s  peak MB  load")

def bench_week(folder: Path, days: float, repeats: int) -> None:
    path = folder / "week.cwa"
    t0 = time.perf_counter()
    n = write_week(path, days)
    print(f"wrote {n:,} samples ({days:g} days at {RATE} Hz), {path.stat().st_size / 1e6:.0f} MB "
          f".cwa in {time.perf_counter() - t0:.1f} s\n"
          f"target: ours >= 15 M samples per CPU second and < 500 MB peak\n{HEAD}")
    ratios = []
    for k in range(repeats):
        runs = {w: _fresh(path, w) for w in ("reader", "ours", "pandas")}
        for w, label in (("reader", "reader alone (the limit)"), ("ours", "ours: accel_daily"),
                         ("pandas", "plain pandas (whole file, groupby)")):
            print(_line(f"{label}, run {k + 1}", n, runs[w]))
        assert runs["reader"]["n"] == n, "the reader lost samples"
        ours, peer, lim = runs["ours"], runs["pandas"], runs["reader"]
        ratios.append((peer["cpu"] / ours["cpu"], peer["rss_mb"] / ours["rss_mb"],
                       lim["cpu"] / ours["cpu"]))
        close = np.allclose(ours["sitting_h"], peer["sitting_h"][: len(ours["sitting_h"])],
                            atol=0.02)
        print(f"  -> run {k + 1}: ours {n / ours['cpu'] / 1e6:.1f} M samples per CPU s "
              f"({'met' if n / ours['cpu'] >= 15e6 else 'NOT met'}), peak "
              f"{ours['rss_mb']:.0f} MB ({'met' if ours['rss_mb'] < 500 else 'NOT met'}); "
              f"{peer['cpu'] / ours['cpu']:.1f} x less CPU and "
              f"{peer['rss_mb'] / ours['rss_mb']:.1f} x less memory than plain pandas; the "
              f"reader alone is {lim['cpu'] / ours['cpu']:.0%} of ours; daily sitting h agree "
              f"with the peer's to 0.02 h: {close}")
    path.unlink()


def bench_folder(folder: Path, files: int) -> None:
    from glute_study.io.device_folder import import_device_folder

    sub = folder / "cwa"
    sub.mkdir()
    for k in range(files):
        write_week(sub / f"P{k + 1:02d}_day.cwa", 1)
    n = files * 86400 * RATE
    print(f"\nfolder of {files} one-day .cwa files ({n / 1e6:.1f} M samples):")
    opts = {"valid_day": 1}
    t0 = time.perf_counter()
    serial = import_device_folder(sub, reader="accel", executor="serial", options=opts)
    t_ser = time.perf_counter() - t0
    t0 = time.perf_counter()
    local = import_device_folder(sub, reader="accel", options=opts)
    t_par = time.perf_counter() - t0
    same = serial.daily.equals(local.daily) and serial.files.equals(local.files)
    workers = len(os.sched_getaffinity(0))
    print(f"  serial {t_ser:6.2f} s wall; {workers} local processes {t_par:6.2f} s wall "
          f"({t_ser / t_par:.2f} x); identical tables: {same}")
    assert same, "serial and local-process imports differ"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--days", type=float, default=7)
    ap.add_argument("--files", type=int, default=4)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--child", nargs=2, metavar=("PATH", "WHICH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    folder = Path(tempfile.mkdtemp(prefix="accel_native_"))
    try:
        bench_week(folder, args.days, args.repeats)
        if args.files:
            bench_folder(folder, args.files)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
