"""chainrule: a scalar reverse-mode autodiff engine whose every step can be seen and checked.

>>> from chainrule import Value
>>> x = Value(2.0, label="x")
>>> y = (x * x + 1).tanh()
>>> y.backward()
>>> round(x.grad, 6)
0.000726
"""

from chainrule import nn as nn  # so `chainrule.nn.MLP` works after `import chainrule`
from chainrule import viz as viz
from chainrule.compile import compile  # not in __all__: `import *` must not shadow the builtin
from chainrule.engine import (
    NOT_COMPUTED,
    OPS,
    AnomalyError,
    Constant,
    DomainError,
    LocalGradsError,
    Op,
    Parameter,
    Value,
    detect_anomaly,
    name_scope,
    nan_on_domain_error,
    no_grad,
    topological_order,
)
from chainrule.engine.audit import AuditReport, audit
from chainrule.engine.functions import abs, cos, exp, grad, log, maximum, relu, sigmoid, sin, sum, tanh
from chainrule.engine.gradcheck import GradcheckError, GradcheckReport, gradcheck, gradcheck_parameters
from chainrule.viz import draw, to_svg
from chainrule.viz.steps import step_through

__version__ = "0.1.0"

# sum and abs are chainrule.sum / chainrule.abs but not in __all__: `import *` must not hide the builtins
__all__ = [
    "AnomalyError", "AuditReport", "Constant", "DomainError", "GradcheckError", "GradcheckReport",
    "LocalGradsError", "NOT_COMPUTED", "OPS", "Op", "Parameter", "Value", "audit", "cos",
    "detect_anomaly", "draw", "exp", "grad", "gradcheck", "gradcheck_parameters", "log", "maximum",
    "name_scope", "nan_on_domain_error", "no_grad", "relu", "sigmoid", "sin", "step_through",
    "tanh", "to_svg", "topological_order",
]
