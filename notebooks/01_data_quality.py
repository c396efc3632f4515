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
# # 01 Data quality
#
# Who was recruited, who was excluded and why (a CONSORT-style flow), and the participants'
# characteristics by group (Table 1). Missing values stay missing: they are counted, never
# filled with zeros.

# %% tags=["parameters"]
study_dir = ""  # study folder; "" opens the demo cohort
out_dir = ""  # report folder; "" records nothing (interactive use)
seed = 2026
n = 400
scenario = "hypothesis"

# %%
from glute_study import measures, report

report.start(out_dir, notebook="01_data_quality")
study = report.open_study(study_dir, n=n, seed=seed, scenario=scenario)
data = study.analysis_table()

# %% [markdown]
# ## Participant flow
#
# Each step of the flow says how many participants (or records) remained and how many were
# excluded, with the reason.

# %%
flow = study.flow()
report.record(flow, name="flow", caption="Participant flow",
              methods="Exclusions were applied in a fixed, scripted order and counted at each "
                      "step (CONSORT-style flow).")
flow

# %%
from glute_study.figures import flow_diagram

ax = flow_diagram(flow)
report.record(ax, name="flow_diagram", caption="Participant flow diagram: athletes enrolled, "
              "left out of the analyses (with the reasons) and analysed")

# %%
exclusions = study.exclusions
excluded = (exclusions.groupby(["table", "reason"], sort=True).size()
            .rename("records").reset_index())
report.record(excluded, name="exclusions", caption="Records excluded, by table and reason",
              note="Every excluded record is listed, with its file, line and participant, in "
                   "the exclusions file that glute-study summary writes.")
excluded

# %% [markdown]
# ## Table 1
#
# Baseline characteristics overall and by trial arm (by sex when the study has no trial): only
# what was measured before follow-up and randomisation. Follow-up exposure, cramps and the
# post-test are outcomes; in a trial they are reported by arm with the trial's results
# (notebook 06).

# %%
from glute_study.codebook import BASELINE_COLUMNS, SITTING_BASELINE_COLUMNS

group = "arm" if measures.randomised(data).any() else "sex"
# a trial's Table 1 holds what was measured before randomisation (CONSORT 15)
baseline = study.baseline_columns() if group == "arm" else list(BASELINE_COLUMNS)
columns = [c for c in baseline if c in data.columns and c != group]
later = "" if set(SITTING_BASELINE_COLUMNS) <= set(baseline) else (
    " Sitting was monitored during follow-up, so it is not a baseline measure and is "
    "described with its analyses (notebook 03).")
table1 = report.table_one(data, by=group, columns=columns)
report.record(table1, name="table1", caption=f"Baseline characteristics by {group}",
              note="Mean (SD) for numbers, n (%) of non-missing values for categories; "
                   "'missing' counts missing values overall. Baseline measures only." + later,
              methods="Baseline participant characteristics are described as mean (SD) or "
                      "n (%); outcomes are not part of Table 1.")
table1

# %% [markdown]
# ## Missing data
#
# The share of participants with each analysis variable missing: the baseline characteristics
# and the measures the analyses use (sitting, strength, EMG onset, exposure and cramps).

# %%
import matplotlib.pyplot as plt

from glute_study._escape import figure_text
from glute_study.figures import get_ax
from glute_study.labels import label

measures_used = ("sitting_h_day", "self_report_sitting_h_day", "glute_nm_kg_post",
                 "glute_onset_delay_ms", "exposure_h", "hamstring_cramps")
shown = [*columns, *(c for c in measures_used if c in data.columns and c not in columns)]
shown = [c for c in shown if data[c].notna().any()]  # (a measure the study has none of is
missing = data[shown].isna().mean().sort_values() * 100  # not in this study's design)
ax = get_ax(aspect=0.55)
ax.barh([figure_text(label(c, unit=False)) for c in missing.index], missing.to_numpy())
for y, (column, share) in enumerate(missing.items()):
    count = int(data[column].isna().sum())
    ax.text(share, y, f" {count} ({share:.1f} %)", va="center", fontsize=7)
ax.set_xlim(0, max(10.0, float(missing.max()) * 1.3))
ax.set_xlabel("Participants with the value missing (%)")
report.record(ax, name="missing", caption="Missing values per analysis variable: participants "
              "with the value missing, n (%)", width="double")
plt.show()
