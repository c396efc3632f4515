"""Statistical analyses of the sitting -> glute -> cramp chain, one module per family.

Every analysis takes the data first, its options by keyword, and returns a
:class:`~glute_study.stats.Result` whose ``.table`` starts with ``term, estimate, ci_low, ci_high,
p_value`` and whose ``.text`` is an APA-style sentence.
"""

from ._result import TABLE_COLUMNS, Result
from .analytic_power import (
    power_ancova,
    power_correlation,
    power_two_rates,
    sample_size_ancova,
    sample_size_correlation,
    sample_size_two_rates,
)
from .associations import (
    dose_response,
    linear_model,
    natural_spline_basis,
    partial_correlation,
    proportion,
    sitting_strength,
)
from .count_mixed import count_mixed_model
from .counts import compare_count_models, count_model, predict_rates
from .equivalence import equivalence, minimal_detectable_effect
from .imputation import Imputations, multiple_imputation
from .incidence import incidence, rate_ratio
from .logistic import detect_separation, logistic_model
from .mediation import mediation
from .multiplicity import adjust_p
from .pooling import pool
from .recurrent import recurrent_events
from .reliability import (
    against_change,
    bland_altman,
    participant_values,
    reliability,
    retest_sessions,
)
from .repeated import gee_counts, mixed_model
from .simulation_power import power
from .survival import cox_model, first_cramp_times, kaplan_meier, numbers_at_risk
from .trial import pre_post_anova, trial_effect, trial_rate_effect

__all__ = [
    "TABLE_COLUMNS",
    "Imputations",
    "Result",
    "adjust_p",
    "against_change",
    "bland_altman",
    "compare_count_models",
    "count_mixed_model",
    "count_model",
    "cox_model",
    "detect_separation",
    "dose_response",
    "equivalence",
    "first_cramp_times",
    "gee_counts",
    "incidence",
    "kaplan_meier",
    "linear_model",
    "logistic_model",
    "mediation",
    "minimal_detectable_effect",
    "mixed_model",
    "multiple_imputation",
    "natural_spline_basis",
    "numbers_at_risk",
    "participant_values",
    "partial_correlation",
    "pool",
    "power",
    "power_ancova",
    "power_correlation",
    "power_two_rates",
    "pre_post_anova",
    "proportion",
    "predict_rates",
    "rate_ratio",
    "recurrent_events",
    "reliability",
    "retest_sessions",
    "sample_size_ancova",
    "sample_size_correlation",
    "sample_size_two_rates",
    "sitting_strength",
    "trial_effect",
    "trial_rate_effect",
]
