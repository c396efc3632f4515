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
# # 11 EMG: onset order and amplitude
#
# The claim says that long sitting makes the glutes slow and feeble to fire, so that the
# hamstrings take over hip extension (they fire first and do more) and then cramp. Surface EMG
# in prone hip extension measures both parts: the glute minus hamstring onset delay (ms;
# positive when the hamstrings fire first) and the amplitude of each muscle (%MVIC). In
# healthy adults the hamstrings usually fire before the gluteus maximus in this task (glute
# onset about 100 ms later, SD about 80-140 ms): hamstring-first onset is common in people
# without pain or cramps, so it is described here, never labelled as a fault. The analysis
# asks whether onset and amplitude go with device-measured sitting, and whether the onset delay
# goes with the hamstring-cramp rate.
#
# EMG is used as a baseline measure only: from an athlete's first EMG session on or before the
# first day of follow-up (the day cramp and exposure counting, and in a trial the randomised
# training, begins). EMG recorded only after follow-up began would follow randomisation and
# part of the cramps it is set against, so it is left out (and counted) rather than used.

# %% tags=["parameters"]
study_dir = ""  # study folder; "" opens the demo cohort
out_dir = ""  # report folder; "" records nothing (interactive use)
seed = 2026
n = 400
scenario = "hypothesis"
alpha = 0.05

# %%
from dataclasses import replace
from textwrap import fill

import matplotlib.pyplot as plt
from IPython.display import display

from glute_study import measures, report
from glute_study._escape import figure_text
from glute_study.causal import STUDY_DAG
from glute_study.figures import PALETTE, get_ax
from glute_study.figures.rates import rates_plot
from glute_study.labels import label
from glute_study.plan import analysis_plan
from glute_study.stats.associations import linear_model, proportion
from glute_study.stats.counts import count_model
from glute_study.stats.incidence import incidence, rate_ratio

report.start(out_dir, notebook="11_emg")
study = report.open_study(study_dir, n=n, seed=seed, scenario=scenario)
data = study.analysis_table()
plan = analysis_plan(study)  # the declared adjustment sets
data["sitting_tertile"] = measures.sitting_tertiles(data)  # thirds of the whole cohort
data["onset_order"] = measures.onset_order(data)
EMG = ["glute_onset_delay_ms", "glute_pct_mvic", "hamstring_pct_mvic", "hamstring_glute_ratio"]
emg = data[data["glute_onset_delay_ms"].notna()].copy()
cluster = "team" if "team" in data and data["team"].nunique() > 1 else None
robust = ("bias-reduced (CR2) cluster-robust standard errors by team" if cluster
          else "heteroskedasticity-consistent (HC2) standard errors")
MIN_ATHLETES = 20  # fewer athletes with an onset delay: described, not modelled
modelled = len(emg) >= MIN_ATHLETES

# %% [markdown]
# ## Who has EMG
#
# Every athlete of the study is accounted for: those with a glute minus hamstring onset delay
# from prone hip extension at their baseline EMG session (the first on or before the first
# day of follow-up), and for the others the reason the delay is missing, among them EMG
# recorded only after follow-up began. Then when the EMG used was recorded.

# %%
reasons = measures.emg_coverage(study.activation, study.participants)
timing = measures.emg_sessions(study.activation, study.participants)
coverage = (reasons.map(measures.EMG_REASONS).value_counts()
            .reindex(list(measures.EMG_REASONS.values()), fill_value=0))
coverage = coverage[coverage > 0].rename_axis("reason").reset_index(name="athletes")
coverage["percent"] = (100 * coverage["athletes"] / len(data)).round(1)
lacking = coverage[coverage["reason"] != measures.EMG_REASONS["with_onset_delay"]]
why = "; ".join(f"{r.reason}, {r.athletes}" for r in lacking.itertuples()) or "none"

# When the EMG used was recorded, relative to the first day of follow-up
days = timing["days_before_follow_up"]
used = days.reindex(emg["participant_id"])
late = -days[~timing["baseline"] & timing.index.isin(reasons.index)]  # no baseline session
trial_study = bool(measures.randomised(data).any())
began = "follow-up (and the randomised training)" if trial_study else "follow-up"


def spread(d, side):
    """How many days before or after the first day of follow-up, in words."""
    if d.min() == d.max():
        return f"{d.min():.0f} days {side} it"
    return f"a median of {d.median():.0f} days (range {d.min():.0f} to {d.max():.0f}) {side} it"


when = ""
if len(used):
    when = (f"EMG was a baseline measure: the EMG session used was on or before the first day "
            f"of follow-up for every athlete analysed, {spread(used, 'before')}, so before "
            f"{began} began and before any cramp or exposure hour was counted; the onset delay "
            "therefore precedes the cramps it is related to (the temporal order of exposure, "
            "mediator and outcome that STROBE and AGReMA ask to be stated).")
    if (same_day := int((used == 0).sum())):
        when += (f" Of them, {same_day} {'were' if same_day > 1 else 'was'} tested on the first "
                 "day of follow-up itself, which counts as baseline (as for glute strength).")
