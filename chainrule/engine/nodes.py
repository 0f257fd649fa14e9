"""Making nodes: numbers become Constants, and each application of an op becomes one Value.

These run once per op of every forward pass, so they are written for speed: one function per
arity (no per-node lists or argument unpacking), node slots filled directly, one read of the modes.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from itertools import repeat
from operator import attrgetter
from typing import Any

from chainrule.engine.anomaly import raise_forward
from chainrule.engine.graph import MANY, NOT_COMPUTED
from chainrule.engine.leaves import Constant
from chainrule.engine.modes import current
from chainrule.engine.ops import Op
from chainrule.engine.value import Value

_new = object.__new__
_data = attrgetter("data")


def to_float(data: Any, where: str) -> float:
    """A number as a float; anything else (str, None, a Value, complex) is a TypeError naming it.

    >>> to_float(3, "Value"), to_float(True, "Value")
    (3.0, 1.0)
    >>> to_float("3", "Value")
    Traceback (most recent call last):
    ...
    TypeError: Value needs an int or float, got str: '3'
    """
    if type(data) is float:
        return data
    if isinstance(data, numbers.Real) and not isinstance(data, Value):
        return float(data)
    raise TypeError(f"{where} needs an int or float, got {type(data).__name__}: {data!r:.60}")


def constant(x: Any) -> Value | None:
    """An operand that is a number as a :class:`Constant` leaf; None for anything else.

    >>> constant(2), constant("2")
    (Constant(data=2.0), None)
    """
    if type(x) is float or type(x) is int or isinstance(x, numbers.Real):  # also bool, NumPy scalars
        data = float(x)
    else:
        return None
    out = _new(Constant)
    out.data = data
    out.grad = NOT_COMPUTED
    out._a = out._b = out.op = None
    out.label = ""
    out.scope = current().scope
    return out


def unary(op: Op, a: Value) -> Value:
    """The node ``op(a)``, its data computed now (local gradients when backward needs them).

    >>> from chainrule import OPS, Value
    >>> unary(OPS["neg"], Value(2.0)).data
    -2.0
    """
    x = a.data
    out = _new(Value)
    out.data = data = op.forward(x)
    out.grad = NOT_COMPUTED
    out.label = ""
    modes = current()
    out.scope = modes.scope
    out._b = None
    if modes.grad_enabled:
        out._a, out.op = a, op
    else:
        out._a = out.op = None
    if modes.anomaly and not math.isfinite(data):
        raise_forward(op, data, (a,))
    return out


def binary(op: Op, a: Value, b: Value) -> Value:
    """The node ``op(a, b)``; ``a`` and ``b`` may be the same node (``a * a``).

    >>> from chainrule import OPS, Value
    >>> a = Value(3.0); binary(OPS["mul"], a, a).parents == (a, a)
    True
    """
    x, y = a.data, b.data
    out = _new(Value)
    out.data = data = op.forward(x, y)
    out.grad = NOT_COMPUTED
    out.label = ""
    modes = current()
    out.scope = modes.scope
    if modes.grad_enabled:
        out._a, out._b, out.op = a, b, op
    else:
        out._a = out._b = out.op = None
    if modes.anomaly and not math.isfinite(data):
        raise_forward(op, data, (a, b))
    return out


def nary(op: Op, parents: tuple[Value, ...]) -> Value:
    """The node ``op(*parents)`` for any number of parents (n-ary sum, custom ops).

    >>> from chainrule import OPS, Value
    >>> nary(OPS["sum"], (Value(1.0), Value(2.0), Value(3.0))).data
    6.0
    """
    if not parents:  # sum([]): nothing to differentiate, a constant
        return constant(op.forward())  # type: ignore[return-value]
    xs = list(map(_data, parents))
    out = _new(Value)
    out.data = data = op.forward(*xs)
    out.grad = NOT_COMPUTED
    out.label = ""
    modes = current()
    out.scope = modes.scope
    if modes.grad_enabled:
        out._a, out._b, out.op = parents, MANY, op
    else:
        out._a = out._b = out.op = None
    if modes.anomaly and not math.isfinite(data):
        raise_forward(op, data, parents)
    return out


def apply(op: Op, *inputs: Value | float) -> Value:
    """Apply ``op`` to Values or numbers, checking the number of inputs and their types.

    >>> from chainrule import OPS
    >>> apply(OPS["add"], 1, 2.5).data
    3.5
    """
    if op.arity is not None and len(inputs) != op.arity:
        raise TypeError(f"{op.name} takes {op.arity} input(s), got {len(inputs)}")
    parents = as_parents(op, inputs)
    if len(parents) == 1:
        return unary(op, parents[0])
    if len(parents) == 2:
        return binary(op, parents[0], parents[1])
    return nary(op, parents)


def as_parents(op: Op, inputs: Iterable[Any]) -> tuple[Value, ...]:
    """The inputs of ``op`` as a tuple of Values: numbers become Constants, anything else a TypeError.

    >>> from chainrule import OPS, Value
    >>> as_parents(OPS["sum"], [Value(1.0), 2])
    (Value(data=1.0), Constant(data=2.0))
    """
    parents = tuple(inputs)
    if all(map(isinstance, parents, repeat(Value))):  # the common case, checked at C speed
        return parents
    return tuple(x if isinstance(x, Value) else constant(x) or _refuse(op, x) for x in parents)


def _refuse(op: Op, x: Any) -> Value:
    raise TypeError(f"{op.name} needs a Value, int or float, got {type(x).__name__}: {x!r:.60}")
