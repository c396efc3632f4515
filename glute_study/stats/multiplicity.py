r"""Multiplicity: adjust the p-values of a declared family of hypotheses.

A report with 40 p-values and no declared family invites the reader to pick the smallest. The
reviewer's rule is to declare the primary hypotheses per link and adjust them (Holm, or a fixed
sequence). :func:`adjust_p` takes the rows of one or more results, forms the family (or
families) and adjusts within each.

Methods
-------
With :math:`m` hypotheses in a family and :math:`p_{(1)} \le \dots \le p_{(m)}`:

* ``"bonferroni"``: :math:`\tilde p_i = \min(1, m p_i)`;
* ``"holm"`` (Holm 1979, step-down, familywise error): :math:`\tilde p_{(i)} =
  \max_{j \le i} \min(1, (m - j + 1) p_{(j)})`;
* ``"hochberg"`` (Hochberg 1988, step-up, familywise error under positive dependence):
  :math:`\tilde p_{(i)} = \min_{j \ge i} \min(1, (m - j + 1) p_{(j)})`;
* ``"bh"`` (Benjamini & Hochberg 1995, false discovery rate): :math:`\tilde p_{(i)} =
  \min_{j \ge i} \min(1, m p_{(j)} / j)`;
* ``"fixed_sequence"`` (hierarchical gatekeeping; Maurer, Hothorn & Lehmacher 1995): the
  hypotheses are tested in the declared order, each at the full :math:`\alpha`, and testing
  stops at the first that is not rejected; :math:`\tilde p_k = \max_{j \le k} p_j` in that
  order, so every hypothesis after the first non-rejection is not rejected.

The first four are :func:`statsmodels.stats.multitest.multipletests` (``"bonferroni"``,
``"holm"``, ``"simes-hochberg"``, ``"fdr_bh"``), which agree with R's ``p.adjust``. A
hypothesis is rejected when :math:`\tilde p \le \alpha`.

What enters the family
----------------------
Rows without a p-value (adjusted means, rates, variance components) never enter a family; nor,
unless named in ``family``, do intercepts and, in Results, rows that test an earlier row's
hypothesis again: a term repeated in one result (mediation reports each effect on the
coefficient, rate-ratio and per-1000-h scales; the first is counted), trial_effect's Hedges' g
(the p-value of the difference again) and reliability's ICC forms that share one F test. A
bare table is taken as it is, ties included. Every row
left out stays in the table with the reason in ``note``, and the text counts them.

References
----------
Holm S (1979). A simple sequentially rejective multiple test procedure. Scand J Stat 6:65-70.
Hochberg Y (1988). A sharper Bonferroni procedure for multiple tests of significance.
Biometrika 75:800-802.
Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate. J R Stat Soc B 57:289-300.
Maurer W, Hothorn LA, Lehmacher W (1995). Multiple comparisons in drug clinical trials and
preclinical assays: a-priori ordered hypotheses. In Vollmar J (ed.), Biometrie in der
chemisch-pharmazeutischen Industrie 6, 3-18.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from statsmodels.stats.multitest import multipletests

from .._checks import check_level, check_one_of
from ..errors import InputError
from ._result import TABLE_COLUMNS, Result, format_p

__all__ = ["adjust_p"]

METHODS = ("holm", "hochberg", "bh", "bonferroni", "fixed_sequence")
_STATSMODELS = {"holm": "holm", "hochberg": "simes-hochberg", "bh": "fdr_bh",
                "bonferroni": "bonferroni"}
_NAMES = {"holm": "Holm", "hochberg": "Hochberg", "bh": "Benjamini-Hochberg",
          "bonferroni": "Bonferroni", "fixed_sequence": "Fixed-sequence"}
_INTERCEPTS = ("Intercept", "const")


def _rows(table_or_results) -> tuple[pd.DataFrame, dict[str, float | None]]:
    """One frame of every input row (term, estimate, ci, p_value, source) and the levels."""
    if isinstance(table_or_results, pd.DataFrame):
        table = table_or_results
        missing = [c for c in ("term", "p_value") if c not in table.columns]
        if missing:
            raise InputError(
                f"the table lacks the column(s) {', '.join(missing)}; pass a Result, a list or "
                "dict of Results, or a table with term and p_value columns (a Result.table).")
        frame = table.copy()
        for col in TABLE_COLUMNS[1:]:
            if col not in frame.columns:
                frame[col] = np.nan
        if "source" not in frame.columns:
            frame["source"] = "table"
        frame = frame[[*TABLE_COLUMNS, "source"]].assign(_kind="", _row_kind="")
        return frame.reset_index(drop=True), dict.fromkeys(frame["source"].astype(str))
    if isinstance(table_or_results, Result):
        named = [(table_or_results.name, table_or_results)]
    elif isinstance(table_or_results, Mapping):
        named = [(str(k), v) for k, v in table_or_results.items()]
    elif isinstance(table_or_results, Sequence) and not isinstance(table_or_results, str):
        named, seen = [], {}
        for res in table_or_results:
            name = getattr(res, "name", "result")
            seen[name] = seen.get(name, 0) + 1
            named.append((name if seen[name] == 1 else f"{name} #{seen[name]}", res))
    else:
        raise InputError(
            "adjust_p takes a Result, a list or dict of Results, or a table with term and "
            f"p_value columns; got {type(table_or_results).__name__}.")
    if not named:
        raise InputError("adjust_p was given no results; pass at least one.")
    frames, levels = [], {}
    for name, res in named:
        if not isinstance(res, Result):
            raise InputError(f"{name!r} is a {type(res).__name__}, not a glute_study Result.")
        part = res.table[list(TABLE_COLUMNS)].copy()
        part["source"] = name
        part["_kind"] = res.kind
        part["_row_kind"] = res.table.get("kind", "")
        frames.append(part)
        levels[name] = res.level
    return pd.concat(frames, ignore_index=True), levels


def _hypotheses(frame: pd.DataFrame, spec, what: str) -> list[int]:
    """Row positions of hypotheses named as terms or (source, term) pairs, in the given order."""
    if isinstance(spec, str) or not isinstance(spec, Sequence):
        raise InputError(f"{what} must be a list of terms or (source, term) pairs; got {spec!r}.")
    out: list[int] = []
    for h in spec:
        if isinstance(h, str):
            hit = frame.index[frame["term"] == h].tolist()
        elif isinstance(h, tuple) and len(h) == 2:
            hit = frame.index[(frame["source"] == h[0]) & (frame["term"] == h[1])].tolist()
        else:
            raise InputError(f"{what}: {h!r} is neither a term nor a (source, term) pair.")
        if not hit:
            shown = ", ".join(dict.fromkeys(f"{s}: {t}" for s, t in
                                            zip(frame["source"], frame["term"])))
            raise InputError(f"{what} names {h!r}, which is not a row of the input; the rows "
                             f"are (source: term): {shown}.")
        out += [i for i in hit if i not in out]
    return out


def _repeat_of(r: pd.Series, seen: dict) -> str | None:
    """The earlier row whose hypothesis row ``r`` tests again, or None (see the module notes)."""
    src = r["source"]
    if (src, "term", r["term"]) in seen:  # mediation: one effect on several scales
        return seen[(src, "term", r["term"])]
    if r["_kind"] == "trial_effect" and r["_row_kind"] == "hedges_g":
        arm = r["term"][len("hedges_g["):-1]
        return next((t for (s, what, t) in seen if s == src and what == "term"
                     and t.startswith(f"{arm} - ")), None)
    if r["_kind"] == "reliability" and (src, "p", r["p_value"]) in seen:  # one F test
        return seen[(src, "p", r["p_value"])]
    return None


def _automatic(frame: pd.DataFrame, notes: list[str], repeats: bool) -> list[int]:
    """Every row with a p-value, less intercepts and (``repeats``: for Results) rows that test
    an earlier row's hypothesis again."""
    members, seen = [], {}
    for i, r in frame.iterrows():
        p = r["p_value"]
        if not np.isfinite(p):
            continue
        if r["term"] in _INTERCEPTS:
            notes[i] = "intercept: not a hypothesis of interest (name it in `family` to test it)"
            continue
        earlier = _repeat_of(r, seen) if repeats else None
        if earlier is not None:
            notes[i] = (f"repeats the test of {earlier!r} in {r['source']}: one hypothesis, "
                        "counted once")
            continue
        seen.setdefault((r["source"], "term", r["term"]), r["term"])
        seen.setdefault((r["source"], "p", p), r["term"])
        members.append(i)
    return members


