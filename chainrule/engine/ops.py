"""The table of primitive ops: each one's label, forward and local gradients, in one place.

``forward(*xs)`` maps input floats to the output float. ``local_grads(m, out, *xs)`` returns the
partial derivative of the output with respect to each input. ``m`` is a math namespace: with
:data:`FLOAT_MATH` the rule yields floats (plain backward); with the Value namespace it builds the
derivatives as graph nodes (``backward(create_graph=True)``), so each rule is written once.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import Any

from chainrule.engine.errors import DomainError
from chainrule.engine.modes import MODES


class Op:
    """A primitive operation: how it is drawn, computed and differentiated.

    Calling an op applies it to Values or numbers and returns a new :class:`Value` node.
    ``branch`` marks a kink (relu, abs, max): it returns which side of the kink the inputs are on.

    >>> from chainrule import Op, Value
    >>> square = Op("square", "x²", forward=lambda x: x * x, local_grads=lambda m, out, x: (2 * x,))
    >>> y = square(Value(3.0))
    >>> y.backward()
    >>> y.data, y.parents[0].grad
    (9.0, 6.0)
    """

    __slots__ = ("name", "label", "forward", "local_grads", "arity", "branch")

    def __init__(
        self,
        name: str,
        label: str,
        forward: Callable[..., float],
        local_grads: Callable[..., tuple[Any, ...]],
        arity: int | None = 1,
        branch: Callable[..., Hashable] | None = None,
    ) -> None:
        self.name = name
        self.label = label
        self.forward = forward
        self.local_grads = local_grads
        self.arity = arity  # None: any number of inputs
        self.branch = branch

    def __call__(self, *inputs: Any) -> Any:
        from chainrule.engine.value import apply  # value.py imports this module

        return apply(self, *inputs)

    def __repr__(self) -> str:
        return f"Op({self.name!r}, label={self.label!r})"


class _FloatMath:
    """The math namespace for float-valued local gradients."""

    sin = staticmethod(math.sin)
    cos = staticmethod(math.cos)

    @staticmethod
    def value(x: float) -> float:
        return x


FLOAT_MATH = _FloatMath()


def domain_error(op: str, message: str) -> float:
    """Raise a DomainError naming the op, or return NaN under ``nan_on_domain_error()``."""
    if MODES.nan_on_domain_error:
        return math.nan
    raise DomainError(f"{op}: {message}")


def _div(a: float, b: float) -> float:
    if b == 0:
        return domain_error("div", f"division by zero: {a!r} / {b!r}")
    return a / b


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:  # exp(1000) is inf, not a crash; anomaly mode can flag it
        return math.inf


def _log(x: float) -> float:
    if x <= 0 or math.isnan(x):
        return domain_error("log", f"input must be > 0, got {x!r}")
    return math.log(x)


def _sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = _exp(x)
    return e / (1.0 + e)


def _sign(x: float) -> float:
    return 1.0 if x > 0 else (-1.0 if x < 0 else 0.0)


def _step(x: float) -> float:
    return 1.0 if x > 0 else 0.0


def _power(x: float, k: float) -> float:
    """x ** k for a constant k, with errors that name the op instead of complex results."""
    if x < 0 and k != int(k):
        return domain_error("pow", f"negative base to a fractional power: {x!r} ** {k!r}")
    try:
        return float(x**k)
    except ZeroDivisionError:
        return domain_error("pow", f"zero to a negative power: {x!r} ** {k!r}")
    except OverflowError:
        return math.copysign(math.inf, x) if k == int(k) and int(k) % 2 else math.inf


def _power_slope(x: float, k: float) -> float:
    """d/dx x ** k = k x ** (k-1), which is infinite (not an error) at x = 0 for k < 1."""
    if k == 0:
        return 0.0
    if x == 0 and k < 1:
        return math.inf
    return k * _power(x, k - 1)


_ONE = (1.0,)
_ONE_ONE = (1.0, 1.0)
_ONE_MINUS_ONE = (1.0, -1.0)
_MINUS_ONE = (-1.0,)


def _table(*ops: Op) -> dict[str, Op]:
    return {op.name: op for op in ops}


OPS: dict[str, Op] = _table(
    Op("add", "+", lambda a, b: a + b, lambda m, out, a, b: _ONE_ONE, arity=2),
    Op("sub", "-", lambda a, b: a - b, lambda m, out, a, b: _ONE_MINUS_ONE, arity=2),
    Op("mul", "*", lambda a, b: a * b, lambda m, out, a, b: (b, a), arity=2),
    Op("div", "/", _div, lambda m, out, a, b: (1 / b, -out / b), arity=2),
    Op("neg", "-", lambda x: -x, lambda m, out, x: _MINUS_ONE),
    Op("exp", "exp", _exp, lambda m, out, x: (out,)),
    Op("log", "log", _log, lambda m, out, x: (1 / x,)),
    Op("tanh", "tanh", math.tanh, lambda m, out, x: (1 - out * out,)),
    Op("sigmoid", "σ", _sigmoid, lambda m, out, x: (out * (1 - out),)),
    Op("sin", "sin", math.sin, lambda m, out, x: (m.cos(x),)),
    Op("cos", "cos", math.cos, lambda m, out, x: (-m.sin(x),)),
    Op(
        "relu", "ReLU",
        lambda x: x if x > 0 else 0.0,
        lambda m, out, x: (_step(m.value(x)),),
        branch=lambda x: x > 0,
    ),
    Op("abs", "abs", abs, lambda m, out, x: (_sign(m.value(x)),), branch=lambda x: x >= 0),
    Op(
        "max", "max",
        lambda a, b: a if a >= b else b,
        lambda m, out, a, b: (1.0, 0.0) if m.value(a) >= m.value(b) else (0.0, 1.0),
        arity=2,
        branch=lambda a, b: a >= b,
    ),
    Op("sum", "Σ", lambda *xs: sum(xs, 0.0), lambda m, out, *xs: _ONE * len(xs), arity=None),
)


@lru_cache(maxsize=256)
def power(k: float) -> Op:
    """The op ``x ** k`` for one constant exponent ``k`` (ops are cached per exponent)."""
    label = f"**{k:g}"
    return Op(
        "pow", label,
        lambda x: _power(x, k),
        lambda m, out, x: (_power_slope(m.value(x), k) if m is FLOAT_MATH else k * x ** (k - 1),),
    )


@lru_cache(maxsize=256)
def power_of(base: float) -> Op:
    """The op ``base ** x`` for one constant positive base."""
    if base <= 0:
        raise DomainError(f"rpow: base must be > 0 for a Value exponent, got {base!r}")
    log_base = math.log(base)
    return Op(
        "rpow", f"{base:g}**",
        lambda x: _exp(x * log_base),
        lambda m, out, x: (out * log_base,),
    )


# Parametrised ops: name -> factory taking the constant. Tests iterate these too.
OP_FACTORIES: dict[str, Callable[[float], Op]] = {"pow": power, "rpow": power_of}
