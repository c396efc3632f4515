r"""Incidence per 1000 h of exposure and incidence rate ratios (sports-injury convention).

The IOC consensus (Bahr et al. 2020) and STROBE-SIIS report injuries - and here cramps - as
events per 1000 h of exposure with exact Poisson confidence intervals, and compare groups by
incidence rate ratios (IRR). This module does exactly that, from a table with one row per
participant (or per session) holding an event count and exposure hours.

Formulas
--------
With :math:`k` events in :math:`T` hours, the rate per ``per`` hours is :math:`k / T \times
\mathrm{per}` and the exact (Garwood 1936) interval is

.. math:: \left[\tfrac{1}{2}\chi^2_{2k,\,\alpha/2},\ \tfrac{1}{2}\chi^2_{2k+2,\,1-\alpha/2}\right]
          \times \mathrm{per} / T,

as R's ``poisson.test(k, T)``. Between a group (:math:`k_1, T_1`) and the reference
(:math:`k_0, T_0`), conditional on :math:`K = k_1 + k_0` events,
:math:`k_1 \sim \mathrm{Binomial}(K, \pi)` with
:math:`\pi = T_1 \mathrm{IRR} / (T_1 \mathrm{IRR} + T_0)`; the *exact* method inverts the
Clopper-Pearson interval and uses the two-sided binomial test (R's two-sample ``poisson.test``),
the *score* method inverts the Wilson interval with the score test (R's ``prop.test`` without
continuity correction), and *wald* uses :math:`\log \mathrm{IRR} \pm z \sqrt{1/k_1 + 1/k_0}`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .._checks import check_level, check_one_of, require_columns
from ..errors import GluteStudyWarning, InputError
from ._design import drop_incomplete
from ._result import Result, format_ci, format_number, format_p

__all__ = ["incidence", "rate_ratio"]


def _clean(data: pd.DataFrame, cols: list[str], events: str, exposure: str,
           what: str) -> tuple[pd.DataFrame, dict]:
    """Rows with events and exposure (others dropped with one warning), checked; the drop."""
    require_columns(data, cols)
    complete = drop_incomplete(data[cols], [events, exposure], what=what, stacklevel=4)
    df = complete.frame.copy()
    for col in (events, exposure):
        if not pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col]):
            raise InputError(f"column {col!r} must be numeric; found dtype {df[col].dtype}.")
    k = df[events].to_numpy(dtype=float)
    t = df[exposure].to_numpy(dtype=float)
    if (k < 0).any() or not np.allclose(k, np.round(k)):
        raise InputError(
            f"{events!r} must hold event counts (whole numbers >= 0); found e.g. "
            f"{k[(k < 0) | (k != np.round(k))][0]!r}."
        )
    if (t < 0).any() or ((t == 0) & (k > 0)).any():
        raise InputError(
            f"{exposure!r} must be positive exposure (hours); found {int((t < 0).sum())} "
            f"negative values and {int(((t == 0) & (k > 0)).sum())} rows with events but no "
            "exposure. Correct the exposure records."
        )
    if len(df) == 0 or t.sum() <= 0:
        raise InputError(f"no exposure left in {exposure!r}: the total is zero.")
    return df, complete.diagnostics


def _warn_missing_groups(df: pd.DataFrame, by: str, what: str) -> None:
    n = int(df[by].isna().sum())
    if n:
        warnings.warn(
            f"{n} rows have no {by!r}; they are {what}. Fill {by!r} to place them in a group.",
            GluteStudyWarning,
            stacklevel=3,
        )


def _garwood(k: float, t: float, per: float, level: float) -> tuple[float, float]:
    a = 1 - level
    low = 0.0 if k == 0 else stats.chi2.ppf(a / 2, 2 * k) / 2
    high = stats.chi2.ppf(1 - a / 2, 2 * k + 2) / 2
    return low / t * per, high / t * per


def incidence(
    data: pd.DataFrame,
    *,
    events: str,
    exposure: str,
    group: str | None = None,
    per: float = 1000,
    level: float = 0.95,
) -> Result:
    """Incidence (events per ``per`` hours of exposure) with exact Poisson (Garwood) intervals.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per participant (or per session).
    events : str
        Column with event counts (e.g. ``"hamstring_cramps"``).
    exposure : str
        Column with exposure hours (e.g. ``"exposure_h"``).
    group : str, optional
        Column whose groups get one row each (e.g. sitting tertile, trial arm).
    per : float
        Rate per this many hours (1000 by convention).
    level : float
        Confidence level.

    Returns
    -------
    Result
        ``.table`` has one row per group, then ``term = "overall"``; ``estimate`` is the rate per
        ``per`` h and ``p_value`` is empty (no test here; see :func:`rate_ratio`). Extra columns:
        ``events``, ``exposure_h``, ``n``, ``per``.

    Notes
    -----
    Rows with missing events or exposure are dropped with a warning. Zero exposure with zero
    events is allowed (a participant who never played); events without exposure are an error.
    Same interval as R ``poisson.test(k, T)``.

    Examples
    --------
    >>> df = pd.DataFrame({"cramps": [0, 2, 1, 3], "exposure_h": [100.0, 120, 80, 150],
    ...                    "arm": ["a", "a", "b", "b"]})
    >>> res = incidence(df, events="cramps", exposure="exposure_h", group="arm")
    >>> res.table[["term", "estimate", "ci_low", "ci_high", "events"]].round(2)
          term  estimate  ci_low  ci_high  events
    0        a      9.09    1.10    32.84     2.0
    1        b     17.39    4.74    44.53     4.0
    2  overall     13.33    4.89    29.02     6.0
    >>> print(res.text.splitlines()[-1])
    Overall, the incidence was 13.33 per 1000 h (95 % CI 4.89 to 29.02; 6 events in 450 h).
    """
    level = check_level(level)
    if not per > 0:
        raise InputError(f"`per` must be a positive number of hours; got {per!r}.")
    cols = [events, exposure] + ([group] if group is not None else [])
    df, dropped = _clean(data, cols, events, exposure, "incidence")
    rows = []
    groups = []
    if group is not None:
        _warn_missing_groups(df, group, "counted in 'overall' only")
        for key, sub in df.groupby(group, sort=True, observed=True):
            groups.append((str(key), sub))
    groups.append(("overall", df))
    for label, sub in groups:
        k = float(sub[events].sum())
        t = float(sub[exposure].sum())
        if t <= 0:
            raise InputError(f"group {label!r} of {group!r} has no exposure hours.")
        low, high = _garwood(k, t, per, level)
        rows.append({
            "term": label, "estimate": k / t * per, "ci_low": low, "ci_high": high,
            "p_value": np.nan, "events": k, "exposure_h": t, "n": len(sub), "per": per,
        })
    table = pd.DataFrame(rows)
    lines = []
    for r in rows:
        where = "Overall, the" if r["term"] == "overall" else f"In {group} = {r['term']}, the"
        lines.append(
            f"{where} incidence was {format_number(r['estimate'])} per {per:g} h "
            f"({format_ci(r['ci_low'], r['ci_high'], level=level)}; {r['events']:.0f} events "
            f"in {r['exposure_h']:,.0f} h)."
        )
    return Result(
        table,
        "\n".join(lines),
        diagnostics={"n_rows": len(df), **dropped, "level": level},
        name="incidence",
        level=level,
    )


def _exact(k1, t1, k0, t0, level):
    big_k = k1 + k0
    pi0 = t1 / (t1 + t0)
    if big_k == 0:
        return np.nan, 0.0, np.inf, 1.0
    test = stats.binomtest(int(k1), int(big_k), pi0)
    a = 1 - level
    lo = 0.0 if k1 == 0 else stats.beta.ppf(a / 2, k1, big_k - k1 + 1)
    hi = 1.0 if k1 == big_k else stats.beta.ppf(1 - a / 2, k1 + 1, big_k - k1)
    return lo, hi, test.pvalue, pi0


def _to_irr(p, t1, t0):
    with np.errstate(divide="ignore"):
        return np.inf if p >= 1 else p / (1 - p) * t0 / t1


def _pair(k1, t1, k0, t0, method, level):
    """IRR of (k1, t1) against (k0, t0) with CI and p, by ``method``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        irr = np.float64(k1 / t1) / np.float64(k0 / t0)
    z = stats.norm.ppf(1 - (1 - level) / 2)
    if method == "wald":
        if k1 == 0 or k0 == 0:
            raise InputError(
                "the Wald interval needs at least one event in each group; found "
                f"{k1:.0f} and {k0:.0f}. Use method='exact'."
            )
        se = np.sqrt(1 / k1 + 1 / k0)
        lo, hi = np.exp(np.log(irr) - z * se), np.exp(np.log(irr) + z * se)
        p = 2 * stats.norm.sf(abs(np.log(irr)) / se)
        return irr, lo, hi, p
    big_k = k1 + k0
    pi0 = t1 / (t1 + t0)
    if big_k == 0:
        return np.nan, 0.0, np.inf, 1.0
    if method == "exact":
        plo, phi, p, _ = _exact(k1, t1, k0, t0, level)
    else:  # score: Wilson interval on the conditional binomial, score test
        phat = k1 / big_k
        centre = (phat + z**2 / (2 * big_k)) / (1 + z**2 / big_k)
        half = z / (1 + z**2 / big_k) * np.sqrt(
            phat * (1 - phat) / big_k + z**2 / (4 * big_k**2)
        )
        plo, phi = max(0.0, centre - half), min(1.0, centre + half)
        stat = (k1 - big_k * pi0) / np.sqrt(big_k * pi0 * (1 - pi0))
        p = 2 * stats.norm.sf(abs(stat))
    return irr, _to_irr(plo, t1, t0), _to_irr(phi, t1, t0), min(1.0, p)


