"""Write incidence_data.csv, the seeded cohort incidence.R reads.

Run: python make_incidence_data.py
"""

from pathlib import Path

import numpy as np
import pandas as pd


def make(seed: int = 7, n: int = 240) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    arm = np.repeat(["control", "glute_training"], n // 2)
    tertile = rng.choice(["low", "middle", "high"], n)
    exposure = rng.uniform(30, 180, n).round(1)
    rate = 0.012 * np.where(arm == "glute_training", 0.7, 1.0)
    rate = rate * np.select([tertile == "low", tertile == "middle"], [0.8, 1.0], 1.3)
    events = rng.negative_binomial(1.5, 1.5 / (1.5 + rate * exposure))
    return pd.DataFrame({"participant_id": [f"P{i:03d}" for i in range(n)], "arm": arm,
                         "sitting_tertile": tertile, "exposure_h": exposure,
                         "cramps": events})


if __name__ == "__main__":
    make().to_csv(Path(__file__).with_name("incidence_data.csv"), index=False)
