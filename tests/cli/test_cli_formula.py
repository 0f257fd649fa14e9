"""The formula language: what it accepts, how it builds graphs, and what it refuses (in-process)."""

from __future__ import annotations

import math

import pytest

import chainrule
from chainrule import Constant, DomainError, Value
from chainrule.formula import MAX_DEPTH, MAX_LENGTH, FormulaError, parse_formula, parse_values


@pytest.mark.parametrize(("text", "values", "expected"), [
    ("x", {"x": 2.0}, 2.0),
    ("2 * x + 1", {"x": 3.0}, 7.0),
    ("-x ** 2", {"x": 3.0}, -9.0),  # ** binds tighter than unary minus, as in Python
    ("(-x) ** 2", {"x": 3.0}, 9.0),
    ("+x - -y", {"x": 1.0, "y": 2.0}, 3.0),
    ("x / y / 2", {"x": 8.0, "y": 2.0}, 2.0),
    ("x ** -1", {"x": 4.0}, 0.25),
    ("x ** 0.5", {"x": 9.0}, 3.0),
    ("max(x, y) + max(1, y)", {"x": 1.0, "y": 2.0}, 4.0),
    ("exp(log(x)) + sin(0) + cos(0) + abs(-x) + relu(-x) + sigmoid(0) + tanh(0)", {"x": 2.0}, 5.5),
    ("1e-3 * x + 1_000", {"x": 1000.0}, 1001.0),
    ("  x\t* y ", {"x": 2.0, "y": 3.0}, 6.0),
])
def test_formulas_evaluate_like_python(text: str, values: dict[str, float], expected: float) -> None:
    root, leaves = parse_formula(text).build(values)
    assert root.data == pytest.approx(expected)
    assert set(leaves) == set(values)
    assert all(leaf.label == name for name, leaf in leaves.items())


def test_variables_are_listed_once_in_order_of_appearance() -> None:
    assert parse_formula("b * a + exp(c) * b - a").variables == ("b", "a", "c")
    assert parse_formula("2 + 3").variables == ()


def test_graph_matches_the_python_api() -> None:
    formula = parse_formula("tanh(w*x + b)")
    root, leaves = formula.build({"x": 2.0, "w": -3.0, "b": 6.88})
    root.backward()
    x, w, b = Value(2.0), Value(-3.0), Value(6.88)
    expected = chainrule.tanh(w * x + b)
    expected.backward()
    assert root.data == expected.data
    assert [leaves[n].grad for n in "xwb"] == [x.grad, w.grad, b.grad]
    assert [n.op.name for n in chainrule.topological_order(root) if n.op] == ["mul", "add", "tanh"]


def test_a_negative_literal_is_one_constant_not_a_negation() -> None:
    root, _ = parse_formula("-2 * x").build({"x": 1.0})
    constant = root.parents[0]
    assert isinstance(constant, Constant) and constant.data == -2.0 and constant.is_leaf


def test_a_repeated_variable_is_one_leaf_and_its_paths_sum() -> None:
    root, leaves = parse_formula("x * x + x").build({"x": 3.0})
    root.backward()
    assert leaves["x"].grad == 7.0


def test_a_constant_formula_still_builds_a_value() -> None:
    root, leaves = parse_formula("2 + 3").build({})
    assert isinstance(root, Value) and root.data == 5.0 and leaves == {}


def test_the_formula_is_a_function_of_its_variables_in_order() -> None:
    f = parse_formula("a - b")
    assert f(5.0, 2.0).data == 3.0
    with pytest.raises(TypeError, match="takes 2 input"):
        f(1.0)


@pytest.mark.parametrize(("values", "message"), [
    ({"x": 1.0}, "no value given for y"),
    ({"x": 1.0, "y": 2.0, "z": 3.0}, "z is given a value but the formula does not use it"),
    ({"x": math.inf, "y": 1.0}, "x needs a finite number"),
    ({"x": "1", "y": 1.0}, "x needs a finite number"),
])
def test_build_refuses_missing_unused_and_bad_values(values: dict, message: str) -> None:
    with pytest.raises(FormulaError, match=message):
        parse_formula("x + y").build(values)


