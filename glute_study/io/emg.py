"""Surface EMG: read signal files, detect muscle onsets, and build the ``activation`` table.

Inputs
------
* **Tidy signal file** (the primary input): a CSV with ``time_s`` and one column per muscle
  (``gluteus_maximus``, ``biceps_femoris``, ...), one row per sample.
* **Delsys Trigno CSV** (Trigno Discover / EMGworks export): a preamble (application, date,
  collection length), a row of sensor names (one per channel group), a row of channel labels
  with a time column before each channel (``X [s]`` or ``... Time Series (s)``, then
  ``EMG 1 (mV)``), an optional sampling-rate row (``2148.1481 Hz``), then the samples. Comma or
  semicolon delimited (a semicolon export uses a decimal comma). EMGworks-style labels
  (``X[s], R GLUTEUS MAXIMUS: EMG 1``) without sensor or rate rows are read too. Only the EMG
  channels are kept; they are named after their sensor or label (``Glute Max R (12345)`` ->
  ``gluteus_maximus`` when the name says which muscle it is, else ``EMG 1``) unless ``muscles=``
  names them. Channels sampled at another rate are interpolated onto the first EMG channel's
  time axis.

Onset detection (both return the onset in seconds on the file's time axis, or NaN)
------------------------------------------------------------------------------------
* :func:`onset_hodges_bui` (Hodges & Bui 1996): remove the mean, full-wave rectify, low-pass at
  50 Hz, moving average over ``window_ms``; onset = first sample where that envelope stays above
  baseline mean + ``h`` SD for ``min_duration_ms``.
* :func:`onset_tkeo` (Solnik et al. 2010; Li et al. 2007): band-pass 30-300 Hz, Teager-Kaiser
  energy ``psi[n] = x[n]^2 - x[n-1] x[n+1]``, full-wave rectify, low-pass 50 Hz; onset = first
  sample where it stays above baseline mean + ``j`` SD for ``min_duration_ms``. The TKEO
  sharpens the onset of motor-unit activity and is the more accurate of the two (the default).

The baseline is the first ``baseline_ms`` of the record (500 ms by default): record some rest
before the movement cue. Filters are zero-phase 4th-order Butterworth.

Amplitude: the root mean square in a moving ``window_ms`` (250 ms) window, peak over the trial
(``statistic="peak"``) or mean over onset to end (``"mean"``), divided by the peak of the same
moving RMS in the participant's MVIC trials for that muscle (the largest over MVIC trials) x 100.

References
----------
Hodges PW, Bui BH (1996). A comparison of computer-based methods for the determination of onset
of muscle contraction using electromyography. Electroencephalogr Clin Neurophysiol 101:511-519.
Solnik S, Rider P, Steinweg K, DeVita P, Hortobagyi T (2010). Teager-Kaiser energy operator
signal conditioning improves EMG onset detection. Eur J Appl Physiol 110:489-498.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._checks import check_one_of, require_columns
from .._text import TextFile, parse_numbers, read_text, sniff_delimiter
from ..codebook import HAMSTRING_MUSCLES
from ..errors import GluteStudyWarning, InputError

__all__ = [
    "activation_table",
    "check_manifest",
    "detect_onsets",
    "emg_amplitude",
    "onset_delay",
    "onset_hodges_bui",
    "onset_tkeo",
    "read_emg",
    "synthetic_emg",
]

_MUSCLE_WORDS = (
    (r"glut\w*\s*max|gmax|\bgm\b|gluteus", "gluteus_maximus"),
    (r"glut\w*\s*med|gmed", "gluteus_medius"),
    (r"biceps\s*fem|\bbf\b|bfem", "biceps_femoris"),
    (r"semiten|\bst\b", "semitendinosus"),
    (r"semimem|\bsm\b", "semimembranosus"),
    (r"hamstring", "hamstrings"),
    (r"erector|\bes\b", "erector_spinae"),
)
_EMG_LABEL = re.compile(r"\bEMG")
_MIN_RATE_HZ = 100.0  # below this a file's time column is not in seconds (or not EMG)
_MUSCLE_NAME = re.compile(r"[a-z][a-z0-9_]*")
_KNOWN_MUSCLES = {m for _, m in _MUSCLE_WORDS} | set(HAMSTRING_MUSCLES)
_TIME_LABEL = re.compile(r"x\s*\[\s*s\s*\]|time", re.IGNORECASE)


# ----------------------------------------------------------------------------- reading


def read_emg(path: str | Path, *, muscles: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Read an EMG recording into ``time_s`` plus one column per muscle.

    Parameters
    ----------
    path : str or Path
        A tidy signal CSV (``time_s`` + muscles) or a Delsys Trigno CSV export.
    muscles : mapping, optional
        Rename channels, e.g. ``{"EMG 1": "gluteus_maximus", "EMG 2": "biceps_femoris"}``
        (Trigno: keys may be the channel label, ``EMG 1``, or the sensor name).

    Returns
    -------
    pandas.DataFrame
        ``time_s`` then one float column per muscle. ``.attrs`` holds ``sampling_rate_hz``,
        ``format`` (``"tidy"`` or ``"trigno"``), ``unit`` and ``source``.

    Raises
    ------
    FileFormatError
        Empty or truncated file, no time column, a value that is not a number (names the line
        and column), irregular time steps, or a layout that is neither format.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "trial.csv"
    >>> _ = p.write_text("time_s,gluteus_maximus,biceps_femoris\\n0.000,0.01,0.02\\n"
    ...                  "0.001,0.03,-0.01\\n0.002,-0.02,0.00\\n")
    >>> emg = read_emg(p)
    >>> emg.attrs["sampling_rate_hz"], list(emg.columns)
    (1000.0, ['time_s', 'gluteus_maximus', 'biceps_femoris'])
    """
    text = read_text(path)
    label_row = next((i for i, ln in enumerate(text.lines[:40])
                      if _EMG_LABEL.search(ln) and _TIME_LABEL.search(ln)), None)
    first = text.lines[0].strip().lstrip('"').lower()
    if first.startswith("time_s"):
        frame = _read_tidy(text)
    elif label_row is not None:
        frame = _read_trigno(text, label_row)
    else:
        raise text.error(
            "not an EMG export this reader knows: expected a tidy CSV whose first column is "
            "'time_s' (then one column per muscle) or a Delsys Trigno CSV with channel labels "
            "like 'EMG 1 (mV)'.", line=1)
    if muscles:
        unknown = [k for k in muscles if k not in frame.columns]
        if unknown:
            raise InputError(f"`muscles` names channel(s) {', '.join(map(repr, unknown))} not in "
                             f"{text.path.name} (channels: {', '.join(frame.columns[1:])}).")
        names = [muscles.get(c, c) for c in frame.columns]
        twice = [n for n in names if names.count(n) > 1]
        if twice:
            raise InputError(f"`muscles`: two channels would be called {twice[0]!r} in "
                             f"{text.path.name} (channels: {', '.join(frame.columns[1:])}); "
                             "give each channel its own muscle name.")
        frame = frame.rename(columns=dict(muscles))
    frame.attrs["source"] = str(text.path)
    return frame


