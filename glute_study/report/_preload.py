"""Imported once by the fork server the report's workers start from, so that no notebook pays
for these imports again: each worker is a fork of a process that has them (see
:mod:`glute_study.report.executor`). Besides importing, it renders one empty notebook to HTML,
which compiles the exporter's templates for every worker.
"""

from __future__ import annotations

import IPython.core.interactiveshell
import IPython.display  # noqa: F401
import ipywidgets  # noqa: F401
import matplotlib
import matplotlib_inline.backend_inline  # noqa: F401
import nbformat
import numpy  # noqa: F401
import pandas  # noqa: F401
import pingouin  # noqa: F401
import scipy.stats  # noqa: F401
import seaborn  # noqa: F401
import statsmodels.api  # noqa: F401
from nbconvert import HTMLExporter

import glute_study.figures
import glute_study.report
import glute_study.simulate
import glute_study.stats
import glute_study.study  # noqa: F401

matplotlib.use("module://matplotlib_inline.backend_inline")
import matplotlib.pyplot

HTMLExporter().from_notebook_node(nbformat.v4.new_notebook(
    cells=[nbformat.v4.new_markdown_cell("warm-up"), nbformat.v4.new_code_cell("1")]))
