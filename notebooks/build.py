"""Build the teaching notebooks from their sources and execute them, so they are committed with outputs.

Sources live in notebooks/src/*.py in the "percent" format: `# %%` starts a code cell and
`# %% [markdown]` a markdown cell whose lines are comments. Run from the repository root:

    python notebooks/build.py            # all notebooks
    python notebooks/build.py 03         # those whose name contains "03"
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).parent
TIMEOUT_SECONDS = 120


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
    """Turn one source into an executed notebook next to this file; returns its path."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = read_cells(source_path.read_text(encoding="utf-8"))
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(notebook, timeout=TIMEOUT_SECONDS, kernel_name="python3",
                   resources={"metadata": {"path": str(HERE)}}).execute()
    target = HERE / f"{source_path.stem}.ipynb"
    temporary = target.with_suffix(".ipynb.tmp")
    nbformat.write(notebook, temporary)
    os.replace(temporary, target)
    return target


def main(patterns: list[str]) -> None:
    for source in sorted((HERE / "src").glob("*.py")):
        if not patterns or any(p in source.stem for p in patterns):
            print("built", build(source))


if __name__ == "__main__":
    main(sys.argv[1:])
