"""Participant-level measures derived from the long study tables, each by one stated rule.

This module is the one home of every derived measure: :class:`glute_study.Study`, the
statistics, the command line and the notebooks call it rather than compute a measure again.
The functions behind :meth:`Study.analysis_table` take typed codebook tables and return the
per-participant values plus the rows they left out, with the reason, so that nothing leaves the
analysis without a trace. The rules are the ones written in
:data:`glute_study.codebook.ANALYSIS_COLUMNS`.

Strength (the rules of :func:`strength_summary`, used by the analysis table and by reliability):

* torque (Nm) = force at the pad (N) x lever arm (m, pad to hip joint); a value already in Nm
  is used as it is; bridge repetitions stay repetitions (:func:`trial_torque`);
* per side, the **best** (largest) trial by default (``rule="mean"``: mean of the trials;
  :func:`participant_values` holds every rule);
* the participant value is the mean of the sides, and Nm/kg = torque / body mass (kg);
* side asymmetry % = (stronger - weaker) / stronger x 100 (VALD's "imbalance"); the weaker side
  is named.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._checks import check_one_of, require_columns
from .codebook import DEVICE_INSTRUMENTS, HAMSTRING_MUSCLES
from .errors import InputError

__all__ = [
    "TERTILE_LABELS",
    "TRIAL_RULES",
    "COUNTING_SCALES",
    "LEFT_OUT_REASONS",
    "WINDOW_COLUMNS",
    "EMG_REASONS",
    "EMG_TASK",
    "ONSET_ORDER_LABELS",
    "LATE_STRENGTH_REASON",
    "activation_measures",
    "baseline_sessions",
    "emg_coverage",
    "emg_sessions",
    "counting_process",
    "exposure_hours",
    "exposure_measures",
    "first_cramp_times",
    "follow_up_week",
    "follow_up_window",
    "inside_follow_up",
    "on_or_before_follow_up_start",
    "onset_order",
    "outside_follow_up",
    "participant_values",
    "randomised",
    "sitting_measures",
    "sitting_tertiles",
    "strength_measures",
    "strength_sessions",
    "strength_summary",
    "trial_design",
    "trial_flow",
    "trial_torque",
]

EXCLUSION_COLUMNS = ["table", "line", "participant_id", "reason"]


def _exclusions(table: str, frame: pd.DataFrame, lines: np.ndarray, mask, reason) -> pd.DataFrame:
    mask = np.asarray(mask, dtype=bool)
    reasons = reason[mask] if isinstance(reason, np.ndarray | pd.Series) else reason
    return pd.DataFrame({
        "table": table,
        "line": pd.array(np.asarray(lines)[mask], dtype="Int64"),
        "participant_id": frame["participant_id"].to_numpy()[mask],
        "reason": np.asarray(reasons, dtype=object) if not isinstance(reasons, str) else reasons,
    }, columns=EXCLUSION_COLUMNS)


def sitting_measures(sitting: pd.DataFrame, lines: np.ndarray, *, min_valid_days: int = 4):
    """Mean daily device sitting over valid days, and self-reported sitting, per participant.

    One device per participant is used: the first of :data:`DEVICE_INSTRUMENTS` (thigh-worn
    posture before hip-worn intensity) that has a valid day. Days of other devices, invalid days
    and days without a valid-day flag are returned as exclusions, and so are the days of a
    participant with fewer than ``min_valid_days`` valid days (whose sitting stays missing).
    """
    device, chosen_rank, same, used = _device_days(sitting)
    counts = pd.Series(used).groupby(sitting["participant_id"].to_numpy()).sum()
    enough = sitting["participant_id"].map(counts >= min_valid_days).fillna(False).to_numpy(bool)
    parts = []
    other = device & ~same & ~np.isnan(chosen_rank)
    if other.any():
        pref = np.array(DEVICE_INSTRUMENTS, dtype=object)[
            np.nan_to_num(chosen_rank, nan=0).astype(int)]
        reason = pd.Series(sitting["instrument"].to_numpy(), dtype=object) + " day not used: " + \
            pd.Series(pref, dtype=object) + " is the preferred device for this participant"
        parts.append(_exclusions("sitting", sitting, lines, other, reason.to_numpy()))
    invalid_flag = device & sitting["valid_day"].eq(False).fillna(False).to_numpy(bool) & ~other
    parts.append(_exclusions("sitting", sitting, lines, invalid_flag, "invalid device day"))
    no_flag = device & sitting["valid_day"].isna().to_numpy() & ~other
    parts.append(_exclusions("sitting", sitting, lines, no_flag,
                             "device day without a valid_day flag"))
    few = used & ~enough
    if few.any():
        n = sitting["participant_id"].map(counts).to_numpy()
        reason = np.array([f"only {int(k)} valid day(s), fewer than {min_valid_days}: "
                           "sitting_h_day left missing" for k in n], dtype=object)
        parts.append(_exclusions("sitting", sitting, lines, few, reason))
    use = used & enough
    days = sitting[use].copy()
    out = days.groupby("participant_id").agg(
        sitting_h_day=("sitting_h", "mean"),
        sitting_days=("sitting_h", "size"),
        prolonged_sitting_h_day=("prolonged_sitting_h", "mean"),
        sitting_instrument=("instrument", "first"),
    )
    breaks = days.groupby("participant_id").apply(
        lambda d: d["breaks"].sum() / d["sitting_h"].sum()
        if d["breaks"].notna().all() and d["sitting_h"].sum() > 0 else np.nan,
        include_groups=False) if len(days) else pd.Series(dtype=float)
    out["breaks_per_sitting_h"] = breaks.astype(float)
    out["sitting_days"] = out["sitting_days"].astype(float)
    self_report = sitting[sitting["instrument"].eq("self_report").to_numpy()]
    out = out.join(self_report.groupby("participant_id")["sitting_h"].mean()
                   .rename("self_report_sitting_h_day"), how="outer")
    return out, _concat(parts)


def _device_days(sitting: pd.DataFrame):
    """The device rule of :func:`sitting_measures`, row by row: whether each row is a device
    day, the rank of the participant's preferred device, whether the row is of that device,
    and whether it is a valid day of it (a day the analysis uses)."""
    device = sitting["instrument"].isin(DEVICE_INSTRUMENTS).to_numpy()
    valid = sitting["valid_day"].fillna(False).to_numpy(dtype=bool) & device
    rank = sitting["instrument"].map({d: i for i, d in enumerate(DEVICE_INSTRUMENTS)})
    chosen = (rank.where(valid).groupby(sitting["participant_id"]).min())
    chosen_rank = sitting["participant_id"].map(chosen).to_numpy(dtype=float)
    same = device & (rank.to_numpy(dtype=float) == chosen_rank)
    return device, chosen_rank, same, valid & same


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="Int64" if c == "line" else object)
                             for c in EXCLUSION_COLUMNS})
    return pd.concat(parts, ignore_index=True)


def _follow_up_starts(participants: pd.DataFrame) -> pd.Series:
    """``follow_up_start`` by participant id (the first row of a repeated id), as a day."""
    require_columns(participants, ["participant_id", "follow_up_start"], where="participants")
    people = participants.drop_duplicates("participant_id")
    return pd.Series(pd.to_datetime(people["follow_up_start"]).dt.normalize().to_numpy(),
                     index=pd.Index(people["participant_id"].to_numpy(), name="participant_id"))


def _on_or_before_start(frame: pd.DataFrame, follow_up_start: pd.Series) -> np.ndarray:
    """The baseline rule of every repeated test: whether each row's ``date`` is on or before
    its participant's ``follow_up_start`` (the first day of follow-up counts as baseline,
    the test being taken before that day's training). A row whose participant has no start,
    or without a date, is not baseline."""
    day = pd.to_datetime(frame["date"]).dt.normalize()
    start = frame["participant_id"].map(follow_up_start)
    return (day <= pd.to_datetime(start)).to_numpy(bool)


def on_or_before_follow_up_start(rows: pd.DataFrame, participants: pd.DataFrame) -> np.ndarray:
    """Whether each row's ``date`` is on or before its participant's ``follow_up_start``.

    The baseline rule of every repeated test, row by row (:func:`baseline_sessions` applies it
    to sessions): the first day of follow-up counts, the test being taken before that day's
    training. A row without a date, or whose participant has no start, is not on or before.

    Examples
    --------
    >>> people = pd.DataFrame({"participant_id": ["a"],
    ...     "follow_up_start": pd.to_datetime(["2025-01-06"])})
    >>> rows = pd.DataFrame({"participant_id": "a",
    ...     "date": pd.to_datetime(["2025-01-05 09:00", "2025-01-06 18:00", "2025-01-07 09:00",
    ...                             None])})
    >>> on_or_before_follow_up_start(rows, people).tolist()
    [True, True, False, False]
    """
    require_columns(rows, ["participant_id", "date"], where="the dated rows")
    return _on_or_before_start(rows, _follow_up_starts(participants))


def _session_table(rows: pd.DataFrame, follow_up_start: pd.Series) -> pd.DataFrame:
    """One row per participant and session of ``rows``: its ``date`` (the latest date of its
    rows) and whether it is a ``baseline`` session (:func:`_on_or_before_start` on that date)."""
    per = rows.groupby(["participant_id", "session"])["date"].max().reset_index()
    per["baseline"] = _on_or_before_start(per, follow_up_start)
    return per


def baseline_sessions(rows: pd.DataFrame, participants: pd.DataFrame) -> pd.DataFrame:
    """The baseline session of a repeated test per participant, and its timing.

    The one rule of when a repeated test (a strength test, an EMG task) counts as a baseline
    measure: a session is a **baseline** session when its date (the latest date of its rows)
    is on or before the participant's ``follow_up_start``, the day cramp and exposure counting
    (and, in a trial, the randomised training) begins; the first day of follow-up counts, the
    test being taken before that day's training. The measures use the first baseline session.
    A participant whose sessions all lie after ``follow_up_start`` has no baseline session:
    the test was taken after randomisation and after part of the cramps it would be set
    against, so its value is left missing; a later session is never used in its place
    (``glute_nm_kg``, ``bridge_reps`` and the EMG measures of
    :data:`glute_study.codebook.ANALYSIS_COLUMNS`).

    Parameters
    ----------
    rows : pandas.DataFrame
        The rows of one test: ``participant_id``, ``session`` and ``date``.
    participants : pandas.DataFrame
        With ``participant_id`` and ``follow_up_start``.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``participant_id``, one row per participant in ``rows``: ``session`` (the
        first baseline session, else the first session), ``date`` (its date),
        ``days_before_follow_up`` (``follow_up_start`` minus that date in days: 0 on the
        first day of follow-up, negative after it; missing without a start) and ``baseline``
        (whether that session is a baseline session).

    Examples
    --------
    >>> people = pd.DataFrame({"participant_id": ["a", "b"],
    ...     "follow_up_start": pd.to_datetime(["2025-01-06", "2025-01-06"])})
    >>> rows = pd.DataFrame({"participant_id": ["a", "a", "b"], "session": [1, 2, 1],
    ...     "date": pd.to_datetime(["2024-12-30", "2025-04-01", "2025-02-03"])})
    >>> baseline_sessions(rows, people)
                    session       date  days_before_follow_up  baseline
    participant_id
    a                     1 2024-12-30                    7.0      True
    b                     1 2025-02-03                  -28.0     False
    """
    start = _follow_up_starts(participants)
    columns = ["session", "date", "days_before_follow_up", "baseline"]
    if rows.empty:
        return pd.DataFrame({"session": pd.Series(dtype="Int64"),
                             "date": pd.Series(dtype="datetime64[ns]"),
                             "days_before_follow_up": pd.Series(dtype=float),
                             "baseline": pd.Series(dtype=bool)},
                            index=pd.Index([], dtype=object, name="participant_id"))
    per = _session_table(rows, start)
    per = per.sort_values(["participant_id", "baseline", "session"],
                          ascending=[True, False, True], kind="stable")
    out = per.drop_duplicates("participant_id").set_index("participant_id")
    days = (out.index.map(start).to_series(index=out.index)
            - pd.to_datetime(out["date"]).dt.normalize()) / pd.Timedelta(days=1)
    out["days_before_follow_up"] = days.astype(float)
    out["session"] = out["session"].astype("Int64")
    return out[columns]


def _sessions(frame: pd.DataFrame, follow_up_start: pd.Series):
    """Baseline and post session number per participant (see ANALYSIS_COLUMNS).

    The baseline session is the first baseline session of :func:`baseline_sessions`; a
    participant without one has none (never a later session). The post-test is a repeat
    test: the last session after ``follow_up_start``, other than the first session of a
    participant without a baseline one (a participant tested once, late, has neither)."""
    per = _session_table(frame, follow_up_start)
    first = per.groupby("participant_id")["session"].min()
    baseline = per[per["baseline"].to_numpy(bool)].groupby("participant_id")["session"].min()
    after = per[~per["baseline"].to_numpy(bool)]
    not_repeat = after["participant_id"].map(first.drop(baseline.index)).to_numpy(float)
    after = after[after["session"].to_numpy(float) != not_repeat]
    post = after.groupby("participant_id")["session"].max()
    return baseline, post


#: Why a participant's baseline strength is missing although the test was done: every session
#: of it lies after ``follow_up_start`` (:func:`baseline_sessions`). Exclusion rows of
#: :func:`strength_measures` begin with it, and :meth:`glute_study.Study.flow` counts it.
LATE_STRENGTH_REASON = "strength tested only after follow-up began"


def _late_reason(column: str) -> str:
    """The exclusion reason of :func:`strength_measures` for a late test of ``column``."""
    words = {"glute_nm_kg": "glute strength", "bridge_reps": "single-leg bridge"}[column]
    return f"{LATE_STRENGTH_REASON}: no baseline {words}"


def strength_measures(strength: pd.DataFrame, lines: np.ndarray, participants: pd.DataFrame):
    """Baseline and post hip-extension torque per kg and baseline bridge reps per participant.

    The session values are those of :func:`strength_summary` (best trial per side, mean of the
    sides, per kg of body mass); the baseline and post sessions are chosen as
    :data:`glute_study.codebook.ANALYSIS_COLUMNS` says. A participant tested only after
    ``follow_up_start`` has no baseline value (:func:`baseline_sessions`): the rows of that
    test not used for a post-test are returned as exclusions, with a reason beginning with
    :data:`LATE_STRENGTH_REASON`.

    Examples
    --------
    >>> people = pd.DataFrame({"participant_id": ["early", "late"], "body_mass_kg": 80.0,
    ...     "follow_up_start": pd.Timestamp("2025-01-06")})
    >>> rows = pd.DataFrame({"participant_id": ["early"] * 2 + ["late"] * 2,
    ...     "date": pd.to_datetime(["2025-01-06"] * 2 + ["2025-01-20"] * 2), "session": 1,
    ...     "test": "hhd_hip_extension", "side": ["left", "right"] * 2, "trial": 1,
    ...     "value": 400.0, "unit": "N", "lever_arm_m": 0.5})
    >>> values, left_out = strength_measures(rows, np.arange(2, 6), people)
    >>> values["glute_nm_kg"].tolist()
    [2.5, nan]
    >>> left_out[["line", "participant_id"]].to_numpy().tolist()
    [[4, 'late'], [5, 'late']]
    >>> left_out["reason"].iloc[0]
    'strength tested only after follow-up began: no baseline glute strength'
    """
    start = _follow_up_starts(participants)
    frame = trial_torque(strength)
    torque = frame["result"].to_numpy(float)
    hhd = strength["test"].eq("hhd_hip_extension").to_numpy()
    no_arm = hhd & np.isnan(torque)
    parts = [_exclusions("strength", strength, lines, no_arm,
                         "force without lever arm: torque unknown")]
    out = pd.DataFrame(index=pd.Index(participants["participant_id"], name="participant_id"))
    for test, column, post_column, measure in (
        ("hhd_hip_extension", "glute_nm_kg", "glute_nm_kg_post", "nm_kg"),
        ("single_leg_bridge", "bridge_reps", None, "mean_of_sides"),
    ):
        parts.append(_late_strength(strength, lines, participants, test=test, usable=~no_arm,
                                    reason=_late_reason(column)))
        rows = strength[strength["test"].eq(test).to_numpy() & ~np.isnan(torque)]
        if rows.empty:
            out[column] = np.nan
            if post_column:
                out[post_column] = np.nan
            continue
        values = strength_summary(rows, participants).set_index(
            ["participant_id", "session"])[measure]
        baseline, post = _sessions(rows, start)
        for name, sessions in ((column, baseline), (post_column, post)):
            if name is None:
                continue
            chosen = pd.MultiIndex.from_arrays([sessions.index, sessions.to_numpy()])
            value = pd.Series(values.reindex(chosen).to_numpy(float), index=sessions.index)
            out[name] = value.reindex(out.index).astype(float)
    return out, _concat(parts)


def _late_strength(strength: pd.DataFrame, lines: np.ndarray, participants: pd.DataFrame, *,
                   test: str, usable: np.ndarray, reason: str) -> pd.DataFrame:
    """The ``test`` rows of participants tested only after follow-up began
    (:func:`baseline_sessions`) that no post-test uses, as exclusions with ``reason``."""
    mask = strength["test"].eq(test).to_numpy(bool) & usable
    rows = strength[mask]
    if rows.empty:
        return _concat([])
    timing = baseline_sessions(rows, participants)
    late = timing.index[~timing["baseline"].to_numpy(bool)]
    if late.empty:
        return _concat([])
    _, post = _sessions(rows, _follow_up_starts(participants))
    pid = strength["participant_id"]
    at_post = strength["session"].astype(float).to_numpy() == pid.map(post).astype(
        float).to_numpy()
    mask = mask & pid.isin(late).to_numpy(bool) & ~at_post
    return _exclusions("strength", strength, lines, mask, reason)


def strength_sessions(strength: pd.DataFrame, participants: pd.DataFrame, *,
                      test: str = "hhd_hip_extension", rule: str = "best") -> pd.DataFrame:
    """The analysed strength variable of one test per participant and session.

    The rules are those of :func:`strength_summary` and of ``glute_nm_kg`` in the analysis
    table: the ``rule`` trial of each side, the mean of the sides, per kg of body mass. Use it
    for anything that compares sessions (test-retest reliability, agreement), so that those
    analyses are on the variable the others use.

    Parameters
    ----------
    strength : pandas.DataFrame
        The codebook ``strength`` table.
    participants : pandas.DataFrame
        With ``participant_id`` and ``body_mass_kg``.
    test : str
        The strength test (a ``test`` code of the codebook).
    rule : str
        How trials of one side are combined (see :func:`participant_values`).

    Returns
    -------
    pandas.DataFrame
        ``participant_id, session, date, left, right, value, unit``: ``left`` and ``right`` per
        side and ``value`` the mean of the sides, in Nm/kg for torque tests (missing without
        body mass) and in repetitions for the bridge; ``unit`` says which. ``.attrs["rule"]``
        states the rule and ``.attrs["unit"]`` the unit.

    Examples
    --------
    >>> rows = pd.DataFrame({"participant_id": "P1", "date": pd.Timestamp("2026-03-02"),
    ...     "session": 1, "test": "hhd_hip_extension", "side": ["left"] * 2 + ["right"] * 2,
    ...     "trial": [1, 2, 1, 2], "value": [400.0, 420.0, 440.0, 430.0], "unit": "N",
    ...     "lever_arm_m": 0.5})
    >>> people = pd.DataFrame({"participant_id": ["P1"], "body_mass_kg": [80.0]})
    >>> s = strength_sessions(rows, people)
    >>> s[["left", "right", "value", "unit"]].round(4)
         left   right   value   unit
    0  2.625  2.75  2.6875  Nm/kg
    >>> s.attrs["rule"]
    'best (largest) trial per side, mean of sides'
    """
    require_columns(strength, ["test"], where="the strength table")
    rows = strength[strength["test"].eq(test).to_numpy(bool)]
    summary = strength_summary(rows, participants, rule=rule)
    torque = summary["unit"].eq("Nm").to_numpy(bool)
    out = summary[["participant_id", "session", "date"]].copy()
    for col, per_kg, raw in (("left", "left_nm_kg", "left"), ("right", "right_nm_kg", "right"),
                             ("value", "nm_kg", "mean_of_sides")):
        out[col] = np.where(torque, summary[per_kg], summary[raw]).astype(float)
    out["unit"] = np.where(torque, "Nm/kg", "reps")
    units = sorted(set(out["unit"]))
    out.attrs["rule"] = f"{_RULE_LABELS[TRIAL_RULES[rule]]} per side, mean of sides"
    out.attrs["unit"] = units[0] if len(units) == 1 else ""
    return out.reset_index(drop=True)


#: The EMG task of the analysis table's activation measures.
EMG_TASK = "prone_hip_extension"

#: Why a participant has no glute minus hamstring onset delay (:func:`emg_coverage`), in the
#: order the rule meets them; ``with_onset_delay`` for those who have one.
EMG_REASONS = {
    "with_onset_delay": "onset delay measured",
    "no_emg": "no EMG recorded",
    "other_task": "EMG recorded, but not in prone hip extension",
    "after_follow_up_start": "EMG recorded only after follow-up began",
    "no_glute_onset": "no gluteus maximus onset at the baseline EMG session",
    "no_hamstring_onset": "no hamstring onset at the baseline EMG session",
    "no_common_trial": "no trial with both a gluteus maximus and a hamstring onset",
}

#: The levels of :func:`onset_order`: the glute minus hamstring onset delay above 0 (the
#: hamstrings fire first) or not.
ONSET_ORDER_LABELS = ("hamstrings_first", "glute_first")


def emg_sessions(activation: pd.DataFrame, participants: pd.DataFrame, *,
                 task: str = EMG_TASK) -> pd.DataFrame:
    """The EMG session each participant's activation measures come from, and its timing.

    The rule of :func:`baseline_sessions`, the one rule of every repeated test: a session
    of ``task`` is a **baseline** session when its date (the latest date of its rows) is on
    or before the participant's ``follow_up_start``, the day cramp and exposure counting (and,
    in a trial, the randomised training) begins; the same rule as the baseline strength. The
    measures use the first baseline session. A participant whose sessions of the task all
    lie after ``follow_up_start`` has no baseline session: the EMG was recorded after
    randomisation and after part of the cramps it would be set against, so it is not used
    (:func:`activation_measures` leaves the participant out and :func:`emg_coverage` says
    ``after_follow_up_start``); a later session is never used in its place.

    Parameters
    ----------
    activation : pandas.DataFrame
        The codebook ``activation`` table (may be empty).
    participants : pandas.DataFrame
        With ``participant_id`` and ``follow_up_start``.
    task : str
        The EMG task of the measures.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``participant_id``, one row per participant with EMG in ``task``:
        ``session`` (the first baseline session, else the first session), ``date`` (its
        date), ``days_before_follow_up`` (``follow_up_start`` minus that date in days:
        0 on the first day of follow-up, negative after it; missing without a start) and
        ``baseline`` (whether that session is a baseline session).

    Examples
    --------
    >>> people = pd.DataFrame({"participant_id": ["a", "b"],
    ...     "follow_up_start": pd.to_datetime(["2025-01-06", "2025-01-06"])})
    >>> rows = pd.DataFrame({"participant_id": ["a", "a", "b"], "session": [1, 2, 1],
    ...     "task": "prone_hip_extension",
    ...     "date": pd.to_datetime(["2024-12-30", "2025-04-01", "2025-02-03"])})
    >>> emg_sessions(rows, people)
                    session       date  days_before_follow_up  baseline
    participant_id
    a                     1 2024-12-30                    7.0      True
    b                     1 2025-02-03                  -28.0     False
    """
    rows = activation[activation["task"].eq(task).to_numpy(bool)]
    return baseline_sessions(rows, participants)


def _baseline_rows(activation: pd.DataFrame, participants: pd.DataFrame,
                   task: str) -> pd.DataFrame:
    """The rows of ``task`` at each participant's baseline EMG session (:func:`emg_sessions`)."""
    sessions = emg_sessions(activation, participants, task=task)
    chosen = sessions.loc[sessions["baseline"].to_numpy(bool), "session"].astype(float)
    if chosen.empty:
        return activation.iloc[:0]
    rows = activation[activation["task"].eq(task).to_numpy(bool)]
    wanted = rows["participant_id"].map(chosen).to_numpy(float)
    return rows[rows["session"].astype(float).to_numpy() == wanted]


