"""Monte Carlo power and sample size, simulated from the same causal model that is later analysed.

:func:`power` draws many cohorts of each candidate size with
:func:`glute_study.simulate.draw_cohorts` (the model behind ``simulate_study``), fits the planned
analysis to every cohort at once with the batched kernels of :mod:`glute_study.stats._kernels`, and
counts how often the test rejects at ``alpha``. The share is the power; its Monte Carlo standard
error is ``sqrt(p (1 - p) / reps)``.

Analyses
--------
Each analysis is adjusted as the analysis plan (:mod:`glute_study.plan`) declares for the
hypothesis it tests (:data:`HYPOTHESES`): for that hypothesis' covariates, the confounders of
the backdoor criterion on :data:`glute_study.causal.STUDY_DAG` and then the prognostic
covariates, each read from the simulated array of :data:`glute_study.simulate.COHORT_COVARIATES`
(sex as 0/1). With the package's default plan:

``"cohort_sitting"``
    Negative-binomial regression of hamstring cramps on device sitting (h/day) with the
    log-exposure offset, adjusted for age and sex (confounders) and previous cramping
    (precision); Wald test of the sitting rate ratio (the total effect of sitting).
``"cohort_glute"``
    Negative-binomial regression of hamstring cramps on baseline glute strength (Nm/kg),
    adjusted for sex and device sitting (confounders), age and previous cramping (precision);
    Wald test of its rate ratio.
``"indirect"``
    The indirect effect sitting -> glute strength -> hamstring cramps by the joint-significance
    test (MacKinnon et al., 2002): the a path (linear model of glute strength on sitting) and the
    b path (glute strength in the negative-binomial model of hamstring cramps on glute strength
    and sitting), both adjusted for age, sex and previous cramping, must both be significant. It
    has about the power of a bootstrap test at a fraction of the cost.
``"trial"``
    The glute-training trial, two tests: the arm rate ratio on hamstring cramps (negative
    binomial, offset, adjusted for previous cramping) and ANCOVA of post-test glute strength on
    arm adjusted for baseline strength (t test).
``"trial"`` with ``design="cluster_trial"``
    The trial randomised by team: ``n`` athletes in teams of ``team_size``, half the teams to
    glute training, a normal team effect with SD ``team_sd`` on the log cramp rate. The test is
    that of ``trial_rate_effect(cluster="team")``: the arm rate ratio in a negative-binomial mixed
    model with a random team intercept (offset, adjusted for previous cramping), Wald statistic
    on t with the between-within degrees of freedom (teams - 2). Every simulated trial is fitted
    at once by :func:`glute_study.stats.count_mixed.fit_count_mixed_batch`.

A covariate of the plan that the simulator does not draw (body mass, sport, team in a cohort,
...) cannot be adjusted for in a simulated cohort: it is left out of the simulated analysis and
named in the result's ``.text`` and ``.diagnostics["not_simulated"]``.

Participants without the analysed values (no valid device days, withdrawn before follow-up) are
left out of each simulated analysis, as they would be in the real one.

References
----------
MacKinnon, D. P. et al. (2002). A comparison of methods to test mediation and other intervening
variable effects. *Psychological Methods*, 7, 83-104.
Arnold, B. F. et al. (2011). Simulation methods to estimate design power. *BMC Medical Research
Methodology*, 11, 94.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._checks import POWER_N, REPS, check_count, check_level, check_one_of
from ..errors import InputError
from ..labels import label, mid_sentence, outcome_phrase, term_label, unit_of, word_list
from ..parallel import check_executor, draw_seed, run_tasks, spawn_seeds
from ..plan import DEFAULT_HYPOTHESES, AnalysisPlan, analysis_plan
from ..simulate import COHORT_COVARIATES, Effects, draw_cohorts, team_icc
from ._kernels import fit_batch, single_threaded_blas
from ._proportions import wilson_interval as _wilson
from ._result import Result, format_count, format_number
from .count_mixed import fit_count_mixed_batch

__all__ = ["ANALYSES", "HYPOTHESES", "power", "title"]

#: The analyses :func:`power` can plan.
ANALYSES = ("cohort_sitting", "cohort_glute", "indirect", "trial")
#: How the trial is randomised: athletes, or whole teams.
DESIGNS = ("individual", "cluster_trial")
#: Simulated cohorts per task; fixed so results do not depend on the executor.
CHUNK = 250


def _design(d: dict[str, np.ndarray], columns: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """(B, n, p) design with an intercept, and a (B, n) 0/1 mask of complete rows."""
    parts = [d[c] for c in columns]
    X = np.stack([np.ones_like(parts[0]), *parts], axis=-1)
    ok = np.isfinite(X).all(axis=-1)
    return np.where(ok[..., None], X, 0.0), ok


def _nb_test(d, columns, test_col: int, alpha: float):
    """Wald tests of one coefficient of an NB rate model per cohort: reject, log RR, converged."""
    X, ok = _design(d, columns)
    y, expo = d["hamstring_cramps"], d["exposure_h"]
    ok &= np.isfinite(y) & np.isfinite(expo) & (np.nan_to_num(expo) > 0)
    w = ok.astype(float)
    fit = fit_batch(X, np.where(ok, y, 0.0), family="negbin", weights=w,
                    offset=np.log(np.where(ok, expo, 1.0)))
    z = fit.coef[:, test_col] / fit.se[:, test_col]
    good = fit.converged & np.isfinite(z)
    reject = good & (np.abs(z) > stats.norm.ppf(1 - alpha / 2))
    return reject, fit.coef[:, test_col], good, w.sum(axis=1)


def _glmm_test(d, columns, test_col: int, alpha: float, n_teams: int):
    """The cluster trial's test per simulated trial: NB GLMM with a random team intercept, t on
    the between-within df (teams minus the intercept and the arm)."""
    X, ok = _design(d, columns)
    y, expo = d["hamstring_cramps"], d["exposure_h"]
    ok &= np.isfinite(y) & np.isfinite(expo) & (np.nan_to_num(expo) > 0)
    # A row left out (withdrawn, no exposure) gets a rate of e^-50: it adds nothing to the fit.
    offset = np.where(ok, np.log(np.where(ok, expo, 1.0)), -50.0)
    fit = fit_count_mixed_batch(np.where(ok, y, 0.0), X, offset, d["team"], "negbin")
    t = fit.coef[:, test_col] / fit.se[:, test_col]
    good = fit.converged & np.isfinite(t)
    reject = good & (np.abs(t) > stats.t.ppf(1 - alpha / 2, n_teams - 2))
    return reject, fit.coef[:, test_col], good, ok.sum(axis=1).astype(float)


def _ols_test(d, outcome: str, columns, test_col: int, alpha: float):
    X, ok = _design(d, columns)
    y = d[outcome]
    ok &= np.isfinite(y)
    w = ok.astype(float)
    fit = fit_batch(X, np.where(ok, y, 0.0), family="gaussian", weights=w)
    t = fit.coef[:, test_col] / fit.se[:, test_col]
    df = w.sum(axis=1) - X.shape[-1]
    good = np.isfinite(t) & (df > 0)
    reject = good & (np.abs(t) > stats.t.ppf(1 - alpha / 2, np.maximum(df, 1)))
    return reject, fit.coef[:, test_col], good, w.sum(axis=1)


#: The hypothesis of the analysis plan (:data:`glute_study.plan.DEFAULT_HYPOTHESES`) each
#: analysis tests; its ``link`` titles the power curve.
HYPOTHESES = {"cohort_sitting": "sitting_cramps", "cohort_glute": "glute_cramps",
              "indirect": "indirect", "trial": "trial"}


def _words() -> dict[str, str]:
    """The variables and the outcome as the labels in force name them."""
    ham = outcome_phrase("hamstring_cramps")
    return {"sit": label("sitting_h_day", unit=False, mid=True),
            "glute": label("glute_nm_kg", unit=False, mid=True),
            "post": label("glute_nm_kg_post", unit=False, mid=True),
            "sit_unit": unit_of("sitting_h_day") or "unit",
            "glute_unit": unit_of("glute_nm_kg") or "unit",
            "ham": ham, "Ham": ham[:1].upper() + ham[1:],
            "arm": term_label("C(arm)[T.glute_training]", reference="control")}


def _tests(analysis: str, design: str = "individual"):
    """(label, kind) of every test an analysis runs, in the codebook's words.

    Examples
    --------
    >>> _tests("cohort_sitting")
    [('Total effect of device-measured sitting on the hamstring-cramp rate', 'nb')]
    >>> [t for t, _ in _tests("trial")]  # doctest: +NORMALIZE_WHITESPACE
    ['Glute training vs control: hamstring-cramp rate ratio',
     'Glute training vs control: glute strength at post-test (ANCOVA)']
    """
    w = _words()
    if design == "cluster_trial":
        return [(f"{w['arm']}, teams randomised: {w['ham']} rate ratio", "glmm")]
    return {
        "cohort_sitting": [(f"Total effect of {w['sit']} on the {w['ham']} rate", "nb")],
        "cohort_glute": [(f"{w['Ham']} rate ratio per {w['glute_unit']} of {w['glute']}", "nb")],
        "indirect": [(f"Indirect effect of {w['sit']} through {w['glute']}, joint significance "
                      "of both paths", "joint")],
        "trial": [(f"{w['arm']}: {w['ham']} rate ratio", "nb"),
                  (f"{w['arm']}: {w['post']} (ANCOVA)", "ols")],
    }[analysis]


def title(analysis: str, plan: Any = None) -> str:
    """The plan's title of the hypothesis an analysis tests (its link of the claim).

    Examples
    --------
    >>> title("cohort_sitting")
    'More daily sitting raises the hamstring-cramp rate'
    """
    check_one_of("analysis", analysis, ANALYSES)
    hyp = (plan[HYPOTHESES[analysis]] if plan is not None
           else DEFAULT_HYPOTHESES[HYPOTHESES[analysis]])
    return hyp.link


def _adjustment(analysis: str, plan: AnalysisPlan) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The plan's covariates of the hypothesis an analysis tests: (adjusted for in the
    simulated cohorts, not drawn by the simulator), both as analysis-table columns in the
    plan's order (confounders, then precision covariates).

    Examples
    --------
    >>> _adjustment("cohort_glute", analysis_plan(None))
    (('sex', 'sitting_h_day', 'age', 'prior_cramps'), ())
    >>> plan = analysis_plan({"adjust": {"sitting_cramps": ["age", "sex", "body_mass_kg"]}})
    >>> _adjustment("cohort_sitting", plan)
    (('age', 'sex', 'prior_cramps'), ('body_mass_kg',))
    """
    h = plan[HYPOTHESES[analysis]]
    model = {h.exposure, *(("glute_nm_kg",) if analysis == "indirect" else ())}
    wanted = [c for c in h.covariates if c not in model]
    return (tuple(c for c in wanted if c in COHORT_COVARIATES),
            tuple(c for c in wanted if c not in COHORT_COVARIATES))


