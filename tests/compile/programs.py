"""Random programs over every op of the table (and custom ops) for the replay tests."""

from __future__ import annotations

import math
import struct
from typing import Any

from hypothesis import strategies as st

from chainrule import OPS, Op, Value
from chainrule.engine.ops import power, power_of

# A custom op with no template (replayed through its table functions), unary and n-ary.
CUBE = Op("cube", "x³", lambda x: x * x * x, lambda m, out, x: (3 * x * x,))
PROD = Op("prod", "Π", lambda *xs: math.prod(xs), lambda m, out, *xs: tuple(
    math.prod(xs[:i] + xs[i + 1:]) for i in range(len(xs))), arity=None)

UNARY = [name for name, op in OPS.items() if op.arity == 1]
NARY = [name for name, op in OPS.items() if op.arity is None]  # sum, select (an index picks an option)
BINARY = [name for name, op in OPS.items() if op.arity == 2]
EXPONENTS = [2.0, 3.0, -1.0, -2.0, 0.0, 1.0, 0.5, 1.5]
BASES = [2.0, 0.5, math.e]

# Inputs at kinks (0 for relu/abs, ties for max) and poles (0 for div, log), and beyond.
SPECIAL = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, -2.5, 1e-300, 710.0, -710.0, math.inf, -math.inf, math.nan]
data = st.one_of(st.sampled_from(SPECIAL), st.floats(-4, 4, allow_nan=False))
step = st.one_of(
    st.tuples(st.just("unary"), st.sampled_from(UNARY + ["cube"]), st.integers(0, 10 ** 6)),
    st.tuples(st.just("binary"), st.sampled_from(BINARY), st.integers(0, 10 ** 6), st.integers(0, 10 ** 6)),
    st.tuples(st.just("pow"), st.sampled_from(EXPONENTS), st.integers(0, 10 ** 6)),
    st.tuples(st.just("rpow"), st.sampled_from(BASES), st.integers(0, 10 ** 6)),
    st.tuples(st.just("const"), st.sampled_from(["add", "mul", "div", "sub"]), st.integers(0, 10 ** 6), data),
    st.tuples(st.just("nary"), st.sampled_from([*NARY, "prod"]), st.lists(st.integers(0, 10 ** 6), min_size=1,
                                                                            max_size=5)),
)
programs = st.tuples(st.integers(1, 4), st.lists(step, min_size=1, max_size=12))


def build(program: Any, leaves: list[Value]) -> Value:
    """The program's graph over ``leaves``; the output sums every node made, so all are in the graph
    (a rebuild computes, and may fail at, nodes that no replay of the output would run)."""
    _, steps = program
    made: list[Any] = list(leaves)
    for item in steps:
        kind = item[0]
        pick = lambda i: made[i % len(made)]  # noqa: E731
        if kind == "unary":
            made.append(CUBE(pick(item[2])) if item[1] == "cube" else OPS[item[1]](pick(item[2])))
        elif kind == "binary":
            made.append(OPS[item[1]](pick(item[2]), pick(item[3])))
        elif kind == "pow":
            made.append(power(item[1])(pick(item[2])))
        elif kind == "rpow":
            made.append(power_of(item[1])(pick(item[2])))
        elif kind == "const":
            made.append(OPS[item[1]](pick(item[2]), item[3]))
        else:
            op = PROD if item[1] == "prod" else OPS[item[1]]
            made.append(op(*[pick(i) for i in item[2]]))
    return OPS["sum"](*made[len(leaves):]) if len(made) > len(leaves) + 1 else made[-1]


def bits(x: Any) -> Any:
    """A float's exact identity (sign of zero kept; every NaN the same)."""
    x = float(x)
    return "nan" if math.isnan(x) else struct.pack("<d", x)


def outcome(run: Any) -> Any:
    """What running ``run`` gives: its result, or the error's type and message."""
    try:
        return ("ok", run())
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return ("error", type(exc).__name__, str(exc))
