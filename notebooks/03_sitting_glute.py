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
# # 03 Sitting and glute strength
#
# Does more daily sitting go with weaker glutes? Device-measured and self-reported sitting are
# different variables and are analysed separately. The number of valid device days belongs with
# every sitting estimate.

# %% tags=["parameters"]
study_dir = ""  # study folder; "" simulates the demo cohort
out_dir = ""  # report folder; "" records nothing (interactive use)
seed = 1
n = 400
scenario = "hypothesis"
alpha = 0.05

# %%
import matplotlib.pyplot as plt

from glute_study import report
from glute_study.figures import PALETTE, get_ax

report.start(out_dir, notebook="03_sitting_glute")
study = report.open_study(study_dir, n=n, seed=seed, scenario=scenario)
data = study.analysis_table()

# %%
described = data[["sitting_h_day", "sitting_days", "self_report_sitting_h_day",
                  "glute_nm_kg"]].describe().T.reset_index(names="variable")
report.record(described, name="describe", caption="Sitting and glute strength: description")
described

# %% [markdown]
# ## Device and self-reported sitting against glute strength

# %%
fig, axes = plt.subplots(1, 2, figsize=(174 / 25.4, 70 / 25.4), layout="constrained",
                         sharey=True)
for ax, col, label in zip(axes, ["sitting_h_day", "self_report_sitting_h_day"],
                          ["Device sitting (h/day)", "Self-reported sitting (h/day)"]):
    get_ax(ax)
    ax.scatter(data[col], data["glute_nm_kg"], s=5, alpha=0.5, color=PALETTE[0])
    ax.set_xlabel(label)
axes[0].set_ylabel("HHD hip extension (Nm/kg)")
report.record(fig, name="scatter", width="double",
              caption="Glute strength against device and self-reported sitting")
plt.show()

# %% [markdown]
# ## Partial correlations and dose-response
#
# The correlation and dose-response models of sitting and glute strength come with the models
# issue (`glute_study.stats`); until they are on main this notebook shows the data only.
