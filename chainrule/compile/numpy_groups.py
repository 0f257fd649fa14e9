"""The groups of the "numpy" backend: nodes run together by one NumPy call per step.

Values live in two arrays, ``fixed`` (one number per node) and ``batch`` (one row per node that
depends on a batch leaf, one column per sample); gradients in two arrays of the same shapes. A group
reads its inputs through :class:`Source` index arrays, writes its outputs to a contiguous block of
slots (so its output and upstream gradient are views, never copies) and adds each input's
contributions through a :class:`Target`. Where an index array steps evenly (a block of slots, a
matrix's columns), reading is a view and adding an in-place ``+=`` on one; where nothing else adds
into an input's slots, its contributions are computed straight into them.

- :class:`OpGroup`: nodes of one op; ``forward(*inputs)`` and ``local * upstream`` per input.
- :class:`DotGroup`: n-ary sums whose terms include single-use products ``a * b``, fused: the
  products are computed inside the sum (they have no slots of their own) and their gradients
  ``g * b`` and ``g * a`` go straight to ``a`` and ``b``; the sum is added in the engine's order
  (row by row; a lone sum, one column, by the engine's own builtin ``sum``: NumPy would add a
  single contiguous column pairwise, which differs where terms cancel).
- :class:`GridGroup`: a DotGroup whose nodes form a grid: node (i, j) sums ``A[i, k] * B[k, j]``
  (a dense layer: i the neuron, j the sample or the batch): one matrix product forward, two backward.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from chainrule.compile.numpy_rules import op_functions, writes_out

Arrays = tuple[Any, Any]  # (fixed, batch): batch is None without a batch axis
_reduce = np.add.reduce  # np.sum without its Python-level wrapper (pairwise over one contiguous column)
Step = Callable[[], None]


def strided_view(array: Any, idx: Any, writable: bool = False) -> Any:
    """``array[idx]`` as a view when ``idx`` steps evenly along each of its axes (a block, the
    columns of a matrix, one slot repeated), else None. A writable view names each slot once.

    >>> a = np.arange(8.0)
    >>> strided_view(a, np.array([[0, 1], [4, 5]])), strided_view(a, np.array([1, 3, 4]))
    (array([[0., 1.],
           [4., 5.]]), None)
    >>> strided_view(a, np.array([2, 2, 2])), strided_view(a, np.array([2, 2]), writable=True)
    (array([2., 2., 2.]), None)
    """
    if idx.size == 0 or idx.ndim == 0:
        return None
    start = int(idx.flat[0])
    if idx.size == 1:  # one slot (a deep, narrow graph has many): a plain slice, no checks
        return array[start:start + 1].reshape(idx.shape + array.shape[1:])
    corner = [0] * idx.ndim
    steps = [int(idx[tuple(corner[:d] + [1] + corner[d + 1:])]) - start if idx.shape[d] > 1 else 0
             for d in range(idx.ndim)]
    if min(steps) < 0:
        return None
    expected = start + sum(np.arange(n).reshape((-1,) + (1,) * (idx.ndim - d - 1)) * step
                           for d, (n, step) in enumerate(zip(idx.shape, steps)))
    if not np.array_equal(idx, np.broadcast_to(expected, idx.shape)):
        return None
    if writable and np.unique(idx).size != idx.size:
        return None
    row = array.strides[0]
    return np.lib.stride_tricks.as_strided(array[start:], idx.shape + array.shape[1:],
                                           tuple(step * row for step in steps) + array.strides[1:],
                                           writeable=writable)


class Source:
    """Where a group reads one input for all its nodes: ``idx`` into the fixed or the batch values.

    ``broadcast``: a fixed input of a batched group, read with a trailing axis of length 1.

    >>> fixed = np.array([1.0, 2.0, 3.0])
    >>> Source(np.array([2, 0]), batched=False).bind((fixed, None))()
    array([3., 1.])
    """

    __slots__ = ("idx", "batched", "broadcast")

    def __init__(self, idx: Any, batched: bool, broadcast: bool = False) -> None:
        self.idx, self.batched, self.broadcast = idx, batched, broadcast

    def bind(self, vals: Arrays) -> Callable[[], Any]:
        """A function of no arguments that returns the input's current values."""
        array = vals[self.batched]
        view = strided_view(array, self.idx)
        if view is not None:
            view = view[..., None] if self.broadcast else view
            return lambda: view
        return partial(array.__getitem__, self.idx[..., None] if self.broadcast else self.idx)


