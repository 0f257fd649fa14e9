"""The keyword options shared by ``to_dot``, ``draw``, ``to_svg`` and ``save``, checked in one place."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, TypedDict

from chainrule.engine import Value
from chainrule.viz.clusters import COLLAPSE_LEVELS

RANKDIRS = ("LR", "TB", "RL", "BT")
COLOR_BY = ("kind", "grad")
DEFAULT_MAX_NODES = 400


class DotOptions(TypedDict, total=False):
    """Keyword options of :func:`chainrule.viz.to_dot` (``draw``, ``to_svg`` and ``save`` take them too).

    >>> from chainrule import Value
    >>> from chainrule.viz import to_dot
    >>> options: DotOptions = {"rankdir": "TB", "legend": True}
    >>> "rankdir=TB" in to_dot(Value(1.0) * 2, **options)
    True
    """

    rankdir: str
    highlight_nodes: Collection[Value] | None
    highlight_edges: Collection[tuple[Value, Value, int]] | None
    grads: Mapping[Value, float | None] | None
    data: Mapping[Value, float | None] | None
    inputs: Collection[Value] | None
    color_by: str
    legend: bool
    clusters: bool
    collapse: str | int | None
    max_nodes: int | None
    caption: str | None
    names: Mapping[Value, str] | None
    focus: str | None


@dataclass(frozen=True)
class Options:
    """Checked options; Value collections become identity sets (built by :func:`check_options`)."""

    rankdir: str
    highlight_nodes: frozenset[Value]
    highlight_edges: frozenset[tuple[Value, Value, int]]
    grads: Mapping[Value, Any] | None
    data: Mapping[Value, Any] | None
    inputs: frozenset[Value]
    color_by: str
    legend: bool
    clusters: bool
    collapse: str | int | None
    max_nodes: int | None
    caption: str | None
    names: Mapping[Value, str] | None = None
    focus: str | None = None

    @property
    def across(self) -> bool:
        """Whether value records are laid out across: ``{...}`` turns them in a left-right graph."""
        return self.rankdir in ("LR", "RL")


def check_options(**given: Any) -> Options:
    """Validate the options, naming the bad one and the values it accepts.

    >>> check_options(rankdir="up")
    Traceback (most recent call last):
    ...
    ValueError: rankdir must be one of 'LR', 'TB', 'RL', 'BT', got 'up'
    """
    _choice("rankdir", given["rankdir"], RANKDIRS)
    _choice("color_by", given["color_by"], COLOR_BY)
    collapse = given["collapse"]
    if not (collapse is None or collapse in COLLAPSE_LEVELS or _positive_int(collapse)):
        raise ValueError(f"collapse must be None, 'neuron', 'layer' or a scope depth >= 1, got {collapse!r}")
    if not (given["max_nodes"] is None or _positive_int(given["max_nodes"])):
        raise ValueError(f"max_nodes must be a positive int or None, got {given['max_nodes']!r}")
    focus = given.get("focus")
    if focus is not None and not (isinstance(focus, str) and focus):
        raise TypeError(f"focus must be a scope written with dots (e.g. 'layers.1.neurons.0'), got {focus!r}")
    for name in ("grads", "data", "names"):
        if given.get(name) is not None and not isinstance(given[name], Mapping):
            kind = type(given[name]).__name__
            wanted = "str" if name == "names" else "float | None"
            raise TypeError(f"{name} must be a mapping Value -> {wanted}, got {kind}")
    return Options(
        rankdir=given["rankdir"],
        highlight_nodes=_values("highlight_nodes", given["highlight_nodes"]),
        highlight_edges=_edges(given["highlight_edges"]),
        grads=given["grads"],
        data=given.get("data"),
        inputs=_values("inputs", given["inputs"]),
        color_by=given["color_by"],
        legend=bool(given["legend"]),
        clusters=bool(given["clusters"]),
        collapse=collapse,
        max_nodes=given["max_nodes"],
        caption=None if given["caption"] is None else str(given["caption"]),
        names=given.get("names"),
        focus=focus,
    )


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, got {value!r}")


def _positive_int(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 1


def _values(name: str, values: Collection[Value] | None) -> frozenset[Value]:
    if values is None:
        return frozenset()
    if isinstance(values, Value):
        raise TypeError(f"{name} must be a collection of Values, got a single Value (wrap it: [v])")
    values = tuple(values)  # a generator is read once: checked and kept from the same copy
    for value in values:
        if not isinstance(value, Value):
            raise TypeError(f"{name} must contain Values, got {type(value).__name__}: {value!r:.60}")
    return frozenset(values)


def _edges(edges: Collection[tuple[Value, Value, int]] | None) -> frozenset[tuple[Value, Value, int]]:
    """Each edge is (parent, child, index) with ``child.parents[index] is parent``."""
    edges = tuple(edges or ())  # a generator is read once: checked and kept from the same copy
    for edge in edges:
        if not (isinstance(edge, tuple) and len(edge) == 3 and isinstance(edge[1], Value)):
            raise TypeError(f"highlight_edges must hold (parent, child, index) triples, got {edge!r:.80}")
        parent, child, index = edge
        is_int = isinstance(index, int) and not isinstance(index, bool)
        if not (is_int and 0 <= index < len(child.parents) and child.parents[index] is parent):
            raise ValueError(
                f"highlight_edges: {edge!r:.120} is not an edge: input {index!r} of the child"
                f" is not that parent (the child has {len(child.parents)} input(s))"
            )
    return frozenset(edges)