def _models(analysis: str, covariates: Sequence[str], design: str = "individual"
            ) -> tuple[tuple[str, ...], ...]:
    """The simulated arrays of each model an analysis fits, the tested term first.

    Examples
    --------
    >>> _models("indirect", ("age", "sex", "prior_cramps"))  # the a path, then the b path
    (('sitting_h_day', 'age', 'male', 'prior_cramps'), ('glute_nm_kg', 'sitting_h_day', 'age', \
'male', 'prior_cramps'))
    """
    cov = tuple(COHORT_COVARIATES[c] for c in covariates)
    if design == "cluster_trial":
        return (("arm", *cov),)
    return {"cohort_sitting": (("sitting_h_day", *cov),),
            "cohort_glute": (("glute_nm_kg", *cov),),
            "indirect": (("sitting_h_day", *cov), ("glute_nm_kg", "sitting_h_day", *cov)),
            "trial": (("arm", *cov), ("arm", "glute_nm_kg"))}[analysis]


def _task(task: tuple[Any, ...]) -> np.ndarray:
    """Simulate ``size`` cohorts of ``n`` and run the analysis: (size, 3 * tests) array of
    [reject, estimate, usable] per test, plus the analysed n of the first test."""
    with single_threaded_blas():
        return _run(*task)


def _run(analysis, n, seed, size, alpha, scenario, effects, teams=None, models=None
         ) -> np.ndarray:
    """``models``: the arrays of each model (:func:`_models`); the default plan's without."""
    if models is None:
        design = "individual" if teams is None else "cluster_trial"
        models = _models(analysis, _adjustment(analysis, analysis_plan(None))[0], design)
    if teams is not None:  # the cluster trial: (n_teams, team_sd)
        d = draw_cohorts(n, reps=size, seed=seed, scenario=scenario, trial="cluster",
                         n_teams=teams[0], team_sd=teams[1], **effects)
    else:
        d = draw_cohorts(n, reps=size, seed=seed, scenario=scenario, trial=analysis == "trial",
                         **effects)
    if teams is not None:
        results = [_glmm_test(d, models[0], 1, alpha, teams[0])]
    elif analysis in ("cohort_sitting", "cohort_glute"):
        results = [_nb_test(d, models[0], 1, alpha)]
    elif analysis == "indirect":
        # the a path on the same complete rows as the b path
        d = dict(d)
        miss = ~(np.isfinite(d["hamstring_cramps"]) & np.isfinite(d["exposure_h"]))
        d_a = {k: np.where(miss, np.nan, v) for k, v in d.items()}
        ra, ea, ga, _ = _ols_test(d_a, "glute_nm_kg", models[0], 1, alpha)
        rb, eb, gb, nb = _nb_test(d, models[1], 1, alpha)
        results = [(ra & rb, ea * eb, ga & gb, nb)]
    else:
        results = [_nb_test(d, models[0], 1, alpha),
                   _ols_test(d, "glute_nm_kg_post", models[1], 1, alpha)]
    cols = []
    for reject, est, good, _ in results:
        cols += [reject.astype(float), est, good.astype(float)]
    cols.append(results[0][3])
    return np.column_stack(cols)


