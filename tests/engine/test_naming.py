"""One node-naming function (chainrule.engine.naming.node_names) serves the stepper, the pictures,
the path report and the Jacobian: the names they show are the same, constants included."""

import ast
import pathlib

from hypothesis import given

import chainrule
from chainrule import Value, jacobian, paths, topological_order
from chainrule.engine.naming import format_number, node_names
from chainrule.nn import MLP
from chainrule.viz.steps import step_through
from tests.engine.random_dags import dags

ROOT = pathlib.Path(chainrule.__file__).parent


def test_constants_are_named_alike_in_the_jacobian_and_the_path_report() -> None:
    # before: the Jacobian named a constant output 0.333333 ({:g}), the path report 0.3333
    x = Value(2.0, label="x")
    y = x * (1 / 3)
    y.backward()
    third = y.parents[1]
    J = jacobian([third, y], [x])
    report = paths(y, x)
    assert J.output_names[0] == report.names[third] == "0.3333"
    assert J.output_names[1] == report.names[y] == "mul#2"


def test_jacobian_tells_apart_nodes_that_share_a_label() -> None:
    a, b = Value(1.0, label="a"), Value(2.0, label="a")
    J = jacobian(a * b, [a, b])
    assert J.input_names == ("a#0", "a#1")


def test_jacobian_names_scoped_parameters_as_the_stepper_does() -> None:
    model = MLP(1, [1], seed=0)
    y = model([1.0])
    w = model.layers[0].neurons[0].w[0]
    J = jacobian(y, [w])
    assert J.input_names == ("layers.0.neurons.0.w.0",)
    assert node_names(topological_order(y))[w] == J.input_names[0]


def test_the_stepper_rows_use_the_engine_names() -> None:
    x = Value(3.0, label="x")
    y = 2 * x + 1
    y.backward()
    text = str(step_through(y))
    for name in node_names(topological_order(y)).values():
        assert name in text


@given(dags())
def test_names_are_unique_except_equal_constants(dag) -> None:
    _, root = dag
    order = topological_order(root)
    names = node_names(order)
    assert len(names) == len(order)
    seen: dict[str, Value] = {}
    for node, name in names.items():
        if name in seen:
            assert name == format_number(node.data) == format_number(seen[name].data) and not node.label
        seen[name] = node


def test_only_the_engine_defines_a_node_naming_function() -> None:
    # the three copies were check/paths.picture_names, viz/steps/naming.node_names, engine/forward._name
    defining = set()
    for path in ROOT.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and node.name in {"node_names", "picture_names", "_name",
                                                                   "format_number", "_number"}:
                defining.add((path.relative_to(ROOT).as_posix(), node.name))
    naming = {(p, n) for p, n in defining if n in {"node_names", "picture_names", "format_number"}}
    assert naming == {("engine/naming.py", "node_names"), ("engine/naming.py", "format_number")}
    assert not {p for p, n in defining if n == "_number" and p in {"check/paths.py", "viz/paths.py"}}
