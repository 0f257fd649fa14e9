"""One display name per node: the only place node names are made.

The stepper's tables and sentences, the pictures (``to_dot(names=...)``), the path report and the
Jacobian's row and column headings all call :func:`node_names`, so a name one of them shows can be
found in the others. Standard library only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from chainrule.engine.value import Constant, Value


def format_number(x: float) -> str:
    """A number at 4 significant digits, as tables and pictures show it; ``-0.0`` shows as ``0``,
    and inf / nan as such.

    >>> [format_number(v) for v in (2.0, -0.0, 0.70642, 1234567.0, 1e-9, float("-inf"), float("nan"))]
    ['2', '0', '0.7064', '1.235e+06', '1e-09', '-inf', 'nan']
    """
    x = float(x)
    if x == 0:
        return "0"
    return f"{x:.4g}"


def in_scope(scope: tuple[str, ...] | None, focus: str) -> bool:
    """Whether a node of ``scope`` lies inside the scope written ``focus`` (dotted, e.g.
    ``"layers.1.neurons.0"``).

    >>> in_scope(("layers.1", "neurons.0"), "layers.1"), in_scope(("layers.10",), "layers.1")
    (True, False)
    """
    dotted = ".".join(scope or ())
    return dotted == focus or dotted.startswith(focus + ".")


def scoped(label: str, scope: tuple[str, ...] | None, focus: str | None = None) -> str:
    """``label`` under its scope path, the ``focus`` prefix left out inside it.

    >>> scoped("w.0", ("layers.1", "neurons.0")), scoped("w.0", ("layers.1", "neurons.0"), "layers.1")
    ('layers.1.neurons.0.w.0', 'neurons.0.w.0')
    """
    path = ".".join(scope or ())
    if focus and in_scope(scope, focus):
        path = path[len(focus) + 1:]
    return f"{path}.{label}" if path else label


def node_names(order: Iterable[Value], focus: str | None = None) -> dict[Value, str]:
    """A display name for every node of ``order`` (a topological order), no two alike.

    A labelled node is its label, prefixed by its scope (``layers.0.neurons.2.w.0``; relative to
    ``focus`` inside it, so ``w.0`` there); an unlabelled constant is its number (4 significant
    digits); any other node is its op name and its position in the order (``mul#2``, as the
    picture's ids ``n2`` are numbered), an unlabelled leaf ``leaf#position``. A name several nodes
    would share gets the node's position too (``x#3``); equal unlabelled constants keep their number.

    >>> from chainrule.engine import topological_order
    >>> x = Value(3.0, label="x")
    >>> y = 2 * x + 1
    >>> list(node_names(topological_order(y)).values())
    ['2', 'x', 'mul#2', '1', 'add#4']
    >>> a, b = Value(1.0, label="a"), Value(2.0, label="a")
    >>> list(node_names(topological_order(a * b)).values())
    ['a#0', 'a#1', 'mul#2']
    """
    order = list(order)
    names: dict[Value, str] = {}
    for position, node in enumerate(order):
        if node.label:
            names[node] = scoped(node.label, node.scope, focus)
        elif isinstance(node, Constant):
            names[node] = format_number(node.data)
        elif node.op is not None:
            names[node] = f"{node.op.name}#{position}"
        else:
            names[node] = f"leaf#{position}"
    shared = {name for name, count in Counter(names.values()).items() if count > 1}
    if shared:
        for position, node in enumerate(order):
            is_number = isinstance(node, Constant) and not node.label
            if names[node] in shared and not is_number:
                names[node] = f"{names[node]}#{position}"
    return names
