"""Pickling and copying graphs, iteratively (a 100,000-op chain pickles), ops by name.

pickle saves an object's state right after the object, so a node whose state named its parents
would make pickle recurse once per level of the graph. Instead, the node being pickled puts every
node it depends on, in topological order, ahead of its own state; each of those is saved with
only its direct parents, which pickle has by then already saved. ``copy.deepcopy`` copies the nodes
in topological order; ``copy.copy`` makes one new node sharing the parents.

Ops are saved by name (``OPS["add"]``) and parametrised ops by their constant (``x ** 2.0``);
unpickling gives the very same op objects. A custom :class:`~chainrule.Op` is saved by value, its
functions by reference as pickle saves any function: module-level functions pickle, a lambda or a
local function is refused with an error naming the op.

>>> import copy, pickle
>>> from chainrule import Value
>>> x = Value(2.0, label="x"); y = (x * x + 1).tanh()
>>> z, w = pickle.loads(pickle.dumps(y)), copy.deepcopy(y)
>>> z.data == y.data, z.parents[0].op is y.parents[0].op
(True, True)
>>> y.backward(); z.backward(); w.backward()
>>> z.parents[0].parents[0].parents[0].grad == w.parents[0].parents[0].parents[0].grad == x.grad
True
"""

from __future__ import annotations

import copy
import pickle
import threading
from typing import Any

from chainrule.engine import graph
from chainrule.engine.graph import N_ARY, NOT_COMPUTED
from chainrule.engine.ops import OP_FACTORIES, OPS, Op

_LOCAL = threading.local()  # per thread: the node sets whose members are saved with direct parents only


def _flat_sets() -> list[set[Any]]:
    sets = getattr(_LOCAL, "sets", None)
    if sets is None:
        sets = _LOCAL.sets = []
    return sets


class _Enter:
    """Saved ahead of a root's ancestors: pickle calls ``__reduce__`` as it reaches it, which is
    when those ancestors start being saved with their direct parents only."""

    __slots__ = ("nodes",)

    def __init__(self, nodes: set[Any]) -> None:
        self.nodes = nodes

    def __reduce__(self) -> tuple[Any, ...]:
        _flat_sets().append(self.nodes)
        return (tuple, ())


class _Exit(_Enter):
    """Saved after the ancestors: back to saving whole graphs."""

    __slots__ = ()

    def __reduce__(self) -> tuple[Any, ...]:
        sets = _flat_sets()
        for index in range(len(sets) - 1, -1, -1):
            if sets[index] is self.nodes:
                del sets[index]
                break
        return (tuple, ())


def reduce_node(node: Any) -> tuple[Any, ...]:
    """``Value.__reduce_ex__``: the node's class, then its state (its ancestors first, unless
    they are already being saved ahead of it).

    >>> from chainrule import Value
    >>> x = Value(1.0, label="x"); y = x + x
    >>> _, (cls,), (prelude, data, *_rest) = reduce_node(y)
    >>> cls.__name__, prelude[1], data
    ('Value', [Value(data=1.0, label='x')], 2.0)
    """
    prelude = None
    if node._parent0 is not None and not _being_saved(node):
        order = graph.topological_order(node)
        order.pop()  # the node itself: pickle has it already
        nodes = set(order)
        prelude = (_Enter(nodes), order, _Exit(nodes))
    extra = getattr(node, "__dict__", None)  # a user's subclass without __slots__
    state = (prelude, node.data, node.grad, node.op, node.label, node.scope, node.parents,
             node._parent1 is N_ARY, extra or None)
    return (_blank, (type(node),), state)


def _being_saved(node: Any) -> bool:
    for nodes in _flat_sets():
        if node in nodes:
            return True
    return False


def _blank(cls: type) -> Any:
    return object.__new__(cls)


def set_node_state(node: Any, state: tuple[Any, ...]) -> None:
    """``Value.__setstate__``: fill the slots from :func:`reduce_node`'s state.

    >>> from chainrule import Value
    >>> x = Value(3.0); twin = Value(0.0); set_node_state(twin, reduce_node(-x)[2])
    >>> twin.data, twin.parents == (x,)
    (-3.0, True)
    """
    _, node.data, node.grad, node.op, node.label, node.scope, parents, many, extra = state
    if many:
        node._parent0, node._parent1 = parents, N_ARY
    else:
        node._parent0 = parents[0] if parents else None
        node._parent1 = parents[1] if len(parents) > 1 else None
    if extra:
        node.__dict__.update(extra)


def copy_node(node: Any) -> Any:
    """``copy.copy``: a new node with the same data, grad, op and label, sharing the parents.

    >>> from chainrule import Value
    >>> x = Value(2.0); y = x * x; z = copy_node(y)
    >>> z is not y, z.parents == (x, x)
    (True, True)
    """
    new = _blank(type(node))
    for name in ("data", "grad", "op", "label", "scope", "_parent0", "_parent1"):
        setattr(new, name, getattr(node, name))
    extra = getattr(node, "__dict__", None)
    if extra:
        new.__dict__.update(extra)
    return new


def deepcopy_node(root: Any, memo: dict[int, Any]) -> Any:
    """``copy.deepcopy``: the graph copied node by node in topological order (no recursion).

    >>> from chainrule import Value
    >>> x = Value(2.0); y = deepcopy_node(x * x, {})
    >>> y.data, y.parents[0] is y.parents[1], y.parents[0] is x
    (4.0, True, False)
    """
    for node in graph.topological_order(root):
        if id(node) in memo:
            continue
        new = memo[id(node)] = _blank(type(node))
        new.data, new.op, new.label, new.scope = node.data, node.op, node.label, node.scope
        grad = node.grad
        new.grad = grad if type(grad) is float or grad is NOT_COMPUTED else copy.deepcopy(grad, memo)
        a, b = node._parent0, node._parent1
        if b is N_ARY:
            new._parent0, new._parent1 = tuple(memo[id(parent)] for parent in a), N_ARY
        else:
            new._parent0 = None if a is None else memo[id(a)]
            new._parent1 = None if b is None else memo[id(b)]
        extra = getattr(node, "__dict__", None)
        if extra:
            new.__dict__.update(copy.deepcopy(extra, memo))
    return memo[id(root)]


def reduce_op(op: Op) -> tuple[Any, ...]:
    """``Op.__reduce__``: a table op by name, a parametrised op by its constant, a custom op by value.

    >>> from chainrule.engine.ops import power
    >>> reduce_op(OPS["exp"]), reduce_op(power(2.0))[1]
    ((<function table_op at ...>, ('exp',)), (2.0,))
    """
    if OPS.get(op.name) is op:
        return (table_op, (op.name,))
    constant = getattr(op, "constant", None)
    if constant is not None and op.name in OP_FACTORIES:
        return (OP_FACTORIES[op.name], (constant,))
    for part in ("forward", "local_grads", "branch"):
        function = getattr(op, part)
        qualname = getattr(function, "__qualname__", "")
        if "<lambda>" in qualname or "<locals>" in qualname:
            _flat_sets().clear()  # this pickling stops here
            raise pickle.PicklingError(
                f"cannot pickle the custom op {op.name!r}: its {part} is {qualname!r}, and pickle saves "
                "functions by name; define it as a module-level function")
    return (Op, (op.name, op.label, op.forward, op.local_grads, op.arity, op.branch))


def table_op(name: str) -> Op:
    """The op of the table called ``name`` (what a pickled op becomes).

    >>> table_op("mul") is OPS["mul"]
    True
    """
    return OPS[name]
