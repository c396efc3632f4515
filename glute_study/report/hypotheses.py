"""The primary hypotheses of the analysis plan: recorded by the notebooks, judged together.

A notebook that tests a planned hypothesis calls :func:`record_hypothesis` with the result that
answers it; that records the row (estimate, interval, p-value) and its equivalence test against
the plan's bounds. After every notebook has run, :func:`hypotheses_section` sets the primary
hypotheses out together, first in the report: the family is adjusted for multiplicity as the
plan declares (:func:`glute_study.stats.adjust_p`), and each result reads as supported, ruled
out (equivalent), or inconclusive.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..labels import word_list
from ..plan import AnalysisPlan, Hypothesis, true_value
from ..stats._result import Result, format_number, format_p, level_pct
from ..stats.equivalence import equivalence, result_row
from ..stats.multiplicity import adjust_p
from .writers import NotebookReport

__all__ = ["hypotheses_section", "record_hypothesis", "record_untested"]

#: The file stem of the section's table inside the report's ``tables/`` folder.
TABLE_STEM = "primary_hypotheses"


#: Measures that cannot exceed 1 in absolute value: printed without a leading zero (APA).
_BOUNDED = ("r", "r_s")


def _recorder():
    from .recording import _CURRENT

    if not _CURRENT:
        raise InputError("record_hypothesis() was called before start(); call "
                         "`glute_study.report.start(out_dir, notebook=...)` once at the top of "
                         "the notebook.")
    return _CURRENT[0]


def record_hypothesis(
    result: Result,
    hypothesis: Hypothesis,
    *,
    term: str,
    where: Mapping[str, object] | None = None,
    sesoi: float = 1.1,
    alpha: float = 0.05,
) -> Result:
    """Record the row of ``result`` that answers a planned hypothesis, with its equivalence test.

    Parameters
    ----------
    result : Result
        The analysis that tests the hypothesis (count model, mediation, trial effect...).
    hypothesis : Hypothesis
        The plan's hypothesis (``analysis_plan(study)["sitting_cramps"]``).
    term : str
        The row of ``result`` that answers it; ``where`` picks one of several (as in
        :func:`~glute_study.stats.equivalence`).
    sesoi : float
        The report's smallest rate ratio of interest, for hypotheses without declared bounds.
    alpha : float
        The report's significance level; the equivalence interval is at ``1 - 2 alpha``.

    Returns
    -------
    Result
        The equivalence test (:func:`~glute_study.stats.equivalence`).

    Examples
    --------
    >>> from glute_study import report
    >>> from glute_study.plan import analysis_plan
    >>> _ = report.start("", notebook="04_cramp_incidence")
    >>> fit = Result(pd.DataFrame({"term": ["sitting_h_day"], "estimate": [1.03],
    ...     "ci_low": [0.92], "ci_high": [1.15], "p_value": [0.64], "coef": [np.log(1.03)],
    ...     "se": [0.057]}), "", name="count_model", kind="count_model", level=0.95)
    >>> eq = record_hypothesis(fit, analysis_plan()["sitting_cramps"], term="sitting_h_day")
    >>> eq.table.loc[0, "conclusion"]
    'inconclusive'
    """
    if not isinstance(hypothesis, Hypothesis):
        raise InputError("`hypothesis` must be one of the analysis plan's hypotheses, e.g. "
                         'analysis_plan(study)["sitting_cramps"]; got '
                         f"{type(hypothesis).__name__}.")
    rec = _recorder()
    row = result_row(result, term, where)
    eq = equivalence(result, term=term, bounds=hypothesis.equivalence_bounds(sesoi),
                     level=1 - 2 * alpha, where=where)
    e = eq.table.iloc[0]
    rec.add_hypothesis({
        "hypothesis": hypothesis.key, "tested": True, "term": term,
        "estimate": _float(row["estimate"]), "ci_low": _float(row["ci_low"]),
        "ci_high": _float(row["ci_high"]), "p_value": _float(row["p_value"]),
        "level": float(result.level),
        "equivalence": {
            "conclusion": str(e["conclusion"]), "lower": float(e["lower"]),
            "upper": float(e["upper"]), "ci_low": float(e["ci_low"]),
            "ci_high": float(e["ci_high"]), "p_tost": float(e["p_value"]),
            "level": float(eq.level), "text": eq.text,
            "measure": str(eq.diagnostics["measure"])},
        "text": _sentence(eq.diagnostics, row, float(result.level)),
        "contrast": _contrast(result),
    })
    return eq


def record_untested(hypothesis: Hypothesis, *, reason: str) -> None:
    """Record that a planned hypothesis could not be tested in this study, and why.

    Examples
    --------
    >>> from glute_study import report
    >>> from glute_study.plan import analysis_plan
    >>> _ = report.start("", notebook="06_trial")
    >>> record_untested(analysis_plan()["trial"], reason="the study has no trial arms")
    """
    if not isinstance(reason, str) or not reason.strip():
        raise InputError("`reason` must say, in words, why the hypothesis was not tested.")
    _recorder().add_hypothesis({"hypothesis": hypothesis.key, "tested": False,
                                   "reason": reason.strip()})


def _contrast(result: Result) -> dict[str, float] | None:
    """The exposure contrast a mediation result is per (x0 -> x1), for the true value."""
    found = result.diagnostics.get("contrast") if isinstance(result.diagnostics, dict) else None
    try:
        return {"x0": float(found["x0"]), "x1": float(found["x1"])}
    except (KeyError, TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if np.isfinite(value) else None


def _sentence(diag: Mapping[str, Any], row: pd.Series, level: float) -> str:
    """"For each additional hour of daily sitting, the IRR was 1.03 (95 % CI 0.92 to 1.15,
    p = .636)": the row at the result's own level."""
    subject = str(diag["subject"])
    est, lo, hi, p = (_float(row[c]) for c in ("estimate", "ci_low", "ci_high", "p_value"))
    r = diag["measure"] in _BOUNDED
    ci = (f"{level_pct(level)} % CI {format_number(lo, bounded=r)} to "
          f"{format_number(hi, bounded=r)}" if lo is not None and hi is not None
          else "no interval")
    pv = f", {format_p(p)}" if p is not None else ""
    what = (f"r was {format_number(est, bounded=True)}" if r
            else f"the {diag['measure']} was {format_number(est)}")
    return f"{subject[:1].upper()}{subject[1:]}, {what} ({ci}{pv})"