def _onsets(rows: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Per participant and trial: the gluteus maximus onset and the mean hamstring onset."""
    glute = rows[rows["muscle"].eq("gluteus_maximus").to_numpy(bool)]
    ham = rows[rows["muscle"].isin(HAMSTRING_MUSCLES).to_numpy(bool)]
    return (glute.groupby(["participant_id", "trial"])["onset_ms"].mean(),
            ham.groupby(["participant_id", "trial"])["onset_ms"].mean())


def activation_measures(activation: pd.DataFrame, participants: pd.DataFrame, *,
                        task: str = EMG_TASK) -> pd.DataFrame:
    """Onset delay and amplitudes of the baseline EMG session, per participant.

    The rules of :data:`glute_study.codebook.ANALYSIS_COLUMNS`: in ``task`` at each
    participant's baseline session (the first on or before ``follow_up_start``, as
    :func:`emg_sessions` says; participants with EMG only after it are left out), the gluteus
    maximus onset minus the mean onset of the hamstring muscles per trial, averaged over
    trials (positive: the hamstrings fire first); the mean gluteus maximus and the mean
    hamstring amplitude (%MVIC) over trials (and hamstring muscles); and the hamstring:glute
    amplitude ratio, the ratio of those two means.

    Examples
    --------
    >>> people = pd.DataFrame({"participant_id": ["P1"],
    ...     "follow_up_start": pd.to_datetime(["2026-03-09"])})
    >>> rows = pd.DataFrame({"participant_id": "P1", "session": 1,
    ...     "date": pd.Timestamp("2026-03-02"), "task": "prone_hip_extension",
    ...     "trial": [1, 1, 1, 2, 2, 2],
    ...     "muscle": ["gluteus_maximus", "biceps_femoris", "semitendinosus"] * 2,
    ...     "onset_ms": [300.0, 200.0, 220.0, 310.0, 250.0, 250.0],
    ...     "amplitude_pct_mvic": [40.0, 30.0, 50.0, 44.0, 34.0, 46.0]})
    >>> activation_measures(rows, people).loc["P1"].round(3).to_dict()
    ... # doctest: +NORMALIZE_WHITESPACE
    {'glute_onset_delay_ms': 75.0, 'glute_pct_mvic': 42.0, 'hamstring_pct_mvic': 40.0,
     'hamstring_glute_ratio': 0.952}

    Recorded only after follow-up began, the same session gives no measures:

    >>> activation_measures(rows.assign(date=pd.Timestamp("2026-04-06")), people).empty
    True
    """
    columns = ["glute_onset_delay_ms", "glute_pct_mvic", "hamstring_pct_mvic",
               "hamstring_glute_ratio"]
    rows = _baseline_rows(activation, participants, task)
    if rows.empty:
        return pd.DataFrame(columns=columns, dtype=float)
    g, h = _onsets(rows)
    delay = (g - h).dropna().groupby("participant_id").mean()
    glute = rows[rows["muscle"].eq("gluteus_maximus").to_numpy(bool)]
    ham = rows[rows["muscle"].isin(HAMSTRING_MUSCLES).to_numpy(bool)]
    amp = glute.groupby("participant_id")["amplitude_pct_mvic"].mean()
    amp_ham = ham.groupby("participant_id")["amplitude_pct_mvic"].mean()
    out = pd.DataFrame({"glute_onset_delay_ms": delay, "glute_pct_mvic": amp,
                        "hamstring_pct_mvic": amp_ham}).astype(float)
    ratio = out["hamstring_pct_mvic"] / out["glute_pct_mvic"]
    out["hamstring_glute_ratio"] = ratio.where(out["glute_pct_mvic"] > 0)
    return out[columns]


def _late_emg_exclusions(activation: pd.DataFrame, lines: np.ndarray,
                         participants: pd.DataFrame, *, task: str = EMG_TASK) -> pd.DataFrame:
    """The ``task`` rows of participants with EMG only after follow-up began (left out)."""
    if activation.empty:
        return _concat([])
    sessions = emg_sessions(activation, participants, task=task)
    late = sessions.index[~sessions["baseline"].to_numpy(bool)]
    mask = (activation["task"].eq(task).to_numpy(bool)
            & activation["participant_id"].isin(late).to_numpy(bool))
    return _exclusions("activation", activation, lines, mask,
                       f"{EMG_REASONS['after_follow_up_start']}: no baseline EMG, so no onset "
                       "delay or amplitudes")


def emg_coverage(activation: pd.DataFrame, participants: pd.DataFrame, *,
                 task: str = EMG_TASK) -> pd.Series:
    """Why each participant has a glute minus hamstring onset delay, or why not.

    One code of :data:`EMG_REASONS` per participant, following the rule of
    :func:`activation_measures`: no EMG rows at all; rows, but none in ``task``; EMG in
    ``task`` only after ``follow_up_start`` (no baseline session, :func:`emg_sessions`); no
    gluteus maximus onset or no hamstring onset at the baseline session; or no trial with
    both.

    Parameters
    ----------
    activation : pandas.DataFrame
        The codebook ``activation`` table (may be empty).
    participants : pandas.DataFrame
        The participants to account for, with ``participant_id`` and ``follow_up_start``
        (the study's ``participants`` table).
    task : str
        The EMG task of the measures.

    Returns
    -------
    pandas.Series
        Indexed by participant id; codes of :data:`EMG_REASONS` (read them with that dict).

    Examples
    --------
    >>> people = pd.DataFrame({"participant_id": ["P1", "P2", "P3", "P4", "P5"],
    ...     "follow_up_start": pd.Timestamp("2026-03-09")})
    >>> rows = pd.DataFrame({"participant_id": ["P1", "P1", "P2", "P3", "P5", "P5"],
    ...     "session": 1, "date": pd.Timestamp("2026-03-02"),
    ...     "task": ["prone_hip_extension"] * 2 + ["hip_thrust"] + ["prone_hip_extension"] * 3,
    ...     "trial": 1, "muscle": ["gluteus_maximus", "biceps_femoris"] * 3,
    ...     "onset_ms": [300.0, 200.0, 250.0, 210.0, 300.0, 200.0]})
    >>> rows.loc[rows["participant_id"].eq("P5"), "date"] = pd.Timestamp("2026-05-04")
    >>> emg_coverage(rows, people).tolist()
    ['with_onset_delay', 'other_task', 'no_glute_onset', 'no_emg', 'after_follow_up_start']
    """
    require_columns(participants, ["participant_id", "follow_up_start"], where="participants")
    ids = pd.Index(pd.unique(participants["participant_id"].astype(object)),
                   name="participant_id")
    out = pd.Series("no_emg", index=ids, dtype=object)
    if activation.empty:
        return out
    out[ids.isin(activation["participant_id"])] = "other_task"
    sessions = emg_sessions(activation, participants, task=task)
    out[ids.isin(sessions.index)] = "after_follow_up_start"
    at_baseline = ids.isin(sessions.index[sessions["baseline"].to_numpy(bool)])
    rows = _baseline_rows(activation, participants, task)
    rows = rows[rows["onset_ms"].notna().to_numpy(bool)]
    g, h = _onsets(rows)
    has_g = ids.isin(g.index.get_level_values("participant_id"))
    has_h = ids.isin(h.index.get_level_values("participant_id"))
    both = ids.isin((g - h).dropna().index.get_level_values("participant_id"))
    out[at_baseline] = "no_common_trial"
    out[at_baseline & ~has_h] = "no_hamstring_onset"
    out[at_baseline & ~has_g] = "no_glute_onset"
    out[both] = "with_onset_delay"
    return out


def onset_order(data: pd.DataFrame, *, column: str = "glute_onset_delay_ms") -> pd.Series:
    """Which muscle fired first: ``hamstrings_first`` (delay above 0) or ``glute_first``.

    A description of the onset order, not a diagnosis: in healthy adults the hamstrings
    usually fire before the gluteus maximus in prone hip extension. A delay of exactly 0 (the
    two together) counts as ``glute_first``; participants without the delay stay missing.

    Examples
    --------
    >>> data = pd.DataFrame({"glute_onset_delay_ms": [120.0, -30.0, 0.0, np.nan]})
    >>> onset_order(data).tolist()
    ['hamstrings_first', 'glute_first', 'glute_first', nan]
    """
    require_columns(data, [column], where="the analysis table")
    delay = pd.to_numeric(data[column], errors="coerce")
    order = pd.Series(np.where(delay > 0, ONSET_ORDER_LABELS[0], ONSET_ORDER_LABELS[1]),
                      index=data.index, dtype=object).where(delay.notna())
    return order


# -- follow-up, exposure and cramps -----------------------------------------------------------

def follow_up_window(participants: pd.DataFrame) -> pd.DataFrame:
    """Each participant's follow-up: 00:00 of ``follow_up_start`` to 24:00 of ``follow_up_end``.

    The one rule behind ``follow_up_days``, ``exposure_h`` and the cramp counts of the analysis
    table, :meth:`Study.session_table` and :func:`first_cramp_times`.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``participant_id`` (the first row of a repeated id): ``start`` (00:00 of the
        first day), ``end`` (00:00 of the day after the last: the window is ``start <= t <
        end``) and ``days`` (``follow_up_end - follow_up_start + 1``; missing without dates).

    Examples
    --------
    >>> people = pd.DataFrame({"participant_id": ["a"],
    ...     "follow_up_start": pd.to_datetime(["2025-01-01"]),
    ...     "follow_up_end": pd.to_datetime(["2025-01-10"])})
    >>> follow_up_window(people)
                        start        end  days
    participant_id
    a              2025-01-01 2025-01-11  10.0
    """
    require_columns(participants, ["participant_id", "follow_up_start", "follow_up_end"],
                    where="participants")
    people = participants.drop_duplicates("participant_id")
    start = pd.to_datetime(people["follow_up_start"]).dt.normalize()
    end = pd.to_datetime(people["follow_up_end"]).dt.normalize() + pd.Timedelta(days=1)
    return pd.DataFrame({"start": start.to_numpy(), "end": end.to_numpy(),
                         "days": ((end - start) / pd.Timedelta(days=1)).to_numpy(float)},
                        index=pd.Index(people["participant_id"].to_numpy(),
                                       name="participant_id"))


def inside_follow_up(frame: pd.DataFrame, column: str, window: pd.DataFrame) -> np.ndarray:
    """Whether each row's time (``frame[column]``) lies in its participant's follow-up.

    ``window`` is :func:`follow_up_window` of the participants table. A row of a participant
    without a window, or without a time, is not inside (what the analyses count).

    Examples
    --------
    >>> people = pd.DataFrame({"participant_id": ["a"],
    ...     "follow_up_start": pd.to_datetime(["2025-01-01"]),
    ...     "follow_up_end": pd.to_datetime(["2025-01-10"])})
    >>> cramps = pd.DataFrame({"participant_id": ["a", "a", "a", "b"],
    ...     "datetime": pd.to_datetime(["2024-12-31 23:59", "2025-01-10 23:59",
    ...                                 "2025-01-11 00:00", "2025-01-05 12:00"])})
    >>> inside_follow_up(cramps, "datetime", follow_up_window(people)).tolist()
    [False, True, False, False]
    >>> outside_follow_up(cramps, "datetime", follow_up_window(people)).tolist()
    [True, False, True, False]
    """
    start, end, time = _window_of_rows(frame, column, window)
    return (time >= start) & (time < end)


def outside_follow_up(frame: pd.DataFrame, column: str, window: pd.DataFrame) -> np.ndarray:
    """Whether each row's time lies before or after its participant's follow-up.

    The complement of :func:`inside_follow_up` among rows whose participant has a window and
    whose time is known (the rows the validator warns about); see its examples.
    """
    start, end, time = _window_of_rows(frame, column, window)
    return (time < start) | (time >= end)


def follow_up_week(frame: pd.DataFrame, column: str, window: pd.DataFrame) -> pd.Series:
    """Week of follow-up of each row's time: 1 for days 1-7 of the participant's window, 2 for
    days 8-14, and so on (the IOC consensus's weekly prevalence counts athletes by this week).

    ``window`` is :func:`follow_up_window` of the participants table. Rows outside the window,
    without a time or of a participant without a window get a missing week.

    Examples
    --------
    >>> people = pd.DataFrame({"participant_id": ["a"],
    ...     "follow_up_start": pd.to_datetime(["2025-01-01"]),
    ...     "follow_up_end": pd.to_datetime(["2025-01-20"])})
    >>> rows = pd.DataFrame({"participant_id": ["a", "a", "a", "a"],
    ...     "date": pd.to_datetime(["2025-01-01", "2025-01-07", "2025-01-08", "2025-01-21"])})
    >>> follow_up_week(rows, "date", follow_up_window(people)).tolist()
    [1, 1, 2, <NA>]
    """
    start, end, time = _window_of_rows(frame, column, window)
    days = (time - start) // np.timedelta64(1, "D")
    week = pd.array(np.asarray(days // 7 + 1, dtype=float), dtype="Float64").astype("Int64")
    inside = (time >= start) & (time < end)
    week[~inside] = pd.NA
    return pd.Series(week, index=frame.index, name="week")


def _window_of_rows(frame: pd.DataFrame, column: str, window: pd.DataFrame):
    joined = window.reindex(frame["participant_id"])
    time = pd.to_datetime(frame[column]).to_numpy()
    return joined["start"].to_numpy(), joined["end"].to_numpy(), time


def exposure_hours(exposure: pd.DataFrame, *, by: str | None = None) -> pd.Series:
    """Training and match exposure in hours: ``duration_min / 60``.

    Parameters
    ----------
    exposure : pandas.DataFrame
        Rows of the ``exposure`` table (one per session).
    by : str, optional
        Sum the minutes over the groups of this column (``"participant_id"``) before
        converting; without it, the hours of each session.

    Examples
    --------
    >>> sessions = pd.DataFrame({"participant_id": ["a", "a", "b"],
    ...                          "duration_min": [90.0, 60.0, 45.0]})
    >>> exposure_hours(sessions).tolist()
    [1.5, 1.0, 0.75]
    >>> exposure_hours(sessions, by="participant_id").tolist()
    [2.5, 0.75]
    """
    require_columns(exposure, ["duration_min", *([by] if by else [])], where="exposure")
    if by is None:
        return exposure["duration_min"].astype(float) / 60.0
    return exposure.groupby(by)["duration_min"].sum().astype(float) / 60.0


def exposure_measures(participants: pd.DataFrame, exposure: pd.DataFrame, exposure_lines,
                      cramps: pd.DataFrame, cramp_lines):
    """Exposure hours, sessions and cramp counts inside follow-up, per participant."""
    window = follow_up_window(participants)
    inside_e = inside_follow_up(exposure, "date", window)
    inside_c = inside_follow_up(cramps, "datetime", window)
    parts = [
        _exclusions("exposure", exposure, exposure_lines, ~inside_e, "session outside follow-up"),
        _exclusions("cramps", cramps, cramp_lines, ~inside_c, "cramp outside follow-up"),
    ]
    expo = exposure[inside_e]
    hours = exposure_hours(expo, by="participant_id")
    out = pd.DataFrame({"exposure_h": hours,
                        "sessions": expo.groupby("participant_id").size().astype(float)})
    has_exposure = cramps["participant_id"].isin(out.index).to_numpy()
    parts.append(_exclusions("cramps", cramps, cramp_lines, inside_c & ~has_exposure,
                             "participant has no exposure inside follow-up"))
    counted = cramps[inside_c & has_exposure]
    out["cramps"] = counted.groupby("participant_id").size().reindex(out.index, fill_value=0)
    ham = counted[counted["muscle"].eq("hamstring").to_numpy()]
    out["hamstring_cramps"] = ham.groupby("participant_id").size().reindex(out.index,
                                                                           fill_value=0)
    return out.astype(float), _concat(parts)


#: Why :func:`first_cramp_times` leaves an athlete out of a time-to-cramp analysis (the
#: ``left_out`` column), and how a sentence names those athletes.
LEFT_OUT_REASONS = {
    "no follow-up dates": "without follow-up dates",
    "no exposure in follow-up": "without any training or match exposure in follow-up",
}


def post_test_dates(strength: pd.DataFrame, participants: pd.DataFrame) -> pd.Series:
    """Date of each participant's post-test: the ``hhd_hip_extension`` session that gives
    ``glute_nm_kg_post`` (the last session after ``follow_up_start`` that is a repeat test, as
    :data:`glute_study.codebook.ANALYSIS_COLUMNS` says).

    Examples
    --------
    >>> people = pd.DataFrame({"participant_id": ["a", "b"],
    ...                        "follow_up_start": pd.to_datetime(["2025-01-06", "2025-01-06"])})
    >>> rows = pd.DataFrame({"participant_id": ["a", "a", "b"], "session": [1, 3, 1],
    ...     "test": "hhd_hip_extension",
    ...     "date": pd.to_datetime(["2024-12-30", "2025-03-31", "2024-12-30"])})
    >>> post_test_dates(rows, people)
    participant_id
    a   2025-03-31
    Name: post_test_date, dtype: datetime64[ns]
    """
    rows = strength[strength["test"].eq("hhd_hip_extension").to_numpy(bool)]
    start = _follow_up_starts(participants)
    _, post = _sessions(rows, start)
    dates = rows.groupby(["participant_id", "session"])["date"].min()
    chosen = pd.MultiIndex.from_arrays([post.index, post.to_numpy()])
    out = pd.Series(dates.reindex(chosen).to_numpy(), index=post.index, name="post_test_date")
    return out.rename_axis("participant_id")


def after_post_test(participants: pd.DataFrame, exposure: pd.DataFrame, cramps: pd.DataFrame,
                    post_dates: pd.Series) -> pd.DataFrame:
    """Exposure hours and hamstring cramps inside follow-up after each participant's post-test.

    The outcome window of a mediation within a trial, whose mediator (glute strength at the
    post-test) must be measured before the cramps it is to explain. Sessions and cramps dated
    after the post-test's date count (those of the post-test's own day do not: the order of
    test and session on that day is unknown). Participants without a post-test inside
    follow-up, or without a session after it, get missing values.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``participant_id``: ``exposure_h_after_post``,
        ``hamstring_cramps_after_post``.

    Examples
    --------
    >>> people = pd.DataFrame({"participant_id": ["a", "b"],
    ...     "follow_up_start": pd.to_datetime(["2025-01-06"] * 2),
    ...     "follow_up_end": pd.to_datetime(["2025-06-22"] * 2)})
    >>> sessions = pd.DataFrame({"participant_id": ["a", "a", "a", "b"],
    ...     "session_id": ["s1", "s2", "s3", "s1"], "duration_min": [60.0, 90, 30, 60],
    ...     "date": pd.to_datetime(["2025-02-01", "2025-03-31", "2025-04-02", "2025-04-02"])})
    >>> cramps = pd.DataFrame({"participant_id": ["a", "a"], "muscle": "hamstring",
    ...     "datetime": pd.to_datetime(["2025-02-01 18:10", "2025-04-02 18:20"])})
    >>> after_post_test(people, sessions, cramps, pd.Series(
    ...     pd.to_datetime(["2025-03-31"]), index=pd.Index(["a"], name="participant_id")))
                    exposure_h_after_post  hamstring_cramps_after_post
    participant_id
    a                                 0.5                          1.0
    b                                 NaN                          NaN
    """
    window = follow_up_window(participants)
    ids = pd.Index(participants["participant_id"].drop_duplicates(), name="participant_id")
    post = post_dates.reindex(ids)
    post = post.where((post >= window["start"].reindex(ids))
                      & (post < window["end"].reindex(ids)))

    def after(frame: pd.DataFrame, column: str) -> pd.DataFrame:
        frame = frame[inside_follow_up(frame, column, window)]
        day = pd.to_datetime(frame[column]).dt.normalize()
        return frame[(day > frame["participant_id"].map(post)).to_numpy(bool)]

    expo = after(exposure, "date")
    hours = exposure_hours(expo, by="participant_id").reindex(ids)
    ham = after(cramps[cramps["muscle"].eq("hamstring").to_numpy(bool)], "datetime")
    count = ham.groupby("participant_id").size().reindex(ids, fill_value=0).astype(float)
    return pd.DataFrame({"exposure_h_after_post": hours.astype(float),
                         "hamstring_cramps_after_post": count.where(hours.notna())})


def first_cramp_times(
    participants: pd.DataFrame,
    exposure: pd.DataFrame,
    cramps: pd.DataFrame,
    *,
    muscle: str | None = "hamstring",
    scale: str = "calendar",
) -> pd.DataFrame:
    """Time from the start of follow-up to each participant's first cramp, or to censoring.

    Parameters
    ----------
    participants : DataFrame
        The codebook ``participants`` table (``participant_id``, ``follow_up_start``,
        ``follow_up_end``).
    exposure : DataFrame
        The ``exposure`` table (``participant_id``, ``session_id``, ``date``, ``duration_min``).
        Needed for ``scale="exposure"``; an optional ``start_time`` column (session start
        date-time) lets a cramp count only the part of its session played before it.
    cramps : DataFrame
        The ``cramps`` table (``participant_id``, ``datetime``, ``session_id``, ``muscle``).
    muscle : str or None
        Count only cramps of this muscle (``"hamstring"``, ``"calf"``, ...); None counts any.
    scale : {"calendar", "exposure"}
        The time scale.

    Returns
    -------
    DataFrame
        One row per participant: ``participant_id``, ``time``, ``event`` (1 = a cramp, 0 =
        censored) and ``left_out``, the reason the athlete is not at risk (a key of
        :data:`LEFT_OUT_REASONS`; ``""`` for an athlete at risk). An athlete left out has NaN
        ``time`` and ``event``; :func:`~glute_study.stats.survival.kaplan_meier` and
        :func:`~glute_study.stats.survival.cox_model` given ``left_out="left_out"`` leave them
        out and count them.

    Notes
    -----
    Follow-up runs from 00:00 of ``follow_up_start`` to 24:00 of ``follow_up_end``
    (:func:`follow_up_window`); cramps outside that window are ignored.

    * ``scale="calendar"``: ``time`` is days since 00:00 of ``follow_up_start``, with the
      fraction of the day the cramp's ``datetime`` gives (a cramp recorded with a date only
      counts at 00:00 of that day). Censoring time: the number of follow-up days,
      ``follow_up_end - follow_up_start + 1``.
    * ``scale="exposure"``: ``time`` is cumulative exposure hours. Sessions inside follow-up
      are ordered by ``date`` then ``session_id``; the cramp's session is found by
      ``session_id``. Hours of every earlier session count in full; of the cramp's own
      session, the hours from its ``start_time`` to the cramp when ``exposure`` has a
      ``start_time`` column (clipped to 0..duration), else the whole session. A cramp whose
      ``session_id`` is missing or unknown counts at the end of all sessions on or before its
      date.
      Censoring time: total exposure hours in follow-up.

    *Who is at risk.* An athlete without a follow-up start or end has no window: ``"no
    follow-up dates"``. On the exposure scale, an athlete with no exposure hours inside
    follow-up (no session, or sessions of 0 minutes) is never on the clock, so is not at risk of
    a cramp at any exposure time: ``"no exposure in follow-up"`` (the rule of the trial's flow,
    :func:`trial_flow`, and of the rate analyses). On the calendar scale every athlete with a
    window is at risk for all of it.

    Examples
    --------
    >>> participants = pd.DataFrame({
    ...     "participant_id": ["a", "b"],
    ...     "follow_up_start": pd.to_datetime(["2025-01-01", "2025-01-01"]),
    ...     "follow_up_end": pd.to_datetime(["2025-01-10", "2025-01-10"])})
    >>> exposure = pd.DataFrame({
    ...     "participant_id": ["a", "a", "b"], "session_id": ["s1", "s2", "s3"],
    ...     "date": pd.to_datetime(["2025-01-02", "2025-01-04", "2025-01-03"]),
    ...     "duration_min": [90, 60, 120]})
    >>> cramps = pd.DataFrame({
    ...     "participant_id": ["a"], "datetime": pd.to_datetime(["2025-01-04 18:00"]),
    ...     "session_id": ["s2"], "muscle": ["hamstring"]})
    >>> first_cramp_times(participants, exposure, cramps, scale="calendar")
      participant_id  time  event left_out
    0              a  3.75    1.0
    1              b 10.00    0.0
    >>> first_cramp_times(participants, exposure.iloc[:2], cramps, scale="exposure")
      participant_id  time  event                  left_out
    0              a   2.5    1.0
    1              b   NaN    NaN  no exposure in follow-up
    """
    check_one_of("scale", scale, ["calendar", "exposure"])
    require_columns(
        participants, ["participant_id", "follow_up_start", "follow_up_end"], where="participants"
    )
    require_columns(cramps, ["participant_id", "datetime", "muscle"], where="cramps")
    if scale == "exposure":
        require_columns(
            exposure, ["participant_id", "session_id", "date", "duration_min"], where="exposure"
        )

    dup = participants["participant_id"].duplicated()
    if dup.any():
        ids = ", ".join(map(str, participants.loc[dup, "participant_id"].head(5)))
        raise InputError(f"participants has repeated participant_id values ({ids}); give each "
                         "participant one row.")
    window = follow_up_window(participants)
    people = participants[["participant_id"]].copy()
    people["fu_start"] = window["start"].to_numpy()
    people["fu_end"] = window["end"].to_numpy()
    bad = people["fu_end"] <= people["fu_start"]
    if bad.any():
        ids = ", ".join(map(str, people.loc[bad, "participant_id"].head(5)))
        raise InputError(
            f"follow_up_end is before follow_up_start for participant(s) {ids}; "
            "fix the dates in the participants table."
        )

    events = cramps.copy()
    if muscle is not None:
        events = events[events["muscle"] == muscle]
    events = events.assign(datetime=pd.to_datetime(events["datetime"]))
    events = events[inside_follow_up(events, "datetime", window)]

    if scale == "calendar":
        first = events.groupby("participant_id")["datetime"].min()
        out = people[["participant_id"]].copy()
        first_dt = out["participant_id"].map(first)
        cramp_days = (first_dt - people["fu_start"]) / pd.Timedelta(days=1)
        out["time"] = np.where(first_dt.notna(), cramp_days, window["days"].to_numpy())
        out["event"] = first_dt.notna().astype(float)
    else:
        out = _exposure_times(people, window, exposure, events)
    out["left_out"] = out.pop("left_out") if "left_out" in out else ""
    missing = people["fu_start"].isna().to_numpy() | people["fu_end"].isna().to_numpy()
    out.loc[missing, "left_out"] = "no follow-up dates"
    out.loc[out["left_out"].ne("").to_numpy(), ["time", "event"]] = np.nan
    return out.reset_index(drop=True)


def _exposure_clock(exposure: pd.DataFrame, window: pd.DataFrame) -> pd.DataFrame:
    """Sessions inside follow-up on the exposure clock (rules in :func:`first_cramp_times`):
    ordered by date then ``session_id``, with ``hours``, and ``cum_before``/``cum_end``, the
    cumulative exposure hours of the participant at the start and end of the session."""
    ses = exposure.copy()
    ses["date"] = pd.to_datetime(ses["date"]).dt.normalize()
    ses = ses[inside_follow_up(ses, "date", window)]
    ses = ses.sort_values(["participant_id", "date", "session_id"], kind="stable")
    ses["hours"] = exposure_hours(ses)
    if ses["hours"].lt(0).any():
        raise InputError("exposure has negative duration_min; durations must be >= 0 minutes.")
    ses["cum_end"] = ses.groupby("participant_id")["hours"].cumsum()
    ses["cum_before"] = ses["cum_end"] - ses["hours"]
    if "start_time" in ses.columns:
        ses["start_time"] = pd.to_datetime(ses["start_time"])
    return ses


def _exposure_times(people: pd.DataFrame, window: pd.DataFrame, exposure: pd.DataFrame,
                    events: pd.DataFrame):
    """Cumulative exposure hours to the first cramp (rules in :func:`first_cramp_times`)."""
    ses = _exposure_clock(exposure, window)
    events = events.assign(cum_h=_cramp_hours(ses, events))
    first = events.groupby("participant_id")["cum_h"].min()
    total = ses.groupby("participant_id")["hours"].sum()
    out = people[["participant_id"]].copy()
    has_event = out["participant_id"].isin(first.index)
    out["time"] = np.where(
        has_event,
        out["participant_id"].map(first),
        out["participant_id"].map(total).fillna(0.0),
    ).astype(float)
    out["event"] = has_event.astype(float)
    exposed = out["participant_id"].map(total).fillna(0.0).to_numpy() > 0
    out["left_out"] = np.where(exposed, "", "no exposure in follow-up")
    return out


def _cramp_hours(ses: pd.DataFrame, events: pd.DataFrame) -> list[float]:
    """Each cramp's time on the exposure clock of :func:`_exposure_clock`."""
    cramp_hours = []
    by_person = dict(tuple(ses.groupby("participant_id")))
    for row in events.itertuples(index=False):
        mine = by_person.get(row.participant_id)
        if mine is None or mine.empty:
            cramp_hours.append(0.0)
            continue
        sid = getattr(row, "session_id", None)
        match = mine[mine["session_id"] == sid] if sid is not None and pd.notna(sid) else mine[:0]
        if match.empty:
            day = row.datetime.normalize()
            upto = mine[mine["date"] <= day]
            cramp_hours.append(float(upto["cum_end"].iloc[-1]) if len(upto) else 0.0)
            continue
        s = match.iloc[0]
        within = s["hours"]
        began = s.get("start_time", pd.NaT)
        if pd.notna(began):
            played = (row.datetime - began) / pd.Timedelta(hours=1)
            within = float(np.clip(played, 0.0, s["hours"]))
        cramp_hours.append(float(s["cum_before"] + within))
    return cramp_hours


