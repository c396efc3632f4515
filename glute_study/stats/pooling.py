"""Rubin's rules: one result from the analyses of ``m`` multiply imputed data sets.

:func:`pool` combines a list of :class:`~glute_study.stats.Result` objects of the same analysis,
one per completed data set, term by term, on the scale the analysis is estimated on: the ``coef``
and ``se`` columns where the table has them (log rate, hazard or odds ratios, model
coefficients), else ``estimate`` and ``se`` (mean differences). With ``Q_i`` and ``U_i = se_i^2``
the estimate and its variance in data set ``i`` (Rubin 1987; van Buuren 2018, section 2.3):

* ``qbar = mean(Q_i)``, ``ubar = mean(U_i)`` (within), ``b = var(Q_i)`` (between, ``m - 1``);
* ``t = ubar + (1 + 1/m) b`` (total variance), ``se = sqrt(t)``;
* ``riv = (1 + 1/m) b / ubar`` (relative increase in variance), ``lambda = (1 + 1/m) b / t``;
* Barnard-Rubin degrees of freedom ``df = 1 / (1/df_old + 1/df_obs)`` with
  ``df_old = (m - 1) / lambda^2`` and ``df_obs = (df_com + 1)/(df_com + 3) df_com (1 - lambda)``,
  ``lambda`` floored at 1e-4 as in ``mice``;
* ``fmi = (riv + 2 / (df + 3)) / (riv + 1)``, the fraction of missing information.

The complete-data degrees of freedom ``df_com`` are what ``mice`` takes from the model
(``df.residual``, else ``nobs`` minus the coefficients): the table's ``df`` column where the
analysis reports one (linear models), else ``n`` (``diagnostics["n"]``; the number of events for
a Cox model, which is ``nobs`` of R's ``coxph``) minus the number of estimated coefficients (the
rows with a standard error). The interval is ``qbar +- t_{df} se``, the p-value from
``t(df)``; ratios are back-transformed (``estimate = exp(qbar)``).

Correlations (:func:`~glute_study.stats.partial_correlation`, tables without ``se``) pool on
Fisher's ``z = atanh(r)`` with variance ``1 / (n - 3 - k)`` for ``k`` covariates and large-sample
degrees of freedom, and are back-transformed with ``tanh`` (van Buuren 2018, section 5.3).

Bootstrap results (:func:`~glute_study.stats.mediation`, whose intervals have no closed form)
pool by "MI Boot" (Schomaker & Heumann 2018): the estimate is the mean of the ``m`` point
estimates, the within-imputation variance is each data set's bootstrap variance, and Rubin's rules
as above give the interval (on the log scale for ratios). The percentile interval of the
``m x B`` stacked bootstrap draws ("MI Boot pooled sample") is reported beside it
(``ci_low_pooled``, ``ci_high_pooled``); it is the interval of a quantity the analysis does not
test (the proportion mediated, whose bootstrap variance is dominated by replicates with a total
effect near 0). Both assume the imputation and analysis models are
congenial; when they are not, bootstrapping *then* imputing is the valid order (Bartlett &
Hughes 2020), at ``B`` times the imputation cost.

References
----------
Rubin, D. B. (1987). *Multiple Imputation for Nonresponse in Surveys*. Wiley.
Barnard, J. & Rubin, D. B. (1999). Small-sample degrees of freedom with multiple imputation.
*Biometrika*, 86, 948-955.
van Buuren, S. (2018). *Flexible Imputation of Missing Data* (2nd ed.). CRC Press.
Schomaker, M. & Heumann, C. (2018). Bootstrap inference when using multiple imputation.
*Statistics in Medicine*, 37, 2252-2266.
Bartlett, J. W. & Hughes, R. A. (2020). Bootstrap inference for multiple imputation under
uncongeniality and misspecification. *Statistical Methods in Medical Research*, 29, 3533-3546.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from .._checks import check_level
from ..errors import InputError
from ..labels import term_label
from ._result import Result, format_ci, format_number, format_p

__all__ = ["pool", "rubin"]

#: Columns that identify a row of a result table besides ``term``, where a table has them.
_KEYS = ("term", "component", "scale", "kind", "contrast", "group")


def rubin(q: np.ndarray, u: np.ndarray, dfcom: np.ndarray | float) -> dict[str, np.ndarray]:
    """Rubin's rules for ``m`` estimates ``q`` and variances ``u``, each of shape (m, k).

    Returns a dict of arrays (k,): ``coef`` (qbar), ``ubar``, ``b``, ``t``, ``se``, ``df``,
    ``riv``, ``lambda``, ``fmi``, with the Barnard-Rubin ``df`` for complete-data ``dfcom``
    (``numpy.inf`` for a large-sample model).

    Examples
    --------
    >>> q = np.array([[1.0], [1.2], [0.9]])
    >>> u = np.full((3, 1), 0.04)
    >>> out = rubin(q, u, dfcom=50)
    >>> round(float(out["t"][0]), 6), round(float(out["df"][0]), 3)
    (0.071111, 7.538)
    """
    q, u = np.atleast_2d(np.asarray(q, float)), np.atleast_2d(np.asarray(u, float))
    m = q.shape[0]
    if m < 2:
        raise InputError(f"Rubin's rules need at least 2 imputed data sets; got {m}.")
    dfcom = np.broadcast_to(np.asarray(dfcom, float), q.shape[1:]).copy()
    qbar = q.mean(axis=0)
    ubar = u.mean(axis=0)
    b = q.var(axis=0, ddof=1)
    t = ubar + (1 + 1 / m) * b
    riv = (1 + 1 / m) * b / ubar
    lam = (1 + 1 / m) * b / t
    lam_df = np.maximum(lam, 1e-4)
    dfold = (m - 1) / lam_df**2
    with np.errstate(invalid="ignore"):
        dfobs = (dfcom + 1) / (dfcom + 3) * dfcom * (1 - lam_df)
        df = np.where(np.isinf(dfcom), dfold, dfold * dfobs / (dfold + dfobs))
    fmi = (riv + 2 / (df + 3)) / (riv + 1)
    return {"coef": qbar, "ubar": ubar, "b": b, "t": t, "se": np.sqrt(t), "df": df,
            "riv": riv, "lambda": lam, "fmi": fmi, "dfcom": dfcom}


def pool(results: Sequence[Result], *, dfcom: float | None = None,
         level: float | None = None) -> Result:
    """Pool the results of one analysis over multiply imputed data sets (Rubin's rules).

    Parameters
    ----------
    results : sequence of Result
        One result per completed data set, from the same analysis with the same terms
        (e.g. ``[count_model(d, formula) for d in imputations.datasets]``; or let
        :meth:`~glute_study.stats.Imputations.fit` do both).
    dfcom : float, optional
        Complete-data degrees of freedom; by default the ``df`` column of the tables, else
        ``n`` minus the number of coefficients (as ``mice`` takes ``df.residual`` from the
        model). ``numpy.inf`` gives the large-sample (Rubin 1987) degrees of freedom.
    level : float, optional
        Confidence level of the pooled intervals; by default that of the results.

    Returns
    -------
    Result
        ``.table`` with, per term, ``estimate`` (back-transformed for ratios), the interval
        from ``t(df)``, ``p_value``, and ``coef`` (pooled estimate on the analysis scale),
        ``se`` (``sqrt(t)``), ``ubar``, ``b``, ``t``, ``df``, ``dfcom``, ``riv``, ``lambda``,
        ``fmi`` and ``m``; the key columns of the input tables (``component``, ``scale``...)
        are kept. Bootstrap results add ``ci_low_pooled``/``ci_high_pooled``.

    Raises
    ------
    InputError
        Fewer than 2 results; results with different terms or analyses; a table with neither
        ``se`` nor bootstrap draws.

    Examples
    --------
    >>> def fake(q, se):
    ...     t = pd.DataFrame({"term": ["x"], "estimate": [np.exp(q)], "ci_low": [np.nan],
    ...                       "ci_high": [np.nan], "p_value": [np.nan], "coef": [q], "se": [se]})
    ...     return Result(t, "", {"n": 100}, name="count_model")
    >>> res = pool([fake(0.10, 0.05), fake(0.14, 0.05), fake(0.12, 0.06)])
    >>> res.table[["term", "estimate", "coef", "df", "fmi"]].round(4).to_string(index=False)
    'term  estimate  coef      df    fmi\\n   x    1.1275  0.12 40.7783 0.1954'
    """
    results = list(results)
    if len(results) < 2:
        raise InputError(f"pool() needs the results of at least 2 imputed data sets; got "
                         f"{len(results)}.")
    bad = [type(r).__name__ for r in results if not isinstance(r, Result)]
    if bad:
        raise InputError(f"pool() takes glute_study Result objects; got {bad[0]}.")
    names = {r.name for r in results}
    if len(names) > 1:
        raise InputError(f"pool() combines one analysis over imputations; got results of "
                         f"{sorted(names)}.")
    first = results[0]
    level = check_level(first.level if level is None else level)
    keys = [c for c in _KEYS if c in first.table.columns]
    ref = first.table[keys].astype(str).reset_index(drop=True)
    for i, r in enumerate(results[1:], start=2):
        other = r.table[keys].astype(str).reset_index(drop=True) if set(keys) <= set(
            r.table.columns) else None
        if other is None or not other.equals(ref):
            raise InputError(f"result {i} has other terms than result 1 ({list(ref.term)}); "
                             "pool the same analysis with the same formula on every data set.")
    if _is_bootstrap(first):
        return _pool_bootstrap(results, keys, dfcom, level)
    if _is_correlation(first.table):
        return _pool_correlation(results, ref, level)
    if "se" not in first.table.columns:
        raise InputError(f"the {first.name} table has no `se` column, so Rubin's rules cannot "
                         "pool it; pool an analysis that reports standard errors.")
    use_coef = "coef" in first.table.columns
    col = "coef" if use_coef else "estimate"
    q = np.stack([r.table[col].to_numpy(float) for r in results])
    u = np.stack([r.table["se"].to_numpy(float) ** 2 for r in results])
    ratio = _is_ratio(first.table) if use_coef else np.zeros(len(ref), bool)
    df_c = _dfcom(first, dfcom)
    table = _table(ref, rubin(q, u, df_c), ratio, level, len(results))
    return Result(table, _text(first, table, len(results), level, "Rubin's rules"),
                  _diagnostics(results, df_c), name=first.name, level=level,
                  kind=first.kind)


# ------------------------------------------------------------------------------------------------
def _is_ratio(table: pd.DataFrame) -> np.ndarray:
    """Rows whose estimate is exp(coef) (rate, hazard, odds ratios)."""
    est, coef = table["estimate"].to_numpy(float), table["coef"].to_numpy(float)
    with np.errstate(over="ignore"):
        ratio = np.isclose(est, np.exp(coef), rtol=1e-6, atol=0)
    return ratio & ~np.isclose(est, coef, rtol=1e-9, atol=1e-12)


def _dfcom(first: Result, dfcom: float | None) -> np.ndarray:
    table = first.table
    if dfcom is not None:
        try:
            value = float(dfcom)
        except (TypeError, ValueError):
            raise InputError(f"`dfcom` must be a number (or numpy.inf); got {dfcom!r}.") from None
        if not value > 0:
            raise InputError(f"`dfcom` must be positive; got {dfcom!r}.")
        return np.full(len(table), value)
    se = table["se"].to_numpy(float) if "se" in table.columns else np.ones(len(table))
    n = first.diagnostics.get("n")
    if first.kind == "cox_model" and "events" in first.diagnostics:
        n = first.diagnostics["events"]  # nobs() of a Cox model is its number of events
    k = int(np.isfinite(se).sum())
    fallback = max(float(n) - k, 1.0) if n is not None and np.isfinite(float(n)) else np.inf
    out = np.full(len(table), fallback)
    if "df" in table.columns:
        df = table["df"].to_numpy(float)
        out = np.where(np.isfinite(df) & (df > 0), df, out)
    return out


def _is_correlation(table: pd.DataFrame) -> bool:
    return ("se" not in table.columns and {"method", "df", "n"} <= set(table.columns)
            and table["method"].isin(("pearson", "spearman")).all())


def _pool_correlation(results, keys, level) -> Result:
    """Correlations pool on Fisher's z = atanh(r), variance 1 / (n - 3 - k) = 1 / (df - 1)."""
    first = results[0]
    q = np.stack([np.arctanh(r.table["estimate"].to_numpy(float)) for r in results])
    u = np.stack([1.0 / (r.table["df"].to_numpy(float) - 1.0) for r in results])
    table = _table(keys, rubin(q, u, np.inf), np.zeros(len(keys), bool), level, len(results))
    for col in ("estimate", "ci_low", "ci_high"):
        table[col] = np.tanh(table[col])
    for col in ("n", "method", "covariates", "instrument"):
        if col in first.table.columns:
            table[col] = first.table[col].to_numpy()
    return Result(table, _text(first, table, len(results), level,
                               "Rubin's rules on Fisher's z"),
                  _diagnostics(results, np.full(len(keys), np.inf)), name=first.name,
                  level=level, kind=first.kind)


def _is_bootstrap(res: Result) -> bool:
    return "bootstrap" in res.diagnostics and "bootstrap_index" in res.diagnostics


def _pool_bootstrap(results, keys, dfcom, level) -> Result:
    """MI Boot: Rubin's rules with bootstrap variances; stacked-draw percentile beside it."""
    first = results[0]
    index = np.asarray(first.diagnostics["bootstrap_index"], int)
    ratio = (first.table["scale"].astype(str).str.endswith("_ratio").to_numpy()
             if "scale" in first.table.columns else np.zeros(len(index), bool))

    def scale(a: np.ndarray) -> np.ndarray:
        out = np.array(a, float)
        with np.errstate(divide="ignore", invalid="ignore"):
            out[..., ratio] = np.log(out[..., ratio])
        return out

    est, var, draws = [], [], []
    for r in results:
        boot = np.asarray(r.diagnostics["bootstrap"], float)
        ok = np.asarray(r.diagnostics.get("bootstrap_ok", np.ones(len(boot), bool)), bool)
        d = scale(boot[ok][:, index])
        raw = r.diagnostics.get("estimates")  # mediation: before a blanked proportion
        est.append(scale(r.table["estimate"].to_numpy(float) if raw is None else raw))
        var.append(np.nanvar(d, axis=0, ddof=1))
        draws.append(d)
    if dfcom is None:
        n = float(first.diagnostics.get("n", np.inf))
        p = 3 + len(first.diagnostics.get("covariates", ()))
        df_c = np.full(len(index), max(n - p, 1.0))
    else:
        df_c = _dfcom(first, dfcom)
    pooled = rubin(np.stack(est), np.stack(var), df_c)
    table = _table(first.table[keys].reset_index(drop=True), pooled, ratio, level, len(results))
    stacked = np.concatenate(draws)
    lo, hi = np.nanquantile(stacked, [(1 - level) / 2, (1 + level) / 2], axis=0)
    table["ci_low_pooled"] = np.where(ratio, np.exp(lo), lo)
    table["ci_high_pooled"] = np.where(ratio, np.exp(hi), hi)
    if "label" in first.table.columns:
        table["label"] = first.table["label"].to_numpy()
    # a quantity without a test (the proportion mediated, a ratio of two effects with heavy
    # tails) keeps none, and takes its interval from the stacked draws
    untested = first.table["p_value"].isna().to_numpy()
    table.loc[untested, "p_value"] = np.nan
    table.loc[untested, "ci_low"] = table.loc[untested, "ci_low_pooled"]
    table.loc[untested, "ci_high"] = table.loc[untested, "ci_high_pooled"]
    if first.name == "mediation":
        from .mediation import gate_proportion

        table["note"] = ""
        table = gate_proportion(table)
    diag = _diagnostics(results, df_c)
    diag["n_boot"] = [int(len(d)) for d in draws]
    return Result(table, _text(first, table, len(results), level,
                               "MI Boot (Rubin's rules with bootstrap variances)"),
                  diag, name=first.name, level=level, kind=first.kind)


def _table(keys: pd.DataFrame, p: dict, ratio: np.ndarray, level: float, m: int) -> pd.DataFrame:
    crit = stats.t.ppf((1 + level) / 2, p["df"])
    lo, hi = p["coef"] - crit * p["se"], p["coef"] + crit * p["se"]
    with np.errstate(invalid="ignore", divide="ignore"):
        pv = 2 * stats.t.sf(np.abs(p["coef"] / p["se"]), p["df"])
    back = np.exp
    table = keys.copy()
    table["estimate"] = np.where(ratio, back(p["coef"]), p["coef"])
    table["ci_low"] = np.where(ratio, back(lo), lo)
    table["ci_high"] = np.where(ratio, back(hi), hi)
    table["p_value"] = pv
    for name in ("coef", "se", "ubar", "b", "t", "df", "dfcom", "riv", "lambda", "fmi"):
        table[name] = p[name]
    table["m"] = m
    return table


def _diagnostics(results, dfcom) -> dict:
    first = results[0].diagnostics
    diag = {"m": len(results), "dfcom": dfcom, "method": "rubin"}
    for key in ("n", "n_dropped"):
        if key in first:
            diag[key] = [r.diagnostics.get(key) for r in results]
    diag["n"] = first.get("n")
    return diag


_PARTS = {"zero": "zero part", "dispersion": "dispersion", "random": "random effects"}
# How a row's scale or kind reads before its estimate; per_1000_h reads after it.
_SCALES = {"rate_ratio": "RR", "coefficient": "B", "adjusted_mean": "adjusted mean",
           "hedges_g": "Hedges' g", "per_1000_h": ""}


def _text(first: Result, table: pd.DataFrame, m: int, level: float, how: str) -> str:
    parts = [f"Pooled over m = {m} imputed data sets by {how}, with Barnard-Rubin degrees of "
             "freedom."]
    for _, row in table.iterrows():
        if str(row["term"]).lower() in ("intercept", "(intercept)"):
            continue
        part = _PARTS.get(row["component"]) if "component" in table.columns else None
        scale = next((str(row[k]) for k in ("scale", "kind")
                      if k in table.columns and isinstance(row[k], str) and row[k]), None)
        name = term_label(str(row["term"])) + (f" ({part})" if part else "")
        word = _SCALES.get(scale, str(scale).replace("_", " ")) if scale else ""
        value = format_number(row["estimate"]) + (" per 1000 h" if scale == "per_1000_h" else "")
        parts.append(f"{name}: {word + ' ' if word else ''}{value}, "
                     f"{format_ci(row['ci_low'], row['ci_high'], level=level)}, "
                     f"{format_p(row['p_value'])}, fraction of missing information "
                     f"{format_number(row['fmi'])}.")
        if len(parts) > 12:
            parts.append("Further terms are in the table.")
            break
    return " ".join(parts)
