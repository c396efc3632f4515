"""Formula -> model matrices, with the log-exposure offset and honest handling of missing rows.

This is the one home of three pieces every analysis shares: :func:`drop_incomplete` (rows with
a missing value are dropped with one warning and counted as ``n_dropped``),
:func:`covariate_matrix` (covariate columns as numbers, text treatment coded as in R) and
:func:`build_design` (a formula, as patsy reads it, to outcome, design matrix and offset).

One place turns ``data`` plus a Wilkinson formula (patsy syntax, as in R) into the arrays every
model fits: the outcome ``y``, the design matrix ``X`` with the formula's own column names, the
offset ``log(exposure)`` and, for two-part count models, a second matrix ``Z``. The count and
logistic models build on it, so the offset can never be lost between fitting and prediction;
mediation, the partial correlations and the dose-response, which take ``covariates=`` as a list
of columns, build their covariates with :func:`covariate_matrix`. The models that keep their
rows as labelled frames (Cox, GEE, the mixed model, the trial ANCOVA) take theirs from
:func:`formula_frames`, with :func:`term_columns`, :func:`frame_matrix` (the matrix for new
rows) and :func:`formula_columns`; no other module turns a formula into a matrix.

Rows with a missing value in any column an analysis uses are dropped, and the drop is never
silent: one :class:`~glute_study.errors.GluteStudyWarning` says how many rows went and which
columns caused it, and every result keeps the count under ``diagnostics["n_dropped"]`` (with the
count per column under ``diagnostics["dropped_by"]``).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import patsy

from .._checks import require_columns
from ..errors import GluteStudyWarning, InputError

__all__ = [
    "Complete", "Design", "build_design", "covariate_matrix", "drop_incomplete", "formula_columns",
    "formula_frames", "frame_matrix", "group_levels", "new_matrix", "plain_dtypes",
    "term_columns",
]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True, eq=False)
class Complete:
    """The complete rows of a table, and what was dropped to get them.

    Attributes
    ----------
    frame : pandas.DataFrame
        The rows of the data with a value in every checked column (all its columns kept).
    n_dropped : int
        Rows (or subjects, pairs...) dropped.
    dropped_by : dict
        Missing count per checked column (a row can count in several columns).
    """

    frame: pd.DataFrame
    n_dropped: int
    dropped_by: dict[str, int]

    @property
    def diagnostics(self) -> dict[str, Any]:
        """``{"n_dropped": ..., "dropped_by": ...}``, the keys every result uses for the drop."""
        return {"n_dropped": self.n_dropped, "dropped_by": dict(self.dropped_by)}


def drop_incomplete(
    data: pd.DataFrame,
    columns: list[str] | tuple[str, ...],
    *,
    what: str,
    unit: str = "rows",
    why: str = "impute or filter them first to silence this warning",
    stacklevel: int = 3,
) -> Complete:
    """Drop the rows of ``data`` missing a value in any of ``columns``, warning once.

    Parameters
    ----------
    data : pandas.DataFrame
    columns : sequence of str
        The columns the analysis uses.
    what : str
        The analysis, as the warning names it (``"count_model"``).
    unit : str
        What a row is (``"rows"``, ``"subjects"``, ``"pairs"``).
    why : str
        The end of the warning: why complete rows are needed, or how to avoid the drop.
    stacklevel : int
        Passed to :func:`warnings.warn` (3 = the caller of the function that called this one).

    Returns
    -------
    Complete

    Warns
    -----
    GluteStudyWarning
        Once, when rows are dropped: how many, of how many, and the missing count per column.

    Examples
    --------
    >>> df = pd.DataFrame({"y": [1.0, None, 3.0], "x": [1.0, 2.0, None], "note": ["a", None, "c"]})
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     kept = drop_incomplete(df, ["y", "x"], what="example", why="fill them first")
    >>> print(caught[0].message)
    example: dropped 2 of 3 rows with a missing value (y: 1, x: 1); fill them first.
    >>> kept.frame.index.tolist(), kept.diagnostics
    ([0], {'n_dropped': 2, 'dropped_by': {'y': 1, 'x': 1}})
    """
    columns = list(dict.fromkeys(columns))
    missing = data[columns].isna()
    dropped_by = {str(c): int(v) for c, v in missing.sum().items() if v > 0}
    keep = ~missing.any(axis=1).to_numpy()
    n_dropped = int((~keep).sum())
    if n_dropped:
        detail = ", ".join(f"{c}: {v}" for c, v in dropped_by.items())
        warnings.warn(
            f"{what}: dropped {n_dropped} of {len(data)} {unit} with a missing value ({detail}); "
            f"{why}.",
            GluteStudyWarning,
            stacklevel=stacklevel,
        )
    return Complete(data.loc[keep] if n_dropped else data, n_dropped, dropped_by)


def plain_dtypes(df: pd.DataFrame) -> pd.DataFrame:
    """Replace pandas' nullable dtypes (Int64, Float64, boolean, string) by numpy ones.

    The study tables use nullable dtypes; patsy and statsmodels need float (NaN for NA) or
    object columns.
    """
    out = df.copy()
    for col in out.columns:
        dtype = out[col].dtype
        if not isinstance(dtype, pd.api.extensions.ExtensionDtype) or isinstance(
                dtype, pd.CategoricalDtype):
            continue
        if pd.api.types.is_integer_dtype(dtype) and out[col].notna().all():
            out[col] = out[col].astype("int64")
        elif pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
            out[col] = out[col].astype("float64")
        else:
            out[col] = out[col].astype(object).where(out[col].notna(), np.nan)
    return out


def group_levels(values: pd.Series) -> list:
    """The groups present in ``values``, in the order a reader expects them.

    A categorical keeps its category order (``low, middle, high``); anything else is sorted by
    its text. Missing values and unused categories are left out.

    Examples
    --------
    >>> group_levels(pd.Series(pd.Categorical(["high", "low", None], ["low", "middle", "high"])))
    ['low', 'high']
    >>> group_levels(pd.Series(["b", "a", None, "b"]))
    ['a', 'b']
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        return [c for c in values.cat.categories if (values == c).any()]
    return sorted(values.dropna().unique(), key=str)


