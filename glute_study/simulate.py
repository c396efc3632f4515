"""Simulate cohorts with a known truth: the causal model behind the demo data and study planning.

The model (every number is an assumption the user can change; defaults follow
``shared/DOMAIN.md`` and are labelled *derived* or *guessed* in :class:`Effects`)::

    age, sex ──────────────┬──────────────┬────────────────────────┐
                           v              v                        v
    sitting (true h/day) ──> glute strength (Nm/kg) ──> hamstring-cramp rate per exposure hour
           │                 glute onset delay (ms)            ^    ^     ^
           └────────────── direct path (off by default) ───────┘    │     │
    prior cramps, prior hamstring injury ───────────────────────────┘     │
    randomised glute training (optional trial arm) ── total effect ───────┘

The same model as a causal diagram, its nodes named as the analysis-table columns, is
:data:`glute_study.causal.STUDY_DAG`, the one home of its arrows: analyses take their adjustment
sets from it by the backdoor criterion, and ``tests/test_causal.py`` checks that each variable
drawn here depends on its parents in that diagram and on no other variable. Change an arrow here
and there together.

* True daily sitting varies between athletes; each monitored day adds day-to-day noise (single-day
  ICC 0.35) and some days are too short to be valid, so the measured mean is noisy, as in a real
  study. Self-report is device sitting minus about 2 h plus noise (r about 0.3 with the device).
* Glute strength is measured with a hand-held dynamometer: force at the pad over a lever arm,
  three trials per side, trial-to-trial CV 6 %, two baseline sessions (test-retest) and, in a
  trial, a post-test at mid-follow-up (day 84 of 168), so that a mediation analysis within the
  trial has its mediator measured before the outcome window it explains (the second half).
* The trial works through the glutes: glute training raises true glute strength by
  ``training_gain_nm_kg`` on average (athletes differ, SD ``glute_change_sd_nm_kg``; the control
  arm's strength drifts by the same noise), the gain building up linearly until the post-test and
  held after it. An athlete's hamstring-cramp rate is multiplied by ``rr_training ** (gain /
  training_gain_nm_kg)`` once the gain is complete (``rr_training`` at the average gain, none
  without a gain), and by ``rr_training_direct`` for any effect of training that bypasses the
  glutes (none by default). The rate ratio over the whole follow-up is therefore closer to 1 than
  ``rr_training`` (:meth:`Effects.truth` gives both).
* Cramp counts are negative binomial: Poisson given a gamma frailty shared by hamstring and other
  muscles, with the participant's exposure hours as the time at risk. Each cramp falls in one of
  the participant's sessions (chance proportional to its duration) at a uniform time within it.
* Teams (``n_teams=``, off by default): athletes are dealt into teams of sizes that differ by
  at most one, and each team multiplies both cramp rates by ``exp(u)``, ``u`` normal with SD
  ``team_sd`` on the log-rate scale, on top of the athlete's gamma frailty. ``trial="cluster"``
  randomises whole teams (half of them to glute training) instead of athletes.
  :func:`team_icc` gives the intracluster correlation this implies. With the log link the team
  effect, independent of the covariates and the arm, multiplies every rate alike, so each rate
  ratio of :meth:`Effects.truth` holds both given the team (mixed models) and averaged over
  teams (GEE, cluster-robust standard errors). Team quantities come from
  their own random stream (a child of the seed), so a study without teams is drawn exactly as
  before teams existed, and adding teams changes nothing but the team column and the cramps.
* ``scenario="null"`` removes every arrow of the claim (sitting -> glute, sitting -> onset,
  glute -> cramps, sitting -> cramps, training -> glute, training -> cramps); age, sex and cramp
  history keep their effects, as they do in the literature.

:func:`simulate_study` writes every codebook table; :func:`draw_cohorts` draws many cohorts at
once at participant level (the analysis-table variables) for power calculations, from the same
model.
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass, fields, replace

import numpy as np
import pandas as pd
from scipy import optimize
from scipy.special import polygamma

from . import causal
from ._checks import REPS, SEED, SIMULATE_N, check_count, check_one_of
from .codebook import ANALYSIS_COLUMNS, CODEBOOK, DEVICE_INSTRUMENTS
from .errors import InputError
from .study import Study

__all__ = ["COHORT_COVARIATES", "MISSING_VARIABLES", "MISSING_WEIGHT_RATIO", "Effects",
           "draw_cohorts", "simulate_study", "study_title", "team_icc"]

SCENARIOS = ("hypothesis", "null")
TRIALS = (True, False, "cluster")
_SPORTS = (("football", "rugby", "basketball", "athletics"), (0.5, 0.25, 0.15, 0.1))
_LEVELS = (("amateur", "semi_professional", "professional"), (0.6, 0.3, 0.1))
_WEEKS = 24
_DAYS = 7
_TRAINING_DAYS = (1, 3, 0, 2, 4)  # Tue, Thu, Mon, Wed, Fri (first k are used)
_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_START = pd.Timestamp("2025-01-06")  # a Monday
_DROPOUT = 0.02  # guessed: share who withdraw before follow-up starts (no exposure, no cramps)
#: Mean exposure hours of the session plan: 24 weeks of 2 to 5 training sessions (90 %
#: attended, 60 to 120 min, mean 90) and a 90-min match in 75 % of weeks:
#: (24 x 3.5 x 0.9 x 90 + 24 x 0.75 x 90) / 60 = 140.4 h.
_EXPOSURE_H_MEAN = (_WEEKS * 3.5 * 0.9 * 90 + _WEEKS * 0.75 * 90) / 60
#: Fields of :class:`Effects` that describe the cohort's make-up; a simulated study records
#: each only when it differs from its default, so a default study records what it always did.
_COHORT_EFFECTS = ("prior_cramps_share", "exposure_h_mean", "dropout_share",
                   "glute_change_sd_nm_kg")
_POST_TEST_DAY = _WEEKS * 7 // 2  # the trial's post-test, at mid-follow-up (days from start)


@dataclass(frozen=True)
class Effects:
    """Every assumption of the causal model, with its default and where the default comes from.

    "derived" = from a published figure quoted in DOMAIN.md; "guessed" = no published figure,
    a placeholder to be replaced by the user's own assumption.
    """

    # sitting (derived: athletes sit about 9 +/- 1.5 h/day; single-day ICC about 0.35)
    sitting_mean_h: float = 9.0
    sitting_sd_h: float = 1.5
    sitting_day_icc: float = 0.35
    self_report_bias_h: float = -2.0  # derived: self-report about 2 h/day under the device
    self_report_r: float = 0.3  # derived: r 0.15-0.37 with device sitting
    # glute strength (guessed placeholder 2.5 +/- 0.5 Nm/kg; derived trial CV 5-8 %)
    glute_mean_nm_kg: float = 2.5
    glute_sd_nm_kg: float = 0.5
    glute_trial_cv: float = 0.06
    bridge_mean_reps: float = 30.0  # derived: 27-34 reps
    bridge_sd_reps: float = 8.0
    bridge_icc: float = 0.7  # derived: ICC 0.68-0.75
    onset_delay_mean_ms: float = 100.0  # derived: glute onset about 100 ms after hamstrings
    onset_delay_sd_ms: float = 110.0  # derived: SD 80-140 ms
    # cramps (derived: about 1.2-1.5 episodes a season, about 50 % with none; guessed split)
    hamstring_rate_per_1000h: float = 3.0  # reference athlete: 25 y, female, no history
    other_rate_per_1000h: float = 2.3
    dispersion_theta: float = 0.8  # negative-binomial shape (smaller = more over-dispersed)
    rr_prior_cramps: float = 3.0  # derived: OR 3-11 for previous cramping
    rr_prior_injury: float = 1.5  # guessed
    rr_male: float = 1.2  # guessed direction from the literature
    rr_age_per_10y: float = 1.1  # guessed
    # the claim under test (hypothesis values; the null scenario sets each to "no effect")
    sitting_on_glute_nm_kg_per_h: float = -0.08  # guessed
    sitting_on_onset_ms_per_h: float = 10.0  # guessed
    rr_glute_deficit_per_sd: float = 1.2  # derived-ish: about 1.2 per SD of deficit
    rr_sitting_direct_per_h: float = 1.0  # guessed: no path that bypasses the glutes
    rr_training: float = 0.8  # derived-ish: about 0.8 for glute training on cramps, through
    # the glute gain (at the average gain, once the gain is complete; see the module notes)
    rr_training_direct: float = 1.0  # guessed: no effect of training that bypasses the glutes
    training_gain_nm_kg: float = 0.25  # guessed
    # the season (``season=`` of simulate_study only; recorded in the truth only then).
    # Weekly sitting varies around the athlete's usual level as an AR(1) across weeks, on top
    # of the day-to-day noise (guessed: no published figure for athletes' week-to-week SD).
    sitting_week_sd_h: float = 0.8  # guessed: SD of a week's mean around the athlete's usual
    sitting_week_ar1: float = 0.5  # guessed: correlation of consecutive weeks' deviations
    # the acute form of the claim: hamstring-cramp rate ratio per 1 h/day more sitting in the
    # 7 days before the session than the athlete's usual (within athlete; null scenario 1.0)
    rr_recent_sitting_per_h: float = 1.15  # guessed
    # the cohort's make-up, for planning a study like an observed one (study planning sets
    # them from a study's data; a simulated study records them only when they differ from
    # these defaults)
    prior_cramps_share: float = 0.30  # guessed: share with previous cramping at age 25
    # (+1 percentage point a year of age, between 5 % and 90 %)
    exposure_h_mean: float = _EXPOSURE_H_MEAN  # mean training and match hours per athlete
    # over follow-up (the default is that of the session plan); sessions scale with it
    dropout_share: float = _DROPOUT
    glute_change_sd_nm_kg: float = 0.1  # guessed: SD of the true change in glute strength
    # from baseline to post-test within an arm (sets the pre-post correlation)

    @classmethod
    def for_scenario(cls, scenario: str, **overrides: float) -> Effects:
        """The defaults of ``scenario`` with ``overrides`` applied.

        Examples
        --------
        >>> Effects.for_scenario("null").rr_glute_deficit_per_sd
        1.0
        >>> Effects.for_scenario("null", rr_training=0.7).rr_training
        0.7
        """
        check_one_of("scenario", scenario, SCENARIOS)
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(overrides) - names)
        if unknown:
            raise InputError(f"unknown effect(s) {unknown}; known: {sorted(names)}")
        base = cls()
        if scenario == "null":
            base = replace(base, sitting_on_glute_nm_kg_per_h=0.0, sitting_on_onset_ms_per_h=0.0,
                           rr_glute_deficit_per_sd=1.0, rr_sitting_direct_per_h=1.0,
                           rr_training=1.0, rr_training_direct=1.0, training_gain_nm_kg=0.0,
                           rr_recent_sitting_per_h=1.0)
        effects = replace(base, **{k: float(v) for k, v in overrides.items()})
        effects.check()
        return effects

    def check(self) -> None:
        """Raise :class:`InputError` for values the model cannot use."""
        positive = ("sitting_sd_h", "glute_mean_nm_kg", "glute_sd_nm_kg", "bridge_sd_reps",
                    "onset_delay_sd_ms", "hamstring_rate_per_1000h", "other_rate_per_1000h",
                    "dispersion_theta", "rr_prior_cramps", "rr_prior_injury", "rr_male",
                    "rr_age_per_10y", "rr_glute_deficit_per_sd", "rr_sitting_direct_per_h",
                    "rr_training", "rr_training_direct", "rr_recent_sitting_per_h")
        for name in positive:
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise InputError(f"effect `{name}` must be a positive number; got {value!r}.")
        for name in ("sitting_day_icc", "self_report_r", "bridge_icc"):
            value = getattr(self, name)
            if not 0 < value <= 1:
                raise InputError(f"effect `{name}` must be in (0, 1]; got {value!r}.")
        if not (math.isfinite(self.sitting_week_sd_h) and self.sitting_week_sd_h >= 0):
            raise InputError(f"effect `sitting_week_sd_h` must be a number of at least 0; got "
                             f"{self.sitting_week_sd_h!r}.")
        if not 0 <= self.sitting_week_ar1 < 1:
            raise InputError(f"effect `sitting_week_ar1` must be in [0, 1); got "
                             f"{self.sitting_week_ar1!r}.")
        if not 0 <= self.prior_cramps_share <= 1:
            raise InputError(f"effect `prior_cramps_share` must be in [0, 1]; got "
                             f"{self.prior_cramps_share!r}.")
        if not 0 <= self.dropout_share < 1:
            raise InputError(f"effect `dropout_share` must be in [0, 1); got "
                             f"{self.dropout_share!r}.")
        if not (math.isfinite(self.exposure_h_mean) and self.exposure_h_mean > 0):
            raise InputError(f"effect `exposure_h_mean` must be a positive number of hours; got "
                             f"{self.exposure_h_mean!r}.")
        if not (math.isfinite(self.glute_change_sd_nm_kg) and self.glute_change_sd_nm_kg >= 0):
            raise InputError(f"effect `glute_change_sd_nm_kg` must be a number of at least 0; "
                             f"got {self.glute_change_sd_nm_kg!r}.")
        if not 0 <= self.glute_trial_cv < 0.5:
            raise InputError(f"effect `glute_trial_cv` must be in [0, 0.5); got "
                             f"{self.glute_trial_cv!r}.")

    def truth(self) -> dict[str, float]:
        """The effects an analysis should recover, on the scales the models report.

        ``irr_glute_per_nm_kg``: hamstring-cramp rate ratio per 1 Nm/kg more baseline glute
        strength, given sitting, age, sex, prior cramps and prior hamstring injury.
        ``irr_sitting_per_h``: total rate ratio per 1 h/day more true sitting (through the glutes
        and any direct path), given age, sex, prior cramps and prior injury.
        Both are structural values of the true exposures. Measured sitting is a noisy mean of a
        few days and measured strength carries dynamometer error (test-retest ICC about 0.95),
        so regressions on the measured values are attenuated towards 1, a little for strength
        (about 5 % on the log scale) and more for sitting, exactly as in a real study.
        ``irr_training``: rate ratio of the training arm against control over the whole
        follow-up (what the trial's primary analysis estimates; the training effect builds up
        until the post-test at mid-follow-up, for exposure spread evenly over follow-up as the
        simulator spreads it). ``irr_training_after_post_test``: the same after the post-test,
        once the gain is complete, split into ``irr_training_indirect`` (through the gain in
        glute strength: the natural indirect effect of a mediation within the trial on the
        cramps after the post-test) and ``irr_training_direct``.

        Examples
        --------
        >>> t = Effects().truth()
        >>> round(t["irr_training_after_post_test"], 3), round(t["irr_training"], 3)
        (0.8, 0.848)
        >>> Effects.for_scenario("null").truth()["irr_training"]
        1.0
        """
        log_per_nm_kg = -math.log(self.rr_glute_deficit_per_sd) / self.glute_sd_nm_kg
        return {
            "irr_glute_per_nm_kg": math.exp(log_per_nm_kg),
            "irr_sitting_per_h": math.exp(self.sitting_on_glute_nm_kg_per_h * log_per_nm_kg)
            * self.rr_sitting_direct_per_h,
            "irr_training": _season_training_ratio(self),
            "irr_training_after_post_test": self.rr_training * self.rr_training_direct,
            "irr_training_indirect": self.rr_training,
            "irr_training_direct": self.rr_training_direct,
            "glute_per_sitting_h": self.sitting_on_glute_nm_kg_per_h,
            "onset_per_sitting_h": self.sitting_on_onset_ms_per_h,
            "training_gain_nm_kg": self.training_gain_nm_kg,
        }


# ---------------------------------------------------------------------------------------------
# The model, vectorised over a leading replicate axis


def _participants(rng: np.random.Generator, shape: tuple[int, int], fx: Effects, trial,
                  team_arm: np.ndarray | None = None):
    """Participant-level draws (true values), each of ``shape = (reps, n)``.

    ``team_arm`` (a cluster trial) replaces the individual randomisation, which is drawn all
    the same so that every other value is that of the individually randomised study.
    """
    reps, n = shape
    male = rng.random(shape) < 0.5
    age = np.floor(np.clip(rng.normal(25.0, 5.0, shape), 18, 40))
    prior = rng.random(shape) < np.clip(fx.prior_cramps_share + 0.01 * (age - 25), 0.05, 0.9)
    injury = rng.random(shape) < 0.2
    mass = np.round(np.clip(np.where(male, rng.normal(80, 9, shape), rng.normal(65, 7, shape)),
                            45, 130), 1)
    height = np.round(np.where(male, rng.normal(181, 7, shape), rng.normal(168, 6, shape)), 1)
    sitting = np.clip(fx.sitting_mean_h + 0.03 * (age - 25) + 0.3 * (male - 0.5)
                      + rng.normal(0, fx.sitting_sd_h, shape), 4, 14)
    glute = np.maximum(0.5, fx.glute_mean_nm_kg
                       + fx.sitting_on_glute_nm_kg_per_h * (sitting - fx.sitting_mean_h)
                       + 0.1 * (male - 0.5) + rng.normal(0, fx.glute_sd_nm_kg, shape))
    if trial:
        arm = (np.argsort(rng.random(shape), axis=1) < n // 2).astype(float)
    else:
        arm = np.zeros(shape)
    if team_arm is not None:
        arm = team_arm
    glute_post = np.maximum(0.5, glute + fx.training_gain_nm_kg * arm
                            + rng.normal(0, fx.glute_change_sd_nm_kg, shape))
    if not trial:  # no programme and no post-test (the draws above keep the stream as it was)
        glute_post = np.full(shape, np.nan)
    delay = (fx.onset_delay_mean_ms + fx.sitting_on_onset_ms_per_h * (sitting - fx.sitting_mean_h)
             + rng.normal(0, fx.onset_delay_sd_ms, shape))
    z_glute = (glute - fx.glute_mean_nm_kg) / fx.glute_sd_nm_kg
    icc = fx.bridge_icc
    bridge = fx.bridge_mean_reps + fx.bridge_sd_reps * math.sqrt(icc) * (
        0.4 * z_glute + math.sqrt(1 - 0.16) * rng.normal(0, 1, shape))
    lever = np.round(rng.normal(0.38, 0.025, shape) + 0.02 * male, 3)
    return {"male": male.astype(float), "age": age, "prior_cramps": prior.astype(float),
            "prior_injury": injury.astype(float), "body_mass_kg": mass, "height_cm": height,
            "sitting_true": sitting, "glute_true": glute, "glute_post_true": glute_post,
            "arm": arm, "delay_true": delay, "bridge_true": bridge, "lever_arm_m": lever}


def _sitting_days(rng, shape, fx: Effects, sitting_true):
    """Seven monitored days: waking wear, device sitting, valid-day flag (wear >= 10 h)."""
    days = (*shape, _DAYS)
    short = rng.random(days) < 0.12
    wear = np.where(short, rng.uniform(4, 10, days), np.clip(rng.normal(15.5, 1.0, days), 10, 18))
    sd_within = fx.sitting_sd_h * math.sqrt((1 - fx.sitting_day_icc) / fx.sitting_day_icc)
    day = np.clip(sitting_true[..., None] + rng.normal(0, sd_within, days), 1, 16)
    day = np.minimum(day * np.minimum(1.0, wear / 15.5), wear - 0.5)
    no_device = rng.random(shape) < 0.03
    return np.round(wear, 4), np.round(day, 4), wear >= 10, no_device


def _self_report(rng, shape, fx: Effects, sitting_true):
    r = fx.self_report_r
    sd_noise = fx.sitting_sd_h * math.sqrt(1 / r**2 - 1)
    value = np.round(np.clip(sitting_true + fx.self_report_bias_h
                             + rng.normal(0, sd_noise, shape), 0, 16) * 2) / 2
    missing = rng.random(shape) < 0.05
    return value, missing


def _hhd_forces(rng, glute, mass, lever, fx: Effects):
    """Force (N) for 2 sides x 3 trials of one session, shape (reps, n, 2, 3)."""
    shape = glute.shape
    side = rng.normal(0, 0.05, (*shape, 2))
    trial = rng.normal(0, fx.glute_trial_cv, (*shape, 2, 3))
    torque = (glute * mass)[..., None, None] * (1 + side)[..., None] * (1 + trial)
    return np.round(torque / lever[..., None, None], 1)


def _glute_from_forces(force, lever, mass):
    """The analysis rule: best trial per side, mean of the sides, per kg."""
    return (force * lever[..., None, None]).max(axis=-1).mean(axis=-1) / mass


def _bridge_reps(rng, bridge_true, fx: Effects, gain):
    noise = fx.bridge_sd_reps * math.sqrt(1 - fx.bridge_icc)
    shape = bridge_true.shape
    return np.round(np.clip((bridge_true + gain)[..., None] + rng.normal(0, noise, (*shape, 2)),
                            0, 100))


def _training_effect(p: dict, fx: Effects) -> np.ndarray:
    """Log multiplier of the hamstring-cramp rate once the training gain is complete: through
    the athlete's gain in glute strength and any direct path; 0 outside a trial (no post-test).
    """
    gain = p["glute_post_true"] - p["glute_true"]
    if fx.training_gain_nm_kg > 0:
        through = math.log(fx.rr_training) * gain / fx.training_gain_nm_kg
    else:  # no gain to carry the effect: rr_training acts on the arm itself
        through = math.log(fx.rr_training) * p["arm"]
    c = through + math.log(fx.rr_training_direct) * p["arm"]
    return np.where(np.isfinite(gain), c, 0.0)


def _season_average(c: np.ndarray) -> np.ndarray:
    """Mean of ``exp(c * ramp(t))`` over follow-up, the ramp rising linearly from 0 to 1 at the
    post-test (mid-follow-up) and held at 1 after it."""
    h = _POST_TEST_DAY / (_WEEKS * 7)
    c = np.asarray(c, float)
    ramp = np.where(c == 0, 1.0, np.expm1(c) / np.where(c == 0, 1.0, c))  # (e^c - 1) / c
    return h * ramp + (1 - h) * np.exp(c)


def _ramp(days: np.ndarray) -> np.ndarray:
    """The share of the training gain reached ``days`` after the start of follow-up."""
    return np.clip(np.asarray(days, float) / _POST_TEST_DAY, 0.0, 1.0)


def _season_training_ratio(fx: Effects) -> float:
    """Rate ratio of training vs control over follow-up, averaged over the athletes' gains."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(40)
    weights = weights / weights.sum()
    gain = nodes * fx.glute_change_sd_nm_kg

    def mean_rate(arm: float) -> float:
        p = {"glute_true": np.zeros_like(gain), "arm": np.full_like(gain, arm),
             "glute_post_true": gain + fx.training_gain_nm_kg * arm}
        return float(weights @ _season_average(_training_effect(p, fx)))

    return mean_rate(1.0) / mean_rate(0.0)


