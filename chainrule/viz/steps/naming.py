"""One display name per node, shared by the tables, the explanations and the picture; and the check
that a recorded pass starts from a Value. The names are made by the engine's one
:func:`chainrule.engine.naming.node_names` (the path report and the Jacobian use it too).

The picture draws every value node under the name the tables use (see ``to_dot(names=...)``), so
any name a row or a sentence mentions can be found in the frame.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from chainrule.engine import Value
from chainrule.engine.naming import in_scope, node_names, scoped

__all__ = ["check_root", "choices_text", "focus_choices", "node_names", "scope_name", "scoped"]
# node_names and scoped are the engine's (chainrule.engine.naming), re-exported for the stepper


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


def check_root(root: Any, where: str) -> None:
    """Refuse anything but a Value as the root of a recorded pass."""
    if not isinstance(root, Value):
        raise TypeError(f"{where} needs a Value (the output of a formula), got {type(root).__name__}")
