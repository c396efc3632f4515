"""Read a folder of device files into one daily sitting table: the layer above the device readers.

:func:`import_device_folder` reads many device files in parallel (through
:func:`glute_study.parallel.run_tasks`) into one stacked daily table plus a per-file table of
days, valid days, warnings and errors, and refuses two recordings of one participant that
overlap in time (:func:`overlaps`, the one rule the import workflow also applies to recordings
imported before). Each device is one row of a table of readers (the file suffixes it takes and
the function that turns one file into its daily table), and :func:`input_files` is the one way
the files named on a command line (files, folders, patterns) become a list of files.

The readers it calls (:mod:`~glute_study.io.activpal`, :mod:`~glute_study.io.actigraph_days`,
:mod:`~glute_study.io.accel_epochs`) sit below it, on the daily summary of
:mod:`glute_study.io.daily`.
"""

from __future__ import annotations

import glob
import inspect
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .._checks import check_one_of
from .._text import FileFormatError
from ..errors import GluteStudyError, GluteStudyWarning, InputError, StudyReadError
from . import accel_epochs, actigraph, actigraph_days, activpal
from .daily import DAILY_COLUMNS

__all__ = [
    "ID_PATTERN",
    "OVERLAP_TOLERANCE_S",
    "READER_SUFFIXES",
    "DeviceImport",
    "expand_patterns",
    "import_device_folder",
    "input_files",
    "overlaps",
]


# Looked up in the reader modules when called, so that a patched reader is the one used.
def _activpal_days(path: str, **options: object) -> pd.DataFrame:
    return activpal.sitting_summary(activpal.read_activpal(path), **options)


def _actigraph_days(path: str, **options: object) -> pd.DataFrame:
    return actigraph_days.actigraph_daily(actigraph.read_actigraph(path), **options)


def _accel_days(path: str, **options: object) -> pd.DataFrame:
    return accel_epochs.accel_daily(path, **options)


@dataclass(frozen=True)
class _Reader:
    """One device: the file suffixes it reads, one file -> its daily table, and the daily
    summary whose keyword options ``options`` are (with those it passes on, ``passes_on``)."""

    suffixes: tuple[str, ...]
    days: Callable[..., pd.DataFrame]
    summary: Callable[..., pd.DataFrame]
    passes_on: tuple[str, ...] = ()


_READERS = {
    "activpal": _Reader((".csv",), _activpal_days, activpal.sitting_summary),
    "actigraph": _Reader((".csv", ".agd"), _actigraph_days, actigraph_days.actigraph_daily),
    "accel": _Reader((".csv", ".parquet", ".pq", ".gz", ".cwa", ".gt3x", ".bin"), _accel_days,
                     accel_epochs.accel_daily, accel_epochs.POSTURE_OPTIONS),
}
#: The default participant id of a device file: its name up to the first ``_ - space .``.
ID_PATTERN = r"^([^_\-\s.]+)"
#: The file suffixes each device reader takes.
READER_SUFFIXES = {name: reader.suffixes for name, reader in _READERS.items()}

@dataclass
class DeviceImport:
    """The result of :func:`import_device_folder`.

    Attributes
    ----------
    daily : DataFrame
        The daily tables of every file read, stacked, with a ``file`` column.
    files : DataFrame
        One row per file: ``file``, ``participant_id``, ``reader``, ``start``, ``end``,
        ``days``, ``valid_days``, ``mean_wear_h``, ``warnings`` (text, or None) and ``error``
        (None when the file was read).
    """

    daily: pd.DataFrame
    files: pd.DataFrame


def _import_one(task: tuple[str, str, object, dict]) -> dict:
    path, reader, pid, options = task
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            daily = _READERS[reader].days(path, participant_id=pid, **options)
        except GluteStudyError as exc:
            daily, error = None, exc
        except Exception as exc:  # a bug or unforeseen input: still name the file, one line
            daily = None
            error = FileFormatError(
                path,
                f"could not be read: an unexpected {type(exc).__name__} ({exc}). Please report "
                "this with the file; the other files are not affected.",
            )
        else:
            error = None
    notes = [(w.category, str(w.message)) for w in caught]
    out = {"file": path, "participant_id": pid, "daily": daily, "warnings": notes,
           "error": None if error is None else str(error), "exc": error}
    if daily is not None:
        out.update(start=daily.attrs["start"], end=daily.attrs["end"])
    return out


