"""Module, Neuron, Layer, MLP: parameter names and order, scopes, inputs, repr, save/load."""

import json
import os
import random

import pytest

from chainrule import NOT_COMPUTED, Parameter, Value, name_scope
from chainrule.nn import ACTIVATIONS, MLP, Layer, Module, Neuron


def test_parameter_counts():
    assert len(Neuron(5).parameters()) == 6
    assert len(Layer(3, 4).parameters()) == 16
    assert len(MLP(2, [16, 16, 1]).parameters()) == 2 * 16 + 16 + 16 * 16 + 16 + 16 + 1 == 337


def test_named_parameters_are_attribute_paths_in_micrograd_order():
    model = MLP(2, [3, 1])
    names = [name for name, _ in model.named_parameters()]
    assert names[:4] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b",
                         "layers.0.neurons.1.w.0"]
    assert names[-1] == "layers.1.neurons.0.b"
    assert len(names) == len(set(names)) == 13
    # micrograd's order: for each layer, for each neuron, its weights then its bias
    expected = [p for layer in model.layers for n in layer.neurons for p in [*n.w, n.b]]
    assert [id(p) for p in model.parameters()] == [id(p) for p in expected]


def test_parameters_are_parameter_leaves_labelled_and_scoped_like_their_names():
    model = MLP(2, [3, 2])
    for name, p in model.named_parameters():
        assert isinstance(p, Parameter) and p.is_leaf
        assert name == ".".join(p.scope) + "." + p.label
    assert model.layers[1].neurons[1].b.scope == ("layers.1", "neurons.1")


def test_custom_module_with_shared_parameter_lists_it_once():
    class Tied(Module):
        def __init__(self):
            self.weight = Parameter(1.0)
            self.blocks = [Neuron(1, seed=3), 7, "not a module"]
            self.again = self.weight
            self._private = Parameter(5.0)

    names = [name for name, _ in Tied().named_parameters()]
    assert names == ["weight", "blocks.0.w.0", "blocks.0.b"]


def test_mappings_and_nested_lists_of_modules_hold_parameters(tmp_path):
    class Heads(Module):
        def __init__(self):
            self.heads = {"a": Neuron(2, seed=1), "b": [Parameter(4.0)]}
            self.grid = [[Neuron(1, seed=2)], (Parameter(3.0),)]
            self.options = {1: "plain data", "sizes": [16, 1]}  # no parameters in it: not a model part

    model = Heads()
    assert [name for name, _ in model.named_parameters()] == [
        "heads.a.w.0", "heads.a.w.1", "heads.a.b", "heads.b.0", "grid.0.0.w.0", "grid.0.0.b", "grid.1.0"]
    assert [name for name, _ in model.named_children()] == ["heads.a", "grid.0.0"]
    twin = Heads()
    for parameter in twin.parameters():
        parameter.data += 1.0
    twin.load(model.save(tmp_path / "heads.json"))
    assert twin.state_dict() == model.state_dict()


@pytest.mark.parametrize("holder, message", [
    ({1: Parameter(1.0)}, "parts: key 1 of a mapping must be a str without '.'"),
    ({"a.b": Neuron(1)}, "parts: key 'a.b' of a mapping must be a str without '.'"),
    ({"a": {Parameter(1.0)}}, r"parts.a: a set has no order to name parameters by; use a list"),
])
def test_unnameable_parameter_holders_are_refused(holder, message):
    class Odd(Module):
        def __init__(self):
            self.parts = holder

    with pytest.raises(TypeError, match=message):
        Odd().parameters()


def test_weights_come_from_the_seed_only():
    random.seed(1)
    a = MLP(2, [4, 1], seed=7).state_dict()
    random.seed(2)
    assert MLP(2, [4, 1], seed=7).state_dict() == a
    assert MLP(2, [4, 1], seed=random.Random(7)).state_dict() == a
    assert MLP(2, [4, 1], seed=8).state_dict() != a
    assert all(-1 <= v <= 1 for v in a.values())
    assert [v for k, v in a.items() if k.endswith(".b")] == [0.0] * 5


