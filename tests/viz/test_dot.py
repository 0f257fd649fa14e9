"""DOT text: deterministic snapshot, node contents, kinds, number format, options."""

from __future__ import annotations

import math
import os
import re
from pathlib import Path

import pytest

from chainrule import Constant, Parameter, Value, no_grad
from chainrule.viz import to_dot

SNAPSHOT = Path(__file__).parent / "snapshots" / "expression.dot"


def expression() -> Value:
    """micrograd's L = (a*b + c) * f, after backward."""
    a, b, c, f = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c"), Value(-2.0, label="f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    out = d * f
    out.label = "L"
    out.backward()
    return out


def node_line(dot: str, node_id: str) -> str:
    (line,) = [x for x in dot.splitlines() if x.strip().startswith(f"{node_id} [")]
    return line


def test_expression_matches_the_committed_snapshot() -> None:
    dot = to_dot(expression(), legend=True, caption="L = (a*b + c) * f")
    if os.environ.get("CHAINRULE_UPDATE_SNAPSHOTS"):
        SNAPSHOT.write_text(dot, encoding="utf-8")
    assert dot == SNAPSHOT.read_text(encoding="utf-8")


def test_separately_built_identical_graphs_give_identical_dot() -> None:
    first, second = expression(), expression()
    assert first is not second
    assert to_dot(first) == to_dot(second)
    assert to_dot(first, rankdir="TB", color_by="grad", legend=True) == to_dot(
        second, rankdir="TB", color_by="grad", legend=True
    )


def test_node_ids_follow_the_topological_order() -> None:
    dot = to_dot(expression())
    assert re.findall(r"^\t(n\d+) \[", dot, re.MULTILINE) == [f"n{i}" for i in range(7)]
    assert "n6" in node_line(dot, "n6") and "{L|data -8|grad 1}" in node_line(dot, "n6")


def test_each_value_shows_label_data_and_grad_and_each_op_is_a_node() -> None:
    dot = to_dot(expression())
    assert '"{a|data 2|grad 6}"' in node_line(dot, "n0")
    assert '"{b|data -3|grad -4}"' in node_line(dot, "n1")
    assert 'label="*"' in node_line(dot, "n2_op")
    assert 'label="+"' in node_line(dot, "n4_op")
    assert "n0 -> n2_op" in dot and "n2_op -> n2" in dot


def test_a_plus_a_draws_two_edges() -> None:
    a = Value(3.0, label="a")
    dot = to_dot(a + a)
    assert dot.count("n0 -> n1_op") == 2
    assert 'id="n1_in0"' in dot and 'id="n1_in1"' in dot


def test_gradient_never_computed_is_shown_as_such_not_as_zero() -> None:
    x = Value(1.0, label="x")
    unused = Value(5.0, label="unused")
    y = x * 2
    assert "grad —" in node_line(to_dot(y), "n1")
    total = y + unused * 0
    total.backward()
    dot = to_dot(total)
    assert "{unused|data 5|grad 0}" in dot  # computed, and really 0
    assert "grad —" not in dot


def test_number_format() -> None:
    x = Value(-0.0, label="x")
    big, tiny = Value(1234567.0, label="big"), Value(1e-9, label="tiny")
    inf, nan = Value(math.inf, label="inf"), Value(math.nan, label="nan")
    dot = to_dot(x + big + tiny + inf + nan, max_nodes=None)
    shown = ["{x|data 0|", "{big|data 1.235e+06|", "{tiny|data 1e-09|", "{inf|data inf|", "{nan|data nan|"]
    assert [text for text in shown if text not in dot] == []


def test_kinds_are_told_apart_by_colour() -> None:
    w, x, z = Parameter(0.5, label="w"), Value(2.0, label="x"), Value(1.0, label="z")
    y = w * x + 3 * z
    dot = to_dot(y, inputs=[x])
    fill = re.compile(r'fillcolor="(#\w+)"')
    fills = {n: fill.search(node_line(dot, n)).group(1) for n in ("n0", "n1", "n3", "n4")}
    assert isinstance(y.parents[1].parents[0], Constant)  # n3, the 3
    assert fills == {"n0": "#bbf7d0", "n1": "#fde68a", "n3": "#e5e7eb", "n4": "#bfdbfe"}
    assert 'fillcolor="#fca5a5", penwidth=2' in node_line(dot, "n6")  # the root
    assert len({*fills.values(), "#fca5a5"}) == 5


def test_top_to_bottom_turns_the_records() -> None:
    a = Value(2.0, label="a")
    assert "rankdir=TB" in to_dot(a * a, rankdir="TB")
    assert '"a|data 2|grad —"' in to_dot(a * a, rankdir="TB")
    assert '"{a|data 2|grad —}"' in to_dot(a * a)


def test_legend_lists_the_kinds_present() -> None:
    w = Parameter(1.0, label="w")
    dot = to_dot(w * 2, legend=True)
    assert "subgraph cluster_legend" in dot
    for entry in ("legend_output", "legend_parameter", "legend_constant", "legend_op", "legend_nograd"):
        assert entry in dot
    assert "legend_input" not in dot and "legend_leaf" not in dot
    assert "cluster_legend" not in to_dot(w * 2)


def test_colour_by_gradient_magnitude() -> None:
    out = expression()
    dot = to_dot(out, color_by="grad", legend=True)
    assert 'fillcolor="#a78bfa"' in node_line(dot, "n0")  # |grad| 6 is the largest
    assert 'fillcolor="#ffffff"' not in node_line(dot, "n6")
    assert "legend_large" in dot
    x = Value(1.0, label="x")
    assert 'style="filled,dashed"' in node_line(to_dot(x * 2, color_by="grad"), "n0")  # not computed


def test_nodes_built_without_a_graph_are_single_leaves() -> None:
    with no_grad():
        y = Value(2.0) * 3
    dot = to_dot(y)
    assert "_op" not in dot and "->" not in dot.split("edge [")[1]


def test_create_graph_gradients_show_their_numbers() -> None:
    x = Value(3.0, label="x")
    y = x**3
    y.backward(create_graph=True)
    assert "{x|data 3|grad 27}" in to_dot(y)


@pytest.mark.parametrize(
    ("options", "error", "words"),
    [
        ({"rankdir": "up"}, ValueError, "rankdir must be one of 'LR', 'TB'"),
        ({"color_by": "size"}, ValueError, "color_by must be one of"),
        ({"collapse": "block"}, ValueError, "collapse must be None, 'neuron', 'layer'"),
        ({"max_nodes": 0}, ValueError, "max_nodes must be a positive int"),
        ({"grads": [1.0]}, TypeError, "grads must be a mapping"),
        ({"inputs": [1.0]}, TypeError, "inputs must contain Values, got float"),
    ],
)
def test_bad_options_are_refused_by_name(options: dict, error: type, words: str) -> None:
    with pytest.raises(error, match=re.escape(words)):
        to_dot(Value(1.0) + 1, **options)


def test_only_values_can_be_drawn() -> None:
    with pytest.raises(TypeError, match="can only draw a chainrule Value, got float"):
        to_dot(1.5)  # type: ignore[arg-type]
