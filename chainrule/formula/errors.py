"""The one error of the formula language: what was refused, and where."""

from __future__ import annotations

import math
from typing import Any


class FormulaError(ValueError):
    """A formula or variable value that chainrule refuses; ``column`` (1-based) says where.

    ``str()`` is one line: the column, the reason, and the offending part of the formula.

    >>> error = FormulaError("unknown function 'open'", 1, "open")
    >>> str(error), error.column
    ("column 1: unknown function 'open': 'open'", 1)
    """

    def __init__(self, message: str, column: int | None = None, segment: str = "") -> None:
        self.message, self.column, self.segment = message, column, segment
        where = f"column {column}: " if column is not None else ""
        shown = segment if len(segment) <= 40 else segment[:37] + "..."
        super().__init__(f"{where}{message}" + (f": {shown!r}" if segment else ""))


def finite(value: Any, name: str) -> float:
    """``value`` as a float, if it is a finite int or float; FormulaError naming ``name`` otherwise.

    >>> finite(2, "x")
    2.0
    >>> finite(float("inf"), "x")
    Traceback (most recent call last):
    ...
    chainrule.formula.errors.FormulaError: x needs a finite number, got inf
    """
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise FormulaError(f"{name} needs a finite number, got {value!r}")
    return float(value)
