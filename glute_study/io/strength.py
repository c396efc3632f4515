"""Strength tests: a tidy template, vendor (VALD-style) exports, torque, Nm/kg and asymmetry.

Two inputs are accepted by :func:`read_strength`:

* **The tidy template** (``glute_study/io/templates/strength_template.csv``): one row per trial,
  ``participant_id, date, test, side, trial, force_n, lever_arm_m``; optional ``session``,
  ``torque_nm`` (instead of force, e.g. isokinetic peak torque) and ``reps`` (single-leg bridge).
* **A VALD-style export** (ForceFrame / DynaMo-like): one row per repetition with both legs,
  ``Name, Date UTC, Time UTC, Device, Test, L Max Force (N), R Max Force (N),
  Max Imbalance (%), L Max Torque (Nm), R Max Torque (Nm)``. Each row becomes one left and one
  right trial; trials are numbered by ``Time UTC`` within participant, day and test.

:func:`strength_rows` turns either into rows of the codebook ``strength`` table. The
participant values (torque per side, Nm/kg, asymmetry) are derived from those rows by
:func:`glute_study.measures.strength_summary`, the one home of the strength rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from .._checks import check_one_of, require_columns
from .._text import parse_numbers, read_text, sniff_delimiter
from ..errors import InputError

__all__ = [
    "TEMPLATE_COLUMNS",
    "read_strength",
    "strength_rows",
]

#: Columns of the tidy strength template, in order.
TEMPLATE_COLUMNS = ("participant_id", "date", "test", "side", "trial", "force_n", "lever_arm_m")
_TESTS = ("hhd_hip_extension", "isokinetic_hip_extension", "single_leg_bridge")
_VALD = ("Name", "Date UTC", "Test", "L Max Force (N)", "R Max Force (N)")
_SIDES = {"l": "left", "left": "left", "lt": "left", "links": "left", "li": "left",
          "gauche": "left", "izquierda": "left", "sinistra": "left", "venstre": "left",
          "r": "right", "right": "right", "rt": "right", "rechts": "right", "re": "right",
          "droite": "right", "derecha": "right", "destra": "right", "høyre": "right",
          "hoyre": "right", "höger": "right"}
# Plausible pad-to-hip distances (the codebook's range): outside it, a unit is wrong.
_ARM_MIN, _ARM_MAX = 0.05, 1.5


def _cells(path: str | Path) -> tuple[object, list[str], list[list[str]], str]:
    import csv
    import io

    text = read_text(path)
    try:
        delimiter = sniff_delimiter(text.lines[:10])
    except ValueError:
        delimiter = ","
    try:
        rows = list(csv.reader(io.StringIO("\n".join(text.lines)), delimiter=delimiter))
    except csv.Error as err:
        raise text.error(f"the CSV cannot be parsed ({err}); check unbalanced quotes.") from None
    header = [h.strip() for h in rows[0]]
    body = rows[1:]
    for i, row in enumerate(body):
        if len(row) != len(header):
            raise text.error(f"{len(row)} fields where the header has {len(header)}; the file "
                             "looks truncated or a delimiter is misplaced.", line=i + 2)
    if not body:
        raise text.error("the file has a header but no trials; expected one row per trial.",
                         line=1)
    decimal = "," if delimiter != "," and any(
        re.fullmatch(r"-?\d+,\d+", c.strip()) for r in body[:50] for c in r) else "."
    return text, header, body, decimal


def _test_code(value: str, test: str | None) -> str:
    if test is not None:
        return test
    code = re.sub(r"[^a-z0-9]+", "_", str(value).strip().lower()).strip("_")
    if code in _TESTS:
        return code
    if "bridge" in code:
        return "single_leg_bridge"
    if "isokinetic" in code and "hip" in code:
        return "isokinetic_hip_extension"
    if "hip" in code and "ext" in code:
        return "hhd_hip_extension"
    raise InputError(f"strength test {value!r} is not one of {', '.join(_TESTS)}; pass "
                     "test='hhd_hip_extension' (or another) to say which test the file holds.")


def read_strength(
    path: str | Path,
    *,
    test: str | None = None,
    lever_arm_m: float | None = None,
    columns: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read a strength file (tidy template or VALD-style export) into one row per trial.

    Parameters
    ----------
    path : str or Path
        The CSV (comma, semicolon or tab; a decimal comma is accepted with ``;``).
    test : str, optional
        The codebook test for every row (``hhd_hip_extension``, ``isokinetic_hip_extension``,
        ``single_leg_bridge``); by default read from the file's ``test``/``Test`` column.
    lever_arm_m : float, optional
        Pad-to-hip-joint distance for rows that have none (vendor exports do not carry it).
    columns : mapping, optional
        Rename the file's columns first, onto template names or VALD names, for other vendors:
        e.g. ``{"Athlete": "Name", "Left peak (N)": "L Max Force (N)", ...}``.

    Returns
    -------
    pandas.DataFrame
        ``participant_id, date, test, side, trial, force_n, lever_arm_m, torque_nm, reps`` and
        ``session`` when the file gives it; ``.attrs["format"]`` is ``"template"`` or
        ``"vald"``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "vald.csv"
    >>> _ = p.write_text(
    ...     "Name,Date UTC,Time UTC,Device,Test,L Max Force (N),R Max Force (N),"
    ...     "Max Imbalance (%)\\n"
    ...     "P01,2026-03-02,09:01:10,ForceFrame,Hip Extension,400,440,9.1\\n"
    ...     "P01,2026-03-02,09:02:05,ForceFrame,Hip Extension,420,430,2.3\\n")
    >>> read_strength(p, lever_arm_m=0.45)[["participant_id", "side", "trial", "force_n"]]
      participant_id   side  trial  force_n
    0            P01   left      1    400.0
    1            P01   left      2    420.0
    2            P01  right      1    440.0
    3            P01  right      2    430.0
    """
    if test is not None:
        check_one_of("test", test, _TESTS)
    if lever_arm_m is not None and not _ARM_MIN <= float(lever_arm_m) <= _ARM_MAX:
        raise InputError(f"lever_arm_m={lever_arm_m:g} is not a pad-to-hip distance in metres "
                         f"({_ARM_MIN:g} to {_ARM_MAX:g}); a value over {_ARM_MAX:g} looks like "
                         "centimetres: divide by 100.")
    text, header, body, decimal = _cells(path)
    if columns:
        missing = [c for c in columns if c not in header]
        if missing:
            raise InputError(f"`columns` renames {', '.join(map(repr, missing))}, not in "
                             f"{text.path.name} (columns: {', '.join(header)}).")
        header = [columns.get(h, h) for h in header]
    if all(c in header for c in _VALD):
        out = _from_vald(text, header, body, decimal, test)
        fmt = "vald"
    elif all(c in header for c in ("participant_id", "date", "side")):
        out = _from_template(text, header, body, decimal, test)
        fmt = "template"
    else:
        raise text.error(
            "not a strength file this reader knows: expected the tidy template columns "
            f"{', '.join(TEMPLATE_COLUMNS)} or a VALD-style export with {', '.join(_VALD)}; "
            f"found: {', '.join(header[:8])}.", line=1)
    if lever_arm_m is not None:
        out["lever_arm_m"] = out["lever_arm_m"].fillna(float(lever_arm_m))
    out.attrs["format"] = fmt
    out.attrs["source"] = str(text.path)
    return out


