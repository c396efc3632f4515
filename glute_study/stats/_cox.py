"""The Cox partial likelihood: the one home of its sums, its Newton fit and its score residuals.

Rows are counting-process intervals ``(start, stop]`` with an event indicator and a stratum; a
row is at risk at time ``t`` of its stratum when ``start < t <= stop`` (plain survival data is
the case ``start = -inf``). Ties among events are handled by Efron's or Breslow's rule.

Every sum is vectorised. For each stratum the event times are found once
(:class:`RiskSets`); at each evaluation the risk-set sums at an event time are the sums over
rows that have entered by ``t`` (``start < t``) minus those that have left before it
(``stop < t``), two cumulative sums over the rows sorted by start and by stop. The information
matrix and the score residuals use the same trick the other way round: each row gathers the
hazard increments of the event times inside its interval from one cumulative sum over event
times, so nothing costs more than ``O(n p^2)``.

:func:`fit_cox` is the Newton-Raphson fit R ``coxph`` makes (step halving when the
log-likelihood falls); :func:`robust_cov` is the grouped-dfbeta sandwich of Lin and Wei (1989),
R's ``cluster(id)``. A ridge on some coefficients (:class:`Penalty`) carries the penalised fits
such as the shared gamma frailty of :mod:`glute_study.stats.recurrent`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ._cluster import crs_vcov

__all__ = ["CoxCore", "Penalty", "RiskSets", "cox_sums", "fit_cox", "robust_cov"]


@dataclass(eq=False)
class _Stratum:
    rows: np.ndarray        # row positions in the stratum
    by_start: np.ndarray    # positions within the stratum, sorted by start
    by_stop: np.ndarray     # ... sorted by stop
    n_entered: np.ndarray   # per event time: rows with start < t
    n_left: np.ndarray      # per event time: rows with stop < t
    lo: np.ndarray          # per row: event times <= start
    hi: np.ndarray          # per row: event times <= stop
    deaths: np.ndarray      # positions within the stratum of the event rows, by event time
    k: np.ndarray           # event-time index of each of them
    frac: np.ndarray        # Efron's r / d of each of them (0 for Breslow)
    n_times: int


@dataclass(eq=False)
class RiskSets:
    """The risk-set structure of ``(start, stop]`` data by stratum, built once per data set.

    Parameters
    ----------
    start, stop : array
        Interval ends (``start < stop``); ``start=None`` means every row is at risk from the
        beginning (plain survival times).
    event : array of 0/1
    strata : array of int, optional
        Stratum codes (one common baseline hazard when None).
    efron : bool
        Efron's handling of tied events (else Breslow's).

    Examples
    --------
    >>> rs = RiskSets(np.array([0.0, 0, 2]), np.array([2.0, 3, 5]), np.array([1, 0, 1]))
    >>> rs.n, rs.n_events
    (3, 2)
    """

    start: np.ndarray | None
    stop: np.ndarray
    event: np.ndarray
    strata: np.ndarray | None = None
    efron: bool = True
    parts: list = field(init=False, repr=False)

    def __post_init__(self) -> None:
        stop = np.asarray(self.stop, float)
        start = np.full(len(stop), -np.inf) if self.start is None else np.asarray(self.start,
                                                                                  float)
        event = np.asarray(self.event, float)
        codes = np.zeros(len(stop), int) if self.strata is None else np.asarray(self.strata)
        self.parts = []
        for s in np.unique(codes):
            rows = np.flatnonzero(codes == s)
            b, e, d = start[rows], stop[rows], event[rows] == 1
            times = np.unique(e[d])
            by_start = np.argsort(b, kind="stable")
            by_stop = np.argsort(e, kind="stable")
            deaths = np.flatnonzero(d)
            k = np.searchsorted(times, e[deaths])
            order = np.argsort(k, kind="stable")
            deaths, k = deaths[order], k[order]
            n_d = np.bincount(k, minlength=len(times))
            first = np.r_[0, np.cumsum(n_d)[:-1]]
            rank = np.arange(len(k)) - first[k]
            frac = rank / n_d[k] if self.efron else np.zeros(len(k))
            self.parts.append(_Stratum(
                rows=rows, by_start=by_start, by_stop=by_stop,
                n_entered=np.searchsorted(b[by_start], times, side="left"),
                n_left=np.searchsorted(e[by_stop], times, side="left"),
                lo=np.searchsorted(times, b, side="right"),
                hi=np.searchsorted(times, e, side="right"),
                deaths=deaths, k=k, frac=frac, n_times=len(times)))

    @property
    def n(self) -> int:
        """Rows."""
        return len(self.stop)

    @property
    def n_events(self) -> int:
        """Events."""
        return int(sum(len(p.deaths) for p in self.parts))


def _cum0(a: np.ndarray) -> np.ndarray:
    """Cumulative sum along the first axis with a leading zero row."""
    out = np.zeros((a.shape[0] + 1,) + a.shape[1:])
    np.cumsum(a, axis=0, out=out[1:])
    return out


@dataclass(eq=False)
class CoxSums:
    """Log partial likelihood, score and information at one linear predictor."""

    loglik: float
    score: np.ndarray
    info: np.ndarray
    resid: np.ndarray | None = None


def cox_sums(rs: RiskSets, x: np.ndarray, eta: np.ndarray, *, residuals: bool = False,
             groups: np.ndarray | None = None, n_groups: int = 0) -> CoxSums:
    """Log partial likelihood, score and information of the columns ``x`` at ``eta``.

    With ``groups`` (codes 0..n_groups-1) the parameters are the columns of ``x`` followed by
    one shared log-frailty per group (a one-hot design that is never formed: its blocks are
    gathered by group). ``residuals=True`` adds the score residuals of ``x`` (R ``coxph``'s
    ``residuals(type = "score")``), one row per data row.

    Examples
    --------
    >>> rs = RiskSets(None, np.array([1.0, 2, 3, 4]), np.array([1, 1, 0, 1]))
    >>> x = np.array([[0.0], [1], [0], [1]])
    >>> s = cox_sums(rs, x, np.zeros(4))
    >>> round(s.loglik, 6), s.score.round(6).tolist()
    (-2.484907, [-0.166667])
    """
    n, p = x.shape
    q = n_groups if groups is not None else 0
    m = p + q
    loglik = 0.0
    score = np.zeros(m)
    info = np.zeros((m, m))
    resid = np.zeros((n, p)) if residuals else None
    for part in rs.parts:
        if part.n_times == 0:
            continue
        xs = x[part.rows]
        et = eta[part.rows]
        w = np.exp(et - et.max())  # a shift per stratum cancels from every term
        wx = w[:, None] * xs
        k, f, dr = part.k, part.frac, part.deaths

        def at_times(v, part=part):
            ent = _cum0(v[part.by_start])[part.n_entered]
            left = _cum0(v[part.by_stop])[part.n_left]
            return ent - left

        s0 = at_times(w)
        s1 = at_times(wx)
        d0 = np.bincount(k, weights=w[dr], minlength=part.n_times)
        d1 = np.zeros((part.n_times, p))
        np.add.at(d1, k, wx[dr])
        a0 = s0[k] - f * d0[k]
        a1 = s1[k] - f[:, None] * d1[k]
        mean = a1 / a0[:, None]
        loglik += float(et[dr].sum() - et.max() * len(dr) - np.log(a0).sum())
        score[:p] += xs[dr].sum(axis=0) - mean.sum(axis=0)
        inv = 1.0 / a0
        h = np.bincount(k, weights=inv, minlength=part.n_times)
        g = np.bincount(k, weights=(1 - f) * inv, minlength=part.n_times)
        hc = _cum0(h)
        c = hc[part.hi] - hc[part.lo]
        c[dr] -= (h - g)[k]
        v = w * c
        info[:p, :p] += (xs * v[:, None]).T @ xs - mean.T @ mean
        if groups is not None:
            gr = groups[part.rows]
            # per-group risk-set sums at each event time: a row adds its weight from the
            # first event time after its start to the last one at or before its stop
            steps = np.zeros((part.n_times + 1, q))
            np.add.at(steps, (part.lo, gr), w)
            np.add.at(steps, (part.hi, gr), -w)
            s1g = np.cumsum(steps, axis=0)[:-1]
            d1g = np.zeros((part.n_times, q))
            np.add.at(d1g, (k, gr[dr]), w[dr])
            meang = (s1g[k] - f[:, None] * d1g[k]) * inv[:, None]
            score[p:] += np.bincount(gr[dr], minlength=q) - meang.sum(axis=0)
            xg = np.zeros((q, p))
            np.add.at(xg, gr, xs * v[:, None])
            info[p:, :p] += xg - meang.T @ mean
            info[p:, p:] += np.diag(np.bincount(gr, weights=v, minlength=q)) - meang.T @ meang
        if residuals:
            mh1 = np.zeros((part.n_times, p))
            np.add.at(mh1, k, mean * inv[:, None])
            mh2 = np.zeros((part.n_times, p))
            np.add.at(mh2, k, mean * ((1 - f) * inv)[:, None])
            mh3 = np.zeros((part.n_times, p))
            np.add.at(mh3, k, mean)
            mh3 /= np.bincount(k, minlength=part.n_times)[:, None]
            mc = _cum0(mh1)
            big_m = mc[part.hi] - mc[part.lo]
            big_m[dr] -= (mh1 - mh2)[k]
            r = -(wx * c[:, None] - w[:, None] * big_m)
            r[dr] += xs[dr] - mh3[k]
            resid[part.rows] = r
    if groups is not None:
        info[:p, p:] = info[p:, :p].T
    return CoxSums(loglik, score, info, resid)


@dataclass(eq=False)
class Penalty:
    """A penalty ``-nu * sum(exp(b) - b)`` on the shared log-frailties (R's gamma frailty).

    ``nu`` is the inverse of the frailty variance theta; ``groups`` are the codes of the rows.
    """

    nu: float
    groups: np.ndarray
    n_groups: int

    def value(self, b: np.ndarray) -> float:
        return float(-self.nu * np.sum(np.exp(b) - b))

    def grad(self, b: np.ndarray) -> np.ndarray:
        return -self.nu * (np.exp(b) - 1)

    def hess(self, b: np.ndarray) -> np.ndarray:
        return self.nu * np.exp(b)


@dataclass(eq=False)
class CoxCore:
    """A fitted (possibly penalised) Cox model.

    Attributes
    ----------
    coef : array
        Coefficients of ``x`` (log hazard ratios).
    frailty : array or None
        Log-frailties per group of a penalised fit.
    cov : array
        Inverse information of ``coef`` (for a penalised fit: the ``coef`` block of the inverse
        penalised information).
    loglik, loglik0 : float
        Log partial likelihood at the estimate and at zero (without the penalty).
    iterations : int
    converged : bool
    score : array
        Score at the estimate (the penalised score for a penalised fit).
    info : array
        Information at the estimate (full, with the frailty blocks for a penalised fit).
    """

    coef: np.ndarray
    cov: np.ndarray
    loglik: float
    loglik0: float
    iterations: int
    converged: bool
    score: np.ndarray
    info: np.ndarray
    frailty: np.ndarray | None = None

    runaway: np.ndarray | None = None

    @property
    def infinite(self) -> np.ndarray:
        """Which coefficients run off to infinity: R ``coxph.fit``'s monotone-likelihood check.

        The Newton step still left, ``|U V|``, is not negligible next to the coefficient
        (``eps = 1e-9``, ``toler.inf = sqrt(eps)``), judged where R stops iterating (the
        log-likelihood changes by less than ``eps`` relative): iterating on, the score of a
        runaway coefficient underflows to 0 and the step would look negligible.
        """
        if self.runaway is not None:
            return self.runaway
        return _runaway(self.score[: len(self.coef)], self.cov, self.coef)


def _runaway(score: np.ndarray, cov: np.ndarray, coef: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", over="ignore"):
        step = np.abs(score @ cov)
        return (step > 1e-9) & (step > np.sqrt(1e-9) * np.abs(coef))


def fit_cox(rs: RiskSets, x: np.ndarray, *, offset: np.ndarray | None = None,
            penalty: Penalty | None = None, init: np.ndarray | None = None,
            maxiter: int = 50, tol: float = 1e-18) -> CoxCore:
    """Newton-Raphson fit of the (penalised) Cox partial likelihood.

    Columns are centred on their means (which changes nothing but rounding, as in R).
    Iterations stop when the Newton decrement (half the squared step measured in the
    information) is below ``tol`` times the absolute log-likelihood; a step that lowers the
    (penalised) log-likelihood is halved, as in R ``coxph.fit``.

    Examples
    --------
    >>> rs = RiskSets(None, np.array([1.0, 2, 3, 4, 5]), np.array([1, 1, 0, 1, 1]))
    >>> fit = fit_cox(rs, np.array([[0.0], [1], [0], [1], [0]]))
    >>> round(float(fit.coef[0]), 6), fit.converged  # R coxph: 0.8341151931
    (0.834115, True)
    """
    n, p = x.shape
    xc = x - x.mean(axis=0)
    off = np.zeros(n) if offset is None else offset
    groups, q = (None, 0) if penalty is None else (penalty.groups, penalty.n_groups)
    par = np.zeros(p + q) if init is None else np.asarray(init, float).copy()

    def evaluate(par):
        eta = off + xc @ par[:p]
        if q:
            eta = eta + par[p:][groups]
        s = cox_sums(rs, xc, eta, groups=groups, n_groups=q)
        pl = s.loglik
        u, h = s.score.copy(), s.info.copy()
        if q:
            b = par[p:]
            pl += penalty.value(b)
            u[p:] += penalty.grad(b)
            h[p:, p:] += np.diag(penalty.hess(b))
        return pl, u, h, s

    loglik0 = cox_sums(rs, xc, off).loglik
    pl, u, h, s = evaluate(par)
    converged = False
    runaway = None
    it = 0
    while it < maxiter:
        it += 1
        try:
            step = np.linalg.solve(h, u)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.isfinite(step)):
            break
        if 0.5 * float(u @ step) <= tol * max(abs(pl), 1.0):
            converged = True
            break
        for _ in range(30):
            new = par + step
            if q:  # the partial likelihood ignores a common shift of the frailties
                new[p:] -= np.log(np.mean(np.exp(new[p:])))
            res = evaluate(new)
            if np.isfinite(res[0]) and res[0] >= pl - 1e-12 * max(abs(pl), 1.0):
                break
            step = step / 2
        par = new
        r_stop = runaway is None and abs(res[0] - pl) <= 1e-9 * max(abs(res[0]), 1e-300)
        pl, u, h, s = res
        if r_stop:  # where R coxph.fit stops: its monotone-likelihood check is read here
            try:
                runaway = _runaway(u[:p], np.linalg.solve(h, np.eye(p + q)[:, :p])[:p],
                                   par[:p])
            except np.linalg.LinAlgError:
                runaway = None
    try:
        cov = np.linalg.solve(h, np.eye(p + q)[:, :p])[:p]
    except np.linalg.LinAlgError:
        cov = np.full((p, p), np.nan)
    return CoxCore(coef=par[:p], cov=cov, loglik=s.loglik, loglik0=loglik0,
                   iterations=it, converged=converged, score=u, info=h,
                   frailty=par[p:] if q else None, runaway=runaway)


def robust_cov(rs: RiskSets, x: np.ndarray, fit: CoxCore, cluster: np.ndarray,
               offset: np.ndarray | None = None) -> np.ndarray:
    """Lin-Wei robust covariance: ``D'D`` with ``D`` the dfbetas summed within clusters.

    The dfbeta of a row is its score residual times the inverse information; summed within
    each cluster (athlete) and crossed, as R ``coxph(... + cluster(id))``: the CR0 sandwich of
    :func:`glute_study.stats._cluster.crs_vcov` with the score residuals as the scores.

    Examples
    --------
    >>> rs = RiskSets(None, np.array([1.0, 2, 3, 4, 5]), np.array([1, 1, 0, 1, 1]))
    >>> x = np.array([[0.0], [1], [0], [1], [0]])
    >>> fit = fit_cox(rs, x)
    >>> robust_cov(rs, x, fit, np.arange(5)).shape
    (1, 1)
    """
    xc = x - x.mean(axis=0)
    eta = xc @ fit.coef + (0 if offset is None else offset)
    r = cox_sums(rs, xc, eta, residuals=True).resid
    codes = np.unique(cluster, return_inverse=True)[1]
    # the CR0 sandwich of stats/_cluster.py: V (sum over clusters of U_j U_j') V
    return crs_vcov(r, codes, fit.cov, type="CR0").cov
