"""Module-level functions: ``chainrule.exp(x)`` and friends accept a Value or a number.

One function per op of the table that names one (``Op.function``), made from its row; ``sum``
(of an iterable) and ``grad`` are written out."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Iterable, Sequence
from inspect import Parameter, Signature
from typing import Any

from chainrule.engine import graph
from chainrule.engine.anomaly import anomaly_hook
from chainrule.engine.graph import NOT_COMPUTED
from chainrule.engine.ops import OPS, Op
from chainrule.engine.value import Constant, Value, apply, as_parents, nary


def op_function(op: Op) -> Callable[..., Value]:
    """The module-level function of an op of the table: ``chainrule.<op.function>(...)``, taking
    Values or numbers, with the row's sentence and example as its docstring.

    >>> square = op_function(Op("square", "x²", lambda x: x * x, lambda m, out, x: (2 * x,),
    ...                         function="square", doc="x * x.", example=((3.0,), 9.0)))
    >>> square(3).data
    9.0
    """
    def function(*inputs: Value | float) -> Value:
        return apply(op, *inputs)

    names = ("x",) if op.arity == 1 else ("a", "b") if op.arity == 2 else ()
    parameters = [Parameter(name, Parameter.POSITIONAL_ONLY, annotation="Value | float") for name in names]
    if op.arity is None or op.arity > 2:
        parameters = [Parameter("inputs", Parameter.VAR_POSITIONAL, annotation="Value | float")]
    function.__signature__ = Signature(parameters, return_annotation="Value")  # type: ignore[attr-defined]
    function.__name__ = function.__qualname__ = op.function or op.name
    function.__doc__ = _doc(op)
    return function


def _doc(op: Op) -> str:
    if op.example is None:
        return op.doc
    inputs, out = op.example
    return f"{op.doc}\n\n>>> {op.function}({', '.join(map(repr, inputs))}).data\n{out!r}"


FUNCTIONS: dict[str, Callable[..., Value]] = {
    op.function: op_function(op) for op in OPS.values() if op.function is not None
}
"""chainrule's function for each op of the table that has one: ``exp``, ``log``, ..., ``maximum``."""
globals().update(FUNCTIONS)  # exp, log, ... are this module's (and chainrule's) names

# for `from chainrule import *`: not the ones that would hide a builtin (abs, and sum below)
__all__ = [name for name in FUNCTIONS if not hasattr(builtins, name)] + ["grad", "select"]


def select(index: Value | float, options: Sequence[Value | float]) -> Value:
    """``options[round(index)]`` as one node whose parents are the index and every option.

    The index is data, not structure: set the index leaf's ``data`` and re-run the graph, and the
    node picks another option (an embedding lookup that a recorded graph can replay). The gradient
    goes to the chosen option only; the index gets 0 (it picks, it does not scale).

    >>> from chainrule import Value, select
    >>> token, rows = Value(1.0, label="token"), [Value(10.0), Value(20.0), Value(30.0)]
    >>> y = select(token, rows)
    >>> y.backward()
    >>> y.data, [row.grad for row in rows], token.grad
    (20.0, [0.0, 1.0, 0.0], 0.0)
    >>> token.data = 2.0; y.recompute()
    30.0
    """
    op = OPS["select"]
    return nary(op, as_parents(op, (index, *options)))


def sum(values: Iterable[Value | float]) -> Value:
    """One n-ary sum node (a neuron's weighted sum is one node, not a 1000-deep chain).

    >>> from chainrule import Value, sum
    >>> xs = [Value(float(i)) for i in range(4)]
    >>> s = sum(xs)
    >>> s.data, len(s.parents)
    (6.0, 4)
    """
    op = OPS["sum"]
    return nary(op, as_parents(op, values))


def grad(output: Value, inputs: Sequence[Value], create_graph: bool = False) -> list[Any]:
    """d output / d input for each input, without touching any ``.grad`` (like ``torch.autograd.grad``).

    With ``create_graph=True`` the results are always Values, so they can be differentiated again (a
    gradient that does not depend on the inputs, like d(x + 1)/dx, is a :class:`Constant`):

    >>> from chainrule import Value, grad
    >>> x = Value(3.0)
    >>> (dy,) = grad(x ** 3, [x], create_graph=True)
    >>> (d2y,) = grad(dy, [x])
    >>> dy.data, d2y
    (27.0, 18.0)
    >>> grad(x + 1, [x], create_graph=True)
    [Constant(data=1.0)]
    """
    inputs = _checked(output, inputs)
    order = graph.topological_order(output)
    saved = [node.grad for node in order]
    for node in order:
        node.grad = NOT_COMPUTED
    try:
        graph.backpropagate(order, create_graph, anomaly_hook())
        reached = set(order)
        grads = [_as_grad(x.grad) if x in reached else 0.0 for x in inputs]  # not in the graph: 0
        return [_as_value(g) for g in grads] if create_graph else grads
    finally:
        for node, old in zip(order, saved):
            node.grad = old


def _checked(output: Any, inputs: Any) -> list[Value]:
    if not isinstance(output, Value):
        raise TypeError(f"grad needs a Value output, got {type(output).__name__}: {output!r:.60}")
    if isinstance(inputs, Value) or not isinstance(inputs, Iterable):
        raise TypeError(f"grad needs a list of Value inputs, got {type(inputs).__name__} (write [x])")
    inputs = list(inputs)
    for x in inputs:
        if not isinstance(x, Value):
            raise TypeError(f"grad inputs must be Values, got {type(x).__name__}: {x!r:.60}")
    return inputs


def _as_grad(g: Any) -> Any:
    """A node the output reached no gradient to (NOT_COMPUTED) has gradient 0.0."""
    return 0.0 if g is NOT_COMPUTED else g


def _as_value(g: Any) -> Value:
    """A gradient as a Value: float ones (constant rules, inputs not reached) become Constants."""
    return g if isinstance(g, Value) else Constant(float(g))
