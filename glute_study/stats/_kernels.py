"""Batched GLM fitting kernels: many models of the same shape fitted at once with NumPy.

A bootstrap replicate is a vector of *frequency weights* over the rows of one data set (a row drawn
twice has weight 2, a row not drawn has weight 0), and a simulated cohort is a data set of its own.
Both cases are a batch of ``B`` models that share their shape, so instead of a Python loop over
``B`` fits, every Newton step here is a handful of array operations over all ``B`` models together.

This is the one place the project fits GLMs in batch: the bootstrap (and full-data fits) of
:mod:`.mediation` and the simulated cohorts of :mod:`.simulation_power` call :func:`fit_batch`.
The count models of :mod:`.counts` and the dose-response of :mod:`.associations` have no
bootstrap: they fit one model at a time, the negative binomial by
:func:`glute_study.stats._negbin.fit_negbin` (the same bounds on ``theta`` as here).

Shapes
------
``X``
    ``(n, p)`` shared by every model (bootstrap), or ``(B, n, p)`` one design per model.
``y``, ``offset``
    ``(n,)`` shared, or ``(B, n)``.
``weights``
    ``None`` (all ones), ``(n,)`` shared, or ``(B, n)`` (bootstrap frequency weights).

``B`` is taken from whichever argument is batched (they must agree); with nothing batched the
result still has a leading axis of length 1.

Families
--------
``"gaussian"``
    Weighted least squares in closed form; ``scale`` is the residual variance on
    ``sum(w) - p`` degrees of freedom (as ``lm``).
``"logistic"``, ``"poisson"``
    Newton-Raphson (= Fisher scoring for these canonical links) with step halving.
``"negbin"``
    Negative binomial (NB2: ``Var = mu + mu**2 / theta``), log link, with ``theta`` estimated by
    maximum likelihood in every model, as ``MASS::glm.nb`` does. Instead of ``glm.nb``'s
    alternation between IRLS and ``theta.ml``, a Poisson fit gives the start and a joint Newton
    step on ``(beta, log(theta))`` with the observed information and step halving follows; both
    reach the same maximum. The digamma/trigamma sums over observations are computed once per
    distinct count value, which makes the dispersion as cheap as the regression coefficients.
    When every model shares ``X``, ``y``, the offset and a start (a bootstrap started from the
    full-data fit), the first Newton step costs one matrix product: each observation's
    contributions to the log-likelihood, score and information at the start are the same in
    every model, and a model's totals are its weights times them. A model that has converged
    takes its last (tiny) step without another evaluation of the likelihood.
    ``theta`` is kept within ``[1e-8, 1e8]``. A model whose ``theta`` passes
    ``1e6 * (1 + largest fitted mean)`` shows no over-dispersion: its fit equals the Poisson fit
    to about 1e-6, the likelihood is flat in ``theta`` to rounding error, iteration stops on the
    coefficients alone, and the model is flagged in ``theta_at_bound``.

``cov`` is the inverse Fisher information of the coefficients (for ``negbin``, at the fitted
``theta``, as ``vcov(glm.nb)``; for ``gaussian``, ``scale`` times the inverse Gram matrix).

References
----------
Venables, W. N. & Ripley, B. D. (2002). *Modern Applied Statistics with S* (4th ed.), sect. 7.4.
"""

from __future__ import annotations

import contextlib
import threading
from dataclasses import dataclass

import numpy as np
from scipy import special

from .._checks import check_one_of
from ..errors import InputError

__all__ = ["FAMILIES", "BatchFit", "fit_batch", "inverse_link", "single_threaded_blas"]

#: The families :func:`fit_batch` knows.
FAMILIES = ("gaussian", "logistic", "poisson", "negbin")

_THETA_MIN = 1e-8
_THETA_MAX = 1e8
_THETA_FLAT = 1e6


@dataclass(frozen=True, eq=False)
class BatchFit:
    """Fitted coefficients of a batch of ``B`` GLMs.

    Attributes
    ----------
    coef : ndarray, shape (B, p)
        Coefficients, in the column order of ``X``.
    cov : ndarray, shape (B, p, p) or None
        Inverse Fisher information (``None`` when ``cov=False`` was asked).
    theta : ndarray, shape (B,)
        Negative-binomial dispersion (NaN for the other families).
    scale : ndarray, shape (B,)
        Residual variance for ``gaussian`` (``sum(w) - p`` df); 1 for the other families.
    loglik : ndarray, shape (B,)
        Maximised log-likelihood (with every constant, comparable with R's ``logLik``).
    converged : ndarray of bool, shape (B,)
        Whether the model met the tolerance within ``max_iter`` steps.
    theta_at_bound : ndarray of bool, shape (B,)
        ``negbin`` only: ``theta`` ran towards infinity (no over-dispersion; a Poisson fit).
    n_iter : int
        Newton steps taken by the slowest model.
    family : str
        The family fitted.
    """

    coef: np.ndarray
    cov: np.ndarray | None
    theta: np.ndarray
    scale: np.ndarray
    loglik: np.ndarray
    converged: np.ndarray
    theta_at_bound: np.ndarray
    n_iter: int
    family: str

    @property
    def se(self) -> np.ndarray:
        """Standard errors, shape (B, p): square roots of the diagonal of ``cov``."""
        if self.cov is None:
            raise InputError("standard errors need the covariance: call fit_batch(..., cov=True).")
        return np.sqrt(np.diagonal(self.cov, axis1=1, axis2=2))


