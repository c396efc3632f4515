"""Everything a person typed reads as typed in every output, and never becomes markup or script.

Hostile strings go into every text column of every table (participant_id, sport, arm, task,
session_id, terms, levels...), into captions, notes and sentences, into file, folder and study
names. Each output is read back the way its reader would read it: HTML with the standard
library's parser (no script element, no event-handler attribute, no script link, the text
shown equals the text typed), Markdown rendered by mistune and parsed the same way (and table
rows keep their cells), LaTeX by a tokenizer that refuses an unescaped special character,
Word by python-docx, figures by their artists. The last test runs the trial and survival
notebooks (06, 07) on a hostile study: their pages are where a typed <script> once ran.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import docx
import matplotlib.pyplot as plt
import mistune
import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

from glute_study import simulate_study
from glute_study._escape import (
    docx_text,
    figure_text,
    html_href,
    html_text,
    latex_text,
    markdown_cell,
    markdown_link,
    markdown_text,
    printable,
)
from glute_study.io.qc import qc_report, render_qc
from glute_study.report.tables import apa_html, save_table
from glute_study.report.writers import (
    NotebookReport,
    write_index,
    write_matrix_index,
    write_methods,
    write_results,
)
from glute_study.stats import Result
from glute_study.summary import summary_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "\"quoted\" & 'single'",
    "| pipe | table",
    "*bold* _it_ [link](javascript:alert(1))",
    "`tick` ``two`` ```three```",
    "# heading",
    r"\textbf{x} $x$ 50% #1 a_b {c} ~ ^",
    "line one\nline two\r\n\n- item\n1. first\n> quote\n    code",
    "nul\x00 bell\x07 vt\x0b ff\x0c esc\x1b del\x7f c1\x85 tab\tend",
    "عربي עברית \u202eevil\u202c 🦵💪",
    "$\\frac$ $$x$$ \\(y\\)",
    "&amp; &#60; &lt;b&gt; <!-- c --> <![CDATA[x]]>",
    "http://evil.example/x www.evil.example <https://evil.example> ![i](x.png)",
    "\\ \\\\ trailing\\",
    "[ref]: javascript:alert(1) [^1] ~~strike~~ ===",
    "---",
    "<a href='javascript:alert(1)'>click</a> <svg onload=alert(1)>",
    "{}[1, 2]*",
]

#: File and folder names must be valid on disk: the hostile strings without '/' and NUL.
HOSTILE_NAMES = ["<img src=x onerror=alert(1)>", "50% #1 $x$ {c} ~ ^ & 'q' [a](b) `t`",
                 "عربي 🦵 | pipe", "javascript:alert(1)", "a b#c?d=e"]


def _shown(text: str) -> str:
    """What an output that keeps text on one line shows of ``text``."""
    return " ".join(printable(text).split())


# --- readers ---------------------------------------------------------------------------------

class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str]] = []
        self.scripts: list[str] = []
        self.text: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(k, v or "") for k, v in attrs]
        self._in_script = tag == "script"

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs += [(k, v or "") for k, v in attrs]

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        (self.scripts if self._in_script else self.text).append(data)


#: Elements that run or embed code; none may come from what was typed.
_ACTIVE = {"script", "iframe", "object", "embed", "svg", "math", "base", "form", "frame"}


def _read_html(page: str, *, own_scripts: bool = False) -> _Page:
    """Parse ``page``; fail on a script, event handler or script link that came from typing.

    ``own_scripts``: the page has scripts and embedded images of its own (nbconvert's); then
    none of its scripts and event handlers may hold what was typed.
    """
    parsed = _Page()
    parsed.feed(page)
    parsed.close()
    links = [v.strip().lower() for k, v in parsed.attrs if k in ("href", "src", "action")]
    if own_scripts:
        assert not [s for s in parsed.scripts if "alert(" in s]
        assert not [(k, v) for k, v in parsed.attrs if k.startswith("on") and "alert" in v]
        assert not [v for v in links if v.startswith(("javascript:", "vbscript:"))]
    else:
        assert not _ACTIVE & set(parsed.tags), _ACTIVE & set(parsed.tags)
        assert not [k for k, _ in parsed.attrs if k.startswith("on")]
        assert not [v for v in links if urlsplit(v).scheme in ("javascript", "vbscript", "data")]
    return parsed


def _text_of(page: str, **kwargs) -> str:
    return " ".join("".join(_read_html(page, **kwargs).text).split())


_GFM = mistune.create_markdown(escape=False, plugins=["strikethrough", "footnotes", "table",
                                                      "url"])


def _markdown_page(md: str) -> _Page:
    """Markdown as a GitHub-flavoured renderer shows it, raw HTML let through, then parsed."""
    return _read_html(_GFM(md))


_TEX_ESCAPE = re.compile(r"\\textbackslash\{\}|\\textasciitilde\{\}|\\textasciicircum\{\}"
                         r"|\\textbar\{\}|\\[&%$#_{}]|\$<\$|\$>\$")
_TEX_PLAIN = {r"\textbackslash{}": "\\", r"\textasciitilde{}": "~", r"\textasciicircum{}": "^",
              r"\textbar{}": "|", "$<$": "<", "$>$": ">"}


def _untex(cell: str) -> str:
    """Read LaTeX cell text back to plain text; fail on any special character left unescaped."""
    out, i = [], 0
    while i < len(cell):
        m = _TEX_ESCAPE.match(cell, i)
        if m:
            out.append(_TEX_PLAIN.get(m.group(), m.group()[-1]))
            i = m.end()
            continue
        assert cell[i] not in "\\&%$#_{}~^<>|", f"unescaped {cell[i]!r} in {cell!r}"
        out.append(cell[i])
        i += 1
    return "".join(out)


def _tex_cells(row: str) -> list[str]:
    """The cells of one tabular row ``a & b \\\\`` (an escaped ``\\&`` is not a separator)."""
    row = row.removeprefix("{}").removesuffix(r" \\")
    return row.split(" & ")


# --- one format at a time --------------------------------------------------------------------

@pytest.mark.parametrize("typed", HOSTILE)
def test_html_text_and_attribute_read_as_typed(typed):
    page = _read_html(f'<p title="{html_text(typed)}">{html_text(typed)}</p>')
    assert page.tags == ["p"]
    assert "".join(page.text) == printable(typed)
    assert page.attrs == [("title", printable(typed))]


@pytest.mark.parametrize("typed", HOSTILE + HOSTILE_NAMES)
def test_href_names_the_file_and_no_other_kind_of_link(typed):
    href = html_href(typed)
    page = _read_html(f'<a href="{href}">x</a>')
    value = dict(page.attrs)["href"]
    parts = urlsplit(value)
    assert (parts.scheme, parts.netloc, parts.query, parts.fragment) == ("", "", "", "")
    assert unquote(value) == printable(typed)


@pytest.mark.parametrize("typed", HOSTILE)
def test_markdown_paragraph_shows_the_text_as_typed(typed):
    page = _markdown_page(markdown_text(typed))
    assert set(page.tags) <= {"p"}, page.tags  # no heading, list, code, link, emphasis, HTML
    assert " ".join("".join(page.text).split()) == _shown(typed)


@pytest.mark.parametrize("typed", HOSTILE)
def test_markdown_table_cell_keeps_the_row_and_the_text(typed):
    md = "| a | b |\n|---|---|\n" + f"| {markdown_cell(typed)} | {markdown_cell(typed)} |\n"
    page = _markdown_page(md)
    assert set(page.tags) <= {"table", "thead", "tbody", "tr", "th", "td"}, page.tags
    assert page.tags.count("td") == 2
    cells = [c.strip() for c in "".join(page.text).split("\n") if c.strip()]
    assert cells[2:] == [_shown(typed)] * 2


@pytest.mark.parametrize("typed", HOSTILE + HOSTILE_NAMES)
def test_markdown_link_links_the_file(typed):
    target = "tables/" + typed
    page = _markdown_page(markdown_link(target, target))
    assert page.tags == ["p", "a"]
    assert unquote(dict(page.attrs)["href"]) == printable(target)
    assert "".join(page.text).strip() == _shown(target)


@pytest.mark.parametrize("typed", HOSTILE)
def test_latex_escapes_every_special_character(typed):
    assert _untex(latex_text(typed)) == _shown(typed)


@pytest.mark.parametrize("typed", HOSTILE)
def test_word_takes_every_string(typed):
    document = docx.Document()
    document.add_paragraph().add_run(docx_text(typed))
    raw = io.BytesIO()
    document.save(raw)
    text = docx.Document(io.BytesIO(raw.getvalue())).paragraphs[0].text
    assert text == printable(typed)


# --- the outputs -----------------------------------------------------------------------------

def _hostile_result() -> Result:
    table = pd.DataFrame({"term": HOSTILE, "estimate": 1.5, "ci_low": 1.0, "ci_high": 2.0,
                          "p_value": 0.02, "level": HOSTILE[::-1]})
    return Result(table, " ".join(HOSTILE), name=HOSTILE[0] + HOSTILE[1])


def test_result_html_escapes_name_text_and_table():
    res = _hostile_result()
    page = _read_html(res._repr_html_())
    shown = " ".join("".join(page.text).split())
    for typed in (res.name, res.text, *HOSTILE):
        assert _shown(typed) in shown
    assert page.tags.count("tr") == len(HOSTILE) + 1
    assert page.attrs[0] == ("class", "tex2jax_ignore")  # the notebook's MathJax skips it


def test_tables_a_notebook_displays_are_kept_from_mathjax():
    from glute_study.report import start

    with pd.option_context("display.html.use_mathjax", True):
        start("", notebook="06_trial")
        page = pd.DataFrame({"arm": [HOSTILE[7]]})._repr_html_()
    assert 'class="dataframe tex2jax_ignore"' in page
    assert _shown(HOSTILE[7]) in _text_of(page)


def test_apa_html_table_escapes_every_cell():
    page = _read_html(apa_html(_hostile_result()))
    assert page.tags.count("tr") == len(HOSTILE) + 1
    text = " ".join("".join(page.text).split())
    for typed in HOSTILE:
        assert _shown(typed) in text


#: The free-text columns of the codebook tables, and a few that results carry.
TEXT_COLUMNS = ("participant_id", "sport", "arm", "level", "task", "muscle", "session_id",
                "term")


def _hostile_table() -> pd.DataFrame:
    k = len(HOSTILE)
    data = {c: [HOSTILE[(i + j) % k] for i in range(k)] for j, c in enumerate(TEXT_COLUMNS)}
    return pd.DataFrame({**data, "estimate": np.linspace(0.5, 2, k), "ci_low": 0.4,
                         "ci_high": 2.5, "p_value": 0.0004, "n": 12})


@pytest.mark.parametrize("stem", HOSTILE_NAMES)
def test_latex_word_and_csv_tables_with_hostile_cells_and_names(tmp_path, stem):
    table = _hostile_table()
    caption, note = HOSTILE[4] + " " + HOSTILE[7], HOSTILE[8] + HOSTILE[9]
    csv, tex, word = save_table(table, tmp_path / stem, caption=caption, note=note,
                                number=HOSTILE[7])
    assert csv.name == stem + ".csv"
    # the CSV is data: every value as typed (the reader's NA rules aside)
    back = pd.read_csv(csv, keep_default_na=False, dtype=str)
    assert back["participant_id"].tolist()[:4] == table["participant_id"].tolist()[:4]
    # LaTeX: the \label key is plain, every row has its cells, every cell escaped
    lines = tex.read_text(encoding="utf-8").splitlines()
    label = next(line for line in lines if line.startswith(r"\label"))
    assert re.fullmatch(r"\\label\{tab:[A-Za-z0-9_.:-]+\}", label)
    caption_line = next(line for line in lines if line.startswith(r"\caption{"))
    assert _untex(caption_line.removeprefix(r"\caption{")[:-1]) == _shown(caption)
    start = lines.index(r"\midrule") + 1
    rows = lines[start:lines.index(r"\bottomrule")]
    assert len(rows) == len(table)
    for row, typed in zip(rows, table.itertuples(index=False)):
        cells = _tex_cells(row)
        assert len(cells) == len(TEXT_COLUMNS) + 4  # and Estimate, 95 % CI, p, n
        assert [_untex(c) for c in cells[:len(TEXT_COLUMNS)]] == [
            _shown(v) for v in typed[:len(TEXT_COLUMNS)]]
    note_line = next(line for line in lines if "Note." in line)
    body = note_line.split(r"\textit{Note.} ", 1)[1][:-1]
    assert _untex(body) == _shown(note)
    # Word: opens, and holds the text (control characters dropped)
    document = docx.Document(word)
    grid = [[c.text for c in r.cells] for r in document.tables[0].rows]
    assert grid[1][:len(TEXT_COLUMNS)] == [printable(v) for v in table.iloc[0, :8]]
    texts = [p.text for p in document.paragraphs]
    assert printable(caption) in texts and "Note. " + printable(note) in texts
    assert "Table " + printable(HOSTILE[7]) in texts


def _qc_inputs():
    ids = [f"{h} {i}" for i, h in enumerate(HOSTILE)]
    files = pd.DataFrame({"participant_id": ids, "source": HOSTILE[::-1],
                          "file": [f"{h}.csv" for h in HOSTILE], "warning": HOSTILE})
    rules = pd.DataFrame({"source": HOSTILE[:3], "rule": HOSTILE[3:6]})
    return qc_report({}, files=files), rules


def _table_rows(md: str) -> list[str]:
    return [line for line in md.splitlines() if line.startswith("|")]


def _pipes(line: str) -> int:
    return line.count("|")


def _check_markdown_tables(md: str) -> None:
    """No raw HTML comes through; every row of each table has the cells of its header."""
    assert "<script" not in md and "<img" not in md
    blocks = re.split(r"\n(?!\|)", md)
    for block in blocks:
        rows = _table_rows(block)
        if rows:
            assert len({_pipes(r) for r in rows}) == 1, rows
    _markdown_page(md)


def test_qc_report_markdown_and_html(tmp_path):
    qc, rules = _qc_inputs()
    title = HOSTILE[0] + HOSTILE[6]
    md = render_qc(qc, title=title, rules=rules)
    _check_markdown_tables(md)
    assert len(_table_rows(md)) == len(qc) + 2
    page = _markdown_page(md)
    assert page.tags.count("h1") == 1 and "h2" in page.tags  # # title and ## Rules used only
    text = " ".join("".join(page.text).split())
    for i, typed in enumerate(HOSTILE):
        assert _shown(f"{typed} {i}") in text and _shown(f"{typed}.csv: {typed}") in text
    html = render_qc(qc, format="html", title=title, rules=rules)
    shown = _text_of(html)
    assert _shown(title) in shown
    for typed in HOSTILE:
        assert _shown(f"{typed}.csv: {typed}") in shown


def test_summary_markdown_with_a_hostile_study_name_and_reasons():
    study = simulate_study(n=20, seed=1)
    study.metadata["name"] = HOSTILE[0] + " " + HOSTILE[8]
    md = summary_markdown(study)
    first = md.splitlines()[0]
    assert first == "# Study summary: " + markdown_cell(study.metadata["name"])
    _check_markdown_tables(md)
    page = _markdown_page(md)
    assert page.tags.count("h1") == 1


def _reports(stem: str = "06_trial") -> list[NotebookReport]:
    entries = [
        {"name": "rates", "kind": "result", "caption": HOSTILE[4], "methods": HOSTILE[7],
         "note": HOSTILE[1], "text": "\n".join(HOSTILE),
         "files": [f"tables/{stem}_{h}.csv" for h in HOSTILE_NAMES[:1]],
         "html": apa_html(_hostile_result())},
        {"name": "plot", "kind": "figure", "caption": HOSTILE[0], "methods": HOSTILE[8],
         "note": "", "text": "", "files": [f"figures/{HOSTILE_NAMES[0]}.svg"], "html": ""},
        {"name": "words", "kind": "text", "caption": "", "methods": "", "note": "",
         "text": HOSTILE[9] + HOSTILE[6], "files": [], "html": ""},
    ]
    marker = {"output_type": "display_data", "data": {
        "application/vnd.glute-study.record+json": {"name": "rates"}}, "metadata": {}}
    computed = {"output_type": "display_data", "metadata": {},
                "data": {"text/markdown": "\n".join(HOSTILE)}}
    error = {"output_type": "error", "ename": HOSTILE[0], "evalue": HOSTILE[1], "traceback": []}
    cells = [{"cell_type": "markdown", "source": "# 06 Trial", "metadata": {}},
             {"cell_type": "code", "source": HOSTILE[0], "metadata": {},
              "outputs": [marker, computed, error]}]
    return [NotebookReport(stem=stem, title="06 Trial", entries=entries, cells=cells)]


@pytest.mark.parametrize("stem", ["06_trial", "06_" + HOSTILE_NAMES[0]])
def test_results_methods_and_index_pages(tmp_path, stem):
    reports = _reports(stem)
    results = write_results(reports, tmp_path / "results.md").read_text(encoding="utf-8")
    _check_markdown_tables(results)
    page = _markdown_page(results)
    assert set(page.tags) <= {"h1", "h2", "p", "em", "a"}, page.tags
    assert [unquote(v) for k, v in page.attrs if k == "href"] == [
        f"tables/{stem}_{HOSTILE_NAMES[0]}.csv", f"figures/{HOSTILE_NAMES[0]}.svg"]
    shown = " ".join("".join(page.text).split())
    for typed in HOSTILE:
        assert _shown(typed) in shown
    methods = write_methods(reports, tmp_path / "methods.md", data=HOSTILE_NAMES[1],
                            software=HOSTILE[2]).read_text(encoding="utf-8")
    page = _markdown_page(methods)
    assert set(page.tags) <= {"h1", "h2", "h3", "p"}, page.tags
    shown = " ".join("".join(page.text).split())
    assert _shown(HOSTILE_NAMES[1]) in shown and _shown(HOSTILE[7]) in shown
    index = write_index(reports, tmp_path / "index.html", title=HOSTILE[0],
                        summary=HOSTILE[1]).read_text(encoding="utf-8")
    page = _read_html(index)
    shown = " ".join("".join(page.text).split())
    for typed in HOSTILE:
        assert _shown(typed) in shown
    assert ("alt", printable(HOSTILE[0])) in page.attrs


def test_matrix_index_links_each_folder_whatever_its_name(tmp_path):
    folders = [(name, typed) for name, typed in zip(HOSTILE_NAMES, HOSTILE)]
    page = _read_html(write_matrix_index(folders, tmp_path / "index.html",
                                         title=HOSTILE[0]).read_text(encoding="utf-8"))
    hrefs = [unquote(v) for k, v in page.attrs if k == "href"]
    assert hrefs == [f"{name}/index.html" for name in HOSTILE_NAMES]
    shown = " ".join("".join(page.text).split())
    for typed in HOSTILE[:len(HOSTILE_NAMES)]:
        assert _shown(typed) in shown


# --- figures ---------------------------------------------------------------------------------

def _drawn(ax) -> list[Text]:
    """Draw the figure as SVG (it must be XML) and PDF; return its text artists."""
    fig = ax.figure
    svg = io.BytesIO()
    fig.savefig(svg, format="svg")
    ET.fromstring(svg.getvalue())
    fig.savefig(io.BytesIO(), format="pdf")
    texts = [t for t in fig.findobj(Text) if t.get_text()]
    plt.close(fig)
    return texts


def _assert_shows(texts: list[Text], typed: list[str]) -> None:
    shown = [t._preprocess_math(t.get_text()) for t in texts]
    assert all(math is False for _, math in shown)  # no mathtext, no TeX
    strings = [s for s, _ in shown]
    for value in typed:
        assert any(figure_text(value) in s for s in strings), (value, strings)


#: Labels that a figure can show (a label starting "_" is hidden from legends by matplotlib).
FIGURE_LABELS = [h for h in HOSTILE if not h.startswith("_")]

def _ignore_missing_glyphs(test):
    """Emoji are not in DejaVu Sans, and long labels squeeze the axes: both only warn."""
    test = pytest.mark.filterwarnings("ignore:Glyph .* missing from font")(test)
    return pytest.mark.filterwarnings("ignore:constrained_layout not applied")(test)


def _groups(k: int = 3) -> list[str]:
    return FIGURE_LABELS[:k]


@_ignore_missing_glyphs
@pytest.mark.parametrize("start", range(0, len(FIGURE_LABELS), 3))
def test_rate_forest_and_trial_plots_show_typed_groups(start):
    from glute_study.figures import forest_plot, rates_plot, trial_plot
    from glute_study.stats.incidence import incidence
    from glute_study.stats.trial import trial_effect

    groups = (FIGURE_LABELS * 2)[start:start + 3]
    rng = np.random.default_rng(1)
    data = pd.DataFrame({"arm": np.repeat(groups, 20), "cramps": rng.poisson(2, 60),
                         "exposure_h": rng.uniform(50, 150, 60),
                         "pre": rng.normal(2.5, 0.4, 60)})
    data["post"] = data["pre"] + rng.normal(0.1, 0.2, 60)
    _assert_shows(_drawn(rates_plot(incidence(data, events="cramps", exposure="exposure_h",
                                              group="arm"))), groups)
    terms = pd.DataFrame({"term": groups, "estimate": [1.2, 0.8, 1.5], "ci_low": 0.5,
                          "ci_high": 2.5, "p_value": 0.3})
    _assert_shows(_drawn(forest_plot(terms)), groups)
    _assert_shows(_drawn(trial_plot(trial_effect(data, outcome="post", baseline="pre"))),
                  groups)


@_ignore_missing_glyphs
def test_survival_and_agreement_plots_show_typed_groups_and_columns():
    from glute_study.figures import bland_altman_plot, km_plot
    from glute_study.stats.reliability import bland_altman
    from glute_study.stats.survival import kaplan_meier

    rng = np.random.default_rng(2)
    groups = FIGURE_LABELS[:4]
    time_col, event_col = HOSTILE[7], HOSTILE[11]
    data = pd.DataFrame({"group": np.repeat(groups, 15), time_col: rng.uniform(1, 100, 60),
                         event_col: rng.integers(0, 2, 60)})
    ax = km_plot(kaplan_meier(data, time=time_col, event=event_col, group="group"))
    _assert_shows(_drawn(ax), [*groups, time_col])
    x, y = HOSTILE[11], HOSTILE[0]
    pairs = pd.DataFrame({x: rng.normal(100, 10, 20)})
    pairs[y] = pairs[x] + rng.normal(1, 3, 20)
    _assert_shows(_drawn(bland_altman_plot(bland_altman(pairs, x=x, y=y))), [x, y])


@_ignore_missing_glyphs
def test_the_theme_draws_later_text_without_mathtext():
    from glute_study.figures import get_ax

    ax = get_ax()
    ax.scatter([1, 2], [1, 2], label=HOSTILE[11])
    ax.legend()
    ax.set_title(HOSTILE[7])
    _assert_shows(_drawn(ax), [HOSTILE[11], HOSTILE[7]])


# --- the whole report, on a hostile study -----------------------------------------------------

def _hostile_study(folder: Path) -> Path:
    """A simulated study with hostile text in every free-text column and in its name."""
    study = simulate_study(n=80, seed=2)
    typed = [h for h in HOSTILE if printable(h) == h and "\n" not in h]  # what a CSV cell holds
    ids = {p: f"{typed[i % len(typed)]} {i}"
           for i, p in enumerate(study.participants["participant_id"])}
    for name in ("participants", "sitting", "strength", "activation", "exposure", "cramps"):
        table = getattr(study, name)
        table["participant_id"] = table["participant_id"].map(ids)
    study.participants["arm"] = study.participants["arm"].map(
        {"control": HOSTILE[0], "glute_training": HOSTILE[4]})
    study.participants["sport"] = [typed[i % len(typed)] for i in range(len(ids))]
    study.activation["task"] = study.activation["task"] + " " + HOSTILE[7]
    for name in ("exposure", "cramps"):
        table = getattr(study, name)
        table["session_id"] = table["session_id"] + " " + HOSTILE[5]
    study.metadata["name"] = HOSTILE[1] + " " + HOSTILE[7]
    study.save(folder)
    return folder


def test_trial_and_survival_reports_of_a_hostile_study(tmp_path):
    from glute_study.report import runner

    study = _hostile_study(tmp_path / ("study " + HOSTILE_NAMES[0] + " " + HOSTILE_NAMES[1]))
    out = tmp_path / ("report " + HOSTILE_NAMES[1])
    runner.run_report(out, parameters={"study_dir": str(study)}, only=["06", "07"],
                      progress=False)
    arms = [HOSTILE[0], HOSTILE[4]]
    for name in ("06_trial.html", "07_time_to_cramp.html"):  # nbconvert's pages
        page = (out / name).read_text(encoding="utf-8")
        shown = _text_of(page, own_scripts=True)
        assert all(_shown(a) in shown for a in arms), name
    index = (out / "index.html").read_text(encoding="utf-8")
    shown = _text_of(index)
    # the title is the study's (hostile) name, the header names its (hostile) folder
    assert all(_shown(a) in shown for a in arms)
    assert _shown(HOSTILE[1] + " " + HOSTILE[7]) in shown and _shown(study.name) in shown
    for name in ("results.md", "methods.md"):
        md = (out / name).read_text(encoding="utf-8")
        _check_markdown_tables(md)
        text = " ".join("".join(_markdown_page(md).text).split())
        assert _shown(study.name) in text if name == "methods.md" else _shown(arms[0]) in text
    for tex in (out / "tables").glob("*.tex"):
        lines = tex.read_text(encoding="utf-8").splitlines()
        body = lines[lines.index(r"\midrule") + 1:lines.index(r"\bottomrule")]
        for row in body:
            for cell in _tex_cells(row):
                _untex(cell)
    for word in (out / "tables").glob("*.docx"):
        docx.Document(word)
    texts = " ".join(t.text or "" for svg in (out / "figures").glob("*.svg")
                     for t in ET.parse(svg).iter() if t.text)
    assert all(a in texts for a in arms)
