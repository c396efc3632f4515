"""Raw thigh-worn accelerometry (time, x, y, z in g): posture from thigh inclination, in chunks.

A sensor on the front of the thigh sees gravity along the thigh's long axis when the person
stands (the long axis is near vertical) and across it when they sit or lie (the thigh is near
horizontal). Per epoch (1 s by default) the mean acceleration vector gives the inclination of the
long axis from vertical; above ``sitting_angle_deg`` (45 degrees) the epoch is sitting/lying,
otherwise upright. A change of posture is accepted only when the new posture lasts at least
``min_bout_s`` (10 s); shorter changes keep the previous posture. Non-wear comes from the rules
of :mod:`glute_study.io.raw_nonwear` chosen with ``nonwear`` (by default a run of at least
``nonwear_min``, 90, minutes in which every minute has a standard deviation below
:data:`NONWEAR_SD_G`, 13 mg, on at least two of the three axes; also GGIR's SD-and-range rule,
the Acti4/ActiPASS short-removal rule and a temperature rule).

Samples come in chunks from :mod:`glute_study.io.accel` (Parquet row batches, CSV chunks, or a
DataFrame cut up), and each chunk is reduced to per-epoch sums at once, so a week at 100 Hz
(60 M samples) runs in bounded memory; :func:`accel_daily` turns the epochs into the daily
sitting table of :mod:`glute_study.io.daily`.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from .._checks import check_one_of
from .._text import FileFormatError
from ..errors import InputError
from . import activity_types, raw_nonwear
from .accel import Chunk, sample_chunks
from .actigraph_nonwear import finite_number
from .daily import daily_sitting
from .raw_nonwear import NONWEAR_SD_G

__all__ = ["ACTI4_STATES", "NONWEAR_SD_G", "POSTURE_OPTIONS", "accel_daily", "thigh_posture"]

_BLOCK = 1 << 16  # samples per cache-sized block of the epoch sums


def _first_at_or_after(t: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """``np.searchsorted(t, edges)`` for sorted ``t``, fast when sampling is regular.

    Each position is first guessed from the mean sampling interval and kept where the two
    neighbouring samples confirm it; only unconfirmed edges are bisected.
    """
    n = t.size
    if n < 2 or edges.size == 0:
        return np.searchsorted(t, edges, side="left")
    step = (int(t[-1]) - int(t[0])) / (n - 1)
    if step <= 0:
        return np.searchsorted(t, edges, side="left")
    guess = np.ceil((edges - t[0]) / step).astype(np.int64)
    np.clip(guess, 0, n, out=guess)
    at = np.minimum(guess, n - 1)
    ok = ((guess == n) | (t[at] >= edges)) & ((guess == 0) | (t[np.maximum(guess - 1, 0)] < edges))
    if not ok.all():
        bad = ~ok
        guess[bad] = np.searchsorted(t, edges[bad], side="left")
    return guess


class _EpochSums:
    """Per-epoch sums of x, y, z, their squares and the sample count, built chunk by chunk.

    Scratch buffers are reused across chunks so that each chunk costs a few passes over memory
    and no large allocations. The last epoch of a chunk is held back (its samples copied, at
    most one epoch) until the next chunk shows where it ends, so every epoch is summed from all
    its samples in one go: the sums do not depend on where the chunks were cut.

    Each chunk's finished epochs are reduced at once, while their sums are in the CPU cache,
    to what the posture rule needs: inclination, largest axis SD and sample count per epoch,
    and the sums per clock minute for non-wear (the rows of a minute that may go on in the
    next chunk are held back likewise, so every minute is added up from all its epochs in one
    go). A week of 1-s epochs thus never sits in memory as a table of sums.
    """

    def __init__(self, epoch_ns: int, path: str, *, long_axis: int = 0,
                 cross: bool = False, keep: bool = False, extremes: bool = False,
                 temperature: bool = False) -> None:
        self.epoch_ns = epoch_ns
        self.path = path
        self.long_axis = long_axis
        # with ``cross``: an 8th sum, of long axis x forward axis (for the Acti4 rotation); with
        # ``cross`` or ``keep`` every epoch's sums are kept (a week of 1-s epochs is 600 k rows
        # of 8 numbers); ``extremes`` adds each epoch's min and max of x, y, z (6 columns, for
        # GGIR's range) and ``temperature`` the sum of the samples' temperatures (1 column)
        self.cross = cross
        self.keep = keep or cross
        width = 8 if cross else 7
        self.ext_at = width if extremes else None
        width += 6 if extremes else 0
        self.temp_at = width if temperature else None
        self.width = width + (1 if temperature else 0)
        self.has_temperature = False
        self.forward = (long_axis + 2) % 3
        self.sums: list[np.ndarray] = []
        self.per_min = max(60_000_000_000 // epoch_ns, 1)  # epochs per clock minute
        self.last_t: int | None = None
        self.checked_units = False
        self.parts: list[tuple[np.ndarray, ...]] = []  # idx, inclination, sd, n per epoch
        self.minutes: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []  # id, sums, epochs
        self._fbuf = np.empty(0, dtype=np.float64)
        self._open: tuple[int, list[np.ndarray]] | None = None  # held-back epoch: id, samples
        self._open_minute: tuple[np.ndarray, np.ndarray] | None = None  # its epochs: idx, sums

    def add(self, chunk: Chunk) -> None:
        t = chunk.t
        n = t.size
        if n == 0:
            return
        axes = [np.ascontiguousarray(a, dtype=np.float64) for a in (chunk.x, chunk.y, chunk.z)]
        arrays = axes  # the arrays an epoch held back for the next chunk keeps
        if self.temp_at is not None:
            if chunk.temperature is None:
                temp = np.full(n, np.nan)
            else:
                temp = np.ascontiguousarray(chunk.temperature, dtype=np.float64)
                self.has_temperature = self.has_temperature or bool(np.isfinite(temp).any())
            arrays = [*axes, temp]
        if not self.checked_units:
            # gravity alone is 1 g; even running keeps the median |a| of 10 s well under 3 g
            level = float(np.median(np.sqrt(sum(a[:1000] ** 2 for a in axes))))
            if abs(level - 9.81) < 2:
                raise self._error(
                    chunk, 0, "accelerations look like m/s^2 (|a| near 9.8); expected g: divide "
                    "by 9.81"
                )
            if level > 3:
                raise self._error(
                    chunk, 0, f"accelerations are not in g (median |a| of the first samples is "
                    f"{level:.4g}; a still sensor reads 1 g): convert raw counts or milli-g to g"
                )
            self.checked_units = True
        if self.last_t is not None and t[0] < self.last_t:
            raise self._backwards(chunk, 0)
        if t[-1] < t[0]:  # unsorted for sure: say where, before cutting epochs
            i = int(np.flatnonzero(t[1:] < t[:-1])[0]) + 1
            raise self._backwards(chunk, i)
        # Times are sorted (checked below, block by block), so each epoch's first sample is
        # found by bisection: no pass over the samples is needed to cut them into epochs.
        first, last = int(t[0]) // self.epoch_ns, int(t[-1]) // self.epoch_ns
        ids = np.arange(first, last + 1, dtype=np.int64)
        cuts = _first_at_or_after(t, ids[1:] * self.epoch_ns)
        starts = np.r_[0, cuts]
        filled = np.diff(np.r_[starts, n]) > 0  # epochs inside a gap hold no sample
        bounds, eidx = starts[filled], ids[filled]
        if bounds.size > 1 and not (bounds[1:] > bounds[:-1]).all():
            bounds = np.r_[0, n]  # unsorted times: one block, where the check below finds them
        ends = np.r_[bounds[1:], n]
        # Whole epochs in blocks of about _BLOCK samples, so that the squares and sums of a
        # block are computed while it is in the CPU cache (one read of each axis from memory
        # instead of four); the epoch sums are the same additions in the same order.
        eb = np.unique(np.r_[0, np.searchsorted(bounds, np.arange(_BLOCK, n, _BLOCK)),
                             bounds.size])
        longest = int((ends[eb[1:] - 1] - bounds[eb[:-1]]).max())
        if self._fbuf.size < longest:
            self._fbuf = np.empty(longest, dtype=np.float64)
        sums = np.empty((bounds.size, self.width))
        for e0, e1 in zip(eb[:-1].tolist(), eb[1:].tolist()):
            s0, s1 = int(bounds[e0]), int(ends[e1 - 1])
            tb = t[s0 : min(s1 + 1, n)]
            if (tb[1:] < tb[:-1]).any():
                i = s0 + int(np.flatnonzero(tb[1:] < tb[:-1])[0]) + 1
                raise self._backwards(chunk, i)
            at = bounds[e0:e1] - s0
            sq = self._fbuf[: s1 - s0]
            for j, a in enumerate(axes):
                seg = a[s0:s1]
                sums[e0:e1, j] = np.add.reduceat(seg, at)
                np.multiply(seg, seg, out=sq)
                sums[e0:e1, 3 + j] = np.add.reduceat(sq, at)
            if self.cross:
                np.multiply(axes[self.long_axis][s0:s1], axes[self.forward][s0:s1], out=sq)
                sums[e0:e1, 7] = np.add.reduceat(sq, at)
            if self.ext_at is not None:
                for j, a in enumerate(axes):
                    sums[e0:e1, self.ext_at + j] = np.minimum.reduceat(a[s0:s1], at)
                    sums[e0:e1, self.ext_at + 3 + j] = np.maximum.reduceat(a[s0:s1], at)
            if self.temp_at is not None:
                sums[e0:e1, self.temp_at] = np.add.reduceat(arrays[3][s0:s1], at)
        self.last_t = int(t[-1])
        sums[:, 6] = np.diff(np.r_[bounds, n])
        if np.isnan(sums[:, :3]).any():
            bad = np.isnan(axes[0]) | np.isnan(axes[1]) | np.isnan(axes[2])
            raise self._error(chunk, int(np.flatnonzero(bad)[0]), "missing acceleration value")
        if self._open is not None:
            open_id, held = self._open
            if eidx[0] == open_id:  # the held-back epoch goes on in this chunk
                head = [np.concatenate([h, a[: int(ends[0])]]) for h, a in zip(held, arrays)]
                if eidx.size == 1:  # ... and past its end
                    self._open = (open_id, head)
                    return
                sums[0] = self._one_epoch(head)
            else:
                self._finish(np.array([open_id]), self._one_epoch(held)[None, :])
        self._open = (int(eidx[-1]), [a[int(bounds[-1]) :].copy() for a in arrays])
        self._finish(eidx[:-1], sums[:-1])

    def _finish(self, eidx: np.ndarray, sums: np.ndarray, *, last: bool = False) -> None:
        """Reduce finished epochs to their statistics and add them to the minute sums.

        The rows of the last minute are held back for the next call, unless ``last``.
        """
        if eidx.size == 0:
            return
        incl, sd = _epoch_stats(sums, self.long_axis)
        self.parts.append((eidx, incl, sd, sums[:, 6].astype(np.int64)))
        if self.keep:
            self.sums.append(sums)
        minute = eidx // self.per_min
        if self._open_minute is not None:
            held_idx, held_sums = self._open_minute
            minute = np.r_[held_idx // self.per_min, minute]
            sums = np.concatenate([held_sums, sums])
            eidx = np.r_[held_idx, eidx]
        starts = np.flatnonzero(np.r_[True, minute[1:] != minute[:-1]])
        done, end = (starts, minute.size) if last else (starts[:-1], int(starts[-1]))
        if done.size:
            self.minutes.append((minute[done], np.add.reduceat(sums[:end], done, axis=0),
                                 np.diff(np.r_[done, end])))
        self._open_minute = None if last else (eidx[end:], sums[end:].copy())

    def _backwards(self, chunk: Chunk, i: int) -> Exception:
        return self._error(
            chunk, i, "time goes backwards (overlapping or appended recordings?); split the file"
        )

    def _error(self, chunk: Chunk, i: int, what: str) -> Exception:
        first = chunk.first_line
        if self.path:
            line = None if first is None else first + i
            extra = "" if first is not None else f" (data row {chunk.first_row + i + 1})"
            return FileFormatError(self.path, f"{what}{extra}.", line=line)
        return InputError(f"row {chunk.first_row + i}: {what}.")

    def result(self) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per epoch: idx, inclination, sd, n; per minute: minute id, the 7 sums, epochs."""
        if self._open is None:
            raise InputError("the accelerometry holds no samples.")
        open_id, held = self._open
        self._finish(np.array([open_id]), self._one_epoch(held)[None, :], last=True)
        self._open = None
        epochs = [np.concatenate(col) for col in zip(*self.parts)]
        minutes = [np.concatenate(col) for col in zip(*self.minutes)]
        return epochs, minutes

    def _one_epoch(self, axes: list[np.ndarray]) -> np.ndarray:
        """The sums of one epoch's samples (x, y, z and, when kept, temperature), added
        exactly as in :meth:`add`."""
        at = np.zeros(1, dtype=np.intp)
        out = np.empty(self.width)
        for j, a in enumerate(axes[:3]):
            out[j] = np.add.reduceat(a, at)[0]
            out[3 + j] = np.add.reduceat(a * a, at)[0]
            if self.ext_at is not None:
                out[self.ext_at + j] = a.min()
                out[self.ext_at + 3 + j] = a.max()
        out[6] = axes[0].size
        if self.cross:
            out[7] = np.add.reduceat(axes[self.long_axis] * axes[self.forward], at)[0]
        if self.temp_at is not None:
            out[self.temp_at] = np.add.reduceat(axes[3], at)[0]
        return out

    def all_sums(self) -> np.ndarray:
        """Every epoch's sums (with ``cross`` or ``keep``; after :meth:`result`), one row per
        epoch."""
        return np.concatenate(self.sums) if self.sums else np.empty((0, self.width))


