"""The shared pieces of the fitting core: one level check, one way of dropping incomplete rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from glute_study.errors import InputError
from glute_study.stats import counts, logistic
from glute_study.stats.incidence import incidence, rate_ratio
from glute_study.stats.reliability import reliability


def _cohort(n: int = 120, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "participant_id": [f"P{i:03d}" for i in range(n)],
        "sitting_h_day": rng.normal(9, 1.5, n),
        "age": rng.normal(25, 4, n),
        "exposure_h": rng.uniform(60, 200, n),
        "sex": rng.choice(["female", "male"], n),
    })
    mu = df.exposure_h / 1000 * np.exp(2.0 + 0.1 * (df.sitting_h_day - 9))
    df["cramps"] = rng.negative_binomial(1.5, 1.5 / (1.5 + mu))
    df["any_cramp"] = (df["cramps"] > 0).astype(int)
    return df


def _sessions(n: int = 20, seed: int = 4) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    true = rng.normal(2.5, 0.4, n)
    rows = [{"participant_id": f"P{i:02d}", "session": s, "value": true[i] + rng.normal(0, 0.1)}
            for i in range(n) for s in (1, 2)]
    return pd.DataFrame(rows)


def _count_model(level):
    return counts.count_model(_cohort(), "cramps ~ sitting_h_day", level=level)


def _predict_rates(level):
    fit = counts.count_model(_cohort(), "cramps ~ sitting_h_day")
    return counts.predict_rates(fit, {"sitting_h_day": [8.0]}, level=level)


LEVELLED = {
    "count_model": _count_model,
    "predict_rates": _predict_rates,
    "incidence": lambda level: incidence(
        _cohort(), events="cramps", exposure="exposure_h", level=level),
    "rate_ratio": lambda level: rate_ratio(
        _cohort(), events="cramps", exposure="exposure_h", group="sex", level=level),
    "logistic_model": lambda level: logistic.logistic_model(
        _cohort(), "any_cramp ~ sitting_h_day", level=level),
    "reliability": lambda level: reliability(_sessions(), level=level),
}


@pytest.mark.parametrize("name", sorted(LEVELLED))
@pytest.mark.parametrize("bad", [95, 1.0, float("nan")])
def test_every_analysis_checks_its_level_with_the_one_message(name, bad):
    with pytest.raises(InputError, match=rf"`level` must be between 0 and 1; got {bad!r}"):
        LEVELLED[name](bad)


@pytest.mark.parametrize("name", sorted(LEVELLED))
def test_every_analysis_takes_a_level_of_0_9(name):
    assert LEVELLED[name](0.9).table.shape[0] >= 1
