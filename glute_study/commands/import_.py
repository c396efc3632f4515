"""``glute-study import SOURCE INPUTS... --out STUDY_DIR``: raw exports into a checked study folder.

Sources and what each writes:

==========  ===============================================  =================================
source      inputs                                           tables
==========  ===============================================  =================================
activpal    activPAL Events / EventsEx CSVs (or folders)      sitting (one row per day)
actigraph   ActiLife epoch CSVs or AGD files (or folders)    sitting
accel       raw thigh accelerometry CSV / Parquet (folders)  sitting
redcap      the data export and its data dictionary          as the ``--mapping`` YAML says
strength    tidy strength template or VALD-style CSVs        strength
emg         a manifest CSV (path, participant_id, date,      activation
            task, [session, trial, cue_s]) per batch
==========  ===============================================  =================================

Device files are read in parallel (local processes, or the Dask cluster at ``--scheduler``); the
participant id is taken from the file name with ``--id-pattern`` (first group of a regular
expression; default: the name up to the first ``_``, ``-``, space or dot).

Merging: a table already in the folder keeps its rows; an imported row with the same codebook
key (e.g. participant, date and instrument for sitting) replaces the old one, and participants
are merged field by field (new non-empty values win). Every imported file and its warnings are
logged in ``import_log.csv``; the QC report (``qc_report.csv``, ``qc_report.md``,
``qc_report.html``) is rewritten for the whole folder from the tables and that log. Tables are
written before validation, so that a validation error (its message names file, line, column and
value) can be fixed in place. Finally the folder is validated with
:func:`glute_study.load_study` when it has a participants table.
"""

from __future__ import annotations

import argparse
import re
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from ..codebook import CODEBOOK
from ..errors import GluteStudyError, InputError

SOURCES = ("activpal", "actigraph", "accel", "redcap", "strength", "emg")
_DEVICE = {"activpal": (".csv", ".txt"), "actigraph": (".csv", ".agd"),
           "accel": (".csv", ".parquet")}
_ID_PATTERN = r"^([^_\-\s.]+)"


