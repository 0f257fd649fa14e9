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

from chainrule.viz.steps.backward import BackwardStep, BackwardTrace, record_backward, step_through
from chainrule.viz.steps.forward import (
    ForwardStep,
    ForwardTrace,
    TangentStep,
    TangentTrace,
    record_forward,
    record_tangents,
)
from chainrule.viz.steps.trace import Trace
from chainrule.viz.steps.widget import StepWidget

__all__ = [
    "BackwardStep", "BackwardTrace", "ForwardStep", "ForwardTrace", "StepWidget", "Trace",
    "TangentStep", "TangentTrace", "record_backward", "record_forward", "record_tangents", "step_through",
]
