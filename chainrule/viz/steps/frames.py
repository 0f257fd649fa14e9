"""Frames: every step of a trace drawn on one layout, each frame only what its step changed.

Graphviz lays the graph out once, each node as wide as the widest number it shows in any frame.
A step then changes a few things on that picture: the numbers it sets (the gradient its input
receives, or the value it computes) and what is lit (the active op and its output, the edge the
gradient flows along, the receiving node). :class:`Film` turns the step records into exactly those
changes, so exporting ``n`` steps costs ``O(n)`` plus the one layout: no DOT text is made or
compared per frame.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from chainrule.engine import topological_order
from chainrule.viz import ids
from chainrule.viz.clusters import Group, find_groups
from chainrule.viz.steps.pack import Change, Slot, Style, SvgTemplate, compact_svg
from chainrule.viz.style import HIGHLIGHT, HIGHLIGHT_ATTRS, data_text, grad_shade, grad_text

RECEIVING = "#2563eb"  # the node whose gradient (or value) the step just changed: blue, not orange
STEP_NODE_LIMIT = 1200  # more drawn nodes than this and the stepper will not lay out every one

# Helvetica advance widths (1/1000 em) of the characters numbers are written with; Graphviz sizes
# a node by its text, so these pick the widest of a node's numbers (other ASCII: 556, others: 1000)
_WIDTHS = {**dict.fromkeys("0123456789aen", 556), " ": 278, ".": 278, "f": 278, "i": 222, "-": 333, "+": 584}
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,\]\s]+)')
_STATEMENT_ID = re.compile(r'\[id="([^"]+)"')


class FrameLimitError(ValueError):
    """The picture a trace would lay out has more nodes than the stepper draws (the table still works).

    >>> FrameLimitError("too many").args
    ('too many',)
    """


@dataclass
class Lit:
    """What one frame highlights: the active nodes (drawn with their op), the edges the gradient
    flows along, and the receiving nodes.

    >>> Lit().active
    []
    """

    active: list[Any] = field(default_factory=list)
    edges: list[tuple[Any, Any, int]] = field(default_factory=list)
    receiving: list[Any] = field(default_factory=list)


def frame_svg(dot_text: str) -> str:
    """Render DOT to an ``<svg>`` element fit for inlining in HTML (no XML prolog, no DOCTYPE), compacted."""
    from chainrule import viz  # viz may import this package, so bind late

    svg = viz.render_svg(dot_text)
    return compact_svg(svg[svg.index("<svg"):])


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


class PictureMap:
    """Where each Value of a graph is drawn, by the rules of :func:`chainrule.viz.to_dot` with
    ``max_nodes=None``: its record ``n{i}`` (and op ``n{i}_op``), or a row of a collapsed box.

    >>> from chainrule import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x
    >>> where = PictureMap(y, None, None)
    >>> where.elements(y), where.edge((x, y, 1)), where.text_slot(x, "grad")
    (['n1', 'n1_op'], 'n1_in1', ('n0', -1))
    """

    def __init__(self, root: Any, collapse: str | int | None, focus: str | None) -> None:
        self.order = topological_order(root)
        self.index = {node: i for i, node in enumerate(self.order)}
        self.groups: dict[Any, Group] = find_groups(self.order, {root}, collapse, focus)
        self._group_edges: dict[tuple[Any, Any, int], str] = {}
        # the edges into each box, numbered as dot.py numbers them
        for group in {id(g): g for g in self.groups.values()}.values():
            sources: dict[Any, int] = {}
            for member in group.members:
                for position, parent in enumerate(member.parents):
                    if self.groups.get(parent) is not group:
                        j = sources.setdefault(parent, len(sources))
                        self._group_edges[(parent, member, position)] = ids.group_edge_id(group.index, j)

    @property
    def drawn(self) -> int:
        """How many nodes the picture draws (value records and boxes; op nodes not counted)."""
        return len(self.order) - len(self.groups) + len({id(g) for g in self.groups.values()})

    def elements(self, node: Any) -> list[str]:
        """The ids of the SVG groups that show ``node``: its record and op, or its box."""
        group = self.groups.get(node)
        if group is not None:
            return [group.dot_id]
        i = self.index[node]
        return [ids.value_id(i), ids.op_id(i)] if node.parents else [ids.value_id(i)]

    def edge(self, edge: tuple[Any, Any, int]) -> str | None:
        """The id of the drawn edge for ``(parent, child, index)`` (None: inside one box)."""
        parent, child, position = edge
        if child in self.groups:
            return self._group_edges.get(edge)
        return ids.edge_id(self.index[child], position)

    def text_slot(self, node: Any, what: str) -> Slot | None:
        """Where ``node``'s ``"grad"`` or ``"data"`` text is: ``(id, k)``, or None if not shown."""
        group = self.groups.get(node)
        if group is None:
            return (ids.value_id(self.index[node]), -1 if what == "grad" else -2)
        if node not in group.outputs:
            return None
        j = group.outputs.index(node)
        per_row = 3 if len(group.outputs) > 1 else 2  # the stepper names each output of a box with several
        first = 1 + per_row * j + per_row - 2
        return (group.dot_id, first + 1 if what == "grad" else first)


