"""Where a report came from: hashes of its inputs and code, versions, commit, command line.

Nothing here records the clock, so the same inputs give the same ``provenance.json``.
"""

from __future__ import annotations

import hashlib
import json
import platform
import subprocess
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

from .._files import make_folder, write_text

__all__ = ["code_hash", "file_hashes", "package_versions", "provenance"]

_PACKAGE_ROOT = Path(__file__).resolve().parents[1]

#: Packages whose versions go into provenance.json.
TRACKED_PACKAGES = (
    "glute_study", "numpy", "scipy", "pandas", "statsmodels", "matplotlib", "seaborn",
    "pingouin", "lifelines", "nbclient", "nbformat", "ipykernel", "python-docx",
)


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in chunks.

    Examples
    --------
    >>> import tempfile, os
    >>> with tempfile.NamedTemporaryFile(delete=False) as f:
    ...     _ = f.write(b"abc")
    >>> sha256_file(f.name)[:12]
    'ba7816bf8f01'
    >>> os.unlink(f.name)
    """
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_hashes(folder: str | Path | None) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (hidden files skipped), keyed by relative path.

    Examples
    --------
    >>> file_hashes(None)
    {}
    """
    if not folder:
        return {}
    root = Path(folder)
    if root.is_file():
        return {root.name: sha256_file(root)}
    return {
        p.relative_to(root).as_posix(): sha256_file(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(root).parts)
    }


def code_hash(root: str | Path = _PACKAGE_ROOT) -> str:
    """One SHA-256 over every ``.py`` file of the package: changes when any code changes.

    Examples
    --------
    >>> len(code_hash())
    64
    """
    digest = hashlib.sha256()
    root = Path(root)
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages a report depends on.

    Examples
    --------
    >>> "numpy" in package_versions()
    True
    """
    out = {"python": platform.python_version()}
    for name in TRACKED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit(root: str | Path = _PACKAGE_ROOT) -> dict[str, Any]:
    """The git commit of the code, and whether the working tree differs from it.

    Examples
    --------
    >>> sorted(git_commit())
    ['commit', 'dirty']
    """
    def _git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              check=False, timeout=30)
        return done.stdout.strip() if done.returncode == 0 else ""

    try:
        commit = _git("rev-parse", "HEAD")
        dirty = bool(_git("status", "--porcelain", "--", ".")) if commit else False
    except (OSError, subprocess.SubprocessError):
        commit, dirty = "", False
    return {"commit": commit or "unknown", "dirty": dirty}


def provenance(
    *,
    parameters: Mapping[str, Any],
    inputs: Mapping[str, str],
    notebooks: Mapping[str, str],
    code: str,
    command: list[str] | None,
) -> dict[str, Any]:
    """Assemble the provenance record of one report (no timestamps, so it is reproducible).

    Parameters
    ----------
    parameters : mapping
        The checked parameters, seeds included.
    inputs : mapping
        Relative path -> SHA-256 of every input data file.
    notebooks : mapping
        Notebook name -> SHA-256 of its source.
    code : str
        SHA-256 of the package code (:func:`code_hash`).
    command : list of str or None
        The command line that made the report.

    Examples
    --------
    >>> p = provenance(parameters={"seed": 1}, inputs={}, notebooks={}, code="c", command=["x"])
    >>> sorted(p)  # doctest: +NORMALIZE_WHITESPACE
    ['code_sha256', 'command', 'git', 'inputs_sha256', 'notebooks_sha256', 'packages',
     'parameters', 'seeds']
    """
    seeds = {k: v for k, v in parameters.items() if "seed" in k}
    return {
        "command": list(command) if command else [],
        "parameters": dict(parameters),
        "seeds": seeds,
        "inputs_sha256": dict(sorted(inputs.items())),
        "notebooks_sha256": dict(sorted(notebooks.items())),
        "code_sha256": code,
        "packages": package_versions(),
        "git": git_commit(),
    }


def write_json(data: Any, path: str | Path) -> Path:
    """Write ``data`` as sorted, indented JSON ending in a newline (stable bytes)."""
    path = Path(path)
    make_folder(path.parent)
    return write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")
