"""The "numpy" replay: the recorded graph run as array operations, one per (graph level, op).

Nodes at the same level (longest path from a leaf) with the same op are independent, so one NumPy
call computes them all; backward walks the levels in reverse and scatters ``local * upstream`` into
the parents with ``np.add.at`` (repeated parents add up). With ``batch=`` leaves, the recorded graph
is one sample's: every value gets a batch axis, each call takes one array per batch leaf, and the
other leaves' gradients are summed over the batch. Results agree with the plain engine to rounding
(rtol 1e-12), not bit for bit: sums are added in another order. A NaN or inf anywhere makes the call
a plain run of the engine (per sample), so domain errors, anomaly mode and NaN semantics are its own.

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


class _Group:
    """Nodes of one level and one op: their positions, and each input's positions, as index arrays."""

    def __init__(self, op: Any, outs: list[int], parents: list[list[int]]) -> None:
        self.op = op
        self.rule = numpy_rule(op)
        self.out = np.array(outs, dtype=np.intp)
        self.inputs = np.array(parents, dtype=np.intp).T  # (inputs, nodes): one gather reads them all
        self.flat = self.inputs.reshape(-1)
        # a parent used twice in the group (a * a, an input shared by neurons): sum its contributions
        # with one sorted reduceat (np.add.at is several times slower)
        self.sorting = np.argsort(self.flat, kind="stable")
        self.targets, self.starts = np.unique(self.flat[self.sorting], return_index=True)
        self.repeats = self.targets.size < self.flat.size

    def forward(self, vals: Any) -> None:
        xs = vals[self.inputs]
        if self.rule is not None:
            vals[self.out] = self.rule[0](*xs)
        elif self.op.name == "sum" and self.op.forward is self.op.templated[0]:
            vals[self.out] = xs.sum(axis=0)
        elif self.op.name == "select":
            vals[self.out] = _select(xs)
        else:  # an op with no NumPy form (a custom op): its table function, element by element
            vals[self.out] = np.vectorize(self.op.forward, otypes=[float])(*xs)

    def backward(self, vals: Any, grads: Any) -> None:
        """Add ``local * upstream`` into every input's gradient: one scatter for the whole group."""
        up = grads[self.out]
        constant = self.op.constant_partials
        if self.op.arity is None and constant is not None:  # sum: one partial for every input
            each = up if constant == (1.0,) else constant[0] * up  # times 1.0 is exact
            contributions = np.broadcast_to(each, (len(self.inputs), *up.shape))
        else:
            contributions = np.stack([np.broadcast_to(local * up, up.shape)
                                      for local in self._local_grads(vals[self.out], vals[self.inputs])])
        contributions = contributions.reshape(self.flat.size, *up.shape[1:])
        if self.repeats:
            grads[self.targets] += np.add.reduceat(contributions[self.sorting], self.starts, axis=0)
        else:
            grads[self.flat] += contributions

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


def _groups(tape: Tape) -> list[_Group]:
    """The interior nodes grouped by (level, op, number of inputs), in level order."""
    position = {node: i for i, node in enumerate(tape.nodes)}
    level = [0] * len(tape.nodes)
    groups: dict[tuple[int, int, int], tuple[Any, list[int], list[list[int]]]] = {}
    for i, node in enumerate(tape.nodes):
        parents = [position[p] for p in node.parents]
        if not parents:
            continue
        level[i] = 1 + max(level[p] for p in parents)
        key = (level[i], id(node.op), len(parents))
        groups.setdefault(key, (node.op, [], []))
        groups[key][1].append(i)
        groups[key][2].append(parents)
    ordered = sorted(groups.items(), key=lambda item: item[0][0])  # by level; stable within one
    return [_Group(op, outs, parents) for _, (op, outs, parents) in ordered]


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
        self._groups = _groups(tape)
        self._leaf_index = np.array([position[leaf] for leaf in tape.leaves], dtype=np.intp)
        self._batch_slots = [tape.leaves.index(leaf) for leaf in batch]
        constants = [(i, node.data) for i, node in enumerate(tape.nodes) if type(node) is Constant]
        self._const_index = np.array([i for i, _ in constants], dtype=np.intp)
        self._const_data = np.array([x for _, x in constants], dtype=float)
        self._wrt_index = np.array([position[leaf] for leaf in self.tape.wrt], dtype=np.intp)
        self._root = len(tape.nodes) - 1
        self._vals: Any = None
        self._read = lambda node: self._vals[position[node]]

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
        size = () if columns is None else (columns.shape[1],)
        vals = np.empty((len(self.tape.nodes), *size))
        vals[self._leaf_index] = np.array(leaves).reshape(-1, *(1 for _ in size))
        if columns is not None:
            vals[self._leaf_index[self._batch_slots]] = columns
            self._last_leaf_data = leaves
            for slot, column in zip(self._batch_slots, columns):
                self._last_leaf_data[slot] = float(column[0])  # sync() shows the batch's first sample
        vals[self._const_index] = self._const_data.reshape(-1, *(1 for _ in size))
        with np.errstate(all="ignore"):
            for group in self._groups:
                group.forward(vals)
            grads = np.zeros_like(vals)
            grads[self._root] = 1.0
            for group in reversed(self._groups):
                group.backward(vals, grads)
        if not (np.isfinite(vals).all() and np.isfinite(grads).all()):
            raise _NonFinite
        wrt_grads = grads[self._wrt_index].reshape(len(self._wrt_index), -1).sum(axis=1)
        for leaf, grad in zip(self.tape.wrt, wrt_grads.tolist()):
            leaf.grad = grad
        self._vals = vals
        self._values_current = False
        return float(vals[self._root]) if columns is None else vals[self._root].copy()

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