class Target:
    """Where a group adds one input's gradient contributions: ``idx`` into the fixed or batch grads.

    ``reduce_batch``: contributions carry a batch axis that the (fixed) input's gradient sums over.
    Repeated positions (a parent used twice) add up. ``sole``: nothing else adds into these slots,
    each is named once, so contributions are written, not added (the plan sets it).

    >>> grads = np.zeros(3)
    >>> add = Target(np.array([2, 0, 2]), batched=False).bind((grads, None))
    >>> add(np.array([1.0, 5.0, 1.0])); grads
    array([5., 0., 2.])
    """

    __slots__ = ("idx", "batched", "reduce_batch", "sole")

    def __init__(self, idx: Any, batched: bool, reduce_batch: bool = False) -> None:
        self.idx, self.batched, self.reduce_batch, self.sole = idx, batched, reduce_batch, False

    def bind(self, grads: Arrays) -> Callable[[Any], None]:
        """A function that adds one array of contributions (broadcast to the index's shape)."""
        array = grads[self.batched]
        view = strided_view(array, self.idx, writable=True)
        if view is not None and self.sole:
            if self.reduce_batch:
                return partial(_sum_into, view)
            return partial(np.copyto, view)
        add = self._adder(array, view)
        if self.reduce_batch:
            return lambda contributions: add(_reduce(contributions, axis=-1))
        return add

    def into(self, grads: Arrays) -> Any:
        """The gradient slots as a view to compute contributions into (``out=``), if ``sole`` allows."""
        if not self.sole or self.reduce_batch:
            return None
        return strided_view(grads[self.batched], self.idx, writable=True)

    def _adder(self, array: Any, view: Any) -> Callable[[Any], None]:
        if view is not None:
            return partial(np.add, view, out=view)
        idx, flat = self.idx, self.idx.reshape(-1)
        if np.unique(flat).size == flat.size:
            return partial(_add_unique, array, idx)
        if array.ndim == 1 and flat.size <= 128:
            return partial(_add_at, array, idx)
        # one sorted reduceat: np.add.at is slow on rows, and on many scattered slots
        sorting = np.argsort(flat, kind="stable")
        targets, starts = np.unique(flat[sorting], return_index=True)
        shape, rows = idx.shape + array.shape[1:], (flat.size, *array.shape[1:])

        def add_rows(contributions: Any) -> None:
            contributions = np.broadcast_to(contributions, shape).reshape(rows)
            array[targets] += np.add.reduceat(contributions[sorting], starts, axis=0)
        return add_rows


def _sum_into(view: Any, contributions: Any) -> None:
    if contributions.shape[:-1] != view.shape:
        contributions = np.broadcast_to(contributions, view.shape + contributions.shape[-1:])
    _reduce(contributions, axis=-1, out=view)


def _add_at(array: Any, idx: Any, contributions: Any) -> None:
    # broadcast first: NumPy 2.4's np.add.at mis-adds a (2,) value at (2, 2) indices
    if np.shape(contributions) != idx.shape:
        contributions = np.broadcast_to(contributions, idx.shape)
    np.add.at(array, idx, contributions)


def _add_unique(array: Any, idx: Any, contributions: Any) -> None:
    array[idx] += contributions


def _out_views(out: tuple[bool, int, int], vals: Arrays, grads: Arrays) -> tuple[Any, Any]:
    batched, start, stop = out
    return vals[batched][start:stop], grads[batched][start:stop]