def _column(text: object, header: list[str], body: list[list[str]], name: str,
            decimal: str) -> np.ndarray:
    j = header.index(name)
    return parse_numbers([r[j] for r in body], text=text, column=name, first_line=2,
                         decimal=decimal, finite=True)


def _ids(text: object, header: list[str], body: list[list[str]], name: str) -> list[str]:
    j = header.index(name)
    ids = [r[j].strip() for r in body]
    if "" in ids:
        raise text.error(f"column {name!r} is empty; every trial needs its participant.",
                         line=ids.index("") + 2)
    return ids


def _check_range(text: object, values: np.ndarray, name: str, *, low: float,
                 inclusive: bool = False, high: float | None = None, hint: str = "") -> None:
    """Refuse the first value outside its range, naming its line (NaN = empty, allowed)."""
    bad = (values < low) if inclusive else (values <= low)
    if high is not None:
        bad |= values > high
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        above = f"at least {low:g}" if inclusive else f"above {low:g}"
        span = f"{above}" + (f" and at most {high:g}" if high is not None else "")
        raise text.error(f"column {name!r} holds {values[i]:g}; expected a value {span}{hint}.",
                         line=i + 2)


def _check_forces(text: object, values: np.ndarray, name: str) -> None:
    _check_range(text, values, name, low=0.0,
                 hint=" (a force or torque of 0 or less is not a measurement; leave the cell "
                 "empty for a side that was not tested)")


