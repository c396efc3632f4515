"""Agreement, reliability and trial plots: inspect the drawn artists, not pixels."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection

from glute_study.errors import InputError
from glute_study.figures.agreement import bland_altman_plot, reliability_plot, trial_plot
from glute_study.stats.reliability import bland_altman, reliability
from glute_study.stats.trial import trial_effect

REF = Path(__file__).resolve().parents[1] / "reference"


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def ba():
    data = pd.read_csv(REF / "reliability" / "bland_altman.csv")
    return bland_altman(data, x="hhd_nm", y="isokinetic_nm")


def _hlines(ax):
    return [ln.get_ydata()[0] for ln in ax.get_lines()
            if len(set(np.atleast_1d(ln.get_ydata()))) == 1]


def test_bland_altman_plot_draws_points_bias_and_limits(ba):
    ax = bland_altman_plot(ba)
    pts = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(pts) == 1
    offsets = pts[0].get_offsets()
    assert offsets.shape == (40, 2)
    np.testing.assert_allclose(offsets[:, 0], ba.frame("pairs")["mean"])
    t = ba.table.set_index("term").estimate
    lines = _hlines(ax)
    for term in ("bias", "loa_lower", "loa_upper"):
        assert any(np.isclose(y, t[term]) for y in lines), term
    # three CI bands (bias and both limits)
    assert len(ax.patches) == 3
    assert ax.get_xlabel() == "Mean of hhd_nm and isokinetic_nm"  # (the names given)
    assert ax.get_ylabel() == "Isokinetic_nm minus hhd_nm"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["Pairs", "Bias (mean difference)", "95 % LoA", "Proportional bias"]


def test_plots_use_the_axes_given(ba):
    fig, (a1, a2, a3) = plt.subplots(1, 3)
    assert bland_altman_plot(ba, ax=a1) is a1
    rel = reliability(pd.read_csv(REF / "reliability" / "icc_three_sessions.csv"))
    assert reliability_plot(rel, ax=a2) is a2
    anc = trial_effect(pd.read_csv(REF / "trial" / "ancova.csv"), outcome="glute_nm_kg_post",
                       baseline="glute_nm_kg")
    assert trial_plot(anc, ax=a3) is a3


def test_reliability_plot_icc_points_and_intervals():
    rel = reliability(pd.read_csv(REF / "reliability" / "icc_three_sessions.csv"))
    ax = reliability_plot(rel)
    line = ax.containers[0].lines[0]  # the errorbar's data line
    np.testing.assert_allclose(np.asarray(line.get_xdata(), float), rel.table.estimate[:6])
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels[::-1][0] == "ICC(C,k)" or labels[-1] == "ICC(C,k)"
    assert "n = 30, k = 3" in ax.get_xlabel()


def test_reliability_plot_scatter_has_identity_line():
    rel = reliability(pd.read_csv(REF / "reliability" / "icc_three_sessions.csv"))
    ax = reliability_plot(rel, kind="scatter")
    pts = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(pts) == 1  # one seaborn scatter, coloured by later session
    offsets, colours = pts[0].get_offsets(), pts[0].get_facecolors()[:, :3]
    wide = rel.frame("sessions")
    np.testing.assert_allclose(offsets[:, 0], np.tile(wide[wide.columns[0]], 2))
    np.testing.assert_allclose(offsets[:, 1], np.r_[wide[wide.columns[1]], wide[wide.columns[2]]])
    assert len(np.unique(colours[:30], axis=0)) == len(np.unique(colours[30:], axis=0)) == 1
    assert not np.allclose(colours[0], colours[30])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Session 2", "Session 3",
                                                                  "identity"]
    identity = [ln for ln in ax.get_lines() if ln.get_label() == "identity"][0]
    np.testing.assert_allclose(identity.get_xdata(), identity.get_ydata())
    with pytest.raises(InputError, match="`kind` must be one of"):
        reliability_plot(rel, kind="bars")


def test_trial_plot_shows_adjusted_means():
    anc = trial_effect(pd.read_csv(REF / "trial" / "ancova.csv"), outcome="glute_nm_kg_post",
                       baseline="glute_nm_kg")
    ax = trial_plot(anc)
    means = anc.table[anc.table.kind == "adjusted_mean"]
    ys = [float(c.lines[0].get_ydata()[0]) for c in ax.containers]  # errorbar data lines
    np.testing.assert_allclose(ys, means.estimate)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Control", "Glute training"]
    assert ax.get_ylabel().startswith("Adjusted mean")
    assert "Glute training - control" in ax.get_title()


def test_labels_follow_the_level():
    data = pd.read_csv(REF / "reliability" / "bland_altman.csv")
    ba90 = bland_altman(data, x="hhd_nm", y="isokinetic_nm", level=0.9)
    assert ba90.level == 0.9
    ax = bland_altman_plot(ba90)
    # the limits still cover 95 % of differences; their bands are 90 % CIs
    assert [t.get_text() for t in ax.get_legend().get_texts()][2] == "95 % LoA"
    rel = reliability(pd.read_csv(REF / "reliability" / "icc_three_sessions.csv"), level=0.9)
    assert reliability_plot(rel).get_xlabel().startswith("Intraclass correlation (90 % CI)")
    anc = trial_effect(pd.read_csv(REF / "trial" / "ancova.csv"), outcome="glute_nm_kg_post",
                       baseline="glute_nm_kg", level=0.9)
    ax = trial_plot(anc)
    assert ax.get_ylabel() == "Adjusted mean glute strength at post-test\n(Nm/kg, 90 % CI)"
    assert "90 % CI" in ax.get_title() and "95" not in ax.get_title()
    assert "Nm/kg\n(90 % CI" in ax.get_title()  # the difference has its unit


def test_proportional_bias_line_is_the_regression_of_the_result(ba):
    ax = bland_altman_plot(ba)
    line = next(ln for ln in ax.get_lines() if ln.get_label() == "proportional bias")
    x, y = (np.asarray(v, float) for v in line.get_data())
    slope = (y[-1] - y[0]) / (x[-1] - x[0])
    assert slope == pytest.approx(ba.table.set_index("term").estimate["proportional_bias"])


def test_wrong_result_is_refused(ba):
    with pytest.raises(InputError, match=re.escape(
            "trial_plot needs the result of glute_study.stats.trial.trial_effect; "
            "got Result 'bland_altman'.")):
        trial_plot(ba)
    with pytest.raises(InputError, match=re.escape(
            "bland_altman_plot needs the result of glute_study.stats.reliability.bland_altman; "
            "got DataFrame.")):
        bland_altman_plot(pd.DataFrame())
