"""Every op in the table passes gradcheck and audit over the domain its row declares; a wrong rule fails.

The cases come from the table (tests/engine/op_domains.py): an op without a domain fails a test.
"""

from __future__ import annotations

import pytest

from chainrule import Value
from chainrule.check.audit import audit
from chainrule.check.gradcheck import gradcheck
from chainrule.engine.ops import Op
from tests.engine.op_domains import declared, points, undeclared

POINTS_PER_BOX = 4


def cases() -> list[tuple[str, Op, list[list[float]]]]:
    """(case, op, points): fixed points in every box of each op's declared domain."""
    return [(name, op, [p for box in domain.boxes for p in points(name, box, POINTS_PER_BOX)])
            for name, op, domain in declared()]


CASES = cases()
IDS = [case[0] for case in CASES]
CROSSING = [(name, op) for name, op, _ in CASES if op.crossing is not None]


def test_every_op_has_a_declared_domain():
    assert undeclared() == [], "declare domain=Domain(...) in the row of each of these ops"


@pytest.mark.parametrize(("name", "op", "points"), CASES, ids=IDS)
def test_gradcheck_passes_every_op_over_its_domain(name, op, points):
    for point in points:
        report = gradcheck(op, point)
        assert report.ok and not report.kinks, f"{name} at {point}:\n{report}"
        assert all(row.band == "good" for row in report), f"{name} at {point}:\n{report}"


@pytest.mark.parametrize(("name", "op", "points"), CASES, ids=IDS)
def test_audit_passes_every_op_over_its_domain(name, op, points):
    for point in points:
        report = audit(op(*map(Value, point)))
        assert report.ok and len(report) == 1, f"{name} at {point}:\n{report}"


@pytest.mark.parametrize(("name", "op", "points"), CASES, ids=IDS)
def test_the_same_op_inside_a_larger_graph_passes(name, op, points):
    point = points[0]
    report = gradcheck(lambda *xs: op(*xs).sigmoid() * 3 + xs[0] * 0.5, point)
    assert report.ok, f"{name} at {point}:\n{report}"


def _miswritten(op: Op) -> Op:
    """The op with a plausible-looking but wrong rule: every partial scaled and shifted."""
    return Op(f"wrong_{op.name}", op.label, op.forward,
              lambda m, out, *xs: tuple(1.5 * g + 0.25 for g in op.local_grads(m, out, *xs)),
              arity=op.arity, branch=op.branch, crossing=op.crossing)


@pytest.mark.parametrize(("name", "op", "points"), CASES, ids=IDS)
def test_a_wrong_rule_for_any_op_fails_both_checks_and_audit_names_it(name, op, points):
    wrong = _miswritten(op)
    for point in points[:2]:
        assert not gradcheck(wrong, point).ok
        inputs = [Value(x, label=f"in{i}") for i, x in enumerate(point)]
        report = audit((wrong(*inputs) * 2).tanh())
        assert not report.ok
        assert report.first_failure.op == f"wrong_{op.name}" and report.first_failure.band == "wrong"
        assert [check.op for check in report.failures] == [f"wrong_{op.name}"]


STRADDLED = [(name, op) for name, op in CROSSING if op.domain.at_crossing]


@pytest.mark.parametrize(("name", "op"), STRADDLED, ids=[name for name, _ in STRADDLED])
def test_every_kink_or_pole_op_at_its_crossing_is_a_kink_not_a_failure(name, op):
    point = list(op.domain.at_crossing)
    for report in (gradcheck(op, point), audit(op(*map(Value, point)))):
        assert report.ok and report.kinks, str(report)
        notes = " ".join(row.note for row in report.kinks)
        assert ("pole" in notes) == (op.crossing == "pole"), notes


def test_the_kink_and_pole_ops_are_the_ones_the_table_marks():
    crossings = {name: op.crossing for name, op in CROSSING}
    assert crossings == {"div": "pole", "relu": "kink", "abs": "kink", "max": "kink", "min": "kink",
                         "select": "kink", "pow(-1)": "pole", "pow(-2)": "pole", "pow(-0.5)": "pole"}
    # each declares a point across it (Domain.at_crossing), except where the far side is undefined
    assert sorted(name for name, op in CROSSING if not op.domain.at_crossing) == ["pow(-0.5)"]
