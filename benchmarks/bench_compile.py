"""chainrule.compile against micrograd (pip ``micrograd==0.1.0``) and chainrule rebuilding, in one run.

    python benchmarks/bench_compile.py                 # print the table
    python benchmarks/bench_compile.py --write         # also write benchmarks/RESULTS_COMPILE.md

Benchmarks (medians of CPU time over ``--reps`` repetitions, GC on, a ``gc.collect()`` untimed
before each repetition; ratios are micrograd's median over the row's):

1. one training step of micrograd's moons demo (MLP 2-16-16-1, 100 points, SVM hinge mean + 1e-4 L2,
   SGD): micrograd, chainrule rebuilding the graph, and each backend replaying the recorded step
   (forward, backward and the SGD update); "numpy, batch axis" records one sample's graph and runs
   the 100 samples as one batch;
2. forward + backward of the wide random graph of ``bench.py`` (``--nodes`` nodes, shared
   sub-expressions) with new leaf data: micrograd and chainrule rebuild it, the backends replay it;
3. compile time of each backend on both graphs (median of ``--compile-reps``), and the memory the
   compiled replay holds (tracemalloc, bytes per node of the recorded graph).
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import micrograd.engine

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402 - the shared data, models and report helpers

import chainrule  # noqa: E402
from chainrule import Value  # noqa: E402

BACKENDS = ("objects", "python", "numpy")


def median_time(run: Callable[[], Any], reps: int) -> float:
    return bench.median_time(run, reps)


def compile_cost(make: Callable[[], Any], reps: int) -> tuple[Any, float, float]:
    """The compiled replay, the median time to make it, and the bytes it holds (tracemalloc)."""
    times = []
    for _ in range(reps):
        gc.collect()
        start = time.process_time()
        compiled = make()
        times.append(time.process_time() - start)
        del compiled
    gc.collect()
    tracemalloc.start()
    compiled = make()
    held = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return compiled, statistics.median(times), held


# --- the moons step -------------------------------------------------------------------------------


def moons_setup(seed: int) -> tuple[list, list, Any]:
    points, labels = bench.make_moons(100, 0.1, random.Random(seed))
    return points, labels, bench.ChainruleMLP([2, 16, 16, 1], random.Random(seed))


def moons_loss(model: Any, points: list, labels: list) -> Value:
    """bench.moons_step's graph (inputs as Values), without its backward and update."""
    inputs = [[Value(x) for x in row] for row in points]
    scores = [model(row) for row in inputs]
    losses = [(1 + -yi * si).relu() for yi, si in zip(labels, scores)]
    data_loss = chainrule.sum(losses) * (1.0 / len(losses))
    return data_loss + 1e-4 * chainrule.sum(p * p for p in model.parameters())


def sgd(parameters: list[Value]) -> None:
    for p in parameters:
        p.data -= 0.5 * p.grad


def replay_step(backend: str, seed: int, reps: int) -> tuple[Callable[[], None], float, float, int]:
    points, labels, model = moons_setup(seed)
    params = model.parameters()
    loss = moons_loss(model, points, labels)
    compiled, seconds, held = compile_cost(lambda: chainrule.compile(loss, backend, wrt=params), reps)

    def step() -> None:
        compiled()
        sgd(params)
    return step, seconds, held, len(compiled.tape.nodes)


def batch_step(seed: int, reps: int) -> tuple[Callable[[], None], float, float, int]:
    """One sample's graph recorded once; the 100 points are its batch axis (numpy backend)."""
    points, labels, model = moons_setup(seed)
    params = model.parameters()
    n = len(points)
    x0, x1, y = Value(0.0), Value(0.0), Value(0.0)
    l2 = (1e-4 / n) * chainrule.sum(p * p for p in params)  # summed over the batch: 1e-4 * Σ p²
    per_sample = (1 + -y * model([x0, x1])).relu() * (1.0 / n) + l2
    compiled, seconds, held = compile_cost(
        lambda: chainrule.compile(per_sample, "numpy", wrt=params, batch=[x0, x1, y]), reps)
    data = {x0: [p[0] for p in points], x1: [p[1] for p in points], y: [float(v) for v in labels]}

    def step() -> None:
        compiled(data)
        sgd(params)
    return step, seconds, held, len(compiled.tape.nodes)


