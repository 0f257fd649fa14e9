"""The exported page: self-contained, well-formed, the layout and every frame's changes inlined,
safe against hostile labels."""

from __future__ import annotations

import html
import json
import random
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chainrule import Parameter, Value, sum
from chainrule.viz.steps import record_backward, record_forward
from chainrule.viz.steps.pack import SvgTemplate, pack_frames, unpack_frame
from chainrule.viz.steps.page import unpack_data

HOSTILE = "</script><script>alert(1)</script>"
VOID = {"meta", "input", "br", "hr", "img", "link", "source", "wbr", "col", "area", "base", "embed", "track"}


class TagBalance(HTMLParser):
    """Checks that every element opened is closed, in order; collects script bodies and attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []
        self.scripts: dict[str, str] = {}
        self.attributes: list[tuple[str, str, str]] = []
        self._script_id: str | None = None

    def handle_starttag(self, tag, attrs):
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        if tag == "script":
            self._script_id = dict(attrs).get("id", "code")
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.attributes += [(tag, name, value or "") for name, value in attrs]

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        if self._script_id is not None and self.stack[-1:] == ["script"]:
            self.scripts[self._script_id] = self.scripts.get(self._script_id, "") + data


def parse(text: str) -> TagBalance:
    parser = TagBalance()
    parser.feed(text)
    parser.close()
    return parser


def hostile_trace():
    x, w = Value(2.0, label="x"), Parameter(-3.0, label=HOSTILE)
    b = Parameter(6.88, label='b"&<i>')
    return record_backward((w * x + b).tanh())


def test_page_is_well_formed_and_inlines_every_frame():
    trace = hostile_trace()
    text = trace.to_html()
    assert text.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
    parser = parse(text)
    assert parser.errors == [] and parser.stack == []
    data = unpack_data(parser.scripts["cr-data"])
    pack = data["frames"]
    layout = text.split('<div id="cr-frame">')[1].split("</div>")[0]
    assert layout == trace.film().layout_svg
    frames = [unpack_frame(layout, pack, i) for i in range(len(trace))]
    assert frames == [trace.frame_svg(i) for i in range(len(trace))]
    assert all(frame.startswith("<svg") for frame in frames)
    assert data["why"] == [step.explanation for step in trace] and data["table"] == trace.page_table()
    assert f'max="{len(trace) - 1}"' in text and "step 1 / 5" in text


def test_hostile_label_cannot_break_out_of_the_page():
    text = hostile_trace().to_html()
    assert text.count("<script") == 2 and text.count("</script>") == 2
    assert HOSTILE not in text and "<i>" not in text
    parser = parse(text)
    assert sorted(parser.scripts) == ["code", "cr-data"]
    data = unpack_data(parser.scripts["cr-data"])
    assert any(HOSTILE in explanation for explanation in data["why"])
    assert html.escape(HOSTILE) in data["table"] and HOSTILE not in data["table"]


def test_page_loads_nothing_from_outside():
    text = hostile_trace().to_html()
    for tag, name, value in parse(text).attributes:
        if name in ("src", "href", "xlink:href", "action", "srcset"):
            assert "http" not in value and "//" not in value, (tag, name, value)
    assert not re.search(r"(src|href)\s*=\s*[\"']?\s*(https?:)?//", text)
    assert "@import" not in text and "url(" not in text


def test_title_defaults_and_is_escaped():
    trace = record_forward(Value(2.0, label="x") * 3)
    assert "<title>Forward pass of mul#2</title>" in trace.to_html()
    assert "<h1>&lt;b&gt;steps&lt;/b&gt;</h1>" in trace.to_html(title="<b>steps</b>")


def test_save_html_writes_atomically(tmp_path: Path):
    trace = hostile_trace()
    path = trace.save_html(tmp_path / "steps.html", title="neuron")
    assert path == tmp_path / "steps.html" and path.read_text(encoding="utf-8") == trace.to_html("neuron")
    assert [p.name for p in tmp_path.iterdir()] == ["steps.html"]


def test_save_html_leaves_nothing_behind_on_failure(tmp_path: Path):
    with pytest.raises(ValueError, match="nothing to step through"):
        record_backward(Value(1.0)).save_html(tmp_path / "empty.html")
    assert list(tmp_path.iterdir()) == []


LAYOUT = """<svg>
<g id="a" class="node">
<title>a</title>
<path fill="#fff" stroke="#374151" d="M0,0"/>
<text x="1">data 2</text>
<polyline fill="none" stroke="#374151" points="1,1"/>
<text x="2">grad —</text>
</g>
<g id="e" class="edge">
<path fill="none" stroke="#6b7280" d="M0,0"/>
<polygon fill="#6b7280" stroke="#6b7280" points="0,0"/>
</g>
</svg>"""
SLOTS = [("a", -1), ("a", -2), ("a", "style"), ("e", "style")]
STYLES = st.tuples(st.sampled_from([None, "#fff", "#a78bfa"]), st.sampled_from(["#374151", "#ea580c"]),
                   st.sampled_from(["1", "2", "3"]), st.booleans())
TEXTS = st.sampled_from(["grad —", "grad 1", "<b>&\"-'", "data —"])


@st.composite
def frame_changes(draw):
    """One frame's changes: a few of the slots, each a new text or style."""
    slots = draw(st.lists(st.sampled_from(SLOTS), unique=True, max_size=4))
    return {slot: draw(STYLES if slot[1] == "style" else TEXTS) for slot in slots}


@given(frame_changes(), st.lists(frame_changes(), max_size=6))
def test_packed_frames_unpack_exactly(start, deltas):
    """Each frame is the start with every change up to it made, the last change of a slot winning."""
    template = SvgTemplate(LAYOUT)
    pack = json.loads(json.dumps(pack_frames(start, [list(d.items()) for d in deltas])))  # as the page's JSON
    entries = [*pack["start"], *(entry for changes in pack["frames"] for entry in changes)]
    used = {v for changes in [start, *deltas] for slot, v in changes.items() if slot[1] == "style"}
    assert {tuple(pack["styles"][v]) for _, what, v in entries if what == "s"} == used  # every index valid
    state = dict(start)
    for i, changes in enumerate(deltas):
        state.update(changes)
        assert unpack_frame(LAYOUT, pack, i) == template.render(state)


def test_the_page_weighs_about_one_picture():
    rng = random.Random(1)
    xs = [Value(rng.uniform(-1, 1), label=f"x{i}") for i in range(2)]
    hidden = [sum([Parameter(rng.uniform(-1, 1)) * x for x in xs] + [Parameter(0.0)]).tanh()
              for _ in range(4)]
    trace = record_backward(sum(hidden))  # a small MLP: 2 inputs, 4 tanh neurons
    pack = parse(trace.to_html()).scripts["cr-data"]  # every step's changes, sentence and table row
    assert len(trace) == 36 and len(pack) < len(trace.frame_svg(0)) / 3
