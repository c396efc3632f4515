"""Write the seeded analysis-table-like data the associations reference script reads.

Run ``python make_associations_data.py``: it writes ``data.csv`` beside itself. Importing the
module does nothing (pytest imports it when collecting doctests).
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def main() -> None:
    rng = np.random.default_rng(20261126)
    n = 300
    sex = rng.choice(["female", "male"], size=n)
    age = np.round(rng.uniform(18, 40, size=n), 1)
    sitting = np.clip(rng.normal(9, 1.5, size=n), 4, 14).round(3)
    self_report = np.clip(sitting - 2 + rng.normal(0, 2.5, size=n), 1, 14).round(3)
    strength = (2.5 - 0.06 * (sitting - 9) + 0.2 * (sex == "male") - 0.01 * (age - 28)
                + rng.normal(0, 0.45, size=n)).round(4)
    exposure_h = rng.uniform(60, 200, size=n).round(2)
    rate = 8 / 1000 * np.exp(0.12 * (sitting - 9) + 0.04 * (sitting - 9) ** 2
                             + 0.3 * (sex == "male"))
    mu = rate * exposure_h
    theta = 1.5
    cramps = rng.poisson(rng.gamma(theta, mu / theta))
    d = pd.DataFrame({"participant_id": [f"P{i:03d}" for i in range(n)], "sex": sex, "age": age,
                      "sitting_h_day": sitting, "self_report_sitting_h_day": self_report,
                      "glute_nm_kg": strength, "exposure_h": exposure_h,
                      "hamstring_cramps": cramps})
    d.loc[[3, 17, 40], "self_report_sitting_h_day"] = np.nan
    d.loc[[5, 60], "glute_nm_kg"] = np.nan
    d.to_csv(HERE / "data.csv", index=False)


if __name__ == "__main__":
    main()
