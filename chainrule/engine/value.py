"""The Value node: one float, its gradient, its parents and its op's local gradients."""

from __future__ import annotations

import math
import numbers
from typing import Any

from chainrule.engine import graph
from chainrule.engine.errors import AnomalyError
from chainrule.engine.modes import MODES
from chainrule.engine.ops import FLOAT_MATH, OPS, Op, power, power_of


class _NotComputed(float):
    """The gradient of a node no backward pass has reached: reads as 0.0, but is recognisable."""

    __slots__ = ()


NOT_COMPUTED: float = _NotComputed(0.0)

_ADD, _SUB, _MUL, _DIV, _NEG = OPS["add"], OPS["sub"], OPS["mul"], OPS["div"], OPS["neg"]
_new = object.__new__


class Value:
    """A scalar in a computation graph, with its gradient after ``backward()``.

    >>> from chainrule import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + b ** 2
    >>> c.backward()
    >>> c.data, a.grad, b.grad
    (3.0, -3.0, -4.0)
    """

    __slots__ = ("data", "grad", "parents", "op", "local_grads", "label", "scope")

    def __init__(self, data: float, label: str = "") -> None:
        self.data = _to_float(data, "Value")
        self.grad: Any = NOT_COMPUTED
        self.parents: tuple[Value, ...] = ()
        self.op: Op | None = None
        self.local_grads: tuple[Any, ...] = ()
        self.label = label
        self.scope = MODES.scope

    # --- arithmetic: each operator is one node of the op table -------------------------------

    def __add__(self, other: Value | float) -> Value:
        other = _as_value(other)
        return NotImplemented if other is None else _node(_ADD, (self, other))

    def __radd__(self, other: float) -> Value:
        other = _as_value(other)
        return NotImplemented if other is None else _node(_ADD, (other, self))

    def __sub__(self, other: Value | float) -> Value:
        other = _as_value(other)
        return NotImplemented if other is None else _node(_SUB, (self, other))

    def __rsub__(self, other: float) -> Value:
        other = _as_value(other)
        return NotImplemented if other is None else _node(_SUB, (other, self))

    def __mul__(self, other: Value | float) -> Value:
        other = _as_value(other)
        return NotImplemented if other is None else _node(_MUL, (self, other))

    def __rmul__(self, other: float) -> Value:
        other = _as_value(other)
        return NotImplemented if other is None else _node(_MUL, (other, self))

    def __truediv__(self, other: Value | float) -> Value:
        other = _as_value(other)
        return NotImplemented if other is None else _node(_DIV, (self, other))

    def __rtruediv__(self, other: float) -> Value:
        other = _as_value(other)
        return NotImplemented if other is None else _node(_DIV, (other, self))

    def __neg__(self) -> Value:
        return _node(_NEG, (self,))

    def __pow__(self, exponent: float) -> Value:
        if isinstance(exponent, Value) or not isinstance(exponent, numbers.Real):
            raise TypeError(
                f"** needs a constant int or float exponent, got {type(exponent).__name__}"
                " (for a Value exponent write exp(y * log(x)))"
            )
        return _node(power(float(exponent)), (self,))

    def __rpow__(self, base: float) -> Value:
        if not isinstance(base, numbers.Real):
            return NotImplemented
        return _node(power_of(float(base)), (self,))

    def __abs__(self) -> Value:
        return _node(OPS["abs"], (self,))

    def __float__(self) -> float:
        return self.data

    # --- functions ----------------------------------------------------------------------------

    def exp(self) -> Value:
        """e ** self. ``Value(0.0).exp().data == 1.0``"""
        return _node(OPS["exp"], (self,))

    def log(self) -> Value:
        """Natural logarithm; raises DomainError for inputs <= 0."""
        return _node(OPS["log"], (self,))

    def tanh(self) -> Value:
        """Hyperbolic tangent. ``Value(0.0).tanh().data == 0.0``"""
        return _node(OPS["tanh"], (self,))

    def sigmoid(self) -> Value:
        """Logistic sigmoid 1 / (1 + e ** -x), stable for large inputs of either sign."""
        return _node(OPS["sigmoid"], (self,))

    def relu(self) -> Value:
        """max(0, self). ``Value(-2.0).relu().data == 0.0``"""
        return _node(OPS["relu"], (self,))

    def sin(self) -> Value:
        """Sine (radians)."""
        return _node(OPS["sin"], (self,))

    def cos(self) -> Value:
        """Cosine (radians)."""
        return _node(OPS["cos"], (self,))

    def abs(self) -> Value:
        """Absolute value; its gradient at 0 is 0 (a kink)."""
        return _node(OPS["abs"], (self,))

    def maximum(self, other: Value | float) -> Value:
        """The larger of two values; the gradient goes to the winner (ties go to ``self``)."""
        other = _as_value(other)
        if other is None:
            raise TypeError(f"maximum needs a Value, int or float, got {type(other).__name__}")
        return _node(OPS["max"], (self, other))

    # --- gradients and re-evaluation -----------------------------------------------------------

    def backward(self, create_graph: bool = False) -> None:
        """Fill ``grad`` of every node this one depends on (this node's own grad becomes 1).

        Leaf gradients accumulate across calls, like PyTorch; interior ones are recomputed.
        With ``create_graph=True`` the gradients are Values, so they can be differentiated again.

        >>> from chainrule import Value
        >>> x = Value(3.0)
        >>> (x * x).backward(); (x * x).backward()
        >>> x.grad
        12.0
        """
        hook = _check_backward if MODES.anomaly else None
        graph.backpropagate(graph.topological_order(self), VALUE_MATH if create_graph else None, hook)

    def zero_grad(self) -> None:
        """Mark every gradient in this node's graph as not computed.

        >>> from chainrule import Value
        >>> x = Value(3.0); y = x * 2; y.backward(); y.zero_grad()
        >>> x.has_grad
        False
        """
        for node in graph.topological_order(self):
            node.grad = NOT_COMPUTED

    def forward(self) -> float:
        """Recompute this node's ``data`` and local gradients from its parents' current data."""
        if self.op is not None:
            xs = [parent.data for parent in self.parents]
            self.data = self.op.forward(*xs)
            self.local_grads = self.op.local_grads(FLOAT_MATH, self.data, *xs)
        return self.data

    def recompute(self) -> float:
        """Re-run forward over this node's whole graph (after changing leaf data) and return it.

        >>> from chainrule import Value
        >>> x = Value(2.0); y = x * x + 1
        >>> x.data = 3.0
        >>> y.recompute()
        10.0
        """
        graph.recompute(graph.topological_order(self))
        return self.data

    @property
    def has_grad(self) -> bool:
        """False until a backward pass reaches this node (``grad`` then reads 0.0)."""
        return self.grad is not NOT_COMPUTED

    @property
    def is_leaf(self) -> bool:
        """True for nodes made by the user, not by an op."""
        return not self.parents

    # --- micrograd compatibility (its draw_dot reads these) ------------------------------------

    @property
    def _prev(self) -> set[Value]:
        return set(self.parents)

    @property
    def _op(self) -> str:
        return self.op.label if self.op is not None else ""

    def __repr__(self) -> str:
        text = f"data={self.data!r}"
        if self.has_grad:
            text += f", grad={self.grad!r}"
        if self.label:
            text += f", label={self.label!r}"
        return f"{type(self).__name__}({text})"