def _truth(analysis: str, fx: Effects) -> list[tuple[float, str]]:
    """True effect of each test and how a sentence names it (``{v}``: the effect, formatted).

    Ratios read as :func:`_ratio` gives them, differences in Nm/kg at two decimals.
    """
    t = fx.truth()
    w = _words()
    log_glute = math.log(t["irr_glute_per_nm_kg"])
    if analysis == "cohort_sitting":
        return [(t["irr_sitting_per_h"], f"a {w['ham']} rate ratio of {{v}} per +1 "
                 f"{w['sit_unit']} of {w['sit']}")]
    if analysis == "cohort_glute":
        return [(t["irr_glute_per_nm_kg"], f"a {w['ham']} rate ratio of {{v}} per +1 "
                 f"{w['glute_unit']} of {w['glute']}")]
    if analysis == "indirect":
        return [(math.exp(t["glute_per_sitting_h"] * log_glute), "an indirect rate ratio of "
                 f"{{v}} per +1 {w['sit_unit']} of {w['sit']} through {w['glute']}, from "
                 f"a slope of {format_number(t['glute_per_sitting_h'], 2)} {w['glute_unit']} "
                 f"per {w['sit_unit']} and a rate ratio of {_ratio(t['irr_glute_per_nm_kg'])} "
                 f"per {w['glute_unit']}")]
    return [(t["irr_training"], f"a {w['ham']} rate ratio of {{v}} for "
             f"{mid_sentence(w['arm'])}"),
            (t["training_gain_nm_kg"], f"a training gain in {w['glute']} of {{v}} "
             f"{w['glute_unit']}")]


