"""The per-op test cases, read from the op table: every op in ``OPS`` and every constant an
``OP_FACTORIES`` family declares, each with the input domain its row declares (as MyGrad declares
domains next to its tests, but in the one place an op is defined)."""

from __future__ import annotations

import random
from functools import cache
from typing import Any

import sympy as sp
from hypothesis import strategies as st

from chainrule.engine import OP_FACTORIES, OPS, Op
from chainrule.engine.ops import Box, Domain


def op_cases() -> list[tuple[str, Op]]:
    """(case name, op) for every op of the table, read now (an op added at run time is included)."""
    cases = list(OPS.items())
    for name, factory in OP_FACTORIES.items():
        cases += [(f"{name}({k:g})", factory(k)) for k in factory.constants]
    return cases


def undeclared() -> list[str]:
    """The cases whose op declares no input domain: each is a test failure."""
    return [name for name, op in op_cases() if op.domain is None]


def declared() -> list[tuple[str, Op, Domain]]:
    return [(name, op, op.domain) for name, op in op_cases() if op.domain is not None]


def reals(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


def points_of(domain: Domain) -> st.SearchStrategy[tuple[float, ...]]:
    """Hypothesis points of the domain: a box, then a value in each of its intervals."""
    return st.sampled_from(domain.boxes).flatmap(lambda box: st.tuples(*(reals(lo, hi) for lo, hi in box)))


def points(name: str, box: Box, count: int) -> list[list[float]]:
    """``count`` fixed points in a box (a str seed is stable across runs and platforms)."""
    rng = random.Random(f"domain:{name}:{box}")
    return [[rng.uniform(lo, hi) for lo, hi in box] for _ in range(count)]


@cache
def exact(expression: str, arity: int) -> tuple[tuple[sp.Symbol, ...], Any]:
    """The op as a SymPy expression of symbols x0, x1, ...: the row's text is Python over SymPy's
    names and ``x`` (one input), ``a, b`` (two) or ``xs`` (all), evaluated (it is our own table)."""
    xs = sp.symbols(f"x0:{arity}", real=True)
    names: dict[str, Any] = {**vars(sp), "xs": xs}
    if arity == 1:
        names["x"] = xs[0]
    elif arity == 2:
        names.update(a=xs[0], b=xs[1])
    return xs, sp.sympify(eval(expression, names))
