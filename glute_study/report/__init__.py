"""Reports: run the study notebooks into reproducible, cached, journal-ready folders.

Inside a notebook::

    from glute_study import report
    report.start(out_dir, notebook="04_cramp_incidence")
    report.record(result, name="rate_ratios", caption="Cramp rate ratios by sitting tertile")

From Python or the command line (``glute-study report``)::

    report.run_report("reports/demo", parameters={"seed": 1})
"""

from .data import open_study
from .params import PARAMETERS, check_parameters
from .recording import Recorder, record, start
from .runner import ReportError, RunSummary, find_notebooks, run_report
from .tables import apa_table, save_table, table_one

__all__ = [
    "PARAMETERS",
    "Recorder",
    "ReportError",
    "RunSummary",
    "apa_table",
    "check_parameters",
    "find_notebooks",
    "open_study",
    "record",
    "run_report",
    "save_table",
    "start",
    "table_one",
]
