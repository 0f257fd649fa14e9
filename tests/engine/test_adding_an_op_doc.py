"""docs/adding_an_op.md does what it says: on a copy of the package, its three edits (a stable forward,
a row of the op table, one line in Value) give an op that works everywhere. Each python block runs
against the copy and each ``text`` block must be what the block before it printed; the ``console``
commands (the per-op tests, the command line) must succeed."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "adding_an_op.md"
FENCE = re.compile(r"^```(\w*) ?(\S*)\n(.*?)^```$", re.DOTALL | re.MULTILINE)

RUNNER = """
import contextlib, io, json, sys
import chainrule
assert chainrule.__file__.startswith(sys.argv[1]), chainrule.__file__  # the edited copy
namespace, printed = {"__name__": "adding_an_op_doc"}, []
for number, code in enumerate(json.load(sys.stdin)):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, f"adding_an_op.md:python block {number}", "exec"), namespace)
    printed.append(out.getvalue())
print(json.dumps(printed))
"""


def blocks() -> list[tuple[str, str, str]]:
    """(kind, file the block goes into or "", body) for every fenced block."""
    return [(m[1], m[2], m[3]) for m in FENCE.finditer(DOC.read_text(encoding="utf-8"))]


def _insert_row(source: str, row: str) -> str:
    """The row goes last in the OPS table: before the line that closes ``OPS = _table(``."""
    start = source.index("OPS: dict[str, Op] = _table(")
    end = source.index("\n)\n", start) + 1
    return source[:end] + row + source[end:]


def _insert_method(source: str, line: str) -> str:
    """The line goes after the last ``name = _function(...)`` line of Value."""
    last = list(re.finditer(r"^    \w+ = _function\(.*\)\n", source, re.MULTILINE))[-1]
    return source[:last.end()] + line + source[last.end():]


EDITS = {
    "chainrule/engine/floats.py": lambda source, block: source.rstrip("\n") + "\n\n\n" + block,
    "chainrule/engine/ops.py": _insert_row,
    "chainrule/engine/value.py": _insert_method,
}


@pytest.fixture(scope="module")
def copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The repository's package and tests, copied, with the doc's edits made."""
    folder = tmp_path_factory.mktemp("adding_an_op")
    ignore = shutil.ignore_patterns("__pycache__", ".hypothesis", "snapshots", "notebooks")
    for part in ("chainrule", "tests"):
        shutil.copytree(ROOT / part, folder / part, ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", folder / "pyproject.toml")
    edits = [(target, body) for kind, target, body in blocks() if kind == "python" and target]
    assert sorted(target for target, _ in edits) == sorted(EDITS), "the doc edits exactly these files"
    for target, body in edits:
        path = folder / target
        path.write_text(EDITS[target](path.read_text(encoding="utf-8"), body), encoding="utf-8")
    return folder


def _run(command: list[str], copy: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(copy), "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(command, cwd=copy, env=env, input=stdin, capture_output=True, text=True,
                          timeout=300, check=False)


def test_the_doc_edits_three_files_and_shows_outputs() -> None:
    kinds = [(kind, bool(target)) for kind, target, _ in blocks()]
    assert kinds.count(("python", True)) == 3 and kinds.count(("python", False)) >= 4
    assert kinds.count(("text", False)) >= 4 and ("console", False) in kinds


@pytest.mark.slow
def test_every_python_block_runs_on_the_edited_copy_and_prints_what_the_doc_shows(copy: Path) -> None:
    runnable = [(kind, body) for kind, target, body in blocks() if kind in ("python", "text") and not target]
    code = [body for kind, body in runnable if kind == "python"]
    done = _run([sys.executable, "-c", RUNNER, str(copy)], copy, stdin=json.dumps(code))
    assert done.returncode == 0, done.stderr
    printed = iter(json.loads(done.stdout))
    shown = None
    for kind, body in runnable:
        if kind == "python":
            shown = next(printed)
        else:
            assert shown is not None, "a text block must follow a python block"
            assert shown.rstrip() == body.rstrip(), "the doc shows stale output"
            shown = None


@pytest.mark.slow
def test_the_commands_succeed_on_the_edited_copy(copy: Path) -> None:
    (console,) = [body for kind, _, body in blocks() if kind == "console"]
    commands = [shlex.split(line[2:]) for line in console.splitlines() if line.startswith("$ ")]
    assert [c[0] for c in commands] == ["pytest", "chainrule"]
    tests = _run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=",
                  "-p", "no:xdist", "-q", *commands[0][1:]], copy)
    assert tests.returncode == 0, tests.stdout[-3000:]
    passed = int(re.search(r"(\d+) passed", tests.stdout)[1])
    assert passed >= 8 and "failed" not in tests.stdout and "deselected" in tests.stdout
    check = _run([sys.executable, "-m", "chainrule", *commands[1][1:]], copy)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.startswith("softplus(w*x) = 1.313")
    assert re.search(r"^\d+ +softplus ", check.stdout, re.MULTILINE), check.stdout  # its audit row


def test_the_edits_land_where_they_should() -> None:
    """The anchors the copy relies on are still in the source (a moved table fails here, clearly)."""
    ops = _insert_row((ROOT / "chainrule/engine/ops.py").read_text(encoding="utf-8"), "    ROW,\n")
    assert ops.index("OPS: dict") < ops.index("    ROW,\n)\n") < ops.index('"""Every primitive op by name')
    value = _insert_method((ROOT / "chainrule/engine/value.py").read_text(encoding="utf-8"), "    LINE\n")
    assert value.index("class Value") < value.index('_function("exp")') < value.index("    LINE\n") \
        < value.index("    def backward(")
