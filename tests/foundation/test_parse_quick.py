"""The quick path for plainly valid columns gives what the careful path gives, cell for cell."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glute_study import validate
from glute_study.codebook import CODEBOOK

COLUMNS = [(t.name, c) for t in CODEBOOK.values() for c in t.columns
           if c.dtype in ("number", "integer", "date", "category", "string", "boolean")]

_PLAIN = {
    "number": ["0", "1", "2.5", "-3", "+4.25", ".5", "7.", "1e3", "72.0", "150", "999", "1e400"],
    "integer": ["0", "1", "2", "17", "-4", "+3", "2024", "999", "1.0", "123456789012345678"],
    "date": ["2024-01-02", "2023-12-31", "2024-02-29", "2024-02-30", "1500-01-01", "2024-1-2",
             "2024-13-01", "2024-01-02 00:00"],
    "string": ["P01", "p01", "gluteus_maximus", "hip_thrust", "S1", "a b", "x-y"],
    "boolean": ["true", "false", "TRUE", "False", "yes", "no", "Y", "n", "1", "0", "1.0", "t"],
}
_TRICKY = ["inf", "nan", "-Infinity", "0x1A", "1e3", "\u0661", "1e-400", "", " ", "NA", "n/a",
           "#N/A", "-", ".", "?", "#DIV/0!", "err:502", "1,5", "1,078", "Zürich", "é", " 3 ",
           "Male", "female ", "LEFT", "1 078", "12:00", "true", "∞"]


def _cells(col):
    plain = list(col.allowed) if col.dtype == "category" else _PLAIN[col.dtype]
    only_plain = st.lists(st.sampled_from([*plain, ""]), min_size=1, max_size=8)
    mixed = st.lists(st.one_of(st.sampled_from(plain), st.sampled_from(_TRICKY)), min_size=1,
                     max_size=8)
    return st.one_of(only_plain, mixed)


def _same(a, b) -> None:
    left = pd.Series(pd.array(a) if not isinstance(a, np.ndarray) else a, dtype=object)
    right = pd.Series(pd.array(b) if not isinstance(b, np.ndarray) else b, dtype=object)
    assert left.isna().tolist() == right.isna().tolist()
    assert left[left.notna()].tolist() == right[right.notna()].tolist()


@pytest.mark.parametrize(("table", "col"), COLUMNS, ids=[f"{t}.{c.name}" for t, c in COLUMNS])
@pytest.mark.parametrize("decimal_comma", [False, True])
def test_quick_path_agrees_with_the_careful_path(table, col, decimal_comma, monkeypatch):
    @settings(max_examples=40, derandomize=True, deadline=None)
    @given(cells=_cells(col))
    def check(cells):
        series = validate._text_series(validate.arrow_text(cells))
        quick = validate._parse_plain_column(series, col, decimal_comma)
        if quick is None:
            return
        with monkeypatch.context() as m:
            m.setattr(validate, "_parse_plain_column", lambda *a: None)
            careful = validate._parse_text_column(series, col, decimal_comma)
        _same(quick.values, careful.values)
        assert quick.missing.tolist() == careful.missing.tolist()
        assert quick.bad.tolist() == careful.bad.tolist()
        assert list(quick.shown) == list(careful.shown)
        assert quick.why == careful.why
        assert quick.notes == careful.notes
        assert pd.Series(quick.values).dtype == pd.Series(careful.values).dtype

    check()


@pytest.mark.parametrize("day", ["2024-02-30", "2023-02-29", "2024-04-31", "2024-00-10",
                                 "2024-01-00", "1500-01-01", "2300-01-01", "0000-01-01"])
def test_quick_path_never_reads_an_impossible_date(day):
    series = validate._text_series(validate.arrow_text(["2024-01-02", day]))
    col = CODEBOOK["exposure"].column("date")
    assert validate._parse_plain_column(series, col, False) is None


def test_quick_path_takes_plain_columns():
    series = validate._text_series(validate.arrow_text(["1.5", "", "2"]))
    col = CODEBOOK["sitting"].column("prolonged_sitting_h")
    got = validate._parse_plain_column(series, col, False)
    assert got is not None and got.missing.tolist() == [False, True, False]
