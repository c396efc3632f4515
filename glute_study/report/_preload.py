"""Imported once by the fork server the report's workers start from, so that no notebook pays
for these imports again: each worker is a fork of a process that has them (see
:mod:`glute_study.report.executor`). Besides importing, it renders one empty notebook to HTML,
which compiles the templates of the exporter every worker uses, and saves one small figure in each
format the report writes, as the report saves them, which loads the fonts and the backends
and makes the fonts' PDF subsets (0.3 s a worker otherwise), and one Word document.
Last, it opens the report's study (:func:`glute_study.report.data.preload_study`), which every
notebook would otherwise read, check and derive again.
"""

# ruff: noqa: E402 - the imports come after the lines that keep rfc3987_syntax out of nbformat

from __future__ import annotations

import os
import sys

# jsonschema (under nbformat) imports rfc3987_syntax, when it is installed, for IRI format
# checks that nbformat's schema never asks for; building its grammar takes about 0.9 s, a
# quarter of this whole preload. It is kept out while nbformat loads and importable after.
sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
try:
    import nbformat
finally:
    del sys.modules["rfc3987_syntax"]

import IPython.core.interactiveshell
import IPython.display  # noqa: F401
import ipywidgets  # noqa: F401
import matplotlib
import matplotlib_inline.backend_inline  # noqa: F401
import nbconvert  # noqa: F401
import numpy  # noqa: F401
import pandas  # noqa: F401
import scipy.stats  # noqa: F401
import seaborn  # noqa: F401
import statsmodels.api  # noqa: F401

import glute_study.figures
import glute_study.figures.save
import glute_study.report
import glute_study.report.data
import glute_study.report.runner
import glute_study.report.tables
import glute_study.simulate
import glute_study.stats
import glute_study.study

matplotlib.use("module://matplotlib_inline.backend_inline")
import matplotlib.pyplot

glute_study.report.runner.html_exporter().from_notebook_node(nbformat.v4.new_notebook(
    cells=[nbformat.v4.new_markdown_cell("warm-up"), nbformat.v4.new_code_cell("1")]))

with matplotlib.rc_context():  # the settings go back as they were: every worker starts clean
    glute_study.figures.set_theme()
    _figure, _axes = matplotlib.pyplot.subplots(figsize=(2, 1.5))
    _axes.plot([0, 1], [0, 1], label="warm-up")
    _axes.set_xlabel("x (h)")
    _axes.set_title("warm-up", weight="bold")  # both fonts: their PDF subsets are kept
    _axes.legend()
    glute_study.figures.save.figure_bytes(_figure)  # as the report saves figures; in memory
    matplotlib.pyplot.close(_figure)

# One Word table, in memory: python-docx reads its template's parts once for every worker.
glute_study.report.tables.docx_bytes(glute_study.report.tables.new_docx())

glute_study.report.data.preload_study(os.environ.get(glute_study.report.data.PRELOAD_ENV, "{}"))
