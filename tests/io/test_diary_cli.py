"""``glute-study import activpal|accel ... --diary FILE``: a time-in-bed diary from the CLI."""

from __future__ import annotations

import argparse
import shutil

import pandas as pd
import pytest

from glute_study._text import FileFormatError
from glute_study.commands import import_
from glute_study.errors import InputError
from glute_study.io import accel_daily, read_bed_periods
from glute_study.io.synthetic_thigh import synthetic_thigh


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="glute-study")
    import_.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["import", *argv])
    return args.func(args)


def _night():
    # 22:00-22:59 sitting, a minute's walk to bed, 23:00-07:00 lying in bed, then 30 min
    # standing and 30 min walking
    return synthetic_thigh([("sit", 3540), ("walk", 60), ("lie", 8 * 3600), ("stand", 1800),
                            ("walk", 1800)],
                           hz=5, start="2024-05-06 22:00:00", noise_g=0.02, seed=7)


def _diary(path, rows="P1,2024-05-06 23:00,2024-05-07 07:00\n"):
    path.write_text("participant_id,bed_time,wake_time\n" + rows)
    return path


def test_accel_daily_leaves_the_diary_nights_out_of_waking_wear(tmp_path):
    raw, _ = _night()
    periods = read_bed_periods(_diary(tmp_path / "diary.csv"))
    d = accel_daily(raw, participant_id="P1", valid_day=0.1, waking=periods)
    assert d["in_bed_h"].sum() == pytest.approx(8.0)
    assert d["wear_h"].sum() == pytest.approx(2.0, abs=0.01)
    assert d["sitting_h"].sum() == pytest.approx(59 / 60, abs=0.01)
    assert d["breaks"].sum() == 1  # the walk to bed; getting up from bed is not a break
    assert "Time in bed from the diary (diary.csv): 1 period(s)" in d.attrs["rule"]
    assert d.attrs["rules"]["waking"] == "diary"
    # another participant's rows do not apply
    none = accel_daily(raw, participant_id="P2", valid_day=0.1, waking=periods)
    assert none["in_bed_h"].sum() == 0


def test_import_accel_with_a_diary_names_it_in_the_qc_report(tmp_path):
    raw, _ = _night()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    raw.to_csv(inbox / "P1_thigh.csv", index=False)
    diary = _diary(tmp_path / "diary.csv")
    assert _run("accel", str(inbox), "--out", str(tmp_path / "s"), "--scheduler", "serial",
                "--valid-day", "0.1", "--diary", str(diary)) == 0
    sitting = pd.read_csv(tmp_path / "s" / "sitting.csv")
    assert sitting["wear_h"].sum() == pytest.approx(2.0, abs=0.01)
    assert "Time in bed from the diary (diary.csv)" in (tmp_path / "s" / "qc_report.md").read_text()


def test_import_activpal_with_a_diary(samples, tmp_path):
    diary = _diary(tmp_path / "diary.csv", "P7,2018-11-24 23:00,2018-11-25 07:00\n"
                                           "P7,2018-11-25 23:30,2018-11-26 06:30\n")
    source = samples / "activpal" / "Test_Events.csv"
    if not source.exists():
        pytest.skip(f"activPAL sample not found at {source}")
    inbox = tmp_path / "inbox"
    shutil.copytree(source.parent, inbox, ignore=lambda d, names: [
        n for n in names if n != source.name])
    (inbox / source.name).rename(inbox / "P7_events.csv")
    assert _run("activpal", str(inbox), "--out", str(tmp_path / "a")) == 0
    assert _run("activpal", str(inbox), "--out", str(tmp_path / "b"), "--diary",
                str(diary)) == 0
    a = pd.read_csv(tmp_path / "a" / "sitting.csv").set_index("date")
    b = pd.read_csv(tmp_path / "b" / "sitting.csv").set_index("date")
    assert b["wear_h"].sum() < a["wear_h"].sum()
    assert "2 diary period(s) in bed" in (tmp_path / "b" / "qc_report.md").read_text()


@pytest.mark.parametrize(("rows", "message"), [
    ("P1,2024-05-06 23:00,07:00\n",
     r"diary.csv, line 2: column 'wake_time' holds '07:00', not a date-time as yyyy-mm-dd hh:mm"),
    ("P1,2024-05-07 07:00,2024-05-06 23:00\n",
     r"diary.csv, line 2: the period in bed ends \(2024-05-06 23:00\) before it starts"),
    ("P1,2024-05-06 23:00\n", r"diary.csv, line 2: the line has 2 fields where the header has 3"),
])
def test_a_bad_diary_is_refused_naming_file_line_column_and_value(tmp_path, rows, message):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "P1_thigh.csv").write_text("time,x,y,z\n0,1,0,0\n")
    diary = _diary(tmp_path / "diary.csv", rows)
    with pytest.raises(FileFormatError, match=message):
        _run("accel", str(inbox), "--out", str(tmp_path / "s"), "--diary", str(diary))
    assert not (tmp_path / "s").exists()


def test_a_diary_without_bed_columns_or_for_actigraph_is_refused(tmp_path):
    bad = tmp_path / "d.csv"
    bad.write_text("participant_id,night,hours\nP1,1,8\n")
    with pytest.raises(FileFormatError, match="d.csv, line 1: the header .* has no start column"):
        _run("accel", str(tmp_path), "--out", str(tmp_path / "s"), "--diary", str(bad))
    with pytest.raises(InputError, match="--diary is for activpal and accel files"):
        _run("actigraph", str(tmp_path), "--out", str(tmp_path / "s"), "--diary", str(bad))
    with pytest.raises(InputError, match="give one"):
        _run("activpal", str(tmp_path), "--out", str(tmp_path / "s"), "--diary", str(bad),
             "--option", "waking=waking_day")
