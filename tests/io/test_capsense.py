"""ActiGraph's wear sensor (the AGD capsense table) as a non-wear option beside Choi and Troiano."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glute_study._text import FileFormatError
from glute_study.errors import InputError
from glute_study.io import nonwear, read_actigraph
from glute_study.io.actigraph_days import actigraph_daily

TICKS_1970 = 621_355_968_000_000_000


def _ticks(stamp: np.datetime64) -> int:
    return int(stamp.astype("datetime64[ns]").astype(np.int64) // 100) + TICKS_1970


def _with_capsense(source: Path, target: Path, off_minutes: int = 52) -> tuple[Path, int]:
    """A copy of an AGD with a capsense table: one record a minute, ``off_minutes`` of them
    "not worn" in a stretch where the counts are not zero (Choi and Troiano see wear)."""
    shutil.copy(source, target)
    ep = read_actigraph(target)
    minutes = ep["timestamp"].dt.floor("min").drop_duplicates().to_numpy()
    worn = np.ones(minutes.size, dtype=bool)
    for method in ("choi", "troiano"):
        for row in nonwear(ep, method=method).query("~wear").itertuples():
            worn &= ~((minutes >= row.start.to_datetime64()) & (minutes < row.end.to_datetime64()))
    run = np.convolve(worn, np.ones(off_minutes), mode="valid") == off_minutes
    start = int(np.flatnonzero(run)[len(np.flatnonzero(run)) // 2])
    state = np.ones(minutes.size, dtype=int)
    state[start : start + off_minutes] = 0
    con = sqlite3.connect(target)
    con.execute("CREATE TABLE capsense (timeStamp INTEGER, signal INTEGER, reference INTEGER, "
                "state INTEGER, bursts INTEGER)")
    con.executemany("INSERT INTO capsense VALUES (?, 0, 0, ?, 0)",
                    [(_ticks(m), int(s)) for m, s in zip(minutes, state)])
    con.commit()
    con.close()
    return target, start


def test_capsense_off_minutes_are_nonwear_where_choi_and_troiano_see_wear(samples, tmp_path):
    source = samples / "actigraph" / "GT3XPlus-RawData-Day01.agd"
    if not source.exists():
        pytest.skip(f"ActiGraph AGD sample not found at {source}")
    path, _ = _with_capsense(source, tmp_path / "A1.agd")
    ep = read_actigraph(path)
    assert set(np.unique(ep["wear_sensor"])) == {0.0, 1.0}
    assert (ep["wear_sensor"] == 0).sum() == 52 * 6  # 10-s epochs
    cap = actigraph_daily(ep, valid_day=1, nonwear_method="capsense")
    choi = actigraph_daily(ep, valid_day=1, nonwear_method="choi")
    troiano = actigraph_daily(ep, valid_day=1, nonwear_method="troiano")
    none = actigraph_daily(ep, valid_day=1, nonwear_method=None)
    assert cap["nonwear_h"].sum() * 60 == pytest.approx(52 + none["nonwear_h"].sum() * 60)
    assert cap["wear_h"].sum() == pytest.approx(none["wear_h"].sum() - 52 / 60)
    # the 52 minutes were picked where Choi and Troiano both see wear: what they miss, the wear
    # sensor shows; the rule of each says which it used
    for other, name in ((choi, "choi"), (troiano, "troiano")):
        assert f"non-wear by {name}" in other.attrs["rule"]
        assert "wear sensor" not in other.attrs["rule"]
    assert "wear sensor (capsense) reading not worn" in cap.attrs["rule"]
    assert cap.attrs["rules"]["nonwear"] == "capsense"


def test_real_agd_files_with_a_wear_sensor_read(samples):
    found = [p for p in sorted(samples.rglob("*.agd")) if _has_capsense(p)]
    if not found:
        pytest.skip(f"no AGD with a capsense table under {samples}")
    for path in found:
        ep = read_actigraph(path)
        assert "wear_sensor" in ep
        day = actigraph_daily(ep, valid_day=0, nonwear_method="capsense")
        assert day["nonwear_h"].sum() * 3600 >= (ep["wear_sensor"] == 0).sum() * ep.attrs[
            "epoch_s"] - 1e-6


def _has_capsense(path: Path) -> bool:
    con = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        names = {r[0].lower() for r in con.execute("SELECT name FROM sqlite_master")}
        return "capsense" in names and con.execute("SELECT count(*) FROM capsense").fetchone()[0]
    finally:
        con.close()


def test_capsense_without_a_wear_sensor_is_refused(samples):
    source = samples / "actigraph" / "GT3XPlus-RawData-Day01.agd"
    if not source.exists():
        pytest.skip(f"ActiGraph AGD sample not found at {source}")
    with pytest.raises(InputError, match="needs the wear sensor .* Use nonwear_method='choi'"):
        actigraph_daily(read_actigraph(source), nonwear_method="capsense")


def test_a_damaged_capsense_table_names_the_row(samples, tmp_path):
    source = samples / "actigraph" / "GT3XPlus-RawData-Day01.agd"
    if not source.exists():
        pytest.skip(f"ActiGraph AGD sample not found at {source}")
    path, _ = _with_capsense(source, tmp_path / "A2.agd")
    con = sqlite3.connect(path)
    con.execute("UPDATE capsense SET state = 7 WHERE rowid = 3")
    con.commit()
    con.close()
    with pytest.raises(FileFormatError, match="capsense' .wear sensor. table, row 3: .*state 7"):
        read_actigraph(path)


def test_a_wear_sensor_column_of_a_tidy_export_is_read(tmp_path):
    p = tmp_path / "A3.csv"
    stamps = pd.date_range("2024-02-01 10:00", periods=120, freq="min")
    worn = np.r_[np.ones(50), np.zeros(20), np.ones(50)].astype(int)
    pd.DataFrame({"timestamp": stamps.strftime("%Y-%m-%dT%H:%M:%S"), "axis1": 300,
                  "Capsense": worn}).to_csv(p, index=False)
    ep = read_actigraph(p)
    assert ep["wear_sensor"].tolist() == worn.tolist()
    day = actigraph_daily(ep, valid_day=0.5, nonwear_method="capsense")
    assert day["nonwear_h"].sum() == pytest.approx(20 / 60)
    assert actigraph_daily(ep, valid_day=0.5)["nonwear_h"].sum() == 0  # Choi: counts all day