def _interval(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return ""
    return f"[{format_number(low)}, {format_number(high)}]"


def hypotheses_section(
    reports: list[NotebookReport], plan: AnalysisPlan, out: Path | None, *,
    alpha: float = 0.05, sesoi: float = 1.1, truth: Mapping[str, Any] | None = None,
) -> NotebookReport:
    """The report's first section: the plan's hypotheses, adjusted as declared, with equivalence.

    Parameters
    ----------
    reports : list of NotebookReport
        The executed notebooks; their recorded hypotheses are read.
    plan : AnalysisPlan
        The plan the notebooks followed.
    out : Path or None
        The report folder; the table is written to ``tables/primary_hypotheses.*`` (None writes
        nothing).
    alpha, sesoi : float
        The report's parameters.
    truth : mapping, optional
        The simulator's truth of a simulated study (``Study.truth``): each estimate is set
        beside the value that generated the data.

    Returns
    -------
    NotebookReport
        A section (no notebook of its own) holding the table and its sentences, and the plan
        as its methods text.

    Examples
    --------
    >>> from glute_study.plan import analysis_plan
    >>> rep = NotebookReport("06_trial", "06 Trial")
    >>> rep.hypotheses = [{"hypothesis": "trial", "tested": True, "term": "arm", "estimate": 0.77,
    ...     "ci_low": 0.56, "ci_high": 1.06, "p_value": 0.108, "level": 0.95,
    ...     "equivalence": {"conclusion": "inconclusive", "lower": 0.91, "upper": 1.1,
    ...                     "ci_low": 0.6, "ci_high": 0.99, "p_tost": 0.6, "level": 0.9,
    ...                     "text": "Inconclusive."}, "text": "IRR 0.77."}]
    >>> sec = hypotheses_section([rep], analysis_plan(), None)
    >>> sec.entries[0]["text"].split("\\n\\n")[1].split(". ")[0]
    'Of the 5 primary hypotheses of the plan, 1 was tested in this report and 4 were not'
    """
    found: dict[str, dict[str, Any]] = {}
    for rep in reports:
        for h in getattr(rep, "hypotheses", []) or []:
            found[h["hypothesis"]] = h | {"notebook": rep.stem}
    rows = []
    for i, h in enumerate(plan.hypotheses, 1):
        got = found.get(h.key)
        row = {"term": f"H{i}: {h.link}", "key": h.key, "family": "primary" if h.primary
               else "secondary", "estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan,
               "p_value": np.nan, "equivalence": "", "equivalence_ci": "", "bounds": "",
               "status": ""}
        low, high = h.equivalence_bounds(sesoi)
        r = h.scale == "correlation"
        row["bounds"] = (f"{format_number(low, bounded=r)} to "
                         f"{format_number(high, bounded=r)}")
        if got is None:
            row["status"] = f"not tested: notebook {h.notebook} is not in this report"
        elif not got.get("tested"):
            row["status"] = f"not tested: {got['reason']}"
        else:
            eq = got["equivalence"]
            row |= {"estimate": got["estimate"] if got["estimate"] is not None else np.nan,
                    "ci_low": got["ci_low"] if got["ci_low"] is not None else np.nan,
                    "ci_high": got["ci_high"] if got["ci_high"] is not None else np.nan,
                    "p_value": got["p_value"] if got["p_value"] is not None else np.nan,
                    "equivalence": eq["conclusion"],
                    "equivalence_ci": _interval(eq["ci_low"], eq["ci_high"])}
            row["status"] = "tested"
        rows.append(row)
    table = pd.DataFrame(rows)
    if truth:
        table["true_value"] = [
            true_value(h, truth, (found.get(h.key) or {}).get("contrast")) for h in plan.hypotheses]
        table["true_value"] = table["true_value"].astype(float)
    tested = table[(table["status"] == "tested") & table["p_value"].notna()]
    primary = tested[tested["family"] == "primary"]
    table["p_adjusted"] = np.nan
    table["decision"] = ""
    adjusted = None
    if len(primary):
        fam = Result(primary[["term", "estimate", "ci_low", "ci_high", "p_value"]]
                     .reset_index(drop=True), "", name="plan")
        order = list(primary["term"]) if plan.multiplicity == "fixed_sequence" else None
        adjusted = adjust_p(fam, method=plan.multiplicity, family=list(primary["term"]),
                            order=order, alpha=alpha)
        adj = adjusted.table.set_index("term")
        for idx, r in primary.iterrows():
            table.at[idx, "p_adjusted"] = adj.at[r["term"], "p_adjusted"]
            table.at[idx, "decision"] = ("rejected" if bool(adj.at[r["term"], "rejected"])
                                         else "not rejected")
    text = _section_text(table, plan, found, alpha, adjusted)
    if truth:
        text += "\n\n" + _truth_text(table, truth)
    text = plan.evidence_text() + "\n\n" + text
    columns = ["term", "estimate", "ci_low", "ci_high", "p_value", "p_adjusted", "decision",
               "bounds", "equivalence", "equivalence_ci"]
    shown = table[columns + (["true_value"] if truth else [])].copy()
    shown["equivalence"] = [e or s for e, s in zip(table["equivalence"], table["status"])]
    level = next((g["level"] for g in found.values() if g.get("tested")), 1 - alpha)
    res = Result(shown, text, name="primary hypotheses", kind="hypotheses", level=level)
    caption = (f"Primary hypotheses of the analysis plan: estimates with {level_pct(level)} % "
               f"intervals, p adjusted by {_METHOD_NAMES[plan.multiplicity]}, and equivalence "
               f"against the smallest effect of interest ({100 * (1 - 2 * alpha):g} % interval)")
    entry = {"name": "hypotheses", "kind": "result", "caption": caption,
             "methods": plan.methods_text(alpha=alpha, sesoi=sesoi), "note": "", "text": text,
             "files": [], "html": ""}
    from .tables import apa_html, apa_table, save_table

    entry["html"] = apa_html(res)
    apa = apa_table(res)
    entry["apa"] = {"columns": list(apa.columns),
                    "rows": [list(r) for r in apa.itertuples(index=False)]}
    if out is not None:
        paths = save_table(res, out / "tables" / TABLE_STEM, caption=caption, number="P.1")
        entry["files"] = [p.relative_to(out).as_posix() for p in paths]
    section = NotebookReport(stem="primary_hypotheses", title="Primary hypotheses",
                             entries=[entry], notebook=False)
    return section


_METHOD_NAMES = {"holm": "Holm's procedure", "hochberg": "Hochberg's procedure",
                 "bh": "the Benjamini-Hochberg procedure", "bonferroni": "Bonferroni",
                 "fixed_sequence": "the declared fixed sequence"}


def _section_text(table: pd.DataFrame, plan: AnalysisPlan, found: dict, alpha: float,
                  adjusted: Result | None) -> str:
    n_primary = int((table["family"] == "primary").sum())
    tested = table[(table["family"] == "primary") & (table["status"] == "tested")]
    untested = n_primary - len(tested)
    parts = [f"Of the {n_primary} primary hypotheses of the plan, {len(tested)} "
             f"{'was' if len(tested) == 1 else 'were'} tested in this report"
             + (f" and {untested} {'was' if untested == 1 else 'were'} not" if untested else "")
             + "."]
    if adjusted is not None:
        rej = tested[tested["decision"] == "rejected"]
        a = f"{alpha:g}".lstrip("0")
        parts.append(
            f"After adjustment by {_METHOD_NAMES[plan.multiplicity]} (alpha = {a}), "
            + (f"{len(rej)} of {len(tested)} null hypotheses "
               f"{'was' if len(rej) == 1 else 'were'} rejected." if len(rej) else
               f"none of the {len(tested)} null hypotheses was rejected."))
    for _, r in table.iterrows():
        head = r["term"].split(":", 1)[0]
        link = _lower(r["term"].split(": ", 1)[1])
        got = found.get(r["key"])
        if r["status"] != "tested":
            parts.append(f"{head} ({link}) was {r['status']}.")
            continue
        decision = r["decision"]
        if decision == "rejected":
            h = plan[r["key"]]
            null = 1.0 if h.scale == "ratio" else 0.0
            along = (r["estimate"] - null) * h.direction > 0
            decision += ", in the direction of the claim" if along else ", against the claim"
        adj = (f"; adjusted {format_p(r['p_adjusted'])}, {decision}"
               if np.isfinite(r["p_adjusted"]) else "; secondary, not adjusted")
        parts.append(f"{head} ({link}): {_lower(got['text'].rstrip('.'))}{adj}. "
                     f"{_equivalence_words(got['equivalence'])}")
    # the family's summary, then a paragraph per hypothesis
    return "\n\n".join([" ".join(parts[:2 if adjusted is not None else 1]),
                         *parts[2 if adjusted is not None else 1:]])


def _equivalence_words(eq: Mapping[str, Any]) -> str:
    """The equivalence test in one sentence, without a second test of no effect."""
    r = eq.get("measure") in _BOUNDED
    ci = (f"the {level_pct(eq['level'])} % CI, {format_number(eq['ci_low'], bounded=r)} to "
          f"{format_number(eq['ci_high'], bounded=r)}")
    bounds = (f"{format_number(eq['lower'], bounded=r)} to "
              f"{format_number(eq['upper'], bounded=r)}")
    tost = format_p(eq["p_tost"]).replace("p", "TOST p", 1)
    if eq["conclusion"] == "equivalent":
        return (f"Equivalence: {ci}, lies inside the bounds of {bounds} ({tost}), so an effect "
                "as large as the smallest effect of interest is ruled out.")
    if eq["conclusion"] == "inconclusive":
        return (f"Equivalence inconclusive: {ci}, reaches beyond the bounds of {bounds} "
                f"({tost}); the data neither show an effect nor rule out one of interest.")
    return (f"Not equivalent: {ci}, does not lie inside the bounds of {bounds} ({tost}); an "
            "effect as large as the smallest effect of interest is not ruled out.")


def _truth_text(table: pd.DataFrame, truth: Mapping[str, Any]) -> str:
    """How the estimates compare with the values the simulator used."""
    known = table[table["true_value"].notna() & table["ci_low"].notna()]
    scenario = truth.get("scenario", "")
    head = (f"These data are simulated (scenario '{scenario}'): the table sets each estimate "
            "beside the value the simulator used, which no real study knows.")
    if not len(known):
        return head
    covered = ((known["ci_low"] <= known["true_value"])
               & (known["true_value"] <= known["ci_high"]))
    missed = [f"{r['term'].split(':')[0]} (true {format_number(r['true_value'])})"
              for _, r in known[~covered].iterrows()]
    return (head + f" The interval holds the true value for {int(covered.sum())} of the "
            f"{len(known)} hypotheses that have one"
            + (f"; it misses it for {word_list(missed)}." if missed else ".")
            + (" The partial correlation has no single true value (it depends on the "
               "measurement error of both variables)."
               if table["true_value"].isna().any() else ""))


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]
