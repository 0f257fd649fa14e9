"""Random formulas from the grammar: the command gives the gradients the Python API gives."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import chainrule
from chainrule import Value
from chainrule.formula import FUNCTIONS

Result = Any  # tests/cli/conftest.py: status, out, err
# A formula as (text, the same formula through the Python API, its variables).
Node = tuple[str, Callable[[dict[str, Value]], Any], frozenset[str]]

UNARY = {name: getattr(chainrule, op.function)  # every one-input function formulas know, from the op table
         for name, op in chainrule.OPS.items() if name in FUNCTIONS and op.arity == 1}
BINARY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b, "/": lambda a, b: a / b}


def _variable(name: str) -> Node:
    return name, lambda env: env[name], frozenset({name})


def _number(k: float) -> Node:
    return repr(k), lambda env: k, frozenset()


def _extend(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    def unary(name: str, a: Node) -> Node:
        return f"{name}({a[0]})", lambda env: UNARY[name](a[1](env)), a[2]

    def binary(sign: str, a: Node, b: Node) -> Node:
        return f"({a[0]} {sign} {b[0]})", lambda env: BINARY[sign](a[1](env), b[1](env)), a[2] | b[2]

    def power(a: Node, k: float) -> Node:
        return f"({a[0]}) ** {k!r}", lambda env: a[1](env) ** k, a[2]

    def negate(a: Node) -> Node:
        return f"-({a[0]})", lambda env: -a[1](env), a[2]

    def maximum(a: Node, b: Node) -> Node:
        return f"max({a[0]}, {b[0]})", lambda env: chainrule.maximum(a[1](env), b[1](env)), a[2] | b[2]

    return st.one_of(
        st.builds(unary, st.sampled_from(sorted(UNARY)), children),
        st.builds(binary, st.sampled_from(sorted(BINARY)), children, children),
        st.builds(power, children, st.sampled_from([2, 3, -1, 0.5, 1.5])),
        st.builds(negate, children),
        st.builds(maximum, children, children),
    )


FORMULAS = st.recursive(
    st.one_of(st.sampled_from("xyz").map(_variable), st.sampled_from([0.5, 1, 2.0, 3]).map(_number)),
    _extend, max_leaves=8,
).filter(lambda node: node[2])
# cli and run keep no state between calls, so sharing them across examples is safe.
FIXTURES_ARE_STATELESS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
POINTS = st.fixed_dictionaries({name: st.integers(-300, 300).map(lambda k: k / 100) for name in "xyz"})


def _python_api(node: Node, point: dict[str, float]) -> tuple[float, dict[str, float]] | None:
    """The output and gradients through the Python API, or None on a math error."""
    leaves = {name: Value(point[name], label=name) for name in sorted(node[2])}
    try:
        out = node[1](leaves)
    except ArithmeticError:
        return None
    grads = chainrule.grad(out, list(leaves.values()))
    return out.data, {name: float(g) for name, g in zip(leaves, grads)}


def _same(a: float | str, b: float) -> bool:
    a = float(a)  # the JSON writes inf and nan as strings
    return a == b or (math.isnan(a) and math.isnan(b))


def _assert_same_as_api(result: Result, node: Node, point: dict[str, float]) -> None:
    expected = _python_api(node, point)
    if expected is None:
        assert result.status == 1 and "math error" in result.err, result
        return
    assert result.status in (0, 1) and "Traceback" not in result.err, result
    report = json.loads(result.out)
    output, gradients = expected
    assert _same(report["output"], output)
    assert report["gradients"].keys() == gradients.keys()
    assert all(_same(report["gradients"][name], g) for name, g in gradients.items()), (report, gradients)
    assert report["ok"] == (result.status == 0)


def _arguments(node: Node, point: dict[str, float]) -> list[str]:
    return ["check", node[0], *(f"{name}={point[name]!r}" for name in sorted(node[2])), "--json"]


@settings(max_examples=40, suppress_health_check=FIXTURES_ARE_STATELESS)
@given(node=FORMULAS, point=POINTS)
def test_random_formulas_match_the_python_api(node: Node, point: dict[str, float],
                                               cli: Callable[..., Result]) -> None:
    _assert_same_as_api(cli(*_arguments(node, point)), node, point)


@settings(max_examples=4, suppress_health_check=FIXTURES_ARE_STATELESS)
@given(node=FORMULAS, point=POINTS)
def test_random_formulas_match_through_the_console_script(node: Node, point: dict[str, float],
                                                          run: Callable[..., Result]) -> None:
    _assert_same_as_api(run(*_arguments(node, point)), node, point)


@pytest.mark.parametrize(("formula", "values", "gradients"), [
    ("tanh(w*x + b)", ["x=2", "w=-3", "b=6.88"], None),
    ("x * x", ["x=3"], {"x": 6.0}),
    ("max(x, y) - relu(y)", ["x=1", "y=2"], {"x": 0.0, "y": 0.0}),
])
def test_check_json_reports_gradients(formula: str, values: list[str], gradients: dict | None,
                                      cli: Callable[..., Result]) -> None:
    result = cli("check", formula, *values, "--json")
    report = json.loads(result.out)
    assert result.status == 0 and report["ok"] and report["gradcheck"]["ok"] and report["audit"]["ok"]
    assert [row["band"] for row in report["gradcheck"]["rows"]] == ["good"] * len(values)
    if gradients is not None:
        assert report["gradients"] == gradients
