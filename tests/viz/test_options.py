"""Drawing options are one frozen dataclass: defaults and checks in one place, for every drawing call."""

from __future__ import annotations

import dataclasses
import inspect

import pytest

from chainrule import Value
from chainrule.viz import DotOptions, draw, save, to_dot, to_svg
from chainrule.viz.options import NAMES


def graph():
    x = Value(2.0, label="x")
    return x, x * x + 1


def test_keywords_and_an_options_object_draw_the_same():
    x, y = graph()
    chosen = DotOptions(rankdir="TB", legend=True, inputs=[x], caption="y")
    assert to_dot(y, chosen) == to_dot(y, rankdir="TB", legend=True, inputs=[x], caption="y")
    assert to_dot(y) == to_dot(y, DotOptions())
    assert draw(y, chosen).source == to_dot(y, chosen)
    assert to_dot(y, chosen, rankdir="LR") == to_dot(y, legend=True, inputs=[x], caption="y")


def test_options_are_frozen_and_normalised():
    x, y = graph()
    options = DotOptions(highlight_nodes=(v for v in [x, y]), legend=1, caption=3)
    assert options.highlight_nodes == frozenset({x, y}) and options.legend is True and options.caption == "3"
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.rankdir = "TB"  # type: ignore[misc]


@pytest.mark.parametrize(("changes", "error", "message"), [
    ({"rankdir": "up"}, ValueError, "rankdir must be one of"),
    ({"color_by": "size"}, ValueError, "color_by must be one of"),
    ({"collapse": 0}, ValueError, "collapse must be"),
    ({"max_nodes": True}, ValueError, "max_nodes must be a positive int"),
    ({"grads": [1.0]}, TypeError, "grads must be a mapping"),
    ({"inputs": Value(1.0)}, TypeError, "a single Value"),
    ({"colour": "red"}, TypeError, "unknown drawing option 'colour'; the options are rankdir"),
])
def test_every_drawing_call_refuses_bad_options_the_same_way(tmp_path, changes, error, message):
    _, y = graph()
    for call in (to_dot, draw, lambda root, **kw: to_svg(root, **kw),
                 lambda root, **kw: save(root, tmp_path / "g.dot", **kw)):
        with pytest.raises(error, match=message):
            call(y, **changes)
    assert not (tmp_path / "g.dot").exists()


def test_the_options_are_listed_once():
    """No drawing function repeats the option names in its signature: they live in DotOptions."""
    assert NAMES == {field.name for field in dataclasses.fields(DotOptions)} and len(NAMES) == 14
    for function in (to_dot, draw, to_svg, save):
        assert not NAMES & set(inspect.signature(function).parameters), function.__name__
