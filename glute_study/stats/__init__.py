"""Statistical analyses of the sitting -> glute -> cramp chain, one module per family."""

from ._result import TABLE_COLUMNS, Result

__all__ = ["TABLE_COLUMNS", "Result"]
