"""The textbook sentence for each step: which rule an op's local gradient follows, in words.

Backward: upstream gradient × local gradient = this input's share; a ``+`` distributes, a ``*``
swaps its inputs, ``max`` and ReLU route. Forward: the node's value from its inputs' values. Each
op's sentence and notation are in its row of the op table (``chainrule.engine.ops``).
"""

from __future__ import annotations

from typing import Any

from chainrule.engine import Constant, Parameter
from chainrule.viz.style import format_number as fmt


def backward_rule(node: Any, index: int, local: float, names: dict[Any, str]) -> str:
    """Why the local gradient of ``node`` with respect to its input ``index`` is ``local``: the op's
    sentence from its row of the op table (``Op.explain``), filled in.

    >>> from chainrule import Value, topological_order
    >>> from chainrule.viz.steps.naming import node_names
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b
    >>> backward_rule(c, 0, -3.0, node_names(topological_order(c)))
    '* swaps its inputs: the local gradient for a is the other input, b = -3'
    """
    op, parents = node.op, node.parents
    parent = parents[index]
    other = parents[1 - index] if len(parents) == 2 else None
    template = op.explain_blocked if op.explain_blocked is not None and not local else op.explain
    if isinstance(template, tuple):
        template = template[min(index, len(template) - 1)]  # an n-ary op's last sentence serves the rest
    return (template or _NO_SENTENCE).format(
        label=op.label, input=names[parent], x=fmt(parent.data), out=fmt(node.data), local=fmt(local),
        other=names[other] if other is not None else "", other_x=fmt(other.data) if other is not None else "",
        x0=fmt(parents[0].data),
    )


_NO_SENTENCE = "{label}: its local gradient rule gives {local}"  # an op whose row has no sentence


def backward_sentence(rule: str, upstream: float, local: float, contribution: float,
                      parent_name: str, before: float) -> str:
    """The whole explanation of one step: the rule, then upstream × local = contribution.

    >>> backward_sentence("+ distributes", 2.0, 1.0, 2.0, "a", 0.0)
    '+ distributes; upstream 2 × local 1 = 2 flows into a'
    >>> backward_sentence("+ distributes", 2.0, 1.0, 2.0, "a", 2.0)
    '+ distributes; upstream 2 × local 1 = 2 flows into a, added to the 2 it already has (paths sum)'
    """
    text = (f"{rule}; upstream {fmt(upstream)} × local {fmt(local)} = {fmt(contribution)}"
            f" flows into {parent_name}")
    if before:
        text += f", added to the {fmt(before)} it already has (paths sum)"
    return text


def forward_sentence(node: Any, names: dict[Any, str]) -> str:
    """How ``node``'s value comes from its inputs (or what kind of leaf it is).

    >>> from chainrule import Value, Parameter, topological_order
    >>> from chainrule.viz.steps.naming import node_names
    >>> w, x = Parameter(-3.0, label="w"), Value(2.0, label="x")
    >>> y = w * x
    >>> names = node_names(topological_order(y))
    >>> forward_sentence(w, names), forward_sentence(y, names)
    ('parameter w = -3', 'mul#2 = w * x = -3 * 2 = -6')
    """
    name, value = names[node], fmt(node.data)
    if node.op is None:
        return f"{_leaf_kind(node)} {name} = {value}" if name != value else f"constant {value}"
    label = node.op.label
    args = [names[p] for p in node.parents]
    values = [fmt(p.data) for p in node.parents]
    notation = node.op.notation
    if notation == "infix" and len(args) == 2:
        return f"{name} = {args[0]} {label} {args[1]} = {values[0]} {label} {values[1]} = {value}"
    if notation == "suffix":
        return f"{name} = {args[0]}{label} = {values[0]}{label} = {value}"
    if notation == "prefix":
        return f"{name} = {label}{args[0]} = {label}{values[0]} = {value}"
    return f"{name} = {label}({', '.join(args)}) = {label}({', '.join(values)}) = {value}"


def _leaf_kind(node: Any) -> str:
    if isinstance(node, Parameter):
        return "parameter"
    return "constant" if isinstance(node, Constant) else "input"
