r"""Logistic regression for "any cramp", with separation detected instead of silent huge ORs.

With few athletes and strong predictors (prior cramps, a trial arm with no events) a predictor
can separate the outcome: some linear combination of the terms predicts it perfectly for all
(complete separation) or part (quasi-complete) of the sample. Maximum likelihood then has no
finite estimate, and software usually returns enormous odds ratios with enormous standard errors
and a "converged" flag. :func:`logistic_model` checks for separation first with the linear
programme of Konis (2007), names the terms whose estimates are infinite, and either stops with
that message or, with ``firth=True``, fits Firth's (1993) penalised likelihood, whose estimates
are always finite.

Firth's method maximises :math:`\ell(\beta) + \tfrac12 \log|X^\top W X|`; its modified score is
:math:`X^\top (y - \pi + h (\tfrac12 - \pi))` with :math:`h` the diagonal of the hat matrix
:math:`W^{1/2} X (X^\top W X)^{-1} X^\top W^{1/2}`. For logistic regression this is the same as
the mean bias reduction of R ``brglm2`` (``type = "AS_mean"``), whose estimates and Wald
standard errors :math:`\sqrt{\mathrm{diag}(X^\top W X)^{-1}}` we match. (R ``logistf`` gives the
same estimates but profile penalised-likelihood intervals.)
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from .._checks import check_level, check_one_of
from ..errors import FitWarning, InputError
from ._design import build_design
from ._result import Result, format_ci, format_number, format_p

__all__ = ["detect_separation", "logistic_model"]

_MIN_EVENTS_PER_PARAMETER = 10


def _lp_max(c, A):
    """max c'b subject to A b >= 0 and -1 <= b <= 1 (value, solution)."""
    res = optimize.linprog(-c, A_ub=-A, b_ub=np.zeros(len(A)), bounds=[(-1, 1)] * A.shape[1],
                           method="highs")
    if res.status != 0:  # pragma: no cover - the feasible set always contains b = 0
        raise RuntimeError(f"separation check failed: {res.message}")
    return -res.fun, res.x


def detect_separation(X: np.ndarray, y: np.ndarray, terms: list[str]) -> dict:
    """Check a binary outcome for complete or quasi-complete separation (Konis 2007).

    A direction :math:`b \\ne 0` with :math:`(2y_i - 1)\\,x_i^\\top b \\ge 0` for every row
    means the likelihood keeps rising along :math:`b`: the estimates of the terms that such
    directions move are infinite. Each term is checked with two small linear programmes.

    Parameters
    ----------
    X : ndarray, shape (n, p)
        Design matrix.
    y : ndarray of 0/1
    terms : list of str
        Column names of ``X``.

    Returns
    -------
    dict
        ``separated`` (bool), ``kind`` ("complete", "quasi-complete" or None), ``terms`` (the
        terms with infinite estimates) and ``direction`` (+1 / -1 / 0 per term, as R
        ``brglm2::detect_separation`` reports Inf / -Inf / 0).

    Examples
    --------
    >>> X = np.column_stack([np.ones(6), [1.0, 2, 3, 4, 5, 6]])
    >>> detect_separation(X, np.array([0, 0, 0, 1, 1, 1]), ["Intercept", "x"])["kind"]
    'complete'
    >>> detect_separation(X, np.array([0, 1, 0, 1, 1, 0]), ["Intercept", "x"])["separated"]
    False
    """
    X = np.asarray(X, dtype=float)
    scale = np.max(np.abs(X), axis=0)
    scale[scale == 0] = 1.0
    A = (2 * np.asarray(y, dtype=float) - 1)[:, None] * (X / scale)
    tol = 1e-7
    direction = np.zeros(X.shape[1], dtype=int)
    for j in range(X.shape[1]):
        e = np.zeros(X.shape[1])
        e[j] = 1.0
        up, _ = _lp_max(e, A)
        down, _ = _lp_max(-e, A)
        if up > tol:
            direction[j] = 1
        elif down > tol:
            direction[j] = -1
    separated = bool(np.any(direction != 0))
    kind = None
    if separated:
        # complete: some b makes every (2y - 1) x'b strictly positive
        n, p = A.shape
        c = np.zeros(p + 1)
        c[-1] = 1.0
        res = optimize.linprog(-c, A_ub=np.column_stack([-A, np.ones(n)]), b_ub=np.zeros(n),
                               bounds=[(-1, 1)] * p + [(None, 1)], method="highs")
        kind = "complete" if res.status == 0 and -res.fun > tol else "quasi-complete"
    return {"separated": separated, "kind": kind,
            "terms": [t for t, d in zip(terms, direction) if d != 0],
            "direction": dict(zip(terms, direction.tolist()))}


