"""A gradient as a sum over paths: the dynamic-programming count and total against an independent
enumeration, the best-first listing against the sorted enumeration, and 2^30 paths by a work count."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from chainrule import Value, topological_order
from chainrule.engine.paths import path_sum
from tests.engine.random_dags import dags

ENUMERATION_LIMIT = 5000


def enumerate_paths(output: Value, leaf: Value) -> list[tuple[list[Value], float]]:
    """Every path leaf -> output with its product, by walking down from the output through each
    parent edge (an independent oracle: no DP, no forward mode). None past the limit."""
    found: list[tuple[list[Value], float]] = []
    stack = [(output, [output], 1.0)]
    while stack:
        node, nodes, product = stack.pop()
        if node is leaf:
            found.append((nodes[::-1], product))
            if len(found) > ENUMERATION_LIMIT:
                return []
            continue
        locals_ = node.local_grads
        for parent, local in zip(node.parents, locals_):
            stack.append((parent, [*nodes, parent], product * local))
    return found


@given(dags(max_ops=14))
def test_dp_total_and_count_equal_the_enumeration_and_leaf_grad(dag: tuple[list[Value], Value]) -> None:
    leaves, root = dag
    root.backward()
    for leaf in leaves:
        every = enumerate_paths(root, leaf)
        assume(every or leaf not in topological_order(root))
        result = path_sum(root, leaf, max_paths=None)
        assert result.count == len(every) and len(result.paths) == len(every) and result.left_out == 0
        by_enumeration = math.fsum(product for _, product in every)
        assert math.isclose(result.total, by_enumeration, rel_tol=1e-9, abs_tol=1e-12)
        assert math.isclose(result.listed_total, leaf.grad, rel_tol=1e-9, abs_tol=1e-12)  # Σ path products
        assert math.isclose(result.total, leaf.grad, rel_tol=1e-12, abs_tol=1e-12)
        for path in result.paths:
            assert path.nodes[0] is leaf and path.nodes[-1] is root
            assert all(child.parents[index] is parent for parent, child, index in path.edges)
            assert path.product == math.prod(path.locals)


@given(dags(max_ops=14), st.integers(0, 6))
def test_the_listed_paths_are_the_largest_largest_first(dag: tuple[list[Value], Value], k: int) -> None:
    leaves, root = dag
    leaf = leaves[0]
    every = enumerate_paths(root, leaf)
    assume(every)
    result = path_sum(root, leaf, max_paths=k)
    sizes = [abs(path.product) for path in result.paths]
    assert len(sizes) == min(k, len(every)) and result.left_out == len(every) - len(sizes)
    assert sizes == sorted(sizes, reverse=True)
    largest = sorted((abs(p) for _, p in every), reverse=True)[: len(sizes)]
    assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300) for a, b in zip(sizes, largest))
    # the multiset of listed paths is a sub-multiset of all paths
    listed = sorted(tuple(id(n) for n in p.nodes) for p in result.paths)
    pool = [tuple(id(n) for n in nodes) for nodes, _ in every]
    for nodes in listed:
        pool.remove(nodes)


def stacked_diamonds(depth: int) -> tuple[Value, Value]:
    """``depth`` stages of y -> (sin y) * (cos y): two paths per stage, 2^depth in all."""
    x = Value(0.3, label="x")
    y = x
    for _ in range(depth):
        y = y.sin() * y.cos()
    return x, y


def test_2_to_the_30_paths_are_counted_and_summed_without_enumerating_them() -> None:
    x, y = stacked_diamonds(30)
    y.backward()
    result = path_sum(y, x, max_paths=5)
    assert result.count == 2 ** 30 and len(result.paths) == 5 and result.left_out == 2 ** 30 - 5
    assert math.isclose(result.total, x.grad, rel_tol=1e-12)
    sizes = [abs(p.product) for p in result.paths]
    assert sizes == sorted(sizes, reverse=True)
    # the search's work is linear in the paths listed (each about as long as the graph is deep),
    # and nowhere near the 2^30 paths that exist
    assert result.work <= 5 * (len(topological_order(y)) + 1) * 3
    deeper = path_sum(y, x, max_paths=10)
    assert deeper.work <= 2.5 * result.work  # twice the paths, about twice the work


def test_the_work_does_not_grow_with_the_number_of_paths() -> None:
    works = [path_sum(y, x, max_paths=4).work for x, y in (stacked_diamonds(10), stacked_diamonds(20))]
    # 2^10 vs 2^20 paths (1024x more), twice the depth: at most about twice the work
    assert works[1] <= 2.5 * works[0]


def test_ties_of_equal_products_in_a_doubling_graph() -> None:
    x = Value(1.0, label="x")
    y = x
    for _ in range(30):
        y = y + y
    result = path_sum(y, x, max_paths=3)
    assert result.count == 2 ** 30 and result.total == 2.0 ** 30
    assert [p.product for p in result.paths] == [1.0, 1.0, 1.0]
    assert len({p.indices for p in result.paths}) == 3  # three different paths, each 30 edges long
    assert result.work < 3 * 31 + 10


def test_a_square_has_two_paths_through_the_same_pair_of_nodes() -> None:
    a = Value(3.0, label="a")
    result = path_sum(a * a, a)
    assert sorted(p.indices for p in result.paths) == [(0,), (1,)]
    assert result.total == 6.0


def test_no_path_and_the_leaf_is_the_output() -> None:
    x, w = Value(1.0), Value(2.0)
    none = path_sum(x * 2, w)
    assert (none.count, none.total, none.paths) == (0, 0.0, ())
    itself = path_sum(x, x)
    assert itself.count == 1 and itself.paths[0].nodes == (x,) and itself.paths[0].product == 1.0


def test_a_nan_derivative_is_listed_first() -> None:
    x = Value(0.0, label="x")
    y = x ** 0.5 * 0 + x * 3  # d sqrt(x)/dx is inf at 0, times 0 is nan
    result = path_sum(y, x, max_paths=1)
    assert math.isnan(result.paths[0].product)


def test_bad_arguments_are_named() -> None:
    x = Value(1.0)
    with pytest.raises(TypeError, match="leaf must be a Value, got float"):
        path_sum(x * 2, 1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_paths must be an int >= 0 or None, got -1"):
        path_sum(x * 2, x, max_paths=-1)
    with pytest.raises(ValueError, match="got True"):
        path_sum(x * 2, x, max_paths=True)
