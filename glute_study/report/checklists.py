"""Reporting checklists, each item pointed at the place in the report that answers it.

Every report writes ``checklists.md`` (and an appendix of ``manuscript.docx``) with one section
per reporting guideline that applies to the study:

* **STROBE-SIIS**, the STROBE extension for sport injury and illness surveillance (Bahr et al.
  2020, Br J Sports Med 54:372-389): always;
* **CONSORT 2010** (Schulz et al. 2010, BMJ 340:c332): when the study has a trial
  (``measures.randomised(analysis_table).any()``);
* **GRRAS**, reliability and agreement studies (Kottner et al. 2011, J Clin Epidemiol
  64:96-106): when strength was tested in two or more sessions;
* **AGReMA**, mediation analyses (Lee et al. 2021, JAMA 326:1045-1056): when the study has the
  strength (mediator), exposure and cramp (outcome) data a mediation analysis needs.

The items are data (:data:`CHECKLISTS`): a number, a short paraphrase of the item (the
guidelines' own wording is longer and copyrighted; read it in the papers before submitting),
and the rules (:class:`Look`) that find its answer in what the report recorded: the methods
sentences of each notebook, the result sentences, the recorded tables (their names, captions,
columns and cells) and figures, and the report's own files. An item nothing answers is
**not reported**, flagged; items only the authors can write (title, introduction, discussion,
registration, funding) say so. The places are found, never assumed: a report run on part of
the notebooks, or a notebook that stops recording a table, changes the checklist. Items numbers
follow the checklists as published (AGReMA's 25-item long form as paraphrased here); the
STROBE-SIIS additions are listed under the STROBE item they extend.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._escape import markdown_cell, markdown_text
from .._files import write_text
from .writers import NotebookReport, _labels

__all__ = ["CHECKLISTS", "Checklist", "Item", "Look", "checklist_tables", "evaluate",
           "study_design", "write_checklists"]

#: Where a :class:`Look` searches.
WHERE = ("data", "methods", "results", "tables", "figures", "software", "file")


@dataclass(frozen=True)
class Look:
    """One rule for finding an item's answer in the report.

    Parameters
    ----------
    where : {'data', 'methods', 'results', 'tables', 'figures', 'software', 'file'}
        ``methods``: a notebook's methods sentences; ``results``: a notebook's result
        sentences; ``tables``/``figures``: a recorded table's (figure's) name, caption and, for
        tables, cells; ``data``/``software``: those paragraphs of ``methods.md``; ``file``: a
        file of the report (``pattern`` is its name).
    pattern : str
        Regular expression searched, case-insensitive (``""`` matches anything).
    columns : tuple of str
        For tables: columns the table's CSV must all have (e.g. ``("ci_low", "ci_high")``).
    cells : bool
        For tables: search the CSV's cells too, not only the name and caption.
    """

    where: str
    pattern: str = ""
    columns: tuple[str, ...] = ()
    cells: bool = False

    def __post_init__(self) -> None:
        if self.where not in WHERE:
            raise ValueError(f"Look.where must be one of {WHERE}; got {self.where!r}.")
        re.compile(self.pattern)


@dataclass(frozen=True)
class Item:
    """A checklist item: its number, a short paraphrase, and the rules that find its answer.

    ``author`` marks an item that a generated report cannot answer (the title, the
    discussion...): it says which part of the paper the authors must write. ``conduct`` names
    the field of ``study.json`` "conduct" (:mod:`glute_study.conduct`) that answers it, which
    the checklist names when the item is not reported. ``also`` names the part of an item that
    the report answers only in part (the code and data, not the funding): the authors must
    write it even when the rest is found.
    """

    number: str
    text: str
    look: tuple[Look, ...] = ()
    author: str = ""
    conduct: str = ""
    also: str = ""


@dataclass(frozen=True)
class Checklist:
    """A reporting guideline: its name, reference, when it applies, and its items."""

    key: str
    name: str
    reference: str
    applies: Callable[[dict[str, Any]], bool]
    why: str
    items: tuple[Item, ...] = field(default_factory=tuple)


def _m(pattern: str) -> Look:
    return Look("methods", pattern)


def _r(pattern: str) -> Look:
    return Look("results", pattern)


def _t(pattern: str = "", *columns: str, cells: bool = False) -> Look:
    return Look("tables", pattern, tuple(columns), cells)


def _f(pattern: str = "") -> Look:
    return Look("figures", pattern)


_CI = _t("", "ci_low", "ci_high")
_FLOW = _t(r"\bflow\b")
_TABLE1 = _t(r"characteristics|table ?1\b")
_MISSING = (_t(r"\bmissing\b"), _t("", "missing"), _f(r"\bmissing\b"))
_DESIGN = r"\bcohort\b|randomi[sz]|prospective|\bthe trial\b|trial arms?"
#: How this study's size was arrived at (notebook 08's power curves plan the next study from
#: this one's data, so they do not answer it).
_SIZE = (r"sample size (of (the|this)|was)|study size|cohort's size|size of the (study|cohort|"
         r"trial)|(was|were) (chosen|calculated|planned) to detect")
#: A table or figure of incidence (or its ratio) in matches and in training apart.
_MATCH_TRAINING = (r"(per 1000 h|incidence|rate ratio)\b.*\bmatch(es)?\b.*\btraining|"
                   r"\bmatch(es)?\b.*\btraining\b.*per 1000 h")
_INTRO, _DISCUSSION, _FRONT, _OTHER = ("introduction", "discussion", "title page and abstract",
                                       "declarations (registration, protocol, funding)")

STROBE_SIIS = Checklist(
    key="strobe_siis", name="STROBE-SIIS",
    reference=("Bahr R, et al. International Olympic Committee consensus statement: methods for "
               "recording and reporting of epidemiological data on injury and illness in sport "
               "2020 (including STROBE-SIIS). Br J Sports Med 2020;54:372-389."),
    applies=lambda design: True, why="the study follows athletes for cramps in sport",
    items=(
        Item("1a", "Name the study design in the title or abstract", author=_FRONT),
        Item("1b", "Balanced abstract; sport, athletes (sex, age, region), level of play and "
             "duration of observation (SIIS-1.1, 1.2)", author=_FRONT),
        Item("2", "Scientific background and rationale", author=_INTRO),
        Item("3", "Objectives and pre-specified hypotheses; registration and purpose "
             "(SIIS-3.1, 3.2)", (_m(r"primary (hypothes|outcome|exposure|analys)|analysis plan|"
                                    r"pre-?specified"),)),
        Item("4", "Key elements of the design; which health problems were recorded, how, and "
             "how they were classified (SIIS-4.1 to 4.4)",
             (Look("data"), _m(_DESIGN))),
        Item("5", "Setting, locations and dates of recruitment, exposure and follow-up",
             (_t(r"\bsport\b", cells=True),
              _m(r"follow.?up (period|from|of|ran from)|recruit(ed|ment) (from|between|in)"))),
        Item("6a", "Eligibility, selection of participants and methods of follow-up",
             (_FLOW, _t(r"exclu"), _m(r"exclusion|eligib"))),
        Item("7", "Define outcomes, exposures, confounders and effect modifiers; cramp case "
             "definition; exposure as training and match hours",
             (_m(r"per 1000 h|exposure"), _m(r"adjusted for"))),
        Item("8", "Sources of data and methods of measurement for each variable",
             (_m(r"device|activpal|accelerom|\bhhd\b|dynamomet|self-report|\bemg\b|"
                 r"electromyograph"),)),
        Item("9", "Efforts to address sources of bias",
             (_m(r"\bbias\b|confound|e-value|sensitivity"),)),
        Item("10", "How the study size was arrived at", (_m(_SIZE),),
             author="methods (study size)"),
        Item("11", "How quantitative variables were handled; groupings chosen and why",
             (_m(r"tertile|spline|categor|per (additional|unit|sd\b)"),)),
        Item("12a", "Statistical methods, including control of confounding; how incidence, "
             "severity and burden were calculated",
             (_m(r"adjusted for|regression|model"), _m(r"per 1000 h"))),
        Item("12b", "Methods for subgroups and interactions",
             (_m(r"interaction|subgroup|effect modif|stratif"),)),
        Item("12c", "How missing data were addressed", (_m(r"\bmissing\b|imput|complete.case"),)),
        Item("12d", "How loss to follow-up was addressed",
             (_m(r"lost to follow|loss to follow|censor|withdr|drop.?out"),)),
        Item("12e", "Sensitivity analyses", (_m(r"sensitivity"),)),
        Item("13a", "Numbers of athletes at each stage of the study", (_FLOW,)),
        Item("13b", "Reasons for non-participation at each stage", (_t(r"exclu|reason"),)),
        Item("13c", "Flow diagram", (_f(r"\bflow\b|consort"),)),
        Item("14a", "Characteristics of the athletes", (_TABLE1,)),
        Item("14b", "Number of athletes with missing data for each variable", _MISSING),
        Item("14c", "Follow-up and exposure time (training and match hours)",
             (_t(r"", "exposure_h"), _r(r"events in [\d,]+ h"),
              _t(r"numbers at risk.*cumulative exposure"))),
        Item("15", "Outcome events: cramps and incidence per 1000 h",
             (_t(r"", "events"), _r(r"per 1000 h"))),
        Item("15 (SIIS)", "Incidence with match and training exposure apart",
             (_f(_MATCH_TRAINING), _t(_MATCH_TRAINING))),
        Item("15.1 (SIIS)", "Severity (time lost) and burden of the health problems",
             (_t(r"severity|time.loss|burden|days lost"), _f(r"severity|time lost|duration"),
              _r(r"severity|time lost|burden"))),
        Item("15.2 (SIIS)", "Prevalence of the health problems over the season",
             (_t(r"prevalence"), _f(r"prevalence"), _r(r"prevalence"))),
        Item("16a", "Unadjusted and adjusted estimates with their precision (95 % CI), and "
             "the confounders adjusted for", (_CI, _m(r"adjusted for"))),
        Item("16b", "Category boundaries of grouped continuous variables",
             (_t(r"tertile|boundar|cut.?off"),)),
        Item("16c", "Relative risks translated into absolute risk (rate differences)",
             (_r(r"per 1000 h \(rate difference"), _t(r"rate difference per 1000 h"))),
        Item("17", "Other analyses: subgroups, interactions, sensitivity analyses",
             (_t(r"sensitivity|interaction|subgroup"), _f(r"sensitivity"))),
        Item("18", "Key results with reference to the objectives", author=_DISCUSSION),
        Item("19", "Limitations, sources of bias and imprecision", author=_DISCUSSION),
        Item("20", "Cautious interpretation of the results", author=_DISCUSSION),
        Item("21", "Generalisability of the results", author=_DISCUSSION),
        Item("22", "Funding and the role of the funders", author=_OTHER),
    ),
)

_TRIAL = r"\bby arm\b|\barms?\b|glute.training"

CONSORT = Checklist(
    key="consort", name="CONSORT 2010",
    reference=("Schulz KF, Altman DG, Moher D, for the CONSORT Group. CONSORT 2010 statement: "
               "updated guidelines for reporting parallel group randomised trials. BMJ "
               "2010;340:c332."),
    applies=lambda design: bool(design.get("trial")), why="the study has a randomised trial",
    items=(
        Item("1a", "Identified as a randomised trial in the title", author=_FRONT),
        Item("1b", "Structured summary of design, methods, results and conclusions",
             author=_FRONT),
        Item("2a", "Scientific background and rationale", author=_INTRO),
        Item("2b", "Specific objectives or hypotheses",
             (_m(r"primary (hypothes|outcome)|hypothes"),)),
        Item("3a", "Trial design (e.g. parallel) and allocation ratio",
             (_m(r"randomi[sz]|parallel|allocat"),)),
        Item("3b", "Important changes to methods after the trial began", author=_OTHER),
        Item("4a", "Eligibility criteria for participants", (_FLOW, _t(r"exclu"))),
        Item("4b", "Settings and locations of data collection",
             (Look("data", r"\bsimulated\b|\bclubs?\b|\bsetting\b|\blocation|\bcountr|"
                           r"\brecruited\b"),), author="methods (setting and locations)"),
        Item("5", "The interventions of each group, in detail",
             (_m(r"intervention|programme|program\b|sessions? per week"),),
             conduct="trial.interventions"),
        Item("6a", "Pre-specified primary and secondary outcomes, how and when assessed",
             (_m(r"primary outcome was|primary outcome|secondary outcome"),)),
        Item("6b", "Changes to trial outcomes after the trial began", author=_OTHER),
        Item("7a", "How the sample size was determined", (_m(_SIZE),),
             author="methods (sample size)"),
        Item("7b", "Interim analyses and stopping guidelines", (_m(r"interim|stopping"),),
             conduct="trial.interim"),
        Item("8a", "Method used to generate the random allocation sequence",
             (_m(r"sequence|random number|computer-generated"),),
             conduct="trial.sequence"),
        Item("8b", "Type of randomisation; blocking and block size",
             (_m(r"\bblock|stratified randomi|cluster.randomi|randomi[sz]ed by team|"
                 r"type of randomi[sz]ation"),),
             conduct="trial.allocation"),
        Item("9", "Allocation concealment", (_m(r"conceal"),),
             conduct="trial.concealment"),
        Item("10", "Who generated the sequence, enrolled and assigned participants",
             (_m(r"\bimplementation:"),), author="methods (trial conduct)",
             conduct="trial.implementation"),
        Item("11a", "Blinding: who was blinded and how", (_m(r"blind|mask"),),
             conduct="trial.blinding"),
        Item("11b", "Similarity of interventions",
             (_m(r"similarity of the interventions"),), author="methods (trial conduct)",
             conduct="trial.similarity"),
        Item("12a", "Statistical methods to compare groups for primary and secondary outcomes",
             (_m(r"compared between arms by intention to treat|between arms|by arm|"
                 r"\barms?\b"),)),
        Item("12b", "Additional analyses (subgroups, adjusted analyses)",
             (_m(r"planned prognostic covariates|(\barms?\b).*(ancova|adjusted for|subgroup)|"
                 r"(ancova|adjusted for|subgroup).*\barms?\b"),)),
        Item("13a", "Numbers randomised, treated and analysed, per group (flow by arm)",
             (_t(r"participant flow by arm"), _f(r"flow by arm|consort"))),
        Item("13b", "Losses and exclusions after randomisation, per group, with reasons",
             (_t(r"participant flow by arm", "excluded", "reason"),
              _r(r"(without|marked) [^.]* left out \(\d+ in "))),
        Item("14a", "Dates of recruitment and follow-up", (_m(r"follow-up ran from"),),
             author=_OTHER),
        Item("14b", "Why the trial ended or was stopped", author=_OTHER),
        Item("15", "Baseline characteristics of each group (Table 1)",
             (_t(r"baseline characteristics by arm"),)),
        Item("16", "Number analysed in each group; by original assigned groups "
             "(intention to treat)", (_m(r"by intention to treat"),
                                      _t(r"participant flow by arm", "n"))),
        Item("17a", "Each outcome by group with the effect size and its precision (95 % CI)",
             (_t(r"primary outcome.*rate ratio", "ci_low", "ci_high"),
              _t(_TRIAL, "ci_low", "ci_high"), _t(r"outcomes by arm"))),
        Item("17b", "Binary outcomes: absolute and relative effect sizes",
             (_r(r"per 1000 h \(rate difference"), _t(r"rate difference per 1000 h"))),
        Item("18", "Results of other analyses (subgroups, adjusted analyses)",
             (_t(r"ancova|adjusted"),)),
        Item("19", "All important harms or unintended effects", (_r(r"harm|adverse"),),
             conduct="trial.harms"),
        Item("20", "Limitations", author=_DISCUSSION),
        Item("21", "Generalisability of the findings", author=_DISCUSSION),
        Item("22", "Interpretation consistent with the results", author=_DISCUSSION),
        Item("23", "Registration number and name of the registry", author=_OTHER),
        Item("24", "Where the full protocol can be accessed", author=_OTHER),
        Item("25", "Sources of funding and the role of funders", author=_OTHER),
    ),
)

_REL = r"reliab|icc|test-retest|bland|agreement"

GRRAS = Checklist(
    key="grras", name="GRRAS",
    reference=("Kottner J, et al. Guidelines for Reporting Reliability and Agreement Studies "
               "(GRRAS) were proposed. J Clin Epidemiol 2011;64:96-106."),
    applies=lambda design: design.get("strength_sessions", 0) >= 2,
    why="strength was tested in two or more sessions",
    items=(
        Item("1", "Say in the title or abstract that test-retest reliability or agreement was "
             "studied", author=_FRONT),
        Item("2", "Name and describe the measurement instrument",
             (_m(r"(hhd|dynamomet|hip extension).*(reliab|icc)|(reliab|icc).*(hhd|dynamomet)"),)),
        Item("3", "The population of subjects of interest", (_TABLE1,)),
        Item("4", "The population of raters (testers) of interest",
             (_m(r"\brater|tester|assessor|examiner"),),
             conduct="reliability.raters"),
        Item("5", "What is already known about the reliability and agreement", author=_INTRO),
        Item("6", "How the numbers of subjects, raters and repeated measurements were chosen",
             (_m(r"(sample size|power).*(reliab|icc)"),),
             conduct="reliability.sample_size"),
        Item("7", "How subjects and raters were sampled",
             (_m(r"(sampl|recruit).*(rater|tester)"),),
             conduct="reliability.sampling"),
        Item("8", "The measurement process: interval between sessions, blinding to earlier "
             "results", (_m(r"days? (apart|between)|interval between|retest interval"),)),
        Item("9", "Whether the measurements were made independently",
             (_m(r"independen[^.]*(rater|session|measure)|blind"),),
             conduct="reliability.independence"),
        Item("10", "The statistical analysis: the ICC model, type and definition; SEM, MDC",
             (_m(r"\bicc\b|intraclass|shrout|mcgraw"),)),
        Item("11", "Numbers of raters, subjects and repeated measurements actually included",
             (_r(r"\bk = \d+ sessions|\bn = \d+.*\bk = \d+"),)),
        Item("12", "Characteristics of the subjects and raters", (_TABLE1,)),
        Item("13", "Reliability and agreement estimates with their uncertainty (95 % CI)",
             (_t(_REL, "ci_low", "ci_high"),)),
        Item("14", "Practical relevance of the results (e.g. MDC against the effect of the "
             "trial)", (_r(r"(mdc|minimal detectable).*(trial|effect of)"),),
             ),
        Item("15", "Detailed results (e.g. per session and side, online)",
             (_t(_REL),)),
    ),
)

_MED = r"mediat|indirect|direct effect"

AGREMA = Checklist(
    key="agrema", name="AGReMA",
    reference=("Lee H, et al. A guideline for reporting mediation analyses of randomized trials "
               "and observational studies: the AGReMA statement. JAMA 2021;326:1045-1056."),
    applies=lambda design: bool(design.get("mediation")),
    why="the study has exposure, mediator (glute strength) and outcome (cramps) data",
    items=(
        Item("1", "Say in the title that mediation analyses were used", author=_FRONT),
        Item("2", "Abstract: the mediation objectives, methods, effects and conclusions",
             author=_FRONT),
        Item("3", "Background and rationale for studying the mechanism", author=_INTRO),
        Item("4", "Objectives and pre-specified mediation hypotheses",
             (_m(r"(primary|pre-?specified) (hypothes|analys).*mediat|mediation hypothes"),)),
        Item("5", "Study design of the source study (trial or cohort)",
             (Look("data"), _m(_DESIGN))),
        Item("6", "Registration and protocol of the mediation analysis", author=_OTHER),
        Item("7", "Eligibility and selection of participants", (_FLOW,)),
        Item("8", "The hypothesised causal model (a diagram) of exposure, mediator, outcome "
             "and confounders", (_m(r"causal (diagram|graph)|\bdag\b|directed acyclic"),
                                  _f(r"causal (diagram|graph)|\bdag\b|directed acyclic"))),
        Item("9", "Causal assumptions needed to identify the effects (no unmeasured "
             "confounding of each path, no mediator-outcome confounder affected by the "
             "exposure)", (_m(r"assum.*(confound|identif)|(sequential )?ignorab|no unmeasured"),)),
        Item("10", "Measurement of exposure, mediator and outcome, and their temporal order",
             (_m(r"(measured|assessed) (before|after)|temporal|time order|"
                 r"before the (outcome|follow)"),)),
        Item("11", "The effects of interest (natural direct and indirect, controlled direct)",
             (_m(r"natural (direct|indirect)|controlled direct"),)),
        Item("12", "Statistical methods: models for mediator and outcome, estimation of "
             "effects and intervals", (_m(r"(mediator|outcome) model|g-formula|bootstrap"),)),
        Item("13", "Confounders adjusted for, and how they were chosen",
             (_m(r"mediat.*adjusted for|adjusted for.*mediat"),)),
        Item("14", "Exposure-mediator interaction: whether it was assessed and how",
             (_m(r"interaction"),)),
        Item("15", "How missing data were handled", (_m(r"\bmissing\b|imput|complete.case"),)),
        Item("16", "Sensitivity analyses for unmeasured confounding and other assumptions",
             (_m(r"sensitivity|e-value"),)),
        Item("17", "Sample size or power for the mediation analysis",
             (_m(r"power.*mediat|mediat.*power"),)),
        Item("18", "Participant flow and numbers analysed", (_FLOW,)),
        Item("19", "Descriptive data of exposure, mediator and outcome", (_TABLE1, _t(r"descri"))),
        Item("20", "Exposure-mediator and mediator-outcome associations",
             (_t(r"sitting.*glute|glute.*sitting|partial correlation"),
              _t(r"negative binomial|rate ratio"))),
        Item("21", "Direct, indirect and total effects with their precision (95 % CI)",
             (_t(_MED, "ci_low", "ci_high"),)),
        Item("22", "Results of the sensitivity analyses",
             (_t(r"sensitivity"), _f(r"sensitivity|confounder"))),
        Item("23", "Interpretation, in the light of the assumptions", author=_DISCUSSION),
        Item("24", "Limitations, including untestable assumptions", author=_DISCUSSION),
        Item("25", "Funding, conflicts of interest and availability of data and code",
             (Look("file", r"provenance\.json"),), also="funding and conflicts of interest"),
    ),
)

#: The checklists, in the order they are written.
CHECKLISTS: tuple[Checklist, ...] = (STROBE_SIIS, CONSORT, GRRAS, AGREMA)


def study_design(study: Any) -> dict[str, Any]:
    """What decides which checklists apply: a trial, strength sessions, mediation data.

    Examples
    --------
    >>> from glute_study import simulate_study
    >>> d = study_design(simulate_study(n=40, seed=1))
    >>> d["trial"], d["strength_sessions"] >= 2, d["mediation"]
    (True, True, True)
    """
    from ..measures import randomised

    data = study.analysis_table()
    strength = study.strength
    sessions = int(strength["session"].nunique()) if "session" in strength and len(
        strength) else 0
    has = {name: len(study.tables[name]) > 0 for name in ("strength", "exposure", "cramps",
                                                           "sitting")}
    return {"trial": bool(randomised(data).any()) if "arm" in data else False,
            "strength_sessions": sessions,
            "mediation": has["strength"] and has["exposure"] and has["sitting"]}


@dataclass(frozen=True)
class _Place:
    order: tuple[int, int]
    text: str  # "results.md, 04 Cramp incidence (with Table 4.1)", "Table 4.1 (tables/...)"


class _Report:
    """What the report recorded, as the rules search it."""

    def __init__(self, reports: list[NotebookReport], out: Path, *, data: str,
                 software: str) -> None:
        self.reports = reports
        self.out = out
        self.data = data
        self.software = software
        self.labels = _labels(reports)
        self._csv: dict[str, tuple[list[str], str]] = {}

    def csv(self, entry: dict[str, Any]) -> tuple[list[str], str]:
        """The columns and the text of a recorded table's CSV."""
        name = next((f for f in entry["files"] if f.endswith(".csv")), "")
        if name not in self._csv:
            text = ""
            if name and (self.out / name).is_file():
                text = (self.out / name).read_text(encoding="utf-8")
            header = text.split("\n", 1)[0]
            self._csv[name] = ([c.strip().strip('"') for c in header.split(",")] if header
                               else list(entry.get("apa", {}).get("columns", [])), text)
        return self._csv[name]

    def find(self, look: Look) -> list[_Place]:
        rx = re.compile(look.pattern, re.IGNORECASE | re.DOTALL)
        places: list[_Place] = []
        if look.where in ("data", "software"):
            if rx.search(getattr(self, look.where)):
                heading = "Data" if look.where == "data" else "Software"
                places.append(_Place((-1 if heading == "Data" else 10**6, 0),
                                     f"methods.md, {heading}"))
            return places
        if look.where == "file":
            for path in sorted(self.out.iterdir()) if self.out.is_dir() else ():
                if path.is_file() and rx.fullmatch(path.name):
                    places.append(_Place((10**6, 1), path.name))
            return places
        for i, rep in enumerate(self.reports):
            if look.where == "methods":
                text = " ".join(dict.fromkeys(e.get("methods", "").strip() for e in rep.entries))
                if text.strip() and rx.search(text):
                    places.append(_Place((i, 0), f"methods.md, Statistical analysis: {rep.title}"))
                continue
            for j, e in enumerate(rep.entries):
                label = self.labels.get((rep.stem, e["name"]), "")
                if look.where == "results":
                    if e.get("text") and rx.search(e["text"]):
                        where = f" (with {label})" if label else ""
                        places.append(_Place((i, j), f"results.md, {rep.title}{where}"))
                elif look.where == "tables" and label.startswith("Table"):
                    columns, text = self.csv(e)
                    if not set(look.columns) <= set(columns):
                        continue
                    searched = [e["name"], e.get("caption", ""), text if look.cells else ""]
                    if rx.search(" ".join(searched)):
                        places.append(_Place((i, j), _entry_place(label, e)))
                elif look.where == "figures" and label.startswith("Figure") and rx.search(
                        e["name"] + " " + e.get("caption", "")):
                    places.append(_Place((i, j), _entry_place(label, e)))
        return places


