"""A replay picks its shortcuts as the engine's backward does (review finding 8): a patched rule or
forward is honoured by every backend, exactly as by the plain engine."""

from __future__ import annotations

import math

import pytest

from chainrule import OPS, Value
from chainrule.compile import compile
from chainrule.compile.rules import forward_code, partials_code

BACKENDS = ["objects", "python", "numpy"]


def _plain(build, *values):
    leaves = [Value(x) for x in values]
    build(*leaves).backward()
    return [leaf.grad for leaf in leaves]


def _replayed(build, backend, *values):
    leaves = [Value(x + 0.5) for x in values]  # recorded on other data
    step = compile(build(*leaves), backend)
    for leaf, x in zip(leaves, values):
        leaf.data = x
    result = step()
    return result, [leaf.grad for leaf in leaves]


def _patched(monkeypatch, name, field, value):
    monkeypatch.setattr(OPS[name], field, value)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name, rule, build", [
    ("mul", lambda m, out, a, b: (2 * b, a), lambda x, y: x * y + x * 0.5),
    ("tanh", lambda m, out, x: (3.0,), lambda x, y: (x * y).tanh()),
    ("div", lambda m, out, a, b: (1.0, 1.0), lambda x, y: x / y),
])
def test_a_patched_rule_is_used_by_every_replay_as_by_the_engine(monkeypatch, backend, name, rule, build):
    if backend == "numpy":
        pytest.importorskip("numpy")
    expected_unpatched = _plain(build, 2.0, 3.0)
    _patched(monkeypatch, name, "local_grads", rule)
    expected = _plain(build, 2.0, 3.0)
    assert expected != expected_unpatched  # the patch matters
    _, grads = _replayed(build, backend, 2.0, 3.0)
    assert grads == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_patched_constant_partials_are_used_and_a_patched_rule_of_a_constant_op_is_not(monkeypatch, backend):
    """The engine reads add's partials from the row (its local_grads is not called): so must a replay."""
    if backend == "numpy":
        pytest.importorskip("numpy")
    build = lambda x, y: (x + y) * x - y  # noqa: E731
    _patched(monkeypatch, "add", "local_grads", lambda m, out, a, b: (5.0, 5.0))
    _patched(monkeypatch, "sub", "constant_partials", (1.0, -3.0))
    expected = _plain(build, 2.0, 3.0)
    assert expected == [2.0 * 2 + 3.0, 2.0 * 1 - 3.0]  # add's rule ignored, sub's new partials used
    _, grads = _replayed(build, backend, 2.0, 3.0)
    assert grads == expected


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_patched_forward_is_used_by_every_replay(monkeypatch, backend):
    if backend == "numpy":
        pytest.importorskip("numpy")
    build = lambda x, y: (x * y).exp()  # noqa: E731
    leaves = [Value(0.5), Value(0.5)]
    graph = build(*leaves)
    _patched(monkeypatch, "exp", "forward", lambda x: math.exp(x) + 1.0)
    step = compile(graph, backend)
    leaves[0].data, leaves[1].data = 1.0, 2.0
    assert step() == math.exp(2.0) + 1.0


def test_shortcut_choice_follows_the_live_functions(monkeypatch):
    assert forward_code(OPS["mul"]) is OPS["mul"].template and partials_code(OPS["mul"]) == ("{1}", "{0}")
    assert partials_code(OPS["add"]) == ("1.0", "1.0")  # from constant_partials: stated once
    monkeypatch.setattr(OPS["mul"], "local_grads", lambda m, out, a, b: (b, a))
    monkeypatch.setattr(OPS["exp"], "forward", math.exp)
    assert partials_code(OPS["mul"]) is None and forward_code(OPS["exp"]) is None