# --- the wide random graph ----------------------------------------------------------------------


def graph_replay(backend: str, recipe: Any, reps: int) -> tuple[Callable[[], None], float, float, int]:
    root = bench.random_graph(Value, recipe)
    compiled, seconds, held = compile_cost(lambda: chainrule.compile(root, backend), reps)
    leaves = compiled.tape.leaves
    rng = random.Random(1)

    def run() -> None:
        for leaf in leaves:
            leaf.data = rng.uniform(-1, 1)
        compiled()
    return run, seconds, held, len(compiled.tape.nodes)


# --- the report -----------------------------------------------------------------------------------


Replay = tuple[Callable[[], None], float, float, int]  # run, compile seconds, bytes held, nodes


def rows_for(title: str, micrograd_run: Callable[[], Any], rebuild_run: Callable[[], Any],
             replays: dict[str, Replay], reps: int) -> list[tuple[str, ...]]:
    mg = median_time(micrograd_run, reps)
    rows = [(title, "micrograd (rebuild)", f"{mg * 1e3:.2f}", "1x", "-", "-")]
    cr = median_time(rebuild_run, reps)
    rows.append((title, "chainrule, rebuilding", f"{cr * 1e3:.2f}", f"{mg / cr:.0f}x", "-", "-"))
    for name, (run, seconds, held, nodes) in replays.items():
        t = median_time(run, reps)
        rows.append((title, f"chainrule.compile, {name}", f"{t * 1e3:.3f}", f"{mg / t:.0f}x",
                     f"{seconds:.2f}", f"{held / nodes:.0f}"))
    return rows


def run_all(reps: int, compile_reps: int, nodes: int, seed: int) -> list[tuple[str, ...]]:
    replays = {name: replay_step(name, seed, compile_reps) for name in BACKENDS}
    replays["numpy, batch axis"] = batch_step(seed, compile_reps)
    rows = rows_for("moons step", bench.moons_runner("micrograd", seed),
                    bench.moons_runner("chainrule", seed), replays, reps)
    recipe = bench.graph_recipe(nodes, seed)
    graphs = {name: graph_replay(name, recipe, compile_reps) for name in BACKENDS}
    rows += rows_for(f"random graph, {nodes:,} nodes",
                     bench.build_and_backward(micrograd.engine.Value, recipe),
                     bench.build_and_backward(Value, recipe), graphs, reps)
    return rows


RENAMED = {  # bench.markdown's title and memory note, for this table
    "# Benchmark results: chainrule vs micrograd 0.1.0": "# chainrule.compile vs micrograd 0.1.0",
    "- bytes per node: tracemalloc, same graph, after backward, divided by the graph's node count":
        "- bytes/node held: tracemalloc, what the compiled replay holds (beyond the recorded graph) per node",
}
HEADER = ("benchmark", "engine", "median ms", "x micrograd", "compile s", "bytes/node held")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7, help="repetitions per timing (median)")
    parser.add_argument("--compile-reps", type=int, default=3, help="repetitions per compile time (median)")
    parser.add_argument("--nodes", type=int, default=200_000, help="random graph size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", action="store_true", help="write benchmarks/RESULTS_COMPILE.md")
    args = parser.parse_args(argv)
    rows = run_all(args.reps, args.compile_reps, args.nodes, args.seed)
    print(bench.table(rows, HEADER))
    if args.write:
        command = "python benchmarks/bench_compile.py " + " ".join(argv if argv is not None else sys.argv[1:])
        text = bench.markdown(rows, HEADER, command.strip())
        for old, new in RENAMED.items():
            text = text.replace(old, new)
        folder = os.path.dirname(os.path.abspath(__file__))
        bench.write_atomic(os.path.join(folder, "RESULTS_COMPILE.md"), text)


if __name__ == "__main__":
    main()
