"""glute_study: test whether sitting switches off the glutes and makes the hamstrings cramp."""

from .errors import FitWarning, GluteStudyError, GluteStudyWarning, InputError, StudyReadError

__version__ = "0.1.0"

__all__ = [
    "FitWarning",
    "GluteStudyError",
    "GluteStudyWarning",
    "InputError",
    "StudyReadError",
    "__version__",
]
