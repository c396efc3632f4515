"""Write cluster_data.csv: athletes in 18 teams of unequal size (one team of one athlete), a
team-level arm, a within-team predictor, a random team effect (SD 0.5) and NB counts (theta 1.5)
with 40 % structural zeros; read by counts_cluster.R (run: python make_cluster_data.py)."""

from pathlib import Path

import numpy as np
import pandas as pd


def make(seed: int = 13) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = np.r_[1, rng.integers(4, 16, 17)]
    team = np.repeat([f"T{j:02d}" for j in range(len(sizes))], sizes)
    n = len(team)
    arm = np.repeat(rng.permutation(np.arange(len(sizes)) % 2), sizes)
    u = np.repeat(rng.normal(0, 0.5, len(sizes)), sizes)
    x = rng.normal(9, 1.5, n).round(3)
    exposure = rng.uniform(60, 200, n).round(2)
    mu = exposure / 1000 * np.exp(3.0 + 0.15 * (x - 9) - 0.3 * arm + u)
    y = rng.negative_binomial(1.5, 1.5 / (1.5 + mu)) * (rng.random(n) > 0.4)
    return pd.DataFrame({"team": team, "arm": arm, "x": x, "exposure_h": exposure, "y": y})


if __name__ == "__main__":
    make().to_csv(Path(__file__).with_name("cluster_data.csv"), index=False)
