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
# Randomised comparison of glute training with control, reported as CONSORT asks: the flow of
# athletes by arm, the primary outcome (hamstring cramps per exposure hour) by intention to
# treat with its relative and absolute effect, and the change in glute strength from baseline
# to post-test.

# %% tags=["parameters"]
study_dir = ""  # study folder; "" opens the demo cohort
out_dir = ""  # report folder; "" records nothing (interactive use)
seed = 2026
n = 400
scenario = "hypothesis"
alpha = 0.05
sesoi = 1.1

# %%
import matplotlib.pyplot as plt
from IPython.display import display

from glute_study import measures, report
from glute_study._escape import figure_text
from glute_study.codebook import FOLLOW_UP_COLUMNS
from glute_study.conduct import study_conduct
from glute_study.figures import flow_diagram, get_ax
from glute_study.figures.agreement import trial_plot
from glute_study.labels import label, level_label
from glute_study.plan import analysis_plan
from glute_study.stats.incidence import incidence
from glute_study.stats.trial import trial_effect, trial_rate_effect

report.start(out_dir, notebook="06_trial")
study = report.open_study(study_dir, n=n, seed=seed, scenario=scenario)
data = study.analysis_table()
trial = data[measures.randomised(data)]
plan = analysis_plan(study)  # the declared primary hypotheses and adjustment sets
hypothesis = plan["trial"]
trial["arm"].value_counts()

# %% [markdown]
# ## How the trial was run
#
# What the tables cannot say (the programme of each arm, how the sequence was made and
# concealed, who was blinded) comes from the study's `study.json` "conduct" (for simulated
# data, what the simulator did). Fields nobody stated are listed here, and the CONSORT checklist
# flags the items they answer.

# %%
conduct = study_conduct(study)
if trial["arm"].nunique() >= 2:
    people = study.participants[study.participants["participant_id"].isin(
        trial["participant_id"])]
    methods = conduct.methods_text("trial", participants=people)
    report.record("", name="conduct", methods=methods)
    print(methods)
    for what in conduct.missing("trial"):
        print("Not stated (study.json \"conduct\" > \"trial\"):", what)

# %% [markdown]
# ## Participant flow by arm
#
# Every randomised athlete stays in the arm they were randomised to (intention to treat); an
# athlete leaves the primary analysis only for want of data: no exposure in follow-up (no rate
# can be formed) or a missing planned covariate. Baseline characteristics by arm are Table 1
# (notebook 01).

# %%
flow = study.trial_flow(covariates=hypothesis.covariates)
if trial["arm"].nunique() >= 2:
    report.record(flow, name="flow_by_arm", caption="Participant flow by arm (CONSORT): "
                  "enrolled, randomised, allocated, followed up and analysed, with the "
                  "exclusions after randomisation and their reasons",
                  methods="The primary analysis was by intention to treat: every randomised "
                          "athlete was analysed in the arm they were randomised to, whatever "
                          "the training they did; athletes without exposure in follow-up or "
                          "with a planned covariate missing could not enter the rate model "
                          "and are counted, with the reason, in the flow by arm.")
    ax = flow_diagram(flow)
    report.record(ax, name="flow_by_arm_diagram", width="double",
                  caption="CONSORT flow diagram by arm")
flow

# %% [markdown]
# ## Primary outcome: hamstring cramps per exposure hour
#
# One answer: the rate ratio of glute training against control from a negative-binomial model
# with the log exposure hours as offset, adjusted for previous cramping (the prognostic
# covariate the sample-size calculation assumes), by intention to treat (every randomised
# athlete with exposure, in the arm they were randomised to). When teams are recorded the
# analysis respects them: a mixed model with a random team intercept when whole teams were
# randomised, cluster-robust (CR2) errors when athletes were randomised within teams.

