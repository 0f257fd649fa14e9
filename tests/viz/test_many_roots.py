"""Several outputs in one picture: a list of Values (a layer's outputs, a loss and a metric)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

import chainrule.viz.select as select
from chainrule import Value, name_scope, topological_order
from chainrule.nn import Layer
from chainrule.viz import GraphTooLargeWarning, draw, save, to_dot, to_svg
from chainrule.viz.select import select_nodes, union_order
from chainrule.viz.style import KIND_FILL

OUTPUT = f'fillcolor="{KIND_FILL["output"]}", penwidth=2'


def value_lines(dot: str) -> dict[str, str]:
    """Each drawn value node's id -> its DOT line."""
    return dict(re.findall(r"^\t+(n\d+) (\[id=.*)$", dot, re.MULTILINE))


def output_labels(dot: str) -> list[str]:
    """The record label of every value node drawn as an output, in id order."""
    return [
        re.search(r'label="([^"]*)"', line).group(1) for line in value_lines(dot).values() if OUTPUT in line
    ]


def two_outputs() -> tuple[Value, Value, Value]:
    """loss = (x*w - 1)**2 and a second output sharing x*w, after backward of the loss."""
    x, w = Value(2.0, label="x"), Value(0.5, label="w")
    shared = x * w
    shared.label = "xw"
    loss = (shared - 1) ** 2
    loss.label = "loss"
    other = shared.tanh()
    other.label = "other"
    loss.backward()
    return loss, other, shared


def concatenated_orders(roots: list[Value]) -> list[Value]:
    """The specification: each root's topological order in turn, every node once."""
    return list(dict.fromkeys(node for root in roots for node in topological_order(root)))


def random_graph(seed: int) -> list[Value]:
    """A random graph of 30 nodes with shared sub-graphs; returns 1 to 4 of its nodes as outputs."""
    rng = random.Random(seed)
    nodes = [Value(float(i + 1), label=f"v{i}") for i in range(4)]
    for _ in range(26):
        a, b = rng.choice(nodes), rng.choice(nodes)
        nodes.append(rng.choice([a + b, a * b, a.tanh(), a - b]))
    return rng.sample(nodes[4:], rng.randint(1, 4))


def test_every_output_is_coloured_as_an_output_and_a_shared_subgraph_is_drawn_once() -> None:
    loss, other, _ = two_outputs()
    dot = to_dot([loss, other], legend=True)
    assert output_labels(dot) == ["{loss|data 0|grad 1}", "{other|data 0.7616|grad —}"]
    labels = re.findall(r'label="\{(\w+)\|', dot)
    assert labels.count("x") == labels.count("w") == labels.count("xw") == 1
    assert len(value_lines(dot)) == len(concatenated_orders([loss, other])) == 7
    assert dot.count("legend_output [") == 1


@pytest.mark.parametrize("seed", range(12))
def test_node_ids_follow_each_outputs_topological_order_in_turn(seed: int) -> None:
    roots = random_graph(seed)
    expected = concatenated_orders(roots)
    assert union_order(roots) == expected
    assert select_nodes(roots, None).order == expected
    position = {node: i for i, node in enumerate(expected)}
    assert all(position[p] < position[node] for node in expected for p in node.parents)
    lines = value_lines(to_dot(roots, max_nodes=None))
    assert list(lines) == [f"n{i}" for i in range(len(expected))]
    assert [i for i, line in enumerate(lines.values()) if OUTPUT in line] == sorted(
        position[r] for r in roots
    )


def test_the_dot_text_is_the_same_for_separately_built_identical_graphs() -> None:
    first, second = two_outputs(), two_outputs()
    assert to_dot(first[:2]) == to_dot(second[:2])
    assert to_dot(list(first[:2]), color_by="grad", legend=True) == to_dot(
        list(second[:2]), color_by="grad", legend=True
    )
    assert to_dot(first[:2]) != to_dot(first[1::-1])  # the given order is the drawing order


def test_one_value_and_a_list_of_it_give_the_same_text() -> None:
    loss, other, _ = two_outputs()
    assert to_dot([loss]) == to_dot((loss,)) == to_dot([loss, loss]) == to_dot(loss)
    assert to_dot(v for v in (loss, other)) == to_dot([loss, other])


def test_an_output_that_feeds_another_is_still_an_output() -> None:
    loss, _, shared = two_outputs()
    dot = to_dot([shared, loss])
    assert output_labels(dot) == ["{xw|data 1|grad 0}", "{loss|data 0|grad 1}"]
    assert to_dot([loss, shared]) == dot  # xw comes first in loss's order anyway


