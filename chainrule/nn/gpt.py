"""The parts of a small GPT at scalar level (Karpathy's microgpt), each a Module, every node scoped.

The model is microgpt's: token and position embeddings, RMSNorm, causal multi-head self-attention
over a running list of keys and values, an MLP block with squared ReLU, residual connections and a
linear head; the loss is the mean next-token cross-entropy over a document.

Scopes follow attribute paths, so pictures cluster by module: inside ``model.loss`` a node of head 1
of the first block's attention has ``scope == ('blocks.0', 'attn', 'heads.1', 'softmax')``.

Token ids are data, not structure: an embedding looks its row up with the ``select`` op on an index
leaf, so the graph of a document of length n has the same shape for every document of length n and
a recorded graph can be replayed on another one (see :mod:`chainrule.nn.gpt_train`).
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import reduce
from operator import mul

from chainrule.engine import Constant, Parameter, Value, name_scope, no_grad
from chainrule.engine.functions import exp, log, maximum, select
from chainrule.engine.functions import sum as value_sum
from chainrule.nn._rng import Seed, as_rng
from chainrule.nn.module import Module

STD = 0.08  # microgpt's initial weight scale: every matrix is N(0, 0.08²)
Cache = list[list[Value]]  # a running list of keys (or values), one list of Values per position seen


def _matrix(rows: int, cols: int, std: float, rng: random.Random, label: str) -> list[list[Parameter]]:
    return [[Parameter(rng.gauss(0.0, std), label=f"{label}.{i}.{j}") for j in range(cols)]
            for i in range(rows)]


class Linear(Module):
    """``y = W x (+ b)``: ``nout`` rows of ``nin`` weights from N(0, std²); each output is one sum node.

    >>> from chainrule.nn import Linear
    >>> layer = Linear(3, 2, seed=0)
    >>> y = layer([1.0, 2.0, 3.0])
    >>> len(y), y[0].op.name, len(y[0].parents), len(layer.parameters())
    (2, 'sum', 3, 6)
    >>> len(Linear(3, 2, bias=True).parameters())
    8
    """

    def __init__(self, nin: int, nout: int, bias: bool = False, *, std: float = STD, seed: Seed = 0,
                 label: str = "w") -> None:
        _check_size(nin, "nin")
        _check_size(nout, "nout")
        self.w = _matrix(nout, nin, std, as_rng(seed), label)
        self.b = [Parameter(0.0, label=f"{label}.b.{i}") for i in range(nout)] if bias else None

    @property
    def nin(self) -> int:
        """The number of inputs."""
        return len(self.w[0])

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        """The ``nout`` outputs for ``nin`` inputs (Values or numbers)."""
        if len(x) != self.nin:
            raise ValueError(f"Linear with nin={self.nin} got {len(x)} inputs")
        if self.b is None:
            return [value_sum(list(map(mul, row, x))) for row in self.w]
        return [value_sum([*map(mul, row, x), b]) for row, b in zip(self.w, self.b)]

    def _repr_args(self) -> str:
        return f"nin={self.nin}, nout={len(self.w)}, bias={self.b is not None}"


class Embedding(Module):
    """``num`` rows of ``dim`` Parameters; calling it with a token id gives that row, picked by ``select``.

    The id may be an int or an index leaf (a Value holding a whole number): changing the leaf's data
    and re-running the graph picks another row, so the graph's shape never depends on the id.

    >>> from chainrule import Value
    >>> from chainrule.nn import Embedding
    >>> table = Embedding(5, 3, seed=0)
    >>> token = Value(2.0, label="token")
    >>> row = table(token)
    >>> [x.data for x in row] == [p.data for p in table.weight[2]], row[0].op.name
    (True, 'select')
    >>> token.data = 4.0
    >>> [x.recompute() for x in row] == [p.data for p in table.weight[4]]
    True
    """

    def __init__(self, num: int, dim: int, *, std: float = STD, seed: Seed = 0, label: str = "e") -> None:
        _check_size(num, "num")
        _check_size(dim, "dim")
        self.weight = _matrix(num, dim, std, as_rng(seed), label)
        self._columns = [list(column) for column in zip(*self.weight)]  # the same Parameters, by dimension

    def __call__(self, index: Value | int) -> list[Value]:
        """Row ``index`` as ``dim`` select nodes (an int becomes an index leaf labelled ``index``)."""
        if not isinstance(index, Value):
            index = Value(check_id(index, len(self.weight), "Embedding"), label="index")
        return [select(index, column) for column in self._columns]

    def _repr_args(self) -> str:
        return f"num={len(self.weight)}, dim={len(self._columns)}"


class RMSNorm(Module):
    """``x / sqrt(mean(x²) + eps)``, microgpt's normalisation (no learned gain).

    >>> from chainrule import Value
    >>> from chainrule.nn import RMSNorm
    >>> [round(y.data, 4) for y in RMSNorm()([Value(3.0), Value(4.0)])]
    [0.8485, 1.1314]
    """

    def __init__(self, eps: float = 1e-5) -> None:
        self.eps = eps

    def __call__(self, x: Sequence[Value]) -> list[Value]:
        """The normalised vector."""
        scale = (value_sum([xi * xi for xi in x]) / len(x) + self.eps) ** -0.5
        return [xi * scale for xi in x]

    def _repr_args(self) -> str:
        return f"eps={self.eps:g}"


def softmax(logits: Sequence[Value]) -> list[Value]:
    """``exp(z_i - max z) / Σ exp(z_j - max z)``: probabilities that cannot overflow.

    The max is a chain of ``max`` nodes, not a number read off the data, so a recorded graph shifts
    by the new maximum when it is replayed (the shift cancels in the gradient).

    >>> from chainrule import Value
    >>> from chainrule.nn import softmax
    >>> [round(p.data, 4) for p in softmax([Value(1.0), Value(2.0), Value(1000.0)])]
    [0.0, 0.0, 1.0]
    """
    top = reduce(maximum, logits)
    exps = [(z - top).exp() for z in logits]
    total = value_sum(exps)
    return [e / total for e in exps]


def cross_entropy(logits: Sequence[Value], target: Value | int) -> Value:
    """``-log softmax(logits)[target]`` as log-sum-exp: ``log Σ exp(z - max z) - (z_target - max z)``.

    ``target`` is a class id, or an index leaf (then the graph can be replayed on other targets).

    >>> from chainrule import Value
    >>> from chainrule.nn import cross_entropy
    >>> round(cross_entropy([Value(2.0), Value(2.0)], 1).data, 6)  # log 2
    0.693147
    >>> cross_entropy([Value(0.0), Value(-1000.0)], 1).data
    1000.0
    """
    log_total, shifted, _ = shifted_log_sum_exp(logits)
    picked = select(target, shifted) if isinstance(target, Value) else shifted[check_id(target, len(logits))]
    return log_total - picked


def shifted_log_sum_exp(logits: Sequence[Value | float]) -> tuple[Value, list[Value], Value]:
    """``(log Σ exp(z_i - top), [z_i - top], top)`` with ``top`` a chain of ``max`` nodes, so no
    exponent is positive, and a replayed graph shifts by the new maximum (no Python branch on data).
    ``log Σ exp(z_i)`` is the first plus ``top``; the one log-sum-exp of ``cross_entropy``,
    ``nn.softmax_cross_entropy`` and ``nn.softplus``.

    >>> from chainrule import Value
    >>> log_total, shifted, top = shifted_log_sum_exp([Value(1000.0), Value(0.0)])
    >>> log_total.data, [s.data for s in shifted], top.data
    (0.0, [0.0, -1000.0], 1000.0)
    """
    top = reduce(maximum, logits)
    shifted = [z - top for z in logits]
    return log(value_sum([exp(s) for s in shifted])), shifted, top


def attend(q: Sequence[Value], keys: Sequence[Sequence[Value]],
           values: Sequence[Sequence[Value]]) -> list[Value]:
    """One attention head for one query: weights ``softmax(q·k_t / sqrt(d))`` over the keys mix the values.

    >>> from chainrule import Value
    >>> from chainrule.nn import attend
    >>> q, k, v = [Value(1.0), Value(0.0)], [[Value(1.0), Value(0.0)]], [[Value(5.0), Value(7.0)]]
    >>> [y.data for y in attend(q, k, v)]  # one key: all weight on its value
    [5.0, 7.0]
    """
    return attention_parts(q, keys, values)[2]


def attention_parts(q: Sequence[Value], keys: Sequence[Sequence[Value]],
                    values: Sequence[Sequence[Value]]) -> tuple[list[Value], list[Value], list[Value]]:
    """:func:`attend`'s scores, weights and outputs, each made in its own scope (scores, softmax, mix).

    >>> from chainrule import Value
    >>> q, k, v = [Value(1.0)], [[Value(2.0)], [Value(0.0)]], [[Value(1.0)], [Value(3.0)]]
    >>> scores, weights, out = attention_parts(q, k, v)
    >>> [s.data for s in scores], weights[0].scope, round(out[0].data, 4)
    ([2.0, 0.0], ('softmax',), 1.2384)
    """
    scale = math.sqrt(len(q))
    with name_scope("scores"):
        scores = [value_sum(list(map(mul, q, k))) / scale for k in keys]
    with name_scope("softmax"):
        weights = softmax(scores)
    with name_scope("mix"):
        out = [value_sum([w * v[j] for w, v in zip(weights, values)]) for j in range(len(q))]
    return scores, weights, out


@dataclass
class HeadCall:
    """The nodes of one head at one position, kept by :meth:`CausalSelfAttention.recording`."""

    position: int
    head: int
    q: list[Value]
    keys: list[list[Value]]
    values: list[list[Value]]
    scores: list[Value]
    weights: list[Value]
    out: list[Value]


class CausalSelfAttention(Module):
    """Multi-head self-attention of one position over itself and the positions before it.

    Each call appends this position's key and value to the running lists ``keys`` and ``values``
    (microgpt's cache), so causality is the order of the calls: no mask is needed.

    >>> from chainrule import Value
    >>> from chainrule.nn import CausalSelfAttention
    >>> attn = CausalSelfAttention(4, 2, seed=0)
    >>> keys, values = [], []
    >>> y0 = attn([Value(1.0)] * 4, keys, values); y1 = attn([Value(-1.0)] * 4, keys, values)
    >>> len(y1), len(keys), len(attn.parameters())
    (4, 2, 64)
    """

    def __init__(self, n_embd: int, n_head: int, *, std: float = STD, seed: Seed = 0) -> None:
        _check_size(n_head, "n_head")
        if n_embd % n_head:
            raise ValueError(f"n_embd={n_embd} must be a multiple of n_head={n_head}")
        rng = as_rng(seed)
        self.n_head = n_head
        self._calls: list[HeadCall] | None = None  # see recording()
        for name in ("wq", "wk", "wv", "wo"):
            with name_scope(name):
                setattr(self, name, Linear(n_embd, n_embd, std=std, seed=rng, label=name))

    def __call__(self, x: Sequence[Value], keys: Cache, values: Cache) -> list[Value]:
        """This position's output; ``keys`` and ``values`` grow by one entry each."""
        with name_scope("wq"):
            q = self.wq(x)
        with name_scope("wk"):
            keys.append(self.wk(x))
        with name_scope("wv"):
            values.append(self.wv(x))
        d = len(q) // self.n_head
        out: list[Value] = []
        for h in range(self.n_head):
            part = slice(h * d, (h + 1) * d)
            q_h, k_h, v_h = q[part], [k[part] for k in keys], [v[part] for v in values]
            with name_scope(f"heads.{h}"):
                scores, weights, out_h = attention_parts(q_h, k_h, v_h)
            if self._calls is not None:
                self._calls.append(HeadCall(len(keys) - 1, h, q_h, k_h, v_h, scores, weights, out_h))
            out += out_h
        with name_scope("wo"):
            return self.wo(out)

    @contextmanager
    def recording(self) -> Iterator[list[HeadCall]]:
        """Keep the nodes of every head call made inside (to draw or step one head of a real graph).

        >>> from chainrule.nn import GPT
        >>> model = GPT(5, n_embd=4, n_head=2, block_size=4)
        >>> with model.blocks[0].attn.recording() as calls:
        ...     loss = model.loss([4, 1, 2, 4])
        >>> [(c.position, c.head, len(c.weights)) for c in calls][-2:]
        [(2, 0, 3), (2, 1, 3)]
        """
        calls: list[HeadCall] = []
        self._calls = calls
        try:
            yield calls
        finally:
            self._calls = None

    def _repr_args(self) -> str:
        return f"n_embd={self.wq.nin}, n_head={self.n_head}"


class FeedForward(Module):
    """The MLP block: ``fc2(relu(fc1(x))²)``, 4x wide in the middle (squared ReLU, as in microgpt).

    >>> from chainrule import Value
    >>> from chainrule.nn import FeedForward
    >>> mlp = FeedForward(2, seed=0)
    >>> len(mlp([Value(1.0), Value(2.0)])), len(mlp.parameters())
    (2, 32)
    """

    def __init__(self, n_embd: int, *, std: float = STD, seed: Seed = 0) -> None:
        rng = as_rng(seed)
        with name_scope("fc1"):
            self.fc1 = Linear(n_embd, 4 * n_embd, std=std, seed=rng, label="fc1")
        with name_scope("fc2"):
            self.fc2 = Linear(4 * n_embd, n_embd, std=std, seed=rng, label="fc2")

    def __call__(self, x: Sequence[Value]) -> list[Value]:
        """The block's output (before the residual connection)."""
        with name_scope("fc1"):
            h = self.fc1(x)
        with name_scope("relu2"):
            h = [hi.relu() ** 2 for hi in h]
        with name_scope("fc2"):
            return self.fc2(h)


class Block(Module):
    """One transformer block: ``x + attn(norm(x))``, then ``x + mlp(norm(x))``.

    >>> from chainrule import Value
    >>> from chainrule.nn import Block
    >>> block = Block(4, 2, seed=0)
    >>> y = block([Value(1.0), Value(0.5), Value(-1.0), Value(0.0)], [], [])
    >>> len(y), y[0].scope
    (4, None)
    """

    def __init__(self, n_embd: int, n_head: int, *, std: float = STD, seed: Seed = 0) -> None:
        rng = as_rng(seed)
        self.norm1, self.norm2 = RMSNorm(), RMSNorm()
        with name_scope("attn"):
            self.attn = CausalSelfAttention(n_embd, n_head, std=std, seed=rng)
        with name_scope("mlp"):
            self.mlp = FeedForward(n_embd, std=std, seed=rng)

    def __call__(self, x: Sequence[Value], keys: Cache, values: Cache) -> list[Value]:
        """The block's output for one position (its key and value join ``keys`` and ``values``)."""
        with name_scope("norm1"):
            h = self.norm1(x)
        with name_scope("attn"):
            h = self.attn(h, keys, values)
        x = [a + b for a, b in zip(h, x)]
        with name_scope("norm2"):
            h = self.norm2(x)
        with name_scope("mlp"):
            h = self.mlp(h)
        return [a + b for a, b in zip(h, x)]


class GPT(Module):
    """microgpt's model: embeddings, RMSNorm, ``n_layer`` blocks, a linear head to next-token logits.

    Token ids are ints in ``range(vocab_size)``; ``bos`` (default ``vocab_size - 1``, as
    :class:`~chainrule.nn.CharTokenizer` numbers it) starts and ends a document.

    >>> from chainrule.nn import GPT
    >>> model = GPT(vocab_size=5, n_embd=4, n_head=2, block_size=4, seed=0)
    >>> loss = model.loss([4, 0, 1, 4])
    >>> loss.backward()
    >>> round(loss.data, 3), len(model.parameters())
    (1.472, 248)
    >>> import random
    >>> all(0 <= t < 4 for t in model.sample(random.Random(0)))
    True
    """

    def __init__(self, vocab_size: int, n_embd: int = 16, n_head: int = 4, n_layer: int = 1,
                 block_size: int = 16, seed: Seed = 0, *, bos: int | None = None, std: float = STD) -> None:
        for size, name in ((vocab_size, "vocab_size"), (n_embd, "n_embd"), (n_layer, "n_layer"),
                           (block_size, "block_size")):
            _check_size(size, name)
        rng = as_rng(seed)
        self.block_size = block_size
        self.bos = vocab_size - 1 if bos is None else check_id(bos, vocab_size, "bos")
        with name_scope("wte"):  # microgpt's order of draws: wte, wpe, lm_head, then the blocks
            self.wte = Embedding(vocab_size, n_embd, std=std, seed=rng, label="wte")
        with name_scope("wpe"):
            self.wpe = Embedding(block_size, n_embd, std=std, seed=rng, label="wpe")
        with name_scope("lm_head"):
            self.lm_head = Linear(n_embd, vocab_size, std=std, seed=rng, label="lm_head")
        self.norm = RMSNorm()
        blocks = []
        for i in range(n_layer):
            with name_scope(f"blocks.{i}"):
                blocks.append(Block(n_embd, n_head, std=std, seed=rng))
        self.blocks = blocks

    @property
    def vocab_size(self) -> int:
        """The number of token ids."""
        return len(self.wte.weight)

    def logits(self, token: Value | int, pos: int, keys: list[Cache], values: list[Cache]) -> list[Value]:
        """Next-token scores at position ``pos`` (microgpt's ``gpt``); ``keys[i]``/``values[i]`` are
        block i's running lists, which this call extends.

        >>> from chainrule.nn import GPT
        >>> model = GPT(5, n_embd=4, n_head=2, block_size=4)
        >>> len(model.logits(4, 0, [[]], [[]]))
        5
        """
        if not 0 <= pos < self.block_size:
            raise ValueError(f"position {pos} is outside the context of {self.block_size} (block_size)")
        with name_scope("wte"):
            tok = self.wte(token)
        with name_scope("embed"):
            x = [t + p for t, p in zip(tok, self.wpe.weight[pos])]  # a fixed position needs no lookup
        with name_scope("norm"):
            x = self.norm(x)
        for i, block in enumerate(self.blocks):
            with name_scope(f"blocks.{i}"):
                x = block(x, keys[i], values[i])
        with name_scope("lm_head"):
            return self.lm_head(x)

    def loss(self, tokens: Sequence[int]) -> Value:
        """Mean next-token cross-entropy over positions 0..n-1, n = min(block_size, len(tokens) - 1).

        Token ids and targets enter as index leaves (``token.0``, ``target.0``, ...), so the graph of
        one document can be replayed on any other of the same length.
        """
        tokens = self.check_tokens(tokens)
        n = min(self.block_size, len(tokens) - 1)
        inputs = [Value(float(t), label=f"token.{i}") for i, t in enumerate(tokens[:n])]
        targets = [Value(float(t), label=f"target.{i}") for i, t in enumerate(tokens[1:n + 1])]
        return self.mean_loss(inputs, targets, None, Constant(1.0 / n))

    def mean_loss(self, inputs: Sequence[Value], targets: Sequence[Value], mask: Sequence[Value] | None,
                  scale: Value) -> Value:
        """``scale * Σ_t mask_t * cross_entropy_t`` over the positions of ``inputs`` (mask None: all 1).

        The building block of :meth:`loss` and of the fixed-length training graph, whose mask of 0
        drops padded positions from the loss exactly (causal attention keeps them out of earlier ones).
        """
        keys: list[Cache] = [[] for _ in self.blocks]
        values: list[Cache] = [[] for _ in self.blocks]
        terms = []
        for pos, (token, target) in enumerate(zip(inputs, targets)):
            logits = self.logits(token, pos, keys, values)
            with name_scope("loss"):
                term = cross_entropy(logits, target)
                terms.append(term if mask is None else mask[pos] * term)
        with name_scope("loss"):
            return value_sum(terms) * scale

    def sample(self, rng: Seed, temperature: float = 1.0) -> list[int]:
        """A new document's token ids (without BOS): start at BOS, draw until BOS or ``block_size``.

        >>> import random
        >>> from chainrule.nn import GPT
        >>> model = GPT(5, n_embd=4, n_head=2, block_size=6)
        >>> model.sample(random.Random(1)) == model.sample(random.Random(1))
        True
        """
        if isinstance(temperature, bool) or not isinstance(temperature, numbers.Real) or not temperature > 0:
            raise ValueError(f"temperature must be a number > 0, got {temperature!r}")
        rng = as_rng(rng)
        keys: list[Cache] = [[] for _ in self.blocks]
        values: list[Cache] = [[] for _ in self.blocks]
        out, token = [], self.bos
        with no_grad():
            for pos in range(self.block_size):
                logits = self.logits(token, pos, keys, values)
                probs = softmax([z / temperature for z in logits])
                token = rng.choices(range(self.vocab_size), weights=[p.data for p in probs])[0]
                if token == self.bos:
                    break
                out.append(token)
        return out

    def check_tokens(self, tokens: Sequence[int]) -> list[int]:
        """``tokens`` as a list of ids, checked: at least two (an input and its target), each in range."""
        if isinstance(tokens, (str, bytes)) or not isinstance(tokens, Sequence):
            raise TypeError(f"GPT needs a list of token ids, got {type(tokens).__name__}"
                            " (encode text with a CharTokenizer)")
        if len(tokens) < 2:
            raise ValueError(f"GPT.loss needs at least 2 tokens (an input and its target), got {len(tokens)}")
        return [check_id(t, self.vocab_size, "GPT") for t in tokens]

    def _repr_args(self) -> str:
        attn = self.blocks[0].attn
        return (f"vocab_size={self.vocab_size}, n_embd={attn.wq.nin}, n_head={attn.n_head}, n_layer="
                f"{len(self.blocks)}, block_size={self.block_size}, parameters={len(self.parameters())}")


def check_id(token: int, size: int, who: str = "cross_entropy") -> int:
    """A token id (an int in ``range(size)``) or a ValueError naming it and ``who`` got it.

    >>> check_id(3, 5)
    3
    >>> check_id(5, 5, "GPT")
    Traceback (most recent call last):
    ...
    ValueError: GPT: token id 5 is not in range(5)
    """
    if isinstance(token, bool) or not isinstance(token, numbers.Integral):
        raise TypeError(f"{who}: a token id must be an int, got {type(token).__name__}: {token!r:.40}")
    if not 0 <= token < size:
        raise ValueError(f"{who}: token id {token} is not in range({size})")
    return int(token)


def _check_size(size: int, what: str) -> None:
    if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
        raise ValueError(f"{what} must be a positive int, got {size!r}")
