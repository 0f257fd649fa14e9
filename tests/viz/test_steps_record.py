"""The backward and forward recorders: the textbook patterns, and numbers equal to a plain backward."""

from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainrule import OPS, AnomalyError, Constant, Op, Parameter, Value, detect_anomaly, maximum, relu, sum
from chainrule.engine import OP_FACTORIES, topological_order
from chainrule.viz.steps import record_backward, record_forward, step_through


def test_mul_swaps_its_inputs():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    trace = record_backward(a * b)
    assert [(s.parent_name, s.local, s.contribution, s.rule) for s in trace] == [
        ("a", -3.0, -3.0, "swap"), ("b", 2.0, 2.0, "swap"),
    ]
    assert "other input, b = -3" in trace[0].explanation
    assert (a.grad, b.grad) == (-3.0, 2.0)


def test_add_distributes_the_upstream_gradient_unchanged():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = (a + b) * 5.0
    trace = record_backward(c)
    adds = [s for s in trace if s.op == "add"]
    assert [(s.parent_name, s.upstream, s.local, s.contribution, s.rule) for s in adds] == [
        ("a", 5.0, 1.0, 5.0, "distribute"), ("b", 5.0, 1.0, 5.0, "distribute"),
    ]
    assert "unchanged" in adds[0].explanation


@pytest.mark.parametrize("x, local", [(1.5, 1.0), (-1.5, 0.0)])
def test_relu_routes_or_blocks(x, local):
    a = Value(x, label="a")
    (step,) = record_backward(relu(a)).steps
    assert (step.rule, step.local, step.contribution) == ("route", local, local)
    assert ("passes" if local else "blocked") in step.explanation


def test_max_routes_to_the_larger_input():
    a, b = Value(1.0, label="a"), Value(4.0, label="b")
    trace = record_backward(maximum(a, b))
    assert [(s.parent_name, s.local, s.rule) for s in trace] == [("a", 0.0, "route"), ("b", 1.0, "route")]
    assert "lost" in trace[0].explanation and "larger" in trace[1].explanation


def test_a_plus_a_gives_two_steps_that_accumulate():
    a = Value(3.0, label="a")
    trace = record_backward(a + a)
    assert [(s.parent_name, s.index, s.grad_before, s.grad_after) for s in trace] == [
        ("a", 0, 0.0, 1.0), ("a", 1, 1.0, 2.0),
    ]
    assert "already has" not in trace[0].explanation
    assert "added to the 1 it already has" in trace[1].explanation


def test_interior_node_used_twice():
    a = Value(1.0, label="a")
    b = a + a
    b.label = "b"
    c = b + b
    trace = record_backward(c)
    assert [(s.node_name, s.parent_name, s.upstream, s.grad_after) for s in trace] == [
        ("add#2", "b", 1.0, 1.0), ("add#2", "b", 1.0, 2.0), ("b", "a", 2.0, 2.0), ("b", "a", 2.0, 4.0),
    ]
    assert a.grad == 4.0


def test_steps_carry_node_and_parent_snapshots():
    x, w = Value(2.0, label="x"), Parameter(-3.0, label="w")
    y = (w * x).tanh()
    step = record_backward(y)[0]
    assert (step.number, step.node_name, step.op, step.node_data) == (1, "tanh#3", "tanh", y.data)
    assert (step.node, step.parent, step.index, step.parent_data) == (y, y.parents[0], 0, -6.0)
    assert step.local == pytest.approx(1 - y.data**2) and step.upstream == 1.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        step.local = 0.0  # type: ignore[misc]


def test_sequence_protocol():
    a = Value(2.0, label="a")
    trace = record_backward(a * a + 1)
    assert len(trace) == 4 == len(trace.steps) == len(list(trace))
    assert trace[-1] is trace.steps[3] and trace[1:3] == trace.steps[1:3]
    assert [s.number for s in trace] == [1, 2, 3, 4]
    assert repr(trace) == "<BackwardTrace: 4 steps of 'add#3'>"


def test_leaf_root_has_no_steps():
    a = Value(2.0, label="a")
    trace = record_backward(a)
    assert len(trace) == 0 and a.grad == 1.0
    assert "no chain-rule steps" in trace.table()
    with pytest.raises(ValueError, match="nothing to step through"):
        trace.to_html()
    with pytest.raises(IndexError, match="0 steps"):
        trace.frame_svg(0)


def test_not_a_value_is_refused():
    for recorder in (record_backward, record_forward, step_through):
        with pytest.raises(TypeError, match="needs a Value.*float"):
            recorder(3.0)


def test_leaf_gradients_accumulate_as_in_plain_backward_and_step_through_starts_fresh():
    x = Value(3.0, label="x")
    y = x * 2
    record_backward(y)
    trace = record_backward(y)
    assert x.grad == 4.0 and (trace[0].grad_before, trace[0].grad_after) == (2.0, 4.0)
    assert trace.seeded[x] == 2.0  # the first frame shows the gradient x already had
    trace = step_through(y)
    assert x.grad == 2.0 and trace[0].grad_before == 0.0 and x not in trace.seeded