class _BlasLimit:
    """Process-wide "one BLAS thread" switch shared by every caller, nested or concurrent.

    ``threadpoolctl.threadpool_limits`` finds the BLAS libraries anew on every call by scanning
    the process's loaded libraries, which takes about 5 ms once pandas, SciPy and friends are
    loaded: more than fitting a bootstrap chunk's mediator model. So the controller is built
    once, on first use (NumPy's BLAS, the one the kernels call, is loaded by then), and the
    limit is reference-counted: the first caller to enter sets one thread, the last one to
    leave restores the original setting. Threads of one process share the OpenBLAS pool, so
    this also keeps one thread's exit from lifting the limit while another thread still fits.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._depth = 0
        self._controller = None
        self._limiter = None

    def enter(self) -> None:
        with self._lock:
            if self._depth == 0:
                if self._controller is None:
                    from threadpoolctl import ThreadpoolController

                    self._controller = ThreadpoolController()
                self._limiter = self._controller.limit(limits=1, user_api="blas")
            self._depth += 1

    def exit(self) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0:
                self._limiter.restore_original_limits()
                self._limiter = None


_BLAS_LIMIT = _BlasLimit()


@contextlib.contextmanager
def single_threaded_blas():
    """Run the block with one BLAS thread (when ``threadpoolctl`` is installed).

    The kernels' matrix products are small (a few hundred rows by a few dozen columns), so
    OpenBLAS's threads cost more to wake and spin than they save, and they compete with the
    tasks that :mod:`glute_study.parallel` already runs side by side. Wrap batched fitting in this.
    Nested and concurrent (threaded) uses are cheap: the limit is set once, by the outermost
    block, and lifted when the last block ends.

    Examples
    --------
    >>> with single_threaded_blas():
    ...     fit = fit_batch(np.ones((3, 1)), np.array([1.0, 2.0, 3.0]))
    >>> float(fit.coef[0, 0])
    2.0
    """
    try:
        import threadpoolctl  # noqa: F401
    except ImportError:  # pragma: no cover - threadpoolctl comes with scipy's usual stack
        yield
        return
    _BLAS_LIMIT.enter()
    try:
        yield
    finally:
        _BLAS_LIMIT.exit()


def inverse_link(family: str, eta: np.ndarray) -> np.ndarray:
    """Mean from the linear predictor: identity, logistic or exponential.

    Examples
    --------
    >>> inverse_link("poisson", np.array([0.0]))
    array([1.])
    >>> inverse_link("logistic", np.array([0.0]))
    array([0.5])
    """
    check_one_of("family", family, FAMILIES)
    if family == "gaussian":
        return eta
    if family == "logistic":
        return special.expit(eta)
    return np.exp(eta)


# --------------------------------------------------------------------------------------------
# batched linear algebra on a shared or per-model design
# --------------------------------------------------------------------------------------------
class _Design:
    """``X`` with the products of its columns precomputed, so that ``X' W X`` is one GEMM."""

    def __init__(self, X: np.ndarray):
        self.X = X
        self.shared = X.ndim == 2
        self.p = X.shape[-1]
        self.iu = np.triu_indices(self.p)
        # (n, k) or (B, n, k), k = p (p + 1) / 2: the distinct entries of x_i x_i'
        self.XX = X[..., self.iu[0]] * X[..., self.iu[1]]

    def take(self, rows: np.ndarray) -> _Design:
        """The design of a subset of the models (itself when shared)."""
        if self.shared:
            return self
        new = object.__new__(_Design)
        new.X, new.XX, new.shared = self.X[rows], self.XX[rows], False
        new.p, new.iu = self.p, self.iu
        return new

    def eta(self, beta: np.ndarray) -> np.ndarray:
        """``X beta`` for every model: (B, n)."""
        if self.shared:
            return beta @ self.X.T
        return np.matmul(self.X, beta[:, :, None])[:, :, 0]

    def eta_into(self, beta: np.ndarray, out: np.ndarray) -> None:
        """``X beta`` for every model, written into ``out`` (B, n)."""
        if self.shared:
            np.matmul(beta, self.X.T, out=out)
        else:
            np.matmul(self.X, beta[:, :, None], out=out[:, :, None])

    def xtv(self, v: np.ndarray) -> np.ndarray:
        """``X' v`` for every model: (B, p)."""
        if self.shared:
            return v @ self.X
        return np.matmul(v[:, None, :], self.X)[:, 0, :]

    def gram(self, w: np.ndarray) -> np.ndarray:
        """``X' diag(w) X`` for every model: (B, p, p)."""
        if self.shared:
            packed = w @ self.XX
        else:
            packed = np.matmul(w[:, None, :], self.XX)[:, 0, :]
        out = np.empty((w.shape[0], self.p, self.p))
        out[:, self.iu[0], self.iu[1]] = packed
        out[:, self.iu[1], self.iu[0]] = packed
        return out


