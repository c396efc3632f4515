"""Shared fixtures: a headless matplotlib backend and the path of the third-party samples.

Tests that read real third-party exports take the ``samples`` fixture and skip when the folder
``../shared/samples`` (beside the repository) is absent; the pytest header says whether it was
found, and the summary says how many tests skipped for want of it.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

# R reference scripts and their data generators are run by hand, never collected by pytest.
collect_ignore_glob = ["reference/*"]

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"
_NO_SAMPLES = "third-party samples not found at"


@pytest.fixture
def samples() -> Path:
    """The folder of real third-party exports, or skip when it is absent."""
    if not SAMPLES.is_dir():
        pytest.skip(f"{_NO_SAMPLES} {SAMPLES}")
    return SAMPLES


def pytest_report_header(config) -> str:
    if SAMPLES.is_dir():
        return f"third-party samples: {SAMPLES}"
    return (f"third-party samples: not found at {SAMPLES}; the tests that read real exports "
            "will skip")


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    return str(longrepr[2]) if isinstance(longrepr, tuple) and len(longrepr) == 3 else ""


def pytest_terminal_summary(terminalreporter) -> None:
    skipped = [r for r in terminalreporter.stats.get("skipped", [])
               if _NO_SAMPLES in _skip_reason(r)]
    if skipped:
        terminalreporter.write_line(
            f"{len(skipped)} test(s) skipped for want of the third-party samples: put them at "
            f"{SAMPLES} (a folder beside the repository) to run them.")
