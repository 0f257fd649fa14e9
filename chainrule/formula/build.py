"""A checked formula, and building its graph from Values with chainrule's own operators."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass

from chainrule.engine import Constant, Value
from chainrule.formula.errors import FormulaError, finite
from chainrule.formula.language import BINARY, FUNCTIONS


@dataclass(frozen=True)
class Formula:
    """A checked formula: its text, syntax tree and variable names (in order of first appearance).

    Made by :func:`~chainrule.formula.parse_formula`, which has checked ``tree`` against the whitelist.

    >>> from chainrule.formula import parse_formula
    >>> f = parse_formula("x * y + x")
    >>> f.variables
    ('x', 'y')
    >>> f.evaluate({"x": 2.0, "y": 3.0}).data
    8.0
    """

    text: str
    tree: ast.expr
    variables: tuple[str, ...]

    def build(self, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
        """Make one labelled leaf per variable and build the graph: ``(root, {name: leaf})``.

        Every variable needs a value and every value must be used (FormulaError otherwise).
        Math errors (``log(-1)``, division by zero) propagate as chainrule.DomainError.

        >>> from chainrule.formula import parse_formula
        >>> root, leaves = parse_formula("x ** 2").build({"x": 3})
        >>> root.data, leaves["x"].label
        (9.0, 'x')
        """
        missing = [name for name in self.variables if name not in values]
        if missing:
            raise FormulaError(f"no value given for {missing[0]} (add {missing[0]}=NUMBER)")
        unused = [name for name in values if name not in self.variables]
        if unused:
            raise FormulaError(f"{unused[0]} is given a value but the formula does not use it")
        leaves = {name: Value(finite(values[name], name), label=name) for name in self.variables}
        return self.evaluate(leaves), leaves

    def __call__(self, *inputs: Value | float) -> Value:
        """The formula as a function of its variables, in order of appearance (for gradcheck).

        >>> from chainrule.formula import parse_formula
        >>> parse_formula("a / b")(6.0, 3.0).data
        2.0
        """
        if len(inputs) != len(self.variables):
            raise TypeError(f"{self.text!r} takes {len(self.variables)} input(s) "
                            f"{self.variables}, got {len(inputs)}")
        return self.evaluate(dict(zip(self.variables, inputs)))

    def evaluate(self, inputs: Mapping[str, Value | float]) -> Value:
        """Build the graph from the given Values (or numbers) for the variables; return the root.

        >>> from chainrule.formula import parse_formula
        >>> parse_formula("max(a, 2) - -1").evaluate({"a": 5.0}).data
        6.0
        """
        root = _evaluate(self.tree, inputs)
        return root if isinstance(root, Value) else Constant(root)


def _evaluate(node: ast.expr, inputs: Mapping[str, Value | float]) -> Value:
    """The graph of a checked tree (at most MAX_DEPTH deep, so recursion is safe)."""
    if isinstance(node, ast.Constant):
        return Constant(float(node.value))
    if isinstance(node, ast.Name):
        return inputs[node.id]
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.operand, ast.Constant) and isinstance(node.op, ast.USub):
            return Constant(-float(node.operand.value))  # -2 is a number, not neg(2)
        operand = _evaluate(node.operand, inputs)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.Call):
        function = FUNCTIONS[node.func.id][0]  # type: ignore[attr-defined]
        return function(*(_evaluate(arg, inputs) for arg in node.args))
    assert isinstance(node, ast.BinOp), f"unchecked formula node {type(node).__name__}"
    base = _evaluate(node.left, inputs)
    if isinstance(node.op, ast.Pow):
        return base ** _signed_number(node.right)
    return BINARY[type(node.op)](base, _evaluate(node.right, inputs))


def _signed_number(node: ast.expr) -> float:
    """The value of a checked exponent: a number literal under any unary minus and plus signs."""
    if isinstance(node, ast.UnaryOp):
        k = _signed_number(node.operand)
        return -k if isinstance(node.op, ast.USub) else k
    return float(node.value)  # type: ignore[attr-defined]
