"""The "numpy" backend's review fixes: a lone sum adds in the engine's order; a matrix product's
reordering stays within n·eps·Σ|terms|; deep narrow graphs replay with "objects"; a batch call that
falls back to per-sample plain runs leaves the batch leaves as they were and keeps its values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chainrule
from chainrule import Parameter, Value
from chainrule.compile import compile
from chainrule.compile.numpy_groups import GridGroup
from chainrule.compile.tape import Tape
from chainrule.compile.vectorised import MAX_NUMPY_LEVELS, NumpyCompiled, level_count
from chainrule.engine.errors import DomainError

CANCELLING = [1e200, -1e200] + [0.0] * 6 + [1.0] + [0.0] * 7  # 16 terms: pairwise gives 0.0
EPS = np.finfo(float).eps


def fast(step):
    return step._values_current is False


def test_a_lone_cancelling_sum_is_added_in_the_engine_s_order():
    xs = [Value(v) for v in CANCELLING]
    y = chainrule.sum(xs) * 1.0
    step = compile(y, "numpy")
    assert step() == y.data == 1.0 and fast(step)
    assert [x.grad for x in xs] == [1.0] * 16


def test_a_lone_cancelling_sum_of_fused_products_is_added_in_the_engine_s_order():
    ws, x = [Value(v) for v in CANCELLING], Value(1.0)
    z = chainrule.sum(w * x for w in ws)
    step = compile(z, "numpy")
    assert step() == z.data == 1.0 and fast(step)
    replayed, x.grad = x.grad, 0.0
    z.backward()  # x's 16 contributions: the engine adds them in reverse, the replay in another order
    assert abs(replayed - x.grad) <= 16 * EPS * sum(map(abs, CANCELLING))


@pytest.mark.parametrize("width", [1, 2, 3])
def test_a_lone_batched_sum_is_added_in_the_engine_s_order_at_every_batch_width(width):
    x = Value(0.0)
    y = chainrule.sum([x + v for v in CANCELLING])
    step = compile(y, "numpy", batch=[x])
    got = step({x: [0.0] * width})
    assert fast(step) and got.tolist() == [1.0] * width


def test_a_lone_cancelling_sum_after_a_nonlinearity_matches_the_engine_bit_for_bit():
    xs = [Value(v) for v in CANCELLING]
    loss = chainrule.sum(x.tanh() * 1e200 for x in xs[:2]) + chainrule.sum(xs[2:])
    step = compile(loss, "numpy")
    assert step() == loss.data and fast(step)


@st.composite
def cancelling_lists(draw):
    """A big term and its negative at ``at``, small terms around: pairwise adding loses the small ones."""
    big, smalls = draw(st.floats(1e100, 1e300)), draw(st.lists(st.floats(-10, 10), min_size=14, max_size=30))
    at = draw(st.integers(0, len(smalls)))
    return smalls[:at] + [big, -big] + smalls[at:]


wild = st.floats(-1e300, 1e300, allow_nan=False, allow_infinity=False) | st.sampled_from([0.0, -0.0, 1.0])


@given(st.lists(wild, min_size=1, max_size=40) | cancelling_lists(), st.booleans())
def test_any_lone_sum_is_the_engine_s_bit_for_bit(values, fused):
    xs, one = [Value(v) for v in values], Value(1.0)
    y = chainrule.sum((x * one for x in xs) if fused else xs) * 1.0
    step = compile(y, "numpy")
    got = step()
    if math.isnan(y.data):  # inf - inf: the call was a plain run
        assert math.isnan(got)
    else:
        assert (got, math.copysign(1.0, got)) == (y.data, math.copysign(1.0, y.data))


terms = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)


@given(st.lists(st.tuples(terms, terms), min_size=2, max_size=24), st.lists(terms, min_size=2, max_size=4))
def test_a_matrix_product_s_reordering_is_within_n_eps_times_the_size_of_its_terms(pairs, scale):
    """The documented bound: a sum of n terms added in another order than the engine's is within
    n·eps·Σ|terms| of it, relative to the terms, not the (possibly cancelled) result."""
    ws = [Parameter(w) for w, _ in pairs]
    xs = [Value(0.0) for _ in pairs]
    y = chainrule.sum(w * x for w, x in zip(ws, xs))
    step = compile(y, "numpy", batch=xs)
    columns = [[x * s for s in scale] for _, x in pairs]
    got = step(dict(zip(xs, columns)))
    assert fast(step) and any(isinstance(group, GridGroup) for group in step.groups)
    for j, s in enumerate(scale):
        products = [w * (x * s) for w, x in pairs]
        want = sum(products, 0.0)  # the engine's sum of the same products
        assert abs(got[j] - want) <= len(pairs) * EPS * sum(map(abs, products))


def test_the_bound_is_needed_a_cancelling_matrix_product_may_differ_relative_to_its_result():
    """Documentation, not a bug: where terms cancel, the result's relative error is unbounded."""
    n = 64
    ws = [Parameter(1e16 if k % 2 == 0 else -1e16) for k in range(n)] + [Parameter(1.0)]
    xs = [Value(0.0) for _ in ws]
    y = chainrule.sum(w * x for w, x in zip(ws, xs))
    step = compile(y, "numpy", batch=xs)
    got = step({x: [1.0, 1.0] for x in xs})
    assert abs(got[0] - 1.0) <= (n + 1) * EPS * (n * 1e16 + 1)


