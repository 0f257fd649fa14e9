"""The float side of the primitive ops: forwards that name the op on bad input, never crash on
overflow, and keep NaN a NaN. ``ops.py`` puts them in the table."""

from __future__ import annotations

import math

from chainrule.engine.errors import DomainError
from chainrule.engine.modes import current


def domain_error(op: str, message: str) -> float:
    """Raise a DomainError naming the op, or return NaN under ``nan_on_domain_error()``.

    >>> domain_error("log", "input must be > 0, got -1.0")
    Traceback (most recent call last):
    ...
    chainrule.engine.errors.DomainError: log: input must be > 0, got -1.0
    """
    if current().nan_on_domain_error:
        return math.nan
    raise DomainError(f"{op}: {message}")


def div(a: float, b: float) -> float:
    """a / b; division by zero (even 0 / 0) is a DomainError.

    >>> div(1.0, 4.0)
    0.25
    """
    if b == 0:
        return domain_error("div", f"division by zero: {a!r} / {b!r}")
    return a / b


def exp(x: float) -> float:
    """e ** x, inf instead of OverflowError.

    >>> exp(1000.0)
    inf
    """
    try:
        return math.exp(x)
    except OverflowError:  # a training run must not crash; anomaly mode can flag the inf
        return math.inf


def log(x: float) -> float:
    """Natural log; a DomainError for x <= 0, while NaN passes through.

    >>> log(1.0)
    0.0
    """
    if x <= 0:
        return domain_error("log", f"input must be > 0, got {x!r}")
    return math.log(x)


def sigmoid(x: float) -> float:
    """1 / (1 + e ** -x), computed so that no exponent is large.

    >>> sigmoid(-1000.0)
    0.0
    """
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)  # for x < 0, e ** x cannot overflow, unlike e ** -x
    return e / (1.0 + e)


def sin(x: float) -> float:
    """Sine; a DomainError (not math's ValueError) for an infinite input.

    >>> sin(0.0)
    0.0
    """
    if math.isinf(x):
        return domain_error("sin", f"input must be finite, got {x!r}")
    return math.sin(x)


def cos(x: float) -> float:
    """Cosine; a DomainError (not math's ValueError) for an infinite input.

    >>> cos(0.0)
    1.0
    """
    if math.isinf(x):
        return domain_error("cos", f"input must be finite, got {x!r}")
    return math.cos(x)


def relu(x: float) -> float:
    """max(0, x), with NaN staying NaN.

    >>> relu(-2.0)
    0.0
    """
    return 0.0 if x <= 0 else x


def maximum(a: float, b: float) -> float:
    """The larger of a and b; a NaN on either side wins.

    >>> maximum(1.0, 2.0)
    2.0
    """
    return a if max_takes_first(a, b) else b


def max_takes_first(a: float, b: float) -> bool:
    """Whether ``maximum(a, b)`` is ``a``: the forward and the gradient rule both ask this, so the
    gradient always goes to the input the forward chose (ties and a NaN ``a`` go to ``a``).

    >>> max_takes_first(2.0, 2.0), max_takes_first(float("nan"), 1.0), max_takes_first(1.0, float("nan"))
    (True, True, False)
    """
    return a >= b or a != a


def min_takes_first(a: float, b: float) -> bool:
    """Whether :func:`minimum` returns a (ties and a NaN in a go to a); its gradient goes the same way.

    >>> min_takes_first(1.0, 1.0), min_takes_first(2.0, 1.0), min_takes_first(1.0, math.nan)
    (True, False, False)
    """
    return a <= b or math.isnan(a)


def minimum(a: float, b: float) -> float:
    """The smaller of a and b; a NaN on either side wins.

    >>> minimum(1.0, 2.0), minimum(1.0, math.nan)
    (1.0, nan)
    """
    return a if min_takes_first(a, b) else b


def sqrt(x: float) -> float:
    """Square root; a DomainError for x < 0, while NaN passes through.

    >>> sqrt(9.0)
    3.0
    """
    if x < 0:
        return domain_error("sqrt", f"input must be >= 0, got {x!r}")
    return math.sqrt(x)


def power(x: float, k: float) -> float:
    """x ** k for a constant k: a DomainError names the op instead of a complex result or a
    ZeroDivisionError, and overflow gives a signed inf.

    >>> power(-2.0, 3.0), power(-1e200, 3.0)
    (-8.0, -inf)
    >>> power(-8.0, 1 / 3)
    Traceback (most recent call last):
    ...
    chainrule.engine.errors.DomainError: pow: negative base to a fractional power: -8.0 ** 0.3333333333333333
    """
    if x < 0 and not k.is_integer() and math.isfinite(k):
        return domain_error("pow", f"negative base to a fractional power: {x!r} ** {k!r}")
    try:
        return float(x**k)
    except ZeroDivisionError:
        return domain_error("pow", f"zero to a negative power: {x!r} ** {k!r}")
    except OverflowError:  # negative x to an odd integer power stays negative
        return -math.inf if x < 0 and k % 2 == 1 else math.inf


def power_slope(x: float, k: float) -> float:
    """d/dx x ** k = k x ** (k-1): 0 for k = 0 and inf (not an error) at x = 0 for k < 1.

    >>> power_slope(3.0, 2.0), power_slope(0.0, 0.5), power_slope(0.0, 0.0)
    (6.0, inf, 0.0)
    """
    if k == 0:
        return 0.0
    if x == 0 and k < 1:
        return math.inf
    return k * power(x, k - 1)


def selected(index: float, count: int) -> int:
    """The option an index picks: the nearest whole number, or -1 if that is not in ``range(count)``.

    >>> selected(1.0, 3), selected(0.9999, 3), selected(3.0, 3)
    (1, 1, -1)
    """
    return round(index) if -0.5 < index < count - 0.5 else -1  # the test is False for NaN


def select(index: float, *options: float) -> float:
    """``options[round(index)]``: the row an embedding looks up, chosen by data, not by structure.

    >>> select(2.0, 10.0, 20.0, 30.0)
    30.0
    """
    k = selected(index, len(options))
    if k < 0:
        return domain_error("select", f"index {index!r} is not a position in {len(options)} option(s)")
    return options[k]
