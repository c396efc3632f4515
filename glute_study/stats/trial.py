"""Analysis of the randomised glute-training trial: ANCOVA, rate ratio, pre/post mixed ANOVA.

- :func:`trial_effect`: the recommended analysis of a continuous outcome (post-test adjusted for
  baseline, ANCOVA), with emmeans-style adjusted means per arm, their difference and Hedges' g.
- :func:`trial_rate_effect`: cramp counts over unequal exposure, negative binomial with the
  log-exposure offset, incidence rate ratio between arms and the covariate-adjusted rate
  difference per 1000 h (marginal standardisation, CONSORT 17b's absolute effect).
- :func:`pre_post_anova`: the arm x time mixed ANOVA that many readers still expect to see.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import optimize, special, stats

from .._checks import check_level, check_one_of, require_columns
from ..errors import GluteStudyWarning, InputError
from ..labels import label, level_label, mid_sentence, outcome_phrase, unit_of
from ._design import (
    build_design,
    drop_incomplete,
    formula_frames,
    frame_matrix,
    new_matrix,
    plain_dtypes,
)
from ._result import Result, format_ci, format_number, format_p
from .cluster_trial import CLUSTER_METHODS, cluster_rate_fit
from .counts import count_model

__all__ = ["pre_post_anova", "trial_effect", "trial_rate_effect"]


def _q(name: str) -> str:
    """Quote a column name for a patsy formula."""
    return f'Q("{name}")'


def _arms(data, arm, reference):
    levels = sorted(pd.unique(data[arm].dropna()).tolist(), key=str)
    if len(levels) < 2:
        raise InputError(f"column {arm!r} must hold at least 2 arms; found {levels!r}.")
    if reference is None:
        reference = levels[0]
    elif reference not in levels:
        raise InputError(f"`reference` arm {reference!r} is not in {arm!r}; arms are {levels!r}.")
    return [reference] + [lv for lv in levels if lv != reference]


def _complete(data, cols, what):
    require_columns(data, cols, where="the trial data")
    df = plain_dtypes(data[list(dict.fromkeys(cols))])
    complete = drop_incomplete(df, list(df.columns), what=what, stacklevel=4)
    return complete.frame.copy(), complete


def _is_categorical(s: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)


def _hedges_j(df: float) -> float:
    """Hedges (1981) exact correction: Gamma(df/2) / (sqrt(df/2) Gamma((df-1)/2))."""
    return float(np.exp(special.gammaln(df / 2) - np.log(np.sqrt(df / 2))
                        - special.gammaln((df - 1) / 2)))


def _nct_limits(t: float, df: float, level: float) -> tuple[float, float]:
    """Confidence limits of a non-central t's non-centrality, given the observed ``t``.

    The limits solve ``P(T <= t | ncp) = (1 + level) / 2`` and ``(1 - level) / 2`` (Steiger and
    Fouladi 1997; R: ``uniroot`` on ``pt(t, df, ncp)``). At ``ncp = 0`` the distribution is the
    central t, so the interval excludes 0 exactly when the t test rejects at ``1 - level``.
    """

    if t < 0:  # T(-ncp) is -T(ncp): solve on the positive side (scipy's cdf can be NaN there)
        low, high = _nct_limits(-t, df, level)
        return -high, -low

    def solve(prob):
        def f(ncp):
            cdf = stats.nct.cdf(t, df, ncp)
            if np.isnan(cdf):  # scipy's series fails far in a tail: the cdf is 1 or 0 there
                cdf = 1.0 if ncp < t else 0.0
            return cdf - prob

        lo, hi = t - 10.0, t + 10.0
        while f(lo) < 0:
            lo -= 10.0
        while f(hi) > 0:
            hi += 10.0
        return optimize.brentq(f, lo, hi, xtol=1e-12, rtol=1e-12)

    return solve((1 + level) / 2), solve((1 - level) / 2)


def trial_effect(data, *, outcome, baseline, group="arm", covariates=(), reference=None,
                 level=0.95):
    """ANCOVA of a post-test outcome: adjusted means per arm, their difference and Hedges' g.

    Fits ``outcome ~ arm + baseline + covariates`` by ordinary least squares. Adjusted means
    follow ``emmeans``: numeric covariates (and the baseline) are held at their sample mean and
    categorical covariates are averaged over their levels with equal weights. Each non-reference
    arm is contrasted with the reference arm (t test with the residual degrees of freedom).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per participant.
    outcome, baseline : str
        Post-test outcome and its baseline value.
    group : str
        Column with the randomised arm (``group=`` names the compared groups in every analysis).
    covariates : sequence of str
        Further adjustment covariates (numeric, or categorical/bool treated as factors).
    reference : str, optional
        Control arm; defaults to the first arm in sorted order.
    level : float
        Confidence level of every interval.

    Returns
    -------
    Result
        ``.table`` rows: ``mean[<arm>]`` (adjusted mean of each arm), ``<arm> - <reference>``
        (difference in adjusted means) and ``hedges_g[<arm>]``; extra columns ``kind``
        (``adjusted_mean``, ``difference``, ``hedges_g``), ``se``, ``df``, ``n``.
        ``.model`` is the statsmodels OLS fit; ``.diagnostics`` has ``n``, ``n_dropped``,
        the arm sizes, the baseline x arm interaction p (homogeneity of slopes) and the
        Shapiro-Wilk p of the residuals.

    Notes
    -----
    Hedges' g = J x (adjusted difference) / s_p, where s_p is the pooled within-arm SD of the
    outcome and J the exact correction with n1 + n2 - 2 df. Its CI inverts the non-central t of
    the ANCOVA contrast itself: the non-centrality limits of the observed t (residual df) are
    scaled by J se / s_p (Steiger & Fouladi 1997), so the interval excludes 0 exactly when the
    ANCOVA p is below 1 - level (a normal-approximation interval for an unadjusted d would
    ignore the precision the baseline adds and can cross 0 beside a small ANCOVA p). The ``se``
    of the ``hedges_g`` row is that scale, J se / s_p.

    References
    ----------
    Vickers AJ, Altman DG (2001) BMJ 323:1123. Hedges LV, Olkin I (1985) Statistical Methods for
    Meta-Analysis. Lenth R (2024) emmeans: Estimated Marginal Means.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"arm": np.repeat(["control", "glute_training"], 20),
    ...                    "pre": rng.normal(2.5, 0.4, 40)})
    >>> df["post"] = 0.3 + 0.9 * df.pre + 0.3 * (df.arm == "glute_training") + rng.normal(
    ...     0, 0.2, 40)
    >>> res = trial_effect(df, outcome="post", baseline="pre", group="arm")
    >>> res.table[["term", "estimate"]].round(2)
                           term  estimate
    0             mean[control]      2.52
    1      mean[glute_training]      2.82
    2  glute_training - control      0.30
    3  hedges_g[glute_training]      0.75
    """
    covariates = list(covariates)
    level = check_level(level)
    arm = group
    cols = [outcome, baseline, arm, *covariates]
    df, complete = _complete(data, cols, "trial_effect")
    for c in (outcome, baseline):
        if not pd.api.types.is_numeric_dtype(df[c]):
            raise InputError(f"column {c!r} must be numeric; found dtype {df[c].dtype}.")
    arms = _arms(df, arm, reference)
    ref = arms[0]
    cat = [c for c in covariates if _is_categorical(df[c])]
    rhs = [f"C({_q(arm)}, Treatment({ref!r}))", _q(baseline)]
    rhs += [f"C({_q(c)})" if c in cat else _q(c) for c in covariates]
    formula = f"{_q(outcome)} ~ " + " + ".join(rhs)
    yd, Xd = formula_frames(df, formula)
    fit = sm.OLS(yd, Xd).fit()
    if fit.df_resid < 1:
        raise InputError(f"too few participants ({len(df)}) for {len(fit.params)} parameters.")

    # emmeans reference grid: numeric at means, every level of each factor, equal weights.
    grid = pd.DataFrame({arm: arms})
    for c in [baseline, *covariates]:
        vals = sorted(pd.unique(df[c]).tolist(), key=str) if c in cat else [df[c].mean()]
        grid = grid.merge(pd.DataFrame({c: vals}), how="cross")
    Xg = frame_matrix(Xd, grid)
    beta, cov, dfr = fit.params.to_numpy(), fit.cov_params().to_numpy(), fit.df_resid
    tq = stats.t.ppf((1 + level) / 2, dfr)
    L = {a: Xg[(grid[arm] == a).to_numpy()].mean(axis=0) for a in arms}
    rows = []
    sizes = df[arm].value_counts()
    for a in arms:
        est, se = L[a] @ beta, np.sqrt(L[a] @ cov @ L[a])
        rows.append({"term": f"mean[{a}]", "estimate": est, "ci_low": est - tq * se,
                     "ci_high": est + tq * se, "p_value": np.nan, "kind": "adjusted_mean",
                     "se": se, "df": dfr, "n": float(sizes[a])})
    y = df[outcome].to_numpy(dtype=float)
    g_rows, sentences = [], []
    for a in arms[1:]:
        c = L[a] - L[ref]
        est, se = c @ beta, np.sqrt(c @ cov @ c)
        p = 2 * stats.t.sf(abs(est / se), dfr)
        rows.append({"term": f"{a} - {ref}", "estimate": est, "ci_low": est - tq * se,
                     "ci_high": est + tq * se, "p_value": p, "kind": "difference", "se": se,
                     "df": dfr, "n": float(sizes[a] + sizes[ref])})
        ya, yr = y[(df[arm] == a).to_numpy()], y[(df[arm] == ref).to_numpy()]
        n1, n2 = len(yr), len(ya)
        sp = np.sqrt(((n1 - 1) * yr.var(ddof=1) + (n2 - 1) * ya.var(ddof=1)) / (n1 + n2 - 2))
        scale = _hedges_j(n1 + n2 - 2) * se / sp
        g = scale * est / se
        ncp_low, ncp_high = _nct_limits(est / se, dfr, level)
        g_low, g_high = scale * ncp_low, scale * ncp_high
        g_rows.append({"term": f"hedges_g[{a}]", "estimate": g, "ci_low": g_low,
                       "ci_high": g_high, "p_value": p, "kind": "hedges_g", "se": scale,
                       "df": dfr, "n": float(n1 + n2)})
        adjusted = ", ".join([f"baseline {label(baseline, unit=False, mid=True)}",
                              *(label(c, unit=False, mid=True) for c in covariates)])
        unit = unit_of(outcome)
        sentences.append(
            f"In the {mid_sentence(level_label(arm, a))} arm, "
            f"{label(outcome, unit=False, mid=True)} differed from "
            f"{mid_sentence(level_label(arm, ref))} by {format_number(est)}"
            f"{' ' + unit if unit else ''} "
            f"({format_ci(est - tq * se, est + tq * se, level=level)}, t({dfr:.0f}) = "
            f"{format_number(est / se)}, {format_p(p)}; Hedges' g = {format_number(g)}, "
            f"{format_ci(g_low, g_high, level=level)}) after adjustment for "
            f"{adjusted}."
        )
    table = pd.DataFrame(rows + g_rows)
    inter = sm.OLS(*formula_frames(
        df, f"{formula} + C({_q(arm)}, Treatment({ref!r})):{_q(baseline)}")).fit()
    slopes_p = float(sm.stats.anova_lm(fit, inter).iloc[1]["Pr(>F)"])
    diagnostics = {
        "n": len(df), **complete.diagnostics, "arm_sizes": sizes.to_dict(), "reference": ref,
        "formula": formula, "slopes_homogeneity_p": slopes_p, "outcome": outcome, "arm": arm,
        # scipy's Shapiro-Wilk p is unreliable (and warns) above 5000 observations
        "residual_shapiro_p": (float(stats.shapiro(fit.resid).pvalue)
                               if 3 <= len(df) <= 5000 else np.nan),
    }
    if slopes_p < 0.05:
        # Suspicious but not a failed fit: the difference at the mean baseline still holds.
        warnings.warn(
            f"the baseline slope differs between arms (interaction p = {slopes_p:.3f}); the "
            "ANCOVA difference depends on the baseline value. Report the interaction too.",
            GluteStudyWarning,
            stacklevel=2,
        )
    return Result(table=table, text=" ".join(sentences), diagnostics=diagnostics, model=fit,
                  name="trial_effect", level=level)


def _term(name: str) -> str:
    """A column as a formula term: bare when it is an identifier, else patsy-quoted."""
    return name if name.isidentifier() else _q(name)


def trial_rate_effect(data, *, events, exposure, group="arm", covariates=(), reference=None,
                      cluster=None, method=None, level=0.95):
    r"""Incidence rate ratio between trial arms: negative binomial with a log-exposure offset.

    With ``cluster=`` (a trial randomised by team) the model respects the teams: a
    negative-binomial mixed model, GEE or CR2 cluster-robust errors, with t intervals (see
    :mod:`glute_study.stats.cluster_trial`).

    Parameters
    ----------
    data : pandas.DataFrame
        One row per participant.
    events : str
        Count of events (e.g. ``hamstring_cramps``).
    exposure : str
        Exposure hours; ``log(exposure)`` enters as an offset. Must be positive.
    group : str
        Column with the randomised arm.
    covariates : sequence of str
        Adjustment covariates (numeric, or categorical/bool as factors ``C(name)``).
    reference : str, optional
        Control arm; defaults to the first arm in sorted order.
    cluster : str, optional
        Column of the randomised unit when whole teams were randomised (``"team"``). Missing
        values are dropped with the other incomplete rows.
    method : {"glmm", "gee", "cr2"}, optional
        The cluster analysis (default ``"glmm"``); only with ``cluster``. Without ``cluster``
        the only method is the negative-binomial GLM (``None`` or ``"negbin"``).
    level : float
        Confidence level of the intervals.

    Returns
    -------
    Result
        ``.table``: one row per coefficient; ``term`` is the formula's name, except that the
        arm contrasts read ``arm[T.<arm>]``; ``estimate`` is the IRR (the Intercept row is the
        rate per exposure hour in the reference arm) with its CI and p (Wald z; with
        ``cluster``, t with the ``df`` column's degrees of freedom); extra columns as the
        fitted model gives them (``coef``, ``se``, ...). With ``cluster="team"`` and
        ``"glmm"`` the table also holds ``sd_team`` and ``theta``. The last rows are the
        absolute effect (see Notes): ``adjusted_rate[<arm>]`` (standardised rate per 1000 h of
        each arm, interval on the log scale) and ``rate_difference[<arm>]`` (each arm minus the
        reference arm, per 1000 h, Wald interval and p); their ``scale`` is ``"per 1000 h"``.
        ``.diagnostics``: those of the fitted model (theta, over-dispersion tests, AIC, events
        per parameter, ...) plus ``reference``, ``n_dropped``, ``by_arm`` (events, exposure and
        crude rate per 1000 h per arm), and with ``cluster`` the number and sizes of the
        clusters, ``cluster_method`` and ``df_method``. ``.model`` is the fitted model.

    Notes
    -----
    A thin layer over :func:`glute_study.stats.counts.count_model` with ``family="negbin"``:
    estimates and standard errors equal ``MASS::glm.nb(events ~ arm + ... +
    offset(log(exposure)))``; intervals are Wald intervals (R: ``confint.default``). With
    ``cluster`` it is a layer over :func:`glute_study.stats.cluster_trial.cluster_rate_fit`.

    The rate difference is standardised over the analysed athletes (marginal standardisation,
    g-computation): every athlete is set to each arm in turn at their own covariates, the
    predicted rates per 1000 h are averaged, :math:`R_a = \frac{1000}{n}\sum_i
    \exp(x_{ia}^\top\beta)`, and :math:`R_a - R_{ref}` is the difference. Its standard error
    is the delta method with the covariance the rate ratio uses (model-based, CR2 or the GEE's
    bias-reduced sandwich): gradient :math:`\frac{1000}{n}\sum_i \exp(x_{ia}^\top\beta)
    x_{ia}` minus the same for the reference arm. The interval uses the rate ratio's reference
    distribution (normal, or t on the arm term's degrees of freedom with ``cluster``). With
    the mixed model (``"glmm"``) the rates are *marginal* over teams, the mean rate of a team
    drawn at random, :math:`\exp(x^\top\beta + \sigma^2/2)`, not the rate of a team whose
    effect is 0 (the median team, which understates the mean rate); the variance of
    :math:`\log\sigma` enters the delta method. R: ``mean(predict(fit, newdata, type =
    "response"))`` over the data with ``arm`` set to each arm (``tests/reference/trial``).

    Examples
    --------
    >>> rng = np.random.default_rng(7)
    >>> df = pd.DataFrame({"arm": np.repeat(["control", "glute_training"], 100),
    ...                    "exposure_h": rng.uniform(50, 150, 200)})
    >>> mu = df.exposure_h / 100 * np.where(df.arm == "glute_training", 0.8, 1.4)
    >>> df["cramps"] = rng.poisson(rng.gamma(2.0, mu / 2.0))
    >>> res = trial_rate_effect(df, events="cramps", exposure="exposure_h")
    >>> print(res.table.loc[1, "term"], round(res.table.loc[1, "estimate"], 2))
    arm[T.glute_training] 0.42
    >>> res.table[["term", "estimate", "ci_low", "ci_high"]].tail(3).round(1)
                                  term  estimate  ci_low  ci_high
    2           adjusted_rate[control]      11.7     9.5     14.5
    3    adjusted_rate[glute_training]       5.0     3.7      6.7
    4  rate_difference[glute_training]      -6.8    -9.7     -3.9
    """
    covariates = list(covariates)
    level = check_level(level)
    if cluster is None:
        if method not in (None, "negbin"):
            raise InputError(f"method={method!r} analyses a trial randomised by cluster; give "
                             "cluster= (the team column), or leave method out.")
    else:
        method = "glmm" if method is None else method
        check_one_of("method", method, CLUSTER_METHODS)
    arm = group
    cols = [events, exposure, arm, *covariates] + ([cluster] if cluster is not None else [])
    df, complete = _complete(data, cols, "trial_rate_effect")
    if not pd.api.types.is_numeric_dtype(df[events]) or (df[events] < 0).any() or (
            df[events] % 1 != 0).any():
        raise InputError(f"column {events!r} must hold non-negative whole counts.")
    if not pd.api.types.is_numeric_dtype(df[exposure]) or (df[exposure] <= 0).any():
        bad = int((pd.to_numeric(df[exposure], errors="coerce") <= 0).sum())
        raise InputError(
            f"column {exposure!r} must be positive exposure time; {bad} rows are zero or "
            "negative. Drop participants without exposure before the analysis."
        )
    arms = _arms(df, arm, reference)
    ref = arms[0]
    arm_term = f"C({_term(arm)}, Treatment({ref!r}))"
    rhs = [arm_term] + [f"C({_term(c)})" if _is_categorical(df[c]) else _term(c)
                        for c in covariates]
    formula = f"{_term(events)} ~ " + " + ".join(rhs)
    if cluster is None:
        fit = count_model(df, formula, exposure=exposure, family="negbin", level=level)
        how = "negative binomial with "
    else:
        fit, extra = cluster_rate_fit(df, formula, exposure=exposure, cluster=cluster,
                                      method=method, level=level)
        how = f"{extra['cluster_analysis']}, "
    table = fit.table.copy()
    table["term"] = [f"{arm}[T.{t[len(arm_term) + 3:-1]}]" if t.startswith(arm_term) else t
                     for t in table["term"]]
    absolute = _rate_difference(df, formula, exposure=exposure, arm=arm, arms=arms,
                                model=fit.model, table=table, level=level)
    table = pd.concat([table, absolute], ignore_index=True)
    by_arm = df.groupby(arm)[[events, exposure]].sum()
    by_arm["rate_per_1000h"] = by_arm[events] / by_arm[exposure] * 1000
    diagnostics = {**fit.diagnostics, "reference": ref, **complete.diagnostics, "by_arm": by_arm,
                   "formula": formula}
    sentences = []
    for a in arms[1:]:
        r = table.set_index("term").loc[f"{arm}[T.{a}]"]
        change = (1 - r.estimate) * 100
        word = "lower" if change > 0 else "higher"
        value = r.z if "z" in r.index else r.coef / r.se  # GEE's table has no z column
        stat = "" if "df" not in r or not np.isfinite(r.df) else (
            f"t({format_number(r.df, 0 if float(r.df).is_integer() else 1)}) = "
            f"{format_number(value)}, ")
        sentences.append(
            f"The {outcome_phrase(events)} rate in the {mid_sentence(level_label(arm, a))} arm was "
            f"{format_number(abs(change), 0)} % {word} than in the "
            f"{mid_sentence(level_label(arm, ref))} arm (IRR {format_number(r.estimate)}, "
            f"{format_ci(r.ci_low, r.ci_high, level=level)}, {stat}{format_p(r.p_value)}; "
            f"{how}log {label(exposure, unit=False, mid=True)} offset"
            + (", adjusted for " + ", ".join(label(c, unit=False, mid=True) for c in covariates)
               if covariates else "") + ")."
            + _difference_sentence(table, events=events, arm=arm, arms=(ref, a),
                                   adjusted=bool(covariates), marginal=method == "glmm",
                                   level=level)
        )
    return Result(table=table, text=" ".join(sentences), diagnostics=diagnostics,
                  model=fit.model, name="trial_rate_effect", level=level)


#: The absolute effect is per this many exposure hours (IOC 2020: rates per 1000 h).
_PER_HOURS = 1000.0


def _coefficients(model, terms, p):
    """Fixed effects, their covariance and (GLMM) the team SD's gradient pieces, by ``terms``.

    Returns ``(beta, cov, sigma2, cov_sigma)``: ``cov`` the covariance of ``(beta, log sd)``
    when the mixed model's team SD is estimated off its boundary (else of ``beta`` alone), and
    ``sigma2`` the team variance (0 without a random team intercept).
    """
    from .count_mixed import MixedFit
    from .counts import CountFit

    if isinstance(model, CountFit):
        return model.params[:p], model.cov[:p, :p], 0.0, False
    if isinstance(model, MixedFit):
        sd = float(model.sd[0]) if len(model.sd) else 0.0
        block = model.cov[: p + 1, : p + 1]
        if sd > 0 and np.all(np.isfinite(block)):
            return model.coef[:p], block, sd**2, True
        return model.coef[:p], model.cov[:p, :p], sd**2, False
    # statsmodels GEE results: the Mancl-DeRouen bias-reduced sandwich the rate ratio uses
    names = list(getattr(model.params, "index", terms))
    order = [names.index(t) for t in terms]
    beta = np.asarray(model.params, dtype=float)[order]
    cov = np.asarray(model.cov_robust_bc, dtype=float)[np.ix_(order, order)]
    return beta, cov, 0.0, False


def _rate_difference(df, formula, *, exposure, arm, arms, model, table, level):
    """Rows of the standardised rates per 1000 h per arm and their differences (delta method)."""
    design = getattr(model, "design", None)
    if design is None:
        design = build_design(df, formula, exposure=exposure, what="trial_rate_effect")
    p = len(design.terms)
    beta, cov, sigma2, with_sd = _coefficients(model, design.terms, p)
    rows = df.loc[design.rows]
    rates, grads = {}, {}
    for a in arms:
        X = new_matrix(design, rows.assign(**{arm: a}))
        r = _PER_HOURS * np.exp(X @ beta + sigma2 / 2)
        g = (r[:, None] * X).mean(axis=0)
        if with_sd:  # d(sigma^2 / 2) / d(log sigma) = sigma^2
            g = np.append(g, sigma2 * r.mean())
        rates[a], grads[a] = float(r.mean()), g
    terms = table.set_index("term")
    df_col = "df" in terms.columns
    out = []

    def quantile(dof):
        return stats.norm.ppf((1 + level) / 2) if not np.isfinite(dof) else stats.t.ppf(
            (1 + level) / 2, dof)

    dof = {a: float(terms.loc[f"{arm}[T.{a}]", "df"]) if df_col else np.inf for a in arms[1:]}
    ref_dof = min(dof.values())  # a rate of the reference arm: the most cautious contrast df
    for a in arms:
        est, g = rates[a], grads[a]
        se = float(np.sqrt(g @ cov @ g))
        d = ref_dof if a == arms[0] else dof[a]
        q = quantile(d)
        out.append({"term": f"adjusted_rate[{a}]", "estimate": est,
                    "ci_low": est * np.exp(-q * se / est), "ci_high": est * np.exp(q * se / est),
                    "p_value": np.nan, "se": se, "df": d, "scale": "per 1000 h"})
    for a in arms[1:]:
        g = grads[a] - grads[arms[0]]
        est = rates[a] - rates[arms[0]]
        se = float(np.sqrt(g @ cov @ g))
        q = quantile(dof[a])
        z = est / se
        p_val = 2 * (stats.norm.sf(abs(z)) if not np.isfinite(dof[a]) else
                     stats.t.sf(abs(z), dof[a]))
        out.append({"term": f"rate_difference[{a}]", "estimate": est, "ci_low": est - q * se,
                    "ci_high": est + q * se, "p_value": p_val, "se": se, "df": dof[a],
                    "scale": "per 1000 h"})
    out = pd.DataFrame(out)
    if not df_col:
        out = out.drop(columns="df")
    return out


def _difference_sentence(table, *, events, arm, arms, adjusted, marginal, level):
    """The absolute effect in words: "..., 1.3 fewer hamstring cramps per 1000 h (...)"."""
    ref, a = arms
    rows = table.set_index("term")
    d = rows.loc[f"rate_difference[{a}]"]
    r_a, r_ref = (rows.loc[f"adjusted_rate[{x}]", "estimate"] for x in (a, ref))
    if not np.isfinite(d.estimate):
        return " The rate difference was not estimable."
    word = "fewer" if d.estimate < 0 else "more"
    what = label(events, unit=False, mid=True)
    how = [("standardised to the analysed athletes' covariates" if adjusted else ""),
           ("marginal over teams" if marginal else "")]
    how = ", ".join(h for h in how if h)
    return (f" In absolute terms that is {format_number(abs(d.estimate), 1)} {word} {what} per "
            f"1000 h (rate difference {format_number(d.estimate, 1)}, "
            f"{format_ci(d.ci_low, d.ci_high, digits=1, level=level)}; "
            f"{format_number(r_a, 1)} vs {format_number(r_ref, 1)} per 1000 h"
            + (f", {how}" if how else "") + ").")


def _np2_ci(f, df1, df2, level=0.95):
    """CI of partial eta squared by inverting the non-central F (Steiger 2004)."""

    def lam(prob):
        def g(nc):
            return stats.ncf.cdf(f, df1, df2, nc) - prob if nc > 0 else stats.f.cdf(
                f, df1, df2) - prob

        if g(0.0) < 0:
            return 0.0
        hi = max(10.0, 10 * f * df1)
        while g(hi) > 0:
            hi *= 2
        return optimize.brentq(g, 0.0, hi, xtol=1e-12, rtol=1e-12)

    a = (1 - level) / 2
    lo, up = lam(1 - a), lam(a)
    return lo / (lo + df1 + df2 + 1), up / (up + df1 + df2 + 1)


def pre_post_anova(long_data, *, subject="participant_id", time="time", group="arm",
                   value="value", level=0.95):
    """Mixed ANOVA of a repeated outcome: arm (between) x time (within).

    Parameters
    ----------
    long_data : pandas.DataFrame
        One row per participant and time point.
    subject, time, group, value : str
        Columns with the participant id, the time point (e.g. pre/post), the randomised arm and
        the value.
    level : float
        Confidence level of the partial eta squared intervals.

    Returns
    -------
    Result
        ``.table`` rows ``arm``, ``time`` and ``arm:time`` (named after the columns);
        ``estimate`` is partial eta squared with a CI from the non-central F
        (Steiger 2004); extra columns ``f``, ``df1``, ``df2``, ``ss``, ``ms``, ``eps``
        (Greenhouse-Geisser epsilon of the within terms, 1 for two time points) and ``p_gg``
        (the Greenhouse-Geisser corrected p of the within terms). ``.diagnostics`` has the
        cell means and, for more than two time points, Mauchly's W and its p.
        ``.model`` is the pingouin table.
        Subjects missing a time point are dropped with a warning.

    Notes
    -----
    Computed with ``pingouin.mixed_anova``; equals R ``aov(value ~ arm * time +
    Error(subject / time))`` for complete data. For a two-arm pre/post design the ANCOVA of
    :func:`trial_effect` is the more powerful and recommended primary analysis.

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> pre = rng.normal(2.5, 0.4, 30)
    >>> arm = np.repeat(["control", "training"], 15)
    >>> post = pre + 0.3 * (arm == "training") + rng.normal(0, 0.2, 30)
    >>> long = pd.DataFrame({"participant_id": np.tile(np.arange(30), 2),
    ...                      "arm": np.tile(arm, 2), "time": np.repeat(["pre", "post"], 30),
    ...                      "value": np.concatenate([pre, post])})
    >>> res = pre_post_anova(long)
    >>> res.table[["term", "f", "df1", "df2"]].round(2)
           term      f  df1   df2
    0       arm   0.48  1.0  28.0
    1      time  29.38  1.0  28.0
    2  arm:time  21.79  1.0  28.0
    """
    arm = group
    cols = [subject, time, arm, value]
    level = check_level(level)
    require_columns(long_data, cols, where="the long trial data")
    df = plain_dtypes(long_data[cols]).dropna()
    n_time = df[time].nunique()
    if n_time < 2:
        raise InputError(f"column {time!r} must hold at least 2 time points; found {n_time}.")
    if df.duplicated([subject, time]).any():
        raise InputError(f"some ({subject}, {time}) pairs occur more than once; give one value "
                         "per participant and time point.")
    wide = df.pivot(index=subject, columns=time, values=value)
    complete = drop_incomplete(wide, list(wide.columns), what="pre_post_anova",
                               unit="participants", why="the mixed ANOVA needs every time point",
                               stacklevel=2)
    df = df[df[subject].isin(complete.frame.index)]
    if df.groupby(subject)[arm].nunique().max() > 1:
        raise InputError(f"{arm!r} changes within a participant; it must be a between factor.")
    import pingouin as pg  # here: pingouin takes 0.4 s to import, and only this uses it

    aov = pg.mixed_anova(data=df, dv=value, within=time, subject=subject, between=arm,
                         correction=True)
    rows = []
    for _, r in aov.iterrows():
        term = {arm: arm, time: time, "Interaction": f"{arm}:{time}"}[r["Source"]]
        f, d1, d2 = float(r["F"]), float(r["DF1"]), float(r["DF2"])
        lo, hi = _np2_ci(f, d1, d2, level)
        p_unc = float(r["p_unc"] if "p_unc" in r else r["p-unc"])
        within = term != arm
        eps = float(r["eps"]) if within and "eps" in r and pd.notna(r["eps"]) else 1.0
        p_gg = r.get("p_GG_corr", np.nan) if within else np.nan
        p_gg = float(p_gg) if pd.notna(p_gg) else (p_unc if within else np.nan)
        rows.append({"term": term, "estimate": float(r["np2"]), "ci_low": lo, "ci_high": hi,
                     "p_value": p_unc, "f": f, "df1": d1, "df2": d2, "ss": float(r["SS"]),
                     "ms": float(r["MS"]), "eps": eps, "p_gg": p_gg})
    table = pd.DataFrame(rows)
    it = table.iloc[2]
    means = df.groupby([arm, time])[value].mean().unstack()
    text = (
        f"In the {arm} x {time} mixed ANOVA, the interaction was F({it.df1:.0f}, {it.df2:.0f}) "
        f"= {format_number(it.f)}, {format_p(it.p_value)}, partial eta squared = "
        f"{format_number(it.estimate)} ({format_ci(it.ci_low, it.ci_high, level=level)})"
    )
    if n_time > 2:
        text += (f"; Greenhouse-Geisser epsilon = {format_number(it.eps)}, corrected "
                 f"{format_p(it.p_gg)}")
    text += "."
    diagnostics = {"n": int(df[subject].nunique()), **complete.diagnostics,
                   "cell_means": means, "n_time": n_time}
    if "W_spher" in aov.columns:
        row = aov.iloc[1]
        diagnostics["sphericity_w"] = float(row["W_spher"])
        diagnostics["sphericity_p"] = float(row["p_spher"])
    return Result(table=table, text=text, diagnostics=diagnostics, model=aov,
                  name="pre_post_anova", level=level)
