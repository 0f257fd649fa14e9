"""Formulas as text, checked against a whitelist and never evaluated by Python.

:func:`parse_formula` parses the text with :mod:`ast` and accepts only numbers, variable names,
``+ - * / **`` (the exponent a constant number), unary minus and plus, parentheses and the engine's
functions. :meth:`Formula.build` then builds the graph with chainrule's own operators, so no text is
ever handed to ``eval`` or ``exec``.

>>> formula = parse_formula("tanh(w*x + b)")
>>> formula.variables
('w', 'x', 'b')
>>> root, leaves = formula.build({"x": 2.0, "w": -3.0, "b": 6.88})
>>> root.backward()
>>> round(root.data, 4), round(leaves["x"].grad, 4)
(0.7064, -1.5029)
>>> parse_formula("x.__class__")
Traceback (most recent call last):
...
chainrule.formula.FormulaError: column 1: attribute access is not allowed in a formula: 'x.__class__'
"""

from __future__ import annotations

import ast
import keyword
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from chainrule.engine import Constant, Value
from chainrule.engine import functions as fn

MAX_LENGTH = 2000  # characters; a formula typed on a command line is far shorter
MAX_DEPTH = 200  # nested operations; evaluation recurses this deep at most
MAX_EXPONENT = 1000  # |k| in x ** k

FUNCTIONS: dict[str, tuple[Callable[..., Value], int]] = {
    "exp": (fn.exp, 1), "log": (fn.log, 1), "tanh": (fn.tanh, 1), "sigmoid": (fn.sigmoid, 1),
    "relu": (fn.relu, 1), "sin": (fn.sin, 1), "cos": (fn.cos, 1), "abs": (fn.abs, 1),
    "max": (fn.maximum, 2),
}
"""Function name in a formula -> (chainrule function, number of arguments)."""

_BINARY: dict[type, Callable[[Value, Value], Value]] = {
    ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b, ast.Div: lambda a, b: a / b,
}

_REFUSED = {  # what the user wrote, for the message "... not allowed in a formula"
    ast.Attribute: "attribute access is", ast.Subscript: "subscripts are", ast.Slice: "slices are",
    ast.Lambda: "lambda is", ast.ListComp: "comprehensions are", ast.SetComp: "comprehensions are",
    ast.DictComp: "comprehensions are", ast.GeneratorExp: "comprehensions are",
    ast.Compare: "comparisons are", ast.BoolOp: "boolean operators are",
    ast.IfExp: "conditional expressions are", ast.NamedExpr: "assignment expressions (:=) are",
    ast.JoinedStr: "f-strings are", ast.Starred: "starred arguments are", ast.Tuple: "tuples are",
    ast.List: "lists are", ast.Dict: "dicts are", ast.Set: "sets are", ast.Await: "await is",
    ast.Yield: "yield is", ast.YieldFrom: "yield is",
}


class FormulaError(ValueError):
    """A formula or variable value that chainrule refuses; ``column`` (1-based) says where.

    >>> error = FormulaError("unknown function 'open'", 1, "open")
    >>> str(error), error.column
    ("column 1: unknown function 'open': 'open'", 1)
    """

    def __init__(self, message: str, column: int | None = None, segment: str = "") -> None:
        self.message, self.column, self.segment = message, column, segment
        where = f"column {column}: " if column is not None else ""
        shown = segment if len(segment) <= 40 else segment[:37] + "..."
        super().__init__(f"{where}{message}" + (f": {shown!r}" if segment else ""))


