"""Tests of the batched GLM kernels against R (MASS::glm.nb, glm, lm) and against single fits."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glute_study.errors import InputError
from glute_study.stats._kernels import fit_batch, inverse_link

REF = Path(__file__).resolve().parents[1] / "reference" / "kernels"


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(REF / "data.csv")


@pytest.fixture(scope="module")
def ref() -> dict:
    return json.loads((REF / "reference.json").read_text())


def _X(d: pd.DataFrame) -> np.ndarray:
    return np.column_stack([np.ones(len(d)), d.x1, d.x2, d.x3])


FAMILY_Y = {"negbin": "count", "poisson": "count", "logistic": "binary", "gaussian": "cont"}


@pytest.mark.parametrize("family", list(FAMILY_Y))
def test_matches_r_unweighted_and_with_frequency_weights(data, ref, family):
    # R: tests/reference/kernels/kernels_reference.R (glm.nb / glm / lm, epsilon 1e-14).
    # Tolerance: 1e-7 relative on coefficients, SEs, theta and log-likelihood.
    X, y = _X(data), data[FAMILY_Y[family]].to_numpy(float)
    off = np.log(data.hours.to_numpy()) if family in ("negbin", "poisson") else None
    w = np.vstack([np.ones(len(data)), data.w.to_numpy(float)])
    fit = fit_batch(X, y, family=family, offset=off, weights=w)
    assert fit.converged.all()
    for row, key in ((0, family), (1, family + "_w")):
        r = ref[key]
        np.testing.assert_allclose(fit.coef[row], r["coef"], rtol=1e-7)
        np.testing.assert_allclose(fit.se[row], r["se"], rtol=1e-7)
        if family == "negbin":
            assert fit.theta[row] == pytest.approx(r["theta"], rel=1e-7)
        if family == "gaussian":
            assert fit.scale[row] == pytest.approx(r["scale"], rel=1e-10)
        if row == 0 or family == "gaussian":  # R's weighted logLik is of the expanded data too
            assert fit.loglik[row] == pytest.approx(r["loglik"], rel=1e-9)


@pytest.mark.parametrize("family", list(FAMILY_Y))
def test_batch_equals_loop_of_expanded_data(data, family):
    # A weight vector is the same as fitting the rows repeated by their counts; 1e-8 relative.
    rng = np.random.default_rng(4)
    n = len(data)
    idx = rng.integers(0, n, size=(12, n))
    w = np.stack([np.bincount(i, minlength=n) for i in idx]).astype(float)
    X, y = _X(data), data[FAMILY_Y[family]].to_numpy(float)
    off = np.log(data.hours.to_numpy()) if family in ("negbin", "poisson") else np.zeros(n)
    batch = fit_batch(X, y, family=family, offset=off, weights=w)
    for b in range(12):
        single = fit_batch(X[idx[b]], y[idx[b]], family=family, offset=off[idx[b]])
        np.testing.assert_allclose(batch.coef[b], single.coef[0], rtol=1e-8, atol=1e-12)
        np.testing.assert_allclose(batch.theta[b], single.theta[0], rtol=1e-8)
        np.testing.assert_allclose(batch.loglik[b], single.loglik[0], rtol=1e-10)


def test_per_model_designs_equal_separate_fits():
    # (B, n, p) designs, (B, n) outcomes and offsets: each model fitted alone gives the same.
    rng = np.random.default_rng(8)
    B, n = 6, 150
    x = rng.normal(size=(B, n))
    X = np.stack([np.ones((B, n)), x], axis=-1)
    t = rng.uniform(20, 100, (B, n))
    y = rng.negative_binomial(2.0, 2.0 / (2.0 + t / 50 * np.exp(0.3 * x))).astype(float)
    batch = fit_batch(X, y, family="negbin", offset=np.log(t))
    for b in range(B):
        one = fit_batch(X[b], y[b], family="negbin", offset=np.log(t[b]))
        np.testing.assert_allclose(batch.coef[b], one.coef[0], rtol=1e-9)
        np.testing.assert_allclose(batch.se[b], one.se[0], rtol=1e-9)


def test_start_values_change_speed_not_answer(data):
    X, y, off = _X(data), data["count"].to_numpy(float), np.log(data.hours.to_numpy())
    cold = fit_batch(X, y, family="negbin", offset=off)
    warm = fit_batch(X, y, family="negbin", offset=off, start=cold)
    far = fit_batch(X, y, family="negbin", offset=off, start=np.array([1.0, -1.0, 1.0, 0.1]))
    for other in (warm, far):
        np.testing.assert_allclose(other.coef, cold.coef, rtol=1e-9)
        np.testing.assert_allclose(other.theta, cold.theta, rtol=1e-9)
    assert warm.n_iter <= cold.n_iter


def test_no_overdispersion_runs_theta_to_its_bound_and_gives_poisson(data):
    # Equi-dispersed counts: the NB likelihood rises towards theta = infinity (MASS warns
    # "iteration limit reached"); we stop at the bound, flag it, and match the Poisson fit.
    rng = np.random.default_rng(2)
    X = _X(data)
    y = rng.poisson(np.exp(0.5 + 0.2 * data.x1.to_numpy())).astype(float)
    y[:3] = [1.0, 2.0, 1.0]
    nb = fit_batch(X, y, family="negbin")
    po = fit_batch(X, y, family="poisson")
    if nb.theta_at_bound[0]:
        np.testing.assert_allclose(nb.coef, po.coef, rtol=1e-5)
    else:  # a finite maximum exists for this sample: it must beat the Poisson likelihood
        assert nb.loglik[0] >= po.loglik[0]


def test_bootstrap_of_nearly_poisson_counts_converges(data):
    # Poisson data fitted as NB: many replicates run theta towards the Poisson limit, where the
    # likelihood is convex in log(theta). Every replicate must still converge, to a maximum at
    # least as high as the Poisson fit's (NB nests Poisson), and match expanded-data fits.
    rng = np.random.default_rng(3)
    X = _X(data)
    off = np.log(data.hours.to_numpy())
    y = rng.poisson(np.exp(off - 4.0 + 0.3 * data.x1.to_numpy())).astype(float)
    full = fit_batch(X, y, family="negbin", offset=off)
    idx = rng.integers(0, len(y), size=(40, len(y)))
    w = np.stack([np.bincount(i, minlength=len(y)) for i in idx]).astype(float)
    nb = fit_batch(X, y, family="negbin", offset=off, weights=w, start=full)
    po = fit_batch(X, y, family="poisson", offset=off, weights=w)
    assert nb.converged.all()
    # NB nests Poisson; a theta stopped near 1e7 (flagged) is below the Poisson limit by about
    # sum(mu^2) / (2 theta), i.e. 1e-6 here
    assert (nb.loglik >= po.loglik - 1e-5).all()
    assert nb.theta_at_bound[nb.loglik < po.loglik].all()
    assert (nb.theta > 20).mean() > 0.3  # the situation this test is about
    for b in (0, 7, 19):
        one = fit_batch(X[idx[b]], y[idx[b]], family="negbin", offset=off[idx[b]])
        # flagged fits stop anywhere on the flat stretch beyond theta = 1e6: 1e-5 absolute
        tol = dict(abs=1e-5) if nb.theta_at_bound[b] else dict(rel=1e-10)
        assert nb.loglik[b] == pytest.approx(one.loglik[0], **tol)


def test_inverse_link():
    assert inverse_link("gaussian", np.array([2.0]))[0] == 2.0
    assert inverse_link("negbin", np.array([np.log(3.0)]))[0] == pytest.approx(3.0)


def test_bad_input():
    X = np.column_stack([np.ones(5), np.arange(5.0)])
    with pytest.raises(InputError, match="non-negative whole counts"):
        fit_batch(X, np.array([0, 1, 2.5, 1, 0]), family="negbin")
    with pytest.raises(InputError, match="coded 0/1"):
        fit_batch(X, np.array([0, 1, 2, 1, 0]), family="logistic")
    with pytest.raises(InputError, match="`weights` must be finite and non-negative"):
        fit_batch(X, np.ones(5), weights=-np.ones(5))
    with pytest.raises(InputError, match="disagree on the number of models"):
        fit_batch(np.ones((3, 5, 2)), np.ones((4, 5)))
    with pytest.raises(InputError, match=r"`offset` has 4 values but X has 5 rows"):
        fit_batch(X, np.ones(5), offset=np.ones(4))
    with pytest.raises(InputError, match="must be finite"):
        fit_batch(X, np.array([0, 1, np.nan, 1, 0]))
    with pytest.raises(InputError, match="`family` must be one of"):
        fit_batch(X, np.ones(5), family="gamma")
