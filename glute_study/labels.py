"""Labels and units of variables, levels and model terms: the words a reader sees.

Tables, figures and sentences never show a column name (``sitting_h_day``) or a formula term
(``C(sex)[T.male]``); they ask this module. Labels and units come from the codebook: a study
table's :class:`~glute_study.codebook.Column` (``label``, ``unit``) and, for the derived measures
of the analysis table, :data:`~glute_study.codebook.ANALYSIS_LABELS`; level words from
:data:`~glute_study.codebook.LEVEL_LABELS`. A study can rename them in its ``study.json``::

    {"labels": {"sitting_h_day": {"label": "Sitting (activPAL)", "unit": "h/d"},
                "arm": {"levels": {"glute_training": "Hip-thrust programme"}},
                "team": "Club"}}

:func:`labels_of` reads that object (with clear errors), :func:`use_labels` makes it the labels
in force (the report's ``open_study`` does so for the study a notebook opens), and every function
here reads them.

Result tables keep their machine keys (``term`` as the formula names it): the labels are applied
where a table is shown (:mod:`glute_study.report.tables`), a figure drawn or a sentence written.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .codebook import ANALYSIS_LABELS, CODEBOOK, GROUP_PHRASES, LEVEL_LABELS
from .errors import InputError

__all__ = [
    "Label",
    "group_phrase",
    "in_words",
    "is_variable",
    "label",
    "labels_of",
    "level_label",
    "mid_sentence",
    "outcome_phrase",
    "term_label",
    "term_phrase",
    "unit_of",
    "use_labels",
    "using_labels",
    "word_list",
]


@dataclass(frozen=True)
class Label:
    """A study's own words for one variable: any of label, unit and level words."""

    label: str | None = None
    unit: str | None = None
    levels: tuple[tuple[str, str], ...] = ()


def _codebook_labels() -> dict[str, tuple[str, str | None]]:
    out: dict[str, tuple[str, str | None]] = {}
    for table in CODEBOOK.values():  # participants first: its columns name the analysis table's
        for col in table.columns:
            out.setdefault(col.name, (col.display_label, col.unit))
    out.update(ANALYSIS_LABELS)
    return out


_DEFAULTS = _codebook_labels()
_ACTIVE: dict[str, Label] = {}

#: Sentence subjects of continuous terms (the default labels); an overridden label, or another
#: column, reads "Each additional <unit> of <label>".
_PHRASES = {
    "sitting_h_day": "Each additional hour of daily sitting",
    "prolonged_sitting_h_day": "Each additional hour of daily prolonged sitting",
    "self_report_sitting_h_day": "Each additional self-reported hour of daily sitting",
    "breaks_per_sitting_h": "Each additional break per sitting hour",
    "glute_nm_kg": "Each additional Nm/kg of glute hip-extension torque",
    "glute_nm_kg_post": "Each additional Nm/kg of glute hip-extension torque at post-test",
    "glute_change": "Each additional Nm/kg of change in glute strength",
    "bridge_reps": "Each additional single-leg-bridge repetition",
    "glute_onset_delay_ms": "Each additional millisecond of glute onset delay",
    "glute_pct_mvic": "Each additional %MVIC of glute activation",
    "hamstring_pct_mvic": "Each additional %MVIC of hamstring activation",
    "glute_onset_delay_sd": "Each SD more glute minus hamstring onset delay",
    "age": "Each additional year of age",
    "prior_cramps": "A history of cramps",
    "prior_hamstring_injury": "A prior hamstring injury",
    "sitting_h_day_window": "Each additional hour of daily sitting over the preceding 7 days",
    "exposure_h_window": "Each additional hour of training and matches over the preceding 7 "
    "days",
    "training_h_window": "Each additional hour of training over the preceding 7 days",
    "match_h_window": "Each additional hour of matches over the preceding 7 days",
}

#: Contrasts that read without the variable's name ("Male vs female").
_SELF_EVIDENT = {"sex", "arm"}
#: How a level of a factor is named as a sentence subject ("Male sex (vs female)").
_NOUNS = {"sex": "{level} sex", "arm": "{level}", "sitting_tertile": "The {level} sitting tertile",
          "onset_order": "{level} onset"}