# --- deep, narrow graphs ------------------------------------------------------------------------


def chain(x: Value, n: int) -> Value:
    """``n`` steps of ``y -> tanh(0.999 y + 0.001) / y + x``: 5 ops, 5 levels, one node wide."""
    y = x
    for _ in range(n):
        y = (y * 0.999 + 0.001).tanh() / y + x
    return y


def replay_matches_a_rebuilt_graph(step, x: Value, n: int, x0: float) -> None:
    x.data = x0
    got, grad = step(), x.grad
    fresh = Value(x0)
    rebuilt = chain(fresh, n)
    rebuilt.backward()
    assert (got, grad) == (rebuilt.data, fresh.grad)


def test_a_deep_narrow_graph_replays_with_objects_and_says_why():
    n = MAX_NUMPY_LEVELS // 2  # 5 levels a step: 2,500 levels of ~1.4 nodes
    x = Value(0.5)
    with pytest.warns(RuntimeWarning, match=r"levels of .* nodes on average.*objects backend"):
        step = compile(chain(x, n), "numpy")
    assert step.backend == "objects" and not isinstance(step, NumpyCompiled)
    for x0 in (0.25, 0.75):
        replay_matches_a_rebuilt_graph(step, x, n, x0)


def test_a_deep_but_wide_graph_is_still_vectorised():
    xs = [Value(0.1 * k) for k in range(12)]
    ys = list(xs)
    for _ in range(MAX_NUMPY_LEVELS // 2 + 1):
        ys = [(y * 0.5 + x).tanh() for y, x in zip(ys, xs)]
    root = chainrule.sum(ys)
    assert level_count(Tape(root).nodes) > MAX_NUMPY_LEVELS
    step = compile(root, "numpy")
    assert isinstance(step, NumpyCompiled)
    assert math.isclose(step(), root.data, rel_tol=1e-12) and fast(step)


def test_a_batched_deep_chain_compiles_and_replays_per_sample():
    """With batch= there is no "objects" fallback: the set-up is one slice per single-slot index."""
    n, x = 300, Value(0.5)
    step = compile(chain(x, n), "numpy", batch=[x])
    got = step({x: [0.25, 0.75]})
    assert fast(step)
    assert np.allclose(got, [chain(Value(x0), n).data for x0 in (0.25, 0.75)], rtol=1e-12, atol=0)


@pytest.mark.slow
def test_a_million_node_chain_compiles_with_a_fallback_and_replays_exactly():
    n = 200_000  # 5 ops a step: the 1,000,000-op chain (1,400,001 nodes with the constants)
    x = Value(0.5)
    with pytest.warns(RuntimeWarning, match="objects backend"):
        step = compile(chain(x, n), "numpy")
    assert sum(1 for node in step.tape.nodes if node.parents) == 5 * n and step.backend == "objects"
    replay_matches_a_rebuilt_graph(step, x, n, 0.25)


# --- a batch call that falls back to per-sample plain runs --------------------------------------


def test_a_batch_fallback_leaves_the_batch_leaves_and_keeps_the_per_sample_values():
    w, x = Parameter(2.0), Value(0.0)
    h = w * x
    other = h * 1.0
    step = compile(other.tanh(), "numpy", batch=[x], watch=[h])
    out = step({x: [1.0, float("inf")]})  # inf: per-sample plain runs
    assert x.data == 0.0  # as after a vectorised call
    assert out.tolist() == [math.tanh(2.0), 1.0]
    assert step.value_of(h).tolist() == [2.0, math.inf]
    assert step.value_of(step.tape.root).tolist() == out.tolist()
    with pytest.raises(ValueError, match="fell back to per-sample plain runs"):
        step.value_of(other)
    step({x: [1.0, 0.5]})  # vectorised again: every node readable
    assert fast(step) and step.value_of(other).tolist() == [2.0, 1.0]


def test_a_batch_fallback_restores_the_leaves_when_the_engine_raises():
    x = Value(3.0)
    step = compile(x.log(), "numpy", batch=[x])
    with pytest.raises(DomainError, match="log"):
        step({x: [1.0, -1.0]})
    assert x.data == 3.0
