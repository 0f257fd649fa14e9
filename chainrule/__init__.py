"""chainrule: a scalar reverse-mode autodiff engine whose every step can be seen and checked.

>>> from chainrule import Value
>>> x = Value(2.0, label="x")
>>> y = (x * x + 1).tanh()
>>> y.backward()
>>> round(x.grad, 6)
0.01816
"""

from chainrule.engine import (
    NOT_COMPUTED, OPS, AnomalyError, Constant, DomainError, Op, Parameter, Value,
    detect_anomaly, name_scope, nan_on_domain_error, no_grad, topological_order,
)
from chainrule.engine.functions import abs, cos, exp, grad, log, maximum, relu, sigmoid, sin, sum, tanh

__version__ = "0.1.0"

__all__ = [
    "NOT_COMPUTED", "OPS", "AnomalyError", "Constant", "DomainError", "Op", "Parameter", "Value",
    "abs", "cos", "detect_anomaly", "exp", "grad", "log", "maximum", "name_scope",
    "nan_on_domain_error", "no_grad", "relu", "sigmoid", "sin", "sum", "tanh", "topological_order",
]
