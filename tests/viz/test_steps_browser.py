"""The exported page in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

Skipped when no Chromium is installed, unless CHAINRULE_REQUIRE_BROWSER=1 (set by .ci/run), where
a missing browser is a failure.
"""

from __future__ import annotations

import os
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from chainrule import Parameter, Value
from chainrule.nn import MLP, mse_loss
from chainrule.viz.ids import dot_ids
from chainrule.viz.steps import record_backward, record_forward, step_through
from chainrule.viz.style import HIGHLIGHT

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

HOSTILE = "</script><script>alert(1)</script>"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def find_chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def unavailable(reason: str) -> None:
    if os.environ.get("CHAINRULE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"CHAINRULE_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    executable = find_chromium()
    if executable is None:
        unavailable("no Chromium found at /usr/bin/chromium or on PATH (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("playwright is not installed (pip install playwright)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def neuron(tmp_path_factory):
    x, w = Value(2.0, label="x"), Parameter(-3.0, label="w")
    b = Parameter(6.88, label=HOSTILE)
    wx = w * x
    wx.label = "w*x"
    n = wx + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    trace = record_backward(o)
    path = trace.save_html(tmp_path_factory.mktemp("page") / "neuron.html")
    return trace, path


def shown(page) -> dict:
    """What the page shows now: step, counter, explanation, the highlighted node's id, grads by id."""
    return page.evaluate(
        """(highlight) => {
          const grads = {}, active = [];
          for (const g of document.querySelectorAll('#cr-frame g.node, #cr-frame g.edge')) {
            if (g.querySelector(`[stroke="${highlight}"]`)) { active.push(g.id); }
            for (const t of g.querySelectorAll('text')) {
              if (t.textContent.startsWith('grad ')) { grads[g.id] = t.textContent.slice(5); }
            }
          }
          return {step: document.body.getAttribute('data-step'),
                  counter: document.getElementById('cr-counter').textContent,
                  why: document.getElementById('cr-why').textContent,
                  active: active.sort(), grads: grads,
                  row: document.querySelector('#cr-table tr.active').getAttribute('data-step')};
        }""",
        HIGHLIGHT,
    )


# Every node's and edge's texts and outline paint, and every node's place, as the page shows them now.
LOOK_JS = """() => {
  const look = {}, places = {};
  for (const g of document.querySelectorAll('#cr-frame g.node, #cr-frame g.edge')) {
    const shapes = [...g.children].filter(
      el => ['path', 'polygon', 'ellipse', 'polyline'].includes(el.tagName));
    look[g.id] = {texts: [...g.querySelectorAll('text')].map(t => t.textContent),
                  paint: shapes.map(el => ['fill', 'stroke', 'stroke-width', 'stroke-dasharray']
                                                .map(a => el.getAttribute(a)))};
    if (g.getAttribute('class') === 'node') {
      const box = shapes[0].getBBox();
      places[g.id] = [box.x, box.y, box.width, box.height];
    }
  }
  return {look: look, places: places, svgs: document.querySelectorAll('#cr-frame svg').length};
}"""
SVG = "{http://www.w3.org/2000/svg}"
PAINT = ("fill", "stroke", "stroke-width", "stroke-dasharray")


def python_look(svg: str) -> dict:
    """The same as LOOK_JS's ``look``, read from ``trace.frame_svg(i)``."""
    look = {}
    for g in ET.fromstring(svg).iter(SVG + "g"):
        if g.get("class") in ("node", "edge"):
            shapes = [el for el in g if el.tag[len(SVG):] in ("path", "polygon", "ellipse", "polyline")]
            look[g.get("id")] = {"texts": [t.text or "" for t in g.iter(SVG + "text")],
                                 "paint": [[el.get(a) for a in PAINT] for el in shapes]}
    return look


def open_page(browser, path):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(Path(path).as_uri())
    page.wait_for_selector("body[data-ready]")  # the steps are unpacked (gzipped JSON) after load
    return page, errors


def test_page_steps_with_buttons_keys_and_slider(browser, neuron):
    trace, path = neuron
    ids = dot_ids(trace.root)
    page = browser.new_page()
    requests, errors, dialogs = [], [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.goto(Path(path).as_uri())
    page.wait_for_selector("body[data-ready]")

    def expect(i: int) -> dict:
        now = shown(page)
        step = trace[i]
        assert (now["step"], now["row"], now["counter"]) == (str(i), str(i), f"step {i + 1} / 5")
        assert now["why"] == trace.explain(i)
        node = ids[step.node]  # the node, its op and the edge from the parent are highlighted
        assert now["active"] == sorted([node, f"{node}_op", f"{node}_in{step.index}"])
        return now

    first = expect(0)  # o -> n: n's gradient is filled in, w's not yet
    assert first["grads"][ids[trace.root]] == "1"
    assert first["grads"][ids[trace[0].parent]] == "0.501"
    assert first["grads"][ids[trace[3].parent]] == "—"
    assert page.is_disabled("#cr-prev")
    before = page.evaluate(LOOK_JS)

    page.click("#cr-next")
    second = expect(1)  # n -> w*x: the highlight moves on, w*x gets its gradient, nothing moves
    assert second["grads"][ids[trace[1].parent]] == "0.501" and second["grads"][ids[trace[3].parent]] == "—"
    assert first["grads"][ids[trace[1].parent]] == "—" and first["active"] != second["active"]
    after = page.evaluate(LOOK_JS)
    assert after["places"] == before["places"] and after["svgs"] == 1 and len(after["places"]) == 9

    page.keyboard.press("ArrowRight")
    expect(2)
    page.keyboard.press("ArrowRight")
    fourth = expect(3)  # w*x -> w: now w has its gradient
    assert fourth["grads"][ids[trace[3].parent]] == "1.002" and trace[3].parent_name == "w"
    page.keyboard.press("ArrowLeft")
    assert expect(2)["grads"][ids[trace[3].parent]] == "—"

    page.fill("#cr-slider", "4")
    expect(4)
    assert page.is_disabled("#cr-next")
    page.keyboard.press("ArrowRight")
    expect(4)
    assert page.inner_text("#cr-table").count(HOSTILE) >= 1  # the hostile label shows as text

    assert errors == [] and dialogs == []
    assert all(url.startswith("file://") for url in requests), requests
    page.close()


def test_the_page_shows_what_python_draws_for_each_frame(browser, tmp_path):
    """The page's script and ``trace.frame_svg(i)`` apply the same changes to the same layout,
    here with collapsed neurons and gradient shading (fills and dashes change too)."""
    model = MLP(2, [3, 1], seed=0)
    trace = step_through(mse_loss([model([0.5, -1.5])], [1.0])).drawn_with(collapse="neuron", color_by="grad")
    page, errors = open_page(browser, trace.save_html(tmp_path / "mlp.html"))
    places = page.evaluate(LOOK_JS)["places"]
    for i in (0, 1, 2, 30, len(trace) - 1, 3, 0):  # forwards, jumps, and back
        page.fill("#cr-slider", str(i))
        now = page.evaluate(LOOK_JS)
        assert now["look"] == python_look(trace.frame_svg(i)), i
        assert now["places"] == places
    assert errors == []
    page.close()


def test_a_forward_page_fills_in_the_values(browser, tmp_path):
    x = Value(2.0, label="x")
    y = (x * 3).tanh()
    trace = record_forward(y)
    page, errors = open_page(browser, trace.save_html(tmp_path / "forward.html"))
    data = """() => [...document.querySelectorAll('#cr-frame g.node text')].map(t => t.textContent)
                    .filter(t => t.startsWith('data '))"""
    assert page.evaluate(data) == ["data 2", "data —", "data —", "data —"]  # x, 3, x*3, tanh
    page.click("#cr-next")
    page.click("#cr-next")
    assert page.evaluate(data) == ["data 2", "data 3", "data 6", "data —"]
    page.keyboard.press("End")
    assert page.evaluate(data) == ["data 2", "data 3", "data 6", "data 1"]
    assert errors == []
    page.close()


def test_a_missing_browser_skips_unless_ci_requires_it(monkeypatch):
    monkeypatch.delenv("CHAINRULE_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium"):
        unavailable("no Chromium here")
    monkeypatch.setenv("CHAINRULE_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="CHAINRULE_REQUIRE_BROWSER=1 but no Chromium"):
        unavailable("no Chromium here")


# Where the active node is on screen, and whether it is inside the window and the frame's box.
IN_VIEW_JS = """(highlight) => {
  const lit = [...document.querySelectorAll('#cr-frame g.node')]
    .filter(g => g.querySelector(`[stroke="${highlight}"]`));
  const frame = document.getElementById('cr-frame').getBoundingClientRect();
  const inside = (b, r) => b.left >= r.left - 1 && b.right <= r.right + 1
                           && b.top >= r.top - 1 && b.bottom <= r.bottom + 1;
  const screen = {left: 0, top: 0, right: window.innerWidth, bottom: window.innerHeight};
  const boxes = lit.map(g => g.getBoundingClientRect());
  return {count: lit.length, inWindow: boxes.every(b => inside(b, screen)),
          inFrame: boxes.every(b => inside(b, frame)), step: Number(document.body.getAttribute('data-step'))};
}"""


def big_mlp_by_neuron(tmp_path):
    model = MLP(2, [16, 16, 1], seed=0)
    trace = step_through(mse_loss([model([0.5, -1.5])], [1.0]), by="neuron")
    return trace, trace.save_html(tmp_path / "mlp.html")


def formula_trace(tmp_path):
    from chainrule.formula import parse_formula

    root, _ = parse_formula("tanh(w1*x1 + w2*x2 + b) * 2 - exp(x1*x2)").build_named(
        {"w1": -3, "x1": 2, "w2": 1, "x2": 0.5, "b": 6.88})
    trace = step_through(root)
    return trace, trace.save_html(tmp_path / "formula.html")


@pytest.mark.parametrize("make", [formula_trace, big_mlp_by_neuron],
                         ids=["formula", "mlp 2-16-16-1 by neuron"])
@pytest.mark.parametrize("size", [(1400, 900), (420, 800)], ids=["wide", "narrow"])
def test_the_active_node_is_in_view_and_each_control_moves_one_step(browser, tmp_path, make, size):
    trace, path = make(tmp_path)
    page = browser.new_page(viewport={"width": size[0], "height": size[1]})
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-ready]")

    def at(i: int) -> None:
        now = page.evaluate(IN_VIEW_JS, HIGHLIGHT)
        assert now["step"] == i and now["count"] >= 1
        assert now["inWindow"] and now["inFrame"], (i, now)

    at(0)
    page.click("#cr-next")
    at(1)
    page.keyboard.press("ArrowRight")
    at(2)
    page.click("#cr-prev")
    at(1)
    page.keyboard.press("ArrowLeft")
    at(0)
    middle, last = len(trace) // 2, len(trace) - 1
    page.fill("#cr-slider", str(middle))
    at(middle)
    page.keyboard.press("End")
    at(last)
    for zoom in ("#cr-zoom-in", "#cr-zoom-in", "#cr-zoom-fit", "#cr-zoom-out"):
        page.click(zoom)
        at(last)
    page.keyboard.press("Home")
    at(0)
    table = page.evaluate("""() => { const t = document.getElementById('cr-table');
        return [t.scrollWidth <= t.clientWidth + 1 || getComputedStyle(t).overflowX === 'auto',
                document.documentElement.scrollWidth <= window.innerWidth + 1]; }""")
    assert table == [True, True]  # the table scrolls in its own box; the page itself never scrolls sideways
    legend = page.inner_text("#cr-legend")
    assert "receiving node" in legend and "active op" in legend
    assert errors == []
    page.close()
