"""A frame as changes to one laid-out SVG: which texts to set, which outlines to recolour.

Python applies the changes to the SVG text (:class:`SvgTemplate`, for ``trace.frame_svg(i)``
and the notebook player); the page ships the SVG once, the changes of every frame as a little JSON
(:func:`pack_frames`), and applies them to the live picture in JavaScript (:data:`PATCH_JS`), so a
300-step page weighs about one picture.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from typing import Any

Style = tuple[str | None, str, str, bool]  # fill (None: leave it), outline colour, outline width, dashed
Slot = tuple[str, Any]  # (DOT id, k): the k-th last text of that node (k < 0), or "style"
Change = Any  # the text (a str) for a text slot, a Style for a style slot

_GROUP = re.compile(r'<g id="([^"]+)" class="(node|edge)">(.*?)</g>', re.DOTALL)
_PART = re.compile(r"(<text\b[^>]*>)(.*?)</text>|<(path|polygon|ellipse|polyline)\b([^>]*?)/>", re.DOTALL)
_SVG_ATTR = re.compile(r'([\w:-]+)="([^"]*)"')
_DROP = re.compile(r"<!--.*?-->\n?|<title>.*?</title>\n?| xml:space=\"preserve\"", re.DOTALL)
_GEOMETRY = re.compile(r' (d|points|x|y|cx|cy|rx|ry|transform)="([^"]*)"')
_DECIMALS = re.compile(r"(\d+)\.\d+")
_ONE_DECIMAL = r"\1"
_FONT = ' font-family="Helvetica,sans-Serif" font-size="10.00"'
_DEFAULTS = (' text-anchor="middle"',)  # set once on the picture, inherited


def _tenths(match: re.Match[str]) -> str:
    return f' {match.group(1)}="{_DECIMALS.sub(_ONE_DECIMAL, match.group(2))}"'


def compact_svg(svg: str) -> str:
    """Graphviz's SVG made smaller and drawn the same: no comments or hover titles, coordinates to
    the point, the common font and text anchor once on the picture instead of on every text.

    >>> compact_svg('<svg><g id="graph0" class="graph"><!-- a --><title>a</title>'
    ...             '<text xml:space="preserve" x="1.25" y="-2.5" font-family="Helvetica,sans-Serif"'
    ...             ' font-size="10.00">x 1.25</text></g></svg>')
    '<svg xml:space="preserve"><g id="graph0" class="graph" font-family="Helvetica,sans-Serif" font-size="10"
    text-anchor="middle"><text x="1" y="-2">x 1.25</text></g></svg>'
    """
    svg = _DROP.sub("", svg)
    svg = _GEOMETRY.sub(_tenths, svg)
    svg = svg.replace(_FONT, "")
    for default in _DEFAULTS:
        svg = svg.replace(default, "")
    svg = svg.replace('class="graph"', 'class="graph" font-family="Helvetica,sans-Serif" font-size="10"'
                      + "".join(_DEFAULTS), 1)
    return svg.replace("<svg", '<svg xml:space="preserve"', 1)


class SvgTemplate:
    """An SVG from Graphviz, cut where frames differ: the texts and the outline of every node and edge.

    >>> from chainrule.viz import render_svg
    >>> template = SvgTemplate(render_svg('digraph { a [id="a", label="grad 1"] }'))
    >>> template.text("a", -1)
    'grad 1'
    >>> "grad 0.5" in template.render({("a", -1): "grad 0.5"})
    True
    """

    def __init__(self, svg: str) -> None:
        self.chunks: list[str] = []  # fixed text and slots, in order: "".join(chunks) == svg
        self.groups: dict[str, tuple[str, list[int], list[tuple[int, str, dict[str, str]]]]] = {}
        at = 0
        for group in _GROUP.finditer(svg):
            texts: list[int] = []
            shapes: list[tuple[int, str, dict[str, str]]] = []
            for part in _PART.finditer(svg, group.start(3), group.end(3)):
                is_text = part.group(3) is None
                start, end = (part.start(2), part.end(2)) if is_text else (part.start(), part.end())
                self.chunks.append(svg[at:start])
                if is_text:  # the text between the tags is the slot
                    texts.append(len(self.chunks))
                else:  # the whole shape element is
                    attrs = {name: html.unescape(value) for name, value in _SVG_ATTR.findall(part.group(4))}
                    shapes.append((len(self.chunks), part.group(3), attrs))
                self.chunks.append(svg[start:end])
                at = end
            self.groups[group.group(1)] = (group.group(2), texts, shapes)
        self.chunks.append(svg[at:])

    def text(self, name: str, k: int) -> str:
        """The text shown by text ``k`` (negative: from the end) of node ``name``, unescaped."""
        return html.unescape(self.chunks[self._group(name)[1][k]])

    def render(self, changes: Mapping[Slot, Change]) -> str:
        """The SVG with ``changes`` made: ``(id, k)`` -> new text, ``(id, "style")`` -> a :data:`Style`."""
        out = list(self.chunks)
        for (name, what), value in changes.items():
            kind, texts, shapes = self._group(name)
            if what == "style":
                for n, (index, tag, attrs) in enumerate(shapes):
                    out[index] = _shape(tag, attrs, value, kind, first=n == 0)
            else:
                out[texts[what]] = escape_text(value)
        return "".join(out)

    def _group(self, name: str) -> tuple[str, list[int], list[tuple[int, str, dict[str, str]]]]:
        try:
            return self.groups[name]
        except KeyError:
            raise KeyError(f"the laid-out SVG has no node or edge with id {name!r}") from None


def escape_text(text: str) -> str:
    """Text for SVG, escaped as Graphviz does (``-`` too, as ``&#45;``).

    >>> escape_text('grad -1 <b>&"')
    'grad &#45;1 &lt;b&gt;&amp;&quot;'
    """
    return html.escape(text, quote=True).replace("-", "&#45;")


def _shape(tag: str, attrs: dict[str, str], style: Style, kind: str, first: bool) -> str:
    """One shape element restyled: outline colour, width and dashes; a node's outline (its first
    shape) takes the fill, an edge's arrowhead the edge's colour."""
    fill, stroke, width, dashed = style
    paint = {"fill": attrs.get("fill"), "stroke": stroke, "stroke-width": None if width == "1" else width,
             "stroke-dasharray": "5,2" if dashed else None}
    if kind == "edge" and tag == "polygon":
        paint["fill"] = stroke
    elif kind == "node" and first and fill is not None:
        paint["fill"] = fill
    shown = {**paint, **{name: value for name, value in attrs.items() if name not in paint}}
    attributes = "".join(f' {name}="{html.escape(v)}"' for name, v in shown.items() if v is not None)
    return f"<{tag}{attributes}/>"


def pack_frames(start: Mapping[Slot, Change],
                deltas: Iterable[Iterable[tuple[Slot, Change]]]) -> dict[str, Any]:
    """The page's frames: ``start`` (each slot some frame changes, before the first step) and, per
    frame, its ``[id, k, value]`` changes from the frame before; ``k = "s"`` is a style, its value an
    index into ``styles`` (each distinct :data:`Style` once). Linear in the changes.

    >>> packed = pack_frames({("n0", -1): "grad —"}, [[(("n0", -1), "grad 1")], [(("n0", -1), "grad 2")]])
    >>> packed["start"], packed["frames"]
    ([['n0', -1, 'grad —']], [[['n0', -1, 'grad 1']], [['n0', -1, 'grad 2']]])
    """
    styles: dict[Style, int] = {}
    first = [_entry(slot, value, styles) for slot, value in start.items()]
    frames = [[_entry(slot, value, styles) for slot, value in delta] for delta in deltas]
    return {"styles": [list(style) for style in styles], "start": first, "frames": frames}


def unpack_frame(svg: str, pack: dict[str, Any], i: int) -> str:
    """Frame ``i`` of a page: the laid-out ``svg`` with the packed start and changes up to frame
    ``i`` made (what the page's script shows; equal to ``trace.frame_svg(i)``)."""
    styles = [tuple(style) for style in pack["styles"]]
    state = {}
    for entries in [pack["start"], *pack["frames"][: i + 1]]:
        state.update((((name, "style"), styles[value]) if what == "s" else ((name, what), value))
                     for name, what, value in entries)
    return SvgTemplate(svg).render(state)


def _entry(slot: Slot, value: Change, styles: dict[Style, int]) -> list[Any]:
    name, what = slot
    if what == "style":
        return [name, "s", styles.setdefault(value, len(styles))]
    return [name, what, value]


# The JavaScript twin of unpack_frame: filmPlayer(element, pack) sets the <svg> inside ``element``
# (the layout) to the start, and returns show(i), which changes it in place to frame i, touching only
# what differs from what is shown.
PATCH_JS = """
  function frameState(film, i) {
    var state = {}, lists = [film.start].concat(film.frames.slice(0, i + 1));
    for (var f = 0; f < lists.length; f++) {
      for (var k = 0; k < lists[f].length; k++) { var c = lists[f][k]; state[c[0] + " " + c[1]] = c; }
    }
    return state;
  }
  function restyle(group, style) {
    var edge = group.getAttribute("class") === "edge";
    var shapes = group.querySelectorAll("path, polygon, ellipse, polyline");
    for (var k = 0; k < shapes.length; k++) {
      var s = shapes[k];
      s.setAttribute("stroke", style[1]);
      if (style[2] === "1") { s.removeAttribute("stroke-width"); }
      else { s.setAttribute("stroke-width", style[2]); }
      if (style[3]) { s.setAttribute("stroke-dasharray", "5,2"); }
      else { s.removeAttribute("stroke-dasharray"); }
      if (edge && s.tagName === "polygon") { s.setAttribute("fill", style[1]); }
      if (!edge && k === 0 && style[0] !== null) { s.setAttribute("fill", style[0]); }
    }
  }
  function filmPlayer(element, film) {
    var groups = {}, shown = {}, parts = element.querySelectorAll("g.node, g.edge");
    for (var k = 0; k < parts.length; k++) { groups[parts[k].id] = parts[k]; }
    function put(c) {
      var key = c[0] + " " + c[1], group = groups[c[0]];
      if (shown[key] === c[2]) { return; }
      shown[key] = c[2];
      if (c[1] === "s") { restyle(group, film.styles[c[2]]); return; }
      var texts = group.getElementsByTagName("text");
      texts[c[1] < 0 ? texts.length + c[1] : c[1]].textContent = c[2];
    }
    for (k = 0; k < film.start.length; k++) { put(film.start[k]); }  // the page opens on the start
    return function (i) {
      var want = frameState(film, i);
      for (var key in want) { put(want[key]); }
      return film.focus[i].map(function (id) { return groups[id]; });
    };
  }
"""
