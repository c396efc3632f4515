"""Planning inputs from a study's own data: what a sample-size simulation of a study like it needs.

:func:`planning_inputs` estimates, from a study's analysis table, the quantities that drive the
simulated cohorts of :func:`glute_study.stats.simulation_power.power`: the hamstring-cramp rate
per 1000 h (all athletes and the control arm), the negative-binomial dispersion of the counts
(the count model of notebook 04), the exposure hours per athlete, the between-team variation
(a random team intercept, when the study records teams), the spread of device-measured sitting
and of glute strength, the pre-post correlation of glute strength in the control arm, the share
with previous cramping, its rate ratio, and the share lost before follow-up. Each is set in the
simulator (:class:`glute_study.simulate.Effects`) so that a large simulated cohort reproduces
it: the simulator draws *true* sitting and strength and then measures them with day-to-day
and dynamometer error, and its cramp rate is that of a reference athlete, so the values it
needs are found by a few rounds of simulating 40,000 athletes and correcting each input by the
gap between the simulated and the observed summary (a moment-matching calibration).

The effects to detect are **not** taken from the study: each is the smallest effect of interest
of the analysis plan (:mod:`glute_study.plan`, its equivalence bounds), set on the true
variables. Planning on the observed effects would be circular: the power at an observed effect
is a restatement of its p-value (Hoenig & Heisey 2001) and says nothing about the effects that
matter. Everything else the simulator assumes (the effects of age and sex, the dynamometer's
error, the day-to-day reliability of sitting, the training gain in strength) keeps its default
and is listed as assumed.

References
----------
Hoenig, J. M., & Heisey, D. M. (2001). The abuse of power: the pervasive fallacy of power
calculations for data analysis. *The American Statistician*, 55, 19-24.
Arnold, B. F. et al. (2011). Simulation methods to estimate design power. *BMC Medical Research
Methodology*, 11, 94.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from .._checks import SEED, check_count, check_level
from ..errors import InputError
from ..labels import label, level_label, mid_sentence, outcome_phrase, unit_of, word_list
from ..plan import AnalysisPlan, analysis_plan
from ..simulate import COHORT_COVARIATES, Effects, draw_cohorts, rr_training_for
from ._kernels import fit_batch
from ._proportions import wilson_interval
from ._result import Result, format_number

__all__ = ["SOURCES", "planning_inputs"]

#: Where a planning input comes from, as the table's ``source`` says it (first, before any note).
SOURCES = {"observed": "observed in this study", "default": "assumed: simulator default",
           "plan": "assumption: smallest effect of interest from the plan"}
#: Athletes simulated per round of the calibration, and the rounds.
CALIBRATION_N = 40_000
CALIBRATION_ROUNDS = 4
_CONTROL = "control"
#: Inputs that cannot exceed 1 (a correlation, shares): printed without a leading zero.
_BOUNDED = ("pre_post_r", "prior_share", "dropout")


def _ci_mean(x: np.ndarray, z_level: float) -> tuple[float, float, float]:
    m, se = float(np.mean(x)), float(np.std(x, ddof=1) / math.sqrt(len(x)))
    t = stats.t.ppf(0.5 + z_level / 2, len(x) - 1)
    return m, m - t * se, m + t * se


def _ci_sd(x: np.ndarray, level: float) -> tuple[float, float, float]:
    n, s = len(x), float(np.std(x, ddof=1))
    lo = s * math.sqrt((n - 1) / stats.chi2.ppf(0.5 + level / 2, n - 1))
    hi = s * math.sqrt((n - 1) / stats.chi2.ppf(0.5 - level / 2, n - 1))
    return s, lo, hi


def _ci_share(k: int, n: int, level: float) -> tuple[float, float, float]:
    lo, hi = wilson_interval(np.array(k / n), n, level)
    return k / n, float(lo), float(hi)


def _quiet_fit(fn, *args, **kwargs):
    """A package fit whose warnings (rows dropped, boundary) are kept for the diagnostics."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = fn(*args, **kwargs)
    return out, [str(w.message) for w in caught if issubclass(w.category, Warning)]


def _has(data: pd.DataFrame, column: str, *, least: int = 2) -> bool:
    return column in data.columns and int(pd.to_numeric(data[column], errors="coerce")
                                           .notna().sum()) >= least


