"""The table of primitive ops: every fact about an op in its row.

A row states the op's name and label, its ``forward`` and ``local_grads``, its arity, whether it has
a kink or a pole, the stepper's explanation sentence, the input domain the tests check it over, its
constant partials where they are constant, and the names it has as a function. The formula language,
the functions module, ``chainrule``'s public functions, the stepper and the tests read the table, so
adding an op means adding its row here (plus a stable forward in ``floats.py`` if it needs one) and
one line in ``Value`` (see docs/adding_an_op.md).

``forward(*xs)`` maps input floats to the output float. ``local_grads(m, out, *xs)`` returns the
partial derivative of the output with respect to each input. ``m`` is a math namespace: with
:data:`FLOAT_MATH` the rule yields floats (plain backward); with the Value namespace it builds the
derivatives as graph nodes (``backward(create_graph=True)``), so each rule is written once.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, NamedTuple

from chainrule.engine import floats

Box = tuple[tuple[float, float], ...]
"""One interval (lo, hi) per input of an op."""


@dataclass(frozen=True)
class Domain:
    """Where the tests check an op: boxes of inputs, and the op as a formula for an exact oracle.

    ``boxes``: one interval per input; several boxes for an op with a kink or a pole (one per side,
    a small gap away from it) or, for an n-ary op, for several numbers of inputs. ``exact``: the op
    as a Python expression over SymPy's names and ``x`` (one input), ``a, b`` (two) or ``xs`` (any
    number): the tests differentiate it symbolically and compare with ``local_grads``.
    ``at_crossing``: for an op with a kink or a pole, a point whose x ± h straddles it for every step
    the checks try (they must call that a kink, not a failure); empty when the far side is outside
    the domain (``x ** -0.5``).

    >>> Domain((((0.05, 10.0),),), "log(x)").boxes[0]
    ((0.05, 10.0),)
    """

    boxes: tuple[Box, ...]
    exact: str
    at_crossing: tuple[float, ...] = ()


EXPLAIN_FIELDS = ("label", "input", "x", "out", "local", "other", "other_x", "x0")
"""What a stepper sentence may name: the op's label, this input's name and value, the output, the
local gradient, the other input's name and value (two-input ops), and the first input's value."""


class Template(NamedTuple):
    """An op's replay code for ``chainrule.compile``: Python expressions, bit for bit its rule.

    ``forward`` and each of ``local_grads`` are format strings over the inputs ``{0}``, ``{1}``, ...
    and the output ``{out}``; they may call the functions in :data:`TEMPLATE_FUNCTIONS` and the
    builtins the row's functions call by name (``sum``: the replay's is the row's, whichever Python
    runs it). An n-ary op writes ``{xs}`` for all its inputs joined by ``join``, and one local
    gradient for every input.
    Each expression must give exactly what ``forward`` and ``local_grads`` give with
    :data:`FLOAT_MATH`, or raise (the replay then falls back to a plain run, which raises the
    engine's own error or returns its NaN); a test checks this for every row, with ±0, inf and NaN.

    >>> t = OPS["mul"].template
    >>> t.forward.format("a", "b"), [g.format("a", "b", out="y") for g in t.local_grads]
    ('(a * b)', ['b', 'a'])
    """

    forward: str
    local_grads: tuple[str, ...] = ()  # none for a row with constant_partials: a replay writes those
    join: str = ""


# The functions a Template may call, by name. Where they differ from the op's forward (math.exp
# raises OverflowError, floats.exp gives inf) they raise, and the replay falls back to a plain run.
TEMPLATE_FUNCTIONS: dict[str, Callable[..., float]] = {
    "exp": math.exp, "log": math.log, "tanh": math.tanh, "sigmoid": floats.sigmoid,
    "sin": math.sin, "cos": math.cos, "sqrt": math.sqrt, "abs": abs,
}


class Op:
    """A primitive operation: its row of the op table, and a callable that applies it.

    Calling an op applies it to Values or numbers and returns a new :class:`Value` node.

    ======================  ==========================================================================
    ``name``, ``label``     identifier (errors, reports, formulas) and what pictures show
    ``forward(*xs)``        the output float from the input floats
    ``local_grads``         ``(m, out, *xs) -> (∂out/∂x_0, ...)``; may be left out when
                            ``constant_partials`` is given
    ``arity``               number of inputs (None: any number, like ``sum``)
    ``branch(*xs)``         for an op with a kink or a pole: which side of it the inputs are on, so
                            gradient checks flag a step across it instead of failing
    ``crossing``            what ``branch`` marks: ``"kink"`` (relu, abs, max; the default when
                            ``branch`` is given) or ``"pole"`` (div, negative powers); None without
    ``constant_partials``   the local gradients as data when they do not depend on the inputs (add,
                            sub, neg; an n-ary op gives one number that every input gets)
    ``explain``             the stepper's sentence for one chain-rule step, a ``str.format`` template
                            over :data:`EXPLAIN_FIELDS`; a tuple gives one sentence per input (for an
                            n-ary op its last sentence serves all further inputs)
    ``explain_blocked``     for an op that routes (relu, max): the sentence(s) when the local gradient is 0
    ``rule``                the kind of rule the stepper names: distribute, swap, negate, route, chain
    ``notation``            how the stepper writes the forward: call ``f(x)``, infix ``a + b``,
                            prefix ``2**x`` or suffix ``x**2``
    ``domain``              the inputs the tests check it over (:class:`Domain`)
    ``function``            its name as ``chainrule.<function>``, ``Value.<function>`` and (as ``name``)
                            in formulas; None for operators and special forms
    ``doc``, ``example``    for that function: one sentence, and ``(inputs, output)`` for its example
    ``template``            its replay code for ``chainrule.compile`` (:class:`Template`); without
                            one, or once ``forward``/``local_grads`` is replaced, a replay calls them
    ======================  ==========================================================================

    >>> from chainrule import Op, Value
    >>> square = Op("square", "x²", forward=lambda x: x * x, local_grads=lambda m, out, x: (2 * x,))
    >>> y = square(Value(3.0))
    >>> y.backward()
    >>> y.data, y.parents[0].grad
    (9.0, 6.0)
    """

    __slots__ = ("name", "label", "forward", "local_grads", "arity", "branch", "crossing",
                 "constant_partials", "explain", "explain_blocked", "rule", "notation", "domain",
                 "function", "doc", "example", "template", "templated", "constant")

    def __init__(
        self,
        name: str,
        label: str,
        forward: Callable[..., float],
        local_grads: Callable[..., tuple[Any, ...]] | None = None,
        arity: int | None = 1,
        branch: Callable[..., Hashable] | None = None,
        *,
        crossing: str | None = None,
        constant_partials: tuple[float, ...] | None = None,
        explain: str | tuple[str, ...] | None = None,
        explain_blocked: str | tuple[str, ...] | None = None,
        rule: str = "chain",
        notation: str = "call",
        domain: Domain | None = None,
        function: str | None = None,
        doc: str = "",
        example: tuple[tuple[float, ...], float] | None = None,
        template: Template | None = None,
    ) -> None:
        self.name, self.label, self.forward, self.arity = name, label, forward, arity
        self.branch, self.crossing = branch, _crossing(name, branch, crossing)
        self.constant_partials = _constant_partials(name, arity, constant_partials)
        self.local_grads = local_grads or _constant_rule(name, arity, self.constant_partials)
        self.explain = _templates(name, arity, explain)
        self.explain_blocked = _templates(name, arity, explain_blocked)
        self.rule, self.notation, self.domain = rule, _choice(name, "notation", notation, NOTATIONS), domain
        if function is not None and example is None:
            raise ValueError(f"op {name!r}: function {function!r} needs example=((inputs...), output)")
        self.function, self.doc, self.example = function, doc, example
        self.template = template
        # the functions the template restates: a replay uses it only while they are still the op's own
        self.templated = (self.forward, self.local_grads)
        self.constant: float | None = None  # the k of a parametrised op (x ** k): pickles by it

    def __call__(self, *inputs: Any) -> Any:
        from chainrule.engine.value import apply  # value.py imports this module

        return apply(self, *inputs)

    def __repr__(self) -> str:
        return f"Op({self.name!r}, label={self.label!r})"

    # Ops are immutable rows: copies are the op itself, and pickles name it (engine/pickling.py)
    def __reduce__(self) -> tuple[Any, ...]:
        from chainrule.engine.pickling import reduce_op

        return reduce_op(self)

    def __copy__(self) -> Op:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Op:
        return self


NOTATIONS = ("call", "infix", "prefix", "suffix")
CROSSINGS = ("kink", "pole")


def _choice(name: str, field: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise ValueError(f"op {name!r}: {field} must be one of {', '.join(allowed)}, got {value!r}")
    return value


def _crossing(name: str, branch: Any, crossing: str | None) -> str | None:
    if crossing is None:
        return None if branch is None else "kink"
    if branch is None:
        raise ValueError(f"op {name!r}: crossing={crossing!r} needs a branch function (which side x is on)")
    return _choice(name, "crossing", crossing, CROSSINGS)


def _constant_partials(name: str, arity: int | None, partials: Any) -> tuple[float, ...] | None:
    if partials is None:
        return None
    partials = tuple(map(float, partials))
    if len(partials) != (1 if arity is None else arity):
        raise ValueError(f"op {name!r}: constant_partials needs one number per input "
                         f"({arity if arity is not None else 'one for all, n-ary'}), got {partials}")
    return partials


def _constant_rule(name: str, arity: int | None,
                   partials: tuple[float, ...] | None) -> Callable[..., tuple[float, ...]]:
    if partials is None:
        raise ValueError(f"op {name!r}: needs local_grads (or constant_partials when they are constant)")
    if arity == 1:  # one signature per arity: no tuple packed per call on the backward path
        return lambda m, out, x: partials
    if arity == 2:
        return lambda m, out, a, b: partials
    if arity is not None:
        return lambda m, out, *xs: partials
    every = partials[0]
    return lambda m, out, *xs: partials if len(xs) == 1 else _repeat(every, len(xs))


@lru_cache(maxsize=64)
def _repeat(partial: float, n: int) -> tuple[float, ...]:
    return (partial,) * n  # shared tuples: an n-ary sum allocates nothing per node


def _templates(name: str, arity: int | None, explain: Any) -> Any:
    """Check a sentence template (or one per input) names only fields the stepper fills in."""
    if explain is None:
        return None
    templates = explain if isinstance(explain, tuple) else (explain,)
    if isinstance(explain, tuple) and (len(explain) != arity if arity is not None else not explain):
        raise ValueError(f"op {name!r}: explain gives {len(explain)} sentences, "
                         f"expected one per input ({arity})")
    for template in templates:
        fields = {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}
        unknown = sorted(fields - set(EXPLAIN_FIELDS))
        if unknown:
            raise ValueError(f"op {name!r}: explain names unknown field(s) {unknown} "
                             f"(known: {', '.join(EXPLAIN_FIELDS)}): {template!r}")
    return explain


class _FloatMath:
    """The math namespace for float-valued local gradients."""

    sin, cos, exp, log = (staticmethod(f) for f in (floats.sin, floats.cos, floats.exp, floats.log))
    tanh, sigmoid = staticmethod(math.tanh), staticmethod(floats.sigmoid)
    div = staticmethod(floats.div)  # 1 / 0 under nan_on_domain_error() is NaN, not ZeroDivisionError

    @staticmethod
    def value(x: float) -> float:
        return x


class _ValueMath:
    """The math namespace that builds local gradients as Values (``backward(create_graph=True)``)."""

    sin, cos, exp, log, tanh, sigmoid = (
        staticmethod(lambda x, name=name: getattr(x, name)())  # Value.sin(x), Value.cos(x), ...
        for name in ("sin", "cos", "exp", "log", "tanh", "sigmoid")
    )

    @staticmethod
    def div(a: Any, b: Any) -> Any:
        return a / b

    @staticmethod
    def value(x: Any) -> float:
        return getattr(x, "data", x)


FLOAT_MATH = _FloatMath()
VALUE_MATH = _ValueMath()


# Shared tuples of local gradients: rules that route allocate nothing per node.
_ONE, _ZERO, _MINUS_ONE = (1.0,), (0.0,), (-1.0,)
_FIRST, _SECOND = (1.0, 0.0), (0.0, 1.0)


def _relu_grad(m: Any, out: Any, x: Any) -> tuple[float]:
    return _ONE if m.value(x) > 0 else _ZERO


def _abs_grad(m: Any, out: Any, x: Any) -> tuple[float]:
    x = m.value(x)
    return _ONE if x > 0 else _MINUS_ONE if x < 0 else _ZERO


def _max_grad(m: Any, out: Any, a: Any, b: Any) -> tuple[float, float]:
    return _FIRST if floats.max_takes_first(m.value(a), m.value(b)) else _SECOND


def _min_grad(m: Any, out: Any, a: Any, b: Any) -> tuple[float, float]:
    return _FIRST if floats.min_takes_first(m.value(a), m.value(b)) else _SECOND  # where forward chose


def _sqrt_grad(m: Any, out: Any, x: Any) -> tuple[Any]:
    return (math.inf,) if m.value(out) == 0 else (m.div(0.5, out),)  # inf at 0, as for x ** 0.5


@lru_cache(maxsize=1024)
def _one_hot(size: int, hot: int) -> tuple[float, ...]:
    return tuple(1.0 if i == hot else 0.0 for i in range(size))


def _select_grads(m: Any, out: Any, index: Any, *options: Any) -> tuple[float, ...]:
    k = floats.selected(m.value(index), len(options))  # the index gets 0: it picks, it does not scale
    return _one_hot(len(options) + 1, k + 1) if k >= 0 else (math.nan,) * (len(options) + 1)


def _denominator_sign(a: float, b: float) -> bool:
    return b > 0


def _base_sign(x: float) -> bool:
    return x > 0


def _one_input(*boxes: tuple[float, float]) -> tuple[Box, ...]:
    return tuple((box,) for box in boxes)


_PLANE: Box = ((-3.0, 3.0), (-3.0, 3.0))
_LINE = _one_input((-3.0, 3.0))
_BOTH_SIDES_OF_0 = _one_input((0.01, 3.0), (-3.0, -0.01))  # a kink at 0: one box per side
_UNTIED: tuple[Box, ...] = (((0.5, 3.0), (-3.0, 0.0)), ((-3.0, 0.0), (0.5, 3.0)))  # a wins, b wins

_ROUTE_PASSES = "{label} routes: {input} = {x} is the %s input, so it gets the whole gradient (local {local})"
_ROUTE_BLOCKED = "{label} routes: {input} = {x} lost, so it gets none (local {local})"
_DISTRIBUTES = "{label} distributes: local 1, so {input} gets the upstream gradient unchanged"


T = Template  # the replay templates in the rows below


def _routing(first_wins: str) -> Template:
    """Replay code for an op that passes one of two inputs (max, min): ``first_wins`` as its forward chose."""
    return T(f"({{0}} if {first_wins} else {{1}})",
             (f"(1.0 if {first_wins} else 0.0)", f"(0.0 if {first_wins} else 1.0)"))


def _table(*ops: Op) -> dict[str, Op]:
    return {op.name: op for op in ops}


OPS: dict[str, Op] = _table(
    Op("add", "+", lambda a, b: a + b, arity=2, constant_partials=(1.0, 1.0),
       notation="infix", rule="distribute", explain=_DISTRIBUTES, domain=Domain((_PLANE,), "a + b"),
       template=T("({0} + {1})")),
    Op("sub", "-", lambda a, b: a - b, arity=2, constant_partials=(1.0, -1.0),
       notation="infix", rule="distribute",
       explain=("- distributes: local +1 to the first input",
                "- distributes with a sign flip: local -1 to the subtracted input"),
       domain=Domain((_PLANE,), "a - b"), template=T("({0} - {1})")),
    Op("mul", "*", lambda a, b: a * b, lambda m, out, a, b: (b, a), arity=2,
       notation="infix", rule="swap",
       explain="* swaps its inputs: the local gradient for {input} is the other input, {other} = {other_x}",
       domain=Domain((_PLANE,), "a * b"), template=T("({0} * {1})", ("{1}", "{0}"))),
    Op("div", "/", floats.div, lambda m, out, a, b: (m.div(1.0, b), m.div(-out, b)), arity=2,
       branch=_denominator_sign, crossing="pole", notation="infix",
       explain=("/ : local = 1 / {other} = {local}",
                "/ : local = -output / {input} = -{out} / {x} = {local}"),
       domain=Domain((((-3.0, 3.0), (0.5, 3.0)), ((-3.0, 3.0), (-3.0, -0.5))), "a / b",
                     at_crossing=(1.0, 1e-300)),  # 1e-7 is checked: steps shrink below it
       template=T("({0} / {1})", ("(1.0 / {1})", "(-{out} / {1})"))),
    Op("neg", "-", lambda x: -x, constant_partials=(-1.0,), rule="negate",
       explain="negation flips the sign: local -1", domain=Domain(_LINE, "-x"),
       template=T("(-{0})")),
    Op("exp", "exp", floats.exp, lambda m, out, x: (out,),
       explain="exp: local = exp(x) = the output {out}",
       domain=Domain(_one_input((-5.0, 5.0)), "exp(x)"),
       function="exp", doc="e ** x; inf (not an OverflowError) past e ** 709.", example=((0.0,), 1.0),
       template=T("exp({0})", ("{out}",))),
    Op("log", "log", floats.log, lambda m, out, x: (m.div(1.0, x),),
       explain="log: local = 1 / x = 1 / {x} = {local}",
       domain=Domain(_one_input((0.05, 10.0)), "log(x)"),
       function="log", doc="Natural logarithm; a DomainError for inputs <= 0.", example=((1.0,), 0.0),
       template=T("log({0})", ("(1.0 / {0})",))),
    Op("tanh", "tanh", math.tanh, lambda m, out, x: (1 - out * out,),
       explain="tanh: local = 1 - tanh² = 1 - {out}² = {local}",
       domain=Domain(_one_input((-4.0, 4.0)), "tanh(x)"),
       function="tanh", doc="Hyperbolic tangent.", example=((0.0,), 0.0),
       template=T("tanh({0})", ("(1.0 - {out} * {out})",))),
    Op("sigmoid", "σ", floats.sigmoid, lambda m, out, x: (out * (1 - out),),
       explain="σ: local = σ(1 - σ) = {out} × (1 - {out}) = {local}",
       domain=Domain(_one_input((-8.0, 8.0)), "1 / (1 + exp(-x))"),
       function="sigmoid", doc="1 / (1 + e ** -x), stable for large inputs of either sign.",
       example=((0.0,), 0.5), template=T("sigmoid({0})", ("({out} * (1.0 - {out}))",))),
    Op("sin", "sin", floats.sin, lambda m, out, x: (m.cos(x),),
       explain="sin: local = cos(x) = cos({x}) = {local}",
       domain=Domain(_one_input((-7.0, 7.0)), "sin(x)"),
       function="sin", doc="Sine (radians).", example=((0.0,), 0.0),
       template=T("sin({0})", ("cos({0})",))),
    Op("cos", "cos", floats.cos, lambda m, out, x: (-m.sin(x),),
       explain="cos: local = -sin(x) = -sin({x}) = {local}",
       domain=Domain(_one_input((-7.0, 7.0)), "cos(x)"),
       function="cos", doc="Cosine (radians).", example=((0.0,), 1.0),
       template=T("cos({0})", ("(-sin({0}))",))),
    Op("sqrt", "√", floats.sqrt, _sqrt_grad,
       explain="√: local = 1 / (2√x) = 1 / (2 × {out}) = {local}",
       domain=Domain(_one_input((0.05, 10.0)), "sqrt(x)"),
       function="sqrt", doc="Square root; a DomainError for inputs < 0, and an infinite slope at 0.",
       example=((9.0,), 3.0), template=T("sqrt({0})", ("(inf if {out} == 0.0 else 0.5 / {out})",))),
    Op("relu", "ReLU", floats.relu, _relu_grad, branch=lambda x: x > 0, rule="route",
       explain="ReLU routes: its input {x} > 0, so the gradient passes (local 1)",
       explain_blocked="ReLU routes: its input {x} <= 0, so the gradient is blocked (local 0)",
       domain=Domain(_BOTH_SIDES_OF_0, "Piecewise((x, x > 0), (0, True))", at_crossing=(0.0,)),
       function="relu", doc="max(0, x); its gradient at 0 is 0 (a kink).", example=((-2.0,), 0.0),
       # the local reads the output (> 0 exactly where the input is): the input need not be kept;
       # templates compare with float zeros: CPython specialises float-float comparisons only
       template=T("(0.0 if {0} <= 0.0 else {0})", ("(1.0 if {out} > 0.0 else 0.0)",))),
    Op("abs", "abs", abs, _abs_grad, branch=lambda x: x >= 0, rule="route",
       explain="abs routes by sign: local = sign({x}) = {local}",
       domain=Domain(_BOTH_SIDES_OF_0, "Piecewise((x, x >= 0), (-x, True))", at_crossing=(0.0,)),
       function="abs", doc="Absolute value; its gradient at 0 is 0 (a kink).", example=((-2.0,), 2.0),
       template=T("abs({0})", ("(1.0 if {0} > 0.0 else -1.0 if {0} < 0.0 else 0.0)",))),
    Op("max", "max", floats.maximum, _max_grad, arity=2, branch=floats.max_takes_first, rule="route",
       explain=_ROUTE_PASSES % "larger", explain_blocked=_ROUTE_BLOCKED,
       domain=Domain(_UNTIED, "Piecewise((a, a >= b), (b, True))", at_crossing=(0.0, 0.0)),
       function="maximum", example=((1.0, 2.0), 2.0),
       doc="The larger of two values; the gradient goes to the winner (ties: the first).",
       template=_routing("({0} >= {1} or {0} != {0})")),  # floats.max_takes_first (a != a: a is NaN)
    Op("min", "min", floats.minimum, _min_grad, arity=2, branch=floats.min_takes_first, rule="route",
       explain=_ROUTE_PASSES % "smaller", explain_blocked=_ROUTE_BLOCKED,
       domain=Domain(_UNTIED, "Piecewise((a, a <= b), (b, True))", at_crossing=(0.0, 0.0)),
       function="minimum", example=((1.0, 2.0), 1.0),
       doc="The smaller of two values; the gradient goes to the winner (ties: the first).",
       template=_routing("({0} <= {1} or {0} != {0})")),  # floats.min_takes_first
    # the builtin sum, in the row and in its replay alike: it compensates (Neumaier) on Python 3.12+,
    # so no chain of + restates it; both look the name up when they run
    Op("sum", "Σ", lambda *xs: sum(xs, 0.0), arity=None, constant_partials=(1.0,), rule="distribute",
       explain=_DISTRIBUTES, domain=Domain((_LINE[0], _LINE[0] * 3, _LINE[0] * 6), "Add(*xs)"),
       template=T("sum(({xs},), 0.0)", join=", ")),
    Op("select", "select", floats.select, _select_grads, arity=None, rule="route",
       branch=lambda index, *options: floats.selected(index, len(options)),
       explain=("select: the index {x0} only picks an option, so {input} gets local 0",
                "select routes: {input} is the option index {x0} picks, so it gets the gradient (local 1)"),
       explain_blocked=("select: the index {x0} only picks an option, so {input} gets local 0",
                        "select routes: the index {x0} picks another option, so {input} gets none (local 0)"),
       domain=Domain((((-0.4, 0.4), (-3.0, 3.0)), ((0.6, 1.4),) + _LINE[0] * 3, ((1.6, 2.4),) + _LINE[0] * 3),
                     "Piecewise(*[(x, xs[0] < k + 0.5) for k, x in enumerate(xs[1:-1])], (xs[-1], True))",
                     at_crossing=(0.5, 1.0, 2.0))),
)
"""Every primitive op by name (parametrised ones, like ``x ** k``, come from :data:`OP_FACTORIES`)."""


@dataclass(frozen=True)
class OpFactory:
    """A family of ops with one constant each (``x ** k``): calling it makes the op for a constant.

    ``constants`` are the ones the tests check the family with.

    >>> OP_FACTORIES["pow"](2.0).forward(3.0)
    9.0
    """

    make: Callable[[float], Op]
    constants: tuple[float, ...]

    def __call__(self, constant: float) -> Op:
        return self.make(constant)


@lru_cache(maxsize=256)
def power(k: float) -> Op:
    """The op ``x ** k`` for one constant exponent ``k`` (ops are cached per exponent).

    >>> power(2.0).forward(3.0), power(2.0).local_grads(FLOAT_MATH, 9.0, 3.0)
    (9.0, (6.0,))
    """
    k = float(k)

    def local_grads(m: Any, out: Any, x: Any) -> tuple[Any]:
        if m is FLOAT_MATH or k == 0 or (k < 1 and m.value(x) == 0):  # constant slopes: 0, or inf at 0
            return (floats.power_slope(m.value(x), k),)
        return (k * x ** (k - 1),)

    pole = k < 0  # x ** -1 has a pole at 0
    op = Op("pow", f"**{k:g}", lambda x: floats.power(x, k), local_grads,
              branch=_base_sign if pole else None, crossing="pole" if pole else None, notation="suffix",
              explain="power rule x{label}: local = k·x^(k-1) at x = {x} is {local}",
              domain=Domain(_power_boxes(k), f"x**{k!r}", at_crossing=_power_crossing(k)),
              template=_power_template(k))
    op.constant = k
    return op


def _power_template(k: float) -> Template | None:
    """Replay code for ``x ** k``: an integer k only (a fractional one needs floats.power's domain check);
    x ** k raises where floats.power gives a DomainError or inf, and the replay falls back."""
    if not k.is_integer():
        return None
    slope = "0.0" if k == 0 else f"({k!r} * {{0}} ** {k - 1!r})"
    return Template(f"({{0}} ** {k!r})", (slope,))


def _power_crossing(k: float) -> tuple[float, ...]:
    if not (k < 0 and k.is_integer()):
        return ()  # x ** -0.5 has no x < 0 side to cross to
    return (10.0 ** (-300 / -k),)  # so close to 0 that every step straddles it, x ** k still finite


def _power_boxes(k: float) -> tuple[Box, ...]:
    if not k.is_integer():  # a negative base to a fractional power is not real
        return _one_input((0.1 if k < 0 else 0.05, 5.0))
    return _one_input((0.2, 3.0), (-3.0, -0.2)) if k < 0 else _LINE


@lru_cache(maxsize=256)
def power_of(base: float) -> Op:
    """The op ``base ** x`` for one constant base, which must be > 0.

    >>> power_of(2.0).forward(3.0)
    8.0
    """
    base = float(base)
    log_base = math.log(base) if base > 0 else math.nan  # forward refuses base <= 0

    def forward(x: float) -> float:
        if not base > 0:
            message = f"base must be > 0 for a Value exponent, got {base!r} ** {x!r}"
            return floats.domain_error("rpow", message)
        return floats.power(base, x)

    reach = 4.0 if abs(log_base) <= 1 else 2.0  # keep base ** x moderate
    op = Op("rpow", f"{base:g}**", forward, lambda m, out, x: (out * log_base,), notation="prefix",
              explain="{label}x: local = output × ln(base) = {local}",
              domain=Domain(_one_input((-reach, reach)), f"{base!r}**x"),
              template=_power_of_template(base, log_base))
    op.constant = base
    return op


def _power_of_template(base: float, log_base: float) -> Template | None:
    if not 0 < base < math.inf:
        return None
    return Template(f"({base!r} ** {{0}})", (f"({{out}} * {log_base!r})",))


OP_FACTORIES: dict[str, OpFactory] = {
    "pow": OpFactory(power, (2.0, 3.0, 1.0, 0.0, -1.0, -2.0, 0.5, 1.5, -0.5)),
    "rpow": OpFactory(power_of, (2.0, 0.5, math.e, 10.0, 1.0)),
}
"""Parametrised ops: name -> factory taking the constant."""
