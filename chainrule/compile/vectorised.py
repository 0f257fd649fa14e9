"""The "numpy" replay: the recorded graph run as array operations, one per (graph level, op).

Nodes at the same level (longest path from a leaf) with the same op are independent, so one NumPy
call computes them all; backward walks the levels in reverse and scatters ``local * upstream`` into
the parents (repeated parents add up). With ``batch=`` leaves, the recorded graph is one sample's and
each call takes one array per batch leaf: the nodes that depend on a batch leaf get a batch axis; the
others (the parameters, an L2 term over them) are computed once without it and broadcast where they
meet a batched node, and their gradients are the sums over the batch of what flows into them.
Results agree with the plain engine to rounding (rtol 1e-12), not bit for bit: sums are added in
another order. A NaN or inf anywhere makes the call a plain run of the engine (per sample), so
domain errors, anomaly mode and NaN semantics are its own.

NumPy is an optional dependency (``pip install chainrule[numpy]``), imported only by this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from chainrule.compile.compiled import Compiled
from chainrule.compile.tape import Tape
from chainrule.engine import Constant, Value
from chainrule.engine.ops import FLOAT_MATH


def _sigmoid(x: Any) -> Any:
    e = np.exp(-np.abs(x))  # never overflows; the two branches of floats.sigmoid
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _max_first(a: Any, b: Any) -> Any:
    return (a >= b) | np.isnan(a)  # floats.max_takes_first: ties and a NaN a go to a


def _min_first(a: Any, b: Any) -> Any:
    return (a <= b) | np.isnan(a)  # floats.min_takes_first


def _power_rule(k: float) -> tuple[Callable[..., Any], Callable[..., Any]]:
    def slope(out: Any, x: Any) -> tuple[Any]:
        if k == 0:
            return (np.zeros_like(x),)
        return (np.where((x == 0) & (k < 1), np.inf, k * np.power(x, k - 1)),)
    return (lambda x: np.power(x, k)), slope


# op name -> (forward over arrays, local gradients over arrays): the NumPy form of each table rule.
NUMPY_RULES: dict[str, tuple[Callable[..., Any], Callable[..., Any]]] = {
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
    "relu": (lambda x: np.where(x <= 0, 0.0, x), lambda out, x: (np.where(x > 0, 1.0, 0.0),)),
    "abs": (np.abs, lambda out, x: (np.sign(x),)),
    "sqrt": (np.sqrt, lambda out, x: (np.where(out == 0, np.inf, 0.5 / out),)),
    "max": (lambda a, b: np.where(_max_first(a, b), a, b),
            lambda out, a, b: (1.0 * _max_first(a, b), 1.0 - _max_first(a, b))),
    "min": (lambda a, b: np.where(_min_first(a, b), a, b),
            lambda out, a, b: (1.0 * _min_first(a, b), 1.0 - _min_first(a, b))),
}


def numpy_rule(op: Any) -> tuple[Callable[..., Any], Callable[..., Any]] | None:
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


def _table_rule(op: Any) -> tuple[Callable[..., Any], Callable[..., Any]] | None:
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


class _Scatter:
    """Adds rows into given positions of an array: one sorted ``reduceat`` where a position repeats."""

    def __init__(self, targets: Any) -> None:
        self.flat = targets
        # a parent used twice in a group (a * a, an input shared by neurons): sum its contributions
        # with one sorted reduceat (np.add.at is several times slower)
        self.sorting = np.argsort(targets, kind="stable")
        self.targets, self.starts = np.unique(targets[self.sorting], return_index=True)
        self.repeats = self.targets.size < targets.size

    def add(self, into: Any, rows: Any) -> None:
        if self.repeats:
            into[self.targets] += np.add.reduceat(rows[self.sorting], self.starts, axis=0)
        else:
            into[self.flat] += rows


class _Group:
    """Nodes of one level and one op: their positions, and each input's positions, as index arrays.

    Positions index the unbatched array (``fixed``) or, for a batched group, the batched array; a
    batched group's inputs may be either (``batched_input`` says which), unbatched ones broadcast.
    """

    def __init__(self, op: Any, outs: list[int], parents: list[list[int]],
                 batched: bool = False, batched_input: list[list[bool]] | None = None) -> None:
        self.op = op
        self.rule = numpy_rule(op)
        self.batched = batched
        self.out = np.array(outs, dtype=np.intp)
        self.inputs = np.array(parents, dtype=np.intp).T  # (inputs, nodes): one gather reads them all
        flat = self.inputs.reshape(-1)
        if batched_input is None:
            batched_input = [[batched] * len(row) for row in parents]
        self.from_batch = np.array(batched_input, dtype=bool).T  # (inputs, nodes)
        self.mixed = batched and not self.from_batch.all()
        self._xs: Any = None  # the inputs of the last forward, for backward
        mask = self.from_batch.reshape(-1)
        self.batch_rows, self.fixed_rows = np.flatnonzero(mask), np.flatnonzero(~mask)
        self.to_batch = _Scatter(flat[mask])
        self.to_fixed = _Scatter(flat[~mask])

    def _gather(self, fixed: Any, batch: Any) -> Any:
        if not self.batched:
            return fixed[self.inputs]
        if not self.mixed:
            return batch[self.inputs]
        xs = np.empty((self.inputs.size, batch.shape[1]))
        xs[self.batch_rows] = batch[self.to_batch.flat]
        xs[self.fixed_rows] = fixed[self.to_fixed.flat][:, None]
        return xs.reshape(*self.inputs.shape, batch.shape[1])

    def forward(self, fixed: Any, batch: Any) -> None:
        xs = self._xs = self._gather(fixed, batch)  # kept for backward's local gradients
        if self.rule is not None:
            out = self.rule[0](*xs)
        elif self.op.name == "sum" and self.op.forward is self.op.templated[0]:
            out = xs.sum(axis=0)
        elif self.op.name == "select":
            out = _select(xs)
        else:  # an op with no NumPy form (a custom op): its table function, element by element
            out = np.vectorize(self.op.forward, otypes=[float])(*xs)
        (batch if self.batched else fixed)[self.out] = out

    def backward(self, fixed: Any, batch: Any, fixed_grads: Any, batch_grads: Any) -> None:
        """Add ``local * upstream`` into every input's gradient: one scatter per kind of input."""
        vals, grads = (batch, batch_grads) if self.batched else (fixed, fixed_grads)
        up = grads[self.out]
        constant = self.op.constant_partials
        if self.op.arity is None and constant is not None:  # sum: one partial for every input
            each = up if constant == (1.0,) else constant[0] * up  # times 1.0 is exact
            contributions = np.broadcast_to(each, (len(self.inputs), *up.shape))
        else:
            contributions = np.stack([np.broadcast_to(local * up, up.shape) for local in
                                      self._local_grads(vals[self.out], self._xs)])
        contributions = contributions.reshape(-1, *up.shape[1:])
        if not self.batched:
            self.to_fixed.add(fixed_grads, contributions)
        elif not self.mixed:
            self.to_batch.add(batch_grads, contributions)
        else:  # an unbatched input gets the sum over the batch of what flows into it
            self.to_batch.add(batch_grads, contributions[self.batch_rows])
            self.to_fixed.add(fixed_grads, contributions[self.fixed_rows].sum(axis=1))

    def _local_grads(self, out: Any, xs: list[Any]) -> Sequence[Any]:
        if self.rule is not None:
            return self.rule[1](out, *xs)
        if self.op.constant_partials is not None:
            return self.op.constant_partials
        if self.op.name == "select":
            picked = np.rint(xs[0])
            return [0.0] + [np.where(picked == k, 1.0, 0.0) for k in range(len(xs) - 1)]
        rule = np.vectorize(lambda o, *x: tuple(self.op.local_grads(FLOAT_MATH, o, *x)),
                            otypes=[object])
        columns = np.array(rule(out, *xs).tolist(), dtype=float)  # (nodes[, batch], inputs)
        return [columns[..., j] for j in range(len(xs))]


