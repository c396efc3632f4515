r"""Rate ratios of a trial randomised by team: three analyses that respect the clusters.

When whole teams are randomised, athletes of one team share its cramp rate, and the
information about the arm effect comes from the number of teams, not of athletes. An analysis
that treats athletes as independent is too confident. :func:`cluster_rate_fit` fits the
negative-binomial rate model of the trial three ways (``trial_rate_effect(cluster=...)`` calls
it):

``"glmm"`` (the default)
    A negative-binomial (NB2) mixed model with a random intercept per team
    (:func:`~glute_study.stats.count_mixed_model`, fitted as R ``glmmTMB``), Wald statistics
    referred to a t distribution with *between-within* degrees of freedom.
``"gee"``
    Marginal GEE with an exchangeable working correlation within teams
    (:func:`~glute_study.stats.gee_counts`, negative-binomial variance), the Mancl-DeRouen
    bias-reduced sandwich and the same t reference.
``"cr2"``
    The negative-binomial GLM with the bias-reduced cluster-robust (CR2) covariance and
    Satterthwaite degrees of freedom (:func:`~glute_study.stats.count_model` with ``cluster=``,
    as R ``clubSandwich``).

With a log link the team intercept multiplies every rate in a team by the same factor, so the
three estimate the same rate ratio between arms.

Degrees of freedom
------------------
Between-within (Schluchter & Elashoff 1990; SAS ``DDFM=BETWITHIN``): a term constant within
every team (the intercept, the arm in a cluster-randomised trial, a team-level covariate) has
:math:`K - p_b` degrees of freedom, :math:`K` teams and :math:`p_b` such terms; a term that
varies within teams has :math:`N - K - p_w`. With 10-20 teams per arm a normal reference
rejects a true null too often (about 7 % for 20 teams and 11 % for 10 in the simulator's
negative-binomial trials); the t reference brings it to 5-6 % (``benchmarks/cluster_trial.py``),
as Li & Redden (2015) found for GLMMs of cluster-randomised trials.

References
----------
Schluchter, M. D. & Elashoff, J. D. (1990). Small-sample adjustments to tests with unbalanced
repeated measures assuming several covariance structures. *J Stat Comput Simul*, 37, 69-87.
Li, P. & Redden, D. T. (2015). Comparing denominator degrees of freedom approximations for the
generalized linear mixed model in analyzing binary outcome in small sample cluster-randomized
trials. *BMC Med Res Methodol*, 15, 38.
Mancl, L. A. & DeRouen, T. A. (2001). A covariance estimator for GEE with improved small-sample
properties. *Biometrics*, 57, 126-134.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._checks import check_one_of, require_columns
from ..errors import FitWarning, InputError
from ._design import build_design
from ._result import Result

__all__ = ["CLUSTER_METHODS", "between_within_df", "cluster_rate_fit"]

#: The analyses of a cluster-randomised rate outcome, the default first.
CLUSTER_METHODS = ("glmm", "gee", "cr2")

_LABELS = {
    "glmm": "negative-binomial mixed model with a random {unit} intercept",
    "gee": "GEE with an exchangeable correlation within {unit}s and bias-reduced SEs",
    "cr2": "negative-binomial model with CR2 cluster-robust SEs by {unit}",
}


def between_within_df(X: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Between-within degrees of freedom of each column of the design ``X``.

    Parameters
    ----------
    X : ndarray (n, p)
        Design matrix, intercept included.
    codes : ndarray (n,)
        Integer cluster of each row.

    Returns
    -------
    ndarray (p,)
        ``K - p_b`` for the columns constant within every cluster, ``n - K - p_w`` for the
        others (``K`` clusters; ``p_b``, ``p_w`` the numbers of each kind of column).

    Examples
    --------
    >>> team = np.repeat(np.arange(6), 5)
    >>> X = np.column_stack([np.ones(30), team % 2, np.arange(30.0)])
    >>> between_within_df(X, team).tolist()
    [4.0, 4.0, 23.0]
    """
    codes = np.asarray(codes)
    K = int(np.unique(codes).size)
    order = np.argsort(codes, kind="stable")
    Xs, cs = X[order], codes[order]
    starts = np.flatnonzero(np.r_[True, cs[1:] != cs[:-1]])
    first = np.repeat(Xs[starts], np.diff(np.r_[starts, len(cs)]), axis=0)
    between = np.all(np.isclose(Xs, first), axis=0)
    p_b, p_w = int(between.sum()), int((~between).sum())
    return np.where(between, K - p_b, len(codes) - K - p_w).astype(float)