def _rate(time: np.ndarray, text: TextFile, first_line: int) -> float:
    if time.size < 3:
        raise text.error("fewer than 3 samples; expected a recording.", line=first_line)
    step = np.diff(time)
    med = float(np.median(step))
    if not med > 0:
        raise text.error("time does not increase; expected time in seconds.", line=first_line)
    bad = np.flatnonzero(np.abs(step - med) > 0.5 * med)
    if bad.size:
        raise text.error(
            f"time jumps from {time[bad[0]]:g} s to {time[bad[0] + 1]:g} s where samples are "
            f"{med:g} s apart; expected one regularly sampled recording (gap or two files "
            "joined?).", line=first_line + int(bad[0]) + 1)
    if 1.0 / med < _MIN_RATE_HZ:
        raise text.error(
            f"time steps of {med:g} s ({1.0 / med:g} Hz); surface EMG is sampled at "
            f"{_MIN_RATE_HZ:g} Hz or more. Is the time in milliseconds? Write it in seconds "
            "(divide by 1000).", line=first_line)
    return round(1.0 / med, 4)


def _check_channel(values: np.ndarray, name: str, text: TextFile, first_line: int) -> None:
    """A channel must hold a value in every row: a NaN would silently void its onset."""
    missing = np.isnan(values)
    if missing.all():
        raise text.error(f"channel '{name}' holds no samples (every cell is empty); remove the "
                         "column or re-export the recording.")
    if missing.any():
        raise text.error(f"channel '{name}' has an empty cell inside the recording; expected a "
                         "value in every row.", line=first_line + int(np.flatnonzero(missing)[0]))


def _read_tidy(text: TextFile) -> pd.DataFrame:
    try:
        delimiter = sniff_delimiter(text.lines[:1])
    except ValueError:
        raise text.error("the first lines do not split into the same number of fields; expected "
                         "a tidy CSV (time_s, then one column per muscle).", line=1) from None
    header = [h.strip().strip('"') for h in text.lines[0].split(delimiter)]
    twice = [h for h in header if header.count(h) > 1]
    if twice:
        raise text.error(f"column '{twice[0]}' appears twice; expected one column per muscle.",
                         line=1)
    rows = [ln.split(delimiter) for ln in text.lines[1:]]
    for i, row in enumerate(rows):
        if len(row) != len(header):
            raise text.error(f"{len(row)} fields where the header has {len(header)}; the file "
                             "looks truncated or a delimiter is misplaced.", line=i + 2)
    decimal = "," if delimiter != "," and any("," in c for r in rows[:50] for c in r) else "."
    data = {}
    for j, name in enumerate(header):
        data[name] = parse_numbers([r[j] for r in rows], text=text, column=name, first_line=2,
                                   decimal=decimal, finite=True)
    for name, values in data.items():
        _check_channel(values, name, text, 2)
    frame = pd.DataFrame(data)
    frame.attrs.update(sampling_rate_hz=_rate(frame["time_s"].to_numpy(), text, 2),
                       format="tidy", unit="as recorded")
    return frame


