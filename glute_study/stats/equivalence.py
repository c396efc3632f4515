r"""Evidence of absence: equivalence tests (TOST) and the minimal detectable effect of a result row.

A non-significant result is not evidence of no effect. With a *smallest effect of interest*,
written as equivalence bounds :math:`(\Delta_L, \Delta_U)` around the null, the same estimate
can say more: :func:`equivalence` runs the two one-sided tests (TOST; Schuirmann 1987, Lakens
2017) on any row of any glute_study :class:`~glute_study.stats.Result`, and
:func:`minimal_detectable_effect` says how large an effect the study could have detected.

Scales
------
Each row is tested on the scale its analysis is estimated on, :math:`\theta = g(\text{estimate})`:

* **ratio** (rate, hazard and odds ratios: count_model, count_mixed_model, trial_rate_effect,
  rate_ratio, cox_model, logistic_model, gee_counts, dose_response's linear term, mediation's
  rate ratios, and any result whose row carries ``coef = log(estimate)``, such as a pooled
  one): :math:`g = \log`, null 1, bounds such as ``(1/1.1, 1.1)`` (both positive);
* **difference** (mean differences, coefficients: trial_effect's difference and Hedges' g,
  mixed_model's fixed effects, bland_altman's bias and proportional bias, mediation's
  coefficients and rate differences): :math:`g` the identity, null 0;
* **correlation** (partial_correlation, sitting_strength): :math:`g = \operatorname{atanh}`
  (Fisher z), null 0, bounds inside (-1, 1).

Rows that are not a contrast with a null value (intercepts, adjusted means, rates, ICCs,
variance components, dispersion parameters) are refused with the reason.

Formulas
--------
With the standard error :math:`s` of :math:`\hat\theta` and :math:`F` the t distribution with
the row's degrees of freedom where it has them (else the standard normal),

.. math:: t_L = \frac{\hat\theta - g(\Delta_L)}{s},\quad p_L = 1 - F(t_L);\qquad
          t_U = \frac{\hat\theta - g(\Delta_U)}{s},\quad p_U = F(t_U);\qquad
          p_\mathrm{TOST} = \max(p_L, p_U).

At :math:`\alpha = (1 - \text{level}) / 2` the TOST rejects exactly when the ``level``
(:math:`1 - 2\alpha`, 90 % by default) interval :math:`\hat\theta \pm F^{-1}(1 - \alpha)\,s`
lies inside the bounds. The standard error is the row's (``se`` on the log scale beside
``coef`` for ratios); where a row has none (an exact rate ratio, a bootstrap interval, a
correlation) it is recovered from the row's own interval at the result's level,
:math:`s = [g(\text{ci\_high}) - g(\text{ci\_low})] / (2 F^{-1}((1 + \text{level}) / 2))`, and
the diagnostics say so (an approximation where that interval is not symmetric on the scale).

The four outcomes (Lakens, Scheel & Isager 2018, figure 1) combine the TOST with the usual
two-sided test of the null at the same :math:`\alpha` (:math:`p_0`):

=====================================  =============  =======================================
case                                   conclusion     reading
=====================================  =============  =======================================
equivalent, not different              equivalent     the interval lies inside the bounds
equivalent and different (trivial)     equivalent     an effect, but smaller than of interest
different, not equivalent              not equivalent an effect; one of interest not ruled out
                                                      (or, with the interval wholly beyond a
                                                      bound, an effect at least that large)
neither different nor equivalent       inconclusive   the data cannot tell
=====================================  =============  =======================================

The minimal detectable effect at two-sided :math:`\alpha` and power :math:`1 - \beta` is
:math:`g^{-1}(g_0 \pm (q_{1 - \alpha/2} + q_{1 - \beta})\,s)`, with :math:`q` the quantiles of
:math:`F` (Bloom 1995).

References
----------
Schuirmann DJ (1987). A comparison of the two one-sided tests procedure and the power approach
for assessing the equivalence of average bioavailability. J Pharmacokinet Biopharm 15:657-680.
Lakens D (2017). Equivalence tests: a practical primer for t tests, correlations, and
meta-analyses. Soc Psychol Personal Sci 8:355-362.
Lakens D, Scheel AM, Isager PM (2018). Equivalence testing for psychological research: a
tutorial. Adv Methods Pract Psychol Sci 1:259-269.
Bloom HS (1995). Minimum detectable effects: a simple way to report the statistical power of
experimental designs. Eval Rev 19:547-556.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from .._checks import check_level
from ..errors import InputError
from ._result import Result, format_number, format_p, level_pct

__all__ = ["equivalence", "minimal_detectable_effect"]

#: Transform to the tested scale, its inverse and the null value, per scale.
_SCALES = {
    "ratio": (np.log, np.exp, 1.0),
    "difference": (lambda x: x, lambda x: x, 0.0),
    "correlation": (np.arctanh, np.tanh, 0.0),
}
#: The effect's symbol in sentences, per result kind (ratio scale).
_RATIO_LABELS = {"cox_model": "HR", "logistic_model": "OR", "recurrent_events": "HR",
                 "mediation": "RR", "count_model": "IRR", "count_mixed_model": "IRR",
                 "trial_rate_effect": "IRR", "rate_ratio": "IRR", "gee_counts": "IRR",
                 "dose_response": "IRR"}
#: Kinds whose row scale is known without a ``coef`` column, and what they are.
_KNOWN = ("count_model, count_mixed_model (fixed effects), trial_rate_effect, rate_ratio, "
          "cox_model, logistic_model, gee_counts, "
          "dose_response (linear term), mediation, trial_effect (difference, Hedges' g), "
          "mixed_model (fixed effects), bland_altman (bias, proportional bias), "
          "partial_correlation, sitting_strength, or any row with coef and se columns")


@dataclass(frozen=True)
class _Row:
    """One result row on its tested scale: what :func:`equivalence` and the MDE work from."""

    term: str
    scale: str  # "ratio", "difference" or "correlation"
    label: str  # the effect's symbol: "IRR", "HR", "difference", "r"...
    estimate: float  # on the natural scale
    theta: float  # g(estimate), the centre on the tested scale
    se: float
    df: float | None  # None: normal reference distribution
    se_note: str  # where the SE came from
    subject: str  # "for each additional hour of daily sitting"
    source: str


def _subject(row: pd.Series, result: Result) -> str:
    """How a sentence names the row: the codebook phrases count_model uses, the compared groups
    or the result's own row label, else the term."""
    from ..labels import is_variable, level_label, term_phrase, word_list
    from .counts import _FACTOR

    term, kind = str(row["term"]), result.kind
    m = _FACTOR.match(term)
    if m:
        design = getattr(result.model, "design", None)
        ref = design.reference_level(term) if hasattr(design, "reference_level") else None
        ref = result.diagnostics.get("reference") if ref is None else ref
        phrase = term_phrase(term, reference=ref)
        return "for " + phrase[0].lower() + phrase[1:]
    if is_variable(term):
        phrase = term_phrase(term)
        return "for " + phrase[0].lower() + phrase[1:]
    if kind == "rate_ratio" and {"group", "reference"} <= set(row.index):
        return (f"for {_words(row['group'])} compared with "
                f"{_words(row['reference'])}")
    if kind == "trial_effect" and "reference" in result.diagnostics:
        arm = term[len("hedges_g["):-1] if row.get("kind") == "hedges_g" else term.split(" - ")[0]
        return (f"for the {_words(level_label('arm', arm))} arm compared with "
                f"{_words(level_label('arm', result.diagnostics['reference']))}")
    if kind in ("partial_correlation", "sitting_strength") and " ~ " in term:
        x, y = term.split(" ~ ", 1)
        covs = row.get("covariates")
        adj = (" adjusted for " + word_list([_words(c.strip()) for c in covs.split(",")])
               if isinstance(covs, str) and covs else "")
        return f"for the correlation between {_words(x)} and {_words(y)}{adj}"
    label = row.get("label")
    if kind == "mediation" and isinstance(label, str) and label:
        return f"for path {label}" if ":" in label[:4] else f"for the {label}"
    return f"for {_words(term)}"


