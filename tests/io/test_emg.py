"""EMG reading, onset detection (known by construction), %MVIC and the activation rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glute_study.errors import GluteStudyError, GluteStudyWarning, InputError
from glute_study.io.emg import (
    activation_table,
    detect_onsets,
    emg_amplitude,
    onset_delay,
    onset_hodges_bui,
    onset_tkeo,
    read_emg,
    synthetic_emg,
)

DATA = Path(__file__).parent / "data"


def _errors_ms(method, snr_db: float, n: int = 60, **params) -> np.ndarray:
    rng = np.random.default_rng(0)
    errors = []
    for seed in range(n):
        onset = rng.uniform(0.8, 1.5)
        x = synthetic_emg(onset_s=onset, snr_db=snr_db, fs=2000.0, seed=seed)
        errors.append((method(x, 2000.0, **params) - onset) * 1000)
    return np.asarray(errors)


@pytest.mark.parametrize("method", [onset_tkeo, onset_hodges_bui])
def test_onset_median_error_at_10_db_is_within_10_ms(method):
    # The acceptance rule: median absolute error <= 10 ms at 10 dB SNR, 60 seeded signals.
    errors = _errors_ms(method, 10.0)
    assert not np.isnan(errors).any()
    assert np.median(np.abs(errors)) <= 10.0


def test_tkeo_is_at_least_as_accurate_as_hodges_bui_at_10_db():
    tkeo = np.median(np.abs(_errors_ms(onset_tkeo, 10.0)))
    hb = np.median(np.abs(_errors_ms(onset_hodges_bui, 10.0)))
    assert tkeo <= hb


def test_no_onset_in_pure_noise_gives_nan():
    x = np.random.default_rng(4).standard_normal(4000)
    assert np.isnan(onset_tkeo(x, 2000.0, j=15.0))


def test_threshold_parameters_change_the_answer():
    x = synthetic_emg(onset_s=1.0, snr_db=10, seed=9)
    # a huge threshold can never be held: the parameter is used, not ignored
    assert np.isnan(onset_hodges_bui(x, 2000.0, h=1e6))
    assert not np.isnan(onset_hodges_bui(x, 2000.0, h=3.0))


def test_tkeo_operator_closed_form():
    # psi[n] = x[n]^2 - x[n-1] x[n+1]; for a sinusoid A sin(w n) psi = A^2 sin^2(w) (constant)
    n = np.arange(200)
    a, w = 2.0, 0.3
    x = a * np.sin(w * n)
    psi = x[1:-1] ** 2 - x[:-2] * x[2:]
    np.testing.assert_allclose(psi, a**2 * np.sin(w) ** 2, rtol=1e-12)  # exact identity


def test_short_baseline_is_refused():
    with pytest.raises(GluteStudyError, match="baseline_ms"):
        onset_tkeo(np.zeros(100), 2000.0, baseline_ms=2.0)


def test_read_trigno_layout():
    emg = read_emg(DATA / "emg_trigno.csv")
    assert list(emg.columns) == ["time_s", "gluteus_maximus", "biceps_femoris"]
    assert emg.attrs["sampling_rate_hz"] == 1000.0
    assert emg.attrs["format"] == "trigno" and emg.attrs["unit"] == "mV"
    assert len(emg) == 1000  # the slower ACC channel with its blank cells is left out
    onsets = detect_onsets(emg)
    # synthetic file written with onsets at 0.75 s (glute) and 0.65 s (biceps femoris)
    assert onsets["gluteus_maximus"] == pytest.approx(0.75, abs=0.01)
    assert onsets["biceps_femoris"] == pytest.approx(0.65, abs=0.01)


def test_read_trigno_semicolon_decimal_comma(tmp_path):
    lines = (DATA / "emg_trigno.csv").read_text().splitlines()
    (tmp_path / "nl.csv").write_text("\n".join(ln.replace(",", ";").replace(".", ",")
                                               for ln in lines) + "\n", encoding="latin-1")
    a = read_emg(DATA / "emg_trigno.csv")
    b = read_emg(tmp_path / "nl.csv")
    np.testing.assert_allclose(b.to_numpy(), a.to_numpy(), rtol=0, atol=0)


def test_read_emgworks_style_labels_without_sensor_or_rate_rows(tmp_path):
    lines = (DATA / "emg_trigno.csv").read_text().splitlines()
    labels = "X[s],R GLUTEUS MAXIMUS: EMG 1,X[s],ACC X 1,X[s],R BICEPS FEMORIS: EMG 2"
    (tmp_path / "w.csv").write_text("\n".join([*lines[:3], labels, *lines[7:]]) + "\n")
    a = read_emg(DATA / "emg_trigno.csv")
    b = read_emg(tmp_path / "w.csv")
    assert list(b.columns) == ["time_s", "gluteus_maximus", "biceps_femoris"]
    assert b.attrs["sampling_rate_hz"] == 1000.0  # from the time column
    np.testing.assert_array_equal(b.to_numpy(), a.to_numpy())


def test_trigno_hole_in_a_channel_names_the_line(tmp_path):
    lines = (DATA / "emg_trigno.csv").read_text().splitlines()
    cells = lines[20].split(",")
    cells[1] = ""
    lines[20] = ",".join(cells)
    (tmp_path / "hole.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(GluteStudyError, match="hole.csv, line 21: channel 'EMG 1 \\(mV\\)'"):
        read_emg(tmp_path / "hole.csv")


def test_unnamed_channels_keep_their_label(tmp_path):
    lines = (DATA / "emg_trigno.csv").read_text().splitlines()
    (tmp_path / "u.csv").write_text("\n".join([*lines[:4], "Sensor 1,,,,Sensor 2,", *lines[5:]])
                                    + "\n")
    emg = read_emg(tmp_path / "u.csv", muscles={"EMG 1": "gluteus_maximus"})
    assert list(emg.columns) == ["time_s", "gluteus_maximus", "EMG 2"]


def test_channel_rename_and_unknown_channel(tmp_path):
    p = tmp_path / "t.csv"
    pd.DataFrame({"time_s": np.arange(10) / 1000, "ch1": np.ones(10)}).to_csv(p, index=False)
    assert list(read_emg(p, muscles={"ch1": "gluteus_maximus"}).columns)[1] == "gluteus_maximus"
    with pytest.raises(GluteStudyError, match="ch9"):
        read_emg(p, muscles={"ch9": "x"})


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ("", "empty"),
        ("time_s,gluteus_maximus\n0.000,1\n0.001,2\n0.002\n", "line 4"),
        ("time_s,gluteus_maximus\n0.000,1\n0.001,x\n0.002,3\n", "line 3.*'x'"),
        ("time_s,gluteus_maximus\n0.000,1\n0.001,2\n0.500,3\n0.501,3\n", "line 4.*time jumps"),
        ('"Time","DataCount (samples)"\n43428.1,0\n', "not an EMG export"),
    ],
)
def test_bad_files_name_the_problem(tmp_path, content, match):
    p = tmp_path / "bad.csv"
    p.write_text(content)
    with pytest.raises(GluteStudyError, match=match):
        read_emg(p)


def test_amplitude_closed_form():
    # a +-1 square wave has RMS 1 in any even window; mean removed first
    emg = pd.DataFrame({"time_s": np.arange(1000) / 1000, "m": np.tile([2.0, 0.0], 500)})
    assert emg_amplitude(emg, window_ms=100)["m"] == pytest.approx(1.0, rel=1e-12)


def _write(folder: Path, name: str, glute: float, hams: float, scale: float = 1.0) -> None:
    t = np.arange(5000) / 2000
    pd.DataFrame({"time_s": t,
                  "gluteus_maximus": scale * synthetic_emg(onset_s=glute, seed=1),
                  "biceps_femoris": synthetic_emg(onset_s=hams, seed=2)}
                 ).to_csv(folder / name, index=False)


def test_activation_table_onsets_pct_mvic_and_delay(tmp_path):
    _write(tmp_path, "mvic.csv", 0.6, 0.6, scale=2.0)
    _write(tmp_path, "phe1.csv", 1.1, 1.0)
    _write(tmp_path, "phe2.csv", 1.2, 1.0)
    manifest = pd.DataFrame({
        "path": ["mvic.csv", "phe1.csv", "phe2.csv"], "participant_id": "P1",
        "date": "2026-03-01", "task": ["mvic", "prone_hip_extension", "prone_hip_extension"],
        "cue_s": [0.0, 1.0, 1.0]})
    table = activation_table(manifest, root=tmp_path)
    assert list(table.columns) == ["participant_id", "date", "session", "task", "muscle",
                                   "trial", "onset_ms", "amplitude_pct_mvic"]
    assert table["trial"].tolist() == [1, 1, 2, 2]
    glute = table[table["muscle"] == "gluteus_maximus"]
    # glute MVIC trial written at twice the amplitude: task glute about 50 %MVIC (+- 10 %)
    assert glute["amplitude_pct_mvic"].to_numpy() == pytest.approx([50, 50], rel=0.1)
    delay = onset_delay(table)
    # constructed delays 100 and 200 ms, within 10 ms each
    np.testing.assert_allclose(delay["glute_onset_delay_ms"], [100, 200], atol=10)


def test_activation_without_mvic_leaves_pct_missing(tmp_path):
    _write(tmp_path, "phe.csv", 1.1, 1.0)
    manifest = pd.DataFrame({"path": ["phe.csv"], "participant_id": "P1", "date": "2026-03-01",
                             "task": "hip_thrust"})
    with pytest.warns(GluteStudyWarning, match=r"no MVIC trial.*P1: gluteus_maximus, "
                      r"biceps_femoris.*amplitude_pct_mvic is left empty"):
        table = activation_table(manifest, root=tmp_path, method="hodges_bui")
    assert table["amplitude_pct_mvic"].isna().all()
    assert table["onset_ms"].notna().all()


# ----------------------------------------------------------------------------- adversarial


def _tidy(path: Path, n: int = 3000, **columns) -> Path:
    frame = pd.DataFrame({"time_s": np.arange(n) / 2000, **columns})
    frame.to_csv(path, index=False)
    return path


def test_tidy_channel_of_nan_is_refused(tmp_path):
    path = _tidy(tmp_path / "nan.csv", gluteus_maximus=synthetic_emg(duration_s=1.5, seed=1),
                 biceps_femoris=np.nan)
    with pytest.raises(GluteStudyError, match=r"nan.csv: channel 'biceps_femoris' holds no "
                       r"samples"):
        read_emg(path)


@pytest.mark.parametrize("cell", ["", "NaN"])
def test_tidy_hole_in_a_channel_names_the_line(tmp_path, cell):
    x = synthetic_emg(duration_s=1.5, seed=1).round(6).astype(object)
    x[100] = cell
    path = _tidy(tmp_path / "hole.csv", gluteus_maximus=x)
    # an empty cell is a hole; the text NaN is refused as not a number, on the same line
    with pytest.raises(GluteStudyError, match=r"hole.csv, line 102: (channel|column) "
                       r"'gluteus_maximus' (has an empty cell|holds 'NaN', not a number)"):
        read_emg(path)


def test_trigno_nan_cells_name_the_line(tmp_path):
    lines = (DATA / "emg_trigno.csv").read_text().splitlines()
    cells = lines[20].split(",")
    cells[5] = "NaN"
    lines[20] = ",".join(cells)
    (tmp_path / "nan.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(GluteStudyError, match=r"nan.csv, line 21: column 'EMG 2 \(mV\)' holds "
                       "'NaN', not a number"):
        read_emg(tmp_path / "nan.csv")


def test_duplicated_muscle_columns_are_refused(tmp_path):
    (tmp_path / "d.csv").write_text("time_s,gluteus_maximus,gluteus_maximus\n0,1,2\n"
                                    "0.001,1,2\n0.002,1,2\n")
    with pytest.raises(GluteStudyError, match="line 1: column 'gluteus_maximus' appears twice"):
        read_emg(tmp_path / "d.csv")


def test_time_in_milliseconds_is_refused(tmp_path):
    (tmp_path / "ms.csv").write_text("time_s,gluteus_maximus\n0,1\n1,1\n2,1\n3,1\n")
    with pytest.raises(GluteStudyError, match=r"ms.csv, line 2: .*1 Hz.*milliseconds"):
        read_emg(tmp_path / "ms.csv")


@pytest.mark.parametrize("method", [onset_tkeo, onset_hodges_bui])
@pytest.mark.parametrize("n", [20, 300, 1010])
def test_signal_shorter_than_baseline_and_hold_is_refused(method, n):
    with pytest.raises(InputError, match=rf"{n} samples.*baseline_ms=500.*min_duration_ms=25"):
        method(np.ones(n), 2000.0)


def _trigno_two_rates(path: Path, first_hz: float, second_hz: float) -> None:
    n1, n2 = int(first_hz), int(second_hz)  # one second each
    x1 = synthetic_emg(onset_s=0.6, fs=first_hz, duration_s=1, seed=1)
    x2 = synthetic_emg(onset_s=0.6, fs=second_hz, duration_s=1, seed=2)
    head = ["Application:,Trigno Discover", "", "Glute Max R (1),,Biceps Fem R (2),",
            "X [s],EMG 1 (mV),X [s],EMG 2 (mV)", f",{first_hz:g} Hz,,{second_hz:g} Hz"]
    body = []
    for i in range(max(n1, n2)):
        a = f"{i / first_hz:.6f},{x1[i]:.6f}" if i < n1 else ","
        b = f"{i / second_hz:.6f},{x2[i]:.6f}" if i < n2 else ","
        body.append(f"{a},{b}")
    path.write_text("\n".join(head + body) + "\n")


@pytest.mark.parametrize(("first", "second"), [(2000.0, 1000.0), (1000.0, 2000.0)])
def test_trigno_channels_at_different_rates_share_one_time_axis(tmp_path, first, second):
    _trigno_two_rates(tmp_path / "r.csv", first, second)
    emg = read_emg(tmp_path / "r.csv")
    assert emg.attrs["sampling_rate_hz"] == first
    assert not emg.isna().any().any()  # no NaN past the end of the shorter time axis
    assert emg["time_s"].iloc[-1] <= 1.0
    onsets = detect_onsets(emg)
    np.testing.assert_allclose(onsets.to_numpy(), [0.6, 0.6], atol=0.06)  # 1 kHz noise


def test_unnamed_channel_in_the_activation_table_is_refused(tmp_path):
    lines = (DATA / "emg_trigno.csv").read_text().splitlines()
    (tmp_path / "u.csv").write_text("\n".join([*lines[:4], "Sensor 1,,,,Sensor 2,", *lines[5:]])
                                    + "\n")
    manifest = pd.DataFrame({"path": ["u.csv"], "participant_id": "P1", "date": "2026-03-01",
                             "task": "hip_thrust"})
    with pytest.raises(InputError, match=r"u.csv: channel 'EMG 1' has no muscle name.*muscles="):
        activation_table(manifest, root=tmp_path)


def test_short_trial_in_the_activation_table_names_the_file(tmp_path):
    _tidy(tmp_path / "short.csv", n=300, gluteus_maximus=np.ones(300))
    manifest = pd.DataFrame({"path": ["short.csv"], "participant_id": "P1",
                             "date": "2026-03-01", "task": "hip_thrust"})
    with pytest.raises(InputError, match=r"short.csv: .*300 samples"):
        activation_table(manifest, root=tmp_path)


def _manifest_trial(folder: Path) -> None:
    t = np.arange(5000) / 2000
    pd.DataFrame({"time_s": t, "gluteus_maximus": synthetic_emg(onset_s=1.1, seed=1),
                  "biceps_femoris": synthetic_emg(onset_s=1.0, seed=2)}
                 ).to_csv(folder / "phe.csv", index=False)


@pytest.mark.parametrize(
    ("manifest", "match"),
    [
        ({"cue_s": ["abc"]}, r"line 2: column 'cue_s' holds 'abc'; expected seconds"),
        ({"task": [np.nan]}, r"line 2: column 'task' is empty"),
        ({"participant_id": [np.nan]}, r"line 2: column 'participant_id' is empty"),
        ({"path": [np.nan]}, r"line 2: column 'path' is empty"),
        ({"trial": ["x"]}, r"line 2: column 'trial' holds 'x'; expected a whole number"),
        ({"session": ["first"]}, r"line 2: column 'session' holds 'first'; expected a whole"),
        ({"cue_s": [10.0]}, r"phe.csv: cue_s=10 is outside the recording \(0 to 2.4995 s\)"),
    ],
)
def test_manifest_mistakes_are_one_line_errors(tmp_path, manifest, match):
    _manifest_trial(tmp_path)
    base = {"path": ["phe.csv"], "participant_id": ["P1"], "date": ["2026-03-02"],
            "task": ["hip_thrust"]}
    with pytest.raises(InputError, match=match):
        activation_table(pd.DataFrame({**base, **manifest}), root=tmp_path)


def test_manifest_listing_a_trial_twice_is_refused(tmp_path):
    _manifest_trial(tmp_path)
    twice = pd.DataFrame({"path": ["phe.csv", "phe.csv"], "participant_id": "P1",
                          "date": "2026-03-02", "task": "hip_thrust", "trial": [1, 2]})
    with pytest.raises(InputError, match=r"line 3: .*'phe.csv' is listed again \(line 2\)"):
        activation_table(twice, root=tmp_path)
    (tmp_path / "copy.csv").write_bytes((tmp_path / "phe.csv").read_bytes())
    same_trial = twice.assign(path=["phe.csv", "copy.csv"], trial=[1, 1])
    with pytest.raises(InputError, match=r"line 3: participant P1, session 1, hip_thrust trial 1 "
                       r"is listed again \(line 2\)"):
        activation_table(same_trial, root=tmp_path)


def test_manifest_without_task_trials_is_refused(tmp_path):
    _manifest_trial(tmp_path)
    with pytest.raises(InputError, match="lists no files"):
        activation_table(pd.DataFrame(columns=["path", "participant_id", "date", "task"]),
                         root=tmp_path)
    only_mvic = pd.DataFrame({"path": ["phe.csv"], "participant_id": "P1", "date": "2026-03-02",
                              "task": "MVIC"})
    with pytest.raises(InputError, match="only MVIC trials"):
        activation_table(only_mvic, root=tmp_path)


def test_renaming_two_channels_to_one_muscle_is_refused(tmp_path):
    p = tmp_path / "t.csv"
    pd.DataFrame({"time_s": np.arange(10) / 1000, "ch1": np.ones(10), "ch2": np.ones(10)}
                 ).to_csv(p, index=False)
    with pytest.raises(InputError, match="two channels would be called 'gluteus_maximus'"):
        read_emg(p, muscles={"ch1": "gluteus_maximus", "ch2": "gluteus_maximus"})
    with pytest.raises(InputError, match="two channels would be called 'ch2'"):
        read_emg(p, muscles={"ch1": "ch2"})


def test_two_sensors_on_one_muscle_are_flagged_in_the_activation_table(tmp_path):
    lines = (DATA / "emg_trigno.csv").read_text().splitlines()
    # left and right gluteus maximus: the second cannot be called gluteus_maximus too
    (tmp_path / "lr.csv").write_text("\n".join([*lines[:4], "Glute Max L (1),,,,Glute Max R (2),",
                                                *lines[5:]]) + "\n")
    emg = read_emg(tmp_path / "lr.csv")
    assert list(emg.columns) == ["time_s", "gluteus_maximus", "gluteus_maximus_emg_2"]
    manifest = pd.DataFrame({"path": ["lr.csv"], "participant_id": "P1", "date": "2026-03-01",
                             "task": "hip_thrust"})
    with pytest.warns(GluteStudyWarning) as caught:
        activation_table(manifest, root=tmp_path)
    text = " ".join(str(w.message) for w in caught)
    assert "lr.csv: channel(s) gluteus_maximus_emg_2 are not a muscle" in text
    assert "no MVIC trial" in text


def test_activation_table_keeps_manifest_paths_inside_root(tmp_path):
    t = np.arange(5000) / 2000
    root = tmp_path / "emg"
    root.mkdir()
    signal = pd.DataFrame({"time_s": t, "gluteus_maximus": synthetic_emg(onset_s=1.1, seed=1)})
    signal.to_csv(root / "phe.csv", index=False)
    signal.to_csv(tmp_path / "secret.csv", index=False)
    rows = {"participant_id": "P1", "date": "2026-03-02", "task": "hip_thrust"}
    inside = pd.DataFrame([{"path": "phe.csv", **rows}, {"path": str(root / "phe.csv"), **rows,
                                                         "trial": 2}])
    inside.loc[0, "trial"] = 1
    with pytest.warns(GluteStudyWarning, match="no MVIC trial"):
        table = activation_table(inside, root=root)
    assert len(table) == 2  # relative or absolute, inside root
    for escape in ("../secret.csv", str(tmp_path / "secret.csv"), "../../../../etc/passwd"):
        manifest = pd.DataFrame([{"path": "phe.csv", **rows}, {"path": escape, **rows}])
        with pytest.raises(InputError, match=r"the EMG manifest, line 3: path .* leads outside "
                           r"the folder of the EMG files"):
            activation_table(manifest, root=root)


def test_pct_mvic_uses_the_mvic_of_the_same_session(tmp_path):
    # Electrodes are placed afresh each session: session 2's trials were divided by the larger
    # MVIC of session 1 (the participant's maximum over every session), about 50 % not 100 %
    _write(tmp_path, "mvic1.csv", 0.6, 0.6, scale=2.0)
    _write(tmp_path, "mvic2.csv", 0.6, 0.6)
    _write(tmp_path, "phe2.csv", 1.1, 1.0)
    manifest = pd.DataFrame({
        "path": ["mvic1.csv", "mvic2.csv", "phe2.csv"], "participant_id": "P1",
        "date": ["2026-03-01", "2026-04-01", "2026-04-01"], "session": [1, 2, 2],
        "task": ["mvic", "mvic", "prone_hip_extension"], "cue_s": [0.0, 0.0, 1.0]})
    table = activation_table(manifest, root=tmp_path)
    glute = table[table["muscle"] == "gluteus_maximus"]
    assert glute["amplitude_pct_mvic"].to_numpy() == pytest.approx([100], rel=0.1)


def test_a_session_without_its_own_mvic_is_left_empty_and_named(tmp_path):
    _write(tmp_path, "mvic1.csv", 0.6, 0.6)
    _write(tmp_path, "phe2.csv", 1.1, 1.0)
    manifest = pd.DataFrame({
        "path": ["mvic1.csv", "phe2.csv"], "participant_id": "P1",
        "date": ["2026-03-01", "2026-04-01"], "session": [1, 2],
        "task": ["mvic", "prone_hip_extension"], "cue_s": [0.0, 1.0]})
    with pytest.warns(GluteStudyWarning, match=r"no MVIC trial for P1: "
                                               r"gluteus_maximus, biceps_femoris in session 2"):
        table = activation_table(manifest, root=tmp_path)
    assert table["amplitude_pct_mvic"].isna().all()
