"""The import quality-control report: one row per participant, as a table and as a page.

:func:`qc_report` counts, per participant, what came in (files per source) and what it gives
(device days, valid days, mean waking wear on valid days, strength trials, EMG trials, exposure
sessions, cramps), and collects the warnings raised while importing. Device days are those of the
one device the analysis uses, the first of the codebook's ``DEVICE_INSTRUMENTS`` with a valid day
(a participant's other devices are named, not added up). A participant is flagged ``check``
when a warning was raised or that device holds fewer valid days than ``min_valid_days`` (4, the
common rule for sitting; 6-8 days are needed for a reliable mean).
:func:`render_qc` writes it as Markdown or HTML for people to read.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .._checks import check_one_of
from .._escape import html_text, markdown_cell
from ..codebook import DEVICE_INSTRUMENTS

__all__ = ["QC_COLUMNS", "qc_report", "render_qc"]

_NO_PARTICIPANT = "(no participant)"

#: Columns of the QC report, in order.
QC_COLUMNS = (
    "participant_id",
    "files",
    "sources",
    "device_days",
    "valid_days",
    "wear_h_valid_day",
    "sitting_h_valid_day",
    "self_report_days",
    "strength_trials",
    "emg_trials",
    "exposure_sessions",
    "cramps",
    "warnings",
    "status",
    "messages",
)


def qc_report(
    tables: Mapping[str, pd.DataFrame],
    *,
    files: pd.DataFrame | None = None,
    min_valid_days: int = 4,
) -> pd.DataFrame:
    """Per-participant quality-control table of an import.

    Parameters
    ----------
    tables : mapping of str to DataFrame
        Codebook tables (any of ``participants``, ``sitting``, ``strength``, ``activation``,
        ``exposure``, ``cramps``).
    files : DataFrame, optional
        One row per imported file and message: ``participant_id``, ``source``, ``file`` and
        ``warning`` (empty when the file read cleanly).
    min_valid_days : int
        Fewer valid device days than this flags the participant.

    Returns
    -------
    pandas.DataFrame
        :data:`QC_COLUMNS`, one row per participant seen in any table or file.

    Examples
    --------
    >>> sitting = pd.DataFrame({"participant_id": ["P1"] * 3 + ["P2"],
    ...     "date": pd.date_range("2026-03-02", periods=4), "instrument": "activpal",
    ...     "sitting_h": [9.0, 8.0, 3.0, 10.0], "wear_h": [15.0, 14.0, 5.0, 16.0],
    ...     "valid_day": [True, True, False, True]})
    >>> files = pd.DataFrame({"participant_id": ["P1", "P2"], "source": "activpal",
    ...     "file": ["P1.csv", "P2.csv"], "warning": ["", "recording ends mid-day"]})
    >>> qc = qc_report({"sitting": sitting}, files=files, min_valid_days=2)
    >>> qc[["participant_id", "device_days", "valid_days", "wear_h_valid_day", "status"]]
      participant_id  device_days  valid_days  wear_h_valid_day status
    0             P1            3           2              14.5     ok
    1             P2            1           1              16.0  check
    """
    ids: list[object] = []
    if files is not None and "participant_id" in files:
        # a file whose participant is unknown is still reported, on a row of its own
        files = files.assign(participant_id=files["participant_id"].astype("object").where(
            files["participant_id"].notna(), _NO_PARTICIPANT))
    for frame in (*tables.values(), files):
        if frame is not None and "participant_id" in frame:
            ids.extend(frame["participant_id"].dropna().astype(str))
    ids = sorted(set(ids))
    out = pd.DataFrame({"participant_id": ids})

    def count(name: str, mask=None) -> pd.Series:
        frame = tables.get(name)
        if frame is None or frame.empty:
            return pd.Series(0, index=ids)
        frame = frame if mask is None else frame[mask(frame)]
        return frame["participant_id"].astype(str).value_counts().reindex(ids, fill_value=0)

    sitting = tables.get("sitting")
    device: dict[str, str] = {}  # the device whose days count, per participant
    unused: dict[str, list[str]] = {}  # the participant's other devices
    if sitting is not None and not sitting.empty:
        sitting = sitting.assign(**{c: sitting.get(c, d) for c, d in (
            ("instrument", ""), ("valid_day", False), ("wear_h", np.nan), ("sitting_h", np.nan))})
        dev = sitting[sitting["instrument"].astype(str) != "self_report"].copy()
        dev["participant_id"] = dev["participant_id"].astype(str)
        dev["instrument"] = dev["instrument"].astype(str)
        flag = dev["valid_day"].astype("object").map(lambda v: v is True or v == 1
                                                    or str(v).lower() == "true")
        # One device per participant counts, as in the analysis: the first of the codebook's
        # DEVICE_INSTRUMENTS with a valid day (the first with any day when none is valid).
        order = [*DEVICE_INSTRUMENTS, *sorted(set(dev["instrument"]) - set(DEVICE_INSTRUMENTS))]
        rank = dev["instrument"].map({name: i for i, name in enumerate(order)})
        by_pid = rank.groupby(dev["participant_id"])
        chosen = rank.where(flag).groupby(dev["participant_id"]).min().fillna(by_pid.min())
        used = (rank == dev["participant_id"].map(chosen)).to_numpy()
        for pid, names in dev.groupby("participant_id")["instrument"]:
            device[pid] = order[int(chosen[pid])]
            unused[pid] = sorted(set(names) - {device[pid]})
        dev, flag = dev[used], flag[used]
        valid = dev[flag.to_numpy(dtype=bool)]
        out["device_days"] = out["participant_id"].map(dev.groupby("participant_id").size())
        out["valid_days"] = out["participant_id"].map(valid.groupby("participant_id").size())
        wear = valid.groupby("participant_id")["wear_h"].mean()
        sit = valid.groupby("participant_id")["sitting_h"].mean()
        out["wear_h_valid_day"] = out["participant_id"].map(wear).astype(float)
        out["sitting_h_valid_day"] = out["participant_id"].map(sit).astype(float)
    else:
        out["device_days"] = 0
        out["valid_days"] = 0
        out["wear_h_valid_day"] = np.nan
        out["sitting_h_valid_day"] = np.nan
    for col in ("device_days", "valid_days"):
        out[col] = out[col].fillna(0).astype(int)
    out["self_report_days"] = count(
        "sitting", lambda f: f["instrument"].astype(str) == "self_report").to_numpy()
    out["strength_trials"] = count("strength").to_numpy()
    out["emg_trials"] = count("activation").to_numpy()
    out["exposure_sessions"] = count("exposure").to_numpy()
    out["cramps"] = count("cramps").to_numpy()

    messages = {pid: [] for pid in ids}
    if files is not None and not files.empty:
        f = files.copy()
        f["participant_id"] = f["participant_id"].astype(str)
        n_files = f.drop_duplicates(["participant_id", "file"]).groupby("participant_id").size()
        sources = f.groupby("participant_id")["source"].agg(lambda s: ", ".join(sorted(set(s))))
        out["files"] = out["participant_id"].map(n_files).fillna(0).astype(int)
        out["sources"] = out["participant_id"].map(sources).fillna("")
        for pid, name, warning in zip(f["participant_id"], f["file"], f["warning"].fillna("")):
            if str(warning).strip():
                messages[pid].append(f"{name}: {warning}")
    else:
        out["files"] = 0
        out["sources"] = ""
    has_device = out["device_days"] > 0
    for pid, valid_days in zip(out["participant_id"][has_device], out["valid_days"][has_device]):
        if valid_days < min_valid_days:
            which = (f" ({device[pid]}; {', '.join(unused[pid])} days are not used)"
                     if unused.get(pid) else "")
            messages[pid].append(f"{valid_days} valid device day(s), fewer than "
                                 f"{min_valid_days}{which}")
    out["warnings"] = [len(messages[p]) for p in out["participant_id"]]
    out["status"] = np.where(out["warnings"] > 0, "check", "ok")
    out["messages"] = ["; ".join(messages[p]) for p in out["participant_id"]]
    return out[list(QC_COLUMNS)]


def render_qc(report: pd.DataFrame, *, format: str = "markdown", title: str = "Import QC",
              rules: pd.DataFrame | None = None) -> str:
    """Render a :func:`qc_report` table as a Markdown or HTML page.

    Parameters
    ----------
    report : DataFrame
        From :func:`qc_report`.
    format : {"markdown", "html"}
        The page format.
    title : str
        The page heading.
    rules : DataFrame, optional
        ``source`` and ``rule``: the rules that made the imported tables (the import log's
        ``rule`` column), listed under the table, once each.

    Examples
    --------
    >>> qc = qc_report({"cramps": pd.DataFrame({"participant_id": ["P1"]})})
    >>> print(render_qc(qc).splitlines()[0])
    # Import QC
    >>> "<table" in render_qc(qc, format="html")
    True
    >>> rules = pd.DataFrame({"source": ["activpal"], "rule": ["Sitting = codes 0 and 5."]})
    >>> print(render_qc(qc, rules=rules).splitlines()[-1])
    - activpal: Sitting = codes 0 and 5.
    """
    check_one_of("format", format, ("markdown", "html"))
    flagged = int((report["status"] == "check").sum())
    summary = (f"{len(report)} participant(s); {flagged} to check. Valid days count device days "
               "meeting the wear rule; wear and sitting are means over valid days.")
    shown = report.copy()
    for col in ("wear_h_valid_day", "sitting_h_valid_day"):
        shown[col] = shown[col].map(lambda v: "" if pd.isna(v) else f"{v:.1f}")
    if format == "markdown":
        head = "| " + " | ".join(shown.columns) + " |"
        rule = "|" + "|".join("---" for _ in shown.columns) + "|"
        body = ["| " + " | ".join(markdown_cell(v) for v in row) + " |"
                for row in shown.astype(str).itertuples(index=False)]
        listed = [f"- {markdown_cell(src)}: {markdown_cell(text)}" for src, text in _rules(rules)]
        extra = ["", "## Rules used", "", *listed] if listed else []
        return "\n".join([f"# {markdown_cell(title)}", "", summary, "", head, rule, *body, *extra,
                          ""])
    cells = "".join(f"<th>{html_text(c)}</th>" for c in shown.columns)
    rows = []
    for row in shown.astype(str).itertuples(index=False):
        flag = ' class="check"' if row.status == "check" else ""
        rows.append(f"<tr{flag}>" + "".join(f"<td>{html_text(v)}</td>" for v in row)
                    + "</tr>")
    style = ("body{font-family:sans-serif}table{border-collapse:collapse}"
             "td,th{border:1px solid #999;padding:2px 6px}tr.check{background:#fde9c9}")
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{html_text(title)}</title><style>{style}</style></head><body>"
            f"<h1>{html_text(title)}</h1><p>{html_text(summary)}</p>"
            f"<table><tr>{cells}</tr>{''.join(rows)}</table>{_rules_html(rules)}"
            "</body></html>\n")


def _rules(rules: pd.DataFrame | None) -> list[tuple[str, str]]:
    if rules is None or rules.empty or "rule" not in rules.columns:
        return []
    kept = rules.dropna(subset=["rule"])
    kept = kept[kept["rule"].astype(str).str.strip() != ""]
    pairs = kept[["source", "rule"]].astype(str).drop_duplicates()
    return [(a, " ".join(b.split())) for a, b in pairs.itertuples(index=False)]


def _rules_html(rules: pd.DataFrame | None) -> str:
    listed = _rules(rules)
    if not listed:
        return ""
    items = "".join(f"<li>{html_text(a)}: {html_text(b)}</li>" for a, b in listed)
    return f"<h2>Rules used</h2><ul>{items}</ul>"
