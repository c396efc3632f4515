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
# # 06 The glute-training trial
#
# Randomised comparison of glute training with control: hamstring cramp rates by arm, and the
# change in glute strength from baseline to post-test.

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
from glute_study._escape import figure_text
from glute_study.figures import get_ax
from glute_study.figures.agreement import trial_plot
from glute_study.stats.incidence import incidence, rate_ratio
from glute_study.stats.trial import trial_effect, trial_rate_effect

report.start(out_dir, notebook="06_trial")
study = report.open_study(study_dir, n=n, seed=seed, scenario=scenario)
data = study.analysis_table()
trial = data[measures.randomised(data)]
trial["arm"].value_counts()

# %%
if trial["arm"].nunique() >= 2:
    rates = incidence(trial, events="hamstring_cramps", exposure="exposure_h", group="arm",
                      level=1 - alpha)
    report.record(rates, name="rates", caption="Hamstring cramps per 1000 h by arm",
                  methods="Cramp incidence per 1000 h was compared between arms by the "
                          "incidence rate ratio with an exact conditional interval.")
    reference = "control" if "control" in set(trial["arm"]) else None
    irr = rate_ratio(trial, events="hamstring_cramps", exposure="exposure_h", group="arm",
                     reference=reference, level=1 - alpha)
    report.record(irr, name="rate_ratio", caption="Incidence rate ratio of hamstring cramps, "
                  "glute training vs control")
    display(irr)
else:
    print("This study has no trial arms.")

# %%
if trial["arm"].nunique() >= 2:
    ax = get_ax()
    for arm, part in trial.groupby("arm"):
        ax.scatter(part["glute_nm_kg"], part["glute_nm_kg_post"], s=5, alpha=0.5,
                   label=figure_text(arm))
    ax.set_xlabel("Baseline HHD hip extension (Nm/kg)")
    ax.set_ylabel("Post-test (Nm/kg)")
    ax.legend(frameon=False)
    report.record(ax, name="strength_change", caption="Glute strength before and after, by arm")
    plt.show()

# %% [markdown]
# ## Adjusted trial effects
#
# Post-test glute strength adjusted for baseline (ANCOVA), and the hamstring cramp rate ratio
# from a negative-binomial model with the log exposure hours as offset.

# %%
if trial["arm"].nunique() >= 2:
    strength = trial_effect(trial, outcome="glute_nm_kg_post", baseline="glute_nm_kg",
                            level=1 - alpha)
    report.record(strength, name="ancova", caption="Post-test glute strength by arm, adjusted "
                  "for baseline (ANCOVA)",
                  methods="Post-test HHD hip extension (Nm/kg) was compared between arms by "
                          "ANCOVA adjusted for baseline, with adjusted means and Hedges' g.")
    cramps = trial_rate_effect(trial, events="hamstring_cramps", exposure="exposure_h",
                               level=1 - alpha)
    report.record(cramps, name="rate_model", caption="Hamstring cramp rate ratio by arm "
                  "(negative binomial, log exposure offset)",
                  methods="Hamstring cramp counts were compared between arms by negative-"
                          "binomial regression with a log-exposure offset.")
    ax = trial_plot(strength)
    report.record(ax, name="ancova_plot", caption="Adjusted post-test glute strength by arm "
                  f"({strength.level_pct} % CI)")
    plt.show()
    display(strength)
    display(cramps)
