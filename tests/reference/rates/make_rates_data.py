"""Write rates_data.csv, the seeded clustered cohort rates.R reads.

24 teams of 6-14 athletes, the trial arm assigned by team (12 teams each), a random team effect
(SD 0.4 on the log rate), negative-binomial athlete counts (theta 0.8) over 30-200 h, a sitting
tertile that crosses teams, and three athletes who never played (0 h, 0 cramps).

Run: python make_rates_data.py
"""

from pathlib import Path

import numpy as np
import pandas as pd


def make(seed: int = 11, n_teams: int = 24) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(6, 15, n_teams)
    team = np.repeat([f"T{j:02d}" for j in range(n_teams)], sizes)
    arm_of_team = rng.permutation(np.repeat(["control", "glute_training"], n_teams // 2))
    arm = np.repeat(arm_of_team, sizes)
    n = team.size
    tertile = rng.choice(["low", "middle", "high"], n)
    exposure = rng.uniform(30, 200, n).round(1)
    exposure[rng.choice(n, 3, replace=False)] = 0.0
    u = np.repeat(rng.normal(0, 0.4, n_teams), sizes)
    rate = 0.012 * np.where(arm == "glute_training", 0.75, 1.0)
    rate = rate * np.select([tertile == "low", tertile == "middle"], [0.8, 1.0], 1.3) * np.exp(u)
    mu = rate * exposure
    events = np.where(mu > 0, rng.negative_binomial(0.8, 0.8 / (0.8 + np.maximum(mu, 1e-12))), 0)
    return pd.DataFrame({"participant_id": [f"P{i:03d}" for i in range(n)], "team": team,
                         "arm": arm, "sitting_tertile": tertile, "exposure_h": exposure,
                         "cramps": events})


if __name__ == "__main__":
    make().to_csv(Path(__file__).with_name("rates_data.csv"), index=False)
