"""The committed notebooks show their pictures where a student first opens them: in JupyterLab,
which does not trust a notebook it did not run, and on a code host, which runs nothing.

JupyterLab renders each output with the first MIME type, by rank, that has a renderer; for an
untrusted notebook only renderers marked safe count. The table below is JupyterLab's own
(@jupyterlab/rendermime's standard factories, and ipywidgets' widget view, which is not safe).
"""

from __future__ import annotations

import base64
import struct
from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).parents[2] / "notebooks").glob("*.ipynb"))

# MIME type: (rank, safe) -- a lower rank is preferred
JUPYTERLAB_RENDERERS = {
    "application/vnd.jupyter.widget-view+json": (0, False),
    "text/html": (50, True), "text/markdown": (60, True), "text/latex": (70, True),
    "image/svg+xml": (80, False),
    "image/bmp": (90, True), "image/png": (90, True), "image/jpeg": (90, True), "image/gif": (90, True),
    "application/javascript": (110, False), "text/plain": (120, True),
}
PICTURES = ("image/svg+xml", "application/vnd.jupyter.widget-view+json")


def shown_untrusted(bundle: dict) -> str | None:
    """The MIME type JupyterLab renders for this output bundle in an untrusted notebook."""
    safe = [kind for kind in bundle if JUPYTERLAB_RENDERERS.get(kind, (0, False))[1]]
    return min(safe, key=lambda kind: JUPYTERLAB_RENDERERS[kind][0], default=None)


def test_the_rule_matches_what_jupyterlab_does_with_a_picture() -> None:
    assert shown_untrusted({"image/svg+xml": "<svg/>", "text/plain": "<Drawing>"}) == "text/plain"
    assert shown_untrusted({"image/svg+xml": "<svg/>", "image/png": "", "text/plain": ""}) == "image/png"


def pictures(path: Path) -> list[dict]:
    notebook = nbformat.read(path, as_version=4)
    return [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
            if any(kind in output.get("data", {}) for kind in PICTURES)]


def png_width(data: str) -> int:
    png = base64.b64decode(data)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png[12:16] == b"IHDR"
    return struct.unpack(">I", png[16:20])[0]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_picture_shows_untrusted_and_on_a_code_host(path: Path) -> None:
    for output in pictures(path):
        assert shown_untrusted(output["data"]) == "image/png", output["data"].get("text/plain")
        width = output.get("metadata", {}).get("image/png", {}).get("width")
        assert width and png_width(output["data"]["image/png"]) >= width > 0


def test_the_notebooks_have_pictures_and_a_widget() -> None:
    every = [output for path in NOTEBOOKS for output in pictures(path)]
    assert len(every) >= 5
    assert any("application/vnd.jupyter.widget-view+json" in output["data"] for output in every)
