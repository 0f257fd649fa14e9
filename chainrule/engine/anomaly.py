"""Anomaly mode's checks: stop at the first op whose value or gradient is NaN or inf, and say which."""

from __future__ import annotations

import math
from typing import Any

from chainrule.engine.errors import AnomalyError
from chainrule.engine.graph import StepHook
from chainrule.engine.modes import current


def describe(node: Any) -> str:
    """A node as ``label=data``, or just its data when it has no label.

    >>> from chainrule import Value
    >>> describe(Value(2.0, label="x")), describe(Value(2.0))
    ('x=2.0', '2.0')
    """
    return f"{node.label}={node.data!r}" if node.label else repr(node.data)


def raise_forward(op: Any, data: float, parents: tuple[Any, ...]) -> None:
    """Raise the AnomalyError for an op whose forward gave ``data`` (NaN or inf).

    >>> from chainrule import OPS, Value
    >>> raise_forward(OPS["log"], float("nan"), (Value(-1.0, label="x"),))
    Traceback (most recent call last):
    ...
    chainrule.engine.errors.AnomalyError: forward of log produced nan (inputs: x=-1.0)
    """
    inputs = ", ".join(describe(p) for p in parents)
    raise AnomalyError(f"forward of {op.name} produced {data!r} (inputs: {inputs})")


def check_forward(node: Any) -> None:
    """In anomaly mode, refuse a node whose recomputed data is NaN or inf.

    >>> from chainrule import Value, detect_anomaly, nan_on_domain_error
    >>> x = Value(1.0); y = x.log(); x.data = 0.0
    >>> with detect_anomaly(), nan_on_domain_error():
    ...     y.forward()
    Traceback (most recent call last):
    ...
    chainrule.engine.errors.AnomalyError: forward of log produced nan (inputs: 0.0)
    """
    if current().anomaly and not math.isfinite(node.data):
        raise_forward(node.op, node.data, node.parents)


def anomaly_hook() -> StepHook | None:
    """The backward hook anomaly mode needs right now, or None (no hook: the fast path).

    >>> from chainrule import detect_anomaly
    >>> anomaly_hook() is None
    True
    >>> with detect_anomaly():
    ...     anomaly_hook() is check_backward
    True
    """
    return check_backward if current().anomaly else None


def check_backward(node: Any, index: int, parent: Any, upstream: Any, local: Any,
                   contribution: Any, before: Any) -> None:
    """A backpropagate hook: raise at the first chain-rule step that makes a gradient NaN or inf.

    >>> from chainrule import Value, topological_order
    >>> from chainrule.engine import backpropagate
    >>> y = Value(0.0, label="x") ** 0.5
    >>> backpropagate(topological_order(y), on_step=check_backward)
    Traceback (most recent call last):
    ...
    chainrule.engine.errors.AnomalyError: backward of pow node gave input 0 (x=0.0) gradient inf (...)
    """
    grad = float(parent.grad)
    if not math.isfinite(grad):
        name = f" {node.label!r}" if node.label else ""
        raise AnomalyError(
            f"backward of {node.op.name if node.op else 'leaf'} node{name} gave input {index}"
            f" ({describe(parent)}) gradient {grad!r}"
            f" (upstream {float(upstream)!r} x local {float(local)!r})"
        )
