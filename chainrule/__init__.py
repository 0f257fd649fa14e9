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
from chainrule.engine.audit import AuditReport, audit
from chainrule.engine.functions import abs, cos, exp, grad, log, maximum, relu, sigmoid, sin, sum, tanh
from chainrule.engine.gradcheck import GradcheckError, GradcheckReport, gradcheck, gradcheck_parameters

__version__ = "0.1.0"

__all__ = [
    "NOT_COMPUTED", "OPS", "AnomalyError", "AuditReport", "Constant", "DomainError", "GradcheckError",
    "GradcheckReport", "Op", "Parameter", "Value",
    "abs", "audit", "cos", "detect_anomaly", "exp", "grad", "gradcheck", "gradcheck_parameters", "log", "maximum", "name_scope",
    "nan_on_domain_error", "no_grad", "relu", "sigmoid", "sin", "sum", "tanh", "topological_order",
]
