"""Synthetic thigh accelerometry with a known activity schedule, to check posture classifiers.

The sensor frame is that of a thigh-worn sensor as Acti4 expects it: x along the thigh (up when
standing), y to the side, z out of the thigh's front. The thigh's pose is its forward angle
``phi`` (0 = vertical, 90 = horizontal, raised forward) and its rotation ``psi`` about its long
axis (0 = front up when horizontal); a still sensor reads gravity's reaction,
``(cos phi, -sin phi sin psi, -sin phi cos psi)`` g, to which the movement's own accelerations
and Gaussian noise are added. Each activity (seconds of the schedule) is built as:

=========  ===========================================================================
sit        thigh horizontal (phi 88 deg, slow sway of 2 deg), front up
stand      thigh vertical (phi 3 deg), slow sway
walk       stride 1 Hz: phi = 8 + 18 sin(2 pi t) deg; along the thigh 0.40 g at 2 Hz (steps)
           and 0.15 g at 4 Hz; 0.15 g forward at 1 Hz
run        stride 1.4 Hz: phi = 20 + 30 sin; 1.0 g at 2.8 Hz and 0.4 g at 5.6 Hz along the
           thigh; 0.4 g forward at 1.4 Hz
stairs     stride 0.9 Hz: phi = 27 + 15 sin; 0.30 g at 1.8 Hz along the thigh, forward impacts
           of 1.6 g at each step (1.8 Hz) and 0.5 g at 3.6 Hz
cycle      72 rpm: the thigh swings through 30-90 deg (phi = 60 + 30 sin(2 pi 1.2 t)),
           0.05 g along it at 2.4 Hz
lie        thigh horizontal, rolling onto its side over the first 5 s (psi 0 -> 90 deg), then
           lying on the side with slow sway
nonwear    the sensor still on a table (z up), noise 2 mg
handle     the sensor in the hand as it is taken off or put on: the thigh angle swept
           through 0-90 deg at 0.5 Hz and 0.6 g of shaking at 3 Hz on every axis (a
           shower-length removal is ``handle``, ``nonwear``, ``handle``)
=========  ===========================================================================

These are illustrations of the signals' geometry and rhythm, not models of real gait.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["SYNTHETIC_ACTIVITIES", "synthetic_thigh"]

SYNTHETIC_ACTIVITIES = ("sit", "stand", "walk", "run", "stairs", "cycle", "lie", "nonwear",
                        "handle")


def _pose(kind: str, t: np.ndarray, rng: np.random.Generator):
    """phi, psi (radians) and the movement's accelerations (g) along x, y, z at times t (s)."""
    zero = np.zeros(t.size)
    sway = np.radians(2.0) * np.sin(2 * np.pi * 0.05 * t + rng.uniform(0, 2 * np.pi))
    two_pi = 2 * np.pi
    if kind == "sit":
        return np.radians(88.0) + sway, zero, zero, zero, zero
    if kind == "stand":
        return np.radians(3.0) + sway, zero, zero, zero, zero
    if kind == "walk":
        phi = np.radians(8 + 18 * np.sin(two_pi * 1.0 * t))
        ax = 0.40 * np.sin(two_pi * 2.0 * t) + 0.15 * np.sin(two_pi * 4.0 * t)
        return phi, zero, ax, zero, 0.15 * np.sin(two_pi * 1.0 * t)
    if kind == "run":
        phi = np.radians(20 + 30 * np.sin(two_pi * 1.4 * t))
        ax = 1.0 * np.sin(two_pi * 2.8 * t) + 0.4 * np.sin(two_pi * 5.6 * t)
        return phi, zero, ax, zero, 0.4 * np.sin(two_pi * 1.4 * t)
    if kind == "stairs":
        phi = np.radians(27 + 15 * np.sin(two_pi * 0.9 * t))
        ax = 0.30 * np.sin(two_pi * 1.8 * t)
        impact = 1.6 * (np.maximum(np.sin(two_pi * 1.8 * t), 0) ** 8 - 0.2)
        return phi, zero, ax, zero, impact + 0.5 * np.sin(two_pi * 3.6 * t)
    if kind == "cycle":
        phi = np.radians(60 + 30 * np.sin(two_pi * 1.2 * t))
        return phi, zero, 0.05 * np.sin(two_pi * 2.4 * t), zero, zero
    if kind == "handle":
        phi = np.radians(45 + 45 * np.sin(two_pi * 0.5 * t))
        shake = [0.6 * np.sin(two_pi * 3.0 * t + k) for k in (0.0, 2.1, 4.2)]
        return phi, zero, *shake
    if kind == "lie":
        psi = np.radians(90.0) * np.clip(t / 5.0, 0, 1) + sway
        return np.full(t.size, np.radians(90.0)), psi, zero, zero, zero
    raise InputError(f"synthetic activity must be one of {', '.join(SYNTHETIC_ACTIVITIES)}; "
                     f"got {kind!r}.")


