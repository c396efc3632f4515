"""Write the seeded data sets the repeated-measures R reference reads.

    .venv/bin/python tests/reference/repeated/make_data.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def main() -> None:
    rng = np.random.default_rng(4_2026)
    # Session-level cramps: 60 athletes, 6-14 sessions each, a gamma frailty per athlete and an
    # AR-like drift in it, exposure 45-120 min per session.
    rows = []
    for i in range(60):
        sitting = np.clip(rng.normal(9, 1.5), 4, 14)
        prior = rng.binomial(1, 0.35)
        frailty = rng.gamma(0.8, 1.25)
        for s in range(int(rng.integers(6, 15))):
            match = rng.random() < 0.25
            minutes = float(np.round(rng.uniform(45, 120) if not match else rng.uniform(60, 95)))
            frailty = 0.7 * frailty + 0.3 * rng.gamma(0.8, 1.25)
            mu = (minutes / 60) * 0.12 * frailty * rng.gamma(2.0, 0.5) * np.exp(
                0.09 * (sitting - 9) + 0.8 * prior + 0.5 * match)
            rows.append({"participant_id": f"A{i + 1:02d}",
                         "session_id": f"A{i + 1:02d}-{s + 1:02d}",
                         "session_no": s + 1, "session_type": "match" if match else "training",
                         "exposure_h": round(minutes / 60, 4), "sitting_h_day": round(sitting, 3),
                         "prior_cramps": float(prior), "cramps": int(rng.poisson(mu))})
    pd.DataFrame(rows).to_csv(HERE / "sessions.csv", index=False)

    # Strength sessions: 40 athletes x 4 sessions, random intercept and slope over sessions.
    rows = []
    for i in range(40):
        sitting = np.clip(rng.normal(9, 1.5), 4, 14)
        b0 = rng.normal(0, 0.4)
        b1 = rng.normal(0, 0.05)
        for s in range(4):
            value = 2.5 + b0 - 0.05 * (sitting - 9) + (0.06 + b1) * s + rng.normal(0, 0.12)
            rows.append({"participant_id": f"S{i + 1:02d}", "session": s,
                         "sitting_h_day": round(sitting, 3), "glute_nm_kg": round(value, 4)})
    pd.DataFrame(rows).to_csv(HERE / "strength_sessions.csv", index=False)


if __name__ == "__main__":
    main()
