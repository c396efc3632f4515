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
# # 10 Surveillance figures (IOC 2020, STROBE-SIIS)
#
# The IOC consensus on injury and illness surveillance (Bahr et al. 2020) asks for incidence per
# 1000 h with match and training exposure apart, the severity of the health problems, and their
# prevalence over the season. Incidence by session type uses the same negative-binomial rate
# model as notebook 04; each athlete contributes a match and a training count, so the intervals
# are cluster-robust by team (athletes are nested in teams) or, without teams, by athlete. The
# overall rate is the model of each athlete's total count, as in notebook 04, so the two
# notebooks report one overall rate (the crude rate, events over hours, differs a little).

# %% tags=["parameters"]
study_dir = ""  # study folder; "" opens the demo cohort
out_dir = ""  # report folder; "" records nothing (interactive use)
seed = 2026
n = 400
scenario = "hypothesis"
alpha = 0.05

# %%
import matplotlib.pyplot as plt

from glute_study import report
from glute_study.figures.surveillance import (
    cramp_duration_plot,
    prevalence_plot,
    session_rates_plot,
    severity_plot,
)
from glute_study.stats._result import format_number
from glute_study.stats.incidence import rate_ratio
from glute_study.stats.surveillance import cramp_severity, session_incidence, weekly_prevalence

report.start(out_dir, notebook="10_surveillance")
study = report.open_study(study_dir, n=n, seed=seed, scenario=scenario)
sessions = study.session_table()
team = "team" if "team" in sessions and sessions["team"].nunique() > 1 else None
keys = ["participant_id", "session_type"] + (["team"] if team else [])
by_type = sessions.groupby(keys, as_index=False)[["exposure_h", "cramps",
                                                  "hamstring_cramps"]].sum()
robust = ("bias-reduced (CR2) cluster-robust standard errors by team" if team
          else "bias-reduced (CR2) cluster-robust standard errors by athlete")
overall_se = ("the same cluster-robust standard errors by team" if team
              else "robust (HC2) standard errors")

# %%
rates = session_incidence(sessions, events="cramps", cluster=team, level=1 - alpha)
ham = session_incidence(sessions, events="hamstring_cramps", cluster=team, level=1 - alpha)
crude = ham.table["crude_rate"].iloc[-1]
report.record(rates, name="rates_by_session", caption="Cramps (any muscle) per 1000 h of match "
              "and of training exposure, and overall",
              methods="Following the IOC consensus (Bahr et al. 2020), cramps were expressed per "
                      "1000 h of match and of training exposure apart, from a negative-binomial "
                      "model of each athlete's count in each session type with the log exposure "
                      f"hours as offset and {robust}. The overall rate is the same model of "
                      f"each athlete's total count over all sessions, with {overall_se}: the "
                      "overall rate of the cramp incidence analysis (section 04), not a second "
                      "estimate of it. It differs a little "
                      "from the crude rate (all cramps over all exposure hours; for hamstring "
                      f"cramps {format_number(crude)} per 1000 h) because the negative-binomial "
                      "model weights athletes by their exposure and the over-dispersion. In "
                      "every row, n is the number of athletes.")
report.record(ham, name="hamstring_rates_by_session", caption="Hamstring cramps per 1000 h of "
              "match and of training exposure, and overall")
ratio = rate_ratio(by_type, events="cramps", exposure="exposure_h", by="session_type",
                   reference="training", cluster=team or "participant_id", level=1 - alpha)
report.record(ratio, name="match_vs_training", caption="Incidence rate ratio of cramps in "
              "matches against training",
              methods="Match and training incidence were compared by the incidence rate ratio "
                      "of the same model, the athletes' own training as the reference.")
rates

# %%
ax = session_rates_plot([rates, ham])
report.record(ax, name="session_rates_plot", caption="Incidence of cramps (any muscle) and of "
              "hamstring cramps per 1000 h in matches and in training, and over all sessions, "
              f"with {100 * (1 - alpha):g} % confidence intervals")
plt.show()

# %% [markdown]
# ## Severity
#
# The study records, for each cramp, a self-rated severity (0-10), how long it lasted and
# whether play stopped. Time lost in days, the IOC's severity measure for injuries, is not a
# field of the cramps table and is not reported.

# %%
cramps = study.cramps.merge(sessions[["participant_id", "session_id", "session_type"]],
                            on=["participant_id", "session_id"], how="inner")
severity = cramp_severity(cramps, by="session_type")
report.record(severity, name="severity", caption="Severity of cramps by session type: "
              "self-rated severity (0-10) and duration as median (interquartile range), "
              "cramps that stopped play as n (%); time lost in days not recorded",
              methods="Severity was described by the self-rated severity (0-10) and the "
                      "duration of each cramp (median and interquartile range) and the number "
                      "that stopped play, by session type; time lost (days) was not recorded.")
severity

# %%
if "severity" in cramps and cramps["severity"].notna().any():
    ax = severity_plot(cramps, by="session_type")
    report.record(ax, name="severity_plot", caption="Distribution of the self-rated severity "
                  "of cramps (0-10) in matches and in training, as a percentage of the cramps "
                  "in each session type; time lost in days was not recorded")
    plt.show()

# %%
if "duration_s" in cramps and (cramps["duration_s"] > 0).any():
    ax = cramp_duration_plot(cramps, by="session_type")
    report.record(ax, name="duration_plot", caption="Duration of cramps in matches and in "
                  "training (log scale): each cramp a dot, boxes the median and interquartile "
                  "range, whiskers the 5th to 95th percentiles")
    plt.show()

# %% [markdown]
# ## Prevalence over the season
#
# Week 1 is each athlete's first seven days of follow-up. An athlete is at risk in a week with
# exposure in it; the weekly prevalence is the share of those athletes with at least one cramp.

# %%
prevalence = weekly_prevalence(sessions, week="week", events="cramps", level=1 - alpha)
report.record(prevalence, name="weekly_prevalence", caption="Weekly prevalence of cramping: "
              "athletes with at least one cramp among those with exposure in the week",
              methods="Prevalence over the season was the share of athletes with exposure in a "
                      "week of follow-up who had at least one cramp in it, with Wilson score "
                      "intervals (each athlete counts once per week).")
prevalence

# %%
ax = prevalence_plot(prevalence)
report.record(ax, name="prevalence_plot", caption="Weekly prevalence of cramping over the "
              "season: the percentage of athletes with exposure in the week who had at least "
              f"one cramp in it, with {100 * (1 - alpha):g} % Wilson score intervals (band)")
plt.show()
