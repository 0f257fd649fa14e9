"""Pictures of the sum over paths: the graph with one path lit, and a page that walks path by path.

The numbers come from a :class:`~chainrule.check.paths.PathsReport` (``chainrule.paths(y, x)``);
this module only draws it, with :func:`~chainrule.viz.to_dot`'s highlight options.
"""

from __future__ import annotations

import html
import json
import os
from pathlib import Path
from typing import Any

from chainrule.engine.naming import format_number
from chainrule.files import write_atomic
from chainrule.viz import ids
from chainrule.viz.draw import Drawing, draw, to_svg
from chainrule.viz.options import DotOptions


def path_caption(report: Any, i: int) -> str:
    """The caption of path ``i``'s picture: which path, its nodes, the product of its local derivatives.

    >>> from chainrule import Value, paths
    >>> x = Value(2.0, label="x")
    >>> path_caption(paths(x * 3, x), 0)
    'path 1 of 1: x → mul#2, local derivatives 3 = 3'
    """
    path = report[i]
    locals_ = " × ".join(format_number(local) for local in path.locals) or "(none)"
    return (f"path {i + 1} of {report.count:,}: {report.path_text(path)},"
            f" local derivatives {locals_} = {format_number(path.product)}")


def draw_path(report: Any, i: int = 0, options: DotOptions | None = None, **changes: Any) -> Drawing:
    """The output's graph with path ``i`` of ``report`` highlighted (its nodes, ops and edges in
    orange) and named in the caption; Jupyter shows it inline. Takes :func:`~chainrule.viz.draw`'s
    options (``rankdir``, ``collapse``, ...).

    >>> from chainrule import Value, paths
    >>> x = Value(2.0, label="x")
    >>> y = x * x + x
    >>> picture = draw_path(paths(y, x), 2)
    >>> 'id="n2_in1", color="#ea580c"' in picture.source, "path 3 of 3" in picture.source
    (True, True)
    """
    given = {"max_nodes": None, "caption": path_caption(report, _index(report, i)), "names": report.names,
             **report.highlight(i)}
    return draw(report.output, options, **{**given, **changes})


def paths_page(report: Any, title: str | None = None) -> str:
    """A self-contained HTML page that walks ``report``'s paths one at a time (buttons, slider,
    arrow keys, or a click on a row): the graph drawn once, the path lit, its product, and the
    running sum, ending at the sum over all paths and ``leaf.grad``.

    >>> from chainrule import Value, paths
    >>> x = Value(2.0, label="x")
    >>> page = paths_page(paths(x * x, x), "<x²>")
    >>> "<title>&lt;x²&gt;</title>" in page, page.count('<tr class="cr-path-row"')
    (True, 2)
    """
    if not len(report):
        raise ValueError(f"no path to walk: {report.summary()}")
    title = title or report.summary().split(" as a sum")[0]
    svg = to_svg(report.output, max_nodes=None, names=report.names)
    svg = svg[svg.index("<svg"):]
    walk = _walk(report)
    table = report._repr_html_().replace("<tr><td", '<tr class="cr-path-row"><td', len(report))
    return _PAGE.format(
        title=html.escape(title), last=len(report) - 1, count=len(report), svg=svg, table=table,
        first=html.escape(walk[0]["text"]), data=json.dumps(walk, ensure_ascii=False).replace("<", "\\u003c"),
        script=_SCRIPT,
    )


def save_paths_html(report: Any, path: str | os.PathLike[str], title: str | None = None) -> Path:
    """Write :func:`paths_page` to ``path`` atomically (an existing file survives a failure).

    >>> import tempfile, pathlib
    >>> from chainrule import Value, paths
    >>> x = Value(2.0, label="x")
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "paths.html"
    >>> save_paths_html(paths(x * x, x), target).read_text().count('<tr class="cr-path-row"')
    2
    """
    return write_atomic(path, paths_page(report, title).encode("utf-8"))


