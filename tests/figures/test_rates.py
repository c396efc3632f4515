"""forest_plot and rates_plot: inspect the drawn artists, not pixels."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from glute_study.errors import InputError
from glute_study.figures.rates import forest_plot, rates_plot
from glute_study.stats.counts import count_model
from glute_study.stats.incidence import incidence, rate_ratio


@pytest.fixture
def cohort() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    n = 300
    df = pd.DataFrame({"sitting_h_day": rng.normal(9, 1.5, n),
                       "arm": rng.choice(["control", "glute_training"], n),
                       "exposure_h": rng.uniform(60, 180, n)})
    mu = df.exposure_h / 1000 * np.exp(2.5 + 0.1 * (df.sitting_h_day - 9)
                                       - 0.3 * (df.arm == "glute_training"))
    df["cramps"] = rng.negative_binomial(1.5, 1.5 / (1.5 + mu))
    return df


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_forest_plot_from_count_model(cohort):
    res = count_model(cohort, "cramps ~ sitting_h_day + C(arm)")
    ax = forest_plot(res)
    assert ax.get_xscale() == "log"
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Glute training vs control",
                      "Device-measured sitting (per h/day)"]  # intercept left out
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert "1" in ticks and len(ticks) <= 6 and not [t for t in ax.get_xticklabels(minor=True)
                                                      if t.get_text()]
    # the reference line at 1 and one CI segment per row, ending at the table's limits
    assert any(np.allclose(line.get_xdata(), [1, 1]) for line in ax.get_lines())
    segs = ax.collections[0].get_segments()
    rows = res.table[res.table.term != "Intercept"]
    for seg, (_, row) in zip(segs, rows.iterrows()):
        np.testing.assert_allclose(seg[:, 0], [row.ci_low, row.ci_high])
    points = ax.get_lines()[0]
    np.testing.assert_allclose(points.get_xdata(), rows.estimate)
    assert ax.get_xlabel() == "Rate ratio (95 % CI)"
    texts = [t.get_text() for t in ax.texts]
    assert f"{rows.estimate.iloc[1]:.2f} ({rows.ci_low.iloc[1]:.2f} to " \
        f"{rows.ci_high.iloc[1]:.2f})" in texts


def test_forest_plot_two_parts_and_given_ax(cohort):
    cohort = cohort.copy()
    cohort.loc[cohort.index % 4 == 0, "cramps"] = 0
    res = count_model(cohort, "cramps ~ sitting_h_day", family="zip", zero_formula="1")
    fig, ax = plt.subplots()
    out = forest_plot(res, ax=ax, annotate=False)
    assert out is ax
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Device-measured sitting (per h/day)"]
    assert len(ax.texts) == 0


def test_forest_plot_from_rate_ratio(cohort):
    res = rate_ratio(cohort, events="cramps", exposure="exposure_h", group="arm")
    ax = forest_plot(res)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Glute training vs control"]


def test_forest_plot_odds_ratio_label():
    table = pd.DataFrame({"term": ["x"], "estimate": [2.0], "ci_low": [1.5], "ci_high": [3.0],
                          "p_value": [0.01], "scale": ["OR (any event)"]})
    assert forest_plot(table).get_xlabel() == "Odds ratio (95 % CI)"


def test_forest_plot_rejects_bad_tables():
    with pytest.raises(InputError, match=re.escape(
            "a DataFrame with the columns term, estimate, ci_low, ci_high; "
            "got DataFrame without 'ci_low', 'ci_high'.")):
        forest_plot(pd.DataFrame({"term": ["x"], "estimate": [1.0]}))
    with pytest.raises(InputError, match="positive"):
        forest_plot(pd.DataFrame({"term": ["x"], "estimate": [-1.0], "ci_low": [-2.0],
                                  "ci_high": [0.5]}))


def test_rates_plot_groups_and_overall(cohort):
    res = incidence(cohort, events="cramps", exposure="exposure_h", group="arm")
    ax = rates_plot(res)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Control", "Glute training"]
    overall = res.table.set_index("term").loc["overall"]
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 1 and dashed[0].get_ydata()[0] == pytest.approx(overall.estimate)
    # one error bar per group, spanning its exact interval
    groups = res.table[res.table.term != "overall"]
    bars = [c for c in ax.collections if c.__class__.__name__ == "LineCollection"]
    assert len(bars) == 2
    for bar, (_, row) in zip(bars, groups.iterrows()):
        np.testing.assert_allclose(bar.get_segments()[0][:, 1], [row.ci_low, row.ci_high])
    assert ax.get_ylabel() == "Incidence per 1000 h (95 % CI)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Overall (95 % CI band)"]
    assert ax.get_ylim()[1] >= 1.15 * groups.ci_high.max()  # the legend has room above the bars


def test_rates_plot_overall_only(cohort):
    res = incidence(cohort, events="cramps", exposure="exposure_h", per=100)
    ax = rates_plot(res)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Overall"]
    assert ax.get_ylabel() == "Incidence per 100 h (95 % CI)"