def _irls(X, y, firth, max_iter=100, tol=1e-10):
    """Newton-Raphson for the (Firth-penalised) logistic log-likelihood, with step halving."""
    p = X.shape[1]
    beta = np.zeros(p)

    def objective(b):
        eta = X @ b
        ll = np.sum(y * eta - np.logaddexp(0, eta))
        if firth:
            pi = special.expit(eta)
            info = X.T @ (X * (pi * (1 - pi))[:, None])
            sign, logdet = np.linalg.slogdet(info)
            ll += 0.5 * logdet if sign > 0 else -np.inf
        return ll

    current = objective(beta)
    converged = False
    for _ in range(max_iter):
        pi = special.expit(X @ beta)
        w = pi * (1 - pi)
        info = X.T @ (X * w[:, None])
        inv = np.linalg.inv(info)
        resid = y - pi
        if firth:
            h = np.einsum("ij,jk,ik->i", X, inv, X) * w
            resid = resid + h * (0.5 - pi)
        step = inv @ (X.T @ resid)
        t = 1.0
        while True:
            cand = beta + t * step
            value = objective(cand)
            if value >= current - 1e-12 or t < 1e-8:
                break
            t /= 2
        beta, current = cand, value
        if np.max(np.abs(t * step)) < tol:
            converged = True
            break
    pi = special.expit(X @ beta)
    cov = np.linalg.inv(X.T @ (X * (pi * (1 - pi))[:, None]))
    return beta, cov, current, converged


def _penalised(X, y, firth):
    """(Penalised) log-likelihood and its gradient (Firth's modified score)."""

    def fun(b):
        eta = X @ b
        pi = special.expit(eta)
        w = pi * (1 - pi)
        ll = np.sum(y * eta - np.logaddexp(0, eta))
        resid = y - pi
        if firth:
            info = X.T @ (X * w[:, None])
            sign, logdet = np.linalg.slogdet(info)
            if sign <= 0:
                return -np.inf, np.zeros_like(b)
            h = np.einsum("ij,jk,ik->i", X, np.linalg.inv(info), X) * w
            ll += 0.5 * logdet
            resid = resid + h * (0.5 - pi)
        return ll, X.T @ resid

    return fun


def _profile(fun, beta, j, value):
    """Maximum of ``fun`` over every coefficient but ``j``, held at ``value``."""
    free = np.arange(len(beta)) != j

    def neg(b_free):
        b = beta.copy()
        b[free] = b_free
        b[j] = value
        ll, grad = fun(b)
        return -ll, -grad[free]

    if not free.any():
        return fun(np.array([value]))[0]
    res = optimize.minimize(neg, beta[free], jac=True, method="BFGS",
                            options={"gtol": 1e-9, "maxiter": 1000})
    return -res.fun


