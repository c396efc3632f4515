"""Acti4-type reference classes for synthetic thigh recordings, from acti-motus (BSD-3-Clause).

acti-motus (the Python successor of Acti4 by the Danish National Research Centre for the Working
Environment and SENS Innovation) classifies the synthetic recordings of
``glute_study.io.synthetic_thigh`` with its LEGACY configuration (Acti4's thresholds); the classes
per second are stored beside this script, one CSV per schedule, with the versions used in
``versions.json``. tests/io/test_activity_types.py compares ``thigh_posture`` with them second by
second; the tests need neither acti-motus nor this script.

Run (in an environment with acti-motus; it is not a dependency of glute_study):
    python -m venv /tmp/am && /tmp/am/bin/pip install acti-motus==2.4.0
    PYTHONPATH=. /tmp/am/bin/python tests/reference/posture/make_reference.py
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import version
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from glute_study.io.synthetic_thigh import synthetic_thigh

HERE = Path(__file__).parent

#: The schedules (activity, seconds), also read by the tests.
SCHEDULES = {
    "day": [("stand", 120), ("walk", 300), ("sit", 1800), ("stand", 60), ("cycle", 4800),
            ("stand", 120), ("walk", 120), ("stairs", 120), ("walk", 60), ("run", 300),
            ("walk", 120), ("stand", 60), ("sit", 600), ("walk", 30), ("lie", 1200),
            ("stand", 60), ("walk", 60), ("sit", 300), ("lie", 600), ("stand", 60)],
    "nonwear": [("stand", 60), ("walk", 300), ("sit", 600), ("walk", 60), ("nonwear", 6000),
                ("walk", 300), ("sit", 300)],
}
#: acti-motus' classes -> the classes of glute_study.io.activity_types.
TO_OURS = {"non-wear": "nonwear", "lie": "lie", "sit": "sit", "stand": "stand",
           "shuffle": "move", "slow-walk": "walk", "walk": "walk", "fast-walk": "walk",
           "run": "run", "stairs": "stairs", "bicycle": "cycle", "row": "row",
           "kneel": "kneel", "squat": "squat"}


def main() -> None:
    from actimotus import Activities, Features

    for name, schedule in SCHEDULES.items():
        raw, truth = synthetic_thigh(schedule, hz=30, seed=1)
        df = raw.set_index("time").rename(columns={"x": "acc_x", "y": "acc_y", "z": "acc_z"})
        df.index.name = "datetime"
        features = Features(calibrate=False).compute(df)
        acts, refs = Activities(config="LEGACY", orientation=True).compute(features)
        out = pd.DataFrame({"start": acts.index.tz_localize(None) if acts.index.tz else acts.index,
                            "acti_motus": acts["activity"].astype(str).map(TO_OURS)})
        out = out.merge(truth, on="start", how="left")
        out.to_csv(HERE / f"{name}.csv", index=False)
        print(name, pd.crosstab(out["activity"], out["acti_motus"]), refs, sep="\n")
    (HERE / "versions.json").write_text(json.dumps(
        {"acti-motus": version("acti-motus"), "numpy": version("numpy"),
         "pandas": version("pandas"), "scipy": version("scipy"), "config": "LEGACY",
         "orientation": True, "calibrate": False, "hz": 30, "seed": 1}, indent=2) + "\n")


if __name__ == "__main__":
    main()
