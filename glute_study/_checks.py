"""Argument checks shared by every module: one place writes each kind of message."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence

import pandas as pd

from .errors import InputError


def check_one_of(name: str, value: object, options: Iterable[object]) -> None:
    """Raise :class:`InputError` unless ``value`` is one of ``options``.

    Examples
    --------
    >>> check_one_of("family", "poisson", ["poisson", "negbin"])
    >>> check_one_of("family", "gamma", ["poisson", "negbin"])
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: `family` must be one of 'poisson', 'negbin'; got 'gamma'.
    """
    options = list(options)
    if value not in options:
        shown = ", ".join(repr(o) for o in options)
        raise InputError(f"`{name}` must be one of {shown}; got {value!r}.")


def require_columns(data: pd.DataFrame, columns: Sequence[str], *, where: str = "data") -> None:
    """Raise :class:`InputError` naming every column of ``columns`` missing from ``data``.

    Examples
    --------
    >>> df = pd.DataFrame({"a": [1]})
    >>> require_columns(df, ["a"])
    >>> require_columns(df, ["a", "b"], where="the analysis table")
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: the analysis table has no column 'b' (it has: 'a').
    """
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"{where} must be a pandas DataFrame; got {type(data).__name__}.")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        has = ", ".join(repr(c) for c in data.columns)
        miss = ", ".join(repr(c) for c in missing)
        plural = "columns" if len(missing) > 1 else "column"
        raise InputError(f"{where} has no {plural} {miss} (it has: {has}).")


def check_level(level: object, *, name: str = "level") -> float:
    """Return ``level`` as a float, or raise :class:`InputError` unless it is strictly in (0, 1).

    The one check of a confidence level (``level=0.95`` for 95 % intervals).

    Examples
    --------
    >>> check_level(0.9)
    0.9
    >>> check_level(95)
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: `level` must be between 0 and 1; got 95. Write 0.95 for 95 %
    intervals.
    """
    ok = isinstance(level, numbers.Real) and not isinstance(level, bool)
    if not ok or not 0 < level < 1:  # NaN fails the comparison too
        hint = " Write 0.95 for 95 % intervals." if ok and 1 < level < 100 else ""
        raise InputError(f"`{name}` must be between 0 and 1; got {level!r}.{hint}")
    return float(level)
