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
are merged field by field (new non-empty values win). What an import holds replaces what the
study held for the same thing, so that a corrected file never leaves a stale row beside the new
one: a strength file replaces the study's rows of its participants' sessions and tests, an EMG
manifest those of its sessions and tasks, and a REDCap export every row of its records in the
exposure and cramps tables it maps (the sitting table: rows of the same instrument). Rows that
go without a replacement are counted as "removed" in the summary. Without a ``session`` column,
sessions are numbered by date against the study: a date already there keeps its session, a later
date is the next session, and an earlier date is refused (give the session then).

Device imports also keep each file's part-days in ``device_days.csv``, so that a later import
can sum a day shared with a file imported before, replace the days of a re-imported file, and
refuse a recording overlapping one imported before.

Every imported file and its warnings are logged in ``import_log.csv``; the QC report
(``qc_report.csv``, ``qc_report.md``, ``qc_report.html``) is rewritten for the whole folder from
the tables and that log. Every input is read, merged and checked (keys, codebook types) before
anything is written; then all the files of the import are written as one group, each whole
through a temporary file, so that a failure or a kill leaves them as they were (see
:func:`glute_study._files.write_files`). Tables are written before validation, so that a
validation error (its message names file, line, column and value) can be fixed in place.
Finally the folder is validated with :func:`glute_study.load_study` when it has a participants
table.
"""

from __future__ import annotations

import glob
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .._files import check_writable, make_folder, write_files
from .._read import DEVICE_DAYS, IMPORT_LOG, PACKAGE_FILES, QC_REPORT, TABLE_SUFFIXES
from ..codebook import CODEBOOK
from ..errors import InputError
from ..parallel import check_executor
from ..validate import ValidationError
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
        :data:`ID_PATTERN`), ``valid_day`` (minimum waking wear hours, default 10),
        ``device_options`` (other keyword options of the daily summary, e.g.
        ``{"nonwear_method": "troiano"}`` for ActiGraph) and
        ``skip_bad`` (record unreadable or time-overlapping files in the QC report and import the
        others, instead of stopping). REDCap: ``mapping`` (YAML file), ``keep``. Strength:
        ``test``, ``lever_arm_m``. EMG: ``method``, ``muscles`` (channel label -> muscle),
        ``emg_root`` (the folder the EMG files must lie in; each manifest's folder by default).

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
    if not inputs:
        raise InputError(f"no inputs: give the {source} files or folders to import.")
    check_writable(folder)  # before the inputs are read (device folders take a while)
    check_executor(executor)
    inputs = _without_own_files(_expand_patterns(inputs), folder, source)
    scope: dict[str, pd.DataFrame] = {}
    if source in _DEVICES:
        tables, files, parts = _import_devices(source, inputs, executor=executor, **options)
        tables, files, parts, scope = _with_earlier_parts(folder, parts, files, **options)
    elif source == "redcap":
        tables, files, scope = _import_redcap(inputs, **options)
    elif source == "strength":
        tables, files = _import_strength(inputs, folder=folder, **options)
        scope = {"strength": tables["strength"][["participant_id", "session", "test"]]}
    else:
        tables, files = _import_emg(inputs, folder=folder, **options)
        scope = {"activation": tables["activation"][["participant_id", "session", "task"]]}
    _refuse_duplicate_keys(source, tables)
    for name, frame in tables.items():
        _check_types(name, frame)
    if (folder / IMPORT_LOG).exists():  # read what will be merged into first
        _read_study_csv(folder / IMPORT_LOG, ["participant_id", "file"])
    # Everything is read, merged and rendered in memory, then written as one group: all the
    # files of this import, or (on any error, a full disk, a kill) none of them.
    merged, counts = _merged(folder, tables, scope)
    writes: dict[Path, bytes | None] = {folder / f"{name}.csv": _csv_bytes(frame)
                                        for name, frame in merged.items()}
    if source in _DEVICES:
        writes[folder / _PARTS_FILE] = _csv_bytes(parts)
    log_path = folder / IMPORT_LOG
    log = files.assign(imported=pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M:%S UTC"))
    if log_path.exists():
        old = _read_study_csv(log_path, ["participant_id", "file"])
        # a re-imported file replaces its entries (same name and participant: files of other
        # participants may share a name, e.g. week1.csv in one folder per participant)
        again = set(zip(log["participant_id"].astype(str), log["file"]))
        old = old[[pair not in again for pair in zip(old["participant_id"], old["file"])]]
        log = pd.concat([old, log.astype(str)], ignore_index=True)
    writes[log_path] = _csv_bytes(log)
    qc = qc_report(_read_folder(folder, merged), files=log)
    rules = log if "rule" in log.columns else None
    writes[folder / f"{QC_REPORT}.csv"] = _csv_bytes(qc)
    writes[folder / f"{QC_REPORT}.md"] = render_qc(qc, rules=rules).encode("utf-8")
    writes[folder / f"{QC_REPORT}.html"] = render_qc(qc, format="html", rules=rules).encode("utf-8")
    make_folder(folder)
    write_files(writes)
    summary = [f"{name}: {n_new} row(s) imported, {n_replaced} replaced, "
               + (f"{n_removed} removed (in the study, not in this import), " if n_removed else "")
               + f"{n_total} in {name}.csv"
               for name, (n_new, n_replaced, n_removed, n_total) in counts.items()]
    n_check = int((qc["status"] == "check").sum())
    summary.append(f"QC report: {folder / f'{QC_REPORT}.md'} ({n_check}"
                   f" of {len(qc)} participant(s) to check)")
    study = None
    if (folder / "participants.csv").exists():
        from ..study import load_study

        try:
            study = load_study(folder)
        except ValidationError as err:
            raise _ImportedButInvalid(err.problems, folder=folder,
                                      written=sorted(p.name for p in writes)) from None
        n_warn = len(study.problems)
        summary.append(f"validated {folder}: no errors, {n_warn} warning(s)")
    else:
        summary.append(f"not validated yet: {folder} has no participants.csv (import the "
                       "participants, e.g. REDCap demographics, then run glute-study validate)")
    return {"tables": tables, "qc": qc, "study": study, "summary": summary}


def _csv_bytes(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode("utf-8")


class _ImportedButInvalid(ValidationError):
    """The import's files were written, and the study they make has errors to fix in place."""

    def __init__(self, problems: pd.DataFrame, *, folder: Path, written: list[str]) -> None:
        super().__init__(problems)
        self.folder, self.written = folder, written

    def __str__(self) -> str:
        return (f"the import wrote {', '.join(self.written)} into {self.folder}, and the study "
                "there now has errors; fix them in place, then run glute-study validate. "
                + super().__str__())


