"""Every committed notebook is built from its source, runs top to bottom on a fresh kernel, and was committed
with outputs."""

import importlib.util
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS_DIR = Path(__file__).parents[2] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


def test_there_are_six_notebooks():
    assert len(NOTEBOOKS) == 6, [p.name for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_with_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert code and all(cell.get("execution_count") for cell in code)
    assert any(cell.outputs for cell in code)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_without_error(path):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError naming the failing cell


def _source_cells(source: Path) -> list[tuple[str, str]]:
    """The cells notebooks/build.py makes from a source script, as (type, text)."""
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS_DIR / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return [(cell.cell_type, cell.source) for cell in build.read_cells(source.read_text(encoding="utf-8"))]


SOURCES = sorted((NOTEBOOKS_DIR / "src").glob("*.py"))


def test_every_source_has_its_notebook_and_every_notebook_its_source():
    assert [p.stem for p in SOURCES] == [p.stem for p in NOTEBOOKS]


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.stem)
def test_the_committed_notebook_is_built_from_its_source(source):
    """Edit notebooks/src/NN.py, then `python notebooks/build.py NN` and commit both."""
    notebook = nbformat.read(NOTEBOOKS_DIR / f"{source.stem}.ipynb", as_version=4)
    committed = [(cell.cell_type, cell.source) for cell in notebook.cells]
    assert committed == _source_cells(source), f"rebuild it: python notebooks/build.py {source.stem[:2]}"
