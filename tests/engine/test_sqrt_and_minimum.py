"""sqrt and minimum (issue 15): ops of their own, on Value, in chainrule, in formulas and on the command
line; sqrt refuses negatives like log, minimum routes its gradient like maximum."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import chainrule
from chainrule import OPS, DomainError, Value, grad, minimum, nan_on_domain_error, sqrt
from chainrule.formula import parse_formula, parse_values
from chainrule.viz import to_dot
from chainrule.viz.steps import step_through


def test_sqrt_is_its_own_op_with_its_own_label() -> None:
    x = Value(9.0, label="x")
    y = x.sqrt()
    assert y.op is OPS["sqrt"] and y.op.label == "√" and y.data == 3.0
    assert sqrt(9).op is OPS["sqrt"] and chainrule.sqrt is sqrt
    assert "√" in to_dot(y)
    y.backward()
    assert x.grad == 1 / 6  # 1 / (2 √9)


@given(st.floats(1e-6, 1e6))
def test_sqrt_gradient_is_one_over_twice_the_root(x: float) -> None:
    v = Value(x)
    (g,) = grad(sqrt(v), [v])
    assert g == pytest.approx(0.5 / math.sqrt(x), rel=1e-12)


def test_sqrt_at_zero_has_an_infinite_slope_like_a_half_power() -> None:
    x = Value(0.0)
    sqrt(x).backward()
    assert x.grad == math.inf == grad(x ** 0.5, [x])[0]


def test_sqrt_below_zero_is_a_domain_error_naming_op_and_input_like_log() -> None:
    with pytest.raises(DomainError, match=r"^sqrt: input must be >= 0, got -4.0$"):
        sqrt(Value(-4.0))
    with nan_on_domain_error():
        assert math.isnan(sqrt(-4.0).data)
    assert math.isnan(sqrt(math.nan).data) and sqrt(-0.0).data == 0.0


def test_sqrt_second_derivative() -> None:
    x = Value(4.0)
    (dy,) = grad(sqrt(x), [x], create_graph=True)
    (d2y,) = grad(dy, [x])
    assert dy.data == 0.25 and d2y == pytest.approx(-0.25 * 4.0 ** -1.5)


@pytest.mark.parametrize(("a", "b", "to_a"), [
    (math.nan, 1.0, True), (1.0, math.nan, False), (math.nan, math.nan, True),
    (1.0, 2.0, True), (2.0, 1.0, False), (1.0, 1.0, True),
])
def test_minimum_gives_the_gradient_to_the_input_the_forward_chose(a: float, b: float, to_a: bool) -> None:
    x, y = Value(a), Value(b)
    out = minimum(x, y)
    chosen = a if to_a else b
    assert out.data == chosen or (math.isnan(out.data) and math.isnan(chosen))
    out.backward()
    assert (x.grad, y.grad) == ((1.0, 0.0) if to_a else (0.0, 1.0))
    gx, gy = grad(minimum(x, y), [x, y], create_graph=True)  # the Value rule agrees
    assert (gx.data, gy.data) == ((1.0, 0.0) if to_a else (0.0, 1.0))


@pytest.mark.parametrize(("a", "b"), [(math.nan, 1.0), (1.0, math.nan), (1.0, 1.0), (3.0, -2.0), (-2.0, 3.0)])
def test_minimum_mirrors_maximum(a: float, b: float) -> None:
    """min(a, b) = -max(-a, -b), and the gradient goes to the same input (ties to self in both)."""
    x, y = Value(a), Value(b)
    low, high = x.minimum(y), (-x).maximum(-y)
    assert low.data == -high.data or (math.isnan(low.data) and math.isnan(high.data))
    assert grad(low, [x, y]) == grad(-high, [x, y])


def test_minimum_takes_numbers_on_either_side_and_is_one_node() -> None:
    x = Value(3.0)
    assert minimum(x, 1).data == 1.0 and minimum(1, x).data == 1.0 and x.minimum(5).data == 3.0
    out = x.minimum(2.5)
    assert out.op is OPS["min"] and len(out.parents) == 2 and chainrule.minimum is minimum
    with pytest.raises(TypeError, match="min needs a Value, int or float, got str"):
        minimum(x, "1")


def test_both_work_in_formulas() -> None:
    formula = parse_formula("min(sqrt(x), y) + max(x, y)")
    root, leaves = formula.build(parse_values(["x=4", "y=3"]))
    root.backward()
    assert root.data == 6.0 and leaves["x"].grad == 1.25 and leaves["y"].grad == 0.0
    assert [step.op for step in step_through(root)].count("sqrt") == 1


def test_their_stepper_sentences() -> None:
    a, b = Value(1.0, label="a"), Value(4.0, label="b")
    trace = step_through(a.minimum(b.sqrt()))
    assert [step.reason for step in trace] == [
        "min routes: a = 1 is the smaller input, so it gets the whole gradient (local 1)",
        "min routes: sqrt#2 = 2 lost, so it gets none (local 0)",
        "√: local = 1 / (2√x) = 1 / (2 × 2) = 0.25",
    ]
    assert [step.rule for step in trace] == ["route", "route", "chain"]
