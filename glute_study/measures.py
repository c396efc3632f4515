"""Participant-level measures derived from the long study tables, each by one stated rule.

Each function takes typed codebook tables and returns the per-participant values plus the rows it
left out, with the reason, so that nothing leaves the analysis without a trace. The rules are the
ones written in :data:`glute_study.codebook.ANALYSIS_COLUMNS`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .codebook import DEVICE_INSTRUMENTS, HAMSTRING_MUSCLES

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
    """Baseline and post hip-extension torque per kg and baseline bridge reps per participant."""
    start = participants.set_index("participant_id")["follow_up_start"]
    mass = participants.set_index("participant_id")["body_mass_kg"]
    hhd = strength["test"].eq("hhd_hip_extension").to_numpy()
    torque = np.where(strength["unit"].eq("N").to_numpy(),
                      strength["value"].to_numpy(float) * strength["lever_arm_m"].to_numpy(float),
                      strength["value"].to_numpy(float))
    no_arm = hhd & np.isnan(torque)
    parts = [_exclusions("strength", strength, lines, no_arm,
                         "force without lever arm: torque unknown")]
    frame = strength.assign(torque=torque)
    out = pd.DataFrame(index=pd.Index(participants["participant_id"], name="participant_id"))
    for test, column, post_column, per_kg in (
        ("hhd_hip_extension", "glute_nm_kg", "glute_nm_kg_post", True),
        ("single_leg_bridge", "bridge_reps", None, False),
    ):
        rows = frame[frame["test"].eq(test).to_numpy() & ~np.isnan(frame["torque"].to_numpy())]
        if rows.empty:
            out[column] = np.nan
            if post_column:
                out[post_column] = np.nan
            continue
        baseline, post = _sessions(rows, start)
        for name, sessions in ((column, baseline), (post_column, post)):
            if name is None:
                continue
            pick = rows[rows["session"].to_numpy(float)
                        == rows["participant_id"].map(sessions).to_numpy(float)]
            best = pick.groupby(["participant_id", "side"])["torque"].max()
            value = best.groupby("participant_id").mean()
            if per_kg:
                value = value / mass.reindex(value.index)
            out[name] = value.reindex(out.index).astype(float)
    return out, _concat(parts)


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
