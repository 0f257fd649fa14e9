"""Making a node: the Value class (one float, its gradient, its parents and its op), the two kinds of
leaf a user does not make with ``Value(...)`` (Constant, Parameter), and the node makers that each
application of an op goes through.

Local gradients are computed from the op's rule when backward needs them, not stored. The node
makers run once per op of every forward pass, so they are written for speed: one function per
arity (no per-node lists or argument unpacking), node slots filled directly, one read of the modes.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Iterable
from itertools import repeat
from operator import attrgetter
from typing import Any

from chainrule.engine import graph, pickling
from chainrule.engine.anomaly import anomaly_hook, check_forward, raise_forward
from chainrule.engine.graph import N_ARY, NOT_COMPUTED
from chainrule.engine.modes import current
from chainrule.engine.ops import FLOAT_MATH, OPS, Op, power, power_of
from chainrule.engine.reads import note_read

_new = object.__new__
_data = attrgetter("data")


def _operator(name: str, method_name: str, reflected: bool = False) -> Callable[[Value, Any], Value]:
    """The method for ``self <op> other`` (``other <op> self`` if reflected); numbers become Constants.

    It makes the node itself, as :func:`binary` does: one Python call per operator, not two (this is
    the commonest way nodes are made).
    """
    op = OPS[name]
    forward = op.forward

    def method(self: Value, other: Any) -> Value:
        if type(other) is not Value and not isinstance(other, Value):
            other = constant(other)
            if other is None:
                return NotImplemented  # Python then raises a TypeError naming both types
        if reflected:
            self, other = other, self
        out = _new(Value)
        out.data = data = forward(self.data, other.data)
        out.grad = NOT_COMPUTED
        out.label = ""
        modes = current()
        out.scope = modes.scope
        if modes.grad_enabled:
            out._parent0, out._parent1, out.op = self, other, op
        else:
            out._parent0 = out._parent1 = out.op = None
        if modes.anomaly and not math.isfinite(data):
            raise_forward(op, data, (self, other))
        return out

    method.__name__ = f"__{'r' if reflected else ''}{method_name}__"
    method.__qualname__ = f"Value.{method.__name__}"
    return method


def _function(name: str, doc: str = "") -> Callable[..., Value]:
    """The method ``self.<function>(...)`` applying the op ``OPS[name]`` to self (and, for a two-input
    op, ``other``); its docstring comes from the op's row unless ``doc`` is given."""
    op = OPS[name]
    if op.arity == 2:
        def method(self: Value, other: Value | float) -> Value:
            return apply(op, self, other)
    else:
        def method(self: Value) -> Value:  # type: ignore[misc]
            return unary(op, self)

    method.__name__ = op.function or name
    method.__qualname__, method.__doc__ = f"Value.{method.__name__}", doc or method_doc(op)
    return method


def method_doc(op: Op) -> str:
    """The docstring of ``Value.<function>``: the row's sentence and its example as a doctest.

    >>> method_doc(OPS["max"]).splitlines()[2:]
    ['>>> Value(1.0).maximum(2.0).data', '2.0']
    """
    if op.example is None:
        raise ValueError(f"op {op.name!r} has no example for its docstring")
    (first, *rest), out = op.example
    call = f"Value({first!r}).{op.function}({', '.join(map(repr, rest))})"
    return f"{op.doc}\n\n>>> {call}.data\n{out!r}"


