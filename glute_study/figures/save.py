"""Save one figure the way journals want it, identically every time.

:func:`save_figure` writes SVG, PDF, PNG (300 dpi) and TIFF (300 dpi, LZW) at a journal column
width, with every font at least 7 pt, and with no creation dates, software stamps or random ids
in the files, so that the same figure gives the same bytes on every run.

It works out the layout once (the first format's), draws the raster once (the TIFF holds the
pixels of the PNG), and embeds the PDF's fonts without their OpenType layout tables (GSUB, GPOS,
GDEF): the PDF places glyphs that matplotlib has already laid out, so a viewer never reads them,
and decompiling them to subset them was most of the time a PDF figure took. A figure whose text
is all of common characters (:data:`_COMMON_TEXT`) embeds one subset of each font to those
characters, made once per process.
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import string
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import fontTools.subset
import matplotlib as mpl
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends import _backend_pdf_ps
from matplotlib.figure import Figure

from .._checks import check_one_of
from .._files import make_folder, write_files
from ..errors import InputError
from ._theme import DOUBLE_COLUMN_MM, MIN_FONT_PT, SINGLE_COLUMN_MM

__all__ = ["FIGURE_FORMATS", "figure_bytes", "save_figure"]

#: The file types :func:`save_figure` writes, in order.
FIGURE_FORMATS = ("svg", "pdf", "png", "tiff")

_WIDTHS = {"single": SINGLE_COLUMN_MM, "double": DOUBLE_COLUMN_MM}

# Entries that would otherwise embed the date or the software version in each file.
_METADATA = {
    "svg": {"Date": None, "Creator": None},
    "pdf": {"CreationDate": None, "ModDate": None, "Creator": None, "Producer": None},
    "png": {"Software": None},
}

_RC = {"svg.hashsalt": "glute_study", "svg.fonttype": "none", "pdf.fonttype": 42}

# matplotlib names clip paths, markers and hatches by a hash of their full-precision geometry:
# the last bit of a float that the file prints rounded can differ between machines and give
# another id for the same drawing.
_SVG_ID = re.compile(rb'id="((?:p|m|h|C\d+_\d+_)[0-9a-f]{10})"')


def _stable_svg_ids(svg: bytes) -> bytes:
    """Rename matplotlib's hashed SVG ids to numbers in order of appearance.

    Examples
    --------
    >>> _stable_svg_ids(b'<clipPath id="p1a2b3c4d5e"/><g clip-path="url(#p1a2b3c4d5e)"/>')
    b'<clipPath id="gs1"/><g clip-path="url(#gs1)"/>'
    """
    seen: dict[bytes, bytes] = {}
    for found in _SVG_ID.finditer(svg):
        seen.setdefault(found.group(1), b"gs%d" % (len(seen) + 1))
    for old, new in seen.items():
        svg = svg.replace(old, new)
    return svg


class _LeanSubset:
    """:mod:`fontTools.subset`, whose options also drop the OpenType layout tables."""

    def __getattr__(self, name: str):
        return getattr(fontTools.subset, name)

    @staticmethod
    def Options(**kwargs) -> fontTools.subset.Options:
        options = fontTools.subset.Options(**kwargs)
        options.drop_tables += ["GSUB", "GPOS", "GDEF"]
        return options


#: Text most figures draw: its glyphs are embedded in every PDF figure (a few kB more), so that
#: one subset of each font serves every figure a process saves.
_COMMON_TEXT = (string.ascii_letters + string.digits + string.punctuation + " "
                "\u00b0\u00b1\u00d7\u00b5\u2013\u2014\u2018\u2019\u201c\u201d\u2026"
                "\u2212\u2264\u2265\u2248\u00b7\u03b1\u03b2\u03b8\u03bc\u03c7")

# (font file, face) -> (the glyphs of its common subset, the subset's bytes, its glyph map)
_SUBSETS: dict[tuple[str, int], tuple[frozenset[int], bytes, dict[int, int]]] = {}


def _common_subset(fontfile: Any, glyphs: Any, *, subset: Callable) -> Any:
    """What matplotlib's ``get_glyphs_subset`` returns (the subset font and the map of its
    glyph indices): for glyphs all of :data:`_COMMON_TEXT`, the one subset of the font to its
    glyphs, made once and kept (subsetting a font for each figure was most of the time its PDF
    took); for others, a subset of their own, as matplotlib makes it. Which a figure gets does
    not depend on the figures saved before it, so its bytes do not either."""
    from fontTools.ttLib import TTFont
    from matplotlib.font_manager import get_font

    key = (str(fontfile), getattr(fontfile, "face_index", 0))
    if key not in _SUBSETS:
        font = get_font(fontfile)
        common = frozenset({font.get_char_index(ord(c)) for c in _COMMON_TEXT} - {0})
        with subset(fontfile, common) as made:
            data = _backend_pdf_ps.font_as_file(made.font).getvalue()
            _SUBSETS[key] = (common, data, dict(made.glyph_index_map))
    common, data, index_map = _SUBSETS[key]
    if not set(glyphs) <= common:
        return subset(fontfile, glyphs)
    # (recalcTimestamp off: saved again, the font would otherwise take the time of day)
    font = TTFont(io.BytesIO(data), recalcTimestamp=False)
    return _backend_pdf_ps.SubsetResults(font, dict(index_map))._as_cm()


@contextlib.contextmanager
def _lean_pdf_fonts() -> Iterator[None]:
    """Inside the block, matplotlib's PDF backend subsets fonts through :class:`_LeanSubset`,
    once per font (:func:`_common_subset`)."""
    saved = getattr(_backend_pdf_ps, "subset", None)
    original = getattr(_backend_pdf_ps, "get_glyphs_subset", None)
    if saved is not fontTools.subset or not hasattr(_backend_pdf_ps, "SubsetResults"):
        yield  # another matplotlib than the one this was written for: its own subsets
        return
    _backend_pdf_ps.subset = _LeanSubset()
    _backend_pdf_ps.get_glyphs_subset = functools.partial(_common_subset, subset=original)
    try:
        yield
    finally:
        _backend_pdf_ps.subset = saved
        _backend_pdf_ps.get_glyphs_subset = original



@contextlib.contextmanager
def _laid_out_once(fig: Figure) -> Iterator:
    """Yield a function that keeps the figure's layout as it was last drawn: the later formats
    are drawn without a layout engine, so matplotlib neither works the (constrained) layout out
    again nor draws the figure once more, unrendered, to do so. Its engine is back after."""
    engine = fig.get_layout_engine()

    def freeze() -> None:
        if engine is not None:
            with mpl.rc_context({"figure.autolayout": False,
                                 "figure.constrained_layout.use": False}):
                fig.set_layout_engine(None)  # (with these settings: no engine at all)

    try:
        yield freeze
    finally:
        if engine is not None:
            fig.set_layout_engine(engine)


def _tiff_from_png(png: bytes, dpi: int) -> bytes:
    """The TIFF (LZW) of the pixels of ``png``: what matplotlib writes for a TIFF figure,
    without drawing the figure again."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        rgba = np.asarray(image.convert("RGBA"))
    buffer = io.BytesIO()
    mpl.image.imsave(buffer, rgba, format="tiff", dpi=dpi,
                     pil_kwargs={"compression": "tiff_lzw"})
    return buffer.getvalue()