if len(late):
    when += (f" EMG was recorded only after {began} began for {len(late)} "
             f"athlete{'s' if len(late) > 1 else ''} ({spread(late, 'after')}): such EMG is "
             f"measured {'after randomisation and ' if trial_study else ''}after part of the "
             "cramps it would be set against, so it was left out of every EMG analysis, and no "
             "later session was used in place of a missing baseline one.")
elif len(used):
    when += " No athlete had EMG recorded only after follow-up began."
if len(emg):
    said = (f"Of the {len(data)} athletes, {len(emg)} ({100 * len(emg) / len(data):.1f} %) had "
            "a glute minus hamstring onset delay from surface EMG in prone hip extension at "
            "their baseline EMG session (the first on or before the first day of follow-up): "
            "per trial the gluteus maximus onset minus the mean onset of the hamstring "
            "muscles, averaged over trials (positive when the hamstrings fire first). Glute and "
            "hamstring activation are the mean amplitudes (%MVIC) of the same trials, and the "
            "hamstring:glute amplitude ratio is the ratio of the two means. The others lacked "
            f"it (reasons, athletes): {why}. {when.strip()}")
else:
    said = (f"The study has no EMG data from which an onset delay could be formed: none of "
            f"the {len(data)} athletes has a glute minus hamstring onset delay at a baseline "
            f"EMG session (reasons: {why}). The EMG analyses were not done. {when.strip()}")
report.record(coverage, name="emg_coverage", caption="Athletes with a glute minus hamstring "
              "onset delay, and the reason each of the others has none", methods=said)
if not len(emg):
    report.record(said, name="no_emg")
print(said)
coverage

# %% [markdown]
# ## Description by sitting tertile and by arm
#
# Onset delay and amplitudes by tertile of device-measured sitting (the thirds of the whole
# cohort, as in notebook 04) and, in a trial, by arm. Only baseline EMG sessions (on or before
# the first day of follow-up, before the randomised training) are used, so the table by arm
# describes the arms at baseline, as a CONSORT baseline table does.

# %%
if len(emg):
    by_tertile = report.table_one(emg, by="sitting_tertile", columns=["sitting_h_day", *EMG])
    report.record(by_tertile, name="by_sitting_tertile", caption="EMG onset delay and "
                  "amplitudes by tertile of device-measured sitting, athletes with an onset "
                  "delay", note="Mean (SD). Athletes without device sitting are in the overall "
                  "column only; 'missing' counts athletes without the value.",
                  methods="The EMG measures were described as mean (SD) by tertile of "
                          "device-measured sitting (thirds of the whole cohort) and, in a "
                          "trial, by arm; in the models sitting and the onset delay were "
                          "continuous (the delay per SD for the cramp rate), and the onset "
                          "order was grouped as hamstrings first (delay above 0) or glute "
                          "first or together.")
    display(by_tertile)
    trial = emg[measures.randomised(emg)]
    if trial["arm"].nunique() >= 2:
        by_arm = report.table_one(trial, by="arm", columns=EMG)
        report.record(by_arm, name="by_arm", caption="EMG onset delay and amplitudes by arm at "
                      "the baseline EMG session (before follow-up and the randomised training "
                      "began)", note="Mean (SD). Athletes with EMG recorded only after "
                      "follow-up began are not in the table.")
        display(by_arm)

# %% [markdown]
# ## How common hamstring-first onset is
#
# The share of athletes whose hamstrings fired before the gluteus maximus (a delay above 0),
# with Wilson score intervals: a description of the cohort, not a count of faults.

# %%
if len(emg):
    by = "arm" if emg["arm"].notna().any() and emg["arm"].nunique() >= 2 else None
    share = proportion(emg, column="onset_order", value="hamstrings_first", by=by,
                       level=1 - alpha)
    report.record(share, name="hamstrings_first", caption="Athletes whose hamstrings fired "
                  "before the gluteus maximus (onset delay above 0)",
                  methods="The onset order was described by the share of athletes whose "
                          "hamstrings fired first (glute minus hamstring onset delay above 0), "
                          "with Wilson score intervals; hamstring-first onset is common in "
                          "people without pain or cramps (in healthy adults the glute onset "
                          "follows by about 100 ms), so the share describes the onset order "
                          "and is not a diagnosis.")
    print(share.text)

# %% [markdown]
# ## Onset and amplitude against device-measured sitting
#
# Each EMG measure on device-measured sitting by least squares, adjusted for the confounders of
# sitting effects in the analysis plan (the causes of sitting in the study's causal diagram),
# with robust standard errors. The diagram draws an arrow from sitting to the onset delay (the
# claim) and none from age or sex to it, so its minimal set for the delay is empty; adjusting
# for the causes of sitting is sufficient whatever age and sex do to the EMG.

