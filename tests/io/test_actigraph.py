"""ActiGraph: real epoch CSVs and AGD, synthetic variants, non-wear and the daily table."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glute_study.errors import GluteStudyWarning, InputError
from glute_study.io import FileFormatError, actigraph_daily, nonwear, read_actigraph
from glute_study.io.actigraph import mode_columns
from glute_study.io.actigraph_nonwear import nonwear_minutes

DATA = Path(__file__).parent / "data"
TICKS_1970 = 621_355_968_000_000_000


def header(*, fmt="M/d/yyyy", start_date="1/15/2024", download="1/22/2024", mode=13,
           epoch="00:01:00", pad=",,,"):
    lines = [
        f"------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.3 Firmware v3.2.1 "
        f"date format {fmt} Filter Normal -----------",
        "Serial Number: NEO1F00000",
        "Start Time 08:00:00",
        f"Start Date {start_date}",
        f"Epoch Period (hh:mm:ss) {epoch}",
        "Download Time 09:00:00",
        f"Download Date {download}",
        "Current Memory Address: 0",
        f"Current Battery Voltage: 4.10     Mode = {mode}",
        "-" * 50,
    ]
    return [ln + pad for ln in lines]


def write(tmp_path: Path, lines: list[str], name="A01.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def minute_epochs(counts, start="2024-01-15 08:00", **extra) -> pd.DataFrame:
    ep = pd.DataFrame({"timestamp": pd.date_range(start, periods=len(counts), freq="min"),
                       "axis1": np.asarray(counts, dtype=float), **extra})
    ep.attrs["epoch_s"] = 60.0
    return ep


# ---------------------------------------------------------------------------- real samples
def test_agd_reads_to_exactly_the_tidy_csv(samples):
    folder = samples / "actigraph"
    got = read_actigraph(folder / "GT3XPlus-RawData-Day01.agd")
    want = pd.read_csv(folder / "GT3XPlus-RawData-Day01.csv")
    # The tidy CSV writes the device clock with a 'Z'; ActiGraph clocks carry no zone.
    want["timestamp"] = pd.to_datetime(want["timestamp"]).dt.tz_localize(None)
    want = want.rename(columns={f"incline{k}": f"incline_{k}"
                                for k in ("off", "standing", "sitting", "lying")})
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.attrs["epoch_s"] == 10.0
    assert got.attrs["mode"] == 61
    assert got.attrs["serial"] == "NEO1DXXXXXXXX"
    assert got.attrs["settings"]["epochcount"] == "8999"


def test_epoch_csv_mode_13_without_column_names(samples):
    ep = read_actigraph(samples / "actigraph" / "ActiGraph13.csv")
    assert list(ep.columns) == ["timestamp", "axis1", "axis2", "axis3", "steps"]
    assert len(ep) == 990
    assert ep["timestamp"].iloc[0] == pd.Timestamp("2013-08-26 09:00:00")
    assert ep["timestamp"].iloc[-1] == pd.Timestamp("2013-08-26 09:00:00") + 989 * pd.Timedelta(
        seconds=15
    )
    assert ep.iloc[-1, 1:].tolist() == [36, 66, 86, 0]  # the file's last line: 36,66,86,0
    assert ep.attrs["epoch_s"] == 15.0
    assert ep.attrs["mode"] == 13
    assert ep.attrs["date_format"] == "M/d/yyyy"


def test_epoch_csv_mode_61_has_lux_and_inclinometer(samples):
    ep = read_actigraph(samples / "actigraph" / "ActiGraph61.csv")
    assert list(ep.columns) == ["timestamp", *mode_columns(61)]
    assert ep["timestamp"].iloc[0] == pd.Timestamp("2016-08-15 21:35:00")
    assert ep.iloc[0, 1:].tolist() == [325, 85, 176, 2, 0, 0, 5, 0, 0]
    incline = ep[["incline_off", "incline_standing", "incline_sitting", "incline_lying"]]
    assert (incline.sum(axis=1) == 5).all()  # seconds per 5-s epoch


def test_mode_columns():
    assert mode_columns(13) == ["axis1", "axis2", "axis3", "steps"]
    assert mode_columns(61) == ["axis1", "axis2", "axis3", "steps", "lux", "incline_off",
                                "incline_standing", "incline_sitting", "incline_lying"]
    assert mode_columns(0) == ["axis1"]


# ------------------------------------------------------------------------------ synthetic
def test_column_name_row_and_date_format_contradicting_the_header():
    # Header says M/d/yyyy but writes 31/12/2023; the Date column confirms d/M/yyyy.
    with pytest.warns(GluteStudyWarning, match="only make sense as d/M/yyyy"):
        ep = read_actigraph(DATA / "actigraph_names_dmy.csv")
    assert ep["timestamp"].tolist() == list(pd.date_range("2023-12-31 23:58", periods=4,
                                                          freq="min"))
    assert ep["axis1"].tolist() == [10, 250, 0, 40]
    assert ep.attrs["date_format"] == "d/M/yyyy"
    assert ep.attrs["declared_date_format"] == "M/d/yyyy"


def test_ambiguous_dates_follow_the_declared_format(tmp_path):
    lines = header(fmt="d/M/yyyy", start_date="2/1/2024", download="9/1/2024") + ["1,2,3,0"]
    ep = read_actigraph(write(tmp_path, lines))
    assert ep["timestamp"].iloc[0] == pd.Timestamp("2024-01-02 08:00")


def test_download_before_start_reveals_the_swapped_format(tmp_path):
    # as declared M/d: start 10 Mar, download 11 Feb (before it); as d/M: 3 Oct, 2 Nov
    lines = header(fmt="M/d/yyyy", start_date="3/10/2024", download="2/11/2024") + ["1,2,3,0"]
    with pytest.warns(GluteStudyWarning, match="using d/M/yyyy"):
        ep = read_actigraph(write(tmp_path, lines))
    assert ep["timestamp"].iloc[0] == pd.Timestamp("2024-10-03 08:00")


def test_written_dates_that_disagree_with_the_epochs_name_the_line(tmp_path):
    lines = header(pad="") + ["Date,Time,Axis1,Axis2,Axis3,Steps",
                              "1/15/2024,08:00:00,1,2,3,0", "1/15/2024,08:05:00,1,2,3,0"]
    with pytest.raises(FileFormatError, match=r"A01.csv, line 13: the date/time written"):
        read_actigraph(write(tmp_path, lines))


def test_unreadable_dates(tmp_path):
    lines = header(start_date="2024-01-15", download="2024-01-22") + ["1,2,3,0"]
    with pytest.raises(FileFormatError, match="line 4: the header declares date format M/d/yyyy"):
        read_actigraph(write(tmp_path, lines))


def test_columns_disagreeing_with_mode(tmp_path):
    with pytest.raises(FileFormatError, match=r"line 11: 4 columns per epoch, but Mode = 61"):
        read_actigraph(write(tmp_path, header(mode=61) + ["1,2,3,0", "4,5,6,0"]))


def test_truncated_epoch_row(tmp_path):
    with pytest.raises(FileFormatError, match=r"line 12: no value for axis3 \(truncated file\?\)"):
        read_actigraph(write(tmp_path, header() + ["1,2,3,0", "4,5"]))


def test_truncated_header(tmp_path):
    with pytest.raises(FileFormatError, match="header has 4 lines; expected 10"):
        read_actigraph(write(tmp_path, header()[:4]))


def test_not_a_number(tmp_path):
    with pytest.raises(FileFormatError, match=r"line 12: axis2 is 'x', not a number"):
        read_actigraph(write(tmp_path, header() + ["1,2,3,0", "4,x,6,0"]))


def test_activpal_file_is_recognised(samples):
    with pytest.raises(FileFormatError, match="line 1: not an ActiGraph epoch CSV: it looks like "
                                              "an activPAL"):
        read_actigraph(samples / "activpal" / "Test_Events.csv")


def make_agd(path: Path, *, decimal=".", rows=3, with_data=True) -> Path:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE settings (settingID INTEGER PRIMARY KEY, settingName VARCHAR(64), "
                "settingValue VARCHAR(8192))")
    start = int(np.datetime64("2024-02-01T10:00:00", "ns").astype(np.int64) // 100) + TICKS_1970
    mass = "70,5" if decimal == "," else "70.5"
    settings = [("decimal", decimal), ("epochlength", "60"), ("modenumber", "13"),
                ("deviceserial", "MOS2E00000"), ("startdatetime", str(start)), ("mass", mass),
                ("culturename", "Deutsch (Deutschland)")]
    con.executemany("INSERT INTO settings (settingName, settingValue) VALUES (?, ?)", settings)
    if with_data:
        con.execute("CREATE TABLE data (dataTimestamp INTEGER, axis1 REAL, axis2 REAL, "
                    "axis3 REAL, steps REAL)")
        con.executemany("INSERT INTO data VALUES (?, ?, ?, ?, ?)",
                        [(start + i * 600_000_000, 10.0 * i, 1.0, 2.0, 0.0) for i in range(rows)])
    con.commit()
    con.close()
    return path


def test_agd_with_decimal_comma_settings(tmp_path):
    ep = read_actigraph(make_agd(tmp_path / "B01.agd", decimal=","))
    assert ep["timestamp"].tolist() == list(pd.date_range("2024-02-01 10:00", periods=3,
                                                          freq="min"))
    assert ep["axis1"].tolist() == [0, 10, 20]
    assert ep.attrs["decimal"] == ","
    assert ep.attrs["settings"]["mass"] == "70,5"
    assert ep.attrs["start"] == "2024-02-01 10:00:00"


def test_agd_without_data_table(tmp_path):
    with pytest.raises(FileFormatError, match="without the 'settings' and 'data' tables"):
        read_actigraph(make_agd(tmp_path / "B02.agd", with_data=False))


def test_truncated_agd(tmp_path):
    good = make_agd(tmp_path / "B03.agd", rows=5000)
    bad = tmp_path / "B04.agd"
    bad.write_bytes(good.read_bytes()[:6000])
    with pytest.raises(FileFormatError, match="B04.agd: the AGD database is damaged or truncated"):
        read_actigraph(bad)


# ------------------------------------------------------------------- non-wear by construction
@pytest.mark.parametrize(("zeros", "method", "off"), [
    (89, "choi", 0), (90, "choi", 90), (59, "troiano", 0), (60, "troiano", 60),
])
def test_minimum_period(zeros, method, off):
    counts = np.r_[np.full(20, 500), np.zeros(zeros), np.full(20, 500)]
    got = nonwear_minutes(counts, method=method)
    assert got.sum() == off
    if off:
        assert got[20:20 + zeros].all()


def test_choi_spike_needs_30_zero_minutes_up_and_downstream():
    spike = [120, 3000]  # a 2-minute interruption of any size
    ok = np.r_[np.full(10, 500), np.zeros(30), spike, np.zeros(60), np.full(10, 500)]
    assert nonwear_minutes(ok, method="choi").sum() == 92
    short_up = np.r_[np.full(10, 500), np.zeros(29), spike, np.zeros(61), np.full(10, 500)]
    # without the spike allowance: 61 zero minutes < 90 -> all worn
    assert nonwear_minutes(short_up, method="choi").sum() == 0
    long_spike = np.r_[np.full(10, 500), np.zeros(45), [5, 5, 5], np.zeros(45), np.full(10, 500)]
    assert nonwear_minutes(long_spike, method="choi").sum() == 0
    # a changed window makes the first case fail
    assert nonwear_minutes(ok, method="choi", window_min=31).sum() == 0


def test_troiano_allows_two_minutes_up_to_100_counts():
    base = [np.full(10, 500), np.zeros(30), None, np.zeros(30), np.full(10, 500)]

    def run(spike):
        base[2] = np.asarray(spike, dtype=float)
        return nonwear_minutes(np.concatenate(base), method="troiano").sum()

    assert run([100, 1]) == 62
    assert run([101]) == 0  # above the stop level
    assert run([50, 50, 50]) == 0  # three minutes
    assert run([50, 50, 50]) == 0
    assert nonwear_minutes(np.concatenate(base[:2] + [np.array([50, 50, 50])] + base[3:]),
                           method="troiano", spike_tolerance_min=3).sum() == 63


def test_nonwear_periods_from_sub_minute_epochs():
    # 15-s epochs: 100 zero minutes between worn hours; one 15-s epoch of 3 counts in minute 50
    per_min = np.r_[np.full(60, 400), np.zeros(100), np.full(60, 400)]
    counts = np.repeat(per_min / 4, 4)
    counts[4 * (60 + 50) + 2] = 3
    ep = pd.DataFrame({"timestamp": pd.date_range("2024-01-15 08:00", periods=counts.size,
                                                  freq="15s"), "axis1": counts})
    choi = nonwear(ep, method="choi")
    assert choi["wear"].tolist() == [True, False, True]
    assert choi["start"].iloc[1] == pd.Timestamp("2024-01-15 09:00")
    assert choi["end"].iloc[1] == pd.Timestamp("2024-01-15 10:40")
    troiano = nonwear(ep, method="troiano")
    assert troiano["wear"].tolist() == [True, False, True]
    assert troiano.attrs["params"]["min_period_min"] == 60


def test_nonwear_bad_arguments():
    ep = minute_epochs(np.zeros(5))
    with pytest.raises(InputError, match="`method` must be one of 'choi', 'troiano'"):
        nonwear(ep, method="hecht")
    with pytest.raises(InputError, match="choi non-wear has no parameter spike_stoplevel"):
        nonwear(ep, method="choi", spike_stoplevel=50)


# -------------------------------------------------------------------------------- daily
def test_daily_counts_sedentary_summed_per_minute():
    # 10-s epochs summed into minutes: 16 per epoch = 96 cpm -> sedentary, 17 = 102 -> not.
    counts = np.r_[np.full(360, 16), np.full(360, 17), np.full(360, 16)]
    ep = pd.DataFrame({"timestamp": pd.date_range("2024-01-15 08:00", periods=counts.size,
                                                  freq="10s"), "axis1": counts})
    ep.attrs["epoch_s"] = 10.0
    d = actigraph_daily(ep, valid_day=2)
    assert d["sitting_h"].iloc[0] == pytest.approx(2.0)
    assert d["upright_h"].iloc[0] == pytest.approx(1.0)
    assert (d["sitting_bouts"].iloc[0], d["breaks"].iloc[0]) == (2, 1)
    assert d["prolonged_sitting_60_h"].iloc[0] == pytest.approx(2.0)
    assert d["valid_day"].iloc[0]
    assert "counts summed into clock minutes (10-s epochs" in d.attrs["rule"]


def test_daily_inclinometer_and_nonwear_by_construction():
    n = 300
    zeros = np.zeros(n, dtype=int)
    sit = np.r_[np.full(100, 60), np.zeros(100), np.full(100, 0)].astype(int)
    stand = np.r_[np.zeros(100), np.full(100, 60), np.zeros(100)].astype(int)
    counts = np.r_[np.full(200, 50), np.zeros(100)]  # last 100 min: zero counts -> non-wear
    ep = minute_epochs(counts, incline_off=zeros, incline_standing=stand,
                       incline_sitting=sit, incline_lying=np.r_[np.zeros(200), np.full(100, 60)])
    d = actigraph_daily(ep, posture="inclinometer", nonwear_method="choi", valid_day=3)
    row = d.iloc[0]
    assert row["sitting_h"] == pytest.approx(100 / 60)
    assert row["upright_h"] == pytest.approx(100 / 60)
    assert row["nonwear_h"] == pytest.approx(100 / 60)
    assert row["lying_h"] == 0
    assert (row["breaks"], row["valid_day"]) == (1, True)
    nowear = actigraph_daily(ep, posture="inclinometer", nonwear_method=None)
    assert nowear["lying_h"].iloc[0] == pytest.approx(100 / 60)


def test_daily_on_the_agd_sample_is_consistent(samples):
    ep = read_actigraph(samples / "actigraph" / "GT3XPlus-RawData-Day01.agd")
    d = actigraph_daily(ep, posture="counts")
    total_h = len(ep) * 10 / 3600
    assert d["recorded_h"].sum() == pytest.approx(total_h)
    periods = nonwear(ep, method="choi")
    off_h = ((periods["end"] - periods["start"]).dt.total_seconds()[~periods["wear"]]).sum() / 3600
    assert d["nonwear_h"].sum() == pytest.approx(off_h, abs=1 / 360)


def test_inclinometer_needs_its_columns(samples):
    ep = read_actigraph(samples / "actigraph" / "ActiGraph13.csv")
    with pytest.raises(InputError, match="has no columns 'incline_off'"):
        actigraph_daily(ep, posture="inclinometer")


def test_nonwear_matches_an_independent_r_scan():
    # Reference: tests/reference/io/nonwear.R, a minute-by-minute scan in base R written from
    # the published descriptions (40 seeded 12-hour count series). Exact agreement required.
    ref = pd.read_csv(Path(__file__).parents[1] / "reference" / "io" / "nonwear.csv")
    for case, g in ref.groupby("case"):
        counts = g["count"].to_numpy()
        for method in ("choi", "troiano"):
            got = nonwear_minutes(counts, method=method)
            np.testing.assert_array_equal(got, g[method].to_numpy(), err_msg=f"{method} {case}")


def test_raw_gt3x_zip_is_explained(tmp_path):
    import zipfile

    path = tmp_path / "C01.gt3x"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("info.txt", "Serial Number: MOS2E00000")
    with pytest.raises(FileFormatError, match="C01.gt3x: is a zip archive"):
        read_actigraph(path)


def test_bom_and_latin1_headers_read(tmp_path):
    lines = header() + ["1,2,3,0", "4,5,6,1"]
    lines[1] = "Serial Number: NEÖ1F00000,,,"
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeff".encode() + "\n".join(lines).encode("utf-8"))
    latin = tmp_path / "latin.csv"
    latin.write_bytes("\n".join(lines).encode("latin-1"))
    for path, encoding in ((bom, "utf-8-sig"), (latin, "cp1252")):
        ep = read_actigraph(path)
        assert ep.attrs["encoding"] == encoding
        assert ep.attrs["serial"] == "NEÖ1F00000"
        assert ep["axis1"].tolist() == [1, 4]


def test_empty_epoch_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(FileFormatError, match="empty.csv: the file is empty"):
        read_actigraph(path)


def test_semicolon_export_with_decimal_comma(tmp_path):
    lines = header(fmt="dd.MM.yyyy", start_date="15.01.2024", download="22.01.2024", pad=";;;")
    lines += ["Axis1;Axis2;Axis3;Steps;Lux", "10;2;3;0;12,5", "0;0;0;0;3,25"]
    ep = read_actigraph(write(tmp_path, lines))
    assert ep["timestamp"].iloc[1] == pd.Timestamp("2024-01-15 08:01")
    assert ep["lux"].tolist() == [12.5, 3.25]
    assert (ep.attrs["delimiter"], ep.attrs["decimal"]) == (";", ",")


def test_ragged_epoch_row_names_the_line(tmp_path):
    with pytest.raises(FileFormatError, match=r"line 13: epoch rows cannot be read"):
        read_actigraph(write(tmp_path, header(pad="") + ["1,2,3,0", "1,2,3,0", "4,5,6,0,9,9"]))


# ------------------------------------------------------------ adversarial exports (issue 6)
START_TICKS = int(np.datetime64("2024-02-01T10:00:00", "ns").astype(np.int64) // 100) + TICKS_1970


def agd_rows(path: Path, rows: list[tuple], *, columns="dataTimestamp, axis1, axis2, axis3, steps"):
    """An AGD whose data table holds exactly ``rows`` (timestamps in ticks)."""
    make_agd(path, rows=0)
    con = sqlite3.connect(path)
    con.execute("DROP TABLE data")
    con.execute(f"CREATE TABLE data ({columns})")
    marks = ", ".join("?" * len(rows[0])) if rows else ""
    if rows:
        con.executemany(f"INSERT INTO data VALUES ({marks})", rows)
    con.commit()
    con.close()
    return path


MINUTE = 600_000_000  # ticks


def test_agd_data_table_without_timestamps(tmp_path):
    path = agd_rows(tmp_path / "C01.agd", [(1, 2, 3, 4)], columns="axis1, axis2, axis3, steps")
    with pytest.raises(FileFormatError, match=r"C01.agd: the AGD 'data' table has no "
                                              r"'dataTimestamp' column \(it has: axis1"):
        read_actigraph(path)


def test_agd_text_in_a_count_column_names_the_epoch(tmp_path):
    rows = [(START_TICKS, 1, 2, 3, 4), (START_TICKS + MINUTE, "x", 2, 3, 4)]
    with pytest.raises(FileFormatError, match=r"C02.agd: epoch 2 \(2024-02-01 10:01:00\): "
                                              r"axis1 is 'x', not a number"):
        read_actigraph(agd_rows(tmp_path / "C02.agd", rows))


def test_agd_missing_timestamp_is_refused(tmp_path):
    rows = [(START_TICKS, 1, 2, 3, 4), (None, 1, 2, 3, 4)]
    with pytest.raises(FileFormatError, match=r"C03.agd: 1 epoch\(s\) have no dataTimestamp"):
        read_actigraph(agd_rows(tmp_path / "C03.agd", rows))


def test_agd_timestamps_that_are_not_ticks_are_refused(tmp_path):
    rows = [(1_706_781_600, 1, 2, 3, 4), (1_706_781_660, 1, 2, 3, 4)]  # unix seconds
    with pytest.raises(FileFormatError, match=r"C04.agd: epoch 1: dataTimestamp 1706781600 "
                                              r"is not a date between 1980 and 2100.*ticks"):
        read_actigraph(agd_rows(tmp_path / "C04.agd", rows))


def test_agd_duplicated_timestamps_name_the_time_and_the_likely_cause(tmp_path):
    # e.g. a clock set back an hour for daylight saving, or two downloads merged
    rows = [(START_TICKS + k * MINUTE, 1, 2, 3, 4) for k in (0, 1, 2, 1, 2, 3)]
    with pytest.raises(FileFormatError, match=r"C05.agd: epoch 2024-02-01 10:01:00 is in the "
                                              r"file twice.*daylight saving"):
        read_actigraph(agd_rows(tmp_path / "C05.agd", rows))


def test_agd_without_epochs_is_refused_like_the_csv(tmp_path):
    with pytest.raises(FileFormatError, match=r"C06.agd: the AGD has no epochs"):
        read_actigraph(make_agd(tmp_path / "C06.agd", rows=0))


def test_agd_negative_counts_are_refused(tmp_path):
    rows = [(START_TICKS, 1, 2, 3, 4), (START_TICKS + MINUTE, -7, 2, 3, 4)]
    with pytest.raises(FileFormatError, match=r"epoch 2 \(2024-02-01 10:01:00\): axis1 is -7; "
                                              "counts cannot be negative"):
        read_actigraph(agd_rows(tmp_path / "C07.agd", rows))


def test_epoch_csv_negative_counts_name_the_line(tmp_path):
    with pytest.raises(FileFormatError, match=r"line 12: axis1 is -5; counts cannot be negative"):
        read_actigraph(write(tmp_path, header(pad="") + ["1,2,3,0", "-5,2,3,0"]))


@pytest.mark.parametrize("names", ["Axis1,Axis2,Axis3", "Date,Time,Axis1,Axis2,Axis3,Steps"])
def test_column_name_row_that_does_not_fit_the_epochs(tmp_path, names):
    # fewer names than columns silently dropped the last column; more names gave a KeyError
    lines = header(pad="") + [names, "1,2,3,0", "4,5,6,0"]
    with pytest.raises(FileFormatError, match=r"line 11: the column-name row names \d columns, "
                                              r"but the epochs have 4"):
        read_actigraph(write(tmp_path, lines))


@pytest.mark.parametrize("clock", ["8:0{m}:00 AM", "08:0{m}:00.000", "08:0{m}"])
def test_written_times_in_12_hour_or_millisecond_form_read(tmp_path, clock):
    rows = [f"1/15/2024,{clock.format(m=m)},{m},0,0,0" for m in range(3)]
    lines = header(pad="") + ["Date,Time,Axis1,Axis2,Axis3,Steps", *rows]
    ep = read_actigraph(write(tmp_path, lines))
    assert ep["timestamp"].tolist() == list(pd.date_range("2024-01-15 08:00", periods=3,
                                                          freq="min"))
    assert ep["axis1"].tolist() == [0, 1, 2]


def test_header_start_time_in_12_hour_form_reads(tmp_path):
    lines = header(pad="")
    lines[2] = "Start Time 8:00:00 PM"
    ep = read_actigraph(write(tmp_path, lines + ["1,2,3,0"]))
    assert ep["timestamp"].iloc[0] == pd.Timestamp("2024-01-15 20:00")


def test_nonwear_of_no_epochs_is_no_periods():
    ep = minute_epochs([])
    out = nonwear(ep)
    assert list(out.columns) == ["start", "end", "wear"] and len(out) == 0


def test_missing_counts_are_nonwear_not_activity():
    # 30 minutes with no count (NaN) inside wear: they were read as upright (NaN < 100 is False)
    counts = np.r_[np.full(60, 50.0), np.full(30, np.nan), np.full(60, 500.0)]
    day = actigraph_daily(minute_epochs(counts), valid_day=1)
    assert day["sitting_h"].iloc[0] == pytest.approx(1.0)
    assert day["upright_h"].iloc[0] == pytest.approx(1.0)
    assert day["nonwear_h"].iloc[0] == pytest.approx(0.5)
    assert nonwear(minute_epochs(counts))["wear"].tolist() == [True, False, True]
    day = actigraph_daily(minute_epochs(counts), nonwear_method=None, valid_day=1)
    assert day["nonwear_h"].iloc[0] == pytest.approx(0.5)


def test_time_zone_aware_epochs_are_refused():
    # a night across the autumn clock change: 02:00-03:00 local happens twice
    ep = minute_epochs(np.full(600, 500.0))
    ep["timestamp"] = pd.date_range("2024-10-27 00:00", periods=600, freq="min",
                                    tz="Europe/Berlin")
    for call in (nonwear, actigraph_daily):
        with pytest.raises(InputError, match=r"time zone \(Europe/Berlin\)"):
            call(ep)


def test_epochs_with_text_counts_or_timestamps_are_refused():
    ep = minute_epochs([1.0, 2.0, 3.0])
    ep["axis1"] = ["1", "2", "a lot"]
    with pytest.raises(InputError, match=r"column 'axis1' holds 'a lot' \(row 2\), not a number"):
        actigraph_daily(ep)
    ep = minute_epochs([1.0, 2.0, 3.0])
    ep["timestamp"] = ["2024-01-15 08:00", "soon", "2024-01-15 08:02"]
    with pytest.raises(InputError, match=r"column 'timestamp' holds 'soon' \(row 1\)"):
        actigraph_daily(ep)
    with pytest.raises(InputError, match=r"column 'timestamp' holds 'soon' \(row 1\)"):
        nonwear(ep)


def test_unsorted_or_duplicated_epochs_in_memory():
    ep = minute_epochs(np.r_[np.full(120, 50.0), np.full(120, 500.0)])
    shuffled = ep.sample(frac=1, random_state=3)
    shuffled.attrs = ep.attrs
    pd.testing.assert_frame_equal(actigraph_daily(shuffled, valid_day=1),
                                  actigraph_daily(ep, valid_day=1))
    doubled = pd.concat([ep, ep.iloc[[10]]])
    doubled.attrs = ep.attrs
    with pytest.raises(InputError, match="2024-01-15 08:10:00 appears twice"):
        actigraph_daily(doubled)


def test_agd_that_is_not_sqlite_says_so(tmp_path):
    path = tmp_path / "C08.agd"
    path.write_bytes(b"Time,Axis1\n1,2\n")
    with pytest.raises(FileFormatError, match=r"C08.agd: is not an AGD file: an AGD is an SQLite "
                                              "database"):
        read_actigraph(path)


def test_written_dates_settle_a_header_whose_dates_fit_both_orders(tmp_path):
    # header: M/d/yyyy, but 1/2/2024 and 3/2/2024 read either way; the Date column's day change
    # (01/02 -> 02/02 at midnight) only fits d/M: 1 February, not 2 January
    lines = header(start_date="1/2/2024", download="3/2/2024", epoch="01:00:00", pad="")
    stamps = pd.date_range("2024-02-01 08:00", periods=20, freq="h")
    rows = [f"{t:%d/%m/%Y},{t:%H:%M:%S},{k},0,0,0" for k, t in enumerate(stamps)]
    with pytest.warns(GluteStudyWarning, match=r"date format M/d/yyyy.*the dates in the Date "
                                               r"column only fit d/M/yyyy; using d/M/yyyy"):
        ep = read_actigraph(write(tmp_path, lines + ["Date,Time,Axis1,Axis2,Axis3,Steps", *rows]))
    assert ep["timestamp"].tolist() == list(stamps)
    assert ep.attrs["date_format"] == "d/M/yyyy"


def test_numeric_options_are_checked():
    ep = minute_epochs(np.full(200, 50.0))
    with pytest.raises(InputError, match=r"`cutpoint` must be a number of counts per minute"):
        actigraph_daily(ep, cutpoint="100")
    for bad in ({"min_period_min": -5}, {"min_period_min": "90"}, {"spike_tolerance_min": 2.5}):
        with pytest.raises(InputError, match=r"`(min_period_min|spike_tolerance_min)` must be a "
                                             "whole number of minutes"):
            nonwear(ep, **bad)
    ep.attrs["epoch_s"] = 0
    with pytest.raises(InputError, match=r"epoch length must be a positive number of seconds; "
                                         r"\.attrs\['epoch_s'\] is 0"):
        actigraph_daily(ep)


def test_agd_epochs_closer_than_the_epoch_length_are_refused(tmp_path):
    # settings say 60 s but the data are 10-s epochs (a table re-integrated by another tool)
    rows = [(START_TICKS + k * 100_000_000, 1, 2, 3, 4) for k in range(12)]
    with pytest.raises(FileFormatError, match=r"C09.agd: epochs 2024-02-01 10:00:00 and "
                                              r"2024-02-01 10:00:10 are 10 s apart, but the AGD "
                                              "settings say epochlength = 60 s"):
        read_actigraph(agd_rows(tmp_path / "C09.agd", rows))


def test_epochs_in_memory_closer_than_epoch_s_are_refused():
    ep = minute_epochs(np.full(30, 50.0))
    ep.attrs["epoch_s"] = 120.0
    with pytest.raises(InputError, match=r"epochs 2024-01-15 08:00:00 and 2024-01-15 08:01:00 "
                                         r"are 60 s apart, but \.attrs\['epoch_s'\] is 120"):
        actigraph_daily(ep)


def test_extra_text_columns_in_a_named_export_are_kept_not_refused(tmp_path):
    # ActiLife DataTable exports can carry other columns; only the counts must be numbers
    lines = header(pad="") + ["Axis1,Axis2,Axis3,Steps,Intensity", "1,2,3,0,Sedentary",
                              "400,2,3,5,Light"]
    ep = read_actigraph(write(tmp_path, lines))
    assert ep["axis1"].tolist() == [1, 400]
    assert ep["intensity"].tolist() == ["Sedentary", "Light"]
    lines = header(pad="") + ["Axis1,Axis2,Axis3,Steps", "1,2,3,0", "x,2,3,5"]
    with pytest.raises(FileFormatError, match=r"line 13: axis1 is 'x', not a number"):
        read_actigraph(write(tmp_path, lines, name="A02.csv"))


def test_a_header_quoted_by_a_spreadsheet_reads(tmp_path):
    lines = [f'"{ln}"' for ln in header(pad="")] + ['"1","2","3","0"', '"4","5","6","0"']
    ep = read_actigraph(write(tmp_path, lines))
    assert ep["axis1"].tolist() == [1, 4] and ep.attrs["epoch_s"] == 60.0


# ------------------------------------------------------------------------------- properties
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=40, deadline=None, derandomize=True)
@given(epoch=st.sampled_from([1, 5, 10, 15, 30, 60]), mode=st.sampled_from([13, 61]),
       names=st.booleans(), dates=st.booleans(), european=st.booleans(),
       newline=st.sampled_from(["\n", "\r\n"]), bom=st.booleans(),
       n=st.integers(1, 300), seed=st.integers(0, 2**16))
def test_epoch_csv_round_trip_keeps_every_epoch(tmp_path_factory, epoch, mode, names, dates,
                                                european, newline, bom, n, seed):
    """Whatever the layout an export takes, every epoch comes back with its counts and time."""
    cols = mode_columns(mode)
    rng = np.random.default_rng(seed)
    counts = rng.integers(0, 3000, size=(n, len(cols)))
    stamps = pd.date_range("2024-01-15 23:50", periods=n, freq=f"{epoch}s")
    sep = ";" if european else ","
    fmt, day = ("dd.MM.yyyy", "%d.%m.%Y") if european else ("M/d/yyyy", "%m/%d/%Y")
    lines = header(fmt=fmt, start_date=stamps[0].strftime(day), download=stamps[-1].strftime(day),
                   epoch=f"00:{epoch // 60:02d}:{epoch % 60:02d}", mode=mode, pad=sep * 3)
    lines[2] = "Start Time 23:50:00" + sep * 3
    head = [c.title().replace("_", " ") for c in cols]
    if dates:
        head = ["Date", "Time", *head]
    if names or dates:
        lines.append(sep.join(head))
    for t, row in zip(stamps, counts):
        fields = [str(v) for v in row]
        if dates:
            fields = [t.strftime(day), t.strftime("%H:%M:%S"), *fields]
        lines.append(sep.join(fields))
    path = tmp_path_factory.mktemp("a") / "A01.csv"
    path.write_bytes(("\ufeff" if bom else "").encode() + newline.join(lines).encode() + b"\n")
    ep = read_actigraph(path)
    assert ep["timestamp"].tolist() == list(stamps)
    np.testing.assert_array_equal(ep[cols].to_numpy(), counts)  # exact: integer counts
    assert ep.attrs["epoch_s"] == epoch and ep.attrs["mode"] == mode


def test_epochs_that_do_not_divide_a_minute_say_how_to_go_on():
    ep = minute_epochs(np.full(30, 50.0))
    ep["timestamp"] = pd.date_range("2024-01-15 08:00", periods=30, freq="7s")
    ep.attrs["epoch_s"] = 7.0
    with pytest.raises(InputError, match=r"these are 7 s\. Use nonwear_method=None"):
        actigraph_daily(ep)
    day = actigraph_daily(ep, nonwear_method=None, valid_day=0)
    assert day["wear_h"].iloc[0] == pytest.approx(30 * 7 / 3600)


def test_a_gzipped_epoch_csv_says_to_extract_it(tmp_path):
    import gzip

    path = tmp_path / "A01.csv"
    path.write_bytes(gzip.compress("\n".join(header()).encode()))
    with pytest.raises(FileFormatError, match=r"A01.csv: is a gzip archive, not a CSV; extract"):
        read_actigraph(path)


def test_a_table_of_epochs_reads_like_the_agd_it_came_from(samples):
    # The tidy CSV beside the AGD (timestamp, axis1, ..., inclinelying) is read as a table of
    # epochs: the same frame as the AGD, with the epoch length and mode found from it.
    folder = samples / "actigraph"
    agd = read_actigraph(folder / "GT3XPlus-RawData-Day01.agd")
    table = read_actigraph(folder / "GT3XPlus-RawData-Day01.csv")
    pd.testing.assert_frame_equal(table, agd, check_exact=True)
    assert (table.attrs["format"], table.attrs["epoch_s"], table.attrs["mode"]) == ("table", 10, 61)


def test_our_own_output_written_to_csv_reads_back(tmp_path, samples):
    ep = read_actigraph(samples / "actigraph" / "ActiGraph13.csv")
    path = tmp_path / "P1.csv"
    ep.to_csv(path, index=False)
    back = read_actigraph(path)
    pd.testing.assert_frame_equal(back, ep, check_exact=True)
    assert (back.attrs["epoch_s"], back.attrs["mode"]) == (15.0, 13)


def test_a_table_of_epochs_with_bad_values_names_line_and_column(tmp_path):
    path = tmp_path / "P1.csv"
    path.write_text("timestamp,axis1,axis2\n2024-01-01 10:00:00,5,3\n2024-01-01 10:00:10,x,1\n")
    with pytest.raises(FileFormatError, match=r"P1.csv, line 3: column 'axis1': 'x' is not"):
        read_actigraph(path)
    path.write_text("timestamp,axis1\n2024-01-01 10:00:10,5\n2024-01-01 10:00:00,3\n")
    with pytest.raises(FileFormatError, match="line 3: epoch 2024-01-01 10:00:00 does not come"):
        read_actigraph(path)
    path.write_text("timestamp,axis1\n01/02/2024 10:00,5\n")
    with pytest.raises(FileFormatError, match="line 2: column 'timestamp': '01/02/2024 10:00' is "
                                              "not an ISO date-time"):
        read_actigraph(path)


def test_raw_accelerometry_given_to_the_actigraph_reader_is_named(tmp_path):
    path = tmp_path / "P1.csv"
    path.write_text("time,x,y,z\n2024-01-01 10:00:00,1,0,0\n")
    with pytest.raises(FileFormatError, match=r"looks like raw accelerometry .* read_accel"):
        read_actigraph(path)


def test_a_ragged_row_of_an_epoch_table_names_its_line(tmp_path):
    # a row with more fields than the column names was a pandas ParserError (in an import:
    # 'an unexpected ParserError ... please report')
    path = tmp_path / "epochs.csv"
    path.write_text("timestamp,axis1,axis2,axis3\n2024-01-01 08:00:00,1,2,3\n"
                    "2024-01-01 08:01:00,1,2,3,4,5\n2024-01-01 08:02:00,1,2,3\n")
    with pytest.raises(FileFormatError, match=r"epochs.csv, line 3: epoch rows cannot be read"):
        read_actigraph(path)
