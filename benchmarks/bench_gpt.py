"""One training step of microgpt's GPT: a minimal micrograd-style engine beside chainrule, in one run.

    python benchmarks/bench_gpt.py              # print the table
    python benchmarks/bench_gpt.py --write      # also write benchmarks/RESULTS_GPT.md

The model is microgpt's at its size (vocab 27, n_embd 16, 4 heads, 1 layer, block_size 16); a step
is one name from the US Census corpus: forward, backward and an Adam update of all 4,192 parameters.

- "micro engine": written here for the benchmark, the way microgpt's engine is: a slotted Value
  holding data, grad, its children and its local gradients (computed eagerly in each op), a
  recursive topological sort, and microgpt's forward written over it (Python ``sum`` chains, a
  softmax shifted by a float max).
- "chainrule, rebuilding": ``model.loss(tokens)`` builds the graph anew each step, then ``backward``.
- "chainrule, compiled": fixed-length masked graphs (:class:`chainrule.nn.gpt_train.LossGraph`, one
  of 8 positions and one of the longest name's 12) recorded once and replayed each step by
  ``chainrule.compile`` (the "python" backend: generated code; "numpy": vectorised by graph level);
  the compile time is added per step as if amortised over 1,000 steps.

Times are CPU seconds of this process (``time.process_time``), medians over repetitions of the same
documents in the same order, so every engine does the same work.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from chainrule.nn import GPT, CharTokenizer, load_names
from chainrule.nn.gpt_train import BETAS, EPS, LR, Replays

sys.setrecursionlimit(20_000)  # the micro engine's recursive topological sort
N_EMBD, N_HEAD, N_LAYER, BLOCK = 16, 4, 1, 16
AMORTISE = 1000


# --- the micro engine: microgpt's design, written for this benchmark -------------------------------

class Scalar:
    """A node that stores its children and their local gradients when the op runs."""

    __slots__ = ("data", "grad", "_children", "_local_grads")

    def __init__(self, data: float, children: tuple = (), local_grads: tuple = ()) -> None:
        self.data, self.grad, self._children, self._local_grads = data, 0.0, children, local_grads

    def __add__(self, other: Any) -> Scalar:
        other = other if isinstance(other, Scalar) else Scalar(other)
        return Scalar(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other: Any) -> Scalar:
        other = other if isinstance(other, Scalar) else Scalar(other)
        return Scalar(self.data * other.data, (self, other), (other.data, self.data))

    def __pow__(self, k: float) -> Scalar:
        return Scalar(self.data ** k, (self,), (k * self.data ** (k - 1),))

    def log(self) -> Scalar:
        return Scalar(math.log(self.data), (self,), (1.0 / self.data,))

    def exp(self) -> Scalar:
        e = math.exp(self.data)
        return Scalar(e, (self,), (e,))

    def relu(self) -> Scalar:
        return Scalar(max(0.0, self.data), (self,), (float(self.data > 0),))

    def __neg__(self) -> Scalar:
        return self * -1.0

    def __radd__(self, other: Any) -> Scalar:
        return self + other

    def __sub__(self, other: Any) -> Scalar:
        return self + (-other)

    def __rmul__(self, other: Any) -> Scalar:
        return self * other

    def __truediv__(self, other: Any) -> Scalar:
        return self * other ** -1

    def backward(self) -> None:
        topo, seen = [], set()

        def visit(v: Scalar) -> None:
            if v not in seen:
                seen.add(v)
                for child in v._children:
                    visit(child)
                topo.append(v)

        visit(self)
        self.grad = 1.0
        for v in reversed(topo):
            for child, local in zip(v._children, v._local_grads):
                child.grad += local * v.grad


def micro_model(weights: dict[str, list[list[float]]]) -> dict[str, list[list[Scalar]]]:
    return {name: [[Scalar(x) for x in row] for row in rows] for name, rows in weights.items()}


def micro_linear(x: list[Scalar], w: list[list[Scalar]]) -> list[Scalar]:
    return [sum(wi * xi for wi, xi in zip(row, x)) for row in w]


def micro_softmax(logits: list[Scalar]) -> list[Scalar]:
    top = max(z.data for z in logits)
    exps = [(z - top).exp() for z in logits]
    total = sum(exps)
    return [e / total for e in exps]


def micro_rmsnorm(x: list[Scalar]) -> list[Scalar]:
    scale = (sum(xi * xi for xi in x) / len(x) + 1e-5) ** -0.5
    return [xi * scale for xi in x]


def micro_logits(sd: dict[str, Any], token: int, pos: int, keys: list, values: list) -> list[Scalar]:
    x = micro_rmsnorm([t + p for t, p in zip(sd["wte"][token], sd["wpe"][pos])])
    d = N_EMBD // N_HEAD
    for i in range(N_LAYER):
        residual, h = x, micro_rmsnorm(x)
        q = micro_linear(h, sd[f"{i}.wq"])
        keys[i].append(micro_linear(h, sd[f"{i}.wk"]))
        values[i].append(micro_linear(h, sd[f"{i}.wv"]))
        out: list[Scalar] = []
        for head in range(N_HEAD):
            s = slice(head * d, (head + 1) * d)
            scores = [sum(a * b for a, b in zip(q[s], k[s])) / d ** 0.5 for k in keys[i]]
            weights = micro_softmax(scores)
            out += [sum(w * v[s][j] for w, v in zip(weights, values[i])) for j in range(d)]
        x = [a + b for a, b in zip(micro_linear(out, sd[f"{i}.wo"]), residual)]
        residual, h = x, micro_rmsnorm(x)
        h = [hi.relu() ** 2 for hi in micro_linear(h, sd[f"{i}.fc1"])]
        x = [a + b for a, b in zip(micro_linear(h, sd[f"{i}.fc2"]), residual)]
    return micro_linear(x, sd["lm_head"])


def micro_loss(sd: dict[str, Any], tokens: list[int]) -> Scalar:
    n = min(BLOCK, len(tokens) - 1)
    keys, values = [[] for _ in range(N_LAYER)], [[] for _ in range(N_LAYER)]
    losses = [-micro_softmax(micro_logits(sd, tokens[p], p, keys, values))[tokens[p + 1]].log()
              for p in range(n)]
    return (1 / n) * sum(losses)


class MicroAdam:
    """microgpt's Adam loop over a flat list of parameters."""

    def __init__(self, params: list[Any]) -> None:
        self.params, self.t = params, 0
        self.m, self.v = [0.0] * len(params), [0.0] * len(params)

    def step(self, lr: float) -> None:
        (b1, b2), self.t = BETAS, self.t + 1
        for i, p in enumerate(self.params):
            g = float(p.grad)
            self.m[i] = b1 * self.m[i] + (1 - b1) * g
            self.v[i] = b2 * self.v[i] + (1 - b2) * g * g
            p.data -= lr * (self.m[i] / (1 - b1 ** self.t)) / ((self.v[i] / (1 - b2 ** self.t)) ** 0.5 + EPS)
            p.grad = 0.0


