r"""Kernels of the count mixed models: Laplace / adaptive Gauss-Hermite log-likelihoods and their
gradients, and the batched outer Newton optimiser. :mod:`.count_mixed` is the public face.

The model, for observation :math:`i` in level :math:`g_k(i)` of grouping :math:`k`:

.. math::
    \log\mu_i = x_i'\beta + \text{offset}_i + \sum_k \sigma_k u_{k,g_k(i)},\qquad
    u \sim N(0, I),

with :math:`y_i` Poisson or NB2 (:math:`\operatorname{Var} = \mu + \mu^2/\theta`). The random
effects are spherical (:math:`b = \sigma u`); the Laplace approximation is invariant to that
linear change of variables, so the value is the one R ``glmmTMB`` maximises. For fixed
:math:`\phi = (\beta, \log\sigma, \log\theta)` the inner problem finds the conditional modes
:math:`\hat u` by Newton's method (the conditional log-density is strictly concave), and

.. math::
    \ell_L(\phi) = \sum_i \log p(y_i \mid \hat\eta_i) - \tfrac12 \hat u'\hat u
                   - \tfrac12 \log\det H,\qquad H = I + A'WA,

with :math:`A = Z\Lambda` and :math:`W_i = -\partial^2 \log p(y_i)/\partial\eta_i^2` (the
*observed* curvature, as TMB's automatic differentiation uses). Its gradient in :math:`\phi` is
exact: the implicit-function theorem gives :math:`d\hat u/d\phi = H^{-1}\,\partial g/\partial\phi`
(:math:`g` the inner gradient), and :math:`d\log\det H` needs the third derivative of the
log-density in :math:`\eta`. The Hessian in :math:`\phi` (for the Newton steps and the
covariance, glmmTMB's ``sdreport``) is the central difference of that exact gradient.

One grouping (:class:`OneGrouping`)
    :math:`H` is diagonal: every inner Newton step is a vectorised scalar step per level with
    :func:`numpy.bincount` sums, and many models (replicates of a simulation or bootstrap) are
    evaluated at once by giving each replicate its own block of levels. Adaptive Gauss-Hermite
    quadrature with ``n_quad`` nodes (centred on :math:`\hat u_g`, scaled by
    :math:`H_{gg}^{-1/2}`, as ``lme4::glmer(nAGQ = n_quad)``) has an exact gradient too;
    ``n_quad = 1`` is the Laplace approximation exactly.
Several groupings (:class:`ManyGroupings`)
    The grouping with most levels (athletes) is eliminated through its diagonal block of
    :math:`H`; the others (teams, weeks) form a dense Schur complement, factored by Cholesky. Nested
    and crossed groupings are the same computation.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg, special

_LOG_2PI = float(np.log(2 * np.pi))
_ETA_MAX = 700.0
#: Bounds of log(sd) and log(theta) in the optimiser (sd below 1e-6 is "zero").
LOG_SD_MIN = float(np.log(1e-6))
LOG_SD_MAX = float(np.log(1e3))
LOG_THETA_MIN = float(np.log(1e-8))
LOG_THETA_MAX = float(np.log(1e8))


# --------------------------------------------------------------------------- observation parts
class _NBTables:
    """``sum_{j<y} log(theta + j)`` and ``sum_{j<y} 1 / (theta + j)`` per model, for integer y.

    They are ``lgamma(y + theta) - lgamma(theta)`` and ``digamma(y + theta) - digamma(theta)``,
    exact even when theta is huge (no cancellation of two large lgamma values).
    """

    def __init__(self, y: np.ndarray):
        self.yi = y.astype(np.int64)
        self.ymax = int(self.yi.max()) if self.yi.size else 0
        self.lgy1 = special.gammaln(y + 1.0)

    def at(self, theta: np.ndarray, idx=None):
        """(lg, dg) at each y of the models ``idx``, for theta (b,) of those models."""
        yi = self.yi if idx is None else self.yi[idx]
        yi = yi.reshape(theta.size, -1)
        if theta.size * self.ymax > 5_000_000:  # huge counts: the special functions directly
            th = theta[:, None]
            return (special.gammaln(yi + th) - special.gammaln(th),
                    special.digamma(yi + th) - special.digamma(th))
        j = np.arange(self.ymax, dtype=float)
        tj = theta[:, None] + j[None, :]
        lg = np.zeros((theta.size, self.ymax + 1))
        dg = np.zeros_like(lg)
        np.cumsum(np.log(tj), axis=1, out=lg[:, 1:])
        np.cumsum(1.0 / tj, axis=1, out=dg[:, 1:])
        return np.take_along_axis(lg, yi, axis=1), np.take_along_axis(dg, yi, axis=1)


def _mu(eta):
    return np.exp(np.minimum(eta, _ETA_MAX))


def obs_inner(y, eta, theta):
    """Score ``s`` and curvature ``W`` of log p(y | eta) in eta (theta None: Poisson)."""
    mu = _mu(eta)
    if theta is None:
        return y - mu, mu
    r = 1.0 / (theta + mu)
    s = theta * (y - mu) * r
    w = theta * mu * (y + theta) * r * r
    return s, w


def obs_full(y, eta, theta, lgy1, lg=None, dg=None):
    """Log-density and its eta and log-theta derivatives that the gradient needs.

    Returns ``ll, s, W, W1`` (``W1 = dW/deta``) and, for NB, ``ll_t, s_t, W_t`` (derivatives in
    ``log theta`` at fixed eta); ``lg`` and ``dg`` are the rows of :class:`_NBTables` at ``y``.
    """
    mu = _mu(eta)
    if theta is None:
        ll = y * eta - mu - lgy1
        return ll, y - mu, mu, mu, None, None, None
    r = 1.0 / (theta + mu)
    ratio = mu / theta
    ll = lg - lgy1 - theta * np.log1p(ratio) + y * (eta - np.log(theta + mu))
    s = theta * (y - mu) * r
    w = theta * mu * (y + theta) * r * r
    w1 = w * (theta - mu) * r
    ll_t = theta * (dg - np.log1p(ratio) + (mu - y) * r)
    s_t = theta * mu * (y - mu) * r * r
    w_t = theta * mu * (y * mu - y * theta + 2 * theta * mu) * r * r * r
    return ll, s, w, w1, ll_t, s_t, w_t


# --------------------------------------------------------------------------- one grouping
class OneGrouping:
    """Laplace / AGHQ log-likelihood and exact gradient of ``B`` single-grouping models.

    Parameters
    ----------
    y : ndarray (B, n)
    X : ndarray (n, p) shared or (B, n, p)
    offset : ndarray (B, n)
    codes : ndarray of int (n,) shared or (B, n), levels 0..G-1
    n_levels : int
        G.
    negbin : bool
    n_quad : int
        1 = Laplace; more = adaptive Gauss-Hermite quadrature.

    ``phi`` rows are ``(beta, log sd, log theta)`` (no log theta for Poisson).
    """

    n_groupings = 1

    def __init__(self, y, X, offset, codes, n_levels, negbin, n_quad=1):
        self.y = np.asarray(y, dtype=float)
        self.B, self.n = self.y.shape
        self.X = np.asarray(X, dtype=float)
        self.shared_x = self.X.ndim == 2
        self.p = self.X.shape[-1]
        self.offset = np.asarray(offset, dtype=float)
        codes = np.asarray(codes, dtype=np.int64)
        self.codes = codes if codes.ndim == 2 else np.broadcast_to(codes, (self.B, self.n))
        self.G = int(n_levels)
        self.negbin = bool(negbin)
        self.d = self.p + 1 + int(self.negbin)
        self.tab = _NBTables(self.y)
        self.n_quad = int(n_quad)
        z, w = np.polynomial.hermite.hermgauss(self.n_quad)
        if self.n_quad == 1:
            z, w = np.zeros(1), np.array([np.sqrt(np.pi)])
        self.z, self.logw = z, np.log(w) + z**2
        self.x_scale = np.sqrt(np.mean(self.X**2, axis=tuple(range(self.X.ndim - 1))))

    def u_shape(self, b):
        return (b, self.G)

    # ------------------------------------------------------------------ helpers
    def _rows(self, idx):
        return self.y[idx], self.offset[idx], self.codes[idx]

    def _xb(self, beta, idx):
        if self.shared_x:
            return beta @ self.X.T
        return np.einsum("bnp,bp->bn", self.X[idx], beta)

    def _xt(self, r, idx):
        """X' r per model: (b, n) -> (b, p)."""
        if self.shared_x:
            return r @ self.X
        return np.einsum("bnp,bn->bp", self.X[idx], r)

    def _split(self, phi):
        beta = phi[:, : self.p]
        sigma = np.exp(phi[:, self.p])
        theta = np.exp(phi[:, self.p + 1]) if self.negbin else None
        return beta, sigma, theta

    # ------------------------------------------------------------------ inner problem
    def modes(self, phi, idx, u0, tol=1e-11, max_iter=100):
        """Conditional modes u-hat (b, G), with eta0 and the flat level index."""
        y, off, codes = self._rows(idx)
        b = len(idx)
        beta, sigma, theta = self._split(phi)
        th = None if theta is None else theta[:, None]
        eta0 = self._xb(beta, idx) + off
        flat = codes + self.G * np.arange(b)[:, None]
        fr = flat.ravel()
        u = np.array(u0, dtype=float, copy=True).reshape(b, self.G)
        sig = sigma[:, None]
        lim = 2.0 / np.maximum(sig, 1e-300)
        for _ in range(max_iter):
            eta = eta0 + sig * u.ravel()[flat]
            s, w = obs_inner(y, eta, th)
            gs = np.bincount(fr, s.ravel(), b * self.G).reshape(b, self.G)
            gw = np.bincount(fr, w.ravel(), b * self.G).reshape(b, self.G)
            step = (sig * gs - u) / (1.0 + sig * sig * gw)
            np.clip(step, -lim, lim, out=step)
            u += step
            if not np.all(np.abs(step) <= tol * (1.0 + np.abs(u))):
                continue
            break
        return u, eta0, flat

    # ------------------------------------------------------------------ value and gradient
    def eval(self, phi, idx, u0):
        """(loglik (b,), gradient (b, d), u-hat (b, G)) at ``phi`` (b, d) for models ``idx``."""
        phi = np.asarray(phi, dtype=float)
        b = len(idx)
        G = self.G
        y, _, _ = self._rows(idx)
        beta, sigma, theta = self._split(phi)
        u, eta0, flat = self.modes(phi, idx, u0)
        fr = flat.ravel()
        sig = sigma[:, None]
        th = None if theta is None else theta[:, None]
        lg = dg = None
        lgy1 = self.tab.lgy1[idx]
        if self.negbin:
            lg, dg = self.tab.at(theta, idx)

        def gsum(v):
            return np.bincount(fr, v.ravel(), b * G).reshape(b, G)

        eta = eta0 + sig * u.ravel()[flat]
        ll, s, w, w1, ll_t, s_t, w_t = obs_full(y, eta, th, lgy1, lg, dg)
        SW, SW1 = gsum(w), gsum(w1)
        h = 1.0 + sig * sig * SW
        hi = 1.0 / h
        hg = hi.ravel()[flat]  # 1/h at each observation's level
        s2 = sig * sig
        e = s2 * w1 - s2 * s2 * SW1.ravel()[flat] * w * hg  # dh_g/dbeta = sum_i e_i x_i
        du_ls = u * (2.0 - h) * hi
        dh_ls = 2.0 * s2 * SW + s2 * sig * SW1 * (u + du_ls)
        if self.negbin:
            du_lt = sig * gsum(s_t) * hi
            dh_lt = s2 * gsum(w_t) + s2 * sig * SW1 * du_lt
        grad = np.empty((b, self.d))
        if self.n_quad == 1:
            loglik = ll.sum(1) - 0.5 * np.sum(u * u + np.log(h), axis=1)
            grad[:, : self.p] = self._xt(s - 0.5 * e * hg, idx)
            grad[:, self.p] = np.sum(sig * u * gsum(s) - 0.5 * dh_ls * hi, axis=1)
            if self.negbin:
                grad[:, self.p + 1] = ll_t.sum(1) - 0.5 * np.sum(dh_lt * hi, axis=1)
            return loglik, grad, u
        # adaptive Gauss-Hermite quadrature
        Q = self.n_quad
        sg = np.sqrt(hi)
        nodes = u[:, :, None] + np.sqrt(2.0) * sg[:, :, None] * self.z  # (b, G, Q)
        fq = flat[:, :, None] * Q + np.arange(Q)  # (b, n, Q): level-node of each observation
        un = nodes.ravel()[fq]
        eta_q = eta0[:, :, None] + sig[:, :, None] * un
        th_q = None if th is None else th[:, :, None]
        llq, sq, _, _, ll_tq, _, _ = obs_full(
            y[:, :, None], eta_q, th_q, lgy1[:, :, None],
            None if lg is None else lg[:, :, None], None if dg is None else dg[:, :, None])
        fqr = fq.ravel()

        def qsum(v):
            return np.bincount(fqr, v.ravel(), b * G * Q).reshape(b, G, Q)

        F = qsum(llq) - 0.5 * nodes**2 - 0.5 * _LOG_2PI
        logA = self.logw + F
        lse = special.logsumexp(logA, axis=2)
        pi = np.exp(logA - lse[:, :, None])
        loglik = np.sum(0.5 * np.log(2.0) + np.log(sg) + lse, axis=1)
        Sq = qsum(sq)
        Fp = sig[:, :, None] * Sq - nodes
        P1 = np.sum(pi * Fp, axis=2)
        Pz = np.sum(pi * self.z * Fp, axis=2)
        a = -sig * w * hg
        r2 = np.sqrt(2.0)
        rb = (-0.5 * e * hg + np.sum(pi.ravel()[fq] * sq, axis=2)
              + a * P1.ravel()[flat] - (r2 * 0.5 * (sg * hi)).ravel()[flat] * e
              * Pz.ravel()[flat])
        grad[:, : self.p] = self._xt(rb, idx)
        ds_ls = -0.5 * sg * dh_ls * hi
        grad[:, self.p] = np.sum(-0.5 * dh_ls * hi
                                 + np.sum(pi * sig[:, :, None] * nodes * Sq, axis=2)
                                 + P1 * du_ls + r2 * Pz * ds_ls, axis=1)
        if self.negbin:
            ds_lt = -0.5 * sg * dh_lt * hi
            Ft = qsum(ll_tq)
            grad[:, self.p + 1] = np.sum(-0.5 * dh_lt * hi + np.sum(pi * Ft, axis=2)
                                         + P1 * du_lt + r2 * Pz * ds_lt, axis=1)
        return loglik, grad, u


