"""Fixtures for the report tests: two reports built from the small test notebooks.

The reports run the seeded notebooks in ``tests/report/notebooks`` (fast, no study data). The
package-code hash is pinned while they run, because other work in the same source tree may
change the code between two runs; the caching tests pin and change it on purpose.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from glute_study.report import runner

NOTEBOOKS = Path(__file__).parent / "notebooks"


@pytest.fixture(scope="session")
def two_reports(tmp_path_factory):
    """The same report built twice, cold, into ``a/rep`` and ``b/rep``; with the run summaries."""
    root = tmp_path_factory.mktemp("reports")
    summaries = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(runner, "code_hash", lambda: "pinned-code")
        for name in ("a", "b"):
            summaries.append(runner.run_report(root / name / "rep", parameters={"seed": 3},
                                               notebooks_dir=NOTEBOOKS, progress=False))
    return root / "a" / "rep", root / "b" / "rep", summaries
