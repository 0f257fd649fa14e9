"""gradcheck_parameters: a whole model's parameters, or a seeded sample of them."""

from __future__ import annotations

import itertools
import random

import pytest

from chainrule import Op, Parameter, Value, topological_order
from chainrule import sum as total
from chainrule.check.gradcheck import GradcheckError, gradcheck_parameters


def tiny_mlp(seed: int = 0, sizes: tuple[int, ...] = (2, 4, 3, 1)):
    """A hand-written MLP: its parameters, and a loss over four points (tanh hidden layers)."""
    rng = random.Random(seed)
    layers = [[[Parameter(rng.uniform(-1, 1), label=f"w{i}.{j}.{k}") for k in range(a + 1)]
               for j in range(b)] for i, (a, b) in enumerate(itertools.pairwise(sizes))]
    data = [((0.5, -1.0), 1.0), ((-0.3, 0.8), -1.0), ((1.2, 0.1), 1.0), ((-1.0, -0.6), -1.0)]

    def forward(x):
        for i, layer in enumerate(layers):
            x = [total([w * xi for w, xi in zip(row, x)] + [row[-1]]) for row in layer]
            x = x if i == len(layers) - 1 else [v.tanh() for v in x]
        return x[0]

    def loss():
        return total([(forward(x) - y) ** 2 for x, y in data]) * (1 / len(data))

    return [p for layer in layers for row in layer for p in row], loss


def test_every_parameter_of_a_hand_written_mlp_passes():
    parameters, loss = tiny_mlp()
    report = gradcheck_parameters(loss, parameters)
    assert report.ok and len(report) == len(parameters) == 3 * 4 + 5 * 3 + 4 * 1  # weights + bias
    assert [row.name for row in report] == [p.label for p in parameters]
    assert all(row.band == "good" for row in report)


def test_a_sample_is_deterministic_given_the_seed_and_keeps_the_original_order():
    parameters, loss = tiny_mlp()
    first = [row.name for row in gradcheck_parameters(loss, parameters, sample=5, seed=3)]
    again = [row.name for row in gradcheck_parameters(loss, parameters, sample=5, seed=3)]
    other = [row.name for row in gradcheck_parameters(loss, parameters, sample=5, seed=4)]
    assert first == again and first != other and len(first) == 5
    labels = [p.label for p in parameters]
    assert first == sorted(first, key=labels.index)


def test_sampling_never_touches_the_global_random_state():
    parameters, loss = tiny_mlp()
    random.seed(12345)
    expected = random.random()
    random.seed(12345)
    gradcheck_parameters(loss, parameters, sample=4, seed=1)
    gradcheck_parameters(loss, parameters, sample=4)
    assert random.random() == expected


def test_a_passed_random_generator_is_used():
    parameters, loss = tiny_mlp()
    names = [r.name for r in gradcheck_parameters(loss, parameters, sample=3, seed=random.Random(9))]
    assert names == [r.name for r in gradcheck_parameters(loss, parameters, sample=3, seed=9)]


def test_a_sample_larger_than_the_model_checks_everything():
    parameters, loss = tiny_mlp()
    assert len(gradcheck_parameters(loss, parameters, sample=10_000)) == len(parameters)


def test_parameters_as_a_dict_or_pairs_are_named_by_their_keys():
    a, b = Parameter(0.5), Parameter(-1.5)
    loss = lambda: (a * b).tanh() + a * a
    assert [r.name for r in gradcheck_parameters(loss, {"scale": a, "shift": b})] == ["scale", "shift"]
    assert [r.name for r in gradcheck_parameters(loss, [("s", a), ("t", b)])] == ["s", "t"]
    assert [r.name for r in gradcheck_parameters(loss, [a, b])] == ["p0", "p1"]


