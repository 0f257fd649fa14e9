"""Forward mode (tangents pushed from one input) against reverse mode (backward), and the Jacobian."""

from __future__ import annotations

import math

import pytest
from hypothesis import given

from chainrule import Constant, Value, grad, topological_order
from chainrule.engine.forward import forward_grad, jacobian, push_tangents
from chainrule.nn import MLP
from tests.engine.random_dags import dags


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


@given(dags())
def test_forward_mode_equals_reverse_mode_on_random_dags(dag: tuple[list[Value], Value]) -> None:
    leaves, root = dag
    root.backward()
    for leaf in leaves:
        assert close(forward_grad(root, leaf), leaf.grad), (leaf.label, forward_grad(root, leaf), leaf.grad)


@given(dags())
def test_forward_mode_touches_no_gradient(dag: tuple[list[Value], Value]) -> None:
    leaves, root = dag
    for leaf in leaves:
        forward_grad(root, leaf)
    assert not any(node.has_grad for node in topological_order(root))


@given(dags())
def test_both_jacobian_modes_agree_and_count_their_passes(dag: tuple[list[Value], Value]) -> None:
    leaves, root = dag
    outputs = [node for node in topological_order(root) if node.parents][-3:]  # several outputs, shared
    forward, reverse = jacobian(outputs, leaves, mode="forward"), jacobian(outputs, leaves, mode="reverse")
    assert (forward.passes, reverse.passes) == (len(leaves), len(outputs))
    assert forward.passes_needed == reverse.passes_needed == {"forward": len(leaves), "reverse": len(outputs)}
    for i, output in enumerate(outputs):
        expected = grad(output, leaves)  # an independent backward per output
        assert all(close(f, g) for f, g in zip(forward[i], expected))
        assert all(close(r, g) for r, g in zip(reverse[i], expected))
    assert not any(node.has_grad for node in topological_order(root))


def test_an_interior_wrt_is_held_fixed_as_backward_does() -> None:
    x = Value(2.0, label="x")
    h = x * x
    y = h * 3 + x
    y.backward()
    assert forward_grad(y, h) == h.grad == 3.0  # d y / d h with h an input of what follows


def test_tangents_reach_only_the_nodes_that_depend_on_wrt() -> None:
    x, w = Value(1.0, label="x"), Value(5.0, label="w")
    a = w.exp()
    y = a * x
    tangents = push_tangents(topological_order(y), x)
    assert set(tangents) == {x, y} and tangents[y] == a.data


def test_the_output_itself_and_an_unused_input() -> None:
    x, unused = Value(2.0), Value(1.0)
    assert forward_grad(x, x) == 1.0
    assert forward_grad(x * 3, unused) == 0.0
    assert jacobian([x * 3, x], [x, unused], mode="forward").matrix == [[3.0, 0.0], [1.0, 0.0]]
    assert jacobian([x * 3, x], [x, unused], mode="reverse").matrix == [[3.0, 0.0], [1.0, 0.0]]


def test_reverse_jacobian_restores_earlier_gradients() -> None:
    x = Value(2.0, label="x")
    y = x * x
    y.backward()
    jacobian([y, y * 2], [x])
    assert x.grad == 4.0 and y.grad == 1.0


def test_mlp_pass_counts_forward_one_per_input_reverse_one_per_output() -> None:
    model = MLP(2, [4, 1], seed=1)
    x = [Value(0.5, label="x1"), Value(-1.0, label="x2")]
    out = model(x)
    params = model.parameters()
    by_forward = jacobian(out, params, mode="forward")
    by_reverse = jacobian(out, params, mode="reverse")
    assert (by_forward.passes, by_reverse.passes) == (17, 1) and by_reverse.cheaper_mode() == "reverse"
    assert all(close(f, r) for f, r in zip(by_forward[0], by_reverse[0]))
    assert by_forward.input_names[:3] == ("layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1",
                                          "layers.0.neurons.0.b")  # named as the pictures name them
    assert len(set(by_forward.input_names)) == 17
    hidden = model.layers[0](x)  # 4 outputs of 2 inputs: forward mode is the cheaper one
    layer = jacobian(hidden, x, mode="forward")
    assert (layer.passes, layer.passes_needed["reverse"], layer.cheaper_mode()) == (2, 4, "forward")
    assert "2 passes (one per input); reverse mode needs 4 passes (one per output)" in str(layer)


def test_bad_arguments_are_named() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match="wrt must be Values, got float"):
        forward_grad(x * 2, 1.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="got str"):
        forward_grad("y", x)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="mode must be 'forward' or 'reverse', got 'sideways'"):
        jacobian(x * 2, [x], mode="sideways")
    with pytest.raises(ValueError, match="inputs is empty"):
        jacobian(x * 2, [])
    with pytest.raises(TypeError, match="outputs must be Values, got int"):
        jacobian([3], [x])


def test_a_constant_as_wrt_gets_its_derivative() -> None:
    x = Value(3.0)
    two = Constant(2.0)
    assert forward_grad(two * x, two) == 3.0