def _check_arms(text: object, values: np.ndarray, name: str) -> None:
    _check_range(text, values, name, low=_ARM_MIN, inclusive=True, high=_ARM_MAX,
                 hint=f" m, the pad-to-hip distance; a value over {_ARM_MAX:g} looks like "
                 "centimetres: divide by 100")


def _dates(text: object, header: list[str], body: list[list[str]], name: str) -> pd.Series:
    """ISO dates only: 02/03/2026 could be 2 March or 3 February, so it is refused, not guessed."""
    j = header.index(name)
    cells = [r[j].strip() for r in body]
    for i, cell in enumerate(cells):
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z?)?", cell):
            raise text.error(f"column {name!r} holds {cell!r}, not a date as YYYY-MM-DD (a date "
                             "like 02/03/2026 is ambiguous: re-save the dates as ISO).",
                             line=i + 2)
    values = pd.to_datetime(pd.Series([c[:10] for c in cells]), errors="coerce",
                            format="%Y-%m-%d")
    bad = np.flatnonzero(values.isna().to_numpy())
    if bad.size:
        raise text.error(f"column {name!r} holds {cells[bad[0]]!r}, not a calendar date.",
                         line=int(bad[0]) + 2)
    return values


def _from_vald(text, header, body, decimal, test) -> pd.DataFrame:
    _check_vald_duplicates(text, header, body)
    base = pd.DataFrame({
        "participant_id": _ids(text, header, body, "Name"),
        "date": _dates(text, header, body, "Date UTC"),
        "time": [r[header.index("Time UTC")].strip() if "Time UTC" in header else "" for r in body],
        "test": [_test_code(r[header.index("Test")], test) for r in body],
        "_line": np.arange(len(body)) + 2,
    })
    base = base.sort_values(["participant_id", "date", "test", "time", "_line"], kind="stable")
    base["trial"] = base.groupby(["participant_id", "date", "test"]).cumcount() + 1
    parts = []
    tested = np.zeros(len(body), dtype=bool)
    for prefix, side in (("L", "left"), ("R", "right")):
        part = base.copy()
        part["side"] = side
        force = _column(text, header, body, f"{prefix} Max Force (N)", decimal)
        _check_forces(text, force, f"{prefix} Max Force (N)")
        torque_name = f"{prefix} Max Torque (Nm)"
        torque = (_column(text, header, body, torque_name, decimal) if torque_name in header
                  else np.full(len(body), np.nan))
        _check_forces(text, torque, torque_name)
        part["force_n"] = force[part.index]
        part["torque_nm"] = torque[part.index]
        has = ~(np.isnan(force) & np.isnan(torque))
        tested |= has
        parts.append(part[has[part.index]])  # an empty side was not tested: no trial
    if not tested.all():
        raise text.error("no force on either side; expected 'L Max Force (N)' and/or "
                         "'R Max Force (N)' (remove rows of tests that were not done).",
                         line=int(np.flatnonzero(~tested)[0]) + 2)
    out = pd.concat(parts).sort_values(["participant_id", "date", "test", "side", "trial"],
                                       kind="stable")
    if "Max Imbalance (%)" in header:
        _check_imbalance(text, header, body, decimal)
    out["lever_arm_m"] = np.nan
    out["reps"] = np.nan
    cols = ["participant_id", "date", "test", "side", "trial", "force_n", "lever_arm_m",
            "torque_nm", "reps"]
    return out[cols].reset_index(drop=True)


