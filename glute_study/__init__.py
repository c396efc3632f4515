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
from .simulate import Effects, draw_cohorts, simulate_study
from .study import Study, load_study
from .validate import ValidationError

__version__ = "0.1.0"

# The analysis layers load on first use (``glute_study.stats.count_model(...)``), so that
# ``import glute_study`` stays light for worker processes and the command line.
_SUBPACKAGES = ("figures", "io", "report", "stats")


def __getattr__(name: str):
    if name in _SUBPACKAGES:
        import importlib

        return importlib.import_module(f"{__name__}.{name}")
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
