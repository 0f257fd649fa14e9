"""The stable DOT ids, in one place: node ``i`` of the topological order is ``n{i}``.

Ids never depend on ``id()``, so the same formula gives the same DOT text on every run, and the
stepper can name the node or edge it highlights in an SVG frame.
"""

from __future__ import annotations

from collections.abc import Sequence

from chainrule.engine import Value, topological_order


def value_id(index: int) -> str:
    """The DOT id of the value node at ``index`` in the topological order.

    >>> value_id(3)
    'n3'
    """
    return f"n{index}"


def op_id(index: int) -> str:
    """The DOT id of the small op node that produces value node ``index``.

    >>> op_id(3)
    'n3_op'
    """
    return f"n{index}_op"


def edge_id(index: int, position: int) -> str:
    """The DOT id of the edge from input ``position`` of node ``index`` into its op node.

    In ``a + a`` the two edges are ``n1_in0`` and ``n1_in1``:

    >>> edge_id(1, 0), edge_id(1, 1)
    ('n1_in0', 'n1_in1')
    """
    return f"n{index}_in{position}"


def output_edge_id(index: int) -> str:
    """The DOT id of the edge from op node ``index`` to its value node. ``output_edge_id(3) == 'n3_out'``"""
    return f"n{index}_out"


def group_id(index: int) -> str:
    """The DOT id of collapsed box ``index`` (boxes are numbered in order of first appearance)."""
    return f"g{index}"


def group_edge_id(index: int, position: int) -> str:
    """The DOT id of the ``position``-th distinct edge into collapsed box ``index``. ``'g0_in2'``"""
    return f"g{index}_in{position}"


def cluster_id(index: int) -> str:
    """The DOT name of scope cluster ``index``; Graphviz draws a subgraph as a box only if it starts
    with ``cluster``."""
    return f"cluster_s{index}"


def dot_ids(graph: Value | Sequence[Value]) -> dict[Value, str]:
    """Map every node of a graph to the DOT id of its value node in :func:`chainrule.viz.to_dot`.

    ``graph`` is the root Value or a topological order already computed from it.

    >>> from chainrule import Value
    >>> a = Value(2.0, label="a")
    >>> b = a * a
    >>> ids = dot_ids(b)
    >>> ids[a], ids[b]
    ('n0', 'n1')
    """
    order = topological_order(graph) if isinstance(graph, Value) else graph
    return {node: value_id(index) for index, node in enumerate(order)}