_DUPLICATE_HINTS = {
    "redcap": "a form filled in several events or repeat instances maps onto one row; keep one "
              "with the mapping's where: (e.g. where: {redcap_event_name: baseline_arm_1}) or "
              "remove the double entry in REDCap",
    "strength": "each trial must come from one file and one row",
    "emg": "list each trial once in the manifests",
}


def _refuse_duplicate_keys(source: str, tables: dict[str, pd.DataFrame]) -> None:
    """Two imported rows with one codebook key would be written twice: refuse before writing."""
    for name, frame in tables.items():
        key = [k for k in CODEBOOK[name].key if k in frame.columns]
        if not key or frame.empty:
            continue
        dup = frame.duplicated(key, keep=False)
        if dup.any():
            first = frame[dup].iloc[0]
            same = (frame[key].astype(str) == first[key].astype(str)).all(axis=1)
            shown = ", ".join(f"{k}={first[k]}" for k in key)
            hint = _DUPLICATE_HINTS.get(source, "each row must be imported once")
            raise InputError(f"{name}: the import holds {int(same.sum())} rows for {shown}, "
                             f"which must be unique; {hint}. Nothing was written.")


def _import_devices(source: str, inputs: list[str], *, executor: Any = None,
                    id_pattern: str = ID_PATTERN, valid_day: float = 10.0,
                    skip_bad: bool = False, device_options: dict | None = None,
                    **_: Any) -> tuple[dict, pd.DataFrame, pd.DataFrame]:
    """Device files into the sitting table and the file log, through ``import_device_folder``.

    Every file is read (errors recorded, not raised) so that, without ``skip_bad``, the message
    can name the file and say that nothing was written; warnings stay in the log and QC report.
    """
    from .daily import import_device_folder

    with warnings.catch_warnings(record=True):  # per-file warnings are in result.files
        warnings.simplefilter("always")
        result = import_device_folder(inputs, reader=source, executor=executor,
                                      id_pattern=id_pattern,
                                      options={**(device_options or {}), "valid_day": valid_day},
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
    files["rule"] = result.files["rule"].fillna("").to_numpy()  # how each file's days were made
    if result.daily.empty:
        raise InputError(f"none of the {len(files)} {source} file(s) could be imported.")
    spans = result.files[result.files["error"].isna()][["file", "start", "end"]]
    parts = result.daily.merge(spans, on="file", how="left")
    parts["file"] = parts["file"].map(lambda f: Path(f).name)
    return {"sitting": _combine_days(result.daily, valid_day)}, files, parts


#: Part-days of every device file imported into a study folder, so that a later import can add a
#: file's part of a shared day to the part already there (and replace a re-imported file's parts).
_PARTS_FILE = DEVICE_DAYS
_PART_KEY = ["participant_id", "date", "instrument"]


def _with_earlier_parts(folder: Path, parts: pd.DataFrame, files: pd.DataFrame, *,
                        valid_day: float = 10.0, skip_bad: bool = False, **_: Any,
                        ) -> tuple[dict, pd.DataFrame, pd.DataFrame, dict]:
    """Combine this import's part-days with those of files imported into the folder before.

    A file imported again (same participant, instrument and name) replaces its earlier parts; a
    new file that overlaps in time a file imported before is refused (or, with ``skip_bad``,
    left out and logged). Days touched by this import are summed again from all their parts, and
    days left without parts (a re-imported file that got shorter) are removed.
    """
    parts = parts.assign(participant_id=parts["participant_id"].astype(str),
                         date=pd.to_datetime(parts["date"]).dt.normalize(),
                         start=pd.to_datetime(parts["start"]), end=pd.to_datetime(parts["end"]))
    path = folder / _PARTS_FILE
    old = pd.DataFrame(columns=parts.columns)
    if path.is_file():
        try:
            old = pd.read_csv(path, dtype={"participant_id": str, "file": str},
                              parse_dates=["date", "start", "end"])
            require = [*_PART_KEY, "file", "start", "end", "valid_day", "wear_h"]
            missing = [c for c in require if c not in old.columns]
            if missing:
                raise ValueError(f"no column {missing[0]!r}")
        except (ValueError, pd.errors.ParserError) as err:
            raise InputError(f"{path}: cannot be read ({str(err).splitlines()[0]}); it records "
                             "the device files imported before. Restore it, or delete it and "
                             "re-import every device file of the study.") from None
        old["valid_day"] = old["valid_day"].astype(str).str.lower().eq("true")
    parts["valid_day_h"] = float(valid_day)
    ident = ["participant_id", "instrument", "file"]
    again = old[ident].merge(parts[ident].drop_duplicates(), how="left", indicator=True)
    replaced = again["_merge"].eq("both").to_numpy()
    earlier = old[~replaced]
    dropped = old[replaced]
    if "valid_day_h" in earlier.columns and len(earlier):
        used = sorted(set(pd.to_numeric(earlier["valid_day_h"], errors="coerce").dropna()))
        if used and used != [float(valid_day)]:
            shown = " and ".join(f"{v:g}" for v in used)
            raise InputError(
                f"{path}: the device days already in this study were judged with --valid-day "
                f"{shown} h, this import with {valid_day:g} h; one study needs one rule. Give "
                f"--valid-day {used[0]:g}, or import every device file of the study again with "
                "the new rule (in one command, or starting with a copy of the study without "
                f"{_PARTS_FILE}). Nothing was written.")
    slack = pd.Timedelta(seconds=1.5)
    spans = parts.drop_duplicates(ident)
    old_spans = earlier.drop_duplicates(ident).assign(
        start=lambda f: pd.to_datetime(f["start"]), end=lambda f: pd.to_datetime(f["end"]))
    skipped = []
    for row in spans.itertuples(index=False) if len(old_spans) else ():
        same = old_spans[(old_spans["participant_id"] == row.participant_id)
                         & (old_spans["instrument"] == row.instrument)]
        hit = same[(same["start"] < row.end - slack) & (row.start < same["end"] - slack)]
        if hit.empty:
            continue
        other = hit.iloc[0]
        message = (f"{row.file}: participant {row.participant_id}: this recording ({row.start} "
                   f"to {row.end}) overlaps {other['file']} ({other['start']} to "
                   f"{other['end']}), imported into {folder} before; a duplicated or "
                   "overlapping recording")
        if not skip_bad:
            raise InputError(f"{message} (no table was written; remove one, or use --skip-bad "
                             "to import the others)")
        skipped.append((row.participant_id, row.instrument, row.file))
        mask = ((files["participant_id"].astype(str) == row.participant_id)
                & (files["file"] == row.file))
        files.loc[mask, "warning"] = f"not imported: {message}"
    if skipped:
        keep = ~pd.Series(list(zip(parts["participant_id"], parts["instrument"], parts["file"])),
                          index=parts.index).isin(skipped)
        parts = parts[keep]
    combined = (pd.concat([earlier, parts], ignore_index=True) if len(earlier)
                else parts.reset_index(drop=True))
    touched = (pd.concat([parts[_PART_KEY], dropped[_PART_KEY]]) if len(dropped)
               else parts[_PART_KEY]).drop_duplicates()
    days = combined.merge(touched, on=_PART_KEY)
    sitting = (_combine_days(days, valid_day) if len(days)
               else pd.DataFrame(columns=list(CODEBOOK["sitting"].names)))
    scope = touched.assign(date=touched["date"].dt.strftime("%Y-%m-%d"))
    return {"sitting": sitting}, files, combined, {"sitting": scope}


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
                   **_: Any) -> tuple[dict, pd.DataFrame, dict]:
    """REDCap tables, the file log, and the scope they replace: every row of the records."""
    from .redcap import _load_mapping, read_redcap, redcap_to_study

    if len(inputs) != 2:
        raise InputError("redcap needs two inputs: the data export and its data dictionary; "
                         f"got {len(inputs)}.")
    if not mapping:
        raise InputError("redcap needs --mapping FILE.yaml; start from "
                         "glute_study/io/templates/redcap_mapping.yaml.")
    paths = [Path(p) for p in inputs]
    for p in paths:
        if p.is_dir():
            raise InputError(f"{p} is a folder; redcap needs two files: the data export and its "
                             "data dictionary.")
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
    spec = _load_mapping(mapping)[0]
    prefix = str((spec.get("participant_id") or {}).get("prefix") or "")
    records = {str(i) for i in export.records[export.id_column]}
    for table in export.repeating.values():
        records |= {str(i) for i in table[export.id_column]}
    everyone = pd.DataFrame({"participant_id": sorted(prefix + r for r in records)})
    scope = {}
    for name, table in tables.items():
        if name not in ("sitting", "exposure", "cramps"):
            continue  # participants merge field by field; strength/EMG may also come from files
        if name == "sitting" and "instrument" in table:
            kinds = pd.DataFrame({"instrument": table["instrument"].dropna().unique()})
            scope[name] = everyone.merge(kinds, how="cross")
        else:
            scope[name] = everyone
    return tables, files, scope


