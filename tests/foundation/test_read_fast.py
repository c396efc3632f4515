"""The fast CSV reader gives exactly what the careful (Python csv) reader gives, or steps aside."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glute_study._read import _read_text_careful, _read_text_fast

_CELL = st.one_of(
    st.sampled_from(["", " ", "P01", "1.5", "2024-01-02", "a b", "x,y", 'say "hi"', "é",
                     "NA", "  padded  ", "line\nbreak", "semi;colon", "\t"]),
    st.text(alphabet=st.characters(codec="utf-8", exclude_characters="\r\x00"), max_size=6),
)


def _field(cell: str, delimiter: str) -> str:
    if any(c in cell for c in (delimiter, '"', "\n")) or cell != cell.strip():
        return '"' + cell.replace('"', '""') + '"'
    return cell


@st.composite
def _csv(draw):
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    width = draw(st.integers(2, 5))
    header = [f"col{i}" for i in range(width)]
    rows = draw(st.lists(st.lists(_CELL, min_size=width, max_size=width), max_size=12))
    lines = [delimiter.join(header)]
    for row in rows:
        if draw(st.booleans()) and draw(st.booleans()):
            lines.append(draw(st.sampled_from(["", "   ", delimiter * (width - 1)])))
        lines.append(delimiter.join(_field(c, delimiter) for c in row))
    if draw(st.booleans()):
        lines.insert(0, "")
    if delimiter != "," and draw(st.booleans()):
        lines.insert(0, f"sep={delimiter}")
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    text = eol.join(lines) + draw(st.sampled_from(["", eol, eol + eol]))
    bom = draw(st.sampled_from([b"", b"\xef\xbb\xbf"]))
    return bom + text.encode("utf-8")


def _cells(raw) -> list[list[str]]:
    return [col.to_pylist() for col in raw.columns]


@settings(max_examples=300, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=_csv())
def test_fast_reader_agrees_with_the_careful_one(tmp_path, data):
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    careful = _read_text_careful(path, data)
    fast = _read_text_fast(path, data)
    if fast is None:  # stepped aside: the careful reader handles the file
        return
    assert fast.header == careful.header
    assert _cells(fast) == _cells(careful)
    np.testing.assert_array_equal(fast.lines, careful.lines)
    assert fast.decimal_comma == careful.decimal_comma
    assert not careful.ragged


def test_fast_reader_takes_the_common_file_and_numbers_its_lines(tmp_path):
    raw = _read_text_fast(tmp_path / "t.csv",
                          b"\xef\xbb\xbfa,b\r\n1,x\r\n\r\n2,\"y, z\"\r\n,\r\n3,w\r\n")
    assert raw is not None
    assert _cells(raw) == [["1", "2", "3"], ["x", "y, z", "w"]]
    assert raw.lines.tolist() == [2, 4, 6]


def test_fast_reader_steps_aside_for_what_it_cannot_number(tmp_path):
    cases = {
        "quoted line break": b'a,b\n1,"x\ny"\n',
        "ragged row": b"a,b\n1,2,3\n",
        "latin-1": "a,b\n1,Zürich\n".encode("latin-1"),
        "bare carriage return": b"a,b\r1,2\r",
        "utf-16": "a,b\n1,2\n".encode("utf-16"),
    }
    for name, data in cases.items():
        assert _read_text_fast(tmp_path / "t.csv", data) is None, name


def test_one_mistake_in_a_whole_large_column_is_a_bounded_list(tmp_path):
    """20,000 durations typed in seconds: 100 rows one by one, then one row for the rest."""
    from glute_study import load_study
    from glute_study.validate import _EACH, ValidationError

    rows = ["participant_id,sex,body_mass_kg,prior_cramps,follow_up_start,follow_up_end",
            "P1,male,80,false,2024-01-01,2024-12-31"]
    (tmp_path / "participants.csv").write_text("\n".join(rows) + "\n")
    body = "".join(f"P1,S{i},2024-03-01,training,5400\n" for i in range(20_000))
    (tmp_path / "exposure.csv").write_text(
        "participant_id,session_id,date,session_type,duration_min\n" + body)
    try:
        problems = load_study(tmp_path).problems
    except ValidationError as err:
        problems = err.problems
    ranged = problems[(problems["column"] == "duration_min")
                      & problems["rule"].str.startswith("out of range")]
    assert len(ranged) == _EACH + 1
    summary = ranged.iloc[-1]
    assert f"{20_000 - _EACH} more rows" in summary["rule"]
    assert summary["line"] == _EACH + 2
    assert len(summary["rule"]) < 400
