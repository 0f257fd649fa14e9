"""chainrule.compile against micrograd (pip ``micrograd==0.1.0``) and chainrule rebuilding, in one run.

    python benchmarks/bench_compile.py                 # print the table
    python benchmarks/bench_compile.py --write         # also write benchmarks/RESULTS_COMPILE.md

Benchmarks (medians of CPU time; ratios are micrograd's median over the row's):

1. one training step of micrograd's moons demo (MLP 2-16-16-1, 100 points, SVM hinge mean + 1e-4 L2,
   SGD): micrograd, chainrule rebuilding the graph, and each backend replaying the recorded step
   (forward, backward and the SGD update); "numpy, batch axis" records one sample's graph and runs
   the 100 samples as one batch;
2. forward + backward of the wide random graph of ``bench.py`` (``--nodes`` nodes, shared
   sub-expressions) with new leaf data: micrograd and chainrule rebuild it, the backends replay it;
3. compile time of each backend on both graphs (median of ``--compile-reps``), and the memory the
   compiled replay holds (tracemalloc, bytes per node of the recorded graph).

Every row runs in a process of its own, and the rows take turns over ``--rounds`` rounds (each
round: every row once, two untimed runs, then ``--reps`` timed repetitions after an untimed
``gc.collect()`` each; the median is over all rounds), so a change of machine load reaches every
row alike. Separate processes matter: the cyclic GC walks every object a process holds, so
micrograd timed beside a held compiled graph (about a million objects) ran 1.6x slower than
alone, which flattered every ratio.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import statistics
import subprocess
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


def compile_cost(make: Callable[[], Any], reps: int,
                 first_call: Callable[[Any], Any]) -> tuple[Any, float, float]:
    """The compiled replay, the median time to make it, and the bytes it holds after its first call
    (tracemalloc: buffers a backend makes on its first call count). ``reps == 0``: made once, no figures."""
    if reps == 0:
        return make(), math.nan, math.nan
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
    first_call(compiled)
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
    compiled, seconds, held = compile_cost(lambda: chainrule.compile(loss, backend, wrt=params), reps,
                                           lambda c: c())

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
    data = {x0: [p[0] for p in points], x1: [p[1] for p in points], y: [float(v) for v in labels]}
    compiled, seconds, held = compile_cost(
        lambda: chainrule.compile(per_sample, "numpy", wrt=params, batch=[x0, x1, y]), reps,
        lambda c: c(data))

    def step() -> None:
        compiled(data)
        sgd(params)
    return step, seconds, held, len(compiled.tape.nodes)


# --- the wide random graph ----------------------------------------------------------------------


def graph_replay(backend: str, recipe: Any, reps: int) -> tuple[Callable[[], None], float, float, int]:
    root = bench.random_graph(Value, recipe)
    compiled, seconds, held = compile_cost(lambda: chainrule.compile(root, backend), reps, lambda c: c())
    leaves = compiled.tape.leaves
    rng = random.Random(1)

    def run() -> None:
        for leaf in leaves:
            leaf.data = rng.uniform(-1, 1)
        compiled()
    return run, seconds, held, len(compiled.tape.nodes)


# --- one row, in a process of its own -------------------------------------------------------------


Replay = tuple[Callable[[], None], float, float, int]  # run, compile seconds, bytes held, nodes

ENGINES = {  # engine key -> its name in the table
    "micrograd": "micrograd (rebuild)",
    "rebuild": "chainrule, rebuilding",
    "objects": "chainrule.compile, objects",
    "python": "chainrule.compile, python",
    "numpy": "chainrule.compile, numpy",
    "numpy-batch": "chainrule.compile, numpy, batch axis",
}
WARM_UP = 2  # untimed runs first: CPython specialises a function's float operations after its first calls
ROWS = [("moons", engine) for engine in ENGINES] + [("graph", e) for e in ENGINES if e != "numpy-batch"]


def row_setup(benchmark: str, engine: str,
              args: argparse.Namespace) -> tuple[Callable[[], Any], Replay | None]:
    """The function a row times, and (compiled rows) its compile time, bytes held and node count."""
    if benchmark == "moons":
        if engine in ("micrograd", "rebuild"):
            return bench.moons_runner("micrograd" if engine == "micrograd" else "chainrule", args.seed), None
        replay = (batch_step(args.seed, args.compile_reps) if engine == "numpy-batch"
                  else replay_step(engine, args.seed, args.compile_reps))
        return replay[0], replay
    recipe = bench.graph_recipe(args.nodes, args.seed)
    if engine in ("micrograd", "rebuild"):
        value = micrograd.engine.Value if engine == "micrograd" else Value
        return bench.build_and_backward(value, recipe), None
    replay = graph_replay(engine, recipe, args.compile_reps)
    return replay[0], replay


def measure_row(args: argparse.Namespace) -> dict[str, Any]:
    """Time one row here: ``WARM_UP`` untimed runs, then ``--reps`` CPU times, an untimed
    ``gc.collect()`` before each."""
    benchmark, engine = args.row.split("/")
    run, replay = row_setup(benchmark, engine, args)
    for _ in range(WARM_UP):
        run()
    result: dict[str, Any] = {"times": bench.cpu_times(run, args.reps)}
    if replay is not None and args.compile_reps > 0:
        result.update(compile=replay[1], held=replay[2], nodes=replay[3])
    return result


def row_in_process(row: str, args: argparse.Namespace, compile_reps: int) -> dict[str, Any]:
    command = [sys.executable, os.path.abspath(__file__), "--row", row, "--reps", str(args.reps),
               "--compile-reps", str(compile_reps), "--nodes", str(args.nodes), "--seed", str(args.seed)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"row {row} failed:\n{done.stderr}")
    return json.loads(done.stdout.splitlines()[-1])


# --- the report -----------------------------------------------------------------------------------


def run_all(args: argparse.Namespace) -> list[tuple[str, ...]]:
    """Every row in its own process, the rows taking turns for ``args.rounds`` rounds."""
    times: dict[str, list[float]] = {f"{b}/{e}": [] for b, e in ROWS}
    costs: dict[str, dict[str, Any]] = {}
    for round_number in range(args.rounds):
        for row in times:
            result = row_in_process(row, args, args.compile_reps if round_number == 0 else 0)
            times[row] += result["times"]
            if "compile" in result:
                costs[row] = result
            print(f"round {round_number + 1}/{args.rounds} {row}: "
                  f"{statistics.median(result['times']) * 1e3:.3f} ms", file=sys.stderr)
    return report_rows(times, costs, args.nodes)


def report_rows(times: dict[str, list[float]], costs: dict[str, dict[str, Any]],
                nodes: int) -> list[tuple[str, ...]]:
    titles = {"moons": "moons step", "graph": f"random graph, {nodes:,} nodes"}
    rows = []
    for benchmark, title in titles.items():
        reference = statistics.median(times[f"{benchmark}/micrograd"])
        for b, engine in ROWS:
            if b != benchmark:
                continue
            median = statistics.median(times[f"{b}/{engine}"])
            rows.append((title, ENGINES[engine], *row_figures(median, reference, costs.get(f"{b}/{engine}"))))
    return rows


def row_figures(median: float, reference: float, cost: dict[str, Any] | None) -> tuple[str, ...]:
    """Median ms, ratio to micrograd, and (compiled rows) compile seconds and bytes held per node."""
    if cost is None:
        return f"{median * 1e3:.2f}", f"{reference / median:.0f}x", "-", "-"
    return (f"{median * 1e3:.3f}", f"{reference / median:.0f}x", f"{cost['compile']:.2f}",
            f"{cost['held'] / cost['nodes']:.0f}")


RENAMED = {  # bench.markdown's title and notes, for this table
    "# Benchmark results: chainrule vs micrograd 0.1.0": "# chainrule.compile vs micrograd 0.1.0",
    "- times are CPU seconds of this process": "- times are CPU seconds of the row's own process",
    "- bytes per node: tracemalloc, same graph, after backward, divided by the graph's node count":
        "- bytes/node held: tracemalloc, what the compiled replay holds (beyond the recorded graph)"
        " per node\n"
        "- each row ran in a process of its own, the rows taking turns (see the module docstring: why)",
}
HEADER = ("benchmark", "engine", "median ms", "x micrograd", "compile s", "bytes/node held")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="timed repetitions per row and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (every row once per round)")
    parser.add_argument("--compile-reps", type=int, default=3, help="repetitions per compile time (median)")
    parser.add_argument("--nodes", type=int, default=200_000, help="random graph size")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", action="store_true", help="write benchmarks/RESULTS_COMPILE.md")
    parser.add_argument("--row", help=argparse.SUPPRESS)  # internal: time one row in this process
    args = parser.parse_args(argv)
    if args.row:
        print(json.dumps(measure_row(args)))
        return
    rows = run_all(args)
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
