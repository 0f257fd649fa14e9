"""train's compile stays right when the graph's building branches on data (review finding 0).

The library's own losses have no Python branch on data (table ops only), so their replay follows the
data; user code that reads a Value's number through the number protocol while the graph is built
makes train rebuild every step (with one warning)."""

from __future__ import annotations

import math
import warnings

import pytest

from chainrule import Parameter, Value
from chainrule.engine.reads import watch_data_reads
from chainrule.nn import (
    MLP,
    SGD,
    Neuron,
    binary_cross_entropy_with_logits,
    cross_entropy,
    make_moons,
    mse_loss,
    softmax_cross_entropy,
    softplus,
    train,
)
from chainrule.nn import replay as replay_module


def _bce_run(compile):
    """Review finding 0, first reproducer: the logit's sign flips after the step was recorded."""
    n = Neuron(1, activation="linear", seed=0)
    n.b.data, n.w[0].data = 3.0, 0.0
    h = train(lambda x: n(x), [[1.0], [1.0]], [0.0, 0.0], binary_cross_entropy_with_logits,
              SGD(n.parameters(), lr=1.0), epochs=6, progress=False, compile=compile,
              lr_schedule=lambda s: 0.01 if s < 3 else 1000.0)
    return h, n.b.data


@pytest.mark.parametrize("compile", ["objects", "python"])  # 6 steps: the default would not record
def test_bce_replay_follows_the_logits_sign_as_a_rebuild_does(monkeypatch, compile):
    made = []
    real = replay_module.compile_graph
    monkeypatch.setattr(replay_module, "compile_graph", lambda *a, **k: made.append(1) or real(*a, **k))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the library's loss reads no number: no warning, it compiles
        compiled, b_compiled = _bce_run(compile)
    rebuilt, b_rebuilt = _bce_run(False)
    assert made == [1]
    assert compiled == rebuilt and b_compiled == b_rebuilt
    assert compiled.loss[-1] == 0.0 and math.isfinite(b_compiled)


def _max_run(compile):
    """Review finding 0, second reproducer: builtin max on Values is a Python branch on data."""
    a, b = Parameter(1.2, label="a"), Parameter(0.9, label="b")
    h = train(lambda x: max(a * x[0], b * x[0]), [[1.0]], [-5.0], mse_loss, SGD([a, b], lr=0.01),
              epochs=8, progress=False, compile=compile)
    return h, a.data, b.data


def test_a_branch_through_the_number_protocol_is_never_replayed():
    with pytest.warns(RuntimeWarning, match=r"not compiling.*comparison") as caught:
        compiled = _max_run("python")  # 8 steps: the default would not even probe
    assert len(caught) == 1  # said once, not per step
    assert compiled == _max_run(False)


@pytest.mark.parametrize("read", [float, int, round, lambda v: v.item(), lambda v: f"{v:.3f}",
                                  lambda v: v > 0, lambda v: 0.0 <= v, lambda v: math.floor(v)])
def test_every_number_read_is_seen(read):
    v = Value(1.5)
    with watch_data_reads() as reads:
        read(v)
    assert reads.count >= 1 and reads.first


def test_building_nodes_and_repr_read_nothing():
    a, b = Value(1.0), Value(2.0)
    with watch_data_reads() as outer:
        with watch_data_reads() as inner:
            y = (a * b + 1).tanh().maximum(a)
            f"{y}", repr(y), y == a, hash(y)
        float(y)
    assert inner.count == 0 and outer.count == 1  # the enclosing watch sees inner reads too


def test_a_user_branch_after_the_watch_compiles_as_before(monkeypatch):
    """Reads outside the graph's building (the optimizer, accuracy, the progress bar) do not count."""
    points, labels = make_moons(12, seed=1)
    model = MLP(2, [4, 1], seed=0)
    made = []
    real = replay_module.compile_graph
    monkeypatch.setattr(replay_module, "compile_graph", lambda *a, **k: made.append(1) or real(*a, **k))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        train(model, points, [2 * y - 1 for y in labels], mse_loss, SGD(model.parameters(), lr=0.05),
              epochs=4, progress=True, compile="python")
    assert made == [1]


@pytest.mark.parametrize("z", [-1000.0, -40.0, -3.5, -1e-9, 0.0, 1e-9, 2.25, 40.0, 1000.0])
def test_softplus_values_and_gradient_match_the_previous_branching_formula(z):
    x = Value(z)
    y = softplus(x)
    y.backward()
    old = z + math.log(1 + math.exp(-z)) if z > 0 else math.log(1 + math.exp(z))
    assert y.data == old  # bit for bit the formula it replaces
    sigmoid = 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))
    assert x.grad == pytest.approx(sigmoid, rel=1e-12, abs=1e-300)


def test_softplus_gradient_matches_centered_differences():
    for z in (-3.0, -0.4, 0.0, 0.7, 5.0):
        x = Value(z)
        softplus(x).backward()
        h = 1e-6
        numeric = (softplus(z + h).data - softplus(z - h).data) / (2 * h)
        assert x.grad == pytest.approx(numeric, rel=1e-6, abs=1e-9)


def test_softmax_cross_entropy_is_gpt_cross_entropy_and_matches_the_constant_shift():
    rows, labels = [[0.3, -1.2, 2.0], [5.0, 5.0, -700.0]], [2, 1]
    xs = [[Value(z) for z in row] for row in rows]
    loss = softmax_cross_entropy(xs, labels)
    loss.backward()
    # the previous formula: shift by a Python float (a Constant)
    old = 0.0
    for row, label in zip(rows, labels):
        top = max(row)
        old += math.log(sum(math.exp(z - top) for z in row)) - (row[label] - top)
    assert loss.data == pytest.approx(old / 2, rel=1e-15)
    for row, label, values in zip(rows, labels, xs):
        top = max(row)
        total = sum(math.exp(z - top) for z in row)
        for i, (z, v) in enumerate(zip(row, values)):
            assert v.grad == pytest.approx((math.exp(z - top) / total - (i == label)) / 2, abs=1e-15)
    single = [Value(z) for z in rows[0]]
    assert cross_entropy(single, 2).data == softmax_cross_entropy([[Value(z) for z in rows[0]]], [2]).data


def test_softmax_cross_entropy_training_is_now_compiled(monkeypatch):
    """The shift used to be a Constant read off the data: the fingerprint changed every step and
    train silently never compiled."""
    points, labels = make_moons(10, seed=2)
    made = []
    real = replay_module.compile_graph
    monkeypatch.setattr(replay_module, "compile_graph", lambda *a, **k: made.append(1) or real(*a, **k))

    def run(compile):
        model = MLP(2, [4, 2], seed=0)
        h = train(model, points, labels, softmax_cross_entropy, SGD(model.parameters(), lr=0.5),
                  epochs=5, progress=False, compile=compile)
        return h, [p.data for p in model.parameters()]

    assert run("python") == run(False)
    assert made == [1]
