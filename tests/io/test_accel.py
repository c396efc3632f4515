"""Raw thigh accelerometry: inclination posture known by construction, chunking, bad input."""

from __future__ import annotations

from functools import partial

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from glute_study.errors import InputError
from glute_study.io import FileFormatError, iter_accel, read_accel
from glute_study.io import accel as accel_module
from glute_study.io import accel_daily as _accel_daily
from glute_study.io import accel_epochs as epochs_module
from glute_study.io import thigh_posture as _thigh_posture

T0 = pd.Timestamp("2024-05-06 22:00:00")

# These tests check the inclination-only rule, the chunking and the input checks; the Acti4-type
# default is checked in test_activity_types.py.
thigh_posture = partial(_thigh_posture, method="inclination")
accel_daily = partial(_accel_daily, method="inclination")


def signal(angles_deg, *, hz=10, seed=1, noise=0.02, start=T0) -> pd.DataFrame:
    """Samples whose long (x) axis is ``angle`` degrees from vertical, one angle per second."""
    rng = np.random.default_rng(seed)
    theta = np.radians(np.repeat(np.asarray(angles_deg, dtype=float), hz))
    n = theta.size
    return pd.DataFrame({
        "time": start + pd.to_timedelta(np.arange(n) / hz, unit="s"),
        "x": np.cos(theta) + rng.normal(0, noise, n),
        "y": rng.normal(0, noise, n),
        "z": np.sin(theta) + rng.normal(0, noise, n),
    })


def test_inclination_threshold_known_by_construction():
    angles = [20] * 30 + [44] * 30 + [46] * 30 + [85] * 30
    ep = thigh_posture(signal(angles, noise=0.0), nonwear_min=None, min_bout_s=1)
    np.testing.assert_allclose(ep["inclination_deg"], angles, atol=1e-9)  # exact geometry
    assert ep["state"].tolist() == ["upright"] * 60 + ["sitting"] * 60
    assert ep["duration_s"].eq(1.0).all()
    assert ep["start"].iloc[0] == T0


def test_upside_down_sensor_gives_the_same_posture():
    up = signal([10] * 20 + [80] * 20, noise=0.0)
    down = up.assign(x=-up["x"])
    a = thigh_posture(up, nonwear_min=None)
    b = thigh_posture(down, nonwear_min=None)
    assert a["state"].tolist() == b["state"].tolist()


def test_minimum_bout_keeps_the_previous_posture():
    angles = [10] * 60 + [80] * 9 + [10] * 60 + [80] * 10 + [10] * 60
    ep = thigh_posture(signal(angles), nonwear_min=None, min_bout_s=10)
    sitting = ep["state"].eq("sitting").to_numpy()
    assert sitting.sum() == 10  # the 9-s excursion is ignored, the 10-s one kept
    assert sitting[129:139].all()
    assert "shorter than 10 s ignored" in ep.attrs["rule"]


def test_still_sensor_is_nonwear_after_90_minutes():
    angles = [80] * (89 * 60)
    worn = thigh_posture(signal(angles, hz=2, noise=0.0), min_bout_s=1)
    assert worn["state"].eq("sitting").all()  # 89 still minutes: still worn
    off = thigh_posture(signal([80] * (91 * 60), hz=2, noise=0.0), min_bout_s=1)
    assert off["state"].eq("nonwear").all()
    moving = thigh_posture(signal([80] * (91 * 60), hz=2, noise=0.05), min_bout_s=1)
    assert moving["state"].eq("sitting").all()


def test_nonwear_is_the_same_when_chunks_cut_minutes_and_epochs(monkeypatch):
    # 100 min at 2 Hz: 3 moving minutes, 92 still ones, 5 moving. Chunks of 37 samples cut
    # epochs and clock minutes; the minute sums behind non-wear must not depend on them.
    raw = signal([80] * (100 * 60), hz=2, noise=0.0)
    rng = np.random.default_rng(5)
    moving = (raw.index < 3 * 120) | (raw.index >= 95 * 120)
    for axis in "xyz":
        raw.loc[moving, axis] += rng.normal(0, 0.05, moving.sum())
    whole = thigh_posture(raw, min_bout_s=1)
    off = whole["state"].eq("nonwear").to_numpy()
    assert off.sum() == 92 * 60 and off[180 : 180 + 92 * 60].all()
    # Independent reference: each clock minute's population SD per axis, in pandas.
    sd = raw.groupby(raw["time"].dt.floor("min"))[["x", "y", "z"]].std(ddof=0)
    still = (sd < 0.013).sum(axis=1) >= 2
    assert still.sum() == 92 and still.iloc[3:95].all()
    monkeypatch.setattr(accel_module, "_CHUNK_ROWS", 37)
    pd.testing.assert_frame_equal(thigh_posture(raw, min_bout_s=1), whole, check_exact=True)