def _words(text: object) -> str:
    """A variable, level or term as a sentence names it mid-sentence ("device-measured
    sitting", "glute training")."""
    from ..labels import in_words, mid_sentence

    return mid_sentence(in_words(text))


def result_row(result: Result, term: str, where: Mapping[str, object] | None = None
               ) -> pd.Series:
    """The one row of ``result`` with ``term`` (and the column values in ``where``), or refuse.

    Examples
    --------
    >>> fit = Result(pd.DataFrame({"term": ["x"], "estimate": [1.2], "ci_low": [1.0],
    ...                            "ci_high": [1.4], "p_value": [0.04]}), "", level=0.95)
    >>> float(result_row(fit, "x")["estimate"])
    1.2
    """
    if not isinstance(result, Result):
        raise InputError(f"`result` must be a glute_study Result; got {type(result).__name__}.")
    if result.level is None or result.table[["ci_low", "ci_high"]].isna().all().all():
        raise InputError(
            f"Result {result.name!r} has no confidence intervals (it is a {result.kind} "
            "result); an equivalence test needs an estimate with an interval or a standard "
            "error.")
    table = result.table
    terms = list(dict.fromkeys(table["term"]))
    if not isinstance(term, str) or term not in terms:
        raise InputError(
            f"Result {result.name!r} has no term {term!r}; its terms are: "
            f"{', '.join(repr(t) for t in terms)}.")
    rows = table[table["term"] == term]
    for col, value in (where or {}).items():
        if col not in table.columns:
            raise InputError(f"`where` names column {col!r}, which the {result.name!r} table "
                             f"lacks; it has: {', '.join(table.columns)}.")
        rows = rows[rows[col] == value]
    if len(rows) != 1:
        cols = [c for c in ("scale", "component", "kind", "effect", "model") if c in table]
        found = table[table["term"] == term]
        shown = "; ".join(
            ", ".join(f"{c}={r[c]!r}" for c in cols) or f"row {i}" for i, r in found.iterrows())
        hint = (f" Choose one with `where`, e.g. where={{{cols[0]!r}: "
                f"{found.iloc[0][cols[0]]!r}}}." if cols else "")
        after = " after `where`" if where else ""
        raise InputError(
            f"term {term!r} of {result.name!r} matches {len(rows)} rows{after} ({shown}); "
            f"name exactly one.{hint}")
    return rows.iloc[0]


