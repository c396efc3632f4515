"""What people put in a study folder: every file-level fault is a message, never a traceback.

Each fault is applied to a copy of a valid study, then ``glute-study validate`` runs in both
output formats: the exit code is the expected one and the output names the file at fault.
"""

from __future__ import annotations

import bz2
import datetime as dt
import gzip
import json
import lzma
import os
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from glute_study import load_study
from glute_study._read import PACKAGE_FILES
from glute_study.cli import main

from .conftest import read_rows, write_rows
from .test_validate import find, problems_of


def _csv(folder: Path, table: str) -> bytes:
    return (folder / f"{table}.csv").read_bytes()


def _move(folder: Path, table: str, name: str) -> None:
    (folder / f"{table}.csv").rename(folder / name)


def _compress(opener, suffix):
    def fault(folder):
        data = _csv(folder, "cramps")
        (folder / f"cramps.csv{suffix}").write_bytes(opener(data))
        (folder / "cramps.csv").unlink()
    return fault


def _zip(*members):
    def fault(folder):
        with zipfile.ZipFile(folder / "cramps.zip", "w") as archive:
            for member in members:
                archive.writestr(member, _csv(folder, "cramps"))
        (folder / "cramps.csv").unlink()
    return fault


def _link(target):
    def fault(folder):
        (folder / "cramps.csv").unlink()
        os.symlink(target(folder) if callable(target) else target, folder / "cramps.csv")
    return fault


def _loop(folder):
    (folder / "cramps.csv").unlink()
    os.symlink(folder / "loop_b", folder / "cramps.csv")
    os.symlink(folder / "cramps.csv", folder / "loop_b")


def _fifo(folder):
    (folder / "cramps.csv").unlink()
    os.mkfifo(folder / "cramps.csv")


def _directory(folder):
    (folder / "cramps.csv").rename(folder / "cramps_tmp")
    (folder / "cramps.csv").mkdir()
    (folder / "cramps_tmp").rename(folder / "cramps.csv" / "cramps.csv")


def _doubled(folder):
    pd.read_csv(folder / "cramps.csv").to_parquet(folder / "cramps.parquet")


def _write(name, data=b"x,y\n1,2\n"):
    def fault(folder):
        (folder / name).write_bytes(data)
    return fault


def _replace(table, name, data):
    def fault(folder):
        (folder / f"{table}.csv").unlink()
        (folder / name).write_bytes(data)
    return fault


def _parquet_before_1677(folder):
    frame = pd.read_csv(folder / "cramps.csv")
    frame["datetime"] = pd.Series([dt.datetime(1500, 1, 1)] * len(frame), dtype="datetime64[s]")
    frame.to_parquet(folder / "cramps.parquet")
    (folder / "cramps.csv").unlink()


def _odd_bytes_in_a_name(folder):
    with open(os.fsencode(folder) + b"/notes\xff.csv", "wb") as handle:
        handle.write(b"a,b\n")


def _socket(folder):
    import socket

    (folder / "cramps.csv").unlink()
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(folder / "cramps.csv"))
    except OSError as err:  # a path too long for a socket address
        pytest.skip(f"cannot make a socket here ({err})")
    finally:
        server.close()


def _in_a_folder(table):
    def fault(folder):
        (folder / f"{table}.csv").rename(folder / "tmp.csv")
        (folder / table).mkdir()
        (folder / "tmp.csv").rename(folder / table / f"{table}.csv")
    return fault


def _as(folder, table, real, name):
    """Save ``table`` as ``real`` (.xlsx, .parquet, .csv.gz) under the file name ``name``."""
    frame = pd.read_csv(folder / f"{table}.csv")
    (folder / f"{table}.csv").unlink()
    target = folder / name
    if real == ".xlsx":
        frame.to_excel(target, index=False, sheet_name=table, engine="openpyxl")
    elif real == ".parquet":
        frame.to_parquet(target)
    else:
        target.write_bytes(gzip.compress(frame.to_csv(index=False).encode()))


