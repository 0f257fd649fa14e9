"""Speed and memory of chainrule against micrograd (pip ``micrograd==0.1.0``), in one run.

    python benchmarks/bench.py                 # print the table
    python benchmarks/bench.py --write         # also write benchmarks/RESULTS.md

Benchmarks (medians of CPU time over ``--reps`` repetitions; the cyclic GC stays on, as in real
use, and a ``gc.collect()`` runs untimed before each repetition):

1. one training step of an MLP 2-16-16-1 on 100 two-moons points with micrograd's demo loss
   (SVM hinge mean + 1e-4 L2): forward, backward and SGD update;
2. building and back-propagating a random graph with shared sub-expressions (same seeded recipe);
3. bytes per node of that graph after backward (tracemalloc);
4. backward of a chain of 1,000,000 ops (micrograd's recursive toposort raises RecursionError).
"""

from __future__ import annotations

import argparse
import datetime
import gc
import itertools
import math
import os
import platform
import random
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import micrograd.engine
import micrograd.nn

import chainrule
from chainrule import Parameter, Value

sys.setrecursionlimit(10_000)  # micrograd's recursive toposort; our graphs stay ~40 deep for it


# --- data and models ----------------------------------------------------------------------------


def make_moons(n: int, noise: float, rng: random.Random) -> tuple[list[list[float]], list[int]]:
    """Two interleaving half circles, labels -1 / +1 (like sklearn's make_moons)."""
    points, labels = [], []
    for i in range(n):
        t = math.pi * (i // 2) / (n // 2 - 1)
        if i % 2 == 0:
            x, y, label = math.cos(t), math.sin(t), -1
        else:
            x, y, label = 1 - math.cos(t), 0.5 - math.sin(t), 1
        points.append([x + rng.gauss(0, noise), y + rng.gauss(0, noise)])
        labels.append(label)
    return points, labels


class ChainruleMLP:
    """MLP whose neurons compute w·x + b as one n-ary sum node (chainrule's idiom)."""

    def __init__(self, sizes: list[int], rng: random.Random) -> None:
        self.layers = []
        for i, (nin, nout) in enumerate(itertools.pairwise(sizes)):
            neurons = [([Parameter(rng.uniform(-1, 1)) for _ in range(nin)], Parameter(0.0))
                       for _ in range(nout)]
            self.layers.append((neurons, i != len(sizes) - 2))

    def __call__(self, x: list[Any]) -> Any:
        for neurons, nonlin in self.layers:
            acts = [chainrule.sum([w * xi for w, xi in zip(ws, x)] + [b]) for ws, b in neurons]
            x = [a.relu() for a in acts] if nonlin else acts
        return x[0]

    def parameters(self) -> list[Any]:
        return [p for neurons, _ in self.layers for ws, b in neurons for p in (*ws, b)]


def moons_step(value: type, model: Any, total: Callable, points: list, labels: list) -> float:
    """One step of micrograd's demo: hinge loss + L2, backward, SGD update."""
    inputs = [[value(x) for x in row] for row in points]
    scores = [model(row) for row in inputs]
    losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores)]
    data_loss = total(losses) * (1.0 / len(losses))
    loss = data_loss + 1e-4 * total(p * p for p in model.parameters())
    for p in model.parameters():
        p.grad = 0
    loss.backward()
    for p in model.parameters():
        p.data -= 0.5 * p.grad
    return loss.data


# --- the random graph recipe ----------------------------------------------------------------------


def graph_recipe(nodes: int, seed: int) -> tuple[list[float], list[tuple[int, int, int]]]:
    """Leaf values and ops ``(kind, i, j)`` on uniformly chosen earlier nodes (kind 0: relu,
    1: +, 2: *), sized so that with the final balanced sum of the nodes nothing used the graph
    has ``nodes`` nodes. Uniform reuse keeps the depth logarithmic (micrograd recurses)."""
    rng = random.Random(seed)
    leaves = [rng.uniform(-1, 1) for _ in range(100)]
    ops: list[tuple[int, int, int]] = []
    used = [False] * nodes
    unused = made = len(leaves)
    while made + unused - 1 < nodes:  # the final sum adds unused - 1 nodes
        kind = rng.choices((0, 1, 2), (0.2, 0.4, 0.4))[0]
        i = rng.randrange(made)
        j = i if kind == 0 else rng.randrange(made)
        for k in {i, j}:
            unused -= not used[k]
            used[k] = True
        ops.append((kind, i, j))
        made += 1
        unused += 1
    return leaves, ops


def random_graph(value: type, recipe: tuple[list[float], list[tuple[int, int, int]]]) -> Any:
    """Build the recipe's graph with ``value`` nodes and return its root."""
    leaves, ops = recipe
    made = [value(x) for x in leaves]
    used = [False] * (len(leaves) + len(ops))
    for kind, i, j in ops:
        a, b = made[i], made[j]
        used[i] = used[j] = True
        made.append(a.relu() if kind == 0 else a + b if kind == 1 else a * b)
    level = [node for node, u in zip(made, used) if not u]
    while len(level) > 1:
        level = [a + b for a, b in zip(level[::2], level[1::2])] + level[len(level) - len(level) % 2:]
    return level[0]


def count_nodes(root: Any) -> int:
    return len(chainrule.topological_order(root))


def build_and_backward(value: type, recipe: Any) -> Callable[[], None]:
    return lambda: random_graph(value, recipe).backward()


