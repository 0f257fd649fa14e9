"""Stepping through forward mode: tangent in × local = contribution, ending at the gradient."""

from __future__ import annotations

import math

import pytest
from hypothesis import given

from chainrule import Value
from chainrule.engine.forward import forward_grad
from chainrule.viz.steps import TangentTrace, record_tangents, step_through
from tests.engine.random_dags import dags


@given(dags(max_ops=12))
def test_each_step_multiplies_and_the_last_tangent_is_the_gradient(dag: tuple[list[Value], Value]) -> None:
    leaves, root = dag
    root.backward()
    for leaf in leaves:
        trace = step_through(root, mode="forward", wrt=leaf)
        assert isinstance(trace, TangentTrace)
        for step in trace:
            assert step.contribution == step.tangent_in * step.local
            assert step.tangent_after == step.tangent_before + step.contribution
            assert step.node.parents[step.index] is step.parent
        assert trace.result == forward_grad(root, leaf)
        assert math.isclose(trace.result, leaf.grad, rel_tol=1e-12, abs_tol=1e-12)


def test_a_diamond_sums_its_two_paths_in_the_table_and_sentences() -> None:
    x = Value(3.0, label="x")
    a, b = x * 2, x.sin()
    a.label, b.label = "a", "b"
    y = a * b
    y.label = "y"
    trace = record_tangents(y, x)
    assert [(s.parent_name, s.node_name) for s in trace] == [("x", "a"), ("x", "b"), ("a", "y"), ("b", "y")]
    assert "added to the" in trace[3].explanation and "paths sum" in trace[3].explanation
    assert "; dy/dx = " in trace.table().splitlines()[0]
    assert trace.tangents_after(1) == {x: 1.0, a: 2.0, b: math.cos(3.0)}
    assert x.grad == 0.0 and not x.has_grad  # forward mode leaves grads alone


def test_frames_show_tangents_and_highlight_the_edge(wasm: None) -> None:
    x = Value(3.0, label="x")
    y = x * x + 1
    trace = step_through(y, mode="forward", wrt=x)
    dot = trace.frame_dot(1)
    assert "forward mode: grad shows each node's tangent" in dot
    assert 'id="n1_in1"' in dot and "grad 6" in dot  # the second product into x*x: tangent 3 + 3
    assert "grad 6" in trace.frame_svg(1)
    page = trace.to_html()
    assert page.count('id="cr-data"') == 1 and "tangent" in page


def test_an_output_that_does_not_depend_on_wrt() -> None:
    x, other = Value(1.0, label="x"), Value(2.0, label="w")
    trace = record_tangents(x * 3, other)
    assert len(trace) == 0 and trace.result == 0.0 and "does not depend on w" in trace.summary()


def test_refusals_name_what_is_wrong() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match="needs wrt="):
        step_through(x * 2, mode="forward")
    with pytest.raises(ValueError, match="mode must be 'backward' or 'forward', got 'sideways'"):
        step_through(x * 2, mode="sideways")
    with pytest.raises(TypeError, match="wrt= is for mode='forward'"):
        step_through(x * 2, wrt=x)
    with pytest.raises(TypeError, match="wrt must be a Value"):
        record_tangents(x * 2, 2.0)  # type: ignore[arg-type]
