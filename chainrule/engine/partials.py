"""Refusing a local_grads rule that gives the wrong number of partials, with the op and node named.

Without this a rule for two inputs returning one partial fails with Python's bare "not enough values
to unpack", and an n-ary one is silently truncated by ``zip`` (wrong gradients, no error).
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from chainrule.engine.errors import LocalGradsError
from chainrule.engine.ops import FLOAT_MATH

_data = attrgetter("data")


def check_count(node: Any, local_grads: Any) -> None:
    """Raise :class:`LocalGradsError` unless ``local_grads`` has one partial per parent of ``node``.

    >>> from chainrule import Value
    >>> check_count(Value(2.0) * 3, (3.0, 2.0))
    """
    if not hasattr(local_grads, "__len__") or len(local_grads) != len(node.parents):
        raise partials_error(node, local_grads)


def miscounted(node: Any) -> Any:
    """The node's float local gradients, computed again, when their count is wrong; None when it is
    right or the rule itself raises (then that error stands). Only called on an error path.

    >>> from chainrule import Value
    >>> miscounted(Value(2.0) * 3) is None
    True
    """
    if node is None or node._parent0 is None:
        return None
    try:
        local_grads = node.op.local_grads(FLOAT_MATH, node.data, *map(_data, node.parents))
    except Exception:
        return None
    if hasattr(local_grads, "__len__") and len(local_grads) == len(node.parents):
        return None
    return local_grads


def partials_error(node: Any, local_grads: Any) -> LocalGradsError:
    """The error for a local_grads rule that gives the wrong number of partials, naming op and node.

    >>> from chainrule import Op, Value
    >>> bad = Op("bad", "bad", lambda a, b: a * b, lambda m, out, a, b: (b,), arity=2)
    >>> print(partials_error(bad(Value(2.0, label="u"), 3.0), (3.0,)))
    local_grads of op 'bad' at node 'bad' (inputs u, 3.0) gave 1 partial(s), expected 2 (one per input)
    """
    parents = node.parents
    inputs = ", ".join(p.label or repr(p.data) for p in parents)
    where = f"local_grads of op {node.op.name!r} at node {node.label or node.op.name!r} (inputs {inputs})"
    try:
        given = len(local_grads)
    except TypeError:
        return LocalGradsError(f"{where} gave a {type(local_grads).__name__}, expected a tuple of "
                               f"{len(parents)} partial(s), e.g. (2 * x,)")
    return LocalGradsError(f"{where} gave {given} partial(s), expected {len(parents)} (one per input)")