def import_device_folder(
    paths: str | Path | Sequence[str | Path],
    *,
    reader: str = "activpal",
    executor: object = None,
    id_pattern: str | Callable[[Path], object] = ID_PATTERN,
    options: dict | None = None,
    errors: str = "raise",
) -> DeviceImport:
    """Import many device files in parallel into one daily sitting table.

    Parameters
    ----------
    paths : path or sequence of paths
        Files, or folders whose files with the reader's extensions are taken (sorted by name).
    reader : {"activpal", "actigraph", "accel"}
        Which device the files come from (``.csv`` for activPAL; ``.csv``/``.agd`` for ActiGraph;
        ``.csv``/``.parquet``/``.cwa``/``.gt3x``/``.bin`` for raw thigh accelerometry).
    executor : None, str, Client or Executor
        Where to run, as in :func:`glute_study.parallel.run_tasks` (local processes by default,
        ``"serial"``, or a Dask scheduler address).
    id_pattern : str or callable
        A regular expression whose first match in the file name (or group 1, if it has one) is
        the participant id, or a function of the path. The default takes the name up to the
        first ``_``, space, ``.`` or ``-``.
    options : dict, optional
        Keyword options for the daily summary (:func:`~glute_study.io.activpal.sitting_summary`,
        :func:`~glute_study.io.actigraph_days.actigraph_daily` or
        :func:`~glute_study.io.accel_epochs.accel_daily`), e.g. ``{"valid_day": 20}``; an option the
        summary does not take is refused before any file is read.
    errors : {"raise", "record"}
        On a bad file or overlapping recordings: raise the first error, or record it in
        ``files["error"]`` and carry on without that file's days.

    Returns
    -------
    DeviceImport
        ``.daily`` (stacked daily tables with a ``file`` column) and ``.files`` (one row per file:
        ``file``, ``participant_id``, ``reader``, ``start``, ``end``, ``days``, ``valid_days``,
        ``mean_wear_h``, ``warnings``, ``rule`` (the sentence stating how its days were made)
        and ``error``).

    Raises
    ------
    FileFormatError
        With ``errors="raise"``: the first unreadable file (an unexpected exception in a reader
        is turned into one naming the file), or two recordings of one
        participant that overlap in time (both files named).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> head = '"Time","DataCount (samples)","Interval (s)","ActivityCode (0=sedentary)"\\n'
    >>> for pid, t0 in [("P01", 45292.0), ("P02", 45293.0)]:
    ...     rows = [f"{t0 + i / 24:.10f},0,3600,{i % 2}" for i in range(24)]
    ...     _ = (folder / f"{pid}_events.csv").write_text(head + "\\n".join(rows) + "\\n")
    >>> out = import_device_folder(folder, executor="serial")
    >>> out.files[["participant_id", "days", "valid_days", "error"]]
      participant_id  days  valid_days error
    0            P01     1           1  None
    1            P02     1           1  None
    >>> out.daily[["participant_id", "sitting_h", "breaks"]]
      participant_id  sitting_h  breaks
    0            P01       12.0      12
    1            P02       12.0      12
    """
    from ..parallel import run_tasks  # here: the executor loads Dask only when given one

    check_one_of("reader", reader, list(_READERS))
    check_one_of("errors", errors, ["raise", "record"])
    files = input_files(paths, _READERS[reader].suffixes)
    if not files:
        raise InputError(
            f"no {reader} files ({', '.join(_READERS[reader].suffixes)}) found in {paths!s}."
        )

    if not callable(id_pattern):
        try:
            pattern = re.compile(id_pattern)
        except (re.error, TypeError) as err:
            raise InputError(f"`id_pattern` {id_pattern!r} is not a regular expression ({err}); "
                             r"e.g. '^([^_]+)' takes the file name up to the first '_'.") from None

    def pid_of(p: Path) -> object:
        if callable(id_pattern):
            return id_pattern(p)
        m = pattern.search(p.name)
        if not m:
            raise InputError(f"`id_pattern` {id_pattern!r} does not match file name {p.name!r}.")
        pid = m.group(1) if m.groups() else m.group(0)
        if not pid:
            raise InputError(f"`id_pattern` {id_pattern!r} matches an empty participant id in "
                             f"{p.name!r}; make its first group match the id's characters.")
        return pid

    _check_options(reader, options or {})
    tasks = [(str(p), reader, pid_of(p), dict(options or {})) for p in files]
    results = run_tasks(_import_one, tasks, executor=executor, desc=f"import {reader}")
    for r in results:  # warnings raised in worker processes reach the caller too
        for category, message in r["warnings"]:
            if issubclass(category, GluteStudyWarning):
                warnings.warn(message, category, stacklevel=2)
    if errors == "raise":
        first = next((r for r in results if r["error"]), None)
        if first is not None:
            raise first["exc"]
    _flag_overlaps(results, errors)
    rows, tables = [], []
    for r in results:
        d = r["daily"]
        ok = d is not None and r["error"] is None
        rows.append(
            {
                "file": r["file"],
                "participant_id": r["participant_id"],
                "reader": reader,
                "start": r.get("start") if ok else pd.NaT,
                "end": r.get("end") if ok else pd.NaT,
                "days": len(d) if ok else 0,
                "valid_days": int(d["valid_day"].sum()) if ok else 0,
                "mean_wear_h": float(d["wear_h"].mean()) if ok and len(d) else float("nan"),
                "warnings": "; ".join(m for _, m in r["warnings"]) or None,
                "rule": d.attrs.get("rule") if ok else None,
                "error": r["error"],
            }
        )
        if ok:
            tables.append(d.assign(file=r["file"]))
    daily = (
        pd.concat(tables, ignore_index=True)
        if tables
        else pd.DataFrame(columns=[*DAILY_COLUMNS, "file"])
    )
    if tables:
        daily.attrs.update(rule=tables[0].attrs.get("rule", ""), rules=tables[0].attrs.get("rules"))
    return DeviceImport(daily=daily, files=pd.DataFrame(rows))


