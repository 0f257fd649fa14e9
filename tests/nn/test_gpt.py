"""The GPT's loss and gradients against two oracles: centered differences on chainrule's own graph
(every parameter of a tiny model) and an independent NumPy implementation of the same forward."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from chainrule import gradcheck_parameters, topological_order
from chainrule.nn import GPT, Embedding, Linear, cross_entropy, softmax
from chainrule.nn.gpt_train import LossGraph

TINY = dict(vocab_size=5, n_embd=4, n_head=2, n_layer=2, block_size=4)
DOCS = [[4, 0, 1, 2, 3, 0, 4], [4, 2, 4], [4, 1, 3, 4], [4, 3, 3, 0, 4]]  # the first is cut at block_size


def tiny(seed: int = 0, **changes: int) -> GPT:
    return GPT(**{**TINY, **changes}, seed=seed, std=0.5)  # a larger scale than 0.08: gradients far from 0


# --- an independent NumPy forward of the same model -----------------------------------------------

def matrix(rows: list) -> np.ndarray:
    return np.array([[p.data for p in row] for row in rows])


def weights(model: GPT) -> dict[str, np.ndarray]:
    w = {"wte": matrix(model.wte.weight), "wpe": matrix(model.wpe.weight), "lm_head": matrix(model.lm_head.w)}
    for i, block in enumerate(model.blocks):
        for name in ("wq", "wk", "wv", "wo"):
            w[f"{i}.{name}"] = matrix(getattr(block.attn, name).w)
        w[f"{i}.fc1"], w[f"{i}.fc2"] = matrix(block.mlp.fc1.w), matrix(block.mlp.fc2.w)
    return w


def parameter_rows(model: GPT) -> dict[str, list]:
    """The Parameters behind each array of :func:`weights`, in the same layout."""
    rows = {"wte": model.wte.weight, "wpe": model.wpe.weight, "lm_head": model.lm_head.w}
    for i, block in enumerate(model.blocks):
        for name in ("wq", "wk", "wv", "wo"):
            rows[f"{i}.{name}"] = getattr(block.attn, name).w
        rows[f"{i}.fc1"], rows[f"{i}.fc2"] = block.mlp.fc1.w, block.mlp.fc2.w
    return rows


def np_rmsnorm(x: np.ndarray) -> np.ndarray:
    return x / np.sqrt(np.mean(x * x) + 1e-5)


def np_softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max())
    return e / e.sum()


def np_loss(w: dict[str, np.ndarray], tokens: list[int], n_head: int, n_layer: int, block_size: int) -> float:
    n = min(block_size, len(tokens) - 1)
    keys: list[list[np.ndarray]] = [[] for _ in range(n_layer)]
    values: list[list[np.ndarray]] = [[] for _ in range(n_layer)]
    total = 0.0
    for pos in range(n):
        x = np_rmsnorm(w["wte"][tokens[pos]] + w["wpe"][pos])
        for i in range(n_layer):
            h = np_rmsnorm(x)
            q = w[f"{i}.wq"] @ h
            keys[i].append(w[f"{i}.wk"] @ h)
            values[i].append(w[f"{i}.wv"] @ h)
            K, V, d = np.array(keys[i]), np.array(values[i]), len(q) // n_head
            heads = [np_softmax(K[:, s] @ q[s] / np.sqrt(d)) @ V[:, s]
                     for s in (slice(j * d, (j + 1) * d) for j in range(n_head))]
            x = w[f"{i}.wo"] @ np.concatenate(heads) + x
            h = np.maximum(w[f"{i}.fc1"] @ np_rmsnorm(x), 0.0) ** 2
            x = w[f"{i}.fc2"] @ h + x
        total += -np.log(np_softmax(w["lm_head"] @ x)[tokens[pos + 1]])
    return total / n


def np_gradient(model: GPT, tokens: list[int], h: float = 1e-6) -> dict[str, np.ndarray]:
    """Centered differences of the NumPy loss for every weight."""
    w = weights(model)
    shape = (TINY["n_head"], len(model.blocks), model.block_size)
    grads = {}
    for name, array in w.items():
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            saved = array[index]
            array[index] = saved + h
            up = np_loss(w, tokens, *shape)
            array[index] = saved - h
            down = np_loss(w, tokens, *shape)
            array[index] = saved
            grad[index] = (up - down) / (2 * h)
        grads[name] = grad
    return grads


@pytest.mark.parametrize("tokens", DOCS[:2], ids=["cut-at-block-size", "short"])
def test_loss_equals_the_numpy_forward(tokens):
    model = tiny()
    expected = np_loss(weights(model), tokens, TINY["n_head"], TINY["n_layer"], TINY["block_size"])
    assert math.isclose(model.loss(tokens).data, expected, rel_tol=1e-12, abs_tol=1e-12)


@pytest.mark.parametrize("tokens", DOCS[:2], ids=["cut-at-block-size", "short"])
def test_every_gradient_matches_the_numpy_forward_differentiated_numerically(tokens):
    model = tiny(seed=3)
    loss = model.loss(tokens)
    model.zero_grad()
    loss.backward()
    numeric = np_gradient(model, tokens)
    checked = 0
    for name, rows in parameter_rows(model).items():
        for index in np.ndindex(numeric[name].shape):
            analytic = float(rows[index[0]][index[1]].grad)
            assert math.isclose(analytic, numeric[name][index], rel_tol=1e-5, abs_tol=1e-7), (name, index)
            checked += 1
    assert checked == len(model.parameters())


def test_gradcheck_passes_for_every_parameter_of_a_tiny_model():
    model = tiny(seed=1, n_layer=1)
    report = gradcheck_parameters(lambda: model.loss(DOCS[0]), model)
    assert len(report) == len(model.parameters()) > 200
    assert report.ok, str(report)
    assert {row.band for row in report} <= {"good", "acceptable"}


def test_numpy_oracle_catches_a_wrong_model():
    """The oracle is not vacuous: change one weight of the model and the oracle disagrees."""
    model = tiny()
    w = weights(model)
    for block in model.blocks:
        block.mlp.fc1.w[0][0].data += 1.0
    assert not math.isclose(model.loss(DOCS[0]).data, np_loss(w, DOCS[0], 2, 2, 4), rel_tol=1e-6)


# --- replay: one graph, any document ----------------------------------------------------------------

def test_the_graph_shape_does_not_depend_on_the_token_ids():
    model = tiny()
    shapes = [[(node.op.name if node.op else node.label) for node in topological_order(model.loss(doc))]
              for doc in ([4, 1, 3, 4], [4, 3, 3, 0])]
    assert shapes[0] == shapes[1]


def test_a_fixed_length_graph_with_a_mask_replays_every_document_exactly():
    model = tiny()
    graph = LossGraph(model)
    for doc in DOCS:
        graph.load(doc)
        model.zero_grad()
        replayed = graph.forward()
        graph.backward()
        replayed_grads = [float(p.grad) for p in model.parameters()]
        model.zero_grad()
        rebuilt = model.loss(doc)
        rebuilt.backward()
        assert replayed == rebuilt.data  # masked terms are exact zeros; the kept ones the same floats
        for p, g in zip(model.parameters(), replayed_grads):
            assert math.isclose(g, float(p.grad), rel_tol=1e-12, abs_tol=1e-15)


def test_padded_positions_change_nothing():
    """Causal attention: whatever sits past the document's end, the loss and gradients are the same."""
    model = tiny()
    graph = LossGraph(model)
    graph.load([4, 1, 4])
    first = graph.forward()
    for token in graph.inputs[2:] + graph.targets[2:]:
        token.data = 0.0
    assert graph.forward() == first


