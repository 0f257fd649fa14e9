"""Every name a stepper row or sentence mentions is in the picture, on random DAGs with shared nodes:
sub-expressions reused by later ops, the same node twice as both inputs of an op, labels that
collide (two leaves "x", an intermediate labelled like a leaf), unlabelled leaves, Python numbers
baked in as constants, and nodes built inside nested ``name_scope`` s (so ``focus=`` is drawn too)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from contextlib import ExitStack

from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule import Constant, Value, topological_order
from chainrule import sum as total
from chainrule.engine import name_scope
from chainrule.viz.steps import step_through
from tests.engine.random_dags import BINARY, UNARY

SVG = "{http://www.w3.org/2000/svg}"
LABELS = ["x", "y", "h", ""]  # few, so that they collide; "" leaves the node to be named by its op
SCOPES = [(), ("a",), ("a", "b"), ("c",)]


def svg_texts(svg: str) -> set[str]:
    return {t.text or "" for t in ET.fromstring(svg).iter(SVG + "text")}


def _op(draw: st.DrawFn, nodes: list[Value]) -> Value:
    pick = st.integers(0, len(nodes) - 1)
    kind = draw(st.integers(0, 6))
    if kind < 3:
        return UNARY[draw(st.sampled_from(sorted(UNARY)))](nodes[draw(pick)])
    if kind < 5:
        return BINARY[draw(st.sampled_from(sorted(BINARY)))](nodes[draw(pick)], nodes[draw(pick)])
    if kind == 5:
        return nodes[draw(pick)] * draw(st.sampled_from([0.5, 3.0, -1.0]))  # a baked-in constant
    return total([nodes[draw(pick)] for _ in range(3)])


@st.composite
def shared_dags(draw: st.DrawFn, max_ops: int = 14) -> Value:
    """Leaves with colliding or no labels, then ops on earlier nodes picked by index, each built
    inside a random scope and sometimes given a colliding label; the root is the last op."""
    leaves = [Value(x, label=draw(st.sampled_from(LABELS)))
              for x in draw(st.lists(st.floats(-1.5, 1.5), min_size=1, max_size=4))]
    nodes = list(leaves)
    for _ in range(draw(st.integers(1, max_ops))):
        with ExitStack() as stack:
            for name in draw(st.sampled_from(SCOPES)):
                stack.enter_context(name_scope(name))
            node = _op(draw, nodes)
        if draw(st.booleans()):
            node.label = draw(st.sampled_from(LABELS))
        nodes.append(node)
    return nodes[-1]


def test_the_generator_makes_shared_nodes_colliding_labels_and_scopes() -> None:
    """What the property tests below range over (so they cannot pass on trivial graphs only)."""
    seen = {"shared": False, "collision": False, "scoped": False}

    @settings(max_examples=60, derandomize=True)
    @given(shared_dags())
    def look(root: Value) -> None:
        order = topological_order(root)
        uses = [parent for node in order for parent in node.parents]
        seen["shared"] |= len(uses) > len(set(uses))
        labels = [node.label for node in order if node.label]
        seen["collision"] |= len(labels) > len(set(labels))
        seen["scoped"] |= any(node.scope for node in order)

    look()
    assert seen == {"shared": True, "collision": True, "scoped": True}


@settings(max_examples=20)  # each example lays out one SVG
@given(shared_dags(), st.booleans())
def test_every_name_a_row_or_sentence_mentions_is_in_the_picture_of_a_random_dag(root, constants) -> None:
    trace = step_through(root, constants=constants)
    if not len(trace):
        return  # constants=False on a graph whose only inputs are constants: nothing to step
    texts = svg_texts(trace.frame_svg(len(trace) - 1))
    named = [name for step in trace for name in step.named()]
    assert [name for name in named if name not in texts] == []
    variables = [name for node, name in trace.names.items() if type(node) is not Constant]
    assert len(set(variables)) == len(variables)  # one name per node however labels collide (equal
    # unlabelled constants share their number by design: engine/naming.py)


@settings(max_examples=20)
@given(shared_dags(), st.sampled_from(["a", "a.b", "c"]))
def test_every_name_a_focused_step_mentions_is_in_the_picture_of_a_random_dag(root, focus) -> None:
    scopes = {".".join(node.scope) for node in topological_order(root) if node.scope}
    if not any(scope == focus or scope.startswith(focus + ".") for scope in scopes):
        return  # no node in that scope: step_through refuses it (tested elsewhere)
    trace = step_through(root, focus=focus)
    texts = svg_texts(trace.frame_svg(len(trace) - 1)) if len(trace) else set()
    named = [name for step in trace for name in step.named()]
    assert [name for name in named if name not in texts] == []
