"""Write the report as one manuscript: ``manuscript.docx`` and ``manuscript.pdf``.

The manuscript holds what ``methods.md`` and ``results.md`` hold, in their order: the methods
sentences, then each notebook's results with its numbered tables (APA style, the numbers of
``results.md``: Table 4.1, ...) and figures (the 300-dpi PNG of ``figures/``, as wide as the
page allows) with their legends below them, the warnings the notebooks raised, and, as an
appendix, the reporting checklists (:mod:`glute_study.report.checklists`). Headings use Word's
built-in styles (Title, Heading 1-3), so a journal template restyles them on paste.

Both files are built from one list of blocks (heading, paragraph, table, figure), so they agree.
Everything a person typed (study name, captions, labels, sentences) goes in as text: python-docx
writes runs, whose XML it escapes (:func:`~glute_study._escape.docx_text` drops what XML cannot
hold), and the PDF's paragraphs go through :func:`~glute_study._escape.pdf_text`. Tables wider
than a portrait page are set on landscape pages; one wider than a landscape page is split into
parts by columns, each repeating the first (stub) column, the parts after the first headed
"Table 4.3 (continued)" (:func:`split_wide`). What a table shows is decided once, by
:func:`~glute_study.report.tables.apa_table`; how wide it is, here (:func:`table_width_mm`). The
Word tables come from the one builder of :mod:`glute_study.report.tables`.

Equal inputs give equal bytes: the .docx is a zip written with fixed member dates and core
properties without a clock; the PDF is written by reportlab in its ``invariant`` mode (fixed
date and document id) with the DejaVu Serif fonts that matplotlib ships embedded.

Why a PDF, and why reportlab: converting the .docx to PDF needs LibreOffice or Word, which no
Python wheel provides. reportlab (BSD licence, a pure-Python ``py3-none-any`` wheel for every
platform, its only requirements pillow and charset-normalizer, both already locked) lays out the
same blocks itself. The PDF is for reading and circulating; the .docx is the one to paste into
a journal's template.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._escape import docx_text, pdf_text, printable
from .._files import make_folder, write_files
from .writers import NotebookReport, _labels, warning_lines

__all__ = ["MANUSCRIPT_FILES", "manuscript_blocks", "split_wide", "table_width_mm",
           "write_manuscript"]

#: The files :func:`write_manuscript` writes into the report folder.
MANUSCRIPT_FILES = ("manuscript.docx", "manuscript.pdf")

# A4, 25 mm margins: the text block of a portrait and of a landscape page, in mm.
_PAGE_MM = (210.0, 297.0)
_MARGIN_MM = 25.0
_TEXT_MM = _PAGE_MM[0] - 2 * _MARGIN_MM
_TEXT_LANDSCAPE_MM = _PAGE_MM[1] - 2 * _MARGIN_MM
_TABLE_PT = 9.0
# The padding of a table cell, in mm.
_CELL_PAD_MM = 2.5


@dataclass(frozen=True)
class Heading:
    level: int  # 0 is the title
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str
    bullet: bool = False


@dataclass(frozen=True)
class Table:
    number: str  # "4.1": printed "Table 4.1"
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str = ""
    continued: bool = False  # a later part of a table split by columns (:func:`split_wide`)

    @property
    def wide(self) -> bool:
        """Too wide for a portrait page at 9 pt: set on a landscape page."""
        return table_width_mm(self.columns, self.rows) > _TEXT_MM

    @property
    def shown_number(self) -> str:
        """The number as the table prints it: "4.3", or "4.3 (continued)" for a later part."""
        return self.number + (" (continued)" if self.continued else "")

    @property
    def heading(self) -> str:
        """What the bold line above the table says: "Table 4.3" or "Table 4.3 (continued)"."""
        return f"Table {self.shown_number}".strip()


@dataclass(frozen=True)
class Figure:
    number: str  # "4.1": printed "Figure 4.1"
    caption: str
    image: Path | None  # the PNG; None when the report holds none


Block = Heading | Paragraph | Table | Figure


def _column_mm(column: str, cells: list[str], *, wrap: int = 60) -> float:
    """Width of a column whose text wraps at ``wrap`` characters, as the PDF's font sets it."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    _register_fonts()
    widest = max(stringWidth(printable(t)[:wrap], _FONT, _TABLE_PT - 0.5)
                 for t in [column, *cells])
    return widest * 25.4 / 72 + _CELL_PAD_MM


