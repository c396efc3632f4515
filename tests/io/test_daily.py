"""The shared daily sitting summary and the parallel folder import."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glute_study.errors import GluteStudyWarning, InputError, StudyReadError
from glute_study.io import FileFormatError, daily_sitting, import_device_folder
from glute_study.io.daily import DAILY_COLUMNS

HEADER = '"Time","DataCount (samples)","Interval (s)","ActivityCode (0=sedentary)"\n'


def intervals(*rows, start="2024-01-01 20:00") -> pd.DataFrame:
    """rows: (state, seconds), laid end to end from ``start``."""
    states = [r[0] for r in rows]
    dur = np.array([r[1] for r in rows], dtype=float)
    t = pd.Timestamp(start) + pd.to_timedelta(np.r_[0, np.cumsum(dur)[:-1]], unit="s")
    return pd.DataFrame({"start": t, "duration_s": dur, "state": states})


def test_columns_and_codebook_order():
    d = daily_sitting(intervals(("sitting", 60)), instrument="activpal")
    assert tuple(d.columns) == DAILY_COLUMNS
    assert d["sitting_bouts"].dtype == np.int64
    assert d["valid_day"].dtype == bool


def test_bout_across_midnight_is_prolonged_on_both_days():
    # 23:40 -> 00:20 sitting (40 min), then upright: each day has 20 min of prolonged sitting.
    d = daily_sitting(intervals(("sitting", 2400), ("upright", 600), start="2024-01-01 23:40"),
                      instrument="x", valid_day=0)
    np.testing.assert_allclose(d["sitting_h"], [1 / 3, 1 / 3])
    np.testing.assert_allclose(d["prolonged_sitting_h"], [1 / 3, 1 / 3])
    np.testing.assert_allclose(d["prolonged_sitting_60_h"], [0, 0])
    assert d["sitting_bouts"].tolist() == [1, 0]  # counted on the start day
    assert d["breaks"].tolist() == [0, 1]  # counted when it happens
    np.testing.assert_allclose(d["breaks_per_sitting_h"], [0, 3])


def test_short_bouts_are_not_prolonged_and_breaks_need_upright():
    d = daily_sitting(
        intervals(("sitting", 1799), ("upright", 60), ("sitting", 1800), ("lying", 600),
                  ("sitting", 3600), ("nonwear", 60), ("sitting", 100), ("upright", 10)),
        instrument="x",
    )
    row = d.iloc[0]
    assert row["sitting_h"] == pytest.approx((1799 + 1800 + 3600 + 100) / 3600)
    assert row["prolonged_sitting_h"] == pytest.approx((1800 + 3600) / 3600)
    assert row["prolonged_sitting_60_h"] == pytest.approx(1.0)
    assert (row["sitting_bouts"], row["breaks"]) == (4, 2)
    assert row["wear_h"] == pytest.approx((1799 + 60 + 1800 + 600 + 3600 + 100 + 10) / 3600)
    assert row["lying_h"] == pytest.approx(600 / 3600)


def test_a_gap_in_the_recording_ends_a_bout_without_a_break():
    iv = pd.concat([intervals(("sitting", 1200)),
                    intervals(("sitting", 1200), ("upright", 60), start="2024-01-01 20:30")])
    d = daily_sitting(iv, instrument="x")
    assert (d["sitting_bouts"].iloc[0], d["breaks"].iloc[0]) == (2, 1)
    assert d["prolonged_sitting_h"].iloc[0] == 0  # two 20-min bouts, not one of 40


def test_days_without_data_are_listed_as_empty_invalid_days():
    iv = pd.concat([intervals(("upright", 36000), start="2024-01-01 08:00"),
                    intervals(("upright", 36000), start="2024-01-03 08:00")])
    d = daily_sitting(iv, instrument="x")
    assert d["date"].dt.day.tolist() == [1, 2, 3]
    assert d["valid_day"].tolist() == [True, False, True]
    assert d["recorded_h"].tolist() == [10.0, 0.0, 10.0]
    assert np.isnan(d["breaks_per_sitting_h"]).all()


def test_overlapping_intervals_are_an_error():
    iv = pd.concat([intervals(("sitting", 3600)), intervals(("upright", 60),
                                                           start="2024-01-01 20:30")])
    with pytest.raises(InputError, match="posture intervals overlap: one starting 2024-01-01 "
                                         "20:30:00 begins before"):
        daily_sitting(iv, instrument="x")


def test_bad_states_and_durations():
    with pytest.raises(InputError, match="found seated"):
        daily_sitting(intervals(("seated", 60)), instrument="x")
    bad = intervals(("sitting", 60)).assign(duration_s=-1.0)
    with pytest.raises(InputError, match="non-negative duration_s"):
        daily_sitting(bad, instrument="x")


def test_empty_intervals_give_an_empty_table_with_the_rule():
    d = daily_sitting(intervals(("sitting", 1)).iloc[:0], instrument="x")
    assert d.empty and "valid day" in d.attrs["rule"]


# ---------------------------------------------------------------------------- many files
def activpal_file(folder: Path, name: str, first_day: float, hours: int = 24) -> Path:
    rows = [f"{first_day + i / 24:.10f},0,3600,{i % 2}" for i in range(hours)]
    path = folder / name
    path.write_text(HEADER + "\n".join(rows) + "\n")
    return path


def test_folder_import_with_an_executor(tmp_path):
    for k in range(4):
        activpal_file(tmp_path, f"P0{k}_week.csv", 45292.0 + k)
    with ThreadPoolExecutor(2) as pool:
        out = import_device_folder(tmp_path, executor=pool, options={"valid_day": 20})
    assert out.files["participant_id"].tolist() == ["P00", "P01", "P02", "P03"]
    assert out.files["error"].isna().all()
    assert out.files["valid_days"].tolist() == [1, 1, 1, 1]
    assert out.daily["sitting_h"].tolist() == [12.0] * 4
    assert out.daily["file"].str.endswith("_week.csv").all()
    assert "valid day = waking wear >= 20 h" in out.daily.attrs["rule"]


def test_bad_file_raises_or_is_recorded(tmp_path):
    activpal_file(tmp_path, "P01.csv", 45292.0)
    (tmp_path / "P02.csv").write_text(HEADER + "45292.0,0,60,0\n45292.1,0,6O,1\n")
    with pytest.raises(FileFormatError, match="P02.csv, line 3: column 'Interval"):
        import_device_folder(tmp_path, executor="serial")
    out = import_device_folder(tmp_path, executor="serial", errors="record")
    assert out.files["error"].notna().tolist() == [False, True]
    assert out.daily["participant_id"].unique().tolist() == ["P01"]


def test_overlapping_recordings_of_one_participant(tmp_path):
    activpal_file(tmp_path, "P01_a.csv", 45292.0)
    activpal_file(tmp_path, "P01_b.csv", 45292.5)
    activpal_file(tmp_path, "P02_a.csv", 45292.5)
    with pytest.raises(FileFormatError, match="P01_b.csv: participant P01: this recording .* "
                                              "overlaps P01_a.csv"):
        import_device_folder(tmp_path, executor="serial")
    out = import_device_folder(tmp_path, executor="serial", errors="record")
    assert out.files["error"].notna().tolist() == [False, True, False]
    assert sorted(out.daily["file"].map(lambda f: Path(f).name).unique()) == ["P01_a.csv",
                                                                               "P02_a.csv"]


def test_actigraph_and_accel_folders(samples, tmp_path):
    out = import_device_folder(
        [samples / "actigraph" / "ActiGraph13.csv", samples / "actigraph" / "ActiGraph61.csv"],
        reader="actigraph", executor="serial", id_pattern=lambda p: p.stem,
        options={"valid_day": 1},
    )
    assert out.files["participant_id"].tolist() == ["ActiGraph13", "ActiGraph61"]
    assert out.files["error"].isna().all()
    assert set(out.daily["instrument"]) == {"actigraph"}
    raw = pd.DataFrame({"time": np.arange(0, 600, 0.5), "x": 0.0, "y": 0.02, "z": 1.0})
    raw.to_parquet(tmp_path / "T9_thigh.parquet")
    acc = import_device_folder(tmp_path, reader="accel", executor="serial",
                               options={"nonwear_min": None})
    assert acc.daily["sitting_h"].tolist() == [pytest.approx(600 / 3600)]


def test_folder_arguments(tmp_path):
    with pytest.raises(InputError, match="no activpal files"):
        import_device_folder(tmp_path)
    with pytest.raises(StudyReadError, match="no such file or folder"):
        import_device_folder(tmp_path / "absent")
    activpal_file(tmp_path, "x.csv", 45292.0)
    with pytest.raises(InputError, match="does not match file name 'x.csv'"):
        import_device_folder(tmp_path, id_pattern=r"P\d+", executor="serial")
    with pytest.raises(InputError, match="`reader` must be one of"):
        import_device_folder(tmp_path, reader="fitbit")


def test_device_daily_tables_pass_the_codebook_checks(samples):
    # The daily tables are the codebook `sitting` table (plus extra columns): check them with the
    # foundation's rules, apart from the participant cross-references.
    from glute_study.codebook import CODEBOOK
    from glute_study.io import actigraph_daily, read_actigraph, read_activpal, sitting_summary
    from glute_study.validate import check_tables, conform

    daily = pd.concat([
        sitting_summary(read_activpal(samples / "activpal" / "Test_Events.csv"),
                        participant_id="P1"),
        actigraph_daily(read_actigraph(samples / "actigraph" / "GT3XPlus-RawData-Day01.agd"),
                        participant_id="P1"),
    ], ignore_index=True)
    problems = check_tables({"sitting": conform(daily, CODEBOOK["sitting"])})
    own = problems[(problems["table"] == "sitting") & ~problems["rule"].str.contains(
        "participant", case=False)]
    assert own.empty, own.to_string()


def test_worker_warnings_reach_the_caller_and_the_files_table(tmp_path):
    data = Path(__file__).parent / "data" / "actigraph_names_dmy.csv"
    with pytest.warns(GluteStudyWarning, match="only make sense as d/M/yyyy"):
        out = import_device_folder([data], reader="actigraph", executor="serial",
                                   options={"nonwear_method": None, "valid_day": 0})
    assert "only make sense as d/M/yyyy" in out.files["warnings"].iloc[0]
    assert out.files["start"].iloc[0] == pd.Timestamp("2023-12-31 23:58")
    assert out.files["end"].iloc[0] == pd.Timestamp("2024-01-01 00:02")


def test_accel_recordings_on_the_same_day_do_not_overlap(tmp_path):
    for name, start in (("Q1_a.parquet", 0.0), ("Q1_b.parquet", 7200.0)):
        t = start + np.arange(0, 3600, 0.5)
        pd.DataFrame({"time": t, "x": 1.0, "y": 0.02, "z": 0.0}).to_parquet(tmp_path / name)
    out = import_device_folder(tmp_path, reader="accel", executor="serial",
                               options={"nonwear_min": None})
    assert out.files["error"].isna().all()
    assert out.daily["upright_h"].tolist() == [1.0, 1.0]


# ------------------------------------------------------------ adversarial exports (issue 6)
def hourly_file(folder: Path, name: str, t0: float, hours: int, *, last_s: float = 3600.0):
    """An activPAL file of ``hours`` 1-h events from Excel day ``t0``; the last lasts ``last_s``."""
    rows = [f"{t0 + i / 24:.10f},0,{3600.0 if i < hours - 1 else last_s},{i % 2}"
            for i in range(hours)]
    path = folder / name
    path.write_text(HEADER + "\n".join(rows) + "\n")
    return path


def test_back_to_back_recordings_within_clock_rounding_are_not_an_overlap(tmp_path):
    # activPAL start times are whole seconds, durations tenths: a recording split in two ends
    # up to a second after the next file's (rounded) first event
    hourly_file(tmp_path, "P01_a.csv", 45292.5, 48, last_s=3600.4)
    hourly_file(tmp_path, "P01_b.csv", 45294.5, 48)
    out = import_device_folder(tmp_path, executor="serial", options={"valid_day": 20})
    assert out.files["error"].isna().all()
    assert out.daily["sitting_h"].sum() == pytest.approx(48.0, abs=1e-9)


def test_an_overlap_with_an_earlier_longer_recording_is_found(tmp_path):
    # a covers days 1-4; b (day 2) and c (day 3) both overlap a, though not each other: only
    # neighbours in start order were compared, so c slipped through and its day counted twice
    hourly_file(tmp_path, "P01_a.csv", 45292.0, 96)
    hourly_file(tmp_path, "P01_b.csv", 45293.0, 6)
    hourly_file(tmp_path, "P01_c.csv", 45294.0, 6)
    out = import_device_folder(tmp_path, executor="serial", errors="record")
    errors = dict(zip(out.files["file"].map(lambda f: Path(f).name), out.files["error"]))
    assert errors["P01_a.csv"] is None
    assert "overlaps P01_a.csv" in errors["P01_b.csv"]
    assert "overlaps P01_a.csv" in errors["P01_c.csv"]
    assert out.daily["file"].map(lambda f: Path(f).name).unique().tolist() == ["P01_a.csv"]


def test_an_unexpected_failure_in_one_file_names_the_file(tmp_path, monkeypatch):
    # a bug or an unforeseen input must still say which file it was, in one line
    import glute_study.io.activpal as activpal

    hourly_file(tmp_path, "P01.csv", 45292.0, 24)

    def broken(path):
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(activpal, "read_activpal", broken)
    with pytest.raises(FileFormatError, match=r"P01.csv: could not be read: an unexpected "
                                              r"ZeroDivisionError \(division by zero\)"):
        import_device_folder(tmp_path, executor="serial")
    out = import_device_folder(tmp_path, executor="serial", errors="record")
    assert "unexpected ZeroDivisionError" in out.files["error"].iloc[0]


def test_daily_sitting_refuses_time_zone_aware_and_text_input():
    iv = intervals(("sitting", 3600.0), ("upright", 600.0))
    aware = iv.assign(start=iv["start"].dt.tz_localize("Europe/London"))
    with pytest.raises(InputError, match=r"the posture intervals: column 'start' carries a time "
                                         r"zone \(Europe/London\)"):
        daily_sitting(aware, instrument="activpal")
    with pytest.raises(InputError, match=r"column 'duration_s' holds 'an hour' \(row 0\)"):
        daily_sitting(iv.assign(duration_s=["an hour", "600"]), instrument="activpal")
    # ISO text is read as the datetimes it spells
    text = daily_sitting(iv.assign(start=iv["start"].astype(str)), instrument="activpal")
    pd.testing.assert_frame_equal(text, daily_sitting(iv, instrument="activpal"))


def test_a_gap_of_more_than_a_week_inside_one_recording_is_warned_about():
    # a device clock reset (or two recordings in one file) lists years of empty days
    iv = pd.concat([intervals(("upright", 36000), start="2014-01-01 08:00"),
                    intervals(("upright", 36000), start="2024-01-03 08:00")])
    iv.attrs["path"] = "/data/P01_events.csv"
    with pytest.warns(GluteStudyWarning, match=r"P01_events.csv: no data for 3653.6 days "
                                               r"\(2014-01-01 18:00:00 to 2024-01-03 08:00:00\)"):
        d = daily_sitting(iv, instrument="x")
    assert len(d) == 3655 and d["valid_day"].sum() == 2


@pytest.mark.parametrize("value", ["10", -1, 25, float("nan")])
def test_valid_day_must_be_hours_of_a_day(value):
    iv = intervals(("sitting", 3600.0))
    with pytest.raises(InputError, match=r"`valid_day` must be a number of hours from 0 to 24; "
                                         "got"):
        daily_sitting(iv, instrument="x", valid_day=value)


def test_unknown_options_for_a_folder_import_are_named(tmp_path):
    hourly_file(tmp_path, "P01.csv", 45292.0, 24)
    with pytest.raises(InputError, match=r"option 'valid_days' is not an option of sitting_summary"
                                         r" \(its options: valid_day, sitting_codes, "):
        import_device_folder(tmp_path, executor="serial", options={"valid_days": 20})


def test_a_file_named_twice_is_read_once(tmp_path):
    # a folder and a file inside it (or a shell glob and the folder) name the same file twice;
    # it was refused as overlapping itself
    hourly_file(tmp_path, "P01_week1.csv", 45292.0, 24)
    out = import_device_folder([tmp_path, tmp_path / "P01_week1.csv",
                                tmp_path / ".." / tmp_path.name / "P01_week1.csv"],
                               executor="serial")
    assert len(out.files) == 1 and out.files["error"].isna().all()
    assert out.daily["sitting_h"].sum() == pytest.approx(12.0, abs=1e-9)


@pytest.mark.parametrize("first", ["2024-01-01T08:00+01:00", "2024-01-01T08:00Z",
                                   pd.Timestamp("2024-01-01 08:00", tz="UTC")])
def test_times_with_a_utc_offset_in_text_or_objects_are_refused(first):
    # mixed offsets were converted to UTC silently (summer and winter times an hour apart)
    iv = pd.DataFrame({"start": pd.Series([first, "2024-07-01T08:00+02:00"], dtype=object),
                       "duration_s": [60.0, 60.0], "state": ["sitting", "upright"]})
    with pytest.raises(InputError, match=r"column 'start' holds .* \(row 0\), a time with a time "
                                         "zone or UTC offset"):
        daily_sitting(iv, instrument="x")


def test_an_id_pattern_that_is_not_a_regular_expression_is_one_error(tmp_path):
    # re.error reached the command line as a traceback
    activpal_file(tmp_path, "P01.csv", 45292.0)
    with pytest.raises(InputError, match=r"`id_pattern` '\(' is not a regular expression"):
        import_device_folder(tmp_path, id_pattern="(", executor="serial")


def test_an_id_pattern_that_matches_an_empty_id_is_refused(tmp_path):
    # '^(\d*)' matched '' in 'P01.csv': the days were imported with an empty participant id
    activpal_file(tmp_path, "P01.csv", 45292.0)
    with pytest.raises(InputError, match=r"matches an empty participant id in 'P01.csv'"):
        import_device_folder(tmp_path, id_pattern=r"^(\d*)", executor="serial")
