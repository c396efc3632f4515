"""A small valid study on disk, and a way to break one cell of it."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from glute_study import simulate_study

_CACHE: dict[str, Path] = {}


@pytest.fixture(scope="session")
def small_study_dir(tmp_path_factory) -> Path:
    """A valid simulated study of 12 participants, saved once per test session."""
    if "small" not in _CACHE:
        folder = tmp_path_factory.mktemp("small_study")
        simulate_study(n=12, seed=5).save(folder)
        _CACHE["small"] = folder
    return _CACHE["small"]


@pytest.fixture
def study_dir(small_study_dir, tmp_path) -> Path:
    """A fresh copy of the small study that a test may break."""
    target = tmp_path / "study"
    shutil.copytree(small_study_dir, target)
    return target


def set_cell(folder: Path, table: str, line: int, column: str, value: str) -> None:
    """Set one cell of ``<table>.csv`` (``line`` counts the header as line 1)."""
    path = folder / f"{table}.csv"
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    rows[line - 1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def read_rows(folder: Path, table: str) -> list[list[str]]:
    """Rows of ``<table>.csv``, header first."""
    return list(csv.reader(io.StringIO((folder / f"{table}.csv").read_text(encoding="utf-8"))))


def write_rows(folder: Path, table: str, rows: list[list[str]]) -> None:
    """Write rows (header first) to ``<table>.csv``."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    (folder / f"{table}.csv").write_text(out.getvalue(), encoding="utf-8")
