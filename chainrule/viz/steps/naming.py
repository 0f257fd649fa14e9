"""One display name per node, shared by the tables, the explanations and the picture; and the check
that a recorded pass starts from a Value.

The picture draws every value node under the name the tables use (see ``to_dot(names=...)``), so
any name a row or a sentence mentions can be found in the frame.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from chainrule.engine import Constant, Value
from chainrule.viz.clusters import in_scope
from chainrule.viz.style import format_number as fmt


def node_names(order: list[Any], focus: str | None = None) -> dict[Any, str]:
    """A display name for every node of ``order`` (a topological order), no two alike.

    A labelled node is its label, prefixed by its scope (``layers.0.neurons.2.w.0``; relative to
    ``focus`` inside it, so ``w.0`` there); an unlabelled constant is its number; any other node is
    its op name and its position in the order (``mul#2``, as the picture's ids ``n2`` are numbered).
    A name several nodes would share gets the node's position too (``x*y#3``).

    >>> from chainrule import Value, topological_order
    >>> x = Value(3.0, label="x")
    >>> y = 2 * x + 1
    >>> list(node_names(topological_order(y)).values())
    ['2', 'x', 'mul#2', '1', 'add#4']
    >>> from chainrule.nn import MLP
    >>> model = MLP(1, [1], seed=0)
    >>> y = model([1.0])
    >>> w = model.layers[0].neurons[0].w[0]
    >>> node_names(topological_order(y))[w], node_names(topological_order(y), focus="layers.0")[w]
    ('layers.0.neurons.0.w.0', 'neurons.0.w.0')
    """
    names: dict[Any, str] = {}
    for position, node in enumerate(order):
        if node.label:
            names[node] = scoped(node.label, node.scope, focus)
        elif isinstance(node, Constant):
            names[node] = fmt(node.data)
        elif node.op is not None:
            names[node] = f"{node.op.name}#{position}"
        else:
            names[node] = f"leaf#{position}"
    shared = {name for name, count in Counter(names.values()).items() if count > 1}
    if shared:
        for position, node in enumerate(order):
            if names[node] in shared and not _is_number(node, names[node]):
                names[node] = f"{names[node]}#{position}"
    return names


def scoped(label: str, scope: tuple[str, ...] | None, focus: str | None = None) -> str:
    """``label`` under its scope path, the ``focus`` prefix left out inside it.

    >>> scoped("w.0", ("layers.1", "neurons.0")), scoped("w.0", ("layers.1", "neurons.0"), "layers.1")
    ('layers.1.neurons.0.w.0', 'neurons.0.w.0')
    """
    path = ".".join(scope or ())
    if focus and in_scope(scope, focus):
        path = path[len(focus) + 1:]
    return f"{path}.{label}" if path else label


def focus_choices(order: list[Any], limit: int, inside: str | None = None) -> list[tuple[str, int]]:
    """Scopes to step inside (``focus=``) so the picture draws at most about ``limit`` nodes: the
    largest scopes (strictly inside ``inside``, if given) whose enclosing scope is too big, biggest
    first, each with its node count.

    >>> from chainrule import Value, name_scope
    >>> x = Value(1.0)
    >>> with name_scope("block"), name_scope("a"):
    ...     y = x * 2 + 1
    >>> with name_scope("block"), name_scope("b"):
    ...     z = y * y
    >>> focus_choices([x, y, z], limit=5), focus_choices([x, y, z], limit=1)
    ([('block', 2)], [('block.a', 1), ('block.b', 1)])
    """
    counts: Counter[tuple[str, ...]] = Counter()
    for node in order:
        scope = tuple(node.scope or ())
        for depth in range(1, len(scope) + 1):
            counts[scope[:depth]] += 1
    fits = {scope for scope, count in counts.items() if count <= limit}
    if inside is not None:
        fits = {scope for scope in fits if in_scope(scope, inside) and ".".join(scope) != inside}
    largest = [scope for scope in fits if scope[:-1] not in fits]
    largest.sort(key=lambda scope: (-counts[scope], scope))
    return [(".".join(scope), counts[scope]) for scope in largest]


def choices_text(choices: list[tuple[str, int]], most: int = 4) -> str:
    """A few of :func:`focus_choices`, written as the options to pass, and how many more there are.

    >>> choices_text([("blocks.0.attn", 448), ("lm_head", 95)], most=1)
    "focus='blocks.0.attn' (448 nodes) or one of 1 more"
    >>> choices_text([])
    'none (no scope is small enough)'
    """
    if not choices:
        return "none (no scope is small enough)"
    text = ", ".join(f"focus={path!r} ({count:,} nodes)" for path, count in choices[:most])
    return text + (f" or one of {len(choices) - most} more" if len(choices) > most else "")


def scope_name(scope: tuple[str, ...]) -> str:
    """The name of a collapsed neuron or layer: its whole scope path, as its box shows it.

    >>> scope_name(("layers.1", "neurons.0"))
    'layers.1.neurons.0'
    """
    return ".".join(scope)


def _is_number(node: Any, name: str) -> bool:
    """An unlabelled constant is named by its number: several ``2``s are told apart by their place."""
    return isinstance(node, Constant) and not node.label and name == fmt(node.data)


def check_root(root: Any, where: str) -> None:
    """Refuse anything but a Value as the root of a recorded pass."""
    if not isinstance(root, Value):
        raise TypeError(f"{where} needs a Value (the output of a formula), got {type(root).__name__}")