def thigh_posture(
    samples: pd.DataFrame | str | Path,
    *,
    method: str = "acti4",
    epoch_s: float = 1.0,
    long_axis: str = "x",
    sitting_angle_deg: float = 45.0,
    min_bout_s: float | None = None,
    nonwear_min: float | None = 90.0,
    nonwear: str | Sequence[str] | None = "still",
    reference_angle_deg: float | None = None,
) -> pd.DataFrame:
    """Classify thigh posture per epoch from raw acceleration.

    Two rules:

    * ``method="acti4"`` (default): the activity types of Acti4 (Skotte et al. 2014, J Phys
      Act Health 11:76-84) with the thresholds, bout lengths and per-wearer reference angle of
      acti-motus, its open Python successor; see :mod:`glute_study.io.activity_types` for every
      rule, threshold and where this departs from acti-motus. 1-s steps of 2-s windows; classes
      sit, lie, stand, move, walk, run, stairs, cycle (column ``activity``). In ``state``
      sitting is ``sit`` only: cycling and lying are kept out of it.
    * ``method="inclination"``: the inclination-only rule (this package's earlier default):
      per epoch, sitting/lying when the long axis is more than ``sitting_angle_deg`` from
      vertical, else upright; posture changes shorter than ``min_bout_s`` (default 10 s, the
      activPAL minimum sitting/upright bout, Edwardson et al. 2017) keep the previous posture.

    Non-wear, in both, by the rules named in ``nonwear`` (any of them; see
    :mod:`glute_study.io.raw_nonwear` for each rule, its parameters and its source):
    ``"still"`` (the default: a run of at least ``nonwear_min`` minutes in which every minute
    has an SD below :data:`NONWEAR_SD_G`, 13 mg, on at least two axes), ``"ggir"`` (GGIR's
    2013 SD-and-range rule in 60-min windows every 15 min), ``"actipass"`` (Acti4/ActiPASS:
    long still periods, and short removals with the sensor flat after handling) and
    ``"temperature"`` (Zhou et al. 2015: the sensor's temperature, where the file has it). Each
    rule applied is named with its parameters in ``.attrs["rule"]``.

    Parameters
    ----------
    samples : DataFrame or path
        Columns time, x, y, z (g), or a CSV/Parquet file read in chunks.
    method : {"acti4", "inclination"}
        The rule (above).
    epoch_s : float
        Epoch length in seconds (it must divide 60; ``acti4`` needs 1).
    long_axis : {"x", "y", "z"}
        The sensor axis along the thigh; for ``acti4`` the axis after the next one (z for x,
        x for y, y for z) points out of the thigh's front, as on an Axivity AX3 worn as in
        ProPASS; the signs of a sensor worn upside down or inside out are found from the data.
    sitting_angle_deg : float
        Inclination from vertical above which the thigh is seated (Acti4's 45 degrees).
    min_bout_s : float, optional
        ``inclination`` only: the shortest accepted posture change (default 10 s). Acti4 uses
        its own bout lengths per class.
    nonwear_min : float or None
        Minimum still minutes of the ``"still"`` rule; None turns that rule off (with the
        default ``nonwear``, every epoch is then worn).
    nonwear : str, sequence of str, or None
        The non-wear rules: one of, or a sequence (or comma list) of, ``"still"``, ``"ggir"``,
        ``"actipass"``, ``"temperature"``; None or ``"none"`` marks every epoch as worn.
    reference_angle_deg : float, optional
        ``acti4`` only: the reference angle (degrees) instead of calibrating it from walking.

    Returns
    -------
    DataFrame
        One row per recorded epoch: ``start``, ``duration_s``, ``inclination_deg``, ``sd_g``
        (largest axis SD), ``n`` (samples), ``state`` (a state of
        :data:`glute_study.io.daily.STATES`) and, with ``acti4``, ``activity`` and
        ``forward_deg``; ``.attrs["rule"]`` states the rule, ``.attrs["calibration"]`` (acti4)
        the reference angle, orientation and stairs threshold used.

    Examples
    --------
    >>> t = np.arange(0, 60, 0.02)                          # 60 s at 50 Hz
    >>> sitting = (t >= 20) & (t < 50)                       # thigh horizontal for 30 s
    >>> x = np.where(sitting, 0.05, 0.98)
    >>> z = np.where(sitting, -0.99, -0.10)
    >>> raw = pd.DataFrame({"time": t, "x": x, "y": 0.0, "z": z})
    >>> ep = thigh_posture(raw, nonwear_min=None)
    >>> ep.groupby("activity", observed=True)["duration_s"].sum()  # 2-s windows: +-1 s at a change
    activity
    sit      31.0
    stand    29.0
    Name: duration_s, dtype: float64
    >>> thigh_posture(raw, method="inclination", nonwear_min=None)["state"].value_counts()
    state
    upright    30
    sitting    30
    Name: count, dtype: int64
    """
    check_one_of("method", method, ["acti4", "inclination"])
    rules = raw_nonwear.check_rules(nonwear)
    if nonwear_min is None:
        rules = tuple(r for r in rules if r != "still")
    if "actipass" in rules and epoch_s != 1:
        raise InputError(f"nonwear rule 'actipass' works on 1-s epochs (2-s windows); got "
                         f"epoch_s={epoch_s!r}. Leave epoch_s at 1, or use another rule.")
    _check_posture_options(epoch_s=epoch_s, long_axis=long_axis,
                           sitting_angle_deg=sitting_angle_deg,
                           min_bout_s=10.0 if min_bout_s is None else min_bout_s,
                           nonwear_min=nonwear_min)
    acti4 = method == "acti4"
    if acti4:
        if epoch_s != 1:
            raise InputError(f"method='acti4' works on 1-s steps (2-s windows); got epoch_s="
                             f"{epoch_s!r}. Leave epoch_s at 1, or use method='inclination'.")
        if min_bout_s is not None:
            raise InputError("min_bout_s belongs to method='inclination'; Acti4 has its own "
                             "bout length per activity type (see glute_study.io.activity_types).")
        if reference_angle_deg is not None and not (finite_number(reference_angle_deg)
                                                    and -90 < reference_angle_deg < 90):
            raise InputError(f"`reference_angle_deg` must be an angle in degrees (-16 is "
                             f"Acti4's default), or None to calibrate from walking; got "
                             f"{reference_angle_deg!r}.")
    elif reference_angle_deg is not None:
        raise InputError("reference_angle_deg belongs to method='acti4'.")
    chunks, path = sample_chunks(samples)
    acc = _EpochSums(int(round(epoch_s * 1e9)), path, long_axis="xyz".index(long_axis),
                     cross=acti4, keep="actipass" in rules or "ggir" in rules,
                     extremes="ggir" in rules, temperature="temperature" in rules)
    try:
        for chunk in chunks:
            acc.add(chunk)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()  # release the file at once, also when a chunk is refused
    (idx, incl, sd, n), minutes = acc.result()
    off = _nonwear(acc, rules, idx, minutes, nonwear_min)
    extra: dict[str, np.ndarray] = {}
    if acti4:
        state, incl, extra, rule, info = _acti4_states(acc, idx, off, long_axis,
                                                       sitting_angle_deg, reference_angle_deg)
    else:
        bout = 10.0 if min_bout_s is None else float(min_bout_s)
        raw_sit = incl > sitting_angle_deg
        sit = _hysteresis(raw_sit, idx, int(np.ceil(bout / epoch_s)))
        state = np.array(["upright", "sitting"], dtype=object)[sit.view(np.int8)]
        rule = (
            f"thigh accelerometer, inclination rule: {epoch_s:g}-s epochs; sitting/lying when "
            f"the {long_axis} axis is more than {sitting_angle_deg:g} deg from vertical; "
            f"posture changes shorter than {bout:g} s ignored"
        )
        info = None
        if off is not None:
            state[off] = "nonwear"
    if rules:
        rule += "; " + raw_nonwear.describe_rules(
            rules, nonwear_min=nonwear_min, temperature_recorded=acc.has_temperature)
    out = pd.DataFrame(
        {
            "start": (idx * acc.epoch_ns).astype("datetime64[ns]"),
            "duration_s": np.full(idx.size, float(epoch_s)),
            "inclination_deg": incl,
            "sd_g": sd,
            "n": n,
            "state": state,
            **extra,
        },
        copy=False,  # fresh arrays of ours: consolidating them cost a copy of each
    )
    out.attrs["rule"] = rule + "."
    out.attrs["nonwear"] = list(rules)
    if info is not None:
        out.attrs["calibration"] = info
    return out


