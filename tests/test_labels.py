"""Labels and units: one home (the codebook), words for terms, a study's own labels."""

from __future__ import annotations

import json
import re

import pandas as pd
import pytest

from glute_study import labels, simulate_study
from glute_study.codebook import ANALYSIS_COLUMNS, CODEBOOK
from glute_study.errors import InputError
from glute_study.labels import (
    is_variable,
    label,
    labels_of,
    level_label,
    mid_sentence,
    term_label,
    term_phrase,
    unit_of,
    using_labels,
)
from glute_study.report.tables import apa_table, table_one

#: What a reader must never see in a table cell, header, axis or sentence.
CODE = re.compile(r"\[T\.|\bC\(|\b[a-z]+_[a-z0-9_]+\b|\bnan\b|\bNaN\b|\bNA\b")


def code_in(text: str) -> list[str]:
    """Column names, snake_case keys, formula terms and missing-value spellings in ``text``."""
    return [m.group(0) for m in CODE.finditer(text)]


@pytest.fixture(autouse=True)
def _codebook_labels():
    with using_labels(None):
        yield


def test_every_analysis_and_codebook_column_has_a_label():
    for name in ANALYSIS_COLUMNS:
        assert is_variable(name), name
        assert "_" not in label(name), (name, label(name))
    for table in CODEBOOK.values():
        for col in table.columns:
            text = label(col.name)
            assert text and "_" not in text.split("(")[0], (table.name, col.name, text)
            if col.unit:
                assert text.endswith(f"({unit_of(col.name)})")


def test_the_labels_and_units_the_report_reads():
    assert label("sitting_h_day") == "Device-measured sitting (h/day)"
    assert label("glute_nm_kg") == "Glute strength (Nm/kg)"
    assert label("exposure_h") == "Exposure (h)"
    assert label("hamstring_cramps") == "Hamstring cramps"
    assert label("body_mass_kg") == "Body mass (kg)"
    assert label("age", unit=False) == "Age"
    assert unit_of("sitting_tertile") is None


@pytest.mark.parametrize(("term", "words"), [
    ("C(sex)[T.male]", "Male vs female"),
    ("sex[T.male]", "Male vs female"),
    ("C(arm)[T.glute_training]", "Glute training vs control"),
    ("arm[T.glute_training]", "Glute training vs control"),
    ("C(arm, Treatment('glute_training'))[T.control]", "Control vs glute training"),
    ("sitting_h_day", "Device-measured sitting (per h/day)"),
    ("age", "Age (per year)"),
    ("breaks_per_sitting_h", "Breaks in sitting (per sitting hour)"),
    ("prior_cramps", "Previous cramping (yes vs no)"),
    ("sitting_h_day:glute_nm_kg", "Device-measured sitting (per h/day) \u00d7 Glute strength "
                                  "(per Nm/kg)"),
    ("ns(sitting_h_day, df=3)", "Device-measured sitting (natural spline, 3 df)"),
    ("sitting_h_day ~ glute_nm_kg", "Device-measured sitting and glute strength"),
    ("mean[glute_training]", "Adjusted mean: glute training"),
    ("ICC2", "ICC(A,1)"),
    ("loa_lower", "Lower limit of agreement"),
    ("middle vs low", "Middle vs low"),
    ("my_own_score", "My own score"),
    ("50% of a_b ~ c", "50% of a_b ~ c"),  # a person's text stays as typed
])
def test_term_labels(term, words):
    assert term_label(term) == words


def test_factor_with_unknown_reference_and_given_reference():
    assert term_label("C(sitting_tertile)[T.high]") == "Sitting tertile: high vs reference"
    assert term_label("C(sitting_tertile)[T.high]", reference="low") == \
        "Sitting tertile: high vs low"
    assert term_label("C(team)[T.t02]", reference="t01") == "Team: t02 vs t01"


@pytest.mark.parametrize(("term", "phrase"), [
    ("sitting_h_day", "Each additional hour of daily sitting"),
    ("C(sex)[T.male]", "Male sex (vs female)"),
    ("C(arm)[T.glute_training]", "Glute training (vs control)"),
    ("follow_up_days", "Each additional day of follow-up"),
    ("unknown_col", "Each one-unit increase in unknown col"),
])
def test_sentence_subjects_have_no_column_names(term, phrase):
    assert term_phrase(term) == phrase
    assert not code_in(phrase)


