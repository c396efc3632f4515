"""Causal mediation for rate outcomes: does sitting raise the cramp rate *through* the glutes?

:func:`mediation` fits a mediator model (linear, or logistic for a 0/1 mediator) and an outcome
model (negative binomial, Poisson, linear or logistic; with the log-exposure offset for counts) and
computes, by the g-formula, the natural direct, natural indirect and total effects of moving ``x``
from ``x0`` to ``x1``:

* total effect: ``E[Y(x1, M(x1))]`` vs ``E[Y(x0, M(x0))]``;
* natural direct effect (pure): ``E[Y(x1, M(x0))]`` vs ``E[Y(x0, M(x0))]``;
* natural indirect effect (total): ``E[Y(x1, M(x1))]`` vs ``E[Y(x1, M(x0))]``,

where ``E[Y(x, M(x*))]`` averages the outcome model over the mediator distribution the mediator
model gives at ``x*`` and over the observed covariates and exposures. For counts it is the
marginal rate per 1000 h of exposure: expected events summed over athletes, divided by their
summed exposure hours, times 1000 (the sports-injury convention). The rate-ratio scale divides
these rates; the ``per_1000_h`` scale subtracts them. The integral over a normal mediator is done
in closed form for the log and identity links (``E[exp(b M)] = exp(b mu + b^2 sigma^2 / 2)``) and
by Gauss-Hermite quadrature for the logit link; a 0/1 mediator is summed over its two values.

Intervals come from a nonparametric bootstrap in which every replicate is a vector of frequency
weights over the rows (whole clusters with ``cluster=``), so the exposure offset travels with its
rows, and all replicates are fitted at once by :func:`glute_study.stats._kernels.fit_batch`. The
dispersion of a negative-binomial outcome is re-estimated in every replicate. BCa intervals use a
jackknife (leave one row, or one cluster, out) fitted the same batched way.

Assumptions (none of them testable from these data): no unmeasured confounding of x-y, x-m and
m-y given the covariates, and no m-y confounder affected by x. The sensitivity analysis in the
result says how strong an unmeasured m-y confounder would need to be.

References
----------
Imai, K., Keele, L. & Tingley, D. (2010). A general approach to causal mediation analysis.
*Psychological Methods*, 15, 309-334.
Imai, K., Keele, L. & Yamamoto, T. (2010). Identification, inference and sensitivity analysis for
causal mediation effects. *Statistical Science*, 25, 51-71.
VanderWeele, T. J. (2015). *Explanation in Causal Inference*. Oxford University Press.
Smith, L. H. & VanderWeele, T. J. (2019). Mediational E-values. *Epidemiology*, 30, 835-837.
Efron, B. (1987). Better bootstrap confidence intervals. *JASA*, 82, 171-185.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
from scipy import special

from .._checks import N_BOOT, check_count, check_level, check_one_of, require_columns
from ..errors import FitWarning, GluteStudyWarning, InputError
from ..labels import label as label_of
from ..labels import level_label, unit_of
from ..parallel import check_executor, draw_seed, run_tasks, spawn_seeds
from ._bootstrap import bca_limits, bca_p, boot_p, percentile_limits
from ._design import covariate_matrix, drop_incomplete
from ._kernels import BatchFit, fit_batch, single_threaded_blas
from ._result import (
    Result,
    format_ci,
    format_count,
    format_number,
    format_p,
    level_pct,
)

__all__ = ["mediation"]

#: Bootstrap replicates per task; fixed so results do not depend on the executor.
CHUNK = 250
_FAMILIES = ("negbin", "poisson", "gaussian", "logistic")
_GH_NODES, _GH_WEIGHTS = np.polynomial.hermite_e.hermegauss(40)
_GH_WEIGHTS = _GH_WEIGHTS / _GH_WEIGHTS.sum()

# columns of the per-replicate estimates array
_A, _B, _CP, _NDE_R, _NIE_R, _TE_R, _NDE_D, _NIE_D, _TE_D, _PM, _XM = range(11)
_N_Q = 11
_IKT = slice(11, 15)  # gaussian outcome and mediator: beta2 (= a), sigma1, sigma2, rho_tilde


@dataclass(frozen=True, eq=False)
class _Problem:
    """Everything a bootstrap task needs: arrays only, so it pickles small and fast."""

    Xm: np.ndarray  # mediator design: 1, x, covariates
    m: np.ndarray
    Xy: np.ndarray  # outcome design: 1, x, m, (x * m,) covariates
    y: np.ndarray
    offset: np.ndarray
    exposure: np.ndarray  # ones without exposure
    family: str
    binary_m: bool
    x0: float
    x1: float
    ikt: bool
    units: np.ndarray | None  # cluster code of each row, or None for rows
    n_units: int
    rate_scale: float  # 1000 (per 1000 h) with an exposure, else 1
    interaction: bool = False  # the outcome model holds an x * m term (column 3 of Xy)
    start_m: BatchFit | None = None
    start_y: BatchFit | None = None


# ------------------------------------------------------------------------------------------------
# estimates for a batch of weight vectors
# ------------------------------------------------------------------------------------------------
def _estimates(prob: _Problem, w: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Per-replicate quantities (B, Q) and convergence flags (B,) for weights ``w`` (B, n)."""
    mfam = "logistic" if prob.binary_m else "gaussian"
    fm = fit_batch(prob.Xm, prob.m, family=mfam, weights=w, start=prob.start_m, cov=False)
    # tol 1e-6 on the last Newton step leaves an error of about 1e-12 (quadratic convergence)
    fy = fit_batch(prob.Xy, prob.y, family=prob.family, offset=prob.offset, weights=w,
                   start=prob.start_y, cov=False, tol=1e-6 if w is not None else 1e-10)
    B = max(fm.coef.shape[0], fy.coef.shape[0])
    ww = np.ones((B, prob.Xm.shape[0])) if w is None else np.broadcast_to(w, (B, prob.Xm.shape[0]))
    alpha, beta = fm.coef, fy.coef
    a, b, cp = alpha[:, 1], beta[:, 2], beta[:, 1]
    xm = beta[:, 3] if prob.interaction else np.zeros_like(b)
    # covariate part of each linear predictor (x, m and x * m terms taken out)
    Xc = np.delete(prob.Xm, 1, axis=1)  # 1, covariates
    coef_y = np.delete(beta, [1, 2, 3] if prob.interaction else [1, 2], axis=1)
    coef_m = np.delete(alpha, 1, axis=1)

    def slope(x: float) -> np.ndarray:
        """The mediator's coefficient in the outcome model at x: b + (x * m term) x."""
        return b + xm * x
    x0, x1 = prob.x0, prob.x1
    sum_wt = ww @ prob.exposure

    if not prob.binary_m and prob.family in ("negbin", "poisson"):
        # Log link, normal mediator: E[exp(b M)] = exp(b mu_m + b^2 sigma^2 / 2) exactly, so x,
        # x* and the mediator variance factor out of the sum over athletes, which is left with
        # sum_i w_i t_i exp(lin_y_i + b lin_m_i) = sum_i w_i t_i exp(Xc_i (coef_y + b coef_m)):
        # one small GEMM and one exp over (B, n), shared by the three counterfactual means
        # (with an x * m term the mediator's slope depends on x: one sum per value of x).
        bases: dict[float, np.ndarray] = {}

        def base(bx: np.ndarray, x: float) -> np.ndarray:
            key = x if prob.interaction else 0.0
            if key not in bases:
                e = np.exp((coef_y + bx[:, None] * coef_m) @ Xc.T)
                e *= prob.exposure
                bases[key] = np.einsum("bn,bn->b", ww, e) / sum_wt
            return bases[key]

        def mean_y(x: float, xs: float) -> np.ndarray:
            """E[Y(x, M(xs))] per unit of exposure, averaged with weights w."""
            bx = slope(x)
            return base(bx, x) * np.exp(cp * x + bx * a * xs + 0.5 * bx * bx * fm.scale)
    else:
        lin_y, lin_m = coef_y @ Xc.T, coef_m @ Xc.T  # (B, n)
        wt = ww * prob.exposure

        def mean_y(x: float, xs: float) -> np.ndarray:
            """E[Y(x, M(xs))] per unit of exposure, averaged with weights w."""
            eta = lin_y + (cp * x)[:, None]
            bx = slope(x)  # the mediator's slope at this x
            if prob.binary_m:
                pm = special.expit(lin_m + (a * xs)[:, None])
                if prob.family == "gaussian":
                    per = eta + bx[:, None] * pm
                elif prob.family == "logistic":
                    per = (1 - pm) * special.expit(eta) + pm * special.expit(eta + bx[:, None])
                else:
                    per = np.exp(eta) * (1 - pm + pm * np.exp(bx)[:, None])
            else:
                mu_m = lin_m + (a * xs)[:, None]
                if prob.family == "gaussian":
                    per = eta + bx[:, None] * mu_m
                else:
                    sd = np.sqrt(fm.scale)[:, None, None]
                    nodes = (mu_m[:, :, None] + sd * _GH_NODES) * bx[:, None, None]
                    per = special.expit(eta[:, :, None] + nodes) @ _GH_WEIGHTS
            return np.einsum("bn,bn->b", wt, per) / sum_wt

    m00, m10, m11 = mean_y(x0, x0), mean_y(x1, x0), mean_y(x1, x1)
    scale = prob.rate_scale
    out = np.full((B, _N_Q + (4 if prob.ikt else 0)), np.nan)
    out[:, _A], out[:, _B], out[:, _CP] = a, b, cp
    out[:, _XM] = xm if prob.interaction else np.nan
    if prob.family != "gaussian":
        with np.errstate(divide="ignore", invalid="ignore"):
            out[:, _NDE_R], out[:, _NIE_R], out[:, _TE_R] = m10 / m00, m11 / m10, m11 / m00
    out[:, _NDE_D] = scale * (m10 - m00)
    out[:, _NIE_D] = scale * (m11 - m10)
    out[:, _TE_D] = scale * (m11 - m00)
    with np.errstate(divide="ignore", invalid="ignore"):
        out[:, _PM] = out[:, _NIE_D] / out[:, _TE_D]
    if prob.ikt:
        out[:, _IKT] = _ikt_parts(prob, ww, alpha, a)
    ok = fm.converged & fy.converged & np.isfinite(out[:, [_A, _B, _CP, _TE_D]]).all(axis=1)
    return out, ok