def _profile_interval(fun, beta, loglik, se, j, level):
    """Profile (penalised) likelihood interval for coefficient ``j`` and the LR-test p-value."""
    drop = stats.chi2.ppf(level, 1) / 2

    def gap(v):
        return _profile(fun, beta, j, v) - (loglik - drop)

    limits = []
    for sign in (-1, 1):
        step = max(se[j], 1e-3)
        far = beta[j] + sign * step
        tries = 0
        while gap(far) > 0 and tries < 60:
            step *= 2
            far = beta[j] + sign * step
            tries += 1
        if gap(far) > 0:
            limits.append(sign * np.inf)
            continue
        limits.append(optimize.brentq(gap, min(beta[j], far), max(beta[j], far), xtol=1e-12,
                                      rtol=1e-12))
    stat = max(0.0, 2 * (loglik - _profile(fun, beta, j, 0.0)))
    return limits[0], limits[1], float(stats.chi2.sf(stat, 1))


def _phrase(term: str, reference: str | None) -> str:
    from .counts import _term_phrase

    return _term_phrase(term, reference)


def logistic_model(
    data: pd.DataFrame,
    formula: str,
    *,
    firth: bool = False,
    ci: str = "wald",
    level: float = 0.95,
) -> Result:
    """Logistic regression of a binary outcome (e.g. any cramp during follow-up) with ORs.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per participant.
    formula : str
        ``"any_cramp ~ sitting_h_day + prior_cramps"``; the outcome must be 0/1 (or boolean,
        e.g. ``"I(cramps > 0) ~ ..."``).
    firth : bool
        Fit Firth's penalised likelihood (finite estimates under separation; less small-sample
        bias). Without it, a separated outcome raises :class:`InputError` naming the terms.
    ci : {"wald", "profile"}
        ``"wald"``: :math:`\\hat\\beta \\pm z\\,\\mathrm{SE}` with the Wald p-value (R
        ``confint.default``; brglm2's summary). ``"profile"``: profile (penalised, under Firth)
        likelihood intervals with likelihood-ratio p-values, as R ``confint(glm)`` and
        ``logistf`` report; recommended under separation or small samples (Heinze & Schemper
        2002), where Wald intervals of Firth estimates are poor.
    level : float
        Confidence level.

    Returns
    -------
    Result
        ``estimate`` = odds ratio with its CI; extra columns ``coef`` (log odds), ``se``, ``z``.
        ``.diagnostics``: n, events, events per parameter, separation check, convergence,
        log-likelihood (penalised under Firth), method.

    Raises
    ------
    InputError
        The outcome is not binary, or it is separated and ``firth`` is False.

    Warns
    -----
    FitWarning
        No convergence; fewer than 10 of the rarer outcome per parameter.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> df = pd.DataFrame({"sitting_h_day": rng.normal(9, 1.5, 400),
    ...                    "prior_cramps": rng.integers(0, 2, 400)})
    >>> lin = -1 + 0.2 * (df.sitting_h_day - 9) + 1.2 * df.prior_cramps
    >>> df["any_cramp"] = (rng.random(400) < 1 / (1 + np.exp(-lin))).astype(int)
    >>> res = logistic_model(df, "any_cramp ~ sitting_h_day + prior_cramps")
    >>> res.table[["term", "estimate", "ci_low", "ci_high"]].round(2)
                term  estimate  ci_low  ci_high
    0      Intercept      0.01    0.00     0.05
    1  sitting_h_day      1.45    1.25     1.69
    2   prior_cramps      3.60    2.32     5.58
    >>> tiny = pd.DataFrame({"y": [0, 0, 0, 1, 1, 1, 0, 1], "x": [1, 2, 3, 4, 5, 6, 2, 5]})
    >>> logistic_model(tiny, "y ~ x")
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: the outcome y is completely separated by x: ...
    """
    level = check_level(level)
    check_one_of("ci", ci, ["wald", "profile"])
    d = build_design(data, formula, what="logistic_model")
    y = d.y
    if not np.all(np.isin(y, (0.0, 1.0))):
        bad = y[~np.isin(y, (0.0, 1.0))]
        raise InputError(
            f"the outcome {d.outcome!r} must be binary (0/1 or True/False); found e.g. "
            f"{bad[0]!r}. For 'any cramp' write e.g. 'I(cramps > 0) ~ ...'."
        )
    if y.min() == y.max():
        raise InputError(f"the outcome {d.outcome!r} takes only the value {y[0]:g}.")
    X = d.X
    if np.linalg.matrix_rank(X) < X.shape[1]:
        raise InputError(f"the terms of {formula!r} are collinear; drop a redundant term.")
    sep = detect_separation(X, y, d.terms)
    if sep["separated"] and not firth:
        which = ", ".join(t for t in sep["terms"] if t != "Intercept") or "the intercept"
        raise InputError(
            f"the outcome {d.outcome} is {sep['kind']}ly separated by {which}: a combination "
            "of these terms predicts it perfectly in "
            f"{'every row' if sep['kind'] == 'complete' else 'some rows'}, so their "
            "odds ratios are infinite. Use firth=True (penalised likelihood), merge sparse "
            "categories or drop the term."
        )
    beta, cov, loglik, converged = _irls(X, y, firth)
    se = np.sqrt(np.diag(cov))
    z = beta / se
    q = stats.norm.ppf(1 - (1 - level) / 2)
    table = pd.DataFrame({
        "term": d.terms, "estimate": np.exp(beta), "ci_low": np.exp(beta - q * se),
        "ci_high": np.exp(beta + q * se), "p_value": 2 * stats.norm.sf(np.abs(z)),
        "coef": beta, "se": se, "z": z,
    })
    if ci == "profile":
        fun = _penalised(X, y, firth)
        for j in range(len(beta)):
            low, high, p = _profile_interval(fun, beta, loglik, se, j, level)
            table.loc[j, ["ci_low", "ci_high", "p_value"]] = [np.exp(low), np.exp(high), p]
    events = int(y.sum())
    rarer = min(events, d.n - events)
    epp = rarer / X.shape[1]
    if not converged:
        warnings.warn("the logistic model did not converge; its estimates cannot be trusted.",
                      FitWarning, stacklevel=2)
    if epp < _MIN_EVENTS_PER_PARAMETER:
        warnings.warn(
            f"only {epp:.1f} of the rarer outcome per estimated parameter (< "
            f"{_MIN_EVENTS_PER_PARAMETER}); odds ratios are biased away from 1 and intervals "
            "too narrow. Use fewer terms" + ("" if firth else " or firth=True") + ".",
            FitWarning, stacklevel=2)
    lines = []
    for r in table.to_dict("records"):
        if r["term"] == "Intercept":
            continue
        pct = (r["estimate"] - 1) * 100
        change = ("no change in" if round(abs(pct)) == 0
                  else f"{abs(pct):.0f} % {'higher' if pct > 0 else 'lower'}")
        phrase = _phrase(r["term"], d.reference_level(r["term"]))
        ci_text = format_ci(r["ci_low"], r["ci_high"], level=level)
        lines.append(
            f"{phrase} was associated with {change} odds of {d.outcome} (OR "
            f"{format_number(r['estimate'])}, {ci_text}, {format_p(r['p_value'])}"
            f"{'; Firth penalised likelihood' if firth else ''}"
            f"{'; profile-likelihood CI, LR test' if ci == 'profile' else ''}).")
    diagnostics = {
        "n": d.n, "n_dropped": d.n_dropped, "dropped_by": d.dropped_by,
        "events": events, "non_events": d.n - events,
        "events_per_parameter": epp, "separation": sep, "converged": converged,
        "log_lik": loglik, "method": "firth" if firth else "maximum likelihood",
        "ci": ci, "level": level,
    }
    if not firth:
        diagnostics["aic"] = -2 * loglik + 2 * X.shape[1]
    return Result(table, "\n".join(lines), diagnostics=diagnostics,
                  model={"params": beta, "cov": cov, "design": d},
                  name="logistic_model (Firth)" if firth else "logistic_model",
                  kind="logistic_model", level=level)
