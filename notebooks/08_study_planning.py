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
# How many athletes would a study like this one need? Power curves come from simulating whole
# studies with the package's simulator, whose causal model is the study's causal diagram, and
# analysing each as planned. The
# simulated cohorts take their cramp rate, dispersion, exposure, spreads and dropout from this
# study's data (the planning inputs below); the effects to detect are the analysis plan's smallest
# effects of interest, never this study's estimates (power at an observed effect only restates
# its p-value).

# %% tags=["parameters"]
study_dir = ""  # study folder; "" opens the demo cohort
out_dir = ""  # report folder; "" records nothing (interactive use)
seed = 2026
n = 400
scenario = "hypothesis"
n_sims = 100
alpha = 0.05
sesoi = 1.1

# %%
import matplotlib.pyplot as plt
from IPython.display import display

from glute_study import report
from glute_study.figures.power import power_panels
from glute_study.plan import analysis_plan
from glute_study.stats.planning import planning_inputs
from glute_study.stats.simulation_power import power

report.start(out_dir, notebook="08_study_planning")
study = report.open_study(study_dir, n=n, seed=seed, scenario=scenario)
data = study.analysis_table()
plan = analysis_plan(study)  # the smallest effects of interest (equivalence bounds)

# %% [markdown]
# ## Planning inputs
#
# Each input is estimated from this study and calibrated into the simulator (which draws true
# sitting and strength and then measures them with error); the first table says where each
# comes from: observed in this study, the simulator's default, or the plan's smallest effect of
# interest. The second says what each input sets in the simulator and the calibrated value it
# was given.

# %%
inputs = planning_inputs(data, plan=plan, sesoi=sesoi, seed=seed, level=1 - alpha)
report.record(inputs, name="planning_inputs", caption="Planning inputs: what the simulated "
              "studies take from this study, and the effects they are planned to detect",
              methods=inputs.diagnostics["methods"])
inputs.table

# %%
simulator = inputs.frame("simulator")
report.record(simulator, name="planning_simulator", caption="What each planning input sets in "
              "the simulator, and the calibrated true-scale value it was given")
simulator

# %% [markdown]
# ## Power curves
#
# Each point simulates whole studies (the number is in each curve's sentence) and analyses each
# one as planned: the total
# effect of sitting, the glute-strength link, the indirect effect through the glutes (the
# joint-significance test of both paths; AGReMA item 17) and the trial, each adjusted for the
# covariates the analysis plan declares for its hypothesis (the confounders of the causal
# diagram, then the prognostic covariates). A planned covariate the simulator does not draw is
# named in the curve's sentence.

# %%
sizes = (100, 200, 400, 800, 1600)
curves = []
for analysis in ("cohort_sitting", "cohort_glute", "indirect", "trial"):
    curve = power(analysis, n=sizes, reps=n_sims, alpha=alpha, seed=seed, inputs=inputs,
                  plan=plan, executor="serial")
    what = curve.diagnostics["title"]
    methods = {"cohort_sitting": f"Power was estimated for each primary hypothesis by "
                                 f"simulating {n_sims} studies per sample size from the causal "
                                 "model with the planning inputs (seed "
                                 f"{seed}) and analysing each as planned, adjusted for the "
                                 "covariates the analysis plan declares for the hypothesis "
                                 "tested.",
               "indirect": "The power of the mediation analysis (the indirect effect of "
                           "sitting through glute strength) was that of the joint-significance "
                           "test of its two paths, sitting to strength and strength to cramps."}
    report.record(curve, name=f"power_{analysis}",
                  caption=f"Simulated power: {what[:1].lower() + what[1:]}",
                  methods=methods.get(analysis, ""))
    curves.append(curve)
    display(curve)

# %%
fig = power_panels(curves)
report.record(fig, name="power_plot", caption="Simulated power by sample size for each primary "
              "hypothesis: the cohort's three links and the trial", width="double")
plt.show()
