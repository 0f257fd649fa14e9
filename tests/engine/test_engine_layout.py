"""The engine's shape: a runnable example on every public name and exactly one place where gradients
are accumulated (imports and function sizes: tests/test_layout.py)."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest

import chainrule.engine

ENGINE = Path(chainrule.engine.__file__).parent
CORE = sorted(info.name for info in pkgutil.iter_modules([str(ENGINE)]))


@pytest.mark.parametrize("module", CORE)
def test_every_public_function_and_class_has_a_runnable_example(module: str) -> None:
    mod = importlib.import_module(f"chainrule.engine.{module}")
    for name, obj in vars(mod).items():
        if name.startswith("_") or not (inspect.isfunction(obj) or inspect.isclass(obj)):
            continue
        if obj.__module__ != mod.__name__:
            continue  # imported, documented where it is defined
        assert ">>>" in (obj.__doc__ or ""), f"chainrule.engine.{module}.{name} needs a doctest example"


CHAIN_RULE = {("engine/graph.py", "backpropagate"), ("engine/graph.py", "_float_pass"),
              *(("compile/objects.py", f"_backward_{kind}") for kind in (
                  "mul", "constant1", "constant2", "constant_n", "relu", "tanh", "exp", "sigmoid"))}


def test_gradients_are_accumulated_only_where_the_chain_rule_is_applied() -> None:
    """Every ``x.grad += ...`` sits in graph.py's backpropagate (or its float hot path), or in the
    objects replay's backward loops (chainrule.compile), which re-apply it per kind of op."""
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
            if isinstance(function, ast.FunctionDef) and (where, function.name) in CHAIN_RULE:
                allowed |= {(where, line) for line in accumulations(function)}
    assert everywhere == allowed and allowed, everywhere - allowed


def test_every_engine_module_imports() -> None:
    for info in pkgutil.iter_modules([str(ENGINE)]):
        importlib.import_module(f"chainrule.engine.{info.name}")