def _ratio(v: float) -> str:
    """A rate ratio in a planning sentence: two decimals, as every ratio the report prints;
    three only where two would round a planned effect to no effect (1.004, not 1.00).

    Examples
    --------
    >>> _ratio(1.1), _ratio(1 / 1.1), _ratio(1.0037)
    ('1.10', '0.91', '1.004')
    """
    two = format_number(v, 2)
    return format_number(v, 3) if two == "1.00" and round(v, 3) != 1 else two


def _mc_se_words(se: float, reps: int, *, most: bool = False) -> str:
    """The Monte Carlo SE of a simulated power, in words where three decimals would read 0.000.

    At a power of 0 or 1 the binomial SE is 0 (every simulated study agreed); a smaller SE than
    0.001 is said to be below it.

    Examples
    --------
    >>> _mc_se_words(0.0483, 100, most=True), _mc_se_words(0.0, 100)
    ('Monte Carlo SE at most 0.048', 'Monte Carlo SE 0, since all 100 simulated studies agreed')
    >>> _mc_se_words(0.0003, 100_000, most=True)
    'Monte Carlo SE below 0.001'
    """
    if se == 0:
        return f"Monte Carlo SE 0, since all {format_count(reps)} simulated studies agreed"
    if se < 0.0005:
        return "Monte Carlo SE below 0.001"
    return f"Monte Carlo SE {'at most ' if most else ''}{format_number(se, 3)}"


