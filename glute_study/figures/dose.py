"""The dose-response curve of the cramp rate on sitting, from a :func:`dose_response` result."""

from __future__ import annotations

import seaborn as sns

from .._escape import figure_text
from ..labels import label
from ..stats._result import level_pct
from ._checks import require_result
from ._theme import PALETTE, get_ax, literal_text

__all__ = ["dose_response_plot"]


def dose_response_plot(result, *, rug: bool = True, ax=None):
    """Draw the predicted rate per 1000 h against the dose, with its CI band.

    The curve is a seaborn line (:func:`seaborn.lineplot`) over the band at the result's
    confidence level, the rug :func:`seaborn.rugplot`.

    Parameters
    ----------
    result : Result
        What :func:`glute_study.stats.associations.dose_response` returned.
    rug : bool
        Mark each participant's dose along the bottom of the axes.
    ax : matplotlib Axes, optional
        Where to draw; a new one-column figure when None.

    Returns
    -------
    matplotlib.axes.Axes
        The curve is the line labelled ``"spline"``, the band the first collection (labelled
        ``"95 % CI"`` at ``level=0.95``), the rug a line collection labelled ``"_rug"``.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from glute_study.stats.associations import dose_response
    >>> rng = np.random.default_rng(4)
    >>> sitting, hours = rng.normal(9, 1.5, 300), rng.uniform(60, 200, 300)
    >>> cramps = rng.poisson(rng.gamma(2.0, 0.004 * hours * np.exp(0.2 * (sitting - 9)) / 2))
    >>> res = dose_response(pd.DataFrame({"sitting_h_day": sitting, "hamstring_cramps": cramps,
    ...                                   "exposure_h": hours}))
    >>> ax = dose_response_plot(res)
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('Device-measured sitting (h/day)', 'Hamstring cramps per 1000 h')
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    require_result(result, plot="dose_response_plot",
                   frames={"curve": ["x", "rate", "ci_low", "ci_high"], "observed": ["x"]},
                   producer="glute_study.stats.associations.dose_response")
    fit = result.model
    curve = result.frame("curve")
    ax = get_ax(ax)
    ax.fill_between(curve["x"], curve["ci_low"], curve["ci_high"], color=PALETTE[0], alpha=0.2,
                    linewidth=0, label=f"{level_pct(result.level)} % CI")
    sns.lineplot(data=curve, x="x", y="rate", color=PALETTE[0], label="spline", sort=False,
                 errorbar=None, legend=False, ax=ax)
    if rug:
        sns.rugplot(data=result.frame("observed"), x="x", height=0.03, color=PALETTE[7],
                    alpha=0.4, linewidth=0.6, clip_on=False, ax=ax, label="_rug")
    ax.set_ylim(bottom=0)
    ax.set_xlabel(figure_text(label(fit.x)))
    ax.set_ylabel(figure_text(f"{label(fit.events, unit=False)} per 1000 h"))
    literal_text(ax)
    return ax