def _import_strength(inputs: list[str], *, folder: Path, test: str | None = None,
                     lever_arm_m: float | None = None, **_: Any) -> tuple[dict, pd.DataFrame]:
    from .strength import read_strength, strength_rows

    paths = _expand(inputs, (".csv", ".txt"))
    rows, files = [], []
    for path in paths:
        trials = read_strength(path, test=test, lever_arm_m=lever_arm_m)
        no_arm = trials["force_n"].notna() & trials["lever_arm_m"].isna()
        if no_arm.any():
            pid = trials.loc[no_arm, "participant_id"].iloc[0]
            raise InputError(f"{path.name}: force in N without a lever arm (participant {pid}); "
                             "torque is force x lever arm: fill lever_arm_m in the file, or give "
                             "--lever-arm-m (the pad-to-hip distance in metres).")
        rows.append(trials)
        files += [(pid, "strength", path.name, "") for pid in trials["participant_id"].unique()]
    trials = pd.concat(rows, ignore_index=True)
    trials["session"] = _number_sessions(trials, _old_table(folder, "strength"), "strength")
    table = strength_rows(trials)
    key = list(CODEBOOK["strength"].key)
    dup = table.duplicated(key, keep=False)
    if dup.any():
        row = table[dup].iloc[0]
        raise InputError(f"participant {row['participant_id']}, session {row['session']}, "
                         f"{row['test']} {row['side']} trial {row['trial']} comes from more than "
                         "one file; import each trial once.")
    return {"strength": table}, pd.DataFrame(files, columns=["participant_id", "source", "file",
                                                             "warning"])