def _restates(test: str, effect: str) -> bool:
    """Whether the effect phrase already says every word of the test's name.

    Examples
    --------
    >>> _restates("Hamstring-cramp rate ratio per Nm/kg of glute strength",
    ...           "a hamstring-cramp rate ratio of 0.91 per +1 Nm/kg of glute strength")
    True
    >>> _restates("Total effect of device-measured sitting on the hamstring-cramp rate",
    ...           "a hamstring-cramp rate ratio of 1.10 per +1 h/day of device-measured sitting")
    False
    """
    def words(text: str) -> set[str]:
        return set(re.findall(r"[a-z][a-z/-]*", text.lower()))

    return words(test) <= words(effect)


def _crossing(ns: np.ndarray, pw: np.ndarray, target: float) -> float | None:
    """Smallest n at which the power curve (linearly interpolated) reaches ``target``."""
    above = np.flatnonzero(pw >= target)
    if above.size == 0:
        return None
    i = above[0]
    if i == 0:
        return float(ns[0])
    n0, n1, p0, p1 = ns[i - 1], ns[i], pw[i - 1], pw[i]
    return float(n0 + (target - p0) * (n1 - n0) / (p1 - p0))


def power(
    analysis: str = "cohort_sitting",
    *,
    n: Sequence[int] = (100, 200, 300, 400, 600, 800),
    reps: int = 1000,
    alpha: float = 0.05,
    scenario: str = "hypothesis",
    seed: int | None = None,
    executor: Any = None,
    level: float = 0.95,
    design: str = "individual",
    team_size: int = 20,
    team_sd: float | None = None,
    inputs: Result | None = None,
    plan: AnalysisPlan | None = None,
    **effects: float,
) -> Result:
    """Monte Carlo power of a planned analysis over a range of sample sizes.

    Parameters
    ----------
    analysis : {"cohort_sitting", "cohort_glute", "indirect", "trial"}
        What is planned; see the module docstring for each model and test.
    n : sequence of int
        Numbers of athletes to simulate (for the trial: both arms together), each from 20 to
        100,000.
    reps : int
        Simulated cohorts per sample size, from 100 to 100,000 (1000 gives a Monte Carlo SE of
        at most 0.016).
    alpha : float
        Two-sided significance level.
    scenario : {"hypothesis", "null"}
        ``"null"`` removes every effect of the claim, so the "power" is the type I error rate.
    seed : int, optional
        Seed (0 to 2**32 - 1); the same seed gives the same table on any executor. Without one
        a seed is drawn; either way it is in ``.text`` and ``.diagnostics["seed"]``, so that
        the run can be repeated.
    executor : None, str, dask Client or Executor
        Where the simulation chunks run (see :mod:`glute_study.parallel`); ``None`` uses threads
        in this process, ``"tcp://host:8786"`` a Dask cluster.
    level : float
        Confidence level of the Wilson interval of each Monte Carlo power estimate.
    design : {"individual", "cluster_trial"}
        For ``analysis="trial"``: athletes randomised one by one, or whole teams
        (``"cluster_trial"``, analysed as ``trial_rate_effect(cluster="team")``).
    team_size : int
        Athletes per team in a cluster trial (2 to 1000); each ``n`` makes ``n // team_size``
        teams, at least 4 and an even number (half of them per arm).
    team_sd : float, optional
        SD of the team effect on the log cramp rate in a cluster trial: the one observed in
        ``inputs`` where there is one, else 0.3 (a guess: no published figure);
        ``.diagnostics["icc"]`` gives the intracluster correlation it implies.
    inputs : Result, optional
        Planning inputs from a study (:func:`glute_study.stats.planning.planning_inputs`): its
        observed rates, dispersion, exposure, spreads and dropout, and the plan's smallest
        effects of interest, drive the simulated cohorts (``effects`` still override them).
    plan : AnalysisPlan, optional
        The analysis plan (:func:`glute_study.plan.analysis_plan`): each simulated analysis is
        adjusted for the covariates it declares for the hypothesis tested, and its title is the
        hypothesis' link. Default: the plan ``inputs`` were estimated for, else the package's
        default plan. A covariate the simulator does not draw is left out and named in
        ``.text``.
    **effects : float
        Assumptions of the causal model to change (fields of :class:`glute_study.simulate.Effects`,
        e.g. ``rr_glute_deficit_per_sd=1.3``).

    Returns
    -------
    Result
        ``.table`` with one row per sample size and test: ``term`` (the test), ``estimate`` (the
        power), ``ci_low``/``ci_high`` (Wilson interval of the Monte Carlo estimate at ``level``),
        ``p_value`` (NaN), then ``n``, ``mc_se``, ``true_effect``, ``mean_estimate`` (the
        mean estimate on the scale of ``true_effect``: for a rate ratio the geometric mean, the
        exponential of the mean log rate ratio; for the strength difference the mean), ``usable``
        (share of simulated analyses that converged) and ``n_analysed``
        (mean athletes with complete data); for a cluster trial also ``n_teams``. ``.text``
        gives the sample size for 80 % power and what the analyses were adjusted for;
        ``.diagnostics["covariates"]`` the plan's covariates adjusted for and
        ``.diagnostics["not_simulated"]`` those the simulator does not draw.

    Examples
    --------
    >>> res = power("trial", n=(100, 200), reps=100, seed=1, executor="serial")
    >>> print(res.table[["n", "term", "estimate", "mc_se"]].to_string(index=False))
      n                                                            term  estimate   mc_se
    100           Glute training vs control: hamstring-cramp rate ratio      0.10 0.03000
    100 Glute training vs control: glute strength at post-test (ANCOVA)      1.00 0.00000
    200           Glute training vs control: hamstring-cramp rate ratio      0.13 0.03363
    200 Glute training vs control: glute strength at post-test (ANCOVA)      1.00 0.00000
    >>> res.diagnostics["title"]  # the plan's hypothesis
    'Glute training lowers the hamstring-cramp rate'
    >>> res = power("trial", design="cluster_trial", n=(400,), team_size=20, reps=100, seed=1,
    ...             executor="serial")
    >>> print(res.table[["n", "n_teams", "estimate"]].to_string(index=False))
      n  n_teams  estimate
    400       20      0.13
    """
    check_one_of("analysis", analysis, ANALYSES)
    check_one_of("design", design, DESIGNS)
    check_one_of("scenario", scenario, ("hypothesis", "null"))
    if plan is not None and not isinstance(plan, AnalysisPlan):
        raise InputError(f"`plan` must be an AnalysisPlan (glute_study.plan.analysis_plan); got "
                         f"{type(plan).__name__}.")
    if inputs is not None:
        if getattr(inputs, "kind", None) != "planning_inputs":
            raise InputError("`inputs` must be what glute_study.stats.planning.planning_inputs "
                             f"returned; got {type(inputs).__name__}.")
        if scenario == "null":
            raise InputError('`inputs` sets the effects to detect; scenario="null" removes '
                             "them. Leave `inputs` out to simulate the null world.")
        effects = {**inputs.diagnostics["effects"], **effects}
        planned = inputs.diagnostics.get("plan")
        if plan is not None and planned is not None and plan != planned:
            raise InputError("`plan` is not the plan `inputs` were estimated for (its smallest "
                             "effects of interest set the effects to detect); pass the same "
                             "plan to planning_inputs and power, or leave `plan` out.")
        plan = planned if plan is None else plan
        if team_sd is None and inputs.diagnostics.get("team_sd") is not None:
            team_sd = float(inputs.diagnostics["team_sd"])
    plan = analysis_plan(None) if plan is None else plan
    covariates, not_simulated = _adjustment(analysis, plan)
    models = _models(analysis, covariates, design)
    team_sd = 0.3 if team_sd is None else team_sd
    fx = Effects.for_scenario(scenario, **effects)
    sizes = sorted({check_count("n", v, POWER_N) for v in np.atleast_1d(n).tolist()})
    if not sizes:
        raise InputError(f"`n` must hold sample sizes of at least {POWER_N[0]} athletes; got "
                         f"{n!r}.")
    reps = check_count("reps", reps, REPS)
    seed = draw_seed(seed)
    if not 0 < alpha < 0.5:
        raise InputError(f"`alpha` must be between 0 and 0.5; got {alpha!r}.")
    level = check_level(level)
    check_executor(executor)
    teams = _cluster_design(analysis, design, sizes, team_size, team_sd)
    chunks = [min(CHUNK, reps - i) for i in range(0, reps, CHUNK)]
    seeds = spawn_seeds(seed, len(sizes) * len(chunks))
    tasks = []
    for i, size in enumerate(sizes):
        for j, k in enumerate(chunks):
            tasks.append((analysis, size, seeds[i * len(chunks) + j], k, alpha, scenario,
                          dict(effects), None if teams is None else (teams[size], team_sd),
                          models))
    with single_threaded_blas():
        out = run_tasks(_task, tasks, executor="threads" if executor is None else executor,
                        desc=f"power ({analysis})")
    tests = _tests(analysis, design)
    truths = _truth(analysis, fx)
    rows = []
    for i, size in enumerate(sizes):
        block = np.concatenate(out[i * len(chunks):(i + 1) * len(chunks)])
        for t, (test, kind) in enumerate(tests):
            reject, est, good = block[:, 3 * t], block[:, 3 * t + 1], block[:, 3 * t + 2]
            p = float(reject.mean())
            lo, hi = _wilson(np.array(p), reps, level)
            mean = float(np.mean(est[good == 1])) if good.any() else np.nan
            if kind != "ols":  # a log rate ratio: back to the ratio scale of true_effect
                mean = math.exp(mean) if np.isfinite(mean) else np.nan
            # the power is the estimate and the test the term: no second copy of either
            rows.append({"term": test, "estimate": p, "ci_low": float(lo), "ci_high": float(hi),
                         "p_value": np.nan, "n": size,
                         "mc_se": math.sqrt(p * (1 - p) / reps),
                         "true_effect": truths[t][0], "mean_estimate": mean,
                         "usable": float(good.mean()), "n_analysed": float(block[:, -1].mean()),
                         **({} if teams is None else {"n_teams": teams[size]})})
    table = pd.DataFrame(rows)
    text = _text(table, tests, truths, analysis=analysis, alpha=alpha, reps=reps,
                 scenario=scenario, observed=inputs is not None,
                 adjusted=_adjustment_text(analysis, design, covariates, not_simulated)
                 ) + f" Simulated with seed {seed}."
    cluster = {}
    if teams is not None:
        icc = team_icc(team_sd, theta=fx.dispersion_theta)
        cluster = {"design": design, "team_size": team_size, "team_sd": team_sd, "icc": icc,
                   "n_teams": teams}
        text = (f"Teams of {team_size} athletes were randomised, half to each arm, with a team "
                f"effect of SD {team_sd:g} on the log cramp rate (intracluster correlation "
                f"{icc:.3f} on the log-rate scale). " + text)
    diagnostics = {"analysis": analysis, "title": title(analysis, plan),
                   "hypothesis": HYPOTHESES[analysis], "reps": reps, "alpha": alpha,
                   "scenario": scenario, "seed": seed, "design": design, **cluster,
                   "inputs": "observed" if inputs is not None else "simulator defaults",
                   "covariates": covariates, "not_simulated": not_simulated,
                   "effects": fx, "target": 0.8,
                   "n_for_80": {test: _crossing(table[table.term == test].n.to_numpy(),
                                                table[table.term == test].estimate.to_numpy(),
                                                0.8)
                                for test, _ in tests}}
    return Result(table, text, diagnostics, name=f"power ({analysis})", kind="power",
                  level=level)


