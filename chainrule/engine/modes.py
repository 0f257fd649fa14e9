"""Switches that change how ops behave: no_grad, anomaly detection, NaN semantics, scopes.

They are per thread and per asyncio task: the modes in force are one immutable :class:`Modes`
object held in a context variable, so a ``no_grad()`` in one thread never turns off the graph of
another. The hot path pays one ``current()`` call per node and then reads plain attributes.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from contextvars import ContextVar
from typing import Any

_new = object.__new__


class Modes:
    """The modes in force in one thread or task. Immutable: entering a switch makes a new one whose
    ``outer`` is the one it replaces, and leaving the switch goes back to ``outer``.

    >>> from chainrule import no_grad
    >>> with no_grad():
    ...     current().grad_enabled, current().outer.grad_enabled
    (False, True)
    """

    __slots__ = ("grad_enabled", "anomaly", "nan_on_domain_error", "scope", "outer", "scopes")

    grad_enabled: bool
    anomaly: bool
    nan_on_domain_error: bool
    scope: tuple[str, ...] | None
    outer: Modes | None
    scopes: dict[str, Modes]  # name_scope's cache: the inner Modes for each scope name entered here

    def replace(self, name: str, value: Any) -> Modes:
        """A copy with one mode changed, whose ``outer`` is this one.

        >>> current().replace("anomaly", True).anomaly
        True
        """
        new = _new(Modes)
        new.grad_enabled, new.anomaly = self.grad_enabled, self.anomaly
        new.nan_on_domain_error, new.scope = self.nan_on_domain_error, self.scope
        setattr(new, name, value)
        new.outer, new.scopes = self, {}
        return new

    def __repr__(self) -> str:
        return (f"Modes(grad_enabled={self.grad_enabled}, anomaly={self.anomaly}, "
                f"nan_on_domain_error={self.nan_on_domain_error}, scope={self.scope})")


_DEFAULT = _new(Modes)
_DEFAULT.grad_enabled, _DEFAULT.anomaly, _DEFAULT.nan_on_domain_error = True, False, False
_DEFAULT.scope = _DEFAULT.outer = None
_DEFAULT.scopes = {}

# A new thread starts from an empty context, so from the defaults; an asyncio task starts from a
# copy of its creator's context, so it inherits the modes in force where it was created.
_CURRENT: ContextVar[Modes] = ContextVar("chainrule_modes", default=_DEFAULT)

current = _CURRENT.get  # current() -> the Modes in force in this thread or task (bound: one call)
_set = _CURRENT.set


class _Switch(AbstractContextManager[None]):
    """Set one mode on entry and restore it on exit, even on error. It keeps no state of its own (the
    previous modes are ``outer`` of the current ones), so one switch may be nested or entered by
    several threads at once (a class, not a generator: name_scope is entered for every neuron)."""

    __slots__ = ("name", "value")

    def __init__(self, name: str, value: object) -> None:
        self.name, self.value = name, value

    def __enter__(self) -> None:
        _set(current().replace(self.name, self.value))

    def __exit__(self, *exc_info: object) -> None:
        outer = current().outer
        if outer is not None:  # None: nothing was entered in this context (exit in another task)
            _set(outer)


class _Scope(_Switch):
    __slots__ = ()

    def __enter__(self) -> None:
        # Entered for every neuron of every forward pass, so the Modes for a scope name is made once and
        # kept on its outer Modes (both immutable, so sharing them is safe): a dict look-up, no allocation.
        outer = current()
        inner = outer.scopes.get(self.value)
        if inner is None:
            inner = outer.replace("scope", (*(outer.scope or ()), self.value))
            inner.scopes = {}
            if len(outer.scopes) < _SCOPES_KEPT:
                outer.scopes[self.value] = inner
        _set(inner)


_SCOPES_KEPT = 256  # per Modes: enough for every neuron of a wide layer; beyond, made each time


def no_grad() -> AbstractContextManager[None]:
    """Build no graph in this thread or task: results are plain leaves, for evaluation and plotting.

    >>> from chainrule import Value, no_grad
    >>> with no_grad():
    ...     y = Value(2.0) * 3
    >>> y.data, y.parents
    (6.0, ())
    """
    return _Switch("grad_enabled", False)


def enable_grad() -> AbstractContextManager[None]:
    """Build the graph even inside ``no_grad()`` (what ``create_graph=True`` needs).

    >>> from chainrule import Value, no_grad
    >>> with no_grad(), enable_grad():
    ...     (Value(2.0) * 3).parents
    (Value(data=2.0), Constant(data=3.0))
    """
    return _Switch("grad_enabled", True)


def detect_anomaly(enabled: bool = True) -> AbstractContextManager[None]:
    """Raise :class:`AnomalyError` at the first op whose value or gradient is NaN or inf
    (``enabled=False`` turns that off inside, as gradcheck does for its own probes).

    >>> from chainrule import Value, detect_anomaly
    >>> with detect_anomaly():
    ...     Value(1000.0, label="z").exp()
    Traceback (most recent call last):
    ...
    chainrule.engine.errors.AnomalyError: forward of exp produced inf (inputs: z=1000.0)
    """
    return _Switch("anomaly", bool(enabled))


def nan_on_domain_error() -> AbstractContextManager[None]:
    """Return NaN instead of raising :class:`DomainError` (NumPy-like semantics).

    >>> from chainrule import Value, nan_on_domain_error
    >>> with nan_on_domain_error():
    ...     Value(-1.0).log().data
    nan
    """
    return _Switch("nan_on_domain_error", True)


def name_scope(name: str) -> AbstractContextManager[None]:
    """Tag every node created inside with a scope path, so pictures can cluster them.

    >>> from chainrule import Value, name_scope
    >>> with name_scope("layer0"), name_scope("neuron1"):
    ...     y = Value(1.0) + 2
    >>> y.scope
    ('layer0', 'neuron1')
    """
    if not isinstance(name, str):
        raise TypeError(f"name_scope needs a str, got {type(name).__name__}: {name!r:.60}")
    return _Scope("scope", name)


class _CurrentModes:
    """``MODES.grad_enabled`` and friends: a read-only view of :func:`current` for older callers."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        return getattr(current(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"modes are per thread and read-only here; use a switch such as no_grad() "
                             f"to change {name!r}")


MODES: Any = _CurrentModes()
