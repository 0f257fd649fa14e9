"""Optimiser steps against updates computed by hand (PyTorch's formulas)."""

import math

import pytest

from chainrule import NOT_COMPUTED, Parameter
from chainrule.nn import SGD, Adam


def _set_grads(params, grads):
    for p, g in zip(params, grads):
        p.grad = g


def test_sgd_plain_step():
    a, b = Parameter(1.0), Parameter(-2.0)
    opt = SGD([a, b], lr=0.1)
    _set_grads([a, b], [0.5, -3.0])
    opt.step()
    assert (a.data, b.data) == pytest.approx((1.0 - 0.05, -2.0 + 0.3))


def test_sgd_momentum_three_steps():
    p = Parameter(1.0)
    opt = SGD([p], lr=0.1, momentum=0.9)
    velocity, data = 0.0, 1.0
    for g in (1.0, -2.0, 0.5):
        p.grad = g
        opt.step()
        velocity = 0.9 * velocity + g  # the first step's velocity is the gradient itself
        data -= 0.1 * velocity
        assert p.data == pytest.approx(data)
    assert data == pytest.approx(1.0 - 0.1 * 1.0 - 0.1 * (-1.1) - 0.1 * (0.5 - 0.99))


def test_sgd_weight_decay_with_momentum():
    p = Parameter(2.0)
    opt = SGD([p], lr=0.5, momentum=0.5, weight_decay=0.1)
    p.grad = 1.0
    opt.step()  # g = 1 + 0.1 * 2 = 1.2; v = 1.2; p = 2 - 0.6
    assert p.data == pytest.approx(1.4)
    p.grad = 1.0
    opt.step()  # g = 1 + 0.14 = 1.14; v = 0.6 + 1.14 = 1.74; p = 1.4 - 0.87
    assert p.data == pytest.approx(0.53)


def test_adam_first_two_steps():
    p = Parameter(1.0)
    opt = Adam([p], lr=0.01, betas=(0.9, 0.999), eps=1e-8)
    p.grad = 2.0
    opt.step()  # m̂ = 2, v̂ = 4: the step is lr * 2 / (2 + eps)
    assert p.data == pytest.approx(1.0 - 0.01 * 2 / (2 + 1e-8))
    p.grad = -1.0
    opt.step()
    m = 0.9 * 0.2 + 0.1 * -1.0
    v = 0.999 * 0.004 + 0.001 * 1.0
    m_hat, v_hat = m / (1 - 0.9**2), v / (1 - 0.999**2)
    assert p.data == pytest.approx(1.0 - 0.01 * 2 / (2 + 1e-8) - 0.01 * m_hat / (math.sqrt(v_hat) + 1e-8))


def test_adam_weight_decay_adds_to_the_gradient():
    p, q = Parameter(3.0), Parameter(3.0)
    decayed, plain = Adam([p], lr=0.1, weight_decay=1.0), Adam([q], lr=0.1)
    p.grad = q.grad = -1.0  # with decay g = -1 + 1.0 * 3 = 2: the first step goes down by lr
    decayed.step()
    plain.step()
    assert (p.data, q.data) == pytest.approx((2.9, 3.1))


def test_step_skips_parameters_no_backward_reached_and_zero_grad_clears():
    used, unused = Parameter(1.0), Parameter(1.0)
    for opt in (SGD([used, unused], lr=1.0, weight_decay=0.5), Adam([used, unused], lr=1.0)):
        opt.zero_grad()
        assert used.grad is NOT_COMPUTED and unused.grad is NOT_COMPUTED
        (used * 2).backward()
        opt.step()
        assert unused.data == 1.0
    assert used.data < 1.0


def test_learning_rate_can_change_between_steps():
    p = Parameter(0.0)
    opt = SGD([p], lr=1.0)
    for lr in (1.0, 0.5):
        opt.lr = lr
        p.grad = 1.0
        opt.step()
    assert p.data == -1.5


@pytest.mark.parametrize("make, message", [
    (lambda: SGD([], lr=0.1), "SGD got no parameters"),
    (lambda: SGD([1.0], lr=0.1), "SGD needs Values to optimise, got float"),
    (lambda: SGD([Parameter(1.0)], lr=-1), "lr must be a finite number >= 0"),
    (lambda: SGD([Parameter(1.0)], momentum=float("nan")), "momentum must be a finite number"),
    (lambda: Adam([Parameter(1.0)], betas=(0.9, 1.0)), r"betas\[1\] must be in \[0, 1\)"),
])
def test_bad_arguments(make, message):
    with pytest.raises((TypeError, ValueError), match=message):
        make()


@pytest.mark.parametrize("make", [lambda ps: SGD(ps, lr=0.1), lambda ps: Adam(ps, lr=0.1)],
                         ids=["SGD", "Adam"])
def test_a_parameter_listed_twice_is_updated_once(make):
    p, q, twin = Parameter(1.0), Parameter(2.0), Parameter(1.0)
    opt, once = make([p, q, p]), make([twin])
    assert opt.parameters == [p, q]  # first-seen order kept
    p.grad = q.grad = twin.grad = 1.0
    opt.step()
    once.step()
    assert p.data == pytest.approx(twin.data)


def test_adam_with_a_zero_gradient_does_not_move():
    p = Parameter(1.0)
    opt = Adam([p], lr=0.1)
    p.grad = 0.0
    opt.step()
    assert p.data == 1.0


def test_adam_corrects_bias_per_parameter():
    """A parameter first reached at step 3 is corrected as at its own first step (PyTorch's rule)."""
    early, late = Parameter(1.0), Parameter(1.0)
    opt = Adam([early, late], lr=0.1)
    for _ in range(2):
        opt.zero_grad()
        (early * 2).backward()
        opt.step()
    assert late.data == 1.0
    opt.zero_grad()
    (late * 0.5).backward()
    opt.step()
    assert late.data == pytest.approx(1.0 - 0.1 * 0.5 / (0.5 + 1e-8))  # a full first step: about lr
    assert opt.step_counts == [2, 1]


@pytest.mark.parametrize("make, message", [
    (lambda: Adam([Parameter(1.0)], eps=0), "eps must be a finite number > 0, got 0"),
    (lambda: Adam([Parameter(1.0)], eps=-1e-8), "eps must be a finite number > 0, got -1e-08"),
    (lambda: Adam([Parameter(1.0)], betas=(-0.1, 0.9)), r"betas\[0\] must be a finite number >= 0, got -0.1"),
    (lambda: Adam([Parameter(1.0)], betas=(0.9,)), r"betas must be a pair of numbers, got \(0.9,\)"),
    (lambda: Adam([Parameter(1.0)], lr=float("inf")), "lr must be a finite number >= 0, got inf"),
    (lambda: Adam([Parameter(1.0)], weight_decay=-1), "weight_decay must be a finite number >= 0, got -1"),
    (lambda: SGD([Parameter(1.0)], lr="0.1"), "lr must be a finite number >= 0, got '0.1'"),
])
def test_bad_hyper_parameters(make, message):
    with pytest.raises(ValueError, match=message):
        make()