def test_a_loss_graph_refuses_a_document_longer_than_its_positions():
    model = tiny()
    with pytest.raises(ValueError, match="does not fit a LossGraph of 2"):
        LossGraph(model, positions=2).load([4, 0, 1, 4])
    with pytest.raises(ValueError, match="positions must be an int in 1..4"):
        LossGraph(model, positions=5)


# --- the parts ----------------------------------------------------------------------------------------

def test_embedding_and_lm_head_rows_and_scopes():
    model = tiny()
    loss = model.loss([4, 0, 4])
    scopes = {node.scope for node in topological_order(loss)}
    for expected in [("wte",), ("blocks.0", "attn", "heads.1", "softmax"), ("blocks.1", "mlp", "relu2"),
                     ("lm_head",), ("loss",)]:
        assert expected in scopes
    names = [name for name, _ in model.named_parameters()]
    assert names[0] == "wte.weight.0.0" and "blocks.1.attn.wo.w.3.3" in names


def test_softmax_and_cross_entropy_are_stable_and_agree():
    from chainrule import Value

    z = [Value(1000.0), Value(0.0), Value(-1000.0)]
    assert [p.data for p in softmax(z)] == [1.0, 0.0, 0.0]
    assert cross_entropy(z, 0).data == 0.0 and cross_entropy(z, 2).data == 2000.0
    z = [Value(0.3), Value(-1.2), Value(2.0)]
    assert math.isclose(cross_entropy(z, 1).data, -math.log(softmax(z)[1].data), rel_tol=1e-13)


def test_sampling_is_reproducible_and_in_the_vocabulary():
    model = tiny(block_size=6)
    samples = [model.sample(random.Random(seed)) for seed in range(20)]
    assert samples == [model.sample(random.Random(seed)) for seed in range(20)]
    assert all(len(s) <= 6 and all(0 <= t < 4 for t in s) for s in samples)
    assert len({tuple(s) for s in samples}) > 5
    cold = {tuple(model.sample(random.Random(seed), temperature=0.01)) for seed in range(5)}
    assert len(cold) == 1  # near-zero temperature: always the most likely token


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda m: m.loss([4]), ValueError, "at least 2 tokens"),
    (lambda m: m.loss([4, 7]), ValueError, "token id 7 is not in range"),
    (lambda m: m.loss("ab"), TypeError, "list of token ids"),
    (lambda m: m.loss([4, 1.5]), TypeError, "must be an int, got float"),
    (lambda m: m.sample(random.Random(0), temperature=0), ValueError, "temperature"),
    (lambda m: m.logits(0, 4, [[], []], [[], []]), ValueError, "outside the context of 4"),
])
def test_bad_input_is_refused_with_a_clear_message(call, error, match):
    with pytest.raises(error, match=match):
        call(tiny())


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="multiple of n_head"):
        GPT(5, n_embd=6, n_head=4)
    with pytest.raises(ValueError, match="vocab_size must be a positive int"):
        GPT(0)
    with pytest.raises(ValueError, match="Linear with nin=3 got 2 inputs"):
        Linear(3, 1)([1.0, 2.0])
    with pytest.raises(ValueError, match="Embedding: token id 5 is not in range"):
        Embedding(5, 2)(5)
