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
# Time to each athlete's first hamstring cramp on the exposure-hours scale: the clock runs only
# while an athlete trains or plays, so an athlete who trains more is at risk for longer. Athletes
# without any exposure in follow-up are never on the clock and are left out (and counted).
# Kaplan-Meier curves by arm as randomised (by sitting tertile without a trial), with the numbers
# at risk beneath and the log-rank test, and a Cox model adjusted for the covariates the analysis
# plan names for that comparison.

# %% tags=["parameters"]
study_dir = ""  # study folder; "" opens the demo cohort
out_dir = ""  # report folder; "" records nothing (interactive use)
seed = 2026
n = 400
scenario = "hypothesis"
alpha = 0.05

# %%
import matplotlib.pyplot as plt
from IPython.display import display

from glute_study import measures, report
from glute_study.figures.survival import km_plot
from glute_study.labels import label
from glute_study.plan import analysis_plan
from glute_study.stats.survival import cox_model, kaplan_meier, left_out_text, numbers_at_risk

report.start(out_dir, notebook="07_time_to_cramp")
study = report.open_study(study_dir, n=n, seed=seed, scenario=scenario)
plan = analysis_plan(study)  # the declared hypotheses and their adjustment sets
data = study.analysis_table()
data = data.merge(study.cramp_times(muscle="hamstring", scale="exposure"),
                  on="participant_id", how="left")
data["sitting_tertile"] = measures.sitting_tertiles(data)
if measures.randomised(data).any():
    # the trial: every randomised athlete in the arm they were randomised to
    group, hypothesis = "arm", plan["trial"]
    data = data[measures.randomised(data)]
else:
    group, hypothesis = "sitting_tertile", plan["sitting_cramps"]
left_out = left_out_text(data, group=group)  # who is not at risk on the exposure clock
print(left_out or "Every athlete was at risk.")

# %% [markdown]
# ## Kaplan-Meier curves and numbers at risk

# %%
by = label(group, unit=False, mid=True)
as_randomised = (" by intention to treat (each athlete in the arm they were randomised to)"
                 if group == "arm" else "")
timed = ("hours played up to it (its session's start time is known)"
         if "start_time" in study.exposure.columns and study.exposure["start_time"].notna().any()
         else "end of its session (session start times were not recorded)")
km = kaplan_meier(data, time="time", event="event", group=group, level=1 - alpha,
                  left_out="left_out", scale="exposure")
report.record(km, name="kaplan_meier",
              caption=f"Median cumulative exposure (h) to a first hamstring cramp by {by}",
              methods="Time to the first hamstring cramp was measured in cumulative exposure "
                      "hours (training and match hours from the start of follow-up), so that "
                      "time ran only while an athlete trained or played; a cramp counted at the "
                      f"{timed}, and athletes without a cramp were censored at their total "
                      "exposure in follow-up. An athlete without any exposure in follow-up is at "
                      "risk at no exposure time, so is in neither the Kaplan-Meier nor the Cox "
                      "analysis" + (f": {left_out}" if left_out else " (every athlete had "
                                    "exposure).")
                      + f" Athletes were compared by {by}{as_randomised} with Kaplan-Meier "
                      "estimates (Greenwood variance, pointwise intervals on the log scale), "
                      "the numbers at risk at round exposure times, and the log-rank test.")
risk = numbers_at_risk(km)  # at the times the figure's axis is ticked at
report.record(risk, name="numbers_at_risk",
              caption=f"Numbers at risk by {by} at cumulative exposure times, with the hamstring "
                      "cramps so far and the Kaplan-Meier proportion without a cramp",
              note="Number at risk: athletes still followed at that exposure (not yet cramped or "
                   "censored). Censored: athletes whose follow-up ended without a cramp.")
display(km)
risk

# %%
ax = km_plot(km)  # y: proportion without a cramp; x: the result's time scale in words
report.record(ax, name="kaplan_meier_plot",
              caption=f"Time to first hamstring cramp by {by}, on the exposure-hours scale, with "
                      f"the numbers at risk ({km.level_pct} % pointwise confidence bands)")
plt.show()

# %% [markdown]
# ## Cox model
#
# Hazard ratios of a first hamstring cramp, with the covariates the analysis plan names: for the
# trial, those of the primary (rate) analysis; without a trial, the adjustment set of the total
# effect of sitting, with the sitting tertiles of the curves in place of the linear term.

# %%
terms = [f"C({group})", *hypothesis.terms()[1:]]  # the compared groups, then the plan's set
cox = cox_model(data, " + ".join(terms), time="time", event="event", level=1 - alpha,
                left_out="left_out")
compared = ("glute training vs control" if group == "arm" else
            "the middle and high against the low sitting tertile")
report.record(cox, name="cox", caption=f"Hazard ratios of a first hamstring cramp by {by}",
              methods=f"Hazard ratios ({compared}) came from a Cox proportional-hazards model on "
                      "the same exposure-hours scale, with Efron's method for tied times, "
                      f"adjusted for {hypothesis.adjustment_words(why=True)}, as the analysis "
                      "plan specifies for "
                      + ("the trial" if group == "arm" else "the total effect of sitting")
                      + ". Proportional hazards were checked with the Schoenfeld-residual score "
                        "test (per term and global, on the Kaplan-Meier transform of time).")
cox
