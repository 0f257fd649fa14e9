"""A checked formula, and building its graph from Values with chainrule's own operators."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass

from chainrule.engine import Constant, Value
from chainrule.formula.errors import FormulaError, finite
from chainrule.formula.language import BINARY, CONSTANTS, FUNCTIONS, constant_value


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
            raise FormulaError(f"no value given for {', '.join(missing)} "
                               f"(add {' '.join(name + '=NUMBER' for name in missing)})")
        unused = [name for name in values if name not in self.variables]
        if unused:
            raise FormulaError(f"{unused[0]} is given a value but the formula does not use it")
        leaves = {name: Value(finite(values[name], name), label=name) for name in self.variables}
        return self.evaluate(leaves), leaves

    def build_named(self, values: Mapping[str, float], longest: int = 16) -> tuple[Value, dict[str, Value]]:
        """As :meth:`build`, each unlabelled intermediate node labelled by its sub-formula when that
        is at most ``longest`` characters (``w*x``), the root by the whole formula.

        >>> from chainrule.formula import parse_formula
        >>> root, _ = parse_formula("tanh(w*x + b)").build_named({"w": 2, "x": 1, "b": 0})
        >>> root.label, root.parents[0].label, root.parents[0].parents[0].label
        ('tanh(w*x + b)', 'w*x + b', 'w*x')
        """
        self.build(values)  # the checks, and their errors, as there
        texts: dict[Value, str] = {}
        leaves = {name: Value(finite(values[name], name), label=name) for name in self.variables}
        root = _evaluate(self.tree, leaves, (self.text, longest, texts))
        root = root if isinstance(root, Value) else Constant(root)
        for node, text in texts.items():
            if not node.label:
                node.label = text
        root.label = root.label or " ".join(self.text.split())
        return root, leaves

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


def _evaluate(tree: ast.expr, inputs: Mapping[str, Value | float],
              naming: tuple[str, int, dict[Value, str]] | None = None) -> Value | float:
    """The graph of a checked tree, built with an explicit stack (a long chain like x+x+...+x is
    as deep as it is long); operands are built left to right, each before its operation."""
    results: list[Value | float] = []
    todo: list[tuple[ast.expr, bool]] = [(tree, False)]
    while todo:
        node, operands_done = todo.pop()
        if operands_done:
            count = len(_operands(node))
            operands = results[len(results) - count:]
            del results[len(results) - count:]
            results.append(_apply(node, operands))
            if naming is not None and isinstance(results[-1], Value):
                _name(node, results[-1], *naming)
        elif isinstance(node, ast.Constant):
            results.append(Constant(float(node.value)))  # type: ignore[arg-type]  # checked: a number
        elif isinstance(node, ast.Name):
            if node.id in CONSTANTS:
                results.append(Constant(CONSTANTS[node.id], label=node.id))
            else:  # a plain number becomes a Constant: the same semantics as Values
                given = inputs[node.id]
                results.append(given if isinstance(given, Value) else Constant(given))  # type: ignore[arg-type]
        elif _is_negative_number(node):
            results.append(Constant(-float(node.operand.value)))  # type: ignore[attr-defined]
        else:
            todo.append((node, True))
            todo.extend((operand, False) for operand in reversed(_operands(node)))
    (root,) = results
    return root


def _name(node: ast.expr, value: Value, text: str, longest: int, texts: dict[Value, str]) -> None:
    """Remember ``node``'s source text for ``value`` when it is short (only its length is looked at first)."""
    start, end = node.col_offset, getattr(node, "end_col_offset", None)
    if node.lineno == getattr(node, "end_lineno", None) and end is not None and end - start <= longest:
        line = text.splitlines()[node.lineno - 1].encode("utf-8")  # ast counts offsets in UTF-8 bytes
        texts.setdefault(value, line[start:end].decode("utf-8"))


def _is_negative_number(node: ast.expr) -> bool:
    """-2 is a number, not neg(2)."""
    return (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant))


def _operands(node: ast.expr) -> list[ast.expr]:
    """The sub-expressions whose Values an operation needs (the exponent of ** is a number)."""
    if isinstance(node, ast.UnaryOp):
        return [node.operand]
    if isinstance(node, ast.Call):
        return list(node.args)
    assert isinstance(node, ast.BinOp), f"unchecked formula node {type(node).__name__}"
    if isinstance(node.op, ast.Pow):  # x ** k builds x; b ** x builds x (checked: one side is constant)
        return [node.left] if constant_value(node.right) is not None else [node.right]
    return [node.left, node.right]


def _apply(node: ast.expr, operands: list[Value | float]) -> Value | float:
    """One operation of the formula on the Values of its operands."""
    if isinstance(node, ast.UnaryOp):
        return -operands[0] if isinstance(node.op, ast.USub) else operands[0]
    if isinstance(node, ast.Call):
        return FUNCTIONS[node.func.id][0](*operands)  # type: ignore[attr-defined]
    assert isinstance(node, ast.BinOp)
    if isinstance(node.op, ast.Pow):
        k = constant_value(node.right)
        return operands[0] ** k if k is not None else constant_value(node.left) ** operands[0]
    return BINARY[type(node.op)](*operands)  # type: ignore[arg-type]  # a Value, or a number given as input
