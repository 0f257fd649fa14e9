"""Why a gradient is what it is: the report of :func:`paths`, one row per path from a leaf to the output.

The report is text and an HTML table (no picture, so no Graphviz): the path's nodes by their picture
names, the local derivative on each edge, and their product; under it the sum over all paths (by
dynamic programming, so every path counts even when few are listed) compared with ``leaf.grad``.
Pictures of a path and a page that walks path by path are in :mod:`chainrule.viz.paths`.
"""

from __future__ import annotations

import html as _html
import math
from collections.abc import Iterator
from typing import Any

from chainrule.check.tables import text
from chainrule.engine import Value, topological_order
from chainrule.engine.naming import format_number as _number
from chainrule.engine.naming import node_names
from chainrule.engine.paths import Path, PathSum, path_sum

ARROW = " → "
RTOL, ATOL = 1e-9, 1e-12  # sums in another order than backward's: agree to rounding, not to the bit


def paths(output: Value, leaf: Value, max_paths: int | None = 20) -> PathsReport:
    """Explain ``leaf.grad`` as the sum, over every path from ``leaf`` to ``output``, of the product
    of the local derivatives along it.

    Lists the ``max_paths`` largest contributions (None: all), says how many paths were left out,
    and compares the sum over all paths with ``leaf.grad`` (run ``output.backward()`` first).

    >>> from chainrule import Value
    >>> x = Value(3.0, label="x")
    >>> a = x * x; a.label = "a"
    >>> y = a + x; y.label = "y"
    >>> y.backward()
    >>> print(paths(y, x))
    dy/dx as a sum over 3 paths (largest first): 3 + 3 + 1 = 7
    #  path       local derivatives  product
    1  x → a → y  3 × 1              3
    2  x → a → y  3 × 1              3
    3  x → y      1                  1
    sum over all 3 paths = 7 = x.grad ✓
    """
    if not isinstance(output, Value):
        raise TypeError(f"paths: output must be a Value, got {type(output).__name__}: {output!r:.60}")
    return PathsReport(path_sum(output, leaf, max_paths), max_paths)