# fault: (apply, exit code, file the output must name)
FAULTS = {
    "participants missing": (lambda f: (f / "participants.csv").unlink(), 1, "participants.csv"),
    "participants misnamed": (lambda f: _move(f, "participants", "participant.csv"), 1,
                              "participant.csv"),
    "participants with a version": (lambda f: _move(f, "participants", "Participants_v2.csv"),
                                    1, "Participants_v2.csv"),
    "participants with a space": (lambda f: _move(f, "participants", "participants .csv"), 1,
                                  "participants .csv"),
    "empty table": (_write("cramps.csv", b""), 1, "cramps.csv"),
    "blank lines only": (_write("cramps.csv", b"\n \n\n"), 1, "cramps.csv"),
    "binary table": (_write("cramps.csv", b"\x00\x01\x02PK\x03\x04" * 10), 1, "cramps.csv"),
    "doubled table": (_doubled, 1, "cramps.parquet"),
    "unknown suffix": (lambda f: _move(f, "cramps", "cramps.sav"), 1, "cramps.sav"),
    "old excel": (lambda f: _move(f, "cramps", "cramps.xls"), 1, "cramps.xls"),
    "opendocument": (lambda f: _move(f, "cramps", "cramps.ods"), 1, "cramps.ods"),
    "csv renamed xlsx": (lambda f: _move(f, "participants", "participants.xlsx"), 1,
                         "participants.xlsx"),
    "xls renamed xlsx": (_replace("cramps", "cramps.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
                                  + b"\x00" * 600), 1, "cramps.xlsx"),
    "corrupt xlsx": (_replace("cramps", "cramps.xlsx", b"PK\x03\x04 not really"), 1,
                     "cramps.xlsx"),
    "corrupt parquet": (_replace("cramps", "cramps.parquet", b"PAR1 nope"), 1,
                        "cramps.parquet"),
    "corrupt gzip": (_replace("cramps", "cramps.csv.gz", b"\x1f\x8b not gzip"), 1,
                     "cramps.csv.gz"),
    "gzip without a format": (_replace("cramps", "cramps.gz", gzip.compress(b"a\n")), 1,
                              "cramps.gz"),
    "zip of two files": (_zip("cramps.csv", "notes.csv"), 1, "notes.csv"),
    "empty zip": (_zip(), 1, "cramps.zip"),
    "zip of no table": (_zip("cramps.sav"), 1, "cramps.zip"),
    "folder named like a table": (_directory, 1, "cramps.csv"),
    "broken link": (_link("/no/such/file.csv"), 1, "cramps.csv"),
    "link loop": (_loop, 1, "cramps.csv"),
    "link to a device": (_link("/dev/zero"), 1, "cramps.csv"),
    "pipe": (_fifo, 1, "cramps.csv"),
    "link to a folder": (_link(lambda f: f), 1, "cramps.csv"),
    "socket": (_socket, 1, "cramps.csv"),
    "participants in a folder": (_in_a_folder("participants"), 1,
                                 "participants/participants.csv"),
    "optional table in a folder": (_in_a_folder("cramps"), 0, "cramps/cramps.csv"),
    "xlsx renamed csv": (lambda f: _as(f, "cramps", ".xlsx", "cramps.csv"), 1,
                         "rename it to cramps.xlsx"),
    "parquet renamed csv": (lambda f: _as(f, "cramps", ".parquet", "cramps.csv"), 1,
                            "rename it to cramps.parquet"),
    "gzip renamed csv": (lambda f: _as(f, "cramps", ".csv.gz", "cramps.csv"), 1,
                         "rename it to cramps.csv.gz"),
    "csv renamed parquet": (lambda f: _move(f, "cramps", "cramps.parquet"), 1,
                            "rename it to cramps.csv"),
    "pdf named csv": (_write("cramps.csv", b"%PDF-1.4\n..."), 1, "a PDF document"),
    "only a backup of participants": (lambda f: _move(f, "participants", "participants.bak"),
                                      1, "participants.bak"),
    "only a backup of cramps": (lambda f: _move(f, "cramps", "cramps.old"), 0, "cramps.old"),
    "stray csv": (_write("notes.csv"), 0, "notes.csv"),
    "odd bytes in a file name": (_odd_bytes_in_a_name, 0, "notes"),
    "table without a suffix": (lambda f: _move(f, "cramps", "cramps"), 1, "without a suffix"),
    "suffix ending in a space": (lambda f: _move(f, "cramps", "cramps.csv "), 1,
                                 "rename it to cramps.csv"),
    "parquet dates before 1677": (_parquet_before_1677, 1, "cramps.parquet"),
    "misnamed optional table": (lambda f: _move(f, "cramps", "cramp.csv"), 0, "cramp.csv"),
    "bad study.json": (_write("study.json", b"{not json"), 1, "study.json"),
    "study.json a device": (lambda f: ((f / "study.json").unlink(missing_ok=True),
                                      os.symlink("/dev/zero", f / "study.json")), 1,
                            "study.json"),
}


