"""Graph traversal shared by backward, re-evaluation, gradcheck, pictures and the stepper.

Everything here is iterative: a chain of a million ops needs no Python recursion.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import nullcontext
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from chainrule.engine.errors import LocalGradsError
from chainrule.engine.modes import enable_grad
from chainrule.engine.ops import FLOAT_MATH, OPS, VALUE_MATH
from chainrule.engine.partials import check_count, miscounted, partials_error

if TYPE_CHECKING:  # value.py imports this module: the name is for the type checker only
    from chainrule.engine.value import Value

_data = attrgetter("data")

# on_step(node, index, parent, upstream, local, contribution, grad_before)
StepHook = Callable[["Value", int, "Value", Any, Any, Any, Any], None]


class _NotComputed(float):
    """The gradient of a node no backward pass has reached: reads as 0.0, but is recognisable."""

    __slots__ = ()

    def __reduce__(self) -> str:  # pickles and copies as the one NOT_COMPUTED (has_grad tests identity)
        return "NOT_COMPUTED"


NOT_COMPUTED: float = _NotComputed(0.0)

N_ARY: Any = object()  # in Value._parent1: the node's parents are the tuple in _parent0 (an n-ary op)
_PLACED: Any = object()  # a marker on topological_order's stack
_MUL_RULE = OPS["mul"].local_grads  # (b, a): the fast path reads the other input instead of calling it


def topological_order(root: Value) -> list[Value]:
    """Every node ``root`` depends on, each after all of its parents, ``root`` last.

    The order is a depth-first post-order over ``parents`` in argument order, so it is the same
    on every run (it never depends on ``id()``).

    >>> from chainrule import Value
    >>> a = Value(2.0, label="a")
    >>> b = a * a
    >>> [n.label or n.op.name for n in topological_order(b)]
    ['a', 'mul']
    """
    _check_root(root, "topological_order")
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[Any] = [root]  # nodes to visit; _PLACED above a node means all its parents are in the order
    push, pop = stack.append, stack.pop
    while stack:
        node = pop()
        if node is _PLACED:
            order.append(pop())
            continue
        if node in visited:
            continue
        visited.add(node)
        a, b = node._parent0, node._parent1  # the parents (see Value.__slots__), read directly: hot loop
        if a is None:
            order.append(node)
            continue
        push(node)
        push(_PLACED)
        parents = (a,) if b is None else a if b is N_ARY else (a, b)
        for parent in reversed(parents):  # reversed: the first parent is visited first
            if parent not in visited:
                push(parent)
    return order


def _check_root(root: Any, where: str) -> None:
    if not hasattr(root, "_parent0"):  # not a Value: without this a number fails deep inside
        raise TypeError(f"{where} needs a Value (the root of a graph), "
                        f"got {type(root).__name__}: {root!r:.60}")


def backpropagate(order: list[Value], create_graph: bool = False, on_step: StepHook | None = None) -> None:
    """Apply the chain rule over ``order`` (from :func:`topological_order`), its last node the root.

    Interior gradients are reset, so a second call recomputes rather than doubles them; leaf
    gradients accumulate. With ``create_graph`` the local gradients are built as graph nodes, so the
    gradients can be differentiated again (even inside ``no_grad()``, as PyTorch does). ``on_step``
    sees every chain-rule application (the stepper, anomaly mode).

    The loop below is the reference: with neither ``create_graph`` nor ``on_step`` the float fast
    path (:func:`_float_pass`) runs instead, and it must give exactly the same gradients
    (tests/engine/test_engine_backward_paths.py compares them on random graphs).

    >>> from chainrule import Value
    >>> x = Value(3.0); y = x * x
    >>> backpropagate(topological_order(y), on_step=lambda node, i, parent, up, local, c, before:
    ...     print(f"input {i}: {before} + {local} * {up}"))
    input 0: 0.0 + 3.0 * 1.0
    input 1: 3.0 + 3.0 * 1.0
    >>> x.grad
    6.0
    """
    for node in order:
        if node._parent0 is not None:
            node.grad = 0.0
    root = order[-1]
    root.grad = 1.0 if root._parent0 is not None else root.grad + 1.0
    if not create_graph and on_step is None:
        _float_pass(order)
        return
    # gradients as graph nodes were asked for: build them even inside no_grad()
    with enable_grad() if create_graph else nullcontext():
        for node in reversed(order):
            parents = node.parents
            if not parents:
                continue
            upstream = node.grad
            if create_graph:
                local_grads = node.op.local_grads(VALUE_MATH, node, *parents)
            else:
                local_grads = node.op.local_grads(FLOAT_MATH, node.data, *map(_data, parents))
            check_count(node, local_grads)  # zip would silently drop partials or inputs
            steps = zip(parents, local_grads)
            if on_step is not None:
                steps = _watched(node, upstream, steps, on_step)
            for parent, local in steps:
                parent.grad += local * upstream  # the chain rule (general form)


def backward(root: Value) -> None:
    """``root.backward()`` with float gradients and no hook, as fast as it goes: the same gradients,
    bit for bit, as ``backpropagate(topological_order(root))``.

    The sort visits only interior nodes (a leaf needs no place in the order: it passes nothing on)
    and resets their gradients as it places them, so backward walks the graph twice, not three times.

    >>> from chainrule import Value
    >>> x = Value(3.0); y = x * x + x
    >>> backward(y); x.grad
    7.0
    """
    _check_root(root, "backward")
    if root._parent0 is None:  # a leaf: d root / d root = 1, accumulated like any leaf gradient
        root.grad = root.grad + 1.0
        return
    order = _interior_order(root)
    root.grad = 1.0
    _float_pass(order)


def _interior_order(root: Value) -> list[Value]:
    """The interior nodes of ``topological_order(root)`` in the same order, each one's grad set to 0.0.

    A node's state during the sort lives in its ``grad`` slot (no visited set: a third faster): a
    marker made for this call while its parents are explored, then this call's own 0.0 object once
    placed. Markers of an earlier, interrupted call are other objects, so they never mislead this one.
    A node is pushed again under its parents, so it is popped a second time (still "exploring": in a
    DAG nothing above it can be itself) once they are all placed.
    """
    order: list[Value] = []
    append = order.append
    exploring, placed = object(), float("0")  # new objects on every call, compared by identity
    stack: list[Any] = [root]
    push, pop = stack.append, stack.pop
    node = root
    try:
        while stack:
            node = pop()
            grad = node.grad
            if grad is placed:
                continue
            if grad is exploring:  # its parents are all placed: place it
                node.grad = placed  # the reset backpropagate does before its pass, done in passing
                append(node)
                continue
            node.grad = exploring
            push(node)
            a, b = node._parent0, node._parent1  # leaves are not pushed: they pass nothing on
            if b is None:
                if a._parent0 is not None:
                    push(a)
            elif b is N_ARY:
                for parent in reversed(a):  # reversed: the first parent is visited first
                    if parent._parent0 is not None:
                        push(parent)
            else:
                if b._parent0 is not None:
                    push(b)
                if a._parent0 is not None:
                    push(a)
    except BaseException:  # interrupted (KeyboardInterrupt, MemoryError): leave no marker behind
        for pending in (*stack, node):
            if pending.grad is exploring:
                pending.grad = NOT_COMPUTED
        raise
    return order


def _float_pass(order: list[Value]) -> None:
    """The chain rule with float local gradients and no hook: backpropagate's hot path, written out
    per number of parents so that no tuple is built per node. Constant partials (add, sub, neg, sum)
    are read from the op's row and mul's partials are its other input, read directly: no rule call.
    Each contribution is still ``local * upstream``, so the sums are bit for bit the reference loop's.

    A rule giving the wrong number of partials fails the unpacking below (unary, binary) or the
    length check (n-ary); the try costs nothing in Python 3.11 unless something is raised.
    """
    node = None
    try:
        for node in reversed(order):
            a = node._parent0
            if a is None:
                continue  # a leaf (backpropagate's order has them; _interior_order's does not)
            upstream, b, op = node.grad, node._parent1, node.op
            if op.local_grads is _MUL_RULE:  # the rule itself, not just the op: a patched rule is used
                a.grad += b.data * upstream
                b.grad += a.data * upstream
                continue
            constant = op.constant_partials
            if b is None:
                (local,) = constant or op.local_grads(FLOAT_MATH, node.data, a.data)
                a.grad += local * upstream
            elif b is not N_ARY:
                local_a, local_b = constant or op.local_grads(FLOAT_MATH, node.data, a.data, b.data)
                a.grad += local_a * upstream
                b.grad += local_b * upstream
            elif constant is not None and len(constant) == 1:  # n-ary (sum): one partial for every input
                contribution = constant[0] * upstream
                for parent in a:
                    parent.grad += contribution
            else:
                local_grads = op.local_grads(FLOAT_MATH, node.data, *map(_data, a))
                if len(local_grads) != len(a):
                    raise partials_error(node, local_grads)
                for parent, local in zip(a, local_grads):
                    parent.grad += local * upstream
    except LocalGradsError:
        raise
    except (ValueError, TypeError) as exc:
        local_grads = miscounted(node)
        if local_grads is None:
            raise  # not a miscounted rule: the rule's own error (a DomainError, say) passes untouched
        raise partials_error(node, local_grads) from exc


def _watched(node: Value, upstream: Any, steps: Iterator[tuple[Value, Any]],
             on_step: StepHook) -> Iterator[Any]:
    """The (parent, local) pairs of one node, calling ``on_step`` after each one is applied."""
    for index, (parent, local) in enumerate(steps):
        before = parent.grad
        yield parent, local  # backpropagate adds local * upstream to parent.grad here
        on_step(node, index, parent, upstream, local, local * upstream, before)


def recompute(order: list[Value]) -> None:
    """Re-run every interior node's forward, in order, after leaf ``data`` changed.

    >>> from chainrule import Value
    >>> x = Value(1.0); y = x * x + x; order = topological_order(y)
    >>> x.data = 3.0; recompute(order); y.data
    12.0
    """
    for node in order:
        if node.parents:
            node.forward()