def covariate_matrix(
    frame: pd.DataFrame, covariates: list[str] | tuple[str, ...]
) -> tuple[np.ndarray, list[str]]:
    """Covariate columns as a matrix: numbers and 0/1 as they are, text treatment coded as in R.

    The one builder of covariate columns for the analyses that take ``covariates=`` as a list
    of column names (formulas go through :func:`build_design`). A text or categorical column
    becomes one 0/1 column per level but the first in sorted order (the reference), named
    ``column[T.level]`` as patsy (and so :func:`build_design`) names it. No intercept column;
    ``frame`` must be complete (see :func:`drop_incomplete`).

    Returns
    -------
    X : ndarray, shape (n, k)
    names : list of str

    Examples
    --------
    >>> df = pd.DataFrame({"age": [20.0, 25.0, 30.0], "sex": ["male", "female", "male"]})
    >>> X, names = covariate_matrix(df, ["age", "sex"])
    >>> names
    ['age', 'sex[T.male]']
    >>> X
    array([[20.,  1.],
           [25.,  0.],
           [30.,  1.]])
    """
    cols, names = [], []
    for c in covariates:
        s = frame[c]
        if pd.api.types.is_bool_dtype(s) or pd.api.types.is_numeric_dtype(s):
            cols.append(s.to_numpy(dtype=float))
            names.append(str(c))
        else:
            text = s.astype(str)
            for lev in sorted(pd.unique(text))[1:]:
                cols.append((text == lev).to_numpy(dtype=float))
                names.append(f"{c}[T.{lev}]")
    if not cols:
        return np.empty((len(frame), 0)), names
    return np.column_stack(cols), names


