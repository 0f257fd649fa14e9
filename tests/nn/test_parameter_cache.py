"""Module.parameters() is looked up once and kept until the model's structure changes."""

from __future__ import annotations

import copy

import pytest

from chainrule import Parameter
from chainrule.nn import MLP, Module, Neuron
from chainrule.nn.module import Module as ModuleClass


@pytest.fixture
def lookups(monkeypatch):
    """How many times a module's parameters were looked up by walking its attributes."""
    count = {"n": 0}
    original = ModuleClass._find_parameters

    def counting(self):
        count["n"] += 1
        return original(self)

    monkeypatch.setattr(ModuleClass, "_find_parameters", counting)
    return count


def test_a_second_call_walks_nothing(lookups):
    model = MLP(2, [4, 1], seed=0)
    first = model.parameters()
    walked = lookups["n"]
    assert walked > 0
    for _ in range(10):
        assert model.parameters() == first
    assert lookups["n"] == walked


def test_the_returned_list_is_the_callers_own():
    model = MLP(2, [3, 1], seed=0)
    params = model.parameters()
    params.clear()
    assert len(model.parameters()) == 13


def test_an_attribute_set_on_a_sub_module_reaches_the_parent():
    model = MLP(2, [3, 1], seed=0)
    assert len(model.parameters()) == 13
    model.layers[0].neurons[1].b = Parameter(9.0)
    assert model.parameters()[5].data == 9.0
    del model.layers[1].neurons[0].b
    assert len(model.parameters()) == 12


def test_lists_and_dicts_changed_in_place_are_noticed():
    model = MLP(2, [3, 1], seed=0)
    assert len(model.parameters()) == 13
    model.layers[0].neurons[0].w.append(Parameter(1.0))
    assert len(model.parameters()) == 14
    new = Parameter(5.0)
    model.layers[0].neurons[0].w[0] = new
    assert model.parameters()[0] is new
    model.layers.pop()
    assert len(model.parameters()) == 10

    class Heads(Module):
        def __init__(self):
            self.heads = {"a": Neuron(1), "b": Neuron(1)}

    heads = Heads()
    names = [n for n, _ in heads.named_parameters()]
    assert names == ["heads.a.w.0", "heads.a.b", "heads.b.w.0", "heads.b.b"]
    heads.heads["c"] = Neuron(1)
    heads.heads["a"] = Neuron(2)
    assert [n for n, _ in heads.named_parameters()][:3] == ["heads.a.w.0", "heads.a.w.1", "heads.a.b"]
    assert len(heads.parameters()) == 7


def test_a_copy_has_its_own_parameters():
    model = MLP(2, [3, 1], seed=0)
    model.parameters()
    twin = copy.deepcopy(model)
    assert not set(map(id, twin.parameters())) & set(map(id, model.parameters()))
    assert [p.data for p in twin.parameters()] == [p.data for p in model.parameters()]
