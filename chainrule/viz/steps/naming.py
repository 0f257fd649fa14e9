"""One display name per node, shared by the tables, the explanations and the picture; and the check
that a recorded pass starts from a Value. The names are made by the engine's one
:func:`chainrule.engine.naming.node_names` (the path report and the Jacobian use it too).

The picture draws every value node under the name the tables use (see ``to_dot(names=...)``), so
any name a row or a sentence mentions can be found in the frame.
"""

from __future__ import annotations

from typing import Any

from chainrule.engine import Value
from chainrule.engine.naming import node_names, scoped

__all__ = ["check_root", "node_names", "scope_name", "scoped"]  # node_names, scoped: the engine's


def scope_name(scope: tuple[str, ...]) -> str:
    """The name of a collapsed neuron or layer: its whole scope path, as its box shows it.

    >>> scope_name(("layers.1", "neurons.0"))
    'layers.1.neurons.0'
    """
    return ".".join(scope)


def check_root(root: Any, where: str) -> None:
    """Refuse anything but a Value as the root of a recorded pass."""
    if not isinstance(root, Value):
        raise TypeError(f"{where} needs a Value (the output of a formula), got {type(root).__name__}")