# -- counting-process data for recurrent cramps -----------------------------------------------

#: Time scales of :func:`counting_process`.
COUNTING_SCALES = ("exposure_h", "days")
#: The time-varying covariates of :func:`counting_process`, in their order.
WINDOW_COLUMNS = ("sitting_h_day_window", "sitting_days_window", "exposure_h_window",
                  "training_h_window", "match_h_window")
_TIE_STEP_S = 1.0  # tied events of one athlete are spaced by one second of the time scale


def counting_process(participants: pd.DataFrame, exposure: pd.DataFrame, cramps: pd.DataFrame,
                     sitting: pd.DataFrame, *, time_scale: str = "exposure_h",
                     window_days: int = 7, muscle: str | None = "hamstring") -> pd.DataFrame:
    """Recurrent cramps as counting-process data: one row per athlete and interval (start, stop].

    Parameters
    ----------
    participants, exposure, cramps, sitting : DataFrame
        The codebook tables.
    time_scale : {"exposure_h", "days"}
        ``"exposure_h"``: cumulative exposure hours since the start of follow-up (the clock of
        :func:`first_cramp_times` with ``scale="exposure"``); ``"days"``: days since 00:00 of
        ``follow_up_start`` (its ``scale="calendar"``).
    window_days : int, default 7
        Length of the window, in calendar days, of the time-varying covariates.
    muscle : str or None, default "hamstring"
        Count cramps of this muscle; None counts any.

    Returns
    -------
    DataFrame
        ``participant_id, start, stop, event, enum`` and the covariates of
        :data:`WINDOW_COLUMNS`. ``event`` is 1 when a cramp ends the interval; ``enum`` is
        1 + the athlete's cramps before the interval (the stratum of a PWP model).
        ``.attrs`` holds ``time_scale``, ``window_days``, ``muscle``, ``n_events``,
        ``ties_spaced`` and ``left_out`` (reason to the list of athletes left out).

    Notes
    -----
    *Covariates of a day* ``d`` are those of the ``window_days`` calendar days before it,
    ``d - window_days`` to ``d - 1`` (the day itself is not in its own window, so the
    covariate is known before the day's sessions): ``sitting_h_day_window``, the mean device
    sitting of the valid days of the athlete's preferred device in the window (the device rule
    of :func:`sitting_measures`; NaN when the window has no valid day), ``sitting_days_window``
    (how many valid days), ``exposure_h_window`` (hours of every session in the window, from
    the whole exposure table, so days before follow-up count as load),
    ``training_h_window`` and ``match_h_window`` (its training and match sessions).

    *Time.* On the ``"days"`` scale day ``d`` of follow-up is the interval ``(d, d + 1]`` and a
    cramp happens at its date-time's fraction of the day. On the ``"exposure_h"`` scale time
    advances only during sessions inside follow-up: day ``d`` occupies ``(H_d, H_d + h_d]``,
    where ``H_d`` is the athlete's exposure hours in follow-up before day ``d`` and ``h_d`` the
    hours of the day's sessions (days without a session take no time), and a cramp happens at
    the cumulative hours :func:`first_cramp_times` gives it (the end of its session, or the
    part of it played when the exposure table has ``start_time``).

    *Intervals* end at each cramp, at each day boundary where a covariate changes, and at the
    end of follow-up; consecutive days with equal covariates share an interval. A cramp at a
    day boundary ends the interval of the day before (the risk set is ``(start, stop]``, so the
    next interval, which starts at that time, is not at risk at it).

    *Ties.* Two cramps of one athlete at the same time (two cramps in one session without
    session start times, on the exposure scale) would need a zero-length interval. They are
    kept as separate events, spaced one second of the time scale apart backwards from the
    recorded time (``1/3600`` h or ``1/86400`` day; ``ties_spaced`` counts the events moved);
    a cramp at time 0 is moved to one second after it. Ties between athletes are left as they
    are (the Cox model's ``ties=`` handles them).

    Athletes without a follow-up window, or without exposure in follow-up, are left out (as
    from the rate analyses) and listed in ``.attrs["left_out"]``.

    Examples
    --------
    >>> people = pd.DataFrame({"participant_id": ["a"],
    ...     "follow_up_start": pd.to_datetime(["2025-01-08"]),
    ...     "follow_up_end": pd.to_datetime(["2025-01-10"])})
    >>> exposure = pd.DataFrame({"participant_id": "a", "session_id": ["s1", "s2", "s3"],
    ...     "date": pd.to_datetime(["2025-01-07", "2025-01-08", "2025-01-10"]),
    ...     "session_type": "training", "duration_min": [60.0, 90.0, 60.0]})
    >>> cramps = pd.DataFrame({"participant_id": ["a"], "session_id": ["s2"],
    ...     "datetime": pd.to_datetime(["2025-01-08 18:30"]), "muscle": ["hamstring"]})
    >>> sitting = pd.DataFrame({"participant_id": "a", "instrument": "activpal",
    ...     "date": pd.to_datetime(["2025-01-07", "2025-01-09"]), "sitting_h": [8.0, 10.0],
    ...     "valid_day": True})
    >>> cp = counting_process(people, exposure, cramps, sitting, window_days=2)
    >>> cp[["start", "stop", "event", "enum", "sitting_h_day_window", "exposure_h_window"]]
       start  stop  event  enum  sitting_h_day_window  exposure_h_window
    0    0.0   1.5      1     1                   8.0                1.0
    1    1.5   2.5      0     2                  10.0                1.5
    >>> counting_process(people, exposure, cramps, sitting, time_scale="days",
    ...                  window_days=2)[["start", "stop", "event", "enum"]].round(4)
        start    stop  event  enum
    0  0.0000  0.7708      1     1
    1  0.7708  1.0000      0     2
    2  1.0000  2.0000      0     2
    3  2.0000  3.0000      0     2
    """
    check_one_of("time_scale", time_scale, COUNTING_SCALES)
    if isinstance(window_days, bool) or not isinstance(window_days, int | np.integer) \
            or not 1 <= window_days <= 366:
        raise InputError(f"`window_days` must be a whole number of days from 1 to 366; got "
                         f"{window_days!r}.")
    require_columns(participants, ["participant_id", "follow_up_start", "follow_up_end"],
                    where="participants")
    require_columns(exposure, ["participant_id", "session_id", "date", "duration_min"],
                    where="exposure")
    require_columns(cramps, ["participant_id", "datetime", "muscle"], where="cramps")
    require_columns(sitting, ["participant_id", "date", "instrument", "sitting_h", "valid_day"],
                    where="sitting")
    window = follow_up_window(participants)
    no_window = window.index[~(window["end"] > window["start"]).to_numpy()]
    ses = _exposure_clock(exposure, window)
    total = ses.groupby("participant_id")["hours"].sum()
    has_time = window.index[(window["end"] > window["start"]).to_numpy()]
    no_exposure = [p for p in has_time if not total.get(p, 0.0) > 0]
    ids = [p for p in has_time if total.get(p, 0.0) > 0]
    left_out = {"no follow-up dates": [str(p) for p in no_window],
                "no exposure in follow-up": [str(p) for p in no_exposure]}
    days = window.loc[ids, "days"].to_numpy(int) if ids else np.zeros(0, int)
    grid = _window_covariates(ids, window.loc[ids, "start"], days, exposure, sitting,
                              window_days)

    events = cramps if muscle is None else cramps[cramps["muscle"].eq(muscle).to_numpy(bool)]
    events = events.assign(datetime=pd.to_datetime(events["datetime"]))
    events = events[inside_follow_up(events, "datetime", window)
                    & events["participant_id"].isin(ids).to_numpy()]
    if time_scale == "days":
        start_of = events["participant_id"].map(window["start"])
        times = ((events["datetime"] - start_of) / pd.Timedelta(days=1)).to_numpy(float)
        step = _TIE_STEP_S / 86400
    else:
        times = np.asarray(_cramp_hours(ses, events), dtype=float)
        step = _TIE_STEP_S / 3600
    event_times = pd.Series(times).groupby(events["participant_id"].to_numpy()).apply(
        lambda t: np.sort(t.to_numpy())) if len(events) else pd.Series(dtype=object)
    if time_scale == "exposure_h":
        ses = ses.assign(day=((ses["date"] - ses["participant_id"].map(window["start"]))
                              / pd.Timedelta(days=1)).astype(int))
        per_day = ses.groupby(["participant_id", "day"])["hours"].sum()
    rows, spaced = [], 0
    for i, pid in enumerate(ids):
        cov = grid[i]  # (days, covariates)
        if time_scale == "days":
            day = np.arange(days[i])
            stops = day + 1.0
        else:
            h = per_day.loc[pid]
            h = h[h.to_numpy() > 0]
            day = h.index.to_numpy(int)
            stops = np.cumsum(h.to_numpy(float))
        cov = cov[day]
        change = np.ones(len(day), bool)  # a segment ends where the next day's covariates differ
        if len(day) > 1:
            a, b = cov[:-1], cov[1:]
            change[:-1] = ~((a == b) | (np.isnan(a) & np.isnan(b))).all(axis=1)
        seg_stop, seg_cov = stops[change], cov[change]
        t = event_times.get(pid, np.zeros(0))
        t, moved = _space_ties(np.asarray(t, float), step)
        spaced += moved
        t = np.minimum(t, seg_stop[-1])
        cut = np.unique(np.concatenate([seg_stop, t]))
        begin = np.concatenate([[0.0], cut[:-1]])
        which = np.searchsorted(seg_stop, cut, side="left")
        rows.append(pd.DataFrame({
            "participant_id": pid, "start": begin, "stop": cut,
            "event": np.isin(cut, t).astype(int),
            "enum": 1 + np.searchsorted(t, begin, side="right"),
            **{c: seg_cov[which, j] for j, c in enumerate(WINDOW_COLUMNS)}}))
    out = (pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(
        {c: pd.Series(dtype=float) for c in
         ("participant_id", "start", "stop", "event", "enum", *WINDOW_COLUMNS)}))
    out["participant_id"] = out["participant_id"].astype(object)
    out["event"] = out["event"].astype(int)
    out["enum"] = out["enum"].astype(int)
    out.attrs.update({"time_scale": time_scale, "window_days": int(window_days),
                      "muscle": muscle, "n_events": int(out["event"].sum()),
                      "ties_spaced": int(spaced), "left_out": left_out})
    return out


