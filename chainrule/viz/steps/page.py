"""The exported web page: the laid-out graph once, each step's changes, sentences and table rows
as one gzipped JSON (the browser unpacks it), previous/next, a slider, the arrow keys, zoom; no network.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
from typing import Any

from chainrule.viz.steps.frames import RECEIVING
from chainrule.viz.steps.pack import PATCH_JS, pack_frames
from chainrule.viz.style import GROUP_FILL, HIGHLIGHT, KIND_FILL, KIND_MEANING, NOT_COMPUTED_TEXT

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
.controls{display:flex;flex-wrap:wrap;gap:.6em;align-items:center;margin:.5em 0}
.controls input[type=range]{flex:1;min-width:8em;max-width:40em}
#cr-frame{overflow:auto;border:1px solid #ddd;padding:.5em;min-height:6em;max-height:75vh;position:relative}
#cr-frame svg{display:block}
#cr-why{font-size:1.1em;min-height:1.5em}
#cr-table{overflow:auto;max-width:100%}
.legend{display:flex;flex-wrap:wrap;gap:.4em 1.2em;font-size:.85em;margin:.4em 0;padding:0;list-style:none}
.legend span{display:inline-block;width:1.1em;height:.8em;vertical-align:middle;margin-right:.3em;
  border:1px solid #374151;border-radius:2px}
table.chainrule-steps{border-collapse:collapse;font-size:.9em}
.chainrule-steps th,.chainrule-steps td{padding:.15em .6em;border-bottom:1px solid #eee;text-align:left}
.chainrule-steps .num{text-align:right;font-variant-numeric:tabular-nums}
.chainrule-steps tbody tr{cursor:pointer}
.chainrule-steps tr.active{background:#fff3b0}
@media (max-width:700px){body{margin:.5em}#cr-table{max-height:40vh}h1{font-size:1.2em}}
"""

# Plain ES5, no libraries: the page must work opened from a disk, with no network and no kernel.
_SCRIPT = """
(function () {
/*patch*/
  function load(then) {  // the data: base64 of gzipped JSON, unpacked by the browser itself
    var text = document.getElementById("cr-data").textContent.replace(/\\s/g, "");
    var bytes = new Uint8Array(atob(text).split("").map(function (c) { return c.charCodeAt(0); }));
    if (typeof DecompressionStream === "undefined") {
      document.getElementById("cr-why").textContent = "This browser cannot unpack the steps"
        + " (it has no DecompressionStream): open the page in a current browser.";
      return;
    }
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    new Response(stream).text().then(function (json) { then(JSON.parse(json)); });
  }
  load(start);
  function start(data) {
  document.getElementById("cr-table").innerHTML = data.table;
  var why = data.why, count = why.length, frame = document.getElementById("cr-frame");
  var svg = frame.querySelector("svg"), film = data.frames;
  var showFrame = filmPlayer(frame, film), slider = document.getElementById("cr-slider");
  var prev = document.getElementById("cr-prev"), next = document.getElementById("cr-next");
  var counter = document.getElementById("cr-counter"), text = document.getElementById("cr-why");
  var rows = document.querySelectorAll("#cr-table tr[data-step]");
  var width = parseFloat(svg.getAttribute("width")), height = parseFloat(svg.getAttribute("height"));
  var zoom = 1, current = -1;
  function fitZoom() { return Math.min(1, (frame.clientWidth - 16) / width); }
  function setZoom(z) {
    zoom = Math.max(0.05, Math.min(4, z));
    svg.setAttribute("width", (width * zoom) + "pt");
    svg.setAttribute("height", (height * zoom) + "pt");
    document.getElementById("cr-zoom-level").textContent = Math.round(zoom * 100) + "%";
    reveal();
  }
  function around(elements) {  // the smallest box holding every element's box
    var box = null;
    for (var k = 0; k < elements.length; k++) {
      var r = elements[k].getBoundingClientRect();
      box = box === null ? {left: r.left, right: r.right, top: r.top, bottom: r.bottom} :
        {left: Math.min(box.left, r.left), right: Math.max(box.right, r.right),
         top: Math.min(box.top, r.top), bottom: Math.max(box.bottom, r.bottom)};
    }
    return box;
  }
  function into(box, view, pad) {  // how far to scroll so that box is inside view (centred if it must move)
    var dx = 0, dy = 0;
    if (box.left < view.left + pad || box.right > view.right - pad) {
      dx = (box.left + box.right) / 2 - (view.left + view.right) / 2;
    }
    if (box.top < view.top + pad || box.bottom > view.bottom - pad) {
      dy = (box.top + box.bottom) / 2 - (view.top + view.bottom) / 2;
    }
    return [dx, dy];
  }
  function reveal() {  // scroll the frame, then if need be the window, so the active nodes are in view
    var active = current >= 0 ? film.active : null;
    if (!active || !active.length) { return; }
    var move = into(around(active), frame.getBoundingClientRect(), 12);
    frame.scrollLeft += move[0];
    frame.scrollTop += move[1];
    var screen = {left: 0, top: 0, right: window.innerWidth, bottom: window.innerHeight};
    move = into(around(active), screen, 8);
    window.scrollBy(0, move[1]);
  }
  function show(i) {
    i = Math.max(0, Math.min(count - 1, i));
    if (i === current) { return; }
    current = i;
    film.active = showFrame(i);
    text.textContent = "Step " + (i + 1) + " of " + count + ": " + why[i];
    slider.value = String(i);
    counter.textContent = "step " + (i + 1) + " / " + count;
    prev.disabled = i === 0;
    next.disabled = i === count - 1;
    for (var k = 0; k < rows.length; k++) {
      rows[k].className = Number(rows[k].getAttribute("data-step")) === i ? "active" : "";
    }
    document.body.setAttribute("data-step", String(i));
    reveal();
  }
  prev.addEventListener("click", function () { show(current - 1); });
  next.addEventListener("click", function () { show(current + 1); });
  slider.addEventListener("input", function () { show(Number(slider.value)); });
  document.getElementById("cr-zoom-in").addEventListener("click", function () { setZoom(zoom * 1.25); });
  document.getElementById("cr-zoom-out").addEventListener("click", function () { setZoom(zoom / 1.25); });
  document.getElementById("cr-zoom-fit").addEventListener("click", function () { setZoom(fitZoom()); });
  for (var k = 0; k < rows.length; k++) {
    rows[k].addEventListener("click", function () { show(Number(this.getAttribute("data-step"))); });
  }
  document.addEventListener("keydown", function (e) {
    if (e.target === slider || e.altKey || e.ctrlKey || e.metaKey) { return; }  // the slider moves itself
    var to = {ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: count - 1}[e.key];
    if (to !== undefined) { e.preventDefault(); show(to); }
  });
  show(0);
  setZoom(Math.max(fitZoom(), Math.min(1, 0.6)));  // readable: fit the width, but not below 60%
  document.body.setAttribute("data-ready", "1");
  }
})();
""".replace("/*patch*/", PATCH_JS)


