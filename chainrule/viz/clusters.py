"""Scopes in pictures: nested clusters per ``name_scope``, and collapsing a neuron or layer to a box.

Nodes made inside ``chainrule.name_scope(...)`` carry ``.scope``, a tuple path of names such as
``('layers.0', 'neurons.3')``. Each path becomes a labelled cluster inside its parent's cluster.
Collapsing replaces every node under one scope by a single box that shows the scope's outputs.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from chainrule.engine import Value
from chainrule.viz.ids import cluster_id, group_id
from chainrule.viz.labels import quoted

Scope = tuple[str, ...]
COLLAPSE_LEVELS = ("neuron", "layer")


def collapse_prefix(scope: Scope | None, level: str | int) -> Scope | None:
    """The scope a node collapses into: up to the first name starting with ``level`` ("neuron"
    matches ``neurons.3``), or the first ``level`` names when it is an int; None if it stays.

    >>> collapse_prefix(("layers.0", "neurons.3"), "layer"), collapse_prefix(("loss",), "neuron")
    (('layers.0',), None)
    """
    if not scope:
        return None
    if isinstance(level, int):
        return scope[:level] if len(scope) >= level else None
    for depth, name in enumerate(scope):
        if name.lower().startswith(level):
            return scope[: depth + 1]
    return None


@dataclass
class Group:
    """The nodes under one collapsed scope; ``outputs`` are those used outside it (or drawn outputs).

    >>> Group(0, ("layers.0",)).dot_id
    'g0'
    """

    index: int
    scope: Scope
    members: list[Value] = field(default_factory=list)
    outputs: list[Value] = field(default_factory=list)

    @property
    def dot_id(self) -> str:
        return group_id(self.index)

    def port(self, node: Value) -> str:
        """The DOT endpoint of edges leaving this box from output ``node``."""
        return f"{self.dot_id}:o{self.outputs.index(node)}"


def find_groups(
    order: Sequence[Value], roots: Collection[Value], level: str | int | None
) -> dict[Value, Group]:
    """Map each collapsed node to its group (empty when ``level`` is None); ``roots`` are the
    picture's outputs, shown by their box even if nothing else uses them.

    >>> from chainrule import Value, name_scope
    >>> x = Value(1.0)
    >>> with name_scope("neurons.0"):
    ...     y = (x * 2).tanh()
    >>> groups = find_groups([x, y.parents[0].parents[1], y.parents[0], y], {y}, "neuron")
    >>> group = groups[y]
    >>> group.scope, len(group.members), group.outputs == [y], x in groups
    (('neurons.0',), 3, True, False)
    """
    if level is None:
        return {}
    by_scope: dict[Scope, Group] = {}
    group_of: dict[Value, Group] = {}
    for node in order:
        prefix = collapse_prefix(node.scope, level)
        if prefix is not None:
            group = by_scope.setdefault(prefix, Group(len(by_scope), prefix))
            group.members.append(node)
            group_of[node] = group
    used_outside = set(roots)
    for node in order:
        for parent in node.parents:
            if parent in group_of and group_of[parent] is not group_of.get(node):
                used_outside.add(parent)
    for group in by_scope.values():
        group.outputs = [node for node in group.members if node in used_outside]
    return group_of


class ClusterTree:
    """Collects DOT lines per scope path and writes them as nested ``subgraph cluster_...`` blocks.

    >>> tree = ClusterTree()
    >>> tree.add(("layers.0", "neurons.1"), "n3")
    >>> tree.add(None, "n0")
    >>> print("\\n".join(tree.dot_lines()))  # doctest: +ELLIPSIS
    n0
    subgraph cluster_s0 {
        graph [label="layers.0", ...]
        subgraph cluster_s1 {
            graph [label="neurons.1", ...]
            n3
        }
    }
    """

    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self.lines: dict[Scope, list[str]] = {(): []}
        self.numbers: dict[Scope, int] = {}

    def add(self, scope: Scope | None, line: str) -> None:
        """Put ``line`` (a node statement) in the cluster of ``scope`` (top level for None)."""
        path: Scope = tuple(scope or ()) if self.enabled else ()
        for depth in range(1, len(path) + 1):
            if path[:depth] not in self.lines:
                self.lines[path[:depth]] = []
                self.numbers[path[:depth]] = len(self.numbers)
        self.lines[path].append(line)

    def dot_lines(self) -> list[str]:
        """Top-level lines, then each cluster in order of first appearance, nested by path."""
        return self._block(())

    def _block(self, path: Scope) -> list[str]:
        out = list(self.lines[path])
        for child in self.lines:
            if len(child) == len(path) + 1 and child[: len(path)] == path:
                out.append(f"subgraph {cluster_id(self.numbers[child])} {{")
                out.append(f"\tgraph [label={quoted(child[-1])}, {CLUSTER_STYLE}]")
                out.extend("\t" + line for line in self._block(child))  # depth = scope nesting
                out.append("}")
        return out


CLUSTER_STYLE = 'style="rounded,dashed", color="#9ca3af", fontcolor="#4b5563", labeljust=l'
