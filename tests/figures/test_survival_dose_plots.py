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


def _risk_table(ax):
    return next(a for a in ax.figure.axes if a.get_label() == "risk table")


def test_km_plot_numbers_at_risk_beneath_the_axes(km_result):
    from glute_study.stats.survival import numbers_at_risk

    ax = km_plot(km_result)
    table = _risk_table(ax)
    ticks = ax.get_xticks()
    risk = numbers_at_risk(km_result)  # the default times are the ticks
    assert_allclose(ticks, risk["time"].unique())
    # one row per group, named in the codebook's words, in the group's colour
    names = [t.get_text() for t in table.get_yticklabels()]
    assert names == ["Control", "Glute training"]
    curves = [ln for ln in ax.get_lines() if not ln.get_label().startswith("_")]
    for tick, line in zip(table.get_yticklabels(), curves):
        assert tick.get_color() == line.get_color()
    # each number sits under its tick, in its group's row
    texts = [(t.get_position(), t.get_text()) for t in table.texts]
    assert [txt for _, txt in texts] == [str(n) for n in risk["n_risk"]]
    assert_allclose([pos[0] for pos, _ in texts], np.tile(ticks, 2))
    assert [pos[1] for pos, _ in texts] == [0] * len(ticks) + [1] * len(ticks)
    assert table.get_xlim() == ax.get_xlim()  # shared: the columns stay under the ticks
    assert table.get_title(loc="left") == "Number at risk"
    assert table.get_position().y1 < ax.get_position().y0  # beneath the curves
    plt.close(ax.figure)


def test_km_plot_risk_table_fits_one_column_when_saved(km_result, tmp_path):
    from glute_study.figures.save import save_figure

    ax = km_plot(km_result)
    save_figure(ax, tmp_path / "km", formats=("png",))
    fig = ax.figure
    assert round(fig.get_figwidth() * 25.4) == 85
    renderer = fig.canvas.get_renderer()
    box = fig.bbox
    table = _risk_table(ax)
    for artist in [*table.texts, *table.get_yticklabels(), table.title, table._left_title,
                   ax.xaxis.label]:
        if not artist.get_text():
            continue
        ext = artist.get_window_extent(renderer)
        assert box.x0 - 1 <= ext.x0 and ext.x1 <= box.x1 + 1
        assert box.y0 - 1 <= ext.y0 and ext.y1 <= box.y1 + 1
        assert artist.get_fontsize() >= 7
    # the row names do not run into the first column of numbers
    first = min((t for t in table.texts if t.get_position()[1] == 0),
                key=lambda t: t.get_position()[0])
    name = table.get_yticklabels()[0]
    assert name.get_window_extent(renderer).x1 < first.get_window_extent(renderer).x0
    # and the x label of the curves stays above the table's title
    assert ax.xaxis.label.get_window_extent(renderer).y0 > \
        table._left_title.get_window_extent(renderer).y1
    plt.close(fig)


def test_km_plot_without_risk_table_and_at_given_times(km_result):
    ax = km_plot(km_result, risk_table=False)
    assert len(ax.figure.axes) == 1
    plt.close(ax.figure)
    ax = km_plot(km_result, times=[0, 30, 60, 90])
    assert_allclose(ax.get_xticks(), [0, 30, 60, 90])
    assert len(_risk_table(ax).texts) == 8
    plt.close(ax.figure)


def test_km_plot_names_the_exposure_scale():
    data = pd.read_csv(REF / "survival" / "exposure_km_cox_data.csv")
    km = kaplan_meier(data, time="time", event="event", group="arm", left_out="left_out",
                      scale="exposure")
    ax = km_plot(km)
    assert ax.get_xlabel() == "Cumulative exposure (h)"
    assert [t.get_text() for t in _risk_table(ax).get_yticklabels()] == ["Control",
                                                                         "Glute training"]
    assert [t.get_text() for t in _risk_table(ax).texts][:6] == ["196", "150", "106", "33",
                                                                 "12", "1"]
    plt.close(ax.figure)


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