#: Daily-table state of each Acti4 activity type (stepping = walk, run, stairs; move = upright).
ACTI4_STATES = {"nonwear": "nonwear", "lie": "lying", "sit": "sitting", "stand": "standing",
                "move": "upright", "walk": "stepping", "run": "stepping", "stairs": "stepping",
                "cycle": "cycling"}


def _acti4_states(acc: _EpochSums, idx: np.ndarray, off: np.ndarray | None, long_axis: str,
                  stationary_deg: float, reference_deg: float | None):
    """States, inclination, extra columns, rule and calibration of the Acti4-type rule."""
    sums = acc.all_sums()
    la = acc.long_axis
    order = [la, (la + 1) % 3, (la + 2) % 3]  # long, side, forward -> x, y, z
    feat_sums = np.column_stack([sums[:, order], sums[:, [3 + k for k in order]], sums[:, 7],
                                 sums[:, 6]])
    worn = np.ones(idx.size, dtype=bool) if off is None else ~off
    feats = activity_types.second_features(feat_sums, idx)
    codes, rot, info = activity_types.classify_seconds(
        feats, idx, worn, stationary_deg=stationary_deg, reference_deg=reference_deg)
    names = np.array(activity_types.ACTIVITY_TYPES, dtype=object)
    state = np.array([ACTI4_STATES[a] for a in activity_types.ACTIVITY_TYPES],
                     dtype=object)[codes]
    extra = {"activity": pd.Categorical(names[codes],
                                        categories=activity_types.ACTIVITY_TYPES),
             "forward_deg": rot["forward"]}
    t = activity_types.ACTI4
    rule = (
        "thigh accelerometer, Acti4-type activity types (Skotte et al. 2014; thresholds, bout "
        "lengths and reference angle of acti-motus): 1-s steps of 2-s windows; "
        f"{long_axis} axis along the thigh; reference angle {info['reference_deg']:.1f} deg "
        f"({info['reference']}); sensor {', '.join(info['orientation'])}; sit = inclination > "
        f"{stationary_deg:g} deg; stand = inclination < {stationary_deg:g} deg and every axis "
        f"SD < {t['move_sd_g']:g} g; walk = SD x {t['move_sd_g']:g}-{t['run_sd_g']:g} g; run "
        f"= SD x > {t['run_sd_g']:g} g; stairs = walking with the thigh forward above the "
        f"stairs threshold ({info['stairs_threshold']}) and below {t['bicycle_deg']:g} deg; "
        f"cycle = thigh forward > {t['bicycle_low_deg']:g} deg (with a low HL ratio, or > "
        f"{t['bicycle_deg']:g} deg), inclination < {t['bicycle_max_incl_deg']:g} deg and SD x > "
        f"{t['move_sd_g']:g} g; move = upright otherwise; lie = a sit bout in which the thigh "
        f"rotates across {t['lie_low_deg']:g}-{t['lie_high_deg']:g} deg about its long axis; "
        "minimum bouts (s): " + ", ".join(f"{k} {v}" for k, v in activity_types.BOUT_S.items())
        + "; no 30-Hz resampling or 5-Hz filter, HL ratio approximated, no rowing or cadence "
        "rule, no steps; sitting excludes cycling and lying"
    )
    return state, rot["incl"], extra, rule, info


