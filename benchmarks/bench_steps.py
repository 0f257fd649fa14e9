"""Stepper export: time and page size for backward traces of about 100, 1,000 and 10,000 steps.

    python benchmarks/bench_steps.py            # print the table
    python benchmarks/bench_steps.py --reps 3   # medians of 3 runs of each export

One sample through MLPs 2-4-4-1, 2-16-16-1 and 2-56-56-1 with an MSE loss, stepped node by node.
For each: the steps and nodes, the one Graphviz layout (timed once: it is the renderer's work, not
the stepper's), the export of the page given that layout (``trace.to_html()``: every frame's
changes, the sentences, the table, packed), and the page's size. The reference beside it is what
the old stepper did per frame, making the whole graph's DOT text (``to_dot`` with that frame's
gradients), timed on 20 frames and multiplied by the number of steps.

The 2-56-56-1 graph is past the stepper's node limit (``STEP_NODE_LIMIT``, which keeps the
WebAssembly Graphviz from running out of stack); the benchmark lifts the limit to measure it.
"""

from __future__ import annotations

import argparse
import statistics
import time

from chainrule.nn import MLP, mse_loss
from chainrule.viz import render_svg, to_dot
from chainrule.viz.steps import frames, step_through

SIZES = [(4, 4), (16, 16), (56, 56)]


def loss_of(hidden: tuple[int, int]):
    model = MLP(2, [*hidden, 1], seed=0)
    return mse_loss([model([0.5, -1.5])], [1.0])


def old_frame_cost(trace, frames_timed: int = 20) -> float:
    """Seconds per frame to make the whole graph's DOT text with that frame's gradients."""
    picks = [round(k * (len(trace) - 1) / (frames_timed - 1)) for k in range(frames_timed)]
    start = time.process_time()
    for i in picks:
        to_dot(trace.root, max_nodes=None, names=trace.names, grads=trace.grads_after(i))
    return (time.process_time() - start) / frames_timed


def measure(hidden: tuple[int, int], reps: int) -> dict:
    trace = step_through(loss_of(hidden))
    start = time.perf_counter()
    trace.film()  # the one layout (Graphviz), laid out once
    layout = time.perf_counter() - start
    exports, page = [], ""
    for _ in range(reps):
        trace._film._deltas = None  # export from the laid-out picture again, as a fresh trace would
        start = time.process_time()
        page = trace.to_html()
        exports.append(time.process_time() - start)
    return {"model": f"2-{hidden[0]}-{hidden[1]}-1", "steps": len(trace), "nodes": len(trace.names),
            "layout": layout, "export": statistics.median(exports), "bytes": len(page.encode("utf-8")),
            "old": old_frame_cost(trace) * len(trace)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=1, help="exports per trace (median reported)")
    args = parser.parse_args()
    frames.STEP_NODE_LIMIT = 10**9  # measure the 10,000-step graph too (see the module docstring)
    render_svg("digraph { a }")  # compile the WebAssembly Graphviz once, outside the timings
    print("| model | steps | nodes | layout (s, once) | export (s) | per step (µs) | page (kB)"
          " | old: DOT per frame (s, est.) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for hidden in SIZES:
        row = measure(hidden, args.reps)
        print(f"| {row['model']} | {row['steps']:,} | {row['nodes']:,} | {row['layout']:.2f} |"
              f" {row['export']:.3f} | {1e6 * row['export'] / row['steps']:.0f} |"
              f" {row['bytes'] / 1000:,.0f} |"
              f" {row['old']:.1f} |")


if __name__ == "__main__":
    main()
