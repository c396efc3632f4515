"""Importers for device and e-data exports; each returns tidy codebook tables.

Shared text helpers (encodings, delimiters, decimal commas and :class:`FileFormatError`) live in
:mod:`glute_study.io._text`.
"""

from ._text import FileFormatError

__all__ = [
    "FileFormatError",
]