# --------------------------------------------------------------------------- several groupings
class ManyGroupings:
    """Laplace log-likelihood and exact gradient of one model with K >= 2 groupings.

    ``codes`` is a list of K integer arrays (n,), ``n_levels`` their level counts. The grouping
    with most levels is eliminated through its diagonal block; the rest is a dense Schur
    complement (its size is the total of the other groupings' levels).
    """

    def __init__(self, y, X, offset, codes, n_levels, negbin):
        self.y = np.asarray(y, dtype=float).reshape(-1)
        self.n = self.y.size
        self.B = 1
        self.X = np.asarray(X, dtype=float)
        self.p = self.X.shape[1]
        self.offset = np.asarray(offset, dtype=float).reshape(-1)
        self.K = len(codes)
        self.n_groupings = self.K
        self.negbin = bool(negbin)
        self.d = self.p + self.K + int(self.negbin)
        self.tab = _NBTables(self.y)
        self.x_scale = np.sqrt(np.mean(self.X**2, axis=0))
        self.n_levels = [int(q) for q in n_levels]
        order = sorted(range(self.K), key=lambda k: -self.n_levels[k])
        self.kD = order[0]
        self.rest = order[1:]
        self.cD = np.asarray(codes[self.kD], dtype=np.int64)
        self.qD = self.n_levels[self.kD]
        offs = np.cumsum([0] + [self.n_levels[k] for k in self.rest])
        self.qR = int(offs[-1])
        self.cR = {k: np.asarray(codes[k], dtype=np.int64) + int(offs[j])
                   for j, k in enumerate(self.rest)}
        self.roff = {k: (int(offs[j]), int(offs[j + 1])) for j, k in enumerate(self.rest)}

    def u_shape(self, b):
        return (b, self.qD + self.qR)

    def _parts(self, phi):
        beta = phi[: self.p]
        sig = np.exp(phi[self.p: self.p + self.K])
        theta = np.exp(phi[self.p + self.K]) if self.negbin else None
        return beta, sig, theta

    def _Av(self, sig, v):
        """A v for v = (v_D, v_R)."""
        out = sig[self.kD] * v[: self.qD][self.cD]
        vR = v[self.qD:]
        for k in self.rest:
            out = out + sig[k] * vR[self.cR[k]]
        return out

    def _Atv(self, sig, x):
        outD = sig[self.kD] * np.bincount(self.cD, x, self.qD)
        outR = np.zeros(self.qR)
        for k in self.rest:
            outR += sig[k] * np.bincount(self.cR[k], x, self.qR)
        return np.concatenate([outD, outR])

    def _blocks(self, sig, w):
        """d (diag of the D block), B (qD x qR), H_RR."""
        sD = sig[self.kD]
        d = 1.0 + sD * sD * np.bincount(self.cD, w, self.qD)
        Bm = np.zeros(self.qD * self.qR)
        HRR = np.zeros(self.qR * self.qR)
        for k in self.rest:
            Bm += np.bincount(self.cD * self.qR + self.cR[k], sD * sig[k] * w, self.qD * self.qR)
            for m in self.rest:
                HRR += np.bincount(self.cR[k] * self.qR + self.cR[m], sig[k] * sig[m] * w,
                                   self.qR * self.qR)
        HRR = HRR.reshape(self.qR, self.qR)
        HRR[np.diag_indices(self.qR)] += 1.0
        return d, Bm.reshape(self.qD, self.qR), HRR

    def _factor(self, sig, w):
        d, Bm, HRR = self._blocks(sig, w)
        M = Bm / d[:, None]
        S = HRR - Bm.T @ M
        cho = linalg.cho_factor(S, lower=True, check_finite=False)
        return d, M, cho

    @staticmethod
    def _solve(d, M, cho, g):
        qD = d.size
        gD, gR = g[:qD], g[qD:]
        xR = linalg.cho_solve(cho, gR - M.T @ gD, check_finite=False)
        xD = gD / d - M @ xR
        return np.concatenate([xD, xR])

    def modes(self, phi, u0, tol=1e-11, max_iter=100):
        beta, sig, theta = self._parts(phi)
        eta0 = self.X @ beta + self.offset
        u = np.array(u0, dtype=float, copy=True).reshape(-1)
        for _ in range(max_iter):
            eta = eta0 + self._Av(sig, u)
            s, w = obs_inner(self.y, eta, theta)
            g = self._Atv(sig, s) - u
            step = self._solve(*self._factor(sig, w), g)
            big = np.max(np.abs(step))
            if big > 2.0:
                step *= 2.0 / big
            u += step
            if np.all(np.abs(step) <= tol * (1.0 + np.abs(u))):
                break
        return u, eta0

    def eval(self, phi, idx, u0):
        """Same interface as :meth:`OneGrouping.eval` with one model (``idx`` = [0])."""
        phi = np.asarray(phi, dtype=float)
        lls, grads, us = [], [], []
        for r in range(phi.shape[0]):
            ll, g, u = self._eval1(phi[r], u0[r])
            lls.append(ll)
            grads.append(g)
            us.append(u)
        return np.array(lls), np.array(grads), np.array(us)

    def _eval1(self, phi, u0):
        beta, sig, theta = self._parts(phi)
        u, eta0 = self.modes(phi, u0)
        eta = eta0 + self._Av(sig, u)
        lg = dg = None
        if self.negbin:
            lg, dg = (a[0] for a in self.tab.at(np.array([theta])))
        ll, s, w, w1, ll_t, s_t, w_t = obs_full(self.y, eta, theta, self.tab.lgy1, lg, dg)
        d, M, cho = self._factor(sig, w)
        qD = self.qD
        L = cho[0]
        logdet = np.sum(np.log(d)) + 2.0 * np.sum(np.log(np.abs(np.diag(L))))
        loglik = ll.sum() - 0.5 * u @ u - 0.5 * logdet
        # pieces of H^-1: Sinv, N = M Sinv, diag of the D block
        Sinv = linalg.cho_solve(cho, np.eye(self.qR), check_finite=False)
        N = M @ Sinv
        diagD = 1.0 / d + np.sum(N * M, axis=1)
        sD = sig[self.kD]
        cD = self.cD
        c = sD * sD * diagD[cD]
        for k in self.rest:
            rk = self.cR[k]  # index into the R block
            c = c - 2.0 * sD * sig[k] * N[cD, rk]
            for m in self.rest:
                c = c + sig[k] * sig[m] * Sinv[rk, self.cR[m]]
        v = self._Atv(sig, c * w1)
        wv = self._solve(d, M, cho, v)
        Aw = self._Av(sig, wv)
        grad = np.empty(self.d)
        grad[: self.p] = self.X.T @ (s - 0.5 * (c * w1 - Aw * w))
        trD = np.sum(diagD)
        for k in range(self.K):
            if k == self.kD:
                zeta = sD * u[:qD][cD]
                qk, trk = qD, trD
                wk_u = wv[:qD] @ u[:qD]
            else:
                lo, hi = self.roff[k]
                zeta = sig[k] * u[qD:][self.cR[k]]
                qk = hi - lo
                trk = np.trace(Sinv[lo:hi, lo:hi])
                wk_u = wv[qD + lo: qD + hi] @ u[qD + lo: qD + hi]
            grad[self.p + k] = (s @ zeta - 0.5 * (2.0 * (qk - trk) + (c * w1) @ zeta + wk_u
                                                  - (Aw * w) @ zeta))
        if self.negbin:
            grad[self.p + self.K] = ll_t.sum() - 0.5 * (c @ w_t + Aw @ s_t)
        return loglik, grad, u