def _import_emg(inputs: list[str], *, folder: Path, method: str = "tkeo",
                muscles: dict[str, str] | None = None, emg_root: str | None = None,
                **_: Any) -> tuple[dict, pd.DataFrame]:
    from .emg import _check_manifest, activation_table

    parts, files = [], []
    old = _old_table(folder, "activation")
    for item in inputs:
        manifest_path = Path(item)
        if manifest_path.is_dir():
            raise InputError(f"{manifest_path} is a folder; emg takes manifest CSVs (path, "
                             "participant_id, date, task: one row per EMG file), not the folder "
                             "of recordings.")
        if not manifest_path.is_file():
            raise InputError(f"{manifest_path}: no such manifest file (emg takes manifest CSVs "
                             "with path, participant_id, date, task).")
        try:
            manifest = pd.read_csv(manifest_path, dtype={"participant_id": str})
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
            raise InputError(f"{manifest_path}: not a readable manifest CSV ({err}); expected "
                             "columns path, participant_id, date, task.") from None
        try:
            _check_manifest(manifest)
        except InputError as err:
            raise InputError(f"{manifest_path.name}: {err}") from None
        dates = pd.to_datetime(manifest["date"], errors="coerce", format="ISO8601")
        if dates.isna().any():
            i = int(np.flatnonzero(dates.isna().to_numpy())[0])
            raise InputError(f"{manifest_path.name}, line {i + 2}: column 'date' holds "
                             f"{manifest['date'].iloc[i]!r}; expected a date as YYYY-MM-DD.")
        manifest["date"] = dates
        manifest["session"] = _number_sessions(manifest, old, f"EMG manifest {manifest_path.name}")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                # the EMG files must lie inside the manifest's folder (or the one named)
                root = Path(emg_root) if emg_root else manifest_path.parent
                parts.append(activation_table(manifest, method=method, muscles=muscles,
                                              root=root))
            except InputError as err:
                where = f"{manifest_path.name}: "
                raise InputError(f"{'' if str(err).startswith(where) else where}{err}") from None
        note = "; ".join(str(w.message) for w in caught)
        files += [(str(pid), "emg", Path(p).name, note)
                  for pid, p in zip(manifest["participant_id"], manifest["path"])]
    return ({"activation": pd.concat(parts, ignore_index=True)},
            pd.DataFrame(files, columns=["participant_id", "source", "file", "warning"]))


