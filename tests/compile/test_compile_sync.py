"""sync() writes the replayed state into the Values: pictures, the stepper and the checks see it.
Also the structure fingerprint, the call's contract, training bit for bit and the big chains."""

from __future__ import annotations

import gc
import random
import tracemalloc

import pytest

from chainrule import Constant, Parameter, Value, gradcheck
from chainrule.compile import GraphChangedError, compile, fingerprint
from chainrule.compile import compiled as compiled_module
from chainrule.compile.codegen import generate
from chainrule.compile.tape import Tape
from chainrule.engine import NOT_COMPUTED
from chainrule.nn import MLP, SGD, hinge_loss, l2_regularization, make_moons
from chainrule.viz import to_dot
from chainrule.viz.steps import step_through

BACKENDS = ["objects", "python"]


def moons_loss(model, points, signs):
    scores = [model(point) for point in points]
    return hinge_loss(scores, signs) + l2_regularization(model.parameters(), 1e-4)


def moons(count=8, seed=0):
    points, labels = make_moons(count, seed=seed)
    return points, [2 * y - 1 for y in labels]


def nudge(parameters, rng):
    for p in parameters:
        p.data += rng.uniform(-0.3, 0.3)


@pytest.mark.parametrize("backend", BACKENDS)
def test_after_sync_the_dot_text_and_the_stepper_equal_a_rebuild(backend):
    points, signs = moons()
    model = MLP(2, [4, 4, 1], seed=1)
    loss = moons_loss(model, points, signs)
    step = compile(loss, backend)
    nudge(model.parameters(), random.Random(0))
    step()
    step.sync()
    synced_dot, synced_steps = to_dot(loss, max_nodes=None), records(step_through(loss))
    model.zero_grad()
    rebuilt = moons_loss(model, points, signs)
    rebuilt.backward()
    assert synced_dot == to_dot(rebuilt, max_nodes=None)
    assert synced_steps == records(step_through(rebuilt))


def records(trace):
    """The stepper's records without the node objects themselves (two graphs, same numbers)."""
    return [{k: v for k, v in vars(s).items() if k not in ("node", "parent")} for s in trace]


def test_sync_shows_the_last_run_not_later_leaf_changes_and_keeps_leaf_data():
    x = Value(1.0, label="x")
    h = x.exp()
    y = h * x
    step = compile(y, "python")
    x.data = 2.0
    result = step()
    x.data = 5.0  # after the run: sync shows the run, and x keeps its new data
    step.sync()
    assert (y.data, x.data) == (result, 5.0)
    assert h.data == Value(2.0).exp().data and h.grad == 2.0


def test_gradcheck_sees_the_synced_graph():
    a, b = Value(0.5, label="a"), Value(1.5, label="b")
    step = compile((a * b).tanh() + a, "python")
    a.data = -0.25
    step()
    step.sync()
    assert gradcheck(lambda p, q: (p * q).tanh() + p, [a, b]).ok


@pytest.mark.parametrize("backend", BACKENDS)
def test_training_replayed_equals_training_rebuilt_bit_for_bit(backend):
    points, signs = moons(12)
    rebuilt_model, replayed_model = MLP(2, [8, 8, 1], seed=3), MLP(2, [8, 8, 1], seed=3)
    rebuilt_opt = SGD(rebuilt_model.parameters(), lr=0.3, momentum=0.9)
    replayed_opt = SGD(replayed_model.parameters(), lr=0.3, momentum=0.9)
    step = compile(moons_loss(replayed_model, points, signs), backend)
    for _ in range(8):
        rebuilt_opt.zero_grad()
        loss = moons_loss(rebuilt_model, points, signs)
        loss.backward()
        rebuilt_opt.step()
        replayed_opt.zero_grad()
        assert step() == loss.data
        replayed_opt.step()
    assert [p.data for p in replayed_model.parameters()] == [p.data for p in rebuilt_model.parameters()]


def test_fingerprint_ignores_leaf_data_but_not_ops_wiring_or_constants():
    def f(a, b, k=2.0):
        return (a * b + k).relu()
    base = fingerprint(f(Value(1.0), Value(2.0)))
    assert fingerprint(f(Value(-7.0), Value(0.5))) == base
    assert fingerprint(f(Value(1.0), Value(2.0), k=3.0)) != base
    a = Value(1.0)
    assert fingerprint(f(a, a)) != base  # wiring: one leaf used twice
    assert fingerprint((Value(1.0) * Value(2.0) + 2.0).tanh()) != base


def test_a_changed_graph_is_refused_with_what_to_do():
    x = Value(2.0)
    y = x * 3.0
    z = y + 1.0
    step = compile(z, "python")
    step.check()
    z._parent0 = x  # rewire: z = x + 1 now
    with pytest.raises(GraphChangedError, match=r"Call chainrule.compile\(output\) again"):
        step.check()
    with pytest.raises(GraphChangedError):
        step.sync() if step() is None else step.sync()


def test_the_call_overwrites_leaf_grads_and_returns_the_new_output():
    x = Value(3.0)
    step = compile(x * x, "python")
    x.grad = 100.0
    assert step() == 9.0 and x.grad == 6.0
    assert step() == 9.0 and x.grad == 6.0  # not accumulated


def test_wrt_and_watch_are_checked_by_type_and_membership():
    x, other = Value(1.0), Value(2.0)
    y = x * 2
    with pytest.raises(ValueError, match="not in the graph"):
        compile(y, wrt=[other])
    with pytest.raises(ValueError, match="not a leaf"):
        compile(y + 1, wrt=[y])
    with pytest.raises(TypeError, match="needs Values"):
        compile(y, watch=[1.0])
    with pytest.raises(TypeError, match="compile needs a Value"):
        compile(3.0)
    with pytest.raises(ValueError, match="unknown backend 'fortran'"):
        compile(y, "fortran")


