"""The exported web page: the laid-out graph once, each step's changes as JSON, previous/next, a
slider and the arrow keys; no network."""

from __future__ import annotations

import html
import json
from typing import Any

from chainrule.viz.steps.pack import PATCH_JS, pack_frames

_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}
.controls{display:flex;gap:.6em;align-items:center;margin:.5em 0}
.controls input[type=range]{flex:1;max-width:40em}
#cr-frame{overflow:auto;border:1px solid #ddd;padding:.5em;min-height:6em}
#cr-frame svg{max-width:100%;height:auto}
#cr-why{font-size:1.1em;min-height:1.5em}
table.chainrule-steps{border-collapse:collapse;font-size:.9em}
.chainrule-steps th,.chainrule-steps td{padding:.15em .6em;border-bottom:1px solid #eee;text-align:left}
.chainrule-steps .num{text-align:right;font-variant-numeric:tabular-nums}
.chainrule-steps tbody tr{cursor:pointer}
.chainrule-steps tr.active{background:#fff3b0}
"""

# Plain ES5, no libraries: the page must work opened from a disk, with no network and no kernel.
_SCRIPT = """
(function () {
  function data(id) { return JSON.parse(document.getElementById(id).textContent); }
/*patch*/
  var why = data("cr-explanations"), count = why.length, frame = document.getElementById("cr-frame");
  var showFrame = filmPlayer(frame, data("cr-frames")), slider = document.getElementById("cr-slider");
  var prev = document.getElementById("cr-prev"), next = document.getElementById("cr-next");
  var counter = document.getElementById("cr-counter"), text = document.getElementById("cr-why");
  var rows = document.querySelectorAll("#cr-table tr[data-step]");
  var current = -1;
  function show(i) {
    i = Math.max(0, Math.min(count - 1, i));
    if (i === current) { return; }
    current = i;
    showFrame(i);
    text.textContent = why[i];
    slider.value = String(i);
    counter.textContent = "step " + (i + 1) + " / " + count;
    prev.disabled = i === 0;
    next.disabled = i === count - 1;
    for (var k = 0; k < rows.length; k++) {
      rows[k].className = Number(rows[k].getAttribute("data-step")) === i ? "active" : "";
    }
    document.body.setAttribute("data-step", String(i));
  }
  prev.addEventListener("click", function () { show(current - 1); });
  next.addEventListener("click", function () { show(current + 1); });
  slider.addEventListener("input", function () { show(Number(slider.value)); });
  for (var k = 0; k < rows.length; k++) {
    rows[k].addEventListener("click", function () { show(Number(this.getAttribute("data-step"))); });
  }
  document.addEventListener("keydown", function (e) {
    if (e.target === slider || e.altKey || e.ctrlKey || e.metaKey) { return; }  // the slider moves itself
    var to = {ArrowRight: current + 1, ArrowLeft: current - 1, Home: 0, End: count - 1}[e.key];
    if (to !== undefined) { e.preventDefault(); show(to); }
  });
  show(0);
})();
""".replace("/*patch*/", PATCH_JS)


def page(trace: Any, title: str) -> str:
    """The whole page for ``trace`` (a non-empty trace of steps) as one HTML string.

    >>> from chainrule import Value
    >>> from chainrule.viz.steps import record_backward
    >>> text = page(record_backward(Value(1.0) * 2), "<demo>")
    >>> "<title>&lt;demo&gt;</title>" in text, text.count('id="cr-frames"')
    (True, 1)
    """
    if not len(trace):
        raise ValueError(f"nothing to step through: {trace.summary()}")
    film = trace.filmstrip()
    pack = pack_frames((film.changes(i) for i in range(len(trace))), film.layout_value)
    explanations = [trace.explain(i) for i in range(len(trace))]
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
</div>
<div id="cr-frame">{film.layout_svg}</div>
<p id="cr-why">{html.escape(explanations[0])}</p>
<div id="cr-table">{trace._repr_html_()}</div>
<script type="application/json" id="cr-frames">{script_json(pack)}</script>
<script type="application/json" id="cr-explanations">{script_json(explanations)}</script>
<script>{_SCRIPT}</script>
</body>
</html>
"""


def script_json(value: Any) -> str:
    r"""JSON that is safe inside a ``<script>`` element: with every ``<`` escaped, neither
    ``</script>`` nor ``<!--`` can occur, so no string can end the element early.

    >>> script_json(["</script><script>alert(1)</script>"])
    '["\\u003c/script>\\u003cscript>alert(1)\\u003c/script>"]'
    """
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")
