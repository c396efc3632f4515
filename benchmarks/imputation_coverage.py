"""Coverage of multiple imputation when glute strength is missing because of the outcome.

Issue 14 asks that, with missingness that depends on the outcome, the pooled 95 % intervals of
``multiple_imputation(...).fit(count_model, ...)`` cover the truth in 93.5-96.5 % of simulated
cohorts where complete cases are biased. Each cohort (n = 400 by default) is drawn by the
generator below, a small version of the study's causal model without measurement error (so that
the method, not the attenuation of a noisy measure, is what is checked):

* sitting ~ N(9, 1.5^2) h/day, age ~ N(25, 4^2), sex 50/50, exposure ~ U(60, 220) h;
* glute strength = 2.6 - 0.12 (sitting - 9) + 0.25 male + N(0, 0.4^2) Nm/kg;
* hamstring cramps ~ NB(theta = 1.2) with rate exposure/1000 x exp(log 6 + log(IRR_g) (glute -
  2.6) + 0.04 (sitting - 9)), IRR_g = exp(-0.6) per Nm/kg (the truth);
* glute strength missing with probability expit(-2 + 0.8 min(cramps, 10)) (MAR: it depends on
  the observed cramp count; about 23 % missing), sex missing completely at random (8 %). The
  complete cases then underestimate the protective glute effect (log IRR -0.44 instead of -0.6
  in a cohort of 100,000).

The analysis is ``count_model(d, "hamstring_cramps ~ glute_nm_kg + sitting_h_day + age + sex")``
(negative binomial, log-exposure offset), on the complete cases and pooled over ``m`` imputations
(PMM for strength, logistic for sex, the outcome and log exposure in every model). The script
prints, for the glute and sitting rate ratios, the mean log-estimate minus the truth (bias), the
coverage of the 95 % interval with its Monte Carlo SE (sqrt(p (1 - p) / reps)), the mean
interval width and the run time. Cohorts run in tasks with spawned seeds through
``glute_study.parallel.run_tasks``, so the figures do not depend on the executor.

Run::

    .venv/bin/python benchmarks/imputation_coverage.py --reps 1000 --executor processes
    .venv/bin/python benchmarks/imputation_coverage.py --reps 200 --m 10 --max-iter 5

Measured 2026-12-07, 1000 cohorts, m = 20, seed 14 (944 s on 2 processes), 23 % missing:

=============  ==============  =========  ==========  =====  =====  =====
term           method          bias(log)  coverage %  MC SE  width  fmi
=============  ==============  =========  ==========  =====  =====  =====
glute_nm_kg    complete cases  +0.142     91.4        0.89   0.926
glute_nm_kg    MI (PMM)        +0.040     94.3        0.73   1.115  0.545
sitting_h_day  complete cases  -0.010     94.6        0.71   0.270
sitting_h_day  MI (PMM)        +0.007     94.6        0.71   0.235  0.189
=============  ==============  =========  ==========  =====  =====  =====

(bias MC SE about 0.008 for glute, 0.002 for sitting.) MI removes about three quarters of the
complete-case bias and covers at the nominal rate; the bias left (+0.04, a sixth of an SE) comes
from the imputation model, which is linear in the cramp count while the true conditional
distribution of strength given a negative-binomial count is not.
"""

from __future__ import annotations

import argparse
import os
import time
import warnings

import numpy as np
import pandas as pd

from glute_study.parallel import run_tasks, spawn_seeds

LOG_IRR_GLUTE = -0.6
LOG_IRR_SITTING = 0.04
FORMULA = "hamstring_cramps ~ glute_nm_kg + sitting_h_day + age + sex"
TERMS = {"glute_nm_kg": LOG_IRR_GLUTE, "sitting_h_day": LOG_IRR_SITTING}


MAR = (-2.0, 0.8, 10)  # P(strength missing) = expit(a + b min(cramps, cap))


def cohort(rng: np.random.Generator, n: int, mar: tuple = MAR) -> pd.DataFrame:
    """One simulated cohort with outcome-dependent (MAR) missing strength."""
    sex = rng.choice(["female", "male"], n)
    sitting = rng.normal(9, 1.5, n)
    age = rng.normal(25, 4, n)
    glute = 2.6 - 0.12 * (sitting - 9) + 0.25 * (sex == "male") + rng.normal(0, 0.4, n)
    exposure = rng.uniform(60, 220, n)
    rate = exposure / 1000 * np.exp(np.log(6) + LOG_IRR_GLUTE * (glute - 2.6)
                                    + LOG_IRR_SITTING * (sitting - 9))
    cramps = rng.negative_binomial(1.2, 1.2 / (1.2 + rate)).astype(float)
    df = pd.DataFrame({"sex": sex, "age": age, "sitting_h_day": sitting, "glute_nm_kg": glute,
                       "exposure_h": exposure, "hamstring_cramps": cramps})
    a, b, cap = mar
    p_miss = 1 / (1 + np.exp(-(a + b * np.minimum(cramps, cap))))
    df.loc[rng.random(n) < p_miss, "glute_nm_kg"] = np.nan
    df.loc[rng.random(n) < 0.08, "sex"] = np.nan
    return df


