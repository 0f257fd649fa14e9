"""Every op of the table, checked against exact (sympy) and numeric (finite-difference) derivatives.

Each op's input domain is declared in its row of the op table (``Op.domain``: boxes of inputs and
the op as a SymPy formula); the cases are read from the table (tests/engine/op_domains.py), so an op
without a domain fails ``test_every_op_has_a_declared_domain``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from chainrule import Value, grad
from chainrule.engine import OP_FACTORIES, OPS, Op
from chainrule.engine.ops import FLOAT_MATH, Domain
from tests.engine.op_domains import declared, exact, points_of, undeclared

CASES = declared()
IDS = [case[0] for case in CASES]


@cache
def exact_rules(expression: str, arity: int) -> tuple[Callable[..., float], list[Callable[..., float]],
                                                      list[list[Callable[..., float]]]]:
    """The op, its gradient and its Hessian as float functions, derived by sympy."""
    xs, f = exact(expression, arity)
    first = [sp.diff(f, x) for x in xs]
    second = [[sp.diff(d, x) for x in xs] for d in first]
    fn = lambda e: sp.lambdify(xs, e, "math")
    return fn(f), [fn(d) for d in first], [[fn(d) for d in row] for row in second]


def close(a: float, b: float, rel: float, abs_: float) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def test_every_op_has_a_declared_domain() -> None:
    assert undeclared() == [], "declare domain=Domain(...) in the row of each of these ops"
    assert all(factory.constants for factory in OP_FACTORIES.values()), "declare constants to test with"


def test_an_op_without_a_domain_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(OPS, "cube", Op("cube", "x³", lambda x: x ** 3, lambda m, out, x: (3 * x * x,)))
    assert undeclared() == ["cube"]


@pytest.mark.parametrize("name, op, domain", CASES, ids=IDS)
@given(data=st.data())
def test_forward_and_local_grads_match_sympy(name: str, op: Op, domain: Domain, data: st.DataObject) -> None:
    xs = data.draw(points_of(domain), label="inputs")
    value, first, _ = exact_rules(domain.exact, len(xs))
    out = op.forward(*xs)
    assert close(out, float(value(*xs)), 1e-12, 1e-12), (name, xs, out)
    local = op.local_grads(FLOAT_MATH, out, *xs)
    assert len(local) == len(xs)
    for i, (got, rule) in enumerate(zip(local, first)):
        assert close(got, float(rule(*xs)), 1e-9, 1e-12), (name, xs, i, got)


@pytest.mark.parametrize("name, op, domain", CASES, ids=IDS)
@given(data=st.data())
def test_local_grads_match_centered_differences(name: str, op: Op, domain: Domain,
                                                data: st.DataObject) -> None:
    xs = data.draw(points_of(domain), label="inputs")
    local = op.local_grads(FLOAT_MATH, op.forward(*xs), *xs)
    for i, got in enumerate(local):
        h = 1e-6 * max(1.0, abs(xs[i]))
        up, down = list(xs), list(xs)
        up[i] += h
        down[i] -= h
        numeric = (op.forward(*up) - op.forward(*down)) / (2 * h)
        assert close(got, numeric, 1e-5, 1e-6), (name, xs, i, got, numeric)


SMOOTH = [case for case in CASES if case[1].crossing != "kink"]  # second derivatives exist


@pytest.mark.parametrize("name, op, domain", SMOOTH, ids=[case[0] for case in SMOOTH])
@given(data=st.data())
def test_create_graph_second_derivatives_match_sympy(name: str, op: Op, domain: Domain,
                                                     data: st.DataObject) -> None:
    xs = data.draw(points_of(domain), label="inputs")
    _, first, second = exact_rules(domain.exact, len(xs))
    inputs = [Value(x, label=f"x{i}") for i, x in enumerate(xs)]
    dys = grad(op(*inputs), inputs, create_graph=True)
    for i, dy in enumerate(dys):
        assert close(float(dy), float(first[i](*xs)), 1e-9, 1e-12), (name, xs, i)
        d2 = grad(dy, inputs) if isinstance(dy, Value) else [0.0] * len(xs)  # a constant slope
        for j, got in enumerate(d2):
            assert close(float(got), float(second[i][j](*xs)), 1e-8, 1e-10), (name, xs, i, j, got)


@pytest.mark.parametrize("name, op, domain", CASES, ids=IDS)
@given(data=st.data())
def test_calling_an_op_makes_one_node_of_it(name: str, op: Op, domain: Domain, data: st.DataObject) -> None:
    """Parents in argument order, data from the forward, local gradients from the rule."""
    xs = data.draw(points_of(domain), label="inputs")
    inputs = tuple(Value(x) for x in xs)
    node = op(*inputs)
    assert node.op is op and node.parents == inputs
    assert node.data == op.forward(*xs)
    assert node.local_grads == op.local_grads(FLOAT_MATH, node.data, *xs)


@pytest.mark.parametrize("name, op, domain", CASES, ids=IDS)
@given(data=st.data())
def test_create_graph_first_derivatives_equal_plain_ones(name: str, op: Op, domain: Domain,
                                                         data: st.DataObject) -> None:
    """Every rule, kinked ones included, also works on Values (backward(create_graph=True))."""
    xs = data.draw(points_of(domain), label="inputs")
    inputs = [Value(x) for x in xs]
    plain = grad(op(*inputs), inputs)
    built = grad(op(*inputs), inputs, create_graph=True)
    for p, b in zip(plain, built):
        assert close(float(b), p, 1e-12, 1e-15), (name, xs, p, b)
