"""The Study: validated tables in, one analysis table out, nothing dropped without a reason."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import measures
from ._files import make_folder, refuse_nonempty, write_files
from .codebook import ANALYSIS_COLUMNS, BASELINE_COLUMNS, CODEBOOK, SITTING_BASELINE_COLUMNS
from .errors import InputError, StudyReadError
from .study_folder import read_metadata, study_files
from .validate import (
    ValidationError,
    check_tables,
    conform,
    empty_table,
    folder_problem,
    read_study_folder,
)

__all__ = ["Study", "load_study"]



def load_study(path: str | Path) -> Study:
    """Read and validate every table of a study folder.

    Parameters
    ----------
    path : str or Path
        A folder holding ``participants.csv`` and any of ``sitting``, ``strength``,
        ``activation``, ``exposure`` and ``cramps`` (``.csv``, ``.xlsx`` or ``.parquet``), and
        optionally ``study.json`` (name, notes and, for simulated studies, the true effects).

    Returns
    -------
    Study
        The validated study; its warnings are in ``study.problems``.

    Raises
    ------
    StudyReadError
        When the folder does not exist or is not a folder.
    ValidationError
        When any table has errors; ``err.problems`` lists every problem (errors and warnings)
        with file, line, column, value and what was expected.

    Examples
    --------
    >>> study = load_study("datasets/demo")
    >>> len(study.participants)
    400
    >>> load_study("no/such/folder")
    Traceback (most recent call last):
    ...
    glute_study.errors.StudyReadError: study folder not found: no/such/folder
    """
    folder = Path(path)
    problem = folder_problem(folder)
    if problem:
        raise StudyReadError(problem)
    metadata = read_metadata(folder)
    tables, lines, problems, files = read_study_folder(folder)
    if (problems["severity"] == "error").any():
        raise ValidationError(problems)
    return Study(tables, problems=problems, lines=lines, metadata=metadata, source=folder,
                 files={n: p.name for n, p in files.items()})


class Study:
    """A validated study: typed codebook tables plus what the analysis needs to know about them.

    Build one with :func:`load_study`, :func:`glute_study.simulate_study` or
    :meth:`Study.from_tables`.

    Attributes
    ----------
    tables : dict of str to DataFrame
        One typed frame per codebook table (empty frames for tables the study does not have).
    problems : DataFrame
        Warnings found when the study was checked (errors stop loading).
    truth : dict or None
        For a simulated study, the values that generated it.
    metadata : dict
        Contents of ``study.json``.
    """

    def __init__(self, tables: dict[str, pd.DataFrame], *, problems: pd.DataFrame | None = None,
                 lines: dict[str, np.ndarray] | None = None, metadata: dict | None = None,
                 source: Path | None = None, files: dict[str, str] | None = None) -> None:
        self.tables = {n: tables[n] if n in tables else empty_table(t)
                       for n, t in CODEBOOK.items()}
        self.lines = {n: (lines or {}).get(n, np.arange(2, len(self.tables[n]) + 2))
                      for n in CODEBOOK}
        self.files = {n: (files or {}).get(n, f"{n}.csv") for n in CODEBOOK}
        self.problems = problems if problems is not None else check_tables(self.tables)
        self.metadata = dict(metadata or {})
        self.source = source
        self._cache: dict[Any, Any] = {}

    @classmethod
    def from_tables(cls, tables: dict[str, pd.DataFrame], *, metadata: dict | None = None) -> Study:
        """Check already-typed tables (as a Study holds them) and build a Study.

        Raises :class:`ValidationError` when the tables break a codebook rule.
        """
        tables = {n: conform(tables[n], t) for n, t in CODEBOOK.items() if n in tables}
        problems = check_tables(tables)
        if (problems["severity"] == "error").any():
            raise ValidationError(problems)
        return cls(tables, problems=problems, metadata=metadata)

    # -- the tables -----------------------------------------------------------------------
    participants = property(lambda self: self.tables["participants"], doc="participants table")
    sitting = property(lambda self: self.tables["sitting"], doc="sitting table")
    strength = property(lambda self: self.tables["strength"], doc="strength table")
    activation = property(lambda self: self.tables["activation"], doc="activation table")
    exposure = property(lambda self: self.tables["exposure"], doc="exposure table")
    cramps = property(lambda self: self.tables["cramps"], doc="cramps table")

    @property
    def truth(self) -> dict | None:
        """The generating values of a simulated study (``None`` for real data)."""
        return self.metadata.get("truth")

    @property
    def warnings(self) -> pd.DataFrame:
        """The problems of severity ``warning``."""
        return self.problems[self.problems["severity"] == "warning"].reset_index(drop=True)

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}={len(t)}" for n, t in self.tables.items())
        name = self.metadata.get("name", "study")
        return f"<Study {name!r}: {sizes}; {len(self.warnings)} warning(s)>"

    # -- derived tables -------------------------------------------------------------------
    def _derive(self, min_valid_days: int):
        key = ("derive", min_valid_days)
        if key not in self._cache:
            self._cache[key] = _derive(self, min_valid_days)
        return self._cache[key]

    def analysis_table(self, *, min_valid_days: int = 4) -> pd.DataFrame:
        """One row per participant with the measures each analysis needs.

        The rule behind each column is in :data:`glute_study.codebook.ANALYSIS_COLUMNS` (and on
        the codebook page). In short: ``sitting_h_day`` is the mean of valid days of the preferred
        device (missing below ``min_valid_days``); ``glute_nm_kg`` is the baseline hand-held
        dynamometer hip-extension torque, best trial per side, mean of the sides, per kg of body
        mass; ``exposure_h``, ``cramps`` and ``hamstring_cramps`` count only follow-up. Missing
        measurements stay missing, never zero. What is left out is in :attr:`exclusions`.
        ``team`` (the participant's club or squad, the cluster of analyses by team) is a column
        only when the study records a team for at least one participant: a study without
        teams has no ``team`` column (rather than an all-missing one), so an analysis by team
        finds no column to use instead of a column that drops every row.

        Parameters
        ----------
        min_valid_days : int, default 4
            Fewest valid device days for a participant's sitting to be used.

        Examples
        --------
        >>> from glute_study import simulate_study
        >>> table = simulate_study(n=30, seed=1).analysis_table()
        >>> table.shape[0]
        30
        >>> {"sitting_h_day", "glute_nm_kg", "exposure_h", "hamstring_cramps"} <= set(table)
        True
        """
        return self._derive(min_valid_days)[0].copy()

    def exclusions_for(self, *, min_valid_days: int = 4) -> pd.DataFrame:
        """The rows and participants :meth:`analysis_table` leaves out, each with its reason."""
        return self._derive(min_valid_days)[1].copy()

    @property
    def exclusions(self) -> pd.DataFrame:
        """What the analysis table (with default rules) leaves out: ``table, line,
        participant_id, reason``."""
        return self.exclusions_for()

    def flow(self, *, min_valid_days: int = 4) -> pd.DataFrame:
        """CONSORT-style counts: enrolled, with each kind of data, analysed.

        The baseline glute strength step names why strength is missing; when some athletes
        were tested only after follow-up began (no baseline session,
        :func:`glute_study.measures.baseline_sessions`), it counts each reason, e.g.
        ``'no usable hip-extension test or body mass (2); strength tested only after
        follow-up began (1)'``.

        Examples
        --------
        >>> from glute_study import simulate_study
        >>> simulate_study(n=30, seed=1).flow()["stage"].tolist()[0]
        'enrolled'
        """
        table = self.analysis_table(min_valid_days=min_valid_days)
        enrolled = len(table)
        has_exposure = table["exposure_h"].notna()
        has_sitting = table["sitting_h_day"].notna()
        has_glute = table["glute_nm_kg"].notna()
        analysed = has_exposure & has_sitting & has_glute
        excl = self.exclusions_for(min_valid_days=min_valid_days)
        late_ids = excl.loc[excl["table"].eq("strength").to_numpy(bool)
                            & excl["reason"].eq(measures._late_reason("glute_nm_kg")).to_numpy(
                                bool), "participant_id"]
        late = int((~has_glute & table["participant_id"].isin(late_ids)).sum())
        other = int((~has_glute).sum()) - late
        glute_why = "no usable hip-extension test or body mass"
        if late:  # each reason with its count, as the trial flow's covariates
            glute_why = "; ".join(f"{why} ({k})" for why, k in (
                (glute_why, other), (measures.LATE_STRENGTH_REASON, late)) if k)
        rows = [
            ("enrolled", enrolled, ""),
            ("with exposure in follow-up", int(has_exposure.sum()), "no exposure recorded"),
            ("with device sitting", int(has_sitting.sum()),
             f"fewer than {min_valid_days} valid device days"),
            ("with baseline glute strength", int(has_glute.sum()), glute_why),
            ("analysed (all three)", int(analysed.sum()), "any of the above missing"),
        ]
        return pd.DataFrame([(s, n, enrolled - n if i else 0, r) for i, (s, n, r) in
                             enumerate(rows)], columns=["stage", "n", "excluded", "reason"])

    def baseline_columns(self) -> list[str]:
        """The analysis-table columns a Table 1 may describe: measured at baseline.

        :data:`glute_study.codebook.BASELINE_COLUMNS` (never follow-up exposure, cramps or the
        post-test), except the sitting measures when any sitting day lies inside the
        participant's follow-up: sitting monitored over the season is measured after
        randomisation, so it is not a baseline characteristic of a trial.

        Examples
        --------
        >>> from glute_study import simulate_study
        >>> cols = simulate_study(n=20, seed=1).baseline_columns()
        >>> "hamstring_cramps" in cols, "glute_nm_kg" in cols
        (False, True)
        """
        window = measures.follow_up_window(self.participants)
        during = bool(measures.inside_follow_up(self.sitting, "date", window).any())
        return [c for c in BASELINE_COLUMNS
                if not (during and c in SITTING_BASELINE_COLUMNS)]

    def trial_flow(self, *, covariates=(), min_valid_days: int = 4) -> pd.DataFrame:
        """CONSORT flow of the trial by arm (:func:`glute_study.measures.trial_flow`).

        Parameters
        ----------
        covariates : sequence of str
            The planned adjustment covariates of the primary analysis.
        min_valid_days : int, default 4
            Passed to :meth:`analysis_table`.

        Examples
        --------
        >>> from glute_study import simulate_study
        >>> flow = simulate_study(n=30, seed=1).trial_flow(covariates=["prior_cramps"])
        >>> flow.loc[flow["stage"].eq("allocated"), ["arm", "n"]].to_numpy().tolist()
        [['control', 15], ['glute_training', 15]]
        """
        table = self.analysis_table(min_valid_days=min_valid_days)
        return measures.trial_flow(table, covariates=covariates)

    def trial_mediation_table(self, *, min_valid_days: int = 4) -> pd.DataFrame:
        """The randomised athletes, for a mediation within the trial (arm -> glute strength at
        the post-test -> hamstring cramps after the post-test).

        The rows of :meth:`analysis_table` with an arm, plus ``glute_training``: 1 for the arm
        that is not ``control`` (the first arm in order without one), 0 for the other. Its
        ``attrs["measured_at"]`` holds when the arm was fixed (the first ``follow_up_start``)
        and when the mediator was measured (the first post-test date), so that
        :func:`glute_study.stats.mediation` knows the order. The outcome window is
        ``hamstring_cramps_after_post`` over ``exposure_h_after_post``.

        Raises
        ------
        InputError
            When the study has more than two arms.

        Examples
        --------
        >>> from glute_study import simulate_study
        >>> t = simulate_study(n=30, seed=1).trial_mediation_table()
        >>> t.groupby("arm")["glute_training"].first().to_dict()
        {'control': 0.0, 'glute_training': 1.0}
        >>> sorted(t.attrs["measured_at"])
        ['glute_nm_kg_post', 'glute_training']
        """
        table = self.analysis_table(min_valid_days=min_valid_days)
        out = table[measures.randomised(table).to_numpy(bool)].copy()
        arms = sorted(out["arm"].dropna().unique())
        if len(arms) > 2:
            raise InputError(f"participants: column 'arm' holds {len(arms)} arms ({arms}); a "
                             "mediation within the trial compares two.")
        reference = "control" if "control" in arms else (arms[0] if arms else None)
        out["glute_training"] = out["arm"].ne(reference).astype(float)
        people = self.participants[self.participants["participant_id"].isin(
            out["participant_id"])]
        posts = measures.post_test_dates(self.strength, people)
        when = {}
        if len(people) and people["follow_up_start"].notna().any():
            when["glute_training"] = str(pd.Timestamp(people["follow_up_start"].min()).date())
        if len(posts.dropna()):
            when["glute_nm_kg_post"] = str(pd.Timestamp(posts.min()).date())
        out.attrs["measured_at"] = when
        return out.reset_index(drop=True)

    def session_table(self, *, min_valid_days: int = 4) -> pd.DataFrame:
        """One row per exposure session inside follow-up, with its cramps and the participant's
        covariates from :meth:`analysis_table`.

        Cramps without a ``session_id`` are not in this table (they are in the participant
        counts of the analysis table). ``week`` is the week of follow-up
        (:func:`glute_study.measures.follow_up_week`); ``team`` is carried when the analysis
        table has it.

        Parameters
        ----------
        min_valid_days : int, default 4
            Passed to :meth:`analysis_table`: fewest valid device days for a participant's
            sitting covariates to be used.

        Examples
        --------
        >>> from glute_study import simulate_study
        >>> study = simulate_study(n=30, seed=1)
        >>> sessions = study.session_table(min_valid_days=2)
        >>> {"session_id", "exposure_h", "hamstring_cramps", "sitting_h_day"} <= set(sessions)
        True
        """
        table = self.analysis_table(min_valid_days=min_valid_days)
        window = measures.follow_up_window(self.participants)
        inside = measures.inside_follow_up(self.exposure, "date", window)
        sessions = self.exposure[inside].copy()
        sessions["exposure_h"] = measures.exposure_hours(sessions)
        sessions["week"] = measures.follow_up_week(sessions, "date", window)
        cramps = self.cramps[self.cramps["session_id"].notna().to_numpy()]
        count = cramps.groupby(["participant_id", "session_id"]).size()
        ham = cramps[cramps["muscle"].eq("hamstring").to_numpy()].groupby(
            ["participant_id", "session_id"]).size()
        key = pd.MultiIndex.from_frame(sessions[["participant_id", "session_id"]])
        sessions["cramps"] = count.reindex(key, fill_value=0).to_numpy(dtype=float)
        sessions["hamstring_cramps"] = ham.reindex(key, fill_value=0).to_numpy(dtype=float)
        covariates = table.drop(columns=["exposure_h", "sessions", "cramps", "hamstring_cramps"])
        out = sessions.merge(covariates, on="participant_id", how="left")
        return out.sort_values(["participant_id", "date", "session_id"], kind="stable") \
            .reset_index(drop=True)

    def cramp_times(self, *, muscle: str | None = "hamstring",
                    scale: str = "calendar") -> pd.DataFrame:
        """Time from the start of follow-up to each participant's first cramp, or to censoring.

        :func:`glute_study.measures.first_cramp_times` of this study's tables (its Notes give
        the rules): ``participant_id, time, event, left_out``, to merge into
        :meth:`analysis_table`. ``left_out`` is the reason an athlete is not at risk (on the
        exposure scale, no exposure in follow-up), ``""`` for those at risk.

        Examples
        --------
        >>> from glute_study import simulate_study
        >>> simulate_study(n=30, seed=1).cramp_times(scale="exposure").columns.tolist()
        ['participant_id', 'time', 'event', 'left_out']
        """
        return measures.first_cramp_times(self.participants, self.exposure, self.cramps,
                                          muscle=muscle, scale=scale)

    def counting_process(self, *, time_scale: str = "exposure_h", window_days: int = 7,
                         muscle: str | None = "hamstring",
                         min_valid_days: int = 4) -> pd.DataFrame:
        """Recurrent cramps as counting-process data, one row per athlete and interval
        (start, stop], for :func:`glute_study.stats.recurrent_events`.

        :func:`glute_study.measures.counting_process` of this study's tables (its Notes give
        the rules: the time scales, the windows, where intervals end, ties), with the
        athlete's baseline covariates of :meth:`analysis_table` added: ``age, sex,
        prior_cramps, prior_hamstring_injury, arm``, ``team`` when the study has teams,
        ``glute_nm_kg`` and ``sitting_h_day`` (the mean of all the athlete's valid device
        days, with ``min_valid_days``).

        Parameters
        ----------
        time_scale : {"exposure_h", "days"}
            Cumulative exposure hours (time advances only in sessions) or days of follow-up.
        window_days : int, default 7
            The window of the time-varying device sitting and training load.
        muscle : str or None, default "hamstring"
            The cramps counted as events (None: any muscle).
        min_valid_days : int, default 4
            Passed to :meth:`analysis_table` for the baseline ``sitting_h_day``.

        Examples
        --------
        >>> from glute_study import simulate_study
        >>> study = simulate_study(n=30, seed=1)
        >>> cp = study.counting_process()
        >>> cp.columns[:5].tolist()
        ['participant_id', 'start', 'stop', 'event', 'enum']
        >>> int(cp["event"].sum()) == int(study.analysis_table()["hamstring_cramps"].sum())
        True
        """
        data = measures.counting_process(self.participants, self.exposure, self.cramps,
                                         self.sitting, time_scale=time_scale,
                                         window_days=window_days, muscle=muscle)
        table = self.analysis_table(min_valid_days=min_valid_days)
        keep = ["participant_id", "age", "sex", "prior_cramps", "prior_hamstring_injury", "arm",
                *(["team"] if "team" in table else []), "glute_nm_kg", "sitting_h_day"]
        out = data.merge(table[keep], on="participant_id", how="left", validate="many_to_one")
        out.attrs = data.attrs
        return out

    # -- saving ---------------------------------------------------------------------------
    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the study as a folder of CSV files (and ``study.json``) that loads back equal.

        Every file is written whole, and all of them or none (see
        :func:`glute_study._files.write_files`).

        Parameters
        ----------
        path : str or Path
            The folder; created when missing.
        overwrite : bool
            Replace the study tables of a folder that already holds files (optional tables this
            study leaves empty, and ``study.json`` when it has no metadata, are removed). Without
            it a folder holding any file is refused and nothing is written.

        Returns
        -------
        Path
            The folder.

        Raises
        ------
        OverwriteError
            When the folder holds files and ``overwrite`` is not given.
        WriteError
            When the folder cannot be written (read-only, full disk); nothing was changed.
        """
        folder = Path(path)
        if not overwrite:
            refuse_nonempty(folder, doing="save the study", replace="its tables")
        files = study_files(folder, self.tables, self.metadata)
        make_folder(folder)
        write_files(files)
        return folder

    def equals(self, other: object) -> bool:
        """Whether two studies hold equal tables and metadata."""
        if not isinstance(other, Study):
            return False
        return self.metadata == other.metadata and all(
            self.tables[n].reset_index(drop=True).equals(other.tables[n].reset_index(drop=True))
            for n in CODEBOOK)

    __eq__ = equals
    __hash__ = None  # type: ignore[assignment]


