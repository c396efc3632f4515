"""The participant flow diagram: the boxes hold the flow table's counts and reasons."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from glute_study import InputError, simulate_study
from glute_study.figures import flow_diagram


def _texts(ax):
    return [t.get_text() for t in ax.texts if t.get_text()]


def test_cohort_flow_boxes_hold_the_counts_and_reasons():
    study = simulate_study(n=60, seed=3, trial=False)
    flow = study.flow()
    ax = flow_diagram(flow)
    texts = _texts(ax)
    assert texts[0] == f"Enrolled\n(n = {int(flow.n.iloc[0])})"
    assert texts[1].endswith(f"(n = {int(flow.n.iloc[-1])})")
    lost = flow.iloc[1:-1]
    for reason, n in zip(lost.reason, lost.excluded):
        if n:
            assert f"(n = {int(n)})" in " ".join(texts[2].split())
            assert reason.split()[0].lower() in texts[2].lower()
    plt.close(ax.figure)


def test_trial_flow_has_a_column_per_arm_in_words():
    study = simulate_study(n=60, seed=3)
    flow = study.trial_flow(covariates=["prior_cramps"])
    ax = flow_diagram(flow)
    texts = _texts(ax)
    assert any(t.startswith("Allocated to glute training") for t in texts)
    assert any(t.startswith("Allocated to control") for t in texts)
    analysed = flow[flow.stage.str.startswith("analysed")]
    for n in analysed.n:
        assert any(t == f"Analysed (intention to treat)\n(n = {int(n)})" for t in texts)
    assert not any("glute_training" in t for t in texts)
    plt.close(ax.figure)


def test_a_table_that_is_no_flow_is_refused():
    with pytest.raises(InputError, match="stage, n, excluded"):
        flow_diagram(pd.DataFrame({"x": [1]}))


def test_a_counted_reason_gives_a_line_per_reason_with_its_count():
    flow = pd.DataFrame({
        "stage": ["enrolled", "with baseline glute strength", "with exposure", "analysed"],
        "n": [40, 37, 36, 35], "excluded": [0, 3, 4, 5],
        "reason": ["", "no usable hip-extension test or body mass (1); strength tested only "
                   "after follow-up began (2)", "no exposure recorded", ""]})
    ax = flow_diagram(flow)
    box = " ".join(_texts(ax)[2].split())
    assert "No usable hip-extension test or body mass (n = 1)" in box
    assert "Strength tested only after follow-up began (n = 2)" in box
    assert "No exposure recorded (n = 4)" in box
    assert "(2) (n =" not in box and "(n = 3)" not in box
    plt.close(ax.figure)
