"""Checking a formula's text against the whitelist: every refusal names its column and its text.

The tree from :func:`ast.parse` is walked iteratively, so a deep formula is refused before anything
recurses (a flat chain like x + x - ... + x counts as one level); only numbers, names, + - * / **
(the exponent a signed number literal), unary minus and plus, and calls of the known functions pass.
"""

from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable

from chainrule.formula.build import Formula
from chainrule.formula.errors import FormulaError
from chainrule.formula.language import (
    BINARY,
    CONSTANTS,
    FUNCTIONS,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_LENGTH,
    constant_value,
)

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


def parse_formula(text: str) -> Formula:
    """Parse and check ``text``; raise :class:`FormulaError` naming the first refused part.

    Pure: nothing is evaluated. Variables come out in order of first appearance.

    >>> parse_formula("sigmoid(a) * b ** -2").variables
    ('a', 'b')
    >>> parse_formula("2 ** t").variables  # a positive number to a variable power
    ('t',)
    >>> parse_formula("a ** b")
    Traceback (most recent call last):
    ...
    chainrule.formula.errors.FormulaError: column 6: the exponent of ** must be a number like 2 or -0.5, \
or the base a positive number like 2 (for a variable exponent write exp(b * log(a))): 'b'
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


def _syntax_error(text: str, indent: int, error: SyntaxError) -> FormulaError:
    if not text.strip():
        return FormulaError("the formula is empty")
    offset = error.offset or len(text) + 1  # Python reports 0 for "ran out of text"
    column = min(indent + offset, len(text) + 1)
    juxtaposed = _NUMBER_THEN_NAME.search(text)
    if juxtaposed:  # "2x + 1": Python says "invalid decimal literal"
        number, name = juxtaposed.groups()
        return FormulaError(f"invalid formula: write {number}*{name} to multiply", juxtaposed.start(1) + 1,
                            juxtaposed.group(0))
    return FormulaError(f"invalid formula: {error.msg}", column, text[column - 1:column + 19].strip())


# a number written against a name ("2x", "0.5sin"), not inside a name ("x2") or a number ("1e5")
_NUMBER_THEN_NAME = re.compile(r"(?<![\w.])(\d+(?:\.\d*)?)(?![eE][+-]?\d)([A-Za-z_]\w*)")


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
            raise refuse(f"formula is nested too deeply (more than {MAX_DEPTH} levels;"
                         " a chain like a + b - c + d is one level)")
        children = _children(node, refuse)
        if isinstance(node, ast.Name) and node.id not in CONSTANTS:
            names.setdefault(node.id)
        stack.extend((child, depth + (not _continues_chain(node, child))) for child in reversed(children))
    return tuple(names)


_CHAINS = {ast.Add: "sum", ast.Sub: "sum", ast.Mult: "product", ast.Div: "product"}


def _continues_chain(node: ast.AST, child: ast.AST) -> bool:
    """Whether ``child`` is more of the same flat chain as ``node``: the left side of a + b - c
    (or a * b / c), or a + (b + c) for the associative + and *. Such a chain counts as one level."""
    if not (isinstance(node, ast.BinOp) and isinstance(child, ast.BinOp)):
        return False
    if child is node.left:
        return _CHAINS.get(type(node.op), "") == _CHAINS.get(type(child.op))
    return type(node.op) is type(child.op) and type(node.op) in (ast.Add, ast.Mult)


def _children(node: ast.AST, refuse: Callable[..., FormulaError]) -> list[ast.expr]:
    """The sub-expressions of one allowed node; raise for anything off the whitelist."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        return _power_operands(node, refuse)
    if isinstance(node, ast.BinOp):
        if type(node.op) not in BINARY:
            hint = f": for a power write {_power_hint(node)}" if isinstance(node.op, ast.BitXor) else ""
            raise refuse(f"operator {_OPERATOR_SIGNS.get(type(node.op), '?')} is not allowed"
                         f" (only + - * / **){hint}")
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


def _power_operands(node: ast.BinOp, refuse: Callable[..., FormulaError]) -> list[ast.expr]:
    """``x ** k`` (k a constant number) or ``b ** x`` (b a constant number > 0): the variable side."""
    for part in (node.right, node.left):  # strings, booleans, ... are refused as such
        while isinstance(part, ast.UnaryOp):
            part = part.operand
        if isinstance(part, ast.Constant):
            _number(part, lambda message, _=None, part=part: refuse(message, part))
    k = constant_value(node.right)
    if k is not None:
        if abs(k) > MAX_EXPONENT:
            raise refuse(f"exponent is too large (the limit is {MAX_EXPONENT} in absolute value)", node.right)
        return [node.left]
    base = constant_value(node.left)
    variable = any(isinstance(part, ast.Name) and part.id not in CONSTANTS for part in ast.walk(node.right))
    if base is None or not variable:
        raise refuse("the exponent of ** must be a number like 2 or -0.5, or the base a positive number"
                     f" like 2 (for a variable exponent write {_power_hint(node)})", node.right)
    if not base > 0:
        raise refuse("the base of a variable power must be a number > 0 (b ** x is exp(x * log(b)))",
                     node.left)
    return [node.right]


def _power_hint(node: ast.BinOp) -> str:
    """``a ** b`` in the user's own names: ``x ** 2`` for ``x^2``, ``exp(y * log(x))`` for ``x ** y``."""
    base, exponent = ast.unparse(node.left), ast.unparse(node.right)
    if isinstance(node.op, ast.BitXor):
        return f"{_grouped(node.left, base, ast.expr)} ** {_grouped(node.right, exponent, ast.BinOp)}"
    return f"exp({_grouped(node.right, exponent, (ast.Add, ast.Sub))} * log({base}))"


def _grouped(node: ast.expr, text: str, looser: type | tuple[type, ...]) -> str:
    """``text`` in parentheses if ``node`` binds more loosely than where it goes."""
    simple = isinstance(node, (ast.Name, ast.Constant, ast.Call))
    op = getattr(node, "op", None)
    loose = not simple and (looser is ast.expr or isinstance(node, looser) or isinstance(op, looser))
    return f"({text})" if loose else text


def _column(source: str, node: ast.AST) -> int:
    """1-based character column (ast counts UTF-8 bytes)."""
    return len(source.encode()[:getattr(node, "col_offset", 0)].decode(errors="ignore")) + 1


def _segment(source: str, node: ast.AST) -> str:
    return " ".join((ast.get_source_segment(source, node) or "").split())