def _numeric(data: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(data[column], errors="coerce").to_numpy(float)


class _Observed:
    """The observed summaries of one study, each None where the data cannot give it."""

    def __init__(self, data: pd.DataFrame, plan: AnalysisPlan, level: float):
        self.level = level
        self.notes: dict[str, str] = {}
        self.warnings: list[str] = []
        n = len(data)
        self.n = n
        arm = data["arm"].fillna("").astype(str) if "arm" in data.columns else pd.Series(
            "", index=data.index)
        self.trial = bool((arm != "").any())
        self.control = (arm == _CONTROL).to_numpy() if self.trial else np.ones(n, bool)
        expo = _numeric(data, "exposure_h") if "exposure_h" in data.columns else np.full(n, np.nan)
        ham = (_numeric(data, "hamstring_cramps") if "hamstring_cramps" in data.columns
               else np.full(n, np.nan))
        exposed = np.isfinite(expo) & (expo > 0) & np.isfinite(ham)
        self.exposed = exposed
        self.values: dict[str, tuple[float, float, float] | None] = {}
        if exposed.sum() < 2:
            raise InputError("study planning needs athletes with exposure hours and "
                             "hamstring-cramp counts; the analysis table has "
                             f"{int(exposed.sum())}.")
        self.values["dropout"] = _ci_share(int(n - exposed.sum()), n, level)
        self.values["exposure"] = _ci_mean(expo[exposed], level)
        self.unadjusted_theta: float | None = None
        self.rate_clustered = False
        self.values["rate_all"] = self._rate(data.loc[exposed], overall=True)
        self.values["rate_control"] = (self._rate(data.loc[exposed & self.control])
                                       if self.trial else None)
        if self.trial and self.values["rate_control"] is None:
            self.notes["rate_control"] = "not estimable: no control athletes with exposure"
        self._count_model(data.loc[exposed], plan)
        self._teams(data.loc[exposed], plan)
        for key, column in (("sitting", "sitting_h_day"), ("glute", "glute_nm_kg")):
            if _has(data, column, least=3):
                x = _numeric(data, column)
                x = x[np.isfinite(x)]
                self.values[f"{key}_mean"] = _ci_mean(x, level)
                self.values[f"{key}_sd"] = _ci_sd(x, level)
            else:
                self.values[f"{key}_mean"] = self.values[f"{key}_sd"] = None
                self.notes[f"{key}_sd"] = f"not estimable: no {label(column, unit=False, mid=True)}"
        self._pre_post(data)
        prior = (pd.to_numeric(data["prior_cramps"].astype("Float64"), errors="coerce")
                 if "prior_cramps" in data.columns else pd.Series(dtype=float))
        prior = prior.dropna()
        self.values["prior_share"] = (_ci_share(int(prior.sum()), len(prior), level)
                                      if len(prior) >= 2 else None)

    def _rate(self, rows: pd.DataFrame, *, overall: bool = False
              ) -> tuple[float, float, float] | None:
        """The rate per 1000 h as notebook 04's incidence gives it: the same negative-binomial
        model, and the same cluster-robust (CR2) interval by team where the study records
        teams, so the report shows one interval for one rate. The intercept-only model's
        dispersion is kept (``unadjusted_theta``) for the methods to set beside the adjusted
        one the simulator takes."""
        from .incidence import incidence

        if len(rows) < 2 or float(rows["hamstring_cramps"].sum()) == 0:
            return None
        teams = rows["team"].dropna().nunique() if "team" in rows.columns else 0
        fit, caught = _quiet_fit(incidence, rows, events="hamstring_cramps",
                                 exposure="exposure_h", cluster="team" if teams > 1 else None,
                                 level=self.level)
        self.warnings += caught
        if overall:
            self.unadjusted_theta = fit.diagnostics.get("overall_theta")
            self.rate_clustered = teams > 1
        row = fit.table.iloc[0]
        return float(row.estimate), float(row.ci_low), float(row.ci_high)

    def _count_model(self, rows: pd.DataFrame, plan: AnalysisPlan) -> None:
        """The negative-binomial model of notebook 04 (glute strength, adjusted as planned),
        with the trial arm added when there is one: its dispersion and its rate ratio of
        previous cramping. The same model is fitted to the simulated cohorts, so a planned
        covariate missing from the data or not drawn by the simulator is left out of both and
        recorded in ``left_out``."""
        from .counts import count_model

        h = plan["glute_cramps"]
        wanted = list(dict.fromkeys([h.exposure, *h.covariates]))
        self.left_out = {
            "absent": [c for c in wanted if c not in rows.columns],
            "not_simulated": [c for c in wanted
                              if c in rows.columns and c not in COHORT_COVARIATES]}
        columns = [c for c in wanted if c in rows.columns and c in COHORT_COVARIATES]
        columns += ["arm"] if self.trial else []
        formula = f"{h.outcome} ~ " + " + ".join(
            f"C({c})" if c in ("sex", "arm") or rows[c].dtype == object else c for c in columns)
        complete = rows.dropna(subset=[*columns, "hamstring_cramps", "exposure_h"])
        self.model_columns = columns
        self.values["theta"] = self.values["rr_prior"] = None
        if len(complete) < len(columns) + 10:
            self.notes["theta"] = "not estimable: too few athletes with every planned covariate"
            return
        fit, caught = _quiet_fit(count_model, complete, formula, exposure="exposure_h",
                                 family="negbin", level=self.level)
        self.warnings += caught
        self.count_fit = fit
        theta, se = fit.diagnostics.get("theta"), fit.diagnostics.get("theta_se")
        if theta is not None and np.isfinite(theta) and se is not None and np.isfinite(se):
            z = stats.norm.ppf(0.5 + self.level / 2)
            self.values["theta"] = (float(theta), float(theta * math.exp(-z * se / theta)),
                                    float(theta * math.exp(z * se / theta)))
        else:
            self.notes["theta"] = "not estimable: the count model did not estimate it"
        prior = fit.table[fit.table.term.astype(str) == "prior_cramps"]
        if len(prior):
            r = prior.iloc[0]
            self.values["rr_prior"] = (float(r.estimate), float(r.ci_low), float(r.ci_high))
        self.model_n = len(complete)

    def _teams(self, rows: pd.DataFrame, plan: AnalysisPlan) -> None:
        from .count_mixed import count_mixed_model

        self.values["team_sd"] = None
        teams = rows["team"].dropna().nunique() if "team" in rows.columns else 0
        self.n_teams = int(teams)
        if teams < 5:
            self.notes["team_sd"] = ("not estimable: the study records no teams" if teams == 0
                                     else f"not estimable: {teams} teams (5 or more needed)")
            return
        columns = [c for c in self.model_columns if c != "team"]
        formula = "hamstring_cramps ~ " + (" + ".join(
            f"C({c})" if c in ("sex", "arm") or rows[c].dtype == object else c
            for c in columns) or "1")
        complete = rows.dropna(subset=[*columns, "team"])
        fit, caught = _quiet_fit(count_mixed_model, complete, formula, groups="team",
                                 level=self.level)
        self.warnings += caught
        row = fit.table[fit.table.term.astype(str) == "sd_team"].iloc[0]
        self.values["team_sd"] = (float(row.estimate), float(row.ci_low), float(row.ci_high))
        if fit.diagnostics.get("singular"):
            self.notes["team_sd"] = "at its boundary (no detectable team variation)"

    def _pre_post(self, data: pd.DataFrame) -> None:
        self.values["pre_post_r"] = None
        self.residual_sd = None
        if not (self.trial and _has(data, "glute_nm_kg_post") and _has(data, "glute_nm_kg")):
            self.notes["pre_post_r"] = ("not estimable: no post-test of glute strength"
                                        if self.trial else "not estimable: no trial post-test")
            return
        pre, post = _numeric(data, "glute_nm_kg"), _numeric(data, "glute_nm_kg_post")
        ok = self.control & np.isfinite(pre) & np.isfinite(post)
        if ok.sum() < 5:
            self.notes["pre_post_r"] = "not estimable: fewer than 5 control athletes tested twice"
            return
        r = float(np.corrcoef(pre[ok], post[ok])[0, 1])
        z, se = math.atanh(r), 1 / math.sqrt(ok.sum() - 3)
        q = stats.norm.ppf(0.5 + self.level / 2)
        self.values["pre_post_r"] = (r, math.tanh(z - q * se), math.tanh(z + q * se))
        slope, intercept = np.polyfit(pre[ok], post[ok], 1)
        self.residual_sd = float(np.std(post[ok] - (intercept + slope * pre[ok]), ddof=2))


def _sim_summaries(d: dict[str, np.ndarray], columns: list[str], trial: bool) -> dict[str, float]:
    """The summaries of one big simulated cohort that the observed ones are matched to."""
    control = d["arm"] == 0
    expo, ham = d["exposure_h"], d["hamstring_cramps"]
    exposed = np.isfinite(expo)
    c = control & exposed
    out = {"rate": 1000 * float(ham[c].sum() / expo[c].sum()),
           "exposure": float(expo[exposed].mean()),
           "dropout": float(1 - exposed.mean()),
           "prior_share": float(d["prior_cramps"].mean())}
    for key, column in (("sitting", "sitting_h_day"), ("glute", "glute_nm_kg")):
        x = d[column][np.isfinite(d[column])]
        out[f"{key}_mean"], out[f"{key}_sd"] = float(x.mean()), float(x.std(ddof=1))
    pre, post = d["glute_nm_kg"][control], d["glute_nm_kg_post"][control]
    ok = np.isfinite(pre) & np.isfinite(post)
    if ok.sum() > 10:
        slope, intercept = np.polyfit(pre[ok], post[ok], 1)
        out["residual_sd"] = float(np.std(post[ok] - (intercept + slope * pre[ok]), ddof=2))
    # the count model of the observed study, on the simulated cohort (its columns are all
    # simulated: _Observed._count_model leaves out the others)
    cols = [{"arm": "arm", **COHORT_COVARIATES}[c] for c in columns]
    rows = exposed if trial else c
    X = np.column_stack([np.ones(rows.sum()), *[d[k][rows] for k in cols]])
    keep = np.isfinite(X).all(axis=1)
    fit = fit_batch(X[keep], ham[rows][keep], family="negbin",
                    offset=np.log(expo[rows][keep]), cov=False)
    out["theta"] = float(fit.theta[0])
    out["log_rr_prior"] = float(fit.coef[0, 1 + cols.index("prior_cramps")]) \
        if "prior_cramps" in cols else math.nan
    return out


def _targets(plan: AnalysisPlan, sesoi: float) -> dict[str, float]:
    """The smallest effect of interest of each planned link, in the claim's direction."""
    out = {}
    for key in ("sitting_glute", "glute_cramps", "sitting_cramps", "trial"):
        h = plan[key]
        low, high = h.equivalence_bounds(sesoi)
        out[key] = low if h.direction < 0 else high
    return out


def _plan_effects(fx: dict[str, float], targets: dict[str, float]) -> dict[str, float]:
    """The simulator's effects that put every link of the claim at its smallest effect of
    interest, on the true variables, given the current spreads of sitting and strength.

    The sitting -> strength slope gives the correlation ``r`` of true sitting with true
    strength: ``a = r sd_glute / (sd_sitting sqrt(1 - r^2))``; the strength -> cramps rate ratio
    per Nm/kg sets ``rr_glute_deficit_per_sd``; the direct effect of sitting is what is left of
    the total effect once the path through the glutes is taken out.
    """
    s_sit, s_glute = fx["sitting_sd_h"], fx["glute_sd_nm_kg"]
    r = targets["sitting_glute"]
    a = r * s_glute / (s_sit * math.sqrt(1 - r * r))
    log_b = math.log(targets["glute_cramps"])  # per Nm/kg
    return {"sitting_on_glute_nm_kg_per_h": a,
            "rr_glute_deficit_per_sd": math.exp(-log_b * s_glute),
            "rr_sitting_direct_per_h": targets["sitting_cramps"] / math.exp(a * log_b),
            # the trial's effect builds up until the post-test: the rr_training whose rate
            # ratio over the whole follow-up is the one to detect
            "rr_training": rr_training_for(targets["trial"], Effects(**fx))}


def _calibrate(obs: _Observed, targets, *, seed: int, n: int, rounds: int
               ) -> tuple[dict[str, float], dict[str, float]]:
    """Simulator inputs whose simulated summaries match the observed ones (moment matching)."""
    v = obs.values
    base = Effects()
    fx: dict[str, float] = {}
    if v["sitting_sd"] is not None:
        fx["sitting_sd_h"], fx["sitting_mean_h"] = v["sitting_sd"][0], v["sitting_mean"][0]
    else:
        fx["sitting_sd_h"] = base.sitting_sd_h
    if v["glute_sd"] is not None:
        fx["glute_sd_nm_kg"], fx["glute_mean_nm_kg"] = v["glute_sd"][0], v["glute_mean"][0]
    else:
        fx["glute_sd_nm_kg"] = base.glute_sd_nm_kg
    fx["exposure_h_mean"] = v["exposure"][0]
    fx["dropout_share"] = v["dropout"][0]
    if v["prior_share"] is not None:
        fx["prior_cramps_share"] = v["prior_share"][0]
    if v["rr_prior"] is not None:
        fx["rr_prior_cramps"] = v["rr_prior"][0]
    if v["theta"] is not None:
        fx["dispersion_theta"] = v["theta"][0]
    rate = v["rate_control"] if obs.trial else v["rate_all"]
    if obs.residual_sd is not None:
        fx["glute_change_sd_nm_kg"] = base.glute_change_sd_nm_kg
    sim: dict[str, float] = {}
    for _ in range(rounds):
        effects = {**fx, **_plan_effects(fx, targets)}
        d = draw_cohorts(n, reps=1, seed=seed, trial=True, **effects)
        d = {k: a[0] for k, a in d.items()}
        sim = _sim_summaries(d, obs.model_columns, obs.trial)
        if rate is not None:
            fx["hamstring_rate_per_1000h"] = (fx.get("hamstring_rate_per_1000h",
                                                     base.hamstring_rate_per_1000h)
                                              * rate[0] / sim["rate"])
        fx["exposure_h_mean"] *= v["exposure"][0] / sim["exposure"]
        if v["sitting_sd"] is not None:
            fx["sitting_sd_h"] *= v["sitting_sd"][0] / sim["sitting_sd"]
            fx["sitting_mean_h"] += v["sitting_mean"][0] - sim["sitting_mean"]
        if v["glute_sd"] is not None:
            var = fx["glute_sd_nm_kg"] ** 2 + v["glute_sd"][0] ** 2 - sim["glute_sd"] ** 2
            fx["glute_sd_nm_kg"] = math.sqrt(max(var, 0.05 ** 2))
            fx["glute_mean_nm_kg"] += v["glute_mean"][0] - sim["glute_mean"]
        if v["prior_share"] is not None:
            fx["prior_cramps_share"] = min(max(
                fx["prior_cramps_share"] + v["prior_share"][0] - sim["prior_share"], 0.0), 1.0)
        if v["rr_prior"] is not None and np.isfinite(sim["log_rr_prior"]):
            fx["rr_prior_cramps"] *= v["rr_prior"][0] / math.exp(sim["log_rr_prior"])
        if v["theta"] is not None:
            fx["dispersion_theta"] *= v["theta"][0] / sim["theta"]
        if obs.residual_sd is not None and "residual_sd" in sim:
            var = fx["glute_change_sd_nm_kg"] ** 2 + obs.residual_sd ** 2 - sim["residual_sd"] ** 2
            fx["glute_change_sd_nm_kg"] = math.sqrt(max(var, 0.0))
    return {**fx, **_plan_effects(fx, targets)}, sim


def planning_inputs(
    data: pd.DataFrame,
    *,
    plan: AnalysisPlan | None = None,
    sesoi: float = 1.1,
    seed: int = 2026,
    level: float = 0.95,
) -> Result:
    """Estimate from a study the inputs a sample-size simulation of a study like it needs.

    Parameters
    ----------
    data : pandas.DataFrame
        The study's analysis table (``Study.analysis_table()``): one row per athlete with
        ``exposure_h`` and ``hamstring_cramps``, and where the study has them ``arm``,
        ``team``, ``sitting_h_day``, ``glute_nm_kg``, ``glute_nm_kg_post``, ``prior_cramps``
        and the plan's covariates.
    plan : AnalysisPlan, optional
        The analysis plan whose smallest effects of interest are to be detected (its
        equivalence bounds); the package's default plan by default.
    sesoi : float
        The smallest rate ratio of interest for rate-ratio hypotheses without declared bounds
        (the report parameter ``sesoi``).
    seed : int
        Seed of the calibration's simulated cohorts.
    level : float
        Confidence level of the intervals of the observed values.

    Returns
    -------
    Result
        ``.table``: one row per input, ``term`` (the input in words, its unit in parentheses),
        ``estimate`` (the observed value, or the assumed one), ``ci_low``/``ci_high`` (its
        interval where it was observed), ``p_value`` (NaN: no input is a test) and ``source``
        (one of :data:`SOURCES`: observed in this study, assumed: simulator default, or the
        plan's smallest effect of interest; followed, in parentheses, by why an input was not
        estimable or what to know of it). ``.frame("simulator")``: for each input that sets
        one, ``term``, ``simulator`` (the simulator's input it sets, in words) and
        ``simulator_value`` (the value given to it: the calibrated true-scale value). The two
        are apart so that each fits a portrait page. ``.diagnostics``: ``effects`` (the
        :class:`~glute_study.simulate.Effects` fields to pass to
        :func:`~glute_study.stats.simulation_power.power`), ``team_sd`` (observed, or None),
        ``targets`` (the smallest effects of interest), ``simulated`` (the calibrated cohort's
        summaries), ``notes`` (why an input is not estimable), ``warnings``, ``methods``
        (a methods paragraph), ``plan`` and ``left_out``: the plan's covariates of the count
        model that were left out of it on both sides, ``"absent"`` from the data or
        ``"not_simulated"`` (not drawn by the simulator; the methods name both). ``.text``:
        the inputs in a sentence.

    Examples
    --------
    >>> from glute_study import simulate_study
    >>> data = simulate_study(n=300, seed=4).analysis_table()
    >>> res = planning_inputs(data, seed=1)
    >>> print(res.table[["term", "estimate", "source"]].head(2).round(2).to_string(index=False))
                                                   term  estimate                 source
        Hamstring-cramp rate, all athletes (per 1000 h)      5.57 observed in this study
    Hamstring-cramp rate, control athletes (per 1000 h)      5.76 observed in this study
    >>> res.table.loc[2, "term"], round(float(res.table.loc[2, "estimate"]), 2)
    ('Negative-binomial dispersion (theta), covariate-adjusted', 1.37)
    >>> res.frame("simulator").simulator.iloc[1]  # what the dispersion sets in the simulator
    "gamma frailty shape (theta), calibrated to the count model's"
    >>> from glute_study.simulate import Effects  # the trial's 1 / sesoi, from the plan:
    >>> round(Effects(**res.diagnostics["effects"]).truth()["irr_training"], 3)
    0.909
    """
    if not isinstance(data, pd.DataFrame):
        raise InputError(f"`data` must be the study's analysis table (a pandas DataFrame); got "
                         f"{type(data).__name__}.")
    level = check_level(level)
    seed = check_count("seed", seed, SEED)
    if isinstance(sesoi, bool) or not isinstance(sesoi, int | float) or not 1 < sesoi < 10:
        raise InputError(f"`sesoi` must be a rate ratio between 1 and 10; got {sesoi!r}.")
    plan = analysis_plan(None) if plan is None else plan
    if not isinstance(plan, AnalysisPlan):
        raise InputError(f"`plan` must be an AnalysisPlan (glute_study.plan.analysis_plan); got "
                         f"{type(plan).__name__}.")
    obs = _Observed(data, plan, level)
    targets = _targets(plan, float(sesoi))
    effects, sim = _calibrate(obs, targets, seed=seed, n=CALIBRATION_N,
                              rounds=CALIBRATION_ROUNDS)
    rows = _rows(obs, effects, targets, plan)
    table = _table(rows)
    text = _text(rows)
    team_sd = obs.values["team_sd"][0] if obs.values["team_sd"] is not None else None
    diagnostics = {"effects": effects, "team_sd": team_sd, "n_teams": obs.n_teams,
                   "targets": targets, "simulated": sim, "notes": obs.notes,
                   "warnings": obs.warnings, "trial": obs.trial, "seed": seed,
                   "methods": _methods(obs, plan), "sesoi": float(sesoi), "plan": plan,
                   "left_out": obs.left_out}
    return Result(table, text, diagnostics, name="planning inputs", kind="planning_inputs",
                  level=level, frames={"simulator": _simulator_frame(rows)})


def _term(term: str, unit: str) -> str:
    """The input in words with its unit, as the codebook's labels give one."""
    return f"{term} ({unit})" if unit else term


def _rows(obs: _Observed, effects: dict[str, float], targets, plan: AnalysisPlan) -> list[dict]:
    """One dict per input: its ``term`` (``words`` with the ``unit``), value, interval, source
    key (of :data:`SOURCES`), note, and what it sets in the simulator (``simulator`` None: it
    sets nothing of its own)."""
    v, base = obs.values, Effects()
    ham = outcome_phrase("hamstring_cramps")
    ham_cap = ham[:1].upper() + ham[1:]
    control = level_label("arm", _CONTROL).lower()
    sit, glute = label("sitting_h_day", unit=False, mid=True), label("glute_nm_kg", unit=False,
                                                                     mid=True)
    prior = label("prior_cramps", unit=False, mid=True)
    rate_sim = ("rate of a reference athlete (25 years, female, no previous cramping), "
                "calibrated to the rate of the control athletes" if obs.trial else
                "rate of a reference athlete (25 years, female, no previous cramping), "
                "calibrated to the rate of all athletes")
    rows = [
        (f"{ham_cap} rate, all athletes", v["rate_all"], "per 1000 h", rate_sim,
         effects.get("hamstring_rate_per_1000h", base.hamstring_rate_per_1000h), "rate_all"),
    ]
    if obs.trial:
        rows.append((f"{ham_cap} rate, {control} athletes", v["rate_control"], "per 1000 h",
                     None, math.nan, "rate_control"))
    rows += [
        ("Negative-binomial dispersion (theta), covariate-adjusted", v["theta"], "",
         "gamma frailty shape (theta), calibrated to the count model's",
         effects.get("dispersion_theta", base.dispersion_theta), "theta"),
        (f"Rate ratio of {prior}", v["rr_prior"], "",
         "rate ratio of previous cramping, calibrated",
         effects.get("rr_prior_cramps", base.rr_prior_cramps), "rr_prior"),
        (f"Mean {mid_sentence(label('exposure_h', unit=False))} per athlete", v["exposure"], "h",
         "mean exposure hours per athlete",
         effects.get("exposure_h_mean", base.exposure_h_mean), "exposure"),
        ("Between-team SD of the log cramp rate", v["team_sd"], "",
         "team effect SD (a cluster-randomised design only)",
         v["team_sd"][0] if v["team_sd"] is not None else 0.3, "team_sd"),
        (f"SD of {sit}", v["sitting_sd"], unit_of("sitting_h_day") or "",
         "SD of true sitting (days add the day-to-day noise), calibrated",
         effects.get("sitting_sd_h", base.sitting_sd_h), "sitting_sd"),
        (f"SD of {glute}", v["glute_sd"], unit_of("glute_nm_kg") or "",
         "SD of true strength (the dynamometer adds its error), calibrated",
         effects.get("glute_sd_nm_kg", base.glute_sd_nm_kg), "glute_sd"),
        (f"Pre-post correlation of {glute}" + (f", {control} athletes" if obs.trial else ""),
         v["pre_post_r"], "",
         "SD of the true change from baseline to post-test, calibrated",
         effects.get("glute_change_sd_nm_kg", base.glute_change_sd_nm_kg), "pre_post_r"),
        (f"Share with {prior}", v["prior_share"], "",
         "share with previous cramping at age 25, calibrated",
         effects.get("prior_cramps_share", base.prior_cramps_share), "prior_share"),
        ("Share without exposure in follow-up (dropout)", v["dropout"], "",
         "share who withdraw before follow-up",
         effects.get("dropout_share", base.dropout_share), "dropout"),
    ]
    out = []
    for term, value, unit, sim_words, sim_value, key in rows:
        if value is None:
            default = {"rate_all": base.hamstring_rate_per_1000h, "theta": base.dispersion_theta,
                       "rr_prior": base.rr_prior_cramps, "team_sd": 0.3,
                       "sitting_sd": base.sitting_sd_h, "glute_sd": base.glute_sd_nm_kg,
                       "pre_post_r": math.nan, "prior_share": math.nan,
                       "rate_control": math.nan}.get(key, math.nan)
            out.append({"term": _term(term, unit), "words": term, "unit": unit,
                        "estimate": default, "ci_low": math.nan,
                        "ci_high": math.nan, "source": "default",
                        "note": obs.notes.get(key, "not estimable from this study"),
                        "simulator": sim_words, "simulator_value": sim_value})
        else:
            out.append({"term": _term(term, unit), "words": term, "unit": unit,
                        "estimate": value[0], "ci_low": value[1],
                        "ci_high": value[2], "source": "observed",
                        "note": obs.notes.get(key, ""), "simulator": sim_words,
                        "simulator_value": sim_value, "bounded": key in _BOUNDED})
    hyp = {k: plan[k] for k in ("sitting_glute", "glute_cramps", "sitting_cramps", "trial")}
    out += [
        {"term": f"Effect to detect: {mid_sentence(hyp['sitting_glute'].link)} (correlation)",
         "estimate": targets["sitting_glute"],
         "simulator": "slope of true strength on true sitting (Nm/kg per h/day)",
         "simulator_value": effects["sitting_on_glute_nm_kg_per_h"]},
        {"term": f"Effect to detect: {mid_sentence(hyp['glute_cramps'].link)} (rate ratio per "
                 f"{unit_of('glute_nm_kg')})", "estimate": targets["glute_cramps"],
         "simulator": "rate ratio per SD of glute deficit",
         "simulator_value": effects["rr_glute_deficit_per_sd"]},
        {"term": f"Effect to detect: {mid_sentence(hyp['sitting_cramps'].link)} (total rate "
                 f"ratio per {unit_of('sitting_h_day')})", "estimate": targets["sitting_cramps"],
         "simulator": "direct rate ratio of sitting (the rest of the total runs through the "
                      "glutes)", "simulator_value": effects["rr_sitting_direct_per_h"]},
        {"term": f"Effect to detect: {mid_sentence(hyp['trial'].link)} (rate ratio)",
         "estimate": targets["trial"],
         "simulator": "rate ratio of glute training once the glute gain is complete (it builds "
                      "up until the post-test)", "simulator_value": effects["rr_training"]},
    ]
    for row in out[-4:]:
        row.update(ci_low=math.nan, ci_high=math.nan, source="plan", note="")
    gain_unit = unit_of("glute_nm_kg") or ""
    out.append({"term": _term(f"Training gain in {glute}", gain_unit),
                "words": f"Training gain in {glute}", "unit": gain_unit,
                "estimate": base.training_gain_nm_kg, "ci_low": math.nan, "ci_high": math.nan,
                "source": "default", "note": "the plan sets no smallest effect of interest for it",
                "simulator": "true gain of the training arm",
                "simulator_value": base.training_gain_nm_kg})
    return out


def _table(rows: list[dict]) -> pd.DataFrame:
    """The planning inputs: what each is, its value and where it comes from (with why, when it
    could not be estimated), narrow enough for a portrait page."""
    source = [SOURCES[r["source"]] + (f" ({r['note']})" if r["note"] else "") for r in rows]
    return pd.DataFrame({"term": [r["term"] for r in rows],
                         "estimate": [r["estimate"] for r in rows],
                         "ci_low": [r["ci_low"] for r in rows],
                         "ci_high": [r["ci_high"] for r in rows],
                         "p_value": math.nan, "source": source})


def _simulator_frame(rows: list[dict]) -> pd.DataFrame:
    """What each input sets in the simulator, and the value given to it."""
    rows = [r for r in rows if r["simulator"] is not None]
    return pd.DataFrame({"term": [r["term"] for r in rows],
                         "simulator": [r["simulator"] for r in rows],
                         "simulator_value": [float(r["simulator_value"]) for r in rows]})


def _text(rows: list[dict]) -> str:
    observed = [r for r in rows if r["source"] == "observed"]
    if not observed:
        return ("No planning input could be estimated from this study; the simulation used the "
                "simulator's defaults.")
    parts = []
    for r in observed:
        b = r.get("bounded", False)  # a correlation or a share: no leading zero (APA)
        ci = (f" ({format_number(r['ci_low'], bounded=b)} to "
              f"{format_number(r['ci_high'], bounded=b)})"
              if np.isfinite(r["ci_low"]) and np.isfinite(r["ci_high"]) else "")
        unit = f" {r['unit']}" if r["unit"] else ""
        parts.append(f"{mid_sentence(r['words'])} {format_number(r['estimate'], bounded=b)}"
                     f"{unit}{ci}")
    assumed = [r for r in rows if r["source"] == "default"]
    text = ("Observed in this study, and used to plan the next one: " + "; ".join(parts) + ".")
    if assumed:
        text += (" Assumed from the simulator's defaults: "
                 + "; ".join(f"{mid_sentence(r['words'])} ({r['note']})" if r["note"]
                             else mid_sentence(r["words"]) for r in assumed) + ".")
    return text + (" The effects to detect are the analysis plan's smallest effects of "
                   "interest, not this study's estimates.")


def _same_quantities(obs: _Observed) -> str:
    """Why the planning dispersion differs from the incidence analysis's, and that the rate's
    interval is the same one (a reader sees both in the report).

    Examples
    --------
    >>> class Obs:
    ...     values = {"theta": (0.72, 0.5, 1.04)}
    ...     unadjusted_theta, rate_clustered = 0.4828, True
    >>> print(_same_quantities(Obs()))  # doctest: +NORMALIZE_WHITESPACE
    The hamstring-cramp rate and its interval are those of the incidence analysis (the same
    negative-binomial model, with cluster-robust standard errors by team). The dispersion
    (theta 0.72) is that of the adjusted count model: its covariates explain part of the
    differences between athletes, so less over-dispersion remains than in the incidence
    analysis's model without covariates (theta 0.48); a larger theta means less
    over-dispersion (variance = mean + mean squared / theta in both).
    """
    robust = ", with cluster-robust standard errors by team" if obs.rate_clustered else ""
    text = ("The hamstring-cramp rate and its interval are those of the incidence analysis "
            f"(the same negative-binomial model{robust}).")
    theta, raw = obs.values.get("theta"), obs.unadjusted_theta
    if theta is not None and raw is not None and np.isfinite(raw):
        text += (f" The dispersion (theta {format_number(theta[0])}) is that of the adjusted "
                 "count model: its covariates explain part of the differences between "
                 "athletes, so less over-dispersion remains than in the incidence analysis's "
                 f"model without covariates (theta {format_number(raw)}); a larger theta "
                 "means less over-dispersion (variance = mean + mean squared / theta in both).")
    return text


def _methods(obs: _Observed, plan: AnalysisPlan) -> str:
    covs = [label(c, unit=False, mid=True) for c in obs.model_columns]
    control = "the control arm's" if obs.trial else "the athletes'"
    left = ""
    for key, why in (("absent", "not in this study's data"),
                     ("not_simulated", "not drawn by the simulator")):
        cols = obs.left_out[key]
        if cols:
            left += (f"; the plan's {word_list([label(c, unit=False, mid=True) for c in cols])}"
                     f" {'was' if len(cols) == 1 else 'were'} left out, {why}")
    return (
        "Sample sizes were planned by simulating whole studies like this one. The simulator's "
        f"inputs were estimated from this study: {control} hamstring-cramp rate per 1000 h "
        "(negative-binomial model with a log-exposure offset), the negative-binomial "
        "dispersion and the rate ratio of previous cramping from the count model of "
        f"hamstring cramps on {', '.join(covs)}" + (f" ({left[2:]})" if left else "")
        + ", the mean exposure hours, the SDs of "
        "device-measured sitting and glute strength, the pre-post correlation of glute "
        "strength in the control arm, the share with previous cramping and the share without "
        "exposure in follow-up"
        + (", and the between-team SD from a negative-binomial model with a random team "
           "intercept" if obs.values["team_sd"] is not None else "")
        + ". " + _same_quantities(obs)
        + " Because the simulator draws true sitting and strength and measures them with "
        "error, each input was calibrated so that simulated cohorts of "
        f"{CALIBRATION_N:,} athletes reproduced the observed value (moment matching, "
        f"{CALIBRATION_ROUNDS} rounds). The effects to detect were not taken from this study: "
        "each was the smallest effect of interest of the analysis plan (its equivalence "
        "bound), set on the true variables, since power computed at an observed effect only "
        "restates that effect's p-value and planning on it would be circular (Hoenig and "
        "Heisey 2001). Power analysis of the mediation (the indirect effect through glute "
        "strength) used the joint-significance test of its two paths.")
