"""Text for the GPT: a character tokenizer with a BOS token, and a corpus of first names.

The names are the US Census first-name lists (public-domain data), as shipped in the ``names``
package on PyPI (installed with chainrule; no network at run time), or any file of documents, one
per line, that the user passes. The corpus says where its documents came from.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

CENSUS_FILES = ("dist.female.first", "dist.male.first")


class CharTokenizer:
    """Characters become ids 0..n-1 and the BOS token is id n: it starts and ends every document.

    >>> from chainrule.nn import CharTokenizer
    >>> tok = CharTokenizer.from_documents(["ann", "bob"])
    >>> tok.chars, tok.bos, tok.vocab_size
    ('abno', 4, 5)
    >>> tok.encode("nab")
    [4, 2, 0, 1, 4]
    >>> tok.decode([4, 2, 0, 1, 4])
    'nab'
    """

    def __init__(self, chars: Iterable[str]) -> None:
        chars = "".join(chars)
        repeated = sorted({c for c in chars if chars.count(c) > 1})
        if repeated:
            raise ValueError(f"CharTokenizer needs distinct characters, got {''.join(repeated)!r} twice")
        if not chars:
            raise ValueError("CharTokenizer needs at least one character")
        self.chars = chars
        self._ids = {c: i for i, c in enumerate(chars)}

    @classmethod
    def from_documents(cls, documents: Iterable[str]) -> CharTokenizer:
        """The tokenizer of every character in ``documents``, in sorted order (microgpt's ``uchars``)."""
        return cls(sorted(set("".join(documents))))

    @property
    def bos(self) -> int:
        """The id of the BOS token (the last id)."""
        return len(self.chars)

    @property
    def vocab_size(self) -> int:
        """The number of ids: the characters and BOS."""
        return len(self.chars) + 1

    def encode(self, document: str) -> list[int]:
        """``[BOS, id of each character, BOS]``; a character outside the vocabulary is a ValueError."""
        try:
            return [self.bos, *(self._ids[c] for c in document), self.bos]
        except KeyError as error:
            raise ValueError(f"character {error.args[0]!r} of {document!r:.40} is not in the vocabulary"
                             f" {self.chars!r:.60}") from None

    def decode(self, ids: Sequence[int]) -> str:
        """The text of ``ids``, BOS tokens left out."""
        bos = self.bos
        for i in ids:
            if not 0 <= i <= bos:
                raise ValueError(f"token id {i!r} is not in range({self.vocab_size})")
        return "".join(self.chars[i] for i in ids if i != bos)

    def __repr__(self) -> str:
        return f"CharTokenizer(chars={self.chars!r}, bos={self.bos})"


@dataclass(frozen=True)
class Corpus:
    """Documents and where they came from.

    >>> corpus = Corpus(("ann", "bob"), "two names")
    >>> len(corpus), corpus.documents[0]
    (2, 'ann')
    >>> Corpus(tuple(f"name{i}" for i in range(5163)), "US Census")  # the count, not every document
    Corpus(5,163 documents, e.g. 'name0', 'name1', 'name2', ..., source='US Census')
    """

    documents: tuple[str, ...]
    source: str

    def __len__(self) -> int:
        return len(self.documents)

    def __repr__(self) -> str:
        # thousands of documents in a notebook cell's output help no one: the count and a few
        shown = ", ".join(repr(d[:40] + "…" if len(d) > 40 else d) for d in self.documents[:3])
        more = ", ..." if len(self.documents) > 3 else ""
        examples = f", e.g. {shown}{more}" if self.documents else ""
        count = "1 document" if len(self.documents) == 1 else f"{len(self.documents):,} documents"
        return f"Corpus({count}{examples}, source={self.source!r})"


def load_names(path: str | os.PathLike[str] | None = None) -> Corpus:
    """The first-names corpus: the US Census lists (default) or ``path``, a text file of one document
    per line (blank lines skipped, surrounding spaces stripped).

    The Census lists come from the installed ``names`` package: female then male names, lowercased,
    each name once (5,163 names in names 0.3.0).

    >>> from chainrule.nn import load_names
    >>> corpus = load_names()
    >>> len(corpus) > 5000, corpus.documents[:3], "US Census" in corpus.source
    (True, ('mary', 'patricia', 'linda'), True)
    """
    if path is not None:
        return _read_file(Path(path))
    try:
        folder = resources.files("names")
    except ModuleNotFoundError:
        raise ModuleNotFoundError("the names corpus needs the 'names' package (pip install names),"
                                  " or pass a file of documents, one per line") from None
    names: dict[str, None] = {}
    for file in CENSUS_FILES:
        for line in (folder / file).read_text(encoding="ascii").splitlines():
            if line.strip():
                names[line.split()[0].lower()] = None
    version = metadata.version("names")
    return Corpus(tuple(names), f"US Census 1990 first names ({' + '.join(CENSUS_FILES)}) from the"
                                f" 'names' package {version} at {folder}")


def _read_file(path: Path) -> Corpus:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{path}: not UTF-8 text ({error.reason} at byte {error.start})") from None
    documents = tuple(line.strip() for line in text.splitlines() if line.strip())
    if not documents:
        raise ValueError(f"{path}: no documents (the file has no non-blank line)")
    return Corpus(documents, f"{path.resolve()} ({len(documents)} documents, one per line)")
