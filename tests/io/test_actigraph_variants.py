"""ActiLife epoch CSV variants: other product lines' header, ISO timestamps settling the dates."""

import pandas as pd
import pytest

from glute_study.errors import GluteStudyWarning
from glute_study.io import FileFormatError, read_actigraph


def header(first="------------ Data File Created By ActiGraph GT3X+ ActiLife v6.13.3 Firmware "
                 "v3.2.1 date format M/d/yyyy Filter Normal -----------",
           start_date="1/15/2024", download="1/22/2024", epoch="00:00:10"):
    return [first, "Serial Number: NEO1F00000", "Start Time 08:00:00", f"Start Date {start_date}",
            f"Epoch Period (hh:mm:ss) {epoch}", "Download Time 09:00:00",
            f"Download Date {download}", "Current Memory Address: 0",
            "Current Battery Voltage: 4.10     Mode = 13", "-" * 50]


def write(tmp_path, lines, name="A01.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


def rows(stamps, with_stamp=True):
    out = []
    for k, t in enumerate(stamps):
        counts = f"{10 * k},{k},{2 * k},0"
        out.append(f"{t:%Y-%m-%d %H:%M:%S},{counts}" if with_stamp else counts)
    return out


STAMPS = pd.date_range("2024-01-15 08:00", periods=6, freq="10s")


@pytest.mark.parametrize("first", [
    "------------ Data Table File Created By Actigraph Link ActiLife v6.13.4 Firmware v1.7.2 "
    "date format M/d/yyyy at 30 Hz  Filter Normal -----------",
    "------------ Data File Created By ActiGraph wGT3X-BT ActiLife v6.13.4 Firmware v1.9.2 "
    "date format M/d/yyyy Filter Normal -----------",
    "------------ data file created by ACTIGRAPH CentrePoint date format M/d/yyyy ---------",
    "------------ Data File Created By ActiLife v6.13.4 date format M/d/yyyy --------",
])
def test_every_actilife_product_line_header_reads(tmp_path, first):
    ep = read_actigraph(write(tmp_path, header(first) + rows(STAMPS, with_stamp=False)))
    assert ep["timestamp"].tolist() == list(STAMPS)
    assert ep["axis1"].tolist() == [0, 10, 20, 30, 40, 50]
    assert ep.attrs["epoch_s"] == 10.0 and ep.attrs["date_source"] == "header"


def test_iso_timestamps_settle_a_header_whose_date_format_disagrees(tmp_path):
    # Start Date 15/01/2024 cannot be M/d/yyyy (no month 15), nor, with Download Date
    # 1/22/2024, d/M/yyyy: the header alone is refused; the Timestamp column settles it
    lines = header(start_date="15/01/2024") + ["Timestamp,Axis1,Axis2,Axis3,Steps",
                                               *rows(STAMPS)]
    with pytest.warns(GluteStudyWarning, match=r"Start Date '15/01/2024' cannot be read with its "
                                               r"date format M/d/yyyy.*ISO timestamps of the rows "
                                               r"settle the dates \(first epoch 2024-01-15 08:00"):
        ep = read_actigraph(write(tmp_path, lines))
    assert ep["timestamp"].tolist() == list(STAMPS)
    assert ep["axis2"].tolist() == [0, 1, 2, 3, 4, 5]
    assert "timestamp" not in ep.columns[1:]
    assert ep.attrs["date_source"] == "timestamp column"


def test_iso_timestamps_agreeing_with_the_header_read_quietly(tmp_path):
    lines = header() + ["Timestamp,Axis1,Axis2,Axis3,Steps", *rows(STAMPS)]
    ep = read_actigraph(write(tmp_path, lines))  # warnings are errors here
    assert ep["timestamp"].tolist() == list(STAMPS)


def test_without_iso_timestamps_a_contradictory_header_is_still_refused(tmp_path):
    lines = header(start_date="15/01/2024") + rows(STAMPS, with_stamp=False)
    with pytest.raises(FileFormatError, match=r"A01.csv, line 4: the header declares date format "
                                              r"M/d/yyyy, but Start Date '15/01/2024'"):
        read_actigraph(write(tmp_path, lines))


def test_timestamps_with_a_gap_name_the_line(tmp_path):
    stamps = STAMPS.delete(3)
    lines = header() + ["Timestamp,Axis1,Axis2,Axis3,Steps", *rows(stamps)]
    with pytest.raises(FileFormatError, match=r"line 15: the Timestamp 2024-01-15 08:00:40 is "
                                              r"20 s after the one before, but the header's Epoch "
                                              r"Period is 10 s"):
        read_actigraph(write(tmp_path, lines))


def test_a_file_that_is_no_actilife_export_says_what_it_found(tmp_path):
    path = write(tmp_path, ["Subject,Counts", "A1,5"])
    with pytest.raises(FileFormatError, match=r"line 1: not an ActiGraph epoch CSV: its first "
                                              r"line is 'Subject,Counts'") as err:
        read_actigraph(path)
    assert "read_actigraph" not in str(err.value)  # no advice pointing back at itself
