"""Activity types from a thigh accelerometer, as Acti4 classifies them.

The rules follow Acti4 (Skotte J, Korshøj M, Kristiansen J, Hanisch C, Holtermann A. Detection
of physical activity types using triaxial accelerometers. J Phys Act Health 2014;11:76-84,
doi:10.1123/jpah.2011-0347) with the thresholds, bout lengths and calibration of its Python
successor acti-motus (National Research Centre for the Working Environment, Denmark, and SENS
Innovation; BSD-3-Clause; ``acti_motus/classifications/thigh.py`` and ``settings.py``), the
open code of the ActiPASS/Acti4 line. The sensor sits on the front of the thigh with its x axis
along the thigh (pointing up when standing) and its z axis out of the thigh's front.

Features, per second (1-s steps of 2-s windows, i.e. 50 % overlap; acti-motus pads the first
window with the first second): the mean acceleration (x, y, z) and the SD of each axis. From the
mean: inclination = angle of x from vertical, ``arccos(x/|a|)``; forward angle (acti-motus
"direction") = ``-arcsin(z/|a|)``, the thigh raised forward; thigh rotation about its long axis
= ``|arcsin(y/sqrt(y² + z²))|``.

Orientation (acti-motus' flip checks): the sensor is upside down when the median x of the
upright seconds (inclination < 45° or > 135°) is negative (x and y are negated), and inside out
when the median z of the seconds with inclination > 45° is positive (y and z are negated).

Reference angle, per wearer (acti-motus ``calculate_reference_angle``): the walking seconds
(0.1 < SD x < 0.72 g, inclination < 45°, forward angle < 10°) give ``(median forward angle - 6)
x 0.725 - 5.569`` degrees; without walking, or outside -30..15°, the default -16° is used (the
stated fallback; both are reported). The mean and SDs are then rotated by it about the y axis
(the SD of the rotated x from the sums, exactly).

Classes, first match wins (``move`` when none matches), each candidate mask smoothed by a
running median (majority) of ``2 b - 1`` seconds applied twice, ``b`` its bout length:

=========  ====================================================================  =====
class      rule                                                                  b (s)
=========  ====================================================================  =====
cycle      forward > 25°, inclination < 90°, SD x > 0.1 g (9-s median), and       15
           (HL ratio < 0.5 or forward > 40°)
stairs     stairs threshold < forward < 40°, 0.1 < SD x < 0.72 g, incl. < 45°      5
run        SD x > 0.72 g, inclination < 45°                                       2
walk       0.1 < SD x < 0.72 g, forward < stairs threshold, inclination < 45°     2
stand      inclination < 45°, largest SD < 0.1 g                                  2
sit        inclination > 45°                                                      5
move       anything else (upright, moving, not walking)                           2
lie        a sit bout longer than 1 s in which the thigh rotation crosses 64-65°  1
=========  ====================================================================  =====

The stairs threshold is 4° above the median forward angle of walking-like seconds (0.25 < SD x
< 0.72 g, forward < 25°). Where acti-motus stops (no such seconds), this module asks for at
least 30 of them, then tries 0.1 < SD x (all walking), and without 30 of those finds no stairs.
After the first match, bouts no longer than their class' bout length are given to the
neighbouring classes (the first half to the class before, the second half to the class after;
classes in the order cycle, stairs, run, walk, move, stand, sit), then lying is split from
sitting and short sit and lie bouts are
fixed again. A gap in the recording starts the sequence afresh.

Where this departs from acti-motus (stated in the rule of every table made with it): samples are
not resampled to 30 Hz nor low-pass filtered at 5 Hz before the SDs (they are taken from the
samples as recorded, in the chunked sums, which keeps a week at 100 Hz fast); the HL ratio
(mean |1-Hz high-pass| over mean |1-Hz low-pass| of z in 4-s windows) is approximated from the
same sums as ``sqrt(2/pi) x mean within-second SD of z / |mean z|`` over 4 s; rowing (which
acti-motus adds) and the cadence test that turns fast walking into running are not applied, and
no steps are counted; orientation and the reference angle are judged once per recording rather
than per wear period.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ACTI4", "ACTIVITY_TYPES", "BOUT_S", "classify_seconds", "second_features"]

#: Activity types, in the order of their integer codes.
ACTIVITY_TYPES = ("nonwear", "lie", "sit", "stand", "move", "walk", "run", "stairs", "cycle")

#: Thresholds (acti-motus / Acti4): g for SDs, degrees for angles.
ACTI4 = {
    "stationary_deg": 45.0,
    "move_sd_g": 0.1,
    "run_sd_g": 0.72,
    "bicycle_deg": 40.0,
    "bicycle_low_deg": 25.0,
    "bicycle_max_incl_deg": 90.0,
    "hl_ratio": 0.5,
    "stairs_above_walk_deg": 4.0,
    "lie_low_deg": 64.0,
    "lie_high_deg": 65.0,
    "lie_noise_deg": 0.05,
    "default_reference_deg": -16.0,
    "reference_range_deg": (-30.0, 15.0),
}

#: Bout lengths in seconds (acti-motus ``BOUTS_LENGTH``).
BOUT_S = {"sit": 5, "stand": 2, "move": 2, "walk": 2, "run": 2, "stairs": 5, "cycle": 15,
          "lie": 1}

_CODE = {name: k for k, name in enumerate(ACTIVITY_TYPES)}
_MIN_WALK_S = 30  # walking seconds needed for the stairs threshold (ours: a median of a few
#                   transition seconds is no threshold)


def second_features(sums: np.ndarray, idx: np.ndarray) -> dict[str, np.ndarray]:
    """Per-second features of the 2-s windows from per-second sums.

    ``sums`` has one row per recorded second: Σx, Σy, Σz, Σx², Σy², Σz², Σxz and the sample
    count; ``idx`` the second of each row. Window ``j`` adds seconds ``j - 1`` and ``j`` (the
    first second of a recording, or after a gap, doubles itself, as acti-motus pads).

    Examples
    --------
    >>> s = np.array([[10.0, 0, 0, 10, 0, 0, 0, 10], [10.0, 0, 0, 10, 0, 0, 0, 10]])
    >>> f = second_features(s, np.array([0, 1]))
    >>> f["x"].tolist(), f["var_x"].tolist()
    ([1.0, 1.0], [0.0, 0.0])
    """
    prev = np.r_[0, np.arange(idx.size - 1)]
    fresh = np.r_[True, np.diff(idx) != 1]
    prev[fresh] = np.flatnonzero(fresh)
    w = sums + sums[prev]
    n = w[:, 7]
    mean = w[:, 0:3] / n[:, None]
    var = np.maximum((w[:, 3:6] - n[:, None] * mean**2) / np.maximum(n - 1, 1)[:, None], 0.0)
    cov = (w[:, 6] - n * mean[:, 0] * mean[:, 2]) / np.maximum(n - 1, 1)
    # within-second SD of z, for the HL-ratio proxy (4-s windows from this second on)
    n1 = sums[:, 7]
    sd1 = np.sqrt(np.maximum(sums[:, 5] / n1 - (sums[:, 2] / n1) ** 2, 0.0))
    return {"x": mean[:, 0], "y": mean[:, 1], "z": mean[:, 2], "var_x": var[:, 0],
            "var_y": var[:, 1], "var_z": var[:, 2], "cov_xz": cov, "sd1_z": sd1}


def _angles(x, y, z):
    norm = np.sqrt(x * x + y * y + z * z)
    with np.errstate(invalid="ignore", divide="ignore"):
        incl = np.degrees(np.arccos(np.clip(x / norm, -1, 1)))
        forward = np.degrees(-np.arcsin(np.clip(z / norm, -1, 1)))
    return np.nan_to_num(incl, nan=90.0), np.nan_to_num(forward)


def _orient(f: dict[str, np.ndarray], worn: np.ndarray) -> list[str]:
    """Flip the axes of an upside-down or inside-out sensor (acti-motus' checks); say which."""
    notes = []
    incl, _ = _angles(f["x"], f["y"], f["z"])
    upright = worn & ((incl < 45) | (incl > 135))
    if upright.any() and np.median(f["x"][upright]) < 0:
        f["x"], f["y"] = -f["x"], -f["y"]
        f["cov_xz"] = -f["cov_xz"]
        notes.append("upside down (x, y negated)")
    incl, _ = _angles(f["x"], f["y"], f["z"])
    seated = worn & (incl > 45)
    if seated.any() and np.median(f["z"][seated]) > 0:
        f["y"], f["z"] = -f["y"], -f["z"]
        f["cov_xz"] = -f["cov_xz"]
        notes.append("inside out (y, z negated)")
    return notes


def reference_angle(f: dict[str, np.ndarray], worn: np.ndarray) -> tuple[float, str]:
    """The wearer's reference angle (degrees) from walking, or the default; and which."""
    incl, forward = _angles(f["x"], f["y"], f["z"])
    sd_x = np.sqrt(f["var_x"])
    walk = worn & (sd_x > 0.1) & (sd_x < 0.72) & (incl < 45) & (forward < 10)
    lo, hi = ACTI4["reference_range_deg"]
    if walk.any():
        angle = (float(np.median(forward[walk])) - 6.0) * 0.725 - 5.569
        if lo <= angle <= hi:
            return angle, f"calibrated from {int(walk.sum())} s of walking"
        return ACTI4["default_reference_deg"], (f"default (walking gave {angle:.1f} deg, outside "
                                                f"{lo:g}..{hi:g})")
    return ACTI4["default_reference_deg"], "default (no walking found)"


def _rotate(f: dict[str, np.ndarray], angle_deg: float) -> dict[str, np.ndarray]:
    """Rotate means and (co)variances about y: x' = c x - s z, z' = s x + c z."""
    a = np.radians(angle_deg)
    c, s = np.cos(a), np.sin(a)
    x, z = f["x"], f["z"]
    vx, vz, cxz = f["var_x"], f["var_z"], f["cov_xz"]
    return {
        "x": c * x - s * z, "y": f["y"], "z": s * x + c * z,
        "sd_x": np.sqrt(np.maximum(c * c * vx + s * s * vz - 2 * c * s * cxz, 0.0)),
        "sd_y": np.sqrt(f["var_y"]),
        "sd_z": np.sqrt(np.maximum(s * s * vx + c * c * vz + 2 * c * s * cxz, 0.0)),
        "sd1_z": f["sd1_z"],
    }


def _majority(mask: np.ndarray, width: int) -> np.ndarray:
    """``scipy.signal.medfilt`` of a 0/1 series (odd ``width``, zero-padded ends), by sums."""
    if width <= 1 or mask.size == 0:
        return mask
    half = width // 2
    c = np.r_[0, np.cumsum(mask.astype(np.int32))]
    i = np.arange(mask.size)
    hi = np.minimum(i + half + 1, mask.size)
    lo = np.maximum(i - half, 0)
    return (c[hi] - c[lo]) > half


def _smooth(mask: np.ndarray, bout_s: int) -> np.ndarray:
    return _majority(_majority(mask, 2 * bout_s - 1), 2 * bout_s - 1)


def _runs(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    return starts, np.diff(np.r_[starts, codes.size])


def _fix_bouts(codes: np.ndarray, name: str, bout_s: int) -> np.ndarray:
    """Give bouts of ``name`` no longer than ``bout_s`` to their neighbours, half each."""
    starts, lengths = _runs(codes)
    values = codes[starts]
    short = np.flatnonzero((values == _CODE[name]) & (lengths <= bout_s))
    if short.size == 0 or starts.size == 1:
        return codes
    out = codes.copy()
    for k in short.tolist():
        s, n = int(starts[k]), int(lengths[k])
        before = values[k - 1] if k > 0 else values[k + 1]
        after = values[k + 1] if k + 1 < values.size else values[k - 1]
        out[s : s + n // 2] = before
        out[s + n // 2 : s + n] = after
    return out


def _lying(codes: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Sit bouts (longer than the lie bout) in which the thigh rotation crosses 64-65 deg."""
    with np.errstate(invalid="ignore", divide="ignore"):
        rot = np.abs(np.degrees(np.arcsin(y / np.sqrt(y * y + z * z))))
    rot = np.nan_to_num(rot)
    step = np.r_[0.0, np.abs(np.diff(rot))] >= ACTI4["lie_noise_deg"]
    low = rot <= ACTI4["lie_low_deg"]
    high = rot >= ACTI4["lie_high_deg"]
    cross_low = np.r_[False, low[1:] != low[:-1]] & step
    cross_high = np.r_[False, high[1:] != high[:-1]] & step
    starts, lengths = _runs(codes)
    out = np.zeros(codes.size, dtype=bool)
    cl = np.r_[0, np.cumsum(cross_low)]
    ch = np.r_[0, np.cumsum(cross_high)]
    for s, n in zip(starts.tolist(), lengths.tolist()):
        if (codes[s] == _CODE["sit"] and n > BOUT_S["lie"] and cl[s + n] > cl[s]
                and ch[s + n] > ch[s]):
            out[s : s + n] = True
    return out


def classify_seconds(
    f: dict[str, np.ndarray], idx: np.ndarray, worn: np.ndarray, *,
    stationary_deg: float = 45.0, reference_deg: float | None = None,
) -> tuple[np.ndarray, dict[str, np.ndarray], dict[str, object]]:
    """Activity type codes (:data:`ACTIVITY_TYPES`) per second, from :func:`second_features`.

    ``worn`` marks the seconds that are not non-wear (they are classified, then non-wear is set
    last, as acti-motus does; orientation and calibration use worn seconds only).
    ``reference_deg`` fixes the reference angle (None: calibrate from walking). Returns the
    codes, the rotated features (``incl``, ``forward``, ``sd_x``...) and a dict describing the
    calibration.

    Examples
    --------
    >>> sums = np.tile([0.0, 0, -10, 0, 0, 10, 0, 10], (20, 1))   # thigh horizontal: sitting
    >>> f = second_features(sums, np.arange(20))
    >>> codes, rot, info = classify_seconds(f, np.arange(20), np.ones(20, bool))
    >>> [ACTIVITY_TYPES[c] for c in set(codes.tolist())], info["reference"]
    (['sit'], 'default (no walking found)')
    """
    f = dict(f)
    flips = _orient(f, worn)
    if reference_deg is None:
        angle, how = reference_angle(f, worn)
    else:
        angle, how = float(reference_deg), "given"
    r = _rotate(f, angle)
    incl, forward = _angles(r["x"], r["y"], r["z"])
    sd_x = r["sd_x"]
    sd_max = np.maximum(np.maximum(sd_x, r["sd_y"]), r["sd_z"])
    # HL-ratio proxy over 4-s windows starting at each second
    k = np.ones(4)
    with np.errstate(invalid="ignore", divide="ignore"):
        hl = (np.sqrt(2 / np.pi) * np.convolve(r["sd1_z"], k, "full")[3:][: idx.size] / 4
              / np.abs(np.convolve(r["z"], k, "full")[3:][: idx.size] / 4))
    hl = np.nan_to_num(hl, nan=np.inf, posinf=np.inf)
    stairs_deg, stairs_how = ACTI4["bicycle_deg"], "none (under 30 s of walking)"
    upright_moving = worn & (sd_x < ACTI4["run_sd_g"]) & (forward < 25) & (incl < stationary_deg)
    for low, what in ((0.25, "walking median + 4"), (ACTI4["move_sd_g"], "walking median + 4, "
                                                     "from SD x > 0.1 g")):
        walkish = upright_moving & (sd_x > low)
        if walkish.sum() >= _MIN_WALK_S:
            stairs_deg = ACTI4["stairs_above_walk_deg"] + float(np.median(forward[walkish]))
            stairs_how = f"{stairs_deg:.1f} deg ({what})"
            break
    codes = np.empty(idx.size, dtype=np.int8)
    seg = np.flatnonzero(np.r_[True, np.diff(idx) != 1])
    for a, b in zip(seg.tolist(), np.r_[seg[1:], idx.size].tolist()):
        codes[a:b] = _classify_segment(incl[a:b], forward[a:b], sd_x[a:b], sd_max[a:b],
                                       hl[a:b], r["y"][a:b], r["z"][a:b],
                                       stationary_deg=stationary_deg, stairs_deg=stairs_deg)
    codes[~worn] = _CODE["nonwear"]
    info = {"reference_deg": angle, "reference": how, "orientation": flips or ["as worn"],
            "stairs_threshold": stairs_how}
    return codes, {"incl": incl, "forward": forward, "sd_x": sd_x, "sd_max": sd_max}, info


def _classify_segment(incl, forward, sd_x, sd_max, hl, y, z, *, stationary_deg, stairs_deg):
    t = ACTI4
    move = t["move_sd_g"] < sd_x
    cycle = (t["bicycle_low_deg"] < forward) & (incl < t["bicycle_max_incl_deg"]) & move
    cycle = _majority(cycle, 9) & ((hl < t["hl_ratio"]) | (forward > t["bicycle_deg"]))
    candidates = [
        ("cycle", cycle),
        ("stairs", (stairs_deg < forward) & (forward < t["bicycle_deg"]) & move
         & (sd_x < t["run_sd_g"]) & (incl < stationary_deg)),
        ("run", (sd_x > t["run_sd_g"]) & (incl < stationary_deg)),
        ("walk", move & (sd_x < t["run_sd_g"]) & (forward < stairs_deg) & (incl < stationary_deg)),
        ("stand", (incl < stationary_deg) & (sd_max < t["move_sd_g"])),
        ("sit", incl > stationary_deg),
    ]
    codes = np.full(incl.size, _CODE["move"], dtype=np.int8)
    done = np.zeros(incl.size, dtype=bool)
    for name, mask in candidates:
        hit = _smooth(mask, BOUT_S[name]) & ~done
        codes[hit] = _CODE[name]
        done |= hit
    for name in ("cycle", "stairs", "run", "walk", "move", "stand", "sit"):
        codes = _fix_bouts(codes, name, BOUT_S[name])
    codes[_lying(codes, y, z)] = _CODE["lie"]
    for name in ("sit", "lie"):
        codes = _fix_bouts(codes, name, BOUT_S[name])
    return codes
