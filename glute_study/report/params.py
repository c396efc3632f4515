"""The report's parameters: one typed, checked list shared by every notebook.

Every notebook's ``parameters`` cell uses names from :data:`PARAMETERS` (a test keeps them in
step). The runner turns ``-p key=value`` strings into typed values and checks them all *before*
any notebook runs, so that a misspelt name or a wrong type is one clear error, not a failure
halfway through a report.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._checks import N_BOOT, POWER_N, REPS, SEED, whole_number_range
from ..errors import InputError

__all__ = ["PARAMETERS", "Parameter", "check_parameters", "parse_assignments"]


@dataclass(frozen=True)
class Parameter:
    """One report parameter: its type, default, allowed values and meaning."""

    name: str
    type: type
    default: Any
    help: str
    choices: tuple = ()
    check: Callable[[Any], str] | None = None  # returns "" when fine, else what is expected


def _whole(low: int, high: int) -> Callable[[Any], str]:
    return lambda v: "" if low <= v <= high else whole_number_range(low, high)


def _between(low: float, high: float) -> Callable[[Any], str]:
    return lambda v: "" if low < v < high else f"between {low} and {high} (exclusive)"


def _existing_dir(value: str) -> str:
    if value and not Path(value).is_dir():
        return "an existing study folder (or '' for the demo cohort)"
    return ""


PARAMETERS: dict[str, Parameter] = {
    p.name: p
    for p in [
        Parameter("study_dir", str, "", "study folder to load; '' opens the demo cohort "
                  "(or simulates one, when n, seed or scenario are not the demo's)",
                  check=_existing_dir),
        Parameter("out_dir", str, "", "report folder (set by the runner; '' records nothing)"),
        Parameter("seed", int, 2026, "seed of the simulated cohort and of every resampling "
                  f"({SEED[0]} to {SEED[1]:,})", check=_whole(*SEED)),
        Parameter("n", int, 400, f"participants in the simulated cohort ({POWER_N[0]} to "
                  f"{POWER_N[1]:,})", check=_whole(*POWER_N)),
        Parameter("scenario", str, "hypothesis", "simulated world: the hypothesis or the null",
                  choices=("hypothesis", "null")),
        Parameter("alpha", float, 0.05, "significance level (CI level = 1 - alpha; between 0 "
                  "and 0.5)", check=_between(0, 0.5)),
        Parameter("n_boot", int, 5000, "bootstrap resamples of the mediation analysis "
                  f"({N_BOOT[0]} to {N_BOOT[1]:,})", check=_whole(*N_BOOT)),
        Parameter("n_sims", int, 100, "simulated studies per point of a power curve "
                  f"({REPS[0]} to {REPS[1]:,})", check=_whole(*REPS)),
        Parameter("sesoi", float, 1.1, "smallest rate or hazard ratio of interest: an effect "
                  "inside 1/sesoi to sesoi is too small to matter (equivalence bounds; "
                  "between 1 and 10)", check=_between(1, 10)),
    ]
}


def _convert(param: Parameter, value: Any) -> Any:
    want = param.type
    if isinstance(value, str) and want is not str:
        text = value.strip()
        try:
            if want is bool:
                lowered = text.lower()
                if lowered not in ("true", "false", "1", "0", "yes", "no"):
                    raise ValueError(text)
                value = lowered in ("true", "1", "yes")
            elif want is int:
                value = int(text)
            elif want is float:
                value = float(text)
        except ValueError:
            raise InputError(
                f"parameter {param.name!r} must be {want.__name__}; got {value!r}. "
                f"Example: -p {param.name}={param.default!r}."
            ) from None
    if want is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if isinstance(value, Path) and want is str:
        value = str(value)
    if not isinstance(value, want) or (want is not bool and isinstance(value, bool)):
        raise InputError(
            f"parameter {param.name!r} must be {want.__name__}; got {type(value).__name__} "
            f"{value!r}."
        )
    if param.choices and value not in param.choices:
        shown = ", ".join(repr(c) for c in param.choices)
        raise InputError(f"parameter {param.name!r} must be one of {shown}; got {value!r}.")
    if param.check is not None:
        expected = param.check(value)
        if expected:
            raise InputError(f"parameter {param.name!r} must be {expected}; got {value!r}.")
    return value


def check_parameters(values: Mapping[str, Any]) -> dict[str, Any]:
    """Check names, types and ranges of ``values`` and fill in the defaults.

    Strings are converted to the parameter's type (``"7"`` to ``7`` for an ``int``), so that
    command-line values and Python values go through the same checks.

    Parameters
    ----------
    values : mapping
        Parameter names and values; names must be in :data:`PARAMETERS`.

    Returns
    -------
    dict
        Every parameter, typed, in the order of :data:`PARAMETERS`.

    Raises
    ------
    InputError
        For an unknown name, a value of the wrong type, or one out of range.

    Examples
    --------
    >>> check_parameters({"seed": "7", "scenario": "null"})["seed"]
    7
    >>> check_parameters({"sed": 7})
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: unknown parameter 'sed' (did you mean 'seed'?); known: ...
    >>> check_parameters({"n": "many"})
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: parameter 'n' must be int; got 'many'. Example: -p n=400.
    """
    import difflib

    out = {}
    for name in values:
        if name not in PARAMETERS:
            close = difflib.get_close_matches(name, list(PARAMETERS), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            known = ", ".join(PARAMETERS)
            raise InputError(f"unknown parameter {name!r}{hint}; known: {known}.")
    for name, param in PARAMETERS.items():
        out[name] = _convert(param, values[name]) if name in values else param.default
    return out


def parse_assignments(items: list[str] | None) -> dict[str, str]:
    """Split ``["key=value", ...]`` from the command line into a dict (values stay strings).

    Examples
    --------
    >>> parse_assignments(["seed=3", "scenario=null"])
    {'seed': '3', 'scenario': 'null'}
    >>> parse_assignments(["seed"])
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: -p expects key=value; got 'seed'.
    """
    out: dict[str, str] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"-p expects key=value; got {item!r}.")
        if key.strip() in out:
            raise InputError(f"parameter {key.strip()!r} is given twice.")
        out[key.strip()] = value
    return out


def parse_matrix(items: list[str] | None) -> list[dict[str, str]]:
    """Turn ``["scenario=hypothesis,null", "seed=1,2"]`` into every combination, in order.

    Examples
    --------
    >>> parse_matrix(["scenario=hypothesis,null"])
    [{'scenario': 'hypothesis'}, {'scenario': 'null'}]
    >>> len(parse_matrix(["scenario=hypothesis,null", "seed=1,2,3"]))
    6
    >>> parse_matrix(None)
    [{}]
    """
    import itertools

    axes = []
    for key, values in parse_assignments(items).items():
        options = [v.strip() for v in values.split(",") if v.strip()]
        if not options:
            raise InputError(f"--matrix {key}= needs at least one value (key=v1,v2).")
        if len(set(options)) != len(options):
            raise InputError(f"--matrix {key} lists a value twice: {values!r}.")
        axes.append([(key, v) for v in options])
    return [dict(combo) for combo in itertools.product(*axes)]
