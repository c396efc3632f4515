"""Which files of a report folder are the report's own, the only ones it replaces or removes.

The report lists every file it wrote in the folder's :data:`glute_study._files.OWNED_FILE`
(committed with the report, so that a fresh clone's ``make report`` may replace its own committed
``methods.md``, tables and figures); the notebooks' records (``_cache/records/*.json``) list the
tables and figures each notebook wrote since. Any other file is the user's: a report that would
write over it stops and names it, unless ``--overwrite`` was given, and it is never removed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from .._files import owned_files
from .writers import RECORDS_DIR

#: Set to ``"1"`` in the notebook processes of a report run with ``--overwrite``.
OVERWRITE_ENV = "GLUTE_STUDY_REPORT_OVERWRITE"


def report_owned(out: Path) -> set[str]:
    """Paths (relative, with ``/``) of the files the report in ``out`` wrote."""
    owned = set(owned_files(out))
    records = out / RECORDS_DIR
    for path in sorted(records.glob("*.json")) if records.is_dir() else ():
        files = record_files(path)
        if files is not None:
            owned.add(path.relative_to(out).as_posix())
            owned.update(files)
    return owned


def record_files(path: Path) -> set[str] | None:
    """The files a notebook's record lists (written, or claimed just before writing); ``None``
    when ``path`` is not a readable record."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
        files = {f for e in body["entries"] for f in e["files"]} | set(body.get("claimed", ()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return {f for f in files if isinstance(f, str)}


def overwrite_asked() -> bool:
    """Whether this notebook runs for a report given ``--overwrite``."""
    return os.environ.get(OVERWRITE_ENV) == "1"
