"""Shared fixtures: a headless matplotlib backend and the path of the third-party samples."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

# R reference scripts and their data generators are run by hand, never collected by pytest.
collect_ignore_glob = ["reference/*"]

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "samples"


@pytest.fixture
def samples() -> Path:
    """The folder of real third-party exports, or skip when it is absent."""
    if not SAMPLES.is_dir():
        pytest.skip(f"third-party samples not found at {SAMPLES}")
    return SAMPLES