def test_matches_a_plain_pandas_computation():
    raw = signal(np.r_[np.full(100, 15.0), np.linspace(15, 90, 200), np.full(100, 70.0)])
    ep = thigh_posture(raw, nonwear_min=None, min_bout_s=1)
    # Independent reference: pandas groupby on the floored second, then the arccos formula.
    g = raw.groupby(raw["time"].dt.floor("s"))[["x", "y", "z"]].mean()
    ref = np.degrees(np.arccos(np.abs(g["x"]) / np.sqrt((g**2).sum(axis=1))))
    np.testing.assert_allclose(ep["inclination_deg"], ref.to_numpy(), rtol=0, atol=1e-9)
    assert ep["start"].tolist() == list(g.index)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_files_read_in_chunks_give_the_in_memory_answer(tmp_path, monkeypatch, suffix):
    raw = signal([10] * 50 + [80] * 50 + [30] * 50, hz=25)
    path = tmp_path / f"thigh{suffix}"
    if suffix == ".csv":
        raw.to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%S.%f")
    else:
        raw.to_parquet(path, index=False)
    whole = thigh_posture(raw, nonwear_min=None)
    one_chunk = thigh_posture(path, nonwear_min=None)
    monkeypatch.setattr(accel_module, "_CHUNK_ROWS", 333)  # epochs cut across chunks
    chunked = thigh_posture(path, nonwear_min=None)
    pd.testing.assert_frame_equal(chunked, one_chunk, check_exact=True)  # any chunking: same sums
    monkeypatch.setattr(accel_module, "_CHUNK_ROWS", 7)  # epochs of 25 samples span chunks
    pd.testing.assert_frame_equal(thigh_posture(path, nonwear_min=None), one_chunk,
                                  check_exact=True)
    # Parquet holds the very doubles; pandas' CSV parser can round the last bit differently.
    exact = suffix == ".parquet"
    pd.testing.assert_frame_equal(chunked, whole, check_exact=exact, rtol=1e-12)
    assert [len(c) for c in iter_accel(path, chunk_rows=1000)] == [1000, 1000, 1000, 750]


def test_cache_blocks_and_chunks_do_not_change_the_epoch_sums(monkeypatch):
    # Irregular sampling with a gap, so epochs hold different numbers of samples; blocks of 7
    # samples (whole epochs each) and chunks of 167 (cutting epochs, the first ending at the
    # gap) must add the same numbers in the same order as one block of one chunk.
    raw = signal([10] * 40 + [80] * 40, hz=25)
    raw = raw.drop(index=range(501, 900)).iloc[::3].reset_index(drop=True)  # gap before row 167
    monkeypatch.setattr(epochs_module, "_BLOCK", 1 << 40)
    whole = thigh_posture(raw, nonwear_min=None, min_bout_s=1)
    monkeypatch.setattr(epochs_module, "_BLOCK", 7)
    monkeypatch.setattr(accel_module, "_CHUNK_ROWS", 167)
    blocked = thigh_posture(raw, nonwear_min=None, min_bout_s=1)
    pd.testing.assert_frame_equal(blocked, whole, check_exact=True)


def test_parquet_row_groups_longer_than_a_chunk_are_split(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    raw = signal([10] * 30 + [80] * 30, hz=25)  # 1500 samples
    path = tmp_path / "thigh.parquet"
    pq.write_table(pa.Table.from_pandas(raw, preserve_index=False), path, row_group_size=400)
    assert [len(c) for c in iter_accel(path, chunk_rows=1000)] == [400, 400, 400, 300]
    assert [len(c) for c in iter_accel(path, chunk_rows=150)] == [150, 150, 100] * 3 + [150, 150]
    pd.testing.assert_frame_equal(read_accel(path), raw, check_exact=True)


def test_semicolon_csv_with_decimal_comma_and_seconds(tmp_path):
    path = tmp_path / "thigh.csv"
    path.write_text("time;x;y;z\n0;0,99;0;0,1\n0,5;0,98;0;0,1\n1;0,1;0;0,99\n1,5;0,1;0;0,99\n")
    got = read_accel(path)
    assert got["x"].tolist() == [0.99, 0.98, 0.1, 0.1]
    assert got["time"].iloc[3] == pd.Timestamp("1970-01-01 00:00:01.5")
    ep = thigh_posture(path, nonwear_min=None, min_bout_s=1)
    assert ep["state"].tolist() == ["upright", "sitting"]


def _pandas_only(monkeypatch):
    def refuse(*args, **kwargs):
        raise accel_module._NotForArrow
        yield  # pragma: no cover

    monkeypatch.setattr(accel_module, "_iter_csv_arrow", refuse)


@pytest.mark.parametrize("time_format", ["iso", "seconds"])
def test_fast_and_pandas_csv_readers_agree(tmp_path, monkeypatch, time_format):
    raw = signal([10] * 40 + [80] * 40, hz=25)
    path = tmp_path / "thigh.csv"
    if time_format == "iso":
        raw.to_csv(path, index=False, date_format="%Y-%m-%d %H:%M:%S.%f")
    else:
        raw.assign(time=raw["time"].astype("int64") / 1e9).to_csv(path, index=False)
    fast = [c.copy() for c in iter_accel(path, chunk_rows=700)]
    assert [len(c) for c in fast] == [700, 700, 600]
    _pandas_only(monkeypatch)
    slow = list(iter_accel(path, chunk_rows=700))
    for a, b in zip(fast, slow, strict=True):
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True),
                                      check_exact=False, rtol=1e-15)
        assert a.attrs == b.attrs


