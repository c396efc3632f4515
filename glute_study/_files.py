"""Every file glute_study writes is written here: whole or not at all, and never over a stranger's.

A file is written to a temporary file beside it (``.NAME.XXXXXXXX.tmp``: hidden, and no loader
takes it for a table) and moved into place with :func:`os.replace`, so a reader, a kill or a full
disk sees the old file or the new one, never a part. On any error the temporary file is removed
and the target is left as it was. Libraries that write to a path themselves (``savefig``,
python-docx, ``nbformat.write``) write to the path :func:`replacing` yields.

Folders that glute_study writes into but does not own (a report folder, a summary folder, the
folder of ``codebook --out``) keep a list of the files it wrote there (:data:`OWNED_FILE`);
:func:`refuse_foreign` refuses to replace any other file unless the user asked for it.

An operating-system failure (read-only folder, full disk, a folder where a file should be) is a
:class:`~glute_study.errors.WriteError` naming the path, not a traceback.

This module imports nothing of the package but its errors, so every layer can use it.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path

from .errors import GluteStudyError, OverwriteError, WriteError

__all__ = ["OWNED_FILE", "check_writable", "make_folder", "owned_files", "prepare_outputs",
           "record_owned", "refuse_foreign", "refuse_inside", "refuse_nonempty", "replacing",
           "write_bytes", "write_error", "write_files", "write_text"]

#: The list, in a folder glute_study writes into, of the files it wrote there.
OWNED_FILE = ".glute_study_files"
_OWNED_HEADER = ("# Files written here by glute_study, one path a line: it replaces or removes "
                 "only these.")
_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}
_DENIED = {errno.EACCES, errno.EPERM, errno.EROFS}


def _why(err: OSError) -> str:
    """What went wrong, and how to fix it, in words."""
    if err.errno in _FULL:
        return "the disk is full; free some space or write to another disk"
    if err.errno in _DENIED:
        return "the folder is read-only or not yours; choose a folder you can write to"
    if err.errno == errno.EISDIR:
        return "a folder of that name is in the way; move it or choose another name"
    if err.errno in (errno.ENOTDIR, errno.ENOENT):
        return "a part of the path is a file or is missing; choose a path whose parents are folders"
    return err.strerror or type(err).__name__


def write_error(path: str | Path, err: OSError, *, done: str = "") -> WriteError:
    """The one-line :class:`~glute_study.errors.WriteError` for ``err`` while writing ``path``.

    Examples
    --------
    >>> print(write_error("out/power.csv", OSError(errno.ENOSPC, "No space left on device")))
    cannot write out/power.csv: the disk is full; free some space or write to another disk.
    """
    return WriteError(f"cannot write {path}: {_why(err)}.{' ' + done if done else ''}")


def _temporary_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")


def _create(path: Path) -> Path:
    """Create an empty temporary file beside ``path`` (mode as an ordinary new file)."""
    while True:
        tmp = _temporary_name(path)
        try:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
            return tmp
        except FileExistsError:  # pragma: no cover - 32 random bits
            continue


def _sync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    with suppress(OSError):
        path.unlink()


@contextmanager
def replacing(path: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it onto ``path`` when the block ends well.

    For libraries that write to a path themselves. When the block raises, the temporary file is
    removed, ``path`` is untouched and the error propagates (an ``OSError`` as a
    :class:`~glute_study.errors.WriteError` naming ``path``). The temporary name ends in
    ``.tmp``: give writers that guess the format from the suffix the format explicitly.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "table.csv"
    >>> with replacing(target) as tmp:
    ...     _ = tmp.write_text("a,b\\n1,2\\n")
    >>> target.read_text()
    'a,b\\n1,2\\n'
    >>> with replacing(target) as tmp:
    ...     _ = tmp.write_text("a,b\\n")
    ...     raise KeyError("boom")
    Traceback (most recent call last):
    ...
    KeyError: 'boom'
    >>> target.read_text(), sorted(p.name for p in target.parent.iterdir())
    ('a,b\\n1,2\\n', ['table.csv'])
    """
    path = Path(path)
    try:
        tmp = _create(path)
    except OSError as err:
        raise write_error(path, err) from None
    try:
        yield tmp
        _sync(tmp)
        os.replace(tmp, path)
    except BaseException as err:
        _remove(tmp)
        if isinstance(err, OSError) and not isinstance(err, GluteStudyError):
            raise write_error(path, err) from None
        raise