def _entry_place(label: str, entry: dict[str, Any]) -> str:
    first = next((f for f in entry["files"] if f.endswith((".csv", ".svg"))), "")
    return f"{label} ({first})" if first else label


#: What an item's answer says when nothing in the report answers it.
NOT_REPORTED = "NOT REPORTED"


def evaluate(
    reports: list[NotebookReport], out: Path, *, design: dict[str, Any], data: str = "",
    software: str = "", max_places: int = 4,
) -> list[tuple[Checklist, list[tuple[Item, list[str]]]]]:
    """The checklists that apply to ``design``, each item with the places that answer it.

    An empty list of places means the item is not reported.

    Examples
    --------
    >>> rep = NotebookReport("04_x", "04 Cramps", entries=[{"name": "r", "kind": "text",
    ...     "text": "6 cramps per 1000 h.", "caption": "", "methods": "Adjusted for age.",
    ...     "files": []}])
    >>> found = evaluate([rep], Path("."), design={"trial": False})
    >>> [c.name for c, _ in found]
    ['STROBE-SIIS']
    >>> dict((i.number, p) for i, p in found[0][1])["15"]
    ['results.md, 04 Cramps']
    """
    report = _Report(reports, Path(out), data=data, software=software)
    results = []
    for checklist in CHECKLISTS:
        if not checklist.applies(design):
            continue
        items = []
        for item in checklist.items:
            found: dict[str, _Place] = {}
            for look in item.look:
                for place in report.find(look):
                    found.setdefault(place.text, place)
            ordered = [p.text for p in sorted(found.values(), key=lambda p: p.order)]
            if len(ordered) > max_places:
                ordered = [*ordered[:max_places], f"and {len(ordered) - max_places} more"]
            items.append((item, ordered))
        results.append((checklist, items))
    return results


