"""Write the seeded trials the rate-difference R reference reads (rate_difference.R).

    .venv/bin/python tests/reference/trial/make_rate_difference_data.py

``rates_teams.csv``: 24 teams of 10-14 athletes, athletes randomised within teams (CR2 case);
``rates_cluster.csv``: 20 teams randomised whole, a team effect with SD 0.4 (GLMM case). Both
negative binomial (theta 1.5) with a log-exposure offset, rate ratio 0.75 for training and a
prognostic previous-cramping effect of exp(1.1).
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def _trial(rng, n_teams, *, whole_teams, team_sd, prefix):
    rows = []
    for t in range(n_teams):
        size = int(rng.integers(10, 15))
        if whole_teams:
            arm = np.repeat("glute_training" if t % 2 else "control", size)
        else:
            arm = rng.permutation(np.resize(["control", "glute_training"], size))
        u = rng.normal(0, team_sd)
        prior = rng.binomial(1, 0.35, size)
        expo = np.round(rng.uniform(40, 160, size), 2)
        mu = expo / 1000 * 9.0 * np.exp(np.log(0.75) * (arm == "glute_training")
                                        + 1.1 * prior + u)
        cramps = rng.poisson(rng.gamma(1.5, mu / 1.5))
        for i in range(size):
            rows.append({"participant_id": f"{prefix}{t + 1:02d}-{i + 1:02d}",
                         "team": f"T{t + 1:02d}", "arm": arm[i],
                         "prior_cramps": float(prior[i]), "exposure_h": expo[i],
                         "cramps": int(cramps[i])})
    return pd.DataFrame(rows)


def main() -> None:
    rng = np.random.default_rng(15_2026)
    _trial(rng, 24, whole_teams=False, team_sd=0.3, prefix="W").to_csv(
        HERE / "rates_teams.csv", index=False)
    _trial(rng, 20, whole_teams=True, team_sd=0.4, prefix="C").to_csv(
        HERE / "rates_cluster.csv", index=False)


if __name__ == "__main__":
    main()
