"""Losses and L2 regularisation, each a mean over samples built from engine ops (one sum node).

Scores may be Values or plain numbers; the result is always a Value you can call ``backward()`` on.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import Any

from chainrule.engine import Value
from chainrule.engine.functions import relu
from chainrule.engine.functions import sum as value_sum
from chainrule.nn.gpt import cross_entropy, shifted_log_sum_exp

Score = Value | float


def mse_loss(predictions: Sequence[Score], targets: Sequence[float]) -> Value:
    """Mean squared error: mean of ``(prediction - target) ** 2``.

    >>> from chainrule import Value
    >>> from chainrule.nn import mse_loss
    >>> mse_loss([Value(1.0), Value(3.0)], [0.0, 1.0]).data
    2.5
    """
    _check_pairs("mse_loss", predictions, targets)
    return _mean([(p - t) ** 2 for p, t in zip(predictions, targets)])


def hinge_loss(scores: Sequence[Score], labels: Sequence[int]) -> Value:
    """The SVM max-margin loss of micrograd's demo: mean of ``relu(1 - label * score)``, labels ±1.

    >>> from chainrule import Value
    >>> from chainrule.nn import hinge_loss
    >>> hinge_loss([Value(2.0), Value(0.5)], [1, 1]).data
    0.25
    """
    _check_pairs("hinge_loss", scores, labels)
    for label in labels:
        if getattr(label, "data", label) not in (-1, 1):  # a label may be a leaf (train's replay refills it)
            raise ValueError(f"hinge_loss needs labels -1 or +1, got {label!r} "
                             "(map 0/1 labels with 2 * y - 1)")
    return _mean([relu(1 - y * s) for s, y in zip(scores, labels)])


def binary_cross_entropy_with_logits(logits: Sequence[Score], labels: Sequence[float]) -> Value:
    """Mean of ``softplus(z) - y z`` = -[y log σ(z) + (1 - y) log(1 - σ(z))], labels in [0, 1].

    Stable for any logit: softplus never exponentiates a positive number.

    >>> from chainrule import Value
    >>> from chainrule.nn import binary_cross_entropy_with_logits
    >>> round(binary_cross_entropy_with_logits([Value(0.0)], [1]).data, 6)  # log 2
    0.693147
    >>> binary_cross_entropy_with_logits([Value(1000.0)], [0]).data
    1000.0
    """
    _check_pairs("binary_cross_entropy_with_logits", logits, labels)
    for label in labels:
        if not isinstance(label, numbers.Real) or not 0 <= label <= 1:
            raise ValueError(f"binary_cross_entropy_with_logits needs labels in [0, 1], got {label!r}")
    return _mean([softplus(z) - y * z for z, y in zip(logits, labels)])


def softplus(z: Score) -> Value:
    """log(1 + e^z), as log-sum-exp of (z, 0) shifted by ``max(z, 0)`` (a node): it never
    exponentiates a positive number, and has no Python branch on data, so a replay stays right
    whatever the sign of ``z``.

    >>> from chainrule.nn import softplus
    >>> softplus(-1000.0).data, softplus(1000.0).data
    (0.0, 1000.0)
    """
    log_total, _, top = shifted_log_sum_exp([z, 0.0])
    return log_total + top


def softmax_cross_entropy(logits: Sequence[Sequence[Score]], labels: Sequence[int]) -> Value:
    """Mean of ``-log softmax(z)[label]`` over samples, each ``z`` a row of class scores.

    Uses log-sum-exp: each row is shifted by its largest score (a chain of ``max`` nodes, whose
    gradient cancels), so no exponent is positive and nothing overflows; the same code as
    :func:`chainrule.nn.cross_entropy`.

    >>> from chainrule import Value
    >>> from chainrule.nn import softmax_cross_entropy
    >>> z = [Value(2.0), Value(2.0)]
    >>> round(softmax_cross_entropy([z], [0]).data, 6)  # log 2
    0.693147
    """
    _check_pairs("softmax_cross_entropy", logits, labels)
    return _mean([_cross_entropy(row, label) for row, label in zip(logits, labels)])


def l2_regularization(parameters: Iterable[Value], alpha: float) -> Value:
    """``alpha * Σ p²``: add it to a loss to keep weights small (micrograd's demo uses 1e-4).

    >>> from chainrule import Parameter
    >>> from chainrule.nn import l2_regularization
    >>> l2_regularization([Parameter(1.0), Parameter(-2.0)], alpha=0.5).data
    2.5
    """
    return alpha * value_sum([p * p for p in parameters])


def _cross_entropy(row: Sequence[Score], label: int) -> Value:
    if isinstance(label, bool) or not isinstance(label, numbers.Integral) or not 0 <= label < len(row):
        raise ValueError(f"softmax_cross_entropy: label {label!r} is not a class index for {len(row)} scores")
    return cross_entropy(row, label)


def _mean(terms: list[Any]) -> Value:
    return value_sum(terms) / len(terms)


def _check_pairs(name: str, scores: Sequence[Any], labels: Sequence[Any]) -> None:
    if len(scores) != len(labels):
        raise ValueError(f"{name}: {len(scores)} scores but {len(labels)} labels")
    if not scores:
        raise ValueError(f"{name}: needs at least one sample")
