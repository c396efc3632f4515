r"""Cluster-robust covariance: CR0/CR1 sandwiches and the bias-reduced CR2 with Satterthwaite df.

One home for cluster-robust inference of every model in :mod:`glute_study.stats`. A model hands
over its *linearised working model* at the estimates: for each row (or each linear predictor of
a row) a design row :math:`d_i` (the derivative of the linear predictor in the parameters,
times :math:`\partial\mu/\partial\eta` for a GLM), a weight block :math:`W_i` and a working
residual :math:`r_i`, such that the score of cluster :math:`j` is :math:`D_j^\top W_j r_j` and
:math:`\sum_j D_j^\top W_j D_j` is the information.

For a GLM with log link this is the form R ``clubSandwich`` uses (``vcovCR.glm``): :math:`D =
\mu X`, :math:`W = 1/V(\mu)`, :math:`r = y - \mu`, target :math:`\Theta_j = W_j^{-1}` (its
``inverse_var = TRUE``). Then, with :math:`M = (\sum_j D_j^\top W_j D_j)^{-1}` and
:math:`\Theta_j = R_j^\top R_j` (Cholesky),

.. math::

    G_j = R_j (\Theta_j - D_j M D_j^\top) R_j^\top, \qquad
    A_j = R_j^\top G_j^{-1/2} R_j, \qquad
    V^{CR2} = B \Big(\sum_j D_j^\top W_j A_j r_j r_j^\top A_j^\top W_j D_j\Big) B,

:math:`B` the bread (:math:`M` for a GLM; the inverse observed information for other
M-estimators), and the Satterthwaite degrees of freedom of coefficient :math:`k` are
:math:`(\operatorname{tr} P_k)^2 / \lVert P_k \rVert_F^2` with
:math:`P_k = \operatorname{diag}_j(\lVert g_{jk} \rVert^2) - H_k^\top H_k`, where
:math:`g_{jk}` is row :math:`k` of :math:`B D_j^\top W_j A_j R_j^\top` and column :math:`j` of
:math:`H_k` is row :math:`k` of :math:`B D_j^\top W_j A_j D_j L` (:math:`M = L L^\top`), as
``clubSandwich::coef_test(test = "Satterthwaite")`` computes them (Bell & McCaffrey 2002;
Pustejovsky & Tipton 2018). Inverse square roots drop eigenvalues below 1e-12, as clubSandwich.

References
----------
Bell, R. M. & McCaffrey, D. F. (2002). Bias reduction in standard errors for linear regression
with multi-stage samples. *Survey Methodology*, 28, 169-181.
Pustejovsky, J. E. & Tipton, E. (2018). Small-sample methods for cluster-robust variance
estimation and hypothesis testing in fixed effects models. *J Bus Econ Stat*, 36, 672-683.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["ClusterVcov", "cluster_codes", "cr2_vcov", "crs_vcov"]


@dataclass(eq=False)
class ClusterVcov:
    """A cluster-robust covariance with its degrees of freedom.

    Attributes
    ----------
    cov : ndarray, shape (k, k)
    df : ndarray, shape (k,)
        Satterthwaite degrees of freedom per coefficient (CR2), or ``n_clusters - 1`` (CR0/CR1).
    type : str
        "CR0", "CR1" or "CR2".
    n_clusters : int
    """

    cov: np.ndarray
    df: np.ndarray
    type: str
    n_clusters: int


def cluster_codes(values, *, name: str = "cluster") -> tuple[np.ndarray, int]:
    """Integer codes 0..K-1 of cluster ids (no missing values); at least 2 clusters.

    Examples
    --------
    >>> cluster_codes(["b", "a", "b"])
    (array([1, 0, 1]), 2)
    """
    s = pd.Series(values)
    if s.isna().any():
        raise InputError(f"the cluster column {name!r} has missing ids; drop those rows first.")
    codes, labels = pd.factorize(s, sort=True)
    if len(labels) < 2:
        raise InputError(
            f"cluster-robust standard errors need at least 2 clusters; {name!r} has "
            f"{len(labels)}. Give a column with more clusters, or leave `cluster` out.")
    return codes.astype(int), len(labels)


def _inv_sqrt(g):
    val, vec = np.linalg.eigh((g + g.T) / 2)
    p = np.where(val > 1e-12, np.abs(val) ** -0.5, 0.0)
    return (vec * p) @ vec.T


def cr2_vcov(design, weights, resid, codes, *, bread=None) -> ClusterVcov:
    """CR2 covariance and Satterthwaite df of a linearised working model (module notes).

    Parameters
    ----------
    design : ndarray, shape (m, k)
        Rows :math:`d_i` of the working model (one per row, or per linear predictor of a row).
    weights : ndarray, shape (m,) or list of ndarray
        Diagonal weights (a GLM's :math:`1/V(\\mu)`), or per cluster the dense block
        :math:`W_j` (rows in the order of ``codes``), positive definite.
    resid : ndarray, shape (m,)
        Working residuals :math:`r`.
    codes : ndarray of int, shape (m,)
        Cluster of each working row, 0..K-1.
    bread : ndarray, shape (k, k), optional
        Defaults to :math:`M = (D^\\top W D)^{-1}`.

    Returns
    -------
    ClusterVcov

    Examples
    --------
    With clusters of one row and unit weights CR2 is HC2 (MacKinnon & White 1985):

    >>> rng = np.random.default_rng(0)
    >>> X = np.column_stack([np.ones(20), rng.normal(size=20)])
    >>> e = rng.normal(size=20)
    >>> v = cr2_vcov(X, np.ones(20), e, np.arange(20))
    >>> M = np.linalg.inv(X.T @ X)
    >>> h = np.einsum("ij,jk,ik->i", X, M, X)
    >>> hc2 = M @ (X.T * e**2 / (1 - h)) @ X @ M
    >>> bool(np.allclose(v.cov, hc2))
    True
    """
    design = np.asarray(design, dtype=float)
    resid = np.asarray(resid, dtype=float)
    codes = np.asarray(codes)
    K = int(codes.max()) + 1
    k = design.shape[1]
    if design.shape[0] == K and not isinstance(weights, list) and np.array_equal(
            np.sort(codes), np.arange(K)):
        return _cr2_singletons(design, np.asarray(weights, dtype=float), resid, codes, bread)
    rows = [np.flatnonzero(codes == j) for j in range(K)]
    if isinstance(weights, list):
        w_blocks = [np.asarray(w, dtype=float) for w in weights]
    else:
        w = np.asarray(weights, dtype=float)
        w_blocks = [np.diag(w[r]) for r in rows]
    info = sum(design[r].T @ wj @ design[r] for r, wj in zip(rows, w_blocks))
    M = np.linalg.inv(info)
    B = M if bread is None else np.asarray(bread, dtype=float)
    L = np.linalg.cholesky((M + M.T) / 2)
    comps = np.empty((k, K))
    g_sq = np.empty((k, K))
    H = np.empty((k, k, K))
    for j, (r, wj) in enumerate(zip(rows, w_blocks)):
        Dj = design[r]
        theta = np.linalg.inv(wj)
        R = np.linalg.cholesky((theta + theta.T) / 2).T  # theta = R' R, R upper as R's chol
        G = R @ (theta - Dj @ M @ Dj.T) @ R.T
        A = R.T @ _inv_sqrt(G) @ R
        E = Dj.T @ wj @ A  # k x n_j
        comps[:, j] = E @ resid[r]
        ME = B @ E
        g_sq[:, j] = np.sum((ME @ R.T) ** 2, axis=1)
        H[:, :, j] = ME @ Dj @ L
    cov = B @ (comps @ comps.T) @ B
    df = np.array([_satterthwaite(g_sq[i], np.sum(H[i] ** 2, axis=0), H[i] @ H[i].T)
                   for i in range(k)])
    return ClusterVcov(cov=cov, df=df, type="CR2", n_clusters=K)


def _satterthwaite(g2: np.ndarray, col: np.ndarray, hh: np.ndarray) -> float:
    """Satterthwaite df :math:`(\\operatorname{tr} P)^2 / \\lVert P \\rVert_F^2` of one coefficient.

    :math:`P = \\operatorname{diag}(g^2) - H^\\top H` (K x K) is never formed: with K in the
    thousands (one athlete per cluster) it would not fit in memory. With ``col`` the squared
    column norms of H and ``hh`` = :math:`H H^\\top` (k x k), :math:`\\operatorname{tr} P =
    \\sum g^2 - \\sum col` and :math:`\\lVert P \\rVert^2 = \\sum g^4 - 2 \\sum g^2 col +
    \\lVert H H^\\top \\rVert^2`.
    """
    trace = g2.sum() - col.sum()
    return float(trace**2 / (np.sum(g2**2) - 2 * np.sum(g2 * col) + np.sum(hh**2)))


def _cr2_singletons(design, w, resid, codes, bread) -> ClusterVcov:
    """:func:`cr2_vcov` when every cluster is one row (HC2), vectorised over the rows.

    With scalar blocks the adjustment is :math:`A_i = (1 - w_i d_i M d_i^\top)^{-1/2}` (0 where
    the leverage is 1, as the eigenvalue cut-off gives), and the Satterthwaite pieces are rank
    one per row; the numbers are those of the general loop (tests compare the two).
    """
    order = np.argsort(codes)
    D, w, r = design[order], w[order], resid[order]
    M = np.linalg.inv(D.T @ (D * w[:, None]))
    B = M if bread is None else np.asarray(bread, dtype=float)
    L = np.linalg.cholesky((M + M.T) / 2)
    theta = 1 / w
    g = theta * (theta - np.einsum("ij,jk,ik->i", D, M, D))  # G_i (scalar)
    a = np.where(g > 1e-12, np.sqrt(theta**2 / np.where(g > 1e-12, g, 1.0)), 0.0)
    E = D * (w * a)[:, None]  # row i: E_i (k)
    comps = E * r[:, None]
    ME = E @ B.T  # row i: B E_i
    g_sq = ME**2 * theta[:, None]
    DL = D @ L
    cov = B @ (comps.T @ comps) @ B
    k = D.shape[1]
    dl2 = np.sum(DL**2, axis=1)
    df = np.array([_satterthwaite(g_sq[:, i], ME[:, i] ** 2 * dl2, (DL.T * ME[:, i] ** 2) @ DL)
                   for i in range(k)])
    return ClusterVcov(cov=cov, df=df, type="CR2", n_clusters=int(D.shape[0]))


def crs_vcov(scores, codes, bread, *, type: str = "CR1") -> ClusterVcov:
    """CR0 or CR1 cluster sandwich from per-row scores, as R ``sandwich::vcovCL``.

    ``CR0`` is ``vcovCL(type = "HC0", cadjust = FALSE)``; ``CR1`` multiplies it by
    :math:`K/(K-1) \\cdot (n-1)/(n-k)` (``type = "HC1"``, ``cadjust = TRUE``). The df are
    :math:`K - 1`.

    Examples
    --------
    >>> s = np.array([[1.0], [-1.0], [2.0], [-2.0]])
    >>> crs_vcov(s, np.array([0, 0, 1, 1]), np.eye(1), type="CR0").cov
    array([[0.]])
    """
    codes = np.asarray(codes)
    K = int(codes.max()) + 1
    n, k = scores.shape
    S = np.zeros((K, k))
    np.add.at(S, codes, scores)
    cov = bread @ (S.T @ S) @ bread
    if type == "CR1":
        cov = cov * K / (K - 1) * (n - 1) / (n - k)
    elif type != "CR0":
        raise InputError(f"`type` must be one of 'CR0', 'CR1'; got {type!r}.")
    return ClusterVcov(cov=cov, df=np.full(k, K - 1.0), type=type, n_clusters=K)
