"""Do incidence() and rate_ratio() intervals cover the truth on over-dispersed, clustered data?

Cohorts are drawn here, not by the package's simulator, so that the check is of the method:

* **athletes**: 2 groups of ``--n`` athletes (default 150 each), exposure uniform 30-200 h, a
  rate of 12 per 1000 h in the reference group and an IRR of 0.75, and an athlete frailty that
  makes the counts over-dispersed: gamma (negative binomial, theta 0.8) or log-normal (SD 1.0,
  about as dispersed, not negative binomial);
* **teams**: the same athletes in teams of 8-16 (10 or 20 teams per group; the group is
  assigned by team, as in a cluster-randomised trial), a normal team effect on the log rate
  (SD 0.4), NB athlete counts (theta 0.8).

"default" is ``method=None``: the negative-binomial estimates with robust (HC2) standard
errors, or CR2 by team with ``cluster="team"``; "negbin" is the model's own Wald interval.
For each method the script prints the share of cohorts whose 95 % interval covers the true
rate of each group (averaged over the two groups; the marginal rate, which with a team
effect is the rate times exp(SD^2 / 2)) and the true IRR (target 93-97 %), and, in a null
world (IRR 1), the share of 5 % tests that reject (target 4-6 %). The Monte Carlo standard
error of a 95 % coverage is about 0.7 % with 1000 cohorts.

Usage::

    .venv/bin/python benchmarks/rate_calibration.py [--reps 1000] [--seed 1]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from glute_study.stats import incidence, rate_ratio

BASE = 12 / 1000  # reference rate per hour
IRR = 0.75


def athletes(rng, n, irr, frailty):
    g = np.repeat(["control", "training"], n)
    t = rng.uniform(30, 200, 2 * n)
    if frailty == "gamma":
        f = rng.gamma(0.8, 1 / 0.8, 2 * n)
    else:
        f = np.exp(rng.normal(-0.5, 1.0, 2 * n))  # mean 1
    rate = BASE * np.where(g == "training", irr, 1.0) * f
    return pd.DataFrame({"arm": g, "exposure_h": t, "cramps": rng.poisson(rate * t)}), 1.0


def teams(rng, n_teams, irr, sd=0.4):
    sizes = rng.integers(8, 17, 2 * n_teams)
    team = np.repeat(np.arange(2 * n_teams), sizes)
    arm = np.repeat(np.repeat(["control", "training"], n_teams), sizes)
    u = np.repeat(rng.normal(0, sd, 2 * n_teams), sizes)
    t = rng.uniform(30, 200, team.size)
    f = rng.gamma(0.8, 1 / 0.8, team.size)
    rate = BASE * np.where(arm == "training", irr, 1.0) * np.exp(u) * f
    d = pd.DataFrame({"team": team, "arm": arm, "exposure_h": t,
                      "cramps": rng.poisson(rate * t)})
    return d, float(np.exp(sd**2 / 2))


SCENARIOS = {
    "athletes, NB theta 0.8": lambda rng, irr: athletes(rng, 150, irr, "gamma"),
    "athletes, log-normal frailty": lambda rng, irr: athletes(rng, 150, irr, "lognormal"),
    "athletes, NB, 30 per group": lambda rng, irr: athletes(rng, 30, irr, "gamma"),
    "10 teams per group": lambda rng, irr: teams(rng, 10, irr),
    "20 teams per group": lambda rng, irr: teams(rng, 20, irr),
}
METHODS = [(None, False), ("negbin", False), ("quasipoisson", False), ("bootstrap", False),
           ("exact", False), (None, True), ("quasipoisson", True), ("bootstrap", True)]


def run(reps: int, seed: int) -> None:
    print(f"{'scenario':<30} {'method':<22} {'rate cover':>10} {'IRR cover':>9} "
          f"{'null reject':>11} {'s/cohort':>8}")
    for s_i, (name, draw) in enumerate(SCENARIOS.items()):
        clustered = "teams" in name
        for method, use_cluster in METHODS:
            if use_cluster and not clustered:
                continue
            label = (method or "default") + (" + cluster" if use_cluster else "")
            opts = {"method": method, "cluster": "team" if use_cluster else None,
                    "n_boot": 1000}
            cover_rate = cover_irr = reject = 0
            start = time.perf_counter()
            for r in range(reps):
                rng = np.random.default_rng([seed, s_i, r])
                d, inflate = draw(rng, IRR)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    inc = incidence(d, events="cramps", exposure="exposure_h", by="arm",
                                    seed=r, **opts).table
                    rr = rate_ratio(d, events="cramps", exposure="exposure_h", by="arm",
                                    seed=r, **opts).table
                truth = np.array([BASE, BASE * IRR]) * 1000 * inflate
                rows = inc.iloc[:2]
                cover_rate += float(np.mean((rows.ci_low <= truth) & (truth <= rows.ci_high)))
                cover_irr += int(rr.ci_low[0] <= IRR <= rr.ci_high[0])
                d0, _ = draw(np.random.default_rng([seed, s_i, r, 0]), 1.0)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    null = rate_ratio(d0, events="cramps", exposure="exposure_h", by="arm",
                                      seed=r, **opts).table
                reject += int(null.p_value[0] < 0.05)
            secs = (time.perf_counter() - start) / reps
            print(f"{name:<30} {label:<22} {100 * cover_rate / reps:>9.1f}% "
                  f"{100 * cover_irr / reps:>8.1f}% {100 * reject / reps:>10.1f}% "
                  f"{secs:>8.3f}", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    run(args.reps, args.seed)


if __name__ == "__main__":
    main()