@pytest.mark.parametrize("fmt", ["table", "json"])
@pytest.mark.parametrize("fault", list(FAULTS))
def test_validate_names_the_file_of_every_fault(study_dir, capsys, fault, fmt):
    apply, code, name = FAULTS[fault]
    if "device" in fault and not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    apply(study_dir)
    assert main(["validate", str(study_dir), "--format", fmt]) == code
    captured = capsys.readouterr()
    out = captured.out + captured.err
    assert "Traceback" not in out
    assert name in out, out
    if fmt == "json":
        report = json.loads(captured.out)
        assert report["valid"] is (code == 0)
        assert any(name in (p["file"] + p["rule"] + p["expected"]) for p in report["problems"])
        assert all(p["line"] is None or isinstance(p["line"], int) for p in report["problems"])


def _lock_and_package_files(folder):
    (folder / "~$participants.xlsx").write_bytes(b"\x00lock")
    (folder / ".~lock.participants.xlsx#").write_text("user,host")
    for name in PACKAGE_FILES - {"study.json"}:
        (folder / name).write_text("participant_id,file\nP001,a.csv\n")


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_lock_files_and_the_packages_own_files_are_not_problems(study_dir, capsys, fmt):
    _lock_and_package_files(study_dir)
    for copy in ("cramps.csv.bak", "cramps.bak", "participants.csv~", "sitting.tmp"):
        (study_dir / copy).write_bytes(_csv(study_dir, "cramps"))
    assert main(["validate", str(study_dir), "--format", fmt]) == 0
    out = capsys.readouterr().out
    for name in ("~$participants", ".~lock", "cramps.csv.bak", "cramps.bak", "participants.csv~",
                 "sitting.tmp", *PACKAGE_FILES - {"study.json"}):
        assert name not in out


def test_a_study_after_an_import_has_no_problem_with_the_import_files(study_dir, capsys):
    from importlib.resources import files

    template = files("glute_study.io") / "templates" / "strength_template.csv"
    main(["import", "strength", str(template), "--out", str(study_dir)])
    written = {p.name for p in study_dir.iterdir()} & PACKAGE_FILES
    assert {"import_log.csv", "qc_report.csv"} <= written
    capsys.readouterr()
    main(["validate", str(study_dir)])
    out = capsys.readouterr().out
    assert "Traceback" not in out and "not a study table" not in out
    for name in written:
        assert name not in out


# ---------------------------------------------------------------------------------------------
# What is read


@pytest.mark.parametrize("opener, suffix", [(gzip.compress, ".gz"), (bz2.compress, ".bz2"),
                                            (lzma.compress, ".xz")])
def test_compressed_table_is_read(study_dir, opener, suffix):
    expected = load_study(study_dir).cramps
    _compress(opener, suffix)(study_dir)
    study = load_study(study_dir)
    assert study.cramps.equals(expected) and len(expected)


