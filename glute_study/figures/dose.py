"""The dose-response curve of the cramp rate on sitting, from a :func:`dose_response` result."""

from __future__ import annotations

from matplotlib.transforms import blended_transform_factory

from .._escape import figure_text
from ._checks import require_result
from ._theme import PALETTE, get_ax, literal_text

__all__ = ["dose_response_plot"]


def dose_response_plot(result, *, rug: bool = True, ax=None):
    """Draw the predicted rate per 1000 h against the exposure, with its 95 % CI band.

    Parameters
    ----------
    result : Result
        What :func:`glute_study.stats.associations.dose_response` returned.
    rug : bool
        Mark each participant's exposure value along the bottom of the axes.
    ax : matplotlib Axes, optional
        Where to draw; a new one-column figure when None.

    Returns
    -------
    matplotlib.axes.Axes
        The curve is the line labelled ``"spline"``; the rug is the line labelled ``"_rug"``.

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
    >>> ax.get_ylabel()
    'hamstring_cramps per 1000 h'
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    require_result(result, plot="dose_response_plot", has={"model.curve": ["rate"]},
                   producer="glute_study.stats.associations.dose_response")
    fit = result.model
    curve = fit.curve
    ax = get_ax(ax)
    ax.fill_between(curve["x"], curve["ci_low"], curve["ci_high"], color=PALETTE[0], alpha=0.2,
                    linewidth=0, label="95 % CI")
    ax.plot(curve["x"], curve["rate"], color=PALETTE[0], label="spline")
    if rug:
        trans = blended_transform_factory(ax.transData, ax.transAxes)
        x = fit.observed["x"].to_numpy()
        ax.plot(x, [0.0] * len(x), linestyle="none", marker="|", markersize=4,
                color=PALETTE[7], alpha=0.4, transform=trans, label="_rug", clip_on=False)
    ax.set_ylim(bottom=0)
    ax.set_xlabel(figure_text(fit.exposure_col))
    ax.set_ylabel(figure_text(f"{fit.events} per 1000 h"))
    literal_text(ax)
    return ax
