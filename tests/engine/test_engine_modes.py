"""no_grad, anomaly mode (forward and backward), NaN-on-domain-error semantics and name scopes."""

from __future__ import annotations

import math

import pytest

from chainrule import (
    AnomalyError,
    DomainError,
    Value,
    detect_anomaly,
    grad,
    name_scope,
    nan_on_domain_error,
    no_grad,
)
from chainrule import log as vlog


def test_no_grad_builds_no_graph_and_restores_on_error() -> None:
    x = Value(2.0)
    with no_grad():
        y = (x * 3).tanh()
    assert y.parents == () and y.op is None and y.is_leaf
    assert y.data == math.tanh(6.0)
    with pytest.raises(ZeroDivisionError), no_grad():
        raise ZeroDivisionError
    assert (x * 3).parents[0] is x  # graph building is back on


def test_anomaly_raises_at_the_first_forward_nan_or_inf_naming_op_and_label() -> None:
    z = Value(1000.0, label="z")
    message = r"forward of exp produced inf \(inputs: z=1000.0\)"
    with detect_anomaly(), pytest.raises(AnomalyError, match=message):
        z.exp()
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"forward of add produced nan"):
        Value(math.nan, label="n") + 1
    assert z.exp().data == math.inf  # outside anomaly mode: no error


def test_anomaly_raises_at_the_first_backward_inf_naming_op_and_node_label() -> None:
    x = Value(0.0, label="x")
    root = x ** 0.5  # finite value, infinite slope at 0
    root.label = "root"
    with detect_anomaly(), pytest.raises(AnomalyError) as caught:
        root.backward()
    message = str(caught.value)
    assert "backward of pow node 'root'" in message and "x=0.0" in message and "inf" in message


def test_anomaly_in_backward_names_the_first_bad_step_not_a_later_one() -> None:
    x = Value(0.0, label="x")
    mid = x ** 0.5
    mid.label = "sqrt"
    top = (mid * 2).tanh()
    with detect_anomaly(), pytest.raises(AnomalyError, match="backward of pow node 'sqrt'"):
        top.backward()


def test_anomaly_in_backward_with_create_graph_and_in_grad() -> None:
    x = Value(0.0, label="x")
    with detect_anomaly(), pytest.raises(AnomalyError, match="backward of pow"):
        (x ** 0.5).backward(create_graph=True)
    with detect_anomaly(), pytest.raises(AnomalyError, match="backward of pow"):
        grad(x ** 0.5, [x])


def test_anomaly_in_recompute() -> None:
    x = Value(1.0, label="x")
    y = x.exp()
    x.data = 1000.0
    with detect_anomaly(), pytest.raises(AnomalyError, match="forward of exp produced inf"):
        y.recompute()


def test_nan_on_domain_error_gives_nan_everywhere_instead_of_raising() -> None:
    with nan_on_domain_error():
        results = [Value(-1.0).log(), Value(0.0).log(), Value(1.0) / 0, Value(0.0) ** -1,
                   Value(-8.0) ** 0.5, (-2) ** Value(1.0), Value(math.inf).sin()]
        for y in results:
            y.backward()  # local gradients at a domain error are NaN too, never ZeroDivisionError
    assert all(math.isnan(y.data) for y in results)
    with pytest.raises(DomainError):
        Value(-1.0).log()  # mode restored


def test_nan_inputs_propagate_as_nan() -> None:
    n = Value(math.nan)
    for y in [n.relu(), n.maximum(1.0), Value(1.0).maximum(n), n.log(), n.exp(), n.tanh(), n.sigmoid(),
              n.abs(), n * 2, n ** 2, vlog(math.nan)]:
        assert math.isnan(y.data), y


def test_name_scope_nests_and_restores() -> None:
    with name_scope("layer0"):
        a = Value(1.0)
        with name_scope("neuron1"):
            b = a * 2
        c = a + 1
    d = a - 1
    assert a.scope == ("layer0",) and b.scope == ("layer0", "neuron1") and c.scope == ("layer0",)
    assert d.scope is None
    assert b.parents[1].scope == ("layer0", "neuron1")  # the Constant 2 was made inside too


def test_a_switch_object_can_be_nested_and_reused() -> None:
    off = no_grad()
    with off:
        with off:
            assert Value(1.0).__add__(1).parents == ()
        assert (Value(1.0) + 1).parents == ()
    assert (Value(1.0) + 1).parents != ()
    scope = name_scope("a")
    with scope, scope:
        assert (Value(1.0) + 1).scope == ("a", "a")
    assert Value(1.0).scope is None


def test_name_scope_needs_a_str() -> None:
    with pytest.raises(TypeError, match="name_scope needs a str, got int"):
        name_scope(3)