@dataclass(frozen=True)
class Formula:
    """A validated formula: its text, checked syntax tree and variable names (in order of appearance).

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
        leaves = {name: Value(_finite(values[name], name), label=name) for name in self.variables}
        return self.evaluate(leaves), leaves

    def __call__(self, *inputs: Value | float) -> Value:
        """The formula as a function of its variables, in order of appearance (for gradcheck).

        >>> f = parse_formula("a / b")
        >>> f(6.0, 3.0).data
        2.0
        """
        if len(inputs) != len(self.variables):
            raise TypeError(f"{self.text!r} takes {len(self.variables)} input(s) "
                            f"{self.variables}, got {len(inputs)}")
        return self.evaluate(dict(zip(self.variables, inputs)))

    def evaluate(self, inputs: Mapping[str, Value | float]) -> Value:
        """Build the graph from the given Values (or numbers) for the variables; return the root.

        >>> parse_formula("max(a, 2) - -1").evaluate({"a": 5.0}).data
        6.0
        """
        root = _evaluate(self.tree, inputs)
        return root if isinstance(root, Value) else Constant(root)


def parse_formula(text: str) -> Formula:
    """Parse and check ``text``; raise :class:`FormulaError` naming the first refused part.

    Pure: nothing is evaluated. Variables come out in order of first appearance.

    >>> parse_formula("sigmoid(a) * b ** -2").variables
    ('a', 'b')
    >>> parse_formula("x ** y")
    Traceback (most recent call last):
    ...
    chainrule.formula.FormulaError: column 6: the exponent of ** must be a number like 2 or -0.5 \
(for a variable exponent write exp(y * log(x))): 'y'
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_formula needs a str, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula is too long: {len(text)} characters (the limit is {MAX_LENGTH})",
                           MAX_LENGTH + 1, text[MAX_LENGTH:MAX_LENGTH + 20])
    unprintable = next((i for i, char in enumerate(text) if not (char.isprintable() or char == "\t")), None)
    if unprintable is not None:
        raise FormulaError("a formula is one line of printable text", unprintable + 1,
                           text[unprintable])
    indent = len(text) - len(text.lstrip())  # ast refuses leading blanks as an indent
    try:
        tree = ast.parse(text[indent:], mode="eval").body
    except SyntaxError as error:
        raise _syntax_error(text, indent, error) from None
    except (RecursionError, MemoryError) as error:
        raise FormulaError(f"formula is too complex to parse ({type(error).__name__})") from None
    return Formula(text, tree, _check(tree, text, indent))


def parse_values(assignments: Iterable[str]) -> dict[str, float]:
    """Read ``NAME=NUMBER`` assignments (as typed after a formula on the command line).

    Refuses a missing ``=``, a name that is not an identifier or is a function name, a name given
    twice, and a value that is not a finite number.

    >>> parse_values(["x=2", "w = -3", "b=6.88"])
    {'x': 2.0, 'w': -3.0, 'b': 6.88}
    >>> parse_values(["x=abc"])
    Traceback (most recent call last):
    ...
    chainrule.formula.FormulaError: x=abc: 'abc' is not a number
    """
    values: dict[str, float] = {}
    for item in assignments:
        name, equals, number = (part.strip() for part in item.partition("="))
        if not equals:
            raise FormulaError(f"expected NAME=NUMBER, got {item!r}")
        if not name.isidentifier() or keyword.iskeyword(name):
            raise FormulaError(f"{item}: {name!r} is not a variable name")
        if name in FUNCTIONS:
            raise FormulaError(f"{item}: {name} is a function, not a variable")
        if name in values:
            raise FormulaError(f"{name} is given twice")
        try:
            value = float(number)
        except ValueError:
            raise FormulaError(f"{item}: {number!r} is not a number") from None
        values[name] = _finite(value, name)
    return values


def _syntax_error(text: str, indent: int, error: SyntaxError) -> FormulaError:
    if not text.strip():
        return FormulaError("the formula is empty")
    offset = error.offset or len(text) + 1  # Python reports 0 for "ran out of text"
    column = min(indent + offset, len(text) + 1)
    return FormulaError(f"invalid formula: {error.msg}", column, text[column - 1:column + 19].strip())


def _check(tree: ast.expr, text: str, indent: int) -> tuple[str, ...]:
    """Walk the tree iteratively (so depth is checked before any recursion); return variable names."""
    source = text[indent:]
    names: dict[str, None] = {}
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()

        def refuse(message: str, part: ast.AST = node) -> FormulaError:
            return FormulaError(message, indent + _column(source, part), _segment(source, part))

        if depth > MAX_DEPTH:
            raise refuse(f"formula is nested too deeply (more than {MAX_DEPTH} levels)")
        children = _children(node, refuse)
        if isinstance(node, ast.Name):
            names.setdefault(node.id)
        stack.extend((child, depth + 1) for child in reversed(children))
    return tuple(names)


