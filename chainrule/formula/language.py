"""What a formula may contain: the functions, the binary operators, and the size limits."""

from __future__ import annotations

import ast
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

BINARY: dict[type[ast.operator], Callable[[Value, Value], Value]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
}
"""The binary operators besides ``**`` (whose exponent must be a constant)."""
