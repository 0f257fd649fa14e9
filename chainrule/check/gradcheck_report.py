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
    """|a - n| / max(|a|, |n|), and 0 when the two are equal (in particular both 0).

    >>> relative_error(1.0, 1.0), relative_error(0.0, 0.0), relative_error(2.0, 1.0)
    (0.0, 0.0, 0.5)
    """
    if analytic == numeric:
        return 0.0
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


def judge(analytic: float, numeric: float, atol: float, defined: bool, kink_at: str,
          zero_step: bool = False) -> tuple[str, str]:
    """(band, note) for one comparison. ``defined`` is False when f was not finite at x or x ± h;
    ``zero_step`` is True when x ± h rounded back to x (no difference could be taken)."""
    if zero_step:
        return "undefined", "step rounds to 0: x ± h == x in floats (use a larger eps)"
    if not defined:
        return "undefined", "not finite at x or x ± eps"
    if kink_at:
        return "kink", f"branch flips at {kink_at}"  # kink_at names a pole as "div #2 (a pole)"
    band = band_of(relative_error(analytic, numeric))
    if band != "good" and abs(analytic - numeric) <= atol:
        # Near a zero gradient the relative error is all rounding noise; the absolute one is not.
        return "good", f"abs error <= atol {atol:g}"
    return band, ""


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


_HEADER = ("input", "value", "analytic", "numeric", "abs error", "rel error", "band", "note")


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
            f"{worst.name} = {worst.value!r}: analytic {worst.analytic!r}, numeric {worst.numeric!r}, "
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
        kinks = f", {len(self.kinks)} at a kink" if self.kinks else ""
        hidden = len(self.rows) - len(self._shown())
        more = f" ({hidden} good row(s) not shown; iterate the report for all)" if hidden else ""
        return f"gradcheck: {len(self.rows)} input(s), eps={self.eps:g}{kinks}: {verdict}{more}"




def _cells(rows: tuple[GradcheckRow, ...]) -> list[tuple[str, ...]]:
    g, e = tables.number, tables.error
    return [
        (r.name, g(r.value), g(r.analytic), g(r.numeric), e(r.abs_error), e(r.rel_error), r.band, r.note)
        for r in rows
    ]


def _severity(row: GradcheckRow) -> tuple[int, float]:
    rel = row.rel_error
    return SEVERITY[row.band], (math.inf if math.isnan(rel) else rel)
