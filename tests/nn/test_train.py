"""The training loop, evaluation and accuracy; a 3-class spiral learned with softmax cross-entropy."""

import pytest

from chainrule import Value
from chainrule.nn import (
    MLP,
    SGD,
    Adam,
    accuracy,
    evaluate,
    hinge_loss,
    make_moons,
    make_spiral,
    mse_loss,
    predict,
    softmax_cross_entropy,
    train,
)


def _moons(n=30):
    points, labels = make_moons(n, noise=0.1, seed=2)
    return points, [2 * y - 1 for y in labels]


def test_training_decreases_the_loss():
    points, signs = _moons()
    model = MLP(2, [8, 1], seed=0)
    before = evaluate(model, points, signs, hinge_loss).loss
    history = train(model, points, signs, hinge_loss, SGD(model.parameters(), lr=0.05, momentum=0.9),
                    epochs=15, batch_size=10, progress=False)
    after = evaluate(model, points, signs, hinge_loss).loss
    assert after < 0.6 * before
    assert history.loss[-1] < history.loss[0]
    assert len(history.loss) == len(history.accuracy) == 15 and len(history.step_loss) == 45


def test_batches_are_shuffled_from_the_seed():
    points, signs = _moons(20)

    def run(seed):
        model = MLP(2, [4, 1], seed=0)
        return train(model, points, signs, hinge_loss, SGD(model.parameters(), lr=0.1), epochs=3,
                     batch_size=7, seed=seed, progress=False).step_loss

    assert run(5) == run(5)
    assert run(5) != run(6)
    assert len(run(5)) == 3 * 3  # 7 + 7 + 6


def test_full_batch_keeps_the_data_order_and_schedule_sets_lr():
    points, signs = _moons(20)
    model = MLP(2, [4, 1], seed=0)
    optimizer = SGD(model.parameters(), lr=1.0)
    seen = []

    def loss_fn(outputs, labels):
        seen.append(list(labels))
        return hinge_loss(outputs, labels)

    train(model, points, signs, loss_fn, optimizer, epochs=4, lr_schedule=lambda step: 1.0 / (step + 1),
          progress=False, compile=False)
    assert seen == [signs] * 4
    assert optimizer.lr == 0.25
    seen.clear()  # compiled: two rebuilt steps call the loss; the replays of the recorded graph do not
    train(model, points, signs, loss_fn, optimizer, epochs=4, progress=False, compile="objects")
    assert seen == [signs] * 2
    seen.clear()  # by default, four steps do not repay probing and recording: all four are rebuilt
    train(model, points, signs, loss_fn, optimizer, epochs=4, progress=False)
    assert seen == [signs] * 4


def test_progress_bar_shows_running_loss_and_accuracy(capsys):
    points, signs = _moons(10)
    model = MLP(2, [4, 1], seed=0)
    train(model, points, signs, hinge_loss, SGD(model.parameters(), lr=0.1), epochs=2, desc="moons")
    err = capsys.readouterr().err
    assert "moons" in err and "loss=" in err and "acc=" in err and "2/2" in err


def test_evaluation_builds_no_graph():
    model = MLP(2, [4, 3], seed=0)
    outputs = predict(model, [[0.1, 0.2], [0.3, -0.4]])
    assert all(y.parents == () for row in outputs for y in row)
    result = evaluate(model, [[0.1, 0.2]], [1], softmax_cross_entropy)
    assert result.accuracy in (0.0, 1.0) and result.loss > 0
    assert evaluate(model, [[0.1, 0.2]], [1]).loss is None


def test_accuracy_reads_one_score_or_class_scores():
    assert accuracy([Value(0.3), -0.2, 5.0], [1, 0, -1]) == pytest.approx(2 / 3)
    assert accuracy([[0.1, 0.5, 0.2], [Value(2.0), Value(1.0), Value(0.0)]], [1, 2]) == 0.5
    assert accuracy([[Value(0.3)], [-0.2], [5.0]], [1, 0, -1]) == pytest.approx(2 / 3)  # one score in a list
    with pytest.raises(ValueError, match="as many labels as outputs"):
        accuracy([1.0], [1, 0])


def test_bad_arguments():
    model = MLP(2, [2, 1])
    opt = SGD(model.parameters())
    with pytest.raises(ValueError, match="as many labels as inputs"):
        train(model, [[0.0, 0.0]], [1, 1], mse_loss, opt, progress=False)
    with pytest.raises(ValueError, match="batch_size must be a positive int or None, got 0"):
        train(model, [[0.0, 0.0]], [1], mse_loss, opt, batch_size=0, progress=False)


@pytest.mark.parametrize("epochs, error, message", [
    (-1, ValueError, "epochs must be an int >= 0, got -1"),
    (1.5, ValueError, "epochs must be an int >= 0, got 1.5"),
    (True, ValueError, "epochs must be an int >= 0, got True"),
])
def test_bad_epochs_are_refused_before_any_step(epochs, error, message):
    model = MLP(2, [2, 1])
    before = model.state_dict()
    with pytest.raises(error, match=message):
        train(model, [[1.0, 2.0]], [1], mse_loss, SGD(model.parameters(), lr=0.1), epochs=epochs,
              progress=False)
    assert model.state_dict() == before


def test_zero_epochs_train_nothing():
    model = MLP(2, [2, 1])
    history = train(model, [[1.0, 2.0]], [1], mse_loss, SGD(model.parameters()), epochs=0, progress=False)
    assert history.step_loss == [] and history.loss == []


@pytest.mark.parametrize("schedule, message", [
    (lambda step: -0.1, r"lr_schedule\(0\) gave -0.1; a learning rate must be a finite number >= 0"),
    (lambda step: float("nan"), r"lr_schedule\(0\) gave nan; a learning rate must be a finite number >= 0"),
    (lambda step: 0.1 if step < 2 else None, r"lr_schedule\(2\) gave None; a learning rate must be"),
])
def test_a_bad_scheduled_learning_rate_is_refused_before_it_is_used(schedule, message):
    points, signs = _moons(6)
    model = MLP(2, [2, 1])
    optimizer = SGD(model.parameters(), lr=0.5)
    with pytest.raises(ValueError, match=message):
        train(model, points, signs, hinge_loss, optimizer, epochs=5, batch_size=2, lr_schedule=schedule,
              progress=False)
    assert optimizer.lr in (0.5, 0.1)  # the bad value never reached the optimiser


def test_lr_schedule_must_be_callable():
    model = MLP(2, [2, 1])
    with pytest.raises(TypeError, match="lr_schedule must be a function of the step number, got float"):
        train(model, [[1.0, 2.0]], [1], mse_loss, SGD(model.parameters()), lr_schedule=0.1, progress=False)


def test_three_class_spiral_with_softmax_cross_entropy():
    points, labels = make_spiral(60, classes=3, noise=0.2, seed=0)
    model = MLP(2, [12, 3], activation="tanh", seed=0)
    history = train(model, points, labels, softmax_cross_entropy, Adam(model.parameters(), lr=0.05),
                    epochs=100, batch_size=5, progress=False)
    assert evaluate(model, points, labels).accuracy >= 0.95
    assert history.loss[-1] < 0.2 * history.loss[0]