def _check_vald_duplicates(text: object, header: list[str], body: list[list[str]]) -> None:
    """One repetition is one row: the same athlete, day, time and test twice is a duplicate."""
    names = [c for c in ("Name", "Date UTC", "Time UTC", "Test") if c in header]
    timed = "Time UTC" in header and all(r[header.index("Time UTC")].strip() for r in body)
    cols = [header.index(c) for c in names] if timed else list(range(len(header)))
    seen: dict[tuple[str, ...], int] = {}
    for i, row in enumerate(body):
        key = tuple(row[j].strip() for j in cols)
        if key in seen:
            what = (f"{key[0]} on {key[1]} {key[2]}, {key[3]}" if timed
                    else "every field")
            raise text.error(f"the repetition ({what}) repeats line {seen[key]}; each "
                             "repetition must be exported once. Remove the duplicate row.",
                             line=i + 2)
        seen[key] = i + 2


def _check_imbalance(text, header, body, decimal) -> None:
    """The vendor's imbalance must match ours: a mismatch means swapped or shifted columns."""
    left = _column(text, header, body, "L Max Force (N)", decimal)
    right = _column(text, header, body, "R Max Force (N)", decimal)
    theirs = _column(text, header, body, "Max Imbalance (%)", decimal)
    ours = 100 * (np.abs(left - right) / np.maximum(left, right))  # no overflow near 1e308
    bad = np.flatnonzero(np.abs(np.abs(theirs) - ours) > 1.0)
    if bad.size:
        i = int(bad[0])
        raise text.error(
            f"'Max Imbalance (%)' is {theirs[i]:g} but the forces {left[i]:g} N (left) and "
            f"{right[i]:g} N (right) give {ours[i]:.1f} %; the columns look shifted or mixed "
            "up. Check the export.", line=i + 2)


def _trials(text: object, header: list[str], body: list[list[str]]) -> np.ndarray:
    """Trial numbers: all given (whole numbers >= 1) or none (then numbered in file order)."""
    n = len(body)
    if "trial" not in header:
        seen: dict[tuple[str, ...], int] = {}
        for i, row in enumerate(body):
            key = tuple(c.strip() for c in row)
            if key in seen:
                raise text.error(f"the row repeats line {seen[key]} and the file has no trial "
                                 "column to tell two trials apart; remove the duplicate, or add "
                                 "a trial column (1, 2, ...).", line=i + 2)
            seen[key] = i + 2
        return np.full(n, np.nan)
    values = _column(text, header, body, "trial", ".")
    empty = np.isnan(values)
    if empty.all():
        return values
    if empty.any():
        raise text.error("column 'trial' is empty here but filled elsewhere; number every "
                         "trial (1, 2, ...) or leave the whole column empty.",
                         line=int(np.flatnonzero(empty)[0]) + 2)
    _check_whole(text, header, body, "trial", values)
    return values


def _check_whole(text: object, header: list[str], body: list[list[str]], name: str,
                 values: np.ndarray) -> None:
    """Refuse the first filled value that is not a whole number from 1 (trials, sessions)."""
    bad = ~np.isnan(values) & ((values < 1) | (values != np.round(values)))  # NaN: empty
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise text.error(f"column {name!r} holds {body[i][header.index(name)].strip()}; "
                         "expected a whole number from 1.", line=i + 2)


