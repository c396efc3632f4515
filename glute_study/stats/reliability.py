"""Reliability and agreement of repeated strength tests: ICC, SEM, MDC, CV, Bland-Altman.

Three steps, each a function:

1. :func:`glute_study.measures.participant_values` (the one home of the trial rules, re-exported
   here) reduces trial-level data to one value per participant, session and side with a stated
   rule (best trial, mean of trials, ...); :func:`glute_study.measures.strength_sessions` gives
   the analysed strength variable (Nm/kg, best trial per side, mean of sides) per session.
2. :func:`retest_sessions` keeps the sessions that count as test-retest: those meant for
   reliability (repeated before follow-up began), else the control arm's; a trial's post-test
   in a trained arm is refused, since its change holds the training effect.
3. :func:`reliability` takes one value per subject and session (test-retest) and returns the six
   Shrout-Fleiss intraclass correlations with their F tests and 95 % intervals, the standard error
   of measurement, the minimal detectable change, the typical error as a coefficient of variation,
   the smallest worthwhile change and a check for systematic bias between sessions;
   :func:`against_change` sets its MDC95 and SWC against a change of interest (the trial's).
4. :func:`bland_altman` compares two methods (or two sessions): bias, 95 % limits of agreement with
   their confidence intervals, and a test for proportional bias.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy import stats

from .._checks import check_level, check_one_of, require_columns
from ..errors import InputError
from ..labels import is_variable, level_label, mid_sentence, unit_of
from ..measures import on_or_before_follow_up_start, participant_values
from ._design import drop_incomplete
from ._result import (
    Result,
    format_ci,
    format_count,
    format_number,
    format_p,
    level_pct,
)

__all__ = ["against_change", "bland_altman", "participant_values", "reliability",
           "retest_sessions"]

#: Share of differences the limits of agreement cover: bias -/+ 1.96 SD (Bland & Altman 1986).
_LOA_COVERAGE = 0.95

#: Shrout & Fleiss (1979) form -> McGraw & Wong (1996) name and a plain description.
ICC_FORMS = {
    "ICC1": ("ICC(1)", "one-way random effects, single measurement"),
    "ICC2": ("ICC(A,1)", "two-way random effects, absolute agreement, single measurement"),
    "ICC3": ("ICC(C,1)", "two-way mixed effects, consistency, single measurement"),
    "ICC1k": ("ICC(k)", "one-way random effects, mean of k measurements"),
    "ICC2k": ("ICC(A,k)", "two-way random effects, absolute agreement, mean of k measurements"),
    "ICC3k": ("ICC(C,k)", "two-way mixed effects, consistency, mean of k measurements"),
}


def _wide(data, subject, session, value):
    """Subject x session matrix; drop incomplete subjects with a warning."""
    require_columns(data, [subject, session, value], where="the reliability data")
    df = data[[subject, session, value]].copy()
    if pd.api.types.is_numeric_dtype(df[value]):
        df[value] = df[value].astype("float64")  # nullable Float64/Int64 -> NaN for NA
    else:
        raise InputError(f"column {value!r} must be numeric; found dtype {df[value].dtype}.")
    dup = df.duplicated([subject, session])
    if dup.any():
        first = df.loc[dup, [subject, session]].iloc[0].tolist()
        raise InputError(
            f"{int(dup.sum())} rows repeat a ({subject}, {session}) pair, e.g. {first}; "
            "reliability needs one value per subject and session. Combine trials first with "
            "participant_values(data, by=[subject, session], rule='best' or 'mean')."
        )
    wide = df.pivot(index=subject, columns=session, values=value).sort_index(axis=1)
    dropped = drop_incomplete(wide, list(wide.columns), what="reliability", unit="subjects",
                              why="the ANOVA-based ICC needs a value in every session",
                              stacklevel=4)
    complete = dropped.frame
    n, k = complete.shape
    if k < 2:
        raise InputError(f"reliability needs at least 2 sessions in {session!r}; found {k}.")
    if n < 3:
        raise InputError(f"reliability needs at least 3 complete subjects; found {n}.")
    return complete, dropped


def _mean_squares(x):
    """Two-way ANOVA mean squares (subjects, sessions, residual, within) of an n x k array."""
    n, k = x.shape
    grand = x.mean()
    ss_r = k * np.sum((x.mean(axis=1) - grand) ** 2)
    ss_c = n * np.sum((x.mean(axis=0) - grand) ** 2)
    ss_t = np.sum((x - grand) ** 2)
    ss_e = ss_t - ss_r - ss_c
    msr = ss_r / (n - 1)
    msc = ss_c / (k - 1)
    mse = ss_e / ((n - 1) * (k - 1))
    msw = (ss_c + ss_e) / (n * (k - 1))
    return msr, msc, mse, msw


def _icc_table(x, level):
    """The six Shrout-Fleiss ICCs with F tests and CIs (the psych::ICC formulas)."""
    n, k = x.shape
    msr, msc, mse, msw = _mean_squares(x)
    a = (1 - level) / 2
    icc = {
        "ICC1": (msr - msw) / (msr + (k - 1) * msw),
        "ICC2": (msr - mse) / (msr + (k - 1) * mse + k * (msc - mse) / n),
        "ICC3": (msr - mse) / (msr + (k - 1) * mse),
        "ICC1k": (msr - msw) / msr,
        "ICC2k": (msr - mse) / (msr + (msc - mse) / n),
        "ICC3k": (msr - mse) / msr,
    }
    f1, df1n, df1d = msr / msw, n - 1, n * (k - 1)
    f3, df3n, df3d = msr / mse, n - 1, (n - 1) * (k - 1)
    p1 = stats.f.sf(f1, df1n, df1d)
    p3 = stats.f.sf(f3, df3n, df3d)
    f1l = f1 / stats.f.ppf(1 - a, df1n, df1d)
    f1u = f1 * stats.f.ppf(1 - a, df1d, df1n)
    f3l = f3 / stats.f.ppf(1 - a, df3n, df3d)
    f3u = f3 * stats.f.ppf(1 - a, df3d, df3n)
    # ICC(A,1): Satterthwaite-type df for the interval (McGraw & Wong 1996, Table 7).
    i2, fj = icc["ICC2"], msc / mse
    vn = (k - 1) * (n - 1) * (k * i2 * fj + n * (1 + (k - 1) * i2) - k * i2) ** 2
    vd = (n - 1) * k**2 * i2**2 * fj**2 + (n * (1 + (k - 1) * i2) - k * i2) ** 2
    v = vn / vd
    fu2 = stats.f.ppf(1 - a, n - 1, v)
    fl2 = stats.f.ppf(1 - a, v, n - 1)
    denom = k * msc + (k * n - k - n) * mse
    l2 = n * (msr - fu2 * mse) / (fu2 * denom + n * msr)
    u2 = n * (fl2 * msr - mse) / (denom + n * fl2 * msr)
    ci = {
        "ICC1": ((f1l - 1) / (f1l + k - 1), (f1u - 1) / (f1u + k - 1)),
        "ICC2": (l2, u2),
        "ICC3": ((f3l - 1) / (f3l + k - 1), (f3u - 1) / (f3u + k - 1)),
        "ICC1k": (1 - 1 / f1l, 1 - 1 / f1u),
        "ICC2k": (l2 * k / (1 + l2 * (k - 1)), u2 * k / (1 + u2 * (k - 1))),
        "ICC3k": (1 - 1 / f3l, 1 - 1 / f3u),
    }
    ftest = {"ICC1": (f1, df1n, df1d, p1), "ICC1k": (f1, df1n, df1d, p1)}
    for form in ("ICC2", "ICC3", "ICC2k", "ICC3k"):
        ftest[form] = (f3, df3n, df3d, p3)
    rows = []
    for form, (mw, _) in ICC_FORMS.items():
        f, d1, d2, p = ftest[form]
        rows.append({"term": form, "estimate": icc[form], "ci_low": ci[form][0],
                     "ci_high": ci[form][1], "p_value": p, "mcgraw_wong": mw,
                     "statistic": f, "df1": float(d1), "df2": float(d2)})
    return pd.DataFrame(rows), {"msr": msr, "msc": msc, "mse": mse, "msw": msw}


def _bias_row(x, sessions, level):
    """Systematic bias across sessions: paired t for two, repeated-measures ANOVA for more."""
    n, k = x.shape
    if k == 2:
        res = stats.ttest_rel(x[:, 1], x[:, 0])
        d = x[:, 1] - x[:, 0]
        ci = res.confidence_interval(level)
        return {"term": f"bias: session {sessions[1]} - session {sessions[0]}",
                "estimate": d.mean(), "ci_low": ci.low, "ci_high": ci.high,
                "p_value": res.pvalue, "mcgraw_wong": "", "statistic": res.statistic,
                "df1": float(n - 1), "df2": np.nan}
    _, msc, mse, _ = _mean_squares(x)
    f = msc / mse
    d1, d2 = k - 1, (n - 1) * (k - 1)
    means = x.mean(axis=0)
    return {"term": "bias: range of session means", "estimate": means.max() - means.min(),
            "ci_low": np.nan, "ci_high": np.nan, "p_value": stats.f.sf(f, d1, d2),
            "mcgraw_wong": "", "statistic": f, "df1": float(d1), "df2": float(d2)}


def reliability(data, *, subject="participant_id", session="session", value="value",
                form="ICC2", level=0.95, unit=None, what=None):
    """Test-retest reliability: six ICC forms, SEM, MDC95, CV %, SWC and systematic bias.

    Parameters
    ----------
    data : pandas.DataFrame
        Long data, one row per subject and session (combine trials first with
        :func:`participant_values`).
    subject, session, value : str
        Columns naming the subject, the session (or rater/occasion) and the measured value.
    form : {"ICC2", "ICC1", "ICC3", "ICC1k", "ICC2k", "ICC3k"}
        The ICC reported first in ``.text`` and used for nothing else (every form is in
        ``.table``). The default ICC2 = ICC(A,1), two-way random effects, absolute agreement,
        single measurement, is the test-retest form GRRAS and Koo & Li (2016) ask for: a
        systematic change between sessions (learning, fatigue) counts as error. The text then
        gives the consistency form ICC3 = ICC(C,1), which ignores such a shift, beside it.
    level : float
        Confidence level of the ICC intervals.
    unit : str, optional
        Unit of ``value`` (``"Nm/kg"`` for the analysed strength variable; by default the
        codebook's unit when ``value`` names a labelled column): written in the
        ``unit`` column of the rows measured in it (SEM, MDC95, SWC, bias) and after those
        numbers in ``.text``.
    what : str, optional
        What was measured, for the sentence ("HHD hip extension, left side": "Test-retest
        reliability of HHD hip extension, left side, was ..."), so that the sentences of
        several measures can be told apart.

    Returns
    -------
    Result
        ``.table`` rows: the six ICCs (``mcgraw_wong`` name, F ``statistic``, ``df1``, ``df2``
        and the F-test p against ICC = 0), ``SEM``, ``MDC95``, ``CV_pct``, ``SWC`` and a
        systematic-bias row; the ``unit`` column gives the unit of each estimate (empty for the
        unitless ICCs and when ``unit`` is not given; ``%`` for ``CV_pct``).
        ``.diagnostics`` holds the mean squares, the session means, ``n``,
        ``k``, the number of dropped subjects and the wide data (``"wide"``) for plotting.

    Notes
    -----
    With :math:`MS_R` (subjects), :math:`MS_C` (sessions), :math:`MS_E` (residual) and
    :math:`MS_W = (SS_C + SS_E) / (n(k-1))` from the two-way ANOVA (Shrout & Fleiss 1979):

    - ICC1 = (MS_R - MS_W) / (MS_R + (k-1) MS_W)
    - ICC2 = (MS_R - MS_E) / (MS_R + (k-1) MS_E + k (MS_C - MS_E) / n)
    - ICC3 = (MS_R - MS_E) / (MS_R + (k-1) MS_E), and the k forms for the mean of k sessions.

    Intervals follow McGraw & Wong (1996) exactly as ``psych::ICC(lmer = FALSE)`` and
    ``irr::icc``: F-based for the consistency and one-way forms, and for ICC(A,1) the F
    quantiles at Satterthwaite's degrees of freedom (their Table 7, case 2A).
    SEM = sqrt(MS_E), the square root of the residual mean square (Weir 2005), not
    SD x sqrt(1 - ICC), which mixes in the between-subject spread of the sample; a systematic
    shift between sessions is not in it but in the bias row. MDC95 = 1.96 x sqrt(2) x SEM, the
    smallest change in one subject larger than measurement error with 95 % confidence. CV % is
    Hopkins' (2000) typical error on the log scale, 100 (exp(sqrt(MS_E of log values)) - 1), and
    needs positive values.
    SWC = 0.2 x between-subject SD, the SD being the root mean of the per-session variances.
    Systematic bias: paired t test (two sessions; estimate = mean difference) or the
    repeated-measures ANOVA F test of sessions (more sessions; estimate = range of the session
    means). Subjects lacking any session are dropped with a :class:`GluteStudyWarning`.

    References
    ----------
    Shrout PE, Fleiss JL (1979) Psychol Bull 86:420. McGraw KO, Wong SP (1996) Psychol Methods
    1:30. Weir JP (2005) J Strength Cond Res 19:231. Hopkins WG (2000) Sports Med 30:1.
    Koo TK, Li MY (2016) J Chiropr Med 15:155.

    Examples
    --------
    >>> df = pd.DataFrame({"participant_id": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
    ...                    "session": [1, 2] * 5,
    ...                    "value": [2.1, 2.2, 2.8, 2.7, 1.9, 2.1, 3.2, 3.1, 2.5, 2.6]})
    >>> res = reliability(df)
    >>> res.table[["term", "estimate"]].head(3).round(3)
       term  estimate
    0  ICC1     0.963
    1  ICC2     0.963
    2  ICC3     0.959
    >>> print(res.text)  # doctest: +ELLIPSIS
    Test-retest reliability was ICC(A,1) = .96 (95 % CI .74 to 1.00, n = 5, k = 2 sessions; ...
    >>> res = reliability(df, unit="Nm/kg")
    >>> res.table.set_index("term").loc[["ICC3", "SEM", "CV_pct"], "unit"].tolist()
    ['', 'Nm/kg', '%']
    >>> "SEM 0.09 Nm/kg, MDC95 0.26 Nm/kg" in res.text
    True
    >>> print(reliability(df, what="the left side").text[:50])
    Test-retest reliability of the left side was ICC(A
    """
    check_one_of("form", form, list(ICC_FORMS))
    if what is not None and not (isinstance(what, str) and what.strip()):
        raise InputError(f"`what` must be a non-empty text naming the measure; got {what!r}.")
    level = check_level(level)
    wide, dropped = _wide(data, subject, session, value)
    x = wide.to_numpy(dtype=float)
    n, k = x.shape
    msr, _, mse, _ = _mean_squares(x)
    if not msr > 0:
        raise InputError(f"{value!r} does not vary between subjects; the ICC is undefined.")
    if not mse > 0:
        raise InputError(
            f"every subject has the same {value!r} in every session (residual variance 0), "
            "so the ICC's F test and intervals are undefined; check that one session's values "
            "were not copied into another."
        )
    table, ms = _icc_table(x, level)
    sem = np.sqrt(ms["mse"])
    mdc = stats.norm.ppf(0.975) * np.sqrt(2) * sem
    if np.all(x > 0):
        cv = 100 * (np.exp(np.sqrt(_mean_squares(np.log(x))[2])) - 1)
    else:
        cv = np.nan
    between_sd = np.sqrt(np.mean(x.var(axis=0, ddof=1)))
    swc = 0.2 * between_sd
    extra = [("SEM", sem), ("MDC95", mdc), ("CV_pct", cv), ("SWC", swc)]
    rows = [{"term": t, "estimate": e, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan,
             "mcgraw_wong": "", "statistic": np.nan, "df1": np.nan, "df2": np.nan}
            for t, e in extra]
    rows.append(_bias_row(x, list(wide.columns), level))
    table = pd.concat([table, pd.DataFrame(rows)], ignore_index=True)
    if unit is None and is_variable(value):  # a labelled column knows its unit
        unit = unit_of(value)
    unit = "" if unit is None else str(unit)
    table["unit"] = np.where(table["term"].isin(["SEM", "MDC95", "SWC"])
                             | table["term"].str.startswith("bias"), unit, "")
    table.loc[table["term"] == "CV_pct", "unit"] = "%"
    u = f" {unit}" if unit else ""

    row = table.set_index("term").loc[form]
    bias = rows[-1]
    if k == 2:
        bias_txt = (f"the mean change between sessions was {format_number(bias['estimate'])}{u} "
                    f"({format_ci(bias['ci_low'], bias['ci_high'], level=level)}, "
                    f"{format_p(bias['p_value'])})")
    else:
        bias_txt = (f"session means differed by at most {format_number(bias['estimate'])}{u} "
                    f"(F({bias['df1']:.0f}, {bias['df2']:.0f}) = "
                    f"{format_number(bias['statistic'])}, {format_p(bias['p_value'])})")
    cv_txt = f", CV {format_number(cv, 1)} %" if np.isfinite(cv) else ""
    second = ""
    if form == "ICC2":  # the consistency form beside absolute agreement: a shift shows as a gap
        c1 = table.set_index("term").loc["ICC3"]
        second = (f"; consistency ICC(C,1) = {format_number(c1['estimate'], bounded=True)}, "
                  f"{format_ci(c1['ci_low'], c1['ci_high'], level=level, bounded=True)}")
    text = (
        f"Test-retest reliability{f' of {what}' if what else ''} was {row['mcgraw_wong']} = "
        f"{format_number(row['estimate'], bounded=True)} "
        f"({format_ci(row['ci_low'], row['ci_high'], level=level, bounded=True)}, "
        f"n = {format_count(n)}, k = {k} sessions"
        f"{second}); "
        f"SEM {format_number(sem)}{u}, MDC95 {format_number(mdc)}{u}{cv_txt}, smallest "
        f"worthwhile change {format_number(swc)}{u}; {bias_txt}."
    )
    diagnostics = {
        "n": n, "k": k, **dropped.diagnostics, **ms,
        "session_means": pd.Series(x.mean(axis=0), index=wide.columns, name=value),
        "between_subject_sd": between_sd, "form": form, "level": level, "unit": unit,
        "sem_definition": "sqrt(MS_error), the residual mean square of the two-way ANOVA "
                          "(Weir 2005)",
    }
    return Result(table=table, text=text, diagnostics=diagnostics, model=None,
                  name="reliability", level=level, frames={"sessions": wide})


def _sessions_words(sessions):
    """``[1]`` -> "session 1"; ``[1, 2]`` -> "sessions 1 and 2"; ``[1, 2, 3]`` -> "1, 2 and 3"."""
    names = [str(s) for s in sessions]
    if len(names) == 1:
        return f"session {names[0]}"
    return f"sessions {', '.join(names[:-1])} and {names[-1]}"


def _interval(rows):
    """Days between consecutive chosen sessions of each participant: median, min and max."""
    dated = rows.dropna(subset=["date"]).sort_values(["participant_id", "session"])
    gaps = dated.groupby("participant_id")["date"].diff().dt.days.dropna()
    if gaps.empty:
        return None
    return {"median": float(gaps.median()), "min": float(gaps.min()), "max": float(gaps.max())}


def _interval_words(interval):
    if interval is None:
        return "the data do not date the sessions"
    med, lo, hi = (format_number(interval[k], 0) for k in ("median", "min", "max"))
    spread = "" if lo == hi else f", range {lo} to {hi}"
    return f"median {med} days apart{spread}"


def retest_sessions(values, participants, *, sessions=None, control="control"):
    """The strength sessions that count as test-retest, and why.

    Test-retest reliability is measurement error between sessions in which the measured
    quality did not change. Sessions meant for it are those repeated before follow-up (and any
    training) began; a trial's post-test is not one of them: in a trained arm its change from
    baseline holds the training effect as well as measurement error.

    Parameters
    ----------
    values : pandas.DataFrame
        One row per participant and session with ``participant_id``, ``session`` and ``date``,
        as :func:`glute_study.measures.strength_sessions` returns.
    participants : pandas.DataFrame
        The codebook ``participants`` table: ``participant_id``, ``follow_up_start`` and, in a
        trial, ``arm`` (empty outside the trial).
    sessions : sequence of int, optional
        Sessions to compare. By default: every session held before follow-up began when there
        are two or more; otherwise, in a trial, the control arm's sessions (baseline and
        post-test); otherwise (no trial) every session. Given sessions are refused when one of
        them is a post-test of participants in a trained arm.
    control : str
        The ``arm`` level of the untrained arm.

    Returns
    -------
    pandas.DataFrame
        The rows of ``values`` that count, with ``.attrs`` ``sessions`` (the session numbers),
        ``design`` (``"before follow-up"``, ``"control arm"``, ``"no intervention"`` or
        ``"as given"``), ``interval_days`` (median, min and max days between consecutive
        sessions of a participant, or None without dates), ``reason`` (a sentence for the
        methods: which sessions count and why, and what was left out) and the ``unit`` and
        ``rule`` of ``values``.

    Raises
    ------
    InputError
        A session that is not in the data; given sessions that include a trained arm's
        post-test; or no two sessions that can count.

    Examples
    --------
    >>> people = pd.DataFrame({"participant_id": ["P1", "P2"],
    ...     "follow_up_start": pd.to_datetime(["2025-02-01"] * 2),
    ...     "arm": ["control", "glute_training"]})
    >>> values = pd.DataFrame({"participant_id": ["P1"] * 3 + ["P2"] * 3,
    ...     "session": [1, 2, 3] * 2, "value": [2.4, 2.5, 2.5, 2.2, 2.3, 2.6],
    ...     "date": pd.to_datetime(["2025-01-25", "2025-01-29", "2025-07-01"] * 2)})
    >>> retest = retest_sessions(values, people)
    >>> retest.attrs["sessions"], retest.attrs["design"]
    ([1, 2], 'before follow-up')
    >>> print(retest.attrs["reason"])  # doctest: +NORMALIZE_WHITESPACE
    Test-retest reliability used sessions 1 and 2, both before follow-up began (median 4 days
    apart) and so meant for reliability; session 3 was left out: it is the trial's post-test,
    whose change from baseline holds the training effect in the glute training arm.
    >>> retest_sessions(values, people, sessions=[1, 3])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: sessions 1 and 3 cannot count as test-retest: session 3 is ...
    """
    require_columns(values, ["participant_id", "session", "date"], where="the session values")
    require_columns(participants, ["participant_id", "follow_up_start"], where="participants")
    people = participants.set_index("participant_id")
    start = pd.to_datetime(values["participant_id"].map(people["follow_up_start"]))
    date = pd.to_datetime(values["date"])
    dated = (date.notna() & start.notna()).to_numpy(bool)
    after = dated & ~on_or_before_follow_up_start(values, participants)  # the baseline rule
    if "arm" in people.columns:
        arm = values["participant_id"].map(people["arm"]).fillna("").astype(str)
    else:
        arm = pd.Series("", index=values.index)
    trained = (arm.ne("") & arm.ne(str(control))).to_numpy(bool)
    session = values["session"]
    present = sorted(pd.unique(session.dropna()).tolist())
    before = [s for s in present
              if dated[session.eq(s).to_numpy(bool)].any()
              and not after[session.eq(s).to_numpy(bool)].any()]
    trained_post = {s: int(values.loc[session.eq(s).to_numpy(bool) & trained & after,
                                      "participant_id"].nunique()) for s in present}
    trained_arms = sorted(set(arm[trained & after]))
    arm_words = " and ".join(mid_sentence(level_label("arm", a)) for a in trained_arms)

    def _keep(mask, chosen, design, reason):
        out = values[mask & session.isin(chosen).to_numpy(bool)].copy()
        out.attrs.update({k: values.attrs[k] for k in ("unit", "rule") if k in values.attrs})
        interval = _interval(out)
        out.attrs.update(sessions=list(chosen), design=design, interval_days=interval,
                         reason=reason.replace("{interval}", _interval_words(interval)))
        return out

    everyone = np.ones(len(values), dtype=bool)
    left = [s for s in present if s not in before]
    if sessions is not None:
        chosen = sorted(int(s) for s in sessions)
        missing = [s for s in chosen if s not in present]
        if missing:
            raise InputError(f"{_sessions_words(missing)} not in the data; sessions present: "
                             f"{', '.join(str(s) for s in present) or 'none'}.")
        if len(chosen) < 2:
            raise InputError(f"test-retest needs at least 2 sessions; got {chosen}.")
        bad = [s for s in chosen if trained_post[s] and s != chosen[0]]
        if bad:
            m = trained_post[bad[0]]
            meant = (f"here {_sessions_words(before)}, before follow-up" if len(before) >= 2
                     else "none in these data")
            raise InputError(
                f"{_sessions_words(chosen)} cannot count as test-retest: session {bad[0]} is "
                f"the post-test of {m} participant{'s' if m != 1 else ''} in the {arm_words} "
                "arm, after follow-up (and training) began, so its change from an earlier "
                "session holds the training effect as well as measurement error. Use sessions "
                f"meant for reliability ({meant}), or keep only the {control} arm's rows."
            )
        return _keep(everyone, chosen, "as given",
                     f"Test-retest reliability used {_sessions_words(chosen)} ({{interval}}), "
                     "as chosen; no trained participant was measured after follow-up began "
                     "in them.")
    if len(before) >= 2:
        why = ""
        if left:
            why = (f"; {_sessions_words(left)} {'was' if len(left) == 1 else 'were'} left "
                   "out: " + ("it is" if len(left) == 1 else "they are") + " the trial's "
                   "post-test, whose change from baseline holds the training effect in the "
                   f"{arm_words} arm" if trained_arms else
                   f"; {_sessions_words(left)} came after follow-up began and "
                   f"{'was' if len(left) == 1 else 'were'} left out")
        return _keep(everyone, before, "before follow-up",
                     f"Test-retest reliability used {_sessions_words(before)}, "
                     f"{'both' if len(before) == 2 else 'all'} before follow-up began "
                     "({interval}) and so meant for reliability" + why + ".")
    in_control = arm.eq(str(control)).to_numpy(bool)
    control_sessions = sorted(pd.unique(session[in_control].dropna()).tolist())
    if trained.any():
        if len(control_sessions) >= 2:
            n_control = values.loc[in_control, "participant_id"].nunique()
            control_words = mid_sentence(level_label("arm", control))
            return _keep(in_control, control_sessions, "control arm",
                         "No two strength sessions came before follow-up, so test-retest "
                         f"reliability used the {control_words} arm only "
                         f"(n = {n_control}), {_sessions_words(control_sessions)} "
                         "({interval}): untrained, but any true change over that time counts "
                         f"as error. The {arm_words or 'trained'} arm was left out: its change "
                         "holds the training effect.")
        raise InputError(
            "no sessions count as test-retest: fewer than two strength sessions came before "
            f"follow-up began (sessions before: {before or 'none'}), and the {control!r} arm "
            f"has {len(control_sessions)} session(s). Test-retest needs two sessions without "
            "training between them."
        )
    if len(present) < 2:
        raise InputError(f"test-retest needs at least 2 sessions; found {present}.")
    return _keep(everyone, present, "no intervention",
                 f"Test-retest reliability used {_sessions_words(present)} ({{interval}}); "
                 "no one was trained between them, but any true change over that time counts "
                 "as error.")


def against_change(result, *, change=None, ci=None, what="the change"):
    """A sentence setting a reliability result's MDC95 against a change of interest, or the SWC.

    Parameters
    ----------
    result : Result
        From :func:`reliability`, on the variable the change is measured in.
    change : float, optional
        The change of interest in the same unit, e.g. the trial's adjusted difference between
        arms. Without it the MDC95 is set against the smallest worthwhile change.
    ci : tuple of float, optional
        Its confidence interval (at ``result.level``).
    what : str
        How the sentence names the change ("the trial's adjusted difference in glute
        strength").

    Returns
    -------
    str
        Whether the change exceeds the MDC95 (then a change that size in one athlete is beyond
        measurement error) or not (then the group difference may still be real, but one athlete's
        change of that size cannot be told from error), and where it stands against the SWC.

    Examples
    --------
    >>> df = pd.DataFrame({"participant_id": np.repeat(np.arange(6), 2), "session": [1, 2] * 6,
    ...                    "value": [2.1, 2.2, 2.8, 2.7, 1.9, 2.1, 3.2, 3.1, 2.5, 2.6, 2.2, 2.4]})
    >>> rel = reliability(df, unit="Nm/kg")
    >>> print(against_change(rel, change=0.26, ci=(0.2, 0.32),
    ...       what="the trial's difference in glute strength"))  # doctest: +NORMALIZE_WHITESPACE
    The MDC95 (0.27 Nm/kg) is larger than the trial's difference in glute strength (0.26 Nm/kg,
    95 % CI 0.20 to 0.32): the group difference can be real, but in one athlete a change of that
    size cannot be told from measurement error; it exceeds the smallest worthwhile change
    (0.09 Nm/kg).
    >>> print(against_change(rel))  # doctest: +NORMALIZE_WHITESPACE
    The MDC95 (0.27 Nm/kg) is 3.1 times the smallest worthwhile change (0.09 Nm/kg): a
    worthwhile change in one athlete cannot be told from measurement error; group means can
    still show it.
    >>> print(against_change(rel, change=0.3, what="the trial's difference"))
    ... # doctest: +NORMALIZE_WHITESPACE
    The MDC95 (0.27 Nm/kg) is smaller than the trial's difference (0.30 Nm/kg): a change of that
    size in one athlete exceeds measurement error (95 % confidence); it also exceeds the smallest
    worthwhile change (0.09 Nm/kg).
    """
    if not isinstance(result, Result) or result.kind != "reliability":
        got = f"Result {result.kind!r}" if isinstance(result, Result) else type(result).__name__
        raise InputError(f"against_change needs the Result of reliability(); got {got}.")
    t = result.table.set_index("term")["estimate"]
    unit = result.diagnostics.get("unit", "")
    u = f" {unit}" if unit else ""
    mdc, swc = float(t["MDC95"]), float(t["SWC"])
    if change is None:
        ratio = mdc / swc
        if ratio > 1:
            verdict = ("a worthwhile change in one athlete cannot be told from measurement "
                       "error; group means can still show it")
        else:
            verdict = "a worthwhile change in one athlete exceeds measurement error"
        return (f"The MDC95 ({format_number(mdc)}{u}) is {format_number(ratio, 1)} times the "
                f"smallest worthwhile change ({format_number(swc)}{u}): {verdict}.")
    change = float(change)
    if not np.isfinite(change):
        raise InputError(f"`change` must be a finite number; got {change!r}.")
    size = abs(change)
    where = f"{format_number(change)}{u}"
    if ci is not None:
        where += f", {format_ci(ci[0], ci[1], level=result.level)}"
    if size > mdc:
        head = (f"The MDC95 ({format_number(mdc)}{u}) is smaller than {what} ({where}): a change "
                "of that size in one athlete exceeds measurement error (95 % confidence)")
    else:
        head = (f"The MDC95 ({format_number(mdc)}{u}) is larger than {what} ({where}): the "
                "group difference can be real, but in one athlete a change of that size cannot "
                "be told from measurement error")
    also = "it also exceeds" if size > mdc else "it exceeds"
    tail = (f"{also} the smallest worthwhile change ({format_number(swc)}{u})" if size > swc
            else f"it is below the smallest worthwhile change ({format_number(swc)}{u})")
    return f"{head}; {tail}."


def _pairs_from_long(data, subject, method, value):
    require_columns(data, [subject, method, value], where="the agreement data")
    levels = sorted(pd.unique(data[method].dropna()))
    if len(levels) != 2:
        raise InputError(
            f"bland_altman compares exactly 2 levels of {method!r}; found {len(levels)}: "
            f"{levels!r}. Filter the data to the two methods or sessions to compare."
        )
    if data.duplicated([subject, method]).any():
        raise InputError(
            f"some ({subject}, {method}) pairs occur more than once; combine trials first "
            "with participant_values()."
        )
    wide = data.pivot(index=subject, columns=method, values=value)
    return (wide[levels[0]], wide[levels[1]], f"{method} {levels[0]}",
            f"{method} {levels[1]}")


def bland_altman(data, *, x=None, y=None, subject=None, method=None, value=None,
                 ci_method="exact", level=0.95, unit=None):
    """Agreement of two methods or sessions: bias, 95 % limits of agreement and their CIs.

    Give either two wide columns ``x`` and ``y`` (difference = y - x), or long data with
    ``subject``, ``method`` (a column with exactly two levels: methods or sessions) and
    ``value``; then ``x`` is the first level in sorted order and ``y`` the second.

    Parameters
    ----------
    data : pandas.DataFrame
    x, y : str, optional
        Wide form: columns holding the two measurements of each subject.
    subject, method, value : str, optional
        Long form: subject id, the two-level method/session column, and the measurement.
    ci_method : {"exact", "approximate"}
        Intervals for the limits of agreement: ``"exact"`` uses the non-central t distribution
        (Carkeet 2015); ``"approximate"`` the Bland & Altman (1999) standard error
        s sqrt(1/n + z^2 / (2(n-1))) with a t quantile.
    level : float
        Confidence level of every interval (bias, limits and slope). The limits of agreement
        themselves always cover 95 % of differences (bias -/+ 1.96 SD), as Bland & Altman
        define them; ``.diagnostics["loa_coverage"]`` says so.
    unit : str, optional
        Unit of the measurements (``"Nm/kg"``): written in the ``unit`` column of the bias and
        limit rows and after those numbers in ``.text``; the proportional-bias slope is a ratio
        and has none.

    Returns
    -------
    Result
        ``.table`` rows ``bias`` (mean difference, t-based CI, one-sample t-test p),
        ``loa_lower``, ``loa_upper`` (bias -/+ 1.96 SD with their CIs) and
        ``proportional_bias`` (slope of the difference on the pair mean, OLS, with CI and p);
        extra columns ``se``, ``n`` and ``unit``. ``.frames["pairs"]`` holds the mean and
        difference of each pair (for :func:`glute_study.figures.agreement.bland_altman_plot`);
        ``.diagnostics`` holds ``sd_diff``, the normality p (Shapiro-Wilk) of the differences,
        labels and the number of incomplete pairs dropped. ``.model`` is the proportional-bias
        OLS fit.

    References
    ----------
    Bland JM, Altman DG (1999) Stat Methods Med Res 8:135. Carkeet A (2015) Optom Vis Sci
    92:e71.

    Examples
    --------
    >>> df = pd.DataFrame({"hhd": [100.0, 120, 140, 160, 180, 200],
    ...                    "iso": [104.0, 121, 147, 163, 186, 203]})
    >>> res = bland_altman(df, x="hhd", y="iso")
    >>> res.table[["term", "estimate"]].round(2)
                    term  estimate
    0               bias      4.00
    1          loa_lower     -0.28
    2          loa_upper      8.28
    3  proportional_bias      0.01
    >>> print(bland_altman(df, x="hhd", y="iso", unit="N").text)  # doctest: +ELLIPSIS
    The mean difference (iso minus hhd) was 4.00 N (95 % CI 1.70 to 6.30, p = .007, n = 6)...
    """
    check_one_of("ci_method", ci_method, ["exact", "approximate"])
    level = check_level(level)
    if x is not None or y is not None:
        if x is None or y is None:
            raise InputError("give both `x` and `y` (wide form), or subject/method/value.")
        require_columns(data, [x, y], where="the agreement data")
        a, b, xl, yl = data[x], data[y], x, y
    else:
        if subject is None or method is None or value is None:
            raise InputError(
                "bland_altman needs `x` and `y` (two columns) or `subject`, `method` and "
                "`value` (long data with two methods or sessions)."
            )
        a, b, xl, yl = _pairs_from_long(data, subject, method, value)
    a = pd.to_numeric(a, errors="raise").astype(float)
    b = pd.to_numeric(b, errors="raise").astype(float)
    names = [xl, yl] if xl != yl else ["x", "y"]
    pairs_in = pd.DataFrame({names[0]: a.to_numpy(), names[1]: b.to_numpy()})
    dropped = drop_incomplete(pairs_in, names, what="bland_altman", unit="pairs", stacklevel=2)
    a, b = (dropped.frame[c].to_numpy() for c in names)
    n = len(a)
    if n < 3:
        raise InputError(f"bland_altman needs at least 3 complete pairs; found {n}.")
    d = b - a
    m = (a + b) / 2
    bias, sd = d.mean(), d.std(ddof=1)
    if not sd > 0:
        raise InputError(
            "the two measurements differ by the same amount for every subject (SD of the "
            "differences is 0), so limits of agreement are undefined; check the data."
        )
    z = stats.norm.ppf((1 + _LOA_COVERAGE) / 2)
    tq = stats.t.ppf((1 + level) / 2, n - 1)
    se_bias = sd / np.sqrt(n)
    loa = (bias - z * sd, bias + z * sd)
    if ci_method == "exact":
        nc = stats.nct(n - 1, z * np.sqrt(n))
        t_lo, t_hi = nc.ppf((1 - level) / 2), nc.ppf((1 + level) / 2)
        ci_lower = (bias - sd * t_hi / np.sqrt(n), bias - sd * t_lo / np.sqrt(n))
        ci_upper = (bias + sd * t_lo / np.sqrt(n), bias + sd * t_hi / np.sqrt(n))
        se_loa = np.nan
    else:
        se_loa = sd * np.sqrt(1 / n + z**2 / (2 * (n - 1)))
        ci_lower = (loa[0] - tq * se_loa, loa[0] + tq * se_loa)
        ci_upper = (loa[1] - tq * se_loa, loa[1] + tq * se_loa)
    p_bias = 2 * stats.t.sf(abs(bias / se_bias), n - 1)

    ols = sm.OLS(d, sm.add_constant(m)).fit()
    slope, slope_se = ols.params[1], ols.bse[1]
    slope_ci = ols.conf_int(1 - level)[1]
    table = pd.DataFrame({
        "term": ["bias", "loa_lower", "loa_upper", "proportional_bias"],
        "estimate": [bias, loa[0], loa[1], slope],
        "ci_low": [bias - tq * se_bias, ci_lower[0], ci_upper[0], slope_ci[0]],
        "ci_high": [bias + tq * se_bias, ci_lower[1], ci_upper[1], slope_ci[1]],
        "p_value": [p_bias, np.nan, np.nan, ols.pvalues[1]],
        "se": [se_bias, se_loa, se_loa, slope_se],
        "n": [float(n)] * 4,
    })
    unit = "" if unit is None else str(unit)
    table["unit"] = [unit, unit, unit, ""]
    u = f" {unit}" if unit else ""
    pairs = pd.DataFrame({"mean": m, "difference": d})
    # scipy's Shapiro-Wilk p is unreliable (and warns) above 5000 observations
    shapiro_p = float(stats.shapiro(d).pvalue) if n <= 5000 else np.nan
    text = (
        f"The mean difference ({yl} minus {xl}) was {format_number(bias)}{u} "
        f"({format_ci(table.ci_low[0], table.ci_high[0], level=level)}, {format_p(p_bias)}, "
        f"n = {n}); the {level_pct(_LOA_COVERAGE)} % limits of agreement were "
        f"{format_number(loa[0])}{u} ({format_ci(*ci_lower, level=level)}) to "
        f"{format_number(loa[1])}{u} ({format_ci(*ci_upper, level=level)}). "
        f"The difference changed by {format_number(slope, 3)} per unit of the pair mean "
        f"({format_ci(*slope_ci, digits=3, level=level)}, {format_p(ols.pvalues[1])})."
    )
    diagnostics = {"sd_diff": sd, "n": n, **dropped.diagnostics,
                   "x_label": xl, "y_label": yl, "ci_method": ci_method,
                   "shapiro_p": shapiro_p, "loa_coverage": _LOA_COVERAGE, "unit": unit}
    return Result(table=table, text=text, diagnostics=diagnostics, model=ols,
                  name="bland_altman", level=level, frames={"pairs": pairs})