def _change(irr: float) -> str:
    if not np.isfinite(irr):
        return "could not be compared"
    pct = (irr - 1) * 100
    if round(abs(pct)) == 0:
        return "was about the same"
    return f"was {abs(pct):.0f} % {'higher' if pct > 0 else 'lower'}"


def rate_ratio(
    data: pd.DataFrame,
    *,
    events: str,
    exposure: str,
    group: str,
    reference: object = None,
    method: str = "exact",
    level: float = 0.95,
) -> Result:
    """Incidence rate ratio of each group against a reference group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per participant (or per session).
    events, exposure : str
        Columns with event counts and exposure hours.
    group : str
        Column with the groups (trial arm, sitting tertile...). At least two groups.
    reference : optional
        The reference group; by default the first in sorted (or categorical) order.
    method : {"exact", "score", "wald"}
        ``"exact"``: conditional binomial (Clopper-Pearson interval, two-sided binomial test), as
        R ``poisson.test(c(k1, k0), c(T1, T0))``; ``"score"``: Wilson interval and score test on
        the same conditional binomial; ``"wald"``: normal interval for the log IRR.
    level : float
        Confidence level.

    Returns
    -------
    Result
        One row per non-reference group, ``term = "<group> vs <reference>"``, ``estimate`` =
        IRR. Extra columns: ``group``, ``reference``, ``events``, ``exposure_h``,
        ``reference_events``, ``reference_exposure_h``, ``method``.

    Examples
    --------
    >>> df = pd.DataFrame({"cramps": [4, 6, 9, 11], "exposure_h": [1000.0, 1000, 1000, 1000],
    ...                    "arm": ["training", "training", "control", "control"]})
    >>> res = rate_ratio(df, events="cramps", exposure="exposure_h", group="arm")
    >>> res.table[["term", "estimate", "ci_low", "ci_high", "p_value"]].round(3)
                      term  estimate  ci_low  ci_high  p_value
    0  training vs control       0.5   0.209    1.119    0.099
    >>> print(res.text)
    The event rate was 50 % lower in training than in control (IRR 0.50, 95 % CI 0.21 to 1.12,
    p = .099; exact conditional test).
    """
    check_one_of("method", method, ["exact", "score", "wald"])
    level = check_level(level)
    df, dropped = _clean(data, [events, exposure, group], events, exposure, "rate_ratio")
    _warn_missing_groups(df, group, "left out of every comparison")
    if isinstance(df[group].dtype, pd.CategoricalDtype):
        levels = [c for c in df[group].cat.categories if (df[group] == c).any()]
    else:
        levels = sorted(df[group].dropna().unique(), key=str)
    if len(levels) < 2:
        raise InputError(
            f"{group!r} must have at least two groups to compare; found {levels!r}."
        )
    if reference is None:
        reference = levels[0]
    elif reference not in levels:
        raise InputError(
            f"`reference` {reference!r} is not a group of {group!r} (groups: "
            f"{', '.join(map(repr, levels))})."
        )
    ref = df[df[group] == reference]
    k0, t0 = float(ref[events].sum()), float(ref[exposure].sum())
    rows = []
    for g in levels:
        if g == reference:
            continue
        sub = df[df[group] == g]
        k1, t1 = float(sub[events].sum()), float(sub[exposure].sum())
        irr, lo, hi, p = _pair(k1, t1, k0, t0, method, level)
        rows.append({
            "term": f"{g} vs {reference}", "estimate": irr, "ci_low": lo, "ci_high": hi,
            "p_value": p, "group": str(g), "reference": str(reference), "events": k1,
            "exposure_h": t1, "reference_events": k0, "reference_exposure_h": t0,
            "method": method,
        })
    table = pd.DataFrame(rows)
    label = {"exact": "exact conditional test", "score": "score test", "wald": "Wald test"}
    lines = [
        f"The event rate {_change(r['estimate'])} in {r['group']} than in {r['reference']} "
        f"(IRR {format_number(r['estimate'])}, {format_ci(r['ci_low'], r['ci_high'], level=level)}"
        f", {format_p(r['p_value'])}; {label[method]})."
        for r in rows
    ]
    return Result(
        table,
        "\n".join(lines),
        diagnostics={"n_rows": len(df), **dropped, "level": level,
                     "method": method},
        name="rate_ratio",
        level=level,
    )
