"""glute_study: test whether sitting switches off the glutes and makes the hamstrings cramp."""

from .codebook import CODEBOOK
from .errors import (
    FitWarning,
    GluteStudyError,
    GluteStudyWarning,
    InputError,
    OverwriteError,
    StudyReadError,
    WriteError,
)
from .study import Study, load_study
from .validate import ValidationError

__version__ = "0.1.0"

# The analysis layers and the simulator (which needs the statistics) load on first use
# (``glute_study.stats.count_model(...)``, ``glute_study.simulate_study(...)``), so that
# ``import glute_study`` stays light for the command line and the report runner.
_SUBPACKAGES = ("figures", "io", "report", "stats")
_SIMULATOR = ("Effects", "draw_cohorts", "simulate_study")


def __getattr__(name: str):
    import importlib

    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _SIMULATOR:
        value = getattr(importlib.import_module(f"{__name__}.simulate"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "CODEBOOK",
    "Effects",
    "Study",
    "ValidationError",
    "draw_cohorts",
    "load_study",
    "simulate_study",
    "FitWarning",
    "GluteStudyError",
    "GluteStudyWarning",
    "InputError",
    "OverwriteError",
    "StudyReadError",
    "WriteError",
    "__version__",
]
