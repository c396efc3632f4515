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
    assert "hamstring_cramps" in (out / "mediation.txt").read_text()
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
    assert "comparing sitting_h_day = 8 with sitting_h_day = 10 (as given)" in \
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
    assert "rate ratio of 0.50" in (out / "power.txt").read_text()
    assert "wrote the power results" in capsys.readouterr().out


def test_power_rejects_a_malformed_effect():
    with pytest.raises(InputError, match="--effect must look like NAME=NUMBER"):
        _run(["power", "trial", "--reps", "100", "--effect", "rr_training"])
