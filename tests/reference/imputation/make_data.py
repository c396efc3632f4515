"""Generate the imputation reference data and its completed data sets (run from the repo root).

    PYTHONPATH=$PWD .venv/bin/python tests/reference/imputation/make_data.py
    Rscript tests/reference/imputation/mice_reference.R

``cohort.csv``: 300 simulated athletes with missing glute strength (MAR on the cramp count),
missing sex (MCAR) and a missing 3-level category; ``imputed_long.csv``: the m = 5 completed
data sets of glute_study's multiple_imputation (seed 2026), stacked with an ``imputation``
column. mice_reference.R fits the same models to the same completed data sets and pools them
with mice::pool; it also imputes cohort.csv with mice's own pmm (m = 20) for a loose check of
the imputed distributions.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from glute_study.stats import multiple_imputation

HERE = Path(__file__).parent


def cohort(n: int = 300, seed: int = 14) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sex = rng.choice(["female", "male"], n)
    level = rng.choice(["amateur", "elite", "recreational"], n, p=[0.5, 0.15, 0.35])
    sitting = rng.normal(9, 1.5, n)
    age = rng.normal(25, 4, n)
    glute = 2.6 - 0.12 * (sitting - 9) + 0.25 * (sex == "male") + rng.normal(0, 0.4, n)
    exposure = rng.uniform(60, 220, n)
    rate = exposure / 1000 * np.exp(np.log(6) - 0.6 * (glute - 2.6) + 0.04 * (sitting - 9))
    cramps = rng.negative_binomial(1.2, 1.2 / (1.2 + rate)).astype(float)
    arm = rng.choice(["control", "glute_training"], n)
    post = glute + 0.25 * (arm == "glute_training") + rng.normal(0, 0.25, n)
    hazard = np.exp(-3 - 0.5 * (glute - 2.6))
    time = rng.exponential(1 / hazard)
    event = (time < 60).astype(float)
    time = np.minimum(time, 60.0)
    df = pd.DataFrame({"participant_id": [f"P{i:03d}" for i in range(n)], "sex": sex,
                       "level": level, "age": age, "sitting_h_day": sitting, "arm": arm,
                       "glute_nm_kg": glute, "glute_nm_kg_post": post, "exposure_h": exposure,
                       "hamstring_cramps": cramps, "days": time, "event": event})
    # glute strength missing more often in athletes who cramped (MAR on the outcome)
    p_miss = 1 / (1 + np.exp(-(-2.2 + 0.8 * np.minimum(cramps, 3))))
    df.loc[rng.random(n) < p_miss, "glute_nm_kg"] = np.nan
    df.loc[rng.random(n) < 0.08, "sex"] = np.nan
    df.loc[rng.random(n) < 0.10, "level"] = np.nan
    df.loc[rng.random(n) < 0.06, "sitting_h_day"] = np.nan
    return df


if __name__ == "__main__":
    data = cohort()
    data.to_csv(HERE / "cohort.csv", index=False, float_format="%.10g")
    imp = multiple_imputation(data, m=5, seed=2026, outcome="hamstring_cramps")
    imp.long().to_csv(HERE / "imputed_long.csv", index=False, float_format="%.17g")
    print(imp)
