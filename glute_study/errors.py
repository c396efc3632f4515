"""Exceptions and warnings raised by glute_study.

Every error a user can cause derives from :class:`GluteStudyError`, so that the command line can
print it as one line instead of a traceback. Warnings derive from :class:`GluteStudyWarning`, so
that they can be filtered as a family.
"""

from __future__ import annotations

__all__ = [
    "FitWarning",
    "GluteStudyError",
    "GluteStudyWarning",
    "InputError",
    "OverwriteError",
    "StudyReadError",
    "WriteError",
]


class GluteStudyError(Exception):
    """Base class of every error that a user of glute_study can cause and fix."""


class InputError(GluteStudyError, ValueError):
    """An argument or a data column is not what an analysis needs.

    The message says what was wrong, what was found, and how to fix it.
    """


class StudyReadError(GluteStudyError, OSError):
    """A study folder or file cannot be read at all (missing, not a folder, not a table)."""


class WriteError(GluteStudyError, OSError):
    """A file or folder cannot be written (read-only folder, full disk, ...); the message names
    the path. Nothing was left half-written."""


class OverwriteError(GluteStudyError, FileExistsError):
    """Writing would replace or remove files that glute_study did not write (or a study that is
    already there); the message names them and the option that allows it."""


class GluteStudyWarning(UserWarning):
    """Base class of glute_study's warnings: something is suspicious but allowed."""


class FitWarning(GluteStudyWarning):
    """A fitted model should not be trusted as it stands (no convergence, separation, ...)."""
