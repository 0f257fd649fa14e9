"""The "objects" replay's written-out loops and its batch order, each against the plain engine by bits:
every node's data and gradient, at ±0, inf, NaN and kinks; patched rows still honoured."""

from __future__ import annotations

import itertools
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from chainrule import OPS, Value, topological_order
from chainrule.compile import compile, objects
from chainrule.compile.objects import objects_runner, plan
from chainrule.compile.schedule import batch_order
from chainrule.engine.graph import N_ARY, NOT_COMPUTED, backpropagate, recompute
from tests.compile.programs import SPECIAL, bits, build, data, outcome, programs

UNARY = ["neg", "relu", "tanh", "exp", "sigmoid"]
BINARY = ["mul", "add", "sub"]


def state(root):
    """Every node's data and gradient, by bits, in topological order."""
    return [(bits(n.data), bits(n.grad)) for n in topological_order(root)]


def loops(root):
    forward, backward = plan(topological_order(root))
    return {loop.__name__ for loop, _, _ in forward + backward}


def replayed_and_rebuilt(make, values):
    """``make(leaves)`` replayed by the objects runner on ``values`` (recorded on other data), and
    rebuilt plainly on ``values`` with backward: both graphs' states, and the replay's loops."""
    leaves = [Value(0.5) for _ in values]
    root = make(leaves)
    run = objects_runner(topological_order(root))  # no fallback: a failure would raise here
    for leaf, x in zip(leaves, values):
        leaf.data = x
    run()
    fresh = make([Value(x) for x in values])
    fresh.backward()
    return state(root), state(fresh), loops(root)


def unary_graph(name):
    """op(x) * g for every special x and g (so upstream gradients are special too), summed."""
    def make(leaves):
        xs, gs = leaves[:len(SPECIAL)], leaves[len(SPECIAL):]
        shared = [OPS[name](x) for x in xs]  # each gets 13 contributions, special ones among them
        terms = [OPS[name](x) * g for x, g in itertools.product(xs, gs)] + [y * g for y, g in zip(shared, gs)]
        return chainrule.sum(terms)
    return make


def binary_graph(name):
    def make(leaves):
        xs, gs = leaves[:len(SPECIAL)], leaves[len(SPECIAL):]
        pairs = list(itertools.product(xs, xs)) + [(x, x) for x in xs]  # a node with one parent twice
        return chainrule.sum(OPS[name](a, b) * g for (a, b), g in zip(pairs, itertools.cycle(gs)))
    return make


def sum_graph(make_leaves):
    xs, gs = make_leaves[:len(SPECIAL)], make_leaves[len(SPECIAL):]
    sums = [chainrule.sum([a, b, a]) for a, b in itertools.product(xs, xs)]  # a parent twice
    return chainrule.sum(s * g for s, g in zip(sums, itertools.cycle(gs)))


CASES = {**{name: unary_graph(name) for name in UNARY}, **{name: binary_graph(name) for name in BINARY},
         "sum": sum_graph}
WRITTEN_OUT = {"neg": {"_forward_neg", "_backward_constant1"}, "relu": {"_forward_relu", "_backward_relu"},
               "tanh": {"_forward_tanh", "_backward_tanh"}, "exp": {"_backward_exp"},
               "sigmoid": {"_backward_sigmoid"}, "mul": {"_forward_mul", "_backward_mul"},
               "add": {"_forward_add", "_backward_constant2"}, "sub": {"_forward_sub", "_backward_constant2"},
               "sum": {"_backward_constant_n"}}


@pytest.mark.parametrize("name", CASES)
def test_each_written_out_op_equals_the_engine_bit_for_bit_at_zeros_infinities_nans_and_kinks(name):
    replayed, rebuilt, used = replayed_and_rebuilt(CASES[name], SPECIAL * 2)
    assert WRITTEN_OUT[name] <= used  # the loops under test did run
    assert replayed == rebuilt


def test_both_sum_loops_add_as_the_row_does():
    """sum(xs, 0.0) written out (before Python 3.12) and by sum(): the row's forward, bits included."""
    rng = random.Random(0)
    rows = [rng.sample(SPECIAL, k) for k in (1, 2, 3, 5, 13) for _ in range(30)]
    rows += [[1e100, 1.0, -1e100], [-0.0], [-0.0, -0.0], [0.1] * 10, [3, 2.5, True]]
    loops = [objects._forward_sum] + ([] if objects.SUM_COMPENSATES else [objects._forward_sum_in_order])
    for loop in loops:
        nodes = [OPS["sum"](*map(Value, row)) for row in rows]
        for node, row in zip(nodes, rows):
            for parent, x in zip(node.parents, row):
                parent.data = x  # ints and bools too, as a user may set them
        loop(nodes, None)
        assert [bits(n.data) for n in nodes] == [bits(OPS["sum"].forward(*row)) for row in rows]
        assert all(n.grad == 0.0 for n in nodes)  # reset for the backward that follows


