"""Plot of the mediation sensitivity analysis: the indirect effect under unmeasured confounding."""

from __future__ import annotations

import numpy as np
import seaborn as sns

from ..stats._result import level_pct
from ._checks import require_result
from ._theme import PALETTE, get_ax, literal_text

__all__ = ["mediation_sensitivity_plot"]


def mediation_sensitivity_plot(result, *, ax=None):
    """Draw how the indirect effect shrinks as unmeasured mediator-outcome confounding grows.

    For count and binary outcomes the x axis is the strength of a confounder (its rate ratio
    with both the mediator and the outcome, Ding & VanderWeele's bounding factor) and the line is
    the largest indirect rate ratio such a confounder could leave; the dotted vertical line marks
    the E-value. For a linear outcome the x axis is Imai-Keele-Yamamoto's rho, the correlation
    of the two models' errors. The line is a seaborn line (:func:`seaborn.lineplot`) over the
    band at the result's confidence level.

    Parameters
    ----------
    result : Result
        What :func:`glute_study.stats.mediation.mediation` returned.
    ax : matplotlib.axes.Axes, optional
        Where to draw; a new single-column figure by default.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from glute_study.stats.mediation import mediation
    >>> rng = np.random.default_rng(7)
    >>> df = pd.DataFrame({"sitting": rng.normal(9, 1.5, 200), "hours": rng.uniform(60, 200, 200)})
    >>> df["glute"] = 2.5 - 0.1 * df.sitting + rng.normal(0, 0.4, 200)
    >>> df["cramps"] = rng.poisson(df.hours / 1000 * np.exp(2.5 - 0.6 * df.glute))
    >>> res = mediation(df, x="sitting", m="glute", y="cramps", exposure="hours", n_boot=100,
    ...                 ci="percentile", seed=1, executor="serial")
    >>> ax = mediation_sensitivity_plot(res)
    >>> ax.get_xlabel()
    'Confounder rate ratio with mediator and outcome'
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    require_result(result, plot="mediation_sensitivity_plot",
                   frames={"sensitivity": ["parameter", "value", "indirect", "ci_low", "ci_high"]},
                   producer="glute_study.stats.mediation.mediation")
    sens = result.frame("sensitivity")
    ax = get_ax(ax)
    if len(sens) == 0:
        ax.text(0.5, 0.5, "no sensitivity analysis for this model", ha="center",
                transform=ax.transAxes)
        literal_text(ax)
        return ax
    x = sens["value"].to_numpy(dtype=float)
    ax.fill_between(x, sens["ci_low"].to_numpy(dtype=float), sens["ci_high"].to_numpy(dtype=float),
                    color=PALETTE[0], alpha=0.2, linewidth=0,
                    label=f"{level_pct(result.level)} % CI")
    sns.lineplot(x=x, y=sens["indirect"].to_numpy(dtype=float), color=PALETTE[0], sort=False,
                 errorbar=None, label="Indirect effect", legend=False, ax=ax)
    null = sens.attrs.get("null", 0.0)
    ax.axhline(null, color=PALETTE[7], linewidth=0.8)
    if sens["parameter"].iloc[0] == "rho":
        ax.set_xlabel("Correlation of mediator and outcome errors (rho)")
        ax.set_ylabel("Natural indirect effect")
        ax.axvline(0.0, color=PALETTE[7], linewidth=0.6, linestyle=":")
    else:
        ax.set_xlabel("Confounder rate ratio with mediator and outcome")
        ax.set_ylabel("Indirect rate ratio (bound)")
        e = sens.attrs.get("e_value")
        if e is not None and np.isfinite(e) and e <= x.max():
            ax.axvline(e, color=PALETTE[1], linestyle=":", label=f"E-value {e:.2f}")
    ax.legend(frameon=False)
    literal_text(ax)
    return ax
