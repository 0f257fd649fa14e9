"""Every op of the table, checked against exact (sympy) and numeric (finite-difference) derivatives.

Each op's input domain is declared here, next to the test (as MyGrad does): an op added to
``OPS`` or ``OP_FACTORIES`` without a domain below fails ``test_every_op_has_a_declared_domain``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from chainrule import Value, grad
from chainrule.engine import OP_FACTORIES, OPS, Op
from chainrule.engine.ops import FLOAT_MATH


def reals(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def away_from(kink: float, lo: float, hi: float, gap: float = 1e-3) -> st.SearchStrategy[float]:
    """Points at least ``gap`` from a kink, so finite differences never straddle it."""
    return st.one_of(reals(lo, kink - gap), reals(kink + gap, hi))


@dataclass(frozen=True)
class Domain:
    inputs: st.SearchStrategy[tuple[float, ...]]  # one point: a value per input
    exact: Callable[..., Any]  # the op as a sympy expression of its inputs
    smooth: bool = True  # second derivatives are checked for smooth ops


def each(*strategies: st.SearchStrategy[float]) -> st.SearchStrategy[tuple[float, ...]]:
    return st.tuples(*strategies)


def untied(lo: float, hi: float, gap: float = 1e-3) -> st.SearchStrategy[tuple[float, float]]:
    return st.tuples(reals(lo, hi), reals(lo, hi)).filter(lambda ab: abs(ab[0] - ab[1]) > gap)


def piecewise_max(a: Any, b: Any) -> Any:
    return sp.Piecewise((a, a >= b), (b, True))


def piecewise_select(index: Any, *options: Any) -> Any:
    """options[round(index)] as sympy sees it: constant in the index between half-integers."""
    return sp.Piecewise(*[(x, index < k + 0.5) for k, x in enumerate(options[:-1])], (options[-1], True))


def selections(options: int) -> st.SearchStrategy[tuple[float, ...]]:
    """A whole-number index in range (as an embedding passes) and the options it picks from."""
    return st.tuples(st.integers(0, options - 1).map(float), *[reals(-5, 5)] * options)


DOMAINS: dict[str, Domain] = {
    "add": Domain(each(reals(-5, 5), reals(-5, 5)), lambda a, b: a + b),
    "sub": Domain(each(reals(-5, 5), reals(-5, 5)), lambda a, b: a - b),
    "mul": Domain(each(reals(-5, 5), reals(-5, 5)), lambda a, b: a * b),
    "div": Domain(each(reals(-5, 5), away_from(0.0, -5, 5, gap=0.1)), lambda a, b: a / b),
    "neg": Domain(each(reals(-5, 5)), lambda x: -x),
    "exp": Domain(each(reals(-5, 5)), sp.exp),
    "log": Domain(each(reals(0.05, 20)), sp.log),
    "tanh": Domain(each(reals(-4, 4)), sp.tanh),
    "sigmoid": Domain(each(reals(-8, 8)), lambda x: 1 / (1 + sp.exp(-x))),
    "sin": Domain(each(reals(-7, 7)), sp.sin),
    "cos": Domain(each(reals(-7, 7)), sp.cos),
    "relu": Domain(each(away_from(0.0, -5, 5)), lambda x: sp.Piecewise((x, x > 0), (0, True)), smooth=False),
    "abs": Domain(each(away_from(0.0, -5, 5)), lambda x: sp.Piecewise((x, x >= 0), (-x, True)), smooth=False),
    "max": Domain(untied(-5, 5), piecewise_max, smooth=False),
    "sum": Domain(st.lists(reals(-5, 5), min_size=1, max_size=6).map(tuple), lambda *xs: sp.Add(*xs)),
    "select": Domain(st.one_of(selections(1), selections(4)), piecewise_select, smooth=False),
}


def _pow_domain(k: float) -> Domain:
    if not k.is_integer():
        xs = reals(0.05, 4)  # a fractional power of a negative base is not real
    elif k < 0:
        xs = away_from(0.0, -3, 3, gap=0.1)
    else:
        xs = reals(-3, 3)
    return Domain(each(xs), lambda x: x ** sp.nsimplify(k))


# Parametrised ops: the constants they are tested with, and the domain for each constant.
FACTORY_CASES: dict[str, tuple[list[float], Callable[[float], Domain]]] = {
    "pow": ([2.0, 3.0, 1.0, 0.0, -1.0, -2.0, 0.5, 1.5, -0.5], _pow_domain),
    "rpow": ([2.0, 0.5, math.e, 10.0, 1.0],
             lambda base: Domain(each(reals(-4, 4)), lambda x: sp.Float(base, 30) ** x)),
}


def cases() -> list[tuple[str, Op, Domain]]:
    table = [(name, op, DOMAINS[name]) for name, op in OPS.items() if name in DOMAINS]
    for name, (constants, domain) in FACTORY_CASES.items():
        table += [(f"{name}({k:g})", OP_FACTORIES[name](k), domain(k)) for k in constants]
    return table


CASES = cases()
IDS = [case[0] for case in CASES]


@cache
def exact_rules(case: str, arity: int) -> tuple[Callable[..., float], list[Callable[..., float]],
                                                 list[list[Callable[..., float]]]]:
    """The op, its gradient and its Hessian as float functions, derived by sympy."""
    domain = {c[0]: c[2] for c in CASES}[case]
    xs = sp.symbols(f"x0:{arity}", real=True)
    f = domain.exact(*xs)
    first = [sp.diff(f, x) for x in xs]
    second = [[sp.diff(d, x) for x in xs] for d in first]
    fn = lambda e: sp.lambdify(xs, e, "math")
    return fn(f), [fn(d) for d in first], [[fn(d) for d in row] for row in second]


def close(a: float, b: float, rel: float, abs_: float) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def test_every_op_has_a_declared_domain() -> None:
    assert set(DOMAINS) == set(OPS), "declare an input domain here for every op in OPS"
    assert set(FACTORY_CASES) == set(OP_FACTORIES), "declare constants and a domain for every op factory"


@pytest.mark.parametrize("name, op, domain", CASES, ids=IDS)
@given(data=st.data())
def test_forward_and_local_grads_match_sympy(name: str, op: Op, domain: Domain, data: st.DataObject) -> None:
    xs = data.draw(domain.inputs, label="inputs")
    value, first, _ = exact_rules(name, len(xs))
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
    xs = data.draw(domain.inputs, label="inputs")
    local = op.local_grads(FLOAT_MATH, op.forward(*xs), *xs)
    for i, got in enumerate(local):
        h = 1e-6 * max(1.0, abs(xs[i]))
        up, down = list(xs), list(xs)
        up[i] += h
        down[i] -= h
        numeric = (op.forward(*up) - op.forward(*down)) / (2 * h)
        assert close(got, numeric, 1e-5, 1e-6), (name, xs, i, got, numeric)


SMOOTH = [case for case in CASES if case[2].smooth]


@pytest.mark.parametrize("name, op, domain", SMOOTH, ids=[case[0] for case in SMOOTH])
@given(data=st.data())
def test_create_graph_second_derivatives_match_sympy(name: str, op: Op, domain: Domain,
                                                     data: st.DataObject) -> None:
    xs = data.draw(domain.inputs, label="inputs")
    _, first, second = exact_rules(name, len(xs))
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
    xs = data.draw(domain.inputs, label="inputs")
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
    xs = data.draw(domain.inputs, label="inputs")
    inputs = [Value(x) for x in xs]
    plain = grad(op(*inputs), inputs)
    built = grad(op(*inputs), inputs, create_graph=True)
    for p, b in zip(plain, built):
        assert close(float(b), p, 1e-12, 1e-15), (name, xs, p, b)
