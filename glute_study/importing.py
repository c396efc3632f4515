"""The import workflow: raw exports of one source into a study folder (read, merge, QC, validate).

It sits above the readers (:mod:`glute_study.io`), the study-folder format
(:mod:`glute_study.study_folder`, which merges and writes the CSVs) and the study loader
(:func:`glute_study.load_study`, which validates the result); nothing below imports it.

:func:`import_to_study` is what ``glute-study import SOURCE INPUTS... --out STUDY_DIR`` runs.
Sources and what each writes:

==========  ===============================================  =================================
source      inputs                                           tables
==========  ===============================================  =================================
activpal    activPAL Events / EventsEx CSVs (or folders)      sitting (one row per day)
actigraph   ActiLife epoch CSVs or AGD files (or folders)    sitting
accel       raw thigh accelerometry: .cwa, .gt3x, .bin,      sitting
            CSV, Parquet (or folders)
redcap      the data export and its data dictionary          as the ``mapping`` YAML says
strength    tidy strength template or VALD-style CSVs        strength
emg         a manifest CSV (path, participant_id, date,      activation
            task, [session, trial, cue_s]) per batch
==========  ===============================================  =================================

Device files are read in parallel by :func:`glute_study.io.device_folder.import_device_folder`
(local processes, or the Dask cluster given as ``executor``); the participant id is taken from the
file name with ``id_pattern`` (first group of a regular expression; default: the name up to the
first ``_``, ``-``, space or dot). Two recordings of one participant that overlap in time are
refused (both files named); back-to-back recordings that merely share a calendar day (one ends in
the morning, the next starts that afternoon) are imported, and the two part-days are added up into
one day (hours, bouts and breaks summed, the valid-day rule applied to the summed wear). With
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

import difflib
import functools
import inspect
import io
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._files import check_writable, make_folder, write_files
from ._read import DEVICE_DAYS, IMPORT_LOG, PACKAGE_FILES, QC_REPORT, TABLE_SUFFIXES
from ._text import open_export, read_text
from .codebook import CODEBOOK
from .errors import InputError
from .io.device_folder import (  # ID_PATTERN: the default id of a device file, public here too
    ID_PATTERN,
    READER_SUFFIXES,
    expand_patterns,
    import_device_folder,
    input_files,
    overlaps,
)
from .io.emg import activation_table, check_manifest
from .io.qc import qc_report, render_qc
from .io.redcap import read_redcap
from .io.redcap_mapping import load_mapping, redcap_to_study
from .io.strength import read_strength, strength_rows
from .parallel import check_executor
from .study import load_study
from .study_folder import (
    check_types,
    csv_bytes,
    has_table,
    merged_tables,
    read_csv_text,
    tables_as_text,
)
from .validate import ValidationError

__all__ = ["ID_PATTERN", "SOURCES", "SOURCE_OPTIONS", "import_to_study"]

#: The sources :func:`import_to_study` reads.
SOURCES = ("activpal", "actigraph", "accel", "redcap", "strength", "emg")
_DEVICES = ("activpal", "actigraph", "accel")
_LOG_COLUMNS = ["participant_id", "source", "file", "warning"]


def _named_options(func):
    """Make a misspelt keyword option of ``func`` an InputError naming the options that exist.

    Python's own TypeError names only the wrong word; the message here names the options of the
    source being imported, and the closest spelling.
    """
    known = set(inspect.signature(func).parameters)

    @functools.wraps(func)
    def checked(*args: Any, **kwargs: Any) -> Any:
        unknown = [name for name in kwargs if name not in known]
        if unknown:
            source = args[0] if args else kwargs.get("source")
            raise InputError(_no_such_option(source, unknown[0]))
        return func(*args, **kwargs)

    return checked


#: The keyword options of each source, with their defaults (``out`` and ``executor`` are common).
SOURCE_OPTIONS: dict[str, dict[str, Any]] = {
    **{device: {"id_pattern": ID_PATTERN, "valid_day": 10.0, "skip_bad": False,
                "device_options": None} for device in _DEVICES},
    "redcap": {"mapping": None, "keep": "started"},
    "strength": {"test": None, "lever_arm_m": None},
    "emg": {"method": "tkeo", "muscles": None, "emg_root": None},
}


def _takes(source: object) -> str:
    if source in SOURCE_OPTIONS:
        return f"{source} takes {', '.join(SOURCE_OPTIONS[source])} (and out, executor)"
    every = dict.fromkeys(n for options in SOURCE_OPTIONS.values() for n in options)
    return f"the options are out, executor, {', '.join(every)}"


def _no_such_option(source: object, name: str) -> str:
    every = ["out", "executor", *{n: None for o in SOURCE_OPTIONS.values() for n in o}]
    close = difflib.get_close_matches(name, every, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"import_to_study has no option {name!r}{hint}; {_takes(source)}."


def _options_of(source: str, given: dict[str, Any]) -> dict[str, Any]:
    """The options of ``source`` from ``given``; an option of another source set to anything but
    its default is refused (it would be ignored without a word)."""
    mine = SOURCE_OPTIONS[source]
    for name, value in given.items():
        if name in mine:
            continue
        default = next(o[name] for o in SOURCE_OPTIONS.values() if name in o)
        try:
            unchanged = value is default or bool(value == default)
        except (TypeError, ValueError):
            unchanged = False
        if not unchanged:
            owners = [s for s, o in SOURCE_OPTIONS.items() if name in o]
            whose = "the device sources" if set(owners) == set(_DEVICES) else " and ".join(owners)
            raise InputError(f"`{name}` is an option of {whose}, not of {source}; "
                             f"{_takes(source)}.")
    return {name: given[name] for name in mine}


@_named_options
def import_to_study(
    source: str,
    inputs: str | Path | list[str | Path],
    *,
    out: str | Path,
    executor: Any = None,
    id_pattern: str = ID_PATTERN,
    valid_day: float = 10.0,
    skip_bad: bool = False,
    device_options: dict[str, Any] | None = None,
    mapping: str | Path | dict | None = None,
    keep: str = "started",
    test: str | None = None,
    lever_arm_m: float | None = None,
    method: str = "tkeo",
    muscles: dict[str, str] | None = None,
    emg_root: str | Path | None = None,
) -> dict[str, Any]:
    """Import ``inputs`` of one ``source`` into the study folder ``out``; see the module doc.

    Parameters
    ----------
    source : {"activpal", "actigraph", "accel", "redcap", "strength", "emg"}
        Kind of export.
    inputs : str, Path or list of them
        Files or folders, as on the command line (one may be given without a list).
    out : str or Path
        The study folder to write or merge into (created when absent).
    executor : None, str, Client or Executor
        Where device files are read: see :func:`glute_study.parallel.run_tasks` (``None``:
        local processes; ``"serial"``; a Dask scheduler address such as ``"tcp://host:8786"``).
    id_pattern, valid_day, skip_bad, device_options
        Device sources (activpal, actigraph, accel): ``id_pattern`` (regular expression, first
        group = participant id; default :data:`ID_PATTERN`), ``valid_day`` (minimum waking wear
        hours, default 10), ``skip_bad`` (record unreadable or time-overlapping files in the QC
        report and import the others, instead of stopping) and ``device_options`` (other keyword
        options of the daily summary, e.g. ``{"nonwear_method": "troiano"}`` for ActiGraph).
    mapping, keep
        REDCap: the YAML mapping of forms to study tables (required) and which form data to keep
        (see :func:`glute_study.io.read_redcap`).
    test, lever_arm_m
        Strength: the test of every row, and the pad-to-hip distance for rows without one.
    method, muscles, emg_root
        EMG: the onset method (``"tkeo"``, ``"hodges_bui"``), channel label -> muscle, and the
        folder the EMG files must lie in (each manifest's folder by default).

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
        file; nothing is written when an input cannot be read. A misspelt option, or an
        option of another source, is refused with the options the source takes.

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
    >>> import_to_study("strength", [str(template)], out=tempfile.mkdtemp(), tset="x")
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: import_to_study has no option 'tset' (did you mean 'test'?); \
strength takes test, lever_arm_m (and out, executor).
    """
    if source not in SOURCES:
        raise InputError(f"`source` must be one of {', '.join(SOURCES)}; got {source!r}.")
    options = _options_of(source, {
        "id_pattern": id_pattern, "valid_day": valid_day, "skip_bad": skip_bad,
        "device_options": device_options, "mapping": mapping, "keep": keep, "test": test,
        "lever_arm_m": lever_arm_m, "method": method, "muscles": muscles,
        "emg_root": emg_root})
    # one file or folder may be given as it is; each input is handled as text below
    inputs = [str(i) for i in ([inputs] if isinstance(inputs, (str, Path)) else inputs)]
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        raise InputError(f"--out {folder} is a file; give a folder for the study.")
    if not inputs:
        raise InputError(f"no inputs: give the {source} files or folders to import.")
    check_writable(folder)  # before the inputs are read (device folders take a while)
    check_executor(executor)
    inputs = _without_own_files(expand_patterns(inputs), folder, source)
    scope: dict[str, pd.DataFrame] = {}
    if source in _DEVICES:
        files, parts = _import_devices(source, inputs, executor=executor, **options)
        tables, files, parts, scope = _with_earlier_parts(
            folder, parts, files, valid_day=valid_day, skip_bad=skip_bad)
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
        check_types(name, frame)
    if (folder / IMPORT_LOG).exists():  # read what will be merged into first
        read_csv_text(folder / IMPORT_LOG, ["participant_id", "file"])
    # Everything is read, merged and rendered in memory, then written as one group: all the
    # files of this import, or (on any error, a full disk, a kill) none of them.
    merged, counts = merged_tables(folder, tables, scope)
    writes: dict[Path, bytes | None] = {folder / f"{name}.csv": csv_bytes(frame)
                                        for name, frame in merged.items()}
    if source in _DEVICES:
        writes[folder / _PARTS_FILE] = csv_bytes(parts)
    log_path = folder / IMPORT_LOG
    log = files.assign(imported=pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%d %H:%M:%S UTC"))
    if log_path.exists():
        old = read_csv_text(log_path, ["participant_id", "file"])
        # a re-imported file replaces its entries (same name and participant: files of other
        # participants may share a name, e.g. week1.csv in one folder per participant)
        again = set(zip(log["participant_id"].astype(str), log["file"]))
        old = old[[pair not in again for pair in zip(old["participant_id"], old["file"])]]
        log = pd.concat([old, log.astype(str)], ignore_index=True)
    writes[log_path] = csv_bytes(log)
    qc = qc_report(tables_as_text(folder, merged), files=log)
    rules = log if "rule" in log.columns else None
    writes[folder / f"{QC_REPORT}.csv"] = csv_bytes(qc)
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
    if has_table(folder, "participants"):  # participants.csv, .xlsx, .csv.gz, ...
        try:
            study = load_study(folder)
        except ValidationError as err:
            raise _ImportedButInvalid(err.problems, folder=folder,
                                      written=sorted(p.name for p in writes)) from None
        n_warn = len(study.problems)
        summary.append(f"validated {folder}: no errors, {n_warn} warning(s)")
    else:
        summary.append(f"not validated yet: {folder} has no participants table (import the "
                       "participants, e.g. REDCap demographics, then run glute-study validate)")
    return {"tables": tables, "qc": qc, "study": study, "summary": summary}


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
                    ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Device files into the file log and their part-days, through ``import_device_folder``.

    The days are summed into the sitting table by :func:`_with_earlier_parts`, with the parts of
    files imported into the study before.

    Every file is read (errors recorded, not raised) so that, without ``skip_bad``, the message
    can name the file and say that nothing was written; warnings stay in the log and QC report.
    """
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
        failed = [w.removeprefix("not imported: ") for w in files["warning"]
                  if w.startswith("not imported: ")]
        why = (f" ({failed[0]}" + (f"; and {len(failed) - 1} more" if len(failed) > 1 else "")
               + ")") if failed else ""
        raise InputError(f"none of the {len(files)} {source} file(s) could be imported{why}.")
    spans = result.files[result.files["error"].isna()][["file", "start", "end"]]
    parts = result.daily.merge(spans, on="file", how="left")
    parts["file"] = parts["file"].map(lambda f: Path(f).name)
    return files, parts


#: Part-days of every device file imported into a study folder, so that a later import can add a
#: file's part of a shared day to the part already there (and replace a re-imported file's parts).
_PARTS_FILE = DEVICE_DAYS
_PART_KEY = ["participant_id", "date", "instrument"]


def _with_earlier_parts(folder: Path, parts: pd.DataFrame, files: pd.DataFrame, *,
                        valid_day: float = 10.0, skip_bad: bool = False,
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
    spans = parts.drop_duplicates(ident)
    old_spans = earlier.drop_duplicates(ident).assign(
        start=lambda f: pd.to_datetime(f["start"]), end=lambda f: pd.to_datetime(f["end"]))
    skipped = []
    for row in spans.itertuples(index=False) if len(old_spans) else ():
        same = old_spans[(old_spans["participant_id"] == row.participant_id)
                         & (old_spans["instrument"] == row.instrument)]
        hit = same[overlaps(row.start, row.end, same["start"], same["end"])]
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
    names = list(CODEBOOK["sitting"].names)
    # part-days written before the standing/stepping/cycling/lying/steps columns lack them
    daily = daily.reindex(columns=list(dict.fromkeys([*daily.columns, *names])))
    summed = [c for c in names if c not in (*key, "valid_day")]
    if not daily.duplicated(key).any():
        return daily[names].reset_index(drop=True)
    days = daily.groupby(key, sort=True, dropna=False)[summed].sum(min_count=1).reset_index()
    days["valid_day"] = days["wear_h"] >= valid_day
    return days[names]


def _import_redcap(inputs: list[str], *, mapping: str | None = None, keep: str = "started",
                   ) -> tuple[dict, pd.DataFrame, dict]:
    """REDCap tables, the file log, and the scope they replace: every row of the records."""
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
        with open_export(p) as handle:
            head = handle.read(200).decode("utf-8", errors="replace").lower()
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
                         columns=_LOG_COLUMNS)
    if notes and ids:
        files.loc[0, "warning"] = "; ".join(notes)
    spec = load_mapping(mapping)[0]
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
                     lever_arm_m: float | None = None) -> tuple[dict, pd.DataFrame]:
    paths = input_files(inputs, (".csv", ".txt"), each_folder=True)
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
    # a trial in two files is refused by _refuse_duplicate_keys, as for every source
    return {"strength": strength_rows(trials)}, pd.DataFrame(files, columns=_LOG_COLUMNS)


