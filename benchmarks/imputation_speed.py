"""Speed of multiple imputation and of mediation with multiple imputation (MI Boot), on the demo.

Issue 14: 20 imputations x 1000 bootstrap replicates of the negative-binomial mediation of the
demo cohort (datasets/demo; the call of notebooks/05_mediation.py) in at most 5 s on this
machine. The script times, on the demo's analysis table (400 athletes, 26 columns, 11 of them
incomplete):

1. ``multiple_imputation(data, m=20, seed=...)`` (MICE, 10 iterations, every column a
   predictor of every other);
2. ``imputations.fit(mediation, ..., n_boot=1000, ci="percentile")``: 20 mediations of 1000
   replicates each (every replicate refits the linear mediator model and the negative-binomial
   outcome model with its dispersion, batched by ``stats._kernels.fit_batch``), pooled by MI Boot.
   MI Boot needs only each data set's bootstrap draws, not its BCa interval; the default
   ``ci="bca"`` (a jackknife of 400 leave-one-out fits per data set on top) is timed too.

Run::

    .venv/bin/python benchmarks/imputation_speed.py [--repeat 3] [--m 20] [--n-boot 1000]

The best of ``--repeat`` runs is reported (the machine is shared), and the median beside it.

Measured 2026-12-07 on the 2-core development machine (x86_64, idle): imputation 0.47 s, 20 x
1000-replicate mediations pooled 0.97 s, together 1.44 s (target 5 s); with ``ci="bca"``
1.43 s for the mediations.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings
from pathlib import Path

from glute_study import load_study
from glute_study.stats import mediation, multiple_imputation

DEMO = Path(__file__).parents[1] / "datasets" / "demo"
MEDIATION = dict(x="sitting_h_day", m="glute_nm_kg", y="hamstring_cramps",
                 covariates=["age", "sex", "prior_cramps"], exposure="exposure_h",
                 family="negbin")


def _timed(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--m", type=int, default=20)
    ap.add_argument("--n-boot", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=2026)
    ap.add_argument("--skip-bca", action="store_true")
    args = ap.parse_args()
    data = load_study(DEMO).analysis_table()
    print(f"demo: {len(data)} athletes, {data.shape[1]} columns, "
          f"{int(data.isna().any().sum())} incomplete, {int(data.isna().any(axis=1).sum())} "
          f"athletes with a missing value; {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores")
    best_i, med_i, imp = _timed(lambda: multiple_imputation(data, m=args.m, seed=args.seed,
                                                            outcome="hamstring_cramps"),
                                args.repeat)
    print(f"multiple_imputation(m={args.m}, max_iter=10): best {best_i:.2f} s, median "
          f"{med_i:.2f} s")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "contrast outside the observed range" etc.
        best_f, med_f, res = _timed(lambda: imp.fit(mediation, **MEDIATION, n_boot=args.n_boot,
                                                    ci="percentile", seed=args.seed),
                                    args.repeat)
    print(f"fit(mediation, n_boot={args.n_boot}, ci='percentile') over {args.m} imputations "
          f"({args.m * args.n_boot} replicates): best {best_f:.2f} s, median {med_f:.2f} s")
    total = best_i + best_f
    print(f"imputation + pooled mediation: {total:.2f} s (best), {med_i + med_f:.2f} s (median)"
          f"; target <= 5 s: {'met' if total <= 5 else 'NOT met'}")
    if not args.skip_bca:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            best_b, med_b, _ = _timed(lambda: imp.fit(mediation, **MEDIATION,
                                                      n_boot=args.n_boot, seed=args.seed),
                                      1)
        print(f"fit(mediation, ci='bca') (adds a 400-fit jackknife per data set): "
              f"{best_b:.2f} s")
    tab = res.table
    row = tab[(tab.term == "indirect") & (tab.scale == "rate_ratio")].iloc[0]
    print(f"pooled indirect rate ratio {row.estimate:.3f} (95 % CI {row.ci_low:.3f} to "
          f"{row.ci_high:.3f}; stacked-draw percentile {row.ci_low_pooled:.3f} to "
          f"{row.ci_high_pooled:.3f}), fmi {row.fmi:.3f}")


if __name__ == "__main__":
    main()