def _answer(item: Item, places: list[str]) -> str:
    if places:
        rest = f"; {item.also}: for the authors to write" if item.also else ""
        return "; ".join(places) + rest
    how = ""
    if item.conduct:
        part, key = item.conduct.split(".")
        how = f'; state it in study.json "conduct" > "{part}" > "{key}"'
    if item.author:
        return f"{NOT_REPORTED}: for the authors to write ({item.author}){how}"
    return f"{NOT_REPORTED} in this report{how}"


def _summary(items: list[tuple[Item, list[str]]]) -> str:
    found = sum(bool(p) for _, p in items)
    authors = sum(not p and bool(i.author) for i, p in items)
    missing = len(items) - found - authors
    return (f"{found} of {len(items)} items are answered in this report; {missing} "
            f"{'is' if missing == 1 else 'are'} not reported although the analysis could "
            f"answer {'it' if missing == 1 else 'them'}, and {authors} "
            f"{'is' if authors == 1 else 'are'} for the authors to write.")


def write_checklists(
    evaluated: list[tuple[Checklist, list[tuple[Item, list[str]]]]], path: Path, *,
    design: dict[str, Any],
) -> Path:
    """Write ``checklists.md``: one section per checklist, one table row per item; the
    checklists that do not apply to ``design`` are named, with the reason."""
    skipped = [c for c in CHECKLISTS if not c.applies(design)]
    lines = ["# Reporting checklists", "",
             markdown_text("Each item of each reporting guideline that applies to this study, "
                           "with the place in this report that answers it (methods.md, "
                           "results.md, a table or figure, or a file), found from what the "
                           "notebooks recorded. Items marked NOT REPORTED are not answered by "
                           "this report; the item texts are short paraphrases, so read the "
                           "guidelines themselves before submitting."), ""]
    for checklist in skipped:
        lines += [markdown_text(f"{checklist.name} does not apply: it applies when "
                                f"{checklist.why}, and this study does not qualify."), ""]
    for checklist, items in evaluated:
        lines += [f"## {markdown_text(checklist.name)}", "", markdown_text(checklist.reference),
                  "", markdown_text(f"Applies because {checklist.why}. " + _summary(items)), "",
                  "| Item | Recommendation (paraphrased) | Where reported |",
                  "| --- | --- | --- |"]
        for item, places in items:
            answer = markdown_cell(_answer(item, places))
            if not places:
                answer = f"**{answer}**"
            lines.append(f"| {markdown_cell(item.number)} | {markdown_cell(item.text)} | "
                         f"{answer} |")
        lines.append("")
    return write_text(path, "\n".join(lines).rstrip() + "\n")


def checklist_tables(
    evaluated: list[tuple[Checklist, list[tuple[Item, list[str]]]]],
) -> list[tuple[str, str, Any]]:
    """The checklists as an appendix of the manuscript: (heading, paragraph, table) triples."""
    from .manuscript import Table

    out: list[tuple[str, str, Any]] = [(
        "Appendix: reporting checklists",
        "Where this report answers each item of the reporting guidelines that apply "
        "(checklists.md has the same lists).", None)]
    for k, (checklist, items) in enumerate(evaluated, start=1):
        rows = tuple((item.number, item.text, _answer(item, places)) for item, places in items)
        table = Table(f"A{k}", f"{checklist.name} checklist", ("Item", "Recommendation",
                                                                 "Where reported"), rows,
                      checklist.reference)
        out.append((checklist.name, f"Applies because {checklist.why}. " + _summary(items),
                    table))
    return out
