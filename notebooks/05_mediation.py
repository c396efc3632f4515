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
study_dir = ""  # study folder; "" opens the demo cohort
out_dir = ""  # report folder; "" records nothing (interactive use)
seed = 2026
n = 400
scenario = "hypothesis"
alpha = 0.05
n_boot = 5000
sesoi = 1.1

# %%
import matplotlib.pyplot as plt
from IPython.display import display

from glute_study import report
from glute_study.figures.mediation import mediation_sensitivity_plot
from glute_study.plan import analysis_plan
from glute_study.stats.mediation import mediation

report.start(out_dir, notebook="05_mediation")
study = report.open_study(study_dir, n=n, seed=seed, scenario=scenario)
data = study.analysis_table()
plan = analysis_plan(study)  # the declared primary hypotheses and adjustment sets
data[["sitting_h_day", "glute_nm_kg", "hamstring_cramps", "exposure_h"]].describe()

# %% [markdown]
# ## Natural direct and indirect effects
#
# The contrast is the interquartile range of device sitting. The outcome is the hamstring cramp
# rate per 1000 h (negative binomial with the log exposure hours as offset); the mediator model
# is linear. Intervals are BCa bootstrap intervals.

# %%
hypothesis = plan["indirect"]
med = mediation(data, x=hypothesis.exposure, m="glute_nm_kg", y=hypothesis.outcome,
                covariates=list(hypothesis.covariates), exposure="exposure_h",
                family="negbin", n_boot=n_boot, seed=seed, executor="serial", level=1 - alpha)
report.record(med, name="mediation", caption="Mediation of the sitting-cramp association by "
              "glute strength (rate ratios per interquartile range of sitting)",
              methods=f"Natural direct and indirect effects of device sitting on the hamstring "
                      f"cramp rate through glute strength were estimated by the g-formula "
                      f"(linear mediator model, negative-binomial outcome model with a "
                      f"log-exposure offset, adjusted for {hypothesis.adjustment_words()}), "
                      f"with "
                      f"BCa intervals from {n_boot} bootstrap replicates (seed {seed}). "
                      "Device sitting and glute strength were measured at baseline, before "
                      "the follow-up in which cramps were counted; that sitting precedes "
                      "strength is assumed, not observed. "
                      + med.diagnostics["assumptions"])
report.record_hypothesis(med, hypothesis, term="indirect", where={"scale": "rate_ratio"},
                         sesoi=sesoi, alpha=alpha)
med

# %% [markdown]
# ## Sensitivity to unmeasured confounding
#
# Mediation assumes no unmeasured confounding of glute strength and cramps, nor of sitting and
# cramps. The E-values say how strong such a confounder would have to be to explain each effect
# away; a second fit with the sitting-by-glute-strength interaction checks that the effect of
# glute strength on cramps does not depend on sitting.

# %%
e_values = med.frame("e_values")
report.record(e_values, name="e_values", caption="E-values of the total, direct and indirect "
              "effects (the confounding each guards against)",
              methods="Sensitivity to unmeasured exposure-outcome and mediator-outcome "
                      "confounding was assessed with E-values of the total, direct and "
                      "indirect rate ratios (Ding and VanderWeele).")
with_interaction = mediation(data, x=hypothesis.exposure, m="glute_nm_kg", y=hypothesis.outcome,
                             covariates=list(hypothesis.covariates), exposure="exposure_h",
                             family="negbin", interaction=True, n_boot=n_boot, seed=seed,
                             executor="serial", level=1 - alpha)
report.record(with_interaction, name="mediation_interaction", caption="Sensitivity analysis: "
              "mediation with the sitting-by-glute-strength interaction in the outcome model",
              methods="As a sensitivity analysis the outcome model also held the "
                      "exposure-by-mediator interaction (pure natural direct and total natural "
                      "indirect effects).")
e_values

# %%
sensitivity = med.frame("sensitivity")
report.record(sensitivity, name="sensitivity", caption="Sensitivity of the indirect effect to "
              "unmeasured mediator-outcome confounding",
              methods="Sensitivity to unmeasured mediator-outcome confounding was assessed "
                      "with E-values (Ding and VanderWeele bounding factor).")
ax = mediation_sensitivity_plot(med)
report.record(ax, name="sensitivity_plot", caption="Largest indirect rate ratio left by an "
              "unmeasured confounder of a given strength")
plt.show()
sensitivity

# %% [markdown]
# ## Mediation within the trial
#
# The trial allows a cleaner test of the same chain: glute training (randomised, so nothing
# confounds the arm) -> glute strength at the post-test (mid-follow-up) -> hamstring cramps
# after the post-test. The mediator is measured before the cramps it is to explain; only the
# cramps and exposure after the post-test count. The mediator-outcome path can still be
# confounded, so baseline glute strength and the plan's prognostic covariates of the trial are
# adjusted for.

# %%
trial = study.trial_mediation_table()
has_window = trial["exposure_h_after_post"].notna().any() if len(trial) else False
if trial["arm"].nunique() >= 2 and has_window:
    trial_plan = plan["trial"]
    covariates = ["glute_nm_kg", *[c for c in trial_plan.covariates if c != "glute_nm_kg"]]
    team = "team" if "team" in trial and trial["team"].notna().any() else None
    within = mediation(trial, x="glute_training", m="glute_nm_kg_post",
                       y="hamstring_cramps_after_post", covariates=covariates,
                       exposure="exposure_h_after_post", family="negbin", cluster=team,
                       n_boot=n_boot, seed=seed, executor="serial", level=1 - alpha)
    report.record(
        within, name="mediation_trial",
        caption="Mediation within the trial: glute training, glute strength at the post-test "
                "and hamstring cramps after the post-test (rate ratios, glute training vs "
                "control)",
        methods="Within the trial, the effect of glute training on the hamstring-cramp rate "
                "after the post-test (mid-follow-up) was decomposed into a natural indirect "
                "effect through glute strength at the post-test and a natural direct effect, "
                "by the same g-formula (linear mediator model, negative-binomial outcome "
                "model with the log exposure hours after the post-test as offset; the "
                "mediator was measured before the outcome window, which starts after the "
                "post-test), adjusted "
                "for baseline glute strength (a mediator-outcome confounder) and "
                f"{trial_plan.adjustment_words()}, with BCa intervals from {n_boot} bootstrap "
                "replicates" + (" resampling teams" if team else "") + f" (seed {seed}). "
                "Randomisation removes exposure-outcome and exposure-mediator confounding; "
                "mediator-outcome confounding is not removed by it.")
    truth = study.truth or {}
    if "irr_training_indirect" in truth:
        report.record(f"In the simulated data, the true indirect rate ratio through the glute "
                      f"gain was {truth['irr_training_indirect']:.2f} and the true direct "
                      f"rate ratio {truth['irr_training_direct']:.2f}.",
                      name="mediation_trial_truth")
    display(within)
else:
    print("No mediation within the trial: the study has no randomised arms with a post-test "
          "followed by exposure inside follow-up.")
