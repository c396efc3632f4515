"""The import workflow spells its options out: a misspelt or misplaced one is an error."""

from __future__ import annotations

import argparse
import inspect
from importlib.resources import files
from pathlib import Path

import pytest

from glute_study.commands import import_
from glute_study.errors import InputError
from glute_study.importing import SOURCE_OPTIONS, SOURCES, import_to_study

TEMPLATE = str(files("glute_study.io") / "templates" / "strength_template.csv")


def test_every_option_is_a_named_keyword_only_parameter():
    params = inspect.signature(import_to_study).parameters
    assert not any(p.kind is p.VAR_KEYWORD for p in params.values())
    named = {n for n, p in params.items() if p.kind is p.KEYWORD_ONLY}
    for source in SOURCES:
        for name, default in SOURCE_OPTIONS[source].items():
            assert name in named
            assert params[name].default == default


@pytest.mark.parametrize(("source", "typo", "expected"), [
    ("strength", {"tset": "x"}, "did you mean 'test'?"),
    ("strength", {"lever_arm": 0.4}, "did you mean 'lever_arm_m'?"),
    ("activpal", {"valid_days": 8}, "did you mean 'valid_day'?"),
    ("redcap", {"maping": "m.yaml"}, "did you mean 'mapping'?"),
    ("emg", {"muscle": {"EMG 1": "gluteus_maximus"}}, "did you mean 'muscles'?"),
    ("strength", {"zzz": 1}, "strength takes test, lever_arm_m"),
])
def test_a_misspelt_option_names_the_options_of_the_source(tmp_path, source, typo, expected):
    with pytest.raises(InputError) as err:
        import_to_study(source, [TEMPLATE], out=tmp_path / "s", **typo)
    message = str(err.value)
    assert repr(next(iter(typo))) in message and expected in message
    assert f"{source} takes {', '.join(SOURCE_OPTIONS[source])}" in message
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(("source", "option"), [
    ("strength", {"mapping": "m.yaml"}),
    ("strength", {"skip_bad": True}),
    ("activpal", {"lever_arm_m": 0.4}),
    ("accel", {"method": "hodges_bui"}),
    ("emg", {"valid_day": 8.0}),
])
def test_an_option_of_another_source_is_refused_not_ignored(tmp_path, source, option):
    with pytest.raises(InputError, match=f"`{next(iter(option))}` is an option of .*not of "
                                         f"{source}; {source} takes"):
        import_to_study(source, [TEMPLATE], out=tmp_path / "s", **option)
    assert not (tmp_path / "s").exists()


def test_defaults_of_other_sources_are_accepted(tmp_path):
    """The command line passes every option at its default; only the source's own ones count."""
    result = import_to_study("strength", [TEMPLATE], out=tmp_path / "s", valid_day=10.0,
                             keep="started", method="tkeo", lever_arm_m=None)
    assert result["summary"][0].startswith("strength: 8 row(s) imported")


def test_the_command_refuses_an_option_of_another_source(tmp_path):
    parser = argparse.ArgumentParser()
    import_.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["import", "strength", TEMPLATE, "--out", str(tmp_path / "s"),
                              "--mapping", "m.yaml"])
    with pytest.raises(InputError, match="`mapping` is an option of redcap, not of strength"):
        args.func(args)


def test_the_old_names_in_glute_study_io_say_where_they_moved():
    import glute_study.io

    with pytest.raises(AttributeError, match="from glute_study.importing import"):
        _ = glute_study.io.import_to_study
    with pytest.raises(AttributeError, match="from glute_study.study_folder import"):
        _ = glute_study.io.merge_tables
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        _ = glute_study.io.no_such_name


def test_every_name_glute_study_io_declares_resolves():
    # __all__ still listed the two moved names, so `from glute_study.io import *` (and any tool
    # reading __all__) failed with the AttributeError that says where they moved
    import glute_study.io

    missing = [name for name in glute_study.io.__all__ if not hasattr(glute_study.io, name)]
    assert missing == []
    namespace: dict = {}
    exec("from glute_study.io import *", namespace)
    assert "read_activpal" in namespace


@pytest.mark.parametrize("given", [TEMPLATE, Path(TEMPLATE), [Path(TEMPLATE)]])
def test_one_input_may_be_a_string_or_a_path(tmp_path, given):
    # a string was read as a list of one-letter inputs ('g: no such file or folder') and a
    # Path in the list was a TypeError from the glob expansion
    result = import_to_study("strength", given, out=tmp_path / "s")
    assert result["summary"][0].startswith("strength: 8 row(s) imported")


