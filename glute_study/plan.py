"""The declared analysis plan: one primary hypothesis per link of the claim, and how it is judged.

The claim has links: daily sitting weakens the glutes; weaker glutes go with more hamstring
cramps; sitting raises the cramp rate (its total effect), partly through the glutes (the
indirect effect); glute training lowers the cramp rate (the trial). For each link the plan names
the exposure, the outcome, the adjustment set, the estimand, the smallest effect of interest
(the equivalence bounds) and the sensitivity analyses; it declares which hypotheses form the
family of primary hypotheses and how that family is adjusted for multiplicity.

The package's defaults are :data:`DEFAULT_HYPOTHESES`; a study's ``study.json`` may override
them under ``"plan"``::

    {"plan": {"multiplicity": "fixed_sequence",
              "primary": ["trial", "sitting_cramps"],
              "bounds": {"trial": [0.8, 1.25]},
              "adjust": {"sitting_cramps": ["age", "sex", "team"]},
              "precision": {"trial": ["prior_cramps", "age"]}}}

``primary`` is the family (and, for a fixed sequence, its testing order); ``bounds`` the
equivalence bounds on the hypothesis' scale (ratios for rate ratios, correlations for
correlations); ``adjust`` the confounders and ``precision`` the prognostic covariates
(analysis-table columns). A rate-ratio hypothesis
without declared bounds takes ``(1/sesoi, sesoi)`` from the report's ``sesoi`` parameter.

The notebooks read the plan (:func:`analysis_plan`) for their adjustment sets; the report
states it in ``methods.md`` (:meth:`AnalysisPlan.methods_text`) and sets out the primary
hypotheses first in ``results.md``, adjusted as declared, each with its equivalence statement.

The default confounders are the minimal sufficient sets of the backdoor criterion on the causal
diagram the simulator draws its data from (:data:`glute_study.causal.STUDY_DAG`): age and sex
for the total effect of sitting on the cramp rate, never glute strength, the mediator; sex and
sitting for glute strength and the cramp rate; none for the randomised arm. Previous cramping
(and, for the cramp rate, age) is adjusted for as a prognostic covariate, for precision, as the
sample-size calculation assumes; a precision covariate caused by the exposure is refused.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .errors import InputError
from .labels import is_variable, label, mid_sentence, word_list

__all__ = ["DEFAULT_HYPOTHESES", "AnalysisPlan", "Hypothesis", "analysis_plan", "true_value"]

#: Multiplicity methods a plan may declare (those of :func:`glute_study.stats.adjust_p`).
MULTIPLICITY = ("holm", "hochberg", "bh", "bonferroni", "fixed_sequence")

_METHOD_WORDS = {
    "holm": "Holm's step-down procedure (familywise error rate {alpha})",
    "hochberg": "Hochberg's step-up procedure (familywise error rate {alpha})",
    "bh": "the Benjamini-Hochberg procedure (false discovery rate {alpha})",
    "bonferroni": "the Bonferroni correction (familywise error rate {alpha})",
    "fixed_sequence": "a fixed testing sequence in the declared order, each at {alpha}, "
                      "stopping at the first hypothesis not rejected",
}

#: The scales a hypothesis is judged on, the null on each and the measure's name.
_SCALES = {"ratio": 1.0, "correlation": 0.0, "difference": 0.0}


@dataclass(frozen=True)
class Hypothesis:
    """One planned hypothesis: a link of the claim, its estimand and how it is judged.

    Parameters
    ----------
    key : str
        Short name (``"sitting_cramps"``); a notebook records its result under it.
    link : str
        The link of the claim in words ("Sitting weakens the glutes").
    notebook : str
        The notebook that tests it (``"04"``).
    exposure, outcome : str
        Analysis-table columns.
    adjust : tuple of str
        The confounders adjusted for (analysis-table columns): by default the minimal sufficient
        set of the backdoor criterion on :data:`~glute_study.causal.STUDY_DAG`.
    estimand : str
        What is estimated, in words ("total effect of sitting").
    analysis : str
        The planned analysis, in words.
    scale : {"ratio", "correlation", "difference"}
        The scale of the estimate; equivalence bounds are on it.
    bounds : tuple of float or None
        Equivalence bounds; None takes ``(1/sesoi, sesoi)`` for a ratio.
    primary : bool
        In the family of primary hypotheses.
    sensitivity : tuple of str
        The planned sensitivity analyses, in words.
    direction : {1, -1}
        The claim's prediction: an estimate above the null (1) or below it (-1).
    precision : tuple of str
        Prognostic covariates of the outcome adjusted for precision (not confounders; never
        caused by the exposure).
    adjust_source : str
        Where the confounders come from, in words (the causal diagram, or the study's plan).
    evidence : str
        What was known of this link before the study, in words.
    """

    key: str
    link: str
    notebook: str
    exposure: str
    outcome: str
    adjust: tuple[str, ...]
    estimand: str
    analysis: str
    scale: str = "ratio"
    bounds: tuple[float, float] | None = None
    primary: bool = True
    sensitivity: tuple[str, ...] = ()
    direction: int = 1
    precision: tuple[str, ...] = ()
    adjust_source: str = "the backdoor criterion on the study's causal diagram"
    evidence: str = "no published study has tested it"

    def equivalence_bounds(self, sesoi: float) -> tuple[float, float]:
        """The bounds declared, or ``(1/sesoi, sesoi)`` for a ratio.

        Examples
        --------
        >>> DEFAULT_HYPOTHESES["trial"].equivalence_bounds(1.25)
        (0.8, 1.25)
        """
        if self.bounds is not None:
            return self.bounds
        if self.scale != "ratio":
            raise InputError(f"hypothesis {self.key!r} is on the {self.scale} scale and has no "
                             f"declared equivalence bounds; declare them in study.json "
                             f'"plan": {{"bounds": {{"{self.key}": [low, high]}}}}.')
        return (1 / sesoi, sesoi)

    def formula(self) -> str:
        """The model formula: outcome on exposure and the adjustment set (categories in C()).

        Examples
        --------
        >>> DEFAULT_HYPOTHESES["sitting_cramps"].formula()
        'hamstring_cramps ~ sitting_h_day + age + C(sex) + prior_cramps'
        """
        return f"{self.outcome} ~ " + " + ".join(self.terms())

    def terms(self) -> list[str]:
        """The model terms: the exposure, then the adjustment set (categories in C()).

        Examples
        --------
        >>> DEFAULT_HYPOTHESES["trial"].terms()
        ['C(arm)', 'prior_cramps']
        """
        return [f"C({c})" if _categorical(c) else c
                for c in (self.exposure, *self.covariates)]

    @property
    def covariates(self) -> tuple[str, ...]:
        """Everything adjusted for: the confounders, then the precision covariates."""
        return (*self.adjust, *(c for c in self.precision if c not in self.adjust))

    def adjustment_words(self, *, why: bool = False) -> str:
        """What is adjusted for, in the codebook's words; with ``why``, and why.

        Examples
        --------
        >>> h = DEFAULT_HYPOTHESES["sitting_cramps"]
        >>> h.adjustment_words()
        'age, sex and previous cramping'
        >>> print(h.adjustment_words(why=True))
        the confounders age and sex (by the backdoor criterion on the study's causal diagram)
        and, for precision, previous cramping (prognostic of the outcome)
        >>> print(DEFAULT_HYPOTHESES["trial"].adjustment_words(why=True))
        previous cramping (prognostic of the outcome, for precision; no confounders, by the
        backdoor criterion on the study's causal diagram)
        """
        def words(cols):
            return word_list([mid_sentence(label(c, unit=False)) for c in cols])

        if not why:
            return words(self.covariates) or "nothing"
        precision = [c for c in self.precision if c not in self.adjust]
        if self.adjust:
            which = "the confounder" if len(self.adjust) == 1 else "the confounders"
            text = f"{which} {words(self.adjust)} (by {self.adjust_source})"
            return text + (f" and, for precision, {words(precision)} (prognostic of the "
                           "outcome)" if precision else "")
        if precision:
            return (f"{words(precision)} (prognostic of the outcome, for precision; no "
                    f"confounders, by {self.adjust_source})")
        return f"nothing (no confounders, by {self.adjust_source})"


def _categorical(column: str) -> bool:
    from .codebook import CODEBOOK

    for table in CODEBOOK.values():
        for col in table.columns:
            if col.name == column:
                return col.dtype in ("category", "string")
    return False


def _backdoor(exposure: str, outcome: str, *, mediator: str | None = None) -> tuple[str, ...]:
    """The minimal sufficient set of the simulator's causal diagram (for a mediation, the sets
    of exposure-outcome and mediator-outcome together, less the exposure)."""
    from .causal import STUDY_DAG

    found = list(STUDY_DAG.adjustment_set(exposure, outcome))
    if mediator is not None:
        found += STUDY_DAG.adjustment_set(mediator, outcome)
    return tuple(c for c in dict.fromkeys(found) if c not in (exposure, mediator))


#: Prognostic covariates of the cramp rate that the sample-size calculation assumes.
_PROGNOSTIC = ("prior_cramps",)

#: The package's default plan, one primary hypothesis per link of the claim, in chain order.
DEFAULT_HYPOTHESES: dict[str, Hypothesis] = {h.key: h for h in [
    Hypothesis(
        "sitting_glute", "More daily sitting goes with weaker glutes", "03",
        "sitting_h_day", "glute_nm_kg", _backdoor("sitting_h_day", "glute_nm_kg"),
        "association of device-measured sitting with glute strength",
        "partial Pearson correlation with a Fisher-z interval", scale="correlation",
        bounds=(-0.1, 0.1), direction=-1,
        sensitivity=("self-reported sitting in place of device-measured sitting",),
        evidence="no published study has tested it in athletes"),
    Hypothesis(
        "glute_cramps", "Weaker glutes go with more hamstring cramps", "04",
        "glute_nm_kg", "hamstring_cramps", _backdoor("glute_nm_kg", "hamstring_cramps"),
        "rate ratio of hamstring cramps per Nm/kg of glute strength",
        "negative-binomial regression with a log-exposure offset", direction=-1,
        precision=("age", *_PROGNOSTIC),
        sensitivity=("complete cases (multiple imputation of missing values is primary)",
                     "Poisson, zero-inflated and hurdle count models"),
        evidence="no published study links glute strength to cramps; the closest evidence is "
                 "for hamstring strains, not cramps: lower glute activity in sprinting "
                 "predicted strains (about 20 % lower risk per 10 % more normalised activity, "
                 "60 footballers) and lower single-leg-bridge scores preceded strains (482 "
                 "footballers, 28 strains)"),
    Hypothesis(
        "sitting_cramps", "More daily sitting raises the hamstring-cramp rate", "04",
        "sitting_h_day", "hamstring_cramps", _backdoor("sitting_h_day", "hamstring_cramps"),
        "total effect of device-measured sitting on the cramp rate (glute strength, a "
        "mediator, not adjusted for)",
        "negative-binomial regression with a log-exposure offset", precision=_PROGNOSTIC,
        sensitivity=("sitting tertiles in place of the linear term",
                     "a natural spline of sitting (dose-response)"),
        evidence="no published study links sitting time to hamstring cramps"),
    Hypothesis(
        "indirect", "Sitting raises the cramp rate through weaker glutes", "05",
        "sitting_h_day", "hamstring_cramps",
        _backdoor("sitting_h_day", "hamstring_cramps", mediator="glute_nm_kg"),
        "natural indirect effect of sitting through glute strength (rate ratio per "
        "interquartile range of sitting)",
        "g-formula mediation with a negative-binomial outcome model and BCa bootstrap "
        "intervals", precision=_PROGNOSTIC,
        sensitivity=("E-values for unmeasured mediator-outcome confounding",),
        evidence="untested; the 'glutes must fire first' idea behind it is contradicted in "
                 "healthy adults, whose hamstrings usually fire before the gluteus maximus in "
                 "prone hip extension (glute onset about 100 ms later), so a hamstring-first "
                 "pattern is not treated as abnormal"),
    Hypothesis(
        "trial", "Glute training lowers the hamstring-cramp rate", "06",
        "arm", "hamstring_cramps", _backdoor("arm", "hamstring_cramps"),
        "intention-to-treat rate ratio, glute training vs control",
        "negative-binomial regression with a log-exposure offset and CR2 cluster-robust "
        "standard errors by team", direction=-1, precision=_PROGNOSTIC,
        sensitivity=("ANCOVA of post-test glute strength (the mechanism)",),
        evidence="no published trial of glute training for cramps"),
    Hypothesis(
        "recent_sitting", "A week of more sitting than usual raises the cramp hazard", "09",
        "sitting_h_day_window", "hamstring_cramps", ("sitting_h_day", "exposure_h_window"),
        "within-athlete hazard ratio of a hamstring cramp per h/day of device sitting over "
        "the preceding 7 days, the athlete's usual sitting held fixed",
        "an Andersen-Gill Cox model of recurrent cramps on the exposure-hours scale with "
        "standard errors robust to clustering within athletes", primary=False,
        precision=("prior_cramps", "age", "sex"),
        adjust_source="design: the athlete's usual sitting makes it a within-athlete contrast, "
                      "and recent training load drives both recent sitting and exposure",
        sensitivity=("a Prentice-Williams-Peterson gap-time model stratified by cramp number",),
        evidence="no published study has tested it"),
]}


#: The simulator's truth for each hypothesis: the key of ``Study.truth`` holding its value.
_TRUTH_KEYS = {"glute_cramps": "irr_glute_per_nm_kg", "sitting_cramps": "irr_sitting_per_h",
               "trial": "irr_training", "recent_sitting": "hr_recent_sitting_per_h"}


def true_value(hypothesis: Hypothesis, truth: Mapping | None,
               contrast: Mapping | None = None) -> float | None:
    """The value the simulator used for a hypothesis' estimand, or None when it set none.

    The indirect effect per contrast ``x0 -> x1`` of sitting is, for a linear mediator and a
    log-linear outcome model, ``exp(a b (x1 - x0))`` with ``a`` the sitting-on-glute slope and
    ``b`` the log rate ratio per Nm/kg (VanderWeele 2015, ch. 2). The partial correlation of
    sitting with glute strength is not one of the simulator's parameters (it depends on the
    measurement error of both), so it has no true value here.

    Examples
    --------
    >>> truth = {"irr_glute_per_nm_kg": 0.7, "glute_per_sitting_h": -0.08, "irr_training": 0.8}
    >>> true_value(DEFAULT_HYPOTHESES["trial"], truth)
    0.8
    >>> round(true_value(DEFAULT_HYPOTHESES["indirect"], truth, {"x0": 8.0, "x1": 10.0}), 4)
    1.0587
    >>> true_value(DEFAULT_HYPOTHESES["sitting_glute"], truth) is None
    True
    """
    if not truth:
        return None
    if hypothesis.key == "indirect":
        try:
            a, b = float(truth["glute_per_sitting_h"]), np.log(float(truth["irr_glute_per_nm_kg"]))
            delta = float(contrast["x1"]) - float(contrast["x0"])
        except (KeyError, TypeError, ValueError):
            return None
        return float(np.exp(a * b * delta))
    key = _TRUTH_KEYS.get(hypothesis.key)
    value = truth.get(key) if key else None
    return float(value) if isinstance(value, int | float) and np.isfinite(value) else None


@dataclass(frozen=True)
class AnalysisPlan:
    """The hypotheses, the family of primary hypotheses and its multiplicity method.

    Use :func:`analysis_plan` to build one from a study; ``plan[key]`` is a hypothesis.
    """

    hypotheses: tuple[Hypothesis, ...]
    multiplicity: str = "holm"
    source: str = "the package's default plan"

    def __getitem__(self, key: str) -> Hypothesis:
        for h in self.hypotheses:
            if h.key == key:
                return h
        raise InputError(f"the analysis plan has no hypothesis {key!r}; it has "
                         f"{', '.join(h.key for h in self.hypotheses)}.")

    @property
    def primary(self) -> tuple[Hypothesis, ...]:
        """The family of primary hypotheses, in their declared order."""
        return tuple(h for h in self.hypotheses if h.primary)

    def evidence_text(self) -> str:
        """What was known of each link before this study, stated once, for the report's start.

        Examples
        --------
        >>> print(analysis_plan().evidence_text()[:86])
        Evidence before this study: every link of the claim is a hypothesis to be tested, not
        """
        parts = [f"H{i}, {mid_sentence(h.link)}: {h.evidence}"
                 for i, h in enumerate(self.hypotheses, 1)]
        return ("Evidence before this study: every link of the claim is a hypothesis to be "
                "tested, not a fact. " + "; ".join(parts) + ".")

    def methods_text(self, *, alpha: float = 0.05, sesoi: float = 1.1) -> str:
        """The plan in words, for ``methods.md``: one sentence per hypothesis, then the family.

        Examples
        --------
        >>> text = analysis_plan(None).methods_text()
        >>> print(text[:87])
        The analysis followed the package's default plan, with one primary hypothesis per link
        >>> print(text[87:160].strip())
        of the claim. H1, more daily sitting goes with weaker glutes: association
        """
        a = f"{alpha:g}".lstrip("0") or "0"
        parts = [f"The analysis followed {self.source}, with one primary hypothesis per link of "
                 f"the claim."]
        for i, h in enumerate(self.hypotheses, 1):
            low, high = h.equivalence_bounds(sesoi)
            item = (f"H{i}, {mid_sentence(h.link)}: {h.estimand}, by {h.analysis}, adjusted "
                    f"for {h.adjustment_words(why=True)}; equivalence bounds {_num(low)} to "
                    f"{_num(high)}" + ("" if h.primary else "; secondary, outside the primary "
                                       "family") + ".")
            if h.sensitivity:
                item += f" Sensitivity analyses: {'; '.join(h.sensitivity)}."
            parts.append(item)
        method = _METHOD_WORDS[self.multiplicity].format(
            alpha=f"alpha = {a}" if self.multiplicity == "fixed_sequence" else f"of {a}")
        n = len(self.primary)
        parts.append(
            f"The {n} primary hypotheses form one family, adjusted for multiplicity by {method}. "
            "Each primary result is also tested for equivalence by two one-sided tests against "
            f"its bounds, with the {100 * (1 - 2 * alpha):g} % interval, so that a result that is "
            "not significant says whether an effect of interest is ruled out (equivalent) or "
            "cannot be told from one (inconclusive). Every other p-value in the report is "
            "secondary and not adjusted.")
        return " ".join(parts)


def _num(x: float) -> str:
    return f"{x:.2f}"


def _variables() -> list[str]:
    from .codebook import ANALYSIS_LABELS, CODEBOOK

    return sorted({c.name for t in CODEBOOK.values() for c in t.columns} | set(ANALYSIS_LABELS))
_KEYS = ("multiplicity", "primary", "bounds", "adjust", "precision")


def analysis_plan(study: Any = None) -> AnalysisPlan:
    """The analysis plan of a study: the defaults, with the study's ``study.json`` overrides.

    Parameters
    ----------
    study : Study, mapping or None
        A :class:`~glute_study.Study` (its ``metadata["plan"]`` is read), the ``"plan"``
        object itself, or None for the package's defaults.

    Returns
    -------
    AnalysisPlan

    Raises
    ------
    InputError
        An unknown key or hypothesis, a multiplicity method the package does not have, bounds
        that are not two numbers either side of the null, an adjustment set that is not a list
        of analysis-table columns or holds the exposure or outcome.

    Examples
    --------
    >>> plan = analysis_plan({"primary": ["trial", "sitting_cramps"],
    ...                       "multiplicity": "fixed_sequence"})
    >>> [h.key for h in plan.primary]
    ['trial', 'sitting_cramps']
    >>> plan["sitting_cramps"].adjust, plan["sitting_cramps"].precision
    (('age', 'sex'), ('prior_cramps',))
    >>> analysis_plan({"bounds": {"trial": [1.2, 0.8]}})
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: study.json "plan" > "bounds" > "trial": [1.2, 0.8] are not ...
    """
    where = 'study.json "plan"'
    if study is None:
        raw: Mapping = {}
    elif isinstance(study, Mapping):
        raw = study
    else:
        raw = getattr(study, "metadata", {}).get("plan") or {}
    if not isinstance(raw, Mapping):
        raise InputError(f'{where}: expected an object with keys {", ".join(_KEYS)}; got '
                         f"{type(raw).__name__} {raw!r}.")
    for key in raw:
        if key not in _KEYS:
            raise InputError(f"{where}: unknown key {key!r}{_close(key, _KEYS)}; known: "
                             f"{', '.join(_KEYS)}.")
    hyps = dict(DEFAULT_HYPOTHESES)
    multiplicity = raw.get("multiplicity", "holm")
    if multiplicity not in MULTIPLICITY:
        raise InputError(f'{where} > "multiplicity": {multiplicity!r} is not a method; use one '
                         f"of {', '.join(MULTIPLICITY)}.")
    for key, bounds in _object(raw, "bounds", where).items():
        h = hyps[_hypothesis(key, f'{where} > "bounds"')]
        hyps[key] = replace(h, bounds=_bounds(bounds, h, f'{where} > "bounds" > "{key}"'))
    for key, cols in _object(raw, "adjust", where).items():
        h = hyps[_hypothesis(key, f'{where} > "adjust"')]
        hyps[key] = replace(h, adjust=_adjust(cols, h, f'{where} > "adjust" > "{key}"'),
                            adjust_source="the study's own plan in study.json")
    for key, cols in _object(raw, "precision", where).items():
        h = hyps[_hypothesis(key, f'{where} > "precision"')]
        hyps[key] = replace(h, precision=_adjust(cols, h, f'{where} > "precision" > "{key}"',
                                                 precision=True))
    order = list(hyps)
    if "primary" in raw:
        primary = raw["primary"]
        if (not isinstance(primary, list) or not primary
                or not all(isinstance(k, str) for k in primary)):
            raise InputError(f'{where} > "primary": expected a list of hypothesis names such as '
                             f'["trial", "sitting_cramps"]; got {primary!r}.')
        for k in primary:
            _hypothesis(k, f'{where} > "primary"')
        if len(set(primary)) != len(primary):
            raise InputError(f'{where} > "primary" names a hypothesis twice: {primary!r}.')
        order = primary + [k for k in hyps if k not in primary]
        hyps = {k: replace(hyps[k], primary=k in primary) for k in order}
    source = "the package's default plan" if not raw else \
        "the package's default plan as amended in the study's study.json"
    return AnalysisPlan(tuple(hyps[k] for k in order), multiplicity=multiplicity, source=source)


def _close(word: str, options) -> str:
    close = difflib.get_close_matches(word, list(options), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _object(raw: Mapping, key: str, where: str) -> Mapping:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        raise InputError(f'{where} > "{key}": expected an object keyed by hypothesis name; got '
                         f"{value!r}.")
    return value


def _hypothesis(key: str, where: str) -> str:
    if key not in DEFAULT_HYPOTHESES:
        raise InputError(f"{where}: unknown hypothesis {key!r}{_close(key, DEFAULT_HYPOTHESES)};"
                         f" the plan has {', '.join(DEFAULT_HYPOTHESES)}.")
    return key


def _bounds(value: object, h: Hypothesis, where: str) -> tuple[float, float]:
    null = _SCALES[h.scale]
    example = {"ratio": "[0.8, 1.25] (a rate ratio)", "correlation": "[-0.1, 0.1] (a "
               "correlation)", "difference": "[-0.2, 0.2] (in the outcome's unit)"}[h.scale]
    ok = (isinstance(value, list | tuple) and len(value) == 2
          and all(isinstance(v, int | float) and not isinstance(v, bool) and np.isfinite(v)
                  for v in value)
          and value[0] < null < value[1] and (h.scale != "ratio" or value[0] > 0)
          and (h.scale != "correlation" or (value[0] > -1 and value[1] < 1)))
    if not ok:
        raise InputError(f"{where}: {value!r} are not two numbers lower < {null:g} < upper; "
                         f"write them as {example}.")
    return (float(value[0]), float(value[1]))


def _adjust(value: object, h: Hypothesis, where: str, *, precision: bool = False
            ) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
        raise InputError(f"{where}: expected a list of analysis-table columns such as "
                         f'["age", "sex"]; got {value!r}.')
    for c in value:
        if not is_variable(c):
            raise InputError(f"{where}: {c!r} is not a variable of the codebook"
                             f"{_close(c, _variables())}.")
        if c in (h.exposure, h.outcome):
            raise InputError(f"{where}: {c!r} is the hypothesis' "
                             f"{'exposure' if c == h.exposure else 'outcome'}; an adjustment "
                             f"set holds other variables.")
    if len(set(value)) != len(value):
        raise InputError(f"{where} names a column twice: {value!r}.")
    if precision:
        from .causal import STUDY_DAG

        if h.exposure in STUDY_DAG.nodes:
            caused = [c for c in value if c in STUDY_DAG.descendants(h.exposure)]
            if caused:
                raise InputError(
                    f"{where}: {', '.join(map(repr, caused))} is caused by the exposure "
                    f"{h.exposure!r} in the study's causal diagram (a mediator or its "
                    "consequence); adjusting for it would take part of the effect away.")
    return tuple(value)
