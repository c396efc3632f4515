"""Drawing of a causal diagram: exposure, outcome, mediators, adjustment set, latent nodes."""

from __future__ import annotations

import textwrap

from matplotlib.patches import Patch

from ..causal import Dag
from ..errors import InputError
from ..labels import label
from ._theme import DOUBLE_COLUMN_MM, PALETTE, get_ax, literal_text

__all__ = ["dag_plot"]

#: Role of a node -> (fill colour, legend text).
_ROLES = {
    "exposure": (PALETTE[0], "exposure"),
    "outcome": (PALETTE[1], "outcome"),
    "mediator": (PALETTE[2], "mediator (not adjusted for the total effect)"),
    "adjusted": (PALETTE[3], "adjusted for"),
    "latent": ("#FFFFFF", "not measured"),
    "other": ("#E8E8E8", "other cause"),
}


def _spread(nodes: list[str], low: float, high: float, y: float) -> dict[str, tuple]:
    """Nodes evenly from x = ``low`` to ``high`` at height ``y``."""
    if len(nodes) == 1:
        return {nodes[0]: ((low + high) / 2, y)}
    step = (high - low) / (len(nodes) - 1)
    return {n: (low + i * step, y) for i, n in enumerate(nodes)}


def _wrapped(text: str) -> str:
    """A long label on lines of at most 16 characters, so neighbouring nodes do not overlap."""
    return textwrap.fill(text, 16)


def _near(point, start, end, *, within: float = 0.025) -> bool:
    """Whether ``point`` lies within ``within`` of the segment (on a half-height axes)."""
    (px, py), (ax_, ay), (bx, by) = ((x, y / 2) for x, y in (point, start, end))
    dx, dy = bx - ax_, by - ay
    t = min(1.0, max(0.0, ((px - ax_) * dx + (py - ay) * dy) / (dx * dx + dy * dy)))
    return (px - ax_ - t * dx) ** 2 + (py - ay - t * dy) ** 2 < within**2


def dag_plot(dag: Dag, *, exposure: str, outcome: str, adjust=(), ax=None):
    """Draw the part of a causal diagram that bears on one effect.

    The nodes drawn are the exposure, the outcome and their ancestors: the exposure, its
    mediators and the outcome on a middle row from left to right, the causes of the exposure
    (where confounders are) above it, the other causes of the outcome below. Each node reads as
    its codebook label and is coloured by its role: exposure, outcome, mediator, adjusted for,
    not measured (dashed), other cause.

    Parameters
    ----------
    dag : Dag
        The diagram, e.g. :data:`glute_study.causal.STUDY_DAG`.
    exposure, outcome : str
        The effect the drawing is about.
    adjust : iterable of str
        The adjustment set (usually :meth:`Dag.adjustment_set`), highlighted.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new double-column figure by default.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from glute_study.causal import STUDY_DAG
    >>> adjust = STUDY_DAG.adjustment_set("sitting_h_day", "hamstring_cramps")
    >>> ax = dag_plot(STUDY_DAG, exposure="sitting_h_day", outcome="hamstring_cramps",
    ...               adjust=adjust)
    >>> sorted(t.get_text().replace(chr(10), " ") for t in ax.texts if t.get_text())[:3]
    ['Age', 'Cramp proneness', 'Device-measured sitting']
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    if not isinstance(dag, Dag):
        raise InputError(f"dag_plot draws a glute_study.causal.Dag (e.g. STUDY_DAG); got "
                         f"{type(dag).__name__}.")
    dag.is_adjustment_set(exposure, outcome, ())  # checks the nodes and their order
    nodes = dag._sorted({exposure, outcome, *dag.ancestors({exposure, outcome})})
    adjust = set(adjust) & set(nodes)
    mediators = set(dag.mediators(exposure, outcome))
    above = [n for n in dag.ancestors(exposure) if n in nodes]
    chain = [n for n in nodes if n in mediators]
    below = [n for n in nodes if n not in {exposure, outcome, *above, *chain}]
    where = {exposure: (0.05, 0.5), outcome: (0.95, 0.5),
             **_spread(chain, 0.35, 0.65, 0.5), **_spread(above, 0.05, 0.6, 0.92),
             **_spread(below, 0.0, 0.8, 0.08)}
    ax = get_ax(ax, width_mm=DOUBLE_COLUMN_MM, aspect=0.5)
    boxes = {}
    for node in nodes:
        role = ("exposure" if node == exposure else "outcome" if node == outcome
                else "mediator" if node in mediators else "adjusted" if node in adjust
                else "latent" if node in dag.latent else "other")
        boxes[node] = ax.text(
            *where[node], _wrapped(label(node, unit=False)), ha="center", va="center", fontsize=7,
            zorder=3, gid=f"node-{node}",
            bbox={"boxstyle": "round,pad=0.3", "facecolor": _ROLES[role][0],
                  "edgecolor": "#333333", "linestyle": "--" if node in dag.latent else "-"})
    for a, b in dag.edges:
        if a in where and b in where:
            between = any(_near(where[n], where[a], where[b]) for n in where
                          if n not in (a, b))
            ax.annotate("", xy=where[b], xytext=where[a], zorder=2,
                        arrowprops={"arrowstyle": "-|>", "color": "#555555", "lw": 0.7,
                                    "mutation_scale": 8,  # the head's size (it was 1: unseen)
                                    "patchA": boxes[a].get_bbox_patch(),
                                    "patchB": boxes[b].get_bbox_patch(),
                                    "shrinkA": 1, "shrinkB": 1,
                                    "connectionstyle": f"arc3,rad={0.3 if between else 0}"})
    shown = {"exposure", "outcome", "other"} | ({"mediator"} if mediators else set()) | (
        {"adjusted"} if adjust else set()) | ({"latent"} if dag.latent & set(nodes) else set())
    handles = [Patch(facecolor=c, edgecolor="#333333", label=text,
                     linestyle="--" if role == "latent" else "-")
               for role, (c, text) in _ROLES.items() if role in shown]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.04), ncol=3,
              frameon=False, fontsize=7)
    ax.set_xlim(-0.1, 1.1)
    ax.set_ylim(0.0, 1.0)
    ax.set_axis_off()
    literal_text(ax)
    return ax