def _muscle_from_name(name: str) -> str | None:
    low = name.lower()
    for pattern, muscle in _MUSCLE_WORDS:
        if re.search(pattern, low):
            return muscle
    return None


def _read_trigno(text: TextFile, label_row: int) -> pd.DataFrame:
    try:
        delimiter = sniff_delimiter([text.lines[label_row]], candidates=",;\t")
    except ValueError:
        raise text.error("the channel-label row has no delimiter.", line=label_row + 1) from None
    split = [[c.strip().strip('"').strip() for c in ln.split(delimiter)] for ln in text.lines]
    labels = split[label_row]
    emg_cols = [j for j, lab in enumerate(labels)
                if _EMG_LABEL.search(lab) and not _TIME_LABEL.search(lab)]
    # sensor names: the nearest row above the labels with text at the channel-group columns
    sensors = [""] * len(labels)
    for i in range(label_row - 1, max(-1, label_row - 4), -1):
        row = split[i] + [""] * (len(labels) - len(split[i]))
        if sum(bool(c) for c in row) >= max(1, len(emg_cols)) and not row[0].endswith(":"):
            last = ""
            for j in range(len(labels)):
                last = row[j] or last
                sensors[j] = last
            break
    start = label_row + 1
    rate_hz = None
    while start < len(split) and not _numeric_row(split[start]):
        found = re.findall(r"(\d+(?:[.,]\d+)?)\s*Hz", text.lines[start])
        if found:
            rate_hz = float(found[0].replace(",", "."))
        start += 1
    if start >= len(split):
        raise text.error("no samples after the channel labels; the file looks truncated.",
                         line=label_row + 1)
    rows = split[start:]
    width = len(labels)
    decimal = "," if delimiter == ";" else "."
    channels = {}
    time = None
    for j in emg_cols:
        tcol = j - 1
        if tcol < 0 or not _TIME_LABEL.search(labels[tcol]):
            raise text.error(f"channel '{labels[j]}' has no time column before it; expected "
                             "'X [s]' or '... Time Series (s)' then the channel.",
                             line=label_row + 1)
        cells = [r[j] if len(r) > j else "" for r in rows]
        tcells = [r[tcol] if len(r) > tcol else "" for r in rows]
        n = len(cells)
        while n and not cells[n - 1] and not tcells[n - 1]:
            n -= 1  # channels sampled more slowly end in blank cells
        for i, r in enumerate(rows[:n]):
            if len(r) < min(width, j + 1):
                raise text.error(f"{len(r)} fields where the labels have {width}; the file "
                                 "looks truncated.", line=start + i + 1)
        values = parse_numbers(cells[:n], text=text, column=labels[j], first_line=start + 1,
                               decimal=decimal, finite=True)
        gap = np.flatnonzero(np.isnan(values))
        if gap.size:
            raise text.error(f"channel '{labels[j]}' has an empty cell inside the recording; "
                             "expected a value in every row up to its last sample.",
                             line=start + int(gap[0]) + 1)
        t = parse_numbers(tcells[:n], text=text, column=labels[tcol], first_line=start + 1,
                          decimal=decimal, finite=True)
        if time is None:
            time = t
            rate = _rate(time, text, start + 1)
        elif t.size != time.size or not np.allclose(t, time, atol=0.5 / rate):
            values = np.interp(time, t, values, left=np.nan, right=np.nan)
        label = re.sub(r"\s*\(.*\)\s*$", "", labels[j]).strip()  # "EMG 1 (mV)" -> "EMG 1"
        label = label.split(":")[-1].strip() or label  # "R GLUTEUS MAX: EMG 1" -> "EMG 1"
        name = _muscle_from_name(sensors[j]) or _muscle_from_name(labels[j]) or label
        if name in channels:
            name = f"{name}_{label.replace(' ', '_').lower()}"
        channels[name] = values
    frame = _common_span(pd.DataFrame({"time_s": time, **channels}), text)
    unit = re.search(r"\(\s*((m|µ|u)?V)\s*\)", labels[emg_cols[0]])
    frame.attrs.update(sampling_rate_hz=rate_hz or rate, format="trigno",
                       unit=unit.group(1) if unit else "")
    frame.attrs["channels"] = {
        name: {"label": labels[j], "sensor": sensors[j]} for name, j in zip(channels, emg_cols)
    }
    return frame


