"""The "objects" replay: forward and backward re-run over the recorded Values, in batches of one kind.

No code is generated. At compile time every interior node gets a kind for each pass (mul, add,
relu, ...: a loop written out for that op, with no call per node) and the nodes are put in an order
that groups kinds into long batches; a call then runs one tight loop per batch.

Bit for bit the plain engine's result, because:

- forward: each node is computed from its parents by the op's own expression (mul, add, sub, neg,
  sum, relu and tanh written out while ``forward`` is the row's own, else a call of it), parents
  first (any such order gives the same numbers); the loops also reset each gradient to 0.0;
- backward: a gradient is a sum, and floating-point sums depend on their order. The batches keep
  every node after all of its consumers, and every parent's contributions in the order the engine's
  backward (engine/graph.py ``_float_pass``) adds them, so each sum is the same sum; each
  contribution is the engine's ``local * upstream``;
- the chain-rule shortcuts are chosen as the engine chooses them: mul's swap only while its rule is
  still mul's own, a row's ``constant_partials`` as numbers, the written-out relu/tanh/exp/sigmoid
  slopes only while ``local_grads`` is the table's rule; any other node is run by the engine's own
  ``_float_pass``, which calls its current ``local_grads`` (a patched rule is used, as by the plain
  engine). A batch shorter than :data:`MIN_BATCH` joins its short neighbours in one such general
  batch (forward: the loop that calls each op's ``forward``).

The kinds are chosen from the ops' functions when compiled. A call of the compiled graph checks
that those functions are still the ops' own (:class:`chainrule.compile.Compiled`); once one is
replaced, the call is a plain run of the engine instead of this runner.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from itertools import groupby
from operator import attrgetter, itemgetter
from typing import Any

from chainrule.compile.schedule import batch_order
from chainrule.engine.graph import N_ARY, _float_pass
from chainrule.engine.ops import OPS, Op

_data, _op = attrgetter("data"), attrgetter("op")
_first, _second = itemgetter(0), itemgetter(1)
_tanh = math.tanh

SUM_COMPENSATES = sys.version_info >= (3, 12)  # sum() of floats: Neumaier's summation since 3.12
MIN_BATCH = 4  # shorter batches run in one engine batch with their short neighbours: less dispatch

Loop = Callable[[list[Any], Any], None]
Kind = tuple[Loop, Any]  # a batch's loop and what it needs (an op's constant partials)


# --- forward: one loop per kind, each also resetting the gradient backward accumulates into ------

def _forward_mul(nodes: list[Any], _: Any) -> None:
    for n in nodes:
        n.data = n._parent0.data * n._parent1.data
        n.grad = 0.0


def _forward_add(nodes: list[Any], _: Any) -> None:
    for n in nodes:
        n.data = n._parent0.data + n._parent1.data
        n.grad = 0.0


def _forward_sub(nodes: list[Any], _: Any) -> None:
    for n in nodes:
        n.data = n._parent0.data - n._parent1.data
        n.grad = 0.0


def _forward_neg(nodes: list[Any], _: Any) -> None:
    for n in nodes:
        n.data = -n._parent0.data
        n.grad = 0.0


def _forward_sum(nodes: list[Any], _: Any) -> None:
    for n in nodes:
        n.data = sum(map(_data, n._parent0), 0.0)  # the row's forward: sum(xs, 0.0)
        n.grad = 0.0


def _forward_sum_in_order(nodes: list[Any], _: Any) -> None:
    """sum(xs, 0.0) written out: the same additions, left to right, before Python 3.12 (whose sum
    of floats compensates rounding errors), without a call per input."""
    for n in nodes:
        total = 0.0
        for parent in n._parent0:
            total = total + parent.data
        n.data = total
        n.grad = 0.0


def _forward_relu(nodes: list[Any], _: Any) -> None:
    for n in nodes:
        x = n._parent0.data
        n.data = 0.0 if x <= 0 else x  # floats.relu
        n.grad = 0.0


def _forward_tanh(nodes: list[Any], _: Any) -> None:
    for n in nodes:
        n.data = _tanh(n._parent0.data)
        n.grad = 0.0


def _forward_any(nodes: list[Any], _: Any) -> None:
    """Any op: its current ``forward`` called on the parents' data."""
    for n in nodes:
        a, b = n._parent0, n._parent1
        if b is None:
            n.data = n.op.forward(a.data)
        elif b is N_ARY:
            n.data = n.op.forward(*map(_data, a))
        else:
            n.data = n.op.forward(a.data, b.data)
        n.grad = 0.0


