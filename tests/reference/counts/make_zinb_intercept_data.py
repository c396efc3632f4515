"""Write zinb_intercept_data.csv: strong zero inflation (60 % structural zeros), NB counts with
theta 1, for a ZINB with an intercept-only zero part (run: python make_zinb_intercept_data.py).

Before issue 13 count_model(family="zinb", zero_formula="1") returned all-NaN estimates on it
(statsmodels' optimiser ran away), while R pscl::zeroinfl converges (counts_exact.R).
"""

from pathlib import Path

import numpy as np
import pandas as pd


def make(seed: int = 29, n: int = 100) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n).round(4)
    exposure = rng.uniform(50, 150, n).round(2)
    mu = exposure / 100 * np.exp(0.5 + 0.3 * x)
    y = rng.negative_binomial(1.0, 1.0 / (1.0 + mu)) * (rng.random(n) > 0.6)
    return pd.DataFrame({"x": x, "exposure_h": exposure, "y": y})


if __name__ == "__main__":
    make().to_csv(Path(__file__).with_name("zinb_intercept_data.csv"), index=False)