def _finite(row: pd.Series, col: str) -> float | None:
    value = row.get(col, np.nan)
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if np.isfinite(value) else None


def _scale_of(row: pd.Series, kind: str) -> tuple[str, str, str | None]:
    """(scale, label, the column holding the SE on that scale or None) of a row, or refuse."""
    if row.get("component") in ("random", "dispersion") or row.get("effect") == "random":
        raise InputError(
            f"the {row['term']!r} row of the {kind} result is a variance component or "
            "dispersion parameter (a spread, not a contrast with a null value); equivalence "
            "tests the fixed effects.")
    est, coef = _finite(row, "estimate"), _finite(row, "coef")
    if est is not None and coef is not None:
        if est > 0 and np.isclose(np.exp(coef), est, rtol=1e-8, atol=0):
            label = (str(row.get("scale", "")).split(" ")[0]
                     if kind in ("count_model", "count_mixed_model")
                     else _RATIO_LABELS.get(kind, "ratio"))
            return "ratio", label or "IRR", "se"
        if np.isclose(coef, est, rtol=1e-10, atol=1e-12):
            return "difference", "coefficient", "se"
    if kind in ("rate_ratio", "trial_rate_effect"):
        return "ratio", "IRR", None
    if kind == "dose_response" and row.get("model") == "linear":
        return "ratio", "IRR", None
    if kind == "mediation":
        scale = row.get("scale")
        if scale == "rate_ratio":
            return "ratio", "RR", None
        if scale in ("coefficient", "per_1000_h"):
            return "difference", ("difference per 1000 h" if scale == "per_1000_h"
                                  else "coefficient"), "se"
    if kind == "trial_effect" and row.get("kind") in ("difference", "hedges_g"):
        return "difference", ("difference" if row["kind"] == "difference" else "Hedges' g"), "se"
    if kind == "mixed_model" and row.get("effect") == "fixed":
        return "difference", "B", "se"
    if kind == "bland_altman" and row["term"] in ("bias", "proportional_bias"):
        return "difference", "bias" if row["term"] == "bias" else "slope", "se"
    if kind in ("partial_correlation", "sitting_strength"):
        return "correlation", "r" if row.get("method", "pearson") == "pearson" else "r_s", None
    raise InputError(
        f"equivalence does not know the scale of the {row['term']!r} row of the {kind} result "
        "(it is not a contrast with a null value, such as an adjusted mean, a rate, an ICC or "
        f"a variance, or a kind it has not been taught). It handles: {_KNOWN}.")