class Constant(Value):
    """A leaf made from a Python number inside a formula (the ``2`` in ``2 * x``)."""

    __slots__ = ()


class Parameter(Value):
    """A leaf that a model learns (weights and biases); pictures colour it apart from inputs."""

    __slots__ = ()


def _to_float(data: Any, where: str) -> float:
    if type(data) is float:
        return data
    if isinstance(data, numbers.Real) and not isinstance(data, Value):
        return float(data)
    raise TypeError(f"{where} needs an int or float, got {type(data).__name__}: {data!r:.60}")


def _as_value(other: Any) -> Value | None:
    """Operands of arithmetic: Values pass, numbers become Constants, anything else None."""
    if isinstance(other, Value):
        return other
    if isinstance(other, numbers.Real):
        return Constant(float(other))
    return None


def _node(op: Op, parents: tuple[Value, ...]) -> Value:
    """Make the node ``op(*parents)``: compute its data and local gradients now."""
    xs = [parent.data for parent in parents]
    out = _new(Value)
    out.data = data = op.forward(*xs)
    out.grad = NOT_COMPUTED
    out.label = ""
    out.scope = MODES.scope
    if MODES.grad_enabled:
        out.parents = parents
        out.op = op
        out.local_grads = op.local_grads(FLOAT_MATH, data, *xs)
    else:
        out.parents = out.local_grads = ()
        out.op = None
    if MODES.anomaly and not math.isfinite(data):
        _raise_anomaly(op, data, parents)
    return out


def apply(op: Op, *inputs: Value | float) -> Value:
    """Apply ``op`` to Values or numbers, checking the number of inputs."""
    if op.arity is not None and len(inputs) != op.arity:
        raise TypeError(f"{op.name} takes {op.arity} input(s), got {len(inputs)}")
    parents = tuple(_as_value(x) or _refuse(op, x) for x in inputs)
    return _node(op, parents)


def _refuse(op: Op, x: Any) -> Value:
    raise TypeError(f"{op.name} needs a Value, int or float, got {type(x).__name__}: {x!r:.60}")


def _describe(node: Value) -> str:
    return f"{node.label}={node.data!r}" if node.label else repr(node.data)


def _raise_anomaly(op: Op, data: float, parents: tuple[Value, ...]) -> None:
    inputs = ", ".join(_describe(p) for p in parents)
    raise AnomalyError(f"forward of {op.name} produced {data!r} (inputs: {inputs})")


def _check_backward(node: Value, index: int, parent: Value, upstream: Any, local: Any,
                    contribution: Any, before: Any) -> None:
    if not math.isfinite(float(parent.grad)):
        name = f" {node.label!r}" if node.label else ""
        raise AnomalyError(
            f"backward of {node.op.name if node.op else 'leaf'} node{name} gave input {index}"
            f" ({_describe(parent)}) gradient {float(parent.grad)!r}"
            f" (upstream {float(upstream)!r} x local {float(local)!r})"
        )


class _ValueMath:
    """The math namespace that builds local gradients as Values (for create_graph)."""

    sin = staticmethod(Value.sin)
    cos = staticmethod(Value.cos)

    @staticmethod
    def value(x: Value | float) -> float:
        return x.data if isinstance(x, Value) else x


VALUE_MATH = _ValueMath()
