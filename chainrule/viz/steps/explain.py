"""The textbook sentence for each step: which rule an op's local gradient follows, in words.

Backward: upstream gradient × local gradient = this input's share; a ``+`` distributes, a ``*``
swaps its inputs, ``max`` and ReLU route. Forward: the node's value from its inputs' values.
"""

from __future__ import annotations

from typing import Any

from chainrule.engine import Constant, Parameter
from chainrule.viz.style import format_number as fmt

# op name -> rule name; anything not listed applies its derivative formula ("chain")
RULES = {
    "add": "distribute", "sum": "distribute", "sub": "distribute",
    "mul": "swap", "neg": "negate",
    "relu": "route", "max": "route", "abs": "route", "select": "route",
}


def backward_rule(node: Any, index: int, local: float, names: dict[Any, str]) -> str:
    """Why the local gradient of ``node`` with respect to its input ``index`` is ``local``.

    >>> from chainrule import Value, topological_order
    >>> from chainrule.viz.steps.naming import node_names
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b
    >>> backward_rule(c, 0, -3.0, node_names(topological_order(c)))
    '* swaps its inputs: the local gradient for a is the other input, b = -3'
    """
    parent, out = node.parents[index], node.data
    x, p, loc = fmt(parent.data), names[parent], fmt(local)
    name = node.op.name
    if name in ("add", "sum"):
        return f"{node.op.label} distributes: local 1, so {p} gets the upstream gradient unchanged"
    if name == "sub":
        return ("- distributes: local +1 to the first input" if index == 0
                else "- distributes with a sign flip: local -1 to the subtracted input")
    if name == "mul":
        other = node.parents[1 - index]
        return (f"* swaps its inputs: the local gradient for {p} is the other input,"
                f" {names[other]} = {fmt(other.data)}")
    if name in ("relu", "max"):
        return _route(node.op.label, p, x, local)
    if name == "select":
        return _select(p, local, node.parents[0].data, index == 0)
    if name == "abs":
        return f"abs routes by sign: local = sign({x}) = {loc}"
    if name == "neg":
        return "negation flips the sign: local -1"
    if name == "div":
        b = names[node.parents[1]]
        return (f"/ : local = 1 / {b} = {loc}" if index == 0
                else f"/ : local = -output / {b} = -{fmt(out)} / {fmt(node.parents[1].data)} = {loc}")
    formula = _FORMULAS.get(name)
    if formula is None:
        return f"{node.op.label}: its local gradient rule gives {loc}"
    return formula.format(label=node.op.label, x=x, out=fmt(out), local=loc)


_FORMULAS = {
    "exp": "exp: local = exp(x) = the output {out}",
    "log": "log: local = 1 / x = 1 / {x} = {local}",
    "tanh": "tanh: local = 1 - tanh² = 1 - {out}² = {local}",
    "sigmoid": "σ: local = σ(1 - σ) = {out} × (1 - {out}) = {local}",
    "sin": "sin: local = cos(x) = cos({x}) = {local}",
    "cos": "cos: local = -sin(x) = -sin({x}) = {local}",
    "pow": "power rule x{label}: local = k·x^(k-1) at x = {x} is {local}",
    "rpow": "{label}x: local = output × ln(base) = {local}",
}


def _route(label: str, p: str, x: str, local: float) -> str:
    if label == "max":
        won = "is the larger input, so it gets the whole gradient" if local else "lost, so it gets none"
        return f"max routes: {p} = {x} {won} (local {fmt(local)})"
    if local:
        return f"ReLU routes: its input {x} > 0, so the gradient passes (local 1)"
    return f"ReLU routes: its input {x} <= 0, so the gradient is blocked (local 0)"


def _select(p: str, local: float, index: float, is_index: bool) -> str:
    if is_index:
        return f"select: the index {fmt(index)} only picks an option, so {p} gets local 0"
    if local:
        return f"select routes: {p} is the option index {fmt(index)} picks, so it gets the gradient (local 1)"
    return f"select routes: the index {fmt(index)} picks another option, so {p} gets none (local 0)"


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
    if node.op.name in ("add", "sub", "mul", "div") and len(args) == 2:
        return f"{name} = {args[0]} {label} {args[1]} = {values[0]} {label} {values[1]} = {value}"
    if node.op.name == "pow":
        return f"{name} = {args[0]}{label} = {values[0]}{label} = {value}"
    if node.op.name == "rpow":
        return f"{name} = {label}{args[0]} = {label}{values[0]} = {value}"
    return f"{name} = {label}({', '.join(args)}) = {label}({', '.join(values)}) = {value}"


def _leaf_kind(node: Any) -> str:
    if isinstance(node, Parameter):
        return "parameter"
    return "constant" if isinstance(node, Constant) else "input"
