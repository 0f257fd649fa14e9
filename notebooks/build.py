"""Build the teaching notebooks from their sources and execute them, so they are committed with outputs.

Sources live in notebooks/src/*.py in the "percent" format: `# %%` starts a code cell and
`# %% [markdown]` a markdown cell whose lines are comments. Run from the repository root:

    python notebooks/build.py            # all notebooks
    python notebooks/build.py 03         # those whose name contains "03"
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).parent
TIMEOUT_SECONDS = 120
ADDRESS = re.compile(r" at 0x[0-9a-f]+>")  # "<Drawing at 0x7f...>": differs on every run


def read_cells(source: str) -> list[nbformat.NotebookNode]:
    """Split a percent-format script into notebook cells."""
    cells, kind, lines = [], None, []

    def flush() -> None:
        text = "\n".join(lines).strip("\n")
        if kind == "markdown":
            text = "\n".join(line.removeprefix("# ").removeprefix("#") for line in text.splitlines())
            cells.append(nbformat.v4.new_markdown_cell(text))
        elif kind == "code" and text:
            cells.append(nbformat.v4.new_code_cell(text))

    for line in source.splitlines():
        if line.startswith("# %%"):
            flush()
            kind, lines = ("markdown" if "[markdown]" in line else "code"), []
        else:
            lines.append(line)
    flush()
    return cells


def build(source_path: Path) -> Path:
    """Turn one source into an executed notebook next to this file; returns its path.

    The result is reproducible (cell ids from positions, no execution timestamps, each cell's
    stdout as one stream, no memory addresses in plain-text reprs), so rebuilding an unchanged
    notebook leaves its file unchanged (widget model ids aside).
    """
    notebook = nbformat.v4.new_notebook()
    notebook.cells = read_cells(source_path.read_text(encoding="utf-8"))
    for number, cell in enumerate(notebook.cells):
        cell.id = f"cell-{number}"
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(notebook, timeout=TIMEOUT_SECONDS, kernel_name="python3", record_timing=False,
                   resources={"metadata": {"path": str(HERE)}}).execute()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = tidy(cell.outputs)
    add_png_pictures(notebook)
    target = HERE / f"{source_path.stem}.ipynb"
    temporary = target.with_suffix(".ipynb.tmp")
    nbformat.write(notebook, temporary)
    os.replace(temporary, target)
    return target


def tidy(outputs: list[nbformat.NotebookNode]) -> list[nbformat.NotebookNode]:
    """A cell's outputs without run-to-run noise: consecutive stdout (or stderr) chunks joined, as
    the kernel splits them by timing, and memory addresses dropped from plain-text reprs."""
    kept: list[nbformat.NotebookNode] = []
    for output in outputs:
        previous = kept[-1] if kept else None
        if (output.output_type == "stream" and previous is not None and previous.output_type == "stream"
                and previous.name == output.name):
            previous.text += output.text
            continue
        if "text/plain" in output.get("data", {}):
            output.data["text/plain"] = ADDRESS.sub(">", output.data["text/plain"])
        kept.append(output)
    return kept


# JupyterLab renders an output with the first MIME type, by rank, that it may show; in a notebook it
# does not trust (any notebook opened from disk before its cells are run here) only "safe" types
# count: image/svg+xml and the widget view are not, image/png is. So every picture gets a PNG copy,
# which JupyterLab shows untrusted and code hosts show too; a live or trusted notebook keeps the SVG.
PICTURE_TYPES = ("image/svg+xml",)
WIDEST_PNG = 1600  # CSS pixels: a wider picture is scaled down to this (it fits the cell anyway)
PNG_SCALE = 2  # device pixels per CSS pixel, so the PNG stays sharp on high-density screens


def add_png_pictures(notebook: nbformat.NotebookNode) -> int:
    """Give every output that has an SVG picture a PNG of it too (rasterised in headless Chromium);
    returns how many were added."""
    todo = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
            if any(kind in output.get("data", {}) for kind in PICTURE_TYPES)
            and "image/png" not in output.data]
    if not todo:
        return 0
    with chromium_page() as page:
        for output in todo:
            png, width = rasterise(page, output.data["image/svg+xml"])
            output.data["image/png"] = base64.b64encode(png).decode("ascii")
            output.setdefault("metadata", {})["image/png"] = {"width": width}
    return len(todo)


def rasterise(page: Any, svg: str) -> tuple[bytes, int]:
    """The SVG as PNG bytes, and its width in CSS pixels (the PNG has PNG_SCALE times as many)."""
    svg = svg[svg.index("<svg"):]  # no XML prolog or doctype inside an HTML page
    cap = f"svg{{max-width:{WIDEST_PNG}px !important;height:auto !important}}"  # over a picture's own style
    page.set_content(f'<html><head><style>{cap}</style></head><body style="margin:0;background:white">'
                     f'<div style="display:inline-block">{svg}</div></body></html>')
    picture = page.locator("svg").first
    width = round(picture.bounding_box()["width"])
    return picture.screenshot(type="png", omit_background=False), width


@contextmanager
def chromium_page() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = next((path for path in ("/usr/bin/chromium", shutil.which("chromium")) if path), None)
    if executable is None:
        raise SystemExit("building the notebooks needs Chromium (apt-get install chromium) for PNG pictures")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        try:
            yield browser.new_page(viewport={"width": WIDEST_PNG, "height": 1000},
                                   device_scale_factor=PNG_SCALE)
        finally:
            browser.close()


def main(patterns: list[str]) -> None:
    for source in sorted((HERE / "src").glob("*.py")):
        if not patterns or any(p in source.stem for p in patterns):
            print("built", build(source))


if __name__ == "__main__":
    main(sys.argv[1:])