def rr_training_for(irr: float, fx: Effects | None = None) -> float:
    """The ``rr_training`` whose rate ratio over the whole follow-up is ``irr`` (the effect a
    trial's primary analysis estimates, :meth:`Effects.truth`'s ``irr_training``), given the
    other effects of ``fx`` (the gain, its spread and any direct path).

    Examples
    --------
    >>> r = rr_training_for(0.9)
    >>> round(r, 4), round(Effects(rr_training=r).truth()["irr_training"], 6)
    (0.8677, 0.9)
    """
    fx = Effects() if fx is None else fx
    if not (math.isfinite(irr) and irr > 0):
        raise InputError(f"a rate ratio must be a positive number; got {irr!r}.")

    target = math.log(irr)
    if target == 0 and fx.rr_training_direct == 1:
        return 1.0  # exactly: no effect to route

    def gap(log_rr: float) -> float:
        return math.log(_season_training_ratio(replace(fx, rr_training=math.exp(log_rr)))) \
            - target

    return math.exp(optimize.brentq(gap, -8.0, 8.0, xtol=1e-12))


def _cramp_rates(p: dict, fx: Effects, *, training: bool = True):
    """Hamstring and other-muscle cramp rates per exposure hour (before the frailty).

    ``training`` includes the trial's effect as its average over follow-up (the cohort draws);
    :func:`simulate_study` leaves it out and weights each session by the gain reached by then.
    """
    common = (math.log(fx.rr_prior_cramps) * p["prior_cramps"]
              + math.log(fx.rr_male) * p["male"]
              + math.log(fx.rr_age_per_10y) * (p["age"] - 25) / 10)
    deficit = -(p["glute_true"] - fx.glute_mean_nm_kg) / fx.glute_sd_nm_kg
    hamstring = np.exp(math.log(fx.hamstring_rate_per_1000h / 1000) + common
                       + math.log(fx.rr_prior_injury) * p["prior_injury"]
                       + math.log(fx.rr_glute_deficit_per_sd) * deficit
                       + math.log(fx.rr_sitting_direct_per_h) * (p["sitting_true"]
                                                                 - fx.sitting_mean_h)
                       + (np.log(_season_average(_training_effect(p, fx))) if training
                          else 0.0))
    other = np.exp(math.log(fx.other_rate_per_1000h / 1000) + common)
    return hamstring, other