def _walk(report: Any) -> list[dict[str, Any]]:
    """For each listed path: the SVG ids to light and the sentence to show."""
    order_ids = ids.dot_ids(report.output)
    position = {node: int(node_id[1:]) for node, node_id in order_ids.items()}
    steps, running = [], 0.0
    for k, path in enumerate(report):
        running += path.product
        lit = [order_ids[node] for node in path.nodes]
        lit += [ids.op_id(position[node]) for node in path.nodes[1:]]
        lit += [ids.edge_id(position[child], index) for _, child, index in path.edges]
        lit += [ids.output_edge_id(position[node]) for node in path.nodes[1:]]
        text = f"{path_caption(report, k)}. Running sum of the paths so far: {format_number(running)}"
        if k == len(report) - 1:
            rest = f"with the {report.left_out:,} smaller paths left out, " if report.left_out else ""
            text += f"; {rest}{report.verdict()}"
        steps.append({"ids": lit, "text": text})
    return steps


def _index(report: Any, i: int) -> int:
    try:
        return range(len(report))[i]
    except (IndexError, TypeError):
        raise IndexError(f"no path {i!r}: the report lists {len(report)} path(s)") from None


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: Helvetica, Arial, sans-serif; margin: 1em; }}
.controls {{ display: flex; gap: .5em; align-items: center; margin: .5em 0; }}
#cr-graph svg {{ max-width: 100%; height: auto; }}
#cr-graph .on > path, #cr-graph .on > polygon, #cr-graph .on > ellipse {{
  stroke: #ea580c; stroke-width: 3px; }}
#cr-graph .edge.on > polygon {{ fill: #ea580c; }}
.cr-path-row {{ cursor: pointer; }}
.cr-path-row.on {{ background: #ffedd5; }}
#cr-why {{ font-size: 1.05em; }}
</style>
</head>
<body data-path="0">
<h1>{title}</h1>
<div class="controls">
<button id="cr-prev" type="button" title="previous path (←)">◀ previous</button>
<input id="cr-slider" type="range" min="0" max="{last}" value="0" step="1" aria-label="path">
<button id="cr-next" type="button" title="next path (→)">next ▶</button>
<span id="cr-counter">path 1 / {count}</span>
</div>
<p id="cr-why">{first}</p>
<div id="cr-graph">{svg}</div>
<div id="cr-table">{table}</div>
<script type="application/json" id="cr-paths">{data}</script>
<script>{script}</script>
</body>
</html>
"""

_SCRIPT = """
(function () {
  var walk = JSON.parse(document.getElementById("cr-paths").textContent);
  var slider = document.getElementById("cr-slider");
  var rows = document.querySelectorAll(".cr-path-row");
  var current = 0;
  function show(i) {
    current = Math.max(0, Math.min(walk.length - 1, i));
    document.querySelectorAll("#cr-graph .on").forEach(function (e) { e.classList.remove("on"); });
    walk[current].ids.forEach(function (id) {
      var element = document.getElementById(id);
      if (element) { element.classList.add("on"); }
    });
    rows.forEach(function (row, k) { row.classList.toggle("on", k === current); });
    slider.value = current;
    document.body.setAttribute("data-path", current);
    document.getElementById("cr-counter").textContent = "path " + (current + 1) + " / " + walk.length;
    document.getElementById("cr-why").textContent = walk[current].text;
  }
  document.getElementById("cr-prev").onclick = function () { show(current - 1); };
  document.getElementById("cr-next").onclick = function () { show(current + 1); };
  slider.oninput = function () { show(parseInt(slider.value, 10)); };
  rows.forEach(function (row, k) { row.onclick = function () { show(k); }; });
  document.addEventListener("keydown", function (e) {
    if (e.target === slider || e.altKey || e.ctrlKey || e.metaKey) { return; }
    var to = {ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: walk.length - 1}[e.key];
    if (to !== undefined) { e.preventDefault(); show(to); }
  });
  show(0);
})();
"""
