"""The two kinds of leaf a user does not make with ``Value(...)``: constants and parameters."""

from chainrule.engine.value import Value


class Constant(Value):
    """A leaf made from a Python number inside a formula (the ``2`` in ``2 * x``).

    >>> from chainrule import Value
    >>> (Value(1.0) * 2).parents[1]
    Constant(data=2.0)
    """

    __slots__ = ()


class Parameter(Value):
    """A leaf that a model learns (weights and biases); pictures colour it apart from inputs.

    >>> from chainrule import Parameter
    >>> w = Parameter(0.5, label="w"); (w * 4).backward(); w.grad
    4.0
    """

    __slots__ = ()
