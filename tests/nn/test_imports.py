"""nn depends only on the engine (DESIGN: import direction); only the demo draws with viz."""

import ast
from pathlib import Path

import chainrule.nn

NN = Path(chainrule.nn.__file__).parent


def _chainrule_imports(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module] if isinstance(node, ast.ImportFrom) and node.module else [])
        yield from (name for name in names if name == "chainrule" or name.startswith("chainrule."))


def test_nn_imports_only_the_engine_and_itself():
    found = {path.name: set(_chainrule_imports(path)) for path in sorted(NN.glob("*.py"))}
    assert "layers.py" in found and "chainrule.engine" in found["layers.py"]
    for name, modules in found.items():
        allowed = ("chainrule.engine", "chainrule.nn") + (("chainrule.viz",) if name == "demo.py" else ())
        assert all(m.startswith(allowed) for m in modules), (name, modules)
    assert found["demo.py"] & {"chainrule.viz"}
