"""Recording a backward pass: one step per chain-rule application.

The recorder hooks the engine's one chain-rule function (``backpropagate``'s ``on_step``), so a
recorded pass computes exactly the gradients a plain ``backward()`` does.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chainrule.engine import Constant, Value, backpropagate, topological_order
from chainrule.engine.anomaly import anomaly_hook
from chainrule.viz.steps import frames
from chainrule.viz.steps.explain import backward_rule, backward_sentence
from chainrule.viz.steps.naming import check_root, node_names
from chainrule.viz.steps.trace import Trace
from chainrule.viz.style import format_number as fmt


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


class BackwardTrace(Trace):
    """The steps of one backward pass (from :func:`record_backward`).

    >>> from chainrule import Value
    >>> from chainrule.viz.steps import record_backward
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> print(record_backward(a * b).table())
    backward pass of mul#2: 2 chain-rule steps (contribution = upstream × local, added to the input's grad)
    #  node   op  upstream  local  contribution  input  before  after  why
    1  mul#2  *          1     -3            -3  a           0     -3  * swaps its inputs: ...
    2  mul#2  *          1      2             2  b           0      2  * swaps its inputs: ...
    """

    HEADERS = ("#", "node", "op", "upstream", "local", "contribution", "input", "before", "after", "why")
    NUMERIC = (True, False, False, True, True, True, False, True, True, False)

    def __init__(self, root: Any, names: dict[Any, str], steps: list[Any], seeded: dict[Any, float],
                 left_out: int = 0):
        super().__init__(root, names, steps)
        self.seeded = seeded  # gradients shown before the first step: the root's seed 1, kept leaf grads
        self.left_out = left_out  # steps into constants applied but not recorded (constants=False)

    def summary(self) -> str:
        name = self.names[self.root]
        skipped = f", {self.left_out} into constants left out" if self.left_out else ""
        if not self.steps:
            return f"backward pass of {name}: no chain-rule steps{skipped or ' (the root is a leaf)'}"
        steps = "1 chain-rule step" if len(self) == 1 else f"{len(self)} chain-rule steps"
        return (f"backward pass of {name}: {steps}{skipped}"
                " (contribution = upstream × local, added to the input's grad)")

    def _cells(self, step: Any) -> list[str]:
        why = step.reason + (f"; paths sum: {fmt(step.grad_before)} + {fmt(step.contribution)}"
                             if step.grad_before else "")
        return [str(step.number), step.node_name, step.node.op.label, fmt(step.upstream), fmt(step.local),
                fmt(step.contribution), step.parent_name, fmt(step.grad_before), fmt(step.grad_after), why]

    def grads_after(self, i: int) -> dict[Any, float]:
        """Every gradient known after step ``i`` (nodes not reached yet are absent: not computed)."""
        grads = dict(self.seeded)
        for step in self.steps[: self._index(i) + 1]:
            grads[step.parent] = step.grad_after
        return grads

    def _frame_options(self, i: int) -> dict[str, Any]:
        step = self.steps[i]
        return {"highlight_nodes": {step.node}, "highlight_edges": {(step.parent, step.node, step.index)},
                "grads": self.grads_after(i)}

    def _layout_options(self) -> dict[str, Any]:
        shown: dict[Any, list[float | None]] = {node: [grad] for node, grad in self.seeded.items()}
        for step in self.steps:
            shown.setdefault(step.parent, [None]).append(step.grad_after)
        return {"grads": {node: frames.widest(grads) for node, grads in shown.items()}}


def record_backward(root: Value, *, constants: bool = True) -> BackwardTrace:
    """Run ``root.backward()``'s chain rule and record every application, in order.

    The gradients it leaves are those of a plain ``root.backward()`` (leaf gradients accumulate
    across calls, as there; see :func:`step_through` for a fresh start). ``constants=False`` leaves
    out of the record the steps into a :class:`~chainrule.Constant` (the ``2`` of ``2 * x``): the
    engine still applies them, the frames show those constants' gradients as not computed, and the
    kept steps are numbered 1, 2, ...

    >>> from chainrule import Value
    >>> a = Value(3.0, label="a")
    >>> trace = record_backward(a + a)
    >>> [(s.grad_before, s.grad_after) for s in trace], a.grad
    ([(0.0, 1.0), (1.0, 2.0)], 2.0)
    >>> [s.parent_name for s in record_backward(2 * a, constants=False)]
    ['a']
    """
    check_root(root, "record_backward")
    _check_flag(constants, "record_backward")
    order = topological_order(root)
    names = node_names(order)
    # what the frames show before any step: the seed, and leaf gradients kept from earlier passes
    shown = {node: float(node.grad) for node in order
             if not node.parents and node.has_grad and (constants or not isinstance(node, Constant))}
    shown[root] = 1.0 if root.parents else float(root.grad) + 1.0
    steps: list[BackwardStep] = []
    left_out = 0

    check = anomaly_hook()  # under detect_anomaly(), stop where plain backward() would

    def on_step(node: Value, index: int, parent: Value, upstream: Any, local: Any,
                contribution: Any, before: Any) -> None:
        nonlocal left_out
        if check is not None:
            check(node, index, parent, upstream, local, contribution, before)
        if not constants and isinstance(parent, Constant):
            left_out += 1
            return
        upstream, local, contribution, before = (float(x) for x in (upstream, local, contribution, before))
        reason = backward_rule(node, index, local, names)
        steps.append(BackwardStep(
            len(steps) + 1, names[node], node.op.name, node.data, upstream, index,
            names[parent], parent.data, local, contribution, before, float(parent.grad),
            node.op.rule, reason,
            backward_sentence(reason, upstream, local, contribution, names[parent], before),
            node, parent,
        ))

    backpropagate(order, on_step=on_step)
    return BackwardTrace(root, names, steps, shown, left_out)


def step_through(root: Value, *, constants: bool = True) -> BackwardTrace:
    """A backward lesson from scratch: clear earlier gradients, then :func:`record_backward`
    (``constants=False``: without the steps into constants).

    >>> from chainrule import Value
    >>> x = Value(3.0, label="x")
    >>> (x * 2).backward()
    >>> trace = step_through(x * 2)
    >>> trace[0].grad_before, x.grad
    (0.0, 2.0)
    >>> len(trace), len(step_through(x * 2, constants=False)), x.grad
    (2, 1, 2.0)
    """
    check_root(root, "step_through")
    _check_flag(constants, "step_through")
    root.zero_grad()
    return record_backward(root, constants=constants)


def _check_flag(constants: Any, caller: str) -> None:
    if not isinstance(constants, bool):
        raise TypeError(f"{caller}: constants must be True or False, got {type(constants).__name__}")
