"""What a formula may contain: the functions, the binary operators, and the size limits."""

from __future__ import annotations

import ast
import math
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

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}
"""Names that stand for a number in a formula (they are not variables and take no NAME=NUMBER)."""

BINARY: dict[type[ast.operator], Callable[[Value, Value], Value]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
}
"""The binary operators besides ``**`` (whose exponent must be a constant)."""


def constant_value(node: ast.expr) -> float | None:
    """The number a part of a formula stands for if it is constant: a number literal or a constant
    name (pi, e) under any unary minus and plus signs; None for anything else.

    >>> [constant_value(ast.parse(text, mode="eval").body) for text in ("-2", "-pi", "x", "-x")]
    [-2.0, -3.141592653589793, None, None]
    """
    sign = 1.0
    while isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        sign, node = (-sign if isinstance(node.op, ast.USub) else sign), node.operand
    if isinstance(node, ast.Name) and node.id in CONSTANTS:
        return sign * CONSTANTS[node.id]
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        try:
            return sign * float(node.value)
        except OverflowError:
            return sign * math.inf
    return None