def _adjustment_text(analysis: str, design: str, covariates: Sequence[str],
                     not_simulated: Sequence[str]) -> str:
    """What the simulated analyses were adjusted for, and what of the plan they could not be.

    Examples
    --------
    >>> print(_adjustment_text("trial", "individual", ["prior_cramps"], ["sport"]))
    As the analysis plan declares, the simulated rate ratio was adjusted for previous cramping
    (the ANCOVA for baseline glute strength). The plan also adjusts for sport, which the
    simulator does not draw: it was left out of the simulated analyses.
    """
    def words(cols):
        return word_list([mid_sentence(label(c, unit=False)) for c in cols])

    what = {"cohort_sitting": "the simulated analysis was", "cohort_glute": "the simulated "
            "analysis was", "indirect": "both simulated paths were"}.get(
        analysis, "the simulated rate ratio was")
    adjusted = (f"adjusted for {words(covariates)}" if covariates
                else "not adjusted for any covariate")
    text = f"As the analysis plan declares, {what} {adjusted}"
    if analysis == "trial" and design == "individual":
        text += f" (the ANCOVA for baseline {label('glute_nm_kg', unit=False, mid=True)})"
    text += "."
    if not_simulated:
        one = len(not_simulated) == 1
        text += (f" The plan also adjusts for {words(not_simulated)}, which the simulator does "
                 f"not draw: {'it was' if one else 'they were'} left out of the simulated "
                 "analyses.")
    return text


