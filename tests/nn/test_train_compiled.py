"""train replays a compiled step once the graph is known fixed: the same history and parameters,
bit for bit, as rebuilding every step (compile=False)."""

from __future__ import annotations

import pytest

from chainrule.nn import MLP, SGD, Adam, hinge_loss, l2_regularization, make_moons, mse_loss, train
from chainrule.nn import replay as replay_module
from chainrule.nn.losses import softmax_cross_entropy


def run(compile, *, loss="hinge", batch_size=None, count=20, optimizer=SGD, outputs=1, epochs=12):
    points, labels = make_moons(count, seed=3)
    signs = [2 * y - 1 for y in labels]
    model = MLP(2, [6, outputs], seed=5)
    params = model.parameters()
    losses = {
        "hinge": (lambda s, y: hinge_loss(s, y) + l2_regularization(params, 1e-3), signs),
        "mse": (mse_loss, [float(y) for y in signs]),
        "softmax": (softmax_cross_entropy, labels),
    }
    loss_fn, targets = losses[loss] if isinstance(loss, str) else (loss, [float(y) for y in signs])
    history = train(model, points, targets, loss_fn, optimizer(params, lr=0.05), epochs=epochs,
                    batch_size=batch_size, progress=False, seed=7, compile=compile,
                    lr_schedule=lambda step: 0.05 / (1 + step))
    return history, [p.data for p in params]


def compiles(monkeypatch):
    calls = []
    original = replay_module.compile_graph
    monkeypatch.setattr(replay_module, "compile_graph", lambda *a, **k: calls.append(1) or original(*a, **k))
    return calls


@pytest.mark.parametrize("batch_size, count", [(None, 20), (5, 20), (6, 20), (20, 20)])
@pytest.mark.parametrize("optimizer", [SGD, Adam])
@pytest.mark.parametrize("compile", [True, "python"])  # True: 10 or more steps left, "objects"
def test_compiled_training_is_rebuilt_training_bit_for_bit(monkeypatch, batch_size, count, optimizer,
                                                           compile):
    calls = compiles(monkeypatch)
    replayed = run(compile, batch_size=batch_size, count=count, optimizer=optimizer)
    assert calls == [1]  # the step was recorded once and replayed
    assert replayed == run(False, batch_size=batch_size, count=count, optimizer=optimizer)


def test_a_loss_with_data_in_its_constants_is_rebuilt_not_replayed(monkeypatch):
    """A loss that bakes a number read off ``.data`` in as a constant: the graphs differ between steps."""
    calls = compiles(monkeypatch)

    def shifted_mse(outputs, targets):
        shift = outputs[0].data  # a direct .data read: a Constant that changes every step
        return mse_loss([o - shift for o in outputs], [t - shift for t in targets])

    replayed = run(True, loss=shifted_mse)
    assert calls == []
    assert replayed == run(False, loss=shifted_mse)


def test_softmax_cross_entropy_is_replayed(monkeypatch):
    """Its log-sum-exp shift is a chain of max nodes (it used to be a baked constant, never compiled)."""
    calls = compiles(monkeypatch)
    replayed = run(True, loss="softmax", outputs=2)
    assert calls == [1]
    assert replayed == run(False, loss="softmax", outputs=2)


def test_mini_batches_with_float_labels_replay(monkeypatch):
    calls = compiles(monkeypatch)
    replayed = run(True, loss="mse", batch_size=4)
    assert calls == [1] and replayed == run(False, loss="mse", batch_size=4)


def test_softmax_mini_batches_refuse_leaf_labels_and_rebuild(monkeypatch):
    calls = compiles(monkeypatch)
    replayed = run(True, loss="softmax", outputs=2, batch_size=5)
    assert calls == [] and replayed == run(False, loss="softmax", outputs=2, batch_size=5)


def backends(monkeypatch):
    """The backend of each compile train makes (none: every step rebuilt)."""
    chosen = []
    original = replay_module.compile_graph
    monkeypatch.setattr(replay_module, "compile_graph",
                        lambda loss, backend, **k: chosen.append(backend) or original(loss, backend, **k))
    return chosen


@pytest.mark.parametrize("compile", ["objects", "python"])
@pytest.mark.parametrize("batch_size", [None, 6])
def test_each_forced_backend_is_rebuilt_training_bit_for_bit(monkeypatch, compile, batch_size):
    chosen = backends(monkeypatch)
    replayed = run(compile, batch_size=batch_size, epochs=3)  # short: the default would not record
    assert chosen == [compile]
    assert replayed == run(False, batch_size=batch_size, epochs=3)


@pytest.mark.parametrize("epochs, backend", [(1, None), (6, None), (8, None), (9, "objects"),
                                             (100, "objects"), (313, "objects"), (314, "python")])
def test_the_default_records_only_when_the_steps_left_repay_it(monkeypatch, epochs, backend):
    """Full batch: epochs - 2 steps are left after the two probes (REPLAY_COSTS: objects from
    7 left, python from 312 left)."""
    chosen = backends(monkeypatch)
    replayed = run(True, count=8, epochs=epochs)
    assert chosen == ([] if backend is None else [backend])
    assert replayed == run(False, count=8, epochs=epochs)


@pytest.mark.parametrize("epochs, backend", [(4, None), (5, "objects")])
def test_only_full_size_batches_count_as_steps_left(monkeypatch, epochs, backend):
    """20 samples in batches of 7: 7, 7 and a rebuilt 6 per epoch, so 2 * epochs - 2 replayable steps
    are left after the two probes (not 3 * epochs - 2, which is 10 at 4 epochs)."""
    chosen = backends(monkeypatch)
    replayed = run(True, batch_size=7, epochs=epochs)
    assert chosen == ([] if backend is None else [backend])
    assert replayed == run(False, batch_size=7, epochs=epochs)


@pytest.mark.parametrize("compile", ["numpy", "fast", 1, None, ["python"]])
def test_compile_must_be_a_bool_or_a_replay_backend(compile):
    with pytest.raises(ValueError, match=r"compile must be True, False or a backend \('objects', 'python'\)"):
        run(compile)