def _row(result: Result, term: str, where: Mapping[str, object] | None) -> _Row:
    row = result_row(result, term, where)
    kind = result.kind
    if term in ("Intercept", "const"):
        raise InputError(
            f"the {term!r} row of {result.name!r} is the baseline level, not a contrast with a "
            "null value; test a covariate or group term instead.")
    scale, label, se_col = _scale_of(row, kind)
    g = _SCALES[scale][0]
    est = _finite(row, "estimate")
    if est is None or (scale == "ratio" and est <= 0) or (scale == "correlation"
                                                         and not -1 < est < 1):
        raise InputError(f"the {term!r} row of {result.name!r} has no usable estimate "
                         f"(got {row['estimate']!r}); it cannot be tested.")
    df = None
    if scale != "correlation":
        df = _finite(row, "df")
        if kind == "bland_altman":
            n = _finite(row, "n")
            df = None if n is None else n - (1 if term == "bias" else 2)
    theta = _finite(row, "coef") if scale == "ratio" and se_col == "se" else float(g(est))
    se = _finite(row, se_col) if se_col else None
    if se is not None and se > 0:
        where_se = ("the log-scale coefficient and its standard error (coef, se)"
                    if scale == "ratio" else "the result's standard error (se)")
        note = f"SE from {where_se}"
    else:
        lo, hi = _finite(row, "ci_low"), _finite(row, "ci_high")
        if lo is None or hi is None or (scale == "ratio" and lo <= 0) or hi <= lo:
            raise InputError(
                f"the {term!r} row of {result.name!r} has neither a standard error nor a "
                f"finite interval (ci_low {row['ci_low']!r}, ci_high {row['ci_high']!r}); "
                "an equivalence test needs one of them.")
        level = float(result.level)
        q = _quantile((1 + level) / 2, df)
        glo, ghi = float(g(lo)), float(g(hi))
        se = (ghi - glo) / (2 * q)
        on = {"ratio": "log", "difference": "difference", "correlation": "Fisher-z"}[scale]
        note = (f"SE derived from the result's {level_pct(level)} % interval on the {on} scale "
                f"((g(ci_high) - g(ci_low)) / (2 x {q:.4f})); the row has no standard error")
        asym = abs((ghi - theta) - (theta - glo)) / (ghi - glo)
        if asym > 1e-6:
            note += (f"; that interval is not symmetric about the estimate on this scale "
                     f"(asymmetry {asym:.1%} of its width: an exact or bootstrap interval), so "
                     "the SE and the test are a normal approximation to it")
    return _Row(term, scale, label, est, float(theta), float(se), df, note,
                _subject(row, result), result.name)


