"""Speed of the count mixed model: glute_study vs R glmmTMB on the same data, side by side.

Setting (issue 13, item 4): 600 athletes in 40 teams, negative-binomial cramp counts with a
team random intercept (SD 0.5), theta 1.5, three covariates, log-exposure offset. The model
``cramps ~ sitting_h_day + glute_nm_kg + sex + offset(log(exposure_h)) + (1 | team)`` is fitted
by glmmTMB (nbinom2, Laplace) in R and by ``count_mixed_model`` here; R times ``glmmTMB()``
alone with ``system.time`` (the data are read before), here the whole ``count_mixed_model``
call (formula, design, fit, table, text) is timed. Both are repeated and the medians compared.

Also: the array entry point ``fit_count_mixed_arrays`` alone, a Poisson fit, and the batched
fitter on 1000 simulated cluster trials (20 teams of 15 athletes, NB), the load that
``power(design="cluster_trial")`` puts on it.

Target: ours <= 1/5 of glmmTMB's time (ratio printed); 1000 trials <= 20 s.

Run:  .venv/bin/python benchmarks/count_mixed_speed.py [--repeat 7] [--trials 1000]
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

R_SCRIPT = r"""
suppressPackageStartupMessages({library(glmmTMB); library(jsonlite)})
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1]); reps <- as.integer(args[2])
d$sex <- factor(d$sex, levels = c("female", "male"))
f <- cramps ~ sitting_h_day + glute_nm_kg + sex + offset(log(exposure_h)) + (1 | team)
run <- function(fam) {
  times <- numeric(reps)
  for (i in seq_len(reps))
    times[i] <- system.time(m <- glmmTMB(f, data = d, family = fam))[["elapsed"]]
  list(times = times, fixef = as.list(fixef(m)$cond), theta = sigma(m),
       sd = attr(VarCorr(m)$cond$team, "stddev")[[1]])
}
m0 <- glmmTMB(f, data = d, family = nbinom2())  # warm-up: compile/load once
cat(toJSON(list(negbin = run(nbinom2()), poisson = run(poisson()),
                version = as.character(packageVersion("glmmTMB"))),
           auto_unbox = TRUE, digits = NA))
"""


def cohort(n_teams: int = 40, per_team: int = 15, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    team = np.repeat(np.arange(n_teams), per_team)
    n = team.size
    df = pd.DataFrame({"team": [f"T{t + 1:02d}" for t in team],
                       "sitting_h_day": rng.normal(9, 1.5, n),
                       "glute_nm_kg": rng.normal(2.2, 0.4, n),
                       "sex": rng.choice(["female", "male"], n),
                       "exposure_h": rng.uniform(60, 200, n)})
    b = rng.normal(0, 0.5, n_teams)[team]
    mu = df.exposure_h / 1000 * np.exp(1.5 + 0.1 * (df.sitting_h_day - 9)
                                       - 0.3 * (df.glute_nm_kg - 2.2) + 0.2 * (df.sex == "male")
                                       + b)
    df["cramps"] = rng.negative_binomial(1.5, 1.5 / (1.5 + mu))
    return df


def ours(df: pd.DataFrame, family: str, repeat: int):
    from glute_study.stats import count_mixed_model

    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = count_mixed_model(df, "cramps ~ sitting_h_day + glute_nm_kg + C(sex)",
                                    family=family)
        times.append(time.perf_counter() - t0)
    return times, res


def arrays_only(df: pd.DataFrame, repeat: int):
    from glute_study.stats.count_mixed import fit_count_mixed_arrays

    X = np.column_stack([np.ones(len(df)), df.sitting_h_day, df.glute_nm_kg,
                         (df.sex == "male").astype(float)])
    codes = pd.factorize(df.team)[0]
    off = np.log(df.exposure_h.to_numpy())
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fit_count_mixed_arrays(df.cramps.to_numpy(float), X, off, codes)
        times.append(time.perf_counter() - t0)
    return times


def trials(n_trials: int, seed: int = 2):
    from glute_study.stats.count_mixed import fit_count_mixed_batch

    rng = np.random.default_rng(seed)
    team = np.repeat(np.arange(20), 15)
    arm = (team % 2).astype(float)
    n = team.size
    expo = rng.uniform(60, 200, (n_trials, n))
    mu = expo / 1000 * np.exp(1.5 - 0.3 * arm + rng.normal(0, 0.4, (n_trials, 20))[:, team])
    y = rng.negative_binomial(1.5, 1.5 / (1.5 + mu))
    X = np.column_stack([np.ones(n), arm])
    t0 = time.perf_counter()
    fits = fit_count_mixed_batch(y, X, np.log(expo), team)
    return time.perf_counter() - t0, fits


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--trials", type=int, default=1000)
    args = ap.parse_args()
    df = cohort()
    print(f"count mixed model speed: {len(df)} athletes in {df.team.nunique()} teams, "
          f"{int(df.cramps.sum())} cramps; {platform.python_implementation()} "
          f"{platform.python_version()}, {args.repeat} repeats, medians")
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        df.to_csv(csv, index=False)
        script = Path(tmp) / "bench.R"
        script.write_text(R_SCRIPT)
        out = subprocess.run(["Rscript", str(script), str(csv), str(args.repeat)],
                             capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
    ours(df, "negbin", 1)  # warm-up (imports)
    print(f"\n{'model':10s} {'glmmTMB ' + r['version'] + ' (s)':>22s} {'glute_study (s)':>16s} "
          f"{'ratio':>8s}   max |fixef diff|")
    for fam, key in (("negbin", "negbin"), ("poisson", "poisson")):
        t_ours, res = ours(df, fam, args.repeat)
        t_r = float(np.median(r[key]["times"]))
        t_o = float(np.median(t_ours))
        ref = np.array(list(r[key]["fixef"].values()))
        mine = res.table[res.table.component == "count"].set_index("term")["coef"]
        mine = mine[["Intercept", "sitting_h_day", "glute_nm_kg", "C(sex)[T.male]"]].to_numpy()
        print(f"{fam:10s} {t_r:22.4f} {t_o:16.4f} {t_o / t_r:8.3f}   "
              f"{np.max(np.abs(mine - ref)):.1e}")
        if fam == "negbin":
            ratio_nb = t_o / t_r
    t_arr = float(np.median(arrays_only(df, args.repeat)))
    print(f"{'arrays':10s} {'':22s} {t_arr:16.4f} {'':8s}   (fit_count_mixed_arrays alone)")
    print(f"\nratio (negbin, ours / glmmTMB) = {ratio_nb:.3f}  "
          f"(target <= 0.2: {'met' if ratio_nb <= 0.2 else 'NOT met'})")
    if args.trials:
        t_b, fits = trials(args.trials)
        print(f"batched: {args.trials} cluster trials (20 teams x 15 athletes, NB) in "
              f"{t_b:.2f} s, {fits.converged.mean() * 100:.1f} % converged, "
              f"{fits.sd_at_boundary.mean() * 100:.1f} % with team SD at 0 "
              f"(target <= 20 s: {'met' if t_b <= 20 else 'NOT met'})")


if __name__ == "__main__":
    main()