#: Row keys of result tables that are statistics, not variables.
_STAT_TERMS = {
    "Intercept": "Intercept",
    "bias": "Mean difference (bias)",
    "loa_lower": "Lower limit of agreement",
    "loa_upper": "Upper limit of agreement",
    "proportional_bias": "Proportional bias",
    "CV_pct": "CV (%)",
    "cv_pct": "CV (%)",
    "ICC1": "ICC(1)",
    "ICC2": "ICC(A,1)",
    "ICC3": "ICC(C,1)",
    "ICC1k": "ICC(k)",
    "ICC2k": "ICC(A,k)",
    "ICC3k": "ICC(C,k)",
    "proportion_mediated": "Proportion mediated",
    "non_linearity": "Non-linearity",
    "log_rank": "Log-rank test",
    "direct": "Direct effect",
    "indirect": "Indirect effect",
    "total": "Total effect",
    "adjusted_mean": "Adjusted mean",
    "hedges_g": "Hedges' g",
    "per_1000_h": "per 1000 h",
    "per_athlete": "per athlete",
    "rate_ratio": "rate ratio",
    "risk_ratio": "risk ratio",
    "overall": "Overall",
    "confounder_rr": "Confounder rate ratio",
    # count-model families, as the model-comparison table names its rows
    "poisson": "Poisson",
    "negbin": "Negative binomial",
    "zip": "Zero-inflated Poisson",
    "zinb": "Zero-inflated negative binomial",
    "hurdle_negbin": "Hurdle negative binomial",
}
_SINGULAR = {"years": "year", "days": "day", "repetitions": "repetition", "h": "hour",
             "ms": "millisecond", "min": "minute", "s": "second"}
_PER = {"years": "year", "days": "day", "repetitions": "repetition"}

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
#: A snake_case name (read with spaces); "_control" or "__init__" are typed text and stay.
_SNAKE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*")
_FACTOR = re.compile(
    r"^(?:C\(\s*)?([A-Za-z_][A-Za-z0-9_]*)"
    r"(?:\s*,\s*Treatment\(\s*(?:reference\s*=\s*)?['\"]?([^'\")]*)['\"]?\s*\))?[^)\[]*\)?"
    r"\[T\.(.+)\]$")
_SPLINE = re.compile(r"^(?:ns|cr|bs|cc)\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*,\s*df\s*=\s*(\d+)\s*\)"
                     r"(?:\[(\d+)\])?$")
_PAIR = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*) ~ ([A-Za-z_][A-Za-z0-9_]*)$")
_INDEXED = re.compile(
    r"^(mean|hedges_g|rate|difference|adjusted_rate|rate_difference)\[(.+)\]$")
_INDEXED_WORDS = {"mean": "Adjusted mean", "hedges_g": "Hedges' g", "rate": "Rate",
                  "difference": "Difference", "adjusted_rate": "Adjusted rate per 1000 h",
                  "rate_difference": "Rate difference per 1000 h"}


def _active(column: str) -> Label:
    return _ACTIVE.get(column, Label())


def is_variable(column: object) -> bool:
    """Whether ``column`` is a variable with a label (codebook, analysis table or the study's).

    Examples
    --------
    >>> is_variable("sitting_h_day"), is_variable("estimate")
    (True, False)
    """
    return isinstance(column, str) and (column in _DEFAULTS or _active(column).label is not None)


def word_list(items: list[str]) -> str:
    """Items as a sentence lists them: "age", "age and sex", "age, sex and previous cramping".

    Examples
    --------
    >>> word_list(["age", "sex", "previous cramping"])
    'age, sex and previous cramping'
    >>> word_list([])
    ''
    """
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def _humanise(name: str) -> str:
    """A snake_case name with spaces and a capital; any other text stays as it was typed."""
    if not _SNAKE.fullmatch(name):
        return name
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _lower_first(text: str) -> str:
    """``text`` with a lower-case first letter, unless it starts an acronym (HHD, ICC); the
    article "A" is a word, not an acronym."""
    if len(text) > 1 and text[0].isupper() and (text[1].islower() or text[:2] == "A "):
        return text[0].lower() + text[1:]
    return text


