"""Global switches that change how ops behave: no_grad, anomaly detection, NaN semantics, scopes.

They live in one small mutable object so the hot path pays a single attribute read.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager


class _Modes:
    __slots__ = ("grad_enabled", "anomaly", "nan_on_domain_error", "scope")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.nan_on_domain_error = False
        self.scope: tuple[str, ...] | None = None


MODES = _Modes()


@contextmanager
def _switch(name: str, value: object) -> Iterator[None]:
    old = getattr(MODES, name)
    setattr(MODES, name, value)
    try:
        yield
    finally:
        setattr(MODES, name, old)


def no_grad() -> AbstractContextManager[None]:
    """Build no graph: results are plain leaves, for evaluation and plotting.

    >>> from chainrule import Value, no_grad
    >>> with no_grad():
    ...     y = Value(2.0) * 3
    >>> y.data, y.parents
    (6.0, ())
    """
    return _switch("grad_enabled", False)


def detect_anomaly() -> AbstractContextManager[None]:
    """Raise :class:`AnomalyError` at the first op whose value or gradient is NaN or inf.

    >>> from chainrule import Value, detect_anomaly
    >>> with detect_anomaly():
    ...     Value(1000.0, label="z").exp()
    Traceback (most recent call last):
    ...
    chainrule.engine.errors.AnomalyError: forward of exp produced inf (inputs: z=1000.0)
    """
    return _switch("anomaly", True)


def nan_on_domain_error() -> AbstractContextManager[None]:
    """Return NaN instead of raising :class:`DomainError` (NumPy-like semantics).

    >>> from chainrule import Value, nan_on_domain_error
    >>> with nan_on_domain_error():
    ...     Value(-1.0).log().data
    nan
    """
    return _switch("nan_on_domain_error", True)


@contextmanager
def name_scope(name: str) -> Iterator[None]:
    """Tag every node created inside with a scope path, so pictures can cluster them.

    >>> from chainrule import Value, name_scope
    >>> with name_scope("layer0"), name_scope("neuron1"):
    ...     y = Value(1.0) + 2
    >>> y.scope
    ('layer0', 'neuron1')
    """
    parent = MODES.scope or ()
    with _switch("scope", (*parent, name)):
        yield

