"""Property tests: random smooth compositions pass gradcheck and audit, and the check is faithful.

Expressions are trees over up to three inputs in [-2, 2] built from smooth ops whose values stay
moderate (no exp of an unbounded argument, no division by something that can reach 0).
"""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from chainrule import Value, topological_order
from chainrule.check.audit import audit
from chainrule.check.gradcheck import gradcheck
from chainrule.check.gradcheck_inputs import step_size
from chainrule.check.numeric import derivative

UNARY = {
    "tanh": lambda v: v.tanh(),
    "sigmoid": lambda v: v.sigmoid(),
    "sin": lambda v: v.sin(),
    "cos": lambda v: v.cos(),
    "neg": lambda v: -v,
    "square": lambda v: v**2,
    "cube": lambda v: v**3,
    "log1p_sq": lambda v: (1 + v * v).log(),
    "exp_tanh": lambda v: v.tanh().exp(),
    "sqrt_1p_sq": lambda v: (v * v + 1) ** 0.5,
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div_1p_sq": lambda a, b: a / (1 + b * b),
    "scaled": lambda a, b: 0.5 * a + 2 * b - 1,
}

leaves = st.integers(0, 2).map(lambda i: ("x", i))


def _extend(children):
    unary = st.tuples(st.just("u"), st.sampled_from(sorted(UNARY)), children)
    binary = st.tuples(st.just("b"), st.sampled_from(sorted(BINARY)), children, children)
    return unary | binary


expressions = st.recursive(leaves, _extend, max_leaves=8)
points = st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=3, max_size=3)


def build(expr, xs):
    if expr[0] == "x":
        return xs[expr[1]]
    if expr[0] == "u":
        return UNARY[expr[1]](build(expr[2], xs))
    return BINARY[expr[1]](build(expr[2], xs), build(expr[3], xs))


def as_function(expr):
    def f(x0, x1, x2):
        return build(expr, [x0, x1, x2]) + 0.0 * x0  # every input reaches the output
    return f


@given(expressions, points)
def test_random_smooth_compositions_pass_gradcheck(expr, point):
    report = gradcheck(as_function(expr), point)
    assert report.ok, f"{expr}\n{report}"
    assert not report.kinks


@given(expressions, points)
def test_random_smooth_compositions_pass_the_audit(expr, point):
    root = as_function(expr)(*map(Value, point))
    report = audit(root)
    assert report.ok, f"{expr}\n{report}"
    assert len(report) == sum(1 for node in topological_order(root) if node.op is not None)


@given(expressions, points)
def test_checking_leaves_every_node_as_it_was(expr, point):
    xs = [Value(x, label=f"x{i}") for i, x in enumerate(point)]
    root = as_function(expr)(*xs)
    root.backward()
    order = topological_order(root)
    before = [(n.data, n.grad, n.local_grads) for n in order]
    gradcheck(as_function(expr), xs)
    audit(root)
    assert [(n.data, n.grad, n.local_grads) for n in order] == before


@given(expressions, points)
def test_numeric_gradients_equal_those_from_rebuilding_the_expression(expr, point):
    f, eps = as_function(expr), 1e-3
    report = gradcheck(f, point, eps=eps)
    for i, row in enumerate(report):
        def rebuilt(t: float, i: int = i) -> tuple[float, None]:
            return f(*[Value(t if j == i else x) for j, x in enumerate(point)]).data, None

        expected = derivative(rebuilt, point[i], step_size(point[i], eps)).value
        assert row.numeric == expected or (math.isnan(row.numeric) and math.isnan(expected))