def mid_sentence(text: str) -> str:
    """``text`` for the middle of a sentence: a lower-case first letter unless it starts an
    acronym or a brand ("HHD", "activPAL" stay).

    Examples
    --------
    >>> mid_sentence("Glute training"), mid_sentence("HHD torque"), mid_sentence("activPAL")
    ('glute training', 'HHD torque', 'activPAL')
    """
    return _lower_first(str(text))


def unit_of(column: str) -> str | None:
    """The unit of ``column`` (``"h/day"``), or None for a count, a category or unknown.

    Examples
    --------
    >>> unit_of("glute_nm_kg"), unit_of("sex")
    ('Nm/kg', None)
    """
    override = _active(column)
    if override.unit is not None:
        return override.unit or None
    return _DEFAULTS.get(column, ("", None))[1]


def label(column: str, *, unit: bool = True, mid: bool = False) -> str:
    """What a reader calls ``column``: its label and, with ``unit``, the unit in brackets.

    Parameters
    ----------
    column : str
        A study-table or analysis-table column (or a column the study labels itself). An
        unknown name reads with spaces for underscores.
    unit : bool
        Add `` (unit)`` where the variable has one.
    mid : bool
        For the middle of a sentence: a lower-case first letter (not of an acronym).

    Examples
    --------
    >>> label("sitting_h_day")
    'Device-measured sitting (h/day)'
    >>> label("sitting_h_day", unit=False)
    'Device-measured sitting'
    >>> label("hamstring_cramps"), label("my_score"), label("glute_nm_kg", mid=True)
    ('Hamstring cramps', 'My score', 'glute strength (Nm/kg)')
    >>> with using_labels({"sitting_h_day": {"label": "Sitting (activPAL)", "unit": "h/d"}}):
    ...     label("sitting_h_day")
    'Sitting (activPAL) (h/d)'
    """
    column = str(column)
    text = _active(column).label or _DEFAULTS.get(column, (None, None))[0] or _humanise(column)
    u = unit_of(column) if unit else None
    text = _lower_first(text) if mid else text
    return f"{text} ({u})" if u else text


def level_label(column: str, value: object) -> str:
    """How a value of a categorical ``column`` reads (``"glute_training"`` -> ``"Glute
    training"``); other values read as typed, underscores as spaces (``"t02"`` stays).

    Examples
    --------
    >>> level_label("arm", "glute_training"), level_label("sex", "male"), level_label("x", "a_b")
    ('Glute training', 'Male', 'a b')
    """
    text = str(value)
    own = dict(_active(str(column)).levels)
    if text in own:
        return own[text]
    known = LEVEL_LABELS.get(str(column), {})
    if text in known:
        return known[text]
    if re.fullmatch(r"-?\d+(\.0)?", text) and str(column) in LEVEL_LABELS:
        return known.get(text.removesuffix(".0"), text)
    if not known and (word := _known_level(text)) is not None:  # a column of another name
        return word
    return text.replace("_", " ") if _SNAKE.fullmatch(text) else text


def group_phrase(column: str | None, value: object) -> str:
    """How a sentence names one group: the athletes (or sessions) with ``value`` of ``column``.

    From :data:`~glute_study.codebook.GROUP_PHRASES`; a level the study renamed in its
    ``study.json``, or a variable without a phrase, reads "the <level> group".

    Examples
    --------
    >>> group_phrase("sitting_tertile", "low"), group_phrase("arm", "glute_training")
    ('the lowest sitting tertile', 'the glute training arm')
    >>> group_phrase("session_type", "match"), group_phrase("team", "t02")
    ('matches', 'the t02 group')
    """
    text = str(value)
    phrase = GROUP_PHRASES.get(str(column)) if column is not None else None
    renamed = column is not None and text in dict(_active(str(column)).levels)
    word = _mid(level_label(column, text)) if column is not None else text.replace("_", " ")
    if isinstance(phrase, str):
        return phrase.format(level=word)
    if isinstance(phrase, dict) and text in phrase and not renamed:
        return phrase[text]
    return f"the {word} group"


def _levels_of(column: str) -> list[str]:
    levels = list(dict.fromkeys([*LEVEL_LABELS.get(column, {}), *dict(_active(column).levels)]))
    if column in ("prior_cramps", "prior_hamstring_injury"):
        return ["0", "1"]
    for table in CODEBOOK.values():
        for col in table.columns:
            if col.name == column and col.allowed:
                return list(col.allowed)
    return levels


