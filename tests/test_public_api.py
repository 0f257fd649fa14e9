"""Every public function and class of every public module has a docstring with a runnable example
(pytest --doctest-modules runs them) and type hints on its signature."""

import importlib
import inspect

import pytest

PUBLIC_MODULES = ["chainrule", "chainrule.engine", "chainrule.check", "chainrule.nn", "chainrule.viz",
                  "chainrule.viz.steps", "chainrule.formula"]


def public_callables():
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isfunction(obj) or inspect.isclass(obj):
                yield f"{module_name}.{name}", obj


@pytest.mark.parametrize(("name", "obj"), list(public_callables()),
                         ids=lambda x: x if isinstance(x, str) else "")
def test_public_name_has_an_example_and_type_hints(name, obj):
    assert ">>>" in (inspect.getdoc(obj) or ""), f"{name} needs a docstring example"
    function = obj if inspect.isfunction(obj) else obj.__init__
    if not inspect.isfunction(function) or not function.__module__.startswith("chainrule"):
        return  # e.g. an __init__ inherited from object or from graphviz.Digraph
    signature = inspect.signature(function)
    unhinted = [p for p in signature.parameters.values()
                if p.annotation is inspect.Parameter.empty and p.name not in ("self", "cls")]
    assert not unhinted, f"{name}: parameters without type hints: {[p.name for p in unhinted]}"
    assert signature.return_annotation is not inspect.Signature.empty or inspect.isclass(obj), name


def test_star_import_leaves_the_builtins_sum_and_abs_alone():
    namespace: dict = {}
    exec("from chainrule import *\nresult = sum([1, 2, 3]), abs(-2)", namespace)
    assert namespace["result"] == (6, 2)