def _common_span(frame: pd.DataFrame, text: TextFile) -> pd.DataFrame:
    """Keep the rows every channel covers (channels at other rates end a sample apart).

    Interpolated channels are NaN outside their own time span; a NaN would void a channel's
    onset, so the one or two rows at either end are dropped. A channel that stops much earlier
    (a dropped sensor) is refused instead.
    """
    covered = frame.notna().all(axis=1).to_numpy()
    if covered.all():
        return frame
    keep = np.flatnonzero(covered)
    lost = len(frame) - (keep.size and keep[-1] - keep[0] + 1)
    if keep.size == 0 or lost > max(2, 0.01 * len(frame)):
        name = frame.columns[frame.isna().sum().to_numpy().argmax()]
        span = frame["time_s"][frame[name].notna()]
        where = (f"{span.iloc[0]:g} to {span.iloc[-1]:g} s" if len(span) else "no time")
        raise text.error(f"channel '{name}' covers {where} of a recording from "
                         f"{frame['time_s'].iloc[0]:g} to {frame['time_s'].iloc[-1]:g} s; "
                         "expected every EMG channel over the whole recording (a sensor "
                         "dropped out?). Export the channels separately.")
    out = frame.iloc[keep[0]:keep[-1] + 1].reset_index(drop=True)
    out.attrs["trimmed_samples"] = int(lost)
    return out


def _numeric_row(cells: list[str]) -> bool:
    filled = [c for c in cells if c]
    return bool(filled) and all(re.fullmatch(r"[-+]?\d*[.,]?\d+([eE][-+]?\d+)?|(?i:nan)", c)
                                for c in filled)


# ----------------------------------------------------------------------------- synthetic


def synthetic_emg(
    *,
    onset_s: float = 1.0,
    snr_db: float = 10.0,
    fs: float = 2000.0,
    duration_s: float = 2.5,
    seed: int = 1,
) -> np.ndarray:
    """Simulate one EMG channel with a known onset, for checking onset detection.

    Baseline: white Gaussian noise (SD 1). From ``onset_s`` on, an EMG-like burst is added:
    Gaussian noise band-passed to 20-450 Hz, scaled so that the burst power is ``snr_db`` above
    the noise power (10 dB = an RMS ratio of 3.16).

    Examples
    --------
    >>> x = synthetic_emg(onset_s=1.0, snr_db=10, fs=2000, seed=3)
    >>> x.shape
    (5000,)
    >>> ratio = x[2000:].std() / x[:2000].std()
    >>> bool(3.0 < ratio < 3.6)
    True
    """
    from scipy.signal import butter, sosfiltfilt

    rng = np.random.default_rng(seed)
    n = int(round(duration_s * fs))
    noise = rng.standard_normal(n)
    burst = rng.standard_normal(n)
    high = min(450.0, 0.45 * fs)
    burst = sosfiltfilt(butter(4, [20.0, high], btype="band", fs=fs, output="sos"), burst)
    k = int(round(onset_s * fs))
    active = burst[k:]
    active *= np.sqrt(10 ** (snr_db / 10)) / active.std()
    out = noise.copy()
    out[k:] += active
    return out


# ----------------------------------------------------------------------------- onsets


def _check_length(n: int, fs: float, baseline_ms: float, min_duration_ms: float) -> None:
    """The record must hold the baseline and one hold period after it (else no onset can be)."""
    m = int(round(baseline_ms * fs / 1000))
    hold = max(1, int(round(min_duration_ms * fs / 1000)))
    if n < max(m + hold, 30):
        raise InputError(
            f"the signal has {n} samples ({1000 * n / fs:g} ms at {fs:g} Hz); onset detection "
            f"needs the baseline (baseline_ms={baseline_ms:g}: {m} samples) and at least "
            f"min_duration_ms={min_duration_ms:g} ({hold} samples) after it. Record longer "
            "trials (rest before the cue) or pass a shorter baseline_ms.")


def _baseline(env: np.ndarray, fs: float, baseline_ms: float) -> tuple[float, float]:
    m = int(round(baseline_ms * fs / 1000))
    if m < 10 or m >= env.size:
        raise InputError(f"`baseline_ms`={baseline_ms:g} gives {m} baseline samples of "
                         f"{env.size}; record at least 50 ms of rest before the movement.")
    base = env[:m]
    return float(base.mean()), float(base.std(ddof=1))


def _first_held(above: np.ndarray, hold: int, start: int) -> int | None:
    hold = max(1, hold)
    run = np.convolve(above.astype(np.int32), np.ones(hold, dtype=np.int32), mode="valid")
    idx = np.flatnonzero(run[start:] == hold)
    return int(idx[0]) + start if idx.size else None


def _lowpass(x: np.ndarray, fs: float, cutoff: float) -> np.ndarray:
    from scipy.signal import butter, sosfiltfilt

    return sosfiltfilt(butter(4, min(cutoff, 0.45 * fs), fs=fs, output="sos"), x)