def _reference(column: str, level: str, reference: str | None) -> str | None:
    if reference is not None:
        return str(reference)
    levels = _levels_of(column)
    if len(levels) == 2 and level in levels:
        return levels[1 - levels.index(level)]
    return None


def _mid(text: str) -> str:
    return _lower_first(text)


def _factor(term: str):
    m = _FACTOR.match(term)
    if not m:
        return None
    column, treatment, level = m.group(1), m.group(2), m.group(3)
    return column, level, treatment or None


def term_label(term: str, *, reference: str | None = None) -> str:
    """The row label of a model term: the variable's label with "per unit", or a contrast.

    Parameters
    ----------
    term : str
        A term as a result table names it: ``"sitting_h_day"``, ``"C(sex)[T.male]"``,
        ``"arm[T.glute_training]"``, ``"ns(sitting_h_day, df=3)"``, ``"a:b"``...
    reference : str, optional
        The reference level of a factor term; for a two-level variable it is the other level.

    Examples
    --------
    >>> term_label("sitting_h_day")
    'Device-measured sitting (per h/day)'
    >>> term_label("C(sex)[T.male]"), term_label("C(arm)[T.glute_training]")
    ('Male vs female', 'Glute training vs control')
    >>> term_label("C(sitting_tertile)[T.high]", reference="low")
    'Sitting tertile: high vs low'
    >>> term_label("age"), term_label("glute_nm_kg")
    ('Age (per year)', 'Glute strength (per Nm/kg)')
    >>> term_label("prior_cramps"), term_label("ns(sitting_h_day, df=3)")
    ('Previous cramping (yes vs no)', 'Device-measured sitting (natural spline, 3 df)')
    >>> term_label("rate_difference[glute_training]")
    'Rate difference per 1000 h: glute training vs control'
    """
    term = str(term)
    if term in _STAT_TERMS:
        return _STAT_TERMS[term]
    factor = _factor(term)
    if factor:
        column, level, treatment = factor
        ref = _reference(column, level, treatment or reference)
        lev = level_label(column, level)
        ref_text = "reference" if ref is None else _mid(level_label(column, ref))
        if column in _SELF_EVIDENT and _active(column).label is None:
            return f"{lev} vs {ref_text}"
        return f"{label(column, unit=False)}: {_mid(lev)} vs {ref_text}"
    if ":" in term and " " not in term and all(
            _IDENT.fullmatch(t) or _factor(t) for t in term.split(":")):
        return " \u00d7 ".join(term_label(t, reference=None) for t in term.split(":"))
    if is_variable(term):
        if term in ("prior_cramps", "prior_hamstring_injury"):
            return f"{label(term, unit=False)} (yes vs no)"
        u = unit_of(term)
        if u is None:
            return label(term)
        per = u if u.startswith("per ") else "per " + _PER.get(u, u)
        return f"{label(term, unit=False)} ({per})"
    m = _SPLINE.match(term)
    if m:
        basis = f", basis {int(m.group(3)) + 1}" if m.group(3) else ""
        return f"{label(m.group(1), unit=False)} (natural spline, {m.group(2)} df{basis})"
    m = _INDEXED.match(term)
    if m:
        words = f"{_INDEXED_WORDS[m.group(1)]}: {_mid(_level_anywhere(m.group(2)))}"
        if m.group(1) == "rate_difference":  # a contrast: name what it is against
            ref = reference if reference is not None else _other_level(m.group(2))
            if ref is not None:
                words += f" vs {_mid(_level_anywhere(ref))}"
        return words
    pair = _PAIR.match(term)
    if pair:
        return f"{in_words(pair.group(1))} and {_mid(in_words(pair.group(2)))}"
    return in_words(term)


def _other_level(value: str) -> str | None:
    """The other level of the one two-level labelled variable that has ``value`` as a level."""
    owners = {col for col, words in LEVEL_LABELS.items() if value in words}
    if len(owners) != 1:
        return None
    (column,) = owners
    return _reference(column, value, None)


def _level_anywhere(value: str) -> str:
    """A level word when ``value`` is a level of exactly one labelled variable."""
    word = _known_level(value)
    if word is not None:
        return word
    return _humanise(value) if "_" in value else value


