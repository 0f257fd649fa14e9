"""Code written for micrograd's nn runs unchanged on chainrule.nn, and computes the same numbers."""

import pytest

from chainrule import Value
from chainrule.nn import MLP, Layer, Neuron, make_moons


def test_micrograd_readme_training_loop_runs_unchanged():
    model = MLP(2, [16, 16, 1])
    xs = [[2.0, 3.0], [3.0, -1.0], [0.5, 1.0], [1.0, 1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    losses = []
    for _ in range(20):
        ypred = [model(x) for x in xs]
        loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, ypred))  # the builtin sum, as in micrograd
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.01 * p.grad
        losses.append(loss.data)
    assert losses[-1] < 0.5 * losses[0]


def test_micrograd_demo_loss_code_runs_unchanged():
    X, y = make_moons(n_samples=20, noise=0.1)
    y = [yi * 2 - 1 for yi in y]
    model = MLP(2, [16, 16, 1])
    inputs = [list(map(Value, xrow)) for xrow in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    alpha = 1e-4
    reg_loss = alpha * sum((p * p for p in model.parameters()))  # noqa: UP034 - micrograd's demo, verbatim
    total_loss = data_loss + reg_loss
    accuracy = [(yi > 0) == (scorei.data > 0) for yi, scorei in zip(y, scores)]
    model.zero_grad()
    total_loss.backward()
    assert 0 <= sum(accuracy) / len(accuracy) <= 1
    assert all(p.has_grad for p in model.parameters())


def test_same_weights_give_micrograds_loss_and_gradients():
    micrograd_engine = pytest.importorskip("micrograd.engine")
    micrograd_nn = pytest.importorskip("micrograd.nn")
    theirs, ours = micrograd_nn.MLP(2, [4, 4, 1]), MLP(2, [4, 4, 1], seed=3)
    for mine, other in zip(ours.parameters(), theirs.parameters(), strict=True):
        other.data = mine.data  # same order: each neuron's weights, then its bias

    def demo_loss(model, value):
        points, labels = make_moons(12, noise=0.1, seed=4)
        scores = [model([value(a), value(b)]) for a, b in points]
        losses = [(1 + -(2 * label - 1) * s).relu() for label, s in zip(labels, scores)]
        return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())

    loss_ours, loss_theirs = demo_loss(ours, Value), demo_loss(theirs, micrograd_engine.Value)
    loss_ours.backward()
    loss_theirs.backward()
    assert loss_ours.data == pytest.approx(loss_theirs.data, rel=1e-12)
    theirs_grads = [p.grad for p in theirs.parameters()]
    assert [p.grad for p in ours.parameters()] == pytest.approx(theirs_grads, rel=1e-9)


def test_micrograd_constructors_and_repr_shapes():
    assert Neuron(3, nonlin=False)([1.0, 2.0, 3.0]).op.name == "sum"
    layer = Layer(2, 3, nonlin=False)
    assert len(layer([1.0, 2.0])) == 3 and len(layer.parameters()) == 9
    assert "Layer" in repr(layer) and "MLP" in repr(MLP(2, [3, 1]))