def onset_hodges_bui(
    signal: np.ndarray,
    fs: float,
    *,
    h: float = 3.0,
    window_ms: float = 25.0,
    min_duration_ms: float = 25.0,
    baseline_ms: float = 500.0,
) -> float:
    """Onset time (s from the first sample) by Hodges & Bui's threshold on the EMG envelope.

    Steps: remove the mean; full-wave rectify; low-pass 50 Hz (zero-phase); moving average over
    ``window_ms`` (centred); threshold = mean + ``h`` SD of the envelope over the first
    ``baseline_ms``; onset = first sample after the baseline from which the envelope stays above
    the threshold for ``min_duration_ms``. NaN if it never does.

    Examples
    --------
    >>> x = synthetic_emg(onset_s=1.0, snr_db=20, seed=2)
    >>> round(onset_hodges_bui(x, 2000.0), 2)
    1.0
    """
    x = np.asarray(signal, dtype=float)
    _check_length(x.size, fs, baseline_ms, min_duration_ms)
    env = _lowpass(np.abs(x - x.mean()), fs, 50.0)
    w = max(1, int(round(window_ms * fs / 1000)))
    env = np.convolve(env, np.ones(w) / w, mode="same")
    mean, sd = _baseline(env, fs, baseline_ms)
    start = int(round(baseline_ms * fs / 1000))
    hold = int(round(min_duration_ms * fs / 1000))
    i = _first_held(env > mean + h * sd, hold, start)
    return np.nan if i is None else i / fs


def onset_tkeo(
    signal: np.ndarray,
    fs: float,
    *,
    j: float = 6.0,
    min_duration_ms: float = 25.0,
    baseline_ms: float = 500.0,
    bandpass_hz: tuple[float, float] | None = (30.0, 300.0),
) -> float:
    """Onset time (s from the first sample) by Solnik's Teager-Kaiser energy operator method.

    Steps: band-pass ``bandpass_hz`` (zero-phase; ``None`` skips it); ``psi[n] = x[n]^2 -
    x[n-1] x[n+1]``; full-wave rectify; low-pass 50 Hz; threshold = mean + ``j`` SD over the
    first ``baseline_ms``; onset = first sample after the baseline from which the conditioned
    signal stays above the threshold for ``min_duration_ms``. NaN if it never does.

    Examples
    --------
    >>> x = synthetic_emg(onset_s=1.2, snr_db=10, seed=5)
    >>> abs(onset_tkeo(x, 2000.0) - 1.2) < 0.01
    True
    """
    from scipy.signal import butter, sosfiltfilt

    x = np.asarray(signal, dtype=float)
    _check_length(x.size, fs, baseline_ms, min_duration_ms)
    x = x - x.mean()
    if bandpass_hz is not None:
        low, high = bandpass_hz
        x = sosfiltfilt(butter(4, [low, min(high, 0.45 * fs)], btype="band", fs=fs,
                               output="sos"), x)
    psi = np.empty_like(x)
    psi[1:-1] = x[1:-1] ** 2 - x[:-2] * x[2:]
    psi[0], psi[-1] = psi[1], psi[-2]
    env = _lowpass(np.abs(psi), fs, 50.0)
    mean, sd = _baseline(env, fs, baseline_ms)
    start = int(round(baseline_ms * fs / 1000))
    hold = int(round(min_duration_ms * fs / 1000))
    i = _first_held(env > mean + j * sd, hold, start)
    return np.nan if i is None else i / fs


_METHODS = {"tkeo": onset_tkeo, "hodges_bui": onset_hodges_bui}


def detect_onsets(emg: pd.DataFrame, *, method: str = "tkeo", **params: Any) -> pd.Series:
    """Onset of every muscle in a recording, in seconds on its ``time_s`` axis.

    Parameters
    ----------
    emg : pandas.DataFrame
        From :func:`read_emg`: ``time_s`` then one column per muscle.
    method : {"tkeo", "hodges_bui"}
        :func:`onset_tkeo` (default) or :func:`onset_hodges_bui`.
    **params
        Passed to the method (``j``, ``h``, ``window_ms``, ``min_duration_ms``,
        ``baseline_ms``, ``bandpass_hz``).

    Returns
    -------
    pandas.Series
        One onset per muscle column (NaN where none was found).

    Examples
    --------
    >>> emg = pd.DataFrame({"time_s": np.arange(5000) / 2000 - 1.0,
    ...                     "gluteus_maximus": synthetic_emg(onset_s=1.1, seed=1),
    ...                     "biceps_femoris": synthetic_emg(onset_s=1.0, seed=2)})
    >>> detect_onsets(emg).round(2)
    gluteus_maximus    0.1
    biceps_femoris     0.0
    dtype: float64
    """
    check_one_of("method", method, _METHODS)
    require_columns(emg, ["time_s"], where="the EMG recording")
    time = emg["time_s"].to_numpy(dtype=float)
    fs = 1.0 / float(np.median(np.diff(time)))
    out = {}
    for col in emg.columns.drop("time_s"):
        at = _METHODS[method](emg[col].to_numpy(dtype=float), fs, **params)
        out[col] = np.nan if np.isnan(at) else time[0] + at
    return pd.Series(out, dtype=float)


