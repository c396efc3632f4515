"""The one check every plot makes of what it was given, so every refusal reads the same way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from ..errors import InputError
from ..stats._result import Result

__all__ = ["require_result"]


def _find(obj: object, path: str) -> object:
    """Follow a dotted ``path`` through attributes and dict keys; None where it breaks off."""
    for part in path.split("."):
        obj = obj.get(part) if isinstance(obj, Mapping) else getattr(obj, part, None)
        if obj is None:
            return None
    return obj


def _carries(obj: object, columns: Sequence[str]) -> bool:
    """True when ``obj`` is there and has every one of ``columns`` (none: just being there)."""
    return obj is not None and all(c in getattr(obj, "columns", ()) for c in columns)


def _missing(table: pd.DataFrame, columns: Sequence[str]) -> str:
    return ", ".join(repr(c) for c in columns if c not in table.columns)


def require_result(
    result: object,
    *,
    plot: str,
    producer: str | Sequence[str],
    has: Mapping[str, Sequence[str]] | None = None,
    or_table: Sequence[str] = (),
) -> None:
    """Raise :class:`~glute_study.errors.InputError` unless ``result`` is what ``plot`` draws.

    The message always has one form: which plot, the full dotted name of the function whose
    result it needs, and what it got (``Result 'name'`` for another analysis's result, the
    type name for anything else).

    Parameters
    ----------
    result : object
        What the user passed to the plot.
    plot : str
        The plot function's name, as the user called it (``"km_plot"``).
    producer : str or sequence of str
        Full dotted name of the analysis function whose result the plot draws
        (``"glute_study.stats.survival.kaplan_meier"``), or several, any of which will do.
    has : mapping of str to sequence of str, optional
        What the result must carry, as ``{path: columns}``: ``path`` is dotted and walks
        attributes and dict keys (``"model.curve"``, ``"diagnostics.sensitivity"``); the object
        there must not be None and must have each of ``columns`` (none to check: ``()``). When
        omitted, the result's ``name`` must be the last part of ``producer`` instead.
    or_table : sequence of str, optional
        Also accept a pandas DataFrame that has these columns.

    Raises
    ------
    glute_study.errors.InputError
        When ``result`` is not a :class:`~glute_study.stats._result.Result` that passes the
        check (nor, with ``or_table``, a DataFrame with those columns).

    Examples
    --------
    >>> import pandas as pd
    >>> from glute_study.stats._result import Result
    >>> table = pd.DataFrame({"term": ["x"], "estimate": [1.0], "ci_low": [0.5],
    ...                       "ci_high": [2.0], "p_value": [0.3]})
    >>> km = Result(table, "", name="kaplan_meier")
    >>> require_result(km, plot="km_plot", producer="glute_study.stats.survival.kaplan_meier")
    >>> require_result(Result(table, "", name="cox_model"), plot="km_plot",
    ...                producer="glute_study.stats.survival.kaplan_meier")
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: km_plot needs the result of
    glute_study.stats.survival.kaplan_meier; got Result 'cox_model'.
    >>> require_result([1, 2], plot="power_plot", has={"table": ["n", "power"]},
    ...                producer="glute_study.stats.simulation_power.power")
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: power_plot needs the result of
    glute_study.stats.simulation_power.power; got list.
    """
    producers = [producer] if isinstance(producer, str) else list(producer)
    if isinstance(result, pd.DataFrame) and or_table:
        if _carries(result, or_table):
            return
        got = f"DataFrame without {_missing(result, or_table)}"
    elif isinstance(result, Result):
        if has is None:
            names = [p.rsplit(".", 1)[-1] for p in producers]
            if result.name in names:
                return
        elif all(_carries(_find(result, path), cols) for path, cols in has.items()):
            return
        got = f"Result {result.name!r}"
    else:
        got = type(result).__name__
    wanted = producers[0] if len(producers) == 1 else (
        ", ".join(producers[:-1]) + " or " + producers[-1])
    if or_table:
        wanted += f", or a DataFrame with the columns {', '.join(or_table)}"
    raise InputError(f"{plot} needs the result of {wanted}; got {got}.")
