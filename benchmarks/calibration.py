"""Calibration of count_model on simulated cohorts: CI coverage and the null rejection rate.

Issue 3 asks that the 95 % intervals for the sitting and glute rate ratios cover the simulator's
true values in 93.5-96.5 % of at least 1000 cohorts, and that the tests reject at 4-6 % in the
null scenario. For each cohort this script fits two negative-binomial models of hamstring cramps
with the log-exposure offset (glute_study.stats.counts.count_model):

* sitting (total effect):  hamstring_cramps ~ sitting_h_day + age + sex + prior_cramps
  + prior_hamstring_injury + arm,   truth = study.truth["irr_sitting_per_h"];
* glute strength:          the same plus glute_nm_kg,   truth = study.truth["irr_glute_per_nm_kg"]
  (which the simulator defines "given sitting, age, sex, prior cramps and prior injury").

Cohorts come from ``glute_study.simulate.draw_cohorts`` (the simulator's own many-cohorts entry
point: the same causal model as ``simulate_study`` at the level of the analysis table) and,
with ``--source study``, from ``simulate_study(...).analysis_table()`` itself (the whole
pipeline through the long tables, about 2 s per cohort). Work is cut into tasks with their own
seeds (``spawn_seeds``) and run with ``glute_study.parallel.run_tasks``, so the figures do not
depend on the executor.

Run::

    .venv/bin/python benchmarks/calibration.py --reps 1000            # draw_cohorts, n = 400
    .venv/bin/python benchmarks/calibration.py --source study --reps 200
    .venv/bin/python benchmarks/calibration.py --effects glute_trial_cv=0 sitting_day_icc=1

``--effects`` overrides simulator effects (``glute_study.simulate.Effects``) in both scenarios;
the example above removes most measurement error, to tell the method's own calibration apart
from the attenuation a noisy measure causes.

The measured predictors carry measurement error (sitting is a mean of a few monitored days,
strength a dynamometer value), so estimates are slightly attenuated towards 1, as in a real
study; the script prints the mean estimate beside the truth so that any such bias is visible.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
import pandas as pd

from glute_study.errors import FitWarning, GluteStudyWarning
from glute_study.parallel import run_tasks, spawn_seeds

COVARIATES = "age + C(sex) + prior_cramps + prior_hamstring_injury + C(arm)"
MODELS = {
    "sitting": ("sitting_h_day", f"hamstring_cramps ~ sitting_h_day + {COVARIATES}",
                "irr_sitting_per_h"),
    "glute": ("glute_nm_kg", f"hamstring_cramps ~ glute_nm_kg + sitting_h_day + {COVARIATES}",
              "irr_glute_per_nm_kg"),
}


def _fit_table(table: pd.DataFrame) -> dict:
    """Fit both models on one cohort's analysis table; count warnings instead of hiding them."""
    from glute_study.stats.counts import count_model

    out = {}
    for name, (term, formula, _) in MODELS.items():
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = count_model(table, formula, family="negbin")
        row = res.table.set_index("term").loc[term]
        out[name] = {
            "estimate": float(row["estimate"]), "ci_low": float(row["ci_low"]),
            "ci_high": float(row["ci_high"]), "p_value": float(row["p_value"]),
            "fit_warnings": sum(issubclass(w.category, FitWarning) for w in caught),
            "other_warnings": sum(issubclass(w.category, GluteStudyWarning)
                                  and not issubclass(w.category, FitWarning) for w in caught),
            "n": res.diagnostics["n"],
        }
    return out


def _draw_task(task: tuple) -> list[dict]:
    """Fit ``reps`` cohorts from one call of draw_cohorts."""
    from glute_study.simulate import draw_cohorts

    scenario, seed, reps, n, effects = task
    d = draw_cohorts(n, reps=reps, seed=seed, scenario=scenario, trial=True, **effects)
    results = []
    for r in range(reps):
        table = pd.DataFrame({
            "sitting_h_day": d["sitting_h_day"][r], "glute_nm_kg": d["glute_nm_kg"][r],
            "age": d["age"][r], "sex": np.where(d["male"][r] == 1, "male", "female"),
            "prior_cramps": d["prior_cramps"][r],
            "prior_hamstring_injury": d["prior_hamstring_injury"][r],
            "arm": np.where(d["arm"][r] == 1, "glute_training", "control"),
            "exposure_h": d["exposure_h"][r], "hamstring_cramps": d["hamstring_cramps"][r],
        })
        results.append(_fit_table(table))
    return results