def emg_amplitude(
    emg: pd.DataFrame,
    *,
    window_ms: float = 250.0,
    statistic: str = "peak",
    onsets: pd.Series | None = None,
) -> pd.Series:
    """Amplitude of every muscle: the peak (or mean) of a moving RMS, in the signal's unit.

    ``statistic="peak"``: the largest ``window_ms`` moving RMS over the record (the MVIC
    reference uses this). ``"mean"``: mean moving RMS from each muscle's onset (``onsets``, as
    from :func:`detect_onsets`) to the end of the record.

    Examples
    --------
    >>> emg = pd.DataFrame({"time_s": np.arange(4) / 1000, "gluteus_maximus": [1, -1, 1, -1]})
    >>> emg_amplitude(emg, window_ms=2)
    gluteus_maximus    1.0
    dtype: float64
    """
    check_one_of("statistic", statistic, ("peak", "mean"))
    require_columns(emg, ["time_s"], where="the EMG recording")
    time = emg["time_s"].to_numpy(dtype=float)
    fs = 1.0 / float(np.median(np.diff(time)))
    w = max(1, int(round(window_ms * fs / 1000)))
    out = {}
    for col in emg.columns.drop("time_s"):
        x = emg[col].to_numpy(dtype=float)
        x = x - np.nanmean(x)
        power = np.convolve(x ** 2, np.ones(w) / w, mode="valid")
        rms = np.sqrt(np.maximum(power, 0))
        if statistic == "peak":
            out[col] = float(rms.max()) if rms.size else np.nan
        else:
            at = np.nan if onsets is None else onsets.get(col, np.nan)
            if np.isnan(at):
                out[col] = np.nan
                continue
            first = int(np.searchsorted(time, at))
            part = rms[min(first, rms.size - 1):]
            out[col] = float(part.mean())
    return pd.Series(out, dtype=float)


# ----------------------------------------------------------------------------- tables

_MANIFEST = ("path", "participant_id", "date", "task")


