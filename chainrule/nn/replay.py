"""Training steps that replay one recorded graph (``chainrule.compile``) once the graph is known fixed.

:func:`~chainrule.nn.train` rebuilds its first two steps; if both graphs have the same structure,
the same parameters in the same places and the same baked-in data, the second is compiled and
replayed from then on, bit for bit what rebuilding gives (``train`` does this only when the run is
long enough to repay the probing and the recording: :func:`replay_backend`). If building a probe
step's graph read a Value's number through the number protocol (``float(v)``, ``v.item()``,
``round``, a format spec, or ``<``/``>`` as in builtin ``max(a, b)``: see
:mod:`chainrule.engine.reads`), a Python branch may hang on it, so nothing is compiled and every
step is rebuilt (with one RuntimeWarning). A branch on the ``.data`` attribute itself cannot be
seen: use the table's ops (``maximum``, ``relu``, ``abs``) instead. With mini-batches, each
sample's numbers and each label enter as leaves that the replay refills (only when the model and
loss accept them; otherwise, and for a last batch of another size, steps are rebuilt as before).
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from chainrule.compile import Compiled, fingerprint
from chainrule.compile import compile as compile_graph
from chainrule.compile.compiled import MAX_PYTHON_NODES
from chainrule.engine import Constant, Value, topological_order
from chainrule.engine.reads import watch_data_reads
from chainrule.nn.optim import Optimizer

LossFunction = Callable[[list[Any], list[Any]], Value]

# Each backend's cost in rebuilt steps of the same graph (a rebuild is build + backward + update):
# (the two probes' signatures and the recording, one replayed step). Measured per node on MLP steps
# of 1,000 to 76,000 nodes (moons, hinge + L2; /work/notes/nnfast.md): the signatures take ~1.2
# rebuilt steps each; "objects" records in 2.1-3.3 and replays in 0.12-0.18 of one; "python" compiles
# in 24-43 and replays in 0.04-0.06. Rounded up, so that a close call rebuilds.
REPLAY_COSTS = {"objects": (5.5, 0.2), "python": (46.0, 0.07)}


class ReplayedSteps:
    """One training step at a time: rebuilt, or replayed once two rebuilt steps show a fixed graph.

    >>> from chainrule.nn import MLP, SGD, hinge_loss
    >>> model = MLP(2, [4, 1], seed=0)
    >>> steps = ReplayedSteps(model, [[0.0, 1.0], [1.0, 0.0]], [1, -1], hinge_loss,
    ...                       SGD(model.parameters(), lr=0.1), batch_size=None, backend="objects")
    >>> [steps.step([0, 1])[0] > 0 for _ in range(3)], steps.compiled.backend
    ([True, True, True], 'objects')

    ``backend`` ("objects" or "python") records the step once it is known fixed; ``train`` picks it
    with :func:`replay_backend`.
    """

    def __init__(self, model: Callable[[Any], Any], inputs: Sequence[Any], labels: Sequence[Any],
                 loss_fn: LossFunction, optimizer: Optimizer, batch_size: int | None, *,
                 backend: str = "python") -> None:
        self.model, self.inputs, self.labels, self.backend = model, inputs, labels, backend
        self.loss_fn, self.optimizer = loss_fn, optimizer
        self.size = len(inputs) if batch_size is None else min(batch_size, len(inputs))
        self.whole = self.size == len(inputs)  # full batch: the data is the same every step
        self.sample_leaves = None if self.whole else _leaves_for(inputs, self.size)
        self.label_leaves = None if self.whole else _label_leaves(labels, self.size)
        if self.label_leaves is None:
            self.sample_leaves = None
        self.compiled: Compiled | None = None
        self.outputs: list[Any] = []
        self.replayed_outputs: list[Any] = []
        self._signature: Any = None
        self._probes = 0
        self.data_read: str | None = None  # the first read of a Value's number seen while probing

    def step(self, chosen: list[int]) -> tuple[float, float]:
        """One update on the samples ``chosen``; its loss and accuracy (before the update)."""
        if self.compiled is not None and len(chosen) == self.size:
            return self._replay(chosen)
        if self._probes >= 2 or len(chosen) != self.size or (not self.whole and self.sample_leaves is None):
            return self._rebuilt(chosen, self.inputs, self.labels)
        return self._probe(chosen)

    def _rebuilt(self, chosen: list[int], inputs: Any, labels: Any) -> tuple[float, float]:
        return self._rebuilt_from(chosen, [inputs[i] for i in chosen], [labels[i] for i in chosen])

    def _rebuilt_on_leaves(self, chosen: list[int]) -> tuple[float, float]:
        return self._rebuilt_from(chosen, self.sample_leaves, list(self.label_leaves))

    def _rebuilt_from(self, chosen: list[int], samples: Any, batch_labels: list[Any]) -> tuple[float, float]:
        """One step that builds the graph of ``samples`` (numbers or the refilled leaves) and steps."""
        from chainrule.nn.train import accuracy

        with watch_data_reads() as reads:  # only the graph's building: accuracy below reads numbers
            outputs = [self.model(sample) for sample in samples]
            loss = self.loss_fn(outputs, batch_labels)
        self._reads = reads
        self.optimizer.zero_grad()
        loss.backward()
        self.optimizer.step()
        self.outputs, self._last_loss = outputs, loss
        return loss.data, accuracy(outputs, [self.labels[i] for i in chosen])

    def _probe(self, chosen: list[int]) -> tuple[float, float]:
        """A rebuilt step (on leaves for the data, with mini-batches) that records its graph's signature."""
        self._probes += 1
        if self.whole:
            result = self._rebuilt(chosen, self.inputs, self.labels)
        else:
            try:
                self._fill(chosen)
                result = self._rebuilt_on_leaves(chosen)
            except (TypeError, ValueError):
                self.sample_leaves = None  # the model or loss refuses Values for data: rebuild from now on
                return self._rebuilt(chosen, self.inputs, self.labels)
        if self._reads.count:
            self._give_up(self._reads.first)
            return result
        loss = self._last_loss
        signature = self._graph_signature(loss)
        if signature == self._signature:
            order = topological_order(loss)
            params = set(self.optimizer.parameters)
            wrt = [leaf for leaf in order if leaf in params]
            # above MAX_PYTHON_NODES compile would fall back to "objects" anyway: do so without its warning
            backend = "objects" if len(order) > MAX_PYTHON_NODES else self.backend
            self.compiled = compile_graph(loss, backend, wrt=wrt, watch=_values(self.outputs))
            self.replayed_outputs = self.outputs  # the recorded outputs, read after each replay
        self._signature = signature
        return result

    def _give_up(self, read: str | None) -> None:
        """A probe's graph was built after reading a Value's number: rebuild every step from now on."""
        self._probes, self.data_read = 2, read
        warnings.warn(f"train: not compiling: building the step's graph read a Value's number ({read}), "
                      "which may steer a Python branch that a replay would repeat as recorded; every "
                      "step is rebuilt (the numbers are right, only slower). Use chainrule.maximum, relu "
                      "or abs instead of builtin max/min or comparisons, or pass compile=False.",
                      RuntimeWarning, stacklevel=5)

    def _replay(self, chosen: list[int]) -> tuple[float, float]:
        from chainrule.nn.train import accuracy

        if not self.whole:
            self._fill(chosen)
        self.optimizer.zero_grad()
        loss = self.compiled()
        outputs = _read(self.replayed_outputs, self.compiled)
        self.optimizer.step()
        return loss, accuracy(outputs, [self.labels[i] for i in chosen])

    def _fill(self, chosen: list[int]) -> None:
        for leaves, label_leaf, i in zip(self.sample_leaves, self.label_leaves, chosen):
            sample = self.inputs[i]
            for leaf, x in zip(leaves, [sample] if isinstance(sample, numbers.Real) else sample):
                leaf.data = float(x)
            label_leaf.data = float(self.labels[i])

    def _graph_signature(self, loss: Value) -> Any:
        """What must not change between steps for a replay to be a rebuild: the structure, where each
        parameter enters, and the data of every other leaf that is not refilled."""
        order = topological_order(loss)
        params = set(self.optimizer.parameters)
        refilled = set() if self.whole else {leaf for leaves in self.sample_leaves for leaf in leaves}
        refilled |= set(self.label_leaves or ())
        placed = [(i, id(n)) for i, n in enumerate(order) if n in params]
        data = [(i, n.data) for i, n in enumerate(order)
                if n.is_leaf and n not in params and n not in refilled and type(n) is not Constant]
        return fingerprint(order), placed, data