def _t_columns(table: pd.DataFrame, rows: np.ndarray, se_col: str, df: np.ndarray,
               level: float) -> pd.DataFrame:
    """Refer the rows' ``coef / se`` to t(df): interval and p on the IRR scale."""
    out = table.copy()
    rows = out.index[rows]
    coef = out.loc[rows, "coef"].to_numpy(dtype=float)
    se = out.loc[rows, se_col].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        q = stats.t.ppf((1 + level) / 2, df)
        out.loc[rows, "ci_low"] = np.exp(coef - q * se)
        out.loc[rows, "ci_high"] = np.exp(coef + q * se)
        out.loc[rows, "p_value"] = 2 * stats.t.sf(np.abs(coef / se), df)
    out.loc[rows, "se"] = se
    out["df"] = np.nan
    out.loc[rows, "df"] = df
    return out


def cluster_rate_fit(data: pd.DataFrame, formula: str, *, exposure: str, cluster: str,
                     method: str = "glmm", level: float = 0.95) -> tuple[Result, dict[str, Any]]:
    """Fit the rate model of a cluster-randomised trial by ``method``; t-referred intervals.

    Parameters
    ----------
    data : pandas.DataFrame
        Complete rows, one per athlete (or per session).
    formula : str
        ``"events ~ arm + covariates"`` (patsy), no exposure (it is the offset).
    exposure, cluster : str
        Exposure-hours column and the column of the randomised unit (team).
    method : {"glmm", "gee", "cr2"}
        See the module notes.
    level : float
        Confidence level.

    Returns
    -------
    (Result, dict)
        The fitted model's result, whose rate-ratio rows now carry t intervals and p-values and
        a ``df`` column, and the diagnostics to add: ``cluster``, ``n_clusters``, cluster sizes,
        ``cluster_method`` and what it is called in a sentence.

    Examples
    --------
    >>> from glute_study.simulate import simulate_study
    >>> study = simulate_study(240, seed=5, trial="cluster", n_teams=12, team_sd=0.4)
    >>> data = study.analysis_table().dropna(subset=["hamstring_cramps"])
    >>> data = data[data.exposure_h > 0]
    >>> res, extra = cluster_rate_fit(data, "hamstring_cramps ~ C(arm)", exposure="exposure_h",
    ...                               cluster="team")
    >>> extra["n_clusters"], float(res.table["df"].iloc[1])
    (12, 10.0)
    """
    from .count_mixed import count_mixed_model
    from .counts import count_model
    from .repeated import gee_counts

    check_one_of("method", method, CLUSTER_METHODS)
    require_columns(data, [cluster], where="the trial data")
    codes, labels = pd.factorize(data[cluster], sort=True)
    K = len(labels)
    if K < 4:
        raise InputError(
            f"{cluster!r} has {K} clusters in the complete rows; a cluster-randomised analysis "
            "needs at least 4 (2 per arm), and a trustworthy one many more.")
    design = build_design(data, formula, exposure=exposure, what="trial_rate_effect")
    df_terms = between_within_df(design.X, pd.Series(codes, index=data.index)
                                 .loc[design.rows].to_numpy())
    if method == "glmm":
        res = count_mixed_model(data, formula, exposure=exposure, groups=cluster,
                                family="negbin", level=level)
        se_col = "se"
    elif method == "gee":
        with warnings.catch_warnings():  # its advice, to use the bias-reduced SEs, is taken
            warnings.filterwarnings("ignore", message=r"only \d+ clusters: the robust",
                                    category=FitWarning)
            res = gee_counts(data, formula, exposure=exposure, cluster=cluster,
                             family="negbin", cov_struct="exchangeable", level=level)
        se_col = "se_bias_reduced"
    else:
        res = count_model(data, formula, exposure=exposure, family="negbin", cluster=cluster,
                          level=level)
        se_col = None  # CR2 with Satterthwaite df: count_model's own table already
    table = res.table
    if se_col is not None:
        fixed = table["term"].isin(design.terms).to_numpy()
        by_term = dict(zip(design.terms, df_terms))
        df = np.array([by_term[t] for t in table.loc[fixed, "term"]])
        table = _t_columns(table, np.flatnonzero(fixed), se_col, df, level)
    sizes = np.bincount(codes)
    unit = "team" if cluster == "team" else "cluster"
    over = f"{K} teams" if cluster == "team" else f"{K} clusters ({cluster})"
    extra = {"cluster": cluster, "n_clusters": K, "cluster_size_min": int(sizes.min()),
             "cluster_size_max": int(sizes.max()), "cluster_method": method,
             "cluster_analysis": f"{_LABELS[method].format(unit=unit)}, {over}",
             "df_method": "Satterthwaite (CR2)" if method == "cr2" else "between-within"}
    res = Result(table, res.text, diagnostics={**res.diagnostics, **extra}, model=res.model,
                 name=res.name, kind=res.kind, level=level)
    return res, extra
