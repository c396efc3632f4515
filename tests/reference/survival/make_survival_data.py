"""Write the seeded data set the survival reference script (survival.R) reads.

Run ``python make_survival_data.py``: it writes ``data.csv`` beside itself. Importing the module
does nothing (pytest imports it when collecting doctests). Times are rounded up to whole days to
create ties.
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def main() -> None:
    rng = np.random.default_rng(20261125)
    n = 150
    group = rng.choice(["control", "glute_training"], size=n)
    sex = rng.choice(["female", "male"], size=n)
    sitting = np.round(rng.normal(9, 1.5, size=n), 2)
    lin = 0.25 * (sitting - 9) - 0.5 * (group == "glute_training") + 0.3 * (sex == "male")
    # a Weibull with shape 1.4: the hazard changes over time, so the PH test has work to do
    event_time = 60 * (-np.log(rng.uniform(size=n)) / np.exp(lin)) ** (1 / 1.4)
    censor_time = rng.uniform(20, 150, size=n)
    time = np.ceil(np.minimum(event_time, censor_time))
    event = (event_time <= censor_time).astype(int)
    pd.DataFrame(
        {"id": np.arange(1, n + 1), "time": time, "event": event, "group": group, "sex": sex,
         "sitting_h_day": sitting}
    ).to_csv(HERE / "data.csv", index=False)


if __name__ == "__main__":
    main()
