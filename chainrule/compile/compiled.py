"""``compile(output)``: the callable replay of a recorded graph, its ``sync()``, and its fallback."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from operator import attrgetter
from typing import Any

from chainrule.compile.codegen import generate
from chainrule.compile.objects import objects_runner
from chainrule.compile.tape import Tape
from chainrule.engine import NOT_COMPUTED, Value, backpropagate, recompute
from chainrule.engine.anomaly import anomaly_hook

BACKENDS = ("objects", "python", "numpy")
MAX_PYTHON_NODES = 250_000  # above this the "python" backend replays with "objects" (compile time, memory)

_data = attrgetter("data")


class Compiled:
    """A recorded graph that re-runs forward and backward on its leaves' current ``data``.

    Calling it returns the output's new value and *sets* (overwrites, never accumulates) the
    ``grad`` of each ``wrt`` leaf to this run's gradient, bit for bit what ``zero_grad()`` and a
    rebuilt graph's ``backward()`` give ("numpy": to rounding, each reordered sum of n terms within
    n·eps·Σ|terms|, see :mod:`chainrule.compile.vectorised`). The "objects" backend updates
    every node's ``data`` and ``grad`` as it goes; the others keep them to themselves until
    :meth:`sync`. Under ``detect_anomaly()``, or when a value leaves an op's domain, the call is a
    plain run of the engine over the recorded Values, so errors and NaNs are exactly the engine's.

    What a call guarantees about the graph: it compares every recorded Constant's ``data`` with the
    recording (microseconds) and raises :class:`~chainrule.compile.GraphChangedError` if one
    changed, so every backend refuses a changed baked-in number alike. The ops and parents of the
    recorded nodes are not re-read on a call (that would cost more than the replay): every backend
    replays the recorded ones, and :meth:`check` (the full structure fingerprint; ~25 ms for the
    38,000-node moons step) tells whether they were replaced since.

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
        self._values_current = state_in_values  # after a call, do the Values hold its state?
        self._state_in_values = state_in_values
        self._last_leaf_data: list[float] | None = None
        self._read: Callable[[Value], float] | None = None

    @property
    def fingerprint(self) -> str:
        """The recorded graph's structure digest (see :func:`chainrule.compile.fingerprint`)."""
        return self.tape.fingerprint

    def __call__(self) -> float:
        self.tape.check_constants()
        leaves = self.tape.leaves
        self._last_leaf_data = list(map(_data, leaves))
        if anomaly_hook() is None:
            try:
                result = self._runner()
            except Exception:  # noqa: BLE001 - any failure is re-run plainly, which raises the engine's error
                pass
            else:
                self._values_current = self._state_in_values
                return result
        return self._plain_run()

    def _plain_run(self) -> float:
        """The engine's own re-evaluation and backward over the recorded Values (errors are its own)."""
        self.tape.check()
        nodes = self.tape.nodes
        for node in nodes:
            if node.is_leaf:
                node.grad = NOT_COMPUTED
        recompute(nodes)
        backpropagate(nodes, on_step=anomaly_hook())
        self._values_current = True
        return self.tape.root.data

    def value_of(self, node: Value) -> float:
        """A node's data in the last run (the output, a ``watch`` node or a leaf).

        >>> from chainrule import Value
        >>> from chainrule.compile import compile
        >>> x = Value(1.0); h = x * 2; step = compile(h + 1, backend="python", watch=[h])
        >>> x.data = 5.0; step(); step.value_of(h)
        11.0
        10.0
        """
        if self._values_current or node.is_leaf:
            return node.data
        if self._read is None:
            raise RuntimeError("value_of before the first call: call the compiled graph first")
        return self._read(node)

    def sync(self) -> None:
        """Write the last run's ``data`` and ``grad`` into every recorded Value, so pictures, the
        stepper, gradcheck and audit show the replayed state. Leaves keep their current ``data``.

        >>> from chainrule import Value
        >>> from chainrule.compile import compile
        >>> x = Value(1.0); h = x * x; y = h + 1; step = compile(y, backend="python")
        >>> x.data = 3.0; step(); h.data
        10.0
        1.0
        >>> step.sync(); h.data, h.grad
        (9.0, 1.0)
        """
        if self._values_current or self._last_leaf_data is None:
            return
        leaves = self.tape.leaves
        live = list(map(_data, leaves))
        for leaf, x in zip(leaves, self._last_leaf_data):
            leaf.data = x
        try:
            self._plain_run()
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
    compiled._read = lambda node: _read_slot(program, d, position, node)
    return compiled


def _read_slot(program: Any, d: list[float], position: dict[Value, int], node: Value) -> float:
    slot = program.outputs.get(f"v{position.get(node, -1)}")
    if slot is None:
        raise ValueError(f"value_of: {node!r:.60} was not watched; pass it in compile(..., watch=[...])"
                         " or call sync() and read its data")
    return d[slot]
