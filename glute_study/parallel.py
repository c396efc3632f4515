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
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from .errors import InputError

__all__ = ["run_tasks", "spawn_seeds"]


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


def _workers() -> int:
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


@contextmanager
def _open_executor(executor: Any):
    if executor is None or executor == "processes":
        import multiprocessing

        ctx = multiprocessing.get_context("spawn" if os.name == "nt" else "forkserver")
        with ProcessPoolExecutor(max_workers=_workers(), mp_context=ctx) as pool:
            yield pool
    elif executor == "threads":
        with ThreadPoolExecutor(max_workers=_workers()) as pool:
            yield pool
    elif isinstance(executor, Executor):
        yield executor
    elif isinstance(executor, str) and "://" in executor:
        from distributed import Client

        with Client(executor, set_as_default=False) as client:
            yield client.get_executor()
    elif type(executor).__name__ == "Client" and hasattr(executor, "get_executor"):
        yield executor.get_executor()
    else:
        raise InputError(
            "`executor` must be None, 'processes', 'serial', 'threads', a scheduler address like "
            f"'tcp://host:8786', a dask Client or a concurrent.futures Executor; got {executor!r}."
        )


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
        Where to run; see the module docstring. A single task always runs in this process.
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
    disable = not _interactive() if progress is None else not progress
    bar = tqdm(total=len(tasks), desc=desc, disable=disable)
    try:
        if executor == "serial" or len(tasks) <= 1:
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