def test_csv_reader_hands_over_to_pandas_mid_file(tmp_path, monkeypatch):
    # pyarrow refuses its third block: the rows already passed on are not read twice, and the
    # rest comes from pandas, so the chunks are those of one reader.
    import pyarrow as pa
    import pyarrow.csv as pacsv

    raw = signal([10] * 40 + [80] * 40, hz=25)
    path = tmp_path / "thigh.csv"
    raw.to_csv(path, index=False, date_format="%Y-%m-%d %H:%M:%S.%f")
    whole = read_accel(path)
    real_open = pacsv.open_csv

    class Failing:
        def __init__(self, reader):
            self.reader, self.calls = reader, 0

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.reader.close()

        def read_next_batch(self):
            self.calls += 1
            if self.calls == 3:
                raise pa.ArrowInvalid("refused")
            return self.reader.read_next_batch()

    def small_blocks(source, *, read_options, **kwargs):
        read_options.block_size = 20_000  # about 400 rows a block
        return Failing(real_open(source, read_options=read_options, **kwargs))

    monkeypatch.setattr(pacsv, "open_csv", small_blocks)
    chunks = list(iter_accel(path, chunk_rows=300))
    assert [len(c) for c in chunks] == [300] * 6 + [200]
    assert [c.attrs["first_line"] for c in chunks] == [2 + 300 * k for k in range(7)]
    got = pd.concat(chunks, ignore_index=True)
    np.testing.assert_array_equal(got["time_ns"], whole["time"].astype("int64"))
    # pandas' parser may round the last bit differently from pyarrow's
    np.testing.assert_allclose(got[["x", "y", "z"]], whole[["x", "y", "z"]], rtol=0, atol=1e-15)


def test_csv_with_zone_offsets_and_legacy_encoding_are_read_by_pandas(tmp_path):
    path = tmp_path / "thigh.csv"
    path.write_text("time,x,y,z\n2024-01-01T10:00:00Z,1,0,0\n2024-01-01T10:00:00.5Z,0.9,0,0\n")
    assert read_accel(path)["time"].tolist() == [pd.Timestamp("2024-01-01 10:00:00"),
                                                 pd.Timestamp("2024-01-01 10:00:00.5")]
    latin = tmp_path / "thigh_latin1.csv"
    latin.write_bytes("time;x;y;z;Bemerkung\n0;0,5;0;0,8;Gesäß\n1;0,6;0;0,8;\n".encode("latin-1"))
    assert read_accel(latin)["x"].tolist() == [0.5, 0.6]


def test_times_with_utc_offsets_keep_the_local_clock_across_summer_time(tmp_path):
    # Spring forward (Europe, 2024-03-31): the local clock jumps from 01:59:59 to 03:00:00, so
    # the local day has 23 hours; the offsets must not move samples to UTC.
    spring = tmp_path / "spring.csv"
    spring.write_text("time,x,y,z\n2024-03-31T01:59:59+01:00,1,0,0\n"
                      "2024-03-31T03:00:00+02:00,1,0,0\n2024-03-31 03:00:01 +0200,1,0,0\n")
    assert read_accel(spring)["time"].tolist() == [
        pd.Timestamp("2024-03-31 01:59:59"), pd.Timestamp("2024-03-31 03:00:00"),
        pd.Timestamp("2024-03-31 03:00:01")]
    # Fall back: the local clock repeats an hour, which the chunked reader must refuse.
    autumn = tmp_path / "autumn.csv"
    autumn.write_text("time,x,y,z\n2024-10-27T02:59:59+02:00,1,0,0\n"
                      "2024-10-27T02:00:00+01:00,1,0,0\n")
    with pytest.raises(FileFormatError, match="autumn.csv, line 3: time goes backwards"):
        thigh_posture(autumn)
    dates = pd.Series(["2024-03-31", "2024-03-31T10:00Z"], dtype=object)  # no clock: no offset
    assert accel_module._time_ns(dates).astype("datetime64[ns]").tolist() == [
        pd.Timestamp("2024-03-31").value, pd.Timestamp("2024-03-31 10:00").value]


