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
# # 02 Reliability of the strength tests
#
# Test-retest reliability of hand-held dynamometer (HHD) hip extension between sessions, on the
# variable every other analysis uses: torque per kg of body mass (Nm/kg), best trial per side
# (`glute_study.measures.strength_sessions`). The ICC, SEM, MDC95 and CV % are reported for each
# side, and the agreement between sessions for the mean of the sides. Reliability decides how
# large a change in glute strength an individual must show before it exceeds measurement error.

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
from glute_study.figures.agreement import bland_altman_plot
from glute_study.stats.reliability import bland_altman, reliability

report.start(out_dir, notebook="02_reliability")
study = report.open_study(study_dir, n=n, seed=seed, scenario=scenario)

# %%
values = measures.strength_sessions(study.strength, study.participants,
                                    test="hhd_hip_extension", rule="best")
unit = values.attrs["unit"]
sessions = sorted(values["session"].dropna().unique())
values.groupby("session")["value"].describe()

# %% [markdown]
# ## Test-retest reliability (sessions 1 and 2), per side

# %%
if len(sessions) >= 2:
    two = values[values["session"].isin(sessions[:2])]
    for side in ("left", "right"):
        res = reliability(two, subject="participant_id", session="session", value=side,
                          form="ICC3", level=1 - alpha, unit=unit)
        report.record(res, name=f"icc_{side}", caption=f"Reliability of HHD hip extension "
                      f"({unit}), {side} side (best of trials per session)",
                      methods=f"Test-retest reliability of HHD hip extension ({unit}, best "
                              "trial per side and session) was described by the six "
                              "Shrout-Fleiss ICC forms (ICC3 = ICC(C,1) reported), SEM, MDC95 "
                              "and CV %.")
        display(res)
else:
    print("Only one strength session: test-retest reliability needs two.")

# %% [markdown]
# ## Agreement between sessions (Bland-Altman)

# %%
if len(sessions) >= 2:
    ba = bland_altman(two, subject="participant_id", method="session", value="value",
                      level=1 - alpha, unit=unit)
    report.record(ba, name="bland_altman", caption=f"Agreement of HHD hip extension ({unit}) "
                  "between sessions 1 and 2 (mean of sides)",
                  methods="Agreement between sessions was summarised by the bias and 95 % "
                          "limits of agreement (Bland-Altman) with exact intervals.")
    ax = bland_altman_plot(ba)
    report.record(ax, name="bland_altman_plot", caption="Bland-Altman plot of HHD hip extension "
                  f"({unit})")
    plt.show()
