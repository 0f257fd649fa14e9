"""Recording a backward pass: one step per chain-rule application.

The recorder hooks the engine's one chain-rule function (``backpropagate``'s ``on_step``), so a
recorded pass computes exactly the gradients a plain ``backward()`` does.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

from chainrule.engine import Constant, Value, backpropagate, topological_order
from chainrule.engine.anomaly import anomaly_hook
from chainrule.viz.clusters import collapse_prefix, find_groups, in_scope
from chainrule.viz.steps import frames
from chainrule.viz.steps.explain import backward_rule, backward_sentence
from chainrule.viz.steps.forward import record_tangents
from chainrule.viz.steps.frames import Lit
from chainrule.viz.steps.naming import check_root, choices_text, focus_choices, node_names, scope_name
from chainrule.viz.steps.trace import Trace
from chainrule.viz.style import format_number as fmt

BY = ("node", "neuron", "layer")
Sets = list[tuple[Any, float]]  # the gradients a frame sets: (node, grad after)


@dataclass(frozen=True)
class BackwardStep:
    """One chain-rule application: ``node``'s gradient flows into its input ``parent``.

    ``contribution = local * upstream`` is added to the parent's gradient, taking it from
    ``grad_before`` to ``grad_after``. ``rule`` names the pattern (``"distribute"``, ``"swap"``,
    ``"route"``, ``"negate"`` or ``"chain"``), ``reason`` says why the local gradient is what it
    is, and ``explanation`` is the whole step in words.

    >>> from chainrule import Value
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> step = record_backward(a * b).steps[0]
    >>> step.parent_name, step.upstream, step.local, step.contribution, step.rule
    ('a', 1.0, -3.0, -3.0, 'swap')
    """

    number: int
    node_name: str
    op: str
    node_data: float
    upstream: float
    index: int
    parent_name: str
    parent_data: float
    local: float
    contribution: float
    grad_before: float
    grad_after: float
    rule: str
    reason: str
    explanation: str
    node: Value = field(repr=False, compare=False)
    parent: Value = field(repr=False, compare=False)

    def named(self) -> list[str]:
        """The node names this step's row and sentence mention."""
        return [self.node_name, self.parent_name]


@dataclass(frozen=True)
class GroupStep:
    """The chain-rule steps of one neuron or layer (``by="neuron"`` / ``"layer"``), as one step: the
    upstream gradient arriving at its output(s), what its inputs and its parameters receive.

    ``steps`` are the scalar :class:`BackwardStep` s it groups; ``inputs`` are ``(name, contribution,
    grad after)`` for each input outside the group, ``parameters`` ``(name, grad after)`` for the
    parameters inside it (named relative to the group).

    >>> from chainrule.nn import MLP
    >>> model = MLP(2, [2, 1], seed=0)
    >>> trace = step_through(model([1.0, -1.0]), by="neuron")
    >>> [step.name for step in trace]
    ['layers.1.neurons.0', 'layers.0.neurons.1', 'layers.0.neurons.0']
    >>> [name for name, _ in trace[0].parameters]
    ['w.0', 'w.1', 'b']
    """

    number: int
    name: str
    upstream: tuple[tuple[str, float], ...]
    inputs: tuple[tuple[str, float, float], ...]
    parameters: tuple[tuple[str, float], ...]
    explanation: str
    steps: tuple[BackwardStep, ...] = field(repr=False, compare=False)

    def named(self) -> list[str]:
        """The node names this step's row and sentence mention."""
        return [self.name, *(name for name, _ in self.upstream), *(name for name, _, _ in self.inputs)]


