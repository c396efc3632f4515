"""Non-wear in ActiGraph epochs: the Choi (2011) and Troiano (2008) algorithms on minute counts.

:func:`nonwear` finds wear and non-wear periods in the epochs :func:`~glute_study.io.read_actigraph`
returns, :func:`nonwear_minutes` runs the same algorithm on a plain array of counts per minute;
:func:`checked_epochs` and :func:`epoch_seconds` are the checks of the epochs both this module and
the daily table (:mod:`glute_study.io.actigraph_days`) apply.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .._checks import check_one_of, require_columns
from ..errors import InputError
from .daily import column_numbers, local_times

__all__ = [
    "NONWEAR_PARAMETERS",
    "checked_epochs",
    "epoch_seconds",
    "finite_number",
    "nonwear",
    "nonwear_minutes",
]

#: The published parameters of each non-wear algorithm (overridable by keyword).
NONWEAR_PARAMETERS = {
    "choi": {"min_period_min": 90, "spike_tolerance_min": 2, "window_min": 30, "axis": "axis1"},
    "troiano": {
        "min_period_min": 60,
        "spike_tolerance_min": 2,
        "spike_stoplevel": 100,
        "axis": "axis1",
    },
}


def checked_epochs(epochs: pd.DataFrame, columns: list[str]) -> tuple[pd.Series, dict]:
    """The epochs' timestamps (device clock) and ``columns`` as floats, or an InputError.

    Time-zone-aware, unparseable or repeated timestamps and non-numeric counts are refused, so
    that nothing downstream sums a minute twice or reads text as activity.
    """
    where = "the ActiGraph epochs"
    require_columns(epochs, ["timestamp", *columns], where=where)
    ts = local_times(epochs["timestamp"], column="timestamp", where=where)
    if ts.isna().any():
        i = int(np.flatnonzero(ts.isna().to_numpy())[0])
        raise InputError(f"{where}: row {i} has no timestamp.")
    repeated = ts.duplicated(keep=False).to_numpy()
    if repeated.any():
        rows = np.flatnonzero(repeated)
        first = ts.iloc[rows[0]]
        again = rows[(ts.iloc[rows] == first).to_numpy()]
        raise InputError(
            f"{where}: epoch {first} appears twice (rows {again[0]} and {again[1]}); two "
            "recordings were stacked, or a clock was set back. Keep one recording per call."
        )
    values = {c: column_numbers(epochs[c], column=c, where=where) for c in columns}
    return ts, values


def _minute_counts(epochs: pd.DataFrame, axis: str) -> tuple[pd.DatetimeIndex, np.ndarray]:
    ts, values = checked_epochs(epochs, [axis])
    epoch_s = epoch_seconds(epochs, ts)
    if epoch_s > 60 or 60 % epoch_s:
        raise InputError(
            f"non-wear needs epochs that divide a minute (1-60 s); these are {epoch_s:g} s. "
            "Use nonwear_method=None (every epoch worn), or re-integrate the epochs in ActiLife."
        )
    counts = pd.Series(values[axis])
    minute = ts.dt.floor("min").to_numpy()
    per_min = counts.groupby(minute).sum()
    gaps = counts.isna().groupby(minute).any()  # an epoch without a count: no data
    per_min[gaps.to_numpy()] = np.nan
    full = pd.date_range(per_min.index.min(), per_min.index.max(), freq="min")
    per_min = per_min.reindex(full)  # minutes without epochs stay NaN
    return full, per_min.to_numpy(dtype=float)


def finite_number(value: object) -> bool:
    """Whether ``value`` is a finite real number (not a bool, not text).

    Examples
    --------
    >>> finite_number(1.5), finite_number(True), finite_number(float("nan")), finite_number("1")
    (True, False, False, False)
    """
    return (isinstance(value, (int, float, np.integer, np.floating))
            and not isinstance(value, bool) and bool(np.isfinite(value)))


def epoch_seconds(epochs: pd.DataFrame, ts: pd.Series | None = None) -> float:
    if "epoch_s" in epochs.attrs:
        epoch_s = epochs.attrs["epoch_s"]
        if not (finite_number(epoch_s) and epoch_s > 0):
            raise InputError(f"the epoch length must be a positive number of seconds; "
                             f".attrs['epoch_s'] is {epoch_s!r}.")
        return float(epoch_s)
    if ts is None:
        ts, _ = checked_epochs(epochs, [])
    steps = np.diff(np.sort(ts.to_numpy().astype("datetime64[ns]").astype(np.int64))) / 1e9
    if steps.size == 0:
        raise InputError("cannot tell the epoch length from one epoch; set .attrs['epoch_s'].")
    return float(np.median(steps))


def _runs(flag: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start index, length and value of each run of equal values in a boolean array."""
    change = np.flatnonzero(np.diff(flag.astype(np.int8))) + 1
    starts = np.r_[0, change]
    lengths = np.diff(np.r_[starts, flag.size])
    return starts, lengths, flag[starts]