def mlp_graph(leaves, points=6):
    """A small moons-like step: MLP 2-4-4-1, hinge loss, L2; leaves are its 37 parameters."""
    params, rng = iter(leaves), random.Random(3)
    layers = [[[next(params) for _ in range(fan_in + 1)] for _ in range(4 if i < 2 else 1)]
              for i, fan_in in enumerate((2, 4, 4))]
    losses = []
    for _ in range(points):
        x = [Value(rng.uniform(-1, 1)), Value(rng.uniform(-1, 1))]
        for depth, layer in enumerate(layers):
            x = [chainrule.sum([*(w * xi for w, xi in zip(n[:-1], x)), n[-1]]) for n in layer]
            x = [xi.relu() for xi in x] if depth < 2 else x
        losses.append((1 + -rng.choice((-1, 1)) * x[0]).relu())
    return chainrule.sum(losses) * (1.0 / points) + 1e-4 * chainrule.sum(p * p for p in leaves)


def test_a_layered_network_runs_in_a_few_long_batches_bit_for_bit():
    values = [random.Random(i).uniform(-1, 1) for i in range(37)]
    values[4:8] = [0.0, -0.0, 0.0, -0.0]  # biases at relu's kink
    replayed, rebuilt, _ = replayed_and_rebuilt(mlp_graph, values)
    assert replayed == rebuilt
    root = mlp_graph([Value(x) for x in values])
    forward, backward = plan(topological_order(root))
    interior = sum(1 for n in topological_order(root) if not n.is_leaf)
    assert interior > 300 and len(forward) <= 16 and len(backward) <= 16  # one batch per layer and kind


# --- patched rows: the replay chooses as the engine does ----------------------------------------

RULE_PATCHES = {  # name -> another rule of the same shape
    "relu": lambda m, out, x: (0.5,), "tanh": lambda m, out, x: (out + 2.0,),
    "exp": lambda m, out, x: (-out,), "sigmoid": lambda m, out, x: (x * 3.0,),
    "mul": lambda m, out, a, b: (2.0 * b, a), "neg": lambda m, out, x: (7.0,),  # neg: partials win
}
FORWARD_PATCHES = {"mul": lambda a, b: a * b + 1.0, "add": lambda a, b: a - b, "sub": lambda a, b: a + b,
                   "neg": lambda x: x, "relu": abs, "tanh": math.sin, "sum": lambda *xs: max(xs)}


FINITE = [0.75, -1.25, 2.0, 0.0, -0.0, 3.5, 1.5, -0.5, 0.25, 4.0, -3.0, 1e-3, 2.5]  # no NaN to hide a change


def patched_case(monkeypatch, name, field, value):
    unpatched = replayed_and_rebuilt(CASES[name], FINITE * 2)[1]
    monkeypatch.setattr(OPS[name], field, value)
    replayed, rebuilt, _ = replayed_and_rebuilt(CASES[name], FINITE * 2)
    return replayed, rebuilt, unpatched


@pytest.mark.parametrize("name", RULE_PATCHES)
def test_a_patched_rule_is_called_as_the_engine_calls_it(monkeypatch, name):
    replayed, rebuilt, unpatched = patched_case(monkeypatch, name, "local_grads", RULE_PATCHES[name])
    assert replayed == rebuilt
    assert (rebuilt == unpatched) == (name == "neg")  # neg's constant partials are read, not its rule


@pytest.mark.parametrize("name, partials", [("add", (2.0, -0.0)), ("sub", (1.0, 3.0)), ("neg", (0.5,)),
                                            ("sum", (-2.0,))])
def test_patched_constant_partials_are_read(monkeypatch, name, partials):
    replayed, rebuilt, unpatched = patched_case(monkeypatch, name, "constant_partials", partials)
    assert replayed == rebuilt and rebuilt != unpatched


def re_evaluated(make, values):
    """The engine's own re-run over a graph recorded on other data: recompute, then backpropagate."""
    leaves = [Value(0.5) for _ in values]
    order = topological_order(make(leaves))
    for leaf, x in zip(leaves, values):
        leaf.data, leaf.grad = x, NOT_COMPUTED
    recompute(order)
    backpropagate(order)
    return state(order[-1])


