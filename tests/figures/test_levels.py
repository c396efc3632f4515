"""Figures label intervals at the result's level and check the result's kind and frames."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from glute_study.errors import InputError
from glute_study.figures import (
    dose_response_plot,
    forest_plot,
    km_plot,
    mediation_sensitivity_plot,
    power_plot,
    rates_plot,
)
from glute_study.stats import (
    count_model,
    incidence,
    kaplan_meier,
    mediation,
    power,
    rate_ratio,
)
from glute_study.stats._result import Result

REF = Path(__file__).resolve().parents[1] / "reference"
TABLE = pd.DataFrame({"term": ["x"], "estimate": [1.2], "ci_low": [1.1], "ci_high": [1.3],
                      "p_value": [0.01]})


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _labels(ax) -> str:
    texts = [ax.get_xlabel(), ax.get_ylabel(), ax.get_title()]
    if ax.get_legend() is not None:
        texts += [t.get_text() for t in ax.get_legend().get_texts()]
    texts += [c.get_label() for c in ax.collections]
    return " | ".join(texts)


@pytest.mark.parametrize("level", [0.9, 0.99])
def test_ratio_and_rate_plots_label_the_level(level):
    counts = pd.read_csv(REF / "counts" / "counts_data.csv")
    pct = f"{level * 100:g} % CI"
    ax = forest_plot(count_model(counts, "cramps ~ sitting_h_day", level=level))
    assert ax.get_xlabel() == f"Rate ratio ({pct})"
    inc = pd.read_csv(REF / "incidence" / "incidence_data.csv")
    ax = forest_plot(rate_ratio(inc, events="cramps", exposure="exposure_h", group="arm",
                                level=level))
    assert pct in ax.get_xlabel()
    ax = rates_plot(incidence(inc, events="cramps", exposure="exposure_h", group="arm",
                              level=level))
    assert ax.get_ylabel() == f"Incidence per 1000 h ({pct})"


def test_a_plain_table_may_say_its_level():
    table = TABLE.copy()
    assert forest_plot(table).get_xlabel() == "Rate ratio (95 % CI)"
    table.attrs["level"] = 0.8
    assert forest_plot(table).get_xlabel() == "Rate ratio (80 % CI)"


def test_sensitivity_and_power_plots_label_the_level():
    cohort = pd.read_csv(REF / "mediation" / "cohort.csv")
    res = mediation(cohort, x="sitting_h_day", m="glute_nm_kg", y="cramps",
                    exposure="exposure_h", n_boot=100, ci="percentile", seed=1,
                    executor="serial", level=0.9)
    labels = _labels(mediation_sensitivity_plot(res))
    assert "90 % CI" in labels and "95" not in labels
    labels = _labels(power_plot(power("trial", n=(60, 120), reps=100, seed=1,
                                      executor="serial", level=0.9)))
    assert "90 % Monte Carlo interval" in labels and "95" not in labels


def test_km_plot_checks_kind_and_frame():
    data = pd.read_csv(REF / "survival" / "data.csv")
    km = kaplan_meier(data, time="time", event="event", group="group")
    assert km.kind == "kaplan_meier"
    # a result named for a report keeps its kind
    km.name = "time to first cramp"
    assert km_plot(km).get_ylabel() == "Proportion without a cramp"
    fake = Result(TABLE, "", name="kaplan_meier")
    with pytest.raises(InputError, match=re.escape(
            "km_plot needs the result of glute_study.stats.survival.kaplan_meier; got Result "
            "'kaplan_meier' without the frame 'curve'.")):
        km_plot(fake)
    fake.frames["curve"] = pd.DataFrame({"time": [1.0]})
    with pytest.raises(InputError, match="whose frame 'curve' has no 'group'"):
        km_plot(fake)
    named = Result(TABLE, "", name="kaplan_meier", kind="cox_model")
    with pytest.raises(InputError, match="got Result 'cox_model'"):
        km_plot(named)


def test_dose_plot_refuses_a_result_without_its_frames():
    with pytest.raises(InputError, match="without the frame 'curve'"):
        dose_response_plot(Result(TABLE, "", kind="dose_response"))


def test_result_frame_names_the_frames_it_has():
    res = Result(TABLE, "", name="demo", frames={"pairs": pd.DataFrame()})
    with pytest.raises(InputError, match=re.escape(
            "Result 'demo' has no frame 'curve' (it has: 'pairs').")):
        res.frame("curve")
