"""Export result tables as CSV, LaTeX and Word in APA style, byte-reproducibly.

The CSV keeps the numbers (rounded to 10 significant digits, so that diffs show real changes
only); the LaTeX and Word versions show them as a journal would print them: estimates and
intervals to ``digits`` decimals, the interval as ``[low, high]``, p-values without a leading
zero (``.011``, ``< .001``), horizontal rules only.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from .._escape import docx_text, html_text, latex_text, printable
from .._files import make_folder, write_files
from ..errors import InputError
from ..labels import in_words, is_variable, label, level_label, term_label
from ..stats._result import Result, format_count, format_number, format_p

__all__ = ["TABLE_FORMATS", "apa_table", "docx_bytes", "docx_table", "new_docx", "save_table",
           "table_one"]

#: The file types :func:`save_table` writes, in order.
TABLE_FORMATS = ("csv", "tex", "docx")

_LABELS = {
    "term": "Term",
    "estimate": "Estimate",
    "p_value": "p",
    "se": "SE",
    "n": "n",
    "df": "df",
    "ci": "95 % CI",
    "aic": "AIC",
    "bic": "BIC",
    "log_lik": "Log-likelihood",
    "exposure_h": "Exposure (h)",
    "icc": "ICC",
    "sem": "SEM",
    "df1": "df1",
    "df2": "df2",
    "mcgraw_wong": "ICC form (McGraw and Wong)",
    "statistic": "Statistic",
    "component": "Part",
    "scale": "Scale",
    "coef": "Coefficient (log)",
    "se_naive": "SE (naive)",
    "z": "z",
    "ubar": "Within-imputation variance",
    "b": "Between-imputation variance",
    "riv": "RIV",
    "fmi": "FMI",
    "lambda": "Lambda",
    "dfcom": "df (complete data)",
    "m": "Imputations",
    "crude_rate": "Crude rate",
    "per": "Per (h)",
    "se_type": "SE type",
    "n_missing": "Missing (n)",
    "pct_missing": "Missing (%)",
    "std": "SD",
    "mc_se": "Monte Carlo SE",
    "n_analysed": "n analysed (mean)",
    "delta_aic": "\u0394AIC",
    "vuong_aic_z": "Vuong z (AIC)",
    "vuong_aic_p": "Vuong p (AIC)",
    "vuong_bic_z": "Vuong z (BIC)",
    "vuong_bic_p": "Vuong p (BIC)",
    "cv_pct": "CV (%)",
    "events": "Events",
    "n_risk": "Number at risk",
    "censored": "Censored",
    "surv": "Proportion without a cramp",
    "reference_events": "Reference events",
    "reference_exposure_h": "Reference exposure (h)",
    "variable": "Variable",
    "level": "Level",
    "column": "Variable",
    # generic result columns that share a name with a study-table column: the codebook's
    # label of that column ("Unit of `value`: N ..." for `unit`) does not describe them
    "unit": "Unit",
    "value": "Value",
    "test": "Test",
    # Rubin's rules: t is the total variance, not a t statistic
    "t": "Total variance",
    "e_value": "E-value",
    "e_value_ci": "E-value of the CI limit",
    "p_adjusted": "p (adjusted)",
    "equivalence_ci": "Equivalence CI",
    "true_value": "True value",
    "p_lower": "p (lower bound)",
    "p_upper": "p (upper bound)",
    "p_null": "p (no effect)",
    "statistic_lower": "Statistic (lower bound)",
    "statistic_upper": "Statistic (upper bound)",
    "lower": "Lower bound",
    "upper": "Upper bound",
    "usable": "Share of simulated analyses that converged",
    "mean_estimate": "Mean estimate (on the scale of the true effect)",
    "true_effect": "True effect",
}

#: Result-table columns whose cells are model terms, variables or levels: shown as words.
_TERM_COLUMNS = ("term",)
_VARIABLE_COLUMNS = ("variable", "column", "outcome", "exposure", "mediator")
_LEVEL_COLUMNS = ("group", "reference", "arm")
#: A machine key in a cell (``adjusted_mean``, ``self_report``): shown in words.
_KEY = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)+")
#: A count-model family's key in a cell ("negbin", "LR vs poisson"): its name in words.
_FAMILY = re.compile(r"\b(?:hurdle_negbin|negbin|poisson|zinb|zip)\b")
#: Cells that mean "no value" and must not reach a reader.
_EMPTY_CELLS = {"nan", "NaN", "NA", "<NA>", "None", "none"}


def _is_p(column: str) -> bool:
    return column == "p_value" or column.endswith("_p") or column.startswith("p_")


def _label(column: str) -> str:
    if column in _LABELS:
        return _LABELS[column]
    if is_variable(column):
        return label(column)
    text = str(column).replace("_", " ")
    return text[:1].upper() + text[1:]


def _references(result: Result | None) -> dict[str, str]:
    """Reference levels of a result's factor terms, where its fitted design knows them."""
    design = getattr(getattr(result, "model", None), "design", None)
    find = getattr(design, "reference_level", None)
    if find is None:
        return {}
    out = {}
    for term in result.table["term"].astype(str):
        try:
            ref = find(term)
        except Exception:
            ref = None
        if ref is not None:
            out[term] = ref
    return out


