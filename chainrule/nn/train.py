"""The training loop (epochs of shuffled mini-batches, a tqdm progress bar) and no-grad evaluation."""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from tqdm.auto import tqdm

from chainrule.engine import Value, no_grad
from chainrule.nn._rng import Seed, as_rng
from chainrule.nn.optim import Optimizer
from chainrule.nn.replay import REPLAY_COSTS, ReplayedSteps, replay_backend

LossFunction = Callable[[list[Any], list[Any]], Value]


@dataclass
class History:
    """What :func:`train` saw: per-epoch mean loss and accuracy, every step's loss, and the
    ``chainrule.compile`` backend that replayed the step (None: every step was rebuilt).

    >>> History(loss=[0.9, 0.4], accuracy=[0.5, 0.75], step_loss=[1.0, 0.8, 0.5, 0.3]).loss[-1]
    0.4
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    step_loss: list[float] = field(default_factory=list)
    replayed_by: str | None = field(default=None, compare=False)  # how, not what: == compares the numbers


class Evaluation(NamedTuple):
    """The result of :func:`evaluate`: accuracy, and the loss if a loss function was given.

    >>> accuracy, loss = Evaluation(1.0, None)
    >>> accuracy
    1.0
    """

    accuracy: float
    loss: float | None


def train(model: Callable[[Any], Any], inputs: Sequence[Any], labels: Sequence[Any], loss_fn: LossFunction,
          optimizer: Optimizer, *, epochs: int = 1, batch_size: int | None = None, seed: Seed = 0,
          lr_schedule: Callable[[int], float] | None = None, progress: bool = True,
          desc: str = "training", compile: bool | str = True) -> History:
    """Train ``model`` with ``loss_fn(outputs, labels)`` and ``optimizer``; return the :class:`History`.

    Each epoch visits the samples in a new order from ``seed`` in batches of ``batch_size`` (all of
    them, in order, when None). ``lr_schedule(step)`` sets the learning rate before each step; a
    value that is not a finite number >= 0 raises ValueError before it is used.
    Accuracy is measured on each batch's outputs before its update (see :func:`accuracy`). The
    progress bar shows those running figures, and ends on the trained model's loss and accuracy on
    all ``inputs`` (as :func:`evaluate` gives them).

    With ``compile`` (the default), once two steps have built graphs of the same shape (full batch,
    or equal mini-batches of numbers), the step is recorded and replayed with ``chainrule.compile``:
    the same numbers bit for bit, several times faster; the model and ``loss_fn`` are then called only
    for the two rebuilt steps (and a last batch of another size). Probing and recording cost time,
    so this is done only when the run repays them. With ``n`` steps of the full batch size after
    the first two, a backend costs its probing and recording plus ``n`` replayed steps, all counted
    in rebuilt steps of the same graph: ``"objects"`` 5.5 + 0.2 n, ``"python"`` 46 + 0.07 n
    (:data:`~chainrule.nn.replay.REPLAY_COSTS`, measured per node). The cheapest of these and ``n``
    rebuilt steps wins: every step is rebuilt (not even probed) for n <= 6, "objects" records up to
    n = 311, "python" beyond (the default demo's 100 steps replay with "objects").
    ``compile="objects"`` or ``"python"`` records with that backend whatever the length of the run;
    ``compile=False`` rebuilds every step. Every choice gives the same numbers bit for bit.
    A replay repeats the Python branches taken while the step was recorded. So if building a rebuilt
    step's graph reads a Value's number through the number protocol (``float(v)``, ``int``,
    ``round``, ``v.item()``, a format spec, or ``<``/``>`` as in builtin ``max(a, b)`` and
    ``sorted``), nothing is compiled: every step is rebuilt, with one RuntimeWarning. The limit: a
    branch on the ``.data`` attribute itself (``if v.data > 0``) cannot be seen; write it with the
    table's ops (``chainrule.maximum``, ``relu``, ``abs``) or pass ``compile=False``. The library's
    losses have no such branch.

    >>> from chainrule.nn import MLP, SGD, hinge_loss, make_moons, train
    >>> points, labels = make_moons(20, seed=0)
    >>> signs = [2 * y - 1 for y in labels]
    >>> model = MLP(2, [8, 1], seed=0)
    >>> history = train(model, points, signs, hinge_loss, SGD(model.parameters(), lr=0.1),
    ...                 epochs=20, batch_size=5, progress=False)
    >>> len(history.loss), len(history.step_loss), history.loss[-1] < history.loss[0], history.replayed_by
    (20, 80, True, 'objects')
    """
    if len(inputs) != len(labels) or not inputs:
        raise ValueError("train needs as many labels as inputs (at least one), "
                         f"got {len(inputs)} and {len(labels)}")
    if isinstance(epochs, bool) or not isinstance(epochs, numbers.Integral) or epochs < 0:
        raise ValueError(f"epochs must be an int >= 0, got {epochs!r}")
    if lr_schedule is not None and not callable(lr_schedule):
        raise TypeError("lr_schedule must be a function of the step number,"
                        f" got {type(lr_schedule).__name__}")
    batches = _batch_starts(len(inputs), batch_size)
    rng, order = as_rng(seed), list(range(len(inputs)))
    history = History()
    steps = _replayed_steps(model, inputs, labels, loss_fn, optimizer, batch_size, epochs, compile)
    with tqdm(total=epochs * len(batches), desc=desc, unit="step", disable=not progress) as bar:
        for _ in range(epochs):
            if len(batches) > 1:
                rng.shuffle(order)
            loss_sum = hits = seen = 0.0
            for start in batches:
                if lr_schedule is not None:
                    optimizer.lr = _scheduled_lr(lr_schedule, len(history.step_loss))
                chosen = order[start:start + (batch_size or len(order))]
                if steps is None:
                    loss, hit_rate = _step(model, inputs, labels, chosen, loss_fn, optimizer)
                else:
                    loss, hit_rate = steps.step(chosen)
                history.step_loss.append(loss)
                loss_sum += loss * len(chosen)
                hits += hit_rate * len(chosen)
                seen += len(chosen)
                bar.set_postfix(loss=f"{loss_sum / seen:.4f}", acc=f"{hits / seen:.1%}", refresh=False)
                bar.update()
            history.loss.append(loss_sum / seen)
            history.accuracy.append(hits / seen)
        history.replayed_by = steps.compiled.backend if steps and steps.compiled else None
        if progress and epochs:  # end on the trained model (the running figures are one update behind)
            final = evaluate(model, inputs, labels, loss_fn)
            bar.set_postfix(loss=f"{final.loss:.4f}", acc=f"{final.accuracy:.1%}", refresh=False)
    return history


def _replayed_steps(model: Callable[[Any], Any], inputs: Sequence[Any], labels: Sequence[Any],
                    loss_fn: LossFunction, optimizer: Optimizer, batch_size: int | None, epochs: int,
                    compile: bool | str) -> ReplayedSteps | None:
    """What steps ``train`` takes for ``compile``: None (rebuild each) or a :class:`ReplayedSteps`."""
    if not isinstance(compile, bool) and compile not in tuple(REPLAY_COSTS):
        choices = ", ".join(map(repr, REPLAY_COSTS))
        raise ValueError(f"compile must be True, False or a backend ({choices}), got {compile!r:.60}")
    size = len(inputs) if batch_size is None else min(batch_size, len(inputs))
    planned = epochs * sum(len(inputs) - start >= size for start in _batch_starts(len(inputs), batch_size))
    backend = replay_backend(planned - 2) if compile is True else compile or None
    if backend is None:
        return None
    return ReplayedSteps(model, inputs, labels, loss_fn, optimizer, batch_size, backend=backend)


def _step(model: Callable[[Any], Any], inputs: Sequence[Any], labels: Sequence[Any], chosen: list[int],
          loss_fn: LossFunction, optimizer: Optimizer) -> tuple[float, float]:
    """One update on the samples ``chosen``; returns its loss and accuracy (before the update).

    The step's graph dies when this returns, before the next one is built: half the live nodes
    for the cyclic garbage collector to scan.
    """
    batch_labels = [labels[i] for i in chosen]
    outputs = [model(inputs[i]) for i in chosen]
    loss = loss_fn(outputs, batch_labels)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
    return loss.data, accuracy(outputs, batch_labels)


def predict(model: Callable[[Any], Any], inputs: Sequence[Any]) -> list[Any]:
    """The model's outputs for ``inputs``, built under ``no_grad`` (no graph is kept).

    >>> from chainrule.nn import Neuron, predict
    >>> [y.data for y in predict(Neuron(1, "linear"), [[0.0], [1.0]])]
    [0.0, 0.6888437030500962]
    """
    with no_grad():
        return [model(x) for x in inputs]


def evaluate(model: Callable[[Any], Any], inputs: Sequence[Any], labels: Sequence[Any],
             loss_fn: LossFunction | None = None) -> Evaluation:
    """Accuracy (and loss, given ``loss_fn``) of ``model`` on a data set, under ``no_grad``.

    >>> from chainrule.nn import Neuron, evaluate, hinge_loss
    >>> result = evaluate(Neuron(1, "linear", seed=0), [[1.0], [-1.0]], [1, -1], hinge_loss)
    >>> result.accuracy, round(result.loss, 6)
    (1.0, 0.311156)
    """
    outputs = predict(model, inputs)
    with no_grad():
        loss = None if loss_fn is None else loss_fn(outputs, list(labels)).data
    return Evaluation(accuracy(outputs, labels), loss)


def accuracy(outputs: Sequence[Any], labels: Sequence[Any]) -> float:
    """The fraction of outputs that predict their label.

    One score per sample predicts the positive class when > 0 (labels 1 vs 0, or +1 vs -1), also
    when it comes in a one-element list; a longer list of class scores predicts the index of its
    largest score.

    >>> from chainrule.nn import accuracy
    >>> accuracy([2.0, -1.0, 0.5], [1, -1, 0]), accuracy([[0.1, 0.9], [0.3, 0.2]], [1, 1])
    (0.6666666666666666, 0.5)
    """
    if len(outputs) != len(labels) or not outputs:
        raise ValueError("accuracy needs as many labels as outputs (at least one), "
                         f"got {len(outputs)} and {len(labels)}")
    return sum(map(_is_correct, outputs, labels)) / len(outputs)


def _is_correct(output: Any, label: Any) -> bool:
    output = one_score(output)
    if isinstance(output, (Value, numbers.Real)):
        return (float(output) > 0) == (label > 0)
    return argmax(output) == label


def one_score(output: Any) -> Any:
    """A one-element list of scores is the one score it holds; any other output is returned as is.

    >>> from chainrule.nn.train import one_score
    >>> one_score([0.5]), one_score(0.5), one_score([0.5, 0.1])
    (0.5, 0.5, [0.5, 0.1])
    """
    if not isinstance(output, (Value, numbers.Real)) and hasattr(output, "__len__") and len(output) == 1:
        return output[0]
    return output


def argmax(scores: Sequence[Value | float]) -> int:
    """The index of the largest score (the first one on a tie): a classifier's predicted class.

    >>> from chainrule import Value
    >>> from chainrule.nn import argmax
    >>> argmax([Value(0.1), Value(2.0), Value(-1.0)])
    1
    """
    values = [float(score) for score in scores]
    return values.index(max(values))


def _scheduled_lr(lr_schedule: Callable[[int], float], step: int) -> float:
    lr = lr_schedule(step)
    if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr) or lr < 0:
        raise ValueError(f"lr_schedule({step}) gave {lr!r:.60}; a learning rate must be a finite number >= 0")
    return float(lr)


def _batch_starts(count: int, batch_size: int | None) -> list[int]:
    if batch_size is None:
        return [0]
    if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int or None, got {batch_size!r}")
    return list(range(0, count, batch_size))
