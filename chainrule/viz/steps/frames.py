"""Frames: every step of a trace drawn on one layout, so nodes never move from step to step.

A trace's frames differ only in the numbers shown (the gradients, or the values computed so far)
and in which node, op and edge are highlighted. So the graph is laid out once, each node as wide
as the widest number it shows in any frame, and each frame is that one picture with some texts and
outlines changed: the changes are read off the frame's own DOT text (:func:`chainrule.viz.to_dot`
stays the one description of what a frame shows) and applied by :mod:`chainrule.viz.steps.pack`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from chainrule.viz.labels import label_text, record_texts
from chainrule.viz.steps.pack import Change, Slot, Style, SvgTemplate
from chainrule.viz.style import HIGHLIGHT_ATTRS, data_text

# Helvetica advance widths (1/1000 em) of the characters numbers are written with; Graphviz sizes
# a node by its text, so these pick the widest of a node's numbers (other ASCII: 556, others: 1000)
_WIDTHS = {**dict.fromkeys("0123456789aen", 556), " ": 278, ".": 278, "f": 278, "i": 222, "-": 333, "+": 584}
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,\]\s]+)')


def frame_dot(root: Any, options: dict[str, Any]) -> str:
    """The DOT text of ``root``'s graph drawn with ``options`` (highlights, gradients shown)."""
    from chainrule import viz  # viz may import this package, so bind late

    return viz.to_dot(root, **options)


def frame_svg(dot_text: str) -> str:
    """Render DOT to an ``<svg>`` element fit for inlining in HTML (no XML prolog, no DOCTYPE)."""
    from chainrule import viz

    svg = viz.render_svg(dot_text)
    return svg[svg.index("<svg"):]


def forward_options(node: Any, data: Mapping[Any, float]) -> dict[str, Any]:
    """Drawing options for the forward step that evaluates ``node``: it and its input edges
    highlighted, the values in ``data`` (those computed so far) shown, no gradient yet."""
    edges = {(parent, node, index) for index, parent in enumerate(node.parents)}
    return {"highlight_nodes": {node}, "highlight_edges": edges, "grads": {}, "data": data}


def text_width(text: str) -> float:
    """Roughly how wide ``text`` is, in ems of Helvetica (as Graphviz measures it to size a node).

    >>> text_width("0.501") > text_width("—") > text_width("1")
    True
    """
    return sum(_WIDTHS.get(c, 556 if c.isascii() else 1000) for c in text) / 1000


def widest(values: Iterable[float | None]) -> float | None:
    """The value whose text is widest (None reads ``—``): lay a node out with it and every other
    value fits.

    >>> widest([None, 0.5, -1.503, 2.0])
    -1.503
    """
    return max(values, key=lambda value: text_width(data_text(value)))