# %%
design = measures.trial_design(trial)
cluster = "team" if design in ("cluster", "individual_in_teams") else None
method = {"cluster": "glmm", "individual_in_teams": "cr2"}.get(design)
if trial["arm"].nunique() >= 2:
    rates = incidence(trial, events="hamstring_cramps", exposure="exposure_h", by="arm",
                      cluster=cluster, level=1 - alpha)
    report.record(rates, name="rates", caption="Hamstring cramps per 1000 h by arm",
                  methods="Cramp rates per arm are given with intervals from a negative-binomial "
                          "model with the log exposure hours as offset"
                          + (", cluster-robust (CR2) by team" if cluster else
                             ", with robust (HC2) standard errors") + ".")
    primary = trial_rate_effect(trial, events="hamstring_cramps", exposure="exposure_h",
                                covariates=list(hypothesis.covariates), cluster=cluster,
                                method=method, level=1 - alpha)
    how = {None: "", "glmm": " with a random intercept per team (teams were randomised)",
           "cr2": " with CR2 cluster-robust standard errors by team (athletes were randomised "
                  "within teams)"}[method]
    absolute = ("marginal over teams (the mean rate of a team drawn at random, not the rate "
                "of a team whose effect is 0)" if method == "glmm" else "")
    report.record(primary, name="primary", caption="Primary outcome: hamstring cramp rate "
                  "ratio and rate difference per 1000 h, glute training vs control",
                  methods="The primary outcome was the hamstring-cramp rate (cramps per "
                          "exposure hour in follow-up). It was compared between arms by "
                          f"intention to treat with negative-binomial regression{how}, a "
                          "log-exposure offset and adjustment for the planned prognostic "
                          f"covariates, {hypothesis.adjustment_words(why=True)}. The relative "
                          "effect is the rate ratio; the absolute effect is the rate "
                          "difference per 1000 h, standardised to the covariates of the "
                          "analysed athletes (every athlete's predicted rate with each arm, "
                          "averaged over athletes"
                          + (f", {absolute}" if absolute else "") + "), with a delta-method "
                          "interval from the same covariance as the rate ratio.")
    contrast = next(t for t in primary.table["term"] if t.startswith("arm[T."))
    report.record_hypothesis(primary, hypothesis, term=contrast, sesoi=sesoi, alpha=alpha)
    display(rates)
    display(primary)
    followed = [c for c in FOLLOW_UP_COLUMNS if c in trial.columns]
    outcomes = report.table_one(trial, by="arm", columns=followed)
    report.record(outcomes, name="outcomes_by_arm", caption="Follow-up and outcomes by arm",
                  note="Mean (SD); 'missing' counts athletes without the value (no exposure "
                       "in follow-up, no post-test). Measured after randomisation, so not "
                       "part of Table 1.")
    display(outcomes)
else:
    report.record_untested(hypothesis, reason="the study has no trial arms")
    print("This study has no trial arms.")

# %%
if trial["arm"].nunique() >= 2:
    ax = get_ax()
    for arm, part in trial.groupby("arm"):
        ax.scatter(part["glute_nm_kg"], part["glute_nm_kg_post"], s=5, alpha=0.5,
                   label=figure_text(level_label("arm", arm)))
    ax.set_xlabel(figure_text(label("glute_nm_kg")))
    ax.set_ylabel(figure_text(label("glute_nm_kg_post")))
    ax.legend(frameon=False, title=figure_text(label("arm", unit=False)))
    report.record(ax, name="strength_change", caption="Glute strength before and after, by arm")
    plt.show()

# %% [markdown]
# ## Adjusted trial effects
#
# Post-test glute strength adjusted for baseline (ANCOVA).

# %%
if trial["arm"].nunique() >= 2:
    strength = trial_effect(trial, outcome="glute_nm_kg_post", baseline="glute_nm_kg",
                            level=1 - alpha)
    report.record(strength, name="ancova", caption="Post-test glute strength by arm, adjusted "
                  "for baseline (ANCOVA)",
                  methods="Post-test HHD hip extension (Nm/kg) was compared between arms by "
                          "ANCOVA adjusted for baseline, with adjusted means and Hedges' g.")
    ax = trial_plot(strength)
    report.record(ax, name="ancova_plot", caption="Adjusted post-test glute strength by arm "
                  f"({strength.level_pct} % CI)")
    plt.show()
    display(strength)

# %% [markdown]
# ## Harms
#
# Harms and unintended effects in each arm (CONSORT 19), as the study stated them in
# `study.json` "conduct" > "trial" > "harms".

# %%
if trial["arm"].nunique() >= 2:
    harms = conduct.harms_text() or "Harms were not reported."
    report.record(harms, name="harms")
    print(harms)