def _words(data: pd.DataFrame, references: dict[str, str]) -> pd.DataFrame:
    """The table with model terms, variables and levels in words and rates for intercepts.

    The rows of a count model's intercept hold the rate per hour at zero covariates: shown as
    a rate per 1000 h (estimate and interval times 1000), not as a rate ratio.
    """
    data = data.copy()
    if "term" in data.columns:
        terms = data["term"].astype(object)
        rate = terms.eq("Intercept")
        if "scale" in data.columns:
            scale = data["scale"].astype(str)
            per_h = rate & scale.eq("IRR")
            for col in ("estimate", "ci_low", "ci_high"):
                if col in data.columns and pd.api.types.is_numeric_dtype(data[col]):
                    data[col] = data[col].astype(float).where(~per_h, data[col] * 1000)
            data.loc[per_h, "scale"] = "rate per 1000 h"
            odds = rate & scale.str.startswith("OR")
            data.loc[odds, "scale"] = "odds"
            words = [("Baseline rate (per 1000 h)" if per_h.iloc[i] else
                      "Baseline odds (zero part)" if odds.iloc[i] else
                      term_label(str(t), reference=references.get(str(t))) if pd.notna(t)
                      else "") for i, t in enumerate(terms)]
        else:
            words = [term_label(str(t), reference=references.get(str(t))) if pd.notna(t)
                     else "" for t in terms]
        data["term"] = words
    for col in _VARIABLE_COLUMNS:
        if col in data.columns and data[col].dtype == object:
            if col == "variable" and "level" in data.columns:
                data["level"] = [level_label(v, lev) if isinstance(lev, str) and lev else lev
                                 for v, lev in zip(data[col], data["level"])]
            data[col] = [label(v) if isinstance(v, str) and is_variable(v) else v
                         for v in data[col]]
    for col in _LEVEL_COLUMNS:
        if col in data.columns and data[col].dtype == object:
            data[col] = [term_label(v) if isinstance(v, str) and v else v for v in data[col]]
    for col in data.columns:  # other keys (kind, instrument, method...) read as words too
        if col in (*_TERM_COLUMNS, *_VARIABLE_COLUMNS, *_LEVEL_COLUMNS, "level") or \
                data[col].dtype != object:
            continue
        data[col] = [(level_label(col, v) if is_variable(col) else term_label(v))
                     if isinstance(v, str) and _KEY.fullmatch(v) else v for v in data[col]]
    for col in ("reason", "note"):  # free text that names columns ("exposure_h missing")
        if col in data.columns and data[col].dtype == object:
            data[col] = [in_words(v) if isinstance(v, str) and v else v for v in data[col]]
    for col in ("favours", "comparison", "method"):  # model families ("LR vs poisson")
        if col in data.columns and data[col].dtype == object:
            data[col] = [_FAMILY.sub(_family_name, v) if isinstance(v, str) else v
                         for v in data[col]]
    if "covariates" in data.columns and data["covariates"].dtype == object:
        data["covariates"] = [", ".join(label(c.strip(), unit=False).lower()
                                        if is_variable(c.strip()) else c
                                        for c in v.split(",")) if isinstance(v, str) and v
                              else v for v in data["covariates"]]
    return data


def _family_name(m: re.Match) -> str:
    word = term_label(m.group(0))
    return word if m.start() == 0 or word.startswith("Poisson") else word[0].lower() + word[1:]


def _apa_p(p: float) -> str:
    """The table cell of a p-value: what :func:`format_p` writes after the letter p."""
    if p is None or not np.isfinite(p):
        return ""
    return format_p(p).removeprefix("p ").removeprefix("= ")


_COUNT_NAMES = {"n", "events", "df", "k", "sessions", "records", "count", "excluded", "cramps",
                "df1", "df2", "m", "dfcom", "zeros", "reference_events", "missing",
                "hamstring_cramps", "sitting_days", "n_clusters"}


def _is_count(name: str) -> bool:
    return name in _COUNT_NAMES or name.startswith("n_") or name.endswith("_count")


