"""Recording a forward pass: every node evaluated in topological order, one step each; and forward
mode: tangents d node / d x pushed from one input x to the output, one step per chain-rule product."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chainrule.check.paths import derivative
from chainrule.engine import Value, recompute, topological_order
from chainrule.engine.forward import push_tangents
from chainrule.viz.steps import frames
from chainrule.viz.steps.explain import backward_rule, forward_sentence
from chainrule.viz.steps.frames import Lit
from chainrule.viz.steps.naming import check_root, node_names
from chainrule.viz.steps.trace import Trace
from chainrule.viz.style import format_number as fmt


@dataclass(frozen=True)
class ForwardStep:
    """One node evaluated in topological order: its inputs' values, its value, its local gradients.

    Leaves (inputs, parameters, constants) are steps too, with ``op == ""`` and no inputs.

    >>> from chainrule import Value
    >>> x = Value(3.0, label="x")
    >>> [s.explanation for s in record_forward(x * x)]
    ['input x = 3', 'mul#1 = x * x = 3 * 3 = 9']
    """

    number: int
    node_name: str
    op: str
    inputs: tuple[tuple[str, float], ...]
    data: float
    local_grads: tuple[float, ...]
    explanation: str
    node: Value = field(repr=False, compare=False)

    def named(self) -> list[str]:
        """The node names this step's row and sentence mention."""
        return [self.node_name, *(name for name, _ in self.inputs)]


class ForwardTrace(Trace):
    """The steps of one forward pass (from :func:`record_forward`).

    >>> from chainrule import Value
    >>> from chainrule.viz.steps import record_forward
    >>> x = Value(2.0, label="x")
    >>> print(record_forward((x * x).tanh()).table())
    forward pass of tanh#2: 3 nodes evaluated in topological order (inputs before the ops that use them)
    #  node    op    inputs    data   local grads  how
    1  x                          2                input x = 2
    2  mul#1   *     x=2, x=2     4   2, 2         mul#1 = x * x = 2 * 2 = 4
    3  tanh#2  tanh  mul#1=4  0.9993  0.001341     tanh#2 = tanh(mul#1) = tanh(4) = 0.9993
    """

    HEADERS = ("#", "node", "op", "inputs", "data", "local grads", "how")
    NUMERIC = (True, False, False, False, True, False, False)

    def summary(self) -> str:
        return (f"forward pass of {self.names[self.root]}: {len(self)} nodes evaluated in topological"
                " order (inputs before the ops that use them)")

    def _cells(self, step: Any) -> list[str]:
        inputs = ", ".join(f"{name}={fmt(data)}" for name, data in step.inputs)
        local = ", ".join(fmt(g) for g in step.local_grads)
        return [str(step.number), step.node_name, step.node.op.label if step.op else "", inputs,
                fmt(step.data), local, step.explanation]

    def explain(self, i: int) -> str:
        """Step ``i`` in one sentence, with the local gradients it keeps for the backward pass."""
        step = self.steps[self._index(i)]
        kept = ", ".join(fmt(g) for g in step.local_grads)
        return super().explain(i) + (f"; local gradients {kept} kept for the backward pass" if kept else "")

    SHOWS = "data"

    def start_values(self) -> dict[Any, float | None]:
        return {}  # nothing computed yet

    def sets(self, i: int) -> list[tuple[Any, float | None]]:
        return [(self.steps[i].node, self.steps[i].data)]

    def lit(self, i: int) -> Lit:
        node = self.steps[i].node
        return Lit([node], [(parent, node, k) for k, parent in enumerate(node.parents)], [])

    def layout_values(self) -> dict[Any, float | None]:
        return {step.node: frames.widest([None, step.data]) for step in self.steps}


def record_forward(root: Value) -> ForwardTrace:
    """Evaluate ``root``'s graph node by node in topological order, recording each node.

    Interior nodes are recomputed from their parents (so changed leaf ``data`` is picked up).

    >>> from chainrule import Value
    >>> x = Value(2.0, label="x")
    >>> y = (x * x).tanh()
    >>> x.data = 0.0
    >>> [s.data for s in record_forward(y)]
    [0.0, 0.0, 0.0]
    """
    check_root(root, "record_forward")
    order = topological_order(root)
    recompute(order)
    names = node_names(order)
    steps = [
        ForwardStep(
            number, names[node], node.op.name if node.op else "",
            tuple((names[p], p.data) for p in node.parents), node.data,
            tuple(float(g) for g in node.local_grads), forward_sentence(node, names), node,
        )
        for number, node in enumerate(order, start=1)
    ]
    return ForwardTrace(root, names, steps)


