"""The "objects" replay: forward and backward re-run over the recorded Values, in the recorded order.

No code is generated. The chain-rule shortcuts are the engine's (engine/graph.py ``_float_pass``):
a row's ``constant_partials`` are used as numbers, and ``mul``'s partials are read as the other
input while its rule is still ``mul``'s own; every other op calls its current ``local_grads`` (a
patched rule is used, as by the plain engine). Each node's ``data`` and ``grad`` end up exactly as
a plain forward and backward would leave them.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from chainrule.engine.graph import N_ARY
from chainrule.engine.ops import FLOAT_MATH, OPS, Op

_data = attrgetter("data")

# backward kinds: which chain-rule shortcut a node's op allows, chosen as the engine's backward does
_GENERIC, _CONSTANT, _MUL = range(3)
_MUL_RULE = OPS["mul"].local_grads


def backward_kind(op: Op) -> int:
    """The shortcut for an op's chain-rule step: constant partials, mul's swap, or a rule call.

    >>> from chainrule import OPS
    >>> [backward_kind(OPS[name]) for name in ("add", "mul", "sum", "tanh")]
    [1, 2, 1, 0]
    """
    if op.local_grads is _MUL_RULE:  # the rule itself, not just the op: a patched rule is called
        return _MUL
    return _GENERIC if op.constant_partials is None else _CONSTANT


def objects_runner(nodes: list[Any]) -> Callable[[], float]:
    """A function that re-runs forward and backward over ``nodes`` (a topological order, root last)
    and returns the root's data; leaf gradients are overwritten, not accumulated.

    >>> from chainrule import Value
    >>> from chainrule.engine import topological_order
    >>> x = Value(2.0); y = x * x + x; run = objects_runner(topological_order(y))
    >>> x.data = 3.0
    >>> run(), x.grad
    (12.0, 7.0)
    """
    leaves = [n for n in nodes if n._parent0 is None]
    interior = [n for n in nodes if n._parent0 is not None]
    forward = [(n, n.op.forward, n._parent0, n._parent1) for n in interior]
    backward = [(n, *_rule(n.op), n._parent0, n._parent1) for n in reversed(interior)]
    root = nodes[-1]

    def run() -> float:
        for leaf in leaves:
            leaf.grad = 0.0
        _forward(forward)
        for node in interior:
            node.grad = 0.0
        root.grad = 1.0
        _backward(backward)
        return root.data

    return run


def _rule(op: Op) -> tuple[int, Any]:
    """The backward kind and what it needs: the constant partials, or the rule to call."""
    kind = backward_kind(op)
    return kind, op.constant_partials if kind == _CONSTANT else op.local_grads


def _forward(records: list[tuple[Any, Any, Any, Any]]) -> None:
    for node, f, a, b in records:
        if b is None:
            node.data = f(a.data)
        elif b is N_ARY:
            node.data = f(*map(_data, a))
        else:
            node.data = f(a.data, b.data)


def _backward(records: list[tuple[Any, int, Any, Any, Any]]) -> None:
    """The chain rule, ``parent.grad += local * upstream`` in the plain engine's order (so bit for bit
    its result); ``rule`` is the op's constant partials for a _CONSTANT node, else its local_grads."""
    for node, kind, rule, a, b in records:
        up = node.grad
        if kind == _MUL:
            a.grad += b.data * up
            b.grad += a.data * up
        elif kind == _CONSTANT:
            if b is None:
                a.grad += rule[0] * up
            elif b is not N_ARY:
                a.grad += rule[0] * up
                b.grad += rule[1] * up
            else:
                contribution = rule[0] * up
                for parent in a:
                    parent.grad += contribution
        elif b is None:
            (local,) = rule(FLOAT_MATH, node.data, a.data)
            a.grad += local * up
        elif b is not N_ARY:
            local_a, local_b = rule(FLOAT_MATH, node.data, a.data, b.data)
            a.grad += local_a * up
            b.grad += local_b * up
        else:
            local_grads = rule(FLOAT_MATH, node.data, *map(_data, a))
            if len(local_grads) != len(a):
                raise ValueError("miscounted local gradients")  # the plain run names op and node
            for parent, local in zip(a, local_grads):
                parent.grad += local * up
