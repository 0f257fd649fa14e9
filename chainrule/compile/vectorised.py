"""The "numpy" replay: the recorded graph run as array operations, one step per group of nodes.

Nodes at the same level (longest path from a leaf) with the same op are independent, so one NumPy
call computes them all; backward walks the groups in reverse and adds ``local * upstream`` into the
parents (repeated parents add up). A product used once, by a sum (a neuron's ``Σ w·x + b``), is fused
into that sum: the sums of a level are one step, and where they form a grid (a dense layer: neuron
by sample) one matrix product (see :mod:`chainrule.compile.numpy_plan` and
:mod:`chainrule.compile.numpy_groups`). With ``batch=`` leaves, the recorded graph is one sample's
and each call takes one array per batch leaf: the nodes that depend on a batch leaf get a batch
axis; the others (the parameters, an L2 term over them) are computed once without it and broadcast
where they meet a batched node, and their gradients are the sums over the batch of what flows into
them. Results agree with the plain engine to rounding, not bit for bit: a sum alone in its step is
added as the engine adds it (its builtin ``sum``; NumPy would add one column pairwise), but a matrix
product, a fixed node's gradient summed over the batch and gradients from several consumers add in
another order, so each such sum of n terms is within n·eps·Σ|terms| of the engine's (relative to the
size of the terms, not of the result: where terms cancel, the result's relative error can be large),
and a zero may come out as -0.0 where the engine gives 0.0. A NaN or inf anywhere makes the call a
plain run of the engine (per sample, the batch leaves' data restored after it), so domain errors,
anomaly mode and NaN semantics are its own.
A deep, narrow graph (see :func:`too_deep`) replays with "objects" instead, with a RuntimeWarning.

NumPy is an optional dependency (``pip install chainrule[numpy]``), imported only by this module.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from functools import partial
from operator import attrgetter
from typing import Any

import numpy as np

from chainrule.compile.compiled import Compiled
from chainrule.compile.numpy_plan import Plan
from chainrule.compile.numpy_rules import NUMPY_RULES, numpy_rule
from chainrule.compile.objects import objects_runner
from chainrule.compile.tape import Tape
from chainrule.engine import Value
from chainrule.engine.graph import N_ARY

__all__ = ["NUMPY_RULES", "NumpyCompiled", "numpy_compiled", "numpy_rule"]

_data = attrgetter("data")
MAX_NUMPY_LEVELS = 1_000  # deeper than this, and narrow (see too_deep), a graph replays with "objects"
MIN_NODES_PER_LEVEL = 8  # the per-level NumPy calls cost about what "objects" spends on this many nodes


class _NonFinite(ArithmeticError):
    """A NaN or inf appeared: the call becomes a plain run, which raises or returns what the engine does."""


class _Program:
    """A plan's groups bound to value and gradient arrays for one batch width (None: no batch axis).

    The arrays are made once and reused by every call of that width; constants are written once.
    """

    def __init__(self, plan: Plan, width: int | None, root: tuple[bool, int]) -> None:
        self.width, self.root = width, root
        fixed, batch = plan.sizes[0], plan.sizes[1] * (width or 0)
        # values then gradients in one buffer: one finiteness check and one fill per call
        self.store = np.zeros(2 * (fixed + batch))
        self.grad_store = self.store[fixed + batch:]
        self.vals = self._arrays(self.store, fixed, batch, width)
        self.grads = self._arrays(self.grad_store, fixed, batch, width)
        self.vals[0][plan.constant_slots] = plan.constant_data
        slots = plan.leaf_slots  # the leaves hold the first fixed slots
        self.leaves = slice(0, len(slots)) if np.array_equal(slots, np.arange(len(slots))) else slots
        steps = [group.bind(self.vals, self.grads) for group in plan.groups]
        self.forward = [forward for forward, _ in steps]
        self.backward = [backward for _, backward in reversed(steps) if backward is not None]

    @staticmethod
    def _arrays(store: Any, fixed: int, batch: int, width: int | None) -> tuple[Any, Any]:
        if width is None:
            return store[:fixed], None
        return store[:fixed], store[fixed:fixed + batch].reshape(-1, width)

    def run(self, leaf_data: list[float], columns: Any) -> bool:
        """Forward and backward on these leaf data (and batch columns); False if a value or gradient
        is not finite."""
        fixed, batch = self.vals
        fixed[self.leaves] = leaf_data
        if columns is not None:
            batch[:len(columns)] = columns
        for step in self.forward:
            step()
        self.grad_store.fill(0.0)
        self.grads[self.root[0]][self.root[1]] = 1.0
        for step in self.backward:
            step()
        return bool(np.isfinite(self.store).all())

    def output(self) -> Any:
        batched, slot = self.root
        return self.vals[1][slot].copy() if batched else float(self.vals[0][slot])


class NumpyCompiled(Compiled):
    """The "numpy" replay (see the module docstring); with ``batch`` leaves a call takes their data.

    >>> from chainrule import Parameter, Value
    >>> from chainrule.compile import compile
    >>> w, x = Parameter(2.0), Value(0.0)
    >>> step = compile((w * x).tanh(), "numpy", batch=[x])
    >>> outputs = step({x: [0.0, 0.5, 1.0]})
    >>> outputs.round(6).tolist(), round(w.grad, 6)
    ([0.0, 0.761594, 0.964028], 0.280638)
    """

    def __init__(self, tape: Tape, batch: list[Value]) -> None:
        super().__init__(tape, "numpy", self._run, state_in_values=False)
        known = set(tape.leaves)
        for leaf in batch:
            if leaf not in known:
                raise ValueError(f"batch: {leaf!r:.60} is not a leaf (not a Constant) of the compiled graph")
        self.batch = batch
        batched = set(batch)
        self.tape.wrt = [leaf for leaf in tape.wrt if leaf not in batched]
        self._layout = plan = Plan(tape, batch)
        self.groups = plan.groups
        position = {leaf: i for i, leaf in enumerate(tape.leaves)}
        self._wrt_index = plan.leaf_slots[[position[leaf] for leaf in self.tape.wrt]]
        self._batch_positions = [position[leaf] for leaf in batch]
        root = len(tape.nodes) - 1
        self._root = (bool(plan.batched[root]), int(plan.slot[root]))
        self._program: _Program | None = None
        self._positions: dict[Value, int] | None = None

    def __call__(self, batch: Mapping[Value, Sequence[float]] | None = None) -> Any:  # type: ignore[override]
        if bool(self.batch) != (batch is not None):
            raise TypeError("this compiled graph takes one array per batch leaf: step({leaf: data, ...})"
                            if self.batch else "batch data given, but compile(...) had no batch= leaves")
        if batch is None:
            return super().__call__()
        self.tape.check_constants()
        columns = self._columns(batch)
        self._last_leaf_data = list(map(_data, self.tape.leaves))
        for k, column in zip(self._batch_positions, columns):  # sync() shows the batch's first sample
            self._last_leaf_data[k] = float(column[0])
        try:
            return self._plain_per_sample(columns) if self.tape.functions_changed() else self._run(columns)
        except _NonFinite:
            return self._plain_per_sample(columns)

    def _columns(self, batch: Mapping[Value, Sequence[float]]) -> Any:
        if set(batch) != set(self.batch):
            raise ValueError("batch data must give exactly the batch leaves compile(..., batch=) named")
        columns = np.array([np.asarray(batch[leaf], dtype=float) for leaf in self.batch])
        if columns.ndim != 2 or columns.shape[1] == 0:
            raise ValueError("batch data must be one non-empty 1-D array per batch leaf, "
                             f"got shape {columns.shape}")
        return columns

    def _run(self, columns: Any = None) -> Any:
        width = None if columns is None else columns.shape[1]
        program = self._program
        if program is None or program.width != width:
            program = self._program = _Program(self._layout, width, self._root)
        with np.errstate(all="ignore"):
            finite = program.run(self._last_leaf_data, columns)
        if not finite:
            raise _NonFinite
        grads = program.grads[0][self._wrt_index].tolist()
        for leaf, grad in zip(self.tape.wrt, grads):
            leaf.grad = grad
        self._values_current = False
        self._read = self._value_of
        return program.output()

    def _value_of(self, node: Value) -> Any:
        if self._positions is None:  # built on the first read only: value_of is for inspection
            self._positions = {n: i for i, n in enumerate(self.tape.nodes)}
        return self._value(self._positions[node])

    def _value(self, i: int) -> Any:
        """A node's value in the last run: one per sample (an unbatched node's repeated) with a batch."""
        plan, (fixed, batch) = self._layout, self._program.vals
        slot = plan.slot[i]
        if slot < 0:  # a product fused into its sum: computed from its factors
            a, b = self.tape.nodes[i].parents
            return self._value_of(a) * self._value_of(b)
        if plan.batched[i]:
            return batch[slot].copy()
        return float(fixed[slot]) if batch is None else np.full(batch.shape[1], fixed[slot])

    def _plain_per_sample(self, columns: Any) -> Any:
        """The engine, one sample at a time, summing the wrt gradients: its errors and NaNs exactly.
        The batch leaves get their data back; the output's and watch nodes' values are kept per sample."""
        totals = [0.0] * len(self.tape.wrt)
        kept = [self.tape.root, *self.tape.watch]
        values: list[list[float]] = []
        held = list(map(_data, self.batch))
        try:
            for sample in columns.T:
                for leaf, x in zip(self.batch, sample.tolist()):
                    leaf.data = x
                self._plain_run()
                values.append(list(map(_data, kept)))
                totals = [t + leaf.grad for t, leaf in zip(totals, self.tape.wrt)]
        finally:
            for leaf, x in zip(self.batch, held):
                leaf.data = x
        for leaf, total in zip(self.tape.wrt, totals):
            leaf.grad = total
        per_node = dict(zip(kept, np.array(values).T))
        self._values_current = False
        self._read = partial(_fallback_value, per_node)
        return per_node[self.tape.root].copy()


def _fallback_value(per_node: dict[Value, Any], node: Value) -> Any:
    """``value_of`` after a batch call that fell back to per-sample plain runs (a NaN or inf)."""
    if node not in per_node:
        raise ValueError(f"value_of: {node!r:.60} is not the output or a watch node; the last call fell "
                         "back to per-sample plain runs (a NaN or inf), which keep only those")
    return per_node[node].copy()


def level_count(nodes: list[Value]) -> int:
    """The number of levels of a graph (its longest path from a leaf, in ops): the "numpy" replay
    runs at least one NumPy step per level, forward and backward.

    >>> from chainrule import Value
    >>> x = Value(1.0)
    >>> level_count(Tape((x * x).tanh() + x).nodes)
    3
    """
    level: dict[Value, int] = {}
    get = level.__getitem__
    for node in nodes:  # the parent fields, not .parents: no tuple per node (a million-node graph)
        a, b = node._parent0, node._parent1
        if a is None:
            level[node] = 0
        elif b is None:
            level[node] = get(a) + 1
        elif b is N_ARY:
            level[node] = max(map(get, a)) + 1
        else:
            level[node] = max(get(a), get(b)) + 1
    return max(level.values(), default=0)


def too_deep(nodes: list[Value]) -> str | None:
    """Why vectorising ``nodes`` would not pay (more than MAX_NUMPY_LEVELS levels with fewer than
    MIN_NODES_PER_LEVEL nodes per level: a deep, narrow graph), or None.

    >>> from chainrule import Value
    >>> x = y = Value(0.5)
    >>> for _ in range(MAX_NUMPY_LEVELS): y = (y + x).tanh()
    >>> too_deep(Tape(y).nodes)
    '2,000 levels of 1.0 nodes on average'
    """
    if len(nodes) <= MAX_NUMPY_LEVELS:  # fewer nodes than the limit has levels: nothing to measure
        return None
    levels = level_count(nodes)
    per_level = len(nodes) / max(levels, 1)
    if levels > MAX_NUMPY_LEVELS and per_level < MIN_NODES_PER_LEVEL:
        return f"{levels:,} levels of {per_level:.1f} nodes on average"
    return None


def numpy_compiled(tape: Tape, batch: list[Value]) -> Compiled:
    """The "numpy" replay of ``tape`` (``compile(output, "numpy", batch=...)`` calls this); without
    ``batch``, a graph that is :func:`too_deep` replays with the "objects" backend, with a RuntimeWarning.

    >>> from chainrule import Value
    >>> x = Value(3.0)
    >>> step = numpy_compiled(Tape(x * x), [])
    >>> step(), x.grad
    (9.0, 6.0)
    """
    why = None if batch else too_deep(tape.nodes)
    if why is not None:
        warnings.warn(f"compile: the graph has {why}, too deep and narrow for the numpy backend to "
                      "vectorise (one NumPy step per level and op); replaying with the objects backend",
                      RuntimeWarning, stacklevel=3)
        return Compiled(tape, "objects", objects_runner(tape.nodes), state_in_values=True)
    return NumpyCompiled(tape, batch)
