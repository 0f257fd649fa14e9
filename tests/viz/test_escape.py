"""Hostile label text shows literally in DOT and SVG, and the SVG stays well-formed XML."""

from __future__ import annotations

import pytest

from chainrule import Op, Value, name_scope
from chainrule.viz import to_dot, to_svg

HOSTILE = [
    "<script>alert(1)</script>",
    '"a|b{c}"',
    "<b>\"x\"</b>",
    "&amp; &#65; &lt;",
    "back\\slash \\N \\G \\l \\n",
    "it's ]]> --> <!--",
    "é σ → —",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_value_label_is_literal_text_in_the_svg(text: str, wasm: None, svg_texts) -> None:
    x = Value(1.5, label=text)
    texts = svg_texts(to_svg(x * 2))
    assert text in texts
    assert "data 1.5" in texts


@pytest.mark.parametrize("text", HOSTILE)
def test_op_label_scope_name_and_caption_are_literal_too(text: str, wasm: None, svg_texts) -> None:
    odd = Op("odd", text, forward=lambda x: 2 * x, local_grads=lambda m, out, x: (2.0,))
    with name_scope(text):
        y = odd(Value(1.0))
    texts = svg_texts(to_svg(y, caption=text))
    assert texts.count(text) == 3  # op node, cluster label, caption


def test_script_tag_never_reaches_the_svg_as_markup(wasm: None) -> None:
    svg = to_svg(Value(1.0, label="<script>alert(1)</script>") + 1)
    assert "<script" not in svg
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in svg


def test_record_syntax_in_a_label_does_not_split_the_record() -> None:
    dot = to_dot(Value(1.0, label='"a|b{c}"') * 2)
    assert r'label="{\"a\|b\{c\}\"|data 1|grad —}"' in dot


def test_control_characters_are_shown_not_dropped(wasm: None, svg_texts) -> None:
    texts = svg_texts(to_svg(Value(1.0, label="a\x00b\x1bc") * 2))
    assert "a\\x00b\\x1bc" in texts


def test_dot_keeps_a_graphviz_escape_sequence_literal() -> None:
    dot = to_dot(Value(1.0, label="\\N") * 2)
    assert '"{\\\\N|data 1' in dot  # the backslash itself is escaped, so Graphviz shows \N