#: The options of :func:`thigh_posture` that :func:`accel_daily` passes on.
POSTURE_OPTIONS = tuple(inspect.signature(thigh_posture).parameters)[1:]


def _check_posture_options(*, epoch_s: object, long_axis: object, sitting_angle_deg: object,
                           min_bout_s: object, nonwear_min: object) -> None:
    """Refuse, before any sample is read, options that are not numbers in their range."""
    check_one_of("long_axis", long_axis, ["x", "y", "z"])
    if not (finite_number(epoch_s) and 0 < epoch_s <= 60 and (60 / epoch_s).is_integer()):
        raise InputError(f"`epoch_s` must divide 60 seconds (1, 2, 5, 10, ...); got {epoch_s!r}.")
    if not (finite_number(sitting_angle_deg) and 0 < sitting_angle_deg < 90):
        raise InputError(f"`sitting_angle_deg` must be an angle between 0 and 90 degrees from "
                         f"vertical (45 is usual); got {sitting_angle_deg!r}.")
    if not (finite_number(min_bout_s) and min_bout_s >= 0):
        raise InputError(f"`min_bout_s` must be a number of seconds (>= 0; 10 is usual); got "
                         f"{min_bout_s!r}.")
    if nonwear_min is not None and not (finite_number(nonwear_min) and nonwear_min >= 1):
        raise InputError(f"`nonwear_min` must be a number of minutes (>= 1; 90 is usual), or "
                         f"None for no non-wear detection; got {nonwear_min!r}.")