class Value:
    """A scalar in a computation graph, with its gradient after ``backward()``.

    >>> from chainrule import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + b ** 2
    >>> c.backward()
    >>> c.data, a.grad, b.grad
    (3.0, -3.0, -4.0)

    A Value is also a plain number where that is unambiguous: format specs, ``item()``, ``int()``
    and ``round()`` read ``data``; ``<``, ``<=``, ``>``, ``>=`` compare ``data`` and return a bool, so
    builtin ``max``, ``min`` and ``sorted`` return the Values themselves (gradients flow to the
    winner). ``==`` stays identity, as nodes are dict keys: compare numbers with ``a.data == b.data``.

    >>> f"{c:.2f}", c.item(), round(c), c > a, max(a, b) is a, a == Value(2.0)
    ('3.00', 3.0, 3, True, True, False)

    Graphs pickle and copy (``copy.deepcopy``), however deep: see :mod:`chainrule.engine.pickling`.
    """

    # The parents sit in two slots, not a tuple: one allocation per node instead of two halves the
    # cyclic GC's work while a graph is built. A leaf has neither; a unary node only _parent0; a
    # binary one both; an n-ary node has the tuple of its parents in _parent0 and N_ARY in _parent1.
    __slots__ = ("data", "grad", "op", "label", "scope", "_parent0", "_parent1")

    def __init__(self, data: float, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}: {label!r:.60}")
        self.data = to_float(data, type(self).__name__)
        self.grad: Any = NOT_COMPUTED
        self.op: Op | None = None
        self._parent0 = self._parent1 = None  # no parents: a leaf
        self.label = label
        self.scope = current().scope

    # --- arithmetic: each operator is one node of the op table -------------------------------
    __add__, __radd__ = _operator("add", "add"), _operator("add", "add", reflected=True)
    __sub__, __rsub__ = _operator("sub", "sub"), _operator("sub", "sub", reflected=True)
    __mul__, __rmul__ = _operator("mul", "mul"), _operator("mul", "mul", reflected=True)
    __truediv__, __rtruediv__ = _operator("div", "truediv"), _operator("div", "truediv", reflected=True)

    def __pow__(self, exponent: float) -> Value:
        k = None if isinstance(exponent, Value) else constant(exponent)
        if k is None:  # the hint in the user's own names where the Values have labels
            y, x = getattr(exponent, "label", "") or "y", self.label or "x"
            raise TypeError(f"** needs a constant int or float exponent, got {type(exponent).__name__}"
                            f" (for a Value exponent write exp({y} * log({x})))")
        return unary(power(k.data), self)

    def __rpow__(self, base: float) -> Value:
        b = constant(base)
        return NotImplemented if b is None else unary(power_of(b.data), self)

    # --- a Value as a plain Python number: these read .data and build no node ------------------
    # Each one tells reads.note_read (a replay of a graph built after such a read may branch wrongly)
    def __float__(self) -> float:
        note_read("float()")
        return float(self.data)

    def __int__(self) -> int:
        note_read("int()")
        return int(self.data)

    def __trunc__(self) -> int:
        note_read("math.trunc()")
        return int(self.data)

    def __round__(self, ndigits: int | None = None) -> float:
        note_read("round()")
        return round(self.data, ndigits)

    def __format__(self, spec: str) -> str:
        # f"{loss:.4f}" formats the number; f"{loss}" (empty spec) is the repr, as for any object
        if not spec:
            return str(self)
        note_read("a format spec")
        try:
            return format(self.data, spec)
        except (ValueError, TypeError) as error:  # name the Value, not the float inside it
            raise type(error)(f"cannot format {self!r} with {spec!r}: its data {self.data!r} is a float"
                              f" ({error})") from None

    def item(self) -> float:
        """The value as a Python float (as ``tensor.item()``): ``Value(2.5).item() == 2.5``."""
        note_read("item()")
        return self.data

    # Ordering compares .data and returns a bool (so builtin max/min/sorted return the Values
    # themselves, and gradients flow to the winner). == and hash stay identity: nodes are dict keys.
    def __lt__(self, other: Any) -> bool:
        other = _number(other)
        return NotImplemented if other is None else self.data < other

    def __le__(self, other: Any) -> bool:
        other = _number(other)
        return NotImplemented if other is None else self.data <= other

    def __gt__(self, other: Any) -> bool:
        other = _number(other)
        return NotImplemented if other is None else self.data > other

    def __ge__(self, other: Any) -> bool:
        other = _number(other)
        return NotImplemented if other is None else self.data >= other

    # --- functions: one line per op of the table that has a function name ------------------
    exp = _function("exp")
    log = _function("log")
    tanh = _function("tanh")
    sigmoid = _function("sigmoid")
    relu = _function("relu")
    sin = _function("sin")
    cos = _function("cos")
    sqrt = _function("sqrt")
    abs = _function("abs")
    maximum = _function("max")
    minimum = _function("min")
    __neg__, __abs__ = _function("neg", "-self, one node."), abs

    def __pos__(self) -> Value:  # +x is x: no node
        return self

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
        hook = anomaly_hook()
        if create_graph or hook is not None:
            graph.backpropagate(graph.topological_order(self), create_graph, hook)
        else:
            graph.backward(self)  # the same gradients, bit for bit, by the fast path

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
        """Recompute this node's ``data`` from its parents' current data.

        >>> from chainrule import Value
        >>> x = Value(2.0); y = x * 3; x.data = 5.0
        >>> y.forward()
        15.0
        """
        op = self.op
        if op is not None:
            self.data = op.forward(*[parent.data for parent in self.parents])
            check_forward(self)
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
    def parents(self) -> tuple[Value, ...]:
        """The inputs of the op that made this node, in argument order, duplicates kept (``a * a``).

        >>> from chainrule import Value
        >>> a = Value(2.0, label="a")
        >>> [p.label for p in (a * a).parents], Value(1.0).parents
        (['a', 'a'], ())
        """
        a, b = self._parent0, self._parent1
        if b is None:
            return () if a is None else (a,)
        return a if b is N_ARY else (a, b)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d self / d parent for each parent, by the op's rule at the current data (``()`` for a leaf).

        A node keeps what determines them (op, parents, data) rather than the numbers, which saves
        an allocation per node; backward computes them from the same rule.

        >>> from chainrule import Value
        >>> a, b = Value(2.0), Value(5.0)
        >>> (a * b).local_grads, (a + b).local_grads
        ((5.0, 2.0), (1.0, 1.0))
        """
        if self.op is None:
            return ()
        return tuple(self.op.local_grads(FLOAT_MATH, self.data, *[p.data for p in self.parents]))

    @property
    def has_grad(self) -> bool:
        """False until a backward pass reaches this node (``grad`` then reads 0.0)."""
        return self.grad is not NOT_COMPUTED

    @property
    def is_leaf(self) -> bool:
        """True for nodes made by the user, not by an op."""
        return self._parent0 is None

    # --- pickle and copy: iterative however deep the graph (engine/pickling.py) -----------------
    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        return pickling.reduce_node(self)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        pickling.set_node_state(self, state)

    def __copy__(self) -> Value:
        return pickling.copy_node(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> Value:
        return pickling.deepcopy_node(self, memo)

    # micrograd compatibility: its draw_dot reads _prev and _op
    _prev = property(lambda self: set(self.parents), doc="The parents as a set, as micrograd has them.")
    _op = property(lambda self: self.op.label if self.op is not None else "", doc="The op's label.")

    def __repr__(self) -> str:
        grad = f", grad={self.grad!r}" if self.has_grad else ""
        label = f", label={self.label!r}" if self.label else ""
        return f"{type(self).__name__}(data={self.data!r}{grad}{label})"


def _number(x: Any) -> float | None:
    """What an ordering comparison compares: a Value's data, a real number, else None (refused)."""
    note_read("a comparison (<, <=, >, >=)")
    if isinstance(x, Value):
        return x.data
    return x if isinstance(x, numbers.Real) else None


