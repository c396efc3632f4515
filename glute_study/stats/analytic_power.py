"""Closed-form power and sample size: two cramp rates, a two-arm ANCOVA, a correlation.

All tests are two-sided. Simulation-based power (for the mediation chain and count models with
covariates) lives in :mod:`glute_study.stats.simulation_power`; these formulas are for planning at a
glance and for checking those simulations.

=========================  =====================================================  ===========
design                     method                                                 reference
=========================  =====================================================  ===========
two rates (trial arms)     Wald test of log rate ratio, NB or Poisson counts      Zhu & Lakkis
                           (variance under H0 at the restricted ML rate)          2014, method 3
ANCOVA, two arms           t test of the adjusted difference, error variance      Borm et al.
                           ``sd^2 (1 - rho^2)``, ``n1 + n2 - 3`` df, noncentral t  2007
correlation                Fisher z with the bias term ``r / (2 (n - 1))``        Cohen 1988;
                                                                                  R ``pwr``
=========================  =====================================================  ===========

References
----------
Zhu H, Lakkis H (2014). Sample size calculation for comparing two negative binomial rates.
Statistics in Medicine 33:376-387.
Borm GF, Fransen J, Lemmens WA (2007). A simple sample size formula for analysis of covariance
in randomized clinical trials. Journal of Clinical Epidemiology 60:1234-1238.
Cohen J (1988). Statistical Power Analysis for the Behavioral Sciences, 2nd ed.; as coded in
``pwr::pwr.r.test`` (Champely).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import optimize, stats

from ..errors import InputError
from ._result import Result, format_count, format_number

__all__ = [
    "power_ancova",
    "power_correlation",
    "power_two_rates",
    "sample_size_ancova",
    "sample_size_correlation",
    "sample_size_two_rates",
]


def _check_positive(**values: float) -> None:
    for name, v in values.items():
        if v is None or not np.isfinite(v) or v <= 0:
            raise InputError(f"`{name}` must be a positive number; got {v!r}.")


def _check_prob(name: str, v: float, *, high: float = 1.0) -> None:
    if v is None or not (0 < v < high):
        raise InputError(f"`{name}` must be strictly between 0 and {high:g}; got {v!r}.")


def _result(term: str, value: float, inputs: dict, text: str, name: str) -> Result:
    row = {"term": term, "estimate": value, "ci_low": np.nan, "ci_high": np.nan,
           "p_value": np.nan}
    row.update(inputs)
    return Result(pd.DataFrame([row]), text, diagnostics=dict(inputs), name=name, level=None)


def _solve_n(power_at, target: float, n_min: float) -> float:
    """Smallest continuous n with power_at(n) = target (power rises with n)."""
    if power_at(n_min) >= target:
        return n_min
    hi = max(2 * n_min, 10.0)
    while power_at(hi) < target:
        hi *= 2
        if hi > 1e9:
            raise InputError("the target power cannot be reached with any sample size.")
    return float(optimize.brentq(lambda n: power_at(n) - target, n_min, hi, xtol=1e-10))


# ---------------------------------------------------------------------------------------------
# Two rates (negative binomial or Poisson)
# ---------------------------------------------------------------------------------------------


def _two_rate_variances(mean0, rate_ratio, dispersion, allocation):
    """Per-control-participant variances of log(rate ratio): V0 (under H0) and V1 (true)."""
    mean1 = mean0 * rate_ratio
    k, kap = dispersion, allocation
    v1 = 1 / mean0 + 1 / (kap * mean1) + (1 + kap) * k / kap
    v0 = (1 + kap) ** 2 / (kap * (mean0 + kap * mean1)) + (1 + kap) * k / kap
    return v0, v1


def _two_rate_power(n0, mean0, rate_ratio, dispersion, alpha, allocation):
    v0, v1 = _two_rate_variances(mean0, rate_ratio, dispersion, allocation)
    za = stats.norm.ppf(1 - alpha / 2)
    effect = abs(np.log(rate_ratio))
    return float(stats.norm.cdf((np.sqrt(n0) * effect - za * np.sqrt(v0)) / np.sqrt(v1)))


def _check_two_rates(mean0, rate_ratio, dispersion, alpha, allocation):
    _check_positive(mean0=mean0, rate_ratio=rate_ratio, allocation=allocation)
    if rate_ratio == 1:
        raise InputError("`rate_ratio` must differ from 1 (a ratio of 1 has no power to find).")
    if dispersion is None or not np.isfinite(dispersion) or dispersion < 0:
        raise InputError(f"`dispersion` must be >= 0 (0 = Poisson); got {dispersion!r}.")
    _check_prob("alpha", alpha)


def power_two_rates(
    *,
    mean0: float,
    rate_ratio: float,
    n_per_group: float,
    dispersion: float = 0.0,
    alpha: float = 0.05,
    allocation: float = 1.0,
) -> Result:
    """Power to detect a cramp rate ratio between two arms (negative binomial or Poisson).

    Parameters
    ----------
    mean0 : float
        Expected events per control participant over follow-up (rate x mean exposure, e.g.
        1.3 cramps per season, or 8 per 1000 h x 160 h = 1.28).
    rate_ratio : float
        True rate ratio, treated over control (e.g. 0.8).
    n_per_group : float
        Control-arm size; the treated arm has ``allocation * n_per_group``.
    dispersion : float
        Negative-binomial dispersion ``k`` (variance ``mu + k mu^2``); 0 gives Poisson counts.
    alpha : float
        Two-sided significance level.
    allocation : float
        Treated : control size ratio.

    Returns
    -------
    Result
        One row, ``term = "power"``; the inputs as extra columns.

    Notes
    -----
    Zhu & Lakkis (2014), method 3: the Wald test of ``log(rate ratio)`` with per-control-
    participant variances ``V1 = 1/mu0 + 1/(kappa mu1) + (1 + kappa) k / kappa`` (true) and
    ``V0`` with both arms at the restricted ML mean ``(mu0 + kappa mu1) / (1 + kappa)``;
    ``power = Phi((sqrt(n0) |log RR| - z_{1-alpha/2} sqrt(V0)) / sqrt(V1))``.

    Examples
    --------
    >>> res = power_two_rates(mean0=1.3, rate_ratio=0.8, n_per_group=200, dispersion=0.8)
    >>> round(float(res.table["estimate"].iloc[0]), 4)
    0.4112
    """
    _check_two_rates(mean0, rate_ratio, dispersion, alpha, allocation)
    _check_positive(n_per_group=n_per_group)
    pw = _two_rate_power(n_per_group, mean0, rate_ratio, dispersion, alpha, allocation)
    inputs = {"mean0": mean0, "rate_ratio": rate_ratio, "n_per_group": n_per_group,
              "n_treated": allocation * n_per_group, "dispersion": dispersion, "alpha": alpha,
              "allocation": allocation}
    text = (f"With {format_number(n_per_group, 0)} control and "
            f"{format_number(allocation * n_per_group, 0)} treated participants, a rate ratio of "
            f"{format_number(rate_ratio)} (control mean {format_number(mean0)} events, "
            f"dispersion {format_number(dispersion)}) is detected with "
            f"{format_number(100 * pw, 0)} % power (two-sided alpha = {alpha:g}; Zhu & Lakkis "
            "2014).")
    return _result("power", pw, inputs, text, "power_two_rates")


def sample_size_two_rates(
    *,
    mean0: float,
    rate_ratio: float,
    power: float = 0.8,
    dispersion: float = 0.0,
    alpha: float = 0.05,
    allocation: float = 1.0,
) -> Result:
    """Control-arm size to detect a cramp rate ratio with the given power.

    Parameters are as in :func:`power_two_rates`, with ``power`` the target.

    Returns
    -------
    Result
        One row, ``term = "n_per_group"``: the exact (fractional) control-arm size in
        ``estimate``; ``n_per_group_ceiling`` and ``n_treated_ceiling`` round up.

    Notes
    -----
    ``n0 = (z_{1-alpha/2} sqrt(V0) + z_{power} sqrt(V1))^2 / log(RR)^2`` (Zhu & Lakkis 2014,
    method 3; see :func:`power_two_rates`).

    Examples
    --------
    >>> res = sample_size_two_rates(mean0=1.3, rate_ratio=0.8, dispersion=0.8)
    >>> res.table[["estimate", "n_per_group_ceiling"]].round(2)
       estimate  n_per_group_ceiling
    0    522.67                  523
    """
    _check_two_rates(mean0, rate_ratio, dispersion, alpha, allocation)
    _check_prob("power", power)
    v0, v1 = _two_rate_variances(mean0, rate_ratio, dispersion, allocation)
    za, zb = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    n0 = float((za * np.sqrt(v0) + zb * np.sqrt(v1)) ** 2 / np.log(rate_ratio) ** 2)
    inputs = {"mean0": mean0, "rate_ratio": rate_ratio, "power": power,
              "dispersion": dispersion, "alpha": alpha, "allocation": allocation,
              "n_per_group_ceiling": int(np.ceil(n0 - 1e-9)),
              "n_treated_ceiling": int(np.ceil(allocation * n0 - 1e-9))}
    text = (f"To detect a rate ratio of {format_number(rate_ratio)} (control mean "
            f"{format_number(mean0)} events, dispersion {format_number(dispersion)}) with "
            f"{format_number(100 * power, 0)} % power at two-sided alpha = {alpha:g}, "
            f"{inputs['n_per_group_ceiling']} control and {inputs['n_treated_ceiling']} treated "
            "participants are needed (Zhu & Lakkis 2014).")
    return _result("n_per_group", n0, inputs, text, "sample_size_two_rates")


# ---------------------------------------------------------------------------------------------
# ANCOVA
# ---------------------------------------------------------------------------------------------


def _ancova_power(n, delta, sd, rho, alpha):
    df = 2 * n - 3
    ncp = delta / (sd * np.sqrt(1 - rho**2) * np.sqrt(2 / n))
    tc = stats.t.ppf(1 - alpha / 2, df)
    return float(stats.nct.sf(tc, df, ncp) + stats.nct.cdf(-tc, df, ncp))


def _check_ancova(delta, sd, rho, alpha):
    _check_positive(sd=sd)
    if delta is None or not np.isfinite(delta) or delta == 0:
        raise InputError(f"`delta` must be a non-zero difference; got {delta!r}.")
    if rho is None or not (-1 < rho < 1):
        raise InputError(f"`rho` must be strictly between -1 and 1; got {rho!r}.")
    _check_prob("alpha", alpha)


def power_ancova(
    *, delta: float, sd: float, n_per_group: float, rho: float = 0.0, alpha: float = 0.05
) -> Result:
    """Power of a two-arm ANCOVA (post-test adjusted for baseline) for a mean difference.

    Parameters
    ----------
    delta : float
        True difference in means between arms (e.g. 0.25 Nm/kg of glute torque).
    sd : float
        Outcome standard deviation within an arm.
    n_per_group : float
        Participants per arm (equal arms).
    rho : float
        Correlation of baseline with outcome; the error variance is ``sd^2 (1 - rho^2)``.
    alpha : float
        Two-sided significance level.

    Returns
    -------
    Result
        One row, ``term = "power"``.

    Notes
    -----
    Noncentral t: ``ncp = delta / (sd sqrt(1 - rho^2) sqrt(2 / n))`` on ``2n - 3`` degrees of
    freedom (two arms and one covariate); power counts both rejection tails. This is the
    t-based version of Borm et al.'s (2007) design factor ``1 - rho^2``.

    Examples
    --------
    >>> res = power_ancova(delta=0.25, sd=0.5, rho=0.7, n_per_group=40)
    >>> round(float(res.table["estimate"].iloc[0]), 4)
    0.8712
    """
    _check_ancova(delta, sd, rho, alpha)
    _check_positive(n_per_group=n_per_group)
    if n_per_group < 2:
        raise InputError(f"`n_per_group` must be at least 2; got {n_per_group!r}.")
    pw = _ancova_power(n_per_group, delta, sd, rho, alpha)
    inputs = {"delta": delta, "sd": sd, "rho": rho, "n_per_group": n_per_group, "alpha": alpha,
              "effect_size": abs(delta) / sd}
    text = (f"With {format_number(n_per_group, 0)} participants per arm, an ANCOVA detects a "
            f"difference of {format_number(delta)} (SD {format_number(sd)}, baseline "
            f"correlation {format_number(rho, bounded=True)}) with "
            f"{format_number(100 * pw, 0)} % power "
            f"(two-sided alpha = {alpha:g}).")
    return _result("power", pw, inputs, text, "power_ancova")


def sample_size_ancova(
    *, delta: float, sd: float, rho: float = 0.0, power: float = 0.8, alpha: float = 0.05
) -> Result:
    """Participants per arm for a two-arm ANCOVA to reach the target power.

    Parameters are as in :func:`power_ancova`, with ``power`` the target.

    Returns
    -------
    Result
        One row, ``term = "n_per_group"``: the continuous solution in ``estimate`` and
        ``n_per_group_ceiling``.

    Examples
    --------
    >>> res = sample_size_ancova(delta=0.25, sd=0.5, rho=0.7)
    >>> res.table[["estimate", "n_per_group_ceiling"]].round(2)
       estimate  n_per_group_ceiling
    0     33.03                   34
    """
    _check_ancova(delta, sd, rho, alpha)
    _check_prob("power", power)
    n = _solve_n(lambda m: _ancova_power(m, delta, sd, rho, alpha), power, 2.0)
    inputs = {"delta": delta, "sd": sd, "rho": rho, "power": power, "alpha": alpha,
              "effect_size": abs(delta) / sd, "n_per_group_ceiling": int(np.ceil(n - 1e-9))}
    text = (f"An ANCOVA needs {inputs['n_per_group_ceiling']} participants per arm to detect a "
            f"difference of {format_number(delta)} (SD {format_number(sd)}, baseline "
            f"correlation {format_number(rho, bounded=True)}) with "
            f"{format_number(100 * power, 0)} % power "
            f"(two-sided alpha = {alpha:g}).")
    return _result("n_per_group", n, inputs, text, "sample_size_ancova")


# ---------------------------------------------------------------------------------------------
# Correlation
# ---------------------------------------------------------------------------------------------


def _corr_power(n, r, alpha):
    r = abs(r)
    tc = stats.t.ppf(1 - alpha / 2, n - 2)
    rc = np.sqrt(tc**2 / (tc**2 + n - 2))
    zr = np.arctanh(r) + r / (2 * (n - 1))
    zrc = np.arctanh(rc)
    s = np.sqrt(n - 3)
    return float(stats.norm.cdf((zr - zrc) * s) + stats.norm.cdf((-zr - zrc) * s))


def _check_corr(r, alpha):
    if r is None or not (-1 < r < 1) or r == 0:
        raise InputError(f"`r` must be non-zero and strictly between -1 and 1; got {r!r}.")
    _check_prob("alpha", alpha)


def power_correlation(*, r: float, n: float, alpha: float = 0.05) -> Result:
    """Power to detect a correlation ``r`` with ``n`` participants (two-sided).

    Parameters
    ----------
    r : float
        True correlation (e.g. -0.2 between sitting and glute strength).
    n : float
        Participants (> 3).
    alpha : float
        Two-sided significance level.

    Returns
    -------
    Result
        One row, ``term = "power"``.

    Notes
    -----
    The critical correlation ``r_c`` comes from the t test on ``n - 2`` df; power is
    ``Phi((z_r - z_c) sqrt(n - 3)) + Phi((-z_r - z_c) sqrt(n - 3))`` with
    ``z_r = atanh(r) + r / (2 (n - 1))`` and ``z_c = atanh(r_c)``: the formula of R
    ``pwr::pwr.r.test``.

    Examples
    --------
    >>> round(float(power_correlation(r=0.2, n=150).table["estimate"].iloc[0]), 4)
    0.6933
    """
    _check_corr(r, alpha)
    if n is None or n <= 3:
        raise InputError(f"`n` must be more than 3; got {n!r}.")
    pw = _corr_power(n, r, alpha)
    text = (f"With {format_count(n)} participants, a correlation of "
            f"{format_number(r, bounded=True)} is "
            f"detected with {format_number(100 * pw, 0)} % power (two-sided alpha = {alpha:g}).")
    return _result("power", pw, {"r": r, "n": n, "alpha": alpha}, text, "power_correlation")


def sample_size_correlation(*, r: float, power: float = 0.8, alpha: float = 0.05) -> Result:
    """Participants needed to detect a correlation ``r`` with the target power.

    Returns
    -------
    Result
        One row, ``term = "n"``: the continuous solution and ``n_ceiling``.

    Examples
    --------
    >>> sample_size_correlation(r=0.2).table[["estimate", "n_ceiling"]].round(2)
       estimate  n_ceiling
    0    193.09        194
    """
    _check_corr(r, alpha)
    _check_prob("power", power)
    n = _solve_n(lambda m: _corr_power(m, r, alpha), power, 4.0)
    inputs = {"r": r, "power": power, "alpha": alpha, "n_ceiling": int(np.ceil(n - 1e-9))}
    text = (f"{format_count(inputs['n_ceiling'])} participants are needed to detect a "
            "correlation of "
            f"{format_number(r, bounded=True)} with {format_number(100 * power, 0)} % power "
            "(two-sided alpha "
            f"= {alpha:g}).")
    return _result("n", n, inputs, text, "sample_size_correlation")