def _epoch_stats(sums: np.ndarray, long_axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Inclination (deg) of the long axis from vertical, and the largest axis SD (g), per epoch.

    Computed in blocks of epochs, so that the temporaries stay in the CPU cache (a chunk of
    slowly sampled data holds many epochs); whole-array temporaries cost more in fresh memory
    pages than the arithmetic.
    """
    k = sums.shape[0]
    incl, sd = np.empty(k), np.empty(k)
    for a in range(0, k, _BLOCK // 4):
        s = sums[a : a + _BLOCK // 4]
        n = s[:, 6:7]
        mean = s[:, 0:3] / n
        var = np.maximum(s[:, 3:6] / n - mean**2, 0.0)
        # sqrt is monotone: the root of the largest variance is the largest SD, exactly
        np.sqrt(var.max(axis=1), out=sd[a : a + len(s)])
        norm = np.sqrt(np.add.reduce(mean * mean, axis=1))
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.clip(np.abs(mean[:, long_axis]) / norm, 0.0, 1.0)
        np.degrees(np.arccos(ratio), out=incl[a : a + len(s)])
    return incl, sd


def _hysteresis(raw: np.ndarray, idx: np.ndarray, min_epochs: int) -> np.ndarray:
    """Accept a change of posture only if it lasts ``min_epochs``; gaps restart the sequence."""
    if raw.size == 0 or min_epochs <= 1:
        return raw
    new = np.r_[True, (raw[1:] != raw[:-1]) | (np.diff(idx) != 1)]
    gap_start = np.r_[True, np.diff(idx) != 1]
    starts = np.flatnonzero(new)
    lengths = np.diff(np.r_[starts, raw.size])
    values = raw[starts]
    fresh = gap_start[starts]
    kept = values.copy()
    cur = values[0]
    for k in range(starts.size):
        if fresh[k] or (values[k] != cur and lengths[k] >= min_epochs):
            cur = values[k]
        kept[k] = cur
    return np.repeat(kept, lengths)


def _nonwear(acc: _EpochSums, rules: tuple[str, ...], idx: np.ndarray,
             minutes: list[np.ndarray], nonwear_min: float | None) -> np.ndarray | None:
    """The epochs that any of ``rules`` (:mod:`glute_study.io.raw_nonwear`) marks as non-wear;
    None without rules."""
    if not rules:
        return None
    mins, msum, epochs = minutes
    off = np.zeros(idx.size, dtype=bool)
    sums = acc.all_sums() if acc.keep else None
    for rule in rules:
        if rule == "still":
            off |= raw_nonwear.still_minutes(mins, msum, epochs, nonwear_min)
        elif rule == "ggir":
            ext = acc.ext_at
            off |= raw_nonwear.ggir_2013(idx, sums, sums[:, ext : ext + 6], acc.epoch_ns)
        elif rule == "actipass":
            off |= raw_nonwear.actipass(idx, sums, long_axis=acc.long_axis)
        elif rule == "temperature" and acc.has_temperature:
            off |= raw_nonwear.zhou_temperature(mins, msum, msum[:, acc.temp_at], epochs)
    return off


def accel_daily(
    samples: pd.DataFrame | str | Path,
    *,
    participant_id: object = None,
    valid_day: float = 10.0,
    instrument: str = "thigh_accelerometer",
    waking: pd.DataFrame | None = None,
    **posture: object,
) -> pd.DataFrame:
    """Daily sitting from raw thigh accelerometry: the same daily table as activPAL.

    Posture comes from :func:`thigh_posture` (``**posture`` passes its options). With the
    default Acti4-type rule, sitting is sitting only: cycling (``cycling_h``) and lying
    (``lying_h``) are kept apart, and standing (``standing_h``) and stepping (walking, running
    and stairs; ``stepping_h``) are reported; ``upright_h`` is all upright time (also "move").
    A break is a sitting bout followed directly by standing, moving, stepping or cycling. No
    steps are counted (``steps`` is NaN). With ``method="inclination"`` sitting includes lying
    (inclination cannot tell them apart; ``lying_h`` is NaN) and only ``upright_h`` is given.
    There is no sleep detection: waking wear is all wear time, unless ``waking`` gives the
    periods in bed (a sleep diary, :func:`glute_study.io.diary.read_bed_periods`): time inside
    them is in bed, outside waking wear (non-wear stays non-wear), and getting up is not a
    break, as in :func:`glute_study.io.activpal.sitting_summary`.

    Parameters
    ----------
    samples : DataFrame or path
        time, x, y, z in g, or a CSV/Parquet file (read in chunks).
    participant_id : object, optional
        Written to ``participant_id``.
    valid_day : float
        Minimum wear hours for a valid day.
    instrument : str
        Written to ``instrument`` (e.g. "axivity").
    waking : DataFrame, optional
        Periods in bed (``start``, ``end``; with a ``participant_id`` column only the rows of
        ``participant_id`` apply).
    **posture
        ``method``, ``epoch_s``, ``long_axis``, ``sitting_angle_deg``, ``min_bout_s``,
        ``nonwear_min``, ``nonwear`` (the non-wear rules, e.g. ``("ggir", "actipass")``),
        ``reference_angle_deg``.

    Returns
    -------
    DataFrame
        The daily table (:data:`glute_study.io.daily.DAILY_COLUMNS`), rules in ``.attrs``.

    Examples
    --------
    >>> t = np.arange(0, 3600, 0.1)                   # one hour at 10 Hz
    >>> sit = t < 2400                                 # 40 min sitting, then 20 min upright
    >>> raw = pd.DataFrame({"time": t, "x": np.where(sit, 0.0, 1.0), "y": 0.02,
    ...                     "z": np.where(sit, -1.0, 0.0)})
    >>> d = accel_daily(raw, participant_id="T1", valid_day=0.5, nonwear_min=None)
    >>> d[["sitting_h", "prolonged_sitting_h", "sitting_bouts", "breaks", "wear_h"]].round(3)
       sitting_h  prolonged_sitting_h  sitting_bouts  breaks  wear_h
    0      0.667                0.667              1       1     1.0
    """
    unknown = set(posture) - set(POSTURE_OPTIONS)
    if unknown:
        raise InputError(f"accel_daily got unknown options: {', '.join(sorted(unknown))} (its "
                         f"options: valid_day, instrument, waking, {', '.join(POSTURE_OPTIONS)}).")
    epochs = thigh_posture(samples, **posture)  # type: ignore[arg-type]
    # collapse runs of one state into intervals before the daily summary
    st = epochs["state"].to_numpy()
    start_ns = epochs["start"].to_numpy().astype(np.int64)
    dur = epochs["duration_s"].to_numpy()
    end_ns = start_ns + np.round(dur * 1e9).astype(np.int64)
    new = np.r_[True, (st[1:] != st[:-1]) | (start_ns[1:] != end_ns[:-1])]
    first = np.flatnonzero(new)
    intervals = pd.DataFrame(
        {
            "start": start_ns[first].astype("datetime64[ns]"),
            "duration_s": np.add.reduceat(dur, first) if first.size else dur[:0],
            "state": st[first],
        }
    )
    acti4 = posture.get("method", "acti4") == "acti4"
    waking_rule = " No sleep detection (waking wear = wear)."
    if waking is not None:
        intervals, waking_rule = _in_bed(intervals, waking, participant_id)
    daily = daily_sitting(
        intervals, participant_id=participant_id, instrument=instrument, valid_day=valid_day,
        rule=epochs.attrs["rule"] + waking_rule, split_upright=acti4,
    )
    daily.attrs["rules"]["waking"] = "all wear" if waking is None else "diary"
    daily.attrs["rules"]["nonwear"] = epochs.attrs["nonwear"]
    daily.attrs["wear_site"] = _wear_site(samples, epochs)
    if not acti4:
        daily["lying_h"] = np.nan  # inclination alone cannot tell lying from sitting
    else:
        daily.attrs["calibration"] = epochs.attrs["calibration"]
    return daily


def _in_bed(intervals: pd.DataFrame, waking: object, participant_id: object
            ) -> tuple[pd.DataFrame, str]:
    """The intervals with the diary's periods in bed marked, and the rule sentence."""
    from .daily import STATES
    from .diary import bed_periods_of, mark_in_bed

    if not isinstance(waking, pd.DataFrame):
        raise InputError(f"`waking` must be a table of periods in bed (start, end), e.g. from "
                         f"read_bed_periods(); got {type(waking).__name__}.")
    periods = bed_periods_of(waking, participant_id)
    code = pd.Categorical(intervals["state"], categories=STATES).codes.astype(np.int8)
    start = intervals["start"].to_numpy("datetime64[ns]").astype(np.int64) / 1e9
    s, d, c, _ = mark_in_bed(start, intervals["duration_s"].to_numpy(dtype=float), code,
                             periods)
    out = pd.DataFrame({"start": pd.to_datetime(np.round(s * 1e6).astype(np.int64) * 1000),
                        "duration_s": d, "state": np.array(STATES, dtype=object)[c]})
    where = waking.attrs.get("path")
    source = f" ({Path(where).name})" if where else ""
    return out, (f" Time in bed from the diary{source}: {len(periods)} period(s) for this "
                 "participant, outside waking wear; getting up is not a break.")


def _wear_site(samples: object, epochs: pd.DataFrame) -> dict:
    """The wear-site check of :mod:`glute_study.io.wear_site`, warned about when it fails."""
    import warnings

    from .accel import accel_metadata
    from .wear_site import WearSiteWarning, wear_site_check

    is_path = isinstance(samples, (str, Path))
    site = (accel_metadata(samples) if is_path else getattr(samples, "attrs", {})).get(
        "wear_site")
    check = wear_site_check(epochs, wear_site=site)
    if check["message"]:
        where = f"{Path(samples).name}: " if is_path else ""  # type: ignore[arg-type]
        warnings.warn(where + check["message"] + ".", WearSiteWarning, stacklevel=3)
    return check