def _ikt_parts(prob: _Problem, w: np.ndarray, alpha: np.ndarray, a: np.ndarray) -> np.ndarray:
    """Imai-Keele-Yamamoto pieces (linear outcome and mediator): a, sigma1, sigma2, rho~."""
    Xr = prob.Xm  # reduced outcome model: y ~ x + covariates
    fr = fit_batch(Xr, prob.y, family="gaussian", weights=w, cov=False)
    e1 = prob.y - fr.coef @ Xr.T
    e2 = prob.m - alpha @ Xr.T
    sw = w.sum(axis=1)
    s11 = np.einsum("bn,bn->b", w, e1 * e1) / sw
    s22 = np.einsum("bn,bn->b", w, e2 * e2) / sw
    s12 = np.einsum("bn,bn->b", w, e1 * e2) / sw
    return np.column_stack([a, np.sqrt(s11), np.sqrt(s22), s12 / np.sqrt(s11 * s22)])


def _ikt_indirect(parts: np.ndarray, rho: np.ndarray, delta: float) -> np.ndarray:
    """ACME(rho) of Imai, Keele & Yamamoto (2010, Theorem 2) times the contrast ``delta``."""
    beta2, s1, s2, rt = (parts[..., i, None] for i in range(4))
    root = np.sqrt(np.clip((1 - rt**2) / (1 - rho**2), 0, None))
    return delta * beta2 * s1 / s2 * (rt - rho * root)


