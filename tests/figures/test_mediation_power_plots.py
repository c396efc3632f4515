"""The mediation sensitivity and power plots draw what their results hold (artists, not pixels)."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from glute_study.errors import InputError
from glute_study.figures.mediation import mediation_sensitivity_plot
from glute_study.figures.power import power_plot
from glute_study.stats.mediation import mediation
from glute_study.stats.simulation_power import power


@pytest.fixture(scope="module")
def cohort() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 250
    df = pd.DataFrame({"sitting": rng.normal(9, 1.5, n), "hours": rng.uniform(60, 200, n)})
    df["glute"] = 2.5 - 0.15 * (df.sitting - 9) + rng.normal(0, 0.4, n)
    df["cramps"] = rng.poisson(df.hours / 1000 * np.exp(np.log(10) - 0.8 * (df.glute - 2.5)))
    return df


def test_sensitivity_plot_for_a_rate_outcome(cohort):
    res = mediation(cohort, x="sitting", m="glute", y="cramps", exposure="hours", n_boot=100,
                    ci="percentile", seed=1, executor="serial")
    fig, ax = plt.subplots()
    assert mediation_sensitivity_plot(res, ax=ax) is ax
    sens = res.frame("sensitivity")
    line = ax.lines[0]
    np.testing.assert_allclose(line.get_xdata(), sens["value"])
    np.testing.assert_allclose(line.get_ydata(), sens["indirect"])
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(lab.startswith("E-value") for lab in labels)
    plt.close(fig)


def test_sensitivity_plot_for_a_linear_outcome_uses_rho(cohort):
    res = mediation(cohort.assign(score=cohort.cramps * 1.0 + cohort.glute), x="sitting",
                    m="glute", y="score", family="gaussian", n_boot=100, ci="percentile",
                    seed=1, executor="serial")
    ax = mediation_sensitivity_plot(res)
    assert "rho" in ax.get_xlabel()
    assert min(ax.lines[0].get_xdata()) == pytest.approx(-0.9)
    plt.close(ax.figure)


def test_power_plot_draws_each_test():
    res = power("trial", n=(60, 120, 240), reps=100, seed=1, executor="serial")
    ax = power_plot(res)
    # legend entries are the tests in words, wrapped onto short lines
    assert [t.get_text().replace("\n", " ") for t in ax.get_legend().get_texts()] == \
        list(res.table.term.unique())
    first = res.table[res.table.term == res.table.term.iloc[0]]
    assert first.term.iloc[0] == "Glute training vs control: hamstring-cramp rate ratio"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), first.estimate)
    assert ax.get_ylim() == (0.0, 1.0)
    assert ax.get_title() == "Glute training lowers the hamstring-cramp rate"
    plt.close(ax.figure)


def test_power_panels_draw_one_titled_panel_per_result():
    from glute_study.figures.power import power_panels

    res = [power(a, n=(60, 120), reps=100, seed=1, executor="serial")
           for a in ("cohort_sitting", "indirect", "trial")]
    fig = power_panels(res)
    assert len(fig.axes) == 3
    titles = [ax.get_title().replace("\n", " ") for ax in fig.axes]
    assert titles == [r.diagnostics["title"] for r in res]
    for ax, r in zip(fig.axes, res):
        np.testing.assert_allclose(ax.lines[0].get_ydata(),
                                   r.table[r.table.term == r.table.term.iloc[0]].estimate)
    plt.close(fig)
    with pytest.raises(InputError, match="at least one"):
        power_panels([])


def test_plots_reject_other_results():
    with pytest.raises(InputError, match=re.escape(
            "mediation_sensitivity_plot needs the result of glute_study.stats.mediation.mediation; "
            "got object.")):
        mediation_sensitivity_plot(object())
    with pytest.raises(InputError, match=re.escape(
            "power_plot needs the result of glute_study.stats.simulation_power.power; "
            "got object.")):
        power_plot(object())