def _solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched ``A^-1 b`` for symmetric positive-definite ``A``; singular systems give NaN."""
    try:
        return np.linalg.solve(A, b[..., None])[..., 0]
    except np.linalg.LinAlgError:
        out = np.full(b.shape, np.nan)
        for i in range(A.shape[0]):
            with contextlib.suppress(np.linalg.LinAlgError):
                out[i] = np.linalg.solve(A[i], b[i])
        return out


def _inv(A: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(A)
    except np.linalg.LinAlgError:
        out = np.full(A.shape, np.nan)
        for i in range(A.shape[0]):
            with contextlib.suppress(np.linalg.LinAlgError):
                out[i] = np.linalg.inv(A[i])
        return out


def _rowdot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``sum(a * b, axis=1)`` without the temporary."""
    return np.einsum("ij,ij->i", a, b)


def _as_batch(name: str, a: np.ndarray | None, n: int, B: int, fill: float) -> np.ndarray:
    if a is None:
        return np.full((1, n), fill)
    a = np.asarray(a, dtype=float)
    if a.ndim == 1:
        if a.shape[0] != n:
            raise InputError(f"`{name}` has {a.shape[0]} values but X has {n} rows.")
        return a[None, :]
    if a.ndim == 2 and a.shape[1] == n and a.shape[0] in (1, B):
        return a
    raise InputError(f"`{name}` must have shape ({n},) or ({B}, {n}); got {a.shape}.")


# --------------------------------------------------------------------------------------------
# the count table: sums of lgamma / digamma / trigamma over observations, per distinct count
# --------------------------------------------------------------------------------------------
class _CountTable:
    """Weighted counts of each distinct value of ``y`` per model, for the NB theta terms.

    ``sum_i w_i f(y_i + theta)`` equals ``sum_u H[u] f(u + theta)`` over the distinct values
    ``u``, so the special functions are evaluated ``U`` times per model instead of ``n`` times.
    """

    def __init__(self, y: np.ndarray, w: np.ndarray, B: int):
        values, inverse = np.unique(y, return_inverse=True)
        inverse = inverse.reshape(y.shape)
        U = values.shape[0]
        if y.shape[0] == 1:  # shared y: one GEMM with the indicator matrix
            onehot = np.zeros((y.shape[1], U))
            onehot[np.arange(y.shape[1]), inverse[0]] = 1.0
            H = np.broadcast_to(w, (B, y.shape[1])) @ onehot
        else:
            rows = np.arange(B)[:, None] * U + inverse
            wb = np.broadcast_to(w, y.shape)
            H = np.bincount(rows.ravel(), weights=wb.ravel(), minlength=B * U).reshape(B, U)
        self.values = values
        self.inverse = inverse  # (1, n) or (B, n): index of each y in `values`
        self.H = H
        self.const = H @ special.gammaln(values + 1.0)  # sum w lgamma(y + 1)
        # whole counts up to 256: the weighted number of observations with y > j, j < max(y)
        # (see sums)
        self.above = None
        if values[-1] <= 256:
            js = np.arange(values[-1], dtype=float)
            self.above = H @ (values[:, None] > js[None, :]).astype(float)

    def take(self, rows: np.ndarray) -> _CountTable:
        new = object.__new__(_CountTable)
        new.values, new.H, new.const = self.values, self.H[rows], self.const[rows]
        new.inverse = _take(self.inverse, rows)
        new.above = None if self.above is None else self.above[rows]
        return new

    def terms(self, theta: np.ndarray):
        """Per model and distinct value ``u`` (shape (k, U)): ``lgamma(u+t) - lgamma(t) - u log t``,
        ``psi(u+t) - psi(t)`` and ``psi'(u+t) - psi'(t)``.

        The first is written ``sum_{j<u} log1p(j / t)`` so that it keeps its precision when
        ``t`` is large (near-Poisson data), where the textbook form cancels catastrophically.
        """
        t = theta[:, None]
        top = self.values[-1]
        if top <= 256:
            # whole counts: lgamma(u + t) - lgamma(t) - u log t = sum_{j < u} log1p(j / t) ...
            ks = np.arange(top, dtype=float)[None, :]
            k = ks + t
            idx = self.values.astype(np.intp)
            zero = np.zeros((t.shape[0], 1))
            inv = 1.0 / k
            lg = np.concatenate([zero, np.cumsum(np.log1p(ks / t), axis=1)], axis=1)[:, idx]
            dg = np.concatenate([zero, np.cumsum(inv, axis=1)], axis=1)[:, idx]
            tg = -np.concatenate([zero, np.cumsum(inv * inv, axis=1)], axis=1)[:, idx]
            return lg, dg, tg
        ut = self.values[None, :] + t
        lg = special.gammaln(ut) - special.gammaln(t) - self.values[None, :] * np.log(t)
        dg = special.digamma(ut) - special.digamma(t)
        tg = special.polygamma(1, ut) - special.polygamma(1, t)
        return lg, dg, tg

    def sums(self, theta: np.ndarray):
        """The :meth:`terms` summed over observations with their weights, per model: (k,) each.

        For whole counts, ``sum_i w_i sum_{j < y_i} f(j)`` is ``sum_j f(j) A[j]`` with ``A[j]``
        the weighted number of observations above ``j`` (``self.above``): no cumulative sums.
        """
        if self.above is None:
            return tuple(_rowdot(self.H, v) for v in self.terms(theta))
        t = theta[:, None]
        js = np.arange(self.above.shape[1], dtype=float)[None, :]
        inv = 1.0 / (js + t)
        lg = _rowdot(self.above, np.log1p(js / t))
        dg = _rowdot(self.above, inv)
        inv *= inv
        return lg, dg, -_rowdot(self.above, inv)