def _format_column(values: pd.Series, digits: int) -> pd.Series:
    if pd.api.types.is_bool_dtype(values):
        return values.map(lambda v: "yes" if v else "no")
    count = _is_count(str(values.name))  # a count reads 16,043; a code or a year stays 2026
    whole_number = format_count if count else (lambda v: str(int(v)))
    if pd.api.types.is_integer_dtype(values):
        return values.map(lambda v: "" if pd.isna(v) else whole_number(v))
    if pd.api.types.is_float_dtype(values):
        whole = values.dropna()
        if count and len(whole) and np.all(np.isfinite(whole)) and np.all(
            whole == np.round(whole)
        ) and (np.abs(whole) < 1e15).all():
            return values.map(lambda v: "" if pd.isna(v) else format_count(v))
        # an infinite value (the df of a Wald z test) or a missing one is an empty cell
        return values.map(lambda v: "" if pd.isna(v) or not np.isfinite(v)
                          else format_number(float(v), digits))
    return values.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v))
                      or str(v).strip() in _EMPTY_CELLS else str(v))


#: Columns a reader of the printed table does not need: the CSV keeps them. The rate's unit
#: (``per``: the caption says "per 1000 h"), the model and SE type (the methods say them), the
#: log coefficient beside its exponentiated estimate, Rubin's variance parts and df details, the
#: equivalence test's one-sided statistics (their p-values stay), the Vuong z values (their
#: p-values stay), and the simulation's mean log coefficient.
_TECHNICAL = ("per", "method", "se_type", "coef", "ubar", "b", "t", "riv", "lambda", "dfcom",
              "m", "statistic_lower", "statistic_upper", "vuong_aic_z", "vuong_bic_z",
              "mean_estimate", "family")
#: Columns printed only when they say something: when not all their values are the same.
_IF_VARIED = ("component", "scale", "converged", "ranked", "usable", "source")
#: The columns every result table prints, even when empty (a test without an estimate).
_CORE = ("term", "estimate", "ci_low", "ci_high", "p_value")
#: Rows whose p-value tests nothing a reader asks (a baseline rate against 1 per hour).
_NO_TEST_TERMS = {"Intercept", "const"}
#: The columns of a row's test statistic (dashed with its p-value in an intercept's row).
_TEST_STATISTICS = ("z", "statistic")
#: Results whose missing median (and interval limit) means the curve never came down to it.
_NOT_REACHED_KINDS = {"kaplan_meier"}
_NOT_REACHED = "not reached"
#: The cell of a p-value that is not given (an intercept's): APA's dash for "not applicable".
NO_P = "\u2014"


def _reader_columns(data: pd.DataFrame, *, kind: str = "") -> list[str]:
    """The columns of a result table that its printed version shows (see :func:`apa_table`)."""
    keep = []
    has_term = "term" in data.columns
    no_ci = kind not in _NOT_REACHED_KINDS and all(
        c in data.columns and not np.isfinite(data[c].astype(float)).any()
        for c in ("ci_low", "ci_high"))  # no interval anywhere (a model comparison's)
    log_se = _se_of_coef(data)
    for col in data.columns:
        values = data[col]
        if col == "coef" and not log_se:
            keep.append(col)  # some SEs are of the coefficient, some not: show which
            continue
        if col in _CORE:
            if not (no_ci and col in ("ci_low", "ci_high")):
                keep.append(col)
            continue
        if col in _TECHNICAL or (has_term and col in ("group", "reference")):
            continue  # the term says "Middle vs low": group and reference repeat it
        filled = values.dropna()
        if pd.api.types.is_float_dtype(values):
            filled = filled[np.isfinite(filled)]  # an infinite df (a Wald z) prints empty
        elif values.dtype == object:
            filled = filled[filled.astype(str).str.strip().ne("") &
                            ~filled.astype(str).str.strip().isin(_EMPTY_CELLS)]
        if filled.empty and len(data):
            continue  # nothing in it
        if col in _IF_VARIED and len(data) > 1 and filled.astype(str).nunique() <= 1 \
                and len(filled) == len(values):
            continue
        if has_term and col == "test" and values.astype(str).equals(data["term"].astype(str)):
            continue  # the term again (a power table's test)
        if "estimate" in data.columns and pd.api.types.is_numeric_dtype(values) and \
                values.astype(float).equals(data["estimate"].astype(float)):
            continue  # the estimate again, under its own name: see _estimate_label
        keep.append(col)
    return keep


def _se_of_coef(data: pd.DataFrame) -> bool:
    """Every standard error of the table is that of its log coefficient (left out in print)."""
    if "coef" not in data.columns or "se" not in data.columns:
        return False
    coef = pd.to_numeric(data["coef"], errors="coerce").astype(float).to_numpy()
    se = pd.to_numeric(data["se"], errors="coerce").astype(float).to_numpy()
    return bool((np.isfinite(coef) | ~np.isfinite(se)).all())