# ------------------------------------------------------------------------------------------------
# bootstrap and jackknife tasks
# ------------------------------------------------------------------------------------------------
def _resample_counts(seed: int, size: int, n_units: int) -> np.ndarray:
    """Bootstrap counts of each unit (row or cluster) for ``size`` replicates, from ``seed``.

    Replicate ``r`` draws the units ``_resample_indices(seed, size, n_units)[r]``; the count of a
    unit is how often it was drawn, i.e. its frequency weight.
    """
    idx = _resample_indices(seed, size, n_units)
    idx += np.arange(0, size * n_units, n_units)[:, None]  # in place: unit u of replicate r
    return np.bincount(idx.ravel(), minlength=size * n_units).reshape(size, n_units).astype(float)


def _resample_indices(seed: int, size: int, n_units: int) -> np.ndarray:
    """The units drawn with replacement, shape (size, n_units)."""
    return np.random.default_rng(seed).integers(0, n_units, size=(size, n_units))


def _unit_weights(prob: _Problem, counts: np.ndarray) -> np.ndarray:
    return counts if prob.units is None else counts[:, prob.units]


def _task(task: tuple[Any, ...]) -> tuple[np.ndarray, np.ndarray]:
    """One bootstrap chunk (``("boot", problem, seed, size)``) or jackknife chunk."""
    kind, prob, first, size = task
    if kind == "boot":
        counts = _resample_counts(first, size, prob.n_units)
    else:  # leave units first .. first + size - 1 out, one at a time
        counts = np.ones((size, prob.n_units))
        counts[np.arange(size), first + np.arange(size)] = 0.0
    with single_threaded_blas():
        return _estimates(prob, _unit_weights(prob, counts))


# ------------------------------------------------------------------------------------------------
# input checks and design
# ------------------------------------------------------------------------------------------------
def _numeric(frame: pd.DataFrame, col: str, role: str) -> np.ndarray:
    s = frame[col]
    if s.dtype == bool:
        return s.to_numpy(dtype=float)
    if not pd.api.types.is_numeric_dtype(s):
        raise InputError(f"{role} {col!r} must be numeric; found {s.dtype} values "
                         f"such as {s.iloc[0]!r}.")
    return s.to_numpy(dtype=float)


def _default_contrast(xv: np.ndarray) -> tuple[tuple[float, float], str]:
    values = np.unique(xv)
    if values.size == 2:
        return (float(values[0]), float(values[1])), "the two observed levels"
    q1, q3 = np.quantile(xv, [0.25, 0.75])
    if q3 <= q1:
        q1, q3 = float(values[0]), float(values[-1])
        return (q1, q3), "the observed minimum and maximum"
    return (float(q1), float(q3)), "the interquartile range (25th to 75th percentile)"


