"""adjust_p against R p.adjust and cummax (tests/reference/multiplicity/multiplicity.R)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from glute_study.errors import InputError
from glute_study.stats import Result, adjust_p

REF = Path(__file__).resolve().parents[1] / "reference" / "multiplicity"
METHODS = ["holm", "hochberg", "bh", "bonferroni", "fixed_sequence"]


@pytest.fixture(scope="module")
def ref() -> dict:
    return json.loads((REF / "multiplicity_reference.json").read_text())


def _p(values) -> np.ndarray:
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _table(p: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"term": [f"h{i + 1}" for i in range(len(p))], "estimate": np.nan,
                         "ci_low": np.nan, "ci_high": np.nan, "p_value": p})


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("family", ["primary", "ties", "extremes", "with_na", "single", "many"])
def test_matches_r_p_adjust(ref, family, method):
    # R: p.adjust(p, method = "holm" / "hochberg" / "BH" / "bonferroni"); cummax(p)
    case = ref[family]
    p = _p(case["p"])
    out = adjust_p(_table(p), method=method)
    expected = _p(case[method])
    assert_allclose(out.table["p_adjusted"].to_numpy(float), expected, rtol=1e-12,
                    atol=1e-300)
    ok = ~np.isnan(p)
    assert (out.table["rejected"][ok].to_numpy(bool) == (expected[ok] <= 0.05)).all()
    assert out.table["rejected"][~ok].isna().all()
    assert (out.table.loc[~ok, "note"].str.startswith("no p-value")).all()
    assert (out.table.loc[ok, "family"] == "all").all()
    assert out.diagnostics["family_sizes"] == {"all": int(ok.sum())}


def test_na_rows_are_left_out_and_said(ref):
    out = adjust_p(_table(_p(ref["with_na"]["p"])))
    assert out.table["family"].tolist() == ["all", "", "all", "all", "", "all"]
    assert "2 rows stayed out of every family: h2 (table; no p-value), h5 (table; no p-value)" \
        in out.text
    assert "Holm adjustment of 4 p-values" in out.text
    assert "nan" not in out.text.lower()


def test_fixed_sequence_stops_at_first_failure():
    p = np.array([0.01, 0.03, 0.20, 0.001])
    out = adjust_p(_table(p), method="fixed_sequence", family=["h1", "h2", "h3", "h4"])
    assert out.table["rejected"].tolist() == [True, True, False, False]
    assert_allclose(out.table["p_adjusted"], [0.01, 0.03, 0.20, 0.20])
    assert "from h3 (table; p = .200) on, where the sequence stopped" in out.text
    # the declared order, not the table's, is the testing order
    out = adjust_p(_table(p), method="fixed_sequence", order=["h4", "h1", "h3", "h2"])
    assert out.table["step"].tolist() == [2.0, 4.0, 3.0, 1.0]
    assert out.table["rejected"].tolist() == [True, False, False, True]
    assert_allclose(out.table["p_adjusted"], [0.01, 0.20, 0.20, 0.001])
    assert out.diagnostics["order"]["all"] == ["table: h4", "table: h1", "table: h3",
                                              "table: h2"]


def _results():
    cm = pd.DataFrame({"term": ["Intercept", "sitting_h_day", "glute_nm_kg"],
                       "estimate": [0.01, 1.12, 0.63], "ci_low": [0.0, 1.0, 0.44],
                       "ci_high": [0.02, 1.25, 0.89], "p_value": [1e-12, 0.046, 0.009]})
    te = pd.DataFrame({"term": ["mean[control]", "training - control", "hedges_g[training]"],
                       "estimate": [2.5, 0.28, 0.5], "ci_low": [2.4, 0.24, 0.3],
                       "ci_high": [2.6, 0.32, 0.7], "p_value": [np.nan, 0.0123, 0.0123],
                       "kind": ["adjusted_mean", "difference", "hedges_g"]})
    return (Result(cm, "", name="count_model", level=0.95),
            Result(te, "", name="trial_effect", level=0.95))


def test_list_of_results_forms_one_family_without_intercepts_or_repeats():
    cm, te = _results()
    out = adjust_p([cm, te], method="holm")
    t = out.table
    assert t["source"].tolist() == ["count_model"] * 3 + ["trial_effect"] * 3
    assert t["family"].tolist() == ["", "all", "all", "", "all", ""]
    assert t.loc[0, "note"].startswith("intercept")
    assert t.loc[3, "note"].startswith("no p-value")
    assert t.loc[5, "note"].startswith("repeats the test of 'training - control'")
    # R: p.adjust(c(0.046, 0.009, 0.0123), "holm") = 0.046 0.027 0.027
    assert_allclose(t.loc[[1, 2, 4], "p_adjusted"], [0.046, 0.027, 0.027], rtol=1e-12)
    assert out.level == 0.95
    assert list(t.columns[:5]) == ["term", "estimate", "ci_low", "ci_high", "p_value"]
    assert {"p_adjusted", "rejected", "method", "family", "source", "note"} <= set(t.columns)
    assert_allclose(t["estimate"], [0.01, 1.12, 0.63, 2.5, 0.28, 0.5])


def test_dict_of_results_and_several_families():
    cm, te = _results()
    out = adjust_p({"cramps": cm, "trial": te}, method="bh",
                   family={"sitting link": ["sitting_h_day", "glute_nm_kg"],
                           "trial": [("trial", "training - control")]})
    t = out.table.set_index(["source", "term"])
    assert t.loc[("cramps", "sitting_h_day"), "family"] == "sitting link"
    # R: p.adjust(c(0.046, 0.009), "BH") = 0.046 0.018
    assert_allclose(t.loc[[("cramps", "sitting_h_day"), ("cramps", "glute_nm_kg")],
                          "p_adjusted"], [0.046, 0.018], rtol=1e-12)
    assert t.loc[("trial", "training - control"), "p_adjusted"] == 0.0123
    assert t.loc[("cramps", "Intercept"), "note"] == "not in a declared family"
    assert "false discovery rate = .05" in out.text
    assert out.diagnostics["family_sizes"] == {"sitting link": 2, "trial": 1}


def test_a_declared_intercept_is_tested():
    cm, _ = _results()
    out = adjust_p(cm, family=["Intercept", "glute_nm_kg"], method="bonferroni")
    assert_allclose(out.table.loc[[0, 2], "p_adjusted"], [2e-12, 0.018])


def test_duplicate_result_names_are_told_apart():
    cm, _ = _results()
    out = adjust_p([cm, cm])
    assert out.table["source"].unique().tolist() == ["count_model", "count_model #2"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"method": "fdr"}, "`method` must be one of 'holm', 'hochberg', 'bh'"),
    ({"order": ["sitting_h_day"]}, "`order` is used only by method='fixed_sequence'"),
    ({"method": "fixed_sequence", "order": ["sitting_h_day"]},
     "`order` leaves out glute_nm_kg"),
    ({"family": ["sitting"]}, "names 'sitting', which is not a row of the input"),
    ({"family": "primary_hypotheses", "alpha": 5}, "`alpha` must be between 0 and 1"),
    ({"family": {"a": ["sitting_h_day"], "b": ["sitting_h_day"]}},
     "is in both family 'a' and 'b'"),
    ({"family": [3]}, "is neither a term nor a"),
])
def test_refusals(kwargs, message):
    cm, _ = _results()
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)")):
        adjust_p(cm, **kwargs)


def test_refuses_bad_input():
    with pytest.raises(InputError, match="lacks the column"):
        adjust_p(pd.DataFrame({"term": ["a"]}))
    with pytest.raises(InputError, match="takes a Result"):
        adjust_p(0.05)
    with pytest.raises(InputError, match="not a glute_study Result"):
        adjust_p([pd.DataFrame()])
    with pytest.raises(InputError, match="nothing to adjust"):
        adjust_p(_table(np.array([np.nan, np.nan])))


def test_named_family_and_a_table_with_a_source_column():
    t1 = _table(np.array([0.01, 0.04])).assign(source="a")
    t2 = _table(np.array([0.03])).assign(source="b")
    out = adjust_p(pd.concat([t1, t2]), family="primary")
    assert out.table["family"].tolist() == ["primary"] * 3
    assert out.table["source"].tolist() == ["a", "a", "b"]
    # R: p.adjust(c(0.01, 0.04, 0.03), "holm") = 0.03 0.06 0.06
    assert_allclose(out.table["p_adjusted"], [0.03, 0.06, 0.06], rtol=1e-12)
    assert out.level is None


def test_every_analysis_can_be_adjusted_together():
    from test_level import ANALYSES, _run  # the reference-data call of every analysis

    results = {name: _run(name, 0.95) for name in sorted(ANALYSES)}
    out = adjust_p(results, method="holm")
    t = out.table
    assert len(t) == sum(len(r.table) for r in results.values())
    inside = t["family"] == "all"
    assert t.loc[inside, "p_value"].notna().all()
    assert t.loc[inside, "p_adjusted"].between(0, 1).all()
    assert (t.loc[inside, "p_adjusted"] >= t.loc[inside, "p_value"] - 1e-15).all()
    assert (t.loc[~inside, "note"] != "").all()
    # mediation: each effect counted once, on its first scale
    med = t[(t["source"] == "mediation") & inside]
    assert med["term"].is_unique
    assert "nan" not in out.text.lower()