def _estimate_label(data: pd.DataFrame) -> str:
    """The estimate's header: a column that repeats it names it ("Power")."""
    if "estimate" in data.columns:
        for col in data.columns:
            if col not in _CORE and col not in _TECHNICAL and \
                    pd.api.types.is_numeric_dtype(data[col]) and \
                    data[col].astype(float).equals(data["estimate"].astype(float)):
                return _label(col)
    return _LABELS["estimate"]


def _statistic_label(data: pd.DataFrame) -> str:
    """The header of a ``z`` column: ``t`` where its reference is a t on the ``df`` column's
    degrees of freedom (the CR2 Satterthwaite df), ``z`` where it is the normal."""
    if "df" in data.columns and pd.api.types.is_numeric_dtype(data["df"]):
        df = data["df"].astype(float)
        finite = np.isfinite(df.to_numpy())
        if finite.all():
            return "t"
        if finite.any():
            return "z or t"
    return "z"


def apa_table(table: pd.DataFrame | Result, *, digits: int = 2,
              every_column: bool = False) -> pd.DataFrame:
    """Return ``table`` as strings laid out the APA way, ready to print.

    A result table's ``ci_low`` and ``ci_high`` become one ``95 % CI`` column ``[low, high]``;
    ``p_value`` becomes ``p`` without a leading zero; column names become their labels with
    units (:func:`glute_study.labels.label`); model terms read as words
    (:func:`glute_study.labels.term_label`: ``C(sex)[T.male]`` is "Male vs female"), as do
    variables and levels; a count model's intercept is its baseline rate per 1000 h, and its
    p-value (which tests a rate of 1 per hour, or a coefficient of 0) and test statistic are a
    dash; counts print
    without decimals; missing values (and "nan", "NA") become empty cells, but a survival
    median the curve never came down to reads "not reached". The table itself keeps its machine
    keys: only what is shown changes.

    The printed table shows the reader's columns: technical ones (the rate's unit ``per``,
    ``method``, ``se_type``, the log coefficient, Rubin's variance parts and df details, ...)
    stay in the CSV only, as do empty columns (an interval column too, but not the estimate or
    p), columns that repeat another (``group`` and
    ``reference`` beside a contrast's term), and ``component``, ``scale`` ... where every row
    holds the same value. A ``z`` column whose reference is a t (finite ``df``) is headed
    ``t``; the standard error beside a log coefficient left out reads "SE (log scale)".

    Parameters
    ----------
    table : pandas.DataFrame or Result
        A result (its ``.table`` is used) or any tidy DataFrame.
    digits : int
        Decimals shown for non-integer numbers (p-values always get three).
    every_column : bool
        Print every column of the table (default: the reader's columns only, see above).

    Returns
    -------
    pandas.DataFrame
        String cells with printable column labels.

    Examples
    --------
    >>> t = pd.DataFrame({"term": ["sitting_h_day"], "estimate": [1.0912], "ci_low": [1.0213],
    ...                   "ci_high": [1.1702], "p_value": [0.0109], "n": [400]})
    >>> apa_table(t).iloc[0].to_dict()  # doctest: +NORMALIZE_WHITESPACE
    {'Term': 'Device-measured sitting (per h/day)', 'Estimate': '1.09', '95 % CI': '[1.02, 1.17]',
     'p': '.011', 'n': '400'}
    >>> rates = pd.DataFrame({"term": ["Intercept", "sitting_h_day"], "estimate": [0.004, 1.1],
    ...                       "ci_low": [0.002, 1.0], "ci_high": [0.008, 1.2],
    ...                       "p_value": [1e-9, 0.04], "scale": ["IRR", "IRR"],
    ...                       "coef": [-5.5, 0.1], "se": [0.3, 0.05], "z": [-18.3, 2.0],
    ...                       "df": [17.2, 17.2], "method": ["negbin", "negbin"]})
    >>> shown = apa_table(rates)
    >>> list(shown.columns)
    ['Term', 'Estimate', '95 % CI', 'p', 'Scale', 'SE (log scale)', 't', 'df']
    >>> shown["Term"].tolist()
    ['Baseline rate (per 1000 h)', 'Device-measured sitting (per h/day)']
    >>> shown["p"].tolist(), shown["t"].tolist()
    (['—', '.040'], ['—', '2.00'])
    """
    references: dict[str, str] = {}
    kind = ""
    bounded = None
    if isinstance(table, Result):
        references = _references(table)
        kind = table.kind
        bounded = _bounded_rows(table)
        table = table.table
    if not isinstance(table, pd.DataFrame):
        raise InputError(
            f"a table must be a pandas DataFrame or a Result; got {type(table).__name__}."
        )
    if isinstance(digits, bool) or not isinstance(digits, int) or not 0 <= digits <= 6:
        raise InputError(f"`digits` must be a whole number from 0 to 6; got {digits!r}.")
    table = table.reset_index(drop=True)
    no_test = (table["term"].astype(str).isin(_NO_TEST_TERMS) if "term" in table.columns
               else pd.Series(False, index=table.index))
    data = _words(table, references)
    columns = list(data.columns) if every_column else _reader_columns(data, kind=kind)
    labels = {col: _label(col) for col in columns}
    if not every_column:
        labels["estimate"] = _estimate_label(data)
        if "se" in labels and _se_of_coef(data):
            labels["se"] = "SE (log scale)"
    if "z" in labels:
        labels["z"] = _statistic_label(data)
    data = data[columns]
    not_reached = kind in _NOT_REACHED_KINDS
    out = {}
    has_ci = "ci_low" in data.columns and "ci_high" in data.columns
    for col in data.columns:
        if has_ci and col == "ci_high":
            continue
        if has_ci and col == "ci_low":
            low = _format_column(data["ci_low"].astype(float), digits)
            high = _format_column(data["ci_high"].astype(float), digits)
            cells = [f"[{a}, {b}]" if a and b else "" for a, b in zip(low, high)]
            if not_reached:
                cells = [_not_reached_ci(a, b) if median else c for a, b, c, median in
                         zip(low, high, cells, _median_rows(table))]
            out[_LABELS["ci"]] = cells
        elif _is_p(str(col)) and pd.api.types.is_numeric_dtype(data[col]):
            out[labels[col]] = [NO_P if col == "p_value" and none else
                                _apa_p(float(p)) if pd.notna(p) else ""
                                for p, none in zip(data[col], no_test)]
        else:
            cells = list(_format_column(data[col], digits))
            if col in _TEST_STATISTICS:  # an intercept's statistic tests what its p does
                cells = [NO_P if none and c else c for c, none in zip(cells, no_test)]
            if not_reached and col == "estimate":
                cells = [c or (_NOT_REACHED if median else "") for c, median in
                         zip(cells, _median_rows(table))]
            out[labels[col]] = cells
    if bounded is not None:  # correlations and ICCs: no leading zero, as APA prints them
        for col in (_LABELS["estimate"], _LABELS["ci"]):
            if col in out:
                out[col] = [_LEADING_ZERO.sub(r"\1.", v) if hit else v
                            for v, hit in zip(out[col], bounded)]
    return pd.DataFrame(out, columns=list(out))


