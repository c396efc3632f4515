"""Plots of agreement, reliability and the trial effect: each takes ``ax=None`` and returns it.

- :func:`bland_altman_plot`: differences against pair means (a seaborn regression plot: the
  points and the proportional-bias line), bias and limits of agreement with their confidence
  bands.
- :func:`reliability_plot`: the six ICC forms with their CIs, or a session-vs-session
  seaborn scatter with the line of identity.
- :func:`trial_plot`: adjusted means by arm with their CIs, and the difference.

Every interval is drawn and labelled at the result's confidence level.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from .._checks import check_one_of
from .._escape import figure_text
from ..labels import in_words, level_label, term_label, unit_of
from ..labels import label as variable_label
from ..stats._result import format_ci, format_number, level_pct
from ._checks import require_result
from ._theme import PALETTE, get_ax, group_colours, literal_text

__all__ = ["bland_altman_plot", "reliability_plot", "trial_plot"]


def bland_altman_plot(result, *, ax=None):
    """Bland-Altman plot: difference against the mean of each pair.

    Parameters
    ----------
    result : Result
        From :func:`glute_study.stats.reliability.bland_altman`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new one-column figure when omitted.

    Returns
    -------
    matplotlib.axes.Axes
        Points (one per pair) and a dotted line for the regression of the difference on the
        mean (proportional bias), both drawn by :func:`seaborn.regplot`; a solid line at the
        bias and dashed lines at the limits of agreement (labelled with the share of
        differences they cover, ``"95 % LoA"``), each with a shaded band for its CI at the
        result's level.

    Examples
    --------
    >>> import pandas as pd
    >>> from glute_study.stats.reliability import bland_altman
    >>> df = pd.DataFrame({"hhd": [100.0, 120, 140, 160, 180, 200],
    ...                    "iso": [104.0, 121, 147, 163, 186, 203]})
    >>> ax = bland_altman_plot(bland_altman(df, x="hhd", y="iso"))
    >>> ax.get_ylabel()
    'Iso minus hhd'
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    require_result(result, plot="bland_altman_plot", frames={"pairs": ["mean", "difference"]},
                   producer="glute_study.stats.reliability.bland_altman")
    ax = get_ax(ax)
    pairs = result.frame("pairs")
    t = result.table.set_index("term")
    x0, x1 = pairs["mean"].min(), pairs["mean"].max()
    pad = 0.05 * (x1 - x0 if x1 > x0 else 1.0)
    xs = np.array([x0 - pad, x1 + pad])
    sns.regplot(data=pairs, x="mean", y="difference", ci=None, truncate=False, color=PALETTE[0],
                label="pairs", scatter_kws={"s": 12, "alpha": 0.8, "linewidths": 0, "zorder": 3},
                line_kws={"ls": ":", "color": PALETTE[2], "lw": 1.0,
                          "label": "proportional bias"}, ax=ax)
    loa = f"{level_pct(result.diagnostics['loa_coverage'])} % LoA"
    styles = {"bias": ("-", PALETTE[1], "bias"), "loa_lower": ("--", PALETTE[7], loa),
              "loa_upper": ("--", PALETTE[7], None)}
    for term, (ls, colour, label) in styles.items():
        row = t.loc[term]
        ax.axhline(row.estimate, ls=ls, color=colour, lw=1.0, label=label, zorder=2)
        ax.axhspan(row.ci_low, row.ci_high, color=colour, alpha=0.12, lw=0, zorder=1)
        ax.annotate(format_number(row.estimate), xy=(1.0, row.estimate),
                    xycoords=("axes fraction", "data"), xytext=(2, 0),
                    textcoords="offset points", va="center", fontsize=7, color=colour)
    ax.axhline(0.0, color="0.7", lw=0.6, zorder=0)
    ax.set_xlim(*xs)
    xl, yl = (figure_text(result.diagnostics[k]) for k in ("x_label", "y_label"))
    unit = result.diagnostics.get("unit") or ""
    in_unit = f" ({figure_text(unit)})" if unit else ""
    ax.set_xlabel(f"Mean of {xl} and {yl}{in_unit}")
    ax.set_ylabel(f"{yl[:1].upper() + yl[1:]} minus {xl}{in_unit}")
    handles = dict(zip(*reversed(ax.get_legend_handles_labels())))
    order = [k for k in ("pairs", "bias", loa, "proportional bias") if k in handles]
    words = {"pairs": "Pairs", "bias": "Bias (mean difference)",
             "proportional bias": "Proportional bias"}
    ax.legend([handles[k] for k in order], [words.get(k, k) for k in order], frameon=False,
              loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=2)
    literal_text(ax)
    return ax