@dataclass(frozen=True, eq=False)
class Design:
    """The arrays a model is fitted to, and what is needed to rebuild them for new data.

    Attributes
    ----------
    y : ndarray, shape (n,)
        Outcome.
    X : ndarray, shape (n, p)
        Design matrix of the main (count / mean) part.
    offset : ndarray, shape (n,)
        ``log(exposure)``, or zeros when no exposure was given.
    terms : list of str
        Column names of ``X`` as the formula names them (``Intercept``, ``sitting_h_day``,
        ``C(sport)[T.rugby]``...).
    Z : ndarray or None
        Design matrix of the zero part (zero-inflation or hurdle), when a zero formula was given.
    zero_terms : list of str
        Column names of ``Z``.
    outcome : str
        Name of the outcome as written in the formula.
    exposure : str or None
        Column holding the exposure whose log is the offset.
    rows : pandas.Index
        Index labels of the rows of ``data`` that were used.
    n_dropped : int
        Rows dropped because a used column was missing.
    dropped_by : dict
        Missing count per used column (a row can count in several columns).
    """

    y: np.ndarray
    X: np.ndarray
    offset: np.ndarray
    terms: list[str]
    outcome: str
    exposure: str | None
    rows: pd.Index
    n_dropped: int
    dropped_by: dict[str, int]
    design_info: Any = field(repr=False)
    Z: np.ndarray | None = None
    zero_terms: list[str] = field(default_factory=list)
    zero_design_info: Any = field(default=None, repr=False)

    @property
    def n(self) -> int:
        """Number of rows used."""
        return len(self.y)

    def reference_level(self, term: str) -> str | None:
        """The reference level of a treatment-coded factor term such as ``C(sex)[T.male]``.

        Examples
        --------
        >>> df = pd.DataFrame({"y": [0, 1, 2], "sex": ["male", "female", "male"]})
        >>> build_design(df, "y ~ sex").reference_level("sex[T.male]")
        'female'
        """
        if "[T." not in term or "Treatment" in term:
            return None
        code = term.split("[T.", 1)[0]
        for info in (self.design_info, self.zero_design_info):
            if info is None:
                continue
            for factor, finfo in info.factor_infos.items():
                if factor.name() == code and finfo.type == "categorical":
                    return str(finfo.categories[0])
        return None


def _used_columns(data: pd.DataFrame, formulas: list[str]) -> list[str]:
    """Columns of ``data`` that the formulas mention (identifiers matched against the columns)."""
    cols = set(map(str, data.columns))
    used: list[str] = []
    for f in formulas:
        for name in _IDENT.findall(f):
            if name in cols and name not in used:
                used.append(name)
    return used


def _rhs(formula: str) -> str:
    return formula.split("~", 1)[1] if "~" in formula else formula