def _quantile(p: float, df: float | None) -> float:
    return float(stats.norm.ppf(p) if df is None else stats.t.ppf(p, df))


def _cdf(x: float, df: float | None) -> float:
    return float(stats.norm.cdf(x) if df is None else stats.t.cdf(x, df))


def _sf(x: float, df: float | None) -> float:
    return float(stats.norm.sf(x) if df is None else stats.t.sf(x, df))


def _check_bounds(bounds: object, scale: str) -> tuple[float, float]:
    null = _SCALES[scale][2]
    example = {"ratio": "(1/1.1, 1.1)", "difference": "(-0.2, 0.2)",
               "correlation": "(-0.1, 0.1)"}[scale]
    if isinstance(bounds, np.ndarray) and bounds.ndim == 1:
        bounds = tuple(bounds.tolist())
    ok = (isinstance(bounds, Sequence) and not isinstance(bounds, str) and len(bounds) == 2
          and all(isinstance(b, numbers.Real) and not isinstance(b, bool) for b in bounds))
    if not ok or not all(np.isfinite(b) for b in bounds):
        raise InputError(f"`bounds` must be two finite numbers (lower, upper) on the {scale} "
                         f"scale, such as {example}; got {bounds!r}.")
    lower, upper = float(bounds[0]), float(bounds[1])
    if scale == "ratio" and (lower <= 0 or upper <= 0):
        raise InputError(f"ratio bounds must both be positive, such as {example}; got "
                         f"{bounds!r}.")
    if scale == "correlation" and not -1 < lower < upper < 1:
        raise InputError(f"correlation bounds must lie between -1 and 1, such as {example}; "
                         f"got {bounds!r}.")
    if not lower < null < upper:
        raise InputError(
            f"`bounds` must bracket the null value {null:g} of the {scale} scale (lower < "
            f"{null:g} < upper), such as {example}; got {bounds!r}.")
    return lower, upper


def _article(label: str) -> str:
    """'an' before IRR, HR, OR, RR and r (spoken with a vowel), else 'a'."""
    return "an" if label in ("IRR", "HR", "OR", "RR", "r", "r_s") else "a"


def _the(label: str) -> str:
    """The effect as a sentence's subject: 'the IRR', but plain 'r'."""
    return label if label in ("r", "r_s") else f"the {label}"


def _stat(value: float, df: float | None) -> str:
    if df is None:
        return f"z = {format_number(value)}"
    return f"t({format_number(df, 0 if float(df).is_integer() else 1)}) = {format_number(value)}"


