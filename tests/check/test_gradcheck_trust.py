"""Gradient-check verdicts you can trust (issue 14, items 4-6): no false alarm at large inputs, an
error estimate on every numeric gradient, no crash at the edge of a domain, the same row in anomaly mode."""

from __future__ import annotations

import math

import pytest

from chainrule import Op, Value, detect_anomaly
from chainrule.check.audit import audit
from chainrule.check.gradcheck import gradcheck
from chainrule.check.gradcheck_report import relative_error
from chainrule.check.numeric import derivative

# --- item 4: the step follows the function, and verdicts weigh the estimate's own error -------


@pytest.mark.parametrize(("f", "point"), [
    (lambda x: x.cos(), [30_000.0]),
    (lambda x, y: (x * y).sin(), [1_000.0, 1_000.0]),
    (lambda x: x.sin(), [1e8]),
    (lambda x: x.log(), [1e10]),
    (lambda x: (x * 1e6).tanh(), [1e-7]),
])
def test_exact_gradients_at_large_or_awkward_inputs_are_good(f, point):
    report = gradcheck(f, point)
    assert report.ok and {row.band for row in report} == {"good"}, str(report)
    for row in report:
        assert row.rel_error < 1e-9 and 0 < row.numeric_error < 1e-7 * abs(row.numeric)


def test_audit_does_not_blame_the_built_in_rules_at_large_inputs():
    x, y = Value(1_000.0, label="x"), Value(1_000.0, label="y")
    for root in (Value(30_000.0).cos(), (x * y).sin()):
        report = audit(root)
        assert report.ok and report.first_failure is None, str(report)


def test_a_wrong_rule_at_a_large_input_is_still_caught():
    cos_off = Op("cos_off", "cos", math.cos, lambda m, out, x: (-1.001 * m.sin(x),))  # 0.1% off
    report = gradcheck(cos_off, [30_000.0])
    assert report["x0"].band == "suspicious" and not report.ok
    assert audit(cos_off(Value(30_000.0))).first_failure.op == "cos_off"


def test_every_numeric_gradient_comes_with_an_error_estimate_that_covers_the_truth():
    for g, dg, x in [(math.cos, lambda t: -math.sin(t), 30_000.0), (math.exp, math.exp, 3.0),
                     (math.log, lambda t: 1 / t, 1e-6), (lambda t: t ** 3, lambda t: 3 * t * t, 2.0)]:
        estimate = derivative(lambda t, g=g: (g(t) if t > 0 or g is not math.log else math.nan, None),
                              x, 1e-3 * max(1.0, abs(x)))
        assert abs(estimate.value - dg(x)) <= estimate.error < 1e-8 * abs(dg(x))


def test_the_report_shows_the_uncertainty_of_each_numeric_estimate():
    report = gradcheck(lambda x: x.cos(), [30_000.0])
    header, row = str(report).splitlines()[1:3]
    assert "± numeric" in header
    assert f"{report['x'].numeric_error:.1e}".replace(".0e", "e") in row


def test_a_function_too_fast_for_any_float_step_is_undefined_not_wrong():
    report = gradcheck(lambda x: (x * 1e15).sin(), [1.0])
    assert report["x"].band == "undefined" and "too uncertain" in report["x"].note
    assert audit((Value(1.0) * 1e15).sin()).nodes[-1].band == "undefined"


# --- item 5: a numeric gradient that is NaN is an undefined row, not a ZeroDivisionError ------


def test_a_nan_numeric_gradient_with_analytic_0_is_an_undefined_row_in_gradcheck_and_audit():
    # neither side of 0 is inside the domain of both terms: no estimate, one-sided or not
    row = gradcheck(lambda x: x ** 1.5 + (-x) ** 1.5, [0.0])["x"]
    assert row.band == "undefined" and row.analytic == 0.0 and math.isnan(row.numeric)
    assert math.isnan(row.rel_error)
    x = Value(0.0)
    check = audit(x ** 1.5 + (-x) ** 1.5)
    assert check.ok  # each op alone has a finite side
    assert math.isnan(relative_error(0.0, math.nan))


def test_x_to_the_1_5_at_0_is_checked_one_sided_and_passes():
    # review finding 11: x - h < 0 for every step; the forward estimate confirms the analytic 0
    report = gradcheck(lambda x: x ** 1.5, [0.0])
    row = report["x"]
    assert report.ok and row.band == "good" and row.analytic == 0.0
    assert abs(row.numeric) < 1e-8 and "one-sided (forward) estimate: x - h is outside the domain" in row.note
    node = audit(Value(0.0) ** 1.5).nodes[0]
    assert node.band == "good" and "one-sided (forward)" in node.note


# --- item 6: anomaly mode does not turn gradcheck's own probes into errors ---------------------


def test_inside_detect_anomaly_a_probe_outside_the_domain_is_the_same_undefined_row():
    def both_sides_outside(x):
        return x ** 1.5 + (-x) ** 1.5

    outside = gradcheck(both_sides_outside, [0.0])["x"]
    one_sided = gradcheck(lambda x: x ** 1.5, [0.0])["x"]
    with detect_anomaly():
        inside = gradcheck(both_sides_outside, [0.0])["x"]
        inside_one_sided = gradcheck(lambda x: x ** 1.5, [0.0])["x"]
        node = audit(Value(0.0) ** 0.5).nodes[0]
        near = gradcheck(lambda x: x.log(), [1e-7])["x"]
    assert (inside.band, inside.note) == (outside.band, outside.note) == ("undefined", outside.note)
    assert (inside_one_sided.band, inside_one_sided.note) == (one_sided.band, one_sided.note)
    assert one_sided.band == "good"
    assert node.band == "undefined" and near.band == "good"


def test_anomaly_mode_still_applies_to_the_users_own_forward():
    from chainrule import AnomalyError

    with detect_anomaly(), pytest.raises(AnomalyError):
        gradcheck(lambda x: x.exp(), [1000.0])