def replay_backend(left: int) -> str | None:
    """The backend that makes the ``left`` steps after the two probes cheapest, or None if
    rebuilding them is (by :data:`REPLAY_COSTS`: each backend costs its probing and recording plus
    ``left`` replayed steps, counted in rebuilt steps of the graph).

    >>> [replay_backend(n) for n in (0, 6, 7, 311, 312)]
    [None, None, 'objects', 'objects', 'python']
    """
    costs = {backend: record + left * step for backend, (record, step) in REPLAY_COSTS.items()}
    best = min(costs, key=costs.__getitem__)
    return best if costs[best] < left else None


def _leaves_for(inputs: Sequence[Any], size: int) -> list[list[Value]] | None:
    """Leaves for one batch of samples (each a number or a list of numbers), None for other inputs."""
    first = inputs[0]
    if isinstance(first, numbers.Real) and not isinstance(first, bool):
        return [[Value(0.0, label="x.0")] for _ in range(size)]
    if not isinstance(first, (list, tuple)) or not all(isinstance(x, numbers.Real) for x in first):
        return None
    if any(not isinstance(s, (list, tuple)) or len(s) != len(first) for s in inputs):
        return None
    return [[Value(0.0, label=f"x.{i}") for i in range(len(first))] for _ in range(size)]


def _label_leaves(labels: Sequence[Any], size: int) -> list[Value] | None:
    if not all(isinstance(y, numbers.Real) and not isinstance(y, bool) for y in labels):
        return None
    return [Value(0.0) for _ in range(size)]


def _values(outputs: Any) -> list[Value]:
    """The Values in a batch's outputs (each a Value, a number or a list of them)."""
    found: list[Value] = []
    for output in outputs:
        items = output if isinstance(output, (list, tuple)) else [output]
        found += [item for item in items if isinstance(item, Value)]
    return found


def _read(outputs: Any, compiled: Compiled) -> list[Any]:
    """The outputs' numbers after a replay, in the outputs' shape."""
    def number(item: Any) -> Any:
        return compiled.value_of(item) if isinstance(item, Value) else item
    return [[number(i) for i in o] if isinstance(o, (list, tuple)) else number(o) for o in outputs]
