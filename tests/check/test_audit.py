"""audit: each node's local gradient rule against its op's forward; the first wrong node is named."""

from __future__ import annotations

import math

import pytest

from chainrule import Constant, Op, Value, maximum, topological_order
from chainrule.check.audit import audit, check_node
from chainrule.check.gradcheck import GradcheckError
from chainrule.check.tables import MAX_ROWS_SHOWN

cube_wrong = Op("cube", "x³", lambda x: x**3, lambda m, out, x: (2 * x * x,))  # should be 3x²
cube = Op("cube", "x³", lambda x: x**3, lambda m, out, x: (3 * x * x,))


def test_a_correct_graph_passes_with_one_row_per_op_node():
    a, b = Value(0.3, label="a"), Value(-1.2, label="b")
    root = (a * b).tanh() + (a / (b * b + 1)).exp() - a.sigmoid()
    report = audit(root)
    ops = [n.op.name for n in topological_order(root) if n.op is not None]
    assert report.ok and [check.op for check in report] == ops
    assert report.first_failure is None and report.failures == () and report.kinks == ()
    assert all(check.band == "good" for check in report)


def test_the_first_wrong_node_is_named_with_its_inputs_and_both_gradients():
    x = Value(2.0, label="x")
    inner = cube_wrong(x)
    inner.label = "y"
    root = cube_wrong(inner * 0.1 + 1) + x
    report = audit(root)
    first = report.first_failure
    assert not report.ok and len(report.failures) == 2
    assert (first.op, first.label, first.input_names, first.inputs) == ("cube", "y", ("x",), (2.0,))
    assert first.analytic == (8.0,) and first.numeric[0] == pytest.approx(12.0, rel=1e-8)
    assert first.band == "wrong" and first.node is inner
    assert first.index == topological_order(root).index(inner)
    assert "first: node #1 cube 'y' at (x=2): analytic 8, numeric 12" in str(report)


def test_the_right_rule_passes_where_the_wrong_one_failed():
    assert audit(cube(Value(2.0)) + 1).ok


def test_only_the_wrong_node_fails_even_though_everything_downstream_gets_a_wrong_gradient():
    x = Value(0.7)
    root = (cube_wrong(x) * 3).tanh() * 2
    assert [check.op for check in audit(root).failures] == ["cube"]


def test_audit_checks_each_position_of_a_repeated_parent():
    a = Value(3.0, label="a")
    check = audit(a * a).nodes[0]
    assert check.input_names == ("a", "a") and check.analytic == (3.0, 3.0) and check.ok


def test_a_rule_with_too_few_partials_is_wrong_not_silently_truncated():
    half = Op("hyp", "hyp", lambda a, b: math.hypot(a, b), lambda m, out, a, b: (a / out,), arity=2)
    check = audit(half(Value(3.0), Value(4.0))).first_failure
    assert check is not None and check.band == "wrong"
    assert "gave 1 partial(s) for 2 input(s)" in check.note


def test_kinks_are_reported_not_failed():
    x = Value(0.0, label="x")
    report = audit(x.relu() + x.abs() + maximum(x, 0.0))
    assert report.ok
    assert [check.op for check in report.kinks] == ["relu", "abs", "max"]
    assert "branch flips at max" in report.kinks[-1].note


def test_an_op_undefined_at_x_minus_h_for_every_step_is_undefined():
    report = audit(Value(0.0) ** 0.5)
    assert report.first_failure.band == "undefined" and not report.ok


def test_near_the_edge_of_its_domain_an_op_is_checked_with_smaller_steps():
    check = audit(Value(1e-7).log()).nodes[0]
    assert check.band == "good" and check.numeric[0] == pytest.approx(1e7, rel=1e-9)


def test_a_node_whose_value_is_not_finite_is_undefined():
    assert audit(Value(1000.0).exp()).nodes[0].band == "undefined"


def test_audit_uses_the_current_input_data_and_leaves_the_graph_alone():
    x = Value(1.0)
    y = x * x
    y.backward()
    before = [(n.data, n.grad, n.local_grads) for n in topological_order(y)]
    x.data = 5.0  # changed without recompute: the audit checks the rule at 5, not stale local grads
    check = audit(y).nodes[0]
    assert check.inputs == (5.0, 5.0) and check.analytic == (5.0, 5.0) and check.ok
    x.data = 1.0
    assert [(n.data, n.grad, n.local_grads) for n in topological_order(y)] == before


def test_a_leaf_has_nothing_to_audit():
    assert len(audit(Value(1.0))) == 0 and audit(Value(1.0)).ok
    with pytest.raises(ValueError, match="leaf"):
        check_node(Value(1.0), 0, 1e-6, 1e-8, [])


def test_raise_on_failure_names_the_first_wrong_node():
    with pytest.raises(GradcheckError, match=r"node #1 cube at \(x=2\): analytic 8, numeric 12"):
        audit(cube_wrong(Value(2.0, label="x")), raise_on_failure=True)
    assert audit(cube(Value(2.0)), raise_on_failure=True).ok


def test_an_exception_in_a_custom_forward_or_rule_comes_through_with_a_note():
    def forward(x):
        if x != 1.0:
            raise RuntimeError("only at one")
        return x

    fragile = Op("fragile", "f", forward, lambda m, out, x: (1.0,))
    with pytest.raises(RuntimeError, match="only at one") as info:
        audit(fragile(Value(1.0)))
    assert any("forward of op 'fragile'" in note for note in info.value.__notes__)
    broken = Op("broken", "b", lambda x: x, lambda m, out, x: (1 / x,))
    x = Value(1.0)
    y = broken(x)
    x.data = 0.0  # the rule now divides by zero when the audit evaluates it
    with pytest.raises(ZeroDivisionError) as info:
        audit(y)
    assert any("local_grads rule of op 'broken'" in note for note in info.value.__notes__)


def test_text_html_and_escaping():
    x = Value(2.0, label="<i>x</i>")
    y = cube_wrong(x)
    y.label = "a&b"
    report = audit(y * 2)
    lines = str(report).splitlines()
    assert lines[0].startswith("audit: 2 op node(s), eps=0.001: FAILED at 1 node(s)")
    assert lines[1].split()[:4] == ["#", "op", "label", "inputs"]
    html = report._repr_html_()
    assert "<i>" not in html and "&lt;i&gt;x&lt;/i&gt;" in html and "a&amp;b" in html
    assert html.count("<tr style=") == 2


def test_a_big_audit_shows_only_rows_that_are_not_good():
    x = Value(0.5)
    root = x
    for _ in range(MAX_ROWS_SHOWN):
        root = root * 1.001
    root = cube_wrong(root)
    report = audit(root)
    lines = str(report).splitlines()
    assert len(report) == MAX_ROWS_SHOWN + 1 and len(lines) == 3
    assert "good node(s) not shown" in lines[0] and lines[2].split()[1] == "cube"
    small = str(audit(root.parents[0])).splitlines()
    assert len(small) == 2 + MAX_ROWS_SHOWN and "not shown" not in small[0]


@pytest.mark.parametrize("eps", [0.0, -1.0, math.nan])
def test_bad_arguments_are_refused(eps):
    with pytest.raises(ValueError, match="eps"):
        audit(Value(1.0) * 2, eps=eps)


def test_audit_needs_a_value():
    with pytest.raises(TypeError, match="audit needs a Value.*got float"):
        audit(2.0)


def test_a_deep_chain_is_audited_without_recursion():
    x = Value(0.5)
    root = x
    for _ in range(20_000):  # far past Python's recursion limit
        root = root + Constant(1e-6)
    report = audit(root)
    assert report.ok and len(report) == 20_000