def _space_ties(t: np.ndarray, step: float) -> tuple[np.ndarray, int]:
    """Sorted event times of one athlete made strictly increasing and above 0 (see Notes of
    :func:`counting_process`): tied times spaced ``step`` apart backwards, then forwards
    where that would reach 0."""
    if len(t) < 2 and (len(t) == 0 or t[0] > 0):
        return t, 0
    out = t.copy()
    for j in range(len(out) - 2, -1, -1):
        out[j] = min(out[j], out[j + 1] - step)
    if len(out) and out[0] <= 0:
        out[0] = max(out[0], step)
        for j in range(1, len(out)):
            out[j] = max(out[j], out[j - 1] + step)
    return out, int((out != t).sum())


def _window_covariates(ids, starts: pd.Series, days: np.ndarray, exposure: pd.DataFrame,
                       sitting: pd.DataFrame, window_days: int) -> list[np.ndarray]:
    """Per athlete, an array (follow-up days, len(WINDOW_COLUMNS)) of the window covariates."""
    n, width = len(ids), int(days.max()) + window_days if len(days) else window_days
    index = pd.Index(ids)
    first = starts.to_numpy()

    def daily(frame, values, mask):
        """Sum and count of ``values`` by athlete and day of the grid (day -window_days = 0)."""
        total, count = np.zeros((n, width)), np.zeros((n, width))
        who = index.get_indexer(frame["participant_id"])
        ok = mask & (who >= 0)
        when = pd.to_datetime(frame["date"]).dt.normalize().to_numpy()
        k = np.zeros(len(frame), dtype=np.int64)
        k[ok] = (when[ok] - first[who[ok]]) // np.timedelta64(1, "D") + window_days
        ok &= (k >= 0) & (k < width) & np.isfinite(values)
        np.add.at(total, (who[ok], k[ok]), values[ok])
        np.add.at(count, (who[ok], k[ok]), 1.0)
        return total, count

    def windowed(a):
        """Sum over grid days j - window_days .. j - 1, for the follow-up days j."""
        c = np.concatenate([np.zeros((n, 1)), np.cumsum(a, axis=1)], axis=1)
        j = np.arange(window_days, width)
        return c[:, j] - c[:, j - window_days]

    used = _device_days(sitting)[3]
    sit_sum, sit_days = daily(sitting, sitting["sitting_h"].to_numpy(float), used)
    # two rows of one device and day count as one day, their mean
    with np.errstate(invalid="ignore", divide="ignore"):
        sit_day = np.where(sit_days > 0, sit_sum / sit_days, 0.0)
    has_day = (sit_days > 0).astype(float)
    hours = exposure["duration_min"].to_numpy(float) / 60.0
    kind = (exposure["session_type"].to_numpy(object) if "session_type" in exposure
            else np.full(len(exposure), None, dtype=object))
    every = np.ones(len(exposure), bool)
    load = [windowed(daily(exposure, hours, every & (kind == k) if k else every)[0])
            for k in (None, "training", "match")]
    n_days = windowed(has_day)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_sit = np.where(n_days > 0, windowed(sit_day) / n_days, np.nan)
    stacked = np.stack([mean_sit, n_days, *load], axis=-1)
    return [stacked[i, :days[i]] for i in range(n)]


