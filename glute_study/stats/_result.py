"""The result every analysis returns, and the APA number formats its sentences use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._checks import check_level
from .._escape import html_text, printable
from ..errors import InputError

#: Columns every result table starts with, in this order.
TABLE_COLUMNS = ("term", "estimate", "ci_low", "ci_high", "p_value")


@dataclass(eq=False)
class Result:
    """What an analysis returns.

    Attributes
    ----------
    table : pandas.DataFrame
        Tidy, one row per term or contrast; always starts with ``term, estimate, ci_low,
        ci_high, p_value`` and may carry model-specific columns after them.
    text : str
        APA-style sentences for the key results, ready to paste.
    diagnostics : dict
        The checks that matter for the model (dispersion, convergence, events per parameter...).
    model : object or None
        The underlying fitted object (statsmodels results, ...), where one exists.
    name : str
        A short name for the analysis, used in reports.
    level : float or None
        The confidence level of every interval in the result (0.95 for 95 % intervals); None
        for a result without intervals (an analytic power calculation).
    kind : str
        What analysis made the result (``"kaplan_meier"``, ``"dose_response"``...): the figure
        functions check it. It is ``name`` when not given.
    frames : dict of str to pandas.DataFrame
        Named tidy tables beside ``table`` that plots draw (``"curve"``, ``"pairs"``,
        ``"sensitivity"``...); read one with :meth:`frame`.

    Examples
    --------
    >>> table = pd.DataFrame({"term": ["x"], "estimate": [1.0], "ci_low": [0.5],
    ...                       "ci_high": [2.0], "p_value": [0.3]})
    >>> res = Result(table, "", name="demo", level=0.9,
    ...              frames={"curve": pd.DataFrame({"x": [0.0, 1.0]})})
    >>> res.kind, res.level, list(res.frame("curve").columns)
    ('demo', 0.9, ['x'])
    """

    table: pd.DataFrame
    text: str
    diagnostics: dict[str, Any] = field(default_factory=dict)
    model: Any = None
    name: str = "result"
    level: float | None = 0.95
    kind: str = ""
    frames: dict[str, pd.DataFrame] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.table = tidy_table(self.table)
        if self.level is not None:
            self.level = check_level(self.level)
        if not self.kind:
            self.kind = self.name

    def frame(self, name: str) -> pd.DataFrame:
        """The tidy frame ``name`` (one of :attr:`frames`); an InputError names those there are.

        Examples
        --------
        >>> table = pd.DataFrame({"term": ["x"], "estimate": [1.0], "ci_low": [0.5],
        ...                       "ci_high": [2.0], "p_value": [0.3]})
        >>> Result(table, "", name="demo").frame("curve")
        Traceback (most recent call last):
        ...
        glute_study.errors.InputError: Result 'demo' has no frame 'curve' (it has: none).
        """
        if name not in self.frames:
            has = ", ".join(repr(k) for k in self.frames) or "none"
            raise InputError(f"Result {self.name!r} has no frame {name!r} (it has: {has}).")
        return self.frames[name]

    @property
    def level_pct(self) -> str:
        """The level as a percentage for labels: ``'95'`` at 0.95, ``'90'`` at 0.9.

        Examples
        --------
        >>> table = pd.DataFrame({"term": ["x"], "estimate": [1.0], "ci_low": [0.5],
        ...                       "ci_high": [2.0], "p_value": [0.3]})
        >>> Result(table, "", level=0.9).level_pct
        '90'
        """
        return level_pct(0.95 if self.level is None else self.level)

    def __repr__(self) -> str:
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            return f"<{self.name}>\n{self.table.to_string(index=False)}\n\n{self.text}"

    def _repr_html_(self) -> str:
        """The notebook display: name, table and sentences, every typed character escaped.

        MathJax on the page is told to leave it alone, so a typed ``$x$`` is not typeset.

        Examples
        --------
        >>> table = pd.DataFrame({"term": ["<b>x</b>"], "estimate": [1.0], "ci_low": [0.5],
        ...                       "ci_high": [2.0], "p_value": [0.3]})
        >>> page = Result(table, "<script>alert(1)</script>", name="a & b")._repr_html_()
        >>> "<script>" in page, "&lt;script&gt;" in page, "&lt;b&gt;x&lt;/b&gt;" in page
        (False, True, True)
        """
        table = self.table.map(lambda v: printable(v) if isinstance(v, str) else v)
        table.columns = [printable(c) for c in table.columns]
        # tex2jax_ignore: the notebook page's MathJax must not read a typed $x$ as maths
        return (f'<div class="tex2jax_ignore"><p><b>{html_text(self.name)}</b></p>'
                f"{table.to_html(index=False, escape=True)}<p>{html_text(self.text)}</p></div>")


def tidy_table(table: pd.DataFrame) -> pd.DataFrame:
    """Put the standard columns first, check they are all there, reset the index.

    Examples
    --------
    >>> t = tidy_table(pd.DataFrame({"p_value": [0.5], "term": ["x"], "estimate": [1.0],
    ...                              "ci_low": [0.5], "ci_high": [2.0], "se": [0.1]}))
    >>> list(t.columns)
    ['term', 'estimate', 'ci_low', 'ci_high', 'p_value', 'se']
    """
    missing = [c for c in TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(f"result table lacks the standard columns {missing}")
    rest = [c for c in table.columns if c not in TABLE_COLUMNS]
    out = table[list(TABLE_COLUMNS) + rest].reset_index(drop=True)
    out["term"] = out["term"].astype(str)
    for col in TABLE_COLUMNS[1:]:
        out[col] = out[col].astype(float)
    return out


def format_p(p: float) -> str:
    """Format a p-value the APA way: three decimals, no leading zero, ``p < .001`` below that.

    Examples
    --------
    >>> format_p(0.0109)
    'p = .011'
    >>> format_p(0.00002)
    'p < .001'
    >>> format_p(0.5)
    'p = .500'
    >>> format_p(0.99995)
    'p > .999'
    """
    if p is None or not np.isfinite(p):
        return "p not available"
    if p < 0.001:
        return "p < .001"
    if p > 0.999:
        return "p > .999"
    return "p = " + f"{p:.3f}".lstrip("0")


def format_number(x: float, digits: int = 2, *, bounded: bool = False) -> str:
    """Format a number with a fixed count of decimals; a true minus sign is left to LaTeX.

    ``bounded=True`` is for a statistic that cannot exceed 1 in absolute value (a correlation,
    an ICC, a proportion of variance): APA prints it without the leading zero, as p-values.

    Examples
    --------
    >>> format_number(1.0912)
    '1.09'
    >>> format_number(float("nan"))
    'NA'

    A value that rounds to zero has no sign ("-0.00" would say a direction the digits do not):

    >>> format_number(-0.0012), format_number(-0.0012, 3)
    ('0.00', '-0.001')

    A correlation or an ICC has no leading zero (1.00 keeps its one):

    >>> format_number(-0.2312, bounded=True), format_number(0.85, bounded=True)
    ('-.23', '.85')
    >>> format_number(1.0, bounded=True)
    '1.00'
    """
    if x is None or not np.isfinite(x):
        return "NA"
    text = f"{x:.{digits}f}"
    if text.startswith("-") and not text.strip("-0."):
        text = text[1:]
    if bounded and text.lstrip("-").startswith("0."):
        text = text.replace("0.", ".", 1)
    return text


def format_count(n: float) -> str:
    """Format a count for prose and printed tables: a comma between thousands, as APA asks.

    Only for what a reader sees; CSV files keep their plain numbers.

    Examples
    --------
    >>> format_count(16043), format_count(999), format_count(5000.0)
    ('16,043', '999', '5,000')
    >>> format_count(float("nan"))
    'NA'
    """
    if n is None or not np.isfinite(n):
        return "NA"
    return f"{int(round(float(n))):,}"


def format_ci(low: float, high: float, digits: int = 2, level: float = 0.95, *,
              bounded: bool = False) -> str:
    """Format a confidence interval as in APA: ``95 % CI 1.02 to 1.17``.

    ``bounded`` as in :func:`format_number` (a correlation's or an ICC's interval).

    Examples
    --------
    >>> format_ci(1.0213, 1.1702)
    '95 % CI 1.02 to 1.17'
    >>> format_ci(-0.32, -0.13, bounded=True)
    '95 % CI -.32 to -.13'
    """
    lo = format_number(low, digits, bounded=bounded)
    hi = format_number(high, digits, bounded=bounded)
    return f"{level_pct(level)} % CI {lo} to {hi}"


def level_pct(level: float) -> str:
    """A confidence level as the percentage labels print: ``'95'``, ``'90'``, ``'99.9'``.

    Examples
    --------
    >>> level_pct(0.95), level_pct(0.9), level_pct(0.999)
    ('95', '90', '99.9')
    """
    return f"{level * 100:g}"


def z_of(level: float) -> float:
    """The two-sided normal quantile of a confidence level: 1.96 at 0.95, 1.64 at 0.9.

    Examples
    --------
    >>> round(z_of(0.95), 4), round(z_of(0.9), 4)
    (1.96, 1.6449)
    """
    return float(stats.norm.ppf((1 + level) / 2))


def percent_change(ratio: float, what: str) -> str:
    """The change a ratio means, in words, with its article: "an 11 % lower cramp rate".

    Examples
    --------
    >>> [percent_change(r, "rate") for r in (1.03, 0.89, 1.18)]
    ['a 3 % higher rate', 'an 11 % lower rate', 'an 18 % higher rate']
    >>> [percent_change(r, "rate") for r in (1.8, 9.0, 1.004)]
    ['an 80 % higher rate', 'an 800 % higher rate', 'no change in rate']
    """
    pct = (ratio - 1) * 100
    if not np.isfinite(pct):
        return f"an undefined change in {what}"
    if round(abs(pct)) == 0:
        return f"no change in {what}"
    number = f"{abs(pct):.0f}"
    # "an" where the number is said with a vowel first: 8, 11, 18, 80-89, 800-899, 11000...
    an = number.startswith("8") or (number[:2] in ("11", "18") and len(number) % 3 == 2)
    return f"{'an' if an else 'a'} {number} % {'higher' if pct > 0 else 'lower'} {what}"
