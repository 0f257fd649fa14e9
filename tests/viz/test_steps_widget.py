"""The notebook player, driven without a kernel: slider, buttons, frames drawn on one layout."""

from __future__ import annotations

import sys

import pytest

from chainrule import Value
from chainrule.viz.steps import StepWidget, frames, record_backward, record_forward
from chainrule.viz.steps.widget import fitted

pytest.importorskip("ipywidgets")


@pytest.fixture
def renders(monkeypatch):
    """Counts Graphviz runs, to show every frame is drawn on one layout, made when first needed."""
    calls: list[str] = []
    render = frames.frame_svg

    def counting(dot_text: str) -> str:
        calls.append(dot_text)
        return render(dot_text)

    monkeypatch.setattr(frames, "frame_svg", counting)
    return calls


def neuron_trace():
    x, w, b = Value(2.0, label="x"), Value(-3.0, label="w"), Value(6.88, label="b")
    return record_backward((w * x + b).tanh())


def test_widget_shows_the_frame_and_row_of_the_current_step(renders):
    trace = neuron_trace()
    player = trace.widget()
    assert isinstance(player, StepWidget) and player.step == 0 and len(renders) == 1
    assert player.frame.value == fitted(trace.frame_svg(0)) and player.counter.value == "step 1 / 5"
    assert "Step 1 of 5: tanh: local" in player.row.value and '<tr data-step="0">' in player.row.value
    assert player.previous.disabled and not player.next.disabled

    player.next.click()
    assert player.step == 1 and player.frame.value == fitted(trace.frame_svg(1)) != fitted(trace.frame_svg(0))
    assert '<tr data-step="1">' in player.row.value and "+ distributes" in player.row.value
    player.slider.value = 4
    assert player.frame.value == fitted(trace.frame_svg(4)) and player.next.disabled
    assert "Step 5 of 5" in player.row.value and player.counter.value == "step 5 / 5"
    player.next.click()
    assert player.step == 4
    player.previous.click()
    player.go(-7)
    assert player.step == 0 and player.frame.value == fitted(trace.frame_svg(0))
    assert len(renders) == 1  # frames 0, 1, 4, 3: one layout, laid out once, each frame changes it


def test_widget_bundle_is_the_box():
    player = record_forward(Value(2.0, label="x") * 3).widget()
    bundle = player._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == player.box.model_id


def test_empty_trace_is_refused():
    with pytest.raises(ValueError, match="root is a leaf"):
        record_backward(Value(1.0)).widget()


def test_missing_ipywidgets_gives_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "ipywidgets", None)
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[notebook\]'"):
        neuron_trace().widget()
