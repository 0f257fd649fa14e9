"""Training the GPT on the names corpus, the corpus and tokenizer, and copies of one head of a real graph."""

from __future__ import annotations

import math

import pytest

from chainrule import topological_order
from chainrule.nn import GPT, CharTokenizer, load_names
from chainrule.nn.gpt_inspect import head_copy, softmax_copy
from chainrule.nn.gpt_train import DEFAULT_STEPS, linear_decay, train_gpt


@pytest.fixture(scope="module")
def names():
    corpus = load_names()
    return corpus, CharTokenizer.from_documents(corpus.documents)


@pytest.mark.slow  # the default 300 steps (compiled: the rebuilt steps are checked equal below)
def test_training_on_the_names_lowers_the_loss_below_2_6_nats(names):
    """From about ln(vocab) to below 2.6 (mean of the last 50 steps) in the default number of steps."""
    corpus, tokenizer = names
    model = GPT(tokenizer.vocab_size, seed=0)
    run = train_gpt(model, corpus.documents, tokenizer, seed=0, mode="compile", progress=False)
    assert len(run.losses) == DEFAULT_STEPS
    start = sum(run.losses[:10]) / 10
    assert abs(start - math.log(tokenizer.vocab_size)) < 0.35, start
    assert run.mean_last(50) < 2.6, run.mean_last(50)


def test_training_is_reproducible_from_a_seed_and_replay_follows_rebuild(names):
    corpus, tokenizer = names
    runs = [train_gpt(GPT(tokenizer.vocab_size, seed=5), corpus.documents, tokenizer, steps=6, seed=5,
                      mode=mode, progress=False) for mode in ("rebuild", "rebuild", "replay", "compile")]
    assert runs[0].losses == runs[1].losses  # bit for bit
    for rebuilt, replayed, compiled in zip(runs[0].losses, runs[2].losses, runs[3].losses):
        assert math.isclose(rebuilt, replayed, rel_tol=1e-11)
        assert math.isclose(rebuilt, compiled, rel_tol=1e-11)
    other = train_gpt(GPT(tokenizer.vocab_size, seed=6), corpus.documents, tokenizer, steps=4, seed=6,
                      progress=False)
    assert other.losses != runs[0].losses


def test_the_schedule_decays_linearly_to_zero():
    schedule = linear_decay(0.01, 1000)
    assert [schedule(s) for s in (0, 500, 999)] == [0.01, 0.005, pytest.approx(1e-5)]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"steps": 0}, "steps must be a positive int"),
    ({"mode": "fast"}, "mode must be one of"),
])
def test_train_gpt_refuses_bad_arguments(kwargs, message):
    tokenizer = CharTokenizer("ab")
    with pytest.raises(ValueError, match=message):
        train_gpt(GPT(3), ["ab"], tokenizer, progress=False, **kwargs)


# --- the corpus and the tokenizer ------------------------------------------------------------------

def test_the_census_corpus_is_the_names_package_lists(names):
    corpus, tokenizer = names
    assert len(corpus) == 5163 and len(set(corpus.documents)) == len(corpus)
    assert corpus.documents[:2] == ("mary", "patricia") and "james" in corpus.documents
    assert "'names' package 0.3.0" in corpus.source and "dist.male.first" in corpus.source
    assert tokenizer.chars == "abcdefghijklmnopqrstuvwxyz" and tokenizer.bos == 26


def test_a_corpus_file(tmp_path):
    path = tmp_path / "docs.txt"
    path.write_text(" zoë \n\nbo\n", encoding="utf-8")
    corpus = load_names(path)
    assert corpus.documents == ("zoë", "bo") and str(path.resolve()) in corpus.source
    with pytest.raises(FileNotFoundError):
        load_names(tmp_path / "missing.txt")


def test_tokenizer_round_trip_and_refusals():
    tok = CharTokenizer.from_documents(["zoë", "bo"])
    assert tok.decode(tok.encode("zoë")) == "zoë" and tok.encode("")[0] == tok.encode("")[-1] == tok.bos
    with pytest.raises(ValueError, match="character 'x' of 'xo' is not in the vocabulary"):
        tok.encode("xo")
    with pytest.raises(ValueError, match="distinct characters, got 'a' twice"):
        CharTokenizer("aba")
    with pytest.raises(ValueError, match="not in range"):
        tok.decode([99])


# --- one head of a real graph, copied ----------------------------------------------------------------

def test_head_and_softmax_copies_carry_the_real_values_and_gradients():
    model = GPT(6, n_embd=8, n_head=2, block_size=5, seed=2, std=0.5)
    with model.blocks[0].attn.recording() as calls:
        loss = model.loss([5, 0, 3, 1, 5])
    loss.backward()
    call = next(c for c in calls if (c.position, c.head) == (3, 1))
    outputs, grads = head_copy(call, ("blocks.0", "attn", "heads.1"))
    assert [y.data for y in outputs] == [y.data for y in call.out]
    leaves = {node.label: node for node in topological_order(outputs[0]) if node.label}
    assert grads[leaves["q.2"]] == call.q[2].grad and grads[leaves["k3.0"]] == call.keys[3][0].grad
    assert outputs[0].scope == ("blocks.0", "attn", "heads.1", "mix")
    root = softmax_copy(call)
    root.backward()
    scores = sorted((n for n in topological_order(root) if n.label.startswith("score.")),
                    key=lambda n: n.label)
    assert len(scores) == 4
    for copy, real in zip(scores, call.scores):
        assert math.isclose(copy.grad, real.grad, rel_tol=1e-9, abs_tol=1e-15)
