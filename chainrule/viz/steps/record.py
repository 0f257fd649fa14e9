"""Recording a pass: one step per chain-rule application (backward) or per node evaluated (forward).

The backward recorder hooks the engine's one chain-rule function (``backpropagate``'s ``on_step``),
so a recorded pass computes exactly the gradients a plain ``backward()`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chainrule.engine import Value, backpropagate, recompute, topological_order
from chainrule.viz.steps.explain import RULES, backward_rule, backward_sentence, forward_sentence
from chainrule.viz.steps.naming import node_names
from chainrule.viz.steps.trace import BackwardTrace, ForwardTrace


@dataclass(frozen=True)
class BackwardStep:
    """One chain-rule application: ``node``'s gradient flows into its input ``parent``.

    ``contribution = local * upstream`` is added to the parent's gradient, taking it from
    ``grad_before`` to ``grad_after``. ``rule`` names the pattern (``"distribute"``, ``"swap"``,
    ``"route"``, ``"negate"`` or ``"chain"``), ``reason`` says why the local gradient is what it
    is, and ``explanation`` is the whole step in words.

    >>> from chainrule import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> step = record_backward(a * b).steps[0]
    >>> step.parent_name, step.upstream, step.local, step.contribution, step.rule
    ('a', 1.0, -3.0, -3.0, 'swap')
    """

    number: int
    node_name: str
    op: str
    node_data: float
    upstream: float
    index: int
    parent_name: str
    parent_data: float
    local: float
    contribution: float
    grad_before: float
    grad_after: float
    rule: str
    reason: str
    explanation: str
    node: Value = field(repr=False, compare=False)
    parent: Value = field(repr=False, compare=False)


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


def record_backward(root: Value) -> BackwardTrace:
    """Run ``root.backward()``'s chain rule and record every application, in order.

    The gradients it leaves are those of a plain ``root.backward()`` (leaf gradients accumulate
    across calls, as there; see :func:`step_through` for a fresh start).

    >>> from chainrule import Value
    >>> a = Value(3.0, label="a")
    >>> trace = record_backward(a + a)
    >>> [(s.grad_before, s.grad_after) for s in trace], a.grad
    ([(0.0, 1.0), (1.0, 2.0)], 2.0)
    """
    _check_root(root, "record_backward")
    order = topological_order(root)
    names = node_names(order)
    # what the frames show before any step: the seed, and leaf gradients kept from earlier passes
    shown = {node: float(node.grad) for node in order if not node.parents and node.has_grad}
    shown[root] = 1.0 if root.parents else float(root.grad) + 1.0
    steps: list[BackwardStep] = []

    def on_step(node: Value, index: int, parent: Value, upstream: Any, local: Any,
                contribution: Any, before: Any) -> None:
        upstream, local, contribution, before = (float(x) for x in (upstream, local, contribution, before))
        reason = backward_rule(node, index, local, names)
        steps.append(BackwardStep(
            len(steps) + 1, names[node], node.op.name, node.data, upstream, index,
            names[parent], parent.data, local, contribution, before, float(parent.grad),
            RULES.get(node.op.name, "chain"), reason,
            backward_sentence(reason, upstream, local, contribution, names[parent], before),
            node, parent,
        ))

    backpropagate(order, on_step=on_step)
    return BackwardTrace(root, names, steps, shown)


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
    _check_root(root, "record_forward")
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


def step_through(root: Value) -> BackwardTrace:
    """A backward lesson from scratch: clear earlier gradients, then :func:`record_backward`.

    >>> from chainrule import Value
    >>> x = Value(3.0, label="x")
    >>> (x * 2).backward()
    >>> trace = step_through(x * 2)
    >>> trace[0].grad_before, x.grad
    (0.0, 2.0)
    """
    _check_root(root, "step_through")
    root.zero_grad()
    return record_backward(root)


def _check_root(root: Any, where: str) -> None:
    if not isinstance(root, Value):
        raise TypeError(f"{where} needs a Value (the output of a formula), got {type(root).__name__}")