class Film:
    """The frames of a trace on one layout: Graphviz runs once, a frame is what its step changed.

    ``layout_svg`` is the laid-out graph (each node showing its widest numbers, nothing lit);
    :meth:`deltas` lists each frame's changes from the frame before, :meth:`changes` frame ``i``'s
    changes from the layout, and :meth:`svg` draws frame ``i``.

    >>> from chainrule import Value
    >>> from chainrule.viz.steps import record_backward
    >>> a = Value(3.0, label="a")
    >>> film = Film(record_backward(a * a))
    >>> film.changes(0)[("n0", -1)], film.svg(1).count("grad 6")
    ('grad 3', 1)
    """

    def __init__(self, trace: Any) -> None:
        self.trace = trace
        options = dict(trace.draw_options)
        self.shows = trace.SHOWS  # "grad" (backward) or "data" (forward)
        self.map = PictureMap(trace.root, options.get("collapse"), options.get("focus"))
        if self.map.drawn > STEP_NODE_LIMIT:
            raise FrameLimitError(trace.too_big_message(self.map.drawn))
        widest_values = trace.layout_values()
        options["names"] = trace.names
        options["max_nodes"] = None
        if self.shows == "grad":
            options["grads"] = widest_values
        else:
            options.update(grads={}, data=widest_values)
        self.by_grad = options.get("color_by") == "grad" and self.shows == "grad"
        self.largest = 0.0  # the top of the grad shading: the largest |grad| of any frame (one scale)
        first = trace.lit(0) if len(trace) else Lit()
        # drawn with frame 0's highlights, then unlit: a legend keeps its "highlighted" entry
        options.update(highlight_nodes=first.active, highlight_edges=first.edges)
        self.options = options
        self.layout_dot = _unlit(trace.layout_dot(options))
        self.layout_svg = frame_svg(self.layout_dot)  # the one Graphviz run
        self.template = SvgTemplate(self.layout_svg)
        self._styles = _styles(self.layout_dot)
        self._deltas: list[list[tuple[Slot, Change]]] | None = None
        self._start: dict[Slot, Change] | None = None

    # what a frame shows ---------------------------------------------------------------------------

    def _text(self, value: float | None) -> str:
        return f"{self.shows} {grad_text(value) if self.shows == 'grad' else data_text(value)}"

    def _style(self, element: str, light: str | None, value: Any = ..., has_value: bool = False) -> Style:
        fill, colour, width, dashed = self._styles.get(element, (None, "black", "1", False))
        if has_value and self.by_grad and element.startswith("n") and "_" not in element:
            fill, dashed = grad_shade(value, self.largest), value is None
        if light is not None:
            colour, width = (RECEIVING if light == "receiving" else HIGHLIGHT), "3"
        return (fill, colour, width, dashed)

    def start(self) -> dict[Slot, Change]:
        """Every slot some frame changes, as it stands before the first step (nothing lit)."""
        if self._start is None:
            self._compute()
        assert self._start is not None
        return self._start

    def deltas(self) -> list[list[tuple[Slot, Change]]]:
        """Per frame, the slots that differ from the frame before (the first: from :meth:`start`)."""
        if self._deltas is None:
            self._compute()
        assert self._deltas is not None
        return self._deltas

    def _compute(self) -> None:
        trace, values = self.trace, dict(self.trace.start_values())
        shown = [*values.values(), *(value for i in range(len(trace)) for _, value in trace.sets(i))]
        self.largest = max((abs(v) for v in shown if v is not None and math.isfinite(v)), default=0.0)
        start: dict[Slot, Change] = {}
        for node, value in values.items():
            self._set(start, node, value)
        touched = {node for i in range(len(trace)) for node, _ in trace.sets(i)} - values.keys()
        for node in touched:  # not shown yet: the dash
            self._set(start, node, None)
        for i in range(len(trace)):
            for element in self._lit_elements(trace.lit(i)):
                unlit = self._style(element, None, *self._current(element, values))
                start.setdefault((element, "style"), unlit)
        deltas, lit_before = [], {}
        self._focus: list[list[str]] = []
        self._nodes = {name for name, style in self._styles.items() if style[0] is not None}  # not edges
        for i in range(len(trace)):
            delta: dict[Slot, Change] = {}
            for node, value in trace.sets(i):
                values[node] = value
                self._set(delta, node, value)
            lit_now = self._lit_elements(trace.lit(i))
            for element in lit_before.keys() - lit_now.keys():
                delta[(element, "style")] = self._style(element, None, *self._current(element, values))
            for element, light in lit_now.items():
                delta[(element, "style")] = self._style(element, light, *self._current(element, values))
            lit_before = lit_now
            deltas.append(list(delta.items()))
            nodes = [e for e, light in lit_now.items() if light == "active" and e in self._nodes]
            self._focus.append(nodes or [element for element in lit_now if element in self._nodes][:1])
        self._start, self._deltas = start, deltas

    def _current(self, element: str, values: Mapping[Any, Any]) -> tuple[Any, bool]:
        node = self._value_node.get(element) if self.by_grad else None
        return (values.get(node), True) if node is not None else (None, False)

    @property
    def _value_node(self) -> dict[str, Any]:
        if not hasattr(self, "_by_id"):
            self._by_id = {ids.value_id(i): node for node, i in self.map.index.items()
                           if node not in self.map.groups}
        return self._by_id

    def _set(self, slots: dict[Slot, Change], node: Any, value: float | None) -> None:
        slot = self.map.text_slot(node, self.shows)
        if slot is not None:
            slots[slot] = self._text(value)
        if self.by_grad and node not in self.map.groups:
            element = ids.value_id(self.map.index[node])
            slots[(element, "style")] = self._style(element, None, value, True)

    def _lit_elements(self, lit: Lit) -> dict[str, str]:
        """Element id -> how it is lit ("active" or "receiving"; active wins where both)."""
        out: dict[str, str] = {}
        for node in lit.active:
            for element in self.map.elements(node):
                out[element] = "active"
        for edge in lit.edges:
            element = self.map.edge(edge)
            if element is not None:
                out[element] = "active"
        for node in lit.receiving:
            for element in self.map.elements(node)[:1]:
                out.setdefault(element, "receiving")
        return out

    def frame_dot(self, i: int) -> str:
        """The DOT text of frame ``i`` as Graphviz would draw it on its own (made on demand, for
        checking: the frames themselves never make DOT): its numbers, its highlights."""
        values = dict(self.trace.start_values())
        for k in range(i + 1):
            values.update(self.trace.sets(k))
        lit = self.trace.lit(i)
        shown = {"grads": values} if self.shows == "grad" else {"grads": {}, "data": values}
        options = {**self.options, **shown, "highlight_nodes": lit.active, "highlight_edges": lit.edges}
        dot = self.trace.layout_dot(options)
        receiving = [e for e, light in self._lit_elements(lit).items() if light == "receiving"]
        for element in receiving:
            start = dot.index(f'[id="{element}"')
            end = dot.index("\n", start)
            dot = dot[:end - 1] + f', color="{RECEIVING}", penwidth=3]' + dot[end:]
        return dot

    def focus(self) -> list[list[str]]:
        """Per frame, the ids of the nodes to bring into view: those it lights as active (or else
        the receiving one)."""
        self.deltas()
        return self._focus

    def changes(self, i: int) -> dict[Slot, Change]:
        """What frame ``i`` shows in every slot some frame changes (the rest is the layout's)."""
        state = dict(self.start())
        for delta in self.deltas()[: i + 1]:
            state.update(delta)
        return state

    def svg(self, i: int) -> str:
        """Frame ``i`` as a complete ``<svg>`` element: the layout with that frame's changes."""
        return self.template.render(self.changes(i))

    def layout_value(self, slot: Slot) -> Change:
        """What the layout shows in ``slot``: a text, or the style of a node or edge."""
        name, what = slot
        if what == "style":
            return self._styles.get(name, (None, "black", "1", False))
        return self.template.text(name, what)


