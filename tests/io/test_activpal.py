"""activPAL events: the real classic export, a synthetic EventsEx file, and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glute_study.errors import GluteStudyError, InputError, StudyReadError
from glute_study.io import FileFormatError, read_activpal, sitting_summary
from glute_study.io.diary import read_bed_periods

DATA = Path(__file__).parent / "data"
REFERENCE = Path(__file__).parents[1] / "reference" / "io"

HEADER = (
    '"Time","DataCount (samples)","Interval (s)","ActivityCode (0=sedentary 1=standing '
    '2=stepping 3.1=primary lying, 3.2=secondary lying 4=non-wear)","CumulativeStepCount"'
)


def write(tmp_path: Path, text: str, name: str = "P01_events.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


# ------------------------------------------------------------------------------ real sample
@pytest.fixture
def test_events(samples: Path) -> Path:
    path = samples / "activpal" / "Test_Events.csv"
    if not path.is_file():
        pytest.skip(f"sample {path} not found")
    return path


def test_sample_reads_with_times_codes_and_columns(test_events):
    ev = read_activpal(test_events)
    assert len(ev) == 14219  # 14220 lines minus the header
    assert list(ev.columns[:4]) == ["start", "end", "duration_s", "activity_code"]
    # first row: 43428.3953935185 days after 1899-12-30, rounded to the second
    assert ev["start"].iloc[0] == pd.Timestamp("2018-11-24 09:29:22")
    assert ev["duration_s"].iloc[0] == 50.1
    # codes are decimals: 3.1 and 3.2 survive as such
    assert set(ev["activity_code"].unique()) == {0.0, 1.0, 2.0, 3.1, 3.2}
    assert ev["cumulative_step_count"].iloc[-1] == 13761
    assert ev.attrs["format"] == "events"


def test_sample_daily_sitting_equals_sedentary_event_time_to_the_second(test_events):
    ev = read_activpal(test_events)
    daily = sitting_summary(ev, participant_id="T")
    sedentary_s = ev.loc[ev["activity_code"] == 0, "duration_s"].sum()
    # exact to the second (float sums of tenths of a second: allow 1 ms)
    assert daily["sitting_h"].sum() * 3600 == pytest.approx(sedentary_s, abs=1e-3)
    assert sedentary_s == pytest.approx(78445.0, abs=1e-6)


def test_sample_daily_table_matches_the_r_reference(test_events):
    # Reference: tests/reference/io/activpal_daily.R (base R, written from the stated rules).
    ref = pd.read_csv(REFERENCE / "activpal_daily.csv")
    daily = sitting_summary(read_activpal(test_events), participant_id="T")
    assert daily["date"].dt.strftime("%Y-%m-%d").tolist() == ref["date"].tolist()
    for col in ("sitting_h", "prolonged_sitting_h", "prolonged_sitting_60_h", "wear_h"):
        # tolerance 1e-5 h (0.04 s): R and numpy sum the same tenths of seconds in other orders
        np.testing.assert_allclose(daily[col], ref[col], atol=1e-5, err_msg=col)
    assert daily["sitting_bouts"].tolist() == ref["sitting_bouts"].tolist()
    assert daily["breaks"].tolist() == ref["breaks"].tolist()
    # the codebook sitting columns come first
    assert list(daily.columns[:9]) == [
        "participant_id", "date", "instrument", "sitting_h", "prolonged_sitting_h",
        "sitting_bouts", "breaks", "wear_h", "valid_day",
    ]
    assert "split at midnight" in daily.attrs["rule"]


# ------------------------------------------------------------------------- synthetic EventsEx
def test_eventsex_with_preamble_latin1_and_decimal_comma():
    ev = read_activpal(DATA / "eventsex_preamble_latin1.csv")
    assert ev.attrs["format"] == "eventsex"
    assert ev.attrs["encoding"] == "cp1252"
    assert ev.attrs["decimal"] == ","
    assert ev.attrs["metadata"][0].startswith("Probandin: Müller")
    assert ev["duration_s"].tolist() == [2400, 300.5, 120, 4000, 1800, 59.5, 45000, 900, 600]
    assert ev["activity_code"].tolist() == [0, 1, 2, 0, 5, 1, 3.1, 0, 4]
    assert ev["start"].iloc[0] == pd.Timestamp("2024-01-01 12:00:00")
    assert ev["waking_day"].eq(1).all()


def test_eventsex_daily_summary_known_by_construction():
    # 12:00 sit 40 min | up 5 min | step 2 min | sit 4000 s + transport 1800 s (one bout) |
    # up 59.5 s | in bed 45000 s (14:24:40 -> 02:54:40) | sit 900 s | non-wear 600 s.
    daily = sitting_summary(read_activpal(DATA / "eventsex_preamble_latin1.csv"))
    d1, d2 = daily.iloc[0], daily.iloc[1]
    assert d1["sitting_h"] == pytest.approx((2400 + 5800) / 3600)
    assert d1["prolonged_sitting_h"] == pytest.approx((2400 + 5800) / 3600)
    assert d1["prolonged_sitting_60_h"] == pytest.approx(5800 / 3600)
    assert (d1["sitting_bouts"], d1["breaks"]) == (2, 2)
    assert d1["wear_h"] == pytest.approx(8680 / 3600)
    assert d1["in_bed_h"] == pytest.approx((86400 - 14 * 3600 - 24 * 60 - 40) / 3600)
    assert d2["in_bed_h"] == pytest.approx((2 * 3600 + 54 * 60 + 40) / 3600)
    # the last bout ends in non-wear: not a break
    assert (d2["sitting_bouts"], d2["breaks"], d2["sitting_h"]) == (1, 0, 0.25)
    assert d2["nonwear_h"] == pytest.approx(600 / 3600)


def test_seated_transport_rule_is_changeable():
    ev = read_activpal(DATA / "eventsex_preamble_latin1.csv")
    daily = sitting_summary(ev, sitting_codes=(0,))
    assert daily["sitting_h"].iloc[0] == pytest.approx((2400 + 4000) / 3600)
    assert daily["other_h"].iloc[0] == pytest.approx(1800 / 3600)
    assert daily.attrs["rules"]["sitting_codes"] == [0]


def test_valid_day_threshold():
    ev = pd.DataFrame({
        "start": pd.to_datetime(["2024-03-01 07:00", "2024-03-02 07:00"]),
        "duration_s": [10 * 3600.0, 9.5 * 3600],
        "activity_code": [1.0, 1.0],
    })
    assert sitting_summary(ev)["valid_day"].tolist() == [True, False]
    assert sitting_summary(ev, valid_day=9)["valid_day"].tolist() == [True, True]


def test_unknown_code_is_an_error():
    ev = pd.DataFrame({"start": pd.to_datetime(["2024-03-01 07:00"]), "duration_s": [60.0],
                       "activity_code": [7.0]})
    with pytest.raises(InputError, match=r"codes \[7.0\] are not known"):
        sitting_summary(ev)


# ------------------------------------------------------------------------------- bad input
def test_utf8_bom_and_truncated_last_line_names_the_line():
    with pytest.raises(FileFormatError, match=r"activpal_truncated_bom.csv, line 4: .*truncated"):
        read_activpal(DATA / "activpal_truncated_bom.csv")


def test_empty_file(tmp_path):
    with pytest.raises(FileFormatError, match="P01_events.csv: the file is empty"):
        read_activpal(write(tmp_path, "\n\n"))


def test_header_only(tmp_path):
    with pytest.raises(FileFormatError, match="line 1: the file has a header but no events"):
        read_activpal(write(tmp_path, HEADER + "\n"))


def test_missing_file(tmp_path):
    with pytest.raises(StudyReadError, match="no such file"):
        read_activpal(tmp_path / "absent.csv")


def test_actigraph_file_is_recognised(samples):
    with pytest.raises(FileFormatError, match="line 1: this is an ActiGraph epoch file"):
        read_activpal(samples / "actigraph" / "ActiGraph13.csv")


def test_binary_file(samples):
    with pytest.raises(FileFormatError, match="binary file"):
        read_activpal(samples / "actigraph" / "GT3XPlus-RawData-Day01.agd")


def test_not_a_number_names_line_and_column(tmp_path):
    text = HEADER + "\n45292.5,0,60,0,0\n45292.6,0,6O,1,0\n"
    with pytest.raises(FileFormatError, match=r"line 3: column 'Interval \(s\)' holds '6O'"):
        read_activpal(write(tmp_path, text))


def test_decimal_comma_in_a_comma_file_is_explained(tmp_path):
    text = HEADER.replace(",", ";").replace("lying; 3.2", "lying, 3.2") + "\n"
    text += "45292.5;0;60.5;0;0\n45292.6;0;60,5;1;0\n"
    with pytest.raises(FileFormatError, match=r"line 3: .*both a decimal comma and a decimal"):
        read_activpal(write(tmp_path, text))


def test_latin1_classic_file_reads(tmp_path):
    text = "Export: Jürgen\n" + HEADER + "\n45292.5,0,60,0,0\n45292.5006944444,600,30,2,1\n"
    ev = read_activpal(write(tmp_path, text, encoding="latin-1"))
    assert ev.attrs["encoding"] == "cp1252"
    assert ev["activity_code"].tolist() == [0.0, 2.0]
    assert ev.attrs["metadata"] == ["Export: Jürgen"]


def test_times_going_backwards_suggest_appended_recordings(tmp_path):
    text = HEADER + "\n45292.5,0,60,0,0\n45292.6,0,60,1,0\n45292.4,0,60,1,0\n"
    with pytest.raises(FileFormatError, match="line 4: event times go backwards"):
        read_activpal(write(tmp_path, text))


def test_file_without_activity_column(tmp_path):
    with pytest.raises(FileFormatError, match="no activPAL events header"):
        read_activpal(write(tmp_path, "Time,x,y\n1,2,3\n"))


def test_errors_are_glute_study_errors():
    assert issubclass(FileFormatError, GluteStudyError)


def test_overlapping_events_name_the_line(tmp_path):
    # the second event starts at +60 s but the first lasts 120 s
    text = HEADER + "\n45292.5,0,120,0,0\n45292.5006944444,0,60,1,0\n"
    with pytest.raises(FileFormatError, match="line 3: this event starts 60.0 s before"):
        read_activpal(write(tmp_path, text))


def test_blank_line_inside_the_events_names_its_line(tmp_path):
    text = HEADER + "\n45292.5,0,60,0,0\n\n45292.5006944444,600,30,2,1\n"
    with pytest.raises(FileFormatError, match="line 3: no value in column 'Time' "
                                              r"\(empty field\)"):
        read_activpal(write(tmp_path, text))


# ------------------------------------------------------------ adversarial exports (issue 6)
SHORT = '"Time","DataCount (samples)","Interval (s)","ActivityCode (0=sedentary)"'


def test_eventsex_with_decimal_point_and_skipped_columns_reads(tmp_path):
    # Time(approx) sits between the wanted columns; the fast parser renumbered the columns it
    # kept, so every later column was read from its neighbour (and the last one went missing).
    text = (
        "sep=;\n"
        "Time;Time(approx);Data Count;Event Type;Duration (s);Waking Day;"
        "Cumulative Step Count;Activity Score (MET.h);\n"
        "45292.5;2024-01-01 12:00:00;0;0;600.5;1;0;0.1;\n"
        "45292.506950231;2024-01-01 12:10:00;6005;2;120;1;60;0.2;\n"
    )
    ev = read_activpal(write(tmp_path, text))
    assert ev["duration_s"].tolist() == [600.5, 120.0]
    assert ev["activity_code"].tolist() == [0.0, 2.0]
    assert ev["data_count"].tolist() == [0.0, 6005.0]
    assert ev["waking_day"].tolist() == [1.0, 1.0]
    assert ev["cumulative_step_count"].tolist() == [0.0, 60.0]
    assert ev["met_h"].tolist() == [0.1, 0.2]
    assert ev.attrs["decimal"] == "."


@pytest.mark.parametrize("sep", [",", ";"])
def test_iso_date_times_in_the_time_column_read_like_excel_days(tmp_path, sep):
    text = (
        SHORT.replace(",", sep) + "\n"
        f"2024-01-01 12:00:00{sep}0{sep}600{sep}0\n"
        f"2024-01-01 12:10:00{sep}0{sep}60{sep}1\n"
    )
    serial = SHORT + "\n45292.5,0,600,0\n45292.5069444444,0,60,1\n"
    ev = read_activpal(write(tmp_path, text))
    ref = read_activpal(write(tmp_path, serial, name="serial.csv"))
    pd.testing.assert_frame_equal(ev[["start", "end", "duration_s", "activity_code"]],
                                  ref[["start", "end", "duration_s", "activity_code"]])
    assert ev.attrs["time_format"] == "date-time"
    assert ref.attrs["time_format"] == "excel days"


def test_ambiguous_date_times_in_the_time_column_are_refused(tmp_path):
    text = SHORT + "\n03/01/2024 12:00:00,0,600,0\n03/01/2024 12:10:00,0,60,1\n"
    with pytest.raises(FileFormatError, match=r"line 2: column 'Time' holds '03/01/2024 12:00:00'"
                                              r".*days since 1899-12-30.*2024-01-01 12:00:00"):
        read_activpal(write(tmp_path, text))


@pytest.mark.parametrize(
    "time, found",
    [("1700000000", "1700000000"), ("0", "0"), ("12.5", "12.5")],
)
def test_times_outside_any_recording_era_are_refused(tmp_path, time, found):
    # unix seconds, or a time-of-day column, give dates in 6554 or 1899: not a recording
    text = SHORT + f"\n{time},0,600,0\n"
    with pytest.raises(FileFormatError, match=rf"line 2: Time {found} is .* days since "
                                              r"1899-12-30.*1980"):
        read_activpal(write(tmp_path, text))


@pytest.mark.parametrize("duration", ["1e12", "inf", "-inf"])
def test_impossible_durations_are_refused(tmp_path, duration):
    text = SHORT + f"\n45292.5,0,60,0\n45292.5006944444,0,{duration},1\n"
    with pytest.raises(FileFormatError, match=r"line 3: .*duration"):
        read_activpal(write(tmp_path, text))


def test_tab_delimited_export_reads(tmp_path):
    # an Events CSV opened and saved again as "Text (tab delimited)"
    text = SHORT.replace(",", "\t") + "\n45292.5\t0\t600\t0\n45292.5069444444\t0\t60\t1\n"
    ev = read_activpal(write(tmp_path, text))
    assert ev["duration_s"].tolist() == [600.0, 60.0]
    assert ev["activity_code"].tolist() == [0.0, 1.0]


def test_utf16_eventsex_with_crlf_reads(tmp_path):
    text = (
        "sep=;\r\nTime;Data Count;Event Type;Duration (s);\r\n"
        "45292,5;0;0;600;\r\n45292,5069444444;0;1;60;\r\n\r\n"
    )
    ev = read_activpal(write(tmp_path, text, encoding="utf-16"))
    assert ev.attrs["encoding"] == "utf-16"
    assert ev["duration_s"].tolist() == [600.0, 60.0]


def test_summary_refuses_time_zone_aware_starts():
    # tz-aware times were turned into UTC, so days were cut at UTC midnight, not local midnight
    ev = pd.DataFrame({
        "start": pd.date_range("2024-01-01 22:00", periods=4, freq="h", tz="Europe/Berlin"),
        "duration_s": 3600.0, "activity_code": 0.0,
    })
    with pytest.raises(InputError, match=r"time zone \(Europe/Berlin\).*tz_localize\(None\)"):
        sitting_summary(ev)


def test_summary_refuses_text_codes_and_unreadable_starts():
    ev = pd.DataFrame({"start": pd.to_datetime(["2024-01-01"]), "duration_s": [60.0],
                       "activity_code": ["zero"]})
    with pytest.raises(InputError, match="activity_code.*'zero'.*not a number"):
        sitting_summary(ev)
    ev = pd.DataFrame({"start": ["yesterday"], "duration_s": [60.0], "activity_code": [0.0]})
    with pytest.raises(InputError, match="start.*'yesterday'.*not a date-time"):
        sitting_summary(ev)


def test_file_without_a_duration_column_says_which_column_is_missing(tmp_path):
    text = '"Time","DataCount (samples)","ActivityCode (0=sedentary)"\n45292.5,0,0\n45292.6,0,1\n'
    with pytest.raises(FileFormatError, match=r"line 1: the header has no event duration column "
                                              r"\('Interval \(s\)' or 'Duration \(s\)'\)"):
        read_activpal(write(tmp_path, text))


def test_a_header_repeated_inside_the_file_suggests_joined_exports(tmp_path):
    text = SHORT + "\n45292.5,0,600,0\n" + SHORT + "\n45293.5,0,600,1\n"
    with pytest.raises(FileFormatError, match=r"line 3: the header line again: two exports "
                                              "joined into one file"):
        read_activpal(write(tmp_path, text))


def test_code_rules_must_be_numbers_and_must_not_share_a_code():
    ev = pd.DataFrame({"start": pd.to_datetime(["2024-01-01 08:00"]), "duration_s": [60.0],
                       "activity_code": [0.0]})
    with pytest.raises(InputError, match=r"`sitting_codes` must be activity codes \(numbers\); "
                                         "got '0'"):
        sitting_summary(ev, sitting_codes="0")
    # 3.1 both sitting and in bed: the first rule used to win without a word
    with pytest.raises(InputError, match=r"code 3.1 is in both sitting_codes and in_bed_codes"):
        sitting_summary(ev, sitting_codes=(0, 3.1))
    with pytest.raises(InputError, match=r"`valid_day` must be a number of hours"):
        sitting_summary(ev, valid_day="10")


def test_times_saved_with_too_few_decimals_are_explained(tmp_path):
    # a file re-saved from a spreadsheet with Time rounded to 4 decimals (8.64 s steps): the
    # events seem to overlap; say why instead of only calling them overlapping
    text = SHORT + "\n45292.5,0,100,0\n45292.5012,0,30,1\n45292.5015,0,600,0\n"
    with pytest.raises(FileFormatError, match=r"line 4: this event starts .* before the previous "
                                              r"one ends.*Time is written to 4 decimals \(steps "
                                              r"of 8.64 s\)"):
        read_activpal(write(tmp_path, text))


def test_date_times_without_seconds_are_explained(tmp_path):
    text = SHORT + "\n2024-01-01 12:00,0,100,0\n2024-01-01 12:01,0,30,1\n"
    with pytest.raises(FileFormatError, match=r"line 3: this event starts 40.0 s before.*Time is "
                                              "written to the minute"):
        read_activpal(write(tmp_path, text))


def test_a_duplicated_event_line_is_called_a_repeat(tmp_path):
    text = SHORT + "\n45292.5,0,60.4,0\n45292.5,0,60.4,0\n45292.5006944444,0,60,1\n"
    with pytest.raises(FileFormatError, match=r"line 3: this line repeats line 2 \(the same event "
                                              "twice\\)"):
        read_activpal(write(tmp_path, text))


def test_recording_across_a_clock_change_keeps_every_hour(tmp_path):
    # the device clock does not change for daylight saving: 72 one-hour events from
    # 2024-03-30 00:00 (EU clocks went forward 2024-03-31 02:00) give three 24-h days
    t0 = 45381.0  # 2024-03-30
    rows = [f"{t0 + i / 24:.10f},0,3600,{i % 2}" for i in range(72)]
    daily = sitting_summary(read_activpal(write(tmp_path, SHORT + "\n" + "\n".join(rows) + "\n")))
    assert daily["date"].dt.strftime("%m-%d").tolist() == ["03-30", "03-31", "04-01"]
    assert daily["recorded_h"].tolist() == [24.0, 24.0, 24.0]
    assert daily["sitting_h"].sum() == pytest.approx(36.0, abs=1e-9)


def test_a_clock_set_back_an_hour_inside_the_file_is_named(tmp_path):
    # software that rewrote the times to local summer/winter time repeats an hour in autumn
    t0 = 45591.0  # 2024-10-27
    times = [t0 + h / 24 for h in (0, 1, 2)] + [t0 + h / 24 for h in (2, 3)]
    rows = [f"{t:.10f},0,3600,{i % 2}" for i, t in enumerate(times)]
    with pytest.raises(FileFormatError, match=r"line 5: this line repeats|line 5: this event "
                                              r"starts 3600.0 s before"):
        read_activpal(write(tmp_path, SHORT + "\n" + "\n".join(rows) + "\n"))


@pytest.mark.parametrize("sep", [",", ";"])
def test_date_times_with_a_utc_offset_are_refused(tmp_path, sep):
    # they were converted to UTC silently: 12:00+01:00 became an event at 11:00
    text = (SHORT.replace(",", sep) + f"\n2024-01-01T12:00:00+01:00{sep}0{sep}600{sep}0\n"
            f"2024-01-01T12:10:00+01:00{sep}0{sep}60{sep}1\n")
    with pytest.raises(FileFormatError, match=r"line 2: column 'Time' holds a time with a UTC "
                                              r"offset \('2024-01-01T12:00:00\+01:00'\)"):
        read_activpal(write(tmp_path, text))


# ------------------------------------------------------------------------------- properties
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

CODES = (0.0, 1.0, 2.0, 2.1, 3.0, 3.1, 3.2, 4.0, 5.0)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.sampled_from(CODES), st.integers(1, 200_000),
                          st.sampled_from([0, 0, 0, 1, 7200])),
                min_size=1, max_size=60),
       st.integers(0, 86_399))
def test_file_round_trip_keeps_every_second(tmp_path_factory, events, offset_s):
    """Daily hours add up to the events' durations, whatever their order across midnights.

    Each event: (code, duration in tenths of a second, gap in seconds after it). Start times are
    whole seconds, as the export writes them (the reader allows 1.5 s of rounding).
    """
    rows, t = [], 45292 * 86400 + offset_s
    for code, tenths, gap in events:
        rows.append(f"{t / 86400:.10f},0,{tenths / 10:.1f},{code:g}")
        t = round(t + tenths / 10 + gap)
    path = tmp_path_factory.mktemp("p") / "P01_events.csv"
    path.write_text(SHORT + "\n" + "\n".join(rows) + "\n")
    ev = read_activpal(path)
    assert len(ev) == len(events)
    daily = sitting_summary(ev)
    dur = np.array([e[1] / 10 for e in events])
    code = np.array([e[0] for e in events])
    # tolerance 1e-9 h: sums of tenths of seconds in another order
    assert daily["sitting_h"].sum() == pytest.approx(dur[np.isin(code, (0, 5))].sum() / 3600,
                                                     abs=1e-9)
    assert daily["wear_h"].sum() == pytest.approx(
        dur[~np.isin(code, (3.1, 4))].sum() / 3600, abs=1e-9)
    assert daily["recorded_h"].sum() == pytest.approx(dur.sum() / 3600, abs=1e-9)
    assert (daily["recorded_h"] <= 24 + 1e-9).all()
    assert (daily["prolonged_sitting_h"] <= daily["sitting_h"] + 1e-9).all()
    assert (daily["breaks"] <= daily["sitting_bouts"] + 1).all()  # a bout may break next day
    assert daily["breaks"].sum() <= daily["sitting_bouts"].sum()


@pytest.mark.parametrize("kind", ["zip", "gzip"])
def test_a_compressed_export_says_to_extract_it(tmp_path, kind):
    import gzip
    import zipfile

    body = SHORT + "\n45292.5,0,600,0\n"
    path = tmp_path / "P01_events.csv"
    if kind == "gzip":
        path.write_bytes(gzip.compress(body.encode()))
    else:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("P01_events.csv", body)
    with pytest.raises(FileFormatError, match=rf"P01_events.csv: is a {kind} archive, not a CSV; "
                                              "extract the events export from it first"):
        read_activpal(path)


def test_utf16_without_a_byte_order_mark_is_text_not_binary(tmp_path, samples):
    # Windows 'Unicode' text saved without a mark: NULs in every other byte, not a binary file.
    src = samples / "activpal" / "Test_Events.csv"
    utf16 = tmp_path / "Test_Events.csv"
    utf16.write_bytes(src.read_bytes().decode("utf-8-sig").encode("utf-16-le"))
    pd.testing.assert_frame_equal(read_activpal(utf16), read_activpal(src), check_exact=True)


# ------------------------------------------------------ standing, stepping, steps, waking day
def test_sample_standing_stepping_and_steps_add_up_to_the_events(test_events):
    ev = read_activpal(test_events)
    d = sitting_summary(ev, participant_id="T")
    secs = ev.groupby("activity_code")["duration_s"].sum()
    assert d["standing_h"].sum() * 3600 == pytest.approx(secs[1.0], abs=1e-3)
    assert d["stepping_h"].sum() * 3600 == pytest.approx(secs[2.0], abs=1e-3)
    assert d["cycling_h"].sum() == 0
    np.testing.assert_allclose(d["upright_h"], d["standing_h"] + d["stepping_h"] + d["cycling_h"])
    # 13761 single-leg stepping events, each doubled (PAL: "must be doubled")
    assert d["steps"].sum() == 2 * 13761
    assert (ev["activity_code"] == 2).sum() == 13761
    assert "steps = 2 x" in d.attrs["rule"]


def events(rows, waking=None):
    start = pd.Timestamp("2024-01-01 00:00")
    t, out = start, []
    for code, minutes, cum in rows:
        out.append((t, minutes * 60.0, code, cum))
        t += pd.Timedelta(minutes=minutes)
    ev = pd.DataFrame(out, columns=["start", "duration_s", "activity_code",
                                    "cumulative_step_count"])
    if waking is not None:
        ev["waking_day"] = waking
    return ev


# a night in bed as secondary lying (3.2: not the in-bed code), then a day
NIGHT_DAY = [(3.2, 420, 0), (1.0, 10, 0), (2.0, 20, 1000), (0.0, 60, 1000), (2.1, 80, 1000),
             (1.0, 10, 1000), (0.0, 120, 1000), (2.0, 10, 1600)]


def test_waking_day_column_marks_time_in_bed():
    ev = events(NIGHT_DAY, waking=[0, 1, 1, 1, 1, 1, 1, 1])
    by_codes = sitting_summary(ev, valid_day=1).iloc[0]
    by_column = sitting_summary(ev, valid_day=1, waking="waking_day").iloc[0]
    assert by_codes["in_bed_h"] == 0 and by_codes["lying_h"] == 7
    assert by_column["in_bed_h"] == 7 and by_column["lying_h"] == 0
    assert by_column["wear_h"] == pytest.approx(310 / 60)
    # cycling is not sitting, and neither is lying
    assert by_column["sitting_h"] == 3 and by_column["cycling_h"] == pytest.approx(80 / 60)
    assert by_column["stepping_h"] == pytest.approx(0.5)
    assert by_column["standing_h"] == pytest.approx(20 / 60)
    assert by_column["steps"] == 2 * 1600
    # sitting -> cycling and sitting -> stepping are breaks; bed -> standing is not by default
    assert by_column["breaks"] == 2
    up = sitting_summary(ev, valid_day=1, waking="waking_day", bed_exit_break=True).iloc[0]
    assert up["breaks"] == 3
    assert "getting up from bed is a break" in up.attrs["rule"]
    assert "Waking Day = 0" in sitting_summary(ev, waking="waking_day").attrs["rule"]


def test_a_diary_cuts_events_at_its_edges(tmp_path):
    ev = events(NIGHT_DAY)
    p = tmp_path / "diary.csv"
    p.write_text("ID;Bed time;Wake time\nP1;2023-12-31 22:00;2024-01-01 06:30\n"
                 "P2;2024-01-01 00:00;2024-01-01 09:00\n")
    periods = read_bed_periods(p)
    assert periods["participant_id"].tolist() == ["P1", "P2"]
    d = sitting_summary(ev, participant_id="P1", valid_day=1, waking=periods).iloc[0]
    assert d["in_bed_h"] == pytest.approx(6.5)
    assert d["lying_h"] == pytest.approx(0.5)  # 06:30-07:00 awake in bed posture
    assert d["steps"] == 2 * 1600  # steps stay with their events
    assert "diary period" in sitting_summary(ev, participant_id="P1", valid_day=1,
                                             waking=periods).attrs["rule"]


def test_bad_waking_options_and_step_counts():
    ev = events(NIGHT_DAY)
    with pytest.raises(InputError, match="`waking` must be"):
        sitting_summary(ev, waking="sleep")
    with pytest.raises(InputError, match="needs the EventsEx 'Waking Day' column"):
        sitting_summary(ev, waking="waking_day")
    bad = ev.assign(cumulative_step_count=[0, 0, 10, 5, 5, 5, 5, 5])
    with pytest.raises(InputError, match="falls on row 3"):
        sitting_summary(bad)
    backwards = pd.DataFrame({"start": ["2024-01-01 08:00"], "end": ["2024-01-01 07:00"]})
    with pytest.raises(InputError, match="row 0 ends"):
        sitting_summary(ev, waking=backwards)


def test_diary_errors_name_line_column_and_value(tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("start,finish\n2024-01-01 22:00,2024-01-02 06:00\n")
    with pytest.raises(FileFormatError, match="no end column"):
        read_bed_periods(p)
    p.write_text("start,end\n2024-01-01 22:00,2024-01-02 06:00\n01/01/2024 22:00,x\n")
    with pytest.raises(FileFormatError, match=r"d.csv, line 3: column 'start' holds "
                                              r"'01/01/2024 22:00'"):
        read_bed_periods(p)
    p.write_text("start,end\n2024-01-01 22:00,2024-01-01 06:00\n")
    with pytest.raises(FileFormatError, match="line 2: the period in bed ends"):
        read_bed_periods(p)
