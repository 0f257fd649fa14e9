"""Every loss against a value computed by hand and against finite differences (chainrule.gradcheck)."""

import math

import pytest

from chainrule import Parameter, Value, gradcheck
from chainrule.nn import (
    binary_cross_entropy_with_logits,
    hinge_loss,
    l2_regularization,
    mse_loss,
    softmax_cross_entropy,
    softplus,
)


def test_mse_by_hand():
    loss = mse_loss([Value(1.5), Value(-1.0), Value(0.0)], [1.0, 1.0, 2.0])
    assert loss.data == pytest.approx((0.25 + 4.0 + 4.0) / 3)
    p = Value(1.5)
    mse_loss([p], [1.0]).backward()
    assert p.grad == pytest.approx(2 * 0.5)


def test_hinge_by_hand():
    scores = [Value(2.0), Value(0.25), Value(-0.5), Value(0.5)]
    loss = hinge_loss(scores, [1, 1, -1, -1])
    # relu(1 - y s): 0, 0.75, 0.5, 1.5
    assert loss.data == pytest.approx((0 + 0.75 + 0.5 + 1.5) / 4)
    loss.backward()
    assert [s.grad for s in scores] == pytest.approx([0.0, -0.25, 0.25, 0.25])


def test_bce_with_logits_by_hand():
    logits, labels = [Value(0.5), Value(-2.0), Value(3.0)], [1, 0, 0.25]
    loss = binary_cross_entropy_with_logits(logits, labels)

    def by_hand(z, y):
        p = 1 / (1 + math.exp(-z))
        return -(y * math.log(p) + (1 - y) * math.log(1 - p))

    assert loss.data == pytest.approx(sum(by_hand(z.data, y) for z, y in zip(logits, labels)) / 3)
    loss.backward()
    for z, y in zip(logits, labels):  # d/dz = (sigmoid(z) - y) / n
        assert z.grad == pytest.approx((1 / (1 + math.exp(-z.data)) - y) / 3)


def test_bce_gradient_at_zero_logit_is_sigmoid_minus_label():
    z = Value(0.0)
    binary_cross_entropy_with_logits([z], [1]).backward()
    assert z.grad == pytest.approx(-0.5)


@pytest.mark.parametrize("z, label, expected", [(800.0, 0, 800.0), (800.0, 1, 0.0), (-800.0, 1, 800.0),
                                                (-800.0, 0, 0.0)])
def test_bce_is_stable_for_huge_logits(z, label, expected):
    logit = Value(z)
    loss = binary_cross_entropy_with_logits([logit], [label])
    loss.backward()
    assert loss.data == pytest.approx(expected)
    assert logit.grad == pytest.approx((1.0 if z > 0 else 0.0) - label)


def test_softplus_matches_the_formula():
    for z in (-30.0, -1.0, 0.0, 0.7, 30.0):
        assert softplus(Value(z)).data == pytest.approx(math.log1p(math.exp(z)), rel=1e-12, abs=1e-15)


def test_softmax_cross_entropy_by_hand():
    rows = [[Value(1.0), Value(2.0), Value(0.5)], [Value(-1.0), Value(0.0), Value(3.0)]]
    loss = softmax_cross_entropy(rows, [0, 2])

    def by_hand(row, label):
        total = sum(math.exp(z.data) for z in row)
        return -math.log(math.exp(row[label].data) / total)

    assert loss.data == pytest.approx((by_hand(rows[0], 0) + by_hand(rows[1], 2)) / 2)
    loss.backward()
    total = sum(math.exp(z.data) for z in rows[0])
    softmax = [math.exp(z.data) / total for z in rows[0]]
    assert [z.grad for z in rows[0]] == pytest.approx([(softmax[0] - 1) / 2, softmax[1] / 2, softmax[2] / 2])


def test_softmax_cross_entropy_is_stable_for_huge_scores():
    row = [Value(1000.0), Value(0.0), Value(-1000.0)]
    loss = softmax_cross_entropy([row], [1])
    loss.backward()
    assert loss.data == pytest.approx(1000.0)
    assert [z.grad for z in row] == pytest.approx([1.0, -1.0, 0.0])


def test_l2_by_hand():
    params = [Parameter(0.5), Parameter(-2.0), Parameter(3.0)]
    loss = l2_regularization(params, alpha=1e-2)
    assert loss.data == pytest.approx(1e-2 * (0.25 + 4 + 9))
    loss.backward()
    assert [p.grad for p in params] == pytest.approx([1e-2, -4e-2, 6e-2])


@pytest.mark.parametrize("name, loss", [
    ("mse", lambda a, b, c, d: mse_loss([a, b * c], [0.3, -1.2]) + mse_loss([d], [2.0])),
    ("hinge", lambda a, b, c, d: hinge_loss([a * b, c, d], [1, -1, 1])),
    ("bce", lambda a, b, c, d: binary_cross_entropy_with_logits([a, b * 3, c * d], [1, 0, 0.3])),
    ("softmax", lambda a, b, c, d: softmax_cross_entropy([[a, b, c], [d, a * b, c]], [2, 0])),
    ("l2", lambda a, b, c, d: l2_regularization([a, b, c, d], alpha=0.1)),
])
def test_gradients_match_finite_differences(name, loss):
    report = gradcheck(loss, [0.7, -0.4, 1.3, 0.2])
    assert report.ok, str(report)
    assert not report.kinks


@pytest.mark.parametrize("call, message", [
    (lambda: mse_loss([Value(1.0)], [1.0, 2.0]), "mse_loss: 1 scores but 2 labels"),
    (lambda: mse_loss([], []), "mse_loss: needs at least one sample"),
    (lambda: hinge_loss([Value(1.0)], [0]), "labels -1 or \\+1, got 0"),
    (lambda: binary_cross_entropy_with_logits([Value(1.0)], [2]), "labels in \\[0, 1\\], got 2"),
    (lambda: softmax_cross_entropy([[Value(1.0), Value(2.0)]], [2]), "label 2 is not a class index for 2"),
    (lambda: softmax_cross_entropy([[Value(1.0), Value(2.0)]], [True]), "label True is not a class index"),
])
def test_bad_arguments_are_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