# --- the runners: each returns a function doing one step on the next document ---------------------

def chainrule_weights(model: GPT) -> dict[str, list[list[float]]]:
    """The chainrule model's weights by microgpt's names, so both engines start from the same point."""
    rows = {"wte": model.wte.weight, "wpe": model.wpe.weight, "lm_head": model.lm_head.w}
    for i, block in enumerate(model.blocks):
        for name in ("wq", "wk", "wv", "wo"):
            rows[f"{i}.{name}"] = getattr(block.attn, name).w
        rows[f"{i}.fc1"], rows[f"{i}.fc2"] = block.mlp.fc1.w, block.mlp.fc2.w
    return {name: [[p.data for p in row] for row in matrix] for name, matrix in rows.items()}


def micro_runner(docs: list[list[int]], vocab: int) -> Callable[[], float]:
    sd = micro_model(chainrule_weights(GPT(vocab, N_EMBD, N_HEAD, N_LAYER, BLOCK, seed=0)))
    adam = MicroAdam([p for rows in sd.values() for row in rows for p in row])
    step = iter(range(10**9))

    def run() -> float:
        i = next(step)
        loss = micro_loss(sd, docs[i % len(docs)])
        loss.backward()
        adam.step(LR * (1 - i / AMORTISE))
        return loss.data

    return run