class PathsReport:
    """The paths from a leaf to an output, their products, and their sum against ``leaf.grad``.

    Iterate it (or index it) for the listed :class:`~chainrule.engine.paths.Path` rows, largest
    ``|product|`` first. ``names`` maps each node to its picture name.

    >>> from chainrule import Value
    >>> x = Value(2.0, label="x")
    >>> y = x * x
    >>> y.backward()
    >>> report = paths(y, x)
    >>> len(report), report.total, report.agrees, report.left_out
    (2, 4.0, True, 0)
    """

    def __init__(self, result: PathSum, max_paths: int | None = None) -> None:
        self.result = result
        self.max_paths = max_paths
        self.names = node_names(topological_order(result.output))
        self.names.setdefault(result.leaf, result.leaf.label or "leaf")
        leaf = result.leaf
        self.grad: float | None = float(leaf.grad) if leaf.has_grad else None  # as it was when explained

    # --- the numbers -----------------------------------------------------------------------------
    output = property(lambda self: self.result.output, doc="The output whose gradient is explained.")
    leaf = property(lambda self: self.result.leaf, doc="The node the gradient is taken with respect to.")
    total = property(lambda self: self.result.total, doc="The sum over all paths (dynamic programming).")
    count = property(lambda self: self.result.count, doc="How many paths lead from leaf to output.")
    left_out = property(lambda self: self.result.left_out, doc="How many paths are not listed.")

    @property
    def agrees(self) -> bool | None:
        """Whether the sum over all paths equals ``leaf.grad`` (to rounding); None if no grad was computed."""
        if self.grad is None:
            return None
        if math.isnan(self.total) and math.isnan(self.grad):
            return True  # undefined alike (an inf × 0 on a path): the two computations agree
        return math.isclose(self.total, self.grad, rel_tol=RTOL, abs_tol=ATOL) or self.total == self.grad

    def __len__(self) -> int:
        return len(self.result.paths)

    def __iter__(self) -> Iterator[Path]:
        return iter(self.result.paths)

    def __getitem__(self, i: int) -> Path:
        return self.result.paths[i]

    def highlight(self, i: int) -> dict[str, Any]:
        """The drawing options that light up path ``i``: ``chainrule.draw(output, **report.highlight(i))``.

        >>> from chainrule import Value
        >>> x = Value(2.0, label="x")
        >>> y = x * 3
        >>> sorted(paths(y, x).highlight(0))
        ['highlight_edges', 'highlight_nodes']
        """
        path = self[i]
        return {"highlight_nodes": set(path.nodes), "highlight_edges": set(path.edges)}

    # --- words -----------------------------------------------------------------------------------
    def path_text(self, path: Path) -> str:
        """A path as its nodes' picture names joined by arrows."""
        return ARROW.join(self.names.get(node, "?") for node in path.nodes)

    def summary(self) -> str:
        """The first line: how many paths, and their products added up."""
        out, leaf = self.names[self.output], self.names[self.leaf]
        if not self.count:
            return f"{derivative(out, leaf)}: no path leads from {leaf} to {out}, so the gradient is 0"
        n = "1 path" if self.count == 1 else f"{self.count:,} paths"
        listed = _signed_sum([_number(p.product) for p in self])
        if self.left_out:
            rest = _number(self.total - self.result.listed_total)
            what = "the" if len(self) else "all"
            listed += f"{' + ' if listed else ''}({what} {self.left_out:,} paths left out: {rest})"
        order = " (largest first)" if self.count > 1 else ""
        return f"{derivative(out, leaf)} as a sum over {n}{order}: {listed} = {_number(self.total)}"

    def verdict(self) -> str:
        """The closing line: the sum over all paths against ``leaf.grad``, and what to do if they differ."""
        leaf, out = self.names[self.leaf], self.names[self.output]
        n = {0: "no path", 1: "the 1 path"}.get(self.count, f"all {self.count:,} paths")
        total = f"sum over {n} = {_number(self.total)}"
        if self.grad is None:
            return f"{total}; {leaf}.grad is not computed yet (run {out}.backward() to compare)"
        if self.agrees:
            undefined = " (both nan: an inf × 0 or inf − inf on the way)" if math.isnan(self.total) else ""
            return f"{total} = {leaf}.grad ✓{undefined}"
        return (f"{total} ≠ {leaf}.grad {_number(self.grad)} ✗ (leaf gradients accumulate across backward()"
                f" calls: zero_grad() before backward(); or a node changed after backward, or a local_grads"
                f" rule disagrees with its op)")

    def rows(self) -> list[tuple[str, str, str, str]]:
        """The table's rows: number, path, local derivatives, product."""
        return [(str(k), self.path_text(p), " × ".join(map(_number, p.locals)) or "(the leaf is the output)",
                 _number(p.product)) for k, p in enumerate(self, start=1)]

    def __str__(self) -> str:
        lines = [self.summary()]
        if len(self):
            lines.append(text(("#", "path", "local derivatives", "product"), self.rows()))
        if self.left_out:
            smaller = "smaller paths" if len(self) else "paths"
            lines.append(f"... {self.left_out:,} {smaller} left out (max_paths={self.max_paths});"
                         " the sum below counts them all")
        if self.count or self.grad is not None:
            lines.append(self.verdict())
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<PathsReport: {self.summary()}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython's plain-text display
        printer.text(str(self))

    def _repr_html_(self) -> str:
        esc = _html.escape
        head = "".join(f"<th>{h}</th>" for h in ("#", "path", "local derivatives", "product"))
        body = "".join("<tr>" + "".join(f'<td style="padding:2px 8px">{esc(c)}</td>' for c in row) + "</tr>"
                       for row in self.rows())
        notes = []
        if self.left_out:
            notes.append(f"{self.left_out:,} smaller paths left out (max_paths={self.max_paths})")
        if self.count or self.grad is not None:
            colour = {True: "#15803d", False: "#b91c1c", None: "#374151"}[self.agrees]
            notes.append(f'<span style="color:{colour}">{esc(self.verdict())}</span>')
        footer = "".join(f"<p style=\"margin:2px 0\">{note}</p>" for note in notes)
        return (f'<div class="chainrule-paths"><table style="border-collapse:collapse;font-family:monospace">'
                f'<caption style="text-align:left">{esc(self.summary())}</caption>'
                f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{footer}</div>")


def derivative(output: str, wrt: str) -> str:
    """d output / d wrt written with the nodes' names, a name that is not one word in parentheses.

    >>> derivative("y", "x"), derivative("x*x + x", "x"), derivative("mul#2", "w.0")
    ('dy/dx', 'd(x*x + x)/dx', 'd(mul#2)/d(w.0)')
    """
    def wrap(name: str) -> str:
        return name if name.isidentifier() else f"({name})"

    return f"d{wrap(output)}/d{wrap(wrt)}"


def _signed_sum(terms: list[str]) -> str:
    """Terms joined by + and -: ``['3', '-1', '2']`` reads ``3 - 1 + 2``.

    >>> _signed_sum(["3", "-1", "2"])
    '3 - 1 + 2'
    """
    text = terms[0] if terms else ""
    for term in terms[1:]:
        text += f" - {term[1:]}" if term.startswith("-") else f" + {term}"
    return text
