"""Write counts_data.csv, the seeded cohort that counts.R fits (run: python make_counts_data.py)."""

from pathlib import Path

import numpy as np
import pandas as pd


def make(seed: int = 20261125, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sitting = np.clip(rng.normal(9.0, 1.5, n), 4, 14)
    glute = rng.normal(2.5, 0.5, n)
    sex = rng.choice(["female", "male"], n)
    exposure = rng.uniform(40, 200, n)
    eta = np.log(exposure / 1000) + 2.6 + 0.12 * (sitting - 9) - 0.35 * (glute - 2.5)
    eta = eta + 0.2 * (sex == "male")
    mu = np.exp(eta)
    theta = 2.5
    cramps = rng.negative_binomial(theta, theta / (theta + mu))
    never = rng.random(n) < np.where(sex == "female", 0.45, 0.15)  # structural zeros
    cramps[never] = 0
    return pd.DataFrame({
        "participant_id": [f"P{i:03d}" for i in range(n)],
        "sex": sex,
        "sitting_h_day": sitting.round(3),
        "glute_nm_kg": glute.round(3),
        "exposure_h": exposure.round(2),
        "cramps": cramps,
    })


if __name__ == "__main__":
    make().to_csv(Path(__file__).with_name("counts_data.csv"), index=False)
