"""The engine: Value nodes, the op table, graph traversal and backward. Standard library only."""

from chainrule.engine.errors import AnomalyError, DomainError, LocalGradsError
from chainrule.engine.graph import NOT_COMPUTED, backpropagate, recompute, topological_order
from chainrule.engine.modes import detect_anomaly, name_scope, nan_on_domain_error, no_grad
from chainrule.engine.ops import OP_FACTORIES, OPS, Op
from chainrule.engine.value import Constant, Parameter, Value, apply

__all__ = [
    "NOT_COMPUTED", "OPS", "OP_FACTORIES", "AnomalyError", "Constant", "DomainError", "LocalGradsError", "Op",
    "Parameter", "Value", "apply", "backpropagate", "detect_anomaly", "name_scope",
    "nan_on_domain_error", "no_grad", "recompute", "topological_order",
]