def _training_plan(rng, shape):
    per_week = rng.integers(2, 6, shape)
    mean_minutes = rng.choice(np.array([60, 75, 90, 105, 120]), shape)
    return per_week, mean_minutes


def _generators(seed: int | None) -> tuple[np.random.Generator, ...]:
    """The model's generator (exactly ``default_rng(seed)``) and independent children for
    teams, missingness and the season (in that order: child 0 is the team stream it always was),
    so that a study without these is drawn exactly as before they existed."""
    sequence = np.random.SeedSequence(seed)
    return (np.random.default_rng(sequence),
            *(np.random.default_rng(child) for child in sequence.spawn(3)))


def _check_design(n: int, trial: object, n_teams: object, team_sd: object) -> tuple[bool, float]:
    """Check the trial and team arguments; return (cluster trial?, team_sd as float)."""
    check_one_of("trial", trial, TRIALS)
    cluster = isinstance(trial, str)
    if isinstance(team_sd, bool) or not isinstance(team_sd, (int, float, np.floating, np.integer)):
        raise InputError(f"`team_sd` must be a number of at least 0; got {team_sd!r}.")
    team_sd = float(team_sd)
    if not (math.isfinite(team_sd) and team_sd >= 0):
        raise InputError(f"`team_sd` must be a finite number of at least 0 (the SD of the team "
                         f"effect on the log cramp rate); got {team_sd!r}.")
    if n_teams is None:
        if team_sd > 0:
            raise InputError(f"`team_sd={team_sd:g}` needs teams: give `n_teams` (2 to n).")
        if cluster:
            raise InputError('`trial="cluster"` randomises whole teams: give `n_teams`, an even '
                             "number of at least 4.")
        return cluster, team_sd
    check_count("n_teams", n_teams, (2, n))
    if cluster and (n_teams < 4 or n_teams % 2):
        raise InputError(f'`trial="cluster"` randomises half the teams to each arm, so '
                         f"`n_teams` must be an even number of at least 4; got {n_teams!r}.")
    return cluster, team_sd


