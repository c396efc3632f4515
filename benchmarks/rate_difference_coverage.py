"""Do the trial's rate-difference intervals cover the truth?

Simulates glute-training trials with the package's simulator (``draw_cohorts``, hypothesis
scenario: rate ratio 0.8, negative-binomial cramps with a gamma frailty, covariates that the
model leaves out) and fits each with ``trial_rate_effect(covariates=["prior_cramps"])``, the
primary analysis of notebook 06. Prints the share of 95 % intervals of the covariate-adjusted
rate difference per 1000 h (``rate_difference[glute_training]``) that cover the true value,
with its Monte Carlo SE, for

- athletes randomised individually (model-based covariance), and
- whole teams randomised (negative-binomial mixed model, marginal over teams, t on
  between-within df), 20 teams, team SD 0.3.

The true value is a large-sample computation: the same estimator on one trial of
``--truth-n`` athletes (its probability limit), beside the crude difference of events per 1000 h
there; for the cluster trial the marginal rates are those times E[exp(u)] = exp(SD^2 / 2).

Usage::

    .venv/bin/python benchmarks/rate_difference_coverage.py [--reps 400] [--cluster-reps 100]
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import numpy as np
import pandas as pd

from glute_study.simulate import draw_cohorts
from glute_study.stats import trial_rate_effect

TERM = "rate_difference[glute_training]"


def _frame(d: dict, r: int, *, team: bool = False) -> pd.DataFrame:
    df = pd.DataFrame({"arm": np.where(d["arm"][r] == 1, "glute_training", "control"),
                       "prior_cramps": d["prior_cramps"][r],
                       "exposure_h": d["exposure_h"][r],
                       "hamstring_cramps": d["hamstring_cramps"][r]})
    if team:
        df["team"] = d["team"][r]
    return df[np.isfinite(df.exposure_h) & (df.exposure_h > 0)]


def _fit(df: pd.DataFrame, **options) -> pd.Series:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = trial_rate_effect(df, events="hamstring_cramps", exposure="exposure_h",
                                covariates=["prior_cramps"], **options)
    return res.table.set_index("term").loc[TERM]


def _coverage(name: str, truth: float, rows: list[pd.Series], seconds: float) -> None:
    est = np.array([r.estimate for r in rows])
    lo, hi = np.array([r.ci_low for r in rows]), np.array([r.ci_high for r in rows])
    ok = np.isfinite(lo) & np.isfinite(hi)
    cover = ((lo <= truth) & (truth <= hi))[ok]
    p = cover.mean()
    print(f"{name:<34} {ok.sum():>5} {truth:>7.3f} {est[ok].mean():>8.3f} "
          f"{100 * p:>8.1f} {100 * math.sqrt(p * (1 - p) / ok.sum()):>6.1f} {seconds:>6.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=400)
    parser.add_argument("--cluster-reps", type=int, default=100)
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--truth-n", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    n_big = min(args.truth_n, 100_000)  # the simulator's largest cohort; more as several
    draws = draw_cohorts(n_big, reps=max(1, round(args.truth_n / n_big)), seed=args.seed + 99,
                         trial=True)
    big = pd.concat([_frame(draws, r) for r in range(len(draws["arm"]))], ignore_index=True)
    limit = _fit(big).estimate
    crude = big.groupby("arm")[["hamstring_cramps", "exposure_h"]].sum()
    crude = 1000 * crude.hamstring_cramps / crude.exposure_h
    print(f"truth (n = {len(big)}): adjusted rate difference {limit:.3f} per 1000 h; crude "
          f"{crude['glute_training'] - crude['control']:.3f}")
    print(f"\n{'design':<34} {'fits':>5} {'truth':>7} {'mean est':>8} {'cover %':>8} "
          f"{'MC SE':>6} {'s':>6}")

    start = time.perf_counter()
    d = draw_cohorts(args.n, reps=args.reps, seed=args.seed, trial=True)
    rows = [_fit(_frame(d, r)) for r in range(args.reps)]
    _coverage(f"individual, n = {args.n}", limit, rows, time.perf_counter() - start)

    if args.cluster_reps:
        sd = 0.3
        start = time.perf_counter()
        d = draw_cohorts(args.n, reps=args.cluster_reps, seed=args.seed + 1, trial="cluster",
                         n_teams=20, team_sd=sd)
        rows = [_fit(_frame(d, r, team=True), cluster="team", method="glmm")
                for r in range(args.cluster_reps)]
        _coverage(f"cluster GLMM, 20 teams, SD {sd}", limit * math.exp(sd**2 / 2), rows,
                  time.perf_counter() - start)


if __name__ == "__main__":
    main()
