"""The one theme every figure uses: Okabe-Ito colours, fonts of at least 7 pt, journal widths.

The theme is seaborn's (:func:`seaborn.set_theme`, ``"paper"`` context, ``"ticks"`` style) with
the Okabe-Ito palette and the sizes journals ask for laid over it, so seaborn's axes-level
functions and plain matplotlib calls draw alike.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import seaborn as sns
from matplotlib.text import Text

#: Okabe & Ito (2008) colour-blind-safe palette, black last.
PALETTE = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#000000",  # black
)

#: Journal column widths in millimetres.
SINGLE_COLUMN_MM = 85.0
DOUBLE_COLUMN_MM = 174.0
MIN_FONT_PT = 7.0

_RC = {
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "legend.fontsize": 7,
    "legend.title_fontsize": 7,
    "figure.titlesize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.linewidth": 0.8,
    "lines.linewidth": 1.2,
    "svg.hashsalt": "glute_study",  # stable element ids: the same figure gives the same bytes
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
    # Labels come from data (group names, column names): a typed "$" is a dollar sign, not the
    # start of mathtext. Pass parse_math=True to a text that is meant to be mathtext.
    "text.parse_math": False,
}


def group_colours(n_colors: int) -> list[tuple[float, float, float]]:
    """Colours for ``n_colors`` groups: the Okabe-Ito palette without its black (kept for
    reference lines), cycled when there are more groups than colours.

    Examples
    --------
    >>> import matplotlib as mpl
    >>> [mpl.colors.to_hex(c) for c in group_colours(2)]
    ['#0072b2', '#d55e00']
    >>> len(group_colours(9)), group_colours(8)[7] == group_colours(8)[0]
    (9, True)
    """
    return sns.color_palette(list(PALETTE[:-1]), n_colors=n_colors)


def set_theme() -> None:
    """Apply the glute_study theme (seaborn's machinery, the Okabe-Ito palette) for this session.

    Examples
    --------
    >>> set_theme()
    >>> import matplotlib as mpl
    >>> mpl.rcParams["font.size"] >= MIN_FONT_PT
    True
    >>> mpl.colors.to_hex(mpl.rcParams["axes.prop_cycle"].by_key()["color"][0]).upper()
    '#0072B2'
    """
    sns.set_theme(context="paper", style="ticks", palette=list(PALETTE), rc=_RC)


def literal_text(ax) -> None:
    """Draw every text of ``ax`` as written: no mathtext, so a typed ``$`` stays a ``$``.

    The plot functions call it on the Axes they return, whether or not the theme is set;
    ``set_theme`` does the same for text drawn later.

    Examples
    --------
    >>> ax = get_ax()
    >>> _ = ax.set_xticks([0], ["$\\frac$ 50$"], parse_math=True)
    >>> literal_text(ax)
    >>> [t.get_parse_math() for t in ax.get_xticklabels()]
    [False]
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    for text in ax.findobj(Text):
        text.set_parse_math(False)


def get_ax(ax=None, *, width_mm: float = SINGLE_COLUMN_MM, aspect: float = 0.75):
    """Return ``ax``, or a new Axes on a figure one journal column wide.

    Examples
    --------
    >>> ax = get_ax()
    >>> round(ax.figure.get_figwidth() * 25.4)
    85
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    if ax is not None:
        return ax
    set_theme()
    width_in = width_mm / 25.4
    _, ax = plt.subplots(figsize=(width_in, width_in * aspect), layout="constrained")
    return ax


#: Tick values a ratio axis may show: round numbers a reader knows on a log scale.
_RATIO_TICKS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.25, 0.5, 0.75, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 2.0,
                3.0, 4.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0)


def ratio_ticks(low: float, high: float, *, most: int = 6) -> list[float]:
    """Round tick values for a log ratio axis from ``low`` to ``high``: 1 and neighbours far
    enough apart on the log scale that their labels never overlap (at most ``most``); 1-2-5
    steps first, quarter steps (0.75, 1.5) only on a short axis.

    Examples
    --------
    >>> ratio_ticks(0.5, 1.4)
    [0.5, 0.8, 1.0, 1.25]
    >>> ratio_ticks(0.05, 80)
    [0.05, 0.2, 1.0, 5.0, 20.0]
    """
    import math

    def thin(values: list[float]) -> list[float]:
        inside = [t for t in values if low <= t <= high] or [1.0]
        gap = math.log10(high / low) / (most - 0.5) if high > low else 1.0
        keep = [1.0] if 1.0 in inside else [inside[0]]
        for side in (sorted((t for t in inside if t < keep[0]), reverse=True),
                     sorted(t for t in inside if t > keep[0])):
            last = keep[0]
            for t in side:
                if abs(math.log10(t / last)) >= gap * 0.999:
                    keep.append(t)
                    last = t
        return sorted(keep)

    round_ones = thin([t for t in _RATIO_TICKS
                       if round(t / 10 ** math.floor(math.log10(t)), 6) in (1, 2, 5)])
    return round_ones if len(round_ones) >= 3 else thin(list(_RATIO_TICKS))


def set_ratio_axis(ax, low: float, high: float, *, axis: str = "x") -> None:
    """Put round, non-overlapping ticks (``0.5``, ``1``, ``2``) on a log ratio axis of ``ax``
    and no minor labels (:func:`ratio_ticks`)."""
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter, NullLocator

    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(FixedLocator(ratio_ticks(low, high)))
    target.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    target.set_minor_locator(NullLocator())
    target.set_minor_formatter(NullFormatter())

