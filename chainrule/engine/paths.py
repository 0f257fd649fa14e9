"""A gradient as a sum over paths: d output / d leaf = Σ over every path from leaf to output of the
product of the local derivatives along its edges.

Paths multiply on a DAG (30 stacked diamonds have 2^30 of them), so nothing here enumerates them
all: the count and the total come from dynamic programming over the topological order (the total
is exactly forward mode's tangent), and the largest paths come from a best-first search that stops
after ``max_paths`` of them.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass
from itertools import count as counter
from typing import Any

from chainrule.engine import graph
from chainrule.engine.forward import push_tangents
from chainrule.engine.value import Value

Edge = tuple[Value, Value, int]  # (parent, child, index): child.parents[index] is parent, as viz draws it


@dataclass(frozen=True)
class Path:
    """One path from the leaf to the output: its nodes, the local derivative on each edge, their product.

    ``indices[k]`` is the position of ``nodes[k]`` among the inputs of ``nodes[k + 1]`` (in ``a * a``
    the two edges from ``a`` are two paths).

    >>> from chainrule import Value
    >>> x = Value(3.0, label="x")
    >>> (path,) = path_sum(x * 2, x).paths
    >>> [n.label or n.op.name for n in path.nodes], path.locals, path.product
    (['x', 'mul'], (2.0,), 2.0)
    """

    nodes: tuple[Value, ...]
    indices: tuple[int, ...]
    locals: tuple[float, ...]
    product: float

    @property
    def edges(self) -> tuple[Edge, ...]:
        """The path's edges as ``(parent, child, index)`` triples (viz's ``highlight_edges``)."""
        return tuple(zip(self.nodes, self.nodes[1:], self.indices))

    def __len__(self) -> int:
        return len(self.indices)


@dataclass(frozen=True)
class PathSum:
    """d output / d leaf as a sum over paths (from :func:`path_sum`).

    ``paths`` are the largest ``|product|`` first, at most ``max_paths`` of them; ``count`` is the
    number of all paths and ``total`` the sum over all of them, both by dynamic programming;
    ``work`` counts the search's steps (it grows with the paths listed, not with ``count``).

    >>> from chainrule import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x + x
    >>> result = path_sum(y, x)
    >>> result.count, result.total, [p.product for p in result.paths], result.left_out
    (3, 5.0, [2.0, 2.0, 1.0], 0)
    """

    output: Value
    leaf: Value
    paths: tuple[Path, ...]
    count: int
    total: float
    work: int

    @property
    def left_out(self) -> int:
        """How many paths are not listed (all are in ``total``)."""
        return self.count - len(self.paths)

    @property
    def listed_total(self) -> float:
        """The sum of the listed paths' products (``total`` when none is left out)."""
        return math.fsum(path.product for path in self.paths)


def path_sum(output: Value, leaf: Value, max_paths: int | None = 20) -> PathSum:
    """d ``output`` / d ``leaf`` as a sum over the paths from ``leaf`` to ``output``.

    Lists the ``max_paths`` paths with the largest ``|product|`` (all of them with None) without
    enumerating the rest, and counts and sums all paths by dynamic programming, so a graph with
    2^30 paths is explained in a few steps. ``leaf`` may be any node (its own inputs are then held
    fixed, as ``leaf.grad`` does).

    >>> from chainrule import Value
    >>> x = Value(1.0, label="x")
    >>> y = x
    >>> for _ in range(30):
    ...     y = y + y  # each + gives two edges from y: the paths double
    >>> result = path_sum(y, x, max_paths=3)
    >>> result.count == 2 ** 30, result.total, len(result.paths), result.work < 1000
    (True, 1073741824.0, 3, True)
    """
    if not isinstance(leaf, Value):
        raise TypeError(f"paths: leaf must be a Value, got {type(leaf).__name__}: {leaf!r:.60}")
    if max_paths is not None and (isinstance(max_paths, bool) or not isinstance(max_paths, int)
                                  or max_paths < 0):
        raise ValueError(f"paths: max_paths must be an int >= 0 or None, got {max_paths!r}")
    order = graph.topological_order(output)
    children: dict[Value, list[tuple[Value, int, float]]] = {}  # edges out of nodes that depend on leaf
    counts = {leaf: 1}

    def on_edge(node: Value, index: int, parent: Value, tangent_in: float, local: float, *_: Any) -> None:
        children.setdefault(parent, []).append((node, index, float(local)))
        counts[node] = counts.get(node, 0) + counts[parent]  # exact (Python ints): 2^30 is no problem

    tangents = push_tangents(order, leaf, on_edge)  # the DP over all paths is forward mode's tangent
    if output not in tangents:
        return PathSum(output, leaf, (), 0, 0.0, 0)
    paths, work = _largest(order, children, leaf, output, max_paths)
    return PathSum(output, leaf, paths, counts[output], tangents[output], work)


def _largest(order: list[Value], children: dict[Value, list[tuple[Value, int, float]]], leaf: Value,
             output: Value, max_paths: int | None) -> tuple[tuple[Path, ...], int]:
    """The ``max_paths`` paths of largest |product|, largest first, and the number of search steps.

    Best-first search over path prefixes, ordered by |prefix product| × the largest |product| any
    completion can reach (``best``, by dynamic programming backwards): that bound is exact, so
    complete paths come out largest first, and ties go deeper first, so each listed path costs about
    its length in steps whatever the number of paths.
    """
    best = {output: 1.0}
    for node in reversed(order):
        if node in children:
            best[node] = max(_size(local) * best[child] for child, _, local in children[node])
    tie = counter()
    heap = [(-best[leaf], 0, next(tie), leaf, None)]  # (-bound, -depth, tie, node, (prefix, index, local))
    found: list[Path] = []
    work = 0
    while heap and (max_paths is None or len(found) < max_paths):
        _, depth, _, node, prefix = heapq.heappop(heap)
        work += 1
        if node is output:
            found.append(_path(leaf, node, prefix))
            continue
        product = _product(prefix)
        for child, index, local in children.get(node, ()):
            bound = _size(product * local) * best[child]
            heapq.heappush(heap, (-bound, depth - 1, next(tie), child, (node, prefix, index, local)))
    return tuple(found), work


def _size(x: float) -> float:
    """|x| for ordering; NaN counts as the largest, so a broken derivative is listed first."""
    return math.inf if math.isnan(x) else abs(x)


def _product(prefix: Any) -> float:
    product = 1.0
    while prefix is not None:
        _, prefix, _, local = prefix
        product *= local
    return product


def _path(leaf: Value, last: Value, prefix: Any) -> Path:
    nodes, indices, locals_ = [last], [], []
    while prefix is not None:
        node, prefix, index, local = prefix
        nodes.append(node)
        indices.append(index)
        locals_.append(local)
    nodes.reverse(), indices.reverse(), locals_.reverse()
    product = 1.0
    for local in locals_:
        product *= local
    return Path(tuple(nodes), tuple(indices), tuple(locals_), product)