# ------------------------------------------------------------------------------------------------
# public function
# ------------------------------------------------------------------------------------------------
def mediation(
    data: pd.DataFrame,
    *,
    x: str,
    m: str,
    y: str,
    covariates: Sequence[str] = (),
    exposure: str | None = None,
    family: str = "negbin",
    contrast: tuple[float, float] | None = None,
    interaction: bool = False,
    n_boot: int = 5000,
    ci: str = "bca",
    cluster: str | None = None,
    seed: int | None = None,
    executor: Any = None,
    level: float = 0.95,
) -> Result:
    """Natural direct and indirect effects of ``x`` on a rate (or other) outcome through ``m``.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per athlete (or per session, with ``cluster=``), e.g. ``Study.analysis_table()``.
    x : str
        The cause of interest (e.g. ``"sitting_h_day"``); numeric or 0/1. (``exposure`` is the
        hours of training and match, as in every analysis.)
    m : str
        Mediator (e.g. ``"glute_nm_kg"``): numeric (linear model) or 0/1 (logistic model).
    y : str
        Outcome: event counts for ``negbin``/``poisson``, 0/1 for ``logistic``, numeric for
        ``gaussian``.
    covariates : sequence of str
        Confounders adjusted for in both models; text columns become dummy variables.
    exposure : str, optional
        Exposure hours; ``log(exposure)`` is the offset of a count outcome, it is resampled with
        its rows, and rates are reported per 1000 h. Without it, counts are per athlete.
    family : {"negbin", "poisson", "gaussian", "logistic"}
        Outcome model. ``negbin`` re-estimates its dispersion in every bootstrap replicate.
    contrast : (float, float), optional
        ``(x0, x1)`` in the units of ``x``. Default: the two levels of a binary ``x``, else its
        interquartile range; the contrast used is stated in ``.text``.
    interaction : bool
        Add the exposure-by-mediator product ``x * m`` to the outcome model (VanderWeele 2015,
        ch. 2), so that the mediator's effect on the outcome may depend on ``x``. The natural
        direct effect is then the pure direct effect (the mediator at its distribution under
        ``x0``) and the indirect effect the total indirect effect; the table gains an
        ``interaction`` coefficient row.
    n_boot : int
        Bootstrap replicates, from 100 to 100,000 (5000 for publication).
    ci : {"bca", "percentile"}
        Bootstrap interval. BCa (bias-corrected and accelerated) is second-order accurate.
    cluster : str, optional
        Column identifying participants (or teams) whose rows are resampled together.
    seed : int, optional
        Seed of the bootstrap (0 to 2**32 - 1); the same seed gives the same result on any
        executor. Without one a seed is drawn; either way it is in ``.text`` and
        ``.diagnostics["seed"]``, so that the run can be repeated.
    executor : None, str, dask Client or Executor
        Where bootstrap chunks run (see :mod:`glute_study.parallel`); ``None`` uses threads in
        this process, ``"tcp://host:8786"`` a Dask cluster.

    level : float
        Confidence level of the bootstrap intervals and the sensitivity band.

    Returns
    -------
    Result
        ``.table`` with one row per quantity: ``term`` is ``a`` (x -> m), ``b`` (m -> y),
        ``direct`` (c', and the natural direct effect), ``indirect``, ``total`` and
        ``proportion_mediated``; ``scale`` is ``coefficient`` (model coefficients, per unit),
        ``rate_ratio`` and ``per_1000_h`` (count outcomes with exposure; ``per_athlete``
        without), ``risk_ratio``/``risk_difference`` (logistic), ``difference`` (gaussian) or
        ``proportion``. Extra columns: ``se`` (bootstrap SD) and ``label``. ``.diagnostics``
        holds the contrast, fits, bootstrap draws and the number of failed replicates;
        ``.frames["sensitivity"]`` the sensitivity grid (``parameter, value, indirect, ci_low,
        ci_high``: E-values, or the Imai-Keele-Yamamoto rho grid for a linear outcome) that
        :func:`glute_study.figures.mediation.mediation_sensitivity_plot` draws.

    Raises
    ------
    InputError
        Missing columns; a constant or all-missing mediator or ``x``; an outcome that is not a
        count for a count family; zero or negative exposure; fewer than 10 clusters; an empty
        contrast.

    Warns
    -----
    GluteStudyWarning
        Rows dropped for missing values; a contrast outside the observed range of ``x``.
    FitWarning
        More than 1 % of bootstrap replicates failed to converge (they are left out).

    Notes
    -----
    Bootstrap p-values are two-sided and agree with the interval asked for: with
    ``ci="percentile"`` twice the smaller share of replicates on either side of the null (0 for
    coefficients and differences, 1 for ratios); with ``ci="bca"`` the level at which a BCa
    limit reaches the null (the BCa percentile mapping inverted at the null). The proportion
    mediated is ``indirect / total`` on the absolute scale and is only meaningful when both have
    the same sign.

    Examples
    --------
    >>> rng = np.random.default_rng(7)
    >>> n = 300
    >>> df = pd.DataFrame({"sitting": rng.normal(9, 1.5, n), "age": rng.normal(25, 4, n),
    ...                    "hours": rng.uniform(60, 200, n)})
    >>> df["glute"] = 2.5 - 0.1 * (df.sitting - 9) + rng.normal(0, 0.4, n)
    >>> rate = df.hours / 1000 * np.exp(np.log(8) - 0.6 * (df.glute - 2.5))
    >>> df["cramps"] = rng.negative_binomial(1.5, 1.5 / (1.5 + rate))
    >>> res = mediation(df, x="sitting", m="glute", y="cramps", covariates=["age"],
    ...                 exposure="hours", n_boot=200, seed=1, executor="serial")
    >>> print(res.table.iloc[3:6, [0, 1, 2, 3, 5]].round(2).to_string(index=False))
        term  estimate  ci_low  ci_high      scale
      direct      0.82    0.67     0.96 rate_ratio
    indirect      1.26    1.14     1.37 rate_ratio
       total      1.03    0.87     1.26 rate_ratio
    """
    check_one_of("family", family, _FAMILIES)
    check_one_of("ci", ci, ("bca", "percentile"))
    level = check_level(level)
    n_boot = check_count("n_boot", n_boot, N_BOOT)
    seed = draw_seed(seed)
    check_executor(executor)
    covariates = [covariates] if isinstance(covariates, str) else list(covariates)
    if family in ("gaussian", "logistic") and exposure is not None:
        raise InputError(f"`exposure` is an offset for count outcomes; family {family!r} "
                         "has none. Use family='negbin' or 'poisson', or drop `exposure`.")
    used = [x, m, y, *covariates] + [c for c in (exposure, cluster) if c is not None]
    require_columns(data, used, where="`data`")
    if len(set(used)) != len(used):
        raise InputError(f"x, m, y, covariates, exposure and cluster must be different columns; "
                         f"got {used}.")
    if data[m].notna().sum() == 0:
        raise InputError(f"mediator {m!r} has no values (all missing).")
    complete = drop_incomplete(data[used], used, what="mediation", stacklevel=2)
    frame = complete.frame
    if len(frame) < 10:
        raise InputError(f"mediation needs at least 10 complete rows; found {len(frame)}.")
    xv, mv, yv = (_numeric(frame, c, r) for c, r in ((x, "x"), (m, "mediator"), (y, "outcome")))
    if np.ptp(mv) == 0:
        raise InputError(f"mediator {m!r} is constant ({mv[0]:g}) in the complete rows; it cannot "
                         "carry an effect.")
    if np.ptp(xv) == 0:
        raise InputError(f"x {x!r} is constant ({xv[0]:g}) in the complete rows.")
    if family in ("negbin", "poisson") and ((yv < 0).any() or (yv != np.round(yv)).any()):
        bad = yv[(yv < 0) | (yv != np.round(yv))][0]
        raise InputError(f"outcome {y!r} must hold non-negative whole counts for family "
                         f"{family!r}; found {bad:g}. Use family='gaussian' for a measurement.")
    if family == "logistic" and not np.isin(yv, (0, 1)).all():
        raise InputError(f"outcome {y!r} must be coded 0/1 for family 'logistic'.")
    if exposure is not None:
        ev = _numeric(frame, exposure, "exposure")
        if (ev <= 0).any():
            raise InputError(f"exposure {exposure!r} must be positive; found {int((ev <= 0).sum())}"
                             f" rows with zero or negative hours (e.g. {ev[ev <= 0][0]:g}). Remove "
                             "athletes without exposure or correct their hours.")
    else:
        ev = np.ones(len(frame))
    binary_m = bool(np.isin(mv, (0, 1)).all())
    Xc, cov_names = covariate_matrix(frame, covariates)
    const = [c for c, v in zip(cov_names, Xc.T) if np.ptp(v) == 0]
    if const:
        raise InputError(f"covariate(s) {const} take a single value in the complete rows; "
                         "drop them from `covariates`.")
    one = np.ones((len(frame), 1))
    Xm = np.column_stack([one, xv, Xc])
    if not isinstance(interaction, bool):
        raise InputError(f"`interaction` must be True or False; got {interaction!r}.")
    Xy = (np.column_stack([one, xv, mv, xv * mv, Xc]) if interaction
          else np.column_stack([one, xv, mv, Xc]))

    rule = "as given"
    if contrast is None:
        contrast, rule = _default_contrast(xv)
    try:
        x0, x1 = (float(v) for v in contrast)
    except (TypeError, ValueError):
        raise InputError(f"`contrast` must be two numbers (x0, x1); got {contrast!r}.") from None
    if x0 == x1:
        raise InputError(f"`contrast` must compare two different values of {x!r}; got {contrast}.")
    if min(x0, x1) < xv.min() or max(x0, x1) > xv.max():
        warnings.warn(f"contrast {x0:g} -> {x1:g} lies outside the observed range of {x!r} "
                      f"({xv.min():g} to {xv.max():g}); the effects are extrapolated.",
                      GluteStudyWarning, stacklevel=2)

    units, n_units = None, len(frame)
    if cluster is not None:
        codes, uniq = pd.factorize(frame[cluster])
        units, n_units = codes.astype(np.intp), len(uniq)
        if n_units < 10:
            raise InputError(f"a cluster bootstrap needs at least 10 clusters; {cluster!r} has "
                             f"{n_units}. Drop `cluster=` or pool more participants.")

    # Imai-Keele-Yamamoto's sensitivity analysis assumes no x * m interaction
    ikt = family == "gaussian" and not binary_m and not interaction
    prob = _Problem(Xm, mv, Xy, yv, np.log(ev), ev, family, binary_m, x0, x1, ikt, units, n_units,
                    1000.0 if exposure is not None else 1.0, interaction=interaction)
    full_m = fit_batch(Xm, mv, family="logistic" if binary_m else "gaussian")
    full_y = fit_batch(Xy, yv, family=family, offset=prob.offset)
    if not (full_m.converged.all() and full_y.converged.all()):
        warnings.warn("mediation: the full-data model fit did not converge; the estimates are not "
                      "trustworthy.", FitWarning, stacklevel=2)
    prob = replace(prob, start_m=full_m, start_y=full_y)
    est, _ = _estimates(prob, None)
    est = est[0]

    # bootstrap in fixed chunks with spawned seeds; jackknife in fixed chunks
    sizes = [min(CHUNK, n_boot - i) for i in range(0, n_boot, CHUNK)]
    seeds = spawn_seeds(seed, len(sizes))
    tasks = [("boot", prob, s, k) for s, k in zip(seeds, sizes)]
    if ci == "bca":
        tasks += [("jack", prob, i, min(CHUNK, n_units - i)) for i in range(0, n_units, CHUNK)]
    with single_threaded_blas():  # covers in-process threads; each task also limits its own
        out = run_tasks(_task, tasks, executor="threads" if executor is None else executor,
                        desc="mediation bootstrap")
    boot = np.concatenate([o[0] for o in out[: len(sizes)]])
    ok = np.concatenate([o[1] for o in out[: len(sizes)]])
    n_failed = int((~ok).sum())
    if n_failed > 0.01 * n_boot:
        warnings.warn(f"mediation: {n_failed} of {n_boot} bootstrap replicates did not converge "
                      "and were left out.", FitWarning, stacklevel=2)
    boot_ok = boot[ok]
    if ci == "bca":
        jack = np.concatenate([o[0] for o in out[len(sizes):]])
        jack_ok = np.concatenate([o[1] for o in out[len(sizes):]])
        jack[~jack_ok] = np.nan  # a leave-one-out fit that failed says nothing about skewness
        lo, hi, z0, acc = bca_limits(boot_ok, est, jack, level)
        bca = (z0, acc)
    else:
        jack, bca = None, None
        lo, hi = percentile_limits(boot_ok, level)

    table = _table(est, boot_ok, lo, hi, bca, family, exposure is not None, x, m, y,
                   interaction)
    e_values = _e_values(table, x, m, y) if family != "gaussian" else None
    contrast_info = {"x0": x0, "x1": x1, "rule": rule}
    sens = _sensitivity(prob, est, boot_ok, lo, hi, level)
    text = _text(table, sens, x=x, m=m, y=y, family=family, contrast=contrast_info, ci=ci,
                 n_boot=n_boot, seed=seed, cluster=cluster, n=len(frame), n_units=n_units,
                 same_time=_same_time(data, x, m), level=level, interaction=interaction,
                 e_values=e_values)
    diagnostics = {
        "n": len(frame),
        **complete.diagnostics,
        "n_boot": n_boot,
        "seed": seed,
        "n_failed": n_failed,
        "contrast": contrast_info,
        "ci": ci,
        "mediator_model": "logistic" if binary_m else "linear",
        "outcome_family": family,
        "covariates": cov_names,
        "theta": float(full_y.theta[0]),
        "n_clusters": n_units if cluster else None,
        "bootstrap": boot,
        "bootstrap_ok": ok,
        # the column of `bootstrap` that holds each table row (pooling over imputations)
        "bootstrap_index": [r[0] for r in _rows(family, exposure is not None, x, m, y,
                                                 interaction)],
        "interaction": interaction,
        "proportion_mediated": float(est[_PM]),
        # every row's estimate before the proportion mediated is blanked (pooling uses them)
        "estimates": np.array([est[r[0]] for r in _rows(family, exposure is not None, x, m, y,
                                                        interaction)]),
        "assumptions": assumptions_text(x=x, m=m, y=y, covariates=covariates,
                                        interaction=interaction),
        "jackknife": jack,
    }
    frames = {"sensitivity": sens}
    if e_values is not None:
        frames["e_values"] = e_values
    return Result(table, text, diagnostics, model={"mediator": full_m, "outcome": full_y},
                  name="mediation", level=level, frames=frames)


