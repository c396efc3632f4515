"""Is the cluster-trial analysis calibrated, and is its power simulation fast?

Simulates trials randomised by team under the null scenario (no training effect) with the
package's own simulator (negative-binomial cramps, theta 0.8, a normal team effect on the log
rate) and fits each with the batched negative-binomial mixed model that
``trial_rate_effect(cluster="team")`` and ``power(design="cluster_trial")`` use. Prints the
share of trials whose 5 % test rejects, with a normal reference (what a GLMM's Wald test gives)
and with the between-within t reference the package uses (target 4-6 %), and the interval
coverage of the true rate ratio under the hypothesis scenario; then times
``power(design="cluster_trial")`` for 1000 simulated trials (target <= 20 s). A smaller check
fits 200 trials one by one with ``trial_rate_effect(cluster="team")`` for every method
("glmm", "gee", "cr2"), to show that the data-frame analysis agrees with the batch.

Usage::

    .venv/bin/python benchmarks/cluster_trial.py [--reps 4000]
"""

from __future__ import annotations

import argparse
import math
import time
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from glute_study.simulate import Effects, draw_cohorts
from glute_study.stats import power, trial_rate_effect
from glute_study.stats.count_mixed import fit_count_mixed_batch


def _fit(d):
    y, expo = d["hamstring_cramps"], d["exposure_h"]
    ok = np.isfinite(y) & np.isfinite(expo) & (np.nan_to_num(expo) > 0)
    X = np.stack([np.ones_like(d["arm"]), d["arm"], d["prior_cramps"]], axis=-1)
    offset = np.where(ok, np.log(np.where(ok, expo, 1.0)), -50.0)
    return fit_count_mixed_batch(np.where(ok, y, 0.0), X, offset, d["team"], "negbin")


def _calibration(reps: int, seed: int) -> None:
    print(f"{'teams':>5} {'size':>4} {'team SD':>7} {'normal':>7} {'t(K-2)':>7} "
          f"{'coverage':>8} {'MC SE':>6}")
    truth = math.log(Effects().rr_training)
    for k, size, sd in [(10, 20, 0.3), (20, 20, 0.3), (20, 20, 0.6), (30, 15, 0.3),
                        (40, 20, 0.3)]:
        rej_z, rej_t, cover = [], [], []
        for i in range(0, reps, 250):
            b = min(250, reps - i)
            null = _fit(draw_cohorts(k * size, reps=b, seed=seed + i, scenario="null",
                                     trial="cluster", n_teams=k, team_sd=sd))
            alt = _fit(draw_cohorts(k * size, reps=b, seed=seed + 10**6 + i, trial="cluster",
                                    n_teams=k, team_sd=sd))
            q = stats.t.ppf(0.975, k - 2)
            t_null = null.coef[:, 1] / null.se[:, 1]
            rej_z.append(np.abs(t_null[null.converged]) > 1.96)
            rej_t.append(np.abs(t_null[null.converged]) > q)
            ok = alt.converged
            cover.append(np.abs(alt.coef[ok, 1] - truth) < q * alt.se[ok, 1])
        z, t, c = (np.concatenate(a).mean() for a in (rej_z, rej_t, cover))
        print(f"{k:5d} {size:4d} {sd:7.1f} {z:7.3f} {t:7.3f} {c:8.3f} "
              f"{math.sqrt(0.05 * 0.95 / reps):6.3f}")


def _methods(n_trials: int, seed: int) -> None:
    from glute_study.simulate import simulate_study

    rows = []
    for i in range(n_trials):
        data = simulate_study(400, seed=seed + i, scenario="null", trial="cluster", n_teams=20,
                              team_sd=0.3).analysis_table()
        data = data[data["exposure_h"] > 0]
        for method in ("glmm", "gee", "cr2"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                try:
                    res = trial_rate_effect(data, events="hamstring_cramps",
                                            exposure="exposure_h", covariates=["prior_cramps"],
                                            cluster="team", method=method)
                except TypeError:  # count_model without cluster= yet
                    continue
            p = res.table.loc[res.table["term"].str.startswith("arm["), "p_value"].iloc[0]
            rows.append({"method": method, "reject": p < 0.05})
    table = pd.DataFrame(rows).groupby("method")["reject"].agg(["mean", "size"])
    print(f"\ntrial_rate_effect(cluster='team') on {n_trials} null trials (20 teams of 20):")
    print(table.rename(columns={"mean": "rejection rate", "size": "trials"}).to_string())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=4000)
    parser.add_argument("--methods", type=int, default=200)
    args = parser.parse_args()
    print(f"null rejection (5 % test) and 95 % coverage, {args.reps} simulated trials each\n")
    _calibration(args.reps, seed=20261207)
    start = time.perf_counter()
    power("trial", design="cluster_trial", n=(400,), reps=1000, seed=1)
    print(f"\npower(design='cluster_trial'), 1000 simulated trials of 20 teams of 20: "
          f"{time.perf_counter() - start:.1f} s (target <= 20 s)")
    if args.methods:
        _methods(args.methods, seed=7000)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
