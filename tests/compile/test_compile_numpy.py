"""The "numpy" backend: its rules against the table at ±0, inf and NaN, random programs within rtol
1e-12 of the plain engine (errors and NaN semantics exactly its own), the batch axis, lazy import."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chainrule
from chainrule import OPS, Parameter, Value, detect_anomaly, nan_on_domain_error
from chainrule.compile import compile
from chainrule.compile.vectorised import numpy_rule
from chainrule.engine.ops import FLOAT_MATH, power, power_of
from chainrule.nn import MLP, make_moons
from tests.compile.programs import EXPONENTS, SPECIAL, build, data, outcome, programs

RULED = [op for op in OPS.values() if numpy_rule(op) is not None]
RULED += [power(k) for k in EXPONENTS if power(k).template] + [power_of(b) for b in (2.0, 0.5)]
EDGE = SPECIAL + [3.0, -3.0, 0.1]


def close(a, b):
    if isinstance(a, tuple) or isinstance(b, tuple):
        return a == b  # the same error, or the same kind of outcome
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-300)


def test_every_op_of_the_table_but_sum_and_select_has_a_numpy_rule():
    assert {name for name, op in OPS.items() if numpy_rule(op) is None} == {"sum", "select"}


@pytest.mark.parametrize("op", RULED, ids=lambda op: f"{op.name}{op.label}")
def test_numpy_rules_agree_with_the_table_or_give_a_non_finite_value(op):
    forward, local_grads = numpy_rule(op)
    arity = op.arity
    inputs = [(x,) for x in EDGE] if arity == 1 else [(a, b) for a in EDGE for b in EDGE]
    with np.errstate(all="ignore"):
        for xs in inputs:
            got = float(forward(*map(np.float64, xs)))
            try:
                want = op.forward(*xs)
            except Exception:  # noqa: BLE001 - a domain error: the replay must see a NaN or inf and run plainly
                assert not math.isfinite(got), (op.name, xs, got)
                continue
            if not math.isfinite(want):
                assert not math.isfinite(got), (op.name, xs, got, want)
                continue
            assert close(got, want), (op.name, xs, got, want)
            wanted = op.local_grads(FLOAT_MATH, want, *xs)
            partials = local_grads(np.float64(want), *map(np.float64, xs))
            for g, w in zip(partials, wanted):
                g = float(np.broadcast_to(g, ()))
                assert close(g, w) if math.isfinite(w) else not math.isfinite(g), (op.name, xs, g, w)


MODES = {"plain": None, "nan": nan_on_domain_error, "anomaly": detect_anomaly}


@pytest.mark.parametrize("mode", MODES)
@given(program=programs, values=st.lists(data, min_size=4, max_size=4))
def test_numpy_replay_is_the_plain_engine_within_rtol_1e_12(mode, program, values):
    count = program[0]
    first, values = [0.75, -1.25, 2.0, 0.3][:count], values[:count]
    context = MODES[mode]
    with context() if context else np.errstate():
        leaves = [Value(x) for x in first]
        try:
            step = compile(build(program, leaves), "numpy")
        except Exception:  # noqa: BLE001 - the recording failed on the first data: nothing to replay
            return

        def replay():
            for leaf, x in zip(leaves, values):
                leaf.data = x
            return [step()] + [leaf.grad for leaf in leaves]

        def rebuild():
            fresh = [Value(x) for x in values]
            root = build(program, fresh)
            root.backward()
            return [root.data] + [leaf.grad for leaf in fresh]

        got, want = outcome(replay), outcome(rebuild)
        assert got[0] == want[0] and (got[1:] == want[1:] if got[0] == "error" else
                                      all(map(close, got[1], want[1]))), (got, want)


def test_the_batch_axis_gives_each_sample_and_sums_the_parameter_gradients():
    points, labels = make_moons(16, seed=2)
    model = MLP(2, [6, 6, 1], seed=4)
    x0, x1, y = Value(0.0), Value(0.0), Value(1.0)
    per_sample = (1 - y * model([x0, x1])).relu() + 1e-3 * (model.parameters()[0] ** 2)
    step = compile(per_sample, "numpy", batch=[x0, x1, y], wrt=model.parameters())
    signs = [2.0 * label - 1 for label in labels]
    outputs = step({x0: [p[0] for p in points], x1: [p[1] for p in points], y: signs})
    got = [p.grad for p in model.parameters()]
    expected_out, expected_grads = [], [0.0] * len(got)
    for point, sign in zip(points, signs):
        model.zero_grad()
        loss = (1 - sign * model(point)).relu() + 1e-3 * (model.parameters()[0] ** 2)
        loss.backward()
        expected_out.append(loss.data)
        expected_grads = [t + p.grad for t, p in zip(expected_grads, model.parameters())]
    assert np.allclose(outputs, expected_out, rtol=1e-12, atol=0)
    assert np.allclose(got, expected_grads, rtol=1e-12, atol=1e-15)


def test_a_bad_sample_raises_the_engines_error_and_nan_mode_gives_its_nan():
    w, x = Parameter(1.0), Value(1.0)
    step = compile((w * x).log(), "numpy", batch=[x])
    with pytest.raises(Exception, match=r"log: input must be > 0, got -2.0"):
        step({x: [1.0, -2.0]})
    with nan_on_domain_error():
        outputs = step({x: [1.0, -2.0, 3.0]})
    assert outputs[0] == 0.0 and math.isnan(outputs[1]) and outputs[2] == math.log(3.0)


def test_batch_data_is_checked():
    w, x = Parameter(1.0), Value(1.0)
    step = compile(w * x, "numpy", batch=[x])
    with pytest.raises(TypeError, match="one array per batch leaf"):
        step()
    with pytest.raises(ValueError, match="exactly the batch leaves"):
        step({w: [1.0]})
    with pytest.raises(ValueError, match="is not a leaf"):
        compile(w * x, "numpy", batch=[w * x])
    with pytest.raises(ValueError, match="batch= needs backend='numpy'"):
        compile(w * x, "python", batch=[x])


def test_numpy_is_imported_only_for_the_numpy_backend():
    code = ("import sys, chainrule; x = chainrule.Value(1.0); chainrule.compile(x * x, 'objects')();"
            "chainrule.compile(x * x, 'python')(); print('numpy' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_batch_independent_nodes_run_once_and_get_the_batch_sum_of_their_gradients():
    # an L2 term, a parameter-only product and a batch-free output part: computed without the batch
    # axis, broadcast into the per-sample nodes, their gradients summed over the batch
    points, labels = make_moons(12, seed=5)
    model = MLP(2, [5, 1], seed=6)
    params = model.parameters()
    a, b = params[0], params[1]
    x0, x1, y = Value(0.0), Value(0.0), Value(1.0)

    def loss(point: list, sign: object) -> tuple[Value, Value]:
        l2 = 1e-3 * chainrule.sum(p * p for p in params)
        both = (a * b).tanh()  # parameter-only product
        return (1 - sign * model(point) * both).relu() + l2 + (a - b).exp() * point[0], l2

    root, l2 = loss([x0, x1], y)
    step = compile(root, "numpy", batch=[x0, x1, y], wrt=params)
    fixed = sum(not batched for batched in step._layout.batched)
    assert fixed > 2 * len(params)  # the L2 term and the product are unbatched nodes
    signs = [2.0 * label - 1 for label in labels]
    outputs = step({x0: [p[0] for p in points], x1: [p[1] for p in points], y: signs})
    got = [p.grad for p in params]
    expected_out, expected_grads = [], [0.0] * len(params)
    for point, sign in zip(points, signs):
        model.zero_grad()
        sample, sample_l2 = loss(point, sign)
        sample.backward()
        expected_out.append(sample.data)
        expected_grads = [t + p.grad for t, p in zip(expected_grads, params)]
    assert np.allclose(outputs, expected_out, rtol=1e-12, atol=0)
    assert np.allclose(got, expected_grads, rtol=1e-12, atol=1e-15)
    assert np.allclose(step.value_of(l2), [sample_l2.data] * len(points), rtol=1e-12, atol=0)  # per sample