def _check_options(reader: str, options: dict) -> None:
    """Refuse options the reader's daily summary does not take, before any file is read."""
    summary = _READERS[reader].summary
    params = list(inspect.signature(summary).parameters.values())[1:]
    known = [p.name for p in params if p.name != "participant_id"
             and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)]
    known += _READERS[reader].passes_on  # accel_daily passes these on to thigh_posture
    for name in options:
        if name not in known:
            why = ""
            if name == "participant_id":
                why = " (it comes from the file name: set id_pattern)"
            raise InputError(
                f"option {name!r} is not an option of {summary.__name__}{why} (its options: "
                f"{', '.join(known)})."
            )


def input_files(paths: str | Path | Sequence[str | Path], suffixes: tuple[str, ...], *,
                each_folder: bool = False) -> list[Path]:
    """The files that ``paths`` name: files, folders (their files ending in ``suffixes``, sorted
    by name) and glob patterns the shell left alone (``data/*.csv``).

    A file named twice (a folder and a file in it) is taken once. A name that is neither a file
    nor a folder, and a pattern matching nothing, are errors; so is a folder without one such
    file when ``each_folder`` is set (otherwise it adds nothing).

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("b.csv", "a.CSV", "notes.txt"):
    ...     _ = (folder / name).write_text("x")
    >>> [p.name for p in input_files([folder, folder / "b.csv"], (".csv",))]
    ['a.CSV', 'b.csv']
    >>> input_files([folder / "*.agd"], (".agd",))
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: '...*.agd' matches no file; check the folder and the pattern.
    """
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    out: list[Path] = []
    for item in expand_patterns([str(i) for i in items]):
        p = Path(item)
        if p.is_dir():
            found = sorted(f for f in p.iterdir()
                           if f.is_file() and f.name.lower().endswith(suffixes))
            if each_folder and not found:
                raise InputError(f"{p}: no {'/'.join(suffixes)} files in this folder.")
            out.extend(found)
        elif p.is_file():
            out.append(p)
        else:
            raise StudyReadError(f"{p}: no such file or folder.")
    seen: set[Path] = set()
    unique = []
    for p in out:
        key = p.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(p)
    return unique


def expand_patterns(inputs: list[str]) -> list[str]:
    """Expand glob patterns (``data/*.csv``) the shell left alone; name one matching nothing.

    Examples
    --------
    >>> expand_patterns(["no/such/*.csv"])
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: 'no/such/*.csv' matches no file; check the folder and the \
pattern.
    """
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


#: Recordings of one participant may touch within this many seconds (activPAL start times are
#: whole seconds while durations are tenths, so back-to-back files can meet up to ~1 s apart).
OVERLAP_TOLERANCE_S = 1.5


def overlaps(start, end, other_start, other_end):
    """Whether two recordings of one participant overlap in time: by more than
    :data:`OVERLAP_TOLERANCE_S`, so that back-to-back files (one ends as the next starts) do not.

    Timestamps give a bool; Series of them (one recording against many) a boolean Series.

    Examples
    --------
    >>> t = pd.Timestamp("2026-03-02 08:00")
    >>> overlaps(t, t + pd.Timedelta(hours=2), t + pd.Timedelta(hours=2, seconds=1),
    ...          t + pd.Timedelta(hours=5))
    False
    >>> overlaps(t, t + pd.Timedelta(hours=2), t + pd.Timedelta(hours=1), t + pd.Timedelta(hours=5))
    True
    """
    slack = pd.Timedelta(seconds=OVERLAP_TOLERANCE_S)
    return (start < other_end - slack) & (other_start < end - slack)


def _flag_overlaps(results: list[dict], errors: str) -> None:
    by_pid: dict[object, list[dict]] = {}
    for r in results:
        if r["error"] is None:
            by_pid.setdefault(r["participant_id"], []).append(r)
    for pid, recs in by_pid.items():
        recs.sort(key=lambda r: r["start"])
        latest = recs[0]  # the accepted recording that ends last so far
        for b in recs[1:]:
            if overlaps(latest["start"], latest["end"], b["start"], b["end"]):
                a = latest
                msg = (
                    f"participant {pid}: this recording ({b['start']} to {b['end']}) overlaps "
                    f"{Path(a['file']).name} ({a['start']} to {a['end']}); a duplicated or "
                    "overlapping recording. Remove one, or give them different participant ids."
                )
                if errors == "raise":
                    raise FileFormatError(b["file"], msg)
                b["error"] = msg
            elif b["end"] > latest["end"]:
                latest = b
