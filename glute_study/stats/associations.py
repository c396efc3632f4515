"""Associations along the chain: sitting vs glute strength, and the sitting -> cramp dose-response.

* :func:`partial_correlation`: Pearson or Spearman correlation of two columns adjusted for
  covariates, with its t test and Fisher-z interval.
* :func:`sitting_strength`: that partial correlation for device and self-reported sitting
  separately (the two are different variables; never pool them).
* :func:`dose_response`: a negative-binomial model of the cramp rate on a natural cubic spline
  of sitting, its predicted rate per 1000 h with CIs, and a test of non-linearity.
* :func:`linear_model`: a continuous measure (an EMG onset delay, an amplitude) on sitting and
  covariates by least squares, with CR2 cluster-robust (or HC2) standard errors and
  Satterthwaite degrees of freedom.
* :func:`proportion`: the share of participants with a level of a category (e.g. hamstrings
  first), with Wilson score intervals.

Every number is checked against R (``lm`` residuals, ``MASS::glm.nb``, ``splines::ns``,
``clubSandwich``, ``prop.test``); the scripts and stored output are in
``tests/reference/associations/``.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import interpolate, stats

from .._checks import check_level, check_one_of, require_columns
from ..errors import FitWarning, InputError
from ..labels import (
    group_phrase,
    label,
    level_label,
    outcome_phrase,
    term_phrase,
    unit_of,
    word_list,
)
from ._design import covariate_matrix, drop_incomplete
from ._negbin import fit_negbin
from ._result import (
    Result,
    format_ci,
    format_count,
    format_number,
    format_p,
    percent_change,
    z_of,
)

__all__ = [
    "DoseResponseFit",
    "dose_response",
    "linear_model",
    "natural_spline_basis",
    "partial_correlation",
    "proportion",
    "sitting_strength",
]


#: The two sitting variables of the analysis table, by instrument.
SITTING_COLUMNS = {"device": "sitting_h_day", "self_report": "self_report_sitting_h_day"}


# ---------------------------------------------------------------------------------------------
# Partial correlation
# ---------------------------------------------------------------------------------------------


def _with_intercept(frame: pd.DataFrame, covariates: Sequence[str]) -> np.ndarray:
    """Intercept plus the covariate columns (text treatment coded as in R)."""
    cov, _ = covariate_matrix(frame, list(covariates))
    return np.column_stack([np.ones(len(frame)), cov])


def _residuals(v: np.ndarray, design: np.ndarray) -> np.ndarray:
    beta, *_ = np.linalg.lstsq(design, v, rcond=None)
    return v - design @ beta


def partial_correlation(
    data: pd.DataFrame,
    *,
    x: str,
    y: str,
    covariates: Sequence[str] = (),
    method: str = "pearson",
    level: float = 0.95,
) -> Result:
    """Correlation between ``x`` and ``y`` adjusted for ``covariates``.

    Parameters
    ----------
    data : DataFrame
        One row per participant; rows missing any of the columns used are left out with one
        warning (their count is ``diagnostics["n_dropped"]``).
    x, y : str
        The two columns to correlate.
    covariates : sequence of str
        Columns to adjust for; text columns (``sex``, ``sport``) are dummy coded with the first
        level (in sorted order) as reference.
    method : {"pearson", "spearman"}
        Spearman ranks every numeric column (ties get their average rank) before the same
        computation.
    level : float
        Confidence level of the interval.

    Returns
    -------
    Result
        ``.table`` with one row: ``term`` (``"x ~ y"``), the partial correlation
        (``estimate``) with its CI at ``level`` and p, plus ``n``, ``df``, ``statistic`` (t),
        ``method`` and ``covariates``.

    Notes
    -----
    The partial correlation is the Pearson correlation of the residuals of ``x`` and ``y``
    regressed (least squares with an intercept) on the ``k`` covariate columns. Its test is
    ``t = r sqrt(df / (1 - r^2))`` on ``df = n - 2 - k`` degrees of freedom, and the CI is
    Fisher's: ``tanh(atanh(r) +- z / sqrt(n - 3 - k))`` (z = 1.96 at 95 %). This is what R
    gives from ``cor()`` of ``lm`` residuals (and ``ppcor::pcor.test``), and what pingouin's
    ``partial_corr`` computes.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> age = rng.normal(25, 4, 200)
    >>> sitting = 9 + 0.05 * age + rng.normal(0, 1.5, 200)
    >>> strength = 2.5 - 0.1 * sitting + rng.normal(0, 0.4, 200)
    >>> df = pd.DataFrame({"sitting": sitting, "strength": strength, "age": age})
    >>> res = partial_correlation(df, x="sitting", y="strength", covariates=["age"])
    >>> res.table[["term", "estimate", "ci_low", "ci_high", "n", "df"]].round(3)
                     term  estimate  ci_low  ci_high    n   df
    0  sitting ~ strength    -0.477  -0.578   -0.362  200  197
    """
    check_one_of("method", method, ["pearson", "spearman"])
    level = check_level(level)
    covariates = list(covariates)
    cols = [x, y, *covariates]
    require_columns(data, cols, where="data")
    if len(set(cols)) != len(cols):
        raise InputError(f"x, y and covariates must be different columns; got {cols}.")
    complete = drop_incomplete(data[cols], cols, what="partial_correlation", stacklevel=3)
    frame = complete.frame
    n, k_design = len(frame), _with_intercept(frame, covariates).shape[1] - 1
    if n - 3 - k_design < 1:
        raise InputError(
            f"partial correlation of {x!r} and {y!r} needs more than {k_design + 3} complete "
            f"rows; found {n}. Drop covariates or add data."
        )
    for c in (x, y):
        if not pd.api.types.is_numeric_dtype(frame[c]):
            raise InputError(f"column {c!r} must be numeric; found {frame[c].dtype}.")
    if method == "spearman":
        frame = frame.copy()
        for c in cols:
            if pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(
                frame[c]
            ):
                frame[c] = stats.rankdata(frame[c])
    design = _with_intercept(frame, covariates)
    k = design.shape[1] - 1
    rx = _residuals(frame[x].to_numpy(float), design)
    ry = _residuals(frame[y].to_numpy(float), design)
    if np.allclose(rx, 0) or np.allclose(ry, 0):
        raise InputError(f"{x!r} or {y!r} is constant once the covariates are accounted for.")
    r = float(np.corrcoef(rx, ry)[0, 1])
    df = n - 2 - k
    t = r * np.sqrt(df / (1 - r**2)) if abs(r) < 1 else np.sign(r) * np.inf
    p = float(2 * stats.t.sf(abs(t), df))
    se_z = 1 / np.sqrt(n - 3 - k)
    with np.errstate(divide="ignore"):
        z = np.arctanh(r)
    zq = z_of(level)
    low, high = np.tanh(z - zq * se_z), np.tanh(z + zq * se_z)
    table = pd.DataFrame(
        {"term": [f"{x} ~ {y}"], "estimate": [r], "ci_low": [low], "ci_high": [high],
         "p_value": [p], "n": [n], "df": [df], "statistic": [t], "method": [method],
         "covariates": [", ".join(covariates)]}
    )
    symbol = "r" if method == "pearson" else "r_s"
    adj = (" adjusted for " + word_list([label(c, unit=False, mid=True) for c in covariates])
           if covariates else "")
    text = (f"The {'partial ' if covariates else ''}{method.capitalize()} correlation between "
            f"{label(x, unit=False, mid=True)} and {label(y, unit=False, mid=True)}{adj} was "
            f"{symbol}({df}) = {format_number(r, bounded=True)} "
            f"({format_ci(low, high, level=level, bounded=True)}, {format_p(p)}; "
            f"n = {format_count(n)}).")
    diagnostics = {"n": n, **complete.diagnostics, "covariate_columns": k}
    return Result(table, text, diagnostics=diagnostics, name="partial_correlation",
                  level=level)


def sitting_strength(
    data: pd.DataFrame,
    *,
    strength: str = "glute_nm_kg",
    covariates: Sequence[str] = ("age", "sex"),
    method: str = "pearson",
    level: float = 0.95,
) -> Result:
    """Partial correlation of glute strength with device and with self-reported sitting.

    Device-measured (``sitting_h_day``) and self-reported (``self_report_sitting_h_day``)
    sitting are different variables (they correlate only about 0.15-0.37), so each gets its
    own row; they are never pooled.

    Parameters
    ----------
    data : DataFrame
        The analysis table (one row per participant).
    strength : str
        The strength or activation column (``glute_nm_kg``, ``bridge_reps``, ...).
    covariates : sequence of str
        Columns to adjust for.
    method : {"pearson", "spearman"}
        As in :func:`partial_correlation`.
    level : float
        Confidence level of the intervals.

    Returns
    -------
    Result
        ``.table`` with one row per instrument (``instrument`` = ``device`` /
        ``self_report``), columns as in :func:`partial_correlation`. When self-reported sitting
        is absent or has too few complete rows, its row is NaN and a sentence says so; device
        sitting, the strength column and the covariates must be there.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> device = rng.normal(9, 1.5, 150)
    >>> df = pd.DataFrame({
    ...     "sitting_h_day": device,
    ...     "self_report_sitting_h_day": device - 2 + rng.normal(0, 2.5, 150),
    ...     "glute_nm_kg": 2.5 - 0.08 * device + rng.normal(0, 0.4, 150),
    ...     "age": rng.normal(25, 4, 150), "sex": rng.choice(["female", "male"], 150)})
    >>> res = sitting_strength(df)
    >>> res.table[["instrument", "term", "estimate", "n"]].round(3)
        instrument                                     term  estimate    n
    0       device              sitting_h_day ~ glute_nm_kg    -0.268  150
    1  self_report  self_report_sitting_h_day ~ glute_nm_kg    -0.090  150
    """
    require_columns(data, [SITTING_COLUMNS["device"], strength, *covariates], where="data")
    level = check_level(level)
    rows, texts = [], []
    for instrument, col in SITTING_COLUMNS.items():
        try:
            if col not in data.columns:
                raise InputError(f"data has no column {col!r}")
            res = partial_correlation(data, x=col, y=strength, covariates=covariates,
                                      method=method, level=level)
        except InputError as err:
            if instrument == "device":
                raise
            row = {"term": f"{col} ~ {strength}", "estimate": np.nan, "ci_low": np.nan,
                   "ci_high": np.nan, "p_value": np.nan, "n": 0, "df": np.nan,
                   "statistic": np.nan, "method": method, "covariates": ", ".join(covariates)}
            rows.append(pd.DataFrame([row]).assign(instrument=instrument))
            texts.append(f"{instrument.replace('_', '-')} sitting: not available ({err})")
            continue
        rows.append(res.table.assign(instrument=instrument))
        texts.append(f"{instrument.replace('_', '-').capitalize()} sitting: " + res.text)
    table = pd.concat(rows, ignore_index=True)
    table["n"] = table["n"].astype(int)
    return Result(table, " ".join(texts), diagnostics={"strength": strength},
                  name="sitting_strength", level=level)


# ---------------------------------------------------------------------------------------------
# Natural cubic spline (R splines::ns)
# ---------------------------------------------------------------------------------------------


def _ns_knots(x: np.ndarray, df: int) -> tuple[np.ndarray, tuple[float, float]]:
    """Interior knots at equally spaced quantiles (R type 7) and boundary knots at the range."""
    n_inner = df - 1
    probs = np.linspace(0, 1, n_inner + 2)[1:-1]
    return np.quantile(x, probs), (float(np.min(x)), float(np.max(x)))


def natural_spline_basis(
    x, *, knots: Sequence[float], boundary_knots: tuple[float, float]
) -> np.ndarray:
    """The natural cubic spline basis of R ``splines::ns(x, knots=, Boundary.knots=)``.

    Without an intercept column, as R's default; beyond the boundary knots the basis continues
    linearly, as in R.

    Parameters
    ----------
    x : array_like
        Values to evaluate at.
    knots : sequence of float
        Interior knots.
    boundary_knots : (float, float)
        Lower and upper boundary knots.

    Returns
    -------
    ndarray of shape (len(x), len(knots) + 1)

    Notes
    -----
    Follows R's construction: the cubic B-spline basis on the knots (boundary knots repeated
    four times) without its first column, projected by the QR decomposition of the second
    derivatives at the two boundary knots onto the functions whose second derivative vanishes
    there. The columns equal R's (tests compare them to 1e-10).

    Examples
    --------
    >>> natural_spline_basis([0.0, 2.5, 5.0], knots=[2.0, 3.0], boundary_knots=(0.0, 5.0)).round(4)
    array([[ 0.    ,  0.    ,  0.    ],
           [ 0.2905,  0.5029, -0.2934],
           [-0.1579,  0.3947,  0.7632]])
    """
    x = np.asarray(x, dtype=float)
    lo, hi = boundary_knots
    t = np.sort(np.r_[[lo] * 4, np.asarray(knots, float), [hi] * 4])
    n_basis = len(t) - 4
    eye = np.eye(n_basis)
    splines = [interpolate.BSpline(t, eye[i], 3, extrapolate=True) for i in range(n_basis)]

    def design(v, nu=0):
        return np.column_stack([s(v, nu=nu) for s in splines])[:, 1:]

    inside = np.clip(x, lo, hi)
    basis = design(inside)
    below, above = x < lo, x > hi
    if below.any():
        basis[below] = design(np.array([lo]))[0] + np.outer(x[below] - lo,
                                                            design(np.array([lo]), nu=1)[0])
    if above.any():
        basis[above] = design(np.array([hi]))[0] + np.outer(x[above] - hi,
                                                            design(np.array([hi]), nu=1)[0])
    const = design(np.array([lo, hi]), nu=2)
    q, _ = np.linalg.qr(const.T, mode="complete")
    return basis @ q[:, 2:]


# ---------------------------------------------------------------------------------------------
# Dose-response
# ---------------------------------------------------------------------------------------------


@dataclass
class DoseResponseFit:
    """The fitted models behind a :func:`dose_response` result.

    Attributes
    ----------
    curve : DataFrame
        ``x, rate, ci_low, ci_high``: the predicted rate per 1000 exposure hours on a 50-point
        grid over the observed range of the exposure, other covariates at their means.
    observed : DataFrame
        ``x, events, exposure``: the data the models were fitted to (for a rug or binned rates).
        The result carries both as its frames ``"curve"`` and ``"observed"``.
    knots : ndarray
        Boundary and interior knots of the spline (lower, interior..., upper).
    spline, linear : statsmodels GLM results
        The negative-binomial fits with the spline and with a straight line (theta fixed at
        its ML estimate, as ``glm.nb`` reports).
    x, events : str
        The column names of the dose and the counts.
    """

    curve: pd.DataFrame
    observed: pd.DataFrame
    knots: np.ndarray
    spline: object
    linear: object
    x: str
    events: str
    thetas: dict = field(default_factory=dict)


def dose_response(
    data: pd.DataFrame,
    *,
    x: str = "sitting_h_day",
    events: str = "hamstring_cramps",
    exposure: str = "exposure_h",
    df: int = 3,
    covariates: Sequence[str] = (),
    level: float = 0.95,
) -> Result:
    """Dose-response of the cramp rate on sitting: negative binomial with a natural spline.

    Parameters
    ----------
    data : DataFrame
        The analysis table (one row per participant).
    x : str
        The dose (daily sitting hours).
    events : str
        Event counts (cramps).
    exposure : str
        Hours of training and match; the model uses ``log(exposure)`` as an offset, so rates
        are per hour (reported per 1000 h). Must be positive.
    df : int
        Degrees of freedom of the natural cubic spline (``df - 1`` interior knots), >= 2.
    covariates : sequence of str
        Adjustment columns (text columns are dummy coded).
    level : float
        Confidence level of the IRR's interval and of the curve's band.

    Returns
    -------
    Result
        ``.table`` has three rows: ``x`` -- the rate ratio (IRR) per unit from the
        linear model, with Wald CI and p; ``ns(x, df=3)`` -- the likelihood-ratio
        test of any association (spline model against the model without the exposure);
        ``non_linearity`` -- the likelihood-ratio test of the spline against the straight
        line. Extra columns ``model``, ``statistic`` (z or LR chi-square) and ``df``.
        ``.frames["curve"]`` is the predicted rate per 1000 h on a grid (``x, rate, ci_low,
        ci_high``), ``.frames["observed"]`` the fitted rows (``x, events, exposure``);
        ``.model`` is a :class:`DoseResponseFit`.

    Warns
    -----
    FitWarning
        With fewer than 10 events per coefficient of the spline model; when the dispersion
        estimate sits at its boundary (no overdispersion: theta -> inf)
        or a fit does not converge.

    Notes
    -----
    The spline is R's ``splines::ns(x, df=df)``: interior knots at the equally spaced
    quantiles of the exposure (R's type 7), boundary knots at its range, basis built as in R
    (see :func:`natural_spline_basis`). The negative-binomial models are fitted as
    ``MASS::glm.nb`` by the package's one NB fitter (:mod:`glute_study.stats._negbin`, as
    :func:`~glute_study.stats.counts.count_model` uses): IRLS for the coefficients alternating
    with the ML estimate of theta; standard errors hold theta fixed. The curve's CIs are Wald
    intervals on the log scale. Likelihood-ratio tests compare fits that each estimate their
    own theta (R ``anova()`` on ``glm.nb`` fits).

    Examples
    --------
    >>> rng = np.random.default_rng(4)
    >>> sitting = rng.normal(9, 1.5, 300)
    >>> hours = rng.uniform(60, 200, 300)
    >>> cramps = rng.poisson(rng.gamma(2.0, 0.004 * hours * np.exp(0.2 * (sitting - 9)) / 2))
    >>> df = pd.DataFrame({"sitting_h_day": sitting, "hamstring_cramps": cramps,
    ...                    "exposure_h": hours})
    >>> res = dose_response(df)
    >>> res.table[["term", "estimate", "p_value", "statistic", "df"]].round(3)
                          term  estimate  p_value  statistic   df
    0            sitting_h_day     1.276    0.000      3.978  NaN
    1  ns(sitting_h_day, df=3)       NaN    0.001     16.005  3.0
    2            non_linearity       NaN    0.916      0.176  2.0
    >>> res.frame("curve").shape
    (50, 4)
    """
    covariates = list(covariates)
    level = check_level(level)
    if not isinstance(df, int | np.integer) or df < 2:
        raise InputError(f"`df` must be an integer >= 2 (df = 1 is the linear model); got {df!r}.")
    dose = x
    cols = [dose, events, exposure, *covariates]
    require_columns(data, cols, where="data")
    complete = drop_incomplete(data[cols], cols, what="dose_response", stacklevel=3)
    frame = complete.frame
    if len(frame) < df + len(covariates) + 5:
        raise InputError(f"dose_response needs more complete rows than {len(frame)} for a "
                         f"spline with df = {df}; add data or lower df.")
    y = frame[events].to_numpy(float)
    if (y < 0).any() or not np.allclose(y, np.round(y)):
        raise InputError(f"column {events!r} must hold non-negative whole counts.")
    hours = frame[exposure].to_numpy(float)
    if (hours <= 0).any():
        bad = int((hours <= 0).sum())
        raise InputError(f"column {exposure!r} has {bad} non-positive exposure value(s); a rate "
                         "needs positive exposure hours. Drop those rows or fix the exposure.")
    x = frame[dose].to_numpy(float)
    inner, boundary = _ns_knots(x, df)
    basis = natural_spline_basis(x, knots=inner, boundary_knots=boundary)
    cmat, cnames = covariate_matrix(frame, covariates)
    one = np.ones((len(frame), 1))
    spline_names = [f"ns({dose}, df={df})[{i + 1}]" for i in range(df)]
    log_off = np.log(hours)
    fit_s = fit_negbin(y, np.hstack([one, basis, cmat]), log_off,
                       names=["Intercept", *spline_names, *cnames])
    fit_l = fit_negbin(y, np.hstack([one, x[:, None], cmat]), log_off,
                       names=["Intercept", dose, *cnames])
    fit_0 = fit_negbin(y, np.hstack([one, cmat]), log_off, names=["Intercept", *cnames])
    n_par = len(fit_s.params)
    if y.sum() < 10 * n_par:
        warnings.warn(f"the spline model has {int(y.sum())} events for {n_par} coefficients "
                      f"({y.sum() / n_par:.1f} per coefficient, under 10): the curve and tests "
                      "are unstable; lower df or drop covariates.", FitWarning, stacklevel=2)
    for name, f in (("spline", fit_s), ("linear", fit_l), ("reduced", fit_0)):
        if f.at_boundary:
            warnings.warn(f"the {name} negative-binomial fit has its dispersion at the boundary "
                          f"(theta = {f.theta:.3g}): the counts show no overdispersion, so a "
                          "Poisson model fits as well.", FitWarning, stacklevel=2)
        if not f.converged:
            warnings.warn(f"the {name} negative-binomial fit did not converge.", FitWarning,
                          stacklevel=2)

    b, se = fit_l.params[1], np.sqrt(fit_l.cov[1, 1])
    zq = z_of(level)
    z = b / se
    lr_all = 2 * (fit_s.loglik - fit_0.loglik)
    lr_nl = 2 * (fit_s.loglik - fit_l.loglik)
    p_all, p_nl = stats.chi2.sf(lr_all, df), stats.chi2.sf(lr_nl, df - 1)
    table = pd.DataFrame({
        "term": [dose, f"ns({dose}, df={df})", "non_linearity"],
        "estimate": [np.exp(b), np.nan, np.nan],
        "ci_low": [np.exp(b - zq * se), np.nan, np.nan],
        "ci_high": [np.exp(b + zq * se), np.nan, np.nan],
        "p_value": [2 * stats.norm.sf(abs(z)), p_all, p_nl],
        "model": ["linear", "spline vs none", "spline vs linear"],
        "statistic": [z, lr_all, lr_nl],
        "df": [np.nan, df, df - 1],
    })

    grid = np.linspace(boundary[0], boundary[1], 50)
    xg = np.hstack([np.ones((50, 1)), natural_spline_basis(grid, knots=inner,
                                                           boundary_knots=boundary),
                    np.tile(cmat.mean(axis=0), (50, 1))])
    eta = xg @ fit_s.params + np.log(1000.0)
    se_eta = np.sqrt(np.einsum("ij,jk,ik->i", xg, fit_s.cov, xg))
    curve = pd.DataFrame({"x": grid, "rate": np.exp(eta),
                          "ci_low": np.exp(eta - zq * se_eta),
                          "ci_high": np.exp(eta + zq * se_eta)})

    irr = table.loc[0]
    adj = (", adjusted for " + word_list([label(c, unit=False, mid=True) for c in covariates])
           + "," if covariates else "")
    ci = format_ci(irr["ci_low"], irr["ci_high"], level=level)
    text = (f"{term_phrase(dose)}{adj} was associated with "
            f"{percent_change(irr['estimate'], outcome_phrase(events) + ' rate')} "
            f"(IRR {format_number(irr['estimate'])}, {ci},"
            f" {format_p(irr['p_value'])}). A natural spline (df = {df}) showed "
            f"{'evidence' if p_nl < 0.05 else 'no clear evidence'} of a non-linear "
            f"dose-response (likelihood-ratio chi2({df - 1}) = {format_number(lr_nl)}, "
            f"{format_p(p_nl)}).")
    diagnostics = {
        "n": len(frame),
        **complete.diagnostics,
        "events": int(y.sum()),
        "exposure_hours": float(hours.sum()),
        "knots": np.r_[boundary[0], inner, boundary[1]],
        "theta_spline": fit_s.theta,
        "theta_linear": fit_l.theta,
        "loglik_spline": fit_s.loglik,
        "loglik_linear": fit_l.loglik,
        "loglik_reduced": fit_0.loglik,
        "aic_spline": -2 * fit_s.loglik + 2 * (len(fit_s.params) + 1),
        "aic_linear": -2 * fit_l.loglik + 2 * (len(fit_l.params) + 1),
    }
    observed = pd.DataFrame({"x": x, "events": y, "exposure": hours})
    fit = DoseResponseFit(
        curve=curve, observed=observed,
        knots=diagnostics["knots"], spline=fit_s.results, linear=fit_l.results,
        x=dose, events=events,
        thetas={"spline": fit_s.theta, "linear": fit_l.theta, "reduced": fit_0.theta},
    )
    return Result(table, text, diagnostics=diagnostics, model=fit, name="dose_response",
                  level=level, frames={"curve": curve, "observed": observed})


# ---------------------------------------------------------------------------------------------
# Linear model with robust standard errors, and a share with its Wilson interval
# ---------------------------------------------------------------------------------------------


def _difference_sentence(term: str, reference: str | None, outcome: str, row: dict,
                         level: float) -> str:
    unit = unit_of(outcome)
    unit_text = f" {unit}" if unit else ""
    ci = format_ci(row["ci_low"], row["ci_high"], level=level)
    return (f"{term_phrase(term, reference=reference)} went with a difference of "
            f"{format_number(row['estimate'])}{unit_text} in "
            f"{label(outcome, unit=False, mid=True)} ({ci}, t({row['df']:.1f}) = "
            f"{format_number(row['statistic'])}, {format_p(row['p_value'])}).")


def linear_model(
    data: pd.DataFrame,
    formula: str,
    *,
    cluster: str | None = None,
    level: float = 0.95,
) -> Result:
    """Least-squares regression of a continuous outcome with robust standard errors.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per participant (the analysis table); rows missing a value the formula uses
        (or the cluster id) are left out with one warning.
    formula : str
        ``"glute_onset_delay_ms ~ sitting_h_day + age + C(sex)"`` (patsy syntax).
    cluster : str, optional
        Column of cluster ids (``"team"``): bias-reduced cluster-robust (CR2) standard errors.
        Without it every row is its own cluster, which makes CR2 the heteroskedasticity-
        consistent HC2. Either way t intervals and p values use Satterthwaite degrees of
        freedom (column ``df``).
    level : float
        Confidence level of the intervals.

    Returns
    -------
    Result
        ``.table``: one row per coefficient (``term`` as the formula names it), ``estimate``
        the coefficient in the outcome's unit per unit of the term, then ``se``, ``df``,
        ``statistic`` (t). ``.diagnostics``: ``n``, ``n_dropped``, ``dropped_by``,
        ``r_squared``, ``residual_sd``, ``vcov_type`` ("HC2" or "CR2"), ``cluster``,
        ``n_clusters``, ``outcome``. ``.model``: the statsmodels OLS fit (model-based
        covariance; the table's is the robust one).

    Notes
    -----
    The coefficients are ordinary least squares. The covariance is CR2 (Bell & McCaffrey
    2002): the residuals of cluster :math:`j` are adjusted by :math:`(I - H_{jj})^{-1/2}`, with
    :math:`H` the hat matrix, and the Satterthwaite degrees of freedom are those of Pustejovsky
    & Tipton (2018). This is R ``clubSandwich::coef_test(lm, vcov = "CR2", cluster = team,
    test = "Satterthwaite")`` and its ``conf_int``; without ``cluster`` the covariance equals
    ``sandwich::vcovHC(type = "HC2")`` (``tests/reference/associations/linear_model.R``).

    Raises
    ------
    InputError
        A column is missing, the outcome is not one numeric column, the terms are collinear,
        too few rows for the terms, fewer than two clusters.

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> df = pd.DataFrame({"sitting_h_day": rng.normal(9, 1.5, 120),
    ...                    "team": np.repeat(["A", "B", "C", "D", "E", "F"], 20)})
    >>> df["glute_onset_delay_ms"] = 100 + 10 * (df.sitting_h_day - 9) + rng.normal(0, 100, 120)
    >>> res = linear_model(df, "glute_onset_delay_ms ~ sitting_h_day", cluster="team")
    >>> res.table[["term", "estimate", "ci_low", "ci_high"]].round(1)
                term  estimate  ci_low  ci_high
    0      Intercept      67.5   -15.5    150.6
    1  sitting_h_day       4.0    -3.0     10.9
    >>> print(res.text)  # doctest: +NORMALIZE_WHITESPACE
    Each additional hour of daily sitting went with a difference of 3.96 ms in glute minus
    hamstring onset delay (95 % CI -2.95 to 10.87, t(4.7) = 1.50, p = .197). Standard errors
    are cluster-robust over 6 teams (bias-reduced CR2), with t intervals and p values on
    Satterthwaite degrees of freedom.
    """
    import statsmodels.api as sm

    from ._cluster import cluster_codes, cr2_vcov
    from ._design import build_design

    level = check_level(level)
    if cluster is not None:
        if not isinstance(cluster, str):
            raise InputError(f"`cluster` must name a column (e.g. 'team'); got {cluster!r}.")
        require_columns(data, [cluster], where="data")
        data = drop_incomplete(data, [cluster], what="linear_model", stacklevel=3,
                               why="rows without a cluster id cannot be assigned to a "
                                   "cluster; fill them in to keep them").frame
    d = build_design(data, formula, what="linear_model", stacklevel=3)
    n, k = d.X.shape
    if np.linalg.matrix_rank(d.X) < k:
        raise InputError(f"the terms of {formula!r} are collinear (design rank "
                         f"{np.linalg.matrix_rank(d.X)} < {k} columns); drop a redundant term.")
    if n <= k + 1:
        raise InputError(f"linear_model needs more than {k + 1} complete rows for {k} "
                         f"coefficients; found {n}. Drop terms or add data.")
    fit = sm.OLS(d.y, d.X).fit()
    resid = d.y - d.X @ fit.params
    if cluster is not None:
        codes, n_clusters = cluster_codes(data.loc[d.rows, cluster].to_numpy(), name=cluster)
    else:
        codes, n_clusters = np.arange(n), n
    v = cr2_vcov(d.X, np.ones(n), resid, codes)
    with np.errstate(invalid="ignore"):
        se = np.sqrt(np.diag(v.cov))
    beta = np.asarray(fit.params, dtype=float)
    t = beta / se
    q = stats.t.ppf((1 + level) / 2, v.df)
    table = pd.DataFrame({
        "term": d.terms, "estimate": beta, "ci_low": beta - q * se, "ci_high": beta + q * se,
        "p_value": 2 * stats.t.sf(np.abs(t), v.df), "se": se, "df": v.df, "statistic": t})
    sentences = [_difference_sentence(r["term"], d.reference_level(r["term"]), d.outcome, r,
                                      level)
                 for r in table.to_dict("records") if r["term"] != "Intercept"]
    vcov_type = "CR2" if cluster is not None else "HC2"
    if cluster is not None:
        sentences.append(f"Standard errors are cluster-robust over {n_clusters} "
                         f"{'teams' if cluster == 'team' else 'clusters'} (bias-reduced CR2), "
                         "with t intervals and p values on Satterthwaite degrees of freedom.")
    else:
        sentences.append("Standard errors are heteroskedasticity-consistent (HC2), with t "
                         "intervals and p values on Satterthwaite degrees of freedom.")
    diagnostics = {"n": n, "n_dropped": d.n_dropped, "dropped_by": dict(d.dropped_by),
                   "r_squared": float(fit.rsquared), "residual_sd": float(np.sqrt(fit.scale)),
                   "vcov_type": vcov_type, "cluster": cluster, "n_clusters": int(n_clusters),
                   "outcome": d.outcome, "formula": formula, "level": level}
    return Result(table, " ".join(sentences), diagnostics=diagnostics, model=fit,
                  name="linear_model", level=level)


def proportion(
    data: pd.DataFrame,
    *,
    column: str,
    value: object,
    by: str | None = None,
    level: float = 0.95,
) -> Result:
    """Share of participants whose ``column`` is ``value``, with Wilson score intervals.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per participant; rows missing ``column`` are not counted (nor in ``n``).
    column : str
        The categorical column (e.g. ``"onset_order"``).
    value : object
        The level whose share is wanted (e.g. ``"hamstrings_first"``).
    by : str, optional
        A grouping column: one row per group (in the order of its levels) after the overall
        row.
    level : float
        Confidence level of the Wilson intervals.

    Returns
    -------
    Result
        ``.table``: ``term`` ("overall", then each level of ``by``), ``estimate`` the share (a
        proportion), Wilson ``ci_low``/``ci_high``, empty ``p_value``, then ``cases`` and
        ``n``.

    Notes
    -----
    The Wilson score interval is R ``prop.test(cases, n, correct = FALSE)$conf.int``
    (``tests/reference/surveillance/wilson.R``): it keeps its coverage for shares near 0 or 1
    where the Wald interval fails.

    Examples
    --------
    >>> df = pd.DataFrame({"onset_order": ["hamstrings_first"] * 8 + ["glute_first"] * 2
    ...                    + [None]})
    >>> res = proportion(df, column="onset_order", value="hamstrings_first")
    >>> res.table[["term", "estimate", "ci_low", "ci_high", "cases", "n"]].round(3)
          term  estimate  ci_low  ci_high  cases   n
    0  overall       0.8   0.490    0.943      8  10
    >>> print(res.text)  # doctest: +NORMALIZE_WHITESPACE
    Hamstrings first (onset order): 8 of 10 participants (80.0 %, 95 % CI 49.0 to 94.3 %).
    """
    from ._proportions import wilson_interval

    level = check_level(level)
    require_columns(data, [column] + ([by] if by else []), where="data")
    known = data[data[column].notna().to_numpy(bool)]
    if known.empty:
        raise InputError(f"no participant has a value of {column!r}; there is no share to "
                         "estimate.")
    groups = [("overall", known)]
    if by is not None:
        keep = known[known[by].notna().to_numpy(bool)]
        groups += [(str(g), part) for g, part in keep.groupby(by, sort=True, observed=True)]
    n = np.array([len(part) for _, part in groups], dtype=float)
    k = np.array([float((part[column].astype(str) == str(value)).sum()) for _, part in groups])
    low, high = wilson_interval(k / n, n, level)
    table = pd.DataFrame({"term": [g for g, _ in groups], "estimate": k / n, "ci_low": low,
                          "ci_high": high, "p_value": np.nan, "cases": k.astype(int),
                          "n": n.astype(int)})
    what = f"{level_label(column, value)} ({label(column, unit=False, mid=True)})"
    parts = []
    for row in table.to_dict("records"):
        where = "" if row["term"] == "overall" else (
            f" in {group_phrase(by, row['term'])}" if by else "")
        parts.append(f"{row['cases']} of {row['n']} participants{where} "
                     f"({format_number(100 * row['estimate'], 1)} %, "
                     f"{format_ci(100 * row['ci_low'], 100 * row['ci_high'], 1, level)} %)")
    text = f"{what}: " + "; ".join(parts) + "."
    return Result(table, text, diagnostics={"n": int(n[0]), "level": level, "column": column,
                                            "value": value, "by": by},
                  name="proportion", level=level)