def _median_rows(table: pd.DataFrame) -> list[bool]:
    """The rows of a Kaplan-Meier table that hold a group's median (not the log-rank test)."""
    return [str(t) != "log_rank" for t in table["term"]]


def _not_reached_ci(low: str, high: str) -> str:
    """A median's interval whose limits may never have been reached: "201.60 to not reached"."""
    if low and high:
        return f"[{low}, {high}]"
    return f"{low or _NOT_REACHED} to {high or _NOT_REACHED}" if low else _NOT_REACHED


#: Result kinds whose estimates cannot exceed 1 in absolute value: every row (None) or the
#: rows of these terms.
_BOUNDED_KINDS: dict[str, tuple[str, ...] | None] = {
    "partial_correlation": None, "sitting_strength": None, "power": None,
    "reliability": ("ICC1", "ICC2", "ICC3", "ICC1k", "ICC2k", "ICC3k")}
_LEADING_ZERO = re.compile(r"(?<![\d.])(-?)0\.(?=\d)")


def _bounded_rows(result: Result) -> list[bool] | None:
    """Which rows of a result hold a correlation or an ICC (printed without a leading zero).

    Examples
    --------
    >>> t = pd.DataFrame({"term": ["ICC2", "SEM"], "estimate": [0.95, 0.13],
    ...                   "ci_low": [0.94, 0.1], "ci_high": [0.96, 0.2], "p_value": [0.0, 1]})
    >>> apa_table(Result(t, "", kind="reliability"))["Estimate"].tolist()
    ['.95', '0.13']
    """
    kind = getattr(result, "kind", "")
    if kind not in _BOUNDED_KINDS:
        return None
    terms = _BOUNDED_KINDS[kind]
    return [terms is None or str(t) in terms for t in result.table["term"]]


_NUMERIC_CELL = re.compile(r"^(?:[<>]\s)?[-\u2212]?\[?[-\d.]+(?:[,\s%()\d.\-\]]*)$")


