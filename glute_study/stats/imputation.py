"""Multiple imputation by chained equations (MICE), the way R's ``mice`` does it.

:func:`multiple_imputation` fills every missing value ``m`` times and returns the ``m``
completed data sets in an :class:`Imputations`; :meth:`Imputations.fit` runs any glute_study
analysis on each and pools the results by Rubin's rules (:func:`~glute_study.stats.pool`).

The chained equations (van Buuren & Groothuis-Oudshoorn 2011) visit the incomplete columns from
left to right, ``max_iter`` times; each column is imputed from a model on all the other usable
columns, with their current imputations. The ``m`` chains are independent and are computed
together: every model is a batch of ``m`` fits (numpy linear algebra over a leading axis), so
there is no loop over rows, and none over chains except for one sort.

* **Numbers**: predictive mean matching (``method="pmm"``, mice's default, Type-1 matching with 5
  donors). The regression coefficients are drawn from their posterior under a flat prior
  (Bayesian linear regression as mice's ``.norm.draw``: ``sigma*^2 = RSS / chi2(n_obs - p)``,
  ``beta* = beta_hat + sigma* chol((X'X + ridge)^-1) z``); the predicted values of the observed
  rows (with ``beta_hat``) are matched to those of the missing rows (with ``beta*``) and each
  missing value is taken from one of the 5 closest observed rows at random. Imputed values are
  therefore values that were observed: inside the codebook's ranges, whole where the data are
  whole. ``method="norm"`` draws from the regression itself (``beta*``, ``sigma*``) and keeps
  draws inside the codebook's limits (a draw outside is redrawn, up to 20 times, then clipped);
  a column of whole numbers gets whole numbers.
* **Binary** columns (booleans, 0/1 numbers, two-level categories) by logistic regression and
  **categories** (pandas categoricals, text with up to 50 levels) by multinomial logistic
  regression (mice's ``logreg`` and ``polyreg``), both fitted with the data augmentation of White,
  Daniel & Royston (2010) that mice uses, so that rare levels and perfect prediction cannot make
  the fit diverge; the coefficients are drawn from their approximate posterior
  ``N(beta_hat, I(beta_hat)^-1)`` before the missing values are drawn from the predicted
  probabilities (a proper imputation; mice's ``polyreg`` skips this draw).

**The outcome and the exposure belong in every imputation model.** Imputing a predictor (glute
strength) from a model without the outcome (cramps) assumes that the two are unrelated among the
athletes with a missing value, and biases the imputed association towards zero; the same holds
for the exposure of a rate (Moons et al. 2006; White, Royston & Wood 2011). Every usable column of
``data`` is a predictor of every other, so the analysis table as a whole carries the outcome; the
exposure enters as ``log(exposure)``, the scale of the rate models' offset. ``outcome=`` names the
outcome(s) explicitly: they are imputed too when incomplete (an incomplete column that is not
imputed cannot predict), and an error is raised when they are not in ``data``. For a time to event
use the event indicator and the Nelson-Aalen cumulative hazard as predictors (White & Royston
2009), e.g. from :func:`~glute_study.stats.kaplan_meier`.

Identifiers (text columns whose values do not repeat) and dates are neither imputed nor used as
predictors. The visit order, donor count (5), ridge (1e-5) and starting values (random draws from
the observed values) follow mice.

References
----------
van Buuren, S. & Groothuis-Oudshoorn, K. (2011). mice: Multivariate imputation by chained
equations in R. *Journal of Statistical Software*, 45(3), 1-67.
van Buuren, S. (2018). *Flexible Imputation of Missing Data* (2nd ed.). CRC Press, ch. 3-4.
Morris, T. P., White, I. R. & Royston, P. (2014). Tuning multiple imputation by predictive mean
matching and local residual draws. *BMC Medical Research Methodology*, 14, 75.
White, I. R., Daniel, R. & Royston, P. (2010). Avoiding bias due to perfect prediction in multiple
imputation of incomplete categorical variables. *Computational Statistics & Data Analysis*, 54,
2267-2275.
Moons, K. G. M., Donders, R. A. R. T., Stijnen, T. & Harrell, F. E. (2006). Using the outcome for
imputation of missing predictor values was preferred. *Journal of Clinical Epidemiology*, 59,
1092-1101.
White, I. R. & Royston, P. (2009). Imputing missing covariate values for the Cox model.
*Statistics in Medicine*, 28, 1982-1998.
White, I. R., Royston, P. & Wood, A. M. (2011). Multiple imputation using chained equations:
issues and guidance for practice. *Statistics in Medicine*, 30, 377-399.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._checks import check_count, check_one_of, require_columns
from ..codebook import CODEBOOK
from ..errors import InputError
from ..parallel import draw_seed
from ._result import Result
from .pooling import pool

__all__ = ["Imputations", "multiple_imputation"]

#: Donors of predictive mean matching (mice's default).
DONORS = 5
#: Ridge of the Bayesian linear regression, relative to diag(X'X) (mice's default).
RIDGE = 1e-5
#: Most levels a text column may have to be imputed or used as a category.
MAX_LEVELS = 50
_METHODS = ("pmm", "norm", "logreg", "polyreg")
_M = (1, 1000)
_ITER = (1, 1000)
_DEFAULT_EXPOSURE = "exposure_h"

#: Ranges of analysis-table columns derived from a codebook column with another name.
_DERIVED = {
    "sitting_h_day": ("sitting", "sitting_h"),
    "prolonged_sitting_h_day": ("sitting", "prolonged_sitting_h"),
    "self_report_sitting_h_day": ("sitting", "sitting_h"),
    "glute_pct_mvic": ("activation", "amplitude_pct_mvic"),
    "hamstring_pct_mvic": ("activation", "amplitude_pct_mvic"),
}
#: Limits (and whole-number flag) of derived columns with no codebook column of their own.
_DERIVED_LIMITS = {
    "glute_nm_kg": (0.0, None, False),
    "glute_nm_kg_post": (0.0, None, False),
    "bridge_reps": (0.0, None, False),
    "glute_onset_delay_ms": (-7000.0, 7000.0, False),
    "hamstring_glute_ratio": (0.0, None, False),
    "exposure_h": (0.0, None, False),
    "sessions": (0.0, None, True),
    "cramps": (0.0, None, True),
    "hamstring_cramps": (0.0, None, True),
    "sitting_days": (0.0, None, True),
    "breaks_per_sitting_h": (0.0, None, False),
    "follow_up_days": (1.0, None, True),
}


def codebook_limits(name: str) -> tuple[float, float, bool]:
    """Hard limits ``(low, high, whole)`` of a column by its codebook entry; open when unknown.

    Examples
    --------
    >>> codebook_limits("age"), codebook_limits("sitting_h_day")
    ((10.0, 100.0, False), (0.0, 24.0, False))
    >>> codebook_limits("not_in_the_codebook")
    (-inf, inf, False)
    """
    table_col = _DERIVED.get(name)
    cols = []
    for table in CODEBOOK.values():
        for col in table.columns:
            if (table_col and (table.name, col.name) == table_col) or (
                    not table_col and col.name == name):
                cols.append(col)
    if cols and cols[0].dtype in ("number", "integer"):
        c = cols[0]
        return (-math.inf if c.minimum is None else float(c.minimum),
                math.inf if c.maximum is None else float(c.maximum), c.dtype == "integer")
    if name in _DERIVED_LIMITS:
        lo, hi, whole = _DERIVED_LIMITS[name]
        return (-math.inf if lo is None else lo, math.inf if hi is None else hi, whole)
    return (-math.inf, math.inf, False)


# ------------------------------------------------------------------------------------------------
# result
# ------------------------------------------------------------------------------------------------
@dataclass(eq=False)
class Imputations:
    """The ``m`` completed data sets of :func:`multiple_imputation`, and how they were made.

    Attributes
    ----------
    datasets : list of pandas.DataFrame
        The completed data sets: copies of ``data`` (same columns, index, dtypes and
        ``attrs``) with the missing values of the imputed columns filled in.
    missing : pandas.DataFrame
        One row per column of ``data``: ``column, n_missing, pct_missing, method`` (``pmm``,
        ``norm``, ``logreg``, ``polyreg``; ``complete``; or why it was not imputed) and
        ``predictor`` (whether it entered the other columns' models).
    m, max_iter, seed : int
        Number of imputations, iterations of the chained equations and the seed (repeat the
        run with it).
    chain_means : pandas.DataFrame
        ``iteration, column, imputation, mean`` of the imputed values of each numeric (or 0/1)
        column: trace plots of it show whether the chains have mixed (mice's ``chainMean``).
    notes : list of str
        What the user should know (no missing values, columns left out...).
    """

    datasets: list[pd.DataFrame]
    missing: pd.DataFrame
    m: int
    max_iter: int
    seed: int
    chain_means: pd.DataFrame
    notes: list[str] = field(default_factory=list)

    def fit(self, analysis: Callable[..., Result], *args: Any, **kwargs: Any) -> Result:
        """Run ``analysis(dataset, *args, **kwargs)`` on every completed data set and pool it.

        A ``seed`` of the analysis (the bootstrap of :func:`~glute_study.stats.mediation`)
        is spawned into one independent seed per data set, from ``seed=`` when given, else
        from the imputation seed, so that the pooled result repeats exactly.

        Examples
        --------
        >>> from glute_study.stats import count_model
        >>> rng = np.random.default_rng(3)
        >>> df = pd.DataFrame({"x": rng.normal(size=200), "exposure_h": rng.uniform(50, 150, 200)})
        >>> df["y"] = rng.poisson(df.exposure_h / 100 * np.exp(0.5 * df.x))
        >>> df.loc[rng.random(200) < 0.2, "x"] = np.nan
        >>> imp = multiple_imputation(df, m=5, seed=1)
        >>> res = imp.fit(count_model, "y ~ x", family="poisson")
        >>> list(res.table.term), bool(res.table.fmi.iloc[1] > 0)
        (['Intercept', 'x'], True)
        """
        if not callable(analysis):
            raise InputError(f"`analysis` must be a glute_study analysis function (such as "
                             f"count_model); got {type(analysis).__name__}.")
        if self.m == 1:
            raise InputError("one imputation cannot be pooled; impute with m >= 2.")
        try:
            takes_seed = "seed" in inspect.signature(analysis).parameters
        except (TypeError, ValueError):
            takes_seed = False
        seeds = None
        if takes_seed:
            base = kwargs.pop("seed", None)
            children = np.random.SeedSequence(self.seed if base is None else draw_seed(base))
            # 32-bit seeds: what the analyses accept
            seeds = [int(c.generate_state(1, dtype=np.uint32)[0]) for c in
                     children.spawn(self.m)]
        results = []
        for i, data in enumerate(self.datasets):
            kw = dict(kwargs) if seeds is None else {**kwargs, "seed": seeds[i]}
            res = analysis(data, *args, **kw)
            if not isinstance(res, Result):
                raise InputError(f"`analysis` must return a glute_study Result; "
                                 f"{getattr(analysis, '__name__', analysis)!r} returned "
                                 f"{type(res).__name__}.")
            results.append(res)
        pooled = pool(results)
        pooled.diagnostics["imputation_seed"] = self.seed
        pooled.diagnostics["analysis_seeds"] = seeds
        pooled.diagnostics["missing"] = self.missing
        return pooled

    def long(self) -> pd.DataFrame:
        """All completed data sets stacked, with ``imputation`` (1..m) first (mice's "long").

        Examples
        --------
        >>> df = pd.DataFrame({"a": [1.0, np.nan, 3.0, 4.0, 5.0], "b": [1.0, 2.0, 3.0, 2.0, 1.0]})
        >>> multiple_imputation(df, m=2, seed=1).long().shape
        (10, 3)
        """
        frames = [d.assign(imputation=i + 1) for i, d in enumerate(self.datasets)]
        out = pd.concat(frames)
        return out[["imputation", *self.datasets[0].columns]]

    def __repr__(self) -> str:
        imputed = self.missing[self.missing.method.isin((*_METHODS, "constant"))]
        lines = [f"<Imputations: m = {self.m}, {self.max_iter} iterations, seed {self.seed}; "
                 f"{len(imputed)} column(s) imputed>",
                 imputed.to_string(index=False) if len(imputed) else "(nothing to impute)"]
        lines += [f"Note: {n}" for n in self.notes]
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------------
# columns
# ------------------------------------------------------------------------------------------------
@dataclass(eq=False)
class _Column:
    name: str
    kind: str  # "numeric", "binary" or "category"
    values: np.ndarray  # (n,) floats: numbers, or level codes 0..K-1; NaN where missing
    miss: np.ndarray  # (n,) bool
    levels: list | None = None  # the observed levels, in order, for binary and category
    source: str = "numeric"  # "numeric", "bool", "numeric01" or "levels": how values map back
    log: bool = False  # enters other models as log(value) (the exposure)
    method: str = ""
    impute: bool = False
    predictor: bool = True
    limits: tuple[float, float] = (-math.inf, math.inf)
    whole: bool = False

    @property
    def k(self) -> int:
        return 1 if self.kind == "numeric" else len(self.levels)


def _is_bool_like(s: pd.Series) -> bool:
    if pd.api.types.is_bool_dtype(s.dtype):
        return True
    if s.dtype == object:
        obs = s.dropna()
        return len(obs) > 0 and all(isinstance(v, (bool, np.bool_)) for v in obs)
    return False


def _classify(s: pd.Series, n_obs: int) -> tuple[str, list | None, str] | str:
    """``(kind, levels, source)`` of a column, or why it can neither be imputed nor predict."""
    obs = s.dropna()
    if pd.api.types.is_datetime64_any_dtype(s.dtype) or pd.api.types.is_timedelta64_dtype(s):
        return "a date or time"
    if _is_bool_like(s):
        return "binary", [False, True], "bool"
    if isinstance(s.dtype, pd.CategoricalDtype):
        levels = [c for c in s.cat.categories if (obs == c).any()]
        return ("binary" if len(levels) == 2 else "category"), levels, "levels"
    if pd.api.types.is_numeric_dtype(s.dtype):
        values = obs.to_numpy(float)
        if len(values) and np.isin(values, (0.0, 1.0)).all() and len(np.unique(values)) == 2:
            return "binary", [0.0, 1.0], "numeric01"
        return "numeric", None, "numeric"
    uniq = pd.unique(obs)
    if len(uniq) > MAX_LEVELS or (len(uniq) == len(obs) and len(obs) > MAX_LEVELS // 5):
        return "an identifier or free text"
    try:
        levels = sorted(uniq)
    except TypeError:
        levels = list(uniq)
    return ("binary" if len(levels) == 2 else "category"), levels, "levels"


def _columns(data, columns, method, exposure, outcome) -> tuple[list[_Column], list[str]]:
    n = len(data)
    notes: list[str] = []
    cols: list[_Column] = []
    targets = None if columns is None else list(columns)
    for name in data.columns:
        s = data[name]
        miss = s.isna().to_numpy()
        n_obs = int((~miss).sum())
        if n_obs == 0:
            wanted = targets is None or name in targets or name in outcome
            if wanted:
                raise InputError(f"column {name!r} has no observed values (all {n} missing): "
                                 "there is nothing to impute it from. Drop it from `data` (or "
                                 "from `columns`).")
            continue
        kind = _classify(s, n_obs)
        want = miss.any() and (targets is None or name in targets or name in outcome)
        if isinstance(kind, str):
            if want and (targets is not None and name in targets or name in outcome):
                raise InputError(f"column {name!r} is {kind} and cannot be imputed; leave it out "
                                 "of `columns`.")
            if miss.any():
                notes.append(f"{name!r} ({kind}) has {int(miss.sum())} missing value(s) that "
                             "were not imputed.")
            continue
        kind, levels, source = kind
        if source in ("numeric", "numeric01"):
            values = s.to_numpy(dtype=float, na_value=np.nan)
        elif source == "bool":
            values = np.full(n, np.nan)
            values[~miss] = s[~miss].astype(bool).to_numpy(float)
        else:
            values = np.full(n, np.nan)
            codes = pd.Categorical(s[~miss], categories=levels).codes
            values[~miss] = codes
        col = _Column(name, kind, values, miss, levels, source, log=name == exposure)
        if col.log and (values[~miss] <= 0).any():
            col.log = False
            notes.append(f"exposure {name!r} has values <= 0, so it predicts as it is, not as "
                         "its logarithm.")
        if kind == "numeric" and np.ptp(values[~miss]) == 0:
            col.predictor = False  # a constant predicts nothing
        if want:
            default = {"numeric": method.get("*", "pmm"), "binary": "logreg",
                       "category": "polyreg"}[kind]
            col.method = method.get(name, default)
            if kind == "numeric" and col.method not in ("pmm", "norm"):
                raise InputError(f"column {name!r} holds numbers; its method must be 'pmm' or "
                                 f"'norm', got {col.method!r}.")
            if kind != "numeric" and col.method in ("pmm", "norm"):
                col.method = default  # categories are always modelled as categories
            col.impute = True
            lo, hi, whole = codebook_limits(name)
            col.limits = (lo, hi)
            observed = values[~miss]
            col.whole = whole or bool(np.all(observed == np.round(observed)))
            if kind != "numeric" and len(levels) < 2:
                col.method = "constant"
                notes.append(f"{name!r} has a single observed value ({levels[0]!r}); its "
                             "missing values were set to it.")
        elif miss.any():
            col.predictor = False
            notes.append(f"{name!r} has {int(miss.sum())} missing value(s) and is not in "
                         "`columns`: it was not imputed and predicts nothing.")
        cols.append(col)
    return cols, notes


# ------------------------------------------------------------------------------------------------
# the public function
# ------------------------------------------------------------------------------------------------
def multiple_imputation(data: pd.DataFrame, *, m: int = 20, columns: Sequence[str] | None = None,
                        method: str | Mapping[str, str] = "pmm", seed: int | None = None,
                        max_iter: int = 10, exposure: str | None = _DEFAULT_EXPOSURE,
                        outcome: str | Sequence[str] | None = None) -> Imputations:
    """Impute the missing values of ``data`` ``m`` times by chained equations (MICE).

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis table (one row per athlete), e.g. ``Study.analysis_table()``. Every usable
        column predicts every other; keep the outcome and the exposure in it.
    m : int
        Number of imputed data sets (1 to 1000). 20 or more keeps the Monte Carlo error of the
        pooled intervals small (White, Royston & Wood 2011: at least the percentage of
        incomplete cases).
    columns : sequence of str, optional
        Columns to impute; by default every incomplete column that can be. An incomplete column
        not imputed is not a predictor either.
    method : {"pmm", "norm"} or mapping
        Method for numeric columns (predictive mean matching or Bayesian normal regression), or
        a mapping of column to method (``"pmm"``, ``"norm"``, ``"logreg"``, ``"polyreg"``;
        key ``"*"`` for the rest). Binary and categorical columns always use ``logreg`` and
        ``polyreg``.
    seed : int, optional
        Seed (0 to 2**32 - 1); the same seed gives the same data sets, byte for byte. Without
        one a seed is drawn and recorded in ``.seed``.
    max_iter : int
        Iterations of the chained equations (1 to 1000; mice uses 5, 10 is safer).
    exposure : str or None
        Exposure column (hours), a predictor as ``log(exposure)``. The default ``exposure_h`` is
        used when ``data`` has it; None treats every column as it is.
    outcome : str or sequence of str, optional
        Outcome column(s) of the analysis: always imputed when incomplete, so that they are in
        every imputation model; an error when not in ``data``.

    Returns
    -------
    Imputations
        ``.datasets`` (the ``m`` completed frames), ``.missing`` (per column: missing count,
        method), ``.fit(analysis, ...)`` to analyse and pool.

    Raises
    ------
    InputError
        ``data`` not a DataFrame or empty; an unknown column; a column to impute that has no
        observed value or is an identifier or date; an unknown method; ``m`` or ``max_iter``
        out of range.

    Notes
    -----
    With no missing value the ``m`` data sets are identical copies (and ``.notes`` says so);
    pooling them gives the complete-data result with ``b = 0``. See the module docstring for
    the models and why the outcome and exposure must be in them.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"sitting_h_day": rng.normal(9, 1.5, 300),
    ...                    "exposure_h": rng.uniform(50, 200, 300),
    ...                    "sex": pd.Categorical(rng.choice(["female", "male"], 300))})
    >>> df["glute_nm_kg"] = 2.5 - 0.1 * df.sitting_h_day + rng.normal(0, 0.3, 300)
    >>> df["cramps"] = rng.poisson(df.exposure_h / 100 * np.exp(-0.5 * df.glute_nm_kg))
    >>> df.loc[df.cramps > 0, "glute_nm_kg"] = df.glute_nm_kg.where(rng.random(300) > 0.4)
    >>> df.loc[rng.random(300) < 0.1, "sex"] = np.nan
    >>> imp = multiple_imputation(df, m=5, seed=7)
    >>> print(imp.missing[["column", "n_missing", "method"]].to_string(index=False))
           column  n_missing   method
    sitting_h_day          0 complete
       exposure_h          0 complete
              sex         28   logreg
      glute_nm_kg         51      pmm
           cramps          0 complete
    >>> [int(d.isna().sum().sum()) for d in imp.datasets], imp.datasets[0].sex.dtype.name
    ([0, 0, 0, 0, 0], 'category')
    """
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"`data` must be a pandas DataFrame; got {type(data).__name__}.")
    if len(data) < 2:
        raise InputError(f"`data` needs at least 2 rows to impute from; it has {len(data)}.")
    if not data.columns.is_unique:
        dup = data.columns[data.columns.duplicated()].unique().tolist()
        raise InputError(f"`data` has duplicated column names {dup}; rename them first.")
    m = check_count("m", m, _M)
    max_iter = check_count("max_iter", max_iter, _ITER)
    seed = draw_seed(seed)
    if isinstance(method, str):
        check_one_of("method", method, ("pmm", "norm"))
        methods = {"*": method}
    elif isinstance(method, Mapping):
        methods = dict(method)
        for key, val in methods.items():
            check_one_of(f"method[{key!r}]", val, _METHODS)
        require_columns(data, [k for k in methods if k != "*"], where="`data` (from `method`)")
    else:
        raise InputError(f"`method` must be 'pmm', 'norm' or a mapping of column to method; got "
                         f"{type(method).__name__}.")
    if columns is not None:
        columns = [columns] if isinstance(columns, str) else list(columns)
        require_columns(data, columns, where="`data` (from `columns`)")
    outcomes = [] if outcome is None else ([outcome] if isinstance(outcome, str)
                                           else list(outcome))
    require_columns(data, outcomes, where="`data` (from `outcome`)")
    if exposure is not None and exposure not in data.columns:
        if exposure != _DEFAULT_EXPOSURE:
            require_columns(data, [exposure], where="`data` (from `exposure`)")
        exposure = None
    if exposure is not None and columns is not None and exposure not in columns \
            and data[exposure].isna().any():
        columns.append(exposure)  # an incomplete exposure must be imputed to predict

    cols, notes = _columns(data, columns, methods, exposure, outcomes)
    for name in outcomes:
        if not any(c.name == name and c.predictor for c in cols):
            raise InputError(f"outcome {name!r} cannot enter the imputation models (it is not "
                             "numeric, binary or a category).")
    targets = [c for c in cols if c.impute]
    rng = np.random.default_rng(seed)
    if not targets:
        notes.insert(0, "no missing values to impute: the data sets are identical copies.")
        datasets = [data.copy(deep=True) for _ in range(m)]
        trace = pd.DataFrame(columns=["iteration", "column", "imputation", "mean"])
    else:
        imputed, trace = _mice(cols, targets, m, max_iter, rng)
        datasets = [_complete(data, targets, imputed, i) for i in range(m)]
    return Imputations(datasets, _missing_table(data, cols, notes), m, max_iter, seed, trace,
                       notes)


def _missing_table(data: pd.DataFrame, cols: list[_Column], notes: list[str]) -> pd.DataFrame:
    info = {c.name: c for c in cols}
    recs = []
    for name in data.columns:
        n_miss = int(data[name].isna().sum())
        c = info.get(name)
        if c is None:
            how = "not used" if n_miss < len(data) else "all missing"
        elif c.impute:
            how = c.method
        elif n_miss:
            how = "not imputed"
        else:
            how = "complete"
        recs.append({"column": name, "n_missing": n_miss,
                     "pct_missing": 100.0 * n_miss / len(data), "method": how,
                     "predictor": bool(c is not None and c.predictor)})
    return pd.DataFrame.from_records(recs)


# ------------------------------------------------------------------------------------------------
# the chained equations, m chains at once
# ------------------------------------------------------------------------------------------------
def _mice(cols, targets, m, max_iter, rng):
    """Run the chains; returns {column: (m, n_missing) imputed values} and the trace table."""
    n = len(cols[0].values)
    preds = [c for c in cols if c.predictor]
    # current values per chain (m, n), missing entries started at random observed values
    current = {}
    for c in targets:
        vals = np.broadcast_to(c.values, (m, n)).copy()
        obs = c.values[~c.miss]
        vals[:, c.miss] = obs[rng.integers(0, len(obs), size=(m, int(c.miss.sum())))]
        current[c.name] = vals
    # design blocks: numeric standardised by the observed mean and sd; categories as dummies
    blocks, width = {}, 0
    for c in preds:
        w = 1 if c.kind != "category" else c.k - 1
        blocks[c.name] = slice(width, width + w)
        width += w
    D = np.empty((m, n, width))
    scale = {}
    for c in preds:
        if c.kind == "numeric":
            obs = c.values[~c.miss]
            obs = np.log(obs) if c.log else obs
            scale[c.name] = (obs.mean(), obs.std() or 1.0)
        _set_block(D, blocks[c.name], c, current.get(c.name, c.values[None, :]), scale)
    start: dict[str, np.ndarray] = {}
    trace = []
    for it in range(1, max_iter + 1):
        for c in targets:
            keep = np.ones(width, bool)
            if c.name in blocks:
                keep[blocks[c.name]] = False
            X = np.concatenate([np.ones((m, n, 1)), D[:, :, keep]], axis=2)
            X = X[:, :, np.r_[True, (X[:, :, 1:].std(axis=1) > 0).any(axis=0)]]
            if c.method == "constant":
                new = np.zeros((m, int(c.miss.sum())))
            elif c.kind == "numeric":
                new = _numeric_draw(X, c, rng)
            else:
                new, start[c.name] = _category_draw(X, c, rng, start.get(c.name))
            current[c.name][:, c.miss] = new
            if c.name in blocks:
                _set_block(D, blocks[c.name], c, current[c.name], scale)
            if c.kind != "category":
                trace.append(pd.DataFrame({"iteration": it, "column": c.name,
                                           "imputation": np.arange(1, m + 1),
                                           "mean": new.mean(axis=1)}))
    trace = pd.concat(trace, ignore_index=True) if trace else pd.DataFrame(
        columns=["iteration", "column", "imputation", "mean"])
    return {c.name: current[c.name][:, c.miss] for c in targets}, trace


def _set_block(D, sl, c: _Column, vals: np.ndarray, scale) -> None:
    vals = np.broadcast_to(vals, (D.shape[0], D.shape[1]))
    if c.kind == "numeric":
        mu, sd = scale[c.name]
        D[:, :, sl] = (((np.log(vals) if c.log else vals) - mu) / sd)[:, :, None]
    elif c.kind == "binary":
        D[:, :, sl] = vals[:, :, None]
    else:
        D[:, :, sl] = (vals[:, :, None] == np.arange(1, c.k)[None, None, :])


def _bayes_regression(X, y, rng):
    """mice's .norm.draw for m chains: beta_hat, beta_star (m, p), sigma_star (m,)."""
    m, n_obs, p = X.shape
    Xt = np.swapaxes(X, 1, 2)
    xtx = Xt @ X
    xtx += (RIDGE * np.einsum("mpp->mp", xtx)[:, :, None] + 1e-8) * np.eye(p)
    xty = Xt @ y
    L = np.linalg.cholesky(xtx)
    beta = np.linalg.solve(xtx, xty[:, :, None])[:, :, 0]
    resid = y[None, :] - (X @ beta[:, :, None])[:, :, 0]
    df = max(n_obs - p, 1)
    sigma = np.sqrt((resid**2).sum(axis=1) / rng.chisquare(df, size=m))
    z = rng.standard_normal((m, p, 1))
    # (L L')^-1 = L'^-1 L^-1, so L'^-1 z has covariance (X'X)^-1
    step = np.linalg.solve(np.swapaxes(L, 1, 2), z)[:, :, 0]
    return beta, beta + sigma[:, None] * step, sigma


def _numeric_draw(X, c: _Column, rng) -> np.ndarray:
    obs, mis = ~c.miss, c.miss
    y = c.values[obs]
    beta, beta_star, sigma = _bayes_regression(X[:, obs], y, rng)
    Xm = X[:, mis]
    if c.method == "pmm":
        yhat_obs = (X[:, obs] @ beta[:, :, None])[:, :, 0]
        yhat_mis = (Xm @ beta_star[:, :, None])[:, :, 0]
        return y[_match(yhat_obs, yhat_mis, rng)]
    draw = (Xm @ beta_star[:, :, None])[:, :, 0]
    lo, hi = c.limits
    out = draw + sigma[:, None] * rng.standard_normal(draw.shape)
    for _ in range(20):
        bad = (out < lo) | (out > hi)
        if not bad.any():
            break
        redo = draw + sigma[:, None] * rng.standard_normal(draw.shape)
        out = np.where(bad, redo, out)
    out = np.clip(out, lo, hi)
    if c.whole:
        out = np.clip(np.round(out), math.ceil(lo) if np.isfinite(lo) else lo,
                      math.floor(hi) if np.isfinite(hi) else hi)
    return out


def _match(yhat_obs: np.ndarray, yhat_mis: np.ndarray, rng) -> np.ndarray:
    """Index of the observed donor of each missing row: one of the ``DONORS`` nearest, at random."""
    m, n_obs = yhat_obs.shape
    k = min(DONORS, n_obs)
    width = min(2 * k, n_obs)
    order = np.argsort(yhat_obs, axis=1, kind="stable")
    sorted_obs = np.take_along_axis(yhat_obs, order, axis=1)
    pos = np.stack([np.searchsorted(sorted_obs[i], yhat_mis[i]) for i in range(m)])
    first = np.clip(pos - k, 0, n_obs - width)
    window = first[:, :, None] + np.arange(width)  # (m, n_mis, width) sorted positions
    near_obs = np.take_along_axis(sorted_obs, window.reshape(m, -1), axis=1)
    dist = np.abs(near_obs.reshape(window.shape) - yhat_mis[:, :, None])
    # random tie-breaking as mice does: a tiny jitter below any real difference
    dist = dist + rng.uniform(0, 1e-12, size=dist.shape) * (1 + np.abs(dist))
    near = np.argpartition(dist, k - 1, axis=2)[:, :, :k] if k < width else np.broadcast_to(
        np.arange(width), dist.shape)
    pick = np.take_along_axis(near, rng.integers(0, k, size=near.shape[:2] + (1,)), axis=2)
    chosen = np.take_along_axis(window, pick, axis=2)[:, :, 0]
    return np.take_along_axis(order, chosen, axis=1)


def _augment(X: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """White-Daniel-Royston pseudo-rows (mice's ``augment``): 2 per predictor and level."""
    m, n, p = X.shape
    q = p - 1  # predictors besides the intercept
    if q == 0:
        return np.empty((m, 0, p)), np.empty(0, int), np.empty(0)
    Z = X[:, :, 1:]
    mean, sd = Z.mean(axis=1), Z.std(axis=1, ddof=1)
    lo, hi = Z.min(axis=1), Z.max(axis=1)
    nr = 2 * q * k
    shift = np.zeros((nr, q))
    rows = np.arange(nr)
    j = rows // (2 * k)  # the predictor each pseudo-row moves
    shift[rows, j] = np.where(rows % 2 == 0, 0.5, -0.5)
    A = mean[:, None, :] + shift[None] * sd[:, None, :]
    A = np.clip(A, lo[:, None, :], hi[:, None, :])
    Xa = np.concatenate([np.ones((m, nr, 1)), A], axis=2)
    ya = (rows // 2) % k
    wa = np.full(nr, (q + 1) / nr)
    return Xa, ya, wa


def _category_draw(X, c: _Column, rng, start):
    """Logistic (K = 2) or multinomial logistic imputation for m chains; returns codes, fit."""
    obs, mis = ~c.miss, c.miss
    K = c.k
    y = c.values[obs].astype(int)
    Xa, ya, wa = _augment(X[:, obs], K)
    Xf = np.concatenate([X[:, obs], Xa], axis=1)
    yf = np.concatenate([y, ya])
    w = np.concatenate([np.ones(len(y)), wa])
    m, p = X.shape[0], X.shape[2]
    size = p * (K - 1)
    # chains in groups so that the information matrices stay below about 40 MB
    group = max(1, min(m, int(5e6 // (size * size))))
    beta = np.empty((m, p, K - 1))
    draw = np.empty((m, p, K - 1))
    z = rng.standard_normal((m, size, 1))
    for g in range(0, m, group):
        sl = slice(g, min(m, g + group))
        st = None if start is None or start.shape != beta.shape else start[sl]
        beta[sl], info = _multinomial(Xf[sl], yf, w, K, st)
        L = np.linalg.cholesky(info)
        step = np.linalg.solve(np.swapaxes(L, 1, 2), z[sl])[:, :, 0]
        draw[sl] = beta[sl] + step.reshape(-1, p, K - 1)
    prob = _softmax(X[:, mis] @ draw)
    u = rng.random(prob.shape[:2])
    codes = (np.cumsum(prob, axis=2)[:, :, :-1] < u[:, :, None]).sum(axis=2)
    return codes.astype(float), beta


def _softmax(eta: np.ndarray) -> np.ndarray:
    full = np.concatenate([np.zeros(eta.shape[:-1] + (1,)), eta], axis=-1)
    full -= full.max(axis=-1, keepdims=True)
    np.exp(full, out=full)
    full /= full.sum(axis=-1, keepdims=True)
    return full


def _multinomial(X, y, w, K, start, tol=1e-8, max_iter=50):
    """Weighted multinomial logistic regression by Newton, m fits at once (level 0 reference).

    Returns the coefficients (m, p, K-1) and the information matrix (m, p(K-1), p(K-1)), with
    a ridge of 1e-6 per coefficient so that it is positive definite.
    """
    m, n, p = X.shape
    Y = (y[:, None] == np.arange(1, K)[None, :]).astype(float)  # (n, K-1)
    beta = np.zeros((m, p, K - 1)) if start is None or start.shape != (m, p, K - 1) else \
        start.copy()
    ridge = 1e-6 * np.eye(p * (K - 1))
    Xt = np.swapaxes(X, 1, 2)
    for _ in range(max_iter):
        P = _softmax(X @ beta)[:, :, 1:]  # (m, n, K-1)
        grad = Xt @ (w[None, :, None] * (Y[None] - P))
        info = np.empty((m, p, K - 1, p, K - 1))
        for a in range(K - 1):
            for b in range(a, K - 1):
                wt = w[None, :] * P[:, :, a] * ((a == b) - P[:, :, b])
                blk = Xt @ (X * wt[:, :, None])
                info[:, :, a, :, b] = blk
                info[:, :, b, :, a] = np.swapaxes(blk, 1, 2)
        info = info.reshape(m, p * (K - 1), p * (K - 1)) + ridge
        step = np.linalg.solve(info, grad.reshape(m, -1, 1))[:, :, 0]
        big = np.abs(step).max(axis=1, keepdims=True)
        step = step * np.minimum(1.0, 5.0 / np.maximum(big, 1e-300))  # damp wild first steps
        beta = beta + step.reshape(m, p, K - 1)
        if big.max() < tol:
            break
    return beta, info


# ------------------------------------------------------------------------------------------------
# back to the user's frame
# ------------------------------------------------------------------------------------------------
def _complete(data: pd.DataFrame, targets, imputed, i: int) -> pd.DataFrame:
    filled_cols = {}
    for c in targets:
        vals = imputed[c.name][i]
        s = data[c.name]
        if c.kind == "numeric":
            new = vals
            if pd.api.types.is_integer_dtype(s.dtype):
                new = np.round(vals).astype(np.int64)
        elif c.source == "numeric01":
            new = vals.astype(np.int64) if pd.api.types.is_integer_dtype(s.dtype) else vals
        elif c.source == "bool":
            new = vals.astype(bool)
            if s.dtype == object:
                new = [bool(v) for v in new]
        else:
            new = [c.levels[j] for j in vals.astype(int)]
        filled = s.copy()
        filled.iloc[np.flatnonzero(c.miss)] = new
        filled_cols[c.name] = filled
    # one new frame (setting columns one by one would split and copy its blocks each time)
    out = pd.concat([filled_cols.get(name, data[name]).copy() for name in data.columns], axis=1,
                    copy=False)
    out.columns = data.columns
    out.attrs = dict(data.attrs)
    return out