def test_a_layers_outputs_are_drawn_together() -> None:
    layer = Layer(2, 3, activation="tanh", seed=1)
    outputs = layer([1.0, 2.0])
    assert isinstance(outputs, list)
    dot = draw(outputs).source
    assert len(output_labels(dot)) == 3
    assert dot.count('graph [label="neurons.') == 3
    boxes = to_dot(outputs, collapse="neuron")
    assert re.findall(r"^\t(g\d+) \[.*penwidth=2", boxes, re.MULTILINE) == ["g0", "g1", "g2"]
    with name_scope("layers.0"):
        outputs = layer([1.0, 2.0])
    box = to_dot(outputs, collapse="layer")
    assert re.findall(r"^\t(g\d+) \[.*penwidth=2", box, re.MULTILINE) == ["g0"]
    assert "<o2>" in box and "<o3>" not in box  # one row per output of the layer box


def test_max_nodes_keeps_every_output_and_the_nodes_nearest_them() -> None:
    left = right = Value(1.0, label="start")
    for _ in range(30):
        left, right = -left, -right
    with pytest.warns(GraphTooLargeWarning, match="drawing only the 10 nearest the outputs"):
        dot = to_dot([left, right], max_nodes=10)
    assert len(value_lines(dot)) == 10 and "start" not in dot
    assert len(output_labels(dot)) == 2
    assert "(only the 10 nodes nearest the outputs are drawn)" in dot
    assert dot.count("more -> ") == 2  # each chain is cut
    selection = select_nodes([left, right], 10)
    assert selection.order[4] is left and selection.order[-1] is right  # 5 nearest each output
    assert selection.cut == [selection.order[0], selection.order[5]]


def test_max_nodes_walks_only_the_part_it_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    start = left = right = Value(1.0)
    for _ in range(20_000):
        left, right = -left, -right
    walked: list[int] = []
    for name in ("topological_order", "union_order"):  # record the size of every walk select_nodes makes
        walk = getattr(select, name)
        monkeypatch.setattr(select, name, lambda *args, walk=walk: walked.append(len(o := walk(*args))) or o)
    selection = select_nodes([left, right], 50)
    assert selection.truncated and len(selection.order) == 50 and walked == [50]
    monkeypatch.undo()
    full = select_nodes([left, right], None).order  # iterative: no RecursionError 20 000 deep
    assert len(full) == 40_001 and full[0] is start and full[-1] is right


def test_more_outputs_than_max_nodes_is_refused() -> None:
    x = Value(1.0)
    with pytest.raises(ValueError, match=r"cannot draw 3 outputs within max_nodes=2"):
        to_dot([x + 1, x + 2, x + 3], max_nodes=2)


@pytest.mark.parametrize(
    ("outputs", "error", "words"),
    [
        ([], ValueError, "nothing to draw: the list of outputs is empty"),
        ((), ValueError, "nothing to draw: the tuple of outputs is empty"),
        ([Value(1.0), 2.5], TypeError, "outputs[1] is a float: 2.5"),
        ([Value(1.0), None], TypeError, "outputs[1] is a NoneType"),
        ({Value(1.0)}, TypeError, "need a fixed order: pass a list or tuple of Values, not a set"),
        ("x", TypeError, "can only draw a chainrule Value, got str"),
        (3, TypeError, "can only draw a chainrule Value, got int: 3 (to draw several outputs"),
    ],
)
def test_bad_outputs_are_refused_naming_what_is_wrong(
    outputs: object, error: type, words: str, tmp_path: Path
) -> None:
    for make in (to_dot, draw, to_svg, lambda o: save(o, tmp_path / "g.svg")):
        with pytest.raises(error, match=re.escape(words)):
            make(outputs)
    assert not list(tmp_path.iterdir())


def test_several_outputs_render_to_well_formed_svg(wasm: None, svg_texts, tmp_path: Path) -> None:
    loss, other, _ = two_outputs()
    texts = svg_texts(to_svg([loss, other]))
    assert texts.count("loss") == texts.count("other") == texts.count("x") == 1
    assert "data 0.7616" in texts
    saved = svg_texts(save([loss, other], tmp_path / "both.svg").read_text(encoding="utf-8"))
    assert saved == texts
    assert svg_texts(draw([loss, other])._repr_image_svg_xml()) == texts
