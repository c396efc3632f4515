"""Write study_dag.json: glute_study.causal.STUDY_DAG and the queries put to dagitty about it.

Run from the repository root, then run dagitty_reference.js (see README.md):

    PYTHONPATH=$PWD python tests/reference/causal/write_study_dag.py
"""

import json
from pathlib import Path

from glute_study.causal import STUDY_DAG

HERE = Path(__file__).parent
QUERIES = [
    ["sitting_h_day", "hamstring_cramps"], ["sitting_h_day", "cramps"],
    ["self_report_sitting_h_day", "hamstring_cramps"], ["glute_nm_kg", "hamstring_cramps"],
    ["arm", "hamstring_cramps"], ["arm", "glute_nm_kg_post"], ["sitting_h_day", "glute_nm_kg"],
    ["sitting_h_day", "glute_onset_delay_ms"], ["glute_onset_delay_ms", "hamstring_cramps"],
    ["prior_cramps", "hamstring_cramps"], ["glute_nm_kg_post", "hamstring_cramps"],
]
GIVEN = [[], ["sitting_h_day"], ["glute_nm_kg"], ["age", "sex"], ["hamstring_cramps"],
         ["age", "sex", "glute_nm_kg"], ["cramps"]]

study = {"nodes": list(STUDY_DAG.nodes), "edges": [list(e) for e in STUDY_DAG.edges],
         "latent": sorted(STUDY_DAG.latent), "queries": QUERIES, "given": GIVEN}
(HERE / "study_dag.json").write_text(json.dumps(study, indent=1) + "\n", encoding="utf-8")
