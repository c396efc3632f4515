"""Figures: one colour-blind-safe theme and plot functions that take ``ax=None`` and return it.

:func:`save_figure` writes any figure as SVG, PDF, PNG (300 dpi) and TIFF at journal widths.
"""

from ._theme import PALETTE, get_ax, set_theme
from .agreement import bland_altman_plot, reliability_plot, trial_plot
from .causal import dag_plot
from .dose import dose_response_plot
from .flow import flow_diagram
from .mediation import mediation_sensitivity_plot
from .power import power_plot
from .rates import forest_plot, rates_plot
from .save import save_figure
from .surveillance import cramp_duration_plot, prevalence_plot, session_rates_plot, severity_plot
from .survival import km_plot

__all__ = [
    "PALETTE",
    "bland_altman_plot",
    "cramp_duration_plot",
    "dag_plot",
    "dose_response_plot",
    "flow_diagram",
    "forest_plot",
    "get_ax",
    "km_plot",
    "mediation_sensitivity_plot",
    "power_plot",
    "prevalence_plot",
    "rates_plot",
    "reliability_plot",
    "save_figure",
    "session_rates_plot",
    "set_theme",
    "severity_plot",
    "trial_plot",
]