def _known_level(value: str) -> str | None:
    hits = {words[value] for words in LEVEL_LABELS.values() if value in words}
    hits |= {dict(own.levels)[value] for own in _ACTIVE.values() if value in dict(own.levels)}
    return hits.pop() if len(hits) == 1 else None


def in_words(text: object) -> str:
    """Text with the variable names and level codes in it read as words, without units.

    A lone unknown identifier reads with spaces for underscores; in longer text only known
    variable names written as code (snake_case, with an underscore) and level codes are
    replaced: a plain word that happens to name a column (``value``, ``trial``) is English in a
    sentence, and ``True``/``False`` are Python's; they stay as typed, as does a person's text.

    Examples
    --------
    >>> in_words("sitting_h_day rate ratio"), in_words("glute_training - control")
    ('Device-measured sitting rate ratio', 'Glute training - control')
    >>> in_words("my_score"), in_words("50% of a_b")
    ('My score', '50% of a_b')
    >>> in_words("dropped 3 rows with a missing value (sitting_h_day: 3); observed=False")
    'dropped 3 rows with a missing value (device-measured sitting: 3); observed=False'
    >>> in_words("glute strength at post-test")  # a hyphenated word is a word
    'glute strength at post-test'
    """
    text = str(text)
    if _IDENT.fullmatch(text):
        if is_variable(text):
            return label(text, unit=False)
        return _level_anywhere(text)

    def swap(m: re.Match) -> str:
        token = m.group(0)
        if "_" not in token and (is_variable(token) or token in ("True", "False")):
            return token  # a plain word that names a column ("value"), or Python's bool
        if text[m.start() - 1:m.start()] == "-" or text[m.end():m.end() + 1] == "-":
            return token  # part of a hyphenated word ("post-test", "hamstring-cramp")
        if is_variable(token):
            word = label(token, unit=False)
        else:
            word = _known_level(token)
            if word is None:
                return token
        return word if m.start() == 0 else _mid(word)

    return _IDENT.sub(swap, text)


def term_phrase(term: str, *, reference: str | None = None) -> str:
    """The subject of a sentence about a term: "Each additional hour of daily sitting", "Male
    sex (vs female)".

    Examples
    --------
    >>> term_phrase("sitting_h_day")
    'Each additional hour of daily sitting'
    >>> term_phrase("C(sex)[T.male]"), term_phrase("arm[T.glute_training]")
    ('Male sex (vs female)', 'Glute training (vs control)')
    >>> term_phrase("C(sitting_tertile)[T.high]", reference="low")
    'The high sitting tertile (vs low)'
    >>> term_phrase("bridge_reps"), term_phrase("sessions")
    ('Each additional single-leg-bridge repetition', 'Each additional session')
    >>> term_phrase("my_score")
    'Each one-unit increase in my score'
    """
    term = str(term)
    factor = _factor(term)
    if factor:
        column, level, treatment = factor
        ref = _reference(column, level, treatment or reference)
        lev = level_label(column, level)
        if column in _NOUNS and _active(column).label is None:
            subject = _NOUNS[column].format(level=_mid(lev) if _NOUNS[column][0] != "{"
                                            else lev)
        else:
            subject = f"{label(column, unit=False)} {_mid(lev)}"
        ref_text = "the reference level" if ref is None else _mid(level_label(column, ref))
        return f"{subject[:1].upper()}{subject[1:]} (vs {ref_text})"
    if term in _PHRASES and not _active(term).label and not _active(term).unit:
        return _PHRASES[term]
    if is_variable(term):
        u = unit_of(term)
        name = _mid(label(term, unit=False))
        if u is None:
            singular = name[:-1] if name.endswith("s") else name
            return f"Each additional {singular}"
        if u.startswith("per "):
            return f"Each one-unit increase in {name} ({u})"
        return f"Each additional {_SINGULAR.get(u, u)} of {name}"
    return f"Each one-unit increase in {_mid(term_label(term))}"


_OUTCOMES = {"hamstring_cramps": "hamstring-cramp", "cramps": "cramp", "event": "cramp"}


