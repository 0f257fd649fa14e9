"""Graphs pickle and copy: iteratively, ops by name, parametrised ops by their constant."""

from __future__ import annotations

import copy
import pickle
import sys

import pytest

from chainrule import NOT_COMPUTED, OPS, Constant, Op, Parameter, Value, name_scope, topological_order
from chainrule import sum as vsum
from chainrule.engine.ops import power, power_of


def _graph() -> Value:
    x, w = Value(0.7, label="x"), Parameter(-1.3, label="w")
    with name_scope("layer"):
        h = (w * x + 1).tanh() + x ** 2 + 2 ** x - x / w + vsum([x, w, x * w])
    return (h.relu() + h.sigmoid() * h.exp() + abs(h) + h.maximum(x)).log()


def _same_graph(a: Value, b: Value) -> None:
    """Node by node: same class, data, grad (or not computed), op object, label, scope, parent positions."""
    order_a, order_b = topological_order(a), topological_order(b)
    assert len(order_a) == len(order_b)
    index_a = {node: i for i, node in enumerate(order_a)}
    index_b = {node: i for i, node in enumerate(order_b)}
    for p, q in zip(order_a, order_b, strict=True):
        assert p is not q
        assert type(p) is type(q) and p.data == q.data and p.label == q.label and p.scope == q.scope
        assert p.op is q.op and p.has_grad == q.has_grad and (not p.has_grad or p.grad == q.grad)
        assert [index_a[x] for x in p.parents] == [index_b[x] for x in q.parents]
        assert (p._parent1 is None) == (q._parent1 is None)


@pytest.mark.parametrize("clone", [lambda v: pickle.loads(pickle.dumps(v)), copy.deepcopy],
                         ids=["pickle", "deepcopy"])
def test_any_graph_round_trips_and_backward_gives_the_same_gradients(clone) -> None:
    root = _graph()
    twin = clone(root)
    _same_graph(root, twin)
    assert twin.grad is NOT_COMPUTED  # the singleton survives: has_grad still tells "not computed"
    root.backward()
    twin.backward()
    _same_graph(root, twin)
    after = clone(root)  # gradients travel too
    _same_graph(root, after)


def test_ops_come_back_by_name_and_parametrised_ops_by_their_constant() -> None:
    for op in [*OPS.values(), power(2.5), power(-1.0), power_of(3.0)]:
        assert pickle.loads(pickle.dumps(op)) is op and copy.deepcopy(op) is op and copy.copy(op) is op
    assert b"<lambda>" not in pickle.dumps(power(2.5))


def test_shared_nodes_stay_shared_across_one_pickle() -> None:
    x = Value(2.0, label="x")
    y = x * x
    a, b, x2 = pickle.loads(pickle.dumps([y + 1, y * 3, x]))
    assert a.parents[0] is b.parents[0] and a.parents[0].parents == (x2, x2)
    (a + b).backward()
    assert x2.grad == 16.0


def test_a_100k_deep_graph_pickles_and_copies_without_recursion() -> None:
    x = Value(0.5, label="x")
    y = x
    for i in range(100_000):  # one node per level: 100,000 levels deep
        y = -y if i % 2 else y.sin()
    assert sys.getrecursionlimit() < 100_000
    twin = pickle.loads(pickle.dumps(y))
    copied = copy.deepcopy(y)
    y.backward()
    for other in (twin, copied):
        other.backward()
        leaf = topological_order(other)[0]
        assert leaf.label == "x" and leaf.grad == x.grad and other.data == y.data


def test_create_graph_gradients_pickle_with_their_own_graph() -> None:
    x = Value(1.5, label="x")
    y = x * x * x
    y.backward(create_graph=True)
    x2 = pickle.loads(pickle.dumps(x))
    assert isinstance(x2.grad, Value) and x2.grad.data == x.grad.data == 6.75
    x2.grad.backward()
    (leaf,) = [node for node in topological_order(x2.grad) if node.label == "x"]
    assert leaf is x2 and leaf.grad.data == 6.75 + 9.0  # its first-order grad, plus d(3x^2)/dx


def test_copy_is_one_new_node_sharing_the_parents() -> None:
    x = Value(2.0)
    y = x * 3
    z = copy.copy(y)
    assert z is not y and z.parents == y.parents and z.op is y.op and z.data == 6.0
    assert type(copy.copy(Constant(1.0))) is Constant


def _square(x: float) -> float:
    return x * x


def _square_grads(m, out, x):  # noqa: ANN001, ANN202
    return (2 * x,)


SQUARE = Op("square", "x²", _square, _square_grads)


def test_custom_ops_pickle_by_value_with_module_level_functions() -> None:
    y = SQUARE(Value(3.0))
    twin = pickle.loads(pickle.dumps(y))
    assert twin.op is not SQUARE and twin.op.name == "square" and twin.op.forward is _square
    twin.backward()
    assert twin.parents[0].grad == 6.0


def test_a_custom_op_with_a_lambda_is_refused_by_name() -> None:
    cube = Op("cube", "x³", lambda x: x ** 3, lambda m, out, x: (3 * x * x,))
    with pytest.raises(pickle.PicklingError, match="custom op 'cube': its forward is .*<lambda>"):
        pickle.dumps(cube(Value(2.0)) + 1)
    deep = Value(1.0)
    for _ in range(5000):  # nothing stale left behind: a deep graph still pickles
        deep = deep + 1
    assert pickle.loads(pickle.dumps(deep)).data == 5001.0
