"""draw()'s picture fits the notebook cell's width by default (scaled down, aspect kept), and shows
at full size on request."""

from __future__ import annotations

import os
import re
import shutil

import pytest

from chainrule import Value, draw
from chainrule import sum as vsum

FIT = 'style="max-width:100%;height:auto"'


def wide_graph() -> Value:
    x = Value(0.5, label="x")
    return vsum([(x * k).tanh() for k in range(1, 30)])  # 29 branches side by side: a wide picture


def test_the_notebook_picture_fits_by_default_and_full_size_on_request() -> None:
    y = wide_graph()
    fitted = draw(y, rankdir="TB")._repr_mimebundle_()
    assert FIT in fitted["image/svg+xml"].split("<svg", 1)[1].split(">", 1)[0]
    full, metadata = draw(y, rankdir="TB", fit=False)._repr_mimebundle_()
    assert "max-width" not in full["image/svg+xml"] and metadata == {"image/svg+xml": {"unconfined": True}}
    picture = draw(y)
    picture.fit = False
    assert "max-width" not in picture._repr_image_svg_xml()
    assert draw(y).source == draw(y, fit=False).source  # the DOT text is the same


def _chromium() -> str | None:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


@pytest.mark.browser
def test_a_wide_graph_fits_a_narrow_cell_in_chromium() -> None:
    executable = _chromium()
    if executable is None:
        if os.environ.get("CHAINRULE_REQUIRE_BROWSER") == "1":
            pytest.fail("CHAINRULE_REQUIRE_BROWSER=1 but no Chromium found")
        pytest.skip("no Chromium found at /usr/bin/chromium or on PATH (apt-get install chromium)")
    playwright_api = pytest.importorskip("playwright.sync_api")
    y = wide_graph()
    sizes = {}
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1200, "height": 800})
        for fit in (True, False):
            svg = draw(y, rankdir="TB", fit=fit)._repr_image_svg_xml()
            page.set_content(f'<div id="cell" style="width:500px">{svg[svg.index("<svg"):]}</div>')
            sizes[fit] = page.locator("#cell svg").bounding_box()
        browser.close()
    view = [float(n) for n in re.search(r'viewBox="([^"]+)"', svg).group(1).split()]
    assert sizes[False]["width"] > 500  # at full size it is wider than the cell
    assert sizes[True]["width"] == pytest.approx(500, abs=1)  # fitted: as wide as the cell
    assert sizes[True]["height"] / sizes[True]["width"] == pytest.approx(view[3] / view[2], rel=0.02)
