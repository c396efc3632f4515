"""Each derived measure has one home (glute_study.measures or Study), called from every user."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from glute_study import measures, simulate_study

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))


@pytest.fixture(scope="module")
def study():
    return simulate_study(n=120, seed=7)


def test_strength_rule_has_one_home():
    import importlib

    reliability = importlib.import_module("glute_study.stats.reliability")
    assert reliability.participant_values is measures.participant_values
    import glute_study.io as io

    assert not hasattr(io, "strength_summary")  # io reads files; measures derive values


def test_reliability_values_are_the_analysed_variable(study):
    # The baseline session of strength_sessions is glute_nm_kg of the analysis table: the
    # reliability notebook and command analyse the Nm/kg variable, not the force in N.
    table = study.analysis_table().set_index("participant_id")
    values = measures.strength_sessions(study.strength, study.participants)
    assert values.attrs["unit"] == "Nm/kg"
    assert set(values["unit"]) == {"Nm/kg"}
    first = values.sort_values("session").groupby("participant_id").first()["value"]
    common = first.index.intersection(table.index[table["glute_nm_kg"].notna()])
    assert len(common) > 50
    np.testing.assert_allclose(first[common], table.loc[common, "glute_nm_kg"], rtol=1e-12)
    # force at the pad is hundreds of N; Nm/kg is a few units
    assert values["value"].median() < 10


def test_strength_sessions_of_the_bridge_are_repetitions(study):
    values = measures.strength_sessions(study.strength, study.participants,
                                        test="single_leg_bridge")
    if values.empty:
        pytest.skip("the simulated study has no bridge trials")
    assert values.attrs["unit"] == "reps"


def test_reliability_table_and_text_carry_the_unit(study):
    from glute_study.stats.reliability import reliability

    values = measures.strength_sessions(study.strength, study.participants)
    two = values[values["session"].isin([1, 2])].dropna(subset=["value"])
    complete = two.groupby("participant_id")["session"].transform("size") == 2
    res = reliability(two[complete], value="value", unit=values.attrs["unit"])
    units = res.table.set_index("term")["unit"]
    assert units["SEM"] == units["MDC95"] == units["SWC"] == "Nm/kg"
    assert units["ICC3"] == "" and units["CV_pct"] == "%"
    assert re.search(r"SEM [\d.]+ Nm/kg, MDC95 [\d.]+ Nm/kg", res.text)
    assert re.search(r"mean change between sessions was -?[\d.]+ Nm/kg", res.text)
    plain = reliability(two[complete], value="value")
    assert set(plain.table["unit"]) == {"", "%"} and "Nm/kg" not in plain.text


# Patterns that mean a notebook derives a measure itself instead of calling its home.
_OWN_COPIES = {
    "strength per participant": r"participant_values\(|groupby\([^)]*side",
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_call_the_measures_instead_of_computing_them(path):
    source = path.read_text(encoding="utf-8")
    found = [what for what, pattern in _OWN_COPIES.items() if re.search(pattern, source)]
    assert not found, f"{path.name} computes {found} itself; call glute_study.measures or Study"
