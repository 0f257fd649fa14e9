"""At the edge of a domain the numeric derivative is one-sided (review finding 11), and a check that
cannot judge a row says "could not check", not "failed"."""

from __future__ import annotations

import math

import pytest

from chainrule import Op, Value
from chainrule.check.audit import audit
from chainrule.check.gradcheck import gradcheck
from chainrule.check.numeric import derivative


def edge(f, lo=-math.inf, hi=math.inf):
    return lambda t: ((f(t) if lo <= t <= hi else math.nan), None)


@pytest.mark.parametrize(("f", "x", "lo", "hi", "expected", "side"), [
    (lambda t: math.exp(t) * t, 0.0, 0.0, math.inf, 1.0, "forward"),  # d/dt t e^t = 1 at 0
    (lambda t: math.sin(t) + t ** 2, 0.0, 0.0, math.inf, 1.0, "forward"),
    (lambda t: math.log(2 - t) + 3 * t, 1.0, -math.inf, 1.0, 2.0, "backward"),  # -1/(2-t) + 3 = 2
    (lambda t: t ** 2.5, 0.0, 0.0, math.inf, 0.0, "forward"),
])
def test_a_one_sided_estimate_matches_the_derivative(f, x, lo, hi, expected, side) -> None:
    estimate = derivative(edge(f, lo, hi), x, 1e-3)
    assert estimate.one_sided == side
    assert estimate.value == pytest.approx(expected, abs=1e-7)
    assert abs(estimate.value - expected) <= 3 * estimate.error + 1e-12  # the error estimate holds


def test_inside_the_domain_the_estimate_stays_centred() -> None:
    estimate = derivative(edge(math.exp, 0.0), 1.0, 1e-3)
    assert estimate.one_sided == "" and estimate.value == pytest.approx(math.e, rel=1e-10)


def test_one_sided_at_a_pole_side_is_too_uncertain_not_a_number() -> None:
    # sqrt at 0: the derivative is inf; the forward differences never converge
    estimate = derivative(edge(math.sqrt, 0.0), 0.0, 1e-3)
    assert estimate.one_sided == "forward" and estimate.error == math.inf


def test_a_wrong_gradient_at_a_domain_edge_is_still_caught() -> None:
    def power_root(x: float) -> float:
        return x ** 1.5 if x >= 0 else math.nan

    off = Op("pow_off", "**1.5", power_root, lambda m, out, x: (1.5 * x ** 0.5 + 0.5,))  # 0.5 too much
    report = gradcheck(off, [0.0])
    assert report["x0"].band == "wrong" and not report.ok and not report.could_not_check
    assert "one-sided (forward)" in report["x0"].note and "FAILED" in str(report)
    assert audit(off(Value(0.0))).first_failure.op == "pow_off"


def test_undefined_rows_read_could_not_check_but_are_not_ok() -> None:
    report = gradcheck(lambda x: x ** 0.5, [0.0])  # analytic inf: nothing numeric can confirm it
    assert not report.ok and report.could_not_check and len(report.unchecked) == 1
    assert "COULD NOT CHECK (1 undefined)" in str(report) and "FAILED" not in str(report)
    node_report = audit(Value(0.0) ** 0.5)
    assert not node_report.ok and node_report.could_not_check
    assert "COULD NOT CHECK at 1 node(s)" in str(node_report)
