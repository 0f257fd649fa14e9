"""An order of the backward pass that groups nodes of one kind into long batches, bit for bit the
engine's gradients.

The engine's backward visits the interior nodes in one order (reversed topological) and adds each
node's contributions to its parents' gradients. Another order gives the same gradients, bit for bit,
when (1) every node still comes after all of its consumers (its gradient is complete when it is read)
and (2) each parent still receives its contributions in the same order (floating-point sums depend on
it). Those two rules are a partial order; :func:`batches_in_order` walks it (Kahn's algorithm) and
takes, while it can, the next node of the kind it is already running, so batches are long: the
moons step's 38,000 nodes fall into a few dozen batches.
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable
from operator import itemgetter
from typing import Any

from chainrule.engine.graph import N_ARY


def batches_in_order(order: list[Any], kinds: list[Hashable]) -> list[tuple[Any, list[int]]]:
    """``order`` (interior nodes, each after its consumers: the engine's backward order) regrouped
    as ``(kind, positions in order)`` batches; running the batches' nodes one after another gives
    every gradient bit for bit as running ``order`` does. ``kinds[i]`` is ``order[i]``'s kind;
    within a batch the nodes keep their order in ``order``.

    >>> from chainrule import Value
    >>> x, y = Value(1.0), Value(2.0)
    >>> p, q = x * y, y * x
    >>> rp, rq = p.relu(), q.relu(); root = rp + rq
    >>> batches = batches_in_order([root, rq, q, rp, p], ["+", "relu", "*", "relu", "*"])
    >>> batches
    [('+', [0]), ('relu', [1, 3]), ('*', [2, 4])]
    """
    successors, starts, waiting = _constraints(order)
    ready: dict[Hashable, array] = {kinds[0]: array("q", [0])}  # the root waits for nothing
    batches: list[tuple[Any, list[int]]] = []
    kind = kinds[0]
    while ready:
        if kind not in ready:  # the current kind is exhausted: switch to the one with most ready nodes
            kind = max(ready, key=lambda k: len(ready[k])) if len(ready) > 1 else next(iter(ready))
        batch = ready.pop(kind)
        for i in batch:  # the batch grows while it is walked: nodes of its kind join as they get ready
            for j in successors[starts[i]:starts[i + 1]]:
                if j >= 0:
                    waiting[j] -= 1
                    if not waiting[j]:
                        k = kinds[j]
                        (batch if k == kind else ready.setdefault(k, array("q"))).append(j)
        # in the given order within a batch (valid: every constraint points forward in it), which is
        # memory order for a graph built in that order: fewer cache misses when the batch is run
        batches.append((kind, sorted(batch)))
    if sum(map(len, map(itemgetter(1), batches))) != len(order):
        raise ValueError("batches_in_order: the order is not a backward order of one graph")
    return batches


def _constraints(order: list[Any]) -> tuple[array, array, array]:
    """The partial order as successor lists: node i's are ``successors[starts[i]:starts[i + 1]]``
    (-1: none), one per parent slot, so ``waiting[j]`` counts what must run before node j.

    A slot's successor is the next consumer of that parent (rule 2), or the parent itself after its
    last consumer (rule 1). ``last`` holds, per parent, the slot of its latest consumer so far; a
    node leaves it when the walk reaches it (every consumer is earlier), so it stays small.
    """
    successors, starts, waiting = array("q"), array("q"), array("q", bytes(8 * len(order)))
    last: dict[Any, int] = {}
    for i, node in enumerate(order):
        slot = last.pop(node, None)
        if slot is not None:  # the node after its last consumer
            successors[slot] = i
            waiting[i] += 1
        base = len(successors)
        starts.append(base)
        a, b = node._parent0, node._parent1
        for parent in (a,) if b is None else a if b is N_ARY else (a, b):
            slot = last.get(parent)
            if slot is not None and slot < base:  # after the parent's previous consumer (not itself: x * x)
                successors[slot] = i
                waiting[i] += 1
            last[parent] = len(successors)
            successors.append(-1)
    starts.append(len(successors))
    return successors, starts, waiting
