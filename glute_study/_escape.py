"""One home for putting text a person typed into each output format, so that it reads as typed.

Tables and :class:`~glute_study.stats.Result` sentences stay plain text; these functions are
called where that text is put into a format:

* :func:`html_text` and :func:`html_href` for HTML (index pages, the QC page, notebook reprs);
* :func:`markdown_text`, :func:`markdown_cell` and :func:`markdown_link` for Markdown
  (``results.md``, ``methods.md``, ``summary.md``, ``qc_report.md``);
* :func:`latex_text` for LaTeX tables;
* :func:`docx_text` for Word (python-docx refuses characters XML cannot hold);
* :func:`pdf_text` for the paragraphs of a PDF (reportlab reads a small XML markup);
* :func:`figure_text` for text matplotlib draws (with mathtext off, so a ``$`` stays a ``$``);
* :func:`terminal_text` for what the command line prints (an escape sequence typed into an id
  must not recolour, clear or rewrite the terminal).

Every one of them first drops the characters no output can show (:func:`printable`): control
characters other than tab and newline, lone surrogates and the non-characters U+FFFE/U+FFFF.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

__all__ = [
    "docx_text",
    "figure_text",
    "html_href",
    "html_text",
    "latex_text",
    "markdown_cell",
    "markdown_link",
    "markdown_text",
    "pdf_text",
    "printable",
    "terminal_text",
]

#: Characters XML 1.0 cannot hold (and no output shows): C0 controls but tab, newline and
#: carriage return; DEL and the C1 controls; lone surrogates; U+FFFE and U+FFFF.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def printable(text: object) -> str:
    """``text`` as a string without control characters; line ends become ``\\n``.

    Tabs and newlines are kept (each format decides what they become).

    Examples
    --------
    >>> printable("a\\x00b\\x07c\\r\\nd\\te")
    'abc\\nd\\te'
    >>> printable(3.5)
    '3.5'
    """
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    return _UNPRINTABLE.sub("", text)


def html_text(text: object) -> str:
    """Text for HTML content or an attribute value: ``& < > " '`` escaped.

    Examples
    --------
    >>> html_text('<script>alert("x")</script> & \\'y\\'')
    '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;y&#x27;'
    """
    return html.escape(printable(text), quote=True)


def html_href(path: object) -> str:
    """A relative file path as the value of an ``href`` or ``src`` attribute.

    Every character that would make it another kind of link (``:`` of a ``javascript:``
    scheme, ``#``, ``?``, spaces...) is percent-encoded, so the link always names the file.

    Examples
    --------
    >>> html_href("tables/04_rates.csv")
    'tables/04_rates.csv'
    >>> html_href("javascript:alert(1)/index.html")
    'javascript%3Aalert%281%29/index.html'
    >>> html_href('a b#c"d')
    'a%20b%23c%22d'
    """
    return html.escape(quote(printable(path), safe="/"), quote=True)


_MD_ALWAYS = frozenset("\\`*[]~$")
#: A list item number: its ``.`` or ``)`` is escaped.
_MD_NUMBER = re.compile(r"\d{1,9}(?=[.)](?:[ \t]|$))")
#: Line starts that make a heading, list item, quote or heading underline: the first
#: character is escaped.
_MD_MARKER = re.compile(r"#{1,6}(?:[ \t]|$)|[-+](?:[ \t]|$)|>|=+[ \t]*$|-+[ \t]*$")


def _markdown_inline(text: str) -> str:
    out = []
    for i, c in enumerate(text):
        before = text[i - 1] if i else ""
        after = text[i + 1] if i + 1 < len(text) else ""
        if c in _MD_ALWAYS:
            out.append("\\" + c)
        elif c == "|":
            out.append("&#124;")  # an entity, not \|: a table row keeps its count of pipes
        elif c == "_" and not (before.isalnum() and after.isalnum()):
            out.append("\\_")  # inside a word (sitting_h_day) it is no emphasis
        elif c == "<" and re.match(r"[A-Za-z/!?]", after):
            out.append("&lt;")  # would open raw HTML or an autolink ('p < .001' stays)
        elif c == "&" and re.match(r"[A-Za-z0-9#]", after):
            out.append("\\&")  # would start an entity
        elif (c == ":" and text[i + 1:i + 3] == "//") or (
                c == "." and text[max(i - 3, 0):i].lower() == "www"
                and (i == 3 or (i > 3 and not text[i - 4].isalnum()))):
            out.append("\\" + c)  # would be linked (http://..., www....)
        else:
            out.append(c)
    return "".join(out)


def markdown_text(text: object) -> str:
    """Text for a Markdown paragraph, shown as typed: no emphasis, links, HTML or headings.

    Characters that change meaning anywhere (backslash, backtick, ``* [ ] ~ $``) are
    backslash-escaped; ``_`` except inside a word; ``&`` where it would start an entity;
    ``://`` and ``www.`` so that no address becomes a link. ``|`` becomes ``&#124;`` and ``<``,
    where it would open HTML, ``&lt;``: entities, so that a table row keeps its count of pipes
    and the file holds no ``<script`` at all. At the
    start of a line, heading, list, quote and rule markers are escaped too, and leading spaces
    (a code block) are dropped.

    Examples
    --------
    >>> print(markdown_text("*bold* _it_ [link](javascript:alert(1)) <b>x</b> sitting_h_day"))
    \\*bold\\* \\_it\\_ \\[link\\](javascript:alert(1)) &lt;b>x&lt;/b> sitting_h_day
    >>> print(markdown_text("p < .001\\n# heading\\n1. item\\n    code"))
    p < .001
    \\# heading
    1\\. item
    code
    """
    lines = []
    for line in printable(text).replace("\t", " ").split("\n"):
        line = _markdown_inline(line.lstrip())
        number = _MD_NUMBER.match(line)
        if number:
            line = line[: number.end()] + "\\" + line[number.end():]
        elif _MD_MARKER.match(line):
            line = "\\" + line
        lines.append(line)
    return "\n".join(lines)


def markdown_cell(text: object) -> str:
    """Text for one cell of a Markdown table: one line, ``|`` an entity, shown as typed.

    Examples
    --------
    >>> print(markdown_cell("| pipe | table\\nsecond *line*"))
    &#124; pipe &#124; table second \\*line\\*
    """
    return _markdown_inline(" ".join(printable(text).split()))


def markdown_link(text: object, target: object) -> str:
    """A Markdown link to a relative file: the text escaped, the target percent-encoded.

    Examples
    --------
    >>> print(markdown_link("tables/04_rates.csv", "tables/04_rates.csv"))
    [tables/04_rates.csv](tables/04_rates.csv)
    >>> print(markdown_link("a](x)", "javascript:alert(1)"))
    [a\\](x)](javascript%3Aalert%281%29)
    """
    return f"[{markdown_cell(text)}]({quote(printable(target), safe='/')})"


_LATEX = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": "$<$",  # the default OT1 font encoding prints < > | as other glyphs
    ">": "$>$",
    "|": r"\textbar{}",
}
_LATEX_SPECIAL = re.compile("[" + re.escape("".join(_LATEX)) + "]")


def latex_text(text: object) -> str:
    """Text for LaTeX, shown as typed: the ten special characters and ``< > |`` escaped.

    Line breaks and tabs become spaces (a blank line would end a table cell's paragraph).

    Examples
    --------
    >>> print(latex_text(r"\\textbf{x} $x$ 50% #1 a_b {c} & p < .001"))
    \\textbackslash{}textbf\\{x\\} \\$x\\$ 50\\% \\#1 a\\_b \\{c\\} \\& p $<$ .001
    >>> print(latex_text("~ ^ |"))
    \\textasciitilde{} \\textasciicircum{} \\textbar{}
    >>> print(latex_text("two\\n\\nlines"))
    two lines
    """
    text = " ".join(printable(text).split())
    return _LATEX_SPECIAL.sub(lambda m: _LATEX[m.group()], text)


def docx_text(text: object) -> str:
    """Text for python-docx: what XML cannot hold is dropped (python-docx raises on it).

    Examples
    --------
    >>> docx_text("a\\x00b\\x0bc <d> & e")
    'abc <d> & e'
    """
    return printable(text)


def pdf_text(text: object) -> str:
    """Text for a reportlab paragraph, shown as typed: ``& < >`` escaped (reportlab reads
    ``<b>``, ``<font>`` and ``<a>`` markup), tabs as spaces, line ends as ``<br/>``.

    Examples
    --------
    >>> print(pdf_text('<a href="x">p < .001 & more</a>\\nline\\x07'))
    &lt;a href="x"&gt;p &lt; .001 &amp; more&lt;/a&gt;<br/>line
    """
    text = printable(text).replace("\t", " ")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("\n", "<br/>")


def figure_text(text: object) -> str:
    """Text for matplotlib to draw: control characters dropped (an SVG cannot hold them).

    A typed ``$`` must not start mathtext either: the figures switch mathtext off for the text
    they draw (``parse_math=False``) rather than escaping it, so that the text an artist holds
    is the text that was typed. Matplotlib leaves out of a legend every label that starts with
    ``_`` (its mark for "not in the legend"): a typed one, such as an arm ``_control``, gets
    an invisible zero-width space before it, so that its group is in the legend as typed.

    Examples
    --------
    >>> figure_text("$x$ 50\\x00%\\tb")
    '$x$ 50% b'
    >>> figure_text("_control")
    '\\u200b_control'
    """
    text = printable(text).replace("\t", " ")
    return "\u200b" + text if text.startswith("_") else text


#: What a terminal acts on rather than shows: C0 controls but tab and newline (ESC starts the
#: sequences that move the cursor, clear the screen or set the window title), DEL, the C1
#: controls (U+009B is a one-character ESC [), the bidirectional overrides and isolates that
#: reorder what is shown, and lone surrogates (which no terminal encoding can write).
_TERMINAL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                       "\u2066-\u2069\ud800-\udfff]")


def terminal_text(text: object) -> str:
    """Text for a terminal, shown as typed: what a terminal would act on is written as an escape.

    Control characters (but tab and newline), bidirectional controls and lone surrogates become
    ``\\xNN`` or ``\\uNNNN``, so that a value typed with ``ESC [2J`` or a carriage return
    shows as text instead of clearing or rewriting the screen. A carriage return that starts
    the text is kept: it is how a progress bar redraws its line.

    Examples
    --------
    >>> print(terminal_text("P01\\x1b[2J\\x1b]0;owned\\x07 ok\\rP02 \\u202eabc"))
    P01\\x1b[2J\\x1b]0;owned\\x07 ok\\rP02 \\u202eabc
    >>> terminal_text("\\r 3/5 notebooks") == "\\r 3/5 notebooks"
    True
    """
    text = str(text)
    lead = "\r" if text.startswith("\r") else ""
    return lead + _TERMINAL.sub(_terminal_escape, text[len(lead):])


def _terminal_escape(match: re.Match) -> str:
    code = ord(match.group())
    if code == 13:
        return "\\r"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"