def add_parser(subparsers) -> None:
    """Add the ``import`` subcommand."""
    p = subparsers.add_parser(
        "import", help="import device, REDCap, strength or EMG exports into a study folder",
        description="Read raw exports, write or merge the study tables (CSV) into --out, write "
        "a per-participant QC report there, then validate the study.")
    p.add_argument("source", choices=SOURCES, help="kind of export")
    p.add_argument("inputs", nargs="+", help="files or folders (redcap: the export and its "
                   "data dictionary; emg: manifest CSVs)")
    p.add_argument("--out", required=True, help="study folder to write or merge into")
    p.add_argument("--scheduler", default=None,
                   help="Dask scheduler address (tcp://host:8786); default: local processes")
    p.add_argument("--id-pattern", default=_ID_PATTERN,
                   help="regular expression whose first group is the participant id in a "
                   f"device file name (default {_ID_PATTERN!r})")
    p.add_argument("--valid-day", type=float, default=10.0,
                   help="minimum waking wear hours of a valid device day (default 10)")
    p.add_argument("--mapping", help="redcap: the YAML mapping of forms to study tables")
    p.add_argument("--keep", default="started",
                   choices=("started", "all", "unverified", "complete"),
                   help="redcap: which form data to keep by <form>_complete (default started)")
    p.add_argument("--test", default=None, help="strength: the test for every row "
                   "(hhd_hip_extension, isokinetic_hip_extension, single_leg_bridge)")
    p.add_argument("--lever-arm-m", type=float, default=None,
                   help="strength: pad-to-hip distance (m) for rows that lack one")
    p.add_argument("--method", default="tkeo", choices=("tkeo", "hodges_bui"),
                   help="emg: onset detection method (default tkeo)")
    p.add_argument("--skip-bad", action="store_true",
                   help="device files: record unreadable files in the QC report and go on")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the import; returns the exit code."""
    options = {k: getattr(args, k) for k in ("id_pattern", "valid_day", "mapping", "keep",
                                             "test", "lever_arm_m", "method", "skip_bad")}
    result = import_to_study(args.source, args.inputs, out=args.out,
                             executor=args.scheduler, **options)
    for line in result["summary"]:
        print(line)
    return 0


# ----------------------------------------------------------------------------- orchestration


def import_to_study(
    source: str,
    inputs: list[str],
    *,
    out: str | Path,
    executor: Any = None,
    **options: Any,
) -> dict[str, Any]:
    """Import ``inputs`` of one ``source`` into the study folder ``out``; see the module doc.

    Parameters
    ----------
    source : {"activpal", "actigraph", "accel", "redcap", "strength", "emg"}
        Kind of export.
    inputs : list of str
        Files or folders, as on the command line.
    out : str or Path
        The study folder to write or merge into (created when absent).
    executor : None, str, Client or Executor
        Where device files are read: see :func:`glute_study.parallel.run_tasks`.
    **options
        ``id_pattern``, ``valid_day``, ``skip_bad`` (devices); ``mapping``, ``keep`` (redcap);
        ``test``, ``lever_arm_m`` (strength); ``method`` (emg).

    Returns
    -------
    dict
        ``tables`` (what was imported), ``qc`` (the report), ``study`` (the validated study, or
        None without participants) and ``summary`` (lines to print).

    Examples
    --------
    >>> import tempfile
    >>> from importlib.resources import files
    >>> template = files("glute_study.io") / "templates" / "strength_template.csv"
    >>> result = import_to_study("strength", [str(template)], out=tempfile.mkdtemp())
    >>> print(result["summary"][0])
    strength: 8 row(s) imported, 0 replaced, 8 in strength.csv
    >>> result["qc"][["participant_id", "strength_trials", "status"]]
      participant_id  strength_trials status
    0           P001                8     ok
    """
    if source not in SOURCES:
        raise InputError(f"`source` must be one of {', '.join(SOURCES)}; got {source!r}.")
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"--out {folder} is a file; give a folder for the study.")
    if source in _DEVICE:
        tables, files = _import_devices(source, inputs, executor=executor, **options)
    elif source == "redcap":
        tables, files = _import_redcap(inputs, **options)
    elif source == "strength":
        tables, files = _import_strength(inputs, **options)
    else:
        tables, files = _import_emg(inputs, **options)
    folder.mkdir(parents=True, exist_ok=True)
    counts = merge_tables(folder, tables)
    merged = _read_folder(folder)
    from ..io.qc import qc_report, render_qc

    log_path = folder / "import_log.csv"
    log = files.assign(imported=pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M:%S UTC"))
    if log_path.exists():
        old = pd.read_csv(log_path, dtype=str, keep_default_na=False)
        old = old[~old["file"].isin(set(log["file"]))]  # a re-imported file replaces its entry
        log = pd.concat([old, log.astype(str)], ignore_index=True)
    log.to_csv(log_path, index=False, lineterminator="\n")
    qc = qc_report(merged, files=log)
    qc.to_csv(folder / "qc_report.csv", index=False, lineterminator="\n")
    (folder / "qc_report.md").write_text(render_qc(qc), encoding="utf-8")
    (folder / "qc_report.html").write_text(render_qc(qc, format="html"), encoding="utf-8")
    summary = [f"{name}: {n_new} row(s) imported, {n_replaced} replaced, {n_total} in "
               f"{name}.csv" for name, (n_new, n_replaced, n_total) in counts.items()]
    summary.append(f"QC report: {folder / 'qc_report.md'} ({int((qc['status'] == 'check').sum())}"
                   f" of {len(qc)} participant(s) to check)")
    study = None
    if (folder / "participants.csv").exists():
        from ..study import load_study

        study = load_study(folder)
        n_warn = len(study.problems)
        summary.append(f"validated {folder}: no errors, {n_warn} warning(s)")
    else:
        summary.append(f"not validated yet: {folder} has no participants.csv (import the "
                       "participants, e.g. REDCap demographics, then run glute-study validate)")
    return {"tables": tables, "qc": qc, "study": study, "summary": summary}


def _expand(inputs: list[str], suffixes: tuple[str, ...]) -> list[Path]:
    paths: list[Path] = []
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            found = sorted(p for p in path.iterdir()
                           if p.is_file() and p.suffix.lower() in suffixes)
            if not found:
                raise InputError(f"{path}: no {'/'.join(suffixes)} files in this folder.")
            paths.extend(found)
        elif path.is_file():
            paths.append(path)
        else:
            raise InputError(f"{path}: no such file or folder.")
    return paths


def _participant(path: Path, pattern: str) -> str:
    match = re.search(pattern, path.name)
    if not match or not (match.groups() and match.group(1)):
        raise InputError(f"{path.name}: --id-pattern {pattern!r} finds no participant id in the "
                         "file name; rename the file or give a pattern whose first group is "
                         "the id.")
    return match.group(1)


def _device_task(task: tuple[str, str, str, float]) -> tuple[pd.DataFrame | None, list[str], str]:
    """Read one device file (module level so worker processes can run it)."""
    source, path, pid, valid_day = task
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            if source == "activpal":
                from ..io.activpal import read_activpal, sitting_summary

                daily = sitting_summary(read_activpal(path), participant_id=pid,
                                        valid_day=valid_day)
            elif source == "actigraph":
                from ..io.actigraph import actigraph_daily, read_actigraph

                daily = actigraph_daily(read_actigraph(path), participant_id=pid,
                                        valid_day=valid_day)
            else:
                from ..io.accel import accel_daily

                daily = accel_daily(path, participant_id=pid, valid_day=valid_day)
        except GluteStudyError as err:
            return None, [str(w.message) for w in caught], str(err)
    return daily, [str(w.message) for w in caught], ""


def _import_devices(source: str, inputs: list[str], *, executor: Any = None,
                    id_pattern: str = _ID_PATTERN, valid_day: float = 10.0,
                    skip_bad: bool = False, **_: Any) -> tuple[dict, pd.DataFrame]:
    from ..parallel import run_tasks

    paths = _expand(inputs, _DEVICE[source])
    tasks = [(source, str(p), _participant(p, id_pattern), valid_day) for p in paths]
    results = run_tasks(_device_task, tasks, executor=executor, desc=f"{source} files")
    days, files = [], []
    for (_, path, pid, _), (daily, notes, error) in zip(tasks, results):
        name = Path(path).name
        if error:
            if not skip_bad:
                raise InputError(f"{error} (no table was written; fix or remove the file, or "
                                 "use --skip-bad to import the others)")
            files.append((pid, source, name, f"not imported: {error}"))
            continue
        for note in notes or [""]:
            files.append((pid, source, name, note))
        days.append(daily)
    files_frame = pd.DataFrame(files, columns=["participant_id", "source", "file", "warning"])
    if not days:
        raise InputError(f"none of the {len(paths)} {source} file(s) could be imported.")
    daily = pd.concat(days, ignore_index=True)
    dup = daily.duplicated(["participant_id", "date", "instrument"], keep=False)
    if dup.any():
        row = daily[dup].iloc[0]
        names = [Path(p).name for (_, p, pid, _) in tasks if pid == row["participant_id"]]
        raise InputError(
            f"participant {row['participant_id']} has two recordings covering "
            f"{pd.Timestamp(row['date']):%Y-%m-%d} ({', '.join(names)}); overlapping "
            "recordings cannot be added up. Keep one file per period, or fix --id-pattern.")
    sitting = daily[list(CODEBOOK["sitting"].names)]
    return {"sitting": sitting}, files_frame


def _import_redcap(inputs: list[str], *, mapping: str | None = None, keep: str = "started",
                   **_: Any) -> tuple[dict, pd.DataFrame]:
    from ..io.redcap import read_redcap, redcap_to_study

    if len(inputs) != 2:
        raise InputError("redcap needs two inputs: the data export and its data dictionary; "
                         f"got {len(inputs)}.")
    if not mapping:
        raise InputError("redcap needs --mapping FILE.yaml; start from "
                         "glute_study/io/templates/redcap_mapping.yaml.")
    paths = [Path(p) for p in inputs]
    for p in paths:
        if not p.is_file():
            raise InputError(f"{p}: no such file.")

    def is_dictionary(p: Path) -> bool:
        head = p.read_bytes()[:200].decode("utf-8", errors="replace").lower()
        return "variable / field name" in head or head.lstrip("\ufeff\"").startswith("field_name")

    if is_dictionary(paths[0]) and not is_dictionary(paths[1]):
        paths.reverse()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        export = read_redcap(paths[0], paths[1], keep=keep)
    tables = redcap_to_study(export, mapping)
    notes = [str(w.message) for w in caught] + export.notes
    ids = sorted({str(i) for t in tables.values() for i in t["participant_id"]})
    files = pd.DataFrame([(pid, "redcap", paths[0].name, "") for pid in ids],
                         columns=["participant_id", "source", "file", "warning"])
    if notes and ids:
        files.loc[0, "warning"] = "; ".join(notes)
    return tables, files


def _import_strength(inputs: list[str], *, test: str | None = None,
                     lever_arm_m: float | None = None, **_: Any) -> tuple[dict, pd.DataFrame]:
    from ..io.strength import read_strength, strength_rows

    paths = _expand(inputs, (".csv", ".txt"))
    rows, files = [], []
    for path in paths:
        trials = read_strength(path, test=test, lever_arm_m=lever_arm_m)
        rows.append(trials)
        files += [(pid, "strength", path.name, "") for pid in trials["participant_id"].unique()]
    table = strength_rows(pd.concat(rows, ignore_index=True))
    key = list(CODEBOOK["strength"].key)
    dup = table.duplicated(key, keep=False)
    if dup.any():
        row = table[dup].iloc[0]
        raise InputError(f"participant {row['participant_id']}, session {row['session']}, "
                         f"{row['test']} {row['side']} trial {row['trial']} comes from more than "
                         "one file; import each trial once.")
    return {"strength": table}, pd.DataFrame(files, columns=["participant_id", "source", "file",
                                                             "warning"])


def _import_emg(inputs: list[str], *, method: str = "tkeo", **_: Any) -> tuple[dict, pd.DataFrame]:
    from ..io.emg import activation_table

    parts, files = [], []
    for item in inputs:
        manifest_path = Path(item)
        if not manifest_path.is_file():
            raise InputError(f"{manifest_path}: no such manifest file (emg takes manifest CSVs "
                             "with path, participant_id, date, task).")
        try:
            manifest = pd.read_csv(manifest_path, dtype={"participant_id": str})
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
            raise InputError(f"{manifest_path}: not a readable manifest CSV ({err}); expected "
                             "columns path, participant_id, date, task.") from None
        parts.append(activation_table(manifest, method=method, root=manifest_path.parent))
        files += [(str(pid), "emg", Path(p).name, "")
                  for pid, p in zip(manifest["participant_id"], manifest["path"])]
    return ({"activation": pd.concat(parts, ignore_index=True)},
            pd.DataFrame(files, columns=["participant_id", "source", "file", "warning"]))


# ----------------------------------------------------------------------------- merging


def _as_text(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Codebook columns as the text the study CSVs hold (dates ISO, booleans true/false)."""
    out = pd.DataFrame(index=frame.index)
    for col in CODEBOOK[name].columns:
        if col.name not in frame:
            out[col.name] = ""
            continue
        values = frame[col.name]
        if col.dtype == "date":
            values = pd.to_datetime(values).dt.strftime("%Y-%m-%d")
        elif col.dtype == "datetime":
            values = pd.to_datetime(values).dt.strftime("%Y-%m-%d %H:%M:%S")
        elif col.dtype == "boolean":
            values = values.astype("boolean").map({True: "true", False: "false"},
                                                  na_action="ignore")
        elif col.dtype == "integer":
            values = pd.to_numeric(values).astype("Int64")
        out[col.name] = values.astype("object").where(values.notna(), "").astype(str)
    return out


