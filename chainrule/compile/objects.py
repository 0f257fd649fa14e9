"""The "objects" replay: forward and backward re-run over the recorded Values, in the recorded order.

No code is generated. Ops whose partials are constants in their row's template (add, sub, neg, sum)
or are the other input (mul) skip the rule call; every other op calls its table functions. Each
node's ``data`` and ``grad`` end up exactly as a plain forward and backward would leave them.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from chainrule.engine.graph import N_ARY
from chainrule.engine.ops import FLOAT_MATH, Op

_data = attrgetter("data")

# backward kinds: which chain-rule shortcut a node's op allows (read from its template)
_GENERIC, _ADD, _SUB, _MUL, _NEG, _SUM = range(6)
_SHORTCUTS = {("1.0", "1.0"): _ADD, ("1.0", "-1.0"): _SUB, ("{1}", "{0}"): _MUL, ("-1.0",): _NEG}


def backward_kind(op: Op) -> int:
    """The shortcut for an op's chain-rule step, from the local gradients in its template.

    >>> from chainrule import OPS
    >>> [backward_kind(OPS[name]) for name in ("add", "mul", "sum", "tanh")]
    [1, 3, 5, 0]
    """
    template = op.template
    if template is None:
        return _GENERIC
    if op.arity is None:
        return _SUM if template.local_grads == ("1.0",) else _GENERIC
    return _SHORTCUTS.get(tuple(template.local_grads), _GENERIC)


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
    backward = [(n, backward_kind(n.op), n._parent0, n._parent1, n.op.local_grads)
                for n in reversed(interior)]
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
    its result); a shortcut writes ``local * upstream`` as ``upstream`` where local is 1.0."""
    for node, kind, a, b, rule in records:
        up = node.grad
        if kind == _MUL:
            a.grad += b.data * up
            b.grad += a.data * up
        elif kind == _ADD:
            a.grad += up
            b.grad += up
        elif kind == _SUM:
            for parent in a:
                parent.grad += up
        elif kind == _SUB:
            a.grad += up
            b.grad += -1.0 * up
        elif kind == _NEG:
            a.grad += -1.0 * up
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