def _column_widths_mm(columns, rows) -> list[float]:
    return [_column_mm(c, [r[j] for r in rows], wrap=30) for j, c in enumerate(columns)]


def table_width_mm(columns, rows) -> float:
    """The narrowest a table can well be, in mm: text wrapped at 30 characters, 9 pt.

    The one width rule: a table wider than the portrait text block (160 mm) is set on a
    landscape page, one wider than the landscape text block (247 mm) is split
    (:func:`split_wide`).

    Examples
    --------
    >>> round(table_width_mm(("Term", "p"), (("Age (per year)", ".011"),)))
    34
    """
    return sum(_column_widths_mm(columns, rows))


def split_wide(table: Table) -> list[Table]:
    """``table`` in parts that each fit a landscape page, split by columns.

    Each part repeats the first column (the stub: term, variable or group), so that every row
    of every part says what it is; the columns keep their order, the first part its title, the
    later ones read "Table 4.3 (continued)", and the note goes under the last. A table that fits
    is returned as it is.

    Examples
    --------
    >>> wide = Table("4.3", "Rates", ("Term", *[f"Column {k}" for k in range(30)]),
    ...              (("Age", *["1.00"] * 30),), note="A note.")
    >>> parts = split_wide(wide)
    >>> [p.heading for p in parts]
    ['Table 4.3', 'Table 4.3 (continued)', 'Table 4.3 (continued)']
    >>> [p.columns[0] for p in parts], [bool(p.note) for p in parts]
    (['Term', 'Term', 'Term'], [False, False, True])
    >>> all(table_width_mm(p.columns, p.rows) <= 247 for p in parts)
    True
    """
    widths = _column_widths_mm(table.columns, table.rows)
    if sum(widths) <= _TEXT_LANDSCAPE_MM or len(widths) < 3:
        return [table]
    groups: list[list[int]] = [[0]]
    used = widths[0]
    for j in range(1, len(widths)):
        if used + widths[j] > _TEXT_LANDSCAPE_MM and len(groups[-1]) > 1:
            groups.append([0])
            used = widths[0]
        groups[-1].append(j)
        used += widths[j]
    last = len(groups) - 1
    return [Table(table.number, table.caption if k == 0 else "",
                  tuple(table.columns[j] for j in group),
                  tuple(tuple(r[j] for j in group) for r in table.rows),
                  table.note if k == last else "", continued=k > 0)
            for k, group in enumerate(groups)]


_Cells = tuple[tuple[str, ...], tuple[tuple[str, ...], ...]]


def _apa_cells(out: Path, entry: dict[str, Any]) -> _Cells:
    """The printed cells of a recorded table: from the record, else from its Word file."""
    apa = entry.get("apa")
    if apa:
        return tuple(apa["columns"]), tuple(tuple(r) for r in apa["rows"])
    word = next((f for f in entry["files"] if f.endswith(".docx")), "")
    if not word or not (out / word).is_file():
        return (), ()
    import docx

    grid = docx.Document(out / word).tables[0]
    cells = [tuple(c.text for c in row.cells) for row in grid.rows]
    return cells[0], tuple(cells[1:])


