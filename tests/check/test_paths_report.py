"""The paths report: rows by picture names, the verdict against leaf.grad, text and HTML."""

from __future__ import annotations

import ast
import math
import subprocess
import sys
from pathlib import Path

from hypothesis import given

import chainrule
from chainrule import Value, paths
from tests.engine.random_dags import dags


def diamond() -> tuple[Value, Value, Value, Value]:
    x = Value(3.0, label="x")
    a, b = x * 2, x.sin()
    a.label, b.label = "a", "b"
    y = a * b
    y.label = "y"
    return x, a, b, y


def test_a_diamond_lists_both_paths_with_their_local_derivatives_and_agrees() -> None:
    x, a, b, y = diamond()
    y.backward()
    report = paths(y, x)
    text = str(report)
    assert report.count == 2 and report.agrees is True and report.left_out == 0
    assert "x → a → y" in text and "x → b → y" in text
    first = report[0]  # the larger |product| first: x -> a -> y is 2 * sin 3 ≈ 0.28; x -> b -> y is cos 3 * 6
    assert report.path_text(first) == "x → b → y"
    assert first.locals == (math.cos(3.0), a.data)
    assert text.splitlines()[-1].endswith("= x.grad ✓")
    assert f"{x.grad:.4g}" in text.splitlines()[-1]


@given(dags(max_ops=12))
def test_every_report_on_a_random_graph_agrees_with_backward(dag: tuple[list[Value], Value]) -> None:
    leaves, root = dag
    root.backward()
    for leaf in leaves:
        report = paths(root, leaf, max_paths=3)
        assert report.agrees is True or (report.count == 0 and report.agrees is None)  # leaf not in the graph
        assert str(report).count("\n") >= (1 if report.count else 0)
        listed = sum(1 for line in str(report).splitlines()[2:] if " → " in line or "(the leaf is" in line)
        assert listed == len(report) <= 3


def test_it_says_when_the_sum_does_not_equal_the_gradient() -> None:
    x, _, _, y = diamond()
    y.backward()
    y.backward()  # leaf gradients accumulate: x.grad is now twice the sum over paths
    report = paths(y, x)
    assert report.agrees is False
    assert "≠ x.grad" in str(report) and "zero_grad()" in str(report) and "✗" in report._repr_html_()


def test_it_says_when_there_is_no_gradient_to_compare_with() -> None:
    x, _, _, y = diamond()
    report = paths(y, x)
    assert report.agrees is None and "x.grad is not computed yet (run y.backward() to compare)" in str(report)


def test_left_out_paths_are_counted_and_summed() -> None:
    x = Value(0.3, label="x")
    y = x
    for _ in range(30):
        y = y.sin() * y.cos()
    y.backward()
    report = paths(y, x, max_paths=2)
    text = str(report)
    assert len(report) == 2 and report.left_out == 2 ** 30 - 2
    assert "1,073,741,822 smaller paths left out (max_paths=2)" in text
    assert "sum over all 1,073,741,824 paths" in text and report.agrees


def test_unlabelled_nodes_get_their_picture_names_and_html_is_escaped() -> None:
    x = Value(2.0, label="<b>x</b>")
    y = 3 * x + 1
    y.backward()
    report = paths(y, x)
    assert report.path_text(report[0]) == "<b>x</b> → mul#2 → add#4"
    page = report._repr_html_()
    assert "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    assert report.highlight(0)["highlight_edges"] == set(report[0].edges)


def test_no_path() -> None:
    x, w = Value(1.0, label="x"), Value(2.0, label="w")
    y = x * 2
    y.backward()
    assert str(paths(y, w)) == "d(mul#2)/dw: no path leads from w to mul#2, so the gradient is 0"
    w.grad = 5.0  # from some other graph
    assert str(paths(y, w)).endswith("sum over no path = 0 ≠ w.grad 5 ✗ (leaf gradients accumulate across"
                                     " backward() calls: zero_grad() before backward(); or a node changed"
                                     " after backward, or a local_grads rule disagrees with its op)")


def imports_reachable(module: str) -> set[str]:
    """Every module imported (at any depth, function-level imports included) from ``module`` within
    chainrule, plus the outside modules they import; the top-level ``chainrule/__init__`` (the lazy
    public surface) is not followed."""
    root = Path(chainrule.__file__).parent
    seen, todo = set(), [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if not name.startswith("chainrule."):
            continue
        relative = Path(*name.split(".")[1:])
        is_package = (root / relative).is_dir()
        path = root / relative / "__init__.py" if is_package else root / relative.with_suffix(".py")
        parents = [".".join(name.split(".")[:k]) for k in range(2, name.count(".") + 1)]
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                todo += [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                todo.append(node.module)
        todo += parents
    return seen


def test_the_text_report_needs_no_graphviz() -> None:
    reached = imports_reachable("chainrule.check.paths")
    assert "chainrule.engine.paths" in reached and "chainrule.engine.forward" in reached
    assert not {name for name in reached if name.startswith(("chainrule.viz", "graphviz", "wasmtime"))}


def test_printing_a_report_loads_no_graphviz() -> None:
    code = ("import sys, chainrule\nx = chainrule.Value(2.0, label='x'); y = x * x; y.backward()\n"
            "text = str(chainrule.paths(y, x)) + chainrule.paths(y, x)._repr_html_()\n"
            "print(sorted(m for m in ('graphviz', 'wasmtime', 'chainrule.viz') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_max_paths_0_lists_nothing_and_still_sums_everything() -> None:
    x = Value(2.0, label="x")
    y = x * x + x
    y.backward()
    text = str(paths(y, x, max_paths=0))
    assert text.splitlines() == [
        "d(add#2)/dx as a sum over 3 paths (largest first): (all 3 paths left out: 5) = 5",
        "... 3 paths left out (max_paths=0); the sum below counts them all",
        "sum over all 3 paths = 5 = x.grad ✓",
    ]


def test_a_sum_and_a_gradient_both_nan_agree_and_say_why() -> None:
    """0 * sqrt(x) at 0: the path's product is inf × 0, and backward multiplies the same numbers."""
    x = Value(0.0, label="x")
    y = 0 * x.sqrt()
    y.backward()
    report = paths(y, x)
    assert math.isnan(report.total) and math.isnan(x.grad) and report.agrees is True
    assert str(report).endswith("sum over the 1 path = nan = x.grad ✓ (both nan: an inf × 0 or inf − inf"
                                " on the way)")
    x.grad = 1.0  # a number against nan still disagrees
    assert paths(y, x).agrees is False