# ------------------------------------------------------------------------------------------------
# table, sensitivity and text
# ------------------------------------------------------------------------------------------------
def _scales(family: str, has_exposure: bool) -> tuple[str | None, str]:
    if family == "gaussian":
        return None, "difference"
    if family == "logistic":
        return "risk_ratio", "risk_difference"
    return "rate_ratio", "per_1000_h" if has_exposure else "per_athlete"


def _rows(family, has_exposure, x, m, y, interaction=False) -> list[tuple]:
    """(column of the estimates array, term, scale, label, null) of each table row, in order."""
    ratio, diff = _scales(family, has_exposure)
    link = {"gaussian": "per unit", "logistic": "log odds ratio per unit"}.get(
        family, "log rate ratio per unit")
    xw, mw, yw = (label_of(c, unit=False, mid=True) for c in (x, m, y))

    coded = {v: level_label(x, v) for v in ("0", "1")}
    group = coded != {"0": "0", "1": "1"}  # a 0/1 group with labelled levels (the arm)

    def per(col: str, words: str) -> str:
        if col == x and group:  # a contrast, not a dose: "glute training vs control"
            vs = f"{coded['1']} vs {coded['0']}"
            return vs if words == "per unit" else words.replace(" per unit", f", {vs}")
        u = unit_of(col)
        return words.replace("per unit", f"per {u}") if u else (
            f"{words} of {label_of(col, unit=False, mid=True)}")

    at = (f" for {coded['0']}" if group else f" at {xw} of 0") if interaction else ""
    rows = [
        (_A, "a", "coefficient", f"a: {xw} -> {mw} ({per(x, 'per unit')})", 0.0),
        (_B, "b", "coefficient", f"b: {mw} -> {yw}{at} ({per(m, link)})", 0.0),
        (_CP, "direct", "coefficient", f"c': {xw} -> {yw} given {mw}"
         + (" of 0" if interaction else "") + f" ({per(x, link)})", 0.0),
    ]
    if interaction:
        rows.append((_XM, "interaction", "coefficient",
                     f"{xw} x {mw} on {yw} (change in b"
                     + (", " if group else " ") + f"{per(x, 'per unit')})", 0.0))
    if ratio:
        rows += [(_NDE_R, "direct", ratio, "natural direct effect", 1.0),
                 (_NIE_R, "indirect", ratio, "natural indirect effect", 1.0),
                 (_TE_R, "total", ratio, "total effect", 1.0)]
    rows += [(_NDE_D, "direct", diff, "natural direct effect", 0.0),
             (_NIE_D, "indirect", diff, "natural indirect effect", 0.0),
             (_TE_D, "total", diff, "total effect", 0.0),
             (_PM, "proportion_mediated", "proportion", "indirect / total", None)]
    return rows


