"""Importers for device and e-data exports; each returns tidy codebook tables.

Each reader turns one outside format into tables; nothing here reads or writes a study folder.
The import workflow that does (:func:`glute_study.importing.import_to_study`, what
``glute-study import`` runs, above the study loader) and the study-folder format
(:func:`glute_study.study_folder.merge_tables`, below the loader, above this package) are
not reached from here; asked for here, the two names say where they moved.

Shared text helpers (encodings, delimiters, decimal commas and :class:`FileFormatError`) live in
:mod:`glute_study._text`, below both this package and the study loader.
"""

from .._text import FileFormatError
from .accel import iter_accel, read_accel
from .accel_epochs import accel_daily, thigh_posture
from .actigraph import read_actigraph
from .actigraph_days import actigraph_daily
from .actigraph_nonwear import nonwear
from .activpal import read_activpal, sitting_summary
from .daily import daily_sitting
from .device_folder import DeviceImport, import_device_folder
from .diary import read_bed_periods
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
from .qc import QC_COLUMNS, qc_report, render_qc
from .redcap import RedcapExport, read_redcap
from .redcap_mapping import load_mapping, redcap_to_study
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
    "iter_accel",
    "load_mapping",
    "nonwear",
    "onset_delay",
    "onset_hodges_bui",
    "onset_tkeo",
    "qc_report",
    "read_accel",
    "read_actigraph",
    "read_activpal",
    "read_bed_periods",
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

# Names that moved to the layers above: asking for them here says where they are now (this
# package never imports what sits above it).
_MOVED = {"import_to_study": "glute_study.importing", "merge_tables": "glute_study.study_folder"}


def __getattr__(name: str):
    if name in _MOVED:
        raise AttributeError(f"glute_study.io.{name} moved: use `from {_MOVED[name]} import "
                             f"{name}`")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