def _select(xs: list[Any]) -> Any:
    index, options = xs[0], np.stack(xs[1:])
    valid = (index > -0.5) & (index < len(xs) - 1.5)  # floats.selected: NaN is not valid either
    picked = np.where(valid, np.rint(np.where(valid, index, 0.0)), 0).astype(np.intp)
    chosen = np.take_along_axis(options, picked[None], axis=0)[0]
    return np.where(valid, chosen, np.nan)  # a NaN makes the call a plain run, which raises


class _Layout:
    """Where each node lives: its slot in the unbatched array, or in the batched one if it depends on
    a batch leaf; and the interior nodes grouped by (batched, level, op, number of inputs), unbatched
    groups first, each kind in level order."""

    def __init__(self, tape: Tape, batch: set[Value]) -> None:
        position = {node: i for i, node in enumerate(tape.nodes)}
        self.batched = [False] * len(tape.nodes)
        self.slot = [0] * len(tape.nodes)
        counts = [0, 0]  # unbatched, batched
        level = [0] * len(tape.nodes)
        groups: dict[tuple[bool, int, int, int], Any] = {}  # -> (op, outs, parents, batched inputs)
        for i, node in enumerate(tape.nodes):
            parents = [position[p] for p in node.parents]
            self.batched[i] = node in batch or any(self.batched[p] for p in parents)
            self.slot[i] = counts[self.batched[i]]
            counts[self.batched[i]] += 1
            if not parents:
                continue
            level[i] = 1 + max(level[p] for p in parents)
            key = (self.batched[i], level[i], id(node.op), len(parents))
            groups.setdefault(key, (node.op, [], [], []))
            groups[key][1].append(self.slot[i])
            groups[key][2].append([self.slot[p] for p in parents])
            groups[key][3].append([self.batched[p] for p in parents])
        self.sizes = counts
        ordered = sorted(groups.items(), key=lambda item: item[0][:2])  # unbatched first, then by level
        self.groups = [_Group(op, outs, parents, key[0], inputs)
                       for key, (op, outs, parents, inputs) in ordered]

    def indices(self, nodes: list[int], batched: bool) -> Any:
        """The slots of those of ``nodes`` (positions in the tape) that live in the given array."""
        return np.array([self.slot[i] for i in nodes if self.batched[i] == batched], dtype=np.intp)