def build_design(
    data: pd.DataFrame,
    formula: str,
    *,
    exposure: str | None = None,
    zero_formula: str | None = None,
    where: str = "data",
    what: str = "the model",
    stacklevel: int = 3,
) -> Design:
    """Build outcome, design matrices and log-exposure offset from a formula.

    Parameters
    ----------
    data : pandas.DataFrame
        One row per observation (participant or session).
    formula : str
        ``"outcome ~ terms"`` in patsy syntax (``C(sport)``, ``np.log(x)``, ``a:b`` ...).
    exposure : str, optional
        Column with the exposure (hours); its natural log becomes the offset. Must be positive.
    zero_formula : str, optional
        Right-hand side (``"x1 + x2"`` or ``"~ x1 + x2"``) of the zero part of a two-part model.
    where : str
        How error messages name ``data``.
    what : str
        How the warning about dropped rows names the analysis (``"count_model"``).
    stacklevel : int
        Passed to :func:`warnings.warn` so the warning points at the user's call (3 = the
        caller of the function that called this one).

    Returns
    -------
    Design

    Raises
    ------
    InputError
        A column is missing, the formula cannot be evaluated, exposure is not positive, or no
        complete row is left.

    Warns
    -----
    GluteStudyWarning
        When rows are dropped for missing values (how many, and which columns): see
        :func:`drop_incomplete`.

    Examples
    --------
    >>> df = pd.DataFrame({"cramps": [0, 2, 1, 3], "sitting": [7.5, 9.0, 8.0, 11.0],
    ...                    "hours": [100.0, 120.0, 80.0, 150.0]})
    >>> d = build_design(df, "cramps ~ sitting", exposure="hours")
    >>> d.terms
    ['Intercept', 'sitting']
    >>> np.round(d.offset, 3)
    array([4.605, 4.787, 4.382, 5.011])
    """
    if not isinstance(formula, str) or "~" not in formula:
        raise InputError(
            f"`formula` must be a string like 'cramps ~ sitting_h_day + age'; got {formula!r}."
        )
    require_columns(data, [] if exposure is None else [exposure], where=where)
    lhs = formula.split("~", 1)[0].strip()
    if not lhs:
        raise InputError(f"`formula` {formula!r} has no outcome on the left of '~'.")
    zero_rhs = None
    if zero_formula is not None:
        zero_rhs = _rhs(zero_formula).strip() or "1"
    formulas = [formula] + ([zero_rhs] if zero_rhs else [])
    used = _used_columns(data, formulas)
    if _IDENT.fullmatch(lhs):
        require_columns(data, [lhs], where=where)
    if exposure is not None and exposure not in used:
        used.append(exposure)

    complete = drop_incomplete(data, used, what=what, stacklevel=stacklevel + 1)
    frame, n_dropped, dropped_by = complete.frame, complete.n_dropped, complete.dropped_by
    if len(frame) == 0:
        raise InputError(f"no complete rows left in {where} for {formula!r}.")

    if exposure is not None:
        expo = pd.to_numeric(frame[exposure], errors="coerce").to_numpy(dtype=float)
        bad = ~(expo > 0)
        if bad.any():
            raise InputError(
                f"exposure column {exposure!r} must be positive; found {int(bad.sum())} rows "
                f"with zero, negative or non-numeric exposure (e.g. {expo[bad][0]!r}). Remove "
                "participants without exposure or correct the exposure hours."
            )
        offset = np.log(expo)
    else:
        offset = np.zeros(len(frame))

    try:
        y_df, x_df = patsy.dmatrices(formula, frame, NA_action="raise", return_type="dataframe")
    except Exception as exc:  # patsy raises PatsyError, NameError, ... with a useful message
        raise InputError(f"cannot evaluate formula {formula!r} on {where}: {exc}") from exc
    cols = [str(c) for c in y_df.columns]
    if len(cols) == 2 and cols[0].endswith("[False]") and cols[1].endswith("[True]"):
        # a boolean outcome (``any_cramp`` or ``I(cramps > 0)``): patsy makes two columns
        y_df = y_df.iloc[:, [1]].rename(columns={cols[1]: cols[1][: -len("[True]")]})
    if y_df.shape[1] != 1:
        raise InputError(
            f"the outcome of {formula!r} must be one numeric column; it expands to "
            f"{list(y_df.columns)} (is it text or categorical?)."
        )
    Z = None
    zero_terms: list[str] = []
    zero_info = None
    if zero_rhs is not None:
        try:
            z_df = patsy.dmatrix(zero_rhs, frame, NA_action="raise", return_type="dataframe")
        except Exception as exc:
            raise InputError(
                f"cannot evaluate zero formula {zero_rhs!r} on {where}: {exc}"
            ) from exc
        Z = z_df.to_numpy(dtype=float)
        zero_terms = list(z_df.columns)
        zero_info = z_df.design_info
    return Design(
        y=y_df.iloc[:, 0].to_numpy(dtype=float),
        X=x_df.to_numpy(dtype=float),
        offset=offset,
        terms=list(x_df.columns),
        outcome=str(y_df.columns[0]),
        exposure=exposure,
        rows=frame.index,
        n_dropped=n_dropped,
        dropped_by=dropped_by,
        design_info=x_df.design_info,
        Z=Z,
        zero_terms=zero_terms,
        zero_design_info=zero_info,
    )