class BackwardTrace(Trace):
    """The steps of one backward pass (from :func:`record_backward` or :func:`step_through`).

    >>> from chainrule import Value
    >>> from chainrule.viz.steps import record_backward
    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> print(record_backward(a * b).table())
    backward pass of mul#2: 2 chain-rule steps (contribution = upstream × local, added to the input's grad)
    #  node   op  upstream  local  contribution  input  before  after  why
    1  mul#2  *          1     -3            -3  a           0     -3  * swaps its inputs: ...
    2  mul#2  *          1      2             2  b           0      2  * swaps its inputs: ...
    """

    HEADERS = ("#", "node", "op", "upstream", "local", "contribution", "input", "before", "after", "why")
    NUMERIC = (True, False, False, True, True, True, False, True, True, False)
    GROUP_HEADERS = ("#", "node", "upstream", "steps", "its inputs get (now)", "its parameters get", "why")
    GROUP_NUMERIC = (True, False, True, True, False, False, False)

    def __init__(self, root: Any, names: dict[Any, str], steps: list[Any], seeded: dict[Any, float],
                 left_out: int = 0, *, by: str = "node", focus: str | None = None,
                 sets: list[list[tuple[Any, float]]] | None = None, lits: list[Lit] | None = None,
                 outside: int = 0, view: dict[str, Any] | None = None):
        super().__init__(root, names, steps, view)
        self.seeded = seeded  # gradients shown before the first step: the root's seed 1, kept leaf grads
        self.left_out = left_out  # steps into constants applied but not recorded (constants=False)
        self.by, self.focus, self.outside = by, focus, outside  # outside: steps outside the focus
        self._sets = sets if sets is not None else [[(s.parent, s.grad_after)] for s in steps]
        self._lits = lits if lits is not None else [_scalar_lit(s) for s in steps]
        if by != "node":
            self.HEADERS, self.NUMERIC = self.GROUP_HEADERS, self.GROUP_NUMERIC

    def summary(self) -> str:
        name = self.names[self.root]
        skipped = f", {self.left_out} into constants left out" if self.left_out else ""
        if self.focus is not None:
            skipped += f", inside {self.focus} ({self.outside} outside it applied, not listed)"
        if not self.steps:
            return f"backward pass of {name}: no chain-rule steps{skipped or ' (the root is a leaf)'}"
        if self.by != "node":
            scalar = sum(len(step.steps) for step in self.steps)
            return (f"backward pass of {name}: {len(self)} steps by {self.by} ({scalar} chain-rule steps)"
                    f"{skipped}")
        steps = "1 chain-rule step" if len(self) == 1 else f"{len(self)} chain-rule steps"
        return (f"backward pass of {name}: {steps}{skipped}"
                " (contribution = upstream × local, added to the input's grad)")

    def _cells(self, step: Any) -> list[str]:
        if isinstance(step, GroupStep):
            ups = ", ".join(fmt(g) for _, g in step.upstream)
            inputs = "; ".join(f"{n} {_signed(c)} ({fmt(a)})" for n, c, a in step.inputs)
            params = ", ".join(f"{n} {fmt(g)}" for n, g in step.parameters)
            return [str(step.number), step.name, ups, str(len(step.steps)), inputs, params, step.explanation]
        why = step.reason + (f"; paths sum: {fmt(step.grad_before)} + {fmt(step.contribution)}"
                             if step.grad_before else "")
        return [str(step.number), step.node_name, step.node.op.label, fmt(step.upstream), fmt(step.local),
                fmt(step.contribution), step.parent_name, fmt(step.grad_before), fmt(step.grad_after), why]

    def grads_after(self, i: int) -> dict[Any, float]:
        """Every gradient known after step ``i`` (nodes not reached yet are absent: not computed)."""
        grads = dict(self.seeded)
        for k in range(self._index(i) + 1):
            grads.update(self._sets[k])
        return grads

    def start_values(self) -> dict[Any, float | None]:
        return dict(self.seeded)

    def sets(self, i: int) -> list[tuple[Any, float | None]]:
        return self._sets[i]

    def lit(self, i: int) -> Lit:
        return self._lits[i]

    def layout_values(self) -> dict[Any, float | None]:
        shown: dict[Any, list[float | None]] = {node: [grad] for node, grad in self.seeded.items()}
        for changes in self._sets:
            for node, grad in changes:
                shown.setdefault(node, [None]).append(grad)
        return {node: frames.widest(grads) for node, grads in shown.items()}