def test_neurons_sharing_one_generator_differ_while_default_seeded_ones_are_copies():
    copies = [Neuron(2).state_dict() for _ in range(3)]
    assert copies[0] == copies[1] == copies[2]  # documented: the default seed is 0 for every one
    rng = random.Random(0)
    units = [Neuron(2, seed=rng).state_dict() for _ in range(3)]
    assert len({tuple(unit.values()) for unit in units}) == 3
    layer = Layer(2, 3, seed=0)
    assert [neuron.state_dict() for neuron in layer.neurons] == units  # what Layer does inside


def test_neuron_is_one_sum_node_over_products_and_bias():
    n = Neuron(3, activation="linear", seed=0)
    x = [Value(1.0), Value(2.0), Value(-1.0)]
    y = n(x)
    assert y.op.name == "sum" and len(y.parents) == 4
    assert [p.op.name for p in y.parents[:3]] == ["mul"] * 3 and y.parents[3] is n.b
    assert y.parents[0].parents == (n.w[0], x[0])
    assert y.data == pytest.approx(sum(w.data * xi.data for w, xi in zip(n.w, x)))


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_activations(activation):
    n = Neuron(2, activation=activation, seed=1)
    n.b.data = 0.3
    total = n.w[0].data * 0.5 + n.w[1].data * -2.0 + 0.3
    expected = {"relu": Value(total).relu(), "tanh": Value(total).tanh(),
                "sigmoid": Value(total).sigmoid(), "linear": Value(total)}[activation].data
    assert n([0.5, -2.0]).data == pytest.approx(expected)


def test_micrograd_nonlin_keyword():
    assert Neuron(2, nonlin=False).activation == "linear"
    assert Layer(2, 3, nonlin=True).neurons[2].activation == "relu"


def test_mlp_layers_and_last_activation():
    model = MLP(2, [4, 4, 3], activation="tanh", last_activation="sigmoid")
    assert [layer.neurons[0].activation for layer in model.layers] == ["tanh", "tanh", "sigmoid"]
    out = model([0.1, 0.2])
    assert isinstance(out, list) and len(out) == 3 and all(0 < y.data < 1 for y in out)
    assert isinstance(MLP(2, [4, 1])([0.1, 0.2]), Value)
    assert isinstance(Layer(2, 1)([0.1, 0.2]), Value)


def test_nodes_of_a_call_carry_their_module_scope():
    model = MLP(2, [3, 2])
    with name_scope("model"):
        out = model([1.0, -1.0])[1]  # the last layer is linear: its output is the sum node
    assert out.op.name == "sum" and out.scope == ("model", "layers.1", "neurons.1")
    for i, product in enumerate(out.parents[:3]):
        hidden = product.parents[1]
        assert product.op.name == "mul" and product.scope == out.scope
        assert hidden.op.name == "relu" and hidden.parents[0].op.name == "sum"
        assert hidden.scope == hidden.parents[0].scope == ("model", "layers.0", f"neurons.{i}")
    assert model.layers[0].neurons[0]([1.0, 2.0]).scope is None  # called on its own: no scope added