# %%
sitting_link = plan["sitting_cramps"]  # its confounders are those of every sitting effect
if modelled:
    exposure_link = {}
    for col in EMG:
        h = replace(sitting_link, outcome=col, precision=())
        exposure_link[col] = linear_model(emg, h.formula(), cluster=cluster, level=1 - alpha)
    methods = ("Each EMG measure (onset delay, glute and hamstring activation and their ratio) "
               "was regressed on device-measured sitting by least squares adjusted for "
               f"{h.adjustment_words(why=True)}, with {robust} and t intervals on "
               "Satterthwaite degrees of freedom.")
    for i, (col, res) in enumerate(exposure_link.items()):
        report.record(res, name=f"sitting_{col}", caption=f"{label(col)} against "
                      "device-measured sitting (linear model; coefficients in the measure's "
                      "unit)", methods=methods if i == 0 else "")
        print(res.text)
else:
    print(f"Fewer than {MIN_ATHLETES} athletes with an onset delay: no models were fitted.")

# %% [markdown]
# ## Onset delay and the hamstring-cramp rate
#
# A negative-binomial model of each athlete's hamstring cramps with the log exposure hours as
# offset, on the onset delay per SD (the SD of the athletes with EMG, in ms; baseline EMG
# only, so the delay was measured before every cramp it is set against), adjusted for the
# confounders of the delay in the causal diagram (device-measured sitting, its only cause) and,
# for precision, the prognostic covariates of the plan; standard errors cluster-robust by team.
# Then the cramp rate per 1000 h of hamstring-first and glute-first athletes.

# %%
at_risk = emg[emg["exposure_h"] > 0].copy()
if modelled and len(at_risk) >= MIN_ATHLETES:
    sd = float(at_risk["glute_onset_delay_ms"].std())
    at_risk["glute_onset_delay_sd"] = at_risk["glute_onset_delay_ms"] / sd
    backdoor = STUDY_DAG.adjustment_set("glute_onset_delay_ms", "hamstring_cramps")
    outcome_link = replace(plan["glute_cramps"], exposure="glute_onset_delay_sd",
                           adjust=backdoor, adjust_source="the backdoor criterion on the "
                           "study's causal diagram")
    negbin = count_model(at_risk, outcome_link.formula(), exposure="exposure_h",
                         family="negbin", cluster=cluster, level=1 - alpha)
    report.record(negbin, name="cramps_on_onset_delay", caption="Negative binomial model of "
                  "hamstring cramps on the glute minus hamstring onset delay per SD "
                  f"({sd:.0f} ms), adjusted for {outcome_link.adjustment_words()} (incidence "
                  "rate ratios)",
                  methods="The hamstring-cramp rate was related to the glute minus hamstring "
                          f"onset delay per SD ({sd:.0f} ms among the {len(at_risk)} athletes "
                          "with EMG and exposure) by negative-binomial regression with a "
                          "log-exposure offset, adjusted for "
                          f"{outcome_link.adjustment_words(why=True)}"
                          + (f", with {robust}" if cluster else "") + ".")
    print(negbin.text)
    orders = at_risk["onset_order"].nunique()
    rates = incidence(at_risk, events="hamstring_cramps", exposure="exposure_h",
                      by="onset_order", cluster=cluster, level=1 - alpha)
    report.record(rates, name="rates_by_onset_order", caption="Hamstring cramps per 1000 h "
                  "by onset order",
                  methods="Cramp rates per 1000 h of hamstring-first and glute-first athletes "
                          "came from a negative-binomial model of each athlete's count with "
                          f"the log exposure hours as offset and {robust}.")
    if orders == 2:
        ratio = rate_ratio(at_risk, events="hamstring_cramps", exposure="exposure_h",
                           by="onset_order", reference="glute_first", cluster=cluster,
                           level=1 - alpha)
        report.record(ratio, name="rate_ratio_by_onset_order", caption="Incidence rate ratio "
                      "of hamstring cramps, hamstrings first vs glute first or together "
                      "(unadjusted)")
        print(ratio.text)
    display(rates)
elif len(emg):
    print(f"Fewer than {MIN_ATHLETES} athletes with an onset delay and exposure: the cramp "
          "rate was not modelled on it.")

# %%
if modelled and len(at_risk) >= MIN_ATHLETES:
    fig, axes = plt.subplots(1, 2, figsize=(174 / 25.4, 80 / 25.4), layout="constrained")
    ax = get_ax(axes[0])
    shown = emg.dropna(subset=["sitting_h_day"])
    ax.scatter(shown["sitting_h_day"], shown["glute_onset_delay_ms"], s=6, alpha=0.6,
               color=PALETTE[0])
    ax.axhline(0, color=PALETTE[7], linewidth=0.8, linestyle="--")
    ax.set_xlabel(figure_text(label("sitting_h_day")))
    ax.set_ylabel(figure_text(fill(label("glute_onset_delay_ms"), 28)))
    rates_plot(rates, ax=axes[1])
    axes[1].set_xticks(axes[1].get_xticks(), [fill(t.get_text(), 14)
                                              for t in axes[1].get_xticklabels()])
    axes[1].set_xlabel(figure_text(label("onset_order")))
    report.record(fig, name="onset_figure", width="double", caption="Glute minus hamstring "
                  "onset delay against device-measured sitting (left; above the dashed line "
                  "the hamstrings fired first) and hamstring cramps per 1000 h by onset order "
                  f"(right, {rates.level_pct} % CI)")
    plt.show()