def rebuild_runner(docs: list[list[int]], vocab: int) -> Callable[[], float]:
    model = GPT(vocab, N_EMBD, N_HEAD, N_LAYER, BLOCK, seed=0)
    adam = MicroAdam(model.parameters())
    step = iter(range(10**9))

    def run() -> float:
        i = next(step)
        loss = model.loss(docs[i % len(docs)])
        loss.backward()
        adam.step(LR * (1 - i / AMORTISE))
        return loss.data

    return run


def compiled_runner(docs: list[list[int]], vocab: int, backend: str) -> tuple[Callable[[], float], float]:
    """Replays of compiled loss graphs, one per length bucket, all recorded and compiled up front."""
    model = GPT(vocab, N_EMBD, N_HEAD, N_LAYER, BLOCK, seed=0)
    replays = Replays(model, longest=max(len(d) - 1 for d in docs), compiled=True, backend=backend)
    start = time.process_time()
    for positions in replays.buckets:
        replays._runs[positions] = replays._record(positions)
    compile_seconds = time.process_time() - start
    adam = MicroAdam(replays.parameters)
    step = iter(range(10**9))

    def run() -> float:
        i = next(step)
        loss = replays.step(docs[i % len(docs)])
        adam.step(LR * (1 - i / AMORTISE))
        return loss

    return run, compile_seconds


def per_step(run: Callable[[], float], steps: int, reps: int) -> float:
    """The median over ``reps`` of the CPU time of ``steps`` steps, divided by ``steps``."""
    times = []
    for _ in range(reps):
        gc.collect()
        start = time.process_time()
        for _ in range(steps):
            run()
        times.append((time.process_time() - start) / steps)
    return statistics.median(times)


def measure(steps: int, reps: int) -> list[tuple[str, str, str]]:
    corpus = load_names()
    tokenizer = CharTokenizer.from_documents(corpus.documents)
    names = list(corpus.documents)
    random.Random(0).shuffle(names)
    docs = [tokenizer.encode(name) for name in names[:steps]]
    vocab = tokenizer.vocab_size
    first = [make(docs, vocab)() for make in (micro_runner, rebuild_runner)]
    if not math.isclose(*first, rel_tol=1e-9):  # the same model, or the comparison means nothing
        raise AssertionError(f"the engines disagree on the first loss: {first}")
    micro = per_step(micro_runner(docs, vocab), steps, reps)
    rebuild = per_step(rebuild_runner(docs, vocab), steps, reps)
    rows = [("micro engine (microgpt's design)", f"{micro * 1e3:.1f}", "1.0x"),
            ("chainrule, rebuilding the graph", f"{rebuild * 1e3:.1f}", f"{micro / rebuild:.1f}x")]
    for backend in ("python", "numpy"):
        run, compile_seconds = compiled_runner(docs, vocab, backend)
        replay = per_step(run, steps, reps) + compile_seconds / AMORTISE
        rows.append((f"chainrule, compiled, {backend} backend (compile {compile_seconds:.2f} s"
                     f" / {AMORTISE} steps)", f"{replay * 1e3:.1f}", f"{micro / replay:.1f}x"))
    return rows


def markdown(rows: list[tuple[str, str, str]], command: str, steps: int, reps: int) -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        "# One GPT training step: chainrule beside a micrograd-style engine", "",
        f"`{command}` on Python {platform.python_version()}; load average {load}.", "",
        "microgpt's model (vocab 27, n_embd 16, 4 heads, 1 layer, block 16; 4,192 parameters), one Census",
        f"name per step (forward, backward, Adam); CPU ms per step, median of {reps} runs of {steps} steps.",
        "",
        "| engine | ms per step | speed-up |", "|---|---|---|",
        *[f"| {name} | {ms} | {ratio} |" for name, ms, ratio in rows],
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30, help="documents per repetition (default 30)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument("--write", action="store_true", help="also write benchmarks/RESULTS_GPT.md")
    args = parser.parse_args(argv)
    rows = measure(args.steps, args.reps)
    command = "python benchmarks/bench_gpt.py " + " ".join(argv if argv is not None else sys.argv[1:])
    text = markdown(rows, command.strip(), args.steps, args.reps)
    print(text)
    if args.write:
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS_GPT.md")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


if __name__ == "__main__":
    main()
