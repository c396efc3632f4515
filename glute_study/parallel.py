"""One executor interface for everything that fans out: bootstraps, simulations, imports.

Work is cut into a fixed list of tasks *before* it is handed out, and each task carries its own
seed, so a result never depends on which executor ran it or on how many workers it had.

``executor`` may be

* ``None`` or ``"processes"``: local worker processes (the default);
* ``"serial"``: run in this process, one task after another (small jobs, debugging);
* ``"threads"``: a pool of threads in this process (NumPy-heavy tasks that release the GIL, such
  as the batched fitting kernels, without the start-up cost of processes);
* a scheduler address such as ``"tcp://10.0.0.5:8786"``: a running ``dask.distributed`` cluster;
* a ``dask.distributed.Client``;
* any :class:`concurrent.futures.Executor`, used as it is.

A scheduler address is checked before any work: its form at once (:func:`check_executor`), and
whether a scheduler answers there within :data:`CONNECT_TIMEOUT` seconds; either failure is one
:class:`SchedulerError` line. Local worker processes end when the process that started them
dies (killed, terminated or interrupted), taking the processes they started with them.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from typing import Any

from ._checks import SEED, check_count
from .errors import GluteStudyError, InputError

__all__ = ["CONNECT_TIMEOUT", "SchedulerError", "check_executor", "draw_seed", "run_tasks",
           "spawn_seeds"]

#: Seconds to wait for a scheduler to accept a connection and answer.
CONNECT_TIMEOUT = 5.0

#: Schemes of ``dask.distributed`` addresses that name a host and a port.
_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx")
_ADDRESS = re.compile(r"(?P<scheme>\w+)://(?P<host>\[[0-9A-Fa-f:.]+\]|[^:/\s\[\]]+)"
                      r"(?::(?P<port>[^/\s]*))?/?")


class SchedulerError(GluteStudyError, ConnectionError):
    """A scheduler address is malformed, or no scheduler answers there."""


def spawn_seeds(seed: int | None, n: int) -> list[int]:
    """Derive ``n`` independent task seeds from ``seed`` with :class:`numpy.random.SeedSequence`.

    The same ``seed`` always gives the same list; ``None`` draws fresh entropy.

    Examples
    --------
    >>> spawn_seeds(1, 3) == spawn_seeds(1, 3)
    True
    >>> len(set(spawn_seeds(1, 100)))
    100
    """
    import numpy as np

    children = np.random.SeedSequence(seed).spawn(n)
    return [int(c.generate_state(1, dtype=np.uint64)[0]) for c in children]


def draw_seed(seed: int | None) -> int:
    """``seed`` checked, or a fresh one when it is ``None``: the seed to use *and record*.

    A run without a seed can then be repeated exactly from what it recorded. Seeds are whole
    numbers from 0 to 2**32 - 1.

    Examples
    --------
    >>> draw_seed(7)
    7
    >>> 0 <= draw_seed(None) < 2**32
    True
    >>> draw_seed(-1)
    Traceback (most recent call last):
    ...
    glute_study.errors.InputError: `seed` must be a whole number from 0 to 4,294,967,295; got -1.
    """
    if seed is None:
        import secrets

        return secrets.randbelow(SEED[1] + 1)
    return check_count("seed", seed, SEED)


def _workers() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def check_executor(executor: Any) -> None:
    """Raise unless ``executor`` is one :func:`run_tasks` accepts; try a scheduler address.

    A scheduler address must read ``scheme://host:port`` with a scheme of ``dask.distributed``
    (tcp, tls, ws, wss, ucx) and a port from 1 to 65535, and a scheduler must answer there
    within :data:`CONNECT_TIMEOUT` seconds. Call it before any work, so that a typo or a cluster
    that is down costs seconds, not a finished computation.

    Raises
    ------
    SchedulerError
        For a malformed address, or one where nothing answers in time.
    InputError
        For anything else that is not an executor.

    Examples
    --------
    >>> check_executor("threads")
    >>> check_executor("tcp://127.0.0.1:notaport")
    Traceback (most recent call last):
    ...
    glute_study.parallel.SchedulerError: scheduler address 'tcp://127.0.0.1:notaport': the \