def numeric_columns(apa: pd.DataFrame) -> list[bool]:
    """Which columns of an APA table hold numbers only (right-aligned; text stays left).

    Examples
    --------
    >>> numeric_columns(pd.DataFrame({"Term": ["a", "b"], "95 % CI": ["[1.00, 2.00]", ""],
    ...                               "p": ["< .001", NO_P], "Reason": ["left the club", ""],
    ...                               "Estimate": ["213.75", "not reached"],
    ...                               "CI": ["201.60 to not reached", "not reached"]}))
    [False, True, True, False, True, True]
    """
    return [bool(len(apa)) and all(_numeric_cell(str(v)) for v in apa[c]) for c in apa.columns]


def _numeric_cell(cell: str) -> bool:
    """A number, an interval, or a cell that stands for one: empty, a dash, "not reached"."""
    if cell in ("", NO_P, _NOT_REACHED):
        return True
    if cell.endswith(" to " + _NOT_REACHED):
        cell = cell.removesuffix(" to " + _NOT_REACHED)
    return bool(_NUMERIC_CELL.match(cell))


def _tex_label(name: str) -> str:
    """A ``\\label`` key: letters, digits and ``_ . : -`` (others would break the key)."""
    return re.sub(r"[^A-Za-z0-9_.:-]", "-", printable(name))


def _tex_row(cells) -> str:
    """One tabular row; a first cell starting ``[`` or ``*`` would be read by the ``\\\\``
    before it (``\\\\[2pt]``, ``\\\\*``), so it is shielded with ``{}``."""
    row = " & ".join(cells)
    return ("{}" if row[:1] in ("[", "*") else "") + row + r" \\"


def _latex(apa: pd.DataFrame, caption: str, note: str, label: str) -> str:
    spec = "".join("r" if num else "l" for num in numeric_columns(apa))
    lines = [
        r"\begin{table}[htbp]",
        r"\centering",
        rf"\caption{{{latex_text(caption)}}}" if caption else "",
        rf"\label{{tab:{_tex_label(label)}}}",
        rf"\begin{{tabular}}{{{spec}}}",
        r"\toprule",
        _tex_row(rf"\textit{{{latex_text(c)}}}" if c in ("p", "n", "SE", "df") else latex_text(c)
                 for c in apa.columns),
        r"\midrule",
    ]
    for row in apa.itertuples(index=False):
        lines.append(_tex_row(latex_text(v) for v in row))
    lines += [r"\bottomrule", r"\end{tabular}"]
    if note:
        lines.append(rf"\par\smallskip\parbox{{\linewidth}}{{\small\textit{{Note.}} "
                     rf"{latex_text(note)}}}")
    lines.append(r"\end{table}")
    return "\n".join(line for line in lines if line) + "\n"


def _set_border(cell, **edges: str) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    borders = tc_pr.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        tc_pr.append(borders)
    for edge, size in edges.items():
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), size)
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "000000")
        borders.append(element)


def docx_table(document, apa: pd.DataFrame, *, caption: str = "", note: str = "",
               number: str = "", font_pt: float | None = None) -> None:
    """Add one APA table to a python-docx ``document``: bold number, italic title above, rules
    above and below the header and at the bottom, number columns right-aligned, the note below.

    The one Word table builder: the per-table ``.docx`` files and ``manuscript.docx`` both
    use it. Every text is typed text, put in as runs (:func:`~glute_study._escape.docx_text`).
    """
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    head = document.add_paragraph()
    head.add_run(docx_text(f"Table {number}".strip())).bold = True
    head.paragraph_format.keep_with_next = True
    if caption:
        title = document.add_paragraph()
        title.add_run(docx_text(caption)).italic = True
        title.paragraph_format.keep_with_next = True
    grid = document.add_table(rows=apa.shape[0] + 1, cols=apa.shape[1])
    rows = list(grid.rows)  # python-docx's cell(i, j) walks the whole table: take rows once

    def put(cell, text: str, *, italic: bool = False):
        run = cell.paragraphs[0].add_run(docx_text(text))
        if italic:
            run.italic = True
        if font_pt is not None:
            run.font.size = Pt(font_pt)

    for column, cell in zip(apa.columns, rows[0].cells):
        put(cell, column, italic=column in ("p", "n", "SE", "df"))
        _set_border(cell, top="8", bottom="4")
    numeric = numeric_columns(apa)
    for j, cell in enumerate(rows[0].cells):
        if numeric[j]:
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
    for i, (row, values) in enumerate(zip(rows[1:], apa.itertuples(index=False)), start=1):
        for j, (cell, value) in enumerate(zip(row.cells, values)):
            put(cell, value)
            if numeric[j]:
                cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.RIGHT
            if i == apa.shape[0]:
                _set_border(cell, bottom="8")
    if note:
        par = document.add_paragraph()
        par.add_run("Note. ").italic = True
        par.add_run(docx_text(note))


