"""Argument checks shared by every module: one place writes each kind of message."""

from __future__ import annotations

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
