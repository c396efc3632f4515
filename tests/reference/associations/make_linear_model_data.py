"""Write the seeded EMG-like data the linear-model reference script reads.

Run ``python make_linear_model_data.py``: it writes ``linear_model_data.csv`` beside itself.
Importing the module does nothing (pytest imports it when collecting doctests).
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def main() -> None:
    rng = np.random.default_rng(20260311)
    n = 150
    team = rng.choice([f"T{i:02d}" for i in range(1, 13)], size=n,
                      p=np.r_[np.full(6, 2.0), np.full(6, 1.0)] / 18)
    team_effect = dict(zip(sorted(set(team)), rng.normal(0, 30, 12)))
    sex = rng.choice(["female", "male"], size=n)
    age = np.round(rng.uniform(18, 38, size=n), 1)
    sitting = np.clip(rng.normal(9, 1.5, size=n), 4, 14).round(3)
    delay = (100 + 8 * (sitting - 9) + 15 * (sex == "male")
             + np.array([team_effect[t] for t in team])
             + rng.normal(0, 90, size=n) * (1 + 0.1 * (sitting - 9))).round(2)
    d = pd.DataFrame({"team": team, "sex": sex, "age": age, "sitting_h_day": sitting,
                      "glute_onset_delay_ms": delay})
    d.loc[[3, 40], "sitting_h_day"] = np.nan  # dropped rows, as the analysis table has them
    d.to_csv(HERE / "linear_model_data.csv", index=False)


if __name__ == "__main__":
    main()