def nonwear_minutes(counts: np.ndarray, *, method: str = "choi", **params) -> np.ndarray:
    """Return a boolean array, True for each non-wear minute of per-minute ``counts``.

    This is the algorithm behind :func:`nonwear`, on a plain array (NaN = no data = non-wear).

    Examples
    --------
    >>> c = np.r_[np.full(40, 50), np.zeros(45), [7, 3], np.zeros(45), np.full(10, 50)]
    >>> int(nonwear_minutes(c, method="choi").sum())  # 45 + 2 + 45 minutes, spike allowed
    92
    >>> int(nonwear_minutes(c, method="troiano").sum())
    92
    """
    check_one_of("method", method, list(NONWEAR_PARAMETERS))
    p = {**NONWEAR_PARAMETERS[method], **params}
    unknown = set(params) - set(NONWEAR_PARAMETERS[method])
    if unknown:
        raise InputError(
            f"{method} non-wear has no parameter {', '.join(sorted(unknown))}; its parameters are "
            f"{', '.join(NONWEAR_PARAMETERS[method])}."
        )
    for name in ("min_period_min", "spike_tolerance_min", "window_min"):
        if name in p and not (finite_number(p[name]) and p[name] == int(p[name])
                              and p[name] >= (1 if name == "min_period_min" else 0)):
            raise InputError(f"`{name}` must be a whole number of minutes (at least "
                             f"{1 if name == 'min_period_min' else 0}); got {p[name]!r}.")
    if "spike_stoplevel" in p and not (finite_number(p["spike_stoplevel"])
                                       and p["spike_stoplevel"] >= 0):
        raise InputError(f"`spike_stoplevel` must be counts per minute (>= 0); got "
                         f"{p['spike_stoplevel']!r}.")
    counts = np.asarray(counts, dtype=float)
    missing = np.isnan(counts)
    zero = (counts == 0) | missing
    starts, lengths, values = _runs(zero)
    allowed = np.zeros(len(starts), dtype=bool)
    for k in np.flatnonzero(~values):
        if k == 0 or k == len(starts) - 1 or lengths[k] > p["spike_tolerance_min"]:
            continue
        seg = counts[starts[k] : starts[k] + lengths[k]]
        if method == "choi":
            ok = lengths[k - 1] >= p["window_min"] and lengths[k + 1] >= p["window_min"]
        else:
            ok = bool((seg <= p["spike_stoplevel"]).all())
        allowed[k] = ok
    merged = zero.copy()
    for k in np.flatnonzero(allowed):
        merged[starts[k] : starts[k] + lengths[k]] = True
    out = missing.copy()
    m_starts, m_lengths, m_values = _runs(merged)
    for s, n, v in zip(m_starts, m_lengths, m_values):
        if v and n >= p["min_period_min"]:
            out[s : s + n] = True
    return out


def nonwear(epochs: pd.DataFrame, *, method: str = "choi", **params) -> pd.DataFrame:
    """Find wear and non-wear periods in ActiGraph epochs (Choi 2011 or Troiano 2008).

    Epochs are summed into clock minutes of the chosen axis (vertical ``axis1`` by default).

    * **Choi et al. (2011)**: non-wear is a period of at least ``min_period_min`` = 90
      consecutive minutes of zero counts, allowing interruptions of up to
      ``spike_tolerance_min`` = 2 minutes of non-zero counts when the ``window_min`` = 30
      minutes up- and downstream of the interruption are all zero.
    * **Troiano et al. (2008)**: non-wear is a period of at least ``min_period_min`` = 60
      consecutive minutes of zero counts, allowing up to ``spike_tolerance_min`` = 2
      consecutive minutes with counts of 1 to ``spike_stoplevel`` = 100 between zero minutes.

    Minutes with no epoch at all (gaps in the recording), or with an epoch without a count
    (NaN), are non-wear. Timestamps must be naive (device clock) and unique.

    Parameters
    ----------
    epochs : DataFrame
        From :func:`read_actigraph` (``timestamp`` and the count column).
    method : {"choi", "troiano"}
        The algorithm.
    **params
        Override the published parameters named above, and ``axis`` (the count column).

    Returns
    -------
    DataFrame
        ``start``, ``end`` (exclusive) and ``wear`` (bool), one row per period, covering the
        recording; ``.attrs`` holds ``method`` and ``params``.

    References
    ----------
    Choi L, Liu Z, Matthews CE, Buchowski MS. Validation of accelerometer wear and nonwear time
    classification algorithm. Med Sci Sports Exerc. 2011;43(2):357-364.
    Troiano RP, Berrigan D, Dodd KW, et al. Physical activity in the United States measured by
    accelerometer. Med Sci Sports Exerc. 2008;40(1):181-188.

    Examples
    --------
    >>> counts = np.r_[np.full(30, 200), np.zeros(100), np.full(30, 200)]
    >>> ep = pd.DataFrame({"timestamp": pd.date_range("2024-01-01 08:00", periods=160,
    ...                                               freq="min"), "axis1": counts})
    >>> nonwear(ep, method="choi")
                    start                 end   wear
    0 2024-01-01 08:00:00 2024-01-01 08:30:00   True
    1 2024-01-01 08:30:00 2024-01-01 10:10:00  False
    2 2024-01-01 10:10:00 2024-01-01 10:40:00   True
    """
    check_one_of("method", method, list(NONWEAR_PARAMETERS))
    axis = params.get("axis", "axis1")
    if len(epochs) == 0:
        require_columns(epochs, ["timestamp", axis], where="the ActiGraph epochs")
        out = pd.DataFrame({"start": pd.Series(dtype="datetime64[ns]"),
                            "end": pd.Series(dtype="datetime64[ns]"),
                            "wear": pd.Series(dtype=bool)})
        out.attrs.update(method=method, params={**NONWEAR_PARAMETERS[method], **params})
        return out
    minutes, counts = _minute_counts(epochs, axis)
    off = nonwear_minutes(counts, method=method, **params)
    starts, lengths, values = _runs(off)
    start = minutes[starts]
    end = minutes[starts] + pd.to_timedelta(lengths, unit="min")
    out = pd.DataFrame({"start": start, "end": end, "wear": ~values})
    out.attrs.update(method=method, params={**NONWEAR_PARAMETERS[method], **params})
    return out
