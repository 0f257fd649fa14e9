"""Numeric derivatives with an error estimate: centred differences over shrinking steps, extrapolated.

One step size cannot suit every function: ``h = 1e-6 * |x|`` outruns the curvature of ``cos`` at
x = 30,000, and a tiny h drowns a large ``f`` in rounding. So, as numdifftools does, the centred
difference D(h) = (f(x + h) - f(x - h)) / 2h is taken at h, h/4, h/16, ... and combined by Richardson
extrapolation (D(h) = f' + c1 h² + c2 h⁴ + ..., so each column cancels one more term). Every entry
of that table gets an error estimate, its last correction plus the rounding error of its smallest
step, and the entry with the smallest one is the estimate. The walk stops once an entry is accurate
to about machine precision, or once rounding grows past the best error so far.

A step at which f is not finite (outside its domain) or at which a kink's branch flips between
x - h and x + h gives no difference; smaller steps may still give one, so a point near (not at) a
pole or kink gets a real estimate. ``f`` returns its value and the branch sides of its kinks.

At the edge of a domain (``x**1.5`` at 0) one side of x ± h is outside for every step: then the
one-sided difference (f(x + h) - f(x)) / h (or from x - h) is walked the same way, its error a
series in h, h², ... (so each Richardson column cancels one power of h), and the estimate says
which side it used.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

LEVELS = 24  # at most steps h, h/4, ..., h/4**23 (from 1e-3 to 1e-17: smooth functions stop by ~h/4**4)
RATIO = 4.0
ORDERS = 4  # Richardson columns beyond the plain difference (higher ones only amplify noise)
UNCONFIRMED = 1e-2  # a first-row estimate this uncertain relative to itself never converged
ENOUGH = 1e-10  # relative error at which the walk stops: 1000 times finer than the "good" band
_ULP = sys.float_info.epsilon

Probe = Callable[[float], tuple[float, Any]]  # t -> (f(t), branch sides at t)


@dataclass(frozen=True)
class Estimate:
    """A numeric derivative, its error estimate, and why it may be missing.

    ``value`` is NaN when no step gave a difference: then ``kink`` names what flipped at the
    smallest step, or ``zero_step`` says x ± h rounded to x, or f was not finite.
    """

    value: float
    error: float
    step: float  # the smallest step the estimate used
    kink: Any = None  # the flipped branch sides (x - h, x + h) when a kink stopped every step
    zero_step: bool = False
    one_sided: str = ""  # "forward" (x + h only) or "backward" (x - h only) at the edge of a domain


def derivative(f: Probe, x: float, first_step: float) -> Estimate:
    """d f / d x at ``x`` from steps ``first_step``, ``first_step / 4``, ..., with an error estimate.

    >>> import math
    >>> e = derivative(lambda t: (math.cos(t), None), 30_000.0, 30.0)
    >>> abs(e.value + math.sin(30_000.0)) < 1e-10, e.error < 1e-10
    (True, True)
    """
    walk = _Walk()
    kink, h = None, first_step
    finite_sides = set()  # which of x + h, x - h was finite, per step where only one was
    for _ in range(LEVELS):
        plus, minus = x + h, x - h
        step = plus - minus  # the step actually taken
        if step == 0:
            break
        (f_plus, side_plus), (f_minus, side_minus) = f(plus), f(minus)
        d = (f_plus - f_minus) / step
        if side_plus != side_minus:
            d, kink = math.nan, (side_minus, side_plus)
        elif not (math.isfinite(f_plus) and math.isfinite(f_minus)):
            d = math.nan
            finite_sides.add("forward" if math.isfinite(f_plus) else "backward" if math.isfinite(f_minus)
                             else "")
        walk.add(d, _ULP * (abs(f_plus) + abs(f_minus)) / step, step / 2)  # rounding: half an ulp each
        if walk.done():
            break
        h /= RATIO
    if walk.best is None:
        if kink is None and len(finite_sides) == 1 and "" not in finite_sides:
            one_sided = _one_sided(f, x, first_step, finite_sides.pop())
            if one_sided is not None:
                return one_sided
        return Estimate(math.nan, math.inf, h, kink, zero_step=not walk.table)
    return walk.checked()


def _one_sided(f: Probe, x: float, first_step: float, side: str) -> Estimate | None:
    """The one-sided difference from the side of x that is inside the domain, walked as above;
    None when f(x) itself is not finite or a branch flips between x and x ± h."""
    f_x, side_x = f(x)
    if not math.isfinite(f_x):
        return None
    walk, h, sign = _Walk(power=1), first_step, 1.0 if side == "forward" else -1.0
    for _ in range(LEVELS):
        moved = x + sign * h
        step = moved - x
        if step == 0:
            break
        f_moved, side_moved = f(moved)
        if side_moved != side_x or not math.isfinite(f_moved):
            return None
        walk.add((f_moved - f_x) / step, _ULP * (abs(f_moved) + abs(f_x)) / abs(step), abs(step))
        if walk.done():
            break
        h /= RATIO
    if walk.best is None:
        return None
    estimate = walk.checked()
    return Estimate(estimate.value, estimate.error, estimate.step, one_sided=side)


class _Walk:
    """The Richardson table over the steps taken so far, and the error estimate of each entry."""

    def __init__(self, power: int = 2) -> None:
        self.power = power  # the error is a series in h**power (2: centred, 1: one-sided differences)
        self.table: list[list[float]] = []  # table[k][j], j <= min(k, ORDERS)
        self.differences: list[tuple[float, float, float]] = []  # (D, rounding, h) per step
        self.best: tuple[float, float, float, int, int] | None = None  # (value, error, h, row, column)

    def add(self, d: float, rounding: float, h: float) -> None:
        previous = self.table[-1] if self.table else []
        row = [d]
        for j in range(1, min(len(previous), ORDERS) + 1):  # each column cancels one more h² term
            row.append(row[j - 1] + (row[j - 1] - previous[j - 1]) / (RATIO ** (self.power * j) - 1))
        self.table.append(row)
        self.differences.append((d, rounding, h))
        if len(self.table) >= 3:
            self._judge_middle_row()

    def _judge_middle_row(self) -> None:
        """Give each entry of the row before last an error: the larger of its changes to the same
        column one step before and one step after, and its own last correction (within a row the
        columns always converge, so the correction alone proves nothing), plus rounding. Needing
        agreement on both sides keeps two differences that agree by chance (every step far too
        large for the function, as for sin(1e15 x)) from passing for an accurate estimate."""
        before, row, after = self.table[-3:]
        rounding, h = self.differences[-2][1:]
        for j, value in enumerate(row[:len(before)]):
            if j >= len(after):
                break
            change = max(abs(value - before[j]), abs(after[j] - value))
            if j > 0:
                change = max(change, abs(value - row[j - 1]))
            error = change + rounding * (1 + j)
            if math.isnan(error):
                continue
            if self.best is None or error < self.best[1]:
                self.best = (value, error, h, len(self.table) - 2, j)

    def done(self) -> bool:
        """Far inside the "good" band already, or smaller steps would only add rounding."""
        if self.best is None:
            return False
        value, error = self.best[:2]
        return error <= ENOUGH * abs(value) or self.differences[-1][1] > 100 * error

    def checked(self) -> Estimate:
        """The best entry; infinitely uncertain if it is from the first row judged and uncertain
        even relative to itself. For a smooth function the errors first shrink with the step
        (truncation) and only then grow (rounding), so a best entry at the first row is either
        already at rounding level (an exact difference, as for x * y or a long sum) or a sign that
        the steps never got small enough for the function: sin at 1e15 with steps of 1e12 gives a
        run of tiny differences that agree with each other and are all wrong."""
        value, error, h, row, column = self.best  # type: ignore[misc]
        rounding = self.differences[row][1]
        if row == 1 and error > max(100 * rounding * (1 + column), UNCONFIRMED * abs(value)):
            return Estimate(value, math.inf, h)
        return Estimate(value, error, h)