def _expand_patterns(inputs: list[str]) -> list[str]:
    """Expand glob patterns (``data/*.csv``) the shell left alone; name one matching nothing."""
    out: list[str] = []
    for item in inputs:
        if any(c in item for c in "*?[") and not Path(item).exists():
            found = sorted(glob.glob(item))
            if not found:
                raise InputError(f"{item!r} matches no file; check the folder and the pattern.")
            out.extend(found)
        else:
            out.append(item)
    return out


def _is_own_file(path: Path) -> bool:
    """True for a study table or another file the package writes into a study folder."""
    stem = path.name.split(".", 1)[0]
    return path.name.lower() in PACKAGE_FILES or (stem in CODEBOOK
                                                  and path.suffix.lower() in TABLE_SUFFIXES)


def _without_own_files(inputs: list[str], folder: Path, source: str) -> list[str]:
    """``inputs`` without the study folder's own files, which are outputs and never exports.

    An input folder that is the study folder itself (exports kept beside the study) is replaced
    by its export files; a study file named on its own is an error.
    """
    study = folder.resolve() if folder.is_dir() else None
    out = []
    for item in inputs:
        path = Path(item)
        if study is not None and path.is_dir() and path.resolve() == study:
            from .daily import _READERS

            suffixes = _READERS.get(source)
            out += sorted(str(f) for f in path.iterdir() if f.is_file() and not _is_own_file(f)
                          and (suffixes is None or f.name.lower().endswith(suffixes)))
            continue
        if path.is_file() and study is not None and path.resolve().parent == study and \
                _is_own_file(path):
            raise InputError(f"{path} is a file of the study folder {folder} (written by "
                             f"glute-study), not a {source} export; leave it out of the inputs.")
        out.append(item)
    if not out:
        raise InputError(f"no {source} exports in {', '.join(inputs)}: the folder holds only the "
                         "study's own files.")
    return out


