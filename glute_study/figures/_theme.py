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
