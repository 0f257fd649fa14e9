"""What the stepper builds on: highlighted nodes and edges, gradient overrides, stable ids."""

from __future__ import annotations

import re

import pytest

from chainrule import NOT_COMPUTED, Value, topological_order
from chainrule.viz import dot_ids, edge_id, op_id, to_dot, to_svg, value_id

ORANGE = 'color="#ea580c", penwidth=3'


def lines_with(dot: str, needle: str) -> list[str]:
    return [line for line in dot.splitlines() if needle in line]


def test_highlighted_node_and_its_op_get_a_thick_orange_outline() -> None:
    x = Value(2.0, label="x")
    y = (x * 3).tanh()
    dot = to_dot(y, highlight_nodes=[y])
    (value,) = lines_with(dot, 'id="n3"')
    (op,) = lines_with(dot, 'id="n3_op"')
    assert ORANGE in value and ORANGE in op
    assert dot.count(ORANGE) == 2


def test_the_two_edges_of_a_plus_a_are_highlighted_separately() -> None:
    a = Value(3.0, label="a")
    b = a + a
    first = to_dot(b, highlight_edges=[(a, b, 0)])
    second = to_dot(b, highlight_edges=[(a, b, 1)])
    assert lines_with(first, ORANGE) == ['\tn0 -> n1_op [id="n1_in0", ' + ORANGE + "]"]
    assert lines_with(second, ORANGE) == ['\tn0 -> n1_op [id="n1_in1", ' + ORANGE + "]"]


def test_an_edge_that_is_not_in_the_graph_is_refused() -> None:
    a, c = Value(3.0), Value(1.0)
    b = a * c
    with pytest.raises(ValueError, match="is not an edge: input 1 of the child is not that parent"):
        to_dot(b, highlight_edges=[(a, b, 1)])
    with pytest.raises(ValueError, match="the child has 2 input"):
        to_dot(b, highlight_edges=[(a, b, 2)])
    with pytest.raises(TypeError, match=r"\(parent, child, index\) triples"):
        to_dot(b, highlight_edges=[(a, b)])


def test_grads_override_what_each_node_shows() -> None:
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    c = a * b
    c.backward()
    assert "{a|data 2|grad -3}" in to_dot(c)
    dot = to_dot(c, grads={c: 1.0, b: None, a: 0.25})
    assert "{a|data 2|grad 0.25}" in dot
    assert "{b|data -3|grad —}" in dot
    assert "{data -6|grad 1}" in dot
    partial = to_dot(c, grads={c: 1.0})  # a missing key: not computed yet
    assert "{a|data 2|grad —}" in partial and "{b|data -3|grad —}" in partial
    assert "{a|data 2|grad —}" in to_dot(c, grads={a: NOT_COMPUTED})


def test_grads_override_applies_in_the_svg(wasm: None, svg_texts) -> None:
    a = Value(2.0, label="a")
    y = a * a
    texts = svg_texts(to_svg(y, grads={y: 1.0}, highlight_nodes=[y]))
    assert "grad 1" in texts and "grad —" in texts


def test_dot_ids_name_the_nodes_to_dot_draws() -> None:
    x = Value(2.0, label="x")
    y = (x * x + 1).tanh()
    order = topological_order(y)
    ids = dot_ids(y)
    assert ids == dot_ids(order)
    dot = to_dot(y)
    for node, node_id in ids.items():
        assert re.search(rf'^\t{node_id} \[id="{node_id}"', dot, re.MULTILINE)
        if node.op is not None:
            assert f"{op_id(int(node_id[1:]))} -> {node_id}" in dot
    assert value_id(4) == ids[y] and edge_id(2, 1) == "n2_in1"


def test_svg_elements_carry_the_stable_ids(wasm: None) -> None:
    a = Value(3.0, label="a")
    svg = to_svg(a + a)
    for element_id in ("n0", "n1", "n1_op", "n1_in0", "n1_in1", "n1_out"):
        assert f'id="{element_id}"' in svg


def test_generators_work_like_lists_for_highlights_and_inputs() -> None:
    x, w = Value(2.0, label="x"), Value(-1.0, label="w")
    y = (x * w).tanh()
    product = y.parents[0]
    as_lists = to_dot(y, highlight_nodes=[y, product], highlight_edges=[(x, product, 0)], inputs=[x])
    as_generators = to_dot(y, highlight_nodes=(v for v in [y, product]),
                           highlight_edges=(e for e in [(x, product, 0)]), inputs=(v for v in [x]))
    assert as_generators == as_lists
    assert as_lists != to_dot(y) and ORANGE in as_generators
