"""Recording a forward pass: every node evaluated in topological order, one step each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chainrule.engine import Value, recompute, topological_order
from chainrule.viz.steps import frames
from chainrule.viz.steps.explain import forward_sentence
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
