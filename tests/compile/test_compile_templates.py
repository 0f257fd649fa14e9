"""Every template in the op table against its row's forward and local_grads, at ±0, ±inf, NaN,
kinks and poles: the same float bit for bit, or an exception (the replay then runs plainly)."""

from __future__ import annotations

import itertools
import math

import pytest

from chainrule import OPS
from chainrule.compile.codegen import _contribution, literal, references
from chainrule.compile.rules import partials_code
from chainrule.engine.ops import FLOAT_MATH, OP_FACTORIES, TEMPLATE_FUNCTIONS, power, power_of
from tests.compile.programs import EXPONENTS, SPECIAL, bits

EDGE = SPECIAL + [3.0, -3.0, 1e308, -1e-320, 0.1]
NAMESPACE = {**TEMPLATE_FUNCTIONS, "inf": math.inf, "nan": math.nan}
BUILTINS = {"sum"}  # called by name by a row's forward too: both resolve it when they run
TEMPLATED = [op for op in OPS.values() if op.template is not None]
TEMPLATED += [power(k) for k in EXPONENTS if power(k).template] + [power_of(b) for b in (2.0, 0.5, 10.0)]


def evaluate(text, xs, out=None):
    if "{xs}" in text:
        source = text.format(xs=", ".join(map(literal, xs)))  # the sum row's join
    else:
        source = text.format(*map(literal, xs), out=literal(out) if out is not None else "None")
    return eval(source, dict(NAMESPACE))  # a template is an expression over literals here


def inputs_for(op):
    arity = 3 if op.arity is None else op.arity
    return itertools.product(EDGE, repeat=arity) if arity < 3 else itertools.product(EDGE[:8], repeat=3)


def plain(f):
    try:
        return ("ok", f())
    except Exception as exc:  # noqa: BLE001
        return ("error", type(exc).__name__)


@pytest.mark.parametrize("op", TEMPLATED, ids=lambda op: f"{op.name}{op.label}")
def test_template_forward_is_the_rows_forward_or_raises(op):
    for xs in inputs_for(op):
        expected = plain(lambda xs=xs: op.forward(*xs))
        got = plain(lambda xs=xs: evaluate(op.template.forward, xs))
        if got[0] == "ok":
            assert expected[0] == "ok", f"{op.name}{xs}: template gave {got[1]}, forward raised {expected[1]}"
            assert bits(got[1]) == bits(expected[1]), f"{op.name}{xs}: {got[1]!r} != {expected[1]!r}"


@pytest.mark.parametrize("op", TEMPLATED, ids=lambda op: f"{op.name}{op.label}")
def test_template_local_grads_are_the_rows_or_raise(op):
    checked = 0
    for xs in inputs_for(op):
        try:
            out = op.forward(*xs)
            expected = op.local_grads(FLOAT_MATH, out, *xs)
        except Exception:  # noqa: BLE001 - the forward failed: the replay never gets to the partials
            continue
        partials = partials_code(op)  # the row's constant partials, or its template's
        texts = partials * len(xs) if op.arity is None else partials
        for i, (text, want) in enumerate(zip(texts, expected, strict=True)):
            one = (xs[i],) if op.arity is None else xs
            got = plain(lambda text=text, one=one, out=out: evaluate(text, one, out))
            if got[0] == "ok":
                assert bits(got[1]) == bits(want), f"{op.name}{xs} partial {i}: {got[1]!r} != {want!r}"
                checked += 1
    assert checked > 0


def test_every_template_names_only_inputs_out_and_known_functions():
    for op in TEMPLATED:
        arity = op.arity or 1
        for text in (op.template.forward, *partials_code(op)):
            for name in references(text):
                assert name in {"out", "xs", *map(str, range(arity))}, (op.name, text)
            names = compile(text.replace("{", "(").replace("}", ")"), "t", "eval").co_names
            assert set(names) <= set(NAMESPACE) | {"out", "xs", *BUILTINS}, (op.name, names)


def test_every_row_but_select_has_a_template():
    """A row without one replays through its functions (slower; select's one-hot partials need that)."""
    assert [name for name, op in OPS.items() if op.template is None] == ["select"]
    # constant partials are stated once, in the row: its template has none
    assert all(not op.template.local_grads for op in TEMPLATED if op.constant_partials is not None)
    assert all(op.template.local_grads for op in TEMPLATED if op.constant_partials is None)
    assert set(OP_FACTORIES) == {"pow", "rpow"}


@pytest.mark.parametrize("op", TEMPLATED, ids=lambda op: f"{op.name}{op.label}")
def test_each_contribution_as_written_is_local_times_upstream(op):
    """The backward writes ``local * upstream`` shorter where that is exact (times ±1.0 dropped, a routing
    op's choice moved into the branches): bit for bit the product, for every upstream gradient."""
    rewritten = 0
    for xs in inputs_for(op):
        try:
            out = op.forward(*xs)
        except Exception:  # noqa: BLE001 - the forward failed: no backward runs
            continue
        for j, text in enumerate(partials_code(op) * (len(xs) if op.arity is None else 1)):
            one = (xs[j],) if op.arity is None else xs
            local = text.format(*map(literal, one), out=literal(out))
            written = _contribution(local, "u")
            rewritten += written != f"{local} * u"
            for u in EDGE:
                namespace = {**NAMESPACE, "u": u}
                want = plain(lambda local=local, namespace=namespace: eval(f"({local}) * u", namespace))
                got = plain(lambda written=written, namespace=namespace: eval(written, namespace))
                if got[0] == "ok" == want[0]:
                    got, want = bits(got[1]), bits(want[1])
                assert got == want, (op.name, xs, local, u)
    assert rewritten or op.name not in ("relu", "max", "min", "add", "sub", "neg", "sum")


def test_templates_write_float_literals():
    """``x <= 0`` gives what ``x <= 0.0`` gives, but CPython specialises only float-with-float
    comparisons and arithmetic (the generic int path costs ~4x per relu): no template has an int."""
    import ast

    for op in TEMPLATED:
        for text in (op.template.forward, *partials_code(op)):
            source = text.format(*[f"x{i}" for i in range(3)], out="out", xs="xs")
            ints = [node.value for node in ast.walk(ast.parse(source, mode="eval"))
                    if isinstance(node, ast.Constant) and type(node.value) is int]
            assert ints == [], (op.name, text)
