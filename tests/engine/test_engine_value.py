"""Value semantics: operators, leaves, re-evaluation, higher-order gradients, hashing."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from chainrule import NOT_COMPUTED, OPS, Constant, Parameter, Value, grad, topological_order
from chainrule import sum as vsum


@pytest.mark.parametrize("expr, op", [
    (lambda a, b: a + b, "add"), (lambda a, b: a - b, "sub"), (lambda a, b: a * b, "mul"),
    (lambda a, b: a / b, "div"), (lambda a, b: a.maximum(b), "max"),
])
def test_each_binary_operator_is_one_node(expr, op) -> None:
    a, b = Value(3.0), Value(2.0)
    out = expr(a, b)
    assert out.op is OPS[op] and out.parents == (a, b)
    assert topological_order(out) == [a, b, out]


@pytest.mark.parametrize("expr, data, op", [
    (lambda x: 1 + x, 3.0, "add"), (lambda x: x + 1, 3.0, "add"), (lambda x: 1 - x, -1.0, "sub"),
    (lambda x: x - 1, 1.0, "sub"), (lambda x: 3 * x, 6.0, "mul"), (lambda x: x * 3, 6.0, "mul"),
    (lambda x: 1 / x, 0.5, "div"), (lambda x: x / 4, 0.5, "div"), (lambda x: -x, -2.0, "neg"),
])
def test_numbers_on_either_side_become_constants(expr, data, op) -> None:
    x = Value(2.0)
    out = expr(x)
    assert out.data == data and out.op is OPS[op]
    assert x in out.parents
    assert all(isinstance(p, Constant) for p in out.parents if p is not x)


def test_constant_position_follows_the_operator() -> None:
    x = Value(2.0)
    assert (1 - x).parents[1] is x and (x - 1).parents[0] is x
    assert (2 / x).parents[1] is x and (x / 2).parents[0] is x


@pytest.mark.parametrize("two", [np.float64(2.0), np.float32(2.0), np.int64(2), np.int32(2),
                                 Fraction(2, 1), 2, 2.0])
def test_numpy_scalars_and_fractions_are_numbers_on_both_sides(two) -> None:
    x = Value(3.0)
    for out, data in [(two + x, 5.0), (x + two, 5.0), (two * x, 6.0), (x * two, 6.0), (x - two, 1.0),
                      (two - x, -1.0), (x / two, 1.5), (two / x, 2 / 3), (x ** two, 9.0), (two ** x, 8.0)]:
        assert type(out) is Value and out.data == data, (two, out, data)


def test_numpy_arrays_broadcast_over_a_value_as_object_arrays() -> None:
    x = Value(3.0)
    ys = np.array([1.0, 2.0]) * x
    assert [y.data for y in ys] == [3.0, 6.0]
    ys.sum().backward()
    assert x.grad == 3.0


def test_bool_is_the_number_one_as_in_python() -> None:
    x = Value(3.0)
    assert (x * True).data == 3.0 and (False + x).data == 3.0 and Value(True).data == 1.0


def test_pow_and_rpow() -> None:
    x = Value(3.0)
    y = x ** 2
    z = 2 ** x
    y.backward()
    assert (y.data, x.grad) == (9.0, 6.0)
    x.grad = NOT_COMPUTED
    z.backward()
    assert z.data == 8.0 and math.isclose(x.grad, 8 * math.log(2), rel_tol=1e-15)
    assert y.op.label == "**2" and z.op.label == "2**"


@pytest.mark.parametrize("base, k, data, slope", [
    (0.0, 0, 1.0, 0.0), (5.0, 0, 1.0, 0.0), (0.0, 1, 0.0, 1.0), (0.0, 0.5, 0.0, math.inf),
    (-2.0, 2, 4.0, -4.0), (-2.0, 3.0, -8.0, 12.0), (4.0, -0.5, 0.5, -0.0625), (-2.0, -1, -0.5, -0.25),
    (1e200, 2, math.inf, 2e200), (-1e200, 3, -math.inf, math.inf), (2.0, math.inf, math.inf, math.inf),
])
def test_pow_edge_cases(base: float, k: float, data: float, slope: float) -> None:
    x = Value(base)
    y = x ** k
    y.backward()
    assert y.data == data and x.grad == slope


def test_pow_nan_exponent_is_nan_not_a_crash() -> None:
    assert math.isnan((Value(-2.0) ** math.nan).data)


def test_create_graph_gives_gradients_of_gradients() -> None:
    x = Value(0.5)
    y = x.sin() * x.exp()
    y.backward(create_graph=True)
    dy = x.grad
    assert isinstance(dy, Value)
    assert math.isclose(dy.data, math.cos(0.5) * math.exp(0.5) + math.sin(0.5) * math.exp(0.5))
    (d2y,) = grad(dy, [x])
    assert math.isclose(d2y, 2 * math.cos(0.5) * math.exp(0.5), rel_tol=1e-12)


def test_create_graph_with_x_to_the_0() -> None:
    x = Value(0.0)
    (dy,) = grad(x ** 0, [x], create_graph=True)
    assert isinstance(dy, Value) and dy.data == 0.0  # a constant slope, no x ** -1 at 0


def test_forward_and_recompute_follow_new_leaf_data() -> None:
    x, w = Value(2.0), Parameter(-1.0)
    y = (x * w).tanh() + x
    x.data, w.data = 0.5, 3.0
    assert y.recompute() == math.tanh(1.5) + 0.5
    y.backward()
    assert math.isclose(x.grad, 3 * (1 - math.tanh(1.5) ** 2) + 1)  # local grads were recomputed too
    fresh = (Value(0.5) * Value(3.0)).tanh() + 0.5
    assert y.data == fresh.data


def test_forward_of_a_leaf_returns_its_data() -> None:
    assert Value(4.0).forward() == 4.0


def test_leaf_root_backward_accumulates() -> None:
    x = Value(1.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_parameter_and_constant_are_leaves() -> None:
    w = Parameter(0.5, label="w")
    y = w * 2
    y.backward()
    assert w.is_leaf and y.parents[1].is_leaf and not y.is_leaf
    assert isinstance(y.parents[1], Constant) and y.parents[1].grad == 0.5
    assert w.grad == 2.0 and repr(w) == "Parameter(data=0.5, grad=2.0, label='w')"


def test_values_hash_by_identity() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a != b and len({a, b}) == 2 and a in {a}


def test_n_ary_sum_is_one_node_with_numbers_allowed() -> None:
    xs = [Value(float(i)) for i in range(5)]
    s = vsum([*xs, 10])
    s.backward()
    assert s.data == 20.0 and len(s.parents) == 6 and isinstance(s.parents[5], Constant)
    assert [x.grad for x in xs] == [1.0] * 5
    assert vsum(x for x in xs).data == 10.0
    assert vsum([]).data == 0.0


def test_micrograd_style_grad_reset_to_int_zero_still_works() -> None:
    x = Value(2.0)
    x.grad = 0
    (x * x).backward()
    assert x.grad == 4.0 and x.has_grad


def test_float_of_a_value_is_its_data() -> None:
    x = Value(2.5)
    x.data = 3  # a user may store an int
    assert float(x) == 3.0 and isinstance(float(x), float)
