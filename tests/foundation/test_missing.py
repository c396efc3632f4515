"""Missingness made by the simulator: the share it is told, the dependence it claims, and a
truth that says exactly who lost what; without ``missing`` nothing changes (test_teams pins it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from glute_study import InputError, draw_cohorts, load_study, simulate_study


def _logit(made_missing, **predictors):
    x = sm.add_constant(pd.DataFrame(predictors))
    fit = sm.Logit(made_missing.astype(float), x).fit(disp=0)
    return fit.params, fit.bse


@pytest.fixture(scope="module")
def cohorts():
    kw = {"reps": 1, "seed": 5, "trial": False}
    full = draw_cohorts(20000, **kw)
    made = {m: draw_cohorts(20000, missing=m, missing_share=0.2,
                            missing_in=("glute_nm_kg", "sitting_h_day"), **kw)
            for m in ("mcar", "mar", "mnar")}
    return full, made


def test_cohort_arrays_not_made_missing_are_unchanged(cohorts):
    full, made = cohorts
    for out in made.values():
        for key, value in full.items():
            if key in ("glute_nm_kg", "sitting_h_day"):
                kept = ~out[f"{key}_made_missing"]
                np.testing.assert_array_equal(out[key][kept], value[kept])
                assert np.isnan(out[key][~kept]).all()
            else:
                np.testing.assert_array_equal(out[key], value)


@pytest.mark.parametrize("mechanism", ["mcar", "mar", "mnar"])
def test_cohort_share_is_exact_among_those_with_the_value(cohorts, mechanism):
    full, made = cohorts
    out = made[mechanism]
    for key in ("glute_nm_kg", "sitting_h_day"):
        had = np.isfinite(full[key][0])
        lost = out[f"{key}_made_missing"][0]
        assert not (lost & ~had).any()
        assert lost.sum() == round(0.2 * had.sum())


def test_each_mechanism_depends_on_what_it_claims(cohorts):
    """Logistic regression of 'made missing' on the observed cramps and the (unobserved) value:
    MCAR on neither, MAR on the cramps only, MNAR on the value (low strength, high sitting)."""
    full, made = cohorts
    ok = np.isfinite(full["cramps"][0])
    cramps = np.log1p(full["cramps"][0][ok])
    glute = full["glute_nm_kg"][0][ok]
    z = (glute - glute.mean()) / glute.std()
    coef = {}
    for m, out in made.items():
        params, se = _logit(out["glute_nm_kg_made_missing"][0][ok], cramps=cramps, glute=z)
        coef[m] = (params / se)  # z statistics
    assert abs(coef["mcar"]["cramps"]) < 3.5 and abs(coef["mcar"]["glute"]) < 3.5
    assert coef["mar"]["cramps"] > 10 and abs(coef["mar"]["glute"]) < 3.5
    assert coef["mnar"]["glute"] < -20
    # MAR: marginally associated with strength too (cramps depend on it), which is the point
    params, se = _logit(made["mar"]["glute_nm_kg_made_missing"][0][ok], glute=z)
    assert params["glute"] < 0
    sit = full["sitting_h_day"][0]
    has = np.isfinite(sit)
    params, se = _logit(made["mnar"]["sitting_h_day_made_missing"][0][has],
                        sitting=(sit[has] - sit[has].mean()) / sit[has].std())
    assert params["sitting"] / se["sitting"] > 20
    # the weight ratio per SD is 3: the selection odds rise by about that much (a loose check)
    assert 2.0 < np.exp(params["sitting"]) < 4.5


@pytest.mark.parametrize("mechanism", ["mcar", "mar", "mnar"])
def test_study_deletes_the_raw_rows_and_records_who(mechanism):
    kw = {"n": 300, "seed": 8}
    full = simulate_study(**kw)
    study = simulate_study(**kw, missing=mechanism, missing_share=0.15,
                           missing_in=("glute_nm_kg", "sitting_h_day", "bridge_reps",
                                       "self_report_sitting_h_day", "glute_onset_delay_ms"))
    before, after = full.analysis_table(), study.analysis_table()
    record = study.truth["missing"]
    assert record["mechanism"] == mechanism and record["share"] == 0.15
    for column, info in record["by_column"].items():
        lost = set(after.loc[after[column].isna() & before[column].notna(), "participant_id"])
        assert lost == set(info["participants"]), column
        assert info["n_made_missing"] == round(0.15 * before[column].notna().sum())
        assert info["n_missing_total"] == after[column].isna().sum()
        assert info["depends_on"] and info["removed"]
    # glute_nm_kg_post goes with the dynamometer rows; every kept row is the row it was
    gone = record["by_column"]["glute_nm_kg"]["participants"]
    assert after.set_index("participant_id").loc[gone, "glute_nm_kg_post"].isna().all()
    for name in ("participants", "exposure", "cramps"):
        pd.testing.assert_frame_equal(study.tables[name], full.tables[name])
    removed = sum(i["rows_removed"] for i in record["by_column"].values())
    assert sum(len(full.tables[t]) - len(study.tables[t])
               for t in ("sitting", "strength", "activation")) == removed
    kept = study.tables["strength"].merge(full.tables["strength"], how="left", indicator=True)
    assert (kept["_merge"] == "both").all()
    for column in ("exposure_h", "cramps", "hamstring_cramps", "age"):
        pd.testing.assert_series_equal(after[column], before[column])


def test_study_mar_missing_athletes_cramped_more():
    study = simulate_study(n=2000, seed=2, trial=False, missing="mar", missing_share=0.3)
    table = study.analysis_table().dropna(subset=["exposure_h"])
    lost = table["glute_nm_kg"].isna()
    assert table.loc[lost, "cramps"].mean() > 1.5 * table.loc[~lost, "cramps"].mean()
    mnar = simulate_study(n=2000, seed=2, trial=False, missing="mnar", missing_share=0.3)
    full = simulate_study(n=2000, seed=2, trial=False).analysis_table()
    lost = mnar.analysis_table()["glute_nm_kg"].isna()
    assert full.loc[lost, "glute_nm_kg"].mean() < full.loc[~lost, "glute_nm_kg"].mean() - 0.2


def test_missing_study_saves_and_loads_back_equal(tmp_path):
    study = simulate_study(n=40, seed=3, missing="mnar", missing_in="sitting_h_day")
    loaded = load_study(study.save(tmp_path / "m"))
    assert loaded.equals(study)
    assert "15 % of device-measured sitting missing not at random" in study.metadata["name"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"missing": "MAR"}, "`missing` must be one of None, 'mcar', 'mar', 'mnar'"),
    ({"missing": "mar", "missing_share": 1.0}, "`missing_share` must be a number between 0"),
    ({"missing": "mar", "missing_share": 0}, "`missing_share` must be a number between 0"),
    ({"missing": "mar", "missing_share": "0.2"}, "`missing_share` must be a number"),
    ({"missing": "mar", "missing_in": ("glute",)}, "`missing_in` must name one or more of"),
    ({"missing": "mar", "missing_in": ()}, "`missing_in` must name one or more of"),
])
def test_bad_missing_arguments_are_clear_errors(kwargs, message):
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        simulate_study(n=20, seed=1, **kwargs)
    with pytest.raises(InputError, match=message.replace("(", r"\(")):
        draw_cohorts(20, reps=2, seed=1, **kwargs)


def test_bridge_is_not_a_cohort_array():
    with pytest.raises(InputError, match="`missing_in` must name"):
        draw_cohorts(20, reps=2, seed=1, missing="mcar", missing_in="bridge_reps")
