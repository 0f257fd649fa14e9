"""Every op in the table passes gradcheck and audit over its declared domain; a wrong rule fails.

Adding an op to OPS or OP_FACTORIES without declaring its domain here fails a test.
"""

from __future__ import annotations

import math
import random

import pytest

from chainrule import Value
from chainrule.check.audit import audit
from chainrule.check.gradcheck import gradcheck
from chainrule.engine.ops import OP_FACTORIES, OPS, Op

Box = tuple[tuple[float, float], ...]  # one interval per input

# Where each op is smooth and defined; kink ops get one box per side of the kink.
DOMAINS: dict[str, list[Box]] = {
    "add": [((-3, 3), (-3, 3))],
    "sub": [((-3, 3), (-3, 3))],
    "mul": [((-3, 3), (-3, 3))],
    "div": [((-3, 3), (0.5, 3)), ((-3, 3), (-3, -0.5))],
    "neg": [((-3, 3),)],
    "exp": [((-5, 5),)],
    "log": [((0.05, 10),)],
    "tanh": [((-4, 4),)],
    "sigmoid": [((-8, 8),)],
    "sin": [((-7, 7),)],
    "cos": [((-7, 7),)],
    "relu": [((0.01, 3),), ((-3, -0.01),)],
    "abs": [((0.01, 3),), ((-3, -0.01),)],
    "max": [((0.5, 3), (-3, 0)), ((-3, 0), (0.5, 3))],
    "sum": [((-3, 3),), ((-3, 3),) * 3, ((-3, 3),) * 6],
    # an index (rounded to the nearest whole number) and the options it picks from
    "select": [((-0.4, 0.4), (-3, 3)), ((0.6, 1.4),) + ((-3, 3),) * 3, ((1.6, 2.4),) + ((-3, 3),) * 3],
}

# Parametrised ops: (constant, domain) pairs.
FACTORY_CASES: dict[str, list[tuple[float, list[Box]]]] = {
    "pow": [
        (2.0, [((-3, 3),)]), (3.0, [((-3, 3),)]), (0.0, [((-3, 3),)]), (1.0, [((-3, 3),)]),
        (0.5, [((0.05, 5),)]), (1.5, [((0.05, 5),)]), (-1.0, [((0.2, 3),), ((-3, -0.2),)]),
        (-2.0, [((0.2, 3),), ((-3, -0.2),)]), (-0.5, [((0.1, 5),)]),
    ],
    "rpow": [(2.0, [((-4, 4),)]), (0.5, [((-4, 4),)]), (math.e, [((-3, 3),)]), (10.0, [((-2, 2),)])],
}

POINTS_PER_BOX = 4
KINK_OPS = {name for name, op in OPS.items() if op.branch is not None}


def points(name: str, boxes: list[Box]) -> list[list[float]]:
    rng = random.Random(f"domain:{name}")  # a str seed is stable across runs and platforms
    return [[rng.uniform(lo, hi) for lo, hi in box] for box in boxes for _ in range(POINTS_PER_BOX)]


def cases() -> list[tuple[str, Op, list[Box]]]:
    out = [(name, op, DOMAINS[name]) for name, op in OPS.items() if name in DOMAINS]
    for name, constants in FACTORY_CASES.items():
        out += [(f"{name}({c:g})", OP_FACTORIES[name](c), boxes) for c, boxes in constants]
    return out


CASES = cases()
IDS = [case[0] for case in CASES]


def test_every_op_has_a_declared_domain():
    assert sorted(set(OPS) - set(DOMAINS)) == [], "declare an input domain for each new op"
    assert sorted(set(OP_FACTORIES) - set(FACTORY_CASES)) == [], "declare constants for each factory"


@pytest.mark.parametrize(("name", "op", "boxes"), CASES, ids=IDS)
def test_gradcheck_passes_every_op_over_its_domain(name, op, boxes):
    for point in points(name, boxes):
        report = gradcheck(op, point)
        assert report.ok and not report.kinks, f"{name} at {point}:\n{report}"
        assert all(row.band == "good" for row in report), f"{name} at {point}:\n{report}"


@pytest.mark.parametrize(("name", "op", "boxes"), CASES, ids=IDS)
def test_audit_passes_every_op_over_its_domain(name, op, boxes):
    for point in points(name, boxes):
        report = audit(op(*map(Value, point)))
        assert report.ok and len(report) == 1, f"{name} at {point}:\n{report}"


@pytest.mark.parametrize(("name", "op", "boxes"), CASES, ids=IDS)
def test_the_same_op_inside_a_larger_graph_passes(name, op, boxes):
    point = points(name, boxes)[0]
    report = gradcheck(lambda *xs: op(*xs).sigmoid() * 3 + xs[0] * 0.5, point)
    assert report.ok, f"{name} at {point}:\n{report}"


def _miswritten(op: Op) -> Op:
    """The op with a plausible-looking but wrong rule: every partial scaled and shifted."""
    return Op(f"wrong_{op.name}", op.label, op.forward,
              lambda m, out, *xs: tuple(1.5 * g + 0.25 for g in op.local_grads(m, out, *xs)),
              arity=op.arity, branch=op.branch)


@pytest.mark.parametrize(("name", "op", "boxes"), CASES, ids=IDS)
def test_a_wrong_rule_for_any_op_fails_both_checks_and_audit_names_it(name, op, boxes):
    wrong = _miswritten(op)
    for point in points(name, boxes)[:2]:
        assert not gradcheck(wrong, point).ok
        inputs = [Value(x, label=f"in{i}") for i, x in enumerate(point)]
        report = audit((wrong(*inputs) * 2).tanh())
        assert not report.ok
        assert report.first_failure.op == f"wrong_{op.name}" and report.first_failure.band == "wrong"
        assert [check.op for check in report.failures] == [f"wrong_{op.name}"]


# A point whose x ± eps straddles each branching op's kink (or pole: div is undefined at y = 0 itself).
KINK_POINTS = {"relu": [0.0], "abs": [0.0], "max": [0.0, 0.0], "div": [1.0, 1e-7], "select": [0.5, 1.0, 2.0]}


@pytest.mark.parametrize("name", sorted(KINK_OPS))
def test_every_kink_op_at_its_kink_is_a_kink_not_a_failure(name):
    point = KINK_POINTS[name]
    for report in (gradcheck(OPS[name], point), audit(OPS[name](*map(Value, point)))):
        assert report.ok and report.kinks, str(report)


def test_the_kink_ops_are_the_ones_the_table_marks():
    assert KINK_OPS == {"relu", "abs", "max", "div", "select"}
    assert {k for k, _ in FACTORY_CASES["pow"] if OP_FACTORIES["pow"](k).branch} == {-1.0, -2.0, -0.5}
    assert all(OP_FACTORIES["rpow"](c).branch is None for c, _ in FACTORY_CASES["rpow"])
