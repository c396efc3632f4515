"""Recurrent cramps: Andersen-Gill and Prentice-Williams-Peterson models, with a gamma frailty.

The data are in counting-process form: one row per athlete and interval ``(start, stop]`` with
``event`` 1 when the interval ends in a cramp, and the covariates that held during it (weekly
sitting, training load...). An athlete is at risk at time ``t`` through the row with
``start < t <= stop``; an interval that starts at an event time is not at risk at that time::

    recurrent_events(intervals, "sitting_h_day + prior_cramps", start="start", stop="stop",
                     event="event", model="andersen_gill")

The Cox partial likelihood, its Newton fit and its score residuals live in
:mod:`glute_study.stats._cox`, shared with :func:`~glute_study.stats.cox_model`. Every number is
checked against R ``survival::coxph``; the R script, the data and its stored output live in
``tests/reference/recurrent/``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .._checks import check_level, check_one_of, require_columns
from ..errors import FitWarning, InputError
from ..labels import outcome_phrase
from ._cox import Penalty, RiskSets, fit_cox, robust_cov
from ._design import _used_columns, drop_incomplete
from ._result import (
    Result,
    format_ci,
    format_count,
    format_number,
    format_p,
    percent_change,
    z_of,
)
from .counts import _term_phrase
from .survival import _check_rank, _cox_design, _rhs

__all__ = ["recurrent_events"]

MODELS = ("andersen_gill", "pwp_total", "pwp_gap")

_NAMES = {
    "andersen_gill": "Andersen-Gill",
    "pwp_total": "Prentice-Williams-Peterson total-time",
    "pwp_gap": "Prentice-Williams-Peterson gap-time",
}

_ASSUMES = {
    "andersen_gill": (
        "one baseline hazard shared by every event (a later cramp is no more or less likely "
        "than a first, given the covariates); the covariates act the same on every event; "
        "events of an athlete may depend on each other, which the robust standard errors "
        "clustered by athlete allow for"),
    "pwp_total": (
        "a separate baseline hazard for each event number (strata), an athlete being at risk "
        "for the k-th event only after the (k-1)-th; time runs from the start of follow-up; "
        "robust standard errors clustered by athlete"),
    "pwp_gap": (
        "a separate baseline hazard for each event number (strata), an athlete being at risk "
        "for the k-th event only after the (k-1)-th; time restarts at 0 at each event (gap "
        "time); robust standard errors clustered by athlete"),
}

_FRAILTY_ASSUMES = (
    "; a shared gamma frailty (mean 1, variance theta) multiplies each athlete's hazard, so the "
    "hazard ratios are conditional on the athlete (within-athlete effects); theta and the "
    "coefficients are R coxph's penalised partial likelihood with its 'em' search for theta, "
    "and the standard errors are model based, not robust")

#: R ``coxph.control``'s defaults for the outer (theta) loop of a frailty fit.
_OUTER_MAX = 10
_THETA_EPS = 1e-5


# ---------------------------------------------------------------------------------------------
# checks and derived columns
# ---------------------------------------------------------------------------------------------


def _numeric(frame: pd.DataFrame, col: str) -> np.ndarray:
    values = pd.to_numeric(frame[col], errors="coerce")
    bad = values.isna() & frame[col].notna()
    if bad.any():
        rows = ", ".join(map(str, frame.index[bad][:5]))
        raise InputError(f"column {col!r} must hold numbers; rows {rows} do not "
                         f"(found {frame.loc[bad, col].iloc[0]!r}).")
    return values.to_numpy(float)


def _rows(index: pd.Index, mask: np.ndarray) -> str:
    shown = ", ".join(map(str, index[mask][:5]))
    more = int(mask.sum()) - 5
    return shown + (f" and {more} more" if more > 0 else "")


def _check_intervals(frame: pd.DataFrame, *, start: str, stop: str, event: str,
                     id: str) -> pd.DataFrame:
    """Sort by athlete and start; check the intervals; add ``_enum``, ``_gstart``, ``_gstop``."""
    b = _numeric(frame, start)
    e = _numeric(frame, stop)
    ev = _numeric(frame, event)
    if (b < 0).any():
        raise InputError(f"column {start!r} must be 0 or more (time since the start of follow-"
                         f"up); rows {_rows(frame.index, b < 0)} are negative.")
    if not (e > b).all():
        raise InputError(f"each interval must end after it starts ({stop!r} > {start!r}); rows "
                         f"{_rows(frame.index, ~(e > b))} do not.")
    if not np.isin(ev, [0.0, 1.0]).all():
        found = [float(v) for v in sorted(set(np.unique(ev)) - {0.0, 1.0})[:5]]
        raise InputError(f"column {event!r} must be 0 (no event) or 1 (the interval ends in an "
                         f"event); found {found}.")
    out = frame.assign(_start=b, _stop=e, _event=ev)
    out = out.sort_values([id, "_start"], kind="stable")
    same = out[id].to_numpy() == np.roll(out[id].to_numpy(), 1)
    same[0] = False
    prev_stop = np.roll(out["_stop"].to_numpy(), 1)
    overlap = same & (out["_start"].to_numpy() < prev_stop)
    if overlap.any():
        idx = np.flatnonzero(overlap)
        pairs = ", ".join(f"{out.index[i - 1]} and {out.index[i]} ({id} {out[id].iloc[i]!s})"
                          for i in idx[:5])
        raise InputError(
            f"intervals of the same athlete overlap: rows {pairs}. In counting-process data an "
            "athlete's intervals follow one another (the next starts at or after the stop of "
            "the one before); split or merge them.")
    g = out.groupby(id, sort=False)["_event"]
    out["_enum"] = (1 + g.cumsum() - out["_event"]).astype(int)
    last_event = (out["_stop"] * out["_event"]).groupby(out[id], sort=False).cummax()
    prev = last_event.groupby(out[id], sort=False).shift(1).fillna(0.0)
    out["_gstart"] = out["_start"] - prev
    out["_gstop"] = out["_stop"] - prev
    return out


# ---------------------------------------------------------------------------------------------
# the gamma frailty, as R coxph(... + frailty(id, distribution = "gamma"))
# ---------------------------------------------------------------------------------------------


def _gammacon(d: np.ndarray, nu: float) -> float:
    """R ``survival:::frailty.gammacon``: what turns the penalised into the marginal likelihood.

    ``d`` are the events per athlete and ``nu = 1 / theta``.
    """
    d = np.asarray(d, float)
    if nu > 1e7 * d.max():
        term1 = float(np.sum(d * d) / nu)
    else:
        term1 = float(np.sum(d + nu * np.log(nu / (nu + d))))
    pos = d[d > 0].astype(int)
    j = np.arange(1, pos.max() + 1) if len(pos) else np.arange(0)
    # sum over athletes of sum_{j <= d} log(nu + j - 1) - d log(nu + d)
    at_least = (pos[:, None] >= j[None, :]).sum(axis=0)
    term2 = float(at_least @ np.log(nu + j - 1) - np.sum(pos * np.log(nu + pos)))
    return term1 + term2


def _brent(x: np.ndarray, y: np.ndarray, lower: float = 0.0) -> float:
    """R ``survival:::frailty.brent``: the next trial value, from a parabola through the best 3."""
    n = len(x)
    if n < 3:
        return float(np.mean(x))
    order = np.argsort(x, kind="stable")
    xx, yy = x[order], y[order]
    best = int(np.flatnonzero(yy == y.max())[0])
    if best == 0:
        new = xx[0] - 3 * (xx[1] - xx[0])
        if new < lower:
            new = lower + (np.min(xx[xx > lower]) - lower) / 10
        return float(new)
    if best == n - 1:
        return float(xx[-1] + 3 * (xx[-1] - xx[-2]))
    xx, yy = xx[best - 1:best + 2], yy[best - 1:best + 2]
    t1 = (xx[1] - xx[0]) ** 2 * (yy[1] - yy[2]) - (xx[1] - xx[2]) ** 2 * (yy[1] - yy[0])
    t2 = (xx[1] - xx[0]) * (yy[1] - yy[2]) - (xx[1] - xx[2]) * (yy[1] - yy[0])
    new = xx[1] - 0.5 * t1 / t2
    if new < xx[0] or new > xx[2] or (n > 4 and new - x[-1] > 0.5 * abs(x[-2] - x[-3])):
        if xx[1] - xx[0] > xx[2] - xx[1]:
            return float(xx[1] - 0.38 * (xx[1] - xx[0]))
        return float(xx[1] + 0.32 * (xx[2] - xx[1]))
    return float(new)


def _fit_frailty(rs: RiskSets, x: np.ndarray, codes: np.ndarray, n_groups: int,
                 events_per_athlete: np.ndarray):
    """Shared gamma frailty: R ``frailty.controlgam``'s search for theta, fit by fit by fit.

    For each trial theta the penalised partial likelihood is maximised; the marginal
    (``I-``)likelihood is that maximum plus :func:`_gammacon`; theta starts at 0 and 1, then
    follows :func:`_brent` on the square root of theta until the marginal likelihood changes by
    less than 1e-5 relative, or after 10 trials (R's ``outer.max``). The last fit is returned.
    """
    p = x.shape[1]
    history = []
    theta, init, fit = 0.0, None, None
    done = False
    for it in range(1, _OUTER_MAX + 1):
        if theta == 0:
            fit = fit_cox(rs, x)
            loglik = fit.loglik
            c_loglik = loglik
            init = np.r_[fit.coef, np.zeros(n_groups)]
        else:
            nu = 1.0 / theta
            fit = fit_cox(rs, x, penalty=Penalty(nu, codes, n_groups), init=init)
            init = np.r_[fit.coef, fit.frailty]
            loglik = fit.loglik + nu * float(fit.frailty.sum())
            c_loglik = loglik + _gammacon(events_per_athlete, nu)
        history.append((theta, loglik, c_loglik))
        xs = np.array([h[0] for h in history])
        ys = np.array([h[2] for h in history])
        if it == 1:
            theta = 1.0
        elif it == 2:
            theta = float(xs.mean()) if ys[1] < ys[0] + 1 else 2 * xs[1]
        else:
            done = abs(1 - ys[-1] / ys[-2]) < _THETA_EPS
            if done:
                break
            if ys[-1] == ys.max() and xs[-1] == xs.max():
                theta = 2 * float(xs.max())
            else:
                theta = _brent(np.sqrt(xs), ys, lower=0.0) ** 2
    hist = pd.DataFrame(history, columns=["theta", "penalised_loglik", "marginal_loglik"])
    if fit.frailty is not None:
        # R's sparse frailty keeps only the diagonal of the frailty block of the information
        h = fit.info
        hff = np.diag(h)[p:]
        hxf = h[:p, p:]
        fit.cov = np.linalg.inv(h[:p, :p] - (hxf / hff) @ hxf.T)
    return fit, hist, done


# ---------------------------------------------------------------------------------------------
# the analysis
# ---------------------------------------------------------------------------------------------


def recurrent_events(
    data: pd.DataFrame,
    formula: str,
    *,
    start: str,
    stop: str,
    event: str,
    id: str = "participant_id",
    model: str = "andersen_gill",
    ties: str = "efron",
    frailty: str | None = None,
    level: float = 0.95,
) -> Result:
    """Cox models for recurrent events in counting-process data: hazard ratios per covariate.

    Parameters
    ----------
    data : DataFrame
        One row per athlete and interval ``(start, stop]``; covariates may change from one
        interval to the next (time-varying sitting, training load).
    formula : str
        Right-hand side of a patsy formula (``"sitting_h_day + C(arm)"``; a leading ``~`` is
        allowed). Text columns become treatment-coded factors.
    start, stop : str
        Columns of the interval ends, in days or exposure hours since the start of follow-up
        (``0 <= start < stop``). An athlete's intervals may leave gaps but must not overlap.
    event : str
        Column of 1 (the interval ends in an event) or 0.
    id : str
        Column naming the athlete: the cluster of the robust standard errors and the unit of
        the frailty.
    model : {"andersen_gill", "pwp_total", "pwp_gap"}
        ``"andersen_gill"``: one common baseline hazard. ``"pwp_total"``: Prentice-Williams-
        Peterson, stratified by event number, time since the start of follow-up.
        ``"pwp_gap"``: the same with gap time, the time since the previous event.
    ties : {"efron", "breslow"}
        Handling of tied event times (R ``coxph``'s default is Efron).
    frailty : {None, "gamma"}
        ``"gamma"`` adds a shared gamma frailty per athlete (R ``frailty(id, distribution =
        "gamma")``); the standard errors are then model based.
    level : float
        Confidence level of the hazard ratios' Wald intervals.

    Returns
    -------
    Result
        ``.table``: one row per coefficient with the hazard ratio (``estimate``), its CI and p,
        ``coef`` (log hazard ratio), ``se`` (robust, clustered by athlete; model based with a
        frailty), ``se_naive`` (model based), ``z``. ``.diagnostics``: ``n_athletes``,
        ``n_intervals``, ``n_events``, ``events_per_stratum`` (by event number),
        ``converged``, ``iterations``, ``log_likelihood``, ``model``, ``assumes``, the dropped
        rows, and with a frailty ``theta`` (the frailty variance) and ``theta_history`` (each
        trial theta with its penalised and marginal log-likelihood). ``.model`` is the
        :class:`~glute_study.stats._cox.CoxCore` fit.

    Raises
    ------
    InputError
        Negative starts, intervals that do not end after they start, overlapping intervals of
        one athlete (naming the rows), events other than 0/1, a collinear design, no events.

    Warns
    -----
    FitWarning
        With fewer than 10 events per coefficient; when a coefficient runs off to infinity
        (R ``coxph``'s "Loglik converged before variable" check); when the fit did not converge.

    Notes
    -----
    The event number of an interval (the PWP stratum) is 1 plus the athlete's events in the
    intervals before it, with the data sorted by athlete and start; the gap-time intervals are
    ``(start - e, stop - e]`` with ``e`` the time of the athlete's previous event (0 before the
    first). Both are derived before rows with missing covariates are left out, so a dropped
    interval still counts its event.

    The partial likelihood is the Cox likelihood over the risk sets ``{start < t <= stop}`` of
    each stratum, with Efron's or Breslow's ties; it is maximised by Newton-Raphson. The robust
    covariance is the Lin-Wei (1989) sandwich ``D'D``, ``D`` the score residuals times the
    inverse information summed within athlete (R ``coxph(... + cluster(id))``, without a small-
    sample factor). With ``frailty="gamma"`` the log-frailties are penalised by
    ``-(1/theta) sum(exp(w) - w)`` and theta is chosen as R ``coxph`` chooses it (method
    ``"em"``: the marginal likelihood is searched with R's own sequence of trial values and its
    stopping rule, so theta is R's, not the exact maximiser); the standard errors are R's
    ``se(coef)`` (the inverse penalised information with the frailty block taken as diagonal,
    as R's sparse computation does).

    References: Andersen & Gill (1982), Ann Stat 10:1100; Prentice, Williams & Peterson (1981),
    Biometrika 68:373; Lin & Wei (1989), JASA 84:1074; Therneau & Grambsch (2000), Modeling
    Survival Data, ch. 8-9.

    Examples
    --------
    >>> data = pd.DataFrame({
    ...     "participant_id": ["a", "a", "a", "b", "b", "c", "c", "d", "e", "e"],
    ...     "start": [0, 5, 9, 0, 7, 0, 3, 0, 0, 4],
    ...     "stop": [5, 9, 14, 7, 12, 3, 10, 11, 4, 13],
    ...     "event": [1, 1, 0, 1, 0, 1, 0, 0, 1, 0],
    ...     "sitting_h_day": [10.5, 11.0, 8.0, 9.5, 7.0, 11.5, 8.5, 7.5, 10.0, 9.0]})
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     res = recurrent_events(data, "sitting_h_day", start="start", stop="stop",
    ...                            event="event")
    >>> res.table[["term", "estimate", "coef", "se", "se_naive"]].round(3)  # as R coxph
                term  estimate   coef     se  se_naive
    0  sitting_h_day     3.604  1.282  0.361     0.625
    >>> res.diagnostics["n_events"], res.diagnostics["events_per_stratum"]
    (5, {1: 4, 2: 1})
    """
    check_one_of("model", model, MODELS)
    check_one_of("ties", ties, ["efron", "breslow"])
    check_one_of("frailty", frailty, [None, "gamma"])
    level = check_level(level)
    rhs = _rhs(formula)
    require_columns(data, [id, start, stop, event], where="data")
    timing = [id, start, stop, event]
    covariates = [c for c in _used_columns(data, [rhs]) if c not in timing]
    complete = drop_incomplete(data, list(dict.fromkeys(timing + covariates)),
                               what="recurrent_events", stacklevel=3)
    base = data.dropna(subset=timing)
    checked = _check_intervals(base, start=start, stop=stop, event=event, id=id)
    checked = checked.loc[checked.index.isin(complete.frame.index)]
    design, _terms = _cox_design(checked, rhs)
    checked = checked.loc[design.index]
    x = design.to_numpy(float)
    p = x.shape[1]
    _check_rank(x, rhs)
    ev = checked["_event"].to_numpy()
    n_events = int(ev.sum())
    if n_events == 0:
        raise InputError("there are no events; a recurrent-event model needs at least one.")

    gap = model == "pwp_gap"
    enum = checked["_enum"].to_numpy()
    rs = RiskSets(checked["_gstart" if gap else "_start"].to_numpy(),
                  checked["_gstop" if gap else "_stop"].to_numpy(), ev,
                  None if model == "andersen_gill" else enum, efron=ties == "efron")
    ids = checked[id].to_numpy()
    if frailty == "gamma":
        uniq, codes = np.unique(ids.astype(str), return_inverse=True)
        n_groups = len(uniq)
        fit, history, outer_done = _fit_frailty(
            rs, x, codes, n_groups, np.bincount(codes, weights=ev, minlength=n_groups))
        se = se_naive = np.sqrt(np.diag(fit.cov))
    else:
        fit = fit_cox(rs, x)
        se_naive = np.sqrt(np.diag(fit.cov))
        se = np.sqrt(np.diag(robust_cov(rs, x, fit, ids)))
        history, outer_done = None, True
    beta = fit.coef
    converged = bool(fit.converged and outer_done and np.all(np.isfinite(se)))
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        z = beta / se
        pval = 2 * stats.norm.sf(np.abs(z))
        zq = z_of(level)
        lows, highs = np.exp(beta - zq * se), np.exp(beta + zq * se)
    names = list(design.columns)
    table = pd.DataFrame({"term": names, "estimate": np.exp(beta), "ci_low": lows,
                          "ci_high": highs, "p_value": pval, "coef": beta, "se": se,
                          "se_naive": se_naive, "z": z})

    n_athletes = int(pd.unique(ids).size)
    strata_events = pd.Series(ev).groupby(enum).sum().astype(int)
    events_per_stratum = {int(k): int(v) for k, v in strata_events.items() if v > 0}
    epp = n_events / p
    if epp < 10:
        warnings.warn(
            f"the recurrent-event model has {n_events} events for {p} coefficients ({epp:.1f} "
            "per coefficient, under 10): hazard ratios may be biased and CIs too narrow; use "
            "fewer covariates.", FitWarning, stacklevel=2)
    infinite = fit.infinite
    if infinite.any():
        which = ", ".join(np.asarray(names)[infinite])
        warnings.warn(f"the partial likelihood converged before {which}: the hazard ratio may "
                      "be infinite or zero (monotone likelihood, e.g. a group without events); "
                      "do not report it.", FitWarning, stacklevel=2)
    elif not converged:
        warnings.warn(f"the {_NAMES[model]} model did not converge (after {fit.iterations} "
                      "Newton steps); do not report it.", FitWarning, stacklevel=2)
    assumes = _ASSUMES[model] + (_FRAILTY_ASSUMES if frailty else "")

    outcome = outcome_phrase(event)
    sentences = []
    for r in table.itertuples():
        ci = format_ci(r.ci_low, r.ci_high, level=level)
        change = percent_change(r.estimate, outcome + " hazard")
        sentences.append(f"{_term_phrase(r.term)} was associated with {change} (HR "
                         f"{format_number(r.estimate)}, {ci}, {format_p(r.p_value)}).")
    se_words = ("model-based standard errors" if frailty else
                "standard errors robust to clustering within athletes")
    what = f"{_NAMES[model]} recurrent-event Cox model"
    if frailty:
        theta = float(history["theta"].iloc[-1])
        what += f" with a shared gamma frailty of variance {format_number(theta)}"
    text = (f"{what} ({format_count(n_athletes)} athletes, {format_count(len(checked))} "
            f"intervals, {format_count(n_events)} events; "
            f"{ties.capitalize()} ties, {se_words}): " + " ".join(sentences))

    diagnostics = {
        "n_athletes": n_athletes,
        "n_intervals": len(checked),
        "n_events": n_events,
        "events_per_stratum": events_per_stratum,
        "n_strata": 1 if model == "andersen_gill" else len(events_per_stratum),
        "events_per_parameter": epp,
        "converged": converged,
        "infinite_terms": [n for n, f in zip(names, infinite) if f],
        "iterations": fit.iterations,
        "log_likelihood": fit.loglik,
        "log_likelihood_null": fit.loglik0,
        "model": model,
        "ties": ties,
        "frailty": frailty,
        "se_type": "model-based (penalised)" if frailty else "robust (Lin-Wei, by athlete)",
        "assumes": assumes,
        "n_dropped": len(data) - len(checked),
        "dropped_by": complete.dropped_by,
    }
    if frailty:
        diagnostics["theta"] = float(history["theta"].iloc[-1])
        diagnostics["theta_history"] = history
        diagnostics["marginal_log_likelihood"] = float(history["marginal_loglik"].iloc[-1])
    return Result(table, text, diagnostics=diagnostics, model=fit, name="recurrent_events",
                  level=level)
