"""Speed of recurrent_events beside R survival::coxph on the same counting-process data.

For each size (athletes x weekly intervals, with cramps ending some intervals and whole-day
times so that events tie) the script writes one CSV, fits every model with
``glute_study.stats.recurrent_events`` and with R ``coxph`` (Rscript through subprocess;
``system.time`` around the ``coxph`` call only, so R's start-up and CSV reading are not
counted; ours is the whole call, checks and design matrix included), and prints the best of
``--repeats`` wall times, the ratio ours / R and the largest coefficient difference.

Run::

    .venv/bin/python benchmarks/recurrent_speed.py                      # 10,000 intervals
    .venv/bin/python benchmarks/recurrent_speed.py --athletes 500 2000 --frailty
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from glute_study.errors import FitWarning
from glute_study.stats import recurrent_events

FORMULA = "sitting_h_day + load_au + arm"

R_CODE = r"""
library(survival)
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); reps <- as.integer(args[2]); frailty <- args[3] == "1"
d <- d[order(d$participant_id, d$start), ]
d$enum <- ave(d$event, d$participant_id, FUN = function(e) 1 + cumsum(e) - e)
prev <- ave(d$stop * d$event, d$participant_id, FUN = function(v) cummax(c(0, head(v, -1))))
d$gstart <- d$start - prev; d$gstop <- d$stop - prev
forms <- list(
  andersen_gill = Surv(start, stop, event) ~ sitting_h_day + load_au + arm +
    cluster(participant_id),
  pwp_total = Surv(start, stop, event) ~ sitting_h_day + load_au + arm + strata(enum) +
    cluster(participant_id),
  pwp_gap = Surv(gstart, gstop, event) ~ sitting_h_day + load_au + arm + strata(enum) +
    cluster(participant_id))
if (frailty) forms$gamma_frailty <- Surv(start, stop, event) ~ sitting_h_day + load_au + arm +
  frailty(participant_id, distribution = "gamma")
out <- list()
for (m in names(forms)) {
  best <- Inf
  for (r in seq_len(reps)) {
    tm <- system.time(f <- coxph(forms[[m]], data = d))[["elapsed"]]
    best <- min(best, tm)
  }
  out[[m]] <- list(seconds = best, coef = unname(coef(f)[1:3]))
}
coefs <- sapply(out, function(o) paste(sprintf("%.12g", o$coef), collapse = ","))
cat(paste0("{", paste(sprintf('"%s": {"seconds": %.6f, "coef": [%s]}', names(out),
                              sapply(out, `[[`, "seconds"), coefs), collapse = ","), "}\n"))
"""


def make_data(n_athletes: int, weeks: int, seed: int) -> pd.DataFrame:
    """Weekly intervals over a season; a cramp ends an interval on a whole day."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n_athletes):
        arm = int(rng.integers(0, 2))
        mean_sit = rng.normal(9, 1.5)
        t = 0
        for _ in range(weeks):
            sit = round(float(rng.normal(mean_sit, 1.0)), 1)
            load = round(float(rng.gamma(4, 100)), 0)
            rate = 0.015 * np.exp(0.15 * (sit - 9) + 0.001 * (load - 400) - 0.3 * arm)
            day = next((d for d in range(1, 8) if rng.uniform() < rate), None)
            stop = t + (day if day else 7)
            rows.append((f"P{i:05d}", t, stop, int(day is not None), sit, load, arm))
            t = stop
    return pd.DataFrame(rows, columns=["participant_id", "start", "stop", "event",
                                       "sitting_h_day", "load_au", "arm"])


def ours(data: pd.DataFrame, repeats: int, frailty: bool) -> dict:
    fits = {m: {"model": m} for m in ("andersen_gill", "pwp_total", "pwp_gap")}
    if frailty:
        fits["gamma_frailty"] = {"model": "andersen_gill", "frailty": "gamma"}
    out = {}
    for name, kw in fits.items():
        best = np.inf
        for _ in range(repeats):
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FitWarning)
                res = recurrent_events(data, FORMULA, start="start", stop="stop",
                                       event="event", **kw)
            best = min(best, time.perf_counter() - t0)
        out[name] = {"seconds": best, "coef": res.table["coef"].tolist()}
    return out


def r_times(path: Path, repeats: int, frailty: bool) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".R", delete=False) as fh:
        fh.write(R_CODE)
    try:
        proc = subprocess.run(["Rscript", fh.name, str(path), str(repeats), "1" if frailty
                               else "0"], capture_output=True, text=True, check=True)
    finally:
        Path(fh.name).unlink()
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--athletes", type=int, nargs="+", default=[500])
    parser.add_argument("--weeks", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--frailty", action="store_true", help="also time the gamma frailty")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if shutil.which("Rscript") is None:
        raise SystemExit("Rscript is not on PATH; R with the survival package is needed.")
    print(f"{'intervals':>9} {'events':>6} {'model':<14} {'ours s':>8} {'R s':>8} "
          f"{'ours/R':>7} {'max |coef diff|':>16}")
    for n in args.athletes:
        data = make_data(n, args.weeks, args.seed)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "intervals.csv"
            data.to_csv(path, index=False)
            theirs = r_times(path, args.repeats, args.frailty)
        mine = ours(data, args.repeats, args.frailty)
        for m, o in mine.items():
            r = theirs[m]
            diff = float(np.max(np.abs(np.array(o["coef"]) - np.array(r["coef"]))))
            ratio = o["seconds"] / r["seconds"] if r["seconds"] > 0 else np.inf
            print(f"{len(data):>9} {int(data['event'].sum()):>6} {m:<14} {o['seconds']:>8.3f} "
                  f"{r['seconds']:>8.3f} {ratio:>7.2f} {diff:>16.2e}")


if __name__ == "__main__":
    main()
