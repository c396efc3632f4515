"""Where a notebook's study comes from: the user's folder, the shipped demo, or a simulation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["DEMO", "DEMO_DESIGN", "DEMO_DIR", "demo_folder", "open_study"]

#: The simulator's settings of the demo cohort in ``datasets/demo`` (``make demo``): the report
#: parameters ``n``, ``seed`` and ``scenario``, and its design (20 teams, a team effect of SD
#: 0.3 on the log cramp rate, a season with a device week every 4 weeks).
DEMO = {"n": 400, "seed": 2026, "scenario": "hypothesis"}
DEMO_DESIGN = {"n_teams": 20, "team_sd": 0.3, "season": 4}

#: The demo cohort shipped with the project (absent from an installed wheel).
DEMO_DIR = Path(__file__).resolve().parents[2] / "datasets" / "demo"


def demo_folder(*, n: int, seed: int, scenario: str) -> Path | None:
    """The shipped demo folder when these simulation settings are the demo's, else None.

    Examples
    --------
    >>> demo_folder(n=400, seed=2026, scenario="hypothesis") == DEMO_DIR  # in a checkout
    True
    >>> demo_folder(n=400, seed=2026, scenario="null") is None
    True
    """
    if {"n": n, "seed": seed, "scenario": scenario} == DEMO and (DEMO_DIR / "study.json").is_file():
        return DEMO_DIR
    return None


def open_study(study_dir: str, *, n: int = DEMO["n"], seed: int = DEMO["seed"],
               scenario: str = DEMO["scenario"]) -> Any:
    """Load the study in ``study_dir``; with ``""``, the demo cohort or a simulated one.

    A notebook opened in JupyterLab without parameters gets the shipped demo cohort
    (``datasets/demo``), the very data ``make report`` analyses. Other ``n``, ``seed`` or
    ``scenario`` values (a report run with ``-p scenario=null``, say) simulate a cohort of the
    demo's design instead; so does an installed package without the shipped folder.

    Parameters
    ----------
    study_dir : str
        A study folder (see ``glute_study.load_study``); ``""`` for the demo or a simulation.
    n, seed, scenario
        Size, seed and world ("hypothesis" or "null") of the simulated cohort; the defaults
        are the demo's (:data:`DEMO`).

    Returns
    -------
    Study
        The study, with its tables, analysis table and exclusions. Its own labels (the
        ``"labels"`` object of ``study.json``, see :mod:`glute_study.labels`) are put in force
        for the tables, figures and sentences that follow.

    Examples
    --------
    >>> study = open_study("", n=60, seed=2)
    >>> len(study.analysis_table())
    60
    >>> open_study("").metadata["name"]
    'simulated (hypothesis, n=400, seed=2026, 20 teams, season (device 1 week in 4))'
    """
    import glute_study
    from glute_study.labels import use_labels

    if study_dir:
        study = glute_study.load_study(study_dir)
    elif (folder := demo_folder(n=n, seed=seed, scenario=scenario)) is not None:
        study = glute_study.load_study(folder)
    else:
        study = glute_study.simulate_study(n=n, seed=seed, scenario=scenario, **DEMO_DESIGN)
    use_labels(study)  # the study's own labels (study.json "labels") name its variables
    return study
