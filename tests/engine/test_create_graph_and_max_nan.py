"""create_graph=True inside no_grad() (issue 14, item 2) and max's gradient at NaN (item 3)."""

from __future__ import annotations

import math

import pytest

from chainrule import Value, grad, maximum, no_grad


def test_grad_with_create_graph_inside_no_grad_builds_the_gradient_graph() -> None:
    x = Value(2.0)
    y = x ** 3
    with no_grad():
        (dy,) = grad(y, [x], create_graph=True)
    assert dy.data == 12.0 and dy.parents  # 3x**2, as a node
    (d2y,) = grad(dy, [x])
    assert d2y == 12.0  # 6x


def test_backward_with_create_graph_inside_no_grad_builds_the_gradient_graph() -> None:
    x = Value(2.0)
    y = x ** 3
    with no_grad():
        y.backward(create_graph=True)
        assert (x * 2).parents == ()  # and no_grad is still in force afterwards
    dy = x.grad
    assert isinstance(dy, Value) and dy.data == 12.0
    (d2y,) = grad(dy, [x])
    assert d2y == 12.0


@pytest.mark.parametrize(("a", "b", "to_a"), [
    (math.nan, 1.0, True), (1.0, math.nan, False), (math.nan, math.nan, True),
    (2.0, 1.0, True), (1.0, 2.0, False), (1.0, 1.0, True),
])
def test_max_gives_the_gradient_to_the_input_the_forward_chose(a: float, b: float, to_a: bool) -> None:
    x, y = Value(a), Value(b)
    out = maximum(x, y)
    chosen = a if to_a else b
    assert out.data == chosen or (math.isnan(out.data) and math.isnan(chosen))
    out.backward()
    assert (x.grad, y.grad) == ((1.0, 0.0) if to_a else (0.0, 1.0))
    gx, gy = grad(maximum(x, y), [x, y], create_graph=True)  # the Value rule agrees
    assert (gx.data, gy.data) == ((1.0, 0.0) if to_a else (0.0, 1.0))