def _signed(x: float) -> str:
    text = fmt(x)
    return text if text.startswith("-") else "+" + text


def _scalar_lit(step: BackwardStep) -> Lit:
    return Lit([step.node], [(step.parent, step.node, step.index)], [step.parent])


def record_backward(root: Value, *, constants: bool = True, by: str = "node", focus: str | None = None
                    ) -> BackwardTrace:
    """Run ``root.backward()``'s chain rule and record every application, in order.

    The gradients it leaves are those of a plain ``root.backward()`` (leaf gradients accumulate
    across calls, as there; see :func:`step_through` for a fresh start). ``constants=False`` leaves
    out of the record the steps into a :class:`~chainrule.Constant` (the ``2`` of ``2 * x``): the
    engine still applies them, the frames show those constants' gradients as not computed, and the
    kept steps are numbered 1, 2, ...

    ``by="neuron"`` or ``"layer"`` makes the steps of one neuron (or layer) one step, drawn on the
    picture collapsed at that level (the pass runs neuron by neuron, in an order the chain rule
    allows). ``focus="layers.1.neurons.0"`` (any recorded scope) lists only the steps inside that
    scope, drawn node by node with the rest collapsed; the others are applied, and their gradients
    shown, but not listed.

    >>> from chainrule import Value
    >>> a = Value(3.0, label="a")
    >>> trace = record_backward(a + a)
    >>> [(s.grad_before, s.grad_after) for s in trace], a.grad
    ([(0.0, 1.0), (1.0, 2.0)], 2.0)
    >>> [s.parent_name for s in record_backward(2 * a, constants=False)]
    ['a']
    """
    check_root(root, "record_backward")
    _check_flag(constants, "record_backward")
    order = topological_order(root)
    by, focus = _check_view(by, focus, order)
    view: dict[str, Any] = {}
    if focus is not None:
        # outside the focus: one box per top-level scope (narrowed beside the focus), whatever the model
        view.update(collapse=1 if by == "node" else by, focus=focus)
    elif by != "node":
        view["collapse"] = by
    names = node_names(order, focus)
    _name_boxes(order, root, view, names)
    key = None if by == "node" else _group_key(by)
    if key is not None:
        order = _grouped_order(order, key)
    # what the frames show before any step: the seed, and leaf gradients kept from earlier passes
    shown = {node: float(node.grad) for node in order
             if not node.parents and node.has_grad and (constants or not isinstance(node, Constant))}
    shown[root] = 1.0 if root.parents else float(root.grad) + 1.0
    raw: list[tuple[Any, ...]] = []  # every application: the hook's arguments and the grad after
    check = anomaly_hook()  # under detect_anomaly(), stop where plain backward() would

    def on_step(node: Value, index: int, parent: Value, upstream: Any, local: Any,
                contribution: Any, before: Any) -> None:
        if check is not None:
            check(node, index, parent, upstream, local, contribution, before)
        raw.append((node, index, parent, upstream, local, contribution, before, parent.grad))

    backpropagate(order, on_step=on_step)
    return _trace(root, names, raw, shown, constants, by, focus, key, view)