@contextmanager
def writing(path: str | Path) -> Iterator:
    """A binary file handle for writing ``path`` in pieces, whole or not at all.

    The pieces go to a temporary file that replaces ``path`` when the block ends well (see
    :func:`replacing`), so a large file can be streamed without holding it in memory.

    Examples
    --------
    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "x.bin"
    >>> with writing(target) as fh:
    ...     _ = fh.write(b"\\x00")
    ...     _ = fh.write(b"\\x01")
    >>> target.read_bytes()
    b'\\x00\\x01'
    """
    with replacing(path) as tmp, open(tmp, "wb") as handle:
        yield handle


def write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` whole (temporary file, then :func:`os.replace`); return the path.

    Examples
    --------
    >>> import tempfile
    >>> write_bytes(Path(tempfile.mkdtemp()) / "x.bin", b"\\x00\\x01").read_bytes()
    b'\\x00\\x01'
    """
    path = Path(path)
    with replacing(path) as tmp, open(tmp, "wb") as handle:
        handle.write(data)
    return path


def write_text(path: str | Path, text: str, *, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` whole, line ends as given (no translation); return the path.

    Examples
    --------
    >>> import tempfile
    >>> write_text(Path(tempfile.mkdtemp()) / "notes.md", "# Notes\\n").read_text()
    '# Notes\\n'
    """
    return write_bytes(path, text.encode(encoding))


def write_files(files: Mapping[str | Path, bytes | None]) -> list[Path]:
    """Write a group of files: every one whole, and all of them or none where that can be had.

    Every file is first written to its temporary file; only when all are on disk are they moved
    into place, one :func:`os.replace` each; a ``None`` value removes that file after the moves.

    What is guaranteed: each file is, at any moment, either as it was or complete; an error or a
    kill while the contents are written (a full disk, a read-only folder, a crash of the writer)
    leaves every file as it was and no temporary file behind (a kill leaves a hidden ``.tmp``).
    What is not: the moves are separate steps, so a kill (or a power cut) in the microseconds
    between two moves leaves the earlier files new and the later ones old; an error while moving
    names the files already replaced.

    Returns
    -------
    list of Path
        The files written (not those removed), in the order given.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = write_text(folder / "old.csv", "x\\n")
    >>> [p.name for p in write_files({folder / "a.csv": b"a\\n", folder / "b.csv": b"b\\n",
    ...                               folder / "old.csv": None})]
    ['a.csv', 'b.csv']
    >>> sorted(p.name for p in folder.iterdir())
    ['a.csv', 'b.csv']
    """
    temps: dict[Path, Path] = {}
    try:
        for path, data in files.items():
            if data is None:
                continue
            path = Path(path)
            try:
                temps[path] = _create(path)
                with open(temps[path], "wb") as handle:
                    handle.write(data)
                _sync(temps[path])
            except OSError as err:
                raise write_error(path, err, done="No file of this group was changed.") from None
        done: list[Path] = []
        for path, tmp in temps.items():
            try:
                os.replace(tmp, path)
            except OSError as err:
                shown = ", ".join(p.name for p in done) or "none"
                raise write_error(path, err, done=f"Already replaced: {shown}; the others were "
                                  "left as they were.") from None
            done.append(path)
    finally:
        for tmp in temps.values():
            if tmp.exists():
                _remove(tmp)
    for path, data in files.items():
        if data is None:
            try:
                Path(path).unlink(missing_ok=True)
            except OSError as err:
                raise write_error(path, err) from None
    return list(temps)


def make_folder(folder: str | Path) -> Path:
    """Create ``folder`` (and its parents) if missing; a failure names the folder.

    Examples
    --------
    >>> import tempfile
    >>> make_folder(Path(tempfile.mkdtemp()) / "a" / "b").is_dir()
    True
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise WriteError(f"cannot write into {folder}: it is a file, not a folder; give a "
                         "folder path.") from None
    except OSError as err:
        raise WriteError(f"cannot create the folder {folder}: {_why(err)}.") from None
    return folder


