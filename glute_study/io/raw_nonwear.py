"""Non-wear rules for raw accelerometry (x, y, z in g): the published rules, each by name.

:func:`glute_study.io.accel_epochs.thigh_posture` reduces the samples to per-epoch and per-minute
sums in one pass; the rules here work on those sums, so no rule needs the samples again. A
recording is non-wear wherever *any* of the chosen rules says so (``nonwear=("ggir",
"actipass")`` is the union of the two). The rules (:data:`NONWEAR_RULES`):

``"still"``
    This package's earlier rule (the default): a run of at least ``nonwear_min`` (90) clock
    minutes in each of which at least two axes have an SD below 13 mg.

``"ggir"``
    GGIR's rule, ``nonwear_approach = "2013"`` (van Hees et al. 2011, PLoS ONE 6:e22922; van
    Hees et al. 2013, PLoS ONE 8:e61691; GGIR ``detect_nonwear_clipping()``, defaults
    ``windowsizes = c(5, 900, 3600)``, ``sdcriter = 0.013``, ``racriter = 0.05``). The
    recording is cut into 15-min blocks from its first epoch; each block is judged on the
    60-min window centred on it (the first three blocks on the first 60 min, the last blocks on
    the last 45 min, as GGIR does). An axis counts when, over the window, its range is below
    50 mg and its SD below 13 mg; the block's score is the number of such axes; a score of 1
    between two blocks scoring 2 or 3 becomes 2, and a block is non-wear when its score is 2 or
    more (GGIR's ``nonwearscore > 1``). A last block shorter than 15 min (GGIR leaves it out)
    takes the score of the block before it. Windows are built from epoch sums, so they start on
    epoch edges.

``"actipass"``
    The Acti4 rule as ActiPASS and acti-motus run it (Skotte et al. 2014, J Phys Act Health
    11:76-84; Acti4 ``NotWorn.m``, July 2020; ActiPASS ``library/NotWorn.m``; acti-motus
    ``Sensor.get_non_wear``, constants ``SHORT_OFF_BOUTS = 600``, ``LONG_OFF_BOUTS = 5400``,
    ``ON_BOUTS = 60``, ``DEGREES_TOLERANCE = 5``). Per second, the SD of each axis over a 2-s
    window; a second is still when the mean of the three SDs is below 0.01 g. A still run longer
    than 90 min is non-wear; one of 10-90 min is non-wear when the summed SD of the three axes
    exceeded 0.5 g in the seconds 15 to 10 before it began (the device was handled as it was
    taken off) *and* the sensor lay flat: mean inclination of the long axis 90 +- 5 deg, side
    tilt 0 +- 5 deg and forward tilt +-90 +- 5 deg (lying on a table, face up or down). Wear
    runs shorter than 60 s between non-wear runs are non-wear. This is the rule that finds a
    shower-length removal. It needs 1-s epochs.

``"temperature"``
    The combined temperature and acceleration rule of Zhou et al. 2015 (BMJ Open 5:e007447;
    also in scikit-digital-health's ``CtaWearDetection``), per clock minute: worn when the
    sensor's mean temperature is at least 26 deg C; non-wear when it is below 26 deg C and at
    least two axes have an SD below 13 mg; otherwise (cool but moving) worn when the
    temperature rose since the minute before and non-wear when it fell (unchanged: as the minute
    before). A sensor taken off cools toward room temperature, so this confirms removals that
    the still rules alone would call quiet sitting. Zhou's 26 deg C was set for GENEActiv;
    the SD criterion here is GGIR's 13 mg (Zhou's own is lower, for GENEActiv's noise), so that
    one still minute means the same in every rule. Files without a temperature (ActiGraph,
    text exports without a temperature column) are left to the other rules, and the rule text
    says so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..errors import InputError
from . import activity_types

__all__ = ["NONWEAR_RULES", "NONWEAR_SD_G", "check_rules", "describe_rules"]

#: Standard deviation (g) under which an axis counts as still (GGIR's ``sdcriter``).
NONWEAR_SD_G = 0.013
#: The non-wear rules by name (see the module docstring).
NONWEAR_RULES = ("still", "ggir", "actipass", "temperature")
#: GGIR 2013: block (s), window (s), SD and range criteria (g).
GGIR = {"block_s": 900, "window_s": 3600, "sd_g": 0.013, "range_g": 0.05}
#: Acti4 / ActiPASS / acti-motus: still SD (g), bouts (s), movement (g, s before), tolerance (deg).
ACTIPASS = {"still_sd_g": 0.01, "short_s": 600, "long_s": 5400, "on_s": 60,
            "move_sd_sum_g": 0.5, "move_from_s": 15, "move_to_s": 10, "flat_tol_deg": 5.0}
#: Zhou et al. 2015: temperature threshold (deg C).
ZHOU_TEMP_C = 26.0


def check_rules(nonwear: object) -> tuple[str, ...]:
    """The rule names of ``nonwear`` (a name, a comma list, a sequence of names, or None).

    Examples
    --------
    >>> check_rules("ggir,actipass"), check_rules(None), check_rules(["still"])
    (('ggir', 'actipass'), (), ('still',))
    >>> check_rules("gir")
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: `nonwear` rule 'gir' is not known; the rules are still, \
ggir, actipass, temperature (or none), e.g. nonwear=('ggir', 'actipass').
    """
    if nonwear is None:
        return ()
    if isinstance(nonwear, str):
        names = [n.strip() for n in nonwear.split(",") if n.strip()]
    elif isinstance(nonwear, Sequence):
        names = list(nonwear)
    else:
        names = [nonwear]
    out: list[str] = []
    for name in names:
        if isinstance(name, str) and name.lower() == "none" and len(names) == 1:
            return ()
        if not isinstance(name, str) or name.lower() not in NONWEAR_RULES:
            raise InputError(f"`nonwear` rule {name!r} is not known; the rules are "
                             f"{', '.join(NONWEAR_RULES)} (or none), e.g. "
                             "nonwear=('ggir', 'actipass').")
        if name.lower() not in out:
            out.append(name.lower())
    return tuple(out)


def describe_rules(rules: Sequence[str], *, nonwear_min: float | None,
                   temperature_recorded: bool = True) -> str:
    """The rule text of the non-wear rules, each named with its parameters.

    Examples
    --------
    >>> describe_rules(["still"], nonwear_min=90)
    "non-wear = >= 90 min with every minute's SD < 13 mg on >= 2 axes"
    >>> text = describe_rules(["ggir", "temperature"], nonwear_min=90,
    ...                       temperature_recorded=False)
    >>> text[:29], text.endswith("not applied: the file records no temperature")
    ('non-wear = any of: GGIR 2013 ', True)
    """
    parts = []
    for rule in rules:
        if rule == "still":
            parts.append(f">= {nonwear_min:g} min with every minute's SD < "
                         f"{NONWEAR_SD_G * 1000:g} mg on >= 2 axes")
        elif rule == "ggir":
            g = GGIR
            parts.append(
                f"GGIR 2013 (van Hees et al. 2011, 2013): {g['block_s'] // 60}-min blocks, each "
                f"judged on the {g['window_s'] // 60}-min window centred on it; an axis counts "
                f"when its SD < {g['sd_g'] * 1000:g} mg and range < {g['range_g'] * 1000:g} mg; "
                "non-wear when >= 2 axes count"
            )
        elif rule == "actipass":
            a = ACTIPASS
            parts.append(
                f"Acti4/ActiPASS/acti-motus (Skotte et al. 2014): still = mean axis SD of 2-s "
                f"windows < {a['still_sd_g']:g} g; still > {a['long_s'] // 60} min, or "
                f"{a['short_s'] // 60}-{a['long_s'] // 60} min after movement (summed SD > "
                f"{a['move_sd_sum_g']:g} g {a['move_from_s']}-{a['move_to_s']} s before) with "
                f"the sensor flat (+-{a['flat_tol_deg']:g} deg); wear runs < {a['on_s']} s "
                "between non-wear are non-wear"
            )
        elif rule == "temperature":
            text = (f"temperature (Zhou et al. 2015): per minute, worn when >= {ZHOU_TEMP_C:g} "
                    f"deg C; below it, non-wear when SD < {NONWEAR_SD_G * 1000:g} mg on >= 2 "
                    "axes, else by the temperature's trend (falling = non-wear)")
            if not temperature_recorded:
                text += " - not applied: the file records no temperature"
            parts.append(text)
    if not parts:
        return ""
    if len(parts) == 1:
        return "non-wear = " + parts[0]
    return "non-wear = any of: " + "; ".join(parts)


def _runs(flag: np.ndarray, breaks: np.ndarray | None = None
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Starts, lengths and values of the runs of ``flag`` (``breaks``: True where a run must
    start anew, e.g. after a gap in the recording)."""
    if flag.size == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, flag[:0]
    new = np.r_[True, flag[1:] != flag[:-1]]
    if breaks is not None:
        new |= breaks
    starts = np.flatnonzero(new)
    return starts, np.diff(np.r_[starts, flag.size]), flag[starts]


