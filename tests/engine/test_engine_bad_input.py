"""Bad input gets a clear error naming the type, op or value; overflow never crashes."""

from __future__ import annotations

import math

import pytest

import chainrule
from chainrule import DomainError, Op, Value, exp, grad, maximum, sigmoid, tanh
from chainrule import sum as vsum


@pytest.mark.parametrize("make, words", [
    (lambda: Value("3"), ["str", "'3'"]),
    (lambda: Value(None), ["NoneType"]),
    (lambda: Value(1 + 2j), ["complex"]),
    (lambda: Value(Value(1.0)), ["Value"]),
    (lambda: Value(1.0) + "a", ["str"]),
    (lambda: "a" - Value(1.0), ["str"]),
    (lambda: Value(1.0) * None, ["NoneType"]),
    (lambda: Value(1.0) / [1.0], ["list"]),
    (lambda: Value(2.0) ** Value(2.0), ["exponent", "Value", "exp(y * log(x))"]),
    (lambda: Value(2.0, label="b") ** Value(2.0, label="k"), ["exponent", "Value", "exp(k * log(b))"]),
    (lambda: Value(2.0) ** "2", ["exponent", "str"]),
    (lambda: "2" ** Value(2.0), ["str"]),
    (lambda: exp("1"), ["exp", "str"]),
    (lambda: vsum([Value(1.0), "x"]), ["sum", "str"]),
    (lambda: maximum(Value(1.0), None), ["max", "NoneType"]),
    (lambda: Value(1.0).maximum("a"), ["max", "str"]),
    (lambda: Value(1.0, label=3), ["label", "int"]),
    (lambda: grad(2.0, []), ["grad", "Value output", "float"]),
    (lambda: grad(Value(1.0), Value(1.0)), ["list", "[x]"]),
    (lambda: grad(Value(1.0), [1.0]), ["grad inputs", "float"]),
])
def test_non_numbers_raise_type_error_naming_the_type(make, words) -> None:
    with pytest.raises(TypeError) as caught:
        make()
    assert all(word in str(caught.value) for word in words), str(caught.value)


@pytest.mark.parametrize("make, message", [
    (lambda: Value(0.0).log(), "log: input must be > 0, got 0.0"),
    (lambda: Value(-1.0).log(), "log: input must be > 0, got -1.0"),
    (lambda: Value(1.0) / 0, "div: division by zero: 1.0 / 0.0"),
    (lambda: 0.0 / Value(0.0), "div: division by zero: 0.0 / 0.0"),
    (lambda: Value(0.0) ** -1, "pow: zero to a negative power: 0.0 ** -1.0"),
    (lambda: Value(-8.0) ** 0.5, "pow: negative base to a fractional power: -8.0 ** 0.5"),
    (lambda: (-2) ** Value(1.0), "rpow: base must be > 0 for a Value exponent, got -2.0 ** 1.0"),
    (lambda: 0 ** Value(1.0), "rpow: base must be > 0"),
    (lambda: Value(math.inf).sin(), "sin: input must be finite, got inf"),
    (lambda: Value(-math.inf).cos(), "cos: input must be finite, got -inf"),
])
def test_domain_errors_name_the_op_and_value(make, message) -> None:
    with pytest.raises(DomainError) as caught:
        make()
    assert message in str(caught.value)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, ArithmeticError)


@pytest.mark.parametrize("make, data, slope", [
    (lambda x: x.exp(), math.inf, math.inf),
    (lambda x: x.tanh(), 1.0, 0.0),
    (lambda x: x.sigmoid(), 1.0, 0.0),
    (lambda x: (-x).sigmoid(), 0.0, -0.0),
    (lambda x: (-x).exp(), 0.0, -0.0),
    (lambda x: 2 ** (x * 2), math.inf, math.inf),
    (lambda x: x ** 200, math.inf, math.inf),
])
def test_overflow_gives_inf_or_saturates_without_crashing(make, data, slope) -> None:
    x = Value(1000.0)
    y = make(x)
    y.backward()
    assert y.data == data and x.grad == slope


def test_module_functions_accept_numbers() -> None:
    assert exp(1000).data == math.inf and tanh(1000).data == 1.0 and sigmoid(-1000).data == 0.0


ONE_INPUT = [(op.function, op) for op in chainrule.OPS.values() if op.function and op.arity == 1]


@pytest.mark.parametrize(("name", "op"), ONE_INPUT, ids=[name for name, _ in ONE_INPUT])
def test_each_module_function_takes_a_value_or_a_number_and_matches_the_method(name: str, op: Op) -> None:
    function = getattr(chainrule, name)
    x = Value(0.75)
    from_value, from_number = function(x), function(0.75)
    assert from_value.parents == (x,) and from_value.op is op
    assert from_number.data == from_value.data == getattr(x, name)().data
    assert type(from_number.parents[0]).__name__ == "Constant"
    assert maximum(1, x).data == 1.0 and vsum([1, 2.5, x]).data == 4.25