# --- backward: the chain rule, ``parent.grad += local * upstream`` as the engine writes it --------

def _backward_mul(nodes: list[Any], _: Any) -> None:
    for n in nodes:
        up, a, b = n.grad, n._parent0, n._parent1
        a.grad += b.data * up
        b.grad += a.data * up


def _backward_constant1(nodes: list[Any], partial: float) -> None:
    for n in nodes:
        n._parent0.grad += partial * n.grad


def _backward_constant2(nodes: list[Any], partials: tuple[float, float]) -> None:
    local_a, local_b = partials
    for n in nodes:
        up = n.grad
        n._parent0.grad += local_a * up
        n._parent1.grad += local_b * up


def _backward_constant_n(nodes: list[Any], partial: float) -> None:
    for n in nodes:
        contribution = partial * n.grad  # one partial for every input
        for parent in n._parent0:
            parent.grad += contribution


def _backward_relu(nodes: list[Any], _: Any) -> None:
    for n in nodes:
        a = n._parent0
        a.grad += (1.0 if a.data > 0 else 0.0) * n.grad


def _backward_tanh(nodes: list[Any], _: Any) -> None:
    for n in nodes:
        out = n.data
        n._parent0.grad += (1 - out * out) * n.grad


def _backward_exp(nodes: list[Any], _: Any) -> None:
    for n in nodes:
        n._parent0.grad += n.data * n.grad


def _backward_sigmoid(nodes: list[Any], _: Any) -> None:
    for n in nodes:
        out = n.data
        n._parent0.grad += out * (1 - out) * n.grad


def _backward_by_engine(nodes: list[Any], _: Any) -> None:
    """Any op, by the engine's own backward loop (``nodes`` are stored in its order, reversed)."""
    _float_pass(nodes)


# --- choosing a node's kinds --------------------------------------------------------------------

_FORWARDS: dict[tuple[Any, int | None], Loop] = {  # (the row's forward, arity) -> its loop
    (OPS["mul"].forward, 2): _forward_mul, (OPS["add"].forward, 2): _forward_add,
    (OPS["sub"].forward, 2): _forward_sub, (OPS["neg"].forward, 1): _forward_neg,
    (OPS["relu"].forward, 1): _forward_relu, (OPS["tanh"].forward, 1): _forward_tanh,
    (OPS["sum"].forward, None): _forward_sum if SUM_COMPENSATES else _forward_sum_in_order,
}
_SLOPES: dict[Any, Loop] = {  # a unary row's rule -> the loop that writes it out
    OPS["relu"].local_grads: _backward_relu, OPS["tanh"].local_grads: _backward_tanh,
    OPS["exp"].local_grads: _backward_exp, OPS["sigmoid"].local_grads: _backward_sigmoid,
}
_MUL_RULE = OPS["mul"].local_grads
_CONSTANT_LOOPS: dict[int | None, Loop] = {1: _backward_constant1, 2: _backward_constant2,
                                           None: _backward_constant_n}
FORWARD_ANY: Kind = (_forward_any, None)
BACKWARD_BY_ENGINE: Kind = (_backward_by_engine, None)


def forward_kind(op: Op, arity: int | None) -> Kind:
    """The forward loop for a node of ``op`` with ``arity`` parents (None: n-ary).

    >>> from chainrule import OPS
    >>> [forward_kind(OPS[name], OPS[name].arity)[0].__name__ for name in ("mul", "relu", "exp")]
    ['_forward_mul', '_forward_relu', '_forward_any']
    """
    loop = _FORWARDS.get((op.forward, arity)) if _hashable(op.forward) else None
    return FORWARD_ANY if loop is None else (loop, None)


