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


_CELL = "padding:2px 8px;border-bottom:1px solid #ddd;vertical-align:top;"
_INLINE = {  # the page's style sheet, written on each element: a notebook host may drop <style>
    "table": "border-collapse:collapse;font-size:0.9em;",
    "th": _CELL + "text-align:left;font-weight:bold;", "th.num": _CELL + "text-align:right;font-weight:bold;",
    "td": _CELL + "text-align:left;", "td.num": _CELL + "text-align:right;font-variant-numeric:tabular-nums;",
}


def html_table(headers: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool],
               caption: str = "", first_row: int = 0, inline_style: bool = False) -> str:
    """An HTML table with every cell escaped; row ``k`` carries ``data-step="first_row + k"``;
    ``inline_style`` writes its look on each element.

    >>> html_table(["node"], [["<b>"]], [False])
    '<table class="chainrule-steps"><thead>...<tr data-step="0"><td>&lt;b&gt;</td></tr></tbody></table>'
    """
    style = ['class="num"' if is_number else "" for is_number in numeric]
    th = [_look("th", is_number, s, inline_style) for is_number, s in zip(numeric, style)]
    td = [_look("td", is_number, s, inline_style) for is_number, s in zip(numeric, style)]
    head = "".join(f"<th{a}>{html.escape(h)}</th>" for h, a in zip(headers, th))
    body = "".join(
        f'<tr data-step="{first_row + k}">'
        + "".join(f"<td{a}>{html.escape(cell)}</td>" for cell, a in zip(cells, td))
        + "</tr>"
        for k, cells in enumerate(rows)
    )
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    table_style = f' style="{_INLINE["table"]}"' if inline_style else ""
    return (f'<table class="chainrule-steps"{table_style}>{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def _look(tag: str, is_number: bool, attribute: str, inline: bool) -> str:
    if not inline:
        return _space(attribute)
    return f'{_space(attribute)} style="{_INLINE[tag + (".num" if is_number else "")]}"'


def _space(attribute: str) -> str:
    return f" {attribute}" if attribute else ""


def _last_flags(n: int) -> list[bool]:
    return [k == n - 1 for k in range(n)]
