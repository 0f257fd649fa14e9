"""The stepper widget in a real JupyterLab: started here on 127.0.0.1 (a free port), driven by a
headless Chromium, stopped here. Notebook 01 is opened and run; its player must fit the cell.

Skipped without Chromium or JupyterLab, unless CHAINRULE_REQUIRE_BROWSER=1 (set by .ci/run).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.viz.test_steps_browser import ARGS, find_chromium, unavailable

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
HIGHLIGHT = "#ea580c"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a free local port, serving a copy of notebook 01; yields its URL."""
    try:
        import jupyterlab  # noqa: F401
    except ImportError:
        unavailable("jupyterlab is not installed (pip install 'chainrule[lab]')")
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(NOTEBOOKS / "01_chain_rule_on_gates.ipynb", root / "01.ipynb")
    port, token = free_port(), secrets.token_hex(16)
    home = root / ".home"  # no settings, workspaces or announcements from the user's own Jupyter
    env = {**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
           "JUPYTER_RUNTIME_DIR": str(home / "runtime")}
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
               "--ServerApp.port_retries=0", "--allow-root",  # CI runs as root
               "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(server, f"{url}/api/status?token={token}")
        yield url, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_until_up(server: subprocess.Popen, status: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited: {server.stderr.read().decode(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(status, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not answer {status} within {timeout} s")


# The player's picture, its output cell and the highlighted node, in the page's coordinates.
MEASURE_JS = """(highlight) => {
  const frame = document.querySelector('.jp-OutputArea-output .chainrule-frame');
  const svg = frame.querySelector('svg');
  const cell = frame.closest('.jp-OutputArea-output');
  const lit = [...svg.querySelectorAll('g.node')].filter(g => g.querySelector(`[stroke="${highlight}"]`));
  const box = r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width});
  const table = cell.querySelector('table.chainrule-steps td');
  return {svg: box(svg.getBoundingClientRect()), cell: box(cell.getBoundingClientRect()),
          frame: box(frame.getBoundingClientRect()),
          lit: lit.map(g => box(g.getBoundingClientRect())),
          window: {width: window.innerWidth, height: window.innerHeight},
          padding: table ? getComputedStyle(table).paddingLeft : null};
}"""


def test_the_widget_fits_the_cell_and_shows_its_highlighted_node(lab):
    executable = find_chromium()
    if executable is None:
        unavailable("no Chromium found at /usr/bin/chromium or on PATH (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    url, token = lab
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(f"{url}/lab/tree/01.ipynb?token={token}")
        page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=120_000)
        page.wait_for_selector("text=/\\| Idle/", timeout=120_000)  # the kernel has started
        page.click("div.lm-MenuBar-itemLabel:text-is('Run')", timeout=30_000)
        page.click("li[role='menuitem'] >> text=Run All Cells", timeout=30_000)
        page.wait_for_selector(".jp-OutputArea-output .chainrule-frame svg", timeout=180_000)
        for _ in range(60):  # the cells still running above may move the player: measure once it is still
            page.locator(".chainrule-frame").first.scroll_into_view_if_needed()
            page.wait_for_timeout(500)
            seen = page.evaluate(MEASURE_JS, HIGHLIGHT)
            height = seen["window"]["height"]
            if seen["lit"] and all(0 <= n["top"] and n["bottom"] <= height for n in seen["lit"]):
                break
        svg, cell = seen["svg"], seen["cell"]
        assert 100 < svg["width"] <= cell["width"] + 1, seen  # the picture is as wide as the cell, no wider
        assert cell["left"] - 1 <= svg["left"] < cell["right"], seen
        assert len(seen["lit"]) >= 1
        for node in seen["lit"]:  # inside the picture's box and on the screen
            assert seen["frame"]["left"] - 1 <= node["left"] and node["right"] <= seen["frame"]["right"] + 1
            assert 0 <= node["left"] and node["right"] <= seen["window"]["width"], seen
            assert 0 <= node["top"] and node["bottom"] <= seen["window"]["height"], seen
        assert seen["padding"] == "8px"  # the table row is styled (its cells padded), not run together
        browser.close()
