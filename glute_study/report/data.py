"""The one way every notebook gets its study: load a folder, or simulate the demo cohort."""

from __future__ import annotations

from typing import Any

__all__ = ["open_study"]


def open_study(study_dir: str, *, n: int = 400, seed: int = 1, scenario: str = "hypothesis") -> Any:
    """Load the study in ``study_dir``, or simulate the demo cohort when it is ``""``.

    Parameters
    ----------
    study_dir : str
        A study folder (see ``glute_study.load_study``); ``""`` simulates instead.
    n, seed, scenario
        Size, seed and world ("hypothesis" or "null") of the simulated cohort.

    Returns
    -------
    Study
        The study, with its tables, analysis table and exclusions.

    Examples
    --------
    >>> study = open_study("", n=60, seed=2)
    >>> len(study.analysis_table())
    60
    """
    import glute_study

    if study_dir:
        return glute_study.load_study(study_dir)
    return glute_study.simulate_study(n=n, seed=seed, scenario=scenario)
