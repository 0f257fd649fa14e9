"""The sum over paths and forward mode, measured in one run.

    python benchmarks/bench_paths.py [--reps N]

1. ``chainrule.paths(y, x, max_paths=10)`` on stacked diamonds (y -> sin(y) * cos(y)) of depth 10, 20
   and 30 (2^10, 2^20, 2^30 paths): median CPU time and the search's steps, beside plain
   ``y.backward()`` on the same graph. The report's cost grows with the depth (each listed path is as
   long as the graph is deep), not with the number of paths.
2. The gradient of a 2-16-16-1 MLP's output with respect to its 337 parameters: reverse mode (one
   backward pass), forward mode (one pass per parameter) and ``jacobian`` in both modes; medians and
   the ratio forward / reverse, which should be about the pass counts' ratio.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import time
from collections.abc import Callable

import chainrule
from chainrule import Value
from chainrule.nn import MLP


def median_seconds(work: Callable[[], object], reps: int) -> float:
    times = []
    for _ in range(reps):
        gc.collect()
        start = time.process_time()
        work()
        times.append(time.process_time() - start)
    return statistics.median(times)


def diamonds(depth: int) -> tuple[Value, Value]:
    x = Value(0.3, label="x")
    y = x
    for _ in range(depth):
        y = y.sin() * y.cos()
    return x, y


def bench_paths(reps: int) -> None:
    print("paths(y, x, max_paths=10) on stacked diamonds, against y.backward() on the same graph")
    print(f"{'depth':>5}  {'paths':>14}  {'steps':>6}  {'paths() ms':>10}  {'backward ms':>11}  ratio")
    for depth in (10, 20, 30):
        x, y = diamonds(depth)
        steps = chainrule.paths(y, x, max_paths=10).result.work
        report = median_seconds(lambda: str(chainrule.paths(y, x, max_paths=10)), reps)  # noqa: B023
        backward = median_seconds(y.backward, reps)
        print(f"{depth:>5}  {2 ** depth:>14,}  {steps:>6}  {report * 1e3:>10.3f}  {backward * 1e3:>11.3f}"
              f"  {report / backward:.1f}x")


def bench_modes(reps: int) -> None:
    model = MLP(2, [16, 16, 1], seed=1)
    out = model([Value(0.5), Value(-1.0)])
    params = model.parameters()
    print(f"\nd out / d parameters of a 2-16-16-1 MLP ({len(params)} parameters, one output)")
    reverse = median_seconds(lambda: chainrule.grad(out, params), reps)
    forward = median_seconds(lambda: [chainrule.forward_grad(out, p) for p in params], reps)
    j_rev = median_seconds(lambda: chainrule.jacobian(out, params, mode="reverse"), reps)
    j_fwd = median_seconds(lambda: chainrule.jacobian(out, params, mode="forward"), reps)
    print(f"reverse mode, grad():            {reverse * 1e3:9.2f} ms   (1 pass)")
    print(f"forward mode, forward_grad each: {forward * 1e3:9.2f} ms   ({len(params)} passes)"
          f"   forward / reverse = {forward / reverse:.0f}x")
    print(f"jacobian(mode='reverse'):        {j_rev * 1e3:9.2f} ms")
    print(f"jacobian(mode='forward'):        {j_fwd * 1e3:9.2f} ms"
          f"   forward / reverse = {j_fwd / j_rev:.0f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5, help="repetitions per measurement (median)")
    reps = parser.parse_args().reps
    bench_paths(reps)
    bench_modes(reps)


if __name__ == "__main__":
    main()
