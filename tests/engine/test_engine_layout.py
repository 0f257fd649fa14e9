"""The engine's shape: standard-library-only imports, a runnable example on every public name,
short files, and exactly one place where gradients are accumulated."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import sys
from pathlib import Path

import pytest

import chainrule.engine

ENGINE = Path(chainrule.engine.__file__).parent
FILES = sorted(ENGINE.glob("*.py"))
# The modules of the engine core (gradcheck and audit are another helper's, with their own tests).
CORE = ["anomaly", "errors", "floats", "functions", "graph", "modes", "nodes", "ops", "value"]


def imported_modules(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path.name}: use absolute imports"
            names.add(node.module or "")
    return names


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_engine_imports_only_the_standard_library_and_itself(path: Path) -> None:
    for name in imported_modules(path):
        top = name.split(".")[0]
        allowed = top in sys.stdlib_module_names or name == "chainrule.engine" or name.startswith("chainrule.engine.")
        assert allowed, f"{path.name} imports {name}: the engine may use only the standard library and itself"


@pytest.mark.parametrize("module", CORE)
def test_every_public_function_and_class_has_a_runnable_example(module: str) -> None:
    mod = importlib.import_module(f"chainrule.engine.{module}")
    for name, obj in vars(mod).items():
        if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if obj.__module__ != mod.__name__:
            continue  # imported, documented where it is defined
        assert ">>>" in (obj.__doc__ or ""), f"chainrule.engine.{module}.{name} needs a doctest example"


@pytest.mark.parametrize("module", CORE)
def test_engine_files_stay_short(module: str) -> None:
    lines = (ENGINE / f"{module}.py").read_text().count("\n")
    assert lines < 220, f"{module}.py has {lines} lines: split it"


def test_gradients_are_accumulated_only_where_the_chain_rule_is_applied() -> None:
    """Every ``x.grad += ...`` sits in graph.py's backpropagate (or its float hot path)."""
    package = Path(chainrule.__file__).parent

    def accumulations(tree: ast.AST) -> set[int]:
        return {node.lineno for node in ast.walk(tree) if isinstance(node, ast.AugAssign)
                and isinstance(node.target, ast.Attribute) and node.target.attr == "grad"}

    everywhere, allowed = set(), set()
    for path in package.rglob("*.py"):
        tree = ast.parse(path.read_text(), str(path))
        where = str(path.relative_to(package))
        everywhere |= {(where, line) for line in accumulations(tree)}
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef) and where == "engine/graph.py" \
                    and function.name in ("backpropagate", "_float_pass"):
                allowed |= {(where, line) for line in accumulations(function)}
    assert everywhere == allowed and allowed, everywhere - allowed


def test_every_engine_module_imports() -> None:
    for info in pkgutil.iter_modules([str(ENGINE)]):
        importlib.import_module(f"chainrule.engine.{info.name}")