def synthetic_thigh(
    schedule: Sequence[tuple[str, float]],
    *,
    hz: float = 30.0,
    start: str | pd.Timestamp = "2024-05-06 08:00:00",
    noise_g: float = 0.01,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Raw thigh samples for a schedule of activities, and the truth per second.

    Parameters
    ----------
    schedule : sequence of (activity, seconds)
        Activities of :data:`SYNTHETIC_ACTIVITIES` in order, each lasting whole seconds.
    hz : float
        Sampling rate.
    start : str or Timestamp
        Time of the first sample (device clock).
    noise_g : float
        SD of the Gaussian noise added to every axis (the still table gets 2 mg).
    seed : int
        Seed of the noise and sway phases.

    Returns
    -------
    samples : DataFrame
        ``time, x, y, z`` (g).
    truth : DataFrame
        ``start`` (each second) and ``activity``.

    Examples
    --------
    >>> raw, truth = synthetic_thigh([("stand", 3), ("sit", 2)], hz=10)
    >>> raw.shape, truth["activity"].tolist()
    ((50, 4), ['stand', 'stand', 'stand', 'sit', 'sit'])
    >>> raw[["x", "z"]].iloc[[0, -1]].round(1)
          x    z
    0   1.0 -0.1
    49  0.0 -1.0
    """
    rng = np.random.default_rng(seed)
    t0 = pd.Timestamp(start)
    parts, labels = [], []
    elapsed = 0
    for kind, seconds in schedule:
        if not (float(seconds).is_integer() and seconds > 0):
            raise InputError(f"schedule durations must be whole seconds > 0; got {seconds!r} "
                             f"for {kind!r}.")
        n = int(round(seconds * hz))
        t = np.arange(n) / hz
        if kind == "nonwear":
            xyz = np.column_stack([np.zeros(n), np.zeros(n), np.ones(n)])
            xyz += rng.normal(0, 0.002, (n, 3))
        else:
            phi, psi, ax, ay, az = _pose(kind, t, rng)
            xyz = np.column_stack([np.cos(phi) + ax,
                                   -np.sin(phi) * np.sin(psi) + ay,
                                   -np.sin(phi) * np.cos(psi) + az])
            xyz += rng.normal(0, noise_g, (n, 3))
        parts.append(np.column_stack([elapsed + t, xyz]))
        labels += [kind] * int(seconds)
        elapsed += int(seconds)
    data = np.concatenate(parts)
    samples = pd.DataFrame({"time": t0 + pd.to_timedelta(np.round(data[:, 0] * 1e9), unit="ns"),
                            "x": data[:, 1], "y": data[:, 2], "z": data[:, 3]})
    truth = pd.DataFrame({"start": t0 + pd.to_timedelta(np.arange(len(labels)), unit="s"),
                          "activity": labels})
    return samples, truth
