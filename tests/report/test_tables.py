"""APA tables (CSV, LaTeX, Word) and Table 1, checked against hand computations."""

from __future__ import annotations

import docx
import numpy as np
import pandas as pd
import pytest

from glute_study.errors import InputError
from glute_study.report.tables import apa_table, save_table, table_one
from glute_study.stats import Result


def _result():
    table = pd.DataFrame({"term": ["sitting_h_day", "prior_cramps"], "estimate": [1.0912, 3.5],
                          "ci_low": [1.0213, 2.0], "ci_high": [1.1702, 6.1],
                          "p_value": [0.0109, 0.00001], "se": [0.0334, 0.2]})
    return Result(table, "IRR 1.09.", name="irr")


def test_apa_layout():
    apa = apa_table(_result())
    assert list(apa.columns) == ["Term", "Estimate", "95 % CI", "p", "SE"]
    assert apa["95 % CI"].tolist() == ["[1.02, 1.17]", "[2.00, 6.10]"]
    assert apa["p"].tolist() == [".011", "< .001"]
    assert apa_table(_result(), digits=3)["Estimate"].tolist() == ["1.091", "3.500"]
    with pytest.raises(InputError, match="`digits` must be a whole number from 0 to 6"):
        apa_table(_result(), digits=9)
    with pytest.raises(InputError, match="got list"):
        apa_table([1, 2])


def test_missing_values_stay_empty_not_zero():
    apa = apa_table(pd.DataFrame({"term": ["a"], "estimate": [np.nan], "ci_low": [np.nan],
                                  "ci_high": [np.nan], "p_value": [np.nan]}))
    assert apa.iloc[0].tolist() == ["a", "", "", ""]


def test_save_table_writes_three_formats_reproducibly(tmp_path):
    first = save_table(_result(), tmp_path / "a" / "irr", caption="Rate ratios", note="IRR.")
    second = save_table(_result(), tmp_path / "b" / "irr", caption="Rate ratios", note="IRR.")
    assert [p.suffix for p in first] == [".csv", ".tex", ".docx"]
    for x, y in zip(first, second):
        assert x.read_bytes() == y.read_bytes(), x.name
    csv = pd.read_csv(first[0])
    pd.testing.assert_frame_equal(csv, _result().table, check_exact=False, rtol=1e-9)
    tex = first[1].read_text()
    assert r"\toprule" in tex and r"\bottomrule" in tex and r"\caption{Rate ratios}" in tex
    assert r"Device-measured sitting (per h/day) & 1.09 & [1.02, 1.17] & .011 & 0.03 \\" in tex
    assert r"Previous cramping (yes vs no) & 3.50 & [2.00, 6.10] & $<$ .001 & 0.20 \\" in tex
    word = docx.Document(first[2])
    rows = [[c.text for c in r.cells] for r in word.tables[0].rows]
    assert rows[0] == ["Term", "Estimate", "95 % CI", "p", "SE"]
    assert rows[2] == ["Previous cramping (yes vs no)", "3.50", "[2.00, 6.10]", "< .001", "0.20"]
    texts = [p.text for p in word.paragraphs]
    assert "Rate ratios" in texts and "Note. IRR." in texts


def test_table_one_against_hand_computation():
    rng = np.random.default_rng(5)
    data = pd.DataFrame({
        "arm": ["control"] * 30 + ["glute_training"] * 30,
        "age": rng.normal(25, 4, 60),
        "prior_cramps": rng.integers(0, 2, 60).astype(float),
        "sex": rng.choice(["female", "male"], 60),
    })
    data.loc[[0, 1, 40], "age"] = np.nan
    data.loc[[5], "prior_cramps"] = np.nan
    t1 = table_one(data, by="arm").set_index(["variable", "level"])
    assert t1.loc[("n", ""), "overall"] == "60"
    ages = data.loc[data.arm == "control", "age"].dropna()
    assert t1.loc[("age", ""), "control"] == f"{ages.mean():.1f} ({ages.std(ddof=1):.1f})"
    assert t1.loc[("age", ""), "missing"] == 3
    pc = data.loc[data.arm == "glute_training", "prior_cramps"]
    yes = int((pc == 1).sum())
    assert t1.loc[("prior_cramps", "yes"), "glute_training"] == f"{yes} ({100 * yes / 30:.1f}%)"
    pc = data.loc[data.arm == "control", "prior_cramps"].dropna()  # 29 non-missing
    yes = int((pc == 1).sum())
    assert t1.loc[("prior_cramps", "yes"), "control"] == f"{yes} ({100 * yes / 29:.1f}%)"
    males = int((data.sex == "male").sum())
    assert t1.loc[("sex", "male"), "overall"] == f"{males} ({100 * males / 60:.1f}%)"


def test_generic_columns_do_not_borrow_a_study_column_label():
    # `unit`, `value` and `test` are also strength-table columns, whose codebook labels
    # ("Unit of `value`: N (force at the pad), ...", "Strength test") describe that table only
    table = pd.DataFrame({"term": ["SEM"], "estimate": [0.13], "unit": ["Nm/kg"],
                          "value": [1.0], "test": ["ANCOVA"], "ubar": [0.1], "b": [0.0],
                          "t": [0.1], "n_analysed": [195.7]})
    assert list(apa_table(table).columns) == [
        "Term", "Estimate", "Unit", "Value", "Test", "Within-imputation variance",
        "Between-imputation variance", "Total variance", "n analysed (mean)"]



def test_rows_name_models_levels_and_overall_in_words():
    table = pd.DataFrame({"term": ["poisson", "negbin", "zinb", "hurdle_negbin", "overall",
                                   "match", "confounder_rr"], "estimate": [1.0] * 7})
    assert apa_table(table)["Term"].tolist() == [
        "Poisson", "Negative binomial", "Zero-inflated negative binomial",
        "Hurdle negative binomial", "Overall", "Match", "Confounder rate ratio"]


def test_model_families_in_cells_read_as_names():
    table = pd.DataFrame({"term": ["negbin", "zinb"],
                          "comparison": ["LR vs poisson", "Vuong vs negbin"],
                          "favours": ["negbin", "zinb"], "method": ["negbin", "negbin"]})
    assert apa_table(table).values.tolist() == [
        ["Negative binomial", "LR vs Poisson", "Negative binomial", "Negative binomial"],
        ["Zero-inflated negative binomial", "Vuong vs negative binomial",
         "Zero-inflated negative binomial", "Negative binomial"]]


def test_reasons_and_notes_name_variables_in_words():
    # Table 1.2 read "left out of rate analyses (exposure_h and cramps missing)"
    table = pd.DataFrame({"table": ["participants"], "reason": [
        "no exposure inside follow-up: left out of rate analyses (exposure_h and cramps "
        "missing)"], "records": [9]})
    assert apa_table(table)["Reason"].tolist() == [
        "no exposure inside follow-up: left out of rate analyses (exposure and cramps "
        "missing)"]
