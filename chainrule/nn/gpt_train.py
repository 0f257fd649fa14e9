"""Training the GPT on documents, microgpt's way: one document per step, Adam, a linearly decaying lr.

Three ways to run a step, same result up to float rounding:

- ``"rebuild"``: build the graph of ``model.loss(tokens)`` anew each step (microgpt's way);
- ``"replay"``: build a fixed-length :class:`LossGraph` once, then each step load the document's
  ids into its index leaves (a 0 in the mask leaves of the positions past its end), re-run forward
  over the recorded order and backward. Causal attention keeps padded positions out of the earlier
  ones, and a mask of 0 removes them from the loss exactly;
- ``"compile"``: the same graphs, replayed by ``chainrule.compile`` (generated code, no nodes built).

Replays keep two graphs: half the context (most names fit) and the longest document's length, so
a short name does not pay for sixteen positions.
"""

from __future__ import annotations

import numbers
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tqdm.auto import tqdm

from chainrule.compile import compile as compile_graph
from chainrule.engine import Value, backpropagate, recompute, topological_order
from chainrule.nn._rng import Seed, as_rng
from chainrule.nn.gpt import GPT
from chainrule.nn.optim import Adam
from chainrule.nn.text import CharTokenizer

MODES = ("rebuild", "replay", "compile")
LR, BETAS, EPS = 0.01, (0.85, 0.99), 1e-8  # microgpt's Adam
DEFAULT_STEPS = 300  # microgpt runs 1,000; by 300 the loss is well below 2.6 nats (--steps 1000 for its run)


class LossGraph:
    """The graph of ``model``'s loss over ``positions`` positions, built once, replayed per document.

    Leaves: ``token.i`` and ``target.i`` (index leaves), ``mask.i`` (1 inside the document, 0 past
    its end) and ``1/n``. :meth:`load` writes a document into them; :meth:`forward` and
    :meth:`backward` re-run the recorded graph.

    >>> from chainrule.nn import GPT
    >>> from chainrule.nn.gpt_train import LossGraph
    >>> model = GPT(5, n_embd=4, n_head=2, block_size=6, seed=0)
    >>> graph = LossGraph(model)
    >>> graph.load([4, 0, 1, 4])
    3
    >>> abs(graph.forward() - model.loss([4, 0, 1, 4]).data) < 1e-12
    True
    """

    def __init__(self, model: GPT, positions: int | None = None) -> None:
        positions = model.block_size if positions is None else positions
        if isinstance(positions, bool) or not isinstance(positions, numbers.Integral) \
                or not 1 <= positions <= model.block_size:
            raise ValueError(f"positions must be an int in 1..{model.block_size} (block_size),"
                             f" got {positions!r}")
        bos = float(model.bos)
        self.model, self.positions = model, positions
        self.inputs = [Value(bos, label=f"token.{i}") for i in range(positions)]
        self.targets = [Value(bos, label=f"target.{i}") for i in range(positions)]
        self.mask = [Value(1.0, label=f"mask.{i}") for i in range(positions)]
        self.scale = Value(1.0 / positions, label="1/n")
        self.loss = model.mean_loss(self.inputs, self.targets, self.mask, self.scale)
        self.order = topological_order(self.loss)

    def load(self, tokens: Sequence[int]) -> int:
        """Write a document's ids into the leaves (past its end: BOS, mask 0); return its n."""
        tokens = self.model.check_tokens(tokens)
        n = min(self.model.block_size, len(tokens) - 1)
        if n > self.positions:
            raise ValueError(f"a document of {n} positions does not fit a LossGraph of {self.positions}")
        padded = tokens[:n + 1] + [self.model.bos] * (self.positions - n)
        for i in range(self.positions):
            self.inputs[i].data = float(padded[i])
            self.targets[i].data = float(padded[i + 1])
            self.mask[i].data = 1.0 if i < n else 0.0
        self.scale.data = 1.0 / n
        return n

    def forward(self) -> float:
        """Re-run every node's forward over the recorded order; the loss."""
        recompute(self.order)
        return self.loss.data

    def backward(self) -> None:
        """The chain rule over the recorded order (parameter gradients accumulate, as in ``backward``)."""
        backpropagate(self.order)