def _trace(root: Value, names: dict[Any, str], raw: list[tuple[Any, ...]], shown: dict[Any, float],
           constants: bool, by: str, focus: str | None, key: Any, view: dict[str, Any]) -> BackwardTrace:
    """Turn the recorded applications into the listed steps and each frame's changes."""
    kept, left_out, outside, trailing = _kept_steps(raw, names, constants, focus)
    runs: list[list[BackwardStep]] = []
    sets: list[list[tuple[Any, float]]] = []
    run_key: Any = object()
    for step, pending in kept:
        k = step if key is None else key(step.node)
        if key is None or k != run_key:
            runs.append([])
            sets.append([])
        runs[-1].append(step)
        sets[-1].extend([*pending, (step.parent, step.grad_after)])
        run_key = k
    if sets:
        sets[-1].extend(trailing)
    if key is None:
        steps: list[Any] = [run[0] for run in runs]
        lits = [_scalar_lit(step) for step in steps]
    else:
        pairs = [_group_step(number, run, key, names, focus) for number, run in enumerate(runs, start=1)]
        steps, lits = [step for step, _ in pairs], [lit for _, lit in pairs]
    return BackwardTrace(root, names, steps, shown, left_out, by=by, focus=focus, sets=sets, lits=lits,
                         outside=outside, view=view)


def _kept_steps(raw: list[tuple[Any, ...]], names: dict[Any, str], constants: bool, focus: str | None
                ) -> tuple[list[tuple[BackwardStep, Sets]], int, int, Sets]:
    """The listed scalar steps, each with the gradients set before it by steps not listed (outside
    the focus: shown, not listed); how many were left out (constants) and outside; and those after."""
    kept: list[tuple[BackwardStep, list[tuple[Any, float]]]] = []
    pending: list[tuple[Any, float]] = []
    left_out = outside = 0
    for node, index, parent, upstream, local, contribution, before, after in raw:
        if not constants and isinstance(parent, Constant):
            left_out += 1
        elif focus is not None and not in_scope(node.scope, focus):
            outside += 1
            pending.append((parent, float(after)))
        else:
            step = _step(len(kept) + 1, node, index, parent, upstream, local, contribution, before, after,
                         names)
            kept.append((step, pending))
            pending = []
    return kept, left_out, outside, pending


def _step(number: int, node: Value, index: int, parent: Value, upstream: Any, local: Any, contribution: Any,
          before: Any, after: Any, names: dict[Any, str]) -> BackwardStep:
    upstream, local, contribution, before = (float(x) for x in (upstream, local, contribution, before))
    reason = backward_rule(node, index, local, names)
    return BackwardStep(
        number, names[node], node.op.name, node.data, upstream, index,
        names[parent], parent.data, local, contribution, before, float(after),
        node.op.rule, reason,
        backward_sentence(reason, upstream, local, contribution, names[parent], before),
        node, parent,
    )


def _group_step(number: int, group: list[BackwardStep], key: Any, names: dict[Any, str], focus: str | None
                ) -> tuple[GroupStep, Lit]:
    """One neuron's (or layer's) scalar steps as one step, and what its frame lights."""
    k = key(group[0].node)
    inside = {step.node for step in group}
    name = _group_name(k, focus) if isinstance(k, tuple) else names[group[0].node]
    outputs = [node for node in dict.fromkeys(step.node for step in group)
               if not any(node is step.parent for step in group)]
    upstream = tuple((names[node], float(node.grad)) for node in outputs)
    received: dict[Any, list[float]] = {}  # each input outside the group: contributions, last grad
    params: dict[Any, float] = {}
    for step in group:
        if step.parent in inside or (isinstance(k, tuple) and key(step.parent) == k):
            if not step.parent.parents:
                params[step.parent] = step.grad_after
            continue
        sums = received.setdefault(step.parent, [0.0, 0.0])
        sums[0] += step.contribution
        sums[1] = step.grad_after
    inputs = tuple((names[node], c, a) for node, (c, a) in received.items())
    parameters = tuple((_relative(names[node], name), g) for node, g in reversed(params.items()))
    sentence = (f"{name}: upstream {', '.join(fmt(g) for _, g in upstream)} at its output"
                f"{'s' if len(upstream) > 1 else ''}; {len(group)} chain-rule steps inside it")
    if inputs:
        sentence += "; its inputs get " + ", ".join(f"{n} {_signed(c)} (now {fmt(a)})" for n, c, a in inputs)
    if parameters:
        sentence += "; its parameters " + ", ".join(f"{n} {fmt(g)}" for n, g in parameters)
    step = GroupStep(number, name, upstream, inputs, parameters, sentence, tuple(group))
    edges = [(s.parent, s.node, s.index) for s in group]
    return step, Lit(list(dict.fromkeys(s.node for s in group)), edges, list(received))