def activation_table(
    manifest: pd.DataFrame,
    *,
    method: str = "tkeo",
    amplitude: str = "peak",
    muscles: Mapping[str, str] | None = None,
    root: str | Path | None = None,
    **params: Any,
) -> pd.DataFrame:
    """Rows of the codebook ``activation`` table from a list of EMG trial files.

    Parameters
    ----------
    manifest : pandas.DataFrame
        One row per file: ``path``, ``participant_id``, ``date``, ``task`` (``mvic`` marks an
        MVIC trial, used only as the amplitude reference of its participant's session), and
        optionally ``session`` (1 when absent), ``trial`` (numbered in file order when absent)
        and ``cue_s`` (time of the movement cue on the file's axis; 0 when absent).
    method : {"tkeo", "hodges_bui"}
        Onset detection method, see :func:`detect_onsets`.
    amplitude : {"peak", "mean"}
        Task amplitude statistic, see :func:`emg_amplitude`.
    muscles : mapping, optional
        Channel renames passed to :func:`read_emg`.
    root : str or Path, optional
        Folder that relative paths in ``manifest`` are relative to. When given, every path
        (relative or absolute, after following links) must lie inside it: a manifest cannot
        make the import open ``../../../../etc/passwd``. Without it, paths are taken as given.
    **params
        Onset parameters passed to the method.

    Returns
    -------
    pandas.DataFrame
        ``participant_id, date, session, task, muscle, trial, onset_ms, amplitude_pct_mvic``
        (onset relative to the cue; %MVIC relative to the largest MVIC peak of the muscle in the
        same participant's session, missing when that session has no MVIC trial for it).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> t = np.arange(5000) / 2000
    >>> for name, glute, hams in [("mvic", 0.5, 0.5), ("phe", 1.1, 1.0)]:
    ...     pd.DataFrame({"time_s": t, "gluteus_maximus": synthetic_emg(onset_s=glute, seed=1),
    ...                   "biceps_femoris": synthetic_emg(onset_s=hams, seed=2)}
    ...                  ).to_csv(folder / f"{name}.csv", index=False)
    >>> manifest = pd.DataFrame({"path": ["mvic.csv", "phe.csv"], "participant_id": "P1",
    ...                          "date": "2026-03-01", "task": ["mvic", "prone_hip_extension"],
    ...                          "cue_s": [0.0, 1.0]})
    >>> table = activation_table(manifest, root=folder)
    >>> table[["muscle", "amplitude_pct_mvic"]].round(-1)
                muscle  amplitude_pct_mvic
    0  gluteus_maximus               100.0
    1   biceps_femoris               100.0
    >>> bool((table["onset_ms"] - [100, 0]).abs().lt(10).all())  # cue at 1 s, onsets 1.1 and 1.0 s
    True
    """
    check_one_of("method", method, _METHODS)
    check_one_of("amplitude", amplitude, ("peak", "mean"))
    man = check_manifest(manifest)
    task_rows = man["task"].str.lower() != "mvic"
    if not task_rows.any():
        raise InputError("the EMG manifest lists only MVIC trials; add the task trials (rows "
                         "whose task is not 'mvic') to import.")
    signals = _signal_paths(man, root)
    mvic: dict[tuple[Any, str], float] = {}
    rows = []
    for (_, item), source in zip(man.iterrows(), signals):
        path = Path(item["path"])
        emg = read_emg(source, muscles=muscles)
        unnamed = [c for c in emg.columns[1:] if not _MUSCLE_NAME.fullmatch(str(c))]
        if unnamed:
            raise InputError(
                f"{path.name}: channel '{unnamed[0]}' has no muscle name (channels: "
                f"{', '.join(map(str, emg.columns[1:]))}); name it, e.g. muscles={{"
                f"'{unnamed[0]}': 'gluteus_maximus'}} (command line: --muscle "
                f"'{unnamed[0]}=gluteus_maximus'), or name the sensor after the muscle.")
        strange = [c for c in emg.columns[1:] if c not in _KNOWN_MUSCLES]
        if strange:
            warnings.warn(f"{path.name}: channel(s) {', '.join(strange)} are not a muscle this "
                          f"package knows ({', '.join(sorted(_KNOWN_MUSCLES))}); their rows are "
                          "kept, but onset_delay only uses gluteus_maximus and the hamstrings. "
                          "Rename them with muscles= (--muscle) if they are one of these.",
                          GluteStudyWarning, stacklevel=2)
        if str(item["task"]).lower() == "mvic":
            for muscle, value in emg_amplitude(emg, statistic="peak").items():
                key = (item["participant_id"], int(item["session"]), muscle)
                mvic[key] = max(mvic.get(key, 0.0), value)
            continue
        cue, time = float(item["cue_s"]), emg["time_s"].to_numpy()
        if not time[0] <= cue <= time[-1]:
            raise InputError(f"{path.name}: cue_s={cue:g} is outside the recording ({time[0]:g} "
                             f"to {time[-1]:g} s); give the movement cue on the file's time "
                             "axis.")
        try:
            onsets = detect_onsets(emg, method=method, **params)
        except InputError as err:
            raise InputError(f"{path.name}: {err}") from None
        amp = emg_amplitude(emg, statistic=amplitude, onsets=onsets)
        for muscle in onsets.index:
            rows.append({
                "participant_id": item["participant_id"], "date": item["date"],
                "session": int(item["session"]), "task": item["task"], "muscle": muscle,
                "trial": int(item["trial"]),
                "onset_ms": (onsets[muscle] - float(item["cue_s"])) * 1000.0,
                "_amp": amp[muscle],
            })
    columns = ["participant_id", "date", "session", "task", "muscle", "trial", "onset_ms",
               "amplitude_pct_mvic"]
    out = pd.DataFrame(rows)
    # the reference is the MVIC of the same session: the electrodes are placed afresh each time
    keys = list(zip(out["participant_id"], out["session"], out["muscle"]))
    ref = [mvic.get(key, np.nan) for key in keys]
    lacking: dict[tuple[Any, int], list[str]] = {}
    for p, s, m in dict.fromkeys(keys):
        if (p, s, m) not in mvic:
            lacking.setdefault((p, s), []).append(str(m))
    if lacking:
        shown = "; ".join(f"{p}: {', '.join(ms)} in session {s}" for (p, s), ms in lacking.items())
        warnings.warn(f"no MVIC trial for {shown}; their amplitude_pct_mvic is "
                      "left empty (add MVIC files with task 'mvic' to the manifest, with the "
                      "same channel names).", GluteStudyWarning, stacklevel=2)
    out["amplitude_pct_mvic"] = 100.0 * out["_amp"] / np.asarray(ref, dtype=float)
    out["date"] = pd.to_datetime(out["date"])
    return out[columns]


def _signal_paths(man: pd.DataFrame, root: str | Path | None) -> list[Path]:
    """The EMG file of each manifest row; with ``root``, refuse one that resolves outside it.

    Every row is checked before any file is opened; the message names the manifest line.
    """
    if root is None:
        return [Path(p) for p in man["path"]]
    base = Path(root).resolve()
    paths = []
    for i, given in enumerate(man["path"]):
        path = base / Path(given)  # an absolute path stays absolute
        real = path.resolve()
        if not real.is_relative_to(base):
            raise InputError(
                f"the EMG manifest, line {i + 2}: path {given!r} leads outside the folder of "
                f"the EMG files, {base} (to {real}); list files inside that folder, or name "
                "the folder that holds them (root=, command line --emg-root).")
        paths.append(path)
    return paths


