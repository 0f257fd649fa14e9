"""Build the teaching notebooks from their sources and execute them, so they are committed with outputs.

Sources live in notebooks/src/*.py in the "percent" format: `# %%` starts a code cell and
`# %% [markdown]` a markdown cell whose lines are comments. Run from the repository root:

    python notebooks/build.py            # all notebooks
    python notebooks/build.py 03         # those whose name contains "03"
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

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


def main(patterns: list[str]) -> None:
    for source in sorted((HERE / "src").glob("*.py")):
        if not patterns or any(p in source.stem for p in patterns):
            print("built", build(source))


if __name__ == "__main__":
    main(sys.argv[1:])