def _from_template(text, header, body, decimal, test) -> pd.DataFrame:
    n = len(body)

    def num(name: str) -> np.ndarray:
        return _column(text, header, body, name, decimal) if name in header else np.full(n, np.nan)

    sides = []
    j = header.index("side")
    for i, r in enumerate(body):
        side = _SIDES.get(r[j].strip().lower())
        if side is None:
            raise text.error(f"column 'side' holds {r[j]!r}; expected left or right (L/R).",
                             line=i + 2)
        sides.append(side)
    tests = ([_test_code(r[header.index("test")], test) for r in body] if "test" in header
             else [_test_code("", test)] * n)
    trial = _trials(text, header, body)
    force, torque, reps, arm = num("force_n"), num("torque_nm"), num("reps"), num("lever_arm_m")
    _check_forces(text, force, "force_n")
    _check_forces(text, torque, "torque_nm")
    _check_range(text, reps, "reps", low=0.0, inclusive=True)
    _check_arms(text, arm, "lever_arm_m")
    out = pd.DataFrame({
        "participant_id": _ids(text, header, body, "participant_id"),
        "date": _dates(text, header, body, "date"),
        "test": tests,
        "side": sides,
        "trial": trial,
        "force_n": force,
        "lever_arm_m": arm,
        "torque_nm": torque,
        "reps": reps,
    })
    if "session" in header:
        session = num("session")
        _check_whole(text, header, body, "session", session)
        out.insert(2, "session", session)
    if np.isnan(out["trial"]).any():
        out["trial"] = out.groupby(["participant_id", "date", "test", "side"]).cumcount() + 1
    none = out[["force_n", "torque_nm", "reps"]].isna().all(axis=1).to_numpy()
    if none.any():
        raise text.error("the row has no result; fill force_n (N), torque_nm (Nm) or reps.",
                         line=int(np.flatnonzero(none)[0]) + 2)
    dup = out.duplicated(["participant_id", "date", "test", "side", "trial"], keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise text.error("the same participant, date, test, side and trial appears twice; "
                         "number the trials or remove the duplicate.", line=i + 2)
    out["trial"] = out["trial"].astype(int)
    return out


def strength_rows(trials: pd.DataFrame) -> pd.DataFrame:
    """Rows of the codebook ``strength`` table from :func:`read_strength` output.

    ``value``/``unit`` is the force in N when given (with ``lever_arm_m``), else the torque in
    Nm, else repetitions. ``session`` is kept when given, else numbered by date within each
    participant (1 = first test day).

    Examples
    --------
    >>> trials = pd.DataFrame({"participant_id": ["P1", "P1"],
    ...     "date": pd.to_datetime(["2026-03-02", "2026-05-30"]), "test": "hhd_hip_extension",
    ...     "side": "left", "trial": 1, "force_n": [400.0, 450.0], "lever_arm_m": 0.45,
    ...     "torque_nm": np.nan, "reps": np.nan})
    >>> strength_rows(trials)[["participant_id", "session", "value", "unit", "lever_arm_m"]]
      participant_id  session  value unit  lever_arm_m
    0             P1        1  400.0    N         0.45
    1             P1        2  450.0    N         0.45
    """
    require_columns(trials, ["participant_id", "date", "test", "side", "trial"],
                    where="the strength trials")
    out = trials.copy()
    for col in ("force_n", "torque_nm", "reps", "lever_arm_m"):
        if col not in out:
            out[col] = np.nan
    if "session" not in out:
        out["session"] = out.groupby("participant_id")["date"].rank(method="dense")
    out["session"] = out["session"].astype(int)
    force = out["force_n"].notna()
    torque = ~force & out["torque_nm"].notna()
    none = ~force & ~torque & out["reps"].isna()
    if none.any():
        row = out[none].iloc[0]
        raise InputError(f"a trial has no result (participant {row['participant_id']}, "
                         f"{row['test']} {row['side']} trial {row['trial']}); fill force_n, "
                         "torque_nm or reps, or drop the row.")
    out["value"] = np.where(force, out["force_n"], np.where(torque, out["torque_nm"],
                                                             out["reps"]))
    out["unit"] = np.where(force, "N", np.where(torque, "Nm", "reps"))
    missing_arm = force & out["lever_arm_m"].isna()
    if missing_arm.any():
        pid = out.loc[missing_arm, "participant_id"].iloc[0]
        raise InputError(f"force in N without a lever arm (participant {pid}); torque needs "
                         "force x lever arm: fill lever_arm_m, or pass lever_arm_m= to "
                         "read_strength.")
    out.loc[~force, "lever_arm_m"] = np.nan
    cols = ["participant_id", "date", "session", "test", "side", "trial", "value", "unit",
            "lever_arm_m"]
    return out[cols].sort_values(["participant_id", "session", "test", "side", "trial"],
                                 kind="stable").reset_index(drop=True)
