"""Labels with U+2028/U+2029 (line separators to str.splitlines) and U+FFFE/U+FFFF (not allowed in XML)
work everywhere a label is drawn (issue 14, items 11 and 12): fixed once, in viz/labels.py."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from chainrule import Value, step_through
from chainrule.viz import to_dot, to_svg
from chainrule.viz.labels import escape_text

ODD = ["line\u2028sep", "para\u2029sep", "non\ufffechar", "non\uffffchar", "all\u2028\u2029\ufffe\uffff"]


def _graph(label: str) -> Value:
    x = Value(2.0, label=label)
    y = (x * 3).tanh()
    y.label = label + " out"
    return y


@pytest.mark.parametrize("label", ODD)
def test_the_escaping_layer_shows_them_as_escapes(label: str) -> None:
    text = escape_text(label)
    assert not set(text) & {"\u2028", "\u2029", "\ufffe", "\uffff"}
    assert text.splitlines() == [text]
    assert escape_text("a\u2028b") == "a\\\\u2028b"


@pytest.mark.parametrize("label", ODD)
def test_dot_and_svg_stay_one_label_per_line_and_well_formed(label: str, wasm: None) -> None:
    y = _graph(label)
    dot = to_dot(y)
    assert dot.splitlines() == dot.rstrip("\n").split("\n")
    ET.fromstring(to_svg(y))  # well-formed XML


@pytest.mark.parametrize("label", ODD)
def test_the_stepper_pages_frames_and_widget_accept_them(label: str, wasm: None, tmp_path: Path) -> None:
    trace = step_through(_graph(label))
    html = trace.to_html()
    assert "<html" in html.lower()
    assert trace.save_html(tmp_path / "steps.html").exists()
    for i in range(len(trace)):
        ET.fromstring(trace.frame_svg(i))
    trace.widget()
