"""Analytic power: checked against R (tests/reference/power_analytic/power_analytic.R).

Correlation against ``pwr::pwr.r.test``; ANCOVA and two rates against the closed forms computed
in base R (``pt`` with a noncentrality parameter, ``pnorm``/``qnorm``), the R script also
confirming that the same t kernel reproduces ``pwr.t.test``. Tolerance 1e-5 relative
(rtol=1e-5) throughout; the Monte Carlo check of the two-rates formula uses +-0.025 absolute
(about 4 Monte Carlo standard errors at 4000 replicates).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from glute_study.errors import InputError
from glute_study.stats.analytic_power import (
    power_ancova,
    power_correlation,
    power_two_rates,
    sample_size_ancova,
    sample_size_correlation,
    sample_size_two_rates,
)

REF = Path(__file__).resolve().parents[1] / "reference" / "power_analytic"
RTOL = 1e-5


def _rows(name):
    return list(pd.read_csv(REF / name).itertuples(index=False))


@pytest.mark.parametrize("row", _rows("correlation_power.csv"))
def test_correlation_power_matches_pwr(row):
    res = power_correlation(r=row.r, n=row.n, alpha=row.alpha)
    assert res.table["estimate"].iloc[0] == pytest.approx(row.power, rel=RTOL)


@pytest.mark.parametrize("row", _rows("correlation_n.csv"))
def test_correlation_n_matches_pwr(row):
    res = sample_size_correlation(r=row.r, power=row.power, alpha=row.alpha)
    assert res.table["estimate"].iloc[0] == pytest.approx(row.n, rel=RTOL)
    assert res.table["n_ceiling"].iloc[0] == int(np.ceil(row.n))


@pytest.mark.parametrize("row", _rows("ancova_power.csv"))
def test_ancova_power_matches_closed_form(row):
    res = power_ancova(delta=row.delta, sd=row.sd, rho=row.rho, n_per_group=row.n,
                       alpha=row.alpha)
    assert res.table["estimate"].iloc[0] == pytest.approx(row.power, rel=RTOL)


@pytest.mark.parametrize("row", _rows("ancova_n.csv"))
def test_ancova_n_matches_closed_form(row):
    res = sample_size_ancova(delta=row.delta, sd=row.sd, rho=row.rho, power=row.power)
    assert res.table["estimate"].iloc[0] == pytest.approx(row.n, rel=RTOL)


def test_ancova_design_factor_is_one_minus_rho_squared():
    # Borm et al. (2007): n_ancova ~ n_ttest (1 - rho^2); exact up to the t-vs-normal terms
    n0 = sample_size_ancova(delta=0.25, sd=0.5, rho=0.0).table["estimate"].iloc[0]
    n7 = sample_size_ancova(delta=0.25, sd=0.5, rho=0.7).table["estimate"].iloc[0]
    assert n7 == pytest.approx(n0 * (1 - 0.49), abs=1.5)


@pytest.mark.parametrize("row", _rows("two_rates.csv"))
def test_two_rates_match_zhu_lakkis(row):
    kw = dict(mean0=row.mean0, rate_ratio=row.rate_ratio, dispersion=row.dispersion,
              allocation=row.allocation, alpha=row.alpha)
    pw = power_two_rates(n_per_group=row.power_n, **kw).table["estimate"].iloc[0]
    assert pw == pytest.approx(row.power, rel=RTOL)
    n = sample_size_two_rates(power=0.8, **kw).table
    assert n["estimate"].iloc[0] == pytest.approx(row.n_for_80, rel=RTOL)
    # power at the solved n is the target
    back = power_two_rates(n_per_group=n["estimate"].iloc[0], **kw).table["estimate"].iloc[0]
    assert back == pytest.approx(0.8, rel=RTOL)


def test_two_rates_poisson_power_agrees_with_simulation():
    # Wald test of log(sum y1 / sum y0) on simulated NB counts; 4000 seeded replicates
    rng = np.random.default_rng(20261125)
    mean0, rr, k, n = 1.3, 0.7, 0.8, 150
    reps = 4000

    def draw(mu, size):
        return rng.poisson(rng.gamma(1 / k, mu * k, size=size))

    y0, y1 = draw(mean0, (reps, n)), draw(mean0 * rr, (reps, n))
    s0, s1 = y0.sum(axis=1), y1.sum(axis=1)
    # variance of log sum under NB with dispersion estimated by moments in each arm
    m0, m1 = y0.mean(axis=1), y1.mean(axis=1)
    v0, v1 = y0.var(axis=1, ddof=1), y1.var(axis=1, ddof=1)
    var = v0 / (n * m0**2) + v1 / (n * m1**2)
    reject = np.abs(np.log(s1 / s0)) / np.sqrt(var) > 1.959963984540054
    analytic = power_two_rates(mean0=mean0, rate_ratio=rr, n_per_group=n, dispersion=k)
    assert reject.mean() == pytest.approx(analytic.table["estimate"].iloc[0], abs=0.025)


def test_texts_and_columns():
    res = sample_size_two_rates(mean0=1.3, rate_ratio=0.8, dispersion=0.8)
    assert list(res.table.columns[:5]) == ["term", "estimate", "ci_low", "ci_high", "p_value"]
    assert res.table["term"].iloc[0] == "n_per_group"
    assert "523 control and 523 treated participants are needed" in res.text
    res = power_correlation(r=-0.2, n=150)
    assert res.table["estimate"].iloc[0] == pytest.approx(
        power_correlation(r=0.2, n=150).table["estimate"].iloc[0], rel=1e-12)
    assert "69 % power" in res.text


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: power_two_rates(mean0=1, rate_ratio=1, n_per_group=10), "must differ from 1"),
        (lambda: power_two_rates(mean0=-1, rate_ratio=0.8, n_per_group=10), "`mean0` must be"),
        (lambda: sample_size_two_rates(mean0=1, rate_ratio=0.8, dispersion=-1), "dispersion"),
        (lambda: sample_size_two_rates(mean0=1, rate_ratio=0.8, power=1.2), "`power` must"),
        (lambda: power_ancova(delta=0.2, sd=1, rho=1.0, n_per_group=10), "`rho` must"),
        (lambda: power_ancova(delta=0, sd=1, n_per_group=10), "`delta` must"),
        (lambda: power_ancova(delta=0.2, sd=1, n_per_group=1), "at least 2"),
        (lambda: power_correlation(r=0.2, n=3), "more than 3"),
        (lambda: sample_size_correlation(r=1.0), "`r` must"),
    ],
)
def test_input_errors(call, match):
    with pytest.raises(InputError, match=match):
        call()


# ---------------------------------------------------------------- command line


def _run(argv):
    import argparse

    from glute_study.commands import sample_size

    parser = argparse.ArgumentParser(prog="glute-study")
    sample_size.add_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_two_rates_sample_size(capsys):
    assert _run(["sample-size", "two-rates", "--mean0", "1.3", "--rate-ratio", "0.8",
                 "--dispersion", "0.8"]) == 0
    out = capsys.readouterr().out
    # R (two_rates.csv, row mean0 1.3, RR 0.8, k 0.8, allocation 1): n = 522.67
    assert out.startswith("n_per_group: 522.6")
    assert "523 control and 523 treated" in out


def test_cli_ancova_power_and_correlation(capsys):
    assert _run(["sample-size", "ancova", "--delta", "0.25", "--sd", "0.5", "--rho", "0.7",
                 "--n", "40"]) == 0
    assert capsys.readouterr().out.startswith("power: 0.8712")
    assert _run(["sample-size", "correlation", "--r", "0.2"]) == 0
    assert "194 participants are needed" in capsys.readouterr().out


def test_cli_bad_input_raises_input_error():
    with pytest.raises(InputError, match="must differ from 1"):
        _run(["sample-size", "two-rates", "--mean0", "1", "--rate-ratio", "1"])