# --- forward mode: tangents pushed from one input, one step per chain-rule product ----------------


@dataclass(frozen=True)
class TangentStep:
    """One forward-mode chain-rule product: ``parent``'s tangent times the local gradient of
    ``node`` with respect to it, added to ``node``'s tangent (``tangent_before`` -> ``tangent_after``).

    A tangent is d node / d wrt; ``wrt``'s own tangent is 1.

    >>> from chainrule import Value
    >>> x = Value(3.0, label="x")
    >>> step = record_tangents(x * 2, x)[0]
    >>> step.parent_name, step.tangent_in, step.local, step.contribution, step.tangent_after
    ('x', 1.0, 2.0, 2.0, 2.0)
    """

    number: int
    node_name: str
    op: str
    index: int
    parent_name: str
    tangent_in: float
    local: float
    contribution: float
    tangent_before: float
    tangent_after: float
    reason: str
    explanation: str
    node: Value = field(repr=False, compare=False)
    parent: Value = field(repr=False, compare=False)

    def named(self) -> list[str]:
        """The node names this step's row and sentence mention."""
        return [self.parent_name, self.node_name]


class TangentTrace(Trace):
    """The steps of one forward-mode pass (from :func:`record_tangents`): the frames show each
    node's tangent d node / d wrt in its grad field, filled in from ``wrt`` towards the output.

    >>> from chainrule import Value
    >>> x = Value(2.0, label="x")
    >>> trace = record_tangents(x * x, x)
    >>> print(trace.table())
    forward mode d/dx of mul#1: 2 chain-rule steps (tangent in × local = contribution, ...); d(mul#1)/dx = 4
    #  input  tangent in  local  contribution  node   op  before  after  why
    1  x               1      2             2  mul#1  *        0      2  * swaps its inputs: ...
    2  x               1      2             2  mul#1  *        2      4  * swaps its inputs: ...
    """

    HEADERS = ("#", "input", "tangent in", "local", "contribution", "node", "op", "before", "after", "why")
    NUMERIC = (True, False, True, True, True, False, False, True, True, False)
    NAME_COLUMNS = (1, 5)

    def __init__(self, root: Any, names: dict[Any, str], steps: list[Any], wrt: Value,
                 tangents: dict[Any, float]) -> None:
        super().__init__(root, names, steps)
        self.wrt = wrt
        self.tangents = tangents  # every node's final tangent (absent: does not depend on wrt)
        self.draw_options["caption"] = f"forward mode: grad shows each node's tangent d node/d{self.wrt_name}"

    @property
    def wrt_name(self) -> str:
        """The name of the input the tangents are taken with respect to."""
        return self.names.get(self.wrt) or self.wrt.label or "wrt"

    @property
    def result(self) -> float:
        """d root / d wrt: the root's tangent at the end of the pass (0.0 if it does not depend on wrt)."""
        return self.tangents.get(self.root, 0.0)

    def summary(self) -> str:
        root, wrt = self.names[self.root], self.wrt_name
        if not self.steps:
            why = "it is the input itself" if self.root is self.wrt else f"it does not depend on {wrt}"
            return (f"forward mode d/d{wrt} of {root}: no chain-rule steps ({why});"
                    f" {derivative(root, wrt)} = {fmt(self.result)}")
        steps = "1 chain-rule step" if len(self) == 1 else f"{len(self)} chain-rule steps"
        return (f"forward mode d/d{wrt} of {root}: {steps} (tangent in × local = contribution, added to the"
                f" node's tangent); {derivative(root, wrt)} = {fmt(self.result)}")

    def _cells(self, step: Any) -> list[str]:
        numbers = (step.tangent_in, step.local, step.contribution)
        return [str(step.number), step.parent_name, *map(fmt, numbers), step.node_name, step.node.op.label,
                fmt(step.tangent_before), fmt(step.tangent_after), step.reason]

    def tangents_after(self, i: int) -> dict[Any, float]:
        """Every tangent known after step ``i`` (``wrt``'s 1 from the start; nodes not reached: absent)."""
        known = {self.wrt: 1.0}
        for step in self.steps[: self._index(i) + 1]:
            known[step.node] = step.tangent_after
        return known

    def start_values(self) -> dict[Any, float | None]:
        return {self.wrt: 1.0}  # the seed: d wrt / d wrt

    def sets(self, i: int) -> list[tuple[Any, float | None]]:
        return [(self.steps[i].node, self.steps[i].tangent_after)]

    def lit(self, i: int) -> Lit:
        step = self.steps[i]
        return Lit([step.node], [(step.parent, step.node, step.index)], [step.node])

    def layout_values(self) -> dict[Any, float | None]:
        shown: dict[Any, list[float | None]] = {self.wrt: [1.0]}
        for step in self.steps:
            shown.setdefault(step.node, [None]).append(step.tangent_after)
        return {node: frames.widest(values) for node, values in shown.items()}


