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
    # and every function of chainrule.engine.functions.FUNCTIONS (exp, ..., maximum): see _module_of
    **dict.fromkeys(["grad", "select", "sum"], "chainrule.engine.functions"),
    **dict.fromkeys(["AuditReport", "audit"], "chainrule.check.audit"),
    **dict.fromkeys(["GradcheckError", "GradcheckReport", "gradcheck", "gradcheck_parameters"],
                    "chainrule.check.gradcheck"),
    **dict.fromkeys(["Jacobian", "forward_grad", "jacobian"], "chainrule.engine.forward"),
    **dict.fromkeys(["PathsReport", "paths"], "chainrule.check.paths"),
    **dict.fromkeys(["draw", "to_svg"], "chainrule.viz"),
    "step_through": "chainrule.viz.steps",
    "compile": "chainrule.compile",  # not in __all__: `import *` must not shadow the builtin compile
}
_SUBPACKAGES = {"check", "cli", "engine", "files", "formula", "nn", "viz"}  # `chainrule.nn.MLP` works


def __getattr__(name: str) -> Any:
    if name in _SUBPACKAGES:
        return importlib.import_module(f"chainrule.{name}")
    if name == "__all__":  # for `import *`: it names the op table's functions
        return [*_ALL, *_functions().__all__]
    module = _module_of(name)
    if module is None:
        raise AttributeError(f"module 'chainrule' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # the next read is a plain module attribute
    return value


def _functions() -> Any:
    return importlib.import_module("chainrule.engine.functions")


def _module_of(name: str) -> str | None:
    """The module defining a lazy name: from _LAZY, or one of the op table's functions."""
    if name in _LAZY:
        return _LAZY[name]
    return "chainrule.engine.functions" if name in _functions().FUNCTIONS else None


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY, *_SUBPACKAGES, *_functions().FUNCTIONS, "__all__"})


if TYPE_CHECKING:  # what type checkers and IDEs see; at run time __getattr__ provides these
    from chainrule.check.audit import AuditReport, audit
    from chainrule.check.gradcheck import GradcheckError, GradcheckReport, gradcheck, gradcheck_parameters
    from chainrule.check.paths import PathsReport, paths
    from chainrule.compile import compile as compile
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
    from chainrule.engine.forward import Jacobian, forward_grad, jacobian

    # exp, log, ..., maximum, minimum are made from the op table (chainrule.engine.functions.FUNCTIONS)
    from chainrule.engine.functions import abs as abs
    from chainrule.engine.functions import grad as grad
    from chainrule.engine.functions import select as select
    from chainrule.engine.functions import sum as sum
    from chainrule.viz import draw, to_svg
    from chainrule.viz.steps import step_through

# sum and abs are chainrule.sum / chainrule.abs but not in __all__: `import *` must not hide the builtins.
# __all__ itself is these and the op table's functions (exp, ..., maximum; see __getattr__)
_ALL = [
    "AnomalyError", "AuditReport", "Constant", "DomainError", "GradcheckError", "GradcheckReport",
    "Jacobian", "LocalGradsError", "NOT_COMPUTED", "OPS", "Op", "Parameter", "PathsReport", "Value",
    "audit", "detect_anomaly", "draw", "forward_grad", "gradcheck", "gradcheck_parameters", "jacobian",
    "name_scope", "nan_on_domain_error", "no_grad", "paths", "step_through", "to_svg", "topological_order",
]
