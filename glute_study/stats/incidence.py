r"""Incidence per 1000 h of exposure and incidence rate ratios (sports-injury convention).

The IOC consensus (Bahr et al. 2020) and STROBE-SIIS report injuries - and here cramps - as
events per 1000 h of exposure, and compare groups by incidence rate ratios (IRR). The data are
one row per athlete (or per session) with an event count and exposure hours, and one athlete
may have many cramps: cramps cluster within athletes (over-dispersion), and athletes within
teams. Intervals that treat every cramp as independent (exact Poisson) are then too narrow, so
the default here is a negative-binomial model of each athlete's count with the log exposure as
offset, which estimates the over-dispersion, with robust (HC2) standard errors so that the
intervals do not depend on the negative-binomial form of the variance (the calibration
benchmark, ``benchmarks/rate_calibration.py``, shows why: with a log-normal athlete frailty the
model's own intervals cover 92 %, the robust ones 94 %); with ``cluster="team"`` the intervals
account for the teams (CR2 cluster-robust standard errors with Satterthwaite degrees of freedom).
Quasi-Poisson, a BCa bootstrap over athletes (or teams), and the exact Poisson methods are
options; the result always reports the dispersion it found (Pearson :math:`\hat\phi` of the
Poisson model with one rate per group, and the negative-binomial :math:`\theta`).

The formulas of each method are in :mod:`glute_study.stats._rates`. Exact methods: with
:math:`k` events in :math:`T` hours the Garwood (1936) interval is
:math:`[\tfrac12\chi^2_{2k,\alpha/2}, \tfrac12\chi^2_{2k+2,1-\alpha/2}] \times \mathrm{per}/T`
(R ``poisson.test(k, T)``), and a ratio is tested on :math:`k_1 \sim \mathrm{Binomial}(k_1 + k_0,
\pi)`, :math:`\pi = T_1 \mathrm{IRR} / (T_1 \mathrm{IRR} + T_0)` (Clopper-Pearson interval,
two-sided binomial test; R ``poisson.test(c(k1, k0), c(T1, T0))``).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .._checks import N_BOOT, check_count, check_level, check_one_of, require_columns
from ..errors import GluteStudyWarning, InputError
from ..labels import group_phrase, outcome_phrase
from ..parallel import draw_seed
from ._cluster import cluster_codes
from ._design import drop_incomplete, group_levels
from ._rates import RATE_METHODS, RATIO_METHODS, RateFit, fit_rates
from ._result import Result, format_ci, format_number, format_p

__all__ = ["incidence", "rate_ratio"]

#: Pearson dispersion above which counts are called over-dispersed in the text.
OVERDISPERSED = 1.2

#: How each method is named after a ratio's numbers ("...; negative-binomial model").
_RATIO_WORDS = {"exact": "exact conditional test", "score": "score test", "wald": "Wald test",
                "negbin": "negative-binomial model", "quasipoisson": "quasi-Poisson model",
                "bootstrap": "BCa bootstrap"}


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


def _change(irr: float) -> str:
    if not np.isfinite(irr):
        return "could not be compared"
    pct = (irr - 1) * 100
    if round(abs(pct)) == 0:
        return "was about the same"
    return f"was {abs(pct):.0f} % {'higher' if pct > 0 else 'lower'}"


def _by(by: str | None, group: str | None, required: bool) -> str | None:
    if by is not None and group is not None and by != group:
        raise InputError(f"give the grouping column once: `by={by!r}` or `group={group!r}` "
                         "(an alias of `by`), not both.")
    by = by if by is not None else group
    if required and by is None:
        raise InputError("rate_ratio needs `by`: the column with the groups to compare "
                         "(trial arm, sitting tertile...).")
    return by


def _setup(data, *, events, exposure, by, method, methods, cluster, level, seed, n_boot, what):
    """Checked options, clean rows, group codes and cluster codes."""
    level = check_level(level)
    robust = method is None and cluster is None  # the default: NB with HC2 per row
    if method is None:
        method = "negbin"
    check_one_of("method", method, list(methods))
    if cluster is not None and method in ("exact", "score", "wald"):
        raise InputError(
            f"method={method!r} treats every event as independent and cannot account for "
            f"the clusters in {cluster!r}; use method='negbin' (the default), 'quasipoisson' "
            "or 'bootstrap' with `cluster`.")
    n_boot = check_count("n_boot", n_boot, N_BOOT)
    seed = draw_seed(seed) if method == "bootstrap" else seed
    cols = [events, exposure] + [c for c in (by, cluster) if c is not None]
    cols = list(dict.fromkeys(cols))
    df, dropped = _clean(data, cols, events, exposure, what)
    if cluster is not None:
        n_missing = int(df[cluster].isna().sum())
        if n_missing:
            warnings.warn(
                f"{n_missing} rows have no {cluster!r}; they are left out of the analysis. "
                f"Fill {cluster!r} to keep them.", GluteStudyWarning, stacklevel=3)
            df = df[df[cluster].notna()]
        codes = cluster_codes(df[cluster].to_numpy(), name=cluster)[0]
    else:
        _warn_repeated_athletes(data, df, method)
        codes = np.arange(len(df)) if robust else None  # each row its own cluster: HC2
    se_type = "CR2" if cluster is not None and method in ("negbin", "quasipoisson") else (
        "HC2" if robust else "model")
    return df, dropped, method, level, seed, n_boot, codes, se_type


def _warn_repeated_athletes(data: pd.DataFrame, df: pd.DataFrame, method: str) -> None:
    if method in ("exact", "score", "wald") or "participant_id" not in data.columns:
        return
    ids = data.loc[df.index, "participant_id"]
    if ids.notna().any() and ids.duplicated().any():
        warnings.warn(
            "the table has several rows for some participants (sessions?): each row is treated "
            "as an independent athlete. Pass cluster='participant_id' (or sum the rows per "
            "athlete) so the intervals account for the repeated rows.",
            GluteStudyWarning, stacklevel=4)


def _clusters(n: int | None, cluster: str) -> str:
    """The clusters in words: "20 teams", "athletes", or "12 clusters (column squad)"."""
    words = {"team": "teams", "participant_id": "athletes"}.get(cluster)
    said = words or f"clusters ({cluster})"
    return said if n is None else f"{n} {said}"


def _dispersion(fit: RateFit) -> dict:
    theta = fit.info.get("theta", np.nan)
    return {"pearson_phi": fit.info["pearson_phi"],
            "theta": float(theta) if theta is not None else np.nan}


def _diagnostics(df, dropped, level, method, se_type, cluster, codes, seed, n_boot,
                 fit: RateFit) -> dict:
    """The diagnostics both results carry: rows, drops, method, dispersion, clusters, seed."""
    diag = {"n_rows": len(df), **dropped, "level": level, "method": method, "se_type": se_type,
            **_dispersion(fit)}
    if cluster is not None:
        diag.update(cluster=cluster, n_clusters=int(np.unique(codes).size))
    if method == "bootstrap":
        diag.update(seed=seed, n_boot=n_boot)
    return diag


def _method_sentence(fit: RateFit, method: str, cluster: str | None, kind: str,
                     se_type: str = "model") -> str:
    """How the intervals were made, and the dispersion found, in words."""
    phi = fit.info["pearson_phi"]
    theta = fit.info.get("theta")
    if method == "negbin":
        how = ("Intervals are from a negative-binomial model of the event counts with the log "
               "exposure hours as offset")
    elif method == "quasipoisson":
        how = ("Intervals are from a quasi-Poisson model with the log exposure hours as "
               "offset, its variance scaled by the Pearson dispersion")
    elif method == "bootstrap":
        unit = _clusters(None, cluster) if cluster is not None else "athletes"
        how = (f"Intervals are bias-corrected and accelerated bootstrap intervals from "
               f"{fit.info['n_boot']:,} resamples of {unit}"
               + (" within groups" if fit.info.get("stratified") else "")
               + f" (seed {fit.info['seed']})")
    elif method == "exact":
        how = ("Intervals are exact Poisson intervals (Garwood for rates, the conditional "
               "binomial for ratios), which assume that every event is independent")
    else:
        how = (f"The ratios use the {_RATIO_WORDS[method]} on the conditional binomial, which "
               "assumes independent events")
    if se_type == "HC2":
        how += (", with robust (HC2) standard errors, which do not rely on the negative-binomial "
                "variance, and t on Satterthwaite degrees of freedom")
    if cluster is not None and method in ("negbin", "quasipoisson"):
        how += (f", with bias-reduced (CR2) cluster-robust standard errors for the "
                f"{_clusters(fit.info.get('n_clusters'), cluster)} and t on Satterthwaite "
                "degrees of freedom")
    parts = []
    if np.isfinite(phi):
        parts.append(f"Pearson dispersion {phi:.2f}")
    if method == "negbin" and theta is not None:
        parts.append("negative-binomial theta at its boundary" if not np.isfinite(theta)
                     else f"negative-binomial theta {theta:.2f}")
    said = "; ".join(parts)
    if np.isfinite(phi) and phi > OVERDISPERSED:
        disp = f"The counts were over-dispersed ({said})"
        if method in ("exact", "score", "wald"):
            disp += (", so these intervals are too narrow; the default negative-binomial "
                     "method accounts for it")
    elif said:
        disp = f"The counts showed no over-dispersion ({said})"
    else:
        disp = ""
    fallback = [m for m in fit.ratio_method if m == "exact"] if method not in (
        "exact", "score", "wald") and kind == "rate_ratio" else []
    text = how + "." + (f" {disp}." if disp else "")
    if fallback:
        text += (" A comparison with a group without events has no model interval; it uses the "
                 "exact conditional interval.")
    return text


def incidence(
    data: pd.DataFrame,
    *,
    events: str,
    exposure: str,
    by: str | None = None,
    per: float = 1000,
    method: str | None = None,
    cluster: str | None = None,
    level: float = 0.95,
    seed: int | None = None,
    n_boot: int = 2000,
    group: str | None = None,
) -> Result:
    """Incidence (events per ``per`` hours of exposure) by group, with intervals that hold when
    one athlete has many events.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per athlete (or per session, then give ``cluster="participant_id"``).
    events : str
        Column with event counts (e.g. ``"hamstring_cramps"``).
    exposure : str
        Column with exposure hours (e.g. ``"exposure_h"``).
    by : str, optional
        Column whose groups get one row each (e.g. sitting tertile, trial arm).
    per : float
        Rate per this many hours (1000 by convention).
    method : {"negbin", "quasipoisson", "bootstrap", "exact"}, optional
        How the intervals are made (module notes). By default the rates of a negative-binomial
        model, which estimates the over-dispersion, with robust (HC2) standard errors and t on
        Satterthwaite df, so that the intervals hold when the athletes' frailty is not gamma
        (or, with ``cluster``, CR2 by cluster); ``"negbin"`` given explicitly uses the model's
        own (Wald) standard errors, as R ``MASS::glm.nb``. ``"exact"`` gives the exact Poisson
        (Garwood) intervals, right only when events are independent.
    cluster : str, optional
        Column of clusters (``"team"``): the intervals account for them (CR2 and Satterthwaite
        df for the models, resampled clusters for the bootstrap).
    level : float
        Confidence level.
    seed : int, optional
        Seed of the bootstrap (drawn and recorded when not given).
    n_boot : int
        Bootstrap replicates.
    group : str, optional
        Alias of ``by``.

    Returns
    -------
    Result
        ``.table`` has one row per group, then ``term = "overall"``; ``estimate`` is the rate per
        ``per`` h (the model's rate for ``negbin``, the crude rate otherwise) and ``p_value`` is
        empty (no test here; see :func:`rate_ratio`). Extra columns: ``events``,
        ``exposure_h``, ``n``, ``per``, ``crude_rate`` (events / exposure x per), ``df`` (of the
        t interval; inf for z), ``method``, ``se_type`` ("HC2", "CR2" or "model" for the model
        methods). ``.diagnostics`` has the dispersion
        (``pearson_phi``, ``theta``) of the groups and of all rows (``overall_*``).

    Notes
    -----
    Rows with missing events or exposure are dropped with a warning. Zero exposure with zero
    events is allowed (a participant who never played; counted in ``n``, left out of the
    models); events without exposure are an error. A group without events has rate 0 and an
    upper limit from the method's distribution (:mod:`glute_study.stats._rates`).

    Examples
    --------
    >>> df = pd.DataFrame({"cramps": [0, 2, 1, 3, 0, 5, 1, 0],
    ...                    "exposure_h": [100.0, 120, 80, 150, 90, 110, 130, 100],
    ...                    "arm": ["a", "a", "a", "a", "b", "b", "b", "b"]})
    >>> res = incidence(df, events="cramps", exposure="exposure_h", by="arm")
    >>> res.table[["term", "estimate", "ci_low", "ci_high", "events"]].round(2)
          term  estimate  ci_low  ci_high  events
    0        a     12.87     4.23    39.20     6.0
    1        b     13.72     1.09   172.63     6.0
    2  overall     13.29     5.07    34.81    12.0
    >>> print(res.text.splitlines()[2])
    Overall, the cramp incidence was 13.29 per 1000 h (95 % CI 5.07 to 34.81; 12 events in
    880 h).
    >>> print(res.text.splitlines()[3])
    Intervals are from a negative-binomial model of the event counts with the log exposure
    hours as offset, with robust (HC2) standard errors, which do not rely on the
    negative-binomial variance, and t on Satterthwaite degrees of freedom. The counts were
    over-dispersed (Pearson dispersion 2.13; negative-binomial theta 2.04).
    >>> exact = incidence(df, events="cramps", exposure="exposure_h", method="exact")
    >>> exact.table[["estimate", "ci_low", "ci_high"]].round(2)
       estimate  ci_low  ci_high
    0     13.64    7.05    23.82
    """
    by = _by(by, group, required=False)
    if not (isinstance(per, (int, float)) and not isinstance(per, bool) and per > 0
            and np.isfinite(per)):
        raise InputError(f"`per` must be a positive number of hours; got {per!r}.")
    df, dropped, method, level, seed, n_boot, codes, se_type = _setup(
        data, events=events, exposure=exposure, by=by, method=method, methods=RATE_METHODS,
        cluster=cluster, level=level, seed=seed, n_boot=n_boot, what="incidence")
    k = df[events].to_numpy(dtype=float)
    t = df[exposure].to_numpy(dtype=float)
    pieces = []  # (labels, codes, fit) for the groups, then overall
    opts = {"method": method, "level": level, "cluster": codes,
            "cluster_name": cluster or "athletes",
            "seed": seed, "n_boot": n_boot}
    if by is not None:
        _warn_missing_groups(df, by, "counted in 'overall' only")
        has = df[by].notna().to_numpy()
        levels = group_levels(df[by])
        if not levels:
            raise InputError(f"{by!r} has no values: every row's group is missing.")
        g = pd.Categorical(df[by], categories=levels).codes[has]
        labels = [str(v) for v in levels]
        for j, lab in enumerate(labels):
            if t[has][g == j].sum() <= 0:
                raise InputError(f"group {lab!r} of {by!r} has no exposure hours.")
        sub = {**opts, "cluster": None if codes is None else codes[has]}
        fit = fit_rates(k[has], t[has], g, len(labels), reference=0, labels=labels, **sub)
        pieces.append((labels, g, has, fit))
    g0 = np.zeros(k.size, dtype=int)
    overall = fit_rates(k, t, g0, 1, reference=0, labels=["overall"], **opts)
    pieces.append((["overall"], g0, np.ones(k.size, bool), overall))
    rows = []
    for labels, g, has, fit in pieces:
        kk, tt = k[has], t[has]
        for j, lab in enumerate(labels):
            ev, hours = float(kk[g == j].sum()), float(tt[g == j].sum())
            rows.append({
                "term": lab, "estimate": fit.rate[j] * per, "ci_low": fit.rate_low[j] * per,
                "ci_high": fit.rate_high[j] * per, "p_value": np.nan, "events": ev,
                "exposure_h": hours, "n": int((g == j).sum()), "per": per,
                "crude_rate": ev / hours * per, "df": fit.rate_df[j], "method": method,
                "se_type": se_type if method in ("negbin", "quasipoisson") else "",
            })
    table = pd.DataFrame(rows)
    lines = []
    for r in rows:
        where = "Overall" if r["term"] == "overall" else f"In {group_phrase(by, r['term'])}"
        lines.append(
            f"{where}, the {outcome_phrase(events)} incidence was {format_number(r['estimate'])} "
            f"per {per:g} h "
            f"({format_ci(r['ci_low'], r['ci_high'], level=level)}; {r['events']:.0f} events "
            f"in {r['exposure_h']:,.0f} h).")
    main = pieces[0][3]
    lines.append(_method_sentence(main, method, cluster, "incidence", se_type))
    diag = _diagnostics(df, dropped, level, method, se_type, cluster, codes, seed, n_boot, main)
    diag.update({f"overall_{key}": v for key, v in _dispersion(overall).items()})
    return Result(table, "\n".join(lines), diagnostics=diag, name="incidence", level=level)


def rate_ratio(
    data: pd.DataFrame,
    *,
    events: str,
    exposure: str,
    by: str | None = None,
    reference: object = None,
    method: str | None = None,
    cluster: str | None = None,
    level: float = 0.95,
    seed: int | None = None,
    n_boot: int = 2000,
    group: str | None = None,
) -> Result:
    """Incidence rate ratio of each group against a reference group.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per athlete (or per session, then give ``cluster="participant_id"``).
    events, exposure : str
        Columns with event counts and exposure hours.
    by : str
        Column with the groups (trial arm, sitting tertile...). At least two groups.
    reference : optional
        The reference group; by default the first in sorted (or categorical) order.
    method : {"negbin", "quasipoisson", "bootstrap", "exact", "score", "wald"}, optional
        By default the IRR of a negative-binomial model with one rate per group and the log
        exposure as offset, with robust (HC2) standard errors and t on Satterthwaite df (CR2 by
        cluster with ``cluster``); ``"negbin"``: the same IRR with the model's Wald interval and
        z test, as R ``MASS::glm.nb``;
        ``"quasipoisson"``: the crude IRR with the Pearson-scaled variance (t test);
        ``"bootstrap"``: BCa over athletes (or clusters); ``"exact"``: the conditional binomial
        (Clopper-Pearson interval, two-sided binomial test), as R ``poisson.test(c(k1, k0),
        c(T1, T0))``; ``"score"`` and ``"wald"`` on the same conditional binomial. The last
        three assume independent events.
    cluster : str, optional
        Column of clusters (``"team"``); see :func:`incidence`.
    level : float
        Confidence level.
    seed, n_boot : optional
        Bootstrap seed and replicates.
    group : str, optional
        Alias of ``by``.

    Returns
    -------
    Result
        One row per non-reference group, ``term = "<group> vs <reference>"``, ``estimate`` =
        IRR. Extra columns: ``group``, ``reference``, ``events``, ``exposure_h``,
        ``reference_events``, ``reference_exposure_h``, ``coef`` and ``se`` (log IRR and its
        standard error where the method has one), ``df``, ``method`` (what each row used),
        ``se_type``.

    Examples
    --------
    >>> df = pd.DataFrame({"cramps": [4, 6, 9, 11], "exposure_h": [1000.0, 1000, 1000, 1000],
    ...                    "arm": ["training", "training", "control", "control"]})
    >>> res = rate_ratio(df, events="cramps", exposure="exposure_h", by="arm", method="exact")
    >>> res.table[["term", "estimate", "ci_low", "ci_high", "p_value"]].round(3)
                      term  estimate  ci_low  ci_high  p_value
    0  training vs control       0.5   0.209    1.119    0.099
    >>> print(res.text.splitlines()[0])
    The cramp rate was 50 % lower in the training arm than in the control arm (IRR 0.50,
    95 % CI 0.21 to 1.12,
    p = .099; exact conditional test).
    """
    by = _by(by, group, required=True)
    df, dropped, method, level, seed, n_boot, codes, se_type = _setup(
        data, events=events, exposure=exposure, by=by, method=method, methods=RATIO_METHODS,
        cluster=cluster, level=level, seed=seed, n_boot=n_boot, what="rate_ratio")
    _warn_missing_groups(df, by, "left out of every comparison")
    has = df[by].notna().to_numpy()
    levels = group_levels(df[by])
    if len(levels) < 2:
        raise InputError(
            f"{by!r} must have at least two groups to compare; found {levels!r}.")
    if reference is None:
        reference = levels[0]
    elif reference not in levels:
        raise InputError(
            f"`reference` {reference!r} is not a group of {by!r} (groups: "
            f"{', '.join(map(repr, levels))}).")
    ref = levels.index(reference)
    k = df[events].to_numpy(dtype=float)[has]
    t = df[exposure].to_numpy(dtype=float)[has]
    g = pd.Categorical(df[by], categories=levels).codes[has]
    labels = [str(v) for v in levels]
    fit = fit_rates(k, t, g, len(levels), reference=ref, method=method, level=level,
                    cluster=None if codes is None else codes[has],
                    cluster_name=cluster or "athletes",
                    labels=labels, seed=seed, n_boot=n_boot)
    k0, t0 = float(k[g == ref].sum()), float(t[g == ref].sum())
    rows = []
    for j, lev in enumerate(levels):
        if j == ref:
            continue
        has_se = np.isfinite(fit.ratio_se[j])
        rows.append({
            "term": f"{lev} vs {reference}", "estimate": fit.ratio[j],
            "ci_low": fit.ratio_low[j], "ci_high": fit.ratio_high[j], "p_value": fit.ratio_p[j],
            "group": str(lev), "reference": str(reference), "events": float(k[g == j].sum()),
            "exposure_h": float(t[g == j].sum()), "reference_events": k0,
            "reference_exposure_h": t0,
            "coef": fit.ratio_coef[j] if has_se else np.nan,
            "se": fit.ratio_se[j] if has_se else np.nan,
            "df": fit.ratio_df[j], "method": fit.ratio_method[j],
            "se_type": se_type if fit.ratio_method[j] in ("negbin", "quasipoisson") else "",
        })
    table = pd.DataFrame(rows)
    lines = [
        f"The {outcome_phrase(events)} rate {_change(r['estimate'])} in "
        f"{group_phrase(by, r['group'])} than in {group_phrase(by, r['reference'])} "
        f"(IRR {format_number(r['estimate'])}, "
        f"{format_ci(r['ci_low'], r['ci_high'], level=level)}, {format_p(r['p_value'])}; "
        f"{_RATIO_WORDS[r['method']]}"
        + (", cluster-robust" if cluster is not None and r["method"] == method else "")
        + ")."
        for r in rows
    ]
    lines.append(_method_sentence(fit, method, cluster, "rate_ratio", se_type))
    diag = _diagnostics(df, dropped, level, method, se_type, cluster, codes, seed, n_boot, fit)
    return Result(table, "\n".join(lines), diagnostics=diag, name="rate_ratio", level=level)