def _unlit(dot: str) -> str:
    """The DOT text with no node or edge highlighted (the legend keeps its "highlighted" entry)."""
    suffix = f", {HIGHLIGHT_ATTRS}]"
    lines = dot.splitlines(keepends=True)
    return "".join(line.replace(suffix, "]") if 'id="' in line else line for line in lines)


def _styles(dot: str) -> dict[str, Style]:
    """The style of every node and edge of a DOT text, by id: (fill, outline colour, width, dashed)."""
    lines = dot.splitlines()
    defaults = {kind: _attributes(line) for line in lines for kind in ("node", "edge")
                if line.strip().startswith(kind + " [")}
    styles: dict[str, Style] = {}
    for line in lines:
        match = _STATEMENT_ID.search(line)
        if match:
            is_edge = " -> " in line.split("[", 1)[0]
            attrs = {**defaults.get("edge" if is_edge else "node", {}), **_attributes(line)}
            fill = None if is_edge else attrs.get("fillcolor")
            styles[match.group(1)] = (fill, attrs.get("color", "black"), attrs.get("penwidth", "1"),
                                      "dashed" in attrs.get("style", ""))
    return styles


def _attributes(line: str) -> dict[str, str]:
    """The ``name=value`` pairs of one DOT statement, quotes removed (a repeated name: the last)."""
    return {name: value[1:-1] if value.startswith('"') else value
            for name, value in _ATTR.findall(line[line.index("[") + 1:])}
