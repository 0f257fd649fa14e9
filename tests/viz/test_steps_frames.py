"""Frames: each step drawn with its node and edge highlighted, gradients filled in up to that step."""

from __future__ import annotations

import re

import pytest

from chainrule import Parameter, Value, name_scope
from chainrule.viz import to_dot
from chainrule.viz.ids import dot_ids
from chainrule.viz.steps import record_backward, record_forward
from chainrule.viz.style import HIGHLIGHT


def neuron():
    x, w, b = Value(2.0, label="x"), Parameter(-3.0, label="w"), Parameter(6.88, label="b")
    return (w * x + b).tanh()


def lit(dot: str) -> list[str]:
    """The ids of everything drawn highlighted in a DOT text."""
    return sorted(re.search(r'id="([^"]+)"', line).group(1) for line in dot.splitlines() if HIGHLIGHT in line)


def shown_grads(dot: str) -> dict[str, str]:
    return dict(re.findall(r'(n\d+) \[id="n\d+", label="\{[^"]*?grad ([^"|}]+)\}"', dot))


def shown_data(dot: str) -> dict[str, str]:
    return dict(re.findall(r'(n\d+) \[id="n\d+", label="\{[^"]*?data ([^"|}]+)\|', dot))


def test_backward_frames_highlight_the_node_and_edge_of_each_step():
    trace = record_backward(neuron())
    ids = dot_ids(trace.root)
    for i, step in enumerate(trace):
        node = ids[step.node]
        assert lit(trace.frame_dot(i)) == sorted([node, f"{node}_op", f"{node}_in{step.index}"])


def test_a_plus_a_highlights_each_of_its_two_edges():
    a = Value(3.0, label="a")
    trace = record_backward(a + a)
    lit_per_frame = [lit(trace.frame_dot(i)) for i in range(2)]
    assert lit_per_frame == [["n1", "n1_in0", "n1_op"], ["n1", "n1_in1", "n1_op"]]
    assert [shown_grads(trace.frame_dot(i))["n0"] for i in range(2)] == ["1", "2"]


def test_gradients_are_filled_in_up_to_the_step_and_not_beyond():
    trace = record_backward(neuron())
    ids = dot_ids(trace.root)
    for i in range(len(trace)):
        expected = {ids[trace.root]: "1"}
        for step in trace[: i + 1]:
            expected[ids[step.parent]] = f"{step.grad_after:.4g}"
        grads = shown_grads(trace.frame_dot(i))
        assert {k: v for k, v in grads.items() if v != "—"} == expected
        assert len(grads) == 6
    assert shown_grads(trace.frame_dot(-1)) == {ids[n]: f"{n.grad:.4g}" for n in ids}


def test_gradients_kept_from_an_earlier_pass_show_from_the_first_frame():
    x = Value(3.0, label="x")
    y = x * 2
    y.backward()
    trace = record_backward(y)
    # x, the constant 2, y: x has this pass's step, the constant still the 3 of the first pass
    assert shown_grads(trace.frame_dot(0)) == {"n0": "4", "n1": "3", "n2": "1"}
    assert shown_grads(trace.frame_dot(1)) == {"n0": "4", "n1": "6", "n2": "1"}


def test_frame_svg_is_inline_svg_with_the_highlight_on_the_right_node():
    trace = record_backward(neuron())
    svg = trace.frame_svg(3)
    assert svg.startswith("<svg") and "<?xml" not in svg and "<!DOCTYPE" not in svg
    node = dot_ids(trace.root)[trace[3].node]
    groups = re.findall(r'<g id="([^"]+)" class="(?:node|edge)">(.*?)</g>', svg, re.DOTALL)
    assert len(groups) == 6 + 3 + 8  # value nodes, op nodes, edges
    lit_groups = sorted(group_id for group_id, body in groups if f'stroke="{HIGHLIGHT}"' in body)
    assert lit_groups == sorted([node, f"{node}_op", f"{node}_in{trace[3].index}"])
    assert trace.frame_svg(3) is svg  # cached
    with pytest.raises(IndexError, match="no step 5: this trace has 5 steps"):
        trace.frame_svg(5)


def test_forward_frames_highlight_the_node_being_evaluated_and_its_inputs():
    trace = record_forward(neuron())
    assert lit(trace.frame_dot(0)) == ["n0"]  # a leaf: no op, no edges
    assert lit(trace.frame_dot(2)) == ["n2", "n2_in0", "n2_in1", "n2_op"]
    assert set(shown_grads(trace.frame_dot(5)).values()) == {"—"}


def test_forward_frames_show_the_values_computed_up_to_the_node():
    y = neuron()
    trace = record_forward(y)
    ids = dot_ids(y)
    y.parents[0].parents[1].data = 100.0  # b changed after recording: frames show what was computed
    for i in range(len(trace)):
        done = {ids[step.node]: f"{step.data:.4g}" for step in trace[: i + 1]}
        assert shown_data(trace.frame_dot(i)) == {name: done.get(name, "—") for name in ids.values()}
    assert shown_data(trace.frame_dot(-1))["n3"] == "6.88"


def test_to_dot_shows_data_overrides_like_grads():
    x = Value(2.0, label="x")
    y = x * 3
    assert shown_data(to_dot(y, data={x: 0.5})) == {"n0": "0.5", "n1": "—", "n2": "—"}
    assert shown_data(to_dot(y, data={x: None, y: Value(7.0)})) == {"n0": "—", "n1": "—", "n2": "7"}
    assert shown_data(to_dot(y)) == {"n0": "2", "n1": "3", "n2": "6"}
    with name_scope("neurons.0"):
        z = (x * 2).tanh()
    assert "{neurons.0|{{data —|<o0> grad —}}}" in to_dot(z, collapse="neuron", data={})
    with pytest.raises(TypeError, match="data must be a mapping Value -> float | None, got list"):
        to_dot(y, data=[1.0])


def test_drawn_with_changes_the_picture_not_the_steps():
    trace = record_backward(neuron())
    top_down = trace.drawn_with(rankdir="TB", legend=True)
    assert top_down.steps is trace.steps and "rankdir=TB" in top_down.frame_dot(0)
    assert "rankdir=LR" in trace.frame_dot(0) and top_down.frame_svg(0) != trace.frame_svg(0)
    with pytest.raises(TypeError, match="sets grads itself"):
        trace.drawn_with(grads={})
    with pytest.raises(TypeError, match="sets data itself"):
        trace.drawn_with(data={})
    with pytest.raises(TypeError, match="unknown drawing option.*colour"):
        trace.drawn_with(colour="red")


def test_frames_draw_every_node_of_a_large_graph():
    x = Value(0.5, label="x")
    y = x
    for _ in range(250):
        y = (y * 0.5).tanh()
    trace = record_backward(y)
    dot = trace.frame_dot(-1)  # 751 nodes, past the pictures' default max_nodes of 400
    assert len(trace) == 750 and "more nodes" not in dot and 'id="n750"' in dot and 'id="n0"' in dot
