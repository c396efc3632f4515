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
# # 07 Time to first hamstring cramp
#
# Kaplan-Meier curves of the time to a participant's first hamstring cramp, by arm (or by
# sitting tertile without a trial), with a log-rank test, and a Cox model adjusted for the
# strongest known predictor, previous cramping.

# %% tags=["parameters"]
study_dir = ""  # study folder; "" opens the demo cohort
out_dir = ""  # report folder; "" records nothing (interactive use)
seed = 2026
n = 400
scenario = "hypothesis"
alpha = 0.05

# %%
import matplotlib.pyplot as plt

from glute_study import measures, report
from glute_study.figures.survival import km_plot
from glute_study.stats.survival import cox_model, kaplan_meier

report.start(out_dir, notebook="07_time_to_cramp")
study = report.open_study(study_dir, n=n, seed=seed, scenario=scenario)
data = study.analysis_table()
data = data.merge(study.cramp_times(muscle="hamstring"), on="participant_id", how="left")
data["sitting_tertile"] = measures.sitting_tertiles(data)
group = "arm" if measures.randomised(data).any() else "sitting_tertile"

# %%
km = kaplan_meier(data, time="time", event="event", group=group, level=1 - alpha)
report.record(km, name="kaplan_meier", caption=f"Median days to first hamstring cramp by {group}",
              methods="Time to the first hamstring cramp (days from the start of follow-up) "
                      "was described with Kaplan-Meier estimates and compared with the "
                      "log-rank test.")
km

# %%
ax = km_plot(km)
ax.set_xlabel("Days since start of follow-up")
ax.set_ylabel("Free of hamstring cramps")
report.record(ax, name="kaplan_meier_plot", caption="Time to first hamstring cramp")
plt.show()

# %%
covariates = [c for c in ["sitting_h_day", "prior_cramps", "age"] if c in data.columns]
if group == "arm":
    covariates = ["C(arm)", *covariates]
cox = cox_model(data, " + ".join(covariates), time="time", event="event", level=1 - alpha)
report.record(cox, name="cox", caption="Hazard ratios of a first hamstring cramp",
              methods="Hazard ratios came from a Cox model (Efron ties) with a Schoenfeld-"
                      "residual check of proportional hazards.")
cox
