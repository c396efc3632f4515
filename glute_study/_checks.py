"""Argument checks shared by every module: one place writes each kind of message."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from .errors import InputError

if TYPE_CHECKING:
    import pandas as pd

# Ranges of the counts people type, each checked before any work. Below a range an analysis
# cannot run; above it a value can only be a typo (it would run for days, or fill the memory).
#: Bootstrap replicates of a mediation analysis.
N_BOOT = (100, 100_000)
#: Simulated studies per sample size of a power curve.
REPS = (100, 100_000)
#: Athletes in each simulated cohort of a power curve (and in a report's demo cohort).
POWER_N = (20, 100_000)
#: Participants in a simulated study.
SIMULATE_N = (2, 100_000)
#: Fewest valid device days for a participant's sitting to count (four weeks of wear at most).
VALID_DAYS = (1, 28)
#: Seeds (the range of a 32-bit seed, as NumPy's legacy generator takes).
SEED = (0, 2**32 - 1)


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
    >>> import pandas as pd
    >>> df = pd.DataFrame({"a": [1]})
    >>> require_columns(df, ["a"])
    >>> require_columns(df, ["a", "b"], where="the analysis table")
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: the analysis table has no column 'b' (it has: 'a').
    """
    import pandas as pd  # here: the command line and the report runner start without pandas

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


def whole_number_range(low: int, high: int) -> str:
    """How a range of whole numbers is written in every message: ``'a whole number from ...'``.

    Examples
    --------
    >>> whole_number_range(100, 100_000)
    'a whole number from 100 to 100,000'
    """
    return f"a whole number from {low:,} to {high:,}"


def check_count(name: str, value: object, limits: tuple[int, int]) -> int:
    """Return ``value`` as an ``int``; raise :class:`InputError` unless it is within ``limits``.

    For counts (replicates, simulations, participants) where a value beyond ``high`` can only be
    a typo, and would otherwise run for hours before anyone noticed.

    Examples
    --------
    >>> check_count("n_boot", 500, N_BOOT)
    500
    >>> check_count("n_boot", 1_000_000_000, N_BOOT)
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: `n_boot` must be a whole number from 100 to 100,000; got \
1000000000.
    """
    low, high = limits
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral)
            or not low <= value <= high):
        raise InputError(f"`{name}` must be {whole_number_range(low, high)}; got {value!r}.")
    return int(value)
