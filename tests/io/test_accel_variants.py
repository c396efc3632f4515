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
