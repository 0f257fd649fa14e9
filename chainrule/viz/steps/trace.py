"""A recorded pass: a sequence of steps that prints as a table, draws frames, plays and exports."""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chainrule.viz.files import write_atomic
from chainrule.viz.options import DotOptions
from chainrule.viz.steps import frames, page
from chainrule.viz.steps.table import html_table, text_table
from chainrule.viz.style import format_number as fmt


class _Trace:
    """What backward and forward traces share; subclasses say what a row and a frame show."""

    HEADERS: tuple[str, ...] = ()
    NUMERIC: tuple[bool, ...] = ()

    def __init__(self, root: Any, names: dict[Any, str], steps: list[Any]) -> None:
        self.root = root
        self.names = names
        self.steps = steps
        self.draw_options: dict[str, Any] = {"max_nodes": None}  # every step's node must be drawn
        self._svg: dict[int, str] = {}  # frame cache: rendering is the slow part

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, i: Any) -> Any:
        return self.steps[i]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.steps)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {len(self)} steps of {self.names[self.root]!r}>"

    def table(self) -> str:
        """The steps as an aligned plain-text table, under a one-line summary."""
        rows = [self._cells(step) for step in self.steps]
        return self.summary() + "\n" + text_table(self.HEADERS, rows, self.NUMERIC)

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        rows = [self._cells(step) for step in self.steps]
        return html_table(self.HEADERS, rows, self.NUMERIC, caption=self.summary())

    def row_html(self, i: int) -> str:
        """Step ``i``'s table row alone (with the header), as escaped HTML."""
        i = self._index(i)
        return html_table(self.HEADERS, [self._cells(self.steps[i])], self.NUMERIC, first_row=i)

    def drawn_with(self, **options: Any) -> Any:
        """The same steps, their frames drawn with other options of :func:`chainrule.viz.to_dot`
        (``rankdir``, ``collapse="neuron"`` for an MLP, ``color_by``, ``legend``, ``max_nodes`` ...).

        >>> from chainrule import Value
        >>> from chainrule.viz.steps import record_backward
        >>> record_backward(Value(2.0) * 3).drawn_with(rankdir="TB").draw_options
        {'max_nodes': None, 'rankdir': 'TB'}
        """
        unknown = options.keys() - DotOptions.__annotations__.keys()
        if unknown:
            raise TypeError(f"drawn_with: unknown drawing option(s) {', '.join(sorted(unknown))}")
        taken = options.keys() & {"highlight_nodes", "highlight_edges", "grads"}
        if taken:
            raise TypeError(f"drawn_with: the stepper sets {', '.join(sorted(taken))} itself, per frame")
        twin = copy.copy(self)
        twin.draw_options = {**self.draw_options, **options}
        twin._svg = {}
        return twin

    def frame_dot(self, i: int) -> str:
        """The DOT text of frame ``i``: the graph as it stands at step ``i``, that step highlighted."""
        return frames.frame_dot(self.root, {**self.draw_options, **self._frame_options(self._index(i))})

    def frame_svg(self, i: int) -> str:
        """Frame ``i`` as an inline ``<svg>`` element (rendered once, then cached)."""
        i = self._index(i)
        if i not in self._svg:
            self._svg[i] = frames.frame_svg(self.frame_dot(i))
        return self._svg[i]

    def widget(self) -> Any:
        """A notebook player: slider, previous/next buttons, the frame and its table row."""
        from chainrule.viz.steps.widget import StepWidget  # imports ipywidgets, an optional extra

        return StepWidget(self)

    def to_html(self, title: str | None = None) -> str:
        """One self-contained HTML page (every frame inlined, no network) that steps with buttons,
        a slider and the arrow keys."""
        return page.page(self, title or self.summary().split(":")[0].capitalize())

    def save_html(self, path: str | os.PathLike[str], title: str | None = None) -> Path:
        """Write :meth:`to_html` to ``path`` atomically (a temp file in the same folder, then rename)."""
        return write_atomic(path, self.to_html(title).encode("utf-8"))

    def explain(self, i: int) -> str:
        """Step ``i`` in one sentence (shown under the frame)."""
        step = self.steps[self._index(i)]
        return f"Step {step.number} of {len(self)}: {step.explanation}"

    def _index(self, i: int) -> int:
        try:
            return range(len(self.steps))[i]
        except (IndexError, TypeError):
            raise IndexError(f"no step {i!r}: this trace has {len(self.steps)} steps") from None

    def summary(self) -> str:
        raise NotImplementedError

    def _cells(self, step: Any) -> list[str]:
        raise NotImplementedError

    def _frame_options(self, i: int) -> dict[str, Any]:
        raise NotImplementedError


class BackwardTrace(_Trace):
    """The steps of one backward pass (from :func:`~chainrule.viz.steps.record_backward`).

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

    def __init__(self, root: Any, names: dict[Any, str], steps: list[Any], seeded: dict[Any, float]):
        super().__init__(root, names, steps)
        self.seeded = seeded  # gradients shown before the first step: the root's seed 1, kept leaf grads

    def summary(self) -> str:
        if not self.steps:
            return f"backward pass of {self.names[self.root]}: no chain-rule steps (the root is a leaf)"
        return (f"backward pass of {self.names[self.root]}: {len(self)} chain-rule steps"
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


class ForwardTrace(_Trace):
    """The steps of one forward pass (from :func:`~chainrule.viz.steps.record_forward`).

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

    def _frame_options(self, i: int) -> dict[str, Any]:
        node = self.steps[i].node
        return frames.forward_options(node, [step.node for step in self.steps[: i + 1]])
