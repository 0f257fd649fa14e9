"""Forward mode: derivatives pushed from one input towards the outputs, and the Jacobian either way.

A node's tangent is d node / d wrt: the sum over its inputs of (local gradient × that input's
tangent), with the same local gradients (the op table's rules) that backward multiplies in the other
order. One forward pass gives every node's derivative with respect to ONE input; one reverse pass
(backward) gives ONE output's derivative with respect to every input. So a Jacobian of m outputs and
n inputs takes n forward passes or m reverse passes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from chainrule.engine import graph
from chainrule.engine.functions import grad
from chainrule.engine.naming import node_names
from chainrule.engine.partials import check_count
from chainrule.engine.value import Value

# on_step(node, index, parent, tangent_in, local, contribution, tangent_before): one product
# ``local * tangent_in`` added to ``node``'s tangent (the forward twin of backpropagate's on_step)
TangentHook = Callable[[Any, int, Any, float, float, float, float], None]
MODES = ("forward", "reverse")


def push_tangents(order: list[Value], wrt: Value, on_step: TangentHook | None = None) -> dict[Value, float]:
    """The tangent d node / d ``wrt`` of every node of ``order`` that depends on ``wrt``.

    ``order`` is a topological order (:func:`~chainrule.engine.topological_order`). ``wrt`` gets
    tangent 1 and is held fixed (its own inputs, if it has any, do not move it); nodes that do not
    depend on ``wrt`` are absent (tangent 0), and their local gradients are never computed.

    >>> from chainrule import Value, topological_order
    >>> x, y = Value(3.0, label="x"), Value(2.0, label="y")
    >>> z = x * y + x
    >>> tangents = push_tangents(topological_order(z), x)
    >>> tangents[z], y in tangents
    (3.0, False)
    """
    tangents: dict[Value, float] = {wrt: 1.0}
    for node in order:
        parents = node.parents
        if not parents or node is wrt or not any(parent in tangents for parent in parents):
            continue
        local_grads = node.local_grads
        check_count(node, local_grads)
        tangent = 0.0
        for index, (parent, local) in enumerate(zip(parents, local_grads)):
            tangent_in = tangents.get(parent)
            if tangent_in is None:
                continue  # this input does not depend on wrt: nothing flows along the edge
            contribution = local * tangent_in
            if on_step is not None:
                on_step(node, index, parent, tangent_in, local, contribution, tangent)
            tangent += contribution
        tangents[node] = tangent
    return tangents


def forward_grad(output: Value, wrt: Value) -> float:
    """d ``output`` / d ``wrt`` by forward mode: one pass pushing tangents from ``wrt``.

    Equals ``wrt.grad`` after ``output.backward()`` (from a zero gradient), without touching any
    ``grad``. A ``wrt`` the output does not depend on gives 0.0.

    >>> from chainrule import Value
    >>> x = Value(2.0, label="x")
    >>> y = (x * x + x).tanh()
    >>> y.backward()
    >>> abs(forward_grad(y, x) - x.grad) < 1e-15
    True
    >>> forward_grad(y, Value(1.0))
    0.0
    """
    _check_value(wrt, "forward_grad", "wrt")
    return push_tangents(graph.topological_order(output), wrt).get(output, 0.0)


@dataclass(frozen=True)
class Jacobian:
    """The matrix d outputs[i] / d inputs[j] (from :func:`jacobian`), and the passes it took.

    ``passes_needed`` says how many passes over the graph each mode needs: forward mode one per
    input, reverse mode one per output; ``passes`` is how many ``mode`` made.

    >>> from chainrule import Value
    >>> x, y = Value(1.0, label="x"), Value(2.0, label="y")
    >>> J = jacobian([x * y, x + y], [x, y], mode="forward")
    >>> J.matrix, J.passes, J.passes_needed
    ([[2.0, 1.0], [1.0, 1.0]], 2, {'forward': 2, 'reverse': 2})
    """

    matrix: list[list[float]]
    mode: str
    passes: int
    passes_needed: dict[str, int]
    output_names: tuple[str, ...]
    input_names: tuple[str, ...]

    def __getitem__(self, i: int) -> list[float]:
        return self.matrix[i]

    def __len__(self) -> int:
        return len(self.matrix)

    def cheaper_mode(self) -> str:
        """The mode with fewer passes (reverse on a tie: it also fills every ``grad`` for free).

        >>> from chainrule import Value
        >>> x = Value(1.0)
        >>> jacobian([x * 2, x * 3], [x]).cheaper_mode()
        'forward'
        """
        forward, reverse = self.passes_needed["forward"], self.passes_needed["reverse"]
        return "forward" if forward < reverse else "reverse"

    def summary(self) -> str:
        """One line: the shape, the passes this mode made, and what the other mode would need."""
        rows, columns = len(self.output_names), len(self.input_names)
        other = "reverse" if self.mode == "forward" else "forward"
        per = {"forward": "one per input", "reverse": "one per output"}
        need = self.passes_needed[other]
        return (f"Jacobian {rows}×{columns} by {self.mode} mode: {_passes(self.passes)} ({per[self.mode]});"
                f" {other} mode needs {_passes(need)} ({per[other]})")

    def __str__(self) -> str:
        width = max([len(name) for name in self.output_names] + [1])
        cells = [[f"{x:.6g}" for x in row] for row in self.matrix]
        widths = [max([len(name)] + [len(row[j]) for row in cells])
                  for j, name in enumerate(self.input_names)]
        head = " " * width + "  " + "  ".join(n.rjust(w) for n, w in zip(self.input_names, widths))
        lines = [f"{name.ljust(width)}  " + "  ".join(c.rjust(w) for c, w in zip(row, widths))
                 for name, row in zip(self.output_names, cells)]
        return "\n".join([self.summary(), head.rstrip(), *lines])

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        from html import escape

        head = "".join(f"<th>d / d {escape(name)}</th>" for name in self.input_names)
        body = "".join(f"<tr><th>{escape(name)}</th>" + "".join(f"<td>{x:.6g}</td>" for x in row) + "</tr>"
                       for name, row in zip(self.output_names, self.matrix))
        return (f'<table class="chainrule-jacobian"><caption>{escape(self.summary())}</caption>'
                f"<thead><tr><th></th>{head}</tr></thead><tbody>{body}</tbody></table>")


def jacobian(outputs: Value | Sequence[Value], inputs: Value | Sequence[Value],
             mode: str = "reverse") -> Jacobian:
    """d outputs[i] / d inputs[j] for every pair, by ``mode`` ``"forward"`` (one pass per input)
    or ``"reverse"`` (one backward pass per output). Both give the same matrix.

    No ``grad`` is left changed (reverse mode runs :func:`chainrule.grad` once per output).

    >>> from chainrule import Value
    >>> x, y = Value(3.0, label="x"), Value(2.0, label="y")
    >>> J = jacobian(x * y, [x, y])
    >>> J.matrix, J.passes, x.has_grad
    ([[2.0, 3.0]], 1, False)
    >>> print(jacobian(x * y, [x, y], mode="forward"))
    Jacobian 1×2 by forward mode: 2 passes (one per input); reverse mode needs 1 pass (one per output)
            x  y
    mul#2   2  3
    """
    outputs, inputs = _as_list(outputs, "outputs"), _as_list(inputs, "inputs")
    if mode not in MODES:
        raise ValueError(f"jacobian: mode must be 'forward' or 'reverse', got {mode!r}")
    order = _joint_order(outputs)
    if mode == "forward":
        matrix = _forward_matrix(order, outputs, inputs)
    else:
        matrix = _reverse_matrix(outputs, inputs)
    # inputs the outputs do not use are named after the graph's nodes, as if they came last
    in_graph = set(order)
    names = node_names(order + [v for v in dict.fromkeys(inputs) if v not in in_graph])
    return Jacobian(matrix, mode, len(inputs) if mode == "forward" else len(outputs),
                    {"forward": len(inputs), "reverse": len(outputs)},
                    tuple(names[v] for v in outputs), tuple(names[v] for v in inputs))


def _forward_matrix(order: list[Value], outputs: list[Value], inputs: list[Value]) -> list[list[float]]:
    columns = []
    for wrt in inputs:  # one forward pass per input: a column of the matrix
        tangents = push_tangents(order, wrt)
        columns.append([tangents.get(output, 0.0) for output in outputs])
    return [[column[i] for column in columns] for i in range(len(outputs))]


def _reverse_matrix(outputs: list[Value], inputs: list[Value]) -> list[list[float]]:
    # one backward pass per output (a row of the matrix); grad() leaves every .grad as it was
    return [[float(g) for g in grad(output, inputs)] for output in outputs]


def _joint_order(outputs: list[Value]) -> list[Value]:
    """One topological order of all outputs' graphs (each output's order, shared nodes once)."""
    seen: set[Value] = set()
    order = []
    for output in outputs:
        for node in graph.topological_order(output):
            if node not in seen:
                seen.add(node)
                order.append(node)
    return order


def _as_list(values: Value | Sequence[Value], what: str) -> list[Value]:
    values = [values] if isinstance(values, Value) else list(values)
    if not values:
        raise ValueError(f"jacobian: {what} is empty")
    for value in values:
        _check_value(value, "jacobian", what)
    return values


def _check_value(value: Any, where: str, what: str) -> None:
    if not isinstance(value, Value):
        raise TypeError(f"{where}: {what} must be Values, got {type(value).__name__}: {value!r:.60}")


def _passes(n: int) -> str:
    return "1 pass" if n == 1 else f"{n} passes"
