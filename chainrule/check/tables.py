"""Plain-text and HTML tables for the gradient-check and audit reports.

User text (labels) goes through :func:`html.escape`, so a label like ``<b>x</b>`` shows as text.
"""

from __future__ import annotations

import html as _html
from collections.abc import Iterator, Sequence
from typing import Any

MAX_ROWS_SHOWN = 40  # bigger reports show only the rows that are not good, in str() and HTML

# Background colour per band, for the notebook view.
BAND_COLOURS = {
    "good": "#d9f2d9", "acceptable": "#eef7d4", "kink": "#dde8f7",
    "suspicious": "#fbe9c6", "undefined": "#eeeeee", "wrong": "#f7d0d0",
}


def number(x: float) -> str:
    """A value or gradient with enough digits to see a disagreement.

    >>> number(0.1 + 0.2), number(-3.0), number(float("nan"))
    ('0.3', '-3', 'nan')
    """
    return f"{x:.10g}"


def error(x: float) -> str:
    """An error in scientific notation, exact zero shown as 0.

    >>> error(0.0), error(1.5e-9)
    ('0', '1.5e-09')
    """
    if x == 0:
        return "0"
    return f"{x:.1e}".replace(".0e", "e")  # nan and inf print as themselves


def text(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns separated by two spaces; empty trailing columns are trimmed.

    >>> print(text(("a", "bb"), [("1", "2"), ("333", "")]))
    a    bb
    1    2
    333
    """
    cells = [[_one_line(cell) for cell in row] for row in (header, *rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in cells)
    return "\n".join(lines)


def html(caption: str, header: Sequence[str], rows: Sequence[Sequence[str]], bands: Sequence[str]) -> str:
    """An HTML table, each row coloured by its band; every cell is escaped.

    >>> "&lt;b&gt;" in html("c", ("name",), [("<b>",)], ["good"])
    True
    """
    head = "".join(f"<th>{_html.escape(cell)}</th>" for cell in header)
    body = "".join(_html_row(row, band) for row, band in zip(rows, bands))
    return (
        '<table class="chainrule-check" style="border-collapse:collapse;font-family:monospace">'
        f"<caption style=\"text-align:left\">{_html.escape(caption)}</caption>"
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def _html_row(row: Sequence[str], band: str) -> str:
    style = f"background:{BAND_COLOURS.get(band, '#ffffff')}"
    cells = "".join(f'<td style="padding:2px 8px">{_html.escape(cell)}</td>' for cell in row)
    return f'<tr style="{style}">{cells}</tr>'


def _one_line(cell: str) -> str:
    return cell.replace("\r", " ").replace("\n", " ")


class TableReport:
    """What the gradcheck and audit reports share: a one-line repr, a text table and an HTML table.

    A subclass gives ``_all()`` (its rows, each with a ``band``), ``_summary()``, ``HEADER`` and
    ``_cells(rows)``; reports longer than :data:`MAX_ROWS_SHOWN` show only the rows that are not good.
    """

    HEADER: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when no row is suspicious, wrong or undefined (kinks are allowed)."""
        return all(row.ok for row in self._all())

    @property
    def failures(self) -> tuple[Any, ...]:
        """The rows that are suspicious, wrong or undefined, in order."""
        return tuple(row for row in self._all() if not row.ok)

    @property
    def unchecked(self) -> tuple[Any, ...]:
        """The "undefined" rows: no numeric estimate could judge them (a domain edge, a step that
        rounds away, an estimate too uncertain). Not a wrong gradient, but not a confirmed one."""
        return tuple(row for row in self._all() if row.band == "undefined")

    @property
    def could_not_check(self) -> bool:
        """True when the check is not ok only because some rows could not be judged (none is
        suspicious or wrong): "could not check", not "failed"."""
        return not self.ok and len(self.unchecked) == len(self.failures)

    @property
    def kinks(self) -> tuple[Any, ...]:
        """The rows whose numeric check straddles a kink (relu, abs, max, a pole): it means nothing."""
        return tuple(row for row in self._all() if row.band == "kink")

    def __iter__(self) -> Iterator[Any]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __repr__(self) -> str:
        return f"<{self._summary()}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:  # IPython's plain-text display
        printer.text(str(self))

    def __str__(self) -> str:
        shown = self._shown()
        return f"{self._summary()}\n{text(self.HEADER, self._cells(shown))}" if shown else self._summary()

    def _repr_html_(self) -> str:
        shown = self._shown()
        return html(self._summary(), self.HEADER, self._cells(shown), [row.band for row in shown])

    def _shown(self) -> tuple[Any, ...]:
        rows = self._all()
        return rows if len(rows) <= MAX_ROWS_SHOWN else tuple(row for row in rows if row.band != "good")

    def _all(self) -> tuple[Any, ...]:
        raise NotImplementedError

    def _summary(self) -> str:
        raise NotImplementedError

    def _cells(self, rows: tuple[Any, ...]) -> list[tuple[str, ...]]:
        raise NotImplementedError
