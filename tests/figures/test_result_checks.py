"""Every plot that draws a result refuses anything else with the same one-line message."""

from __future__ import annotations

import importlib
import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import glute_study.figures as figures
from glute_study.errors import InputError
from glute_study.stats._result import Result

#: Each exported plot that draws a result, and the analyses whose result it names.
PRODUCERS = {
    "bland_altman_plot": ["glute_study.stats.reliability.bland_altman"],
    "dose_response_plot": ["glute_study.stats.associations.dose_response"],
    "forest_plot": ["glute_study.stats.counts.count_model",
                    "glute_study.stats.incidence.rate_ratio",
                    "glute_study.stats.logistic.logistic_model"],
    "km_plot": ["glute_study.stats.survival.kaplan_meier"],
    "mediation_sensitivity_plot": ["glute_study.stats.mediation.mediation"],
    "power_plot": ["glute_study.stats.simulation_power.power"],
    "prevalence_plot": ["glute_study.stats.surveillance.weekly_prevalence"],
    "rates_plot": ["glute_study.stats.incidence.incidence"],
    "reliability_plot": ["glute_study.stats.reliability.reliability"],
    "session_rates_plot": ["glute_study.stats.surveillance.session_incidence",
                           "glute_study.stats.incidence.incidence"],
    "trial_plot": ["glute_study.stats.trial.trial_effect"],
}
#: Exports that draw no result.
NOT_RESULT_PLOTS = {"PALETTE", "cramp_duration_plot", "dag_plot", "flow_diagram", "get_ax",
                    "save_figure", "set_theme", "severity_plot"}
#: Plots that also draw any Result's interval table, or a DataFrame with these columns.
TABLE_PLOTS = {"forest_plot", "rates_plot", "session_rates_plot"}
TABLE_COLUMNS = "term, estimate, ci_low, ci_high"

OTHER = Result(pd.DataFrame({"term": ["x"], "estimate": [1.0], "ci_low": [0.5],
                             "ci_high": [2.0], "p_value": [0.3]}), "", name="other_analysis")


def _cases():
    for plot in sorted(PRODUCERS):
        yield plot, [1.0, 2.0], "list"
        yield plot, None, "NoneType"
        if plot in TABLE_PLOTS:
            yield plot, pd.DataFrame({"term": ["x"], "ci_low": [1.0]}), \
                "DataFrame without 'estimate', 'ci_high'"
        else:
            yield plot, OTHER, "Result 'other_analysis'"


def test_every_exported_plot_is_covered():
    assert set(figures.__all__) - NOT_RESULT_PLOTS == set(PRODUCERS)


@pytest.mark.parametrize("producer", sorted(p for ps in PRODUCERS.values() for p in ps))
def test_named_producers_exist(producer):
    module, name = producer.rsplit(".", 1)
    assert callable(getattr(importlib.import_module(module), name))


@pytest.mark.parametrize(("plot", "wrong", "got"), list(_cases()))
def test_plot_refuses_a_wrong_object_in_the_common_form(plot, wrong, got):
    open_figures = plt.get_fignums()
    with pytest.raises(InputError) as info:
        getattr(figures, plot)(wrong)
    message = str(info.value)
    table = f", or a DataFrame with the columns {TABLE_COLUMNS}" if plot in TABLE_PLOTS else ""
    form = re.fullmatch(rf"{plot} needs the result of (?P<producers>.+?){re.escape(table)}; "
                        rf"got {re.escape(got)}\.", message)
    assert form is not None, message
    named = re.split(r", | or ", form["producers"])
    assert named == PRODUCERS[plot]
    assert "\n" not in message
    assert plt.get_fignums() == open_figures  # refused before drawing anything
