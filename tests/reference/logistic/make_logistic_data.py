"""Write logistic_data.csv (any cramp during follow-up) for logistic.R.

Run: python make_logistic_data.py
"""

from pathlib import Path

import numpy as np
import pandas as pd


def make(seed: int = 31, n: int = 300) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sitting = np.clip(rng.normal(9.0, 1.5, n), 4, 14).round(3)
    glute = rng.normal(2.5, 0.5, n).round(3)
    prior = rng.integers(0, 2, n)
    sex = rng.choice(["female", "male"], n)
    lin = -0.6 + 0.15 * (sitting - 9) - 0.5 * (glute - 2.5) + 1.3 * prior + 0.3 * (sex == "male")
    any_cramp = (rng.random(n) < 1 / (1 + np.exp(-lin))).astype(int)
    return pd.DataFrame({"participant_id": [f"P{i:03d}" for i in range(n)], "sex": sex,
                         "sitting_h_day": sitting, "glute_nm_kg": glute,
                         "prior_cramps": prior, "any_cramp": any_cramp})


if __name__ == "__main__":
    make().to_csv(Path(__file__).with_name("logistic_data.csv"), index=False)