def backward_kind(op: Op, arity: int | None) -> Kind:
    """The backward loop for a node of ``op`` with ``arity`` parents, and the partials it reads,
    chosen as the engine's ``_float_pass`` chooses: mul's swap, constant partials, else the rule.

    >>> from chainrule import OPS
    >>> loop, partials = backward_kind(OPS["sub"], 2); loop.__name__, partials
    ('_backward_constant2', (1.0, -1.0))
    >>> backward_kind(OPS["relu"], 1)[0].__name__, backward_kind(OPS["div"], 2)[0].__name__
    ('_backward_relu', '_backward_by_engine')
    """
    rule, partials = op.local_grads, op.constant_partials
    if rule is _MUL_RULE and arity == 2:
        return (_backward_mul, None)
    if partials is not None:
        if len(partials) != (1 if arity is None else arity):  # a fixed arity > 2: one partial each
            return BACKWARD_BY_ENGINE
        return (_CONSTANT_LOOPS[arity], partials if arity == 2 else partials[0])
    if arity == 1 and _hashable(rule) and rule in _SLOPES:
        return (_SLOPES[rule], None)
    return BACKWARD_BY_ENGINE


# --- the replay ---------------------------------------------------------------------------------

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
    forward, backward = plan(nodes)
    root = nodes[-1]

    def run() -> float:
        for leaf in leaves:
            leaf.grad = 0.0
        for loop, batch, extra in forward:  # also sets every interior gradient to 0.0
            loop(batch, extra)
        root.grad = 1.0
        for loop, batch, extra in backward:
            loop(batch, extra)
        return root.data

    return run


Batch = tuple[Loop, list[Any], Any]


def plan(nodes: list[Any]) -> tuple[list[Batch], list[Batch]]:
    """The forward and backward batches, ``(loop, nodes, partials)``, for a topological order.

    >>> from chainrule import Value, sum
    >>> from chainrule.engine import topological_order
    >>> xs = [Value(float(i)) for i in range(5)]
    >>> forward, backward = plan(topological_order(sum((x * x).relu() for x in xs)))
    >>> [(loop.__name__, len(batch)) for loop, batch, _ in backward]
    [('_backward_by_engine', 1), ('_backward_relu', 5), ('_backward_mul', 5)]
    """
    interior = [n for n in reversed(nodes) if n._parent0 is not None]  # the engine's backward order
    if not interior:
        return [], []
    ops = list(map(_op, interior))
    table = {op: (forward_kind(op, _arity(op)), backward_kind(op, _arity(op))) for op in set(ops)}
    kinds = list(map(table.__getitem__, ops))
    del ops
    order = batch_order(interior, list(map(_second, kinds)))
    backward = _batches(order, list(map(_second, kinds)), BACKWARD_BY_ENGINE, interior)
    forward = _batches(reversed(order), list(map(_first, kinds)), FORWARD_ANY, interior)  # parents first
    return forward, backward


def _hashable(function: Any) -> bool:
    """Whether a function can be looked up (a callable object may define ``__eq__`` without a hash)."""
    try:
        hash(function)
    except TypeError:
        return False
    return True


def _arity(op: Op) -> int | None:
    """The number of parents of the op's nodes (None: a tuple of them, n-ary), as ``apply`` makes them."""
    return op.arity if op.arity in (1, 2) else None


def _batches(order: Any, kinds: list[Kind], any_kind: Kind, interior: list[Any]) -> list[Batch]:
    """The runs of one kind in ``order`` (positions in ``interior``) as batches; runs shorter than
    MIN_BATCH are run by the ``any_kind`` loop, together with the short runs around them."""
    batches: list[Batch] = []
    short: list[int] = []
    for kind, run in groupby(order, kinds.__getitem__):
        positions = list(run)
        if len(positions) < MIN_BATCH:
            short += positions
            continue
        if short:
            batches.append(_batch(any_kind, short, interior))
            short = []
        batches.append(_batch(kind, positions, interior))
    if short:
        batches.append(_batch(any_kind, short, interior))
    return batches


def _batch(kind: Kind, positions: list[int], interior: list[Any]) -> Batch:
    loop, extra = kind
    if loop is _backward_by_engine:
        positions.reverse()  # _float_pass walks its order from the end
    return loop, list(map(interior.__getitem__, positions)), extra
