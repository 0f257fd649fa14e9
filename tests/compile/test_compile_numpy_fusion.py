"""The "numpy" backend's fused sums of products: the fusion happens (fewer groups; a dense layer is a
matrix product), and fused results are the plain engine's within rtol 1e-12, with a batch axis and
without, on MLPs, random graphs with shared nodes, a GPT, and non-finite values (a plain run)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import chainrule
from chainrule import OPS, Value
from chainrule.compile import compile
from chainrule.compile.numpy_groups import DotGroup, GridGroup, OpGroup, Target, strided_view
from chainrule.engine import topological_order
from chainrule.nn import GPT, MLP, make_moons
from tests.compile.programs import build as build_program
from tests.compile.programs import data, outcome, programs


def close(got, want):
    return np.allclose(got, want, rtol=1e-12, atol=0)


def fast(step):
    """True if the last call was the vectorised replay (a plain run leaves its state in the Values)."""
    return step._values_current is False


def unfused_group_count(root: Value) -> int:
    """The groups of a replay without fusion: one per (level, op) of the interior nodes."""
    level, kinds = {}, set()
    for node in topological_order(root):
        level[node] = 1 + max((level[p] for p in node.parents), default=-1)
        if node.parents:
            kinds.add((level[node], id(node.op), len(node.parents)))
    return len(kinds)


def moons_loss(model, points, labels):
    scores = [model([Value(x) for x in point]) for point in points]
    losses = [(1 - (2 * label - 1) * score).relu() for label, score in zip(labels, scores)]
    return chainrule.sum(losses) * (1 / len(losses)) + 1e-4 * chainrule.sum(p * p for p in model.parameters())


def plain_grads(root, leaves):
    for leaf in leaves:
        leaf.grad = 0.0
    root.backward()
    return [leaf.grad for leaf in leaves]


def test_an_mlp_s_products_vanish_into_its_sums_and_its_layers_are_matrix_products():
    points, labels = make_moons(20, seed=1)
    model = MLP(2, [8, 8, 1], seed=2)
    params = model.parameters()
    loss = moons_loss(model, points, labels)
    step = compile(loss, "numpy", wrt=params)
    kinds = [type(group) for group in step.groups]
    assert kinds.count(GridGroup) == 3  # one matrix product per layer, every sample at once
    assert len(kinds) <= unfused_group_count(loss) - 3  # no group of products per layer
    products = len(points) * (2 * 8 + 8 * 8 + 8) + len(params)  # every w * x, and the L2 term's p * p
    assert (step._layout.slot == -1).sum() == products  # fused: no slot, no group
    muls = [g for g in step.groups if isinstance(g, OpGroup) and g.op is OPS["mul"]]
    assert sum(g.out[2] - g.out[1] for g in muls) == len(points) + 2  # label * score, the two scalings
    want = plain_grads(loss, params)
    got_loss = step()
    assert fast(step) and close(got_loss, loss.data) and close([p.grad for p in params], want)


def test_the_batch_axis_runs_each_dense_layer_as_one_matrix_product():
    points, labels = make_moons(16, seed=3)
    model = MLP(2, [6, 5, 1], seed=4)
    params = model.parameters()
    x0, x1, y = Value(0.0), Value(0.0), Value(1.0)
    per_sample = (1 - y * model([x0, x1])).relu() + 1e-3 * chainrule.sum(p * p for p in params)
    step = compile(per_sample, "numpy", batch=[x0, x1, y], wrt=params)
    grids = [g for g in step.groups if isinstance(g, GridGroup)]
    assert len(grids) == 3
    fixed = np.zeros(step._layout.sizes[0])  # the leaves are laid out so each weight matrix is a view
    assert all(strided_view(fixed, g.a.source.idx) is not None for g in grids)
    signs = [2.0 * label - 1 for label in labels]
    outputs = step({x0: [p[0] for p in points], x1: [p[1] for p in points], y: signs})
    got = [p.grad for p in params]
    want_out, want = [], [0.0] * len(params)
    for point, sign in zip(points, signs):
        x0.data, x1.data, y.data = *point, sign
        sample = (1 - y * model([x0, x1])).relu() + 1e-3 * chainrule.sum(p * p for p in params)
        want = [w + g for w, g in zip(want, plain_grads(sample, params))]
        want_out.append(sample.data)
    assert close(outputs, want_out) and np.allclose(got, want, rtol=1e-12, atol=1e-15)


def test_a_product_used_twice_is_not_fused_and_a_shared_factor_gets_both_gradients():
    a, b, c = Value(1.5), Value(-2.0), Value(0.75)
    twice = a * b  # used by the sum and by tanh: a node of its own
    once = a * c  # a is also used elsewhere: still fused
    root = chainrule.sum([twice, once, c]) * twice.tanh() + a.exp()
    step = compile(root, "numpy")
    nodes = step.tape.nodes
    assert step._layout.slot[nodes.index(twice)] >= 0 and step._layout.slot[nodes.index(once)] == -1
    want = plain_grads(root, [a, b, c])
    for leaf, x in zip((a, b, c), (0.5, 1.25, -3.0)):
        leaf.data = x
    got_root, got = step(), [a.grad, b.grad, c.grad]
    fresh = [Value(x) for x in (0.5, 1.25, -3.0)]
    t = fresh[0] * fresh[1]
    rebuilt = chainrule.sum([t, fresh[0] * fresh[2], fresh[2]]) * t.tanh() + fresh[0].exp()
    want = plain_grads(rebuilt, fresh)
    assert fast(step) and close(got_root, rebuilt.data) and close(got, want)
    assert math.isclose(step.value_of(once), 0.5 * -3.0)  # a fused product's value, from its factors


def test_x_times_x_in_a_sum_counts_twice_and_a_watched_product_keeps_its_slot():
    x, y = Value(3.0), Value(2.0)
    square, watched = x * x, x * y
    step = compile(chainrule.sum([square, watched]), "numpy", watch=[watched])
    assert step._layout.slot[step.tape.nodes.index(watched)] >= 0
    assert step() == 15.0 and (x.grad, y.grad) == (8.0, 3.0) and step.value_of(watched) == 6.0


# --- random graphs of sums of products with shared nodes (positive values: no cancellation) --------

picks = st.lists(st.integers(0, 10 ** 6), min_size=1, max_size=6)
graphs = st.lists(st.tuples(st.sampled_from(["sum", "mul", "tanh", "add"]), picks), min_size=1, max_size=25)


def build(recipe, leaves):
    """Each step makes a sum of products of earlier nodes, a product, a tanh or an add; nodes are shared
    (picked again and again), so some products are used once and some several times."""
    made = list(leaves)
    for kind, picks in recipe:
        pick = [made[i % len(made)] for i in picks]
        if kind == "sum":
            made.append(chainrule.sum([p * q for p, q in zip(pick, pick[1:] + pick[:1])] + pick[:1]))
        elif kind == "mul":
            made.append(pick[0] * pick[-1])
        elif kind == "tanh":
            made.append((pick[0] * 0.5).tanh() + 1.0)
        else:
            made.append(pick[0] + pick[-1])
    return chainrule.sum(made[len(leaves):] + [leaf * 1.0 for leaf in leaves])  # every leaf in the graph


@given(recipe=graphs, values=st.lists(st.floats(0.1, 1.5), min_size=4, max_size=4))
def test_random_graphs_with_shared_products_match_the_plain_engine(recipe, values):
    leaves = [Value(x) for x in (0.5, 0.75, 1.0, 1.25)]
    step = compile(build(recipe, leaves), "numpy")
    for leaf, x in zip(leaves, values):
        leaf.data = x
    got_root, got = step(), [leaf.grad for leaf in leaves]
    fresh = [Value(x) for x in values]
    root = build(recipe, fresh)
    want = plain_grads(root, fresh)
    assert fast(step) and close(got_root, root.data) and close(got, want)


@given(recipe=graphs, samples=st.lists(st.tuples(st.floats(0.1, 1.5), st.floats(0.1, 1.5)), min_size=1,
                                       max_size=5))
def test_random_graphs_over_a_batch_axis_match_per_sample_plain_runs(recipe, samples):
    weights, inputs = [Value(0.5), Value(1.25)], [Value(1.0), Value(0.75)]
    step = compile(build(recipe, [weights[0], inputs[0], weights[1], inputs[1]]), "numpy",
                   batch=inputs, wrt=weights)
    outputs = step({inputs[0]: [s[0] for s in samples], inputs[1]: [s[1] for s in samples]})
    got = [w.grad for w in weights]
    want_out, want = [], [0.0, 0.0]
    for sample in samples:
        leaves = [Value(0.5), Value(sample[0]), Value(1.25), Value(sample[1])]
        root = build(recipe, leaves)
        want = [t + g for t, g in zip(want, plain_grads(root, [leaves[0], leaves[2]]))]
        want_out.append(root.data)
    assert close(outputs, want_out) and close(got, want)


# --- a GPT (Linear layers, attention dot products, RMSNorm's sum of squares) ----------------------


def test_a_gpt_loss_replays_fused_within_rtol_1e_12():
    model = GPT(vocab_size=5, n_embd=4, n_head=2, n_layer=1, block_size=4, seed=1, std=0.5)
    params = model.parameters()
    loss = model.loss([4, 0, 1, 2, 4])
    step = compile(loss, "numpy", wrt=params)
    assert any(isinstance(g, (DotGroup, GridGroup)) and g.a is not None for g in step.groups)
    for k, p in enumerate(params):
        p.data += 0.01 * math.sin(k)
    got_loss, got = step(), [p.grad for p in params]
    want = plain_grads(model.loss([4, 0, 1, 2, 4]), params)
    scale = max(map(abs, want))
    assert fast(step) and math.isclose(got_loss, model.loss([4, 0, 1, 2, 4]).data, rel_tol=1e-12)
    assert np.allclose(got, want, rtol=1e-12, atol=1e-13 * scale)


# --- non-finite values: a plain run, exactly the engine's ----------------------------------------


@pytest.mark.parametrize("bad", [math.inf, math.nan, 1e200])
def test_a_non_finite_fused_product_makes_the_call_a_plain_run(bad):
    w, x, b = Value(1e200), Value(1.0), Value(0.5)
    root = chainrule.sum([w * x, w * b, b]).tanh()
    step = compile(root, "numpy")
    x.data = bad  # 1e200 * 1e200 overflows inside the fused sum
    got = step(), w.grad, x.grad, b.grad
    fresh = [Value(1e200), Value(bad), Value(0.5)]
    rebuilt = chainrule.sum([fresh[0] * fresh[1], fresh[0] * fresh[2], fresh[2]]).tanh()
    want = rebuilt.data, *plain_grads(rebuilt, fresh)
    assert not fast(step)
    assert [str(v) for v in got] == [str(v) for v in want]


def test_a_non_finite_sample_in_a_batch_falls_back_to_per_sample_plain_runs():
    w, x = Value(2.0), Value(1.0)
    step = compile(chainrule.sum([w * x, w * w]), "numpy", batch=[x], wrt=[w])
    outputs = step({x: [1.0, math.inf]})
    assert outputs[0] == 6.0 and outputs[1] == math.inf and w.grad == math.inf


@given(shape=st.lists(st.integers(1, 4), min_size=1, max_size=3), start=st.integers(0, 5),
       steps=st.lists(st.integers(0, 3), min_size=3, max_size=3), scramble=st.booleans())
def test_a_strided_view_is_what_fancy_indexing_reads_and_a_writable_one_names_each_slot_once(
        shape, start, steps, scramble):
    idx = start + sum(np.arange(n).reshape((-1,) + (1,) * (len(shape) - d - 1)) * step
                      for d, (n, step) in enumerate(zip(shape, steps)))
    idx = np.broadcast_to(idx, shape).copy()
    if scramble and idx.size > 1:
        idx.reshape(-1)[[0, -1]] = idx.reshape(-1)[[-1, 0]]
    array = np.arange(100.0).reshape(50, 2)
    view = strided_view(array, idx)
    if not scramble:
        assert view is not None
    if view is not None:
        assert np.array_equal(view, array[idx])
    writable = strided_view(array, idx, writable=True)
    if writable is not None:
        assert np.unique(idx).size == idx.size
        writable += 1.0
        assert np.array_equal(array[idx], np.arange(100.0).reshape(50, 2)[idx] + 1.0)


@given(program=programs, samples=st.lists(st.tuples(data, st.floats(-3, 3)), min_size=1, max_size=4))
def test_random_programs_over_every_op_with_a_batch_axis_match_per_sample_plain_runs(program, samples):
    # two of four leaves batched: every op (custom, select, pow) sees broadcast fixed inputs
    program = (4, program[1])
    leaves = [Value(x) for x in (0.75, -1.25, 2.0, 0.3)]
    try:
        root = build_program(program, leaves)
        step = compile(root, "numpy", batch=leaves[1::2], wrt=leaves[::2])
    except Exception:  # noqa: BLE001 - the recording failed on the first data: nothing to replay
        return
    columns = {leaves[1]: [s[0] for s in samples], leaves[3]: [s[1] for s in samples]}
    got = outcome(lambda: (step(columns).tolist(), [leaves[0].grad, leaves[2].grad]))
    want_out, want = [], [0.0, 0.0]
    for sample in samples:
        fresh = [Value(x) for x in (0.75, sample[0], 2.0, sample[1])]
        rebuilt = outcome(lambda: build_program(program, fresh))  # noqa: B023 - called at once
        if rebuilt[0] == "error":
            return  # the engine's own error: compared exactly by the plain-engine tests
        want = [t + g for t, g in zip(want, plain_grads(rebuilt[1], fresh[::2]))]
        want_out.append(rebuilt[1].data)
    if not all(map(math.isfinite, want_out + want)):
        return  # a plain run per sample, compared exactly by the non-finite tests
    assert got[0] == "ok", got
    outputs, grads = got[1]
    assert np.allclose(outputs, want_out, rtol=1e-12, atol=1e-300)
    assert np.allclose(grads, want, rtol=1e-12, atol=1e-300 + 1e-13 * max(map(abs, want), default=0))


@given(slots=st.lists(st.integers(0, 5), min_size=1, max_size=12), rows=st.integers(1, 3),
       width=st.sampled_from([None, 3]), reduce_batch=st.booleans(), per_row=st.booleans())
def test_a_target_adds_every_contribution_where_slots_repeat_and_values_broadcast(
        slots, rows, width, reduce_batch, per_row):
    # (np.add.at in NumPy 2.4 mis-adds a value broadcast along the index's last axis: a regression test)
    cols = len(slots) // rows or 1
    idx = np.array((slots * rows)[:rows * cols]).reshape(rows, cols)
    batched_target = width is not None and not reduce_batch
    grads = np.zeros((6, width) if batched_target else 6)
    arrays = (None, grads) if batched_target else (grads, None)
    tail = () if width is None else (width,)
    values = np.arange(1.0, 1.0 + (rows if per_row else cols) * (width or 1)).reshape((-1, *tail))
    contributions = values[:, None] if per_row else values  # (rows, 1[, w]) or (cols[, w]): broadcast
    target = Target(idx, batched_target, reduce_batch=reduce_batch and width is not None)
    target.bind(arrays)(contributions)
    want = np.zeros_like(grads)
    full = np.broadcast_to(contributions, idx.shape + tail)
    for position in np.ndindex(idx.shape):
        want[idx[position]] += full[position].sum(axis=-1) if target.reduce_batch else full[position]
    assert np.array_equal(grads, want)
