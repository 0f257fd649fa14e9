"""Steps as a table: aligned plain text for a terminal, escaped HTML for Jupyter and the web page."""

from __future__ import annotations

import html
from collections.abc import Sequence


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool]) -> str:
    """Columns padded to their widest cell: numbers right-aligned, text left, the last column free.

    >>> print(text_table(["#", "node", "why"], [["1", "a", "x"], ["10", "bcd", "y"]], [True, False, False]))
     #  node  why
     1  a     x
    10  bcd   y
    """
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows)]
    lines = []
    for cells in [headers, *rows]:
        padded = [
            cell if last else (cell.rjust(width) if is_number else cell.ljust(width))
            for cell, width, is_number, last in zip(cells, widths, numeric, _last_flags(len(cells)))
        ]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def html_table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool],
               caption: str = "", first_row: int = 0) -> str:
    """An HTML table with every cell escaped; row ``k`` carries ``data-step="first_row + k"``.

    >>> html_table(["node"], [["<b>"]], [False])
    '<table class="chainrule-steps"><thead>...<tr data-step="0"><td>&lt;b&gt;</td></tr></tbody></table>'
    """
    style = ['class="num"' if is_number else "" for is_number in numeric]
    head = "".join(f"<th{_space(s)}>{html.escape(h)}</th>" for h, s in zip(headers, style))
    body = "".join(
        f'<tr data-step="{first_row + k}">'
        + "".join(f"<td{_space(s)}>{html.escape(cell)}</td>" for cell, s in zip(cells, style))
        + "</tr>"
        for k, cells in enumerate(rows)
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return (f'<table class="chainrule-steps">{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _space(attribute: str) -> str:
    return f" {attribute}" if attribute else ""


def _last_flags(n: int) -> list[bool]:
    return [k == n - 1 for k in range(n)]