def _table(est, boot, lo, hi, bca, family, has_exposure, x, m, y, interaction=False
           ) -> pd.DataFrame:
    recs = []
    for q, term, scale, label, null in _rows(family, has_exposure, x, m, y, interaction):
        if null is None:
            p = np.nan
        elif bca is None:
            p = boot_p(boot[:, q], null)
        else:
            p = bca_p(boot[:, q], null, bca[0][q], bca[1][q])
        recs.append({"term": term, "estimate": est[q], "ci_low": lo[q], "ci_high": hi[q],
                     "p_value": p,
                     "scale": scale, "se": float(np.nanstd(boot[:, q], ddof=1)), "label": label,
                     "note": ""})
    return gate_proportion(pd.DataFrame.from_records(recs))


def gate_proportion(table: pd.DataFrame) -> pd.DataFrame:
    """Blank the proportion mediated, with the reason in ``note``, where it means nothing
    (AGReMA: report it only when it is a share of the total); other rows stay as they are."""
    why = _no_proportion(table)
    if why:
        pm = table["term"] == "proportion_mediated"
        table.loc[pm, [c for c in ("estimate", "ci_low", "ci_high", "se", "ci_low_pooled",
                                   "ci_high_pooled") if c in table]] = np.nan
        table.loc[pm, "note"] = f"not reported: {why}"
    return table


def _no_proportion(table: pd.DataFrame) -> str:
    """Why the proportion mediated means nothing here ("" when it does): the direct and indirect
    effects point different ways, or the total effect is not told from none."""
    diff = table[(table["scale"] != "coefficient") & (table["scale"] != "proportion")
                 & ~table["scale"].isin(("rate_ratio", "risk_ratio"))]
    rows = {t: r for t, r in zip(diff["term"], diff.itertuples())}
    if not {"direct", "indirect", "total"} <= set(rows):
        return ""
    nde, nie = rows["direct"].estimate, rows["indirect"].estimate
    if np.sign(nde) * np.sign(nie) < 0:
        return ("the direct and indirect effects have opposite signs (inconsistent mediation), "
                "so the indirect effect is not a share of the total")
    lo, hi = rows["total"].ci_low, rows["total"].ci_high
    if not (np.isfinite(lo) and np.isfinite(hi)) or lo <= 0 <= hi:
        return ("the total effect's interval includes no effect, so a share of it is not "
                "estimable with useful precision")
    return ""


