"""Raw accelerometry text variants: column aliases and OmGui's headerless time,x,y,z CSV."""

import numpy as np
import pandas as pd
import pytest

from glute_study.io import FileFormatError, read_accel

T0 = pd.Timestamp("2024-03-04 10:00:00")
N = 250  # 2.5 s at 100 Hz


def samples():
    k = np.arange(N)
    return (T0 + pd.to_timedelta(k * 10, unit="ms"), np.round(0.01 * (k % 7), 3),
            np.round(-0.02 * (k % 5), 3), np.round(0.98 + 0.001 * (k % 3), 3))


def write(tmp_path, lines, name="thigh.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def check(frame):
    t, x, y, z = samples()
    assert frame["time"].tolist() == list(t)
    np.testing.assert_array_equal(frame[["x", "y", "z"]].to_numpy(), np.c_[x, y, z])


@pytest.mark.parametrize("names", [
    ("time", "acc_x", "acc_y", "acc_z"), ("Timestamp", "accX", "accY", "accZ"),
    ("time", "ax", "ay", "az"), ("timestamp", "x_g", "y_g", "z_g"),
    ("Timestamp", "Accelerometer X", "Accelerometer Y", "Accelerometer Z"),
    ("Time", "X", "Y", "Z"), ("datetime", "x (g)", "y (g)", "z (g)"),
])
def test_common_column_names_read(tmp_path, names):
    t, x, y, z = samples()
    rows = [f"{a:%Y-%m-%d %H:%M:%S.%f},{b},{c},{d}" for a, b, c, d in zip(t, x, y, z)]
    check(read_accel(write(tmp_path, [",".join(names), *rows])))


@pytest.mark.parametrize("clock", ["unix", "iso"])
def test_omgui_headerless_time_x_y_z(tmp_path, clock):
    t, x, y, z = samples()
    if clock == "unix":  # OmGui: unix seconds with milliseconds
        first = [f"{(a - pd.Timestamp('1970-01-01')).total_seconds():.3f}" for a in t]
    else:
        first = [f"{a:%Y-%m-%d %H:%M:%S}.{a.microsecond // 1000:03d}" for a in t]
    rows = [f"{a},{b},{c},{d}" for a, b, c, d in zip(first, x, y, z)]
    check(read_accel(write(tmp_path, rows)))


def test_headerless_errors_name_the_file_line(tmp_path):
    rows = ["1709546400.000,0.1,0.2,0.9", "1709546400.010,0.1,oops,0.9"]
    with pytest.raises(FileFormatError, match=r"thigh.csv, line 2: y is 'oops', not a number"):
        read_accel(write(tmp_path, rows))


def test_missing_axis_says_what_was_found_and_what_is_read(tmp_path):
    path = write(tmp_path, ["time,x,y,vertical", "0,1,0,0"])
    with pytest.raises(FileFormatError, match=r"line 1: no 'z' column; expected columns time, x, "
                                              r"y, z \(acceleration in g\), also read under the "
                                              r"names acc_z, .*; found: time, x, y, vertical\. "
                                              r"Rename the column"):
        read_accel(path)


def actilife_header(rate="30", start_date="3/4/2024"):
    return ["------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.3 Firmware v3.2.1 "
            f"date format M/d/yyyy at {rate} Hz  Filter Normal -----------",
            "Serial Number: CLE2B00000", "Start Time 10:00:00", f"Start Date {start_date}",
            "Epoch Period (hh:mm:ss) 00:00:00", "Download Time 12:00:00",
            "Download Date 3/5/2024", "Current Memory Address: 0",
            "Current Battery Voltage: 4.20     Mode = 12", "-" * 50]


def raw_rows(n=90, stamps=False):
    k = np.arange(n)
    t = T0 + pd.to_timedelta(np.round(k * 1e9 / 30).astype(np.int64), unit="ns")
    rows = [f"{0.01 * (i % 7):.3f},{-0.02 * (i % 5):.3f},{0.98:.3f}" for i in k]
    if stamps:  # ActiLife writes the Timestamp in the header's date format
        rows = [f"{a:%-m/%-d/%Y %H:%M:%S}.{a.microsecond // 1000:03d},{r}"
                for a, r in zip(t, rows)]
    return t, rows


@pytest.mark.parametrize("stamps", [False, True])
def test_actilife_raw_csv_is_timed_from_its_header(tmp_path, stamps):
    t, rows = raw_rows(stamps=stamps)
    names = "Accelerometer X,Accelerometer Y,Accelerometer Z"
    lines = actilife_header() + [("Timestamp," if stamps else "") + names, *rows]
    got = read_accel(write(tmp_path, lines))
    assert got["time"].tolist() == list(t)  # 30 Hz from 2024-03-04 10:00:00
    np.testing.assert_allclose(got["x"].to_numpy()[:8], 0.01 * (np.arange(8) % 7))
    assert (got["z"] == 0.98).all()


def test_actilife_raw_csv_without_a_rate_says_so(tmp_path):
    lines = actilife_header(rate="")
    lines[0] = lines[0].replace("at  Hz", "")
    _, rows = raw_rows()
    path = write(tmp_path, lines + ["Accelerometer X,Accelerometer Y,Accelerometer Z", *rows])
    with pytest.raises(FileFormatError, match=r"line 1: the ActiLife header states no sample "
                                              r"rate \('at 30 Hz'\)"):
        read_accel(path)


def test_actilife_raw_csv_errors_name_the_line(tmp_path):
    _, rows = raw_rows()
    rows[4] = "0.1,oops,0.9"
    path = write(tmp_path, actilife_header() + ["Accelerometer X,Accelerometer Y,"
                                                "Accelerometer Z", *rows])
    with pytest.raises(FileFormatError, match=r"line 16: y is 'oops', not a number"):
        read_accel(path)


def test_a_raw_csv_given_to_the_epoch_reader_points_to_read_accel(tmp_path):
    from glute_study.io import read_actigraph

    _, rows = raw_rows()
    path = write(tmp_path, actilife_header() + ["Accelerometer X,Accelerometer Y,"
                                                "Accelerometer Z", *rows])
    with pytest.raises(FileFormatError, match=r"line 5: the epoch period is zero: this is an "
                                              r"ActiLife RAW CSV .* Read it with read_accel"):
        read_actigraph(path)
    assert len(read_accel(path)) == 90  # and read_accel does read it


def test_actilife_raw_csv_timing_holds_across_chunks_and_blocks(tmp_path):
    # 120 000 rows (> 1 MB, several pyarrow blocks), read in chunks of 7 777 rows
    from glute_study.io import iter_accel

    n = 120_000
    rows = ["0.010,-0.020,0.980"] * n
    path = write(tmp_path, actilife_header() + ["Accelerometer X,Accelerometer Y,"
                                                "Accelerometer Z", *rows])
    t = np.concatenate([c["time_ns"].to_numpy() for c in iter_accel(path, chunk_rows=7_777)])
    t = t.astype("datetime64[ns]")
    want = (T0 + pd.to_timedelta(np.round(np.arange(n) * 1e9 / 30).astype(np.int64),
                                 unit="ns")).to_numpy()
    np.testing.assert_array_equal(t, want)
