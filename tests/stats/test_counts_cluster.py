"""count_model(cluster=): CR2 with Satterthwaite df (issue 13 item 3), against R clubSandwich.

References: tests/reference/counts/counts_cluster.R on cluster_data.csv (made by
make_cluster_data.py: 18 teams, one of a single athlete), stored in
counts_cluster_reference.json; the tests never need R.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from glute_study.errors import FitWarning, GluteStudyWarning, InputError
from glute_study.stats import counts
from glute_study.stats._cluster import cluster_codes, crs_vcov
from glute_study.stats.counts import count_model, predict_rates

REF = Path(__file__).resolve().parents[1] / "reference" / "counts"
ATOL = 1e-6
FORMULA = "y ~ x + arm"


@pytest.fixture(scope="module")
def ref() -> dict:
    return json.loads((REF / "counts_cluster_reference.json").read_text())


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(REF / "cluster_data.csv")


def test_data_generator_is_reproducible(data):
    import importlib.util

    spec = importlib.util.spec_from_file_location("mk", REF / "make_cluster_data.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    pd.testing.assert_frame_equal(mod.make(), data, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize(("family", "key", "level"), [
    ("poisson", "poisson", 0.95), ("negbin", "negbin", 0.95), ("negbin", "negbin_90", 0.90)])
def test_cr2_satterthwaite_matches_clubsandwich(data, ref, family, key, level):
    # vcovCR(m, cluster = d$team, type = "CR2"); coef_test(m, vcov = V, test = "Satterthwaite");
    # conf_int(m, vcov = V, level = level) on glm(poisson) and MASS::glm.nb
    r = ref[key]
    res = count_model(data, FORMULA, family=family, cluster="team", level=level)
    t = res.table
    assert list(t.term) == ["Intercept", "x", "arm"]
    assert_allclose(t.coef, r["coef"], rtol=0, atol=ATOL)
    assert_allclose(t.se, r["se"], rtol=0, atol=ATOL)
    assert_allclose(t["df"], r["df"], rtol=0, atol=ATOL)
    assert_allclose(t.p_value, r["p"], rtol=0, atol=ATOL)
    assert_allclose(np.log(t.ci_low), r["ci_low"], rtol=0, atol=ATOL)
    assert_allclose(np.log(t.ci_high), r["ci_high"], rtol=0, atol=ATOL)
    p = len(r["coef"])
    assert_allclose(res.model.cov[:p, :p], r["cov"], rtol=0, atol=ATOL)
    dg = res.diagnostics
    assert (dg["cluster"], dg["n_clusters"], dg["vcov_type"]) == ("team", 18, "CR2")
    assert dg["single_row_clusters"] == 1
    assert "cluster-robust over 18 teams (bias-reduced CR2)" in res.text
    assert "Satterthwaite" in res.text


def test_two_part_cr0_and_cr1_pieces_match_vcovcl(data, ref):
    # sandwich::vcovCL(zeroinfl, cluster = ~ team, type = "HC0"/"HC1", cadjust = FALSE/TRUE)
    res = count_model(data, FORMULA, family="zip", zero_formula="1")
    fit = res.model
    _, scores, hess = counts._two_part_derivs("zip", fit.design, fit.params)
    codes, _ = cluster_codes(data.team)
    bread = np.linalg.inv(-hess)
    assert_allclose(fit.params, ref["zip"]["coef"], rtol=0, atol=ATOL)
    for kind, key in (("CR0", "se_cr0"), ("CR1", "se_cr1")):
        v = crs_vcov(scores, codes, bread, type=kind)
        assert_allclose(np.sqrt(np.diag(v.cov)), ref["zip"][key], rtol=0, atol=ATOL)


@pytest.mark.parametrize("family", ["zip", "zinb", "hurdle_negbin"])
def test_two_part_cr2_is_finite_with_df_per_term(data, family):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)  # few events per parameter
        res = count_model(data, FORMULA, family=family, zero_formula="1", cluster="team")
    t = res.table
    assert np.all(np.isfinite(t.se)) and np.all(t.se > 0)
    assert np.all((t["df"] > 1) & (t["df"] < 18))
    assert res.diagnostics["vcov_type"] == "CR2"
    assert "nan" not in res.text.lower()


def test_cr2_with_clusters_of_one_row_is_hc2_like(data):
    # every athlete its own cluster: the CR2 SEs exceed HC0 (the bias correction inflates)
    d = data.assign(one=np.arange(len(data)))
    cr2 = count_model(d, FORMULA, family="poisson", cluster="one").table.se
    hc0 = count_model(d, FORMULA, family="poisson", robust=True).table.se
    assert np.all(cr2 > hc0) and np.all(cr2 < 1.2 * hc0)


def test_predict_rates_uses_the_cluster_covariance(data):
    cl = count_model(data, FORMULA, family="negbin", cluster="team")
    se = predict_rates(cl, {"x": [9.0], "arm": [1]}).table.se_log.iloc[0]
    x = np.array([1.0, 9.0, 1.0])
    assert se == pytest.approx(np.sqrt(x @ cl.model.cov[:3, :3] @ x), rel=1e-12)


def test_missing_cluster_ids_are_dropped_with_a_warning(data):
    d = data.copy()
    d.loc[[3, 4], "team"] = None
    with pytest.warns(GluteStudyWarning, match="dropped 2"):
        res = count_model(d, FORMULA, family="poisson", cluster="team")
    assert res.diagnostics["n"] == len(data) - 2


def test_cluster_input_errors(data):
    with pytest.raises(InputError, match="at least 2 clusters"):
        count_model(data.assign(one="A"), FORMULA, family="poisson", cluster="one")
    with pytest.raises(InputError, match="not both"):
        count_model(data, FORMULA, family="poisson", cluster="team", robust=True)
    with pytest.raises(InputError, match="squad"):
        count_model(data, FORMULA, family="poisson", cluster="squad")


def test_no_cluster_keeps_wald_z(data):
    t = count_model(data, FORMULA, family="negbin").table
    assert np.all(np.isinf(t["df"]))
