"""Replay of a recorded graph: ``chainrule.compile(output)`` runs forward and backward again on new
leaf data without building nodes (backends "objects", "python" and, with NumPy, "numpy")."""

import sys
import types
from typing import Any

from chainrule.compile.compiled import BACKENDS, Compiled, compile
from chainrule.compile.tape import GraphChangedError, Tape, fingerprint

__all__ = ["BACKENDS", "Compiled", "GraphChangedError", "Tape", "compile", "fingerprint"]


class _CallableModule(types.ModuleType):
    """``chainrule.compile`` is both this package and the function: importing a submodule rebinds the
    package's attribute on ``chainrule`` to the module, so the module calls the function too."""

    def __call__(self, output: Any, backend: str = "python", **options: Any) -> Compiled:
        return compile(output, backend, **options)


sys.modules[__name__].__class__ = _CallableModule
