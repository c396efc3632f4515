"""Reports: run the study notebooks into reproducible, cached, journal-ready folders.

Inside a notebook::

    from glute_study import report
    report.start(out_dir, notebook="04_cramp_incidence")
    report.record(result, name="rate_ratios", caption="Cramp rate ratios by sitting tertile")

From Python or the command line (``glute-study report``)::

    report.run_report("reports/demo", parameters={"seed": 1})
"""

from .params import PARAMETERS, check_parameters
from .runner import ReportError, RunSummary, find_notebooks, run_report

# The notebook-side helpers pull in matplotlib and the statistics; they load on first use, so
# that the runner (and a fully cached report) starts fast.
_LAZY = {
    "open_study": "data",
    "Recorder": "recording",
    "record": "recording",
    "start": "recording",
    "apa_table": "tables",
    "save_table": "tables",
    "table_one": "tables",
    "record_hypothesis": "hypotheses",
    "record_untested": "hypotheses",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)

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
    "record_hypothesis",
    "record_untested",
]
