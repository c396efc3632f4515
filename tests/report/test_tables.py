"""APA tables (CSV, LaTeX, Word) and Table 1, checked against hand computations."""

from __future__ import annotations

import docx
import numpy as np
import pandas as pd
import pytest

from glute_study.errors import InputError
from glute_study.report.tables import apa_table, numeric_columns, save_table, table_one
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
    assert apa.iloc[0].tolist() == ["a", "", ""]  # Term, Estimate, p: no interval anywhere
    assert list(apa.columns) == ["Term", "Estimate", "p"]


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
    assert list(apa_table(table, every_column=True).columns) == [
        "Term", "Estimate", "Unit", "Value", "Test", "Within-imputation variance",
        "Between-imputation variance", "Total variance", "n analysed (mean)"]
    # printed, Rubin's variance parts stay in the CSV
    assert list(apa_table(table).columns) == [
        "Term", "Estimate", "Unit", "Value", "Test", "n analysed (mean)"]



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
    assert apa_table(table, every_column=True).values.tolist() == [
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


def _rate_ratios():
    """A rate-ratio table as the count models write it (CR2: t on Satterthwaite df)."""
    return pd.DataFrame({
        "term": ["Intercept", "middle vs low"], "estimate": [0.0049, 1.30],
        "ci_low": [0.0028, 0.69], "ci_high": [0.0087, 2.45], "p_value": [1e-12, 0.395],
        "component": ["count", "count"], "scale": ["IRR", "IRR"], "group": ["", "middle"],
        "reference": ["", "low"], "events": [90, 116], "exposure_h": [18177.75, 18178.83],
        "coef": [-5.3, 0.26], "se": [0.29, 0.30], "z": [-18.3, 0.87], "df": [18.2, 18.2],
        "per": [1000.0, 1000.0], "method": ["negbin", "negbin"], "se_type": ["CR2", "CR2"],
        "ubar": [0.08, 0.09], "b": [0.0, 0.0], "dfcom": [19.0, 19.0], "m": [20, 20],
        "fmi": [0.1, 0.1]})


def test_printed_table_shows_the_readers_columns_and_the_csv_keeps_all(tmp_path):
    # 04_count_model_choice had 18 printed columns, 04_negbin_mi 17: the technical ones
    # (Per, Method, SE type, Rubin's ubar/b, df details, the log coefficient, group and
    # reference beside the contrast's term, a part every row shares) are the CSV's only
    apa = apa_table(_rate_ratios())
    assert list(apa.columns) == ["Term", "Estimate", "95 % CI", "p", "Scale", "Events",
                                 "Exposure (h)", "SE (log scale)", "t", "df", "FMI"]
    paths = save_table(_rate_ratios(), tmp_path / "rr")
    assert list(pd.read_csv(paths[0]).columns) == list(_rate_ratios().columns)
    word = docx.Document(paths[2]).tables[0]
    assert [c.text for c in word.rows[0].cells] == list(apa.columns)
    # a power table's estimate is its power, its test its term: printed once, named
    power = pd.DataFrame({"term": ["IRR per h/day"], "estimate": [0.15], "ci_low": [0.09],
                          "ci_high": [0.23], "p_value": [np.nan], "n": [100], "power": [0.15],
                          "test": ["IRR per h/day"], "mean_estimate": [0.1]})
    assert list(apa_table(power).columns) == ["Term", "Power", "95 % CI", "p", "n"]
    # every column is still there on request
    assert "Within-imputation variance" in apa_table(_rate_ratios(), every_column=True).columns


def test_intercept_rows_print_no_p_value():
    # the baseline rate's p tested a rate of 1 per 1000 h... per hour: meaningless
    apa = apa_table(_rate_ratios())
    assert apa["Term"].tolist()[0] == "Baseline rate (per 1000 h)"
    assert apa["p"].tolist() == ["\u2014", ".395"]
    assert apa["t"].tolist() == ["\u2014", "0.87"]  # and nor does the statistic of that test
    assert numeric_columns(apa)[list(apa.columns).index("p")]  # still right-aligned


def test_statistic_header_is_t_where_the_reference_is_a_t():
    # CR2 cluster-robust models test with t on Satterthwaite df; Wald models with z (df inf)
    assert "t" in apa_table(_rate_ratios()).columns
    wald = _rate_ratios().assign(df=np.inf)
    assert "z" in apa_table(wald).columns and "df" not in apa_table(wald).columns


def test_kaplan_meier_medians_not_reached_say_so():
    table = pd.DataFrame({"term": ["control", "glute_training", "log_rank"],
                          "estimate": [np.nan, 213.75, np.nan],
                          "ci_low": [np.nan, 201.6, np.nan], "ci_high": [np.nan, np.nan, np.nan],
                          "p_value": [np.nan, np.nan, 0.392], "n": [196, 195, 391],
                          "events": [78, 68, 146], "statistic": [np.nan, np.nan, 0.73],
                          "df": [np.nan, np.nan, 1.0]})
    apa = apa_table(Result(table, "", name="kaplan_meier"))
    assert apa["Estimate"].tolist() == ["not reached", "213.75", ""]
    assert apa["95 % CI"].tolist() == ["not reached", "201.60 to not reached", ""]
    assert numeric_columns(apa)[1:3] == [True, True]
    # elsewhere an empty cell is no estimate, not a median never reached
    assert apa_table(table)["Estimate"].tolist() == ["", "213.75", ""]


def test_se_is_said_to_be_on_the_log_scale_only_where_every_se_is():
    # the trial's table: log-scale IRR rows, then adjusted rates whose SE is per 1000 h
    mixed = pd.concat([_rate_ratios(), pd.DataFrame({
        "term": ["adjusted_rate[control]"], "estimate": [6.1], "ci_low": [4.2], "ci_high": [9.0],
        "p_value": [np.nan], "scale": ["per 1000 h"], "coef": [np.nan], "se": [1.12],
        "df": [18.8]})], ignore_index=True)
    apa = apa_table(mixed)
    assert "SE" in apa.columns and "Coefficient (log)" in apa.columns
    assert "SE (log scale)" in apa_table(_rate_ratios()).columns
