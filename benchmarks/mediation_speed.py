"""Speed of the mediation bootstrap: glute_study vs statsmodels' Mediation, side by side.

Setting (issue 4): n = 400 athletes, three covariates, negative-binomial outcome with the
dispersion re-estimated in every replicate, log-exposure offset, 5000 bootstrap replicates.
statsmodels.stats.mediation.Mediation runs fewer replicates (it is slow) on the same data with
its own negative-binomial model (statsmodels.discrete NegativeBinomial, alpha estimated in every
replicate, offset passed to the model); the comparison is per replicate.

Targets: at most 1 s wall time for our 5000 replicates, at least 100 times faster per replicate.

Run:  .venv/bin/python benchmarks/mediation_speed.py [--sm-reps 50] [--repeat 3] [--sm-repeat 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np
import pandas as pd


def cohort(n: int = 400, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"sitting": rng.normal(9, 1.5, n), "age": rng.normal(25, 4, n),
                       "male": rng.integers(0, 2, n).astype(float),
                       "prior": rng.integers(0, 2, n).astype(float),
                       "hours": rng.uniform(50, 200, n)})
    df["glute"] = 2.5 - 0.15 * (df.sitting - 9) + 0.1 * df.male + rng.normal(0, 0.45, n)
    rate = df.hours / 1000 * np.exp(np.log(8) + 0.05 * (df.sitting - 9)
                                    - 0.5 * (df.glute - 2.5) + 0.8 * df.prior)
    df["cramps"] = rng.negative_binomial(1.5, 1.5 / (1.5 + rate)).astype(float)
    return df


def ours(df: pd.DataFrame, n_boot: int, ci: str, executor) -> tuple[float, float]:
    """Wall and CPU seconds of one glute_study mediation run."""
    from glute_study.stats.mediation import mediation

    t0, c0 = time.perf_counter(), time.process_time()
    mediation(df, x="sitting", m="glute", y="cramps", covariates=["age", "male", "prior"],
              exposure="hours", n_boot=n_boot, ci=ci, seed=1, executor=executor)
    return time.perf_counter() - t0, time.process_time() - c0


def statsmodels_mediation(df: pd.DataFrame, n_rep: int) -> tuple[float, float]:
    """Wall and CPU seconds of one statsmodels Mediation bootstrap of ``n_rep`` replicates."""
    import statsmodels.api as sm
    from statsmodels.stats.mediation import Mediation

    covs = ["age", "male", "prior"]
    Xy = sm.add_constant(df[["sitting", "glute", *covs]])
    Xm = sm.add_constant(df[["sitting", *covs]])
    outcome = sm.NegativeBinomial(df.cramps, Xy, offset=np.log(df.hours))
    mediator = sm.OLS(df.glute, Xm)
    med = Mediation(outcome, mediator, "sitting", "glute", outcome_fit_kwargs={"disp": 0})
    t0, c0 = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter of the per-replicate NB fits
        med.fit(method="bootstrap", n_rep=n_rep)
    return time.perf_counter() - t0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-boot", type=int, default=5000)
    ap.add_argument("--sm-reps", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3, help="best of this many runs of ours")
    ap.add_argument("--sm-repeat", type=int, default=2,
                    help="best of this many statsmodels runs (after a warm-up run)")
    args = ap.parse_args()
    df = cohort()
    import glute_study

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}; python {platform.python_version()}; "
          f"glute_study from {os.path.dirname(glute_study.__file__)}")
    ours(df, 300, "percentile", "serial")  # warm-up (imports, caches)
    rows = []
    for ci in ("percentile", "bca"):
        for executor in ("threads", "serial"):
            runs = [ours(df, args.n_boot, ci, executor) for _ in range(args.repeat)]
            wall, cpu = min(r[0] for r in runs), min(r[1] for r in runs)
            rows.append((ci, executor, wall, cpu))
            print(f"glute_study mediation, {args.n_boot} replicates, ci={ci}, "
                  f"executor={executor}: wall {wall:.3f} s, CPU {cpu:.3f} s "
                  f"(best of {args.repeat})")
    # Both sides are measured warm and best-of-several, so that neither pays for imports,
    # first-call set-up or a burst of load from elsewhere on the machine.
    statsmodels_mediation(df, 5)  # warm-up
    sm_runs = [statsmodels_mediation(df, args.sm_reps) for _ in range(args.sm_repeat)]
    sm_wall, sm_cpu = min(r[0] for r in sm_runs), min(r[1] for r in sm_runs)
    sm_per, sm_cpu_per = sm_wall / args.sm_reps, sm_cpu / args.sm_reps
    print(f"statsmodels Mediation, {args.sm_reps} replicates: wall {sm_wall:.2f} s "
          f"= {1000 * sm_per:.1f} ms per replicate (CPU {1000 * sm_cpu_per:.1f} ms; "
          f"best of {args.sm_repeat})")
    for ci, executor, wall, cpu in rows:
        print(f"ratio per replicate (statsmodels / ours), ci={ci}, executor={executor}: "
              f"wall {sm_per / (wall / args.n_boot):.0f}x, "
              f"CPU {sm_cpu_per / (cpu / args.n_boot):.0f}x")
    best = min(wall for ci, ex, wall, cpu in rows if ci == "bca")
    ratio = sm_per / (best / args.n_boot)
    print(f"target <= 1 s wall for {args.n_boot} replicates (BCa, best executor): "
          f"{'met' if best <= 1.0 else 'NOT met'} ({best:.3f} s); target >= 100x per "
          f"replicate: {'met' if ratio >= 100 else 'NOT met'} ({ratio:.0f}x)")
    print(f"load average after the run: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