def new_docx(*, title: str = ""):
    """A python-docx document in Times New Roman 11 pt whose core properties carry no clock
    (created and modified fixed at 2000-01-01), no author and the given ``title``."""
    import datetime

    import docx
    from docx.shared import Pt

    document = docx.Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(11)
    core = document.core_properties
    fixed = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
    core.created = core.modified = fixed
    core.last_printed = fixed
    core.author = core.last_modified_by = ""
    core.revision = 1
    core.title = docx_text(title)[:255]  # Word limits a property to 255 characters
    return document


def docx_bytes(document) -> bytes:
    """The bytes of a python-docx ``document``, the same for the same content (fixed zip dates)."""
    raw = io.BytesIO()
    document.save(raw)
    return _stable_zip(raw.getvalue())


def _docx_bytes(apa: pd.DataFrame, caption: str, note: str, number: str) -> bytes:
    document = new_docx(title=caption)
    docx_table(document, apa, caption=caption, note=note, number=number)
    return docx_bytes(document)


def _stable_zip(data: bytes) -> bytes:
    """Rewrite a zip archive with fixed member dates, so equal content gives equal bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


def save_table(
    table: pd.DataFrame | Result,
    path_stem: str | Path,
    *,
    caption: str = "",
    note: str = "",
    digits: int = 2,
    number: str = "",
) -> list[Path]:
    """Write a result table as CSV, LaTeX (booktabs) and Word (.docx), APA style.

    Parameters
    ----------
    table : pandas.DataFrame or Result
        A result (its ``.table`` is written) or any tidy DataFrame.
    path_stem : str or Path
        File path without extension; ``tables/rates`` writes ``tables/rates.csv``, ``.tex``
        and ``.docx``. Missing folders are created.
    caption : str
        Table title (printed in italics above the Word table; ``\\caption`` in LaTeX).
    note : str
        A general note printed below the table after *Note.*
    digits : int
        Decimals shown in the LaTeX and Word versions (the CSV keeps 10 significant digits).
    number : str
        Table number for the Word version ("1", "S2", ...).

    Returns
    -------
    list of Path
        The files written: ``.csv``, ``.tex``, ``.docx``.

    Examples
    --------
    >>> import tempfile
    >>> t = pd.DataFrame({"term": ["glute_nm_kg"], "estimate": [0.81], "ci_low": [0.70],
    ...                   "ci_high": [0.94], "p_value": [0.004]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = save_table(t, f"{tmp}/irr", caption="Cramp rate ratios")
    ...     print([p.name for p in paths])
    ...     print(paths[1].read_text().splitlines()[8])
    ['irr.csv', 'irr.tex', 'irr.docx']
    Glute strength (per Nm/kg) & 0.81 & [0.70, 0.94] & .004 \\\\
    """
    raw = table.table if isinstance(table, Result) else table
    apa = apa_table(table, digits=digits)
    stem = Path(path_stem)
    paths = [stem.with_name(stem.name + "." + ext) for ext in TABLE_FORMATS]
    contents = [raw.to_csv(index=False, float_format="%.10g", lineterminator="\n").encode("utf-8"),
                _latex(apa, caption, note, stem.name).encode("utf-8"),
                _docx_bytes(apa, caption, note, number)]
    make_folder(stem.parent)
    return write_files(dict(zip(paths, contents)))


def table_one(
    data: pd.DataFrame,
    *,
    by: str | None = None,
    columns: list[str] | None = None,
    digits: int = 1,
) -> pd.DataFrame:
    """Table 1: participant characteristics overall and by group, one row per variable or level.

    Numbers are shown as *mean (SD)* with the count of missing values noted, yes/no and text
    columns as *n (%)* of the non-missing values of the column. Missing values are never counted
    as zeros. Each variable gets ``digits`` decimals, or more where its overall SD is below 1, so
    that the SD keeps two significant figures (glute strength ``2.61 (0.58)`` Nm/kg, not
    ``2.6 (0.6)``); every group of a variable shares its decimals. Levels keep their codes
    (``semi_professional``); :func:`apa_table` prints them as the codebook's labels
    ("Semi-professional"). Counts of 1,000 and more have a thousands separator.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per participant (e.g. ``Study.analysis_table()``).
    by : str, optional
        Column defining the groups (e.g. ``"arm"`` or ``"sex"``); its missing or empty values
        are left out of the group columns but kept in ``overall``.
    columns : list of str, optional
        Variables to describe (all but ``by`` and ``participant_id`` by default).
    digits : int
        Fewest decimals of means and SDs (more for a variable whose SD is below 1).

    Returns
    -------
    pandas.DataFrame
        Columns ``variable``, ``level`` (empty for numbers), ``overall``, then one per group,
        then ``missing`` (count of missing values overall).

    Examples
    --------
    >>> df = pd.DataFrame({"arm": ["a", "a", "b", "b"], "age": [20.0, 22.0, 30.0, None],
    ...                    "sex": ["female", "male", "male", "male"]})
    >>> table_one(df, by="arm")  # doctest: +NORMALIZE_WHITESPACE
      variable   level       overall            a             b  missing
    0        n                    4            2             2        0
    1      age          24.0 (5.3)   21.0 (1.4)  30.0 (n = 1)       1
    2      sex  female    1 (25.0%)    1 (50.0%)     0 (0.0%)         0
    3      sex    male    3 (75.0%)    1 (50.0%)   2 (100.0%)         0

    A variable with an SD below 1 keeps two significant figures of it:

    >>> table_one(pd.DataFrame({"glute_nm_kg": [2.0, 2.5, 3.3]})).loc[1, "overall"]
    '2.60 (0.66)'
    """
    from .._checks import require_columns

    if by is not None:
        require_columns(data, [by], where="the data for Table 1")
    columns = list(columns) if columns is not None else [
        c for c in data.columns if c not in (by, "participant_id")]
    require_columns(data, columns, where="the data for Table 1")
    groups: list[tuple[str, pd.DataFrame]] = [("overall", data)]
    if by is not None:
        keep = data[by].notna() & (data[by].astype(str) != "")
        groups += [(str(g), part) for g, part in data[keep].groupby(by, sort=True,
                                                                       observed=True)]

    def decimals(x: pd.Series) -> int:
        """``digits``, or more for an SD below 1: two significant figures of it (at most 4)."""
        sd = float(x.dropna().astype(float).std(ddof=1)) if x.notna().sum() > 1 else np.nan
        if not np.isfinite(sd) or sd <= 0:
            return digits
        return int(min(max(digits, 1 - np.floor(np.log10(sd))), 4))

    def mean_sd(x: pd.Series, places: int) -> str:
        x = x.dropna().astype(float)
        if x.empty:
            return ""
        if len(x) == 1:  # no SD of one value: say so rather than print NA
            return f"{format_number(x.mean(), places)} (n = 1)"
        return f"{format_number(x.mean(), places)} ({format_number(x.std(ddof=1), places)})"

    rows = [{"variable": "n", "level": "",
             **{name: format_count(len(part)) for name, part in groups}, "missing": 0}]
    for col in columns:
        values = data[col]
        binary = pd.api.types.is_bool_dtype(values) or (
            pd.api.types.is_numeric_dtype(values) and set(values.dropna().unique()) <= {0, 1}
            and values.notna().any())
        if pd.api.types.is_numeric_dtype(values) and not binary:
            places = decimals(values)
            rows.append({"variable": col, "level": "",
                         **{name: mean_sd(part[col], places) for name, part in groups},
                         "missing": int(values.isna().sum())})
            continue
        levels = [1] if binary else sorted(values.dropna().astype(str).unique())
        for level in levels:
            cells = {}
            for name, part in groups:
                present = part[col].dropna()
                hits = int((present.astype(float) == 1).sum()) if binary else int(
                    (present.astype(str) == level).sum())
                cells[name] = (f"{format_count(hits)} "
                               f"({format_number(100 * hits / len(present), 1)}%)"
                               if len(present) else "")
            rows.append({"variable": col, "level": "yes" if binary else level, **cells,
                         "missing": int(values.isna().sum())})
    out = pd.DataFrame(rows)
    order = ["variable", "level"] + [name for name, _ in groups] + ["missing"]
    return out[order]


def apa_html(table: pd.DataFrame | Result, *, digits: int = 2) -> str:
    """The APA table as an HTML ``<table class="apa">``, numbers right-aligned, text left.

    Examples
    --------
    >>> t = pd.DataFrame({"term": ["a"], "estimate": [1.5], "ci_low": [1.0], "ci_high": [2.0],
    ...                   "p_value": [0.2]})
    >>> html = apa_html(t)
    >>> html.count('<th class="num">'), html.count('<td class="num">'), "<td>a</td>" in html
    (3, 3, True)
    """
    apa = apa_table(table, digits=digits)
    numeric = numeric_columns(apa)

    def cls(j: int) -> str:
        return ' class="num"' if numeric[j] else ""

    head = "".join(f"<th{cls(j)}>{html_text(c)}</th>" for j, c in enumerate(apa.columns))
    body = "\n".join(
        "<tr>" + "".join(f"<td{cls(j)}>{html_text(v)}</td>" for j, v in enumerate(row)) + "</tr>"
        for row in apa.itertuples(index=False))
    return f'<table class="apa"><thead><tr>{head}</tr></thead><tbody>\n{body}</tbody></table>'
