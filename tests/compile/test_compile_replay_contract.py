"""What a call of a compiled graph promises, alike on every backend (review findings 2, 5 and 6):
a rule or forward patched after compiling is used as by the plain engine; a call writes the
gradients of the wrt leaves only; ``value_of`` reads the last run and refuses foreign nodes."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule
from chainrule import OPS, Constant, Op, Parameter, Value, detect_anomaly
from chainrule.compile import compile
from chainrule.engine import recompute, topological_order

BACKENDS = ["objects", "python", "numpy"]


def _tanh_sum(n: int) -> tuple[Value, list[Value]]:
    xs = [Value(0.1 * (i + 1)) for i in range(n)]
    return chainrule.sum(x.tanh() * (i + 1.0) for i, x in enumerate(xs)), xs


def _engine(build, n: int) -> tuple[float, list[float]]:
    """The plain engine on a fresh graph: forward by each op's current ``forward``, then backward."""
    y, xs = build(n)
    recompute(topological_order(y))
    y.backward()
    return y.data, [x.grad for x in xs]


class _Counting:
    """Wraps a compiled graph's backend runner to count the fast replays."""

    def __init__(self, runner):
        self.runner, self.calls = runner, 0

    def __call__(self):
        self.calls += 1
        return self.runner()


# --- 1. functions patched after compiling -------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", [3, 4, 9])  # below, at and above the objects backend's MIN_BATCH
@pytest.mark.parametrize("field, patch", [
    ("local_grads", lambda m, out, x: (42.0 * x,)),
    ("forward", lambda x: 2.0 * x),
])
def test_a_function_patched_after_compile_is_used_as_by_the_engine(monkeypatch, backend, n, field, patch):
    y, xs = _tanh_sum(n)
    step = compile(y, backend)
    step()  # numpy binds its arrays (and its rules) on the first call
    monkeypatch.setattr(OPS["tanh"], field, patch)
    for x, v in zip(xs, [0.3, -0.2, 0.7, 1.1, -0.5, 0.05, 0.9, -1.3, 0.4]):
        x.data = v
    result = step()
    expected, grads = _engine(lambda k: _with_data(_tanh_sum(k), [x.data for x in xs]), n)
    assert result == expected and [x.grad for x in xs] == grads


def _with_data(built, data):
    y, xs = built
    for x, v in zip(xs, data):
        x.data = v
    return y, xs


@pytest.mark.parametrize("backend", BACKENDS)
def test_patched_constant_partials_and_custom_ops_are_followed_and_the_replay_resumes(monkeypatch, backend):
    double = Op("double", "2x", forward=lambda x: 2.0 * x, local_grads=lambda m, out, x: (2.0,))
    a, b = Value(1.5), Value(-0.5)
    y = double(a + b) * a
    step = compile(y, backend)
    counting = step._runner = _Counting(step._runner)
    assert step() == 3.0 and counting.calls == 1
    monkeypatch.setattr(double, "local_grads", lambda m, out, x: (5.0,))
    monkeypatch.setattr(OPS["add"], "constant_partials", (1.0, 3.0))
    assert step() == 3.0 and counting.calls == 1  # plain runs from here on
    assert (a.grad, b.grad) == (5.0 * 1.5 + 2.0, 15.0 * 1.5)
    monkeypatch.undo()  # the recorded functions again: the backend replays again
    assert step() == 3.0 and counting.calls == 2
    assert (a.grad, b.grad) == (2.0 * 1.5 + 2.0, 2.0 * 1.5)


def test_numpy_batch_call_with_a_patched_rule_is_the_engine_per_sample(monkeypatch):
    w, x = Parameter(0.7), Value(0.0)
    step = compile((w * x).tanh() * 3.0, "numpy", batch=[x])
    columns = [0.5, -1.0, 2.0]
    step({x: columns})
    monkeypatch.setattr(OPS["tanh"], "local_grads", lambda m, out, v: (1.0 - v,))
    outputs = step({x: columns})
    total = 0.0
    for v in columns:
        w1, x1 = Value(0.7), Value(v)
        y1 = (w1 * x1).tanh() * 3.0
        y1.backward()
        total += w1.grad
    assert w.grad == total
    assert outputs.tolist() == [3.0 * math.tanh(0.7 * v) for v in columns]


# --- 2. a call sets the wrt leaves' gradients only ----------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("anomaly", [False, True])  # the fast replay, and the plain run
def test_a_call_leaves_other_leaves_and_constants_alone_and_sync_fills_them(backend, anomaly):
    w, x, c = Parameter(0.5), Value(2.0), Constant(3.0)
    step = compile((w * x * c).tanh(), backend, wrt=[w])
    x.grad, c.grad = 7.0, 11.0
    w.data = 0.25
    if anomaly:
        with detect_anomaly():
            step()
    else:
        step()
    slope = 1.0 - math.tanh(0.25 * 2.0 * 3.0) ** 2
    assert w.grad == pytest.approx(6.0 * slope, rel=1e-15)
    assert (x.grad, c.grad) == (7.0, 11.0)
    step.sync()
    assert x.grad == pytest.approx(0.75 * slope, rel=1e-15)
    assert c.grad == pytest.approx(0.5 * slope, rel=1e-15)


@pytest.mark.parametrize("backend", BACKENDS)
def test_default_wrt_leaves_constants_alone(backend):
    x = Value(2.0)
    c = Constant(-1.5)
    step = compile(x * c + x, backend)
    c.grad = 9.0
    x.data = 4.0
    assert step() == -2.0 and x.grad == -0.5 and c.grad == 9.0


# --- 3. value_of ----------------------------------------------------------------------------------

@pytest.mark.parametrize("backend", BACKENDS)
def test_value_of_a_leaf_is_the_data_the_last_run_used(backend):
    x = Value(1.0)
    h = x * 2.0
    c = h.parents[1]
    step = compile(h + 1.0, backend, watch=[h])
    with pytest.raises(RuntimeError, match="before the first call"):
        step.value_of(x)
    x.data = 5.0
    step()
    x.data = 7.0
    assert (step.value_of(x), step.value_of(h), step.value_of(c)) == (5.0, 10.0, 2.0)
    step.sync()  # sync keeps the leaves' current data, and value_of still reads the run's
    assert step.value_of(x) == 5.0 and x.data == 7.0


@pytest.mark.parametrize("backend", BACKENDS)
def test_value_of_refuses_a_node_outside_the_recorded_graph(backend):
    x = Value(1.0)
    y = x * 2.0
    step = compile(y + 1.0, backend, watch=[y])
    step()
    for stranger in (Value(123.0), y * 3.0):
        with pytest.raises(ValueError, match="not in the graph recorded by compile"):
            step.value_of(stranger)


def test_value_of_a_numpy_batch_leaf_is_its_column():
    w, x = Parameter(2.0), Value(0.0)
    step = compile((w * x).tanh(), "numpy", batch=[x])
    step({x: [0.5, 1.5]})
    assert step.value_of(x).tolist() == [0.5, 1.5]
    assert np.array_equal(step.value_of(w), [2.0, 2.0])