# --------------------------------------------------------------------------- outer optimiser
def _fd_steps(prob, phi):
    h = np.full(phi.shape, 1e-4)
    h[:, : prob.p] = 1e-4 / np.maximum(prob.x_scale, 1e-8)
    return h


def fd_hessian(prob, phi, idx, u):
    """Central differences of the exact gradient, symmetrised: (b, d, d)."""
    b, d = phi.shape
    h = _fd_steps(prob, phi)
    H = np.empty((b, d, d))
    stack = isinstance(prob, OneGrouping) and 2 * d * b * prob.n <= 2_000_000
    if stack:
        eye = np.eye(d)
        plus = (phi[None] + h[None] * eye[:, None, :]).reshape(d * b, d)
        minus = (phi[None] - h[None] * eye[:, None, :]).reshape(d * b, d)
        allp = np.concatenate([plus, minus])
        idx2 = np.tile(idx, 2 * d)
        u2 = np.tile(u, (2 * d, 1))
        _, g2, _ = prob.eval(allp, idx2, u2)
        gp = g2[: d * b].reshape(d, b, d)
        gm = g2[d * b:].reshape(d, b, d)
        for j in range(d):
            H[:, :, j] = (gp[j] - gm[j]) / (2 * h[:, j][:, None])
    else:
        for j in range(d):
            pp, pm = phi.copy(), phi.copy()
            pp[:, j] += h[:, j]
            pm[:, j] -= h[:, j]
            gp = prob.eval(pp, idx, u)[1]
            gm = prob.eval(pm, idx, u)[1]
            H[:, :, j] = (gp - gm) / (2 * h[:, j][:, None])
    return 0.5 * (H + np.swapaxes(H, 1, 2))