def _import_emg(inputs: list[str], *, folder: Path, method: str = "tkeo",
                muscles: dict[str, str] | None = None, emg_root: str | None = None,
                ) -> tuple[dict, pd.DataFrame]:
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
        text = read_text(manifest_path)  # the package's one decoder, as for every export
        try:
            manifest = pd.read_csv(io.StringIO("\n".join(text.lines)),
                                   dtype={"participant_id": str})
        except (pd.errors.ParserError, pd.errors.EmptyDataError) as err:
            raise InputError(f"{manifest_path}: not a readable manifest CSV ({err}); expected "
                             "columns path, participant_id, date, task.") from None
        try:
            check_manifest(manifest)
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
            pd.DataFrame(files, columns=_LOG_COLUMNS))


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
            suffixes = READER_SUFFIXES.get(source)
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
    return read_csv_text(path, ["participant_id"])


def _number_sessions(new: pd.DataFrame, old: pd.DataFrame | None, what: str) -> pd.Series:
    """Session numbers for rows without one, by date, continuing the study's numbering.

    A date the study already has keeps its session (a re-import replaces it); a later date is the
    next session; a date before a session already in the study is refused, since numbering it
    would renumber the sessions after it.
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
                later = min(d for d in have if d > day)  # the first session after this date
                raise InputError(
                    f"{what}: participant {pid}: a test on {shown} comes before session "
                    f"{min(have[later])} on {pd.Timestamp(later):%Y-%m-%d}, already in the "
                    "study; sessions are numbered by date, so add a session column (1 = first "
                    "test day) to say which session this is.")
            out[mine & (dates == day)] = number
    return pd.Series(out, index=new.index)
