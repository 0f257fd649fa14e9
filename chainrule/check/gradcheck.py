"""Gradient checking: analytic gradients against numeric ones, on the already-built graph.

For each input x the numeric gradient comes from :mod:`chainrule.check.numeric`: centred differences
(f(x + h) - f(x - h)) / 2h at h = eps * max(1, |x|), then h/4, h/16, ..., combined by Richardson
extrapolation, with an error estimate. So the step follows the function (the curvature of cos at
x = 30,000, the domain of log near 0), not |x| alone, and the verdict is judged against that error
estimate: a disagreement inside it is never called wrong, and an estimate too uncertain to judge
says so. If x ± h rounds to x (a tiny ``eps``), the row is "undefined" with a note.

f is called once. Each input is then perturbed in place and only the nodes downstream of it are
re-run (``recompute`` over that slice of the topological order): a few re-evaluations per input.
Afterwards every node's data, local gradients and grad are exactly as before.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from typing import Any

from chainrule.check.gradcheck_inputs import (
    as_input,
    call_checked,
    check_eps,
    input_list,
    input_names,
    named_parameters,
    sampled,
    step_size,
    unique,
)
from chainrule.check.gradcheck_report import (
    GradcheckError,
    GradcheckReport,
    GradcheckRow,
    judge,
    relative_error,
)
from chainrule.check.numeric import derivative
from chainrule.engine.functions import grad
from chainrule.engine.graph import recompute, topological_order
from chainrule.engine.modes import detect_anomaly, nan_on_domain_error
from chainrule.engine.value import Value

__all__ = ["DEFAULT_ATOL", "DEFAULT_EPS", "GradcheckError", "GradcheckReport", "GradcheckRow",
           "check_eps", "check_graph", "gradcheck", "gradcheck_parameters"]

DEFAULT_EPS = 1e-3  # the first (largest) step; Richardson extrapolation walks down from it
DEFAULT_ATOL = 1e-8  # a gradient this close to the numeric one is good whatever the relative error


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Value | float],
    eps: float = DEFAULT_EPS,
    atol: float = DEFAULT_ATOL,
    raise_on_failure: bool = False,
) -> GradcheckReport:
    """Check d f / d input for every input against a numeric estimate (steps from eps * max(1, |x|) down).

    ``f(*values)`` must return one scalar Value. Numbers in ``inputs`` become fresh Values; Values
    are used as they are (and left as they were). Rows are named by label, else by f's parameter
    names, else x0, x1, ...

    >>> from chainrule import Value
    >>> report = gradcheck(lambda x, y: (x * y).tanh(), [0.5, Value(-1.5, label="w")])
    >>> report.ok, [row.name for row in report]
    (True, ['x', 'w'])
    >>> gradcheck(lambda x: x.relu(), [0.0])["x"].band
    'kink'
    """
    check_eps(eps, atol)
    inputs = input_list(inputs)
    names = unique(getattr(x, "label", "") or n for x, n in zip(inputs, input_names(f, len(inputs))))
    values = [as_input(x, name) for x, name in zip(inputs, names)]
    report = check_graph(call_checked(f, values), values, names, eps, atol)
    if raise_on_failure:
        report.raise_if_failed()
    return report


def gradcheck_parameters(
    loss_fn: Callable[[], Value],
    parameters: Any,  # a Module, Values, a dict name -> Value, or (name, Value) pairs
    sample: int | None = None,
    seed: int | random.Random = 0,
    eps: float = DEFAULT_EPS,
    atol: float = DEFAULT_ATOL,
    raise_on_failure: bool = False,
) -> GradcheckReport:
    """Check a model's loss gradient for each parameter (or a random ``sample`` of them).

    ``loss_fn()`` builds the loss from the parameters' current data. ``parameters`` is a model
    (anything with ``named_parameters()``, such as a chainrule.nn Module: rows get its dotted
    names), a list of Values, a dict name -> Value, or (name, Value) pairs. Sampling uses
    ``random.Random(seed)`` (never the global generator), so the same seed picks the same parameters.

    >>> from chainrule import Parameter
    >>> w = [Parameter(0.5, label="w0"), Parameter(-0.3, label="w1")]
    >>> report = gradcheck_parameters(lambda: (w[0] * 2.0 + w[1] * 3.0).tanh() ** 2, w)
    >>> report.ok, len(report)
    (True, 2)
    """
    check_eps(eps, atol)
    named = sampled(named_parameters(parameters), sample, seed)
    root = call_checked(loss_fn, [])
    report = check_graph(root, [p for _, p in named], [n for n, _ in named], eps, atol)
    if raise_on_failure:
        report.raise_if_failed()
    return report


def check_graph(root: Value, inputs: Sequence[Value], names: Sequence[str], eps: float = DEFAULT_EPS,
                atol: float = DEFAULT_ATOL) -> GradcheckReport:
    """Check an already-built graph: d root / d input for each input, restoring the graph after.

    >>> from chainrule import Value
    >>> x = Value(3.0); y = x * x
    >>> check_graph(y, [x], ["x"])["x"].analytic, y.data
    (6.0, 9.0)
    """
    order = topological_order(root)
    analytic = [float(g) for g in grad(root, inputs)]
    graph = _Graph(root, order, eps, atol)
    try:
        # an op undefined at x ± h gives NaN, even in anomaly mode: a smaller step or an "undefined" row
        with nan_on_domain_error(), detect_anomaly(False):
            rows = tuple(graph.row(x, name, a) for x, name, a in zip(inputs, names, analytic))
    finally:
        graph.restore(order)
    return GradcheckReport(rows, graph.output, eps, atol)


class _Graph:
    """The graph under check: re-evaluates it with one input moved, and judges that input."""

    def __init__(self, root: Value, order: list[Value], eps: float, atol: float) -> None:
        self.root, self.order, self.eps, self.atol = root, order, eps, atol
        self.output = root.data
        self.position = {node: i for i, node in enumerate(order)}
        self.saved = [node.data for node in order]

    def row(self, x: Value, name: str, analytic: float) -> GradcheckRow:
        downstream = self.downstream(x)
        branchy = [n for n in downstream if n.op is not None and n.op.branch is not None]
        value = x.data

        def probe(t: float) -> tuple[float, tuple[Any, ...]]:
            return self.evaluate(x, t, downstream, branchy, name)

        try:
            estimate = derivative(probe, value, step_size(value, self.eps))
        finally:
            x.data = value
            self.restore(downstream)
        numeric = estimate.value
        flipped = [self.describe(n) for n, a, b in zip(branchy, *estimate.kink or ((), ())) if a != b]
        band, note = judge(analytic, numeric, self.atol, math.isfinite(self.output), ", ".join(flipped[:3]),
                           estimate.zero_step, estimate.error, estimate.one_sided)
        return GradcheckRow(name, value, analytic, numeric, abs(analytic - numeric),
                            relative_error(analytic, numeric), band, note, estimate.error)

    def downstream(self, x: Value) -> list[Value]:
        """The nodes after ``x`` in topological order that depend on it: all that moves with x."""
        moved = {x}
        out = []
        for node in self.order[self.position.get(x, len(self.order)) + 1:]:
            if any(parent in moved for parent in node.parents):
                moved.add(node)
                out.append(node)
        return out

    def evaluate(self, x: Value, data: float, downstream: list[Value], branchy: list[Value],
                 name: str) -> tuple[float, tuple[Any, ...]]:
        """f with ``x.data = data``, and which side of its kink each branching node is on."""
        x.data = data
        try:
            recompute(downstream)
            sides = tuple(n.op.branch(*(p.data for p in n.parents)) for n in branchy)  # type: ignore
        except Exception as exc:
            exc.add_note(f"(raised while gradcheck re-evaluated the graph with {name} = {data!r})")
            raise
        return self.root.data, sides

    def restore(self, nodes: list[Value]) -> None:
        """Put back the data these nodes had when the check began."""
        for node in nodes:
            node.data = self.saved[self.position[node]]

    def describe(self, node: Value) -> str:
        name = node.op.name if node.op is not None else "leaf"
        where = f"{name} {node.label!r}" if node.label else f"{name} #{self.position[node]}"
        return f"{where} (x ± h crosses its pole)" if getattr(node.op, "crossing", None) == "pole" else where
