"""The max_nodes guard: a big graph is summarised (the part nearest the root) with a warning."""

from __future__ import annotations

import re

import pytest

from chainrule import Value
from chainrule.viz import GraphTooLargeWarning, to_dot, to_svg
from chainrule.viz.select import select_nodes


def chain(length: int) -> tuple[Value, Value]:
    start = x = Value(1.0, label="start")
    for _ in range(length):
        x = -x
    return start, x


def value_nodes(dot: str) -> list[str]:
    return re.findall(r'^\t+(n\d+) \[id=', dot, re.MULTILINE)


def test_a_graph_within_max_nodes_is_drawn_whole_without_warning(recwarn: pytest.WarningsRecorder) -> None:
    _, end = chain(9)
    dot = to_dot(end, max_nodes=10)
    assert len(value_nodes(dot)) == 10 and "start" in dot and "more nodes" not in dot
    assert not recwarn.list


def test_past_max_nodes_only_the_nodes_nearest_the_root_are_drawn() -> None:
    _, end = chain(30)
    with pytest.warns(GraphTooLargeWarning, match="more than 10 nodes: drawing only the 10 nearest the"):
        dot = to_dot(end, max_nodes=10)
    assert value_nodes(dot) == [f"n{i}" for i in range(10)]
    assert "start" not in dot
    assert 'more -> n0_op [style=dashed]' in dot  # the cut is marked
    assert "(only the 10 nodes nearest the output are drawn)" in dot


def test_summary_keeps_the_root_and_the_ids_of_the_drawn_part() -> None:
    _, end = chain(30)
    with pytest.warns(GraphTooLargeWarning):
        dot = to_dot(end, max_nodes=5)
    (root_line,) = [line for line in dot.splitlines() if line.startswith('\tn4 [')]
    assert f"data {end.data:g}" in root_line and "penwidth=2" in root_line


@pytest.mark.slow
def test_a_million_node_graph_is_summarised(wasm: None, svg_texts) -> None:
    _, end = chain(1_000_000)
    with pytest.warns(GraphTooLargeWarning, match="more than 400 nodes"):
        dot = to_dot(end)
    assert len(value_nodes(dot)) == 400
    assert "start" not in dot
    selection = select_nodes(end, 400)
    assert selection.truncated and selection.order[-1] is end and selection.cut == selection.order[:1]
    with pytest.warns(GraphTooLargeWarning):
        texts = svg_texts(to_svg(end, max_nodes=50))
    assert "… more nodes" in texts and texts.count("-") == 50  # every drawn node is a neg op


def test_max_nodes_none_draws_everything() -> None:
    _, end = chain(500)
    assert len(value_nodes(to_dot(end, max_nodes=None))) == 501


def test_with_collapse_max_nodes_counts_boxes_not_nodes(recwarn: pytest.WarningsRecorder) -> None:
    _, end = chain(500)
    with pytest.warns(GraphTooLargeWarning):
        to_dot(end, max_nodes=10)
    recwarn.clear()
    to_dot(end, max_nodes=10, collapse="neuron")  # up to 100 nodes walked per box
    assert not recwarn.list
    _, longer = chain(2000)
    with pytest.warns(GraphTooLargeWarning, match="more than 1000 nodes"):
        to_dot(longer, max_nodes=10, collapse="neuron")


def test_big_pictures_bound_graphviz_layout_work_and_small_ones_do_not():
    from chainrule import Value
    from chainrule.viz import to_dot
    from chainrule.viz.dot import BOUNDED_LAYOUT_NODES

    x = Value(1.0, label="x")
    small, big = x + x, x
    for _ in range(BOUNDED_LAYOUT_NODES + 5):  # one leaf feeding every op: Graphviz's slowest shape
        big = big + x
    assert "nslimit" not in to_dot(small)
    assert "nslimit=1, nslimit1=1" in to_dot(big)
