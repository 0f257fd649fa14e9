"""The op table is the single source: an op added to it (at run time here) is found by the formula
language, the stepper, gradcheck, audit and the per-op tests' domains, with no other list to edit."""

from __future__ import annotations

import math

import pytest

import chainrule
from chainrule import OPS, Op, Value
from chainrule.check.audit import audit
from chainrule.check.gradcheck import gradcheck
from chainrule.engine import OP_FACTORIES
from chainrule.engine import functions as engine_functions
from chainrule.engine.ops import FLOAT_MATH, Domain
from chainrule.formula import FUNCTIONS, parse_formula, parse_values
from chainrule.viz.steps import step_through
from chainrule.viz.steps.explain import forward_sentence
from chainrule.viz.steps.naming import node_names
from tests.engine.op_domains import declared, points, undeclared


def _softplus_row() -> Op:
    return Op("softplus", "softplus", lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x))),
              lambda m, out, x: (m.sigmoid(x),),
              explain="softplus: local = σ(x) = σ({x}) = {local}",
              domain=Domain((((-6.0, 6.0),),), "log(1 + exp(x))"),
              function="softplus", doc="log(1 + e ** x), smooth ReLU.", example=((0.0,), math.log(2.0)))


@pytest.fixture
def softplus(monkeypatch: pytest.MonkeyPatch) -> Op:
    op = _softplus_row()
    monkeypatch.setitem(OPS, "softplus", op)
    return op


def test_an_op_added_at_run_time_is_a_formula_function(softplus: Op) -> None:
    assert FUNCTIONS["softplus"] == (softplus, 1) and "softplus" in list(FUNCTIONS)
    root, leaves = parse_formula("softplus(2 * x)").build(parse_values(["x=0.5"]))
    root.backward()
    assert root.op is softplus and root.data == pytest.approx(math.log1p(math.e))
    assert leaves["x"].grad == pytest.approx(2 / (1 + math.exp(-1.0)))


def test_an_op_added_at_run_time_has_its_stepper_sentence(softplus: Op) -> None:
    x = Value(0.0, label="x")
    y = softplus(x)
    (step,) = step_through(y)
    assert step.reason == "softplus: local = σ(x) = σ(0) = 0.5" and step.rule == "chain"
    assert forward_sentence(y, node_names([x, y])) == "softplus#1 = softplus(x) = softplus(0) = 0.6931"


def test_an_op_added_at_run_time_passes_gradcheck_and_audit_and_a_wrong_rule_fails(softplus: Op,
                                                                                   monkeypatch) -> None:
    for point in points("softplus", softplus.domain.boxes[0], 4):
        assert gradcheck(softplus, point).ok and audit(softplus(Value(point[0]))).ok
    monkeypatch.setattr(softplus, "local_grads", lambda m, out, x: (m.sigmoid(-x),))
    assert not gradcheck(lambda x: softplus(x * 2), [1.0]).ok
    assert audit(softplus(Value(1.0))).first_failure.op == "softplus"


def test_an_op_added_at_run_time_is_in_the_tests_domains(softplus: Op, monkeypatch) -> None:
    assert ("softplus", softplus, softplus.domain) in declared()
    assert undeclared() == []
    monkeypatch.setattr(softplus, "domain", None)
    assert undeclared() == ["softplus"]


def test_every_op_with_a_function_is_everywhere_by_that_name() -> None:
    """The one line in Value is the only thing besides the row: this fails if it is missing."""
    named = [op for op in OPS.values() if op.function is not None]
    assert {op.function for op in named} >= {"exp", "log", "sqrt", "maximum", "minimum", "relu", "abs"}
    for op in named:
        method = getattr(Value, op.function, None)
        assert method is not None, f"add `{op.function} = _function({op.name!r})` to Value"
        inputs, out = op.example
        assert method(*map(Value, inputs)).data == out == getattr(chainrule, op.function)(*inputs).data
        assert engine_functions.FUNCTIONS[op.function](*inputs).op is op
        assert FUNCTIONS[op.name] == (op, op.arity)
        assert op.forward(*inputs) == out, f"{op.name}: its example is wrong"
    assert sorted(FUNCTIONS) == sorted(op.name for op in named)


def test_the_public_functions_are_read_from_the_table() -> None:
    names = {op.function for op in OPS.values() if op.function is not None}
    assert names - {"abs"} <= set(chainrule.__all__)  # abs, like sum, would hide a builtin under import *
    assert "abs" not in chainrule.__all__ and chainrule.abs(-2).data == 2.0
    assert {"sqrt", "minimum"} <= set(dir(chainrule))


@pytest.mark.parametrize("name", ["add", "sub", "neg", "sum"])
def test_constant_partials_are_data_and_match_the_rule(name: str) -> None:
    op = OPS[name]
    assert op.constant_partials is not None
    for xs in ([1.5, -2.0], [0.3], [1.0, 2.0, 3.0]) if op.arity is None else ([1.5, -2.0][: op.arity],):
        local = op.local_grads(FLOAT_MATH, op.forward(*xs), *xs)
        expected = op.constant_partials * len(xs) if op.arity is None else op.constant_partials
        assert tuple(local) == expected


def test_only_constant_rules_declare_constant_partials() -> None:
    constant = {name for name, op in OPS.items() if op.constant_partials is not None}
    assert constant == {"add", "sub", "neg", "sum"}
    assert all(factory(2.0).constant_partials is None for factory in OP_FACTORIES.values())


def test_kinks_and_poles_are_a_field() -> None:
    assert {name: op.crossing for name, op in OPS.items() if op.crossing} == {
        "div": "pole", "relu": "kink", "abs": "kink", "max": "kink", "min": "kink", "select": "kink"}
    assert OP_FACTORIES["pow"](-1.0).crossing == "pole" and OP_FACTORIES["pow"](2.0).crossing is None
    custom = Op("step", "step", lambda x: float(x > 0), lambda m, out, x: (0.0,), branch=lambda x: x > 0)
    assert custom.crossing == "kink"  # a branch without a stated crossing is a kink


@pytest.mark.parametrize(("fields", "message"), [
    ({"crossing": "pole"}, "crossing='pole' needs a branch function"),
    ({"branch": lambda x: x > 0, "crossing": "cliff"}, "crossing must be one of kink, pole, got 'cliff'"),
    ({"explain": "twice: {x} and {y}"}, r"explain names unknown field\(s\) \['y'\]"),
    ({"explain": ("one", "two")}, "explain gives 2 sentences, expected one per input"),
    ({"notation": "sideways"}, "notation must be one of call, infix, prefix, suffix"),
    ({"function": "double"}, "function 'double' needs example="),
    ({"local_grads": None}, "needs local_grads"),
    ({"local_grads": None, "constant_partials": (2.0, 1.0)}, "constant_partials needs one number per input"),
])
def test_a_row_that_contradicts_itself_is_refused_naming_the_op(fields: dict, message: str) -> None:
    row = {"local_grads": lambda m, out, x: (2.0,)} | fields
    with pytest.raises(ValueError, match=rf"^op 'double': .*{message}"):
        Op("double", "2x", lambda x: 2 * x, **row)


def test_a_row_with_constant_partials_needs_no_rule() -> None:
    double = Op("double", "2x", lambda x: 2 * x, constant_partials=(2.0,))
    x = Value(3.0)
    double(x).backward()
    assert x.grad == 2.0 and double.local_grads(FLOAT_MATH, 6.0, 3.0) == (2.0,)