class OpGroup:
    """Nodes of one op (and level) whose inputs come from the same arrays: one call for all of them.

    >>> from chainrule import OPS
    >>> vals, grads = (np.array([1.0, -2.0, 0.0, 0.0]), None), (np.zeros(4), None)
    >>> group = OpGroup(OPS["relu"], (False, 2, 4), [Source(np.array([0, 1]), False)],
    ...                 [Target(np.array([0, 1]), False)], grad_out=True)
    >>> forward, backward = group.bind(vals, grads)
    >>> forward(); grads[0][2:] = 1.0; backward(); vals[0], grads[0]
    (array([ 1., -2.,  1.,  0.]), array([1., 0., 1., 1.]))
    """

    def __init__(self, op: Any, out: tuple[bool, int, int], sources: list[Source],
                 targets: list[Target | None], grad_out: bool) -> None:
        self.op, self.out, self.sources, self.targets, self.grad_out = op, out, sources, targets, grad_out

    def all_targets(self) -> list[Target | None]:
        """Every place the group adds gradients (None where no gradient is needed)."""
        return list(self.targets)

    def all_sources(self) -> list[Source]:
        """Every place the group reads."""
        return list(self.sources)

    def bind(self, vals: Arrays, grads: Arrays) -> tuple[Step, Step | None]:
        """The group's forward and backward steps over these arrays (backward None: no gradient needed)."""
        out, gout = _out_views(self.out, vals, grads)
        reads = [source.bind(vals) for source in self.sources]
        delivers = [_deliver(target, grads, gout) for target in self.targets]
        forward, local_grads = op_functions(self.op)
        into = writes_out(forward, len(reads))
        saved: list[Any] = []

        def run_forward() -> None:
            xs = saved[:] = [read() for read in reads]  # backward's local gradients need the inputs
            if into:
                forward(*xs, out=out)
            else:
                out[...] = forward(*xs)

        def run_backward() -> None:
            for deliver, local in zip(delivers, local_grads(out, *saved)):
                if deliver is not None:
                    deliver(local)
        return run_forward, (run_backward if self.grad_out else None)


def _deliver(target: Target | None, grads: Arrays, gout: Any) -> Callable[[Any], None] | None:
    """A function that gives the input ``local * upstream`` (written into its slots where it is sole)."""
    if target is None:
        return None
    into, add = target.into(grads), target.bind(grads)

    def deliver(local: Any) -> None:
        if isinstance(local, float) and local == 1.0:  # a constant partial of 1: the upstream as it is
            add(gout)
        elif into is not None:
            np.multiply(local, gout, out=into)
        else:
            add(local * gout)
    return deliver


class Terms:
    """One kind of term of a group of sums: where the terms come from, where their gradients go, and
    which rows of the sum (positions among its inputs) they fill."""

    __slots__ = ("source", "target", "rows")

    def __init__(self, source: Source, target: Target | None, rows: Any = None) -> None:
        self.source, self.target, self.rows = source, target, rows