def _families(frame, family, notes, repeats) -> dict[str, list[int]]:
    if family is None or isinstance(family, str):
        return {family or "all": _automatic(frame, notes, repeats)}
    if isinstance(family, Mapping):
        fams = {str(k): _hypotheses(frame, v, f"family {k!r}") for k, v in family.items()}
        seen: dict[int, str] = {}
        for name, rows in fams.items():
            for i in rows:
                if i in seen:
                    raise InputError(
                        f"{frame.at[i, 'source']}: {frame.at[i, 'term']} is in both family "
                        f"{seen[i]!r} and {name!r}; a hypothesis belongs to one family.")
                seen[i] = name
        return fams
    return {"primary": _hypotheses(frame, family, "`family`")}


def _adjust(p: np.ndarray, method: str, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    if method == "fixed_sequence":
        adj = np.maximum.accumulate(p)
        return adj, adj <= alpha
    reject, adj, _, _ = multipletests(p, alpha=alpha, method=_STATSMODELS[method])
    return adj, reject


def adjust_p(
    table_or_results,
    *,
    method: str = "holm",
    family=None,
    order: Sequence | None = None,
    alpha: float = 0.05,
) -> Result:
    r"""Adjust the p-values of a family of hypotheses for multiplicity.

    Parameters
    ----------
    table_or_results : Result, list or dict of Result, or pandas.DataFrame
        The results whose rows are the hypotheses (a dict names each source by its key, a list
        by each result's ``name``), or a table with ``term`` and ``p_value`` columns (a
        ``Result.table``, or several concatenated with a ``source`` column).
    method : {"holm", "hochberg", "bh", "bonferroni", "fixed_sequence"}
        See the module notes; ``"holm"`` (familywise error) is the default.
    family : None, str, list, or dict of str to list
        The declared family. None or a name: every row with a p-value (less intercepts and
        repeated tests) in one family of that name (``"all"`` by default). A list of
        hypotheses (a term, which takes that term from every source, or a ``(source, term)``
        pair): those, as the family ``"primary"``. A dict: several families, each adjusted on
        its own; rows in none stay out.
    order : list, optional
        For ``"fixed_sequence"`` only: the declared testing order, hypotheses spelt as in
        ``family``. By default, the order of the family list, else of the input rows.
    alpha : float
        The familywise error rate (false discovery rate for ``"bh"``) at which a hypothesis
        is rejected; 0.05 by default.

    Returns
    -------
    Result
        ``.table``: every input row, in input order: ``term, estimate, ci_low, ci_high,
        p_value`` as given, then ``p_adjusted``, ``rejected`` (NA outside every family),
        ``method``, ``family`` ("" outside), ``step`` (the testing order for fixed sequence,
        else the rank of p in its family), ``source`` and ``note`` (why a row stayed out).
        ``.diagnostics``: the method, alpha, the family sizes, the rows left out and why, the
        order used. ``level`` is the sources' common level (None if they differ or for a
        bare table).

    Raises
    ------
    InputError
        An unknown method, a hypothesis in ``family`` or ``order`` that is not a row, a
        hypothesis in two families, ``order`` with a method other than fixed sequence or not
        covering its family, no p-value to adjust.

    Examples
    --------
    >>> table = pd.DataFrame({"term": ["Intercept", "sitting_h_day", "glute_nm_kg", "age"],
    ...                       "estimate": [0.01, 1.12, 0.63, 1.01], "ci_low": np.nan,
    ...                       "ci_high": np.nan, "p_value": [1e-12, 0.046, 0.009, 0.60]})
    >>> fit = Result(table, "", name="count_model")
    >>> res = adjust_p(fit, method="holm")
    >>> res.table[["term", "p_value", "p_adjusted", "rejected", "family"]]
                term       p_value  p_adjusted  rejected family
    0      Intercept  1.000000e-12         NaN      <NA>
    1  sitting_h_day  4.600000e-02       0.092     False    all
    2    glute_nm_kg  9.000000e-03       0.027      True    all
    3            age  6.000000e-01       0.600     False    all
    >>> print(res.text)
    Holm adjustment of 3 p-values in the family 'all' (familywise alpha = .05): 1 rejected,
    glute_nm_kg (count_model; p = .009, adjusted p = .027); 2 not rejected. 1 row stayed out of
    every family: Intercept (count_model; intercept).

    A declared order, tested at the full alpha until the first failure:

    >>> seq = adjust_p(fit, method="fixed_sequence", family=["sitting_h_day", "glute_nm_kg"])
    >>> seq.table.loc[1:2, ["term", "p_adjusted", "rejected", "step"]]
                term  p_adjusted  rejected  step
    1  sitting_h_day       0.046      True   1.0
    2    glute_nm_kg       0.046      True   2.0
    """
    check_one_of("method", method, METHODS)
    alpha = check_level(alpha, name="alpha")
    if order is not None and method != "fixed_sequence":
        raise InputError(f"`order` is used only by method='fixed_sequence' (got "
                         f"method={method!r}); drop it, or use the fixed sequence.")
    frame, levels = _rows(table_or_results)
    frame["p_value"] = frame["p_value"].astype(float)
    notes = [""] * len(frame)
    fams = _families(frame, family, notes, not isinstance(table_or_results, pd.DataFrame))
    p_adj = np.full(len(frame), np.nan)
    rejected = pd.array([pd.NA] * len(frame), dtype="boolean")
    fam_of = [""] * len(frame)
    step = np.full(len(frame), np.nan)
    used_order: dict[str, list[str]] = {}
    for name, members in fams.items():
        for i in members:
            if not np.isfinite(frame.at[i, "p_value"]):
                notes[i] = f"no p-value: not a test (named in family {name!r}, left out)"
        members = [i for i in members if np.isfinite(frame.at[i, "p_value"])]
        if order is not None:
            declared = _hypotheses(frame, order, "`order`")
            missing = [i for i in members if i not in declared]
            if missing:
                raise InputError(
                    f"`order` leaves out {', '.join(frame.at[i, 'term'] for i in missing)} of "
                    f"family {name!r}; a fixed sequence must place every hypothesis.")
            members = [i for i in declared if i in members]
        if not members:
            continue
        p = frame.loc[members, "p_value"].to_numpy(float)
        adj, rej = _adjust(p, method, alpha)
        ranks = (np.arange(1, len(p) + 1) if method == "fixed_sequence"
                 else pd.Series(p).rank(method="first").to_numpy())
        for k, i in enumerate(members):
            p_adj[i], rejected[i], fam_of[i], step[i] = adj[k], bool(rej[k]), name, ranks[k]
        if method == "fixed_sequence":
            used_order[name] = [f"{frame.at[i, 'source']}: {frame.at[i, 'term']}"
                                for i in members]
    for i in range(len(frame)):
        if not fam_of[i] and not notes[i]:
            notes[i] = ("no p-value: not a test" if not np.isfinite(frame.at[i, "p_value"])
                        else "not in a declared family")
    if not any(fam_of):
        raise InputError("no row with a p-value entered a family; there is nothing to adjust "
                         "(check `family`, or the input has no tests).")
    out = frame[list(TABLE_COLUMNS)].copy()
    out["p_adjusted"] = p_adj
    out["rejected"] = rejected
    out["method"] = method
    out["family"] = fam_of
    out["step"] = step
    out["source"] = frame["source"].astype(str)
    out["note"] = notes
    text = _text(out, method, alpha)
    lvls = set(levels.values())
    level = lvls.pop() if len(lvls) == 1 else None
    left = out[out["family"] == ""]
    diagnostics = {
        "method": method, "alpha": alpha,
        "family_sizes": {f: int((out["family"] == f).sum()) for f in fams},
        "left_out": dict(zip(left["source"] + ": " + left["term"], left["note"])),
        "order": used_order if method == "fixed_sequence" else None,
        "order_declared": order is not None or not (family is None or isinstance(family, str)),
        "levels": levels,
    }
    return Result(out, text, diagnostics=diagnostics, name=f"adjust_p ({method})",
                  kind="adjust_p", level=level)


def _who(r) -> str:
    return (f"{r['term']} ({r['source']}; {format_p(r['p_value'])}, adjusted "
            f"{format_p(r['p_adjusted'])})")


def _text(out: pd.DataFrame, method: str, alpha: float) -> str:
    rate = "false discovery rate" if method == "bh" else "familywise alpha"
    a = f"{alpha:g}".lstrip("0")
    parts = []
    for fam in dict.fromkeys(f for f in out["family"] if f):
        rows = out[out["family"] == fam]
        if method == "fixed_sequence":
            rows = rows.sort_values("step")
        rej = rows[rows["rejected"].fillna(False).astype(bool)]
        n_not = len(rows) - len(rej)
        listed = "; ".join(_who(r) for _, r in rej.iterrows())
        s = (f"{_NAMES[method]} adjustment of {len(rows)} p-value{'s' * (len(rows) != 1)} in the "
             f"family {fam!r} ({rate} = {a}"
             + (", tested in the declared order" if method == "fixed_sequence" else "")
             + f"): {len(rej)} rejected" + (f", {listed}" if listed else "")
             + f"; {n_not} not rejected.")
        if method == "fixed_sequence" and n_not:
            stop = rows[~rows["rejected"].astype(bool)].iloc[0]
            s = s[:-1] + (f", from {stop['term']} ({stop['source']}; "
                          f"{format_p(stop['p_value'])}) on, where the sequence stopped.")
        parts.append(s)
    left = out[out["family"] == ""]
    if len(left):
        shown = ", ".join(f"{r['term']} ({r['source']}; {r['note'].split(':')[0]})"
                          for _, r in left.iterrows())
        parts.append(f"{len(left)} row{'s' * (len(left) != 1)} stayed out of every family: "
                     f"{shown}.")
    return " ".join(parts)