def assumptions_text(*, x: str, m: str, y: str, covariates: Sequence[str] = (),
                     interaction: bool = False) -> str:
    """The identification assumptions of a natural-effects mediation, in words (AGReMA item 9).

    Examples
    --------
    >>> print(assumptions_text(x="sitting_h_day", m="glute_nm_kg", y="hamstring_cramps",
    ...                        covariates=["age", "sex"])[:88])
    The natural direct and indirect effects are identified only if, given age and sex, there
    """
    from ..labels import word_list

    xw, mw, yw = (label_of(c, unit=False, mid=True) for c in (x, m, y))
    given = word_list([label_of(c, unit=False, mid=True) for c in covariates]) or "nothing"
    return (f"The natural direct and indirect effects are identified only if, given {given}, "
            f"there is no unmeasured confounding of {xw} and {yw}, of {xw} and {mw}, and of "
            f"{mw} and {yw}; no confounder of {mw} and {yw} is itself affected by {xw}; "
            f"{xw} comes before {mw} and {mw} before {yw}; and both models are correctly "
            "specified"
            + (", the outcome model with an exposure-by-mediator interaction."
               if interaction else ", with no exposure-by-mediator interaction in the outcome "
               "model (assumed, not modelled).")
            + " None of these can be tested from the data; the sensitivity analyses say how "
            "strong a violation would have to be.")


def _e_values(table: pd.DataFrame, x: str, m: str, y: str) -> pd.DataFrame:
    """E-values of the total, direct and indirect effects on the ratio scale, each with the
    confounding it guards against (Ding & VanderWeele 2016; Smith & VanderWeele 2019)."""
    ratio = table[table["scale"].isin(("rate_ratio", "risk_ratio"))].set_index("term")
    xw, mw, yw = (label_of(c, unit=False, mid=True) for c in (x, m, y))
    against = {"total": f"{xw} and {yw}", "direct": f"{xw} and {yw} (or {mw} and {yw})",
               "indirect": f"{mw} and {yw}"}
    rows = []
    for term in ("total", "direct", "indirect"):
        if term not in ratio.index:
            continue
        r = ratio.loc[term]
        lo, hi = float(r["ci_low"]), float(r["ci_high"])
        crosses = not (np.isfinite(lo) and np.isfinite(hi)) or lo <= 1 <= hi
        near = lo if r["estimate"] >= 1 else hi
        rows.append({"term": term, "estimate": float(r["estimate"]),
                     "e_value": _evalue(float(r["estimate"])),
                     "e_value_ci": 1.0 if crosses else _evalue(near),
                     "confounding": against[term]})
    return pd.DataFrame(rows, columns=["term", "estimate", "e_value", "e_value_ci",
                                       "confounding"])


def _evalue(rr: float) -> float:
    """VanderWeele-Ding E-value of a risk (rate) ratio; 1 when the ratio is 1 or missing."""
    if not np.isfinite(rr) or rr <= 0:
        return float("nan")
    rr = rr if rr >= 1 else 1.0 / rr
    return float(rr + math.sqrt(rr * (rr - 1.0)))


def _sensitivity(prob: _Problem, est, boot, lo, hi, level) -> pd.DataFrame:
    """The indirect effect under growing unmeasured mediator-outcome confounding."""
    if prob.ikt:
        rho = np.round(np.linspace(-0.9, 0.9, 37), 10)
        delta = prob.x1 - prob.x0
        point = _ikt_indirect(est[_IKT][None, :], rho, delta)[0]
        draws = _ikt_indirect(boot[:, _IKT], rho, delta)
        low, high = np.nanquantile(draws, [(1 - level) / 2, (1 + level) / 2], axis=0)
        out = pd.DataFrame({"parameter": "rho", "value": rho, "indirect": point,
                            "ci_low": low, "ci_high": high})
        out.attrs["null"] = 0.0
        return out
    if prob.family == "gaussian":  # binary mediator with a linear outcome: no method here
        out = pd.DataFrame(columns=["parameter", "value", "indirect", "ci_low", "ci_high"])
        out.attrs["null"] = 0.0
        return out
    rr, rl, rh = est[_NIE_R], lo[_NIE_R], hi[_NIE_R]
    e_point = _evalue(rr)
    top = max(3.0, 1.25 * e_point if np.isfinite(e_point) else 3.0)
    gamma = np.linspace(1.0, top, 41)
    bias = gamma * gamma / (2 * gamma - 1)  # Ding & VanderWeele bounding factor, RR_UM = RR_UY
    toward = 1.0 / bias if rr >= 1 else bias
    out = pd.DataFrame({"parameter": "confounder_rr", "value": gamma, "indirect": rr * toward,
                        "ci_low": rl * toward, "ci_high": rh * toward})
    out.attrs["null"] = 1.0
    out.attrs["e_value"] = e_point
    crosses = (rl <= 1 <= rh) if np.isfinite(rl) and np.isfinite(rh) else True
    near = rl if rr >= 1 else rh
    out.attrs["e_value_ci"] = 1.0 if crosses else _evalue(near)
    return out