@pytest.mark.parametrize("kept_as", ["strength.csv.gz", "strength.xlsx", "Strength.CSV"])
def test_a_study_table_kept_in_another_format_is_not_written_beside(tmp_path, kept_as):
    # the study loader reads strength.csv.gz, strength.xlsx and Strength.CSV as the strength
    # table, but the import read and wrote only strength.csv: it wrote one beside the old file
    # (the study's rows not merged) and the study then failed validation with two files for
    # one table
    import pandas as pd

    folder = tmp_path / "s"
    import_to_study("strength", TEMPLATE, out=folder)
    old = pd.read_csv(folder / "strength.csv")
    (folder / "strength.csv").unlink()
    if kept_as.endswith(".xlsx"):
        old.to_excel(folder / kept_as, sheet_name="strength", index=False)
    else:
        old.to_csv(folder / kept_as, index=False)
    before = sorted(p.name for p in folder.iterdir())
    with pytest.raises(InputError, match=f"{kept_as}: the import merges into strength.csv"):
        import_to_study("strength", TEMPLATE, out=folder)
    assert sorted(p.name for p in folder.iterdir()) == before


def test_a_participants_table_in_another_format_is_validated(tmp_path):
    # 'not validated yet: no participants.csv' was printed for a study with participants.xlsx
    from glute_study import simulate_study
    from glute_study.validate import ValidationError

    folder = tmp_path / "s"
    simulate_study(n=4, seed=1).save(folder)
    people = __import__("pandas").read_csv(folder / "participants.csv")
    people.to_excel(folder / "participants.xlsx", sheet_name="participants", index=False)
    (folder / "participants.csv").unlink()
    (folder / "strength.csv").unlink()
    try:
        result = import_to_study("strength", TEMPLATE, out=folder)
    except ValidationError:  # the template's P001 is no participant of the simulated study
        return
    assert result["study"] is not None


def test_keys_spelt_as_the_loader_reads_them_are_replaced_not_doubled(tmp_path):
    # The loader reads session '1.0' as 1, ' P001' as P001 and 'Left' as left; the merge
    # compared the text, so a re-import kept the old rows beside the new ones and wrote a study
    # with duplicate keys (and the scope of the re-import did not match them either)
    import pandas as pd

    folder = tmp_path / "s"
    import_to_study("strength", TEMPLATE, out=folder)
    old = pd.read_csv(folder / "strength.csv", dtype=str)
    old["session"] = old["session"] + ".0"
    old["participant_id"] = " " + old["participant_id"]
    old["side"] = old["side"].str.title()
    old.to_csv(folder / "strength.csv", index=False)
    result = import_to_study("strength", TEMPLATE, out=folder)
    assert result["summary"][0] == "strength: 8 row(s) imported, 8 replaced, 8 in strength.csv"
    assert len(pd.read_csv(folder / "strength.csv")) == 8
    old.to_csv(folder / "strength.csv", index=False)
    later = " P001,2026-03-09,2,hhd_hip_extension,Left,1,400,N,0.46\n"  # a session of its own
    (folder / "strength.csv").write_text((folder / "strength.csv").read_text() + later)
    qc = import_to_study("strength", TEMPLATE, out=folder)["qc"]
    assert qc["participant_id"].tolist() == ["P001"]  # ' P001' was a participant of its own


def test_participants_merge_field_by_field_and_add_new_ones(tmp_path):
    import pandas as pd

    from glute_study.study_folder import merge_tables

    merge_tables(tmp_path, {"participants": pd.DataFrame({"participant_id": ["P1", " P2"],
                                                          "age": [30, 31]})})
    counts = merge_tables(tmp_path, {"participants": pd.DataFrame(
        {"participant_id": ["P2", "P3"], "age": [None, 40]})})
    assert counts == {"participants": (2, 1, 3)}
    table = pd.read_csv(tmp_path / "participants.csv", dtype=str, keep_default_na=False)
    assert list(table.columns)[-1] == "arm"  # no column 'index'
    assert table[["participant_id", "age"]].values.tolist() == [
        ["P1", "30"], ["P2", "31"], ["P3", "40.0"]]