def record_tangents(root: Value, wrt: Value) -> TangentTrace:
    """Forward mode, recorded: push tangents d node / d ``wrt`` from ``wrt`` to ``root`` in
    topological order, one step per product (tangent in × local = contribution). The local
    gradients are the op table's, as in backward; no ``grad`` is changed.

    The root's final tangent equals ``wrt.grad`` after ``root.backward()``.

    >>> from chainrule import Value
    >>> x, y = Value(2.0, label="x"), Value(-3.0, label="y")
    >>> z = x * y + x
    >>> trace = record_tangents(z, x)
    >>> [(s.parent_name, s.node_name, s.contribution) for s in trace], trace.result
    ([('x', 'mul#2', -3.0), ('mul#2', 'add#3', -3.0), ('x', 'add#3', 1.0)], -2.0)
    """
    check_root(root, "record_tangents")
    if not isinstance(wrt, Value):
        raise TypeError(f"record_tangents: wrt must be a Value (an input of the graph),"
                        f" got {type(wrt).__name__}")
    order = topological_order(root)
    names = node_names(order)
    if wrt not in names:
        names[wrt] = wrt.label or "wrt"
    steps: list[TangentStep] = []

    def on_step(node: Value, index: int, parent: Value, tangent_in: float, local: float,
                contribution: float, before: float) -> None:
        tangent_in, local, contribution, before = map(float, (tangent_in, local, contribution, before))
        reason = tangent_rule(node, index, local, names)
        steps.append(TangentStep(
            len(steps) + 1, names[node], node.op.name, index, names[parent], tangent_in, local, contribution,
            before, before + contribution, reason,
            tangent_sentence(reason, tangent_in, local, contribution, names[parent], names[node], before),
            node, parent,
        ))

    tangents = push_tangents(order, wrt, on_step)
    return TangentTrace(root, names, steps, wrt, tangents)


def tangent_rule(node: Value, index: int, local: float, names: dict[Any, str]) -> str:
    """Why the local gradient on one edge is what it is, said for forward mode (a sum passes each
    input's tangent on unchanged; other ops as in backward).

    >>> from chainrule import Value, topological_order
    >>> from chainrule.viz.steps.naming import node_names
    >>> a = Value(2.0, label="a")
    >>> b = a + 1
    >>> tangent_rule(b, 0, 1.0, node_names(topological_order(b)))
    "+ adds: local 1, so a's tangent passes into add#2's tangent unchanged"
    """
    name, parent, child = node.op.name, names[node.parents[index]], names[node]
    if name in ("add", "sum") or (name == "sub" and index == 0):
        return f"{node.op.label} adds: local 1, so {parent}'s tangent passes into {child}'s tangent unchanged"
    if name == "sub":
        return f"- subtracts: local -1, so {parent}'s tangent enters {child}'s tangent with its sign flipped"
    return backward_rule(node, index, local, names)


def tangent_sentence(reason: str, tangent_in: float, local: float, contribution: float, parent_name: str,
                     node_name: str, before: float) -> str:
    """One forward-mode step in words: the local rule, then tangent in × local = contribution.

    >>> tangent_sentence("+ distributes", 2.0, 1.0, 2.0, "a", "b", 0.0)
    "+ distributes; a's tangent 2 × local 1 = 2 flows into b's tangent"
    >>> tangent_sentence("+ distributes", 2.0, 1.0, 2.0, "a", "b", 3.0)
    "+ distributes; a's tangent 2 × local 1 = 2 flows into b's tangent, added to the 3 it already has ..."
    """
    text = (f"{reason}; {parent_name}'s tangent {fmt(tangent_in)} × local {fmt(local)} = {fmt(contribution)}"
            f" flows into {node_name}'s tangent")
    if before:
        text += f", added to the {fmt(before)} it already has (paths sum)"
    return text
