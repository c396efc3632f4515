"""ActiGraph counts: the sedentary cut-point is per minute, whatever the epoch length.

One per-second series of counts is summed into 1-, 5-, 10-, 15-, 30- and 60-s epochs; every
epoch length must give the same daily table (sitting hours, breaks, wear) and the same Choi and
Troiano non-wear periods, because the cut-point (100 counts per minute) and both non-wear
algorithms are defined on minutes.
"""

import numpy as np
import pandas as pd
import pytest

from glute_study.io import actigraph_daily, nonwear

EPOCHS = (1, 5, 10, 15, 30, 60)
COLUMNS = ["sitting_h", "upright_h", "nonwear_h", "wear_h", "breaks", "sitting_bouts"]


def per_second(seed=7, hours=8):
    """Counts per second: minutes of sitting (< 100 per minute, in a few bursts), of activity
    and a 2-h removal (zeros) in the middle."""
    rng = np.random.default_rng(seed)
    minutes = hours * 60
    kind = rng.choice(["sit", "sit", "move"], size=minutes)
    kind[180:300] = "off"
    sec = np.zeros(minutes * 60)
    for m, k in enumerate(kind):
        if k == "sit":  # 0-90 counts in the minute, all in a few seconds (fidgeting)
            where = rng.choice(60, size=3, replace=False)
            sec[m * 60 + where] = rng.integers(0, 31, size=3)
        elif k == "move":
            sec[m * 60 : (m + 1) * 60] = rng.poisson(20, size=60)
    return sec


def epochs_of(sec, epoch, start="2024-01-15 08:00"):
    counts = sec.reshape(-1, epoch).sum(axis=1)
    ep = pd.DataFrame({"timestamp": pd.date_range(start, periods=counts.size,
                                                  freq=f"{epoch}s"), "axis1": counts})
    ep.attrs["epoch_s"] = float(epoch)
    return ep


@pytest.mark.parametrize("method", ["choi", "troiano", None])
def test_every_epoch_length_gives_the_same_day(method):
    sec = per_second()
    days = {e: actigraph_daily(epochs_of(sec, e), nonwear_method=method, valid_day=1)
            for e in EPOCHS}
    want = days[60][COLUMNS]
    for e in EPOCHS:
        pd.testing.assert_frame_equal(days[e][COLUMNS], want, check_dtype=False)
    if method is not None:  # the 2-h removal is found on every epoch length
        assert want["nonwear_h"].iloc[0] == pytest.approx(2.0)
    # the minute sums decide: this series has many sitting minutes with short bursts
    assert 0 < want["breaks"].iloc[0] < 8 * 60 / 2


@pytest.mark.parametrize("method", ["choi", "troiano"])
def test_nonwear_periods_do_not_depend_on_the_epoch_length(method):
    sec = per_second(seed=11)
    want = nonwear(epochs_of(sec, 60), method=method)
    for e in EPOCHS[:-1]:
        pd.testing.assert_frame_equal(nonwear(epochs_of(sec, e), method=method), want)
    assert (~want["wear"]).sum() == 1


def test_one_second_epochs_of_quiet_sitting_give_no_breaks():
    # 2 h sitting: 60 counts per minute, all in one second of each minute. Applied per 1-s
    # epoch (1.67 counts), that second was "upright": 120 breaks; per minute it is 0.
    sec = np.zeros(2 * 3600)
    sec[::60] = 60
    day = actigraph_daily(epochs_of(sec, 1), nonwear_method=None, valid_day=0)
    assert day["breaks"].iloc[0] == 0
    assert day["sitting_h"].iloc[0] == pytest.approx(2.0)


def test_the_rule_says_the_cutpoint_is_applied_per_minute():
    day = actigraph_daily(epochs_of(per_second(), 10), valid_day=1)
    assert "counts summed into clock minutes (10-s epochs" in day.attrs["rule"]
    assert day.attrs["rules"]["cutpoint_applied"].startswith("counts summed into clock minutes")
    assert day.attrs["rules"]["cutpoint_cpm"] == 100
    day = actigraph_daily(epochs_of(per_second(), 60), valid_day=1)
    assert day.attrs["rules"]["cutpoint_applied"] == "each 60-s epoch being one minute"


def test_a_partly_recorded_minute_is_scaled_to_a_minute():
    # a recording starting at 08:00:30 with 30-s epochs: the first minute has 30 s; 60 counts
    # in 30 s is 120 counts per minute (upright), not 60 (sitting)
    ep = pd.DataFrame({"timestamp": pd.date_range("2024-01-15 08:00:30", periods=3, freq="30s"),
                       "axis1": [60, 10, 10]})
    ep.attrs["epoch_s"] = 30.0
    day = actigraph_daily(ep, nonwear_method=None, valid_day=0)
    assert day["upright_h"].iloc[0] == pytest.approx(30 / 3600)
    assert day["sitting_h"].iloc[0] == pytest.approx(60 / 3600)


def test_epochs_that_do_not_divide_a_minute_are_scaled_and_say_so():
    ep = pd.DataFrame({"timestamp": pd.date_range("2024-01-15 08:00", periods=4, freq="7s"),
                       "axis1": [11, 12, 30, 0]})  # 11 per 7 s = 94 cpm; 12 per 7 s = 103 cpm
    ep.attrs["epoch_s"] = 7.0
    day = actigraph_daily(ep, nonwear_method=None, valid_day=0)
    assert day["sitting_h"].iloc[0] == pytest.approx(14 / 3600)
    assert "7-s epoch's counts scaled to a minute" in day.attrs["rule"]
