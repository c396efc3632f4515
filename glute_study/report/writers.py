"""Write the report's reader-facing files from the executed notebooks and their records.

* ``methods.md`` and ``results.md``: the methods sentences and the result sentences each notebook
  recorded, in notebook order, with the tables and figures they refer to;
* ``index.html``: one page with the narrative of every notebook (its markdown cells), the
  recorded figures and tables where the notebook recorded them, and the code folded away, with
  links to each executed notebook (``.ipynb`` and ``.html``) and to every file of the report.

Everything is built from files on disk and contains no dates, so equal inputs give equal bytes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._escape import html_href, html_text, markdown_link, markdown_text
from .._files import write_text
from ..labels import in_words

__all__ = ["NotebookReport", "write_index", "write_methods", "write_results"]

#: Where each notebook's records live inside a report folder (not committed: see reports/README).
RECORDS_DIR = Path("_cache") / "records"

#: MIME type of the marker :func:`glute_study.report.record` leaves in a notebook's outputs.
RECORD_MIME = "application/vnd.glute-study.record+json"


@dataclass
class NotebookReport:
    """What the writers need to know about one executed notebook."""

    stem: str
    title: str
    entries: list[dict[str, Any]] = field(default_factory=list)
    cells: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[dict[str, Any]] = field(default_factory=list)
    #: The planned hypotheses the notebook tested (:mod:`glute_study.report.hypotheses`).
    hypotheses: list[dict[str, Any]] = field(default_factory=list)
    #: False for a section the report writes itself (no executed notebook to link to).
    notebook: bool = True

    @property
    def prefix(self) -> str:
        return self.stem.split("_", 1)[0]

    @classmethod
    def load(cls, out: Path, stem: str) -> NotebookReport:
        """Read the executed notebook ``out/stem.ipynb`` and its records."""
        nb = json.loads((out / f"{stem}.ipynb").read_text(encoding="utf-8"))
        records_path = out / RECORDS_DIR / f"{stem}.json"
        records: dict[str, Any] = {}
        if records_path.is_file():
            records = json.loads(records_path.read_text(encoding="utf-8"))
        caught = nb.get("metadata", {}).get("glute_study", {}).get("warnings", [])
        return cls(stem=stem, title=notebook_title(nb, stem), entries=records.get("entries", []),
                   cells=nb["cells"], warnings=caught,
                   hypotheses=records.get("hypotheses", []))


#: How a warning's class reads to a reader; any other class (``UserWarning``,
#: ``GluteStudyWarning``, a library's own) is plainly a "Warning".
_WARNING_WORDS = {"FitWarning": "Model-fit warning"}


def warning_lines(rep: NotebookReport) -> list[str]:
    """The warnings a notebook raised, one plain-text line each (``Warning: ...``).

    A reader sees no class names: a model that should not be trusted as it stands
    (:class:`~glute_study.errors.FitWarning`) says "Model-fit warning", every other warning
    "Warning".

    Examples
    --------
    >>> rep = NotebookReport("04_x", "04", warnings=[{"category": "FitWarning",
    ...                                               "message": "no convergence", "cell": 3}])
    >>> warning_lines(rep)
    ['Model-fit warning: No convergence']

    The message speaks to readers: the analysis that warned and the variables it names read
    in words (the notebook's own output keeps the names a programmer types).

    >>> rep.warnings[0] |= {"category": "GluteStudyWarning",
    ...                     "message": "count_model: dropped 2 rows (sitting_h_day: 2)"}
    >>> warning_lines(rep)
    ['Warning: Count model: dropped 2 rows (device-measured sitting: 2)']
    """
    return [f"{_WARNING_WORDS.get(str(w['category']), 'Warning')}: "
            f"{_reader_words(w['message'])}" for w in rep.warnings]


_CALLER = re.compile(r"([a-z][a-z0-9]*(?:_[a-z0-9]+)*): ")


def _reader_words(message: object) -> str:
    """A warning in a reader's words: the analysis that warned (``count_model: ``) and, by
    :func:`~glute_study.labels.in_words`, the codebook variables it names (``sitting_h_day``)
    read as words; plain words stay as they are ("value", "arm" are also codebook columns, but
    here they are English), and so do names a user types (``zero_formula``).

    Examples
    --------
    >>> _reader_words("count_model: dropped 2 rows with a missing value (sitting_h_day: 2)")
    'Count model: dropped 2 rows with a missing value (device-measured sitting: 2)'
    >>> _reader_words("10 rows have no 'sitting_tertile'; the control arm has no events")
    "10 rows have no 'sitting tertile'; the control arm has no events"
    >>> _reader_words("count_model: simplify `zero_formula` or use family='negbin'")
    "Count model: simplify `zero_formula` or use family='negbin'"
    """
    text = " ".join(str(message).split())
    caller = _CALLER.match(text)
    head = ""
    if caller:  # "count_model: ..." names the function that warned
        name = caller.group(1).replace("_", " ")
        head, text = f"{name[:1].upper()}{name[1:]}: ", text[caller.end():]
    line = head + in_words(text)
    return line[:1].upper() + line[1:]


def notebook_title(nb: dict[str, Any], stem: str) -> str:
    """The first markdown heading of a notebook, else its file stem.

    Examples
    --------
    >>> notebook_title({"cells": [{"cell_type": "markdown", "source": "# 04 Cramps\\ntext"}]}, "x")
    '04 Cramps'
    >>> notebook_title({"cells": []}, "04_cramp_incidence")
    '04_cramp_incidence'
    """
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "markdown":
            for line in _source(cell).splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return stem


def _source(cell: dict[str, Any]) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _labels(reports: list[NotebookReport]) -> dict[tuple[str, str], str]:
    """Number the tables and figures of each notebook: Table 4.1, Figure 4.1, ..."""
    out = {}
    for rep in reports:
        # a section the report writes itself (the primary hypotheses) numbers its tables P.1
        number = str(int(rep.prefix)) if rep.prefix.isdigit() else "P" if not rep.notebook \
            else rep.prefix
        tables = figures = 0
        for e in rep.entries:
            if e["kind"] in ("result", "table"):
                tables += 1
                out[(rep.stem, e["name"])] = f"Table {number}.{tables}"
            elif e["kind"] == "figure":
                figures += 1
                out[(rep.stem, e["name"])] = f"Figure {number}.{figures}"
    return out


def write_results(reports: list[NotebookReport], path: Path) -> Path:
    """Write ``results.md``: each notebook's result sentences, tables and figures, in order."""
    labels = _labels(reports)
    lines = ["# Results", ""]
    for rep in reports:
        lines += [f"## {rep.title}", ""]
        if not rep.entries:
            lines += ["No results were recorded by this notebook.", ""]
        for e in rep.entries:
            label = labels.get((rep.stem, e["name"]))
            if e["text"]:
                lines += [markdown_text(e["text"].strip()), ""]
            if label:
                first = next((f for f in e["files"] if f.endswith((".csv", ".svg"))), "")
                caption = f" {markdown_text(_one_line(e['caption']))}." if e["caption"] else ""
                link = f" ({markdown_link(first, first)})" if first else ""
                lines += [f"*{label}.*{caption}{link}", ""]
        if rep.warnings:
            lines += ["Warnings raised while this notebook ran (read them before the results "
                      "above):", ""]
            lines += [f"- {markdown_text(w)}" for w in warning_lines(rep)] + [""]
    return _write(path, lines)


def write_methods(reports: list[NotebookReport], path: Path, *, data: str, software: str) -> Path:
    """Write ``methods.md``: data source, each notebook's methods sentences, software.

    ``data``, ``software`` and the methods sentences are plain text (escaped here).
    """
    lines = ["# Methods", "", "## Data", "", markdown_text(data.strip()), "",
             "## Statistical analysis", ""]
    for rep in reports:
        sentences = []
        for e in rep.entries:
            text = e.get("methods", "").strip()
            if text and text not in sentences:
                sentences.append(text)
        if sentences:
            lines += [f"### {rep.title}", "", markdown_text(" ".join(sentences)), ""]
    lines += ["## Software", "", markdown_text(software.strip()), ""]
    return _write(path, lines)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _write(path: Path, lines: list[str]) -> Path:
    text = "\n".join(lines).rstrip() + "\n"
    return write_text(path, text)


_CSS = """
body{font-family:Georgia,'Times New Roman',serif;max-width:52rem;margin:2rem auto;padding:0 1rem;
line-height:1.45;color:#111}
h1,h2,h3{font-family:Helvetica,Arial,sans-serif}
nav ul{columns:2}
figure{margin:1.2rem 0}figure img{max-width:100%;height:auto}
figcaption,.files{font-size:.9rem;color:#333}
table.apa{border-collapse:collapse;margin:.6rem 0;font-size:.92rem}
table.apa th,table.apa td{padding:.15rem .6rem;text-align:left}
table.apa td.num,table.apa th.num{text-align:right;white-space:nowrap}
div.table{overflow-x:auto}
table.apa thead th{border-top:2px solid #000;border-bottom:1px solid #000}
table.apa tbody tr:last-child td{border-bottom:2px solid #000}
details.code{margin:.4rem 0;font-size:.85rem}
details.code pre{background:#f4f4f4;padding:.5rem;overflow-x:auto}
.result-text{background:#f7f9fc;border-left:3px solid #0072B2;padding:.3rem .8rem}
.notebook-links a{margin-right:1rem}
.warnings{background:#fff8e6;border-left:3px solid #E69F00;padding:.3rem .8rem}
"""


def _markdown(text: str, *, escape: bool = False) -> str:
    """Markdown as HTML; ``escape=True`` shows raw HTML as text (for computed output)."""
    import mistune

    if not escape:  # a notebook's own markdown cells, as its author wrote them
        return mistune.html(text)
    return mistune.create_markdown(escape=True, plugins=["strikethrough", "footnotes", "table"])(
        text)


def _entry_html(out_entry: dict[str, Any], label: str) -> str:
    e = out_entry
    files = " ".join(
        f'<a href="{html_href(f)}">{html_text(Path(f).suffix.lstrip("."))}</a>'
        for f in e["files"]
    )
    caption = html_text(e.get("caption", ""))
    parts = []
    if e["kind"] == "figure":
        svg = next((f for f in e["files"] if f.endswith(".svg")), "")
        if svg:
            parts.append(
                f'<figure id="{html_text(e["name"])}"><img src="{html_href(svg)}" '
                f'alt="{caption or html_text(e["name"])}"><figcaption><b>{label}.</b> '
                f'{caption} <span class="files">{files}</span></figcaption></figure>'
            )
    elif e["kind"] in ("result", "table"):
        parts.append(
            f'<div class="table" id="{html_text(e["name"])}"><p><b>{label}.</b> '
            f'<i>{caption}</i> <span class="files">{files}</span></p>{e["html"]}'
        )
        if e.get("note"):
            parts.append(f"<p class='files'><i>Note.</i> {html_text(e['note'])}</p>")
        parts.append("</div>")
    for paragraph in str(e.get("text") or "").split("\n\n"):  # a blank line parts paragraphs
        if paragraph.strip():
            parts.append(f'<p class="result-text">{html_text(paragraph.strip())}</p>')
    return "\n".join(parts)


def _notebook_html(rep: NotebookReport, labels: dict[tuple[str, str], str]) -> str:
    by_name = {e["name"]: e for e in rep.entries}
    shown: set[str] = set()
    links = (f'<p class="notebook-links">Notebook: <a href="{html_href(rep.stem + ".html")}">'
             f'{html_text(rep.stem)}.html</a> <a href="{html_href(rep.stem + ".ipynb")}">'
             f"{html_text(rep.stem)}.ipynb</a></p>")
    if not rep.notebook:
        links = ""
    parts = [f'<section id="nb-{html_text(rep.stem)}">']
    for cell in rep.cells:
        if cell["cell_type"] == "markdown":
            parts.append(_markdown(_source(cell)))
            if links:  # under the notebook's title
                parts.append(links)
                links = ""
            continue
        if cell["cell_type"] != "code":
            continue
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            continue  # the header lists the parameters; this cell also holds local paths
        code = _source(cell).strip()
        if code:
            parts.append(
                f'<details class="code"><summary>code</summary><pre><code>{html_text(code)}'
                "</code></pre></details>"
            )
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if RECORD_MIME in data:
                name = data[RECORD_MIME].get("name", "")
                if name in by_name and name not in shown:
                    shown.add(name)
                    parts.append(_entry_html(by_name[name], labels.get((rep.stem, name), "")))
            elif output.get("output_type") == "error":
                parts.append(f"<pre>{html_text(output.get('ename', ''))}: "
                             f"{html_text(output.get('evalue', ''))}</pre>")
            elif "text/markdown" in data:
                # computed from data: raw HTML in it is shown as text, not run
                parts.append(_markdown(_source({"source": data["text/markdown"]}), escape=True))
    if links:
        parts.insert(1, links)
    for e in rep.entries:  # anything recorded without a marker (e.g. from a helper function)
        if e["name"] not in shown:
            parts.append(_entry_html(e, labels.get((rep.stem, e["name"]), "")))
    if rep.warnings:
        items = "".join(f"<li>{html_text(w)}</li>" for w in warning_lines(rep))
        parts.append(f'<div class="warnings"><p><b>Warnings raised while this notebook ran'
                     f"</b></p><ul>{items}</ul></div>")
    parts.append("</section>")
    return "\n".join(parts)


def write_index(
    reports: list[NotebookReport], path: Path, *, title: str, summary: str
) -> Path:
    """Write ``index.html``: the readable report, code folded away, links to every file."""
    labels = _labels(reports)
    nav = "\n".join(
        f'<li><a href="#nb-{html_href(r.stem)}">{html_text(r.title)}</a></li>'
        for r in reports
    )
    body = "\n".join(_notebook_html(r, labels) for r in reports)
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html_text(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>{html_text(title)}</h1>
<p>{html_text(summary)}</p>
<p class="files"><a href="methods.md">methods.md</a> <a href="results.md">results.md</a>
<a href="checklists.md">checklists.md</a> (reporting checklists)
<a href="manuscript.docx">manuscript.docx</a> <a href="manuscript.pdf">manuscript.pdf</a>
<a href="provenance.json">provenance.json</a></p>
<nav><ul>
{nav}
</ul></nav>
</header>
<main>
{body}
</main>
</body>
</html>
"""
    return write_text(path, page)


def write_matrix_index(folders: list[tuple[str, str]], path: Path, *, title: str) -> Path:
    """Write a small ``index.html`` linking the reports of a ``--matrix`` run.

    ``folders`` holds (relative folder, description) pairs.
    """
    items = "\n".join(
        f'<li><a href="{html_href(f + "/index.html")}">{html_text(desc)}</a></li>'
        for f, desc in folders
    )
    page = (
        f'<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{html_text(title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"
        f"<h1>{html_text(title)}</h1>\n<ul>\n{items}\n</ul>\n</body>\n</html>\n"
    )
    return write_text(path, page)