def _width_mm(width: str | float) -> float:
    if isinstance(width, str):
        check_one_of("width", width, list(_WIDTHS))
        return _WIDTHS[width]
    if isinstance(width, bool) or not isinstance(width, int | float) or not 20 <= width <= 250:
        raise InputError(
            f"`width` must be 'single' (85 mm), 'double' (174 mm) or a width in mm between 20 "
            f"and 250; got {width!r}."
        )
    return float(width)


def _raise_small_fonts(fig: Figure, min_pt: float) -> int:
    """Set every visible text smaller than ``min_pt`` to ``min_pt``; return how many changed."""
    changed = 0
    for text in fig.findobj(mpl.text.Text):
        if text.get_visible() and text.get_text() and text.get_fontsize() < min_pt:
            text.set_fontsize(min_pt)
            changed += 1
    return changed


def save_figure(
    fig: Figure | Axes,
    path_stem: str | Path,
    *,
    width: str | float = "single",
    dpi: int = 300,
    formats: tuple[str, ...] = FIGURE_FORMATS,
) -> list[Path]:
    """Write ``fig`` as SVG, PDF, PNG and TIFF at a journal width, byte-reproducibly.

    The figure is resized to ``width`` (its aspect ratio is kept), any visible text smaller than
    7 pt is enlarged to 7 pt, and dates, software stamps and random element ids are left out of
    the files, so that saving the same figure twice gives identical bytes.

    Parameters
    ----------
    fig : matplotlib.figure.Figure or matplotlib.axes.Axes
        The figure, or any Axes on it (as the plot functions return).
    path_stem : str or Path
        File path without extension; ``figures/cramp_rates`` writes ``figures/cramp_rates.svg``,
        ``.pdf``, ``.png`` and ``.tiff``. Missing folders are created.
    width : {'single', 'double'} or float
        ``'single'`` column (85 mm), ``'double'`` column (174 mm), or a width in millimetres.
    dpi : int
        Resolution of the PNG and TIFF files (300 by default, as most journals ask).
    formats : tuple of str
        Subset of ``('svg', 'pdf', 'png', 'tiff')`` to write.

    Returns
    -------
    list of Path
        The files written, in the order of ``formats``.

    Examples
    --------
    >>> import tempfile, matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.plot([0, 1], [0, 1])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = save_figure(fig, f"{tmp}/line", width="single")
    ...     [p.name for p in paths]
    ['line.svg', 'line.pdf', 'line.png', 'line.tiff']
    >>> round(fig.get_figwidth() * 25.4)
    85
    >>> plt.close(fig)
    """
    if isinstance(fig, Axes):
        fig = fig.figure
    if not isinstance(fig, Figure):
        raise InputError(
            f"`fig` must be a matplotlib Figure or Axes; got {type(fig).__name__}. "
            "Pass the Axes a plot function returned, or `ax.figure`."
        )
    formats = tuple(formats)
    for fmt in formats:
        check_one_of("formats", fmt, FIGURE_FORMATS)
    if isinstance(dpi, bool) or not isinstance(dpi, int) or dpi < 72:
        raise InputError(f"`dpi` must be a whole number of at least 72; got {dpi!r}.")

    width_in = _width_mm(width) / 25.4
    old_w, old_h = fig.get_size_inches()
    fig.set_size_inches(width_in, width_in * old_h / old_w)
    _raise_small_fonts(fig, MIN_FONT_PT)

    stem = Path(path_stem)
    drawn = figure_bytes(fig, formats=formats, dpi=dpi)
    contents = {stem.with_name(stem.name + "." + fmt): data for fmt, data in drawn.items()}
    make_folder(stem.parent)
    return write_files(contents)  # every format, or (a full disk) none


