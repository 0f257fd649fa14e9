"""Checking where a command will write before anything runs: an output that cannot be used (a folder
that does not exist or is not writable, PNG without Graphviz's ``dot``) is refused up front, exit 2."""

from __future__ import annotations

import os
from pathlib import Path


class UnusableOutput(Exception):
    """An output option that cannot be used: a usage error (exit 2), found before anything is printed.

    >>> str(UnusableOutput("--html: no folder"))
    '--html: no folder'
    """


def writable_file(path: str, option: str) -> None:
    """Refuse ``path`` unless a file can be created there (its folder exists and is writable).

    >>> writable_file("/no/such/folder/g.svg", "-o")
    Traceback (most recent call last):
    ...
    chainrule.cli.outputs.UnusableOutput: -o /no/such/folder/g.svg: the folder /no/such/folder does not exist
    """
    target = Path(path)
    if target.is_dir():
        raise UnusableOutput(f"{option} {path}: is a folder, not a file")
    folder = target.parent
    if not folder.is_dir():
        raise UnusableOutput(f"{option} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK) or (target.exists() and not os.access(target, os.W_OK)):
        raise UnusableOutput(f"{option} {path}: cannot write there (permission denied)")


def writable_folder(path: str, option: str) -> None:
    """Refuse ``path`` unless it is a writable folder or can be made (its nearest existing
    ancestor is a writable folder).

    >>> import tempfile, pathlib
    >>> file = pathlib.Path(tempfile.mkdtemp()) / "f"; _ = file.write_text("")
    >>> writable_folder(str(file / "out"), "--out")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    chainrule.cli.outputs.UnusableOutput: --out .../f/out: .../f is a file, not a folder
    """
    folder = Path(path)
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise UnusableOutput(f"{option} {path}: {existing} is a file, not a folder")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise UnusableOutput(f"{option} {path}: cannot write in {existing} (permission denied)")


def fresh_file(path: str | os.PathLike[str]) -> Path:
    """``path`` if no file has it yet, else the first free ``stem-2.ext``, ``stem-3.ext``, ...

    >>> import tempfile, pathlib
    >>> taken = pathlib.Path(tempfile.mkdtemp()) / "graph.svg"; _ = taken.write_text("")
    >>> fresh_file(taken).name
    'graph-2.svg'
    """
    first = candidate = Path(path)
    number = 2
    while candidate.exists():
        candidate, number = first.with_name(f"{first.stem}-{number}{first.suffix}"), number + 1
    return candidate
