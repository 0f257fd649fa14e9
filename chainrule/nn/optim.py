"""Optimisers with PyTorch's shape: ``zero_grad()``, backward, ``step()``; ``lr`` may change between steps.

A parameter that the last backward pass did not reach (``has_grad`` False) is left alone, as PyTorch
skips parameters whose ``grad`` is None. A parameter listed twice is kept once (updated once per step).
"""

from __future__ import annotations

import math
import numbers
from abc import ABC, abstractmethod
from collections.abc import Iterable

from chainrule.engine import NOT_COMPUTED, Value


class Optimizer(ABC):
    """Holds the parameters and a learning rate ``lr``; subclasses define :meth:`step`.

    >>> from chainrule import Parameter
    >>> from chainrule.nn import Optimizer
    >>> class SignDescent(Optimizer):
    ...     def step(self):
    ...         for p in self.parameters:
    ...             p.data -= self.lr * (p.grad > 0) - self.lr * (p.grad < 0)
    >>> p = Parameter(1.0); (p * -3).backward()
    >>> SignDescent([p], lr=0.5).step(); p.data
    1.5
    """

    def __init__(self, parameters: Iterable[Value], lr: float) -> None:
        given = list(parameters)
        if not given:
            raise ValueError(f"{type(self).__name__} got no parameters to optimise")
        for p in given:
            if not isinstance(p, Value):
                raise TypeError(f"{type(self).__name__} needs Values to optimise, got {type(p).__name__}")
        self.parameters = list(dict.fromkeys(given))  # Values hash by identity: repeats go, order stays
        self.lr = _non_negative(lr, "lr")

    def zero_grad(self) -> None:
        """Mark every parameter's gradient as not computed (reads as 0.0)."""
        for p in self.parameters:
            p.grad = NOT_COMPUTED

    @abstractmethod
    def step(self) -> None:
        """Update every parameter that has a gradient."""


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's rule: ``g = grad + weight_decay * p``,
    ``v = momentum * v + g``, ``p -= lr * v`` (with no momentum, ``p -= lr * g``).

    >>> from chainrule import Parameter
    >>> from chainrule.nn import SGD
    >>> p = Parameter(1.0)
    >>> opt = SGD([p], lr=0.1, momentum=0.9)
    >>> for _ in range(2):
    ...     opt.zero_grad(); (p * 2).backward(); opt.step()
    >>> round(p.data, 6)  # 1 - 0.1 * 2 - 0.1 * (0.9 * 2 + 2)
    0.42
    """

    def __init__(self, parameters: Iterable[Value], lr: float = 0.01, momentum: float = 0.0,
                 weight_decay: float = 0.0) -> None:
        super().__init__(parameters, lr)
        self.momentum = _non_negative(momentum, "momentum")
        self.weight_decay = _non_negative(weight_decay, "weight_decay")
        self.velocity = [0.0] * len(self.parameters)

    def step(self) -> None:
        """``p -= lr * (grad + weight_decay * p)``, through the momentum buffer if any."""
        lr, momentum, decay, velocity = self.lr, self.momentum, self.weight_decay, self.velocity
        for i, p in enumerate(self.parameters):
            if not p.has_grad:
                continue
            g = float(p.grad) + decay * p.data
            if momentum:
                g = velocity[i] = momentum * velocity[i] + g
            p.data -= lr * g


class Adam(Optimizer):
    """Adam (Kingma & Ba), PyTorch's rule with bias correction; ``weight_decay`` adds ``wd * p`` to
    the gradient (L2, not AdamW).

    Each parameter counts its own steps (``step_counts``), as PyTorch does: one that no backward pass
    reached for a while is bias-corrected as at its first step when it is first updated.

    The first step moves each parameter by about ``lr`` against its gradient's sign:

    >>> from chainrule import Parameter
    >>> from chainrule.nn import Adam
    >>> p = Parameter(1.0)
    >>> opt = Adam([p], lr=0.1)
    >>> (p * 3).backward(); opt.step()
    >>> round(p.data, 6)
    0.9
    """

    def __init__(self, parameters: Iterable[Value], lr: float = 0.001,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(parameters, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair of numbers, got {betas!r:.60}")
        self.betas = (_fraction(betas[0], "betas[0]"), _fraction(betas[1], "betas[1]"))
        self.eps = _positive(eps, "eps")  # eps = 0 would divide 0 by 0 on a zero gradient
        self.weight_decay = _non_negative(weight_decay, "weight_decay")
        self.step_counts = [0] * len(self.parameters)
        self.first_moment = [0.0] * len(self.parameters)
        self.second_moment = [0.0] * len(self.parameters)

    def step(self) -> None:
        """One Adam update: moving averages of g and g², bias-corrected, ``p -= lr m̂ / (√v̂ + eps)``."""
        beta1, beta2 = self.betas
        m, v, counts = self.first_moment, self.second_moment, self.step_counts
        for i, p in enumerate(self.parameters):
            if not p.has_grad:
                continue
            counts[i] += 1
            correction1, correction2 = 1 - beta1 ** counts[i], 1 - beta2 ** counts[i]
            g = float(p.grad) + self.weight_decay * p.data
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            p.data -= self.lr * (m[i] / correction1) / (math.sqrt(v[i] / correction2) + self.eps)


def _non_negative(x: float, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not x >= 0 or not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number >= 0, got {x!r}")
    return float(x)


def _positive(x: float, name: str) -> float:
    if isinstance(x, bool) or not isinstance(x, numbers.Real) or not x > 0 or not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number > 0, got {x!r}")
    return float(x)


def _fraction(x: float, name: str) -> float:
    if _non_negative(x, name) >= 1:
        raise ValueError(f"{name} must be in [0, 1), got {x!r}")
    return float(x)
