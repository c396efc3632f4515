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
    device = sitting["instrument"].isin(DEVICE_INSTRUMENTS).to_numpy()
    valid = sitting["valid_day"].fillna(False).to_numpy(dtype=bool) & device
    rank = sitting["instrument"].map({d: i for i, d in enumerate(DEVICE_INSTRUMENTS)})
    chosen = (rank.where(valid).groupby(sitting["participant_id"]).min())
    chosen_rank = sitting["participant_id"].map(chosen).to_numpy(dtype=float)
    same = device & (rank.to_numpy(dtype=float) == chosen_rank)
    used = valid & same
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


def _concat(parts: list[pd.DataFrame]) -> pd.DataFrame:
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="Int64" if c == "line" else object)
                             for c in EXCLUSION_COLUMNS})
    return pd.concat(parts, ignore_index=True)


def _sessions(frame: pd.DataFrame, follow_up_start: pd.Series):
    """Baseline and post session number per participant (see ANALYSIS_COLUMNS)."""
    on_or_before = (frame["date"] <= frame["participant_id"].map(follow_up_start)).to_numpy()
    first = frame.groupby("participant_id")["session"].min()
    before = frame[on_or_before].groupby("participant_id")["session"].min()
    baseline = before.reindex(first.index).fillna(first)
    after = frame[~on_or_before].groupby("participant_id")["session"].max()
    post = after[after.ne(baseline.reindex(after.index))]
    return baseline, post


def strength_measures(strength: pd.DataFrame, lines: np.ndarray, participants: pd.DataFrame):
    """Baseline and post hip-extension torque per kg and baseline bridge reps per participant.

    The session values are those of :func:`strength_summary` (best trial per side, mean of the
    sides, per kg of body mass); the baseline and post sessions are chosen as
    :data:`glute_study.codebook.ANALYSIS_COLUMNS` says.
    """
    start = participants.set_index("participant_id")["follow_up_start"]
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


def activation_measures(activation: pd.DataFrame, *, task: str = "prone_hip_extension"):
    """Gluteus maximus minus hamstring onset and gluteus amplitude at the first EMG session."""
    rows = activation[activation["task"].eq(task).to_numpy()]
    out = pd.DataFrame(columns=["glute_onset_delay_ms", "glute_pct_mvic"], dtype=float)
    if rows.empty:
        return out
    first = rows.groupby("participant_id")["session"].transform("min")
    rows = rows[(rows["session"] == first).to_numpy()]
    glute = rows[rows["muscle"].eq("gluteus_maximus").to_numpy()]
    ham = rows[rows["muscle"].isin(HAMSTRING_MUSCLES).to_numpy()]
    g = glute.groupby(["participant_id", "trial"])["onset_ms"].mean()
    h = ham.groupby(["participant_id", "trial"])["onset_ms"].mean()
    delay = (g - h).dropna().groupby("participant_id").mean()
    amp = glute.groupby("participant_id")["amplitude_pct_mvic"].mean()
    return pd.DataFrame({"glute_onset_delay_ms": delay, "glute_pct_mvic": amp}).astype(float)


def exposure_measures(participants: pd.DataFrame, exposure: pd.DataFrame, exposure_lines,
                      cramps: pd.DataFrame, cramp_lines):
    """Exposure hours, sessions and cramp counts inside follow-up, per participant."""
    window = participants.drop_duplicates("participant_id").set_index("participant_id")
    inside_e = inside_follow_up(exposure, "date", window)
    inside_c = inside_follow_up(cramps, "datetime", window)
    parts = [
        _exclusions("exposure", exposure, exposure_lines, ~inside_e, "session outside follow-up"),
        _exclusions("cramps", cramps, cramp_lines, ~inside_c, "cramp outside follow-up"),
    ]
    expo = exposure[inside_e]
    hours = expo.groupby("participant_id")["duration_min"].sum() / 60.0
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


def inside_follow_up(frame: pd.DataFrame, column: str, window: pd.DataFrame) -> np.ndarray:
    """Whether each row's day (``frame[column]``) lies in its participant's follow-up.

    ``window`` is the participants table indexed by ``participant_id``.
    """
    joined = window.reindex(frame["participant_id"])
    day = frame[column].dt.normalize().to_numpy()
    return ((day >= joined["follow_up_start"].to_numpy())
            & (day <= joined["follow_up_end"].to_numpy()))


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