def test_anomaly_mode_stops_a_recorded_pass_where_backward_stops():
    def messages(run):
        x = Value(0.0, label="x")
        with detect_anomaly(), pytest.raises(AnomalyError) as caught:
            run(x ** 0.5 * 2)
        return str(caught.value)

    plain = messages(lambda y: y.backward())
    assert plain == messages(record_backward) and "gradient inf" in plain
    x = Value(0.0, label="x")
    assert record_backward(x ** 0.5)[0].grad_after == math.inf  # outside anomaly mode: recorded as is


def test_every_op_in_the_table_gets_a_reason():
    ops = list(OPS.values()) + [OP_FACTORIES["pow"](2.0), OP_FACTORIES["rpow"](2.0)]
    for op in ops:
        inputs = [Value(0.5 + k / 10, label=f"x{k}") for k in range(op.arity or 3)]
        trace = record_backward(op(*inputs))
        assert len(trace) == len(inputs), op.name
        for step in trace:
            assert step.explanation.startswith(step.reason + "; upstream 1 × local "), op.name
            assert op.label in step.reason and "its local gradient rule" not in step.reason, op.name


def test_a_custom_op_is_explained_by_its_rule():
    square = Op("square", "x²", forward=lambda x: x * x, local_grads=lambda m, out, x: (2 * x,))
    (step,) = record_backward(square(Value(3.0, label="a"))).steps
    assert (step.rule, step.reason) == ("chain", "x²: its local gradient rule gives 6")


# --- recorded gradients equal plain backward, on random graphs ---------------------------------

UNARY = ["tanh", "sigmoid", "relu", "sin", "neg", "abs"]
BINARY = ["add", "sub", "mul", "max"]


@st.composite
def graph_plans(draw):
    """A random graph as a plan: leaf values, then (op, operand indices) with reuse allowed."""
    leaves = draw(st.lists(st.floats(-2, 2, allow_nan=False), min_size=1, max_size=4))
    plan = []
    for _ in range(draw(st.integers(1, 12))):
        size = len(leaves) + len(plan)
        pick = st.integers(0, size - 1)
        op = draw(st.sampled_from(UNARY + BINARY + ["sum"]))
        arity = 1 if op in UNARY else (draw(st.integers(1, 4)) if op == "sum" else 2)
        plan.append((op, [draw(pick) for _ in range(arity)]))
    return leaves, plan


def build(leaves, plan):
    nodes = [Value(x, label=f"x{k}") for k, x in enumerate(leaves)]
    for op, operands in plan:
        inputs = [nodes[k] for k in operands]
        nodes.append(OPS[op](*inputs) if op != "sum" else sum(inputs))
    return nodes


@given(graph_plans())
def test_recorded_gradients_equal_plain_backward(case):
    plain, recorded = build(*case), build(*case)
    plain[-1].backward()
    trace = record_backward(recorded[-1])
    assert [(n.grad, n.has_grad) for n in plain] == [(n.grad, n.has_grad) for n in recorded]
    interior = [n for n in topological_order(recorded[-1]) if n.parents]
    assert len(trace) == math.fsum(len(n.parents) for n in interior)
    for step in trace:
        assert step.contribution == step.local * step.upstream
        assert step.grad_after == step.grad_before + step.contribution
        assert step.node.parents[step.index] is step.parent


# --- forward ---------------------------------------------------------------------------------

def test_forward_steps_follow_the_topological_order():
    x, w, b = Value(2.0, label="x"), Parameter(-3.0, label="w"), Parameter(6.88, label="b")
    o = (w * x + b).tanh()
    trace = record_forward(o)
    assert [s.node for s in trace] == topological_order(o)
    assert [s.node_name for s in trace] == ["w", "x", "mul#2", "b", "add#4", "tanh#5"]
    assert [s.op for s in trace] == ["", "", "mul", "", "add", "tanh"]
    assert trace[2].inputs == (("w", -3.0), ("x", 2.0)) and trace[2].local_grads == (2.0, -3.0)
    assert trace[0].explanation == "parameter w = -3" and trace[1].explanation == "input x = 2"
    assert trace[4].explanation == "add#4 = mul#2 + b = -6 + 6.88 = 0.88"
    assert trace[5].explanation == "tanh#5 = tanh(add#4) = tanh(0.88) = 0.7064"
    assert trace[-1].data == o.data and not x.has_grad  # forward computes no gradient


def test_forward_recomputes_from_changed_leaves_and_names_constants():
    x = Value(2.0, label="x")
    y = 3 * x ** 2
    x.data = -1.0
    trace = record_forward(y)
    assert [s.explanation for s in trace] == [
        "constant 3", "input x = -1", "pow#2 = x**2 = -1**2 = 1", "mul#3 = 3 * pow#2 = 3 * 1 = 3",
    ]
    assert y.data == 3.0 and isinstance(trace[0].node, Constant)


def test_forward_explanations_mention_the_local_gradients_kept_for_backward():
    x = Value(2.0, label="x")
    trace = record_forward(x * 3)
    assert trace.explain(0) == "Step 1 of 3: input x = 2"
    assert trace.explain(2) == ("Step 3 of 3: mul#2 = x * 3 = 2 * 3 = 6;"
                                " local gradients 3, 2 kept for the backward pass")
