"""Property: any corruption of a valid study loads or raises ValidationError, never anything
else, and a study that loads accounts for every row (used in the analysis table or listed in
Study.exclusions)."""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glute_study import ValidationError, load_study, simulate_study
from glute_study.codebook import CODEBOOK

_BASE = Path(tempfile.mkdtemp(prefix="glute_prop_")) / "study"
simulate_study(n=6, seed=17).save(_BASE)
_TABLES = sorted(p.stem for p in _BASE.glob("*.csv"))

nasty = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "NA", ".", "-1", "0", "1e309", "nan", "inf", "2025-13-01", "2025-02-29",
                     "31/12/2025", "true", "maybe", "P001", "P999", "1,5", "99999999999999999999",
                     "2025-03-01 25:00", "\x00", "ﬁ", " 12 ", "N", "reps", "hamstring"]),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-10**6, max_value=10**6).map(str),
)


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _write(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


@st.composite
def corruption(draw):
    table = draw(st.sampled_from(_TABLES))
    kind = draw(st.sampled_from(["cell", "cell", "cell", "drop_row", "dup_row", "drop_column",
                                 "truncate", "swap_columns"]))
    return table, kind, draw(st.integers(min_value=0, max_value=10**6)), draw(nasty)


def _apply(folder: Path, table: str, kind: str, pick: int, value: str) -> None:
    path = folder / f"{table}.csv"
    rows = _rows(path)
    header, body = rows[0], rows[1:]
    if kind == "cell" and body:
        body[pick % len(body)][pick % len(header)] = value
    elif kind == "drop_row" and body:
        del body[pick % len(body)]
    elif kind == "dup_row" and body:
        body.append(list(body[pick % len(body)]))
    elif kind == "drop_column":
        k = pick % len(header)
        header = header[:k] + header[k + 1:]
        body = [r[:k] + r[k + 1:] for r in body]
    elif kind == "swap_columns":
        k = pick % len(header)
        header[k], header[0] = header[0], header[k]
    elif kind == "truncate":
        text = path.read_text(encoding="utf-8")
        path.write_text(text[: pick % (len(text) + 1)], encoding="utf-8")
        return
    _write(path, [header, *body])


def _data_rows(path: Path) -> int:
    return sum(1 for r in _rows(path)[1:] if any(c.strip() for c in r))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(corruption())
def test_corruption_loads_or_raises_validation_error_and_loses_no_row(change):
    folder = Path(tempfile.mkdtemp(prefix="glute_case_")) / "study"
    try:
        shutil.copytree(_BASE, folder)
        _apply(folder, *change)
        try:
            study = load_study(folder)
        except ValidationError as err:
            assert (err.problems["severity"] == "error").any()
            return
        for name in CODEBOOK:
            path = folder / f"{name}.csv"
            if path.exists() and name == change[0]:
                assert len(study.tables[name]) == _data_rows(path), name
        table = study.analysis_table()
        excl = study.exclusions
        n_excl = excl.groupby("table").size()
        assert len(table) == len(study.participants)
        assert len(study.exposure) == np.nansum(table["sessions"]) + n_excl.get("exposure", 0)
        assert len(study.cramps) == np.nansum(table["cramps"]) + n_excl.get("cramps", 0)
        self_report = int((study.sitting["instrument"] == "self_report").sum())
        assert len(study.sitting) == (np.nansum(table["sitting_days"]) + self_report
                                      + n_excl.get("sitting", 0))
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)