def _group_name(scope: tuple[str, ...], focus: str | None) -> str:
    """A neuron's or layer's name as the picture shows it: its box's (the whole path), or inside the
    focus, where it is drawn node by node, its cluster's (the path relative to the focus).

    >>> _group_name(("layers.1", "neurons.2"), None), _group_name(("layers.1", "neurons.2"), "layers.1")
    ('layers.1.neurons.2', 'neurons.2')
    """
    path = scope_name(scope)
    if focus is None or not in_scope(scope, focus):
        return path
    return path[len(focus) + 1:] if path != focus else scope[-1]


def _relative(name: str, scope: str) -> str:
    return name[len(scope) + 1:] if name.startswith(scope + ".") else name


def _check_view(by: Any, focus: Any, order: list[Value]) -> tuple[str, str | None]:
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(map(repr, BY))}, got {by!r}")
    scopes = [node.scope for node in order if node.scope]
    if by != "node" and scopes and not any(collapse_prefix(scope, by) for scope in scopes):
        choices = focus_choices(order, frames.STEP_NODE_LIMIT * 3 // 4)
        # a model without neurons/layers (a GPT): grouping by them would group nothing
        raise ValueError(f"by={by!r}: this graph has no {by} scopes (no scope name starts with {by!r});"
                         f" step inside one of its scopes instead: {choices_text(choices)}")
    if focus is None:
        return by, None
    if not isinstance(focus, str) or not focus:
        raise TypeError(f"focus must be a scope written with dots (e.g. 'layers.1.neurons.0'), got {focus!r}")
    if not any(in_scope(node.scope, focus) for node in order):
        scopes = sorted({".".join(node.scope) for node in order if node.scope})
        known = ", ".join(scopes[:6]) + (", ..." if len(scopes) > 6 else "") if scopes else "none"
        raise ValueError(f"focus={focus!r}: no node of this graph is in that scope (its scopes: {known})")
    return by, focus


def _group_key(by: str) -> Any:
    def key(node: Any) -> Any:
        prefix = collapse_prefix(node.scope, by)
        return prefix if prefix is not None else node
    return key


def _grouped_order(order: list[Value], key: Any) -> list[Value]:
    """A topological order in which each group's nodes are consecutive (so the backward pass runs
    group by group), or ``order`` itself when the groups depend on each other both ways."""
    members: dict[Any, list[Value]] = {}
    for node in order:
        members.setdefault(key(node), []).append(node)
    first = {k: i for i, k in enumerate(members)}  # groups in order of first appearance
    successors: dict[Any, set[Any]] = {k: set() for k in members}
    indegree = dict.fromkeys(members, 0)
    for node in order:
        k = key(node)
        for parent in node.parents:
            pk = key(parent)
            if pk != k and k not in successors[pk]:
                successors[pk].add(k)
                indegree[k] += 1
    ready = [(first[k], n, k) for n, k in enumerate(members) if indegree[k] == 0]
    heapq.heapify(ready)
    numbered = {k: n for n, k in enumerate(members)}
    result: list[Value] = []
    while ready:
        _, _, k = heapq.heappop(ready)
        result.extend(members[k])
        for successor in successors[k]:
            indegree[successor] -= 1
            if indegree[successor] == 0:
                heapq.heappush(ready, (first[successor], numbered[successor], successor))
    return result if len(result) == len(order) else order


def _name_boxes(order: list[Value], root: Value, view: dict[str, Any], names: dict[Any, str]) -> None:
    """Name each output of a collapsed box by its own scope path (``layers.0.neurons.3``): the box
    shows that name, so a row that names it can be found in the picture."""
    if "collapse" not in view:
        return
    groups = find_groups(order, {root}, view["collapse"], view.get("focus"))
    taken = set(names.values())
    for group in {id(g): g for g in groups.values()}.values():
        for node in group.outputs:  # one output: the box's name; several: each its own scope's
            name = scope_name(group.scope if len(group.outputs) == 1 else node.scope)
            if name in taken:
                name = f"{name}#{order.index(node)}"
            taken.add(name)
            names[node] = name


def step_through(root: Value, *, constants: bool = True, by: str = "node", focus: str | None = None,
                 mode: str = "backward", wrt: Value | None = None) -> Trace:
    """A backward lesson from scratch: clear earlier gradients, then :func:`record_backward`
    (``constants=False``: without the steps into constants; ``by`` and ``focus`` as there).

    Past :data:`~chainrule.viz.steps.frames.STEP_NODE_LIMIT` drawn nodes, a network (a graph with
    recorded scopes) is stepped by neuron, or by layer, with a warning saying so.

    ``mode="forward", wrt=x`` steps through forward mode instead: the tangents d node / d x pushed
    from ``x`` to ``root`` (:func:`~chainrule.viz.steps.forward.record_tangents`; no grad changes).

    >>> from chainrule import Value
    >>> x = Value(3.0, label="x")
    >>> (x * 2).backward()
    >>> trace = step_through(x * 2)
    >>> trace[0].grad_before, x.grad
    (0.0, 2.0)
    >>> len(trace), len(step_through(x * 2, constants=False)), x.grad
    (2, 1, 2.0)
    >>> step_through(x * x, mode="forward", wrt=x).result
    6.0
    """
    check_root(root, "step_through")
    _check_flag(constants, "step_through")
    if mode == "forward":
        if wrt is None:
            raise TypeError("step_through: mode='forward' needs wrt=, the input to differentiate by")
        if by != "node" or focus is not None:
            raise TypeError("step_through: by= and focus= group backward steps; forward mode steps by node")
        return record_tangents(root, wrt)
    if mode != "backward":
        raise ValueError(f"step_through: mode must be 'backward' or 'forward', got {mode!r}")
    if wrt is not None:
        raise TypeError("step_through: wrt= is for mode='forward' (backward reaches every input at once)")
    root.zero_grad()
    if by == "node" and focus is None:
        by = _coarser_if_big(root, by)
    return record_backward(root, constants=constants, by=by, focus=focus)


def _coarser_if_big(root: Value, by: str) -> str:
    """``by`` when its picture fits the stepper's node limit; else neuron, then layer, with a warning."""
    import warnings

    order = topological_order(root)
    if len(order) <= frames.STEP_NODE_LIMIT or not any(node.scope for node in order):
        return by
    for level in ("neuron", "layer"):
        groups = find_groups(order, {root}, level)
        drawn = len(order) - len(groups) + len({id(g) for g in groups.values()})
        if drawn <= frames.STEP_NODE_LIMIT:
            warnings.warn(f"the graph has {len(order)} nodes, more than the stepper lays out"
                          f" ({frames.STEP_NODE_LIMIT}): stepping by {level} (pass focus='<a scope>' to"
                          " see single steps inside one part)", StepLimitWarning, stacklevel=3)
            return level
    return by


class StepLimitWarning(UserWarning):
    """The graph is too big to step node by node, so the stepper steps by neuron or layer.

    >>> issubclass(StepLimitWarning, UserWarning)
    True
    """


def _check_flag(constants: Any, caller: str) -> None:
    if not isinstance(constants, bool):
        raise TypeError(f"{caller}: constants must be True or False, got {type(constants).__name__}")
