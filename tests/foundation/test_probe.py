"""Probes of issue 11's promises as a hostile tester tries them: each case here once broke one.

Never a traceback for a user's mistake (a one-line error naming the file), never a wrong reading
without a warning, no hang on a device or a decompression bomb, nothing typed that rewrites the
terminal.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import lzma
import os
import warnings
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from glute_study import load_study
from glute_study._read import MAX_RATIO, RATIO_FLOOR, decode
from glute_study._text import FileFormatError, decode_bytes, read_text
from glute_study.cli import main
from glute_study.errors import GluteStudyError, GluteStudyWarning, StudyReadError
from glute_study.io import read_actigraph, read_activpal, read_emg, read_strength
from glute_study.io.redcap import read_redcap

from .conftest import read_rows, write_rows
from .test_validate import find, problems_of

DATA = Path(__file__).parents[1] / "io" / "data"
TEMPLATES = Path(__file__).parents[2] / "glute_study" / "io" / "templates"
READERS = {
    "strength": (read_strength, DATA / "strength_vald.csv"),
    "emg": (read_emg, DATA / "emg_trigno.csv"),
    "activpal": (read_activpal, DATA / "eventsex_preamble_latin1.csv"),
    "actigraph": (read_actigraph, DATA / "actigraph_names_dmy.csv"),
}


# ------------------------------------------------------------------ one decoder, line by line


def _hostile_encodings(raw: bytes) -> dict[str, bytes]:
    text = raw.decode("utf-8-sig", errors="replace")
    utf16 = text.encode("utf-16")
    return {
        "utf-8 mark, then a byte that is not UTF-8": codecs.BOM_UTF8
        + raw.removeprefix(codecs.BOM_UTF8).replace(b"\n", b"\n\xff", 1),
        "utf-16 mark, odd number of bytes": utf16 + b"A",
        "utf-16 mark, a lone surrogate": utf16[:40] + b"\x00\xd8" + utf16[40:],
        "utf-16 without a mark, cut": text.encode("utf-16-le")[:-1],
        "a NUL byte": raw[:200] + b"\x00" + raw[200:],
    }


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize("case", list(_hostile_encodings(b"a\nb")))
def test_device_readers_never_raise_a_decoding_traceback(tmp_path, reader, case):
    read, sample = READERS[reader]
    path = tmp_path / f"P01_{reader}.csv"
    path.write_bytes(_hostile_encodings(sample.read_bytes())[case])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", GluteStudyWarning)
        try:
            read(path)
        except GluteStudyError as err:
            assert path.name in str(err) and "\n" not in str(err)


def test_utf16_that_cannot_be_decoded_names_the_file_and_line():
    with pytest.raises(FileFormatError, match=r"x\.csv, line 3: .*UTF-16.*odd number of bytes"):
        decode_bytes(codecs.BOM_UTF16_LE + "a,b\n1,2\n".encode("utf-16-le") + b"A", "x.csv")
    with pytest.raises(FileFormatError, match=r"x\.csv, line 2: .*not UTF-16"):
        decode_bytes(codecs.BOM_UTF16_LE + "a,b\n".encode("utf-16-le") + b"\x00\xd8", "x.csv")


def test_device_text_mixing_utf8_and_latin1_is_decoded_line_by_line_with_a_warning(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes("team,city\nA,Zürich\n".encode() + "B,Zürich\nC,Genève\n".encode("latin-1"))
    with pytest.warns(GluteStudyWarning, match=r"mixed\.csv: not UTF-8: 2 lines \(3-4\).*mixes"):
        text = read_text(path)
    assert text.lines == ["team,city", "A,Zürich", "B,Zürich", "C,Genève"]
    # a file wholly in Windows-1252 (as Windows tools write it) is read as it always was
    path.write_bytes("team,city\nB,Zürich\n".encode("cp1252"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_text(path).lines[1] == "B,Zürich" and read_text(path).encoding == "cp1252"


def test_redcap_export_mixing_encodings_keeps_every_accent(tmp_path):
    lines = (DATA / "redcap_glute_data.csv").read_text(encoding="utf-8").split("\n")
    body = [ln.replace("Football", "Fußball").replace("Hockey", "Rückhand").encode(
        "utf-8" if i < 2 else "latin-1") for i, ln in enumerate(lines)]
    path = tmp_path / "export.csv"
    path.write_bytes(b"\n".join(body))
    with pytest.warns(GluteStudyWarning, match="export.csv: not UTF-8"):
        export = read_redcap(path, TEMPLATES / "redcap_dictionary.csv")
    sports = set(export.records["dem_sport"].dropna())
    assert {"Fußball", "Rückhand"} <= sports and not any("Ã" in s for s in sports)


def test_text_lines_break_only_at_line_ends(tmp_path):
    # str.splitlines also breaks at U+2028, U+0085 and form feeds a cell may hold
    path = tmp_path / "x.csv"
    path.write_bytes("a,b\n1,x\u2028y\n2,\x0cz\x85\n3,w\n".encode())
    assert len(read_text(path).lines) == 4


@pytest.mark.parametrize("reader", list(READERS))
def test_device_readers_refuse_a_device_or_a_pipe_without_reading(tmp_path, reader):
    read, _ = READERS[reader]
    link = tmp_path / "P01.csv"
    link.symlink_to("/dev/zero")
    with pytest.raises(StudyReadError, match="a device, not a file"):
        read(link)
    fifo = tmp_path / "P02.csv"
    os.mkfifo(fifo)  # opening a pipe without a writer would wait for ever
    with pytest.raises(StudyReadError, match="a pipe"):
        read(fifo)


def test_decode_is_the_one_decoder_for_tables_and_exports():
    raw = "a\nZürich\n".encode() + "Zürich\n".encode("latin-1")
    decoded = decode(raw)
    assert decode_bytes(raw) == (decoded.text, decoded.encoding)
    assert decoded.legacy_lines == (3,) and decoded.mixed


# ------------------------------------------------------------------ decompression bombs

_BOMB = b"participant_id,datetime\n" + b"0" * (RATIO_FLOOR + 2**20)


def _zip(name: str, data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return out.getvalue()


def _lying_zip(name: str, data: bytes) -> bytes:
    """A zip whose header declares a tiny unpacked size for a large member."""
    raw = bytearray(_zip(name, data))
    info = zipfile.ZipFile(io.BytesIO(bytes(raw))).infolist()[0]
    size = len(data).to_bytes(4, "little")
    for at in (raw.find(size), raw.rfind(size)):  # local and central headers
        raw[at:at + 4] = (100).to_bytes(4, "little")
    assert info.file_size == len(data)
    return bytes(raw)


@pytest.mark.parametrize("name, data", [
    ("cramps.csv.gz", gzip.compress(_BOMB)),
    ("cramps.csv.bz2", bz2.compress(_BOMB)),
    ("cramps.csv.xz", lzma.compress(_BOMB)),
    ("cramps.zip", _zip("cramps.csv", _BOMB)),
    ("cramps.csv.zip", _lying_zip("cramps.csv", _BOMB)),
], ids=["gz", "bz2", "xz", "zip", "zip that lies about its size"])
def test_a_decompression_bomb_is_refused_naming_the_file_and_the_limit(study_dir, name, data):
    (study_dir / "cramps.csv").unlink()
    (study_dir / name).write_bytes(data)
    problems = problems_of(study_dir)
    hit = problems[(problems["file"] == name) & (problems["severity"] == "error")]
    assert len(hit) == 1, problems
    assert f"{MAX_RATIO} times" in hit["rule"].iloc[0] or "cannot be read" in hit["rule"].iloc[0]


def test_a_workbook_or_parquet_bomb_is_refused_before_it_is_unpacked(study_dir):
    rows = read_rows(study_dir, "cramps")
    frame = pd.DataFrame(rows[1:], columns=rows[0])
    book = io.BytesIO()
    frame.to_excel(book, index=False, sheet_name="cramps")
    src = zipfile.ZipFile(io.BytesIO(book.getvalue()))
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        for member in src.infolist():
            body = src.read(member)
            if member.filename.startswith("xl/worksheets/"):
                body = body.replace(b"<sheetData>", b"<sheetData>" + b" " * (RATIO_FLOOR + 1))
            archive.writestr(member.filename, body)
    (study_dir / "cramps.csv").unlink()
    (study_dir / "cramps.xlsx").write_bytes(bomb.getvalue())
    find(problems_of(study_dir), severity="error", file="cramps.xlsx",
         rule="100 times its compressed size")
    (study_dir / "cramps.xlsx").unlink()
    pd.DataFrame({"participant_id": ["P001"] * (RATIO_FLOOR // 2 + 1)}).to_parquet(
        study_dir / "cramps.parquet", compression="zstd")
    find(problems_of(study_dir), severity="error",
         file="cramps.parquet", rule="rows of 1 column(s)")


def test_a_small_table_that_compresses_well_is_still_read(study_dir):
    rows = read_rows(study_dir, "cramps")
    data = (study_dir / "cramps.csv").read_bytes()
    (study_dir / "cramps.csv").unlink()
    (study_dir / "cramps.csv.gz").write_bytes(gzip.compress(data + b"\n" * 100_000))
    assert len(load_study(study_dir).cramps) == len(rows) - 1


# ------------------------------------------------------------------ the terminal


def test_escape_sequences_typed_into_a_study_are_printed_escaped(study_dir, capsys):
    rows = read_rows(study_dir, "participants")
    col = rows[0].index("sex")
    rows[1][col] = "fe\x1b[2J\x1b]0;owned\x07male\u202e\x9b31m"
    write_rows(study_dir, "participants", rows)
    for argv in (["validate", str(study_dir)], ["validate", "--format", "json", str(study_dir)]):
        main(argv)
        out, err = capsys.readouterr()
        for stream in (out, err):
            assert not any(c in stream for c in "\x1b\x07\x9b\u202e")
        assert "\\x1b[2J" in out or "\\u001b[2J" in out


def test_a_closed_pipe_is_not_a_traceback(study_dir):
    import subprocess
    import sys

    with subprocess.Popen([sys.executable, "-m", "glute_study.cli", "validate", "--format",
                           "json", str(study_dir)], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])}) as proc:
        proc.stdout.close()  # as `| head` does once it has read enough
        err = proc.stderr.read().decode()
    assert "Traceback" not in err and "BrokenPipe" not in err


# ------------------------------------------------------------------ figures


def _legend(ax) -> list[str]:
    import matplotlib.pyplot as plt

    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    plt.close(ax.figure)
    return texts


@pytest.mark.parametrize("group", ["_control", "__init__", "_"])
def test_a_typed_group_starting_with_an_underscore_is_in_the_legend(group):
    import numpy as np

    from glute_study._escape import figure_text
    from glute_study.figures import get_ax, km_plot
    from glute_study.stats.survival import kaplan_meier

    rng = np.random.default_rng(3)
    data = pd.DataFrame({"arm": np.repeat([group, "training"], 15),
                         "days": rng.uniform(1, 100, 30), "cramp": rng.integers(0, 2, 30)})
    shown = _legend(km_plot(kaplan_meier(data, time="days", event="cramp", group="arm")))
    assert any(group in s for s in shown) and any("training" in s for s in shown), shown
    ax = get_ax()  # as the notebooks draw a scatter by group
    for arm, part in data.groupby("arm"):
        ax.scatter(part["days"], part["cramp"], label=figure_text(arm))
    ax.legend()
    assert sorted(s.lstrip("\u200b") for s in _legend(ax)) == sorted([group, "training"])


# ------------------------------------------------------------------ headers


def test_ten_thousand_unknown_columns_are_a_few_warnings_not_a_flood(study_dir):
    rows = read_rows(study_dir, "participants")
    extra = [f"x{i}" for i in range(10_000)]
    write_rows(study_dir, "participants", [rows[0] + extra] + [r + [""] * len(extra)
                                                               for r in rows[1:]])
    problems = problems_of(study_dir)
    assert len(problems) <= 12, problems
    hit = find(problems, severity="warning", file="participants.csv",
               rule="9990 more columns like the 10 above")
    assert "'x10'" in hit["rule"] and "and 9970 more" in hit["rule"]


def test_many_doubled_columns_are_one_error_past_the_first_ten(study_dir):
    rows = read_rows(study_dir, "participants")
    write_rows(study_dir, "participants", [r + r for r in rows])
    problems = problems_of(study_dir)
    dup = problems[problems["rule"].str.startswith("duplicate column")]
    assert len(dup) == min(len(rows[0]), 10) + (len(rows[0]) > 10), dup


def test_a_column_without_a_name_that_holds_values_is_named_not_dropped_silently(study_dir):
    rows = read_rows(study_dir, "participants")
    write_rows(study_dir, "participants", [rows[0] + ["", ""]]
               + [r + ["", "coach said ok" if i == 2 else ""] for i, r in enumerate(rows[1:])])
    hit = find(problems_of(study_dir), severity="warning", file="participants.csv",
               rule="column without a name")
    assert f"column {chr(ord('A') + len(rows[0]) + 1)}" in hit["rule"]
    # empty trailing columns, as Excel leaves them, are no problem
    write_rows(study_dir, "participants", [rows[0] + ["", ""]] + [r + ["", ""] for r in rows[1:]])
    assert problems_of(study_dir).empty


# ------------------------------------------------------------------ outputs inside the study


@pytest.mark.parametrize("where", [".", "summary", "a/b/.."])
def test_summary_report_and_reliability_refuse_an_out_inside_the_study(study_dir, where):
    from glute_study.errors import InputError
    from glute_study.report.runner import run_report
    from glute_study.summary import write_summary

    before = sorted(p.name for p in study_dir.iterdir())
    out = study_dir / where
    with pytest.raises(InputError, match="study folder"):
        write_summary(study_dir, out)
    with pytest.raises(InputError, match="study folder"):
        run_report(out, parameters={"study_dir": str(study_dir)})
    assert main(["reliability", str(study_dir), "--out", str(out / "icc.csv")]) == 1
    link = study_dir.parent / "link"
    link.symlink_to(study_dir)
    with pytest.raises(InputError, match="inside the study folder"):
        write_summary(link, study_dir / "s")
    assert sorted(p.name for p in study_dir.iterdir()) == before


# ------------------------------------------------------------------ long cells, odd numbers


def test_a_cell_longer_than_pythons_csv_limit_is_a_cell(study_dir, tmp_path):
    rows = read_rows(study_dir, "participants")
    rows[0].append("n" * 200_000)  # a header cell, read by the fast path's header parser
    rows[1:] = [r + [""] for r in rows[1:]]
    rows[1][rows[0].index("sport")] = "é" * 200_000  # and a cell, on the careful path
    text = "\n".join(",".join(r) for r in rows) + "\n"
    (study_dir / "participants.csv").write_bytes(text.encode("latin-1"))
    find(problems_of(study_dir), severity="warning", file="participants.csv",
         rule="unknown column")
    sample = (DATA / "strength_vald.csv").read_text(encoding="utf-8")
    path = tmp_path / "P01_strength.csv"
    path.write_text(sample + "P003," + "9" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match=r"P01_strength\.csv, line \d+: 2 fields"):
        read_strength(path)


@pytest.mark.parametrize("value", ["inf", "-Infinity", "1e999", "nan"])
def test_a_device_number_that_is_not_finite_names_its_line(tmp_path, value):
    sample = (DATA / "strength_vald.csv").read_text(encoding="utf-8")
    path = tmp_path / "P01_strength.csv"
    path.write_text(sample.replace("402.0", value, 1), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no RuntimeWarning from NumPy either
        with pytest.raises(FileFormatError, match=f"line 3: column 'L Max Force.*{value}"):
            read_strength(path)
    path.write_text(sample.replace("402.0", "1e308", 1), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(FileFormatError, match="line 3: 'Max Imbalance"):
            read_strength(path)


def test_an_emg_sample_that_is_not_finite_names_its_line(tmp_path):
    lines = (DATA / "emg_trigno.csv").read_text(encoding="utf-8").split("\n")
    lines[10] = lines[10].replace("0.", "inf", 1) if "0." in lines[10] else lines[10]
    path = tmp_path / "P01_emg.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(FileFormatError, match=r"line 11: .*'inf"):
            read_emg(path)


def test_mediation_never_writes_into_the_study_it_reads(tmp_path):
    """Its files would be read as part of the study next time: refused before the bootstrap."""
    from glute_study import simulate_study
    from glute_study.cli import main

    study = simulate_study(n=40, seed=5).save(tmp_path / "study")
    before = sorted(p.name for p in study.iterdir())
    code = main(["mediation", str(study), "--x", "sitting_h_day", "--m", "glute_nm_kg",
                 "--y", "hamstring_cramps", "--exposure", "exposure_h", "--n-boot", "100",
                 "--seed", "1", "--out", str(study / "mediation")])
    assert code == 1
    assert sorted(p.name for p in study.iterdir()) == before
