"""``compile(output)``: the callable replay of a recorded graph, its ``sync()``, and its fallback."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

from chainrule.compile.codegen import generate
from chainrule.compile.objects import objects_runner
from chainrule.compile.tape import Tape
from chainrule.engine import NOT_COMPUTED, Constant, Value, backpropagate, recompute
from chainrule.engine.anomaly import anomaly_hook

BACKENDS = ("objects", "python", "numpy")
MAX_PYTHON_NODES = 250_000  # above this the "python" backend replays with "objects" (compile time, memory)

_data, _grad = attrgetter("data"), attrgetter("grad")


class Compiled:
    """A recorded graph that re-runs forward and backward on its leaves' current ``data``.

    Calling it returns the output's new value and *sets* (overwrites, never accumulates) the
    ``grad`` of each ``wrt`` leaf to this run's gradient, bit for bit what ``zero_grad()`` and a
    rebuilt graph's ``backward()`` give ("numpy": to rounding, each reordered sum of n terms within
    n·eps·Σ|terms|, see :mod:`chainrule.compile.vectorised`). The "objects" backend updates
    every node's ``data`` and ``grad`` as it goes; the others keep them to themselves until
    :meth:`sync`. Under ``detect_anomaly()``, or when a value leaves an op's domain, the call is a
    plain run of the engine over the recorded Values, so errors and NaNs are exactly the engine's.
    A call writes no other leaf's ``grad`` (on every backend, plain runs included): the leaves
    outside ``wrt`` and the Constants keep theirs until :meth:`sync`, which writes every Value's.

    What a call guarantees about the graph: it compares every recorded Constant's ``data`` with the
    recording (microseconds) and raises :class:`~chainrule.compile.GraphChangedError` if one
    changed, so every backend refuses a changed baked-in number alike. The ops and parents of the
    recorded nodes are not re-read on a call (that would cost more than the replay): every backend
    replays the recorded ones, and :meth:`check` (the full structure fingerprint; ~25 ms for the
    38,000-node moons step) tells whether they were replaced since. A call also compares, per
    distinct op of the graph, its ``forward``, ``local_grads`` and ``constant_partials`` with the
    recorded ones (by identity, a few microseconds): if one was replaced (patched) since compiling,
    every backend runs that call plainly, by the engine with the op's current functions, as a rebuilt
    graph would (at the engine's speed: compile again to replay the patched op fast).

    Limits of any replay: Python branches on data taken while recording (``if v.data > 0``,
    builtin ``max(a, b)``, ``sorted``, comparisons of Values) are replayed as recorded, and cannot be
    detected from the graph (``nn.train`` watches for number-protocol reads while it records, see
    :mod:`chainrule.engine.reads`; a direct ``.data`` read is invisible to it); ops of the table such
    as ``maximum``, ``relu``, ``abs`` and ``select`` choose again on each call. Python numbers in the
    formula are baked in as constants (make them leaves to change them); a graph of another shape
    (another batch size, another label count) needs a new compile.

    >>> from chainrule import Value
    >>> from chainrule.compile import compile
    >>> w, x = Value(2.0, label="w"), Value(3.0, label="x")
    >>> step = compile((w * x).tanh(), wrt=[w])
    >>> x.data = 0.5
    >>> round(step(), 6), round(w.grad, 6)
    (0.761594, 0.209987)
    """

    def __init__(self, tape: Tape, backend: str, runner: Callable[[], float], state_in_values: bool) -> None:
        self.tape = tape
        self.backend = backend
        self._runner = runner
        self._kept = tape.kept_leaves() if state_in_values else []  # a run over the Values adds into them
        self._kept_grads: tuple[list[Value], list[float]] = ([], [])  # their last run's gradients, for sync()
        self._values_current = state_in_values  # after a call, do the Values hold its state?
        self._state_in_values = state_in_values
        self._last_leaf_data: list[float] | None = None
        self._read: Callable[[Value], float] | None = None
        self._members: dict[Value, int | None] | None = None  # node -> its index among the leaves

    @property
    def fingerprint(self) -> str:
        """The recorded graph's structure digest (see :func:`chainrule.compile.fingerprint`)."""
        return self.tape.fingerprint

    def __call__(self) -> float:
        self.tape.check_constants()
        leaves = self.tape.leaves
        self._last_leaf_data = list(map(_data, leaves))
        if anomaly_hook() is None and not self.tape.functions_changed():
            try:
                result = self._replay()
            except Exception:  # noqa: BLE001 - any failure is re-run plainly, which raises the engine's error
                pass
            else:
                self._values_current = self._state_in_values
                return result
        return self._plain_run()

    def _replay(self) -> float:
        """The backend's run; the kept leaves (Constants, leaves outside ``wrt``) get their gradients back."""
        kept = self._kept
        if not kept:
            return self._runner()
        held = list(map(_grad, kept))
        try:
            return self._runner()
        finally:
            self._kept_grads = (kept, _give_grads(kept, held))

    def _plain_run(self, keep: bool = True) -> float:
        """The engine's own re-evaluation and backward over the recorded Values (errors are its own);
        ``keep``: give the leaves outside ``wrt`` and the Constants their gradients back, as a call does."""
        self.tape.check()
        nodes = self.tape.nodes
        kept = self.tape.kept_leaves() if keep else []
        held = list(map(_grad, kept))
        for node in nodes:
            if node.is_leaf:
                node.grad = NOT_COMPUTED
        try:
            recompute(nodes)
            backpropagate(nodes, on_step=anomaly_hook())
        finally:
            self._kept_grads = (kept, _give_grads(kept, held))
        self._values_current = True
        return self.tape.root.data

    def value_of(self, node: Value) -> float:
        """A node's data in the last run (the output, a ``watch`` node, a leaf or a Constant): a leaf
        gives the data that run used, even if its ``data`` was changed since.

        >>> from chainrule import Value
        >>> from chainrule.compile import compile
        >>> x = Value(1.0); h = x * 2; step = compile(h + 1, backend="python", watch=[h])
        >>> x.data = 5.0; step(); step.value_of(h)
        11.0
        10.0
        >>> x.data = 7.0; step.value_of(x)
        5.0
        """
        index = self._leaf_index(node)
        if self._last_leaf_data is None:
            raise RuntimeError("value_of before the first call: call the compiled graph first")
        if type(node) is Constant:  # every call checks that it still holds its recorded data
            return node.data
        if self._values_current:
            return node.data if index is None else self._last_leaf_data[index]
        if self._read is None:
            raise RuntimeError("value_of: the last call kept no values; call sync() and read the data")
        return self._read(node)

    def _leaf_index(self, node: Value) -> int | None:
        """The node's position among the recorded leaves (None: not a leaf); a ValueError if the node
        is not in the recorded graph."""
        if self._members is None:  # built on the first read only: value_of is for inspection
            leaf_index = {leaf: i for i, leaf in enumerate(self.tape.leaves)}
            self._members = {node: leaf_index.get(node) for node in self.tape.nodes}
        if node not in self._members:
            raise ValueError(f"value_of: {node!r:.60} is not in the graph recorded by compile "
                             f"({len(self.tape.nodes)} nodes)")
        return self._members[node]

    def sync(self) -> None:
        """Write the last run's ``data`` and ``grad`` into every recorded Value, so pictures, the
        stepper, gradcheck and audit show the replayed state (also the ``grad`` of the leaves outside
        ``wrt`` and of the Constants, which a call leaves alone). Leaves keep their current ``data``.

        >>> from chainrule import Value
        >>> from chainrule.compile import compile
        >>> x = Value(1.0); h = x * x; y = h + 1; step = compile(y, backend="python")
        >>> x.data = 3.0; step(); h.data
        10.0
        1.0
        >>> step.sync(); h.data, h.grad
        (9.0, 1.0)
        """
        if self._last_leaf_data is None:
            return
        if self._values_current:  # but for the gradients a call gave back to the leaves outside wrt
            _give_grads(*self._kept_grads)
            return
        leaves = self.tape.leaves
        live = list(map(_data, leaves))
        for leaf, x in zip(leaves, self._last_leaf_data):
            leaf.data = x
        try:
            self._plain_run(keep=False)
        finally:
            for leaf, x in zip(leaves, live):
                leaf.data = x

    def check(self) -> None:
        """Raise :class:`~chainrule.compile.GraphChangedError` if the recorded graph's structure (an op,
        a parent or a constant of a recorded node) changed: the full fingerprint, which a call
        does only for the constants."""
        self.tape.check()

    def __repr__(self) -> str:
        return (f"<compiled {self.backend} replay of {len(self.tape.nodes)} nodes, "
                f"{len(self.tape.wrt)} wrt leaves>")


def compile(output: Value, backend: str = "python", *, wrt: Iterable[Value] | None = None,
            watch: Iterable[Value] = (), batch: Iterable[Value] = ()) -> Compiled:
    """Record the graph under ``output`` once; the result re-runs forward and backward on new leaf data.

    ``backend``: "objects" (re-run over the Values, lowest setup), "python" (generated straight-line
    code, fastest pure Python) or "numpy" (vectorised, optional dependency). ``wrt``: the leaves whose
    gradients each call sets (default every leaf that is not a Constant). ``watch``: nodes whose
    data :meth:`Compiled.value_of` reads after a call. ``batch`` ("numpy" only): the leaves of one
    sample; calls then take an array per batch leaf (see :mod:`chainrule.compile.vectorised`).

    >>> from chainrule import Value
    >>> from chainrule.compile import compile
    >>> a, b = Value(1.0), Value(2.0)
    >>> step = compile(a * b + a, backend="objects")
    >>> a.data = 4.0
    >>> step(), a.grad, b.grad
    (12.0, 3.0, 4.0)
    """
    if backend not in BACKENDS:
        choices = ", ".join(map(repr, BACKENDS))
        raise ValueError(f"compile: unknown backend {backend!r}; choose one of {choices}")
    tape = Tape(output, wrt, watch)
    batch = list(batch)
    if backend == "numpy":
        from chainrule.compile.vectorised import numpy_compiled  # NumPy is imported only here

        return numpy_compiled(tape, batch)
    if batch:
        raise ValueError("compile: batch= needs backend='numpy'")
    if backend == "python" and len(tape.nodes) > MAX_PYTHON_NODES:
        warnings.warn(f"compile: {len(tape.nodes):,} nodes is more than the python backend's "
                      f"{MAX_PYTHON_NODES:,}; replaying with the objects backend",
                      RuntimeWarning, stacklevel=2)
        backend = "objects"
    if backend == "objects":
        return Compiled(tape, "objects", objects_runner(tape.nodes), state_in_values=True)
    return _python_compiled(tape)


def _give_grads(leaves: list[Value], grads: list[float]) -> list[float]:
    """Set the ``grad`` of each of ``leaves`` to ``grads``; return the gradients they had.

    >>> from chainrule import Value
    >>> a, b = Value(1.0), Value(2.0); a.grad, b.grad = 3.0, 4.0
    >>> _give_grads([a, b], [0.5, 0.25]), a.grad, b.grad
    ([3.0, 4.0], 0.5, 0.25)
    """
    had = list(map(_grad, leaves))
    for leaf, grad in zip(leaves, grads):
        leaf.grad = grad
    return had


def _python_compiled(tape: Tape) -> Compiled:
    program = generate(tape)
    chunks = program.build()
    d = [0.0] * program.slots
    count = len(tape.leaves)
    wrt, root = tape.wrt, tape.root
    position = {node: i for i, node in enumerate(tape.nodes)}
    grad_slots = [program.outputs[f"g{position[leaf]}"] for leaf in wrt]
    root_slot = program.outputs.get(f"v{len(tape.nodes) - 1}")

    def run() -> float:
        d[:count] = compiled._last_leaf_data  # the call has just read the leaves' data
        for chunk in chunks:
            chunk(d)
        for leaf, slot in zip(wrt, grad_slots):
            leaf.grad = d[slot]
        return root.data if root_slot is None else d[root_slot]

    compiled = Compiled(tape, "python", run, state_in_values=False)
    compiled._read = lambda node: _read_slot(program, d, position, node, compiled._leaf_index(node))
    return compiled


def _read_slot(program: Any, d: list[float], position: dict[Value, int], node: Value,
               leaf_index: int | None) -> float:
    if leaf_index is not None:  # the leaves' data fill the first slots, in the order of tape.leaves
        return d[leaf_index]
    slot = program.outputs.get(f"v{position.get(node, -1)}")
    if slot is None:
        raise ValueError(f"value_of: {node!r:.60} was not watched; pass it in compile(..., watch=[...])"
                         " or call sync() and read its data")
    return d[slot]
