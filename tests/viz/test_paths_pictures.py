"""The sum over paths drawn: one path lit in the picture, and the page that walks path by path
(in a real headless Chromium when one is installed)."""

from __future__ import annotations

import os
import re
import shutil

import pytest
from hypothesis import given

from chainrule import Value, paths, topological_order
from chainrule.engine.naming import node_names
from chainrule.nn import MLP
from chainrule.viz import draw_path, paths_page, save_paths_html
from tests.engine.random_dags import dags


def diamond() -> tuple[Value, Value]:
    x = Value(3.0, label="x")
    a, b = x * 2, x.sin()
    a.label, b.label = "a", "b"
    y = a * b + x
    y.label = "y"
    y.backward()
    return x, y


def lit_ids(dot: str) -> set[str]:
    return set(re.findall(r'id="([^"]+)"[^\n]*color="#ea580c"', dot))


def test_the_chosen_path_and_nothing_else_is_lit() -> None:
    x, y = diamond()
    report = paths(y, x)
    for i, path in enumerate(report):
        dot = draw_path(report, i).source
        edges = {f"n{dot_index(report, child)}_in{index}" for _, child, index in path.edges}
        values = {f"n{dot_index(report, node)}" for node in path.nodes}
        ops = {f"n{dot_index(report, node)}_op" for node in path.nodes[1:]}
        assert lit_ids(dot) == edges | values | ops
        assert f"path {i + 1} of 3: {report.path_text(path)}" in dot


def dot_index(report, node) -> int:
    return topological_order(report.output).index(node)


def test_drawing_options_pass_through_and_a_bad_index_is_named() -> None:
    x, y = diamond()
    report = paths(y, x)
    assert "rankdir=TB" in draw_path(report, 0, rankdir="TB").source
    with pytest.raises(IndexError, match="no path 7: the report lists 3 path"):
        draw_path(report, 7)


def test_the_page_carries_every_listed_path_and_the_verdict(tmp_path) -> None:
    x, y = diamond()
    report = paths(y, x, max_paths=2)
    page = paths_page(report)
    assert page.count('<tr class="cr-path-row"') == 2 and "<svg" in page
    assert "with the 1 smaller paths left out, sum over all 3 paths" in page
    assert "= x.grad ✓" in page
    target = save_paths_html(report, tmp_path / "p.html")
    assert target.read_text(encoding="utf-8") == page
    with pytest.raises(ValueError, match="no path to walk"):
        paths_page(paths(y, Value(1.0, label="w")))


def test_a_hostile_label_cannot_end_the_script() -> None:
    x = Value(2.0, label="</script><script>alert(1)</script>")
    y = x * x
    y.backward()
    page = paths_page(paths(y, x))
    assert page.count("</script>") == 2  # the two script elements' own ends


# --- in a real browser -------------------------------------------------------------------------

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"]


@pytest.fixture(scope="module")
def chromium():
    candidates = ("/usr/bin/chromium", shutil.which("chromium"))
    executable = next((c for c in candidates if c and os.access(c, os.X_OK)), None)
    if executable is None:
        if os.environ.get("CHAINRULE_REQUIRE_BROWSER") == "1":
            pytest.fail("CHAINRULE_REQUIRE_BROWSER=1 but no Chromium is installed")
        pytest.skip("no Chromium found")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        yield browser
        browser.close()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.xdist_group("browser")
def test_the_page_walks_path_by_path_in_chromium(chromium, tmp_path) -> None:
    x, y = diamond()
    report = paths(y, x)
    target = save_paths_html(report, tmp_path / "paths.html")
    page = chromium.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(target.as_uri())
    lit = "[...document.querySelectorAll('#cr-graph .on')].map(e => e.id).sort()"
    for i, path in enumerate(report):
        assert page.evaluate("document.body.dataset.path") == str(i)
        expected = {f"n{dot_index(report, n)}" for n in path.nodes}
        expected |= {f"n{dot_index(report, n)}_op" for n in path.nodes[1:]}
        expected |= {f"n{dot_index(report, n)}_out" for n in path.nodes[1:]}
        expected |= {f"n{dot_index(report, c)}_in{k}" for _, c, k in path.edges}
        assert set(page.evaluate(lit)) == expected
        assert page.inner_text("#cr-why").startswith(f"path {i + 1} of 3: {report.path_text(path)}")
        page.keyboard.press("ArrowRight")
    assert page.evaluate("document.body.dataset.path") == "2"  # stops at the last path
    assert page.inner_text("#cr-why").endswith("= x.grad ✓")
    page.click("#cr-prev")
    assert page.evaluate("document.body.dataset.path") == "1"
    page.click(".cr-path-row >> nth=0")
    assert page.evaluate("document.body.dataset.path") == "0"
    assert errors == []
    page.close()


@given(dags(max_ops=12))
def test_the_report_names_nodes_as_the_stepper_and_the_picture_do(dag) -> None:
    _, root = dag
    root.backward()
    order = topological_order(root)
    leaf = next(node for node in order if node.op is None)
    assert paths(root, leaf, max_paths=1).names == node_names(order)


def test_every_name_in_a_path_row_is_drawn_in_its_picture(wasm, svg_texts) -> None:
    model = MLP(2, [2, 1], seed=3)
    x = [Value(0.5, label="x1"), Value(-1.0, label="x2")]
    y = model(x)
    y.backward()
    w = model.layers[0].neurons[1].w[0]
    report = paths(y, w, max_paths=2)
    assert report.names == node_names(topological_order(y))
    assert report.path_text(report[0]).startswith("layers.0.neurons.1.w.0 → ")
    texts = " ".join(svg_texts(draw_path(report, 0)._repr_image_svg_xml()))
    for node in report[0].nodes:
        assert report.names[node] in texts, report.names[node]
