"""Scopes as nested clusters, and collapsing a neuron or a layer into one box."""

from __future__ import annotations

import re

from chainrule import Parameter, Value, name_scope
from chainrule import sum as value_sum
from chainrule.viz import to_dot


def tiny_network() -> tuple[Value, list[Value]]:
    """Two tanh neurons in layers.0, one linear neuron in layers.1, built by hand with name_scope."""
    xs = [Value(0.5, label="x0"), Value(-1.0, label="x1")]
    hidden = []
    with name_scope("layers.0"):
        for i, ws in enumerate([(0.1, -0.2), (0.3, 0.4)]):
            with name_scope(f"neurons.{i}"):
                w = [Parameter(v, label=f"w{j}") for j, v in enumerate(ws)]
                hidden.append(value_sum([w[0] * xs[0], w[1] * xs[1], Parameter(0.0, label="b")]).tanh())
    with name_scope("layers.1"), name_scope("neurons.0"):
        out = value_sum([Parameter(1.0, label="v0") * hidden[0], Parameter(-1.0, label="v1") * hidden[1]])
    out.backward()
    return out, xs


def clusters(dot: str) -> list[tuple[int, str]]:
    """(nesting depth, label) of every scope cluster, in order."""
    found = re.findall(r'^(\t+)subgraph cluster_s\d+ \{\n\t+graph \[label="([^"]*)"', dot, re.MULTILINE)
    return [(len(tabs), label) for tabs, label in found]


def test_scopes_become_nested_labelled_clusters() -> None:
    out, _ = tiny_network()
    dot = to_dot(out)
    assert clusters(dot) == [
        (1, "layers.1"), (2, "neurons.0"), (1, "layers.0"), (2, "neurons.0"), (2, "neurons.1")
    ]
    inner = dot.split('graph [label="neurons.1"')[1].split("\n\t\t}")[0]
    assert "{w0|data 0.3|" in inner and 'label="tanh"' in inner
    assert re.search(r'^\tn\d+ \[id="n\d+", label="\{x0\|', dot, re.MULTILINE)  # inputs stay outside


def test_clusters_can_be_turned_off() -> None:
    out, _ = tiny_network()
    assert "subgraph" not in to_dot(out, clusters=False)


def test_collapse_neuron_draws_one_box_per_neuron_with_its_output() -> None:
    out, _ = tiny_network()
    dot = to_dot(out, collapse="neuron")
    box = r'^\t+(g\d+) \[id="g\d+", label="\{([^|]+)\|\{\{data ([^|]+)\|<o0> grad ([^}]+)\}'
    boxes = re.findall(box, dot, re.MULTILINE)
    hidden = out.parents[0].parents[1], out.parents[1].parents[1]
    assert [(name, data) for _, name, data, _ in boxes] == [
        ("neurons.0", f"{out.data:.4g}"),
        ("neurons.0", f"{hidden[0].data:.4g}"),
        ("neurons.1", f"{hidden[1].data:.4g}"),
    ]
    assert boxes[0][3] == "1"  # the output's grad
    assert "_op" not in dot and "{w0|" not in dot  # everything inside a neuron is hidden
    assert clusters(dot) == [(1, "layers.1"), (1, "layers.0")]
    assert len(re.findall(r"^\tn\d+ -> g\d+:w", dot, re.MULTILINE)) == 4  # x0, x1 into each hidden neuron
    assert len(re.findall(r"^\tg\d+:o0:e -> g0:w", dot, re.MULTILINE)) == 2  # hidden outputs into the last


def test_collapse_layer_shows_every_output_of_the_layer() -> None:
    out, _ = tiny_network()
    dot = to_dot(out, collapse="layer", legend=True)
    (layer0,) = [line for line in dot.splitlines() if '"{layers.0|' in line]
    assert layer0.count("<o") == 2 and "legend_group" in dot
    assert "g1:o0:e -> g0:w" in dot and "g1:o1:e -> g0:w" in dot
    assert to_dot(out, collapse=1) == to_dot(out, collapse="layer")


def test_collapsed_boxes_follow_highlights_and_grads() -> None:
    out, xs = tiny_network()
    first_hidden = out.parents[0].parents[1]
    product = first_hidden.parents[0].parents[0]  # w0 * x0 inside neuron 0 of layers.0
    dot = to_dot(out, collapse="neuron", highlight_nodes=[product], highlight_edges=[(xs[0], product, 1)],
                 grads={first_hidden: 0.5})
    (box,) = [line for line in dot.splitlines() if f"data {first_hidden.data:.4g}" in line]
    assert 'color="#ea580c", penwidth=3' in box and "grad 0.5" in box
    assert len([line for line in dot.splitlines() if "-> g" in line and "penwidth=3" in line]) == 1


def test_thousands_of_nested_scopes_draw_without_recursion() -> None:
    from contextlib import ExitStack

    depth = 3_000
    x = Value(1.0, label="x")
    with ExitStack() as stack:
        for i in range(depth):
            stack.enter_context(name_scope(f"s{i}"))
        y = x * 2
    dot = to_dot(y, max_nodes=None)
    found = clusters(dot)
    assert found == [(1 + i, f"s{i}") for i in range(depth)]
    assert dot.count("\n" + "\t" * depth + "}") == 1  # the innermost cluster closes at its own depth
    assert dot.count("subgraph cluster_s") == depth


def test_thousands_of_sibling_scopes_draw_without_recursion() -> None:
    width = 8_000
    x = Value(1.0, label="x")
    parts = []
    for i in range(width):
        with name_scope(f"s{i}"):
            parts.append(x * i)
    dot = to_dot(value_sum(parts), max_nodes=None)
    assert clusters(dot) == [(1, f"s{i}") for i in range(width)]  # in order of first appearance
    assert dot.count("subgraph cluster_s") == width
