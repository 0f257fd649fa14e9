"""Which nodes a picture shows: the whole graph, or, past ``max_nodes``, the part nearest the root.

The walk stops as soon as it has seen ``max_nodes + 1`` nodes, so a graph of a million nodes is
summarised without visiting them all.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from chainrule.engine import Value, topological_order


@dataclass
class Selection:
    """The nodes to draw, parents before children and the root last; ``cut`` are drawn nodes with
    parents left out (only when ``truncated``).

    >>> from chainrule import Value
    >>> Selection([Value(1.0)]).truncated
    False
    """

    order: list[Value]
    truncated: bool = False
    cut: list[Value] = field(default_factory=list)


def select_nodes(root: Value, max_nodes: int | None) -> Selection:
    """The whole graph if it has at most ``max_nodes`` nodes, else the ``max_nodes`` nearest the root.

    >>> from chainrule import Value
    >>> x = Value(1.0)
    >>> for _ in range(10):
    ...     x = -x
    >>> s = select_nodes(x, 4)
    >>> len(s.order), s.truncated, s.order[-1] is x, s.cut == s.order[:1]
    (4, True, True, True)
    """
    if max_nodes is None:
        return Selection(topological_order(root))
    if not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
    nearest = _nearest(root, max_nodes + 1)
    if len(nearest) <= max_nodes:
        return Selection(topological_order(root))
    kept = set(nearest[:max_nodes])
    order = _order_within(root, kept)
    cut = [node for node in order if any(parent not in kept for parent in node.parents)]
    return Selection(order, True, cut)


def _nearest(root: Value, limit: int) -> list[Value]:
    """Breadth-first from the root over parents, stopping after ``limit`` distinct nodes."""
    seen = {root}
    found = [root]
    queue = deque([root])
    while queue and len(found) < limit:
        for parent in queue.popleft().parents:
            if parent not in seen:
                seen.add(parent)
                found.append(parent)
                queue.append(parent)
                if len(found) >= limit:
                    break
    return found


def _order_within(root: Value, kept: set[Value]) -> list[Value]:
    """Topological order of the kept nodes (the same post-order walk as ``topological_order``)."""
    order: list[Value] = []
    visited = {root}
    stack = [(root, iter(root.parents))]
    while stack:
        node, pending = stack[-1]
        for parent in pending:
            if parent in kept and parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    return order
