"""manuscript.docx and manuscript.pdf: every table and figure in report order, with captions,
the same bytes on every build, and typed text put in as text."""

from __future__ import annotations

import zipfile

import docx
import matplotlib.pyplot as plt
import pytest
from docx.enum.section import WD_ORIENT

from glute_study.figures import save_figure
from glute_study.report.manuscript import write_manuscript
from glute_study.report.tables import apa_table
from glute_study.report.writers import NotebookReport


def _body(document):
    """The document's paragraphs (their text) and tables (``<table n>``), in order."""
    tables = iter(range(len(document.tables)))
    out = []
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            out.append("".join(t.text or "" for t in child.iter() if t.tag.endswith("}t")))
        elif tag == "tbl":
            out.append(f"<table {next(tables)}>")
    return out


def test_manuscript_holds_every_table_and_figure_in_report_order(two_reports):
    a, _, _ = two_reports
    document = docx.Document(a / "manuscript.docx")
    body = _body(document)
    headings = [p.text for p in document.paragraphs if p.style.name.startswith(("Heading",
                                                                                  "Title"))]
    assert headings[:4] == ["Simulated cohort of 400 athletes in 20 teams, device sitting 1 "
                            "week in 4 (the world where the coaching claim is true, seed 3)",
                            "Methods", "Data", "Statistical analysis"]
    assert headings.index("Results") < headings.index("01 Tables test notebook", 5)
    # Table 1.1, its title, the table; Table 1.2 ...; then Figure 2.1 with its caption
    start = body.index("Table 1.1")
    assert body[start + 1:start + 3] == ["Mean of x", "<table 0>"]
    second = body.index("Table 1.2")
    assert body[second + 1:second + 3] == ["Counts", "<table 1>"]
    # the figure, then its legend below it: "Figure 2.1." in bold, then the caption
    figure = body.index("Figure 2.1. A seeded random walk")
    assert start < second < figure
    assert body[figure - 1] == ""  # the picture's paragraph
    legend = next(p for p in document.paragraphs if p.text.startswith("Figure 2.1."))
    assert [(r.text, bool(r.bold)) for r in legend.runs] == [
        ("Figure 2.1.", True), (" A seeded random walk", False)]
    assert "The mean of x was" in " ".join(body[body.index("Results"):start])
    assert body.index("The walk ended where it ended.") > figure
    # the cells are those of the per-table Word file (one table builder)
    own = docx.Document(a / "tables" / "01_mean_x.docx").tables[0]
    assert [[c.text for c in r.cells] for r in document.tables[0].rows] == [
        [c.text for c in r.cells] for r in own.rows]
    assert [c.text for c in document.tables[1].rows[0].cells] == ["Group", "Count"]
    # one picture, the figure's 300-dpi PNG, no wider than the text block (160 mm)
    assert len(document.inline_shapes) == 1
    assert 0 < document.inline_shapes[0].width.mm <= 160.01
    with zipfile.ZipFile(a / "manuscript.docx") as zf:
        media = [n for n in zf.namelist() if n.startswith("word/media/")]
        assert len(media) == 1
        assert zf.read(media[0]) == (a / "figures" / "02_walk.png").read_bytes()
    # the checklists close it, as an appendix
    assert "Appendix: reporting checklists" in headings
    assert "STROBE-SIIS checklist" in body


def test_manuscript_bytes_are_identical_on_two_builds(two_reports):
    a, b, _ = two_reports
    for name in ("manuscript.docx", "manuscript.pdf", "checklists.md"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    core = docx.Document(a / "manuscript.docx").core_properties
    assert core.created.year == 2000 and core.modified.year == 2000
    with zipfile.ZipFile(a / "manuscript.docx") as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    pdf = (a / "manuscript.pdf").read_bytes()
    assert pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page\n") + pdf.count(
        b"/Type /Page ") >= 2