class Constant(Value):
    """A leaf made from a Python number inside a formula (the ``2`` in ``2 * x``).

    >>> from chainrule import Value
    >>> (Value(1.0) * 2).parents[1]
    Constant(data=2.0)
    """

    __slots__ = ()


class Parameter(Value):
    """A leaf that a model learns (weights and biases); pictures colour it apart from inputs.

    >>> from chainrule import Parameter
    >>> w = Parameter(0.5, label="w"); (w * 4).backward(); w.grad
    4.0
    """

    __slots__ = ()


# --- the node makers: every application of an op goes through one of these -------------------


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
    out._parent0 = out._parent1 = out.op = None
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
    out._parent1 = None
    if modes.grad_enabled:
        out._parent0, out.op = a, op
    else:
        out._parent0 = out.op = None
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
        out._parent0, out._parent1, out.op = a, b, op
    else:
        out._parent0 = out._parent1 = out.op = None
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
        out._parent0, out._parent1, out.op = parents, N_ARY, op
    else:
        out._parent0 = out._parent1 = out.op = None
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
    if op.arity == 1:
        return unary(op, parents[0])
    if op.arity == 2:
        return binary(op, parents[0], parents[1])
    return nary(op, parents)  # n-ary ops always: their constant partials are one for all inputs


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
