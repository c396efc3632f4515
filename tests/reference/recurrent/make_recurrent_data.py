"""Write sim.csv: recurrent cramps over a season with weekly (time-varying) sitting and ties.

Run from the repository root: ``python tests/reference/recurrent/make_recurrent_data.py``.
Each athlete is followed for 60-120 days; sitting (h/day) changes every week around the
athlete's own mean; a cramp happens on a day with probability 0.02 exp(0.2 (sitting - 9) +
0.4 arm) times a gamma frailty (variance 0.5). Days are whole numbers, so events tie. The
intervals (start, stop] end at every week boundary and at every cramp.
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(20261207)
rows = []
for i in range(150):
    pid = f"A{i + 1:03d}"
    arm = int(rng.integers(0, 2))
    follow = int(rng.integers(60, 121))
    mean_sit = rng.normal(9, 1.5)
    frail = rng.gamma(2.0, 0.5)
    weeks = int(np.ceil(follow / 7))
    sitting = np.round(rng.normal(mean_sit, 1.0, size=weeks), 1)
    start = 0
    for day in range(1, follow + 1):
        w = (day - 1) // 7
        rate = 0.02 * np.exp(0.2 * (sitting[w] - 9) + 0.4 * arm) * frail
        event = rng.uniform() < rate
        if event or day % 7 == 0 or day == follow:
            rows.append({"participant_id": pid, "start": start, "stop": day,
                         "event": int(event), "sitting_h_day": sitting[w], "arm": arm})
            start = day
out = pd.DataFrame(rows)
out.to_csv(Path(__file__).with_name("sim.csv"), index=False)
print(len(out), "intervals,", out["event"].sum(), "events")
