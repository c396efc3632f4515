"""incidence and rate_ratio's exact, score and Wald methods against R poisson.test / prop.test.

Reference values: tests/reference/incidence. The over-dispersion-aware methods (the default) are
tested in test_rates.py.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glute_study.errors import GluteStudyWarning, InputError
from glute_study.stats.incidence import incidence, rate_ratio

REF = Path(__file__).resolve().parents[1] / "reference" / "incidence"
RTOL = 1e-7  # closed forms and exact quantiles: 1e-7 relative (tighter than the 1e-5)


@pytest.fixture(scope="module")
def ref() -> dict:
    return json.loads((REF / "incidence_reference.json").read_text())


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(REF / "incidence_data.csv")


def test_rates_by_group_match_poisson_test(data, ref):
    res = incidence(data, events="cramps", exposure="exposure_h", by="arm", method="exact")
    t = res.table.set_index("term")
    assert list(t.index) == ["control", "glute_training", "overall"]
    for term, r in [*ref["by_arm"].items(), ("overall", ref["overall"])]:
        assert t.loc[term, "events"] == r["events"]
        assert t.loc[term, "exposure_h"] == pytest.approx(r["exposure"], rel=RTOL)
        assert t.loc[term, "estimate"] == pytest.approx(r["rate"], rel=RTOL)
        assert t.loc[term, "ci_low"] == pytest.approx(r["low"], rel=RTOL)
        assert t.loc[term, "ci_high"] == pytest.approx(r["high"], rel=RTOL)
    assert t["p_value"].isna().all()


def test_zero_events_and_level(ref):
    df = pd.DataFrame({"k": [0, 0], "t": [100.0, 150.0]})
    res = incidence(df, events="k", exposure="t", method="exact")
    row = res.table.iloc[0]
    assert row.estimate == 0 and row.ci_low == 0
    assert row.ci_high == pytest.approx(ref["zero_events"]["high"], rel=RTOL)


def test_confidence_level_90(data, ref):
    res = incidence(data, events="cramps", exposure="exposure_h", level=0.90, method="exact")
    assert res.table.ci_low[0] == pytest.approx(ref["level90"]["low"], rel=RTOL)
    assert res.table.ci_high[0] == pytest.approx(ref["level90"]["high"], rel=RTOL)
    assert "90 % CI" in res.text


def test_per_scales_rate(data):
    a = incidence(data, events="cramps", exposure="exposure_h", method="exact").table
    b = incidence(data, events="cramps", exposure="exposure_h", per=100, method="exact").table
    np.testing.assert_allclose(a[["estimate", "ci_low", "ci_high"]].to_numpy() / 10,
                               b[["estimate", "ci_low", "ci_high"]].to_numpy(), rtol=1e-12)


@pytest.mark.parametrize("method", ["exact", "score", "wald"])
def test_rate_ratio_arm_matches_r(data, ref, method):
    res = rate_ratio(data, events="cramps", exposure="exposure_h", by="arm", method=method)
    row = res.table.iloc[0]
    r = ref["arm"]
    assert row.term == "glute_training vs control"
    assert row.estimate == pytest.approx(r["irr"], rel=RTOL)
    assert row.ci_low == pytest.approx(r[method]["low"], rel=RTOL)
    assert row.ci_high == pytest.approx(r[method]["high"], rel=RTOL)
    assert row.p_value == pytest.approx(r[method]["p"], rel=RTOL)


def test_rate_ratio_several_groups_with_reference(data, ref):
    res = rate_ratio(data, events="cramps", exposure="exposure_h", by="sitting_tertile",
                     method="exact", reference="low")
    t = res.table.set_index("group")
    assert set(t.index) == {"high", "middle"}
    for g in ("high", "middle"):
        r = ref[f"tertile_{g}"]
        assert t.loc[g, "estimate"] == pytest.approx(r["irr"], rel=RTOL)
        assert t.loc[g, "ci_low"] == pytest.approx(r["exact"]["low"], rel=RTOL)
        assert t.loc[g, "ci_high"] == pytest.approx(r["exact"]["high"], rel=RTOL)
        assert t.loc[g, "p_value"] == pytest.approx(r["exact"]["p"], rel=RTOL)


def test_categorical_order_sets_default_reference(data):
    cat = data.assign(arm=pd.Categorical(data.arm, ["glute_training", "control"]))
    res = rate_ratio(cat, events="cramps", exposure="exposure_h", by="arm", method="exact")
    assert res.table.term[0] == "control vs glute_training"


def test_text_sentence(data):
    res = rate_ratio(data, events="cramps", exposure="exposure_h", by="arm", method="exact")
    first, method = res.text.split("\n")
    assert first == ("The cramp rate was 5 % lower in the glute training arm than in the "
                     "control arm "
                     "(IRR 0.95, 95 % CI 0.73 to 1.23, p = .701; exact conditional test).")
    assert method.startswith("Intervals are exact Poisson intervals")


def test_bad_inputs_raise(data):
    with pytest.raises(InputError, match="must hold event counts"):
        incidence(data.assign(cramps=data.cramps - 0.5), events="cramps", exposure="exposure_h")
    with pytest.raises(InputError, match="events but no exposure"):
        incidence(data.assign(exposure_h=0.0), events="cramps", exposure="exposure_h")
    with pytest.raises(InputError, match="at least two groups"):
        rate_ratio(data.assign(arm="x"), events="cramps", exposure="exposure_h", by="arm")
    with pytest.raises(InputError, match="is not a group"):
        rate_ratio(data, events="cramps", exposure="exposure_h", by="arm", reference="nope")
    with pytest.raises(InputError, match="`method` must be one of"):
        rate_ratio(data, events="cramps", exposure="exposure_h", by="arm", method="mid-p")
    with pytest.raises(InputError, match="has no column 'hours'"):
        incidence(data, events="cramps", exposure="hours")


def test_missing_rows_warn(data):
    gappy = data.copy()
    gappy.loc[:4, "exposure_h"] = np.nan
    with pytest.warns(GluteStudyWarning, match="dropped 5 of 240 rows"):
        res = incidence(gappy, events="cramps", exposure="exposure_h")
    assert res.diagnostics["n_dropped"] == 5


def test_wald_needs_events_in_both_groups():
    df = pd.DataFrame({"k": [0, 3], "t": [100.0, 100.0], "g": ["a", "b"]})
    with pytest.raises(InputError, match="Use method='exact'"):
        rate_ratio(df, events="k", exposure="t", by="g", method="wald")
    res = rate_ratio(df, events="k", exposure="t", by="g", method="exact")
    assert np.isinf(res.table.estimate[0]) and res.table.ci_high[0] == np.inf


def test_missing_group_rows_warn(data):
    gappy = data.assign(arm=data.arm.where(data.index >= 3))
    with pytest.warns(GluteStudyWarning, match="3 rows have no 'arm'.*'overall' only"):
        res = incidence(gappy, events="cramps", exposure="exposure_h", by="arm")
    t = res.table.set_index("term")
    assert t.loc["overall", "n"] == 240
    assert t.loc["control", "n"] + t.loc["glute_training", "n"] == 237
    with pytest.warns(GluteStudyWarning, match="left out of every comparison"):
        rate_ratio(gappy, events="cramps", exposure="exposure_h", by="arm")
