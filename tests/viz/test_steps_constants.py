"""constants=False: the steps into constants are left out of the record, never out of the backward pass."""

from __future__ import annotations

import dataclasses
import re

import pytest

from chainrule import AnomalyError, Constant, Parameter, Value, detect_anomaly, exp, maximum
from chainrule.engine import topological_order
from chainrule.viz.ids import dot_ids
from chainrule.viz.steps import record_backward, step_through
from chainrule.viz.steps.page import unpack_data

FORMULAS = {
    "2x": lambda x, y: 2 * x,
    "sigmoid by gates": lambda x, y: 1 / (1 + exp(-(x * y + 3))),
    "cs231n max": lambda x, y: 2 * (x * y + maximum(x, y - 1)),
    "constant used twice": lambda x, y: (x - 0.5) * (y - 0.5) + (0.5 ** x),
    "no constants": lambda x, y: x * y + x,
}


def build(formula):
    x, y = Value(1.5, label="x"), Parameter(-2.0, label="y")
    return formula(x, y)


def grads(root):
    return [(node.has_grad, float(node.grad)) for node in topological_order(root)]


@pytest.mark.parametrize("constants", [True, False])
@pytest.mark.parametrize("formula", FORMULAS.values(), ids=FORMULAS.keys())
def test_gradients_equal_a_plain_backward(formula, constants):
    plain = build(formula)
    plain.backward()
    recorded = build(formula)
    record_backward(recorded, constants=constants)
    assert grads(recorded) == grads(plain)  # constants included: the engine still applied their steps


@pytest.mark.parametrize("formula", FORMULAS.values(), ids=FORMULAS.keys())
def test_leaving_out_constants_keeps_the_other_steps_renumbered(formula):
    every = record_backward(build(formula))
    kept = record_backward(build(formula), constants=False)
    expected = [step for step in every if not isinstance(step.parent, Constant)]
    assert not any(isinstance(step.parent, Constant) for step in kept)
    assert [step.number for step in kept] == list(range(1, len(kept) + 1))
    assert kept.left_out == len(every) - len(expected) and every.left_out == 0

    def fields(step):  # everything but the step number and the nodes (each trace has its own graph)
        return {k: v for k, v in dataclasses.asdict(step).items() if k not in ("number", "node", "parent")}

    assert [fields(step) for step in kept] == [fields(step) for step in expected]


def test_constants_true_is_todays_behaviour():
    x = Value(3.0, label="x")
    default, explicit = record_backward(2 * x + 1), step_through(2 * x + 1, constants=True)
    assert [s.parent_name for s in default] == [s.parent_name for s in explicit] == ["mul#2", "1", "2", "x"]


def test_table_and_summary_count_the_kept_steps():
    x = Value(3.0, label="x")
    trace = step_through(2 * x + 1, constants=False)
    lines = trace.table().splitlines()
    assert lines[0].startswith("backward pass of add#4: 2 chain-rule steps, 2 into constants left out")
    assert [line.split()[:2] for line in lines[2:]] == [["1", "add#4"], ["2", "mul#2"]]
    assert [line.split()[6] for line in lines[2:]] == ["mul#2", "x"]
    assert trace.explain(1).startswith("Step 2 of 2:") and x.grad == 2.0
    assert trace._repr_html_().count("<tr") == 3  # header and two steps


def test_only_constants_left_out_gives_an_empty_record():
    trace = record_backward(Value(2.0) * 1, constants=False)
    assert len(trace) == 1 and trace.left_out == 1
    only_constant = record_backward(Constant(2.0) * Constant(3.0), constants=False)
    assert len(only_constant) == 0
    assert only_constant.summary().endswith("no chain-rule steps, 2 into constants left out")


def test_frames_show_left_out_constants_as_not_computed():
    x, y = Value(1.5, label="x"), Value(-2.0, label="y")
    root = 2 * (x * y + 1)
    trace = record_backward(root, constants=False)
    ids = dot_ids(root)
    constants = [node for node in topological_order(root) if isinstance(node, Constant)]
    for i, step in enumerate(trace):
        dot = trace.frame_dot(i)
        assert f'{ids[step.node]}_in{step.index}", color=' in dot  # the step's edge is lit
        for constant in constants:
            label = r"{[^|]+\|data [^|]+\|grad —}"
            assert re.search(rf'{ids[constant]} \[id="{ids[constant]}", label="{label}"', dot)
        assert trace.frame_svg(i).startswith("<svg")
    last = trace.grads_after(len(trace) - 1)
    assert last[x] == x.grad == -4.0 and last[y] == y.grad == 3.0 and not set(constants) & last.keys()


def test_page_steps_through_the_kept_steps_only():
    x, y = Value(1.5, label="x"), Value(-2.0, label="y")
    trace = step_through(1 / (1 + exp(-(x * y))), constants=False)
    text = trace.to_html()
    data = unpack_data(text)
    explanations = data["why"]
    assert explanations == [step.explanation for step in trace]
    assert len(explanations) == len(trace) == 6 and f'max="{len(trace) - 1}"' in text
    frames = data["frames"]["frames"]
    assert len(frames) == len(trace)


def test_seeded_leaf_gradients_of_constants_are_not_shown():
    x = Value(3.0, label="x")
    root = 2 * x
    root.backward()  # x and the constant 2 now hold gradients from an earlier pass
    trace = record_backward(root, constants=False)
    assert x in trace.seeded and not any(isinstance(node, Constant) for node in trace.seeded)
    assert x.grad == 4.0  # leaf gradients accumulate, as with backward()


def test_anomaly_in_a_left_out_step_still_stops_the_pass():
    x = Value(1.0, label="x")
    root = Constant(0.0) ** 0.5 * x  # d(0 ** 0.5)/d0 is infinite: the step into the constant is bad
    with detect_anomaly(), pytest.raises(AnomalyError, match="backward of pow node"):
        record_backward(root, constants=False)


@pytest.mark.parametrize("bad", [0, "no", None])
def test_constants_must_be_a_bool(bad):
    x = Value(3.0, label="x")
    (2 * x).backward()
    with pytest.raises(TypeError, match="constants must be True or False"):
        step_through(2 * x, constants=bad)
    assert x.grad == 2.0  # refused before any gradient was cleared
    with pytest.raises(TypeError, match=f"record_backward: constants .* got {type(bad).__name__}"):
        record_backward(2 * x, constants=bad)