def _one(df: pd.DataFrame, m: int, max_iter: int, seed: int) -> dict:
    from glute_study.stats import count_model, multiple_imputation

    out = {"missing": float(df.glute_nm_kg.isna().mean())}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the complete-case fit warns that it drops rows
        cc = count_model(df, FORMULA).table.set_index("term")
    imp = multiple_imputation(df, m=m, max_iter=max_iter, seed=seed,
                              outcome="hamstring_cramps")
    mi = imp.fit(count_model, FORMULA).table.set_index("term")
    for term, truth in TERMS.items():
        for name, tab in (("cc", cc), ("mi", mi)):
            row = tab.loc[term]
            out[f"{name}_{term}_est"] = float(row.coef)
            out[f"{name}_{term}_cover"] = float(row.ci_low <= np.exp(truth) <= row.ci_high)
            out[f"{name}_{term}_width"] = float(np.log(row.ci_high) - np.log(row.ci_low))
        out[f"mi_{term}_fmi"] = float(mi.loc[term, "fmi"])
    return out


def _task(task) -> list[dict]:
    seed, size, n, m, max_iter = task
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    rng = np.random.default_rng(seed)
    return [_one(cohort(rng, n), m, max_iter, int(rng.integers(2**32))) for _ in range(size)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=1000)
    ap.add_argument("--n", type=int, default=400)
    ap.add_argument("--m", type=int, default=20)
    ap.add_argument("--max-iter", type=int, default=10)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--chunk", type=int, default=10)
    ap.add_argument("--executor", default="serial")
    args = ap.parse_args()
    sizes = [min(args.chunk, args.reps - i) for i in range(0, args.reps, args.chunk)]
    tasks = [(s, k, args.n, args.m, args.max_iter)
             for s, k in zip(spawn_seeds(args.seed, len(sizes)), sizes)]
    t0 = time.perf_counter()
    rows = [r for chunk in run_tasks(_task, tasks, executor=args.executor, desc="cohorts")
            for r in chunk]
    wall = time.perf_counter() - t0
    res = pd.DataFrame(rows)
    reps = len(res)
    print(f"Multiple imputation coverage: {reps} cohorts of n = {args.n}, m = {args.m}, "
          f"max_iter = {args.max_iter}, seed {args.seed}; glute strength missing "
          f"{100 * res.missing.mean():.1f} % on average (MAR on the cramp count)")
    print(f"{'term':<15}{'method':<16}{'bias(log)':>10}{'coverage %':>12}{'MC SE':>8}"
          f"{'width':>8}{'fmi':>7}")
    for term, truth in TERMS.items():
        for name, label in (("cc", "complete cases"), ("mi", "MI (PMM)")):
            bias = res[f"{name}_{term}_est"].mean() - truth
            bias_se = res[f"{name}_{term}_est"].std() / np.sqrt(reps)
            cover = res[f"{name}_{term}_cover"].mean()
            mcse = np.sqrt(cover * (1 - cover) / reps)
            fmi = f"{res[f'mi_{term}_fmi'].mean():7.3f}" if name == "mi" else f"{'':7}"
            print(f"{term:<15}{label:<16}{bias:>+10.4f}{100 * cover:>12.1f}{100 * mcse:>8.2f}"
                  f"{res[f'{name}_{term}_width'].mean():>8.3f}{fmi}   (bias MC SE "
                  f"{bias_se:.4f})")
    cover = res["mi_glute_nm_kg_cover"].mean()
    ok = 0.935 <= cover <= 0.965
    print(f"target: MI coverage of the glute rate ratio in 93.5-96.5 %: "
          f"{'met' if ok else 'NOT met'} ({100 * cover:.1f} %)")
    print(f"time: {wall:.1f} s wall, {wall / reps:.2f} s per cohort "
          f"(executor {args.executor!r}, {os.cpu_count()} cores)")


if __name__ == "__main__":
    main()