def check_manifest(manifest: pd.DataFrame) -> pd.DataFrame:
    """Checked copy of an EMG manifest, ``session``, ``trial`` and ``cue_s`` filled in.

    Messages name the manifest's CSV line (row ``i`` is line ``i + 2``). The import workflow
    checks each manifest file with it before reading the recordings it lists.

    Examples
    --------
    >>> check_manifest(pd.DataFrame({"path": ["a.csv"], "participant_id": ["P1"],
    ...                              "date": ["2026-03-02"]}))
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: the EMG manifest has no column 'task' (it has: 'path', \
'participant_id', 'date').
    """
    require_columns(manifest, _MANIFEST, where="the EMG manifest")
    if manifest.empty:
        raise InputError("the EMG manifest lists no files; expected one row per EMG file "
                         "(path, participant_id, date, task).")
    man = manifest.reset_index(drop=True).copy()

    def fail(i: int, message: str) -> InputError:
        return InputError(f"the EMG manifest, line {i + 2}: {message}")

    for col in _MANIFEST:
        text = man[col].astype("string").str.strip()
        empty = text.isna() | (text == "")
        if empty.any():
            raise fail(int(np.flatnonzero(empty.to_numpy())[0]), f"column '{col}' is empty; "
                       "every file needs its path, participant, date and task.")
        if col != "date":
            man[col] = text.astype(str)
    for col, default, expected in (("cue_s", 0.0, "seconds on the file's time axis"),
                                   ("session", 1, "a whole number from 1"),
                                   ("trial", None, "a whole number from 1")):
        if col not in man:
            if default is not None:
                man[col] = default
            continue
        values = pd.to_numeric(man[col], errors="coerce")
        bad = values.isna()
        if col != "cue_s":
            bad |= (values < 1) | (values != values.round())
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise fail(i, f"column '{col}' holds {man[col].iloc[i]!r}; expected {expected}.")
        man[col] = values
    if "trial" not in man:
        man["trial"] = man.groupby(["participant_id", "session", "task"]).cumcount() + 1
    seen_path: dict[tuple[str, str], int] = {}
    seen_trial: dict[tuple, int] = {}
    for i, row in man.iterrows():
        key = (row["participant_id"], row["path"])
        if key in seen_path:
            raise fail(int(i), f"'{row['path']}' is listed again (line {seen_path[key]}); list "
                       "each file once.")
        seen_path[key] = int(i) + 2
        if row["task"].lower() == "mvic":
            continue
        trial = (row["participant_id"], int(row["session"]), row["task"], int(row["trial"]))
        if trial in seen_trial:
            raise fail(int(i), f"participant {trial[0]}, session {trial[1]}, {trial[2]} trial "
                       f"{trial[3]} is listed again (line {seen_trial[trial]}); number the "
                       "trials or remove the duplicate.")
        seen_trial[trial] = int(i) + 2
    return man


def onset_delay(
    activation: pd.DataFrame,
    *,
    glute: str = "gluteus_maximus",
    hamstrings: tuple[str, ...] = HAMSTRING_MUSCLES,
) -> pd.DataFrame:
    """Gluteus maximus onset minus hamstring onset, per participant, session, task and trial.

    The hamstring onset is the mean onset of the hamstring muscles recorded in that trial (the
    codebook's rule). A positive delay means the glute fired after the hamstrings, which is the
    usual pattern in healthy adults in prone hip extension (about +100 ms): it is not flagged as
    abnormal.

    Returns
    -------
    pandas.DataFrame
        ``participant_id, session, task, trial, glute_onset_ms, hamstring_onset_ms,
        glute_onset_delay_ms``.

    Examples
    --------
    >>> act = pd.DataFrame({"participant_id": "P1", "session": 1, "task": "phe", "trial": 1,
    ...                     "muscle": ["gluteus_maximus", "biceps_femoris", "semitendinosus"],
    ...                     "onset_ms": [120.0, 10.0, 30.0]})
    >>> onset_delay(act)[["glute_onset_ms", "hamstring_onset_ms", "glute_onset_delay_ms"]]
       glute_onset_ms  hamstring_onset_ms  glute_onset_delay_ms
    0           120.0                20.0                 100.0
    """
    keys = ["participant_id", "session", "task", "trial"]
    require_columns(activation, [*keys, "muscle", "onset_ms"], where="the activation table")
    muscle = activation["muscle"].astype(str)
    g = activation[muscle == glute].groupby(keys)["onset_ms"].mean().rename("glute_onset_ms")
    h = activation[muscle.isin(hamstrings)].groupby(keys)["onset_ms"].mean()
    out = pd.concat([g, h.rename("hamstring_onset_ms")], axis=1, join="inner").reset_index()
    out["glute_onset_delay_ms"] = out["glute_onset_ms"] - out["hamstring_onset_ms"]
    return out

