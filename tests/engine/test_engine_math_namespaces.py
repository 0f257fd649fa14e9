"""The `m` namespace given to local-gradient rules: floats in a plain backward, Values with create_graph."""

import math

import pytest

from chainrule import Op, Value, grad
from chainrule.engine.ops import FLOAT_MATH, VALUE_MATH

FUNCTIONS = ["sin", "cos", "exp", "log", "tanh", "sigmoid"]


@pytest.mark.parametrize("name", FUNCTIONS)
def test_both_namespaces_compute_the_same_function(name):
    x = 0.7
    as_value = getattr(VALUE_MATH, name)(Value(x))
    assert isinstance(as_value, Value) and as_value.op.name == name
    assert getattr(FLOAT_MATH, name)(x) == pytest.approx(as_value.data, rel=1e-15)


def test_a_custom_op_written_once_gives_first_and_second_derivatives():
    softplus = Op("softplus", "softplus", forward=lambda x: math.log1p(math.exp(x)),
                  local_grads=lambda m, out, x: (m.sigmoid(x),))
    x = Value(0.3)
    (first,) = grad(softplus(x), [x], create_graph=True)
    (second,) = grad(first, [x])
    sigma = 1 / (1 + math.exp(-0.3))
    assert first.data == pytest.approx(sigma) and second == pytest.approx(sigma * (1 - sigma))


def test_an_empty_sum_is_a_constant_zero_leaf():
    from chainrule import Constant, sum

    empty = sum([])
    assert isinstance(empty, Constant) and empty.data == 0.0 and empty.is_leaf and empty.parents == ()


def test_unary_plus_is_the_value_itself():
    x = Value(2.0)
    assert +x is x
