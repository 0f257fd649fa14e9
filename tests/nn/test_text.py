"""The names corpus shows itself briefly (review finding 9: its repr printed all 5,163 names)."""

from chainrule.nn import load_names
from chainrule.nn.text import Corpus


def test_the_corpus_repr_is_its_count_a_few_examples_and_its_source() -> None:
    corpus = load_names()
    text = repr(corpus)
    assert text.startswith(f"Corpus({len(corpus):,} documents, e.g. {corpus.documents[0]!r}, ")
    assert f"source={corpus.source!r}" in text and len(text) < 400
    assert corpus.documents[10] not in text.split("source=")[0]


def test_short_and_empty_corpora() -> None:
    assert repr(Corpus(("ann",), "one")) == "Corpus(1 document, e.g. 'ann', source='one')"
    assert repr(Corpus((), "none")) == "Corpus(0 documents, source='none')"
    assert "…" in repr(Corpus(("x" * 100,), "long"))
