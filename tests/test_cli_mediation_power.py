"""The mediation and power subcommands: arguments in, files and a one-line error out."""

from __future__ import annotations

import argparse

import pandas as pd
import pytest

from glute_study.commands import mediation as mediation_cmd
from glute_study.commands import power as power_cmd
from glute_study.errors import GluteStudyWarning, InputError, StudyReadError
from glute_study.simulate import simulate_study


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="glute-study")
    sub = parser.add_subparsers(dest="command", required=True)
    mediation_cmd.add_parser(sub)
    power_cmd.add_parser(sub)
    return parser


def _run(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    return args.func(args)


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli") / "study"
    simulate_study(n=200, seed=4).save(folder)
    return folder


def test_mediation_on_a_study_folder_writes_its_files(study_dir, tmp_path, capsys):
    out = tmp_path / "med"
    # athletes without valid device days or without follow-up are dropped, with a warning
    with pytest.warns(GluteStudyWarning, match="dropped"):
        code = _run(["mediation", str(study_dir), "--n-boot", "200", "--ci", "percentile",
                     "--seed", "3", "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out / "mediation.csv")
    assert set(table.term) == {"a", "b", "direct", "indirect", "total", "proportion_mediated"}
    assert (out / "mediation_sensitivity.svg").is_file()
    assert "on hamstring cramps through glute strength" in (out / "mediation.txt").read_text()
    assert "wrote the mediation results" in capsys.readouterr().out


def test_mediation_on_a_csv_with_explicit_columns(tmp_path, capsys):
    from glute_study.simulate import draw_cohorts

    d = draw_cohorts(150, reps=1, seed=2)
    frame = pd.DataFrame({k: v[0] for k, v in d.items()}).dropna(
        subset=["sitting_h_day", "exposure_h"])
    path = tmp_path / "table.csv"
    frame.to_csv(path, index=False)
    code = _run(["mediation", str(path), "--covariates", "age,male", "--contrast", "8", "10",
                 "--n-boot", "100", "--ci", "percentile", "--seed", "1"])
    assert code == 0
    assert "comparing device-measured sitting of 8 h/day with 10 h/day (as given)" in \
        capsys.readouterr().out


def test_mediation_errors_are_package_errors(tmp_path):
    with pytest.raises(StudyReadError, match="neither a study folder nor a file"):
        _run(["mediation", str(tmp_path / "nope")])
    bad = tmp_path / "t.xlsx"
    bad.write_text("x")
    with pytest.raises(InputError, match="a .csv or a .parquet"):
        _run(["mediation", str(bad)])


def test_power_writes_table_text_and_plot(tmp_path, capsys):
    out = tmp_path / "pw"
    code = _run(["power", "trial", "--n", "60", "120", "--reps", "100", "--seed", "2",
                 "--effect", "rr_training=0.5", "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out / "power.csv")
    assert list(table.n.unique()) == [60, 120]
    assert (out / "power.svg").is_file() and (out / "power.png").is_file()
    # rr_training is the effect once the glute gain is complete; over the whole follow-up,
    # which the trial's analysis estimates, the gain builds up first: 0.61
    assert "rate ratio of 0.61" in (out / "power.txt").read_text()
    assert "wrote the power results" in capsys.readouterr().out


def test_power_rejects_a_malformed_effect():
    with pytest.raises(InputError, match="--effect must look like NAME=NUMBER"):
        _run(["power", "trial", "--reps", "100", "--effect", "rr_training"])


@pytest.mark.parametrize(("argv", "message"), [
    (["mediation", "no-such-table.csv", "--n-boot", "1000000000"],
     "`n_boot` must be a whole number from 100 to 100,000; got 1000000000."),
    (["mediation", "no-such-table.csv", "--n-boot", "10"],
     "`n_boot` must be a whole number from 100 to 100,000; got 10."),
    (["mediation", "no-such-table.csv", "--seed", "-5"],
     "`seed` must be a whole number from 0 to 4,294,967,295; got -5."),
    (["mediation", "no-such-table.csv", "--scheduler", "tcp://127.0.0.1:notaport"],
     "scheduler address 'tcp://127.0.0.1:notaport': the port must be a number from 1 to 65535"),
    (["power", "trial", "--reps", "1000000000"],
     "`reps` must be a whole number from 100 to 100,000; got 1000000000."),
    (["power", "trial", "--n-sims", "1000000000"],
     "`reps` must be a whole number from 100 to 100,000; got 1000000000."),
    (["power", "trial", "--n", "100", "1000000000"],
     "`n` must be a whole number from 20 to 100,000; got 1000000000."),
    (["power", "trial", "--seed", "99999999999"],
     "`seed` must be a whole number from 0 to 4,294,967,295; got 99999999999."),
    (["simulate", "--n", "20", "--seed", "-1", "--out", "never-written"],
     "`seed` must be a whole number from 0 to 4,294,967,295; got -1."),
    (["simulate", "--n", "1000000000", "--seed", "1", "--out", "never-written"],
     "`n` must be a whole number from 2 to 100,000; got 1000000000."),
])
def test_counts_out_of_range_are_one_line_errors_before_any_work(argv, message, capsys,
                                                                 tmp_path, monkeypatch):
    from glute_study.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err == f"glute-study: error: {message}\n" or (
        err.startswith(f"glute-study: error: {message}") and err.count("\n") == 1), err
    assert not (tmp_path / "never-written").exists()


def test_power_without_seed_records_the_seed_it_drew(tmp_path, capsys):
    import re

    out = tmp_path / "pw"
    assert _run(["power", "trial", "--n", "60", "--reps", "100", "--out", str(out)]) == 0
    text = (out / "power.txt").read_text()
    seed = re.search(r"Simulated with seed (\d+)\.", text)
    assert seed, text
    assert f"seed {seed[1]}" in capsys.readouterr().out
    again = tmp_path / "again"
    assert _run(["power", "trial", "--n", "60", "--reps", "100", "--seed", seed[1], "--out",
                 str(again)]) == 0
    assert (again / "power.csv").read_text() == (out / "power.csv").read_text()
    assert (again / "power.txt").read_text() == text


def test_mediation_without_seed_records_the_seed_it_drew(study_dir, tmp_path):
    import re

    out = tmp_path / "med"
    with pytest.warns(GluteStudyWarning, match="dropped"):
        assert _run(["mediation", str(study_dir), "--n-boot", "100", "--ci", "percentile",
                     "--out", str(out)]) == 0
    text = (out / "mediation.txt").read_text()
    seed = re.search(r"\(seed (\d+)\)", text)
    assert seed, text
    again = tmp_path / "again"
    with pytest.warns(GluteStudyWarning, match="dropped"):
        assert _run(["mediation", str(study_dir), "--n-boot", "100", "--ci", "percentile",
                     "--seed", seed[1], "--out", str(again)]) == 0
    assert (again / "mediation.csv").read_text() == (out / "mediation.csv").read_text()
    assert (again / "mediation.txt").read_text() == text