def _cluster_design(analysis, design, sizes, team_size, team_sd) -> dict[int, int] | None:
    """Teams per sample size of a cluster trial (None for an individual design), checked."""
    if design == "individual":
        return None
    if analysis != "trial":
        raise InputError(f"design='cluster_trial' plans the trial; got analysis={analysis!r}.")
    team_size = check_count("team_size", team_size, (2, 1000))
    if isinstance(team_sd, bool) or not isinstance(team_sd, int | float) or not (
            math.isfinite(team_sd) and team_sd >= 0):
        raise InputError(f"`team_sd` must be a number of at least 0; got {team_sd!r}.")
    teams = {}
    for size in sizes:
        k = size // team_size
        if k < 4 or k % 2:
            raise InputError(
                f"n = {size} athletes in teams of {team_size} make {k} teams; a cluster trial "
                "needs an even number of at least 4 (half per arm). Choose n as a multiple of "
                f"{2 * team_size}, from {4 * team_size}.")
        teams[size] = k
    return teams


def _text(table, tests, truths, *, analysis, alpha, reps, scenario, observed=False,
          adjusted="") -> str:
    alpha_txt = f"{alpha:.3f}".rstrip("0").lstrip("0")
    parts = []
    for (name, kind), (value, what) in zip(tests, truths):
        sub = table[table.term == name]
        what_test = mid_sentence(name)
        ns, pw = sub.n.to_numpy(), sub.estimate.to_numpy()
        effect = what.format(v=format_number(value, 2) if kind == "ols" else _ratio(value))
        if scenario == "null":
            worst = sub.loc[sub.estimate.idxmax()]
            parts.append(f"Under the null scenario the test of the {what_test} rejected in "
                         f"{100 * sub.estimate.min():.1f} % to {100 * sub.estimate.max():.1f} % "
                         f"of {format_count(reps)} simulated studies per size (nominal "
                         f"{100 * alpha:g} %; largest at n = {format_count(worst.n)}, "
                         f"{_mc_se_words(worst.mc_se, reps)}).")
            continue
        n80 = _crossing(ns, pw, 0.8)
        how = (f"two-sided alpha = {alpha_txt}, {format_count(reps)} simulated studies per size, "
               f"{_mc_se_words(sub.mc_se.max(), reps, most=True)}")
        # the test's name in brackets only where it says more than the effect does
        named = "" if _restates(name, effect) else f" ({what_test})"
        named_in = "" if not named else f" ({what_test}; "
        if n80 is None:
            parts.append(f"None of the sizes tried (up to {format_count(ns[-1])} athletes) "
                         f"reached 80 % power to detect {effect}{named}; the largest gave "
                         f"{100 * pw[-1]:.0f} % ({how}).")
        elif n80 == ns[0]:
            parts.append(f"Already {format_count(ns[0])} athletes give {100 * pw[0]:.0f} % power "
                         f"to detect {effect}{named_in or ' ('}{how}).")
        else:
            parts.append(f"About {format_count(math.ceil(n80 / 10) * 10)} athletes give 80 % "
                         f"power to detect {effect}{named_in or ' ('}interpolated between the "
                         f"simulated sizes; {how}).")
    if adjusted:
        parts.append(adjusted)
    if observed:
        parts.append("The cramp rate, its dispersion, exposure, spreads and dropout were those "
                     "observed in this study; each effect to detect is the analysis plan's "
                     "smallest effect of interest, not an estimate.")
    else:
        parts.append("Effects are assumptions of the simulator, not published estimates.")
    return " ".join(parts)
