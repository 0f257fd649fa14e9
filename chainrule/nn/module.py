"""Module: the base of every model, with named parameters and save/load as JSON (never pickle)."""

from __future__ import annotations

import json
import math
import numbers
import operator
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from chainrule.engine import NOT_COMPUTED, Value
from chainrule.files import write_atomic

FILE_FORMAT = "chainrule.nn.parameters/1"


class Module:
    """A model part that owns parameters: attributes holding Values, Modules, or lists, tuples and
    str-keyed dicts of them, nested to any depth.

    Parameters are named by attribute path (``layers.0.neurons.3.w.1``; a dict adds its key:
    ``heads.a.w.0``), in the order the attributes were set, so a Neuron that sets ``w`` before ``b``
    lists its weights, then its bias. Containers with no parameters in them (``self.sizes = [4, 1]``)
    are plain data; a parameter that could not be named (under a set, or a dict key that is not a str
    without ``.``) raises TypeError when the parameters are looked up.

    >>> from chainrule import Parameter
    >>> from chainrule.nn import Module
    >>> class Line(Module):
    ...     def __init__(self):
    ...         self.w = [Parameter(2.0), Parameter(3.0)]
    ...         self.b = Parameter(1.0)
    >>> [name for name, _ in Line().named_parameters()]
    ['w.0', 'w.1', 'b']
    >>> from chainrule.nn import Neuron
    >>> class TwoHeads(Module):
    ...     def __init__(self):
    ...         self.heads = {"a": Neuron(1), "b": Neuron(1)}
    >>> [name for name, _ in TwoHeads().named_parameters()]
    ['heads.a.w.0', 'heads.a.b', 'heads.b.w.0', 'heads.b.b']
    """

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """The direct sub-modules, with their attribute paths (``layers.0``); never the module itself."""
        for name, item in _walk(self, into_modules=False):
            if isinstance(item, Module) and item is not self:
                yield name, item

    def named_parameters(self, prefix: str = "") -> list[tuple[str, Value]]:
        """Every parameter with its dotted path, depth first, each parameter listed once."""
        if prefix:
            return [(prefix + name, parameter) for name, parameter in self.named_parameters()]
        cache = self.__dict__.get("_parameter_cache")
        if cache is None or not cache.valid():
            cache = _ParameterCache(self)
            self.__dict__["_parameter_cache"] = cache  # not through __setattr__: no structure change
        return list(cache.named)

    def _find_parameters(self) -> list[tuple[str, Value]]:
        """Each parameter once, under the first path that reaches it (a module that refers back to
        its parent or to itself is fine)."""
        named: list[tuple[str, Value]] = []
        seen: set[Value] = set()  # Values hash by identity
        for path, parameter in _walk(self, into_modules=True):
            if parameter not in seen:  # a shared weight is learned once
                seen.add(parameter)
                named.append((path, parameter))  # type: ignore[arg-type]
        return named

    def parameters(self) -> list[Value]:
        """The parameters in :meth:`named_parameters` order (micrograd's: weights, then bias).

        Looked up once and kept until the model's structure changes: an attribute set or deleted on
        any Module, or a list, tuple or dict the lookup went through changed in place.

        >>> from chainrule import Parameter
        >>> from chainrule.nn import Neuron
        >>> n = Neuron(2)
        >>> len(n.parameters())
        3
        >>> n.w.append(Parameter(0.5)); len(n.parameters())
        4
        """
        self.named_parameters()
        return list(self.__dict__["_parameter_cache"].parameters)

    def __setattr__(self, name: str, value: Any) -> None:
        _STRUCTURE.changed()
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        _STRUCTURE.changed()
        object.__delattr__(self, name)

    def zero_grad(self) -> None:
        """Mark every parameter's gradient as not computed (reads as 0.0), before a new backward."""
        for parameter in self.parameters():
            parameter.grad = NOT_COMPUTED

    def state_dict(self) -> dict[str, float]:
        """Parameter values by name: ``{"w.0": 0.5, ...}``."""
        return {name: parameter.data for name, parameter in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set every parameter from ``state``; on any mismatch raise ValueError and change nothing."""
        named = self.named_parameters()
        _check_names(self, [name for name, _ in named], state)
        values = [_check_number(name, state[name]) for name, _ in named]
        for (_, parameter), value in zip(named, values):
            parameter.data = value

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the parameters to a JSON file, atomically (a failed save keeps the old file).

        >>> import tempfile, pathlib
        >>> from chainrule.nn import MLP
        >>> model, twin = MLP(2, [3, 1], seed=1), MLP(2, [3, 1], seed=2)
        >>> path = model.save(pathlib.Path(tempfile.mkdtemp()) / "model.json")
        >>> twin.load(path)
        >>> twin.state_dict() == model.state_dict()
        True
        """
        state = self.state_dict()
        for name, value in state.items():
            if not math.isfinite(value):
                raise ValueError(f"cannot save {_title(self)}: parameter {name} is {value!r}, not finite")
        document = {"format": FILE_FORMAT, "model": _title(self), "parameters": state}
        return write_atomic(path, json.dumps(document, indent=1).encode("utf-8"))

    def load(self, path: str | os.PathLike[str]) -> None:
        """Read parameters written by :meth:`save`; a wrong or corrupted file raises ValueError and
        leaves the model unchanged."""
        try:
            document = json.loads(Path(path).read_bytes())
        except RecursionError:  # the C parser recurses once per nesting level
            raise ValueError(f"{path}: not a parameter file (JSON nested too deeply)") from None
        except ValueError as error:  # invalid JSON, bad UTF-8, or an integer past Python's digit limit
            raise ValueError(f"{path}: not a parameter file (invalid JSON: {error})") from None
        if not isinstance(document, dict) or document.get("format") != FILE_FORMAT:
            raise ValueError(f"{path}: not a parameter file (expected \"format\": \"{FILE_FORMAT}\")")
        state = document.get("parameters")
        if not isinstance(state, dict):
            raise ValueError(f"{path}: \"parameters\" must be an object of name: number")  # noqa: TRY004
        try:
            self.load_state_dict(state)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None

    def _repr_args(self) -> str:
        return f"parameters={len(self.parameters())}"

    def __repr__(self) -> str:
        lines = [_title(self)]
        for name, child in self.named_children():
            lines.append(f"  ({name}): {_title(child)}")
        return "\n".join(lines)


class _Structure:
    """A count of attribute changes on any Module: a parameter cache made at another count is stale
    (a change inside a sub-module must reach its parents' caches, which it does not know)."""

    __slots__ = ("version",)

    def __init__(self) -> None:
        self.version = 0

    def changed(self) -> None:
        self.version += 1


_STRUCTURE = _Structure()


_Contents = tuple[tuple[Any, ...], tuple[Any, ...]]  # a container's keys and items


class _ParameterCache:
    """A module's named parameters, with what they were found through: the structure count, and every
    list and dict under the module with a copy of what it held, to notice a change in place."""

    __slots__ = ("version", "named", "parameters", "watched")

    def __init__(self, module: Module) -> None:
        self.version = _STRUCTURE.version
        self.named = tuple(module._find_parameters())
        self.parameters = tuple(parameter for _, parameter in self.named)
        self.watched = [(container, _contents(container)) for container in _containers(module)]

    def valid(self) -> bool:
        return self.version == _STRUCTURE.version and all(
            _unchanged(_contents(container), held) for container, held in self.watched)


def _contents(container: Any) -> _Contents:
    """(keys, items) of a list or mapping; the items are kept (referenced), so compared by identity."""
    if isinstance(container, Mapping):
        return tuple(container), tuple(container.values())
    return (), tuple(container)


def _unchanged(now: _Contents, held: _Contents) -> bool:
    return (now[0] == held[0] and len(now[1]) == len(held[1])
            and all(map(operator.is_, now[1], held[1])))


def _containers(module: Module) -> list[Any]:
    """Every mutable list or mapping reachable from the module's public attributes (sub-modules too)."""
    found, seen, todo = [], set(), [module]
    while todo:
        item = todo.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, Module):
            todo.extend(value for name, value in vars(item).items() if not name.startswith("_"))
        elif isinstance(item, Mapping):
            found.append(item)
            todo.extend(item.values())
        elif isinstance(item, (list, tuple)):
            if isinstance(item, list):
                found.append(item)
            todo.extend(item)
    return found


