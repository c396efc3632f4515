"""Where a notebook's study comes from: the user's folder, the shipped demo, or a simulation.

A report runs each notebook in a process forked from one server (:mod:`._preload`). That server
also opens the report's study once (:func:`preload_study`), so that the notebooks do not each
read, check and derive the same tables again: :func:`open_study` takes the preloaded study when
it was opened the same way from files with the same SHA-256 hashes, once per process (each
notebook has a process of its own), and otherwise opens the study itself.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

__all__ = ["DEMO", "DEMO_DESIGN", "DEMO_DIR", "PRELOAD_ENV", "demo_folder", "open_study",
           "preload_study"]

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


#: Environment variable naming the study the fork server preloads: a JSON object of
#: :func:`open_study`'s arguments (``study_dir``, ``n``, ``seed``, ``scenario``).
PRELOAD_ENV = "GLUTE_STUDY_PRELOAD"

# How a preloaded study was opened -> (the hashes of its files then, the study).
_PRELOADED: dict[tuple, tuple[dict[str, str], Any]] = {}


def _how(study_dir: str, n: int, seed: int, scenario: str) -> tuple:
    if study_dir:
        return ("folder", str(Path(study_dir).resolve()))
    return ("demo or simulated", n, seed, scenario)


def _source_hashes(study_dir: str, n: int, seed: int, scenario: str) -> dict[str, str]:
    from .provenance import file_hashes

    return file_hashes(study_dir or demo_folder(n=n, seed=seed, scenario=scenario))


def preload_study(arguments: str) -> bool:
    """Open the study that ``arguments`` (the JSON of :data:`PRELOAD_ENV`) names, with its
    analysis table derived, for :func:`open_study` to hand to the next notebook.

    Nothing is kept when the study cannot be opened, when opening it warned (the notebook
    opens it again and shows the warning), or when its files changed meanwhile.

    Examples
    --------
    >>> preload_study('{"study_dir": "", "n": 30, "seed": 1, "scenario": "null"}')
    True
    >>> open_study("", n=30, seed=1, scenario="null") is open_study("", n=30, seed=1,
    ...                                                             scenario="null")
    False
    """
    try:
        args = json.loads(arguments)
        how = _how(**args)
        before = _source_hashes(**args)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            study = _open(**args)
            study.analysis_table()
    except Exception:
        return False
    if caught or _source_hashes(**args) != before:
        return False
    _PRELOADED[how] = (before, study)
    return True


def _open(study_dir: str, n: int, seed: int, scenario: str) -> Any:
    import glute_study

    if study_dir:
        return glute_study.load_study(study_dir)
    if (folder := demo_folder(n=n, seed=seed, scenario=scenario)) is not None:
        return glute_study.load_study(folder)
    return glute_study.simulate_study(n=n, seed=seed, scenario=scenario, **DEMO_DESIGN)


def _take_preloaded(study_dir: str, n: int, seed: int, scenario: str) -> Any | None:
    """The preloaded study opened this way, once, if its files are still the same."""
    found = _PRELOADED.pop(_how(study_dir, n, seed, scenario), None)
    if found is None or _source_hashes(study_dir, n, seed, scenario) != found[0]:
        return None
    return found[1]


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
    >>> open_study("").metadata["name"]  # doctest: +NORMALIZE_WHITESPACE
    'Simulated cohort of 400 athletes in 20 teams, device sitting 1 week in 4 (the world where
     the coaching claim is true, seed 2026)'
    """
    from glute_study.labels import use_labels

    study = _take_preloaded(study_dir, n, seed, scenario)
    if study is None:
        study = _open(study_dir, n, seed, scenario)
    use_labels(study)  # the study's own labels (study.json "labels") name its variables
    return study
