"""grad(..., create_graph=True) always returns Values, even where a gradient is a plain number."""

from __future__ import annotations

import pytest

from chainrule import Constant, Value, grad


@pytest.mark.parametrize("build", [lambda x: x + 1, lambda x: x - 3.0, lambda x: -x,
                                   lambda x: x * 2 + x.relu()], ids=["add", "sub", "neg", "mixed"])
def test_constant_gradients_come_back_as_values(build):
    x = Value(2.0)
    (dx,) = grad(build(x), [x], create_graph=True)
    assert isinstance(dx, Value)
    assert dx.data == grad(build(x), [x])[0]


def test_an_input_the_output_does_not_reach_gets_a_zero_constant():
    x, unused = Value(2.0), Value(5.0)
    dx, du = grad(x * x, [x, unused], create_graph=True)
    assert isinstance(dx, Value) and dx.data == 4.0 and not isinstance(dx, Constant)
    assert isinstance(du, Constant) and du.data == 0.0


def test_a_constant_gradient_can_be_differentiated_again_to_zero():
    x = Value(2.0)
    (dx,) = grad(x + 1, [x], create_graph=True)
    assert grad(dx, [x]) == [0.0]


def test_without_create_graph_the_results_stay_floats():
    x = Value(2.0)
    assert grad(x + 1, [x]) == [1.0] and type(grad(x + 1, [x])[0]) is float