def manuscript_blocks(
    reports: list[NotebookReport], out: Path, *, title: str, data: str, software: str,
    appendix: list[tuple[str, str, Table]] | None = None,
) -> list[Block]:
    """The manuscript as blocks, in the order of ``methods.md`` then ``results.md``.

    ``appendix`` holds (heading, paragraph, table) triples put after the results (the
    reporting checklists).

    Examples
    --------
    >>> rep = NotebookReport("04_x", "04 Cramps", entries=[{"name": "r", "kind": "text",
    ...     "text": "Cramps were rare.", "caption": "", "methods": "Counted.", "files": []}])
    >>> [type(b).__name__ for b in manuscript_blocks([rep], Path("."), title="T", data="D.",
    ...                                              software="S.")]  # doctest: +ELLIPSIS
    ['Heading', 'Heading', 'Heading', 'Paragraph', 'Heading', 'Heading', 'Paragraph', ...]
    """
    labels = _labels(reports)
    blocks: list[Block] = [Heading(0, title), Heading(1, "Methods"), Heading(2, "Data"),
                           Paragraph(data.strip()), Heading(2, "Statistical analysis")]
    for rep in reports:
        sentences: list[str] = []
        for e in rep.entries:
            text = e.get("methods", "").strip()
            if text and text not in sentences:
                sentences.append(text)
        if sentences:
            blocks += [Heading(3, rep.title), Paragraph(" ".join(sentences))]
    blocks += [Heading(2, "Software"), Paragraph(software.strip()), Heading(1, "Results")]
    for rep in reports:
        blocks.append(Heading(2, rep.title))
        if not rep.entries:
            blocks.append(Paragraph("No results were recorded by this notebook."))
        for e in rep.entries:
            blocks += [Paragraph(line.strip()) for line in printable(e.get("text", "")).split("\n")
                       if line.strip()]
            label = labels.get((rep.stem, e["name"]), "")
            number = label.split(" ", 1)[1] if label else ""
            if label.startswith("Table"):
                columns, rows = _apa_cells(out, e)
                if columns:
                    blocks.append(Table(number, _one_line(e.get("caption", "")), columns, rows,
                                        _one_line(e.get("note", ""))))
            elif label.startswith("Figure"):
                png = next((f for f in e["files"] if f.endswith(".png")), "")
                image = out / png if png and (out / png).is_file() else None
                blocks.append(Figure(number, _one_line(e.get("caption", "")), image))
        if rep.warnings:
            blocks.append(Paragraph("Warnings raised while this notebook ran (read them before "
                                    "the results above):"))
            blocks += [Paragraph(w, bullet=True) for w in warning_lines(rep)]
    for heading, text, table in appendix or []:
        blocks.append(Heading(1 if heading.startswith("Appendix") else 2, heading))
        if text:
            blocks.append(Paragraph(text))
        if table is not None:
            blocks.append(table)
    return [part for block in blocks
            for part in (split_wide(block) if isinstance(block, Table) else [block])]


def _one_line(text: object) -> str:
    return " ".join(printable(text).split())


# -- Word -------------------------------------------------------------------------------------

def _set_page(section, *, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm

    short, long = _PAGE_MM
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (Mm(long), Mm(short)) if landscape else (
        Mm(short), Mm(long))
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Mm(_MARGIN_MM))


def _image_mm(path: Path, *, max_mm: float) -> tuple[float, float]:
    """Width and height (mm) of a PNG at its own resolution, shrunk to fit ``max_mm`` wide and
    the page's height."""
    from PIL import Image

    with Image.open(path) as img:
        dpi = img.info.get("dpi", (300, 300))[0] or 300
        w, h = img.size
    width = w / dpi * 25.4
    height = h / dpi * 25.4
    scale = min(1.0, max_mm / width, (_PAGE_MM[1] - 2 * _MARGIN_MM - 30) / height)
    return width * scale, height * scale


def docx_manuscript(blocks: list[Block], *, title: str) -> bytes:
    """The blocks as the bytes of a Word document."""
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    from .tables import docx_bytes, docx_table, new_docx

    document = new_docx(title=title)
    _set_page(document.sections[0], landscape=False)
    landscape = False
    for block in blocks:
        wide = isinstance(block, Table) and block.wide
        if wide != landscape:
            _set_page(document.add_section(WD_SECTION.NEW_PAGE), landscape=wide)
            landscape = wide
        if isinstance(block, Heading):
            document.add_heading(docx_text(block.text), block.level)
        elif isinstance(block, Paragraph):
            style = "List Bullet" if block.bullet else None
            document.add_paragraph(docx_text(block.text), style=style)
        elif isinstance(block, Table):
            docx_table(document, _frame(block), caption=block.caption, note=block.note,
                       number=block.shown_number, font_pt=_TABLE_PT)
            document.add_paragraph()
        elif isinstance(block, Figure):
            # the figure, then its legend below it (as journals print them), kept together
            if block.image is None:
                missing = document.add_paragraph(
                    "(The figure's PNG file is missing from the report.)")
                missing.paragraph_format.keep_with_next = True
            else:
                width, _ = _image_mm(block.image, max_mm=_TEXT_MM)
                document.add_picture(str(block.image), width=Mm(width))
                document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
                document.paragraphs[-1].paragraph_format.keep_with_next = True
            legend = document.add_paragraph()
            legend.add_run(_figure_label(block)).bold = True
            if block.caption:
                legend.add_run(" " + docx_text(block.caption))
    return docx_bytes(document)


