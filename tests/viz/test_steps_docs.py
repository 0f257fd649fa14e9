"""docs/steps/tanh_neuron.html, the page the README links to, is committed and current."""

from __future__ import annotations

import html
import importlib.util
from pathlib import Path

import pytest

from chainrule.viz.steps.pack import unpack_frame
from chainrule.viz.steps.page import unpack_data

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def make_steps():
    spec = importlib.util.spec_from_file_location("make_steps", DOCS / "make_steps.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def script(page: str, element_id: str):
    """What the page carries under ``element_id``: its sentences ("why"), table or frames."""
    return unpack_data(page)[element_id]


def test_committed_page_matches_the_script(make_steps, tmp_path):
    committed = (DOCS / "steps" / "tanh_neuron.html").read_text(encoding="utf-8")
    (fresh_path,) = make_steps.main(tmp_path)
    fresh = fresh_path.read_text(encoding="utf-8")
    trace = make_steps.tanh_neuron_trace()
    # the text is the same whichever Graphviz renderer drew the frames
    assert script(committed, "why") == script(fresh, "why")
    assert script(committed, "why") == [step.explanation for step in trace]
    assert script(committed, "table") == trace.page_table()
    pack = script(committed, "frames")
    layout = committed.split('<div id="cr-frame">')[1].split("</div>")[0]
    for i, step in enumerate(trace):
        frame = html.unescape(unpack_frame(layout, pack, i))  # Graphviz writes "-" as &#45;
        assert frame.startswith("<svg") and f"grad {step.grad_after:.4g}" in frame


def test_the_neuron_is_the_classic_lesson(make_steps):
    trace = make_steps.tanh_neuron_trace()
    assert [(s.node_name, s.parent_name, round(s.grad_after, 4)) for s in trace] == [
        ("o", "n", 0.501), ("n", "w*x", 0.501), ("n", "b", 0.501), ("w*x", "w", 1.0019),
        ("w*x", "x", -1.5029),
    ]