def test_csv_with_a_byte_order_mark_takes_the_fast_reader(tmp_path, monkeypatch):
    raw = signal([10] * 20 + [80] * 20, hz=10)
    plain = tmp_path / "plain.csv"
    raw.to_csv(plain, index=False, date_format="%Y-%m-%d %H:%M:%S.%f")
    bom = tmp_path / "bom.csv"
    bom.write_bytes(b"\xef\xbb\xbf" + plain.read_bytes())
    utf16 = tmp_path / "utf16.csv"  # Windows 'Unicode' without a mark: the pandas reader
    utf16.write_bytes(plain.read_text().encode("utf-16-le"))
    want = read_accel(plain)
    pd.testing.assert_frame_equal(read_accel(utf16), want, check_exact=False, rtol=1e-15)

    def no_pandas(*args, **kwargs):
        raise AssertionError("the pandas reader was used")

    monkeypatch.setattr(accel_module, "_iter_csv_pandas", no_pandas)
    pd.testing.assert_frame_equal(read_accel(bom), want, check_exact=True)


def test_missing_value_deep_in_a_csv_names_its_line(tmp_path):
    raw = signal([10] * 100, hz=25)
    raw["time"] = raw["time"].dt.strftime("%Y-%m-%d %H:%M:%S.%f")
    raw["y"] = raw["y"].astype(object)
    raw.loc[2300, "y"] = ""
    path = tmp_path / "thigh.csv"
    raw.to_csv(path, index=False)
    with pytest.raises(FileFormatError, match=r"line 2302: no y value \(bad field\)"):
        list(iter_accel(path, chunk_rows=1000))


def test_daily_split_at_midnight():
    # 22:00 -> 01:00: 1 h upright, then 2 h sitting across midnight, ending the recording.
    raw = signal([10] * 3600 + [80] * 7200, hz=1)
    d = accel_daily(raw, participant_id="X1", valid_day=1)
    assert d["date"].tolist() == [pd.Timestamp("2024-05-06"), pd.Timestamp("2024-05-07")]
    np.testing.assert_allclose(d["sitting_h"], [1.0, 1.0])
    np.testing.assert_allclose(d["prolonged_sitting_60_h"], [1.0, 1.0])  # judged on the whole bout
    assert d["sitting_bouts"].tolist() == [1, 0]
    assert d["breaks"].tolist() == [0, 0]
    assert d["instrument"].eq("thigh_accelerometer").all()
    assert "45 deg from vertical" in d.attrs["rule"]


# ------------------------------------------------------------------------------ bad input
def test_time_going_backwards_names_the_line(tmp_path):
    path = tmp_path / "thigh.csv"
    path.write_text("time,x,y,z\n0,1,0,0\n1,1,0,0\n2,1,0,0\n1.5,1,0,0\n")
    with pytest.raises(FileFormatError, match="thigh.csv, line 5: time goes backwards"):
        thigh_posture(path)


def test_time_going_backwards_deep_in_a_chunk(monkeypatch):
    raw = signal([10] * 200, hz=10)
    t = raw["time"].to_numpy().copy()
    t[1234] = t[1230]  # sample 1234 goes back in time
    raw["time"] = t
    monkeypatch.setattr(epochs_module, "_BLOCK", 64)
    with pytest.raises(InputError, match="row 1234: time goes backwards"):
        thigh_posture(raw)


def test_missing_value_names_the_line(tmp_path):
    path = tmp_path / "thigh.csv"
    path.write_text("time,x,y,z\n0,1,0,0\n1,1,,0\n2,1,0,0\n")
    with pytest.raises(FileFormatError, match=r"thigh.csv, line 3: no y value \(bad field\)"):
        thigh_posture(path)


def test_truncated_last_line(tmp_path):
    path = tmp_path / "thigh.csv"
    path.write_text("time,x,y,z\n0,1,0,0\n1,1,0,0\n2,1\n")
    with pytest.raises(FileFormatError, match=r"line 4: no y value \(truncated file\?\)"):
        thigh_posture(path)