def legend(trace: Any) -> str:
    """The page's colour key: the highlights of a step, then the kinds of node."""
    entries = [(HIGHLIGHT, "#ffffff", "the active op and its output, and the edge the step follows"),
               (RECEIVING, "#ffffff", "the receiving node: its " + trace.SHOWS + " just changed")]
    entries += [("#374151", KIND_FILL[kind], KIND_MEANING[kind]) for kind in KIND_FILL]
    entries.append(("#374151", GROUP_FILL, "a collapsed neuron or layer (its outputs' data and grad)"))
    items = "".join(
        f'<li><span style="border:3px solid {colour};background:{fill}"></span>{html.escape(text)}</li>'
        if colour in (HIGHLIGHT, RECEIVING) else
        f'<li><span style="background:{fill}"></span>{html.escape(text)}</li>'
        for colour, fill, text in entries)
    dash = f"<li>{html.escape(NOT_COMPUTED_TEXT)} = not computed yet</li>"
    return f'<ul class="legend" id="cr-legend">{items}{dash}</ul>'


def page(trace: Any, title: str) -> str:
    """The whole page for ``trace`` (a non-empty trace of steps) as one HTML string.

    >>> from chainrule import Value
    >>> from chainrule.viz.steps import record_backward
    >>> text = page(record_backward(Value(1.0) * 2), "<demo>")
    >>> "<title>&lt;demo&gt;</title>" in text, text.count('id="cr-data"'), 'id="cr-legend"' in text
    (True, 1, True)
    """
    if not len(trace):
        raise ValueError(f"nothing to step through: {trace.summary()}")
    film = trace.film()
    pack = pack_frames(film.start(), film.deltas())
    pack["focus"] = film.focus()
    data = {"frames": pack, "why": [step.explanation for step in trace.steps], "table": trace.page_table()}
    last = len(trace) - 1
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
<style>{_STYLE}</style>
</head>
<body data-step="0">
<h1>{html.escape(title)}</h1>
<div class="controls">
<button id="cr-prev" type="button" title="previous step (←)">◀ previous</button>
<input id="cr-slider" type="range" min="0" max="{last}" value="0" step="1" aria-label="step">
<button id="cr-next" type="button" title="next step (→)">next ▶</button>
<span id="cr-counter">step 1 / {len(trace)}</span>
<span class="zoom"><button id="cr-zoom-out" type="button" title="zoom out">−</button>
<span id="cr-zoom-level">100%</span>
<button id="cr-zoom-in" type="button" title="zoom in">+</button>
<button id="cr-zoom-fit" type="button" title="fit the width">fit</button></span>
</div>
<p id="cr-why">{html.escape(trace.explain(0))}</p>
<div id="cr-frame">{film.layout_svg}</div>
{legend(trace)}
<div id="cr-table"></div>
<script type="application/octet-stream" id="cr-data">{pack_data(data)}</script>
<script>{_SCRIPT}</script>
</body>
</html>
"""


def pack_data(value: Any) -> str:
    """``value`` as the page carries it: JSON, gzipped, in base64 lines (no ``<`` can occur).

    >>> unpack_data(pack_data({"why": ["</script>"]}))
    {'why': ['</script>']}
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    packed = gzip.compress(text.encode("utf-8"), mtime=0)
    return base64.encodebytes(packed).decode("ascii")


def unpack_data(text: str) -> Any:
    """What :func:`pack_data` packed (or, given a whole page, the data the page carries)."""
    if "<" in text:
        text = text.split('id="cr-data">', 1)[1].split("</script>", 1)[0]
    return json.loads(gzip.decompress(base64.b64decode(text)).decode("utf-8"))


def script_json(value: Any) -> str:
    r"""JSON that is safe inside a ``<script>`` element: with every ``<`` escaped, neither
    ``</script>`` nor ``<!--`` can occur, so no string can end the element early.

    >>> script_json(["</script><script>alert(1)</script>"])
    '["\\u003c/script>\\u003cscript>alert(1)\\u003c/script>"]'
    """
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
