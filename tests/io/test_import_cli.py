"""`glute-study import`: sources into a study folder, merging, QC report, validation, bad input."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glute_study.commands import import_
from glute_study.errors import GluteStudyError
from glute_study.io.emg import synthetic_emg

HERE = Path(__file__).parent
TEMPLATES = HERE.parents[1] / "glute_study" / "io" / "templates"


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="glute-study")
    import_.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["import", *argv])
    return args.func(args)


def _redcap(out: Path) -> int:
    return _run("redcap", str(HERE / "data" / "redcap_glute_data.csv"),
                str(TEMPLATES / "redcap_dictionary.csv"), "--mapping",
                str(TEMPLATES / "redcap_mapping.yaml"), "--out", str(out))


def test_redcap_import_writes_a_valid_study_and_qc(tmp_path, capsys):
    assert _redcap(tmp_path / "study") == 0
    folder = tmp_path / "study"
    for name in ("participants", "sitting", "exposure", "cramps"):
        assert (folder / f"{name}.csv").exists()
    printed = capsys.readouterr().out
    assert "validated" in printed and "no errors" in printed
    qc = pd.read_csv(folder / "qc_report.csv", dtype={"participant_id": str})
    assert qc["participant_id"].tolist() == ["101", "102", "103"]
    assert qc["exposure_sessions"].tolist() == [2, 2, 0]
    assert (folder / "qc_report.md").read_text().startswith("# Import QC")
    assert "<table" in (folder / "qc_report.html").read_text()

    from glute_study import load_study

    study = load_study(folder)
    assert len(study.participants) == 3
    assert study.cramps["muscle"].tolist() == ["hamstring", "calf"]


def test_reimport_replaces_rows_instead_of_duplicating(tmp_path, capsys):
    _redcap(tmp_path / "s")
    _redcap(tmp_path / "s")
    assert "4 replaced" in capsys.readouterr().out  # the 4 exposure sessions
    assert len(pd.read_csv(tmp_path / "s" / "exposure.csv")) == 4
    assert len(pd.read_csv(tmp_path / "s" / "participants.csv")) == 3


def test_strength_and_emg_merge_into_the_same_study(tmp_path):
    folder = tmp_path / "s"
    _redcap(folder)
    strength = tmp_path / "dyn.csv"
    text = (HERE / "data" / "strength_vald.csv").read_text()
    strength.write_text(text.replace("P001", "101").replace("P002", "102"))
    assert _run("strength", str(strength), "--lever-arm-m", "0.45", "--out", str(folder)) == 0
    t = np.arange(5000) / 2000
    for name, glute in (("mvic.csv", 0.6), ("phe.csv", 1.1)):
        pd.DataFrame({"time_s": t, "gluteus_maximus": synthetic_emg(onset_s=glute, seed=1),
                      "biceps_femoris": synthetic_emg(onset_s=1.0, seed=2)}
                     ).to_csv(tmp_path / name, index=False)
    pd.DataFrame({"path": ["mvic.csv", "phe.csv"], "participant_id": "101",
                  "date": "2026-03-02", "task": ["mvic", "prone_hip_extension"],
                  "cue_s": [0.0, 1.0]}).to_csv(tmp_path / "manifest.csv", index=False)
    assert _run("emg", str(tmp_path / "manifest.csv"), "--out", str(folder)) == 0

    from glute_study import load_study

    study = load_study(folder)
    assert len(study.strength) == 12
    assert len(study.activation) == 2
    qc = pd.read_csv(folder / "qc_report.csv", dtype={"participant_id": str})
    row = qc.set_index("participant_id").loc["101"]
    assert row["strength_trials"] == 8 and row["emg_trials"] == 2
    assert set(row["sources"].split(", ")) == {"redcap", "strength", "emg"}


def test_activpal_sample_folder(samples, tmp_path):
    source = samples / "activpal" / "Test_Events.csv"
    if not source.exists():
        pytest.skip(f"activPAL sample not found at {source}")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(source, inbox / "P7_events.csv")  # a copy in a temporary folder, not the repo
    assert _run("activpal", str(inbox), "--out", str(tmp_path / "s")) == 0
    sitting = pd.read_csv(tmp_path / "s" / "sitting.csv")
    assert set(sitting["participant_id"]) == {"P7"}
    assert set(sitting["instrument"]) == {"activpal"}
    qc = pd.read_csv(tmp_path / "s" / "qc_report.csv")
    assert qc.loc[0, "device_days"] == len(sitting)
    # the same recording under a second name is an overlapping recording: refused
    shutil.copy(source, inbox / "P7_again.csv")
    with pytest.raises(GluteStudyError, match="participant P7") as caught:
        _run("activpal", str(inbox), "--out", str(tmp_path / "s2"), "--scheduler", "serial")
    assert "P7_again.csv" in str(caught.value) and "P7_events.csv" in str(caught.value)
    assert "overlaps" in str(caught.value)
    assert not (tmp_path / "s2").exists()


def test_bad_device_file_stops_or_is_skipped(samples, tmp_path):
    source = samples / "activpal" / "Test_Events.csv"
    if not source.exists():
        pytest.skip(f"activPAL sample not found at {source}")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    shutil.copy(source, inbox / "P1_events.csv")
    lines = source.read_text(encoding="utf-8", errors="replace").splitlines()
    (inbox / "P2_events.csv").write_text("\n".join(lines[:50] + [lines[50][:12]]) + "\n")
    (inbox / "P3_events.csv").write_text("")
    with pytest.raises(GluteStudyError, match="P2_events.csv|P3_events.csv"):
        _run("activpal", str(inbox), "--out", str(tmp_path / "s"), "--scheduler", "serial")
    assert _run("activpal", str(inbox), "--out", str(tmp_path / "s"), "--scheduler", "serial",
                "--skip-bad") == 0
    qc = pd.read_csv(tmp_path / "s" / "qc_report.csv").set_index("participant_id")
    assert qc.loc["P3", "status"] == "check"
    assert "not imported" in qc.loc["P3", "messages"] and "empty" in qc.loc["P3", "messages"]


def test_user_mistakes_are_one_line_errors(tmp_path):
    with pytest.raises(GluteStudyError, match="needs --mapping"):
        _run("redcap", str(HERE / "data" / "redcap_glute_data.csv"),
             str(TEMPLATES / "redcap_dictionary.csv"), "--out", str(tmp_path / "s"))
    with pytest.raises(GluteStudyError, match="two inputs"):
        _run("redcap", str(HERE / "data" / "redcap_glute_data.csv"), "--mapping", "m.yaml",
             "--out", str(tmp_path / "s"))
    with pytest.raises(GluteStudyError, match="no such file or folder"):
        _run("strength", str(tmp_path / "nothing.csv"), "--out", str(tmp_path / "s"))
    (tmp_path / "file").write_text("x")
    with pytest.raises(GluteStudyError, match="is a file"):
        _run("strength", str(TEMPLATES / "strength_template.csv"), "--out",
             str(tmp_path / "file"))


def test_validation_errors_are_reported(tmp_path):
    _redcap(tmp_path / "s")
    # strength for participants that the study does not know: validation names them
    with pytest.raises(GluteStudyError, match="strength.csv, line 2.*P001"):
        _run("strength", str(TEMPLATES / "strength_template.csv"), "--out", str(tmp_path / "s"))


_ACTIVPAL_HEAD = '"Time","DataCount (samples)","Interval (s)","ActivityCode (0=sedentary)"\n'


def _activpal_hours(path: Path, start: str, hours: int) -> None:
    """An activPAL Events CSV of ``hours`` one-hour events from ``start``: sitting, upright, ..."""
    t0 = (pd.Timestamp(start) - pd.Timestamp("1899-12-30")) / pd.Timedelta(days=1)
    rows = [f"{t0 + i / 24:.10f},0,3600,{i % 2}" for i in range(hours)]
    path.write_text(_ACTIVPAL_HEAD + "\n".join(rows) + "\n")


def test_back_to_back_recordings_on_one_day_import_and_add_up(tmp_path):
    from glute_study.io import read_activpal, sitting_summary

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    # week 1 ends 2024-01-02 12:00; week 2 starts 14:00 the same day: same date, no overlap
    _activpal_hours(inbox / "P1_week1.csv", "2024-01-01 08:00", 28)
    _activpal_hours(inbox / "P1_week2.csv", "2024-01-02 14:00", 30)
    _activpal_hours(inbox / "P2_week1.csv", "2024-01-01 00:00", 24)
    assert _run("activpal", str(inbox), "--out", str(tmp_path / "s"), "--scheduler", "serial",
                "--valid-day", "20") == 0
    sitting = pd.read_csv(tmp_path / "s" / "sitting.csv")
    p1 = sitting[sitting["participant_id"] == "P1"].set_index("date")
    assert p1.index.tolist() == ["2024-01-01", "2024-01-02", "2024-01-03"]  # one row per day
    # each file summarised on its own: the shared day is the sum of the two part-days
    parts = [sitting_summary(read_activpal(inbox / f), participant_id="P1", valid_day=20)
             for f in ("P1_week1.csv", "P1_week2.csv")]
    shared = pd.concat(parts)
    shared = shared[shared["date"] == pd.Timestamp("2024-01-02")]
    assert len(shared) == 2 and (shared["wear_h"] < 20).all()  # neither part-day valid alone
    for col in ("sitting_h", "prolonged_sitting_h", "sitting_bouts", "breaks", "wear_h"):
        assert p1.loc["2024-01-02", col] == pytest.approx(shared[col].sum(), abs=1e-9), col
    assert p1.loc["2024-01-02", "wear_h"] == pytest.approx(22.0, abs=1e-9)  # 12 h + 10 h
    assert bool(p1.loc["2024-01-02", "valid_day"])  # the rule applies to the summed wear
    assert p1["sitting_h"].sum() == pytest.approx(29.0, abs=1e-9)  # 14 + 15 sitting hours
    assert p1.loc["2024-01-01", "sitting_h"] == pytest.approx(8.0, abs=1e-9)
    assert not bool(p1.loc["2024-01-01", "valid_day"])  # 16 h of wear
    log = pd.read_csv(tmp_path / "s" / "import_log.csv")
    assert sorted(log["file"]) == ["P1_week1.csv", "P1_week2.csv", "P2_week1.csv"]
    assert log["warning"].isna().all()


def test_overlapping_recordings_are_refused_naming_both_files(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _activpal_hours(inbox / "P1_week1.csv", "2024-01-01 08:00", 28)  # ends 2024-01-02 12:00
    _activpal_hours(inbox / "P1_week2.csv", "2024-01-02 11:00", 30)  # starts an hour earlier
    _activpal_hours(inbox / "P2_week1.csv", "2024-01-01 00:00", 24)
    with pytest.raises(GluteStudyError, match="participant P1") as caught:
        _run("activpal", str(inbox), "--out", str(tmp_path / "s"), "--scheduler", "serial")
    message = str(caught.value)
    assert "P1_week1.csv" in message and "P1_week2.csv" in message and "overlaps" in message
    assert "--skip-bad" in message and "\n" not in message
    assert not (tmp_path / "s").exists()  # nothing written
    # --skip-bad: the later recording is left out and reported; the others are imported
    assert _run("activpal", str(inbox), "--out", str(tmp_path / "s"), "--scheduler", "serial",
                "--skip-bad") == 0
    sitting = pd.read_csv(tmp_path / "s" / "sitting.csv")
    assert sitting.groupby("participant_id").size().to_dict() == {"P1": 2, "P2": 1}
    assert sitting["sitting_h"].sum() == pytest.approx(14.0 + 12.0, abs=1e-9)
    qc = pd.read_csv(tmp_path / "s" / "qc_report.csv").set_index("participant_id")
    assert qc.loc["P1", "status"] == "check"
    assert "P1_week2.csv: not imported" in qc.loc["P1", "messages"]
    assert "overlaps P1_week1.csv" in qc.loc["P1", "messages"]


# ----------------------------------------------------------------------------- adversarial: CLI

_STRENGTH_HEAD = "participant_id,date,test,side,trial,force_n,lever_arm_m\n"


def _strength_file(path: Path, date: str, force: float, sides=("left", "right")) -> Path:
    path.write_text(_STRENGTH_HEAD + "".join(
        f"P1,{date},hhd_hip_extension,{side},1,{force},0.45\n" for side in sides))
    return path


def test_out_inside_a_file_is_a_one_line_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(GluteStudyError, match=r"file/study: file is a file, not a folder"):
        _run("strength", str(TEMPLATES / "strength_template.csv"), "--out",
             str(tmp_path / "file" / "study"))


def test_glob_patterns_are_expanded_and_an_empty_match_is_named(tmp_path):
    _strength_file(tmp_path / "a_base.csv", "2026-03-02", 400)
    assert _run("strength", str(tmp_path / "*_base.csv"), "--out", str(tmp_path / "s")) == 0
    assert len(pd.read_csv(tmp_path / "s" / "strength.csv")) == 2
    with pytest.raises(GluteStudyError, match=r"'\S*\*.nothing' matches no file"):
        _run("strength", str(tmp_path / "*.nothing"), "--out", str(tmp_path / "s"))


def test_redcap_inputs_that_are_folders_are_named(tmp_path):
    with pytest.raises(GluteStudyError, match="is a folder; redcap needs two files"):
        _run("redcap", str(tmp_path), str(TEMPLATES / "redcap_dictionary.csv"), "--mapping",
             str(TEMPLATES / "redcap_mapping.yaml"), "--out", str(tmp_path / "s"))


def test_a_later_strength_file_is_a_new_session_not_a_replacement(tmp_path, capsys):
    folder = tmp_path / "s"
    _run("strength", str(_strength_file(tmp_path / "base.csv", "2026-03-02", 400)),
         "--out", str(folder))
    _run("strength", str(_strength_file(tmp_path / "post.csv", "2026-05-30", 500)),
         "--out", str(folder))
    table = pd.read_csv(folder / "strength.csv")
    assert table.groupby("session")["value"].first().to_dict() == {1: 400.0, 2: 500.0}
    # the baseline file again (corrected): its session is replaced, not doubled
    _run("strength", str(_strength_file(tmp_path / "base.csv", "2026-03-02", 410)),
         "--out", str(folder))
    table = pd.read_csv(folder / "strength.csv")
    assert len(table) == 4
    assert table.groupby("session")["value"].first().to_dict() == {1: 410.0, 2: 500.0}
    # a test dated before the study's sessions cannot be numbered without being told
    with pytest.raises(GluteStudyError, match=r"P1.*2026-01-10.*before.*session column"):
        _run("strength", str(_strength_file(tmp_path / "pre.csv", "2026-01-10", 300)),
             "--out", str(folder))


def test_a_trial_removed_from_a_reimported_file_is_removed(tmp_path, capsys):
    folder = tmp_path / "s"
    path = tmp_path / "base.csv"
    path.write_text(_STRENGTH_HEAD + "P1,2026-03-02,hhd_hip_extension,left,1,400,0.45\n"
                    "P1,2026-03-02,hhd_hip_extension,left,2,900,0.45\n")
    _run("strength", str(path), "--out", str(folder))
    path.write_text(_STRENGTH_HEAD + "P1,2026-03-02,hhd_hip_extension,left,1,400,0.45\n")
    _run("strength", str(path), "--out", str(folder))  # trial 2 (a typo) deleted in the file
    assert pd.read_csv(folder / "strength.csv")["value"].tolist() == [400.0]
    assert "1 removed" in capsys.readouterr().out


def test_redcap_reimport_after_a_correction_does_not_double_a_cramp(tmp_path, capsys):
    folder = tmp_path / "s"
    _redcap(folder)
    export = tmp_path / "export.csv"
    # the diary entry of 102 corrected in REDCap: calf -> hamstring (part of the cramps key)
    lines = (HERE / "data" / "redcap_glute_data.csv").read_text().splitlines()
    header = lines[0].split(",")
    fixed = []
    for line in lines:
        cells = line.split(",")
        if cells[0] == "102" and cells[1] == "cramp_diary":
            cells[header.index("cr_muscle")] = "1"
        fixed.append(",".join(cells))
    export.write_text("\n".join(fixed) + "\n")
    capsys.readouterr()
    assert _run("redcap", str(export), str(TEMPLATES / "redcap_dictionary.csv"), "--mapping",
                str(TEMPLATES / "redcap_mapping.yaml"), "--out", str(folder)) == 0
    cramps = pd.read_csv(folder / "cramps.csv", dtype={"participant_id": str})
    assert len(cramps) == 2
    assert cramps.set_index("participant_id").loc["102", "muscle"] == "hamstring"
    assert "cramps: 2 row(s) imported, 1 replaced, 1 removed" in capsys.readouterr().out


def test_emg_manifest_without_sessions_numbers_a_later_date_as_a_new_session(tmp_path):
    folder = tmp_path / "s"
    t = np.arange(5000) / 2000
    pd.DataFrame({"time_s": t, "gluteus_maximus": synthetic_emg(onset_s=1.1, seed=1),
                  "biceps_femoris": synthetic_emg(onset_s=1.0, seed=2)}
                 ).to_csv(tmp_path / "phe.csv", index=False)
    for name, date in (("m1.csv", "2026-03-02"), ("m2.csv", "2026-05-30")):
        pd.DataFrame({"path": ["phe.csv"], "participant_id": "P1", "date": date,
                      "task": ["prone_hip_extension"], "cue_s": [1.0]}
                     ).to_csv(tmp_path / name, index=False)
        assert _run("emg", str(tmp_path / name), "--out", str(folder)) == 0
    activation = pd.read_csv(folder / "activation.csv")
    assert activation.groupby("session")["date"].first().to_dict() == {1: "2026-03-02",
                                                                       2: "2026-05-30"}
    # the missing MVIC trials are in the log and flag the participant in the QC report
    log = pd.read_csv(folder / "import_log.csv")
    assert log["warning"].str.contains("no MVIC trial").all()
    qc = pd.read_csv(folder / "qc_report.csv").set_index("participant_id")
    assert qc.loc["P1", "status"] == "check"


def test_emg_channels_named_on_the_command_line(tmp_path):
    lines = (HERE / "data" / "emg_trigno.csv").read_text().splitlines()
    for name in ("u.csv", "u_mvic.csv"):
        (tmp_path / name).write_text("\n".join([*lines[:4], "Sensor 1,,,,Sensor 2,", *lines[5:]])
                                     + "\n")
    pd.DataFrame({"path": ["u_mvic.csv", "u.csv"], "participant_id": "P1", "date": "2026-03-02",
                  "task": ["mvic", "hip_thrust"], "cue_s": [0.0, 0.5]}
                 ).to_csv(tmp_path / "m.csv", index=False)
    with pytest.raises(GluteStudyError, match="channel 'EMG 1' has no muscle name"):
        _run("emg", str(tmp_path / "m.csv"), "--out", str(tmp_path / "s"))
    assert _run("emg", str(tmp_path / "m.csv"), "--muscle", "EMG 1=gluteus_maximus",
                "--muscle", "EMG 2=biceps_femoris", "--out", str(tmp_path / "s")) == 0
    assert set(pd.read_csv(tmp_path / "s" / "activation.csv")["muscle"]) == {
        "gluteus_maximus", "biceps_femoris"}
    with pytest.raises(GluteStudyError, match="--muscle 'EMG 1': expected LABEL=MUSCLE"):
        _run("emg", str(tmp_path / "m.csv"), "--muscle", "EMG 1", "--out", str(tmp_path / "s"))


# --------------------------------------------- device importers, adversarial inputs (issue 6)
def test_damaged_agd_is_one_line_naming_the_file_not_a_traceback(tmp_path):
    import sqlite3

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    con = sqlite3.connect(inbox / "A01.agd")
    con.execute("CREATE TABLE settings (settingName, settingValue)")
    con.execute("INSERT INTO settings VALUES ('epochlength', '60')")
    con.execute("CREATE TABLE data (axis1, axis2, axis3, steps)")  # no dataTimestamp
    con.execute("INSERT INTO data VALUES (1, 2, 3, 4)")
    con.commit()
    con.close()
    with pytest.raises(GluteStudyError, match=r"A01.agd: the AGD 'data' table has no "
                                              "'dataTimestamp' column") as caught:
        _run("actigraph", str(inbox), "--out", str(tmp_path / "s"), "--scheduler", "serial")
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "s").exists()


def test_eventsex_with_a_decimal_point_imports(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [f"{45292.0 + i / 24:.10f};2024-01-01 00:00:00;0;{i % 2};3600.0;1;0;"
            for i in range(24)]
    (inbox / "P7_EventsEx.csv").write_text(
        "sep=;\nTime;Time(approx);Data Count;Event Type;Duration (s);Waking Day;"
        "Cumulative Step Count;\n" + "\n".join(rows) + "\n"
    )
    assert _run("activpal", str(inbox), "--out", str(tmp_path / "s"), "--scheduler",
                "serial") == 0
    sitting = pd.read_csv(tmp_path / "s" / "sitting.csv")
    assert sitting[["participant_id", "sitting_h", "wear_h"]].values.tolist() == [
        ["P7", 12.0, 24.0]
    ]


def test_back_to_back_files_imported_one_at_a_time_keep_the_shared_day(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _activpal_hours(inbox / "P1_week1.csv", "2024-01-01 12:00", 24)  # to 2024-01-02 12:00
    _activpal_hours(inbox / "P1_week2.csv", "2024-01-02 12:00", 24)
    for name in ("P1_week1.csv", "P1_week2.csv"):
        assert _run("activpal", str(inbox / name), "--out", str(tmp_path / "s"),
                    "--scheduler", "serial") == 0
    sitting = pd.read_csv(tmp_path / "s" / "sitting.csv").set_index("date")
    assert sitting.loc["2024-01-02", "wear_h"] == pytest.approx(24.0, abs=1e-9)


def test_device_file_imported_twice_or_overlapping_an_earlier_import(tmp_path, capsys):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    folder = tmp_path / "s"
    _activpal_hours(inbox / "P1_week1.csv", "2024-01-01 12:00", 48)  # to 2024-01-03 12:00
    assert _run("activpal", str(inbox / "P1_week1.csv"), "--out", str(folder),
                "--scheduler", "serial") == 0
    first = pd.read_csv(folder / "sitting.csv")
    # the same file again: its days are replaced, not doubled
    assert _run("activpal", str(inbox / "P1_week1.csv"), "--out", str(folder),
                "--scheduler", "serial") == 0
    pd.testing.assert_frame_equal(pd.read_csv(folder / "sitting.csv"), first)
    # a corrected, shorter copy of the file: the day it no longer covers is removed
    _activpal_hours(inbox / "P1_week1.csv", "2024-01-01 12:00", 24)  # to 2024-01-02 12:00
    capsys.readouterr()
    assert _run("activpal", str(inbox / "P1_week1.csv"), "--out", str(folder),
                "--scheduler", "serial") == 0
    assert "1 removed" in capsys.readouterr().out
    assert pd.read_csv(folder / "sitting.csv")["date"].tolist() == ["2024-01-01", "2024-01-02"]
    # another file of P1 overlapping the one imported before: refused, naming both
    _activpal_hours(inbox / "P1_again.csv", "2024-01-02 00:00", 10)
    with pytest.raises(GluteStudyError, match=r"P1_again.csv: participant P1: .*overlaps "
                       r"P1_week1.csv.*imported into .* before"):
        _run("activpal", str(inbox / "P1_again.csv"), "--out", str(folder),
             "--scheduler", "serial")
    assert _run("activpal", str(inbox / "P1_again.csv"), "--out", str(folder),
                "--scheduler", "serial", "--skip-bad") == 0
    qc = pd.read_csv(folder / "qc_report.csv").set_index("participant_id")
    assert "P1_again.csv: not imported" in qc.loc["P1", "messages"]
    assert pd.read_csv(folder / "sitting.csv")["date"].tolist() == ["2024-01-01", "2024-01-02"]


def test_damaged_device_days_record_is_a_one_line_error(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _activpal_hours(inbox / "P1_week1.csv", "2024-01-01 12:00", 24)
    _run("activpal", str(inbox), "--out", str(tmp_path / "s"), "--scheduler", "serial")
    (tmp_path / "s" / "device_days.csv").write_text("participant_id,date\nP1,2024-01-01\n")
    with pytest.raises(GluteStudyError, match=r"device_days.csv: cannot be read \(.*"
                       r"(column|'start').*\).*re-import"):
        _run("activpal", str(inbox), "--out", str(tmp_path / "s"), "--scheduler", "serial")


def test_emg_manifest_mistakes_name_the_manifest_and_line(tmp_path):
    t = np.arange(5000) / 2000
    pd.DataFrame({"time_s": t, "gluteus_maximus": synthetic_emg(onset_s=1.1, seed=1)}
                 ).to_csv(tmp_path / "phe.csv", index=False)
    (tmp_path / "m.csv").write_text("path,participant_id,date,task,trial\n"
                                    "phe.csv,P1,2026-03-02,hip_thrust,1\n"
                                    "phe.csv,P1,2026-03-02,hip_thrust,1\n")
    with pytest.raises(GluteStudyError, match=r"m.csv: the EMG manifest, line 3: 'phe.csv' is "
                       r"listed again"):
        _run("emg", str(tmp_path / "m.csv"), "--out", str(tmp_path / "s"))
    (tmp_path / "m.csv").write_text("path,participant_id,date,task,cue_s\n"
                                    "phe.csv,P1,2026-03-02,hip_thrust,9\n")
    with pytest.raises(GluteStudyError, match=r"m.csv: phe.csv: cue_s=9 is outside"):
        _run("emg", str(tmp_path / "m.csv"), "--out", str(tmp_path / "s"))
    assert not (tmp_path / "s").exists()


def test_emg_folder_instead_of_manifest_is_named(tmp_path):
    with pytest.raises(GluteStudyError, match="is a folder; emg takes manifest CSVs"):
        _run("emg", str(tmp_path), "--out", str(tmp_path / "s"))


def test_an_import_with_two_rows_for_one_key_is_refused(tmp_path):
    # a longitudinal export with demographics filled in two events: two participant rows
    header = ("record_id,redcap_event_name,dem_sex,dem_mass_kg,demographics_complete")
    rows = ["1,baseline_arm_1,1,70,2", "1,followup_arm_1,1,71,2"]
    (tmp_path / "export.csv").write_text("\n".join([header, *rows]) + "\n")
    (tmp_path / "m.yaml").write_text("tables:\n  participants:\n    form: demographics\n"
                                     "    columns:\n      sex: dem_sex\n"
                                     "      body_mass_kg: dem_mass_kg\n")
    with pytest.raises(GluteStudyError, match=r"participants: the import holds 2 rows for "
                       r"participant_id=1.*where:"):
        _run("redcap", str(tmp_path / "export.csv"), str(TEMPLATES / "redcap_dictionary.csv"),
             "--mapping", str(tmp_path / "m.yaml"), "--out", str(tmp_path / "s"))
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("strength.csv", b"participant_id,date,test\nP1,2026-03-02,hhd_hip_extension\n",
         r"strength.csv: has no column 'session', 'side', 'trial'"),
        ("strength.csv", b'participant_id,date\n"P1,2026\n', r"strength.csv: cannot be merged"),
        ("strength.csv", b"", r"strength.csv: cannot be merged into \(the file is empty\)"),
        ("import_log.csv", b"x,y\n1,2\n", r"import_log.csv: has no column 'participant_id'"),
    ],
)
def test_damaged_study_files_are_one_line_errors_and_nothing_is_written(tmp_path, name, content,
                                                                         match):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / name).write_bytes(content)
    with pytest.raises(GluteStudyError, match=match):
        _run("strength", str(TEMPLATES / "strength_template.csv"), "--out", str(folder))
    assert sorted(p.name for p in folder.iterdir()) == [name]
    assert (folder / name).read_bytes() == content


def test_a_utf16_study_table_is_merged(tmp_path):
    folder = tmp_path / "s"
    folder.mkdir()
    (folder / "strength.csv").write_bytes(
        "participant_id,date,session,test,side,trial,value,unit,lever_arm_m\n"
        "P9,2026-03-02,1,hhd_hip_extension,left,1,400,N,0.45\n".encode("utf-16"))
    assert _run("strength", str(TEMPLATES / "strength_template.csv"), "--out", str(folder)) == 0
    assert set(pd.read_csv(folder / "strength.csv")["participant_id"]) == {"P9", "P001"}


def test_device_options_reach_the_daily_summary_and_the_rules_are_written(tmp_path, samples):
    # `--option` sets the daily summary's options (here Troiano instead of Choi), and every rule
    # that made the sitting table is written to the import log and listed in the QC report.
    from glute_study.cli import main

    src = samples / "actigraph" / "ActiGraph13.csv"
    out = tmp_path / "study"
    assert main(["import", "actigraph", str(src), "--out", str(out), "--scheduler", "serial",
                 "--option", "nonwear_method=troiano", "--option", "cutpoint=100"]) == 0
    log = pd.read_csv(out / "import_log.csv")
    assert "non-wear by troiano" in log.loc[0, "rule"]
    report = (out / "qc_report.md").read_text()
    assert "## Rules used" in report and "non-wear by troiano" in report
    assert "Rules used</h2>" in (out / "qc_report.html").read_text()


@pytest.mark.parametrize(("args", "message"), [
    (["--option", "nonwear=troiano"], "option 'nonwear' is not an option of actigraph_daily"),
    (["--option", "valid_day=8"], "valid_day is not set here (use --valid-day"),
    (["--option", "troiano"], "expected NAME=VALUE"),
])
def test_bad_device_options_are_one_line_errors(tmp_path, samples, capsys, args, message):
    from glute_study.cli import main

    src = samples / "actigraph" / "ActiGraph13.csv"
    code = main(["import", "actigraph", str(src), "--out", str(tmp_path / "s"), *args])
    assert code == 1
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_one_valid_day_rule_per_study(tmp_path):
    # Device days judged with another --valid-day would sit beside the new ones with another
    # rule: refused, unless this import replaces every file imported before.
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    folder = tmp_path / "s"
    _activpal_hours(inbox / "P1_week1.csv", "2024-01-01 12:00", 24)
    _activpal_hours(inbox / "P2_week1.csv", "2024-01-01 12:00", 24)
    assert _run("activpal", str(inbox / "P1_week1.csv"), "--out", str(folder),
                "--scheduler", "serial") == 0
    before = (folder / "sitting.csv").read_text()
    with pytest.raises(GluteStudyError, match=r"judged with --valid-day 10 h, this import with "
                                              r"8 h; one study needs one rule"):
        _run("activpal", str(inbox / "P2_week1.csv"), "--out", str(folder),
             "--scheduler", "serial", "--valid-day", "8")
    assert (folder / "sitting.csv").read_text() == before
    assert _run("activpal", str(inbox / "P1_week1.csv"), str(inbox / "P2_week1.csv"), "--out",
                str(folder), "--scheduler", "serial", "--valid-day", "8") == 0
    assert set(pd.read_csv(folder / "device_days.csv")["valid_day_h"]) == {8.0}


@pytest.mark.parametrize("skip_bad", [False, True])
def test_the_study_folders_own_files_are_never_read_as_exports(tmp_path, capsys, skip_bad):
    # exports kept in the study folder itself: its tables, import log, device days and QC report
    # are outputs of the package, not device files of participants "device", "qc", "sitting"...
    folder = tmp_path / "inbox"
    folder.mkdir()
    _activpal_hours(folder / "P1_week1.csv", "2024-01-01 12:00", 24)
    extra = ("--skip-bad",) if skip_bad else ()
    for _ in range(2):
        assert _run("activpal", str(folder), "--out", str(folder), "--scheduler", "serial",
                    *extra) == 0
    for own in ("import_log.csv", "device_days.csv", "qc_report.csv", "sitting.csv"):
        assert (folder / own).is_file()
    qc = pd.read_csv(folder / "qc_report.csv", dtype={"participant_id": str})
    assert qc["participant_id"].tolist() == ["P1"]
    assert "not imported" not in str(qc["messages"].tolist())
    log = pd.read_csv(folder / "import_log.csv", dtype=str)
    assert set(log["file"]) == {"P1_week1.csv"}
    assert set(pd.read_csv(folder / "sitting.csv")["participant_id"]) == {"P1"}
    # a study file named on its own is refused, naming it
    with pytest.raises(GluteStudyError, match=r"qc_report.csv is a file of the study folder"):
        _run("activpal", str(folder / "qc_report.csv"), "--out", str(folder), *extra)


@pytest.mark.parametrize(("address", "message"), [
    ("foo://", "the scheme must be one of tcp, tls, ws, wss, ucx; got 'foo'"),
    ("tcp://127.0.0.1:notaport", "the port must be a number from 1 to 65535; got 'notaport'"),
])
def test_a_bad_scheduler_address_stops_the_import_before_reading(tmp_path, address, message):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _activpal_hours(inbox / "P1_week1.csv", "2024-01-01 12:00", 24)
    with pytest.raises(GluteStudyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _run("activpal", str(inbox), "--out", str(tmp_path / "s"), "--scheduler", address)
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("escape", ["../outside.csv", "../../../../etc/passwd", "/etc/passwd",
                                    "sub/../../outside.csv", "link.csv"])
def test_emg_manifest_paths_cannot_leave_the_manifests_folder(tmp_path, escape):
    t = np.arange(5000) / 2000
    signal = pd.DataFrame({"time_s": t, "gluteus_maximus": synthetic_emg(onset_s=1.1, seed=1)})
    signal.to_csv(tmp_path / "outside.csv", index=False)
    folder = tmp_path / "emg"
    folder.mkdir()
    signal.to_csv(folder / "phe.csv", index=False)
    (folder / "sub").mkdir()
    (folder / "link.csv").symlink_to(tmp_path / "outside.csv")
    (folder / "m.csv").write_text("path,participant_id,date,task\n"
                                  "phe.csv,P1,2026-03-02,hip_thrust\n"
                                  f"{escape},P1,2026-03-02,prone_hip_extension\n")
    with pytest.raises(GluteStudyError) as caught:
        _run("emg", str(folder / "m.csv"), "--out", str(tmp_path / "s"))
    message = str(caught.value)
    assert message.startswith("m.csv: the EMG manifest, line 3: path ")
    assert repr(escape) in message and "leads outside the folder of the EMG files" in message
    assert not (tmp_path / "s").exists()


def test_emg_root_names_the_folder_of_the_signals(tmp_path):
    t = np.arange(5000) / 2000
    signals = tmp_path / "signals"
    signals.mkdir()
    pd.DataFrame({"time_s": t, "gluteus_maximus": synthetic_emg(onset_s=1.1, seed=1)}
                 ).to_csv(signals / "phe.csv", index=False)
    (tmp_path / "manifests").mkdir()
    manifest = tmp_path / "manifests" / "m.csv"
    manifest.write_text("path,participant_id,date,task\nphe.csv,P1,2026-03-02,hip_thrust\n")
    with pytest.raises(GluteStudyError, match="phe.csv"):  # not beside the manifest
        _run("emg", str(manifest), "--out", str(tmp_path / "s"))
    assert _run("emg", str(manifest), "--emg-root", str(signals), "--out",
                str(tmp_path / "s")) == 0
    manifest.write_text("path,participant_id,date,task\n../manifests/m.csv,P1,2026-03-02,"
                        "hip_thrust\n")
    with pytest.raises(GluteStudyError, match=r"line 2: path '../manifests/m.csv' leads outside"):
        _run("emg", str(manifest), "--emg-root", str(signals), "--out", str(tmp_path / "s2"))


def test_a_test_between_two_sessions_is_refused_naming_the_later_session(tmp_path):
    # the message said the date came before the study's sessions and named session 1, which
    # is untrue for a date between session 1 and session 2
    folder = tmp_path / "s"
    _run("strength", str(_strength_file(tmp_path / "a.csv", "2026-03-02", 400)),
         "--out", str(folder))
    _run("strength", str(_strength_file(tmp_path / "b.csv", "2026-05-30", 500)),
         "--out", str(folder))
    with pytest.raises(GluteStudyError, match=r"P1: a test on 2026-04-15 comes before session 2 "
                                              r"on 2026-05-30, already in the study"):
        _run("strength", str(_strength_file(tmp_path / "c.csv", "2026-04-15", 450)),
             "--out", str(folder))


def test_a_code_list_option_may_hold_one_code_or_none(tmp_path):
    # --option sitting_codes=0 was the number 0 and in_bed_codes=none was None, both refused
    # as 'must be activity codes', blamed on the events file
    assert import_.device_options(["sitting_codes=0", "in_bed_codes=none",
                                   "nonwear_codes=4,5"]) == {
        "sitting_codes": (0.0,), "in_bed_codes": (), "nonwear_codes": (4.0, 5.0)}
    folder = tmp_path / "s"
    hourly = "\n".join(f"{45292.0 + i / 24:.10f},0,3600,{3.1 if i < 8 else i % 2}"
                       for i in range(24))
    (tmp_path / "P1.csv").write_text(_ACTIVPAL_HEAD + hourly + "\n")
    _run("activpal", str(tmp_path / "P1.csv"), "--out", str(folder), "--scheduler", "serial",
         "--option", "sitting_codes=0", "--option", "in_bed_codes=none")
    day = pd.read_csv(folder / "sitting.csv").iloc[0]
    assert day["sitting_h"] == 8.0  # the hours coded 0
    # 3.1 no longer in bed: the 8 hours in bed are lying awake, waking wear
    assert day["wear_h"] == 24.0


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig", "utf-16"])
def test_an_emg_manifest_is_decoded_as_every_other_export(tmp_path, encoding):
    # a manifest saved by Excel on Windows (Müller_phe.csv in cp1252) was refused as 'not a
    # readable manifest CSV (UnicodeDecodeError ...)', and a UTF-16 one too, where every other
    # table and export is read by the package's one decoder
    folder = tmp_path / "s"
    t = np.arange(5000) / 2000
    pd.DataFrame({"time_s": t, "gluteus_maximus": synthetic_emg(onset_s=1.1, seed=1),
                  "biceps_femoris": synthetic_emg(onset_s=1.0, seed=2)}
                 ).to_csv(tmp_path / "Müller_phe.csv", index=False)
    (tmp_path / "m.csv").write_bytes(
        "path,participant_id,date,task,cue_s\nMüller_phe.csv,P1,2026-03-02,hip_thrust,1.0\n"
        .encode(encoding))
    assert _run("emg", str(tmp_path / "m.csv"), "--out", str(folder)) == 0
    assert len(pd.read_csv(folder / "activation.csv")) == 2


def test_skip_bad_with_no_readable_file_says_why_the_first_failed(tmp_path):
    # the message was only 'none of the 2 activpal file(s) could be imported.'
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "P1.csv").write_text("garbage\n")
    (tmp_path / "in" / "P2.csv").write_text("x,y\n")
    with pytest.raises(GluteStudyError, match=r"none of the 2 activpal file\(s\) could be "
                                              r"imported \(P1.csv, line 1: no activPAL events "
                                              r"header found.*; and 1 more\)"):
        _run("activpal", str(tmp_path / "in"), "--out", str(tmp_path / "s"), "--skip-bad",
             "--scheduler", "serial")