def new_matrix(design: Design, newdata: pd.DataFrame, *, part: str = "count") -> np.ndarray:
    """Rebuild the design matrix of ``part`` ("count" or "zero") for new rows.

    Factor levels and spline knots are those of the fitted data (patsy's stateful transforms).

    Examples
    --------
    >>> df = pd.DataFrame({"y": [0, 1, 2, 1], "g": ["a", "b", "a", "b"]})
    >>> d = build_design(df, "y ~ C(g)")
    >>> new_matrix(d, pd.DataFrame({"g": ["b"]}))
    array([[1., 1.]])
    """
    info = design.design_info if part == "count" else design.zero_design_info
    if info is None:
        raise InputError(f"this model has no {part!r} part.")
    try:
        (mat,) = patsy.build_design_matrices([info], newdata, NA_action="raise")
    except Exception as exc:
        raise InputError(
            f"cannot build the model's terms from `newdata`: {exc}. Give every predictor "
            f"the model uses (terms: {', '.join(design.terms)})."
        ) from exc
    return np.asarray(mat, dtype=float)


def formula_frames(
    frame: pd.DataFrame,
    formula: str,
    *,
    outcome: bool = True,
    error: Callable[[Exception], str] | None = None,
) -> tuple[pd.DataFrame | None, pd.DataFrame]:
    """Outcome and design matrix of ``formula`` as data frames indexed like ``frame``.

    For the models that keep their rows as labelled frames (Cox, GEE, mixed model, ANCOVA);
    :func:`build_design` is the array form with the offset. A row in which a term evaluates
    to a missing value (``np.log`` of a negative number) is left out of both frames. The design
    frame keeps what :func:`frame_matrix` and :func:`term_columns` need.

    Parameters
    ----------
    frame : pandas.DataFrame
    formula : str
        ``"y ~ terms"``; with ``outcome=False`` the right-hand side alone (``"x + C(g)"`` or
        ``"~ x"``).
    outcome : bool
        Whether ``formula`` has an outcome; without one the first item returned is ``None``.
    error : callable, optional
        Turns an error of the formula into the message of an :class:`InputError`; without it
        the error propagates as it is.

    Returns
    -------
    y : pandas.DataFrame or None
    X : pandas.DataFrame

    Examples
    --------
    >>> df = pd.DataFrame({"y": [1.0, 2.0, 4.0], "x": [1.0, np.nan, 3.0]})
    >>> y, X = formula_frames(df, "y ~ np.log(x)")
    >>> X.index.tolist(), list(X.columns)
    ([0, 2], ['Intercept', 'np.log(x)'])
    """
    try:
        if outcome:
            y, X = patsy.dmatrices(formula, frame, return_type="dataframe", NA_action="drop")
            return y, X
        return None, patsy.dmatrix(formula, frame, return_type="dataframe", NA_action="drop")
    except patsy.PatsyError as exc:
        if error is None:
            raise
        raise InputError(error(exc)) from exc


def term_columns(X: pd.DataFrame) -> dict[str, slice]:
    """The columns of each term of a design frame from :func:`formula_frames`.

    Examples
    --------
    >>> df = pd.DataFrame({"x": [1.0, 2.0, 3.0], "g": ["a", "b", "c"]})
    >>> term_columns(formula_frames(df, "x + g", outcome=False)[1])
    {'Intercept': slice(0, 1, None), 'g': slice(1, 3, None), 'x': slice(3, 4, None)}
    """
    return dict(X.design_info.term_name_slices)


def frame_matrix(X: pd.DataFrame, newdata: pd.DataFrame) -> np.ndarray:
    """The design matrix of a frame from :func:`formula_frames`, rebuilt for new rows.

    Factor levels are those of the fitted data (see :func:`new_matrix`).

    Examples
    --------
    >>> df = pd.DataFrame({"y": [0.0, 1.0, 2.0, 1.0], "g": ["a", "b", "a", "b"]})
    >>> frame_matrix(formula_frames(df, "y ~ g")[1], pd.DataFrame({"g": ["b", "a"]}))
    array([[1., 1.],
           [1., 0.]])
    """
    (mat,) = patsy.build_design_matrices([X.design_info], newdata)
    return np.asarray(mat)


def formula_columns(formula: str) -> list[str]:
    """The variables the right-hand side of ``formula`` reads, sorted (``"~ x + C(g)"``...).

    Examples
    --------
    >>> formula_columns("~ session + C(arm)")
    ['C(arm)', 'session']
    """
    desc = patsy.ModelDesc.from_formula(formula)
    return sorted({f.name() for t in desc.rhs_termlist for f in t.factors})