def _teams(rng: np.random.Generator, shape: tuple[int, int], n_teams: int, team_sd: float):
    """Team of each athlete, each team's effect on the log cramp rate, each team's arm.

    Returns ``team`` (codes 0 to n_teams - 1, shape (reps, n), team sizes differing by at most
    one), ``effect`` (shape (reps, n_teams), normal with SD ``team_sd``) and ``team_arm``
    (shape (reps, n_teams), exactly half the teams 1 when ``n_teams`` is even). The draws do not
    depend on ``team_sd`` or the design: one seed gives the same teams and arms throughout.
    """
    reps, n = shape
    rank = np.argsort(np.argsort(rng.random(shape), axis=1), axis=1)
    team = rank % n_teams
    team_arm = (np.argsort(rng.random((reps, n_teams)), axis=1) < n_teams // 2).astype(float)
    effect = team_sd * rng.standard_normal((reps, n_teams))
    return team, effect, team_arm


def team_icc(team_sd: float, *, theta: float, expected=None) -> float:
    """The intracluster correlation a team effect implies in the simulator's cramp model.

    The model: athlete ``i`` of team ``t`` has ``Y | f, u ~ Poisson(mu_i f exp(u_t))`` with an
    expected count ``mu_i`` (rate x exposure hours in a typical team, ``u = 0``, frailty 1), a
    gamma frailty ``f`` (shape ``theta``, mean 1, variance ``1/theta``) and a team effect
    ``u_t ~ N(0, team_sd²)`` shared by the team, athletes dealt into teams at random.

    Parameters
    ----------
    team_sd : float
        SD of the team effect on the log rate (``sigma``).
    theta : float
        Shape of the athlete's gamma frailty (the negative-binomial ``theta``).
    expected : float or array-like, optional
        ``mu``: one expected count for every athlete, or each athlete's. A mean observed count
        divided by ``exp(team_sd² / 2)`` estimates a single one. Without it the latent
        (log-rate) ICC.

    Returns
    -------
    float
        Latent scale (``expected=None``): the correlation of two team-mates' log rates
        ``u + log f``,

        ``ICC = sigma² / (sigma² + psi1(theta))``,

        where ``psi1`` is the trigamma function, the variance of ``log f``.
        Count scale: the correlation of the counts of two athletes drawn from one team, with
        ``M1 = mean(mu)`` and ``M2 = mean(mu²)`` over the athletes,

        ``ICC = M1² e^(sigma²) (e^(sigma²) - 1) / (M1 e^(sigma²/2)
        + M2 (1 + 1/theta) e^(2 sigma²) - M1² e^(sigma²))``,

        the numerator being ``Cov(Y_i, Y_j)`` and the denominator ``Var(Y_i)`` (the Poisson
        variance plus the variance of the rate, which includes the spread of ``mu``); with one
        ``mu`` for all, ``M2 = M1²``. This is the ICC that a one-way ANOVA estimate from the
        athletes' counts recovers; the design effect of teams of ``k`` athletes is
        ``1 + (k - 1) ICC``.

    Examples
    --------
    >>> round(team_icc(0.5, theta=0.8), 4)
    0.0981
    >>> round(team_icc(0.5, theta=0.8, expected=1.3), 4)
    0.1106
    >>> round(team_icc(0.5, theta=0.8, expected=[0.3, 1.3, 2.3]), 4)  # same mean, more spread
    0.0766
    >>> team_icc(0.0, theta=0.8, expected=1.3)
    0.0
    """
    sigma2 = float(team_sd) ** 2
    if expected is None:
        return sigma2 / (sigma2 + float(polygamma(1, theta)))
    mu = np.asarray(expected, dtype=float)
    m1, m2 = float(mu.mean()), float((mu**2).mean())
    cov = m1**2 * math.exp(sigma2) * math.expm1(sigma2)
    var = (m1 * math.exp(sigma2 / 2) + m2 * (1 + 1 / theta) * math.exp(2 * sigma2)
           - m1**2 * math.exp(sigma2))
    return cov / var if var > 0 else 0.0


def _team_truth(cluster: bool, trial, n_teams: int, team_sd: float, names, effect, fx: Effects,
                expected_ham: np.ndarray, expected_all: np.ndarray) -> dict:
    """What a study with teams records of them in ``truth``; ``expected_*`` are the expected
    counts of the athletes with exposure (typical team, frailty 1)."""
    theta = fx.dispersion_theta
    mean_ham = float(expected_ham.mean()) if len(expected_ham) else 0.0
    mean_all = float(expected_all.mean()) if len(expected_all) else 0.0
    return {
        "design": "cluster" if cluster else ("individual" if trial else "observational"),
        "n_teams": n_teams,
        "team_sd": team_sd,
        "team_effects": {str(t): float(e) for t, e in zip(names, effect)},
        "icc_log_rate": team_icc(team_sd, theta=theta),
        "mean_expected_hamstring_cramps": mean_ham,
        "mean_expected_cramps": mean_all,
        "icc_hamstring_cramps": team_icc(team_sd, theta=theta, expected=expected_ham)
        if len(expected_ham) else 0.0,
        "icc_cramps": team_icc(team_sd, theta=theta, expected=expected_all)
        if len(expected_all) else 0.0,
        "icc_hamstring_cramps_at_mean": team_icc(team_sd, theta=theta, expected=mean_ham),
        "icc_cramps_at_mean": team_icc(team_sd, theta=theta, expected=mean_all),
        "icc_note": "icc_log_rate = sd² / (sd² + trigamma(theta)). icc_<count> is the "
        "correlation of the counts of two athletes of one team, over this cohort's athletes "
        "with exposure, from their expected counts mu (typical team, frailty 1), M1 = mean(mu), "
        "M2 = mean(mu²): M1² e^(sd²)(e^(sd²) - 1) / (M1 e^(sd²/2) + M2 (1 + 1/theta) "
        "e^(2 sd²) - M1² e^(sd²)); icc_<count>_at_mean puts every athlete at M1 (M2 = M1²), "
        "as for athletes alike in covariates and exposure. The team effect is not centred: "
        "the mean rate is e^(sd²/2) times the rate of a typical team.",
    }


# ---------------------------------------------------------------------------------------------
# Missingness on request (for checking multiple imputation against a known truth)

MISSING = (None, "mcar", "mar", "mnar")
#: Variables the simulator can make missing: the raw rows it deletes, and the direction of
#: MNAR (+1: high values go missing more often, -1: low values do).
MISSING_VARIABLES = {
    "glute_nm_kg": ("strength", "hip-extension dynamometer rows (every session)", -1),
    "bridge_reps": ("strength", "single-leg-bridge rows (every session)", -1),
    "sitting_h_day": ("sitting", "device days (every device row)", 1),
    "self_report_sitting_h_day": ("sitting", "the self-report row", 1),
    "glute_onset_delay_ms": ("activation", "EMG rows", 1),
}
#: Weight ratio per SD of the driver of MAR and MNAR missingness (guessed: strong enough that
#: complete cases are visibly biased, as in the imputation benchmarks).
MISSING_WEIGHT_RATIO = 3.0


def _check_missing(missing, share, columns, known) -> tuple[str, ...]:
    check_one_of("missing", missing, MISSING)
    if isinstance(share, bool) or not isinstance(share, (int, float, np.integer, np.floating)) \
            or not (math.isfinite(share) and 0 < share < 1):
        raise InputError(f"`missing_share` must be a number between 0 and 1 (the share of the "
                         f"athletes with the value that lose it); got {share!r}.")
    columns = (columns,) if isinstance(columns, str) else tuple(columns)
    unknown = [c for c in columns if c not in known]
    if unknown or not columns or len(set(columns)) < len(columns):
        raise InputError(f"`missing_in` must name one or more of {', '.join(known)} (each once); "
                         f"got {columns!r}.")
    return columns


def _depends_on(missing: str, column: str) -> str:
    if missing == "mcar":
        return "nothing: completely at random"
    if missing == "mar":
        return ("the athlete's observed cramp count in follow-up (all muscles): weight "
                f"{MISSING_WEIGHT_RATIO:g}x per SD of log(1 + cramps); athletes without exposure "
                "count as average. Given the cramps it does not depend on the missing value")
    way = "high" if MISSING_VARIABLES[column][2] > 0 else "low"
    return (f"the missing value itself ({column}, as it would have been measured): {way} values "
            f"go missing more often, weight {MISSING_WEIGHT_RATIO:g}x per SD")


def _choose_missing(rng: np.random.Generator, missing: str, share: float, column: str,
                    value: np.ndarray, cramps: np.ndarray) -> np.ndarray:
    """Which athletes lose ``column`` (bool, shape of ``value``: (reps, n)).

    Exactly ``round(share x number with the value)`` per cohort, among those with the value,
    drawn without replacement with weights ``exp(+-log(ratio) z)``, ``z`` the driver
    standardised over them (Efraimidis-Spirakis keys ``log(u) / w``).
    """
    eligible = np.isfinite(value)
    if missing == "mcar":
        driver, sign = np.zeros_like(value), 0.0
    elif missing == "mar":
        driver, sign = np.log1p(np.where(np.isfinite(cramps), cramps, np.nan)), 1.0
    else:
        driver, sign = value, float(MISSING_VARIABLES[column][2])
    use = eligible & np.isfinite(driver)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nanmean(np.where(use, driver, np.nan), axis=-1, keepdims=True)
        sd = np.nanstd(np.where(use, driver, np.nan), axis=-1, keepdims=True)
        z = np.where(use & (sd > 0), (driver - mean) / sd, 0.0)
    weight = np.exp(sign * math.log(MISSING_WEIGHT_RATIO) * z)
    keys = np.where(eligible, np.log(rng.random(value.shape)) / weight, -np.inf)
    k = np.round(share * eligible.sum(axis=-1, keepdims=True))
    rank = np.argsort(np.argsort(-keys, axis=-1, kind="stable"), axis=-1)
    return (rank < k) & eligible


def _make_missing(rng, tables: dict, missing: str, share: float, columns: tuple[str, ...]):
    """Delete the raw rows behind ``columns`` for the chosen athletes; return tables and truth."""
    full = Study.from_tables(tables)
    table = full.analysis_table()
    ids = table["participant_id"].to_numpy()
    cramps = table["cramps"].to_numpy(float)
    tables = {k: v.copy() for k, v in full.tables.items()}
    record = {}
    for column in columns:
        value = table[column].to_numpy(float)
        chosen = _choose_missing(rng, missing, share, column, value[None], cramps[None])[0]
        lost = ids[chosen]
        name, what, _ = MISSING_VARIABLES[column]
        frame = tables[name]
        mine = frame["participant_id"].isin(lost).to_numpy()
        if column in ("glute_nm_kg", "bridge_reps"):
            test = "hhd_hip_extension" if column == "glute_nm_kg" else "single_leg_bridge"
            rows = mine & frame["test"].eq(test).to_numpy(bool)
        elif column == "sitting_h_day":
            rows = mine & frame["instrument"].isin(DEVICE_INSTRUMENTS).to_numpy(bool)
        elif column == "self_report_sitting_h_day":
            rows = mine & frame["instrument"].eq("self_report").to_numpy(bool)
        else:
            rows = mine
        tables[name] = frame[~rows].reset_index(drop=True)
        eligible = int(np.isfinite(value).sum())
        record[column] = {
            "participants": [str(i) for i in lost],
            "n_made_missing": int(chosen.sum()),
            "n_with_value": eligible,
            "share_made_missing": float(chosen.sum() / eligible) if eligible else 0.0,
            "n_missing_by_design": int(len(value) - eligible),
            "n_missing_total": int(len(value) - eligible + chosen.sum()),
            "depends_on": _depends_on(missing, column),
            "removed": f"{name} table: {what} of these athletes",
            "rows_removed": int(rows.sum()),
        }
    truth = {"mechanism": missing, "share": float(share), "columns": list(columns),
             "weight_ratio_per_sd": MISSING_WEIGHT_RATIO if missing != "mcar" else 1.0,
             "by_column": record,
             "note": "share = of the athletes who would have had the value; the ones missing by "
             "design (no device, too few valid days, no EMG, no self-report, withdrawn) are "
             "counted apart."}
    return tables, truth


# ---------------------------------------------------------------------------------------------
# The season: weekly sitting within an athlete and its acute effect on hamstring cramps

_SEASON_EFFECTS = ("sitting_week_sd_h", "sitting_week_ar1", "rr_recent_sitting_per_h")
_RECENT_DAYS = 7  # the window of the acute effect: the 7 days before the session's day
_SEASON_LEAD = 14  # actual sitting is drawn from 14 days before follow-up (the baseline week)


def _check_season(season: object) -> int:
    """0 without a season, else the weeks between monitored device weeks."""
    if season is False or season is None:
        return 0
    if season is True:
        return 4
    return check_count("season", season, (1, _WEEKS))


def _season_days(rng, fx: Effects, sitting_true: np.ndarray, every: int):
    """Actual daily sitting from day -14 to the end of follow-up, and the device's record
    (wear, sitting, valid flag) of the monitored days with their offsets from follow-up start.
    """
    n = len(sitting_true)
    weeks = (_SEASON_LEAD + _WEEKS * _DAYS) // _DAYS
    phi, sd = fx.sitting_week_ar1, fx.sitting_week_sd_h
    shock = rng.normal(0, 1, (n, weeks))
    dev = np.empty((n, weeks))
    dev[:, 0] = sd * shock[:, 0]
    for w in range(1, weeks):
        dev[:, w] = phi * dev[:, w - 1] + sd * math.sqrt(1 - phi**2) * shock[:, w]
    days = weeks * _DAYS
    sd_within = fx.sitting_sd_h * math.sqrt((1 - fx.sitting_day_icc) / fx.sitting_day_icc)
    actual = np.clip(sitting_true[:, None] + np.repeat(dev, _DAYS, axis=1)
                     + rng.normal(0, sd_within, (n, days)), 1, 16)
    short = rng.random((n, days)) < 0.12
    wear = np.where(short, rng.uniform(4, 10, (n, days)),
                    np.clip(rng.normal(15.5, 1.0, (n, days)), 10, 18))
    record = np.minimum(actual * np.minimum(1.0, wear / 15.5), wear - 0.5)
    offsets = np.arange(days) - _SEASON_LEAD
    week = np.floor_divide(offsets, _DAYS)  # -2 and -1 before follow-up
    monitored = (week == -2) | ((week >= 0) & (week % every == 0))
    return (actual, np.round(wear[:, monitored], 4), np.round(record[:, monitored], 4),
            wear[:, monitored] >= 10, offsets[monitored])


def _recent_multiplier(exposure: pd.DataFrame, ids, start, actual, sitting_true, fx: Effects):
    """Per session: ``rr ** (mean actual sitting of the 7 days before its day - usual)``."""
    who = pd.Index(ids).get_indexer(exposure["participant_id"])
    day = ((exposure["date"].to_numpy() - start.to_numpy()[who]) // np.timedelta64(1, "D")
           + _SEASON_LEAD).astype(int)
    total = np.concatenate([np.zeros((len(ids), 1)), np.cumsum(actual, axis=1)], axis=1)
    recent = (total[who, day] - total[who, day - _RECENT_DAYS]) / _RECENT_DAYS
    return np.exp(math.log(fx.rr_recent_sitting_per_h) * (recent - sitting_true[who]))


def _season_truth(fx: Effects, every: int) -> dict:
    return {
        "device_every_weeks": every,
        "monitored_weeks": [w + 1 for w in range(_WEEKS) if w % every == 0],
        "window_days": _RECENT_DAYS,
        "sitting_week_sd_h": fx.sitting_week_sd_h,
        "sitting_week_ar1": fx.sitting_week_ar1,
        "note": "hr_recent_sitting_per_h multiplies a session's hamstring-cramp rate per h/day "
        "of the mean actual sitting of the 7 days before the session's day above the athlete's "
        "usual (true) level: a within-athlete effect; the between-athlete rate ratios are those "
        "without a season (all athletes' rates rise alike by E[multiplier], about "
        "exp(log(hr)^2 var/2)). The device records the baseline week and monitored weeks "
        "1, 1 + every, ... of follow-up (numbered from 1); the counting process's "
        "sitting_h_day_window is the measured version of the 7-day mean, missing where no "
        "monitored valid day falls in the window.",
    }


# ---------------------------------------------------------------------------------------------
# Public entry points


def draw_cohorts(n: int = 400, *, reps: int = 1000, seed: int | None = None,
                 scenario: str = "hypothesis", trial: bool | str = False,
                 n_teams: int | None = None, team_sd: float = 0.0,
                 missing: str | None = None, missing_share: float = 0.15,
                 missing_in: str | tuple[str, ...] = ("glute_nm_kg",),
                 **effects: float) -> dict[str, np.ndarray]:
    """Draw ``reps`` cohorts of ``n`` participants at once, at the level of the analysis table.

    The same causal model as :func:`simulate_study`, without writing the long tables: sitting is
    the mean of the valid days of seven monitored days, glute strength follows the analysis rule
    on simulated trials, exposure hours are the total of the simulated sessions (drawn as sums;
    session lengths are not rounded to 5 min here) and cramp counts are negative binomial.

    Parameters
    ----------
    n, seed, scenario, **effects
        As in :func:`simulate_study`.
    reps : int, default 1000
        Cohorts to draw (1 to 100,000).
    trial : {False, True, "cluster"}
        ``True`` randomises half of each cohort's athletes, ``"cluster"`` half of its teams.
    n_teams, team_sd
        Teams and their random effect on the log cramp rate, as in :func:`simulate_study`;
        each cohort has its own team assignment, team effects and (cluster trial) team arms.
    missing, missing_share, missing_in
        Make values missing as :func:`simulate_study` does, per cohort, on the arrays
        ``glute_nm_kg``, ``sitting_h_day``, ``self_report_sitting_h_day`` or
        ``glute_onset_delay_ms`` (MAR: on the cohort's observed ``cramps``; MNAR: on the value
        itself), from a stream of their own: every other array is as without it.

    Returns
    -------
    dict of str to numpy.ndarray
        Arrays of shape ``(reps, n)``: ``sitting_h_day`` (NaN without a device or with fewer than
        4 valid days), ``self_report_sitting_h_day``, ``glute_nm_kg``, ``glute_nm_kg_post``,
        ``glute_onset_delay_ms``, ``age``, ``male``, ``prior_cramps``, ``prior_hamstring_injury``,
        ``arm`` (0/1; with ``trial="cluster"`` the same for every athlete of a team),
        ``exposure_h``, ``cramps``, ``hamstring_cramps`` (the last three NaN for the 2 % who
        withdraw before follow-up, as in :func:`simulate_study`). With ``n_teams`` also
        ``team`` (integer codes 0 to ``n_teams - 1``, dtype int64) and
        ``team_effect`` (the athlete's team effect ``u`` on the log rate). Without ``n_teams``
        the arrays are exactly those drawn before teams existed. With ``missing`` also
        ``<column>_made_missing`` (bool) for each column of ``missing_in``: which values the
        mechanism removed (those missing by design, such as too few valid days, are not in it).

    Examples
    --------
    >>> d = draw_cohorts(50, reps=3, seed=1)
    >>> d["hamstring_cramps"].shape
    (3, 50)
    >>> again = draw_cohorts(50, reps=3, seed=1)["exposure_h"]
    >>> bool(np.array_equal(d["exposure_h"], again, equal_nan=True))
    True
    >>> c = draw_cohorts(40, reps=2, seed=1, trial="cluster", n_teams=4, team_sd=0.5)
    >>> [len(np.unique(c["arm"][0][c["team"][0] == t])) for t in range(4)]  # one arm a team
    [1, 1, 1, 1]
    >>> float(c["arm"][0].mean()), np.bincount(c["team"][0]).tolist()
    (0.5, [10, 10, 10, 10])
    """
    fx = Effects.for_scenario(scenario, **effects)
    _check_size(n, reps)
    cluster, team_sd = _check_design(n, trial, n_teams, team_sd)
    columns = _check_missing(missing, missing_share, missing_in, _COHORT_MISSING)
    rng, team_rng, missing_rng, season_rng = _generators(seed)
    shape = (reps, n)
    team = team_arm = None
    if n_teams is not None:
        team, team_effect, by_team_arm = _teams(team_rng, shape, n_teams, team_sd)
        athlete_effect = np.take_along_axis(team_effect, team, axis=1)
        if cluster:
            team_arm = np.take_along_axis(by_team_arm, team, axis=1)
    p = _participants(rng, shape, fx, trial, team_arm)
    wear, day, valid, no_device = _sitting_days(rng, shape, fx, p["sitting_true"])
    count = valid.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_day = np.where(valid, day, 0).sum(axis=-1) / count
    sitting = np.where((count >= 4) & ~no_device, mean_day, np.nan)
    self_report, sr_missing = _self_report(rng, shape, fx, p["sitting_true"])
    glute = _glute_from_forces(_hhd_forces(rng, p["glute_true"], p["body_mass_kg"],
                                           p["lever_arm_m"], fx), p["lever_arm_m"],
                               p["body_mass_kg"])
    glute_post = _glute_from_forces(_hhd_forces(rng, p["glute_post_true"], p["body_mass_kg"],
                                                p["lever_arm_m"], fx), p["lever_arm_m"],
                                    p["body_mass_kg"])
    delay = p["delay_true"] + rng.normal(0, 25, (*shape, 3)).mean(axis=-1)
    per_week, minutes = _training_plan(rng, shape)
    n_train = rng.binomial(_WEEKS * per_week, 0.9)
    n_match = rng.binomial(_WEEKS, 0.75, shape)
    total_min = (n_train * minutes + 10 * np.sqrt(n_train) * rng.normal(0, 1, shape)
                 + 90 * n_match)
    exposure_h = total_min / 60
    if fx.exposure_h_mean != _EXPOSURE_H_MEAN:
        exposure_h = exposure_h * (fx.exposure_h_mean / _EXPOSURE_H_MEAN)
    ham_rate, other_rate = _cramp_rates(p, fx)
    frailty = rng.gamma(fx.dispersion_theta, 1 / fx.dispersion_theta, shape)
    if team is not None:
        frailty = frailty * np.exp(athlete_effect)
    ham = rng.poisson(ham_rate * exposure_h * frailty).astype(float)
    other = rng.poisson(other_rate * exposure_h * frailty).astype(float)
    dropout = rng.random(shape) < fx.dropout_share
    exposure_h, ham, other = (np.where(dropout, np.nan, a) for a in (exposure_h, ham, other))
    teams = ({} if team is None else
             {"team": team.astype(np.int64), "team_effect": athlete_effect})
    out = {
        "sitting_h_day": sitting,
        "self_report_sitting_h_day": np.where(sr_missing, np.nan, self_report),
        "glute_nm_kg": glute,
        "glute_nm_kg_post": glute_post if trial else np.full(shape, np.nan),
        "glute_onset_delay_ms": delay,
        "age": p["age"], "male": p["male"], "prior_cramps": p["prior_cramps"],
        "prior_hamstring_injury": p["prior_injury"], "arm": p["arm"],
        "exposure_h": exposure_h, "cramps": ham + other, "hamstring_cramps": ham,
        **teams,
    }
    if missing is not None:
        for column in columns:
            chosen = _choose_missing(missing_rng, missing, missing_share, column, out[column],
                                     out["cramps"])
            out[column] = np.where(chosen, np.nan, out[column])
            out[f"{column}_made_missing"] = chosen
    return out


_COHORT_MISSING = ("glute_nm_kg", "sitting_h_day", "self_report_sitting_h_day",
                   "glute_onset_delay_ms")

#: The analysis-table columns that :func:`draw_cohorts` draws for every athlete before follow-up,
#: each with the array that holds it (sex as the 0/1 ``male``): the covariates a simulated
#: analysis can adjust for. The randomised arm, follow-up measures and the teams are not in it
#: (a simulated cohort is observational and has no teams unless a trial of teams is planned).
COHORT_COVARIATES = {"age": "age", "sex": "male", "prior_cramps": "prior_cramps",
                     "prior_hamstring_injury": "prior_hamstring_injury",
                     "sitting_h_day": "sitting_h_day",
                     "self_report_sitting_h_day": "self_report_sitting_h_day",
                     "glute_nm_kg": "glute_nm_kg", "glute_onset_delay_ms": "glute_onset_delay_ms"}


def _check_size(n: int, reps: int = 1) -> None:
    check_count("n", n, SIMULATE_N)
    check_count("reps", reps, (1, REPS[1]))


#: The effect whose adjustment set ``Study.truth["adjust_for"]`` records: the total effect of
#: daily sitting on the hamstring-cramp count (the claim's "sitting_cramps" link).
_TRUTH_EFFECT = ("sitting_h_day", "hamstring_cramps")


def _truth_adjustment() -> list[str]:
    """The covariates that identify the total effect of sitting on hamstring cramps, as
    dataset columns.

    The minimal sufficient set of the backdoor criterion on
    :data:`glute_study.causal.STUDY_DAG` (:meth:`~glute_study.causal.Dag.adjustment_set`, the
    function the analysis plan takes its confounders from), read when a study is simulated.
    Each node is an analysis-table column taken straight from one dataset column
    (:data:`glute_study.codebook.ANALYSIS_COLUMNS`: ``"participants.sex"``, ...), and the truth
    names that column. Precision covariates (causes of the outcome alone, such as previous
    cramping) are not confounders and are not in it.

    Examples
    --------
    >>> _truth_adjustment()
    ['age', 'sex']
    """
    columns = []
    for node in causal.STUDY_DAG.adjustment_set(*_TRUTH_EFFECT):
        source = re.match(r"(\w+)\.(\w+)", ANALYSIS_COLUMNS.get(node, ""))
        table, column = source.groups() if source else ("", "")
        if table not in CODEBOOK or column not in {c.name for c in CODEBOOK[table].columns}:
            exposure, outcome = _TRUTH_EFFECT
            raise InputError(f"the causal diagram adjusts the total effect of {exposure!r} on "
                             f"{outcome!r} for {node!r}, which is not one column of a study "
                             "table; the simulator's truth cannot name it.")
        columns.append(column)
    return columns


#: The scenario of a simulated study in words, for its title.
SCENARIO_WORDS = {"hypothesis": "the world where the coaching claim is true",
                  "null": "the world where the coaching claim is false"}


def study_title(*, n: int, seed: int | None, scenario: str = "hypothesis",
                trial: bool | str = True, n_teams: int | None = None, every: int | None = None,
                missing: str | None = None, missing_share: float = 0.15,
                missing_in: tuple[str, ...] = ()) -> str:
    """The title of a simulated study, in words (its ``study.json`` name, the report's title).

    Examples
    --------
    >>> study_title(n=400, seed=2026, n_teams=20, every=4)  # doctest: +NORMALIZE_WHITESPACE
    'Simulated cohort of 400 athletes in 20 teams, device sitting 1 week in 4 (the world where
     the coaching claim is true, seed 2026)'
    >>> study_title(n=80, seed=9, scenario="null", trial="cluster", n_teams=4)
    ... # doctest: +NORMALIZE_WHITESPACE
    'Simulated cohort of 80 athletes in 4 teams, training randomised by team (the world where
     the coaching claim is false, seed 9)'
    >>> study_title(n=1000, seed=3, trial=False, missing="mar", missing_share=0.2,
    ...             missing_in=("glute_nm_kg",))  # doctest: +NORMALIZE_WHITESPACE
    'Simulated cohort of 1,000 athletes, 20 % of glute strength missing at random (the world
     where the coaching claim is true, seed 3)'
    """
    from .labels import label

    parts = [f"Simulated cohort of {n:,} athletes"
             + (f" in {n_teams:,} teams" if n_teams is not None else "")]
    if trial == "cluster":
        parts.append("training randomised by team")
    if every:
        parts.append(f"device sitting 1 week in {every}")
    if missing is not None:
        how = {"mcar": "completely at random", "mar": "at random",
               "mnar": "not at random"}.get(str(missing).lower(), str(missing))
        what = ", ".join(label(c, unit=False, mid=True) for c in missing_in)
        parts.append(f"{100 * missing_share:g} % of {what} missing {how}")
    world = SCENARIO_WORDS.get(scenario, scenario)
    seed_words = "" if seed is None else f", seed {seed}"
    return ", ".join(parts) + f" ({world}{seed_words})"


def simulate_study(n: int = 400, *, seed: int | None = None, scenario: str = "hypothesis",
                   trial: bool | str = True, n_teams: int | None = None, team_sd: float = 0.0,
                   missing: str | None = None, missing_share: float = 0.15,
                   missing_in: str | tuple[str, ...] = ("glute_nm_kg",),
                   season: bool | int = False, **effects: float) -> Study:
    """Simulate a whole study, every codebook table, from the documented causal model.

    Parameters
    ----------
    n : int, default 400
        Participants (2 to 100,000).
    seed : int, optional
        Seed of the random generator (0 to 2**32 - 1): the same seed gives the same study, byte
        for byte when saved. ``None`` draws fresh entropy.
    scenario : {"hypothesis", "null"}
        ``"hypothesis"`` uses the assumed effects of the claim; ``"null"`` sets every arrow of
        the claim to no effect.
    trial : {True, False, "cluster"}, default True
        ``True`` randomises half the participants to glute training (arm ``glute_training``,
        the rest ``control``) with a post-test at mid-follow-up; ``"cluster"`` randomises
        whole teams instead, half of them to each arm (needs an even ``n_teams`` of at least 4);
        ``False`` is an observational cohort.
    n_teams : int, optional
        Deal the athletes into this many teams (2 to ``n``; sizes differ by at most one; named
        ``T01``, ``T02``, ...; one sport and level per team), recorded in the ``team`` column.
        Without it the study has no teams and is drawn exactly as before teams existed.
    team_sd : float, default 0
        SD of the team effect on the log rate of hamstring and other cramps (normal, not
        centred, on top of the athlete's gamma frailty); needs ``n_teams``.
    missing : {None, "mcar", "mar", "mnar"}
        Make values of ``missing_in`` missing, by deleting the raw rows behind them, so that
        the loss flows through :meth:`Study.analysis_table` as in a real study:
        ``glute_nm_kg`` deletes the athlete's hip-extension dynamometer rows (every session, so
        ``glute_nm_kg_post`` goes too), ``bridge_reps`` the bridge rows, ``sitting_h_day``
        every device day, ``self_report_sitting_h_day`` the self-report row and
        ``glute_onset_delay_ms`` the EMG rows. ``"mcar"``: athletes chosen completely at
        random. ``"mar"``: on an observed variable, the athlete's cramp count in follow-up
        (weight ratio :data:`MISSING_WEIGHT_RATIO` per SD of ``log(1 + cramps)``, athletes who
        cramped more miss the test more often); given the cramps it does not depend on the
        missing value. ``"mnar"``: on the value itself, as it would have been measured (weak
        athletes skip the strength tests, those who sit most skip the device; same weight
        ratio per SD). Drawn from a stream of their own: every row that is kept is the row of
        the study without missingness.
    missing_share : float, default 0.15
        Share of the athletes who would have had the value that lose it (exactly, rounded to
        an athlete), on top of what is missing by design.
    missing_in : str or tuple of str, default ("glute_nm_kg",)
        The analysis-table columns to make missing (each drawn on its own).
    season : bool or int, default False
        Make a season of within-athlete variation, for recurrent-event analyses of
        :meth:`Study.counting_process`. Actual daily sitting, from 14 days before follow-up
        to its end, is the athlete's usual level plus a weekly deviation (AR(1) across weeks,
        SD ``sitting_week_sd_h``, lag-1 correlation ``sitting_week_ar1``; weeks run from the
        athlete's follow-up start) plus the day-to-day noise of the baseline model. The device
        records the baseline week (days -14 to -8) and one week in every ``season`` weeks of
        follow-up from its first week (``True``: one in 4, as repeated 7-day activPAL
        protocols do; ``1``: every week; up to 24). Each session's hamstring-cramp rate is
        multiplied by ``rr_recent_sitting_per_h ** (x - usual)``, ``x`` the mean actual
        sitting of the 7 days before the session's day (monitored or not) and ``usual`` the
        athlete's true level, so the between-athlete truths are unchanged and the acute,
        within-athlete effect is ``hr_recent_sitting_per_h``; other muscles are not affected.
        Cramps stay inside sessions, hamstring ones drawn in proportion to duration times the
        multiplier. The season's draws come from a stream of their own.
    **effects
        Overrides of any field of :class:`Effects` (for example ``rr_glute_deficit_per_sd=1.5``).

    Returns
    -------
    Study
        With ``study.truth`` holding the scenario, the seed, every effect, the derived
        rate ratios the analyses should recover and ``adjust_for``: the participants columns
        that identify the total effect of sitting on hamstring cramps, the minimal sufficient
        set of the backdoor criterion on :data:`glute_study.causal.STUDY_DAG` (the analysis
        plan's confounders of that link; its precision covariates are not in it). With
        ``n_teams`` also ``design`` (``"individual"``, ``"cluster"`` or
        ``"observational"``), ``n_teams``, ``team_sd``, ``team_effects`` (team name to its
        drawn effect on the log rate), the intracluster
        correlations ``icc_log_rate``, ``icc_hamstring_cramps`` and ``icc_cramps`` (see
        :func:`team_icc`: the count ICCs over this cohort's athletes and their expected
        counts), ``icc_hamstring_cramps_at_mean`` and ``icc_cramps_at_mean`` (every athlete at
        the cohort's ``mean_expected_hamstring_cramps`` or ``mean_expected_cramps``) and
        ``icc_note`` (the formulas). With ``missing`` also ``missing``: the ``mechanism``, the
        ``share``, the ``columns`` and, ``by_column``, for each its ``participants`` (the ids
        made missing), ``n_made_missing``, ``n_with_value`` (before), ``share_made_missing``,
        ``n_missing_by_design``, ``n_missing_total``, ``depends_on`` (in words),
        ``removed`` (which raw rows) and ``rows_removed``. With ``season``:
        ``hr_recent_sitting_per_h`` (the within-athlete hazard ratio per h/day of the
        preceding-7-day mean actual sitting, given the athlete's usual sitting; 1.0 in the
        null world) and ``season`` (``device_every_weeks``, ``monitored_weeks``,
        ``window_days``, ``sitting_week_sd_h``, ``sitting_week_ar1``, ``note``); the season
        fields of :class:`Effects` are in ``effects`` only then.

    Examples
    --------
    >>> study = simulate_study(n=20, seed=3, scenario="null")
    >>> study.truth["irr_glute_per_nm_kg"]
    1.0
    >>> sorted(study.tables)[:3]
    ['activation', 'cramps', 'exposure']
    >>> teams = simulate_study(n=40, seed=3, trial="cluster", n_teams=4, team_sd=0.4)
    >>> teams.participants.groupby("team")["arm"].nunique().tolist()
    [1, 1, 1, 1]
    >>> teams.truth["design"], sorted(teams.truth["team_effects"])
    ('cluster', ['T01', 'T02', 'T03', 'T04'])
    >>> mar = simulate_study(n=100, seed=3, missing="mar", missing_share=0.2)
    >>> mar.truth["missing"]["by_column"]["glute_nm_kg"]["n_made_missing"]
    20
    >>> int(mar.analysis_table()["glute_nm_kg"].isna().sum())
    20
    """
    fx = Effects.for_scenario(scenario, **effects)
    _check_size(n)
    if seed is not None:
        check_count("seed", seed, SEED)
    cluster, team_sd = _check_design(n, trial, n_teams, team_sd)
    columns = _check_missing(missing, missing_share, missing_in, tuple(MISSING_VARIABLES))
    every = _check_season(season)
    rng, team_rng, missing_rng, season_rng = _generators(seed)
    shape = (1, n)
    team = team_arm = None
    if n_teams is not None:
        team, team_effect, by_team_arm = (a[0] for a in _teams(team_rng, shape, n_teams,
                                                               team_sd))
        names = np.array([f"T{t + 1:0{max(2, len(str(n_teams)))}d}" for t in range(n_teams)],
                         dtype=object)
        team_sport = team_rng.choice(np.array(_SPORTS[0], dtype=object), n_teams, p=_SPORTS[1])
        team_level = team_rng.choice(np.array(_LEVELS[0], dtype=object), n_teams, p=_LEVELS[1])
        if cluster:
            team_arm = by_team_arm[team][None]
    p = {k: v[0] for k, v in _participants(rng, shape, fx, trial, team_arm).items()}
    wear, day, valid, no_device = (a[0] for a in _sitting_days(rng, shape, fx,
                                                               p["sitting_true"][None]))
    self_report, sr_missing = (a[0] for a in _self_report(rng, shape, fx, p["sitting_true"][None]))
    ids = np.array([f"P{i + 1:0{max(3, len(str(n)))}d}" for i in range(n)], dtype=object)
    start = _START + pd.to_timedelta(7 * rng.integers(0, 8, n), unit="D")
    end = start + pd.Timedelta(days=_WEEKS * 7 - 1)
    participants = pd.DataFrame({
        "participant_id": ids,
        "sex": np.where(p["male"] == 1, "male", "female").astype(object),
        "age": p["age"],
        "birth_year": pd.array(start.year - p["age"].astype(int), dtype="Int64"),
        "height_cm": p["height_cm"],
        "body_mass_kg": p["body_mass_kg"],
        "sport": rng.choice(np.array(_SPORTS[0], dtype=object), n, p=_SPORTS[1]),
        "level": rng.choice(np.array(_LEVELS[0], dtype=object), n, p=_LEVELS[1]),
        "dominant_side": np.where(rng.random(n) < 0.8, "right", "left").astype(object),
        "prior_cramps": pd.array(p["prior_cramps"] == 1, dtype="boolean"),
        "prior_hamstring_injury": pd.array(p["prior_injury"] == 1, dtype="boolean"),
        "follow_up_start": start.to_numpy(),
        "follow_up_end": end.to_numpy(),
        "arm": (np.where(p["arm"] == 1, "glute_training", "control").astype(object) if trial
                else np.full(n, np.nan, dtype=object)),
    })
    if team is not None:  # one sport and level per team (the athletes' own draws are unused)
        participants["sport"] = team_sport[team]
        participants["level"] = team_level[team]
        participants["team"] = names[team]
    offsets = np.arange(_DAYS) - 14
    if every:
        actual, wear, day, valid, offsets = _season_days(season_rng, fx, p["sitting_true"],
                                                         every)
    sitting = _sitting_table(rng, ids, start, wear, day, valid, no_device, self_report, sr_missing,
                             offsets)
    strength = _strength_table(rng, ids, start, end, p, fx, trial)
    activation = _activation_table(rng, ids, start, p)
    exposure = _exposure_table(rng, ids, start, fx.exposure_h_mean / _EXPOSURE_H_MEAN)
    dropout = rng.random(n) < fx.dropout_share
    exposure = exposure[~exposure["participant_id"].isin(ids[dropout])].reset_index(drop=True)
    ham_rate, other_rate = _cramp_rates(p, fx, training=False)
    hours = exposure.groupby("participant_id", sort=False)["duration_min"].sum().reindex(ids)
    exposure_h = hours.fillna(0).to_numpy(dtype=float) / 60
    frailty = rng.gamma(fx.dispersion_theta, 1 / fx.dispersion_theta, n)
    if team is not None:
        frailty = frailty * np.exp(team_effect[team])
    ham_weight = None
    ham_hours = exposure_h
    if every:
        ham_weight = _recent_multiplier(exposure, ids, start, actual, p["sitting_true"], fx)
    if trial:
        who = pd.Index(ids).get_indexer(exposure["participant_id"])
        day = (exposure["date"].to_numpy() - start.to_numpy()[who]) / np.timedelta64(1, "D")
        gained = np.exp(_training_effect(p, fx)[who] * _ramp(day))
        ham_weight = gained if ham_weight is None else ham_weight * gained
    if ham_weight is not None:
        weighted = pd.Series(exposure["duration_min"].to_numpy(float) * ham_weight / 60)
        ham_hours = weighted.groupby(exposure["participant_id"].to_numpy()).sum().reindex(
            ids).fillna(0).to_numpy(float)
    ham = rng.poisson(ham_rate * ham_hours * frailty)
    other = rng.poisson(other_rate * exposure_h * frailty)
    cramps = _cramps_table(rng, ids, exposure, ham, other, ham_weight)
    effects_record = asdict(fx)
    if not every:  # a study without a season records the effects it had before seasons
        for name in _SEASON_EFFECTS:
            effects_record.pop(name)
    for name in _COHORT_EFFECTS:  # recorded only when set, so a default study is as it was
        if effects_record[name] == getattr(Effects, name):
            effects_record.pop(name)
    truth = {"scenario": scenario, "seed": seed, "n": n, "trial": trial,
             "effects": effects_record, **fx.truth(),
             "adjust_for": _truth_adjustment(),
             "note": "Every effect is an assumption of the simulator, not a finding."}
    if every:
        truth["hr_recent_sitting_per_h"] = fx.rr_recent_sitting_per_h
        truth["season"] = _season_truth(fx, every)
    if team is not None:
        exposed = exposure_h > 0
        truth.update(_team_truth(cluster, trial, n_teams, team_sd, names, team_effect, fx,
                                 (ham_rate * exposure_h)[exposed],
                                 ((ham_rate + other_rate) * exposure_h)[exposed]))
    tables = {"participants": participants, "sitting": sitting, "strength": strength,
              "activation": activation, "exposure": exposure, "cramps": cramps}
    if missing is not None:
        tables, truth["missing"] = _make_missing(missing_rng, tables, missing,
                                                 float(missing_share), columns)
    name = study_title(n=n, seed=seed, scenario=scenario, trial=trial,
                       n_teams=n_teams if team is not None else None, every=every,
                       missing=missing, missing_share=missing_share, missing_in=columns)
    metadata = {"name": name, "truth": truth}
    return Study.from_tables(tables, metadata=metadata)


def _sitting_table(rng, ids, start, wear, day, valid, no_device, self_report, sr_missing,
                   offsets):
    """Device days at ``offsets`` (days from follow-up start) and the self-report."""
    n = len(ids)
    width = len(offsets)
    prolonged_share = rng.uniform(0.40, 0.75, n)[:, None]  # derived: 40-75 % of sitting
    breaks_per_h = rng.uniform(2.0, 4.0, n)[:, None]  # derived: about 3 per sitting hour
    bout_h = rng.uniform(0.3, 0.6, n)[:, None]  # guessed: mean sitting-bout length
    # the baseline device week starts 14 days before follow-up
    dates = start.to_numpy()[:, None] + np.asarray(offsets) * np.timedelta64(1, "D")
    keep = ~no_device
    device = pd.DataFrame({
        "participant_id": np.repeat(ids[keep], width),
        "date": dates[keep].ravel(),
        "instrument": "activpal",
        "sitting_h": day[keep].ravel(),
        "prolonged_sitting_h": np.round(day * prolonged_share, 4)[keep].ravel(),
        "sitting_bouts": np.round(day / bout_h)[keep].ravel().astype(int),
        "breaks": np.round(day * breaks_per_h)[keep].ravel().astype(int),
        "wear_h": wear[keep].ravel(),
        "valid_day": valid[keep].ravel(),
    })
    has = ~sr_missing
    report = pd.DataFrame({
        "participant_id": ids[has],
        "date": (start.to_numpy() - np.timedelta64(14, "D"))[has],
        "instrument": "self_report",
        "sitting_h": self_report[has],
    })
    out = pd.concat([device, report], ignore_index=True)
    order = np.lexsort((out["instrument"].to_numpy(), out["date"].to_numpy(),
                        pd.Index(ids).get_indexer(out["participant_id"])))
    out = out.iloc[order].reset_index(drop=True)
    out["sitting_bouts"] = out["sitting_bouts"].astype("Int64")
    out["breaks"] = out["breaks"].astype("Int64")
    out["valid_day"] = out["valid_day"].astype("boolean")
    for col in ("prolonged_sitting_h", "wear_h"):
        out[col] = out[col].astype(float)
    return out


def _strength_table(rng, ids, start, end, p, fx: Effects, trial: bool):
    sessions = [(1, start - pd.Timedelta(days=7), p["glute_true"], 0.0),
                (2, start - pd.Timedelta(days=3), p["glute_true"], 0.0)]
    if trial:
        post = start + pd.Timedelta(days=_POST_TEST_DAY)
        sessions.append((3, post, p["glute_post_true"], 3.0 * p["arm"]))
    frames = []
    for session, date, glute, gain in sessions:
        force = _hhd_forces(rng, glute[None], p["body_mass_kg"][None], p["lever_arm_m"][None],
                            fx)[0]
        reps = _bridge_reps(rng, p["bridge_true"][None], fx, np.asarray(gain)[None])[0]
        n = len(ids)
        hhd = pd.DataFrame({
            "participant_id": np.repeat(ids, 6), "date": np.repeat(date.to_numpy(), 6),
            "session": session, "test": "hhd_hip_extension",
            "side": np.tile(np.repeat(["left", "right"], 3), n), "trial": np.tile([1, 2, 3], 2 * n),
            "value": force.reshape(-1), "unit": "N",
            "lever_arm_m": np.repeat(p["lever_arm_m"], 6),
        })
        bridge = pd.DataFrame({
            "participant_id": np.repeat(ids, 2), "date": np.repeat(date.to_numpy(), 2),
            "session": session, "test": "single_leg_bridge",
            "side": np.tile(["left", "right"], n), "trial": 1, "value": reps.reshape(-1),
            "unit": "reps", "lever_arm_m": np.nan,
        })
        frames += [hhd, bridge]
    out = pd.concat(frames, ignore_index=True)
    person = pd.Index(ids).get_indexer(out["participant_id"])
    order = np.lexsort((out["trial"].to_numpy(), out["side"].to_numpy(), out["test"].to_numpy(),
                        out["session"].to_numpy(), person))
    out = out.iloc[order].reset_index(drop=True)
    for col in ("session", "trial"):
        out[col] = out[col].astype("Int64")
    for col in ("side", "test", "unit", "participant_id"):
        out[col] = out[col].astype(object)
    return out


def _activation_table(rng, ids, start, p):
    n = len(ids)
    has = rng.random(n) < 0.5
    ham = rng.normal(250, 40, n)[:, None, None] + rng.normal(0, 20, (n, 3, 2))  # trials x muscles
    glute = ham.mean(axis=-1) + p["delay_true"][:, None] + rng.normal(0, 25, (n, 3))
    z_glute = (p["glute_true"][:, None] - 2.5) / 0.5
    amp_glute = np.clip(40 + 5 * z_glute + rng.normal(0, 12, (n, 3)), 5, 150)
    amp_ham = np.clip(rng.normal(45, 12, (n, 3, 2)), 5, 150)
    onset = np.concatenate([glute[..., None], ham], axis=-1)  # (n, 3 trials, 3 muscles)
    amp = np.concatenate([amp_glute[..., None], amp_ham], axis=-1)
    muscles = np.array(["gluteus_maximus", "biceps_femoris", "semitendinosus"], dtype=object)
    sel = np.flatnonzero(has)
    k = len(sel)
    return pd.DataFrame({
        "participant_id": np.repeat(ids[sel], 9),
        "date": np.repeat((start - pd.Timedelta(days=7)).to_numpy()[sel], 9),
        "session": pd.array(np.ones(9 * k, dtype=int), dtype="Int64"),
        "task": "prone_hip_extension",
        "muscle": np.tile(muscles, 3 * k),
        "trial": pd.array(np.tile(np.repeat([1, 2, 3], 3), k), dtype="Int64"),
        "onset_ms": np.round(onset[sel].reshape(-1)),
        "amplitude_pct_mvic": np.round(amp[sel].reshape(-1), 1),
    }).astype({"task": object})


def _exposure_table(rng, ids, start, scale: float = 1.0):
    """Training sessions and matches; ``scale`` stretches every session's planned length
    (and the 90-min match) so that the mean exposure scales with it (about: lengths are
    rounded to 5 min and kept within 30 to 180 min)."""
    n = len(ids)
    per_week, minutes = _training_plan(rng, (n,))
    slots = np.array(_TRAINING_DAYS)
    planned = np.arange(5)[None, :] < per_week[:, None]  # (n, 5) which weekday slots are used
    attend = rng.random((n, _WEEKS, 5)) < 0.9
    planned_min = minutes[:, None, None] if scale == 1.0 else minutes[:, None, None] * scale
    length = np.clip(np.round((planned_min + rng.normal(0, 10, (n, _WEEKS, 5))) / 5)
                     * 5, 30, 180)
    match = rng.random((n, _WEEKS)) < 0.75
    rows_p, rows_w, rows_d, rows_min, rows_type = [], [], [], [], []
    train = planned[:, None, :] & attend
    pi, wi, si = np.nonzero(train)
    rows_p.append(pi)
    rows_w.append(wi)
    rows_d.append(slots[si])
    rows_min.append(length[pi, wi, si])
    rows_type.append(np.full(len(pi), "training", dtype=object))
    pm, wm = np.nonzero(match)
    rows_p.append(pm)
    rows_w.append(wm)
    rows_d.append(np.full(len(pm), 5))
    rows_min.append(np.full(len(pm), 90.0 * scale))
    rows_type.append(np.full(len(pm), "match", dtype=object))
    pidx, week, dow = (np.concatenate(a) for a in (rows_p, rows_w, rows_d))
    order = np.lexsort((dow, week, pidx))
    pidx, week, dow = pidx[order], week[order], dow[order]
    names = np.array(_DAY_NAMES, dtype=object)
    session_id = np.char.add(np.char.add("w", np.char.zfill((week + 1).astype(str), 2)),
                             np.char.add("-", names[dow].astype(str)))
    return pd.DataFrame({
        "participant_id": ids[pidx],
        "session_id": session_id.astype(object),
        "date": start.to_numpy()[pidx] + (7 * week + dow) * np.timedelta64(1, "D"),
        "session_type": np.concatenate(rows_type)[order],
        "duration_min": np.concatenate(rows_min)[order].astype(float),
    })


def _cramps_table(rng, ids, exposure, ham, other, ham_weight=None):
    """Cramps in sessions: chance proportional to duration (times ``ham_weight``, one per
    session, for hamstring cramps in a season)."""
    pidx = pd.Index(ids).get_indexer(exposure["participant_id"])
    first = np.searchsorted(pidx, np.arange(len(ids)))
    last = np.searchsorted(pidx, np.arange(len(ids)), side="right")
    duration = exposure["duration_min"].to_numpy()
    records = []
    for i in range(len(ids)):
        total = ham[i] + other[i]
        if total == 0 or last[i] == first[i]:
            continue
        weights = duration[first[i]:last[i]] / duration[first[i]:last[i]].sum()
        if ham_weight is None:
            picks = first[i] + rng.choice(last[i] - first[i], size=total, p=weights)
        else:
            acute = duration[first[i]:last[i]] * ham_weight[first[i]:last[i]]
            picks = first[i] + np.concatenate([
                rng.choice(last[i] - first[i], size=ham[i], p=acute / acute.sum()),
                rng.choice(last[i] - first[i], size=other[i], p=weights)])
        muscles = np.array(["hamstring"] * ham[i]
                           + list(rng.choice(["calf", "quadriceps", "other"], size=other[i],
                                             p=[0.6, 0.25, 0.15])), dtype=object)
        records.append((picks, muscles))
    if not records:
        picks = np.array([], dtype=int)
        muscles = np.array([], dtype=object)
    else:
        picks = np.concatenate([r[0] for r in records])
        muscles = np.concatenate([r[1] for r in records])
    k = len(picks)
    sessions = exposure.iloc[picks]
    start_hour = np.where(sessions["session_type"].to_numpy() == "match", 15, 18)
    offset_s = np.floor(rng.random(k) * sessions["duration_min"].to_numpy() * 60)
    when = (sessions["date"].to_numpy() + start_hour * np.timedelta64(1, "h")
            + offset_s.astype("int64") * np.timedelta64(1, "s"))
    out = pd.DataFrame({
        "participant_id": sessions["participant_id"].to_numpy(),
        "datetime": when.astype("datetime64[ns]"),
        "session_id": sessions["session_id"].to_numpy(),
        "muscle": muscles,
        "side": rng.choice(np.array(["left", "right", "both"], dtype=object), k,
                           p=[0.45, 0.45, 0.1]),
        "severity": pd.array(1 + rng.binomial(9, 0.45, k), dtype="Int64"),
        "duration_s": np.round(np.exp(rng.normal(math.log(90), 0.7, k))),
        "stopped_play": pd.array(rng.random(k) < 0.35, dtype="boolean"),
    })
    # two cramps of one muscle and side in the same second would be one event: nudge by 1 s
    dup = out.duplicated(["participant_id", "datetime", "muscle", "side"])
    out.loc[dup, "datetime"] += pd.Timedelta(seconds=1)
    order = np.lexsort((out["muscle"].to_numpy(), out["datetime"].to_numpy(),
                        pd.Index(ids).get_indexer(out["participant_id"])))
    return out.iloc[order].reset_index(drop=True)
