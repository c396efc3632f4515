"""IOC 2020 surveillance figures: numbers drawn from hand-counted data, axes in words."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

from glute_study.errors import InputError
from glute_study.figures.surveillance import (
    cramp_duration_plot,
    prevalence_plot,
    session_rates_plot,
    severity_plot,
)
from glute_study.stats._result import Result
from glute_study.stats.surveillance import session_incidence, weekly_prevalence

#: A column name or formula term showing through (``session_type``, ``duration_s``).
_CODE = re.compile(r"\b[a-z]+_[a-z_]+\b|\bnan\b")


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.figure.findobj(Text) if t.get_text()]


def _week_sessions() -> pd.DataFrame:
    # Week 1: a, b, c, d exposed; a cramps (twice, in two sessions: one case). 1 of 4.
    # Week 2: a and b exposed, b cramps; c has a session of 0 h (not at risk). 1 of 2.
    return pd.DataFrame({
        "participant_id": ["a", "a", "b", "c", "d", "a", "b", "c"],
        "week": [1, 1, 1, 1, 1, 2, 2, 2],
        "exposure_h": [1.5, 2.0, 2.0, 1.0, 1.5, 2.0, 2.0, 0.0],
        "cramps": [1, 1, 0, 0, 0, 0, 1, 0]})


def test_prevalence_plot_draws_the_hand_counted_shares_and_wilson_band():
    res = weekly_prevalence(_week_sessions(), week="week")
    assert res.table["athletes"].tolist() == [4, 2]
    assert res.table["cases"].tolist() == [1, 1]
    ax = prevalence_plot(res)
    assert np.allclose(ax.lines[0].get_xdata(), [1, 2])
    assert np.allclose(ax.lines[0].get_ydata(), [25.0, 50.0])
    # Wilson 95 % by hand: 1 of 4 -> 4.56 % to 69.94 %; 1 of 2 -> 9.45 % to 90.55 %
    # (R prop.test(1, 4, correct = FALSE); prop.test(1, 2, correct = FALSE))
    band = ax.collections[0].get_paths()[0].vertices
    for week, low, high in ((1, 4.5586, 69.9358), (2, 9.4531, 90.5469)):
        ys = band[np.isclose(band[:, 0], week), 1]
        assert ys.min() == pytest.approx(low, abs=1e-3)
        assert ys.max() == pytest.approx(high, abs=1e-3)
    assert ax.get_xlabel() == "Week of follow-up"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["1", "2"]
    assert not _CODE.findall(" ".join(_texts(ax)))
    plt.close(ax.figure)


def test_prevalence_plot_ticks_stay_apart_over_a_season():
    weeks = np.arange(1, 25)
    table = pd.DataFrame({"term": [f"Week {w}" for w in weeks], "estimate": 0.05,
                          "ci_low": 0.03, "ci_high": 0.08, "p_value": np.nan, "week": weeks})
    ax = prevalence_plot(Result(table, "", name="weekly_prevalence", level=0.95))
    ticks = [int(t) for t in ax.get_xticks()]
    assert ticks[0] == 1 and ticks[-1] == 24 and len(ticks) <= 13
    assert min(np.diff(ticks)) >= 2
    plt.close(ax.figure)


def _sessions() -> pd.DataFrame:
    rows = []
    for i in range(12):
        for s in range(6):
            kind = "match" if s < 2 else "training"
            rows.append({"participant_id": f"p{i}", "team": f"t{i % 3}", "session_type": kind,
                         "exposure_h": 1.5 if kind == "match" else 2.0,
                         "cramps": (i + s) % 5 == 0,
                         "hamstring_cramps": (i + s) % 10 == 0})
    return pd.DataFrame(rows).astype({"cramps": int, "hamstring_cramps": int})


def test_session_rates_plot_draws_each_outcome_by_session_type_in_words():
    s = _sessions()
    results = [session_incidence(s, events=ev) for ev in ("cramps", "hamstring_cramps")]
    ax = session_rates_plot(results)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Cramps", "Hamstring cramps"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Match", "Training", "All sessions"]
    assert ax.get_ylabel() == "Incidence per 1000 h (95 % CI)"
    drawn = sorted(float(y) for line in ax.lines for y in line.get_ydata()
                   if line.get_linestyle() == "None" and line.get_marker() in ("o", "D"))
    expected = sorted(float(v) for r in results for v in r.table["estimate"])
    assert np.allclose(drawn, expected)
    assert not _CODE.findall(" ".join(_texts(ax)))
    plt.close(ax.figure)


def _cramps() -> pd.DataFrame:
    return pd.DataFrame({
        "session_type": ["match", "match", "match", "training", "training"],
        "severity": [2, 5, 5, 7, None],
        "duration_s": [30.0, 60.0, 600.0, 45.0, 90.0],
        "stopped_play": [True, False, False, True, False]})


def test_severity_plot_shares_are_hand_counted_percentages():
    ax = severity_plot(_cramps())
    heights = [p.get_height() for p in ax.patches]
    match, training = heights[:11], heights[11:]
    assert match[2] == pytest.approx(100 / 3) and match[5] == pytest.approx(200 / 3)
    assert training[7] == pytest.approx(100.0)  # the missing score is left out
    assert sum(match) == pytest.approx(100) and sum(training) == pytest.approx(100)
    assert ax.get_xlabel() == "Cramp severity (0-10)"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Match (3 cramps; 33 % stopped play)", "Training (1 cramp; 50 % stopped play)"]
    assert not _CODE.findall(" ".join(_texts(ax)))
    plt.close(ax.figure)


def test_duration_plot_uses_round_seconds_on_a_log_axis():
    ax = cramp_duration_plot(_cramps())
    assert ax.get_yscale() == "log"
    assert ax.get_ylabel() == "Cramp duration (s)"
    assert [t.get_text() for t in ax.get_yticklabels()] == ["30", "60", "120", "300", "600"]
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "Match (3 cramps)", "Training (2 cramps)"]
    assert not _CODE.findall(" ".join(_texts(ax)))
    plt.close(ax.figure)


def test_cramp_plots_refuse_a_missing_column():
    with pytest.raises(InputError, match="no column 'severity'"):
        severity_plot(_cramps().drop(columns="severity"))
    with pytest.raises(InputError, match="no column 'duration_s'"):
        cramp_duration_plot(_cramps().drop(columns="duration_s"))
    with pytest.raises(InputError, match="prevalence_plot needs"):
        prevalence_plot(pd.DataFrame({"week": [1]}))
    with pytest.raises(InputError, match="session_rates_plot needs.*got list"):
        session_rates_plot([1.0, 2.0])