# -- strength ---------------------------------------------------------------------------------

#: How the trials of one side (or any group) are combined: rule -> pandas aggregation.
TRIAL_RULES = {
    "best": "max",
    "max": "max",
    "min": "min",
    "mean": "mean",
    "median": "median",
    "first": "first",
    "last": "last",
}
_RULE_LABELS = {"max": "best (largest) trial", "min": "smallest trial", "mean": "mean of trials",
                "median": "median of trials", "first": "first valid trial",
                "last": "last valid trial"}


def participant_values(data, *, by=("participant_id", "session", "side"), value="value",
                       rule="best", trial="trial"):
    """Reduce trial-level measurements to one value per group by a stated rule.

    Parameters
    ----------
    data : pandas.DataFrame
        Trial-level data, one row per trial (e.g. the ``strength`` table).
    by : sequence of str
        Columns that identify one participant value (participant, session, side, ...).
    value : str
        Column with the measured value.
    rule : {"best", "max", "min", "mean", "median", "first", "last"}
        How trials are combined. ``"best"`` is the largest value (strength tests); ``"first"``
        and ``"last"`` follow the order of the ``trial`` column.
    trial : str
        Column with the trial number (used for ordering and counting).

    Returns
    -------
    pandas.DataFrame
        The ``by`` columns, ``value`` and ``n_trials``; ``.attrs["rule"]`` states the rule.
        Missing values are skipped; a group with no value keeps NaN.

    Examples
    --------
    >>> df = pd.DataFrame({"participant_id": ["a"] * 3 + ["b"] * 3, "trial": [1, 2, 3] * 2,
    ...                    "value": [100.0, 110.0, 105.0, 90.0, float("nan"), 95.0]})
    >>> participant_values(df, by=["participant_id"], rule="best")
      participant_id  value  n_trials
    0              a  110.0         3
    1              b   95.0         2
    >>> participant_values(df, by=["participant_id"], rule="mean").attrs["rule"]
    'mean of trials'
    """
    check_one_of("rule", rule, list(TRIAL_RULES))
    by = [by] if isinstance(by, str) else list(by)
    cols = [*by, value] + ([trial] if trial in data.columns else [])
    require_columns(data, [*by, value], where="the trial data")
    df = data[cols].copy()
    if not pd.api.types.is_numeric_dtype(df[value]):
        raise InputError(f"column {value!r} must be numeric; found dtype {df[value].dtype}.")
    if trial in df.columns:
        df = df.sort_values([*by, trial], kind="stable")
    grouped = df.groupby(by, sort=True, dropna=False)[value]
    how = TRIAL_RULES[rule]
    if how in ("first", "last"):
        # groupby first/last skip NaN, which is what "first valid trial" means.
        out = getattr(grouped, how)()
    else:
        out = grouped.agg(how)
    result = out.to_frame(value)
    result["n_trials"] = grouped.count().astype(int)
    result = result.reset_index()
    result.attrs["rule"] = _RULE_LABELS[how]
    return result


