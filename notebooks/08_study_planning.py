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
# # 08 Study planning
#
# How many athletes would a study need to detect the hypothesised effects? Power curves come
# from simulating whole studies under stated assumptions (`glute_study.simulate_study`) and
# analysing each one.

# %% tags=["parameters"]
study_dir = ""  # study folder; "" simulates the demo cohort
out_dir = ""  # report folder; "" records nothing (interactive use)
seed = 1
n = 400
scenario = "hypothesis"
n_sims = 100

# %%
from glute_study import report

report.start(out_dir, notebook="08_study_planning")

# %% [markdown]
# The power analysis (`glute_study.stats.power`) is not on main yet; this notebook fills in
# when it lands.
