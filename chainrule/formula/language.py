"""What a formula may contain: the functions, the binary operators, and the size limits."""

from __future__ import annotations

import ast
import math
from collections.abc import Callable

from chainrule.engine import Value
from chainrule.engine import functions as fn

MAX_LENGTH = 2000  # characters; a formula typed on a command line is far shorter
MAX_DEPTH = 200  # nested operations (a flat chain a + b - c is one level); nothing recurses on it
MAX_EXPONENT = 1000  # |k| in x ** k

FUNCTIONS: dict[str, tuple[Callable[..., Value], int]] = {
    "exp": (fn.exp, 1), "log": (fn.log, 1), "tanh": (fn.tanh, 1), "sigmoid": (fn.sigmoid, 1),
    "relu": (fn.relu, 1), "sin": (fn.sin, 1), "cos": (fn.cos, 1), "abs": (fn.abs, 1),
    "max": (fn.maximum, 2),
}
"""Function name in a formula -> (chainrule function, number of arguments)."""

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
