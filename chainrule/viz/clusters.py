"""Scopes in pictures: nested clusters per ``name_scope``, and collapsing a neuron or layer to a box.

Nodes made inside ``chainrule.name_scope(...)`` carry ``.scope``, a tuple path of names such as
``('layers.0', 'neurons.3')``. Each path becomes a labelled cluster inside its parent's cluster.
Collapsing replaces every node under one scope by a single box that shows the scope's outputs.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from chainrule.engine import Value
from chainrule.engine.naming import in_scope
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
    order: Sequence[Value], roots: Collection[Value], level: str | int | None, focus: str | None = None
) -> dict[Value, Group]:
    """Map each collapsed node to its group (empty when ``level`` is None); ``roots`` are the
    picture's outputs, shown by their box even if nothing else uses them. Nodes inside the scope
    ``focus`` (dotted) are never collapsed.

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
        if prefix is not None and focus is not None:
            prefix = _outside_focus(node.scope, prefix, focus)
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


def _outside_focus(scope: Scope, prefix: Scope, focus: str) -> Scope | None:
    """The box a node collapses into when ``focus`` is drawn node by node: none inside the focus;
    a box that would swallow the focus is narrowed to the node's own scope beside it, and a node of
    a scope enclosing the focus (``blocks.0``'s own adds, around ``blocks.0.attn``) goes in a box of
    that scope's own nodes, so the picture stays the focus plus a few boxes."""
    if in_scope(scope, focus):
        return None
    while in_scope((focus,), ".".join(prefix)):  # the box encloses the focus: go one scope deeper
        if len(prefix) == len(scope):
            return prefix
        prefix = scope[: len(prefix) + 1]
    return prefix


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
        missing: list[Scope] = []
        prefix = path
        while prefix not in self.lines:  # walk up only to the nearest known scope: no per-depth rescans
            missing.append(prefix)
            prefix = prefix[:-1]
        for new in reversed(missing):  # outer scopes are numbered first
            self.lines[new] = []
            self.numbers[new] = len(self.numbers)
        self.lines[path].append(line)

    def dot_lines(self) -> list[str]:
        """Top-level lines, then each cluster in order of first appearance, nested by path.

        Written with an explicit stack, so thousands of nested scopes need no recursion.
        """
        children: dict[Scope, list[Scope]] = {path: [] for path in self.lines}
        for path in self.lines:  # insertion order: first appearance
            if path:
                children[path[:-1]].append(path)
        out: list[str] = []
        todo: list[Scope | str] = [()]  # a scope to open, or a closing line to write
        while todo:
            item = todo.pop()
            if isinstance(item, str):
                out.append(item)
                continue
            indent = "\t" * len(item)  # depth = scope nesting
            if item:
                out.append(f"{indent[1:]}subgraph {cluster_id(self.numbers[item])} {{")
                out.append(f"{indent}graph [label={quoted(item[-1])}, {CLUSTER_STYLE}]")
                todo.append(indent[1:] + "}")
            out.extend(indent + line for line in self.lines[item])
            todo.extend(reversed(children[item]))
        return out


CLUSTER_STYLE = 'style="rounded,dashed", color="#9ca3af", fontcolor="#4b5563", labeljust=l'
