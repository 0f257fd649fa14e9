"""How nodes look: number format, the colour of each kind of node, gradient shading, the legend.

Kinds of value node, and their fill colour (the legend shows the same table):

========== ================================================ =========
kind       what it is                                       fill
========== ================================================ =========
output     the root: the Value you drew (or each of them)   red
leaf       a Value you made yourself (``Value(2.0)``)       blue
input      a leaf passed in ``inputs=`` (data, not weights)  yellow
parameter  a :class:`chainrule.Parameter` (learnable)       green
constant   a number inside a formula (the ``2`` in ``2*x``)  grey
(none)     an intermediate result of an op                  white
========== ================================================ =========

Op nodes are small grey ellipses; a collapsed neuron or layer is a violet box; highlighted nodes
and edges (the stepper's active step) have a thick orange outline. ``grad —`` means that no
backward pass reached the node (it is not 0).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any

from chainrule.engine import NOT_COMPUTED, Constant, Parameter, Value
from chainrule.engine.naming import format_number
from chainrule.viz.labels import record_field

NOT_COMPUTED_TEXT = "—"
KIND_FILL = {
    "output": "#fca5a5", "leaf": "#bfdbfe", "input": "#fde68a",
    "parameter": "#bbf7d0", "constant": "#e5e7eb", "interior": "#ffffff",
}
KIND_MEANING = {
    "output": "output (the root)", "leaf": "leaf (a Value you made)", "input": "input (inputs=)",
    "parameter": "parameter (learnable)", "constant": "constant (a number)",
    "interior": "intermediate result",
}
OP_FILL = "#f3f4f6"
GROUP_FILL = "#ddd6fe"
HIGHLIGHT = "#ea580c"
HIGHLIGHT_ATTRS = f'color="{HIGHLIGHT}", penwidth=3'  # the DOT attributes of a highlighted node or edge
EDGE_COLOUR = "#6b7280"
NO_GRAD_FILL = "#f3f4f6"
_SHADE_TOP = (0xA7, 0x8B, 0xFA)  # violet: the largest |grad| in the picture


def grad_of(node: Value, grads: Mapping[Value, Any] | None) -> float | None:
    """The gradient to show for ``node`` as a float, or None when it was never computed.

    With ``grads`` given, it overrides the node's own ``grad`` (a missing key means not computed).

    >>> from chainrule import Value
    >>> x = Value(1.0)
    >>> grad_of(x, None), grad_of(x, {x: 0.5}), grad_of(x, {})
    (None, 0.5, None)
    """
    if grads is None:
        grad = node.grad if node.has_grad else None
    else:
        grad = grads.get(node)
        if grad is NOT_COMPUTED:
            grad = None
    if isinstance(grad, Value):  # backward(create_graph=True) leaves Values in .grad
        grad = grad.data
    return None if grad is None else float(grad)


def grad_text(grad: float | None) -> str:
    """How a gradient reads in a node: a number, or ``—`` when never computed."""
    return NOT_COMPUTED_TEXT if grad is None else format_number(grad)


def data_of(node: Value, data: Mapping[Value, Any] | None) -> float | None:
    """The value to show as ``node``'s data, or None for not computed (yet).

    With ``data`` given, it overrides the node's own ``data`` (a missing key or None means not
    computed), e.g. the values filled in up to one step of a forward pass.

    >>> from chainrule import Value
    >>> x = Value(2.0)
    >>> data_of(x, None), data_of(x, {x: 0.5}), data_of(x, {})
    (2.0, 0.5, None)
    """
    value = node.data if data is None else data.get(node)
    if isinstance(value, Value):
        value = value.data
    return None if value is None else float(value)


def data_text(value: float | None) -> str:
    """How a node's data reads: a number, or ``—`` when not computed yet. ``data_text(None) == '—'``"""
    return NOT_COMPUTED_TEXT if value is None else format_number(value)


def kind_of(node: Value, roots: Collection[Value], inputs: Collection[Value]) -> str:
    """Which kind of node this is, for its colour (see the table in this module's docstring);
    ``roots`` are the outputs drawn.

    >>> from chainrule import Parameter, Value
    >>> w, x = Parameter(0.5), Value(2.0)
    >>> y = w * x
    >>> [kind_of(n, {y}, {x}) for n in (y, w, x, y.parents[1])]
    ['output', 'parameter', 'input', 'input']
    """
    if node in roots:
        return "output"
    if node in inputs:
        return "input"
    if node.parents:
        return "interior"
    if isinstance(node, Parameter):
        return "parameter"
    if isinstance(node, Constant):
        return "constant"
    return "leaf"


def grad_shade(grad: float | None, largest: float) -> str:
    """Fill colour for ``color_by="grad"``: white for 0, violet for ``largest`` (the largest finite
    |grad| in the picture) and for inf / nan, light grey for a gradient never computed.

    >>> grad_shade(0.0, 2.0), grad_shade(-2.0, 2.0), grad_shade(None, 2.0)
    ('#ffffff', '#a78bfa', '#f3f4f6')
    """
    if grad is None:
        return NO_GRAD_FILL
    if not math.isfinite(grad):
        share = 1.0
    else:
        share = min(abs(grad) / largest, 1.0) if largest > 0 else 0.0
    channels = (round(255 + (top - 255) * share) for top in _SHADE_TOP)
    return "#" + "".join(f"{c:02x}" for c in channels)


def legend_lines(kinds: list[str], color_by: str, extras: list[str], across: bool) -> list[str]:
    """DOT lines of a small legend cluster, its entries in one row: the node kinds present, op nodes,
    and ``extras`` (``"group"``, ``"highlight"``)."""
    entries = [(f"legend_{k}", KIND_MEANING[k], f'fillcolor="{KIND_FILL[k]}"') for k in kinds]
    if color_by == "grad":
        entries = [
            ("legend_small", "|grad| near 0", 'fillcolor="#ffffff"'),
            ("legend_large", "largest |grad|", f'fillcolor="{grad_shade(1.0, 1.0)}"'),
        ]
    entries.append(("legend_op", "op", f'shape=ellipse, fillcolor="{OP_FILL}"'))
    no_grad = 'fillcolor="#ffffff"'
    if color_by == "grad":
        no_grad = f'fillcolor="{NO_GRAD_FILL}", style="filled,dashed"'
    entries.append(("legend_nograd", f"grad {NOT_COMPUTED_TEXT} = never computed", no_grad))
    if "group" in extras:
        entries.append(("legend_group", "collapsed scope", f'fillcolor="{GROUP_FILL}"'))
    if "highlight" in extras:
        look = f'fillcolor="#ffffff", color="{HIGHLIGHT}", penwidth=3'
        entries.append(("legend_highlight", "highlighted", look))
    lines = ["subgraph cluster_legend {", f'\tgraph [label="legend", {LEGEND_STYLE}]']
    for name, text, look in entries:
        lines.append(f'\t{name} [label="{record_field(text)}", {look}]')  # a record, like the nodes
    names = [name for name, _, _ in entries]
    if across:  # left to right, a chain of invisible edges puts the entries in one row
        lines.append(f"\t{' -> '.join(names)} [style=invis]")
    else:
        lines.append(f"\t{{rank=same; {'; '.join(names)}}}")
    return [*lines, "}"]


LEGEND_STYLE = 'style="rounded", color="#9ca3af", fontcolor="#4b5563", fontsize=9'