def still_minutes(mins: np.ndarray, msum: np.ndarray, epochs: np.ndarray,
                  minutes: float) -> np.ndarray:
    """``"still"``: epochs in runs of at least ``minutes`` still clock minutes.

    ``mins`` are the minute ids, ``msum`` their sums (Σx, Σy, Σz, Σx², Σy², Σz², n, ...) and
    ``epochs`` the number of epochs in each minute; returns one flag per epoch.

    Examples
    --------
    >>> msum = np.tile([60.0, 0, 0, 60, 0, 0, 60], (3, 1))       # three still minutes
    >>> still_minutes(np.arange(3), msum, np.full(3, 2), 2).tolist()
    [True, True, True, True, True, True]
    """
    still = _still_axes(msum) >= 2
    starts, lengths, values = _runs(still, np.r_[True, np.diff(mins) != 1])
    off_min = np.repeat(values & (lengths >= minutes), lengths)
    return np.repeat(off_min, epochs)


def _still_axes(msum: np.ndarray) -> np.ndarray:
    """How many axes have an SD below :data:`NONWEAR_SD_G`, per row of sums."""
    n = msum[:, 6:7]
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(np.maximum(msum[:, 3:6] / n - (msum[:, 0:3] / n) ** 2, 0.0))
    return (sd < NONWEAR_SD_G).sum(axis=1)


