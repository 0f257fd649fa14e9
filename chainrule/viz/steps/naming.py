"""One display name per node, shared by the tables, the explanations and the page; and the check
that a recorded pass starts from a Value."""

from __future__ import annotations

from typing import Any

from chainrule.engine import Constant, Value
from chainrule.viz.style import format_number as fmt


def node_names(order: list[Any]) -> dict[Any, str]:
    """A display name for every node of ``order`` (a topological order).

    A node's label when it has one; an unlabelled constant is its number; any other node is its
    op name and its position in the order (the picture's node ids follow the same order).

    >>> from chainrule import Value, topological_order
    >>> x = Value(3.0, label="x")
    >>> y = 2 * x + 1
    >>> list(node_names(topological_order(y)).values())
    ['2', 'x', 'mul#2', '1', 'add#4']
    """
    names = {}
    for position, node in enumerate(order):
        if node.label:
            names[node] = node.label
        elif isinstance(node, Constant):
            names[node] = fmt(node.data)
        elif node.op is not None:
            names[node] = f"{node.op.name}#{position}"
        else:
            names[node] = f"leaf#{position}"
    return names


def check_root(root: Any, where: str) -> None:
    """Refuse anything but a Value as the root of a recorded pass."""
    if not isinstance(root, Value):
        raise TypeError(f"{where} needs a Value (the output of a formula), got {type(root).__name__}")
