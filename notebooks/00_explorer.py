# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 00 Explorer
#
# Pick an exposure, an outcome and a grouping; the plot and a simple model update. Open this
# notebook in JupyterLab for the widgets; a headless run shows the default choice only.

# %% tags=["parameters"]
study_dir = ""  # study folder; "" opens the demo cohort
out_dir = ""  # report folder; "" records nothing (interactive use)
seed = 2026
n = 400
scenario = "hypothesis"
alpha = 0.05

# %%
import ipywidgets as widgets
import matplotlib.pyplot as plt
import statsmodels.formula.api as smf
from IPython.display import display

from glute_study import report
from glute_study._escape import figure_text
from glute_study.figures import get_ax
from glute_study.labels import label, level_label, unit_of
from glute_study.stats._result import format_number

study = report.open_study(study_dir, n=n, seed=seed, scenario=scenario)
data = study.analysis_table()
numeric = [c for c in data.select_dtypes("number").columns if data[c].notna().any()]
groupings = ["(none)"] + [c for c in ["sex", "arm", "sport", "level"] if c in data.columns]

# %%
def draw(exposure="sitting_h_day", outcome="glute_nm_kg", grouping="(none)"):
    """Scatter of outcome against exposure, by group, with the least-squares slope in the title."""
    ax = get_ax(aspect=0.8)
    groups = [("all", data)] if grouping == "(none)" else list(data.groupby(grouping))
    for name, part in groups:
        shown = name if grouping == "(none)" else level_label(grouping, name)
        ax.scatter(part[exposure], part[outcome], s=6, alpha=0.5, label=figure_text(shown))
    ax.set_xlabel(figure_text(label(exposure)))
    ax.set_ylabel(figure_text(label(outcome)))
    if grouping != "(none)":
        ax.legend(frameon=False, title=figure_text(label(grouping, unit=False)))
    fit = smf.ols(f"{outcome} ~ {exposure}", data=data[[exposure, outcome]].dropna()).fit()
    low, high = fit.conf_int(alpha=alpha).loc[exposure]
    slope_unit = f" {unit_of(outcome)} per {unit_of(exposure)}" if (
        unit_of(outcome) and unit_of(exposure)) else ""
    ax.set_title(figure_text(f"Slope {format_number(fit.params[exposure], digits=3)}"
                             f"{slope_unit}\n({100 * (1 - alpha):g} % CI "
                             f"{format_number(low, digits=3)} to "
                             f"{format_number(high, digits=3)}), n = {int(fit.nobs)}"))
    return ax


def explore(exposure="sitting_h_day", outcome="glute_nm_kg", grouping="(none)"):
    draw(exposure, outcome, grouping)
    plt.show()


# %% [markdown]
# In JupyterLab the widgets appear below. In a report (headless, nobody to click them) the
# default view is kept as a figure instead.

# %%
report.start(out_dir, notebook="00_explorer")
if out_dir:
    ax = draw()
    report.record(ax, name="default_view", caption="Glute strength against device sitting "
                  "(the explorer's default view)")
    plt.show()
else:
    controls = widgets.interactive(
        explore,
        exposure=widgets.Dropdown(options=numeric, value="sitting_h_day",
                                  description="exposure"),
        outcome=widgets.Dropdown(options=numeric, value="glute_nm_kg", description="outcome"),
        grouping=widgets.Dropdown(options=groupings, value="(none)", description="grouping"),
    )
    display(controls)