def test_units_in_metres_per_second_squared(tmp_path):
    raw = signal([10] * 5)
    raw[["x", "y", "z"]] *= 9.81
    with pytest.raises(InputError, match=r"look like m/s\^2"):
        thigh_posture(raw)
    counts = signal([10] * 5)
    counts[["x", "y", "z"]] *= 1000  # milli-g
    with pytest.raises(InputError, match=r"not in g \(median \|a\| of the first samples is 1000"):
        thigh_posture(counts)
    still = signal([10] * 5, noise=0.0)
    still[["x", "y", "z"]] = 0.0  # a logger writing zeros before it starts: not a unit error
    assert thigh_posture(still, nonwear_min=None)["n"].sum() == 50


def test_missing_columns_and_empty_file(tmp_path):
    path = tmp_path / "thigh.csv"
    path.write_text("t,ax,ay,az\n0,1,0,0\n")
    with pytest.raises(FileFormatError, match="line 1: no 'time' column"):
        thigh_posture(path)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(FileFormatError, match="empty.csv: the file is empty"):
        read_accel(empty)


def test_bad_options():
    raw = signal([10] * 5)
    with pytest.raises(InputError, match="`long_axis` must be one of"):
        thigh_posture(raw, long_axis="w")
    with pytest.raises(InputError, match="must divide 60 seconds"):
        thigh_posture(raw, epoch_s=7)
    with pytest.raises(InputError, match="unknown options: angle"):
        accel_daily(raw, angle=30)


def test_parquet_damaged(tmp_path):
    path = tmp_path / "bad.parquet"
    path.write_bytes(b"PAR1 not really")
    with pytest.raises(FileFormatError, match="bad.parquet: cannot be read as Parquet"):
        thigh_posture(path)



@settings(max_examples=200, deadline=None, derandomize=True)
@given(
    st.lists(st.integers(-10**6, 10**6), min_size=1, max_size=300),
    st.lists(st.integers(-10**6 - 10, 10**6 + 10), max_size=50),
)
def test_epoch_cutting_equals_bisection(times, edges):
    # the regular-sampling shortcut must give exactly numpy's searchsorted, whatever the times
    t = np.sort(np.asarray(times, dtype=np.int64))
    e = np.sort(np.asarray(edges, dtype=np.int64))
    np.testing.assert_array_equal(epochs_module._first_at_or_after(t, e),
                                  np.searchsorted(t, e, side="left"))


@pytest.mark.parametrize("option, value", [
    ("min_bout_s", float("nan")), ("min_bout_s", -3.0), ("sitting_angle_deg", "abc"),
    ("sitting_angle_deg", 400.0), ("epoch_s", "x"), ("nonwear_min", -5.0),
    ("nonwear_min", float("inf")),
])
def test_posture_options_out_of_range_are_refused_naming_the_option(option, value):
    # NaN and text were a ValueError/TypeError ('unexpected ..., please report' per file in an
    # import); nonwear_min=-5 made every minute non-wear and an angle of 400 deg no minute
    # sitting, without a word
    with pytest.raises(InputError, match=f"`{option}` must "):
        thigh_posture(signal([80] * 60), **{option: value})


def test_an_unknown_accel_option_lists_the_options():
    with pytest.raises(InputError, match="unknown options: angle.*instrument, waking, method, "
                                         "epoch_s, long_axis, sitting_angle_deg, min_bout_s, "
                                         "nonwear_min, nonwear, reference_angle_deg"):
        accel_daily(signal([10] * 5), angle=30)


def test_a_folder_import_refuses_an_unknown_accel_option_before_reading(tmp_path):
    from glute_study.io import import_device_folder
    (tmp_path / "T1.csv").write_text("not read")
    with pytest.raises(InputError, match="option 'angle' is not an option of accel_daily.*"
                                         "sitting_angle_deg"):
        import_device_folder(tmp_path, reader="accel", executor="serial", options={"angle": 30})


@pytest.mark.parametrize("unit", ["ns", "us"])
def test_zoned_parquet_times_keep_the_local_clock(tmp_path, unit):
    # a Parquet time column with a zone (Europe/Berlin) was read as its UTC instants in the
    # nanosecond fast path: 00:00-02:00 local on 31 March became 23:00 on the 30th to 01:00
    t = pd.date_range("2024-03-31 00:00", periods=4, freq="30min", tz="Europe/Berlin")
    path = tmp_path / "thigh.parquet"
    pd.DataFrame({"time": t.as_unit(unit), "x": 1.0, "y": 0.0, "z": 0.0}).to_parquet(path)
    assert read_accel(path)["time"].tolist() == list(t.tz_localize(None))