class DotGroup:
    """Sums whose terms are fused products ``a * b`` (factor index arrays ``(products, nodes)``) and
    other terms, added in the engine's order: each term in its row of one buffer, then one ``sum``.

    >>> vals, grads = (np.array([2.0, 3.0, 4.0, 0.0]), None), (np.zeros(4), None)
    >>> a, b = (Terms(Source(np.array([[i]]), False), Target(np.array([[i]]), False)) for i in (0, 1))
    >>> bias = Terms(Source(np.array([[2]]), False), Target(np.array([[2]]), False), rows=[1])
    >>> group = DotGroup((False, 3, 4), a, b, [bias], rows=slice(0, 1), grad_out=True)
    >>> forward, backward = group.bind(vals, grads)
    >>> forward(); grads[0][3] = 1.0; backward(); vals[0][3], grads[0][:3]
    (np.float64(10.0), array([3., 2., 1.]))
    """

    def __init__(self, out: tuple[bool, int, int], a: Terms | None, b: Terms | None, plain: list[Terms],
                 rows: Any, grad_out: bool) -> None:
        self.out, self.a, self.b, self.plain, self.rows, self.grad_out = out, a, b, plain, rows, grad_out
        self.count = (0 if a is None else a.source.idx.shape[0]) + sum(t.source.idx.shape[0] for t in plain)

    def all_targets(self) -> list[Target | None]:
        """Every place the group adds gradients (None where no gradient is needed)."""
        return [t.target for t in ([self.a, self.b] if self.a and self.b else []) + self.plain]

    def all_sources(self) -> list[Source]:
        """Every place the group reads."""
        return [t.source for t in ([self.a, self.b] if self.a and self.b else []) + self.plain]

    def bind(self, vals: Arrays, grads: Arrays) -> tuple[Step, Step | None]:
        """The group's forward and backward steps over these arrays (backward None: no gradient needed)."""
        out, gout = _out_views(self.out, vals, grads)
        add_rows = partial(_add_in_order, out) if out.size == 1 else partial(_reduce, axis=0, out=out)
        if self.a is None and len(self.plain) == 1:  # a plain sum: sum the read rows, no buffer
            read, add = self.plain[0].source.bind(vals), _bind_target(self.plain[0].target, grads)
            return (lambda: add_rows(read())), (partial(add, gout) if self.grad_out else None)
        buffer = np.zeros((self.count, *out.shape))
        plain = [(t.rows, t.source.bind(vals)) for t in self.plain]
        plain_adds = [add for add in (_bind_target(t.target, grads) for t in self.plain) if add is not None]
        forward_products, backward_products = self._products(vals, grads, buffer, gout)

        def run_forward() -> None:
            forward_products()
            for rows, read in plain:
                buffer[rows] = read()
            add_rows(buffer)

        def run_backward() -> None:
            backward_products()
            for add in plain_adds:
                add(gout)
        return run_forward, (run_backward if self.grad_out else None)

    def _products(self, vals: Arrays, grads: Arrays, buffer: Any, gout: Any) -> tuple[Step, Step]:
        if self.a is None or self.b is None:
            return _nothing, _nothing
        read_a, read_b = self.a.source.bind(vals), self.b.source.bind(vals)
        deliver_a, deliver_b = _deliver(self.a.target, grads, gout), _deliver(self.b.target, grads, gout)
        rows = self.rows
        into = buffer[rows] if isinstance(rows, slice) else None
        saved: list[Any] = []

        def forward() -> None:
            a, b = saved[:] = read_a(), read_b()
            if into is not None:
                np.multiply(a, b, out=into)
            else:
                buffer[rows] = a * b

        def backward() -> None:
            a, b = saved
            if deliver_a is not None:
                deliver_a(b)
            if deliver_b is not None:
                deliver_b(a)
        return forward, backward


def _add_in_order(out: Any, terms: Any) -> None:
    """Write the sum of ``terms`` (one column) into ``out`` as the engine adds them: its builtin
    ``sum(xs, 0.0)``, left to right (compensated on Python 3.12+, as the engine's is).

    >>> out = np.zeros(1)
    >>> _add_in_order(out, np.array([[1e200], [-1e200], [1.0], [0.0]])); out
    array([1.])
    """
    out[...] = sum(terms.ravel().tolist(), 0.0)


def _summed(source: Source, vals: Arrays) -> Callable[[], Any]:
    """Read terms ``(count, ...)`` summed over the count (a single term read as it is)."""
    if source.idx.shape[0] == 1:
        return Source(source.idx[0], source.batched, source.broadcast).bind(vals)
    read = source.bind(vals)
    return lambda: _reduce(read(), axis=0)


def _nothing() -> None:
    pass


def _bind_target(target: Target | None, grads: Arrays) -> Callable[[Any], None] | None:
    return None if target is None else target.bind(grads)


