"""save_figure: four formats, journal widths, fonts of at least 7 pt, identical bytes."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from PIL import Image

from glute_study.errors import InputError
from glute_study.figures.save import save_figure


def _figure():
    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1, 2], [1, 3, 2], label="line")
    ax.set_title("small", fontsize=5)
    ax.legend()
    return fig


@pytest.mark.parametrize(("width", "mm"), [("single", 85), ("double", 174), (120, 120)])
def test_width_and_resolution(tmp_path, width, mm):
    fig = _figure()
    paths = save_figure(fig, tmp_path / "fig", width=width)
    assert [p.suffix for p in paths] == [".svg", ".pdf", ".png", ".tiff"]
    # 300 dpi: pixels = mm / 25.4 * 300 (rounded by matplotlib to whole pixels)
    for path in paths[2:]:
        with Image.open(path) as image:
            assert image.size[0] == pytest.approx(mm / 25.4 * 300, abs=1)
            assert image.info["dpi"][0] == pytest.approx(300, abs=0.01)
    # aspect kept: 4 x 3 in
    assert fig.get_figheight() / fig.get_figwidth() == pytest.approx(0.75)
    plt.close(fig)


def test_small_fonts_are_raised_to_seven_points(tmp_path):
    fig = _figure()
    save_figure(fig, tmp_path / "fig", formats=("svg",))
    assert fig.axes[0].title.get_fontsize() == 7
    plt.close(fig)


def test_same_figure_same_bytes(tmp_path):
    blobs = []
    for name in ("one", "two"):
        fig = _figure()
        paths = save_figure(fig, tmp_path / name / "fig")
        blobs.append([p.read_bytes() for p in paths])
        plt.close(fig)
    assert blobs[0] == blobs[1]
    assert b"CreationDate" not in blobs[0][1]
    assert b"<dc:date>" not in blobs[0][0]


def test_axes_are_accepted_and_bad_arguments_explained(tmp_path):
    fig = _figure()
    assert save_figure(fig.axes[0], tmp_path / "ax", formats=("png",))[0].is_file()
    with pytest.raises(InputError, match="`width` must be one of 'single', 'double'"):
        save_figure(fig, tmp_path / "x", width="triple")
    with pytest.raises(InputError, match="width in mm between 20 and 250; got 500"):
        save_figure(fig, tmp_path / "x", width=500)
    with pytest.raises(InputError, match="`formats` must be one of"):
        save_figure(fig, tmp_path / "x", formats=("jpg",))
    with pytest.raises(InputError, match="must be a matplotlib Figure or Axes; got str"):
        save_figure("figure", tmp_path / "x")
    plt.close(fig)


def test_svg_ids_do_not_hang_on_the_last_bit_of_a_float(tmp_path):
    # Two machines can place an axes a rounding error apart; the file prints the same
    # coordinates, and must carry the same clip-path ids too (matplotlib hashes the full floats).
    files = []
    for i, left in enumerate((0.125, 0.125 + 2**-45)):
        fig = plt.figure(figsize=(4, 3))
        ax = fig.add_axes((left, 0.1, 0.8, 0.8))
        ax.plot([0, 1, 2], [1, 3, 2], marker="o")
        files.append(save_figure(fig, tmp_path / f"fig{i}", formats=("svg",))[0].read_bytes())
        plt.close(fig)
    assert b'clip-path="url(#gs' in files[0]
    assert files[0] == files[1]


def test_the_tiff_holds_the_pixels_of_the_png_and_the_layout_engine_is_kept(tmp_path):
    import numpy as np

    fig, ax = plt.subplots(figsize=(4, 3), layout="constrained")
    ax.plot([0, 1, 2], [1, 3, 2])
    ax.set_xlabel("Device-measured sitting (h/day)")
    engine = fig.get_layout_engine()
    _, _, png, tiff = save_figure(fig, tmp_path / "fig")
    with Image.open(png) as a, Image.open(tiff) as b:
        assert np.array_equal(np.asarray(a.convert("RGBA")), np.asarray(b.convert("RGBA")))
        assert b.info["compression"] == "tiff_lzw"
    assert fig.get_layout_engine() is engine  # the figure lays itself out again when redrawn
    plt.close(fig)


def test_pdf_fonts_are_embedded_without_layout_tables(tmp_path):
    import io
    import re
    import zlib

    from fontTools.ttLib import TTFont

    fig = _figure()
    pdf = save_figure(fig, tmp_path / "fig", formats=("pdf",))[0].read_bytes()
    plt.close(fig)
    streams = re.findall(rb"/Length1 \d+.*?stream\r?\n(.*?)endstream", pdf, re.S)
    assert streams
    for data in streams:
        font = TTFont(io.BytesIO(zlib.decompress(data)))
        assert "glyf" in font and not {"GSUB", "GPOS", "GDEF"} & set(font.keys())


def test_a_pdf_figure_does_not_depend_on_the_figures_saved_before_it(tmp_path):
    from glute_study.figures import save

    def pdf(title: str, name: str) -> bytes:
        fig, ax = plt.subplots(figsize=(4, 3))
        ax.set_title(title, weight="bold")
        ax.set_xlabel("Device-measured sitting (h/day)")
        data = save_figure(fig, tmp_path / name, formats=("pdf",))[0].read_bytes()
        plt.close(fig)
        return data

    save._SUBSETS.clear()
    first = pdf("Hamstring cramps per 1000 h", "a")
    pdf("Omega \u03a9 and a check \u2713", "b")  # glyphs outside the common subset
    again = pdf("Hamstring cramps per 1000 h", "c")
    assert first == again
    assert len(save._SUBSETS) == 2  # regular and bold, each subset once


def test_a_pdf_figure_does_not_take_the_time_of_day(tmp_path, monkeypatch):
    import time

    from glute_study.figures import save

    save._SUBSETS.clear()
    fig = _figure()
    first = save_figure(fig, tmp_path / "a", formats=("pdf",))[0].read_bytes()
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 86400 * 400)  # a year and more later
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    later = save_figure(fig, tmp_path / "b", formats=("pdf",))[0].read_bytes()
    plt.close(fig)
    assert first == later