def _figure_label(figure: Figure) -> str:
    """The bold start of a figure's legend: "Figure 4.1." """
    return f"Figure {figure.number}."


def _frame(table: Table):
    import pandas as pd

    return pd.DataFrame(list(table.rows), columns=list(table.columns), dtype=object)


# -- PDF --------------------------------------------------------------------------------------

_FONT = "GluteSerif"


def _register_fonts() -> None:
    from pathlib import Path as _P

    import matplotlib
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if _FONT in pdfmetrics.getRegisteredFontNames():
        return
    folder = _P(matplotlib.get_data_path()) / "fonts" / "ttf"
    faces = {(0, 0): "DejaVuSerif.ttf", (1, 0): "DejaVuSerif-Bold.ttf",
             (0, 1): "DejaVuSerif-Italic.ttf", (1, 1): "DejaVuSerif-BoldItalic.ttf"}
    for (bold, italic), file in faces.items():
        name = _FONT + ("-Bold" if bold else "") + ("-Italic" if italic else "")
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
        addMapping(_FONT, bold, italic, name)


def pdf_manuscript(blocks: list[Block], *, title: str) -> bytes:
    """The blocks as the bytes of a PDF (A4; wide tables on landscape pages)."""
    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        BaseDocTemplate,
        Frame,
        KeepTogether,
        NextPageTemplate,
        PageBreak,
        PageTemplate,
        Spacer,
        TableStyle,
    )
    from reportlab.platypus import Paragraph as RLParagraph
    from reportlab.platypus import Table as RLTable

    _register_fonts()
    short, long = _PAGE_MM[0] * mm, _PAGE_MM[1] * mm
    margin = _MARGIN_MM * mm
    raw = io.BytesIO()
    doc = BaseDocTemplate(raw, pagesize=(short, long), title=pdf_text(title), author="",
                          subject="", creator="glute_study", producer="glute_study",
                          invariant=1, leftMargin=margin, rightMargin=margin, topMargin=margin,
                          bottomMargin=margin)
    doc.addPageTemplates([
        PageTemplate("portrait", [Frame(margin, margin, short - 2 * margin, long - 2 * margin,
                                        id="p")], pagesize=(short, long)),
        PageTemplate("landscape", [Frame(margin, margin, long - 2 * margin, short - 2 * margin,
                                         id="l")], pagesize=(long, short)),
    ])
    body = ParagraphStyle("body", fontName=_FONT, fontSize=10.5, leading=14, spaceAfter=6,
                          splitLongWords=1)
    sizes = {0: 18, 1: 15, 2: 13, 3: 11.5}
    heads = {lvl: ParagraphStyle(f"h{lvl}", parent=body, fontName=_FONT + "-Bold",
                                 fontSize=size, leading=size * 1.3, spaceBefore=10,
                                 spaceAfter=6, keepWithNext=1,
                                 alignment=TA_CENTER if lvl == 0 else 0)
             for lvl, size in sizes.items()}
    cell = ParagraphStyle("cell", parent=body, fontSize=_TABLE_PT - 0.5, leading=_TABLE_PT + 1.5,
                          spaceAfter=0)
    cell_right = ParagraphStyle("cellr", parent=cell, alignment=2)
    story: list[Any] = []
    headings: list[Any] = []  # kept with what follows them, so that none ends a page
    landscape = False
    for block in blocks:
        wide = isinstance(block, Table) and block.wide
        if wide != landscape:
            story += [*headings, NextPageTemplate("landscape" if wide else "portrait"),
                      PageBreak()]
            headings = []
            landscape = wide
        width_mm = _TEXT_LANDSCAPE_MM if landscape else _TEXT_MM
        if headings and not isinstance(block, Heading):
            story.append(KeepTogether(headings))  # the next flowable joins it below
            headings = []
            story.append(_KEEP)
        if isinstance(block, Heading):
            headings.append(RLParagraph(pdf_text(block.text), heads[min(block.level, 3)]))
        elif isinstance(block, Paragraph):
            text = pdf_text(block.text)
            story.append(RLParagraph(text, body, bulletText="\u2022") if block.bullet
                         else RLParagraph(text, body))
        elif isinstance(block, Table):
            widths = [_column_mm(c, [r[j] for r in block.rows])
                      for j, c in enumerate(block.columns)]
            scale = min(1.0, width_mm / sum(widths)) if widths else 1.0
            italic = {"p", "n", "SE", "df"}
            from .tables import numeric_columns  # the statistics load only when needed

            numeric = numeric_columns(_frame(block))
            header = [RLParagraph(f"<i>{pdf_text(c)}</i>" if c in italic else pdf_text(c),
                                  cell_right if numeric[j] else cell)
                      for j, c in enumerate(block.columns)]
            columns_mm = [max(w * scale, 7.0) for w in widths]
            rows = [[_pdf_cell(v, columns_mm[j], cell_right if numeric[j] else cell)
                     for j, v in enumerate(r)] for r in block.rows]
            grid = RLTable([header, *rows], colWidths=[w * mm for w in columns_mm],
                           repeatRows=1, hAlign="LEFT")
            grid.setStyle(TableStyle([
                ("FONT", (0, 1), (-1, -1), _FONT, cell.fontSize, cell.leading),
                *(("ALIGN", (j, 1), (j, -1), "RIGHT") for j in range(len(numeric))
                  if numeric[j]),
                ("LINEABOVE", (0, 0), (-1, 0), 1.0, colors.black),
                ("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black),
                ("LINEBELOW", (0, -1), (-1, -1), 1.0, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5), ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 2), ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ]))
            head = [RLParagraph(f"<b>{pdf_text(block.heading)}</b>", body)]
            if block.caption:
                head.append(RLParagraph(f"<i>{pdf_text(block.caption)}</i>", body))
            # a short table stays with its title; a long one may break, its header repeated
            story += [KeepTogether([*head, grid])] if len(block.rows) < 25 else [*head, grid]
            if block.note:
                story.append(RLParagraph(f"<i>Note.</i> {pdf_text(block.note)}", body))
            story.append(Spacer(1, 4 * mm))
        elif isinstance(block, Figure):
            if block.image is None:
                parts = [RLParagraph("(The figure's PNG file is missing from the report.)",
                                     body)]
            else:
                w, h = _image_mm(block.image, max_mm=width_mm)
                parts = [_picture(block.image, width=w * mm, height=h * mm)]
            # the legend below the figure, as journals print it
            legend = f"<b>{pdf_text(_figure_label(block))}</b>"
            if block.caption:
                legend += " " + pdf_text(block.caption)
            parts.append(RLParagraph(legend, body))
            story += [KeepTogether(parts), Spacer(1, 4 * mm)]
    story += headings
    from reportlab import rl_config

    # binary streams: ASCII85 (reportlab's default, for 7-bit channels PDFs no longer travel
    # through) makes the file a quarter larger and, in pure Python, took 0.7 s of the build
    ascii85, rl_config.useA85 = rl_config.useA85, 0
    try:
        doc.build(_join_kept(story))
    finally:
        rl_config.useA85 = ascii85
    return raw.getvalue()


