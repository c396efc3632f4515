"""Figures: one colour-blind-safe theme and plot functions that take ``ax=None`` and return it."""

from ._theme import PALETTE, get_ax, set_theme

__all__ = ["PALETTE", "get_ax", "set_theme"]
