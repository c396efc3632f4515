"""How a notebook hands its figures, tables and sentences to the report.

A notebook calls :func:`start` once with its output folder, then :func:`record` for each thing
that belongs in the report. Figures go to ``figures/`` (SVG, PDF, PNG, TIFF), tables to
``tables/`` (CSV, LaTeX, Word), and sentences to a small record file that the report runner reads
to write ``methods.md``, ``results.md`` and ``index.html``. With an empty output folder (the
notebook opened by hand in JupyterLab) nothing is written and :func:`record` does nothing, so the
same notebook runs unchanged in both places.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from .._files import make_folder, refuse_foreign, write_text
from ..errors import InputError
from ..figures.save import FIGURE_FORMATS, save_figure
from ..stats._result import Result
from ._owned import overwrite_asked, record_files, report_owned
from .tables import TABLE_FORMATS, apa_html, apa_table, save_table
from .writers import RECORD_MIME, RECORDS_DIR

__all__ = ["Recorder", "record", "start"]

_NAME = re.compile(r"^[a-z0-9][a-z0-9_]*$")



@dataclass
class Recorder:
    """Collects what one notebook contributes to a report.

    Parameters
    ----------
    out_dir : str or Path
        The report folder; ``""`` records nothing (interactive use).
    notebook : str
        The notebook's file stem, e.g. ``"04_cramp_incidence"``; its leading number prefixes
        every file it writes (``tables/04_rates.csv``).
    """

    out_dir: str | Path
    notebook: str
    entries: list[dict] = field(default_factory=list)
    hypotheses: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not isinstance(self.notebook, str) or not self.notebook:
            raise InputError(f"`notebook` must be the notebook's file stem; got {self.notebook!r}.")
        self.prefix = self.notebook.split("_", 1)[0]
        self.out = Path(self.out_dir) if str(self.out_dir) else None
        # Files this notebook wrote into the report: kept as its own across runs by hand.
        self.claimed: set[str] = set()
        if self.out is not None:
            self.claimed = record_files(self.records_path) or set()
            self._save()

    @property
    def records_path(self) -> Path | None:
        """The JSON file this notebook's records go to (``None`` when recording is off)."""
        return None if self.out is None else self.out / RECORDS_DIR / f"{self.notebook}.json"

    def _save(self) -> None:
        path = self.records_path
        make_folder(path.parent)
        body = {"notebook": self.notebook, "entries": self.entries,
                "hypotheses": self.hypotheses, "claimed": sorted(self.claimed)}
        write_text(path, json.dumps(body, indent=1, sort_keys=True) + "\n")

    def add_hypothesis(self, entry: dict) -> None:
        """Keep what :func:`glute_study.report.record_hypothesis` found for a planned hypothesis."""
        if any(h["hypothesis"] == entry["hypothesis"] for h in self.hypotheses):
            raise InputError(f"{self.notebook} already recorded hypothesis "
                             f"{entry['hypothesis']!r}; test each planned hypothesis once.")
        self.hypotheses.append(entry)
        if self.out is not None:
            self._save()

    def record(
        self,
        obj: Result | pd.DataFrame | Figure | Axes | str,
        *,
        name: str,
        caption: str = "",
        methods: str = "",
        note: str = "",
        width: str | float = "single",
    ) -> None:
        """Add a result, table, figure or paragraph to the report; see :func:`record`."""
        if not isinstance(name, str) or not _NAME.match(name):
            raise InputError(
                "`name` must be lower-case letters, digits and underscores (it names files); "
                f"got {name!r}."
            )
        if any(e["name"] == name for e in self.entries):
            raise InputError(f"{self.notebook} already recorded something named {name!r}.")
        if isinstance(obj, Axes):
            obj = obj.figure
        entry = {"name": name, "caption": caption, "methods": methods, "note": note,
                 "text": "", "files": [], "html": ""}
        stem = f"{self.prefix}_{name}"
        if isinstance(obj, Result):
            entry.update(kind="result", text=obj.text)
            table = obj.table
        elif isinstance(obj, pd.DataFrame):
            entry["kind"] = "table"
            table = obj
        elif isinstance(obj, Figure):
            entry["kind"] = "figure"
            table = None
        elif isinstance(obj, str):
            entry.update(kind="text", text=obj)
            table = None
        else:
            raise InputError(
                "record() takes a Result, a DataFrame, a matplotlib Figure or Axes, or a str; "
                f"got {type(obj).__name__}."
            )
        shown = obj if isinstance(obj, Result) else table  # a Result knows its reference levels
        if table is not None:
            entry["html"] = apa_html(shown)
            apa = apa_table(shown)  # the printed cells, for manuscript.docx and .pdf
            entry["apa"] = {"columns": list(apa.columns),
                            "rows": [list(row) for row in apa.itertuples(index=False)]}
        if self.out is None:
            return
        # A file in the way that the report did not write is the user's: stop, naming it.
        folder, formats = ("tables", TABLE_FORMATS) if table is not None else (
            "figures", FIGURE_FORMATS if entry["kind"] == "figure" else ())
        names = [f"{folder}/{stem}.{ext}" for ext in formats]
        refuse_foreign(self.out, names, overwrite=overwrite_asked(),
                       owned=report_owned(self.out) | self.claimed)
        if names:  # claimed before written, so that a kill leaves no file nobody owns
            self.claimed.update(names)
            self._save()
        if table is not None:
            number = f"{int(self.prefix)}.{sum(e['kind'] != 'figure' for e in self.entries) + 1}" \
                if self.prefix.isdigit() else ""
            paths = save_table(shown, self.out / "tables" / stem, caption=caption, note=note,
                               number=number)
            entry["files"] = [p.relative_to(self.out).as_posix() for p in paths]
        elif entry["kind"] == "figure":
            paths = save_figure(obj, self.out / "figures" / stem, width=width)
            entry["files"] = [p.relative_to(self.out).as_posix() for p in paths]
        self.entries.append(entry)
        self._save()
        if entry["kind"] == "figure":
            _show_saved(obj, self.out / entry["files"][0])
        _leave_marker(self.notebook, name, entry["files"])