def _old_table(folder: Path, name: str) -> pd.DataFrame | None:
    path = folder / f"{name}.csv"
    if not path.is_file():
        return None
    return _read_study_csv(path, ["participant_id"])


def _number_sessions(new: pd.DataFrame, old: pd.DataFrame | None, what: str) -> pd.Series:
    """Session numbers for rows without one, by date, continuing the study's numbering.

    A date the study already has keeps its session (a re-import replaces it); a later date is the
    next session; a date before the study's sessions is refused, since numbering it would
    renumber the sessions already there.
    """
    session = (pd.to_numeric(new["session"], errors="coerce") if "session" in new
               else pd.Series(np.nan, index=new.index))
    todo = session.isna().to_numpy()
    if not todo.any():
        return session
    pids = new["participant_id"].astype(str).to_numpy()
    dates = pd.to_datetime(new["date"]).dt.normalize().to_numpy()
    known: dict[str, dict[Any, set[int]]] = {}
    if old is not None and not old.empty and {"date", "session"} <= set(old.columns):
        old_dates = pd.to_datetime(old["date"], errors="coerce").dt.normalize().to_numpy()
        old_sessions = pd.to_numeric(old["session"], errors="coerce").to_numpy()
        for pid, day, ses in zip(old["participant_id"].astype(str), old_dates, old_sessions):
            if not (pd.isna(day) or np.isnan(ses)):
                known.setdefault(pid, {}).setdefault(day, set()).add(int(ses))
    for pid, day, ses in zip(pids[~todo], dates[~todo], session.to_numpy()[~todo]):
        known.setdefault(pid, {}).setdefault(day, set()).add(int(ses))
    out = session.to_numpy(dtype=float).copy()
    for pid in dict.fromkeys(pids[todo]):
        have = known.setdefault(pid, {})
        mine = todo & (pids == pid)
        for day in sorted(set(dates[mine])):
            shown = pd.Timestamp(day).strftime("%Y-%m-%d")
            if day in have:
                if len(have[day]) > 1:
                    raise InputError(f"{what}: participant {pid} has sessions "
                                     f"{sorted(have[day])} on {shown}; add a session column to "
                                     "say which one these rows belong to.")
                number = next(iter(have[day]))
            elif not have or day > max(have):
                number = max(max(v) for v in have.values()) + 1 if have else 1
                have[day] = {number}
            else:
                first = min(have)
                raise InputError(
                    f"{what}: participant {pid}: a test on {shown} comes before the sessions "
                    f"already in the study (session {min(have[first])} on "
                    f"{pd.Timestamp(first):%Y-%m-%d}); sessions are numbered by date, so add a "
                    "session column (1 = first test day) to say which session this is.")
            out[mine & (dates == day)] = number
    return pd.Series(out, index=new.index)


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
    for name, frame in tables.items():
        _check_types(name, frame)
    merged, counts = _merged(folder, tables)
    write_files({folder / f"{name}.csv": _csv_bytes(frame) for name, frame in merged.items()})
    return {name: (n_new, n_replaced + n_removed, n_total)
            for name, (n_new, n_replaced, n_removed, n_total) in counts.items()}


def _merged(folder: Path, tables: dict[str, pd.DataFrame],
            scope: dict[str, pd.DataFrame] | None = None,
            ) -> tuple[dict[str, pd.DataFrame], dict[str, tuple[int, int, int, int]]]:
    """The tables :func:`merge_tables` writes (as text), also dropping old rows that match a row
    of ``scope[name]``; nothing is written.

    Returns the merged tables and, per table, (imported, replaced by key, removed by scope only,
    now in the file).
    """
    scope = scope or {}
    counts, out = {}, {}
    for name, frame in tables.items():
        table = CODEBOOK[name]
        new = _as_text(frame, name)
        path = folder / f"{name}.csv"
        if path.exists():
            old = _read_study_csv(path, [k for k in table.key if k in new.columns])
        else:
            old = pd.DataFrame(columns=[c for c in table.names if c in new.columns])
        key = [k for k in table.key if k in new.columns]
        if name == "participants" and not old.empty:
            merged_new = new.set_index("participant_id")
            base = old.set_index("participant_id")
            both = merged_new.index.intersection(base.index)
            replaced, removed = len(both), 0
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
            removed = 0
            if len(old) and name in scope and len(scope[name]):
                within = _in_scope(old, _as_scope(scope[name], name))
                removed = int((within & ~stale).sum())
                stale = stale | within
            merged = pd.concat([old[~stale] if len(old) else old, new], ignore_index=True)
        ordered = [c for c in table.names if c in merged.columns]
        out[name] = merged[ordered + [c for c in merged.columns if c not in ordered]].fillna("")
        counts[name] = (len(new), replaced, removed, len(merged))
    return out, counts