def _children(node: ast.AST, refuse: Callable[..., FormulaError]) -> list[ast.expr]:
    """The sub-expressions of one allowed node; raise for anything off the whitelist."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        _exponent(node.right, refuse)
        return [node.left]
    if isinstance(node, ast.BinOp):
        if type(node.op) not in _BINARY:
            raise refuse(f"operator {_OPERATOR_SIGNS.get(type(node.op), '?')} is not allowed"
                         " (only + - * / **)")
        return [node.left, node.right]
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise refuse("only unary minus and plus are allowed")
        return [node.operand]
    if isinstance(node, ast.Call):
        return _call_arguments(node, refuse)
    if isinstance(node, ast.Name):
        if node.id in FUNCTIONS:
            raise refuse(f"{node.id} is a function: call it as {node.id}(...)")
        return []
    if isinstance(node, ast.Constant):
        _number(node, refuse)
        return []
    what = _REFUSED.get(type(node), f"{type(node).__name__} is")
    raise refuse(f"{what} not allowed in a formula")


_OPERATOR_SIGNS = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<",
                   ast.RShift: ">>", ast.BitOr: "|", ast.BitAnd: "&", ast.BitXor: "^"}


def _call_arguments(node: ast.Call, refuse: Callable[..., FormulaError]) -> list[ast.expr]:
    known = ", ".join(FUNCTIONS)
    if not isinstance(node.func, ast.Name):
        raise refuse(f"only the functions {known} can be called", node.func)
    name = node.func.id
    if name not in FUNCTIONS:
        raise refuse(f"unknown function {name!r} (known: {known})", node.func)
    if node.keywords:
        raise refuse("keyword arguments are not allowed", node.keywords[0])
    arity = FUNCTIONS[name][1]
    if len(node.args) != arity and not any(isinstance(a, ast.Starred) for a in node.args):
        raise refuse(f"{name} takes {arity} argument{'s' * (arity > 1)}, got {len(node.args)}")
    return list(node.args)


def _number(node: ast.Constant, refuse: Callable[..., FormulaError]) -> float:
    """The float of a number literal; strings, booleans, complex and None are refused."""
    value = node.value
    if isinstance(value, (str, bytes)):
        raise refuse("strings are not allowed in a formula")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise refuse(f"{value!r} is not a number")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise refuse("number is too large")
    return number


def _exponent(node: ast.expr, refuse: Callable[..., FormulaError]) -> float:
    """The constant k of ``x ** k``: a number literal, optionally signed, |k| <= MAX_EXPONENT."""
    sign, part = 1.0, node
    while isinstance(part, ast.UnaryOp) and isinstance(part.op, (ast.USub, ast.UAdd)):
        sign, part = (-sign if isinstance(part.op, ast.USub) else sign), part.operand
    if not isinstance(part, ast.Constant):
        raise refuse("the exponent of ** must be a number like 2 or -0.5"
                     " (for a variable exponent write exp(y * log(x)))", node)
    k = sign * _number(part, lambda message, _=None: refuse(message, node))
    if abs(k) > MAX_EXPONENT:
        raise refuse(f"exponent is too large (the limit is {MAX_EXPONENT} in absolute value)", node)
    return k


def _evaluate(node: ast.expr, inputs: Mapping[str, Value | float]) -> Value:
    """Build the graph for a checked tree (at most MAX_DEPTH deep, so recursion is safe)."""
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
    assert isinstance(node, ast.BinOp)
    base = _evaluate(node.left, inputs)
    if isinstance(node.op, ast.Pow):
        return base ** _exponent(node.right, _unreachable)
    return _BINARY[type(node.op)](base, _evaluate(node.right, inputs))


def _unreachable(message: str, part: object = None) -> FormulaError:
    raise AssertionError(f"checked formula refused on evaluation: {message}")


def _finite(value: float, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise FormulaError(f"{name} needs a finite number, got {value!r}")
    return float(value)


def _column(source: str, node: ast.AST) -> int:
    """1-based character column (ast counts UTF-8 bytes)."""
    return len(source.encode()[:getattr(node, "col_offset", 0)].decode(errors="ignore")) + 1


def _segment(source: str, node: ast.AST) -> str:
    return " ".join((ast.get_source_segment(source, node) or "").split())