@pytest.mark.parametrize("member", ["cramps.csv", "data/export.csv"])
def test_zip_of_one_table_is_read(study_dir, member):
    expected = load_study(study_dir).cramps
    _zip(member, "__MACOSX/._cramps.csv")(study_dir)
    assert load_study(study_dir).cramps.equals(expected)


def test_zip_of_several_files_names_them(study_dir):
    _zip("cramps.csv", "cramps_old.csv")(study_dir)
    hit = find(problems_of(study_dir), severity="error", file="cramps.zip", rule="2 files")
    assert "cramps.csv, cramps_old.csv" in hit["rule"]


def test_folder_named_like_a_table_is_an_error_not_an_empty_table(study_dir):
    _directory(study_dir)
    find(problems_of(study_dir), severity="error", file="cramps.csv", rule="folder")


def test_link_to_a_regular_file_is_read(study_dir, tmp_path):
    expected = load_study(study_dir).cramps
    elsewhere = tmp_path / "elsewhere.csv"
    elsewhere.write_bytes(_csv(study_dir, "cramps"))
    _link(elsewhere)(study_dir)
    assert load_study(study_dir).cramps.equals(expected)


@pytest.mark.parametrize("fault, rule", [("broken link", "does not exist"),
                                         ("link loop", "loops"), ("pipe", "pipe"),
                                         ("link to a device", "device"),
                                         ("socket", "socket")])
def test_links_and_special_files_are_refused_unread(study_dir, fault, rule):
    if "device" in fault and not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    FAULTS[fault][0](study_dir)
    find(problems_of(study_dir), severity="error", file="cramps.csv", rule=rule)


def test_mixed_utf8_and_latin1_lines_are_decoded_line_by_line(study_dir):
    rows = read_rows(study_dir, "participants")
    col = rows[0].index("sport")
    rows[1][col] = rows[3][col] = "Zürich"
    data = b"".join((",".join(row) + "\n").encode("latin-1" if i == 3 else "utf-8")
                    for i, row in enumerate(rows))
    (study_dir / "participants.csv").write_bytes(data)
    study = load_study(study_dir)
    assert "Zürich" in set(study.participants["sport"])
    assert not any("Ã" in str(v) for v in study.participants["sport"])
    hit = find(study.problems, severity="warning", file="participants.csv", rule="not UTF-8")
    assert "line 4" in hit["rule"] and "mixes" in hit["rule"] and hit["line"] == 4


def test_utf8_mark_with_latin1_lines_is_not_a_traceback(study_dir):
    path = study_dir / "participants.csv"
    text = path.read_text(encoding="utf-8").replace("football", "fútbol")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("latin-1"))
    study = load_study(study_dir)
    assert "fútbol" in set(study.participants["sport"])


def test_time_zone_aware_parquet_is_read_as_local_clock_time(study_dir):
    expected = load_study(study_dir).cramps
    frame = pd.read_csv(study_dir / "cramps.csv", parse_dates=["datetime"])
    frame["datetime"] = frame["datetime"].dt.tz_localize("Europe/Zurich")
    frame.to_parquet(study_dir / "cramps.parquet")
    (study_dir / "cramps.csv").unlink()
    study = load_study(study_dir)
    assert study.cramps["datetime"].equals(expected["datetime"])
    hit = find(study.problems, severity="warning", file="cramps.parquet", rule="time zone",
               column="datetime")
    assert "Europe/Zurich" in hit["rule"]


def _workbook(folder: Path, table: str):
    from openpyxl import Workbook

    frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
    book = Workbook()
    sheet = book.active
    sheet.title = table
    sheet.append(list(frame.columns))
    for row in frame.itertuples(index=False):
        sheet.append(list(row))
    (folder / f"{table}.csv").unlink()
    return book, sheet, list(frame.columns)


