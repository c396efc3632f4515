"""Import raw exports of one source into a study folder: read, merge, QC report, validate.

:func:`import_to_study` is what ``glute-study import SOURCE INPUTS... --out STUDY_DIR`` runs.
Sources and what each writes:

==========  ===============================================  =================================
source      inputs                                           tables
==========  ===============================================  =================================
activpal    activPAL Events / EventsEx CSVs (or folders)      sitting (one row per day)
actigraph   ActiLife epoch CSVs or AGD files (or folders)    sitting
accel       raw thigh accelerometry CSV / Parquet (folders)  sitting
redcap      the data export and its data dictionary          as the ``mapping`` YAML says
strength    tidy strength template or VALD-style CSVs        strength
emg         a manifest CSV (path, participant_id, date,      activation
            task, [session, trial, cue_s]) per batch
==========  ===============================================  =================================

Device files are read in parallel by :func:`glute_study.io.daily.import_device_folder` (local
processes, or the Dask cluster given as ``executor``); the participant id is taken from the file
name with ``id_pattern`` (first group of a regular expression; default: the name up to the first
``_``, ``-``, space or dot). Two recordings of one participant that overlap in time are refused
(both files named); back-to-back recordings that merely share a calendar day (one ends in the
morning, the next starts that afternoon) are imported, and the two part-days are added up into one
day (hours, bouts and breaks summed, the valid-day rule applied to the summed wear). With
``skip_bad=True`` an unreadable or overlapping file is recorded in the QC report as not imported
and the other files are imported.

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

import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from ..codebook import CODEBOOK
from ..errors import InputError
from .qc import qc_report, render_qc

__all__ = ["ID_PATTERN", "SOURCES", "import_to_study", "merge_tables"]

#: The sources :func:`import_to_study` reads.
SOURCES = ("activpal", "actigraph", "accel", "redcap", "strength", "emg")
#: Default participant id in a device file name: the name up to the first ``_ - space .``.
ID_PATTERN = r"^([^_\-\s.]+)"
_DEVICES = ("activpal", "actigraph", "accel")
_LOG_COLUMNS = ["participant_id", "source", "file", "warning"]


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
        Where device files are read: see :func:`glute_study.parallel.run_tasks` (``None``:
        local processes; ``"serial"``; a Dask scheduler address such as ``"tcp://host:8786"``).
    **options
        Devices: ``id_pattern`` (regular expression, first group = participant id; default
        :data:`ID_PATTERN`), ``valid_day`` (minimum waking wear hours, default 10) and
        ``skip_bad`` (record unreadable or time-overlapping files in the QC report and import the
        others, instead of stopping). REDCap: ``mapping`` (YAML file), ``keep``. Strength:
        ``test``, ``lever_arm_m``. EMG: ``method``.

    Returns
    -------
    dict
        ``tables`` (what was imported), ``qc`` (the report), ``study`` (the validated study, or
        None without participants) and ``summary`` (lines to print).

    Raises
    ------
    GluteStudyError
        A user mistake (unknown source, missing file, bad file without ``skip_bad``, two
        recordings of one participant overlapping in time, ...) as a one-line message naming the
        file; nothing is written when an input cannot be read.

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
    if source in _DEVICES:
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


def _import_devices(source: str, inputs: list[str], *, executor: Any = None,
                    id_pattern: str = ID_PATTERN, valid_day: float = 10.0,
                    skip_bad: bool = False, **_: Any) -> tuple[dict, pd.DataFrame]:
    """Device files into the sitting table and the file log, through ``import_device_folder``.

    Every file is read (errors recorded, not raised) so that, without ``skip_bad``, the message
    can name the file and say that nothing was written; warnings stay in the log and QC report.
    """
    from .daily import import_device_folder

    with warnings.catch_warnings(record=True):  # per-file warnings are in result.files
        warnings.simplefilter("always")
        result = import_device_folder(inputs, reader=source, executor=executor,
                                      id_pattern=id_pattern, options={"valid_day": valid_day},
                                      errors="record")
    log = []
    for row in result.files.itertuples(index=False):
        name = Path(row.file).name
        if row.error:
            error = row.error if name in row.error else f"{name}: {row.error}"
            if not skip_bad:
                raise InputError(f"{error} (no table was written; fix or remove the file, or "
                                 "use --skip-bad to import the others)")
            log.append((row.participant_id, source, name, f"not imported: {error}"))
        else:
            log.append((row.participant_id, source, name, row.warnings or ""))
    files = pd.DataFrame(log, columns=_LOG_COLUMNS)
    if result.daily.empty:
        raise InputError(f"none of the {len(files)} {source} file(s) could be imported.")
    return {"sitting": _combine_days(result.daily, valid_day)}, files


def _combine_days(daily: pd.DataFrame, valid_day: float) -> pd.DataFrame:
    """One sitting row per participant, date and instrument: part-days of back-to-back files summed.

    The recordings do not overlap in time (``import_device_folder`` checks that), so the hours,
    bouts and breaks of two part-days add up; a bout cut by the change of file counts in each.
    """
    key = ["participant_id", "date", "instrument"]
    summed = ["sitting_h", "prolonged_sitting_h", "sitting_bouts", "breaks", "wear_h"]
    if not daily.duplicated(key).any():
        return daily[list(CODEBOOK["sitting"].names)].reset_index(drop=True)
    days = daily.groupby(key, sort=True, dropna=False)[summed].sum(min_count=1).reset_index()
    days["valid_day"] = days["wear_h"] >= valid_day
    return days[list(CODEBOOK["sitting"].names)]


def _import_redcap(inputs: list[str], *, mapping: str | None = None, keep: str = "started",
                   **_: Any) -> tuple[dict, pd.DataFrame]:
    from .redcap import read_redcap, redcap_to_study

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
    from .strength import read_strength, strength_rows

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
    from .emg import activation_table

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
    """Write ``tables`` into ``folder``, merging with the CSVs already there.

    An imported row replaces an old row with the same codebook key (e.g. participant, date and
    instrument for ``sitting``); other old rows are kept. ``participants`` are merged field by
    field: a new non-empty value wins, an empty one keeps the old value. Values are written as
    the study CSVs hold them (ISO dates, ``true``/``false``), columns in codebook order.

    Parameters
    ----------
    folder : Path
        The study folder (must exist).
    tables : dict of str to DataFrame
        Codebook tables by name (``participants``, ``sitting``, ``strength``, ...).

    Returns
    -------
    dict of str to tuple of int
        Per table: (rows imported, old rows replaced, rows now in the file).

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