def test_inputs_are_checked_and_wrapped_once():
    model = MLP(2, [3, 1])
    with pytest.raises(ValueError, match="nin=2 got 3 inputs"):
        model([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="needs a list of 2 numbers"):
        model("ab")
    with pytest.raises(TypeError, match="str"):
        model([1.0, "2"])
    assert Neuron(1, seed=0)(2.0).data == Neuron(1, seed=0)([2.0]).data  # one input may be bare
    y = Neuron(2, activation="linear")([3, 4.5])
    xs = [p.parents[1] for p in y.parents[:2]]
    assert [(x.label, x.data) for x in xs] == [("x.0", 3.0), ("x.1", 4.5)]


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        Neuron(2, activation="gelu")
    with pytest.raises(ValueError, match="nin must be a positive int"):
        Neuron(0)
    with pytest.raises(ValueError, match="nout must be a positive int"):
        Layer(2, 0)
    with pytest.raises(ValueError, match="non-empty list of layer sizes"):
        MLP(2, [])
    with pytest.raises(TypeError, match="seed must be an int or a random.Random"):
        MLP(2, [1], seed=1.5)


def test_zero_grad_marks_gradients_not_computed():
    model = MLP(2, [3, 1])
    model([1.0, 2.0]).backward()
    assert all(p.has_grad for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is NOT_COMPUTED for p in model.parameters())


def test_repr_is_readable():
    assert repr(Neuron(3, "tanh")) == "Neuron(nin=3, activation='tanh')"
    assert repr(Layer(3, 2)) == "Layer(nin=3, nout=2, activation='relu')"
    assert repr(MLP(2, [4, 1])).splitlines() == [
        "MLP(nin=2, sizes=[4, 1], parameters=17)",
        "  (layers.0): Layer(nin=2, nout=4, activation='relu')",
        "  (layers.1): Layer(nin=4, nout=1, activation='linear')",
    ]


# --- save and load ---------------------------------------------------------------------------------


def test_save_load_round_trip(tmp_path):
    model, other = MLP(2, [4, 3]), MLP(2, [4, 3], seed=99)
    path = model.save(tmp_path / "model.json")
    document = json.loads(path.read_text())
    assert document["format"] == "chainrule.nn.parameters/1"
    assert list(document["parameters"]) == [name for name, _ in model.named_parameters()]
    other.load(path)
    assert other.state_dict() == model.state_dict()  # floats survive JSON exactly
    assert other([0.3, -0.7])[2].data == model([0.3, -0.7])[2].data


def _corrupt(path, how):
    document = json.loads(path.read_text())
    if how == "truncated":
        path.write_text(path.read_text()[:50])
    elif how == "missing":
        document["parameters"].pop("layers.0.neurons.1.b")
        path.write_text(json.dumps(document))
    elif how == "extra":
        document["parameters"]["layers.0.neurons.9.w.0"] = 1.0
        path.write_text(json.dumps(document))
    elif how == "string value":
        document["parameters"]["layers.1.neurons.0.w.2"] = "0.5"
        path.write_text(json.dumps(document))
    elif how == "nan value":
        document["parameters"]["layers.1.neurons.0.b"] = float("nan")
        path.write_text(json.dumps(document))  # Python writes the non-standard token NaN
    elif how == "no format":
        path.write_text(json.dumps({"parameters": document["parameters"]}))
    elif how == "list":
        path.write_text("[1, 2, 3]")
    elif how == "binary":
        path.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")


@pytest.mark.parametrize("how, message", [
    ("truncated", "invalid JSON"),
    ("missing", "missing layers.0.neurons.1.b"),
    ("extra", "unexpected layers.0.neurons.9.w.0"),
    ("string value", "layers.1.neurons.0.w.2 is '0.5', expected a finite number"),
    ("nan value", "layers.1.neurons.0.b is nan"),
    ("no format", "not a parameter file"),
    ("list", "not a parameter file"),
    ("binary", "invalid JSON"),
])
def test_bad_file_is_refused_and_model_unchanged(tmp_path, how, message):
    path = MLP(2, [3, 1], seed=5).save(tmp_path / "model.json")
    _corrupt(path, how)
    model = MLP(2, [3, 1], seed=6)
    before = model.state_dict()
    with pytest.raises(ValueError, match=message):
        model.load(path)
    assert model.state_dict() == before


def test_wrong_shape_file_is_refused_and_model_unchanged(tmp_path):
    path = MLP(2, [16, 16, 1]).save(tmp_path / "big.json")
    model = MLP(2, [4, 1], seed=3)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"do not fit MLP\(nin=2, sizes=\[4, 1\].*337 given, 17 expected"):
        model.load(path)
    assert model.state_dict() == before


def test_failed_save_leaves_old_file_intact(tmp_path, monkeypatch):
    path = MLP(2, [3, 1], seed=1).save(tmp_path / "model.json")
    old = path.read_bytes()
    model = MLP(2, [3, 1], seed=2)

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    monkeypatch.undo()
    assert path.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.json"]  # no temp file left
    model.layers[0].neurons[0].w[0].data = float("nan")
    with pytest.raises(ValueError, match=r"parameter layers.0.neurons.0.w.0 is nan, not finite"):
        model.save(path)
    assert path.read_bytes() == old


def test_save_keeps_permissions_of_a_new_file_readable(tmp_path):
    path = Neuron(2).save(tmp_path / "n.json")
    assert path.stat().st_mode & 0o644 == 0o644
