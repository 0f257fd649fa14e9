"""What a formula may contain: the functions, the binary operators, and the size limits."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Mapping

from chainrule.engine import OPS, Op, Value

MAX_LENGTH = 2000  # characters; a formula typed on a command line is far shorter
MAX_DEPTH = 200  # nested operations (a flat chain a + b - c is one level); nothing recurses on it
MAX_EXPONENT = 1000  # |k| in x ** k

class _Functions(Mapping[str, tuple[Callable[..., Value], int]]):
    """The functions a formula may call, read from the op table on every use: each op with a
    function name, called by its op name (``max(a, b)`` applies ``chainrule.maximum``), so an op
    added to the table is callable in formulas at once.

    >>> FUNCTIONS["max"][1], "sqrt" in FUNCTIONS, "add" in FUNCTIONS
    (2, True, False)
    """

    def _table(self) -> dict[str, Op]:
        return {name: op for name, op in OPS.items() if op.function is not None and op.arity is not None}

    def __getitem__(self, name: str) -> tuple[Callable[..., Value], int]:
        op = self._table()[name]
        return op, op.arity  # type: ignore[return-value]  # an Op applies itself when called

    def __iter__(self) -> Iterator[str]:
        return iter(self._table())

    def __len__(self) -> int:
        return len(self._table())


FUNCTIONS: Mapping[str, tuple[Callable[..., Value], int]] = _Functions()
"""Function name in a formula -> (what applies it, number of arguments), from the op table."""

BINARY: dict[type[ast.operator], Callable[[Value, Value], Value]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
}
"""The binary operators besides ``**`` (whose exponent must be a constant)."""
