"""How the study was run: what its data tables cannot say.

A trial's tables hold the arm of each athlete but not how the allocation sequence was made,
whether it was concealed, who was blinded or what the training programme was; a reliability
study's tables hold the sessions but not how the testers were chosen or whether each test was
made without sight of the last. Reporting guidelines ask for all of it (CONSORT 2010 items 5,
7b, 8a, 8b, 9, 10, 11a, 11b and 19; GRRAS items 4, 6, 7 and 9), so a study states it in its
``study.json``, under ``"conduct"``::

    {"conduct": {
        "trial": {
            "interventions": {"glute_training": "Three 20-min sessions a week ...",
                              "control": "Usual team training."},
            "sequence": "Computer-generated random numbers (R 4.3, set.seed 11).",
            "allocation": "1:1 in permuted blocks of 4, stratified by team.",
            "concealment": "Sequentially numbered opaque sealed envelopes.",
            "implementation": "A statistician not involved in recruitment ...",
            "blinding": "Testers were blinded to arm; athletes could not be.",
            "similarity": "Both arms trained at the same times ...",
            "interim": "No interim analysis was planned.",
            "harms": "No adverse events were reported."},
        "reliability": {
            "raters": "One physiotherapist with five years of HHD experience.",
            "sample_size": "At least 50 athletes for an ICC of 0.90 +- 0.05 ...",
            "sampling": "Consecutive athletes of the first two teams ...",
            "independence": "The tester did not see the earlier result."}}}

Each field is one or more sentences, written by the authors and put in the report's methods as
they are (escaped like everything else a person typed); ``harms`` goes to the results.
:func:`study_conduct` reads and checks them. For a simulated study (one with the simulator's
truth) it describes what the simulator did, field by field, unless the study says otherwise:
the data are made by a program, so "not applicable" is the honest answer for concealment and
blinding. A field nobody stated is left out, and the report's checklist flags the item it
answers as not reported.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .errors import InputError
from .measures import follow_up_window

__all__ = ["FIELDS", "Conduct", "study_conduct"]

#: The fields of each part of ``study.json`` "conduct", with the checklist item each answers.
FIELDS: dict[str, dict[str, str]] = {
    "trial": {
        "interventions": "CONSORT 5: the interventions of each arm, in detail",
        "sequence": "CONSORT 8a: how the random allocation sequence was generated",
        "allocation": "CONSORT 8b: type of randomisation (ratio, blocks, strata)",
        "concealment": "CONSORT 9: how the allocation was concealed until assignment",
        "implementation": "CONSORT 10: who generated the sequence, enrolled and assigned",
        "blinding": "CONSORT 11a: who was blinded after assignment, and how",
        "similarity": "CONSORT 11b: how alike the interventions were",
        "interim": "CONSORT 7b: interim analyses and stopping guidelines",
        "harms": "CONSORT 19: harms or unintended effects in each arm (a result)",
    },
    "reliability": {
        "raters": "GRRAS 4: who tested (number, training, experience)",
        "sample_size": "GRRAS 6: how the numbers of athletes, testers and sessions were chosen",
        "sampling": "GRRAS 7: how athletes and testers were sampled",
        "independence": "GRRAS 9: whether each test was made without knowing the others",
    },
}

# The words put before each field in the methods (the field's text follows as written).
_LEAD = {
    "interventions": "Interventions",
    "sequence": "Allocation sequence",
    "allocation": "Type of randomisation",
    "concealment": "Allocation concealment",
    "implementation": "Implementation",
    "blinding": "Blinding",
    "similarity": "Similarity of the interventions",
    "interim": "Interim analyses and stopping",
    "harms": "Harms",
    "raters": "Testers (raters)",
    "sample_size": "Sample size of the reliability study",
    "sampling": "Sampling of athletes and testers",
    "independence": "Independence of the measurements",
}


@dataclass(frozen=True)
class Conduct:
    """What a study says about how it was run (see the module's description).

    Attributes
    ----------
    trial, reliability : dict of str to str
        The stated fields of each part (``interventions`` already joined into one text).
    source : dict of str to str
        For each stated field, ``"study.json"`` or ``"simulator"``.
    """

    trial: dict[str, str] = field(default_factory=dict)
    reliability: dict[str, str] = field(default_factory=dict)
    source: dict[str, str] = field(default_factory=dict)

    def methods_text(self, part: str, *, participants: pd.DataFrame | None = None) -> str:
        """The methods paragraph of ``part`` ("trial" or "reliability"): one labelled sentence
        per stated field, in checklist order, ``harms`` left for :meth:`harms_text`; with
        ``participants`` (the codebook table of the athletes concerned), the dates their
        follow-up ran (CONSORT 14a), which the data do say.

        Examples
        --------
        >>> c = study_conduct({"conduct": {"trial": {"blinding": "Testers were blinded.",
        ...                                          "sequence": "Random numbers."}}})
        >>> c.methods_text("trial")
        'Allocation sequence: Random numbers. Blinding: Testers were blinded.'
        >>> c.methods_text("reliability")
        ''
        >>> people = pd.DataFrame({"participant_id": ["a", "b"],
        ...     "follow_up_start": pd.to_datetime(["2025-01-06", "2025-01-13"]),
        ...     "follow_up_end": pd.to_datetime(["2025-06-22", "2025-06-29"])})
        >>> c.methods_text("reliability", participants=people)
        'Follow-up ran from 6 January 2025 to 29 June 2025 (first day of the earliest athlete ...'
        """
        stated = getattr(self, _part(part))
        text = [f"{_LEAD[k]}: {_sentence(stated[k])}" for k in FIELDS[part]
                if k in stated and k != "harms"]
        if participants is not None:
            window = follow_up_window(participants).dropna()
            if len(window):
                last = window["end"].max() - pd.Timedelta(days=1)
                text.append(f"Follow-up ran from {_date(window['start'].min())} to "
                            f"{_date(last)} (first day of the earliest athlete to last day of "
                            "the latest; recruitment dates are not in the data).")
        return " ".join(text)

    def harms_text(self) -> str:
        """The stated harms, as a results sentence (``""`` when nobody stated them).

        Examples
        --------
        >>> study_conduct({"conduct": {"trial": {"harms": "none reported"}}}).harms_text()
        'Harms: none reported.'
        """
        return f"Harms: {_sentence(self.trial['harms'])}" if "harms" in self.trial else ""

    def missing(self, part: str) -> list[str]:
        """The fields of ``part`` nobody stated, each with the checklist item it answers.

        Examples
        --------
        >>> study_conduct({}).missing("reliability")[0]
        'raters (GRRAS 4: who tested (number, training, experience))'
        """
        stated = getattr(self, _part(part))
        return [f"{k} ({what})" for k, what in FIELDS[part].items() if k not in stated]


def _date(day: pd.Timestamp) -> str:
    return f"{day.day} {day:%B %Y}"


def _part(part: str) -> str:
    if part not in FIELDS:
        raise InputError(f"the part of the study's conduct must be one of {sorted(FIELDS)}; "
                         f"got {part!r}.")
    return part


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1] in ".!?" else text + "."


def study_conduct(study: Any = None) -> Conduct:
    """What the study says about how it was run, checked; the simulator's account for simulated
    data.

    Parameters
    ----------
    study : Study, dict or None
        A :class:`~glute_study.Study` (its ``metadata`` is read), the ``study.json`` content
        itself, or None (nothing stated).

    Returns
    -------
    Conduct

    Raises
    ------
    InputError
        When ``"conduct"`` or a part of it is not an object, a field is unknown (the message
        names the closest known one) or a text is empty or not a string.

    Examples
    --------
    >>> c = study_conduct({"conduct": {"trial": {"concealment": "Sealed envelopes"}}})
    >>> c.trial
    {'concealment': 'Sealed envelopes'}
    >>> study_conduct({"conduct": {"trial": {"blinded": "yes"}}})
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: study.json "conduct" > "trial" has no field 'blinded' (did ...
    >>> sim = study_conduct({"truth": {"trial": True, "design": "individual", "seed": 7}})
    >>> sim.source["blinding"], sim.trial["blinding"].startswith("Not applicable")
    ('simulator', True)
    """
    metadata = getattr(study, "metadata", study) or {}
    if not isinstance(metadata, Mapping):
        raise InputError("the study's metadata must be a JSON object; got "
                         f"{type(metadata).__name__}.")
    raw = metadata.get("conduct", {})
    where = 'study.json "conduct"'
    if not isinstance(raw, Mapping):
        raise InputError(f'{where} must be an object with "trial" and/or "reliability"; got '
                         f"{raw!r}.")
    for key in raw:
        if key not in FIELDS:
            raise InputError(f"{where} has no part {key!r}{_close(key, FIELDS)}; the parts are: "
                             f"{', '.join(FIELDS)}.")
    parts: dict[str, dict[str, str]] = {}
    source: dict[str, str] = {}
    simulated = _simulated(metadata.get("truth"))
    for part, fields in FIELDS.items():
        stated = dict(simulated.get(part, {}))
        source.update(dict.fromkeys(stated, "simulator"))
        given = raw.get(part, {})
        if not isinstance(given, Mapping):
            raise InputError(f'{where} > "{part}" must be an object of texts; got {given!r}.')
        for key, value in given.items():
            if key not in fields:
                raise InputError(f'{where} > "{part}" has no field {key!r}{_close(key, fields)}; '
                                 f"the fields are: {', '.join(fields)}.")
            stated[key] = _text(value, f'{where} > "{part}" > "{key}"', arms=key == "interventions")
            source[key] = "study.json"
        parts[part] = stated
    return Conduct(trial=parts["trial"], reliability=parts["reliability"], source=source)


def _close(word: str, options) -> str:
    near = difflib.get_close_matches(str(word), list(options), n=1)
    return f" (did you mean {near[0]!r}?)" if near else ""


def _text(value: object, where: str, *, arms: bool) -> str:
    if arms and isinstance(value, Mapping):
        from .labels import level_label

        if not value:
            raise InputError(f"{where} is empty; describe each arm's intervention.")
        texts = [f"{level_label('arm', str(arm))}: {_text(v, f'{where} > {arm!r}', arms=False)}"
                 for arm, v in value.items()]
        return "; ".join(t.rstrip(".") for t in texts)
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where} must be a non-empty text (one or more sentences); got "
                         f"{value!r}.")
    return value.strip()


def _simulated(truth: object) -> dict[str, dict[str, str]]:
    """The simulator's account of how it 'ran' the study (its truth says what it did)."""
    if not isinstance(truth, Mapping):
        return {}
    seed = truth.get("seed")
    made = ("the data are simulated" + (f" (seed {seed})" if seed is not None else ""))
    out: dict[str, dict[str, str]] = {"reliability": {
        "raters": f"Not applicable: {made}; simulated testing has no tester, and its error is "
                  "the simulator's trial-to-trial variation of force.",
        "sampling": f"Not applicable: {made}; every simulated athlete was tested.",
        "sample_size": f"Not applicable: {made}; the cohort's size"
                       + (f" (n = {truth['n']})" if truth.get("n") is not None else "")
                       + " was set when the data were simulated, not by a calculation for "
                         "the reliability study.",
        "independence": "Each simulated test was drawn independently of the others, given "
                        "the athlete's true strength.",
    }}
    if truth.get("trial"):
        design = truth.get("design", "individual")
        unit = "whole teams (cluster randomisation), half of them to each arm" \
            if design == "cluster" else "athletes, exactly half to each arm"
        gain = truth.get("training_gain_nm_kg")
        effect = (f" (it raised true hip-extension strength by {gain:g} Nm/kg on average, "
                  "building up until the post-test at mid-follow-up, and the hamstring-cramp "
                  "rate fell with each athlete's gain)"
                  if isinstance(gain, int | float) else "")
        out["trial"] = {
            "interventions": "Glute training and control were simulated, not delivered: the "
                             f"simulator assigned the arm and its effects{effect}.",
            "sequence": "A random permutation drawn by the simulator's random-number generator "
                        f"(NumPy PCG64{', seed ' + str(seed) if seed is not None else ''}).",
            "allocation": f"1:1 allocation of {unit}, by one random permutation (a single "
                          "block of the whole cohort), without strata.",
            "concealment": f"Not applicable: {made}.",
            "implementation": f"Not applicable: {made}.",
            "blinding": f"Not applicable: {made}.",
            "similarity": f"Not applicable: {made}.",
            "interim": "None: the simulated trial had no interim analysis or stopping rule.",
            "harms": "None simulated: the simulator draws no adverse events; cramps, the "
                     "outcome, are the only health problems in the data.",
        }
    return out