def _show_saved(fig: Figure, svg: Path) -> None:
    """In a running notebook, show the figure as saved (its SVG, at the journal width) and close
    it, so that the inline backend does not draw it a second time when the cell ends."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        return
    if get_ipython() is None or svg.suffix != ".svg":
        return
    import matplotlib.pyplot as plt

    # as raw output: IPython's SVG object would parse the file again only to find its root
    display({"image/svg+xml": svg.read_text(encoding="utf-8"), "text/plain": "<Figure>"},
            raw=True)
    plt.close(fig)


def _leave_marker(notebook: str, name: str, files: list[str]) -> None:
    """Leave an output in the running notebook that tells index.html where this entry goes."""
    try:
        from IPython import get_ipython
        from IPython.display import display
    except ImportError:  # pragma: no cover - IPython ships with ipykernel
        return
    if get_ipython() is None:
        return
    shown = ", ".join(files) if files else "results.md"
    display({RECORD_MIME: {"notebook": notebook, "name": name},
             "text/plain": f"[recorded {name!r}: {shown}]"}, raw=True)


_CURRENT: list[Recorder] = []


def start(out_dir: str | Path, *, notebook: str) -> Recorder:
    """Begin recording one notebook's contributions into the report folder ``out_dir``.

    Call it once near the top of the notebook, after the parameters cell. Starting again
    forgets what the notebook recorded before (so re-running a notebook replaces its records).
    It also tells pandas to mark the tables it displays for MathJax to skip, so that a ``$`` typed
    into the data is not typeset as maths in the notebook's HTML page.

    Parameters
    ----------
    out_dir : str or Path
        The report folder (the ``out_dir`` parameter); ``""`` turns recording off.
    notebook : str
        The notebook's file stem, e.g. ``"04_cramp_incidence"``.

    Returns
    -------
    Recorder
        The recorder that :func:`record` now writes to.

    Examples
    --------
    >>> rec = start("", notebook="01_data_quality")
    >>> rec.records_path is None
    True
    """
    rec = Recorder(out_dir, notebook=notebook)
    pd.set_option("display.html.use_mathjax", False)
    _CURRENT[:] = [rec]
    return rec


def record(
    obj: Result | pd.DataFrame | Figure | Axes | str,
    *,
    name: str,
    caption: str = "",
    methods: str = "",
    note: str = "",
    width: str | float = "single",
) -> None:
    """Add a result, table, figure or paragraph to the report being built.

    A :class:`~glute_study.stats.Result` gives a table (CSV, LaTeX, Word) and its ``.text``
    sentences for ``results.md``; a DataFrame gives a table; a Figure or Axes gives the figure
    files; a ``str`` gives a results paragraph. In a running notebook a recorded figure is shown
    as saved (its SVG, at the journal width) and closed, so that it is drawn once, not again
    when the cell ends.

    Parameters
    ----------
    obj : Result, DataFrame, Figure, Axes or str
        What to record.
    name : str
        Short snake_case name, unique within the notebook; it names the files.
    caption : str
        Title of the table or figure.
    methods : str
        A methods sentence for ``methods.md`` (how this result was obtained).
    note : str
        A note printed below the table.
    width : {'single', 'double'} or float
        Journal width of a figure, in columns or millimetres.

    Examples
    --------
    >>> _ = start("", notebook="04_cramp_incidence")
    >>> record("Cramps were rare.", name="summary")
    """
    if not _CURRENT:
        raise InputError(
            "record() was called before start(); call "
            "`glute_study.report.start(out_dir, notebook=...)` once at the top of the notebook."
        )
    _CURRENT[0].record(obj, name=name, caption=caption, methods=methods, note=note, width=width)
