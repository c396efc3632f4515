"""Parameters are typed and checked before anything runs; the command line says what is wrong."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from glute_study.errors import InputError
from glute_study.report.params import (
    PARAMETERS,
    check_parameters,
    parse_assignments,
    parse_matrix,
)

NOTEBOOKS = Path(__file__).parent / "notebooks"


def test_defaults_are_filled_and_typed():
    values = check_parameters({})
    assert list(values) == list(PARAMETERS)
    for name, param in PARAMETERS.items():
        assert isinstance(values[name], param.type), name


@pytest.mark.parametrize(("given", "expected"), [
    ({"seed": "7"}, {"seed": 7}),
    ({"alpha": "0.01"}, {"alpha": 0.01}),
    ({"n_boot": "100"}, {"n_boot": 100}),
    ({"n_sims": "100000"}, {"n_sims": 100_000}),
    ({"scenario": "null"}, {"scenario": "null"}),
    ({"n": 50}, {"n": 50}),
])
def test_strings_and_numbers_are_converted(given, expected):
    values = check_parameters(given)
    for key, value in expected.items():
        assert values[key] == value and type(values[key]) is type(value)


@pytest.mark.parametrize(("given", "message"), [
    ({"sed": 1}, "unknown parameter 'sed' (did you mean 'seed'?)"),
    ({"bogus": 1}, "unknown parameter 'bogus'; known: study_dir, out_dir, seed"),
    ({"seed": "one"}, "parameter 'seed' must be int; got 'one'"),
    ({"seed": 1.5}, "parameter 'seed' must be int; got float 1.5"),
    ({"seed": True}, "parameter 'seed' must be int; got bool True"),
    ({"seed": -1}, "parameter 'seed' must be a whole number from 0 to 4,294,967,295; got -1"),
    ({"seed": 2**32}, "parameter 'seed' must be a whole number from 0 to 4,294,967,295"),
    ({"n": "5"}, "parameter 'n' must be a whole number from 20 to 100,000; got 5"),
    ({"n": "100001"}, "parameter 'n' must be a whole number from 20 to 100,000; got 100001"),
    ({"n_boot": "1000000000"},
     "parameter 'n_boot' must be a whole number from 100 to 100,000; got 1000000000"),
    ({"n_boot": "0"}, "parameter 'n_boot' must be a whole number from 100 to 100,000; got 0"),
    ({"n_sims": "1e9"}, "parameter 'n_sims' must be int; got '1e9'"),
    ({"n_sims": 10**9}, "parameter 'n_sims' must be a whole number from 100 to 100,000"),
    ({"alpha": "1.5"}, "parameter 'alpha' must be between 0 and 0.5 (exclusive); got 1.5"),
    ({"alpha": "0.5"}, "parameter 'alpha' must be between 0 and 0.5 (exclusive); got 0.5"),
    ({"scenario": "maybe"}, "parameter 'scenario' must be one of 'hypothesis', 'null'"),
    ({"scenario": 3}, "parameter 'scenario' must be str; got int 3"),
    ({"figure_width": "double"}, "unknown parameter 'figure_width'"),  # declared, never used
    ({"study_dir": "/no/such/folder"}, "parameter 'study_dir' must be an existing study folder"),
])
def test_bad_parameters_are_clear_errors(given, message):
    with pytest.raises(InputError) as info:
        check_parameters(given)
    assert message in str(info.value)


def test_assignments_and_matrix():
    assert parse_assignments([" a =1"]) == {"a": "1"}
    assert parse_assignments(["b=x=y"]) == {"b": "x=y"}
    with pytest.raises(InputError, match="given twice"):
        parse_assignments(["seed=1", "seed=2"])
    with pytest.raises(InputError, match="expects key=value"):
        parse_assignments(["=3"])
    assert parse_matrix(["scenario=hypothesis,null", "seed=1,2"]) == [
        {"scenario": "hypothesis", "seed": "1"}, {"scenario": "hypothesis", "seed": "2"},
        {"scenario": "null", "seed": "1"}, {"scenario": "null", "seed": "2"}]
    with pytest.raises(InputError, match="lists a value twice"):
        parse_matrix(["seed=1,1"])
    with pytest.raises(InputError, match="needs at least one value"):
        parse_matrix(["seed=,"])


def _cli(argv):
    from glute_study.commands import report

    parser = argparse.ArgumentParser(prog="glute-study")
    report.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.mark.parametrize(("argv", "message"), [
    (["-p", "seed=abc"], "parameter 'seed' must be int"),
    (["-p", "n_boot=1000000000"], "parameter 'n_boot' must be a whole number from 100 to 100,000"),
    (["--matrix", "n_sims=100,1000000000"], "parameter 'n_sims' must be a whole number from"),
    (["-p", "colour=red"], "unknown parameter 'colour'"),
    (["--matrix", "scenario=hypothesis,nul"], "must be one of 'hypothesis', 'null'; got 'nul'"),
    (["--only", "42"], "--only '42' matches no notebook"),
    (["-p", "seed=1", "--matrix", "seed=1,2"], "set both by -p and by --matrix"),
])
def test_cli_checks_everything_before_running(tmp_path, argv, message):
    out = tmp_path / "rep"
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        _cli(["report", "--out", str(out), "--no-progress", *argv])
    assert not out.exists()


def test_cli_matrix_writes_separate_folders_and_an_index(tmp_path, monkeypatch, capsys):
    from glute_study.report import runner

    monkeypatch.setattr(runner, "code_hash", lambda: "pinned-code")
    out = tmp_path / "rep"
    code = _cli(["report", "--out", str(out), "--no-progress", "--only", "01",
                 "--notebooks", str(NOTEBOOKS), "--matrix", "seed=1,2"])
    assert code == 0
    first = (out / "seed-1" / "tables" / "01_mean_x.csv").read_text()
    second = (out / "seed-2" / "tables" / "01_mean_x.csv").read_text()
    assert first != second  # different seeds, different folders, nothing overwritten
    index = (out / "index.html").read_text()
    assert 'href="seed-1/index.html"' in index and 'href="seed-2/index.html"' in index
    assert "2 notebook" not in capsys.readouterr().out  # --only 01: one notebook each


def test_every_numeric_parameter_has_a_documented_range():
    for param in PARAMETERS.values():
        if param.type in (int, float):
            assert param.check is not None, param.name
            assert " to " in param.help or "between" in param.help, param.name
            assert param.check(param.default) == "", param.name
