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
# # 04 Cramp incidence
#
# Hamstring cramps per 1000 h of exposure with exact Poisson intervals (IOC 2020 consensus,
# STROBE-SIIS), and incidence rate ratios between tertiles of device-measured daily sitting.

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
from glute_study.figures.rates import forest_plot, rates_plot
from glute_study.stats.counts import compare_count_models, count_model
from glute_study.stats.incidence import incidence, rate_ratio

report.start(out_dir, notebook="04_cramp_incidence")
study = report.open_study(study_dir, n=n, seed=seed, scenario=scenario)
data = study.analysis_table()

# %%
data["sitting_tertile"] = measures.sitting_tertiles(data)
rates = incidence(data, events="hamstring_cramps", exposure="exposure_h",
                  group="sitting_tertile", level=1 - alpha)
report.record(rates, name="rates", caption="Hamstring cramps per 1000 h by sitting tertile",
              methods="Incidence was expressed as hamstring cramps per 1000 h of training and "
                      "match exposure with exact (Garwood) Poisson intervals.")
rates

# %%
irr = rate_ratio(data, events="hamstring_cramps", exposure="exposure_h",
                 group="sitting_tertile", reference="low", level=1 - alpha)
report.record(irr, name="rate_ratios", caption="Incidence rate ratios by sitting tertile "
              "(reference: lowest tertile)",
              methods="Tertiles of device sitting were compared by incidence rate ratios with "
                      "exact conditional intervals and tests.")
irr

# %%
ax = rates_plot(rates)
ax.set_xlabel("Device sitting tertile")
report.record(ax, name="rates_plot", caption="Hamstring cramp incidence by sitting tertile")
plt.show()

# %% [markdown]
# ## Count models and the choice between them
#
# Cramp counts are over-dispersed with many zeros, so Poisson, negative binomial, zero-inflated
# and hurdle models are fitted on one formula with the log exposure hours as offset and compared
# by AIC, BIC and likelihood-ratio and Vuong tests.

# %%
formula = "hamstring_cramps ~ sitting_h_day + glute_nm_kg + age + C(sex) + prior_cramps"
comparison = compare_count_models(data, formula, exposure="exposure_h")
report.record(comparison, name="count_model_choice", caption="Comparison of count models",
              methods="Hamstring cramp counts were modelled with a log-exposure offset by "
                      "Poisson, negative binomial, zero-inflated Poisson and negative binomial, "
                      "and hurdle negative binomial regression, compared by AIC, BIC, "
                      "likelihood-ratio and Vuong tests.")
comparison

# %%
negbin = count_model(data, formula, exposure="exposure_h", family="negbin", level=1 - alpha)
report.record(negbin, name="negbin", caption="Negative binomial model of hamstring cramps "
              "(incidence rate ratios)")
ax = forest_plot(negbin)
report.record(ax, name="negbin_forest", caption="Incidence rate ratios of hamstring cramps "
              f"(negative binomial, {negbin.level_pct} % CI)")
plt.show()
negbin