def bytes_per_node(value: type, recipe: Any) -> float:
    """tracemalloc bytes held by the graph after backward, divided by its node count."""
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root = random_graph(value, recipe)
    root.backward()
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return held / count_nodes(random_graph(Value, recipe))


def chain(value: type, length: int) -> Any:
    """``length`` ops, each on the previous result: relu and + 1, alternately."""
    y = value(0.5)
    for i in range(length):
        y = y.relu() if i % 2 else y + 1.0
    return y


def micrograd_chain_backward(length: int) -> str:
    """What micrograd's backward does with the chain: it recurses once per op."""
    try:
        chain(micrograd.engine.Value, length).backward()
    except RecursionError:
        return "RecursionError"
    return "completes"


# --- timing and report ----------------------------------------------------------------------------


def cpu_times(run: Callable[[], Any], reps: int) -> list[float]:
    """CPU seconds of ``reps`` runs, an untimed ``gc.collect()`` before each."""
    times = []
    for _ in range(reps):
        gc.collect()
        start = time.process_time()
        run()
        times.append(time.process_time() - start)
    return times


def median_time(run: Callable[[], Any], reps: int) -> float:
    return statistics.median(cpu_times(run, reps))


def moons_runner(lib: str, seed: int) -> Callable[[], float]:
    points, labels = make_moons(100, 0.1, random.Random(seed))
    if lib == "micrograd":
        random.seed(seed)  # micrograd's Neuron draws from the global random
        model = micrograd.nn.MLP(2, [16, 16, 1])
        return lambda: moons_step(micrograd.engine.Value, model, sum, points, labels)
    if lib == "chainrule.nn":
        from chainrule.nn import MLP  # written concurrently; the row is skipped if it is missing

        model = MLP(2, [16, 16, 1], seed=seed)
    else:
        model = ChainruleMLP([2, 16, 16, 1], random.Random(seed))
    return lambda: moons_step(Value, model, chainrule.sum, points, labels)


def run_all(reps: int, nodes: int, chain_length: int, seed: int) -> list[tuple[str, str, str, str]]:
    rows = []
    mg = median_time(moons_runner("micrograd", seed), reps)
    cr = median_time(moons_runner("chainrule", seed), reps)
    rows.append(("moons MLP 2-16-16-1 training step (s)", f"{mg:.4f}", f"{cr:.4f}", f"{mg / cr:.1f}x faster"))
    try:
        nn = median_time(moons_runner("chainrule.nn", seed), reps)
        rows.append(("  same, model from chainrule.nn.MLP (s)", f"{mg:.4f}", f"{nn:.4f}",
                     f"{mg / nn:.1f}x faster"))
    except ImportError:
        pass
    recipe = graph_recipe(nodes, seed)
    mg = median_time(build_and_backward(micrograd.engine.Value, recipe), reps)
    cr = median_time(build_and_backward(Value, recipe), reps)
    size = count_nodes(random_graph(Value, recipe))
    rows.append((f"random graph, {size:,} nodes: build + backward (s)", f"{mg:.3f}", f"{cr:.3f}",
                 f"{mg / cr:.1f}x faster"))
    mg, cr = bytes_per_node(micrograd.engine.Value, recipe), bytes_per_node(Value, recipe)
    rows.append(("bytes per node after backward", f"{mg:.0f}", f"{cr:.0f}", f"{cr / mg:.2f} of micrograd"))
    back = median_time(chain(Value, chain_length).backward, max(1, reps // 2))
    rows.append((f"chain of {chain_length:,} ops: backward (s)", micrograd_chain_backward(chain_length),
                 f"{back:.2f}", "-"))
    return rows


def table(rows: list[tuple[str, ...]], header: tuple[str, ...]) -> str:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(h.ljust(w) for h, w in zip(header, widths))
    body = ["  ".join(c.ljust(w) for c, w in zip(r, widths)) for r in rows]
    return "\n".join([line, "-" * len(line), *body])


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def markdown(rows: list[tuple[str, ...]], header: tuple[str, ...], command: str) -> str:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    lines = [
        "# Benchmark results: chainrule vs micrograd 0.1.0", "",
        f"- command: `{command}`",
        f"- date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}",
        (f"- machine: {cpu_name()}, {os.cpu_count()} cores, {platform.system()}, "
         f"Python {platform.python_version()} ({platform.python_implementation()}); load average {load}"),
        "- times are CPU seconds of this process (`time.process_time`), medians over repetitions, so other",
        "  jobs on the machine disturb them less than wall-clock time; the cyclic GC is on for both,"
        " as in real use",
        "- bytes per node: tracemalloc, same graph, after backward, divided by the graph's node count", "",
        "| " + " | ".join(header) + " |", "|" + "---|" * len(header),
        *["| " + " | ".join(r) + " |" for r in rows], "",
    ]
    return "\n".join(lines)


def write_atomic(path: str, text: str) -> None:
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7, help="repetitions per benchmark (median)")
    parser.add_argument("--nodes", type=int, default=200_000, help="random graph size")
    parser.add_argument("--chain", type=int, default=1_000_000, help="chain length")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", action="store_true", help="write benchmarks/RESULTS.md")
    args = parser.parse_args(argv)
    header = ("benchmark", "micrograd median", "chainrule median", "ratio")
    rows = run_all(args.reps, args.nodes, args.chain, args.seed)
    print(table(rows, header))
    if args.write:
        command = "python benchmarks/bench.py " + " ".join(argv if argv is not None else sys.argv[1:])
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "RESULTS.md")
        write_atomic(path, markdown(rows, header, command.strip()))
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
