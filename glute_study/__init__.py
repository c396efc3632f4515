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

__version__ = "0.1.0"

# The analysis layers, the simulator (which needs the statistics) and the study (which needs
# pandas) load on first use (``glute_study.stats.count_model(...)``,
# ``glute_study.load_study(...)``), so that ``import glute_study`` stays light for the command
# line and the report runner, which starts its workers before it loads them.
_SUBPACKAGES = ("figures", "io", "report", "stats")
_LAZY = {"Effects": "simulate", "draw_cohorts": "simulate", "simulate_study": "simulate",
         "Study": "study", "load_study": "study", "ValidationError": "validate"}


def __getattr__(name: str):
    import importlib

    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
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
