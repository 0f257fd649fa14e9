"""How the "numpy" backend lays out a recorded graph: which nodes carry a batch axis, which products
are fused into the sums that use them, the groups (one per level and kind) and each node's slot.

A product ``a * b`` (the table's ``mul``) used once, by the table's ``sum``, is *fused*: it gets no
slot and no group; the sum computes and differentiates it (a neuron's ``Σ w·x + b`` is one step).
A product used anywhere else, twice, or watched, stays a node of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule.compile.numpy_groups import DotGroup, GridGroup, OpGroup, Source, Target, Terms
from chainrule.compile.numpy_rules import NUMPY_RULES, is_table_sum, numpy_rule
from chainrule.compile.tape import Tape
from chainrule.engine import Constant, Value


class Sum:
    """A sum node's terms: fused products ``(a, b)`` (positions; ``a`` the fixed factor if only one
    is), the positions among its inputs they fill (``rows``), and its other inputs."""

    __slots__ = ("products", "rows", "plain", "plain_rows")

    def __init__(self) -> None:
        self.products: list[tuple[int, int]] = []
        self.rows: list[int] = []
        self.plain: list[int] = []
        self.plain_rows: list[int] = []


def _is_mul_by_op(nodes: list[Value]) -> list[bool]:
    mul, known = NUMPY_RULES["mul"], {id(None): False}  # a leaf's op is None
    for node in nodes:
        if id(node.op) not in known:
            known[id(node.op)] = numpy_rule(node.op) is mul
    return [known[id(node.op)] for node in nodes]


class Plan:
    """The layout of ``tape`` with ``batch`` leaves (see the module docstring).

    ``batched[i]``: node i has a batch axis; ``slot[i]``: its row in the fixed or batch array (-1:
    a fused product); ``groups``: in run order (unbatched first, then by level).

    >>> from chainrule import Value, sum
    >>> w, x = [Value(1.0), Value(2.0)], [Value(3.0), Value(4.0)]
    >>> plan = Plan(Tape(sum([w[0] * x[0], w[1] * x[1], Value(1.0)])), [])
    >>> [type(group).__name__ for group in plan.groups], plan.slot.tolist()  # leaves as read: w0 w1 x0 x1
    (['DotGroup'], [0, 2, -1, 1, 3, -1, 4, 5])
    """

    def __init__(self, tape: Tape, batch: Sequence[Value]) -> None:
        nodes = tape.nodes
        position = {node: i for i, node in enumerate(nodes)}
        self.parents = [[position[p] for p in node.parents] for node in nodes]
        self.ops = [node.op for node in nodes]
        self.batched = self._batched({position[leaf] for leaf in batch})
        self.fused: set[int] = set()
        self.sums = self._fuse(nodes, {position[node] for node in tape.watch} | {len(nodes) - 1})
        wrt = {position[leaf] for leaf in tape.wrt}
        needs_grad = [False] * len(nodes)
        for i, inputs in enumerate(self.parents):
            needs_grad[i] = i in wrt or any(needs_grad[p] for p in self._inputs(i, inputs))
        self.needs_grad = np.array(needs_grad, dtype=bool)
        self.constants = [i for i, node in enumerate(nodes) if type(node) is Constant]
        self.constant_data = np.array([nodes[i].data for i in self.constants], dtype=float)
        leaves, grouped = [position[leaf] for leaf in tape.leaves], self._grouped()
        batch_leaves = [position[leaf] for leaf in batch]
        self._lay_out(leaves, batch_leaves, grouped, None)
        order = self.preferred_leaf_order()
        if order != sorted(order):  # again, with the leaves in the order the groups read them
            self._lay_out(leaves, batch_leaves, grouped, order)
        self.slot = self.slot.astype(np.int32)  # 5 bytes a node are kept, not lists
        self.batched = np.array(self.batched, dtype=bool)
        del self.parents, self.ops, self.sums, self.needs_grad, self.fused

    def _lay_out(self, leaves: list[int], batch: list[int], grouped: list[tuple[Any, list[int]]],
                 leaf_order: list[int] | None) -> None:
        """Give every node a slot (the leaves first, in ``leaf_order``) and make the groups."""
        self.slot = np.full(len(self.parents), -1, dtype=np.intp)
        self.sizes = [0, 0]  # fixed, batch
        self._place([leaves[k] for k in leaf_order] if leaf_order else leaves, False)
        self.leaf_slots = self.slot[np.array(leaves, dtype=np.intp)]  # by tape.leaves
        self._place(batch, True)  # a batch leaf's fixed slot is a dummy
        self.constant_slots = self._place(self.constants, False)
        self.groups = [self._group(key[0], key[2] == "sum", list(members)) for key, members in grouped]
        self._mark_sole()

    def preferred_leaf_order(self) -> list[int]:
        """The leaves (positions in ``tape.leaves``) in the order the groups first read them: placed in
        that order, a layer's weight matrix, its biases and an L2 term over the parameters are views.

        >>> from chainrule import Value
        >>> a, b = Value(1.0), Value(2.0)
        >>> Plan(Tape(a + (b * 3).exp()), []).preferred_leaf_order()  # tape.leaves: [a, b]
        [1, 0]
        """
        owner = np.full(self.sizes[0], -1)
        owner[self.leaf_slots] = np.arange(len(self.leaf_slots))
        read = [owner[source.idx.reshape(-1)] for group in self.groups for source in group.all_sources()
                if not source.batched]
        order = np.concatenate([*read, np.arange(len(self.leaf_slots))])
        order = order[order >= 0]
        _, first = np.unique(order, return_index=True)
        return order[np.sort(first)].tolist()

    def _mark_sole(self) -> None:
        """Targets whose slots get nothing from any other target, once each: written, not added."""
        counts = [np.zeros(size, dtype=np.intp) for size in self.sizes]
        targets = [t for group in self.groups for t in group.all_targets() if t is not None]
        for target in targets:
            np.add.at(counts[target.batched], target.idx.reshape(-1), 1)
        for target in targets:
            target.sole = bool((counts[target.batched][target.idx] == 1).all())

    def _inputs(self, i: int, parents: list[int]) -> list[int]:
        """What node i is computed from: a fused sum's factors and other terms, else its parents."""
        terms = self.sums.get(i)
        if terms is None:
            return parents
        return [p for pair in terms.products for p in pair] + terms.plain

    def _batched(self, batch: set[int]) -> list[bool]:
        batched = [False] * len(self.parents)
        for i, parents in enumerate(self.parents):
            batched[i] = i in batch or any(batched[p] for p in parents)
        return batched

    def _fuse(self, nodes: list[Value], kept: set[int]) -> dict[int, Sum]:
        """Sum node -> its terms, fusing each product used once (by that sum) and not ``kept``."""
        uses = [0] * len(nodes)
        for parents in self.parents:
            for p in parents:
                uses[p] += 1
        is_mul, sums = _is_mul_by_op(nodes), {}
        for i, node in enumerate(nodes):
            if self.parents[i] and is_table_sum(node.op):
                fusable = [is_mul[p] and uses[p] == 1 and p not in kept for p in self.parents[i]]
                sums[i] = self._terms(i, fusable)
        return sums

    def _terms(self, i: int, fusable: list[bool]) -> Sum:
        terms, pattern = Sum(), None
        for row, (p, fuse) in enumerate(zip(self.parents[i], fusable)):
            a, b = self.parents[p] if fuse else (p, p)
            if self.batched[a] and not self.batched[b]:
                a, b = b, a  # the fixed factor first: it is the matrix of a dense layer
            kind = (self.batched[a], self.batched[b])
            if fuse and kind[1] == self.batched[i] and pattern in (None, kind):
                pattern = kind
                terms.products.append((a, b))
                terms.rows.append(row)
                self.fused.add(p)
            else:
                terms.plain.append(p)
                terms.plain_rows.append(row)
        return terms

    def _place(self, members: list[int], batched: bool) -> Any:
        """Give ``members`` the next slots of the fixed or batch array, in order; return the first's."""
        start = self.sizes[batched]
        self.slot[np.asarray(members, dtype=np.intp)] = np.arange(start, start + len(members))
        self.sizes[batched] += len(members)
        return np.arange(start, start + len(members))

    def _grouped(self) -> list[tuple[tuple[Any, ...], list[int]]]:
        """Interior nodes by (batched, level, kind, ...): unbatched groups first, then by level."""
        level = [0] * len(self.parents)
        groups: dict[tuple[Any, ...], list[int]] = {}
        for i, parents in enumerate(self.parents):
            if not parents or i in self.fused:
                continue
            inputs = self._inputs(i, parents)
            level[i] = 1 + max(level[p] for p in inputs)
            groups.setdefault(self._key(i, level[i]), []).append(i)
        return sorted(groups.items(), key=lambda item: item[0][:2])

    def _key(self, i: int, level: int) -> tuple[Any, ...]:
        batched, terms = self.batched, self.sums.get(i)
        if terms is None:
            return batched[i], level, "op", id(self.ops[i]), tuple(batched[p] for p in self.parents[i])
        pattern = tuple(batched[p] for p in terms.products[0]) if terms.products else None
        return (batched[i], level, "sum", pattern, tuple(terms.rows), tuple(terms.plain_rows),
                tuple(batched[p] for p in terms.plain))

    def _group(self, batched: bool, is_sum: bool, members: list[int]) -> Any:
        if is_sum:
            return self._grid(members, batched) or self._dot(members, batched)
        members, inputs = self._by_input_slots(members, [self.parents[i] for i in members])
        out = self._out(members, batched)
        idx = np.ascontiguousarray(self.slot[inputs].T)
        sources, targets = [], []
        for j, p in enumerate(inputs[0]):
            terms = self._terms_for(idx[j], self.batched[p], batched and not self.batched[p], inputs[:, j])
            sources.append(terms.source)
            targets.append(terms.target)
        grad_out = bool(self.needs_grad[members].any())
        return OpGroup(self.ops[members[0]], out, sources, targets, grad_out)

    def _by_input_slots(self, members: list[int], inputs: list[list[int]]) -> tuple[Any, Any]:
        """``members`` (and their inputs, one row each) sorted by their inputs' slots: where a group
        reads the outputs of one before it in order, its reads are views."""
        positions = np.array(inputs, dtype=np.intp).reshape(len(members), -1)
        order = np.lexsort(self.slot[positions].T[::-1])
        return np.asarray(members, dtype=np.intp)[order], positions[order]

    def _out(self, members: list[int], batched: bool) -> tuple[bool, int, int]:
        start = self.sizes[batched]
        self._place(members, batched)
        return batched, start, start + len(members)

    def _terms_for(self, idx: Any, from_batch: bool, broadcast: bool, inputs: list[int],
                   rows: Any = None) -> Terms:
        """Read ``idx`` (broadcast: with a batch axis of 1); add gradients there if an input needs one
        (summed over the batch where the input is fixed and the group batched)."""
        needed = bool(self.needs_grad[np.asarray(inputs, dtype=np.intp)].any())
        target = Target(idx, from_batch, reduce_batch=broadcast) if needed else None
        return Terms(Source(idx, from_batch, broadcast), target, rows)

    def _slots(self, sums: list[Sum], which: int) -> Any:
        """The slots of every sum's product factors (0: a, 1: b), shape (products, sums)."""
        positions = np.array([[pair[which] for pair in s.products] for s in sums], dtype=np.intp)
        return self.slot[positions].T

    def _plain(self, sums: list[Sum], batched: bool) -> list[tuple[bool, Any, list[int], list[int]]]:
        """The other terms of ``sums`` by kind: (from batch, slots (terms, sums), rows, input nodes)."""
        first, kinds = sums[0], []
        for from_batch in (False, True):
            ks = [k for k, p in enumerate(first.plain) if self.batched[p] == from_batch]
            if ks:
                idx = self.slot[np.array([[s.plain[k] for k in ks] for s in sums], dtype=np.intp)].T
                kinds.append((from_batch, idx, [first.plain_rows[k] for k in ks],
                              [s.plain[k] for s in sums for k in ks]))
        return kinds

    def _dot(self, members: list[int], batched: bool) -> DotGroup:
        members, _ = self._by_input_slots(members, [self._inputs(i, self.parents[i]) for i in members])
        out = self._out(members, batched)
        sums = [self.sums[i] for i in members.tolist()]
        a = b = None
        if sums[0].products:
            a_batched, b_batched = (self.batched[p] for p in sums[0].products[0])
            a = self._terms_for(self._slots(sums, 0), a_batched, batched and not a_batched,
                                [pair[0] for s in sums for pair in s.products])
            b = self._terms_for(self._slots(sums, 1), b_batched, False,
                                [pair[1] for s in sums for pair in s.products])
        plain = [self._terms_for(idx, from_batch, batched and not from_batch, inputs, _rows(rows))
                 for from_batch, idx, rows, inputs in self._plain(sums, batched)]
        grad_out = bool(self.needs_grad[members].any())
        return DotGroup(out, a, b, plain, _rows(sums[0].rows), grad_out)

    def _grid(self, members: list[int], batched: bool) -> GridGroup | None:
        """The matrix-product form of a group of sums, if its nodes form a grid (see GridGroup)."""
        first = self.sums[members[0]]
        # one sum is a matrix product only over a batch axis (a lone dot product keeps the engine's order)
        lone = len(members) < 2 and not batched
        if lone or len(first.products) < 2 or self.batched[first.products[0][0]]:
            return None
        a_rows = self._slots([self.sums[i] for i in members], 0).T
        b_rows = self._slots([self.sums[i] for i in members], 1).T
        a_unique, i_of = np.unique(a_rows, axis=0, return_inverse=True)
        b_unique, j_of = np.unique(b_rows, axis=0, return_inverse=True)
        cell = i_of.reshape(-1) * len(b_unique) + j_of.reshape(-1)
        if len(a_unique) * len(b_unique) != len(members) or np.unique(cell).size != len(members):
            return None
        members = np.asarray(members, dtype=np.intp)[np.argsort(cell)]
        out = self._out(members, batched)
        sums = [self.sums[i] for i in members.tolist()]
        a = self._terms_for(a_unique, False, False, [pair[0] for s in sums for pair in s.products])
        b = self._terms_for(np.ascontiguousarray(b_unique.T), self.batched[first.products[0][1]], False,
                            [pair[1] for s in sums for pair in s.products])
        rows, nodes = self._grid_terms(sums, batched, len(a_unique))
        return GridGroup(out, len(a_unique), a, b, rows, nodes, bool(self.needs_grad[members].any()))

    def _grid_terms(self, sums: list[Sum], batched: bool, n_i: int) -> tuple[list[Terms], list[Terms]]:
        """A grid's other terms: those that depend on its row i alone (a bias), and the rest."""
        rows, nodes = [], []
        for from_batch, idx, _, inputs in self._plain(sums, batched):
            by_cell = idx.reshape(len(idx), n_i, -1)
            if not from_batch and (by_cell == by_cell[:, :, :1]).all():
                rows.append(self._terms_for(np.ascontiguousarray(by_cell[:, :, :1]), False, False, inputs))
            else:
                nodes.append(self._terms_for(idx, from_batch, batched and not from_batch, inputs))
        return rows, nodes


def _rows(rows: list[int]) -> Any:
    """Rows of a sum's term buffer: a slice where they are consecutive (a view), else an index array."""
    if rows and rows == list(range(rows[0], rows[0] + len(rows))):
        return slice(rows[0], rows[0] + len(rows))
    return np.array(rows, dtype=np.intp)
