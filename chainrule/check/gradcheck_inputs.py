"""Argument checking for gradcheck: inputs, names, the function's result, parameter sampling.

Every refusal names what was wrong: the input, its type or value.
"""

from __future__ import annotations

import inspect
import math
import numbers
import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from chainrule.engine.modes import current
from chainrule.engine.value import Value


def check_eps(eps: float, atol: float = 0.0) -> None:
    """Refuse a step that is not a positive finite number, or a negative tolerance.

    >>> check_eps(0.0)
    Traceback (most recent call last):
    ...
    ValueError: eps must be > 0, got 0.0
    """
    for name, x in (("eps", eps), ("atol", atol)):
        if not isinstance(x, numbers.Real) or isinstance(x, bool):
            raise TypeError(f"{name} must be a float, got {type(x).__name__}: {x!r:.60}")
    if not (eps > 0 and math.isfinite(eps)):
        raise ValueError(f"eps must be > 0, got {eps!r}")
    if not atol >= 0:
        raise ValueError(f"atol must be >= 0, got {atol!r}")


def step_size(x: float, eps: float) -> float:
    """The finite-difference step at ``x``: h = eps * max(1, |x|).

    Relative for large inputs, since at |x| >~ 1e10 x ± 1e-6 rounds back to x; exactly ``eps`` for
    |x| <= 1.

    >>> step_size(0.5, 1e-6), step_size(-1e11, 1e-6)
    (1e-06, 100000.0)
    """
    return eps * max(1.0, abs(x))


def input_list(inputs: Any) -> list[Any]:
    """The inputs as a list; a lone number or Value is refused (it must be wrapped in a list).

    >>> input_list((1, 2.5))
    [1, 2.5]
    """
    if isinstance(inputs, (Value, numbers.Real, str)) or not isinstance(inputs, Iterable):
        raise TypeError(f"gradcheck inputs must be a list of numbers or Values, got "
                        f"{type(inputs).__name__}: {inputs!r:.60} (write [x])")
    inputs = list(inputs)
    if not inputs:
        raise ValueError("gradcheck needs at least one input")
    return inputs


def as_input(x: Any, name: str) -> Value:
    """A Value to perturb: Values as they are, numbers wrapped; non-finite points are refused.

    >>> as_input(2, "x")
    Value(data=2.0)
    """
    if isinstance(x, Value):
        value = x
    elif isinstance(x, numbers.Real) and not isinstance(x, bool):
        value = Value(float(x))
    else:
        raise TypeError(f"gradcheck input {name} must be a number or a Value, got {type(x).__name__}: "
                        f"{x!r:.60}")
    if not math.isfinite(value.data):
        raise ValueError(f"gradcheck input {name} is {value.data!r}; finite differences need a finite point")
    return value


def call_checked(f: Callable[..., Any], values: list[Value]) -> Value:
    """``f(*values)``, which must be one Value; f's own exceptions pass through untouched.

    >>> call_checked(lambda x: [x, x], [Value(1.0)])
    Traceback (most recent call last):
    ...
    TypeError: <lambda> must return one scalar Value, got a list of 2 item(s); ...
    """
    if not callable(f):
        raise TypeError(f"gradcheck needs a function, got {type(f).__name__}: {f!r:.60}")
    if not current().grad_enabled:
        raise RuntimeError("gradcheck needs a graph to check, but it was called inside no_grad()")
    out = f(*values)  # an exception here is f's own: let it through untouched
    if isinstance(out, Value):
        return out
    fname = getattr(f, "__name__", type(f).__name__)
    if isinstance(out, (list, tuple)):
        raise TypeError(f"{fname} must return one scalar Value, got a {type(out).__name__} of "
                        f"{len(out)} item(s); reduce it to one Value first (e.g. chainrule.sum)")
    raise TypeError(f"{fname} must return a Value built from its inputs, got {type(out).__name__}: "
                    f"{out!r:.60}")


def input_names(f: Callable[..., Any], count: int) -> list[str]:
    """f's positional parameter names, then x<i> for the rest (builtins have no signature).

    >>> input_names(lambda a, b, *more: a, 3)
    ['a', 'b', 'x2']
    """
    try:
        parameters = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):
        parameters = []  # type: ignore[assignment]
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    names = [p.name for p in parameters if p.kind in positional][:count]
    return names + [f"x{i}" for i in range(len(names), count)]


def named_parameters(parameters: Any) -> list[tuple[str, Value]]:
    """(name, Value) pairs from a model (anything with ``named_parameters()``, like a chainrule.nn
    Module, whose dotted names are used), a dict, pairs or plain Values; names default to label,
    else p<i>.

    >>> [name for name, _ in named_parameters([Value(1.0, label="w"), Value(2.0)])]
    ['w', 'p1']
    """
    if callable(getattr(parameters, "named_parameters", None)):
        parameters = parameters.named_parameters()
    items = list(parameters.items() if isinstance(parameters, Mapping) else parameters)
    if not items:
        raise ValueError("gradcheck_parameters needs at least one parameter")
    names, values = [], []
    for i, item in enumerate(items):
        name, p = item if isinstance(item, tuple) and len(item) == 2 else ("", item)
        if not isinstance(p, Value):
            raise TypeError(f"parameter {i} must be a Value (e.g. chainrule.Parameter), got "
                            f"{type(p).__name__}: {p!r:.60}")
        names.append(str(name) or p.label or f"p{i}")
        values.append(as_input(p, names[-1]))
    return list(zip(unique(names), values))


def sampled(named: list[tuple[str, Value]], sample: int | None,
             seed: int | random.Random) -> list[tuple[str, Value]]:
    """A deterministic subset (kept in the original order), or everything when ``sample`` is None.

    >>> named = [(f"p{i}", Value(float(i))) for i in range(10)]
    >>> [n for n, _ in sampled(named, 3, seed=0)] == [n for n, _ in sampled(named, 3, seed=0)]
    True
    """
    if sample is None:
        return named
    if isinstance(sample, bool) or not isinstance(sample, int):
        raise TypeError(f"sample must be an int or None, got {type(sample).__name__}: {sample!r:.60}")
    if sample <= 0:
        raise ValueError(f"sample must be > 0, got {sample!r}")
    rng = seed if isinstance(seed, random.Random) else random.Random(seed)
    picked = sorted(rng.sample(range(len(named)), min(sample, len(named))))
    return [named[i] for i in picked]


def unique(names: Iterable[str]) -> list[str]:
    """Names made distinct by suffixing repeats with their position.

    >>> unique(["w", "b", "w"])
    ['w', 'b', 'w#2']
    """
    seen: set[str] = set()
    out = []
    for i, name in enumerate(names):
        out.append(f"{name}#{i}" if name in seen else name)
        seen.add(name)
    return out