class Filmstrip:
    """The frames of a trace on one layout: Graphviz runs once, a frame is a set of changes.

    ``layout_svg`` is the laid-out graph (each node showing its widest numbers, nothing
    highlighted); :meth:`changes` says what frame ``i`` shows differently; :meth:`svg` is the frame.

    >>> from chainrule import Value
    >>> from chainrule.viz.steps import record_backward
    >>> a = Value(3.0, label="a")
    >>> film = Filmstrip(record_backward(a * a))
    >>> film.changes(0)[("n0", -1)], film.svg(1).count("grad 6")
    ('grad 3', 1)
    """

    def __init__(self, trace: Any) -> None:
        self.trace = trace
        options = {**trace.draw_options, **trace._frame_options(0), **trace._layout_options()}
        # drawn with frame 0's highlights, then unlit: a legend keeps its "highlighted" entry
        self.layout_dot = _unlit(frame_dot(trace.root, options))
        self.layout_svg = frame_svg(self.layout_dot)  # the one Graphviz run
        self.template = SvgTemplate(self.layout_svg)
        self._lines = self.layout_dot.splitlines()
        self._defaults = _defaults(self._lines)
        self._diffs: dict[str, list[tuple[Slot, Change]]] = {}  # a frame's DOT line -> its changes
        named = ((_statement_id(line), line) for line in self._lines)
        self._styles = {name: _look(line, self._defaults)[1] for name, line in named if name}

    def changes(self, i: int) -> dict[Slot, Change]:
        """What frame ``i`` shows differently from the layout: ``(id, k)`` -> the text of the
        ``k``-th last text of that node (``k < 0``), ``(id, "style")`` -> its outline and fill."""
        lines = self.trace.frame_dot(i).splitlines()
        if len(lines) != len(self._lines):
            raise RuntimeError(f"frame {i} draws a different graph from the layout"
                               f" ({len(lines)} DOT lines, not {len(self._lines)})")
        changes: dict[Slot, Change] = {}
        for line, laid_out in zip(lines, self._lines):
            if line != laid_out:
                diff = self._diffs.get(line)
                if diff is None:  # a node's line recurs in many frames: compare it once
                    diff = self._diffs[line] = self._compare(i, line, laid_out)
                changes.update(diff)
        return changes

    def svg(self, i: int) -> str:
        """Frame ``i`` as a complete ``<svg>`` element: the layout with that frame's changes."""
        return self.template.render(self.changes(i))

    def layout_value(self, slot: Slot) -> Change:
        """What the layout shows in ``slot``: a text, or the style of a node or edge."""
        name, what = slot
        return self._styles[name] if what == "style" else self.template.text(name, what)

    def _compare(self, i: int, line: str, laid_out: str) -> list[tuple[Slot, Change]]:
        """What one statement of frame ``i`` shows differently from the same statement in the layout."""
        name, (texts, style) = _statement_id(line), _look(line, self._defaults)
        layout_texts, layout_style = _look(laid_out, self._defaults)
        if name is None or name != _statement_id(laid_out) or len(texts) != len(layout_texts):
            raise RuntimeError(f"frame {i} changes a line the stepper cannot redraw on its layout:"
                               f" {line.strip()!r}")
        diff: list[tuple[Slot, Change]] = []
        for k, (text, layout_text) in enumerate(zip(texts, layout_texts)):
            if text != layout_text:
                slot = (name, k - len(texts))
                found = self.template.text(*slot)
                if found != layout_text:
                    raise RuntimeError(f"the laid-out SVG shows {found!r} where {name} should show"
                                       f" {layout_text!r}")
                diff.append((slot, text))
        if style != layout_style:
            diff.append(((name, "style"), style))
        return diff


def _unlit(dot: str) -> str:
    """The DOT text with no node or edge highlighted (the legend keeps its "highlighted" entry)."""
    suffix = f", {HIGHLIGHT_ATTRS}]"
    lines = dot.splitlines(keepends=True)
    return "".join(line.replace(suffix, "]") if 'id="' in line else line for line in lines)


def _statement_id(line: str) -> str | None:
    match = re.search(r'\[id="([^"]+)"', line)
    return match.group(1) if match else None


def _attributes(line: str) -> dict[str, str]:
    """The ``name=value`` pairs of one DOT statement, quotes removed (a repeated name: the last)."""
    return {name: value[1:-1] if value.startswith('"') else value
            for name, value in _ATTR.findall(line[line.index("[") + 1:])}


def _defaults(lines: list[str]) -> dict[str, dict[str, str]]:
    """The ``node [...]`` and ``edge [...]`` defaults of a DOT text."""
    return {kind: _attributes(line) for line in lines for kind in ("node", "edge")
            if line.strip().startswith(kind + " [")}


def _look(line: str, defaults: dict[str, dict[str, str]]) -> tuple[tuple[str, ...], Style]:
    """The texts one DOT statement shows, and its style: (fill, outline colour, outline width, dashed)."""
    is_edge = " -> " in line.split("[", 1)[0]
    attrs = {**defaults.get("edge" if is_edge else "node", {}), **_attributes(line)}
    label = attrs.get("label")
    if label is None or is_edge:
        texts: tuple[str, ...] = ()
    elif attrs.get("shape", "record").lower() in ("record", "mrecord"):
        texts = record_texts(label)
    else:
        texts = (label_text(label),)
    fill = None if is_edge else attrs.get("fillcolor")
    dashed = "dashed" in attrs.get("style", "")
    return texts, (fill, attrs.get("color", "black"), attrs.get("penwidth", "1"), dashed)