def _picture(path: Path, *, width: float, height: float) -> Any:
    """The figure's PNG as a flowable of the PDF: its pixels on a white page, one RGB image.

    reportlab would otherwise decode the PNG twice and embed an alpha mask beside it, which for
    the report's opaque figures holds nothing (half of the PDF's build time went to that).
    """
    from PIL import Image
    from reportlab.lib.utils import ImageReader
    from reportlab.platypus import Flowable

    with Image.open(path) as img:
        rgba = img.convert("RGBA")
    alpha = rgba.getchannel("A")
    if alpha.getextrema()[0] == 255:
        flat = rgba.convert("RGB")
    else:  # a transparent figure: laid on the white page, as a reader sees it
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=alpha)

    class Picture(Flowable):
        def wrap(self, available_width, available_height):
            return width, height

        def draw(self):
            self.canv.drawImage(ImageReader(flat), 0, 0, width, height, mask=None)

    return Picture()


def _pdf_cell(value: str, width_mm: float, style: Any) -> Any:
    """A table cell: its text as it is when it fits the column on one line (reportlab draws
    it directly), else a paragraph that wraps it (most of a table's build time goes to those)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.platypus import Paragraph as RLParagraph

    text = printable(value).replace("\t", " ")
    fits = stringWidth(text, _FONT, style.fontSize) * 25.4 / 72 + _CELL_PAD_MM <= width_mm
    return text if fits and "\n" not in text else RLParagraph(pdf_text(value), style)


_KEEP = object()  # in a story: keep the flowables either side of it together


def _join_kept(story: list[Any]) -> list[Any]:
    """Merge the flowables either side of each :data:`_KEEP` mark into one KeepTogether."""
    from reportlab.platypus import KeepTogether

    out: list[Any] = []
    join = False
    for item in story:
        if item is _KEEP:
            join = True
            continue
        if join and out:
            before = out.pop()
            first = list(before._content) if isinstance(before, KeepTogether) else [before]
            after = list(item._content) if isinstance(item, KeepTogether) else [item]
            item = KeepTogether([*first, *after])
        out.append(item)
        join = False
    return out


def write_manuscript(
    reports: list[NotebookReport], out: Path, *, title: str, data: str, software: str,
    appendix: list[tuple[str, str, Table]] | None = None, cache: Path | None = None,
    code: str = "", parallel: bool = False,
) -> list[Path]:
    """Write ``manuscript.docx`` and ``manuscript.pdf`` into the report folder ``out``.

    Parameters
    ----------
    reports : list of NotebookReport
        The notebooks of the report, in order (as for ``results.md``).
    out : Path
        The report folder; the figures' PNG files are read from ``out/figures``.
    title : str
        The manuscript's title (the study's name; typed text).
    data, software : str
        The data and software sentences of ``methods.md``.
    appendix : list of (str, str, Table), optional
        Sections after the results: heading, paragraph and table (the checklists).
    cache : Path, optional
        A key file: when it says the two files were written from the same blocks, figures and
        ``code`` (the package's code hash) and they are unchanged since, nothing is written
        (building the PDF is most of a report run whose notebooks all come from the cache).
    code : str
        The package's code hash, part of the key.
    parallel : bool
        Build the PDF in a worker process while this one builds the Word file (the report
        does, once its fork server runs; the bytes are the same).

    Returns
    -------
    list of Path
        The two files written (both, or on an error neither).
    """
    out = Path(out)
    blocks = manuscript_blocks(reports, out, title=title, data=data, software=software,
                               appendix=appendix)
    paths = [out / name for name in MANUSCRIPT_FILES]
    key = _manuscript_key(blocks, out, code) if cache is not None else ""
    if cache is not None and _unchanged(cache, key, paths):
        return paths
    if parallel:  # the PDF in a worker of the report's fork server while the Word file is made
        from ..parallel import local_process_pool

        with local_process_pool(1) as pool:
            pdf = pool.submit(pdf_manuscript, blocks, title=title)
            files: dict[Path, bytes] = {paths[0]: docx_manuscript(blocks, title=title),
                                        paths[1]: pdf.result()}
    else:
        files = {paths[0]: docx_manuscript(blocks, title=title),
                 paths[1]: pdf_manuscript(blocks, title=title)}
    if cache is not None:
        record = {"key": key, "files": {p.name: _sha(b) for p, b in files.items()}}
        files[Path(cache)] = (json.dumps(record, indent=1, sort_keys=True) + "\n").encode()
        make_folder(Path(cache).parent)
    return write_files(files)[:2]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manuscript_key(blocks: list[Block], out: Path, code: str) -> str:
    """What the two files are made of: the blocks, the figures' bytes and the package code."""
    parts = [code]
    for block in blocks:
        if isinstance(block, Figure) and block.image is not None:
            image = Path(block.image)
            data = image.read_bytes() if image.is_file() else b""
            shown = image.relative_to(out) if image.is_relative_to(out) else image
            block = Figure(block.number, block.caption, Path(shown.as_posix() + "#" + _sha(data)))
        parts.append(repr(block))
    return _sha("\n".join(parts).encode())


def _unchanged(cache: Path, key: str, paths: list[Path]) -> bool:
    """Both files are those written for ``key`` (and nobody has changed them since)."""
    try:
        record = json.loads(Path(cache).read_text(encoding="utf-8"))
        return record["key"] == key and all(
            p.is_file() and _sha(p.read_bytes()) == record["files"][p.name] for p in paths)
    except (OSError, ValueError, KeyError, TypeError):
        return False
