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
study_dir = ""  # study folder; "" opens the demo cohort
out_dir = ""  # report folder; "" records nothing (interactive use)
seed = 2026
n = 400
scenario = "hypothesis"
n_sims = 100
alpha = 0.05

# %%
import matplotlib.pyplot as plt
from IPython.display import display

from glute_study import report
from glute_study.figures.power import power_plot
from glute_study.stats.simulation_power import power

report.start(out_dir, notebook="08_study_planning")

# %% [markdown]
# ## Power curves
#
# Each point simulates `n_sims` whole cohorts from the causal model and analyses each one as
# the study would. Every effect is an assumption (see `glute_study.simulate.Effects`); the
# same curves under `scenario="null"` give the type I error rate.

# %%
sizes = (100, 200, 400, 800)
for analysis in ("cohort_sitting", "trial"):
    curve = power(analysis, n=sizes, reps=n_sims, alpha=alpha, scenario=scenario, seed=seed,
                  executor="serial")
    report.record(curve, name=f"power_{analysis}", caption=f"Simulated power: {analysis}",
                  methods=f"Power was estimated by simulating {n_sims} cohorts per sample size "
                          f"from the causal model (seed {seed}) and analysing each as planned.")
    ax = power_plot(curve)
    ax.set_title(analysis)
    report.record(ax, name=f"power_{analysis}_plot", caption=f"Simulated power by sample size: "
                  f"{analysis}")
    plt.show()
    display(curve)
