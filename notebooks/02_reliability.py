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
# Test-retest reliability of hand-held dynamometer (HHD) hip extension between sessions: the
# participant value of each session is the best trial per side, and the ICC, SEM, MDC95 and
# CV % are reported for each side. Reliability decides how large a change in glute strength an
# individual must show before it exceeds measurement error.

# %% tags=["parameters"]
study_dir = ""  # study folder; "" simulates the demo cohort
out_dir = ""  # report folder; "" records nothing (interactive use)
seed = 1
n = 400
scenario = "hypothesis"
alpha = 0.05

# %%
import matplotlib.pyplot as plt
from IPython.display import display

from glute_study import report
from glute_study.figures.agreement import bland_altman_plot
from glute_study.stats.reliability import bland_altman, participant_values, reliability

report.start(out_dir, notebook="02_reliability")
study = report.open_study(study_dir, n=n, seed=seed, scenario=scenario)
strength = study.strength

# %%
hhd = strength[strength["test"] == "hhd_hip_extension"]
values = participant_values(hhd, by=["participant_id", "session", "side"], rule="best")
sessions = sorted(values["session"].dropna().unique())
values.groupby("session")["value"].describe()

# %% [markdown]
# ## Test-retest reliability (sessions 1 and 2), per side

# %%
if len(sessions) >= 2:
    two = values[values["session"].isin(sessions[:2])]
    for side in sorted(two["side"].dropna().unique()):
        res = reliability(two[two["side"] == side], subject="participant_id",
                          session="session", value="value", form="ICC3", level=1 - alpha)
        report.record(res, name=f"icc_{side}", caption=f"Reliability of HHD hip extension, "
                      f"{side} side (best of trials per session)",
                      methods="Test-retest reliability of HHD hip extension (best trial per "
                              "side and session) was described by the six Shrout-Fleiss ICC "
                              "forms (ICC3 = ICC(C,1) reported), SEM, MDC95 and CV %.")
        display(res)
else:
    print("Only one strength session: test-retest reliability needs two.")

# %% [markdown]
# ## Agreement between sessions (Bland-Altman)

# %%
if len(sessions) >= 2:
    both = two.groupby(["participant_id", "session"], as_index=False)["value"].mean()
    ba = bland_altman(both, subject="participant_id", method="session", value="value")
    report.record(ba, name="bland_altman", caption="Agreement of HHD hip extension between "
                  "sessions 1 and 2 (mean of sides)",
                  methods="Agreement between sessions was summarised by the bias and 95 % "
                          "limits of agreement (Bland-Altman) with exact intervals.")
    ax = bland_altman_plot(ba)
    report.record(ax, name="bland_altman_plot", caption="Bland-Altman plot of HHD hip extension")
    plt.show()