def test_excel_formula_without_a_saved_value_is_not_read_as_empty(study_dir):
    from openpyxl.utils import get_column_letter

    book, sheet, columns = _workbook(study_dir, "participants")
    letter = get_column_letter(columns.index("age") + 1)
    sheet[f"{letter}3"] = "=20+1"  # openpyxl saves formulas without a value
    book.save(study_dir / "participants.xlsx")
    hit = find(problems_of(study_dir), severity="error", file="participants.xlsx",
               rule="formula")
    assert f"{letter}3" in hit["rule"] and "'participants'" in hit["rule"]
    assert "paste them as values" in hit["rule"] and hit["line"] == 3


def test_excel_merged_cells_are_not_read_as_empty(study_dir):
    book, sheet, columns = _workbook(study_dir, "exposure")
    sheet.merge_cells("A2:A4")
    book.save(study_dir / "exposure.xlsx")
    hit = find(problems_of(study_dir), severity="error", file="exposure.xlsx", rule="merged")
    assert "A2:A4" in hit["rule"] and "Unmerge" in hit["rule"]


def test_xlsm_is_read_without_running_macros(study_dir):
    expected = load_study(study_dir).exposure
    book, _, _ = _workbook(study_dir, "exposure")
    book.save(study_dir / "exposure.xlsm")
    study = load_study(study_dir)
    assert len(study.exposure) == len(expected)
    find(study.problems, severity="warning", file="exposure.xlsm", rule="macros")


# ---------------------------------------------------------------------------------------------
# The table output shows each message whole


def test_table_output_shows_each_message_in_full(study_dir, capsys):
    from .conftest import set_cell

    pid = pd.read_csv(study_dir / "participants.csv")["participant_id"].iloc[0]
    set_cell(study_dir, "cramps", 2, "participant_id", pid.lower())
    assert main(["validate", str(study_dir)]) == 1
    out = capsys.readouterr().out
    assert f"did you mean {pid!r}? ids are case-sensitive)" in out
    assert "…" not in out


def test_parquet_saved_with_its_key_as_the_index_is_read(study_dir):
    expected = load_study(study_dir).participants
    frame = pd.read_csv(study_dir / "participants.csv", dtype={"participant_id": str})
    frame.set_index("participant_id").to_parquet(study_dir / "participants.parquet")
    (study_dir / "participants.csv").unlink()
    assert list(load_study(study_dir).participants["participant_id"]) == list(
        expected["participant_id"])


@pytest.mark.parametrize("offset", ["+01:00", "Z", " -0500"])
@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_datetimes_typed_with_a_utc_offset_are_read_as_clock_time(study_dir, offset, form):
    expected = load_study(study_dir).cramps
    rows = read_rows(study_dir, "cramps")
    col = rows[0].index("datetime")
    for row in rows[1:]:
        row[col] += offset
    write_rows(study_dir, "cramps", rows)
    if form == "xlsx":
        frame = pd.read_csv(study_dir / "cramps.csv", dtype=str, keep_default_na=False)
        frame.to_excel(study_dir / "cramps.xlsx", index=False, sheet_name="cramps")
        (study_dir / "cramps.csv").unlink()
    study = load_study(study_dir)
    assert study.cramps["datetime"].equals(expected["datetime"])
    hit = find(study.problems, severity="warning", file=f"cramps.{form}", rule="UTC offset",
               column="datetime", line=2)
    assert offset.strip() in hit["rule"] and f"{len(rows) - 1} rows" in hit["rule"]


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_a_long_value_is_shown_whole(study_dir, capsys, fmt):
    from .conftest import set_cell

    typed = "twenty-one years and a bit, according to the athlete's own account of it" * 2
    set_cell(study_dir, "participants", 3, "age", typed)
    assert main(["validate", str(study_dir), "--format", fmt]) == 1
    out = capsys.readouterr().out
    assert typed in (out if fmt == "table" else json.dumps(json.loads(out), ensure_ascii=False))