def equivalence(
    result: Result,
    *,
    term: str,
    bounds: tuple[float, float],
    level: float = 0.90,
    where: Mapping[str, object] | None = None,
) -> Result:
    r"""Two one-sided tests (TOST) of one row of a result against equivalence bounds.

    Parameters
    ----------
    result : Result
        Any glute_study result with intervals (count_model, cox_model, rate_ratio,
        trial_effect, partial_correlation, ...; see the module notes for the scale of each).
    term : str
        The row to test, as the result's ``term`` column names it.
    bounds : tuple of float
        The smallest effect of interest as ``(lower, upper)`` on the row's natural scale:
        ratios ``(1/1.1, 1.1)`` (both positive, tested on the log scale), differences in the
        outcome's units ``(-0.2, 0.2)``, correlations ``(-0.1, 0.1)``. They must bracket the
        null (lower < null < upper); they need not be symmetric.
    level : float
        Level of the reported interval, :math:`1 - 2\alpha`; 0.90 (the default) is the TOST
        at :math:`\alpha = .05`.
    where : dict, optional
        Column values that pick one row when several share the term (mediation's
        ``"direct"`` rows: ``where={"scale": "rate_ratio"}``).

    Returns
    -------
    Result
        ``.table``: one row; ``estimate`` on the natural scale, ``ci_low``/``ci_high`` the
        ``level`` interval, ``p_value`` = :math:`p_\mathrm{TOST}`; then ``lower``, ``upper``
        (the bounds), ``statistic_lower``, ``p_lower``, ``statistic_upper``, ``p_upper``,
        ``p_null`` (the two-sided test of no effect on the same scale), ``se`` and ``df`` (on
        the tested scale; ``df`` NaN for a z test), ``scale``, ``conclusion`` ("equivalent",
        "not equivalent", "inconclusive"), ``case`` (the four-way reading) and ``source``.
        ``.diagnostics``: alpha, the SE's origin (``se_source``), the tested scale, the bounds
        there, and whether the interval lies wholly beyond a bound.

    Raises
    ------
    InputError
        An unknown term (the message lists the terms), bounds that are not two numbers
        bracketing the null, non-positive ratio bounds, a result or row without an interval or
        standard error, a row that is not a contrast (an adjusted mean, a rate, an ICC).

    See Also
    --------
    minimal_detectable_effect : how large an effect the same row could have detected.

    Examples
    --------
    An IRR of 0.93 per hour of daily sitting (``p = .18``), tested against a smallest effect of
    interest of 10 % either way:

    >>> coef, se = -0.07, 0.052
    >>> table = pd.DataFrame({"term": ["sitting_h_day"], "estimate": [np.exp(coef)],
    ...                       "ci_low": [np.exp(coef - 1.96 * se)],
    ...                       "ci_high": [np.exp(coef + 1.96 * se)], "p_value": [0.18],
    ...                       "coef": [coef], "se": [se]})
    >>> fit = Result(table, "", name="count_model", kind="count_model")
    >>> res = equivalence(fit, term="sitting_h_day", bounds=(1 / 1.1, 1.1))
    >>> res.table[["estimate", "ci_low", "ci_high", "p_lower", "p_upper", "p_value"]].round(3)
       estimate  ci_low  ci_high  p_lower  p_upper  p_value
    0     0.932   0.856    1.016    0.313    0.001    0.313
    >>> res.table.loc[0, "conclusion"]
    'inconclusive'
    >>> print(res.text)
    For each additional hour of daily sitting, the IRR was 0.93 (90 % CI 0.86 to 1.02). Against
    equivalence bounds of 0.91 and 1.10, the two one-sided tests gave z = 0.49, p = .313 at the
    lower bound and z = -3.18, p < .001 at the upper bound (TOST p = .313). Inconclusive: the
    IRR neither differs from 1 (p = .178) nor lies within the bounds; the data cannot tell a
    trivial effect from one of interest.

    With the interval wholly inside wider bounds, the same row is equivalent:

    >>> equivalence(fit, term="sitting_h_day", bounds=(0.8, 1.25)).table.loc[0, "conclusion"]
    'equivalent'
    """
    level = check_level(level)
    row = _row(result, term, where)
    lower, upper = _check_bounds(bounds, row.scale)
    g, _, null = _SCALES[row.scale]
    glo, ghi, g0 = float(g(lower)), float(g(upper)), float(g(null))
    alpha = (1 - level) / 2
    t_low = (row.theta - glo) / row.se
    t_up = (row.theta - ghi) / row.se
    p_low, p_up = _sf(t_low, row.df), _cdf(t_up, row.df)
    p_tost = max(p_low, p_up)
    p_null = 2 * _sf(abs(row.theta - g0) / row.se, row.df)
    q = _quantile(1 - alpha, row.df)
    ginv = _SCALES[row.scale][1]
    ci_low, ci_high = float(ginv(row.theta - q * row.se)), float(ginv(row.theta + q * row.se))
    equivalent = p_tost < alpha
    different = p_null < alpha
    beyond = ("upper" if row.theta - q * row.se > ghi else
              "lower" if row.theta + q * row.se < glo else None)
    if equivalent:
        conclusion = "equivalent"
        case = ("equivalent and different (trivial effect)" if different
                else "equivalent, not different")
    elif different or beyond:
        conclusion, case = "not equivalent", "different, not equivalent"
    else:
        conclusion, case = "inconclusive", "neither different nor equivalent"
    table = pd.DataFrame([{
        "term": row.term, "estimate": row.estimate, "ci_low": ci_low, "ci_high": ci_high,
        "p_value": p_tost, "lower": lower, "upper": upper, "statistic_lower": t_low,
        "p_lower": p_low, "statistic_upper": t_up, "p_upper": p_up, "p_null": p_null,
        "se": row.se, "df": np.nan if row.df is None else row.df, "scale": row.scale,
        "conclusion": conclusion, "case": case, "source": row.source,
    }])
    text = _equivalence_text(row, level, lower, upper, t_low, p_low, t_up, p_up, p_tost,
                             p_null, conclusion, different, beyond, ci_low, ci_high, null)
    diagnostics = {
        "alpha": alpha, "level": level, "scale": row.scale, "se_source": row.se_note,
        "bounds_tested_scale": (glo, ghi), "estimate_tested_scale": row.theta,
        "null": null, "beyond_bound": beyond, "reference_distribution":
            "normal" if row.df is None else f"t with {row.df:g} df",
        "source": row.source, "source_level": result.level,
        "measure": row.label, "subject": row.subject,
    }
    return Result(table, text, diagnostics=diagnostics, name=f"equivalence ({row.source})",
                  kind="equivalence", level=level)


