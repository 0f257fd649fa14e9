"""backpropagate's general loop is the reference; the float fast path must give the same gradients,
bit for bit, on any graph (every op of the table, n-ary sums, reuse, powers, constants)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainrule import OPS, Op, Value
from chainrule.engine import backpropagate, topological_order

UNARY = ["neg", "exp", "tanh", "sigmoid", "sin", "cos", "relu", "abs", "square", "cube", "half_power"]
BINARY = ["add", "sub", "mul", "max", "add_const", "const_mul", "const_sub"]
SAFE = {  # unary ops kept finite on any input in [-2, 2] after a few steps
    "square": lambda x: x ** 2, "cube": lambda x: x ** 3, "half_power": lambda x: (x * x + 1) ** 0.5,
    "add_const": lambda x, y: x + 2.5, "const_mul": lambda x, y: 3 * x, "const_sub": lambda x, y: 1 - y,
}

# a fixed-arity op with one constant partial per input (n-ary nodes, unlike sum's one-for-all partial)
LIN3 = Op("lin3", "lin3", lambda a, b, c: a + 2.0 * b - 3.0 * c, arity=3, constant_partials=(1.0, 2.0, -3.0))


@st.composite
def graphs(draw):
    leaves = draw(st.lists(st.floats(-2, 2, allow_nan=False), min_size=1, max_size=4))
    plan = []
    for _ in range(draw(st.integers(1, 15))):
        pick = st.integers(0, len(leaves) + len(plan) - 1)
        op = draw(st.sampled_from([*UNARY, *BINARY, "sum", "lin3"]))
        arity = 1 if op in UNARY else (draw(st.integers(1, 5)) if op == "sum" else 3 if op == "lin3" else 2)
        plan.append((op, [draw(pick) for _ in range(arity)]))
    return leaves, plan


def build(leaves, plan):
    nodes = [Value(x) for x in leaves]
    for op, operands in plan:
        inputs = [nodes[k] for k in operands]
        if op == "sum":
            nodes.append(OPS["sum"](*inputs))
        elif op == "lin3":
            nodes.append(LIN3(*inputs))
        elif op in SAFE:
            nodes.append(SAFE[op](*inputs))
        else:
            nodes.append(OPS[op](*inputs))
    return nodes


@given(graphs(), st.booleans())
def test_the_fast_paths_equal_the_reference_loop(case, twice):
    fast, also_fast, reference = build(*case), build(*case), build(*case)
    if not all(math.isfinite(n.data) for n in fast):
        return
    for _ in range(1 + twice):  # a second call: leaf gradients accumulate, interior ones are recomputed
        fast[-1].backward()  # the interior-only sort and the float pass
        backpropagate(topological_order(also_fast[-1]))  # the float pass over the full order
        backpropagate(topological_order(reference[-1]), on_step=lambda *step: None)  # the reference
    expected = [(n.grad, n.has_grad) for n in reference]
    assert [(n.grad, n.has_grad) for n in fast] == expected
    assert [(n.grad, n.has_grad) for n in also_fast] == expected


def test_a_second_backward_accumulates_leaves_the_same_way_on_both_paths():
    x = Value(0.7)
    y = OPS["sum"](x * x, x.tanh(), 2 * x)
    backpropagate(topological_order(y))
    backpropagate(topological_order(y))
    fast = x.grad
    x.grad = 0.0
    for _ in range(2):
        backpropagate(topological_order(y), on_step=lambda *step: None)
    assert fast == x.grad
    assert fast == pytest.approx(2 * (2 * 0.7 + (1 - math.tanh(0.7) ** 2) + 2), rel=1e-15)


class _Exploding(Value):
    """A node whose second parent slot cannot be read: the sort is interrupted when it gets there."""

    __slots__ = ()

    @property
    def _parent1(self):
        raise KeyboardInterrupt


def test_an_interrupted_sort_leaves_no_marker_in_any_grad():
    x = Value(2.0)
    bad = _Exploding.__new__(_Exploding)
    bad.data, bad.grad, bad.label, bad.scope, bad.op = 4.0, 0.5, "", None, OPS["neg"]
    bad._parent0 = x
    Value._parent1.__set__(bad, None)
    y = (bad + x) * 3
    with pytest.raises(KeyboardInterrupt):
        y.backward()
    for node in (y, y.parents[0], bad):
        assert isinstance(node.grad, float), node.grad
    z = x * x + x
    z.backward()
    assert x.grad == 5.0
