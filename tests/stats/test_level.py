"""The confidence level: one check, and every analysis carries the level it used."""

from __future__ import annotations

import numpy as np
import pytest

from glute_study._checks import check_level
from glute_study.errors import InputError


@pytest.mark.parametrize("level", [0.5, 0.9, 0.95, 0.999, np.float32(0.9)])
def test_check_level_returns_a_float(level):
    assert check_level(level) == pytest.approx(float(level))
    assert isinstance(check_level(level), float)


@pytest.mark.parametrize("level", [0, 1, 1.5, -0.1, 95, float("nan"), True, "0.95", None])
def test_check_level_refuses_what_is_not_a_level(level):
    with pytest.raises(InputError, match="`level` must be between 0 and 1; got"):
        check_level(level)


def test_check_level_says_how_to_write_a_percentage():
    with pytest.raises(InputError, match=r"Write 0\.95"):
        check_level(95)
