"""Which code a replay runs for an op, chosen as the engine's backward chooses (engine/graph.py).

The engine reads constant partials from the row (``op.constant_partials``) and calls
``op.local_grads`` otherwise, whatever it currently is: a patched rule is used. A replay does the
same: a row's template is used only while the functions it restates are still the op's own
(``op.templated``); once ``forward`` or ``local_grads`` is replaced, the replay calls the op's
functions, so a replay gives what the plain engine gives.
"""

from __future__ import annotations

import math

from chainrule.engine.ops import Op, Template


def forward_code(op: Op) -> Template | None:
    """The op's template when its forward expression is still the op's ``forward``, else None.

    >>> from chainrule import OPS
    >>> forward_code(OPS["mul"]).forward
    '({0} * {1})'
    """
    template = op.template
    if template is None or op.forward is not op.templated[0]:
        return None
    return template


def partials_code(op: Op) -> tuple[str, ...] | None:
    """The local gradients as code: the row's constant partials when it has them (what the engine's
    backward uses), the template's while ``local_grads`` is the one it restates, else None (call it).

    >>> from chainrule import OPS
    >>> partials_code(OPS["sub"]), partials_code(OPS["mul"]), partials_code(OPS["select"])
    (('1.0', '(-1.0)'), ('{1}', '{0}'), None)
    """
    if op.constant_partials is not None:
        return tuple(map(literal, op.constant_partials))
    template = op.template
    if template is None or op.local_grads is not op.templated[1]:
        return None
    return template.local_grads


def literal(x: float) -> str:
    """A float as Python source that evaluates to exactly it (``inf`` and ``nan`` by name).

    >>> literal(2.5), literal(-0.0), literal(float("-inf"))
    ('2.5', '(-0.0)', '(-inf)')
    """
    x = float(x)
    if math.isnan(x):
        return "nan"
    text = "inf" if math.isinf(x) else repr(abs(x))
    return f"(-{text})" if math.copysign(1.0, x) < 0 else text