def _derive(study: Study, min_valid_days: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    parts = study.participants
    base = pd.DataFrame({
        "participant_id": parts["participant_id"],
        "sex": parts["sex"],
        "age": parts["age"].where(
            parts["age"].notna(),
            parts["follow_up_start"].dt.year - parts["birth_year"].astype("float64")),
        "height_cm": parts["height_cm"],
        "body_mass_kg": parts["body_mass_kg"],
        "sport": parts["sport"],
        "level": parts["level"],
        "prior_cramps": parts["prior_cramps"].astype("Float64").astype(float),
        "prior_hamstring_injury": parts["prior_hamstring_injury"].astype("Float64").astype(float),
        "arm": parts["arm"],
        "team": parts["team"],
    }).set_index("participant_id")
    base["follow_up_days"] = measures.follow_up_window(parts)["days"].reindex(base.index)
    sit, ex_sit = measures.sitting_measures(study.sitting, study.lines["sitting"],
                                            min_valid_days=min_valid_days)
    strength, ex_str = measures.strength_measures(study.strength, study.lines["strength"], parts)
    activation = measures.activation_measures(study.activation, parts)
    ex_emg = measures._late_emg_exclusions(study.activation, study.lines["activation"], parts)
    expo, ex_expo = measures.exposure_measures(parts, study.exposure, study.lines["exposure"],
                                               study.cramps, study.lines["cramps"])
    after = measures.after_post_test(
        parts, study.exposure, study.cramps,
        measures.post_test_dates(study.strength, parts))
    table = base.join([sit, strength, activation, expo, after])
    missing_expo = table["exposure_h"].isna().to_numpy()
    ex_part = measures._exclusions("participants", parts, study.lines["participants"],
                                   missing_expo, "no exposure inside follow-up: left out of "
                                   "rate analyses (exposure_h and cramps missing)")
    no_mass = (parts["body_mass_kg"].isna() & parts["participant_id"].isin(
        study.strength.loc[study.strength["test"].eq("hhd_hip_extension"), "participant_id"]
    )).to_numpy()
    ex_mass = measures._exclusions("participants", parts, study.lines["participants"], no_mass,
                                   "body mass missing: glute_nm_kg cannot be normalised")
    order = [c for c in ANALYSIS_COLUMNS if c != "team" or table["team"].notna().any()]
    for col in order:
        if col not in table.columns and col != "participant_id":
            table[col] = np.nan
    table = table.reset_index()[order]
    exclusions = measures._concat([ex_part, ex_mass, ex_sit, ex_str, ex_emg, ex_expo])
    return table, exclusions.reset_index(drop=True)
