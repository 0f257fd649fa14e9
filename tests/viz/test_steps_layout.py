"""One layout for every frame: nodes never move, each frame shows exactly its step's numbers and
highlights, and a frame patched onto the layout shows what Graphviz would draw for it."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from chainrule import Parameter, Value
from chainrule.nn import MLP, mse_loss
from chainrule.viz import dot_ids, render_svg
from chainrule.viz.steps import frames, record_backward, record_forward, step_through
from chainrule.viz.steps.frames import text_width, widest
from chainrule.viz.style import grad_text

SVG = "{http://www.w3.org/2000/svg}"
SHAPES = tuple(SVG + tag for tag in ("path", "polygon", "ellipse", "polyline"))
HOSTILE = ['</script><b>"x"</b>', "a|b{c} <p>", "back\\slash \\N &amp;", "  two   spaces  ", "é → —"]


def neuron():
    x, w, b = Value(2.0, label="x"), Parameter(-3.0, label="w"), Parameter(6.88, label="b")
    return (w * x + b).tanh()


def small_mlp():
    model = MLP(2, [3, 1], seed=0)
    return mse_loss([model([0.5, -1.5])], [1.0])


def groups(svg: str) -> dict[str, ET.Element]:
    """Each node and edge of an SVG frame by its id (parsing fails on malformed XML)."""
    root = ET.fromstring(svg.encode("utf-8"))
    return {g.get("id"): g for g in root.iter(SVG + "g") if g.get("class") in ("node", "edge")}


def geometry(group: ET.Element) -> tuple:
    """Where a node is: its shapes' coordinates and its texts' anchors."""
    where = ("points", "d", "cx", "cy", "rx", "ry")
    shapes = tuple((el.tag, *map(el.get, where)) for el in group if el.tag in SHAPES)
    return shapes + tuple((el.get("x"), el.get("y")) for el in group.iter(SVG + "text"))


def texts(group: ET.Element) -> list[str]:
    return [el.text or "" for el in group.iter(SVG + "text")]


def paint(group: ET.Element) -> list[tuple]:
    return [(el.get("fill"), el.get("stroke"), el.get("stroke-width"), el.get("stroke-dasharray"))
            for el in group if el.tag in SHAPES]


TRACES = {
    "neuron backward": lambda: record_backward(neuron()),
    "neuron forward": lambda: record_forward(neuron()),
    "mlp backward": lambda: step_through(small_mlp()),
    "mlp by neuron, shaded by grad":
        lambda: step_through(small_mlp()).drawn_with(collapse="neuron", color_by="grad"),
    "mlp forward, top down, legend":
        lambda: record_forward(small_mlp()).drawn_with(rankdir="TB", legend=True),
}


@pytest.mark.parametrize("make", TRACES.values(), ids=TRACES.keys())
def test_nodes_never_move_from_frame_to_frame(make):
    trace = make()
    first = groups(trace.frame_svg(0))
    nodes = [name for name, group in first.items() if group.get("class") == "node"]
    assert len(nodes) > 5
    changed = 0
    for i in range(1, len(trace)):
        frame = groups(trace.frame_svg(i))
        assert frame.keys() == first.keys()
        assert all(geometry(frame[name]) == geometry(first[name]) for name in nodes)
        changed += any(texts(frame[name]) != texts(first[name]) or paint(frame[name]) != paint(first[name])
                       for name in first)
    assert changed == len(trace) - 1  # and yet every frame shows something new


def test_a_frame_shows_exactly_the_grads_after_its_step():
    trace = step_through(small_mlp())
    ids = dot_ids(trace.root)
    for i in range(len(trace)):
        shown = groups(trace.frame_svg(i))
        grads = trace.grads_after(i)
        assert {ids[node]: texts(shown[ids[node]])[-1] for node in ids} == {
            ids[node]: f"grad {grad_text(grads.get(node))}" for node in ids
        }


def test_a_forward_frame_shows_the_values_computed_so_far():
    trace = record_forward(neuron())
    ids = dot_ids(trace.root)
    for i in range(len(trace)):
        shown = groups(trace.frame_svg(i))
        done = {step.node for step in trace[: i + 1]}
        for node, name in ids.items():
            data = grad_text(node.data if node in done else None)
            assert texts(shown[name])[-2:] == [f"data {data}", "grad —"]


@pytest.mark.parametrize("make", TRACES.values(), ids=TRACES.keys())
def test_a_patched_frame_shows_what_graphviz_draws_for_it(make):
    """Texts, fills and outlines agree with a fresh render of the frame's own DOT (only the
    positions differ: the fresh render lays the frame out again). Shaded by grad, the frames use
    one scale for the whole pass (the largest |grad| of any frame), a fresh render its own: fills
    are left out there."""
    trace = make()
    one_scale = trace.draw_options.get("color_by") == "grad"
    for i in sorted({0, len(trace) // 2, len(trace) - 1}):
        patched, fresh = groups(trace.frame_svg(i)), groups(render_svg(trace.frame_dot(i)))
        assert patched.keys() == fresh.keys()
        assert {k: texts(g) for k, g in patched.items()} == {k: texts(g) for k, g in fresh.items()}
        drop = 1 if one_scale else 0
        assert ({k: [p[drop:] for p in paint(g)] for k, g in patched.items()}
                == {k: [p[drop:] for p in paint(g)] for k, g in fresh.items()})


@pytest.mark.parametrize("make", TRACES.values(), ids=TRACES.keys())
def test_the_layout_is_wide_enough_for_every_number_shown(make):
    trace = make()
    film = trace.film()
    for i in range(len(trace)):
        for slot, text in film.changes(i).items():
            if slot[1] != "style":
                assert text_width(text) <= text_width(film.layout_value(slot)), (i, slot, text)


def test_widest_prefers_the_longest_number_and_the_dash_over_one_digit():
    assert widest([None, 1.0]) is None and widest([1.0, -1.503, 0.501]) == -1.503
    assert widest([None, -0.0001234]) == -0.0001234 and widest([2.0]) == 2.0


def test_hostile_labels_stay_text_in_every_frame():
    leaves = [Value(float(k + 1), label=text) for k, text in enumerate(HOSTILE)]
    root = leaves[0]
    for leaf in leaves[1:]:
        root = root * leaf
    trace = record_backward(root)
    ids = dot_ids(root)
    for i in range(len(trace)):
        shown = groups(trace.frame_svg(i))  # well-formed XML
        grads = trace.grads_after(i)
        for leaf, text in zip(leaves, HOSTILE):
            assert texts(shown[ids[leaf]])[-1] == f"grad {grad_text(grads.get(leaf))}"
            assert " ".join(text.split()) in " ".join(texts(shown[ids[leaf]]))


def test_one_graphviz_run_per_trace(monkeypatch):
    calls = []
    render = frames.frame_svg
    monkeypatch.setattr(frames, "frame_svg", lambda dot: calls.append(dot) or render(dot))
    trace = step_through(small_mlp())
    html = trace.to_html()
    assert [trace.frame_svg(i) for i in (0, 5, -1)] and len(calls) == 1
    assert calls[0] in trace.film().layout_dot
    assert trace.drawn_with(rankdir="TB").frame_svg(3) and len(calls) == 2 and html.count("<svg") == 1
