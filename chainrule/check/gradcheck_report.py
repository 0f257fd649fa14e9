"""Verdicts of a gradient check: the CS231n relative error, its bands, and the gradcheck report.

The bands follow CS231n's advice on relative error: below 1e-7 is good, below 1e-4 acceptable
(fine for objectives with kinks), below 1e-2 suspicious, and anything above is wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from chainrule.check import tables

THRESHOLDS: tuple[tuple[float, str], ...] = ((1e-7, "good"), (1e-4, "acceptable"), (1e-2, "suspicious"))
PASSING = frozenset({"good", "acceptable", "kink"})  # a kink is not a failure: numbers mean nothing there
# Most severe last; ``worst`` and the audit's per-node verdict use this order.
SEVERITY = {"good": 0, "acceptable": 1, "kink": 2, "suspicious": 3, "undefined": 4, "wrong": 5}


def relative_error(analytic: float, numeric: float) -> float:
    """|a - n| / max(|a|, |n|), 0 when the two are equal (in particular both 0), NaN when either is.

    >>> relative_error(1.0, 1.0), relative_error(0.0, 0.0), relative_error(2.0, 1.0)
    (0.0, 0.0, 0.5)
    >>> relative_error(0.0, float("nan"))
    nan
    """
    if analytic == numeric:
        return 0.0
    if math.isnan(analytic) or math.isnan(numeric):
        return math.nan  # max(0.0, nan) is 0.0: dividing would raise ZeroDivisionError
    return abs(analytic - numeric) / max(abs(analytic), abs(numeric))


def band_of(rel_error: float) -> str:
    """The verdict for a relative error: good < 1e-7 <= acceptable < 1e-4 <= suspicious < 1e-2 <= wrong.

    NaN is wrong.

    >>> [band_of(r) for r in (0.0, 1e-7, 1e-4, 1e-2, float("nan"))]
    ['good', 'acceptable', 'suspicious', 'wrong', 'wrong']
    """
    for limit, band in THRESHOLDS:
        if rel_error < limit:
            return band
    return "wrong"


SIGMAS = 3.0  # a disagreement counts once it exceeds this many numeric error estimates
TOO_UNCERTAIN = 1e-4  # a numeric estimate this uncertain (relative) cannot confirm even "acceptable"


def judge(analytic: float, numeric: float, atol: float, defined: bool, kink_at: str,
          zero_step: bool = False, uncertainty: float = 0.0, one_sided: str = "") -> tuple[str, str]:
    """(band, note) for one comparison, judged against the numeric estimate's ``uncertainty``.

    ``defined`` is False when f was not finite at x or at every step tried; ``zero_step`` is True
    when x ± h rounded back to x. A failing band needs the disagreement to exceed SIGMAS times the
    uncertainty (so rounding or curvature never raises a false alarm); a passing band must hold
    however large the error within that margin is; a numeric estimate too uncertain to tell is
    "undefined", with a note saying so. ``one_sided`` ("forward"/"backward") says the estimate used
    only x + h (x - h) because the other side is outside the domain; the note says so.

    >>> judge(1.0, 1.0 + 1e-6, 0.0, True, "", uncertainty=1e-4)
    ('undefined', 'numeric estimate ± 0.0001 too uncertain to judge')
    >>> judge(1.0, 1.5, 0.0, True, "", uncertainty=1e-9)
    ('wrong', '')
    """
    if zero_step:
        return "undefined", "step rounds to 0: x ± h == x in floats (use a larger eps)"
    if kink_at:
        return "kink", f"branch flips at {kink_at}"  # kink_at names a pole as "div #2 (a pole)"
    if not defined or math.isnan(numeric):
        return "undefined", "not finite at x or x ± h for every step h tried"
    diff = abs(analytic - numeric)
    band, note = _against_uncertainty(diff, max(abs(analytic), abs(numeric)), SIGMAS * uncertainty)
    if band != "good" and diff <= atol:
        # Near a zero gradient the relative error is all rounding noise; the absolute one is not.
        band, note = "good", f"abs error <= atol {atol:g}"
    if one_sided:
        outside = "x - h" if one_sided == "forward" else "x + h"
        sided = f"one-sided ({one_sided}) estimate: {outside} is outside the domain"
        note = f"{sided}; {note}" if note else sided
    return band, note


def _against_uncertainty(diff: float, scale: float, margin: float) -> tuple[str, str]:
    if scale == 0:  # both exactly 0: agreement, as sure as the numeric estimate is
        if margin == 0:
            return "good", ""
        scale = margin
    surely = band_of(max(0.0, diff - margin) / scale)  # the least the error can be
    if surely not in PASSING:
        return surely, ""
    if not margin / scale < TOO_UNCERTAIN:
        return "undefined", f"numeric estimate ± {margin / SIGMAS:.2g} too uncertain to judge"
    at_most = band_of((diff + margin) / scale)  # the most it can be
    return (at_most, "") if at_most in PASSING else ("acceptable", "within the numeric uncertainty")


@dataclass(frozen=True)
class GradcheckRow:
    """One input of a gradient check: its analytic and numeric gradient and the verdict."""

    name: str
    value: float
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    band: str
    note: str = ""
    numeric_error: float = 0.0  # the numeric estimate's own error estimate (Richardson)

    @property
    def ok(self) -> bool:
        """True for good, acceptable and kink rows."""
        return self.band in PASSING


class GradcheckError(AssertionError):
    """A gradient check failed; ``.report`` holds the full report.

    >>> from chainrule.check.gradcheck import gradcheck
    >>> issubclass(GradcheckError, AssertionError)
    True
    """

    def __init__(self, message: str, report: object) -> None:
        super().__init__(message)
        self.report = report


_HEADER = ("input", "value", "analytic", "numeric", "± numeric", "abs error", "rel error", "band", "note")


@dataclass(frozen=True, repr=False)
class GradcheckReport(tables.TableReport):
    """The result of :func:`~chainrule.check.gradcheck.gradcheck`: one row per input.

    ``str(report)`` is a text table, Jupyter shows an HTML table; ``report["x"]`` is the row named x.

    >>> from chainrule.check.gradcheck import gradcheck
    >>> report = gradcheck(lambda x, y: x * y + y.tanh(), [2.0, 0.5])
    >>> report.ok, [row.name for row in report], report["y"].band
    (True, ['x', 'y'], 'good')
    """

    HEADER = _HEADER

    rows: tuple[GradcheckRow, ...]
    output: float
    eps: float
    atol: float

    @property
    def worst(self) -> GradcheckRow | None:
        """The most severe row (NaN errors count as the largest), or None with no rows."""
        return max(self.rows, key=_severity, default=None)

    def __getitem__(self, key: int | str) -> GradcheckRow:
        if isinstance(key, int):
            return self.rows[key]
        for row in self.rows:
            if row.name == key:
                return row
        raise KeyError(f"no input named {key!r}; names: {[row.name for row in self.rows][:20]}")

    def raise_if_failed(self) -> None:
        """Raise :class:`GradcheckError` naming the worst input, unless the check passed."""
        worst = self.worst
        if self.ok or worst is None:
            return
        message = (
            f"gradcheck failed for {len(self.failures)} of {len(self.rows)} input(s); worst: "
            f"{worst.name} = {worst.value!r}: analytic {worst.analytic!r}, numeric {worst.numeric!r} "
            f"(± {worst.numeric_error:.2g}), "
            f"relative error {worst.rel_error:.3g} ({worst.band})"
        )
        hint = "audit(root) names the node whose local gradient rule is wrong"
        raise GradcheckError(f"{message}\n{tables.text(_HEADER, _cells(self.failures[:10]))}\n{hint}", self)

    def _all(self) -> tuple[Any, ...]:
        return self.rows

    def _cells(self, rows: tuple[Any, ...]) -> list[tuple[str, ...]]:
        return _cells(rows)

    def _summary(self) -> str:
        verdict = "OK" if self.ok else f"FAILED ({len(self.failures)} failing)"
        if self.could_not_check:  # only undefined rows: nothing is shown wrong, nothing confirmed
            verdict = f"COULD NOT CHECK ({len(self.unchecked)} undefined)"
        kinks = f", {len(self.kinks)} at a kink" if self.kinks else ""
        hidden = len(self.rows) - len(self._shown())
        more = f" ({hidden} good row(s) not shown; iterate the report for all)" if hidden else ""
        return f"gradcheck: {len(self.rows)} input(s), eps={self.eps:g}{kinks}: {verdict}{more}"




def _cells(rows: tuple[GradcheckRow, ...]) -> list[tuple[str, ...]]:
    g, e = tables.number, tables.error
    return [
        (r.name, g(r.value), g(r.analytic), g(r.numeric), e(r.numeric_error), e(r.abs_error),
         e(r.rel_error), r.band, r.note)
        for r in rows
    ]


def _severity(row: GradcheckRow) -> tuple[int, float]:
    rel = row.rel_error
    return SEVERITY[row.band], (math.inf if math.isnan(rel) else rel)
