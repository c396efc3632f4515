"""The one check every plot makes of what it was given, so every refusal reads the same way."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from ..errors import InputError
from ..stats._result import Result

__all__ = ["require_result"]


def _missing(table: pd.DataFrame, columns: Sequence[str]) -> str:
    return ", ".join(repr(c) for c in columns if c not in table.columns)


def _lacks(result: Result, frames: Mapping[str, Sequence[str]]) -> str:
    """What ``result`` lacks of ``frames`` (``{name: columns}``), as a phrase; '' when nothing."""
    for name, columns in frames.items():
        frame = result.frames.get(name)
        if not isinstance(frame, pd.DataFrame):
            return f" without the frame {name!r}"
        if _missing(frame, columns):
            return f" whose frame {name!r} has no {_missing(frame, columns)}"
    return ""


def require_result(
    result: object,
    *,
    plot: str,
    producer: str | Sequence[str],
    frames: Mapping[str, Sequence[str]] | None = None,
    or_table: Sequence[str] = (),
) -> None:
    """Raise :class:`~glute_study.errors.InputError` unless ``result`` is what ``plot`` draws.

    A result is what the plot draws when its :attr:`~glute_study.stats._result.Result.kind`
    is the name of one of the ``producer`` functions and it carries the ``frames`` the plot
    reads. The message always has one form: which plot, the full dotted name of the function
    whose result it needs, and what it got (``Result 'kind'`` for another analysis's result, the
    type name for anything else).

    Parameters
    ----------
    result : object
        What the user passed to the plot.
    plot : str
        The plot function's name, as the user called it (``"km_plot"``).
    producer : str or sequence of str
        Full dotted name of the analysis function whose result the plot draws
        (``"glute_study.stats.survival.kaplan_meier"``), or several, any of which will do; the
        last part of each is the ``kind`` accepted.
    frames : mapping of str to sequence of str, optional
        The named frames the plot reads, with the columns each must have (``{"curve":
        ["surv"]}``).
    or_table : sequence of str, optional
        Also accept a pandas DataFrame that has these columns.

    Raises
    ------
    glute_study.errors.InputError
        When ``result`` is not a :class:`~glute_study.stats._result.Result` of a right kind
        with those frames (nor, with ``or_table``, a DataFrame with those columns).

    Examples
    --------
    >>> import pandas as pd
    >>> from glute_study.stats._result import Result
    >>> table = pd.DataFrame({"term": ["x"], "estimate": [1.0], "ci_low": [0.5],
    ...                       "ci_high": [2.0], "p_value": [0.3]})
    >>> km = Result(table, "", kind="kaplan_meier", frames={"curve": pd.DataFrame({"surv": []})})
    >>> require_result(km, plot="km_plot", producer="glute_study.stats.survival.kaplan_meier",
    ...                frames={"curve": ["surv"]})
    >>> require_result(Result(table, "", name="cox_model"), plot="km_plot",
    ...                producer="glute_study.stats.survival.kaplan_meier")
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: km_plot needs the result of
    glute_study.stats.survival.kaplan_meier; got Result 'cox_model'.
    >>> require_result([1, 2], plot="power_plot",
    ...                producer="glute_study.stats.simulation_power.power")
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: power_plot needs the result of
    glute_study.stats.simulation_power.power; got list.
    """
    producers = [producer] if isinstance(producer, str) else list(producer)
    if isinstance(result, pd.DataFrame) and or_table:
        if not _missing(result, or_table):
            return
        got = f"DataFrame without {_missing(result, or_table)}"
    elif isinstance(result, Result):
        kinds = [p.rsplit(".", 1)[-1] for p in producers]
        lacks = _lacks(result, frames or {}) if result.kind in kinds else ""
        if result.kind in kinds and not lacks:
            return
        got = f"Result {result.kind!r}{lacks}"
    else:
        got = type(result).__name__
    wanted = producers[0] if len(producers) == 1 else (
        ", ".join(producers[:-1]) + " or " + producers[-1])
    if or_table:
        wanted += f", or a DataFrame with the columns {', '.join(or_table)}"
    raise InputError(f"{plot} needs the result of {wanted}; got {got}.")


def level_of(result_or_table: object) -> float:
    """The confidence level a plot labels: the result's, or a table's ``attrs["level"]``.

    A plain table without one is taken at the package default, 0.95.

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"term": ["x"], "estimate": [1.0], "ci_low": [0.5],
    ...                       "ci_high": [2.0], "p_value": [0.3]})
    >>> level_of(Result(table, "", level=0.9)), level_of(table)
    (0.9, 0.95)
    """
    if isinstance(result_or_table, Result):
        level = result_or_table.level
    else:
        level = getattr(result_or_table, "attrs", {}).get("level")
    return 0.95 if level is None else float(level)
