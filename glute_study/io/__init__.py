"""Importers for device and e-data exports; each returns tidy codebook tables.

Shared text helpers (encodings, delimiters, decimal commas and :class:`FileFormatError`) live in
:mod:`glute_study.io._text`.
"""

from ._text import FileFormatError
from .accel import accel_daily, iter_accel, read_accel, thigh_posture
from .actigraph import actigraph_daily, nonwear, read_actigraph
from .activpal import read_activpal, sitting_summary
from .daily import DeviceImport, daily_sitting, import_device_folder

__all__ = [
    "DeviceImport",
    "FileFormatError",
    "accel_daily",
    "actigraph_daily",
    "daily_sitting",
    "import_device_folder",
    "iter_accel",
    "nonwear",
    "read_accel",
    "read_actigraph",
    "read_activpal",
    "sitting_summary",
    "thigh_posture",
]
