"""Step through backprop: record a pass, print it as a table, draw each step, play it, export it.

>>> from chainrule import Value
>>> from chainrule.viz.steps import record_backward
>>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
>>> trace = record_backward(a * b + b)
>>> [(s.parent_name, s.rule) for s in trace]
[('mul#2', 'distribute'), ('b', 'distribute'), ('a', 'swap'), ('b', 'swap')]
>>> b.grad
3.0
"""

from chainrule.viz.steps.record import (
    BackwardStep,
    ForwardStep,
    record_backward,
    record_forward,
    step_through,
)
from chainrule.viz.steps.trace import BackwardTrace, ForwardTrace
from chainrule.viz.steps.widget import StepWidget

__all__ = [
    "BackwardStep", "BackwardTrace", "ForwardStep", "ForwardTrace", "StepWidget",
    "record_backward", "record_forward", "step_through",
]
