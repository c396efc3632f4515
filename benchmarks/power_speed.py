"""Speed of the power simulation's model fits: 1000 cohorts of n = 400, negative binomial.

Side by side on the same simulated cohorts (glute_study.simulate.draw_cohorts): our batched fit
of all 1000 cohorts' NB models (dispersion estimated per cohort, exposure offset, five
covariates) against a loop of statsmodels NegativeBinomial fits (run on fewer cohorts and
compared per cohort). The simulation itself is timed apart. Target: at most 3 s for the fits.

Run:  .venv/bin/python benchmarks/power_speed.py [--sm-cohorts 50]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
import warnings

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cohorts", type=int, default=1000)
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--sm-cohorts", type=int, default=50)
    args = ap.parse_args()

    import statsmodels.api as sm

    from glute_study.simulate import draw_cohorts
    from glute_study.stats import simulation_power as P
    from glute_study.stats._kernels import fit_batch, single_threaded_blas

    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f}; python {platform.python_version()}")
    t0 = time.perf_counter()
    d = draw_cohorts(args.n, reps=args.cohorts, seed=1)
    print(f"draw_cohorts: {args.cohorts} cohorts of {args.n}: {time.perf_counter() - t0:.2f} s")

    cols = ["sitting_h_day", *P._COVARIATES]
    X, ok = P._design(d, cols)
    ok &= np.isfinite(d["hamstring_cramps"]) & np.isfinite(d["exposure_h"])
    y = np.where(ok, d["hamstring_cramps"], 0.0)
    off = np.log(np.where(ok, d["exposure_h"], 1.0))
    w = ok.astype(float)

    def ours(chunk: int) -> tuple[float, float, object]:
        t0, c0 = time.perf_counter(), time.process_time()
        fits = []
        with single_threaded_blas():
            for i in range(0, args.cohorts, chunk):
                fits.append(fit_batch(X[i:i + chunk], y[i:i + chunk], family="negbin",
                                      offset=off[i:i + chunk], weights=w[i:i + chunk]))
        return time.perf_counter() - t0, time.process_time() - c0, fits

    ours(250)  # warm-up
    wall, cpu, fits = min((ours(P.CHUNK) for _ in range(3)), key=lambda r: r[0])
    conv = np.concatenate([f.converged for f in fits]).mean()
    print(f"glute_study fit_batch, {args.cohorts} NB fits (chunks of {P.CHUNK}): wall {wall:.3f} s,"
          f" CPU {cpu:.3f} s, converged {100 * conv:.1f} %")

    t0, c0 = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter of statsmodels' NB
        for b in range(args.sm_cohorts):
            keep = ok[b]
            sm.NegativeBinomial(y[b][keep], X[b][keep], offset=off[b][keep]).fit(disp=0)
    sm_wall, sm_cpu = time.perf_counter() - t0, time.process_time() - c0
    per, per_cpu = sm_wall / args.sm_cohorts, sm_cpu / args.sm_cohorts
    print(f"statsmodels NegativeBinomial loop, {args.sm_cohorts} fits: wall {sm_wall:.2f} s = "
          f"{1000 * per:.1f} ms per cohort (CPU {1000 * per_cpu:.1f} ms)")
    print(f"ratio per cohort (statsmodels / ours): wall {per / (wall / args.cohorts):.0f}x, "
          f"CPU {per_cpu / (cpu / args.cohorts):.0f}x")
    print(f"target <= 3 s for {args.cohorts} fits: {'met' if wall <= 3 else 'NOT met'} "
          f"({wall:.3f} s)")
    t0 = time.perf_counter()
    P.power("cohort_sitting", n=(args.n,), reps=args.cohorts, seed=1)
    print(f"whole power() call, {args.cohorts} cohorts of {args.n} (simulation + fits, "
          f"threads): {time.perf_counter() - t0:.2f} s")
    print(f"load average after the run: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
