"""The drawing options shared by ``to_dot``, ``draw``, ``to_svg``, ``save`` and the stepper: one frozen
dataclass holds their defaults and checks."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from chainrule.engine import Value
from chainrule.viz.clusters import COLLAPSE_LEVELS

RANKDIRS = ("LR", "TB", "RL", "BT")
COLOR_BY = ("kind", "grad")
DEFAULT_MAX_NODES = 400


@dataclass(frozen=True)
class DotOptions:
    """The drawing options of :func:`~chainrule.viz.to_dot` (and ``draw``, ``to_svg``, ``save`` and the
    stepper's frames): every default and every check is here, once.

    - ``rankdir``: ``"LR"`` (left to right) or ``"TB"`` (top to bottom; also ``"RL"``, ``"BT"``).
    - ``highlight_nodes``: Values drawn with a thick orange outline.
    - ``highlight_edges``: ``(parent, child, index)`` triples, ``index`` the position of ``parent``
      in ``child.parents``; those edges are drawn thick orange.
    - ``grads``: gradients to show instead of each node's ``grad`` (a missing key or None shows
      as not computed), e.g. the gradients filled in up to one step of the backward pass.
    - ``data``: values to show instead of each node's ``data``, likewise (``data —``), e.g. the
      values computed up to one step of a forward pass.
    - ``inputs``: leaves to colour as inputs (data) rather than plain leaves.
    - ``color_by``: ``"kind"`` (see :mod:`chainrule.viz.style` for the colours) or ``"grad"``
      (shade by |grad|, white = 0); ``legend=True`` adds a legend box.
    - ``clusters``: box the nodes of each ``name_scope``; ``collapse="neuron"`` or ``"layer"`` (or a
      scope depth) draws each such scope as one box showing its outputs' data and grad.
    - ``max_nodes``: past this many nodes (100 times as many with ``collapse``), warn
      (``GraphTooLargeWarning``) and draw only the nodes nearest the root (every given output
      is kept: more outputs than that is a ValueError); None draws everything. ``caption``: a title.
    - ``names``: the name each value node shows in place of its label (the stepper's names, so a
      table's names are the picture's); collapsed boxes then show their whole scope path, and each
      output of a box with several its name.
    - ``focus``: with ``collapse``, the scope (dotted, ``"layers.1.neurons.0"``) drawn node by node.

    Value collections are read once (a generator works) and kept as identity sets.

    >>> DotOptions(rankdir="TB", legend=True).rankdir
    'TB'
    >>> DotOptions(rankdir="up")
    Traceback (most recent call last):
    ...
    ValueError: rankdir must be one of 'LR', 'TB', 'RL', 'BT', got 'up'
    """

    rankdir: str = "LR"
    highlight_nodes: Collection[Value] | None = frozenset()
    highlight_edges: Collection[tuple[Value, Value, int]] | None = frozenset()
    grads: Mapping[Value, float | None] | None = None
    data: Mapping[Value, float | None] | None = None
    inputs: Collection[Value] | None = frozenset()
    color_by: str = "kind"
    legend: bool = False
    clusters: bool = True
    collapse: str | int | None = None
    max_nodes: int | None = DEFAULT_MAX_NODES
    caption: str | None = None
    names: Mapping[Value, str] | None = None
    focus: str | None = None

    def __post_init__(self) -> None:
        _choice("rankdir", self.rankdir, RANKDIRS)
        _choice("color_by", self.color_by, COLOR_BY)
        collapse = self.collapse
        if not (collapse is None or collapse in COLLAPSE_LEVELS or _positive_int(collapse)):
            raise ValueError(f"collapse must be None, 'neuron', 'layer' or a scope depth >= 1, "
                             f"got {collapse!r}")
        if not (self.max_nodes is None or _positive_int(self.max_nodes)):
            raise ValueError(f"max_nodes must be a positive int or None, got {self.max_nodes!r}")
        if self.focus is not None and not (isinstance(self.focus, str) and self.focus):
            raise TypeError(f"focus must be a scope written with dots (e.g. 'layers.1.neurons.0'), "
                            f"got {self.focus!r}")
        for name in ("grads", "data", "names"):
            given = getattr(self, name)
            if given is not None and not isinstance(given, Mapping):
                wanted = "str" if name == "names" else "float | None"
                raise TypeError(f"{name} must be a mapping Value -> {wanted}, got {type(given).__name__}")
        checked = {
            "highlight_nodes": _values("highlight_nodes", self.highlight_nodes),
            "highlight_edges": _edges(self.highlight_edges),
            "inputs": _values("inputs", self.inputs),
            "legend": bool(self.legend), "clusters": bool(self.clusters),
            "caption": None if self.caption is None else str(self.caption),
        }
        for name, value in checked.items():
            object.__setattr__(self, name, value)  # frozen: __post_init__ is the one place that may

    @classmethod
    def of(cls, options: DotOptions | None = None, **changes: Any) -> DotOptions:
        """``options`` (or the defaults) with ``changes``; an unknown name is a TypeError listing the known.

        >>> DotOptions.of(DotOptions(rankdir="TB"), legend=True).legend
        True
        >>> DotOptions.of(colour="red")
        Traceback (most recent call last):
        ...
        TypeError: unknown drawing option 'colour'; the options are rankdir, highlight_nodes, ...
        """
        unknown = changes.keys() - NAMES
        if unknown:
            raise TypeError(f"unknown drawing option {', '.join(map(repr, sorted(unknown)))}; the options"
                            f" are {', '.join(field.name for field in fields(cls))}")
        if options is not None and not isinstance(options, DotOptions):
            raise TypeError(f"options must be a DotOptions, got {type(options).__name__}")
        return replace(options, **changes) if options is not None else cls(**changes)

    @property
    def across(self) -> bool:
        """Whether value records are laid out across: ``{...}`` turns them in a left-right graph."""
        return self.rankdir in ("LR", "RL")


NAMES = frozenset(field.name for field in fields(DotOptions))


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
