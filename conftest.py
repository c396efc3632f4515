"""Doctests run headless."""

import matplotlib

matplotlib.use("Agg")
