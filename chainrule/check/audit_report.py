"""The per-node audit's result: one row per op node, and the first one whose rule is wrong."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from chainrule.check import tables
from chainrule.check.gradcheck_report import PASSING, GradcheckError


@dataclass(frozen=True)
class NodeCheck:
    """One op node's local gradients, analytic (its op's rule) against numeric (its op's forward)."""

    index: int  # position in the topological order
    op: str
    label: str
    input_names: tuple[str, ...]
    inputs: tuple[float, ...]
    analytic: tuple[float, ...]
    numeric: tuple[float, ...]
    rel_errors: tuple[float, ...]
    band: str
    note: str = ""
    node: Any = field(default=None, compare=False, repr=False)
    numeric_errors: tuple[float, ...] = ()  # each numeric partial's error estimate (Richardson)

    @property
    def ok(self) -> bool:
        """True for good, acceptable and kink nodes."""
        return self.band in PASSING

    def describe(self) -> str:
        """One line naming the node, its inputs and both local gradients.

        >>> from chainrule import Value
        >>> from chainrule.check.audit import audit
        >>> print(audit(Value(2.0, label="x") * 3).nodes[0].describe())
        node #2 mul at (x=2, #1=3): analytic (3, 2), numeric (3, 2)
        """
        label = f" {self.label!r}" if self.label else ""
        at = ", ".join(f"{n}={tables.number(x)}" for n, x in zip(self.input_names, self.inputs))
        return (f"node #{self.index} {self.op}{label} at ({at}): analytic {_numbers(self.analytic)}, "
                f"numeric {_numbers(self.numeric)}")


_HEADER = ("#", "op", "label", "inputs", "analytic", "numeric", "± numeric", "rel error", "band", "note")


@dataclass(frozen=True, repr=False)
class AuditReport(tables.TableReport):
    """The result of :func:`~chainrule.check.audit.audit`: every op node, in topological order.

    >>> from chainrule import Value
    >>> from chainrule.check.audit import audit
    >>> report = audit((Value(0.5) * 2).tanh())
    >>> report.ok, report.first_failure, [check.op for check in report]
    (True, None, ['mul', 'tanh'])
    """

    HEADER = _HEADER

    nodes: tuple[NodeCheck, ...]
    eps: float
    atol: float

    @property
    def first_failure(self) -> NodeCheck | None:
        """The earliest node whose local gradient rule disagrees with its forward, or None."""
        return next(iter(self.failures), None)

    def raise_if_failed(self) -> None:
        """Raise :class:`GradcheckError` naming the first wrong node, unless the audit passed."""
        first = self.first_failure
        if first is not None:
            raise GradcheckError(f"audit: local gradient rule disagrees at {first.describe()} "
                                 f"({first.band}{'; ' + first.note if first.note else ''})", self)

    def _all(self) -> tuple[Any, ...]:
        return self.nodes

    def _cells(self, rows: tuple[Any, ...]) -> list[tuple[str, ...]]:
        return _cells(rows)

    def _summary(self) -> str:
        head = f"audit: {len(self.nodes)} op node(s), eps={self.eps:g}"
        hidden = len(self.nodes) - len(self._shown())
        more = f" ({hidden} good node(s) not shown; .nodes has them all)" if hidden else ""
        first = self.first_failure
        if first is None:
            return f"{head}: OK{more}"
        verdict = "COULD NOT CHECK" if self.could_not_check else "FAILED"
        return f"{head}: {verdict} at {len(self.failures)} node(s); first: {first.describe()}{more}"




def _cells(checks: tuple[NodeCheck, ...]) -> list[tuple[str, ...]]:
    return [
        (str(c.index), c.op, c.label, _numbers(c.inputs), _numbers(c.analytic), _numbers(c.numeric),
         _errors(c.numeric_errors), _errors(c.rel_errors), c.band, c.note)
        for c in checks
    ]


def _errors(xs: tuple[float, ...]) -> str:
    return ", ".join(tables.error(x) for x in xs)


def _numbers(xs: tuple[float, ...]) -> str:
    """One number plainly, several as a tuple (the first six)."""
    if len(xs) == 1:
        return tables.number(xs[0])
    text = ", ".join(tables.number(x) for x in xs[:6])
    return f"({text}{', ...' if len(xs) > 6 else ''})"
