"""chainrule: a scalar reverse-mode autodiff engine whose every step can be seen and checked.

>>> from chainrule import Value
>>> x = Value(2.0, label="x")
>>> y = (x * x + 1).tanh()
>>> y.backward()
>>> round(x.grad, 6)
0.000726

The top-level names are loaded on first use (PEP 562), so ``import chainrule`` and
``import chainrule.engine`` load neither graphviz, tqdm, matplotlib nor wasmtime.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> the module that defines it; imported when the name is first read
_LAZY: dict[str, str] = {
    **dict.fromkeys(
        ["NOT_COMPUTED", "OPS", "AnomalyError", "Constant", "DomainError", "LocalGradsError", "Op",
         "Parameter", "Value", "detect_anomaly", "name_scope", "nan_on_domain_error", "no_grad",
         "topological_order"],
        "chainrule.engine"),
    **dict.fromkeys(["abs", "cos", "exp", "grad", "log", "maximum", "relu", "select", "sigmoid", "sin", "sum",
                     "tanh"], "chainrule.engine.functions"),
    **dict.fromkeys(["AuditReport", "audit"], "chainrule.check.audit"),
    **dict.fromkeys(["GradcheckError", "GradcheckReport", "gradcheck", "gradcheck_parameters"],
                    "chainrule.check.gradcheck"),
    **dict.fromkeys(["draw", "to_svg"], "chainrule.viz"),
    "step_through": "chainrule.viz.steps",
}
_SUBPACKAGES = {"check", "cli", "engine", "files", "formula", "nn", "viz"}  # `chainrule.nn.MLP` works


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"chainrule.{name}")
    if name not in _LAZY:
        raise AttributeError(f"module 'chainrule' has no attribute {name!r}")
    value = getattr(importlib.import_module(_LAZY[name]), name)
    globals()[name] = value  # the next read is a plain module attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, *_SUBPACKAGES})


if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ provides these
    from chainrule.check.audit import AuditReport, audit
    from chainrule.check.gradcheck import GradcheckError, GradcheckReport, gradcheck, gradcheck_parameters
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
    from chainrule.engine.functions import abs as abs
    from chainrule.engine.functions import cos, exp, grad, log, maximum, relu, select, sigmoid, sin, tanh
    from chainrule.engine.functions import sum as sum
    from chainrule.viz import draw, to_svg
    from chainrule.viz.steps import step_through

# sum and abs are chainrule.sum / chainrule.abs but not in __all__: `import *` must not hide the builtins
__all__ = [
    "AnomalyError", "AuditReport", "Constant", "DomainError", "GradcheckError", "GradcheckReport",
    "LocalGradsError", "NOT_COMPUTED", "OPS", "Op", "Parameter", "Value", "audit", "cos",
    "detect_anomaly", "draw", "exp", "grad", "gradcheck", "gradcheck_parameters", "log", "maximum",
    "name_scope", "nan_on_domain_error", "no_grad", "relu", "select", "sigmoid", "sin", "step_through",
    "tanh", "to_svg", "topological_order",
]