def outcome_phrase(outcome: str) -> str:
    """How a sentence names an outcome before "rate" or "hazard": "hamstring-cramp rate".

    Examples
    --------
    >>> outcome_phrase("hamstring_cramps"), outcome_phrase("calf_cramps")
    ('hamstring-cramp', 'calf cramps')
    """
    outcome = str(outcome)
    if outcome in _OUTCOMES and not _active(outcome).label:
        return _OUTCOMES[outcome]
    return _mid(label(outcome, unit=False))


def labels_of(source: Mapping | None) -> dict[str, Label]:
    """A study's own labels, from the ``"labels"`` object of its ``study.json``.

    Parameters
    ----------
    source : mapping or Study
        The ``labels`` object itself (column -> label text, or column -> ``{"label", "unit",
        "levels"}``), a mapping holding it under ``"labels"`` (the parsed ``study.json``), or
        a :class:`~glute_study.Study` (its metadata's ``labels``; none is no labels).

    Raises
    ------
    InputError
        An entry that is not text or such an object, or an unknown key in one: the message names
        the column and what was found.

    Examples
    --------
    >>> own = labels_of({"labels": {"team": "Club", "arm": {"levels": {"control": "Usual care"}}}})
    >>> own["team"].label, own["arm"].levels
    ('Club', (('control', 'Usual care'),))
    """
    if source is None:
        return {}
    if hasattr(source, "metadata"):
        source = {"labels": (source.metadata or {}).get("labels") or {}}
    if not isinstance(source, Mapping):
        raise InputError(f"labels must be an object of column -> label; got "
                         f"{type(source).__name__}.")
    if "labels" in source and not isinstance(source.get("labels"), str):
        source = source["labels"] or {}
        if not isinstance(source, Mapping):
            raise InputError("study.json: \"labels\" must be an object of column -> label "
                             f"(text or {{\"label\", \"unit\", \"levels\"}}); got "
                             f"{type(source).__name__}.")
    out: dict[str, Label] = {}
    for column, entry in source.items():
        where = f"study.json labels, column {column!r}"
        if isinstance(entry, str):
            out[str(column)] = Label(label=entry.strip() or None)
            continue
        if not isinstance(entry, Mapping):
            raise InputError(f"{where}: a label is text or an object with \"label\", \"unit\" "
                             f"and \"levels\"; got {type(entry).__name__}.")
        extra = sorted(set(map(str, entry)) - {"label", "unit", "levels"})
        if extra:
            raise InputError(f"{where}: unknown key(s) {', '.join(extra)}; the keys are label, "
                             "unit and levels.")
        for key in ("label", "unit"):
            if entry.get(key) is not None and not isinstance(entry[key], str):
                raise InputError(f"{where}: {key} must be text; got {entry[key]!r}.")
        levels = entry.get("levels") or {}
        if not isinstance(levels, Mapping) or not all(isinstance(v, str) for v in levels.values()):
            raise InputError(f"{where}: levels must be an object of value -> text; got "
                             f"{levels!r}.")
        out[str(column)] = Label(label=(entry.get("label") or "").strip() or None,
                                 unit=entry.get("unit"),
                                 levels=tuple((str(k), v) for k, v in levels.items()))
    return out


def use_labels(labels: Mapping | Any) -> dict[str, Label]:
    """Put a study's labels in force (replacing any before); return those that were.

    ``labels`` is what :func:`labels_of` reads (a study, its metadata or a ``labels`` object);
    None or ``{}`` goes back to the codebook's labels.

    Examples
    --------
    >>> before = use_labels({"team": "Club"})
    >>> label("team")
    'Club'
    >>> _ = use_labels(before)
    >>> label("team")
    'Team'
    """
    previous = dict(_ACTIVE)
    if isinstance(labels, Mapping) and labels and all(isinstance(v, Label)
                                                      for v in labels.values()):
        new = dict(labels)
    else:
        new = labels_of(labels)
    _ACTIVE.clear()
    _ACTIVE.update(new)
    return previous


@contextlib.contextmanager
def using_labels(labels: Mapping | None) -> Iterator[None]:
    """Labels in force inside a ``with`` block only (see :func:`use_labels`).

    Examples
    --------
    >>> with using_labels({"sex": {"levels": {"male": "Men", "female": "women"}}}):
    ...     term_label("C(sex)[T.male]")
    'Men vs women'
    """
    previous = use_labels(labels)
    try:
        yield
    finally:
        use_labels(previous)
