"""The "python" replay: straight-line Python generated from the op table's templates.

Every node becomes one assignment (``v7 = (v3 * v5)``); a node used once, by an op whose local
gradients do not need its value, is written inside its consumer's expression instead (the products
of a neuron's weighted sum fuse into one line). The backward pass is written in the plain engine's
order, ``parent.grad += local * upstream``, so the gradients of the ``wrt`` leaves are bit for bit the
plain engine's; gradients that lead to no ``wrt`` leaf are not computed. Ops without a template are
called through their table functions. Large graphs are cut into chunks of statements, each its own
function; values that cross a chunk boundary go through one list.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from string import Formatter
from typing import Any

from chainrule.compile.rules import forward_code, literal, partials_code
from chainrule.engine import Constant
from chainrule.engine.ops import FLOAT_MATH, TEMPLATE_FUNCTIONS, Op

__all__ = ["Program", "generate", "literal", "references"]

CHUNK_STATEMENTS = 40_000  # statements per generated function (each chunk boundary costs loads and stores)
MAX_DEPTH = 24  # deepest fused expression (Python's compiler recurses over nested expressions)
MAX_TERMS = 64  # longest inline sum of inputs or gradient terms (same reason)
LEAF_TERMS = 16  # a leaf's gradient terms are added in groups this long as soon as they are known

Expr = tuple[str, frozenset[str]]  # Python source and the variables it reads


@dataclass
class _Statement:
    targets: tuple[str, ...]  # the variables it assigns
    text: str
    uses: frozenset[str]  # the variables it reads


@dataclass
class Program:
    """Generated replay code: the chunk functions' sources, their namespace, and the slots of the one
    list ``d`` they share (leaves' data first, in ``Tape.leaves`` order; then crossing values)."""

    chunks: list[str]
    namespace: dict[str, Any]
    slots: int
    outputs: dict[str, int]  # variable name -> its slot after a run (root data, watched data, wrt grads)

    def build(self) -> list[Callable[[list[float]], None]]:
        """The chunk functions: each chunk's generated source, compiled and executed once."""
        namespace = dict(self.namespace)
        functions = []
        for number, source in enumerate(self.chunks):
            exec(compile(source, f"<chainrule.compile chunk {number}>", "exec"), namespace)
            functions.append(namespace[f"chunk{number}"])
        return functions


def references(text: str) -> list[str]:
    """The placeholders a template string uses, in order, repeats kept.

    >>> references("({0} if {0} >= {1} else {out})")
    ['0', '0', '1', 'out']
    """
    return list(_references(text))


@lru_cache(maxsize=4096)
def _references(text: str) -> tuple[str, ...]:  # a few templates, asked about for every node
    return tuple(name for _, name, _, _ in Formatter().parse(text) if name is not None)


def generate(tape: Any, chunk_statements: int | None = None) -> Program:
    """The replay program for a :class:`~chainrule.compile.tape.Tape`.

    >>> from chainrule import Value
    >>> from chainrule.compile.tape import Tape
    >>> x = Value(2.0); w = Value(3.0)
    >>> print(generate(Tape(w * x + 1, wrt=[w])).chunks[0])
    def chunk0(d):
        for _ in (0, 0, 0, 0, 0, 0, 0, 0):
            pass
        v0, v1 = read0(d)
        v4 = ((v0 * v1) + 1.0)
        g4 = 1.0
        g0 = 0.0 + v1 * g4
        d[2] = g0
        d[3] = v4
    """
    generator = _Generator(tape)
    generator.run()
    return _chunked(generator, chunk_statements or CHUNK_STATEMENTS)


class _Generator:
    def __init__(self, tape: Any) -> None:
        self.nodes = tape.nodes
        index = {node: i for i, node in enumerate(self.nodes)}
        self.parents = [[index[p] for p in node.parents] for node in self.nodes]
        self.wrt = {index[leaf] for leaf in tape.wrt}
        self.root = len(self.nodes) - 1
        self.keep = {self.root} | {index[node] for node in tape.watch}
        self.leaf_slots = {f"v{index[leaf]}": slot for slot, leaf in enumerate(tape.leaves)}
        self.outputs = [f"v{i}" for i in sorted(self.keep) if self.parents[i]]
        self.outputs += [f"g{index[leaf]}" for leaf in tape.wrt]
        self.namespace: dict[str, Any] = {**TEMPLATE_FUNCTIONS, "inf": math.inf, "nan": math.nan}
        self.namespace["M"] = FLOAT_MATH  # the math namespace rules of template-less ops are called with
        self.op_names: dict[int, str] = {}
        self.statements: list[_Statement] = []
        self.needs_grad = self._needs_grad()
        self.summed = [0] * len(self.nodes)  # how many of each node's gradient terms are emitted
        self.fused = self._fusion()

    # --- analysis: which gradients are needed, which nodes fuse into their consumer ------------------
    def _needs_grad(self) -> list[bool]:
        needs: list[bool] = []
        for i, parents in enumerate(self.parents):
            needs.append(i in self.wrt if not parents else any(needs[p] for p in parents))
        return needs

    def _needed_locals(self, i: int) -> list[str]:
        """The local-gradient templates node ``i``'s backward evaluates (its parents that need a grad)."""
        op = self.nodes[i].op
        partials = partials_code(op)
        if partials is None:
            return []
        if op.arity is None:
            return list(partials) if any(self.needs_grad[p] for p in self.parents[i]) else []
        return [t for t, p in zip(partials, self.parents[i]) if self.needs_grad[p]]

    def _fusion(self) -> set[int]:
        uses = [0] * len(self.nodes)
        for parents in self.parents:
            for p in parents:
                uses[p] += 1
        depth = [0] * len(self.nodes)
        fused: set[int] = set()
        for i, parents in enumerate(self.parents):
            if not self._inline_forward(i):
                continue
            template = forward_code(self.nodes[i].op)
            needed = {name for text in self._needed_locals(i) for name in _references(text)}
            forward = _references(template.forward)
            for j, p in enumerate(parents):
                once = bool(template.join) or forward.count(str(j)) == 1
                single = uses[p] == 1 and once and depth[p] < MAX_DEPTH
                if single and str(j) not in needed and self._fusable(p):
                    fused.add(p)
                    depth[i] = max(depth[i], depth[p] + 1)
        return fused

    def _inline_forward(self, i: int) -> bool:
        """Node ``i``'s forward is a template expression (not a call of its table function)."""
        op = self.nodes[i].op
        if op is None or forward_code(op) is None:
            return False
        return not op.template.join or len(self.parents[i]) <= MAX_TERMS

    def _fusable(self, i: int) -> bool:
        if i in self.keep or not self._inline_forward(i) or partials_code(self.nodes[i].op) is None:
            return False  # a rule call reads the node's value by name
        return not any("out" in _references(text) for text in self._needed_locals(i))

    # --- emission ---------------------------------------------------------------------------------
    def emit(self, target: str | tuple[str, ...], text: str, uses: frozenset[str]) -> None:
        self.statements.append(_Statement((target,) if isinstance(target, str) else target, text, uses))

    def _function(self, op: Op, kind: str) -> str:
        if id(op) not in self.op_names:
            self.op_names[id(op)] = name = f"op{len(self.op_names)}"
            self.namespace[f"{name}_forward"], self.namespace[f"{name}_rule"] = op.forward, op.local_grads
        return f"{self.op_names[id(op)]}_{kind}"

    def run(self) -> None:
        exprs: list[Expr] = []
        for i, node in enumerate(self.nodes):
            exprs.append(self._forward(i, node, exprs))
        self._backward(exprs)

    def _forward(self, i: int, node: Any, exprs: list[Expr]) -> Expr:
        if node.op is None:
            if isinstance(node, Constant):
                return literal(node.data), frozenset()
            return f"v{i}", frozenset((f"v{i}",))
        texts = [exprs[p][0] for p in self.parents[i]]
        uses = frozenset().union(*(exprs[p][1] for p in self.parents[i]))
        template = forward_code(node.op)
        if not self._inline_forward(i):
            text = f"{self._function(node.op, 'forward')}({', '.join(texts)})"
        elif template.join:
            text = template.forward.format(xs=template.join.join(texts))
        else:
            text = template.forward.format(*texts)
        if i in self.fused:
            return text, uses
        self.emit(f"v{i}", f"v{i} = {text}", uses)
        return f"v{i}", frozenset((f"v{i}",))

    def _backward(self, exprs: list[Expr]) -> None:
        terms: list[list[Expr]] = [[] for _ in self.nodes]  # each node's contributions, in the plain order
        for i in range(self.root, -1, -1):
            node = self.nodes[i]
            locals_ = self._locals(i, node, exprs)  # template-less ops call their rule even when unneeded
            if not self.needs_grad[i]:
                continue
            grad = self._gradient(i, terms[i])
            for j, p in enumerate(self.parents[i]):
                if not self.needs_grad[p]:
                    continue
                terms[p].append((_contribution(locals_[j], grad[0]), grad[1] | self._local_uses(i, j, exprs)))
                if not self.parents[p] and len(terms[p]) - self.summed[p] >= LEAF_TERMS:
                    self._add_terms(p, terms[p])  # a weight's gradient grows as its terms become known

    def _locals(self, i: int, node: Any, exprs: list[Expr]) -> list[str]:
        parents = self.parents[i]
        if not parents:
            return []
        partials = partials_code(node.op)
        if partials is None:
            names = [f"l{i}_{j}" for j in range(len(parents))]
            args = ", ".join(exprs[p][0] for p in parents)
            uses = frozenset().union(*(exprs[p][1] for p in parents)) | {f"v{i}"}
            # unpacking checks the count: a miscounted rule raises here and the plain run names it
            rule = self._function(node.op, "rule")
            self.emit(tuple(names), f"{', '.join(names)}, = {rule}(M, v{i}, {args})", uses)
            return names
        out = f"v{i}"
        texts = [exprs[p][0] for p in parents]
        if node.op.arity is None:
            return [partials[0].format(text, out=out) for text in texts]
        return [text.format(*texts, out=out) for text in partials]

    def _local_uses(self, i: int, j: int, exprs: list[Expr]) -> frozenset[str]:
        node = self.nodes[i]
        parents = self.parents[i]
        partials = partials_code(node.op)
        if partials is None:
            return frozenset((f"l{i}_{j}",))
        nary = node.op.arity is None
        text = partials[0] if nary else partials[j]
        uses: set[str] = set()
        for name in _references(text):
            if name == "out":
                uses.add(f"v{i}")
            else:
                uses |= exprs[parents[j] if nary else parents[int(name)]][1]
        return frozenset(uses)

    def _gradient(self, i: int, terms: list[Expr]) -> Expr:
        name = f"g{i}"
        leaf = not self.parents[i]
        if i == self.root:
            self.emit(name, f"{name} = 1.0", frozenset())
        elif len(terms) == 1 and terms[0][0].isidentifier() and not leaf:
            return terms[0]  # one consumer, local gradient 1.0: the same number (up to the sign of 0)
        else:
            self._add_terms(i, terms)
        return name, frozenset((name,))

    def _add_terms(self, i: int, terms: list[Expr]) -> None:
        """Emit ``g{i}``'s terms not yet added, left to right as the plain engine's ``+=``; a wrt leaf's
        gradient starts from 0.0, as in the plain engine (exact, -0.0 included)."""
        name, leaf = f"g{i}", not self.parents[i]
        for start in range(self.summed[i], len(terms), MAX_TERMS):
            part = terms[start:start + MAX_TERMS]
            head = f"{name} + " if start else "0.0 + " if leaf else ""
            uses = frozenset().union(*(u for _, u in part)) | ({name} if start else set())
            self.emit(name, f"{name} = {head}{' + '.join(t for t, _ in part)}", uses)
        self.summed[i] = len(terms)


_ROUTE = re.compile(r"\((-?1\.0|0\.0) if ((?:(?! if | else ).)+) else (-?1\.0|0\.0)\)")


def _contribution(local: str, upstream: str) -> str:
    """``local * upstream`` as source; times 1.0 or -1.0 is exact, so it is written out, also in each
    branch of a routing op's local (relu, max, min) ``(1.0 if c else 0.0)``; times 0.0 stays a
    product (0.0 * inf is nan, 0.0 * -2.0 is -0.0).

    >>> _contribution("(1.0 if v3 > 0.0 else 0.0)", "g5")
    '(g5 if v3 > 0.0 else 0.0 * g5)'
    >>> _contribution("(1.0 if v3 > 0 else -1.0 if v3 < 0 else 0.0)", "g5")
    '(1.0 if v3 > 0 else -1.0 if v3 < 0 else 0.0) * g5'
    """
    if local == "1.0":
        return upstream
    if local in ("-1.0", "(-1.0)"):
        return f"(-{upstream})"
    route = _ROUTE.fullmatch(local)
    if route and upstream.isidentifier():
        chosen, condition, other = route.groups()
        return f"({_contribution(chosen, upstream)} if {condition} else {_contribution(other, upstream)})"
    if local == "0.0":
        return f"0.0 * {upstream}"
    return f"{local} * {upstream}"


def _chunked(generator: _Generator, size: int) -> Program:
    """Cut the statements into functions; a value read in a later function goes through a slot of ``d``."""
    statements = generator.statements
    chunks = [statements[k:k + size] for k in range(0, len(statements), size)] or [[]]
    reads_first, assigned = [], []
    for chunk in chunks:
        defined: set[str] = set()
        reads: set[str] = set()
        for statement in chunk:
            reads |= statement.uses - defined
            defined.update(statement.targets)
        reads_first.append(reads)
        assigned.append(defined)
    slots = dict(generator.leaf_slots)
    outputs = [name for name in generator.outputs if name not in slots]
    needed_later = set(outputs)
    stores: list[list[str]] = [[] for _ in chunks]
    for k in range(len(chunks) - 1, -1, -1):
        stores[k] = sorted(assigned[k] & needed_later)
        needed_later |= reads_first[k]
    for name in [n for k in range(len(chunks)) for n in sorted(reads_first[k]) + stores[k]]:
        slots.setdefault(name, len(slots))
    sources = []
    for k, chunk in enumerate(chunks):
        lines = _reads(k, sorted(reads_first[k]), slots, generator.namespace)
        lines += [f"    {statement.text}" for statement in chunk]
        lines += [f"    d[{slots[name]}] = {name}" for name in stores[k]]
        lines = _registers(lines) if len(reads_first[k] | assigned[k]) > REGISTERS_ABOVE else lines
        sources.append("\n".join([f"def chunk{k}(d):", *_preamble(lines), *lines]))
    outputs = {name: slots[name] for name in generator.outputs}
    return Program(sources, generator.namespace, len(slots), outputs)


def _reads(k: int, names: list[str], slots: dict[str, int], namespace: dict[str, Any]) -> list[str]:
    """Chunk ``k``'s reads of ``d``, as one unpacking of an ``itemgetter`` (a C loop) when there are
    several: no slot number becomes a constant of the chunk ahead of the ones its arithmetic uses
    (constants, like locals, past the 255th cost one more instruction per use)."""
    if len(names) < 2:
        return [f"    {name} = d[{slots[name]}]" for name in names]
    namespace[f"read{k}"] = itemgetter(*(slots[name] for name in names))
    return [f"    {', '.join(names)} = read{k}(d)"]


_LOCAL = re.compile(r"\b[vglr]\d+(?:_\d+)?\b")  # the generated variable names: v7, g7, l7_0, r7
_NAME = re.compile(f"({_LOCAL.pattern})")
REGISTERS_ABOVE = 255  # a chunk with more variables than this reuses them (_registers)
FAST_LOCALS = 255  # CPython reads locals 0-255 in one instruction, the others with an EXTENDED_ARG prefix
WARM_UP = "    for _ in (0, 0, 0, 0, 0, 0, 0, 0):\n        pass"


def _registers(lines: list[str]) -> list[str]:
    """The lines with each variable renamed to a register ``r0``, ``r1``, ... that it holds from its
    first assignment to its last use; a freed register is reused first. A frame of fewer locals
    is read from fewer cache lines (the moons step: 14,000 variables, ~4,000 alive at once).

    >>> _registers(["    v0, v1 = read0(d)", "    v2 = v0 * v1", "    v3 = v2 + v0", "    d[5] = v3"])
    ['    r0, r1 = read0(d)', '    r1 = r0 * r1', '    r0 = r1 + r0', '    d[5] = r0']
    """
    pieces = [_NAME.split(line) for line in lines]  # odd positions hold the variable names
    names = [_sides(piece) for piece in pieces]
    last: dict[str, int] = {}
    for position, (defined, used) in enumerate(names):
        last.update(dict.fromkeys(used + defined, position))
    register: dict[str, str] = {}
    free: list[str] = []
    made = 0
    for position, (defined, used) in enumerate(names):
        # a value read here for the last time frees its register for this line's targets (the right
        # side is evaluated before any target is stored)
        free += [register[name] for name in dict.fromkeys(used)
                 if last[name] == position and name not in defined]
        for name in defined:
            if name not in register:
                if not free:
                    free.append(f"r{made}")
                    made += 1
                register[name] = free.pop()
        free += [register[name] for name in defined if last[name] == position]
    for piece in pieces:
        piece[1::2] = map(register.__getitem__, piece[1::2])
    return ["".join(piece) for piece in pieces]


def _sides(piece: list[str]) -> tuple[list[str], list[str]]:
    """The variables a split line assigns (left of its first `` = ``) and reads (the rest)."""
    for k in range(0, len(piece), 2):
        if " = " in piece[k]:
            return piece[1:k:2], piece[k + 1::2]
    return [], piece[1::2]


def _preamble(lines: list[str], fast: int = FAST_LOCALS) -> list[str]:
    """What a chunk function starts with, for speed only.

    A loop of 8 turns: CPython 3.11 specialises a function's instructions (float ``*`` and ``+``)
    once it is warm, after 8 calls or loop turns; a chunk runs once per call, so its first 8 calls
    would run unspecialised (~35% slower). Then the most used locals, named in a dead ``if 0:``:
    locals are numbered in order of first appearance (the argument ``d`` first), and those past
    ``fast`` cost one more instruction per use.

    >>> _preamble(["    v2 = v0 * v1", "    v3 = v2 * v2"], fast=3)[1:]
    ['    if 0: v2 = v0 = 0']
    """
    uses: dict[str, int] = {}
    for line in lines:
        for name in _LOCAL.findall(line):
            uses[name] = uses.get(name, 0) + 1
    if len(uses) < fast:
        return [WARM_UP]
    hot = sorted(uses, key=uses.__getitem__, reverse=True)[:fast - 1]  # slot 0 is d
    return [WARM_UP, f"    if 0: {' = '.join(hot)} = 0"]