# --------------------------------------------------------------------------------------------
# public entry point
# --------------------------------------------------------------------------------------------
def fit_batch(
    X: np.ndarray,
    y: np.ndarray,
    *,
    family: str = "gaussian",
    offset: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    start: BatchFit | np.ndarray | None = None,
    cov: bool = True,
    tol: float = 1e-7,
    max_iter: int = 100,
) -> BatchFit:
    """Fit a batch of GLMs of one family, vectorised over models.

    Parameters
    ----------
    X : ndarray, shape (n, p) or (B, n, p)
        Design matrices (include the intercept column yourself).
    y : ndarray, shape (n,) or (B, n)
        Outcomes: any real for ``gaussian``, 0/1 for ``logistic``, non-negative counts for
        ``poisson`` and ``negbin``.
    family : {"gaussian", "logistic", "poisson", "negbin"}
        Error distribution; the link is canonical except ``negbin`` (log).
    offset : ndarray, shape (n,) or (B, n), optional
        Added to the linear predictor, e.g. ``log(exposure_h)`` for a rate.
    weights : ndarray, shape (n,) or (B, n), optional
        Non-negative frequency weights; a bootstrap replicate is the count of each row.
    start : BatchFit or ndarray, optional
        Starting values: a fit of one model (for example the full-data fit, the natural start
        of every bootstrap replicate; its ``theta`` too for ``negbin``) or coefficients of
        shape ``(p,)`` or ``(B, p)``. Only the speed depends on it, not the answer.
    cov : bool
        Also return the covariance of the coefficients.
    tol : float
        Convergence when every parameter's (full, not halved) Newton step is below
        ``tol * (1 + |value|)``; that step is still applied, and as Newton's method converges
        quadratically the answer is then accurate to about ``tol**2``.
    max_iter : int
        Newton steps at most (for ``negbin``, for the Poisson start and then the joint fit).

    Returns
    -------
    BatchFit
        Coefficients ``(B, p)``, covariances, ``theta``, log-likelihoods and convergence flags.

    Examples
    --------
    A bootstrap is a batch of weight vectors over one data set; a weight vector of ones is the
    ordinary fit:

    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=200)
    >>> X = np.column_stack([np.ones(200), x])
    >>> y = rng.negative_binomial(2.0, 2.0 / (2.0 + np.exp(0.3 + 0.4 * x)))
    >>> w = np.vstack([np.ones(200), rng.multinomial(200, np.full(200, 1 / 200))])
    >>> fit = fit_batch(X, y, family="negbin", weights=w)
    >>> fit.coef.shape, bool(fit.converged.all())
    ((2, 2), True)
    >>> np.round(fit.coef[0], 3)
    array([0.319, 0.377])
    >>> np.round(fit.theta[0], 2)
    np.float64(1.4)
    """
    check_one_of("family", family, FAMILIES)
    X = np.asarray(X, dtype=float)
    if X.ndim not in (2, 3):
        raise InputError(f"`X` must have shape (n, p) or (B, n, p); got {X.shape}.")
    n = X.shape[-2]
    y = np.asarray(y, dtype=float)
    shapes = [X.shape[0] if X.ndim == 3 else 1]
    for a in (y, offset, weights):
        if a is not None and np.ndim(a) == 2:
            shapes.append(np.shape(a)[0])
    batched = {s for s in shapes if s != 1}
    if len(batched) > 1:
        raise InputError(f"batched arguments disagree on the number of models: {sorted(batched)}.")
    B = batched.pop() if batched else 1
    y = _as_batch("y", y, n, B, 0.0)
    off = _as_batch("offset", offset, n, B, 0.0)
    w = _as_batch("weights", weights, n, B, 1.0)
    if not (np.isfinite(X).all() and np.isfinite(y).all() and np.isfinite(off).all()):
        raise InputError("`X`, `y` and `offset` must be finite (drop or impute missing values).")
    if (w < 0).any() or not np.isfinite(w).all():
        raise InputError("`weights` must be finite and non-negative.")
    if family in ("poisson", "negbin") and ((y < 0).any() or (y != np.round(y)).any()):
        raise InputError(f"family {family!r} needs non-negative whole counts in `y`.")
    if family == "logistic" and not np.isin(y, (0.0, 1.0)).all():
        raise InputError("family 'logistic' needs `y` coded 0/1.")
    design = _Design(X)
    beta0, theta0 = _start_values(start, B, X.shape[-1])
    # Trial steps may overflow exp(); they get a log-likelihood of -inf or NaN and are halved.
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if family == "gaussian":
            return _fit_gaussian(design, y, off, w, B, cov)
        if family in ("logistic", "poisson"):
            return _fit_canonical(design, y, off, w, B, family, cov, tol, max_iter, beta0)
        return _fit_negbin(design, y, off, w, B, cov, tol, max_iter, beta0, theta0)