def _check_types(name: str, frame: pd.DataFrame) -> None:
    """Refuse, before anything is written, imported values that are not of their codebook type."""
    for col in CODEBOOK[name].columns:
        if col.name not in frame or col.dtype in ("string", "category"):
            continue
        values = frame[col.name]
        present = values.notna().to_numpy() & (values.astype(str) != "").to_numpy()
        if col.dtype in ("integer", "number"):
            parsed = pd.to_numeric(values.where(present), errors="coerce")
            bad = present & parsed.isna().to_numpy()
            if col.dtype == "integer":
                bad |= present & ~np.isclose(parsed.fillna(0) % 1, 0)
        elif col.dtype == "boolean":
            bad = present & ~values.astype(str).str.lower().isin(
                ["true", "false", "1", "0", "1.0", "0.0", "yes", "no"]).to_numpy()
        else:
            text = values.where(present).astype(object)
            parsed = pd.to_datetime(text.where(present, None), errors="coerce",
                                    format="ISO8601")
            bad = present & parsed.isna().to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            row = frame.iloc[i]
            who = f"participant {row['participant_id']}, " if "participant_id" in frame else ""
            raise InputError(f"{name}: {who}column {col.name!r} would hold "
                             f"{values.iloc[i]!r}; expected {col.expected()}. Nothing was "
                             "written.")


def _as_scope(scope: pd.DataFrame, name: str) -> pd.DataFrame:
    """Scope values as the study CSVs write them (sessions as whole numbers, text as text)."""
    out = pd.DataFrame(index=scope.index)
    for col in scope.columns:
        values = scope[col]
        if CODEBOOK[name].column(col).dtype == "integer":
            values = pd.to_numeric(values).astype("Int64")
        out[col] = values.astype(str)
    return out.drop_duplicates()


def _in_scope(old: pd.DataFrame, scope: pd.DataFrame) -> pd.Series:
    cols = [c for c in scope.columns if c in old.columns]
    if not cols:
        return pd.Series(False, index=old.index)
    keys = set(scope[cols].agg("\x1f".join, axis=1))
    return old[cols].astype(str).agg("\x1f".join, axis=1).isin(keys)


def _read_study_csv(path: Path, required: list[str]) -> pd.DataFrame:
    """A CSV of the study folder as text columns; a damaged one is a one-line error."""
    import io

    from .._text import decode_bytes

    how = ("fix it, or move it out of the study folder (the import then starts it afresh)")
    try:
        text, _ = decode_bytes(path.read_bytes(), path)
        if not text.strip():
            raise ValueError("the file is empty")
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (ValueError, pd.errors.ParserError, OSError) as err:
        why = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise InputError(f"{path}: cannot be merged into ({why}); {how}.") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: has no column {', '.join(map(repr, missing))}, which the "
                         f"import needs to merge rows; {how}.")
    return frame


def _read_folder(folder: Path, merged: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The study's tables as the QC report reads them: ``merged`` (about to be written) in place
    of the folder's files."""
    out = {}
    for name in CODEBOOK:
        path = folder / f"{name}.csv"
        if name in merged or path.exists():
            frame = (merged[name].copy() if name in merged
                     else _read_study_csv(path, ["participant_id"]))
            for col in ("sitting_h", "wear_h"):
                if col in frame:
                    frame[col] = pd.to_numeric(frame[col], errors="coerce")
            if "valid_day" in frame:
                frame["valid_day"] = frame["valid_day"].str.lower().isin(["true", "1", "yes"])
            out[name] = frame
    return out