def _study_task(task: tuple) -> list[dict]:
    """Simulate whole studies one by one and fit their analysis tables."""
    from glute_study.simulate import simulate_study

    scenario, seed, reps, n, effects = task
    seeds = spawn_seeds(seed, reps)
    return [_fit_table(simulate_study(n=n, seed=s, scenario=scenario, **effects)
                       .analysis_table()) for s in seeds]


def _truth(scenario: str, effects: dict) -> dict:
    from glute_study.simulate import simulate_study

    return simulate_study(n=20, seed=0, scenario=scenario, **effects).truth


def run(source: str, reps: int, n: int, seed: int, chunk: int, executor,
        effects: dict | None = None) -> pd.DataFrame:
    effects = effects or {}
    rows = []
    for scenario in ("hypothesis", "null"):
        truth = _truth(scenario, effects)
        n_tasks = -(-reps // chunk)
        sizes = [min(chunk, reps - i * chunk) for i in range(n_tasks)]
        seeds = spawn_seeds(seed + (0 if scenario == "hypothesis" else 1), n_tasks)
        tasks = [(scenario, s, k, n, effects) for s, k in zip(seeds, sizes)]
        fn = _draw_task if source == "draw" else _study_task
        start = time.perf_counter()
        fits = [f for chunk_fits in run_tasks(fn, tasks, executor=executor, progress=False)
                for f in chunk_fits]
        elapsed = time.perf_counter() - start
        for name, (_, _, key) in MODELS.items():
            est = np.array([f[name]["estimate"] for f in fits])
            low = np.array([f[name]["ci_low"] for f in fits])
            high = np.array([f[name]["ci_high"] for f in fits])
            p = np.array([f[name]["p_value"] for f in fits])
            true = truth[key]
            cover = np.mean((low <= true) & (true <= high))
            reject = np.mean(p < 0.05)
            r = len(fits)
            rows.append({
                "source": source, "scenario": scenario, "effect": name, "cohorts": r,
                "truth": true, "mean_log_estimate": float(np.exp(np.mean(np.log(est)))),
                "coverage": cover, "coverage_mc_se": np.sqrt(cover * (1 - cover) / r),
                "rejection_rate": reject, "rejection_mc_se": np.sqrt(reject * (1 - reject) / r),
                "fit_warnings": int(sum(f[name]["fit_warnings"] for f in fits)),
                "mean_n": float(np.mean([f[name]["n"] for f in fits])),
                "seconds": elapsed,
            })
    return pd.DataFrame(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", choices=["draw", "study"], default="draw")
    ap.add_argument("--reps", type=int, default=1000, help="cohorts per scenario")
    ap.add_argument("--n", type=int, default=400, help="participants per cohort")
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--chunk", type=int, default=50, help="cohorts per task")
    ap.add_argument("--executor", default=None, help="None (local processes), 'serial' or "
                    "a Dask scheduler address tcp://host:port")
    ap.add_argument("--effects", nargs="*", default=[], metavar="NAME=VALUE",
                    help="simulator effect overrides, e.g. glute_trial_cv=0")
    args = ap.parse_args(argv)
    effects = {}
    for item in args.effects:
        name, _, value = item.partition("=")
        effects[name] = float(value)
    table = run(args.source, args.reps, args.n, args.seed, args.chunk, args.executor, effects)
    if effects:
        print("effect overrides:", effects)
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.round(4).to_string(index=False))
    hyp = table[table.scenario == "hypothesis"]
    null = table[table.scenario == "null"]
    print()
    for r in hyp.itertuples():
        ok = 0.935 <= r.coverage <= 0.965
        print(f"coverage of the 95 % CI, {r.effect} IRR (truth {r.truth:.4f}): "
              f"{100 * r.coverage:.1f} % (MC SE {100 * r.coverage_mc_se:.1f}) over {r.cohorts} "
              f"cohorts [{'within' if ok else 'OUTSIDE'} 93.5-96.5 %]")
    for r in null.itertuples():
        ok = 0.04 <= r.rejection_rate <= 0.06
        print(f"null rejection rate at alpha = .05, {r.effect}: {100 * r.rejection_rate:.1f} % "
              f"(MC SE {100 * r.rejection_mc_se:.1f}); coverage of IRR 1: "
              f"{100 * r.coverage:.1f} % [{'within' if ok else 'OUTSIDE'} 4-6 %]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