def test_math_errors_are_domain_errors() -> None:
    with pytest.raises(DomainError, match="log"):
        parse_formula("log(x)").build({"x": -1.0})
    with pytest.raises(DomainError, match="division by zero"):
        parse_formula("1 / x").build({"x": 0.0})
    with pytest.raises(DomainError, match="pow"):
        parse_formula("x ** -1").build({"x": 0.0})


HOSTILE = {
    "__import__('os').system('touch pwned')": "only the functions",
    "().__class__": "attribute access",
    "x.__dict__": "attribute access",
    "open('f')": "unknown function 'open'",
    "exec('1')": "unknown function 'exec'",
    "eval": "",  # a harmless variable name: accepted by the parser (see below)
    "9**9**9": "exponent of \\*\\* must be a number",
    "x ** y": "exponent of \\*\\* must be a number",
    "x ** 1001": "exponent is too large",
    "x ** -1e5": "exponent is too large",
    "lambda: 1": "lambda",
    "[x for x in y]": "comprehensions",
    "(x for x in y)": "comprehensions",
    "'abc'": "strings",
    "b'abc'": "strings",
    "exp(x=1)": "keyword arguments",
    "(y := 2)": "assignment expressions",
    "f'{x}'": "f-strings",
    "exp(*x)": "starred",
    "x < y": "comparisons",
    "x and y": "boolean operators",
    "not x": "only unary minus and plus",
    "~x": "only unary minus and plus",
    "x if y else z": "conditional expressions",
    "x[0]": "subscripts",
    "x // y": "operator //",
    "x % y": "operator %",
    "x @ y": "operator @",
    "(x, y)": "tuples",
    "[x]": "lists",
    "{x}": "sets",
    "{x: 1}": "dicts",
    "True": "True is not a number",
    "None": "None is not a number",
    "1j": "1j is not a number",
    "...": "Ellipsis is not a number",
    "1e999": "number is too large",
    "9" * 400: "number is too large",
    "exp": "exp is a function",
    "exp(x, y)": "exp takes 1 argument, got 2",
    "max(x)": "max takes 2 arguments, got 1",
    "(x)(2)": "unknown function 'x'",
    "exp(x)(y)": "only the functions",
    "x = 1": "invalid syntax",
    "import os": "invalid syntax",
    "x; y": "invalid syntax",
    "x +": "invalid syntax",
    "exp(x": "never closed",
    "": "empty",
    "x\ny": "one line",
    "x\0": "one line",
    "(" * 10_000 + "x" + ")" * 10_000: "too long",
    "(" * 500 + "x" + ")" * 500: "too many nested parentheses",
    "-" * 1500 + "x": "nested too deeply",
    "-(" * 150 + "-" * 60 + "x" + ")" * 150: "nested too deeply",
    "x" * (MAX_LENGTH + 1): "too long",
}


@pytest.mark.parametrize("text", [t for t, m in HOSTILE.items() if m], ids=lambda t: repr(t[:30]))
def test_hostile_formulas_are_refused_with_a_one_line_message(text: str) -> None:
    with pytest.raises(FormulaError, match=HOSTILE[text]) as caught:
        parse_formula(text)
    assert "\n" not in str(caught.value) and len(str(caught.value)) < 300


def test_a_variable_named_like_a_builtin_is_just_a_name() -> None:
    root, leaves = parse_formula("eval * open").build({"eval": 2.0, "open": 3.0})
    assert root.data == 6.0 and leaves["eval"].label == "eval"