def _equivalence_text(row, level, lower, upper, t_low, p_low, t_up, p_up, p_tost, p_null,
                      conclusion, different, beyond, ci_low, ci_high, null) -> str:
    subject = row.subject[0].upper() + row.subject[1:]
    b = row.scale == "correlation"  # no leading zero on a correlation (APA)
    ci = (f"{level_pct(level)} % CI {format_number(ci_low, bounded=b)} to "
          f"{format_number(ci_high, bounded=b)}")
    head = (f"{subject}, {_the(row.label)} was {format_number(row.estimate, bounded=b)} ({ci}). "
            f"Against equivalence bounds of {format_number(lower, bounded=b)} and "
            f"{format_number(upper, bounded=b)}, the two "
            f"one-sided tests gave {_stat(t_low, row.df)}, {format_p(p_low)} at the lower bound "
            f"and {_stat(t_up, row.df)}, {format_p(p_up)} at the upper bound (TOST "
            f"{format_p(p_tost)}).")
    the, p0 = _the(row.label), format_p(p_null)
    if conclusion == "equivalent" and different:
        tail = (f"Equivalent: {the} differs from {null:g} ({p0}), but its interval lies inside "
                "the bounds, so the effect is smaller than the smallest effect of interest (a "
                "trivially small effect).")
    elif conclusion == "equivalent":
        tail = (f"Equivalent: the interval lies inside the bounds and {the} does not differ "
                f"from {null:g} ({p0}); effects as large as the bounds are ruled out.")
    elif beyond:
        tail = (f"Not equivalent: the whole interval lies beyond the {beyond} bound, so the "
                f"effect is at least as large as the smallest effect of interest ({p0} against "
                f"{row.label} = {null:g}).")
    elif conclusion == "not equivalent":
        tail = (f"Not equivalent: {the} differs from {null:g} ({p0}) and an effect as large as "
                "the bounds cannot be ruled out.")
    else:
        tail = (f"Inconclusive: {the} neither differs from {null:g} ({p0}) nor lies within the "
                "bounds; the data cannot tell a trivial effect from one of interest.")
    return f"{head} {tail}"


