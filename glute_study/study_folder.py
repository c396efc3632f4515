"""The study-folder format: what the CSVs of a study hold, and the one place that writes them.

A study folder holds one CSV per codebook table (``participants.csv``, ``sitting.csv``, ...),
values as text the way :func:`table_text` renders them (ISO dates, ``true``/``false``, whole
numbers without ``.0``, empty for missing), columns in codebook order, and optionally
``study.json`` (:func:`read_metadata`). :meth:`glute_study.Study.save` writes a whole study
through :func:`study_files`; :func:`merge_tables` merges imported tables into the CSVs already
there (the import workflow, :mod:`glute_study.importing`, builds on it); both write through
:func:`csv_bytes`. :func:`read_csv_text` reads a CSV of the folder back as text for merging;
reading a study *with* its checks is :func:`glute_study.validate.read_study_folder`, which
:func:`glute_study.load_study` calls.

This module sits below :mod:`glute_study.study` and above the codebook, the file helpers and the
text helpers; it imports neither the study nor the importers.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._files import write_files
from ._read import (
    METADATA_FILE,
    FileProblem,
    is_ignored,
    is_readable_name,
    read_regular,
    split_name,
)
from ._text import UTC_OFFSET, decode_bytes, open_export
from .codebook import CODEBOOK
from .errors import InputError, StudyReadError

__all__ = [
    "check_types",
    "csv_bytes",
    "has_table",
    "merge_tables",
    "merged_tables",
    "read_csv_text",
    "read_metadata",
    "study_files",
    "table_text",
    "tables_as_text",
]


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` (text columns) as the bytes of a study CSV: UTF-8, ``\\n`` line ends, no index.

    Examples
    --------
    >>> csv_bytes(pd.DataFrame({"participant_id": ["P1"], "age": ["31"]}))
    b'participant_id,age\\nP1,31\\n'
    """
    return frame.to_csv(index=False, lineterminator="\n", na_rep="").encode("utf-8")


def study_files(folder: Path, tables: Mapping[str, pd.DataFrame],
                metadata: Mapping[str, Any] | None) -> dict[Path, bytes | None]:
    """The files that make ``tables`` and ``metadata`` a study folder (None: remove the file).

    Optional tables left empty, and ``study.json`` without metadata, are None, so that an
    overwritten folder does not keep a stale copy; :func:`glute_study._files.write_files` writes
    the group whole.

    Examples
    --------
    >>> from glute_study import simulate_study
    >>> files = study_files(Path("out"), simulate_study(n=4, seed=1).tables, None)
    >>> sorted(p.name for p, data in files.items() if data is not None)[:2]
    ['activation.csv', 'cramps.csv']
    """
    files: dict[Path, bytes | None] = {}
    for name, table in CODEBOOK.items():
        frame = tables[name]
        files[folder / f"{name}.csv"] = (None if frame.empty and not table.required
                                         else csv_bytes(table_text(frame, name)))
    files[folder / METADATA_FILE] = (
        (json.dumps(dict(metadata), indent=2, sort_keys=True) + "\n").encode("utf-8")
        if metadata else None)
    return files


def read_metadata(folder: Path) -> dict[str, Any]:
    """The folder's ``study.json`` as a dict (empty without one); a damaged one is an error."""
    path = folder / METADATA_FILE
    if not path.exists() and not path.is_symlink():
        return {}
    try:
        meta = json.loads(read_regular(path).decode("utf-8"))
    except FileProblem as err:
        raise StudyReadError(f"{path}: {err}; expected {err.expected}") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise StudyReadError(f"{path}: not valid JSON ({err}); fix or delete the file") from None
    if not isinstance(meta, dict):
        raise StudyReadError(f"{path}: expected a JSON object with keys such as 'name'")
    return meta


def table_text(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    """Codebook columns as the text the study CSVs hold (dates ISO, booleans true/false).

    A column marked ``omit_empty`` in the codebook (``team``) is left out when it holds no
    value, so that studies without it are written as they were before it existed.
    """
    out = pd.DataFrame(index=frame.index)
    for col in CODEBOOK[name].columns:
        if col.omit_empty and (col.name not in frame or not frame[col.name].notna().any()):
            continue
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
        check_types(name, frame)
    merged, counts = merged_tables(folder, tables)
    write_files({folder / f"{name}.csv": csv_bytes(frame) for name, frame in merged.items()})
    return {name: (n_new, n_replaced + n_removed, n_total)
            for name, (n_new, n_replaced, n_removed, n_total) in counts.items()}


def _table_files(folder: Path, name: str) -> list[Path]:
    """The files of ``folder`` the study loader reads as table ``name``, in any format it reads
    (``sitting.csv``, ``Sitting.CSV``, ``sitting.xlsx``, ``sitting.csv.gz``, ...)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if not is_ignored(p.name)
                  and split_name(p.name)[0] == name and is_readable_name(*split_name(p.name)[1:]))


def has_table(folder: Path, name: str) -> bool:
    """Whether ``folder`` holds a file the study loader reads as table ``name``.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "participants.xlsx").write_bytes(b"")
    >>> has_table(folder, "participants"), has_table(folder, "cramps")
    (True, False)
    """
    return bool(_table_files(folder, name))


def _merge_target(folder: Path, name: str) -> Path:
    """``folder/name.csv``, refusing a table the folder keeps in another file: merging into
    ``name.csv`` beside it would leave the study's rows out and two files for one table."""
    target = folder / f"{name}.csv"
    other = [p for p in _table_files(folder, name) if p.name != target.name]
    if other:
        raise InputError(f"{other[0]}: the import merges into {target.name}, and this study keeps "
                         f"its {name} table in {other[0].name}; save that table as {target.name} "
                         "(UTF-8 CSV) in its place, or import into another folder. Nothing was "
                         "written.")
    return target


