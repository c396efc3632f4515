"""Daily sitting from ActiGraph epochs: the same daily table as activPAL.

:func:`actigraph_daily` gives each epoch a state (sitting by counts or by the inclinometer,
non-wear by :func:`~glute_study.io.actigraph_nonwear.nonwear`) and summarises the states with
:func:`~glute_study.io.daily.daily_sitting`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._checks import check_one_of, require_columns
from ..errors import InputError
from .actigraph import INCLINE_COLUMNS, epochs_closer_than
from .actigraph_nonwear import (
    NONWEAR_PARAMETERS,
    checked_epochs,
    epoch_seconds,
    finite_number,
    nonwear,
)
from .daily import daily_sitting

__all__ = ["actigraph_daily"]


def actigraph_daily(
    epochs: pd.DataFrame,
    *,
    participant_id: object = None,
    posture: str = "counts",
    nonwear_method: str | None = "choi",
    valid_day: float = 10.0,
    cutpoint: float = 100.0,
) -> pd.DataFrame:
    """Daily sitting from ActiGraph epochs: the same daily table as activPAL.

    Each epoch gets a state:

    * non-wear where :func:`nonwear` (``nonwear_method``, published parameters) says so, or,
      with ``nonwear_method="capsense"``, where the device's wear sensor (the AGD's capsense
      table, column ``wear_sensor``) reads "not worn" (a capacitive sensor against the skin,
      ActiGraph wGT3X-BT and GT9X; epochs before its first record count as worn);
    * ``posture="counts"``: sitting ("sedentary") when the minute's ``axis1`` counts are below
      ``cutpoint`` counts per minute; else upright. The cut-point is defined per minute, so
      epochs shorter than a minute (1, 5, 10, 15, 30 s) are first summed into clock minutes and
      every epoch of a minute takes that minute's state: a 1-s and a 60-s export of the same
      movement give the same day. A minute only partly recorded (the first and last minute,
      epochs without a count) is scaled to 60 s from the seconds it has. Epochs of a minute or
      longer, or that do not divide a minute, use their own counts scaled to a minute. This is
      intensity, not posture.
    * ``posture="inclinometer"`` (mode 61 files): the inclinometer state holding most seconds of
      the epoch (ties go to sitting, then standing, lying, off); "off" is non-wear.

    Epochs without a count (NaN) are non-wear, as gaps are. A hip-worn ActiGraph does not
    detect sleep, so waking wear is all wear time: use a waking-wear protocol, or remove time
    in bed first.

    Parameters
    ----------
    epochs : DataFrame
        From :func:`read_actigraph`.
    participant_id : object, optional
        Written to ``participant_id``.
    posture : {"counts", "inclinometer"}
        How sitting is found.
    nonwear_method : {"choi", "troiano", "capsense"} or None
        The non-wear algorithm, or the wear sensor; None treats every epoch as worn.
    valid_day : float
        Minimum wear hours for a valid day (10 h).
    cutpoint : float
        Sedentary cut-point in counts per minute on axis1 (100).

    Returns
    -------
    DataFrame
        The daily table (:data:`glute_study.io.daily.DAILY_COLUMNS`), rules in ``.attrs``.

    Examples
    --------
    >>> counts = np.r_[np.zeros(100), np.full(60, 500), np.full(40, 50)]
    >>> ep = pd.DataFrame({"timestamp": pd.date_range("2024-01-01 08:00", periods=200,
    ...                                               freq="min"), "axis1": counts})
    >>> d = actigraph_daily(ep, participant_id="A1", valid_day=1)
    >>> d[["sitting_h", "upright_h", "nonwear_h", "wear_h", "breaks", "valid_day"]].round(3)
       sitting_h  upright_h  nonwear_h  wear_h  breaks  valid_day
    0      0.667        1.0      1.667   1.667       0       True
    """
    check_one_of("posture", posture, ["counts", "inclinometer"])
    if not (finite_number(cutpoint) and cutpoint >= 0):
        raise InputError(f"`cutpoint` must be a number of counts per minute (>= 0; 100 is the "
                         f"common sedentary cut-point); got {cutpoint!r}.")
    if nonwear_method is not None:
        check_one_of("nonwear_method", nonwear_method, [*NONWEAR_PARAMETERS, "capsense"])
    if nonwear_method == "capsense" and "wear_sensor" not in epochs:
        raise InputError(
            "nonwear_method='capsense' needs the wear sensor (the AGD's capsense table, column "
            "wear_sensor); these epochs have none (a device without a wear sensor, or an export "
            "that leaves it out). Use nonwear_method='choi' or 'troiano'.")
    if posture == "inclinometer":
        require_columns(epochs, list(INCLINE_COLUMNS), where="the ActiGraph epochs (inclinometer)")
    used = ["axis1", *(INCLINE_COLUMNS if posture == "inclinometer" else ()),
            *(["wear_sensor"] if nonwear_method == "capsense" else [])]
    ts, values = checked_epochs(epochs, used)
    n = len(epochs)
    epoch_s = epoch_seconds(epochs, ts) if n else float(epochs.attrs.get("epoch_s", 60.0))
    close = epochs_closer_than(np.sort(ts.to_numpy("datetime64[ns]")), epoch_s) if n > 1 else None
    if close is not None:
        raise InputError(
            f"the ActiGraph epochs: {close}, but .attrs['epoch_s'] is {epoch_s:g}; each epoch "
            "would overlap the next. Set .attrs['epoch_s'] to the epoch length."
        )
    if posture == "counts":
        cpm, per = _counts_per_minute(ts, values["axis1"], epoch_s)
        state = np.where(cpm < cutpoint, "sitting", "upright").astype(object)
        missing = np.isnan(values["axis1"])
        how = f"sitting = axis1 < {cutpoint:g} counts/min, {per}"
    else:
        order = ["incline_sitting", "incline_standing", "incline_lying", "incline_off"]
        secs = np.column_stack([values[c] for c in order])
        missing = np.isnan(secs).any(axis=1)
        pick = np.argmax(np.where(np.isnan(secs), -1.0, secs), axis=1)
        state = np.array(["sitting", "upright", "lying", "nonwear"], dtype=object)[pick]
        how = "sitting = inclinometer sitting for most of the epoch"
        per = None
    state[missing] = "nonwear"  # an epoch without a count is no data, as a gap is
    if missing.any():
        how += "; epochs without a count are non-wear"
    if nonwear_method == "capsense" and n:
        off = values["wear_sensor"] == 0
        state[off] = "nonwear"
        how += ("; non-wear = the wear sensor (capsense) reading not worn (epochs before its "
                "first record worn)")
    elif nonwear_method is not None and n:
        periods = nonwear(epochs, method=nonwear_method)
        minute = ts.dt.floor("min").to_numpy()
        off = np.zeros(n, dtype=bool)
        for row in periods.loc[~periods["wear"]].itertuples():
            off |= (minute >= row.start.to_datetime64()) & (minute < row.end.to_datetime64())
        state[off] = "nonwear"
        how += f"; non-wear by {nonwear_method} ({periods.attrs['params']})"
    intervals = pd.DataFrame(
        {"start": ts.to_numpy(), "duration_s": np.full(n, epoch_s), "state": state}
    )
    intervals.attrs["path"] = epochs.attrs.get("path")
    daily = daily_sitting(
        intervals,
        participant_id=participant_id,
        instrument="actigraph",
        valid_day=valid_day,
        rule=f"ActiGraph: {how}; no sleep detection (waking wear = wear).",
    )
    daily.attrs["rules"].update(posture=posture, nonwear=nonwear_method, cutpoint_cpm=cutpoint)
    if posture == "counts":
        daily.attrs["rules"]["cutpoint_applied"] = per
    return daily


def _counts_per_minute(ts: pd.Series, counts: np.ndarray,
                       epoch_s: float) -> tuple[np.ndarray, str]:
    """Counts per minute for each epoch, and the sentence saying how they were formed.

    Epochs that divide a minute are summed into clock minutes (a partly recorded minute is
    scaled to 60 s from the seconds with a count); other epochs are scaled to a minute alone.

    Examples
    --------
    >>> ts = pd.Series(pd.date_range("2024-01-01 08:00", periods=4, freq="30s"))
    >>> cpm, how = _counts_per_minute(ts, np.array([90.0, 20.0, 40.0, np.nan]), 30.0)
    >>> cpm.tolist()
    [110.0, 110.0, 80.0, 80.0]
    """
    per_minute = epoch_s <= 60 and np.isclose(60 / epoch_s, round(60 / epoch_s))
    if not per_minute or epoch_s == 60:
        what = "each 60-s epoch being one minute" if epoch_s == 60 else (
            f"each {epoch_s:g}-s epoch's counts scaled to a minute (the epochs do not "
            "divide a minute)")
        return counts * 60.0 / epoch_s, what
    minute = ts.dt.floor("min").to_numpy()
    seen = ~np.isnan(counts)
    frame = pd.DataFrame({"minute": minute, "counts": np.where(seen, counts, 0.0),
                          "seconds": seen * epoch_s})
    sums = frame.groupby("minute")[["counts", "seconds"]].transform("sum")
    with np.errstate(invalid="ignore", divide="ignore"):
        cpm = sums["counts"].to_numpy() * 60.0 / sums["seconds"].to_numpy()
    return cpm, (f"counts summed into clock minutes ({epoch_s:g}-s epochs; a partly recorded "
                 "minute scaled to 60 s)")