@pytest.mark.parametrize("name", FORWARD_PATCHES)
def test_a_patched_forward_is_called(monkeypatch, name):
    """As by the engine's recompute (``a * b`` itself keeps the forward it was defined with)."""
    unpatched = re_evaluated(CASES[name], FINITE * 2)
    monkeypatch.setattr(OPS[name], "forward", FORWARD_PATCHES[name])
    replayed, _, _ = replayed_and_rebuilt(CASES[name], FINITE * 2)
    expected = re_evaluated(CASES[name], FINITE * 2)
    assert replayed == expected and expected != unpatched


class batches_of_at_least:
    """Set objects.MIN_BATCH for a block (1: every batch runs its own loop, however short)."""

    def __init__(self, count):
        self.count, self.saved = count, objects.MIN_BATCH

    def __enter__(self):
        objects.MIN_BATCH = self.count

    def __exit__(self, *exc):
        objects.MIN_BATCH = self.saved
        return False


@pytest.mark.parametrize("min_batch", [1, objects.MIN_BATCH])
@given(program=programs, values=st.lists(data, min_size=4, max_size=4))
def test_every_node_of_a_random_program_equals_a_rebuild(min_batch, program, values):
    values = values[:program[0]]

    def make(leaves):
        return build(program, leaves)

    if (outcome(lambda: make([Value(0.5) for _ in values]))[0] != "ok"
            or outcome(lambda: make([Value(x) for x in values]).backward())[0] != "ok"):
        return  # a domain error: a compiled call falls back to the engine (test_compile_bit_identical)
    with batches_of_at_least(min_batch):
        replayed, rebuilt, _ = replayed_and_rebuilt(make, values)
    assert replayed == rebuilt


# --- the batch order itself, against its two rules ----------------------------------------------

def random_graph(rng, size):
    leaves = [Value(rng.uniform(-1, 1)) for _ in range(4)]
    made = list(leaves)
    for _ in range(size):
        pick = lambda: made[int(len(made) * rng.random() ** 0.5)]  # noqa: E731 - recent nodes, more reuse
        shape = rng.random()
        made.append(pick().relu() if shape < 0.3 else pick() * pick() if shape < 0.8
                    else chainrule.sum([pick() for _ in range(rng.randint(1, 4))]))
    return chainrule.sum(made[4:])


def parents(node):
    a, b = node._parent0, node._parent1
    return (a,) if b is None else a if b is N_ARY else (a, b)


@settings(max_examples=60)
@given(seed=st.integers(0, 10 ** 6), size=st.integers(1, 60), kinds=st.integers(1, 4))
def test_batches_keep_every_node_after_its_consumers_and_every_parents_order(seed, size, kinds):
    rng = random.Random(seed)
    order = [n for n in reversed(topological_order(random_graph(rng, size))) if not n.is_leaf]
    labels = [rng.randrange(kinds) for _ in order]
    new_order = batch_order(order, labels).tolist()
    assert sorted(new_order) == list(range(len(order)))
    run = [order[i] for i in new_order]
    at = {node: i for i, node in enumerate(run)}
    consumers = {}  # parent -> its consumers, in the engine's order
    for node in order:
        for parent in dict.fromkeys(parents(node)):
            consumers.setdefault(parent, []).append(node)
    for parent, users in consumers.items():
        assert [at[u] for u in users] == sorted(at[u] for u in users)  # same order of contributions
        if parent in at:
            assert at[parent] > max(at[u] for u in users)  # its gradient is complete when read


def test_a_compiled_objects_step_trains_as_rebuilding_does():
    params = [Value(random.Random(i).uniform(-1, 1)) for i in range(37)]
    step = compile(mlp_graph(params), "objects")
    twins = [Value(p.data) for p in params]
    for _ in range(3):
        step()
        for p in twins:
            p.grad = 0.0
        mlp_graph(twins).backward()
        assert [bits(p.grad) for p in params] == [bits(p.grad) for p in twins]
        for p, q in zip(params, twins):
            p.data -= 0.1 * p.grad
            q.data -= 0.1 * q.grad


class Unhashable:
    """A callable with ``__eq__`` and so no hash: a replay cannot look it up, and runs it as any op."""

    def __init__(self, function):
        self.function = function

    def __call__(self, *args):
        return self.function(*args)

    def __eq__(self, other):
        return self is other


def test_an_op_whose_functions_cannot_be_hashed_is_replayed_by_the_general_loops():
    op = chainrule.Op("twice", "2x", Unhashable(lambda x: 2 * x), Unhashable(lambda m, out, x: (2.0,)))
    xs = [Value(float(i)) for i in range(6)]
    root = chainrule.sum(op(x) * x for x in xs)
    run = objects_runner(topological_order(root))
    for x in xs:
        x.data = -x.data
    assert run() == sum(2 * x.data * x.data for x in xs)
    assert [x.grad for x in xs] == [4 * x.data for x in xs]
    assert {"_forward_any", "_backward_by_engine"} <= loops(root)
