"""Make the small seeded data sets the count mixed-model reference values are computed on.

Run from the repository root: python tests/reference/count_mixed/make_count_mixed_data.py
Writes one CSV per case into this folder; count_mixed.R reads them and writes
count_mixed_reference.json.
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).parent


def _athletes(rng, n_teams, per_team, team_sd):
    team = np.repeat(np.arange(n_teams), per_team)
    n = team.size
    return pd.DataFrame({
        "team": [f"T{t + 1:02d}" for t in team],
        "participant_id": [f"P{i + 1:04d}" for i in range(n)],
        "sitting_h_day": np.round(rng.normal(9, 1.5, n), 2),
        "glute_nm_kg": np.round(rng.normal(2.2, 0.4, n), 3),
        "sex": rng.choice(["female", "male"], n),
    }), rng.normal(0, team_sd, n_teams)[team]


def _counts(rng, mu, theta):
    if theta is None:
        return rng.poisson(mu)
    return rng.negative_binomial(theta, theta / (theta + mu))


def single(seed, theta, team_sd, n_teams=25, per_team=16, sizes=None):
    """One row per athlete, athletes in teams (sizes: team sizes, else per_team each)."""
    rng = np.random.default_rng(seed)
    if sizes is None:
        df, b = _athletes(rng, n_teams, per_team, team_sd)
    else:
        team = np.repeat(np.arange(len(sizes)), sizes)
        df, _ = _athletes(rng, 1, team.size, 0.0)
        df["team"] = [f"T{t + 1:02d}" for t in team]
        b = rng.normal(0, team_sd, len(sizes))[team]
    n = len(df)
    df["exposure_h"] = np.round(rng.uniform(60, 200, n), 1)
    eta = (np.log(df.exposure_h / 1000) + 1.2 + 0.12 * (df.sitting_h_day - 9)
           - 0.35 * (df.glute_nm_kg - 2.2) + 0.2 * (df.sex == "male") + b)
    df["cramps"] = _counts(rng, np.exp(eta), theta)
    return df


def repeated(seed, theta, team_sd, athlete_sd, n_teams=24, per_team=6, periods=4):
    """Per-period counts: athletes (unique ids) within teams, several periods each."""
    rng = np.random.default_rng(seed)
    ath, b_team = _athletes(rng, n_teams, per_team, team_sd)
    b_ath = rng.normal(0, athlete_sd, len(ath))
    df = ath.loc[np.repeat(ath.index, periods)].reset_index(drop=True)
    df["period"] = np.tile(np.arange(1, periods + 1), len(ath))
    n = len(df)
    df["exposure_h"] = np.round(rng.uniform(20, 60, n), 1)
    idx = np.repeat(np.arange(len(ath)), periods)
    eta = (np.log(df.exposure_h / 1000) + 2.5 + 0.1 * (df.sitting_h_day - 9)
           - 0.3 * (df.glute_nm_kg - 2.2) - 0.1 * (df.period - 2.5) + b_team[idx] + b_ath[idx])
    df["cramps"] = _counts(rng, np.exp(eta), theta)
    return df


def crossed(seed, theta, athlete_sd, week_sd, n_athletes=150, n_weeks=15, per_athlete=5):
    """Athletes crossed with calendar weeks: each athlete seen in a few random weeks."""
    rng = np.random.default_rng(seed)
    ath, _ = _athletes(rng, 1, n_athletes, 0.0)
    ath = ath.drop(columns="team")
    b_ath = rng.normal(0, athlete_sd, n_athletes)
    b_week = rng.normal(0, week_sd, n_weeks)
    rows = []
    for i in range(n_athletes):
        for w in rng.choice(n_weeks, per_athlete, replace=False):
            rows.append((i, w))
    idx, week = map(np.array, zip(*rows))
    df = ath.iloc[idx].reset_index(drop=True)
    df["week"] = [f"W{w + 1:02d}" for w in week]
    n = len(df)
    df["exposure_h"] = np.round(rng.uniform(5, 15, n), 1)
    eta = (np.log(df.exposure_h / 1000) + 4.0 + 0.1 * (df.sitting_h_day - 9)
           - 0.3 * (df.glute_nm_kg - 2.2) + b_ath[idx] + b_week[week])
    df["cramps"] = _counts(rng, np.exp(eta), theta)
    return df


CASES = {
    "single_nb": lambda: single(101, 1.3, 0.5),
    "single_pois": lambda: single(102, None, 0.45),
    "single_boundary": lambda: single(103, 1.5, 0.0, n_teams=15, per_team=20),
    "single_small": lambda: single(104, 1.2, 0.6, sizes=[1, 1, 2, 3, 1, 8, 12, 20, 25, 5, 1,
                                                         15, 30, 2, 9, 14, 4, 1, 18, 10]),
    "nested_nb": lambda: repeated(105, 2.0, 0.4, 0.5),
    "nested_pois": lambda: repeated(106, None, 0.35, 0.45),
    "crossed_nb": lambda: crossed(107, 2.5, 0.5, 0.3),
    "crossed_pois": lambda: crossed(108, None, 0.4, 0.35),
}


if __name__ == "__main__":
    for name, make in CASES.items():
        make().to_csv(HERE / f"{name}.csv", index=False)
        print(name)