def _newton_step(H, g, fixed):
    """Ascent step (b, d): modified Newton on the free parameters (|eigenvalues| floored)."""
    A = -H.copy()
    g = np.where(fixed, 0.0, g)
    b, d = g.shape
    for r in range(b):
        f = fixed[r]
        if f.any():
            A[r][f, :] = 0.0
            A[r][:, f] = 0.0
            A[r][f, f] = 1.0
    evals, evecs = np.linalg.eigh(A)
    floor = np.maximum(1e-8, 1e-10 * np.max(np.abs(evals), axis=1, keepdims=True))
    lam = np.maximum(np.abs(evals), floor)
    step = np.einsum("bij,bj->bi", evecs, np.einsum("bji,bj->bi", evecs, g) / lam)
    step = np.where(fixed, 0.0, step)
    big = np.max(np.abs(step), axis=1, keepdims=True)
    return step * np.minimum(1.0, 3.0 / np.maximum(big, 1e-300))


def optimise(prob, phi0, lower, upper, max_iter=200, step_tol=1e-8):
    """Maximise the log-likelihood of every model of ``prob`` from ``phi0`` (B, d).

    Quasi-Newton (BFGS updates of minus the Hessian) started from, and confirmed by, the
    finite-difference Hessian of the exact gradient: a model stops when the Newton step with
    that Hessian, at the current point, is below ``step_tol`` (relative); so the returned
    Hessian is the one at the optimum. A parameter on its bound with the gradient pushing
    outwards is held there; a log SD creeping towards zero jumps to its bound when that does
    not lower the likelihood. All models are iterated together (vectorised).

    Returns (phi, loglik, grad, hessian, u, converged, at_lower, at_upper, n_iter).
    """
    phi = np.clip(np.array(phi0, dtype=float), lower, upper)
    B, d = phi.shape
    everyone = np.arange(B)
    u = np.zeros(prob.u_shape(B))
    ll, g, u = prob.eval(phi, everyone, u)
    A = np.zeros((B, d, d))  # minus the Hessian (approximation)
    exact = np.zeros(B, dtype=bool)
    need_fd = np.ones(B, dtype=bool)
    conv = np.zeros(B, dtype=bool)
    active = everyone[np.isfinite(ll)]
    sd_cols = np.arange(prob.p, prob.p + prob.n_groupings)
    n_iter = 0
    gtol = 1e-6
    for it in range(max_iter):
        if active.size == 0:
            break
        n_iter = it + 1
        ref = active[need_fd[active]]
        if ref.size:
            A[ref] = -fd_hessian(prob, phi[ref], ref, u[ref])
            exact[ref] = True
            need_fd[ref] = False
        pa, ga = phi[active], g[active]
        at_lo = pa <= lower + 1e-12
        at_hi = pa >= upper - 1e-12
        fixed = (at_lo & (ga <= gtol)) | (at_hi & (ga >= -gtol))
        step = _newton_step(-A[active], ga, fixed)
        trial = np.clip(pa + step, lower, upper)
        for k in sd_cols:
            creep = (pa[:, k] < np.log(1e-3)) & (step[:, k] < 0) & ~at_lo[:, k]
            if creep.any():
                rows = np.flatnonzero(creep)
                jump = pa[rows].copy()
                jump[:, k] = lower[k]
                llj, _, _ = prob.eval(jump, active[rows], u[active[rows]])
                ok = llj >= ll[active[rows]] - 1e-9
                trial[rows[ok], k] = lower[k]
        small = np.max(np.abs(trial - pa) / (1.0 + np.abs(pa)), axis=1) < step_tol
        done = small & exact[active]
        need_fd[active[small & ~exact[active]]] = True  # confirm with the exact Hessian
        conv[active[done]] = True
        move = np.flatnonzero(~small)
        t = np.ones(active.size)
        pending = move.copy()
        accepted = np.zeros(active.size, dtype=bool)
        for _ in range(40):
            if pending.size == 0:
                break
            rows = active[pending]
            cand = np.clip(pa[pending] + t[pending, None] * (trial[pending] - pa[pending]),
                           lower, upper)
            llc, gc, uc = prob.eval(cand, rows, u[rows])
            ok = np.isfinite(llc) & (llc >= ll[rows] - 1e-10 * (1.0 + np.abs(ll[rows])))
            good, grow = pending[ok], rows[ok]
            if grow.size:
                sv = cand[ok] - phi[grow]
                yv = g[grow] - gc[ok]
                sy = np.einsum("bi,bi->b", sv, yv)
                As = np.einsum("bij,bj->bi", A[grow], sv)
                sAs = np.einsum("bi,bi->b", sv, As)
                upd = (sy > 1e-12 * np.linalg.norm(sv, axis=1) * np.linalg.norm(yv, axis=1)) \
                    & (sAs > 0)
                if upd.any():
                    gu = grow[upd]
                    A[gu] += (yv[upd, :, None] * yv[upd, None, :] / sy[upd, None, None]
                              - As[upd, :, None] * As[upd, None, :] / sAs[upd, None, None])
                need_fd[grow[~upd]] = True
                exact[grow] = False
                phi[grow], ll[grow], g[grow], u[grow] = cand[ok], llc[ok], gc[ok], uc[ok]
            accepted[good] = True
            pending = pending[~ok]
            t[pending] *= 0.5
        failed = np.zeros(active.size, dtype=bool)
        failed[move] = ~accepted[move]
        stuck = failed & exact[active]  # no ascent even along the exact Newton direction
        need_fd[active[failed & ~exact[active]]] = True
        active = active[~(done | stuck)]
    rest = everyone[np.isfinite(ll) & ~exact]
    if rest.size:
        A[rest] = -fd_hessian(prob, phi[rest], rest, u[rest])
    at_lower = phi <= lower + 1e-12
    at_upper = phi >= upper - 1e-12
    return phi, ll, g, -A, u, conv, at_lower, at_upper, n_iter