def merge_tables(folder: Path, tables: dict[str, pd.DataFrame]) -> dict[str, tuple[int, int, int]]:
    """Write ``tables`` into ``folder``, merging with the CSVs already there (see module doc).

    Returns, per table, (rows imported, old rows replaced, rows now in the file).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> day = pd.DataFrame({"participant_id": ["P1"], "date": [pd.Timestamp("2026-03-02")],
    ...                     "instrument": ["activpal"], "sitting_h": [9.5]})
    >>> merge_tables(folder, {"sitting": day})
    {'sitting': (1, 0, 1)}
    >>> merge_tables(folder, {"sitting": day.assign(sitting_h=9.0)})  # same key: replaced
    {'sitting': (1, 1, 1)}
    >>> print((folder / "sitting.csv").read_text().splitlines()[1])
    P1,2026-03-02,activpal,9.0,,,,,
    """
    counts = {}
    for name, frame in tables.items():
        table = CODEBOOK[name]
        new = _as_text(frame, name)
        path = folder / f"{name}.csv"
        if path.exists():
            old = pd.read_csv(path, dtype=str, keep_default_na=False)
        else:
            old = pd.DataFrame(columns=[c for c in table.names if c in new.columns])
        key = [k for k in table.key if k in new.columns]
        if name == "participants" and not old.empty:
            merged_new = new.set_index("participant_id")
            base = old.set_index("participant_id")
            both = merged_new.index.intersection(base.index)
            replaced = len(both)
            for col in merged_new.columns:
                if col not in base:
                    base[col] = ""
            upd = merged_new.loc[both]
            base.loc[both, upd.columns] = upd.where(upd != "", base.loc[both, upd.columns])
            merged = pd.concat([base, merged_new.drop(index=both)]).reset_index()
        else:
            old_keys = old[key].astype(str).agg("\x1f".join, axis=1) if not old.empty else []
            new_keys = set(new[key].astype(str).agg("\x1f".join, axis=1))
            stale = pd.Series(old_keys, index=old.index).isin(new_keys) if len(old) else []
            replaced = int(stale.sum()) if len(old) else 0
            merged = pd.concat([old[~stale] if len(old) else old, new], ignore_index=True)
        ordered = [c for c in table.names if c in merged.columns]
        merged = merged[ordered + [c for c in merged.columns if c not in ordered]].fillna("")
        merged.to_csv(path, index=False, lineterminator="\n")
        counts[name] = (len(new), replaced, len(merged))
    return counts


def _read_folder(folder: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for name in CODEBOOK:
        path = folder / f"{name}.csv"
        if path.exists():
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            for col in ("sitting_h", "wear_h"):
                if col in frame:
                    frame[col] = pd.to_numeric(frame[col], errors="coerce")
            if "valid_day" in frame:
                frame["valid_day"] = frame["valid_day"].str.lower().isin(["true", "1", "yes"])
            out[name] = frame
    return out