def test_a_wrong_rule_inside_the_model_is_found_and_raised():
    wrong_tanh = Op("tanh", "tanh", Value(0.0).tanh().op.forward, lambda m, out, x: (1 - out,))
    w = [Parameter(0.4, label="w0"), Parameter(-0.7, label="w1")]
    loss = lambda: wrong_tanh(w[0] * 1.5 + w[1]) ** 2
    report = gradcheck_parameters(loss, w)
    assert not report.ok and {row.band for row in report} == {"wrong"}
    with pytest.raises(GradcheckError, match="worst: w[01] = "):
        gradcheck_parameters(loss, w, raise_on_failure=True)


def test_the_model_graph_and_parameter_grads_are_left_as_they_were():
    parameters, loss = tiny_mlp()
    root = loss()
    root.backward()
    order = topological_order(root)
    before = [(n.data, n.grad) for n in order]
    gradcheck_parameters(lambda: root, parameters)
    assert [(n.data, n.grad) for n in order] == before


def test_the_loss_function_is_called_once():
    parameters, loss = tiny_mlp()
    calls = []
    gradcheck_parameters(lambda: calls.append(1) or loss(), parameters, sample=3)
    assert calls == [1]


@pytest.mark.parametrize(("sample", "error"), [(0, ValueError), (-2, ValueError), (2.5, TypeError),
                                               ("3", TypeError), (True, TypeError)])
def test_a_bad_sample_is_refused(sample, error):
    parameters, loss = tiny_mlp()
    with pytest.raises(error, match="sample"):
        gradcheck_parameters(loss, parameters, sample=sample)


def test_bad_parameters_are_refused_by_position():
    with pytest.raises(TypeError, match="parameter 1 must be a Value.*got float"):
        gradcheck_parameters(lambda: Value(1.0), [Parameter(1.0), 2.0])
    with pytest.raises(ValueError, match="at least one parameter"):
        gradcheck_parameters(lambda: Value(1.0), [])
    with pytest.raises(ValueError, match="input w is nan"):
        gradcheck_parameters(lambda: Value(1.0), [Parameter(float("nan"), label="w")])


def test_a_loss_function_returning_a_number_is_refused():
    with pytest.raises(TypeError, match="must return a Value"):
        gradcheck_parameters(lambda: 1.0, [Parameter(1.0)])


# --- chainrule.nn, when it is there ---------------------------------------------------------


def _nn():
    return pytest.importorskip("chainrule.nn", reason="chainrule.nn is not written yet")


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_an_nn_mlp_passes_with_its_named_parameters(activation):
    nn = _nn()
    model = nn.MLP(2, [4, 4, 1], activation=activation, seed=5)
    data = [([0.5, -1.0], 1.0), ([-0.3, 0.8], -1.0), ([1.2, 0.1], 1.0)]

    def loss():
        return total([(model(x) - y) ** 2 for x, y in data]) * (1 / len(data))

    report = gradcheck_parameters(loss, model.named_parameters())
    assert report.ok, str(report)
    assert [row.name for row in report] == [name for name, _ in model.named_parameters()]
    sampled = gradcheck_parameters(loss, model.named_parameters(), sample=6, seed=2)
    assert sampled.ok and len(sampled) == 6


def _mlp_and_loss():
    from chainrule.nn import MLP

    model = MLP(2, [4, 1], activation="tanh", seed=3)
    data = [((0.5, -1.0), 1.0), ((-0.3, 0.8), -1.0)]
    return model, lambda: total([(model(x) - y) ** 2 for x, y in data])


def test_a_module_is_checked_under_its_own_dotted_parameter_names():
    model, loss = _mlp_and_loss()
    report = gradcheck_parameters(loss, model)
    assert report.ok
    assert [row.name for row in report] == [name for name, _ in model.named_parameters()]
    assert report.rows[0].name == "layers.0.neurons.0.w.0" and "#" not in " ".join(r.name for r in report)


def test_a_sampled_module_check_keeps_the_dotted_names():
    model, loss = _mlp_and_loss()
    names = [name for name, _ in model.named_parameters()]
    report = gradcheck_parameters(loss, model, sample=4, seed=1)
    assert len(report) == 4 and all(row.name in names for row in report)
