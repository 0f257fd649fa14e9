"""A custom op whose local_grads rule gives the wrong number of partials is refused by name, on every
backward path (plain, create_graph, hooks), and a rule's own errors pass through untouched."""

from __future__ import annotations

import pytest

from chainrule import DomainError, Op, Value, detect_anomaly, grad
from chainrule.engine import LocalGradsError
from chainrule.engine.graph import backpropagate, topological_order
from chainrule.viz.steps import record_backward

UNARY_TWO = Op("unary_two", "u", lambda x: 2 * x, lambda m, out, x: (2.0, 0.0))
UNARY_BARE = Op("unary_bare", "u", lambda x: 2 * x, lambda m, out, x: 2.0)  # forgot the tuple
BINARY_ONE = Op("binary_one", "b", lambda a, b: a * b, lambda m, out, a, b: (b,), arity=2)
NARY_SHORT = Op("nary_short", "n", lambda *xs: sum(xs), lambda m, out, *xs: (1.0,) * (len(xs) - 1),
                arity=None)

CASES = [(UNARY_TWO, 1, "gave 2 partial(s), expected 1"), (UNARY_BARE, 1, "gave a float"),
         (BINARY_ONE, 2, "gave 1 partial(s), expected 2"), (NARY_SHORT, 3, "gave 2 partial(s), expected 3")]
IDS = [op.name for op, _, _ in CASES]


def build(op: Op, n: int) -> Value:
    return op(*(Value(float(i + 1), label=f"x{i}") for i in range(n))) * 1.0


@pytest.mark.parametrize(("op", "n", "words"), CASES, ids=IDS)
@pytest.mark.parametrize("path", ["backward", "create_graph", "grad", "on_step", "anomaly", "stepper"])
def test_a_miscounted_rule_is_refused_naming_the_op_on_every_path(op, n, words, path):
    y = build(op, n)
    run = {
        "backward": lambda: y.backward(),
        "create_graph": lambda: y.backward(create_graph=True),
        "grad": lambda: grad(y, list(y.parents[0].parents), create_graph=True),
        "on_step": lambda: backpropagate(topological_order(y), on_step=lambda *args: None),
        "anomaly": lambda: _in_anomaly_mode(y),
        "stepper": lambda: record_backward(y),
    }[path]
    with pytest.raises(LocalGradsError) as info:
        run()
    message = str(info.value)
    assert f"op {op.name!r}" in message and words in message
    assert "x0" in message  # the node's inputs are named
    assert isinstance(info.value, ValueError) and isinstance(info.value, TypeError)


def _in_anomaly_mode(y: Value) -> None:
    with detect_anomaly():
        y.backward()


@pytest.mark.parametrize(("op", "n"), [(UNARY_TWO, 1), (UNARY_BARE, 1), (BINARY_ONE, 2)], ids=IDS[:3])
def test_the_hot_path_error_is_chained_from_the_unpacking_error(op, n):
    with pytest.raises(LocalGradsError) as info:
        build(op, n).backward()
    assert isinstance(info.value.__cause__, (ValueError, TypeError))
    assert "unpack" in str(info.value.__cause__)


def test_a_labelled_node_is_named_by_its_label():
    y = BINARY_ONE(Value(2.0), 3.0)
    y.label = "product"
    with pytest.raises(LocalGradsError, match="at node 'product'"):
        y.backward()


def test_an_n_ary_rule_missing_a_partial_no_longer_gives_silently_wrong_gradients():
    xs = [Value(1.0), Value(2.0), Value(3.0)]
    with pytest.raises(LocalGradsError):
        NARY_SHORT(*xs).backward()


def test_a_rules_own_value_error_passes_through_untouched():
    def rule(m, out, x):
        raise DomainError("picky: no slope here")

    picky = Op("picky", "p", lambda x: x, rule)
    with pytest.raises(DomainError, match="picky: no slope here") as info:
        picky(Value(1.0)).backward()
    assert not isinstance(info.value, LocalGradsError)


def test_a_correct_rule_still_backpropagates_on_the_hot_path():
    x = Value(3.0)
    y = (x * x + x).tanh() + x.relu()
    y.backward()
    assert x.grad == pytest.approx((1 - y.parents[0].data ** 2) * 7 + 1)


@pytest.mark.parametrize("root", [3, 2.5, None, "x", [Value(1.0)]])
def test_topological_order_and_backward_refuse_a_non_value_naming_its_type(root):
    with pytest.raises(TypeError, match=f"needs a Value.*got {type(root).__name__}"):
        topological_order(root)
    with pytest.raises(TypeError, match=f"got {type(root).__name__}"):
        Value.backward(root)