def _start_values(start, B: int, p: int):
    if start is None:
        return None, None
    theta = None
    if isinstance(start, BatchFit):
        coef = start.coef
        if start.family == "negbin":
            theta = np.broadcast_to(start.theta, (B,)).astype(float)
    else:
        coef = np.asarray(start, dtype=float)
    if coef.shape[-1] != p or coef.ndim > 2 or (coef.ndim == 2 and coef.shape[0] not in (1, B)):
        raise InputError(f"`start` must hold {p} coefficients per model; got shape {coef.shape}.")
    return np.array(np.broadcast_to(coef, (B, p)), dtype=float), theta


def _full(w: np.ndarray, B: int) -> np.ndarray:
    return np.ascontiguousarray(np.broadcast_to(w, (B, w.shape[1])))


def _fit_gaussian(design, y, off, w, B, want_cov) -> BatchFit:
    w = _full(w, B)
    yo = y - off
    G = design.gram(w)
    beta = _solve(G, design.xtv(w * yo))
    resid = yo - design.eta(beta)
    sw = w.sum(axis=1)
    rss = _rowdot(w, resid * resid)
    scale = rss / (sw - design.p)
    sigma2_ml = rss / sw
    loglik = -0.5 * sw * (np.log(2 * np.pi * sigma2_ml) + 1.0)
    covm = _inv(G) * scale[:, None, None] if want_cov else None
    nan = np.full(B, np.nan)
    ok = np.isfinite(beta).all(axis=1)
    return BatchFit(beta, covm, nan, scale, loglik, ok, np.zeros(B, bool), 1, "gaussian")


def _start(design, y, off, w, B, family):
    """Starting coefficients: one weighted least-squares step from mu = y (+ a little)."""
    if family == "logistic":
        mu = (w * y + 0.5) / (w + 1.0)
        z = np.log(mu / (1 - mu))
        ww = w * mu * (1 - mu)
    else:
        mu = y + 0.1
        z = np.log(mu) - off
        ww = w * mu
    ww = _full(ww, B)
    return _solve(design.gram(ww), design.xtv(ww * z))


def _loglik_canonical(family, y, eta, w, wy):
    if family == "poisson":
        return _rowdot(wy, eta) - _rowdot(w, np.exp(eta))
    return _rowdot(wy, eta) - _rowdot(w, np.logaddexp(0.0, eta))


def _fit_canonical(design, y, off, w, B, family, want_cov, tol, max_iter, beta0) -> BatchFit:
    w = _full(w, B)
    wy = w * y
    beta = _start(design, y, off, w, B, family) if beta0 is None else beta0.copy()
    eta = off + design.eta(beta)
    ll = _loglik_canonical(family, y, eta, w, wy)
    converged = np.zeros(B, bool)
    it = 0
    for it in range(1, max_iter + 1):  # noqa: B007 - it is reported
        mu = np.exp(eta) if family == "poisson" else special.expit(eta)
        var = mu if family == "poisson" else mu * (1 - mu)
        step = _solve(design.gram(w * var), design.xtv(w * (y - mu)))
        step = np.where(np.isfinite(step), step, 0.0)
        beta_new = beta + step
        eta_new = off + design.eta(beta_new)
        ll_new = _loglik_canonical(family, y, eta_new, w, wy)
        bad = ~(ll_new >= ll - 1e-9 * (1 + np.abs(ll)))
        halvings = 0
        while bad.any() and halvings < 30:
            halvings += 1
            rows = np.flatnonzero(bad)
            beta_new[rows] = beta[rows] + step[rows] * 0.5**halvings
            sub = design.take(rows)
            eta_new[rows] = _take(off, rows) + sub.eta(beta_new[rows])
            ll_new[rows] = _loglik_canonical(family, _take(y, rows), eta_new[rows], w[rows],
                                             wy[rows])
            bad[rows] = ~(ll_new[rows] >= ll[rows] - 1e-9 * (1 + np.abs(ll[rows])))
        small = (np.abs(step) <= tol * (1 + np.abs(beta))).all(axis=1)
        beta, eta, ll = beta_new, eta_new, ll_new
        converged |= small
        if converged.all():
            break
    mu = np.exp(eta) if family == "poisson" else special.expit(eta)
    var = mu if family == "poisson" else mu * (1 - mu)
    covm = _inv(design.gram(w * var)) if want_cov else None
    if family == "poisson":
        ll = ll - _rowdot(w, np.broadcast_to(special.gammaln(y + 1), w.shape))
    ones = np.ones(B)
    return BatchFit(beta, covm, np.full(B, np.nan), ones, ll, converged, np.zeros(B, bool), it,
                    family)


