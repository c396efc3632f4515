"""Time-in-bed diaries: periods a participant was in bed, to cut the waking day from a recording.

A waking-day summary needs to know when the wearer was in bed. Devices that detect it write it
into their export (activPAL's EventsEx ``Waking Day`` column; primary lying, code 3.1); when
they do not, or the study kept a sleep diary, the periods come from a table with one row per
period in bed: its start (going to bed) and its end (getting up). :func:`read_bed_periods`
reads such a table from CSV (PAL's software applies the same kind of diary, one in-bed period per
night, given as start and end date-times); :func:`mark_in_bed` cuts posture intervals at the
period edges and marks the time inside as in bed (outside waking wear).

Accepted column names (case, spaces and punctuation ignored): start = ``start``, ``in_bed``,
``bed_time``, ``bedtime``, ``sleep_onset``, ``time_in_bed``, ``lights_off``; end = ``end``,
``out_of_bed``, ``wake_time``, ``waketime``, ``get_up``, ``rise_time``, ``lights_on``; an
optional participant column ``participant_id`` (or ``id``, ``subject``, ``participant``).
Times are wall-clock date-times on the device's clock (ISO, ``2024-01-01 22:30``); a time with a
UTC offset is refused (days are cut at the device clock's midnight).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from .._checks import require_columns
from .._text import read_text, sniff_delimiter
from ..errors import InputError
from .daily import STATES, local_times

__all__ = ["bed_periods_of", "mark_in_bed", "read_bed_periods"]

_START = ("start", "inbed", "bedtime", "sleeponset", "timeinbed", "lightsoff", "begin")
_END = ("end", "outofbed", "waketime", "getup", "risetime", "lightson", "wake", "stop")
_PID = ("participantid", "id", "subject", "participant", "subjectid")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$")


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def read_bed_periods(path: str | Path) -> pd.DataFrame:
    """Read a time-in-bed diary (CSV): one row per period in bed.

    Parameters
    ----------
    path : str or Path
        A comma, semicolon or tab separated file with a header naming a start and an end column
        (see the module docstring for the names accepted) and optionally a participant column.

    Returns
    -------
    DataFrame
        ``start``, ``end`` (datetime64, device clock) and, when the file has one,
        ``participant_id`` (str); ``.attrs["path"]`` names the file.

    Raises
    ------
    FileFormatError
        No start or end column, a time that is not an ISO date-time (or carries a UTC offset),
        or a period that ends before it starts; the message names the line, column and value.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "diary.csv"
    >>> _ = p.write_text("participant_id,bed_time,wake_time\\n"
    ...                  "P01,2024-01-01 23:00,2024-01-02 07:00\\n")
    >>> read_bed_periods(p)
      participant_id               start                 end
    0            P01 2024-01-01 23:00:00 2024-01-02 07:00:00
    """
    text = read_text(path)
    lines = text.lines
    if not lines or not lines[0].strip():
        raise text.error("the diary is empty: expected a header with start and end columns.",
                         line=1)
    try:  # the header sets the delimiter: a short data line is then named, line by line
        sep = sniff_delimiter(lines[:1])
    except ValueError:
        raise text.error(f"the header {lines[0].strip()!r} is not comma, semicolon or tab "
                         "separated: expected a header with start and end columns, e.g. "
                         "participant_id,bed_time,wake_time.", line=1) from None
    header = [f.strip().strip('"') for f in lines[0].split(sep)]
    keys = [_norm(h) for h in header]

    def find(names: tuple[str, ...]) -> int | None:
        for name in names:
            if name in keys:
                return keys.index(name)
        return None

    i_start, i_end, i_pid = find(_START), find(_END), find(_PID)
    if i_start is None or i_end is None:
        raise text.error(
            f"the header ({', '.join(header)}) has no "
            f"{'start' if i_start is None else 'end'} column of the periods in bed: name them "
            "e.g. 'bed_time' and 'wake_time' (or 'start' and 'end').",
            line=1,
        )
    rows = []
    for k, line in enumerate(lines[1:], start=2):
        if not line.strip(sep + " "):
            continue
        fields = [f.strip().strip('"') for f in line.split(sep)]
        if len(fields) <= max(i_start, i_end, i_pid or 0):
            raise text.error(f"the line has {len(fields)} fields where the header has "
                             f"{len(header)}.", line=k)
        stamps = []
        for i in (i_start, i_end):
            value = fields[i]
            if not _ISO.match(value):
                raise text.error(
                    f"column {header[i]!r} holds {value!r}, not a date-time as yyyy-mm-dd hh:mm "
                    "(with or without seconds) on the device's clock, without a UTC offset.",
                    line=k,
                )
            stamps.append(pd.Timestamp(value))
        if stamps[1] <= stamps[0]:
            raise text.error(
                f"the period in bed ends ({fields[i_end]}) before it starts ({fields[i_start]}); "
                "give both as full date-times (the night's end falls on the next day).",
                line=k,
            )
        rows.append(([fields[i_pid]] if i_pid is not None else []) + stamps)
    cols = (["participant_id"] if i_pid is not None else []) + ["start", "end"]
    out = pd.DataFrame(rows, columns=cols)
    out["start"] = pd.to_datetime(out["start"]).astype("datetime64[ns]")
    out["end"] = pd.to_datetime(out["end"]).astype("datetime64[ns]")
    out.attrs["path"] = str(text.path)
    return out


def mark_in_bed(
    start: np.ndarray,
    dur: np.ndarray,
    code: np.ndarray,
    periods: pd.DataFrame,
    *,
    steps: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """Cut intervals at the edges of the periods in bed and mark the time inside as in bed.

    ``start`` (s since 1970), ``dur`` (s) and ``code`` (index into
    :data:`glute_study.io.daily.STATES`) are the intervals; ``periods`` has ``start`` and ``end``
    (datetime64). Non-wear inside a period stays non-wear. A piece keeps the steps of its
    interval only if it is the interval's first piece. Returns the new arrays.

    Examples
    --------
    >>> s, d, c, _ = mark_in_bed(np.array([0.0]), np.array([100.0]), np.array([0], np.int8),
    ...                          pd.DataFrame({"start": pd.to_datetime([40], unit="s"),
    ...                                        "end": pd.to_datetime([60], unit="s")}))
    >>> s.tolist(), d.tolist(), [STATES[k] for k in c]
    ([0.0, 40.0, 60.0], [40.0, 20.0, 40.0], ['sitting', 'in_bed', 'sitting'])
    """
    if len(periods) == 0:
        return start, dur, code, steps
    p0 = periods["start"].to_numpy("datetime64[ns]").astype(np.int64) / 1e9
    p1 = periods["end"].to_numpy("datetime64[ns]").astype(np.int64) / 1e9
    order = np.argsort(p0)
    p0, p1 = p0[order], p1[order]
    if p0.size > 1 and (p0[1:] < p1[:-1]).any():
        i = int(np.flatnonzero(p0[1:] < p1[:-1])[0])
        raise InputError(f"periods in bed overlap: one starting {pd.Timestamp(p0[i + 1] * 1e9)} "
                         f"begins before the one starting {pd.Timestamp(p0[i] * 1e9)} ends.")
    end = start + dur
    cuts = np.sort(np.concatenate([p0, p1]))
    lo = np.searchsorted(cuts, start, side="right")  # the cuts strictly inside each interval
    n_cut = np.maximum(np.searchsorted(cuts, end, side="left") - lo, 0)
    rep = np.repeat(np.arange(start.size), n_cut + 1)  # interval of each piece
    k = np.arange(rep.size) - np.repeat(np.cumsum(n_cut + 1) - (n_cut + 1), n_cut + 1)
    at = lo[rep] + k  # the cut that ends piece k (when it is not the interval's last)
    s = np.where(k == 0, start[rep], cuts[np.clip(at - 1, 0, max(cuts.size - 1, 0))])
    e = np.where(k == n_cut[rep], end[rep], cuts[np.clip(at, 0, max(cuts.size - 1, 0))])
    is_first = k == 0
    mid = (s + e) / 2
    j = np.searchsorted(p0, mid, side="right") - 1
    inside = (j >= 0) & (mid < p1[np.maximum(j, 0)])
    new_code = code[rep].copy()
    new_code[inside & (new_code != STATES.index("nonwear"))] = STATES.index("in_bed")
    new_steps = None if steps is None else np.where(is_first, steps[rep], 0.0)
    return s, e - s, new_code, new_steps


def bed_periods_of(periods: pd.DataFrame, participant_id: object) -> pd.DataFrame:
    """The periods in bed of one participant, checked: ``start`` and ``end`` (device clock).

    With a ``participant_id`` column only that participant's rows apply; without one, every row
    applies (a diary of one participant, or one kept for everyone).

    Examples
    --------
    >>> diary = pd.DataFrame({"participant_id": ["P1", "P2"],
    ...                       "start": pd.to_datetime(["2024-01-01 23:00", "2024-01-01 22:00"]),
    ...                       "end": pd.to_datetime(["2024-01-02 07:00", "2024-01-02 06:00"])})
    >>> bed_periods_of(diary, "P2")
                    start                 end
    0 2024-01-01 22:00:00 2024-01-02 06:00:00
    """
    where = "the periods in bed"
    require_columns(periods, ["start", "end"], where=where)
    if "participant_id" in periods and participant_id is not None:
        periods = periods[periods["participant_id"].astype(str) == str(participant_id)]
    out = pd.DataFrame({"start": local_times(periods["start"], column="start", where=where),
                        "end": local_times(periods["end"], column="end", where=where)})
    bad = ~(out["end"] > out["start"])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(f"{where}: row {i} ends ({out['end'].iloc[i]}) before it starts "
                         f"({out['start'].iloc[i]}), or a time is missing.")
    return out.reset_index(drop=True)
