"""Random DAGs with shared sub-expressions, for the forward-mode and path tests (hypothesis)."""

from __future__ import annotations

from hypothesis import strategies as st

from chainrule import Value, maximum
from chainrule import sum as total

UNARY = {
    "tanh": Value.tanh, "sin": Value.sin, "sigmoid": Value.sigmoid, "neg": Value.__neg__,
    "exp of -x²": lambda v: (-(v * v)).exp(), "square": lambda v: v ** 2, "relu": Value.relu,
    "times 2": lambda v: 2 * v, "log of 1+x²": lambda v: (1 + v * v).log(),
}
BINARY = {
    "add": Value.__add__, "sub": Value.__sub__, "mul": Value.__mul__,
    "div": lambda a, b: a / (2 + b * b), "max": maximum,
}


@st.composite
def dags(draw: st.DrawFn, max_ops: int = 25) -> tuple[list[Value], Value]:
    """Leaves, then ops on earlier nodes picked by index (the same node is often picked twice, and
    nodes are reused by later ops: shared sub-expressions); sometimes an n-ary sum of three."""
    data = draw(st.lists(st.floats(-1.5, 1.5), min_size=1, max_size=4))
    leaves = [Value(x, label=f"x{i}") for i, x in enumerate(data)]
    nodes = list(leaves)
    for _ in range(draw(st.integers(1, max_ops))):
        pick = st.integers(0, len(nodes) - 1)
        kind = draw(st.integers(0, 5))
        if kind < 3:
            nodes.append(UNARY[draw(st.sampled_from(sorted(UNARY)))](nodes[draw(pick)]))
        elif kind < 5:
            op = BINARY[draw(st.sampled_from(sorted(BINARY)))]
            nodes.append(op(nodes[draw(pick)], nodes[draw(pick)]))
        else:
            nodes.append(total([nodes[draw(pick)] for _ in range(3)]))
    return leaves, nodes[-1]
