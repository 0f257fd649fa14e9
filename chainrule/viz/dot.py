"""DOT text for a computation graph: one record per value, one small node per op.

Pure and deterministic: ids follow the topological order (see :mod:`chainrule.viz.ids`), so the
same formula gives the same text on every run.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any

from chainrule.engine import Value
from chainrule.viz import ids, style
from chainrule.viz.clusters import ClusterTree, Group, Scope, find_groups
from chainrule.viz.labels import escape_text, group_record, quoted, value_record
from chainrule.viz.options import DotOptions
from chainrule.viz.select import Outputs, as_roots, select_nodes

GRAPH_NAME = "chainrule"
COLLAPSED_PER_BOX = 100  # with collapse=..., max_nodes counts boxes: walk up to this many nodes per box
_OP_STYLE = (
    f'shape=ellipse, fillcolor="{style.OP_FILL}", fontsize=10, width=0.3, height=0.25, margin="0.04,0.02"'
)
_HIGHLIGHT = style.HIGHLIGHT_ATTRS
# edges leave a collapsed box downstream and enter it from upstream, so they never loop around it
# Past this many drawn nodes, bound Graphviz's network-simplex passes (nslimit): a leaf feeding
# hundreds of ops (x + x + ... + x) otherwise takes minutes to lay out, and with the bound well
# under a second.
BOUNDED_LAYOUT_NODES = 60
_EXIT = {"LR": "e", "RL": "w", "TB": "s", "BT": "n"}
_ENTER = {"LR": "w", "RL": "e", "TB": "n", "BT": "s"}


class GraphTooLargeWarning(UserWarning):
    """The graph has more than ``max_nodes`` nodes, so only the part nearest the output(s) is drawn.

    >>> import warnings
    >>> from chainrule import Value
    >>> x = Value(1.0)
    >>> for _ in range(5):
    ...     x = -x
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     _ = to_dot(x, max_nodes=3)
    >>> caught[0].category.__name__
    'GraphTooLargeWarning'
    """


def to_dot(root: Outputs, options: DotOptions | None = None, **changes: Any) -> str:
    """The DOT text of ``root``'s graph. Each value node shows its label, ``data`` and ``grad``
    (``grad —`` when no backward pass reached it); each op is its own small node, with one edge per
    input (``a + a`` has two).

    ``root`` is one Value, or a list (or tuple) of Values to draw several outputs in one picture,
    such as a layer's outputs: each is coloured as an output, and a part of the graph they share is
    drawn once. Node ids follow each output's topological order in turn.

    The drawing options (``rankdir``, ``highlight_nodes``, ``highlight_edges``, ``grads``, ``data``,
    ``inputs``, ``color_by``, ``legend``, ``clusters``, ``collapse``, ``max_nodes``, ``caption``)
    are described, defaulted and checked by :class:`~chainrule.viz.DotOptions`: pass them as
    keywords, or a ``DotOptions`` as ``options`` (keywords then change it).

    >>> from chainrule import Value
    >>> a = Value(2.0, label="a")
    >>> print(to_dot(a + a))  # doctest: +ELLIPSIS
    digraph chainrule {
    ...
        n0 [id="n0", label="{a|data 2|grad —}", fillcolor="#bfdbfe"]
        n1 [id="n1", label="{data 4|grad —}", fillcolor="#fca5a5", penwidth=2]
        n1_op [id="n1_op", label="+", shape=ellipse, ...]
        n1_op -> n1 [id="n1_out"]
        n0 -> n1_op [id="n1_in0"]
        n0 -> n1_op [id="n1_in1"]
    }

    Several outputs, each drawn as an output (red, thick outline), their shared input once:

    >>> x = Value(3.0, label="x")
    >>> dot = to_dot([x * 2, x + 1])
    >>> dot.count('fillcolor="#fca5a5", penwidth=2'), dot.count("{x|data 3|")
    (2, 1)
    """
    options = DotOptions.of(options, **changes)
    return "".join(f"{line}\n" for line in [f"digraph {GRAPH_NAME} {{", *body_lines(root, options), "}"])


def body_lines(root: Outputs, options: DotOptions) -> list[str]:
    """The statements inside ``digraph chainrule { ... }``, each indented by one tab."""
    return ["\t" + line for line in _Picture(as_roots(root), options).lines()]


class _Picture:
    def __init__(self, roots: tuple[Value, ...], options: DotOptions) -> None:
        self.roots, self.options = frozenset(roots), options
        self.limit = _walk_limit(options)
        self.selection = select_nodes(roots, self.limit)
        self.index = {node: i for i, node in enumerate(self.selection.order)}
        self.groups = find_groups(self.selection.order, self.roots, options.collapse, options.focus)
        self.nearest = "nearest the output" if len(roots) == 1 else "nearest the outputs"
        self.tree = ClusterTree(options.clusters)
        self.edges: list[str] = []
        by_grad = options.color_by == "grad"
        self.largest = _largest_grad(self.selection.order, options.grads) if by_grad else 0.0

    def lines(self) -> list[str]:
        drawn: set[int] = set()
        for node in self.selection.order:
            group = self.groups.get(node)
            if group is None:
                self._value_node(node)
            elif group.index not in drawn:
                drawn.add(group.index)
                self._group_node(group)
        if self.selection.truncated:
            self._cut_marker()
        return [*self._header(), *self.tree.dot_lines(), *self.edges, *self._legend()]

    def _header(self) -> list[str]:
        ranksep = 0.3 if self.options.collapse is None else 0.8  # boxes: room for the edges between them
        graph = f'rankdir={self.options.rankdir}, fontname="Helvetica", fontsize=10, nodesep=0.2'
        graph += f", ranksep={ranksep}"
        if len(self.selection.order) > BOUNDED_LAYOUT_NODES:
            graph += ", nslimit=1, nslimit1=1"
        caption = self._caption()
        if caption:
            graph += f", label={caption}, labelloc=t"
        return [
            f"graph [{graph}]",
            'node [shape=Mrecord, style=filled, fontname="Helvetica", fontsize=10, color="#374151"]',
            f'edge [color="{style.EDGE_COLOUR}", arrowsize=0.6]',
        ]

    def _caption(self) -> str:
        parts = [] if self.options.caption is None else [self.options.caption]
        if self.selection.truncated:
            parts.append(f"(only the {len(self.selection.order)} nodes {self.nearest} are drawn)")
        return '"' + "\\n".join(escape_text(part) for part in parts) + '"' if parts else ""

    def _value_node(self, node: Value) -> None:
        i = self.index[node]
        grad = style.grad_of(node, self.options.grads)
        data = style.data_text(style.data_of(node, self.options.data))
        grad_shown = style.grad_text(grad)
        name = node.label if self.options.names is None else self.options.names.get(node, node.label)
        label = value_record(name, data, grad_shown, self.options.across)
        attrs = f'id="{ids.value_id(i)}", label={label}, {self._fill(node, grad)}'
        lit = node in self.options.highlight_nodes
        self.tree.add(node.scope, f"{ids.value_id(i)} [{attrs}{', ' + _HIGHLIGHT if lit else ''}]")
        if node.op is None:
            return
        op = f'{ids.op_id(i)} [id="{ids.op_id(i)}", label={quoted(node.op.label)}, {_OP_STYLE}'
        self.tree.add(node.scope, op + (f", {_HIGHLIGHT}]" if lit else "]"))
        self.edges.append(f'{ids.op_id(i)} -> {ids.value_id(i)} [id="{ids.output_edge_id(i)}"]')
        for position, parent in enumerate(node.parents):
            if parent in self.index:
                lit = (parent, node, position) in self.options.highlight_edges
                self._edge(parent, ids.op_id(i), self._path(node), ids.edge_id(i, position), lit)

    def _fill(self, node: Value, grad: float | None) -> str:
        bold = ", penwidth=2" if node in self.roots else ""  # the outputs stand out in every colouring
        if self.options.color_by == "grad":
            dashed = ', style="filled,dashed"' if grad is None else ""
            return f'fillcolor="{style.grad_shade(grad, self.largest)}"{dashed}{bold}'
        kind = style.kind_of(node, self.roots, self.options.inputs)
        return f'fillcolor="{style.KIND_FILL[kind]}"{bold}'

    def _group_node(self, group: Group) -> None:
        grads, data = self.options.grads, self.options.data
        rows = [
            (f"o{j}", style.data_text(style.data_of(out, data)), style.grad_text(style.grad_of(out, grads)))
            for j, out in enumerate(group.outputs)
        ]
        if self.options.names is not None and len(rows) > 1:  # name each output, as the stepper does
            rows = [(*row, self.options.names.get(out, "")) for row, out in zip(rows, group.outputs)]
        label = group_record(group.scope[-1] if self.options.names is None else ".".join(group.scope), rows)
        attrs = f'id="{group.dot_id}", label={label}, fillcolor="{style.GROUP_FILL}"'
        if any(out in self.roots for out in group.outputs):
            attrs += ", penwidth=2"
        if any(member in self.options.highlight_nodes for member in group.members):
            attrs += ", " + _HIGHLIGHT
        self.tree.add(group.scope[:-1], f"{group.dot_id} [{attrs}]")
        sources: dict[str, tuple[Value, bool]] = {}  # one edge per distinct input of the box
        for member in group.members:
            for position, parent in enumerate(member.parents):
                if parent in self.index and self.groups.get(parent) is not group:
                    lit = (parent, member, position) in self.options.highlight_edges
                    first, lit_before = sources.get(self._source(parent), (parent, False))
                    sources[self._source(parent)] = (first, lit or lit_before)
        for j, (parent, lit) in enumerate(sources.values()):
            target = f"{group.dot_id}:{_ENTER[self.options.rankdir]}"
            self._edge(parent, target, group.scope, ids.group_edge_id(group.index, j), lit)

    def _source(self, parent: Value) -> str:
        group = self.groups.get(parent)
        if group is None:
            return ids.value_id(self.index[parent])
        return f"{group.port(parent)}:{_EXIT[self.options.rankdir]}"

    def _path(self, node: Value) -> Scope:
        """The scope cluster a node is drawn in (a collapsed box stands for its whole scope)."""
        group = self.groups.get(node)
        return group.scope if group is not None else tuple(node.scope or ())

    def _edge(self, parent: Value, target: str, target_path: Scope, edge_id: str, lit: bool) -> None:
        attrs = f'id="{edge_id}"'
        source_path = self._path(parent)
        if self.options.clusters and target_path[: len(source_path)] != source_path:
            attrs += ", minlen=2"  # leaving a cluster: room so the next cluster need not share a rank
        self.edges.append(f"{self._source(parent)} -> {target} [{attrs}{', ' + _HIGHLIGHT if lit else ''}]")

    def _cut_marker(self) -> None:
        """One "more nodes" marker, with a dashed edge to each drawn node whose inputs are left out."""
        self.tree.add(None, 'more [id="more", label="… more nodes", shape=plaintext, style=""]')
        targets = dict.fromkeys(self._target(node) for node in self.selection.cut)
        for target in targets:
            self.edges.append(f"more -> {target} [style=dashed]")
        warnings.warn(
            f"the graph has more than {self.limit} nodes: drawing only the"
            f" {len(self.selection.order)} {self.nearest} (pass max_nodes=None to draw all,"
            " or collapse='neuron' / 'layer' to group them)",
            GraphTooLargeWarning,
            stacklevel=4,
        )

    def _target(self, node: Value) -> str:
        group = self.groups.get(node)
        return group.dot_id if group is not None else ids.op_id(self.index[node])

    def _legend(self) -> list[str]:
        if not self.options.legend:
            return []
        drawn = (node for node in self.index if node not in self.groups)
        found = {style.kind_of(node, self.roots, self.options.inputs) for node in drawn}
        kinds = [kind for kind in style.KIND_FILL if kind in found]
        extras = (["group"] if self.groups else []) + (
            ["highlight"] if self.options.highlight_nodes or self.options.highlight_edges else []
        )
        return style.legend_lines(kinds, self.options.color_by, extras, self.options.across)


def _walk_limit(options: DotOptions) -> int | None:
    """How many nodes to walk: ``max_nodes``, or many more when they are collapsed into boxes."""
    if options.max_nodes is None or options.collapse is None:
        return options.max_nodes
    return options.max_nodes * COLLAPSED_PER_BOX


def _largest_grad(order: list[Value], grads: Mapping[Value, float | None] | None) -> float:
    """The largest finite |grad| among the drawn nodes (the top of the ``color_by="grad"`` scale)."""
    shown = (style.grad_of(node, grads) for node in order)
    return max((abs(g) for g in shown if g is not None and math.isfinite(g)), default=0.0)
