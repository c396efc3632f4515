"""Run one notebook in this process, in a new IPython shell: how the report executes notebooks.

A Jupyter kernel is a separate Python that imports pandas, statsmodels, matplotlib and the
package before it does any work: about 4.5 s per notebook for 1-2 s of analysis. The report
instead runs every notebook in its own worker process forked from a server that has imported
them once (:mod:`glute_study.report._preload`), and executes the cells there in a new
:class:`IPython.core.interactiveshell.InteractiveShell`, the same shell an IPython kernel runs.
Each notebook still starts from a clean namespace, in a process of its own that ends with it.

What the shell shows is recorded as a kernel would send it: ``stream`` outputs for stdout and
stderr (warnings included), ``display_data`` for ``display()`` and figures (the inline backend,
PNG), ``execute_result`` for a cell's last expression, and ``error`` with the traceback for an
exception, after which no further cell runs. Every warning shown is also listed, once, in the
notebook's metadata (``nb.metadata["glute_study"]["warnings"]``: category, message and the
cell's execution count), so that the report can put it before the reader.
"""

from __future__ import annotations

import os
import platform
import signal
import sys
import warnings
from pathlib import Path
from typing import Any

__all__ = ["CELL_TIMEOUT", "CellTimeout", "execute_notebook"]

#: Seconds one cell may run before the report stops it.
CELL_TIMEOUT = 900

#: What nbclient records from the kernel's ``kernel_info`` reply, for the HTML exporter.
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
    "version": platform.python_version(),
}


class CellTimeout(Exception):
    """A cell ran longer than :data:`CELL_TIMEOUT` seconds."""


def _shell_classes():
    """The shell and its output hooks (imported here: IPython is heavy and only the workers
    need it)."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    class Outputs:
        """The outputs of the running cell, in nbformat's v4 shape."""

        def __init__(self) -> None:
            self.cell: list[dict[str, Any]] = []

        def stream(self, name: str, text: str) -> None:
            last = self.cell[-1] if self.cell else None
            if last is not None and last["output_type"] == "stream" and last["name"] == name:
                last["text"] += text
            else:
                self.cell.append({"output_type": "stream", "name": name, "text": text})

    class Stream:
        """A text stream (stdout or stderr) that becomes the cell's stream output."""

        encoding = "utf-8"
        errors = "replace"

        def __init__(self, outputs: Outputs, name: str) -> None:
            self._outputs, self.name = outputs, name

        def write(self, text: str) -> int:
            if text:
                self._outputs.stream(self.name, str(text))
            return len(text)

        def writelines(self, lines) -> None:
            for line in lines:
                self.write(line)

        def flush(self) -> None:
            pass

        def isatty(self) -> bool:
            return False

        def fileno(self) -> int:  # some libraries ask; there is no file behind this stream
            raise OSError("a notebook cell's output stream has no file descriptor")

    class Publisher(DisplayPublisher):
        def publish(self, data, metadata=None, source=None, *, transient=None, update=False,
                    **kwargs) -> None:
            self.shell.outputs.cell.append({"output_type": "display_data", "data": dict(data),
                                            "metadata": dict(metadata or {})})

        def clear_output(self, wait=False) -> None:
            self.shell.outputs.cell.clear()

    class Hook(DisplayHook):
        def write_output_prompt(self) -> None:
            pass

        def write_format_data(self, format_dict, md_dict=None) -> None:
            self.shell.outputs.cell.append({
                "output_type": "execute_result", "data": dict(format_dict),
                "metadata": dict(md_dict or {}),
                "execution_count": self.exec_result.execution_count})

        def finish_displayhook(self) -> None:
            pass

    class Shell(InteractiveShell):
        def _showtraceback(self, etype, evalue, stb) -> None:
            self.outputs.cell.append({"output_type": "error", "ename": etype.__name__,
                                      "evalue": str(evalue), "traceback": list(stb)})

        def enable_gui(self, gui=None) -> None:  # no event loop to hook: figures are inline
            pass

    return Shell, Hook, Publisher, Stream, Outputs


def _on_timeout(signum, frame):
    raise CellTimeout(f"the cell ran longer than {CELL_TIMEOUT} s")


def execute_notebook(nb: Any, *, cwd: str | Path, env: dict[str, str] | None = None) -> bool:
    """Execute the code cells of ``nb`` in place, in a new IPython shell in this process.

    Meant for a process of its own (the report's workers): it changes the working directory, the
    environment, ``sys.stdout``/``sys.stderr`` and the matplotlib backend, and leaves the shell
    behind.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        The notebook; its code cells get their outputs and execution counts.
    cwd : str or Path
        Folder the cells run in (the notebook's own, as Jupyter runs it).
    env : dict, optional
        Environment variables to set before the first cell.

    Returns
    -------
    bool
        True when every cell ran; False when one raised (its ``error`` output says what), after
        which the later cells are left unexecuted.
    """
    import nbformat

    Shell, Hook, Publisher, Stream, Outputs = _shell_classes()
    os.environ.update(env or {})
    os.chdir(cwd)
    shell = Shell.instance(displayhook_class=Hook, display_pub_class=Publisher, colors="NoColor",
                           history_length=0, cache_size=0)
    shell.outputs = Outputs()
    shell.history_manager.enabled = False
    shell.enable_matplotlib("inline")
    nb.metadata["language_info"] = dict(LANGUAGE_INFO)
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = Stream(shell.outputs, "stdout"), Stream(shell.outputs, "stderr")
    previous = signal.signal(signal.SIGALRM, _on_timeout)
    caught: dict[tuple[str, str], dict[str, Any]] = {}
    current = [0]
    show = warnings.showwarning

    def listed(message, category, filename, lineno, file=None, line=None):
        caught.setdefault((category.__name__, str(message)), {
            "category": category.__name__, "message": str(message), "cell": current[0]})
        show(message, category, filename, lineno, file, line)

    warnings.showwarning = listed
    try:
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            current[0] = shell.execution_count
            shell.outputs.cell = []
            signal.alarm(CELL_TIMEOUT)
            try:
                result = shell.run_cell(cell.source, store_history=True)
            finally:
                signal.alarm(0)
            cell.execution_count = result.execution_count
            cell.outputs = [nbformat.from_dict(o) for o in shell.outputs.cell]
            if not result.success:
                return False
        return True
    finally:
        warnings.showwarning = show
        nb.metadata["glute_study"] = {"warnings": list(caught.values())}
        signal.signal(signal.SIGALRM, previous)
        sys.stdout, sys.stderr = saved
