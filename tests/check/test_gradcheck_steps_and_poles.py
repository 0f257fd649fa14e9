"""Finite-difference steps that scale with large inputs, steps that round to 0, and poles.

The first step is h = eps * max(1, |x|): at |x| >~ 1e10 a fixed 1e-6 step rounds back to x (it used
to divide by 0). Smaller steps follow (Richardson). A point where every step crosses the pole of div
or of a negative power is flagged like a kink, not reported wrong; a point near the pole is checked.
"""

from __future__ import annotations

import math

import pytest

from chainrule import Value
from chainrule.check.audit import audit
from chainrule.check.gradcheck import gradcheck
from chainrule.check.gradcheck_inputs import step_size
from chainrule.check.numeric import derivative


@pytest.mark.parametrize("x", [1e11, -1e11, 3e15, 1e300])
def test_gradcheck_and_audit_handle_huge_inputs(x):
    report = gradcheck(lambda v: v * 2, [x])
    assert report.ok and report["v"].band == "good" and report["v"].numeric == pytest.approx(2.0)
    node_report = audit(Value(x) * 2)
    assert node_report.ok and node_report.nodes[0].numeric[0] == pytest.approx(2.0)


def test_a_quadratic_at_a_huge_input_is_checked_with_a_relative_step():
    row = gradcheck(lambda x: x * x, [1e11])["x"]
    assert row.band == "good" and row.numeric == pytest.approx(2e11, rel=1e-9)


@pytest.mark.parametrize("x", [0.0, 0.3, -0.7, 1.0, -1.0])
def test_the_step_is_exactly_eps_for_inputs_up_to_one(x):
    assert step_size(x, 1e-6) == 1e-6 and step_size(x, 3e-4) == 3e-4


def test_results_are_the_richardson_estimate_of_the_op_alone():
    x = 0.7
    expected = derivative(lambda t: (math.tanh(t), None), x, step_size(x, 1e-3))
    assert gradcheck(lambda v: v.tanh(), [x])["v"].numeric == expected.value
    assert audit(Value(x).tanh()).nodes[0].numeric == (expected.value,)
    assert expected.value == pytest.approx(1 - math.tanh(x) ** 2, rel=1e-10)


def test_a_step_that_rounds_to_zero_is_undefined_with_a_note_not_a_crash():
    row = gradcheck(lambda x: x * 2, [1.0], eps=1e-17)["x"]
    assert row.band == "undefined" and "step rounds to 0" in row.note and math.isnan(row.numeric)
    check = audit(Value(1.0) * 2, eps=1e-17).nodes[0]
    assert check.band == "undefined" and "step rounds to 0" in check.note


def test_dividing_across_the_pole_is_flagged_not_wrong():
    report = gradcheck(lambda x, y: x / y, [1.0, 1e-300])
    assert report.ok and report["x"].band == "good"
    assert report["y"].band == "kink"
    assert report["y"].note == "branch flips at div #2 (x ± h crosses its pole)"
    check = audit(Value(1.0) / Value(1e-300)).nodes[0]
    assert check.band == "kink"
    assert check.note == "input 1: branch flips at div (x ± h crosses its pole)"


def test_dividing_near_the_pole_is_checked_with_steps_smaller_than_the_distance_to_it():
    report = gradcheck(lambda x, y: x / y, [1.0, 1e-7])
    assert report.ok and report["y"].band == "good"
    assert report["y"].numeric == pytest.approx(-1e14, rel=1e-9)


@pytest.mark.parametrize("k", [-1.0, -2.0, -3.0])
def test_a_negative_power_across_zero_is_flagged_as_a_pole(k):
    row = gradcheck(lambda x: x ** k, [{-1.0: 1e-300, -2.0: 1e-150, -3.0: 1e-100}[k]])["x"]
    assert row.band == "kink" and "pow #1 (x ± h crosses its pole)" in row.note
    check = audit(Value(1e-100) ** k).nodes[0]
    assert check.band == "kink" and "pow (x ± h crosses its pole)" in check.note


def test_division_away_from_the_pole_is_still_checked_and_a_kink_keeps_its_short_note():
    assert gradcheck(lambda x, y: x / y, [1.0, -0.5])["y"].band == "good"
    assert gradcheck(lambda x: x.relu(), [0.0])["x"].note == "branch flips at relu #1"