class Replays:
    """The :class:`LossGraph` s of a training run, one per length bucket, each built (and with
    ``compiled``, compiled) on first use; :meth:`step` runs forward and backward for one document.

    >>> from chainrule.nn import GPT
    >>> model = GPT(5, n_embd=4, n_head=2, block_size=6, seed=0)
    >>> replays = Replays(model, longest=5, compiled=True)
    >>> replays.buckets, abs(replays.step([4, 0, 1, 4]) - model.loss([4, 0, 1, 4]).data) < 1e-12
    ((3, 5), True)
    """

    def __init__(self, model: GPT, longest: int, compiled: bool, backend: str = "python") -> None:
        top = min(model.block_size, longest)
        self.buckets = tuple(sorted({b for b in (model.block_size // 2, top) if 1 <= b <= top}))
        self.model, self.compiled, self.backend = model, compiled, backend
        self.parameters = model.parameters()
        self._runs: dict[int, tuple[LossGraph, Callable[[], float]]] = {}

    def step(self, tokens: Sequence[int]) -> float:
        """Load ``tokens`` into the smallest graph that fits, run it; the loss (gradients accumulate
        into the parameters, as ``backward`` does; a compiled run sets those of its graph)."""
        n = min(self.model.block_size, len(tokens) - 1)
        positions = next((b for b in self.buckets if b >= n), self.buckets[-1])
        if positions not in self._runs:
            self._runs[positions] = self._record(positions)
        graph, run = self._runs[positions]
        graph.load(tokens)
        return run()

    def _record(self, positions: int) -> tuple[LossGraph, Callable[[], float]]:
        graph = LossGraph(self.model, positions)
        if not self.compiled:
            return graph, lambda: (graph.forward(), graph.backward())[0]
        inside = set(graph.order)  # rows of wpe past the graph's positions are not in it
        wrt = [p for p in self.parameters if p in inside]
        return graph, compile_graph(graph.loss, self.backend, wrt=wrt)


@dataclass
class TrainingRun:
    """What :func:`train_gpt` did: each step's loss, the mode, the wall time.

    >>> run = TrainingRun([3.3, 2.9, 2.5], "rebuild", 1.5)
    >>> round(run.mean_last(2), 2)
    2.7
    """

    losses: list[float] = field(default_factory=list)
    mode: str = "rebuild"
    seconds: float = 0.0

    def mean_last(self, count: int = 50) -> float:
        """The mean loss of the last ``count`` steps (fewer if the run was shorter)."""
        tail = self.losses[-count:]
        return sum(tail) / len(tail)


def _loss_and_grads(model: GPT, replays: Replays | None, tokens: list[int]) -> float:
    if replays is not None:
        return replays.step(tokens)
    loss = model.loss(tokens)
    loss.backward()
    return loss.data


def linear_decay(lr: float, steps: int) -> Callable[[int], float]:
    """microgpt's schedule: ``lr * (1 - step / steps)``, from ``lr`` at step 0 towards 0.

    >>> schedule = linear_decay(0.01, 100)
    >>> schedule(0), schedule(50)
    (0.01, 0.005)
    """
    return lambda step: lr * (1 - step / steps)


def train_gpt(model: GPT, documents: Sequence[str], tokenizer: CharTokenizer, *, steps: int = DEFAULT_STEPS,
              lr: float = LR, betas: tuple[float, float] = BETAS, eps: float = EPS, seed: Seed = 0,
              mode: str = "rebuild", progress: bool = True) -> TrainingRun:
    """Train on one document per step (shuffled once from ``seed``, then in turn) with Adam and a
    linearly decaying learning rate; return every step's loss. ``mode``: "rebuild" (microgpt's way),
    "replay" or "compile" (see the module's docstring).

    >>> from chainrule.nn import GPT, CharTokenizer
    >>> from chainrule.nn.gpt_train import train_gpt
    >>> docs = ["ab", "ba", "abba"]
    >>> tok = CharTokenizer.from_documents(docs)
    >>> model = GPT(tok.vocab_size, n_embd=4, n_head=2, block_size=5, seed=0)
    >>> run = train_gpt(model, docs, tok, steps=30, progress=False)
    >>> len(run.losses), run.mean_last(5) < run.losses[0]
    (30, True)
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(map(repr, MODES))}, got {mode!r}")
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 1:
        raise ValueError(f"steps must be a positive int, got {steps!r}")
    if not documents:
        raise ValueError("train_gpt needs at least one document")
    order = list(documents)
    as_rng(seed).shuffle(order)
    encoded = [tokenizer.encode(doc) for doc in order]
    parameters = model.parameters()
    optimizer = Adam(parameters, lr=lr, betas=betas, eps=eps)
    schedule = linear_decay(lr, steps)
    longest = max(len(tokens) - 1 for tokens in encoded)
    replays = None if mode == "rebuild" else Replays(model, longest, compiled=mode == "compile")
    run, start = TrainingRun(mode=mode), time.perf_counter()
    for step in tqdm(range(steps), desc="gpt", unit="step", disable=not progress):
        for p in parameters:  # microgpt's p.grad = 0: every parameter is updated every step
            p.grad = 0.0
        run.losses.append(_loss_and_grads(model, replays, encoded[step % len(encoded)]))
        optimizer.lr = schedule(step)
        optimizer.step()
    run.seconds = time.perf_counter() - start
    return run
