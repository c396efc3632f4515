"""The codebook: the one source of truth for study tables, columns, types, units and ranges.

Every loader, validator, simulator and the generated codebook page read these definitions; nothing
else in the package spells a column's type or range. A study is a folder with one file per table
(``participants.csv``, ``sitting.csv``, ...; ``.xlsx`` and ``.parquet`` also work).

Ranges come in two strengths. ``minimum``/``maximum`` are hard limits: a value outside is an
error (sitting over 24 h a day cannot be). ``warn_below``/``warn_above`` are plausibility limits: a
value outside is kept but reported as a warning, with a hint where a unit mix-up is the likely
cause (body mass in pounds, force in kilogram-force).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

__all__ = [
    "ANALYSIS_LABELS",
    "BASELINE_COLUMNS",
    "CODEBOOK",
    "DEVICE_INSTRUMENTS",
    "HAMSTRING_MUSCLES",
    "LEVEL_LABELS",
    "EXCEL_ERRORS",
    "FOLLOW_UP_COLUMNS",
    "MISSING_CODES",
    "MISSING_NUMBERS",
    "SITTING_BASELINE_COLUMNS",
    "Column",
    "Misread",
    "Table",
    "codebook_markdown",
]

#: Column types understood by the loader.
DTYPES = ("string", "category", "integer", "number", "boolean", "date", "datetime")

#: Spellings read as a missing value in every column, compared after trimming and ignoring case.
#: An empty cell is missing without a word; the others look deliberate, so the loader reports each
#: spelling once per column (first line and count). They are never a category or a value, even in
#: free-text columns; in a column that may not be missing they are the usual error, naming the
#: code. ``#N/A`` is Excel's "not available" (typed as NA(), or a lookup that found nothing).
MISSING_CODES = (
    "", "na", "n/a", "n.a.", "n.a", "#n/a", "nan", "null", "none", "nil", ".", "-", "--",
    "---", "\u2013", "\u2014", "?", "??", "missing", "not available", "not applicable", "n/k",
    "#na", "(blank)",
)

#: Excel's other error values are errors, not missing values: a formula that should have given a
#: value failed (a division by zero, a deleted reference...), so a value was lost, and reading it
#: as missing would hide that. LibreOffice writes them as ``Err:502`` and the like.
EXCEL_ERRORS = (
    "#null!", "#div/0!", "#value!", "#ref!", "#name?", "#num!", "#spill!", "#calc!",
    "#getting_data", "#field!", "#blocked!", "#connect!", "#busy!", "#unknown!", "#external!",
    "#python!",
)

#: Numbers used as missing-value codes (SPSS and questionnaire habits). In a numeric column such
#: a value is read as missing (with a warning) when it lies outside the column's plausible range,
#: and kept with a warning when it could be real (999 N of force). In text columns other than
#: identifiers, and in category, boolean and date columns, it is always a missing-value code.
MISSING_NUMBERS = (-99999, -9999, -999, -99, 999, 9999, 99999)

#: Kilograms in a pound (avoirdupois).
POUND_KG = 0.45359237

#: Body mass index (kg/m²) plausible for athletes; outside it the loader warns that body mass or
#: height may be in another unit, giving the pounds reading. Heavy throwers and rugby forwards
#: reach the mid 30s and lean endurance runners 15-16; 132 lb typed as kg at 175 cm is BMI 43.
BMI_PLAUSIBLE = (14.0, 37.0)


@dataclass(frozen=True)
class Misread:
    """A unit a value of a column is often typed in by mistake.

    Parameters
    ----------
    unit : str
        The unit typed by mistake (``lb``, ``m``, ``h``...).
    factor : float
        Multiply a value in ``unit`` by this to get the column's unit.
    below, above : float, optional
        When the median of one participant's values (or of the whole column) lies below
        ``below`` or above ``above`` (in the column's unit), and reading it as ``unit`` brings it
        into the plausible range, the loader warns that the values look like ``unit``. Without
        them the misread is only offered as a reading of single values outside the range.

    Examples
    --------
    >>> Misread("h", 60, below=5).factor
    60
    """

    unit: str
    factor: float
    below: float | None = None
    above: float | None = None


@dataclass(frozen=True)
class Column:
    """One column of a study table.

    Parameters
    ----------
    name : str
        Column name, snake_case, spelled the same in every table.
    dtype : str
        One of ``string, category, integer, number, boolean, date, datetime``.
    description : str
        What the column holds, for the codebook page.
    unit : str, optional
        Unit of measurement (``h``, ``kg``, ``N``...).
    required : bool
        Whether the column must be present in the file.
    nullable : bool
        Whether a value may be missing (empty, or a code in :data:`MISSING_CODES`).
    allowed : tuple of str, optional
        Allowed values of a ``category`` column, stored as spelled here; a value equal to one
        but for case or spacing is read as it, with a warning.
    minimum, maximum : float, optional
        Hard limits: a value outside is an error.
    warn_below, warn_above : float, optional
        Plausibility limits: a value outside is a warning.
    hint : str, optional
        What a value outside the plausibility limits most likely means.
    misreads : tuple of Misread
        Units a value is often typed in by mistake; a value outside the ranges is shown with its
        reading in each of them, and a participant whose values all look like one is warned.
    fold : bool
        A free-text category (``string`` column) such as a sport or an arm: spellings that
        differ only in case or spacing are read as the most common one, with a warning.
        Identifiers are never folded.
    known : tuple of str
        Values the analyses look for in a folded free-text column; a spelling equal to one but
        for case or spacing is read as it.
    omit_empty : bool
        An optional column that a saved study folder leaves out when no row holds a value (a
        column added to the codebook after studies were saved without it, such as ``team``:
        those studies save byte for byte as before). Reading never needs it.
    label : str, optional
        What tables, figures and sentences call the column ("Body mass"), without the unit;
        by default the description up to its first full stop or semicolon. Read it through
        :func:`glute_study.labels.label`, which adds the unit and a study's own labels.
    """

    name: str
    dtype: str
    description: str
    unit: str | None = None
    required: bool = True
    nullable: bool = False
    allowed: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    warn_below: float | None = None
    warn_above: float | None = None
    hint: str | None = None
    misreads: tuple[Misread, ...] = ()
    fold: bool = False
    known: tuple[str, ...] = ()
    omit_empty: bool = False
    label: str | None = None

    def __post_init__(self) -> None:
        if self.dtype not in DTYPES:
            raise ValueError(f"column {self.name}: dtype {self.dtype!r} is not one of {DTYPES}")
        if (self.dtype == "category") != (self.allowed is not None):
            raise ValueError(f"column {self.name}: category columns, and only they, list `allowed`")
        if (self.fold or self.known) and self.dtype != "string":
            raise ValueError(f"column {self.name}: only string columns are folded")
        if self.misreads and self.dtype not in ("number", "integer"):
            raise ValueError(f"column {self.name}: only numeric columns have misreads")
        if self.omit_empty and (self.required or not self.nullable):
            raise ValueError(f"column {self.name}: only optional, nullable columns are omitted "
                             "when empty")

    @property
    def display_label(self) -> str:
        """The column's label: :attr:`label`, else its description to the first stop.

        Examples
        --------
        >>> Column("x", "number", "Sitting in bouts of 30 min or longer. Optional.").display_label
        'Sitting in bouts of 30 min or longer'
        """
        if self.label:
            return self.label
        return re.split(r"[.;](?:\s|$)", self.description, maxsplit=1)[0].strip()

    @property
    def plausible(self) -> tuple[float, float]:
        """The plausible range: the warning limits where given, else the hard limits."""
        low = self.warn_below if self.warn_below is not None else self.minimum
        high = self.warn_above if self.warn_above is not None else self.maximum
        return (-math.inf if low is None else low, math.inf if high is None else high)

    def expected(self) -> str:
        """Describe, in words, what a valid value of this column looks like."""
        kinds = {
            "string": "text",
            "integer": "a whole number",
            "number": "a number",
            "boolean": "true/false (also yes/no, 1/0)",
            "date": "a date as YYYY-MM-DD",
            "datetime": "a date and time as YYYY-MM-DD HH:MM[:SS]",
        }
        if self.dtype == "category":
            text = "one of " + ", ".join(self.allowed or ())
        else:
            text = kinds[self.dtype]
        if self.minimum is not None and self.maximum is not None:
            text += f" from {self.minimum:g} to {self.maximum:g}"
        elif self.minimum is not None:
            text += f" of at least {self.minimum:g}"
        elif self.maximum is not None:
            text += f" of at most {self.maximum:g}"
        if self.unit:
            text += f" ({self.unit})"
        return text


@dataclass(frozen=True)
class Table:
    """One study table: its columns, key and whether a study must have it."""

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    required: bool = False
    rules: tuple[str, ...] = field(default=())

    def column(self, name: str) -> Column:
        """Return the column called ``name``."""
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name} has no column {name!r}")

    @property
    def names(self) -> list[str]:
        """Column names in codebook order."""
        return [c.name for c in self.columns]


_PID = Column("participant_id", "string", "Participant identifier, the same in every table.")
_SIDE = ("left", "right")
DEVICE_INSTRUMENTS = ("activpal", "axivity", "thigh_accelerometer", "actigraph")
"""Device instruments for sitting, in order of preference (thigh-worn posture first)."""
HAMSTRING_MUSCLES = ("biceps_femoris", "semitendinosus", "semimembranosus", "hamstrings")
"""Muscles counted as hamstrings when onsets are compared with the gluteus maximus."""

PARTICIPANTS = Table(
    "participants",
    "One row per enrolled participant: demographics, history and follow-up window.",
    (
        _PID,
        Column("sex", "category", "Sex.", allowed=("female", "male"), nullable=True, label="Sex"),
        Column(
            "age",
            "number",
            "Age at the start of follow-up.",
            "years",
            required=False,
            nullable=True,
            minimum=10,
            maximum=100,
            warn_below=14,
            warn_above=70,
            misreads=(Misread("months", 1 / 12),),
            label="Age",
        ),
        Column(
            "birth_year",
            "integer",
            "Year of birth, used when age is missing.",
            required=False,
            nullable=True,
            minimum=1900,
            maximum=2030,
            hint="a two-digit year: write all four digits (1995, not 95)",
        ),
        Column(
            "height_cm",
            "number",
            "Standing height.",
            "cm",
            required=False,
            nullable=True,
            minimum=100,
            maximum=250,
            warn_below=140,
            warn_above=215,
            hint="a height under 3 looks like metres: multiply by 100",
            misreads=(Misread("m", 100), Misread("in", 2.54)),
            label="Height",
        ),
        Column(
            "body_mass_kg",
            "number",
            "Body mass.",
            "kg",
            nullable=True,
            minimum=25,
            maximum=300,
            warn_below=40,
            warn_above=150,
            hint="a body mass above 150 looks like pounds: divide by 2.2046",
            misreads=(Misread("lb", POUND_KG),),
        ),
        Column("sport", "string", "Main sport.", required=False, nullable=True, fold=True,
               label="Sport"),
        Column(
            "level",
            "category",
            "Competitive level.",
            required=False,
            nullable=True,
            allowed=("recreational", "amateur", "semi_professional", "professional", "elite"),
        ),
        Column(
            "dominant_side",
            "category",
            "Dominant (kicking) leg.",
            allowed=_SIDE,
            required=False,
            nullable=True,
        ),
        Column(
            "prior_cramps",
            "boolean",
            "Any exercise-associated cramp before follow-up.",
            nullable=True,
            label="Previous cramping",
        ),
        Column(
            "prior_hamstring_injury",
            "boolean",
            "Any hamstring injury before follow-up.",
            required=False,
            nullable=True,
            label="Previous hamstring injury",
        ),
        Column("follow_up_start", "date", "First day of cramp and exposure follow-up."),
        Column("follow_up_end", "date", "Last day of cramp and exposure follow-up."),
        Column(
            "arm",
            "string",
            "Randomised arm in a trial; empty in an observational cohort.",
            required=False,
            nullable=True,
            fold=True,
            label="Trial arm",
        ),
        Column(
            "team",
            "string",
            "Team (club or squad) the participant trains and plays with; the cluster of a "
            "cluster-randomised trial. Empty or absent when the study has no teams.",
            required=False,
            nullable=True,
            fold=True,
            omit_empty=True,
            label="Team",
        ),
    ),
    key=("participant_id",),
    required=True,
    rules=(
        "follow_up_end is on or after follow_up_start",
        "age is given, or birth_year to derive it",
        f"body mass and height give a BMI from {BMI_PLAUSIBLE[0]:g} to {BMI_PLAUSIBLE[1]:g} "
        "(warning: else pounds or inches are likely)",
        "team, once any participant has one, is given for every participant (warning: "
        "analyses by team leave the others out)",
    ),
)

SITTING = Table(
    "sitting",
    "One row per participant, day and instrument: daily sitting from a device or self-report.",
    (
        _PID,
        Column("date", "date", "Calendar day (device) or the day the questionnaire was filled."),
        Column(
            "instrument",
            "category",
            "How sitting was measured.",
            allowed=(*DEVICE_INSTRUMENTS, "self_report"),
        ),
        Column(
            "sitting_h",
            "number",
            "Sitting (waking) time on the day.",
            "h",
            minimum=0,
            maximum=24,
            warn_above=18,
            misreads=(Misread("min", 1 / 60),),
            label="Daily sitting",
        ),
        Column(
            "prolonged_sitting_h",
            "number",
            "Sitting in bouts of 30 min or longer.",
            "h",
            required=False,
            nullable=True,
            minimum=0,
            maximum=24,
            misreads=(Misread("min", 1 / 60),),
            label="Prolonged sitting (bouts of 30 min or longer)",
        ),
        Column(
            "sitting_bouts",
            "integer",
            "Number of sitting bouts.",
            required=False,
            nullable=True,
            minimum=0,
            maximum=1000,
        ),
        Column(
            "breaks",
            "integer",
            "Sit-to-upright transitions.",
            required=False,
            nullable=True,
            minimum=0,
            maximum=1000,
            label="Breaks in sitting",
        ),
        Column(
            "wear_h",
            "number",
            "Waking wear time of the device.",
            "h",
            required=False,
            nullable=True,
            minimum=0,
            maximum=24,
            misreads=(Misread("min", 1 / 60),),
        ),
        Column(
            "valid_day",
            "boolean",
            "Whether the day meets the wear rule (device days).",
            required=False,
            nullable=True,
            label="Valid day",
        ),
        *(
            Column(name, "number", what, "h", required=False, nullable=True, minimum=0,
                   maximum=24, misreads=(Misread("min", 1 / 60),), omit_empty=True)
            for name, what in (
                ("standing_h", "Standing still (waking), where the device tells it apart."),
                ("stepping_h", "Stepping: walking, running and stairs (waking), where the device "
                               "tells it apart."),
                ("cycling_h", "Cycling (waking; not sitting), where the device tells it apart."),
                ("lying_h", "Lying awake (not sitting, not in bed), where the device tells it "
                            "apart."),
            )
        ),
        Column(
            "steps",
            "integer",
            "Steps on the day, where the device counts them.",
            required=False,
            nullable=True,
            minimum=0,
            maximum=200_000,
            omit_empty=True,
        ),
    ),
    key=("participant_id", "date", "instrument"),
    rules=("prolonged_sitting_h is at most sitting_h", "sitting_h is at most wear_h (warning)"),
)

STRENGTH = Table(
    "strength",
    "One row per trial of a strength test: participant, session, test, side and trial.",
    (
        _PID,
        Column("date", "date", "Day of the test session."),
        Column("session", "integer", "Test session number (1 = first).", minimum=1, maximum=100),
        Column(
            "test",
            "category",
            "Strength test.",
            allowed=("hhd_hip_extension", "isokinetic_hip_extension", "single_leg_bridge"),
        ),
        Column("side", "category", "Leg tested.", allowed=_SIDE),
        Column(
            "trial", "integer", "Trial number within session, test and side.", minimum=1, maximum=20
        ),
        Column("value", "number", "Result of the trial, in `unit`.", minimum=0, maximum=5000),
        Column(
            "unit",
            "category",
            "Unit of `value`: N (force at the pad), Nm (torque) or reps.",
            allowed=("N", "Nm", "reps"),
        ),
        Column(
            "lever_arm_m",
            "number",
            "Pad-to-hip-joint distance, needed when unit is N.",
            "m",
            required=False,
            nullable=True,
            minimum=0.05,
            maximum=1.5,
            warn_below=0.2,
            warn_above=0.6,
            hint="a lever arm over 1.5 looks like centimetres: divide by 100",
            misreads=(Misread("cm", 0.01), Misread("mm", 0.001)),
            label="Lever arm",
        ),
    ),
    key=("participant_id", "session", "test", "side", "trial"),
    rules=(
        "unit matches the test (hhd: N or Nm; isokinetic: Nm; bridge: reps)",
        "lever_arm_m is given when unit is N",
        "hip-extension force under 60 N looks like kilogram-force (warning)",
    ),
)

ACTIVATION = Table(
    "activation",
    "One row per muscle and trial of an EMG task: onset latency and amplitude.",
    (
        _PID,
        Column("date", "date", "Day of the EMG session."),
        Column("session", "integer", "EMG session number (1 = first).", minimum=1, maximum=100),
        Column(
            "task",
            "string",
            "Task, e.g. prone_hip_extension or hip_thrust.",
            fold=True,
            known=("prone_hip_extension", "hip_thrust"),
        ),
        Column(
            "muscle",
            "string",
            "Muscle, e.g. gluteus_maximus, biceps_femoris, semitendinosus.",
            fold=True,
            known=("gluteus_maximus", "gluteus_medius", *HAMSTRING_MUSCLES),
        ),
        Column(
            "trial",
            "integer",
            "Trial number (1 when absent).",
            required=False,
            minimum=1,
            maximum=100,
        ),
        Column(
            "onset_ms",
            "number",
            "Onset latency relative to the movement cue.",
            "ms",
            nullable=True,
            minimum=-2000,
            maximum=5000,
            misreads=(Misread("s", 1000, below=2),),
            label="Onset latency",
        ),
        Column(
            "amplitude_pct_mvic",
            "number",
            "Amplitude as % of maximal voluntary contraction.",
            "%MVIC",
            required=False,
            nullable=True,
            minimum=0,
            maximum=1000,
            warn_above=250,
            misreads=(Misread("fraction of MVIC", 100, below=1.5),),
            label="EMG amplitude",
        ),
    ),
    key=("participant_id", "session", "task", "muscle", "trial"),
)

EXPOSURE = Table(
    "exposure",
    "One row per training or match session a participant took part in.",
    (
        _PID,
        Column("session_id", "string", "Session identifier, unique within a participant."),
        Column("date", "date", "Day of the session."),
        Column(
            "session_type", "category", "Kind of session.", allowed=("training", "match", "other")
        ),
        Column(
            "duration_min",
            "number",
            "Time the participant was exposed.",
            "min",
            minimum=0,
            maximum=1440,
            warn_above=300,
            misreads=(Misread("h", 60, below=5), Misread("s", 1 / 60, above=300)),
            label="Session duration",
        ),
    ),
    key=("participant_id", "session_id"),
    rules=("duration_min is positive", "the date lies inside the participant's follow-up"),
)

CRAMPS = Table(
    "cramps",
    "One row per exercise-associated muscle cramp.",
    (
        _PID,
        Column("datetime", "datetime", "When the cramp started (local clock)."),
        Column(
            "session_id",
            "string",
            "Exposure session in which it happened, if any.",
            required=False,
            nullable=True,
            label="Session",
        ),
        Column(
            "muscle",
            "category",
            "Muscle group.",
            allowed=("hamstring", "calf", "quadriceps", "other"),
        ),
        Column(
            "side", "category", "Side.", allowed=(*_SIDE, "both"), required=False, nullable=True
        ),
        Column(
            "severity",
            "integer",
            "Self-rated severity.",
            "0-10",
            required=False,
            nullable=True,
            minimum=0,
            maximum=10,
            label="Cramp severity",
        ),
        Column(
            "duration_s",
            "number",
            "How long the cramp lasted.",
            "s",
            required=False,
            nullable=True,
            minimum=0,
            maximum=86400,
            warn_above=3600,
            misreads=(Misread("min", 60, below=5), Misread("ms", 0.001)),
            label="Cramp duration",
        ),
        Column(
            "stopped_play",
            "boolean",
            "Whether the participant had to stop.",
            required=False,
            nullable=True,
            label="Stopped play",
        ),
    ),
    key=("participant_id", "datetime", "muscle", "side"),
    rules=(
        "session_id, when given, exists in exposure for the participant",
        "the cramp lies inside the participant's follow-up",
    ),
)

#: Every study table, in loading order.
CODEBOOK: dict[str, Table] = {
    t.name: t for t in (PARTICIPANTS, SITTING, STRENGTH, ACTIVATION, EXPOSURE, CRAMPS)
}

#: Columns of :meth:`glute_study.Study.analysis_table`, with how each is derived.
ANALYSIS_COLUMNS: dict[str, str] = {
    "participant_id": "participants.participant_id",
    "sex": "participants.sex",
    "age": "participants.age, else year of follow_up_start minus birth_year",
    "height_cm": "participants.height_cm",
    "body_mass_kg": "participants.body_mass_kg",
    "sport": "participants.sport",
    "level": "participants.level",
    "prior_cramps": "participants.prior_cramps as 0/1",
    "prior_hamstring_injury": "participants.prior_hamstring_injury as 0/1",
    "arm": "participants.arm (missing outside a trial)",
    "team": "participants.team; the column is there only when the study records a team for "
    "at least one participant (absent, not all missing, otherwise)",
    "follow_up_days": "follow_up_end - follow_up_start + 1",
    "sitting_instrument": "the preferred device with data: activpal, axivity, "
    "thigh_accelerometer, then actigraph",
    "sitting_days": "number of valid days of that device",
    "sitting_h_day": "mean sitting_h over valid device days (missing below min_valid_days)",
    "prolonged_sitting_h_day": "mean prolonged_sitting_h over the same days",
    "breaks_per_sitting_h": "sum of breaks / sum of sitting_h over the same days",
    "self_report_sitting_h_day": "mean sitting_h of self_report rows",
    "glute_nm_kg": "hhd_hip_extension at the baseline session (the first on or before "
    "follow_up_start; missing when every session of the test is later, never taken from a "
    "later session): torque per trial (value x lever_arm_m for N, value for Nm), best trial "
    "per side, mean of the sides, divided by body_mass_kg",
    "glute_nm_kg_post": "the same rule at the post-test: the last session after "
    "follow_up_start (not the first session of an athlete without a baseline one)",
    "bridge_reps": "single_leg_bridge at the baseline session (the same rule as glute_nm_kg): "
    "best trial per side, mean of sides",
    "glute_onset_delay_ms": "prone_hip_extension at the baseline EMG session (the first on or "
    "before follow_up_start; missing when every session of the task is later, never taken from "
    "a later session): per trial, gluteus_maximus onset minus the mean onset of the hamstring "
    "muscles; mean over trials",
    "glute_pct_mvic": "mean gluteus_maximus amplitude_pct_mvic in that task and session",
    "hamstring_pct_mvic": "mean amplitude_pct_mvic of the hamstring muscles (over muscles and "
    "trials) in that task and session",
    "hamstring_glute_ratio": "hamstring_pct_mvic / glute_pct_mvic (the ratio of the two means; "
    "missing when either is)",
    "exposure_h": "sum of duration_min / 60 of sessions inside follow-up (missing when none)",
    "sessions": "number of those sessions",
    "cramps": "cramps inside follow-up (missing when there is no exposure)",
    "hamstring_cramps": "hamstring cramps inside follow-up (missing when there is no exposure)",
    "exposure_h_after_post": "sum of duration_min / 60 of sessions inside follow-up dated after "
    "the glute_nm_kg_post session (missing without a post-test inside follow-up or without such "
    "sessions): the outcome window of a mediation within the trial",
    "hamstring_cramps_after_post": "hamstring cramps inside follow-up dated after that session "
    "(missing when exposure_h_after_post is)",
}


#: Analysis-table columns measured after randomisation, during or at the end of follow-up:
#: outcomes and exposure, never in a baseline Table 1 (CONSORT 15, STROBE 14a); they belong
#: to the outcome tables (by arm in a trial, CONSORT 17a).
FOLLOW_UP_COLUMNS: tuple[str, ...] = ("glute_nm_kg_post", "exposure_h", "sessions", "cramps",
                                      "hamstring_cramps", "exposure_h_after_post",
                                      "hamstring_cramps_after_post")

#: The characteristics a Table 1 describes, all measured at baseline (before follow-up and
#: randomisation): demographics, history, baseline sitting and baseline strength.
BASELINE_COLUMNS: tuple[str, ...] = (
    "sex", "age", "height_cm", "body_mass_kg", "sport", "level", "prior_cramps",
    "prior_hamstring_injury", "sitting_h_day", "sitting_days", "self_report_sitting_h_day",
    "glute_nm_kg", "bridge_reps")

#: The columns of :data:`BASELINE_COLUMNS` drawn from the sitting table: baseline only when
#: every sitting day was monitored before follow-up began (a season-long monitoring is not).
SITTING_BASELINE_COLUMNS: tuple[str, ...] = ("sitting_h_day", "sitting_days",
                                             "self_report_sitting_h_day")


#: Label and unit of each variable the analyses use that is not a study-table column (the
#: analysis table's derived measures, the counting-process and time-to-event columns, derived
#: groupings). Study-table columns carry theirs on :class:`Column`; both are read through
#: :mod:`glute_study.labels`, where a study's own labels override them.
ANALYSIS_LABELS: dict[str, tuple[str, str | None]] = {
    "follow_up_days": ("Follow-up", "days"),
    "sitting_instrument": ("Sitting instrument", None),
    "sitting_days": ("Valid device days", "days"),
    "sitting_h_day": ("Device-measured sitting", "h/day"),
    "prolonged_sitting_h_day": ("Device-measured prolonged sitting", "h/day"),
    "breaks_per_sitting_h": ("Breaks in sitting", "per sitting hour"),
    "self_report_sitting_h_day": ("Self-reported sitting", "h/day"),
    "glute_nm_kg": ("Glute strength", "Nm/kg"),
    "glute_nm_kg_post": ("Glute strength at post-test", "Nm/kg"),
    "glute_change": ("Change in glute strength", "Nm/kg"),
    "bridge_reps": ("Single-leg bridge", "repetitions"),
    "glute_onset_delay_ms": ("Glute minus hamstring onset delay", "ms"),
    "glute_pct_mvic": ("Glute activation", "%MVIC"),
    "hamstring_pct_mvic": ("Hamstring activation", "%MVIC"),
    "hamstring_glute_ratio": ("Hamstring:glute amplitude ratio", None),
    "onset_order": ("Onset order", None),
    "glute_onset_delay_sd": ("Glute minus hamstring onset delay", "SD"),
    "exposure_h": ("Exposure", "h"),
    "sessions": ("Sessions", None),
    "week": ("Week of follow-up", None),
    "cramps": ("Cramps", None),
    "hamstring_cramps": ("Hamstring cramps", None),
    "glute_training": ("Glute training", None),
    "exposure_h_after_post": ("Exposure after the post-test", "h"),
    "hamstring_cramps_after_post": ("Hamstring cramps after the post-test", None),
    "sitting_tertile": ("Sitting tertile", None),
    "sitting_h_day_window": ("Device-measured sitting over the preceding 7 days", "h/day"),
    "sitting_days_window": ("Valid device days over the preceding 7 days", "days"),
    "exposure_h_window": ("Exposure over the preceding 7 days", "h"),
    "training_h_window": ("Training exposure over the preceding 7 days", "h"),
    "match_h_window": ("Match exposure over the preceding 7 days", "h"),
    "time": ("Time to first cramp", None),
    "cumulative_exposure_h": ("Cumulative exposure", "h"),
    "event": ("Cramp", None),
    "start": ("Interval start", None),
    "stop": ("Interval end", None),
    "enum": ("Event number", None),
}

#: How the values of categorical variables read; others read as typed, underscores as spaces.
LEVEL_LABELS: dict[str, dict[str, str]] = {
    "sex": {"female": "Female", "male": "Male"},
    "arm": {"control": "Control", "glute_training": "Glute training"},
    "sitting_tertile": {"low": "Low", "middle": "Middle", "high": "High"},
    "session_type": {"match": "Match", "training": "Training", "other": "Other"},
    "onset_order": {"hamstrings_first": "Hamstrings first", "glute_first": "Glute first or "
                    "together"},
    "instrument": {"activpal": "activPAL", "axivity": "Axivity", "actigraph": "ActiGraph",
                   "thigh_accelerometer": "Thigh accelerometer", "self_report": "Self-report"},
    "level": {"recreational": "Recreational", "amateur": "Amateur",
              "semi_professional": "Semi-professional", "professional": "Professional",
              "elite": "Elite"},
    "sport": {"football": "Football", "rugby": "Rugby", "basketball": "Basketball",
              "athletics": "Athletics"},
    # "yes": Table 1's row of a yes/no column (a "no" would turn a sentence's first word)
    "prior_cramps": {"0": "No", "1": "Yes", "False": "No", "True": "Yes", "yes": "Yes"},
    "prior_hamstring_injury": {"0": "No", "1": "Yes", "False": "No", "True": "Yes",
                               "yes": "Yes"},
}
LEVEL_LABELS["sitting_instrument"] = LEVEL_LABELS["instrument"]
#: The randomised arm coded 0/1 for analyses that need a number (mediation within the trial).
LEVEL_LABELS["glute_training"] = {"0": "control", "1": "glute training"}

#: How a sentence names the athletes (or sessions) of one level of a grouping variable: "In the
#: lowest sitting tertile, ...", "... higher in matches than in training sessions". A string
#: holds ``{level}`` (the level's label, mid-sentence); other variables read "the <level> group".
GROUP_PHRASES: dict[str, str | dict[str, str]] = {
    "arm": "the {level} arm",
    "sitting_tertile": {"low": "the lowest sitting tertile", "middle": "the middle sitting tertile",
                        "high": "the highest sitting tertile"},
    "session_type": {"match": "matches", "training": "training sessions",
                     "other": "other sessions"},
    "sex": {"female": "female athletes", "male": "male athletes"},
}


def codebook_markdown() -> str:
    """Render the codebook as a Markdown page for people.

    Examples
    --------
    >>> page = codebook_markdown()
    >>> page.splitlines()[0]
    '# glute_study codebook'
    >>> "| sitting_h | number | h |" in page
    True
    """
    lines = [
        "# glute_study codebook",
        "",
        "Generated by `glute-study codebook` from `glute_study/codebook.py`, the single source of",
        "truth. A study is a folder with one file per table, named after the table (`.csv`,",
        "`.xlsx` or `.parquet`). Hard limits are errors; plausibility limits are warnings.",
        "",
        "Missing values: an empty cell, or one of "
        + ", ".join(f"`{c}`" for c in MISSING_CODES if c)
        + " (any case), in every column; the codes other than an empty cell are reported once",
        "per spelling and column. The numbers "
        + ", ".join(f"`{n}`" for n in MISSING_NUMBERS)
        + " are missing-value codes too: in a numeric column when outside its plausible",
        "range (else kept, with a warning), always in text, category, boolean and date columns",
        "(never in identifiers). Excel's error values ("
        + ", ".join(f"`{e.upper()}`" for e in EXCEL_ERRORS[:5])
        + ", ...) are errors: a formula failed and its value is lost.",
        "",
        "Spelling: a category value equal to an allowed one but for case or spacing (`Semi",
        "professional`, ` Male `) is read as it, with a warning; in free-text categories (marked",
        "*folded* below) spellings that differ only in case or spacing are read as the most common",
        "one, with a warning. Text is read in Unicode NFC, so composed and decomposed accents are",
        "the same text. Numbers: a thousands separator (`1,078`, `1.078,5`, `1 078`) is read only",
        "where the column's other values settle what the comma means, with a warning; otherwise",
        "the cell is refused. Dates are ISO (`2024-03-05`); other forms are refused with the",
        "likely reading.",
        "",
    ]
    for table in CODEBOOK.values():
        need = "required" if table.required else "optional"
        lines += [
            f"## {table.name} ({need})",
            "",
            table.description,
            "",
            f"Key (unique per row): {', '.join(table.key)}.",
            "",
        ]
        lines += [
            "| column | type | unit | required | missing allowed | allowed values / range |"
            " plausible range |",
            "|---|---|---|---|---|---|---|",
        ]
        for c in table.columns:
            if c.allowed:
                allowed = ", ".join(c.allowed)
            else:
                allowed = _range(c.minimum, c.maximum)
            if c.fold:
                allowed = "*folded*" + (" (" + ", ".join(c.known) + ")" if c.known else "")
            plausible = _range(c.warn_below, c.warn_above)
            if c.misreads:
                plausible += "; " if plausible else ""
                plausible += "misread as " + ", ".join(m.unit for m in c.misreads)
            lines.append(
                f"| {c.name} | {c.dtype} | {c.unit or ''} | {'yes' if c.required else 'no'} | "
                f"{'yes' if c.nullable else 'no'} | {allowed} | {plausible} |"
            )
        if table.rules:
            lines += ["", "Rules: " + "; ".join(table.rules) + "."]
        lines.append("")
    lines += [
        "## Analysis table",
        "",
        "`Study.analysis_table()` gives one row per participant. Missing measurements stay",
        "missing, never zero; what it leaves out is listed in `Study.exclusions`.",
        "",
        "| column | derivation |",
        "|---|---|",
    ]
    lines += [f"| {k} | {v} |" for k, v in ANALYSIS_COLUMNS.items()]
    return "\n".join(lines) + "\n"


def _range(low: float | None, high: float | None) -> str:
    if low is None and high is None:
        return ""
    if low is None:
        return f"<= {high:g}"
    if high is None:
        return f">= {low:g}"
    return f"{low:g} to {high:g}"
