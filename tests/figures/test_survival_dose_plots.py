"""Kaplan-Meier and dose-response plots: the drawn artists carry the result's numbers."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from glute_study.errors import InputError
from glute_study.figures.dose import dose_response_plot
from glute_study.figures.survival import km_plot
from glute_study.stats.associations import dose_response
from glute_study.stats.survival import kaplan_meier

REF = Path(__file__).resolve().parents[1] / "reference"


@pytest.fixture
def km_result():
    data = pd.read_csv(REF / "survival" / "data.csv")
    return kaplan_meier(data, time="time", event="event", group="group")


@pytest.fixture
def dose_result():
    data = pd.read_csv(REF / "associations" / "data.csv")
    return dose_response(data)


def test_km_plot_draws_each_group_curve(km_result):
    ax = km_plot(km_result)
    curve = km_result.frame("curve")
    labelled = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    assert [ln.get_label() for ln in labelled] == ["Control (n = 86)",
                                                   "Glute training (n = 64)"]
    for line, (_, g) in zip(labelled, curve.groupby("group", sort=False)):
        x, y = line.get_data()
        assert x[0] == 0 and y[0] == 1
        assert_allclose(x[1:], g["time"])
        assert_allclose(y[1:], g["surv"])
    censored = [ln for ln in ax.get_lines() if ln.get_label().startswith("_censored")]
    n_cens = int((curve["n_censor"] > 0).sum())
    assert sum(len(ln.get_xdata()) for ln in censored) == n_cens
    assert len(ax.collections) == 2  # one CI band per group
    assert ax.get_legend().get_title().get_text() == "Group"
    assert ax.get_ylabel() == "Proportion without a cramp"
    plt.close(ax.figure)


def test_km_plot_without_ci_on_given_axes(km_result):
    fig, ax = plt.subplots()
    out = km_plot(km_result, ci=False, ax=ax)
    assert out is ax
    assert len(ax.collections) == 0
    plt.close(fig)


def test_km_plot_rejects_other_results(dose_result):
    with pytest.raises(InputError, match=re.escape(
            "km_plot needs the result of glute_study.stats.survival.kaplan_meier; "
            "got Result 'dose_response'.")):
        km_plot(dose_result)


def test_dose_plot_draws_curve_band_and_rug(dose_result):
    ax = dose_response_plot(dose_result)
    curve = dose_result.frame("curve")
    line = next(ln for ln in ax.get_lines() if ln.get_label() == "spline")
    assert_allclose(line.get_xdata(), curve["x"])
    assert_allclose(line.get_ydata(), curve["rate"])
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].min() == pytest.approx(curve["ci_low"].min())
    assert band[:, 1].max() == pytest.approx(curve["ci_high"].max())
    assert ax.collections[0].get_label() == "95 % CI"
    rug = next(c for c in ax.collections if c.get_label() == "_rug")  # seaborn's rugplot
    assert len(rug.get_segments()) == 300
    assert_allclose(sorted(seg[0, 0] for seg in rug.get_segments()),
                    np.sort(dose_result.frame("observed")["x"]))
    assert ax.get_xlabel() == "Device-measured sitting (h/day)"
    assert ax.get_ylabel() == "Hamstring cramps per 1000 h"
    assert ax.get_ylim()[0] == 0
    plt.close(ax.figure)


def test_dose_plot_without_rug(dose_result):
    ax = dose_response_plot(dose_result, rug=False)
    assert [ln.get_label() for ln in ax.get_lines()] == ["spline"]
    assert [c.get_label() for c in ax.collections] == ["95 % CI"]
    plt.close(ax.figure)


def test_dose_plot_band_follows_the_level():
    data = pd.read_csv(REF / "associations" / "data.csv")
    wide, narrow = dose_response(data), dose_response(data, level=0.9)
    assert narrow.level == 0.9
    assert (narrow.frame("curve")["ci_high"] < wide.frame("curve")["ci_high"]).all()
    ax = dose_response_plot(narrow)
    assert ax.collections[0].get_label() == "90 % CI"
    plt.close(ax.figure)


def test_km_band_follows_the_level(km_result):
    data = pd.read_csv(REF / "survival" / "data.csv")
    narrow = kaplan_meier(data, time="time", event="event", group="group", level=0.9)
    assert narrow.level == 0.9
    wide_c, narrow_c = km_result.frame("curve"), narrow.frame("curve")
    assert_allclose(narrow_c["surv"], wide_c["surv"])
    ok = wide_c["ci_low"].notna() & (wide_c["std_err"] > 0)
    assert (narrow_c["ci_low"][ok] > wide_c["ci_low"][ok]).all()


def test_dose_plot_rejects_other_results(km_result):
    with pytest.raises(InputError, match=re.escape(
            "dose_response_plot needs the result of glute_study.stats.associations.dose_response; "
            "got Result 'kaplan_meier'.")):
        dose_response_plot(km_result)


def test_dose_plot_rejects_plain_objects():
    with pytest.raises(InputError, match=r"dose_response_plot needs .*; got ndarray\.$"):
        dose_response_plot(np.zeros(3))
