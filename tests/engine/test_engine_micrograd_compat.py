"""Code written for micrograd's Value runs unchanged on chainrule's, with only the import changed.

micrograd 0.1.0 (installed for the benchmark) is the reference: the same code runs on both Values
and must give the same numbers. Its own test_engine.py compares with PyTorch; the expected values
below are the ones printed in micrograd's README.
"""

from __future__ import annotations

import inspect
import math
import random
import types
from typing import Any

import micrograd.engine
import micrograd.nn
import pytest

import chainrule


def sanity_check(Value: type) -> tuple[Any, Any]:
    """micrograd's test_engine.py::test_sanity_check, minus the torch half."""
    x = Value(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return y, x


def more_ops(Value: type) -> tuple[Any, Any, Any]:
    """micrograd's test_engine.py::test_more_ops (and its README example)."""
    a = Value(-4.0)
    b = Value(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return g, a, b


def test_sanity_check_matches_micrograd() -> None:
    (y, x), (y_ref, x_ref) = sanity_check(chainrule.Value), sanity_check(micrograd.engine.Value)
    assert y.data == y_ref.data == -20.0 and x.grad == x_ref.grad == 46.0


def test_more_ops_matches_micrograd_and_its_readme() -> None:
    (g, a, b), (g_ref, a_ref, b_ref) = more_ops(chainrule.Value), more_ops(micrograd.engine.Value)
    assert math.isclose(g.data, g_ref.data, rel_tol=1e-12) and f"{g.data:.4f}" == "24.7041"
    assert math.isclose(a.grad, a_ref.grad, rel_tol=1e-12) and f"{a.grad:.4f}" == "138.8338"
    assert math.isclose(b.grad, b_ref.grad, rel_tol=1e-12) and f"{b.grad:.4f}" == "645.5773"


IMPORTS = {micrograd.engine.Value: "from micrograd.engine import Value",
           chainrule.Value: "from chainrule import Value"}


def micrograd_nn_on(Value: type) -> types.ModuleType:
    """micrograd's nn.py source, executed with only its import line changed."""
    source = inspect.getsource(micrograd.nn)
    line = IMPORTS[micrograd.engine.Value]
    assert line in source
    module = types.ModuleType("nn_on_value")
    exec(compile(  # noqa: S102 - micrograd's own nn.py source, the point of the test
        source.replace(line, IMPORTS[Value]), "nn.py", "exec"), module.__dict__)
    return module


def moons(n: int, rng: random.Random) -> tuple[list[list[float]], list[int]]:
    points, labels = [], []
    for i in range(n):
        t = math.pi * rng.random()
        x, y, label = (math.cos(t), math.sin(t), -1) if i % 2 else (1 - math.cos(t), 0.5 - math.sin(t), 1)
        points.append([x + rng.gauss(0, 0.1), y + rng.gauss(0, 0.1)])
        labels.append(label)
    return points, labels


def train_demo(Value: type, steps: int) -> tuple[list[float], list[float]]:
    """The training loop of micrograd's demo.ipynb (SVM max-margin loss, L2, SGD), verbatim in spirit."""
    nn = micrograd_nn_on(Value)
    random.seed(1337)
    model = nn.MLP(2, [16, 16, 1])
    X, y = moons(30, random.Random(0))
    losses = []
    for k in range(steps):
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        data_losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(data_losses) * (1.0 / len(data_losses))
        reg_loss = 1e-4 * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        model.zero_grad()
        total_loss.backward()
        learning_rate = 1.0 - 0.9 * k / 100
        for p in model.parameters():
            p.data -= learning_rate * p.grad
        losses.append(total_loss.data)
    return losses, [p.data for p in model.parameters()]


def test_micrograd_nn_trains_identically_on_chainrule_values() -> None:
    ours, ours_params = train_demo(chainrule.Value, steps=4)
    ref, ref_params = train_demo(micrograd.engine.Value, steps=4)
    assert ours == pytest.approx(ref, rel=1e-9)
    assert ours_params == pytest.approx(ref_params, rel=1e-9, abs=1e-12)
    assert ours[-1] < ours[0]  # it learns


def test_micrograd_draw_dot_attributes() -> None:
    """micrograd's trace_graph.draw_dot reads _prev, _op, data and grad."""
    a = chainrule.Value(2.0)
    b = a * a + 1
    b.backward()
    assert b._op == "+" and b._prev == {b.parents[0], b.parents[1]} and a._op == ""
    assert "%.4f" % b.grad == "1.0000"  # noqa: UP031 - draw_dot's own formatting
    assert repr(a) == "Value(data=2.0, grad=4.0)"