def trial_torque(strength: pd.DataFrame) -> pd.DataFrame:
    """The result of each strength trial as torque in Nm (or repetitions for the bridge).

    Force at the pad in N times the lever arm in m gives Nm; a value already in Nm is used as it
    is; repetitions stay repetitions. Force without a lever arm gives a missing torque.

    Returns
    -------
    pandas.DataFrame
        ``strength`` with ``result`` and ``result_unit`` (``"Nm"`` or ``"reps"``) added.

    Examples
    --------
    >>> rows = pd.DataFrame({"value": [400.0, 190.0, 30.0], "unit": ["N", "Nm", "reps"],
    ...                      "lever_arm_m": [0.5, np.nan, np.nan]})
    >>> trial_torque(rows)[["result", "result_unit"]]
       result result_unit
    0   200.0          Nm
    1   190.0          Nm
    2    30.0        reps
    """
    require_columns(strength, ["value", "unit"], where="the strength table")
    value = strength["value"].to_numpy(float)
    arm = (strength["lever_arm_m"].to_numpy(float) if "lever_arm_m" in strength
           else np.full(len(strength), np.nan))
    is_n = strength["unit"].eq("N").to_numpy(bool)
    return strength.assign(
        result=np.where(is_n, value * arm, value),
        result_unit=np.where(strength["unit"].eq("reps").to_numpy(bool), "reps", "Nm"))