port must be a number from 1 to 65535; got 'notaport'. Expected scheme://host:port, e.g. \
'tcp://10.0.0.5:8786'.
    """
    if executor is None or executor in ("processes", "serial", "threads"):
        return
    if isinstance(executor, str):
        _probe(*_parse_address(executor))
        return
    if isinstance(executor, Executor) or _is_client(executor):
        return
    raise InputError(
        "`executor` must be None, 'processes', 'serial', 'threads', a scheduler address like "
        f"'tcp://host:8786', a dask Client or a concurrent.futures Executor; got {executor!r}."
    )


def _is_client(executor: Any) -> bool:
    return type(executor).__name__ == "Client" and hasattr(executor, "get_executor")


def _parse_address(address: str) -> tuple[str, str, str, int]:
    """``(address, scheme, host, port)`` of a scheduler address, or :class:`SchedulerError`.

    The address returned is tidied (scheme in lower case, no spaces or trailing slash).
    """
    def fail(why: str) -> SchedulerError:
        return SchedulerError(f"scheduler address {address!r}: {why}. Expected "
                              "scheme://host:port, e.g. 'tcp://10.0.0.5:8786'.")

    scheme, sep, _ = address.strip().partition("://")
    if not sep:
        raise fail("it names no scheme (an executor is None, 'processes', 'serial', 'threads' "
                   "or a scheduler address)")
    if scheme.lower() not in _SCHEMES:
        raise fail(f"the scheme must be one of {', '.join(_SCHEMES)}; got {scheme!r}")
    found = _ADDRESS.fullmatch(address.strip())
    if not found:
        raise fail("it names no host")
    scheme, host, port = found["scheme"].lower(), found["host"], found["port"]
    if not port:
        raise fail("it has no port")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise fail(f"the port must be a number from 1 to 65535; got {port!r}")
    shown = f"{scheme}://{found['host']}:{int(port)}"
    return shown, scheme, host.strip("[]"), int(port)


def _probe(address: str, scheme: str, host: str, port: int) -> None:
    """Connect to the scheduler; over plain TCP also wait for its first bytes (its handshake)."""
    import socket

    if scheme == "ucx":  # not a TCP socket; the client's own timeout applies
        return
    try:
        with socket.create_connection((host, port), timeout=CONNECT_TIMEOUT) as sock:
            if scheme == "tcp":  # a dask scheduler greets first; TLS and websockets wait
                sock.settimeout(CONNECT_TIMEOUT)
                if not sock.recv(1):
                    raise ConnectionResetError("it closed the connection")
    except TimeoutError:
        raise SchedulerError(f"no scheduler answered at {address!r} within {CONNECT_TIMEOUT:g} s; "
                             "check that it is running and that the address is the one it "
                             "printed.") from None
    except OSError as err:
        why = err.strerror or str(err) or type(err).__name__
        raise SchedulerError(f"cannot reach a scheduler at {address!r}: {why}; check that it is "
                             "running and that the address is the one it printed.") from None


def _watch_parent(alive: Any) -> None:
    """Worker initializer: end this worker, and what it started, when its parent is gone.

    ``alive`` is the read end of a pipe whose only write end the parent holds: reading it
    returns when the parent closes it (the pool is done, or was interrupted) or dies (killed,
    terminated), whatever started the worker (fork, forkserver or spawn). Ctrl-C is left to the
    parent, which then closes the pipe.
    """
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        with contextlib.suppress(EOFError, OSError):
            alive.recv()  # nothing is ever sent: this returns when the parent's end closes
        _kill_descendants()
        os._exit(1)

    threading.Thread(target=watch, name="glute-study-parent-watch", daemon=True).start()


def _kill_descendants() -> None:
    """SIGKILL every process this one started (kernels and their workers), deepest first."""
    import psutil

    try:
        children = psutil.Process().children(recursive=True)
    except psutil.Error:
        return
    for child in reversed(children):
        with contextlib.suppress(psutil.Error):
            child.kill()


@contextlib.contextmanager
def local_process_pool(max_workers: int, *,
                       max_tasks_per_child: int | None = None) -> Iterator[ProcessPoolExecutor]:
    """A pool of worker processes that end when this process ends or leaves the block early.

    The workers start from a fork server (spawned on Windows), ignore Ctrl-C (this process
    handles it) and watch a pipe from this process: when it closes, because this process was
    killed or the block was left by an exception (a Ctrl-C, a failure), each worker kills the
    processes it started and exits, instead of running on and writing files.
    ``max_tasks_per_child=1`` gives every task a new process.
    """
    import multiprocessing

    ctx = multiprocessing.get_context("spawn" if os.name == "nt" else "forkserver")
    alive, keep = ctx.Pipe(duplex=False)
    pool = ProcessPoolExecutor(max_workers=max_workers, mp_context=ctx,
                               initializer=_watch_parent, initargs=(alive,),
                               max_tasks_per_child=max_tasks_per_child)
    try:
        yield pool
    except BaseException:
        keep.close()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        keep.close()
        alive.close()


@contextlib.contextmanager
def _open_executor(executor: Any):
    """The pool behind ``executor``, which :func:`check_executor` has accepted."""
    if executor is None or executor == "processes":
        with local_process_pool(_workers()) as pool:
            yield pool
    elif executor == "threads":
        with ThreadPoolExecutor(max_workers=_workers()) as pool:
            yield pool
    elif isinstance(executor, Executor):
        yield executor
    elif isinstance(executor, str):
        with _client(_parse_address(executor)[0]) as client:
            yield client.get_executor()
    else:  # a dask Client (check_executor let nothing else through)
        yield executor.get_executor()


@contextlib.contextmanager
def _client(address: str):
    from distributed import Client

    try:
        client = Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except OSError as err:  # distributed raises OSError("Timed out trying to connect ...")
        raise SchedulerError(f"cannot connect to the scheduler at {address!r} within "
                             f"{CONNECT_TIMEOUT:g} s: {err}") from None
    with client:
        yield client


def run_tasks(
    fn: Callable[[Any], Any],
    tasks: Sequence[Any],
    *,
    executor: Any = None,
    progress: bool | None = None,
    desc: str | None = None,
) -> list[Any]:
    """Run ``fn(task)`` for every task and return the results in task order.

    Parameters
    ----------
    fn : callable
        A picklable, module-level function of one argument.
    tasks : sequence
        The arguments, one per call. Cut the work into tasks (and give each its own seed with
        :func:`spawn_seeds`) before calling, so that results do not depend on the executor.
    executor : None, str, Client or Executor
        Where to run; see the module docstring. A scheduler address is checked first (see
        :func:`check_executor`); a scheduler or Executor given runs every task, even a single
        one, which otherwise runs in this process.
    progress : bool or None
        Show a progress bar; ``None`` shows one only on an interactive terminal.
    desc : str, optional
        Label of the progress bar.

    Returns
    -------
    list
        ``[fn(t) for t in tasks]``, computed wherever ``executor`` says.

    Examples
    --------
    >>> run_tasks(abs, [-1, 2, -3], executor="serial")
    [1, 2, 3]
    """
    from tqdm.auto import tqdm

    tasks = list(tasks)
    check_executor(executor)
    disable = not _interactive() if progress is None else not progress
    bar = tqdm(total=len(tasks), desc=desc, disable=disable)
    try:
        if executor == "serial" or (len(tasks) <= 1 and executor in (None, "processes",
                                                                       "threads")):
            results = []
            for t in tasks:
                results.append(fn(t))
                bar.update()
            return results
        with _open_executor(executor) as pool:
            futures = [pool.submit(fn, t) for t in tasks]
            results = []
            for fut in futures:
                results.append(fut.result())
                bar.update()
            return results
    finally:
        bar.close()


def _interactive() -> bool:
    import sys

    return bool(getattr(sys.stderr, "isatty", lambda: False)())