def test_only_wrt_gradients_are_set_by_the_python_backend_and_sync_fills_the_rest():
    w, x = Parameter(0.5), Value(2.0)
    c = Constant(3.0)
    y = w * x * c
    step = compile(y, "python", wrt=[w])
    x.grad = c.grad = NOT_COMPUTED
    step()
    assert w.grad == 6.0 and not x.has_grad and not c.has_grad
    step.sync()
    assert (x.grad, c.grad) == (1.5, 1.0)


def test_value_of_reads_watched_nodes_and_refuses_others():
    x = Value(1.0)
    h, k = x * 2, x * 3
    step = compile(h + k, "python", watch=[h])
    x.data = 2.0
    step()
    assert step.value_of(h) == 4.0 and step.value_of(x) == 2.0
    with pytest.raises(ValueError, match="was not watched"):
        step.value_of(k)


def test_chunks_pass_values_between_them():
    rng = random.Random(5)
    leaves = [Value(rng.uniform(-1, 1)) for _ in range(6)]
    nodes = list(leaves)
    for _ in range(60):
        a, b = rng.choice(nodes), rng.choice(nodes)
        nodes.append(rng.choice([a * b, a + b, (a - b).tanh(), a.relu()]))
    root = sum(nodes[6:], Value(0.0))
    program = generate(Tape(root), chunk_statements=7)
    assert len(program.chunks) > 10
    single = compile(root, "python")
    root.backward()
    expected = [leaf.grad for leaf in leaves]
    functions = program.build()
    d = [0.0] * program.slots
    d[:len(leaves) + 1] = [leaf.data for leaf in Tape(root).leaves]
    for function in functions:
        function(d)
    assert [d[program.outputs[f"g{Tape(root).nodes.index(leaf)}"]] for leaf in leaves] == expected
    assert single() == root.data


def chain(length):
    x = Value(0.5)
    y = x
    for _ in range(length):
        y = y * 1.0000001 + 0.0
    return x, y


def test_a_long_chain_compiles_in_chunks_and_fused_depth_stays_bounded():
    x, y = chain(20_000)
    step = compile(y, "python")
    y.backward()
    expected = x.grad
    assert step() == y.data and x.grad == expected


def relu_chain(length):
    x = Value(0.5)
    y = x
    for _ in range(length):
        y = (y * 1.0000001).relu()
    return x, y


def test_compile_memory_stays_under_the_stated_cap_per_node():
    """The cap (README): recording and the objects replay add at most 400 bytes per node."""
    x, y = relu_chain(50_000)
    gc.collect()
    tracemalloc.start()
    step = compile(y, "objects")
    size = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert size / len(step.tape.nodes) < 400


def test_the_python_backend_falls_back_to_objects_above_its_node_limit(monkeypatch):
    monkeypatch.setattr(compiled_module, "MAX_PYTHON_NODES", 1000)
    x, y = relu_chain(600)
    with pytest.warns(RuntimeWarning, match="replaying with the objects backend"):
        step = compile(y, "python")
    assert step.backend == "objects"
    x.data = 0.25
    assert step() == pytest.approx(0.25 * 1.0000001 ** 600)


@pytest.mark.slow
def test_a_million_op_chain_compiles_and_replays_without_recursion():
    x, y = relu_chain(500_000)
    with pytest.warns(RuntimeWarning, match="objects backend"):
        step = compile(y, "python")
    x.data = 0.25
    assert step() == pytest.approx(0.25 * 1.0000001 ** 500_000)
    assert x.grad == pytest.approx(1.0000001 ** 500_000)


@pytest.mark.parametrize("backend", ["objects", "python", "numpy"])
def test_a_call_refuses_a_changed_constant_on_every_backend(backend):
    """Review finding 1: the call itself (not only check()) refuses a baked constant that changed;
    before, "objects" used the new constant and "python"/"numpy" the old one, silently."""
    if backend == "numpy":
        pytest.importorskip("numpy")
    x = Value(2.0)
    y = x * 3
    step = compile(y, backend=backend)
    assert step() == 6.0 and x.grad == 3.0
    y.parents[1].data = 4.0
    with pytest.raises(GraphChangedError, match=r"Call chainrule.compile\(output\) again"):
        step()
    y.parents[1].data = 3.0  # put back: the recording holds again
    assert step() == 6.0 and x.grad == 3.0


def test_a_nan_constant_replaced_by_another_nan_is_not_a_change():
    x = Value(2.0)
    y = x + float("nan")
    step = compile(y, backend="python")
    step()
    y.parents[1].data = float("nan")  # another NaN object: equal structure, not a change
    step()
    assert step.check() is None


def test_the_numpy_batch_call_refuses_a_changed_constant():
    pytest.importorskip("numpy")
    w, x = Parameter(2.0), Value(0.0)
    y = w * x * 5.0
    step = compile(y, "numpy", batch=[x])
    step({x: [1.0, 2.0]})
    y.parents[1].data = 6.0
    with pytest.raises(GraphChangedError):
        step({x: [1.0, 2.0]})


def test_chainrule_compile_is_callable_however_it_was_imported_and_not_star_exported():
    """Importing a submodule first makes ``chainrule.compile`` the package; it calls the function too."""
    import subprocess
    import sys

    code = ("import chainrule.compile.codegen, chainrule\n"
            "x = chainrule.Value(3.0); print(chainrule.compile(x * x, 'objects')(), x.grad)\n"
            "namespace = {}; exec('from chainrule import *', namespace); print('compile' in namespace)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["9.0", "6.0", "False"]
