"""Backward on whole graphs: the named cases from STYLE.md, random DAGs with shared
sub-expressions against finite differences, and a million-op chain."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from chainrule import NOT_COMPUTED, Value, grad, topological_order

# --- the named cases ------------------------------------------------------------------------


def test_a_times_a_gives_2a() -> None:
    a = Value(3.0, label="a")
    b = a * a
    b.backward()
    assert b.parents == (a, a)  # both edges kept
    assert a.grad == 6.0


def test_b_is_a_plus_a_and_c_is_b_plus_b_gives_4() -> None:
    a = Value(-1.5)
    b = a + a
    c = b + b
    c.backward()
    assert (a.grad, b.grad, c.grad) == (4.0, 2.0, 1.0)


def test_diamond_sums_both_paths() -> None:
    a = Value(2.0)
    left, right = a * 3, a.tanh()
    d = left * right
    d.backward()
    slope_left, slope_right = 3.0, 1 - math.tanh(2.0) ** 2
    assert math.isclose(a.grad, slope_left * right.data + left.data * slope_right, rel_tol=1e-15)
    assert len(topological_order(d)) == 5  # a, 3, left, right, d: the shared a appears once


def test_unused_input_is_not_computed_and_reads_0() -> None:
    x, unused = Value(1.0), Value(2.0)
    y = x * 5
    y.backward()
    assert unused.grad is NOT_COMPUTED and not unused.has_grad
    assert unused.grad == 0.0
    assert x.has_grad and x.grad == 5.0
    assert grad(y, [x, unused]) == [5.0, 0.0]


def test_grad_of_an_input_outside_the_graph_is_0_even_with_an_old_grad() -> None:
    x, other = Value(1.0), Value(2.0)
    (other * 3).backward()
    assert other.grad == 3.0
    assert grad(x * 2, [x, other]) == [2.0, 0.0]
    assert other.grad == 3.0  # untouched


def test_backward_twice_accumulates_leaves_but_not_interior_nodes() -> None:
    x = Value(2.0)
    y = x * x
    z = y * 3
    z.backward()
    z.backward()
    assert x.grad == 24.0  # leaf: 12 + 12, as in PyTorch
    assert y.grad == 3.0 and z.grad == 1.0  # interior: recomputed, never doubled


def test_zero_grad_between_backwards_gives_fresh_gradients() -> None:
    x = Value(2.0)
    y = (x * x).tanh()
    y.backward()
    first = x.grad
    y.zero_grad()
    assert all(n.grad is NOT_COMPUTED for n in topological_order(y))
    y.backward()
    assert x.grad == first


@pytest.mark.slow
def test_million_op_chain_backward_completes_without_recursion() -> None:
    x = Value(0.7, label="x")
    y, slope = x, 1.0
    for _ in range(1_000_000):
        slope *= math.cos(y.data)
        y = y.sin()
    y.backward()
    assert math.isclose(x.grad, slope, rel_tol=1e-9)
    del y  # freeing a million-deep chain must not overflow the C stack either


# --- random DAGs with shared sub-expressions -------------------------------------------------

UNARY = {"tanh": Value.tanh, "sin": Value.sin, "sigmoid": Value.sigmoid, "neg": Value.__neg__,
         "half": lambda v: v * 0.5, "square": lambda v: v ** 2,
         "cube root of 1+x²": lambda v: (1 + v * v) ** (1 / 3)}
BINARY = {"add": Value.__add__, "sub": Value.__sub__, "mul": Value.__mul__,
          "div": lambda a, b: a / (2 + b * b), "rsub": lambda a, b: 1.0 - a * b}


@st.composite
def dags(draw: st.DrawFn) -> tuple[list[Value], Value]:
    """Leaves, then ops on earlier nodes picked by index: the same node is often picked twice."""
    leaves = [Value(x, label=f"x{i}") for i, x in
              enumerate(draw(st.lists(st.floats(-1.5, 1.5), min_size=1, max_size=4)))]
    nodes = list(leaves)
    for _ in range(draw(st.integers(1, 30))):
        pick = st.integers(0, len(nodes) - 1)
        if draw(st.booleans()):
            nodes.append(UNARY[draw(st.sampled_from(sorted(UNARY)))](nodes[draw(pick)]))
        else:
            op = BINARY[draw(st.sampled_from(sorted(BINARY)))]
            nodes.append(op(nodes[draw(pick)], nodes[draw(pick)]))
    return leaves, nodes[-1]


def numeric_grad(root: Value, leaf: Value, h: float = 1e-6) -> float:
    """Centered difference, re-evaluating the built graph (no rebuild) at leaf ± h."""
    x = leaf.data
    leaf.data = x + h
    up = root.recompute()
    leaf.data = x - h
    down = root.recompute()
    leaf.data = x
    root.recompute()
    return (up - down) / (2 * h)


@given(dags())
def test_random_dags_match_finite_differences(dag: tuple[list[Value], Value]) -> None:
    leaves, root = dag
    assume(all(abs(n.data) < 1e3 for n in topological_order(root)))
    root.backward()
    for leaf in leaves:
        numeric = numeric_grad(root, leaf)
        assert math.isclose(leaf.grad, numeric, rel_tol=1e-5, abs_tol=1e-6), (leaf.label, leaf.grad, numeric)


@given(dags())
def test_grad_function_agrees_with_backward_and_leaves_grads_alone(dag: tuple[list[Value], Value]) -> None:
    leaves, root = dag
    assert all(not leaf.has_grad for leaf in leaves)
    via_grad = grad(root, leaves)
    assert all(not leaf.has_grad for leaf in leaves)
    root.backward()
    assert via_grad == [leaf.grad for leaf in leaves]  # same order of the same additions: exact


@given(dags())
def test_topological_order_puts_parents_first_once_each(dag: tuple[list[Value], Value]) -> None:
    _, root = dag
    order = topological_order(root)
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order) and order[-1] is root
    assert all(position[p] < position[n] for n in order for p in n.parents)
    assert topological_order(root) == order  # deterministic