def _walk(module: Module, into_modules: bool) -> Iterator[tuple[str, Value | Module]]:
    """The Values (and, unless ``into_modules``, the Modules) in ``module``'s public attributes, with
    their paths, depth first in attribute order, looking into lists, tuples and mappings.

    Iterative, and each Module or container is entered once: a child that refers to its parent, a
    module or list that contains itself, or a very deep nesting never recurses. A parameter under a
    set or under a mapping key that cannot name it raises TypeError.
    """
    entered = {id(module)}
    stack: list[tuple[str, Any, str]] = [("", module, "")]  # (path, item, why it cannot be named)
    while stack:
        path, item, unnamed = stack.pop()
        if isinstance(item, Value):
            if unnamed:
                raise TypeError(unnamed)
            yield path, item
            continue
        if isinstance(item, Module) and path and not into_modules:
            yield path, item
            continue
        parts = _parts_of(path, item, unnamed)
        if parts is not None and (id(item) not in entered or not path):
            entered.add(id(item))
            stack.extend(reversed(parts))


def _parts_of(path: str, item: Any, unnamed: str) -> list[tuple[str, Any, str]] | None:
    """The named parts of one Module or container (None for plain data)."""
    prefix = f"{path}." if path else ""
    if isinstance(item, Module):
        return [(prefix + name, value, unnamed) for name, value in vars(item).items()
                if not name.startswith("_")]
    if isinstance(item, (list, tuple)):
        return [(f"{path}.{index}", element, unnamed) for index, element in enumerate(item)]
    if isinstance(item, Mapping):
        return [(f"{path}.{key}", element,
                 unnamed or ("" if isinstance(key, str) and key and "." not in key else
                             f"{path}: key {key!r:.40} of a mapping must be a str without '.'"
                             " to name the parameters under it"))
                for key, element in item.items()]
    if isinstance(item, (set, frozenset)):
        return [(path, element, unnamed or f"{path}: a set has no order to name parameters by; use a list")
                for element in item]
    return None


def _title(module: Module) -> str:
    return f"{type(module).__name__}({module._repr_args()})"


def _check_names(module: Module, names: list[str], state: Mapping[str, Any]) -> None:
    missing = [name for name in names if name not in state]
    known = set(names)
    unexpected = [name for name in state if name not in known]
    if missing or unexpected:
        raise ValueError(
            f"parameters do not fit {_title(module)}: {len(state)} given, {len(names)} expected"
            + (f"; missing {_few(missing)}" if missing else "")
            + (f"; unexpected {_few(unexpected)}" if unexpected else "")
        )


def _few(names: list[str]) -> str:
    shown = ", ".join(names[:5])
    return shown + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _check_number(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"parameter {name} is {value!r:.40}, expected a finite number")
    try:
        number = float(value)  # an int past float's range raises OverflowError, not inf
    except OverflowError:
        raise ValueError(f"parameter {name} is a number too large for a float") from None
    if not math.isfinite(number):
        raise ValueError(f"parameter {name} is {value!r:.40}, expected a finite number")
    return number
