"""The n-ary sum replays through the very function the row's forward calls, the builtin ``sum``: on
Python 3.12+ it compensates (Neumaier), so a left-to-right chain of ``+`` would not be bit for bit."""

from __future__ import annotations

import builtins
import math

import pytest

from chainrule import OPS, Value
from chainrule import sum as value_sum
from chainrule.compile import compile
from chainrule.compile.codegen import generate
from chainrule.compile.tape import Tape
from tests.compile.programs import bits

CANCELLING = [1e16, 1.0, -1e16]  # left to right: 0.0; compensated (Python 3.12+ sum): 1.0


def neumaier(items, start=0):
    """Python 3.12's builtin sum of floats, for a Python that sums left to right."""
    items = list(items)
    if type(start) is not float or not all(type(x) is float for x in items):
        return REAL_SUM(items, start)
    total, compensation = start, 0.0
    for x in items:
        t = total + x
        compensation += (total - t) + x if abs(total) >= abs(x) else (x - t) + total
        total = t
    return total + compensation if compensation and math.isfinite(compensation) else total


REAL_SUM = builtins.sum


def resolved(function, name):
    """What ``name`` means inside ``function`` when it runs: its module's global, else the builtin."""
    return function.__globals__.get(name, getattr(builtins, name))


def test_the_sum_row_and_its_template_call_the_same_builtin_sum():
    op = OPS["sum"]
    assert "sum" in op.forward.__code__.co_names and resolved(op.forward, "sum") is REAL_SUM
    xs = [Value(1.0), Value(2.0), Value(3.0)]
    program = generate(Tape(value_sum(x * x for x in xs)))
    source = program.chunks[0]
    assert "sum((" in source and " + " not in source.split("g", 1)[0]  # the forward: no chain of +
    assert "sum" not in program.namespace  # the generated code resolves the builtin when it runs


@pytest.mark.parametrize("backend", ["objects", "python"])
def test_a_cancelling_sum_replays_as_the_engine_sums(backend):
    xs = [Value(x) for x in CANCELLING]
    w = Value(1.0)
    loss = value_sum([w * x for x in xs]) * w  # the products fuse into the sum's tuple
    step = compile(loss, backend, wrt=[w, *xs])
    for x, new in zip(xs, [3e16, 2.0, -3e16]):
        x.data = new
    got = step()
    rebuilt = [Value(x.data) for x in xs]
    w2 = Value(1.0)
    expected = value_sum([w2 * x for x in rebuilt]) * w2
    expected.backward()
    assert bits(got) == bits(expected.data) and bits(w.grad) == bits(w2.grad)


@pytest.mark.parametrize("backend", ["objects", "python"])
def test_a_compensated_builtin_sum_is_what_the_replay_uses_too(backend, monkeypatch):
    """Python 3.12's sum, simulated on any Python: the engine's result changes, and the replay's with it."""
    monkeypatch.setattr(builtins, "sum", neumaier)
    xs = [Value(x) for x in CANCELLING]
    total = value_sum(xs)
    assert total.data == 1.0  # the engine now compensates (a chain of + gives 0.0)
    step = compile(total * 2.0, backend)
    assert step() == 2.0
    xs[1].data = 3.0
    assert step() == 6.0 and [x.grad for x in xs] == [2.0, 2.0, 2.0]
