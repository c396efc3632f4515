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
# # 05 Mediation: sitting -> glute strength -> cramps
#
# Is the association of sitting with hamstring cramps carried by glute strength? Mediation
# with a bootstrap interval for the indirect effect and a sensitivity analysis for unmeasured
# mediator-outcome confounding.

# %% tags=["parameters"]
study_dir = ""  # study folder; "" simulates the demo cohort
out_dir = ""  # report folder; "" records nothing (interactive use)
seed = 1
n = 400
scenario = "hypothesis"
n_boot = 500

# %%
from glute_study import report

report.start(out_dir, notebook="05_mediation")
study = report.open_study(study_dir, n=n, seed=seed, scenario=scenario)
data = study.analysis_table()
data[["sitting_h_day", "glute_nm_kg", "hamstring_cramps", "exposure_h"]].describe()

# %% [markdown]
# The mediation analysis (`glute_study.stats.mediation`) is not on main yet; this notebook
# fills in when it lands.