class GridGroup:
    """Sums ``Σ_k A[i, k] * B[k, j] (+ other terms)`` over a grid of nodes (i, j), in slots i-major:
    one matrix product forward (``A`` fixed, ``B`` of shape ``(products, j[, batch])``), and
    ``G @ B.T``, ``A.T @ G`` backward. Other terms that depend on i alone (a bias) are ``row`` terms.

    >>> vals, grads = (np.array([1.0, 2.0, 3.0, 4.0, 0.5, 0.0, 0.0]), None), (np.zeros(7), None)
    >>> a = Terms(Source(np.array([[0, 1]]), False), Target(np.array([[0, 1]]), False))
    >>> b = Terms(Source(np.array([[2, 4], [3, 4]]), False), Target(np.array([[2, 4], [3, 4]]), False))
    >>> bias = Terms(Source(np.array([[4]]), False), Target(np.array([[4]]), False))
    >>> group = GridGroup((False, 5, 7), 1, a, b, rows=[bias], nodes=[], grad_out=True)
    >>> forward, backward = group.bind(vals, grads)
    >>> forward(); vals[0][5:]
    array([11.5,  2. ])
    """

    def __init__(self, out: tuple[bool, int, int], n_i: int, a: Terms, b: Terms, rows: list[Terms],
                 nodes: list[Terms], grad_out: bool) -> None:
        self.out, self.n_i, self.a, self.b, self.grad_out = out, n_i, a, b, grad_out
        self.row_terms, self.node_terms = rows, nodes

    def all_targets(self) -> list[Target | None]:
        """Every place the group adds gradients (None where no gradient is needed)."""
        return [t.target for t in [self.a, self.b, *self.row_terms, *self.node_terms]]

    def all_sources(self) -> list[Source]:
        """Every place the group reads."""
        return [t.source for t in [self.a, self.b, *self.row_terms, *self.node_terms]]

    def bind(self, vals: Arrays, grads: Arrays) -> tuple[Step, Step | None]:
        """The group's forward and backward steps over these arrays (backward None: no gradient needed)."""
        out, gout = _out_views(self.out, vals, grads)
        out2, gout2 = out.reshape(self.n_i, -1), gout.reshape(self.n_i, -1)
        read_a, read_b = self.a.source.bind(vals), self.b.source.bind(vals)
        products = self.b.source.idx.shape[0]
        others = [(True, _summed(t.source, vals)) for t in self.row_terms]
        others += [(False, _summed(t.source, vals)) for t in self.node_terms]
        saved: list[Any] = []

        def run_forward() -> None:
            a, b = saved[:] = read_a(), read_b().reshape(products, -1)
            np.matmul(a, b, out=out2)
            for by_row, read in others:
                (out2 if by_row else out).__iadd__(read())
        return run_forward, (self._backward(grads, gout, gout2, saved) if self.grad_out else None)

    def _backward(self, grads: Arrays, gout: Any, gout2: Any, saved: list[Any]) -> Step:
        add_a, add_b = _bind_target(self.a.target, grads), _bind_target(self.b.target, grads)
        b_shape = self.b.source.idx.shape + gout.shape[1:]
        into_b = None if self.b.target is None else self.b.target.into(grads)
        into_b = into_b.reshape(b_shape[0], -1) if into_b is not None and into_b.flags.c_contiguous else None
        row_adds = [add for add in (_bind_target(t.target, grads) for t in self.row_terms) if add]
        node_adds = [add for add in (_bind_target(t.target, grads) for t in self.node_terms) if add]

        def run_backward() -> None:
            a, b = saved
            if add_a is not None:
                add_a(gout2 @ b.T)
            if into_b is not None:
                np.matmul(a.T, gout2, out=into_b)
            elif add_b is not None:
                add_b((a.T @ gout2).reshape(b_shape))
            if row_adds:
                by_row = _reduce(gout2, axis=1, keepdims=True)
                for add in row_adds:
                    add(by_row)
            for add in node_adds:
                add(gout)
        return run_backward
