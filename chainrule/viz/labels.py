"""Label text for DOT: user text is escaped so it always shows as literal characters.

Labels are Graphviz *record* labels and plain quoted strings (the WebAssembly Graphviz build has no
HTML-like labels). Graphviz itself then escapes the text again when it writes SVG.
"""

from __future__ import annotations

import re

# Graphviz reads \N, \G, \l ... and &entities; in labels, and { } | < > in records: escape them all.
# Shown as \xNN or \uNNNN: control characters (invalid in XML), surrogates, the line and paragraph
# separators U+2028/U+2029 (str.splitlines splits on them, so DOT text would no longer be one label per
# line) and the noncharacters U+FFFE/U+FFFF (not allowed in XML: the SVG would not be well-formed).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\ufffe\uffff]")
_RECORD_SPECIAL = re.compile(r"([{}|<>])")
# nothing to escape (the usual case)
_PLAIN = re.compile(r'[^\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\ufffe\uffff\\"&{}|<>]*')


def escape_text(text: str) -> str:
    """``text`` ready to go between the double quotes of a DOT label, shown literally.

    Control characters (invalid in SVG's XML) are shown as ``\\xNN``; line separators and the
    noncharacters U+FFFE/U+FFFF as ``\\uNNNN``.

    >>> escape_text('say "hi" & \\\\N')
    'say \\\\"hi\\\\" &amp; \\\\\\\\N'
    """
    text = str(text)
    if _PLAIN.fullmatch(text):
        return text
    text = _CONTROL.sub(_shown, text)
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("&", "&amp;")


def _shown(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def quoted(text: str) -> str:
    """A double-quoted DOT string showing ``text`` literally. ``quoted('a"b') == '"a\\\\"b"'``"""
    return f'"{escape_text(text)}"'


def record_field(text: str) -> str:
    """One field of a record label: also escapes the record syntax ``{ } | < >``.

    >>> record_field("a|b{c}")
    'a\\\\|b\\\\{c\\\\}'
    """
    text = str(text)
    return text if _PLAIN.fullmatch(text) else _RECORD_SPECIAL.sub(r"\\\1", escape_text(text))


def record(fields: list[str], across: bool) -> str:
    """A quoted record label from already-escaped fields, laid out across the page or down it.

    In a left-to-right graph a record's top-level fields stack vertically, so ``{...}`` turns them.

    >>> record(["a", "data 2"], across=True)
    '"{a|data 2}"'
    """
    body = "|".join(fields)
    return f'"{{{body}}}"' if across else f'"{body}"'


def value_record(label: str, data: str, grad: str, across: bool) -> str:
    """The label of a value node: its label (if any), data and grad, as one record.

    >>> value_record("a", "2", "—", across=True)
    '"{a|data 2|grad —}"'
    """
    fields = [f"data {record_field(data)}", f"grad {record_field(grad)}"]
    if label:
        fields.insert(0, record_field(label))
    return record(fields, across)


def group_record(name: str, outputs: list[tuple[str, ...]]) -> str:
    """The label of a collapsed box: its scope name, then one row per output (port, data, grad);
    edges leave from the port on the grad field, the last one downstream.

    Each ``{...}`` turns the direction, so in a left-to-right graph this is the name, then a column
    of outputs, each one ``data | grad`` across (and the transpose top-to-bottom).

    >>> group_record("neurons.0", [("o0", "0.5", "1")])
    '"{neurons.0|{{data 0.5|<o0> grad 1}}}"'
    """
    rows = "|".join(
        f"{{{''.join(record_field(n) + '|' for n in named if n)}data {record_field(data)}|<{port}> grad"
        f" {record_field(grad)}}}" for port, data, grad, *named in outputs
    )
    return record([record_field(name), f"{{{rows}}}"], across=True)


def label_text(label: str) -> str:
    """What a label made by :func:`escape_text` shows: the inverse of that escaping.

    >>> print(label_text(escape_text('say "hi" & \\\\N {x|y}')))
    say "hi" & \\N {x|y}
    """
    return re.sub(r"\\(.)", r"\1", label).replace("&amp;", "&")


def record_texts(label: str) -> tuple[str, ...]:
    """The texts a record label shows, field by field, as Graphviz draws them: the ``{ | }``
    structure and ``<port>`` names removed, blanks collapsed, empty fields left out.

    >>> record_texts(group_record("neurons.0", [("o0", "0.5", "{1}")])[1:-1])
    ('neurons.0', 'data 0.5', 'grad {1}')
    """
    texts, field, in_port, chars = [], [], False, iter(label)
    for c in chars:
        if c == "\\":
            field.append(c + next(chars, ""))
        elif in_port:
            in_port = c != ">"
        elif c == "<":
            in_port = True
        elif c in "{}|":
            texts.append("".join(field))
            field = []
        else:
            field.append(c)
    texts.append("".join(field))
    return tuple(text for text in (label_text(" ".join(t.split())) for t in texts) if text)