class _NonFinite(ArithmeticError):
    """A NaN or inf appeared: the call becomes a plain run, which raises or returns what the engine does."""


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
        position = {node: i for i, node in enumerate(tape.nodes)}
        known = set(tape.leaves)
        for leaf in batch:
            if leaf not in known:
                raise ValueError(f"batch: {leaf!r:.60} is not a leaf (not a Constant) of the compiled graph")
        self.batch = batch
        batched = set(batch)
        self.tape.wrt = [leaf for leaf in tape.wrt if leaf not in batched]
        layout = _Layout(tape, batched)
        self._layout = layout
        self._groups = layout.groups
        leaf_positions = [position[leaf] for leaf in tape.leaves if leaf not in batched]
        self._leaf_slots = [i for i, leaf in enumerate(tape.leaves) if leaf not in batched]
        self._leaf_index = layout.indices(leaf_positions, False)
        self._batch_slots = [tape.leaves.index(leaf) for leaf in batch]
        self._batch_index = layout.indices([position[leaf] for leaf in batch], True)
        constants = [(i, node.data) for i, node in enumerate(tape.nodes) if type(node) is Constant]
        self._const_index = layout.indices([i for i, _ in constants], False)
        self._const_data = np.array([x for _, x in constants], dtype=float)
        self._wrt_index = layout.indices([position[leaf] for leaf in self.tape.wrt], False)
        root = len(tape.nodes) - 1
        self._root = (layout.batched[root], layout.slot[root])
        self._vals: Any = None
        self._read = lambda node: self._value(position[node])

    def _value(self, i: int) -> Any:
        """A node's value in the last run: one per sample (an unbatched node's repeated) with a batch."""
        fixed, batch = self._vals
        if self._layout.batched[i]:
            return batch[self._layout.slot[i]]
        if batch is None:
            return fixed[self._layout.slot[i]]
        return np.full(batch.shape[1], fixed[self._layout.slot[i]])

    def __call__(self, batch: Mapping[Value, Sequence[float]] | None = None) -> Any:  # type: ignore[override]
        if bool(self.batch) != (batch is not None):
            raise TypeError("this compiled graph takes one array per batch leaf: step({leaf: data, ...})"
                            if self.batch else "batch data given, but compile(...) had no batch= leaves")
        if batch is None:
            return super().__call__()
        self.tape.check_constants()
        columns = self._columns(batch)
        try:
            with np.errstate(all="ignore"):
                return self._run(columns)
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
        leaves = [leaf.data for leaf in self.tape.leaves]
        fixed = np.empty(self._layout.sizes[0])
        fixed[self._leaf_index] = [leaves[i] for i in self._leaf_slots]
        fixed[self._const_index] = self._const_data
        batch = None if columns is None else np.empty((self._layout.sizes[1], columns.shape[1]))
        if columns is not None:
            batch[self._batch_index] = columns
            self._last_leaf_data = leaves
            for slot, column in zip(self._batch_slots, columns):
                self._last_leaf_data[slot] = float(column[0])  # sync() shows the batch's first sample
        with np.errstate(all="ignore"):
            for group in self._groups:
                group.forward(fixed, batch)
            fixed_grads = np.zeros_like(fixed)
            batch_grads = None if batch is None else np.zeros_like(batch)
            root_batched, root = self._root  # batched whenever there is a batch: it depends on all leaves
            (batch_grads if root_batched else fixed_grads)[root] = 1.0
            for group in reversed(self._groups):
                group.backward(fixed, batch, fixed_grads, batch_grads)
        if not (np.isfinite(fixed).all() and np.isfinite(fixed_grads).all() and
                (batch is None or (np.isfinite(batch).all() and np.isfinite(batch_grads).all()))):
            raise _NonFinite
        for leaf, grad in zip(self.tape.wrt, fixed_grads[self._wrt_index].tolist()):
            leaf.grad = grad
        self._vals = (fixed, batch)
        self._values_current = False
        return float(fixed[root]) if columns is None else batch[root].copy()

    def _plain_per_sample(self, columns: Any) -> Any:
        """The engine, one sample at a time, summing the wrt gradients: its errors and NaNs exactly."""
        totals = [0.0] * len(self.tape.wrt)
        outputs = []
        for sample in columns.T:
            for leaf, x in zip(self.batch, sample.tolist()):
                leaf.data = x
            outputs.append(self._plain_run())
            totals = [t + leaf.grad for t, leaf in zip(totals, self.tape.wrt)]
        for leaf, total in zip(self.tape.wrt, totals):
            leaf.grad = total
        self._values_current = False
        self._vals = None
        return np.array(outputs)


def numpy_compiled(tape: Tape, batch: list[Value]) -> NumpyCompiled:
    """The "numpy" replay of ``tape`` (``compile(output, "numpy", batch=...)`` calls this)."""
    return NumpyCompiled(tape, batch)