def _same_time(data: pd.DataFrame, x: str, m: str) -> bool:
    """True unless ``data.attrs['measured_at']`` shows ``x`` measured before ``m``."""
    when = data.attrs.get("measured_at", {}) if hasattr(data, "attrs") else {}
    try:
        return not (x in when and m in when and pd.Timestamp(when[x]) < pd.Timestamp(when[m]))
    except (TypeError, ValueError):
        return True


def _text(table, sens, *, x, m, y, family, contrast, ci, n_boot, seed, cluster, n, n_units,
          same_time, level, interaction=False, e_values=None) -> str:
    def row(term, scale):
        r = table[(table.term == term) & (table.scale == scale)]
        return r.iloc[0] if len(r) else None

    ratio, diff = _scales(family, "per_1000_h" in set(table.scale))
    lab = {"rate_ratio": "RR", "risk_ratio": "risk ratio"}.get(ratio, "")
    unit = {"per_1000_h": " per 1000 h", "per_athlete": " per athlete"}.get(diff, "")
    citxt = "BCa" if ci == "bca" else "percentile"
    xw, mw, yw = (label_of(c, unit=False, mid=True) for c in (x, m, y))
    boot_units = (f"{n_units} teams" if cluster == "team" else f"{n_units} athletes"
                  if cluster == "participant_id" else
                  f"{n_units} clusters ({label_of(cluster, unit=False, mid=True)})" if cluster
                  else f"{n} rows")
    model = {"negbin": "negative-binomial", "poisson": "Poisson", "gaussian": "linear"}.get(
        family, family)
    xu = unit_of(x)
    xu = f" {xu}" if xu else ""
    coded = {v: level_label(x, str(int(v))) for v in (0.0, 1.0)}
    if {contrast["x0"], contrast["x1"]} == set(coded) and coded != {0.0: "0", 1.0: "1"}:
        # a group coded 0/1 with labelled levels, such as the arm (the study's labels first)
        compared = f"comparing {coded[contrast['x1']]} with {coded[contrast['x0']]}"
    else:
        compared = (f"comparing {xw} of {contrast['x0']:.3g}{xu} with {contrast['x1']:.3g}{xu} "
                    f"({contrast['rule']})")
    parts = [f"Mediation of the effect of {xw} on {yw} through {mw} ({model} outcome model, "
             f"n = {n}), {compared}; {citxt} {level_pct(level)} % intervals from "
             f"{format_count(n_boot)} "
             f"bootstrap replicates resampling {boot_units} (seed {seed})"
             + (f"; the outcome model holds the {xw}-by-{mw} interaction, so the direct "
                "effect is the pure natural direct effect and the indirect effect the total "
                "natural indirect effect" if interaction else "") + "."]
    for term, name in (("indirect", "Natural indirect effect"), ("direct", "natural direct "
                                                                 "effect"), ("total",
                                                                             "total effect")):
        bits = []
        if ratio:
            r = row(term, ratio)
            bits.append(f"{lab} {format_number(r.estimate)}, "
                        f"{format_ci(r.ci_low, r.ci_high, level=level)}, {format_p(r.p_value)}")
        d = row(term, diff)
        bits.append(f"{format_number(d.estimate)}{unit}, "
                    f"{format_ci(d.ci_low, d.ci_high, level=level)}")
        parts.append(f"{name[0].upper() + name[1:]}: " + "; ".join(bits) + ".")
    pm = row("proportion_mediated", "proportion")
    if pm.note:
        parts.append(f"The proportion mediated is {pm.note}.")
    else:
        parts.append(f"Proportion mediated {format_number(pm.estimate)} "
                     f"({format_ci(pm.ci_low, pm.ci_high, level=level)}).")
    if interaction:
        r = row("interaction", "coefficient")
        parts.append(f"Exposure-by-mediator interaction: {format_number(r.estimate)} "
                     f"({format_ci(r.ci_low, r.ci_high, level=level)}, {format_p(r.p_value)}).")
    if sens.attrs.get("e_value") is not None and len(sens):
        parts.append(
            f"Sensitivity: an unmeasured confounder of {mw} and {yw} would need to be associated "
            f"with both by a rate ratio of {format_number(sens.attrs['e_value'])} (E-value; "
            f"{format_number(sens.attrs['e_value_ci'])} to move the confidence limit to 1), "
            "over and above the covariates, to explain the indirect effect away.")
    if e_values is not None and len(e_values):
        ev = e_values.set_index("term")
        bits = [f"{'the total' if t == 'total' else 'the direct'} effect away would need a "
                f"confounder of {ev.at[t, 'confounding']} associated with both by a rate ratio "
                f"of {format_number(ev.at[t, 'e_value'])} "
                f"({format_number(ev.at[t, 'e_value_ci'])} for the confidence limit)"
                for t in ("total", "direct") if t in ev.index]
        if bits:
            parts.append("Exposure-outcome confounding (E-values): to explain "
                         + "; to explain ".join(bits) + ".")
    if sens.attrs.get("e_value") is None and len(sens):
        point = sens["indirect"].to_numpy()
        rho = sens["value"].to_numpy()
        sign = np.sign(point[np.argmin(np.abs(rho))])
        flips = rho[np.sign(point) != sign]
        at = flips[np.argmin(np.abs(flips))] if flips.size else None
        where = (f"a correlation of rho = {format_number(at, bounded=True)}" if at is not None
                 else "no correlation within -.9 to .9")
        parts.append(f"Sensitivity (Imai-Keele-Yamamoto): {where} between the errors of the "
                     f"{mw} and {yw} models would make the indirect effect change sign.")
    if same_time:
        parts.append(f"Caution: {xw} and {mw} appear to have been measured over the same "
                     f"period, so the order {xw} -> {mw} is assumed, not observed; reverse "
                     "causation or a shared cause would produce the same pattern.")
    return " ".join(parts)
