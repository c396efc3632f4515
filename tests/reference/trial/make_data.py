"""Write the seeded data sets the trial R reference reads.

    .venv/bin/python tests/reference/trial/make_data.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def main() -> None:
    rng = np.random.default_rng(3_2026)
    # ANCOVA: glute strength (Nm/kg) before and after 8 weeks, 42 control / 38 training.
    n = 80
    arm = np.array(["control"] * 42 + ["glute_training"] * 38)
    sex = rng.choice(["female", "male"], n)
    age = np.round(rng.normal(24, 4, n), 1)
    base = rng.normal(2.5, 0.5, n) + 0.2 * (sex == "male")
    post = (0.3 + 0.85 * base + 0.25 * (arm == "glute_training") + 0.01 * (age - 24)
            + rng.normal(0, 0.3, n))
    anc = pd.DataFrame({"participant_id": [f"T{i + 1:03d}" for i in range(n)], "arm": arm,
                        "sex": sex, "age": age, "glute_nm_kg": np.round(base, 4),
                        "glute_nm_kg_post": np.round(post, 4)})
    anc.to_csv(HERE / "ancova.csv", index=False)
    long = anc.melt(id_vars=["participant_id", "arm"],
                    value_vars=["glute_nm_kg", "glute_nm_kg_post"],
                    var_name="time", value_name="glute_nm_kg_value")
    long["time"] = long["time"].map({"glute_nm_kg": "pre", "glute_nm_kg_post": "post"})
    long.rename(columns={"glute_nm_kg_value": "value"}).to_csv(HERE / "prepost.csv", index=False)

    # Cramp counts over a season: 150 athletes, NB with exposure, rate ratio 0.75 for training.
    m = 150
    arm2 = rng.choice(["control", "glute_training"], m)
    prior = rng.binomial(1, 0.35, m)
    expo = np.round(rng.uniform(40, 160, m), 2)
    mu = expo / 1000 * 9.0 * np.exp(np.log(0.75) * (arm2 == "glute_training") + 1.1 * prior)
    theta = 1.5
    cramps = rng.poisson(rng.gamma(theta, mu / theta))
    pd.DataFrame({"participant_id": [f"R{i + 1:03d}" for i in range(m)], "arm": arm2,
                  "prior_cramps": prior.astype(float), "exposure_h": expo,
                  "cramps": cramps}).to_csv(HERE / "rates.csv", index=False)

    # Three time points (pre, mid, post), 36 athletes, unequal arms, for the sphericity path.
    rows = []
    for i in range(36):
        grp = "glute_training" if i < 16 else "control"
        level = rng.normal(2.5, 0.5)
        for t, name in enumerate(["pre", "mid", "post"]):
            gain = 0.12 * t * (grp == "glute_training")
            noise = rng.normal(0, 0.15 + 0.1 * t)  # noise grows over time: sphericity need not hold
            rows.append({"participant_id": f"W{i + 1:02d}", "arm": grp, "time": name,
                         "value": round(level + gain + noise, 4)})
    pd.DataFrame(rows).to_csv(HERE / "prepost3.csv", index=False)


if __name__ == "__main__":
    main()
