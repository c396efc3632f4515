"""Write the seeded data sets the reliability R reference reads (run from any folder).

    .venv/bin/python tests/reference/reliability/make_data.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def main() -> None:
    rng = np.random.default_rng(20261125)
    # Hip-extension torque (Nm/kg): 30 athletes x 3 sessions, a small learning effect.
    n, k = 30, 3
    true = rng.normal(2.5, 0.5, n)
    rows = []
    for i in range(n):
        for s in range(k):
            value = true[i] + 0.04 * s + rng.normal(0, 0.15)
            rows.append({"participant_id": f"P{i + 1:02d}", "session": s + 1,
                         "value": round(value, 4)})
    pd.DataFrame(rows).to_csv(HERE / "icc_three_sessions.csv", index=False)

    # Single-leg bridge reps: 25 athletes x 2 sessions (test-retest ICC about 0.7).
    n2 = 25
    true2 = rng.normal(30, 8, n2)
    rows = []
    for i in range(n2):
        for s in range(2):
            rows.append({"participant_id": f"B{i + 1:02d}", "session": s + 1,
                         "value": float(max(5, round(true2[i] + 1.0 * s + rng.normal(0, 5))))})
    pd.DataFrame(rows).to_csv(HERE / "icc_two_sessions.csv", index=False)

    # Method comparison, wide: fixed HHD vs isokinetic torque (Nm), 40 athletes, with a
    # proportional bias of about 5 %.
    n3 = 40
    true3 = rng.normal(200, 40, n3)
    wide = pd.DataFrame({
        "participant_id": [f"M{i + 1:02d}" for i in range(n3)],
        "hhd_nm": np.round(true3 + rng.normal(0, 12, n3), 3),
        "isokinetic_nm": np.round(3 + 1.05 * true3 + rng.normal(0, 12, n3), 3),
    })
    wide.to_csv(HERE / "bland_altman.csv", index=False)


if __name__ == "__main__":
    main()