def test_index_links_the_manuscript_and_checklists(two_reports):
    a, _, _ = two_reports
    page = (a / "index.html").read_text()
    for name in ("manuscript.docx", "manuscript.pdf", "checklists.md"):
        assert f'href="{name}"' in page
    owned = (a / ".glute_study_files").read_text().splitlines()
    assert {"manuscript.docx", "manuscript.pdf", "checklists.md"} <= set(owned)


HOSTILE = "<b>Bold</b> & 'quotes' \x00\x07\x1b[2J" + " x" * 3 + " " + "W" * 400


def _hostile_report(tmp_path, *, png: bool = True, wide: bool = False):
    out = tmp_path / "rep"
    (out / "figures").mkdir(parents=True)
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    save_figure(fig, out / "figures" / "01_fig", width="double", formats=("png",))
    plt.close(fig)
    if not png:
        (out / "figures" / "01_fig.png").unlink()
    import pandas as pd

    columns = {f"column_{k}": [1.5, 2.25] for k in range(14 if wide else 2)}
    apa = apa_table(pd.DataFrame({"term": [HOSTILE, "b"], **columns}))
    entries = [
        {"name": "tab", "kind": "table", "caption": HOSTILE, "note": HOSTILE, "text": HOSTILE,
         "methods": HOSTILE, "files": ["tables/01_tab.csv"],
         "apa": {"columns": list(apa.columns), "rows": [list(r) for r in apa.itertuples(
             index=False)]}},
        {"name": "fig", "kind": "figure", "caption": HOSTILE, "note": "", "text": "",
         "methods": "", "files": ["figures/01_fig.png"]},
    ]
    rep = NotebookReport("01_hostile", HOSTILE, entries=entries,
                         warnings=[{"category": "FitWarning", "message": HOSTILE}])
    return out, rep


def test_typed_text_goes_in_as_text(tmp_path):
    out, rep = _hostile_report(tmp_path)
    paths = write_manuscript([rep], out, title=HOSTILE, data=HOSTILE, software=HOSTILE)
    assert [p.name for p in paths] == ["manuscript.docx", "manuscript.pdf"]
    shown = HOSTILE.replace("\x00", "").replace("\x07", "").replace("\x1b", "")
    document = docx.Document(paths[0])
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == shown  # the title
    assert texts.count(shown) >= 5  # data, methods, software, the result, the table's title
    assert document.tables[0].rows[1].cells[0].text == shown
    assert "Model-fit warning: " + " ".join(shown.split()) in texts
    with zipfile.ZipFile(paths[0]) as zf:
        xml = zf.read("word/document.xml").decode("utf-8")
        core = zf.read("docProps/core.xml").decode("utf-8")
    assert "<b>Bold" not in xml and "&lt;b&gt;Bold&lt;/b&gt; &amp; 'quotes'" in xml
    assert "\x1b" not in xml and "\x07" not in xml
    assert "&lt;b&gt;Bold" in core  # the title property, cut to Word's 255 characters
    assert paths[1].read_bytes().startswith(b"%PDF")


def test_wide_tables_go_on_a_landscape_page_and_a_missing_png_is_said(tmp_path):
    out, rep = _hostile_report(tmp_path, png=False, wide=True)
    write_manuscript([rep], out, title="Wide", data="d", software="s")
    document = docx.Document(out / "manuscript.docx")
    orientations = [s.orientation for s in document.sections]
    assert orientations[:3] == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    landscape = document.sections[1]
    assert landscape.page_width.mm == pytest.approx(297, abs=0.1)
    assert "(The figure's PNG file is missing from the report.)" in [
        p.text for p in document.paragraphs]
    assert len(document.inline_shapes) == 0