def minimal_detectable_effect(
    result: Result,
    *,
    term: str,
    power: float = 0.8,
    alpha: float = 0.05,
    where: Mapping[str, object] | None = None,
) -> Result:
    r"""The smallest effect a result row's standard error could detect at a given power.

    :math:`\mathrm{MDE} = g^{-1}(g_0 \pm (q_{1-\alpha/2} + q_{\mathrm{power}})\, s)` on the
    row's tested scale (log for ratios, Fisher z for correlations; see the module notes), with
    :math:`q` the t quantiles at the row's degrees of freedom where it has them, else normal
    ones (Bloom 1995). Set it beside a null result: effects smaller than it were likely to be
    missed.

    Parameters
    ----------
    result : Result
        Any result that :func:`equivalence` accepts.
    term : str
        The row, as the result's ``term`` column names it.
    power : float
        The power, between 0 and 1; 0.8 by default.
    alpha : float
        Two-sided significance level; 0.05 by default.
    where : dict, optional
        Column values that pick one row when several share the term.

    Returns
    -------
    Result
        ``.table``: one row; ``estimate`` = the detectable effect above the null on the
        natural scale (an IRR above 1, a positive difference), ``ci_low``/``ci_high``/
        ``p_value`` NaN; ``mde_lower``, ``mde_upper`` (both directions), ``observed`` (the
        row's estimate), ``se``, ``df`` (tested scale), ``scale``, ``power``, ``alpha``,
        ``source``. ``level`` is None (no interval).

    Examples
    --------
    >>> table = pd.DataFrame({"term": ["sitting_h_day"], "estimate": [np.exp(-0.07)],
    ...                       "ci_low": [0.87], "ci_high": [1.0], "p_value": [0.046],
    ...                       "coef": [-0.07], "se": [0.035]})
    >>> fit = Result(table, "", name="count_model", kind="count_model")
    >>> mde = minimal_detectable_effect(fit, term="sitting_h_day")
    >>> mde.table[["estimate", "mde_lower", "mde_upper", "observed"]].round(3)
       estimate  mde_lower  mde_upper  observed
    0     1.103      0.907      1.103     0.932
    >>> print(mde.text)
    For each additional hour of daily sitting, the study had 80 % power (two-sided alpha = .05)
    to detect an IRR of 1.10 or 0.91 (standard error 0.035 on the log scale); the observed IRR
    was 0.93.
    """
    power = check_level(power, name="power")
    alpha = check_level(alpha, name="alpha")
    row = _row(result, term, where)
    g, ginv, null = _SCALES[row.scale]
    m = (_quantile(1 - alpha / 2, row.df) + _quantile(power, row.df)) * row.se
    g0 = float(g(null))
    lo, hi = float(ginv(g0 - m)), float(ginv(g0 + m))
    table = pd.DataFrame([{
        "term": row.term, "estimate": hi, "ci_low": np.nan, "ci_high": np.nan,
        "p_value": np.nan, "mde_lower": lo, "mde_upper": hi, "observed": row.estimate,
        "se": row.se, "df": np.nan if row.df is None else row.df, "scale": row.scale,
        "power": power, "alpha": alpha, "source": row.source,
    }])
    on = {"ratio": " on the log scale", "difference": "",
          "correlation": " on the Fisher-z scale"}[row.scale]
    subject = row.subject[0].upper() + row.subject[1:]
    b = row.scale == "correlation"  # no leading zero on a correlation (APA)
    text = (f"{subject}, the study had {power * 100:g} % power (two-sided alpha = "
            f"{f'{alpha:g}'.lstrip('0')}) to detect {_article(row.label)} {row.label} of "
            f"{format_number(hi, bounded=b)} or {format_number(lo, bounded=b)} (standard "
            f"error {format_number(row.se, 3)}{on}); the observed {row.label} was "
            f"{format_number(row.estimate, bounded=b)}.")
    diagnostics = {"scale": row.scale, "se_source": row.se_note, "mde_tested_scale": m,
                   "reference_distribution":
                       "normal" if row.df is None else f"t with {row.df:g} df",
                   "source": row.source}
    return Result(table, text, diagnostics=diagnostics,
                  name=f"minimal_detectable_effect ({row.source})",
                  kind="minimal_detectable_effect", level=None)