def reliability_plot(result_or_data, *, kind="icc", ax=None):
    """Reliability plot: the ICC forms with CIs, or a session-vs-session scatter.

    Parameters
    ----------
    result_or_data : Result or pandas.DataFrame
        The result of :func:`glute_study.stats.reliability.reliability`, or long data with
        the columns ``participant_id``, ``session`` and ``value`` (passed to it as is).
    kind : {"icc", "scatter"}
        ``"icc"``: one point and CI (at the result's level) per ICC form, with the Koo & Li
        (2016) bands (poor < 0.5 < moderate < 0.75 < good < 0.9 < excellent) shaded.
        ``"scatter"``: each later session against the first (:func:`seaborn.scatterplot`, one
        colour per later session), with the line of identity.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"participant_id": [1, 1, 2, 2, 3, 3, 4, 4, 5, 5],
    ...                    "session": [1, 2] * 5,
    ...                    "value": [2.1, 2.2, 2.8, 2.7, 1.9, 2.1, 3.2, 3.1, 2.5, 2.6]})
    >>> ax = reliability_plot(df)
    >>> [t.get_text() for t in ax.get_yticklabels()][:2]
    ['ICC(1)', 'ICC(A,1)']
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    check_one_of("kind", kind, ["icc", "scatter"])
    if isinstance(result_or_data, pd.DataFrame):
        from ..stats.reliability import reliability

        result = reliability(result_or_data)
    else:
        result = result_or_data
    require_result(result, plot="reliability_plot",
                   producer="glute_study.stats.reliability.reliability")
    ax = get_ax(ax)
    if kind == "icc":
        icc = result.table.iloc[:6]
        y = np.arange(len(icc))[::-1]
        bands = [(0, 0.5, "poor"), (0.5, 0.75, "moderate"), (0.75, 0.9, "good"),
                 (0.9, 1.0, "excellent")]
        for i, (lo, hi, _) in enumerate(bands):
            ax.axvspan(lo, hi, color="0.5", alpha=0.04 + 0.04 * i, lw=0, zorder=0)
        err = np.vstack([icc.estimate - icc.ci_low, icc.ci_high - icc.estimate])
        ax.errorbar(icc.estimate, y, xerr=err, fmt="o", color=PALETTE[0], ms=4, capsize=2,
                    lw=1.0, zorder=3)
        ax.set_yticks(y, [figure_text(m if isinstance(m, str) and m else term_label(t))
                          for t, m in zip(icc.term, icc.mcgraw_wong)])
        ax.set_xlim(min(0.0, float(icc.ci_low.min()) - 0.05), 1.0)
        ax.set_xlabel(f"Intraclass correlation ({level_pct(result.level)} % CI); "
                      f"n = {result.diagnostics['n']}, "
                      f"k = {result.diagnostics['k']}")
        literal_text(ax)
        return ax
    wide = result.frame("sessions")
    first = wide.columns[0]
    later = [figure_text(f"Session {col}") for col in wide.columns[1:]]
    long = pd.concat([pd.DataFrame({"first": wide[first].to_numpy(), "value": wide[col].to_numpy(),
                                    "session": label})
                      for col, label in zip(wide.columns[1:], later)], ignore_index=True)
    sns.scatterplot(data=long, x="first", y="value", hue="session", hue_order=later,
                    palette=group_colours(len(later)), s=12, linewidth=0, alpha=0.85, zorder=3,
                    ax=ax)
    lo = float(np.nanmin(wide.to_numpy()))
    hi = float(np.nanmax(wide.to_numpy()))
    pad = 0.05 * (hi - lo if hi > lo else 1.0)
    lims = (lo - pad, hi + pad)
    ax.plot(lims, lims, color="0.5", lw=0.8, ls="--", label="identity", zorder=1)
    ax.set_xlim(*lims)
    ax.set_ylim(*lims)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel(figure_text(f"Session {first}"))
    ax.set_ylabel("Later session")
    ax.legend(frameon=False, loc="upper left")
    literal_text(ax)
    return ax


def trial_plot(result, *, ax=None):
    """Adjusted means by arm with their CIs, the difference written above them.

    Parameters
    ----------
    result : Result
        From :func:`glute_study.stats.trial.trial_effect`.
    ax : matplotlib.axes.Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        One point with error bar per arm (reference first); the title gives each difference
        from the reference arm with its CI at the result's level.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from glute_study.stats.trial import trial_effect
    >>> rng = np.random.default_rng(1)
    >>> df = pd.DataFrame({"arm": np.repeat(["control", "glute_training"], 20),
    ...                    "pre": rng.normal(2.5, 0.4, 40)})
    >>> df["post"] = df.pre + 0.3 * (df.arm == "glute_training") + rng.normal(0, 0.2, 40)
    >>> ax = trial_plot(trial_effect(df, outcome="post", baseline="pre"))
    >>> [t.get_text() for t in ax.get_xticklabels()]
    ['Control', 'Glute training']
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    require_result(result, plot="trial_plot", producer="glute_study.stats.trial.trial_effect")
    ax = get_ax(ax)
    level = result.level
    means = result.table[result.table.kind == "adjusted_mean"]
    arms = [t[len("mean["):-1] for t in means.term]
    x = np.arange(len(arms))
    colours = group_colours(len(arms))
    err = np.vstack([means.estimate - means.ci_low, means.ci_high - means.estimate])
    for i in range(len(arms)):
        ax.errorbar(x[i], means.estimate.iloc[i], yerr=err[:, [i]], fmt="o", ms=5,
                    capsize=3, lw=1.2, color=colours[i], zorder=3)
    arm = result.diagnostics.get("arm", "arm")
    arm = arm if isinstance(arm, str) else "arm"
    ax.set_xticks(x, [figure_text(level_label(arm, a)) for a in arms])
    ax.set_xlim(-0.6, len(arms) - 0.4)
    diffs = result.table[result.table.kind == "difference"]
    outcome = result.diagnostics.get("outcome")
    name = (" " + variable_label(outcome, unit=False, mid=True)
            if isinstance(outcome, str) else "")
    unit = unit_of(outcome) if isinstance(outcome, str) else None
    ax.set_title(figure_text("\n".join(f"{in_words(r.term)}: {format_number(r.estimate)}"
                                        f"{' ' + unit if unit else ''}\n"
                                        f"({format_ci(r.ci_low, r.ci_high, level=level)})"
                                        for r in diffs.itertuples())), fontsize=7)
    # on two lines: a variable's name and its unit do not fit the height of one axis
    ax.set_ylabel(figure_text(f"Adjusted mean{name}\n({unit + ', ' if unit else ''}"
                              f"{level_pct(level)} % CI)"))
    literal_text(ax)
    return ax