def _take(a: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Rows of a (1, n) or (B, n) array (a shared row broadcasts)."""
    return a if a.shape[0] == 1 else a[rows]


class _Work:
    """Preallocated (B, n) buffers for the NB iterations.

    Writing ufunc results into the same buffers every iteration (``out=``) instead of fresh
    temporaries makes the elementwise work several times cheaper: fresh large arrays cost page
    faults and cache misses that dominate simple arithmetic.
    """

    names = ("eta", "mu", "r", "l1p", "a", "b", "c")

    _cache = threading.local()  # one set of buffers per thread, reused by the next fit
    _CACHE_BYTES = 64 * 2**20

    def __init__(self, B: int, n: int):
        for name in self.names:
            setattr(self, name, np.empty((B, n)))

    @classmethod
    def get(cls, B: int, n: int) -> _Work:
        """Buffers for ``B`` models of ``n`` rows: the ones of the thread's last fit if they fit.

        A bootstrap fits chunk after chunk of the same shape. Fresh buffers for each chunk are
        fresh pages from the system, each costing a page fault on its first write. Buffers up to
        64 MiB are kept per thread (threads must not share them).
        """
        ws = getattr(cls._cache, "work", None)
        if ws is not None and ws.eta.shape[0] >= B and ws.eta.shape[1] == n:
            return ws
        ws = cls(B, n)
        if len(cls.names) * B * n * 8 <= cls._CACHE_BYTES:
            cls._cache.work = ws
        return ws

    def views(self, k: int):
        return tuple(getattr(self, name)[:k] for name in self.names)


def _log1p_ratio(mu, theta, r, out, tmp, tmp2):
    """``log1p(mu / theta)`` into ``out``, given ``r = 1 / (theta + mu)``, at the cost of a ``log``.

    NumPy's ``log1p`` is not vectorised and costs three times its ``log``. With
    ``u = fl(1 + x)`` and ``x = mu / theta``, ``u - 1`` is exact, so ``e = (u - 1) - x`` is the
    rounding error of ``u`` and ``log1p(x) = log(u) - e / u`` to first order in ``e`` (|e/u| <=
    2**-53): full precision even for tiny ``x`` (near-Poisson fits, large ``theta``), where
    ``log(theta + mu) - log(theta)`` would cancel. ``1 / u = theta r``.

    Examples
    --------
    Within two units in the last place of ``log1p`` from ``theta = 1e-8`` to ``1e8``:

    >>> theta = 10.0 ** np.arange(-8, 9)
    >>> mu = np.exp(np.random.default_rng(0).uniform(-8, 8, (17, 1000)))
    >>> r = 1 / (theta[:, None] + mu)
    >>> out, t1, t2 = (np.empty_like(mu) for _ in range(3))
    >>> got = _log1p_ratio(mu, theta, r, out, t1, t2)
    >>> exact = np.log1p(mu / theta[:, None])
    >>> bool((np.abs(got - exact) <= 4.5e-16 * exact).all())
    True
    """
    t = theta[:, None]
    np.multiply(mu, 1.0 / t, out=tmp)  # x
    np.add(tmp, 1.0, out=out)  # u
    np.subtract(out, 1.0, out=tmp2)
    np.subtract(tmp2, tmp, out=tmp2)  # e = (u - 1) - x
    np.multiply(tmp2, r, out=tmp2)
    np.multiply(tmp2, t, out=tmp2)  # e / u
    np.log(out, out=out)
    np.subtract(out, tmp2, out=out)
    return out


def _rowdot_mm(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``sum(a * b, axis=1)`` as a stack of dot products (twice as fast as einsum here)."""
    return np.matmul(a[:, None, :], b[:, :, None])[:, 0, 0]


def _nb_eval(design, y, off, w, wy, counts, beta, phi, ws: _Work | None = None):
    """Log-likelihood of NB models at (beta, log theta), and what a Newton step needs.

    Per observation, ``l = sum_{k<y} log1p(k/t) + y log(mu) - (y + t) log1p(mu/t) - lgamma(y+1)``
    (``t`` = theta): the same value as the textbook form, without its cancellation at large
    ``t``.
    """
    k = beta.shape[0]
    ws = ws or _Work(k, w.shape[1])
    eta, mu, r, l1p, a, b, _ = ws.views(k)
    theta = np.exp(phi)
    design.eta_into(beta, eta)
    np.add(eta, off, out=eta)
    np.exp(eta, out=mu)
    np.add(mu, theta[:, None], out=r)
    np.reciprocal(r, out=r)  # r = 1 / (theta + mu)
    _log1p_ratio(mu, theta, r, l1p, a, b)
    lg, dg, tg = counts.sums(theta)
    wl1p = _rowdot_mm(w, l1p)
    ll = lg - counts.const + _rowdot_mm(wy, eta) - _rowdot_mm(wy, l1p) - theta * wl1p
    return ll, (theta, mu, r, dg, tg, wl1p)


def _nb_derivs(design, y, w, wy, parts, ws: _Work):
    """Score and minus the Hessian of the NB log-likelihood in (beta, phi = log theta).

    Returns ``g_beta`` (k, p), ``g_phi`` (k,), ``h_bb`` (k, p, p), ``h_bp`` (k, p) and ``h_pp``
    (k,): the observed information, from what :func:`_nb_eval` left in ``parts`` and ``ws``.
    """
    theta, mu, r, dg, tg, wl1p = parts
    k = theta.shape[0]
    _, _, _, _, u, um, v = ws.views(k)
    mr = ws.eta[:k]  # eta is not needed again before the next evaluation
    np.multiply(mu, r, out=mr)  # mu r
    np.subtract(y, mu, out=u)
    np.multiply(u, r, out=u)
    np.multiply(u, w, out=u)  # u = w (y - mu) r
    g_beta = design.xtv(u) * theta[:, None]  # score: w theta (y - mu) / (theta + mu)
    np.multiply(u, mr, out=um)
    cross = design.xtv(um)  # d2l / deta dtheta = mu (y - mu) / (theta + mu)^2
    np.multiply(w, mr, out=v)  # w mu r
    s_wmr, s_wmr2 = v.sum(axis=1), _rowdot_mm(v, mr)
    # minus d2l/deta2 = w theta mu (y + theta) r^2, and (y + theta) r = 1 + (y - mu) r:
    # w mu r (y + theta) r = w mu r + u mu r
    np.add(v, um, out=v)
    h_bb = design.gram(v) * theta[:, None, None]
    np.multiply(wy, r, out=um)  # w y r
    s_wyr, s_wyr2 = um.sum(axis=1), _rowdot_mm(um, r)
    # dl/dtheta = psi(y+t) - psi(t) - log1p(mu/t) + (mu - y) / (t + mu)
    # d2l/dtheta2 = psi'(y+t) - psi'(t) + (mu r)^2 / t + y r^2       (r = 1 / (t + mu))
    dl_dt = dg - wl1p + s_wmr - s_wyr
    d2l_dt2 = tg + s_wmr2 / theta + s_wyr2
    g_phi = theta * dl_dt
    h_pp = -(theta * theta * d2l_dt2 + theta * dl_dt)  # minus d2l/dphi2
    h_bp = -(theta[:, None] * cross)  # minus d2l/dbeta dphi
    return g_beta, g_phi, h_bb, h_bp, h_pp


def _nb_start_derivs(design, y, off, w, counts, beta, phi):
    """Log-likelihood and derivatives of every model at one shared point (bootstrap start).

    When ``X``, ``y`` and the offset are shared and every model starts from the same
    ``(beta, theta)`` (the full-data fit), each observation's contribution to the
    log-likelihood, score and information is the same in every model, and a model's totals are
    its frequency weights times those contributions: one (B, n) x (n, q) product replaces the
    first evaluation and the first Newton step's elementwise work over (B, n).
    """
    X, XX, p = design.X, design.XX, design.p
    theta = float(np.exp(phi))
    yv, ov = y[0], off[0]
    eta = X @ beta + ov
    mu = np.exp(eta)
    r = 1.0 / (theta + mu)
    l1p = np.log1p(mu / theta)
    mr = mu * r
    lg, dg, tg = (v[0, counts.inverse[0]] for v in counts.terms(np.array([theta])))
    dl = dg - l1p + mr - yv * r
    cols = [
        (lg - special.gammaln(yv + 1.0) + yv * eta - (yv + theta) * l1p)[:, None],  # loglik
        (theta * (yv - mu) * r)[:, None] * X,  # score, beta
        (theta * dl)[:, None],  # score, phi
        (theta * mu * (yv + theta) * r * r)[:, None] * XX,  # information, beta beta (packed)
        (-theta * mu * (yv - mu) * r * r)[:, None] * X,  # information, beta phi
        (-(theta * theta * (tg + mr * mr / theta + yv * r * r) + theta * dl))[:, None],
    ]
    tot = w @ np.concatenate(cols, axis=1)
    k = XX.shape[1]
    ll, g_beta, g_phi = tot[:, 0], tot[:, 1:1 + p], tot[:, 1 + p]
    packed = tot[:, 2 + p:2 + p + k]
    h_bb = np.empty((w.shape[0], p, p))
    h_bb[:, design.iu[0], design.iu[1]] = packed
    h_bb[:, design.iu[1], design.iu[0]] = packed
    h_bp, h_pp = tot[:, 2 + p + k:2 + 2 * p + k], tot[:, -1]
    return ll, (g_beta, g_phi, h_bb, h_bp, h_pp), float(mu.max())


def _nb_direction(g_beta, g_phi, h_bb, h_bp, h_pp):
    """Joint Newton step on (beta, phi = log theta) with the observed information."""
    p = g_beta.shape[1]
    H = np.empty((g_phi.shape[0], p + 1, p + 1))
    H[:, :p, :p] = h_bb
    H[:, :p, p] = h_bp
    H[:, p, :p] = h_bp
    H[:, p, p] = h_pp
    g = np.concatenate([g_beta, g_phi[:, None]], axis=1)
    step = _solve(H, g)
    # Where the joint information is not positive definite (the likelihood is convex in
    # log(theta) on the far side of its maximum, towards the Poisson limit), step beta by Newton
    # on its own block and log(theta) by two units uphill; the caller halves steps that overshoot.
    curv = np.einsum("bi,bi->b", step, g)
    bad = ~(np.isfinite(step).all(axis=1) & (curv > 0) & (h_pp > 0))
    if bad.any():
        step[bad, :p] = _solve(h_bb[bad], g_beta[bad])
        step[bad, p] = 2.0 * np.sign(g_phi[bad])
    step[:, p] = np.clip(step[:, p], -2.0, 2.0)
    return step


def _mu_max(design, off, beta, rows):
    """Largest fitted mean of the models ``rows`` (for the no-over-dispersion test)."""
    out = np.zeros(beta.shape[0])
    if rows.size:
        out[rows] = np.exp(_take(off, rows) + design.take(rows).eta(beta[rows])).max(axis=1)
    return out


def _fit_negbin(design, y, off, w, B, want_cov, tol, max_iter, beta0, theta0) -> BatchFit:
    if beta0 is None:
        beta0 = _fit_canonical(design, y, off, w, B, "poisson", False, 1e-4, min(max_iter, 4),
                               None).coef
    w = _full(w, B)
    wy = w * y
    counts = _CountTable(y, w, B)
    beta = beta0.copy()
    if theta0 is None:
        mu = np.exp(off + design.eta(beta))
        theta0 = w.sum(axis=1) / _rowdot(w, (y / mu - 1.0) ** 2)
    phi = np.log(np.clip(theta0, 1e-3, 1e6))
    phi_lo, phi_hi = np.log(_THETA_MIN), np.log(_THETA_MAX)
    ws = _Work.get(B, w.shape[1])
    shared = (design.shared and y.shape[0] == 1 and off.shape[0] == 1
              and (beta == beta[0]).all() and (phi == phi[0]).all())
    if shared:  # bootstrap and jackknife: one start for all, first step by one GEMM
        ll, derivs, mu_top = _nb_start_derivs(design, y, off, w, counts, beta[0], phi[0])
        mu_top = np.full(B, mu_top)
    else:
        ll, parts = _nb_eval(design, y, off, w, wy, counts, beta, phi, ws)
        derivs = _nb_derivs(design, y, w, wy, parts, ws)
        mu_top = parts[1].max(axis=1)
    converged = np.zeros(B, bool)
    active = np.arange(B)
    # Work only on the models still moving (the "a" arrays): converged ones are left as they are.
    sub, ya, oa, wa, wya, ca = design, y, off, w, wy, counts
    it = 0
    for it in range(1, max_iter + 1):
        step = _nb_direction(*derivs)
        b_old, p_old, ll_old = beta[active], phi[active], ll[active]
        b_new = b_old + step[:, :-1]
        p_new = np.clip(p_old + step[:, -1], phi_lo, phi_hi)
        # Converged when the full Newton step is below tol (the test is on the step, as it is
        # computed, before the new point is evaluated); that last step is taken without
        # evaluating the likelihood there: it changes it by O(step^2), below rounding.
        moved_b = np.abs(step[:, :-1]) <= tol * (1 + np.abs(b_old))
        moved_p = np.abs(p_new - p_old) <= tol * (1 + np.abs(p_old))
        at_top = (p_new >= phi_hi) & (step[:, -1] > 0)
        # Beyond theta = 1e6 (1 + largest mean) the NB and Poisson fits agree to about 1e-6 and
        # the likelihood is flat in theta to rounding: theta's steps are noise, stop on beta.
        flat = np.exp(p_old) > _THETA_FLAT * (1.0 + mu_top)
        small = moved_b.all(axis=1) & (moved_p | at_top | flat)
        done = active[small]
        beta[done], phi[done] = b_new[small], p_new[small]
        converged[done] = True
        keep = ~small
        if not keep.any():
            break
        if not keep.all():
            active = active[keep]
            b_old, p_old, ll_old, b_new, p_new, step = (
                v[keep] for v in (b_old, p_old, ll_old, b_new, p_new, step))
            sub, ya, oa, ca = sub.take(keep), _take(ya, keep), _take(oa, keep), ca.take(keep)
            wa, wya = wa[keep], wya[keep]
        ll_new, parts = _nb_eval(sub, ya, oa, wa, wya, ca, b_new, p_new, ws)
        bad = ~(ll_new >= ll_old - 1e-9 * (1 + np.abs(ll_old)))
        halvings = 0
        while bad.any() and halvings < 30:
            halvings += 1
            r = np.flatnonzero(bad)
            b_new[r] = b_old[r] + step[r, :-1] * 0.5**halvings
            p_new[r] = np.clip(p_old[r] + step[r, -1] * 0.5**halvings, phi_lo, phi_hi)
            ll_r, parts_r = _nb_eval(sub.take(r), _take(ya, r), _take(oa, r), wa[r], wya[r],
                                     ca.take(r), b_new[r], p_new[r])
            ll_new[r] = ll_r
            for full, part in zip(parts, parts_r):
                full[r] = part
            bad[r] = ~(ll_r >= ll_old[r] - 1e-9 * (1 + np.abs(ll_old[r])))
        beta[active], phi[active], ll[active] = b_new, p_new, ll_new
        if it == max_iter:
            break
        derivs = _nb_derivs(sub, ya, wa, wya, parts, ws)
        # the largest mean matters only where theta is near the no-over-dispersion limit
        mu_top = np.zeros(active.size)
        near = np.flatnonzero(parts[0] > _THETA_FLAT)
        mu_top[near] = parts[1][near].max(axis=1)
    theta = np.exp(phi)
    covm = None
    if want_cov:
        mu = np.exp(off + design.eta(beta))
        covm = _inv(design.gram(w * (mu / (1.0 + mu / theta[:, None]))))
    mu_max = _mu_max(design, off, beta, np.flatnonzero(theta > _THETA_FLAT))
    at_bound = (phi >= phi_hi - 1e-12) | (theta > _THETA_FLAT * (1.0 + mu_max))
    return BatchFit(beta, covm, theta, np.ones(B), ll, converged, at_bound, it, "negbin")
