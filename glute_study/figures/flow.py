"""A participant flow diagram (STROBE 13c, CONSORT 13a): boxes of counts with arrows, the
athletes left out at each step in boxes beside them, one column per arm in a trial."""

from __future__ import annotations

import re
import textwrap

import pandas as pd

from .._escape import figure_text
from ..errors import InputError
from ..labels import level_label
from ._theme import DOUBLE_COLUMN_MM, SINGLE_COLUMN_MM, get_ax, literal_text

__all__ = ["flow_diagram"]

_BOX = {"boxstyle": "square,pad=0.4", "facecolor": "#FFFFFF", "edgecolor": "#333333",
        "linewidth": 0.7}
_SIDE = {**_BOX, "facecolor": "#F2F2F2"}
_ARROW = {"arrowstyle": "-|>", "color": "#555555", "lw": 0.7, "shrinkA": 0, "shrinkB": 0}


def _stage(text: object) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


def _count(row: pd.Series) -> str:
    return f"{_stage(row['stage'])}\n(n = {int(row['n'])})"


_COUNTED = re.compile(r"^(.+) \((\d+)\)$")


def _reason_lines(reason: str, n: int) -> list[str]:
    """One step's reason as lines: a reason that counts its parts (``'a (2); b (1)'``, as
    ``Study.flow`` and ``Study.trial_flow`` write it) gives a line per part with its count."""
    parts = [_COUNTED.match(part.strip()) for part in reason.split("; ")]
    if all(parts):
        return [f"{_stage(m.group(1))} (n = {int(m.group(2))})" for m in parts]
    return [f"{_stage(reason)} (n = {int(n)})"]


def _left_out(rows: pd.DataFrame, width: int) -> str:
    """The athletes a column loses, one line per reason (the lines a box holds)."""
    lines = [line for reason, n in zip(rows["reason"], rows["excluded"])
             if n and str(reason) and str(reason) != "nan"
             for line in _reason_lines(str(reason), n)]
    if not lines:
        return ""
    head = "Left out (an athlete may lack more than one):" if len(lines) > 1 else "Left out:"
    return "\n".join([textwrap.fill(head, width), *(textwrap.fill(line, width)
                                                   for line in lines)])


def _column(ax, rows: pd.DataFrame, x: float, top: float, bottom: float, *, side: float,
            width: int, fontsize: float) -> None:
    """One column: its first and last stage, the losses between them beside the arrow."""
    first, last = rows.iloc[0], rows.iloc[-1]
    steps = rows.iloc[1:-1]
    lost = _left_out(steps if len(steps) else rows.iloc[-1:], width)
    start = ax.text(x, top, _count(first), ha="center", va="top", fontsize=fontsize,
                    bbox=_BOX, wrap=True)
    end = ax.text(x, bottom, _count(last), ha="center", va="bottom", fontsize=fontsize,
                  bbox=_BOX)
    ax.annotate("", xy=(x, bottom), xytext=(x, top), zorder=1,
                arrowprops={**_ARROW, "patchA": start.get_bbox_patch(),
                            "patchB": end.get_bbox_patch()})
    if lost:
        mid = (top + bottom) / 2
        ax.text(x + side, mid, lost, ha="left", va="center", fontsize=fontsize - 0.5,
                bbox=_SIDE)
        ax.plot([x, x + side], [mid, mid], color="#555555", lw=0.7, zorder=1)


def flow_diagram(flow: pd.DataFrame, *, ax=None):
    """Draw a participant flow: who entered, who was left out at each step and why, who was
    analysed.

    Parameters
    ----------
    flow : pandas.DataFrame
        A flow table with ``stage, n, excluded, reason`` (``Study.flow()``, one column of
        boxes) or with ``arm`` as well (``Study.trial_flow()``: the stages without an arm on
        top, then one column per arm, CONSORT's layout). Stages are in the table's order; the
        last of each column is the analysed group, and the others lose the athletes their
        ``excluded`` counts for their ``reason``.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new figure (one column wide, two for a trial) when None.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> flow = pd.DataFrame({"stage": ["enrolled", "with exposure", "analysed"],
    ...                      "n": [400, 391, 391], "excluded": [0, 9, 0],
    ...                      "reason": ["", "no exposure recorded", ""]})
    >>> ax = flow_diagram(flow)
    >>> [t.get_text().splitlines()[0] for t in ax.texts if t.get_text()]
    ['Enrolled', 'Analysed', 'Left out:']
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    if not isinstance(flow, pd.DataFrame) or not {"stage", "n", "excluded", "reason"} <= set(
            flow.columns) or flow.empty:
        raise InputError("flow_diagram draws a flow table with the columns stage, n, excluded "
                         "and reason (Study.flow() or Study.trial_flow()).")
    flow = flow.assign(reason=flow["reason"].fillna("").astype(str).map(figure_text),
                       stage=flow["stage"].astype(str).map(figure_text))
    arms = (flow["arm"].fillna("").astype(str) if "arm" in flow.columns
            else pd.Series("", index=flow.index))
    names = [a for a in dict.fromkeys(arms) if a]
    if not names:
        ax = get_ax(ax, width_mm=SINGLE_COLUMN_MM, aspect=0.85)
        _column(ax, flow, 0.3, 0.95, 0.05, side=0.08, width=30, fontsize=7)
    else:
        ax = get_ax(ax, width_mm=DOUBLE_COLUMN_MM, aspect=0.5)
        common = flow[arms.eq("").to_numpy()]
        top = 0.97
        for i, (_, row) in enumerate(common.iterrows()):
            y = top - 0.12 * i
            ax.text(0.5, y, _count(row), ha="center", va="top", fontsize=7, bbox=_BOX)
            if i:
                ax.annotate("", xy=(0.5, y), xytext=(0.5, y + 0.05), arrowprops=_ARROW)
        split = top - 0.12 * max(len(common), 1)
        step = 1 / len(names)
        for j, arm in enumerate(names):
            x = step * (j + 0.5) - 0.12
            rows = flow[arms.eq(arm).to_numpy()].copy()
            rows["stage"] = rows["stage"].where(
                rows.index != rows.index[0], f"{rows['stage'].iloc[0]} to "
                f"{level_label('arm', arm).lower()}")
            ax.plot([0.5, 0.5, x, x], [split + 0.04, split + 0.02, split + 0.02, split],
                    color="#555555", lw=0.7)
            _column(ax, rows, x, split, 0.04, side=0.05, width=26, fontsize=7)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_axis_off()
    literal_text(ax)
    return ax
