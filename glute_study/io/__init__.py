"""Importers for device and e-data exports; each returns tidy codebook tables.

:func:`import_to_study` runs a whole import into a study folder (what ``glute-study import``
does) and :func:`merge_tables` merges tables into the CSVs of a study folder.

Shared text helpers (encodings, delimiters, decimal commas and :class:`FileFormatError`) live in
:mod:`glute_study._text`, below both this package and the study loader.
"""

from .._text import FileFormatError
from .accel import accel_daily, iter_accel, read_accel, thigh_posture
from .actigraph import actigraph_daily, nonwear, read_actigraph
from .activpal import read_activpal, sitting_summary
from .daily import DeviceImport, daily_sitting, import_device_folder
from .emg import (
    activation_table,
    detect_onsets,
    emg_amplitude,
    onset_delay,
    onset_hodges_bui,
    onset_tkeo,
    read_emg,
    synthetic_emg,
)
from .importer import import_to_study, merge_tables
from .qc import QC_COLUMNS, qc_report, render_qc
from .redcap import RedcapExport, read_redcap, redcap_to_study
from .strength import TEMPLATE_COLUMNS as STRENGTH_TEMPLATE_COLUMNS
from .strength import read_strength, strength_rows

__all__ = [
    "QC_COLUMNS",
    "STRENGTH_TEMPLATE_COLUMNS",
    "DeviceImport",
    "FileFormatError",
    "RedcapExport",
    "accel_daily",
    "actigraph_daily",
    "activation_table",
    "daily_sitting",
    "detect_onsets",
    "emg_amplitude",
    "import_device_folder",
    "import_to_study",
    "iter_accel",
    "merge_tables",
    "nonwear",
    "onset_delay",
    "onset_hodges_bui",
    "onset_tkeo",
    "qc_report",
    "read_accel",
    "read_actigraph",
    "read_activpal",
    "read_emg",
    "read_redcap",
    "read_strength",
    "redcap_to_study",
    "render_qc",
    "sitting_summary",
    "strength_rows",
    "synthetic_emg",
    "thigh_posture",
]
