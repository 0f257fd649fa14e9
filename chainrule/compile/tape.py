"""Recording a graph for replay: its nodes in topological order, and a fingerprint of its structure."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from itertools import chain
from operator import attrgetter, is_not
from typing import Any

from chainrule.engine import Constant, Value, topological_order
from chainrule.engine.graph import N_ARY

_op, _first, _second = attrgetter("op"), attrgetter("_parent0"), attrgetter("_parent1")
_data = attrgetter("data")
_functions = attrgetter("forward", "local_grads", "constant_partials")  # what a replay restates


class GraphChangedError(RuntimeError):
    """A compiled graph's structure (an op, a parent or a constant) changed since it was recorded.

    >>> from chainrule import Value
    >>> from chainrule.compile import compile
    >>> x = Value(2.0); y = x * 3; step = compile(y)
    >>> y.parents[1].data = 4.0  # the constant 3 is baked into the recording
    >>> step()  # a call refuses it too
    Traceback (most recent call last):
    ...
    chainrule.compile.tape.GraphChangedError: the graph under the compiled output changed ...
    """


class Tape:
    """The graph under ``root``: nodes in topological order, leaves, and the leaves to differentiate.

    ``wrt`` (default: every leaf that is not a Constant) are the leaves whose gradients a replay sets.

    >>> from chainrule import Value
    >>> x = Value(2.0, label="x"); tape = Tape(x * x + 1)
    >>> len(tape.nodes), [leaf.label for leaf in tape.wrt]
    (4, ['x'])
    """

    def __init__(self, root: Value, wrt: Iterable[Value] | None = None,
                 watch: Iterable[Value] = ()) -> None:
        if not isinstance(root, Value):
            raise TypeError("compile needs a Value (the output of a graph), got "
                            f"{type(root).__name__}: {root!r:.60}")
        self.root = root
        self.nodes: list[Value] = topological_order(root)
        self.leaves = [n for n in self.nodes if n._parent0 is None and type(n) is not Constant]
        self.wrt = self.leaves if wrt is None else self._members(wrt, "wrt", leaves_only=True)
        self.watch = self._members(watch, "watch", leaves_only=False)
        self.fingerprint = fingerprint(self.nodes)
        self.constants = [n for n in self.nodes if type(n) is Constant]
        self.constant_data = list(map(_data, self.constants))
        self.ops = list(dict.fromkeys(_op(n) for n in self.nodes if n._parent0 is not None))
        self.functions = [f for op in self.ops for f in _functions(op)]

    def _members(self, nodes: Iterable[Value], what: str, leaves_only: bool) -> list[Value]:
        known = set(self.nodes)
        chosen = list(dict.fromkeys(nodes))
        for node in chosen:
            if not isinstance(node, Value):
                raise TypeError(f"{what} needs Values, got {type(node).__name__}: {node!r:.60}")
            if node not in known:
                raise ValueError(f"{what}: {node!r:.60} is not in the graph under the compiled output")
            if leaves_only and not node.is_leaf:
                raise ValueError(f"{what}: {node!r:.60} is not a leaf (made by op {node.op.name!r}); "
                                 "replay sets the gradients of leaves only")
        return chosen

    def check_constants(self) -> None:
        """Raise :class:`GraphChangedError` if a recorded Constant's data changed: what a compiled
        call checks (microseconds: one list of the Constants' data; the full :meth:`check` reads
        every node and costs more than a replay)."""
        now = list(map(_data, self.constants))
        if now != self.constant_data:  # also a NaN replaced by another NaN object: check() decides
            self.check()
            self.constant_data = now

    def functions_changed(self) -> bool:
        """Whether an op of the graph has had its ``forward``, ``local_grads`` or ``constant_partials``
        replaced since recording (by identity; microseconds: one check per distinct op, not per node).

        >>> from chainrule import Op, Value
        >>> double = Op("double", "2x", forward=lambda x: 2 * x, local_grads=lambda m, out, x: (2.0,))
        >>> tape = Tape(double(Value(1.0)))
        >>> tape.functions_changed()
        False
        >>> double.local_grads = lambda m, out, x: (3.0,)
        >>> tape.functions_changed()
        True
        """
        return any(map(is_not, chain.from_iterable(map(_functions, self.ops)), self.functions))

    def kept_leaves(self) -> list[Value]:
        """The leaves whose ``grad`` a replay leaves alone: the Constants and the leaves not in ``wrt``.

        >>> from chainrule import Value
        >>> w, x = Value(2.0), Value(3.0)
        >>> [leaf.data for leaf in Tape(w * x * 4, wrt=[w]).kept_leaves()]
        [3.0, 4.0]
        """
        wrt = set(self.wrt)
        return [n for n in self.nodes if n._parent0 is None and n not in wrt]

    def check(self) -> None:
        """Raise :class:`GraphChangedError` if the recorded nodes' ops, parents or constants changed."""
        now = fingerprint(self.nodes)
        if now != self.fingerprint:
            raise GraphChangedError(
                f"the graph under the compiled output changed since it was recorded ({len(self.nodes)} "
                f"nodes; structure fingerprint {self.fingerprint[:12]}, now {now[:12]}): an op, a parent or "
                "a constant of a recorded node was replaced. Call chainrule.compile(output) again "
                "on the new graph.")


def fingerprint(nodes: list[Value] | Value) -> str:
    """A digest of a graph's structure: each node's op and parent positions, and each constant's value.

    Two graphs built by the same code on different data have the same fingerprint; a different op,
    wiring or baked-in number gives another one. Leaf data (what replay changes) does not count.
    Ops count by identity: the table's rows and ``x ** k`` for one k are the same op in every graph.

    >>> from chainrule import Value
    >>> def f(a, b): return (a * b + 1).tanh()
    >>> fingerprint(f(Value(1.0), Value(2.0))) == fingerprint(f(Value(5.0), Value(-3.0)))
    True
    >>> fingerprint(f(Value(1.0), Value(2.0))) == fingerprint(Value(1.0) * Value(2.0) + 2)
    False
    """
    order = topological_order(nodes) if isinstance(nodes, Value) else nodes
    # map() over C-level getters: a million-node graph is fingerprinted in well under a second
    position: dict[Any, int] = dict(zip(order, range(len(order))))
    ops = list(map(id, map(_op, order)))
    first = list(map(position.get, map(_first, order)))  # None: no parent, or an n-ary tuple
    second = list(map(position.get, map(_second, order)))
    many = [(i, [position[p] for p in node.parents])
            for i, node in enumerate(order) if node._parent1 is N_ARY]
    constants = [(i, node.data) for i, node in enumerate(order) if type(node) is Constant]
    digest = hashlib.blake2b(repr((ops, first, second, many, constants)).encode(), digest_size=16)
    return digest.hexdigest()
