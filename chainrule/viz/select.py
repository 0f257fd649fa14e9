"""Which nodes a picture shows: the whole graph, or, past ``max_nodes``, the part nearest the outputs.

A picture has one output (the root) or several (a layer's outputs, a loss and a metric). The walk
stops as soon as it has seen ``max_nodes + 1`` nodes, so a graph of a million nodes is summarised
without visiting them all.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Container, Mapping, Sequence, Set
from dataclasses import dataclass, field

from chainrule.engine import Value, topological_order

Outputs = Value | Sequence[Value]  # what the pictures API draws: one root, or several outputs


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


def as_roots(outputs: Outputs) -> tuple[Value, ...]:
    """The outputs to draw as a tuple: one Value, or each Value of a list or tuple in the given order
    (a Value given twice counts once). Anything else is refused, naming what was wrong.

    >>> from chainrule import Value
    >>> x = Value(1.0)
    >>> as_roots(x) == (x,), as_roots([x, x + 1, x])[0] is x, len(as_roots([x, x + 1, x]))
    (True, True, 2)
    >>> as_roots([x, 2.0])
    Traceback (most recent call last):
    ...
    TypeError: can only draw chainrule Values, but outputs[1] is a float: 2.0
    """
    if isinstance(outputs, Value):
        return (outputs,)
    if isinstance(outputs, (Set, Mapping)):  # a set's order follows id(): the picture would change per run
        raise TypeError(
            f"the outputs to draw need a fixed order: pass a list or tuple of Values,"
            f" not a {type(outputs).__name__}"
        )
    if isinstance(outputs, (str, bytes)) or not hasattr(outputs, "__iter__"):
        raise TypeError(
            f"can only draw a chainrule Value, got {type(outputs).__name__}: {outputs!r:.60}"
            " (to draw several outputs, pass a list of Values)"
        )
    roots = tuple(outputs)
    if not roots:
        raise ValueError(f"nothing to draw: the {type(outputs).__name__} of outputs is empty")
    for i, root in enumerate(roots):
        if not isinstance(root, Value):
            raise TypeError(
                f"can only draw chainrule Values, but outputs[{i}] is a {type(root).__name__}: {root!r:.60}"
            )
    return tuple(dict.fromkeys(roots))  # identity keys: Value does not override == or hash


def union_order(roots: Sequence[Value], kept: Container[Value] | None = None) -> list[Value]:
    """Each root's topological order in turn, every node once (so parents come before children):
    the same post-order walk as :func:`chainrule.topological_order`, iterative, over only the
    ``kept`` nodes when given (the roots are always walked).

    >>> from chainrule import Value
    >>> a, b = Value(1.0, label="a"), Value(2.0, label="b")
    >>> s, p = a + b, a * b
    >>> [n.label or n.op.name for n in union_order([s, p])]
    ['a', 'b', 'add', 'mul']
    """
    if kept is None and len(roots) == 1:
        return topological_order(roots[0])  # the engine's hot path, for the usual single root
    order: list[Value] = []
    visited: set[Value] = set()
    for root in roots:
        if root in visited:  # already drawn as a parent of an earlier output
            continue
        visited.add(root)
        stack = [(root, iter(root.parents))]
        while stack:
            node, pending = stack[-1]
            for parent in pending:
                if parent not in visited and (kept is None or parent in kept):
                    visited.add(parent)
                    stack.append((parent, iter(parent.parents)))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


def select_nodes(root: Outputs, max_nodes: int | None) -> Selection:
    """The whole graph if it has at most ``max_nodes`` nodes, else the ``max_nodes`` nearest the
    root (or the roots, given a list of outputs: every output is always kept).

    >>> from chainrule import Value
    >>> x = Value(1.0)
    >>> for _ in range(10):
    ...     x = -x
    >>> s = select_nodes(x, 4)
    >>> len(s.order), s.truncated, s.order[-1] is x, s.cut == s.order[:1]
    (4, True, True, True)
    >>> s = select_nodes([x, x.parents[0] * 2], 4)
    >>> len(s.order), s.order[1] is x, s.order[-1].op.name  # x's order, then the rest of the mul's
    (4, True, 'mul')
    """
    roots = as_roots(root)
    if max_nodes is None:
        return Selection(union_order(roots))
    if not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
    if len(roots) > max_nodes:
        raise ValueError(
            f"cannot draw {len(roots)} outputs within max_nodes={max_nodes}:"
            " pass a larger max_nodes, or None to draw everything"
        )
    nearest = _nearest(roots, max_nodes + 1)
    if len(nearest) <= max_nodes:
        return Selection(union_order(roots))
    kept = set(nearest[:max_nodes])
    order = union_order(roots, kept)
    cut = [node for node in order if any(parent not in kept for parent in node.parents)]
    return Selection(order, True, cut)


def _nearest(roots: Sequence[Value], limit: int) -> list[Value]:
    """Breadth-first from the roots over parents, stopping after ``limit`` distinct nodes."""
    seen = set(roots)
    found = list(roots)
    queue = deque(roots)
    while queue and len(found) < limit:
        for parent in queue.popleft().parents:
            if parent not in seen:
                seen.add(parent)
                found.append(parent)
                queue.append(parent)
                if len(found) >= limit:
                    break
    return found
