"""The NumPy form of the op table: each rule's forward and local gradients over arrays.

A group of the "numpy" backend calls ``forward(*inputs)`` and ``local_grads(out, *inputs)`` once for
all its nodes; an op without a NumPy form (a custom op, a replaced table function) is called element
by element through ``np.vectorize``, exactly as the engine calls it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chainrule.engine.ops import FLOAT_MATH

Rule = tuple[Callable[..., Any], Callable[..., Any]]


def _sigmoid(x: Any) -> Any:
    e = np.exp(-np.abs(x))  # never overflows; the two branches of floats.sigmoid
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _max_first(a: Any, b: Any) -> Any:
    return (a >= b) | np.isnan(a)  # floats.max_takes_first: ties and a NaN a go to a


def _min_first(a: Any, b: Any) -> Any:
    return (a <= b) | np.isnan(a)  # floats.min_takes_first


def _relu(x: Any, out: Any = None) -> Any:
    return np.maximum(x, 0.0, out=out)  # NaN stays NaN, as floats.relu; -0.0 may stay -0.0 (equal to 0)


def _power_rule(k: float) -> Rule:
    def slope(out: Any, x: Any) -> tuple[Any]:
        if k == 0:
            return (np.zeros_like(x),)
        return (np.where((x == 0) & (k < 1), np.inf, k * np.power(x, k - 1)),)
    return (lambda x: np.power(x, k)), slope


# op name -> (forward over arrays, local gradients over arrays): the NumPy form of each table rule.
NUMPY_RULES: dict[str, Rule] = {
    "add": (np.add, lambda out, a, b: (1.0, 1.0)),
    "sub": (np.subtract, lambda out, a, b: (1.0, -1.0)),
    "mul": (np.multiply, lambda out, a, b: (b, a)),
    "div": (np.divide, lambda out, a, b: (1.0 / b, -out / b)),
    "neg": (np.negative, lambda out, x: (-1.0,)),
    "exp": (np.exp, lambda out, x: (out,)),
    "log": (np.log, lambda out, x: (1.0 / x,)),
    "tanh": (np.tanh, lambda out, x: (1 - out * out,)),
    "sigmoid": (_sigmoid, lambda out, x: (out * (1 - out),)),
    "sin": (np.sin, lambda out, x: (np.cos(x),)),
    "cos": (np.cos, lambda out, x: (-np.sin(x),)),
    "relu": (_relu, lambda out, x: (x > 0,)),  # True/False multiply as 1.0/0.0 do
    "abs": (np.abs, lambda out, x: (np.sign(x),)),
    "sqrt": (np.sqrt, lambda out, x: (np.where(out == 0, np.inf, 0.5 / out),)),
    "max": (lambda a, b: np.where(_max_first(a, b), a, b),
            lambda out, a, b: (1.0 * _max_first(a, b), 1.0 - _max_first(a, b))),
    "min": (lambda a, b: np.where(_min_first(a, b), a, b),
            lambda out, a, b: (1.0 * _min_first(a, b), 1.0 - _min_first(a, b))),
}


def writes_out(forward: Callable[..., Any], arity: int) -> bool:
    """True if ``forward(*inputs, out=array)`` computes into ``array`` (a ufunc, or relu).

    >>> writes_out(np.add, 2), writes_out(np.add, 3), writes_out(_sigmoid, 1)
    (True, False, False)
    """
    return (isinstance(forward, np.ufunc) and forward.nin == arity) or (forward is _relu and arity == 1)


def numpy_rule(op: Any) -> Rule | None:
    """The NumPy forward and local gradients of a table op (``pow`` per exponent), None for others.

    >>> from chainrule import OPS
    >>> forward, local_grads = numpy_rule(OPS["mul"])
    >>> forward(np.array([2.0]), np.array([3.0])), local_grads(None, np.array([2.0]), np.array([3.0]))
    (array([6.]), (array([3.]), array([2.])))
    """
    rule = _table_rule(op)
    if rule is None or op.forward is not op.templated[0]:
        return None  # a replaced forward is called element by element, as the engine calls it
    if op.constant_partials is not None:  # what the engine's backward reads (its local_grads is not called)
        partials = op.constant_partials
        return rule[0], lambda out, *xs: partials
    return rule if op.local_grads is op.templated[1] else None


def _table_rule(op: Any) -> Rule | None:
    from chainrule.engine.ops import OPS, power, power_of

    if OPS.get(op.name) is op:
        return NUMPY_RULES.get(op.name)
    if op.name == "pow" and op.template is not None:
        k = float(op.template.forward.split("**")[1].strip(" ()"))
        return _power_rule(k) if power(k) is op else None
    if op.name == "rpow" and op.template is not None:
        base = float(op.template.forward.split("**")[0].strip(" ("))
        log_base = math.log(base)
        if power_of(base) is op:
            return (lambda x: np.power(base, x)), (lambda out, x: (out * log_base,))
    return None


def is_table_sum(op: Any) -> bool:
    """True for the table's n-ary ``sum`` as the engine runs it (not replaced): a sum of its inputs.

    >>> from chainrule import OPS
    >>> is_table_sum(OPS["sum"]), is_table_sum(OPS["add"])
    (True, False)
    """
    from chainrule.engine.ops import OPS

    return OPS["sum"] is op and op.forward is op.templated[0] and op.constant_partials == (1.0,)


def op_functions(op: Any) -> Rule:
    """``(forward(*inputs), local_grads(out, *inputs))`` over arrays for any op of a graph.

    Table rules where they apply; ``sum`` and ``select`` by hand; anything else (custom ops, replaced
    table functions) element by element through the op's own functions.

    >>> from chainrule import OPS
    >>> forward, local_grads = op_functions(OPS["sum"])
    >>> forward(np.array([1.0]), np.array([2.0])), local_grads(None, np.array([1.0]), np.array([2.0]))
    (array([3.]), (1.0, 1.0))
    """
    rule = numpy_rule(op)
    if rule is not None:
        return rule
    if is_table_sum(op):
        return (lambda *xs: np.sum(np.broadcast_arrays(*xs), axis=0)), (lambda out, *xs: (1.0,) * len(xs))
    if op.name == "select" and op.forward is op.templated[0] and op.local_grads is op.templated[1]:
        return _select, _select_grads
    forward = np.vectorize(op.forward, otypes=[float])
    if op.constant_partials is not None:
        partials = op.constant_partials
        return forward, lambda out, *xs: partials * len(xs) if len(partials) == 1 else partials
    return forward, lambda out, *xs: _vectorised_grads(op, out, xs)


def _vectorised_grads(op: Any, out: Any, xs: Sequence[Any]) -> list[Any]:
    rule = np.vectorize(lambda o, *x: tuple(op.local_grads(FLOAT_MATH, o, *x)), otypes=[object])
    columns = np.array(rule(out, *xs).tolist(), dtype=float)  # (nodes[, batch], inputs)
    return [columns[..., j] for j in range(len(xs))]


def _select(*xs: Any) -> Any:
    xs = np.broadcast_arrays(*xs)
    index, options = xs[0], np.stack(xs[1:])
    valid = (index > -0.5) & (index < len(xs) - 1.5)  # floats.selected: NaN is not valid either
    picked = np.where(valid, np.rint(np.where(valid, index, 0.0)), 0).astype(np.intp)
    chosen = np.take_along_axis(options, picked[None], axis=0)[0]
    return np.where(valid, chosen, np.nan)  # a NaN makes the call a plain run, which raises


def _select_grads(out: Any, *xs: Any) -> list[Any]:
    picked = np.rint(xs[0])
    return [0.0] + [np.where(picked == k, 1.0, 0.0) for k in range(len(xs) - 1)]