def ggir_2013(idx: np.ndarray, sums: np.ndarray, extremes: np.ndarray,
              epoch_ns: int) -> np.ndarray:
    """``"ggir"``: GGIR's 2013 rule, one flag per epoch.

    ``idx`` are the epoch ids (epoch start = ``idx * epoch_ns``), ``sums`` the epochs' Σx, Σy,
    Σz, Σx², Σy², Σz², n (first 7 columns) and ``extremes`` their min x, y, z and max x, y, z.

    Examples
    --------
    >>> idx = np.arange(3 * 3600)                          # three hours of 1-s epochs, 10 Hz
    >>> still = np.tile([0.0, 0, 10, 0, 0, 10, 10], (idx.size, 1))   # flat, z = 1 g
    >>> ext = np.tile([0.0, 0, 1, 0, 0, 1], (idx.size, 1))
    >>> int(ggir_2013(idx, still, ext, 10**9).sum()) == idx.size
    True
    """
    if idx.size == 0:
        return np.zeros(0, dtype=bool)
    half_ns = GGIR["block_s"] // 2 * 10**9
    hb = ((idx - idx[0]) * epoch_ns) // half_ns  # half-block of each epoch (non-decreasing)
    n_hb = int(hb[-1]) + 1
    first = np.flatnonzero(np.r_[True, hb[1:] != hb[:-1]])
    dense_sum = np.zeros((n_hb, 7))
    dense_min = np.full((n_hb, 3), np.inf)
    dense_max = np.full((n_hb, 3), -np.inf)
    at = hb[first]
    dense_sum[at] = np.add.reduceat(sums[:, :7], first, axis=0)
    dense_min[at] = np.minimum.reduceat(extremes[:, :3], first, axis=0)
    dense_max[at] = np.maximum.reduceat(extremes[:, 3:6], first, axis=0)
    cum = np.vstack([np.zeros((1, 7)), np.cumsum(dense_sum, axis=0)])
    span = (int(idx[-1]) + 1 - int(idx[0])) * epoch_ns
    nmin = span // (GGIR["block_s"] * 10**9)  # whole 15-min blocks
    if nmin == 0:
        return np.zeros(idx.size, dtype=bool)
    per_window = GGIR["window_s"] // GGIR["block_s"]
    crit = per_window / 2 + 1  # GGIR: ((window / window2) / 2) + 1
    score = np.zeros(nmin, dtype=np.int64)
    for h in range(1, nmin + 1):  # GGIR's 1-based block number and its window
        if h <= crit:
            lo, hi = 0, 2 * per_window
        elif h >= nmin - crit:
            lo, hi = int(2 * (nmin - crit)), 2 * nmin
        else:
            lo, hi = 2 * (h - 1) - 3, 2 * (h - 1) + 5
        lo, hi = max(lo, 0), min(hi, n_hb)
        if hi <= lo:
            continue
        w = cum[hi] - cum[lo]
        n = w[6]
        if n < 2:
            continue
        mean = w[0:3] / n
        sd = np.sqrt(np.maximum((w[3:6] - n * mean**2) / (n - 1), 0.0))  # R's sd()
        rng = dense_max[lo:hi].max(axis=0) - dense_min[lo:hi].min(axis=0)
        score[h - 1] = int(((rng < GGIR["range_g"]) & (sd < GGIR["sd_g"])).sum())
    ones = np.flatnonzero(score == 1)
    ones = ones[(ones > 0) & (ones < nmin - 1)]
    lifted = ones[(score[ones - 1] > 1) & (score[ones + 1] > 1)]
    score[lifted] = 2
    block = np.minimum(hb // 2, nmin - 1)
    return score[block] > 1


def actipass(idx: np.ndarray, sums: np.ndarray, *, long_axis: int = 0) -> np.ndarray:
    """``"actipass"``: the Acti4 / ActiPASS / acti-motus rule on 1-s epochs, one flag per epoch.

    ``sums`` has the epochs' Σx, Σy, Σz, Σx², Σy², Σz², n (first 7 columns); ``long_axis`` is
    the axis along the thigh (the one after the next points out of its front).

    Examples
    --------
    >>> s_move = np.tile([0.0, 0, 0, 20, 20, 20, 20], (60, 1))   # 60 s of handling: SD 1 g
    >>> s_flat = np.tile([0.0, 0, 20, 0, 0, 20, 20], (1200, 1))  # 20 min flat, z = 1 g
    >>> flags = actipass(np.arange(1260), np.vstack([s_move, s_flat]))
    >>> int(flags.sum()), int(flags[:60].sum())   # the 2-s window at 60 s still moves
    (1199, 0)
    """
    a = ACTIPASS
    if idx.size == 0:
        return np.zeros(0, dtype=bool)
    order = [long_axis, (long_axis + 1) % 3, (long_axis + 2) % 3]  # long, side, forward
    feat_sums = np.column_stack([sums[:, order], sums[:, [3 + k for k in order]],
                                 np.zeros(idx.size), sums[:, 6]])
    f = activity_types.second_features(feat_sums, idx)
    sd = np.sqrt(np.column_stack([f["var_x"], f["var_y"], f["var_z"]]))
    sd_mean, sd_sum = sd.mean(axis=1), sd.sum(axis=1)
    gap = np.r_[True, np.diff(idx) != 1]
    starts, lengths, values = _runs(sd_mean < a["still_sd_g"], gap)
    off = np.zeros(idx.size, dtype=bool)
    for s, length, still in zip(starts.tolist(), lengths.tolist(), values.tolist()):
        if not still or length <= a["short_s"]:
            continue
        ok = length > a["long_s"]
        if not ok:  # movement 15 to 10 s before the still run began
            lo = np.searchsorted(idx, idx[s] - a["move_from_s"], side="left")
            hi = np.searchsorted(idx, idx[s] - a["move_to_s"], side="right")
            ok = hi > lo and float(sd_sum[lo:hi].max()) > a["move_sd_sum_g"]
        off[s : s + length] = ok
    starts, lengths, values = _runs(off)
    for s, length, v in zip(starts.tolist(), lengths.tolist(), values.tolist()):
        if not v and length < a["on_s"]:
            off[s : s + length] = True  # short wear between (or beside) non-wear
    norm = np.sqrt(f["x"] ** 2 + f["y"] ** 2 + f["z"] ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        incl = np.degrees(np.arccos(np.clip(f["x"] / norm, -1, 1)))
        side = np.degrees(-np.arcsin(np.clip(f["y"] / norm, -1, 1)))
        forward = np.degrees(-np.arcsin(np.clip(f["z"] / norm, -1, 1)))
    tol = a["flat_tol_deg"]
    starts, lengths, values = _runs(off)
    for s, length, v in zip(starts.tolist(), lengths.tolist(), values.tolist()):
        if not v or length > a["long_s"]:
            continue
        m = [float(np.nanmean(v_[s : s + length])) for v_ in (incl, side, forward)]
        flat = abs(m[0] - 90) < tol and abs(m[1]) < tol and abs(abs(m[2]) - 90) < tol
        if not flat:
            off[s : s + length] = False
    return off


def zhou_temperature(mins: np.ndarray, msum: np.ndarray, temp_sum: np.ndarray,
                     epochs: np.ndarray) -> np.ndarray:
    """``"temperature"``: Zhou et al. 2015, per clock minute, one flag per epoch.

    ``temp_sum`` is each minute's sum of sample temperatures (deg C); minutes without a
    temperature are worn.

    Examples
    --------
    >>> msum = np.tile([0.0, 0, 60, 0, 0, 60, 60], (4, 1))      # four still minutes
    >>> temp = np.array([31.0, 28, 25, 24]) * 60                   # cooling after removal
    >>> zhou_temperature(np.arange(4), msum, temp, np.ones(4, int)).tolist()
    [False, False, True, True]
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        t = temp_sum / msum[:, 6]
    still = _still_axes(msum) >= 2
    wear = np.full(t.size, -1, dtype=np.int8)
    wear[t >= ZHOU_TEMP_C] = 1
    wear[(t < ZHOU_TEMP_C) & still] = 0
    wear[np.isnan(t)] = 1
    follows = np.r_[False, np.diff(mins) == 1]
    prev_t = np.r_[np.nan, t[:-1]]
    undecided = wear == -1
    wear[undecided & follows & (t > prev_t)] = 1
    wear[undecided & follows & (t < prev_t)] = 0
    wear[undecided & ~follows] = 1
    for k in np.flatnonzero(wear == -1).tolist():  # unchanged temperature: as the minute before
        wear[k] = wear[k - 1]
    return np.repeat(wear == 0, epochs)
