"""Properties of hand-typed values, for every codebook column: a human-style variant of a valid
value (case, spaces, missing-value spellings, thousands separators, swapped day and month,
non-ISO dates) loads to the right value or raises ValidationError naming the cell, and never
changes the loaded value without a warning row naming it; a whole column typed in one of the
codebook's misread units (x2.2 lb, x100 cm, /60 h, ...) never loads without a word."""

from __future__ import annotations

import math
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glute_study import ValidationError, load_study, simulate_study
from glute_study.codebook import CODEBOOK, MISSING_CODES, MISSING_NUMBERS
from glute_study.validate import _spelling_key

from .conftest import read_rows, write_rows

_BASE = Path(tempfile.mkdtemp(prefix="glute_human_")) / "study"
simulate_study(n=6, seed=17).save(_BASE)
_STUDY = load_study(_BASE)
_TABLES = [t for t in CODEBOOK if (_BASE / f"{t}.csv").exists() and len(_STUDY.tables[t])]
_IDS = ("participant_id", "session_id")


def _case_variants(text: str) -> list[str]:
    return [text.upper(), text.title(), f" {text} ", text.replace("_", " "),
            text.replace("_", "-").capitalize(), text.replace("_", "  ")]


def _variants(col, typed: str, value) -> list[tuple[str, object]]:
    """(typed variant, the value it should load as) for one cell of ``col``."""
    codes = [c for c in MISSING_CODES if c] + ["NA", "#N/A", "N.A.", "Missing"]
    if col.name not in _IDS:
        codes += [str(n) for n in MISSING_NUMBERS if col.dtype not in ("number", "integer")]
    out: list[tuple[str, object]] = [(c, None) for c in codes]
    if col.dtype == "category" or (col.dtype == "string" and col.fold):
        out += [(v, value) for v in _case_variants(typed)]
    elif col.dtype in ("number", "integer"):
        out += [(f" {typed} ", value), (f"{typed}  ", value)]
        if (col.minimum or 0) <= 1078 <= (col.maximum or math.inf) and col.name not in (
                "trial", "session"):
            out += [(v, 1078.0) for v in ("1,078", "1 078", "1,078.0", "1.078,0", "1078")]
    elif col.dtype in ("date", "datetime"):
        day, _, clock = typed.partition(" ")
        y, m, d = day.split("-")
        rest = f" {clock}" if clock else ""
        out += [(f"{d}/{m}/{y}{rest}", value), (f"{int(d)}.{int(m)}.{y}{rest}", value),
                (f"{m}/{d}/{y}{rest}", value)]
        if int(d) > 12:
            out.append((f"{y}-{d}-{m}{rest}", value))
    elif col.dtype == "boolean":
        out += [(typed.upper(), value), (f" {typed.title()} ", value)]
    return out


@st.composite
def human_slip(draw):
    table = draw(st.sampled_from(_TABLES))
    header = read_rows(_BASE, table)[0]
    col = CODEBOOK[table].column(draw(st.sampled_from(header)))
    row = draw(st.integers(min_value=0, max_value=len(_STUDY.tables[table]) - 1))
    typed = read_rows(_BASE, table)[row + 1][header.index(col.name)]
    if typed == "":
        return None
    value = _STUDY.tables[table][col.name].iloc[row]
    variant, expected = draw(st.sampled_from(_variants(col, typed, value)))
    return table, col, row, variant, expected


def _same(loaded, expected, col) -> bool:
    if expected is None or pd.isna(expected):
        return pd.isna(loaded)
    if pd.isna(loaded):
        return False
    if col.dtype == "string":
        return _spelling_key(str(loaded)) == _spelling_key(str(expected))
    if col.dtype in ("number", "integer"):
        return float(loaded) == pytest.approx(float(expected))
    return loaded == expected


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(human_slip())
def test_a_human_slip_loads_right_or_is_named(slip):
    if slip is None:
        return
    table, col, row, variant, expected = slip
    folder = Path(tempfile.mkdtemp(prefix="glute_slip_")) / "study"
    try:
        shutil.copytree(_BASE, folder)
        rows = read_rows(folder, table)
        rows[row + 1][rows[0].index(col.name)] = variant
        write_rows(folder, table, rows)
        line = row + 2
        try:
            study = load_study(folder)
        except ValidationError as err:
            errors = err.problems[err.problems["severity"] == "error"]
            named = errors[(errors["file"] == f"{table}.csv") & (errors["line"] == line)
                           & (errors["column"] == col.name)]
            if col.name in _IDS and named.empty:
                named = errors[errors["column"] == col.name]
            assert not named.empty, (variant, errors.to_string())
            return
        at = list(study.lines[table]).index(line)
        loaded = study.tables[table][col.name].iloc[at]
        value = _STUDY.tables[table][col.name].iloc[row]
        if _same(loaded, expected, col) and _same(loaded, value, col):
            return
        problems = study.problems
        named = problems[(problems["file"] == f"{table}.csv") & (problems["line"] == line)
                         & (problems["column"] == col.name)]
        assert not named.empty, (variant, loaded, expected, problems.to_string())
        assert _same(loaded, expected, col), (variant, loaded, expected)
    finally:
        shutil.rmtree(folder.parent, ignore_errors=True)


_MISREADS = [(t.name, c.name, m.unit, m.factor) for t in CODEBOOK.values() for c in t.columns
             for m in c.misreads if t.name in _TABLES]


@pytest.mark.parametrize(("table", "column", "unit", "factor"), _MISREADS,
                         ids=[f"{t}.{c}-in-{u}" for t, c, u, _ in _MISREADS])
def test_a_whole_column_in_a_misread_unit_is_never_silent(tmp_path, table, column, unit, factor):
    folder = tmp_path / "study"
    shutil.copytree(_BASE, folder)
    rows = read_rows(folder, table)
    if column not in rows[0]:  # an optional column the base study leaves out: give it values
        rows[0].append(column)
        for r in rows[1:]:
            r.append("2")  # 2 h, 2 kg...: plausible in the column's own unit
    k = rows[0].index(column)
    for r in rows[1:]:
        if r[k]:
            r[k] = f"{float(r[k]) / factor:.6g}"
    write_rows(folder, table, rows)
    try:
        problems = load_study(folder).problems
    except ValidationError as err:
        problems = err.problems
    assert ((problems["file"] == f"{table}.csv") & (problems["column"] == column)).any(), (
        problems.to_string())
