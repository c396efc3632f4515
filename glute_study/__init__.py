"""glute_study: test whether sitting switches off the glutes and makes the hamstrings cramp."""

from .codebook import CODEBOOK
from .errors import FitWarning, GluteStudyError, GluteStudyWarning, InputError, StudyReadError
from .simulate import Effects, draw_cohorts, simulate_study
from .study import Study, load_study
from .validate import ValidationError

__version__ = "0.1.0"

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
    "StudyReadError",
    "__version__",
]
