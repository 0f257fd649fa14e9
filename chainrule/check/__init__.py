"""Numeric verification of the engine: gradcheck (whole gradients) and audit (each op's local rule).

>>> from chainrule import Value
>>> from chainrule.check import gradcheck
>>> gradcheck(lambda x, y: x * y + x.tanh(), [Value(0.5), Value(-2.0)]).ok
True
"""

from chainrule.check.audit import audit
from chainrule.check.audit_report import AuditReport
from chainrule.check.gradcheck import gradcheck, gradcheck_parameters
from chainrule.check.gradcheck_report import GradcheckError, GradcheckReport, relative_error

__all__ = ["AuditReport", "GradcheckError", "GradcheckReport", "audit", "gradcheck", "gradcheck_parameters",
           "relative_error"]