def test_an_unchanged_manuscript_is_not_built_again(tmp_path):
    out, rep = _hostile_report(tmp_path)
    cache = out / "_cache" / "keys" / "manuscript.json"
    kw = {"title": "T", "data": "d", "software": "s", "cache": cache, "code": "c1"}
    docx_path, pdf_path = write_manuscript([rep], out, **kw)
    first = cache.read_text()
    stamp = {p: p.stat().st_mtime_ns for p in (docx_path, pdf_path)}
    write_manuscript([rep], out, **kw)  # the same blocks, figures and code: nothing written
    assert {p: p.stat().st_mtime_ns for p in stamp} == stamp and cache.read_text() == first
    for change in ({"data": "other data"}, {"code": "c2"}):  # text or code: written again
        write_manuscript([rep], out, **{**kw, **change})
        assert cache.read_text() != first
        write_manuscript([rep], out, **kw)
        assert cache.read_text() == first
    pdf_path.write_bytes(b"edited")  # a changed file is rewritten, not trusted
    write_manuscript([rep], out, **kw)
    assert pdf_path.read_bytes().startswith(b"%PDF")
    png = next((out / "figures").glob("*.png"))
    png.write_bytes(png.read_bytes() + b"\0")  # a figure's bytes are part of the key
    write_manuscript([rep], out, **kw)
    assert cache.read_text() != first


def test_the_pdf_built_in_a_worker_is_the_same(tmp_path):
    from glute_study.report.runner import _start_fork_server

    _start_fork_server()  # the report's fork server (its environment), as a report run has it
    out, rep = _hostile_report(tmp_path)
    kw = {"title": "T", "data": "d", "software": "s"}
    here = [p.read_bytes() for p in write_manuscript([rep], out, **kw)]
    there = [p.read_bytes() for p in write_manuscript([rep], out, parallel=True, **kw)]
    assert here == there


def test_a_table_wider_than_a_landscape_page_is_split_into_parts(tmp_path):
    # 04_count_model_choice printed 18 columns, 398 mm at the manuscript's width rule: it ran
    # off even a landscape page (247 mm). Split by columns, each part repeats the term.
    import pandas as pd

    from glute_study.report.manuscript import _TEXT_LANDSCAPE_MM, table_width_mm

    out = tmp_path / "rep"
    out.mkdir()
    apa = apa_table(pd.DataFrame({"term": ["Age (per year)", "Sex"],
                                  **{f"measure_{k}": [1.5, 2.25] for k in range(40)}}))
    assert table_width_mm(tuple(apa.columns), tuple(map(tuple, apa.to_numpy()))) > 2 * 247
    entry = {"name": "tab", "kind": "table", "caption": "Many measures", "note": "The note.",
             "text": "", "methods": "", "files": ["tables/01_tab.csv"],
             "apa": {"columns": list(apa.columns), "rows": [list(r) for r in apa.itertuples(
                 index=False)]}}
    rep = NotebookReport("01_wide", "01 Wide", entries=[entry])
    write_manuscript([rep], out, title="Wide", data="d", software="s")
    document = docx.Document(out / "manuscript.docx")
    body = _body(document)
    heads = [t for t in body if t.startswith("Table 1.1")]
    assert heads[0] == "Table 1.1" and len(heads) >= 3
    assert set(heads[1:]) == {"Table 1.1 (continued)"}
    assert body[body.index("Table 1.1") + 1] == "Many measures"  # the title once, above
    shown = []
    for grid in document.tables:
        cells = [[c.text for c in r.cells] for r in grid.rows]
        assert cells[0][0] == "Term" and [r[0] for r in cells[1:]] == ["Age (per year)", "Sex"]
        assert table_width_mm(tuple(cells[0]), tuple(map(tuple, cells[1:]))) <= \
            _TEXT_LANDSCAPE_MM
        shown += cells[0][1:]
    assert shown == list(apa.columns)[1:]  # every column once, in order
    assert [t for t in body if t.startswith("Note.")] == ["Note. The note."]  # below the last
    assert body.index("Note. The note.") > body.index(f"<table {len(document.tables) - 1}>")
    assert all(s.orientation == WD_ORIENT.LANDSCAPE for s in document.sections[1:])
