"""A Value in ordinary Python: format specs, item/int/round, ordering on data, == as identity."""

from __future__ import annotations

import math

import pytest

from chainrule import Value, topological_order


def test_format_specs_format_the_data() -> None:
    loss = Value(0.123456)
    assert f"{loss:.4f}" == "0.1235" and f"{loss:>8.2f}" == "    0.12" and f"{loss:.1%}" == "12.3%"
    assert f"{Value(1234567.0):,.0f}" == "1,234,567" and f"{Value(3.0):e}" == "3.000000e+00"
    assert f"{loss}" == str(loss) == repr(loss)  # no spec: the repr, as for any object


def test_item_int_round_and_trunc_read_the_data() -> None:
    x = Value(2.75)
    assert x.item() == 2.75 and type(x.item()) is float
    assert int(x) == 2 and int(Value(-2.75)) == -2 and type(int(x)) is int
    assert round(x) == 3 and type(round(x)) is int and round(x, 1) == 2.8
    assert math.trunc(Value(-1.5)) == -1 and math.floor(x) == 2 and math.ceil(x) == 3


def test_the_number_protocol_builds_no_node() -> None:
    x = Value(2.0)
    y = x * 3
    f"{y:.2f}", y.item(), int(y), round(y), y < x, y >= 1  # noqa: B018
    assert topological_order(y) == [x, y.parents[1], y]


@pytest.mark.parametrize("a, b", [(1.0, 2.0), (2.0, 1.0), (3.0, 3.0), (-0.0, 0.0)])
def test_ordering_compares_data_with_values_and_numbers(a: float, b: float) -> None:
    va, vb = Value(a), Value(b)
    for left, right in [(va, vb), (va, b), (a, vb)]:
        assert (left < right) is (a < b) and (left <= right) is (a <= b)
        assert (left > right) is (a > b) and (left >= right) is (a >= b)


def test_builtin_max_min_sorted_return_the_values_and_gradients_flow_to_the_winner() -> None:
    a, b, c = Value(1.0, label="a"), Value(3.0, label="b"), Value(2.0, label="c")
    assert max(a, b) is b and min(a, b) is a and sorted([b, c, a]) == [a, c, b]
    assert max([a, b, c], key=lambda v: -v) is a
    out = max(a, b) * 2
    out.backward()
    assert b.grad == 2.0 and not a.has_grad


def test_equality_stays_identity_and_values_stay_dict_keys() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b and not (a == 1.0)
    assert {a: "a", b: "b"}[b] == "b" and len({a, b}) == 2


@pytest.mark.parametrize("other", ["1", None, [1.0], 1j])
def test_ordering_with_a_non_number_is_a_type_error(other: object) -> None:
    with pytest.raises(TypeError, match="not supported between"):
        Value(1.0) < other  # noqa: B015


def test_a_bad_format_spec_names_the_value_not_float() -> None:
    # review finding 10: the error said "object of type 'float'", which the user never made
    expected = r"cannot format Value\(data=2\.5, label='loss'\) with 'd': its data 2\.5"
    with pytest.raises(ValueError, match=expected):
        format(Value(2.5, label="loss"), "d")
    assert f"{Value(2.5):.2f}" == "2.50"
