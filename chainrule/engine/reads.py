"""Noticing code that reads a Value's number: ``float(v)``, ``int(v)``, ``round(v)``, ``v.item()``, a
format spec, ``<``/``<=``/``>``/``>=``. Such a read can steer a Python branch while a graph is built,
so a replay of that graph (``chainrule.compile``, ``nn.train``) could take the branch recorded
instead of the one new data would take. ``nn.train`` watches its probe steps with this and rebuilds
every step when a read was seen. Reading the ``.data`` attribute directly cannot be seen.

The Value methods above call :func:`note_read` (they are not on the node-making path); with no
watch in force it costs one context-variable lookup. Watches are per thread and per asyncio task.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class DataReads:
    """What a :func:`watch_data_reads` block saw: how many reads, and the first one's kind.

    >>> DataReads().count
    0
    """

    __slots__ = ("count", "first", "outer")

    def __init__(self, outer: DataReads | None = None) -> None:
        self.count = 0
        self.first: str | None = None
        self.outer = outer  # an enclosing watch sees the reads of the inner one too

    def __repr__(self) -> str:
        return f"DataReads(count={self.count}, first={self.first!r})"


_WATCH: ContextVar[DataReads | None] = ContextVar("chainrule_data_reads", default=None)


def note_read(how: str) -> None:
    """Count one read of a Value's number (``how``: e.g. ``"float()"``) in every watch in force.

    >>> with watch_data_reads() as reads:
    ...     note_read("float()")
    >>> reads.count, reads.first
    (1, 'float()')
    """
    reads = _WATCH.get()
    while reads is not None:
        reads.count += 1
        if reads.first is None:
            reads.first = how
        reads = reads.outer


@contextmanager
def watch_data_reads() -> Iterator[DataReads]:
    """Count the reads of Values' numbers through the number protocol inside the block.

    >>> from chainrule import Value
    >>> a, b = Value(1.0), Value(2.0)
    >>> with watch_data_reads() as reads:
    ...     winner = max(a, b)  # compares a.data and b.data: a Python branch on data
    ...     y = a * b           # building nodes reads nothing
    >>> reads.count, reads.first
    (1, 'a comparison (<, <=, >, >=)')
    """
    reads = DataReads(_WATCH.get())
    token = _WATCH.set(reads)
    try:
        yield reads
    finally:
        _WATCH.reset(token)