def _body_mass(participants: pd.DataFrame) -> pd.Series:
    """Body mass (kg) by participant, refusing text, duplicates and values of 0 or less."""
    require_columns(participants, ["participant_id", "body_mass_kg"], where="participants")
    ids = participants["participant_id"].astype(str)
    counts = ids.value_counts()
    if (counts > 1).any():
        raise InputError(f"participants: participant {counts.index[0]} appears "
                         f"{counts.iloc[0]} times; expected one row per participant.")
    raw = participants["body_mass_kg"]
    text = raw.astype("string").str.strip()
    mass = pd.to_numeric(text.where(text != ""), errors="coerce")
    bad = mass.isna() & text.notna() & (text != "")
    bad |= mass <= 0
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        found = raw.iloc[i]
        what = f"{found!r}, not a number" if mass.isna().iloc[i] else f"{found}"
        raise InputError(f"participants: body_mass_kg of participant {ids.iloc[i]} is {what}; "
                         "expected kilograms above 0 (leave it empty when unknown).")
    return pd.Series(mass.to_numpy(dtype=float), index=ids.to_numpy())


_SUMMARY_RULES = {"best": "best trial per side", "mean": "mean of trials per side"}


def _sides(data: pd.DataFrame, keys: list[str], rule: str) -> pd.DataFrame:
    """``left``, ``right`` and ``trials_left``, ``trials_right`` per ``keys`` (the side rule)."""
    per_side = participant_values(data, by=[*keys, "side"], value="result", rule=rule)
    sides = per_side.set_index([*keys, "side"])[["result", "n_trials"]].unstack("side")
    out = pd.DataFrame(index=sides.index)
    for side in ("left", "right"):
        out[side] = sides[("result", side)] if ("result", side) in sides.columns else np.nan
        out[f"trials_{side}"] = (sides[("n_trials", side)].fillna(0).astype(int)
                                 if ("n_trials", side) in sides.columns else 0)
    return out