@pytest.mark.parametrize(("text", "column", "segment"), [
    ("x.__dict__", 1, "x.__dict__"),
    ("1 + exp(x).real", 5, "exp(x).real"),
    ("αβ + x.real", 6, "x.real"),  # columns count characters, not UTF-8 bytes
    ("   y.z", 4, "y.z"),  # leading blanks are allowed and counted
    ("x ** (1/2)", 7, "1/2"),
    ("x + open('f')", 5, "open"),
    ("x + ", 5, ""),
])
def test_errors_point_at_the_offending_part(text: str, column: int, segment: str) -> None:
    with pytest.raises(FormulaError) as caught:
        parse_formula(text)
    assert (caught.value.column, caught.value.segment) == (column, segment)
    assert f"column {column}" in str(caught.value)


def test_a_depth_within_the_limit_is_accepted() -> None:
    root, _ = parse_formula("-" * (MAX_DEPTH - 1) + "x").build({"x": 1.0})
    assert root.data == -1.0


LONG_CHAINS = {  # formula -> (value, gradient) at x=1; every chain is far longer than MAX_DEPTH
    "+".join(["x"] * 999): (999.0, 999.0),
    "x" + "-x+x" * 333: (1.0, 1.0),
    "*".join(["x"] * 999): (1.0, 999.0),
    "x" + "/x*x" * 333: (1.0, 1.0),
    "+".join(["x*x"] * 400): (400.0, 800.0),
    "+".join(["x"] * 300) + "+(" + "+".join(["x"] * 300) + ")": (600.0, 600.0),
}


@pytest.mark.parametrize("text", LONG_CHAINS, ids=lambda t: f"{t[:12]}... ({len(t)} chars)")
def test_a_flat_chain_longer_than_the_depth_limit_is_one_level(text: str) -> None:
    assert len(text) <= MAX_LENGTH and text.count("x") > MAX_DEPTH
    root, leaves = parse_formula(text).build({"x": 1.0})
    root.backward()
    assert (root.data, leaves["x"].grad) == pytest.approx(LONG_CHAINS[text])


def test_depth_still_counts_nesting_inside_a_chain() -> None:
    parse_formula("x + x + " + "-" * (MAX_DEPTH - 2) + "x")  # the chain is level 1
    with pytest.raises(FormulaError, match="nested too deeply") as caught:
        parse_formula("x + x + " + "-" * (MAX_DEPTH - 1) + "x")
    assert caught.value.segment == "x"


def test_an_exponent_under_many_signs_builds_without_recursion() -> None:
    root, _ = parse_formula("x ** " + "-" * 1991 + "2").build({"x": 2.0})  # an odd count: -2
    assert root.data == 0.25


def test_parsing_is_pure() -> None:
    formula = parse_formula("log(x)")  # fine to parse even though x=-1 would be a math error
    assert formula.variables == ("x",) and formula.text == "log(x)"
    with pytest.raises(TypeError, match="needs a str"):
        parse_formula(b"x")  # type: ignore[arg-type]


@pytest.mark.parametrize(("items", "message"), [
    (["x"], "expected NAME=NUMBER"),
    (["x=abc"], "'abc' is not a number"),
    (["x="], "'' is not a number"),
    (["=1"], "is not a variable name"),
    (["1x=1"], "'1x' is not a variable name"),
    (["if=1"], "'if' is not a variable name"),
    (["x.y=1"], "is not a variable name"),
    (["exp=1"], "exp is a function"),
    (["x=1", "x=2"], "x is given twice"),
    (["x=inf"], "x needs a finite number"),
    (["x=nan"], "x needs a finite number"),
    (["x=1e999"], "x needs a finite number"),
])
def test_bad_values_are_refused(items: list[str], message: str) -> None:
    with pytest.raises(FormulaError, match=message):
        parse_values(items)


def test_values_accept_python_number_syntax() -> None:
    assert parse_values(["x=2", "w = -3", "b=6.88e0", "c=1_000", "d=+.5"]) == {
        "x": 2.0, "w": -3.0, "b": 6.88, "c": 1000.0, "d": 0.5}
