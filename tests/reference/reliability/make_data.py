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

    # A systematic shift between sessions (a learning effect of 0.3 Nm/kg), 24 athletes x 2
    # sessions: absolute agreement ICC(A,1) counts the shift as error, consistency ICC(C,1)
    # does not, so the two differ clearly. Its own generator, so the sets above stay as they were.
    rng = np.random.default_rng(20261207)
    n4 = 24
    true4 = rng.normal(2.5, 0.4, n4)
    rows = []
    for i in range(n4):
        for s in range(2):
            value = true4[i] + 0.3 * s + rng.normal(0, 0.12)
            rows.append({"participant_id": f"S{i + 1:02d}", "session": s + 1,
                         "value": round(value, 4)})
    pd.DataFrame(rows).to_csv(HERE / "icc_shift.csv", index=False)

    # Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges (the paper's own data).
    ratings = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9],
               [6, 2, 4, 7]]
    rows = [{"participant_id": f"T{t + 1}", "session": j + 1, "value": float(v)}
            for t, judged in enumerate(ratings) for j, v in enumerate(judged)]
    pd.DataFrame(rows).to_csv(HERE / "shrout_fleiss_1979.csv", index=False)


if __name__ == "__main__":
    main()