def check_writable(folder: str | Path) -> None:
    """Raise :class:`~glute_study.errors.WriteError` now if files cannot be written in ``folder``.

    For commands that work for a long time before they write: the folder (or, when it does not
    exist yet, its nearest existing parent, which is left as it was) gets a temporary file of
    4 KiB, synced to the disk, that is removed at once.

    Examples
    --------
    >>> import tempfile
    >>> check_writable(Path(tempfile.mkdtemp()) / "not" / "yet")
    >>> notes = Path(tempfile.mkdtemp()) / "notes.txt"
    >>> _ = notes.write_text("")
    >>> try:
    ...     check_writable(notes / "out")
    ... except WriteError as err:
    ...     print(str(err).split(": ", 1)[1])
    notes.txt is a file, not a folder; give a folder path.
    """
    folder = Path(folder)
    probe = folder
    while not probe.exists() and probe != probe.parent:
        if probe.is_symlink():  # a broken link: mkdir would fail on it
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise WriteError(f"cannot write into {folder}: {probe.name} is a file, not a folder; "
                         "give a folder path.")
    tmp = None
    try:
        tmp = _create(probe / "probe")
        with open(tmp, "wb") as handle:  # a block of data: a full disk is found now, not later
            handle.write(b"\0" * 4096)
        _sync(tmp)
    except OSError as err:
        raise WriteError(f"cannot write into {folder}: {_why(err)}.") from None
    finally:
        if tmp is not None:
            _remove(tmp)


def _is_ours(path: Path) -> bool:
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.readline().rstrip("\n") == _OWNED_HEADER
    except (OSError, UnicodeDecodeError):
        return False


def owned_files(folder: str | Path) -> set[str]:
    """The files (paths relative to ``folder``, with ``/``) glute_study recorded writing there.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> record_owned(folder, ["summary.md", "tables/flow.csv"])
    >>> sorted(owned_files(folder))
    ['summary.md', 'tables/flow.csv']
    """
    path = Path(folder) / OWNED_FILE
    if not _is_ours(path):
        return set()  # missing, or not our list: it vouches for nothing
    lines = path.read_text(encoding="utf-8").splitlines()
    return {line for line in lines[1:] if line.strip() and not line.startswith("#")}


def refuse_foreign(folder: str | Path, names: Iterable[str], *, overwrite: bool = False,
                   owned: set[str] | None = None) -> None:
    """Raise :class:`~glute_study.errors.OverwriteError` if writing ``names`` into ``folder``
    would replace a file glute_study did not write there (unless ``overwrite``).

    ``names`` are paths relative to ``folder``; ``owned`` defaults to :func:`owned_files`.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "summary.md").write_text("my notes")
    >>> refuse_foreign(folder, ["summary.md", "flow.csv"])
    Traceback (most recent call last):
    ...
    glute_study.errors.OverwriteError: .../summary.md was not written by glute_study ...
    >>> refuse_foreign(folder, ["summary.md"], overwrite=True)
    """
    if overwrite:
        return
    folder = Path(folder)
    owned = owned_files(folder) if owned is None else owned
    foreign = [folder / n for n in names if n not in owned
               and ((folder / n).exists() or (folder / n).is_symlink())]
    if not foreign:
        return
    shown = ", ".join(str(p) for p in foreign[:5])
    more = f" and {len(foreign) - 5} more" if len(foreign) > 5 else ""
    verb = "was" if len(foreign) == 1 else "were"
    raise OverwriteError(
        f"{shown}{more} {verb} not written by glute_study and would be replaced; move "
        f"{'it' if len(foreign) == 1 else 'them'} away or write elsewhere, or give --overwrite "
        "(overwrite=True in Python) to replace what is in the way.")


