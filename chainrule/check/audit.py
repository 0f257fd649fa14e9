"""Per-node audit: check each op node's local gradients against its op's own forward.

For a node ``y = op(x_0, ..., x_k)`` the rule ``op.local_grads`` claims dy/dx_i. The audit estimates
each partial numerically from ``op.forward`` at the node's input data (Richardson-extrapolated
centred differences from step eps * max(1, |x|) down, with an error estimate, as in gradcheck),
one input at a time, so a wrong
rule is pinned to the op that has it rather than smeared over the whole gradient. This is the
check to run after writing a custom :class:`~chainrule.engine.ops.Op`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from chainrule.check.audit_report import AuditReport, NodeCheck
from chainrule.check.gradcheck_inputs import check_eps, step_size
from chainrule.check.gradcheck_report import SEVERITY, judge, relative_error
from chainrule.check.numeric import Estimate, derivative
from chainrule.engine.graph import topological_order
from chainrule.engine.modes import detect_anomaly, nan_on_domain_error
from chainrule.engine.ops import FLOAT_MATH, Op
from chainrule.engine.value import Value

__all__ = ["AuditReport", "NodeCheck", "audit", "check_node"]

DEFAULT_EPS = 1e-3  # the first (largest) step, as gradcheck's
DEFAULT_ATOL = 1e-8


def audit(root: Value, eps: float = DEFAULT_EPS, atol: float = DEFAULT_ATOL,
          raise_on_failure: bool = False) -> AuditReport:
    """Check every op node's local gradients numerically; name the first node whose rule is wrong.

    The graph is only read, never changed. Leaves are skipped (they have no rule).

    >>> from chainrule import Op, Value
    >>> cube = Op("cube", "x³", lambda x: x ** 3, lambda m, out, x: (2 * x * x,))  # should be 3x²
    >>> report = audit(cube(Value(2.0, label="x")) + 1)
    >>> report.ok, report.first_failure.op, report.first_failure.analytic, report.first_failure.numeric
    (False, 'cube', (8.0,), (12.0...,))
    """
    check_eps(eps, atol)
    if not isinstance(root, Value):
        raise TypeError(f"audit needs a Value (the root of a graph), got {type(root).__name__}: {root!r:.60}")
    order = topological_order(root)
    position = {node: i for i, node in enumerate(order)}
    with nan_on_domain_error(), detect_anomaly(False):  # undefined at x ± h: NaN, not an error
        checks = tuple(
            check_node(node, i, eps, atol, [_name(p, position) for p in node.parents])
            for i, node in enumerate(order) if node.op is not None
        )
    report = AuditReport(checks, eps, atol)
    if raise_on_failure:
        report.raise_if_failed()
    return report


def check_node(node: Value, index: int, eps: float, atol: float, names: Sequence[str]) -> NodeCheck:
    """Compare one node's op rule with centred differences of the op's forward at its inputs.

    >>> from chainrule import Value
    >>> y = Value(3.0).log()
    >>> check_node(y, 1, 1e-6, 1e-8, ["x"]).band
    'good'
    """
    op, xs = node.op, [p.data for p in node.parents]
    if op is None:
        raise ValueError(f"node #{index} is a leaf: it has no local gradient rule to check")
    out = _forward(op, xs, index)
    try:
        analytic = tuple(float(g) for g in op.local_grads(FLOAT_MATH, out, *xs))
    except Exception as exc:
        exc.add_note(f"(raised by the local_grads rule of op {op.name!r} at node #{index}, inputs {xs!r})")
        raise
    estimates = [_partial(op, xs, i, eps, index) for i in range(len(xs))]
    verdicts = [
        judge(analytic[i] if i < len(analytic) else math.nan, e.value, atol, math.isfinite(out),
              _at(op) if e.kink else "", e.zero_step, e.error, e.one_sided)
        for i, e in enumerate(estimates)
    ]
    numeric = tuple(e.value for e in estimates)
    band, note = _verdict(verdicts, len(analytic), len(xs))
    rel = tuple(relative_error(a, n) for a, n in zip(analytic, numeric))
    return NodeCheck(index, op.name, node.label, tuple(names), tuple(xs), analytic, numeric,
                     rel, band, note, node, tuple(e.error for e in estimates))


def _partial(op: Op, xs: list[float], i: int, eps: float, index: int) -> Estimate:
    """d op / d x_i, estimated from op's forward with x_i moved (the other inputs held)."""
    moved = list(xs)

    def probe(t: float) -> tuple[float, Any]:
        moved[i] = t
        return _forward(op, moved, index), (op.branch(*moved) if op.branch is not None else None)

    return derivative(probe, xs[i], step_size(xs[i], eps))


def _at(op: Op) -> str:
    return f"{op.name} (x ± h crosses its pole)" if op.crossing == "pole" else op.name


def _forward(op: Op, xs: list[float], index: int) -> float:
    try:
        return op.forward(*xs)
    except Exception as exc:
        exc.add_note(f"(raised by the forward of op {op.name!r} at node #{index}, inputs {xs!r})")
        raise


def _verdict(verdicts: list[tuple[str, str]], given: int, needed: int) -> tuple[str, str]:
    """The node's band is its worst input's; a rule giving the wrong number of partials is wrong."""
    if given != needed:
        return "wrong", f"local_grads gave {given} partial(s) for {needed} input(s)"
    if not verdicts:
        return "good", ""
    worst = max(range(len(verdicts)), key=lambda i: SEVERITY[verdicts[i][0]])
    band, note = verdicts[worst]
    return band, (f"input {worst}: {note}" if note and len(verdicts) > 1 else note)


def _name(node: Value, position: dict[Value, int]) -> str:
    return node.label or f"#{position[node]}"
