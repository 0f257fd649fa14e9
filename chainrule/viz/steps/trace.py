"""A recorded pass, backward or forward: the table, frames, notebook player and page they share."""

from __future__ import annotations

import copy
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from chainrule.engine import topological_order
from chainrule.files import write_atomic
from chainrule.viz.clusters import collapse_prefix
from chainrule.viz.options import NAMES
from chainrule.viz.steps import frames, page
from chainrule.viz.steps.frames import FrameLimitError, Lit
from chainrule.viz.steps.naming import choices_text, focus_choices
from chainrule.viz.steps.table import html_table, text_table


class SVGFrame(str):
    """An SVG string that Jupyter displays as a picture rather than as text."""

    def _repr_svg_(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return "<frame: an SVG picture>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


class Trace:
    """What backward and forward traces share: a sequence of steps that prints as a table, draws
    frames, plays in a notebook and exports a page. Subclasses say what a row shows, and what each
    step sets and lights in its frame (:meth:`sets`, :meth:`lit`).

    >>> from chainrule import Value
    >>> from chainrule.viz.steps import record_backward
    >>> trace = record_backward(Value(2.0, label="a") * 3)
    >>> len(trace), trace[0].parent_name, "<svg" in trace.frame_svg(0)
    (2, 'a', True)
    """

    HEADERS: tuple[str, ...] = ()
    NUMERIC: tuple[bool, ...] = ()
    NAME_COLUMNS: tuple[int, ...] = ()  # the columns that name nodes (each name is in the picture)
    SHOWS = "grad"  # the number a step changes in its frame: "grad" (backward) or "data" (forward)

    def __init__(self, root: Any, names: dict[Any, str], steps: list[Any],
                 view: dict[str, Any] | None = None) -> None:
        self.root = root
        self.names = names
        self.steps = steps
        self.draw_options: dict[str, Any] = {"max_nodes": None, **(view or {})}  # every node is drawn
        self._svg: dict[int, str] = {}  # frame cache
        self._film: frames.Film | None = None  # the one layout every frame is drawn on

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

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.table())  # IPython in a terminal shows the table, not the repr

    def _repr_html_(self) -> str:
        rows = [self._cells(step) for step in self.steps]
        return html_table(self.HEADERS, rows, self.NUMERIC, caption=self.summary())

    def page_table(self) -> str:
        """The table as the page shows it: without the last column (each step's sentence is shown
        under the frame)."""
        rows = [self._cells(step)[:-1] for step in self.steps]
        return html_table(self.HEADERS[:-1], rows, self.NUMERIC[:-1], caption=self.summary())

    def row_html(self, i: int, inline_style: bool = False) -> str:
        """Step ``i``'s table row alone (with the header), as escaped HTML (``inline_style``: styled
        on each cell, for hosts that drop style sheets)."""
        i = self._index(i)
        return html_table(self.HEADERS, [self._cells(self.steps[i])], self.NUMERIC, first_row=i,
                          inline_style=inline_style)

    def rows(self) -> list[list[str]]:
        """Every step's table cells, as printed."""
        return [self._cells(step) for step in self.steps]

    def drawn_with(self, **options: Any) -> Any:
        """The same steps, their frames drawn with other options of :func:`chainrule.viz.to_dot`
        (``rankdir``, ``collapse="neuron"`` for an MLP, ``color_by`` ...).

        >>> from chainrule import Value
        >>> from chainrule.viz.steps import record_backward
        >>> record_backward(Value(2.0) * 3).drawn_with(rankdir="TB").draw_options
        {'max_nodes': None, 'rankdir': 'TB'}
        """
        unknown = options.keys() - NAMES
        if unknown:
            raise TypeError(f"drawn_with: unknown drawing option(s) {', '.join(sorted(unknown))}")
        taken = options.keys() & {"highlight_nodes", "highlight_edges", "grads", "data", "names", "max_nodes"}
        if taken:
            raise TypeError(f"drawn_with: the stepper sets {', '.join(sorted(taken))} itself")
        twin = copy.copy(self)
        twin.draw_options = {**self.draw_options, **options}
        twin._svg, twin._film = {}, None
        return twin

    def frame(self, i: int) -> SVGFrame:
        """Frame ``i`` as a picture Jupyter shows inline (the SVG text of :meth:`frame_svg`).

        >>> from chainrule import Value
        >>> from chainrule.viz.steps import record_backward
        >>> picture = record_backward(Value(2.0, label="a") * 3).frame(0)
        >>> picture._repr_svg_().startswith("<svg"), repr(picture)
        (True, '<frame: an SVG picture>')
        """
        return SVGFrame(self.frame_svg(i))

    def frame_svg(self, i: int) -> str:
        """Frame ``i`` as an inline ``<svg>`` element (then cached). Every frame is drawn on one
        layout, so nodes keep their places from step to step: the active op and its output and the
        edge in orange, the receiving node in blue."""
        i = self._index(i)
        if i not in self._svg:
            self._svg[i] = self.film().svg(i)
        return self._svg[i]

    def frame_dot(self, i: int) -> str:
        """The DOT text of frame ``i``, as Graphviz would draw it alone (for checking and for other
        tools; the frames are drawn from the one layout instead)."""
        return self.film().frame_dot(self._index(i))

    def film(self) -> frames.Film:
        """The one layout all frames share (laid out by Graphviz on first use), and each frame's changes.

        >>> from chainrule import Value
        >>> from chainrule.viz.steps import record_backward
        >>> trace = record_backward(Value(2.0, label="x") * 3)
        >>> film = trace.film()
        >>> film is trace.film(), film.layout_svg.startswith("<svg"), film.changes(1)[("n0", -1)]
        (True, True, 'grad 3')
        """
        if self._film is None:
            self._film = frames.Film(self)
        return self._film

    def widget(self) -> Any:
        """A notebook player: slider, previous/next buttons, zoom, the frame and its table row."""
        from chainrule.viz.steps.widget import StepWidget  # imports ipywidgets, an optional extra

        return StepWidget(self)

    def to_html(self, title: str | None = None) -> str:
        """One self-contained HTML page (the picture once and each step's changes inlined, no
        network) that steps with buttons, a slider and the arrow keys, and zooms."""
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

    def layout_dot(self, options: dict[str, Any]) -> str:
        """The DOT text of the one layout, drawn with ``options`` (the widest numbers, the names).
        Square records: the same layout, and a third of the SVG of rounded ones."""
        return frames_dot(self.root, options).replace("node [shape=Mrecord,", "node [shape=record,", 1)

    def too_big_message(self, drawn: int) -> str:
        """Why the frames are not drawn: ``drawn`` nodes, more than the stepper lays out."""
        by, focus = getattr(self, "by", "node"), getattr(self, "focus", None)
        order = topological_order(self.root)
        ways = []  # only options not already passed, and only those this graph has
        if focus is None:  # coarser groupings than the one passed, if the graph has their scopes
            coarser = {"node": ("neuron", "layer"), "neuron": ("layer",)}.get(by, ())
            ways += [f"by={level!r}" for level in coarser
                     if any(collapse_prefix(node.scope, level) for node in order)]
        choices = focus_choices(order, frames.STEP_NODE_LIMIT * 3 // 4, focus)
        if choices:
            ways.append(("a smaller part, " if focus else "") + choices_text(choices))
        if any(node.scope for node in order):
            ways.append("a smaller graph")
        else:
            ways.append("a smaller graph, or its parts built under name_scope() and focus= one")
        passed = ""
        if hasattr(self, "by"):  # a backward trace: say what was passed, so the advice reads as other options
            passed = f" (with by={by!r}" + (f", focus={focus!r})" if focus else ")")
        return (f"{self.summary().split(':')[0]}: the picture would have {drawn:,} nodes{passed}, more than"
                f" the stepper lays out ({frames.STEP_NODE_LIMIT}); the table is complete (print(trace)),"
                f" and to see frames step a part of it: {'; '.join(ways)}")

    def summary(self) -> str:
        raise NotImplementedError

    def _cells(self, step: Any) -> list[str]:
        raise NotImplementedError

    def start_values(self) -> dict[Any, float | None]:
        """The numbers the frames show before the first step."""
        raise NotImplementedError

    def sets(self, i: int) -> list[tuple[Any, float | None]]:
        """The numbers step ``i`` sets: ``(node, value)`` pairs."""
        raise NotImplementedError

    def lit(self, i: int) -> Lit:
        """What frame ``i`` highlights."""
        raise NotImplementedError

    def layout_values(self) -> dict[Any, float | None]:
        """For each node, the widest number it shows in any frame (the layout is drawn with these)."""
        raise NotImplementedError


def frames_dot(root: Any, options: dict[str, Any]) -> str:
    """The DOT text of ``root``'s graph drawn with ``options``."""
    from chainrule import viz  # viz may import this package, so bind late

    return viz.to_dot(root, **options)


__all__ = ["FrameLimitError", "SVGFrame", "Trace"]