def refuse_inside(out: str | Path, source: str | Path) -> None:
    """Refuse to write outputs into the study folder they are made from, or a folder inside it.

    What is written there would be read as part of the study the next time (stray tables,
    problems of its own, changed input hashes), and a file of the study could be replaced.

    Raises
    ------
    InputError
        ``out`` is ``source`` or inside it (links followed).

    Examples
    --------
    >>> import tempfile
    >>> study = Path(tempfile.mkdtemp())
    >>> refuse_inside(study.parent / "report", study)
    >>> refuse_inside(study / "report", study)
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: ... is inside the study folder ...
    """
    from .errors import InputError

    target, folder = Path(out).resolve(), Path(source).resolve()
    if target != folder and folder not in target.parents:
        return
    where = "is the study folder" if target == folder else f"is inside the study folder {source}"
    raise InputError(f"--out {out} {where}: what is written there would be read as part of "
                     f"the study next time; give a folder outside it, e.g. "
                     f"{folder.parent / (folder.name + '_out')}.")


def refuse_nonempty(folder: str | Path, *, doing: str, replace: str) -> None:
    """Raise :class:`~glute_study.errors.OverwriteError` if ``folder`` holds any file.

    For writers of a whole folder (a study): what is already there is somebody's.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> refuse_nonempty(folder, doing="save the study", replace="its tables")
    >>> _ = (folder / "participants.csv").write_text("participant_id\\n")
    >>> refuse_nonempty(folder, doing="save the study", replace="its tables")
    Traceback (most recent call last):
    ...
    glute_study.errors.OverwriteError: ... already holds participants.csv; save the study into a \
new or empty folder, or give --overwrite (overwrite=True in Python) to replace its tables.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return
    held = sorted(p.name for p in folder.iterdir())
    if held:
        shown = ", ".join(held[:5]) + (f" and {len(held) - 5} more" if len(held) > 5 else "")
        raise OverwriteError(f"{folder} already holds {shown}; {doing} into a new or empty "
                             f"folder, or give --overwrite (overwrite=True in Python) to replace "
                             f"{replace}.")


def prepare_outputs(folder: str | Path, names: Iterable[str], *,
                    overwrite: bool = False) -> None:
    """Before long work: refuse if ``names`` cannot be written into ``folder`` (read-only, a file
    where the folder should be) or would replace files glute_study did not write there.

    Examples
    --------
    >>> import tempfile
    >>> prepare_outputs(Path(tempfile.mkdtemp()) / "power", ["power.csv", "power.txt"])
    """
    check_writable(folder)
    refuse_foreign(folder, names, overwrite=overwrite)


def record_owned(folder: str | Path, names: Iterable[str], *, forget: Iterable[str] = (),
                 keep_missing: bool = True) -> None:
    """Add ``names`` to the list of files glute_study wrote in ``folder`` (and drop ``forget``).

    With ``keep_missing=False``, listed files that no longer exist are dropped too. The list is
    sorted, so equal contents give equal bytes.
    """
    folder = Path(folder)
    path = folder / OWNED_FILE
    listed = owned_files(folder)
    if (path.exists() or path.is_symlink()) and not _is_ours(path):
        raise OverwriteError(f"{path} is not glute_study's list of the files it wrote; move it "
                             "away.")
    listed = (listed | set(names)) - set(forget)
    if not keep_missing:
        listed = {n for n in listed if (folder / n).exists()}
    body = "\n".join([_OWNED_HEADER, *sorted(listed)]) + "\n"
    if path.is_file() and path.read_text(encoding="utf-8") == body:
        return
    write_text(path, body)