def figure_bytes(fig: Figure, *, formats: tuple[str, ...] = FIGURE_FORMATS,
                 dpi: int = 300) -> dict[str, bytes]:
    """The bytes of ``fig`` in each of ``formats``, in that order, as :func:`save_figure`
    writes them (it checks the arguments and sizes the figure first); nothing is written.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> list(figure_bytes(fig, formats=("png", "svg")))
    ['png', 'svg']
    >>> plt.close(fig)
    """
    drawn: dict[str, bytes] = {}
    with mpl.rc_context(_RC), _lean_pdf_fonts(), _laid_out_once(fig) as freeze:
        for fmt in ("svg", "pdf", "png"):
            if fmt in formats or (fmt == "png" and "tiff" in formats):
                kwargs: dict = {"format": fmt, "metadata": _METADATA[fmt]}
                if fmt == "png":
                    kwargs["dpi"] = dpi
                buffer = io.BytesIO()
                fig.savefig(buffer, **kwargs)
                drawn[fmt] = buffer.getvalue()
                freeze()
    if "svg" in drawn:
        drawn["svg"] = _stable_svg_ids(drawn["svg"])
    if "tiff" in formats:
        drawn["tiff"] = _tiff_from_png(drawn["png"], dpi)
    return {fmt: drawn[fmt] for fmt in formats}
