"""Global switches that change how ops behave: no_grad, anomaly detection, NaN semantics, scopes.

They live in one small mutable object so the hot path pays a single attribute read.
"""

from __future__ import annotations

from contextlib import AbstractContextManager


class _Modes:
    __slots__ = ("grad_enabled", "anomaly", "nan_on_domain_error", "scope")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.nan_on_domain_error = False
        self.scope: tuple[str, ...] | None = None


MODES = _Modes()


class _Switch(AbstractContextManager[None]):
    """Set one mode on entry and restore it on exit, even on error (a class: cheaper than a generator,
    which matters for name_scope, entered for every neuron of every forward pass)."""

    __slots__ = ("name", "value", "saved")

    def __init__(self, name: str, value: object) -> None:
        self.name, self.value, self.saved = name, value, []

    def __enter__(self) -> None:
        self.saved.append(getattr(MODES, self.name))  # a stack: the same switch may be nested
        setattr(MODES, self.name, self.value)

    def __exit__(self, *exc_info: object) -> None:
        setattr(MODES, self.name, self.saved.pop())


class _Scope(_Switch):
    __slots__ = ()

    def __enter__(self) -> None:
        self.saved.append(MODES.scope)
        MODES.scope = (*(MODES.scope or ()), self.value)


def no_grad() -> AbstractContextManager[None]:
    """Build no graph: results are plain leaves, for evaluation and plotting.

    >>> from chainrule import Value, no_grad
    >>> with no_grad():
    ...     y = Value(2.0) * 3
    >>> y.data, y.parents
    (6.0, ())
    """
    return _Switch("grad_enabled", False)


def detect_anomaly() -> AbstractContextManager[None]:
    """Raise :class:`AnomalyError` at the first op whose value or gradient is NaN or inf.

    >>> from chainrule import Value, detect_anomaly
    >>> with detect_anomaly():
    ...     Value(1000.0, label="z").exp()
    Traceback (most recent call last):
    ...
    chainrule.engine.errors.AnomalyError: forward of exp produced inf (inputs: z=1000.0)
    """
    return _Switch("anomaly", True)


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
