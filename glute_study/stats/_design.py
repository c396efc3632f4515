"""Formula -> model matrices, with the log-exposure offset and honest handling of missing rows.

One place turns ``data`` plus a Wilkinson formula (patsy syntax, as in R) into the arrays every
model fits: the outcome ``y``, the design matrix ``X`` with the formula's own column names, the
offset ``log(exposure)`` and, for two-part count models, a second matrix ``Z``. Both
:func:`glute_study.stats.counts.count_model` and the mediation/bootstrap code build on it, so the
offset can never be lost between fitting, prediction and resampling.

Rows with a missing value in any column the model uses are dropped, and the drop is never silent:
a :class:`~glute_study.errors.GluteStudyWarning` says how many rows went and which columns caused
it, and :attr:`Design.n_dropped` keeps the count for the result's diagnostics.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import patsy

from .._checks import require_columns
from ..errors import GluteStudyWarning, InputError

__all__ = ["Design", "build_design", "new_matrix"]

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


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
        When rows are dropped for missing values (how many, and which columns).

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

    frame = data
    missing = frame[used].isna()
    dropped_by = {c: int(v) for c, v in missing.sum().items() if v > 0}
    keep = ~missing.any(axis=1)
    n_dropped = int((~keep).sum())
    if n_dropped:
        detail = ", ".join(f"{c}: {v}" for c, v in dropped_by.items())
        warnings.warn(
            f"dropped {n_dropped} of {len(frame)} rows with missing values in the model's "
            f"columns ({detail}); impute or filter them first to silence this warning.",
            GluteStudyWarning,
            stacklevel=stacklevel,
        )
    frame = frame.loc[keep]
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