def merged_tables(folder: Path, tables: dict[str, pd.DataFrame],
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
        new = table_text(frame, name)
        path = _merge_target(folder, name)
        if path.exists():
            old = read_csv_text(path, [k for k in table.key if k in new.columns])
        else:
            old = pd.DataFrame(columns=[c for c in table.names if c in new.columns])
        key = [k for k in table.key if k in new.columns]
        if name == "participants" and not old.empty:
            merged_new = new.set_index("participant_id")
            base = old.assign(  # ' P1' is P1, as the loader reads it
                participant_id=_key_text(old, ["participant_id"], name)).set_index("participant_id")
            both = merged_new.index.intersection(base.index)
            replaced, removed = len(both), 0
            for col in merged_new.columns:
                if col not in base:
                    base[col] = ""
            upd = merged_new.loc[both]
            base.loc[both, upd.columns] = upd.where(upd != "", base.loc[both, upd.columns])
            merged = pd.concat([base, merged_new.drop(index=both)]).reset_index()
        else:
            new_keys = set(_key_text(new, key, name))
            stale = _key_text(old, key, name).isin(new_keys) if len(old) else []
            replaced = int(stale.sum()) if len(old) else 0
            removed = 0
            if len(old) and name in scope and len(scope[name]):
                within = _in_scope(old, scope[name], name)
                removed = int((within & ~stale).sum())
                stale = stale | within
            merged = pd.concat([old[~stale] if len(old) else old, new], ignore_index=True)
        ordered = [c for c in table.names if c in merged.columns]
        out[name] = merged[ordered + [c for c in merged.columns if c not in ordered]].fillna("")
        counts[name] = (len(new), replaced, removed, len(merged))
    return out, counts


def check_types(name: str, frame: pd.DataFrame) -> None:
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


def _in_scope(old: pd.DataFrame, scope: pd.DataFrame, name: str) -> pd.Series:
    """Old rows whose values in the scope's columns are those of a scope row."""
    cols = [c for c in scope.columns if c in old.columns]
    if not cols:
        return pd.Series(False, index=old.index)
    return _key_text(old, cols, name).isin(set(_key_text(table_text(scope, name), cols, name)))


_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_SPACING = re.compile(r"[\s_\-]+")


def _key_text(frame: pd.DataFrame, cols: list[str], name: str) -> pd.Series:
    """One text per row of the values in ``cols``, spelt as :func:`table_text` writes them.

    Cells the study loader reads as the same value give the same text: padded or NFC-different
    text, ``1.0`` for session 1, ``Left`` for left, an ISO date-time with seconds or with a UTC
    offset (the clock time is kept, as the loader keeps it). Other cells are kept as they are.
    """
    if not len(frame):
        return pd.Series([], index=frame.index, dtype=object)
    parts = []
    for col in cols:
        column = CODEBOOK[name].column(col)
        text = frame[col].astype(str).map(
            lambda v: unicodedata.normalize("NFC", _INVISIBLE.sub("", v)).strip())
        if column.dtype == "integer":
            number = pd.to_numeric(text, errors="coerce")
            whole = (number.notna() & (number == number.round())).to_numpy()
            text = text.where(~whole, number.where(whole).astype("Int64").astype(str))
        elif column.dtype in ("date", "datetime"):
            clock = text.str.replace(UTC_OFFSET, r"\1", regex=True)
            stamp = pd.to_datetime(clock, errors="coerce", format="ISO8601")
            fmt = "%Y-%m-%d" if column.dtype == "date" else "%Y-%m-%d %H:%M:%S"
            text = text.where(stamp.isna(), stamp.dt.strftime(fmt))
        elif column.dtype == "category":
            allowed = {_fold(value): value for value in column.allowed or ()}
            text = pd.Series([allowed.get(_fold(v), v) for v in text], index=text.index)
        parts.append(text)
    return pd.concat(parts, axis=1).agg("\x1f".join, axis=1)


def _fold(text: str) -> str:
    """A category spelling without case and spacing ('Semi professional', 'semi_professional')."""
    return _SPACING.sub("", text.casefold())


def read_csv_text(path: Path, required: list[str]) -> pd.DataFrame:
    """A CSV of the study folder as text columns; a damaged one is a one-line error."""
    how = ("fix it, or move it out of the study folder (the import then starts it afresh)")
    try:
        with open_export(path) as handle:  # not a device or pipe: /dev/zero reads for ever
            text, _ = decode_bytes(handle.read(), path)
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


def tables_as_text(folder: Path, merged: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The study's tables as the QC report reads them: ``merged`` (about to be written) in place
    of the folder's files."""
    out = {}
    for name in CODEBOOK:
        path = folder / f"{name}.csv"
        if name in merged or path.exists():
            frame = (merged[name].copy() if name in merged
                     else read_csv_text(path, ["participant_id"]))
            frame["participant_id"] = _key_text(frame, ["participant_id"], name)  # ' P1' is P1
            for col in ("sitting_h", "wear_h"):
                if col in frame:
                    frame[col] = pd.to_numeric(frame[col], errors="coerce")
            if "valid_day" in frame:
                frame["valid_day"] = frame["valid_day"].str.lower().isin(["true", "1", "yes"])
            out[name] = frame
    return out