def strength_summary(
    strength: pd.DataFrame,
    participants: pd.DataFrame | None = None,
    *,
    rule: str = "best",
) -> pd.DataFrame:
    """Participant values per session and test: torque per side, Nm/kg and asymmetry.

    Parameters
    ----------
    strength : pandas.DataFrame
        Codebook ``strength`` rows (from :func:`strength_rows` or a study).
    participants : pandas.DataFrame, optional
        With ``participant_id`` and ``body_mass_kg``, for Nm/kg.
    rule : {"best", "mean", "max", "min", "median", "first", "last"}
        How trials of one side are combined (see :func:`participant_values`): by default the
        best (largest) trial.

    Returns
    -------
    pandas.DataFrame
        ``participant_id, session, date, test, unit, left, right, mean_of_sides, left_nm_kg,
        right_nm_kg, nm_kg, asymmetry_pct, weaker_side, trials_left, trials_right, rule``.
        ``left``/``right`` are torques in Nm (repetitions for the bridge); the ``nm_kg``
        columns are missing for repetitions or without body mass.

    Examples
    --------
    >>> rows = pd.DataFrame({"participant_id": "P1", "date": pd.Timestamp("2026-03-02"),
    ...     "session": 1, "test": "hhd_hip_extension", "side": ["left"] * 2 + ["right"] * 2,
    ...     "trial": [1, 2, 1, 2], "value": [400.0, 420.0, 440.0, 430.0], "unit": "N",
    ...     "lever_arm_m": 0.5})
    >>> people = pd.DataFrame({"participant_id": ["P1"], "body_mass_kg": [80.0]})
    >>> s = strength_summary(rows, people)
    >>> s[["left", "right", "nm_kg", "asymmetry_pct", "weaker_side"]].round(3)
        left  right    nm_kg  asymmetry_pct weaker_side
    0  210.0  220.0  2.688          4.545        left
    """
    check_one_of("rule", rule, list(TRIAL_RULES))
    require_columns(strength, ["participant_id", "date", "session", "test", "side", "trial",
                               "value", "unit"], where="the strength table")
    data = trial_torque(strength)
    keys = ["participant_id", "session", "test"]
    units = data.groupby(keys)["result_unit"].nunique()
    if (units > 1).any():
        pid, session, test = units[units > 1].index[0]
        found = data.loc[(data["participant_id"] == pid) & (data["session"] == session)
                         & (data["test"] == test), "unit"].unique()
        raise InputError(f"participant {pid}, session {session}, {test}: trials in both "
                         f"{' and '.join(sorted(map(str, found)))}; a test gives torques (N with "
                         "a lever arm, or Nm) or repetitions, not both.")
    out = _sides(data, keys, rule)
    first = data.groupby(keys).agg(date=("date", "min"), unit=("result_unit", "first"))
    out = out.join(first).reset_index()
    out["mean_of_sides"] = out[["left", "right"]].mean(axis=1)
    stronger = out[["left", "right"]].max(axis=1)
    weaker = out[["left", "right"]].min(axis=1)
    out["asymmetry_pct"] = 100 * (stronger - weaker) / stronger
    out["weaker_side"] = np.where(out["left"] < out["right"], "left",
                                  np.where(out["right"] < out["left"], "right", None))
    out.loc[out[["left", "right"]].isna().any(axis=1), "weaker_side"] = None
    mass = np.nan
    if participants is not None:
        mass = out["participant_id"].astype(str).map(_body_mass(participants)).astype(float)
    torque = out["unit"] == "Nm"
    for col, src in (("left_nm_kg", "left"), ("right_nm_kg", "right"),
                     ("nm_kg", "mean_of_sides")):
        out[col] = np.where(torque, out[src] / mass, np.nan)
    out["rule"] = _SUMMARY_RULES.get(rule, f"{_RULE_LABELS[TRIAL_RULES[rule]]} per side")
    cols = ["participant_id", "session", "date", "test", "unit", "left", "right",
            "mean_of_sides", "left_nm_kg", "right_nm_kg", "nm_kg", "asymmetry_pct",
            "weaker_side", "trials_left", "trials_right", "rule"]
    return out[cols]



# -- groups of the analysis table -------------------------------------------------------------

#: Labels of :func:`sitting_tertiles`, lowest sitting first (the reference group).
TERTILE_LABELS = ("low", "middle", "high")


def sitting_tertiles(data: pd.DataFrame, *, column: str = "sitting_h_day") -> pd.Series:
    """Tertiles of daily sitting (``low``, ``middle``, ``high``), by sample thirds (``qcut``).

    Participants without ``column`` stay missing.

    Examples
    --------
    >>> data = pd.DataFrame({"sitting_h_day": [6.0, 8.0, 10.0, 7.0, 9.0, 11.0, np.nan]})
    >>> sitting_tertiles(data).tolist()
    ['low', 'middle', 'high', 'low', 'middle', 'high', nan]
    """
    require_columns(data, [column], where="the analysis table")
    return pd.qcut(data[column], 3, labels=list(TERTILE_LABELS))


def randomised(data: pd.DataFrame, *, arm: str = "arm") -> pd.Series:
    """Which participants (rows of the analysis table) were randomised to a trial arm.

    An empty or missing ``arm`` means an observational participant. ``randomised(data).any()``
    says whether the study has a trial; ``data[randomised(data)]`` is the trial's table.

    Examples
    --------
    >>> data = pd.DataFrame({"arm": ["control", None, "", "glute_training"]})
    >>> randomised(data).tolist()
    [True, False, False, True]
    """
    require_columns(data, [arm], where="the analysis table")
    return data[arm].fillna("").astype(str) != ""


def trial_design(data: pd.DataFrame, *, arm: str = "arm", cluster: str = "team") -> str:
    """How the trial in ``data`` was randomised, read off the data.

    ``"none"`` (no randomised athletes), ``"individual"`` (athletes randomised, no teams
    recorded), ``"individual_in_teams"`` (athletes randomised, teams recorded, both arms within
    a team: the team is a cluster of correlated athletes) or ``"cluster"`` (every team wholly in
    one arm: the teams were randomised). Only randomised athletes with a team count.

    Examples
    --------
    >>> data = pd.DataFrame({"arm": ["a", "b", "a", "b"], "team": ["T1", "T1", "T2", "T2"]})
    >>> trial_design(data), trial_design(data.drop(columns="team"))
    ('individual_in_teams', 'individual')
    >>> trial_design(data.assign(team=["T1", "T2", "T1", "T2"]))
    'cluster'
    >>> trial_design(data.assign(arm=None))
    'none'
    """
    trial = data[randomised(data, arm=arm)]
    if trial.empty:
        return "none"
    if cluster not in trial.columns or trial[cluster].isna().all():
        return "individual"
    teams = trial.dropna(subset=[cluster])
    arms_per_team = teams.groupby(cluster, observed=True)[arm].nunique()
    return "cluster" if (arms_per_team == 1).all() and len(arms_per_team) > 1 else \
        "individual_in_teams"


#: The columns of :func:`trial_flow`.
FLOW_COLUMNS = ["stage", "arm", "n", "excluded", "reason"]


def trial_flow(data: pd.DataFrame, *, covariates=(), arm: str = "arm",
               exposure: str = "exposure_h") -> pd.DataFrame:
    """CONSORT flow by arm: enrolled, randomised, allocated, followed up and analysed.

    The trial's analysis by intention to treat keeps every randomised athlete in the arm they
    were randomised to; an athlete leaves the analysis only for want of data: no exposure
    inside follow-up (no rate can be formed), or a missing planned covariate.

    Parameters
    ----------
    data : pandas.DataFrame
        The analysis table (:meth:`glute_study.Study.analysis_table`), one row per enrolled
        participant.
    covariates : sequence of str
        The planned adjustment covariates of the primary analysis
        (``analysis_plan(study)["trial"].covariates``).
    arm, exposure : str
        Columns of the randomised arm (empty or missing: not randomised) and of the exposure
        hours in follow-up (missing: no exposure).

    Returns
    -------
    pandas.DataFrame
        Columns ``stage, arm, n, excluded, reason``. ``enrolled`` and ``randomised`` (``arm``
        empty), then for each arm ``allocated``, ``with exposure in follow-up``, ``with the
        planned covariates`` (only with ``covariates``; the reason counts each missing one,
        an athlete can miss several) and ``analysed (intention to treat)``. ``excluded`` is
        the count lost at that stage (for ``analysed``, all lost since allocation). A study
        without arms has the first two rows only.

    Examples
    --------
    >>> data = pd.DataFrame({"arm": ["control", "control", "glute_training", None],
    ...                      "exposure_h": [10.0, None, 12.0, 8.0],
    ...                      "prior_cramps": [1.0, 0.0, None, 0.0]})
    >>> flow = trial_flow(data, covariates=["prior_cramps"])
    >>> flow[["stage", "arm", "n", "excluded"]]  # doctest: +NORMALIZE_WHITESPACE
                                stage             arm  n  excluded
    0                        enrolled                  4         0
    1                      randomised                  3         1
    2                       allocated         control  2         0
    3       with exposure in follow-up        control  1         1
    4     with the planned covariates         control  1         0
    5   analysed (intention to treat)         control  1         1
    6                       allocated  glute_training  1         0
    7       with exposure in follow-up  glute_training  1         0
    8     with the planned covariates  glute_training  0         1
    9   analysed (intention to treat)  glute_training  0         1
    >>> flow.loc[8, "reason"]
    'previous cramping missing (1)'
    """
    from .labels import label

    covariates = list(covariates)
    require_columns(data, [arm, exposure, *covariates], where="the analysis table")
    in_trial = randomised(data, arm=arm)
    enrolled, n_trial = len(data), int(in_trial.sum())
    rows = [("enrolled", "", enrolled, 0, ""),
            ("randomised", "", n_trial, enrolled - n_trial,
             "not randomised (no trial arm)" if enrolled > n_trial else "")]
    trial = data[in_trial]
    for a in sorted(pd.unique(trial[arm].astype(str)).tolist()):
        part = trial[trial[arm].astype(str) == a]
        allocated = len(part)
        rows.append(("allocated", a, allocated, 0, ""))
        followed = part[part[exposure].notna() & (part[exposure].fillna(0) > 0)]
        lost = allocated - len(followed)
        rows.append(("with exposure in follow-up", a, len(followed), lost,
                     "no exposure recorded in follow-up" if lost else ""))
        analysed = followed
        if covariates:
            missing = followed[covariates].isna()
            analysed = followed[~missing.any(axis=1)]
            why = "; ".join(f"{label(c, unit=False, mid=True)} missing ({int(k)})"
                            for c, k in missing.sum().items() if k)
            rows.append(("with the planned covariates", a, len(analysed),
                         len(followed) - len(analysed), why))
        rows.append(("analysed (intention to treat)", a, len(analysed),
                     allocated - len(analysed),
                     "any of the above" if allocated > len(analysed) else ""))
    return pd.DataFrame(rows, columns=FLOW_COLUMNS)