def test_a_study_renames_labels_units_and_levels_in_study_json(tmp_path):
    study = simulate_study(n=20, seed=3)
    study.metadata["labels"] = {
        "sitting_h_day": {"label": "Sitting (activPAL)", "unit": "h/d"},
        "arm": {"label": "Group", "levels": {"glute_training": "Hip-thrust programme"}},
        "team": "Club",
    }
    folder = study.save(tmp_path / "s")
    meta = json.loads((folder / "study.json").read_text())
    loaded = labels_of(meta)
    with using_labels(loaded):
        assert label("sitting_h_day") == "Sitting (activPAL) (h/d)"
        assert term_label("sitting_h_day") == "Sitting (activPAL) (per h/d)"
        assert term_phrase("sitting_h_day") == "Each additional h/d of sitting (activPAL)"
        assert term_label("C(arm)[T.glute_training]") == \
            "Group: hip-thrust programme vs control"
        assert level_label("arm", "glute_training") == "Hip-thrust programme"
        assert label("team") == "Club"
    assert label("team") == "Team"  # back to the codebook's words outside the block


def test_open_study_puts_the_study_labels_in_force(tmp_path):
    from glute_study.report.data import open_study

    study = simulate_study(n=20, seed=3)
    study.metadata["labels"] = {"glute_nm_kg": "Hip-extension torque"}
    folder = study.save(tmp_path / "s")
    try:
        open_study(str(folder))
        assert label("glute_nm_kg") == "Hip-extension torque (Nm/kg)"
        apa = apa_table(pd.DataFrame({"term": ["glute_nm_kg"], "estimate": [0.8],
                                      "ci_low": [0.7], "ci_high": [0.9], "p_value": [0.01]}))
        assert apa["Term"].tolist() == ["Hip-extension torque (per Nm/kg)"]
    finally:
        labels.use_labels(None)


@pytest.mark.parametrize("bad", [
    {"labels": ["a"]},
    {"labels": {"age": 3}},
    {"labels": {"age": {"text": "Age"}}},
    {"labels": {"age": {"unit": 5}}},
    {"labels": {"arm": {"levels": {"a": 1}}}},
])
def test_bad_labels_are_clear_errors(bad):
    with pytest.raises(InputError, match="label"):
        labels_of(bad)


def test_apa_table_words_counts_and_intercept_rate():
    table = pd.DataFrame({
        "term": ["Intercept", "C(sex)[T.male]", "sitting_h_day"],
        "estimate": [0.004, 0.9, 1.1], "ci_low": [0.003, 0.7, 1.0], "ci_high": [0.005, 1.2, 1.2],
        "p_value": [0.001, 0.4, float("nan")], "component": "count", "scale": "IRR",
        "df1": [399.0, 399.0, 399.0], "mcgraw_wong": ["x", "NA", "nan"]})
    apa = apa_table(table)
    assert apa["Term"].tolist() == ["Baseline rate (per 1000 h)", "Male vs female",
                                    "Device-measured sitting (per h/day)"]
    assert apa["Estimate"].tolist()[0] == "4.00"  # per 1000 h, not per hour
    assert apa["Scale"].tolist()[0] == "rate per 1000 h"
    assert apa["df1"].tolist() == ["399"] * 3
    assert "ICC form (McGraw and Wong)" in apa.columns
    assert apa["ICC form (McGraw and Wong)"].tolist() == ["x", "", ""]
    assert not any(code_in(" ".join(map(str, apa.columns))))
    assert not code_in(" ".join(apa.to_numpy().ravel()))


