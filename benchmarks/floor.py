"""The interpreter floor of a replayed step: its multiplications as the plainest straight-line Python.

    python benchmarks/floor.py              # the moons step: its work, the floors and the replay, one run
    python benchmarks/floor.py --reps 21

A replay by the "python" backend cannot do less than the step's arithmetic: one multiplication per
product node of the forward pass and one per chain-rule contribution whose local gradient is not a
constant ±1 (``local * upstream``), nearly each followed by an addition. :func:`step_work` counts
them on a recorded graph. :func:`interpreter_floor` times a function made of nothing but rows of
``t = 0.0 + a * b + c * e + ...`` (16 products per row, operands cycling through ``live_locals``
local variables, results stored into them): four bytecode instructions per multiply-add, no
branches, no calls. With fewer than 256 locals every instruction is one code unit; with as many as
the replay keeps alive (thousands: every activation of every sample waits for the backward pass)
each local needs an EXTENDED_ARG prefix, which is the floor such a replay actually faces.

:func:`moons_floor` is the row for ``bench_compile.py``: the moons step's work, both floors, and the
"python" replay of the step (call alone, and call + SGD), medians of one run.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from operator import itemgetter
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402 - the shared timing helper

ROW = 16  # products per statement, as in a neuron of the moons MLP


def step_work(tape: Any) -> dict[str, int]:
    """The multiplications a replay of ``tape`` must do: forward products and gradient products.

    >>> from chainrule import Value
    >>> from chainrule.compile.tape import Tape
    >>> w, x = Value(2.0), Value(3.0)
    >>> step_work(Tape((w * x + 1.0).relu(), wrt=[w]))
    {'forward products': 1, 'gradient products': 2, 'multiplications': 3}
    """
    from chainrule.compile.rules import partials_code

    position = {node: i for i, node in enumerate(tape.nodes)}
    wrt = set(tape.wrt)
    needs: list[bool] = []
    forward = backward = 0
    for node in tape.nodes:
        parents = [position[p] for p in node.parents]
        needs.append(node in wrt if not parents else any(needs[p] for p in parents))
        if not parents:
            continue
        forward += node.op.name == "mul"
        partials = partials_code(node.op) or ("?",)
        for j, p in enumerate(parents):
            local = partials[0] if node.op.arity is None else partials[min(j, len(partials) - 1)]
            backward += needs[p] and local not in ("1.0", "(-1.0)", "-1.0")
    return {"forward products": forward, "gradient products": backward,
            "multiplications": forward + backward}


def floor_function(multiply_adds: int, live_locals: int) -> Callable[[list[float]], None]:
    """The straight-line function :func:`interpreter_floor` times (exposed to look at its bytecode).

    >>> f = floor_function(32, 60)
    >>> f([1.0] * 60)
    >>> f.__code__.co_nlocals
    61
    """
    live = max(live_locals, 3 * ROW)
    names = [f"x{i}" for i in range(live)]
    operands, targets = names[:-ROW], names[-ROW:]  # results never feed back: the values stay near 1
    lines = ["def floor(d):", f"    {', '.join(names)} = read(d)"]
    k = 0
    for row in range((multiply_adds + ROW - 1) // ROW):
        terms = []
        for _ in range(min(ROW, multiply_adds - row * ROW)):
            terms.append(f"{operands[k % len(operands)]} * {operands[(k + 1) % len(operands)]}")
            k += 2
        lines.append(f"    {targets[row % ROW]} = 0.0 + {' + '.join(terms)}")
    namespace: dict[str, Any] = {"read": itemgetter(*range(live))}
    exec(compile("\n".join(lines), "<floor>", "exec"), namespace)
    return namespace["floor"]


def interpreter_floor(multiply_adds: int, live_locals: int = 255, reps: int = 21) -> float:
    """Median CPU seconds of ``multiply_adds`` multiply-adds as plain straight-line Python over
    ``live_locals`` locals (warmed up first, so CPython has specialised the float operations).

    >>> interpreter_floor(1_000, reps=3) > 0
    True
    """
    run = floor_function(multiply_adds, live_locals)
    values = [1.0 + i / 1e4 for i in range(max(live_locals, 3 * ROW))]
    for _ in range(10):  # CPython 3.11 specialises a function after 8 calls
        run(values)
    return bench.median_time(lambda: run(values), reps)


def moons_floor(reps: int = 21, seed: int = 0) -> dict[str, Any]:
    """The moons step (bench_compile.replay_step's graph): its work, the floors, the replay; one run.

    Times are medians of CPU seconds after 10 warm-up calls. ``floor, 255 locals``: the best case of
    straight-line Python; ``floor, replay's locals``: the same over as many locals as the replay's
    largest chunk has. Both are a bound for any replay written as straight-line Python in this
    interpreter, not a measurement of one.
    """
    import bench_compile

    import chainrule
    from chainrule.compile.tape import Tape

    points, labels, model = bench_compile.moons_setup(seed)
    params = model.parameters()
    loss = bench_compile.moons_loss(model, points, labels)
    work = step_work(Tape(loss, wrt=params))
    compiled = chainrule.compile(loss, "python", wrt=params)
    nlocals = max(chunk.__code__.co_nlocals for chunk in _chunk_functions(compiled))
    for _ in range(10):
        compiled()
    n = work["multiplications"]
    result: dict[str, Any] = dict(work)
    result["replay locals"] = nlocals
    result["floor, 255 locals"] = interpreter_floor(n, 255, reps)
    result[f"floor, {nlocals} locals"] = interpreter_floor(n, nlocals, reps)
    result["replay call"] = bench.median_time(compiled, reps)
    result["replay call + SGD"] = bench.median_time(lambda: (compiled(), bench_compile.sgd(params)), reps)
    return result


def _chunk_functions(compiled: Any) -> list[Any]:
    """The generated chunk functions a python-backend Compiled calls (found through its runner)."""
    cells = [cell.cell_contents for cell in compiled._runner.__closure__ or ()]
    return next(c for c in cells if isinstance(c, list) and c and callable(c[0]))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=21, help="repetitions per timing (median)")
    args = parser.parse_args(argv)
    result = moons_floor(args.reps)
    n = result["multiplications"]
    for name, value in result.items():
        if isinstance(value, float):
            print(f"{name:28s} {value * 1e3:8.3f} ms  {value / n * 1e9:6.2f} ns per multiplication")
        else:
            print(f"{name:28s} {value:8,}")


if __name__ == "__main__":
    main()