def test_table_one_reads_as_words_without_na():
    data = pd.DataFrame({"arm": ["control", "control", "glute_training"],
                         "age": [20.0, 22.0, 30.0], "sex": ["female", "male", "male"],
                         "sitting_h_day": [8.0, 9.0, float("nan")]})
    apa = apa_table(table_one(data, by="arm"))
    cells = " ".join(apa.to_numpy().ravel())
    assert "NA" not in cells.split() and "(NA)" not in cells
    assert "Age (years)" in apa["Variable"].tolist()
    assert "Male" in apa["Level"].tolist()
    assert "30.0 (n = 1)" in apa.to_numpy().ravel()


# ------------------------------------------------------------------ what a reader sees
def _figure_texts(ax) -> list[str]:
    texts = [ax.get_xlabel(), ax.get_ylabel(), ax.get_title()]
    texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
    legend = ax.get_legend()
    if legend is not None:
        texts += [t.get_text() for t in legend.get_texts()] + [legend.get_title().get_text()]
    return texts


def _table_texts(result) -> list[str]:
    apa = apa_table(result)
    return list(map(str, apa.columns)) + [str(v) for v in apa.to_numpy().ravel()]


@pytest.fixture(scope="module")
def cohort():
    import warnings

    from glute_study import measures

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        study = simulate_study(n=240, seed=11)
        data = study.analysis_table()
        data = data.merge(study.cramp_times(muscle="hamstring"), on="participant_id",
                          how="left")
    data["sitting_tertile"] = measures.sitting_tertiles(data)
    return data


def test_the_demo_analyses_speak_in_words(cohort):
    """Tables, figures and sentences of the report's analyses hold no column name, formula
    term or missing-value spelling (the checker of the report's words, run on a small cohort)."""
    import warnings

    import matplotlib.pyplot as plt

    from glute_study.figures.agreement import trial_plot
    from glute_study.figures.dose import dose_response_plot
    from glute_study.figures.rates import forest_plot
    from glute_study.figures.survival import km_plot
    from glute_study.stats.associations import dose_response, sitting_strength
    from glute_study.stats.counts import count_model
    from glute_study.stats.survival import cox_model, kaplan_meier
    from glute_study.stats.trial import trial_effect, trial_rate_effect

    data = cohort
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = {
            "count": count_model(data, "hamstring_cramps ~ sitting_h_day + glute_nm_kg + age "
                                 "+ C(sex) + prior_cramps + C(arm)", exposure="exposure_h"),
            "partial": sitting_strength(data, strength="glute_nm_kg",
                                        covariates=("age", "sex")),
            "dose": dose_response(data, x="sitting_h_day", events="hamstring_cramps",
                                  exposure="exposure_h", df=3, covariates=["age", "sex"]),
            "km": kaplan_meier(data, time="time", event="event", group="arm"),
            "cox": cox_model(data, "C(arm) + sitting_h_day + prior_cramps", time="time",
                             event="event"),
            "ancova": trial_effect(data, outcome="glute_nm_kg_post", baseline="glute_nm_kg"),
            "rate": trial_rate_effect(data, events="hamstring_cramps", exposure="exposure_h",
                                      covariates=["prior_cramps"]),
        }
        axes = [forest_plot(results["count"]), dose_response_plot(results["dose"]),
                km_plot(results["km"]), trial_plot(results["ancova"])]
    found = {}
    for name, res in results.items():
        for text in [res.text, *_table_texts(res)]:
            if code_in(text):
                found.setdefault(name, []).append((text, code_in(text)))
    for ax in axes:
        for text in _figure_texts(ax):
            if code_in(text):
                found.setdefault("figure", []).append((text, code_in(text)))
        plt.close(ax.figure)
    t1 = table_one(data, by="arm", columns=["sex", "age", "prior_cramps", "sitting_h_day",
                                            "glute_nm_kg"])
    for text in _table_texts(t1):
        if code_in(text):
            found.setdefault("table_one", []).append((text, code_in(text)))
    assert not found, found


def test_mid_sentence_lowers_the_article_a():
    # "H6, A week of more sitting ..." read in methods.md and results.md
    assert mid_sentence("A week of more sitting") == "a week of more sitting"
    assert mid_sentence("A history of cramps") == "a history of cramps"
    assert mid_sentence("HHD torque") == "HHD torque"
    assert mid_sentence("ICC(A,1)") == "ICC(A,1)"
